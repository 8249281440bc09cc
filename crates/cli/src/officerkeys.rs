//! `sahih keys import-p12` and `sahih keys use-pkcs11`: an officer's signing key from a
//! national CA's PKCS#12 file (stored re-encrypted under a new passphrase, RFC 7292 → PKCS#8
//! PBES2), or kept in a PKCS#11 token (stored as an RFC 7512 URI with the certificate), in an
//! instance's database. Same checks as the officer's key page.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Args;
use zeroize::Zeroizing;

use crate::apikey::Instance;

/// `sahih keys import-p12`.
#[derive(Args)]
pub struct ImportP12Args {
    /// The officer's login.
    #[arg(long)]
    login: String,
    /// File holding the PKCS#12 file's password (otherwise SAHIH_P12_PASSWORD; empty if
    /// neither).
    #[arg(long, value_name = "FILE")]
    p12_password_file: Option<PathBuf>,
    /// File holding the new signing passphrase (otherwise SAHIH_KEY_PASSPHRASE).
    #[arg(long, value_name = "FILE")]
    passphrase_file: Option<PathBuf>,
    /// The PKCS#12 file (.p12 / .pfx).
    file: PathBuf,
    #[command(flatten)]
    instance: Instance,
}

/// `sahih keys use-pkcs11`.
#[derive(Args)]
pub struct UsePkcs11Args {
    /// The officer's login.
    #[arg(long)]
    login: String,
    /// The key in the token, `pkcs11:token=LABEL;object=LABEL` (RFC 7512); the instance's
    /// `[signing] pkcs11_module` opens it, the officer's passphrase being the PIN.
    #[arg(long)]
    uri: String,
    /// The key's certificate (and chain), PEM.
    #[arg(long)]
    cert: PathBuf,
    #[command(flatten)]
    instance: Instance,
}

/// A secret from `file` (without its final line break) or the environment variable `var`.
fn secret(file: Option<&PathBuf>, var: &str) -> anyhow::Result<Option<Zeroizing<String>>> {
    if let Some(file) = file {
        let text = Zeroizing::new(
            std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?,
        );
        return Ok(Some(Zeroizing::new(
            text.trim_end_matches(['\r', '\n']).to_string(),
        )));
    }
    Ok(std::env::var(var).ok().map(Zeroizing::new))
}

fn officer(app: &sahih_web::App, login: &str) -> anyhow::Result<sahih_store::User> {
    match app.store().user_by_login(&login.trim().to_lowercase())? {
        Some((user, _)) => Ok(user),
        None => bail!("no user {login:?} (E_NOT_FOUND)"),
    }
}

fn refused(e: sahih_web::AppError) -> anyhow::Error {
    anyhow::anyhow!("{e} ({})", e.code())
}

pub fn import_p12(args: ImportP12Args) -> anyhow::Result<()> {
    let bytes = Zeroizing::new(
        std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?,
    );
    let password = secret(args.p12_password_file.as_ref(), "SAHIH_P12_PASSWORD")?
        .unwrap_or_else(|| Zeroizing::new(String::new()));
    let passphrase = secret(args.passphrase_file.as_ref(), "SAHIH_KEY_PASSPHRASE")?.context(
        "the new signing passphrase is needed: --passphrase-file FILE or SAHIH_KEY_PASSPHRASE",
    )?;
    let app = args.instance.open()?;
    let user = officer(&app, &args.login)?;
    let subject = app
        .import_p12(&user, &bytes, password.as_bytes(), passphrase.as_bytes())
        .map_err(refused)?;
    eprintln!(
        "imported the key and certificate of {subject} for {}",
        user.login
    );
    Ok(())
}

pub fn use_pkcs11(args: UsePkcs11Args) -> anyhow::Result<()> {
    let uri = sahih_signing::pkcs11::Pkcs11Uri::parse(&args.uri)
        .map_err(|e| anyhow::anyhow!("{e} ({})", e.code()))?;
    let pem = std::fs::read_to_string(&args.cert)
        .with_context(|| format!("reading {}", args.cert.display()))?;
    let certs = sahih_signing::load_certificates_pem(&pem)?;
    if let Some(leaf) = certs.first() {
        sahih_signing::p12::check_usable(leaf, sahih_signing::p12::now())
            .map_err(|e| anyhow::anyhow!("{}: {e} ({})", args.cert.display(), e.code()))?;
    }
    let app = args.instance.open()?;
    let user = officer(&app, &args.login)?;
    app.store()
        .set_officer_credentials(user.id, &pem, &uri.to_string())?;
    eprintln!("{} signs with {uri}", user.login);
    Ok(())
}
