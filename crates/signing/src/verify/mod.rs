//! PDF signature validation that fails closed and explains itself (DESIGN.md decision 4):
//! per signature, ByteRange geometry, integrity, the signature value, the signer's certificate
//! binding, what changed after signing, certificate trust and time are each reported; the
//! verdict is the worst of them, as an ETSI TS 119 102-1 indication.
//!
//! ```no_run
//! use sahih_signing::verify::{Policy, verify};
//! let pdf = std::fs::read("signed.pdf").unwrap_or_default();
//! match verify(&pdf, &Policy::default()) {
//!     Ok(report) => println!("{}", report.indication.as_str()),
//!     Err(unusable) => println!("unusable input: {}", unusable.reason),
//! }
//! ```

mod ber;
mod certs;
mod crypto;
mod dictionary;
mod diff;
mod digests;
mod index;
mod report;
mod revision;
mod revocation;

pub use revocation::listed_in as crl_lists;

/// Whether `issuer` issued `cert`: `cert`'s issuer name is `issuer`'s subject and its signature
/// verifies with `issuer`'s public key.
pub(crate) fn issued_by(cert: &Certificate, issuer: &Certificate) -> bool {
    match (
        certs::Cert::from_parsed(cert),
        certs::Cert::from_parsed(issuer),
    ) {
        (Some(cert), Some(issuer)) => cert.issued_by(&issuer),
        _ => false,
    }
}
mod signature;
mod signed_data;
mod verdict;

use lopdf::{Document, ObjectId};
use std::time::{Duration, Instant};

use time::OffsetDateTime;
use x509_cert::Certificate;

pub use report::{
    Change, Check, Indication, ModificationLevel, Modifications, REPORT_SCHEMA, Report,
    SignatureKind, SignatureReport, Signer, SubIndication, Timestamp, Unusable,
};

use crate::SigningError;
use crate::source::{Source, find_all, for_each_chunk};
pub(crate) use certs::is_time_stamping;
pub(crate) use dictionary::rfc3339;

/// [`revocation::check_for_dss`] on parsed certificates: `Err` names the CRL or certificate.
pub(crate) fn check_crls_for_dss(
    chain: &[Certificate],
    pool: &[Certificate],
    crls: &[Vec<u8>],
    now: OffsetDateTime,
) -> Result<(), String> {
    let cert = |c: &Certificate| certs::Cert::from_parsed(c);
    let chain: Vec<certs::Cert> = chain.iter().filter_map(cert).collect();
    let pool: Vec<certs::Cert> = pool.iter().filter_map(cert).collect();
    revocation::check_for_dss(&chain, &pool, crls, now.unix_timestamp())
}
use diff::{Diff, Finding};
use digests::Digests;
use index::Index;
pub(crate) use index::field_name;
use revision::RevisionEnd;

/// Largest file validated, bytes.
pub const MAX_FILE_BYTES: usize = 512 * 1024 * 1024;
/// Most revisions analysed.
pub const MAX_REVISIONS: usize = 128;
/// Bound on the bytes parsed across all revisions (each revision is read on its own).
pub const MAX_ANALYSED_BYTES: usize = 4 * 1024 * 1024 * 1024;

/// What the validator trusts and when it validates.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Trust anchors: certificates whose subjects are trusted to issue signers' certificates
    /// (Sahih's CA, national roots).
    pub trust_anchors: Vec<Certificate>,
    /// The validation time; `None` for now.
    pub at: Option<OffsetDateTime>,
    /// Wall-clock budget for analysing revisions; past it the file is unusable input
    /// (`E_PDF_TOO_LARGE`). Checked between revisions.
    pub time_limit: Duration,
    /// CRLs (RFC 5280 §5.1, DER) the caller brings, beside those the document carries: e.g.
    /// Sahih's own current CRL, or `sahih verify --crl FILE`. Bytes that are no CRL are skipped.
    pub crls: Vec<Vec<u8>>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            trust_anchors: Vec::new(),
            at: None,
            time_limit: Duration::from_secs(60),
            crls: Vec::new(),
        }
    }
}

fn unusable(code: &str, reason: impl Into<String>) -> Unusable {
    Unusable {
        schema: REPORT_SCHEMA,
        indication: "UNUSABLE",
        code: code.into(),
        reason: reason.into(),
    }
}

impl From<SigningError> for Unusable {
    fn from(e: SigningError) -> Unusable {
        unusable(e.code(), e.to_string())
    }
}

/// A signature found in the newest readable revision.
struct Found {
    field: String,
    sig_id: Option<ObjectId>,
    dict: lopdf::Dictionary,
}

/// Validates every signature of `pdf` under `policy`.
///
/// Returns the report, or [`Unusable`] when the file cannot be validated at all: not a PDF,
/// larger than [`MAX_FILE_BYTES`], cross-reference data that needs repair, an unreadable
/// catalog or page tree (codes as [`SigningError::code`]). Never panics on any input.
pub fn verify(pdf: &[u8], policy: &Policy) -> Result<Report, Unusable> {
    verify_source(&pdf, policy)
}

/// [`verify`] over any [`Source`]: a file is read in pieces, never whole. Each signature's
/// ByteRange and the file's SHA-256 are hashed in one streaming pass (see `digests`); each
/// revision's objects are read at their offsets with stream data left in the file.
///
/// Errors: as [`verify`], and `E_IO` when the source cannot be read.
pub fn verify_source(src: &dyn Source, policy: &Policy) -> Result<Report, Unusable> {
    let started = Instant::now();
    if src.len() > MAX_FILE_BYTES {
        return Err(unusable(
            "E_PDF_TOO_LARGE",
            format!("the file is larger than {MAX_FILE_BYTES} bytes"),
        ));
    }
    crate::pdf::check_header(src)?;
    let mut found_marks = find_all(src, &[b"%%EOF", b"/ByteRange"]).map_err(io_unusable)?;
    let byte_range_marks = found_marks.pop().map_or(0, |m| m.len());
    let eofs = found_marks.pop().unwrap_or_default();
    let (ends, broken_tail) = match crate::revisions::chain_of(src) {
        Ok(chain) => (
            revision::revision_ends(src, &chain, &eofs).map_err(io_unusable)?,
            None,
        ),
        Err(e) => {
            let ends = revision::readable_prefixes(src, &eofs).map_err(io_unusable)?;
            if ends.is_empty() {
                return Err(e.into());
            }
            (ends, Some(e))
        }
    };
    if ends.is_empty() {
        return Err(unusable("E_PDF_BROKEN_XREF", "no revision end found"));
    }
    if ends.len() > MAX_REVISIONS || ends.len().saturating_mul(src.len()) > MAX_ANALYSED_BYTES {
        return Err(unusable(
            "E_PDF_TOO_LARGE",
            format!(
                "{} revisions of a {}-byte file are more than the validator analyses",
                ends.len(),
                src.len()
            ),
        ));
    }
    let mut notes = Vec::new();
    let (newest, newest_doc, mut newest_error) = newest_readable(src, &ends, &mut notes)?;
    if let Some(e) = broken_tail {
        notes.push(format!(
            "the update after revision {} cannot be read: {e}",
            ends.len()
        ));
        newest_error.get_or_insert(e);
    }
    let newest_index = Index::build(&newest_doc)?;
    let found = signatures(&newest_doc, &newest_index);
    let mut crls = revocation::from_dss(src, &newest_doc);
    if found.is_empty()
        && let Some(e) = newest_error.take()
    {
        // Nothing signed can be read, and what a viewer shows cannot be read either.
        return Err(e.into());
    }
    let at = policy.at.unwrap_or_else(OffsetDateTime::now_utc);
    let ranges: Vec<_> = found
        .iter()
        .filter_map(|f| signature::byte_range(&f.dict, src.len()))
        .collect();
    let digests = Digests::precompute(src, crypto::Hash::Sha256, &ranges).map_err(io_unusable)?;
    let mut readings: Vec<(Found, signature::Reading)> = found
        .into_iter()
        .map(|f| {
            let reading = match f.sig_id {
                Some(id) => signature::read(src, &digests, &newest_doc, id, &f.dict),
                None => signature::Reading::failed_direct(),
            };
            (f, reading)
        })
        .collect();
    if let Some(e) = digests.take_error() {
        return Err(io_unusable(e));
    }
    readings.sort_by_key(|(_, r)| r.signed_end.unwrap_or(usize::MAX));
    let first_signed = readings
        .iter()
        .filter_map(|(_, r)| r.signed_end)
        .filter_map(|end| ends.iter().position(|e| e.matches(end)))
        .min();
    let deadline = started + policy.time_limit;
    let mut findings = match first_signed {
        Some(first) => analyse(
            src,
            &ends[..=newest],
            first,
            newest_doc,
            deadline,
            &mut notes,
        )?,
        None => Vec::new(),
    };
    let orphans = byte_range_marks.saturating_sub(readings.len());
    if orphans > 0 {
        notes.push(format!(
            "{orphans} signature dictionar{} no signature field refers to (removed or orphaned)",
            if orphans == 1 { "y" } else { "ies" }
        ));
    }
    if newest + 1 < ends.len() {
        findings.push(unreadable(newest + 2, "a revision that cannot be read"));
    }
    let trailing = trailing_bytes(src, &ends).map_err(io_unusable)?;
    if newest_error.is_some() && newest + 1 == ends.len() {
        findings.push(unreadable(ends.len() + 1, "an update that cannot be read"));
    } else if trailing > 0 {
        notes.push(format!("{trailing} bytes follow the last revision"));
        findings.push(unreadable(ends.len() + 1, "bytes after the last revision"));
    }
    crls.extend(
        policy
            .crls
            .iter()
            .take(revocation::MAX_CRLS)
            .filter_map(|der| revocation::Crl::parse(der, revocation::Origin::Policy)),
    );
    let mut context = verdict::Context {
        crls: &crls,
        ends: &ends,
        findings: &findings,
        policy,
        at,
        has_dss: !newest_index.dss.is_empty(),
        docmdp: readings
            .iter()
            .find_map(|(f, _)| dictionary::docmdp(&f.dict)),
        doc_timestamps: readings
            .iter()
            .filter_map(|(f, r)| dictionary::is_doc_timestamp(&f.dict).then_some(r.signed_end?))
            .collect(),
        doc_poe: Vec::new(),
    };
    // Document timestamps first: those that pass are proof of existence for what they cover.
    context.doc_poe = readings
        .iter()
        .filter(|(f, _)| dictionary::is_doc_timestamp(&f.dict))
        .filter(|(f, r)| {
            context.signature(&f.field, &f.dict, r).indication == Indication::TotalPassed
        })
        .filter_map(|(_, r)| Some((r.signed_end?, r.doc_timestamp.as_ref()?.gen_time)))
        .collect();
    let signatures: Vec<SignatureReport> = readings
        .iter()
        .map(|(f, r)| context.signature(&f.field, &f.dict, r))
        .collect();
    let file = verdict::File {
        sha256: digests.file_sha256().map_err(io_unusable)?,
        size: src.len(),
    };
    Ok(verdict::document(
        &file, &ends, signatures, notes, at, orphans,
    ))
}

/// Unusable input: the file could not be read.
fn io_unusable(e: std::io::Error) -> Unusable {
    unusable("E_IO", format!("the file cannot be read: {e}"))
}

impl signature::Reading {
    fn failed_direct() -> Self {
        let mut r = signature::Reading::empty();
        r.format_failure = Some((
            "V_SIGNATURE_DICTIONARY_MISPLACED",
            "the signature value is not an indirect object".into(),
        ));
        r
    }
}

/// Loads the newest revision that reads; later ones that do not are noted, and the newest
/// revision's error is returned with it.
fn newest_readable(
    src: &dyn Source,
    ends: &[RevisionEnd],
    notes: &mut Vec<String>,
) -> Result<(usize, Document, Option<SigningError>), Unusable> {
    let mut first_error = None;
    for (i, end) in ends.iter().enumerate().rev() {
        match revision::load(src, end) {
            Ok((doc, defects)) => {
                notes.extend(defects);
                return Ok((i, doc, first_error));
            }
            Err(e) => {
                notes.push(format!("revision {} cannot be read: {e}", i + 1));
                first_error.get_or_insert(e);
            }
        }
    }
    Err(first_error
        .map(Unusable::from)
        .unwrap_or_else(|| unusable("E_PDF_BROKEN_XREF", "no revision can be read")))
}

/// Signature fields with a value, in the newest revision.
fn signatures(doc: &Document, index: &Index) -> Vec<Found> {
    let mut out: Vec<Found> = index
        .fields
        .iter()
        .filter(|(_, f)| f.is_signature)
        .filter_map(|(id, f)| {
            let field = doc.get_dictionary(*id).ok()?;
            let v = field.get(b"V").ok()?;
            let sig_id = v.as_reference().ok();
            let dict = crate::pdf::resolve(doc, v)?.as_dict().ok()?.clone();
            Some(Found {
                field: f.name.clone(),
                sig_id,
                dict,
            })
        })
        .collect();
    out.sort_by(|a, b| a.field.cmp(&b.field));
    out
}

/// Diffs every revision from `first` (0-based) to the newest against the one before it.
fn analyse(
    src: &dyn Source,
    ends: &[RevisionEnd],
    first: usize,
    newest_doc: Document,
    deadline: Instant,
    notes: &mut Vec<String>,
) -> Result<Vec<Finding>, Unusable> {
    let last = ends.len() - 1;
    let mut findings = Vec::new();
    let mut previous: Option<Document> = None;
    let mut newest = Some(newest_doc);
    for i in first..=last {
        if Instant::now() > deadline {
            return Err(out_of_time(i + 1));
        }
        let doc = if i == last {
            newest.take()
        } else {
            match revision::load(src, &ends[i]) {
                Ok((d, _)) => Some(d),
                Err(e) => {
                    notes.push(format!("revision {} cannot be read: {e}", i + 1));
                    None
                }
            }
        };
        if let (Some(old), Some(new)) = (&previous, &doc) {
            match Index::build(old) {
                Ok(index) => {
                    let diff = Diff::new(src, old, new, &index, ends[i - 1].end_eol, i + 1);
                    findings.extend(diff.run(deadline).ok_or_else(|| out_of_time(i + 1))?);
                }
                Err(e) => notes.push(format!("revision {} cannot be analysed: {e}", i)),
            }
        } else if i > first {
            findings.push(unreadable(i + 1, "a revision that cannot be read"));
        }
        previous = doc;
    }
    Ok(findings)
}

/// Unusable input: the analysis ran past the policy's time limit.
fn out_of_time(revision: usize) -> Unusable {
    unusable(
        "E_PDF_TOO_LARGE",
        format!("analysing the revisions took longer than the time limit (at revision {revision})"),
    )
}

fn unreadable(revision: usize, detail: &str) -> Finding {
    Finding {
        change: Change {
            revision,
            object: "revision".into(),
            level: ModificationLevel::Other,
            detail: detail.into(),
        },
        filled_field: None,
        new_signature: false,
        visible_signature: false,
    }
}

/// Bytes after the last revision end other than white space (and NUL padding).
fn trailing_bytes(src: &dyn Source, ends: &[RevisionEnd]) -> std::io::Result<usize> {
    let end = ends.last().map_or(0, |e| e.end_eol);
    let mut n = 0;
    for_each_chunk(src, end.min(src.len())..src.len(), |chunk| {
        n += chunk
            .iter()
            .filter(|b| !b.is_ascii_whitespace() && **b != 0)
            .count();
    })?;
    Ok(n)
}

/// The signed revision of the signature in field `field`: the file prefix `[0, b+c)`
/// (DESIGN.md decision 4), or `None` when `field` has no signature with valid geometry.
pub fn signed_revision<'a>(pdf: &'a [u8], report: &Report, field: &str) -> Option<&'a [u8]> {
    let sig = report.signatures.iter().find(|s| s.field == field)?;
    let len = usize::try_from(sig.signed_length?).ok()?;
    pdf.get(..len)
}

/// Whether a timestamp token (DER `ContentInfo`, SignedData over TSTInfo) carries a signature
/// that verifies with the certificate it names among those it carries (RFC 3161 §2.4.2, RFC
/// 5652 §5.6). Trust in that certificate is not checked here.
pub(crate) fn token_signature_verifies(token: &[u8]) -> bool {
    let Ok((sd, _)) = signed_data::read(token) else {
        return false;
    };
    let (Some(content), Some(si)) = (sd.econtent.as_deref(), sd.signer_infos.first()) else {
        return false;
    };
    let check = si.check(
        &sd.certs,
        signed_data::OID_TST_INFO,
        &digests::Content::Bytes(&[content]),
    );
    check.digest_matches == Some(true) && signature::crypto_ok(&check)
}
