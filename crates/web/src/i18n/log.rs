//! The transparency log's words: the public page `/log` and the receipt links.

/// (key, Bahasa Indonesia, English).
pub const STRINGS: &[(&str, &str, &str)] = &[
    ("nav_log", "Log transparansi", "Transparency log"),
    ("log_title", "Log transparansi", "Transparency log"),
    (
        "log_intro",
        "Setiap peristiwa dokumen (pengajuan, paraf, pengembalian, penolakan, penarikan, tanda tangan) dan setiap pemeriksaan dokumen di halaman publik dicatat di log ini, yang hanya dapat bertambah. Siapa pun dapat memeriksa bahwa riwayatnya tidak diubah kemudian, juga oleh operator Sahih sendiri.",
        "Every event of a document (submission, paraf, return, rejection, withdrawal, signature) and every document check on the public page is recorded in this log, which can only grow. Anyone can check that its history was not rewritten afterwards, even by Sahih's own operators.",
    ),
    (
        "log_privacy",
        "Log tidak memuat data pribadi: dokumen dan petugas disebut dengan nama samaran (hash bergaram), berkas dengan hash SHA-256-nya.",
        "The log holds no personal data: documents and officers appear under pseudonyms (salted hashes), files by their SHA-256.",
    ),
    ("log_checkpoint", "Checkpoint terbaru", "Latest checkpoint"),
    ("log_size", "Jumlah entri", "Entries"),
    (
        "log_pending",
        "Menunggu dimasukkan",
        "Waiting to be included",
    ),
    ("log_key", "Kunci verifikasi log", "Log verifier key"),
    ("log_endpoints", "Sumber data publik", "Public resources"),
    (
        "log_cli_hint",
        "Periksa log secara mandiri dengan perintah sahih (simpan berkas state agar kunci dan checkpoint terakhir tersemat):",
        "Check the log yourself with the sahih command (keep the state file so the key and the last checkpoint stay pinned):",
    ),
    ("log_recent", "Entri terbaru", "Newest entries"),
    ("log_empty", "Log masih kosong.", "The log is still empty."),
    ("log_index", "Indeks", "Index"),
    ("log_time", "Waktu", "Time"),
    ("log_kind", "Peristiwa", "Event"),
    ("log_leaf_hash", "Hash daun", "Leaf hash"),
    (
        "event_verification_requested",
        "Pemeriksaan dokumen diminta",
        "Document check requested",
    ),
    (
        "log_receipt_download",
        "Unduh bukti log transparansi (JSON)",
        "Download the transparency-log receipt (JSON)",
    ),
    (
        "log_receipt_hint",
        "Bukti ini memuat setiap peristiwa dokumen dengan bukti inklusi terhadap checkpoint yang ditandatangani; periksa tanpa internet dengan: sahih log verify-receipt BUKTI.json --key KUNCI",
        "This receipt holds every event of the document with inclusion proofs against a signed checkpoint; check it offline with: sahih log verify-receipt RECEIPT.json --key KEY",
    ),
];
