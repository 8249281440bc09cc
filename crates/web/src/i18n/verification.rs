//! The verification pages' words: verdicts, ETSI TS 119 102-1 indications and sub-indications,
//! the verifier's reason codes (`V_…`), modification levels, and why a file cannot be checked.
//! Written for a citizen or a bank clerk, not for a PDF engineer; the standard names and codes
//! are shown beside them on the page.

/// (key, Bahasa Indonesia, English).
pub const STRINGS: &[(&str, &str, &str)] = &[
    ("nav_verify", "Periksa dokumen", "Verify a document"),
    ("verify_title", "Periksa dokumen", "Verify a document"),
    (
        "verify_intro",
        "Unggah PDF bertanda tangan elektronik untuk memeriksa siapa yang menandatanganinya, kapan, dan apakah isinya masih utuh. Tidak perlu masuk.",
        "Upload an electronically signed PDF to check who signed it, when, and whether its content is still intact. No login needed.",
    ),
    (
        "verify_home_text",
        "Menerima dokumen bertanda tangan elektronik? Periksa keasliannya di sini, tanpa akun.",
        "Received an electronically signed document? Check that it is genuine here, no account needed.",
    ),
    (
        "verify_privacy",
        "Berkas yang Anda unggah disimpan paling lama satu jam agar Anda dapat mengunduh revisi yang ditandatangani, lalu dihapus. Hanya sesi peramban Anda yang dapat mengunduhnya.",
        "The file you upload is kept for at most an hour so that you can download its signed revisions, then deleted. Only your browser session can download it.",
    ),
    ("verify_submit", "Periksa", "Check"),
    (
        "verify_api_hint",
        "Aplikasi lain dapat memeriksa dokumen lewat API: POST /api/v1/verify.",
        "Other applications can check documents over the API: POST /api/v1/verify.",
    ),
    (
        "verify_again",
        "Periksa dokumen lain",
        "Check another document",
    ),
    (
        "verify_code_intro",
        "Dokumen ini ditandatangani melalui Sahih. Berikut hasil pemeriksaan berkas bertanda tangan yang tersimpan.",
        "This document was signed through Sahih. Below is the check of the signed file as stored.",
    ),
    ("verify_file", "Berkas", "File"),
    ("verify_file_name", "Nama berkas", "File name"),
    ("verify_size", "Ukuran", "Size"),
    ("verify_revisions", "Jumlah revisi", "Revisions"),
    (
        "verify_signature_count",
        "Jumlah tanda tangan",
        "Signatures",
    ),
    ("verify_validated_at", "Diperiksa pada", "Checked at"),
    (
        "verify_trust_note",
        "Sertifikat diperiksa terhadap otoritas sertifikat yang dipercaya layanan ini: CA Sahih sendiri dan sertifikat akar nasional yang dipasang operator.",
        "Certificates are checked against the certificate authorities this service trusts: Sahih's own CA and the national roots its operator installed.",
    ),
    ("verify_signature", "Tanda tangan", "Signature"),
    ("verify_field", "Kolom tanda tangan", "Signature field"),
    ("verify_signer", "Penandatangan", "Signed by"),
    ("verify_signer_unknown", "Tidak diketahui", "Unknown"),
    ("verify_issuer", "Penerbit sertifikat", "Certificate issuer"),
    (
        "verify_cert_validity",
        "Masa berlaku sertifikat",
        "Certificate validity",
    ),
    (
        "verify_stated_reason",
        "Keterangan penandatanganan",
        "Stated reason",
    ),
    (
        "verify_stated_reason_note",
        "ditulis penandatangan: nomor surat dan jabatan yang menandatangani",
        "written by the signer: the document number and the office signing",
    ),
    (
        "verify_claimed_time",
        "Waktu penandatanganan",
        "Signing time",
    ),
    (
        "verify_claimed_note",
        "menurut penanda tangan, tidak dibuktikan",
        "as claimed by the signer, not proven",
    ),
    ("verify_timestamp", "Cap waktu (timestamp)", "Timestamp"),
    ("verify_timestamp_none", "Tidak ada", "None"),
    (
        "verify_timestamp_trusted",
        "utuh, dari penerbit cap waktu yang dipercaya",
        "intact, from a trusted timestamp authority",
    ),
    (
        "verify_timestamp_untrusted",
        "utuh, tetapi penerbit cap waktunya tidak dipercaya layanan ini",
        "intact, but this service does not trust its timestamp authority",
    ),
    (
        "verify_timestamp_broken",
        "rusak: cap waktu tidak cocok dengan tanda tangan",
        "broken: the timestamp does not match the signature",
    ),
    ("verify_format", "Format dan tingkat", "Format and level"),
    (
        "verify_intact",
        "Isi yang ditandatangani utuh",
        "Signed content intact",
    ),
    (
        "verify_coverage",
        "Cakupan tanda tangan",
        "What the signature covers",
    ),
    (
        "verify_covers_whole",
        "Seluruh dokumen",
        "The whole document",
    ),
    ("verify_revision", "Revisi", "Revision"),
    ("verify_of", "dari", "of"),
    (
        "verify_covers_no_revision",
        "Tidak berakhir pada akhir revisi mana pun",
        "Ends at the end of no revision",
    ),
    (
        "verify_download_revision",
        "Unduh revisi yang ditandatangani",
        "Download the signed revision",
    ),
    (
        "verify_changes",
        "Perubahan setelah ditandatangani",
        "Changes after signing",
    ),
    ("verify_allowed", "diizinkan", "allowed"),
    ("verify_not_allowed", "tidak diizinkan", "not allowed"),
    (
        "verify_docmdp",
        "Izin perubahan yang ditetapkan penanda tangan (DocMDP)",
        "Changes the signer permitted (DocMDP)",
    ),
    ("verify_change_object", "Objek", "Object"),
    ("verify_change_kind", "Jenis perubahan", "Kind of change"),
    (
        "verify_change_detail",
        "Rincian teknis (bahasa Inggris)",
        "Technical detail",
    ),
    (
        "verify_trust",
        "Sertifikat dipercaya",
        "Certificate trusted",
    ),
    ("verify_chain", "Rantai sertifikat", "Certificate chain"),
    (
        "verify_checked_at",
        "Sertifikat diperiksa pada",
        "Certificate checked at",
    ),
    ("verify_technical", "Pemeriksaan teknis", "Technical checks"),
    (
        "verify_byte_range",
        "Susunan bagian yang ditandatangani (ByteRange)",
        "Layout of the signed part (ByteRange)",
    ),
    (
        "verify_crypto",
        "Nilai tanda tangan cocok dengan kunci penanda tangan",
        "Signature value matches the signer's key",
    ),
    (
        "verify_signing_cert",
        "Sertifikat terikat pada tanda tangan",
        "Certificate bound to the signature",
    ),
    ("verify_result", "Hasil", "Result"),
    (
        "verify_notes",
        "Catatan teknis (bahasa Inggris)",
        "Technical notes",
    ),
    ("verify_yes", "Ya", "Yes"),
    ("verify_no", "Tidak", "No"),
    (
        "verify_technical_detail",
        "Rincian teknis (bahasa Inggris)",
        "Technical detail",
    ),
    ("verify_code_label", "Kode", "Code"),
    (
        "verify_subject_dn",
        "Subjek sertifikat",
        "Certificate subject",
    ),
    (
        "verify_ok_unchanged",
        "Tanda tangan sah: dokumen tidak berubah sejak ditandatangani, dan sertifikat penanda tangan dipercaya.",
        "The signature is valid: the document has not changed since it was signed, and the signer's certificate is trusted.",
    ),
    (
        "verify_ok_changed",
        "Tanda tangan sah dan sertifikat penanda tangan dipercaya. Setelah ditandatangani, dokumen hanya berubah dengan cara yang diizinkan:",
        "The signature is valid and the signer's certificate is trusted. After it was signed, the document changed only in an allowed way:",
    ),
    // What changed after a valid signature, within what it allows.
    (
        "later_signed",
        "dokumen kemudian ditandatangani lagi.",
        "it was signed again later.",
    ),
    (
        "later_timestamped",
        "dokumen kemudian diberi cap waktu dokumen.",
        "a document timestamp was added later.",
    ),
    (
        "later_validation_data",
        "data validasi (sertifikat, status pencabutan) atau metadata ditambahkan.",
        "validation data (certificates, revocation status) or metadata were added.",
    ),
    (
        "later_form_filling",
        "isian formulir diisi.",
        "form fields were filled in.",
    ),
    (
        "later_annotations",
        "catatan atau anotasi ditambahkan.",
        "comments or annotations were added.",
    ),
    (
        "later_other",
        "lihat daftar perubahan di atas.",
        "see the list of changes above.",
    ),
    (
        "verification_link",
        "Tautan verifikasi publik",
        "Public verification link",
    ),
    (
        "verification_link_copy",
        "Salin alamat ini untuk dibagikan",
        "Copy this address to share it",
    ),
    (
        "verification_link_hint",
        "Siapa pun yang memegang tautan ini dapat memeriksa dan mengunduh dokumen bertanda tangan ini.",
        "Anyone holding this link can check and download this signed document.",
    ),
    // The document's verdict, by indication.
    (
        "verdict_no_signature",
        "Dokumen ini tidak memuat tanda tangan elektronik",
        "This document carries no electronic signature",
    ),
    (
        "verdict_no_signature_hint",
        "Tidak ada yang dapat diperiksa: berkas ini tidak membuktikan siapa yang menyetujuinya. Jika dokumen ini seharusnya bertanda tangan elektronik, mintalah berkas aslinya kepada pengirim.",
        "There is nothing to check: this file does not prove who approved it. If it should carry an electronic signature, ask the sender for the original file.",
    ),
    ("verdict_passed", "Tanda tangan sah", "Signature valid"),
    (
        "verdict_indeterminate",
        "Keabsahan belum dapat dipastikan",
        "Validity cannot be confirmed",
    ),
    (
        "verdict_failed",
        "Tanda tangan tidak sah",
        "Signature not valid",
    ),
    // ETSI TS 119 102-1 §5.1.3 indications.
    ("indication_TOTAL-PASSED", "Lolos", "Passed"),
    ("indication_INDETERMINATE", "Belum pasti", "Indeterminate"),
    ("indication_TOTAL-FAILED", "Gagal", "Failed"),
    // ETSI TS 119 102-1 Table 5 sub-indications.
    (
        "sub_FORMAT_FAILURE",
        "Tanda tangan atau dokumen tidak tersusun sesuai aturan, atau dokumen diubah dengan cara yang tidak diizinkan.",
        "The signature or the document is not laid out as the rules require, or the document was changed in a way that is not allowed.",
    ),
    (
        "sub_HASH_FAILURE",
        "Bagian yang ditandatangani tidak lagi sama dengan yang dulu ditandatangani.",
        "The signed part is no longer what was signed.",
    ),
    (
        "sub_SIG_CRYPTO_FAILURE",
        "Tanda tangan tidak dapat dibuktikan dengan kunci penanda tangan.",
        "The signature cannot be proven with the signer's key.",
    ),
    (
        "sub_CRYPTO_CONSTRAINTS_FAILURE",
        "Tanda tangan memakai algoritma yang sudah tidak dianggap aman.",
        "The signature uses an algorithm no longer considered secure.",
    ),
    (
        "sub_NO_SIGNING_CERTIFICATE_FOUND",
        "Sertifikat penanda tangan tidak ditemukan atau tidak terikat pada tanda tangan.",
        "The signer's certificate is missing or not bound to the signature.",
    ),
    (
        "sub_NO_CERTIFICATE_CHAIN_FOUND",
        "Sertifikat penanda tangan tidak diterbitkan oleh otoritas yang dipercaya layanan ini.",
        "The signer's certificate was not issued by an authority this service trusts.",
    ),
    (
        "sub_REVOKED_NO_POE",
        "Sertifikat penanda tangan telah dicabut, dan tidak ada cap waktu tepercaya yang membuktikan tanda tangan dibuat sebelum pencabutan.",
        "The signer's certificate was revoked, and no trusted timestamp proves the signature was made before the revocation.",
    ),
    (
        "sub_CHAIN_CONSTRAINTS_FAILURE",
        "Sertifikat dipakai untuk keperluan yang tidak diizinkan sertifikat itu (misalnya cap waktu yang tidak dibuat oleh otoritas cap waktu).",
        "A certificate was used for a purpose it does not allow (for example a timestamp not made by a timestamp authority).",
    ),
    (
        "sub_OUT_OF_BOUNDS_NO_POE",
        "Sertifikat tidak berlaku pada waktu pemeriksaan, dan tidak ada cap waktu tepercaya yang membuktikan tanda tangan dibuat selagi sertifikat berlaku.",
        "The certificate was not valid at the time of the check, and no trusted timestamp proves the signature was made while it was.",
    ),
    (
        "sub_SIGNED_DATA_NOT_FOUND",
        "Tidak ada yang ditandatangani untuk diperiksa.",
        "There is nothing signed to check.",
    ),
    // What changed after a signature.
    (
        "level_none",
        "Tidak ada: tanda tangan mencakup seluruh dokumen.",
        "Nothing: the signature covers the whole document.",
    ),
    (
        "level_signatures_and_timestamps",
        "Hanya tanda tangan (atau kolom tanda tangan baru), cap waktu atau data validasi yang ditambahkan.",
        "Only signatures (or new signature fields), timestamps or validation data were added.",
    ),
    (
        "level_form_filling",
        "Isian formulir diisi atau diubah.",
        "Form fields were filled in or changed.",
    ),
    (
        "level_annotations",
        "Anotasi (catatan, cap, coretan) ditambahkan atau diubah.",
        "Annotations (comments, stamps, drawings) were added or changed.",
    ),
    (
        "level_other",
        "Perubahan lain: isi halaman, halaman, huruf atau struktur dokumen.",
        "Other changes: page content, pages, fonts or the document's structure.",
    ),
    // Kinds of signature (ISO 32000-2 §12.8).
    (
        "kind_approval",
        "tanda tangan persetujuan",
        "approval signature",
    ),
    (
        "kind_certification",
        "tanda tangan sertifikasi (menetapkan perubahan yang diizinkan)",
        "certification signature (sets the changes allowed)",
    ),
    (
        "kind_document_timestamp",
        "cap waktu dokumen",
        "document timestamp",
    ),
    // Where the time a certificate was checked at came from.
    (
        "checked_source_signature_timestamp",
        "waktu dari cap waktu tanda tangan",
        "the time of the signature's timestamp",
    ),
    (
        "checked_source_current_time",
        "waktu sekarang",
        "the current time",
    ),
    (
        "checked_source_validation_time_given",
        "waktu pemeriksaan yang diminta",
        "the validation time requested",
    ),
    // The verifier's reason codes.
    (
        "V_OK",
        "Tanda tangan sah: dokumen tidak berubah sejak ditandatangani, atau hanya berubah dengan cara yang diizinkan, dan sertifikat penanda tangan dipercaya.",
        "The signature is valid: the document has not changed since it was signed, or only in allowed ways, and the signer's certificate is trusted.",
    ),
    (
        "V_NO_SIGNATURE",
        "Dokumen ini tidak memuat tanda tangan elektronik.",
        "This document carries no electronic signature.",
    ),
    (
        "V_SIGNATURE_REMOVED",
        "Dokumen ini pernah ditandatangani, tetapi tanda tangannya dilepas setelah itu; dokumen ini tidak sah sebagai dokumen bertanda tangan.",
        "This document was signed, but its signature was removed afterwards; it is not valid as a signed document.",
    ),
    (
        "V_DIGEST_MISMATCH",
        "Isi dokumen telah diubah setelah ditandatangani.",
        "The document's content was changed after it was signed.",
    ),
    (
        "V_SIGNATURE_INVALID",
        "Tanda tangan tidak cocok dengan sertifikat penanda tangan: tanda tangan palsu atau rusak.",
        "The signature does not match the signer's certificate: it is forged or damaged.",
    ),
    (
        "V_ALGORITHM_UNSUPPORTED",
        "Tanda tangan memakai metode kriptografi yang tidak dapat diperiksa layanan ini.",
        "The signature uses a cryptographic method this service cannot check.",
    ),
    (
        "V_BYTE_RANGE_INVALID",
        "Bagian dokumen yang dinyatakan ditandatangani tidak tersusun dengan benar, sehingga tidak jelas apa yang ditandatangani.",
        "The part of the document declared as signed is not laid out correctly, so it is unclear what was signed.",
    ),
    (
        "V_BYTE_RANGE_GAP",
        "Ada bagian dokumen di tengah bagian yang ditandatangani yang tidak ikut ditandatangani.",
        "Part of the document inside the signed part is not covered by the signature.",
    ),
    (
        "V_CONTENTS_INVALID",
        "Data tanda tangan di dalam dokumen rusak atau tidak terbaca.",
        "The signature data inside the document is damaged or unreadable.",
    ),
    (
        "V_SIGNATURE_DICTIONARY_MISPLACED",
        "Data tanda tangan tidak berada di tempat semestinya di dalam dokumen; ini bisa tanda manipulasi.",
        "The signature data is not where it belongs in the document; this can be a sign of manipulation.",
    ),
    (
        "V_NOT_REVISION_END",
        "Tanda tangan tidak berakhir pada akhir suatu versi dokumen, sehingga tidak jelas versi mana yang ditandatangani.",
        "The signature does not end where a version of the document ends, so it is unclear which version was signed.",
    ),
    (
        "V_CMS_MALFORMED",
        "Data tanda tangan rusak dan tidak dapat dibaca.",
        "The signature data is damaged and cannot be read.",
    ),
    (
        "V_SIGNED_ATTRS_NOT_DER",
        "Data yang ditandatangani tidak dikodekan dengan cara baku, sehingga tidak dapat diperiksa dengan pasti.",
        "The signed data is not encoded in the standard way, so it cannot be checked reliably.",
    ),
    (
        "V_ENCAPSULATED_CONTENT",
        "Tanda tangan membawa isinya sendiri alih-alih menandatangani dokumen ini.",
        "The signature carries content of its own instead of signing this document.",
    ),
    (
        "V_SUBFILTER_UNSUPPORTED",
        "Jenis tanda tangan ini tidak didukung layanan ini.",
        "This kind of signature is not supported by this service.",
    ),
    (
        "V_MODIFIED",
        "Dokumen diubah setelah ditandatangani (misalnya isi halamannya), dan perubahan semacam itu tidak diizinkan.",
        "The document was changed after it was signed (for example its page content), and such changes are not allowed.",
    ),
    (
        "V_MODIFICATION_NOT_PERMITTED",
        "Dokumen diubah setelah ditandatangani dengan cara yang tidak diizinkan setelah penandatanganan (misalnya catatan atau cap yang ditempel di atas halaman, atau isian formulir yang dikunci).",
        "The document was changed after it was signed in a way not permitted after signing (for example a note or stamp placed over the page, or a locked form field filled in).",
    ),
    (
        "V_SIGNER_CERT_MISSING",
        "Sertifikat penanda tangan tidak disertakan, sehingga penanda tangan tidak dapat dikenali.",
        "The signer's certificate is not included, so the signer cannot be identified.",
    ),
    (
        "V_SIGNER_NOT_IDENTIFIED",
        "Penanda tangan tidak dapat dikenali dari data tanda tangan.",
        "The signer cannot be identified from the signature data.",
    ),
    (
        "V_SIGNING_CERT_MISMATCH",
        "Sertifikat yang disertakan bukan sertifikat yang dipakai penanda tangan.",
        "The certificate included is not the one the signer used.",
    ),
    (
        "V_SIGNING_CERT_ATTR_MISSING",
        "Tanda tangan tidak mengikat sertifikat penanda tangan, sehingga sertifikatnya dapat ditukar.",
        "The signature does not bind the signer's certificate, so the certificate could be swapped.",
    ),
    (
        "V_LEGACY_ALGORITHM",
        "Tanda tangan memakai algoritma lama (SHA-1) yang tidak lagi dianggap aman.",
        "The signature uses an old algorithm (SHA-1) that is no longer considered secure.",
    ),
    (
        "V_UNTRUSTED",
        "Sertifikat penanda tangan tidak diterbitkan oleh otoritas sertifikat yang dipercaya layanan ini, sehingga identitas penanda tangan tidak dapat dipastikan.",
        "The signer's certificate was not issued by a certificate authority this service trusts, so the signer's identity cannot be confirmed.",
    ),
    (
        "verify_revocation",
        "Status pencabutan sertifikat",
        "Certificate revocation",
    ),
    (
        "verify_revocation_ok",
        "Tidak dicabut menurut daftar pencabutan (CRL) penerbitnya.",
        "Not revoked according to its issuer's revocation list (CRL).",
    ),
    (
        "sub_REVOKED",
        "Sertifikat penanda tangan telah dicabut sebelum tanda tangan ini dibuat.",
        "The signer's certificate was revoked before this signature was made.",
    ),
    (
        "V_REVOKED",
        "Sertifikat penanda tangan telah dicabut, dan tanda tangan ini dibuat pada atau setelah waktu pencabutan: tanda tangan tidak sah.",
        "The signer's certificate was revoked, and this signature was made at or after the revocation: it is not valid.",
    ),
    (
        "V_REVOKED_AFTER_SIGNING",
        "Sertifikat penanda tangan dicabut setelah tanda tangan ini dibuat, sebagaimana dibuktikan cap waktu tepercaya; tanda tangan ini tetap berlaku.",
        "The signer's certificate was revoked after this signature was made, as a trusted timestamp proves; the signature stands.",
    ),
    (
        "V_REVOKED_NO_POE",
        "Sertifikat penanda tangan telah dicabut. Waktu tanda tangan yang tercantum lebih awal dari pencabutan, tetapi itu hanya pengakuan penanda tangan: tanpa cap waktu tepercaya, keabsahan tanda tangan tidak dapat dipastikan.",
        "The signer's certificate was revoked. The signature's stated time is before the revocation, but that is only the signer's claim: without a trusted timestamp, its validity cannot be confirmed.",
    ),
    (
        "V_TSA_NOT_TIMESTAMPING",
        "Cap waktu dokumen ini tidak dibuat oleh otoritas cap waktu: sertifikat pembuatnya tidak diperuntukkan bagi cap waktu, sehingga waktunya bukan bukti.",
        "This document timestamp was not made by a timestamp authority: its maker's certificate is not meant for timestamping, so its time is no proof.",
    ),
    (
        "V_REVOCATION_NOT_CHECKED",
        "Status pencabutan tidak diperiksa: tidak ada daftar pencabutan (CRL) penerbit sertifikat yang berlaku pada waktu penandatanganan.",
        "Revocation not checked: no revocation list (CRL) of the certificate's issuer that was current at the time of signing was available.",
    ),
    (
        "V_CERT_OUT_OF_VALIDITY",
        "Sertifikat penanda tangan tidak berlaku (kedaluwarsa atau belum berlaku) pada waktu pemeriksaan.",
        "The signer's certificate was not valid (expired or not yet valid) at the time of the check.",
    ),
    (
        "V_NOT_CHECKED",
        "Tidak diperiksa, karena pemeriksaan sebelumnya sudah gagal.",
        "Not checked, because an earlier check already failed.",
    ),
    (
        "V_UNKNOWN",
        "Temuan lain; lihat kode dan keterangan teknisnya.",
        "Another finding; see its code and technical detail.",
    ),
    // A file that cannot be checked at all.
    (
        "unusable_title",
        "Berkas tidak dapat diperiksa",
        "The file cannot be checked",
    ),
    (
        "unusable_hint",
        "Tidak ada tanda tangan pada berkas ini yang dapat dinilai. Mintalah berkas aslinya kepada pengirim.",
        "No signature in this file can be assessed. Ask the sender for the original file.",
    ),
    (
        "unusable_E_NOT_PDF",
        "Berkas ini bukan PDF (diperiksa dari isinya, bukan namanya).",
        "This file is not a PDF (checked by its content, not its name).",
    ),
    (
        "unusable_E_PDF_BROKEN_XREF",
        "Struktur PDF ini rusak, sehingga isinya tidak dapat dibaca dengan pasti. Pemeriksaan tidak menebak isi berkas yang rusak.",
        "This PDF's structure is broken, so its content cannot be read with certainty. Verification does not guess what a broken file contains.",
    ),
    (
        "unusable_E_PDF_STRUCTURE",
        "Struktur PDF ini tidak wajar (misalnya susunan halamannya berputar), sehingga tidak dapat diperiksa.",
        "This PDF's structure is abnormal (for example its page tree loops), so it cannot be checked.",
    ),
    (
        "unusable_E_PDF_ENCRYPTED",
        "PDF ini terenkripsi dengan cara yang tidak dapat dibaca layanan ini.",
        "This PDF is encrypted in a way this service cannot read.",
    ),
    (
        "unusable_E_PDF_TOO_LARGE",
        "PDF ini terlalu besar atau terlalu rumit untuk diperiksa.",
        "This PDF is too large or too complex to check.",
    ),
    (
        "upload_refused_title",
        "Berkas tidak diperiksa",
        "The file was not checked",
    ),
    (
        "unusable_E_UPLOAD_TOO_LARGE",
        "Berkas ini lebih besar dari batas unggah layanan ini ({limit} MB), sehingga tidak diperiksa. Berkas bertanda tangan tidak dapat diperkecil tanpa merusak tanda tangannya; mintalah instansi penerbitnya memeriksanya.",
        "This file is larger than this service's upload limit ({limit} MB), so it was not checked. A signed file cannot be made smaller without breaking its signature; ask the agency that issued it to check it.",
    ),
    (
        "unusable_E_UPLOAD_MISSING",
        "Tidak ada berkas PDF yang diunggah. Pilih berkas PDF, lalu tekan Periksa.",
        "No PDF file was uploaded. Choose a PDF file, then press Check.",
    ),
    (
        "unusable_E_BAD_INPUT",
        "Formulir unggah tidak dapat dibaca (misalnya dua berkas dikirim sekaligus). Pilih satu berkas PDF, lalu coba lagi.",
        "The upload form could not be read (for example two files were sent at once). Choose one PDF file and try again.",
    ),
    (
        "verify_log_note",
        "Setiap pemeriksaan dicatat di log transparansi publik hanya sebagai sidik jari SHA-256 berkas, hasil pemeriksaan, dan waktunya: tanpa isi berkas, tanpa nama berkas, dan tanpa data tentang Anda.",
        "Every check is recorded in the public transparency log only as the file's SHA-256 fingerprint, the verdict and the time: no file content, no file name, and nothing about you.",
    ),
    (
        "unusable_other",
        "Berkas ini tidak dapat dibaca sebagai PDF bertanda tangan.",
        "This file cannot be read as a signed PDF.",
    ),
    (
        "E_VERIFICATION_EXPIRED",
        "Berkas yang Anda periksa sudah tidak disimpan (paling lama satu jam, dan hanya untuk sesi yang mengunggahnya). Unggah berkasnya lagi di halaman Periksa dokumen.",
        "The file you checked is no longer kept (files are kept for at most an hour, for the session that uploaded them only). Upload it again on the Verify a document page.",
    ),
    (
        "E_UNSUPPORTED_MEDIA_TYPE",
        "Jenis isi permintaan tidak didukung: kirim application/pdf atau multipart/form-data.",
        "Unsupported content type: send application/pdf or multipart/form-data.",
    ),
];
