//! Wrong key passphrases (and wrong TOTP codes, counted with them), per officer: after
//! [`MAX_FAILURES`] within [`WINDOW`] the officer's key is not tried again for [`LOCKOUT`], so a
//! stolen session cannot guess the passphrase that unlocks a signing key (NIST SP 800-63B
//! §5.2.2 asks verifiers to limit failed attempts). The count is kept in the database
//! (`sahih_store`'s `unlock_failures`): every `sahih serve` node on one database shares it, so N
//! nodes do not give N × [`MAX_FAILURES`] guesses, and a restart keeps it. Counting is one
//! transaction that locks the officer's count, so attempts made at once on several nodes are
//! all counted.

use std::time::Duration;

use sahih_store::{Store, StoreError, UnlockFailure, UnlockLimits};
use sahih_workflow::UserId;

use crate::AppError;

/// Wrong passphrases allowed within [`WINDOW`] before the key is locked.
pub const MAX_FAILURES: u32 = 5;

/// The span over which wrong passphrases are counted.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);

/// How long a key stays locked after [`MAX_FAILURES`] wrong passphrases.
pub const LOCKOUT: Duration = Duration::from_secs(15 * 60);

/// [`MAX_FAILURES`], [`WINDOW`] and [`LOCKOUT`] as the store counts them (seconds).
const LIMITS: UnlockLimits = UnlockLimits {
    max_failures: MAX_FAILURES as i64,
    window: WINDOW.as_secs() as i64,
    lockout: LOCKOUT.as_secs() as i64,
};

/// The failure counts of officers' passphrases, in the store.
#[derive(Debug, Clone)]
pub struct PassphraseGuard {
    store: Store,
}

/// Whole seconds from `now` to `until` (Unix seconds), at least 1.
fn seconds_until(until: i64, now: i64) -> u64 {
    u64::try_from(until.saturating_sub(now)).unwrap_or(0).max(1)
}

impl PassphraseGuard {
    /// The guard over `store`'s counts.
    pub fn new(store: Store) -> PassphraseGuard {
        PassphraseGuard { store }
    }

    /// Whether `user`'s key may be tried at `now` (Unix seconds).
    ///
    /// Errors: `E_PASSPHRASE_LOCKED` (429) with the seconds until the lock ends; `E_INTERNAL` (a
    /// database failure).
    pub fn check(&self, user: UserId, now: i64) -> Result<(), AppError> {
        match self.store.unlock_locked_until(user, now)? {
            Some(until) => Err(AppError::PassphraseLocked {
                retry_after: seconds_until(until, now),
            }),
            None => Ok(()),
        }
    }

    /// Counts a wrong passphrase or code of `user` at `now` (Unix seconds); `Some(seconds)`
    /// until the lock ends when the key is locked after it (this one reached the limit, or
    /// another node's attempt locked the key meanwhile).
    ///
    /// Errors: [`StoreError`] when the count cannot be written.
    pub fn failed(&self, user: UserId, now: i64) -> Result<Option<u64>, StoreError> {
        let outcome = self.store.count_unlock_failure(user, now, LIMITS)?;
        Ok(match outcome {
            UnlockFailure::Counted { .. } => None,
            UnlockFailure::Locked { until } | UnlockFailure::AlreadyLocked { until } => {
                Some(seconds_until(until, now))
            }
        })
    }

    /// Forgets `user`'s wrong passphrases (the right one was given).
    ///
    /// Errors: [`StoreError`].
    pub fn succeeded(&self, user: UserId) -> Result<(), StoreError> {
        self.store.forget_unlock_failures(user)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sahih_store::NewUser;
    use sahih_store::testing::TestDatabase;

    /// A guard over a fresh store (SQLite, or PostgreSQL with `TEST_DATABASE_URL`) and two
    /// officers.
    fn guard() -> (
        tempfile::TempDir,
        TestDatabase,
        PassphraseGuard,
        UserId,
        UserId,
    ) {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = TestDatabase::new(dir.path());
        let store = Store::open(&db.url, &dir.path().join("blobs")).expect("store");
        let user = |login: &str| {
            store
                .create_user(&NewUser {
                    login: login.into(),
                    name: login.into(),
                    email: None,
                    password_hash: "x".into(),
                    role: sahih_workflow::Role::Signer,
                    agency_id: None,
                    position: None,
                    cert_pem: None,
                    key_pem: None,
                })
                .expect("user")
        };
        let (officer, other) = (user("kadis"), user("sekdis"));
        (dir, db, PassphraseGuard::new(store), officer, other)
    }

    /// The seconds `check` says the key stays locked, `None` when it may be tried.
    fn locked(guard: &PassphraseGuard, user: UserId, now: i64) -> Option<u64> {
        match guard.check(user, now) {
            Ok(()) => None,
            Err(AppError::PassphraseLocked { retry_after }) => Some(retry_after),
            Err(e) => panic!("check: {e}"),
        }
    }

    fn failed(guard: &PassphraseGuard, user: UserId, now: i64) -> Option<u64> {
        guard.failed(user, now).expect("counted")
    }

    #[test]
    fn the_fifth_wrong_passphrase_locks_the_key_for_the_lockout() {
        let (_dir, _db, guard, officer, other) = guard();
        let t0 = sahih_store::now();
        for _ in 1..MAX_FAILURES {
            assert_eq!(failed(&guard, officer, t0), None);
            assert_eq!(locked(&guard, officer, t0), None);
        }
        assert_eq!(failed(&guard, officer, t0), Some(LOCKOUT.as_secs()));
        assert_eq!(locked(&guard, officer, t0), Some(LOCKOUT.as_secs()));
        assert_eq!(
            locked(&guard, other, t0),
            None,
            "another officer is not locked"
        );
        let lockout = LIMITS.lockout;
        assert_eq!(locked(&guard, officer, t0 + lockout - 60), Some(60));
        assert_eq!(locked(&guard, officer, t0 + lockout), None);
        // After the lock, counting starts over.
        assert_eq!(failed(&guard, officer, t0 + lockout), None);
    }

    #[test]
    fn another_node_and_a_restarted_one_see_the_lock() {
        let (dir, db, guard, officer, _) = guard();
        let t0 = sahih_store::now();
        for _ in 1..MAX_FAILURES {
            failed(&guard, officer, t0);
        }
        drop(guard);
        let node = || {
            PassphraseGuard::new(Store::open(&db.url, &dir.path().join("blobs")).expect("store"))
        };
        let (restarted, other_node) = (node(), node());
        assert_eq!(failed(&restarted, officer, t0), Some(LOCKOUT.as_secs()));
        assert_eq!(locked(&other_node, officer, t0), Some(LOCKOUT.as_secs()));
        assert_eq!(
            failed(&other_node, officer, t0 + 1),
            Some(LOCKOUT.as_secs() - 1),
            "a failure racing the lock is refused as locked and does not lift it"
        );
        assert_eq!(
            locked(&restarted, officer, t0 + 2),
            Some(LOCKOUT.as_secs() - 2)
        );
    }

    #[test]
    fn the_right_passphrase_or_a_quiet_window_forgets_the_count() {
        let (_dir, _db, guard, officer, _) = guard();
        let t0 = sahih_store::now();
        for _ in 1..MAX_FAILURES {
            failed(&guard, officer, t0);
        }
        guard.succeeded(officer).expect("forgotten");
        assert_eq!(failed(&guard, officer, t0), None, "the count started over");
        for _ in 2..MAX_FAILURES {
            failed(&guard, officer, t0);
        }
        // Past the window, the earlier failures no longer count.
        assert_eq!(failed(&guard, officer, t0 + LIMITS.window + 1), None);
    }
}
