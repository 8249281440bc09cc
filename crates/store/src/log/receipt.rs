//! A document's receipt: its leaves, their indices and inclusion proofs against one signed
//! checkpoint, as JSON that verifies offline with the log's verifier key alone
//! ([`Receipt::verify`], `sahih log verify-receipt`).

use diesel::prelude::*;
use sahih_tlog::{
    Checkpoint, Hash, InclusionProof, LogIndex, TileHashReader, TreeSize, VerifierKey, leaf_hash,
    prove_inclusion,
};
use sahih_workflow::DocumentId;
use serde::{Deserialize, Serialize};

use super::audit::OrderCheck;
use super::leaf::{Leaf, Pseudonym};
use super::tiles::{DbTiles, state};
use crate::schema::log_leaves;
use crate::{Store, StoreError};

/// The `schema` of a receipt.
pub const RECEIPT_SCHEMA: &str = "sahih-log-receipt/1";

/// A document's receipt (JSON; docs/transparency-log.md gives the schema).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Receipt {
    /// Always [`RECEIPT_SCHEMA`].
    pub schema: String,
    /// The document's pseudonym, as its leaves name it.
    pub document: String,
    /// The signed checkpoint every proof leads to (c2sp.org/tlog-checkpoint in a
    /// c2sp.org/signed-note), verbatim.
    pub checkpoint: String,
    /// The document's leaves in the checkpoint, in log order.
    pub leaves: Vec<ReceiptLeaf>,
    /// The document's leaves committed after that checkpoint, not yet provable.
    pub pending: u64,
}

/// One leaf of a receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceiptLeaf {
    /// Its index in the log.
    pub index: u64,
    /// The leaf's bytes (`sahih-log-leaf/1`, ASCII), verbatim.
    pub entry: String,
    /// `SHA-256(0x00 ‖ entry)`, lowercase hex.
    pub leaf_hash: String,
    /// The audit path to the checkpoint's root (RFC 9162 §2.1.3), leaf side first, lowercase
    /// hex.
    pub inclusion_proof: Vec<String>,
}

/// Why a receipt does not verify; [`ReceiptError::code`] is its stable code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReceiptError {
    /// The receipt is not a receipt of this format.
    #[error("{0}")]
    Malformed(String),
    /// The checkpoint is not signed by the given key.
    #[error("the checkpoint does not verify with the given key: {0}")]
    Signature(String),
    /// A leaf is malformed, belongs to another document, or its hash is not of its entry.
    #[error("leaf {index}: {reason}")]
    Entry {
        /// The leaf's log index.
        index: u64,
        /// What is wrong.
        reason: String,
    },
    /// An inclusion proof does not lead to the checkpoint's root.
    #[error("leaf {index} is not in the checkpoint's tree: {reason}")]
    Proof {
        /// The leaf's log index.
        index: u64,
        /// What failed.
        reason: String,
    },
    /// The document's events are in an order the workflow does not allow.
    #[error("leaf {index}: {reason}")]
    Order {
        /// The leaf's log index.
        index: u64,
        /// The rule broken.
        reason: String,
    },
}

impl ReceiptError {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            ReceiptError::Malformed(_) => "E_RECEIPT_MALFORMED",
            ReceiptError::Signature(_) => "E_LOG_SIGNATURE",
            ReceiptError::Entry { .. } => "E_RECEIPT_ENTRY",
            ReceiptError::Proof { .. } => "E_RECEIPT_PROOF",
            ReceiptError::Order { .. } => "E_LOG_ORDER",
        }
    }
}

fn parse_hash(text: &str) -> Option<Hash> {
    super::leaf::parse_hex::<32>(text).map(Hash)
}

impl Receipt {
    /// Verifies the receipt offline: the checkpoint's signature by `key`; for each leaf, that
    /// it is a `sahih-log-leaf/1` event of this document, that its hash is its entry's, and
    /// that its inclusion proof leads to the checkpoint's root (RFC 9162 §2.1.3.2); and that
    /// the leaves, in order, follow the workflow's rules ([`OrderCheck`]). Returns the
    /// checkpoint and the parsed leaves with their indices.
    ///
    /// # Errors
    /// The first [`ReceiptError`] found.
    pub fn verify(
        &self,
        key: &VerifierKey,
    ) -> Result<(Checkpoint, Vec<(u64, Leaf)>), ReceiptError> {
        if self.schema != RECEIPT_SCHEMA {
            return Err(ReceiptError::Malformed(format!(
                "schema {:?}, expected {RECEIPT_SCHEMA}",
                self.schema
            )));
        }
        let document = Pseudonym::parse(&self.document)
            .ok_or_else(|| ReceiptError::Malformed("document is not a pseudonym".into()))?;
        if self.leaves.is_empty() {
            // Every document has at least its `submitted` event; a receipt without events
            // proves nothing.
            return Err(ReceiptError::Malformed(
                "the receipt lists no events".into(),
            ));
        }
        let (checkpoint, _) = Checkpoint::open(&self.checkpoint, std::slice::from_ref(key))
            .map_err(|e| ReceiptError::Signature(e.to_string()))?;
        let mut order = OrderCheck::new();
        let mut out = Vec::new();
        let mut last = None;
        for l in &self.leaves {
            let entry_error = |reason: &str| ReceiptError::Entry {
                index: l.index,
                reason: reason.into(),
            };
            if last.is_some_and(|last| l.index <= last) {
                return Err(entry_error("leaves are not in log order"));
            }
            last = Some(l.index);
            let leaf = Leaf::parse(l.entry.as_bytes()).map_err(|e| entry_error(&e.to_string()))?;
            match &leaf {
                Leaf::Event(e) if e.document == document => {}
                _ => return Err(entry_error("not an event of this document")),
            }
            let hash = leaf_hash(l.entry.as_bytes());
            if parse_hash(&l.leaf_hash) != Some(hash) {
                return Err(entry_error("leaf_hash is not SHA-256(0x00 ‖ entry)"));
            }
            let path = l
                .inclusion_proof
                .iter()
                .map(|h| parse_hash(h))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| {
                    entry_error("inclusion_proof holds a hash that is not 64 hex digits")
                })?;
            let proof = InclusionProof {
                index: LogIndex(l.index),
                tree_size: checkpoint.size(),
                path,
            };
            proof
                .verify(&hash, &checkpoint.root())
                .map_err(|e| ReceiptError::Proof {
                    index: l.index,
                    reason: e.to_string(),
                })?;
            order.push(&leaf).map_err(|reason| ReceiptError::Order {
                index: l.index,
                reason,
            })?;
            out.push((l.index, leaf));
        }
        Ok((checkpoint, out))
    }
}

impl Store {
    /// The receipt of document `id` against the latest checkpoint: every leaf of the document
    /// that checkpoint holds, with its inclusion proof built from the stored tiles, and the
    /// number of its leaves still pending (none once the sequencer has run).
    ///
    /// Errors: [`StoreError::NotFound`] before the first checkpoint; [`StoreError::Log`] when
    /// the tiles cannot give a proof; [`StoreError::Db`].
    pub fn log_receipt(&self, id: DocumentId) -> Result<Receipt, StoreError> {
        let mut conn = self.conn()?;
        conn.transaction(|c| {
            let salt = super::salt(c)?;
            let (size, note) = state(c)?;
            let note = note.ok_or(StoreError::NotFound)?;
            let rows = log_leaves::table
                .filter(log_leaves::document_id.eq(id.0))
                .order((log_leaves::leaf_index.asc(), log_leaves::id.asc()))
                .select((log_leaves::leaf_index, log_leaves::entry))
                .load::<(Option<i64>, Vec<u8>)>(c)?;
            let mut pending = 0;
            let mut proved = Vec::new();
            for (index, entry) in rows {
                match index.and_then(|i| u64::try_from(i).ok()) {
                    Some(i) if i < size => proved.push((i, entry)),
                    _ => pending += 1,
                }
            }
            let reader = TileHashReader::new(TreeSize(size), DbTiles::new(c));
            let leaves = proved
                .into_iter()
                .map(|(index, entry)| {
                    let proof = prove_inclusion(LogIndex(index), TreeSize(size), &reader)?;
                    Ok(ReceiptLeaf {
                        index,
                        leaf_hash: leaf_hash(&entry).to_string(),
                        entry: String::from_utf8(entry).map_err(|_| {
                            StoreError::Corrupt(format!("leaf {index} is not text"))
                        })?,
                        inclusion_proof: proof.path.iter().map(ToString::to_string).collect(),
                    })
                })
                .collect::<Result<Vec<_>, StoreError>>()?;
            Ok(Receipt {
                schema: RECEIPT_SCHEMA.into(),
                document: Pseudonym::document(&salt, id.0).to_string(),
                checkpoint: note,
                leaves,
                pending,
            })
        })
    }
}
