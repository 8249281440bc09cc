//! The instance's second-factor key: 32 random bytes (hex) that seal officers' TOTP secrets at
//! rest with AES-256-GCM, made on first start and kept in the data directory as
//! `second-factor.key` with mode 0600, like the log key. A database copied without this file
//! does not give anyone the officers' codes. Every `sahih serve` node on one database needs the
//! same file; losing it means every officer enrolls again (an admin resets them).

use std::path::Path;

use anyhow::{Context, bail};
use sahih_web::totp::SealKey;
use zeroize::Zeroizing;

/// The key file's name in the data directory.
pub const KEY_FILE: &str = "second-factor.key";

/// The key at `data/second-factor.key`, made if the file is missing.
///
/// Errors: the file cannot be read or written, is readable by others, or does not hold 64 hex
/// digits.
pub fn load_or_create(data: &Path) -> anyhow::Result<SealKey> {
    std::fs::create_dir_all(data).with_context(|| format!("creating {}", data.display()))?;
    if let Some(key) = load(data)? {
        return Ok(key);
    }
    let mut bytes = Zeroizing::new([0u8; 32]);
    getrandom::fill(bytes.as_mut()).map_err(|e| anyhow::anyhow!("random: {e}"))?;
    let text = Zeroizing::new(format!("{}\n", hex::encode(bytes.as_ref())));
    crate::logkey::write_private(&data.join(KEY_FILE), text.as_bytes())?;
    Ok(SealKey::new(*bytes))
}

/// The key at `data/second-factor.key`, or `None` when the file is missing; makes nothing.
///
/// Errors: those of [`load_or_create`] but for a missing file.
pub fn load(data: &Path) -> anyhow::Result<Option<SealKey>> {
    let path = data.join(KEY_FILE);
    if !path.exists() {
        return Ok(None);
    }
    crate::logkey::check_private(&path)?;
    let text = Zeroizing::new(
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?,
    );
    let mut bytes = Zeroizing::new([0u8; 32]);
    if hex::decode_to_slice(text.trim(), bytes.as_mut()).is_err() {
        bail!(
            "{} does not hold a second-factor key (64 hex digits)",
            path.display()
        );
    }
    Ok(Some(SealKey::new(*bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn made_once_private_and_reloaded() {
        let dir = tempfile::tempdir().expect("tempdir");
        load_or_create(dir.path()).expect("made");
        let first = std::fs::read_to_string(dir.path().join(KEY_FILE)).expect("read");
        load_or_create(dir.path()).expect("loaded");
        let again = std::fs::read_to_string(dir.path().join(KEY_FILE)).expect("read");
        assert_eq!(first, again, "the key is kept");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(KEY_FILE))
                .expect("meta")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
