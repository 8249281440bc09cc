//! The agency dashboard's words (`/dinas/dasbor`) and the queue's deadline badges.

/// (key, Bahasa Indonesia, English). `{n}` stands for a number.
pub const STRINGS: &[(&str, &str, &str)] = &[
    ("nav_dashboard", "Dasbor", "Dashboard"),
    ("dash_title", "Dasbor OPD", "Agency dashboard"),
    (
        "dash_intro",
        "Jumlah dokumen menurut status saat ini, dan waktu penyelesaian dokumen yang selesai dalam periode yang dipilih: median (separuh dokumen lebih cepat) dan persentil ke-90 (9 dari 10 dokumen lebih cepat).",
        "Documents by current status, and the turnaround of the documents finished in the chosen period: the median (half the documents were faster) and the 90th percentile (9 in 10 were faster).",
    ),
    ("dash_period", "Periode", "Period"),
    ("dash_last_days", "{n} hari terakhir", "last {n} days"),
    ("dash_show", "Tampilkan", "Show"),
    (
        "dash_counts",
        "Dokumen menurut status",
        "Documents by status",
    ),
    ("dash_overdue", "Terlambat", "Overdue"),
    (
        "dash_overdue_hint",
        "dokumen melewati batas waktu tahapnya (hari kerja)",
        "documents past their step's deadline (working days)",
    ),
    (
        "dash_per_service",
        "Waktu penyelesaian per layanan",
        "Turnaround per service",
    ),
    ("dash_per_step", "Waktu per tahap", "Time per step"),
    (
        "dash_per_step_hint",
        "Dari dokumen sampai di tahap itu hingga meninggalkannya (diparaf semua yang perlu, dikembalikan, ditolak atau ditarik).",
        "From the document reaching the step until it leaves it (every needed paraf given, returned, rejected or withdrawn).",
    ),
    ("dash_service", "Layanan", "Service"),
    ("dash_step", "Tahap", "Step"),
    ("dash_count", "Jumlah", "Count"),
    ("dash_median", "Median", "Median"),
    ("dash_p90", "Persentil ke-90", "90th percentile"),
    (
        "dash_to_signed",
        "Pengajuan sampai ditandatangani",
        "Submission to signature",
    ),
    (
        "dash_to_closed",
        "Pengajuan sampai selesai (ditandatangani, ditolak atau ditarik)",
        "Submission to closing (signed, rejected or withdrawn)",
    ),
    (
        "dash_no_data",
        "Belum ada dokumen yang selesai dalam periode ini.",
        "No document finished in this period yet.",
    ),
    (
        "dash_chart_title",
        "Median dan persentil ke-90 waktu dari pengajuan sampai ditandatangani, per layanan",
        "Median and 90th percentile time from submission to signature, per service",
    ),
    (
        "dash_chart_desc",
        "Diagram batang; angka yang sama ada di tabel di bawahnya.",
        "Bar chart; the table below holds the same figures.",
    ),
    ("unit_day", "hari", "d"),
    ("unit_hour", "jam", "h"),
    ("unit_minute", "menit", "min"),
    ("unit_under_minute", "< 1 menit", "< 1 min"),
    ("due_by", "Batas waktu", "Due"),
    (
        "late_one_day",
        "Terlambat 1 hari kerja",
        "1 working day late",
    ),
    (
        "late_days",
        "Terlambat {n} hari kerja",
        "{n} working days late",
    ),
];
