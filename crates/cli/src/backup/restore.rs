//! `sahih restore --from DIR`: every check first — the manifest and every file's SHA-256, the
//! backend, the migration level, an empty target, the PostgreSQL client — then the files and
//! the database, then this binary's migrations. A run that fails before the database is
//! restored removes the files it wrote; nothing stored before is ever replaced.

use std::path::{Path, PathBuf};

use anyhow::Context;
use sahih_store::{Backend, Store, StoreError};

use super::files::{self, Written};
use super::manifest::{self, Manifest};
use super::{BackupError, Instance, pgtools};

pub(super) fn restore(instance: &Instance, from: &Path) -> anyhow::Result<()> {
    let manifest = manifest::read_verified(from)?;
    let backend = Backend::from_url(&instance.database)?;
    if backend.name() != manifest.backend {
        return Err(BackupError::CrossBackend {
            backup: manifest.backend.clone(),
            target: backend.name().into(),
        }
        .into());
    }
    check_migration(&manifest, &backend)?;
    let database_file = match backend {
        Backend::Sqlite { .. } => "database/sahih.db",
        Backend::Postgres { .. } => "database/sahih.pgdump",
    };
    if !manifest.files.contains_key(database_file) {
        return Err(BackupError::Manifest(format!(
            "{}: the backup holds no {database_file}",
            from.join(manifest::FILE).display()
        ))
        .into());
    }
    if !files::is_absent_or_empty(&instance.data)? {
        return Err(BackupError::RestoreTargetNotEmpty(instance.data.display().to_string()).into());
    }
    let target = check_database(&backend, &manifest, instance.pg_bin.as_deref())?;
    let plan = plan(&manifest, instance)?;

    let mut written = Written::default();
    written.mkdir_all(&instance.data)?;
    for (relative, target) in &plan {
        let hash = written.copy(&from.join(relative), target)?;
        if manifest.files.get(relative) != Some(&hash) {
            return Err(
                BackupError::Tampered(format!("{relative} changed while it was read")).into(),
            );
        }
    }
    let dump = from.join(database_file);
    match target {
        Target::Sqlite(path) => {
            let hash = written.copy(&dump, &path)?;
            if manifest.files.get(database_file) != Some(&hash) {
                return Err(BackupError::Tampered(format!(
                    "{database_file} changed while it was read"
                ))
                .into());
            }
        }
        Target::Postgres { url, tool } => {
            tool.run(
                &url,
                &[
                    "--no-owner".as_ref(),
                    "--no-privileges".as_ref(),
                    "--exit-on-error".as_ref(),
                    "--single-transaction".as_ref(),
                    dump.as_os_str(),
                ],
            )?;
        }
    }
    written.keep();
    let ran = migrate(instance)?;
    check_log(instance, &manifest)?;
    report(instance, &manifest, plan.len() + 1, ran);
    Ok(())
}

/// Where the database goes.
enum Target {
    /// The SQLite file.
    Sqlite(PathBuf),
    /// The PostgreSQL database, and the pg_restore to restore into it with.
    Postgres { url: String, tool: pgtools::Tool },
}

/// Refuses a backup whose database is at a migration this binary does not have.
fn check_migration(manifest: &Manifest, backend: &Backend) -> Result<(), BackupError> {
    let Some(migration) = &manifest.migration else {
        return Ok(());
    };
    let known = sahih_store::dialect::migration_versions(backend.name());
    if known.iter().any(|(v, _)| v == migration) {
        return Ok(());
    }
    Err(BackupError::TooNew {
        migration: manifest
            .migration_name
            .clone()
            .unwrap_or_else(|| migration.clone()),
        made_by: manifest.sahih_version.clone(),
    })
}

/// Refuses a target database that holds anything; for PostgreSQL, finds a pg_restore that reads
/// what the backup's pg_dump wrote.
fn check_database(
    backend: &Backend,
    manifest: &Manifest,
    pg_bin: Option<&Path>,
) -> anyhow::Result<Target> {
    match backend {
        Backend::Sqlite { path, .. } => {
            let used = |p: &str| std::fs::metadata(p).is_ok_and(|m| !m.is_file() || m.len() > 0);
            if used(path) || used(&format!("{path}-wal")) {
                return Err(BackupError::RestoreTargetNotEmpty(path.clone()).into());
            }
            Ok(Target::Sqlite(PathBuf::from(path)))
        }
        Backend::Postgres { url } => {
            let dumped_by = manifest
                .postgres
                .as_ref()
                .map(|p| p.pg_dump_version.clone())
                .unwrap_or_default();
            let tool = pgtools::find("pg_restore", pg_bin)?.at_least(
                pgtools::major_of(&dumped_by).unwrap_or(0),
                &format!("the pg_dump that made the backup ({dumped_by})"),
            )?;
            let relations = sahih_store::backup::postgres_relations(url).with_context(|| {
                "the target database must exist (created empty, e.g. with createdb)".to_string()
            })?;
            if relations > 0 {
                return Err(BackupError::RestoreTargetNotEmpty(format!(
                    "the database {} ({relations} tables, views or sequences)",
                    sahih_store::dialect::redacted(url)
                ))
                .into());
            }
            Ok(Target::Postgres {
                url: url.clone(),
                tool,
            })
        }
    }
}

/// Where each file of the backup goes (the database aside): `data/…` into the data directory,
/// `blobs/…` into its `blobs/`, `certs/…` into the certificates directory. A certificates file
/// that is already there with the same bytes is left as it is; with other bytes, refused.
fn plan(manifest: &Manifest, instance: &Instance) -> anyhow::Result<Vec<(String, PathBuf)>> {
    let mut plan = Vec::new();
    for (relative, hash) in &manifest.files {
        let Some((part, rest)) = relative.split_once('/') else {
            continue;
        };
        let target = match part {
            "data" => instance.data.join(rest),
            "blobs" => instance.data.join("blobs").join(rest),
            "certs" => {
                let target = instance.certs.join(rest);
                if std::fs::symlink_metadata(&target).is_ok() {
                    if target.is_file() && files::sha256_file(&target)? == *hash {
                        continue;
                    }
                    return Err(
                        BackupError::RestoreTargetNotEmpty(target.display().to_string()).into(),
                    );
                }
                target
            }
            _ => continue,
        };
        plan.push((relative.clone(), target));
    }
    Ok(plan)
}

/// This binary's migrations on the restored database; how many ran.
fn migrate(instance: &Instance) -> anyhow::Result<usize> {
    let store = Store::connect(&instance.database, &instance.data.join("blobs"))?;
    let ran = store
        .migrate()
        .context("the backup was restored, but migrating it failed: run `sahih migrate`")?;
    Ok(ran)
}

/// The restored log is the backup's: its tree size and checkpoint are the manifest's.
///
/// Errors: [`StoreError::Corrupt`] when they are not.
fn check_log(instance: &Instance, manifest: &Manifest) -> anyhow::Result<()> {
    let now = sahih_store::backup::current(&instance.database)?;
    if now.tree_size != manifest.log.tree_size || now.checkpoint != manifest.log.checkpoint {
        return Err(StoreError::Corrupt(format!(
            "the restored log has tree size {}, the backup's manifest says {}",
            now.tree_size, manifest.log.tree_size
        ))
        .into());
    }
    Ok(())
}

fn report(instance: &Instance, manifest: &Manifest, files: usize, ran: usize) {
    println!(
        "restored the {} backup of {} (sahih {}) into {}: {files} files, then applied {ran} \
         migration{}",
        manifest.backend,
        manifest.created_at,
        manifest.sahih_version,
        sahih_store::dialect::redacted(&instance.database),
        if ran == 1 { "" } else { "s" }
    );
    println!(
        "log: tree size {}, its checkpoint as of the backup; monitors that saw a larger tree \
         report E_LOG_ROLLBACK (docs/transparency-log.md)",
        manifest.log.tree_size
    );
}
