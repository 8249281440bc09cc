//! `--audit`: every entry of the checkpoint's tree downloaded, every tile and the root
//! recomputed from them, and each document's events replayed against the workflow's rules.
//! The first bad entry is named by its index.

use std::collections::{HashMap, HashSet};

use sahih_store::log::audit::OrderCheck;
use sahih_store::log::leaf::Leaf;
use sahih_tlog::{
    Checkpoint, Hash, MemoryHashStore, TileId, TreeSize, leaf_hash, new_entry_bundles,
    parse_entry_bundle, tile_data, tile_hashes, tiles_for_size, tree_hash,
};

use super::Failure;
use super::remote::Remote;

/// What an audit went through.
#[derive(Debug, Default)]
pub struct Audited {
    /// Entry bundles downloaded.
    pub bundles: usize,
    /// Tiles recomputed and compared.
    pub tiles: usize,
    /// Documents whose events were replayed.
    pub documents: usize,
    /// Public verification records.
    pub verifications: usize,
}

fn bad(code: &'static str, message: String) -> Failure {
    Failure::log(code, message)
}

/// The hashes a served tile holds.
fn served_hashes(remote: &Remote, tile: TileId) -> Result<Vec<Hash>, Failure> {
    let data = remote.resource(&tile.path())?;
    tile_hashes(tile, &data).map_err(|e| bad("E_LOG_TILE_MALFORMED", format!("{tile}: {e}")))
}

/// Audits the tree of `checkpoint` as `remote` serves it.
pub fn audit(remote: &Remote, checkpoint: &Checkpoint) -> Result<Audited, Failure> {
    let size = checkpoint.size();
    let mut tree = MemoryHashStore::new();
    let mut order = OrderCheck::new();
    let mut documents = HashSet::new();
    let mut level0: HashMap<TileId, Vec<Hash>> = HashMap::new();
    let mut done = Audited::default();
    for bundle in new_entry_bundles(TreeSize(0), size) {
        let first = bundle.index() * 256;
        let data = remote.resource(&bundle.path())?;
        let entries = parse_entry_bundle(&data).map_err(|e| {
            bad(
                "E_LOG_BUNDLE_MALFORMED",
                format!("entry bundle {bundle} (entries from {first}): {e}"),
            )
        })?;
        let tile = TileId::new(0, bundle.index(), bundle.width())
            .map_err(|e| bad("E_LOG_TILE_MALFORMED", e.to_string()))?;
        let hashes = served_hashes(remote, tile)?;
        for (offset, entry) in entries.iter().enumerate() {
            let index = first + offset as u64;
            let hash = leaf_hash(entry);
            match hashes.get(offset) {
                None => {
                    return Err(bad(
                        "E_LOG_ENTRY_EXTRA",
                        format!("entry {index} is past the end of the checkpoint's tree"),
                    ));
                }
                Some(served) if *served != hash => {
                    return Err(bad(
                        "E_LOG_ENTRY_MISMATCH",
                        format!(
                            "entry {index} does not hash to leaf {index} of tile {tile}: \
                             the entry was changed, removed or inserted"
                        ),
                    ));
                }
                Some(_) => {}
            }
            let leaf = Leaf::parse(entry)
                .map_err(|e| bad("E_LOG_ENTRY_MALFORMED", format!("entry {index}: {e}")))?;
            order
                .push(&leaf)
                .map_err(|reason| bad("E_LOG_ORDER", format!("entry {index}: {reason}")))?;
            match &leaf {
                Leaf::Event(e) => {
                    documents.insert(e.document);
                }
                Leaf::Verification(_) => done.verifications += 1,
                Leaf::Delegation(_) | Leaf::Certificate(_) => {}
            }
            tree.push_leaf_hash(hash);
        }
        if entries.len() < usize::from(bundle.width()) {
            let index = first + entries.len() as u64;
            return Err(bad(
                "E_LOG_ENTRY_MISSING",
                format!("entry {index} is missing from entry bundle {bundle}"),
            ));
        }
        level0.insert(tile, hashes);
        done.bundles += 1;
    }
    for tile in tiles_for_size(size) {
        let recomputed = tile_data(tile, &tree)
            .map_err(|e| bad("E_LOG_TILE_MISMATCH", format!("{tile}: {e}")))?;
        let served = match level0.remove(&tile) {
            Some(hashes) => hashes,
            None => served_hashes(remote, tile)?,
        };
        let served: Vec<u8> = served.iter().flat_map(|h| h.0).collect();
        if served != recomputed {
            let at = served
                .chunks(32)
                .zip(recomputed.chunks(32))
                .position(|(a, b)| a != b)
                .unwrap_or(0);
            return Err(bad(
                "E_LOG_TILE_MISMATCH",
                format!("tile {tile}, hash {at}, differs from the one recomputed from the entries"),
            ));
        }
        done.tiles += 1;
    }
    let root = tree_hash(size, &tree).map_err(|e| bad("E_LOG_ROOT_MISMATCH", e.to_string()))?;
    if root != checkpoint.root() {
        return Err(bad(
            "E_LOG_ROOT_MISMATCH",
            format!(
                "the entries give root {}, the signed checkpoint says {}",
                root.to_base64(),
                checkpoint.root().to_base64()
            ),
        ));
    }
    done.documents = documents.len();
    Ok(done)
}
