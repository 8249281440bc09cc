//! Webhook deliveries in the store: made from events once each (also by two nodes at once),
//! claimed with a lease, one document's in the order of its events, backed off and given up,
//! listed per agency and replayed only by its agency.

mod common;

use sahih_store::{
    Change, DeliveryRetry, NewApiApplication, NewAttachment, NewDocument, Service, ServiceId,
    Store, StoreError, WEBHOOK_CLAIM_LEASE_SECONDS, WEBHOOK_MAX_ATTEMPTS, WebhookEvent,
};
use sahih_workflow::{
    Actor, AgencyId, Command, DocumentId, DocumentState, RoutingTemplate, UserId, decide, submit,
};

struct Setup {
    store: Store,
    agency: AgencyId,
    other_agency: AgencyId,
    service: ServiceId,
    app: UserId,
    guard: common::Guard,
}

fn setup() -> Setup {
    let (dir, store) = common::store();
    let agency = store
        .ensure_agency("DPMPTSP", "Licensing office")
        .expect("agency");
    let other_agency = store
        .ensure_agency("BAPPEDA", "Planning agency")
        .expect("agency");
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
    let app = application(&store, agency, "portal-perizinan");
    Setup {
        guard: dir,
        store,
        agency,
        other_agency,
        service,
        app,
    }
}

fn application(store: &Store, agency: AgencyId, code: &str) -> UserId {
    store
        .create_api_application(&NewApiApplication {
            agency,
            code: code.into(),
            name: code.to_uppercase(),
            login: format!("app.{code}"),
            password_hash: "$argon2id$fake".into(),
            webhook_secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".into(),
        })
        .expect("application")
}

fn submit_as(s: &Setup, applicant: UserId, public_id: &str) -> DocumentId {
    let key = s.store.blobs().put(b"%PDF-1.7 webhook").expect("blob");
    s.store
        .submit_document(
            &NewDocument {
                public_id: public_id.into(),
                service_id: s.service,
                agency_id: s.agency,
                applicant_id: applicant,
                form: Vec::new(),
                attachment: NewAttachment {
                    sha256: key,
                    filename: "a.pdf".into(),
                    size: 16,
                },
            },
            &submit(),
        )
        .expect("submit")
}

fn withdraw(s: &Setup, doc: DocumentId, applicant: UserId) {
    let template = RoutingTemplate::single_paraf();
    let actor = Actor {
        id: applicant,
        role: sahih_workflow::Role::Citizen,
        is_applicant: true,
    };
    let situation = sahih_workflow::Situation {
        state: DocumentState::Submitted,
        template: &template,
        form: &[],
        eligible: &[],
        given: &[],
    };
    let t = decide(&situation, &actor, &Command::Withdraw).expect("withdraw");
    s.store
        .apply_transition(doc, applicant, &t, 1, &Change::default())
        .expect("apply");
}

fn label(e: &WebhookEvent) -> String {
    format!("{}:{}:{}>{}", e.public_id, e.kind, e.from_state, e.to_state)
}

#[test]
fn events_of_the_applications_documents_become_one_delivery_each_after_the_url_is_set() {
    let s = setup();
    let t0 = 1_800_000_000;
    let before = submit_as(&s, s.app, "doc-before");
    s.store
        .set_api_webhook(s.app, Some("http://127.0.0.1:9/hook"))
        .expect("url");
    // Another application without a URL, and a citizen: nothing of theirs is delivered here.
    let quiet = application(&s.store, s.agency, "spt-online");
    let citizen = common::user(&s.store, "warga", sahih_workflow::Role::Citizen, None);
    submit_as(&s, quiet, "doc-quiet");
    submit_as(&s, citizen, "doc-citizen");
    let doc = submit_as(&s, s.app, "doc-1");
    withdraw(&s, doc, s.app);

    let mut seen = Vec::new();
    let queued = s
        .store
        .enqueue_webhook_deliveries(t0, 100, |e| {
            seen.push(label(e));
            format!("body of {}", e.event_id)
        })
        .expect("enqueue");
    assert_eq!(queued, 2);
    assert_eq!(
        seen,
        [
            "doc-1:submitted:submitted>submitted",
            "doc-1:withdrawn:submitted>withdrawn"
        ],
        "oldest first; the document from before the URL was set is not replayed ({before})"
    );
    assert_eq!(
        s.store
            .enqueue_webhook_deliveries(t0, 100, |_| String::new())
            .expect("again"),
        0,
        "the cursor moved past them"
    );

    // One document's deliveries go out in the order of its events: the second waits.
    let due = s.store.claim_due_webhooks(t0, 10).expect("claim");
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].url, "http://127.0.0.1:9/hook");
    assert!(due[0].body.starts_with("body of "));
    assert!(
        !format!("{:?}", due[0]).contains("whsec_"),
        "no secret in Debug"
    );
    assert!(
        s.store
            .claim_due_webhooks(t0, 10)
            .expect("claim")
            .is_empty(),
        "claimed: held by its lease, and the next one waits for it"
    );
    s.store
        .mark_webhook_delivered(due[0].id, 204, t0)
        .expect("delivered");
    let next = s.store.claim_due_webhooks(t0, 10).expect("claim");
    assert_eq!(next.len(), 1);
    assert!(next[0].id > due[0].id);

    // A worker that died mid-attempt: the delivery is claimed again when its lease ends.
    assert!(
        s.store
            .claim_due_webhooks(t0 + WEBHOOK_CLAIM_LEASE_SECONDS - 1, 10)
            .expect("claim")
            .is_empty()
    );
    let again = s
        .store
        .claim_due_webhooks(t0 + WEBHOOK_CLAIM_LEASE_SECONDS, 10)
        .expect("claim");
    assert_eq!(again.iter().map(|d| d.id).collect::<Vec<_>>(), [next[0].id]);
}

#[test]
fn two_nodes_queueing_at_once_queue_each_event_once() {
    let s = setup();
    s.store
        .set_api_webhook(s.app, Some("http://127.0.0.1:9/hook"))
        .expect("url");
    for i in 0..20 {
        submit_as(&s, s.app, &format!("doc-{i}"));
    }
    let second =
        Store::connect(&s.guard.db.url, &s.guard.dir.path().join("blobs")).expect("second node");
    let queued: usize = std::thread::scope(|scope| {
        let nodes = [&s.store, &second].map(|store| {
            scope.spawn(move || {
                let mut n = 0;
                loop {
                    let q = store
                        .enqueue_webhook_deliveries(1_800_000_000, 3, |_| "{}".into())
                        .expect("enqueue");
                    if q == 0 {
                        return n;
                    }
                    n += q;
                }
            })
        });
        nodes.into_iter().map(|n| n.join().expect("node")).sum()
    });
    assert_eq!(queued, 20);
    let log = s
        .store
        .webhook_deliveries(s.agency, None, 200)
        .expect("log");
    assert_eq!(log.len(), 20);
}

#[test]
fn a_failing_delivery_backs_off_doubling_then_is_kept_and_only_its_agency_replays_it() {
    let s = setup();
    let t0 = 1_800_000_000;
    s.store
        .set_api_webhook(s.app, Some("http://127.0.0.1:9/hook"))
        .expect("url");
    submit_as(&s, s.app, "doc-1");
    s.store
        .enqueue_webhook_deliveries(t0, 10, |_| "{}".into())
        .expect("enqueue");
    let id = s.store.claim_due_webhooks(t0, 10).expect("claim")[0].id;
    let mut now = t0;
    let mut delays = Vec::new();
    for attempt in 1..=WEBHOOK_MAX_ATTEMPTS {
        let retry = s
            .store
            .mark_webhook_failed(id, Some(503), "HTTP 503 Service Unavailable", now)
            .expect("failed");
        match retry {
            DeliveryRetry::At(at) => {
                delays.push(at - now);
                assert!(
                    s.store
                        .claim_due_webhooks(at - 1, 10)
                        .expect("c")
                        .is_empty()
                );
                now = at;
                assert_eq!(s.store.claim_due_webhooks(now, 10).expect("c").len(), 1);
            }
            DeliveryRetry::GaveUp => assert_eq!(attempt, WEBHOOK_MAX_ATTEMPTS),
        }
    }
    assert_eq!(&delays[..4], [30, 60, 120, 240]);
    assert_eq!(delays.len() as i64, WEBHOOK_MAX_ATTEMPTS - 1);
    assert!(
        s.store
            .claim_due_webhooks(now + 1_000_000, 10)
            .expect("claim")
            .is_empty(),
        "given up: never claimed again"
    );
    let log = s.store.webhook_deliveries(s.agency, None, 50).expect("log");
    assert_eq!(log.len(), 1);
    assert!(log[0].gave_up());
    assert_eq!(
        (log[0].last_status, log[0].last_error.as_deref()),
        (Some(503), Some("HTTP 503 Service Unavailable"))
    );
    assert_eq!(log[0].application_code, "portal-perizinan");
    assert_eq!(log[0].document, "doc-1");

    // Another agency sees nothing and cannot replay it.
    assert!(
        s.store
            .webhook_deliveries(s.other_agency, None, 50)
            .expect("log")
            .is_empty()
    );
    assert!(matches!(
        s.store.replay_webhook_delivery(id, s.other_agency, now),
        Err(StoreError::NotFound)
    ));
    // Its own agency replays it: due at once, attempts from none.
    s.store
        .replay_webhook_delivery(id, s.agency, now)
        .expect("replay");
    let due = s.store.claim_due_webhooks(now, 10).expect("claim");
    assert_eq!(
        due.iter().map(|d| (d.id, d.attempts)).collect::<Vec<_>>(),
        [(id, 0)]
    );
}

#[test]
fn the_log_pages_newest_first() {
    let s = setup();
    s.store
        .set_api_webhook(s.app, Some("http://127.0.0.1:9/hook"))
        .expect("url");
    for i in 0..5 {
        submit_as(&s, s.app, &format!("doc-{i}"));
    }
    s.store
        .enqueue_webhook_deliveries(1_800_000_000, 10, |_| "{}".into())
        .expect("enqueue");
    let first = s.store.webhook_deliveries(s.agency, None, 2).expect("page");
    assert_eq!(
        first
            .iter()
            .map(|d| d.document.as_str())
            .collect::<Vec<_>>(),
        ["doc-4", "doc-3"]
    );
    let second = s
        .store
        .webhook_deliveries(s.agency, Some(first[1].id), 2)
        .expect("page");
    assert_eq!(
        second
            .iter()
            .map(|d| d.document.as_str())
            .collect::<Vec<_>>(),
        ["doc-2", "doc-1"]
    );
}
