//! Repeated wrong key passphrases lock the officer's signing key for a while: the right
//! passphrase is refused too until the lock ends, nothing is signed, and other officers are
//! not affected.

mod common;

use sahih_web::app::{LOCKOUT, MAX_FAILURES};
use sahih_web::seed::DEMO_KEY_PASSPHRASE;
use sahih_workflow::DocumentState;

#[test]
fn the_fifth_wrong_passphrase_locks_the_signing_key_and_signs_nothing() {
    let inst = common::instance();
    let app = &inst.app;
    let first = common::ready_to_sign(&inst, "surat-keterangan-usaha", "10000000", 1);
    let second = common::ready_to_sign(&inst, "surat-keterangan-usaha", "10000000", 2);
    let signer = common::api::pending_officer(app, &first);
    for attempt in 1..=MAX_FAILURES {
        let e = app
            .sign(&signer, &first, b"tebakan-salah", None)
            .expect_err("a wrong passphrase signs nothing");
        let expected = if attempt < MAX_FAILURES {
            "E_WRONG_PASSPHRASE"
        } else {
            "E_PASSPHRASE_LOCKED"
        };
        assert_eq!(e.code(), expected, "attempt {attempt}: {e}");
    }
    let locked = app
        .sign(&signer, &first, DEMO_KEY_PASSPHRASE.as_bytes(), None)
        .expect_err("the right passphrase waits for the lock to end");
    assert_eq!(locked.code(), "E_PASSPHRASE_LOCKED");
    let waits: u64 = locked
        .to_string()
        .split_whitespace()
        .rev()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .expect("the message says how long, in seconds");
    assert!(
        (1..=LOCKOUT.as_secs()).contains(&waits),
        "waits {waits} s: {locked}"
    );
    for id in [&first, &second] {
        let doc = app
            .store()
            .document_by_public_id(id)
            .expect("db")
            .expect("doc");
        assert_eq!(doc.state, DocumentState::Approved, "nothing was signed");
    }
}
