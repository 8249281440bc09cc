//! What the two outboxes share, the mail outbox (`notifications`) and the webhook deliveries
//! (`webhooks`): the exponential backoff after a failed attempt and the bounded error text kept
//! with a row. Both claim due rows the same way: the due ids are read first, outside the
//! transaction, then one UPDATE checks again that each is still due and moves its
//! `next_attempt_at` forward by a lease, so it never upgrades a read snapshot to a write
//! (SQLite's SQLITE_BUSY_SNAPSHOT) and a second worker (another node) does not take it
//! meanwhile; a worker that dies mid-attempt leaves it to be claimed again when the lease ends
//! (at-least-once delivery).

/// The delay after the `failures`-th failed attempt (1-based), seconds:
/// `base` × 2^(failures − 1), so the first retry comes `base` seconds after the first failure.
/// Saturates instead of overflowing.
pub(crate) fn backoff_delay(base: i64, failures: i64) -> i64 {
    let doublings = u32::try_from(failures.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
    base.saturating_mul(1i64 << doublings)
}

/// The error text kept with a row: at most 500 characters.
pub(crate) fn kept_error(error: &str) -> String {
    error.chars().take(500).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_delay_doubles_from_the_base_and_saturates() {
        assert_eq!(backoff_delay(30, 1), 30);
        assert_eq!(backoff_delay(30, 2), 60);
        assert_eq!(backoff_delay(30, 4), 240);
        assert_eq!(
            backoff_delay(60, 0),
            60,
            "no failure yet counts as the first"
        );
        assert_eq!(backoff_delay(i64::MAX / 2, 40), i64::MAX);
    }

    #[test]
    fn kept_errors_are_bounded_in_characters() {
        assert_eq!(kept_error(&"é".repeat(600)).chars().count(), 500);
        assert_eq!(kept_error("timeout"), "timeout");
    }
}
