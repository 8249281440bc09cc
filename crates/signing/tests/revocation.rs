//! Revocation in the verifier: a signature made by an officer certificate at or after its
//! revocation fails (TOTAL-FAILED / REVOKED), one made before stands, whether the CRL comes
//! from the caller's policy or from the document's /DSS; without a CRL nothing changes but the
//! report says revocation was not checked.

mod common;

use common::assemble;
use sahih_signing::ca::{
    Ca, CaUrls, OfficerSubject, RevocationReason, Revoked, Validity, new_officer_key,
};
use sahih_signing::devca::tsa_credentials;
use sahih_signing::docts::doc_timestamp_update;
use sahih_signing::ltv::FixedCrls;
use sahih_signing::pdf::sign_at_level;
use sahih_signing::tsa::BuiltinTsa;
use sahih_signing::tsp::{TimeStampReq, TimeStampResp};
use sahih_signing::verify::{Indication, Policy, Report, SubIndication, verify};
use sahih_signing::{
    Level, LongTerm, SignatureOptions, SignerKey, SigningError, TimeStamper, load_certificates_pem,
    sign_pdf,
};
use time::{Duration, OffsetDateTime};

const PASS: &[u8] = b"officer passphrase";

fn plain_pdf() -> Vec<u8> {
    let bodies = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        "<< /Length 36 >>\nstream\nBT /F1 12 Tf 72 720 Td (Surat) Tj ET\nendstream",
    ];
    assemble(&bodies.map(String::from))
}

struct Officer {
    _dir: tempfile::TempDir,
    ca: Ca,
    ca_cert: Vec<sahih_signing::Certificate>,
    key: SignerKey,
    key_pem: String,
    cert: sahih_signing::Certificate,
    serial: String,
}

fn officer() -> Officer {
    let dir = tempfile::tempdir().expect("tempdir");
    let ca = Ca::load_or_create(dir.path()).expect("ca");
    let (public, key_pem) = new_officer_key(PASS).expect("key");
    let subject = OfficerSubject {
        name: "Rina Wulandari".into(),
        position: "Kepala Dinas".into(),
        agency: "DPMPTSP".into(),
    };
    let validity = Validity {
        not_before: OffsetDateTime::now_utc() - Duration::days(10),
        not_after: OffsetDateTime::now_utc() + Duration::days(365),
    };
    let issued = ca
        .issue(
            &subject,
            &public,
            &validity,
            &CaUrls::under("https://sahih.kota.example"),
        )
        .expect("issue");
    Officer {
        ca_cert: load_certificates_pem(ca.certificate_pem()).expect("ca pem"),
        key: SignerKey::from_pem(&key_pem, Some(PASS)).expect("unlock"),
        key_pem: key_pem.to_string(),
        cert: load_certificates_pem(&issued.pem).expect("cert")[0].clone(),
        serial: issued.serial_hex,
        ca,
        _dir: dir,
    }
}

/// Signed with the claimed time `at` (`/M`; no timestamp).
fn signed_at(o: &Officer, at: OffsetDateTime) -> Vec<u8> {
    let options = SignatureOptions {
        signing_time: at,
        ..SignatureOptions::default()
    };
    sign_pdf(&plain_pdf(), &o.key, &o.cert, &o.ca_cert, &options)
        .expect("sign")
        .bytes
}

fn crl_revoking(o: &Officer, serial: &str, at: OffsetDateTime) -> Vec<u8> {
    let revoked = Revoked {
        serial_hex: serial.to_string(),
        revoked_at: at.unix_timestamp(),
        reason: RevocationReason::AffiliationChanged,
    };
    o.ca.crl(&[revoked], 3, OffsetDateTime::now_utc())
        .expect("crl")
}

fn policy(o: &Officer, crls: Vec<Vec<u8>>) -> Policy {
    Policy {
        trust_anchors: o.ca_cert.clone(),
        crls,
        ..Policy::default()
    }
}

fn report(pdf: &[u8], policy: &Policy) -> Report {
    verify(pdf, policy).expect("usable")
}

#[test]
fn a_signature_after_the_revocation_is_total_failed_revoked() {
    let o = officer();
    let now = OffsetDateTime::now_utc();
    let pdf = signed_at(&o, now - Duration::hours(1));
    let crl = crl_revoking(&o, &o.serial, now - Duration::hours(2));
    let r = report(&pdf, &policy(&o, vec![crl]));
    let s = &r.signatures[0];
    assert_eq!(r.indication, Indication::TotalFailed);
    assert_eq!(s.sub_indication, Some(SubIndication::Revoked));
    assert_eq!(s.reason, "V_REVOKED");
    assert_eq!(s.revocation.code, "V_REVOKED");
    assert!(s.revocation.detail.contains("affiliationChanged"));
    // The time judged is the signer's claim, and the report says so.
    assert!(
        s.revocation.detail.contains("/M"),
        "{}",
        s.revocation.detail
    );
    // Everything else about the signature is still sound.
    assert!(s.integrity.ok && s.crypto.ok && s.trust.ok);
}

#[test]
fn a_claimed_time_before_the_revocation_without_a_timestamp_is_indeterminate_revoked_no_poe() {
    let o = officer();
    let now = OffsetDateTime::now_utc();
    let pdf = signed_at(&o, now - Duration::days(3));
    let crl = crl_revoking(&o, &o.serial, now - Duration::days(1));
    let r = report(&pdf, &policy(&o, vec![crl]));
    let s = &r.signatures[0];
    // ETSI TS 119 102-1: without proof of existence before the revocation, nothing is decided;
    // `/M` is whatever the key holder wrote.
    assert_eq!(
        r.indication,
        Indication::Indeterminate,
        "{:?}",
        s.revocation
    );
    assert_eq!(r.sub_indication, Some(SubIndication::RevokedNoPoe));
    assert_eq!(s.revocation.code, "V_REVOKED_NO_POE");
    assert!(
        s.revocation.detail.contains("/M"),
        "{}",
        s.revocation.detail
    );
}

/// A TSA answering with whatever `BuiltinTsa` signs, unchecked (an attacker's own stamper).
struct Unchecked(BuiltinTsa);

impl TimeStamper for Unchecked {
    fn timestamp(&self, req: &TimeStampReq) -> Result<Vec<u8>, SigningError> {
        let resp = self.0.respond(&req.to_der()?)?;
        let resp = <TimeStampResp as der::Decode>::from_der(&resp)?;
        Ok(der::Encode::to_der(
            &resp.time_stamp_token.expect("granted"),
        )?)
    }
}

/// B-T, `/M` three days ago, stamped by `tsa`.
fn stamped(o: &Officer, tsa: &dyn TimeStamper) -> Vec<u8> {
    let options = SignatureOptions {
        signing_time: OffsetDateTime::now_utc() - Duration::days(3),
        ..SignatureOptions::default()
    };
    let lt = LongTerm {
        level: Level::BT,
        tsa: Some(tsa),
        revocation: None,
    };
    let src = plain_pdf();
    let mut out = Vec::new();
    sign_at_level(
        &src.as_slice(),
        None,
        &mut out,
        &o.key,
        &o.cert,
        &o.ca_cert,
        &options,
        &lt,
    )
    .expect("sign");
    out
}

fn own_key(o: &Officer) -> SignerKey {
    SignerKey::from_pem(&o.key_pem, Some(PASS)).expect("unlock")
}

fn real_tsa(o: &Officer) -> BuiltinTsa {
    let creds = tsa_credentials(o._dir.path(), b"tsa-pass", Duration::ZERO).expect("tsa");
    BuiltinTsa::new(creds.key, creds.cert, creds.chain).expect("tsa")
}

#[test]
fn an_officer_stamping_their_own_signature_proves_no_time() {
    let o = officer();
    let now = OffsetDateTime::now_utc();
    // The officer's own key as "TSA": it chains to the trusted CA, but is no TSA.
    let own =
        Unchecked(BuiltinTsa::new(own_key(&o), o.cert.clone(), o.ca_cert.clone()).expect("tsa"));
    let pdf = stamped(&o, &own);
    let crl = crl_revoking(&o, &o.serial, now + Duration::hours(1));
    let r = report(&pdf, &policy(&o, vec![crl]));
    let s = &r.signatures[0];
    let ts = s.timestamp.as_ref().expect("timestamp reported");
    assert!(ts.intact && !ts.trusted, "{ts:?}");
    let why = ts.untrusted_reason.as_deref().expect("reason");
    assert!(why.contains("timeStamping"), "{why}");
    assert_ne!(s.checked_at_source, "signature timestamp");
    assert_eq!(s.revocation.code, "V_REVOKED_NO_POE", "{:?}", s.revocation);
    assert_eq!(r.indication, Indication::Indeterminate);
    assert_eq!(r.sub_indication, Some(SubIndication::RevokedNoPoe));
    // The same officer stamped by a real TSA of the CA: the time is proof, it stands.
    let pdf = stamped(&o, &real_tsa(&o));
    let crl = crl_revoking(&o, &o.serial, now + Duration::hours(1));
    let r = report(&pdf, &policy(&o, vec![crl]));
    let s = &r.signatures[0];
    assert!(
        s.timestamp.as_ref().is_some_and(|t| t.trusted),
        "{:?}",
        s.timestamp
    );
    assert_eq!(
        s.revocation.code, "V_REVOKED_AFTER_SIGNING",
        "{:?}",
        s.revocation
    );
    assert_eq!(r.indication, Indication::TotalPassed);
}

#[test]
fn a_document_timestamp_by_a_real_tsa_is_proof_and_one_by_an_officer_is_not() {
    let o = officer();
    let now = OffsetDateTime::now_utc();
    let pdf = signed_at(&o, now - Duration::days(3));
    let crl = crl_revoking(&o, &o.serial, now + Duration::hours(1));
    let with_doc_ts = |tsa: &dyn TimeStamper| {
        let (update, _) = doc_timestamp_update(&pdf.as_slice(), tsa).expect("doc ts");
        [pdf.as_slice(), &update].concat()
    };
    let r = report(&with_doc_ts(&real_tsa(&o)), &policy(&o, vec![crl.clone()]));
    let s = &r.signatures[0];
    assert_eq!(
        s.revocation.code, "V_REVOKED_AFTER_SIGNING",
        "{:?}",
        s.revocation
    );
    assert!(
        s.revocation.detail.contains("document timestamp"),
        "{}",
        s.revocation.detail
    );
    assert_eq!(r.indication, Indication::TotalPassed, "{:?}", r.signatures);
    let own =
        Unchecked(BuiltinTsa::new(own_key(&o), o.cert.clone(), o.ca_cert.clone()).expect("tsa"));
    let r = report(&with_doc_ts(&own), &policy(&o, vec![crl]));
    let ts = &r.signatures[1];
    assert_eq!(ts.trust.code, "V_TSA_NOT_TIMESTAMPING", "{:?}", ts.trust);
    assert_eq!(
        ts.sub_indication,
        Some(SubIndication::ChainConstraintsFailure)
    );
    assert!(ts.timestamp.as_ref().is_some_and(|t| !t.trusted));
    assert_eq!(r.signatures[0].revocation.code, "V_REVOKED_NO_POE");
    assert_eq!(r.indication, Indication::Indeterminate);
}

#[test]
fn a_crl_already_stale_when_the_signature_was_made_proves_nothing() {
    let o = officer();
    let now = OffsetDateTime::now_utc();
    let pdf = signed_at(&o, now);
    // Issued a year ago: its nextUpdate passed long before the signature.
    let stale = o.ca.crl(&[], 2, now - Duration::days(365)).expect("crl");
    let r = report(&pdf, &policy(&o, vec![stale]));
    assert_eq!(r.signatures[0].revocation.code, "V_REVOCATION_NOT_CHECKED");
    // One current at the signature's time is evidence, even when past its nextUpdate now.
    let current = o.ca.crl(&[], 3, now - Duration::hours(1)).expect("crl");
    let later = Policy {
        at: Some(now + Duration::days(2)),
        ..policy(&o, vec![current])
    };
    let r = report(&pdf, &later);
    let rev = &r.signatures[0].revocation;
    assert_eq!(rev.code, "V_OK", "{rev:?}");
    assert!(rev.detail.contains("due to be replaced"), "{}", rev.detail);
}

#[test]
fn a_crl_that_does_not_list_the_certificate_passes_and_no_crl_is_reported_as_unchecked() {
    let o = officer();
    let pdf = signed_at(&o, OffsetDateTime::now_utc());
    let other = crl_revoking(&o, &"55".repeat(16), OffsetDateTime::now_utc());
    let r = report(&pdf, &policy(&o, vec![other]));
    assert_eq!(r.indication, Indication::TotalPassed);
    assert_eq!(r.signatures[0].revocation.code, "V_OK");
    assert!(r.signatures[0].revocation.detail.contains("number 03"));
    let r = report(&pdf, &policy(&o, Vec::new()));
    assert_eq!(r.indication, Indication::TotalPassed);
    assert_eq!(r.signatures[0].revocation.code, "V_REVOCATION_NOT_CHECKED");
}

#[test]
fn a_crl_signed_by_another_ca_is_not_believed() {
    let o = officer();
    let stranger = officer();
    let now = OffsetDateTime::now_utc();
    let pdf = signed_at(&o, now);
    // Same issuer name, another key: the signature of the CRL does not verify.
    let forged = crl_revoking(&stranger, &o.serial, now - Duration::days(1));
    let r = report(&pdf, &policy(&o, vec![forged, b"not a crl".to_vec()]));
    assert_eq!(r.indication, Indication::TotalPassed);
    assert_eq!(r.signatures[0].revocation.code, "V_REVOCATION_NOT_CHECKED");
}

#[test]
fn a_crl_in_the_documents_dss_is_used() {
    let o = officer();
    let now = OffsetDateTime::now_utc();
    let pdf = signed_at(&o, now - Duration::hours(1));
    let crl = crl_revoking(&o, &o.serial, now - Duration::hours(2));
    let with_dss = append_dss(&pdf, &crl);
    let r = report(&with_dss, &policy(&o, Vec::new()));
    let s = &r.signatures[0];
    assert_eq!(s.revocation.code, "V_REVOKED", "{:?}", s.revocation);
    assert!(s.revocation.detail.contains("revoked at"));
    assert_eq!(r.indication, Indication::TotalFailed);
    assert_eq!(s.sub_indication, Some(SubIndication::Revoked));
    // The DSS itself is an allowed change after the signature.
    assert!(s.modifications.allowed, "{:?}", s.modifications);
    // A DSS CRL that does not list the certificate: passes, from the DSS.
    let clean = append_dss(&pdf, &crl_revoking(&o, &"66".repeat(16), now));
    let r = report(&clean, &policy(&o, Vec::new()));
    assert_eq!(
        r.indication,
        Indication::TotalPassed,
        "{:?}",
        r.signatures[0]
    );
    assert!(r.signatures[0].revocation.detail.contains("DSS"));
}

/// Appends an incremental update that adds `/DSS << /CRLs [crl stream] >>` to the catalog
/// (ETSI EN 319 142-1 §5.4.2), the catalog written again with every other entry unchanged.
fn append_dss(pdf: &[u8], crl: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(pdf).into_owned();
    let start = text.rfind("\n1 0 obj").expect("catalog") + 1;
    let body_start = start + "1 0 obj".len();
    let end = start + text[start..].find("endobj").expect("endobj");
    let catalog = text[body_start..end].trim();
    let catalog = catalog.strip_suffix(">>").expect("dictionary");
    let prev: usize = text
        .rsplit("startxref")
        .next()
        .and_then(|t| t.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .expect("startxref");
    let size: u32 = text
        .rsplit("/Size ")
        .next()
        .and_then(|t| t.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse().ok())
        .expect("size");
    let (dss, stream) = (size, size + 1);
    let mut out = pdf.to_vec();
    let mut at = Vec::new();
    at.push((1, out.len()));
    out.extend(format!("1 0 obj\n{catalog} /DSS {dss} 0 R >>\nendobj\n").bytes());
    at.push((dss, out.len()));
    out.extend(format!("{dss} 0 obj\n<< /CRLs [{stream} 0 R] >>\nendobj\n").bytes());
    at.push((stream, out.len()));
    out.extend(format!("{stream} 0 obj\n<< /Length {} >>\nstream\n", crl.len()).bytes());
    out.extend(crl);
    out.extend(b"\nendstream\nendobj\n");
    let xref = out.len();
    out.extend(b"xref\n0 1\n0000000000 65535 f \n");
    for (n, offset) in at {
        out.extend(format!("{n} 1\n{offset:010} 00000 n \n").bytes());
    }
    out.extend(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R /Prev {prev} >>\nstartxref\n{xref}\n%%EOF\n",
            size + 2
        )
        .bytes(),
    );
    out
}

/// B-LT with the CRLs `crls` (`sahih sign --level b-lt --crl …`).
fn b_lt(o: &Officer, crls: Vec<Vec<u8>>) -> Result<Vec<u8>, SigningError> {
    let tsa = real_tsa(o);
    let fixed = FixedCrls(crls);
    let lt = LongTerm {
        level: Level::BLT,
        tsa: Some(&tsa),
        revocation: Some(&fixed),
    };
    let src = plain_pdf();
    let mut out = Vec::new();
    let options = SignatureOptions::default();
    sign_at_level(
        &src.as_slice(),
        None,
        &mut out,
        &o.key,
        &o.cert,
        &o.ca_cert,
        &options,
        &lt,
    )?;
    Ok(out)
}

#[test]
fn b_lt_embeds_only_current_crls_of_the_chain_that_do_not_list_the_signer() {
    let o = officer();
    let stranger = officer();
    let now = OffsetDateTime::now_utc();
    let good = o.ca.crl(&[], 4, now - Duration::hours(1)).expect("crl");
    let pdf = b_lt(&o, vec![good.clone()]).expect("a current CRL of the signer's CA");
    let r = report(&pdf, &policy(&o, Vec::new()));
    assert_eq!(
        r.indication,
        Indication::TotalPassed,
        "{:?}",
        r.signatures[0]
    );
    assert!(r.signatures[0].revocation.detail.contains("DSS"));
    let refused = [
        (
            "another CA's",
            vec![stranger.ca.crl(&[], 1, now).expect("crl")],
            "not signed",
        ),
        (
            "expired",
            vec![o.ca.crl(&[], 1, now - Duration::days(30)).expect("crl")],
            "not current",
        ),
        (
            "listing the signer",
            vec![crl_revoking(&o, &o.serial, now - Duration::hours(1))],
            "revoked",
        ),
        (
            "garbage",
            vec![b"not a crl".to_vec(), good],
            "not a DER CRL",
        ),
        ("none", Vec::new(), "no CRL of the issuer"),
    ];
    for (what, crls, says) in refused {
        let err = b_lt(&o, crls).expect_err(what);
        assert_eq!(err.code(), "E_CRL_UNAVAILABLE", "{what}: {err}");
        assert!(err.to_string().contains(says), "{what}: {err}");
    }
}
