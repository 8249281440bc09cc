//! The RFC 6962 hashes and the typed numbers of a log.

use std::fmt;

use base64ct::{Base64, Encoding};
use sha2::{Digest, Sha256};

/// The size of a [`struct@Hash`] in bytes.
pub const HASH_SIZE: usize = 32;

/// A SHA-256 hash in the Merkle tree: a leaf hash, a node hash or a root (RFC 9162 §2.1.1).
///
/// Displayed as 64 lowercase hex digits; checkpoints write it in standard base64
/// ([`Hash::to_base64`]).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Hash(pub [u8; HASH_SIZE]);

impl Hash {
    /// The Merkle Tree Hash of the empty tree, `SHA-256()` (RFC 9162 §2.1.1):
    /// `e3b0c442…b855`.
    pub const EMPTY_TREE: Hash = Hash([
        0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9,
        0x24, 0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52,
        0xb8, 0x55,
    ]);

    /// The 32 bytes.
    pub fn as_bytes(&self) -> &[u8; HASH_SIZE] {
        &self.0
    }

    /// The hash from a slice of exactly 32 bytes; `None` for any other length.
    pub fn from_slice(bytes: &[u8]) -> Option<Hash> {
        <[u8; HASH_SIZE]>::try_from(bytes).ok().map(Hash)
    }

    /// Standard base64 with padding (RFC 4648 §4), as c2sp.org/tlog-checkpoint writes a root:
    /// always 44 characters.
    pub fn to_base64(&self) -> String {
        Base64::encode_string(&self.0)
    }

    /// Parses exactly what [`Hash::to_base64`] writes: canonical padded standard base64 of 32
    /// bytes. `None` for anything else (other lengths, missing padding, non-zero trailing bits).
    pub fn from_base64(text: &str) -> Option<Hash> {
        let mut out = [0u8; HASH_SIZE];
        let decoded = Base64::decode(text, &mut out).ok()?;
        if decoded.len() != HASH_SIZE || Base64::encode_string(&out) != text {
            return None;
        }
        Some(Hash(out))
    }
}

impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for byte in self.0 {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash({self})")
    }
}

/// The leaf hash of one log entry: `SHA-256(0x00 ‖ data)` (RFC 9162 §2.1.1; RFC 6962 §2.1).
///
/// `data` is the entry's bytes, of any length.
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([0x00]);
    hasher.update(data);
    Hash(hasher.finalize().into())
}

/// The hash of an interior node: `SHA-256(0x01 ‖ left ‖ right)` (RFC 9162 §2.1.1;
/// RFC 6962 §2.1).
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([0x01]);
    hasher.update(left.0);
    hasher.update(right.0);
    Hash(hasher.finalize().into())
}

/// The position of a leaf in the log, counting from 0 (RFC 9162 §2.1.3, `leaf_index`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct LogIndex(pub u64);

/// The number of leaves in a tree (RFC 9162 §2.1.3, `tree_size`; the second line of a
/// c2sp.org/tlog-checkpoint).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct TreeSize(pub u64);

impl fmt::Display for LogIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Display for TreeSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A complete subtree: the node at height `level` (0 for leaves) whose `2^level` leaves start at
/// leaf `index * 2^level`. Its hash is `MTH(D[index·2^level : (index+1)·2^level])`
/// (RFC 9162 §2.1.1). These are the hashes a [`crate::HashReader`] stores; they never change once
/// the tree has grown past them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId {
    /// Height above the leaves, 0..=63.
    pub level: u8,
    /// Position among the nodes of that level, counting from 0.
    pub index: u64,
}

impl NodeId {
    /// The node at `level` and `index`.
    pub const fn new(level: u8, index: u64) -> NodeId {
        NodeId { level, index }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_tree_constant_is_sha256_of_nothing() {
        assert_eq!(Hash::EMPTY_TREE, Hash(Sha256::digest([]).into()));
    }

    #[test]
    fn base64_is_canonical_and_exact() {
        let hash = leaf_hash(b"hello world");
        let text = hash.to_base64();
        assert_eq!(Hash::from_base64(&text), Some(hash));
        // Same bytes, non-zero padding bits: not canonical.
        assert_eq!(
            Hash::from_base64("TszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb1="),
            None
        );
        assert_eq!(
            Hash::from_base64("TszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0"),
            None
        );
        assert_eq!(Hash::from_base64(&Base64::encode_string(&[0u8; 31])), None);
        assert_eq!(Hash::from_base64(&Base64::encode_string(&[0u8; 33])), None);
        assert_eq!(
            Hash::from_base64(" TszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0="),
            None
        );
    }
}
