//! `sahih sign`: offline signing with the same code the service uses.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::Args;
use sahih_signing::{
    Algorithm, FileSource, SignatureOptions, SignerKey, Source, load_certificates_pem, sign_to,
};
use zeroize::Zeroizing;

#[derive(Args)]
pub struct SignArgs {
    /// Private key, PKCS#8 PEM (`PRIVATE KEY` or `ENCRYPTED PRIVATE KEY`).
    #[arg(long)]
    key: PathBuf,
    /// The signer's certificate, PEM.
    #[arg(long)]
    cert: PathBuf,
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
    /// File holding the passphrase of an encrypted key (otherwise SAHIH_KEY_PASSPHRASE).
    #[arg(long)]
    passphrase_file: Option<PathBuf>,
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

pub fn run(args: SignArgs) -> anyhow::Result<()> {
    let key_pem = Zeroizing::new(
        std::fs::read_to_string(&args.key)
            .with_context(|| format!("reading {}", args.key.display()))?,
    );
    let pass = passphrase(&args)?;
    let key = SignerKey::from_pem(&key_pem, pass.as_ref().map(|p| p.as_bytes())).map_err(|e| {
        let hint = match e {
            sahih_signing::SigningError::PassphraseRequired => {
                ": give it with --passphrase-file FILE or SAHIH_KEY_PASSPHRASE"
            }
            _ => "",
        };
        anyhow::anyhow!("{}: {e}{hint} ({})", args.key.display(), e.code())
    })?;
    if let Some(expected) = args.algorithm.as_deref().and_then(Algorithm::parse)
        && expected != key.algorithm()
    {
        bail!(
            "--algorithm {} but the key is {}",
            expected.as_str(),
            key.algorithm().as_str()
        );
    }
    let cert_pem = std::fs::read_to_string(&args.cert)
        .with_context(|| format!("reading {}", args.cert.display()))?;
    let cert = load_certificates_pem(&cert_pem)?
        .into_iter()
        .next()
        .context("no certificate")?;
    let mut chain = Vec::new();
    for path in &args.chain {
        let pem =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        chain.extend(load_certificates_pem(&pem)?);
    }
    let input = open_input(&args.input)?;
    let visible = crate::visible::visible(args.visible, &cert, input.as_ref())?;
    let options = SignatureOptions {
        reason: args.reason,
        location: args.location,
        name: visible.as_ref().map(|v| v.specimen.name.clone()),
        visible,
        ..SignatureOptions::default()
    };
    crate::output::write_whole(&args.output, |out| {
        sign_to(input.as_ref(), out, &key, &cert, &chain, &options)?;
        Ok(())
    })
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
