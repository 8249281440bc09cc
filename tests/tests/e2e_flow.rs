//! The whole flow over HTTP against a real `sahih serve` (on SQLite, or on PostgreSQL with
//! `TEST_DATABASE_URL`): a citizen registers and applies with a third-party PDF, the verifier
//! returns it for revision, the citizen resubmits, the verifier gives paraf, the signing
//! official signs, the citizen downloads the signed PDF, and pyHanko, pdfsig and qpdf accept it
//! against the development CA.

use sahih_e2e::http::{Browser, Server};
use sahih_e2e::{Instance, oracle_available, pdf_oracle, shared_dir};

const SERVICE: &str = "/layanan/surat-keterangan-usaha";

fn corpus(name: &str) -> Vec<u8> {
    std::fs::read(shared_dir().join("corpus/plain").join(name)).expect("corpus file")
}

fn document_id(location: &str) -> String {
    location.rsplit('/').next().unwrap_or_default().to_string()
}

/// The attachment links on a document page, in order.
fn attachment_links(html: &str, id: &str) -> Vec<String> {
    let prefix = format!("/dokumen/{id}/berkas/");
    html.match_indices(&prefix)
        .map(|(at, _)| html[at..].split('"').next().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn citizen_pdf_becomes_an_officer_signed_pdf_that_validators_accept() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let certs = tmp.path().join("certs");
    let instance = Instance::new(tmp.path().join("data"));
    let server = Server::start(&instance, &certs, &[]);

    // A citizen registers and applies.
    let mut citizen = Browser::new(&server);
    let csrf = citizen.get("/daftar").csrf();
    let reg = citizen.post(
        "/daftar",
        &[
            ("csrf", &csrf),
            ("login", "budi.santoso"),
            ("name", "Budi Santoso"),
            ("email", ""),
            ("password", "rahasia-budi-2026"),
        ],
    );
    assert_eq!(
        (reg.status, reg.location.as_deref()),
        (303, Some("/permohonan")),
        "{}",
        reg.text()
    );
    let form = citizen.get(SERVICE);
    assert!(
        form.text().contains("Nama usaha"),
        "the form speaks Bahasa Indonesia first"
    );
    let v1 = corpus("pdfrs_libreoffice.pdf");
    let sub = citizen.post_multipart(
        SERVICE,
        &[
            ("csrf", &form.csrf()),
            ("nama_usaha", "Bengkel Motor Jaya"),
            ("bidang_usaha", "Perbengkelan"),
            ("alamat_usaha", "Jl. Sudirman 5"),
            ("mulai_usaha", "2023-01-15"),
        ],
        Some(("permohonan.pdf", &v1)),
    );
    assert_eq!(sub.status, 303, "{}", sub.text());
    let id = document_id(sub.location.as_deref().unwrap_or_default());
    let tracking = citizen.get(&format!("/permohonan/{id}"));
    assert!(
        tracking.text().contains("menunggu verifikasi"),
        "{}",
        tracking.text()
    );

    // The verifier sees it in the queue and returns it for revision.
    let mut verifier = Browser::new(&server);
    assert_eq!(
        verifier
            .login("verifikator", "verifikator-demo")
            .location
            .as_deref(),
        Some("/petugas")
    );
    assert!(verifier.get("/petugas").text().contains(&id[..8]));
    let review = verifier.get(&format!("/petugas/dokumen/{id}"));
    assert!(review.text().contains("Bengkel Motor Jaya"));
    let links = attachment_links(&review.text(), &id);
    assert_eq!(
        verifier.get(&links[0]).body,
        v1,
        "the officer can view the uploaded PDF"
    );
    let ret = verifier.post_action(
        &review,
        &format!("/petugas/dokumen/{id}/kembalikan"),
        &[("comment", "Tanda tangan pemohon belum ada")],
    );
    assert_eq!(ret.status, 303, "{}", ret.text());

    // The citizen reads the comment and resubmits a corrected PDF.
    let returned = citizen.get(&format!("/permohonan/{id}"));
    assert_eq!(
        returned
            .text()
            .matches("Tanda tangan pemohon belum ada")
            .count(),
        2,
        "the comment is shown with the revision form and in the timeline"
    );
    assert!(returned.text().contains("Dikembalikan untuk perbaikan"));
    let v2 = corpus("dss_pdf-2.0.pdf");
    // The address is corrected in the form, and a corrected PDF uploaded with it.
    let resub = citizen.post_multipart_action(
        &returned,
        &format!("/permohonan/{id}/perbaikan"),
        &[
            ("nama_usaha", "Bengkel Motor Jaya"),
            ("bidang_usaha", "Perbengkelan"),
            ("alamat_usaha", "Jl. Sudirman 5A"),
            ("mulai_usaha", "2023-01-15"),
        ],
        Some(("perbaikan.pdf", &v2)),
    );
    assert_eq!(resub.status, 303, "{}", resub.text());

    // Paraf, then the signing official signs (a wrong passphrase first changes nothing).
    let review = verifier.get(&format!("/petugas/dokumen/{id}"));
    assert!(
        review.text().contains("Jl. Sudirman 5A"),
        "the corrected value is shown"
    );
    let links = attachment_links(&review.text(), &id);
    assert_eq!(links.len(), 2, "both versions are kept");
    assert_eq!(verifier.get(&links[0]).body, v1);
    assert_eq!(verifier.get(&links[1]).body, v2);
    let paraf = verifier.post_action(&review, &format!("/petugas/dokumen/{id}/paraf"), &[]);
    assert_eq!(paraf.status, 303, "{}", paraf.text());

    let mut signer = Browser::new(&server);
    signer.login("penandatangan", "penandatangan-demo");
    assert!(signer.get("/petugas").text().contains(&id[..8]));
    let page = signer.get(&format!("/petugas/dokumen/{id}"));
    let wrong = signer.post_action(
        &page,
        &format!("/petugas/dokumen/{id}/tandatangani"),
        &[("passphrase", "salah")],
    );
    assert_eq!(
        (wrong.status, wrong.error_code.as_deref()),
        (403, Some("E_WRONG_PASSPHRASE"))
    );
    assert_eq!(
        citizen.get(&format!("/dokumen/{id}/unduh")).status,
        404,
        "nothing signed yet"
    );
    let sign = signer.post_action(
        &page,
        &format!("/petugas/dokumen/{id}/tandatangani"),
        &[("passphrase", "sahih-demo")],
    );
    assert_eq!(sign.status, 303, "{}", sign.text());

    // The citizen downloads the signed PDF: the corrected version plus one incremental update.
    let done = citizen.get(&format!("/permohonan/{id}"));
    assert!(done.text().contains("sudah ditandatangani"));
    let signed = citizen.get(&format!("/dokumen/{id}/unduh"));
    assert_eq!(signed.content_type.as_deref(), Some("application/pdf"));
    assert_eq!(
        &signed.body[..v2.len()],
        &v2[..],
        "the signed PDF extends the corrected version byte for byte"
    );
    let timeline = done.text();
    for event in [
        "Permohonan diajukan",
        "Perbaikan dikirim",
        "Paraf diberikan",
        "Ditandatangani secara elektronik",
    ] {
        assert!(timeline.contains(event), "timeline lacks {event}");
    }

    if oracle_available() {
        let out = tmp.path().join("signed.pdf");
        std::fs::write(&out, &signed.body).expect("write");
        let verdict = pdf_oracle(&out, &[&certs.join("ca.pem")]).expect("oracle");
        assert!(
            verdict.ok,
            "validators refuse the signed PDF: {:#}",
            verdict.json
        );
        let row = verdict
            .pyhanko_field("Sahih-TTE-1")
            .expect("pyHanko sees Sahih's signature");
        assert_eq!(row["summary"], "INTACT:TRUSTED,UNTOUCHED", "{row}");
    }
}
