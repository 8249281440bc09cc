//! The transparency log on SQLite: how many durable, sequenced leaves per second, and how long
//! an inclusion proof takes at 10^6 leaves from the stored tiles. Printed beside Tessera's
//! published figure (about 2,900 entries/s on a 12-core VM with local disk, no antispam) as a
//! ratio; machines differ, so nothing here passes or fails. Run with
//! `cargo bench -p sahih-store --bench log`; docs/performance.md keeps the last table.
//!
//! A plain `harness = false` main, like sahih-tlog's proof benchmark: each figure is one
//! end-to-end run or a median, and criterion or divan would add a dependency tree for that.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use sahih_store::Store;
use sahih_store::log::leaf::{Verdict, VerificationLeaf, VerificationSource};
use sahih_store::log::{SEQUENCER_BATCH, Sequencer};
use sahih_tlog::{
    Checkpoint, LogIndex, MemoryHashStore, SignerKey, TreeSize, leaf_hash, prove_inclusion,
};

/// Tessera's published append rate, entries per second (12-core VM, local disk, no antispam).
const TESSERA_PER_SECOND: f64 = 2_900.0;
const EVENTS: usize = 20_000;
const PROOF_LEAVES: u64 = 1_000_000;
const PROOFS_PER_SAMPLE: usize = 2_000;
const SAMPLES: usize = 15;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn fresh(dir: &tempfile::TempDir, full_sync: bool) -> Result<Store> {
    let mut url = format!("sqlite://{}", dir.path().join("sahih.db").display());
    if full_sync {
        url.push_str("?synchronous=full");
    }
    Ok(Store::open(&url, &dir.path().join("blobs"))?)
}

fn key() -> Result<Arc<SignerKey>> {
    Ok(Arc::new(SignerKey::from_seed("sahih.bench/log", &[7; 32])?))
}

fn size_of(note: &str) -> Result<u64> {
    let text = sahih_tlog::note::parse(note)?.text;
    Ok(Checkpoint::parse(&text)?.size().0)
}

/// `writers` threads each commit their share of [`EVENTS`] verification leaves, one durable
/// transaction per leaf (synced to disk at each commit with `full_sync`), while the service's
/// sequencer runs; timed until a signed checkpoint covers them all. Returns leaves per second.
fn append_and_sequence(writers: usize, full_sync: bool) -> Result<f64> {
    let dir = tempfile::tempdir()?;
    let store = fresh(&dir, full_sync)?;
    let key = key()?;
    store.log_sequence_all(&key, SEQUENCER_BATCH)?;
    let sequencer = Sequencer::spawn(store.clone(), key.clone())?;
    let start = Instant::now();
    std::thread::scope(|s| -> Result<()> {
        let handles: Vec<_> = (0..writers)
            .map(|w| {
                let store = &store;
                s.spawn(move || {
                    for i in (w..EVENTS).step_by(writers) {
                        let mut sha256 = [0u8; 32];
                        sha256[..8].copy_from_slice(&(i as u64).to_be_bytes());
                        store.log_verification(&VerificationLeaf {
                            time: 0,
                            sha256,
                            verdict: Verdict::TotalPassed,
                            source: VerificationSource::Api,
                        })?;
                    }
                    Ok::<_, sahih_store::StoreError>(())
                })
            })
            .collect();
        for h in handles {
            h.join().map_err(|_| "writer panicked")??;
        }
        Ok(())
    })?;
    let committed = start.elapsed();
    while size_of(&store.log_checkpoint()?.unwrap_or_default()).unwrap_or(0) < EVENTS as u64 {
        std::thread::sleep(Duration::from_millis(1));
    }
    let sequenced = start.elapsed();
    drop(sequencer);
    println!(
        "  {writers:>2} writers, synchronous={}: {EVENTS} leaves committed in {:.2} s, in a \
         checkpoint after {:.2} s",
        if full_sync { "FULL" } else { "NORMAL" },
        committed.as_secs_f64(),
        sequenced.as_secs_f64()
    );
    Ok(EVENTS as f64 / sequenced.as_secs_f64())
}

/// Appends `count` small raw leaves as pending, in transactions of 100,000.
fn bulk_pending(store: &Store, count: u64) -> Result<()> {
    let mut next = 0u64;
    while next < count {
        let end = (next + 100_000).min(count);
        let entries: Vec<Vec<u8>> = (next..end).map(|i| i.to_be_bytes().to_vec()).collect();
        store.log_append_raw_for_bench(&entries)?;
        next = end;
    }
    Ok(())
}

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

fn median(mut run: impl FnMut() -> Result<Duration>) -> Result<Duration> {
    let mut times = (0..SAMPLES).map(|_| run()).collect::<Result<Vec<_>>>()?;
    times.sort();
    Ok(times[SAMPLES / 2])
}

/// Sequences 10^6 leaves, then times inclusion proofs from the stored tiles (one read
/// transaction each) against proofs from an in-memory tree. Returns (leaves sequenced per
/// second, µs per proof from tiles, µs per proof in memory).
fn proofs_at_a_million() -> Result<(f64, f64, f64)> {
    let dir = tempfile::tempdir()?;
    let store = fresh(&dir, false)?;
    let key = key()?;
    bulk_pending(&store, PROOF_LEAVES)?;
    let start = Instant::now();
    store.log_sequence_all(&key, SEQUENCER_BATCH)?;
    let rate = PROOF_LEAVES as f64 / start.elapsed().as_secs_f64();
    let indices: Vec<u64> = spread(PROOF_LEAVES).take(PROOFS_PER_SAMPLE).collect();
    let (proof, note) = store.log_inclusion_proof(LogIndex(indices[0]))?;
    let root = Checkpoint::parse(&sahih_tlog::note::parse(&note)?.text)?.root();
    proof.verify(&leaf_hash(&indices[0].to_be_bytes()), &root)?;
    let from_tiles = median(|| {
        let start = Instant::now();
        for &i in &indices {
            black_box(store.log_inclusion_proof(LogIndex(i))?);
        }
        Ok(start.elapsed())
    })?;
    let memory =
        MemoryHashStore::from_leaf_hashes((0..PROOF_LEAVES).map(|i| leaf_hash(&i.to_be_bytes())));
    let in_memory = median(|| {
        let start = Instant::now();
        for &i in &indices {
            black_box(prove_inclusion(
                LogIndex(i),
                TreeSize(PROOF_LEAVES),
                &memory,
            )?);
        }
        Ok(start.elapsed())
    })?;
    let per = |d: Duration| d.as_secs_f64() * 1e6 / PROOFS_PER_SAMPLE as f64;
    Ok((rate, per(from_tiles), per(in_memory)))
}

fn main() -> Result<()> {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    println!("transparency log on SQLite (WAL), {cores} cores");
    let mut rows = Vec::new();
    for full_sync in [false, true] {
        for writers in [1, 4, 16] {
            let rate = append_and_sequence(writers, full_sync)?;
            let sync = if full_sync { "FULL" } else { "NORMAL" };
            rows.push((
                format!("append + sequence, {writers} writers, synchronous={sync}"),
                rate,
            ));
        }
    }
    let (rate, tiles_us, memory_us) = proofs_at_a_million()?;
    rows.push((
        "sequence only, 10^6 pending leaves (batches of 4,096), synchronous=NORMAL".into(),
        rate,
    ));
    println!();
    println!("| workload | leaves/s | ÷ Tessera's 2,900/s |");
    println!("|---|---|---|");
    for (name, rate) in &rows {
        println!("| {name} | {rate:.0} | {:.2}× |", rate / TESSERA_PER_SECOND);
    }
    println!();
    println!("| inclusion proof at 10^6 leaves | µs per proof |");
    println!("|---|---|");
    println!("| from the stored tiles (one read transaction) | {tiles_us:.1} |");
    println!("| from an in-memory tree (sahih-tlog, reference) | {memory_us:.1} |");
    Ok(())
}
