//! PAdES signature embedding by incremental update (ISO 32000-2 §7.5.6, §12.8; ETSI EN 319 142-1
//! §5.1): the earlier revisions' bytes are kept exactly, and the update appends the objects it
//! changes (the AcroForm or the catalog, the page's `/Annots`), the signature dictionary and the
//! signature field, with a cross-reference section of the input's kind. lopdf reads the
//! document; the update itself is written as raw text (see `update`), so nothing of an earlier
//! revision is re-serialized.

use std::collections::HashSet;

use lopdf::xref::XrefEntry;
use lopdf::{Document, LoadOptions, Object, ObjectId};
use time::OffsetDateTime;
use x509_cert::Certificate;

use crate::SigningError;
use crate::cms;
use crate::keys::{SignerKey, check_key_matches};
use crate::reader::Scope;
use crate::revisions::{XrefSection, chain_of};
use crate::source::Source;
use crate::update::Plan;

/// Width of each placeholder number in `/ByteRange`: up to 10 digits, i.e. files below 10 GB.
pub(crate) const BYTE_RANGE_PLACEHOLDER: &str = "[0 9999999999 9999999999 9999999999]";
/// Decompressed size limit per stream while loading, bytes (against decompression bombs).
const MAX_DECOMPRESSED: usize = 32 * 1024 * 1024;
/// Bytes reserved for the CMS beyond the certificates it carries.
const CONTENTS_BASE_RESERVE: usize = 8192;
/// Depth bound when walking form field trees, against cyclic `/Kids`.
const MAX_FIELD_DEPTH: usize = 32;

/// What a signature says besides the cryptography: ISO 32000-2 Table 255 entries.
#[derive(Debug, Clone)]
pub struct SignatureOptions {
    /// `/Reason`, e.g. "Disetujui dan ditandatangani secara elektronik".
    pub reason: Option<String>,
    /// `/Location`, e.g. the city.
    pub location: Option<String>,
    /// `/Name`, the signer's name as shown by viewers.
    pub name: Option<String>,
    /// `/M`, the claimed signing time (not trusted time; see DESIGN.md decision 1).
    pub signing_time: OffsetDateTime,
    /// Prefix of the new signature field's `/T`; a number makes it unique.
    pub field_prefix: String,
    /// A visible signature (specimen and QR code) at a page and rectangle; none: invisible.
    pub visible: Option<crate::appearance::Visible>,
}

impl Default for SignatureOptions {
    fn default() -> Self {
        SignatureOptions {
            reason: None,
            location: None,
            name: None,
            signing_time: OffsetDateTime::now_utc(),
            field_prefix: "Sahih-TTE".to_string(),
            visible: None,
        }
    }
}

/// A signed PDF: the input's bytes followed by one incremental update.
#[derive(Debug, Clone)]
pub struct SignedPdf {
    /// The whole signed file.
    pub bytes: Vec<u8>,
    /// Fully qualified name of the new signature field.
    pub field_name: String,
    /// The `/ByteRange` written: `[0, a, b, c]`, offsets and lengths in bytes.
    pub byte_range: [usize; 4],
}

/// What [`inspect`] learns of a PDF that can be signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PdfSummary {
    /// Number of pages.
    pub pages: usize,
    /// Number of signature fields that already carry a value.
    pub signatures: usize,
    /// Revisions (cross-reference sections in the chain; a hybrid file's count twice).
    pub revisions: usize,
}

/// Loads a PDF the way the signer will: its cross-reference chain read strictly, then every
/// object read where the chain says, stream data left in the source; a file whose
/// cross-reference data needs repair, or that is encrypted, is refused (it cannot be extended
/// by an incremental update without rewriting earlier revisions).
fn load(src: &dyn Source) -> Result<(Document, Vec<XrefSection>), SigningError> {
    load_checked(src, Strictness::Signing).map(|(doc, chain, _)| (doc, chain))
}

/// How [`load_checked`] treats defects inside objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Strictness {
    /// Every defect refuses the file.
    Signing,
    /// For validation: an encrypted file that opens with the empty user password is decrypted;
    /// an object that cannot be read, or a stream whose `/Length` misses `endstream`, is noted
    /// instead of refused when no object refers to it (or, for `/Length`, always). The
    /// cross-reference data itself is read as strictly as for signing.
    Validation,
}

/// [`load`] with a choice of [`Strictness`]; returns the notes on tolerated defects too.
pub(crate) fn load_checked(
    src: &dyn Source,
    strictness: Strictness,
) -> Result<(Document, Vec<XrefSection>, Vec<String>), SigningError> {
    check_header(src)?;
    let chain = chain_of(src)?;
    if strictness == Strictness::Signing {
        check_ends_at_eof(src, &chain)?;
    }
    let trailer = crate::reader::trailer(src, &chain)?;
    let (doc, wanted) = if trailer.has(b"Encrypt") {
        if strictness == Strictness::Signing {
            return Err(SigningError::Encrypted);
        }
        (load_encrypted(src)?, None)
    } else {
        let scope = match strictness {
            Strictness::Signing => Scope::Structure,
            Strictness::Validation => Scope::Everything,
        };
        let loaded = crate::reader::load(src, &chain, scope)?;
        (loaded.doc, loaded.wanted)
    };
    let encrypted = doc.trailer.has(b"Encrypt") || doc.was_encrypted();
    let referenced = match strictness {
        Strictness::Signing => HashSet::new(),
        Strictness::Validation => referenced_numbers(&doc),
    };
    let tolerate = |id: u32, length_only: bool| {
        strictness == Strictness::Validation && (length_only || !referenced.contains(&id))
    };
    let mut notes = Vec::new();
    // Every object the cross-reference data lists must have been read, or the file needs
    // repair. lopdf drops the /Encrypt dictionary of a file it decrypts.
    let read: HashSet<u32> = doc.objects.keys().map(|(n, _)| *n).collect();
    let encrypt_dict = doc
        .trailer
        .get(b"Encrypt")
        .and_then(Object::as_reference)
        .ok();
    for (id, entry) in &doc.reference_table.entries {
        let listed = matches!(
            entry,
            XrefEntry::Normal { .. } | XrefEntry::Compressed { .. }
        );
        let skipped = wanted.as_ref().is_some_and(|w| !w.contains(id));
        if !listed
            || skipped
            || read.contains(id)
            || (encrypted && encrypt_dict.map(|e| e.0) == Some(*id))
        {
            continue;
        }
        let detail = format!("object {id} listed in the cross-reference data cannot be read");
        if !tolerate(*id, false) {
            // In an encrypted file, objects that do not decrypt with the empty user password
            // are unreadable because of the password, not because the file is broken.
            return Err(if encrypted {
                SigningError::Encrypted
            } else {
                SigningError::BrokenXref { detail }
            });
        }
        notes.push(format!("tolerated defect: {detail} (nothing refers to it)"));
    }
    let partial = wanted.is_some();
    let max_ref = crate::integrity::check(src, &doc, &chain, partial, &tolerate, &mut notes)?;
    let mut doc = doc;
    // New objects must not take a number an unloaded object already points at.
    doc.max_id = doc.max_id.max(max_ref);
    Ok((doc, chain, notes))
}

/// The file ends with its newest revision: after the newest cross-reference section (the
/// table's trailer, or the stream's `endobj`) come only `startxref`, its offset and `%%EOF`
/// (ISO 32000-2 §7.5.5), then at most white space, NUL, Ctrl-Z or repeated `%%EOF` lines.
/// Anything else (a half-written update, a shadow object, with or without its own `startxref`)
/// would become part of the revision a new signature signs.
///
/// Errors: [`SigningError::BrokenXref`].
fn check_ends_at_eof(src: &dyn Source, chain: &[XrefSection]) -> Result<(), SigningError> {
    let broken = |detail: &str| SigningError::BrokenXref {
        detail: detail.into(),
    };
    let newest = chain
        .first()
        .ok_or_else(|| broken("no cross-reference section"))?;
    let end = crate::reader::section_end(src, newest)?
        .ok_or_else(|| broken("the newest cross-reference section does not end cleanly"))?;
    let tail = crate::source::window(src, end, 4096)?;
    if end + tail.len() < src.len() {
        return Err(broken("bytes follow the newest cross-reference section"));
    }
    // White space only, not even comments: a repairing reader scans comments for objects too.
    let white = |b: &u8| b.is_ascii_whitespace() || *b == 0;
    let at = tail.iter().take_while(|b| white(b)).count();
    let offset = newest.offset.to_string();
    let mut rest = tail[at..]
        .strip_prefix(b"startxref")
        .map(|r| &r[r.iter().take_while(|b| white(b)).count()..])
        .and_then(|r| r.strip_prefix(offset.as_bytes()))
        .ok_or_else(|| broken("bytes follow the newest cross-reference section"))?;
    let mut eofs = 0;
    loop {
        let skipped = rest
            .iter()
            .take_while(|b| b.is_ascii_whitespace() || **b == 0 || **b == 0x1a)
            .count();
        rest = &rest[skipped..];
        match rest.strip_prefix(b"%%EOF") {
            Some(after) => {
                rest = after;
                eofs += 1;
            }
            None if rest.is_empty() && eofs > 0 => return Ok(()),
            None if rest.is_empty() => return Err(broken("the file does not end with %%EOF")),
            None => return Err(broken("bytes follow the last %%EOF")),
        }
    }
}

/// An encrypted file, for validation: read whole and opened by lopdf with the empty user
/// password (ISO 32000-2 §7.6.4). Such files are small in practice; they are the one case read
/// into memory at once.
fn load_encrypted(src: &dyn Source) -> Result<Document, SigningError> {
    let pdf = crate::source::window(src, 0, src.len())?;
    let options = LoadOptions {
        max_decompressed_size: Some(MAX_DECOMPRESSED),
        filter: Some(crate::integrity::budget_filter),
        ..LoadOptions::default()
    };
    crate::integrity::reset_budget();
    let doc = Document::load_mem_with_options(&pdf, options).map_err(|e| {
        if matches!(e, lopdf::Error::Decryption(_)) {
            SigningError::Encrypted
        } else {
            SigningError::BrokenXref {
                detail: e.to_string(),
            }
        }
    })?;
    if let Some(recovery) = doc.xref_recovery {
        let detail = match recovery {
            lopdf::xref::XrefRecovery::OffsetCorrected => "an offset points next to its section",
            _ => "the cross-reference data cannot be read as written",
        };
        return Err(SigningError::BrokenXref {
            detail: detail.into(),
        });
    }
    Ok(doc)
}

/// Object numbers that some object, or the trailer, refers to.
fn referenced_numbers(doc: &Document) -> HashSet<u32> {
    fn walk(o: &Object, out: &mut HashSet<u32>, depth: usize) {
        if depth > 64 {
            return;
        }
        match o {
            Object::Reference(id) => {
                out.insert(id.0);
            }
            Object::Array(items) => items.iter().for_each(|i| walk(i, out, depth + 1)),
            Object::Dictionary(d) => d.iter().for_each(|(_, v)| walk(v, out, depth + 1)),
            Object::Stream(s) => s.dict.iter().for_each(|(_, v)| walk(v, out, depth + 1)),
            _ => {}
        }
    }
    let mut out = HashSet::new();
    doc.objects.values().for_each(|o| walk(o, &mut out, 0));
    doc.trailer.iter().for_each(|(_, v)| walk(v, &mut out, 0));
    out
}

/// The file starts with a `%PDF-d.d` header (ISO 32000-2 §7.5.2). Offsets count from the first
/// byte of the file; bytes before the header would make readers disagree on every offset.
pub(crate) fn check_header(src: &dyn Source) -> Result<(), SigningError> {
    let pdf = crate::source::window(src, 0, 1024)?;
    if has_pdf_header(&pdf[..pdf.len().min(8)]) {
        return Ok(());
    }
    match pdf[..pdf.len().min(1024)]
        .windows(5)
        .position(|w| w == b"%PDF-")
    {
        Some(at) if has_pdf_header(&pdf[at..pdf.len().min(at + 8)]) => {
            Err(SigningError::BadStructure {
                detail: format!("{at} bytes precede the %PDF- header"),
            })
        }
        _ => Err(SigningError::NotPdf),
    }
}

/// A `%PDF-d.d` header within the first 1024 bytes (ISO 32000-2 §7.5.2).
fn has_pdf_header(head: &[u8]) -> bool {
    head.windows(8).any(|w| {
        w.starts_with(b"%PDF-") && w[5].is_ascii_digit() && w[6] == b'.' && w[7].is_ascii_digit()
    })
}

/// Checks that `pdf` is a PDF this signer can sign, by preparing the whole update except the
/// signature value, and summarises it.
///
/// Errors: [`SigningError::NotPdf`], [`SigningError::Encrypted`], [`SigningError::BrokenXref`],
/// [`SigningError::BadStructure`] (no catalog, no page, objects the update must edit that do
/// not parse), [`SigningError::CertifiedNoChanges`].
pub fn inspect(pdf: &[u8]) -> Result<PdfSummary, SigningError> {
    let prepared = prepare(&pdf, &SignatureOptions::default(), CONTENTS_BASE_RESERVE)?;
    Ok(prepared.summary)
}

/// An update ready for its signature value.
struct Prepared {
    /// The bytes appended after the input (a line end first, when the input lacks one).
    update: Vec<u8>,
    /// Length of the input: where `update` starts in the signed file.
    base: usize,
    field_name: String,
    /// Offset in the signed file of the `<` of the `/Contents` placeholder.
    contents_at: usize,
    /// Offset in the signed file of the `[` of the `/ByteRange` placeholder.
    byte_range_at: usize,
    summary: PdfSummary,
}

/// Refuses an input whose signed version the validator would not analyse: more revisions than
/// [`crate::verify::MAX_REVISIONS`], or revisions × length past
/// [`crate::verify::MAX_ANALYSED_BYTES`]. `sections` (cross-reference sections in the chain)
/// counts a hybrid file's revisions twice: a safe over-estimate.
///
/// Errors: [`SigningError::TooManyRevisions`].
pub(crate) fn check_verifiable(len: usize, sections: usize) -> Result<(), SigningError> {
    let after = sections.saturating_add(1);
    // The update adds the signature's reserve and a few kilobytes of objects.
    let signed_len = len.saturating_add(CONTENTS_BASE_RESERVE * 2 + 64 * 1024);
    if after > crate::verify::MAX_REVISIONS
        || after.saturating_mul(signed_len) > crate::verify::MAX_ANALYSED_BYTES
    {
        return Err(SigningError::TooManyRevisions {
            revisions: sections,
        });
    }
    Ok(())
}

fn prepare(
    src: &dyn Source,
    options: &SignatureOptions,
    reserve: usize,
) -> Result<Prepared, SigningError> {
    let (doc, chain) = load(src)?;
    check_verifiable(src.len(), chain.len())?;
    let root_id = catalog_id(&doc)?;
    check_docmdp(&doc, root_id)?;
    let (_, pages) = page_nodes(&doc, root_id)?;
    let page_count = pages.len();
    let mut names = HashSet::new();
    let signatures = walk_fields(&doc, root_id, src.len(), &mut names)?;
    let field_name = (1..)
        .map(|n| format!("{}-{n}", options.field_prefix))
        .find(|n| !names.contains(n))
        .unwrap_or_else(|| options.field_prefix.clone());

    let mut plan = Plan::new(src, &doc, &chain)?;
    let sig_id = plan.alloc();
    let widget_id = plan.alloc();
    let (sig_text, byte_range_in, contents_in) = signature_dictionary(options, reserve);
    plan.put(sig_id, 0, sig_text);
    let (page_id, appearance) = match &options.visible {
        None => (first_page(&pages)?, None),
        Some(v) => {
            let page_id = crate::appearance::choose_page(v.page, &pages)?;
            let number = pages.iter().position(|p| *p == page_id).unwrap_or(0) + 1;
            let page_box = crate::appearance::page_box(&doc, page_id).ok_or_else(|| {
                SigningError::BadStructure {
                    detail: format!("page {number} has no usable /MediaBox"),
                }
            })?;
            crate::appearance::check_placement(&v.rect, page_box, number)?;
            let ap_id = plan.alloc();
            plan.put(ap_id, 0, crate::appearance::appearance_object(v)?);
            let rect = crate::appearance::rect_text(&v.rect);
            (page_id, Some((rect, ap_id)))
        }
    };
    let page_ref = format!("{} {} R", page_id.0, page_id.1);
    plan.put(
        widget_id,
        0,
        widget(&field_name, sig_id, &page_ref, appearance),
    );
    let widget_ref = format!("{widget_id} 0 R");
    plan.add_signature_field(root_id.0, &widget_ref)?;
    if annots_shared(&doc, &pages, page_id) {
        plan.push_to_own_array(page_id.0, b"Annots", &widget_ref)?;
    } else {
        plan.push_to_object_array(page_id.0, b"Annots", &widget_ref)?;
    }
    let (update, offsets) = plan.write(&chain)?;
    let sig_at = offsets[&sig_id] + format!("{sig_id} 0 obj\n").len();
    Ok(Prepared {
        update,
        base: src.len(),
        field_name,
        contents_at: sig_at + contents_in,
        byte_range_at: sig_at + byte_range_in,
        summary: PdfSummary {
            pages: page_count,
            signatures,
            revisions: chain.len(),
        },
    })
}

/// What [`sign_to`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedUpdate {
    /// Fully qualified name of the new signature field.
    pub field_name: String,
    /// The `/ByteRange` written: `[0, a, b, c]`, offsets and lengths in bytes.
    pub byte_range: [usize; 4],
    /// Length of the signed file, bytes.
    pub len: usize,
}

/// Signs `pdf` with a PAdES B-B signature (`/SubFilter /ETSI.CAdES.detached`) in a new invisible
/// signature field on the first page, appended as one incremental update.
///
/// `chain` holds the issuers of `cert` to embed (may be empty). Errors: those of [`inspect`],
/// [`SigningError::Certificate`] if `cert` does not carry `key`'s public key,
/// [`SigningError::ContentsTooSmall`] if the CMS outgrows its reserve (an internal fault).
pub fn sign_pdf(
    pdf: &[u8],
    key: &SignerKey,
    cert: &Certificate,
    chain: &[Certificate],
    options: &SignatureOptions,
) -> Result<SignedPdf, SigningError> {
    let mut bytes = Vec::with_capacity(pdf.len() + 64 * 1024);
    let signed = sign_to(&pdf, &mut bytes, key, cert, chain, options)?;
    Ok(SignedPdf {
        bytes,
        field_name: signed.field_name,
        byte_range: signed.byte_range,
    })
}

/// [`sign_pdf`] streaming: reads the input from `src` (only its cross-reference data and the
/// objects the update touches are parsed) and writes the signed file to `out`, hashing the
/// input's bytes as they are copied, in one pass. Peak memory is a chunk of the input plus
/// the parsed objects, whatever the file's size.
///
/// Errors: those of [`sign_pdf`]; [`SigningError::Io`] when `src` or `out` fails (`out` may
/// then hold part of the file).
pub fn sign_to(
    src: &dyn Source,
    out: &mut dyn std::io::Write,
    key: &SignerKey,
    cert: &Certificate,
    chain: &[Certificate],
    options: &SignatureOptions,
) -> Result<SignedUpdate, SigningError> {
    sign_with(src, None, out, key, cert, chain, options, None)
}

/// The digest of an input's bytes, taken before the update that signs it is known: every
/// ByteRange starts with the whole input, so [`sign_prehashed`] then hashes only the few
/// kilobytes of the update. Lets a batch hash documents on every core while their signatures
/// (and nomor surat) are still given one at a time.
#[derive(Clone)]
pub struct Prehash {
    hasher: cms::ContentHasher,
    len: usize,
}

/// Hashes all of `src` with the digest algorithm `key` signs with (SHA-256, or SHA-512 for
/// Ed25519), streaming.
///
/// Errors: [`SigningError::Io`] when `src` cannot be read.
pub fn prehash(src: &dyn Source, key: &SignerKey) -> Result<Prehash, SigningError> {
    let mut hasher = cms::ContentHasher::for_key(key);
    crate::source::for_each_chunk(src, 0..src.len(), |chunk| hasher.update(chunk))?;
    Ok(Prehash {
        hasher,
        len: src.len(),
    })
}

/// [`sign_to`] with the input already hashed by [`prehash`] with the same key.
///
/// Errors: those of [`sign_to`]; [`SigningError::Key`] when `hashed` was computed over another
/// input length or for another key's digest algorithm.
pub fn sign_prehashed(
    src: &dyn Source,
    hashed: &Prehash,
    out: &mut dyn std::io::Write,
    key: &SignerKey,
    cert: &Certificate,
    chain: &[Certificate],
    options: &SignatureOptions,
) -> Result<SignedUpdate, SigningError> {
    let same_digest = std::mem::discriminant(&hashed.hasher)
        == std::mem::discriminant(&cms::ContentHasher::for_key(key));
    if hashed.len != src.len() || !same_digest {
        return Err(SigningError::Key(
            "the input was hashed for another file or another key".into(),
        ));
    }
    sign_with(src, Some(hashed), out, key, cert, chain, options, None)
}

/// [`sign_to`] (or [`sign_prehashed`] when `hashed` is given) at PAdES level `lt.level`
/// (ETSI EN 319 142-1 §6): B-T adds a signature timestamp from `lt.tsa` (RFC 3161 Appendix A)
/// to the signature; B-LT then appends an incremental update with a DSS holding the
/// certificates of the signer, its chain and the TSA and the CRLs of `lt.revocation` (§5.4.2);
/// B-LTA then one with a document timestamp (§5.4.3). Earlier bytes are never touched.
///
/// Errors: those of [`sign_to`]; [`SigningError::Timestamp`] when the level needs a TSA and
/// none is given or it fails; [`SigningError::Revocation`] when CRLs cannot be had.
#[allow(clippy::too_many_arguments)]
pub fn sign_at_level(
    src: &dyn Source,
    hashed: Option<&Prehash>,
    out: &mut dyn std::io::Write,
    key: &SignerKey,
    cert: &Certificate,
    chain: &[Certificate],
    options: &SignatureOptions,
    lt: &crate::ltv::LongTerm<'_>,
) -> Result<SignedUpdate, SigningError> {
    use crate::ltv::Level;
    if lt.level.needs_tsa() && lt.tsa.is_none() {
        return Err(crate::tsp::timestamp_error(format!(
            "level {} needs a TSA",
            lt.level
        )));
    }
    if let Some(h) = hashed {
        let same_digest = std::mem::discriminant(&h.hasher)
            == std::mem::discriminant(&cms::ContentHasher::for_key(key));
        if h.len != src.len() || !same_digest {
            return Err(SigningError::Key(
                "the input was hashed for another file or another key".into(),
            ));
        }
    }
    let tsa = if lt.level >= Level::BT { lt.tsa } else { None };
    if lt.level <= Level::BT {
        return sign_with(src, hashed, out, key, cert, chain, options, tsa);
    }
    let mut tail = TailWriter {
        out,
        skip: src.len(),
        tail: Vec::new(),
    };
    let signed = sign_with(src, hashed, &mut tail, key, cert, chain, options, tsa)?;
    let TailWriter { out, tail, .. } = tail;
    let signed_file = crate::docts::Chained { head: src, tail };
    let len = crate::docts::extend_to_level(&signed_file, signed.byte_range, out, lt)?;
    Ok(SignedUpdate { len, ..signed })
}

/// Forwards everything to `out` and keeps what follows the first `skip` bytes.
struct TailWriter<'a> {
    out: &'a mut dyn std::io::Write,
    skip: usize,
    tail: Vec<u8>,
}

impl std::io::Write for TailWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.out.write(buf)?;
        let keep = n.saturating_sub(self.skip);
        self.tail.extend_from_slice(&buf[n - keep..n]);
        self.skip = self.skip.saturating_sub(n);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

/// Whether `page`'s `/Annots` is an array object that another page of `pages` refers to too.
/// A page's annotations are its own (ISO 32000-2 §12.5.2): a widget added to a shared array
/// would show on every page sharing it, so the signed page then gets an array of its own.
fn annots_shared(doc: &Document, pages: &[ObjectId], page: ObjectId) -> bool {
    let annots_ref = |id: ObjectId| {
        doc.get_dictionary(id)
            .ok()
            .and_then(|d| d.get(b"Annots").ok())
            .and_then(|a| a.as_reference().ok())
    };
    let Some(own) = annots_ref(page) else {
        return false;
    };
    pages
        .iter()
        .any(|p| *p != page && annots_ref(*p) == Some(own))
}

#[allow(clippy::too_many_arguments)]
fn sign_with(
    src: &dyn Source,
    hashed: Option<&Prehash>,
    out: &mut dyn std::io::Write,
    key: &SignerKey,
    cert: &Certificate,
    chain: &[Certificate],
    options: &SignatureOptions,
    tsa: Option<&dyn crate::tsp::TimeStamper>,
) -> Result<SignedUpdate, SigningError> {
    check_key_matches(key, cert)?;
    let token_reserve = tsa.map_or(0, |_| crate::ltv::TOKEN_RESERVE);
    let reserve = CONTENTS_BASE_RESERVE
        + token_reserve
        + cert_len(cert)
        + chain.iter().map(cert_len).sum::<usize>();
    let Prepared {
        mut update,
        base,
        field_name,
        contents_at: a,
        byte_range_at,
        ..
    } = prepare(src, options, reserve)?;
    let len = base + update.len();
    let b = a + 2 * reserve + 2;
    let c = len - b;
    let mut range = format!("[0 {a} {b} {c}]");
    while range.len() < BYTE_RANGE_PLACEHOLDER.len() {
        range.insert(range.len() - 1, ' ');
    }
    let at = byte_range_at - base;
    update[at..at + range.len()].copy_from_slice(range.as_bytes());
    let mut hasher = match hashed {
        Some(h) => h.hasher.clone(),
        None => cms::ContentHasher::for_key(key),
    };
    let mut written = Ok(());
    crate::source::for_each_chunk(src, 0..base, |chunk| {
        if hashed.is_none() {
            hasher.update(chunk);
        }
        if written.is_ok() {
            written = out.write_all(chunk);
        }
    })?;
    written?;
    hasher.update(&update[..a - base]);
    hasher.update(&update[b - base..]);
    let der = cms::signed_data(key, cert, chain, &hasher.finalize())?;
    let der = match tsa {
        Some(tsa) => crate::ltv::add_signature_timestamp(&der, tsa)?,
        None => der,
    };
    if der.len() > reserve {
        return Err(SigningError::ContentsTooSmall {
            needed: der.len(),
            reserved: reserve,
        });
    }
    let hex = hex_upper(&der);
    let at = a - base + 1;
    update[at..at + hex.len()].copy_from_slice(hex.as_bytes());
    out.write_all(&update)?;
    Ok(SignedUpdate {
        field_name,
        byte_range: [0, a, b, c],
        len,
    })
}

fn cert_len(cert: &Certificate) -> usize {
    der::Encode::encoded_len(cert)
        .ok()
        .and_then(|l| usize::try_from(u32::from(l)).ok())
        .unwrap_or(4096)
}

pub(crate) fn hex_upper(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02X}");
            s
        })
}

pub(crate) fn catalog_id(doc: &Document) -> Result<ObjectId, SigningError> {
    let id = doc
        .trailer
        .get(b"Root")
        .and_then(Object::as_reference)
        .map_err(|_| SigningError::BadStructure {
            detail: "the trailer has no /Root reference".into(),
        })?;
    doc.get_dictionary(id)
        .map_err(|_| SigningError::BadStructure {
            detail: "/Root is not a dictionary".into(),
        })?;
    Ok(id)
}

/// Walks the page tree from the catalog's `/Pages` (ISO 32000-2 §7.7.3.2) and returns the first
/// page and the number of pages. A node reached twice (a cycle, or a page listed twice), a kid
/// that is not a reference, or a tree deeper than 64 levels is refused.
pub(crate) fn page_tree(
    doc: &Document,
    root_id: ObjectId,
) -> Result<(ObjectId, usize), SigningError> {
    let (_, pages) = page_nodes(doc, root_id)?;
    let first = *pages.first().ok_or_else(|| SigningError::BadStructure {
        detail: "the document has no pages".into(),
    })?;
    Ok((first, pages.len()))
}

/// The first of `pages`. Errors: [`SigningError::BadStructure`] when there is none.
fn first_page(pages: &[ObjectId]) -> Result<ObjectId, SigningError> {
    pages
        .first()
        .copied()
        .ok_or_else(|| SigningError::BadStructure {
            detail: "the document has no pages".into(),
        })
}

/// Walks the page tree from the catalog's `/Pages` (ISO 32000-2 §7.7.3.2) and returns its
/// intermediate nodes and its pages, in document order. A node reached twice (a cycle, or a
/// page listed twice), a kid that is not a reference, or a tree deeper than 64 levels is
/// refused.
pub(crate) fn page_nodes(
    doc: &Document,
    root_id: ObjectId,
) -> Result<(Vec<ObjectId>, Vec<ObjectId>), SigningError> {
    let bad = |detail: String| SigningError::BadStructure { detail };
    let pages_id = doc
        .get_dictionary(root_id)
        .ok()
        .and_then(|c| c.get(b"Pages").and_then(Object::as_reference).ok())
        .ok_or_else(|| bad("the catalog has no /Pages reference".into()))?;
    let mut seen = HashSet::new();
    let mut stack = vec![(pages_id, 0usize)];
    let (mut nodes, mut pages) = (Vec::new(), Vec::new());
    while let Some((id, depth)) = stack.pop() {
        if !seen.insert(id) {
            return Err(bad(format!(
                "the page tree reaches object {} twice (a cycle)",
                id.0
            )));
        }
        if depth > 64 {
            return Err(bad("the page tree is deeper than 64 levels".into()));
        }
        let node = doc.get_dictionary(id).map_err(|_| {
            bad(format!(
                "page tree node {} is missing or not a dictionary",
                id.0
            ))
        })?;
        match node.get(b"Kids").ok().and_then(|k| resolve(doc, k)) {
            Some(kids) => {
                let kids = kids
                    .as_array()
                    .map_err(|_| bad(format!("/Kids of {} is not an array", id.0)))?;
                for kid in kids.iter().rev() {
                    let kid = kid
                        .as_reference()
                        .map_err(|_| bad(format!("a kid of {} is not a reference", id.0)))?;
                    stack.push((kid, depth + 1));
                }
                nodes.push(id);
            }
            None => {
                let kind = node.get(b"Type").and_then(Object::as_name).ok();
                if !matches!(kind, None | Some(b"Page")) {
                    return Err(bad(format!(
                        "page tree node {} is neither /Pages with /Kids nor a /Page",
                        id.0
                    )));
                }
                pages.push(id);
            }
        }
    }
    Ok((nodes, pages))
}

/// Resolves `obj` if it is a reference; `None` when it dangles.
pub(crate) fn resolve<'a>(doc: &'a Document, obj: &'a Object) -> Option<&'a Object> {
    doc.dereference(obj).ok().map(|(_, o)| o)
}

/// Refuses a document certified with DocMDP permission level 1: no changes at all are
/// permitted after a certification signature at P = 1 (ISO 32000-2 §12.8.2.2.2).
pub(crate) fn check_docmdp(doc: &Document, root_id: ObjectId) -> Result<(), SigningError> {
    let p = (|| {
        let catalog = doc.get_dictionary(root_id).ok()?;
        let perms = resolve(doc, catalog.get(b"Perms").ok()?)?.as_dict().ok()?;
        let sig = resolve(doc, perms.get(b"DocMDP").ok()?)?.as_dict().ok()?;
        let refs = resolve(doc, sig.get(b"Reference").ok()?)?.as_array().ok()?;
        refs.iter().find_map(|r| {
            let r = resolve(doc, r)?.as_dict().ok()?;
            let params = resolve(doc, r.get(b"TransformParams").ok()?)?
                .as_dict()
                .ok()?;
            resolve(doc, params.get(b"P").ok()?)?.as_i64().ok()
        })
    })();
    if p == Some(1) {
        return Err(SigningError::CertifiedNoChanges);
    }
    Ok(())
}

/// Collects the fully qualified names of all fields (decoded text, ISO 32000-2 §12.7.4.2) into
/// `names` and returns how many signature fields carry a value. A signed field that forbids
/// what this signature would do is refused: a lock or FieldMDP transform with `/P 1`, or one
/// locking all fields (`/All`, `/Exclude`), which covers a new field too (§12.8.2.4); so is a
/// signature whose `/ByteRange` reaches past the end of the file (appending would change it).
pub(crate) fn walk_fields(
    doc: &Document,
    root_id: ObjectId,
    len: usize,
    names: &mut HashSet<String>,
) -> Result<usize, SigningError> {
    let fields = doc
        .get_dictionary(root_id)
        .ok()
        .and_then(|c| resolve(doc, c.get(b"AcroForm").ok()?))
        .and_then(|a| a.as_dict().ok())
        .and_then(|a| resolve(doc, a.get(b"Fields").ok()?))
        .and_then(|f| f.as_array().ok());
    let mut seen = HashSet::new();
    let mut signed = 0;
    // (field, parent's name, depth, whether the parent's field type is /Sig: `/FT` is
    // inheritable, ISO 32000-2 §12.7.4.1 Table 226).
    let mut stack: Vec<(&Object, String, usize, bool)> = fields
        .map(|f| f.iter().map(|o| (o, String::new(), 0, false)).collect())
        .unwrap_or_default();
    while let Some((obj, parent, depth, inherited_sig)) = stack.pop() {
        if depth > MAX_FIELD_DEPTH {
            continue;
        }
        if let Object::Reference(id) = obj
            && !seen.insert(*id)
        {
            continue;
        }
        let Some(field) = resolve(doc, obj).and_then(|o| o.as_dict().ok()) else {
            continue;
        };
        let name = crate::verify::field_name(&parent, field);
        let is_sig = match field.get(b"FT").and_then(Object::as_name) {
            Ok(ft) => ft == b"Sig",
            Err(_) => inherited_sig,
        };
        if let Some(sig) = field
            .get(b"V")
            .ok()
            .and_then(|v| resolve(doc, v))
            .and_then(|v| v.as_dict().ok())
            && is_sig
        {
            signed += 1;
            check_signed_field(doc, field, sig, &name, len)?;
        }
        if let Some(kids) = field
            .get(b"Kids")
            .ok()
            .and_then(|k| resolve(doc, k))
            .and_then(|k| k.as_array().ok())
        {
            stack.extend(kids.iter().map(|k| (k, name.clone(), depth + 1, is_sig)));
        }
        names.insert(name);
    }
    Ok(signed)
}

/// The checks of [`walk_fields`] on one signed field.
fn check_signed_field<'a>(
    doc: &'a Document,
    field: &'a lopdf::Dictionary,
    sig: &'a lopdf::Dictionary,
    name: &str,
    len: usize,
) -> Result<(), SigningError> {
    let dict = |o: &'a Object| resolve(doc, o).and_then(|d| d.as_dict().ok());
    let forbids = |params: &lopdf::Dictionary| {
        let p = params
            .get(b"P")
            .ok()
            .and_then(|p| resolve(doc, p))
            .and_then(|p| p.as_i64().ok());
        let action = params.get(b"Action").and_then(Object::as_name).ok();
        p == Some(1) || matches!(action, Some(b"All" | b"Exclude"))
    };
    let mut locks: Vec<&lopdf::Dictionary> =
        field.get(b"Lock").ok().and_then(dict).into_iter().collect();
    if let Some(refs) = sig
        .get(b"Reference")
        .ok()
        .and_then(|r| resolve(doc, r))
        .and_then(|r| r.as_array().ok())
    {
        for r in refs.iter().filter_map(dict) {
            if r.get(b"TransformMethod").and_then(Object::as_name).ok() == Some(b"FieldMDP")
                && let Some(params) = r.get(b"TransformParams").ok().and_then(dict)
            {
                locks.push(params);
            }
        }
    }
    if locks.into_iter().any(forbids) {
        return Err(SigningError::FieldsLocked {
            field: name.to_string(),
        });
    }
    let range: Vec<i64> = sig
        .get(b"ByteRange")
        .ok()
        .and_then(|r| resolve(doc, r))
        .and_then(|r| r.as_array().ok())
        .map(|a| a.iter().filter_map(|x| x.as_i64().ok()).collect())
        .unwrap_or_default();
    let end = range
        .chunks(2)
        .filter_map(|p| p.first().zip(p.get(1)).map(|(a, b)| a.saturating_add(*b)))
        .max();
    if end.is_some_and(|e| usize::try_from(e).map_or(true, |e| e > len)) {
        return Err(SigningError::BadStructure {
            detail: format!("the signature in field {name} covers bytes past the end of the file"),
        });
    }
    Ok(())
}

/// A PDF text string (ISO 32000-2 §7.9.2.2) written as a hex string: its bytes as they are when
/// ASCII, else UTF-16BE with a byte-order mark.
fn text_string(s: &str) -> String {
    let bytes: Vec<u8> = if s.is_ascii() {
        s.as_bytes().to_vec()
    } else {
        let mut b = vec![0xFE, 0xFF];
        b.extend(s.encode_utf16().flat_map(u16::to_be_bytes));
        b
    };
    format!("<{}>", hex_upper(&bytes))
}

/// A PDF date (ISO 32000-2 §7.9.4) in UTC: `D:YYYYMMDDHHmmSSZ`.
fn pdf_date(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "D:{:04}{:02}{:02}{:02}{:02}{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// The signature dictionary (ISO 32000-2 Table 255) with fixed-width placeholders; returns its
/// text and where, inside it, the `/ByteRange` array and the `/Contents` string start.
fn signature_dictionary(options: &SignatureOptions, reserve: usize) -> (Vec<u8>, usize, usize) {
    let mut d = String::from(
        "<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /ByteRange ",
    );
    let byte_range_at = d.len();
    d.push_str(BYTE_RANGE_PLACEHOLDER);
    d.push_str(" /Contents ");
    let contents_at = d.len();
    d.push('<');
    d.extend(std::iter::repeat_n('0', 2 * reserve));
    d.push('>');
    d.push_str(&format!(" /M ({})", pdf_date(options.signing_time)));
    for (key, value) in [
        ("Name", &options.name),
        ("Reason", &options.reason),
        ("Location", &options.location),
    ] {
        if let Some(v) = value {
            d.push_str(&format!(" /{key} {}", text_string(v)));
        }
    }
    d.push_str(" /Prop_Build << /App << /Name /Sahih >> >> >>");
    (d.into_bytes(), byte_range_at, contents_at)
}

/// A merged signature field and widget annotation (ISO 32000-2 §12.7.5.5, §12.5.6.19), flags
/// Print | Locked: invisible (zero rectangle), or visible with `(rect, appearance object)`, its
/// `/Rect` and normal appearance `/AP << /N ... >>` (§12.5.5).
fn widget(name: &str, sig_id: u32, page_ref: &str, visible: Option<(String, u32)>) -> Vec<u8> {
    let (rect, ap) = match visible {
        Some((rect, ap)) => (rect, format!(" /AP << /N {ap} 0 R >>")),
        None => ("[0 0 0 0]".to_string(), String::new()),
    };
    format!(
        "<< /Type /Annot /Subtype /Widget /FT /Sig /T {} /V {sig_id} 0 R /Rect {rect} /F 132 /P {page_ref}{ap} >>",
        text_string(name)
    )
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_input_is_signed_only_while_its_signed_version_stays_verifiable() {
        let max = crate::verify::MAX_REVISIONS;
        assert!(check_verifiable(10_000, max - 1).is_ok());
        let refused = check_verifiable(10_000, max).expect_err("one more would pass the bound");
        assert_eq!(refused.code(), "E_PDF_TOO_LARGE");
        assert!(refused.is_input_fault());
        // Revisions × length past what the validator parses in all.
        let big = crate::verify::MAX_ANALYSED_BYTES / 4;
        assert!(check_verifiable(big, 1).is_ok());
        assert!(check_verifiable(big, 4).is_err());
    }
}
