//! `sahih backup` and `sahih restore` (docs/operations.md, "Backup and restore"): a
//! consistent snapshot of a running instance — its database (SQLite `VACUUM INTO` and the blob
//! files; PostgreSQL `pg_dump --format=custom`, blobs inside), the keys of its data directory
//! and its certificates directory — with a `MANIFEST.json` of SHA-256 hashes; and its restore
//! into an empty instance of the same backend, checked against the manifest first, then
//! migrated to this binary's schema.
//!
//! A backup directory:
//! ```text
//! MANIFEST.json          backend, time, sahih version, migration, log size and checkpoint, hashes
//! database/sahih.db      SQLite: the snapshot        | database/sahih.pgdump  PostgreSQL
//! blobs/ab/abcd…         SQLite: the blob files       | (PostgreSQL: inside the dump)
//! data/…                 the data directory's files: log-signing.key, second-factor.key, …
//! certs/…                the certificates directory: the CA, the built-in TSA, officers' keys
//! ```
//! Exit status 0 when done; 1 when refused (`E_BACKUP_TARGET_NOT_EMPTY`, `E_BACKUP_SOURCE`,
//! `E_BACKUP_MANIFEST`, `E_BACKUP_TAMPERED`, `E_BACKUP_TOO_NEW`, `E_RESTORE_TARGET_NOT_EMPTY`,
//! `E_RESTORE_CROSS_BACKEND`, `E_LOG_KEY_MISMATCH`); 2 when it could not be done
//! (`E_PG_TOOL_MISSING`, `E_PG_TOOL_TOO_OLD`, `E_PG_TOOL_FAILED`, a file or the database);
//! 3 for a usage mistake.

mod files;
mod manifest;
mod pgtools;
mod restore;
mod take;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

/// Which instance, as `serve` finds it.
#[derive(Args, Debug)]
pub struct InstanceArgs {
    /// Data directory: the keys (log-signing.key, second-factor.key); with SQLite also the
    /// database and blobs (default ./data).
    #[arg(long, env = "SAHIH_DATA", value_name = "DIR")]
    data: Option<PathBuf>,
    /// Database URL: sqlite://PATH or postgres://USER@HOST:PORT/DATABASE (default:
    /// sqlite://DATA/sahih.db, DATA being --data).
    #[arg(long, env = "SAHIH_DATABASE_URL", value_name = "URL")]
    database: Option<String>,
    /// Certificates directory: the CA, the built-in TSA, the development officers' keys
    /// (default ./certs-dev).
    #[arg(long, env = "SAHIH_CERTS", value_name = "DIR")]
    certs: Option<PathBuf>,
    /// TOML configuration file, for its data, database and certs (the flags override it).
    #[arg(long, env = "SAHIH_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    /// Directory holding pg_dump and pg_restore (default: found on PATH).
    #[arg(long, env = "SAHIH_PG_BIN", value_name = "DIR")]
    pg_bin: Option<PathBuf>,
}

/// The instance's paths, resolved as `serve` resolves them.
struct Instance {
    data: PathBuf,
    database: String,
    certs: PathBuf,
    pg_bin: Option<PathBuf>,
}

impl InstanceArgs {
    fn resolve(self) -> anyhow::Result<Instance> {
        let (data, database, certs) =
            crate::config::instance_paths(self.config, self.data, self.database, self.certs)?;
        Ok(Instance {
            data,
            database,
            certs,
            pg_bin: self.pg_bin,
        })
    }
}

#[derive(Args, Debug)]
pub struct BackupArgs {
    /// The directory to write the backup into: a new or empty one (made with mode 0700; every
    /// file 0600: the backup holds the instance's private keys).
    #[arg(long, value_name = "DIR")]
    to: PathBuf,
    #[command(flatten)]
    instance: InstanceArgs,
}

#[derive(Args, Debug)]
pub struct RestoreArgs {
    /// The backup directory (made by `sahih backup`).
    #[arg(long, value_name = "DIR")]
    from: PathBuf,
    #[command(flatten)]
    instance: InstanceArgs,
}

/// Why a backup or a restore was refused or could not be done.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// The backup directory holds something already.
    #[error("{0} is not empty: a backup is written into a new or empty directory")]
    TargetNotEmpty(PathBuf),
    /// The instance to back up lacks what a node needs.
    #[error("{0}")]
    Source(String),
    /// No manifest, or one this binary cannot read.
    #[error("{0}")]
    Manifest(String),
    /// A file of the backup differs from what the manifest says.
    #[error("the backup does not match its MANIFEST.json: {0}; nothing was restored")]
    Tampered(String),
    /// The backup's database is at a migration this binary does not have.
    #[error(
        "the backup's database is at migration {migration}, which this sahih ({}) does not \
         know: restore it with the sahih that made it ({made_by}) or a newer one",
        env!("CARGO_PKG_VERSION")
    )]
    TooNew {
        /// The backup's migration version.
        migration: String,
        /// The sahih version that made the backup.
        made_by: String,
    },
    /// The restore's target holds something already.
    #[error(
        "{0} is not empty: a restore writes only into an empty database and data directory, \
         and never replaces a stored file (nothing was written)"
    )]
    RestoreTargetNotEmpty(String),
    /// A backup of one backend restored into the other.
    #[error(
        "this is a backup of a {backup} database and the target is {target}: restoring across \
         backends is not supported, restore into a {backup} database"
    )]
    CrossBackend {
        /// The backup's backend.
        backup: String,
        /// The target's.
        target: String,
    },
    /// pg_dump or pg_restore is not installed where looked for.
    #[error(
        "{tool} was not found {place}: install the PostgreSQL client (Debian: postgresql-client) \
         or give --pg-bin DIR"
    )]
    ToolMissing {
        /// `pg_dump` or `pg_restore`.
        tool: &'static str,
        /// Where it was looked for.
        place: String,
    },
    /// pg_dump or pg_restore is older than what it must read.
    #[error(
        "{tool} {version} is older than {of_what} (PostgreSQL {need}): install the PostgreSQL \
         {need} client (Debian: postgresql-client-{need}) or give --pg-bin DIR"
    )]
    ToolTooOld {
        /// `pg_dump` or `pg_restore`.
        tool: &'static str,
        /// Its version.
        version: String,
        /// The major version it must have at least.
        need: u32,
        /// What sets that version.
        of_what: String,
    },
    /// pg_dump or pg_restore failed.
    #[error("{tool} failed: {detail}")]
    ToolFailed {
        /// `pg_dump` or `pg_restore`.
        tool: &'static str,
        /// Its exit status and last lines.
        detail: String,
    },
}

impl BackupError {
    /// Stable error code for users and scripts.
    pub fn code(&self) -> &'static str {
        match self {
            BackupError::TargetNotEmpty(_) => "E_BACKUP_TARGET_NOT_EMPTY",
            BackupError::Source(_) => "E_BACKUP_SOURCE",
            BackupError::Manifest(_) => "E_BACKUP_MANIFEST",
            BackupError::Tampered(_) => "E_BACKUP_TAMPERED",
            BackupError::TooNew { .. } => "E_BACKUP_TOO_NEW",
            BackupError::RestoreTargetNotEmpty(_) => "E_RESTORE_TARGET_NOT_EMPTY",
            BackupError::CrossBackend { .. } => "E_RESTORE_CROSS_BACKEND",
            BackupError::ToolMissing { .. } => "E_PG_TOOL_MISSING",
            BackupError::ToolTooOld { .. } => "E_PG_TOOL_TOO_OLD",
            BackupError::ToolFailed { .. } => "E_PG_TOOL_FAILED",
        }
    }

    /// Whether this is a refusal (exit 1) rather than a failure to do it (exit 2).
    fn refused(&self) -> bool {
        !matches!(
            self,
            BackupError::ToolMissing { .. }
                | BackupError::ToolTooOld { .. }
                | BackupError::ToolFailed { .. }
        )
    }
}

/// `sahih backup`.
pub fn run_backup(args: BackupArgs) -> ExitCode {
    exit(
        args.instance
            .resolve()
            .and_then(|i| take::backup(&i, &args.to)),
    )
}

/// `sahih restore`.
pub fn run_restore(args: RestoreArgs) -> ExitCode {
    exit(
        args.instance
            .resolve()
            .and_then(|i| restore::restore(&i, &args.from)),
    )
}

fn exit(result: anyhow::Result<()>) -> ExitCode {
    let Err(e) = result else {
        return ExitCode::SUCCESS;
    };
    eprintln!("sahih: {}", crate::one_line(&e));
    let refused = e.chain().any(|c| {
        c.downcast_ref::<BackupError>()
            .is_some_and(BackupError::refused)
            || c.downcast_ref::<sahih_store::StoreError>()
                .is_some_and(|s| matches!(s, sahih_store::StoreError::LogKeyMismatch { .. }))
    });
    if refused {
        ExitCode::FAILURE
    } else {
        ExitCode::from(2)
    }
}
