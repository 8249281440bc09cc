//! The verification page's upload cache, so that a visitor can download the signed revisions of
//! the file they just checked without uploading it again.
//!
//! **On disk**, one file per upload named by its SHA-256 (lowercase hex) in the directory
//! [`AppConfig::verification_cache`](super::AppConfig::verification_cache) (`<data>/verify-cache`
//! under `sahih serve`), with the index in memory: at most [`MAX_FILES`] files and [`MAX_BYTES`]
//! bytes, each kept [`KEEP`] after its last upload; the oldest is evicted first. Disk rather
//! than memory, so that a full cache costs no resident memory. The directory is emptied when the
//! cache is first used after a start, so nothing outlives the process's index. A file can be
//! read back only by the sessions that uploaded it: a document's SHA-256 is not a secret (the
//! audit log carries hashes), so the hash alone must not hand out someone else's upload.

use std::collections::VecDeque;
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// Most files kept.
pub(crate) const MAX_FILES: usize = 64;
/// Most bytes kept, all files together.
pub(crate) const MAX_BYTES: u64 = 256 * 1024 * 1024;
/// How long a file is kept after its last upload.
pub(crate) const KEEP: Duration = Duration::from_secs(3600);
/// Most sessions that may read one file (each upload of the same bytes adds its session).
const MAX_OWNERS: usize = 16;

/// The cache's bounds.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub files: usize,
    pub bytes: u64,
    pub keep: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            files: MAX_FILES,
            bytes: MAX_BYTES,
            keep: KEEP,
        }
    }
}

#[derive(Debug)]
struct Entry {
    sha256: String,
    size: u64,
    stored: Instant,
    /// SHA-256 (hex) of the session tokens that uploaded it.
    owners: Vec<String>,
    /// (revision number, length of the signed revision in bytes) of each signature.
    revisions: Vec<(usize, u64)>,
}

#[derive(Debug, Default)]
struct State {
    /// Whether the directory was emptied since the start.
    ready: bool,
    /// Oldest first.
    entries: VecDeque<Entry>,
    bytes: u64,
}

/// The bounded cache of verified uploads (see the module documentation).
#[derive(Debug)]
pub(crate) struct VerificationCache {
    dir: PathBuf,
    limits: Limits,
    state: Mutex<State>,
}

fn valid_key(sha256: &str) -> bool {
    sha256.len() == 64
        && sha256
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl VerificationCache {
    /// A cache in `dir` with the default limits; nothing is touched until first use.
    pub(crate) fn new(dir: PathBuf) -> VerificationCache {
        VerificationCache::with_limits(dir, Limits::default())
    }

    pub(crate) fn with_limits(dir: PathBuf, limits: Limits) -> VerificationCache {
        VerificationCache {
            dir,
            limits,
            state: Mutex::new(State::default()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn path(&self, sha256: &str) -> PathBuf {
        self.dir.join(sha256)
    }

    /// Empties the directory on first use after a start (files of an earlier run have no index).
    fn ready(&self) -> io::Result<()> {
        let mut state = self.lock();
        if !state.ready {
            match fs::remove_dir_all(&self.dir) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                _ => {}
            }
            fs::create_dir_all(&self.dir)?;
            state.ready = true;
        }
        Ok(())
    }

    /// Drops what has been kept too long, then the oldest until within the limits.
    fn evict(&self, state: &mut State, now: Instant) {
        while let Some(front) = state.entries.front() {
            let expired = now.saturating_duration_since(front.stored) >= self.limits.keep;
            let over = state.entries.len() > self.limits.files || state.bytes > self.limits.bytes;
            if !(expired || over) {
                break;
            }
            if let Some(old) = state.entries.pop_front() {
                state.bytes = state.bytes.saturating_sub(old.size);
                let _ = fs::remove_file(self.path(&old.sha256));
            }
        }
        // Entries are in upload order, so an expired one behind a fresh one cannot exist.
    }

    /// Keeps `bytes` (whose SHA-256 is `sha256`) for the session `owner`, with the signed
    /// revisions its report found. Returns whether it is kept: a file larger than the whole
    /// cache is not.
    ///
    /// Errors: the file system's.
    pub(crate) fn put(
        &self,
        sha256: &str,
        bytes: &[u8],
        owner: &str,
        revisions: Vec<(usize, u64)>,
    ) -> io::Result<bool> {
        let size = bytes.len() as u64;
        if !valid_key(sha256) || owner.is_empty() || size > self.limits.bytes {
            return Ok(false);
        }
        self.ready()?;
        let now = Instant::now();
        if self.refresh(sha256, owner, &revisions, now) {
            return Ok(true);
        }
        // Written outside the lock under a name of its own, then renamed into place.
        let tmp = write_temporary(&self.dir, sha256, bytes)?;
        let mut state = self.lock();
        if state.entries.iter().any(|e| e.sha256 == sha256) {
            // Another upload of the same bytes won the race; this copy is not needed.
            let _ = fs::remove_file(&tmp);
            drop(state);
            return Ok(self.refresh(sha256, owner, &revisions, now));
        }
        if let Err(e) = fs::rename(&tmp, self.path(sha256)) {
            let _ = fs::remove_file(&tmp);
            return Err(e);
        }
        state.entries.push_back(Entry {
            sha256: sha256.to_string(),
            size,
            stored: now,
            owners: vec![owner.to_string()],
            revisions,
        });
        state.bytes += size;
        self.evict(&mut state, now);
        Ok(state.entries.iter().any(|e| e.sha256 == sha256))
    }

    /// Moves a file already kept to the back, fresh, with `owner` among its readers.
    fn refresh(&self, sha256: &str, owner: &str, revisions: &[(usize, u64)], now: Instant) -> bool {
        let mut state = self.lock();
        self.evict(&mut state, now);
        let Some(at) = state.entries.iter().position(|e| e.sha256 == sha256) else {
            return false;
        };
        let Some(mut entry) = state.entries.remove(at) else {
            return false;
        };
        if !entry.owners.iter().any(|o| o == owner) {
            if entry.owners.len() >= MAX_OWNERS {
                entry.owners.remove(0);
            }
            entry.owners.push(owner.to_string());
        }
        entry.stored = now;
        entry.revisions = revisions.to_vec();
        state.entries.push_back(entry);
        true
    }

    /// The signed revision `revision` of the file `sha256`, for a session that uploaded it:
    /// `None` when the file was evicted, was never uploaded by `owner`, or has no signature
    /// covering that revision.
    ///
    /// Errors: the file system's, other than a file gone missing.
    pub(crate) fn revision(
        &self,
        sha256: &str,
        revision: usize,
        owner: &str,
    ) -> io::Result<Option<Vec<u8>>> {
        let length = {
            let mut state = self.lock();
            self.evict(&mut state, Instant::now());
            let found = state
                .entries
                .iter()
                .find(|e| e.sha256 == sha256 && e.owners.iter().any(|o| o == owner));
            match found.and_then(|e| e.revisions.iter().find(|(r, _)| *r == revision)) {
                Some((_, length)) if !owner.is_empty() => *length,
                _ => return Ok(None),
            }
        };
        read_prefix(&self.path(sha256), length)
    }
}

fn write_temporary(dir: &Path, sha256: &str, bytes: &[u8]) -> io::Result<PathBuf> {
    let mut nonce = [0u8; 8];
    getrandom::fill(&mut nonce).map_err(|e| io::Error::other(e.to_string()))?;
    let tmp = dir.join(format!(".{sha256}.{}.tmp", hex::encode(nonce)));
    let written = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp)
        .and_then(|mut f| f.write_all(bytes));
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    Ok(tmp)
}

/// The first `length` bytes of the file at `path`; `None` if it is gone or shorter.
fn read_prefix(path: &Path, length: u64) -> io::Result<Option<Vec<u8>>> {
    let file = match fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let mut out = Vec::new();
    file.take(length).read_to_end(&mut out)?;
    Ok((out.len() as u64 == length).then_some(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: u8) -> String {
        format!("{n:02x}").repeat(32)
    }

    fn cache(dir: &Path, files: usize, bytes: u64, keep: Duration) -> VerificationCache {
        VerificationCache::with_limits(dir.join("cache"), Limits { files, bytes, keep })
    }

    #[test]
    fn a_kept_file_gives_its_signed_revisions_to_its_uploader_only() {
        let dir = tempfile::tempdir().expect("tempdir");
        let c = cache(dir.path(), 4, 1024, KEEP);
        let pdf = b"%PDF-rev1|rev2|".to_vec();
        assert!(c.put(&key(1), &pdf, "alice", vec![(1, 10)]).expect("put"));
        assert_eq!(
            c.revision(&key(1), 1, "alice").expect("read"),
            Some(pdf[..10].to_vec())
        );
        assert_eq!(c.revision(&key(1), 1, "mallory").expect("read"), None);
        assert_eq!(c.revision(&key(1), 1, "").expect("read"), None);
        assert_eq!(c.revision(&key(1), 2, "alice").expect("read"), None);
        // Uploading the same bytes again lets the second uploader read them too.
        assert!(c.put(&key(1), &pdf, "bob", vec![(1, 10)]).expect("put"));
        assert!(c.revision(&key(1), 1, "bob").expect("read").is_some());
        assert!(c.revision(&key(1), 1, "alice").expect("read").is_some());
    }

    #[test]
    fn the_oldest_file_goes_first_by_count_and_by_size() {
        let dir = tempfile::tempdir().expect("tempdir");
        let c = cache(dir.path(), 2, 25, KEEP);
        for n in 1..=3 {
            assert!(
                c.put(&key(n), b"0123456789", "a", vec![(1, 4)])
                    .expect("put")
            );
        }
        assert_eq!(c.revision(&key(1), 1, "a").expect("read"), None, "evicted");
        assert!(c.revision(&key(2), 1, "a").expect("read").is_some());
        assert!(
            !dir.path().join("cache").join(key(1)).exists(),
            "file removed"
        );
        // 10 + 10 + 10 bytes exceed 25: the oldest goes even though the count would allow it.
        let c = cache(dir.path(), 10, 25, KEEP);
        for n in 4..=6 {
            c.put(&key(n), b"0123456789", "a", vec![(1, 4)])
                .expect("put");
        }
        assert_eq!(c.revision(&key(4), 1, "a").expect("read"), None);
        assert!(c.revision(&key(6), 1, "a").expect("read").is_some());
        assert!(
            !c.put(&key(7), &[0u8; 26], "a", vec![(1, 4)]).expect("put"),
            "larger than the whole cache"
        );
    }

    #[test]
    fn files_expire_and_a_new_start_begins_empty() {
        let dir = tempfile::tempdir().expect("tempdir");
        let c = cache(dir.path(), 4, 1024, Duration::ZERO);
        c.put(&key(1), b"0123456789", "a", vec![(1, 4)])
            .expect("put");
        assert_eq!(c.revision(&key(1), 1, "a").expect("read"), None, "expired");
        let c = cache(dir.path(), 4, 1024, KEEP);
        c.put(&key(2), b"0123456789", "a", vec![(1, 4)])
            .expect("put");
        let stale = dir.path().join("cache").join(key(2));
        assert!(stale.exists());
        let restarted = cache(dir.path(), 4, 1024, KEEP);
        restarted
            .put(&key(3), b"abcdefghij", "a", vec![(1, 4)])
            .expect("put");
        assert!(!stale.exists(), "an earlier run's files are removed");
        assert_eq!(restarted.revision(&key(2), 1, "a").expect("read"), None);
    }
}
