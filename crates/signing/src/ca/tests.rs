use der::Decode;
use x509_cert::Certificate;
use x509_cert::crl::CertificateList;

use super::*;

fn subject() -> OfficerSubject {
    OfficerSubject {
        name: "Rina Wulandari".into(),
        position: "Kepala Dinas".into(),
        agency: "DPMPTSP".into(),
    }
}

fn parse(pem: &str) -> Certificate {
    crate::load_certificates_pem(pem).expect("pem")[0].clone()
}

fn extension(cert: &Certificate, oid: &str) -> Option<(bool, Vec<u8>)> {
    let oid = const_oid::ObjectIdentifier::new_unwrap(oid);
    cert.tbs_certificate()
        .extensions()?
        .iter()
        .find(|e| e.extn_id == oid)
        .map(|e| (e.critical, e.extn_value.as_bytes().to_vec()))
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn an_officer_certificate_names_the_officer_and_where_its_crl_is() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ca = Ca::load_or_create(dir.path()).expect("ca");
    let (key, _pem) = new_officer_key(b"pass").expect("key");
    let urls = CaUrls::under("https://sahih.kota.example/");
    let issued = ca
        .issue(&subject(), &key, &Validity::days_from_now(30), &urls)
        .expect("issue");
    let cert = parse(&issued.pem);
    let subject = cert.tbs_certificate().subject().to_string();
    for part in ["CN=Rina Wulandari", "O=DPMPTSP", "Kepala Dinas", "C=ID"] {
        assert!(subject.contains(part), "{subject} lacks {part}");
    }
    let (critical, ku) = extension(&cert, "2.5.29.15").expect("keyUsage");
    assert!(critical, "keyUsage is critical");
    // BIT STRING: digitalSignature (bit 0) and nonRepudiation (bit 1) only.
    assert_eq!(ku.last(), Some(&0xc0));
    let (_, dp) = extension(&cert, "2.5.29.31").expect("CRL distribution point");
    assert!(contains(&dp, b"https://sahih.kota.example/pki/crl"));
    let (_, aia) = extension(&cert, "1.3.6.1.5.5.7.1.1").expect("authorityInfoAccess");
    assert!(contains(&aia, b"https://sahih.kota.example/pki/ca.pem"));
    assert_eq!(
        serial_of_pem(&issued.pem).expect("serial"),
        issued.serial_hex
    );
    assert_eq!(issued.serial_hex.len(), 32);
    let ca_cert = parse(ca.certificate_pem());
    assert_eq!(
        cert.tbs_certificate().issuer(),
        ca_cert.tbs_certificate().subject()
    );
}

#[test]
fn renewal_certifies_the_same_key_under_a_new_serial() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ca = Ca::load_or_create(dir.path()).expect("ca");
    let (key, _pem) = new_officer_key(b"pass").expect("key");
    let urls = CaUrls::under("http://localhost:8080");
    let first = ca
        .issue(&subject(), &key, &Validity::days_from_now(30), &urls)
        .expect("issue");
    let again = OfficerPublicKey::of_certificate_pem(&first.pem).expect("public key");
    assert_eq!(again, key);
    let renewed = ca
        .issue(&subject(), &again, &Validity::days_from_now(60), &urls)
        .expect("renew");
    assert_ne!(renewed.serial_hex, first.serial_hex);
    let spki = |pem: &str| {
        der::Encode::to_der(parse(pem).tbs_certificate().subject_public_key_info()).expect("spki")
    };
    assert_eq!(spki(&renewed.pem), spki(&first.pem));
    assert!(renewed.not_after > first.not_after);
}

#[test]
fn a_crl_lists_each_revoked_serial_with_its_reason_and_number() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ca = Ca::load_or_create(dir.path()).expect("ca");
    let revoked = [
        Revoked {
            serial_hex: "4a".repeat(16),
            revoked_at: 1_795_921_445,
            reason: RevocationReason::KeyCompromise,
        },
        Revoked {
            serial_hex: "7f01".repeat(8),
            revoked_at: 1_795_921_500,
            reason: RevocationReason::CessationOfOperation,
        },
    ];
    let now = OffsetDateTime::now_utc();
    let der = ca.crl(&revoked, 7, now).expect("crl");
    assert!(is_crl_der(&der));
    let crl = CertificateList::<x509_cert::certificate::Rfc5280>::from_der(&der).expect("parse");
    let entries = crl
        .tbs_cert_list
        .revoked_certificates
        .clone()
        .unwrap_or_default();
    let serials: Vec<String> = entries
        .iter()
        .map(|e| hex(e.serial_number.as_bytes()))
        .collect();
    assert_eq!(serials, vec!["4a".repeat(16), "7f01".repeat(8)]);
    let at = entries[0].revocation_date.to_unix_duration().as_secs();
    assert_eq!(at, 1_795_921_445);
    let next = crl.tbs_cert_list.next_update.expect("nextUpdate");
    assert_eq!(
        next.to_unix_duration().as_secs() as i64
            - crl.tbs_cert_list.this_update.to_unix_duration().as_secs() as i64,
        CRL_VALIDITY.whole_seconds()
    );
    // cRLNumber 7: INTEGER 7 inside the extension's value.
    let number = crl
        .tbs_cert_list
        .crl_extensions
        .as_ref()
        .and_then(|exts| exts.iter().find(|e| e.extn_id.to_string() == "2.5.29.20"))
        .map(|e| e.extn_value.as_bytes().to_vec());
    assert_eq!(number, Some(vec![0x02, 0x01, 0x07]));
    assert!(
        ca.crl(
            &[Revoked {
                serial_hex: "xyz".into(),
                revoked_at: 0,
                reason: RevocationReason::Unspecified
            }],
            1,
            now
        )
        .is_err()
    );
}

#[test]
fn reasons_round_trip_by_name_and_carry_their_rfc_codes() {
    for r in RevocationReason::ALL {
        assert_eq!(RevocationReason::parse(r.as_str()), Some(r));
        assert_eq!(r.code(), r.rcgen() as u8);
    }
    assert_eq!(RevocationReason::parse("KeyCompromise"), None);
}

#[test]
fn a_certificate_is_issued_by_its_ca_only_and_a_ca_key_belongs_to_its_certificate() {
    let (one, other) = (
        tempfile::tempdir().expect("tempdir"),
        tempfile::tempdir().expect("tempdir"),
    );
    let ca = Ca::load_or_create(one.path()).expect("ca");
    let stranger = Ca::load_or_create(other.path()).expect("another ca");
    let (key, _pem) = new_officer_key(b"pass").expect("key");
    let issued = ca
        .issue(
            &subject(),
            &key,
            &Validity::days_from_now(30),
            &CaUrls::under("https://sahih.kota.example"),
        )
        .expect("issue");
    assert!(is_issued_by(&issued.pem, ca.certificate_pem()).expect("check"));
    assert!(
        !is_issued_by(&issued.pem, stranger.certificate_pem()).expect("check"),
        "same name, another key: not the issuer"
    );
    let key_of = |dir: &std::path::Path| {
        std::fs::read_to_string(dir.join(crate::devca::CA_KEY_FILE)).expect("ca.key.pem")
    };
    assert!(is_key_of(&key_of(one.path()), ca.certificate_pem()).expect("check"));
    assert!(!is_key_of(&key_of(other.path()), ca.certificate_pem()).expect("check"));
    assert!(is_issued_by("not a pem", ca.certificate_pem()).is_err());
}
