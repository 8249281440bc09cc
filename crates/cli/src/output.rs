//! Writing an output file the way scripts expect: a regular file (or a link to one) appears
//! whole or not at all, with the permissions the umask gives a new file; `/dev/stdout` and pipes
//! are written to directly.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Runs `write` into the file at `path`. A regular file (or a link to one) is written beside
/// its target and renamed into place, so that a failure leaves no partial file and the output
/// may be the input; anything else that exists (a device, a pipe) is written to directly.
///
/// Errors: the file cannot be created, written or renamed; or `write` fails.
pub fn write_whole(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    use anyhow::Context as _;
    let writing = || format!("writing {}", path.display());
    let existing = std::fs::metadata(path).ok();
    if existing.as_ref().is_some_and(|m| !m.is_file()) {
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .with_context(writing)?;
        let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
        write(&mut out)?;
        return out.flush().with_context(writing);
    }
    let target = match existing {
        Some(_) => std::fs::canonicalize(path).with_context(writing)?,
        None => path.to_path_buf(),
    };
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !dir.is_dir() {
        let missing = std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!("{} is not a directory", dir.display()),
        );
        return Err(anyhow::Error::new(missing).context(writing()));
    }
    let partial = tempfile::Builder::new()
        .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666))
        .tempfile_in(&dir)
        .with_context(|| format!("writing in {}", dir.display()))?;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, partial);
    write(&mut out)?;
    let partial = out
        .into_inner()
        .map_err(|e| e.into_error())
        .with_context(writing)?;
    partial
        .persist(&target)
        .map_err(|e| e.error)
        .with_context(writing)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt as _;

    #[test]
    fn a_failed_write_leaves_nothing_and_a_good_one_replaces_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("out.pdf");
        std::fs::write(&path, b"old").expect("write");
        let failed = write_whole(&path, |out| {
            out.write_all(b"half")?;
            anyhow::bail!("signing failed")
        });
        assert!(failed.is_err());
        assert_eq!(std::fs::read(&path).expect("read"), b"old");
        assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 1);
        write_whole(&path, |out| Ok(out.write_all(b"new")?)).expect("write");
        assert_eq!(std::fs::read(&path).expect("read"), b"new");
        let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
        assert_ne!(
            mode & 0o044,
            0,
            "readable by others as a new file is: {mode:o}"
        );
    }
}
