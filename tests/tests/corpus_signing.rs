//! Signs every file of `shared/corpus/plain` and `shared/corpus/signed-valid`: each is either
//! signed, and then pyHanko, pdfsig and qpdf accept Sahih's new signature while every earlier
//! signature keeps pyHanko's earlier verdict, or refused with a named reason.

use std::path::Path;

use sahih_e2e::{oracle_available, pdf_oracle, shared_dir};
use sahih_signing::devca::{DevOfficer, dev_init};
use sahih_signing::{SignatureOptions, SignerKey, load_certificates_pem, sign_pdf};

const PASS: &[u8] = b"corpus-test";

struct Pki {
    key: SignerKey,
    cert: sahih_signing::Certificate,
    ca: Vec<sahih_signing::Certificate>,
    ca_path: std::path::PathBuf,
}

fn pki(dir: &Path) -> Pki {
    let officer = DevOfficer {
        login: "signer".into(),
        name: "Budi Santoso".into(),
        position: "Kepala Dinas".into(),
        agency: "DPMPTSP".into(),
    };
    let creds = dev_init(dir, &[officer], PASS).expect("dev_init");
    let key_pem = std::fs::read_to_string(&creds[0].key).expect("key");
    let cert_pem = std::fs::read_to_string(&creds[0].cert).expect("cert");
    let ca_path = dir.join("ca.pem");
    Pki {
        key: SignerKey::from_pem(&key_pem, Some(PASS)).expect("decrypt key"),
        cert: load_certificates_pem(&cert_pem).expect("cert")[0].clone(),
        ca: load_certificates_pem(&std::fs::read_to_string(&ca_path).expect("ca")).expect("ca"),
        ca_path,
    }
}

/// The facts of a pyHanko verdict that Sahih's signature must not change for earlier signatures.
fn facts(row: &serde_json::Value) -> (serde_json::Value, serde_json::Value, serde_json::Value) {
    (
        row["intact"].clone(),
        row["valid"].clone(),
        row["trusted"].clone(),
    )
}

#[test]
fn every_corpus_file_is_signed_and_accepted_or_refused_with_a_reason() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let pki = pki(&tmp.path().join("pki"));
    let oracle = oracle_available();
    let mut refused = Vec::new();
    let mut failures = Vec::new();
    let mut signed_count = 0;
    for category in ["plain", "signed-valid"] {
        let mut files: Vec<_> = std::fs::read_dir(shared_dir().join("corpus").join(category))
            .expect("corpus folder")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "pdf"))
            .collect();
        files.sort();
        for file in files {
            let name = format!(
                "{category}/{}",
                file.file_name()
                    .map(|n| n.to_string_lossy())
                    .unwrap_or_default()
            );
            let pdf = std::fs::read(&file).expect("read");
            match sign_pdf(
                &pdf,
                &pki.key,
                &pki.cert,
                &pki.ca,
                &SignatureOptions::default(),
            ) {
                Err(e) => {
                    assert!(
                        e.is_input_fault(),
                        "{name}: refused for a reason that is not the input's: {e}"
                    );
                    refused.push(format!("{name}: {} ({e})", e.code()));
                }
                Ok(signed) => {
                    signed_count += 1;
                    assert_eq!(
                        &signed.bytes[..pdf.len()],
                        &pdf[..],
                        "{name}: earlier bytes changed"
                    );
                    if !oracle {
                        continue;
                    }
                    let out = tmp.path().join(format!("signed-{signed_count}.pdf"));
                    std::fs::write(&out, &signed.bytes).expect("write");
                    let before = pdf_oracle(&file, &[]).expect("oracle before");
                    let after = pdf_oracle(&out, &[&pki.ca_path]).expect("oracle after");
                    let ours = after
                        .pyhanko_field(&signed.field_name)
                        .cloned()
                        .unwrap_or_default();
                    if ours["bottom_line"] != true || ours["coverage"] != "ENTIRE_FILE" {
                        failures.push(format!("{name}: pyHanko on Sahih's signature: {ours}"));
                    }
                    let pdfsig_last = after.json["pdfsig"]["signatures"]
                        .as_array()
                        .and_then(|s| s.last().cloned())
                        .unwrap_or_default();
                    if pdfsig_last["validation"] != "Signature is Valid." {
                        failures.push(format!(
                            "{name}: pdfsig on Sahih's signature: {pdfsig_last}"
                        ));
                    }
                    if after.json["qpdf"]["ok"] != true {
                        failures.push(format!("{name}: qpdf: {}", after.json["qpdf"]["tail"]));
                    }
                    for row in before.pyhanko_rows() {
                        let field = row["field"].as_str().unwrap_or_default();
                        let now = after.pyhanko_field(field).cloned().unwrap_or_default();
                        let illegal = |r: &serde_json::Value| {
                            r["summary"]
                                .as_str()
                                .unwrap_or_default()
                                .contains("ILLEGAL")
                                || r["modification_level"] == "OTHER"
                        };
                        if illegal(&now) && !illegal(&row) {
                            failures.push(format!(
                                "{name}: Sahih's update counts as an illegal modification for {field}: {row} -> {now}"
                            ));
                        }
                        if facts(&row) != facts(&now) {
                            failures.push(format!(
                                "{name}: earlier signature {field} changed verdict: {row} -> {now}"
                            ));
                        }
                    }
                }
            }
        }
    }
    let report = format!(
        "signed {signed_count} corpus files; refused {}:\n{}",
        refused.len(),
        refused
            .iter()
            .map(|r| format!("  refused {r}\n"))
            .collect::<String>()
    );
    eprint!("{report}");
    // CI prints this file: the refusals belong in the test output even when the test passes.
    let tmpdir = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let _ = std::fs::create_dir_all(tmpdir);
    let _ = std::fs::write(tmpdir.join("corpus-refusals.txt"), &report);
    assert!(
        failures.is_empty(),
        "validators disagree:\n{}",
        failures.join("\n")
    );
    assert!(
        signed_count >= 15,
        "only {signed_count} corpus files could be signed"
    );
}

/// A key of each algorithm DESIGN.md names, certified by the development CA: Ed25519 made by
/// rcgen, RSA-2048 made by OpenSSL (ring cannot generate RSA keys).
fn algorithm_keys(dir: &Path) -> Vec<(&'static str, Vec<u8>)> {
    let ed = rcgen::KeyPair::generate_for(&rcgen::PKCS_ED25519)
        .expect("ed25519")
        .serialize_der();
    let (pem_path, rsa_path) = (dir.join("rsa.pem"), dir.join("rsa.der"));
    let openssl = |args: &[&str]| {
        let status = std::process::Command::new("openssl")
            .args(args)
            .output()
            .expect("openssl")
            .status;
        assert!(status.success(), "openssl {args:?}");
    };
    let (pem, der) = (pem_path.to_string_lossy(), rsa_path.to_string_lossy());
    openssl(&[
        "genpkey",
        "-algorithm",
        "RSA",
        "-pkeyopt",
        "rsa_keygen_bits:2048",
        "-out",
        &pem,
    ]);
    openssl(&[
        "pkcs8", "-topk8", "-nocrypt", "-in", &pem, "-outform", "DER", "-out", &der,
    ]);
    vec![
        ("ed25519", ed),
        ("rsa", std::fs::read(&rsa_path).expect("rsa key")),
    ]
}

#[test]
fn rsa_and_ed25519_signatures_are_accepted_by_pyhanko() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("pki");
    std::fs::create_dir_all(&dir).expect("dir");
    let pdf = std::fs::read(shared_dir().join("corpus/plain/pdfrs_libreoffice.pdf")).expect("pdf");
    let ca_path = dir.join("ca.pem");
    for (alg, der) in algorithm_keys(&dir) {
        let officer = DevOfficer {
            login: alg.into(),
            name: format!("Pejabat {alg}"),
            position: "Kepala Bidang".into(),
            agency: "BAPPEDA".into(),
        };
        let creds = sahih_signing::devca::issue_for_key(&dir, &officer, &der, PASS).expect("issue");
        let key = SignerKey::from_pem(
            &std::fs::read_to_string(&creds.key).expect("key"),
            Some(PASS),
        )
        .expect("key");
        assert_eq!(key.algorithm().as_str(), alg);
        let cert = load_certificates_pem(&std::fs::read_to_string(&creds.cert).expect("cert"))
            .expect("cert")[0]
            .clone();
        let ca =
            load_certificates_pem(&std::fs::read_to_string(&ca_path).expect("ca")).expect("ca");
        let signed = sign_pdf(&pdf, &key, &cert, &ca, &SignatureOptions::default()).expect("sign");
        if !oracle_available() {
            continue;
        }
        let out = tmp.path().join(format!("{alg}.pdf"));
        std::fs::write(&out, &signed.bytes).expect("write");
        let verdict = pdf_oracle(&out, &[&ca_path]).expect("oracle");
        let row = verdict
            .pyhanko_field(&signed.field_name)
            .cloned()
            .unwrap_or_default();
        assert_eq!(row["bottom_line"], true, "{alg}: {row}");
        let mechanism = row["mechanism"].as_str().unwrap_or_default().to_string();
        // sha256WithRSAEncryption in SignerInfo (RFC 5754 §3.2); Ed25519 per RFC 8419.
        let expected = if alg == "rsa" {
            "sha256_rsa"
        } else {
            "ed25519"
        };
        assert_eq!(mechanism, expected, "{alg}");
        if alg == "ed25519" {
            assert_eq!(
                row["digest"], "sha512",
                "RFC 8419 pairs Ed25519 with SHA-512"
            );
        }
        assert!(verdict.ok, "{alg}: validators refuse: {:#}", verdict.json);
    }
}
