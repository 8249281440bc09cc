//! The visible signature as a reader sees it: the signed PDF's page rendered by poppler
//! (`pdftoppm`), the QR code on it read as a phone would (`rqrr`), its URL the document's
//! verification page and its statement verified offline with the instance's log key
//! (`sahih verify-qr`); every earlier signature of the file stays intact for Sahih's verifier
//! and for pdf-oracle (pyHanko, pdfsig, qpdf).
//!
//! Two signing paths: the web application's (`sahih demo` runs citizen → paraf → signature
//! through the same application services), and `sahih sign --visible` on a PDF that already
//! carries a signature.

use std::path::Path;
use std::process::{Command, Output};

use sahih_e2e::http::sahih_bin;
use sahih_e2e::render::{pdftoppm_available, qr_codes, render_page};
use sahih_e2e::{Instance, oracle_available, pdf_oracle, shared_dir};

fn sahih(args: &[&str]) -> Output {
    Command::new(sahih_bin())
        .args(args)
        .env_remove("SAHIH_KEY_PASSPHRASE")
        .env("SAHIH_LOG", "warn")
        .output()
        .expect("run sahih")
}

fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Pages of `pdf`, by lopdf.
fn pages(pdf: &Path) -> usize {
    lopdf::Document::load(pdf).expect("load").get_pages().len()
}

/// The QR codes on page `page` of `pdf`, rendered at 200 dpi.
fn qr_on_page(pdf: &Path, page: usize) -> Vec<String> {
    let image = render_page(pdf, page, 200).expect("render");
    qr_codes(&image)
}

/// `sahih verify-qr --key KEY --pdf PDF PAYLOAD`.
fn verify_qr(key: &str, pdf: &Path, payload: &str) -> Output {
    sahih(&["verify-qr", "--key", key, "--pdf", &s(pdf), payload])
}

/// The verifier key of a log signing key file, as `GET /log/key` publishes it.
fn verifier_key(key_file: &Path) -> String {
    let text = std::fs::read_to_string(key_file).expect("log key");
    sahih_tlog::SignerKey::parse(text.trim())
        .expect("log key parses")
        .verifier_key()
        .to_string()
}

fn assert_all_signatures_accepted(pdf: &Path, ca: &Path, signatures: usize) {
    let verify = sahih(&["verify", "--trust", &s(ca), "--format", "json", &s(pdf)]);
    assert!(verify.status.success(), "{}", text(&verify));
    let report: serde_json::Value = serde_json::from_slice(&verify.stdout).expect("json report");
    assert_eq!(
        report["signatures"].as_array().map(Vec::len),
        Some(signatures),
        "{report}"
    );
    if oracle_available() {
        let oracle = pdf_oracle(pdf, &[ca]).expect("pdf-oracle");
        assert!(
            oracle.ok,
            "pdf-oracle refused {}: {}",
            pdf.display(),
            oracle.json
        );
    }
}

#[test]
fn the_web_signing_path_draws_a_qr_code_that_opens_the_verification_page_and_verifies() {
    if !pdftoppm_available() {
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("out");
    let certs = tmp.path().join("certs");
    let input = shared_dir().join("corpus/plain/pdfrs_libreoffice.pdf");
    let instance = Instance::new(out.join("data"));
    let demo = instance
        .sahih(&["demo", "--input", &s(&input), "--out", &s(&out)])
        .args(["--certs", &s(&certs)])
        .env_remove("SAHIH_KEY_PASSPHRASE")
        .env("SAHIH_LOG", "warn")
        .output()
        .expect("run sahih demo");
    assert!(demo.status.success(), "{}", text(&demo));
    let stdout = String::from_utf8_lossy(&demo.stdout);
    let code = stdout
        .split("/v/")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("demo prints the verification code");
    let signed = out.join("signed.pdf");

    // The specimen is on the last page, by default.
    let last = pages(&signed);
    let found = qr_on_page(&signed, last);
    assert_eq!(found.len(), 1, "one QR code on the last page: {found:?}");
    let (url, statement) = found[0]
        .split_once("#s=")
        .expect("a statement in the fragment");
    assert!(
        url.ends_with(&format!("/v/{code}")),
        "the QR code opens this document's verification page: {url}"
    );
    assert!(url.starts_with("http"), "{url}");
    assert!(!statement.is_empty());

    // The statement verifies with the instance's log key, and names this document.
    let key = verifier_key(&out.join("data/log-signing.key"));
    let checked = verify_qr(&key, &signed, &found[0]);
    assert!(checked.status.success(), "{}", text(&checked));
    assert!(
        String::from_utf8_lossy(&checked.stdout).contains("nomor surat: "),
        "{}",
        text(&checked)
    );
    // Not with another key.
    let other = sahih_tlog::SignerKey::from_seed("sahih.local/log", &[1; 32])
        .expect("key")
        .verifier_key()
        .to_string();
    assert_eq!(verify_qr(&other, &signed, &found[0]).status.code(), Some(1));

    assert_all_signatures_accepted(&signed, &out.join("ca.pem"), 1);
}

#[test]
fn sign_visible_keeps_an_earlier_signature_and_its_qr_statement_verifies_offline() {
    if !pdftoppm_available() {
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let certs = tmp.path().join("certs");
    let init = sahih(&["keys", "dev-init", "--dir", &s(&certs)]);
    assert!(init.status.success(), "{}", text(&init));
    let ca = certs.join("ca.pem");
    let sign = |key: &str, input: &Path, out: &Path, extra: &[&str]| {
        let key_file = s(&certs.join(format!("{key}.key.pem")));
        let cert_file = s(&certs.join(format!("{key}.cert.pem")));
        let mut args = vec![
            "sign",
            "--key",
            &key_file,
            "--cert",
            &cert_file,
            "--passphrase-file",
        ];
        let pass = tmp.path().join("pass");
        std::fs::write(&pass, sahih_web::seed::DEMO_KEY_PASSPHRASE).expect("pass");
        let pass = s(&pass);
        let ca = s(&ca);
        let (input, out) = (s(input), s(out));
        args.extend([pass.as_str(), "--chain", &ca]);
        args.extend(extra);
        args.extend([input.as_str(), "-o", &out]);
        sahih(&args)
    };

    // An earlier, invisible signature (a verifier's paraf), then the official's visible one.
    let input = shared_dir().join("corpus/plain/pdfrs_libreoffice.pdf");
    let paraf = tmp.path().join("paraf.pdf");
    let first = sign("verifikator", &input, &paraf, &[]);
    assert!(first.status.success(), "{}", text(&first));
    let log_key = sahih_tlog::SignerKey::from_seed("sahih.test/log", &[5; 32]).expect("key");
    let log_key_file = tmp.path().join("log-signing.key");
    std::fs::write(&log_key_file, log_key.to_secret_string().as_bytes()).expect("write key");
    let url = "https://sahih.kota.go.id/v/0123456789abcdef0123456789abcdef01234567";
    let signed = tmp.path().join("signed.pdf");
    let second = sign(
        "penandatangan",
        &paraf,
        &signed,
        &[
            "--visible",
            "1,360,40,220,100",
            "--nomor-surat",
            "503/0012/DPMPTSP/XI/2026",
            "--qr-url",
            url,
            "--statement-key",
            &s(&log_key_file),
            "--log-index",
            "41",
        ],
    );
    assert!(second.status.success(), "{}", text(&second));

    let found = qr_on_page(&signed, 1);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].starts_with(&format!("{url}#s=")), "{}", found[0]);
    let key = log_key.verifier_key().to_string();
    let checked = verify_qr(&key, &signed, &found[0]);
    assert!(checked.status.success(), "{}", text(&checked));
    let said = String::from_utf8_lossy(&checked.stdout).into_owned();
    for needed in ["nomor surat: 503/0012/DPMPTSP/XI/2026", "log index: 41"] {
        assert!(said.contains(needed), "{said}");
    }
    // The statement's document is the file with the paraf: the signed revision's input.
    let paraf_len = std::fs::metadata(&paraf).expect("paraf").len();
    assert!(
        said.contains(&format!("its first {paraf_len} bytes")),
        "{said}"
    );
    // A statement with one character changed is refused.
    let mut tampered = found[0].clone();
    let last = tampered.pop().expect("non-empty");
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    assert_eq!(verify_qr(&key, &signed, &tampered).status.code(), Some(1));

    assert_all_signatures_accepted(&signed, &ca, 2);
}

#[test]
fn a_specimen_outside_the_page_is_refused_with_a_reason() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let certs = tmp.path().join("certs");
    let init = sahih(&["keys", "dev-init", "--dir", &s(&certs)]);
    assert!(init.status.success(), "{}", text(&init));
    let pass = tmp.path().join("pass");
    std::fs::write(&pass, sahih_web::seed::DEMO_KEY_PASSPHRASE).expect("pass");
    let out = tmp.path().join("out.pdf");
    let refused = sahih(&[
        "sign",
        "--key",
        &s(&certs.join("penandatangan.key.pem")),
        "--cert",
        &s(&certs.join("penandatangan.cert.pem")),
        "--passphrase-file",
        &s(&pass),
        "--visible",
        "1,5000,40,170,90",
        &s(&shared_dir().join("corpus/plain/pdfrs_libreoffice.pdf")),
        "-o",
        &s(&out),
    ]);
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    let reason = String::from_utf8_lossy(&refused.stderr);
    assert!(reason.contains("E_SPECIMEN_PLACEMENT"), "{reason}");
    assert!(reason.contains("does not fit page 1"), "{reason}");
    assert!(!out.exists(), "nothing is written when signing is refused");
}
