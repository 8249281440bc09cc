//! Sahih's transparency log, the pure part: the RFC 6962 Merkle tree that every workflow event
//! becomes a leaf of, the proofs that let anyone check a receipt offline, and the C2SP formats
//! the log publishes — checkpoints, Ed25519 signed notes, tiles and entry bundles.
//!
//! Nothing here knows about the database, HTTP or time: the service stores hashes and tiles and
//! hands them in through [`HashReader`] or [`TileReader`]; this crate computes.
//!
//! | what | standard | here |
//! |---|---|---|
//! | leaf and node hashes, tree hash | RFC 9162 §2.1.1 (= RFC 6962 §2.1) | [`leaf_hash`], [`node_hash`], [`tree_hash`] |
//! | inclusion proofs | RFC 9162 §2.1.3 | [`prove_inclusion`], [`InclusionProof::verify`] |
//! | consistency proofs | RFC 9162 §2.1.4 | [`prove_consistency`], [`ConsistencyProof::verify`] |
//! | checkpoint body | c2sp.org/tlog-checkpoint | [`Checkpoint`] |
//! | signed notes, Ed25519, key strings | c2sp.org/signed-note | [`note`], [`VerifierKey`], [`SignerKey`] |
//! | QR statement of a visible signature | docs/qr-statement.md | [`Statement`], [`qr_payload`] |
//! | tiles and entry bundles | c2sp.org/tlog-tiles | [`TileId`], [`TilePath`], [`tile_data`], [`TileHashReader`], [`encode_entry_bundle`] |
//!
//! # Example
//!
//! ```
//! use sahih_tlog::{
//!     Checkpoint, LogIndex, MemoryHashStore, SignerKey, TilePath, TreeSize, leaf_hash,
//!     prove_consistency, prove_inclusion, tree_hash,
//! };
//!
//! // The log: three events, then two more.
//! let mut log = MemoryHashStore::new();
//! for event in [&b"submitted"[..], b"paraf", b"signed"] {
//!     log.push_leaf(event);
//! }
//! let old_root = tree_hash(log.size(), &log)?;
//! let old_size = log.size();
//! log.push_leaf(b"numbered");
//! log.push_leaf(b"key issued");
//! let root = tree_hash(log.size(), &log)?;
//!
//! // The sequencer signs a checkpoint (a c2sp.org/tlog-checkpoint in a signed note).
//! let key = SignerKey::from_seed("sahih.example.go.id/log", &[7; 32])?;
//! let signed = Checkpoint::new("sahih.example.go.id/log", log.size(), root)?.sign(&key)?;
//!
//! // A citizen's receipt: the leaf, its index, an inclusion proof and the checkpoint.
//! let proof = prove_inclusion(LogIndex(1), log.size(), &log)?;
//!
//! // Anyone, offline, with only the published verifier key string:
//! let pinned = key.verifier_key().to_string();
//! let verifier = sahih_tlog::VerifierKey::parse(&pinned)?;
//! let (checkpoint, _) = Checkpoint::open(&signed, &[verifier])?;
//! proof.verify(&leaf_hash(b"paraf"), &checkpoint.root())?;
//!
//! // A monitor that kept the earlier checkpoint checks the log only grew.
//! prove_consistency(old_size, checkpoint.size(), &log)?.verify(&old_root, &checkpoint.root())?;
//!
//! // Tiles are served at C2SP paths.
//! assert_eq!(
//!     TilePath::parse("tile/0/000.p/5")?,
//!     TilePath::Hashes(sahih_tlog::TileId::new(0, 0, 5)?),
//! );
//! assert_eq!(checkpoint.size(), TreeSize(5));
//! # Ok::<(), sahih_tlog::Error>(())
//! ```
//!
//! # Why no third-party log crate
//!
//! The issue named three candidates; each was read at its current release and none is used:
//!
//! - `signed_note` 0.2.0 (Cloudflare's azul) ports golang.org/x/mod/sumdb/note faithfully, but
//!   depends on `ed25519-dalek` 2, `sha2` 0.10, `rand_core` 0.6, `base64` 0.21 and
//!   `thiserror` 1: a second copy of the RustCrypto stack beside the `ed25519-dalek` 3 and
//!   `sha2` 0.11 the workspace pins.
//! - `tlog_tiles` 0.2.0 (same project) writes the Go checksum database's tile paths
//!   (`tile/<H>/<L>/…`, `tile/<H>/data/…`), not C2SP's (`tile/<L>/…`, `tile/entries/…`), and
//!   brings the same older `sha2`, `thiserror` 1, `url` and `serde_json`.
//! - `ct-merkle` 0.3.0 matches `sha2` 0.11, but generates proofs only from its own in-memory
//!   tree (every leaf value, nodes in in-order layout that does not map onto tiles), verifies
//!   a leaf value rather than a leaf hash, and panics on some malformed input
//!   (`InclusionProof::from_bytes`, `indices_for_inclusion_proof`).
//!
//! What is left to write is small (RFC 9162's algorithms, three text formats, path names), is
//! checked here against the published vectors of RFC 6962's reference tests, Go's
//! `sumdb/note` and `sumdb/tlog`, and the C2SP specifications, and against a naive tree hash
//! by property tests. Base64 comes from `base64ct` (already in the dependency tree), SHA-256
//! from `sha2`, Ed25519 from `ed25519-dalek`.
#![forbid(unsafe_code)]

mod checkpoint;
mod error;
mod hash;
mod keys;
pub mod note;
mod proof;
pub mod statement;
mod store;
mod tile;
mod tile_data;

pub use checkpoint::Checkpoint;
pub use error::Error;
pub use hash::{HASH_SIZE, Hash, LogIndex, NodeId, TreeSize, leaf_hash, node_hash};
pub use keys::{ED25519, KeyId, SignerKey, VerifierKey, is_valid_key_name, key_id};
pub use note::MAX_SIGNATURES;
pub use proof::{ConsistencyProof, InclusionProof, prove_consistency, prove_inclusion};
pub use statement::{LogRef, Statement, qr_payload};
pub use store::{HashReader, MemoryHashStore, nodes_completed_by, tree_hash};
pub use tile::{
    EntryBundleId, MAX_TILE_LEVEL, TILE_HEIGHT, TILE_WIDTH, TileId, TilePath, new_entry_bundles,
    new_tiles, tile_in_tree, tiles_for_size,
};
pub use tile_data::{
    MAX_ENTRY_LEN, TileHashReader, TileReader, encode_entry_bundle, parse_entry_bundle, tile_data,
    tile_hashes,
};
