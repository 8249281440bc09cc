//! The sequencer thread: wakes when a transaction that wrote leaves commits, and every tick
//! anyway, and sequences what is pending if this process leads (always on SQLite; on
//! PostgreSQL the node holding the sequencer's advisory lock, see `crate::dialect`).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use sahih_tlog::SignerKey;

use crate::Store;

/// How long the sequencer sleeps when nothing wakes it (SQLite: every writer is in this
/// process, and wakes it).
pub const SEQUENCER_TICK: Duration = Duration::from_secs(1);

/// How long the sequencer sleeps on PostgreSQL, where other nodes' commits do not wake it: how
/// soon the leader sees their leaves, and how soon a follower notices the leader is gone.
pub const SEQUENCER_TICK_SHARED: Duration = Duration::from_millis(200);

/// Leaves sequenced per transaction at most.
pub const SEQUENCER_BATCH: usize = 4096;

/// "Leaves were committed": shared by every clone of a [`Store`].
pub(crate) type LogSignal = crate::Wakeup;

/// The running sequencer: a thread that calls [`Store::log_sequence_all`] after every commit
/// that wrote leaves (within milliseconds) and every [`SEQUENCER_TICK`]. Stopped and joined
/// when dropped.
pub struct Sequencer {
    stop: Arc<AtomicBool>,
    signal: Arc<LogSignal>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Sequencer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sequencer").finish_non_exhaustive()
    }
}

impl Sequencer {
    /// Starts the sequencer thread on `store`, signing with `key`.
    ///
    /// Errors: the operating system could not start a thread.
    pub fn spawn(store: Store, key: Arc<SignerKey>) -> std::io::Result<Sequencer> {
        let stop = Arc::new(AtomicBool::new(false));
        let signal = store.log_signal.clone();
        let thread = {
            let stop = stop.clone();
            std::thread::Builder::new()
                .name("sahih-log-sequencer".into())
                .spawn(move || run(&store, &key, &stop))?
        };
        Ok(Sequencer {
            stop,
            signal,
            thread: Some(thread),
        })
    }
}

fn run(store: &Store, key: &SignerKey, stop: &AtomicBool) {
    let mut leadership = crate::dialect::Leadership::new(store.backend());
    let tick = match store.backend() {
        crate::Backend::Sqlite { .. } => SEQUENCER_TICK,
        crate::Backend::Postgres { .. } => SEQUENCER_TICK_SHARED,
    };
    while !stop.load(Ordering::Acquire) {
        if leadership.check() {
            match store.log_sequence_all(key, SEQUENCER_BATCH) {
                Ok(Some(batch)) => {
                    tracing::debug!(size = batch.new_size, "log checkpoint signed");
                }
                Ok(None) => {}
                Err(e) => tracing::error!(error = %e, code = e.code(), "log sequencer failed"),
            }
        }
        store.log_signal.wait(tick);
    }
}

impl Drop for Sequencer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        self.signal.notify();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
