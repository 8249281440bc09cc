//! The TSA and the CRLs of `--tsa URL|builtin` and `--crl FILE`, shared by `sign`, `demo`,
//! `serve` and `archive`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use sahih_signing::TimeStamper;
use sahih_signing::ltv::FixedCrls;
use sahih_signing::tsa::BuiltinTsa;
use zeroize::Zeroizing;

/// Days before expiry at which the built-in TSA's certificate is renewed when loaded.
pub const TSA_RENEW_DAYS: i64 = 365;

/// The TSA named by `spec`: `builtin` (the certificates directory's TSA, issued by its CA when
/// missing; key passphrase SAHIH_TSA_PASSPHRASE, else — when `development` — the development
/// passphrase), or an http(s) URL.
pub fn stamper(
    spec: &str,
    certs: &Path,
    development: bool,
) -> anyhow::Result<Arc<dyn TimeStamper + Send + Sync>> {
    if spec == "builtin" {
        return Ok(Arc::new(builtin(certs, development)?));
    }
    if !(spec.starts_with("http://") || spec.starts_with("https://")) {
        anyhow::bail!("--tsa {spec:?}: give an http(s) URL or `builtin`");
    }
    Ok(Arc::new(sahih_web::timestamping::HttpTsa::new(spec)))
}

/// The built-in TSA of `certs`. Its key's passphrase comes from SAHIH_TSA_PASSPHRASE; only a
/// `development` run (the demo data, `sahih sign`/`demo` with the development certificates)
/// falls back to the development passphrase: a configured instance refuses to start without it.
pub fn builtin(certs: &Path, development: bool) -> anyhow::Result<BuiltinTsa> {
    let pass = Zeroizing::new(match std::env::var("SAHIH_TSA_PASSPHRASE") {
        Ok(p) if !p.is_empty() => p,
        _ if development => sahih_web::seed::DEMO_KEY_PASSPHRASE.to_string(),
        _ => anyhow::bail!(
            "the built-in TSA's key needs its passphrase: set SAHIH_TSA_PASSPHRASE \
             (only the demo data falls back to the development passphrase)"
        ),
    });
    let creds = sahih_signing::devca::tsa_credentials(
        certs,
        pass.as_bytes(),
        time::Duration::days(TSA_RENEW_DAYS),
    )
    .with_context(|| format!("the built-in TSA of {}", certs.display()))?;
    Ok(BuiltinTsa::new(creds.key, creds.cert, creds.chain)?)
}

/// The CRLs in `files` (DER or PEM).
pub fn crl_files(files: &[PathBuf]) -> anyhow::Result<FixedCrls> {
    let mut crls = Vec::new();
    for f in files {
        let bytes = std::fs::read(f).with_context(|| format!("reading {}", f.display()))?;
        crls.push(
            sahih_web::timestamping::crl_der(&bytes)
                .with_context(|| format!("reading {}", f.display()))?,
        );
    }
    Ok(FixedCrls(crls))
}
