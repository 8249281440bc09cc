//! The outbox's claims, leases and backoff, and who may mark which notice read.

use super::*;
use crate::NewUser;

/// A store on a fresh database (SQLite in `dir`, or PostgreSQL with `TEST_DATABASE_URL`), and
/// the guard that drops it: keep it as long as the store.
fn store(dir: &std::path::Path) -> (crate::testing::TestDatabase, Store) {
    let db = crate::testing::TestDatabase::new(dir);
    let store = Store::open(&db.url, &dir.join("blobs")).expect("store");
    (db, store)
}

fn user(store: &Store, login: &str, role: Role, agency: Option<AgencyId>) -> UserId {
    store
        .create_user(&NewUser {
            login: login.into(),
            name: login.into(),
            email: Some(format!("{login}@kota.test")),
            password_hash: "$argon2id$unused".into(),
            role,
            agency_id: agency,
            position: None,
            cert_pem: None,
            key_pem: None,
        })
        .expect("user")
}

fn notice(user: UserId, kind: &str) -> NewNotice {
    NewNotice {
        user,
        document: None,
        kind: kind.into(),
        params_json: "{}".into(),
    }
}

fn mail(to: &str) -> NewMail {
    NewMail {
        to: to.into(),
        subject: "Status".into(),
        body: "Badan".into(),
    }
}

#[test]
fn a_failing_mail_backs_off_doubling_then_is_kept_unsent_with_its_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_db, store) = store(dir.path());
    store
        .add_notices(&[], &[mail("a@kota.test")])
        .expect("queue");
    let t0 = now();
    let claimed = store.claim_due_mails(t0, 10).expect("claim");
    assert_eq!(claimed.len(), 1);
    assert_eq!(
        (claimed[0].to.as_str(), claimed[0].attempts),
        ("a@kota.test", 0)
    );
    let id = claimed[0].id;
    assert!(
        store.claim_due_mails(t0, 10).expect("claim").is_empty(),
        "a claimed mail is not handed out twice"
    );

    let mut at = t0;
    let mut delays = Vec::new();
    for attempt in 1..MAIL_MAX_ATTEMPTS {
        let MailRetry::At(next) = store
            .mark_mail_failed(id, "connection refused", at)
            .expect("fail")
        else {
            panic!("gave up after {attempt} attempts");
        };
        delays.push(next - at);
        assert!(
            store
                .claim_due_mails(next - 1, 10)
                .expect("claim")
                .is_empty(),
            "not due before its backoff ends (attempt {attempt})"
        );
        let again = store.claim_due_mails(next, 10).expect("claim");
        assert_eq!(again.len(), 1, "due once its backoff ends");
        assert_eq!(again[0].attempts, attempt);
        at = next;
    }
    assert_eq!(
        delays,
        [60, 120, 240, 480, 960, 1920, 3840],
        "1 minute, doubling"
    );
    let last = store
        .mark_mail_failed(id, "relay said 554 no", at)
        .expect("fail");
    assert_eq!(last, MailRetry::GaveUp);
    assert!(
        store
            .claim_due_mails(at + 365 * 86_400, 10)
            .expect("claim")
            .is_empty(),
        "a mail given up is never claimed again"
    );
    let mut conn = store.conn().expect("conn");
    let kept = mail_outbox::table
        .find(id)
        .select((
            mail_outbox::attempts,
            mail_outbox::sent_at,
            mail_outbox::last_error,
        ))
        .first::<(i64, Option<i64>, Option<String>)>(&mut *conn)
        .expect("row kept");
    assert_eq!(
        kept,
        (MAIL_MAX_ATTEMPTS, None, Some("relay said 554 no".into()))
    );
}

#[test]
fn sent_mails_are_not_claimed_again_and_claims_take_the_oldest_first() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_db, store) = store(dir.path());
    let mails: Vec<NewMail> = (0..5).map(|i| mail(&format!("u{i}@kota.test"))).collect();
    store.add_notices(&[], &mails).expect("queue");
    let t0 = now();
    let first = store.claim_due_mails(t0, 2).expect("claim");
    let to: Vec<&str> = first.iter().map(|m| m.to.as_str()).collect();
    assert_eq!(to, ["u0@kota.test", "u1@kota.test"]);
    store.mark_mail_sent(first[0].id).expect("sent");
    let rest = store.claim_due_mails(t0, 10).expect("claim");
    assert_eq!(rest.len(), 3, "the other two stay leased");
    let after_lease = store
        .claim_due_mails(t0 + MAIL_CLAIM_LEASE_SECONDS, 10)
        .expect("claim");
    let to: Vec<&str> = after_lease.iter().map(|m| m.to.as_str()).collect();
    assert_eq!(
        to,
        [
            "u1@kota.test",
            "u2@kota.test",
            "u3@kota.test",
            "u4@kota.test"
        ],
        "a lease that ran out (the sender died) frees the mail; a sent one never comes back"
    );
    assert!(matches!(
        store.mark_mail_sent(9999),
        Err(StoreError::NotFound)
    ));
}

#[test]
fn only_the_owner_marks_their_notices_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_db, store) = store(dir.path());
    let siti = user(&store, "siti", Role::Citizen, None);
    let budi = user(&store, "budi", Role::Citizen, None);
    store
        .add_notices(
            &[
                notice(siti, "status_changed"),
                notice(siti, "new_work"),
                notice(budi, "status_changed"),
            ],
            &[],
        )
        .expect("notices");
    let sitis = store.notices(siti, 50).expect("list");
    assert_eq!(
        sitis.iter().map(|n| n.kind.as_str()).collect::<Vec<_>>(),
        ["new_work", "status_changed"],
        "newest first, only her own"
    );
    let ids: Vec<i64> = sitis.iter().map(|n| n.id).collect();

    assert_eq!(
        store.mark_notices_read(budi, Some(&ids)).expect("mark"),
        0,
        "Budi cannot mark Siti's notices"
    );
    assert_eq!(store.unread_notices(siti).expect("count"), 2);
    assert_eq!(
        store.mark_notices_read(budi, None).expect("mark"),
        1,
        "marking all marks only his own"
    );
    assert_eq!(store.unread_notices(siti).expect("count"), 2);
    assert_eq!(store.unread_notices(budi).expect("count"), 0);

    assert_eq!(
        store
            .mark_notices_read(siti, Some(&ids[..1]))
            .expect("mark"),
        1
    );
    assert_eq!(store.unread_notices(siti).expect("count"), 1);
    assert_eq!(store.mark_notices_read(siti, None).expect("mark"), 1);
    let read = store.notices(siti, 50).expect("list");
    assert!(read.iter().all(|n| n.read_at.is_some()));
}

#[test]
fn officers_with_a_role_are_those_of_the_agency() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_db, store) = store(dir.path());
    let here = store.ensure_agency("DPMPTSP", "Perizinan").expect("agency");
    let there = store
        .ensure_agency("BAPPEDA", "Perencanaan")
        .expect("agency");
    let v1 = user(&store, "v1", Role::Verifier, Some(here));
    let _s1 = user(&store, "s1", Role::Signer, Some(here));
    let _v2 = user(&store, "v2", Role::Verifier, Some(there));
    let v3 = user(&store, "v3", Role::Verifier, Some(here));
    assert_eq!(
        store
            .officers_with_role(here, Role::Verifier)
            .expect("list"),
        [v1, v3]
    );
}
