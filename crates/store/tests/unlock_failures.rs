//! Wrong key-unlock attempts are counted in the database: two nodes (two `Store` handles on one
//! database) counting at once lose no attempt, the lock engages at exactly the limit in total,
//! and a node that starts later (a restart) sees the count and the lock.

use std::sync::Barrier;

use sahih_store::testing::TestDatabase;
use sahih_store::{NewUser, Store, UnlockFailure, UnlockLimits};
use sahih_workflow::{Role, UserId};

const MAX_FAILURES: i64 = 5;
const LIMITS: UnlockLimits = UnlockLimits {
    max_failures: MAX_FAILURES,
    window: 15 * 60,
    lockout: 15 * 60,
};

fn node(db: &TestDatabase, dir: &std::path::Path) -> Store {
    Store::open(&db.url, &dir.join("blobs")).expect("open")
}

fn officer(store: &Store, login: &str) -> UserId {
    store
        .create_user(&NewUser {
            login: login.into(),
            name: login.to_uppercase(),
            email: None,
            password_hash: "$argon2id$fake".into(),
            role: Role::Signer,
            agency_id: None,
            position: None,
            cert_pem: None,
            key_pem: None,
        })
        .expect("user")
}

#[test]
fn two_nodes_counting_at_once_lock_at_exactly_the_limit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = TestDatabase::new(dir.path());
    let nodes = [node(&db, dir.path()), node(&db, dir.path())];
    let kadis = officer(&nodes[0], "kadis");
    let other = officer(&nodes[1], "sekdis");
    let now = sahih_store::now();
    const THREADS_PER_NODE: usize = 4;
    const ATTEMPTS_PER_THREAD: usize = 4;
    let start = Barrier::new(2 * THREADS_PER_NODE);
    let outcomes: Vec<UnlockFailure> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..2 * THREADS_PER_NODE)
            .map(|t| {
                let (store, start) = (&nodes[t % 2], &start);
                scope.spawn(move || {
                    start.wait();
                    (0..ATTEMPTS_PER_THREAD)
                        .map(|_| {
                            store
                                .count_unlock_failure(kadis, now, LIMITS)
                                .expect("counted")
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("thread"))
            .collect()
    });
    assert_eq!(outcomes.len(), 2 * THREADS_PER_NODE * ATTEMPTS_PER_THREAD);
    let mut counted: Vec<i64> = outcomes
        .iter()
        .filter_map(|o| match o {
            UnlockFailure::Counted { failures } => Some(*failures),
            _ => None,
        })
        .collect();
    counted.sort_unstable();
    assert_eq!(
        counted,
        (1..MAX_FAILURES).collect::<Vec<_>>(),
        "every attempt before the lock was counted once, none lost: {outcomes:?}"
    );
    let until = now + LIMITS.lockout;
    let locked = outcomes
        .iter()
        .filter(|o| **o == UnlockFailure::Locked { until })
        .count();
    assert_eq!(locked, 1, "one attempt, the limit's, locked: {outcomes:?}");
    let already = outcomes
        .iter()
        .filter(|o| **o == UnlockFailure::AlreadyLocked { until })
        .count();
    assert_eq!(
        already,
        outcomes.len() - MAX_FAILURES as usize,
        "every later attempt found the key locked: {outcomes:?}"
    );
    for store in &nodes {
        assert_eq!(
            store.unlock_locked_until(kadis, now).expect("db"),
            Some(until)
        );
        assert_eq!(store.unlock_locked_until(other, now).expect("db"), None);
    }
}

#[test]
fn a_count_is_shared_by_the_nodes_and_survives_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = TestDatabase::new(dir.path());
    let first = node(&db, dir.path());
    let kadis = officer(&first, "kadis");
    let now = sahih_store::now();
    for failures in 1..MAX_FAILURES {
        assert_eq!(
            first.count_unlock_failure(kadis, now, LIMITS).expect("db"),
            UnlockFailure::Counted { failures }
        );
    }
    drop(first);
    // A node started afterwards (or the same one restarted) goes on with the count.
    let restarted = node(&db, dir.path());
    let until = now + LIMITS.lockout;
    assert_eq!(
        restarted
            .count_unlock_failure(kadis, now, LIMITS)
            .expect("db"),
        UnlockFailure::Locked { until }
    );
    let another = node(&db, dir.path());
    assert_eq!(
        another.unlock_locked_until(kadis, until - 1).expect("db"),
        Some(until)
    );
    assert_eq!(another.unlock_locked_until(kadis, until).expect("db"), None);
    // After the lock, counting starts over; the right passphrase on one node forgets the count
    // on every node.
    assert_eq!(
        another
            .count_unlock_failure(kadis, until, LIMITS)
            .expect("db"),
        UnlockFailure::Counted { failures: 1 }
    );
    restarted.forget_unlock_failures(kadis).expect("db");
    assert_eq!(
        another
            .count_unlock_failure(kadis, until, LIMITS)
            .expect("db"),
        UnlockFailure::Counted { failures: 1 }
    );
}
