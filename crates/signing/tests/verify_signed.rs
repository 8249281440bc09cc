//! The verifier on what Sahih's own signer makes: a signature it made passes with its CA as
//! the anchor; without the anchor, at a time outside the certificate's validity, with a
//! changed byte, or after a later update that changes content, it does not, and the report
//! says why.

mod common;

use common::{append_update, assemble};
use sahih_signing::devca::{DevOfficer, dev_init, issue_for_key};
use sahih_signing::verify::{
    Indication, ModificationLevel, Policy, Report, SubIndication, signed_revision, verify,
};
use sahih_signing::{SignatureOptions, SignerKey, load_certificates_pem, sign_pdf};
use time::OffsetDateTime;

const PASS: &[u8] = b"unit-test";

/// A one-page PDF with a classic xref table.
fn plain_pdf() -> Vec<u8> {
    let bodies = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        "<< /Length 36 >>\nstream\nBT /F1 12 Tf 72 720 Td (Surat) Tj ET\nendstream",
    ];
    assemble(&bodies.map(String::from))
}

struct Pki {
    _dir: tempfile::TempDir,
    key: SignerKey,
    cert: sahih_signing::Certificate,
    ca: Vec<sahih_signing::Certificate>,
}

fn officer() -> DevOfficer {
    DevOfficer {
        login: "s".into(),
        name: "Rina Wulandari".into(),
        position: "Kepala Dinas".into(),
        agency: "DPMPTSP".into(),
    }
}

fn read_pki(dir: tempfile::TempDir, creds: &sahih_signing::devca::DevCredentials) -> Pki {
    let key = SignerKey::from_pem(
        &std::fs::read_to_string(&creds.key).expect("key"),
        Some(PASS),
    )
    .expect("key");
    let cert = load_certificates_pem(&std::fs::read_to_string(&creds.cert).expect("cert"))
        .expect("cert")[0]
        .clone();
    let ca = load_certificates_pem(
        &std::fs::read_to_string(dir.path().join(sahih_signing::devca::CA_CERT_FILE)).expect("ca"),
    )
    .expect("ca");
    Pki {
        _dir: dir,
        key,
        cert,
        ca,
    }
}

fn p256() -> Pki {
    let dir = tempfile::tempdir().expect("tempdir");
    let creds = dev_init(dir.path(), &[officer()], PASS).expect("pki");
    read_pki(dir, &creds[0])
}

fn ed25519() -> Pki {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).expect("random");
    let key = ed25519_dalek::SigningKey::from_bytes(&seed);
    let der = ed25519_dalek::pkcs8::EncodePrivateKey::to_pkcs8_der(&key).expect("pkcs8");
    let creds = issue_for_key(dir.path(), &officer(), der.as_bytes(), PASS).expect("issue");
    read_pki(dir, &creds)
}

fn sign(pki: &Pki, pdf: &[u8]) -> Vec<u8> {
    sign_pdf(
        pdf,
        &pki.key,
        &pki.cert,
        &pki.ca,
        &SignatureOptions::default(),
    )
    .expect("sign")
    .bytes
}

fn trusting(pki: &Pki) -> Policy {
    Policy {
        trust_anchors: pki.ca.clone(),
        ..Policy::default()
    }
}

fn report(pdf: &[u8], policy: &Policy) -> Report {
    verify(pdf, policy).unwrap_or_else(|u| panic!("unusable: {}", u.reason))
}

#[test]
fn a_sahih_signature_passes_with_its_ca_and_says_who_signed() {
    for pki in [p256(), ed25519()] {
        let signed = sign(&pki, &plain_pdf());
        let r = report(&signed, &trusting(&pki));
        assert_eq!(r.indication, Indication::TotalPassed, "{r:?}");
        let s = &r.signatures[0];
        assert_eq!(s.format, "PAdES B-B");
        assert!(s.covers_whole_file);
        assert_eq!(s.revision, Some(2));
        assert_eq!(s.modifications.level, ModificationLevel::None);
        let signer = s.signer.as_ref().expect("signer");
        assert_eq!(signer.common_name, "Rina Wulandari");
        assert_eq!(signer.organization.as_deref(), Some("DPMPTSP"));
        assert_eq!(
            s.chain.len(),
            2,
            "the signer, then the anchor that issued it"
        );
        assert!(s.chain[1].contains("Sahih Development CA"), "{:?}", s.chain);
    }
}

#[test]
fn without_the_anchor_or_outside_the_validity_the_verdict_is_indeterminate() {
    let pki = p256();
    let signed = sign(&pki, &plain_pdf());
    let r = report(&signed, &Policy::default());
    assert_eq!(r.indication, Indication::Indeterminate);
    assert_eq!(
        r.sub_indication,
        Some(SubIndication::NoCertificateChainFound)
    );
    assert!(r.signatures[0].integrity.ok && r.signatures[0].crypto.ok);

    let past = Policy {
        at: Some(OffsetDateTime::UNIX_EPOCH),
        ..trusting(&pki)
    };
    let r = report(&signed, &past);
    assert_eq!(r.sub_indication, Some(SubIndication::OutOfBoundsNoPoe));
}

#[test]
fn a_changed_signed_byte_is_a_hash_failure() {
    let pki = p256();
    let mut signed = sign(&pki, &plain_pdf());
    let at = signed
        .windows(5)
        .position(|w| w == b"Surat")
        .expect("page text");
    signed[at] = b's';
    let r = report(&signed, &trusting(&pki));
    assert_eq!(r.indication, Indication::TotalFailed);
    assert_eq!(
        r.signatures[0].sub_indication,
        Some(SubIndication::HashFailure)
    );
    assert_eq!(r.signatures[0].reason, "V_DIGEST_MISMATCH");
}

#[test]
fn a_second_signature_keeps_the_first_valid_and_is_reported_as_such() {
    let pki = p256();
    let twice = sign(&pki, &sign(&pki, &plain_pdf()));
    let r = report(&twice, &trusting(&pki));
    assert_eq!(r.indication, Indication::TotalPassed, "{r:?}");
    assert_eq!(r.signatures.len(), 2);
    let first = &r.signatures[0];
    assert_eq!(
        first.modifications.level,
        ModificationLevel::SignaturesAndTimestamps
    );
    assert!(first.modifications.allowed && !first.covers_whole_file);
    // The first signature's signed revision is itself a document signed once, as a whole.
    let prefix = signed_revision(&twice, &r, &first.field).expect("revision");
    let alone = report(prefix, &trusting(&pki));
    assert!(alone.signatures[0].covers_whole_file);
    assert_eq!(alone.indication, Indication::TotalPassed);
}

#[test]
fn content_changed_in_a_later_update_fails_and_names_the_object() {
    let pki = p256();
    let signed = sign(&pki, &plain_pdf());
    let changed = append_update(
        &signed,
        &[(
            4,
            b"<< /Length 36 >>\nstream\nBT /F1 12 Tf 72 720 Td (Palsu) Tj ET\nendstream".to_vec(),
        )],
    );
    let r = report(&changed, &trusting(&pki));
    assert_eq!(r.indication, Indication::TotalFailed);
    let s = &r.signatures[0];
    assert_eq!(s.sub_indication, Some(SubIndication::FormatFailure));
    assert_eq!(s.modifications.level, ModificationLevel::Other);
    assert!(s.integrity.ok, "the signed revision itself is intact");
    assert!(
        s.modifications.changes.iter().any(|c| c.object == "4 0"),
        "{:?}",
        s.modifications.changes
    );
}

#[test]
fn an_update_that_re_points_an_object_to_earlier_bytes_fails() {
    let pki = p256();
    let signed = sign(&pki, &plain_pdf());
    // Object 4 re-pointed at the bytes of object 2, already in the signed revision: a
    // trailer-and-xref-only update, the shadow "hide-and-replace" shape.
    let text = String::from_utf8_lossy(&signed).into_owned();
    let obj2 = text.find("2 0 obj").expect("object 2");
    let prev = text
        .rsplit("startxref")
        .next()
        .and_then(|t| t.split_whitespace().next())
        .expect("prev");
    let mut out = signed.clone();
    let xref = out.len();
    out.extend(
        format!("xref\n0 1\n0000000000 65535 f \n4 1\n{obj2:010} 00000 n \ntrailer\n<< /Size 9 /Root 1 0 R /Prev {prev} >>\nstartxref\n{xref}\n%%EOF\n")
            .bytes(),
    );
    match verify(&out, &trusting(&pki)) {
        Ok(r) => assert_eq!(r.indication, Indication::TotalFailed, "{r:?}"),
        Err(u) => assert!(!u.code.is_empty(), "refused as unusable: {}", u.reason),
    }
}
