//! Before a node makes any key or CA file, it checks that the secret files it was given are
//! those of its database (issue #7, docs/operations.md "Running several nodes"): the log key
//! that signed the database's checkpoints, the CA that issued the certificates of its register,
//! and the second-factor key that sealed its officers' confirmed TOTP secrets. A missing file is
//! made on first start only, against a database that has nothing it would have to match.

use std::path::{Path, PathBuf};

use sahih_signing::devca::{CA_CERT_FILE, CA_KEY_FILE};
use sahih_store::Store;

/// The code of a log key that is missing or not the one that signed the database's log.
pub const LOG_KEY_MISMATCH: &str = "E_LOG_KEY_MISMATCH";
/// The code of a CA that is missing or did not issue the database's certificates.
pub const CA_MISMATCH: &str = "E_CA_MISMATCH";
/// The code of a second-factor key that is missing or does not open the database's second
/// factors.
pub const SECOND_FACTOR_KEY_MISMATCH: &str = "E_SECOND_FACTOR_KEY_MISMATCH";

/// One file that does not match the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// Its stable code.
    pub code: &'static str,
    /// What is wrong, naming the file.
    pub reason: String,
    /// The files to copy from a node of this database, with the directory they go in.
    pub copy: (Vec<&'static str>, PathBuf),
}

/// The node's files do not match its database: it refuses to start; nothing was made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct NodeFilesError(pub Vec<Mismatch>);

impl std::fmt::Display for NodeFilesError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let reasons: Vec<String> = self
            .0
            .iter()
            .map(|m| format!("{} ({})", m.reason, m.code))
            .collect();
        let copies: Vec<String> = self
            .0
            .iter()
            .map(|m| format!("{} into {}", m.copy.0.join(" and "), m.copy.1.display()))
            .collect();
        write!(
            f,
            "this node's files are not those of its database, so it does not start and made no \
             file: {}. Copy {} from a node of this database (docs/operations.md, \"Running \
             several nodes\")",
            reasons.join("; "),
            copies.join(", ")
        )
    }
}

impl NodeFilesError {
    /// The stable code of the first mismatch.
    pub fn code(&self) -> &'static str {
        self.0.first().map_or(CA_MISMATCH, |m| m.code)
    }
}

/// Checks the log key in `data`, the CA in `certs` and the second-factor key in `data` against
/// what `store` holds, reading files only.
///
/// Errors: [`NodeFilesError`] listing every file that is missing or not the database's;
/// database failures.
pub fn check(store: &Store, data: &Path, certs: &Path) -> anyhow::Result<()> {
    let mut mismatches = Vec::new();
    mismatches.extend(log_key(store, data)?);
    mismatches.extend(ca(store, certs)?);
    mismatches.extend(second_factor_key(store, data)?);
    if mismatches.is_empty() {
        Ok(())
    } else {
        Err(NodeFilesError(mismatches).into())
    }
}

fn log_key(store: &Store, data: &Path) -> anyhow::Result<Option<Mismatch>> {
    let Some(stored) = store.log_signed_by()? else {
        return Ok(None);
    };
    let path = data.join(crate::logkey::KEY_FILE);
    let wrong = |reason: String| {
        Some(Mismatch {
            code: LOG_KEY_MISMATCH,
            reason,
            copy: (vec![crate::logkey::KEY_FILE], data.to_path_buf()),
        })
    };
    if !path.exists() {
        return Ok(wrong(format!(
            "{} is missing, and this database's log is signed with {stored}",
            path.display()
        )));
    }
    let text = zeroize::Zeroizing::new(std::fs::read_to_string(&path).unwrap_or_default());
    match sahih_tlog::SignerKey::parse(text.trim_end()) {
        Ok(key) if key.verifier_key().to_string() == stored => Ok(None),
        Ok(_) => Ok(wrong(format!(
            "{} is not the key that signed this database's log ({stored})",
            path.display()
        ))),
        Err(_) => Ok(wrong(format!(
            "{} cannot be read as a log signing key, and this database's log is signed with \
             {stored}",
            path.display()
        ))),
    }
}

fn ca(store: &Store, certs: &Path) -> anyhow::Result<Option<Mismatch>> {
    let Some(newest) = store.newest_certificate()? else {
        return Ok(None);
    };
    let wrong = |reason: String| {
        Some(Mismatch {
            code: CA_MISMATCH,
            reason,
            copy: (vec![CA_CERT_FILE, CA_KEY_FILE], certs.to_path_buf()),
        })
    };
    let issued = format!(
        "this database's certificates (the newest: serial {}) were issued by another CA",
        newest.serial
    );
    let (cert_path, key_path) = (certs.join(CA_CERT_FILE), certs.join(CA_KEY_FILE));
    let missing: Vec<&str> = [CA_CERT_FILE, CA_KEY_FILE]
        .into_iter()
        .filter(|f| !certs.join(f).exists())
        .collect();
    if !missing.is_empty() {
        return Ok(wrong(format!(
            "{} has no {}, and {issued}",
            certs.display(),
            missing.join(" and ")
        )));
    }
    let read = |p: &Path| std::fs::read_to_string(p).unwrap_or_default();
    let (ca_pem, key_pem) = (read(&cert_path), read(&key_path));
    if !sahih_signing::ca::is_issued_by(&newest.cert_pem, &ca_pem).unwrap_or(false) {
        return Ok(wrong(format!(
            "{} is not the CA that issued this database's certificates (the newest: serial {})",
            cert_path.display(),
            newest.serial
        )));
    }
    if !sahih_signing::ca::is_key_of(&key_pem, &ca_pem).unwrap_or(false) {
        return Ok(wrong(format!(
            "{} is not the key of {}",
            key_path.display(),
            cert_path.display()
        )));
    }
    Ok(None)
}

fn second_factor_key(store: &Store, data: &Path) -> anyhow::Result<Option<Mismatch>> {
    let Some((officer, sealed)) = store.any_confirmed_second_factor()? else {
        return Ok(None);
    };
    let file = crate::secondfactor::KEY_FILE;
    let path = data.join(file);
    let wrong = |reason: String| {
        Some(Mismatch {
            code: SECOND_FACTOR_KEY_MISMATCH,
            reason,
            copy: (vec![file], data.to_path_buf()),
        })
    };
    if !path.exists() {
        return Ok(wrong(format!(
            "{} is missing, and officers of this database have enrolled a TOTP second factor",
            path.display()
        )));
    }
    let key = match crate::secondfactor::load(data) {
        Ok(Some(key)) => key,
        Ok(None) => return Ok(wrong(format!("{} is missing", path.display()))),
        Err(e) => return Ok(wrong(format!("{e:#}"))),
    };
    if key.open(officer, &sealed).is_err() {
        return Ok(wrong(format!(
            "{} does not open the officers' second factors (they were sealed with another key)",
            path.display()
        )));
    }
    Ok(None)
}
