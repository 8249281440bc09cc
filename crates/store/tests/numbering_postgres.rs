//! Nomor surat on PostgreSQL (always: a fresh database, dropped afterwards) with more signers
//! at once than a node has pooled connections: each one waits for the counter's row lock
//! holding its connection, so the signature that holds the lock must store its signed PDF
//! without asking the pool for another connection, or every signer of the node waits until the
//! pool times out and the signature fails.

mod common;

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::user;
use diesel::sql_types::BigInt;
use diesel::{Connection, PgConnection, QueryableByName, RunQueryDsl};
use sahih_store::testing::TestDatabase;
use sahih_store::{
    AllocatedNumber, Change, NewAttachment, NewDocument, NumberRequest, Service, ServiceId, Store,
    StoreError, TxBlobs,
};
use sahih_workflow::{
    DocumentId, DocumentState, Event, NumberFormat, Numbering, Role, RoutingTemplate, Transition,
    submit,
};

/// The pool's size (`Store::connect`).
const POOL: usize = 8;

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Backends of this database waiting for a lock.
fn waiting_for_locks(conn: &mut PgConnection) -> i64 {
    diesel::sql_query(
        "SELECT count(*) AS n FROM pg_stat_activity \
         WHERE datname = current_database() AND wait_event_type = 'Lock'",
    )
    .get_result::<Count>(conn)
    .expect("pg_stat_activity")
    .n
}

fn transition(from: DocumentState, to: DocumentState, event: Event) -> Transition {
    Transition {
        from,
        to,
        events: vec![event],
    }
}

#[test]
fn more_signers_than_pooled_connections_all_sign_and_store_their_pdf() {
    let db = TestDatabase::postgres();
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&db.url, &dir.path().join("blobs")).expect("open");
    let agency = store
        .ensure_agency("DPMPTSP", "Licensing office")
        .expect("agency");
    let citizen = user(&store, "warga", Role::Citizen, None);
    let signer = user(&store, "kadis", Role::Signer, Some(agency));
    let service = store
        .ensure_service(&Service {
            id: ServiceId(0),
            agency_id: agency,
            code: "sku".into(),
            name: "Surat Keterangan Usaha".into(),
            description: String::new(),
            description_en: String::new(),
            form: Vec::new(),
            template: RoutingTemplate::single_paraf(),
            name_en: String::new(),
            numbering: None,
        })
        .expect("service");
    let docs: Vec<DocumentId> = (0..=POOL)
        .map(|i| {
            let sha256 = store
                .blobs()
                .put(format!("doc {i}").as_bytes())
                .expect("blob");
            let id = store
                .submit_document(
                    &NewDocument {
                        public_id: format!("doc-{i}"),
                        service_id: service,
                        agency_id: agency,
                        applicant_id: citizen,
                        form: Vec::new(),
                        attachment: NewAttachment {
                            sha256,
                            filename: "a.pdf".into(),
                            size: 5,
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
            store
                .apply_transition(id, signer, &paraf, 1, &Change::default())
                .expect("paraf");
            id
        })
        .collect();

    // The first signature to hold the counter waits until every other connection of the pool
    // waits behind it; then it stores its PDF.
    let first = AtomicBool::new(true);
    let watcher = Mutex::new(PgConnection::establish(&db.url).expect("connect"));
    let started = Instant::now();
    let sign = |id: DocumentId| {
        store.apply_signature(
            id,
            signer,
            &transition(
                DocumentState::Approved,
                DocumentState::Signed,
                Event::Signed,
            ),
            1,
            Some(NumberRequest {
                numbering: Numbering::new("503", NumberFormat::default()).expect("numbering"),
                agency_code: "DPMPTSP".into(),
                service_code: "sku".into(),
                year: 2026,
                month: 11,
            }),
            |number: Option<&AllocatedNumber>, blobs: &mut TxBlobs<'_>| {
                if first.swap(false, Ordering::AcqRel) {
                    let deadline = Instant::now() + Duration::from_secs(20);
                    let mut conn = watcher.lock().expect("watcher");
                    while waiting_for_locks(&mut conn) < POOL as i64 - 1 {
                        assert!(Instant::now() < deadline, "the other signers never queued");
                        std::thread::sleep(Duration::from_millis(20));
                    }
                }
                let seq = number.map(|n| n.seq).unwrap_or_default();
                let sha = blobs.put(format!("signed {seq}").as_bytes())?;
                Ok::<_, StoreError>(Change {
                    signed_sha256: Some(sha),
                    verification_code: Some(format!("{:040x}", id.0)),
                    ..Change::default()
                })
            },
        )
    };
    let results: Vec<Result<Option<AllocatedNumber>, StoreError>> = std::thread::scope(|s| {
        let handles: Vec<_> = docs.iter().map(|&id| s.spawn(move || sign(id))).collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("signer"))
            .collect()
    });
    let mut seqs: Vec<u64> = results
        .into_iter()
        .map(|r| match r {
            Ok(Some(n)) => n.seq,
            other => panic!("a signer failed: {other:?}"),
        })
        .collect();
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=POOL as u64 + 1).collect::<Vec<_>>());
    // Waiting out the pool's 10 s connection timeout is a failure too.
    assert!(
        started.elapsed() < Duration::from_secs(9),
        "the signers stalled for {:?}",
        started.elapsed()
    );
    for (i, id) in docs.iter().enumerate() {
        let doc = store.document(*id).expect("read").expect("exists");
        assert_eq!(doc.state, DocumentState::Signed, "doc {i}");
        let sha = doc.signed_sha256.expect("signed PDF");
        assert!(
            store.blobs().get(&sha).is_ok(),
            "doc {i}: signed PDF stored"
        );
    }
}
