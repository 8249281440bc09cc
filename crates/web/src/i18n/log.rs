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
        "log_receipt_title",
        "Bukti pencatatan di log transparansi",
        "Transparency-log receipt",
    ),
    (
        "log_receipt_what",
        "Berkas ini membuktikan bahwa Pemerintah Kota mencatat setiap langkah permohonan ini (pengajuan, paraf, pengembalian, tanda tangan, …) secara terbuka di log transparansi, dan tidak dapat mengubah atau menghapus catatan itu diam-diam di kemudian hari. Simpan berkas ini: siapa pun dapat memeriksanya, juga tanpa internet.",
        "This file proves that the city publicly recorded each step of this application (submission, paraf, return, signature, …) in its transparency log, and cannot quietly change or remove those records later. Keep it: anyone can check it, even offline.",
    ),
    (
        "log_receipt_download",
        "Unduh bukti pencatatan (JSON)",
        "Download the receipt (JSON)",
    ),
    ("log_receipt_how", "Cara memeriksanya", "How to check it"),
    (
        "log_receipt_step_program",
        "Pasang program sahih: unduh dari situs resmi Pemerintah Kota, atau pasang dari kode sumber Sahih dengan",
        "Get the sahih program: download it from the city's official website, or install it from Sahih's source code with",
    ),
    (
        "log_receipt_step_key",
        "Ambil kunci log di",
        "Get the log's key at",
    ),
    (
        "log_receipt_step_key_compare",
        "Bandingkan kunci itu dengan kunci yang diumumkan Pemerintah Kota di tempat lain (situs resmi kota, berita daerah): kunci yang hanya diambil dari log ini sendiri tidak membuktikan apa pun.",
        "Compare it with the key the city publishes elsewhere (its official website, the official gazette): a key taken only from this log itself proves nothing.",
    ),
    ("log_receipt_step_run", "Jalankan:", "Run:"),
    ("log_receipt_key_placeholder", "KUNCI", "KEY"),
    (
        "log_receipt_step_result",
        "Program memeriksa tanda tangan kota atas ringkasan log (checkpoint: ringkasan seluruh log yang ditandatangani kota), bahwa setiap langkah permohonan tercatat dalam log itu (bukti inklusi: jalur hash dari catatan ke ringkasan), dan bahwa urutan langkahnya mengikuti aturan alur kerja. Jika semuanya benar, program mengakhiri dengan status 0.",
        "The program checks the city's signature on the log's summary (the checkpoint: a summary of the whole log, signed by the city), that each step of the application is recorded in that log (the inclusion proof: a path of hashes from the record to the summary), and that the steps follow the workflow's rules. If all is well it exits with status 0.",
    ),
    (
        "log_receipt_document",
        "Nilai document dalam berkas adalah nama samaran permohonan ini di log: setiap catatan permohonan ini memuatnya, dan nilai itu tidak mengungkap nama atau data pribadi Anda.",
        "The document value in the file is this application's pseudonym in the log: every record of this application carries it, and it reveals no name or personal data.",
    ),
];
