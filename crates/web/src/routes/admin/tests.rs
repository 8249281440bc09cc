//! The agency admin's service pages on the real app: their own agency's services only, every
//! problem shown beside the text, saving, and 403 for another agency, a citizen, an officer.

use actix_web::body::MessageBody;
use actix_web::cookie::Cookie;
use actix_web::dev::{Service as _, ServiceResponse};
use actix_web::{App, test};
use sahih_store::{NewAttachment, NewDocument, NewUser, Store, User};
use sahih_workflow::{AgencyId, Role, ServiceDefinition, submit};

use crate::i18n::Lang;
use crate::seed::DEMO_SERVICES;
use crate::session::new_session;
use crate::test_support::state;

const SKU: &str = DEMO_SERVICES[0];
const SPPD: &str = DEMO_SERVICES[1];

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
    citizen: User,
    verifier: User,
    bappeda_admin: User,
    /// Declared last: dropped after the store.
    _db: sahih_store::testing::TestDatabase,
}

fn fixture() -> (Fixture, actix_web::web::Data<crate::AppState>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let (db, state) = state(dir.path());
    let store = state.app.store().clone();
    for text in [SKU, SPPD] {
        let def = ServiceDefinition::parse_toml(text).expect("example");
        store.upsert_service(&def).expect("import");
    }
    let agency = |code| store.agency_by_code(code).expect("q").expect("agency").id;
    let fixture = Fixture {
        admin: user(
            &store,
            "admin-dpmptsp",
            Role::Admin,
            Some(agency("DPMPTSP")),
        ),
        citizen: user(&store, "warga", Role::Citizen, None),
        verifier: user(&store, "verif", Role::Verifier, Some(agency("DPMPTSP"))),
        bappeda_admin: user(
            &store,
            "admin-bappeda",
            Role::Admin,
            Some(agency("BAPPEDA")),
        ),
        store,
        _dir: dir,
        _db: db,
    };
    (fixture, state)
}

/// A session cookie and its CSRF token.
fn session(store: &Store, user: &User) -> (Cookie<'static>, String) {
    let (cookie, visitor) =
        new_session(store, Some(user.clone()), Lang::En, false).expect("session");
    (cookie, visitor.csrf)
}

struct Answer {
    status: u16,
    error: Option<String>,
    location: Option<String>,
    body: String,
}

async fn answer<B: MessageBody>(res: ServiceResponse<B>) -> Answer {
    let header = |name: &str| {
        res.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let (status, error, location) = (
        res.status().as_u16(),
        header("x-sahih-error"),
        header("location"),
    );
    let body = String::from_utf8(test::read_body(res).await.to_vec()).expect("utf-8");
    Answer {
        status,
        error,
        location,
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

fn post(
    uri: &str,
    cookie: &Cookie<'static>,
    csrf: &str,
    text: &str,
    aksi: &str,
) -> test::TestRequest {
    test::TestRequest::post()
        .uri(uri)
        .cookie(cookie.clone())
        .set_form([("csrf", csrf), ("toml", text), ("aksi", aksi)])
}

fn get(uri: &str, cookie: &Cookie<'static>) -> test::TestRequest {
    test::TestRequest::get().uri(uri).cookie(cookie.clone())
}

#[actix_web::test]
async fn an_admin_lists_edits_validates_and_saves_their_agencys_services() {
    let (f, state) = fixture();
    let app = test::init_service(App::new().app_data(state).configure(crate::configure)).await;
    let (cookie, csrf) = session(&f.store, &f.admin);

    let list = ask(&app, get("/admin/layanan", &cookie).to_request()).await;
    assert_eq!(list.status, 200, "{}", list.body);
    assert!(list.body.contains("id=\"service-surat-keterangan-usaha\""));
    assert!(list.body.contains("Business Certificate"), "English name");
    assert!(
        !list.body.contains("service-sppd"),
        "never another agency's service"
    );

    let edit = ask(
        &app,
        get("/admin/layanan/surat-keterangan-usaha", &cookie).to_request(),
    )
    .await;
    assert_eq!(edit.status, 200);
    assert!(
        edit.body.contains("classification = &#34;503&#34;"),
        "{}",
        edit.body
    );

    // Validate: every problem beside the text, which is kept as typed.
    let broken = SKU
        .replace("field = \"modal_usaha\"", "field = \"modal\"")
        .replace("deadline_days = 2\n", "deadline_days = 0\n");
    let checked = ask(
        &app,
        post(
            "/admin/layanan/surat-keterangan-usaha",
            &cookie,
            &csrf,
            &broken,
            "validasi",
        )
        .to_request(),
    )
    .await;
    assert_eq!(
        (checked.status, checked.error.as_deref()),
        (400, Some("E_SERVICE_DEFINITION"))
    );
    assert!(
        checked
            .body
            .contains("<code>steps[0].deadline_days</code>: 0 must be 1 to 260 working days"),
        "{}",
        checked.body
    );
    assert!(
        checked
            .body
            .contains("<code>steps[1].condition.field</code>: no form field &#34;modal&#34;"),
        "{}",
        checked.body
    );
    assert!(
        checked.body.contains("Problems found: 3"),
        "{}",
        checked.body
    );
    assert!(
        checked.body.contains("field = &#34;modal&#34;"),
        "the text as typed"
    );

    let valid = SKU.replace("deadline_days = 2\n", "deadline_days = 3\n");
    let ok = ask(
        &app,
        post(
            "/admin/layanan/surat-keterangan-usaha",
            &cookie,
            &csrf,
            &valid,
            "validasi",
        )
        .to_request(),
    )
    .await;
    assert_eq!(ok.status, 200);
    assert!(ok.body.contains("The definition is valid. Not saved yet"));
    let stored = |store: &Store| {
        store
            .service_definition("surat-keterangan-usaha")
            .expect("q")
            .expect("exists")
    };
    assert_eq!(
        stored(&f.store).steps[0].deadline_days,
        Some(2),
        "validation saves nothing"
    );

    let saved = ask(
        &app,
        post(
            "/admin/layanan/surat-keterangan-usaha",
            &cookie,
            &csrf,
            &valid,
            "simpan",
        )
        .to_request(),
    )
    .await;
    assert_eq!(
        (saved.status, saved.location.as_deref()),
        (
            303,
            Some("/admin/layanan/surat-keterangan-usaha?disimpan=diubah")
        )
    );
    assert_eq!(stored(&f.store).steps[0].deadline_days, Some(3));

    // A new service of the admin's agency.
    let new = valid.replace(
        "code = \"surat-keterangan-usaha\"",
        "code = \"surat-keterangan-usaha-kecil\"",
    );
    let created = ask(
        &app,
        post("/admin/layanan/baru", &cookie, &csrf, &new, "simpan").to_request(),
    )
    .await;
    assert_eq!(
        created.location.as_deref(),
        Some("/admin/layanan/surat-keterangan-usaha-kecil?disimpan=dibuat")
    );
    let again = ask(
        &app,
        post("/admin/layanan/baru", &cookie, &csrf, &new, "simpan").to_request(),
    )
    .await;
    assert_eq!(
        (again.status, again.error.as_deref()),
        (400, Some("E_SERVICE_DEFINITION"))
    );
    assert!(again.body.contains("already exists: edit it instead"));

    let export = app
        .call(get("/admin/layanan/surat-keterangan-usaha/ekspor", &cookie).to_request())
        .await
        .expect("call");
    assert_eq!(
        export
            .headers()
            .get("content-disposition")
            .and_then(|v| v.to_str().ok()),
        Some("attachment; filename=\"surat-keterangan-usaha.toml\"")
    );
    let exported = answer(export).await;
    assert_eq!(
        ServiceDefinition::parse_toml(&exported.body),
        Ok(stored(&f.store))
    );
}

#[actix_web::test]
async fn another_agencys_service_citizens_officers_and_forged_forms_are_refused() {
    let (f, state) = fixture();
    let app = test::init_service(App::new().app_data(state).configure(crate::configure)).await;
    let (cookie, csrf) = session(&f.store, &f.admin);

    // The licensing office's admin and Bappeda's travel order.
    let page = ask(&app, get("/admin/layanan/sppd", &cookie).to_request()).await;
    assert_eq!(
        (page.status, page.error.as_deref()),
        (403, Some("E_NOT_YOUR_AGENCY"))
    );
    let edited = SPPD.replace("deadline_days = 2", "deadline_days = 5");
    let save = ask(
        &app,
        post("/admin/layanan/sppd", &cookie, &csrf, &edited, "simpan").to_request(),
    )
    .await;
    assert_eq!(
        (save.status, save.error.as_deref()),
        (403, Some("E_NOT_YOUR_AGENCY"))
    );
    assert!(
        save.body
            .contains("<code>agency</code>: &#34;BAPPEDA&#34; is not your agency"),
        "{}",
        save.body
    );
    // Claiming it for one's own agency does not take it over either.
    let taken = edited.replace("agency = \"BAPPEDA\"", "agency = \"DPMPTSP\"");
    let take = ask(
        &app,
        post("/admin/layanan/baru", &cookie, &csrf, &taken, "simpan").to_request(),
    )
    .await;
    assert_eq!(
        (take.status, take.error.as_deref()),
        (403, Some("E_NOT_YOUR_AGENCY"))
    );
    let sppd = f
        .store
        .service_definition("sppd")
        .expect("q")
        .expect("exists");
    assert_eq!(
        (sppd.agency.as_str(), sppd.steps[5].deadline_days),
        ("BAPPEDA", Some(2))
    );
    let export = ask(
        &app,
        get("/admin/layanan/sppd/ekspor", &cookie).to_request(),
    )
    .await;
    assert_eq!(export.status, 403);

    let forged = ask(
        &app,
        post(
            "/admin/layanan/surat-keterangan-usaha",
            &cookie,
            "wrong",
            SKU,
            "simpan",
        )
        .to_request(),
    )
    .await;
    assert_eq!(
        (forged.status, forged.error.as_deref()),
        (403, Some("E_CSRF"))
    );

    for someone in [&f.citizen, &f.verifier] {
        let (cookie, csrf) = session(&f.store, someone);
        let list = ask(&app, get("/admin/layanan", &cookie).to_request()).await;
        assert_eq!(
            (list.status, list.error.as_deref()),
            (403, Some("E_WRONG_ROLE"))
        );
        let save = ask(
            &app,
            post(
                "/admin/layanan/surat-keterangan-usaha",
                &cookie,
                &csrf,
                SKU,
                "simpan",
            )
            .to_request(),
        )
        .await;
        assert_eq!(
            (save.status, save.error.as_deref()),
            (403, Some("E_WRONG_ROLE"))
        );
    }
    let anonymous = ask(
        &app,
        test::TestRequest::get().uri("/admin/layanan").to_request(),
    )
    .await;
    assert_eq!(anonymous.status, 303, "to the login page");

    // Bappeda's own admin may.
    let (cookie, csrf) = session(&f.store, &f.bappeda_admin);
    let save = ask(
        &app,
        post("/admin/layanan/sppd", &cookie, &csrf, &edited, "simpan").to_request(),
    )
    .await;
    assert_eq!(save.status, 303, "{}", save.body);
}

#[actix_web::test]
async fn steps_that_documents_wait_at_cannot_move_and_the_page_says_why() {
    let (f, state) = fixture();
    let app = test::init_service(App::new().app_data(state).configure(crate::configure)).await;
    let (cookie, csrf) = session(&f.store, &f.admin);
    let service = f
        .store
        .service_by_code("surat-keterangan-usaha")
        .expect("q")
        .expect("exists");
    let sha256 = f.store.blobs().put(b"%PDF-1.7 sku").expect("blob");
    f.store
        .submit_document(
            &NewDocument {
                public_id: "sku-1".into(),
                service_id: service.id,
                agency_id: service.agency_id,
                applicant_id: f.citizen.id,
                form: vec![],
                attachment: NewAttachment {
                    sha256,
                    filename: "a.pdf".into(),
                    size: 12,
                },
            },
            &submit(),
        )
        .expect("submit");
    let fewer = SKU.replace(
        "# Only for a small business: capital above the micro limit.\n[[steps]]",
        "[steps_removed]",
    );
    let fewer = fewer
        .split("[steps_removed]")
        .next()
        .unwrap_or_default()
        .to_string()
        + "[[steps]]\nname = \"Penandatanganan\"\naction = \"sign\"\nassignees = { role = \"signer\", position = \"Kepala Dinas\" }\n";
    let save = ask(
        &app,
        post(
            "/admin/layanan/surat-keterangan-usaha",
            &cookie,
            &csrf,
            &fewer,
            "simpan",
        )
        .to_request(),
    )
    .await;
    assert_eq!(
        (save.status, save.error.as_deref()),
        (409, Some("E_SERVICE_IN_USE")),
        "{}",
        save.body
    );
    assert!(save.body.contains("1 open document(s)"), "{}", save.body);
    assert_eq!(
        f.store
            .service_by_code("surat-keterangan-usaha")
            .expect("q")
            .expect("exists")
            .template
            .steps
            .len(),
        3
    );
}
