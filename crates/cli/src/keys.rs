//! `sahih keys issue|renew|revoke|list|crl`: Sahih's own CA on the server, as the admin page
//! runs it (see `sahih_web::app` `issue_certificate`): issue a new key and certificate to an
//! officer, renew (the same key, a new serial), revoke with an RFC 5280 reason, list the
//! register, write the current CRL. The CA is the certs directory's (`ca.pem`, `ca.key.pem`);
//! certificates name `<public_url>/pki/crl` as their CRL distribution point. Exit status 0 when
//! done; 1 when refused (one line on stderr with a stable code: `E_NOT_FOUND`, `E_CONFLICT`,
//! `E_CERTIFICATE_ACTIVE`, `E_KEY_COMPROMISED`, `E_PASSPHRASE_WEAK`, `E_NO_SIGNING_KEY`); 2
//! when it could not be done (files, the database); 3 for a usage mistake.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use sahih_signing::ca::{Ca, CaUrls, RevocationReason};
use sahih_store::User;
use sahih_web::{App, AppError};
use zeroize::Zeroizing;

use crate::apikey::{Instance, Outcome, finish};

#[derive(Subcommand)]
pub enum CaCommand {
    /// Issue an officer a new ECDSA P-256 key, encrypted under the first key passphrase read
    /// from SAHIH_KEY_PASSPHRASE (at least 10 characters; hand it to the officer), and a
    /// certificate for it. Prints the serial.
    Issue {
        /// The officer's login.
        #[arg(long)]
        login: String,
        #[command(flatten)]
        ca: CaArgs,
    },
    /// Renew an officer's certificate: their current key certified again, new serial and
    /// validity. Prints the serial.
    Renew {
        /// The officer's login.
        #[arg(long)]
        login: String,
        #[command(flatten)]
        ca: CaArgs,
    },
    /// Revoke a certificate (final); the next CRL lists it and signing with it is refused.
    Revoke {
        /// The certificate's serial number, hex.
        #[arg(long)]
        serial: String,
        /// RFC 5280 reason: unspecified, keyCompromise, affiliationChanged, superseded,
        /// cessationOfOperation, privilegeWithdrawn.
        #[arg(long, default_value = "unspecified")]
        reason: String,
        #[command(flatten)]
        ca: CaArgs,
    },
    /// List the certificates the CA issued: serial, login, validity, status, reason.
    List {
        #[command(flatten)]
        ca: CaArgs,
    },
    /// Write the current CRL (DER) to a file.
    Crl {
        /// Where to write it.
        #[arg(short = 'o', long = "out")]
        output: PathBuf,
        #[command(flatten)]
        ca: CaArgs,
    },
}

/// The instance and its CA.
#[derive(Args)]
pub struct CaArgs {
    #[command(flatten)]
    instance: Instance,
    /// Directory of the CA (`ca.pem`, `ca.key.pem`), as `sahih serve --certs`.
    #[arg(long, env = "SAHIH_CERTS", default_value = "certs-dev")]
    certs: PathBuf,
    /// The address the service is reached at (the configuration's public_url): certificates
    /// name `<URL>/pki/crl` and `<URL>/pki/ca.pem`.
    #[arg(
        long,
        env = "SAHIH_PUBLIC_URL",
        default_value = "http://127.0.0.1:8080"
    )]
    public_url: String,
}

impl CaArgs {
    fn open(&self) -> anyhow::Result<App> {
        let ca =
            Ca::load(&self.certs).with_context(|| format!("the CA in {}", self.certs.display()))?;
        Ok(self
            .instance
            .open()?
            .with_ca(ca, CaUrls::under(&self.public_url)))
    }
}

pub fn run(command: CaCommand) -> ExitCode {
    finish(match command {
        CaCommand::Issue { login, ca } => issue(&ca, &login),
        CaCommand::Renew { login, ca } => renew(&ca, &login),
        CaCommand::Revoke { serial, reason, ca } => revoke(&ca, &serial, &reason),
        CaCommand::List { ca } => list(&ca),
        CaCommand::Crl { output, ca } => crl(&ca, &output),
    })
}

fn officer(app: &App, login: &str) -> Result<User, Outcome> {
    let login = login.trim().to_lowercase();
    let (user, _) = app
        .store()
        .user_by_login(&login)?
        .ok_or_else(|| AppError::NotFound)?;
    Ok(user)
}

fn issue(ca: &CaArgs, login: &str) -> Result<(), Outcome> {
    let app = ca.open()?;
    let user = officer(&app, login)?;
    let passphrase = Zeroizing::new(std::env::var("SAHIH_KEY_PASSPHRASE").unwrap_or_default());
    let serial = app.issue_certificate(&user, &passphrase, None)?;
    println!("{serial}");
    Ok(())
}

fn renew(ca: &CaArgs, login: &str) -> Result<(), Outcome> {
    let app = ca.open()?;
    let user = officer(&app, login)?;
    println!("{}", app.renew_certificate(&user, None)?);
    Ok(())
}

fn revoke(ca: &CaArgs, serial: &str, reason: &str) -> Result<(), Outcome> {
    let reason = RevocationReason::parse(reason).ok_or_else(|| {
        AppError::bad_input(
            "E_BAD_INPUT",
            format!("--reason {reason:?} is no RFC 5280 reason"),
        )
    })?;
    let app = ca.open()?;
    let serial = serial.trim().to_ascii_lowercase();
    let cert = app
        .store()
        .certificate(&serial)?
        .ok_or(AppError::NotFound)?;
    let user = app.store().user(cert.user_id)?.ok_or(AppError::NotFound)?;
    app.revoke_certificate(&user, &serial, reason, None)?;
    eprintln!("revoked {serial} ({})", reason.as_str());
    Ok(())
}

fn list(ca: &CaArgs) -> Result<(), Outcome> {
    let app = ca.open()?;
    let now = sahih_store::now();
    let issued = app.store().certificates(None)?;
    if issued.is_empty() {
        // On stderr: the standard output stays tab-separated rows for scripts.
        eprintln!(
            "no certificate issued by Sahih's CA yet (the development certificates of \
             `keys dev-init` are not in the register)"
        );
    }
    for c in issued {
        let login = app
            .store()
            .user(c.user_id)?
            .map(|u| u.login)
            .unwrap_or_default();
        let status = match c.revoked_at {
            Some(_) => "revoked",
            None if now < c.not_before || now > c.not_after => "expired",
            None => "valid",
        };
        println!(
            "{}\t{login}\t{}\t{}\t{status}\t{}",
            c.serial,
            date(c.not_before),
            date(c.not_after),
            c.reason.unwrap_or_default()
        );
    }
    Ok(())
}

fn crl(ca: &CaArgs, output: &std::path::Path) -> Result<(), Outcome> {
    let app = ca.open()?;
    let der = app.current_crl()?;
    std::fs::write(output, der)
        .with_context(|| format!("writing {}", output.display()))
        .map_err(Outcome::from)
}

fn date(secs: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(secs)
        .map(|t| t.date().to_string())
        .unwrap_or_default()
}
