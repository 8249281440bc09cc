//! PAdES signature embedding by incremental update (ISO 32000-2 §7.5.6, §12.8; ETSI EN 319 142-1
//! §5.1): the earlier revisions' bytes are kept exactly, and the update appends the catalog,
//! the AcroForm, the page whose `/Annots` gains the widget, the signature dictionary and the
//! signature field, in the cross-reference kind of the input.

use std::collections::HashSet;

use lopdf::{
    Dictionary, Document, IncrementalDocument, LoadOptions, Object, ObjectId, StringFormat,
};
use time::OffsetDateTime;
use x509_cert::Certificate;

use crate::SigningError;
use crate::cms;
use crate::keys::{SignerKey, check_key_matches};

/// Width of each placeholder number in `/ByteRange`: up to 10 digits, i.e. files below 10 GB.
const BYTE_RANGE_PLACEHOLDER: i64 = 9_999_999_999;
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
}

impl Default for SignatureOptions {
    fn default() -> Self {
        SignatureOptions {
            reason: None,
            location: None,
            name: None,
            signing_time: OffsetDateTime::now_utc(),
            field_prefix: "Sahih-TTE".to_string(),
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
}

/// Loads a PDF the way the signer will: lenient parsing, but a file whose cross-reference data
/// needed repair, or that is encrypted, is refused (it cannot be extended by an incremental
/// update without rewriting earlier revisions).
fn load(pdf: &[u8]) -> Result<Document, SigningError> {
    let head = &pdf[..pdf.len().min(1024)];
    if !head.windows(5).any(|w| w == b"%PDF-") {
        return Err(SigningError::NotPdf);
    }
    crate::revisions::xref_chain(pdf)?;
    let doc = Document::load_mem_with_options(pdf, LoadOptions::default()).map_err(|e| {
        if matches!(e, lopdf::Error::Decryption(_)) {
            SigningError::Encrypted
        } else {
            SigningError::BrokenXref {
                detail: e.to_string(),
            }
        }
    })?;
    if doc.trailer.has(b"Encrypt") || doc.was_encrypted() {
        return Err(SigningError::Encrypted);
    }
    if let Some(recovery) = doc.xref_recovery {
        return Err(SigningError::BrokenXref {
            detail: format!("{recovery:?}"),
        });
    }
    if doc.xref_start == 0 {
        return Err(SigningError::BrokenXref {
            detail: "no startxref offset".into(),
        });
    }
    Ok(doc)
}

/// Checks that `pdf` is a PDF this signer can sign, and summarises it.
///
/// Errors: [`SigningError::NotPdf`], [`SigningError::Encrypted`], [`SigningError::BrokenXref`],
/// [`SigningError::BadStructure`] (no catalog or no page), [`SigningError::CertifiedNoChanges`].
pub fn inspect(pdf: &[u8]) -> Result<PdfSummary, SigningError> {
    let doc = load(pdf)?;
    let root_id = catalog_id(&doc)?;
    check_docmdp(&doc, root_id)?;
    let pages = doc.get_pages().len();
    if pages == 0 {
        return Err(SigningError::BadStructure {
            detail: "the document has no pages".into(),
        });
    }
    let mut names = HashSet::new();
    let signatures = walk_fields(&doc, root_id, &mut names);
    Ok(PdfSummary { pages, signatures })
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
    check_key_matches(key, cert)?;
    let doc = load(pdf)?;
    let root_id = catalog_id(&doc)?;
    check_docmdp(&doc, root_id)?;
    let page_id = *doc
        .get_pages()
        .values()
        .next()
        .ok_or_else(|| SigningError::BadStructure {
            detail: "the document has no pages".into(),
        })?;
    let mut names = HashSet::new();
    walk_fields(&doc, root_id, &mut names);
    let field_name = (1..)
        .map(|n| format!("{}-{n}", options.field_prefix))
        .find(|n| !names.contains(n.as_bytes()))
        .unwrap_or_else(|| options.field_prefix.clone());

    let reserve =
        CONTENTS_BASE_RESERVE + cert_len(cert) + chain.iter().map(cert_len).sum::<usize>();
    let mut inc = IncrementalDocument::create_from(pdf.to_vec(), doc);
    let sig_id = inc
        .new_document
        .add_object(signature_dictionary(options, reserve));
    let widget_id = inc
        .new_document
        .add_object(widget(&field_name, sig_id, page_id));
    add_to_acroform(&mut inc, root_id, widget_id)?;
    add_to_annots(&mut inc, page_id, widget_id)?;
    clean_trailer(&mut inc.new_document.trailer);

    let mut out = Vec::with_capacity(pdf.len() + 2 * reserve + 4096);
    inc.save_to(&mut out)
        .map_err(|e| SigningError::Write(e.to_string()))?;
    let byte_range = patch_byte_range(&mut out, pdf.len(), reserve)?;
    let [_, a, b, c] = byte_range;
    let digest = cms::content_digest(key, &[&out[..a], &out[b..b + c]]);
    let der = cms::signed_data(key, cert, chain, &digest)?;
    if der.len() > reserve {
        return Err(SigningError::ContentsTooSmall {
            needed: der.len(),
            reserved: reserve,
        });
    }
    let hex = hex_upper(&der);
    out[a + 1..a + 1 + hex.len()].copy_from_slice(hex.as_bytes());
    Ok(SignedPdf {
        bytes: out,
        field_name,
        byte_range,
    })
}

fn cert_len(cert: &Certificate) -> usize {
    der::Encode::encoded_len(cert)
        .ok()
        .and_then(|l| usize::try_from(u32::from(l)).ok())
        .unwrap_or(4096)
}

fn hex_upper(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02X}");
            s
        })
}

fn catalog_id(doc: &Document) -> Result<ObjectId, SigningError> {
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

/// Resolves `obj` if it is a reference; `None` when it dangles.
fn resolve<'a>(doc: &'a Document, obj: &'a Object) -> Option<&'a Object> {
    doc.dereference(obj).ok().map(|(_, o)| o)
}

/// Refuses a document certified with DocMDP permission level 1: no changes at all are
/// permitted after a certification signature at P = 1 (ISO 32000-2 §12.8.2.2.2).
fn check_docmdp(doc: &Document, root_id: ObjectId) -> Result<(), SigningError> {
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
            params.get(b"P").and_then(Object::as_i64).ok()
        })
    })();
    if p == Some(1) {
        return Err(SigningError::CertifiedNoChanges);
    }
    Ok(())
}

/// Collects the fully qualified names of all fields into `names` and returns how many signature
/// fields carry a value.
fn walk_fields(doc: &Document, root_id: ObjectId, names: &mut HashSet<Vec<u8>>) -> usize {
    let fields = doc
        .get_dictionary(root_id)
        .ok()
        .and_then(|c| resolve(doc, c.get(b"AcroForm").ok()?))
        .and_then(|a| a.as_dict().ok())
        .and_then(|a| resolve(doc, a.get(b"Fields").ok()?))
        .and_then(|f| f.as_array().ok());
    let mut seen = HashSet::new();
    let mut signed = 0;
    let mut stack: Vec<(&Object, Vec<u8>, usize)> = fields
        .map(|f| f.iter().map(|o| (o, Vec::new(), 0)).collect())
        .unwrap_or_default();
    while let Some((obj, parent, depth)) = stack.pop() {
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
        let mut name = parent.clone();
        if let Ok(t) = field.get(b"T").and_then(Object::as_str) {
            if !name.is_empty() {
                name.push(b'.');
            }
            name.extend_from_slice(t);
        }
        let is_sig = field.get(b"FT").and_then(Object::as_name).ok() == Some(b"Sig");
        if is_sig && field.has(b"V") {
            signed += 1;
        }
        if let Some(kids) = field
            .get(b"Kids")
            .ok()
            .and_then(|k| resolve(doc, k))
            .and_then(|k| k.as_array().ok())
        {
            stack.extend(kids.iter().map(|k| (k, name.clone(), depth + 1)));
        }
        names.insert(name);
    }
    signed
}

/// A PDF text string (ISO 32000-2 §7.9.2.2): literal ASCII, or UTF-16BE with a BOM.
fn text_string(s: &str) -> Object {
    if s.is_ascii() {
        Object::string_literal(s)
    } else {
        let mut bytes = vec![0xFE, 0xFF];
        bytes.extend(s.encode_utf16().flat_map(u16::to_be_bytes));
        Object::String(bytes, StringFormat::Hexadecimal)
    }
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

fn signature_dictionary(options: &SignatureOptions, reserve: usize) -> Dictionary {
    let mut d = Dictionary::new();
    d.set("Type", Object::Name(b"Sig".to_vec()));
    d.set("Filter", Object::Name(b"Adobe.PPKLite".to_vec()));
    d.set("SubFilter", Object::Name(b"ETSI.CAdES.detached".to_vec()));
    d.set(
        "ByteRange",
        Object::Array(vec![
            Object::Integer(0),
            Object::Integer(BYTE_RANGE_PLACEHOLDER),
            Object::Integer(BYTE_RANGE_PLACEHOLDER),
            Object::Integer(BYTE_RANGE_PLACEHOLDER),
        ]),
    );
    d.set(
        "Contents",
        Object::String(vec![0u8; reserve], StringFormat::Hexadecimal),
    );
    d.set("M", Object::string_literal(pdf_date(options.signing_time)));
    for (key, value) in [
        ("Name", &options.name),
        ("Reason", &options.reason),
        ("Location", &options.location),
    ] {
        if let Some(v) = value {
            d.set(key, text_string(v));
        }
    }
    let mut app = Dictionary::new();
    app.set("Name", Object::Name(b"Sahih".to_vec()));
    let mut build = Dictionary::new();
    build.set("App", Object::Dictionary(app));
    d.set("Prop_Build", Object::Dictionary(build));
    d
}

/// A merged signature field and invisible widget annotation (ISO 32000-2 §12.7.5.5, §12.5.6.19):
/// zero rectangle, flags Print | Locked.
fn widget(name: &str, sig_id: ObjectId, page_id: ObjectId) -> Dictionary {
    let mut w = Dictionary::new();
    w.set("Type", Object::Name(b"Annot".to_vec()));
    w.set("Subtype", Object::Name(b"Widget".to_vec()));
    w.set("FT", Object::Name(b"Sig".to_vec()));
    w.set("T", text_string(name));
    w.set("V", Object::Reference(sig_id));
    w.set(
        "Rect",
        Object::Array(vec![0.into(), 0.into(), 0.into(), 0.into()]),
    );
    w.set("F", Object::Integer(132));
    w.set("P", Object::Reference(page_id));
    w
}

/// Makes `id` (an object of an earlier revision) part of the update, and returns it.
fn take(inc: &mut IncrementalDocument, id: ObjectId) -> Result<&mut Object, SigningError> {
    inc.opt_clone_object_to_new_document(id)
        .map_err(|e| SigningError::BadStructure {
            detail: e.to_string(),
        })?;
    inc.new_document
        .objects
        .get_mut(&id)
        .ok_or_else(|| SigningError::BadStructure {
            detail: format!("object {} {} is missing", id.0, id.1),
        })
}

/// Appends `item` to the array held under `key` in the dictionary `owner`, following one
/// indirect reference (cloned into the update) or creating the array.
fn push_to_array(
    inc: &mut IncrementalDocument,
    owner: ObjectId,
    key: &[u8],
    item: Object,
) -> Result<(), SigningError> {
    let bad = |what: &str| SigningError::BadStructure {
        detail: what.to_string(),
    };
    let current = take(inc, owner)?
        .as_dict()
        .map_err(|_| bad("expected a dictionary"))?
        .get(key)
        .ok()
        .cloned();
    match current {
        Some(Object::Reference(arr_id)) => {
            take(inc, arr_id)?
                .as_array_mut()
                .map_err(|_| bad("expected an array"))?
                .push(item);
        }
        Some(Object::Array(mut arr)) => {
            arr.push(item);
            set_in(inc, owner, key, Object::Array(arr))?;
        }
        _ => set_in(inc, owner, key, Object::Array(vec![item]))?,
    }
    Ok(())
}

fn set_in(
    inc: &mut IncrementalDocument,
    owner: ObjectId,
    key: &[u8],
    value: Object,
) -> Result<(), SigningError> {
    take(inc, owner)?
        .as_dict_mut()
        .map_err(|_| SigningError::BadStructure {
            detail: "expected a dictionary".into(),
        })?
        .set(key, value);
    Ok(())
}

/// Registers the field in the catalog's interactive form (ISO 32000-2 §12.7.3), with
/// `/SigFlags 3` (SignaturesExist | AppendOnly).
fn add_to_acroform(
    inc: &mut IncrementalDocument,
    root_id: ObjectId,
    field_id: ObjectId,
) -> Result<(), SigningError> {
    let acroform = take(inc, root_id)?
        .as_dict()
        .ok()
        .and_then(|c| c.get(b"AcroForm").ok())
        .cloned();
    let form_id = match acroform {
        Some(Object::Reference(id)) => id,
        Some(Object::Dictionary(dict)) => {
            // Move an inline AcroForm into its own object so it can be updated like any other.
            let id = inc.new_document.add_object(dict);
            set_in(inc, root_id, b"AcroForm", Object::Reference(id))?;
            id
        }
        _ => {
            let id = inc.new_document.add_object(Dictionary::new());
            set_in(inc, root_id, b"AcroForm", Object::Reference(id))?;
            id
        }
    };
    push_to_array(inc, form_id, b"Fields", Object::Reference(field_id))?;
    set_in(inc, form_id, b"SigFlags", Object::Integer(3))
}

fn add_to_annots(
    inc: &mut IncrementalDocument,
    page_id: ObjectId,
    widget_id: ObjectId,
) -> Result<(), SigningError> {
    push_to_array(inc, page_id, b"Annots", Object::Reference(widget_id))
}

/// The new trailer starts as a copy of the previous one; drop what belonged to the previous
/// section's own cross-reference data (hybrid `/XRefStm`, xref-stream keys).
fn clean_trailer(trailer: &mut Dictionary) {
    for key in [
        &b"XRefStm"[..],
        b"Type",
        b"W",
        b"Index",
        b"Filter",
        b"DecodeParms",
        b"Length",
    ] {
        trailer.remove(key);
    }
}

/// Finds the placeholders in the appended update (never in the earlier revisions), writes the
/// final `/ByteRange` at equal length, and returns it.
fn patch_byte_range(
    out: &mut [u8],
    update_start: usize,
    reserve: usize,
) -> Result<[usize; 4], SigningError> {
    let missing = |what: &str| SigningError::Write(format!("{what} placeholder not found"));
    let mut needle = Vec::with_capacity(2 * reserve + 2);
    needle.push(b'<');
    needle.resize(2 * reserve + 1, b'0');
    needle.push(b'>');
    let a = find(out, update_start, &needle).ok_or_else(|| missing("/Contents"))?;
    let b = a + needle.len();
    let c = out.len() - b;
    let placeholder = format!("[0 {p} {p} {p}]", p = BYTE_RANGE_PLACEHOLDER);
    let at =
        find(out, update_start, placeholder.as_bytes()).ok_or_else(|| missing("/ByteRange"))?;
    let mut value = format!("[0 {a} {b} {c}]");
    while value.len() < placeholder.len() {
        value.insert(value.len() - 1, ' ');
    }
    out[at..at + placeholder.len()].copy_from_slice(value.as_bytes());
    Ok([0, a, b, c])
}

fn find(hay: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}
