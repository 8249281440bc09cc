//! `/dinas/dasbor` shows an officer their own agency's figures only, and refuses citizens.

use actix_web::cookie::Cookie;
use actix_web::{App, test};
use sahih_store::{Change, NewAttachment, NewDocument, NewUser, Service, ServiceId, Store, User};
use sahih_workflow::{AgencyId, DocumentState, Event, Role, RoutingTemplate, Transition, submit};

use crate::i18n::Lang;
use crate::session::new_session;
use crate::test_support::state;

fn service(store: &Store, agency: AgencyId, code: &str, name: &str) -> ServiceId {
    store
        .ensure_service(&Service {
            id: ServiceId(0),
            agency_id: agency,
            code: code.into(),
            name: name.into(),
            name_en: String::new(),
            description: String::new(),
            description_en: String::new(),
            numbering: None,
            form: Vec::new(),
            template: RoutingTemplate::single_paraf(),
        })
        .expect("service")
}

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

fn submitted(store: &Store, public_id: &str, svc: ServiceId, agency: AgencyId, by: &User) {
    let sha256 = store.blobs().put(b"%PDF-1.7 test").expect("blob");
    let doc = NewDocument {
        public_id: public_id.into(),
        service_id: svc,
        agency_id: agency,
        applicant_id: by.id,
        form: Vec::new(),
        attachment: NewAttachment {
            sha256,
            filename: "a.pdf".into(),
            size: 13,
        },
    };
    store.submit_document(&doc, &submit()).expect("submit");
}

#[actix_web::test]
async fn an_officer_sees_their_own_agencys_figures_and_a_citizen_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_db, state) = state(dir.path());
    let store = state.app.store().clone();
    let licensing = store
        .ensure_agency("DPMPTSP", "Dinas Perizinan")
        .expect("a");
    let planning = store.ensure_agency("BAPPEDA", "Bappeda").expect("b");
    let sku = service(&store, licensing, "sku", "Surat Keterangan Usaha");
    let sppd = service(&store, planning, "sppd", "SPPD Luar Kota");
    let citizen = user(&store, "warga", Role::Citizen, None);
    let officer = user(&store, "verif", Role::Verifier, Some(licensing));
    let planner = user(&store, "bappeda", Role::Admin, Some(planning));
    submitted(&store, "sku-1", sku, licensing, &citizen);
    submitted(&store, "sku-2", sku, licensing, &citizen);
    submitted(&store, "sku-3", sku, licensing, &citizen);
    submitted(&store, "sppd-1", sppd, planning, &citizen);
    // One licensing application is rejected at once: closed, in well under a minute.
    let rejected = store
        .document_by_public_id("sku-3")
        .expect("load")
        .expect("doc");
    let reject = Transition {
        from: DocumentState::Submitted,
        to: DocumentState::Rejected,
        events: vec![Event::Rejected {
            reason: "Bukan wewenang OPD ini".into(),
        }],
    };
    store
        .apply_transition(rejected.id, officer.id, &reject, 1, &Change::default())
        .expect("reject");

    let svc = test::init_service(
        App::new()
            .app_data(state.clone())
            .configure(crate::configure),
    )
    .await;
    let cookie = |user: &User, lang| {
        new_session(&store, Some(user.clone()), lang, false)
            .expect("s")
            .0
    };
    let get = |uri: &str, cookie: Cookie<'static>| {
        test::TestRequest::get()
            .uri(uri)
            .cookie(cookie)
            .to_request()
    };
    let page =
        |res| async move { String::from_utf8(test::read_body(res).await.to_vec()).expect("utf-8") };

    let res = test::call_service(&svc, get("/dinas/dasbor", cookie(&officer, Lang::Id))).await;
    assert_eq!(res.status().as_u16(), 200);
    let html = page(res).await;
    assert!(html.contains("Dasbor OPD · Dinas Perizinan"), "{html}");
    assert!(html.contains("id=\"count-submitted\">2<"), "{html}");
    assert!(html.contains("id=\"count-rejected\">1<"), "{html}");
    assert!(html.contains("id=\"count-signed\">0<"), "{html}");
    assert!(html.contains("Surat Keterangan Usaha"));
    assert!(
        !html.contains("SPPD Luar Kota"),
        "never another agency's service"
    );
    // The rejection's turnaround: 1 document closed, in under a minute; none signed, no chart.
    assert!(
        html.contains("<td>Surat Keterangan Usaha</td><td>0</td><td>—</td><td>—</td><td>1</td><td>&#60; 1 menit</td><td>&#60; 1 menit</td>"),
        "{html}"
    );
    assert!(!html.contains("<svg"));
    assert!(html.contains("<td>Surat Keterangan Usaha</td><td>Verifikasi</td><td>1</td>"));

    let res = test::call_service(
        &svc,
        get("/dinas/dasbor?hari=30", cookie(&planner, Lang::En)),
    )
    .await;
    assert_eq!(res.status().as_u16(), 200);
    let html = page(res).await;
    assert!(html.contains("Agency dashboard · Bappeda"), "{html}");
    assert!(html.contains("id=\"count-submitted\">1<"), "{html}");
    assert!(html.contains("id=\"count-rejected\">0<"), "{html}");
    assert!(html.contains("SPPD Luar Kota") && !html.contains("Surat Keterangan Usaha"));
    assert!(
        html.contains("<option value=\"30\" selected>last 30 days</option>"),
        "{html}"
    );

    let res = test::call_service(&svc, get("/dinas/dasbor", cookie(&citizen, Lang::Id))).await;
    assert_eq!(res.status().as_u16(), 403);
    assert!(page(res).await.contains("E_WRONG_ROLE"));

    for bad in ["hari=0", "hari=abc", "hari=99999"] {
        let uri = format!("/dinas/dasbor?{bad}");
        let res = test::call_service(&svc, get(&uri, cookie(&officer, Lang::Id))).await;
        assert_eq!(res.status().as_u16(), 400, "{bad}");
    }
    let anonymous = test::TestRequest::get().uri("/dinas/dasbor").to_request();
    assert_eq!(
        test::call_service(&svc, anonymous).await.status().as_u16(),
        303
    );
}
