//! `sahih backup --to DIR`: the database snapshot first (its facts are the manifest's), then
//! the blob files (SQLite), the data directory's keys and the certificates directory, then the
//! manifest, written last: a backup without one did not finish, and restore refuses it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use sahih_store::Backend;
use sahih_store::backup::Snapshot;
use zeroize::Zeroizing;

use super::files::{self, Written};
use super::manifest::{self, LogFacts, Manifest, PostgresFacts};
use super::{BackupError, Instance, pgtools};

/// Directories of the data directory that are not backed up from it: the blob files (copied
/// as the SQLite snapshot's, under `blobs/`; unused with PostgreSQL) and a cache.
const NOT_FROM_DATA: [&str; 2] = ["blobs", "verify-cache"];

pub(super) fn backup(instance: &Instance, to: &Path) -> anyhow::Result<()> {
    let backend = Backend::from_url(&instance.database)?;
    let log_key = verifier_key_of(&instance.data)?;
    if !instance.certs.is_dir() {
        return Err(BackupError::Source(format!(
            "no certificates directory at {}: give the instance's --certs",
            instance.certs.display()
        ))
        .into());
    }
    if !files::is_absent_or_empty(to)? {
        return Err(BackupError::TargetNotEmpty(to.to_path_buf()).into());
    }
    let mut written = Written::default();
    written.mkdir_all(to)?;
    files::make_private_dir(to)?;
    let mut hashes = BTreeMap::new();
    let (snapshot, postgres) = match &backend {
        Backend::Sqlite { path, .. } => {
            let snapshot = sqlite(&mut written, Path::new(path), to, &mut hashes)?;
            copy_blobs(&mut written, &instance.data.join("blobs"), to, &mut hashes)?;
            (snapshot, None)
        }
        Backend::Postgres { url } => {
            let (snapshot, facts) = postgres(
                &mut written,
                url,
                instance.pg_bin.as_deref(),
                to,
                &mut hashes,
            )?;
            (snapshot, Some(facts))
        }
    };
    if let Some(stored) = &snapshot.verifier_key
        && *stored != log_key
    {
        return Err(anyhow::Error::new(sahih_store::StoreError::LogKeyMismatch {
            stored: stored.clone(),
            given: log_key,
        })
        .context(format!(
            "{} is not this database's data directory",
            instance.data.display()
        )));
    }
    let skip = data_skip(&backend, &instance.data, to);
    copy_tree(
        &mut written,
        &instance.data,
        &to.join("data"),
        "data",
        &skip,
        &mut hashes,
    )?;
    let in_backup = canonical(to);
    copy_tree(
        &mut written,
        &instance.certs,
        &to.join("certs"),
        "certs",
        &|p: &Path| canonical(p) == in_backup,
        &mut hashes,
    )?;
    let manifest = manifest_of(&backend, snapshot, postgres, hashes)?;
    let bytes = manifest.to_bytes()?;
    let path = to.join(manifest::FILE);
    written.track(&path);
    crate::logkey::write_private(&path, &bytes)?;
    std::fs::File::open(to)
        .and_then(|d| d.sync_all())
        .with_context(|| format!("syncing {}", to.display()))?;
    written.keep();
    report(to, &manifest, &bytes);
    Ok(())
}

/// The verifier key of `data/log-signing.key`.
fn verifier_key_of(data: &Path) -> anyhow::Result<String> {
    let path = data.join(crate::logkey::KEY_FILE);
    if !path.is_file() {
        return Err(BackupError::Source(format!(
            "no {} in {}: give the instance's --data (with PostgreSQL, the data directory of \
             one of its nodes)",
            crate::logkey::KEY_FILE,
            data.display()
        ))
        .into());
    }
    let text = Zeroizing::new(
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?,
    );
    let key = sahih_tlog::SignerKey::parse(text.trim_end())
        .with_context(|| format!("{} does not hold a log signing key", path.display()))?;
    Ok(key.verifier_key().to_string())
}

/// `VACUUM INTO DIR/database/sahih.db`.
fn sqlite(
    written: &mut Written,
    path: &Path,
    to: &Path,
    hashes: &mut BTreeMap<String, String>,
) -> anyhow::Result<Snapshot> {
    let dest = to.join("database").join("sahih.db");
    written.mkdir_all(&to.join("database"))?;
    written.track(&dest);
    let snapshot = sahih_store::backup::sqlite_snapshot(path, &dest)?;
    files::make_private(&dest)?;
    hashes.insert("database/sahih.db".into(), files::sha256_file(&dest)?);
    Ok(snapshot)
}

/// `pg_dump --format=custom --snapshot=…` into `DIR/database/sahih.pgdump`, after checking
/// that pg_dump is at least as new as the server.
fn postgres(
    written: &mut Written,
    url: &str,
    pg_bin: Option<&Path>,
    to: &Path,
    hashes: &mut BTreeMap<String, String>,
) -> anyhow::Result<(Snapshot, PostgresFacts)> {
    let tool = pgtools::find("pg_dump", pg_bin)?;
    let server = sahih_store::backup::postgres_server_version(url)?;
    let server_version = format!("{}.{}", server / 10000, server % 10000);
    let tool = tool.at_least(server / 10000, &format!("the server ({server_version})"))?;
    let dest = to.join("database").join("sahih.pgdump");
    written.mkdir_all(&to.join("database"))?;
    written.track(&dest);
    let (snapshot, ()) = sahih_store::backup::postgres_snapshot(url, |id, _| {
        tool.run(
            url,
            &[
                "--format=custom".as_ref(),
                "--snapshot".as_ref(),
                id.as_ref(),
                "--file".as_ref(),
                dest.as_os_str(),
            ],
        )
        .map(|_| ())
        .map_err(anyhow::Error::from)
    })?;
    files::make_private(&dest)?;
    hashes.insert("database/sahih.pgdump".into(), files::sha256_file(&dest)?);
    let facts = PostgresFacts {
        server_version,
        pg_dump_version: tool.version,
    };
    Ok((snapshot, facts))
}

/// The blob files, after the snapshot: blobs are written before the rows that name them commit
/// and never removed, so every blob the snapshot names is there. A blob whose bytes no longer
/// match its name is copied as it is, with a warning (the store reports it when read).
fn copy_blobs(
    written: &mut Written,
    blobs: &Path,
    to: &Path,
    hashes: &mut BTreeMap<String, String>,
) -> anyhow::Result<()> {
    for found in files::walk(blobs, &|_| false)? {
        let Some((_, key)) = found.relative.split_once('/') else {
            continue;
        };
        if key.len() != 64 || !key.bytes().all(|b| b.is_ascii_hexdigit()) {
            continue;
        }
        let relative = format!("blobs/{}", found.relative);
        let hash = written.copy(&found.path, &to.join(&relative))?;
        if hash != key {
            eprintln!(
                "sahih: warning: blob {} does not match its hash (E_STORAGE_CORRUPT); copied as it is",
                found.path.display()
            );
        }
        hashes.insert(relative, hash);
    }
    Ok(())
}

/// Copies every file under `from` (but those `skip` names) to `to`, as `part/…` in `hashes`.
fn copy_tree(
    written: &mut Written,
    from: &Path,
    to: &Path,
    part: &str,
    skip: &dyn Fn(&Path) -> bool,
    hashes: &mut BTreeMap<String, String>,
) -> anyhow::Result<()> {
    for found in files::walk(from, skip)? {
        let hash = written.copy(&found.path, &to.join(&found.relative))?;
        hashes.insert(format!("{part}/{}", found.relative), hash);
    }
    Ok(())
}

/// What of the data directory is not copied from it: [`NOT_FROM_DATA`], the SQLite database
/// and its journal files (the snapshot is), and the backup directory itself.
fn data_skip(backend: &Backend, data: &Path, to: &Path) -> impl Fn(&Path) -> bool + use<> {
    let mut skipped: Vec<PathBuf> = NOT_FROM_DATA
        .iter()
        .map(|d| canonical(&data.join(d)))
        .collect();
    skipped.push(canonical(to));
    if let Backend::Sqlite { path, .. } = backend {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            skipped.push(canonical(Path::new(&format!("{path}{suffix}"))));
        }
    }
    move |p: &Path| skipped.contains(&canonical(p))
}

/// `path` with its directory made absolute and free of links, for comparing paths given in
/// different ways (the file itself need not exist).
fn canonical(path: &Path) -> PathBuf {
    if let Ok(p) = std::fs::canonicalize(path) {
        return p;
    }
    match (path.parent(), path.file_name()) {
        (Some(dir), Some(name)) => {
            let dir = if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            };
            std::fs::canonicalize(dir).map_or_else(|_| path.to_path_buf(), |d| d.join(name))
        }
        _ => path.to_path_buf(),
    }
}

fn manifest_of(
    backend: &Backend,
    snapshot: Snapshot,
    postgres: Option<PostgresFacts>,
    files: BTreeMap<String, String>,
) -> anyhow::Result<Manifest> {
    let migration_name = snapshot.migration.as_ref().and_then(|m| {
        sahih_store::dialect::migration_versions(backend.name())
            .into_iter()
            .find(|(v, _)| v == m)
            .map(|(_, name)| name)
    });
    Ok(Manifest {
        format: manifest::FORMAT.into(),
        backend: backend.name().into(),
        created_at: time::OffsetDateTime::now_utc()
            .replace_nanosecond(0)?
            .format(&time::format_description::well_known::Rfc3339)?,
        sahih_version: env!("CARGO_PKG_VERSION").into(),
        migration: snapshot.migration,
        migration_name,
        log: LogFacts {
            tree_size: snapshot.tree_size,
            checkpoint: snapshot.checkpoint,
            verifier_key: snapshot.verifier_key,
        },
        postgres,
        files,
    })
}

fn report(to: &Path, manifest: &Manifest, bytes: &[u8]) {
    println!(
        "backup of the {} database written to {} ({} files)",
        manifest.backend,
        to.display(),
        manifest.files.len() + 1
    );
    println!(
        "log: tree size {}, migration {}",
        manifest.log.tree_size,
        manifest
            .migration_name
            .as_deref()
            .or(manifest.migration.as_deref())
            .unwrap_or("none")
    );
    println!(
        "{} SHA-256 {} (keep this line apart from the backup: it tells the backup from an \
         altered one)",
        manifest::FILE,
        sahih_store::sha256_hex(bytes)
    );
    println!(
        "the backup holds the instance's private keys (log, second factor, CA): keep it as \
         secret as they are"
    );
}
