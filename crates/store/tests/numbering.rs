//! Nomor surat on a fresh SQLite file per test: numbers are given at signing, per agency,
//! classification and year, from 1, without gaps or repeats, even under concurrent signing.

mod common;

use common::user;

use std::collections::BTreeSet;

use sahih_store::{
    AllocatedNumber, Change, NewAttachment, NewDocument, NumberRequest, Service, ServiceId, Store,
    StoreError, TxBlobs,
};
use sahih_workflow::{
    AgencyId, DocumentId, DocumentState, Event, FieldKind, FormField, NumberFormat, Numbering,
    Role, RoutingTemplate, Transition, UserId, submit,
};

struct Fixture {
    _dir: tempfile::TempDir,
    store: Store,
    agency: AgencyId,
    citizen: UserId,
    signer: UserId,
    signed_key: String,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("db/sahih.db").display());
    let store = Store::open(&url, &dir.path().join("blobs")).expect("open");
    let agency = store
        .ensure_agency("DPMPTSP", "Licensing office")
        .expect("agency");
    let citizen = user(&store, "warga", Role::Citizen, None);
    let signer = user(&store, "kadis", Role::Signer, Some(agency));
    let signed_key = store.blobs().put(b"%PDF-1.7 signed").expect("blob");
    Fixture {
        _dir: dir,
        store,
        agency,
        citizen,
        signer,
        signed_key,
    }
}

fn service(store: &Store, agency: AgencyId, code: &str) -> ServiceId {
    store
        .ensure_service(&Service {
            id: ServiceId(0),
            agency_id: agency,
            code: code.into(),
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

fn transition(from: DocumentState, to: DocumentState, event: Event) -> Transition {
    Transition {
        from,
        to,
        events: vec![event],
    }
}

fn sign_transition() -> Transition {
    transition(
        DocumentState::Approved,
        DocumentState::Signed,
        Event::Signed,
    )
}

impl Fixture {
    /// A document of `agency` that has its paraf and waits for the signer (version 1).
    fn approved(&self, agency: AgencyId, svc: ServiceId, public_id: &str) -> DocumentId {
        let key = self.store.blobs().put(public_id.as_bytes()).expect("blob");
        let id = self
            .store
            .submit_document(
                &NewDocument {
                    public_id: public_id.into(),
                    service_id: svc,
                    agency_id: agency,
                    applicant_id: self.citizen,
                    form: vec![("nama_usaha".into(), "Warung".into())],
                    attachment: NewAttachment {
                        sha256: key,
                        filename: "a.pdf".into(),
                        size: 1,
                    },
                },
                &submit(),
            )
            .expect("submit");
        let paraf = transition(
            DocumentState::Submitted,
            DocumentState::Approved,
            Event::Paraf { step: 0 },
        );
        self.store
            .apply_transition(id, self.signer, &paraf, 1, &Change::default())
            .expect("paraf");
        id
    }

    fn signed_change(&self, id: DocumentId) -> Change {
        Change {
            signed_sha256: Some(self.signed_key.clone()),
            verification_code: Some(format!("{:040x}", id.0)),
            ..Change::default()
        }
    }

    /// Signs `id` with a number of `classification` in `year`; returns the number given and
    /// the one `sign` was shown.
    fn sign(
        &self,
        id: DocumentId,
        classification: &str,
        year: i32,
    ) -> Result<(AllocatedNumber, Option<AllocatedNumber>), StoreError> {
        let mut seen = None;
        let given = self.store.apply_signature(
            id,
            self.signer,
            &sign_transition(),
            1,
            Some(request(classification, year)),
            |number: Option<&AllocatedNumber>, _: &mut TxBlobs<'_>| {
                seen = number.cloned();
                Ok::<_, StoreError>(self.signed_change(id))
            },
        )?;
        Ok((given.expect("numbered"), seen))
    }
}

fn request(classification: &str, year: i32) -> NumberRequest {
    NumberRequest {
        numbering: Numbering::new(classification, NumberFormat::default()).expect("numbering"),
        agency_code: "DPMPTSP".into(),
        service_code: "sku".into(),
        year,
        month: 11,
    }
}

#[test]
fn concurrent_signers_get_every_number_from_1_to_200_once() {
    let f = fixture();
    let svc = service(&f.store, f.agency, "sku");
    let docs: Vec<DocumentId> = (0..200)
        .map(|i| f.approved(f.agency, svc, &format!("doc-{i}")))
        .collect();
    let given: Vec<(DocumentId, AllocatedNumber)> = std::thread::scope(|scope| {
        let handles: Vec<_> = docs
            .chunks(25)
            .map(|chunk| {
                let f = &f;
                scope.spawn(move || {
                    chunk
                        .iter()
                        .map(|&id| {
                            let (given, seen) = f.sign(id, "503", 2026).expect("signed");
                            assert_eq!(seen.as_ref(), Some(&given), "sign saw the number kept");
                            (id, given)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        assert_eq!(handles.len(), 8);
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("thread"))
            .collect()
    });
    let seqs: BTreeSet<u64> = given.iter().map(|(_, n)| n.seq).collect();
    assert_eq!(seqs, (1..=200).collect::<BTreeSet<u64>>());
    let numbers: BTreeSet<&str> = given.iter().map(|(_, n)| n.number.as_str()).collect();
    assert_eq!(numbers.len(), 200);
    for (id, number) in &given {
        assert_eq!(
            f.store.document_number(*id).expect("read").as_deref(),
            Some(number.number.as_str())
        );
        assert_eq!(
            number.number,
            format!("503/{:04}/DPMPTSP/XI/2026", number.seq)
        );
    }
}

#[test]
fn a_failed_signature_uses_up_no_number() {
    #[derive(Debug)]
    enum SignError {
        Store(StoreError),
        Timestamp,
    }
    impl From<StoreError> for SignError {
        fn from(e: StoreError) -> Self {
            SignError::Store(e)
        }
    }
    impl SignError {
        fn code(&self) -> &'static str {
            match self {
                SignError::Store(e) => e.code(),
                SignError::Timestamp => "E_TIMESTAMP",
            }
        }
    }
    let f = fixture();
    let svc = service(&f.store, f.agency, "sku");
    let first = f.approved(f.agency, svc, "first");
    let second = f.approved(f.agency, svc, "second");
    let timeline = f.store.events(first).expect("events").len();

    let mut offered = None;
    let failed = f.store.apply_signature(
        first,
        f.signer,
        &sign_transition(),
        1,
        Some(request("503", 2026)),
        |number: Option<&AllocatedNumber>, _: &mut TxBlobs<'_>| {
            offered = number.map(|n| n.number.clone());
            Err::<Change, _>(SignError::Timestamp)
        },
    );
    assert_eq!(failed.map_err(|e| e.code()), Err("E_TIMESTAMP"));
    assert_eq!(offered.as_deref(), Some("503/0001/DPMPTSP/XI/2026"));
    let after = f.store.document(first).expect("read").expect("exists");
    assert_eq!(after.state, DocumentState::Approved);
    assert_eq!(after.signed_sha256, None);
    assert_eq!(f.store.document_number(first).expect("read"), None);
    assert_eq!(f.store.events(first).expect("events").len(), timeline);

    let (number, _) = f.sign(second, "503", 2026).expect("signed");
    assert_eq!(number.number, "503/0001/DPMPTSP/XI/2026");
    let (number, _) = f.sign(first, "503", 2026).expect("signed on retry");
    assert_eq!(number.seq, 2);
}

#[test]
fn each_year_classification_and_agency_counts_from_1() {
    let f = fixture();
    let other = f
        .store
        .ensure_agency("DINKES", "Health office")
        .expect("agency");
    let svc = service(&f.store, f.agency, "sku");
    let other_svc = service(&f.store, other, "sip");
    let numbered = |agency, svc, name: &str, classification: &str, year| {
        let id = f.approved(agency, svc, name);
        f.sign(id, classification, year).expect("signed").0
    };
    assert_eq!(numbered(f.agency, svc, "a", "503", 2026).seq, 1);
    assert_eq!(numbered(f.agency, svc, "b", "503", 2026).seq, 2);
    let next_year = numbered(f.agency, svc, "c", "503", 2027);
    assert_eq!(
        (next_year.seq, next_year.number.as_str()),
        (1, "503/0001/DPMPTSP/XI/2027")
    );
    assert_eq!(numbered(f.agency, svc, "d", "000.1.2", 2026).seq, 1);
    assert_eq!(numbered(other, other_svc, "e", "503", 2026).seq, 1);
    assert_eq!(numbered(f.agency, svc, "f", "503", 2026).seq, 3);
}

#[test]
fn a_document_never_gets_two_numbers() {
    let f = fixture();
    let svc = service(&f.store, f.agency, "sku");
    let id = f.approved(f.agency, svc, "once");
    let (first, _) = f.sign(id, "503", 2026).expect("signed");
    let events = f.store.events(id).expect("events");
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["submitted", "paraf", "numbered", "signed"]);

    let mut called = false;
    let again = f.store.apply_signature(
        id,
        f.signer,
        &sign_transition(),
        1,
        Some(request("503", 2026)),
        |_: Option<&AllocatedNumber>, _: &mut TxBlobs<'_>| {
            called = true;
            Ok::<_, StoreError>(f.signed_change(id))
        },
    );
    let error = again.expect_err("refused");
    assert_eq!(error.code(), "E_CONFLICT");
    assert!(!called, "nothing is signed twice");
    assert_eq!(
        f.store.document_number(id).expect("read"),
        Some(first.number)
    );
    let next = f.approved(f.agency, svc, "next");
    assert_eq!(f.sign(next, "503", 2026).expect("signed").0.seq, 2);
}

#[test]
fn a_signature_without_numbering_records_no_number() {
    let f = fixture();
    let svc = service(&f.store, f.agency, "sku");
    let id = f.approved(f.agency, svc, "plain");
    let given = f.store.apply_signature(
        id,
        f.signer,
        &sign_transition(),
        1,
        None,
        |number: Option<&AllocatedNumber>, _: &mut TxBlobs<'_>| {
            assert_eq!(number, None);
            Ok::<_, StoreError>(f.signed_change(id))
        },
    );
    assert_eq!(given.expect("signed"), None);
    let doc = f.store.document(id).expect("read").expect("exists");
    assert_eq!(doc.state, DocumentState::Signed);
    assert_eq!(doc.signed_sha256.as_deref(), Some(f.signed_key.as_str()));
    assert_eq!(f.store.document_number(id).expect("read"), None);
}

#[test]
fn a_number_another_service_already_rendered_is_refused_by_name_and_takes_nothing() {
    let f = fixture();
    let svc = service(&f.store, f.agency, "sku");
    // Classification 1.2 with the default format, and classification 1 with a format whose
    // literal `.2` follows it: both render 1.2/0001/DPMPTSP/XI/2026 from their own counters.
    let one_two = f.approved(f.agency, svc, "a");
    f.sign(one_two, "1.2", 2026).expect("first");
    let clash = f.approved(f.agency, svc, "b");
    let format = NumberFormat::parse("{classification}.2/{seq:04}/{agency}/{month_roman}/{year}")
        .expect("format");
    let request = NumberRequest {
        numbering: Numbering::new("1", format).expect("numbering"),
        ..request("1", 2026)
    };
    let refused = f.store.apply_signature(
        clash,
        f.signer,
        &sign_transition(),
        1,
        Some(request),
        |_: Option<&AllocatedNumber>, _: &mut TxBlobs<'_>| {
            Ok::<_, StoreError>(f.signed_change(clash))
        },
    );
    match refused {
        Err(StoreError::NumberTaken { number }) => assert_eq!(number, "1.2/0001/DPMPTSP/XI/2026"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        StoreError::NumberTaken {
            number: String::new()
        }
        .code(),
        "E_NUMBER_TAKEN"
    );
    let doc = f.store.document(clash).expect("load").expect("doc");
    assert_eq!(doc.state, DocumentState::Approved, "nothing signed");
    assert_eq!(f.store.document_number(clash).expect("number"), None);
}
