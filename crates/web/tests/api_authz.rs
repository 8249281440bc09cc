//! The integration API's authorization matrix: every operation of the OpenAPI document at
//! /api/v1/openapi.json (so that a new endpoint cannot be left out: one without an expectation
//! here fails the test) is called with no key, a revoked key, a key without the operation's
//! scope, a key of another agency's application and malformed Authorization headers. Each
//! answer must be the expected status with its problem `code` as application/problem+json, and
//! nothing may change in the store: no document created, withdrawn or resubmitted. The verify
//! endpoint is open to anyone: without a key it answers, but a revoked key or one without the
//! `verify` scope is refused.

mod common;

use common::api::{SKU, multipart, multipart_type, pending_officer, sku_form};

use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::header::HeaderValue;
use actix_web::{App as ActixApp, test, web};
use sahih_web::AppState;
use sahih_web::app::{App, Scope};
use sahih_web::seed::DEMO_KEY_PASSPHRASE;
use sahih_workflow::{Command, DocumentState, ReturnTo, UserId};
use serde_json::Value;

/// Which of the first agency's documents an operation is called on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// No document: the collection.
    Collection,
    /// A signed document.
    Signed,
    /// A submitted one (a withdrawal would change it).
    Submitted,
    /// One returned for revision (a resubmission would change it).
    Returned,
}

/// A request body and its content type, if the request has one.
type Body = Option<(String, Vec<u8>)>;

/// What an operation needs, and what it is called with.
struct Expectation {
    /// The scope the key needs (`None`: any valid key); `open` operations answer without a
    /// key too.
    scope: Option<Scope>,
    open: bool,
    target: Target,
    /// The request's content type and body: a valid one, so that a call let through by
    /// mistake would act.
    body: fn(&Fixture) -> Body,
}

/// Every operation of the API, by method and path template. A new endpoint needs a row.
fn expectation(method: &str, path: &str) -> Option<Expectation> {
    let e = |scope, open, target, body| {
        Some(Expectation {
            scope,
            open,
            target,
            body,
        })
    };
    match (method, path) {
        ("POST", "/api/v1/documents") => {
            e(Some(Scope::Submit), false, Target::Collection, submission)
        }
        ("GET", "/api/v1/documents") => e(Some(Scope::Read), false, Target::Collection, no_body),
        ("GET", "/api/v1/documents/{id}") => e(Some(Scope::Read), false, Target::Signed, no_body),
        ("GET", "/api/v1/documents/{id}/signed.pdf") => {
            e(Some(Scope::Read), false, Target::Signed, no_body)
        }
        ("GET", "/api/v1/documents/{id}/receipt") => {
            e(Some(Scope::Read), false, Target::Signed, no_body)
        }
        ("POST", "/api/v1/documents/{id}/withdraw") => {
            e(Some(Scope::Submit), false, Target::Submitted, no_body)
        }
        ("POST", "/api/v1/documents/{id}/resubmit") => {
            e(Some(Scope::Submit), false, Target::Returned, resubmission)
        }
        ("POST", "/api/v1/verify") => e(Some(Scope::Verify), true, Target::Collection, pdf_body),
        ("GET", "/api/v1/services") => e(None, false, Target::Collection, no_body),
        _ => None,
    }
}

fn no_body(_: &Fixture) -> Body {
    None
}

fn submission(_: &Fixture) -> Body {
    let metadata = serde_json::json!({"service": SKU, "form": sku_form("Toko Celah")});
    Some((
        multipart_type(),
        multipart(&metadata.to_string(), &common::plain_pdf("Toko Celah")),
    ))
}

fn direct_submission(_: &Fixture) -> Body {
    let metadata =
        serde_json::json!({"service": SKU, "form": sku_form("Toko Langsung"), "route": "direct"});
    Some((
        multipart_type(),
        multipart(&metadata.to_string(), &common::plain_pdf("Toko Langsung")),
    ))
}

fn resubmission(_: &Fixture) -> Body {
    let metadata = serde_json::json!({"form": sku_form("Toko Diperbaiki")});
    Some((
        multipart_type(),
        multipart(&metadata.to_string(), &common::plain_pdf("Perbaikan")),
    ))
}

fn pdf_body(f: &Fixture) -> Body {
    Some(("application/pdf".into(), f.signed_pdf.clone()))
}

/// The instance, its two applications' keys and the first application's documents.
struct Fixture {
    _inst: common::Instance,
    app: App,
    portal: UserId,
    other: UserId,
    /// Every scope, of the licensing office's portal.
    full: String,
    /// Every scope, revoked.
    revoked: String,
    /// Every scope, of the finance agency's e-budgeting application.
    foreign: String,
    signed: String,
    submitted: String,
    returned: String,
    signed_pdf: Vec<u8>,
}

impl Fixture {
    /// A key of the portal with every scope but `without`.
    fn lacking(&self, without: Scope) -> String {
        let scopes: Vec<Scope> = Scope::ALL.into_iter().filter(|s| *s != without).collect();
        self.app
            .create_api_key(self.portal, &scopes, None)
            .expect("key")
            .token
            .to_string()
    }

    fn id(&self, target: Target) -> &str {
        match target {
            Target::Collection => "",
            Target::Signed => &self.signed,
            Target::Submitted => &self.submitted,
            Target::Returned => &self.returned,
        }
    }

    /// What the store holds for both applications: every document's id, state, version and
    /// number of events.
    fn snapshot(&self) -> Vec<(String, String, i64, usize)> {
        let mut all = Vec::new();
        for applicant in [self.portal, self.other] {
            let filter = sahih_store::DocumentFilter {
                limit: 100,
                ..Default::default()
            };
            for d in self
                .app
                .store()
                .documents_of_applicant_page(applicant, &filter)
                .expect("documents")
            {
                let events = self.app.store().events(d.id).expect("events").len();
                all.push((d.public_id, d.state.as_code(), d.version, events));
            }
        }
        all
    }
}

/// The service under test; `to` is `TestRequest::to_request` (its type, actix-http's
/// `Request`, is not re-exported by actix-web).
struct Api<'a, S, R> {
    svc: &'a S,
    to: fn(test::TestRequest) -> R,
}

impl<S, R> Api<'_, S, R>
where
    S: Service<R, Response = ServiceResponse, Error = actix_web::Error>,
{
    async fn send(&self, req: test::TestRequest) -> ServiceResponse {
        test::call_service(self.svc, (self.to)(req)).await
    }
}

/// Submits through the API with the full key; the document's public id.
async fn submit<S, R>(api: &Api<'_, S, R>, token: &str, name: &str) -> String
where
    S: Service<R, Response = ServiceResponse, Error = actix_web::Error>,
{
    let metadata = serde_json::json!({"service": SKU, "form": sku_form(name)});
    let res = api
        .send(
            test::TestRequest::post()
                .uri("/api/v1/documents")
                .insert_header(("authorization", format!("Bearer {token}")))
                .insert_header(("content-type", multipart_type()))
                .set_payload(multipart(&metadata.to_string(), &common::plain_pdf(name))),
        )
        .await;
    assert_eq!(res.status(), 201);
    let json: Value = test::read_body_json(res).await;
    json["id"].as_str().expect("id").to_owned()
}

fn state(app: App) -> web::Data<AppState> {
    web::Data::new(AppState {
        app,
        secure_cookies: false,
        public_url: Some("https://sahih.kota.example".into()),
    })
}

/// What a refused call must answer.
#[derive(Debug, Clone, Copy)]
struct Refusal {
    status: u16,
    code: &'static str,
}

const MISSING: Refusal = Refusal {
    status: 401,
    code: "E_API_KEY_MISSING",
};
const REVOKED: Refusal = Refusal {
    status: 401,
    code: "E_API_KEY_REVOKED",
};
const INVALID: Refusal = Refusal {
    status: 401,
    code: "E_API_KEY_INVALID",
};
const SCOPE: Refusal = Refusal {
    status: 403,
    code: "E_SCOPE_MISSING",
};
const NOT_FOUND: Refusal = Refusal {
    status: 404,
    code: "E_NOT_FOUND",
};
const NOT_YOUR_AGENCY: Refusal = Refusal {
    status: 403,
    code: "E_NOT_YOUR_AGENCY",
};

/// Authorization header values that are not a usable key.
fn malformed(f: &Fixture) -> Vec<HeaderValue> {
    let wrong_secret = {
        let (head, _) = f.full.rsplit_once('_').expect("token shape");
        format!("Bearer {head}_{}", "0".repeat(64))
    };
    let mut values: Vec<HeaderValue> = [
        String::new(),
        "Bearer".into(),
        "Bearer ".into(),
        format!("Basic {}", "dXNlcjpwYXNz"),
        format!("Token {}", f.full),
        format!("Bearer {} extra", f.full),
        format!("Bearer {}x", f.full),
        "Bearer sahih_0123456789ab_zz".into(),
        "Bearer sahih_".into(),
        wrong_secret,
    ]
    .iter()
    .map(|v| HeaderValue::from_str(v).expect("header"))
    .collect();
    values.push(HeaderValue::from_bytes(b"Bearer \xff\xfe").expect("opaque header"));
    values
}

#[actix_web::test]
async fn every_operation_refuses_callers_it_must_refuse_and_changes_nothing() {
    let inst = common::instance();
    let app = inst.app.clone();
    let store = app.store();
    let dpmptsp = store
        .agency_by_code("DPMPTSP")
        .expect("db")
        .expect("agency");
    let bpkad = store.agency_by_code("BPKAD").expect("db").expect("agency");
    let portal = app
        .ensure_api_application(dpmptsp.id, "portal-perizinan", "Portal Perizinan")
        .expect("portal");
    let other = app
        .ensure_api_application(bpkad.id, "e-budgeting", "e-Budgeting BPKAD")
        .expect("e-budgeting");
    let key = |user| {
        app.create_api_key(user, &Scope::ALL, None)
            .expect("key")
            .token
            .to_string()
    };
    let (full, revoked, foreign) = (key(portal.user), key(portal.user), key(other.user));
    let revoked_id = revoked.split('_').nth(1).expect("key id").to_owned();
    store.revoke_api_key(&revoked_id, None).expect("revoke");
    let svc = test::init_service(
        ActixApp::new()
            .app_data(state(app.clone()))
            .configure(sahih_web::configure),
    )
    .await;
    let api = Api {
        svc: &svc,
        to: test::TestRequest::to_request,
    };

    // The portal's documents: one signed, one submitted, one returned for revision.
    let signed = submit(&api, &full, "Warung Bertanda Tangan").await;
    app.paraf(&pending_officer(&app, &signed), &signed, None, None)
        .expect("paraf");
    let signer = pending_officer(&app, &signed);
    let signed_doc = app
        .sign(&signer, &signed, DEMO_KEY_PASSPHRASE.as_bytes(), None)
        .expect("sign");
    assert_eq!(signed_doc.state, DocumentState::Signed);
    let signed_pdf = store
        .blobs()
        .get(signed_doc.signed_sha256.as_deref().expect("signed"))
        .expect("signed pdf");
    let submitted = submit(&api, &full, "Warung Diajukan").await;
    let returned = submit(&api, &full, "Warung Dikembalikan").await;
    app.act(
        &pending_officer(&app, &returned),
        &returned,
        Command::Return {
            comment: "Lampiran KTP belum ada".into(),
            to: ReturnTo::Applicant,
        },
        None,
        None,
    )
    .expect("return");

    let f = Fixture {
        _inst: inst,
        app: app.clone(),
        portal: portal.user,
        other: other.user,
        full,
        revoked,
        foreign,
        signed,
        submitted,
        returned,
        signed_pdf,
    };
    let before = f.snapshot();

    let doc = api
        .send(test::TestRequest::get().uri("/api/v1/openapi.json"))
        .await;
    assert_eq!(doc.status(), 200);
    let doc: Value = test::read_body_json(doc).await;
    let paths = doc["paths"].as_object().expect("paths");
    let mut checked = 0;
    let mut missing = Vec::new();
    for (path, item) in paths {
        for method in [
            "get", "put", "post", "delete", "patch", "head", "options", "trace",
        ] {
            let Some(op) = item.get(method) else { continue };
            let method = method.to_uppercase();
            let Some(expect) = expectation(&method, path) else {
                missing.push(format!("{method} {path}"));
                continue;
            };
            assert_declared_scope(&method, path, op, &expect);
            check_operation(&api, &f, &method, path, &expect).await;
            assert_eq!(f.snapshot(), before, "{method} {path} changed the store");
            checked += 1;
        }
    }
    assert!(
        missing.is_empty(),
        "operations without an expectation in this matrix (add a row to `expectation`): {missing:?}"
    );
    assert!(checked >= 8, "the document lists {checked} operations");

    // A direct submission needs its own scope, even with documents:submit.
    let key = f.lacking(Scope::SubmitDirect);
    let direct = Expectation {
        scope: Some(Scope::SubmitDirect),
        open: false,
        target: Target::Collection,
        body: direct_submission,
    };
    let res = call(&api, &f, "POST", "/api/v1/documents", &direct, auth(&key)).await;
    assert_refused(res, SCOPE, "direct submission without its scope").await;
    assert_eq!(
        f.snapshot(),
        before,
        "a refused direct submission changed the store"
    );
}

/// The OpenAPI document names the scope the matrix expects (and the open operation allows
/// calls without a key).
fn assert_declared_scope(method: &str, path: &str, op: &Value, expect: &Expectation) {
    let security = op["security"]
        .as_array()
        .expect("every operation declares security");
    let scopes: Vec<&str> = security
        .iter()
        .filter_map(|s| s["api_key"].as_array())
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let expected: Vec<&str> = expect.scope.iter().map(|s| s.as_str()).collect();
    assert_eq!(scopes, expected, "{method} {path}: the document's scopes");
    let anonymous = security
        .iter()
        .any(|s| s.as_object().is_some_and(|o| o.is_empty()));
    assert_eq!(
        anonymous, expect.open,
        "{method} {path}: open to callers without a key"
    );
}

fn auth(token: &str) -> Option<HeaderValue> {
    Some(HeaderValue::from_str(&format!("Bearer {token}")).expect("header"))
}

async fn call<S, R>(
    api: &Api<'_, S, R>,
    f: &Fixture,
    method: &str,
    path: &str,
    expect: &Expectation,
    authorization: Option<HeaderValue>,
) -> ServiceResponse
where
    S: Service<R, Response = ServiceResponse, Error = actix_web::Error>,
{
    let uri = path.replace("{id}", f.id(expect.target));
    let mut req = match method {
        "GET" => test::TestRequest::get(),
        "POST" => test::TestRequest::post(),
        "PUT" => test::TestRequest::put(),
        "DELETE" => test::TestRequest::delete(),
        "PATCH" => test::TestRequest::patch(),
        other => panic!("no request builder for {other}"),
    }
    .uri(&uri);
    if let Some(value) = authorization {
        req = req.insert_header(("authorization", value));
    }
    if let Some((content_type, body)) = (expect.body)(f) {
        req = req
            .insert_header(("content-type", content_type))
            .set_payload(body);
    }
    api.send(req).await
}

/// The answer is `want` as application/problem+json (with `WWW-Authenticate` for 401).
async fn assert_refused(res: ServiceResponse, want: Refusal, what: &str) {
    let status = res.status().as_u16();
    let header = |name: &str| {
        res.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let content_type = header("content-type");
    let challenge = header("www-authenticate");
    let body = test::read_body(res).await;
    let text = String::from_utf8_lossy(&body);
    assert_eq!(status, want.status, "{what}: {text}");
    assert_eq!(
        content_type.as_deref(),
        Some("application/problem+json"),
        "{what}"
    );
    let json: Value = serde_json::from_slice(&body).expect("problem JSON");
    assert_eq!(json["code"], want.code, "{what}: {json}");
    assert_eq!(json["status"], want.status, "{what}: {json}");
    if want.status == 401 {
        assert!(
            challenge.is_some_and(|c| c.starts_with("Bearer")),
            "{what}: 401 without WWW-Authenticate: Bearer"
        );
    }
}

/// An answer with status 200 as JSON, the open endpoint's.
async fn assert_answered(res: ServiceResponse, what: &str) -> Value {
    let status = res.status().as_u16();
    let body = test::read_body(res).await;
    assert_eq!(status, 200, "{what}: {}", String::from_utf8_lossy(&body));
    serde_json::from_slice(&body).expect("JSON")
}

async fn check_operation<S, R>(
    api: &Api<'_, S, R>,
    f: &Fixture,
    method: &str,
    path: &str,
    e: &Expectation,
) where
    S: Service<R, Response = ServiceResponse, Error = actix_web::Error>,
{
    let op = format!("{method} {path}");
    // (a) No key.
    let res = call(api, f, method, path, e, None).await;
    if e.open {
        let report = assert_answered(res, &format!("{op} without a key")).await;
        assert!(report["indication"].is_string(), "{op}: {report}");
    } else {
        assert_refused(res, MISSING, &format!("{op} without a key")).await;
    }
    // (b) A revoked key.
    let res = call(api, f, method, path, e, auth(&f.revoked)).await;
    assert_refused(res, REVOKED, &format!("{op} with a revoked key")).await;
    // (c) A key without the operation's scope (where it needs one).
    if let Some(scope) = e.scope {
        let res = call(api, f, method, path, e, auth(&f.lacking(scope))).await;
        assert_refused(res, SCOPE, &format!("{op} without {}", scope.as_str())).await;
    }
    // (d) A key of another agency's application, with every scope.
    let what = format!("{op} with another agency's key");
    let res = call(api, f, method, path, e, auth(&f.foreign)).await;
    match (e.target, method, e.open) {
        (_, _, true) => {
            assert_answered(res, &what).await;
        }
        (Target::Collection, "POST", false) => assert_refused(res, NOT_YOUR_AGENCY, &what).await,
        (Target::Collection, _, false) if path == "/api/v1/services" => {
            let list = assert_answered(res, &what).await;
            let codes: Vec<&str> = list["services"]
                .as_array()
                .expect("services")
                .iter()
                .filter_map(|s| s["code"].as_str())
                .collect();
            assert!(
                !codes.is_empty() && !codes.contains(&SKU),
                "{what}: its own agency's services only: {codes:?}"
            );
        }
        (Target::Collection, _, false) => {
            let page = assert_answered(res, &what).await;
            assert_eq!(
                page["documents"].as_array().map(Vec::len),
                Some(0),
                "{what}: the first agency's documents are not listed: {page}"
            );
        }
        _ => assert_refused(res, NOT_FOUND, &what).await,
    }
    // (e) Malformed Authorization headers.
    for value in malformed(f) {
        let what = format!("{op} with Authorization {value:?}");
        let res = call(api, f, method, path, e, Some(value)).await;
        assert_refused(res, INVALID, &what).await;
    }
}
