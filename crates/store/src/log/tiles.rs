//! Reading the log: stored tiles as a [`TileReader`], the resources of c2sp.org/tlog-tiles,
//! the latest checkpoint, proofs, and the human page's overview.

use std::cell::RefCell;

use diesel::prelude::*;
use sahih_tlog::{
    EntryBundleId, InclusionProof, LogIndex, TILE_WIDTH, TileHashReader, TileId, TilePath,
    TileReader, TreeSize, encode_entry_bundle, prove_inclusion, tile_in_tree,
};

use super::STATE_ROW;
use crate::schema::{log_leaves, log_state, log_tiles};
use crate::{DbConnection, Store, StoreError};

/// A [`sahih_tlog::Error::Storage`] from anything printable.
pub(crate) fn storage(e: impl std::fmt::Display) -> sahih_tlog::Error {
    sahih_tlog::Error::Storage(e.to_string().into())
}

/// The rows of `log_tiles` as a [`TileReader`], inside one connection's transaction.
pub(crate) struct DbTiles<'c> {
    conn: RefCell<&'c mut DbConnection>,
}

impl<'c> DbTiles<'c> {
    pub(crate) fn new(conn: &'c mut DbConnection) -> DbTiles<'c> {
        DbTiles {
            conn: RefCell::new(conn),
        }
    }
}

/// The stored bytes of tile (`level`, `index`) at its widest, if any.
fn stored_tile(c: &mut DbConnection, level: u8, index: u64) -> Result<Option<Vec<u8>>, StoreError> {
    let index = i64::try_from(index).map_err(|_| StoreError::NotFound)?;
    Ok(log_tiles::table
        .find((i64::from(level), index))
        .select(log_tiles::data)
        .first::<Vec<u8>>(c)
        .optional()?)
}

impl TileReader for DbTiles<'_> {
    fn read_tiles(&self, tiles: &[TileId]) -> Result<Vec<Vec<u8>>, sahih_tlog::Error> {
        let mut conn = self.conn.borrow_mut();
        tiles
            .iter()
            .map(|t| {
                stored_tile(&mut conn, t.level(), t.index())
                    .map_err(storage)?
                    .ok_or_else(|| storage(format!("tile {} is not stored", t.path())))
            })
            .collect()
    }
}

/// The latest state: tree size and signed checkpoint (none before the first).
pub(crate) fn state(c: &mut DbConnection) -> Result<(u64, Option<String>), StoreError> {
    let (size, checkpoint) = log_state::table
        .find(STATE_ROW)
        .select((log_state::tree_size, log_state::checkpoint))
        .first::<(i64, Option<String>)>(c)?;
    let size = u64::try_from(size)
        .map_err(|_| StoreError::Corrupt(format!("negative log size {size}")))?;
    Ok((size, checkpoint))
}

/// The entries of leaves `start..end`, in index order (fewer if rows are missing).
pub(crate) fn entries(
    c: &mut DbConnection,
    start: u64,
    end: u64,
) -> Result<Vec<(u64, Vec<u8>)>, StoreError> {
    let to_i64 = |n: u64| i64::try_from(n).map_err(|_| StoreError::NotFound);
    let rows = log_leaves::table
        .filter(log_leaves::leaf_index.ge(to_i64(start)?))
        .filter(log_leaves::leaf_index.lt(to_i64(end)?))
        .order(log_leaves::leaf_index.asc())
        .select((log_leaves::leaf_index, log_leaves::entry))
        .load::<(Option<i64>, Vec<u8>)>(c)?;
    Ok(rows
        .into_iter()
        .filter_map(|(i, e)| Some((u64::try_from(i?).ok()?, e)))
        .collect())
}

/// The human page's view of the log.
#[derive(Debug, Clone)]
pub struct LogOverview {
    /// The size of the latest checkpoint.
    pub tree_size: u64,
    /// The latest signed checkpoint, if the log has one.
    pub checkpoint: Option<String>,
    /// Leaves committed but not yet in a checkpoint.
    pub pending: i64,
    /// The newest entries, newest first: (index, entry bytes).
    pub recent: Vec<(u64, Vec<u8>)>,
}

fn hash_tile(c: &mut DbConnection, size: u64, tile: TileId) -> Result<Option<Vec<u8>>, StoreError> {
    let Some(current) = tile_in_tree(tile.level(), tile.index(), TreeSize(size)) else {
        return Ok(None);
    };
    if current.width() < tile.width() {
        return Ok(None);
    }
    let data = stored_tile(c, tile.level(), tile.index())?.ok_or_else(|| {
        StoreError::Corrupt(format!("tile {} of the checkpoint is missing", tile.path()))
    })?;
    let len = 32 * usize::from(tile.width());
    data.get(..len).map(|d| Some(d.to_vec())).ok_or_else(|| {
        StoreError::Corrupt(format!(
            "tile {} is shorter than the checkpoint",
            tile.path()
        ))
    })
}

fn entry_bundle(
    c: &mut DbConnection,
    size: u64,
    bundle: EntryBundleId,
) -> Result<Option<Vec<u8>>, StoreError> {
    let start = bundle.index().saturating_mul(u64::from(TILE_WIDTH));
    let end = start.saturating_add(u64::from(bundle.width()));
    if end > size {
        return Ok(None);
    }
    let rows = entries(c, start, end)?;
    if rows.len() != usize::from(bundle.width()) {
        // Served as stored: the auditor names the index that no longer matches its tile.
        tracing::warn!(
            bundle = %bundle.path(),
            found = rows.len(),
            "the log's leaf rows do not fill this entry bundle"
        );
    }
    let entries: Vec<Vec<u8>> = rows.into_iter().map(|(_, e)| e).collect();
    encode_entry_bundle(&entries)
        .map(Some)
        .map_err(StoreError::Log)
}

impl Store {
    /// The latest signed checkpoint (c2sp.org/tlog-checkpoint in a c2sp.org/signed-note), or
    /// `None` before the sequencer signed the first.
    ///
    /// Errors: [`StoreError::Db`].
    pub fn log_checkpoint(&self) -> Result<Option<String>, StoreError> {
        let mut conn = self.conn()?;
        Ok(state(&mut conn)?.1)
    }

    /// The verifier key (c2sp.org/signed-note form) of the key that signed this database's
    /// checkpoints, or `None` before the first: a node checks at start that it has that key.
    ///
    /// Errors: [`StoreError::Db`].
    pub fn log_signed_by(&self) -> Result<Option<String>, StoreError> {
        let mut conn = self.conn()?;
        Ok(log_state::table
            .find(STATE_ROW)
            .select(log_state::verifier_key)
            .first::<Option<String>>(&mut *conn)
            .optional()?
            .flatten())
    }

    /// The bytes of a c2sp.org/tlog-tiles resource as of the latest checkpoint: a hash tile
    /// (32 bytes per hash, `width` hashes) or an entry bundle (uint16-length-prefixed leaves).
    /// `None` for a resource the checkpoint's tree does not reach (a tile wider than the tree
    /// has, or past its end). A partial tile asked for when the full one exists is its prefix.
    ///
    /// Errors: [`StoreError::Db`], [`StoreError::Corrupt`] when a tile of the checkpoint is
    /// missing or short.
    pub fn log_tile(&self, path: TilePath) -> Result<Option<Vec<u8>>, StoreError> {
        let mut conn = self.conn()?;
        conn.transaction(|c| {
            let (size, _) = state(c)?;
            match path {
                TilePath::Hashes(tile) => hash_tile(c, size, tile),
                TilePath::Entries(bundle) => entry_bundle(c, size, bundle),
            }
        })
    }

    /// The inclusion proof of leaf `index` in the tree of the latest checkpoint, built from the
    /// stored tiles (RFC 9162 §2.1.3.1), with that checkpoint's signed note.
    ///
    /// Errors: [`StoreError::NotFound`] before the first checkpoint or for an index past it;
    /// [`StoreError::Log`] when the tiles cannot give the proof.
    pub fn log_inclusion_proof(
        &self,
        index: LogIndex,
    ) -> Result<(InclusionProof, String), StoreError> {
        let mut conn = self.conn()?;
        conn.transaction(|c| {
            let (size, note) = state(c)?;
            let note = note.ok_or(StoreError::NotFound)?;
            if index.0 >= size {
                return Err(StoreError::NotFound);
            }
            let reader = TileHashReader::new(TreeSize(size), DbTiles::new(c));
            let proof = prove_inclusion(index, TreeSize(size), &reader)?;
            Ok((proof, note))
        })
    }

    /// The latest checkpoint, the number of pending leaves, and the `limit` newest entries.
    ///
    /// Errors: [`StoreError::Db`].
    pub fn log_overview(&self, limit: i64) -> Result<LogOverview, StoreError> {
        self.log_overview_from(None, limit)
    }

    /// The latest checkpoint, the number of pending leaves, and up to `limit` entries, newest
    /// first, from index `from` down (from the newest when `from` is `None` or past the tree):
    /// one page of the log's human listing.
    ///
    /// Errors: [`StoreError::Db`].
    pub fn log_overview_from(
        &self,
        from: Option<u64>,
        limit: i64,
    ) -> Result<LogOverview, StoreError> {
        let mut conn = self.conn()?;
        conn.transaction(|c| {
            let (tree_size, checkpoint) = state(c)?;
            let pending = log_leaves::table
                .filter(log_leaves::leaf_index.is_null())
                .count()
                .get_result::<i64>(c)?;
            let end = from.map_or(tree_size, |f| f.saturating_add(1).min(tree_size));
            let start = end.saturating_sub(u64::try_from(limit).unwrap_or(0));
            let mut recent = entries(c, start, end)?;
            recent.reverse();
            Ok(LogOverview {
                tree_size,
                checkpoint,
                pending,
                recent,
            })
        })
    }
}
