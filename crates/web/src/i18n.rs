//! The interface's two languages: Bahasa Indonesia first, English second. Every string a page
//! shows is looked up here by key; error codes are keys too, so every refusal reads as a plain
//! sentence in the visitor's language. The verification pages' sentences live in
//! [`verification::STRINGS`], the transparency log's in [`log::STRINGS`].

pub mod admin;
pub mod api_admin;
pub mod custody;
pub mod dashboard;
pub mod disposition;
pub mod log;
pub mod notify;
pub mod routing;
pub mod verification;
pub mod webhooks;

/// An interface language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// Bahasa Indonesia (the default).
    Id,
    /// English.
    En,
}

impl Lang {
    /// Parses `id` or `en`.
    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "id" => Some(Lang::Id),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// `id` or `en`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Id => "id",
            Lang::En => "en",
        }
    }

    /// The other language, for the switch.
    pub fn other(self) -> Lang {
        match self {
            Lang::Id => Lang::En,
            Lang::En => Lang::Id,
        }
    }

    /// Looks up `key`; an unknown key is returned as is (and a test keeps templates honest).
    pub fn t(self, key: &str) -> &str {
        self.lookup(key).unwrap_or(key)
    }

    /// Looks up `key`.
    pub fn lookup(self, key: &str) -> Option<&'static str> {
        all()
            .find(|(k, _, _)| *k == key)
            .map(|(_, id, en)| match self {
                Lang::Id => *id,
                Lang::En => *en,
            })
    }
}

/// Every (key, Bahasa Indonesia, English) of both tables.
fn all() -> impl Iterator<Item = &'static (&'static str, &'static str, &'static str)> {
    STRINGS
        .iter()
        .chain(verification::STRINGS.iter())
        .chain(log::STRINGS.iter())
        .chain(dashboard::STRINGS.iter())
        .chain(admin::STRINGS.iter())
        .chain(api_admin::STRINGS.iter())
        .chain(disposition::STRINGS.iter())
        .chain(notify::STRINGS.iter())
        .chain(routing::STRINGS.iter())
        .chain(webhooks::STRINGS.iter())
        .chain(custody::STRINGS.iter())
}

/// (key, Bahasa Indonesia, English).
pub const STRINGS: &[(&str, &str, &str)] = &[
    (
        "revision_file_hint",
        "Perbaiki isian di atas; unggah PDF baru bila berkasnya juga perlu diperbaiki, atau biarkan kosong untuk memakai berkas sebelumnya.",
        "Correct the fields above; upload a new PDF if the file needs correcting too, or leave it empty to keep the previous file.",
    ),
    ("home", "Beranda", "Home"),
    (
        "no_services",
        "Belum ada layanan. Admin OPD menambahkan layanan.",
        "No services yet. An agency admin adds them.",
    ),
    ("technical_detail", "Keterangan teknis", "Technical detail"),
    (
        "login_hint",
        "3–40 karakter: huruf kecil, angka, titik, garis bawah atau tanda hubung; diawali huruf atau angka.",
        "3–40 characters: lower-case letters, digits, dot, underscore or dash; starting with a letter or digit.",
    ),
    (
        "password_hint",
        "Minimal 10 karakter.",
        "At least 10 characters.",
    ),
    (
        "revision_comment",
        "Catatan petugas",
        "The officer's comment",
    ),
    (
        "will_sign_version",
        "Yang akan ditandatangani: berkas versi",
        "What will be signed: file version",
    ),
    ("section_approve", "Setujui", "Approve"),
    (
        "section_return",
        "Kembalikan atau tolak",
        "Return or reject",
    ),
    (
        "section_sign",
        "Tanda tangan elektronik",
        "Electronic signature",
    ),
    ("section_revise", "Perbaikan", "Revision"),
    (
        "confirm_withdraw",
        "Tarik permohonan ini? Tindakan ini tidak dapat dibatalkan.",
        "Withdraw this application? This cannot be undone.",
    ),
    (
        "app_tagline",
        "Layanan dokumen dan tanda tangan elektronik",
        "E-documents and electronic signatures",
    ),
    ("lang_switch", "English", "Bahasa Indonesia"),
    ("login", "Masuk", "Log in"),
    ("logout", "Keluar", "Log out"),
    ("register", "Daftar", "Register"),
    ("login_name", "Nama pengguna", "Username"),
    ("password", "Kata sandi", "Password"),
    ("full_name", "Nama lengkap", "Full name"),
    ("email", "Surel (opsional)", "E-mail (optional)"),
    ("no_account", "Belum punya akun?", "No account yet?"),
    ("services", "Layanan", "Services"),
    ("apply", "Ajukan permohonan", "Apply"),
    ("my_applications", "Permohonan saya", "My applications"),
    ("queue", "Antrian kerja", "Work queue"),
    (
        "queue_empty",
        "Tidak ada dokumen dalam antrian.",
        "No documents in the queue.",
    ),
    (
        "no_applications",
        "Belum ada permohonan.",
        "No applications yet.",
    ),
    ("submit", "Kirim", "Submit"),
    ("attachment_pdf", "Berkas PDF", "PDF file"),
    (
        "attachment_hint",
        "Hanya PDF, paling besar",
        "PDF only, at most",
    ),
    ("required", "wajib", "required"),
    ("status", "Status", "Status"),
    ("service", "Layanan", "Service"),
    ("applicant", "Pemohon", "Applicant"),
    ("submitted_at", "Diajukan", "Submitted"),
    ("updated_at", "Diperbarui", "Updated"),
    ("form_values", "Isian formulir", "Form values"),
    ("attachments", "Berkas", "Files"),
    ("version", "Versi", "Version"),
    ("view", "Lihat", "View"),
    ("timeline", "Riwayat", "Timeline"),
    ("comment", "Catatan", "Comment"),
    ("reason", "Alasan", "Reason"),
    ("open", "Buka", "Open"),
    ("tracking_number", "Nomor pelacakan", "Tracking number"),
    (
        "download_signed",
        "Unduh dokumen bertanda tangan",
        "Download the signed document",
    ),
    (
        "revision_requested",
        "Permohonan dikembalikan untuk perbaikan.",
        "Your application was returned for revision.",
    ),
    ("resubmit", "Kirim ulang", "Resubmit"),
    ("withdraw", "Tarik permohonan", "Withdraw the application"),
    ("action_paraf", "Beri paraf", "Give paraf (approve)"),
    (
        "action_return",
        "Kembalikan untuk perbaikan",
        "Return for revision",
    ),
    ("action_reject", "Tolak", "Reject"),
    (
        "action_sign",
        "Tandatangani (TTE)",
        "Sign (electronic signature)",
    ),
    (
        "key_passphrase",
        "Frasa sandi kunci penandatanganan",
        "Signing key passphrase",
    ),
    (
        "sign_notice",
        "Dokumen akan ditandatangani secara elektronik dengan sertifikat elektronik Anda (PAdES).",
        "The document will be signed electronically with your electronic certificate (PAdES).",
    ),
    (
        "awaiting_you",
        "Menunggu tindakan Anda",
        "Awaiting your action",
    ),
    ("back", "Kembali", "Back"),
    ("error", "Terjadi kesalahan", "Something went wrong"),
    ("error_code", "Kode kesalahan", "Error code"),
    ("welcome", "Selamat datang", "Welcome"),
    ("role_citizen", "Warga", "Citizen"),
    ("role_verifier", "Verifikator", "Verifier"),
    ("role_signer", "Penandatangan", "Signing official"),
    ("role_admin", "Admin", "Admin"),
    (
        "state_submitted",
        "Diajukan, menunggu verifikasi",
        "Submitted, awaiting verification",
    ),
    ("state_in_review", "Dalam verifikasi", "Under verification"),
    (
        "state_returned",
        "Dikembalikan untuk perbaikan",
        "Returned for revision",
    ),
    (
        "state_approved",
        "Sudah diparaf, menunggu tanda tangan",
        "Initialled, awaiting signature",
    ),
    (
        "state_signed",
        "Selesai, sudah ditandatangani",
        "Done, signed",
    ),
    ("state_rejected", "Ditolak", "Rejected"),
    (
        "state_withdrawn",
        "Ditarik oleh pemohon",
        "Withdrawn by the applicant",
    ),
    (
        "event_submitted",
        "Permohonan diajukan",
        "Application submitted",
    ),
    ("event_paraf", "Paraf diberikan", "Paraf given"),
    (
        "event_returned",
        "Dikembalikan untuk perbaikan",
        "Returned for revision",
    ),
    (
        "event_resubmitted",
        "Perbaikan dikirim",
        "Revision submitted",
    ),
    ("event_rejected", "Ditolak", "Rejected"),
    ("event_withdrawn", "Ditarik", "Withdrawn"),
    (
        "event_signed",
        "Ditandatangani secara elektronik",
        "Signed electronically",
    ),
    (
        "E_LOGIN_REQUIRED",
        "Silakan masuk terlebih dahulu.",
        "Please log in first.",
    ),
    (
        "E_BAD_LOGIN",
        "Nama pengguna atau kata sandi salah.",
        "Wrong username or password.",
    ),
    (
        "E_BUSY",
        "Server sedang sibuk memeriksa dokumen lain. Coba lagi sebentar lagi.",
        "The server is busy checking other documents. Try again in a moment.",
    ),
    (
        "E_TSA_UNAVAILABLE",
        "Layanan cap waktu (TSA) tidak dapat dihubungi atau menolak permintaan; dokumen belum \
         ditandatangani. Coba lagi sebentar lagi.",
        "The time-stamping authority (TSA) cannot be reached or refused; the document was not \
         signed. Try again in a moment.",
    ),
    (
        "E_CRL_UNAVAILABLE",
        "Daftar pencabutan sertifikat (CRL) tidak dapat diambil; dokumen belum ditandatangani. \
         Coba lagi sebentar lagi.",
        "The certificate revocation list (CRL) could not be fetched; the document was not \
         signed. Try again in a moment.",
    ),
    (
        "E_UPLOAD_TIMEOUT",
        "Unggahan terlalu lama sampai. Periksa sambungan Anda dan coba lagi.",
        "The upload took too long to arrive. Check your connection and try again.",
    ),
    (
        "E_CSRF",
        "Formulir kedaluwarsa atau tidak sah. Muat ulang halaman dan coba lagi.",
        "The form expired or is not valid. Reload the page and try again.",
    ),
    (
        "E_NOT_FOUND",
        "Halaman atau dokumen tidak ditemukan.",
        "Page or document not found.",
    ),
    (
        "E_NOT_YOUR_AGENCY",
        "Dokumen atau layanan ini milik OPD lain.",
        "This document or service belongs to another agency.",
    ),
    (
        "E_FORBIDDEN",
        "Anda tidak berwenang melakukan ini.",
        "You are not allowed to do this.",
    ),
    (
        "E_WRONG_ROLE",
        "Peran Anda tidak berwenang untuk tindakan ini.",
        "Your role may not take this action.",
    ),
    (
        "E_NOT_APPLICANT",
        "Hanya pemohon yang dapat melakukan ini.",
        "Only the applicant can do this.",
    ),
    (
        "E_TRANSITION_NOT_ALLOWED",
        "Tindakan ini tidak dapat dilakukan pada status dokumen sekarang.",
        "This action is not possible in the document's current status.",
    ),
    (
        "E_DOCUMENT_CLOSED",
        "Dokumen sudah selesai diproses.",
        "The document is already closed.",
    ),
    (
        "E_COMMENT_REQUIRED",
        "Catatan atau alasan wajib diisi.",
        "A comment or reason is required.",
    ),
    (
        "E_COMMENT_TOO_LONG",
        "Catatan terlalu panjang.",
        "The comment is too long.",
    ),
    (
        "E_CONFLICT",
        "Dokumen sudah berubah sejak halaman ini dimuat (oleh petugas lain, atau sudah Anda proses). Muat ulang halaman.",
        "The document changed since this page was loaded (another officer acted on it, or you already did). Reload the page.",
    ),
    (
        "E_LOGIN_TAKEN",
        "Nama pengguna sudah dipakai.",
        "This username is taken.",
    ),
    (
        "E_BAD_INPUT",
        "Isian tidak valid.",
        "The input is not valid.",
    ),
    (
        "E_PASSWORD_WEAK",
        "Kata sandi minimal 10 karakter.",
        "The password needs at least 10 characters.",
    ),
    (
        "E_FORM_FIELD_REQUIRED",
        "Ada isian wajib yang kosong.",
        "A required field is empty.",
    ),
    (
        "E_FORM_FIELD_TOO_LONG",
        "Ada isian yang terlalu panjang.",
        "A field is too long.",
    ),
    (
        "E_FORM_FIELD_INVALID",
        "Ada isian dengan format salah.",
        "A field has the wrong format.",
    ),
    (
        "E_UPLOAD_MISSING",
        "Berkas PDF wajib diunggah.",
        "A PDF file is required.",
    ),
    (
        "E_UPLOAD_TOO_LARGE",
        "Berkas terlalu besar.",
        "The file is too large.",
    ),
    (
        "E_NOT_PDF",
        "Berkas bukan PDF (diperiksa dari isinya, bukan namanya).",
        "The file is not a PDF (checked by its content, not its name).",
    ),
    (
        "E_PDF_ENCRYPTED",
        "PDF dilindungi kata sandi. Hapus perlindungannya lalu unggah lagi.",
        "The PDF is password-protected. Remove the protection and upload it again.",
    ),
    (
        "E_PDF_BROKEN_XREF",
        "Struktur PDF rusak. Simpan ulang PDF dari aplikasi asalnya lalu unggah lagi.",
        "The PDF's structure is broken. Save it again from the application that made it and upload it again.",
    ),
    (
        "E_PDF_STRUCTURE",
        "Struktur PDF tidak dapat dipakai untuk tanda tangan.",
        "The PDF's structure cannot carry a signature.",
    ),
    (
        "E_PDF_SIGNATURE_INVALID",
        "PDF memuat tanda tangan elektronik yang sudah tidak sah (berkas diubah setelah ditandatangani). Unggah berkas asli yang ditandatangani.",
        "The PDF carries an electronic signature that no longer verifies (the file was changed after it was signed). Upload the original signed file.",
    ),
    (
        "E_PDF_SIGNATURE_UNCHECKED",
        "Tanda tangan elektronik pada PDF tidak dapat diperiksa. Unggah berkas asli yang ditandatangani.",
        "The electronic signatures in the PDF cannot be checked. Upload the original signed file.",
    ),
    (
        "E_PDF_CERTIFIED_NO_CHANGES",
        "PDF sudah disertifikasi tanpa izin perubahan; tidak dapat ditandatangani lagi.",
        "The PDF is certified with no changes allowed; it cannot be signed again.",
    ),
    (
        "E_PDF_TOO_LARGE",
        "PDF terlalu besar.",
        "The PDF is too large.",
    ),
    (
        "E_WRONG_PASSPHRASE",
        "Frasa sandi kunci salah.",
        "The key passphrase is wrong.",
    ),
    (
        "E_PASSPHRASE_LOCKED",
        "Terlalu banyak frasa sandi kunci atau kode autentikator yang salah: kunci tanda tangan dikunci sementara (15 menit). Coba lagi nanti.",
        "Too many wrong key passphrases or authenticator codes: the signing key is locked for a while (15 minutes). Try again later.",
    ),
    (
        "E_NO_SIGNING_KEY",
        "Anda belum memiliki sertifikat elektronik.",
        "You have no electronic certificate yet.",
    ),
    (
        "E_CERTIFICATE_REVOKED",
        "Sertifikat elektronik Anda telah dicabut: Anda tidak dapat menandatangani dengannya. Minta admin menerbitkan sertifikat baru.",
        "Your electronic certificate has been revoked: you cannot sign with it. Ask the admin to issue a new certificate.",
    ),
    (
        "E_CERTIFICATE_EXPIRED",
        "Sertifikat elektronik Anda sudah tidak berlaku (kedaluwarsa atau belum berlaku). Minta admin memperbaruinya.",
        "Your electronic certificate is not valid now (expired or not yet valid). Ask the admin to renew it.",
    ),
    (
        "E_CERTIFICATE_ACTIVE",
        "Petugas ini masih memiliki sertifikat yang berlaku: perbarui atau cabut dulu sertifikat itu.",
        "This officer still holds a valid certificate: renew or revoke it first.",
    ),
    (
        "E_KEY_COMPROMISED",
        "Kunci petugas ini dicabut karena bocor: terbitkan kunci dan sertifikat baru, jangan memperbarui yang lama.",
        "This officer's key was revoked as compromised: issue a new key and certificate, do not renew the old one.",
    ),
    (
        "E_NOT_CONFIRMED",
        "Centang kotak konfirmasi: pencabutan tidak dapat dibatalkan.",
        "Tick the confirmation box: a revocation cannot be undone.",
    ),
    (
        "E_NO_CA",
        "CA Sahih tidak dikonfigurasi pada layanan ini.",
        "Sahih's CA is not configured on this service.",
    ),
    (
        "E_INTERNAL",
        "Terjadi kesalahan pada server. Tidak ada data yang hilang; silakan coba lagi.",
        "A server error occurred. No data was lost; please try again.",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `t("…")` key used in a template exists in the table.
    #[test]
    fn every_template_key_is_translated() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../templates");
        let mut missing = Vec::new();
        for entry in std::fs::read_dir(dir).expect("templates") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                // templates/mail/: plain-text mail, one template per language, no keys.
                continue;
            }
            let text = std::fs::read_to_string(path).expect("read");
            for part in text.split("t(\"").skip(1) {
                let key = part.split('"').next().unwrap_or_default();
                if !all().any(|(k, _, _)| *k == key) {
                    missing.push(key.to_string());
                }
            }
        }
        assert!(missing.is_empty(), "untranslated keys: {missing:?}");
    }

    #[test]
    fn keys_are_unique_and_both_languages_filled() {
        let every: Vec<_> = all().collect();
        for (i, (k, id, en)) in every.iter().enumerate() {
            assert!(!id.is_empty() && !en.is_empty(), "{k}");
            assert!(
                every[i + 1..].iter().all(|(other, _, _)| other != k),
                "duplicate {k}"
            );
        }
    }
}
