//! The admin issues, renews and revokes their officers' certificates from `/admin/petugas`;
//! an officer who is no admin, or an admin of another agency, is refused.

use actix_web::{App, test, web};
use sahih_store::NewUser;
use sahih_workflow::{AgencyId, Role, UserId};

use crate::AppState;
use crate::i18n::Lang;
use crate::session::new_session;
use crate::test_support::state;

fn user(app: &crate::App, login: &str, role: Role, agency: AgencyId) -> UserId {
    app.store()
        .create_user(&NewUser {
            login: login.into(),
            name: login.to_uppercase(),
            email: None,
            password_hash: "$argon2id$unused".into(),
            role,
            agency_id: Some(agency),
            position: Some("Kepala Dinas".into()),
            cert_pem: None,
            key_pem: None,
        })
        .expect("user")
}

#[actix_web::test]
async fn an_admin_issues_renews_and_revokes_and_others_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_db, base) = state(dir.path());
    let ca = sahih_signing::ca::Ca::load_or_create(&dir.path().join("ca")).expect("ca");
    let app = base.app.clone().with_ca(
        ca,
        sahih_signing::ca::CaUrls::under("https://sahih.kota.example"),
    );
    let state = web::Data::new(AppState {
        app: app.clone(),
        secure_cookies: false,
        public_url: None,
    });
    let store = app.store();
    let dinas = store.ensure_agency("DPMPTSP", "Perizinan").expect("agency");
    let other = store.ensure_agency("BPKAD", "Keuangan").expect("agency");
    let admin = user(&app, "admin", Role::Admin, dinas);
    let kadis = user(&app, "kadis", Role::Signer, dinas);
    let kabid = user(&app, "kabid", Role::Verifier, dinas);
    let foreign_admin = user(&app, "admin2", Role::Admin, other);
    let session = |id| {
        let u = store.user(id).expect("load").expect("user");
        new_session(store, Some(u), Lang::Id, false).expect("session")
    };
    let (cookie, v) = session(admin);
    let (kabid_cookie, kv) = session(kabid);
    let (foreign_cookie, fv) = session(foreign_admin);
    let svc = test::init_service(App::new().app_data(state).configure(crate::configure)).await;
    let post = |cookie, uri: String, form: Vec<(&'static str, String)>| {
        test::TestRequest::post()
            .uri(&uri)
            .cookie(cookie)
            .set_form(form)
            .to_request()
    };
    let base_uri = format!("/admin/petugas/{}/sertifikat", kadis.0);

    // Issue: a new key under the first passphrase, and a certificate.
    let issue = |csrf: &str| {
        vec![
            ("csrf", csrf.to_string()),
            ("passphrase", "frasa-sandi-pertama".to_string()),
        ]
    };
    let res = test::call_service(
        &svc,
        post(cookie.clone(), format!("{base_uri}/terbit"), issue(&v.csrf)),
    )
    .await;
    assert_eq!(res.status().as_u16(), 303);
    let certs = store.certificates(Some(kadis)).expect("list");
    assert_eq!(certs.len(), 1);
    let (cert_pem, key_pem) = store
        .officer_credentials(kadis)
        .expect("db")
        .expect("creds");
    assert_eq!(cert_pem, certs[0].cert_pem);
    assert!(
        sahih_signing::SignerKey::from_pem(&key_pem, Some(b"frasa-sandi-pertama")).is_ok(),
        "the officer's key opens with the first passphrase"
    );

    // The page shows it: serial, status.
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
    assert!(html.contains(&certs[0].serial), "{html}");
    assert!(html.contains("data-status=\"valid\""));

    // Renew: the same key, a new serial.
    let res = test::call_service(
        &svc,
        post(
            cookie.clone(),
            format!("{base_uri}/perbarui"),
            vec![("csrf", v.csrf.clone())],
        ),
    )
    .await;
    assert_eq!(res.status().as_u16(), 303);
    let certs = store.certificates(Some(kadis)).expect("list");
    assert_eq!(certs.len(), 2);
    let (_, key_after) = store
        .officer_credentials(kadis)
        .expect("db")
        .expect("creds");
    assert_eq!(key_after, key_pem, "renewal keeps the key");

    // Revoke: unconfirmed is refused, confirmed is final.
    let revoke = |csrf: &str, confirm: &str| {
        vec![
            ("csrf", csrf.to_string()),
            ("serial", certs[0].serial.clone()),
            ("reason", "affiliationChanged".to_string()),
            ("confirm", confirm.to_string()),
        ]
    };
    let refused = [
        (
            post(
                cookie.clone(),
                format!("{base_uri}/cabut"),
                revoke(&v.csrf, ""),
            ),
            400,
            "E_NOT_CONFIRMED",
        ),
        (
            post(
                kabid_cookie.clone(),
                format!("{base_uri}/cabut"),
                revoke(&kv.csrf, "yes"),
            ),
            403,
            "E_WRONG_ROLE",
        ),
        (
            post(kabid_cookie, format!("{base_uri}/terbit"), issue(&kv.csrf)),
            403,
            "E_WRONG_ROLE",
        ),
        (
            post(
                foreign_cookie,
                format!("{base_uri}/cabut"),
                revoke(&fv.csrf, "yes"),
            ),
            404,
            "E_NOT_FOUND",
        ),
        (
            post(
                cookie.clone(),
                format!("{base_uri}/cabut"),
                revoke("wrong", "yes"),
            ),
            403,
            "E_CSRF",
        ),
    ];
    for (req, status, code) in refused {
        let res = test::call_service(&svc, req).await;
        assert_eq!(res.status().as_u16(), status, "{code}");
        let body = String::from_utf8(test::read_body(res).await.to_vec()).expect("utf-8");
        assert!(body.contains(code), "{code}: {body}");
    }
    assert!(
        store.revoked_certificates().expect("list").is_empty(),
        "nothing refused was revoked"
    );
    let res = test::call_service(
        &svc,
        post(
            cookie.clone(),
            format!("{base_uri}/cabut"),
            revoke(&v.csrf, "yes"),
        ),
    )
    .await;
    assert_eq!(res.status().as_u16(), 303);
    let revoked = store.revoked_certificates().expect("list");
    assert_eq!(revoked.len(), 1);
    assert_eq!(revoked[0].reason.as_deref(), Some("affiliationChanged"));
    assert_eq!(revoked[0].revoked_by, Some(admin));
    let again = test::call_service(
        &svc,
        post(cookie, format!("{base_uri}/cabut"), revoke(&v.csrf, "yes")),
    )
    .await;
    assert_eq!(again.status().as_u16(), 409, "a revocation is final");
}
