//! The content-addressed blob store, keyed by the lowercase hex SHA-256 of each blob's bytes:
//! files under `<dir>/<first two hex digits>/` with SQLite (one node), rows of the `blobs` table
//! with PostgreSQL (DESIGN.md decision 6: nodes share nothing but the database).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use diesel::prelude::*;
use sha2::{Digest, Sha256};

use crate::StoreError;
use crate::dialect::{DbConnection, DbPool, is_unique_violation};
use crate::schema::blobs;

/// Immutable blobs keyed by SHA-256 (FIPS 180-4): in a directory, or in the database.
#[derive(Clone)]
pub struct BlobStore {
    place: Place,
}

#[derive(Clone)]
enum Place {
    Dir(PathBuf),
    Database(DbPool),
}

impl std::fmt::Debug for BlobStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.place {
            Place::Dir(dir) => f.debug_struct("BlobStore").field("dir", dir).finish(),
            Place::Database(_) => f
                .debug_struct("BlobStore")
                .field("dir", &"(database)")
                .finish(),
        }
    }
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
            place: Place::Dir(dir.to_path_buf()),
        })
    }

    /// Blobs in the `blobs` table of the pool's database (migration 000013).
    pub fn database(pool: DbPool) -> BlobStore {
        BlobStore {
            place: Place::Database(pool),
        }
    }

    /// The directory of the blob files, or `None` when blobs live in the database.
    pub fn dir(&self) -> Option<&Path> {
        match &self.place {
            Place::Dir(dir) => Some(dir),
            Place::Database(_) => None,
        }
    }

    fn path(dir: &Path, key: &str) -> Result<PathBuf, StoreError> {
        check_key(key)?;
        Ok(dir.join(&key[..2]).join(key))
    }

    /// Stores `bytes` durably and returns its key: a file written to a temporary name, fsynced
    /// and renamed; or a row committed to the database. Storing the same bytes twice is a
    /// no-op.
    ///
    /// Errors: [`StoreError::Io`], [`StoreError::Db`], [`StoreError::Connect`].
    pub fn put(&self, bytes: &[u8]) -> Result<String, StoreError> {
        let key = sha256_hex(bytes);
        let dir = match &self.place {
            Place::Dir(dir) => dir,
            Place::Database(pool) => {
                put_row(pool, &key, bytes)?;
                return Ok(key);
            }
        };
        let path = Self::path(dir, &key)?;
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
        let bytes = match &self.place {
            Place::Dir(dir) => {
                let path = Self::path(dir, key)?;
                fs::read(&path).map_err(|e| match e.kind() {
                    std::io::ErrorKind::NotFound => StoreError::NotFound,
                    _ => StoreError::Io(format!("blob {key}: {e}")),
                })?
            }
            Place::Database(pool) => get_row(pool, key)?,
        };
        if sha256_hex(&bytes) != key {
            return Err(StoreError::Corrupt(format!(
                "blob {key} does not match its hash"
            )));
        }
        Ok(bytes)
    }
}

/// The blob store as seen from inside one transaction: what the transaction's own work stores
/// (the signed PDF of a signature) goes through the transaction's connection on PostgreSQL, so
/// the row commits or rolls back with the rest, and storing it never waits for a second
/// connection of the pool (which the other signers, queued behind this transaction's locks,
/// may all be holding). With blob files (SQLite) it is [`BlobStore::put`].
pub struct TxBlobs<'t> {
    blobs: &'t BlobStore,
    conn: &'t mut DbConnection,
}

impl std::fmt::Debug for TxBlobs<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TxBlobs")
            .field("blobs", self.blobs)
            .finish_non_exhaustive()
    }
}

impl<'t> TxBlobs<'t> {
    pub(crate) fn new(blobs: &'t BlobStore, conn: &'t mut DbConnection) -> TxBlobs<'t> {
        TxBlobs { blobs, conn }
    }

    /// Stores `bytes` and returns its key (lowercase hex SHA-256), as [`BlobStore::put`]; in the
    /// database, inside the transaction.
    ///
    /// Errors: [`StoreError::Io`], [`StoreError::Db`].
    pub fn put(&mut self, bytes: &[u8]) -> Result<String, StoreError> {
        match &self.blobs.place {
            Place::Dir(_) => self.blobs.put(bytes),
            Place::Database(_) => {
                let key = sha256_hex(bytes);
                let size = i64::try_from(bytes.len())
                    .map_err(|_| StoreError::Io("blob too large".into()))?;
                crate::dialect::insert_blob(self.conn, &key, bytes, size, crate::now())?;
                Ok(key)
            }
        }
    }
}

/// A key is 64 lowercase hex digits; anything else names no blob.
fn check_key(key: &str) -> Result<(), StoreError> {
    let valid = key.len() == 64
        && key
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if valid {
        Ok(())
    } else {
        Err(StoreError::NotFound)
    }
}

fn put_row(pool: &DbPool, key: &str, bytes: &[u8]) -> Result<(), StoreError> {
    let mut conn = pool.get()?;
    let exists = blobs::table
        .find(key)
        .select(blobs::size)
        .first::<i64>(&mut *conn)
        .optional()?
        .is_some();
    if exists {
        return Ok(());
    }
    let size = i64::try_from(bytes.len()).map_err(|_| StoreError::Io("blob too large".into()))?;
    let inserted = diesel::insert_into(blobs::table)
        .values((
            blobs::sha256.eq(key),
            blobs::data.eq(bytes),
            blobs::size.eq(size),
            blobs::created_at.eq(crate::now()),
        ))
        .execute(&mut *conn);
    match inserted {
        // Another node stored the same bytes meanwhile: the same blob.
        Err(e) if is_unique_violation(&e) => Ok(()),
        other => other.map(|_| ()).map_err(StoreError::from),
    }
}

fn get_row(pool: &DbPool, key: &str) -> Result<Vec<u8>, StoreError> {
    check_key(key)?;
    let mut conn = pool.get()?;
    blobs::table
        .find(key)
        .select(blobs::data)
        .first::<Vec<u8>>(&mut *conn)
        .optional()?
        .ok_or(StoreError::NotFound)
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
        fs::write(
            BlobStore::path(dir.path(), &key).expect("path"),
            b"tampered",
        )
        .expect("write");
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
