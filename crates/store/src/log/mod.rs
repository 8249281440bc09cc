//! The transparency log in the database (DESIGN.md decision 5; docs/transparency-log.md).
//!
//! - Every workflow event the store commits writes one pending leaf ([`leaf::Leaf`], format
//!   `sahih-log-leaf/1`) in the same transaction; a verification on the public page writes one
//!   in its own ([`Store::log_verification`]).
//! - The sequencer ([`Store::log_sequence`], run by a [`Sequencer`] thread about a second after
//!   each commit at most) takes pending leaves in commit order, gives them indices, writes the
//!   c2sp.org/tlog-tiles hash tiles that changed and signs a new checkpoint, in one transaction.
//! - The reads serve what c2sp.org/tlog-tiles clients fetch ([`Store::log_tile`],
//!   [`Store::log_checkpoint`]), the human page ([`Store::log_overview`]) and the receipts that
//!   verify offline ([`Store::log_receipt`], [`receipt::Receipt::verify`]).

pub mod audit;
pub mod leaf;
pub mod receipt;
mod sequence;
mod tiles;
mod worker;

use diesel::prelude::*;
use sahih_workflow::{DocumentId, Transition, UserId};

use crate::schema::{documents, log_leaves, log_state};
use crate::{DbConnection, Store, StoreError, now};
use audit::OrderCheck;
use leaf::{EventLeaf, Leaf, LeafKind, Pseudonym, VerificationLeaf};

pub use sequence::Sequenced;
pub use tiles::LogOverview;
pub(crate) use worker::LogSignal;
pub use worker::{SEQUENCER_BATCH, SEQUENCER_TICK, Sequencer};

/// The row of `log_state`.
pub(crate) const STATE_ROW: i64 = 1;

/// The deployment's pseudonym salt, made by [`Store::migrate`] or on first use (32 bytes from
/// the operating system's generator) and kept in `log_state`.
pub(crate) fn salt(c: &mut DbConnection) -> Result<[u8; 32], StoreError> {
    let stored = log_state::table
        .find(STATE_ROW)
        .select(log_state::salt)
        .first::<Option<Vec<u8>>>(c)?;
    if let Some(salt) = stored {
        return <[u8; 32]>::try_from(salt.as_slice())
            .map_err(|_| StoreError::Corrupt("the log's pseudonym salt is not 32 bytes".into()));
    }
    let mut fresh = [0u8; 32];
    getrandom::fill(&mut fresh).map_err(|e| StoreError::Io(format!("random salt: {e}")))?;
    diesel::update(
        log_state::table
            .find(STATE_ROW)
            .filter(log_state::salt.is_null()),
    )
    .set(log_state::salt.eq(fresh.to_vec()))
    .execute(c)?;
    // Another writer may have set it first: read what is stored.
    let stored = log_state::table
        .find(STATE_ROW)
        .select(log_state::salt)
        .first::<Option<Vec<u8>>>(c)?
        .ok_or_else(|| StoreError::Corrupt("the log's pseudonym salt is missing".into()))?;
    <[u8; 32]>::try_from(stored.as_slice())
        .map_err(|_| StoreError::Corrupt("the log's pseudonym salt is not 32 bytes".into()))
}

pub(crate) fn sha256_bytes(hex_key: &str) -> Result<[u8; 32], StoreError> {
    leaf::parse_hex::<32>(hex_key)
        .ok_or_else(|| StoreError::Corrupt(format!("{hex_key:?} is not a SHA-256 in hex")))
}

pub(crate) fn insert_leaf(
    c: &mut DbConnection,
    document: Option<i64>,
    leaf: &Leaf,
    at: i64,
) -> Result<(), StoreError> {
    let entry = leaf
        .encode()
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    crate::dialect::lock_journal(c)?;
    diesel::insert_into(log_leaves::table)
        .values((
            log_leaves::document_id.eq(document),
            log_leaves::entry.eq(entry),
            log_leaves::created_at.eq(at),
        ))
        .execute(c)?;
    Ok(())
}

/// Writes the pending leaves of `transition`'s events by `actor` on document `doc`, inside the
/// caller's transaction. `sha256` is the hex SHA-256 of the document's file after the
/// transition (the signed PDF, or the current version's attachment).
pub(crate) fn append_event_leaves(
    c: &mut DbConnection,
    doc: DocumentId,
    actor: UserId,
    transition: &Transition,
    at: i64,
    sha256: &str,
) -> Result<(), StoreError> {
    let salt = salt(c)?;
    let sha256 = sha256_bytes(sha256)?;
    let applicant: i64 = documents::table
        .find(doc.0)
        .select(documents::applicant_id)
        .first(c)?;
    let actor = if applicant == actor.0 {
        Pseudonym::applicant(&salt, doc.0)
    } else {
        Pseudonym::actor(&salt, actor.0)
    };
    let last = transition.events.len().saturating_sub(1);
    for (i, event) in transition.events.iter().enumerate() {
        let kind = LeafKind::of_event(event);
        // Only the last event of a transition moves the state: `numbered` before `signed`
        // leaves the document where it was.
        let to = if i == last {
            transition.to
        } else {
            transition.from
        };
        let leaf = Leaf::Event(EventLeaf {
            kind,
            time: at,
            document: Pseudonym::document(&salt, doc.0),
            actor,
            sha256,
            from: (kind != LeafKind::Submitted).then_some(transition.from),
            to,
        });
        insert_leaf(c, Some(doc.0), &leaf, at)?;
    }
    Ok(())
}

impl Store {
    /// Replays every leaf recorded so far (sequenced or pending, in the order they were
    /// written) under the auditor's order rules ([`OrderCheck`]): what `sahih log verify
    /// --audit` checks over the published log, run on the database itself.
    ///
    /// Returns `Ok(Err(reason))` naming the first leaf that breaks a rule.
    ///
    /// Errors: [`StoreError::Db`]; [`StoreError::Corrupt`] for a stored leaf that does not
    /// parse.
    pub fn log_order_check(&self) -> Result<Result<(), String>, StoreError> {
        let mut conn = self.conn()?;
        let entries: Vec<Vec<u8>> = log_leaves::table
            .order(log_leaves::id.asc())
            .select(log_leaves::entry)
            .load(&mut *conn)?;
        let mut check = OrderCheck::new();
        for (i, entry) in entries.iter().enumerate() {
            let leaf = Leaf::parse(entry).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            if let Err(reason) = check.push(&leaf) {
                return Ok(Err(format!("leaf {i}: {reason}")));
            }
        }
        Ok(Ok(()))
    }

    /// The pseudonym of document `id` in the log: the `document=` of its leaves, so of its one
    /// `kind=signed` leaf (what a visible signature's QR statement names, the leaf's index being
    /// given only later by the sequencer). Makes the deployment's salt if there is none yet.
    ///
    /// Errors: [`StoreError::Db`], [`StoreError::Corrupt`].
    pub fn log_document_pseudonym(&self, id: DocumentId) -> Result<Pseudonym, StoreError> {
        let mut conn = self.conn()?;
        let salt = conn.transaction(|c| salt(c))?;
        Ok(Pseudonym::document(&salt, id.0))
    }

    /// Records a verification requested on the public page or the API as a pending leaf, in
    /// its own transaction (it changes no document). Its `time` is set here.
    ///
    /// Errors: [`StoreError::Db`].
    pub fn log_verification(&self, leaf: &VerificationLeaf) -> Result<(), StoreError> {
        let at = now();
        let leaf = Leaf::Verification(VerificationLeaf {
            time: at,
            ..leaf.clone()
        });
        let mut conn = self.conn()?;
        conn.transaction(|c| insert_leaf(c, None, &leaf, at))?;
        self.log_signal.notify();
        Ok(())
    }

    /// Appends raw entries as pending leaves in one transaction, bypassing the event encoding:
    /// for benchmarks that need a large log quickly. Not for the service.
    ///
    /// Errors: [`StoreError::Db`].
    #[doc(hidden)]
    pub fn log_append_raw_for_bench(&self, entries: &[Vec<u8>]) -> Result<(), StoreError> {
        let at = now();
        let mut conn = self.conn()?;
        conn.transaction(|c| {
            for entry in entries {
                diesel::insert_into(log_leaves::table)
                    .values((log_leaves::entry.eq(entry), log_leaves::created_at.eq(at)))
                    .execute(c)?;
            }
            Ok::<_, StoreError>(())
        })?;
        self.log_signal.notify();
        Ok(())
    }
}
