//! What a signature dictionary says (ISO 32000-2 §12.8.1, Table 255): its kind, DocMDP and
//! FieldMDP transforms (§12.8.2.2, §12.8.2.4), the claimed signing time `/M` (§7.9.4), and
//! the report's renderings of times and certificates.

use lopdf::{Dictionary, Object};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::certs::{self, Cert};
use super::report::Signer;

pub(crate) fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

pub(crate) fn unix(secs: i64) -> String {
    OffsetDateTime::from_unix_timestamp(secs)
        .map(rfc3339)
        .unwrap_or_default()
}

/// The DocMDP `/P` of a certification signature dictionary (ISO 32000-2 §12.8.2.2; default 2).
pub(crate) fn docmdp(sig: &Dictionary) -> Option<u8> {
    transforms(sig).into_iter().find_map(|(method, params)| {
        (method == b"DocMDP").then(|| {
            params
                .and_then(|p| p.get(b"P").and_then(Object::as_i64).ok())
                .and_then(|p| u8::try_from(p).ok())
                .filter(|p| (1..=3).contains(p))
                .unwrap_or(2)
        })
    })
}

pub(crate) fn is_doc_timestamp(sig: &Dictionary) -> bool {
    sig.get(b"Type").and_then(Object::as_name).ok() == Some(b"DocTimeStamp")
        || sig.get(b"SubFilter").and_then(Object::as_name).ok() == Some(b"ETSI.RFC3161")
}

fn transforms(sig: &Dictionary) -> Vec<(Vec<u8>, Option<&Dictionary>)> {
    let Ok(refs) = sig.get(b"Reference").and_then(Object::as_array) else {
        return Vec::new();
    };
    refs.iter()
        .filter_map(|r| r.as_dict().ok())
        .filter_map(|r| {
            let method = r
                .get(b"TransformMethod")
                .and_then(Object::as_name)
                .ok()?
                .to_vec();
            Some((
                method,
                r.get(b"TransformParams").and_then(Object::as_dict).ok(),
            ))
        })
        .collect()
}

/// Whether FieldMDP of `sig` locks the field named `name` (ISO 32000-2 §12.8.2.4).
pub(crate) fn locks(sig: &Dictionary, name: &str) -> bool {
    transforms(sig).into_iter().any(|(method, params)| {
        if method != b"FieldMDP" {
            return false;
        }
        let Some(params) = params else { return false };
        let listed = params
            .get(b"Fields")
            .and_then(Object::as_array)
            .map(|f| {
                f.iter()
                    .filter_map(|n| lopdf::decode_text_string(n).ok())
                    .any(|n| n == name)
            })
            .unwrap_or(false);
        match params.get(b"Action").and_then(Object::as_name).ok() {
            Some(b"All") => true,
            Some(b"Include") => listed,
            Some(b"Exclude") => !listed,
            _ => false,
        }
    })
}

pub(crate) fn text(dict: &Dictionary, key: &[u8]) -> Option<String> {
    dict.get(key)
        .ok()
        .and_then(|v| lopdf::decode_text_string(v).ok())
}

/// `D:YYYYMMDDHHmmSSOHH'mm'` (ISO 32000-2 §7.9.4) as RFC 3339; partial dates are completed.
pub(crate) fn pdf_date(s: &str) -> Option<String> {
    let s = s.strip_prefix("D:").unwrap_or(s);
    let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
    if digits.len() < 4 {
        return None;
    }
    let part = |r: std::ops::Range<usize>, d: &str| digits.get(r).unwrap_or(d).to_string();
    let rest = &s[digits.len()..];
    let offset = match rest.chars().next() {
        Some(sign @ ('+' | '-')) => {
            let nums: String = rest[1..].chars().filter(char::is_ascii_digit).collect();
            format!(
                "{sign}{}:{}",
                nums.get(0..2).unwrap_or("00"),
                nums.get(2..4).unwrap_or("00")
            )
        }
        _ => "Z".into(),
    };
    let out = format!(
        "{}-{}-{}T{}:{}:{}{}",
        part(0..4, "0000"),
        part(4..6, "01"),
        part(6..8, "01"),
        part(8..10, "00"),
        part(10..12, "00"),
        part(12..14, "00"),
        offset
    );
    OffsetDateTime::parse(&out, &Rfc3339)
        .ok()
        .map(|t| rfc3339(t.to_offset(time::UtcOffset::UTC)))
}

pub(crate) fn signer_of(cert: &Cert) -> Signer {
    let (from, to) = cert.validity();
    Signer {
        common_name: cert.common_name(),
        organization: cert.organization(),
        subject: cert.subject(),
        issuer: cert.issuer(),
        issuer_common_name: cert.issuer_common_name(),
        serial: certs::hex_lower(cert.serial()),
        not_before: unix(from),
        not_after: unix(to),
        sha256: cert.fingerprint(),
    }
}
