//! Attack variants of a signed PDF, for testing a verifier against the "PDF insecurity"
//! attack classes: universal signature forgery and incremental saving attacks (Mladenov et
//! al., "1 Trillion Dollar Refund", CCS 2019), signature wrapping (same paper), shadow attacks
//! (Mainka et al., NDSS 2021) and certification attacks (Mainka et al., "Breaking the
//! Specification: PDF Certification", S&P 2021), plus positive controls that must stay valid.
//!
//! [`variants`] works on the raw bytes of ANY signed PDF: it finds the last signature
//! dictionary's `/ByteRange` and `/Contents` by scanning, edits them in place (keeping the file
//! length) or appends incremental updates with a correct cross-reference section of the
//! base's kind, `/Prev` and `/Size`. lopdf only reads the object graph (pages, catalog,
//! fields); every byte written is written here. A variant that needs something the base lacks
//! (a page font, an older object body, a text field) is left out.
//!
//! ```no_run
//! let signed = std::fs::read("signed.pdf").expect("read");
//! for v in sahih_e2e::attacks::variants(&signed) {
//!     std::fs::write(format!("{}.pdf", v.name.replace('/', "_")), &v.bytes).expect("write");
//! }
//! ```

mod base;
mod certification;
mod controls;
pub mod harness;
mod isa;
mod lex;
mod shadow;
mod swa;
mod update;
mod usf;

use base::Base;
use update::Update;

/// The attack class a variant belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Class {
    /// Universal signature forgery: `/Contents` or `/ByteRange` broken.
    Usf,
    /// Incremental saving attack: a later revision changes what the document shows.
    Isa,
    /// Signature wrapping: the signed bytes moved, the gap widened, the tail left uncovered.
    Swa,
    /// Shadow hide: signed content made invisible.
    ShadowHide,
    /// Shadow replace: a form value whose appearance is drawn over signed content.
    ShadowReplace,
    /// Shadow hide-and-replace: a reference re-pointed to other content already signed.
    ShadowHideAndReplace,
    /// Evil annotation attack on a certified document.
    EvilAnnotation,
    /// Sneaky signature attack on a certified document.
    SneakySignature,
    /// A positive control: a change the rules allow, or none.
    Control,
}

impl Class {
    /// Whether the variant is an attack (everything but [`Class::Control`]).
    pub fn is_attack(self) -> bool {
        self != Class::Control
    }

    /// Short spelling for tables.
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Usf => "USF",
            Class::Isa => "ISA",
            Class::Swa => "SWA",
            Class::ShadowHide => "shadow-hide",
            Class::ShadowReplace => "shadow-replace",
            Class::ShadowHideAndReplace => "shadow-hide-and-replace",
            Class::EvilAnnotation => "EAA",
            Class::SneakySignature => "SSA",
            Class::Control => "control",
        }
    }
}

/// One variant of the base file.
#[derive(Debug, Clone)]
pub struct Variant {
    /// `class-ish/what/how`, e.g. `usf/contents-null/in-place`; unique per base.
    pub name: String,
    pub class: Class,
    pub bytes: Vec<u8>,
}

/// Every variant the generator can make of `signed` (the untouched file first, as a control).
pub fn variants(signed: &[u8]) -> Vec<Variant> {
    let base = Base::new(signed);
    let mut out = vec![Variant {
        name: "control/untouched".into(),
        class: Class::Control,
        bytes: signed.to_vec(),
    }];
    out.extend(controls::variants(&base));
    out.extend(usf::variants(&base));
    out.extend(isa::variants(&base));
    out.extend(swa::variants(&base));
    out.extend(shadow::variants(&base));
    out.extend(certification::variants(&base));
    out
}

/// A variant made by appending `update` to the base, if the base allows it.
fn appended(base: &Base, name: &str, class: Class, update: &Update) -> Option<Variant> {
    let (bytes, _) = update.write(base)?;
    Some(Variant {
        name: name.into(),
        class,
        bytes,
    })
}

/// A variant made by overwriting `span` with `text` padded with spaces to the same length,
/// when it fits; the file length does not change.
fn in_place(base: &Base, span: std::ops::Range<usize>, text: &[u8]) -> Option<Vec<u8>> {
    if text.len() > span.len() {
        return None;
    }
    let mut out = base.bytes.to_vec();
    out[span.start..span.start + text.len()].copy_from_slice(text);
    out[span.start + text.len()..span.end].fill(b' ');
    Some(out)
}

/// A content stream that visibly changes a page: a red box and, with a font, a new amount.
fn overlay(font: Option<&str>) -> Vec<u8> {
    let mut s = String::from("q 0.85 0 0 rg 60 680 480 60 re f Q\n");
    if let Some(f) = font {
        s.push_str(&format!(
            "BT /{f} 28 Tf 1 1 1 rg 72 700 Td (DIUBAH: Rp 999.999.999) Tj ET\n"
        ));
    }
    s.into_bytes()
}

/// A form XObject drawing a white box and text, with its own Helvetica font: what an attacker
/// puts in an appearance stream.
fn overlay_xobject(width: u32, height: u32, text: &str) -> Vec<u8> {
    let content = format!(
        "q 1 1 1 rg 0 0 {width} {height} re f Q BT /Helv 18 Tf 0.8 0 0 rg 8 {} Td ({text}) Tj ET",
        height / 3
    );
    update::stream(
        &format!(
            "/Type /XObject /Subtype /Form /BBox [0 0 {width} {height}] \
             /Resources << /Font << /Helv << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >>"
        ),
        content.as_bytes(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A one-page PDF with a signature dictionary whose `/Contents` is a placeholder: enough
    /// for the generator, which never checks the signature.
    fn fake_signed() -> Vec<u8> {
        let objects = [
            "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [5 0 R] /SigFlags 3 >> >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Annots [5 0 R] \
             /Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >> >>",
            "<< /Length 38 >>\nstream\nBT /F1 12 Tf 72 720 Td (Surat) Tj ET\nendstream",
            "<< /Type /Annot /Subtype /Widget /FT /Sig /T (Sig1) /V 6 0 R /Rect [0 0 0 0] /P 3 0 R >>",
            "<< /Type /Sig /ByteRange [0 AAAAAAAA BBBBBBBB CCCCCCCC] /Contents <3082000100000000> >>",
            // An unused stream, signed along: what a hide-and-replace attack re-points to.
            "<< /Length 38 >>\nstream\nBT /F1 12 Tf 72 720 Td (Palsu) Tj ET\nendstream",
        ];
        let mut pdf = b"%PDF-1.7\n".to_vec();
        let mut offsets = Vec::new();
        for (i, o) in objects.iter().enumerate() {
            offsets.push(pdf.len());
            pdf.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
        }
        let xref = pdf.len();
        pdf.extend_from_slice(b"xref\n0 8\n0000000000 65535 f\r\n");
        for o in offsets {
            pdf.extend_from_slice(format!("{o:010} 00000 n\r\n").as_bytes());
        }
        pdf.extend_from_slice(
            format!("trailer\n<< /Size 8 /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n").as_bytes(),
        );
        let text = String::from_utf8(pdf).expect("ascii");
        let start = text.find("<3082").expect("contents");
        let end = start + "<3082000100000000>".len();
        let fill = |t: String, k: &str, v: usize| t.replace(k, &format!("{v:<8}"));
        let text = fill(text, "AAAAAAAA", start);
        let text = fill(text, "BBBBBBBB", end);
        let len = text.len();
        fill(text, "CCCCCCCC", len - end).into_bytes()
    }

    #[test]
    fn every_class_has_variants_with_unique_names() {
        let base = fake_signed();
        let all = variants(&base);
        let mut names: Vec<_> = all.iter().map(|v| v.name.as_str()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), all.len(), "variant names repeat");
        for class in [Class::Usf, Class::Isa, Class::Swa, Class::ShadowHide] {
            assert!(
                all.iter().filter(|v| v.class == class).count() >= 3,
                "{class:?} has fewer than 3 variants"
            );
        }
        for class in [
            Class::ShadowReplace,
            Class::ShadowHideAndReplace,
            Class::EvilAnnotation,
            Class::SneakySignature,
            Class::Control,
        ] {
            assert!(all.iter().any(|v| v.class == class), "no {class:?} variant");
        }
    }

    #[test]
    fn updates_keep_the_signed_bytes_and_point_their_xref_at_their_objects() {
        let base = fake_signed();
        for v in variants(&base) {
            if v.name.contains("relocated-second-range/in-place") {
                continue; // rewrites the ByteRange in place, then appends
            }
            if v.name.ends_with("in-place") || v.bytes.len() == base.len() {
                assert_eq!(v.bytes.len(), base.len(), "{}: length changed", v.name);
                continue;
            }
            assert_eq!(
                &v.bytes[..base.len()],
                &base[..],
                "{}: signed bytes changed",
                v.name
            );
            let tail = &v.bytes[base.len()..];
            let text = format!("\n{}", String::from_utf8_lossy(tail));
            if v.name.ends_with("objects-without-xref") || v.name.ends_with("wrong-offsets") {
                continue;
            }
            // Each classic entry `oooooooooo ggggg n` names an offset where `N G obj` starts.
            let Some(xref) = text.rfind("\nxref\n").map(|x| x + 1) else {
                panic!("{}: no xref section", v.name)
            };
            let mut lines = text[xref + 5..].lines();
            while let Some(sub) = lines.next().filter(|l| !l.starts_with("trailer")) {
                let num: u32 = sub
                    .split(' ')
                    .next()
                    .and_then(|n| n.parse().ok())
                    .expect("subsection");
                let entry = lines.next().expect("entry");
                let offset: usize = entry[..10].parse().expect("offset");
                if offset < base.len() {
                    continue; // re-pointed at an older body on purpose
                }
                let at = &v.bytes[offset..];
                assert!(
                    at.starts_with(format!("{num} 0 obj").as_bytes()),
                    "{}: xref entry for {num} points at {:?}",
                    v.name,
                    String::from_utf8_lossy(&at[..at.len().min(20)])
                );
            }
            let startxref = text.rfind("startxref\n").expect("startxref");
            let at: usize = text[startxref + 10..]
                .lines()
                .next()
                .and_then(|n| n.parse().ok())
                .expect("n");
            assert!(v.bytes[at..].starts_with(b"xref"), "{}: startxref", v.name);
        }
    }
}
