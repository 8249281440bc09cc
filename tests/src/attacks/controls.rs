//! Positive controls: changes after signing that the rules allow (validation data added to a
//! `/DSS` dictionary, ETSI EN 319 142-1 §5.4.2), which a verifier must keep accepting.

use lopdf::{Dictionary, Object};

use super::base::Base;
use super::update::{serialize, stream};
use super::{Class, Update, Variant, appended};

pub(super) fn variants(base: &Base) -> Vec<Variant> {
    dss_added(base)
        .and_then(|u| appended(base, "control/dss-added", Class::Control, &u))
        .into_iter()
        .collect()
}

/// The catalog redefined with a `/DSS` holding the certificates of the last signature's CMS
/// (merged into an existing DSS, if any).
fn dss_added(base: &Base) -> Option<Update> {
    let (cat_id, catalog) = base.catalog()?;
    let certs = signature_certificates(base);
    let n = base.next_num();
    let mut dss = catalog
        .get(b"DSS")
        .ok()
        .and_then(|d| base.resolve_dict(d))
        .cloned()
        .unwrap_or_else(Dictionary::new);
    let mut list = match dss.get(b"Certs") {
        Ok(Object::Array(a)) => a.clone(),
        Ok(Object::Reference(r)) => base.object(*r)?.as_array().ok()?.clone(),
        _ => Vec::new(),
    };
    let mut u = Update::new();
    for (i, der) in certs.iter().enumerate() {
        let num = n + 1 + i as u32;
        list.push(Object::Reference((num, 0)));
        u = u.object(num, 0, stream("", der));
    }
    dss.set("Certs", list);
    let mut catalog = catalog.clone();
    catalog.set("DSS", Object::Reference((n, 0)));
    Some(u.object(n, 0, serialize(&Object::Dictionary(dss))).object(
        cat_id.0,
        cat_id.1,
        serialize(&Object::Dictionary(catalog)),
    ))
}

/// The certificates (DER) in the last signature's CMS SignedData (RFC 5652 §5.1):
/// ContentInfo → [0] → SignedData → version, digestAlgorithms, encapContentInfo, [0] certs.
fn signature_certificates(base: &Base) -> Vec<Vec<u8>> {
    let hex = base
        .sig
        .as_ref()
        .and_then(|s| s.entry("Contents"))
        .map(|e| &base.bytes[e.value.start + 1..e.value.end - 1])
        .unwrap_or_default();
    let der: Vec<u8> = hex
        .chunks_exact(2)
        .filter_map(|p| u8::from_str_radix(std::str::from_utf8(p).ok()?, 16).ok())
        .collect();
    certificates(&der).unwrap_or_default()
}

fn certificates(der: &[u8]) -> Option<Vec<Vec<u8>>> {
    let (_, content_info, _) = tlv(der)?;
    let (_, after_oid) = skip(content_info)?;
    let (_, explicit, _) = tlv(after_oid)?;
    let (_, mut signed_data, _) = tlv(explicit)?;
    for _ in 0..3 {
        signed_data = skip(signed_data)?.1;
    }
    let (tag, mut certs, _) = tlv(signed_data)?;
    if tag != 0xA0 {
        return None;
    }
    let mut out = Vec::new();
    while !certs.is_empty() {
        let (_, rest) = skip(certs)?;
        out.push(certs[..certs.len() - rest.len()].to_vec());
        certs = rest;
    }
    Some(out)
}

/// One DER TLV (definite lengths only): `(tag, contents, rest)`.
fn tlv(b: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let tag = *b.first()?;
    let first = *b.get(1)?;
    let (len, header) = if first < 0x80 {
        (usize::from(first), 2)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 {
            return None;
        }
        let len = b
            .get(2..2 + n)?
            .iter()
            .fold(0usize, |l, &x| l << 8 | usize::from(x));
        (len, 2 + n)
    };
    let contents = b.get(header..header + len)?;
    Some((tag, contents, &b[header + len..]))
}

/// Skips one TLV: `(tag, rest)`.
fn skip(b: &[u8]) -> Option<(u8, &[u8])> {
    tlv(b).map(|(t, _, rest)| (t, rest))
}
