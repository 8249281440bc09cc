//! The sequencer's transaction: pending leaves in commit order become the next leaves of the
//! tree; the hash tiles they change are rewritten and a new checkpoint is signed.

use std::collections::HashMap;

use diesel::prelude::*;
use sahih_tlog::{
    Checkpoint, Hash, HashReader, LogIndex, MAX_ENTRY_LEN, NodeId, SignerKey, TileHashReader,
    TileId, TreeSize, leaf_hash, new_tiles, nodes_completed_by, tile_data, tree_hash,
};

use super::STATE_ROW;
use super::tiles::{DbTiles, state};
use crate::schema::{log_leaves, log_state, log_tiles};
use crate::{DbConnection, Store, StoreError, now};

/// What one sequencing transaction did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sequenced {
    /// The tree size before.
    pub old_size: u64,
    /// The tree size of the new checkpoint.
    pub new_size: u64,
    /// The new signed checkpoint.
    pub checkpoint: String,
}

/// The tree of `old` leaves in stored tiles, plus the nodes the batch has completed so far.
struct Growing<'c> {
    old: TileHashReader<DbTiles<'c>>,
    new: HashMap<NodeId, Hash>,
}

impl HashReader for Growing<'_> {
    fn read_hashes(&self, nodes: &[NodeId]) -> Result<Vec<Hash>, sahih_tlog::Error> {
        let missing: Vec<NodeId> = nodes
            .iter()
            .filter(|n| !self.new.contains_key(n))
            .copied()
            .collect();
        let mut stored = if missing.is_empty() {
            Vec::new()
        } else {
            self.old.read_hashes(&missing)?
        }
        .into_iter();
        nodes
            .iter()
            .map(|n| match self.new.get(n) {
                Some(hash) => Ok(*hash),
                None => stored.next().ok_or(sahih_tlog::Error::ReaderCount {
                    expected: missing.len(),
                    found: 0,
                }),
            })
            .collect()
    }
}

/// The tiles a batch changed, with their new contents.
type ChangedTiles = Vec<(TileId, Vec<u8>)>;

/// Appends `entries` to the tree of `old` leaves: the new root and the tiles that changed.
fn grow(
    c: &mut DbConnection,
    old: u64,
    entries: &[Vec<u8>],
) -> Result<(Hash, ChangedTiles), StoreError> {
    let mut reader = Growing {
        old: TileHashReader::new(TreeSize(old), DbTiles::new(c)),
        new: HashMap::new(),
    };
    for (i, entry) in (old..).zip(entries) {
        if entry.len() > MAX_ENTRY_LEN {
            return Err(StoreError::Corrupt(format!(
                "pending leaf of {} bytes is too long for an entry bundle",
                entry.len()
            )));
        }
        for (node, hash) in nodes_completed_by(LogIndex(i), leaf_hash(entry), &reader)? {
            reader.new.insert(node, hash);
        }
    }
    let size = TreeSize(old + entries.len() as u64);
    let tiles = new_tiles(TreeSize(old), size)
        .into_iter()
        .map(|t| tile_data(t, &reader).map(|data| (t, data)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((tree_hash(size, &reader)?, tiles))
}

/// Stores a tile's contents at its new width (backend-neutral upsert: update, else insert).
fn put_tile(c: &mut DbConnection, tile: TileId, data: &[u8]) -> Result<(), StoreError> {
    let level = i64::from(tile.level());
    let idx = i64::try_from(tile.index())
        .map_err(|_| StoreError::Corrupt(format!("tile index {} too large", tile.index())))?;
    let updated = diesel::update(log_tiles::table.find((level, idx)))
        .set(log_tiles::data.eq(data))
        .execute(c)?;
    if updated == 0 {
        diesel::insert_into(log_tiles::table)
            .values((
                log_tiles::level.eq(level),
                log_tiles::idx.eq(idx),
                log_tiles::data.eq(data),
            ))
            .execute(c)?;
    }
    Ok(())
}

/// Refuses to sign with a key other than the one that signed the log so far.
fn check_key(c: &mut DbConnection, key: &SignerKey) -> Result<String, StoreError> {
    let given = key.verifier_key().to_string();
    let stored = log_state::table
        .find(STATE_ROW)
        .select(log_state::verifier_key)
        .first::<Option<String>>(c)?;
    match stored {
        Some(stored) if stored != given => Err(StoreError::LogKeyMismatch { stored, given }),
        _ => Ok(given),
    }
}

fn has_work(c: &mut DbConnection) -> Result<bool, StoreError> {
    let pending = log_leaves::table
        .filter(log_leaves::leaf_index.is_null())
        .select(log_leaves::id)
        .first::<i64>(c)
        .optional()?
        .is_some();
    Ok(pending || state(c)?.1.is_none())
}

impl Store {
    /// Sequences up to `max_batch` pending leaves, in one transaction: assigns them the next
    /// indices in commit order (the order of their row ids: SQLite has one writer at a time,
    /// and on PostgreSQL leaves are written under the journal lock, see `crate::dialect`),
    /// writes every hash tile that changed (c2sp.org/tlog-tiles) and signs a checkpoint of the
    /// new tree with `key` (c2sp.org/tlog-checkpoint; origin = the key's name). Before the
    /// first leaf it signs the empty tree, so a checkpoint always exists once it has run.
    ///
    /// Safe to call from several threads, processes or nodes: the transaction starts by writing
    /// the `log_state` row (SQLite's writer lock; a row lock on PostgreSQL, under which READ
    /// COMMITTED shows the tree the last sequencer left), so sequencers take turns.
    /// Returns `None` when there was nothing to do.
    ///
    /// Errors: [`StoreError::LogKeyMismatch`] when earlier checkpoints were signed by another
    /// key (checked even when there is nothing to do); [`StoreError::Log`] or
    /// [`StoreError::Corrupt`] when stored tiles are missing; [`StoreError::Db`].
    pub fn log_sequence(
        &self,
        key: &SignerKey,
        max_batch: usize,
    ) -> Result<Option<Sequenced>, StoreError> {
        let mut conn = self.conn()?;
        // Checked even when idle, so a wrong key is refused at start, not at the first event.
        check_key(&mut conn, key)?;
        if !has_work(&mut conn)? {
            return Ok(None);
        }
        let limit = i64::try_from(max_batch.max(1)).unwrap_or(i64::MAX);
        conn.transaction(|c| {
            // Write first: the sequencer's lock, taken before anything is read.
            diesel::update(log_state::table.find(STATE_ROW))
                .set(log_state::updated_at.eq(now()))
                .execute(c)?;
            let verifier_key = check_key(c, key)?;
            let (old, checkpoint) = state(c)?;
            let pending = log_leaves::table
                .filter(log_leaves::leaf_index.is_null())
                .order(log_leaves::id.asc())
                .limit(limit)
                .select((log_leaves::id, log_leaves::entry))
                .load::<(i64, Vec<u8>)>(c)?;
            if pending.is_empty() && checkpoint.is_some() {
                return Ok(None);
            }
            let entries: Vec<Vec<u8>> = pending.iter().map(|(_, e)| e.clone()).collect();
            let (root, tiles) = grow(c, old, &entries)?;
            for (tile, data) in &tiles {
                put_tile(c, *tile, data)?;
            }
            for ((id, _), index) in pending.iter().zip(old..) {
                let index = i64::try_from(index)
                    .map_err(|_| StoreError::Corrupt("the log is full".into()))?;
                diesel::update(log_leaves::table.find(id))
                    .set(log_leaves::leaf_index.eq(index))
                    .execute(c)?;
            }
            let new_size = old + entries.len() as u64;
            let note = Checkpoint::new(key.name(), TreeSize(new_size), root)?.sign(key)?;
            diesel::update(log_state::table.find(STATE_ROW))
                .set((
                    log_state::tree_size.eq(i64::try_from(new_size).unwrap_or(i64::MAX)),
                    log_state::checkpoint.eq(&note),
                    log_state::verifier_key.eq(&verifier_key),
                ))
                .execute(c)?;
            Ok(Some(Sequenced {
                old_size: old,
                new_size,
                checkpoint: note,
            }))
        })
    }

    /// Runs [`Store::log_sequence`] until nothing is pending (one transaction per batch of
    /// `max_batch`); returns the last batch sequenced, if any.
    ///
    /// Errors: those of [`Store::log_sequence`].
    pub fn log_sequence_all(
        &self,
        key: &SignerKey,
        max_batch: usize,
    ) -> Result<Option<Sequenced>, StoreError> {
        let mut last = None;
        while let Some(batch) = self.log_sequence(key, max_batch)? {
            let done = batch.new_size == batch.old_size;
            last = Some(batch);
            if done {
                break;
            }
        }
        Ok(last)
    }
}
