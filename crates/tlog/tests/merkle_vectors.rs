//! Published RFC 6962 test vectors of the tree hash and the proofs, with their source.

use sahih_tlog::{
    ConsistencyProof, Error, Hash, InclusionProof, LogIndex, MemoryHashStore, TreeSize, leaf_hash,
    prove_consistency, prove_inclusion, tree_hash,
};

fn h(hex: &str) -> Hash {
    let bytes: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
        .collect();
    Hash::from_slice(&bytes).expect("32 bytes")
}

// ---------------------------------------------------------------------------------------------
// RFC 6962 hashes and proofs. Source: github.com/transparency-dev/merkle, rfc6962/rfc6962_test.go
// and proof/verify_test.go (the vectors of the RFC 6962 reference implementation's tests).
// ---------------------------------------------------------------------------------------------

const LEAVES: [&[u8]; 8] = [
    b"",
    &[0x00],
    &[0x10],
    &[0x20, 0x21],
    &[0x30, 0x31],
    &[0x40, 0x41, 0x42, 0x43],
    &[0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57],
    &[
        0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e,
        0x6f,
    ],
];

const ROOTS: [&str; 8] = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

/// (leaf index, tree size, path): verify_test.go's `inclusionProofs`, whose leaf is 1-based.
const INCLUSION: [(u64, u64, &[&str]); 5] = [
    (0, 1, &[]),
    (
        0,
        8,
        &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        &[
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        3,
        &["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"],
    ),
    (
        1,
        5,
        &[
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
];

/// (old size, new size, path): verify_test.go's `consistencyProofs`.
const CONSISTENCY: [(u64, u64, &[&str]); 5] = [
    (1, 1, &[]),
    (
        1,
        8,
        &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        &[
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        &[
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        7,
        &[
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
];

fn reference_tree() -> MemoryHashStore {
    let mut store = MemoryHashStore::new();
    for leaf in LEAVES {
        store.push_leaf(leaf);
    }
    store
}

#[test]
fn rfc6962_hasher_vectors() {
    // rfc6962_test.go: `echo -n | sha256sum`, `echo -n 00 | xxd -r -p | sha256sum`, and
    // `echo -n 004C313233343536 | xxd -r -p | sha256sum`.
    let empty = h("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assert_eq!(Hash::EMPTY_TREE, empty);
    assert_eq!(
        tree_hash(TreeSize(0), &MemoryHashStore::new()).ok(),
        Some(empty)
    );
    assert_eq!(
        leaf_hash(b""),
        h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d")
    );
    assert_eq!(
        leaf_hash(b"L123456"),
        h("395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56")
    );
}

#[test]
fn rfc6962_roots_of_sizes_1_to_8() {
    let store = reference_tree();
    for (i, root) in ROOTS.iter().enumerate() {
        assert_eq!(
            tree_hash(TreeSize(i as u64 + 1), &store).ok(),
            Some(h(root)),
            "size {}",
            i + 1
        );
    }
}

fn path(hexes: &[&str]) -> Vec<Hash> {
    hexes.iter().map(|x| h(x)).collect()
}

#[test]
fn rfc6962_inclusion_proofs_generate_verify_and_reject_corruption() {
    let store = reference_tree();
    for (index, size, expected) in INCLUSION {
        let proof = prove_inclusion(LogIndex(index), TreeSize(size), &store).expect("prove");
        assert_eq!(proof.path, path(expected), "PATH({index}, D[{size}])");
        let leaf = leaf_hash(LEAVES[index as usize]);
        let root = h(ROOTS[size as usize - 1]);
        proof.verify(&leaf, &root).expect("verifies");

        // The probes of verify_test.go's corruptInclusionProof.
        let with = |index: u64, size: u64, path: Vec<Hash>| InclusionProof {
            index: LogIndex(index),
            tree_size: TreeSize(size),
            path,
        };
        let mut probes = vec![
            (
                with(index.wrapping_sub(1), size, proof.path.clone()),
                leaf,
                root,
            ),
            (with(index + 1, size, proof.path.clone()), leaf, root),
            (with(index ^ 2, size, proof.path.clone()), leaf, root),
            (with(index, size * 2, proof.path.clone()), leaf, root),
            (with(index, size / 2, proof.path.clone()), leaf, root),
            (proof.clone(), leaf_hash(b"WrongLeaf"), root),
            (proof.clone(), leaf, Hash::EMPTY_TREE),
            (
                proof.clone(),
                leaf,
                h("abacaba000000000000000000000000000000000000000000060061e00123456"),
            ),
        ];
        let mut extended = proof.path.clone();
        extended.push(root);
        probes.push((with(index, size, extended), leaf, root));
        let mut preceded = vec![root];
        preceded.extend(proof.path.iter().copied());
        probes.push((with(index, size, preceded), leaf, root));
        for i in 0..proof.path.len() {
            let mut flipped = proof.path.clone();
            flipped[i].0[0] ^= 8;
            probes.push((with(index, size, flipped), leaf, root));
        }
        if let Some((_, shorter)) = proof.path.split_last() {
            probes.push((with(index, size, shorter.to_vec()), leaf, root));
        }
        for (n, (probe, leaf, root)) in probes.iter().enumerate() {
            assert!(
                probe.verify(leaf, root).is_err(),
                "probe {n} of PATH({index}, D[{size}])"
            );
        }
    }
}

#[test]
fn rfc6962_consistency_proofs_generate_verify_and_reject_corruption() {
    let store = reference_tree();
    for (old, new, expected) in CONSISTENCY {
        let proof = prove_consistency(TreeSize(old), TreeSize(new), &store).expect("prove");
        assert_eq!(proof.path, path(expected), "PROOF({old}, D[{new}])");
        let (root1, root2) = (h(ROOTS[old as usize - 1]), h(ROOTS[new as usize - 1]));
        proof.verify(&root1, &root2).expect("verifies");
        if proof.path.is_empty() {
            continue;
        }
        // The probes of verify_test.go's corruptConsistencyProof.
        let with = |old: u64, new: u64, path: Vec<Hash>| ConsistencyProof {
            old_size: TreeSize(old),
            new_size: TreeSize(new),
            path,
        };
        let p = proof.path.clone();
        let wrong = leaf_hash(b"WrongRoot");
        let mut probes = vec![
            (with(old - 1, new, p.clone()), root1, root2),
            (with(old + 1, new, p.clone()), root1, root2),
            (with(old ^ 2, new, p.clone()), root1, root2),
            (with(old, new * 2, p.clone()), root1, root2),
            (with(old, new / 2, p.clone()), root1, root2),
            (with(old, new, p.clone()), wrong, root2),
            (with(old, new, p.clone()), root1, wrong),
            (with(old, new, p.clone()), root2, root1),
            (with(old, new, vec![]), root1, root2),
            (with(old, new, p[..p.len() - 1].to_vec()), root1, root2),
        ];
        for extra in [root1, root2] {
            let mut extended = p.clone();
            extended.push(extra);
            probes.push((with(old, new, extended), root1, root2));
            let mut preceded = vec![extra];
            preceded.extend(p.iter().copied());
            probes.push((with(old, new, preceded), root1, root2));
        }
        for i in 0..p.len() {
            let mut flipped = p.clone();
            flipped[i].0[0] ^= 16;
            probes.push((with(old, new, flipped), root1, root2));
        }
        for (n, (probe, r1, r2)) in probes.iter().enumerate() {
            assert!(
                probe.verify(r1, r2).is_err(),
                "probe {n} of PROOF({old}, D[{new}])"
            );
        }
    }
}

#[test]
fn consistency_edge_cases_of_verify_test() {
    // verify_test.go's TestVerifyConsistency table, with RFC 6962 roots for the empty tree.
    let (r1, r2) = (leaf_hash(b"don't care 1"), leaf_hash(b"don't care 2"));
    let check = |old, new, a: Hash, b: Hash, path: Vec<Hash>| {
        ConsistencyProof {
            old_size: TreeSize(old),
            new_size: TreeSize(new),
            path,
        }
        .verify(&a, &b)
    };
    assert!(check(1, 1, r1, r2, vec![]).is_err());
    assert!(check(1, 1, r2, r2, vec![]).is_ok());
    assert!(check(0, 0, Hash::EMPTY_TREE, Hash::EMPTY_TREE, vec![]).is_ok());
    assert!(check(0, 1, Hash::EMPTY_TREE, r2, vec![]).is_ok());
    assert!(matches!(
        check(1, 0, r1, r2, vec![]),
        Err(Error::SizeOrder { .. })
    ));
    assert!(matches!(
        check(2, 1, r1, r2, vec![]),
        Err(Error::SizeOrder { .. })
    ));
    assert!(check(1, 2, r1, r2, vec![]).is_err());
    let extra = vec![Hash::EMPTY_TREE];
    assert!(check(0, 0, Hash::EMPTY_TREE, Hash::EMPTY_TREE, extra.clone()).is_err());
    assert!(check(0, 1, Hash::EMPTY_TREE, Hash::EMPTY_TREE, extra.clone()).is_err());
    assert!(check(1, 1, Hash::EMPTY_TREE, Hash::EMPTY_TREE, extra).is_err());
}
