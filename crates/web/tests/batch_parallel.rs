//! Batch signing hashes documents on several threads and signs them in the order ticked
//! (issue 9): with about twenty documents, every document is signed once, the nomor surat
//! follow the order ticked with no gap or duplicate, and every signed PDF validates against the
//! instance's CA; a document returned from another thread while the batch runs is either
//! signed or returned, never both, and costs no number.

mod common;

use common::{Instance, instance, ready_to_sign};
use sahih_signing::verify::{Indication, Policy, verify};
use sahih_web::app::{App, BatchItem};
use sahih_web::seed::DEMO_KEY_PASSPHRASE;
use sahih_workflow::{Command, DocumentState};

/// A fresh demo instance and its CA, to validate what it signs.
fn instance_with_ca() -> (Instance, Vec<sahih_signing::Certificate>) {
    let inst = instance();
    let ca = inst.app.config().trust_anchors.clone();
    assert!(!ca.is_empty(), "the instance trusts its CA");
    (inst, ca)
}

/// The running part of a nomor surat `973/00007/...`: 7.
fn sequence(number: &str) -> u32 {
    number
        .split('/')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no sequence in {number}"))
}

/// The document's state, nomor surat and signed PDF.
fn signed_state(app: &App, id: &str) -> (DocumentState, Option<String>, Option<Vec<u8>>) {
    let doc = app
        .store()
        .document_by_public_id(id)
        .expect("load")
        .expect("doc");
    let number = app.store().document_number(doc.id).expect("number");
    let pdf = doc
        .signed_sha256
        .as_ref()
        .map(|sha| app.store().blobs().get(sha).expect("signed blob"));
    (doc.state, number, pdf)
}

/// Why `pdf` does not validate TOTAL-PASSED with exactly `signatures` signatures, if it does
/// not.
fn does_not_verify(
    pdf: &[u8],
    ca: &[sahih_signing::Certificate],
    signatures: usize,
) -> Option<String> {
    let policy = Policy {
        trust_anchors: ca.to_vec(),
        ..Policy::default()
    };
    match verify(pdf, &policy) {
        Ok(r) if r.indication == Indication::TotalPassed && r.signatures.len() == signatures => {
            None
        }
        Ok(r) => Some(format!(
            "{:?} {} with {} signatures",
            r.indication,
            r.reason,
            r.signatures.len()
        )),
        Err(u) => Some(format!("unusable: {}", u.code)),
    }
}

/// The order the documents are ticked in: not the order they were made.
fn ticked<T: Clone>(ids: &[T]) -> Vec<T> {
    let n = ids.len();
    (0..n).map(|i| ids[(i * 7 + 3) % n].clone()).collect()
}

const DOCUMENTS: usize = 20;

#[test]
fn a_parallel_batch_signs_each_document_once_numbered_in_the_order_ticked() {
    let (inst, ca) = instance_with_ca();
    let app = &inst.app;
    let made: Vec<String> = (0..DOCUMENTS)
        .map(|n| ready_to_sign(&inst, "tanda-terima-pajak", "0", 100 + n))
        .collect();
    let order = ticked(&made);
    // Ticked twice: the repeat is signed once.
    let mut items: Vec<BatchItem> = order
        .iter()
        .map(|id| BatchItem {
            public_id: id.clone(),
            seen: None,
        })
        .collect();
    items.push(items[4].clone());
    let official = app
        .store()
        .user_by_login("kabid-pajak")
        .expect("load")
        .expect("signer")
        .0;
    let outcomes = app
        .sign_batch(&official, &items, DEMO_KEY_PASSPHRASE.as_bytes())
        .expect("batch");
    let asked: Vec<&str> = outcomes.iter().map(|o| o.public_id.as_str()).collect();
    let expected: Vec<&str> = order.iter().map(String::as_str).collect();
    assert_eq!(
        asked, expected,
        "one outcome per document, in the order ticked"
    );
    let failed: Vec<String> = outcomes
        .iter()
        .filter_map(|o| {
            o.result
                .as_ref()
                .err()
                .map(|e| format!("{}: {e}", o.public_id))
        })
        .collect();
    assert!(failed.is_empty(), "{failed:?}");

    let mut problems = Vec::new();
    for (i, id) in order.iter().enumerate() {
        let (state, number, pdf) = signed_state(app, id);
        if state != DocumentState::Signed {
            problems.push(format!("{id}: {state:?}"));
        }
        match number.as_deref().map(sequence) {
            Some(s) if s as usize == i + 1 => {}
            other => problems.push(format!("{id} ticked {}: number {other:?}", i + 1)),
        }
        // The paraf (an approval signature) and the official's signature.
        match pdf {
            Some(pdf) => {
                if let Some(why) = does_not_verify(&pdf, &ca, 2) {
                    problems.push(format!("{id}: {why}"));
                }
            }
            None => problems.push(format!("{id}: no signed PDF")),
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn a_document_returned_while_its_batch_runs_is_signed_or_returned_never_both() {
    let (inst, ca) = instance_with_ca();
    let app = &inst.app;
    let made: Vec<String> = (0..DOCUMENTS)
        .map(|n| ready_to_sign(&inst, "tanda-terima-pajak", "0", 200 + n))
        .collect();
    let order = ticked(&made);
    let items: Vec<BatchItem> = order
        .iter()
        .map(|id| BatchItem {
            public_id: id.clone(),
            seen: None,
        })
        .collect();
    let official = app
        .store()
        .user_by_login("kabid-pajak")
        .expect("load")
        .expect("signer")
        .0;
    // Returned from another thread once the batch has signed its third document: the
    // documents ticked last may by then be decided and hashed, not yet signed.
    let watched = order[2].clone();
    let targets: Vec<String> = order[6..].iter().step_by(4).cloned().collect();
    let (outcomes, returned) = std::thread::scope(|scope| {
        let returner = scope.spawn(|| {
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
            while signed_state(app, &watched).0 != DocumentState::Signed
                && std::time::Instant::now() < deadline
            {
                std::thread::yield_now();
            }
            targets
                .iter()
                .map(|id| {
                    let back = Command::Return {
                        comment: "Setoran belum tercatat".into(),
                        to: sahih_workflow::ReturnTo::Applicant,
                    };
                    (id.clone(), app.act(&official, id, back, None, None).is_ok())
                })
                .collect::<Vec<_>>()
        });
        let outcomes = app
            .sign_batch(&official, &items, DEMO_KEY_PASSPHRASE.as_bytes())
            .expect("batch");
        (outcomes, returner.join().expect("returner"))
    });

    eprintln!(
        "returned: {returned:?}; refused by the batch: {:?}",
        outcomes
            .iter()
            .filter_map(|o| o.result.as_ref().err().map(|e| (&o.public_id, e.code())))
            .collect::<Vec<_>>()
    );
    let mut problems = Vec::new();
    let mut expected_sequence = 0;
    for (id, outcome) in order.iter().zip(&outcomes) {
        let (state, number, pdf) = signed_state(app, id);
        let was_returned = returned.iter().any(|(r, ok)| r == id && *ok);
        let was_signed = outcome.result.is_ok();
        if was_returned == was_signed {
            problems.push(format!(
                "{id}: returned {was_returned}, signed {was_signed} ({:?})",
                outcome.result.as_ref().err().map(|e| e.code())
            ));
        }
        if was_signed {
            expected_sequence += 1;
            if state != DocumentState::Signed {
                problems.push(format!("{id}: signed but {state:?}"));
            }
            match number.as_deref().map(sequence) {
                Some(s) if s == expected_sequence => {}
                other => problems.push(format!(
                    "{id}: number {other:?}, expected {expected_sequence}"
                )),
            }
            match pdf {
                Some(pdf) => {
                    if let Some(why) = does_not_verify(&pdf, &ca, 2) {
                        problems.push(format!("{id}: {why}"));
                    }
                }
                None => problems.push(format!("{id}: no signed PDF")),
            }
        } else {
            if state == DocumentState::Signed || number.is_some() || pdf.is_some() {
                problems.push(format!(
                    "{id}: not signed by the batch yet {state:?} {number:?}"
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn two_batches_over_the_same_documents_at_once_sign_each_document_once() {
    // The same official in two tabs: each document is signed by one batch, the other is told
    // why not; numbers have no gap or duplicate, and no PDF carries two official signatures.
    let (inst, ca) = instance_with_ca();
    let app = &inst.app;
    let made: Vec<String> = (0..12)
        .map(|n| ready_to_sign(&inst, "tanda-terima-pajak", "0", 300 + n))
        .collect();
    let official = app
        .store()
        .user_by_login("kabid-pajak")
        .expect("load")
        .expect("signer")
        .0;
    let items = |ids: &[String]| -> Vec<BatchItem> {
        ids.iter()
            .map(|id| BatchItem {
                public_id: id.clone(),
                seen: None,
            })
            .collect()
    };
    let forward = items(&made);
    let backward = items(&made.iter().rev().cloned().collect::<Vec<_>>());
    let (a, b) = std::thread::scope(|scope| {
        let other = scope.spawn(|| {
            app.sign_batch(&official, &backward, DEMO_KEY_PASSPHRASE.as_bytes())
                .expect("batch")
        });
        let a = app
            .sign_batch(&official, &forward, DEMO_KEY_PASSPHRASE.as_bytes())
            .expect("batch");
        (a, other.join().expect("other batch"))
    });
    let mut problems = Vec::new();
    let mut sequences = Vec::new();
    for id in &made {
        let signed_by = [&a, &b]
            .iter()
            .filter(|o| o.iter().any(|o| &o.public_id == id && o.result.is_ok()))
            .count();
        if signed_by != 1 {
            problems.push(format!("{id}: signed by {signed_by} batches"));
        }
        let (state, number, pdf) = signed_state(app, id);
        if state != DocumentState::Signed {
            problems.push(format!("{id}: {state:?}"));
        }
        match number {
            Some(n) => sequences.push(sequence(&n)),
            None => problems.push(format!("{id}: no number")),
        }
        match pdf {
            Some(pdf) => {
                if let Some(why) = does_not_verify(&pdf, &ca, 2) {
                    problems.push(format!("{id}: {why}"));
                }
            }
            None => problems.push(format!("{id}: no signed PDF")),
        }
    }
    sequences.sort_unstable();
    let expected: Vec<u32> = (1..=12).collect();
    if sequences != expected {
        problems.push(format!("numbers {sequences:?}"));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
