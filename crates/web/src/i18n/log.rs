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
    (
        "log_key_compare",
        "Bandingkan kunci ini dengan kunci yang diumumkan Pemerintah Kota di tempat lain (situs resmi kota, berita daerah): kunci yang hanya diambil dari log ini sendiri tidak membuktikan apa pun, karena log palsu akan menampilkan kuncinya sendiri.",
        "Compare this key with the key the city publishes elsewhere (its official website, the official gazette): a key fetched from this log itself proves nothing, since a forged log would show its own key.",
    ),
    (
        "log_res_checkpoint",
        "checkpoint terbaru: ukuran dan hash akar log, ditandatangani kunci log",
        "the latest checkpoint: the log's size and root hash, signed by the log's key",
    ),
    (
        "log_res_key",
        "kunci verifikasi log",
        "the log's verifier key",
    ),
    (
        "log_res_tile",
        "ubin hash tingkat L (c2sp.org/tlog-tiles), 32 byte per hash",
        "a hash tile of level L (c2sp.org/tlog-tiles), 32 bytes per hash",
    ),
    (
        "log_res_entries",
        "kumpulan entri: tiap entri didahului panjangnya (2 byte)",
        "an entry bundle: each entry preceded by its length (2 bytes)",
    ),
    (
        "log_tiles_explain",
        "N adalah nomor ubin (indeks ÷ 256, ditulis per tiga angka: x001/234), W lebar ubin sebagian (1 sampai 255). Ubin terakhir setiap tingkat bersifat sebagian sampai berisi 256, jadi pada log kecil hanya ubin sebagian (.p/W) yang ada.",
        "N is the tile number (index ÷ 256, written in groups of three digits: x001/234), W the width of a partial tile (1 to 255). The last tile of each level is partial until it holds 256, so on a small log only the partial tiles (.p/W) exist.",
    ),
    (
        "log_partial_now",
        "Ubin sebagian saat ini (untuk checkpoint di atas):",
        "The partial tiles now (for the checkpoint above):",
    ),
    ("log_recent", "Entri", "Entries"),
    (
        "log_time_note",
        "Waktu dalam UTC persis seperti baris time= entri, dan dalam WIB.",
        "Times in UTC exactly as the entries' time= line, and in WIB.",
    ),
    ("log_newest", "Terbaru", "Newest"),
    ("log_newer", "Entri lebih baru", "Newer entries"),
    ("log_older", "Entri lebih lama", "Older entries"),
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
