//! A counting gate for memory-heavy work.

/// A counting gate: at most `max` PDF parses or signatures run at once, so that concurrent
/// uploads cannot multiply the memory one PDF needs beyond what the machine has.
#[derive(Debug)]
pub(crate) struct Gate {
    max: usize,
    busy: std::sync::Mutex<usize>,
    freed: std::sync::Condvar,
}

impl Gate {
    pub(crate) fn new(max: usize) -> Gate {
        Gate {
            max: max.max(1),
            busy: std::sync::Mutex::new(0),
            freed: std::sync::Condvar::new(),
        }
    }

    /// Runs `f` once fewer than `max` others are running.
    pub(crate) fn run<T>(&self, f: impl FnOnce() -> T) -> T {
        {
            let mut busy = self
                .busy
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            while *busy >= self.max {
                busy = self
                    .freed
                    .wait(busy)
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
            }
            *busy += 1;
        }
        let _permit = Permit(self);
        f()
    }
}

/// Frees its place in the gate when dropped, even if the work panicked.
struct Permit<'a>(&'a Gate);

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        let mut busy = self
            .0
            .busy
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *busy = busy.saturating_sub(1);
        self.0.freed.notify_one();
    }
}
