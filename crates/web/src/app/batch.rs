//! Batch signing: many documents, one key unlock.

use sahih_store::{Document, User};
use sahih_workflow::{Command, Role};

use super::{App, KeyUnlock, Seen};
use crate::AppError;

/// The most documents one batch signature takes.
pub const MAX_BATCH: usize = 200;

/// One document of a batch signature: its public id and, from the queue's form, what the
/// signer saw of it (the signature is refused with `E_CONFLICT` if it changed since).
#[derive(Debug, Clone)]
pub struct BatchItem {
    /// The document's public id.
    pub public_id: String,
    /// The state, version and round shown in the queue, if the form said.
    pub seen: Option<Seen>,
}

/// One document's outcome in a batch signature.
#[derive(Debug)]
pub struct BatchOutcome {
    /// The document's public id, as asked.
    pub public_id: String,
    /// The signed document, or why it was not signed.
    pub result: Result<Document, AppError>,
}

impl App {
    /// Batch signing: the official unlocks their key once and signs each document in turn, as
    /// [`App::sign`] would (each its own transaction and nomor surat). A refusal or failure on
    /// one document leaves the others signed; every outcome is reported, in the order asked.
    /// The unlocked key is dropped (zeroized) when the batch ends.
    ///
    /// Errors (for the whole batch, before anything is signed): `E_BATCH_EMPTY`,
    /// `E_BATCH_TOO_LARGE` (more than [`MAX_BATCH`]), `E_WRONG_ROLE`, `E_NO_SIGNING_KEY`,
    /// `E_WRONG_PASSPHRASE`.
    pub fn sign_batch(
        &self,
        user: &User,
        items: &[BatchItem],
        passphrase: &[u8],
    ) -> Result<Vec<BatchOutcome>, AppError> {
        self.sign_batch_with(user, items, &KeyUnlock::passphrase(passphrase))
    }

    /// [`App::sign_batch`] with the key unlocked once by `unlock`: the passphrase and, for an
    /// officer who enrolled a second factor, a current TOTP code.
    ///
    /// Errors: those of [`App::sign_batch`] and of the second factor (`E_TOTP_NOT_ENROLLED`,
    /// `E_TOTP_REQUIRED`, `E_WRONG_TOTP`, `E_TOTP_REPLAYED`, `E_PASSPHRASE_LOCKED`).
    pub fn sign_batch_with(
        &self,
        user: &User,
        items: &[BatchItem],
        unlock: &KeyUnlock<'_>,
    ) -> Result<Vec<BatchOutcome>, AppError> {
        if items.is_empty() {
            return Err(AppError::bad_input("E_BATCH_EMPTY", "no document selected"));
        }
        if items.len() > MAX_BATCH {
            return Err(AppError::bad_input(
                "E_BATCH_TOO_LARGE",
                format!("at most {MAX_BATCH} documents at once"),
            ));
        }
        if user.role != Role::Signer {
            return Err(AppError::Forbidden("E_WRONG_ROLE"));
        }
        let key = self.unlock_key(user, unlock)?;
        let mut seen = std::collections::HashSet::new();
        let unique: Vec<&BatchItem> = items
            .iter()
            .filter(|item| seen.insert(item.public_id.as_str()))
            .collect();
        // Documents are read and hashed a few at a time on every core; their signing
        // transactions then run in the order ticked, so nomor surat follow that order.
        let workers = cores();
        let mut outcomes = Vec::with_capacity(unique.len());
        for window in unique.chunks(2 * workers) {
            let ready = on_every_core(window, workers, |item| {
                self.decide_on(user, &item.public_id, item.seen.as_ref(), &Command::Sign)
                    .and_then(|decided| self.hash_decided(&key.0, decided))
            });
            for (item, ready) in window.iter().zip(ready) {
                outcomes.push(BatchOutcome {
                    public_id: item.public_id.clone(),
                    result: ready.and_then(|r| self.sign_ready(user, &key, r)),
                });
            }
        }
        Ok(outcomes)
    }
}

/// Threads a batch uses: the machine's cores, at most 8.
fn cores() -> usize {
    std::thread::available_parallelism()
        .map_or(1, std::num::NonZeroUsize::get)
        .clamp(1, 8)
}

/// Runs `f` on each item on up to `workers` threads, returning the results in the items'
/// order.
fn on_every_core<T: Sync, R: Send>(
    items: &[T],
    workers: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let workers = workers.min(items.len());
    if workers <= 1 {
        return items.iter().map(&f).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut done: Vec<(usize, R)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break };
                        mine.push((i, f(item)));
                    }
                    mine
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}
