//! Helpers shared by Sahih's end-to-end tests: where `../shared` is, how to ask the
//! third-party validators (`pdf-oracle`: pyHanko, pdfsig, qpdf) for their verdicts, and an
//! [`Instance`] (a data directory and its database, SQLite or, with `TEST_DATABASE_URL`,
//! PostgreSQL) for the `sahih` processes a test runs.
#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

pub mod attacks;
pub mod http;
pub mod instance;
pub mod render;
pub mod smtp;

pub use instance::Instance;

/// The `shared/` folder beside the repository (override with `SAHIH_SHARED`).
pub fn shared_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("SAHIH_SHARED") {
        return PathBuf::from(dir);
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared")
}

/// The repository root.
pub fn repo_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Whether pdf-oracle can run here (pyHanko importable, pdfsig and qpdf on PATH). When CI is
/// set, absence is a failure, not a skip.
pub fn oracle_available() -> bool {
    let python = Command::new("python3")
        .args(["-c", "import pyhanko, pyhanko_certvalidator"])
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    let tools = ["pdfsig", "qpdf", "certutil"].iter().all(|t| {
        Command::new("sh")
            .args(["-c", &format!("command -v {t}")])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    });
    let ok = python && tools && shared_dir().join("tools/pdf-oracle").exists();
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "pdf-oracle is not installed, but CI is set: run ../shared/tools/install-oracles"
        );
        eprintln!(
            "SKIPPING oracle checks LOUDLY: pdf-oracle's validators are not installed (run ../shared/tools/install-oracles)"
        );
    }
    ok
}

/// The verdict pdf-oracle printed, and whether it exited 0.
#[derive(Debug, Clone)]
pub struct OracleVerdict {
    /// The whole JSON report.
    pub json: serde_json::Value,
    /// Exit status 0: every validator accepted every signature.
    pub ok: bool,
}

impl OracleVerdict {
    /// pyHanko's row for the signature field `field`.
    pub fn pyhanko_field(&self, field: &str) -> Option<&serde_json::Value> {
        self.json["pyhanko"]
            .as_array()?
            .iter()
            .find(|r| r["field"].as_str() == Some(field))
    }

    /// pyHanko's rows, all fields.
    pub fn pyhanko_rows(&self) -> Vec<serde_json::Value> {
        self.json["pyhanko"].as_array().cloned().unwrap_or_default()
    }
}

/// Runs `../shared/tools/pdf-oracle [--trust T]... file`.
pub fn pdf_oracle(file: &Path, trust: &[&Path]) -> anyhow::Result<OracleVerdict> {
    run_oracle(file, trust, &[])
}

/// Runs pdf-oracle with pyHanko alone (`--no-pdfsig --no-qpdf`), for signature-by-signature
/// comparisons.
pub fn pyhanko_oracle(file: &Path, trust: &[&Path]) -> anyhow::Result<OracleVerdict> {
    run_oracle(file, trust, &["--no-pdfsig", "--no-qpdf"])
}

fn run_oracle(file: &Path, trust: &[&Path], extra: &[&str]) -> anyhow::Result<OracleVerdict> {
    let mut cmd = Command::new(shared_dir().join("tools/pdf-oracle"));
    for t in trust {
        cmd.arg("--trust").arg(t);
    }
    let out = cmd.args(extra).arg(file).output()?;
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).map_err(|e| {
        anyhow::anyhow!(
            "pdf-oracle printed no JSON ({e}): {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })?;
    Ok(OracleVerdict {
        json,
        ok: out.status.success(),
    })
}

/// A one-page PDF whose page shows `title`, with a classic cross-reference table
/// (ISO 32000-2 §7.5.4): the simplest input a signer takes.
pub fn plain_pdf(title: &str) -> Vec<u8> {
    let content = format!("BT /F1 12 Tf 72 720 Td ({title}) Tj ET");
    let bodies = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>".to_string(),
        format!(
            "<< /Length {} >>\nstream\n{content}\nendstream",
            content.len()
        ),
    ];
    let mut out = b"%PDF-1.7\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in bodies.iter().enumerate() {
        offsets.push(out.len());
        out.extend(format!("{} 0 obj\n{body}\nendobj\n", i + 1).bytes());
    }
    let xref = out.len();
    out.extend(format!("xref\n0 {}\n0000000000 65535 f \n", bodies.len() + 1).bytes());
    for o in offsets {
        out.extend(format!("{o:010} 00000 n \n").bytes());
    }
    out.extend(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            bodies.len() + 1
        )
        .bytes(),
    );
    out
}
