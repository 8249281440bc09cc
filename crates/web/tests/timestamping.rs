//! The officer's signature at the configured PAdES level (`[signing] level`, `tsa`), a TSA that
//! fails (E_TSA_UNAVAILABLE, nothing stored), and the re-timestamping job of archived documents.

mod common;

use std::sync::Arc;

use common::{Instance, instance, ready_to_sign};
use rcgen::{
    BasicConstraints, CertificateParams, CustomExtension, DistinguishedName, DnType, IsCa, Issuer,
    KeyPair, KeyUsagePurpose,
};
use sahih_signing::tsa::BuiltinTsa;
use sahih_signing::tsp::{TimeStampReq, TimeStamper};
use sahih_signing::verify::{Indication, Policy, SignatureKind, verify};
use sahih_signing::{Certificate, Level, SignerKey, SigningError, load_certificates_pem};
use sahih_store::User;
use sahih_web::app::{App, AppConfig};
use sahih_web::seed::DEMO_KEY_PASSPHRASE;
use sahih_web::timestamping::Timestamping;
use time::{Duration, OffsetDateTime};

/// A TSA whose certificate (and CA) are made here, valid for `days`.
fn tsa_valid_for(days: i64) -> (Arc<BuiltinTsa>, Certificate) {
    let ca_key = KeyPair::generate().expect("key");
    let mut ca = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, format!("TSA CA {days}"));
    ca.distinguished_name = dn;
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    ca.not_before = OffsetDateTime::now_utc() - Duration::days(2);
    ca.not_after = OffsetDateTime::now_utc() + Duration::days(3650);
    let ca_cert = ca.self_signed(&ca_key).expect("ca");
    let issuer = Issuer::new(ca, ca_key);
    let key = KeyPair::generate().expect("key");
    let mut p = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, format!("TSA {days}"));
    p.distinguished_name = dn;
    p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    let mut eku = CustomExtension::from_oid_content(
        &[2, 5, 29, 37],
        vec![
            0x30, 0x0a, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x08,
        ],
    );
    eku.set_criticality(true);
    p.custom_extensions = vec![eku];
    p.not_before = OffsetDateTime::now_utc() - Duration::days(1);
    p.not_after = OffsetDateTime::now_utc() + Duration::days(days);
    let cert = p.signed_by(&key, &issuer).expect("tsa cert");
    let ca = load_certificates_pem(&ca_cert.pem()).expect("ca")[0].clone();
    let tsa = BuiltinTsa::new(
        SignerKey::from_pem(&key.serialize_pem(), None).expect("key"),
        load_certificates_pem(&cert.pem()).expect("cert")[0].clone(),
        vec![ca.clone()],
    )
    .expect("tsa");
    (Arc::new(tsa), ca)
}

/// The instance's application services with `[signing]` set to `level` and `tsa`.
/// The CRLs of a B-LT DSS are checked before it is written (current, of the signer's CA):
/// the demo CA's current CRL, its certificates having no distribution point to fetch.
fn configured(inst: &Instance, level: Level, tsa: Arc<dyn TimeStamper + Send + Sync>) -> App {
    let ca = sahih_signing::ca::Ca::load_or_create(&inst.certs).expect("demo CA");
    let crl = ca
        .crl(&[], 1, OffsetDateTime::now_utc() - Duration::minutes(1))
        .expect("crl");
    let config = AppConfig {
        timestamping: Timestamping {
            level,
            tsa: Some(tsa),
            revocation: Arc::new(sahih_signing::ltv::FixedCrls(vec![crl])),
            ..Timestamping::default()
        },
        ..inst.app.config().clone()
    };
    App::new(inst.app.store().clone(), config)
}

fn signer_of(app: &App, public_id: &str) -> User {
    let doc = app
        .store()
        .document_by_public_id(public_id)
        .expect("load")
        .expect("doc");
    let service = app
        .store()
        .service(doc.service_id)
        .expect("load")
        .expect("service");
    let pending = app
        .pending_step(&doc, &service)
        .expect("pending")
        .expect("open");
    app.store()
        .user(pending.waiting_for()[0])
        .expect("user")
        .expect("signer")
}

fn signed_file(app: &App, public_id: &str) -> Vec<u8> {
    let doc = app
        .store()
        .document_by_public_id(public_id)
        .expect("load")
        .expect("doc");
    let sha = doc.signed_sha256.expect("signed");
    app.store().blobs().get(&sha).expect("blob")
}

fn policy(app: &App, tsa_ca: &Certificate) -> Policy {
    let mut anchors = app.config().trust_anchors.clone();
    anchors.push(tsa_ca.clone());
    Policy {
        trust_anchors: anchors,
        ..Policy::default()
    }
}

#[test]
fn the_officers_signature_is_made_at_the_configured_level() {
    let inst = instance();
    let (tsa, tsa_ca) = tsa_valid_for(1800);
    let app = configured(&inst, Level::BLTA, tsa);
    let id = ready_to_sign(&inst, "tanda-terima-pajak", "0", 1);
    let signer = signer_of(&app, &id);
    app.sign(&signer, &id, DEMO_KEY_PASSPHRASE.as_bytes(), None)
        .expect("signed at B-LTA");
    let pdf = signed_file(&app, &id);
    let report = verify(&pdf, &policy(&app, &tsa_ca)).expect("report");
    assert_eq!(report.indication, Indication::TotalPassed, "{report:#?}");
    let official = report
        .signatures
        .iter()
        .find(|s| s.kind == SignatureKind::Approval && s.field.starts_with("Sahih-TTE"))
        .expect("the official's signature");
    let ts = official
        .timestamp
        .as_ref()
        .expect("a signature timestamp (B-T)");
    assert!(ts.trusted && ts.intact, "{ts:?}");
    assert!(
        report
            .signatures
            .iter()
            .any(|s| s.kind == SignatureKind::DocumentTimestamp),
        "a document timestamp (B-LTA)"
    );
    // The DSS (B-LT) sits between the signature and the document timestamp.
    assert!(pdf.windows(10).any(|w| w == b"/Type /DSS"), "a DSS");
}

struct Unreachable;

impl TimeStamper for Unreachable {
    fn timestamp(&self, _req: &TimeStampReq) -> Result<Vec<u8>, SigningError> {
        Err(SigningError::Timestamp {
            detail: "connection refused".into(),
        })
    }
}

#[test]
fn a_tsa_that_fails_refuses_the_signature_and_stores_nothing() {
    let inst = instance();
    let app = configured(&inst, Level::BT, Arc::new(Unreachable));
    let id = ready_to_sign(&inst, "tanda-terima-pajak", "0", 1);
    let signer = signer_of(&app, &id);
    let before = app
        .store()
        .document_by_public_id(&id)
        .expect("load")
        .expect("doc");
    let err = app
        .sign(&signer, &id, DEMO_KEY_PASSPHRASE.as_bytes(), None)
        .expect_err("no timestamp, no signature");
    assert_eq!(err.code(), "E_TSA_UNAVAILABLE");
    assert_eq!(
        actix_web::ResponseError::status_code(&err).as_u16(),
        503,
        "a TSA outage is the service's, not the officer's"
    );
    let after = app
        .store()
        .document_by_public_id(&id)
        .expect("load")
        .expect("doc");
    assert_eq!(after.state, before.state);
    assert_eq!(after.signed_sha256, None);
    // Once the TSA answers, the same document signs.
    let (tsa, _) = tsa_valid_for(1800);
    configured(&inst, Level::BT, tsa)
        .sign(&signer, &id, DEMO_KEY_PASSPHRASE.as_bytes(), None)
        .expect("signed");
}

#[test]
fn documents_whose_tsa_certificate_nears_expiry_are_re_timestamped_once() {
    let inst = instance();
    let (short, short_ca) = tsa_valid_for(30);
    let id = ready_to_sign(&inst, "tanda-terima-pajak", "0", 1);
    let early = configured(&inst, Level::BT, short);
    let signer = signer_of(&early, &id);
    early
        .sign(&signer, &id, DEMO_KEY_PASSPHRASE.as_bytes(), None)
        .expect("signed at B-T");
    let before = signed_file(&early, &id);

    let (long, long_ca) = tsa_valid_for(1800);
    let app = configured(&inst, Level::BT, long);
    let now = OffsetDateTime::now_utc();
    let first = app.archive_pass(now).expect("pass");
    assert_eq!(first.retimestamped.len(), 1, "{first:?}");
    assert!(first.failed.is_empty(), "{first:?}");
    let after = signed_file(&app, &id);
    assert!(after.starts_with(&before), "earlier bytes are kept");
    let mut policy = policy(&app, &short_ca);
    policy.trust_anchors.push(long_ca);
    let report = verify(&after, &policy).expect("report");
    assert_eq!(report.indication, Indication::TotalPassed, "{report:#?}");
    let stamps = report
        .signatures
        .iter()
        .filter(|s| s.kind == SignatureKind::DocumentTimestamp)
        .count();
    assert_eq!(stamps, 1);
    assert!(
        report
            .signatures
            .iter()
            .all(|s| s.integrity.ok && s.modifications.allowed),
        "every earlier signature stays intact: {report:#?}"
    );

    let second = app.archive_pass(now).expect("pass");
    assert!(second.retimestamped.is_empty(), "{second:?}");
    assert_eq!(signed_file(&app, &id), after);
}

/// Break 6: `POST /tsa` over 8 KiB answered a plain 413 without an error code. Now it is
/// `E_UPLOAD_TOO_LARGE` like every other upload; a request within the limit is still answered
/// (a malformed one with an RFC 3161 rejection, HTTP 200).
#[actix_web::test]
async fn an_oversized_timestamp_request_is_refused_with_its_code() {
    use actix_web::test as web_test;
    let inst = instance();
    let (tsa, _) = tsa_valid_for(30);
    let config = AppConfig {
        timestamping: Timestamping {
            tsa: Some(tsa.clone()),
            builtin: Some(tsa),
            ..Timestamping::default()
        },
        ..inst.app.config().clone()
    };
    let app = App::new(inst.app.store().clone(), config);
    let state = actix_web::web::Data::new(sahih_web::AppState {
        app,
        secure_cookies: false,
        public_url: None,
    });
    let svc = web_test::init_service(
        actix_web::App::new()
            .app_data(state)
            .configure(sahih_web::configure),
    )
    .await;
    let post = |len: usize| {
        web_test::TestRequest::post()
            .uri("/tsa")
            .insert_header(("content-type", "application/timestamp-query"))
            .set_payload(vec![0x30; len])
            .to_request()
    };
    let res = web_test::call_service(&svc, post(8 * 1024 + 1)).await;
    assert_eq!(res.status(), 413);
    let body = String::from_utf8_lossy(&web_test::read_body(res).await).to_string();
    assert!(body.starts_with("E_UPLOAD_TOO_LARGE"), "{body}");
    let res = web_test::call_service(&svc, post(16)).await;
    assert_eq!(res.status(), 200);
}
