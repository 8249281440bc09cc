//! `MANIFEST.json`, the last file a backup writes: what the backup is (backend, time, sahih
//! version, migration level, the log as of the snapshot) and the SHA-256 of every other file.
//! A restore reads it first and checks every file against it before writing anything.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;

use serde::{Deserialize, Serialize};

use super::BackupError;
use super::files::sha256_file;

/// The manifest's file name in a backup directory.
pub const FILE: &str = "MANIFEST.json";

/// The manifest's `format`.
pub const FORMAT: &str = "sahih-backup/1";

/// The top-level directories of a backup.
pub const PARTS: [&str; 4] = ["database", "blobs", "data", "certs"];

/// The manifest of one backup.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    /// [`FORMAT`].
    pub format: String,
    /// `sqlite` or `postgres`.
    pub backend: String,
    /// When the snapshot was taken, RFC 3339, UTC.
    pub created_at: String,
    /// The version of the `sahih` that wrote it.
    pub sahih_version: String,
    /// The last migration applied to the database (diesel's version, e.g. `20261129000013`).
    pub migration: Option<String>,
    /// Its name, e.g. `2026-11-29-000013_blobs`, when this binary knew it.
    pub migration_name: Option<String>,
    /// The transparency log as of the snapshot.
    pub log: LogFacts,
    /// The PostgreSQL server and `pg_dump` versions (PostgreSQL backups only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postgres: Option<PostgresFacts>,
    /// Every other file of the backup, by its `/`-separated path: its lowercase hex SHA-256.
    pub files: BTreeMap<String, String>,
}

/// The log as of the snapshot.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LogFacts {
    /// Its tree size.
    pub tree_size: u64,
    /// Its latest signed checkpoint.
    pub checkpoint: Option<String>,
    /// The verifier key of its checkpoints.
    pub verifier_key: Option<String>,
}

/// Which PostgreSQL made a PostgreSQL backup.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PostgresFacts {
    /// The server's version, e.g. `15.20`.
    pub server_version: String,
    /// `pg_dump`'s version, e.g. `15.20`: `pg_restore` must be at least as new (its major).
    pub pg_dump_version: String,
}

impl Manifest {
    /// The manifest as written: pretty JSON and a newline.
    pub fn to_bytes(&self) -> anyhow::Result<Vec<u8>> {
        let mut out = serde_json::to_vec_pretty(self)?;
        out.push(b'\n');
        Ok(out)
    }
}

/// Whether `relative` is a path a backup may hold: `/`-separated plain names under one of
/// [`PARTS`]; nothing that climbs out (`..`), nothing absolute, no hidden names.
fn is_valid_path(relative: &str) -> bool {
    let segments: Vec<&str> = relative.split('/').collect();
    segments.len() >= 2
        && PARTS.contains(&segments[0])
        && segments
            .iter()
            .all(|s| !s.is_empty() && !s.starts_with('.') && !s.contains(['\\', '\0']))
}

/// Reads `dir/MANIFEST.json` and checks the backup against it: every file it lists is there
/// with its SHA-256, and there is no other file.
///
/// Errors: [`BackupError::Manifest`] (missing, unreadable, another format, a path outside the
/// backup), [`BackupError::Tampered`] (a file changed, missing, added, or not a regular file).
pub fn read_verified(dir: &Path) -> anyhow::Result<Manifest> {
    let path = dir.join(FILE);
    let text = match std::fs::read(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(BackupError::Manifest(format!(
                "no {FILE} in {}: not a sahih backup, or one that did not finish",
                dir.display()
            ))
            .into());
        }
        Err(e) => {
            return Err(anyhow::Error::new(e).context(format!("reading {}", path.display())));
        }
    };
    let manifest: Manifest = serde_json::from_slice(&text)
        .map_err(|e| BackupError::Manifest(format!("{}: {e}", path.display())))?;
    if manifest.format != FORMAT {
        return Err(BackupError::Manifest(format!(
            "{}: format {:?}, this sahih reads {FORMAT:?}",
            path.display(),
            manifest.format
        ))
        .into());
    }
    if let Some(bad) = manifest.files.keys().find(|p| !is_valid_path(p)) {
        return Err(BackupError::Manifest(format!(
            "{}: {bad:?} is not a path inside a backup",
            path.display()
        ))
        .into());
    }
    check_files(dir, &manifest)?;
    Ok(manifest)
}

fn check_files(dir: &Path, manifest: &Manifest) -> anyhow::Result<()> {
    let mut present = BTreeMap::new();
    let mut problems = Vec::new();
    contents(dir, "", &mut present, &mut problems)?;
    for relative in present.keys() {
        if !manifest.files.contains_key(relative) {
            problems.push(format!("{relative} is not in the manifest"));
        }
    }
    for (relative, want) in &manifest.files {
        match present.get(relative) {
            None => problems.push(format!("{relative} is missing")),
            Some(path) if &sha256_file(path)? != want => {
                problems.push(format!("{relative} does not match its SHA-256"));
            }
            Some(_) => {}
        }
    }
    if problems.is_empty() {
        return Ok(());
    }
    let more = problems.len().saturating_sub(5);
    problems.truncate(5);
    if more > 0 {
        problems.push(format!("and {more} more"));
    }
    Err(BackupError::Tampered(problems.join("; ")).into())
}

/// The regular files under `dir/prefix`, by their `/`-separated path, into `files`; anything
/// else (a link, a device, a top-level file besides the manifest, a top-level directory
/// besides [`PARTS`]) into `problems`.
fn contents(
    dir: &Path,
    prefix: &str,
    files: &mut BTreeMap<String, PathBuf>,
    problems: &mut Vec<String>,
) -> anyhow::Result<()> {
    let here = dir.join(prefix);
    let entries = std::fs::read_dir(&here)
        .and_then(|e| e.collect::<Result<Vec<_>, _>>())
        .with_context(|| format!("reading {}", here.display()))?;
    for entry in entries {
        let relative = format!("{prefix}{}", entry.file_name().to_string_lossy());
        let kind = entry
            .file_type()
            .with_context(|| format!("reading {}", entry.path().display()))?;
        let top = prefix.is_empty();
        if kind.is_dir() && (!top || PARTS.contains(&relative.as_str())) {
            contents(dir, &format!("{relative}/"), files, problems)?;
        } else if kind.is_file() && !top {
            files.insert(relative, entry.path());
        } else if !(kind.is_file() && relative == FILE) {
            problems.push(format!("{relative} is not part of a backup"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_inside_the_backup() {
        for ok in [
            "database/sahih.db",
            "blobs/ab/abcd",
            "data/log-signing.key",
            "certs/ca.pem",
        ] {
            assert!(is_valid_path(ok), "{ok}");
        }
        for bad in [
            "../etc/passwd",
            "data/../../x",
            "/etc/passwd",
            "database",
            "other/x",
            "data//x",
            "data/./x",
            "certs/a\\b",
            "",
        ] {
            assert!(!is_valid_path(bad), "{bad}");
        }
    }
}
