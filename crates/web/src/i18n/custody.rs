//! Key custody's words: the TOTP second factor, its enrollment and its refusals.

/// (key, Bahasa Indonesia, English).
pub const STRINGS: &[(&str, &str, &str)] = &[
    ("account_key", "Kunci TTE saya", "My signing key"),
    (
        "totp_title",
        "Faktor kedua (aplikasi autentikator)",
        "Second factor (authenticator app)",
    ),
    (
        "totp_hint",
        "Setelah didaftarkan, setiap penandatanganan meminta frasa sandi kunci dan kode 6 angka dari aplikasi autentikator di ponsel Anda (mis. Google Authenticator, FreeOTP). Satu kode hanya berlaku sekali.",
        "Once enrolled, every signature asks for your key passphrase and the 6-digit code of the authenticator app on your phone (e.g. Google Authenticator, FreeOTP). Each code is accepted once.",
    ),
    (
        "totp_required_here",
        "Di instansi ini penandatanganan tanpa faktor kedua tidak diizinkan.",
        "On this instance signing without a second factor is not allowed.",
    ),
    (
        "totp_enrolled_since",
        "Faktor kedua terdaftar sejak",
        "Second factor enrolled since",
    ),
    (
        "totp_lost_phone",
        "Ponsel hilang atau diganti? Minta admin OPD Anda mengatur ulang faktor kedua, lalu daftarkan lagi di halaman ini.",
        "Lost or replaced your phone? Ask your agency admin to reset your second factor, then enroll again on this page.",
    ),
    (
        "totp_scan",
        "Pindai kode QR ini dengan aplikasi autentikator, lalu masukkan kode yang ditampilkannya untuk mengonfirmasi.",
        "Scan this QR code with your authenticator app, then enter the code it shows to confirm.",
    ),
    (
        "totp_secret_typed",
        "Tidak bisa memindai? Ketik kunci rahasia ini:",
        "Cannot scan? Type this secret key:",
    ),
    ("totp_confirm", "Konfirmasi", "Confirm"),
    (
        "totp_enrolled",
        "Faktor kedua berhasil didaftarkan.",
        "The second factor is enrolled.",
    ),
    (
        "totp_code",
        "Kode autentikator (6 angka)",
        "Authenticator code (6 digits)",
    ),
    (
        "totp_code_hint",
        "Wajib bila Anda telah mendaftarkan faktor kedua.",
        "Required once you have enrolled a second factor.",
    ),
    (
        "admin_totp_reset",
        "Atur ulang faktor kedua",
        "Reset second factor",
    ),
    (
        "admin_totp_reset_hint",
        "Menghapus aplikasi autentikator petugas ini (mis. ponsel hilang); petugas mendaftarkannya lagi sebelum menandatangani.",
        "Removes this officer's authenticator app (e.g. a lost phone); they enroll again before signing.",
    ),
    (
        "E_WRONG_TOTP",
        "Kode autentikator salah atau sudah kedaluwarsa. Masukkan kode yang sedang ditampilkan aplikasi Anda.",
        "The authenticator code is wrong or has expired. Enter the code your app shows now.",
    ),
    (
        "E_TOTP_REPLAYED",
        "Kode autentikator ini sudah dipakai. Tunggu kode berikutnya (paling lama 30 detik) lalu coba lagi.",
        "This authenticator code was already used. Wait for the next code (at most 30 seconds) and try again.",
    ),
    (
        "E_TOTP_REQUIRED",
        "Masukkan kode 6 angka dari aplikasi autentikator Anda bersama frasa sandi kunci.",
        "Enter the 6-digit code of your authenticator app together with the key passphrase.",
    ),
    (
        "E_TOTP_NOT_ENROLLED",
        "Anda belum mendaftarkan faktor kedua: daftarkan aplikasi autentikator di halaman Kunci TTE saya (/akun/kunci) sebelum menandatangani.",
        "You have not enrolled a second factor: enroll an authenticator app on the My signing key page (/akun/kunci) before signing.",
    ),
    (
        "E_TOTP_NOT_PENDING",
        "Tidak ada pendaftaran faktor kedua yang sedang berjalan. Buka halaman Kunci TTE saya untuk memulai.",
        "No second-factor enrollment is in progress. Open the My signing key page to start one.",
    ),
    (
        "p12_title",
        "Impor sertifikat elektronik (PKCS#12)",
        "Import an electronic certificate (PKCS#12)",
    ),
    (
        "p12_hint",
        "Bila Anda memegang sertifikat elektronik dari CA nasional (mis. BSrE) sebagai berkas .p12/.pfx, impor di sini. Kunci disimpan terenkripsi dengan frasa sandi penandatanganan baru yang Anda pilih; kata sandi berkas tidak disimpan. Sertifikat harus masih berlaku dan mengizinkan tanda tangan.",
        "If you hold an electronic certificate from a national CA (e.g. BSrE) as a .p12/.pfx file, import it here. The key is stored encrypted under a new signing passphrase you choose; the file's password is not kept. The certificate must be valid and allow signing.",
    ),
    ("p12_file", "Berkas .p12 / .pfx", ".p12 / .pfx file"),
    ("p12_password", "Kata sandi berkas", "The file's password"),
    (
        "p12_new_passphrase",
        "Frasa sandi penandatanganan baru (minimal 10 karakter)",
        "New signing passphrase (at least 10 characters)",
    ),
    ("p12_import", "Impor", "Import"),
    (
        "p12_imported",
        "Sertifikat dan kunci berhasil diimpor. Tanda tangani dengan frasa sandi baru Anda.",
        "The certificate and key are imported. Sign with your new passphrase.",
    ),
    (
        "E_P12_WRONG_PASSWORD",
        "Kata sandi berkas PKCS#12 salah.",
        "The PKCS#12 file's password is wrong.",
    ),
    (
        "E_P12_UNREADABLE",
        "Berkas bukan PKCS#12 (.p12/.pfx) yang dapat dibaca, atau memakai enkripsi yang tidak didukung.",
        "The file is not a readable PKCS#12 (.p12/.pfx) file, or uses an unsupported encryption.",
    ),
    (
        "E_P12_NO_KEY",
        "Berkas PKCS#12 harus memuat tepat satu kunci privat beserta sertifikatnya.",
        "The PKCS#12 file must hold exactly one private key with its certificate.",
    ),
    (
        "E_CERT_KEY_MISMATCH",
        "Sertifikat dalam berkas bukan milik kunci privatnya.",
        "The certificate in the file does not belong to its private key.",
    ),
    (
        "E_CERT_EXPIRED",
        "Sertifikat sudah kedaluwarsa atau belum berlaku.",
        "The certificate has expired or is not valid yet.",
    ),
    (
        "E_CERT_KEY_USAGE",
        "Sertifikat tidak mengizinkan tanda tangan (key usage tanpa digitalSignature/nonRepudiation).",
        "The certificate does not allow signing (key usage without digitalSignature/nonRepudiation).",
    ),
    (
        "E_KEY_UNUSABLE",
        "Kunci privat tidak dapat dipakai untuk tanda tangan (algoritme tidak didukung).",
        "The private key cannot be used for signing (unsupported algorithm).",
    ),
    (
        "E_PASSPHRASE_WEAK",
        "Frasa sandi kunci terlalu pendek (minimal 10 karakter, tanpa spasi di awal dan akhir).",
        "The key passphrase is too short (at least 10 characters, not counting leading and trailing spaces).",
    ),
    (
        "E_ALREADY_REVOKED",
        "Sertifikat ini sudah dicabut sebelumnya; pencabutan bersifat final.",
        "This certificate was revoked already; a revocation is final.",
    ),
    (
        "E_CERTIFICATE_NOT_OURS",
        "Sertifikat petugas ini tidak diterbitkan oleh CA Sahih (sertifikat impor, mis. dari BSrE): perpanjang melalui CA penerbitnya.",
        "This officer's certificate was not issued by Sahih's CA (an imported one, e.g. from the national CA): renew it with its own CA.",
    ),
    (
        "E_PKCS11_NOT_CONFIGURED",
        "Kunci Anda tersimpan di token PKCS#11, tetapi modul PKCS#11 belum diatur pada instansi ini. Hubungi admin.",
        "Your key is kept in a PKCS#11 token, but no PKCS#11 module is configured on this instance. Contact the admin.",
    ),
];
