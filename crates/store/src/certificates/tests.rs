//! The CA's register: issued certificates become the officer's credentials, a revocation is
//! final, and CRL numbers only increase.

use sahih_workflow::Role;

use super::*;
use crate::NewUser;
use crate::log::leaf::{Leaf, LeafKind};

/// A store on a fresh database (SQLite in `dir`, or PostgreSQL with `TEST_DATABASE_URL`), and
/// the guard that drops it: keep it as long as the store.
fn store(dir: &std::path::Path) -> (crate::testing::TestDatabase, Store) {
    let db = crate::testing::TestDatabase::new(dir);
    let store = Store::open(&db.url, &dir.join("blobs")).expect("store");
    (db, store)
}

fn officer(store: &Store) -> UserId {
    store
        .create_user(&NewUser {
            login: "kadis".into(),
            name: "Rina".into(),
            email: None,
            password_hash: "$argon2id$unused".into(),
            role: Role::Signer,
            agency_id: None,
            position: Some("Kepala Dinas".into()),
            cert_pem: Some("OLD CERT".into()),
            key_pem: Some("OLD KEY".into()),
        })
        .expect("user")
}

fn new<'a>(serial: &'a str, user: UserId, key: Option<&'a str>) -> NewCertificate<'a> {
    replacing(serial, user, key, Some("OLD CERT"))
}

fn replacing<'a>(
    serial: &'a str,
    user: UserId,
    key: Option<&'a str>,
    replaces: Option<&'a str>,
) -> NewCertificate<'a> {
    NewCertificate {
        replaces,
        serial,
        user_id: user,
        cert_pem: serial,
        not_before: 10,
        not_after: 20,
        issued_by: None,
        key_pem: key,
    }
}

#[test]
fn an_issued_certificate_becomes_the_officers_and_renewal_keeps_the_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_db, store) = store(dir.path());
    let u = officer(&store);
    store
        .record_certificate(&new("aa", u, Some("NEW KEY")), 100)
        .expect("issue");
    assert_eq!(
        store.officer_credentials(u).expect("read"),
        Some(("aa".into(), "NEW KEY".into()))
    );
    store
        .record_certificate(&replacing("bb", u, None, Some("aa")), 200)
        .expect("renew");
    assert_eq!(
        store.officer_credentials(u).expect("read"),
        Some(("bb".into(), "NEW KEY".into()))
    );
    let all = store.certificates(Some(u)).expect("list");
    assert_eq!(
        all.iter().map(|c| c.serial.as_str()).collect::<Vec<_>>(),
        ["bb", "aa"]
    );
    assert!(
        store
            .record_certificate(&replacing("bb", u, None, Some("bb")), 300)
            .is_err()
    );
    assert!(matches!(
        store.record_certificate(&new("cc", UserId(999), None), 300),
        Err(StoreError::NotFound)
    ));
}

#[test]
fn a_revocation_is_final_and_listed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_db, store) = store(dir.path());
    let u = officer(&store);
    store
        .record_certificate(&new("aa", u, None), 100)
        .expect("issue");
    store
        .record_certificate(&replacing("bb", u, None, Some("aa")), 100)
        .expect("issue");
    let revoked = store
        .revoke_certificate("aa", &[], "keyCompromise", Some(u), 150)
        .expect("revoke");
    assert_eq!(revoked.revoked_at, Some(150));
    assert!(matches!(
        store.revoke_certificate("aa", &[], "superseded", None, 160),
        Err(StoreError::Conflict { .. })
    ));
    assert!(matches!(
        store.revoke_certificate("zz", &[], "superseded", None, 160),
        Err(StoreError::NotFound)
    ));
    let listed = store.revoked_certificates().expect("list");
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (listed[0].serial.as_str(), listed[0].reason.as_deref()),
        ("aa", Some("keyCompromise"))
    );
    assert_eq!(
        store.certificate("bb").expect("read").map(|c| c.revoked_at),
        Some(None)
    );
    // Each record and the revocation are log leaves; the refused revocations are not.
    let key = sahih_tlog::SignerKey::from_seed("sahih.test/log", &[7; 32]).expect("key");
    store.log_sequence_all(&key, 1000).expect("sequence");
    let mut recent = store.log_overview(1000).expect("overview").recent;
    recent.reverse();
    let leaves: Vec<Leaf> = recent
        .iter()
        .map(|(_, entry)| Leaf::parse(entry).expect("canonical leaf"))
        .collect();
    let kinds: Vec<LeafKind> = leaves.iter().map(Leaf::kind).collect();
    assert_eq!(
        kinds,
        [
            LeafKind::CertificateRenewed,
            LeafKind::CertificateRenewed,
            LeafKind::CertificateRevoked
        ]
    );
    let Leaf::Certificate(revoked) = &leaves[2] else {
        panic!("a certificate leaf");
    };
    assert_eq!(
        (revoked.serial.as_str(), revoked.reason.as_deref()),
        ("aa", Some("keyCompromise"))
    );
    assert!(revoked.actor.is_some());
}

#[test]
fn crl_numbers_increase() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_db, store) = store(dir.path());
    assert_eq!(store.next_crl_number().expect("n"), 1);
    assert_eq!(store.next_crl_number().expect("n"), 2);
}

/// Break 6: six concurrent "issue" clicks each recorded a valid certificate. The record is a
/// compare-and-set on the certificate the CA decided to replace: one wins, the others are a
/// conflict and leave nothing behind.
#[test]
fn of_two_issues_that_replace_the_same_certificate_one_is_recorded() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_db, store) = store(dir.path());
    let u = officer(&store);
    store
        .record_certificate(&new("aa", u, Some("KEY A")), 100)
        .expect("first");
    let second = store.record_certificate(&new("bb", u, Some("KEY B")), 100);
    assert!(
        matches!(&second, Err(StoreError::Conflict { actual }) if actual == crate::CREDENTIALS_CHANGED),
        "{second:?}"
    );
    assert_eq!(
        store.officer_credentials(u).expect("read"),
        Some(("aa".into(), "KEY A".into()))
    );
    assert_eq!(store.certificates(Some(u)).expect("list").len(), 1);
}

/// keyCompromise of one serial revokes its siblings (certificates of the same key) in the same
/// transaction; one revoked already stays as it was.
#[test]
fn a_revocation_takes_the_siblings_with_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_db, store) = store(dir.path());
    let u = officer(&store);
    store
        .record_certificate(&new("aa", u, None), 100)
        .expect("issue");
    store
        .record_certificate(&replacing("bb", u, None, Some("aa")), 110)
        .expect("renew");
    store
        .record_certificate(&replacing("cc", u, None, Some("bb")), 120)
        .expect("renew");
    store
        .revoke_certificate("aa", &[], "superseded", None, 130)
        .expect("superseded");
    store
        .revoke_certificate("cc", &["aa", "bb", "cc"], "keyCompromise", None, 140)
        .expect("revoked");
    let reasons: Vec<_> = store
        .certificates(Some(u))
        .expect("list")
        .into_iter()
        .map(|c| (c.serial, c.reason))
        .collect();
    assert_eq!(
        reasons,
        [
            ("cc".to_string(), Some("keyCompromise".to_string())),
            ("bb".to_string(), Some("keyCompromise".to_string())),
            ("aa".to_string(), Some("superseded".to_string())),
        ]
    );
}
