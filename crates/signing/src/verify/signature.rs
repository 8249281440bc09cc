//! One PDF signature, read from the file's bytes (ISO 32000-2 §12.8.1): the signature
//! dictionary as written, `/ByteRange` geometry, `/Contents` as a hex string holding the CMS
//! and zero padding only, and the CMS checked against the signed bytes per `/SubFilter`
//! (ETSI EN 319 142-1 §5.1, ISO 32000-2 §12.8.3).

use lopdf::xref::XrefEntry;
use lopdf::{Dictionary, Document, Object, ObjectId};

use super::ber;
use super::certs::Cert;
use super::crypto::{CryptoFailure, Hash};
use super::digests::{Content, Digests, Ranges};
use super::signed_data::{self, Binding, OID_DATA, OID_TST_INFO, SignerCheck, TstInfo};
use crate::source::{Source, parse_at};
use crate::syntax::{Lexer, Token, Value, parse_dict};

/// What reading the signature found, before any verdict.
#[derive(Debug, Clone)]
pub(crate) struct Reading {
    pub(crate) byte_range: Vec<i64>,
    /// `b + c`: the end of the signed bytes, when the geometry holds.
    pub(crate) signed_end: Option<usize>,
    /// First geometry or encoding failure: (code, detail).
    pub(crate) format_failure: Option<(&'static str, String)>,
    pub(crate) signer: Option<SignerCheck>,
    /// Whether the content the CMS binds (the ranges, or their digest) matches.
    pub(crate) content_matches: Option<bool>,
    pub(crate) certs: Vec<Cert>,
    /// CRLs of the CMS `crls` field, DER.
    pub(crate) crls: Vec<Vec<u8>>,
    pub(crate) timestamp: Option<TokenCheck>,
    /// More than one SignerInfo: only the first is evaluated.
    pub(crate) extra_signers: usize,
    /// genTime of a document timestamp's own token.
    pub(crate) doc_timestamp: Option<TstInfo>,
}

/// A timestamp token checked against the value it stamps (RFC 3161 §2.4.2).
#[derive(Debug, Clone)]
pub(crate) struct TokenCheck {
    pub(crate) info: Option<TstInfo>,
    pub(crate) signer: Option<SignerCheck>,
    pub(crate) imprint_matches: bool,
    pub(crate) certs: Vec<Cert>,
}

impl TokenCheck {
    pub(crate) fn intact(&self) -> bool {
        self.imprint_matches
            && self
                .signer
                .as_ref()
                .is_some_and(|s| s.digest_matches == Some(true) && s.signature.is_ok())
    }
}

impl Reading {
    pub(crate) fn empty() -> Reading {
        Reading::failed(Vec::new(), "", "").cleared()
    }

    fn cleared(mut self) -> Reading {
        self.format_failure = None;
        self
    }

    fn failed(byte_range: Vec<i64>, code: &'static str, detail: impl Into<String>) -> Reading {
        Reading {
            byte_range,
            signed_end: None,
            format_failure: Some((code, detail.into())),
            signer: None,
            content_matches: None,
            certs: Vec::new(),
            crls: Vec::new(),
            timestamp: None,
            extra_signers: 0,
            doc_timestamp: None,
        }
    }
}

/// The `/ByteRange` of a signature dictionary as written (`-1` for an entry that is no
/// integer).
fn written_byte_range(dict: &Dictionary) -> Vec<i64> {
    dict.get(b"ByteRange")
        .ok()
        .and_then(|r| r.as_array().ok())
        .map(|r| {
            r.iter()
                .map(|v| v.as_i64().unwrap_or(-1))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default()
}

/// The ByteRange `(a, b, c)` of a signature dictionary, when its geometry is valid for a file
/// of `len` bytes (for hashing every signature's ranges in one pass before reading them).
pub(crate) fn byte_range(dict: &Dictionary, len: usize) -> Option<Ranges> {
    geometry(&written_byte_range(dict), len).ok()
}

/// Reads and checks the signature whose dictionary is object `sig_id` of `doc` (the newest
/// revision), in the file `src`, whose range digests `digests` computes.
pub(crate) fn read(
    src: &dyn Source,
    digests: &Digests<'_>,
    doc: &Document,
    sig_id: ObjectId,
    dict: &Dictionary,
) -> Reading {
    let written = written_byte_range(dict);
    let (a, b, c) = match geometry(&written, src.len()) {
        Ok(abc) => abc,
        Err(detail) => return Reading::failed(written, "V_BYTE_RANGE_INVALID", detail),
    };
    let offset = match doc.reference_table.entries.get(&sig_id.0) {
        Some(XrefEntry::Normal { offset, .. }) => *offset as usize,
        _ => {
            return Reading::failed(
                written,
                "V_SIGNATURE_DICTIONARY_MISPLACED",
                "the signature dictionary is not a plain indirect object",
            );
        }
    };
    if offset >= b + c {
        return Reading::failed(
            written,
            "V_SIGNATURE_DICTIONARY_MISPLACED",
            "the signature dictionary lies outside the signed bytes (rewritten after signing)",
        );
    }
    let (span, der, padding) = match contents_span(src, offset) {
        Ok(found) => found,
        Err(detail) => return Reading::failed(written, "V_CONTENTS_INVALID", detail),
    };
    let parts = Content::Ranges(digests, (a, b, c));
    let sub_filter = dict
        .get(b"SubFilter")
        .and_then(Object::as_name)
        .unwrap_or_default();
    // The CMS is checked even when the geometry is wrong, so that the report says whether the
    // signed bytes are intact as well as why the coverage fails.
    let mut reading = check_cms(&der, sub_filter, &parts);
    reading.byte_range = written;
    reading.signed_end = Some(b + c);
    if span != (a..b) {
        reading.format_failure = Some((
            "V_BYTE_RANGE_GAP",
            format!(
                "the ByteRange gap {a}..{b} is not exactly the /Contents string at {}..{}",
                span.start, span.end
            ),
        ));
    } else if !padding && reading.format_failure.is_none() {
        reading.format_failure = Some((
            "V_CONTENTS_INVALID",
            "/Contents holds bytes other than zero padding after the CMS".into(),
        ));
    }
    reading
}

/// Checks `[0 a b c]`: four non-negative integers, the first 0, a gap between the two ranges,
/// and the second range inside the file.
fn geometry(r: &[i64], len: usize) -> Result<(usize, usize, usize), String> {
    let [zero, a, b, c] = r else {
        return Err(format!("/ByteRange has {} entries instead of 4", r.len()));
    };
    let as_usize = |v: i64| usize::try_from(v).ok();
    match (as_usize(*zero), as_usize(*a), as_usize(*b), as_usize(*c)) {
        (Some(0), Some(a), Some(b), Some(c))
            if a < b && b.checked_add(c).is_some_and(|e| e <= len) && c > 0 =>
        {
            Ok((a, b, c))
        }
        _ => Err(format!(
            "/ByteRange {r:?} is not [0 a b c] with a < b and b + c within the file"
        )),
    }
}

/// The span of the `/Contents` value of the dictionary of the object at `offset`, the DER it
/// holds, and whether only zero bytes follow the DER.
fn contents_span(
    src: &dyn Source,
    offset: usize,
) -> Result<(std::ops::Range<usize>, Vec<u8>, bool), String> {
    let src_len = src.len();
    let text = parse_at(src, offset, MAX_SIGNATURE_DICTIONARY, |w| {
        let mut lex = Lexer::new(w, 0);
        let _ = (lex.next(), lex.next(), lex.next());
        match parse_dict(w, lex.pos) {
            Some(d) => Some(w[..d.close + 2].to_vec()),
            None if offset + w.len() < src_len => None,
            None => Some(w.to_vec()),
        }
    })
    .map_err(|e| format!("the signature dictionary cannot be read: {e}"))?
    .unwrap_or_default();
    let (span, der, padding) = contents_in(&text)?;
    Ok((offset + span.start..offset + span.end, der, padding))
}

/// Largest signature dictionary read, bytes.
const MAX_SIGNATURE_DICTIONARY: usize = 16 * 1024 * 1024;

/// [`contents_span`] within the text of the object (`N G obj <<…>>`), offsets relative to it.
fn contents_in(pdf: &[u8]) -> Result<(std::ops::Range<usize>, Vec<u8>, bool), String> {
    let mut lex = Lexer::new(pdf, 0);
    let header = (lex.next(), lex.next(), lex.next());
    if !matches!(header, (Some(Token::Int(_)), Some(Token::Int(_)), Some(Token::Keyword(ref k))) if k == b"obj")
    {
        return Err("the signature dictionary is not where the cross-reference data says".into());
    }
    let dict = parse_dict(pdf, lex.pos).ok_or("the signature dictionary does not parse")?;
    if let Some(key) = dict.repeated_key() {
        return Err(format!(
            "the signature dictionary repeats /{}",
            String::from_utf8_lossy(key)
        ));
    }
    let entry = dict
        .get(b"Contents")
        .ok_or("the signature dictionary has no /Contents")?;
    if entry.value != Value::Other || pdf.get(entry.span.start) != Some(&b'<') {
        return Err("/Contents is not a hex string".into());
    }
    let inner = &pdf[entry.span.start + 1..entry.span.end.saturating_sub(1)];
    if pdf.get(entry.span.end.saturating_sub(1)) != Some(&b'>')
        || !inner.len().is_multiple_of(2)
        || !inner.iter().all(u8::is_ascii_hexdigit)
    {
        return Err("/Contents is not an even run of hex digits".into());
    }
    let bytes: Vec<u8> = inner
        .chunks_exact(2)
        .map(|p| {
            let h = |b: u8| (b as char).to_digit(16).unwrap_or(0) as u8;
            h(p[0]) << 4 | h(p[1])
        })
        .collect();
    let (tlv, rest) = ber::parse(&bytes).map_err(|e| format!("/Contents is not CMS: {}", e.0))?;
    let padding = rest.iter().all(|b| *b == 0);
    Ok((entry.span.clone(), tlv.raw.to_vec(), padding))
}

/// Checks the CMS against the signed byte ranges `parts`, as `/SubFilter` says.
fn check_cms(der: &[u8], sub_filter: &[u8], parts: &Content<'_>) -> Reading {
    let mut reading = Reading::empty();
    let sd = match signed_data::read(der) {
        Ok((sd, _)) => sd,
        Err(e) => {
            return Reading::failed(
                Vec::new(),
                "V_CMS_MALFORMED",
                format!("the CMS does not parse: {}", e.0),
            );
        }
    };
    reading.certs = sd.certs.clone();
    reading.crls = sd.crls.clone();
    let Some(si) = sd.signer_infos.first() else {
        return Reading::failed(Vec::new(), "V_CMS_MALFORMED", "the CMS has no SignerInfo");
    };
    reading.extra_signers = sd.signer_infos.len() - 1;
    match sub_filter {
        b"ETSI.CAdES.detached" | b"adbe.pkcs7.detached" => {
            if sd.econtent.is_some() {
                return Reading::failed(
                    Vec::new(),
                    "V_ENCAPSULATED_CONTENT",
                    "a detached signature whose CMS encapsulates content",
                );
            }
            let check = si.check(&sd.certs, sd.econtent_type, parts);
            reading.content_matches = check.digest_matches;
            reading.signer = Some(check);
        }
        b"adbe.pkcs7.sha1" => {
            let Some(content) = sd.econtent.as_deref() else {
                return Reading::failed(
                    Vec::new(),
                    "V_CMS_MALFORMED",
                    "adbe.pkcs7.sha1 without encapsulated digest",
                );
            };
            reading.content_matches = Some(content == parts.digest(Hash::Sha1).as_slice());
            reading.signer =
                Some(si.check(&sd.certs, sd.econtent_type, &Content::Bytes(&[content])));
        }
        b"ETSI.RFC3161" => {
            let token = check_token(&sd, parts);
            reading.content_matches = Some(token.imprint_matches);
            reading.doc_timestamp = token.info.clone();
            reading.signer = token.signer.clone();
        }
        other => {
            return Reading::failed(
                Vec::new(),
                "V_SUBFILTER_UNSUPPORTED",
                format!("unknown /SubFilter {}", String::from_utf8_lossy(other)),
            );
        }
    }
    if sub_filter != b"ETSI.RFC3161"
        && let Some(raw) = si.timestamp_token()
    {
        reading.timestamp = Some(check_timestamp(raw, &si.signature));
    }
    if sd.econtent_type != OID_DATA
        && sub_filter != b"ETSI.RFC3161"
        && sub_filter != b"adbe.pkcs7.sha1"
    {
        reading.format_failure = Some((
            "V_CMS_MALFORMED",
            "the signed content type is not id-data".into(),
        ));
    }
    reading
}

/// A signature timestamp token (the value of the unsigned attribute, a ContentInfo) over the
/// signature value `stamped`.
fn check_timestamp(raw: &[u8], stamped: &[u8]) -> TokenCheck {
    match signed_data::read(raw) {
        Ok((sd, _)) => check_token(&sd, &Content::Bytes(&[stamped])),
        Err(_) => TokenCheck {
            info: None,
            signer: None,
            imprint_matches: false,
            certs: Vec::new(),
        },
    }
}

fn check_token(sd: &signed_data::SignedData<'_>, stamped: &Content<'_>) -> TokenCheck {
    let mut out = TokenCheck {
        info: None,
        signer: None,
        imprint_matches: false,
        certs: sd.certs.clone(),
    };
    let (Some(content), Some(si)) = (sd.econtent.as_deref(), sd.signer_infos.first()) else {
        return out;
    };
    if sd.econtent_type != OID_TST_INFO {
        return out;
    }
    let Ok(info) = signed_data::read_tst_info(content) else {
        return out;
    };
    out.imprint_matches = info
        .imprint_hash
        .is_some_and(|h| stamped.digest(h) == info.imprint);
    out.signer = Some(si.check(&sd.certs, sd.econtent_type, &Content::Bytes(&[content])));
    out.info = Some(info);
    out
}

/// Whether a signer check passed entirely at the cryptographic level.
pub(crate) fn crypto_ok(check: &SignerCheck) -> bool {
    check.signature.is_ok() && check.content_type_ok
}

/// English for a crypto failure.
pub(crate) fn crypto_detail(f: &CryptoFailure) -> String {
    match f {
        CryptoFailure::Unsupported(what) => format!("cannot be verified: unsupported {what}"),
        CryptoFailure::Invalid => {
            "the signature value does not verify with the signer's key".into()
        }
    }
}

/// English for a binding outcome.
pub(crate) fn binding_detail(b: Binding) -> &'static str {
    match b {
        Binding::V2 => "bound by signing-certificate-v2",
        Binding::V1 => "bound by signing-certificate (SHA-1)",
        Binding::Absent => {
            "no signing-certificate attribute (required for PAdES, not for PKCS#7 signatures)"
        }
        Binding::Mismatch => "the signing-certificate attribute names another certificate",
    }
}
