//! `sahih verify` as operators' scripts use it: the exit status says the verdict (0
//! TOTAL-PASSED, 1 INDETERMINATE, 2 TOTAL-FAILED, 3 unusable input), `--format json` prints the
//! documented report, and `--signed-revision` writes a signature's signed revision.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn sahih(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sahih"))
        .args(args)
        .env("SAHIH_KEY_PASSPHRASE", "sahih-demo")
        .output()
        .expect("run sahih")
}

fn shared() -> PathBuf {
    std::env::var("SAHIH_SHARED")
        .map(Into::into)
        .unwrap_or_else(|_| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared"))
}

fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// A dev CA and a PDF signed by the demo signing official.
fn signed(tmp: &Path) -> (PathBuf, PathBuf) {
    let certs = tmp.join("certs");
    assert!(
        sahih(&["keys", "dev-init", "--dir", &s(&certs)])
            .status
            .success()
    );
    let out = tmp.join("signed.pdf");
    let o = sahih(&[
        "sign",
        "--key",
        &s(&certs.join("penandatangan.key.pem")),
        "--cert",
        &s(&certs.join("penandatangan.cert.pem")),
        "--chain",
        &s(&certs.join("ca.pem")),
        &s(&shared().join("corpus/plain/pdfrs_libreoffice.pdf")),
        "-o",
        &s(&out),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    (certs.join("ca.pem"), out)
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).expect("JSON on stdout")
}

#[test]
fn the_exit_status_is_the_verdict() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (ca, pdf) = signed(tmp.path());

    let passed = sahih(&["verify", "--trust", &s(&ca), &s(&pdf)]);
    assert_eq!(passed.status.code(), Some(0));
    let text = String::from_utf8_lossy(&passed.stdout);
    assert!(text.starts_with("Verdict: TOTAL-PASSED"), "{text}");
    assert!(
        text.contains("Dr. Rina Wulandari"),
        "the signer is named: {text}"
    );

    let untrusted = sahih(&["verify", "--format", "json", &s(&pdf)]);
    assert_eq!(untrusted.status.code(), Some(1));
    let report = json(&untrusted);
    assert_eq!(report["indication"], "INDETERMINATE");
    assert_eq!(report["sub_indication"], "NO_CERTIFICATE_CHAIN_FOUND");
    assert_eq!(report["signatures"][0]["integrity"]["ok"], true);

    let mut bytes = std::fs::read(&pdf).expect("read");
    // A byte inside the first stream's data: the file still parses, the signed bytes differ.
    let at = bytes
        .windows(7)
        .position(|w| w == b"stream\n")
        .expect("a stream")
        + 12;
    bytes[at] ^= 0x20;
    let tampered = tmp.path().join("tampered.pdf");
    std::fs::write(&tampered, &bytes).expect("write");
    let failed = sahih(&[
        "verify",
        "--trust",
        &s(&ca),
        "--format",
        "json",
        &s(&tampered),
    ]);
    assert_eq!(
        failed.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&failed.stdout)
    );
    assert_eq!(json(&failed)["indication"], "TOTAL-FAILED");

    let garbage = tmp.path().join("garbage.pdf");
    std::fs::write(&garbage, b"not a pdf at all").expect("write");
    let unusable = sahih(&["verify", "--format", "json", &s(&garbage)]);
    assert_eq!(unusable.status.code(), Some(3));
    assert_eq!(json(&unusable)["code"], "E_NOT_PDF");
}

#[test]
fn at_moves_the_validation_time_and_bad_input_is_unusable() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (ca, pdf) = signed(tmp.path());
    let long_ago = sahih(&[
        "verify",
        "--trust",
        &s(&ca),
        "--at",
        "2001-01-01T00:00:00Z",
        "--format",
        "json",
        &s(&pdf),
    ]);
    assert_eq!(long_ago.status.code(), Some(1));
    assert_eq!(json(&long_ago)["sub_indication"], "OUT_OF_BOUNDS_NO_POE");

    let bad_time = sahih(&["verify", "--at", "yesterday", &s(&pdf)]);
    assert_eq!(bad_time.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&bad_time.stdout).contains("E_BAD_TIME"));

    let missing = sahih(&["verify", &s(&tmp.path().join("nope.pdf"))]);
    assert_eq!(missing.status.code(), Some(3));

    // A usage mistake is never mistaken for TOTAL-FAILED (2).
    let typo = sahih(&["verify", "--format", "xml", &s(&pdf)]);
    assert_eq!(typo.status.code(), Some(3));
    let no_out = sahih(&["verify", "--signed-revision", "Sahih-TTE-1", &s(&pdf)]);
    assert_eq!(no_out.status.code(), Some(3));
    assert_eq!(sahih(&["verify", "--help"]).status.code(), Some(0));
}

#[test]
fn the_signed_revision_of_a_signature_can_be_written_out() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (ca, pdf) = signed(tmp.path());
    let out = tmp.path().join("revision.pdf");
    let o = sahih(&[
        "verify",
        "--trust",
        &s(&ca),
        "--signed-revision",
        "Sahih-TTE-1",
        "-o",
        &s(&out),
        &s(&pdf),
    ]);
    assert_eq!(o.status.code(), Some(0));
    // The only signature covers the whole file, so its signed revision is the file.
    assert_eq!(
        std::fs::read(&out).expect("written"),
        std::fs::read(&pdf).expect("read")
    );

    let none = sahih(&[
        "verify",
        "--signed-revision",
        "Nope",
        "-o",
        &s(&out),
        &s(&pdf),
    ]);
    assert_eq!(none.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&none.stderr).contains("E_NO_SUCH_SIGNATURE"));
}
