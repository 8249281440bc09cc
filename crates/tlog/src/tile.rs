//! Tile and entry-bundle names of c2sp.org/tlog-tiles: identifiers, paths, and which tiles a
//! tree of a given size has.

use std::fmt;
use std::str::FromStr;

use crate::{Error, TreeSize};

/// Tiles are 8 levels of the Merkle tree tall (c2sp.org/tlog-tiles, "Merkle Tree").
pub const TILE_HEIGHT: u8 = 8;

/// A full tile holds 256 hashes (8,192 bytes); a full entry bundle 256 entries.
pub const TILE_WIDTH: u16 = 256;

/// The highest tile level a path may name (c2sp.org/tlog-tiles: "between 0 and 63").
pub const MAX_TILE_LEVEL: u8 = 63;

/// One tile of Merkle tree hashes: `tile/<level>/<index>[.p/<width>]`
/// (c2sp.org/tlog-tiles, "Merkle Tree").
///
/// Tile `index` at `level` holds, for `i` in `0..width`, the hash of [`crate::NodeId`]
/// `(8·level, 256·index + i)`: `MTH(D[(256·index + i)·256^level : (256·index + i + 1)·256^level])`.
/// A width below 256 makes a partial tile.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TileId {
    level: u8,
    index: u64,
    width: u16,
}

/// One entry bundle: `tile/entries/<index>[.p/<width>]`, the entries of leaves
/// `256·index .. 256·index + width` (c2sp.org/tlog-tiles, "Log entries").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EntryBundleId {
    index: u64,
    width: u16,
}

fn check_width(width: u16) -> Result<(), Error> {
    if width == 0 || width > TILE_WIDTH {
        return Err(Error::InvalidTile {
            reason: "width must be 1 to 256",
        });
    }
    Ok(())
}

impl TileId {
    /// The tile at `level` (0..=63) and `index`, `width` hashes wide (1..=256; 256 is full).
    ///
    /// # Errors
    /// [`Error::InvalidTile`] out of those ranges.
    pub fn new(level: u8, index: u64, width: u16) -> Result<TileId, Error> {
        if level > MAX_TILE_LEVEL {
            return Err(Error::InvalidTile {
                reason: "level must be 0 to 63",
            });
        }
        check_width(width)?;
        Ok(TileId {
            level,
            index,
            width,
        })
    }

    /// The tile level: its hashes are at Merkle tree level `8 × level`.
    pub fn level(&self) -> u8 {
        self.level
    }

    /// The tile's index within its level.
    pub fn index(&self) -> u64 {
        self.index
    }

    /// The number of hashes, 1..=256.
    pub fn width(&self) -> u16 {
        self.width
    }

    /// Whether the tile holds fewer than 256 hashes.
    pub fn is_partial(&self) -> bool {
        self.width < TILE_WIDTH
    }

    /// The path below the log's prefix, e.g. `tile/0/x001/x234/067.p/5`.
    pub fn path(&self) -> String {
        format!("tile/{}/{}", self.level, index_path(self.index, self.width))
    }
}

impl EntryBundleId {
    /// The bundle `index`, `width` entries wide (1..=256; 256 is full).
    ///
    /// # Errors
    /// [`Error::InvalidTile`] for a width out of range.
    pub fn new(index: u64, width: u16) -> Result<EntryBundleId, Error> {
        check_width(width)?;
        Ok(EntryBundleId { index, width })
    }

    /// The bundle's index: it holds the entries of leaves from `256 × index`.
    pub fn index(&self) -> u64 {
        self.index
    }

    /// The number of entries, 1..=256.
    pub fn width(&self) -> u16 {
        self.width
    }

    /// Whether the bundle holds fewer than 256 entries.
    pub fn is_partial(&self) -> bool {
        self.width < TILE_WIDTH
    }

    /// The path below the log's prefix, e.g. `tile/entries/x001/234.p/17`.
    pub fn path(&self) -> String {
        format!("tile/entries/{}", index_path(self.index, self.width))
    }
}

/// `<N>[.p/<W>]`: `N` in 3-digit groups, all but the last prefixed with `x`.
fn index_path(index: u64, width: u16) -> String {
    let mut n = index;
    let mut path = format!("{:03}", n % 1000);
    while n >= 1000 {
        n /= 1000;
        path = format!("x{:03}/{path}", n % 1000);
    }
    if width < TILE_WIDTH {
        path.push_str(&format!(".p/{width}"));
    }
    path
}

impl fmt::Display for TileId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.path())
    }
}

impl fmt::Display for EntryBundleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.path())
    }
}

/// A parsed resource path of c2sp.org/tlog-tiles: a tile of hashes or an entry bundle.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TilePath {
    /// `tile/<L>/<N>[.p/<W>]`
    Hashes(TileId),
    /// `tile/entries/<N>[.p/<W>]`
    Entries(EntryBundleId),
}

/// Parses a decimal with no leading zero (except `0` itself).
fn parse_decimal(text: &str) -> Option<u64> {
    let canonical = !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'));
    if canonical { text.parse().ok() } else { None }
}

/// Parses `x001/x234/067`: 3-digit groups, `x` on all but the last, no needless `x000`.
fn parse_index(elements: &[&str]) -> Option<u64> {
    let (last, groups) = elements.split_last()?;
    if groups.first() == Some(&"x000") {
        return None;
    }
    let mut n: u64 = 0;
    let digits = groups
        .iter()
        .map(|g| g.strip_prefix('x'))
        .chain([Some(*last)]);
    for group in digits {
        let group = group.filter(|g| g.len() == 3 && g.bytes().all(|b| b.is_ascii_digit()))?;
        let value: u64 = group.parse().ok()?;
        n = n.checked_mul(1000)?.checked_add(value)?;
    }
    Some(n)
}

impl TilePath {
    /// Parses a path exactly as c2sp.org/tlog-tiles writes it (without the log's prefix), the
    /// inverse of [`TileId::path`] and [`EntryBundleId::path`]: `tile/`, a level 0..=63 or
    /// `entries`, the index groups, and `.p/<W>` with `W` in 1..=255 for a partial tile. Any
    /// other spelling of the same tile (leading zeros, `.p/256`, a needless `x000/`) is
    /// rejected, so one tile has one path.
    ///
    /// # Errors
    /// [`Error::MalformedTilePath`].
    pub fn parse(path: &str) -> Result<TilePath, Error> {
        let malformed = |reason| Error::MalformedTilePath {
            path: path.to_owned(),
            reason,
        };
        let rest = path
            .strip_prefix("tile/")
            .ok_or(malformed("does not start with tile/"))?;
        let (main, width) = match rest.split_once(".p/") {
            Some((main, width)) => {
                let width = parse_decimal(width)
                    .filter(|w| (1..u64::from(TILE_WIDTH)).contains(w))
                    .ok_or(malformed("partial width is not 1 to 255"))?;
                (main, width as u16)
            }
            None => (rest, TILE_WIDTH),
        };
        let elements: Vec<&str> = main.split('/').collect();
        let (kind, index) = elements
            .split_first()
            .filter(|(_, index)| !index.is_empty())
            .ok_or(malformed("no tile index"))?;
        let index = parse_index(index).ok_or(malformed("index is not in x001/x234/067 form"))?;
        if *kind == "entries" {
            return Ok(TilePath::Entries(EntryBundleId { index, width }));
        }
        let level = parse_decimal(kind)
            .filter(|l| *l <= u64::from(MAX_TILE_LEVEL))
            .ok_or(malformed("level is not 0 to 63"))?;
        Ok(TilePath::Hashes(TileId {
            level: level as u8,
            index,
            width,
        }))
    }
}

impl FromStr for TilePath {
    type Err = Error;

    fn from_str(path: &str) -> Result<TilePath, Error> {
        TilePath::parse(path)
    }
}

/// The number of level-`8·level` nodes complete in a tree of `size` leaves.
fn nodes_at_tile_level(size: TreeSize, level: u8) -> u64 {
    let shift = u32::from(level) * u32::from(TILE_HEIGHT);
    size.0.checked_shr(shift).unwrap_or(0)
}

/// The width a tile `index` has in a tree whose level holds `nodes` hashes (0 if none).
fn width_in(nodes: u64, index: u64) -> u16 {
    let start = index.saturating_mul(u64::from(TILE_WIDTH));
    nodes.saturating_sub(start).min(u64::from(TILE_WIDTH)) as u16
}

/// The tiles that change when the tree grows from `old` to `new` leaves: at each level, every
/// tile that is new or wider, with its width at `new` (c2sp.org/tlog-tiles, "Partial Tiles").
/// These are the tiles a log writes for a new checkpoint; `old` = 0 gives every tile of `new`.
/// Empty when `old >= new`.
pub fn new_tiles(old: TreeSize, new: TreeSize) -> Vec<TileId> {
    let mut tiles = Vec::new();
    if old >= new {
        return tiles;
    }
    for level in 0..=MAX_TILE_LEVEL {
        let (old_nodes, new_nodes) = (
            nodes_at_tile_level(old, level),
            nodes_at_tile_level(new, level),
        );
        if new_nodes == 0 {
            break;
        }
        let first = old_nodes / u64::from(TILE_WIDTH);
        let last = (new_nodes - 1) / u64::from(TILE_WIDTH);
        for index in first..=last {
            let width = width_in(new_nodes, index);
            if width != width_in(old_nodes, index) {
                tiles.push(TileId {
                    level,
                    index,
                    width,
                });
            }
        }
    }
    tiles
}

/// Every tile of a tree of `size` leaves, full and partial, level by level
/// (c2sp.org/tlog-tiles, "Partial Tiles": a tree of 70,000 leaves has 273 full and one
/// 112-wide level-0 tiles, one full and one 17-wide level-1 tiles, one 1-wide level-2 tile).
pub fn tiles_for_size(size: TreeSize) -> Vec<TileId> {
    new_tiles(TreeSize(0), size)
}

/// The entry bundles that change when the tree grows from `old` to `new` leaves (the level-0
/// tiles' twins, c2sp.org/tlog-tiles, "Log entries").
pub fn new_entry_bundles(old: TreeSize, new: TreeSize) -> Vec<EntryBundleId> {
    new_tiles(old, new)
        .into_iter()
        .take_while(|tile| tile.level == 0)
        .map(|tile| EntryBundleId {
            index: tile.index,
            width: tile.width,
        })
        .collect()
}

/// The tile at `level` and `index` as it is in a tree of `size` leaves; `None` if that tree
/// does not reach it.
pub fn tile_in_tree(level: u8, index: u64, size: TreeSize) -> Option<TileId> {
    let width = width_in(nodes_at_tile_level(size, level), index);
    (level <= MAX_TILE_LEVEL && width > 0).then_some(TileId {
        level,
        index,
        width,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tile(level: u8, index: u64, width: u16) -> TileId {
        TileId {
            level,
            index,
            width,
        }
    }

    #[test]
    fn paths_as_the_spec_writes_them() {
        assert_eq!(tile(0, 1_234_067, 256).path(), "tile/0/x001/x234/067");
        assert_eq!(tile(2, 0, 1).path(), "tile/2/000.p/1");
        assert_eq!(tile(1, 1000, 17).path(), "tile/1/x001/000.p/17");
        assert_eq!(tile(63, 999, 256).path(), "tile/63/999");
        let bundle = EntryBundleId {
            index: 273,
            width: 112,
        };
        assert_eq!(bundle.path(), "tile/entries/273.p/112");
        assert_eq!(
            tile(0, u64::MAX, 256).path(),
            "tile/0/x018/x446/x744/x073/x709/x551/615"
        );
    }

    #[test]
    fn parse_inverts_path_and_rejects_other_spellings() {
        for t in [
            tile(0, 1_234_067, 256),
            tile(5, 0, 1),
            tile(1, 1000, 255),
            tile(0, u64::MAX, 9),
        ] {
            assert_eq!(TilePath::parse(&t.path()).ok(), Some(TilePath::Hashes(t)));
        }
        let bundle = EntryBundleId {
            index: 1_234_067,
            width: 3,
        };
        assert_eq!(
            TilePath::parse(&bundle.path()).ok(),
            Some(TilePath::Entries(bundle))
        );
        for bad in [
            "tile/0/1234067",
            "tile/00/000",
            "tile/64/000",
            "tile/-1/000",
            "tile/0/x000/001",
            "tile/0/x001",
            "tile/0/x1/000",
            "tile/0/01",
            "tile/0/",
            "tile/0",
            "tile/0/000/",
            "tile/0/000.p/0",
            "tile/0/000.p/256",
            "tile/0/000.p/05",
            "tile/0/000.p/",
            "tile/0/000.p/5/6",
            "tile/entries/000.p/5.p/5",
            "tile/0/x018/x446/x744/x073/x709/x551/616",
            "/tile/0/000",
            "tile/data/000",
            // Go checksum-database paths carry the tile height first.
            "tile/8/0/x001/x234/067",
            "tile/8/data/x001/x234/067",
        ] {
            assert!(TilePath::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn tiles_of_the_spec_examples() {
        let tiles = tiles_for_size(TreeSize(70_000));
        let count = |level: u8, width: u16| {
            tiles
                .iter()
                .filter(|t| t.level == level && t.width == width)
                .count()
        };
        assert_eq!((count(0, 256), count(0, 112)), (273, 1));
        assert_eq!((count(1, 256), count(1, 17)), (1, 1));
        assert_eq!(count(2, 1), 1);
        assert_eq!(tiles.len(), 273 + 1 + 1 + 1 + 1);
        assert_eq!(
            tiles_for_size(TreeSize(256)),
            vec![tile(0, 0, 256), tile(1, 0, 1)]
        );
        assert_eq!(tiles_for_size(TreeSize(0)), vec![]);
    }

    #[test]
    fn new_tiles_are_the_changed_ones() {
        assert_eq!(
            new_tiles(TreeSize(255), TreeSize(257)),
            vec![tile(0, 0, 256), tile(0, 1, 1), tile(1, 0, 1)]
        );
        assert_eq!(new_tiles(TreeSize(257), TreeSize(258)), vec![tile(0, 1, 2)]);
        assert_eq!(new_tiles(TreeSize(9), TreeSize(9)), vec![]);
        assert_eq!(new_tiles(TreeSize(9), TreeSize(3)), vec![]);
        assert_eq!(
            new_entry_bundles(TreeSize(255), TreeSize(257)),
            vec![
                EntryBundleId {
                    index: 0,
                    width: 256
                },
                EntryBundleId { index: 1, width: 1 }
            ]
        );
        assert_eq!(tile_in_tree(1, 0, TreeSize(70_000)), Some(tile(1, 0, 256)));
        assert_eq!(tile_in_tree(1, 2, TreeSize(70_000)), None);
        assert_eq!(tile_in_tree(9, 0, TreeSize(u64::MAX)), None);
    }
}
