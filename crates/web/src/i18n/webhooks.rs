//! The agency admin's webhook delivery log's words.

/// (key, Bahasa Indonesia, English).
pub const STRINGS: &[(&str, &str, &str)] = &[
    ("webhook_log", "Pengiriman webhook", "Webhook deliveries"),
    (
        "webhook_log_hint",
        "Setiap perubahan status dokumen yang diajukan aplikasi OPD Anda dikirim ke alamat webhook aplikasi itu, ditandatangani HMAC-SHA256 (Standard Webhooks). Pengiriman yang gagal dicoba lagi dengan jeda yang makin panjang selama sekitar 17 jam. Kirim ulang mengirim pesan yang sama sekali lagi, dengan webhook-id yang sama.",
        "Every status change of a document your agency's applications submitted is sent to that application's webhook URL, signed with HMAC-SHA256 (Standard Webhooks). A failed delivery is retried with growing delays for about 17 hours. Replay sends the same message once more, with the same webhook-id.",
    ),
    (
        "webhook_none",
        "Belum ada pengiriman webhook.",
        "No webhook deliveries yet.",
    ),
    ("webhook_time", "Waktu", "Time"),
    ("webhook_application", "Aplikasi", "Application"),
    ("webhook_document", "Dokumen", "Document"),
    ("webhook_event", "Peristiwa", "Event"),
    ("webhook_attempts", "Percobaan gagal", "Failed attempts"),
    ("webhook_last", "Jawaban terakhir", "Last answer"),
    ("webhook_status", "Keadaan", "Status"),
    ("webhook_delivered", "Terkirim", "Delivered"),
    ("webhook_pending", "Menunggu, dicoba", "Waiting, next try"),
    (
        "webhook_gave_up",
        "Dihentikan setelah percobaan terakhir",
        "Given up after the last attempt",
    ),
    ("webhook_replay", "Kirim ulang", "Replay"),
    (
        "webhook_replayed",
        "Pengiriman dijadwalkan ulang dan segera dikirim.",
        "The delivery is scheduled again and goes out shortly.",
    ),
    ("webhook_older", "Lebih lama", "Older"),
    ("webhook_newest", "Terbaru", "Newest"),
];
