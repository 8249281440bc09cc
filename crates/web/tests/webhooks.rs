//! Webhooks received by a real HTTP listener (a raw `TcpListener` on 127.0.0.1): every status
//! change of a document an application submitted arrives in order, signed (Standard Webhooks);
//! a receiver answering 500 gets the same message again after the backoff; a dead URL keeps
//! the delivery undelivered with its error until it is given up; the agency admin sees the log
//! and replays a delivery, an admin of another agency can do neither. Time is stepped with an
//! explicit `now`: nothing sleeps.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::net::TcpListener;
use std::sync::{Arc, Condvar, Mutex};

use actix_web::test as http;
use actix_web::{App as ActixApp, web};
use sahih_store::{NewUser, User, WEBHOOK_MAX_ATTEMPTS};
use sahih_web::AppState;
use sahih_web::app::{ApiCaller, ApiSubmission, App, Scope, Upload, WebhookClient};
use sahih_web::i18n::Lang;
use sahih_web::seed::DEMO_KEY_PASSPHRASE;
use sahih_web::webhook::{SigningSecret, verify};
use sahih_workflow::{DocumentState, Role};
use serde_json::Value;

/// One request the listener received.
#[derive(Debug, Clone)]
struct Received {
    path: String,
    headers: HashMap<String, String>,
    body: Vec<u8>,
}

impl Received {
    fn header(&self, name: &str) -> &str {
        self.headers.get(name).map_or("", String::as_str)
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("json body")
    }
}

/// A webhook receiver on a free port: answers the n-th request with `statuses[n]`, and 200
/// after them; records every request.
struct Receiver {
    url: String,
    received: Arc<(Mutex<Vec<Received>>, Condvar)>,
}

impl Receiver {
    fn start(statuses: Vec<u16>) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
        let received = Arc::new((Mutex::new(Vec::new()), Condvar::new()));
        let log = received.clone();
        // Left running (blocked in accept) until the test process ends.
        std::thread::spawn(move || {
            for (n, stream) in listener.incoming().enumerate() {
                let Ok(mut stream) = stream else { continue };
                let Some(request) =
                    common::api::read_request(&mut stream).map(|(path, headers, body)| Received {
                        path,
                        headers: headers.into_iter().collect(),
                        body,
                    })
                else {
                    continue;
                };
                log.0.lock().expect("log").push(request);
                log.1.notify_all();
                let status = statuses.get(n).copied().unwrap_or(200);
                let body = if status == 200 { "" } else { "boom" };
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status} X\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        Receiver { url, received }
    }

    fn received(&self) -> Vec<Received> {
        self.received.0.lock().expect("log").clone()
    }

    /// What was received once `n` requests were, or when `patience` ran out first.
    fn wait_for(&self, n: usize, patience: std::time::Duration) -> Vec<Received> {
        let (log, arrived) = &*self.received;
        let guard = log.lock().expect("log");
        let (guard, _) = arrived
            .wait_timeout_while(guard, patience, |got| got.len() < n)
            .expect("log");
        guard.clone()
    }
}

/// An application of the licensing office with its webhook at `url`, and a key.
fn application(app: &App, code: &str, url: &str) -> ApiCaller {
    let agency = app
        .store()
        .agency_by_code("DPMPTSP")
        .expect("db")
        .expect("agency");
    let portal = app
        .ensure_api_application(agency.id, code, "Portal Perizinan")
        .expect("application");
    assert!(portal.webhook_secret.starts_with("whsec_"));
    app.store()
        .set_api_webhook(portal.user, Some(url))
        .expect("webhook url");
    let key = app
        .create_api_key(portal.user, &Scope::DEFAULT, None)
        .expect("key");
    app.authenticate_api_key(&key.token).expect("caller")
}

fn submit(app: &App, caller: &ApiCaller, name: &str) -> sahih_store::Document {
    let def = sahih_web::seed::demo_services()
        .expect("examples")
        .into_iter()
        .find(|d| d.code == "surat-keterangan-usaha")
        .expect("sku");
    let mut form: BTreeMap<String, String> = common::values(&def, "10000000").into_iter().collect();
    form.insert("nama_usaha".into(), name.into());
    let (doc, _) = app
        .submit_api(
            caller,
            &ApiSubmission {
                service: "surat-keterangan-usaha".into(),
                form,
                direct: false,
                upload: Upload {
                    filename: "surat.pdf".into(),
                    bytes: common::plain_pdf(name),
                },
            },
            None,
        )
        .expect("submit");
    doc
}

/// Gives paraf until the document waits for the signer, or once when `once`.
fn paraf(app: &App, doc: &sahih_store::Document, once: bool) {
    let service = app.service("surat-keterangan-usaha").expect("service");
    loop {
        let now = app.store().document(doc.id).expect("db").expect("doc");
        if now.state == DocumentState::Approved {
            return;
        }
        let pending = app.pending_step(&now, &service).expect("p").expect("open");
        let officer = app
            .store()
            .user(pending.waiting_for()[0])
            .expect("db")
            .expect("officer");
        app.paraf(
            &officer,
            &doc.public_id,
            Some(DEMO_KEY_PASSPHRASE.as_bytes()),
            None,
        )
        .expect("paraf");
        if once {
            return;
        }
    }
}

fn sign(app: &App, doc: &sahih_store::Document) {
    let service = app.service("surat-keterangan-usaha").expect("service");
    let now = app.store().document(doc.id).expect("db").expect("doc");
    let pending = app.pending_step(&now, &service).expect("p").expect("open");
    let signer = app
        .store()
        .user(pending.waiting_for()[0])
        .expect("db")
        .expect("signer");
    app.sign(
        &signer,
        &doc.public_id,
        DEMO_KEY_PASSPHRASE.as_bytes(),
        None,
    )
    .expect("sign");
}

/// Checks a request's signature as a receiver would, at `now`.
fn assert_signed(r: &Received, caller: &ApiCaller, now: i64) {
    let secret = SigningSecret::parse(&caller.application.webhook_secret).expect("secret");
    assert_eq!(r.header("content-type"), "application/json");
    assert_eq!(r.header("webhook-timestamp"), now.to_string());
    let checked = verify(
        &secret,
        r.header("webhook-id"),
        r.header("webhook-timestamp"),
        r.header("webhook-signature"),
        &r.body,
        now,
    );
    assert_eq!(checked, Ok(()), "{r:?}");
    // Ten minutes later the same request is a replay, and is refused.
    assert!(
        verify(
            &secret,
            r.header("webhook-id"),
            r.header("webhook-timestamp"),
            r.header("webhook-signature"),
            &r.body,
            now + 600,
        )
        .is_err()
    );
}

fn user(app: &App, login: &str, role: Role, agency: &str) -> User {
    let agency = app
        .store()
        .agency_by_code(agency)
        .expect("db")
        .expect("agency");
    let id = app
        .store()
        .create_user(&NewUser {
            login: login.into(),
            name: login.to_uppercase(),
            email: None,
            password_hash: "$argon2id$fake".into(),
            role,
            agency_id: Some(agency.id),
            position: None,
            cert_pem: None,
            key_pem: None,
        })
        .expect("user");
    app.store().user(id).expect("db").expect("user")
}

#[actix_web::test]
async fn every_status_change_arrives_signed_in_order_and_the_agency_admin_replays_one() {
    let inst = common::instance();
    let app = inst.app.clone();
    let receiver = Receiver::start(Vec::new());
    let caller = application(&app, "portal-perizinan", &receiver.url);
    let doc = submit(&app, &caller, "Warung Sari");
    paraf(&app, &doc, false);
    sign(&app, &doc);

    let client = WebhookClient::new();
    let now = sahih_store::now();
    let round = app.deliver_webhooks(&client, now).expect("round");
    let events = app.store().events(doc.id).expect("events");
    assert_eq!(
        (round.queued, round.delivered, round.failed),
        (events.len(), events.len(), 0)
    );
    let got = receiver.received();
    assert_eq!(got.len(), events.len());
    for (r, e) in got.iter().zip(&events) {
        assert_eq!(r.path, "/hook");
        assert_signed(r, &caller, now);
        let body = r.json();
        assert_eq!(body["type"], "document.status_changed");
        assert_eq!(body["data"]["id"], doc.public_id.as_str());
        assert_eq!(body["data"]["service"], "surat-keterangan-usaha");
        assert_eq!(
            (
                body["data"]["event"].as_str(),
                body["data"]["previous_state"].as_str(),
                body["data"]["state"].as_str()
            ),
            (
                Some(e.kind.as_str()),
                // A submission has no state before it.
                Some(e.from_state.as_str()).filter(|_| e.kind != "submitted"),
                Some(e.to_state.as_str())
            ),
            "in the order of the document's history"
        );
        assert_eq!(
            body["data"]["links"]["self"],
            format!("/api/v1/documents/{}", doc.public_id)
        );
    }
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds.first(), Some(&"submitted"));
    assert_eq!(kinds.last(), Some(&"signed"));
    let ids: std::collections::HashSet<&str> = got.iter().map(|r| r.header("webhook-id")).collect();
    assert_eq!(ids.len(), got.len(), "one webhook-id per status change");
    let last = got.last().expect("signed").json();
    assert!(
        last["data"]["nomor_surat"]
            .as_str()
            .is_some_and(|n| n.contains("DPMPTSP")),
        "{last}"
    );
    assert_eq!(
        last["data"]["links"]["signed_pdf"],
        format!("/api/v1/documents/{}/signed.pdf", doc.public_id)
    );
    // Nothing new: the next round sends nothing.
    let idle = app.deliver_webhooks(&client, now + 5).expect("round");
    assert_eq!((idle.queued, idle.delivered), (0, 0));

    // The admin's log, and replay.
    let svc = http::init_service(
        ActixApp::new()
            .app_data(web::Data::new(AppState {
                app: app.clone(),
                secure_cookies: false,
                public_url: None,
            }))
            .configure(sahih_web::configure),
    )
    .await;
    let (admin, _) = app
        .store()
        .user_by_login("admin-dpmptsp")
        .expect("db")
        .expect("admin");
    let other_admin = user(&app, "admin-bappeda", Role::Admin, "BAPPEDA");
    let verifier = user(&app, "verif-2", Role::Verifier, "DPMPTSP");
    let session = |u: &User| {
        let (cookie, visitor) =
            sahih_web::session::new_session(app.store(), Some(u.clone()), Lang::En, false)
                .expect("session");
        (cookie, visitor.csrf)
    };
    let log = app
        .store()
        .webhook_deliveries(admin.agency_id.expect("agency"), None, 50)
        .expect("log");
    let first = log.last().expect("oldest");
    let id = first.id;
    let first_message = sahih_web::webhook::message_id(&caller.application.webhook_secret, id);
    assert!(
        first_message.starts_with("msg_") && !first_message.ends_with(&format!("_{id}")),
        "the id says nothing of the delivery's number: {first_message}"
    );
    assert_eq!(got[0].header("webhook-id"), first_message);

    let page = |u: &User| {
        let (cookie, _) = session(u);
        http::TestRequest::get()
            .uri("/admin/webhook")
            .cookie(cookie)
            .to_request()
    };
    let res = http::call_service(&svc, page(&admin)).await;
    assert_eq!(res.status(), 200);
    let html = String::from_utf8(http::read_body(res).await.to_vec()).expect("utf-8");
    assert!(html.contains(&format!("id=\"delivery-{id}\"")), "{html}");
    assert!(html.contains(&first_message) && html.contains("portal-perizinan"));
    assert!(!html.contains("whsec_"), "the secret is never shown here");
    let res = http::call_service(&svc, page(&other_admin)).await;
    assert_eq!(res.status(), 200);
    let html = String::from_utf8(http::read_body(res).await.to_vec()).expect("utf-8");
    assert!(
        !html.contains(&first_message),
        "another agency's log is not shown"
    );
    let res = http::call_service(&svc, page(&verifier)).await;
    assert_eq!(res.status(), 403);

    let replay = |u: &User, csrf: Option<&str>| {
        let (cookie, token) = session(u);
        http::TestRequest::post()
            .uri(&format!("/admin/webhook/{id}/kirim-ulang"))
            .cookie(cookie)
            .set_form([("csrf", csrf.unwrap_or(&token))])
            .to_request()
    };
    assert_eq!(
        http::call_service(&svc, replay(&other_admin, None))
            .await
            .status(),
        404,
        "another agency's delivery is not found"
    );
    assert_eq!(
        http::call_service(&svc, replay(&verifier, None))
            .await
            .status(),
        403
    );
    assert_eq!(
        http::call_service(&svc, replay(&admin, Some("wrong")))
            .await
            .status(),
        403,
        "no replay without the form's CSRF token"
    );
    assert_eq!(
        receiver.received().len(),
        got.len(),
        "none of those sent anything"
    );
    let res = http::call_service(&svc, replay(&admin, None)).await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers().get("location").map(|v| v.as_bytes()),
        Some(format!("/admin/webhook?dikirim-ulang={id}").as_bytes())
    );
    let later = now + 60;
    let round = app.deliver_webhooks(&client, later).expect("round");
    assert_eq!(round.delivered, 1);
    let all = receiver.received();
    let again = all.last().expect("replayed");
    assert_eq!(all.len(), got.len() + 1);
    assert_eq!(
        again.header("webhook-id"),
        first_message,
        "the same message id"
    );
    assert_eq!(again.body, got[0].body, "the same body");
    assert_signed(again, &caller, later);
}

#[test]
fn a_receiver_answering_500_gets_the_same_message_again_after_the_backoff() {
    let inst = common::instance();
    let app = inst.app.clone();
    let receiver = Receiver::start(vec![500]);
    let caller = application(&app, "portal-perizinan", &receiver.url);
    let doc = submit(&app, &caller, "Warung Sari");
    paraf(&app, &doc, true);
    let client = WebhookClient::new();
    let t0 = sahih_store::now();

    let round = app.deliver_webhooks(&client, t0).expect("round");
    assert_eq!((round.queued, round.delivered, round.failed), (2, 0, 1));
    let first = receiver.received();
    assert_eq!(
        first.len(),
        1,
        "the paraf waits for the submission before it"
    );
    assert_eq!(first[0].json()["data"]["event"], "submitted");
    let agency = app
        .store()
        .agency_by_code("DPMPTSP")
        .expect("db")
        .expect("agency")
        .id;
    let row = app
        .store()
        .webhook_deliveries(agency, None, 50)
        .expect("log")
        .into_iter()
        .find(|d| d.kind == "submitted")
        .expect("row");
    assert_eq!(
        (row.attempts, row.last_status, row.delivered_at),
        (1, Some(500), None)
    );
    assert!(
        row.last_error
            .as_deref()
            .is_some_and(|e| e.starts_with("HTTP 500") && !e.contains("boom")),
        "the status is kept, never what the receiver said (a URL inside the city's network \
         must not make the log a way to read it): {:?}",
        row.last_error
    );
    assert_eq!(row.next_attempt_at, t0 + 30, "first retry after 30 s");

    let early = app.deliver_webhooks(&client, t0 + 29).expect("round");
    assert_eq!((early.delivered, early.failed), (0, 0));
    assert_eq!(receiver.received().len(), 1);

    let round = app.deliver_webhooks(&client, t0 + 30).expect("round");
    assert_eq!((round.delivered, round.failed), (2, 0));
    let all = receiver.received();
    assert_eq!(all.len(), 3);
    assert_eq!(all[1].header("webhook-id"), all[0].header("webhook-id"));
    assert_eq!(all[1].body, all[0].body);
    assert_signed(&all[1], &caller, t0 + 30);
    assert_eq!(all[2].json()["data"]["event"], "paraf");
    assert_ne!(all[2].header("webhook-id"), all[0].header("webhook-id"));
    let row = app
        .store()
        .webhook_deliveries(agency, None, 50)
        .expect("log")
        .into_iter()
        .find(|d| d.id == row.id)
        .expect("row");
    assert_eq!(
        (
            row.attempts,
            row.last_status,
            row.delivered_at,
            row.last_error
        ),
        (1, Some(200), Some(t0 + 30), None)
    );
}

#[test]
fn a_dead_url_keeps_the_delivery_with_its_error_until_it_is_given_up() {
    let inst = common::instance();
    let app = inst.app.clone();
    // A port nobody listens on any more.
    let dead = {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        format!("http://{}/hook", listener.local_addr().expect("addr"))
    };
    let caller = application(&app, "portal-perizinan", &dead);
    submit(&app, &caller, "Warung Sari");
    let client = WebhookClient::new();
    let agency = caller.application.agency;
    let mut now = sahih_store::now();
    for attempt in 1..=WEBHOOK_MAX_ATTEMPTS {
        let round = app.deliver_webhooks(&client, now).expect("round");
        assert_eq!((round.delivered, round.failed), (0, 1), "attempt {attempt}");
        let row = app
            .store()
            .webhook_deliveries(agency, None, 1)
            .expect("log")[0]
            .clone();
        assert_eq!(
            (row.attempts, row.last_status, row.delivered_at),
            (attempt, None, None)
        );
        assert!(
            row.last_error.as_deref().is_some_and(|e| !e.is_empty()),
            "{row:?}"
        );
        assert_eq!(row.gave_up(), attempt == WEBHOOK_MAX_ATTEMPTS);
        now = row.next_attempt_at.max(now);
    }
    let after = app.deliver_webhooks(&client, now + 86_400).expect("round");
    assert_eq!(
        (after.delivered, after.failed),
        (0, 0),
        "given up: not tried again"
    );
}

#[test]
fn the_worker_of_sahih_serve_delivers_a_submission_and_stops_when_dropped() {
    let inst = common::instance();
    let app = inst.app.clone();
    let receiver = Receiver::start(Vec::new());
    let caller = application(&app, "portal-perizinan", &receiver.url);
    let worker = sahih_web::app::WebhookWorker::spawn(&app).expect("worker");
    let doc = submit(&app, &caller, "Warung Sari");
    // Woken by the commit (or, at the latest, by its 5-second tick): waits on the listener,
    // not on a clock.
    let got = receiver.wait_for(1, std::time::Duration::from_secs(60));
    drop(worker);
    assert_eq!(got.len(), 1, "the submission was delivered");
    assert_eq!(got[0].json()["data"]["id"], doc.public_id.as_str());
    assert_eq!(got[0].json()["data"]["event"], "submitted");
    let now: i64 = got[0]
        .header("webhook-timestamp")
        .parse()
        .expect("timestamp");
    assert_signed(&got[0], &caller, now);
}
