//! `sahih sign`: offline signing with the same code the service uses.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::Args;
use sahih_signing::{
    Algorithm, FileSource, Level, LongTerm, RevocationSource, SignatureOptions, SignerKey, Source,
    load_certificates_pem, sign_at_level,
};
use zeroize::Zeroizing;

#[derive(Args)]
pub struct SignArgs {
    /// Private key, PKCS#8 PEM (`PRIVATE KEY` or `ENCRYPTED PRIVATE KEY`).
    #[arg(long, required_unless_present_any = ["pkcs11_module", "p12"])]
    key: Option<PathBuf>,
    /// The signer's certificate, PEM (not with --p12, which holds it).
    #[arg(long, required_unless_present = "p12", conflicts_with = "p12")]
    cert: Option<PathBuf>,
    /// PKCS#11 module of a token that holds the key (e.g. /usr/lib/softhsm/libsofthsm2.so);
    /// the key never leaves the token. The PIN comes like a passphrase (--passphrase-file or
    /// SAHIH_KEY_PASSPHRASE).
    #[arg(long, conflicts_with_all = ["key", "p12"], requires_all = ["token", "key_label"])]
    pkcs11_module: Option<PathBuf>,
    /// Label of the token (with --pkcs11-module).
    #[arg(long, requires = "pkcs11_module")]
    token: Option<String>,
    /// Label of the private key in the token (with --pkcs11-module).
    #[arg(long, requires = "pkcs11_module")]
    key_label: Option<String>,
    /// PKCS#12 file (RFC 7292) holding the key, its certificate and chain, instead of --key
    /// and --cert; its password comes like a passphrase (--passphrase-file or
    /// SAHIH_KEY_PASSPHRASE).
    #[arg(long, conflicts_with_all = ["key", "cert"])]
    p12: Option<PathBuf>,
    /// Issuer certificates to embed, PEM (repeatable).
    #[arg(long)]
    chain: Vec<PathBuf>,
    /// Expected key algorithm; the key file decides, this only checks it.
    #[arg(long, value_parser = ["p256", "rsa", "ed25519"])]
    algorithm: Option<String>,
    /// /Reason of the signature.
    #[arg(long)]
    reason: Option<String>,
    /// /Location of the signature.
    #[arg(long)]
    location: Option<String>,
    /// A CRL (DER or PEM, RFC 5280 §5) of the certificate's issuer or of the chain's, e.g. from
    /// `<public_url>/pki/crl` or `sahih keys crl` (repeatable). Signing is refused
    /// (E_CERTIFICATE_REVOKED) when one lists the certificate; b-lt and b-lta embed them in the
    /// DSS. Without any, b-lt fetches each certificate's CRL distribution point over HTTP.
    #[arg(long = "crl", value_name = "CRL")]
    crls: Vec<PathBuf>,
    /// File holding the passphrase of an encrypted key (otherwise SAHIH_KEY_PASSPHRASE).
    #[arg(long)]
    passphrase_file: Option<PathBuf>,
    /// PAdES level: b-b, b-t (signature timestamp), b-lt (plus a DSS with certificates and
    /// CRLs), b-lta (plus a document timestamp). Default: b-t with --tsa, else b-b.
    #[arg(long, value_parser = parse_level)]
    level: Option<Level>,
    /// The time-stamping authority for b-t and up: an RFC 3161 URL (http:// or https://), or
    /// `builtin` for the built-in TSA of the certificates directory (its key passphrase from
    /// SAHIH_TSA_PASSPHRASE).
    #[arg(long)]
    tsa: Option<String>,
    /// Certificates directory of the built-in TSA (`--tsa builtin`).
    #[arg(long, env = "SAHIH_CERTS", default_value = "certs-dev")]
    certs: PathBuf,
    #[command(flatten)]
    visible: crate::visible::VisibleArgs,
    /// The PDF to sign.
    input: PathBuf,
    /// Where to write the signed PDF.
    #[arg(short = 'o', long = "out")]
    output: PathBuf,
}

fn passphrase(args: &SignArgs) -> anyhow::Result<Option<Zeroizing<String>>> {
    if let Some(file) = &args.passphrase_file {
        let text = Zeroizing::new(
            std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?,
        );
        return Ok(Some(Zeroizing::new(
            text.trim_end_matches(['\r', '\n']).to_string(),
        )));
    }
    Ok(std::env::var("SAHIH_KEY_PASSPHRASE")
        .ok()
        .map(Zeroizing::new))
}

/// The key and certificate (and, from a PKCS#12 file, its chain) the arguments name.
fn signer(
    args: &SignArgs,
) -> anyhow::Result<(
    SignerKey,
    sahih_signing::Certificate,
    Vec<sahih_signing::Certificate>,
)> {
    let pass = passphrase(args)?;
    let pass = pass.as_ref().map(|p| p.as_bytes());
    let fail = |what: &Path, e: sahih_signing::SigningError| {
        let hint = match e {
            sahih_signing::SigningError::PassphraseRequired => {
                ": give it with --passphrase-file FILE or SAHIH_KEY_PASSPHRASE"
            }
            _ => "",
        };
        anyhow::anyhow!("{}: {e}{hint} ({})", what.display(), e.code())
    };
    if let Some(p12) = &args.p12 {
        let bytes = Zeroizing::new(
            std::fs::read(p12).with_context(|| format!("reading {}", p12.display()))?,
        );
        let password =
            pass.ok_or_else(|| fail(p12, sahih_signing::SigningError::PassphraseRequired))?;
        let bundle = sahih_signing::p12::import(&bytes, password, sahih_signing::p12::now())
            .map_err(|e| fail(p12, e))?;
        let key = SignerKey::from_pkcs8_der(&bundle.key_pkcs8).map_err(|e| fail(p12, e))?;
        return Ok((key, bundle.certificate, bundle.chain));
    }
    let key = match (&args.pkcs11_module, &args.key) {
        (Some(module), _) => {
            let pin = pass.ok_or_else(|| {
                anyhow::anyhow!(
                    "--pkcs11-module needs the token's PIN: give it with --passphrase-file FILE \
                     or SAHIH_KEY_PASSPHRASE"
                )
            })?;
            SignerKey::from_pkcs11(
                module,
                args.token.as_deref().unwrap_or_default(),
                args.key_label.as_deref().unwrap_or_default(),
                pin,
            )
            .map_err(|e| fail(module, e))?
        }
        (None, Some(path)) => {
            let key_pem = Zeroizing::new(
                std::fs::read_to_string(path)
                    .with_context(|| format!("reading {}", path.display()))?,
            );
            SignerKey::from_pem(&key_pem, pass).map_err(|e| fail(path, e))?
        }
        (None, None) => bail!("give --key, --pkcs11-module or --p12"),
    };
    let cert_path = args.cert.as_ref().context("--cert is needed")?;
    let cert_pem = std::fs::read_to_string(cert_path)
        .with_context(|| format!("reading {}", cert_path.display()))?;
    let cert = load_certificates_pem(&cert_pem)?
        .into_iter()
        .next()
        .context("no certificate")?;
    sahih_signing::keys::check_key_matches(&key, &cert).map_err(|e| fail(cert_path, e))?;
    Ok((key, cert, Vec::new()))
}

pub fn run(args: SignArgs) -> anyhow::Result<()> {
    let (key, cert, mut chain) = signer(&args)?;
    if let Some(expected) = args.algorithm.as_deref().and_then(Algorithm::parse)
        && expected != key.algorithm()
    {
        bail!(
            "--algorithm {} but the key is {}",
            expected.as_str(),
            key.algorithm().as_str()
        );
    }
    for path in &args.chain {
        let pem =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        chain.extend(load_certificates_pem(&pem)?);
    }
    refuse_revoked(&args.crls, &cert, &chain)?;
    let input = open_input(&args.input)?;
    let visible = crate::visible::visible(args.visible, &cert, input.as_ref())?;
    let options = SignatureOptions {
        reason: args.reason,
        location: args.location,
        name: visible.as_ref().map(|v| v.specimen.name.clone()),
        visible,
        ..SignatureOptions::default()
    };
    let tsa = args
        .tsa
        .as_deref()
        .map(|spec| crate::timestamp::stamper(spec, &args.certs, true))
        .transpose()?;
    let level = args.level.unwrap_or(Level::default_for(tsa.is_some()));
    if level.needs_tsa() && tsa.is_none() {
        bail!("--level {level} needs --tsa URL|builtin");
    }
    let revocation: Box<dyn RevocationSource> = if args.crls.is_empty() {
        Box::new(sahih_web::timestamping::HttpCrls::default())
    } else {
        Box::new(crate::timestamp::crl_files(&args.crls)?)
    };
    let lt = LongTerm {
        level,
        tsa: tsa.as_deref().map(|t| t as &dyn sahih_signing::TimeStamper),
        revocation: Some(revocation.as_ref()),
    };
    crate::output::write_whole(&args.output, |out| {
        sign_at_level(
            input.as_ref(),
            None,
            out,
            &key,
            &cert,
            &chain,
            &options,
            &lt,
        )?;
        Ok(())
    })
}

/// Refuses a certificate that one of the CRLs `paths` lists (RFC 5280 §5.1.2.6).
fn refuse_revoked(
    paths: &[PathBuf],
    cert: &sahih_signing::Certificate,
    chain: &[sahih_signing::Certificate],
) -> anyhow::Result<()> {
    for path in paths {
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        let der = sahih_web::timestamping::crl_der(&bytes)
            .map_err(|why| anyhow::anyhow!("--crl {}: {why} (E_BAD_INPUT)", path.display()))?;
        match sahih_signing::verify::crl_lists(&der, cert, chain) {
            Ok(None) => {}
            Ok(Some((at, reason))) => bail!(
                "the certificate was revoked at {at} ({reason}) according to {}: it cannot sign \
                 (E_CERTIFICATE_REVOKED)",
                path.display()
            ),
            Err(why) => bail!("--crl {}: {why} (E_BAD_INPUT)", path.display()),
        }
    }
    Ok(())
}

fn parse_level(s: &str) -> Result<Level, String> {
    s.parse()
}

/// The PDF to sign: a regular file is read in pieces as the signer needs them; a pipe or a
/// device (`/dev/stdin`) is read into memory.
fn open_input(path: &Path) -> anyhow::Result<Box<dyn Source>> {
    // `-` is standard input, as for most command-line tools.
    let path = if path == Path::new("-") {
        Path::new("/dev/stdin")
    } else {
        path
    };
    let reading = || format!("reading {}", path.display());
    let file = std::fs::File::open(path).with_context(reading)?;
    if file.metadata().with_context(reading)?.is_file() {
        return Ok(Box::new(FileSource::new(file).with_context(reading)?));
    }
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut { file }, &mut bytes).with_context(reading)?;
    Ok(Box::new(bytes))
}
