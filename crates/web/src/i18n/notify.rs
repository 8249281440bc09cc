//! The notifications page's words (the notices' own sentences are in `templates/mail/`).

/// (key, Bahasa Indonesia, English).
pub const STRINGS: &[(&str, &str, &str)] = &[
    ("notifications", "Notifikasi", "Notifications"),
    (
        "notifications_none",
        "Belum ada notifikasi.",
        "No notifications yet.",
    ),
    (
        "notifications_hint",
        "Pemberitahuan tentang permohonan dan pekerjaan Anda. Bila alamat e-mail Anda terdaftar, pemberitahuan yang sama juga dikirim ke sana.",
        "News of your applications and your work. If your e-mail address is registered, the same news is also sent there.",
    ),
    ("unread_count", "belum dibaca", "unread"),
    (
        "mark_all_read",
        "Tandai semua sudah dibaca",
        "Mark all as read",
    ),
    ("notice_new", "Baru", "New"),
    ("notice_open", "Buka", "Open"),
    ("notice_time", "Waktu", "Time"),
];
