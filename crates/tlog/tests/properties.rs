//! Property tests: the tree against a naive recursive Merkle Tree Hash, every generated proof
//! verifies, and tampered proofs and notes are rejected.

use std::collections::HashMap;

use proptest::prelude::*;
use sahih_tlog::{
    Checkpoint, ConsistencyProof, Error, Hash, InclusionProof, LogIndex, MemoryHashStore,
    SignerKey, TileHashReader, TileId, TileReader, TreeSize, VerifierKey, leaf_hash, node_hash,
    note, prove_consistency, prove_inclusion, tile_data, tiles_for_size, tree_hash,
};

/// MTH(D[n]) exactly as RFC 9162 §2.1.1 defines it, recursively.
fn naive_root(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => Hash::EMPTY_TREE,
        1 => leaves[0],
        n => {
            let mut k = 1; // the largest power of two smaller than n
            while k * 2 < n {
                k *= 2;
            }
            node_hash(&naive_root(&leaves[..k]), &naive_root(&leaves[k..]))
        }
    }
}

/// Tree sizes: 0, 1, powers of two and their neighbours up to 4097, anything below 3000.
fn tree_size() -> impl Strategy<Value = u64> {
    prop_oneof![
        Just(0u64),
        Just(1u64),
        (0u32..=12, -1i64..=1).prop_map(|(k, d)| ((1i64 << k) + d).max(0) as u64),
        0u64..3000,
    ]
}

fn leaves(count: u64, seed: u64) -> Vec<Hash> {
    (0..count)
        .map(|i| leaf_hash(&[seed.to_be_bytes(), i.to_be_bytes()].concat()))
        .collect()
}

/// A store of `2n + 1` leaves, so trees larger than `n` can be checked against it.
fn store_for(n: u64, seed: u64) -> (Vec<Hash>, MemoryHashStore) {
    let all = leaves(2 * n + 1, seed);
    let store = MemoryHashStore::from_leaf_hashes(all.iter().copied());
    (all, store)
}

fn root(store: &MemoryHashStore, size: u64) -> Hash {
    tree_hash(TreeSize(size), store).expect("the store holds 2n+1 leaves")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn tree_hash_is_the_naive_hash(n in tree_size(), seed in any::<u64>()) {
        let all = leaves(n, seed);
        let store = MemoryHashStore::from_leaf_hashes(all.iter().copied());
        prop_assert_eq!(tree_hash(TreeSize(n), &store).ok(), Some(naive_root(&all)));
    }

    #[test]
    fn inclusion_proofs_verify_and_tampering_is_rejected(
        n in tree_size().prop_filter("a leaf to prove", |n| *n > 0),
        at in 0.0f64..1.0,
        seed in any::<u64>(),
        (element, bit) in (any::<prop::sample::Index>(), 0u8..8),
        junk in any::<[u8; 32]>(),
    ) {
        let (all, store) = store_for(n, seed);
        let m = ((n as f64 * at) as u64).min(n - 1);
        let (leaf, good_root) = (all[m as usize], root(&store, n));
        let proof = prove_inclusion(LogIndex(m), TreeSize(n), &store).expect("in range");
        prop_assert!(proof.verify(&leaf, &good_root).is_ok());
        prop_assert_eq!(good_root, naive_root(&all[..n as usize]));

        let with = |index: u64, size: u64, path: Vec<Hash>| InclusionProof {
            index: LogIndex(index), tree_size: TreeSize(size), path,
        };
        let p = proof.path.clone();
        let mut tampered: Vec<(InclusionProof, Hash, Hash)> = Vec::new();
        if !p.is_empty() {
            let mut flipped = p.clone();
            flipped[element.index(p.len())].0[usize::from(bit) * 4 % 32] ^= 1 << bit;
            tampered.push((with(m, n, flipped), leaf, good_root));
            tampered.push((with(m, n, p[..p.len() - 1].to_vec()), leaf, good_root));
        }
        tampered.push((with(m, n, [p.clone(), vec![Hash(junk)]].concat()), leaf, good_root));
        tampered.push((with(m, n, [vec![Hash(junk)], p.clone()].concat()), leaf, good_root));
        let mut wrong_leaf = leaf;
        wrong_leaf.0[31] ^= 1;
        tampered.push((proof.clone(), wrong_leaf, good_root));
        for other in [m.wrapping_sub(1), m + 1, m ^ 2] {
            tampered.push((with(other, n, p.clone()), leaf, good_root));
        }
        tampered.push((with(m, 2 * n, p.clone()), leaf, good_root));
        for other in [n - 1, n + 1, 2 * n] {
            if other > m && other != n {
                tampered.push((with(m, other, p.clone()), leaf, root(&store, other)));
            }
        }
        for (probe, leaf, root) in &tampered {
            prop_assert!(probe.verify(leaf, root).is_err(), "accepted {:?}", probe);
        }
    }

    #[test]
    fn consistency_proofs_verify_and_tampering_is_rejected(
        n in tree_size(),
        at in 0.0f64..=1.0,
        seed in any::<u64>(),
        (element, bit) in (any::<prop::sample::Index>(), 0u8..8),
        junk in any::<[u8; 32]>(),
    ) {
        let (_, store) = store_for(n, seed);
        let old = ((n as f64 * at) as u64).min(n);
        let (old_root, new_root) = (root(&store, old), root(&store, n));
        let proof = prove_consistency(TreeSize(old), TreeSize(n), &store).expect("old <= new");
        prop_assert!(proof.verify(&old_root, &new_root).is_ok());

        let with = |old: u64, new: u64, path: Vec<Hash>| ConsistencyProof {
            old_size: TreeSize(old), new_size: TreeSize(new), path,
        };
        let p = proof.path.clone();
        let mut tampered: Vec<(ConsistencyProof, Hash, Hash)> = Vec::new();
        if !p.is_empty() {
            let mut flipped = p.clone();
            flipped[element.index(p.len())].0[usize::from(bit) * 4 % 32] ^= 1 << bit;
            tampered.push((with(old, n, flipped), old_root, new_root));
            tampered.push((with(old, n, p[..p.len() - 1].to_vec()), old_root, new_root));
            tampered.push((with(old, n, p.clone()), new_root, old_root));
        }
        tampered.push((with(old, n, [p.clone(), vec![Hash(junk)]].concat()), old_root, new_root));
        let mut wrong_old = old_root;
        wrong_old.0[0] ^= 1;
        tampered.push((proof.clone(), wrong_old, new_root));
        // The empty tree is a prefix of every tree, whatever its root.
        if old > 0 || n == 0 {
            let mut wrong_new = new_root;
            wrong_new.0[0] ^= 1;
            tampered.push((proof.clone(), old_root, wrong_new));
        }
        if !p.is_empty() {
            for other in [old - 1, old + 1, old ^ 2] {
                if other <= n && other != old {
                    tampered.push((with(other, n, p.clone()), root(&store, other), new_root));
                }
            }
            for other in [n + 1, 2 * n] {
                tampered.push((with(old, other, p.clone()), old_root, root(&store, other)));
            }
        }
        for (probe, a, b) in &tampered {
            prop_assert!(probe.verify(a, b).is_err(), "accepted {:?}", probe);
        }
    }
}

/// Tiles in a map, as the service would keep them.
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

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn proofs_from_tiles_equal_proofs_from_the_store(
        n in tree_size().prop_filter("a leaf to prove", |n| *n > 0),
        at in 0.0f64..1.0,
    ) {
        let store = MemoryHashStore::from_leaf_hashes(leaves(n, 7));
        let tiles = tiles_for_size(TreeSize(n))
            .into_iter()
            .map(|t| tile_data(t, &store).map(|data| (t, data)))
            .collect::<Result<HashMap<_, _>, _>>()
            .expect("store holds every tile");
        let reader = TileHashReader::new(TreeSize(n), Tiles(tiles));
        let m = ((n as f64 * at) as u64).min(n - 1);
        prop_assert_eq!(
            prove_inclusion(LogIndex(m), TreeSize(n), &reader).ok(),
            prove_inclusion(LogIndex(m), TreeSize(n), &store).ok()
        );
        prop_assert_eq!(
            prove_consistency(TreeSize(m + 1), TreeSize(n), &reader).ok(),
            prove_consistency(TreeSize(m + 1), TreeSize(n), &store).ok()
        );
    }
}

fn note_text() -> impl Strategy<Value = String> {
    prop::collection::vec("[ -~]{1,40}", 1..6).prop_map(|lines| {
        lines
            .iter()
            .map(|line| format!("{line}\n"))
            .collect::<String>()
    })
}

fn key_name() -> impl Strategy<Value = String> {
    "[a-z0-9.-]{1,20}(/[a-z0-9]{1,10})?"
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn signed_notes_verify_and_tampering_is_rejected(
        text in note_text(),
        name in key_name(),
        other_name in key_name(),
        seed in any::<[u8; 32]>(),
        other_seed in any::<[u8; 32]>(),
        position in any::<prop::sample::Index>(),
        bit in 0u8..8,
    ) {
        prop_assume!(name != other_name && seed != other_seed);
        let signer = SignerKey::from_seed(name.clone(), &seed).expect("valid name");
        let verifier = signer.verifier_key();
        let signed = note::sign(&text, &[&signer]).expect("valid text");
        let opened = note::open(&signed, std::slice::from_ref(&verifier)).expect("verifies");
        prop_assert_eq!(&opened.text, &text);
        prop_assert_eq!(VerifierKey::parse(&verifier.to_string()).ok(), Some(verifier.clone()));

        // A changed body: one visible character of the text replaced.
        let chars: Vec<char> = text.chars().collect();
        let visible: Vec<usize> = (0..chars.len()).filter(|&i| chars[i] != '\n').collect();
        let i = visible[position.index(visible.len())];
        let mut changed = chars.clone();
        changed[i] = if chars[i] == 'a' { 'b' } else { 'a' };
        let changed: String = changed.into_iter().collect();
        let body_changed = signed.replacen(&text, &changed, 1);
        let result = note::open(&body_changed, std::slice::from_ref(&verifier));
        let rejected = matches!(result, Err(Error::InvalidSignature { .. }));
        prop_assert!(rejected, "changed body: {:?}", result);

        // A changed signature: one bit of the Ed25519 signature flipped.
        let mut parsed = note::parse(&signed).expect("parses");
        parsed.signatures[0].signature[position.index(64)] ^= 1 << bit;
        let sig_changed = format!("{}\n{}", parsed.text, parsed.signatures[0].to_line());
        let result = note::open(&sig_changed, std::slice::from_ref(&verifier));
        let rejected = matches!(result, Err(Error::InvalidSignature { .. }));
        prop_assert!(rejected, "changed signature: {:?}", result);

        // The wrong key under the same name, the right key under another name: unknown keys.
        let wrong_key = SignerKey::from_seed(name, &other_seed).expect("valid").verifier_key();
        let wrong_name = SignerKey::from_seed(other_name, &seed).expect("valid").verifier_key();
        for other in [wrong_key, wrong_name] {
            let result = note::open(&signed, &[other]);
            let rejected = matches!(result, Err(Error::NoVerifiedSignature { unverified: 1 }));
            prop_assert!(rejected, "other key: {:?}", result);
        }
    }

    #[test]
    fn checkpoints_round_trip_through_signed_notes(
        origin in key_name(),
        size in any::<u64>(),
        root in any::<[u8; 32]>(),
        seed in any::<[u8; 32]>(),
    ) {
        let checkpoint = Checkpoint::new(origin.clone(), TreeSize(size), Hash(root)).expect("valid");
        let body = checkpoint.to_body();
        prop_assert_eq!(Checkpoint::parse(&body).ok(), Some(checkpoint.clone()));
        let signer = SignerKey::from_seed(origin, &seed).expect("valid");
        let signed = checkpoint.sign(&signer).expect("signs");
        let prefix = format!("{body}\n\u{2014} ");
        prop_assert!(signed.starts_with(&prefix));
        let (opened, _) = Checkpoint::open(&signed, &[signer.verifier_key()]).expect("verifies");
        prop_assert_eq!(opened, checkpoint);
    }
}

#[test]
fn every_proof_of_every_small_tree_verifies() {
    let all = leaves(70, 1);
    let store = MemoryHashStore::from_leaf_hashes(all.iter().copied());
    for n in 0..=70u64 {
        let new_root = naive_root(&all[..n as usize]);
        for m in 0..n {
            let proof = prove_inclusion(LogIndex(m), TreeSize(n), &store).expect("in range");
            assert!(
                proof.verify(&all[m as usize], &new_root).is_ok(),
                "PATH({m}, D[{n}])"
            );
        }
        for old in 0..=n {
            let proof = prove_consistency(TreeSize(old), TreeSize(n), &store).expect("ordered");
            let old_root = naive_root(&all[..old as usize]);
            assert!(
                proof.verify(&old_root, &new_root).is_ok(),
                "PROOF({old}, D[{n}])"
            );
        }
    }
}
