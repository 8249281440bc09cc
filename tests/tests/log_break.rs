//! Adversarial regressions for the transparency log, found by breaking it from outside: each
//! test states what docs/transparency-log.md promises and fails while the promise is broken.

use std::process::Command;

use sahih_e2e::Instance;
use sahih_e2e::http::{Browser, Server, sahih_bin};

/// An agent that returns 4xx/5xx as responses, not errors.
fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

/// docs/transparency-log.md, *Receipts*: "Any edit to a receipt fails with a code". A receipt
/// whose events were all removed (or made up for any document pseudonym, with no events) is
/// accepted today: `sahih log verify-receipt` exits 0 and reports "0 events … in the
/// workflow's order", although a document's history always starts with `submitted`.
#[test]
fn a_receipt_without_events_does_not_verify() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let instance = Instance::new(tmp.path().join("data"));
    let server = Server::start(&instance, &tmp.path().join("certs"), &[]);
    let mut anon = Browser::new(&server);
    let key = anon.get("/log/key").text().trim().to_string();
    let checkpoint = anon.get("/log/checkpoint").text();
    assert!(checkpoint.starts_with("sahih.local/log\n"), "{checkpoint}");
    let receipt = serde_json::json!({
        "schema": "sahih-log-receipt/1",
        "document": "00000000000000000000000000000000",
        "checkpoint": checkpoint,
        "leaves": [],
        "pending": 0,
    });
    let path = tmp.path().join("forged-bukti-log.json");
    std::fs::write(&path, receipt.to_string()).expect("write receipt");
    let out = Command::new(sahih_bin())
        .args(["log", "verify-receipt"])
        .arg(&path)
        .args(["--key", &key])
        .output()
        .expect("run sahih log verify-receipt");
    assert_eq!(
        out.status.code(),
        Some(1),
        "a receipt with no events verified: {}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// docs/transparency-log.md, *Public endpoints*: the checkpoint, the key and the tiles are for
/// anyone (monitors, caches, uptime checks). HTTP requires HEAD wherever GET is served
/// (RFC 9110 §9.1); today HEAD on every log resource answers 404, which reads as "this tile or
/// checkpoint does not exist".
#[test]
fn head_on_the_log_resources_is_not_a_404() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let instance = Instance::new(tmp.path().join("data"));
    let server = Server::start(&instance, &tmp.path().join("certs"), &[]);
    let agent = agent();
    for path in ["/log/checkpoint", "/log/key"] {
        let url = format!("{}{path}", server.base);
        let get = agent.get(&url).call().expect("GET");
        assert_eq!(get.status().as_u16(), 200, "GET {path}");
        let head = agent.head(&url).call().expect("HEAD");
        assert_eq!(head.status().as_u16(), 200, "HEAD {path}");
    }
}
