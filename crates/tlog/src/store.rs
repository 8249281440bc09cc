//! Where the hashes of a tree come from: the [`HashReader`] trait, an in-memory store, the
//! Merkle Tree Hash of any size, and the nodes an append completes.

use crate::{Error, Hash, LogIndex, NodeId, TreeSize, node_hash};

/// A source of the hashes of complete subtrees ([`NodeId`]s): the stored form of a log.
///
/// Proof generation ([`crate::prove_inclusion`], [`crate::prove_consistency`]) and
/// [`tree_hash`] ask for every hash they need in one call, so a database-backed
/// implementation can answer with one query. [`MemoryHashStore`] keeps every node in memory;
/// [`crate::TileHashReader`] answers from C2SP tiles.
pub trait HashReader {
    /// The hashes of `nodes`, in the same order and of the same count.
    ///
    /// # Errors
    /// [`Error::NodeOutOfRange`] for a node the store does not hold; [`Error::Storage`] when the
    /// underlying storage fails.
    fn read_hashes(&self, nodes: &[NodeId]) -> Result<Vec<Hash>, Error>;
}

impl<T: HashReader + ?Sized> HashReader for &T {
    fn read_hashes(&self, nodes: &[NodeId]) -> Result<Vec<Hash>, Error> {
        (**self).read_hashes(nodes)
    }
}

/// Every complete node of a tree, in memory: `levels[l][i]` is the hash of [`NodeId`]
/// `(l, i)`. For tests, benchmarks and audits that rebuild a log from its entries; about
/// 64 bytes per leaf.
#[derive(Clone, Debug, Default)]
pub struct MemoryHashStore {
    levels: Vec<Vec<Hash>>,
}

impl MemoryHashStore {
    /// An empty tree.
    pub fn new() -> MemoryHashStore {
        MemoryHashStore::default()
    }

    /// A tree of the given leaf hashes, in log order.
    pub fn from_leaf_hashes(leaves: impl IntoIterator<Item = Hash>) -> MemoryHashStore {
        let mut store = MemoryHashStore::new();
        for leaf in leaves {
            store.push_leaf_hash(leaf);
        }
        store
    }

    /// The number of leaves.
    pub fn size(&self) -> TreeSize {
        TreeSize(self.levels.first().map_or(0, |leaves| leaves.len() as u64))
    }

    /// Appends the entry `data` (hashed with [`crate::leaf_hash`]); returns its index.
    pub fn push_leaf(&mut self, data: &[u8]) -> LogIndex {
        self.push_leaf_hash(crate::leaf_hash(data))
    }

    /// Appends a leaf hash and every node it completes; returns the leaf's index.
    pub fn push_leaf_hash(&mut self, leaf: Hash) -> LogIndex {
        let index = self.size().0;
        let mut hash = leaf;
        let mut level = 0;
        loop {
            if self.levels.len() == level {
                self.levels.push(Vec::new());
            }
            let row = &mut self.levels[level];
            row.push(hash);
            if row.len() % 2 == 1 {
                break;
            }
            hash = node_hash(&row[row.len() - 2], &hash);
            level += 1;
        }
        LogIndex(index)
    }

    /// The hash of one complete node, if the tree holds it.
    pub fn node(&self, node: NodeId) -> Option<Hash> {
        let index = usize::try_from(node.index).ok()?;
        self.levels
            .get(usize::from(node.level))?
            .get(index)
            .copied()
    }
}

impl HashReader for MemoryHashStore {
    fn read_hashes(&self, nodes: &[NodeId]) -> Result<Vec<Hash>, Error> {
        nodes
            .iter()
            .map(|&node| {
                self.node(node).ok_or(Error::NodeOutOfRange {
                    level: node.level,
                    index: node.index,
                    size: self.size().0,
                })
            })
            .collect()
    }
}

/// The complete subtrees whose hashes make up `MTH(D[start:end])`, largest first, following
/// the split of RFC 9162 §2.1.1 (the left part is the largest power of two smaller than the
/// range). `start` must be a multiple of the power of two at or above `end - start`, which
/// every range met in RFC 9162's recursions is.
pub(crate) fn range_nodes(start: u64, end: u64) -> Vec<NodeId> {
    let mut nodes = Vec::new();
    let mut position = start;
    let mut remaining = end - start;
    while remaining > 0 {
        let level = 63 - remaining.leading_zeros();
        nodes.push(NodeId::new(level as u8, position >> level));
        position += 1 << level;
        remaining -= 1 << level;
    }
    nodes
}

/// Folds the hashes of [`range_nodes`] into the range's Merkle Tree Hash: right to left, as
/// `MTH(D[n]) = HASH(0x01 ‖ MTH(D[0:k]) ‖ MTH(D[k:n]))` nests (RFC 9162 §2.1.1).
pub(crate) fn fold_range(hashes: &[Hash]) -> Hash {
    let mut iter = hashes.iter().rev();
    let Some(&last) = iter.next() else {
        return Hash::EMPTY_TREE;
    };
    iter.fold(last, |right, left| node_hash(left, &right))
}

/// Reads the hashes of `nodes` and checks the reader kept its contract.
pub(crate) fn read_checked(reader: &impl HashReader, nodes: &[NodeId]) -> Result<Vec<Hash>, Error> {
    let hashes = reader.read_hashes(nodes)?;
    if hashes.len() != nodes.len() {
        return Err(Error::ReaderCount {
            expected: nodes.len(),
            found: hashes.len(),
        });
    }
    Ok(hashes)
}

/// The Merkle Tree Hash `MTH(D[size])` of the first `size` leaves (RFC 9162 §2.1.1), from at
/// most 64 stored hashes. Size 0 gives [`Hash::EMPTY_TREE`].
///
/// # Errors
/// What the reader returns, e.g. [`Error::NodeOutOfRange`] when it holds fewer leaves.
pub fn tree_hash(size: TreeSize, reader: &impl HashReader) -> Result<Hash, Error> {
    let nodes = range_nodes(0, size.0);
    Ok(fold_range(&read_checked(reader, &nodes)?))
}

/// The complete nodes that appending the leaf at `index` creates: the leaf itself, then each
/// ancestor it completes, lowest first. This is what a store that keeps [`NodeId`] hashes
/// writes when it appends one leaf (the "stored hashes" of Go's `golang.org/x/mod/sumdb/tlog`).
///
/// `reader` must hold the tree of size `index` (it is asked for the left siblings).
///
/// # Errors
/// What the reader returns.
pub fn nodes_completed_by(
    index: LogIndex,
    leaf: Hash,
    reader: &impl HashReader,
) -> Result<Vec<(NodeId, Hash)>, Error> {
    let completed_levels = (index.0 + 1).trailing_zeros() as u8;
    let siblings: Vec<NodeId> = (0..completed_levels)
        .map(|level| NodeId::new(level, (index.0 >> level) - 1))
        .collect();
    let left = read_checked(reader, &siblings)?;
    let mut out = vec![(NodeId::new(0, index.0), leaf)];
    let mut hash = leaf;
    for (level, left) in (1..=completed_levels).zip(&left) {
        hash = node_hash(left, &hash);
        out.push((NodeId::new(level, index.0 >> level), hash));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::leaf_hash;

    fn naive(leaves: &[Hash]) -> Hash {
        match leaves.len() {
            0 => Hash::EMPTY_TREE,
            1 => leaves[0],
            n => {
                let k = 1 << (63 - (n as u64 - 1).leading_zeros());
                node_hash(&naive(&leaves[..k]), &naive(&leaves[k..]))
            }
        }
    }

    #[test]
    fn range_nodes_follow_the_binary_decomposition() {
        assert_eq!(range_nodes(0, 0), vec![]);
        assert_eq!(
            range_nodes(0, 7),
            vec![NodeId::new(2, 0), NodeId::new(1, 2), NodeId::new(0, 6)]
        );
        assert_eq!(
            range_nodes(8, 13),
            vec![NodeId::new(2, 2), NodeId::new(0, 12)]
        );
    }

    #[test]
    fn memory_store_agrees_with_naive_hash_and_appends() {
        let leaves: Vec<Hash> = (0..70u32).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        let mut store = MemoryHashStore::new();
        let mut rebuilt = MemoryHashStore::new();
        for (i, leaf) in leaves.iter().enumerate() {
            assert_eq!(
                tree_hash(TreeSize(i as u64), &store).ok(),
                Some(naive(&leaves[..i]))
            );
            let completed = nodes_completed_by(LogIndex(i as u64), *leaf, &store);
            assert_eq!(store.push_leaf_hash(*leaf), LogIndex(i as u64));
            for (node, hash) in completed.unwrap_or_default() {
                assert_eq!(store.node(node), Some(hash));
                if node.level == 0 {
                    rebuilt.push_leaf_hash(hash);
                }
            }
        }
        assert_eq!(store.size(), TreeSize(70));
        assert_eq!(rebuilt.size(), TreeSize(70));
        assert!(matches!(
            tree_hash(TreeSize(71), &store),
            Err(Error::NodeOutOfRange { .. })
        ));
    }
}
