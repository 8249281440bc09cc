//! schemathesis (PyPI, installed by .ci/run) against a real `sahih serve` with a key made by
//! `sahih apikey create` with every scope: it generates requests for every operation of
//! /api/v1/openapi.json, valid and invalid, and fails on any 5xx, a status code the document
//! does not list for the operation, a content type it does not declare, or a body that breaks
//! the declared schema. Documents in several states are made first (signed, submitted,
//! returned), and their ids given to schemathesis, so the `{id}` operations are reached with
//! real documents and not only answer 404. Bounded: 100 examples an operation, one worker, a
//! fixed seed; the server's rate limit per key is raised for the run.
//!
//! Without schemathesis the test is skipped with a loud line, unless CI is set: then it fails.

mod api_support;

use std::process::Command;

use api_support::{ApiServer, corpus_pdf, return_to_applicant, sign_through};
use sahih_workflow::DocumentState;

/// The schemathesis version .ci/run installs.
const VERSION: &str = "4.32.5";

/// Whether schemathesis can run here; absent with CI set is a failure, not a skip.
fn schemathesis_available() -> bool {
    let found = Command::new("schemathesis")
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned());
    match found {
        Some(version) => {
            if !version.contains(VERSION) {
                eprintln!("schemathesis {VERSION} expected, found: {}", version.trim());
            }
            true
        }
        None => {
            assert!(
                std::env::var_os("CI").is_none(),
                "schemathesis is not installed, but CI is set: python3 -m pip install schemathesis=={VERSION}"
            );
            eprintln!(
                "SKIPPING the schemathesis run LOUDLY: schemathesis is not installed \
                 (python3 -m pip install schemathesis=={VERSION})"
            );
            false
        }
    }
}

#[test]
fn schemathesis_finds_no_server_error_and_no_answer_outside_the_openapi_document() {
    if !schemathesis_available() {
        return;
    }
    // The key's rate limit (120 a minute by default) raised, so that schemathesis runs at
    // full speed and every answer it judges is the operation's own, not a 429.
    let srv = ApiServer::start_with(&[
        "--api-requests-per-minute",
        "100000",
        "--api-burst",
        "10000",
    ]);
    let scopes = [
        "documents:submit",
        "documents:submit-direct",
        "documents:read",
        "verify",
    ];
    let token = srv.key("DPMPTSP", "schemathesis", "Schemathesis", &scopes);

    let app = srv.app();
    let form = serde_json::json!({
        "nama_usaha": "Warung Sari",
        "bidang_usaha": "Kuliner",
        "alamat_usaha": "Jl. Merdeka No. 17",
    });
    let pdf = corpus_pdf("pdfrs_libreoffice.pdf");
    let sku = "surat-keterangan-usaha";
    let signed = srv.submit(&token, sku, &form, &pdf);
    assert_eq!(sign_through(&app, &signed), DocumentState::Signed);
    let returned = srv.submit(&token, sku, &form, &pdf);
    return_to_applicant(&app, &returned, "Lampiran KTP belum ada");
    let submitted = srv.submit(&token, sku, &form, &pdf);
    let ids = [signed, returned, submitted];

    let metadata = serde_json::json!({"service": sku, "form": form}).to_string();
    let config = srv.tmp.path().join("schemathesis.toml");
    let quoted = |v: &[String]| {
        v.iter()
            .map(|s| toml_string(s))
            .collect::<Vec<_>>()
            .join(", ")
    };
    std::fs::write(
        &config,
        format!(
            "# Real values beside generated ones: the documents made above, and a valid\n\
             # submission's metadata.\n\
             [dictionaries.documents]\nvalues = [{}]\n\n\
             [dictionaries.metadata]\nvalues = [{}]\n\n\
             [parameters]\n\
             \"path.id\" = {{ dictionary = \"documents\", probability = 0.7 }}\n\
             \"body.metadata\" = {{ dictionary = \"metadata\", probability = 0.5 }}\n",
            quoted(&ids),
            quoted(&[metadata]),
        ),
    )
    .expect("write schemathesis.toml");
    let reports = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("schemathesis");

    let base = srv.base().to_owned();
    let out = Command::new("schemathesis")
        .arg("--no-color")
        .arg("--config-file")
        .arg(&config)
        .arg("run")
        .arg(format!("{base}/api/v1/openapi.json"))
        .args(["--url", &base])
        .args(["--header", &format!("Authorization: Bearer {token}")])
        .args([
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,\
             response_schema_conformance,response_headers_conformance",
        ])
        .args([
            "--max-examples",
            "30",
            "--seed",
            "20261129",
            "--workers",
            "1",
        ])
        .args(["--request-timeout", "30"])
        .args(["--report", "junit", "--report-dir"])
        .arg(&reports)
        .current_dir(srv.tmp.path())
        .env("NO_COLOR", "1")
        .output()
        .expect("run schemathesis");
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}");
    assert!(
        out.status.success(),
        "schemathesis found answers outside the OpenAPI document (exit {:?}):\n{}\n{}",
        out.status.code(),
        stdout
            .find("FAILURES")
            .map_or(stdout.as_ref(), |at| &stdout[at..]),
        String::from_utf8_lossy(&out.stderr)
    );
    let count = |label: &str| {
        stdout
            .split(label)
            .nth(1)
            .and_then(|rest| {
                rest.split(|c: char| !c.is_ascii_digit())
                    .find(|n| !n.is_empty())
            })
            .and_then(|n| n.parse::<usize>().ok())
    };
    let operations = count("Selected:").expect("schemathesis names the operations");
    assert!(operations >= 8, "{stdout}");
    assert_eq!(
        count("Tested:"),
        Some(operations),
        "every operation is tested:\n{stdout}"
    );
}

/// A TOML basic string.
fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
