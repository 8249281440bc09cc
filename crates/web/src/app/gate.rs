//! A counting gate for memory-heavy work.

use std::time::{Duration, Instant};

/// The gate is full and its queue too: try again later (HTTP 503, `E_BUSY`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy;

/// How long a request waits for a place before it is told the server is busy.
const MAX_WAIT: Duration = Duration::from_secs(15);
/// Waiting requests per place: beyond that, a request is refused at once, so that waiters
/// cannot take every blocking thread of the server.
const WAITERS_PER_PLACE: usize = 4;

#[derive(Debug, Default)]
struct Counts {
    busy: usize,
    waiting: usize,
}

/// A counting gate: at most `max` PDF parses or signatures run at once, so that concurrent
/// uploads cannot multiply the memory one PDF needs beyond what the machine has. At most
/// `max × 4` requests wait, each for at most 15 s.
#[derive(Debug)]
pub(crate) struct Gate {
    max: usize,
    counts: std::sync::Mutex<Counts>,
    freed: std::sync::Condvar,
}

impl Gate {
    pub(crate) fn new(max: usize) -> Gate {
        Gate {
            max: max.max(1),
            counts: std::sync::Mutex::new(Counts::default()),
            freed: std::sync::Condvar::new(),
        }
    }

    /// Runs `f` once fewer than `max` others are running; [`Busy`] when the queue is full or
    /// the wait runs out.
    pub(crate) fn run<T>(&self, f: impl FnOnce() -> T) -> Result<T, Busy> {
        {
            let mut counts = self
                .counts
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if counts.busy >= self.max && counts.waiting >= self.max * WAITERS_PER_PLACE {
                return Err(Busy);
            }
            let deadline = Instant::now() + MAX_WAIT;
            counts.waiting += 1;
            while counts.busy >= self.max {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    counts.waiting -= 1;
                    return Err(Busy);
                }
                counts = self
                    .freed
                    .wait_timeout(counts, left)
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .0;
            }
            counts.waiting -= 1;
            counts.busy += 1;
        }
        let _permit = Permit(self);
        Ok(f())
    }
}

/// Frees its place in the gate when dropped, even if the work panicked.
struct Permit<'a>(&'a Gate);

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        let mut counts = self
            .0
            .counts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        counts.busy = counts.busy.saturating_sub(1);
        self.0.freed.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_queue_is_refused_at_once_and_places_come_back() {
        let gate = std::sync::Arc::new(Gate::new(1));
        let (hold, release) = std::sync::mpsc::channel::<()>();
        let (started, running) = std::sync::mpsc::channel::<()>();
        let g = gate.clone();
        let worker = std::thread::spawn(move || {
            g.run(|| {
                let _ = started.send(());
                let _ = release.recv();
            })
        });
        running.recv().expect("the first holds the place");
        // Fill the queue with waiters as the counts say, then one more is refused at once.
        gate.counts.lock().expect("lock").waiting = WAITERS_PER_PLACE;
        let refused_at = Instant::now();
        assert_eq!(gate.run(|| ()), Err(Busy));
        assert!(refused_at.elapsed() < Duration::from_secs(1));
        gate.counts.lock().expect("lock").waiting = 0;
        let _ = hold.send(());
        assert_eq!(worker.join().expect("worker"), Ok(()));
        assert_eq!(gate.run(|| 7), Ok(7), "the place is free again");
    }
}
