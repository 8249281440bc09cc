//! The visible signature on the command line: `sahih sign --visible PAGE,X,Y,W,H` and
//! `sahih verify-qr`, which checks a scanned QR payload offline (docs/qr-statement.md).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use sahih_signing::appearance::certificate_names;
use sahih_signing::{Certificate, Rect, Source, Specimen, SpecimenPage, Visible};
use sahih_tlog::{LogRef, SignerKey, Statement, VerifierKey, qr_payload};
use time::OffsetDateTime;

/// What `sahih sign` takes for a visible signature.
#[derive(Args, Default)]
pub struct VisibleArgs {
    /// Draw a visible signature (specimen and QR code): page (1-based, or `last`), then x, y
    /// (lower-left corner, from the page's lower-left corner), width and height, in points.
    #[arg(long, value_name = "PAGE,X,Y,W,H")]
    visible: Option<String>,
    /// The official's name on the specimen (default: the certificate's commonName).
    #[arg(long, requires = "visible")]
    name: Option<String>,
    /// The position (jabatan) on the specimen (default: the certificate's title).
    #[arg(long, requires = "visible")]
    position: Option<String>,
    /// The agency on the specimen (default: the certificate's organizationName).
    #[arg(long, requires = "visible")]
    agency: Option<String>,
    /// The nomor surat on the specimen and in the QR statement.
    #[arg(long, requires = "visible")]
    nomor_surat: Option<String>,
    /// Who issued the certificate, for the specimen's sentence (default: the issuer's
    /// organizationName, else commonName).
    #[arg(long, requires = "visible")]
    issuer: Option<String>,
    /// The document's verification URL, opened by the QR code.
    #[arg(long, requires = "visible")]
    qr_url: Option<String>,
    /// The instance's log signing key file (`PRIVATE+KEY+...`, the data directory's
    /// log-signing.key): signs a statement into the QR code. None: no statement.
    #[arg(long, requires = "visible")]
    statement_key: Option<PathBuf>,
    /// The signing event's log index, for the statement.
    #[arg(long, requires = "statement_key")]
    log_index: Option<u64>,
}

/// `PAGE,X,Y,W,H` → page and rectangle (the same syntax as `[signing] visible`).
fn parse_placement(text: &str) -> anyhow::Result<(SpecimenPage, Rect)> {
    sahih_web::app::parse_placement(text)
        .map_err(|e| anyhow::anyhow!("--visible {e}"))?
        .context("--visible none: leave --visible out for an invisible signature")
}

/// The visible signature that `args` ask for, if any, for `input` signed with `cert`.
pub fn visible(
    args: VisibleArgs,
    cert: &Certificate,
    input: &dyn Source,
) -> anyhow::Result<Option<Visible>> {
    let Some(placement) = &args.visible else {
        return Ok(None);
    };
    let (page, rect) = parse_placement(placement)?;
    let names = certificate_names(cert);
    let name = args
        .name
        .or(names.name)
        .context("--name is needed: the certificate has no commonName")?;
    let issuer = args
        .issuer
        .or(names.issuer)
        .unwrap_or_else(|| "penyelenggara sertifikasi elektronik".into());
    let statement = match &args.statement_key {
        Some(path) => {
            let text = zeroize::Zeroizing::new(
                std::fs::read_to_string(path)
                    .with_context(|| format!("reading {}", path.display()))?,
            );
            let key = SignerKey::parse(text.trim())
                .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
            let statement = Statement {
                document_sha256: sahih_signing::source::sha256(input, 0..input.len())?,
                nomor_surat: args.nomor_surat.clone().unwrap_or_default(),
                signer: name.clone(),
                signer_id: cert.tbs_certificate().serial_number().as_bytes().to_vec(),
                log: args.log_index.map_or(LogRef::None, LogRef::Index),
            };
            Some(statement.sign(&key)?)
        }
        None => None,
    };
    let qr = match (args.qr_url, statement) {
        (Some(url), Some(s)) => Some(qr_payload(&url, &s)),
        (Some(url), None) => Some(url),
        (None, s) => s,
    };
    Ok(Some(Visible {
        page,
        rect,
        specimen: Specimen {
            name,
            position: args.position.or(names.position),
            agency: args.agency.or(names.agency),
            nomor_surat: args.nomor_surat,
            time: OffsetDateTime::now_utc(),
            issuer,
        },
        qr,
    }))
}

#[derive(Args)]
pub struct VerifyQrArgs {
    /// The instance's log verifier key (`name+keyid+base64`, as GET /log/key serves it), or a
    /// file holding it.
    #[arg(long)]
    key: String,
    /// Also check that this PDF's signed revision is the one the statement names: some prefix
    /// of it that ends a revision (`%%EOF`) has the statement's SHA-256.
    #[arg(long)]
    pdf: Option<PathBuf>,
    /// The scanned QR text: the URL with `#s=...`, or the statement alone.
    payload: String,
}

/// `sahih verify-qr`: exit 0 when the statement verifies (and matches `--pdf`), 1 when it does
/// not, 2 when a file cannot be read or the key is malformed.
pub fn verify_qr(args: VerifyQrArgs) -> ExitCode {
    let key_text = match std::fs::read_to_string(&args.key) {
        Ok(text) => text,
        // A key is `name+keyid+base64`: without a '+' it can only have been a file name.
        Err(e) if !args.key.contains('+') => {
            eprintln!("sahih: --key: cannot read {}: {e} (E_IO)", args.key);
            return ExitCode::from(2);
        }
        Err(_) => args.key.clone(),
    };
    let key = match VerifierKey::parse(key_text.trim()) {
        Ok(k) => k,
        Err(e) => {
            eprintln!("sahih: --key: {e} (E_LOG_KEY_MALFORMED)");
            return ExitCode::from(2);
        }
    };
    let scanned = args.payload.trim();
    if (scanned.starts_with("http://") || scanned.starts_with("https://"))
        && !scanned.contains("#s=")
    {
        eprintln!(
            "sahih: the URL carries no statement (no #s= part): scan the QR code printed on the \
             document, or open the URL to verify online (E_QR_NO_STATEMENT)"
        );
        return ExitCode::from(1);
    }
    let statement = match Statement::open(&args.payload, &key) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("sahih: the QR statement does not verify: {e} (E_QR_STATEMENT_INVALID)");
            return ExitCode::from(1);
        }
    };
    let sha = hex::encode(statement.document_sha256);
    println!("valid: signed by log key {}+{}", key.name(), key.key_id());
    println!("document sha256 (before this signature): {sha}");
    // The fields are the signer's text: control characters could forge lines of this report.
    let clean = crate::verify::clean;
    println!("nomor surat: {}", clean(&statement.nomor_surat));
    println!("signer: {}", clean(&statement.signer));
    println!("certificate serial: {}", hex::encode(&statement.signer_id));
    match statement.log {
        LogRef::None => println!("log: not given"),
        LogRef::Index(i) => println!("log index: {i}"),
        LogRef::Document(p) => println!("log: the kind=signed leaf of document {}", hex::encode(p)),
    }
    if let Some(path) = &args.pdf {
        match revision_with_hash(path, &statement.document_sha256) {
            Ok(Some(end)) => println!(
                "{}: its first {end} bytes are that document (the revision the statement's \
                 signature was made on; whether the file carries that signature intact is \
                 `sahih verify`'s to say)",
                path.display()
            ),
            Ok(None) => {
                eprintln!(
                    "sahih: no revision of {} has the statement's SHA-256 (E_QR_DOCUMENT_MISMATCH)",
                    path.display()
                );
                return ExitCode::from(1);
            }
            Err(e) => {
                eprintln!("sahih: reading {}: {e} (E_IO)", path.display());
                return ExitCode::from(2);
            }
        }
    }
    ExitCode::SUCCESS
}

/// The length of the prefix of `path` ending a revision (after `%%EOF` and its line end) whose
/// SHA-256 is `sha`, if any.
fn revision_with_hash(path: &std::path::Path, sha: &[u8; 32]) -> std::io::Result<Option<usize>> {
    let bytes = std::fs::read(path)?;
    let mut ends = Vec::new();
    let mut from = 0;
    while let Some(at) = bytes[from..]
        .windows(5)
        .position(|w| w == b"%%EOF")
        .map(|p| from + p + 5)
    {
        let eol = bytes[at..]
            .iter()
            .take(2)
            .take_while(|b| matches!(b, b'\r' | b'\n'))
            .count();
        ends.extend([at, at + eol]);
        from = at;
    }
    for end in ends {
        if &sahih_signing::source::sha256(&bytes, 0..end)? == sha {
            return Ok(Some(end));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placements_parse_and_mistakes_say_what_is_expected() {
        let (page, rect) = parse_placement("2, 400,40,170.5,90").expect("parse");
        assert_eq!(page, SpecimenPage::Index(1));
        assert_eq!(
            rect,
            Rect {
                x: 400.0,
                y: 40.0,
                width: 170.5,
                height: 90.0
            }
        );
        assert_eq!(
            parse_placement("last,1,2,3,4").expect("parse").0,
            SpecimenPage::Last
        );
        for bad in [
            "0,1,2,3,4",
            "1,2,3",
            "x,1,2,3,4",
            "1,a,2,3,4",
            "1,inf,2,3,4",
        ] {
            let e = parse_placement(bad).expect_err(bad).to_string();
            assert!(e.contains("--visible"), "{e}");
        }
    }
}
