//! The routing's sentences: steps, parallel groups, acknowledgement, return to a step.

/// (key, Bahasa Indonesia, English).
pub const STRINGS: &[(&str, &str, &str)] = &[
    ("pending_step", "Menunggu di tahap", "Waiting at step"),
    ("paraf", "paraf", "paraf (approval)"),
    ("acknowledge", "mengetahui", "acknowledgement"),
    ("sign", "tanda tangan elektronik", "electronic signature"),
    ("of", "dari", "of"),
    ("waiting_for", "Menunggu", "Waiting for"),
    ("section_acknowledge", "Mengetahui", "Acknowledge"),
    (
        "action_acknowledge",
        "Tandai mengetahui",
        "Mark as acknowledged",
    ),
    ("return_to", "Kembalikan kepada", "Return to"),
    (
        "return_to_applicant",
        "Pemohon (untuk diperbaiki)",
        "The applicant (to correct)",
    ),
    (
        "return_to_previous",
        "Tahap sebelumnya (untuk diperiksa ulang)",
        "The previous step (to check again)",
    ),
    ("queue_step", "Tahap", "Step"),
    (
        "E_NOT_ASSIGNEE",
        "Anda tidak ditugaskan pada tahap ini.",
        "You are not assigned to this step.",
    ),
    (
        "E_ALREADY_ACTED",
        "Anda sudah memberi paraf pada tahap ini.",
        "You already acted at this step.",
    ),
    (
        "E_NO_PREVIOUS_STEP",
        "Tidak ada tahap sebelumnya; kembalikan kepada pemohon.",
        "There is no previous step; return it to the applicant.",
    ),
    (
        "E_INVALID_TEMPLATE",
        "Alur persetujuan layanan ini tidak sah.",
        "This service's routing template is invalid.",
    ),
    ("event_acknowledged", "Mengetahui", "Acknowledged"),
    (
        "event_numbered",
        "Nomor surat diberikan",
        "Document number allocated",
    ),
    (
        "batch_select",
        "Pilih untuk ditandatangani",
        "Select for signing",
    ),
    ("batch_sign", "Tanda tangan massal", "Batch signing"),
    (
        "batch_sign_notice",
        "Centang dokumen, masukkan frasa sandi kunci sekali, lalu semua dokumen terpilih ditandatangani. Dokumen yang gagal tidak menghalangi yang lain.",
        "Tick the documents, enter the key passphrase once, and every selected document is signed. A document that fails does not stop the others.",
    ),
    (
        "batch_sign_button",
        "Tandatangani yang dipilih",
        "Sign the selected documents",
    ),
    (
        "batch_result",
        "Hasil tanda tangan massal",
        "Batch signing result",
    ),
    (
        "batch_signed_count",
        "dokumen ditandatangani",
        "documents signed",
    ),
    ("batch_line_signed", "Ditandatangani", "Signed"),
    ("batch_line_failed", "Gagal", "Failed"),
    ("document_number", "Nomor surat", "Document number"),
    (
        "E_BATCH_EMPTY",
        "Pilih sedikitnya satu dokumen.",
        "Select at least one document.",
    ),
    (
        "E_BATCH_TOO_LARGE",
        "Terlalu banyak dokumen sekaligus (paling banyak 200).",
        "Too many documents at once (at most 200).",
    ),
    (
        "approval_signature_notice",
        "Paraf pada tahap ini juga dibubuhkan sebagai tanda tangan elektronik persetujuan (tak terlihat) dengan kunci Anda, sehingga PDF yang ditandatangani menunjukkan siapa yang memberi paraf.",
        "At this step your paraf is also added as an invisible electronic approval signature made with your key, so the signed PDF shows who initialled it.",
    ),
    (
        "E_PASSPHRASE_REQUIRED",
        "Paraf pada tahap ini adalah tanda tangan persetujuan: masukkan frasa sandi kunci Anda.",
        "The paraf at this step is an approval signature: enter your key passphrase.",
    ),
    (
        "E_NUMBER_TAKEN",
        "Nomor surat yang akan diberikan sudah dipakai dokumen lain di dinas ini (format penomoran dua layanan menghasilkan nomor yang sama). Tidak ada yang ditandatangani; minta admin dinas mengubah format penomoran layanan ini.",
        "The document number to be given is already another document's in this agency (two services' numbering formats give the same number). Nothing was signed; ask the agency admin to change this service's numbering format.",
    ),
    (
        "event_returned_to_step",
        "Dikembalikan ke tahap sebelumnya untuk diperiksa ulang",
        "Returned to the previous step to be checked again",
    ),
    ("admin_officers", "Petugas", "Officers"),
    (
        "admin_officers_hint",
        "Jabatan harus ditulis persis seperti alur persetujuan layanan menyebutnya. Atasan menentukan arah disposisi (ke bawah) dan eskalasi pekerjaan terlambat (ke atas).",
        "Write each position exactly as the services' routing templates name it. The superior sets where disposisi go (down) and where overdue work escalates (up).",
    ),
    ("admin_officer", "Petugas", "Officer"),
    ("admin_role", "Peran", "Role"),
    ("admin_position", "Jabatan", "Position"),
    ("admin_supervisor", "Atasan langsung", "Direct superior"),
    ("admin_new_officer", "Tambah petugas", "Add an officer"),
    (
        "admin_new_officer_hint",
        "Petugas baru belum memiliki kunci penandatanganan; sertifikat elektronik diterbitkan terpisah.",
        "A new officer has no signing key yet; electronic certificates are issued separately.",
    ),
    ("admin_create_officer", "Tambahkan", "Add"),
    (
        "E_BAD_SUPERVISOR",
        "Atasan harus petugas lain di dinas ini, dan bukan bawahannya sendiri.",
        "The superior must be another officer of this agency, and not one of their own subordinates.",
    ),
    (
        "E_POSITION_IN_USE",
        "Ada dokumen yang menunggu tindakan petugas ini saja pada jabatan tersebut. Tetapkan dahulu petugas lain pada jabatan itu.",
        "Documents wait for this officer alone in that position. Give another officer the position first.",
    ),
    (
        "admin_staffing",
        "Perhatian: tahap berikut belum ada petugasnya (atau kurang). Dokumen akan menunggu di sana sampai jabatan itu diisi di halaman Petugas.",
        "Note: the steps below have no officer (or too few) now. Documents would wait there until the position is filled on the Officers page.",
    ),
];
