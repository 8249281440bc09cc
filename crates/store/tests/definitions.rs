//! Importing and exporting service definitions, on a fresh database per test.

mod common;

use common::store;

use sahih_store::{Change, NewAttachment, NewDocument, NewUser, ServiceChange, Store, StoreError};
use sahih_workflow::{DocumentState, Event, Role, ServiceDefinition, Transition, UserId, submit};

fn example(name: &str) -> ServiceDefinition {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/services")
        .join(format!("{name}.toml"));
    let text = std::fs::read_to_string(path).expect("example");
    ServiceDefinition::parse_toml(&text).expect("valid example")
}

fn citizen(store: &Store) -> UserId {
    store
        .create_user(&NewUser {
            login: "warga".into(),
            name: "Warga".into(),
            email: None,
            password_hash: "$argon2id$fake".into(),
            role: Role::Citizen,
            agency_id: None,
            position: None,
            cert_pem: None,
            key_pem: None,
        })
        .expect("user")
}

#[test]
fn every_example_exports_as_it_was_imported() {
    let (_guard, store) = store();
    let names = [
        "surat-keterangan-usaha",
        "sppd",
        "dokumen-anggaran",
        "tanda-terima-pajak",
    ];
    for name in names {
        let def = example(name);
        let (id, change) = store.upsert_service(&def).expect("import");
        assert_eq!(
            change,
            ServiceChange::Created {
                agency_created: true
            },
            "{name}"
        );
        assert_eq!(
            store.service_definition(name).expect("export"),
            Some(def.clone())
        );
        let service = store.service(id).expect("load").expect("stored");
        assert_eq!(service.numbering, def.numbering, "the numbering is stored");
        assert_eq!(service.name_en, def.name_en);
        assert_eq!(
            store.upsert_service(&def).expect("again"),
            (id, ServiceChange::Unchanged)
        );
    }
    let exported: Vec<String> = store
        .service_definitions(None)
        .expect("all")
        .into_iter()
        .map(|d| d.code)
        .collect();
    assert_eq!(
        exported,
        [
            "dokumen-anggaran",
            "sppd",
            "surat-keterangan-usaha",
            "tanda-terima-pajak"
        ]
    );
    let agency = store.agency_by_code("BPKAD").expect("q").expect("created");
    assert_eq!(
        agency.name,
        "Badan Pengelolaan Keuangan dan Aset Daerah (BPKAD)"
    );
}

#[test]
fn an_update_changes_the_service_in_place_and_keeps_the_agency_name() {
    let (_guard, store) = store();
    store
        .ensure_agency("DPMPTSP", "Dinas PTSP")
        .expect("agency");
    let mut def = example("surat-keterangan-usaha");
    let (id, change) = store.upsert_service(&def).expect("import");
    assert_eq!(
        change,
        ServiceChange::Created {
            agency_created: false
        }
    );
    def.name_en = "Certificate of Business".into();
    def.steps[0].deadline_days = Some(3);
    assert_eq!(
        store.upsert_service(&def).expect("update"),
        (id, ServiceChange::Updated)
    );
    let back = store
        .service_definition(&def.code)
        .expect("q")
        .expect("exists");
    assert_eq!(back.steps[0].deadline_days, Some(3));
    assert_eq!(back.name_en, "Certificate of Business");
    assert_eq!(
        back.agency_name.as_deref(),
        Some("Dinas PTSP"),
        "not renamed"
    );
}

#[test]
fn a_missing_agency_without_a_name_or_a_broken_definition_is_refused() {
    let (_guard, store) = store();
    let mut def = example("sppd");
    def.agency_name = None;
    let err = store.upsert_service(&def).expect_err("refused");
    assert_eq!(err.code(), "E_SERVICE_DEFINITION");
    assert!(
        err.to_string()
            .contains("sppd: agency: no agency \"BAPPEDA\""),
        "{err}"
    );
    let mut broken = example("sppd");
    broken.form[3].name = "nip".into();
    broken.steps[2].deadline_days = Some(0);
    let err = store.upsert_service(&broken).expect_err("refused");
    assert_eq!(err.code(), "E_SERVICE_DEFINITION");
    assert!(
        err.to_string().contains(
            "form[3].name: \"nip\" is already the name of form[1]; steps[2].deadline_days"
        ),
        "{err}"
    );
    assert!(store.services().expect("q").is_empty(), "nothing stored");
    assert!(
        store.agency_by_code("BAPPEDA").expect("q").is_none(),
        "nor the agency"
    );
}

#[test]
fn the_steps_of_a_service_in_use_keep_their_number_and_order() {
    let (_guard, store) = store();
    let def = example("tanda-terima-pajak");
    let (svc, _) = store.upsert_service(&def).expect("import");
    let agency = store.agency_by_code("BAPENDA").expect("q").expect("agency");
    let applicant = citizen(&store);
    let key = store.blobs().put(b"%PDF-1.7 sspd").expect("blob");
    let doc = store
        .submit_document(
            &NewDocument {
                public_id: "p1".into(),
                service_id: svc,
                agency_id: agency.id,
                applicant_id: applicant,
                form: vec![],
                attachment: NewAttachment {
                    sha256: key,
                    filename: "sspd.pdf".into(),
                    size: 13,
                },
            },
            &submit(),
        )
        .expect("submit");

    let mut longer = def.clone();
    let mut extra = longer.steps[0].clone();
    extra.name = "Verifikasi kedua".into();
    longer.steps.insert(1, extra);
    let mut swapped_names = def.clone();
    swapped_names.steps[0].name = "Cek setoran".into();
    let mut moved = def.clone();
    moved.agency = "DPMPTSP".into();
    moved.agency_name = Some("Dinas PTSP".into());
    for refused in [&longer, &swapped_names, &moved] {
        let err = store.upsert_service(refused).expect_err("in use");
        assert_eq!(err.code(), "E_SERVICE_IN_USE");
        assert!(
            matches!(err, StoreError::ServiceInUse { open: 1, .. }),
            "{err}"
        );
    }
    assert_eq!(
        store.service_definition(&def.code).expect("q"),
        Some(def.clone())
    );

    // What documents on their way do not depend on may change.
    let mut later = def.clone();
    later.steps[1].deadline_days = Some(2);
    later.steps[0].assignees.position = Some("Petugas Verifikasi Pajak".into());
    later.form.pop();
    assert_eq!(
        store.upsert_service(&later).expect("allowed").1,
        ServiceChange::Updated
    );

    // Once the document is closed, the route may change.
    let withdrawn = Transition {
        from: DocumentState::Submitted,
        to: DocumentState::Withdrawn,
        events: vec![Event::Withdrawn],
    };
    store
        .apply_transition(doc, applicant, &withdrawn, 1, &Change::default())
        .expect("withdraw");
    assert_eq!(
        store.upsert_service(&longer).expect("free").1,
        ServiceChange::Updated
    );
    let stored = store.service(svc).expect("q").expect("same id");
    assert_eq!(stored.template.steps.len(), 3);
}

#[test]
fn several_definitions_are_imported_all_or_none() {
    let (_guard, store) = store();
    let sku = example("surat-keterangan-usaha");
    let mut sppd = example("sppd");
    sppd.agency_name = None;
    let err = store
        .upsert_services(&[sku.clone(), sppd.clone()])
        .expect_err("the second is refused");
    assert!(err.to_string().contains("sppd: agency"), "{err}");
    assert!(
        store.services().expect("q").is_empty(),
        "the first is not kept"
    );
    sppd.agency_name = Some("Bappeda".into());
    let done = store.upsert_services(&[sku, sppd]).expect("both");
    assert_eq!(done.len(), 2);
    assert!(done.iter().all(|(_, c)| *c
        == ServiceChange::Created {
            agency_created: true
        }));
}
