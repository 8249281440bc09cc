//! A wake-up call for a background thread: set by whoever committed new work, cleared by the
//! thread when it wakes (the log sequencer after leaves are written, the mail worker after mail
//! is queued).

use std::sync::{Condvar, Mutex, PoisonError};
use std::time::Duration;

/// "There is new work": [`Wakeup::notify`] sets it and wakes the waiting thread;
/// [`Wakeup::wait`] returns when it is set or a timeout passes, and clears it.
#[derive(Debug, Default)]
pub struct Wakeup {
    pending: Mutex<bool>,
    woken: Condvar,
}

impl Wakeup {
    /// Says there is new work (called after the commit that made it).
    pub fn notify(&self) {
        let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
        *pending = true;
        self.woken.notify_all();
    }

    /// Waits until notified or `timeout` passes, and clears the notification; returns
    /// whether it was notified (a call made before the wait counts).
    pub fn wait(&self, timeout: Duration) -> bool {
        let pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
        let (mut pending, _) = self
            .woken
            .wait_timeout_while(pending, timeout, |p| !*p)
            .unwrap_or_else(PoisonError::into_inner);
        std::mem::replace(&mut *pending, false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_notification_before_the_wait_is_kept_and_then_cleared() {
        let wakeup = Wakeup::default();
        assert!(!wakeup.wait(Duration::ZERO), "nothing to do yet");
        wakeup.notify();
        assert!(
            wakeup.wait(Duration::from_secs(3600)),
            "the earlier call wakes it"
        );
        assert!(!wakeup.wait(Duration::ZERO), "and is cleared");
    }
}
