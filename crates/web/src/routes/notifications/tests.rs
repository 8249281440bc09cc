//! `/notifikasi` shows a user their own notices, in their language, and never another's.

use actix_web::cookie::Cookie;
use actix_web::{App, test};

use crate::app::{Notice, NoticeKind};
use crate::i18n::Lang;
use crate::session::new_session;
use crate::test_support::state;

#[actix_web::test]
async fn the_page_shows_the_owner_their_notices_and_never_another_users() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_db, state) = state(dir.path());
    let app = state.app.clone();
    let siti = app
        .register_citizen("siti", "Siti Aminah", "", "rahasia-siti-2026")
        .expect("siti");
    let budi = app
        .register_citizen("budi", "Budi Santoso", "", "rahasia-budi-2026")
        .expect("budi");
    let delegation = |user, from: &str| Notice {
        user,
        kind: NoticeKind::DelegationGranted {
            from: from.into(),
            until: "2026-12-31".into(),
        },
        document: None,
    };
    app.notify(vec![
        delegation(siti.id, "Kepala Dinas Perizinan"),
        delegation(budi.id, "Sekretaris Bappeda"),
    ])
    .expect("notify");
    let (siti_cookie, siti_v) =
        new_session(app.store(), Some(siti.clone()), Lang::Id, false).expect("session");
    let (budi_cookie, budi_v) =
        new_session(app.store(), Some(budi.clone()), Lang::En, false).expect("session");
    let svc = test::init_service(App::new().app_data(state).configure(crate::configure)).await;
    let get = |cookie: Cookie<'static>| {
        test::TestRequest::get()
            .uri("/notifikasi")
            .cookie(cookie)
            .to_request()
    };
    let page =
        |res| async move { String::from_utf8(test::read_body(res).await.to_vec()).expect("utf-8") };

    let res = test::call_service(&svc, get(siti_cookie.clone())).await;
    assert_eq!(res.status().as_u16(), 200);
    let html = page(res).await;
    assert!(
        html.contains("Kepala Dinas Perizinan melimpahkan wewenang"),
        "{html}"
    );
    assert!(
        !html.contains("Sekretaris Bappeda"),
        "never another user's notice"
    );
    assert!(
        html.contains("id=\"unread-count\""),
        "the badge counts the unread"
    );

    let res = test::call_service(&svc, get(budi_cookie.clone())).await;
    let html = page(res).await;
    assert!(
        html.contains("Sekretaris Bappeda delegated their signing authority"),
        "in Budi's language: {html}"
    );
    assert!(!html.contains("Kepala Dinas Perizinan"));

    // Budi's "mark all read" marks only his; a form without the CSRF token marks nothing.
    let post = |cookie: Cookie<'static>, csrf: &str| {
        test::TestRequest::post()
            .uri("/notifikasi/baca")
            .cookie(cookie)
            .set_form([("csrf", csrf)])
            .to_request()
    };
    let res = test::call_service(&svc, post(siti_cookie.clone(), "")).await;
    assert_eq!(res.status().as_u16(), 403);
    let res = test::call_service(&svc, post(budi_cookie.clone(), &budi_v.csrf)).await;
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(app.unread_notices(budi.id).expect("count"), 0);
    assert_eq!(app.unread_notices(siti.id).expect("count"), 1);
    let res = test::call_service(&svc, post(siti_cookie.clone(), &siti_v.csrf)).await;
    assert_eq!(res.status().as_u16(), 303);
    let html = page(test::call_service(&svc, get(siti_cookie)).await).await;
    assert!(!html.contains("id=\"unread-count\""), "no badge once read");
    assert!(
        html.contains("Kepala Dinas Perizinan"),
        "read notices stay listed"
    );

    let anonymous = test::TestRequest::get().uri("/notifikasi").to_request();
    let res = test::call_service(&svc, anonymous).await;
    assert_eq!(res.status().as_u16(), 303, "login first");
}
