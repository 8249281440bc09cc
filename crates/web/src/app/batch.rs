//! Batch signing: many documents, one key unlock.

use sahih_store::{Document, User};
use sahih_workflow::{Command, Role};

use super::{App, Seen};
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
        let key = self.unlock_key(user, passphrase)?;
        let mut seen = std::collections::HashSet::new();
        Ok(items
            .iter()
            .filter(|item| seen.insert(item.public_id.as_str()))
            .map(|item| BatchOutcome {
                public_id: item.public_id.clone(),
                result: self
                    .decide_on(user, &item.public_id, item.seen.as_ref(), &Command::Sign)
                    .and_then(|decided| self.sign_decided(user, &key, decided)),
            })
            .collect())
    }
}
