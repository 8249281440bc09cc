//! The transparency log's Ed25519 checkpoint key: made on first start, kept in the data
//! directory as `log-signing.key` with mode 0600 (owner read/write only), in the text form of
//! golang.org/x/mod/sumdb/note (`PRIVATE+KEY+<origin>+<key id>+<base64>`). It is not
//! encrypted: the sequencer signs unattended every second, so a passphrase would have to sit
//! beside it (docs/transparency-log.md says why and what to do on a real deployment).

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use sahih_tlog::SignerKey;
use zeroize::Zeroizing;

/// The origin of a log whose configuration names none.
pub const DEFAULT_ORIGIN: &str = "sahih.local/log";

/// The key file's name in the data directory.
pub const KEY_FILE: &str = "log-signing.key";

/// Refuses a key file that others than its owner may read or write.
#[cfg(unix)]
pub(crate) fn check_private(path: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)
        .with_context(|| format!("reading {}", path.display()))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        bail!(
            "{} is readable or writable by others (mode {:o}): run chmod 600 on it",
            path.display(),
            mode & 0o777
        );
    }
    Ok(())
}

#[cfg(not(unix))]
pub(crate) fn check_private(_: &Path) -> anyhow::Result<()> {
    Ok(())
}

/// Writes `text` to a new file at `path` with mode 0600, durably (temporary file, fsync,
/// rename). Fails if `path` appeared meanwhile.
pub(crate) fn write_private(path: &Path, text: &[u8]) -> anyhow::Result<()> {
    let tmp = path.with_extension("tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let _ = std::fs::remove_file(&tmp);
    let mut file = options
        .open(&tmp)
        .with_context(|| format!("creating {}", tmp.display()))?;
    file.write_all(text)
        .and_then(|()| file.sync_all())
        .with_context(|| format!("writing {}", tmp.display()))?;
    if path.exists() {
        let _ = std::fs::remove_file(&tmp);
        bail!("{} appeared while it was being created", path.display());
    }
    std::fs::rename(&tmp, path).with_context(|| format!("renaming to {}", path.display()))
}

/// The key at `data/log-signing.key`, made with `origin` as its name if the file is missing.
///
/// Errors: the file cannot be read or written, is readable by others, does not hold a key, or
/// holds the key of another origin (a log's origin never changes: to start a new log, move the
/// file away and start with a fresh database, and its verifiers must pin the new key).
pub fn load_or_create(data: &Path, origin: &str) -> anyhow::Result<SignerKey> {
    std::fs::create_dir_all(data).with_context(|| format!("creating {}", data.display()))?;
    let path: PathBuf = data.join(KEY_FILE);
    if !path.exists() {
        let key = SignerKey::generate(origin).context("making the log key")?;
        let mut text = key.to_secret_string();
        text.push('\n');
        write_private(&path, text.as_bytes())?;
        return Ok(key);
    }
    check_private(&path)?;
    let text = Zeroizing::new(
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?,
    );
    let key = SignerKey::parse(text.trim_end())
        .with_context(|| format!("{} does not hold a log signing key", path.display()))?;
    if key.name() != origin {
        bail!(
            "{} is the key of the log {}, but log_origin is {origin}: a log's origin cannot \
             change (to start a new log, move the key file away and start with a fresh \
             database)",
            path.display(),
            key.name()
        );
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn made_once_private_and_reloaded_under_its_origin_only() {
        let dir = tempfile::tempdir().expect("tempdir");
        let made = load_or_create(dir.path(), "sahih.test/log").expect("made");
        let again = load_or_create(dir.path(), "sahih.test/log").expect("loaded");
        assert_eq!(
            made.verifier_key().to_string(),
            again.verifier_key().to_string()
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(KEY_FILE))
                .expect("meta")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
            std::fs::set_permissions(
                dir.path().join(KEY_FILE),
                std::fs::Permissions::from_mode(0o644),
            )
            .expect("chmod");
            assert!(load_or_create(dir.path(), "sahih.test/log").is_err());
            std::fs::set_permissions(
                dir.path().join(KEY_FILE),
                std::fs::Permissions::from_mode(0o600),
            )
            .expect("chmod");
        }
        let other = load_or_create(dir.path(), "sahih.other/log");
        assert!(format!("{:#}", other.expect_err("refused")).contains("cannot change"));
    }
}
