//! `sahih verify`: the validation report of a signed PDF, as text or JSON. Exit status: 0 for
//! TOTAL-PASSED, 1 for INDETERMINATE, 2 for TOTAL-FAILED, 3 for unusable input (including a
//! file that cannot be read or a trust anchor that does not parse).

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use sahih_signing::verify::{
    Indication, MAX_FILE_BYTES, Policy, Report, SignatureReport, Unusable, verify, verify_source,
};
use sahih_signing::{FileSource, Source};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

#[derive(Args)]
pub struct VerifyArgs {
    /// A PEM file of trust anchors (Sahih's CA, national roots); repeatable.
    #[arg(long = "trust", value_name = "CA.pem")]
    trust: Vec<PathBuf>,
    /// A CRL (DER, RFC 5280 §5) to check signers' certificates against, beside those the
    /// document carries (e.g. Sahih's `<public_url>/pki/crl`); repeatable.
    #[arg(long = "crl", value_name = "CRL.der")]
    crls: Vec<PathBuf>,
    /// Validate as of this time (RFC 3339, e.g. 2020-11-01T00:00:00Z) instead of now.
    #[arg(long, value_name = "RFC3339-TIME")]
    at: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Write the signed revision of this signature field to --out.
    #[arg(long, value_name = "FIELD", requires = "out")]
    signed_revision: Option<String>,
    /// Where --signed-revision writes.
    #[arg(
        long,
        short = 'o',
        value_name = "OUT.pdf",
        requires = "signed_revision"
    )]
    out: Option<PathBuf>,
    /// The PDF to validate.
    file: PathBuf,
}

/// Runs `sahih verify` and returns its exit status.
pub fn run(args: VerifyArgs) -> ExitCode {
    let outcome = report(&args);
    let (text, code) = match &outcome {
        Ok((report, _)) => {
            let code = match report.indication {
                Indication::TotalPassed => 0,
                Indication::Indeterminate => 1,
                Indication::TotalFailed => 2,
            };
            let text = match args.format {
                Format::Json => serde_json::to_string_pretty(report).unwrap_or_default(),
                Format::Text => render(report),
            };
            (text, code)
        }
        Err(unusable) => {
            let text = match args.format {
                Format::Json => serde_json::to_string_pretty(unusable).unwrap_or_default(),
                Format::Text => {
                    format!(
                        "UNUSABLE INPUT: {} ({})",
                        clean(&unusable.reason),
                        unusable.code
                    )
                }
            };
            (text, 3)
        }
    };
    // A closed pipe (`| head`) is not an error worth a panic.
    let _ = writeln!(std::io::stdout(), "{text}");
    if let (Ok((report, pdf)), Some(field), Some(out)) =
        (&outcome, &args.signed_revision, &args.out)
    {
        match signed_length(report, field) {
            Some(len) => {
                if let Err(e) = copy_prefix(pdf.as_ref(), len, out) {
                    eprintln!("sahih: cannot write {}: {e:#} (E_IO)", out.display());
                    return ExitCode::from(3);
                }
            }
            None => {
                let fields: Vec<String> = report
                    .signatures
                    .iter()
                    .filter(|s| s.signed_length.is_some())
                    .map(|s| format!("'{}'", clean(&s.field)))
                    .collect();
                let known = if fields.is_empty() {
                    "no signature signs a revision".to_string()
                } else {
                    format!("signatures: {}", fields.join(", "))
                };
                eprintln!(
                    "sahih: no signed revision for field '{}' ({known}) (E_NO_SUCH_SIGNATURE)",
                    clean(field)
                );
                return ExitCode::from(3);
            }
        }
    }
    ExitCode::from(code)
}

fn unusable(code: &str, reason: String) -> Unusable {
    Unusable {
        schema: sahih_signing::verify::REPORT_SCHEMA,
        indication: "UNUSABLE",
        code: code.into(),
        reason,
    }
}

/// The length of the signed revision of the signature in `field` (DESIGN.md decision 4).
fn signed_length(report: &Report, field: &str) -> Option<usize> {
    let sig = report.signatures.iter().find(|s| s.field == field)?;
    usize::try_from(sig.signed_length?).ok()
}

/// Writes the first `len` bytes of `pdf` to `out`, streamed (see `output::write_whole`: `out`
/// may be the file being read).
fn copy_prefix(pdf: &dyn Source, len: usize, out: &std::path::Path) -> anyhow::Result<()> {
    crate::output::write_whole(out, |file| {
        let mut buf = vec![0; (1 << 20).min(len)];
        let mut at = 0;
        while at < len {
            let n = (len - at).min(buf.len());
            pdf.read_exact_at(&mut buf[..n], at)?;
            file.write_all(&buf[..n])?;
            at += n;
        }
        Ok(())
    })
}

/// The PDF to validate: a regular file is read in pieces as the validator needs them; anything
/// else (a pipe, a device) is read into memory, at most [`MAX_FILE_BYTES`] + 1 bytes.
enum Input {
    File(FileSource),
    Memory(Vec<u8>),
}

impl AsRef<dyn Source> for Input {
    fn as_ref(&self) -> &(dyn Source + 'static) {
        match self {
            Input::File(f) => f,
            Input::Memory(m) => m,
        }
    }
}

fn report(args: &VerifyArgs) -> Result<(Report, Input), Unusable> {
    let mut policy = Policy::default();
    for path in &args.trust {
        let pem = std::fs::read_to_string(path)
            .map_err(|e| unusable("E_IO", format!("cannot read {}: {e}", path.display())))?;
        let certs = sahih_signing::load_certificates_pem(&pem)
            .map_err(|e| unusable(e.code(), format!("trust anchor {}: {e}", path.display())))?;
        policy.trust_anchors.extend(certs);
    }
    for path in &args.crls {
        let der = std::fs::read(path)
            .map_err(|e| unusable("E_IO", format!("cannot read {}: {e}", path.display())))?;
        if !sahih_signing::ca::is_crl_der(&der) {
            return Err(unusable(
                "E_BAD_INPUT",
                format!("--crl {} is not a DER CRL", path.display()),
            ));
        }
        policy.crls.push(der);
    }
    if let Some(at) = &args.at {
        policy.at =
            Some(OffsetDateTime::parse(at, &Rfc3339).map_err(|_| {
                unusable("E_BAD_TIME", format!("--at {at} is not an RFC 3339 time"))
            })?);
    }
    let pdf = open(&args.file)?;
    let report = match &pdf {
        Input::File(f) => verify_source(f, &policy)?,
        Input::Memory(m) => verify(m, &policy)?,
    };
    Ok((report, pdf))
}

/// Text from the PDF or its certificates, made safe for a terminal: control characters
/// (escape sequences, carriage returns, newlines) become U+FFFD, so a signer's name cannot
/// forge or redraw lines of the report.
pub(crate) fn clean(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
        .collect()
}

/// Opens the input: a regular file as a [`FileSource`]; anything else read whole, at most
/// [`MAX_FILE_BYTES`] + 1 bytes, so that `/dev/zero` or an endless pipe is refused as too large
/// instead of filling memory.
fn open(path: &std::path::Path) -> Result<Input, Unusable> {
    use std::io::Read as _;
    let cannot =
        |e: std::io::Error| unusable("E_IO", format!("cannot read {}: {e}", path.display()));
    let file = std::fs::File::open(path).map_err(cannot)?;
    let limit = MAX_FILE_BYTES as u64;
    let meta = file.metadata().map_err(cannot)?;
    if meta.is_file() {
        if meta.len() > limit {
            return Err(too_large());
        }
        return FileSource::new(file).map(Input::File).map_err(cannot);
    }
    let mut pdf = Vec::new();
    file.take(limit + 1).read_to_end(&mut pdf).map_err(cannot)?;
    if pdf.len() as u64 > limit {
        return Err(too_large());
    }
    Ok(Input::Memory(pdf))
}

fn too_large() -> Unusable {
    unusable(
        "E_PDF_TOO_LARGE",
        format!("the file is larger than {MAX_FILE_BYTES} bytes"),
    )
}

fn check_line(out: &mut String, label: &str, ok: bool, detail: &str) {
    let mark = if ok { "ok" } else { "FAILED" };
    let _ = writeln!(out, "  {label:<22} {mark}: {}", clean(detail));
}

fn render_signature(out: &mut String, n: usize, s: &SignatureReport, revisions: usize) {
    let _ = writeln!(
        out,
        "\nSignature {n}: field '{}' ({:?}, {})",
        clean(&s.field),
        s.kind,
        clean(&s.format)
    );
    match &s.signer {
        Some(signer) => {
            let org = signer
                .organization
                .as_deref()
                .map(|o| format!(", {}", clean(o)))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "  {:<22} {}{org}",
                "Signer",
                clean(&signer.common_name)
            );
            let _ = writeln!(out, "  {:<22} {}", "Issuer", clean(&signer.issuer));
        }
        None => {
            let _ = writeln!(out, "  {:<22} (unknown)", "Signer");
        }
    }
    if let Some(reason) = &s.stated_reason {
        let _ = writeln!(
            out,
            "  {:<22} {} (stated by the signer)",
            "Reason",
            clean(reason)
        );
    }
    if let Some(t) = &s.claimed_time {
        let _ = writeln!(out, "  {:<22} {} (claimed by the signer)", "Time", clean(t));
    }
    if let Some(ts) = &s.timestamp {
        let state = match (ts.intact, ts.trusted) {
            (true, true) => "intact, trusted",
            (true, false) => "intact, TSA not trusted",
            _ => "NOT intact",
        };
        let _ = writeln!(out, "  {:<22} {} ({state})", "Timestamp", ts.time);
    }
    let coverage = match (s.revision, s.covers_whole_file) {
        (Some(_), true) => "the whole file".to_string(),
        (Some(r), false) => format!("revision {r} of {revisions}"),
        (None, _) => "no revision".to_string(),
    };
    let _ = writeln!(
        out,
        "  {:<22} {:?}, covers {coverage}",
        "ByteRange", s.byte_range
    );
    check_line(
        out,
        "ByteRange/Contents",
        s.byte_range_check.ok,
        &s.byte_range_check.detail,
    );
    check_line(out, "Integrity", s.integrity.ok, &s.integrity.detail);
    check_line(out, "Signature value", s.crypto.ok, &s.crypto.detail);
    check_line(
        out,
        "Signing certificate",
        s.signing_certificate.ok,
        &s.signing_certificate.detail,
    );
    let m = &s.modifications;
    let verdict = if m.allowed { "allowed" } else { "NOT allowed" };
    let _ = writeln!(
        out,
        "  {:<22} {} ({verdict})",
        "Changes after signing",
        m.level.as_str()
    );
    for c in &m.changes {
        let _ = writeln!(
            out,
            "    revision {}: object {}: {} [{}]",
            c.revision,
            clean(&c.object),
            clean(&c.detail),
            c.level.as_str()
        );
    }
    check_line(out, "Trust", s.trust.ok, &s.trust.detail);
    check_line(out, "Revocation", s.revocation.ok, &s.revocation.detail);
    if !s.chain.is_empty() {
        let _ = writeln!(out, "  {:<22} {}", "Chain", clean(&s.chain.join(" <- ")));
    }
    let _ = writeln!(
        out,
        "  {:<22} {} ({})",
        "Checked at", s.checked_at, s.checked_at_source
    );
    let sub = s
        .sub_indication
        .map(|x| format!("/{}", x.as_str()))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "  {:<22} {}{sub} [{}]",
        "Result",
        s.indication.as_str(),
        s.reason
    );
}

/// The report as text, in English.
fn render(r: &Report) -> String {
    let mut out = String::new();
    let sub = r
        .sub_indication
        .map(|x| format!("/{}", x.as_str()))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "Verdict: {}{sub} [{}]",
        r.indication.as_str(),
        r.reason
    );
    let _ = writeln!(
        out,
        "File: {} bytes, SHA-256 {}, {} revision(s); validated at {}",
        r.size, r.sha256, r.revisions, r.validation_time
    );
    if r.signatures.is_empty() {
        let _ = writeln!(out, "No signature found.");
    }
    for (i, s) in r.signatures.iter().enumerate() {
        render_signature(&mut out, i + 1, s, r.revisions);
    }
    for note in &r.notes {
        let _ = writeln!(out, "Note: {}", clean(note));
    }
    out.trim_end().to_string()
}
