//! A NUL character (U+0000) in anything a request carries — the path, the query, a form field,
//! a multipart text part, the API's JSON metadata, a service definition — gets a 4xx with a
//! stable code, never a 500, and nothing is stored. (PostgreSQL's `text` cannot hold a NUL:
//! looking up a login, a document id, a service code or a list filter with one failed there
//! with a database error, a 500, where SQLite found nothing.) Runs on either backend, like
//! every web test.

mod common;

use common::api::{BOUNDARY, SKU, multipart, multipart_type, sku_form};

use actix_web::dev::ServiceResponse;
use actix_web::http::header;
use actix_web::{App as ActixApp, test as atest, web};
use sahih_web::AppState;
use sahih_web::app::{App, Scope};
use sahih_web::i18n::Lang;
use serde_json::Value;

fn state(app: &App) -> web::Data<AppState> {
    web::Data::new(AppState {
        app: app.clone(),
        secure_cookies: false,
        public_url: Some("https://sahih.kota.example".into()),
    })
}

/// The API key of the licensing office's portal.
fn token(app: &App) -> String {
    let agency = app
        .store()
        .agency_by_code("DPMPTSP")
        .expect("db")
        .expect("agency")
        .id;
    let portal = app
        .ensure_api_application(agency, "portal-perizinan", "Portal Perizinan")
        .expect("application");
    app.create_api_key(portal.user, &Scope::DEFAULT, None)
        .expect("key")
        .token
        .to_string()
}

/// The status and the stable code of an answer: the problem's `code` (API), or the
/// `X-Sahih-Error` header of an error page (browser).
async fn outcome(res: ServiceResponse) -> (u16, String) {
    let status = res.status().as_u16();
    if let Some(code) = res.headers().get("x-sahih-error") {
        return (status, code.to_str().unwrap_or_default().to_owned());
    }
    let body = atest::read_body(res).await;
    let code = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v["code"].as_str().map(str::to_owned))
        .unwrap_or_else(|| String::from_utf8_lossy(&body).chars().take(60).collect());
    (status, code)
}

/// A session for `login` (a demo user), or an anonymous one: its cookie and CSRF token.
fn session(app: &App, login: Option<&str>) -> (String, String) {
    let user = login.map(|l| {
        app.store()
            .user_by_login(l)
            .expect("db")
            .expect("demo user")
            .0
    });
    let (cookie, visitor) =
        sahih_web::session::new_session(app.store(), user, Lang::En, false).expect("session");
    (
        format!("{}={}", cookie.name(), cookie.value()),
        visitor.csrf,
    )
}

/// The answers that were not the expected ones, reported together at the end of a test.
#[derive(Default)]
struct Mismatches(Vec<String>);

impl Mismatches {
    fn check(&mut self, what: &str, got: (u16, String), status: u16, code: &str) {
        if got != (status, code.to_owned()) {
            self.0.push(format!(
                "{what}: got {got:?}, expected ({status}, {code:?})"
            ));
        }
    }

    fn assert_none(self) {
        assert!(self.0.is_empty(), "\n  {}", self.0.join("\n  "));
    }
}

fn document_count(app: &App) -> usize {
    let citizen = app
        .store()
        .user_by_login("warga")
        .expect("db")
        .expect("citizen")
        .0;
    app.my_documents(&citizen).expect("documents").len()
}

#[actix_web::test]
async fn the_api_refuses_nul_in_paths_queries_and_metadata() {
    let inst = common::instance();
    let app = inst.app.clone();
    let token = token(&app);
    let svc = atest::init_service(
        ActixApp::new()
            .app_data(state(&app))
            .configure(sahih_web::configure),
    )
    .await;
    let mut wrong = Mismatches::default();
    let get = |uri: &str| {
        atest::TestRequest::get()
            .uri(uri)
            .insert_header(("authorization", format!("Bearer {token}")))
            .to_request()
    };
    for (uri, expected) in [
        ("/api/v1/documents/a%00b", (404, "E_NOT_FOUND")),
        ("/api/v1/documents/%00/receipt", (404, "E_NOT_FOUND")),
        ("/api/v1/documents?service=%00", (400, "E_BAD_QUERY")),
        ("/api/v1/documents?state=signed%00", (400, "E_BAD_QUERY")),
        ("/api/v1/documents?cursor=%00abc", (400, "E_BAD_QUERY")),
    ] {
        let got = outcome(atest::call_service(&svc, get(uri)).await).await;
        wrong.check(uri, got, expected.0, expected.1);
    }
    // `%2500` is the text `%00`, not a NUL: an ordinary unknown service.
    let res = atest::call_service(&svc, get("/api/v1/documents?service=%2500")).await;
    assert_ne!(res.status().as_u16(), 500);

    let post = |body: Vec<u8>| {
        atest::TestRequest::post()
            .uri("/api/v1/documents")
            .insert_header(("authorization", format!("Bearer {token}")))
            .insert_header(("content-type", multipart_type()))
            .set_payload(body)
            .to_request()
    };
    let pdf = common::plain_pdf("Warung");
    let mut in_value = sku_form("Warung");
    in_value.insert("nama_usaha".into(), "Warung\u{0}Kopi".into());
    let mut in_name = sku_form("Warung");
    in_name.insert("nama\u{0}usaha".into(), "Warung".into());
    let metadata = [
        // A form value: its field's rule refuses control characters, naming the field.
        (
            serde_json::json!({"service": SKU, "form": in_value}),
            "E_FORM_FIELD_INVALID",
        ),
        (
            serde_json::json!({"service": format!("{SKU}\u{0}"), "form": sku_form("Warung")}),
            "E_METADATA_INVALID",
        ),
        (
            serde_json::json!({"service": SKU, "form": in_name}),
            "E_METADATA_INVALID",
        ),
    ];
    for (m, code) in &metadata {
        let m = m.to_string();
        assert!(m.contains("\\u0000"), "{m}");
        let got = outcome(atest::call_service(&svc, post(multipart(&m, &pdf))).await).await;
        wrong.check(&m, got, 400, code);
    }
    // A raw NUL byte in the metadata part.
    let raw = serde_json::json!({"service": SKU, "form": sku_form("Warung")})
        .to_string()
        .replace("Warung", "Warung\u{0}");
    let got = outcome(atest::call_service(&svc, post(multipart(&raw, &pdf))).await).await;
    wrong.check("a raw NUL in metadata", got, 400, "E_METADATA_INVALID");
    // A raw NUL byte in the file's name.
    let clean = serde_json::json!({"service": SKU, "form": sku_form("Warung")}).to_string();
    let named = String::from_utf8(multipart(&clean, &pdf))
        .expect("an ASCII body")
        .replace("filename=\"surat.pdf\"", "filename=\"surat\u{0}.pdf\"")
        .into_bytes();
    let got = outcome(atest::call_service(&svc, post(named)).await).await;
    wrong.check("a raw NUL in the file name", got, 400, "E_BAD_INPUT");
    wrong.assert_none();
    assert_eq!(document_count(&app), 0, "nothing was stored");
    // The service still answers (no broken connection or transaction left behind).
    let res = atest::call_service(&svc, get("/api/v1/documents")).await;
    assert_eq!(res.status().as_u16(), 200);
}

#[actix_web::test]
async fn the_browser_routes_refuse_nul_in_paths_queries_and_forms() {
    let inst = common::instance();
    let app = inst.app.clone();
    let svc = atest::init_service(
        ActixApp::new()
            .app_data(state(&app))
            .configure(sahih_web::configure),
    )
    .await;
    let mut wrong = Mismatches::default();
    for (uri, expected) in [
        ("/layanan/%00", (404, "E_NOT_FOUND")),
        ("/v/abc%00", (404, "E_NOT_FOUND")),
        ("/v/%00/bukti-log", (404, "E_NOT_FOUND")),
        ("/log?page=1%00", (400, "E_BAD_INPUT")),
        ("/masuk?next=/permohonan%00", (400, "E_BAD_INPUT")),
    ] {
        let req = atest::TestRequest::get().uri(uri).to_request();
        let got = outcome(atest::call_service(&svc, req).await).await;
        wrong.check(uri, got, expected.0, expected.1);
    }

    // The login form, percent-encoded and as a raw byte.
    let (cookie, csrf) = session(&app, None);
    for body in [
        format!("csrf={csrf}&login=warga%00&password=x"),
        format!("csrf={csrf}&login=warga\u{0}&password=x"),
    ] {
        let req = atest::TestRequest::post()
            .uri("/masuk")
            .insert_header((header::COOKIE, cookie.clone()))
            .insert_header((header::CONTENT_TYPE, "application/x-www-form-urlencoded"))
            .set_payload(body.clone())
            .to_request();
        let got = outcome(atest::call_service(&svc, req).await).await;
        wrong.check(&format!("POST /masuk {body:?}"), got, 400, "E_BAD_INPUT");
    }
    // A form without a NUL still reaches its handler: a wrong password is E_BAD_LOGIN.
    let req = atest::TestRequest::post()
        .uri("/masuk")
        .insert_header((header::COOKIE, cookie.clone()))
        .insert_header((header::CONTENT_TYPE, "application/x-www-form-urlencoded"))
        .set_payload(format!("csrf={csrf}&login=warga&password=salah%2500"))
        .to_request();
    let got = outcome(atest::call_service(&svc, req).await).await;
    wrong.check("POST /masuk without a NUL", got, 401, "E_BAD_LOGIN");

    // A citizen's application with a NUL in a form field (multipart): the field's rule.
    let (cookie, csrf) = session(&app, Some("warga"));
    let mut body = Vec::new();
    for (name, value) in [("csrf", csrf.as_str()), ("nama_usaha", "Warung\u{0}")] {
        body.extend(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n\
                 {value}\r\n"
            )
            .bytes(),
        );
    }
    body.extend(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"berkas\"; \
             filename=\"a.pdf\"\r\nContent-Type: application/pdf\r\n\r\n"
        )
        .bytes(),
    );
    body.extend(common::plain_pdf("Warung"));
    body.extend(format!("\r\n--{BOUNDARY}--\r\n").bytes());
    let req = atest::TestRequest::post()
        .uri(&format!("/layanan/{SKU}"))
        .insert_header((header::COOKIE, cookie))
        .insert_header((header::CONTENT_TYPE, multipart_type()))
        .set_payload(body)
        .to_request();
    let got = outcome(atest::call_service(&svc, req).await).await;
    wrong.check(
        "POST /layanan/… with a NUL field",
        got,
        400,
        "E_FORM_FIELD_INVALID",
    );

    // A service definition whose TOML escapes a NUL (`\u0000`): refused with its problems.
    let (cookie, csrf) = session(&app, Some("admin-dpmptsp"));
    let def = sahih_web::seed::demo_services()
        .expect("examples")
        .into_iter()
        .find(|d| d.code == SKU)
        .expect("sku");
    let toml = def
        .to_toml()
        .replacen(&def.name, &format!("{}\\u0000", def.name), 1);
    assert!(toml.contains("\\u0000"), "{toml}");
    let body: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("csrf", &csrf)
        .append_pair("toml", &toml)
        .append_pair("aksi", "simpan")
        .finish();
    let req = atest::TestRequest::post()
        .uri(&format!("/admin/layanan/{SKU}"))
        .insert_header((header::COOKIE, cookie))
        .insert_header((header::CONTENT_TYPE, "application/x-www-form-urlencoded"))
        .set_payload(body)
        .to_request();
    let res = atest::call_service(&svc, req).await;
    if !res.status().is_client_error() {
        wrong
            .0
            .push(format!("a NUL in a service definition: {}", res.status()));
    }
    wrong.assert_none();
    assert_eq!(document_count(&app), 0, "nothing was stored");
    assert_eq!(
        app.service(SKU).expect("service").name,
        def.name,
        "unchanged"
    );
}
