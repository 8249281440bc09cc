//! Inclusion and consistency proofs: generated from a [`HashReader`] (RFC 9162 §2.1.3.1,
//! §2.1.4.1) and verified from hashes alone (RFC 9162 §2.1.3.2, §2.1.4.2).

use crate::store::{fold_range, range_nodes, read_checked};
use crate::{Error, Hash, HashReader, LogIndex, TreeSize, node_hash};

/// A proof that the leaf at `index` is in the tree of `tree_size` leaves: the audit path
/// `PATH(index, D[tree_size])` of RFC 9162 §2.1.3.1, from the leaf's sibling up to the
/// root's child. Holds `⌈log2(tree_size)⌉` hashes or fewer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InclusionProof {
    /// The leaf proved.
    pub index: LogIndex,
    /// The tree it is proved in.
    pub tree_size: TreeSize,
    /// The audit path, leaf side first.
    pub path: Vec<Hash>,
}

/// A proof that the tree of `old_size` leaves is a prefix of the tree of `new_size` leaves:
/// `PROOF(old_size, D[new_size])` of RFC 9162 §2.1.4.1. Empty when the sizes are equal or
/// `old_size` is 0.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsistencyProof {
    /// The earlier tree's size.
    pub old_size: TreeSize,
    /// The later tree's size.
    pub new_size: TreeSize,
    /// The proof's hashes, deepest first.
    pub path: Vec<Hash>,
}

/// The largest power of two strictly below `n` (`n >= 2`): the split point `k` of RFC 9162
/// §2.1.1.
fn split(n: u64) -> u64 {
    1 << (63 - (n - 1).leading_zeros())
}

/// Collects the ranges `[start, end)` whose hashes make up `PATH(m, D[start:end])`, deepest
/// first (RFC 9162 §2.1.3.1).
fn inclusion_ranges(m: u64, start: u64, end: u64, out: &mut Vec<(u64, u64)>) {
    let n = end - start;
    if n <= 1 {
        return;
    }
    let k = split(n);
    if m - start < k {
        inclusion_ranges(m, start, start + k, out);
        out.push((start + k, end));
    } else {
        inclusion_ranges(m, start + k, end, out);
        out.push((start, start + k));
    }
}

/// Collects the ranges whose hashes make up `SUBPROOF(m, D[start:end], whole)`, deepest first
/// (RFC 9162 §2.1.4.1); `m` counts from `start`.
fn consistency_ranges(m: u64, start: u64, end: u64, whole: bool, out: &mut Vec<(u64, u64)>) {
    let n = end - start;
    if m == n {
        if !whole {
            out.push((start, end));
        }
        return;
    }
    let k = split(n);
    if m <= k {
        consistency_ranges(m, start, start + k, whole, out);
        out.push((start + k, end));
    } else {
        consistency_ranges(m - k, start + k, end, false, out);
        out.push((start, start + k));
    }
}

/// Reads every node of every range in one call and folds each range into its hash.
fn hashes_of_ranges(ranges: &[(u64, u64)], reader: &impl HashReader) -> Result<Vec<Hash>, Error> {
    let per_range: Vec<_> = ranges.iter().map(|&(s, e)| range_nodes(s, e)).collect();
    let all: Vec<_> = per_range.iter().flatten().copied().collect();
    let hashes = read_checked(reader, &all)?;
    let mut rest = hashes.as_slice();
    let mut out = Vec::with_capacity(ranges.len());
    for nodes in &per_range {
        let (these, tail) = rest.split_at(nodes.len());
        out.push(fold_range(these));
        rest = tail;
    }
    Ok(out)
}

/// Generates the inclusion proof of leaf `index` in the tree of `size` leaves
/// (RFC 9162 §2.1.3.1), reading every stored hash it needs in one
/// [`HashReader::read_hashes`] call (at most about 2·log2(size) nodes).
///
/// # Errors
/// [`Error::IndexOutOfRange`] unless `index < size`; what the reader returns.
pub fn prove_inclusion(
    index: LogIndex,
    size: TreeSize,
    reader: &impl HashReader,
) -> Result<InclusionProof, Error> {
    if index.0 >= size.0 {
        return Err(Error::IndexOutOfRange {
            index: index.0,
            size: size.0,
        });
    }
    let mut ranges = Vec::new();
    inclusion_ranges(index.0, 0, size.0, &mut ranges);
    Ok(InclusionProof {
        index,
        tree_size: size,
        path: hashes_of_ranges(&ranges, reader)?,
    })
}

/// Generates the consistency proof from the tree of `old` leaves to the tree of `new` leaves
/// (RFC 9162 §2.1.4.1), in one [`HashReader::read_hashes`] call. Empty when `old` is 0 or
/// equals `new`.
///
/// # Errors
/// [`Error::SizeOrder`] if `old > new`; what the reader returns.
pub fn prove_consistency(
    old: TreeSize,
    new: TreeSize,
    reader: &impl HashReader,
) -> Result<ConsistencyProof, Error> {
    if old.0 > new.0 {
        return Err(Error::SizeOrder {
            old: old.0,
            new: new.0,
        });
    }
    let mut ranges = Vec::new();
    if old.0 > 0 {
        consistency_ranges(old.0, 0, new.0, true, &mut ranges);
    }
    Ok(ConsistencyProof {
        old_size: old,
        new_size: new,
        path: hashes_of_ranges(&ranges, reader)?,
    })
}

/// The number of hashes in `PATH(index, D[size])` (`index < size`): the levels where the
/// paths to `index` and to the last leaf differ, plus the right-border nodes above them.
fn inclusion_length(index: u64, size: u64) -> usize {
    let inner = 64 - (index ^ (size - 1)).leading_zeros();
    let border = (index >> inner).count_ones();
    (inner + border) as usize
}

fn check_length(expected: usize, found: usize) -> Result<(), Error> {
    if expected == found {
        Ok(())
    } else {
        Err(Error::ProofLength { expected, found })
    }
}

impl InclusionProof {
    /// Checks that `leaf` (a [`crate::leaf_hash`]) is at `self.index` in the tree of
    /// `self.tree_size` leaves whose root is `root`, by the algorithm of RFC 9162 §2.1.3.2.
    ///
    /// # Errors
    /// [`Error::IndexOutOfRange`], [`Error::ProofLength`] for a truncated or extended path,
    /// [`Error::RootMismatch`] when the path leads elsewhere.
    pub fn verify(&self, leaf: &Hash, root: &Hash) -> Result<(), Error> {
        let (index, size) = (self.index.0, self.tree_size.0);
        if index >= size {
            return Err(Error::IndexOutOfRange { index, size });
        }
        check_length(inclusion_length(index, size), self.path.len())?;
        let (mut fn_, mut sn) = (index, size - 1);
        let mut r = *leaf;
        for p in &self.path {
            if sn == 0 {
                return Err(Error::RootMismatch);
            }
            if fn_ & 1 == 1 || fn_ == sn {
                r = node_hash(p, &r);
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            } else {
                r = node_hash(&r, p);
            }
            fn_ >>= 1;
            sn >>= 1;
        }
        if sn == 0 && r == *root {
            Ok(())
        } else {
            Err(Error::RootMismatch)
        }
    }
}

impl ConsistencyProof {
    /// Checks that the tree of `self.old_size` leaves with root `old_root` is a prefix of the
    /// tree of `self.new_size` leaves with root `new_root`, by the algorithm of RFC 9162
    /// §2.1.4.2. Equal sizes need an empty proof and equal roots; old size 0 needs an empty
    /// proof and `old_root` = [`Hash::EMPTY_TREE`] (and so does a new size of 0).
    ///
    /// # Errors
    /// [`Error::SizeOrder`], [`Error::ProofLength`], [`Error::RootMismatch`].
    pub fn verify(&self, old_root: &Hash, new_root: &Hash) -> Result<(), Error> {
        let (old, new) = (self.old_size.0, self.new_size.0);
        if old > new {
            return Err(Error::SizeOrder { old, new });
        }
        if old == 0 || old == new {
            check_length(0, self.path.len())?;
            let old_ok = *old_root
                == if old == 0 {
                    Hash::EMPTY_TREE
                } else {
                    *new_root
                };
            let new_ok = new != 0 || *new_root == Hash::EMPTY_TREE;
            return if old_ok && new_ok {
                Ok(())
            } else {
                Err(Error::RootMismatch)
            };
        }
        // The proof holds the old tree's rightmost complete subtree unless that subtree is the
        // whole old tree (old is a power of two), then the path from it to the new root.
        let shift = old.trailing_zeros();
        let seeded = old.is_power_of_two();
        let inner = 64 - ((old - 1) ^ (new - 1)).leading_zeros();
        let border = ((old - 1) >> inner).count_ones();
        let expected = usize::from(!seeded) + (inner - shift + border) as usize;
        check_length(expected, self.path.len())?;

        let mut path = self.path.iter();
        let first = if seeded {
            *old_root
        } else {
            *path.next().ok_or(Error::RootMismatch)?
        };
        let (mut fn_, mut sn) = (old - 1, new - 1);
        while fn_ & 1 == 1 {
            fn_ >>= 1;
            sn >>= 1;
        }
        let (mut fr, mut sr) = (first, first);
        for c in path {
            if sn == 0 {
                return Err(Error::RootMismatch);
            }
            if fn_ & 1 == 1 || fn_ == sn {
                fr = node_hash(c, &fr);
                sr = node_hash(c, &sr);
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            } else {
                sr = node_hash(&sr, c);
            }
            fn_ >>= 1;
            sn >>= 1;
        }
        if sn == 0 && fr == *old_root && sr == *new_root {
            Ok(())
        } else {
            Err(Error::RootMismatch)
        }
    }
}
