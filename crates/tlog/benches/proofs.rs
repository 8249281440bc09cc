//! Proof generation at 10^6 leaves from the in-memory store, reported as a ratio against a
//! reference measured in the same run: SHA-256 node hashing of as many nodes as the proofs
//! hold. Machines differ; the ratio says whether generation costs more than the hashing it
//! cannot avoid. Run with `cargo bench -p sahih-tlog`.
//!
//! A plain `harness = false` main rather than criterion or divan: neither reports one
//! measurement relative to another, which is the figure wanted here, and both would add a
//! dependency tree to build on a 2-core machine for two medians.

use std::hint::black_box;
use std::time::{Duration, Instant};

use sahih_tlog::{
    Hash, LogIndex, MemoryHashStore, TreeSize, leaf_hash, node_hash, prove_consistency,
    prove_inclusion, tree_hash,
};

const LEAVES: u64 = 1_000_000;
const PROOFS_PER_SAMPLE: usize = 2_000;
const SAMPLES: usize = 15;

/// A fixed, spread-out sequence of values below `bound` (a 64-bit LCG).
fn spread(bound: u64) -> impl Iterator<Item = u64> {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    std::iter::repeat_with(move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 11) % bound
    })
}

/// The median of `SAMPLES` runs of `run`.
fn median(mut run: impl FnMut() -> Duration) -> Duration {
    let mut times: Vec<Duration> = (0..SAMPLES).map(|_| run()).collect();
    times.sort();
    times[SAMPLES / 2]
}

/// Hashes `count` nodes, the reference cost.
fn hash_nodes(count: usize) -> Duration {
    let (mut left, right) = (Hash([1; 32]), Hash([2; 32]));
    let start = Instant::now();
    for _ in 0..count {
        left = node_hash(black_box(&left), black_box(&right));
    }
    black_box(left);
    start.elapsed()
}

fn report(name: &str, generate: Duration, reference: Duration, hashes: usize) {
    let per_proof = generate.as_secs_f64() * 1e6 / PROOFS_PER_SAMPLE as f64;
    println!(
        "{name} at {LEAVES} leaves: {:.2}× the time of hashing its {:.1} nodes \
         ({per_proof:.2} µs per proof on this machine)",
        generate.as_secs_f64() / reference.as_secs_f64(),
        hashes as f64 / PROOFS_PER_SAMPLE as f64,
    );
}

fn main() -> Result<(), sahih_tlog::Error> {
    let build = Instant::now();
    let store = MemoryHashStore::from_leaf_hashes((0..LEAVES).map(|i| leaf_hash(&i.to_be_bytes())));
    let size = TreeSize(LEAVES);
    black_box(tree_hash(size, &store)?);
    println!(
        "built a {LEAVES}-leaf tree in {:.2} s",
        build.elapsed().as_secs_f64()
    );

    let indices: Vec<u64> = spread(LEAVES).take(PROOFS_PER_SAMPLE).collect();
    let mut hashes = 0;
    for &index in &indices {
        hashes += prove_inclusion(LogIndex(index), size, &store)?.path.len();
    }
    let generate = median(|| {
        let start = Instant::now();
        for &index in &indices {
            black_box(prove_inclusion(LogIndex(index), size, &store).ok());
        }
        start.elapsed()
    });
    let reference = median(|| hash_nodes(hashes));
    report("inclusion proof", generate, reference, hashes);

    let olds: Vec<u64> = spread(LEAVES - 1)
        .map(|n| n + 1)
        .take(PROOFS_PER_SAMPLE)
        .collect();
    let mut hashes = 0;
    for &old in &olds {
        hashes += prove_consistency(TreeSize(old), size, &store)?.path.len();
    }
    let generate = median(|| {
        let start = Instant::now();
        for &old in &olds {
            black_box(prove_consistency(TreeSize(old), size, &store).ok());
        }
        start.elapsed()
    });
    let reference = median(|| hash_nodes(hashes));
    report("consistency proof", generate, reference, hashes);
    Ok(())
}
