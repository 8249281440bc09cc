//! PostgreSQL's own client tools, which a PostgreSQL backup is made and restored with:
//! `pg_dump --format=custom` of an exported snapshot, and `pg_restore` into an empty database.
//! Found in `--pg-bin DIR` (SAHIH_PG_BIN), else on PATH; their versions are checked first, so
//! that a missing or too old client is a clear refusal, not a half-written backup. A password
//! in the database URL goes to them in PGPASSWORD, never on their command line.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use zeroize::Zeroizing;

use super::BackupError;

/// A PostgreSQL client tool and its version.
#[derive(Debug, Clone)]
pub struct Tool {
    name: &'static str,
    path: PathBuf,
    /// Its version, e.g. `15.20`.
    pub version: String,
    /// Its major version, e.g. 15.
    pub major: u32,
}

/// The major version of a PostgreSQL version text: `15.20` → 15, `17devel` → 17, `9.6.24` → 9.
pub fn major_of(version: &str) -> Option<u32> {
    let digits: String = version.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// The version a tool prints for `--version`, e.g. `pg_dump (PostgreSQL) 15.20 (Debian …)`.
fn parse_version(out: &str) -> Option<String> {
    let line = out.lines().next()?;
    let after = line.split_once(')').map_or(line, |(_, rest)| rest);
    after
        .split_whitespace()
        .find(|w| w.starts_with(|c: char| c.is_ascii_digit()))
        .map(str::to_string)
}

/// Finds the tool `name` (`pg_dump`, `pg_restore`) in `dir`, else on PATH, and asks its version.
///
/// Errors: [`BackupError::ToolMissing`]; [`BackupError::ToolFailed`] when it does not say its
/// version.
pub fn find(name: &'static str, dir: Option<&Path>) -> Result<Tool, BackupError> {
    let path = match dir {
        Some(dir) => Some(dir.join(name)).filter(|p| p.is_file()),
        None => std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|d| d.join(name))
                .find(|p| p.is_file())
        }),
    };
    let Some(path) = path else {
        return Err(BackupError::ToolMissing {
            tool: name,
            place: dir.map_or("on PATH".to_string(), |d| format!("in {}", d.display())),
        });
    };
    let failed = |detail: String| BackupError::ToolFailed { tool: name, detail };
    let out = Command::new(&path)
        .arg("--version")
        .output()
        .map_err(|e| failed(format!("{}: {e}", path.display())))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let version = parse_version(&text)
        .filter(|_| out.status.success())
        .ok_or_else(|| {
            failed(format!(
                "{} --version said {:?}",
                path.display(),
                text.trim()
            ))
        })?;
    let major = major_of(&version).ok_or_else(|| {
        failed(format!(
            "{} --version said {:?}",
            path.display(),
            text.trim()
        ))
    })?;
    Ok(Tool {
        name,
        path,
        version,
        major,
    })
}

impl Tool {
    /// Refuses this tool when its major version is below `need`.
    ///
    /// Errors: [`BackupError::ToolTooOld`].
    pub fn at_least(self, need: u32, of_what: &str) -> Result<Tool, BackupError> {
        if self.major < need {
            return Err(BackupError::ToolTooOld {
                tool: self.name,
                version: self.version,
                need,
                of_what: of_what.to_string(),
            });
        }
        Ok(self)
    }

    /// Runs the tool on the database `url` with `args`; its output when it exits 0.
    ///
    /// Errors: [`BackupError::ToolFailed`] with the last lines it printed on stderr.
    pub fn run(&self, url: &str, args: &[&std::ffi::OsStr]) -> Result<Output, BackupError> {
        let (url, password) = split_password(url);
        let mut command = Command::new(&self.path);
        command
            .args(args)
            .arg("--no-password")
            .arg("--dbname")
            .arg(&url);
        if let Some(password) = &password {
            command.env("PGPASSWORD", password.as_str());
        }
        let out = command.output().map_err(|e| BackupError::ToolFailed {
            tool: self.name,
            detail: format!("{}: {e}", self.path.display()),
        })?;
        if out.status.success() {
            return Ok(out);
        }
        let stderr = String::from_utf8_lossy(&out.stderr);
        let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
        let tail = lines[lines.len().saturating_sub(3)..].join(" / ");
        Err(BackupError::ToolFailed {
            tool: self.name,
            detail: format!("{}: {tail}", out.status),
        })
    }
}

/// The PostgreSQL URI without the password of its `user:password@` part, and that password
/// (percent-decoded, RFC 3986 §2.1), for PGPASSWORD.
fn split_password(url: &str) -> (String, Option<Zeroizing<String>>) {
    let Some((scheme, rest)) = url.split_once("://") else {
        return (url.to_string(), None);
    };
    let (authority, tail) = rest.split_at(rest.find(['/', '?']).unwrap_or(rest.len()));
    let Some((userinfo, host)) = authority.rsplit_once('@') else {
        return (url.to_string(), None);
    };
    let Some((user, password)) = userinfo.split_once(':') else {
        return (url.to_string(), None);
    };
    (
        format!("{scheme}://{user}@{host}{tail}"),
        Some(Zeroizing::new(percent_decode(password))),
    )
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_read_from_what_the_tools_print() {
        for (printed, version, major) in [
            (
                "pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)\n",
                "15.20",
                15,
            ),
            ("pg_restore (PostgreSQL) 17devel\n", "17devel", 17),
            ("pg_dump (PostgreSQL) 9.6.24\n", "9.6.24", 9),
        ] {
            let v = parse_version(printed).expect(printed);
            assert_eq!((v.as_str(), major_of(&v)), (version, Some(major)));
        }
        assert_eq!(parse_version("command not found"), None);
    }

    #[test]
    fn the_password_leaves_the_url_for_pgpassword() {
        let (url, pw) =
            split_password("postgres://sahih:s%40cret%2F@db:5432/sahih?sslmode=require");
        assert_eq!(url, "postgres://sahih@db:5432/sahih?sslmode=require");
        assert_eq!(pw.as_deref().map(String::as_str), Some("s@cret/"));
        for plain in [
            "postgres://db/sahih",
            "postgres://sahih@db/sahih",
            "postgres://127.0.0.1:5432/t",
        ] {
            assert_eq!(split_password(plain), (plain.to_string(), None));
        }
    }
}
