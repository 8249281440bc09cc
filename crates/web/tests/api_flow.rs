//! The integration API end to end, in process: an application of the licensing office submits
//! a PDF, a retry with the same Idempotency-Key makes no second document, officers give paraf
//! and sign, and the application reads status and history, downloads the signed PDF and the
//! log receipt; a direct submission needs its own scope and waits at the signing official.

mod common;

use common::api::{BOUNDARY, multipart, sku_form};

use actix_web::dev::ServiceResponse;
use actix_web::{App as ActixApp, test, web};
use sahih_web::AppState;
use sahih_web::app::Scope;
use sahih_web::seed::DEMO_KEY_PASSPHRASE;
use sahih_workflow::DocumentState;
use serde_json::Value;

fn sku_metadata(route: &str, name: &str) -> String {
    let form = sku_form(name);
    serde_json::json!({"service": "surat-keterangan-usaha", "form": form, "route": route})
        .to_string()
}

fn submit_request(token: &str, idem: Option<&str>, body: Vec<u8>) -> test::TestRequest {
    let mut req = test::TestRequest::post()
        .uri("/api/v1/documents")
        .insert_header(("authorization", format!("Bearer {token}")))
        .insert_header((
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        ));
    if let Some(k) = idem {
        req = req.insert_header(("idempotency-key", k));
    }
    req.set_payload(body)
}

async fn json(res: ServiceResponse) -> Value {
    test::read_body_json(res).await
}

#[actix_web::test]
async fn an_application_submits_once_per_key_and_follows_its_document_to_the_signed_pdf() {
    let inst = common::instance();
    let app = inst.app.clone();
    let agency = app
        .store()
        .agency_by_code("DPMPTSP")
        .expect("db")
        .expect("agency");
    let portal = app
        .ensure_api_application(agency.id, "portal-perizinan", "Portal Perizinan")
        .expect("application");
    let key = app
        .create_api_key(portal.user, &Scope::DEFAULT, None)
        .expect("key");
    let token = key.token.to_string();
    let svc = test::init_service(
        ActixApp::new()
            .app_data(web::Data::new(AppState {
                app: app.clone(),
                secure_cookies: false,
                public_url: Some("https://sahih.kota.example".into()),
            }))
            .configure(sahih_web::configure),
    )
    .await;
    let pdf = common::plain_pdf("SKU Warung Sari");
    let body = multipart(&sku_metadata("template", "Warung Sari"), &pdf);

    let first = test::call_service(
        &svc,
        submit_request(&token, Some("req-1"), body.clone()).to_request(),
    )
    .await;
    assert_eq!(first.status(), 201);
    assert_eq!(
        first
            .headers()
            .get("idempotent-replayed")
            .map(|v| v.as_bytes()),
        Some(&b"false"[..])
    );
    let first = json(first).await;
    let id = first["id"].as_str().expect("id").to_owned();
    assert_eq!(first["state"], "submitted");

    // A retry after a timeout: the same key and request answer with the same document.
    let again = test::call_service(
        &svc,
        submit_request(&token, Some("req-1"), body.clone()).to_request(),
    )
    .await;
    assert_eq!(again.status(), 201);
    assert_eq!(
        again
            .headers()
            .get("idempotent-replayed")
            .map(|v| v.as_bytes()),
        Some(&b"true"[..])
    );
    assert_eq!(json(again).await["id"], id.as_str());
    // The same key with another request is refused, and creates nothing.
    let other = multipart(&sku_metadata("template", "Toko Lain"), &pdf);
    let reused = test::call_service(
        &svc,
        submit_request(&token, Some("req-1"), other).to_request(),
    )
    .await;
    assert_eq!(reused.status(), 422);
    assert_eq!(json(reused).await["code"], "E_IDEMPOTENCY_KEY_REUSED");
    let list = test::call_service(
        &svc,
        test::TestRequest::get()
            .uri("/api/v1/documents")
            .insert_header(("authorization", format!("Bearer {token}")))
            .to_request(),
    )
    .await;
    assert_eq!(list.status(), 200);
    assert_eq!(
        json(list).await["documents"].as_array().map(Vec::len),
        Some(1)
    );

    // Officers give paraf and sign.
    let doc = app
        .store()
        .document_by_public_id(&id)
        .expect("db")
        .expect("doc");
    let service = app.service("surat-keterangan-usaha").expect("service");
    loop {
        let doc = app.store().document(doc.id).expect("db").expect("doc");
        if doc.state == DocumentState::Approved {
            break;
        }
        let pending = app.pending_step(&doc, &service).expect("p").expect("open");
        let officer = app
            .store()
            .user(pending.waiting_for()[0])
            .expect("db")
            .expect("u");
        app.paraf(&officer, &id, Some(DEMO_KEY_PASSPHRASE.as_bytes()), None)
            .expect("paraf");
    }
    let doc = app.store().document(doc.id).expect("db").expect("doc");
    let pending = app.pending_step(&doc, &service).expect("p").expect("open");
    let signer = app
        .store()
        .user(pending.waiting_for()[0])
        .expect("db")
        .expect("u");
    app.sign(&signer, &id, DEMO_KEY_PASSPHRASE.as_bytes(), None)
        .expect("sign");

    let get = |uri: String| {
        test::TestRequest::get()
            .uri(&uri)
            .insert_header(("authorization", format!("Bearer {token}")))
            .to_request()
    };
    let status = json(test::call_service(&svc, get(format!("/api/v1/documents/{id}"))).await).await;
    assert_eq!(status["state"], "signed");
    assert!(
        status["nomor_surat"]
            .as_str()
            .is_some_and(|n| n.contains("DPMPTSP"))
    );
    let events: Vec<&str> = status["history"]
        .as_array()
        .expect("history")
        .iter()
        .filter_map(|e| e["event"].as_str())
        .collect();
    assert_eq!(events.first(), Some(&"submitted"));
    assert!(
        status["history"][0]["from_state"].is_null(),
        "a submission has no state before it, as in the webhook: {}",
        status["history"][0]
    );
    assert!(
        events.contains(&"paraf") && events.contains(&"signed"),
        "{events:?}"
    );
    assert!(
        status["links"]["verification"]
            .as_str()
            .is_some_and(|v| v.starts_with("https://sahih.kota.example/v/"))
    );
    let signed = test::call_service(&svc, get(format!("/api/v1/documents/{id}/signed.pdf"))).await;
    assert_eq!(signed.status(), 200);
    let bytes = test::read_body(signed).await;
    assert!(
        bytes.starts_with(&pdf),
        "the signed PDF is an incremental update of the submitted one"
    );
    // A copy of the signed PDF changed after signing is refused: signing it again would issue
    // a document that fails verification.
    let mut tampered = bytes.to_vec();
    let at = tampered
        .windows(b"Warung Sari".len())
        .position(|w| w == b"Warung Sari")
        .expect("the title in the content stream");
    tampered[at] = b'V';
    let res = test::call_service(
        &svc,
        submit_request(
            &token,
            None,
            multipart(&sku_metadata("template", "Salinan"), &tampered),
        )
        .to_request(),
    )
    .await;
    assert_eq!(res.status(), 422);
    assert_eq!(json(res).await["code"], "E_PDF_SIGNATURE_INVALID");
    // The signed PDF itself, untouched, may be submitted (a later signature on top of it).
    let res = test::call_service(
        &svc,
        submit_request(
            &token,
            None,
            multipart(&sku_metadata("template", "Lanjutan"), &bytes),
        )
        .to_request(),
    )
    .await;
    assert_eq!(res.status(), 201);
    let receipt =
        json(test::call_service(&svc, get(format!("/api/v1/documents/{id}/receipt"))).await).await;
    assert!(
        receipt["leaves"].as_array().is_some_and(|l| l.len() >= 3),
        "{receipt}"
    );

    // Straight to the signing official needs the scope…
    let direct = multipart(&sku_metadata("direct", "Warung Langsung"), &pdf);
    let refused = test::call_service(
        &svc,
        submit_request(&token, None, direct.clone()).to_request(),
    )
    .await;
    assert_eq!(refused.status(), 403);
    let refused = json(refused).await;
    assert_eq!(refused["code"], "E_SCOPE_MISSING");
    assert!(
        refused["detail"]
            .as_str()
            .is_some_and(|d| d.contains("documents:submit-direct")),
        "the problem names the missing scope: {refused}"
    );
    // The PDF sent as a text part (curl's `<` instead of `@`) is named as such.
    let text_part = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"metadata\"\r\n\r\n{}\r\n\
         --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"berkas\"\r\n\r\n%PDF-1.7 \u{e9}\r\n\
         --{BOUNDARY}--\r\n",
        sku_metadata("template", "Warung")
    );
    let res = test::call_service(
        &svc,
        submit_request(&token, None, text_part.into_bytes()).to_request(),
    )
    .await;
    assert_eq!(res.status(), 400);
    let res = json(res).await;
    assert_eq!(res["code"], "E_UPLOAD_MISSING");
    assert!(
        res["detail"]
            .as_str()
            .is_some_and(|d| d.contains("file part")),
        "{res}"
    );
    // A misspelt form field is refused rather than dropped.
    let typo = sku_metadata("template", "Warung").replacen("\"nama_usaha\"", "\"nama_usah\"", 1);
    let res = test::call_service(
        &svc,
        submit_request(&token, None, multipart(&typo, &pdf)).to_request(),
    )
    .await;
    assert_eq!(res.status(), 400);
    let res = json(res).await;
    assert_eq!(res["code"], "E_FORM_FIELD_UNKNOWN");
    assert_eq!(res["type"], "/api/v1/docs#E_FORM_FIELD_UNKNOWN");
    // …and with it, the document waits at the signer at once.
    let direct_key = app
        .create_api_key(
            portal.user,
            &[Scope::Submit, Scope::SubmitDirect, Scope::Read],
            None,
        )
        .expect("key");
    let res = test::call_service(
        &svc,
        submit_request(&direct_key.token, None, direct).to_request(),
    )
    .await;
    assert_eq!(res.status(), 201);
    assert_eq!(json(res).await["state"], "approved");
    // `in_review` lists documents at any paraf step: none now (one signed, one approved).
    let page =
        json(test::call_service(&svc, get("/api/v1/documents?state=in_review".into())).await).await;
    assert_eq!(
        page["documents"].as_array().map(Vec::len),
        Some(0),
        "{page}"
    );
    let page =
        json(test::call_service(&svc, get("/api/v1/documents?state=approved".into())).await).await;
    assert_eq!(
        page["documents"].as_array().map(Vec::len),
        Some(1),
        "{page}"
    );
}

#[actix_web::test]
async fn a_returned_document_is_resubmitted_once_per_idempotency_key() {
    let inst = common::instance();
    let app = inst.app.clone();
    let agency = app
        .store()
        .agency_by_code("DPMPTSP")
        .expect("db")
        .expect("agency");
    let portal = app
        .ensure_api_application(agency.id, "portal-perizinan", "Portal Perizinan")
        .expect("application");
    let token = app
        .create_api_key(portal.user, &Scope::DEFAULT, None)
        .expect("key")
        .token
        .to_string();
    let svc = test::init_service(
        ActixApp::new()
            .app_data(web::Data::new(AppState {
                app: app.clone(),
                secure_cookies: false,
                public_url: None,
            }))
            .configure(sahih_web::configure),
    )
    .await;
    let pdf = common::plain_pdf("SKU");
    let res = test::call_service(
        &svc,
        submit_request(
            &token,
            None,
            multipart(&sku_metadata("template", "Warung"), &pdf),
        )
        .to_request(),
    )
    .await;
    let id = json(res).await["id"].as_str().expect("id").to_owned();
    let resubmit = |idem: &str, name: &str| {
        test::TestRequest::post()
            .uri(&format!("/api/v1/documents/{id}/resubmit"))
            .insert_header(("authorization", format!("Bearer {token}")))
            .insert_header((
                "content-type",
                format!("multipart/form-data; boundary={BOUNDARY}"),
            ))
            .insert_header(("idempotency-key", idem.to_owned()))
            .set_payload(multipart(
                &serde_json::json!({"form": sku_form(name)}).to_string(),
                &common::plain_pdf("SKU v2"),
            ))
            .to_request()
    };
    // Not returned yet: nothing to resubmit.
    let early = test::call_service(&svc, resubmit("r-0", "Warung Baru")).await;
    assert_eq!(early.status(), 409);
    assert_eq!(json(early).await["code"], "E_TRANSITION_NOT_ALLOWED");

    let doc = app
        .store()
        .document_by_public_id(&id)
        .expect("db")
        .expect("doc");
    let service = app.service("surat-keterangan-usaha").expect("service");
    let pending = app.pending_step(&doc, &service).expect("p").expect("open");
    let verifier = app
        .store()
        .user(pending.waiting_for()[0])
        .expect("db")
        .expect("u");
    app.act(
        &verifier,
        &id,
        sahih_workflow::Command::Return {
            comment: "Nama usaha salah".into(),
            to: sahih_workflow::ReturnTo::Applicant,
        },
        None,
        None,
    )
    .expect("return");

    let first = test::call_service(&svc, resubmit("r-1", "Warung Baru")).await;
    assert_eq!(first.status(), 200);
    let first = json(first).await;
    assert_eq!(first["state"], "submitted");
    assert_eq!(first["version"], 2);
    assert_eq!(first["form"]["nama_usaha"], "Warung Baru");
    // The retry answers with the document as it is, and makes no third version.
    let again = test::call_service(&svc, resubmit("r-1", "Warung Baru")).await;
    assert_eq!(again.status(), 200);
    assert_eq!(
        again
            .headers()
            .get("idempotent-replayed")
            .map(|v| v.as_bytes()),
        Some(&b"true"[..])
    );
    assert_eq!(json(again).await["version"], 2);
    let events = app.store().events(doc.id).expect("events");
    assert_eq!(events.iter().filter(|e| e.kind == "resubmitted").count(), 1);

    // Returned again, it may go straight back to the signing official, with that scope only.
    let pending = app
        .pending_step(
            &app.store().document(doc.id).expect("db").expect("doc"),
            &service,
        )
        .expect("p")
        .expect("open");
    let verifier = app
        .store()
        .user(pending.waiting_for()[0])
        .expect("db")
        .expect("u");
    app.act(
        &verifier,
        &id,
        sahih_workflow::Command::Return {
            comment: "Alamat kurang".into(),
            to: sahih_workflow::ReturnTo::Applicant,
        },
        None,
        None,
    )
    .expect("return");
    let direct = |token: &str| {
        test::TestRequest::post()
            .uri(&format!("/api/v1/documents/{id}/resubmit"))
            .insert_header(("authorization", format!("Bearer {token}")))
            .insert_header((
                "content-type",
                format!("multipart/form-data; boundary={BOUNDARY}"),
            ))
            .set_payload(multipart(
                &serde_json::json!({"form": first["form"].clone(), "route": "direct"}).to_string(),
                &common::plain_pdf("SKU v3"),
            ))
            .to_request()
    };
    let refused = test::call_service(&svc, direct(&token)).await;
    assert_eq!(refused.status(), 403);
    assert_eq!(json(refused).await["code"], "E_SCOPE_MISSING");
    let direct_key = app
        .create_api_key(portal.user, &[Scope::Submit, Scope::SubmitDirect], None)
        .expect("key");
    let res = test::call_service(&svc, direct(&direct_key.token)).await;
    assert_eq!(res.status(), 200);
    let res = json(res).await;
    assert_eq!(
        (res["state"].as_str(), res["version"].as_i64()),
        (Some("approved"), Some(3))
    );
    assert!(
        res.get("history").is_none(),
        "a key that may not read gets no history"
    );
}
