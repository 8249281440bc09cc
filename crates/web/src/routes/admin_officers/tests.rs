//! `/admin/petugas`: an agency admin keeps their officers' roles, positions and superiors, and
//! nobody else's.

use actix_web::{App, test};
use sahih_store::NewUser;
use sahih_workflow::{AgencyId, Role, UserId};

use crate::i18n::Lang;
use crate::session::new_session;
use crate::test_support::state;

fn user(app: &crate::App, login: &str, role: Role, agency: AgencyId, position: &str) -> UserId {
    app.store()
        .create_user(&NewUser {
            login: login.into(),
            name: login.to_uppercase(),
            email: None,
            password_hash: "$argon2id$unused".into(),
            role,
            agency_id: Some(agency),
            position: Some(position.into()),
            cert_pem: None,
            key_pem: None,
        })
        .expect("user")
}

fn step(name: &str, position: &str, sign: bool) -> sahih_workflow::Step {
    sahih_workflow::Step {
        name: name.into(),
        action: if sign {
            sahih_workflow::StepAction::Sign
        } else {
            sahih_workflow::StepAction::Paraf
        },
        assignees: sahih_workflow::Assignees {
            position: Some(position.into()),
            ..Default::default()
        },
        mode: sahih_workflow::GroupMode::Any,
        condition: None,
        deadline_days: None,
        cc: vec![],
        approval_signature: false,
    }
}

#[actix_web::test]
async fn an_admin_keeps_their_agencys_officers_and_only_theirs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_db, state) = state(dir.path());
    let app = state.app.clone();
    let store = app.store();
    let dinas = store.ensure_agency("DPMPTSP", "Perizinan").expect("agency");
    let other = store.ensure_agency("BPKAD", "Keuangan").expect("agency");
    let admin = user(&app, "admin", Role::Admin, dinas, "Admin");
    let kadis = user(&app, "kadis", Role::Signer, dinas, "Kepala Dinas");
    let kabid = user(&app, "kabid", Role::Verifier, dinas, "Kepala Bidang");
    let foreign = user(&app, "analis", Role::Verifier, other, "Analis Anggaran");
    let admin = store.user(admin).expect("load").expect("admin");
    let kabid_user = store.user(kabid).expect("load").expect("kabid");
    let (cookie, v) = new_session(store, Some(admin), Lang::Id, false).expect("session");
    let (kabid_cookie, kv) = new_session(store, Some(kabid_user), Lang::Id, false).expect("s");
    let svc = test::init_service(App::new().app_data(state).configure(crate::configure)).await;
    let post = |cookie, uri: String, form: Vec<(&'static str, String)>| {
        test::TestRequest::post()
            .uri(&uri)
            .cookie(cookie)
            .set_form(form)
            .to_request()
    };
    let settings = |csrf: &str, position: &str, supervisor: String| {
        vec![
            ("csrf", csrf.to_string()),
            ("role", "verifier".to_string()),
            ("position", position.to_string()),
            ("supervisor", supervisor),
        ]
    };

    let page = test::call_service(
        &svc,
        test::TestRequest::get()
            .uri("/admin/petugas")
            .cookie(cookie.clone())
            .to_request(),
    )
    .await;
    assert_eq!(page.status().as_u16(), 200);
    let html = String::from_utf8(test::read_body(page).await.to_vec()).expect("utf-8");
    assert!(html.contains("KABID") && html.contains("KADIS"), "{html}");
    assert!(
        !html.contains("ANALIS"),
        "another agency's officer is not listed"
    );

    // Position and superior change; the hierarchy then reads kadis → kabid.
    let uri = format!("/admin/petugas/{}", kabid.0);
    let res = test::call_service(
        &svc,
        post(
            cookie.clone(),
            uri.clone(),
            settings(
                &v.csrf,
                "Kepala Bidang Pelayanan Perizinan",
                kadis.0.to_string(),
            ),
        ),
    )
    .await;
    assert_eq!(res.status().as_u16(), 303);
    let officers = store.officers().expect("officers");
    let kabid_now = officers.iter().find(|o| o.user.id == kabid).expect("kabid");
    assert_eq!(kabid_now.supervisor_id, Some(kadis));
    assert_eq!(
        kabid_now.user.position.as_deref(),
        Some("Kepala Bidang Pelayanan Perizinan")
    );

    let refused = [
        // kadis under kabid would make a cycle.
        (
            post(
                cookie.clone(),
                format!("/admin/petugas/{}", kadis.0),
                settings(&v.csrf, "Kepala Dinas", kabid.0.to_string()),
            ),
            400,
            "E_BAD_SUPERVISOR",
        ),
        // A superior from another agency.
        (
            post(
                cookie.clone(),
                uri.clone(),
                settings(&v.csrf, "Kabid", foreign.0.to_string()),
            ),
            400,
            "E_BAD_SUPERVISOR",
        ),
        // Another agency's officer.
        (
            post(
                cookie.clone(),
                format!("/admin/petugas/{}", foreign.0),
                settings(&v.csrf, "Analis", String::new()),
            ),
            404,
            "E_NOT_FOUND",
        ),
        (
            post(
                cookie.clone(),
                uri.clone(),
                settings(&v.csrf, " \u{200B} ", String::new()),
            ),
            400,
            "E_BAD_INPUT",
        ),
        (
            post(
                cookie.clone(),
                uri.clone(),
                settings("wrong", "Kabid", String::new()),
            ),
            403,
            "E_CSRF",
        ),
        // An officer is not an admin.
        (
            post(
                kabid_cookie,
                uri.clone(),
                settings(&kv.csrf, "Kabid", String::new()),
            ),
            403,
            "E_WRONG_ROLE",
        ),
    ];
    for (req, status, code) in refused {
        let res = test::call_service(&svc, req).await;
        assert_eq!(res.status().as_u16(), status, "{code}");
        let body = String::from_utf8(test::read_body(res).await.to_vec()).expect("utf-8");
        assert!(body.contains(code), "{code}: {body}");
    }
    let after = store.officers().expect("officers");
    assert_eq!(
        after
            .iter()
            .find(|o| o.user.id == kadis)
            .and_then(|o| o.supervisor_id),
        None,
        "nothing refused was stored"
    );

    // A document waits for the only Kepala Bidang Pelayanan Perizinan: renaming their position
    // would leave it with nobody, so it is refused until someone else holds it.
    let template = sahih_workflow::RoutingTemplate::new(vec![
        step("Kepala Bidang", "Kepala Bidang Pelayanan Perizinan", false),
        step("Tanda tangan", "Kepala Dinas", true),
    ])
    .expect("template");
    let service = store
        .ensure_service(&sahih_store::Service {
            id: sahih_store::ServiceId(0),
            agency_id: dinas,
            code: "sku".into(),
            name: "SKU".into(),
            name_en: String::new(),
            description: String::new(),
            description_en: String::new(),
            form: vec![],
            template,
            numbering: None,
        })
        .expect("service");
    let citizen = app
        .register_citizen("siti", "Siti", "", "rahasia-siti-2026")
        .expect("citizen");
    store
        .submit_document(
            &sahih_store::NewDocument {
                public_id: "d1".into(),
                service_id: service,
                agency_id: dinas,
                applicant_id: citizen.id,
                form: vec![],
                attachment: sahih_store::NewAttachment {
                    sha256: "00".repeat(32),
                    filename: "a.pdf".into(),
                    size: 1,
                },
            },
            &sahih_workflow::submit(),
        )
        .expect("submitted");
    let res = test::call_service(
        &svc,
        post(
            cookie.clone(),
            uri.clone(),
            settings(&v.csrf, "Kepala Bidang Lain", kadis.0.to_string()),
        ),
    )
    .await;
    assert_eq!(res.status().as_u16(), 409);
    let body = String::from_utf8(test::read_body(res).await.to_vec()).expect("utf-8");
    assert!(body.contains("E_POSITION_IN_USE"), "{body}");

    // A new officer of the admin's agency.
    let mut form = settings(&v.csrf, "Verifikator Perizinan", kabid.0.to_string());
    form.extend([
        ("login", "dewi".to_string()),
        ("name", "Dewi Lestari".to_string()),
        ("email", String::new()),
        ("password", "rahasia-dewi-2026".to_string()),
    ]);
    let res = test::call_service(&svc, post(cookie, "/admin/petugas".into(), form)).await;
    assert_eq!(res.status().as_u16(), 303);
    let (dewi, _) = store.user_by_login("dewi").expect("load").expect("created");
    assert_eq!(dewi.agency_id, Some(dinas));
    assert_eq!(dewi.role, Role::Verifier);
    let dewi_officer = store
        .officers()
        .expect("officers")
        .into_iter()
        .find(|o| o.user.id == dewi.id)
        .expect("officer");
    assert_eq!(dewi_officer.supervisor_id, Some(kabid));
}

#[actix_web::test]
async fn a_service_with_a_step_nobody_holds_is_flagged_for_the_admin() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_db, state) = state(dir.path());
    let app = state.app.clone();
    let store = app.store();
    let dinas = store.ensure_agency("DPMPTSP", "Perizinan").expect("agency");
    let admin = user(&app, "admin", Role::Admin, dinas, "Admin");
    user(&app, "kadis", Role::Signer, dinas, "Kepala Dinas");
    let template = sahih_workflow::RoutingTemplate::new(vec![
        step("Kepala Bidang", "Kepala Bidang Pelayanan Perizinan", false),
        step("Tanda tangan", "Kepala Dinas", true),
    ])
    .expect("template");
    store
        .ensure_service(&sahih_store::Service {
            id: sahih_store::ServiceId(0),
            agency_id: dinas,
            code: "sku".into(),
            name: "SKU".into(),
            name_en: String::new(),
            description: "Surat".into(),
            description_en: String::new(),
            form: vec![],
            template,
            numbering: None,
        })
        .expect("service");
    let admin = store.user(admin).expect("load").expect("admin");
    let (cookie, _) = new_session(store, Some(admin), Lang::Id, false).expect("session");
    let svc = test::init_service(App::new().app_data(state).configure(crate::configure)).await;
    let get = || {
        test::TestRequest::get()
            .uri("/admin/layanan/sku")
            .cookie(cookie.clone())
            .to_request()
    };
    let body =
        |res| async move { String::from_utf8(test::read_body(res).await.to_vec()).expect("utf-8") };
    let html = body(test::call_service(&svc, get()).await).await;
    assert!(html.contains("id=\"staffing\""), "{html}");
    assert!(html.contains("steps[0].assignees"), "{html}");
    assert!(
        !html.contains("steps[1].assignees"),
        "the signer's step is staffed"
    );

    user(
        &app,
        "kabid",
        Role::Verifier,
        dinas,
        "Kepala Bidang Pelayanan Perizinan",
    );
    let html = body(test::call_service(&svc, get()).await).await;
    assert!(!html.contains("id=\"staffing\""), "staffed now: {html}");
}
