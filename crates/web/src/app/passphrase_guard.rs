//! Wrong key passphrases, counted per officer: after [`MAX_FAILURES`] within [`WINDOW`] the
//! officer's key is not tried again for [`LOCKOUT`], so a stolen session cannot guess the
//! passphrase that unlocks a signing key (NIST SP 800-63B §5.2.2 asks verifiers to limit
//! failed attempts). Kept in this process's memory: each node counts its own attempts, and a
//! restart forgets them.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use sahih_workflow::UserId;

/// Wrong passphrases allowed within [`WINDOW`] before the key is locked.
pub const MAX_FAILURES: u32 = 5;

/// The span over which wrong passphrases are counted.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);

/// How long a key stays locked after [`MAX_FAILURES`] wrong passphrases.
pub const LOCKOUT: Duration = Duration::from_secs(15 * 60);

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    since: Instant,
    locked_until: Option<Instant>,
}

/// The failure counts of officers' passphrases.
#[derive(Debug, Default)]
pub struct PassphraseGuard {
    failures: Mutex<HashMap<UserId, Failures>>,
}

impl PassphraseGuard {
    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<UserId, Failures>> {
        self.failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Whether `user`'s key may be tried at `now`: `Err(seconds)` until the lock ends.
    pub fn check(&self, user: UserId, now: Instant) -> Result<(), u64> {
        match self.entries().get(&user).and_then(|f| f.locked_until) {
            Some(until) if until > now => {
                Err(until.duration_since(now).as_secs_f64().ceil().max(1.0) as u64)
            }
            _ => Ok(()),
        }
    }

    /// Counts a wrong passphrase of `user` at `now`; `Some(seconds)` when this one locked the
    /// key.
    pub fn failed(&self, user: UserId, now: Instant) -> Option<u64> {
        let mut entries = self.entries();
        let f = entries.entry(user).or_insert(Failures {
            count: 0,
            since: now,
            locked_until: None,
        });
        if now.saturating_duration_since(f.since) > WINDOW || f.locked_until.is_some() {
            *f = Failures {
                count: 0,
                since: now,
                locked_until: None,
            };
        }
        f.count += 1;
        (f.count >= MAX_FAILURES).then(|| {
            f.locked_until = Some(now + LOCKOUT);
            LOCKOUT.as_secs()
        })
    }

    /// Forgets `user`'s wrong passphrases (the right one was given).
    pub fn succeeded(&self, user: UserId) {
        self.entries().remove(&user);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fifth_wrong_passphrase_locks_the_key_for_the_lockout() {
        let guard = PassphraseGuard::default();
        let (officer, other) = (UserId(7), UserId(8));
        let t0 = Instant::now();
        for _ in 1..MAX_FAILURES {
            assert_eq!(guard.failed(officer, t0), None);
            assert_eq!(guard.check(officer, t0), Ok(()));
        }
        assert_eq!(guard.failed(officer, t0), Some(LOCKOUT.as_secs()));
        assert_eq!(guard.check(officer, t0), Err(LOCKOUT.as_secs()));
        assert_eq!(
            guard.check(other, t0),
            Ok(()),
            "another officer is not locked"
        );
        let later = t0 + LOCKOUT - Duration::from_secs(60);
        assert_eq!(guard.check(officer, later), Err(60));
        assert_eq!(guard.check(officer, t0 + LOCKOUT), Ok(()));
        // After the lock, counting starts over.
        assert_eq!(guard.failed(officer, t0 + LOCKOUT), None);
    }

    #[test]
    fn the_right_passphrase_or_a_quiet_window_forgets_the_count() {
        let guard = PassphraseGuard::default();
        let officer = UserId(7);
        let t0 = Instant::now();
        for _ in 1..MAX_FAILURES {
            guard.failed(officer, t0);
        }
        guard.succeeded(officer);
        assert_eq!(guard.failed(officer, t0), None, "the count started over");
        for _ in 2..MAX_FAILURES {
            guard.failed(officer, t0);
        }
        // Past the window, the earlier failures no longer count.
        assert_eq!(
            guard.failed(officer, t0 + WINDOW + Duration::from_secs(1)),
            None
        );
    }
}
