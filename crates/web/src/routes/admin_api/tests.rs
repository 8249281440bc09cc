//! `/admin/api` on the real app: an agency admin registers an application, makes a key whose
//! token (shown once) works on the API until revoked, and sets its webhook URL; another
//! agency's admin, an officer, a citizen and a form without its CSRF token get nothing.

use actix_web::body::MessageBody;
use actix_web::cookie::Cookie;
use actix_web::dev::ServiceResponse;
use actix_web::{App, test};
use sahih_store::{NewUser, Store, User};
use sahih_workflow::{AgencyId, Role};

use crate::i18n::Lang;
use crate::session::new_session;
use crate::test_support::state;

fn user(store: &Store, login: &str, role: Role, agency: Option<AgencyId>) -> User {
    let id = store
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
        .expect("user");
    store.user(id).expect("load").expect("user")
}

struct Fixture {
    _dir: tempfile::TempDir,
    store: Store,
    admin: User,
    bpkad_admin: User,
    verifier: User,
    citizen: User,
    /// Declared last: dropped after the store.
    _db: sahih_store::testing::TestDatabase,
}

fn fixture() -> (Fixture, actix_web::web::Data<crate::AppState>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let (db, state) = state(dir.path());
    let store = state.app.store().clone();
    let dpmptsp = store.ensure_agency("DPMPTSP", "DPMPTSP").expect("agency");
    let bpkad = store.ensure_agency("BPKAD", "BPKAD").expect("agency");
    let fixture = Fixture {
        admin: user(&store, "admin-dpmptsp", Role::Admin, Some(dpmptsp)),
        bpkad_admin: user(&store, "admin-bpkad", Role::Admin, Some(bpkad)),
        verifier: user(&store, "verif", Role::Verifier, Some(dpmptsp)),
        citizen: user(&store, "warga", Role::Citizen, None),
        store,
        _dir: dir,
        _db: db,
    };
    (fixture, state)
}

/// A session cookie and its CSRF token.
fn session(store: &Store, user: &User) -> (Cookie<'static>, String) {
    let (cookie, visitor) =
        new_session(store, Some(user.clone()), Lang::Id, false).expect("session");
    (cookie, visitor.csrf)
}

struct Answer {
    status: u16,
    error: Option<String>,
    location: Option<String>,
    cache: Option<String>,
    body: String,
}

async fn answer<B: MessageBody>(res: ServiceResponse<B>) -> Answer {
    let header = |name: &str| {
        res.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let (status, error, location, cache) = (
        res.status().as_u16(),
        header("x-sahih-error"),
        header("location"),
        header("cache-control"),
    );
    let body = String::from_utf8(test::read_body(res).await.to_vec()).expect("utf-8");
    Answer {
        status,
        error,
        location,
        cache,
        body,
    }
}

/// Sends `req` to the app and reads the answer.
async fn ask<S, R, B>(app: &S, req: R) -> Answer
where
    S: actix_web::dev::Service<R, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    answer(app.call(req).await.expect("call")).await
}

fn get(uri: &str, cookie: &Cookie<'static>) -> test::TestRequest {
    test::TestRequest::get().uri(uri).cookie(cookie.clone())
}

fn post(uri: &str, cookie: &Cookie<'static>, form: &[(&str, &str)]) -> test::TestRequest {
    test::TestRequest::post()
        .uri(uri)
        .cookie(cookie.clone())
        .set_form(form)
}

/// `GET /api/v1/documents` with `token`.
fn list_documents(token: &str) -> test::TestRequest {
    test::TestRequest::get()
        .uri("/api/v1/documents")
        .insert_header(("authorization", format!("Bearer {token}")))
}

/// The token on the key page: the `value` of its `token` field.
fn token_of(page: &str) -> String {
    let start = page.find("id=\"token\" value=\"").expect("token field") + 18;
    page[start..].split('"').next().expect("value").to_owned()
}

fn portal(store: &Store) -> sahih_store::ApiApplication {
    store
        .api_application_by_code("portal-perizinan")
        .expect("db")
        .expect("application")
}

#[actix_web::test]
async fn a_key_made_on_the_page_is_shown_once_works_on_the_api_and_stops_when_revoked() {
    let (f, state) = fixture();
    let app = test::init_service(App::new().app_data(state).configure(crate::configure)).await;
    let (cookie, csrf) = session(&f.store, &f.admin);

    let empty = ask(&app, get("/admin/api", &cookie).to_request()).await;
    assert_eq!(empty.status, 200, "{}", empty.body);
    assert!(empty.body.contains("Belum ada aplikasi yang didaftarkan."));
    assert!(empty.body.contains("href=\"/admin/api\" id=\"nav-api\""));

    let registered = ask(
        &app,
        post(
            "/admin/api/aplikasi",
            &cookie,
            &[
                ("csrf", &csrf),
                ("code", "portal-perizinan"),
                ("name", "Portal Perizinan"),
            ],
        )
        .to_request(),
    )
    .await;
    assert_eq!(registered.status, 303, "{}", registered.body);
    assert_eq!(
        registered.location.as_deref(),
        Some("/admin/api?disimpan=aplikasi#aplikasi-portal-perizinan")
    );
    let application = portal(&f.store);
    let listed = ask(
        &app,
        get("/admin/api?disimpan=aplikasi", &cookie).to_request(),
    )
    .await;
    assert_eq!(
        listed.cache.as_deref(),
        Some("no-store"),
        "it shows secrets"
    );
    assert!(listed.body.contains("Aplikasi didaftarkan."));
    assert!(listed.body.contains("id=\"aplikasi-portal-perizinan\""));
    assert!(
        listed.body.contains(&application.webhook_secret),
        "the admin sees the webhook secret to hand it over"
    );
    // documents:submit-direct is offered unticked, with its warning.
    assert!(
        listed
            .body
            .contains("value=\"documents:submit-direct\" aria-describedby"),
        "{}",
        listed.body
    );
    assert!(listed.body.contains("value=\"documents:read\" checked"));
    assert!(listed.body.contains("tanpa paraf verifikator"));

    // No scope ticked: refused on the page, and no key made.
    let none = ask(
        &app,
        post(
            "/admin/api/aplikasi/portal-perizinan/kunci",
            &cookie,
            &[("csrf", &csrf)],
        )
        .to_request(),
    )
    .await;
    assert_eq!(
        (none.status, none.error.as_deref()),
        (400, Some("E_BAD_SCOPE"))
    );
    assert!(none.body.contains("Pilih sedikitnya satu cakupan"));
    assert!(
        f.store
            .api_keys(Some(application.user), None)
            .expect("keys")
            .is_empty()
    );

    let made = ask(
        &app,
        test::TestRequest::post()
            .uri("/admin/api/aplikasi/portal-perizinan/kunci")
            .cookie(cookie.clone())
            .insert_header(("content-type", "application/x-www-form-urlencoded"))
            .set_payload(format!(
                "csrf={csrf}&scope=documents%3Asubmit&scope=documents%3Aread"
            ))
            .to_request(),
    )
    .await;
    assert_eq!(made.status, 200, "{}", made.body);
    assert_eq!(made.location, None, "the token is never in a URL");
    assert_eq!(made.cache.as_deref(), Some("no-store"));
    assert!(made.body.contains("tidak dapat ditampilkan lagi"));
    let token = token_of(&made.body);
    let keys = f
        .store
        .api_keys(Some(application.user), None)
        .expect("keys");
    assert_eq!(keys.len(), 1);
    let key = &keys[0];
    assert!(
        token.starts_with(&format!("sahih_{}_", key.key_id)),
        "{token}"
    );
    assert_eq!(key.scopes, ["documents:read", "documents:submit"]);

    let page = ask(&app, get("/admin/api", &cookie).to_request()).await;
    assert!(page.body.contains(&format!("id=\"kunci-{}\"", key.key_id)));
    assert!(
        !page.body.contains(&token),
        "the token is never shown again"
    );

    let works = ask(&app, list_documents(&token).to_request()).await;
    assert_eq!(works.status, 200, "{}", works.body);
    assert!(works.body.contains("\"documents\":[]"), "{}", works.body);

    let revoked = ask(
        &app,
        post(
            &format!("/admin/api/kunci/{}/cabut", key.key_id),
            &cookie,
            &[("csrf", &csrf)],
        )
        .to_request(),
    )
    .await;
    assert_eq!(revoked.status, 303, "{}", revoked.body);
    let refused = ask(&app, list_documents(&token).to_request()).await;
    assert_eq!(refused.status, 401);
    assert!(
        refused.body.contains("\"code\":\"E_API_KEY_REVOKED\""),
        "{}",
        refused.body
    );
    let page = ask(
        &app,
        get("/admin/api?disimpan=dicabut", &cookie).to_request(),
    )
    .await;
    assert!(page.body.contains("Kunci dicabut."));
    assert!(
        page.body.contains("Dicabut "),
        "the key is listed as revoked"
    );
}

#[actix_web::test]
async fn another_agencys_admin_sees_and_changes_nothing_of_this_agencys() {
    let (f, state) = fixture();
    let web_app = state.app.clone();
    let app = test::init_service(App::new().app_data(state).configure(crate::configure)).await;
    let dpmptsp = f.admin.agency_id.expect("agency");
    let application = web_app
        .ensure_api_application(dpmptsp, "portal-perizinan", "Portal Perizinan")
        .expect("application");
    let key = web_app
        .create_api_key(application.user, &crate::app::Scope::DEFAULT, None)
        .expect("key");
    let (cookie, csrf) = session(&f.store, &f.bpkad_admin);

    let page = ask(&app, get("/admin/api", &cookie).to_request()).await;
    assert_eq!(page.status, 200);
    assert!(
        !page.body.contains("aplikasi-portal-perizinan") && !page.body.contains("Portal Perizinan"),
        "{}",
        page.body
    );
    assert!(!page.body.contains(&application.webhook_secret));
    assert!(!page.body.contains(&key.key_id));

    let attempts = [
        post(
            "/admin/api/aplikasi/portal-perizinan/kunci",
            &cookie,
            &[("csrf", &csrf), ("scope", "documents:read")],
        ),
        post(
            &format!("/admin/api/kunci/{}/cabut", key.key_id),
            &cookie,
            &[("csrf", &csrf)],
        ),
        post(
            "/admin/api/aplikasi/portal-perizinan/webhook",
            &cookie,
            &[
                ("csrf", &csrf),
                ("url", "https://bpkad.example/hook"),
                ("aksi", "simpan"),
            ],
        ),
    ];
    for req in attempts {
        let res = ask(&app, req.to_request()).await;
        assert_eq!(
            (res.status, res.error.as_deref()),
            (404, Some("E_NOT_FOUND")),
            "{}",
            res.body
        );
    }
    // The code is taken, whoever registers it.
    let taken = ask(
        &app,
        post(
            "/admin/api/aplikasi",
            &cookie,
            &[
                ("csrf", &csrf),
                ("code", "portal-perizinan"),
                ("name", "Portal Lain"),
            ],
        )
        .to_request(),
    )
    .await;
    assert_eq!(
        (taken.status, taken.error.as_deref()),
        (409, Some("E_APPLICATION_CODE_TAKEN"))
    );
    assert!(
        taken.body.contains("value=\"Portal Lain\""),
        "kept as typed"
    );

    let keys = f
        .store
        .api_keys(Some(application.user), None)
        .expect("keys");
    assert_eq!(keys.len(), 1, "no key made");
    assert_eq!(keys[0].revoked_at, None, "not revoked");
    assert_eq!(portal(&f.store), application, "nothing changed");
    let works = ask(&app, list_documents(&key.token).to_request()).await;
    assert_eq!(works.status, 200);
}

#[actix_web::test]
async fn officers_citizens_strangers_and_forms_without_the_csrf_token_are_refused() {
    let (f, state) = fixture();
    let web_app = state.app.clone();
    let app = test::init_service(App::new().app_data(state).configure(crate::configure)).await;
    let dpmptsp = f.admin.agency_id.expect("agency");
    let application = web_app
        .ensure_api_application(dpmptsp, "portal-perizinan", "Portal Perizinan")
        .expect("application");
    let key = web_app
        .create_api_key(application.user, &crate::app::Scope::DEFAULT, None)
        .expect("key");

    for someone in [&f.verifier, &f.citizen] {
        let (cookie, csrf) = session(&f.store, someone);
        let page = ask(&app, get("/admin/api", &cookie).to_request()).await;
        assert_eq!(
            (page.status, page.error.as_deref()),
            (403, Some("E_WRONG_ROLE")),
            "{}",
            someone.login
        );
        assert!(!page.body.contains(&application.webhook_secret));
        let made = ask(
            &app,
            post(
                "/admin/api/aplikasi/portal-perizinan/kunci",
                &cookie,
                &[("csrf", &csrf), ("scope", "documents:read")],
            )
            .to_request(),
        )
        .await;
        assert_eq!(made.status, 403, "{}", someone.login);
        assert!(!made.body.contains("sahih_"), "{}", made.body);
        let revoke = ask(
            &app,
            post(
                &format!("/admin/api/kunci/{}/cabut", key.key_id),
                &cookie,
                &[("csrf", &csrf)],
            )
            .to_request(),
        )
        .await;
        assert_eq!(revoke.status, 403, "{}", someone.login);
    }
    let stranger = ask(
        &app,
        test::TestRequest::get().uri("/admin/api").to_request(),
    )
    .await;
    assert_eq!(stranger.status, 303);
    assert!(
        stranger
            .location
            .is_some_and(|l| l.starts_with("/masuk?next=/admin/api"))
    );

    // The admin's own forms, without the token or with a wrong one.
    let (cookie, _) = session(&f.store, &f.admin);
    let forms: [(&str, Vec<(&str, &str)>); 4] = [
        (
            "/admin/api/aplikasi",
            vec![("code", "sppd-online"), ("name", "SPPD Online")],
        ),
        (
            "/admin/api/aplikasi/portal-perizinan/kunci",
            vec![("scope", "documents:read")],
        ),
        (
            "/admin/api/aplikasi/portal-perizinan/webhook",
            vec![("url", "https://portal.example/hook"), ("aksi", "simpan")],
        ),
        (&format!("/admin/api/kunci/{}/cabut", key.key_id), vec![]),
    ];
    for (uri, fields) in &forms {
        for token in [None, Some("wrong")] {
            let mut form = fields.clone();
            if let Some(t) = token {
                form.push(("csrf", t));
            }
            let res = ask(&app, post(uri, &cookie, &form).to_request()).await;
            assert_eq!(
                (res.status, res.error.as_deref()),
                (403, Some("E_CSRF")),
                "{uri} {token:?}"
            );
        }
    }
    assert_eq!(f.store.api_applications(None).expect("apps").len(), 1);
    let keys = f
        .store
        .api_keys(Some(application.user), None)
        .expect("keys");
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0].revoked_at, None);
    assert_eq!(portal(&f.store).webhook_url, None);
}

#[actix_web::test]
async fn a_bad_webhook_url_is_refused_with_its_reason_and_the_stored_one_kept() {
    let (f, state) = fixture();
    let web_app = state.app.clone();
    let app = test::init_service(App::new().app_data(state).configure(crate::configure)).await;
    let dpmptsp = f.admin.agency_id.expect("agency");
    web_app
        .ensure_api_application(dpmptsp, "portal-perizinan", "Portal Perizinan")
        .expect("application");
    let (cookie, csrf) = session(&f.store, &f.admin);
    let set = |url: &str, aksi: &str| {
        post(
            "/admin/api/aplikasi/portal-perizinan/webhook",
            &cookie,
            &[("csrf", &csrf), ("url", url), ("aksi", aksi)],
        )
        .to_request()
    };
    let good = "https://portal.dpmptsp.example/sahih/webhook";

    let saved = ask(&app, set(&format!("  {good} "), "simpan")).await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    assert_eq!(
        saved.location.as_deref(),
        Some("/admin/api?disimpan=webhook#aplikasi-portal-perizinan")
    );
    assert_eq!(portal(&f.store).webhook_url.as_deref(), Some(good));

    let long = format!("https://portal.example/{}", "a".repeat(500));
    for bad in [
        "ftp://portal.example/hook",
        "portal.example/hook",
        "",
        &long,
    ] {
        let res = ask(&app, set(bad, "simpan")).await;
        assert_eq!(
            (res.status, res.error.as_deref()),
            (400, Some("E_BAD_WEBHOOK_URL")),
            "{bad}"
        );
        assert!(
            res.body
                .contains("URL webhook belum benar: tulis alamat lengkap yang diawali http://"),
            "{}",
            res.body
        );
        assert!(
            res.body.contains(&format!("value=\"{bad}\"")),
            "the URL is kept as typed"
        );
        assert_eq!(
            portal(&f.store).webhook_url.as_deref(),
            Some(good),
            "{bad}: nothing stored changes"
        );
    }

    let cleared = ask(&app, set("", "hapus")).await;
    assert_eq!(cleared.status, 303);
    assert_eq!(portal(&f.store).webhook_url, None);
    let page = ask(
        &app,
        get("/admin/api?disimpan=webhook-dihapus", &cookie).to_request(),
    )
    .await;
    assert!(page.body.contains("URL webhook dihapus."));
}
