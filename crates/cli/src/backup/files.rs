//! The file work of `backup` and `restore`: private directories (0700) and files (0600) that
//! are only ever created, never replaced, each hashed (SHA-256) as it is copied; and a record
//! of what one run created, removed again when the run fails.

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use sha2::{Digest, Sha256};

/// What one run created, in order; removed (files, then directories, newest first) when
/// dropped before [`Written::keep`], so a failed run leaves nothing half-written behind.
#[derive(Debug, Default)]
pub struct Written {
    created: Vec<PathBuf>,
    kept: bool,
}

impl Written {
    /// Creates `dir` and its missing ancestors, each with mode 0700, recording those it made.
    pub fn mkdir_all(&mut self, dir: &Path) -> anyhow::Result<()> {
        let mut missing = Vec::new();
        let mut at = Some(dir);
        while let Some(d) = at {
            if d.as_os_str().is_empty() || d.exists() {
                break;
            }
            missing.push(d.to_path_buf());
            at = d.parent();
        }
        for d in missing.into_iter().rev() {
            let mut builder = fs::DirBuilder::new();
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
            builder
                .create(&d)
                .with_context(|| format!("creating {}", d.display()))?;
            self.created.push(d);
        }
        Ok(())
    }

    /// Records `path` as made by this run (a file another program is about to write there).
    pub fn track(&mut self, path: &Path) {
        self.created.push(path.to_path_buf());
    }

    /// Copies the file `from` to the new file `to` (mode 0600, synced; its directory is made),
    /// returning the lowercase hex SHA-256 of the bytes copied. Refuses a `to` that exists.
    pub fn copy(&mut self, from: &Path, to: &Path) -> anyhow::Result<String> {
        if let Some(parent) = to.parent() {
            self.mkdir_all(parent)?;
        }
        let mut input =
            fs::File::open(from).with_context(|| format!("reading {}", from.display()))?;
        let mut options = fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut output = options
            .open(to)
            .with_context(|| format!("creating {}", to.display()))?;
        self.created.push(to.to_path_buf());
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let n = input
                .read(&mut buf)
                .with_context(|| format!("reading {}", from.display()))?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            output
                .write_all(&buf[..n])
                .with_context(|| format!("writing {}", to.display()))?;
        }
        output
            .sync_all()
            .with_context(|| format!("writing {}", to.display()))?;
        Ok(hex::encode(hasher.finalize()))
    }

    /// Keeps what was written.
    pub fn keep(mut self) {
        self.kept = true;
    }
}

impl Drop for Written {
    fn drop(&mut self) {
        if self.kept {
            return;
        }
        for path in self.created.iter().rev() {
            let _ = match fs::symlink_metadata(path) {
                Ok(m) if m.is_dir() => fs::remove_dir(path),
                Ok(_) => fs::remove_file(path),
                Err(_) => Ok(()),
            };
        }
    }
}

/// The lowercase hex SHA-256 of the file at `path`, read in pieces.
pub fn sha256_file(path: &Path) -> anyhow::Result<String> {
    let mut file = fs::File::open(path).with_context(|| format!("reading {}", path.display()))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file
            .read(&mut buf)
            .with_context(|| format!("reading {}", path.display()))?;
        if n == 0 {
            return Ok(hex::encode(hasher.finalize()));
        }
        hasher.update(&buf[..n]);
    }
}

/// Sets mode 0600 on a file another program wrote (SQLite's `VACUUM INTO`, `pg_dump`).
pub fn make_private(path: &Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(0o600))
            .with_context(|| format!("chmod 600 {}", path.display()))?;
    }
    let _ = path;
    Ok(())
}

/// Sets mode 0700 on a directory that existed (an empty backup directory given).
pub fn make_private_dir(dir: &Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
            .with_context(|| format!("chmod 700 {}", dir.display()))?;
    }
    let _ = dir;
    Ok(())
}

/// Whether `dir` is missing or an empty directory. Errors: it is something else, or unreadable.
pub fn is_absent_or_empty(dir: &Path) -> anyhow::Result<bool> {
    match fs::read_dir(dir) {
        Ok(mut entries) => Ok(entries.next().is_none()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(true),
        Err(e) => Err(e).with_context(|| format!("reading {}", dir.display())),
    }
}

/// A file found under a directory: its path relative to it (`/`-separated) and its path.
#[derive(Debug, Clone)]
pub struct Found {
    /// Relative to the walked directory, `/`-separated.
    pub relative: String,
    /// The path.
    pub path: PathBuf,
}

/// The regular files under `root` (a missing `root` has none), in name order, skipping
/// temporary files (names starting with `.` or ending in `.tmp`: writes in progress) and every
/// path `skip` says yes to. Symbolic links to files count as files; other links and special
/// files are skipped.
pub fn walk(root: &Path, skip: &dyn Fn(&Path) -> bool) -> anyhow::Result<Vec<Found>> {
    let mut out = Vec::new();
    if root.exists() {
        walk_into(root, "", skip, &mut out)?;
    }
    Ok(out)
}

fn walk_into(
    dir: &Path,
    prefix: &str,
    skip: &dyn Fn(&Path) -> bool,
    out: &mut Vec<Found>,
) -> anyhow::Result<()> {
    let mut entries = fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("reading {}", dir.display()))?;
    entries.sort_by_key(fs::DirEntry::file_name);
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        if name.starts_with('.') || name.ends_with(".tmp") || skip(&path) {
            continue;
        }
        let relative = format!("{prefix}{name}");
        let kind = entry
            .file_type()
            .with_context(|| format!("reading {}", path.display()))?;
        if kind.is_dir() {
            walk_into(&path, &format!("{relative}/"), skip, out)?;
        } else if fs::metadata(&path).is_ok_and(|m| m.is_file()) {
            out.push(Found { relative, path });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_run_removes_what_it_made_and_a_kept_one_stays_private() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let src = tmp.path().join("src");
        fs::write(&src, b"secret").expect("write");
        let target = tmp.path().join("a/b/copy");
        {
            let mut w = Written::default();
            let hash = w.copy(&src, &target).expect("copy");
            assert_eq!(hash, hex::encode(Sha256::digest(b"secret")));
            assert!(w.copy(&src, &target).is_err(), "never replaces a file");
        }
        assert!(!tmp.path().join("a").exists(), "removed: {target:?}");

        let mut w = Written::default();
        w.copy(&src, &target).expect("copy");
        w.keep();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| fs::metadata(p).expect("meta").permissions().mode() & 0o777;
            assert_eq!(mode(&target), 0o600);
            assert_eq!(mode(&tmp.path().join("a/b")), 0o700);
        }
        let found = walk(tmp.path(), &|p| p.ends_with("src")).expect("walk");
        let names: Vec<&str> = found.iter().map(|f| f.relative.as_str()).collect();
        assert_eq!(names, ["a/b/copy"]);
    }
}
