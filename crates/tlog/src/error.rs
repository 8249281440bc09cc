//! The crate's one error type.

use crate::KeyId;

/// Everything that can go wrong in this crate: malformed input (checkpoints, notes, keys, tile
/// paths, entry bundles), proofs that do not verify, and failures of a [`crate::HashReader`].
///
/// Every variant says which rule was broken; none carries secret material.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An inclusion proof was asked for, or checked, for a leaf the tree does not hold
    /// (RFC 9162 §2.1.3: `leaf_index < tree_size`).
    #[error("leaf index {index} is not below the tree size {size}")]
    IndexOutOfRange { index: u64, size: u64 },

    /// A consistency proof was asked for, or checked, from a larger tree to a smaller one
    /// (RFC 9162 §2.1.4: `first <= second`).
    #[error("tree size {old} is larger than tree size {new}")]
    SizeOrder { old: u64, new: u64 },

    /// A node outside the tree of the given size was asked for (a [`crate::HashReader`] or a
    /// tile that does not cover it).
    #[error("node at level {level}, index {index} is not complete in a tree of size {size}")]
    NodeOutOfRange { level: u8, index: u64, size: u64 },

    /// A proof has the wrong number of hashes for its index and sizes.
    #[error("the proof has {found} hashes, {expected} expected")]
    ProofLength { expected: usize, found: usize },

    /// A proof recomputes to a root other than the one it was checked against.
    #[error("the proof does not lead to the expected root hash")]
    RootMismatch,

    /// A [`crate::HashReader`] returned a different number of hashes than it was asked for.
    #[error("the hash reader returned {found} hashes for {expected} requested")]
    ReaderCount { expected: usize, found: usize },

    /// A [`crate::HashReader`] or [`crate::TileReader`] failed (a database error, a missing
    /// tile...).
    #[error("reading stored hashes: {0}")]
    Storage(Box<dyn std::error::Error + Send + Sync>),

    /// A checkpoint body breaks c2sp.org/tlog-checkpoint (`line` counts from 1).
    #[error("malformed checkpoint, line {line}: {reason}")]
    MalformedCheckpoint { line: usize, reason: &'static str },

    /// A signed note breaks c2sp.org/signed-note.
    #[error("malformed note: {reason}")]
    MalformedNote { reason: &'static str },

    /// A note carries more signature lines than [`crate::MAX_SIGNATURES`].
    #[error("the note has more than {limit} signatures")]
    TooManySignatures { limit: usize },

    /// A verifier or signer key string breaks its format.
    #[error("malformed key: {reason}")]
    MalformedKey { reason: &'static str },

    /// A key string names a signature type other than Ed25519 (0x01).
    #[error("unsupported signature type 0x{algorithm:02x}")]
    UnknownAlgorithm { algorithm: u8 },

    /// A key string's key ID is not the one its name and public key give.
    #[error("key {name}: key ID {claimed} given, {computed} computed")]
    KeyIdMismatch {
        name: String,
        claimed: KeyId,
        computed: KeyId,
    },

    /// A signature by a known key does not verify: the whole note is rejected.
    #[error("invalid signature for key {name}+{key_id}")]
    InvalidSignature { name: String, key_id: KeyId },

    /// Two of the given verifier keys share a name and key ID, and a signature needs one.
    #[error("ambiguous key {name}+{key_id}")]
    AmbiguousKey { name: String, key_id: KeyId },

    /// The note parsed, but no signature is by a known key.
    #[error("the note has no signature by a known key ({unverified} by unknown keys)")]
    NoVerifiedSignature { unverified: usize },

    /// The operating system's random number generator failed.
    #[error("random number generator: {reason}")]
    Random { reason: String },

    /// A tile or entry-bundle path breaks c2sp.org/tlog-tiles.
    #[error("malformed tile path {path:?}: {reason}")]
    MalformedTilePath { path: String, reason: &'static str },

    /// A tile identifier is out of range (level above 63, width 0 or above 256).
    #[error("invalid tile: {reason}")]
    InvalidTile { reason: &'static str },

    /// Tile data is not a whole number of hashes, or has the wrong width.
    #[error("tile data is {len} bytes, {expected} expected")]
    TileLength { len: usize, expected: usize },

    /// An entry is too long for a uint16 length prefix (c2sp.org/tlog-tiles).
    #[error("entry {position} is {len} bytes, at most 65535 fit in an entry bundle")]
    EntryTooLong { position: usize, len: usize },

    /// A QR statement breaks the `sahih-qr-statement/1` format (docs/qr-statement.md).
    #[error("malformed QR statement: {reason}")]
    MalformedStatement { reason: &'static str },

    /// An entry bundle is truncated, too long, or holds more than 256 entries.
    #[error("malformed entry bundle at byte {offset}: {reason}")]
    MalformedBundle { offset: usize, reason: &'static str },
}
