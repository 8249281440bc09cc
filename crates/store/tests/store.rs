//! The store on a fresh database per test (SQLite, or PostgreSQL with `TEST_DATABASE_URL`).

mod common;

use sahih_store::testing::TestDatabase;
use sahih_store::{
    Change, NewAttachment, NewDocument, NewUser, Service, ServiceId, Store, StoreError,
};
use sahih_workflow::{
    Actor, AgencyId, Command, DocumentState, FieldKind, FormField, Role, RoutingTemplate, decide,
    submit,
};

/// A store on a fresh database; on SQLite its file in a directory that does not exist yet
/// (`Store::open` creates it).
fn store() -> (common::Guard, Store) {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = TestDatabase::new(&dir.path().join("db"));
    let guard = common::Guard { dir, db };
    let store = guard.open();
    (guard, store)
}

fn user(
    store: &Store,
    login: &str,
    role: Role,
    agency: Option<AgencyId>,
) -> sahih_workflow::UserId {
    store
        .create_user(&NewUser {
            login: login.into(),
            name: login.to_uppercase(),
            email: None,
            password_hash: "$argon2id$fake".into(),
            role,
            agency_id: agency,
            position: None,
            cert_pem: None,
            key_pem: None,
        })
        .expect("user")
}

fn service(store: &Store, agency: AgencyId) -> ServiceId {
    store
        .ensure_service(&Service {
            id: ServiceId(0),
            agency_id: agency,
            code: "sku".into(),
            name: "Surat Keterangan Usaha".into(),
            description: "".into(),
            description_en: "".into(),
            form: vec![FormField {
                name: "nama_usaha".into(),
                label_id: "Nama usaha".into(),
                label_en: "Business name".into(),
                kind: FieldKind::Text,
                required: true,
                max_chars: 100,
                options: Vec::new(),
            }],
            template: RoutingTemplate::single_paraf(),
            name_en: String::new(),
            numbering: None,
        })
        .expect("service")
}

#[test]
fn migrations_are_idempotent_and_logins_unique() {
    let (_guard, store) = store();
    assert_eq!(store.migrate().expect("again"), 0);
    user(&store, "warga", Role::Citizen, None);
    let again = store.create_user(&NewUser {
        login: "warga".into(),
        name: "x".into(),
        email: None,
        password_hash: "x".into(),
        role: Role::Citizen,
        agency_id: None,
        position: None,
        cert_pem: None,
        key_pem: None,
    });
    assert!(matches!(again, Err(StoreError::LoginTaken)));
}

#[test]
fn a_document_moves_through_its_states_and_a_stale_transition_is_refused() {
    let (_guard, store) = store();
    let agency = store
        .ensure_agency("DPMPTSP", "Licensing office")
        .expect("agency");
    let other = store
        .ensure_agency("BAPPEDA", "Planning agency")
        .expect("agency");
    let citizen = user(&store, "warga", Role::Citizen, None);
    let verifier = user(&store, "verif", Role::Verifier, Some(agency));
    let svc = service(&store, agency);
    assert_eq!(
        store.service_by_code("sku").expect("svc").map(|s| s.id),
        Some(svc)
    );
    let key = store.blobs().put(b"%PDF-1.7 v1").expect("blob");
    let id = store
        .submit_document(
            &NewDocument {
                public_id: "abc".into(),
                service_id: svc,
                agency_id: agency,
                applicant_id: citizen,
                form: vec![("nama_usaha".into(), "Warung".into())],
                attachment: NewAttachment {
                    sha256: key,
                    filename: "a.pdf".into(),
                    size: 11,
                },
            },
            &submit(),
        )
        .expect("submit");
    assert_eq!(store.agency_open_documents(agency).expect("q").len(), 1);
    assert!(store.agency_open_documents(other).expect("q").is_empty());

    let actor = Actor {
        id: verifier,
        role: Role::Verifier,
        is_applicant: false,
    };
    let ret = decide_single(
        DocumentState::Submitted,
        &actor,
        &Command::Return {
            comment: "Lampiran buram".into(),
            to: sahih_workflow::ReturnTo::Applicant,
        },
    )
    .expect("return");
    store
        .apply_transition(id, verifier, &ret, 1, &Change::default())
        .expect("apply");
    // A second officer acting on the state they loaded earlier loses, and nothing changes.
    let stale = store.apply_transition(id, verifier, &ret, 1, &Change::default());
    assert!(matches!(stale, Err(StoreError::Conflict { .. })));

    let applicant = Actor {
        id: citizen,
        role: Role::Citizen,
        is_applicant: true,
    };
    let resubmit =
        decide_single(DocumentState::Returned, &applicant, &Command::Resubmit).expect("resubmit");
    let v2 = store.blobs().put(b"%PDF-1.7 v2").expect("blob");
    store
        .apply_transition(
            id,
            citizen,
            &resubmit,
            1,
            &Change {
                attachment: Some(NewAttachment {
                    sha256: v2,
                    filename: "b.pdf".into(),
                    size: 11,
                }),
                form: Some(vec![("nama_usaha".into(), "Warung Baru".into())]),
                ..Change::default()
            },
        )
        .expect("apply");
    let doc = store.document(id).expect("doc").expect("exists");
    assert_eq!((doc.state, doc.version), (DocumentState::Submitted, 2));
    let forms: Vec<String> = store
        .attachments(id)
        .expect("att")
        .iter()
        .map(|a| a.form[0].1.clone())
        .collect();
    assert_eq!(
        forms,
        vec!["Warung", "Warung Baru"],
        "each version keeps its own form values"
    );
    assert_eq!(doc.form[0].1, "Warung Baru");
    let versions: Vec<i64> = store
        .attachments(id)
        .expect("att")
        .iter()
        .map(|a| a.version)
        .collect();
    assert_eq!(versions, vec![1, 2]);
    let kinds: Vec<String> = store
        .events(id)
        .expect("events")
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(kinds, vec!["submitted", "returned", "resubmitted"]);
    assert_eq!(
        store.events(id).expect("events")[1].comment.as_deref(),
        Some("Lampiran buram")
    );

    // Paraf decided on what the verifier saw at version 1 must not land on version 2.
    let verifier_actor = Actor {
        id: verifier,
        role: Role::Verifier,
        is_applicant: false,
    };
    let paraf =
        decide_single(DocumentState::Submitted, &verifier_actor, &Command::Paraf).expect("paraf");
    let stale = store.apply_transition(id, verifier, &paraf, 1, &Change::default());
    assert!(matches!(stale, Err(StoreError::Conflict { .. })));
    store
        .apply_transition(id, verifier, &paraf, 2, &Change::default())
        .expect("paraf on what was seen");

    assert_eq!(
        store
            .document(id)
            .expect("doc")
            .map(|d| d.verification_code),
        Some(None),
        "no verification code before signing"
    );

    // Signing records the signed PDF and its verification code together.
    let signer = user(&store, "ttd", Role::Signer, Some(agency));
    let sign = decide_single(
        DocumentState::Approved,
        &Actor {
            id: signer,
            role: Role::Signer,
            is_applicant: false,
        },
        &Command::Sign,
    )
    .expect("sign");
    let signed = store.blobs().put(b"%PDF-1.7 v2 signed").expect("blob");
    let code = "0123456789abcdef0123456789abcdef01234567";
    store
        .apply_transition(
            id,
            signer,
            &sign,
            2,
            &Change {
                signed_sha256: Some(signed.clone()),
                verification_code: Some(code.into()),
                ..Change::default()
            },
        )
        .expect("sign");
    let found = store
        .document_by_verification_code(code)
        .expect("lookup")
        .expect("found by its code");
    assert_eq!(
        (found.id, found.signed_sha256.as_deref()),
        (id, Some(signed.as_str()))
    );
    assert!(
        store
            .document_by_verification_code(&code.replace('0', "1"))
            .expect("lookup")
            .is_none()
    );
}

/// `decide` on the single-paraf route, with the actor assigned to the pending step.
fn decide_single(
    state: DocumentState,
    actor: &Actor,
    command: &Command,
) -> Result<sahih_workflow::Transition, sahih_workflow::WorkflowError> {
    let template = RoutingTemplate::single_paraf();
    let eligible = [actor.id];
    let situation = sahih_workflow::Situation {
        state,
        template: &template,
        form: &[],
        eligible: &eligible,
        given: &[],
    };
    decide(&situation, actor, command)
}
