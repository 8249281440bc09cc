//! `sahih services validate|import|export`: services (document types) and their routing
//! templates as TOML files, one service per file (see `sahih_workflow::ServiceDefinition` and
//! examples/services/). Exit status 0 when done; 1 when a definition is invalid or the import or
//! export is refused (each problem as `FILE: path: message`, or one line with a stable code:
//! `E_SERVICE_DEFINITION`, `E_SERVICE_IN_USE`, `E_NOT_FOUND`); 2 when it could not be done (a
//! file or the database could not be read or written); 3 for a usage mistake.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use sahih_store::{ServiceChange, Store, StoreError};
use sahih_workflow::ServiceDefinition;

#[derive(Subcommand)]
pub enum ServicesCommand {
    /// Check service definition files: every problem of every file, as FILE: path: message.
    Validate {
        /// TOML files, one service each.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// Check every file, then create or update their services in order, all in one
    /// transaction: all of them or none. A file's agency is created from its agency_name when
    /// missing.
    Import {
        /// TOML files, one service each.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        #[command(flatten)]
        instance: Instance,
    },
    /// Write services as TOML, one file per service, CODE.toml: all of them, or those named.
    /// One service without --out is written to standard output.
    Export {
        /// Codes of the services to export (all when none).
        #[arg(value_name = "CODE")]
        codes: Vec<String>,
        /// The directory to write CODE.toml files into (created if missing).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        #[command(flatten)]
        instance: Instance,
    },
}

/// Which instance: its data directory, or its database.
#[derive(Args)]
pub struct Instance {
    /// The instance's data directory (its SQLite database sahih.db and blobs unless
    /// --database).
    #[arg(long, env = "SAHIH_DATA", value_name = "DIR")]
    data: Option<PathBuf>,
    /// Database URL: sqlite://PATH or postgres://HOST/DATABASE (default:
    /// sqlite://DIR/sahih.db, DIR being --data).
    #[arg(long, env = "SAHIH_DATABASE_URL", value_name = "URL")]
    database: Option<String>,
}

impl Instance {
    /// Opens the store (a SQLite file is created with its directory when missing);
    /// `existing` refuses a database that holds no instance yet.
    fn open(&self, existing: bool) -> anyhow::Result<Store> {
        let data = self.data.clone().unwrap_or_else(|| PathBuf::from("data"));
        let url = crate::database::url(&data, self.database.as_deref());
        if existing {
            crate::database::require_existing(&url)?;
        }
        Ok(Store::open(&url, &data.join("blobs"))?)
    }
}

/// How a run ended, as the exit status says it.
enum Outcome {
    /// 1: invalid, refused or not found; the lines say what.
    Refused,
    /// 2: could not be done.
    Failed(anyhow::Error),
}

pub fn run(command: ServicesCommand) -> ExitCode {
    let result = match command {
        ServicesCommand::Validate { files } => validate(&files).map(|_| ()),
        ServicesCommand::Import { files, instance } => import(&files, &instance),
        ServicesCommand::Export {
            codes,
            out,
            instance,
        } => {
            if out.is_none() && codes.len() != 1 {
                eprintln!("sahih: exporting several services needs --out DIR");
                return ExitCode::from(3);
            }
            export(&codes, out.as_deref(), &instance)
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Outcome::Refused) => ExitCode::FAILURE,
        Err(Outcome::Failed(e)) => {
            eprintln!("sahih: {}", crate::one_line(&e));
            ExitCode::from(2)
        }
    }
}

/// Reads and checks every file, printing each problem; the definitions when all are valid.
fn validate(files: &[PathBuf]) -> Result<Vec<ServiceDefinition>, Outcome> {
    let mut definitions = Vec::new();
    let mut refused = false;
    for file in files {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("reading {}", file.display()))
            .map_err(Outcome::Failed)?;
        match ServiceDefinition::parse_toml(&text) {
            Ok(d) => definitions.push((file, d)),
            Err(problems) => {
                refused = true;
                for p in problems {
                    eprintln!("{}: {p}", file.display());
                }
            }
        }
    }
    for (i, (file, d)) in definitions.iter().enumerate() {
        if let Some((other, _)) = definitions[..i].iter().find(|(_, e)| e.code == d.code) {
            refused = true;
            eprintln!(
                "{}: code: {:?} is also the code of {}",
                file.display(),
                d.code,
                other.display()
            );
        }
    }
    if refused {
        return Err(Outcome::Refused);
    }
    for (file, d) in &definitions {
        println!("{}: valid ({}, {})", file.display(), d.code, d.agency);
    }
    Ok(definitions.into_iter().map(|(_, d)| d).collect())
}

/// A refusal of the store as a line with its code (exit 1), a failure as exit 2.
fn store_outcome(e: StoreError) -> Outcome {
    match e {
        StoreError::InvalidService(_) | StoreError::ServiceInUse { .. } => {
            eprintln!("sahih: {e} ({})", e.code());
            Outcome::Refused
        }
        e => Outcome::Failed(e.into()),
    }
}

fn import(files: &[PathBuf], instance: &Instance) -> Result<(), Outcome> {
    let definitions = validate(files)?;
    let store = instance.open(false).map_err(Outcome::Failed)?;
    let done = store.upsert_services(&definitions).map_err(store_outcome)?;
    for ((file, d), (_, change)) in files.iter().zip(&definitions).zip(done) {
        let what = match change {
            ServiceChange::Created {
                agency_created: true,
            } => format!("created, with its agency {}", d.agency),
            ServiceChange::Created { .. } => "created".into(),
            ServiceChange::Updated => "updated".into(),
            ServiceChange::Unchanged => "unchanged".into(),
        };
        println!("{}: service {} {what}", file.display(), d.code);
    }
    Ok(())
}

fn export(codes: &[String], out: Option<&Path>, instance: &Instance) -> Result<(), Outcome> {
    let store = instance.open(true).map_err(Outcome::Failed)?;
    let mut definitions = Vec::new();
    if codes.is_empty() {
        definitions = store.service_definitions(None).map_err(store_outcome)?;
    }
    for code in codes {
        match store.service_definition(code).map_err(store_outcome)? {
            Some(d) => definitions.push(d),
            None => {
                eprintln!("sahih: no service {code:?} (E_NOT_FOUND)");
                return Err(Outcome::Refused);
            }
        }
    }
    let Some(dir) = out else {
        for d in &definitions {
            print!("{}", d.to_toml());
        }
        return Ok(());
    };
    write_files(dir, &definitions).map_err(Outcome::Failed)
}

/// Writes `DIR/CODE.toml` for each definition, each through a temporary file renamed into
/// place, so that no half-written file is left.
fn write_files(dir: &Path, definitions: &[ServiceDefinition]) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    for d in definitions {
        let path = dir.join(format!("{}.toml", d.code));
        let tmp = dir.join(format!(".{}.toml.tmp", d.code));
        std::fs::write(&tmp, d.to_toml()).with_context(|| format!("writing {}", tmp.display()))?;
        std::fs::rename(&tmp, &path).with_context(|| format!("writing {}", path.display()))?;
        println!("wrote {}", path.display());
    }
    if definitions.is_empty() {
        println!("no services to export");
    }
    Ok(())
}
