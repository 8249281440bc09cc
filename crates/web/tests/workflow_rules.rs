//! Workflow rules that only show with several officers and documents, on a fresh instance
//! seeded with the demo officers: batch signing (one refusal leaves the rest signed; nothing
//! signed that changed since the queue showed it), an official and their Plt./Plh. counting
//! once in a group, and a form from before a return to an earlier step refused.

mod common;

use common::{instance, plain_pdf, ready_to_sign, ready_to_sign_until, values};
use sahih_web::app::Upload;
use sahih_web::seed::{DEMO_KEY_PASSPHRASE, demo_services};
use sahih_workflow::{Command, DocumentState};

#[test]
fn batch_signing_signs_the_rest_when_one_fails_and_says_why() {
    let inst = instance();
    let app = &inst.app;
    let first = ready_to_sign(&inst, "tanda-terima-pajak", "0", 1);
    let second = ready_to_sign(&inst, "tanda-terima-pajak", "0", 2);
    // A third still waits for its verifier's paraf: not the official's to sign yet.
    let citizen = app
        .store()
        .user_by_login("warga")
        .expect("load")
        .expect("warga")
        .0;
    let def = demo_services()
        .expect("examples")
        .into_iter()
        .find(|d| d.code == "tanda-terima-pajak")
        .expect("example");
    let form = values(&def, "0");
    let early = app
        .submit(
            &citizen,
            "tanda-terima-pajak",
            |name| form.get(name).cloned(),
            &Upload {
                filename: "b.pdf".into(),
                bytes: plain_pdf("early"),
            },
        )
        .expect("submit")
        .public_id;
    let official = app
        .store()
        .user_by_login("kabid-pajak")
        .expect("load")
        .expect("signer")
        .0;
    let ids: Vec<sahih_web::app::BatchItem> = [&first, &early, &second, &first]
        .into_iter()
        .map(|id| sahih_web::app::BatchItem {
            public_id: id.clone(),
            seen: None,
        })
        .collect();

    let wrong = app.sign_batch(&official, &ids, b"not the passphrase");
    assert_eq!(wrong.err().map(|e| e.code()), Some("E_WRONG_PASSPHRASE"));
    let outcomes = app
        .sign_batch(&official, &ids, DEMO_KEY_PASSPHRASE.as_bytes())
        .expect("batch");
    let report: Vec<(&str, Result<DocumentState, &str>)> = outcomes
        .iter()
        .map(|o| {
            (
                o.public_id.as_str(),
                o.result.as_ref().map(|d| d.state).map_err(|e| e.code()),
            )
        })
        .collect();
    assert_eq!(
        report,
        vec![
            (first.as_str(), Ok(DocumentState::Signed)),
            (early.as_str(), Err("E_TRANSITION_NOT_ALLOWED")),
            (second.as_str(), Ok(DocumentState::Signed)),
        ],
        "each document once, in the order asked; the early one refused, the others signed"
    );
    let numbers: Vec<String> = [&first, &second]
        .iter()
        .map(|id| {
            let doc = app
                .store()
                .document_by_public_id(id)
                .expect("load")
                .expect("doc");
            app.store()
                .document_number(doc.id)
                .expect("number")
                .expect("numbered")
        })
        .collect();
    assert_ne!(numbers[0], numbers[1]);
    assert!(numbers[0].starts_with("973/00001/"), "{numbers:?}");
    assert!(numbers[1].starts_with("973/00002/"), "{numbers:?}");
}

#[test]
fn an_official_and_their_acting_official_count_once_in_a_group() {
    let inst = instance();
    let app = &inst.app;
    let login = |l: &str| {
        app.store()
            .user_by_login(l)
            .expect("load")
            .expect("demo officer")
            .0
    };
    let (a1, a2, plh) = (
        login("analis-anggaran-1"),
        login("analis-anggaran-2"),
        login("kabid-perbendaharaan"),
    );
    let now = sahih_store::now();
    let grant = sahih_workflow::Delegation::new(
        a1.id,
        plh.id,
        sahih_workflow::DelegationKind::Plh,
        now - 60,
        now + 86_400,
    )
    .expect("grant");
    app.store()
        .create_delegation(&grant, a1.id)
        .expect("stored");

    // Two documents at the analysts' step (two of three).
    let at_group = |n: usize| {
        let id = ready_to_sign_until(&inst, "dokumen-anggaran", "1000", n, "Telaah");
        app.store()
            .document_by_public_id(&id)
            .expect("load")
            .expect("doc")
    };
    let paraf = |who: &sahih_store::User, doc: &sahih_store::Document| {
        app.paraf(who, &doc.public_id, None, None)
            .map(|d| d.state)
            .map_err(|e| e.code())
    };
    // The official first: their Plh. may not add a second paraf for the same office.
    let first = at_group(10);
    let step = first.state;
    assert_eq!(paraf(&a1, &first), Ok(step));
    assert_eq!(paraf(&plh, &first), Err("E_ALREADY_ACTED"));
    assert_ne!(
        paraf(&a2, &first),
        Ok(step),
        "a second analyst completes the group"
    );
    // The Plh. first: the official has then acted, and the group still needs another analyst.
    let second = at_group(11);
    assert_eq!(paraf(&plh, &second), Ok(step));
    assert_eq!(paraf(&a1, &second), Err("E_NOT_ASSIGNEE"));
    assert_ne!(paraf(&a2, &second), Ok(step));
    // The timeline says on whose behalf the Plh. gave paraf.
    let notes: Vec<String> = app
        .store()
        .events(second.id)
        .expect("events")
        .into_iter()
        .filter(|e| e.kind == "paraf")
        .filter_map(|e| e.comment)
        .collect();
    assert_eq!(
        notes,
        vec![format!("Plh. Analis Anggaran, a.n. {}", a1.name)],
        "only the Plh.'s paraf carries a note"
    );
}

#[test]
fn a_form_from_before_a_return_to_an_earlier_step_is_refused() {
    let inst = instance();
    let app = &inst.app;
    let login = |l: &str| {
        app.store()
            .user_by_login(l)
            .expect("load")
            .expect("officer")
            .0
    };
    let id = ready_to_sign_until(&inst, "dokumen-anggaran", "1000", 20, "Telaah");
    let doc = app
        .store()
        .document_by_public_id(&id)
        .expect("load")
        .expect("doc");
    // What the third analyst's page showed: the analysts' step, version 1, no return yet.
    let stale = sahih_web::app::Seen {
        state: doc.state.as_code(),
        version: doc.version,
        round: Some(0),
    };
    let back = Command::Return {
        comment: "Periksa ulang rincian belanja".into(),
        to: sahih_workflow::ReturnTo::PreviousStep,
    };
    app.act(&login("analis-anggaran-1"), &id, back, None, None)
        .expect("returned to the verifier");
    app.paraf(&login("verifikator-anggaran"), &id, None, None)
        .expect("checked again");
    let now = app
        .store()
        .document_by_public_id(&id)
        .expect("load")
        .expect("doc");
    assert_eq!(
        (now.state, now.version),
        (doc.state, doc.version),
        "looks the same"
    );
    let late = app.paraf(&login("analis-anggaran-3"), &id, None, Some(&stale));
    assert_eq!(late.err().map(|e| e.code()), Some("E_CONFLICT"));
    let fresh = sahih_web::app::Seen {
        round: Some(1),
        ..stale
    };
    app.paraf(&login("analis-anggaran-3"), &id, None, Some(&fresh))
        .expect("a form shown after the return");
}

#[test]
fn a_batch_signs_nothing_that_changed_since_the_queue_showed_it() {
    let inst = instance();
    let app = &inst.app;
    let login = |l: &str| app.store().user_by_login(l).expect("load").expect("user").0;
    let id = ready_to_sign(&inst, "tanda-terima-pajak", "0", 30);
    let shown = app
        .store()
        .document_by_public_id(&id)
        .expect("load")
        .expect("doc");
    let seen = sahih_web::app::Seen {
        state: shown.state.as_code(),
        version: shown.version,
        round: Some(0),
    };
    // Meanwhile: returned to the applicant, resubmitted with another PDF, checked again.
    let official = login("kabid-pajak");
    let back = Command::Return {
        comment: "Setoran belum tercatat".into(),
        to: sahih_workflow::ReturnTo::Applicant,
    };
    app.act(&official, &id, back, None, None).expect("returned");
    let citizen = app
        .store()
        .user(shown.applicant_id)
        .expect("load")
        .expect("citizen");
    let revision = sahih_web::app::Revision {
        values: shown.form.iter().cloned().collect(),
        upload: Some(Upload {
            filename: "baru.pdf".into(),
            bytes: plain_pdf("versi kedua"),
        }),
    };
    app.act(&citizen, &id, Command::Resubmit, Some(&revision), None)
        .expect("resubmitted");
    app.paraf(
        &login("verifikator-pajak"),
        &id,
        Some(DEMO_KEY_PASSPHRASE.as_bytes()),
        None,
    )
    .expect("paraf again");

    let stale = sahih_web::app::BatchItem {
        public_id: id.clone(),
        seen: Some(seen),
    };
    let outcome = app
        .sign_batch(&official, &[stale], DEMO_KEY_PASSPHRASE.as_bytes())
        .expect("batch");
    assert_eq!(
        outcome[0].result.as_ref().err().map(|e| e.code()),
        Some("E_CONFLICT"),
        "the signer never saw version 2"
    );
    let now = app
        .store()
        .document_by_public_id(&id)
        .expect("load")
        .expect("doc");
    assert_eq!(now.state, DocumentState::Approved, "nothing signed");
}
