//! `sahih log verify` and `sahih log verify-receipt`: a monitor's and a citizen's checks of
//! Sahih's transparency log. Exit status 0 when every check passes; 1 when the log (or the
//! receipt) fails one, with a one-line reason and a stable code (`E_LOG_ROLLBACK`,
//! `E_LOG_FORK`, `E_LOG_ENTRY_MISMATCH`, `E_LOG_KEY_MISMATCH`…); 2 when it could not be
//! checked (network, files, a malformed key); 3 for a usage mistake (`main` maps clap's).

mod audit;
mod remote;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand};
use sahih_store::log::leaf::Leaf;
use sahih_store::log::receipt::Receipt;
use sahih_tlog::{Checkpoint, TileHashReader, VerifierKey, prove_consistency};
use serde::{Deserialize, Serialize};

use remote::{Remote, failure_of};

#[derive(Subcommand)]
pub enum LogCommand {
    /// Check a Sahih log over HTTP: the checkpoint's signature by the pinned key, that it
    /// extends the checkpoint kept in --state (no rollback, no fork), and with --audit every
    /// entry, tile and the root, and each document's order of events.
    Verify(VerifyArgs),
    /// Check a document's receipt offline: the checkpoint's signature, each event's inclusion
    /// proof, and the events' order.
    VerifyReceipt(ReceiptArgs),
}

#[derive(Args)]
pub struct VerifyArgs {
    /// The address of the Sahih service, or of its log (ending in /log).
    #[arg(long)]
    url: String,
    /// A state file: pins the log's key and its last checkpoint seen; created on first use,
    /// updated after every successful check.
    #[arg(long, value_name = "FILE")]
    state: Option<PathBuf>,
    /// Download every entry bundle, recompute every tile and the root, and check each
    /// document's order of events.
    #[arg(long)]
    audit: bool,
    /// The log's verifier key string (name+id+base64), or a file holding it. Without it (and
    /// without --state) the key is taken from the log itself, which pins nothing.
    #[arg(long, value_name = "KEY")]
    key: Option<String>,
}

#[derive(Args)]
pub struct ReceiptArgs {
    /// The receipt (JSON) downloaded from the tracking page or the verification page.
    receipt: PathBuf,
    /// The log's verifier key string, or a file holding it.
    #[arg(long, value_name = "KEY")]
    key: String,
}

/// Why a check did not pass: `code` is stable; `cannot_check` marks failures to check at all
/// (exit 2) as opposed to a log that failed a check (exit 1).
#[derive(Debug)]
pub struct Failure {
    code: &'static str,
    message: String,
    cannot_check: bool,
}

impl Failure {
    /// The log or the receipt failed a check.
    fn log(code: &'static str, message: impl Into<String>) -> Failure {
        Failure {
            code,
            message: message.into(),
            cannot_check: false,
        }
    }

    /// The check could not be made.
    fn cannot(code: &'static str, message: impl Into<String>) -> Failure {
        Failure {
            code,
            message: message.into(),
            cannot_check: true,
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for Failure {}

/// Runs `sahih log …` and returns its exit status.
pub fn run(command: LogCommand) -> ExitCode {
    let outcome = match command {
        LogCommand::Verify(args) => verify(&args),
        LogCommand::VerifyReceipt(args) => verify_receipt(&args),
    };
    match outcome {
        Ok(lines) => {
            for line in lines {
                println!("{line}");
            }
            ExitCode::SUCCESS
        }
        Err(f) => {
            eprintln!("sahih: {}", f.to_string().replace('\n', " "));
            ExitCode::from(if f.cannot_check { 2 } else { 1 })
        }
    }
}

/// A verifier key string, given as is or in a file. A value with no `+` cannot be a key
/// string (`name+id+base64`), so it is read as a file: a missing one is `E_IO`, not a
/// malformed key.
fn parse_key(given: &str) -> Result<VerifierKey, Failure> {
    let text = if Path::new(given).is_file() || !given.contains('+') {
        std::fs::read_to_string(given).map_err(|e| {
            Failure::cannot("E_IO", format!("cannot read the key file {given}: {e}"))
        })?
    } else {
        given.to_owned()
    };
    VerifierKey::parse(text.trim())
        .map_err(|e| Failure::cannot("E_LOG_KEY", format!("not a verifier key: {e}")))
}

/// `1 entry`, `2 entries`: `n` and the noun in the number it needs.
fn count(n: impl Into<u64>, one: &str, many: &str) -> String {
    let n = n.into();
    format!("{n} {}", if n == 1 { one } else { many })
}

/// What `--state` keeps between runs.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct State {
    schema: String,
    /// The pinned verifier key string.
    key: String,
    /// The last checkpoint that passed, as signed.
    checkpoint: String,
}

const STATE_SCHEMA: &str = "sahih-log-state/1";

fn load_state(path: &Path) -> Result<Option<State>, Failure> {
    let text = match std::fs::read(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(Failure::cannot(
                "E_LOG_STATE",
                format!("reading {}: {e}", path.display()),
            ));
        }
    };
    let state: State = serde_json::from_slice(&text).map_err(|e| {
        Failure::cannot(
            "E_LOG_STATE",
            format!("{} is not a state file: {e}", path.display()),
        )
    })?;
    if state.schema != STATE_SCHEMA {
        return Err(Failure::cannot(
            "E_LOG_STATE",
            format!("{} is not a {STATE_SCHEMA} file", path.display()),
        ));
    }
    Ok(Some(state))
}

fn save_state(path: &Path, state: &State) -> Result<(), Failure> {
    let fail = |e: std::io::Error| {
        Failure::cannot("E_LOG_STATE", format!("writing {}: {e}", path.display()))
    };
    let mut text = serde_json::to_vec_pretty(state)
        .map_err(|e| Failure::cannot("E_LOG_STATE", e.to_string()))?;
    text.push(b'\n');
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).map_err(fail)?;
    std::fs::rename(&tmp, path).map_err(fail)
}

/// The key to check against, whether it was taken from the log itself (trust on first use),
/// and the warnings its origin deserves.
fn resolve_key(
    args: &VerifyArgs,
    state: Option<&State>,
    remote: &Remote,
    warnings: &mut Vec<String>,
) -> Result<(VerifierKey, bool), Failure> {
    let given = args.key.as_deref();
    let given = given.map(parse_key).transpose()?;
    let pinned = state.map(|s| parse_key(&s.key)).transpose()?;
    match (given, pinned) {
        (Some(g), Some(p)) if g != p => Err(Failure::log(
            "E_LOG_KEY_MISMATCH",
            format!("--key {g} is not the key {p} pinned in the state file"),
        )),
        (Some(key), _) | (None, Some(key)) => Ok((key, false)),
        (None, None) => {
            let key = parse_key(&remote.key()?)?;
            warnings.push(match &args.state {
                Some(path) => format!(
                    "warning: the log's key {key} was taken from the log itself (trust on first \
                     use); it will be pinned in {} only if every check passes; pass --key to \
                     pin a key you obtained elsewhere",
                    path.display()
                ),
                None => format!(
                    "warning: the log's key {key} was taken from the log itself and is not \
                     pinned; pass --key, or keep a --state file"
                ),
            });
            Ok((key, true))
        }
    }
}

/// Checks that `new` extends `old` (RFC 9162 §2.1.4), with a proof built from the log's tiles.
fn check_consistency(remote: &Remote, old: &Checkpoint, new: &Checkpoint) -> Result<(), Failure> {
    let (m, n) = (old.size(), new.size());
    if n < m {
        return Err(Failure::log(
            "E_LOG_ROLLBACK",
            format!(
                "the log's checkpoint has {n} entries, fewer than the {m} of the pinned checkpoint"
            ),
        ));
    }
    if n == m {
        return if new.root() == old.root() {
            Ok(())
        } else {
            Err(Failure::log(
                "E_LOG_FORK",
                format!("the log's checkpoint of {n} entries has another root than the pinned one"),
            ))
        };
    }
    let fork = |reason: String| {
        Failure::log(
            "E_LOG_FORK",
            format!(
                "the checkpoint of {n} entries does not extend the pinned one of {m}: {reason}"
            ),
        )
    };
    let reader = TileHashReader::new(n, remote);
    let proof = prove_consistency(m, n, &reader).map_err(|e| failure_of(e, fork))?;
    proof
        .verify(&old.root(), &new.root())
        .map_err(|e| fork(e.to_string()))
}

fn verify(args: &VerifyArgs) -> Result<Vec<String>, Failure> {
    let remote = Remote::new(&args.url)?;
    let state = args.state.as_deref().map(load_state).transpose()?.flatten();
    let mut lines = Vec::new();
    let (key, from_log) = resolve_key(args, state.as_ref(), &remote, &mut lines)?;
    for warning in lines.drain(..) {
        eprintln!("sahih: {warning}");
    }
    let note = remote.checkpoint()?;
    let (checkpoint, _) = Checkpoint::open(&note, std::slice::from_ref(&key)).map_err(|e| {
        Failure::log(
            "E_LOG_SIGNATURE",
            format!("the checkpoint is not signed by {key}: {e}"),
        )
    })?;
    if checkpoint.origin() != key.name() {
        return Err(Failure::log(
            "E_LOG_ORIGIN",
            format!(
                "the checkpoint is of the log {}, not {}",
                checkpoint.origin(),
                key.name()
            ),
        ));
    }
    lines.push(format!(
        "checkpoint of {}: {}, root {}, signature by {} verified",
        checkpoint.origin(),
        count(checkpoint.size().0, "entry", "entries"),
        checkpoint.root().to_base64(),
        key
    ));
    if let Some(old) = &state {
        let (old_checkpoint, _) = Checkpoint::open(&old.checkpoint, std::slice::from_ref(&key))
            .map_err(|e| {
                Failure::cannot(
                    "E_LOG_STATE",
                    format!("the pinned checkpoint does not verify: {e}"),
                )
            })?;
        check_consistency(&remote, &old_checkpoint, &checkpoint)?;
        lines.push(format!(
            "consistent with the pinned checkpoint of {}",
            count(old_checkpoint.size().0, "entry", "entries")
        ));
    }
    if args.audit {
        let done = audit::audit(&remote, &checkpoint)?;
        lines.push(format!(
            "audit: {} in {}, {} and the root recomputed; {} in the workflow's order; {}",
            count(checkpoint.size().0, "entry", "entries"),
            count(done.bundles as u64, "bundle", "bundles"),
            count(done.tiles as u64, "tile", "tiles"),
            count(done.documents as u64, "document", "documents"),
            count(
                done.verifications as u64,
                "public verification",
                "public verifications"
            ),
        ));
    }
    if let Some(path) = &args.state {
        save_state(
            path,
            &State {
                schema: STATE_SCHEMA.into(),
                key: key.to_string(),
                checkpoint: note,
            },
        )?;
        lines.push(if from_log {
            format!(
                "state kept in {}; the log's key is pinned there from now on",
                path.display()
            )
        } else {
            format!("state kept in {}", path.display())
        });
    }
    Ok(lines)
}

fn verify_receipt(args: &ReceiptArgs) -> Result<Vec<String>, Failure> {
    let key = parse_key(&args.key)?;
    let text = std::fs::read(&args.receipt)
        .map_err(|e| Failure::cannot("E_IO", format!("reading {}: {e}", args.receipt.display())))?;
    let receipt: Receipt = serde_json::from_slice(&text)
        .map_err(|e| Failure::log("E_RECEIPT_MALFORMED", format!("not a receipt: {e}")))?;
    let (checkpoint, leaves) = receipt
        .verify(&key)
        .map_err(|e| Failure::log(e.code(), e.to_string()))?;
    let mut lines = vec![format!(
        "receipt of document {} (the application's pseudonym in the log): {}, each included in \
         the checkpoint of {} ({}, signature by {} verified), in the workflow's order{}",
        receipt.document,
        count(leaves.len() as u64, "event", "events"),
        checkpoint.origin(),
        count(checkpoint.size().0, "entry", "entries"),
        key,
        if receipt.pending > 0 {
            format!(
                "; {} not yet in that checkpoint",
                count(receipt.pending, "later event", "later events")
            )
        } else {
            String::new()
        }
    )];
    let mut number = 0;
    for (index, leaf) in &leaves {
        if let Leaf::Event(e) = leaf {
            number += 1;
            let from = e
                .from
                .as_ref()
                .map_or_else(|| "none".to_string(), |f| f.as_code());
            lines.push(format!(
                "  event {number} (log index {index}): {}, from {from} to {}, at {}, file sha256 {}",
                e.kind,
                e.to.as_code(),
                leaf_time(e.time),
                hex::encode(e.sha256)
            ));
        }
    }
    Ok(lines)
}

/// A leaf's time as RFC 3339.
fn leaf_time(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| unix.to_string())
}
