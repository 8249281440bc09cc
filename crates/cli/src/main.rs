//! `sahih`: the composition root. Serves the web application, migrates the database, makes
//! development keys, signs, validates, checks the transparency log, imports and exports services
//! runs the demo flow, and backs up and restores an instance.
//! Exit status 0 on success; non-zero with a one-line reason on stderr otherwise.
#![forbid(unsafe_code)]

mod apikey;
mod backup;
mod config;
mod database;
mod demo;
mod keys;
mod log;
mod logkey;
mod nodecheck;
mod officerkeys;
mod output;
mod secondfactor;
mod services;
mod sign;
mod timestamp;
mod verify;
mod visible;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "sahih",
    version,
    about = "Sahih: e-documents and electronic signatures for a city government"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

// Parsed once per process: the size of the largest variant (`sign`'s many flags) does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum Command {
    /// Start the web service (migrates the database and seeds demo data on first start).
    Serve(config::ServeArgs),
    /// Apply the embedded database migrations and exit.
    Migrate {
        /// Database URL: sqlite://PATH or postgres://USER@HOST:PORT/DATABASE (default
        /// sqlite://./data/sahih.db).
        #[arg(long, env = "SAHIH_DATABASE_URL")]
        database: Option<String>,
    },
    /// Manage keys and certificates.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Sign a PDF offline with a PAdES signature (B-B, or B-T/B-LT/B-LTA with --tsa), as
    /// incremental updates.
    Sign(sign::SignArgs),
    /// Validate the signatures of a PDF (exit 0 TOTAL-PASSED, 1 INDETERMINATE, 2 TOTAL-FAILED,
    /// 3 unusable input).
    Verify(verify::VerifyArgs),
    /// Check the signed statement of a visible signature's QR code offline, with the instance's
    /// log key (exit 0 valid; 1 invalid, or not this PDF's; 2 a file or the key unreadable).
    VerifyQr(visible::VerifyQrArgs),
    /// Run the citizen -> paraf -> signature flow through the application services.
    Demo(demo::DemoArgs),
    /// Re-timestamp, once, the signed documents whose last timestamp's TSA certificate expires
    /// within `[signing] archive_renew_days` (PAdES B-LTA: a DSS and a document timestamp are
    /// appended); `sahih serve` does this daily. Takes the options of `serve`.
    Archive(config::ServeArgs),
    /// Check the transparency log (exit 0 all checks pass; 1 the log or receipt fails one,
    /// E_LOG_KEY_MISMATCH included; 2 it could not be checked: network, files, a malformed
    /// key; 3 a usage mistake).
    Log {
        #[command(subcommand)]
        command: log::LogCommand,
    },
    /// Services (document types) and their routing templates as TOML: validate files, import
    /// them into an instance, export them (exit 0 done; 1 an invalid definition, or an import or
    /// export refused, E_SERVICE_IN_USE included; 2 a file or the database could not be read or
    /// written; 3 a usage mistake).
    Services {
        #[command(subcommand)]
        command: services::ServicesCommand,
    },
    /// API keys of agency applications for the integration API: create (the token alone on
    /// stdout, shown once), list, revoke, set a webhook (exit 0 done; 1 refused, E_BAD_SCOPE,
    /// E_NOT_FOUND, E_NOT_YOUR_AGENCY, E_NAME_REQUIRED included; 2 the database could not be
    /// read or written; 3 a usage mistake).
    Apikey {
        #[command(subcommand)]
        command: apikey::ApikeyCommand,
    },
    /// Back up a running instance into a new or empty DIR: a consistent snapshot of its
    /// database (SQLite and its blob files, or pg_dump of PostgreSQL), its keys and
    /// certificates, and MANIFEST.json with their SHA-256 (exit 0 done; 1 refused,
    /// E_BACKUP_TARGET_NOT_EMPTY, E_BACKUP_SOURCE, E_LOG_KEY_MISMATCH included; 2 it could not
    /// be done, E_PG_TOOL_MISSING, E_PG_TOOL_TOO_OLD, E_PG_TOOL_FAILED included; 3 a usage
    /// mistake). The backup holds private keys: keep it secret.
    Backup(backup::BackupArgs),
    /// Restore a backup into an empty database and data directory of the same backend, after
    /// checking every file against MANIFEST.json, then apply this binary's migrations (exit 0
    /// done; 1 refused, E_BACKUP_TAMPERED, E_BACKUP_MANIFEST, E_BACKUP_TOO_NEW,
    /// E_RESTORE_TARGET_NOT_EMPTY, E_RESTORE_CROSS_BACKEND included: nothing was written; 2 it
    /// could not be done; 3 a usage mistake).
    Restore(backup::RestoreArgs),
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Create the development CA and the demo officers' certificates (development only).
    DevInit {
        /// Directory for the certificates and keys.
        #[arg(long, default_value = "certs-dev")]
        dir: PathBuf,
    },
    #[command(flatten)]
    Ca(keys::CaCommand),
    /// Import an officer's key and certificate from a PKCS#12 file (a national CA's .p12),
    /// stored encrypted under a new signing passphrase; the file's password is not kept.
    ImportP12(officerkeys::ImportP12Args),
    /// Let an officer sign with a key kept in a PKCS#11 token (a pkcs11: URI and the
    /// certificate); the instance's `[signing] pkcs11_module` opens it.
    UsePkcs11(officerkeys::UsePkcs11Args),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // A usage error exits 3, not clap's 2: for `sahih verify`, 2 means TOTAL-FAILED.
        Err(e) if e.use_stderr() => {
            let _ = e.print();
            return ExitCode::from(3);
        }
        Err(e) => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
    };
    let result = match cli.command {
        Command::Serve(args) => config::serve(args),
        Command::Migrate { database } => config::migrate(database),
        Command::Keys {
            command: KeysCommand::DevInit { dir },
        } => config::dev_init(&dir).map(|_| ()),
        Command::Keys {
            command: KeysCommand::Ca(command),
        } => return keys::run(command),
        Command::Keys {
            command: KeysCommand::ImportP12(args),
        } => officerkeys::import_p12(args),
        Command::Keys {
            command: KeysCommand::UsePkcs11(args),
        } => officerkeys::use_pkcs11(args),
        Command::Sign(args) => sign::run(args),
        Command::Demo(args) => demo::run(args),
        Command::Archive(args) => config::archive(args),
        Command::Verify(args) => return verify::run(args),
        Command::VerifyQr(args) => return visible::verify_qr(args),
        Command::Log { command } => return log::run(command),
        Command::Services { command } => return services::run(command),
        Command::Apikey { command } => return apikey::run(command),
        Command::Backup(args) => return backup::run_backup(args),
        Command::Restore(args) => return backup::run_restore(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sahih: {}", one_line(&e));
            ExitCode::FAILURE
        }
    }
}

/// The error chain on one line, with the stable code of the first error that has one.
fn one_line(e: &anyhow::Error) -> String {
    let text = e
        .chain()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(": ")
        .replace('\n', " ");
    let code = e.chain().find_map(|c| {
        if let Some(e) = c.downcast_ref::<sahih_signing::SigningError>() {
            Some(e.code())
        } else if let Some(e) = c.downcast_ref::<sahih_store::StoreError>() {
            Some(e.code())
        } else if let Some(e) = c.downcast_ref::<backup::BackupError>() {
            Some(e.code())
        } else if let Some(e) = c.downcast_ref::<nodecheck::NodeFilesError>() {
            Some(e.code())
        } else if c.is::<std::io::Error>() {
            Some("E_IO")
        } else {
            c.downcast_ref::<sahih_web::AppError>()
                .map(sahih_web::AppError::code)
        }
    });
    match code {
        Some(code) if !text.contains(code) => format!("{text} ({code})"),
        _ => text,
    }
}
