//! Attacks on certified documents (Mainka et al., "Breaking the Specification: PDF
//! Certification", IEEE S&P 2021): the evil annotation attack adds annotations that change
//! what the page shows after a certification signature; the sneaky signature attack adds a
//! signature field whose widget shows a forged signature.
//!
//! The annotations and the field that reuses the signed `/V` are made after approval
//! signatures too: they change what the page shows. An unsigned new signature field is made
//! only after a certification signature, since after an approval signature it is the change
//! the next signer makes (DESIGN.md decision 4).

use super::base::Base;
use super::shadow::{add_annotation, add_field, widget};
use super::{Class, Update, Variant, appended, overlay_xobject};

pub(super) fn variants(base: &Base) -> Vec<Variant> {
    let unsigned = base.certified().then(|| sneaky(base, false)).flatten();
    [
        free_text(base)
            .and_then(|u| appended(base, "eaa/free-text-annotation", Class::EvilAnnotation, &u)),
        stamp(base).and_then(|u| appended(base, "eaa/stamp-annotation", Class::EvilAnnotation, &u)),
        unsigned.and_then(|u| {
            appended(
                base,
                "ssa/unsigned-visible-field",
                Class::SneakySignature,
                &u,
            )
        }),
        sneaky(base, true).and_then(|u| {
            appended(
                base,
                "ssa/field-reusing-signature-value",
                Class::SneakySignature,
                &u,
            )
        }),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// A FreeText annotation over the top of the first page.
fn free_text(base: &Base) -> Option<Update> {
    let (page, _) = base.first_page()?;
    let n = base.next_num();
    let annot = format!(
        "<< /Type /Annot /Subtype /FreeText /Rect [60 680 540 740] /F 4 /P {} {} R \
         /Contents (Disetujui: Rp 999.999.999) /DA (/Helv 18 Tf 1 0 0 rg) /AP << /N {} 0 R >> >>",
        page.0,
        page.1,
        n + 1
    );
    let u = Update::new().object(n, 0, annot).object(
        n + 1,
        0,
        overlay_xobject(480, 60, "Disetujui: Rp 999.999.999"),
    );
    add_annotation(base, u, n)
}

/// A Stamp annotation over the top of the first page.
fn stamp(base: &Base) -> Option<Update> {
    let (page, _) = base.first_page()?;
    let n = base.next_num();
    let annot = format!(
        "<< /Type /Annot /Subtype /Stamp /Name /Approved /Rect [60 680 540 740] /F 4 \
         /P {} {} R /AP << /N {} 0 R >> >>",
        page.0,
        page.1,
        n + 1
    );
    let u = Update::new()
        .object(n, 0, annot)
        .object(n + 1, 0, overlay_xobject(480, 60, "LUNAS"));
    add_annotation(base, u, n)
}

/// A new signature field with a visible widget showing a forged signer; unsigned, or with
/// `/V` pointing at the existing signature's dictionary.
fn sneaky(base: &Base, reuse: bool) -> Option<Update> {
    let n = base.next_num();
    let mut extra = String::from("/FT /Sig /T (Walikota)");
    if reuse {
        let sig = base.sig.as_ref()?;
        extra.push_str(&format!(" /V {} {} R", sig.num, sig.generation));
    }
    let u = Update::new()
        .object(n, 0, widget(base, &extra, n + 1)?)
        .object(
            n + 1,
            0,
            overlay_xobject(480, 60, "Ditandatangani: Walikota"),
        );
    add_field(base, add_annotation(base, u, n)?, n)
}
