//! Public verification over HTTP against a real `sahih serve`: a document Sahih signed checks
//! out by its `/v/{code}` link and by upload, in Indonesian and in English, without login; a
//! byte changed after signing is caught; the signed revisions download as exact prefixes; the
//! JSON API answers every input with JSON; a malformed file gets a clear 422 page, never a 500.

use sahih_e2e::http::{Browser, Resp, Server};
use sahih_e2e::{Instance, shared_dir};

const SERVICE: &str = "/layanan/surat-keterangan-usaha";
const SIGNER: &str = "Dr. Rina Wulandari, S.H., M.H.";

fn corpus(path: &str) -> Vec<u8> {
    std::fs::read(shared_dir().join("corpus").join(path)).expect("corpus file")
}

/// A document signed through the service: its id, verification code and signed PDF.
struct Signed {
    id: String,
    code: String,
    pdf: Vec<u8>,
    citizen: Browser,
    signer: Browser,
}

/// The citizen applies with `pdf`, the verifier gives paraf, the signing official signs.
fn sign_through_the_service(server: &Server, pdf: &[u8]) -> Signed {
    sign_through_the_service_at(server, pdf, &server.base)
}

/// As [`sign_through_the_service`], on a server whose public address is `base`.
fn sign_through_the_service_at(server: &Server, pdf: &[u8], base: &str) -> Signed {
    let mut citizen = Browser::new(server);
    citizen.login("warga", "warga-demo-2026");
    let form = citizen.get(SERVICE);
    let sub = citizen.post_multipart(
        SERVICE,
        &[
            ("csrf", &form.csrf()),
            ("nama_usaha", "Toko Sumber Rejeki"),
            ("bidang_usaha", "Dagang"),
            ("alamat_usaha", "Jl. Diponegoro 9"),
        ],
        Some(("permohonan.pdf", pdf)),
    );
    assert_eq!(sub.status, 303, "{}", sub.text());
    let id = sub
        .location
        .unwrap_or_default()
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_string();
    let mut verifier = Browser::new(server);
    verifier.login("verifikator", "verifikator-demo");
    let review = verifier.get(&format!("/petugas/dokumen/{id}"));
    let paraf = verifier.post_action(&review, &format!("/petugas/dokumen/{id}/paraf"), &[]);
    assert_eq!(paraf.status, 303, "{}", paraf.text());
    let mut signer = Browser::new(server);
    signer.login("penandatangan", "penandatangan-demo");
    let page = signer.get(&format!("/petugas/dokumen/{id}"));
    assert!(
        !page.text().contains("id=\"verification-link\""),
        "no verification link before signing"
    );
    let sign = signer.post_action(
        &page,
        &format!("/petugas/dokumen/{id}/tandatangani"),
        &[("passphrase", "sahih-demo")],
    );
    assert_eq!(sign.status, 303, "{}", sign.text());
    let tracking = citizen.get(&format!("/permohonan/{id}"));
    let code =
        verification_code(&tracking, base).expect("the citizen's page shows the full /v/ address");
    assert!(
        tracking
            .text()
            .contains(&format!("readonly value=\"{base}/v/{code}\"")),
        "the address is offered for copying"
    );
    let pdf = citizen.get(&format!("/dokumen/{id}/unduh")).body;
    Signed {
        id,
        code,
        pdf,
        citizen,
        signer,
    }
}

/// The code in a document page's public verification link, a full address on `base`.
fn verification_code(page: &Resp, base: &str) -> Option<String> {
    let text = page.text();
    let at = text.find("id=\"verification-link\"")?;
    let tag_start = text[..at].rfind("<a ")?;
    let href = text[tag_start..]
        .split(&format!("href=\"{base}/v/"))
        .nth(1)?;
    href.split('"').next().map(str::to_string)
}

/// The revision download links of a report page, in signature order.
fn revision_links(page: &Resp) -> Vec<String> {
    page.text()
        .split("class=\"revision-link\"")
        .filter_map(|before| before.rsplit("href=\"").next())
        .filter_map(|rest| rest.split('"').next())
        .filter(|href| href.contains("/revisi/"))
        .map(str::to_string)
        .collect()
}

/// Uploads `pdf` on the verification page as a fresh anonymous visitor.
fn upload(server: &Server, name: &str, pdf: &[u8]) -> (Browser, Resp) {
    let mut visitor = Browser::new(server);
    let form = visitor.get("/verifikasi");
    assert_eq!(form.status, 200);
    let res = visitor.post_multipart("/verifikasi", &[("csrf", &form.csrf())], Some((name, pdf)));
    (visitor, res)
}

fn api(server: &Server, pdf: &[u8]) -> Resp {
    Browser::new(server).post_raw("/api/v1/verify", "application/pdf", pdf)
}

#[test]
fn a_document_sahih_signed_verifies_by_its_link_and_by_upload_and_a_changed_byte_fails() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let instance = Instance::new(tmp.path().join("data"));
    let server = Server::start(&instance, &tmp.path().join("certs"), &[]);
    let original = corpus("plain/pdfrs_libreoffice.pdf");
    let mut s = sign_through_the_service(&server, &original);
    let officer_page = s.signer.get(&format!("/petugas/dokumen/{}", s.id));
    assert_eq!(
        verification_code(&officer_page, &server.base).as_deref(),
        Some(s.code.as_str()),
        "the officer's page shows the same link"
    );

    // Anyone with the link sees the verdict, in Indonesian first, without logging in.
    let mut anon = Browser::new(&server);
    let page = anon.get(&format!("/v/{}", s.code));
    assert_eq!(page.status, 200, "{}", page.text());
    let text = page.text();
    assert!(
        text.contains("class=\"card verdict verdict-passed\""),
        "{text}"
    );
    assert!(text.contains("Tanda tangan sah"), "{text}");
    assert!(text.contains("TOTAL-PASSED"));
    assert!(text.contains(SIGNER), "names the signer: {text}");
    assert!(
        text.contains("Seluruh dokumen"),
        "covers the whole document"
    );
    assert!(
        text.contains("dokumen tidak berubah sejak ditandatangani")
            && !text.contains("atau hanya berubah"),
        "a signature over the whole file says plainly that nothing changed: {text}"
    );
    assert!(
        text.contains("<td class=\"issuer-name\">Sahih Development CA</td>"),
        "the issuer by its common name: {text}"
    );
    assert!(
        text.contains(&format!(
            "<span class=\"chain\">{SIGNER} ← Sahih Development CA</span>"
        )),
        "the chain by common names, unescaped: {text}"
    );
    assert!(text.contains("Rincian teknis (bahasa Inggris):"), "{text}");
    assert!(
        text.contains("Kode: <code"),
        "raw codes are labelled: {text}"
    );
    assert!(!anon.has_session(), "reading a report creates no session");
    assert_eq!(anon.get(&format!("/v/{}/unduh", s.code)).body, s.pdf);
    let links = revision_links(&page);
    assert_eq!(links.len(), 1, "{links:?}");
    assert_eq!(
        anon.get(&links[0]).body,
        s.pdf,
        "Sahih's signature covers it all"
    );

    // The same page in English after the language switch.
    let back = anon.get_with_referer("/bahasa/en", &format!("{}/v/{}", server.base, s.code));
    assert_eq!(back.location, Some(format!("/v/{}", s.code)));
    let english = anon.get(&format!("/v/{}", s.code)).text();
    assert!(english.contains("Signature valid") && english.contains("Signed by"));
    assert!(!english.contains("Tanda tangan sah"));
    let unknown = anon.get(&format!("/v/{}", "0".repeat(40)));
    assert_eq!(
        (unknown.status, unknown.error_code.as_deref()),
        (404, Some("E_NOT_FOUND"))
    );
    assert!(unknown.text().contains("Page or document not found."));

    // Uploading the signed PDF gives the same verdict, and its signed revision downloads.
    let (mut visitor, uploaded) = upload(&server, "ttd.pdf", &s.pdf);
    assert_eq!(uploaded.status, 200, "{}", uploaded.text());
    assert!(uploaded.text().contains("verdict-passed") && uploaded.text().contains(SIGNER));
    let json = api(&server, &s.pdf).json();
    assert_eq!(
        (json["indication"].as_str(), json["reason"].as_str()),
        (Some("TOTAL-PASSED"), Some("V_OK"))
    );
    let signed_length = json["signatures"][0]["signed_length"]
        .as_u64()
        .expect("signed length") as usize;
    let links = revision_links(&uploaded);
    assert_eq!(links.len(), 1, "{links:?}");
    let revision = visitor.get(&links[0]);
    assert_eq!(revision.content_type.as_deref(), Some("application/pdf"));
    assert!(
        revision
            .content_disposition
            .as_deref()
            .is_some_and(|d| d.contains("filename=\"revisi-")),
        "{:?}",
        revision.content_disposition
    );
    assert_eq!(revision.body, s.pdf[..signed_length]);
    assert!(s.pdf.starts_with(&original), "signed by incremental update");
    let stranger = s.citizen.get(&links[0]);
    assert_eq!(
        (stranger.status, stranger.error_code.as_deref()),
        (404, Some("E_VERIFICATION_EXPIRED")),
        "another session cannot fetch someone's upload by its hash"
    );
    assert!(
        stranger
            .text()
            .contains("<a href=\"/verifikasi\" id=\"back\">Kembali</a>"),
        "Back works without JavaScript: {}",
        stranger.text()
    );

    // One byte changed inside the signed range: the page and the API both say so.
    let mut tampered = s.pdf.clone();
    assert_eq!(&tampered[9..10], b"%", "a comment line follows the header");
    tampered[11] ^= 0x01;
    let (_, failed) = upload(&server, "diubah.pdf", &tampered);
    let text = failed.text();
    assert_eq!(failed.status, 200, "a verdict, not an error: {text}");
    assert!(
        text.contains("class=\"card verdict verdict-failed\""),
        "{text}"
    );
    assert!(text.contains("Tanda tangan tidak sah"));
    assert!(text.contains("TOTAL-FAILED") && text.contains("HASH_FAILURE"));
    assert!(text.contains("Isi dokumen telah diubah setelah ditandatangani."));
    let json = api(&server, &tampered).json();
    assert_eq!(
        (json["indication"].as_str(), json["reason"].as_str()),
        (Some("TOTAL-FAILED"), Some("V_DIGEST_MISMATCH"))
    );
}

#[test]
fn an_earlier_signature_downloads_as_exactly_the_revision_it_signed() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let instance = Instance::new(tmp.path().join("data"));
    let server = Server::start(&instance, &tmp.path().join("certs"), &[]);
    let pdf = corpus("signed-valid/dss_hello_signed_INCSAVE_signed.pdf");
    let report = api(&server, &pdf).json();
    let first = &report["signatures"][0];
    let (revision, length) = (
        first["revision"].as_u64().expect("revision"),
        first["signed_length"].as_u64().expect("length") as usize,
    );
    assert!(
        length < pdf.len(),
        "the first signature covers an earlier revision"
    );
    let (mut visitor, page) = upload(&server, "hello.pdf", &pdf);
    assert_eq!(page.status, 200);
    let total = report["revisions"].as_u64().expect("revisions");
    assert!(
        page.text()
            .contains(&format!("Revisi {revision} dari {total}")),
        "{}",
        page.text()
    );
    let links = revision_links(&page);
    assert_eq!(links.len(), 2, "{links:?}");
    assert!(links[0].ends_with(&format!("/revisi/{revision}")));
    let earlier = visitor.get(&links[0]);
    assert_eq!(earlier.status, 200);
    assert_eq!(earlier.body, pdf[..length], "exactly the signed prefix");
    let missing = visitor.get(&links[0].replace(&format!("/revisi/{revision}"), "/revisi/99"));
    assert_eq!(
        missing.error_code.as_deref(),
        Some("E_VERIFICATION_EXPIRED")
    );
}

#[test]
fn the_api_answers_every_input_with_json_and_no_cookie() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let instance = Instance::new(tmp.path().join("data"));
    let server = Server::start(&instance, &tmp.path().join("certs"), &[]);
    let mut client = Browser::new(&server);

    let garbage = client.post_raw(
        "/api/v1/verify",
        "application/pdf",
        b"this is no PDF at all",
    );
    assert_eq!(garbage.status, 422, "{}", garbage.text());
    let json = garbage.json();
    assert_eq!(json["indication"], "UNUSABLE");
    assert!(
        json["code"].as_str().is_some_and(|c| c.starts_with("E_")),
        "{json}"
    );
    assert!(json["reason"].as_str().is_some_and(|r| !r.is_empty()));

    let unsigned = client.post_raw(
        "/api/v1/verify",
        "application/pdf",
        &corpus("plain/dss_pdf-2.0.pdf"),
    );
    assert_eq!(unsigned.status, 200, "{}", unsigned.text());
    let json = unsigned.json();
    assert_eq!(
        (json["indication"].as_str(), json["reason"].as_str()),
        (Some("INDETERMINATE"), Some("V_NO_SIGNATURE"))
    );
    assert_eq!(json["schema"], "sahih-verify-report/1");

    let wrong = client.post_raw("/api/v1/verify", "text/plain", b"%PDF-1.7");
    assert_eq!(wrong.status, 415);
    assert_eq!(wrong.json()["code"], "E_UNSUPPORTED_MEDIA_TYPE");

    let form = client.post_multipart(
        "/api/v1/verify",
        &[],
        Some(("x.pdf", &corpus("plain/dss_pdf-2.0.pdf"))),
    );
    assert_eq!(
        (form.status, form.json()["reason"].as_str()),
        (200, Some("V_NO_SIGNATURE")),
        "multipart with field berkas works too"
    );
    let empty = client.post_multipart("/api/v1/verify", &[], None);
    assert_eq!(
        (empty.status, empty.json()["code"].as_str()),
        (400, Some("E_UPLOAD_MISSING"))
    );
    let pdf = corpus("plain/dss_pdf-2.0.pdf");
    let elsewhere = client.post_multipart_files("/api/v1/verify", &[], &[("other", "x.pdf", &pdf)]);
    let json = elsewhere.json();
    assert_eq!(
        (elsewhere.status, json["code"].as_str()),
        (400, Some("E_UPLOAD_MISSING")),
        "a file under another field name is a missing berkas: {json}"
    );
    assert!(
        json["reason"].as_str().is_some_and(|r| r.contains("other")),
        "the reason names the field the file came in: {json}"
    );
    let twice = client.post_multipart_files(
        "/api/v1/verify",
        &[],
        &[("berkas", "a.pdf", &pdf), ("berkas", "b.pdf", &pdf)],
    );
    assert_eq!(
        (twice.status, twice.json()["code"].as_str()),
        (400, Some("E_BAD_INPUT")),
        "two files in berkas are refused"
    );
    let get = client.get("/api/v1/verify");
    assert_eq!(
        (get.status, get.json()["code"].as_str()),
        (405, Some("E_METHOD_NOT_ALLOWED"))
    );
    assert!(!client.has_session(), "the API sets no cookie");
}

#[test]
fn a_malformed_file_gets_a_page_saying_it_cannot_be_checked_never_a_500() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let instance = Instance::new(tmp.path().join("data"));
    let server = Server::start(&instance, &tmp.path().join("certs"), &[]);
    let (_, page) = upload(
        &server,
        "rusak.pdf",
        &corpus("malformed/pyhanko_startxref-hopeless.pdf"),
    );
    assert_eq!(
        (page.status, page.error_code.as_deref()),
        (422, Some("E_PDF_BROKEN_XREF")),
        "{}",
        page.text()
    );
    let text = page.text();
    assert!(text.contains("Berkas tidak dapat diperiksa"));
    assert!(
        text.contains("Struktur PDF ini rusak"),
        "the reason in plain words"
    );
    assert!(
        text.contains("id=\"verify-form\""),
        "and the form to try another file"
    );

    let dir = shared_dir().join("corpus/malformed");
    for entry in std::fs::read_dir(dir).expect("malformed corpus") {
        let path = entry.expect("entry").path();
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        let (_, page) = upload(&server, &name, &std::fs::read(&path).expect("read"));
        assert!(
            matches!(page.status, 200 | 422),
            "{name}: {} {}",
            page.status,
            page.text()
        );
    }

    let mut visitor = Browser::new(&server);
    let form = visitor.get("/verifikasi");
    let text = form.text();
    let note = text
        .split("id=\"verify-log-note\"")
        .nth(1)
        .and_then(|rest| rest.split("</p>").next())
        .unwrap_or_default();
    assert!(
        note.contains("sidik jari SHA-256") && note.contains("tanpa isi berkas, tanpa nama berkas"),
        "the form says what the public log keeps of a check: {text}"
    );
    let big = vec![b'%'; 21 * 1024 * 1024];
    let too_large = visitor.post_multipart(
        "/verifikasi",
        &[("csrf", &form.csrf())],
        Some(("besar.pdf", &big)),
    );
    let text = too_large.text();
    assert_eq!(
        (too_large.status, too_large.error_code.as_deref()),
        (413, Some("E_UPLOAD_TOO_LARGE"))
    );
    assert!(
        text.contains("lebih besar dari batas unggah layanan ini (20 MB)"),
        "the reason in plain words: {text}"
    );
    assert!(
        text.contains("id=\"verify-form\"") && !text.contains("javascript:"),
        "the form again, and nothing that needs JavaScript: {text}"
    );
    let no_csrf = visitor.post_multipart("/verifikasi", &[], Some(("a.pdf", b"%PDF-1.7")));
    assert_eq!(no_csrf.error_code.as_deref(), Some("E_CSRF"));
    let no_file = visitor.post_multipart("/verifikasi", &[("csrf", &form.csrf())], None);
    assert_eq!(
        (no_file.status, no_file.error_code.as_deref()),
        (400, Some("E_UPLOAD_MISSING"))
    );
    assert!(
        no_file
            .text()
            .contains("Tidak ada berkas PDF yang diunggah")
            && no_file.text().contains("id=\"verify-form\""),
        "{}",
        no_file.text()
    );
    let elsewhere = visitor.post_multipart_files(
        "/verifikasi",
        &[("csrf", &form.csrf())],
        &[("other", "a.pdf", b"%PDF-1.7")],
    );
    assert_eq!(
        (elsewhere.status, elsewhere.error_code.as_deref()),
        (400, Some("E_UPLOAD_MISSING"))
    );
}

#[test]
fn configured_national_roots_become_trust_anchors() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let anchor = shared_dir().join("corpus/trust-anchors/rub_pdf-attacker_demo-rsa2048.cert.pem");
    let pdf = corpus("attacks/rub_shadow-hide-v1_signed.pdf");
    let trust_code = |server: &Server| {
        api(server, &pdf).json()["signatures"][0]["trust"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    let a = Instance::new(tmp.path().join("a"));
    let plain = Server::start(&a, &tmp.path().join("certs"), &[]);
    assert_eq!(trust_code(&plain), "V_UNTRUSTED");
    drop(plain);

    let config = tmp.path().join("sahih.toml");
    std::fs::write(
        &config,
        format!(
            "trust_anchors = [{:?}]\npublic_url = \"https://sahih.kota-uji.go.id/\"\n",
            anchor.display().to_string()
        ),
    )
    .expect("config");
    let config = config.display().to_string();
    let b = Instance::new(tmp.path().join("b"));
    let national = Server::start(&b, &tmp.path().join("certs"), &["--config", &config]);
    // The chain now reaches an anchor; the demo certificate may have expired since.
    let code = trust_code(&national);
    assert!(
        ["V_OK", "V_CERT_OUT_OF_VALIDITY"].contains(&code.as_str()),
        "{code}"
    );
    // The configured public address is the one citizens are given to share.
    sign_through_the_service_at(
        &national,
        &corpus("plain/pdfrs_libreoffice.pdf"),
        "https://sahih.kota-uji.go.id",
    );
    drop(national);

    let missing = tmp.path().join("missing.toml");
    std::fs::write(&missing, "trust_anchors = [\"/nonexistent/root.pem\"]\n").expect("config");
    let c = Instance::new(tmp.path().join("c"));
    let refused = c
        .sahih(&["serve", "--bind", "127.0.0.1:0", "--no-demo"])
        .arg("--config")
        .arg(&missing)
        .output()
        .expect("run sahih serve");
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success());
    assert!(
        stderr.contains("trust anchor /nonexistent/root.pem"),
        "{stderr}"
    );
}

/// How often `needle` occurs in `haystack`.
fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

#[test]
fn the_report_says_plainly_what_a_citizen_needs_to_know() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let instance = Instance::new(tmp.path().join("data"));
    let server = Server::start(&instance, &tmp.path().join("certs"), &[]);

    // No signature at all: said plainly, without talk of trusted authorities.
    let (_, page) = upload(&server, "polos.pdf", &corpus("plain/dss_pdf-2.0.pdf"));
    let text = page.text();
    assert_eq!(page.status, 200, "{text}");
    assert!(
        text.contains(
            "<h1 id=\"verdict-headline\">Dokumen ini tidak memuat tanda tangan elektronik</h1>"
        ),
        "{text}"
    );
    assert!(!text.contains("Keabsahan belum dapat dipastikan"), "{text}");
    assert!(!text.contains("id=\"trust-note\""), "{text}");

    // Two signatures by an authority this service does not trust: said once per signature,
    // and once for the document.
    let (_, page) = upload(
        &server,
        "dua.pdf",
        &corpus("signed-valid/pyhanko_minimal-signed-twice-both-created.pdf"),
    );
    let text = page.text();
    let untrusted = "tidak diterbitkan oleh otoritas sertifikat yang dipercaya layanan ini";
    assert_eq!(count(&text, "class=\"card signature\""), 2, "{text}");
    assert_eq!(count(&text, untrusted), 1 + 2, "{text}");

    // A Sahih-signed letter, signed again: the first signature says what changed after it.
    let once = sign_through_the_service(&server, &corpus("plain/pdfrs_libreoffice.pdf"));
    let twice = sign_through_the_service(&server, &once.pdf);
    let text = Browser::new(&server)
        .get(&format!("/v/{}", twice.code))
        .text();
    assert!(text.contains("verdict-passed"), "{text}");
    let first = text
        .split("id=\"signature-1\"")
        .nth(1)
        .and_then(|rest| rest.split("id=\"signature-2\"").next())
        .unwrap_or_default();
    assert!(
        first.contains("dokumen hanya berubah dengan cara yang diizinkan")
            && first.contains("dokumen kemudian ditandatangani lagi"),
        "{first}"
    );
    let second = text.split("id=\"signature-2\"").nth(1).unwrap_or_default();
    assert!(
        second.contains("dokumen tidak berubah sejak ditandatangani"),
        "{second}"
    );
}
