//! The signing key's second factor (issue 6, key custody): an officer enrolls a TOTP
//! authenticator, and from then on signing needs the passphrase and a current code; a wrong
//! code refuses signing with its own code and sentence, counts toward the passphrase lockout,
//! and a code is accepted once. An admin's reset removes it; with `require_totp` an officer
//! without one cannot sign.

mod common;

use actix_web::ResponseError;
use sahih_web::app::{Enrollment, KeyUnlock, MAX_FAILURES, SecondFactorSettings};
use sahih_web::seed::DEMO_KEY_PASSPHRASE;
use sahih_web::totp::{TotpSecret, unix_now};
use sahih_workflow::DocumentState;

const PASS: &[u8] = DEMO_KEY_PASSPHRASE.as_bytes();

/// Enrolls `user` as the enrollment page would: reads the secret shown, confirms with the
/// current code; returns the secret.
fn enroll(app: &sahih_web::App, user: &sahih_store::User) -> TotpSecret {
    let Enrollment::Pending {
        secret_base32,
        qr_svg,
    } = app.second_factor_enrollment(user).expect("enrollment")
    else {
        panic!("a new enrollment is pending");
    };
    assert!(qr_svg.starts_with("<svg"), "the page shows a QR code");
    let secret = TotpSecret::from_base32(&secret_base32).expect("base32 secret");
    let wrong = app.confirm_second_factor(user, "000000x");
    assert_eq!(wrong.expect_err("malformed").code(), "E_WRONG_TOTP");
    let now = secret.code_at(unix_now()).expect("code");
    app.confirm_second_factor(user, &now).expect("confirmed");
    assert!(matches!(
        app.second_factor_enrollment(user).expect("page"),
        Enrollment::Enrolled { .. }
    ));
    secret
}

fn state(app: &sahih_web::App, id: &str) -> DocumentState {
    app.store()
        .document_by_public_id(id)
        .expect("db")
        .expect("doc")
        .state
}

#[test]
fn an_enrolled_officer_signs_with_passphrase_and_a_fresh_code_only() {
    let inst = common::instance();
    let app = &inst.app;
    let first = common::ready_to_sign(&inst, "surat-keterangan-usaha", "10000000", 1);
    let second = common::ready_to_sign(&inst, "surat-keterangan-usaha", "10000000", 2);
    let signer = common::api::pending_officer(app, &first);
    let secret = enroll(app, &signer);
    // The confirmation used the current step; the next step's code is already accepted
    // (one step of skew), and is the one the officer's app shows within 30 s.
    let next = secret.code_at(unix_now() + 30).expect("code");

    let refusals = [
        (KeyUnlock::passphrase(PASS), "E_TOTP_REQUIRED", 400),
        (KeyUnlock::with_totp(PASS, "123456x"), "E_WRONG_TOTP", 403),
    ];
    for (unlock, code, status) in refusals {
        let e = app
            .sign_with(&signer, &first, &unlock, None)
            .expect_err("refused");
        assert_eq!((e.code(), e.status_code().as_u16()), (code, status), "{e}");
        assert_eq!(
            state(app, &first),
            DocumentState::Approved,
            "nothing signed"
        );
    }
    app.sign_with(&signer, &first, &KeyUnlock::with_totp(PASS, &next), None)
        .expect("the right passphrase and a fresh code sign");
    assert_eq!(state(app, &first), DocumentState::Signed);
    let replay = app
        .sign_batch_with(
            &signer,
            &[sahih_web::app::BatchItem {
                public_id: second.clone(),
                seen: None,
            }],
            &KeyUnlock::with_totp(PASS, &next),
        )
        .expect_err("the same code again");
    assert_eq!(replay.code(), "E_TOTP_REPLAYED");
    assert_eq!(state(app, &second), DocumentState::Approved);
}

#[test]
fn wrong_codes_count_toward_the_passphrase_lockout() {
    let inst = common::instance();
    let app = &inst.app;
    let first = common::ready_to_sign(&inst, "surat-keterangan-usaha", "10000000", 1);
    let signer = common::api::pending_officer(app, &first);
    let secret = enroll(app, &signer);
    // A right code with a wrong passphrase: the passphrase is what is refused (and counted).
    let next = secret.code_at(unix_now() + 30).expect("code");
    let e = app
        .sign_with(
            &signer,
            &first,
            &KeyUnlock::with_totp(b"salah", &next),
            None,
        )
        .expect_err("wrong passphrase");
    assert_eq!(
        (e.code(), e.status_code().as_u16()),
        ("E_WRONG_PASSPHRASE", 403)
    );
    // Codes that are not the current one (the window's three codes are skipped).
    let window: Vec<String> = (0..3)
        .map(|k| secret.code_at(unix_now() + 30 * k - 30).expect("code"))
        .collect();
    let mut guesses = (0..1000)
        .map(|n| format!("{:06}", n * 1001))
        .filter(|g| !window.contains(g));
    for attempt in 2..=MAX_FAILURES {
        let guess = guesses.next().expect("a wrong code");
        let e = app
            .sign_with(&signer, &first, &KeyUnlock::with_totp(PASS, &guess), None)
            .expect_err("wrong code");
        let expected = if attempt < MAX_FAILURES {
            "E_WRONG_TOTP"
        } else {
            "E_PASSPHRASE_LOCKED"
        };
        assert_eq!(e.code(), expected, "attempt {attempt}: {e}");
    }
    let right = secret.code_at(unix_now() + 30).expect("code");
    let e = app
        .sign_with(&signer, &first, &KeyUnlock::with_totp(PASS, &right), None)
        .expect_err("locked: the right pair waits too");
    assert_eq!(e.code(), "E_PASSPHRASE_LOCKED");
    assert_eq!(state(app, &first), DocumentState::Approved);
}

#[test]
fn required_totp_refuses_the_unenrolled_and_an_admin_reset_removes_it() {
    let inst = common::instance();
    let first = common::ready_to_sign(&inst, "surat-keterangan-usaha", "10000000", 1);
    let signer = common::api::pending_officer(&inst.app, &first);
    let seal_key = inst.app.second_factor_settings().seal_key.clone();
    let strict = inst.app.clone().with_second_factor(SecondFactorSettings {
        require_totp: true,
        seal_key,
    });
    let e = strict
        .sign_with(&signer, &first, &KeyUnlock::passphrase(PASS), None)
        .expect_err("not enrolled");
    assert_eq!(e.code(), "E_TOTP_NOT_ENROLLED");
    assert_eq!(e.status_code().as_u16(), 403);

    enroll(&strict, &signer);
    let admin = inst
        .app
        .authenticate("admin-dpmptsp", "admin-demo-2026")
        .expect("admin");
    let citizen = inst
        .app
        .authenticate("warga", "warga-demo-2026")
        .expect("citizen");
    let refused = strict.admin_reset_second_factor(&citizen, signer.id);
    assert_eq!(refused.expect_err("not an admin").code(), "E_WRONG_ROLE");
    // A citizen holds no key: confirming a second factor is not theirs to do (it said
    // E_TOTP_NOT_PENDING before).
    let refused = strict.confirm_second_factor(&citizen, "123456");
    assert_eq!(refused.expect_err("not an officer").code(), "E_WRONG_ROLE");
    strict
        .admin_reset_second_factor(&admin, signer.id)
        .expect("reset");
    let e = strict
        .sign_with(&signer, &first, &KeyUnlock::passphrase(PASS), None)
        .expect_err("enroll again first");
    assert_eq!(e.code(), "E_TOTP_NOT_ENROLLED");
    // Without the requirement, a reset officer signs with the passphrase as before.
    inst.app
        .sign(&signer, &first, PASS, None)
        .expect("signed with the passphrase");
}

/// On the document page's sign form, a wrong code is refused with its code and the sentence in
/// the officer's language, and the key page shows the QR code until the factor is confirmed.
#[actix_web::test]
async fn the_sign_form_shows_a_wrong_code_as_its_code_and_sentence() {
    use actix_web::test;
    let inst = common::instance();
    let app = inst.app.clone();
    let first = common::ready_to_sign(&inst, "surat-keterangan-usaha", "10000000", 1);
    let signer = common::api::pending_officer(&app, &first);
    let (cookie, visitor) = sahih_web::session::new_session(
        app.store(),
        Some(signer.clone()),
        sahih_web::i18n::Lang::Id,
        false,
    )
    .expect("session");
    let data = actix_web::web::Data::new(sahih_web::AppState {
        app: app.clone(),
        secure_cookies: false,
        public_url: None,
    });
    let svc = test::init_service(
        actix_web::App::new()
            .app_data(data)
            .configure(sahih_web::configure),
    )
    .await;
    let page = test::call_service(
        &svc,
        test::TestRequest::get()
            .uri("/akun/kunci")
            .cookie(cookie.clone())
            .to_request(),
    )
    .await;
    assert_eq!(page.status().as_u16(), 200);
    let html = String::from_utf8(test::read_body(page).await.to_vec()).expect("utf-8");
    assert!(
        html.contains("<svg") && html.contains("id=\"totp-secret\""),
        "{html}"
    );
    enroll(&app, &signer);

    let form = format!(
        "csrf={}&passphrase={}&totp=000000",
        visitor.csrf, DEMO_KEY_PASSPHRASE
    );
    let res = test::call_service(
        &svc,
        test::TestRequest::post()
            .uri(&format!("/petugas/dokumen/{first}/tandatangani"))
            .cookie(cookie)
            .insert_header(("content-type", "application/x-www-form-urlencoded"))
            .set_payload(form)
            .to_request(),
    )
    .await;
    assert_eq!(res.status().as_u16(), 403);
    let html = String::from_utf8(test::read_body(res).await.to_vec()).expect("utf-8");
    assert!(html.contains("E_WRONG_TOTP"), "{html}");
    assert!(
        html.contains("Kode autentikator salah atau sudah kedaluwarsa"),
        "the sentence in Bahasa Indonesia: {html}"
    );
    assert_eq!(state(&app, &first), DocumentState::Approved);
}

/// A paraf that is an approval signature unlocks the verifier's key too: once they enrolled,
/// it needs their code as well as their passphrase.
#[test]
fn an_approval_signature_paraf_needs_the_code_of_an_enrolled_verifier() {
    let inst = common::instance();
    let app = &inst.app;
    let code = "tanda-terima-pajak";
    let id = common::ready_to_sign_until(&inst, code, "150000", 1, "Verifikasi");
    let service = app.service(code).expect("service");
    let doc = app
        .store()
        .document_by_public_id(&id)
        .expect("db")
        .expect("doc");
    let pending = app
        .pending_step(&doc, &service)
        .expect("pending")
        .expect("open");
    assert!(
        pending.step.approval_signature,
        "the example's first step signs"
    );
    let verifier = app
        .store()
        .user(pending.waiting_for()[0])
        .expect("db")
        .expect("verifier");
    let secret = enroll(app, &verifier);
    let e = app
        .paraf_with(&verifier, &id, Some(&KeyUnlock::passphrase(PASS)), None)
        .expect_err("no code");
    assert_eq!(e.code(), "E_TOTP_REQUIRED");
    let next = secret.code_at(unix_now() + 30).expect("code");
    let after = app
        .paraf_with(
            &verifier,
            &id,
            Some(&KeyUnlock::with_totp(PASS, &next)),
            None,
        )
        .expect("paraf with passphrase and code");
    let pending = app
        .pending_step(&after, &service)
        .expect("pending")
        .expect("open");
    assert_eq!(pending.step.name, "Penandatanganan", "the paraf was given");
}

/// The admin officers page's reset button removes the officer's second factor; the officer's
/// key page then offers a new QR code.
#[actix_web::test]
async fn the_admin_page_resets_an_officers_second_factor() {
    use actix_web::test;
    let inst = common::instance();
    let app = inst.app.clone();
    let signer = app
        .authenticate("penandatangan", "penandatangan-demo")
        .expect("signer");
    enroll(&app, &signer);
    let admin = app
        .authenticate("admin-dpmptsp", "admin-demo-2026")
        .expect("admin");
    let (cookie, visitor) =
        sahih_web::session::new_session(app.store(), Some(admin), sahih_web::i18n::Lang::Id, false)
            .expect("session");
    let data = actix_web::web::Data::new(sahih_web::AppState {
        app: app.clone(),
        secure_cookies: false,
        public_url: None,
    });
    let svc = test::init_service(
        actix_web::App::new()
            .app_data(data)
            .configure(sahih_web::configure),
    )
    .await;
    let page = test::call_service(
        &svc,
        test::TestRequest::get()
            .uri("/admin/petugas")
            .cookie(cookie.clone())
            .to_request(),
    )
    .await;
    let html = String::from_utf8(test::read_body(page).await.to_vec()).expect("utf-8");
    let action = format!("/admin/petugas/{}/reset-faktor-kedua", signer.id.0);
    assert!(html.contains(&action), "the page offers the reset");
    let res = test::call_service(
        &svc,
        test::TestRequest::post()
            .uri(&action)
            .cookie(cookie)
            .insert_header(("content-type", "application/x-www-form-urlencoded"))
            .set_payload(format!("csrf={}", visitor.csrf))
            .to_request(),
    )
    .await;
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(app.store().second_factor(signer.id).expect("db"), None);
    assert!(matches!(
        app.second_factor_enrollment(&signer).expect("page"),
        Enrollment::Pending { .. }
    ));
}
