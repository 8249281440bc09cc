//! The agency admin's pages' words: services defined as TOML.

/// (key, Bahasa Indonesia, English).
pub const STRINGS: &[(&str, &str, &str)] = &[
    ("nav_admin", "Layanan OPD", "Agency services"),
    ("admin_services", "Layanan OPD", "Agency services"),
    (
        "admin_services_hint",
        "Layanan (jenis dokumen) OPD Anda: formulir, penomoran dan alur paraf serta tanda tangan, masing-masing ditulis sebagai definisi TOML.",
        "Your agency's services (document types): form, numbering and route of paraf and signature, each written as a TOML definition.",
    ),
    ("admin_new_service", "Layanan baru", "New service"),
    (
        "admin_no_services",
        "Belum ada layanan.",
        "No services yet.",
    ),
    ("admin_code", "Kode", "Code"),
    ("admin_fields", "Isian", "Fields"),
    ("admin_steps", "Tahap", "Steps"),
    ("admin_classification", "Kode klasifikasi", "Classification"),
    ("admin_edit", "Ubah", "Edit"),
    ("admin_export", "Ekspor TOML", "Export TOML"),
    (
        "admin_definition",
        "Definisi layanan (TOML)",
        "Service definition (TOML)",
    ),
    (
        "admin_definition_hint",
        "Satu definisi satu layanan. Contoh lengkap beserta penjelasan setiap kunci ada di examples/services/; berkas yang sama dapat diperiksa dengan sahih services validate dan dimuat dengan sahih services import.",
        "One definition, one service. Complete examples with every key explained are in examples/services/; the same file can be checked with sahih services validate and loaded with sahih services import.",
    ),
    ("admin_validate", "Validasi", "Validate"),
    ("admin_save", "Simpan", "Save"),
    ("admin_problems", "Masalah ditemukan", "Problems found"),
    (
        "admin_valid",
        "Definisi valid. Belum disimpan: tekan Simpan.",
        "The definition is valid. Not saved yet: press Save.",
    ),
    ("admin_created", "Layanan dibuat.", "Service created."),
    ("admin_updated", "Perubahan disimpan.", "Changes saved."),
    (
        "admin_unchanged",
        "Tidak ada yang berubah.",
        "Nothing changed.",
    ),
    (
        "E_SERVICE_DEFINITION",
        "Definisi layanan belum benar: perbaiki masalah di daftar.",
        "The service definition is not right yet: correct the problems listed.",
    ),
    (
        "E_SERVICE_IN_USE",
        "Masih ada dokumen yang sedang diproses pada tahap-tahap layanan ini: jumlah, urutan, nama dan jenis tahap belum dapat diubah (petugas, mode, syarat, tenggat dan tembusan dapat).",
        "Documents are still in progress at this service's steps: the number, order, names and actions of the steps cannot change yet (officers, modes, conditions, deadlines and cc can).",
    ),
];
