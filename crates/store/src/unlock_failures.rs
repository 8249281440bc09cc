//! Wrong attempts at unlocking an officer's signing key (passphrases and TOTP codes, counted
//! together), kept in the database: every `sahih serve` node on one database shares the count,
//! and a restart keeps it (NIST SP 800-63B §5.2.2 asks verifiers to limit failed attempts). The
//! web layer sets the limits ([`UnlockLimits`]) and asks before each unlock whether the key is
//! locked ([`Store::unlock_locked_until`]).
//!
//! Counting is race-free across nodes: [`Store::count_unlock_failure`] runs one transaction that
//! makes sure the officer's row exists (`dialect::ensure_unlock_failures_row`), then
//! writes the row before reading it, so that SQLite holds its writer lock and PostgreSQL a lock
//! on that row until the count is written; two nodes counting at once both count, one after the
//! other. Times are Unix seconds of the caller's clock (the nodes' clocks are assumed in sync,
//! as for every other timestamp Sahih stores).

use diesel::prelude::*;
use sahih_workflow::UserId;

use crate::dialect::ensure_unlock_failures_row;
use crate::schema::unlock_failures as uf;
use crate::{Store, StoreError};

/// The rules of the count: `max_failures` wrong attempts within `window` seconds lock the key
/// for `lockout` seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnlockLimits {
    /// Wrong attempts within the window that lock the key (at least 1).
    pub max_failures: i64,
    /// The span over which wrong attempts are counted, seconds: a failure later than this after
    /// the first of the count starts a new count.
    pub window: i64,
    /// How long the key stays locked, seconds.
    pub lockout: i64,
}

/// What counting one wrong attempt did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnlockFailure {
    /// Counted, below the limit: `failures` wrong attempts in the current window, this one
    /// included.
    Counted {
        /// Wrong attempts in the window so far (1 for the first).
        failures: i64,
    },
    /// This attempt reached the limit: the key is locked until `until` (Unix seconds).
    Locked {
        /// When the key may be tried again.
        until: i64,
    },
    /// The key was already locked (by another node's count that committed meanwhile): not
    /// counted, the lock is left as it is.
    AlreadyLocked {
        /// When the key may be tried again.
        until: i64,
    },
}

impl UnlockFailure {
    /// When the key may be tried again, if it is locked after this attempt.
    pub fn locked_until(&self) -> Option<i64> {
        match *self {
            UnlockFailure::Counted { .. } => None,
            UnlockFailure::Locked { until } | UnlockFailure::AlreadyLocked { until } => Some(until),
        }
    }
}

/// An officer's row: the count, when its window began, and the lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Count {
    failures: i64,
    window_start: i64,
    locked_until: Option<i64>,
}

/// The count after one more wrong attempt at `now`, and what it did: a lock still running is
/// left alone; a lock that is over, or a window that is over, starts the count again (and the
/// first failure of a count starts its window).
fn count_one(row: Count, now: i64, limits: UnlockLimits) -> (Count, UnlockFailure) {
    if let Some(until) = row.locked_until
        && until > now
    {
        return (row, UnlockFailure::AlreadyLocked { until });
    }
    let fresh = row.failures == 0
        || row.locked_until.is_some()
        || now.saturating_sub(row.window_start) > limits.window;
    let (failures, window_start) = if fresh {
        (1, now)
    } else {
        (row.failures.saturating_add(1), row.window_start)
    };
    if failures >= limits.max_failures {
        let until = now.saturating_add(limits.lockout);
        let row = Count {
            failures,
            window_start,
            locked_until: Some(until),
        };
        (row, UnlockFailure::Locked { until })
    } else {
        let row = Count {
            failures,
            window_start,
            locked_until: None,
        };
        (row, UnlockFailure::Counted { failures })
    }
}

impl Store {
    /// Until when `user`'s key is locked at `now` (Unix seconds), or `None` when it may be
    /// tried.
    ///
    /// Errors: [`StoreError::Db`].
    pub fn unlock_locked_until(&self, user: UserId, now: i64) -> Result<Option<i64>, StoreError> {
        let mut conn = self.conn()?;
        let until = uf::table
            .find(user.0)
            .select(uf::locked_until)
            .first::<Option<i64>>(&mut *conn)
            .optional()?
            .flatten();
        Ok(until.filter(|&until| until > now))
    }

    /// Counts a wrong passphrase or code of `user` at `now` (Unix seconds) under `limits`: a lock
    /// still running is left as it is ([`UnlockFailure::AlreadyLocked`]); a lock or a window that
    /// is over starts the count again; the failure that reaches `limits.max_failures` within the
    /// window locks the key for `limits.lockout` seconds. One transaction makes sure the
    /// officer's row exists, then writes it before reading it, so that SQLite's writer lock or
    /// PostgreSQL's row lock is held until the new count is written: attempts counted at once by
    /// several nodes are all counted, one after the other.
    ///
    /// Errors: [`StoreError::Db`] (also for an unknown `user`).
    pub fn count_unlock_failure(
        &self,
        user: UserId,
        now: i64,
        limits: UnlockLimits,
    ) -> Result<UnlockFailure, StoreError> {
        let mut conn = self.conn()?;
        conn.transaction(|c| {
            ensure_unlock_failures_row(c, user.0, now)?;
            // Write before reading: PostgreSQL locks the row (SQLite's writer lock is held
            // since the insert), so another node's count waits for this one's commit.
            let row = uf::table.find(user.0);
            diesel::update(row)
                .set(uf::failures.eq(uf::failures))
                .execute(c)?;
            let (failures, window_start, locked_until) = row
                .select((uf::failures, uf::window_start, uf::locked_until))
                .first::<(i64, i64, Option<i64>)>(c)?;
            let before = Count {
                failures,
                window_start,
                locked_until,
            };
            let (after, outcome) = count_one(before, now, limits);
            if after != before {
                diesel::update(row)
                    .set((
                        uf::failures.eq(after.failures),
                        uf::window_start.eq(after.window_start),
                        uf::locked_until.eq(after.locked_until),
                    ))
                    .execute(c)?;
            }
            Ok(outcome)
        })
    }

    /// Forgets `user`'s wrong attempts (the right passphrase, and code, were given).
    ///
    /// Errors: [`StoreError::Db`].
    pub fn forget_unlock_failures(&self, user: UserId) -> Result<(), StoreError> {
        let mut conn = self.conn()?;
        diesel::delete(uf::table.find(user.0)).execute(&mut *conn)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: UnlockLimits = UnlockLimits {
        max_failures: 3,
        window: 100,
        lockout: 50,
    };

    fn fresh(now: i64) -> Count {
        Count {
            failures: 0,
            window_start: now,
            locked_until: None,
        }
    }

    #[test]
    fn the_limit_within_the_window_locks_and_a_running_lock_is_left_alone() {
        let (row, first) = count_one(fresh(0), 10, LIMITS);
        assert_eq!(first, UnlockFailure::Counted { failures: 1 });
        let (row, second) = count_one(row, 100, LIMITS);
        assert_eq!(second, UnlockFailure::Counted { failures: 2 });
        let (row, third) = count_one(row, 100, LIMITS);
        assert_eq!(third, UnlockFailure::Locked { until: 150 });
        let (same, late) = count_one(row, 149, LIMITS);
        assert_eq!(late, UnlockFailure::AlreadyLocked { until: 150 });
        assert_eq!(same, row, "a failure during the lock changes nothing");
    }

    #[test]
    fn a_lock_or_a_window_that_is_over_starts_the_count_again() {
        let locked = Count {
            failures: 3,
            window_start: 0,
            locked_until: Some(50),
        };
        let (row, outcome) = count_one(locked, 50, LIMITS);
        assert_eq!(outcome, UnlockFailure::Counted { failures: 1 });
        assert_eq!(
            row,
            Count {
                failures: 1,
                window_start: 50,
                locked_until: None
            }
        );
        let two = Count {
            failures: 2,
            window_start: 0,
            locked_until: None,
        };
        assert_eq!(
            count_one(two, 100, LIMITS).1,
            UnlockFailure::Locked { until: 150 },
            "the window's last second still counts"
        );
        assert_eq!(
            count_one(two, 101, LIMITS).1,
            UnlockFailure::Counted { failures: 1 }
        );
    }
}
