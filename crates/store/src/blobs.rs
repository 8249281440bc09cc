//! The content-addressed blob store: each blob is a file named by the lowercase hex SHA-256 of
//! its bytes, under `<dir>/<first two hex digits>/`.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::StoreError;

/// A directory of immutable blobs keyed by SHA-256 (FIPS 180-4).
#[derive(Debug, Clone)]
pub struct BlobStore {
    dir: PathBuf,
}

/// Lowercase hex SHA-256 of `bytes`: the blob's key.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

impl BlobStore {
    /// Opens (creating if needed) a blob directory.
    ///
    /// Errors: [`StoreError::Io`] if it cannot be created.
    pub fn open(dir: &Path) -> Result<BlobStore, StoreError> {
        fs::create_dir_all(dir).map_err(|e| StoreError::Io(format!("{}: {e}", dir.display())))?;
        Ok(BlobStore {
            dir: dir.to_path_buf(),
        })
    }

    fn path(&self, key: &str) -> Result<PathBuf, StoreError> {
        let valid = key.len() == 64
            && key
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if !valid {
            return Err(StoreError::NotFound);
        }
        Ok(self.dir.join(&key[..2]).join(key))
    }

    /// Stores `bytes` durably (written to a temporary file, fsynced, renamed) and returns its
    /// key. Storing the same bytes twice is a no-op.
    ///
    /// Errors: [`StoreError::Io`].
    pub fn put(&self, bytes: &[u8]) -> Result<String, StoreError> {
        let key = sha256_hex(bytes);
        let path = self.path(&key)?;
        if path.exists() {
            return Ok(key);
        }
        let io = |e: std::io::Error| StoreError::Io(format!("blob {key}: {e}"));
        let parent = path
            .parent()
            .ok_or_else(|| StoreError::Io("blob path has no parent".into()))?;
        fs::create_dir_all(parent).map_err(io)?;
        let mut tmp = tempfile_in(parent, &key).map_err(io)?;
        tmp.1.write_all(bytes).map_err(io)?;
        tmp.1.sync_all().map_err(io)?;
        fs::rename(&tmp.0, &path).map_err(io)?;
        Ok(key)
    }

    /// Reads the blob `key` and checks that its bytes still hash to it.
    ///
    /// Errors: [`StoreError::NotFound`] for an unknown or malformed key, [`StoreError::Corrupt`]
    /// when the file no longer matches its hash.
    pub fn get(&self, key: &str) -> Result<Vec<u8>, StoreError> {
        let path = self.path(key)?;
        let bytes = fs::read(&path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => StoreError::NotFound,
            _ => StoreError::Io(format!("blob {key}: {e}")),
        })?;
        if sha256_hex(&bytes) != key {
            return Err(StoreError::Corrupt(format!(
                "blob {key} does not match its hash"
            )));
        }
        Ok(bytes)
    }
}

fn tempfile_in(dir: &Path, key: &str) -> std::io::Result<(PathBuf, fs::File)> {
    let mut nonce = [0u8; 8];
    getrandom::fill(&mut nonce).map_err(|e| std::io::Error::other(e.to_string()))?;
    let path = dir.join(format!(".{key}.{}.tmp", hex::encode(nonce)));
    let file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)?;
    Ok((path, file))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn put_get_round_trip_and_detects_corruption() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = BlobStore::open(dir.path()).expect("open");
        let key = store.put(b"%PDF-1.7 hello").expect("put");
        assert_eq!(key, sha256_hex(b"%PDF-1.7 hello"));
        assert_eq!(store.get(&key).expect("get"), b"%PDF-1.7 hello");
        assert_eq!(store.put(b"%PDF-1.7 hello").expect("again"), key);
        fs::write(store.path(&key).expect("path"), b"tampered").expect("write");
        assert!(matches!(store.get(&key), Err(StoreError::Corrupt(_))));
    }

    #[test]
    fn rejects_keys_that_are_not_hashes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = BlobStore::open(dir.path()).expect("open");
        for key in ["../../etc/passwd", "", "ABCDEF", &"g".repeat(64)] {
            assert!(matches!(store.get(key), Err(StoreError::NotFound)), "{key}");
        }
    }
}
