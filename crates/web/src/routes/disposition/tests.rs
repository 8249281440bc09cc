//! Disposisi and delegation through the real routes: the recipient (even of another agency)
//! sees the disposisi and its document, an unrelated officer sees neither, citizens get 403.

use actix_web::cookie::Cookie;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::{App, test};
use sahih_store::{NewAttachment, NewDocument, NewUser, Service as Layanan, ServiceId, User};
use sahih_workflow::{
    AgencyId, DispositionState, FieldKind, FormField, Role, RoutingTemplate, submit,
};

use crate::i18n::Lang;
use crate::session::new_session;
use crate::test_support::state;

struct Officials {
    head: User,
    analyst: User,
    unrelated: User,
    citizen: User,
    public_id: String,
}

fn user(app: &crate::App, login: &str, role: Role, agency: Option<AgencyId>) -> User {
    let id = app
        .store()
        .create_user(&NewUser {
            login: login.into(),
            name: format!("Nama {login}"),
            email: None,
            password_hash: "$argon2id$fake".into(),
            role,
            agency_id: agency,
            position: Some("Kepala Dinas".into()),
            cert_pem: None,
            key_pem: None,
        })
        .expect("user");
    app.store().user(id).expect("load").expect("exists")
}

/// The head of the licensing office, an analyst of the finance agency placed under them, an
/// unrelated officer of the finance agency, a citizen and the citizen's application.
fn officials(app: &crate::App) -> Officials {
    let store = app.store();
    let licensing = store.ensure_agency("DPMPTSP", "Perizinan").expect("agency");
    let finance = store.ensure_agency("BPKAD", "Keuangan").expect("agency");
    let head = user(app, "kadis", Role::Signer, Some(licensing));
    let analyst = user(app, "analis", Role::Verifier, Some(finance));
    let unrelated = user(app, "lain", Role::Verifier, Some(finance));
    let citizen = user(app, "warga", Role::Citizen, None);
    store
        .set_supervisor(analyst.id, Some(head.id))
        .expect("hierarchy");
    let service = store
        .ensure_service(&Layanan {
            id: ServiceId(0),
            agency_id: licensing,
            code: "sku".into(),
            name: "Surat Keterangan Usaha".into(),
            name_en: String::new(),
            description: String::new(),
            description_en: String::new(),
            form: vec![FormField {
                name: "nama".into(),
                label_id: "Nama".into(),
                label_en: "Name".into(),
                kind: FieldKind::Text,
                required: true,
                max_chars: 50,
                options: Vec::new(),
            }],
            template: RoutingTemplate::single_paraf(),
            numbering: None,
        })
        .expect("service");
    let sha256 = store.blobs().put(b"%PDF-1.7 test").expect("blob");
    let public_id = "ab".repeat(16);
    store
        .submit_document(
            &NewDocument {
                public_id: public_id.clone(),
                service_id: service,
                agency_id: licensing,
                applicant_id: citizen.id,
                form: vec![("nama".into(), "Warung".into())],
                attachment: NewAttachment {
                    sha256,
                    filename: "a.pdf".into(),
                    size: 13,
                },
            },
            &submit(),
        )
        .expect("submit");
    Officials {
        head,
        analyst,
        unrelated,
        citizen,
        public_id,
    }
}

async fn body(res: ServiceResponse) -> String {
    String::from_utf8(test::read_body(res).await.to_vec()).expect("utf-8")
}

const INSTRUCTION: &str = "Mohon telaah laporan keuangan pemohon.";

#[actix_web::test]
async fn the_recipient_sees_the_disposisi_and_the_document_and_nobody_else_does() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_db, state) = state(dir.path());
    let app = state.app.clone();
    let o = officials(&app);
    let session = |u: &User| new_session(app.store(), Some(u.clone()), Lang::Id, false).expect("s");
    let (head, head_v) = session(&o.head);
    let (analyst, analyst_v) = session(&o.analyst);
    let (unrelated, unrelated_v) = session(&o.unrelated);
    let (citizen, citizen_v) = session(&o.citizen);
    let svc = test::init_service(App::new().app_data(state).configure(crate::configure)).await;
    let get = |uri: &str, cookie: &Cookie<'static>| {
        test::TestRequest::get()
            .uri(uri)
            .cookie(cookie.clone())
            .to_request()
    };
    let post = |uri: &str, cookie: &Cookie<'static>, form: &[(&str, &str)]| {
        test::TestRequest::post()
            .uri(uri)
            .cookie(cookie.clone())
            .set_form(form)
            .to_request()
    };
    let doc_page = format!("/petugas/dokumen/{}", o.public_id);
    let forward = format!("{doc_page}/disposisi");
    let analyst_id = o.analyst.id.0.to_string();

    // The head's page offers the analyst; a form without the token, or to an officer outside
    // the head's hierarchy, forwards nothing.
    let html = body(svc.call(get(&doc_page, &head)).await.expect("call")).await;
    assert!(
        html.contains("id=\"disposisi-form\"") && html.contains("Nama analis"),
        "{html}"
    );
    assert!(!html.contains("Nama lain"), "only subordinates are offered");
    let res = svc.call(get(&doc_page, &analyst)).await.expect("call");
    assert_eq!(
        res.status().as_u16(),
        403,
        "another agency's document, before the disposisi"
    );
    let no_csrf = [("kepada", analyst_id.as_str()), ("instruksi", INSTRUCTION)];
    let res = svc
        .call(post(&forward, &head, &no_csrf))
        .await
        .expect("call");
    assert_eq!(res.status().as_u16(), 403);
    let unrelated_id = o.unrelated.id.0.to_string();
    let outside = [
        ("csrf", head_v.csrf.as_str()),
        ("kepada", unrelated_id.as_str()),
        ("instruksi", INSTRUCTION),
    ];
    let res = svc
        .call(post(&forward, &head, &outside))
        .await
        .expect("call");
    assert_eq!(res.status().as_u16(), 403);
    assert!(body(res).await.contains("E_NOT_SUBORDINATE"));
    let blank = [
        ("csrf", head_v.csrf.as_str()),
        ("kepada", analyst_id.as_str()),
        ("instruksi", " \u{200B} "),
    ];
    let res = svc.call(post(&forward, &head, &blank)).await.expect("call");
    assert_eq!(res.status().as_u16(), 400);
    assert!(body(res).await.contains("E_INSTRUCTION_REQUIRED"));
    let good = [
        ("csrf", head_v.csrf.as_str()),
        ("kepada", analyst_id.as_str()),
        ("instruksi", INSTRUCTION),
    ];
    let res = svc.call(post(&forward, &head, &good)).await.expect("call");
    assert_eq!(res.status().as_u16(), 303);

    // Before the disposisi the analyst of another agency could not open the document; now
    // they see it in their list, unread, and can open it. The unrelated officer sees nothing.
    let inbox = body(
        svc.call(get("/petugas/disposisi", &analyst))
            .await
            .expect("call"),
    )
    .await;
    assert!(
        inbox.contains(INSTRUCTION) && inbox.contains("Belum dibaca"),
        "{inbox}"
    );
    let other = body(
        svc.call(get("/petugas/disposisi", &unrelated))
            .await
            .expect("call"),
    )
    .await;
    assert!(!other.contains(INSTRUCTION));
    let res = svc.call(get(&doc_page, &unrelated)).await.expect("call");
    assert_eq!(res.status().as_u16(), 403);
    let res = svc.call(get(&doc_page, &analyst)).await.expect("call");
    assert_eq!(res.status().as_u16(), 200);

    let d = app.store().dispositions_to(o.analyst.id).expect("q");
    let n = d[0].id.0;
    let res = svc
        .call(get(&format!("/petugas/disposisi/{n}"), &unrelated))
        .await
        .expect("call");
    assert_eq!(res.status().as_u16(), 404, "not revealed to others");
    let res = svc
        .call(get(&format!("/petugas/disposisi/{n}"), &analyst))
        .await
        .expect("call");
    assert_eq!(res.status().as_u16(), 303, "opening leads to the document");
    let state_now = || app.store().dispositions_to(o.analyst.id).expect("q")[0].state;
    assert_eq!(state_now(), DispositionState::Read);

    // Read: the head can no longer cancel it; the analyst completes it with a note.
    let cancel = format!("/petugas/disposisi/{n}/batal");
    let res = svc
        .call(post(&cancel, &head, &[("csrf", head_v.csrf.as_str())]))
        .await
        .expect("call");
    assert_eq!(res.status().as_u16(), 409);
    assert!(body(res).await.contains("E_DISPOSITION_READ"));
    let complete = format!("/petugas/disposisi/{n}/selesai");
    let res = svc
        .call(post(
            &complete,
            &unrelated,
            &[("csrf", unrelated_v.csrf.as_str()), ("catatan", "x")],
        ))
        .await
        .expect("call");
    assert_eq!(res.status().as_u16(), 404);
    let res = svc
        .call(post(
            &complete,
            &analyst,
            &[("csrf", analyst_v.csrf.as_str())],
        ))
        .await
        .expect("call");
    assert_eq!(res.status().as_u16(), 400);
    assert!(body(res).await.contains("E_NOTE_REQUIRED"));
    let res = svc
        .call(post(
            &complete,
            &analyst,
            &[
                ("csrf", analyst_v.csrf.as_str()),
                ("catatan", "Sudah ditelaah, lengkap."),
            ],
        ))
        .await
        .expect("call");
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(state_now(), DispositionState::Completed);
    let html = body(svc.call(get(&doc_page, &head)).await.expect("call")).await;
    assert!(html.contains("Sudah ditelaah, lengkap.") && html.contains("Selesai"));

    // Citizens: 403 on every disposisi and delegation route, and the instruction is not on
    // their application's page.
    for uri in ["/petugas/disposisi", "/petugas/delegasi"] {
        let res = svc.call(get(uri, &citizen)).await.expect("call");
        assert_eq!(res.status().as_u16(), 403, "{uri}");
    }
    let as_citizen = [
        ("csrf", citizen_v.csrf.as_str()),
        ("kepada", analyst_id.as_str()),
        ("instruksi", INSTRUCTION),
    ];
    let res = svc
        .call(post(&forward, &citizen, &as_citizen))
        .await
        .expect("call");
    assert_eq!(res.status().as_u16(), 403);
    let own = format!("/permohonan/{}", o.public_id);
    let html = body(svc.call(get(&own, &citizen)).await.expect("call")).await;
    assert!(
        html.contains("Didisposisikan"),
        "the event is in the timeline"
    );
    assert!(
        !html.contains(INSTRUCTION),
        "the instruction is the officers'"
    );
    assert_eq!(
        app.store().dispositions_to(o.analyst.id).expect("q").len(),
        1
    );
}

#[actix_web::test]
async fn a_signing_official_grants_a_bounded_delegation_and_revokes_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_db, state) = state(dir.path());
    let app = state.app.clone();
    let o = officials(&app);
    let agency = o.head.agency_id;
    let deputy = user(&app, "sekretaris", Role::Verifier, agency);
    let session = |u: &User| new_session(app.store(), Some(u.clone()), Lang::En, false).expect("s");
    let (head, head_v) = session(&o.head);
    let (deputy_c, deputy_v) = session(&deputy);
    let svc = test::init_service(App::new().app_data(state).configure(crate::configure)).await;
    let today = crate::app::day_wib(sahih_store::now());
    let later = crate::app::day_wib(sahih_store::now() + 6 * 86_400);
    let too_late = crate::app::day_wib(sahih_store::now() + 100 * 86_400);
    let deputy_id = deputy.id.0.to_string();
    let grant = |cookie: &Cookie<'static>, csrf: &str, until: &str| {
        test::TestRequest::post()
            .uri("/petugas/delegasi")
            .cookie(cookie.clone())
            .set_form([
                ("csrf", csrf),
                ("pelaksana", deputy_id.as_str()),
                ("jenis", "plh"),
                ("mulai", today.as_str()),
                ("sampai", until),
            ])
            .to_request()
    };
    let res = svc
        .call(grant(&head, &head_v.csrf, &too_late))
        .await
        .expect("call");
    assert_eq!(res.status().as_u16(), 400);
    assert!(body(res).await.contains("E_DELEGATION_TOO_LONG"));
    let res = svc
        .call(grant(&deputy_c, &deputy_v.csrf, &later))
        .await
        .expect("call");
    assert_eq!(res.status().as_u16(), 403, "a verifier lends no authority");
    let res = svc
        .call(grant(&head, &head_v.csrf, &later))
        .await
        .expect("call");
    assert_eq!(res.status().as_u16(), 303);

    let page = |cookie: &Cookie<'static>| {
        test::TestRequest::get()
            .uri("/petugas/delegasi")
            .cookie(cookie.clone())
            .to_request()
    };
    let html = body(svc.call(page(&deputy_c)).await.expect("call")).await;
    assert!(
        html.contains("Plh. Kepala Dinas") && html.contains("Active"),
        "{html}"
    );
    assert!(html.contains(&format!("{today} – {later}")), "{html}");
    let held = app
        .store()
        .active_delegations_to(deputy.id, sahih_store::now())
        .expect("q");
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].delegation.delegator, o.head.id);

    let revoke = format!("/petugas/delegasi/{}/cabut", held[0].id.0);
    let post = |cookie: &Cookie<'static>, csrf: &str| {
        test::TestRequest::post()
            .uri(&revoke)
            .cookie(cookie.clone())
            .set_form([("csrf", csrf)])
            .to_request()
    };
    let res = svc
        .call(post(&deputy_c, &deputy_v.csrf))
        .await
        .expect("call");
    assert_eq!(
        res.status().as_u16(),
        404,
        "the acting official cannot revoke it"
    );
    let res = svc.call(post(&head, &head_v.csrf)).await.expect("call");
    assert_eq!(res.status().as_u16(), 303);
    let html = body(svc.call(page(&deputy_c)).await.expect("call")).await;
    assert!(html.contains("Revoked"), "{html}");
    assert!(
        app.store()
            .active_delegations_to(deputy.id, sahih_store::now())
            .expect("q")
            .is_empty()
    );

    // The agency's admin grants for the head; the grant names the head as delegator and the
    // admin as who made it.
    let admin = user(&app, "admin", Role::Admin, agency);
    let (admin_c, admin_v) = session(&admin);
    let head_id = o.head.id.0.to_string();
    let on_behalf = test::TestRequest::post()
        .uri("/petugas/delegasi")
        .cookie(admin_c)
        .set_form([
            ("csrf", admin_v.csrf.as_str()),
            ("pemberi", head_id.as_str()),
            ("pelaksana", deputy_id.as_str()),
            ("jenis", "plt"),
            ("mulai", today.as_str()),
            ("sampai", later.as_str()),
        ])
        .to_request();
    let res = svc.call(on_behalf).await.expect("call");
    assert_eq!(res.status().as_u16(), 303);
    let held = app
        .store()
        .active_delegations_to(deputy.id, sahih_store::now())
        .expect("q");
    assert_eq!(
        held.iter()
            .map(|g| (g.delegation.delegator, g.created_by))
            .collect::<Vec<_>>(),
        vec![(o.head.id, admin.id)]
    );
}
