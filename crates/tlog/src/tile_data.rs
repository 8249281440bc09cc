//! Tile contents and entry bundles of c2sp.org/tlog-tiles, and a [`HashReader`] that answers
//! from stored tiles.

use std::collections::BTreeMap;

use crate::store::read_checked;
use crate::tile::{TILE_HEIGHT, TILE_WIDTH, TileId, tile_in_tree};
use crate::{Error, HASH_SIZE, Hash, HashReader, NodeId, TreeSize, node_hash};

/// The bytes of `tile`: its hashes concatenated, 32 bytes each, `32 × width` in all
/// (c2sp.org/tlog-tiles, "Merkle Tree"), read from `reader` in one call.
///
/// # Errors
/// What the reader returns; [`Error::InvalidTile`] for a tile no 64-bit tree size reaches
/// (level 8 and above, or an index past 2^64 / 256).
pub fn tile_data(tile: TileId, reader: &impl HashReader) -> Result<Vec<u8>, Error> {
    let level = u32::from(tile.level()) * u32::from(TILE_HEIGHT);
    let first = tile.index().checked_mul(u64::from(TILE_WIDTH));
    let (Ok(level @ 0..64), Some(first)) = (u8::try_from(level), first) else {
        return Err(Error::InvalidTile {
            reason: "no tree of 2^64 leaves or fewer reaches this tile",
        });
    };
    let nodes: Vec<NodeId> = (0..u64::from(tile.width()))
        .map(|i| NodeId::new(level, first + i))
        .collect();
    Ok(read_checked(reader, &nodes)?
        .iter()
        .flat_map(|hash| hash.0)
        .collect())
}

/// Splits tile bytes into hashes, checking they are exactly `tile.width()` hashes.
///
/// # Errors
/// [`Error::TileLength`].
pub fn tile_hashes(tile: TileId, data: &[u8]) -> Result<Vec<Hash>, Error> {
    let expected = usize::from(tile.width()) * HASH_SIZE;
    if data.len() != expected {
        return Err(Error::TileLength {
            len: data.len(),
            expected,
        });
    }
    Ok(data
        .chunks_exact(HASH_SIZE)
        .filter_map(Hash::from_slice)
        .collect())
}

/// A source of stored tiles (a table of the service's database, a directory, an HTTP client).
pub trait TileReader {
    /// The bytes of each tile, in order. A reader may return a wider version of a tile than
    /// asked for (the full tile for a partial one): only the first `width` hashes are used.
    ///
    /// # Errors
    /// [`Error::Storage`] when a tile cannot be read.
    fn read_tiles(&self, tiles: &[TileId]) -> Result<Vec<Vec<u8>>, Error>;
}

impl<T: TileReader + ?Sized> TileReader for &T {
    fn read_tiles(&self, tiles: &[TileId]) -> Result<Vec<Vec<u8>>, Error> {
        (**self).read_tiles(tiles)
    }
}

/// A [`HashReader`] over the tiles of a tree of `size` leaves: a node at level `8k + r` is
/// recomputed from `2^r` hashes of a level-`k` tile (c2sp.org/tlog-tiles: "The Merkle Tree
/// levels between those expressed by the tile hashes are reconstructed by hashing"). Each
/// [`HashReader::read_hashes`] call reads each tile it needs once, in one
/// [`TileReader::read_tiles`] call.
///
/// It trusts its tiles: proofs built from corrupt tiles fail verification against a signed
/// checkpoint, they are not detected here.
#[derive(Clone, Debug)]
pub struct TileHashReader<R> {
    size: TreeSize,
    tiles: R,
}

impl<R: TileReader> TileHashReader<R> {
    /// A reader for the tree of `size` leaves stored in `tiles`.
    pub fn new(size: TreeSize, tiles: R) -> TileHashReader<R> {
        TileHashReader { size, tiles }
    }

    /// Where node `node` lives: its tile, the offset of its first tile hash and how many.
    fn locate(&self, node: NodeId) -> Result<(TileId, usize, usize), Error> {
        let out_of_range = Error::NodeOutOfRange {
            level: node.level,
            index: node.index,
            size: self.size.0,
        };
        let complete = node.level < 64
            && (u128::from(node.index) + 1) << node.level <= u128::from(self.size.0);
        if !complete {
            return Err(out_of_range);
        }
        let (tile_level, below) = (node.level / TILE_HEIGHT, node.level % TILE_HEIGHT);
        let first = node.index << below;
        let tile_index = first / u64::from(TILE_WIDTH);
        let tile = tile_in_tree(tile_level, tile_index, self.size).ok_or(out_of_range)?;
        let offset = (first % u64::from(TILE_WIDTH)) as usize;
        Ok((tile, offset, 1 << below))
    }
}

/// Hashes `2^r` consecutive complete-subtree hashes pairwise up to their common parent.
fn hash_up(hashes: &[Hash]) -> Hash {
    let mut level = hashes.to_vec();
    while level.len() > 1 {
        level = level
            .chunks_exact(2)
            .map(|pair| node_hash(&pair[0], &pair[1]))
            .collect();
    }
    level.first().copied().unwrap_or(Hash::EMPTY_TREE)
}

impl<R: TileReader> HashReader for TileHashReader<R> {
    fn read_hashes(&self, nodes: &[NodeId]) -> Result<Vec<Hash>, Error> {
        let located: Vec<_> = nodes
            .iter()
            .map(|&node| self.locate(node))
            .collect::<Result<_, _>>()?;
        let mut tiles: BTreeMap<TileId, Vec<Hash>> = BTreeMap::new();
        for (tile, ..) in &located {
            tiles.entry(*tile).or_default();
        }
        let wanted: Vec<TileId> = tiles.keys().copied().collect();
        let data = self.tiles.read_tiles(&wanted)?;
        if data.len() != wanted.len() {
            return Err(Error::ReaderCount {
                expected: wanted.len(),
                found: data.len(),
            });
        }
        for (tile, bytes) in wanted.iter().zip(data) {
            let used = usize::from(tile.width()) * HASH_SIZE;
            let prefix = bytes.get(..used).ok_or(Error::TileLength {
                len: bytes.len(),
                expected: used,
            })?;
            tiles.insert(*tile, tile_hashes(*tile, prefix)?);
        }
        located
            .iter()
            .zip(nodes)
            .map(|((tile, offset, count), node)| {
                tiles
                    .get(tile)
                    .and_then(|hashes| hashes.get(*offset..offset + count))
                    .map(hash_up)
                    .ok_or(Error::NodeOutOfRange {
                        level: node.level,
                        index: node.index,
                        size: self.size.0,
                    })
            })
            .collect()
    }
}

/// The most bytes one entry may have in a bundle: its length is a big-endian uint16.
pub const MAX_ENTRY_LEN: usize = u16::MAX as usize;

/// An entry bundle: each entry prefixed by its length as a big-endian uint16
/// (c2sp.org/tlog-tiles, "Log entries"). At most 256 entries.
///
/// # Errors
/// [`Error::EntryTooLong`] for an entry over 65,535 bytes; [`Error::MalformedBundle`] for more
/// than 256 entries.
pub fn encode_entry_bundle<E: AsRef<[u8]>>(entries: &[E]) -> Result<Vec<u8>, Error> {
    if entries.len() > usize::from(TILE_WIDTH) {
        return Err(Error::MalformedBundle {
            offset: 0,
            reason: "more than 256 entries",
        });
    }
    let mut out = Vec::new();
    for (position, entry) in entries.iter().enumerate() {
        let entry = entry.as_ref();
        let len = u16::try_from(entry.len()).map_err(|_| Error::EntryTooLong {
            position,
            len: entry.len(),
        })?;
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(entry);
    }
    Ok(out)
}

/// Splits an entry bundle into its entries (c2sp.org/tlog-tiles, "Log entries"). The caller
/// checks the count against the bundle's width.
///
/// # Errors
/// [`Error::MalformedBundle`] for a truncated length or entry, or more than 256 entries.
pub fn parse_entry_bundle(data: &[u8]) -> Result<Vec<&[u8]>, Error> {
    let mut entries = Vec::new();
    let mut offset = 0;
    while offset < data.len() {
        if entries.len() == usize::from(TILE_WIDTH) {
            return Err(Error::MalformedBundle {
                offset,
                reason: "more than 256 entries",
            });
        }
        let truncated = Error::MalformedBundle {
            offset,
            reason: "truncated entry",
        };
        let len = data
            .get(offset..offset + 2)
            .map(|b| usize::from(u16::from_be_bytes([b[0], b[1]])))
            .ok_or(truncated)?;
        let start = offset + 2;
        let entry = data.get(start..start + len).ok_or(Error::MalformedBundle {
            offset,
            reason: "truncated entry",
        })?;
        entries.push(entry);
        offset = start + len;
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{LogIndex, MemoryHashStore, prove_consistency, prove_inclusion, tiles_for_size};
    use std::collections::HashMap;

    /// Tiles kept by path, as a service would store them.
    struct Tiles(HashMap<TileId, Vec<u8>>);

    impl TileReader for Tiles {
        fn read_tiles(&self, tiles: &[TileId]) -> Result<Vec<Vec<u8>>, Error> {
            tiles
                .iter()
                .map(|t| {
                    self.0
                        .get(t)
                        .cloned()
                        .ok_or(Error::Storage(t.path().into()))
                })
                .collect()
        }
    }

    #[test]
    fn tile_reader_gives_the_same_proofs_as_the_store() {
        // Past 65,536 leaves, so level-2 tiles exist (c2sp.org/tlog-tiles' 70,000 example).
        let size = TreeSize(70_000);
        let store = MemoryHashStore::from_leaf_hashes(
            (0..size.0).map(|i| crate::leaf_hash(&i.to_be_bytes())),
        );
        let tiles = tiles_for_size(size)
            .into_iter()
            .map(|t| tile_data(t, &store).map(|data| (t, data)))
            .collect::<Result<HashMap<_, _>, _>>();
        let tiles = Tiles(tiles.unwrap_or_default());
        assert_eq!(tiles.0.len(), 277);
        let reader = TileHashReader::new(size, &tiles);
        assert_eq!(
            crate::tree_hash(size, &reader).ok(),
            crate::tree_hash(size, &store).ok()
        );
        for index in [0, 1, 255, 256, 65_535, 65_536, 69_999] {
            let from_tiles = prove_inclusion(LogIndex(index), size, &reader);
            let from_store = prove_inclusion(LogIndex(index), size, &store);
            assert_eq!(from_tiles.ok(), from_store.ok(), "index {index}");
        }
        for old in [1, 255, 256, 257, 65_536, 69_999] {
            let from_tiles = prove_consistency(TreeSize(old), size, &reader);
            let from_store = prove_consistency(TreeSize(old), size, &store);
            assert_eq!(from_tiles.ok(), from_store.ok(), "old size {old}");
        }
        assert!(matches!(
            reader.read_hashes(&[NodeId::new(0, 70_000)]),
            Err(Error::NodeOutOfRange { .. })
        ));
        assert!(matches!(
            reader.read_hashes(&[NodeId::new(17, 0)]),
            Err(Error::NodeOutOfRange { .. })
        ));
    }

    #[test]
    fn partial_tiles_are_prefixes_of_full_ones() {
        let mut store = MemoryHashStore::new();
        let mut earlier: Option<Vec<u8>> = None;
        for i in 0..256u32 {
            store.push_leaf(&i.to_be_bytes());
            let width = u16::try_from(i + 1).unwrap_or(256);
            let tile = TileId::new(0, 0, width).ok();
            let data = tile
                .and_then(|t| tile_data(t, &store).ok())
                .unwrap_or_default();
            assert_eq!(data.len(), 32 * (i as usize + 1));
            if let Some(earlier) = &earlier {
                assert!(data.starts_with(earlier));
            }
            earlier = Some(data);
        }
    }

    #[test]
    fn entry_bundles_round_trip_and_reject_truncation() {
        let entries: Vec<Vec<u8>> = vec![vec![], b"paraf".to_vec(), vec![7; 300]];
        let bundle = encode_entry_bundle(&entries).unwrap_or_default();
        assert_eq!(&bundle[..9], &[0, 0, 0, 5, b'p', b'a', b'r', b'a', b'f']);
        assert_eq!(&bundle[9..11], &[0x01, 0x2c]);
        let parsed = parse_entry_bundle(&bundle).unwrap_or_default();
        assert_eq!(
            parsed,
            entries.iter().map(Vec::as_slice).collect::<Vec<_>>()
        );
        for cut in [1, 3, bundle.len() - 1] {
            assert!(matches!(
                parse_entry_bundle(&bundle[..cut]),
                Err(Error::MalformedBundle { .. })
            ));
        }
        assert!(matches!(
            encode_entry_bundle(&[vec![0u8; 65_536]]),
            Err(Error::EntryTooLong {
                position: 0,
                len: 65_536
            })
        ));
        assert!(encode_entry_bundle(&vec![b"x"; 257]).is_err());
        assert!(parse_entry_bundle(&[0, 0].repeat(257)).is_err());
        assert_eq!(
            parse_entry_bundle(&[0, 0].repeat(256))
                .map(|e| e.len())
                .ok(),
            Some(256)
        );
    }
}
