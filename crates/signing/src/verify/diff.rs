//! Modification analysis between two consecutive revisions (DESIGN.md decision 4; ISO 32000-2
//! §12.8.2.2 for what DocMDP permits). Every object whose cross-reference entry changed is
//! explained by its role in the older revision, or it is an "other" change. Nothing is allowed
//! by default: a change that no rule explains is reported at [`ModificationLevel::Other`],
//! naming the object.

use std::collections::HashSet;
use std::time::Instant;

use lopdf::xref::XrefEntry;
use lopdf::{Dictionary, Document, Object, ObjectId};

use super::index::Index;
use super::report::{Change, ModificationLevel as Level};
use crate::pdf::resolve;
use crate::reader::deferred_range;
use crate::source::{CHUNK, Source, window};

mod form;
mod pages;

/// A change with what the signatures' rules need to know of it.
#[derive(Debug, Clone)]
pub(crate) struct Finding {
    pub(crate) change: Change,
    /// A form field filled in (for FieldMDP), by fully qualified name.
    pub(crate) filled_field: Option<String>,
    /// A new approval or certification signature (not a document timestamp): DocMDP P = 1
    /// forbids it.
    pub(crate) new_signature: bool,
    /// A new visible signature field: after a certification signature this is the "sneaky
    /// signature" pattern, not a permitted change.
    pub(crate) visible_signature: bool,
}

/// The two revisions being compared.
pub(crate) struct Diff<'a> {
    /// The file, for stream data (left in it when the revisions were loaded).
    src: &'a dyn Source,
    pub(crate) old: &'a Document,
    pub(crate) new: &'a Document,
    pub(crate) index: &'a Index,
    /// Length of the older revision, bytes.
    pub(crate) old_len: usize,
    /// 1-based number of the newer revision.
    pub(crate) revision: usize,
    findings: Vec<Finding>,
}

fn id_text(id: ObjectId) -> String {
    format!("{} {}", id.0, id.1)
}

fn in_use(e: Option<&XrefEntry>) -> bool {
    matches!(
        e,
        Some(XrefEntry::Normal { .. } | XrefEntry::Compressed { .. })
    )
}

fn same_entry(a: Option<&XrefEntry>, b: Option<&XrefEntry>) -> bool {
    match (a, b) {
        (
            Some(XrefEntry::Normal {
                offset: o1,
                generation: g1,
            }),
            Some(XrefEntry::Normal {
                offset: o2,
                generation: g2,
            }),
        ) => o1 == o2 && g1 == g2,
        (
            Some(XrefEntry::Compressed {
                container: c1,
                index: i1,
            }),
            Some(XrefEntry::Compressed {
                container: c2,
                index: i2,
            }),
        ) => c1 == c2 && i1 == i2,
        (a, b) => !in_use(a) && !in_use(b),
    }
}

/// Structural equality of two objects: strings by their bytes (literal and hex alike), stream
/// data as stored.
pub(crate) fn same(a: &Object, b: &Object) -> bool {
    match (a, b) {
        (Object::Stream(x), Object::Stream(y)) => {
            // A stream whose data was read never equals one left in the file, whatever bytes
            // it holds (see `same_stream_data` for two left in the file).
            deferred_range(x).is_some() == deferred_range(y).is_some()
                && same_dict(&x.dict, &y.dict)
                && x.content == y.content
        }
        (Object::String(x, _), Object::String(y, _)) => x == y,
        (Object::Array(x), Object::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
        }
        (Object::Dictionary(x), Object::Dictionary(y)) => same_dict(x, y),
        _ => a == b,
    }
}

fn same_dict(x: &Dictionary, y: &Dictionary) -> bool {
    x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_ok_and(|w| same(v, w)))
}

/// Two streams with equal dictionaries whose data lies at different places in the file but
/// holds the same bytes (an update that wrote a stream again unchanged). Compared in chunks;
/// a read error counts as a difference.
fn same_stream_data(src: &dyn Source, a: &Object, b: &Object) -> bool {
    let (Object::Stream(x), Object::Stream(y)) = (a, b) else {
        return false;
    };
    let (Some(rx), Some(ry)) = (deferred_range(x), deferred_range(y)) else {
        return false;
    };
    if !same_dict(&x.dict, &y.dict) || rx.len() != ry.len() {
        return false;
    }
    let mut at = 0;
    while at < rx.len() {
        let n = (rx.len() - at).min(CHUNK);
        match (window(src, rx.start + at, n), window(src, ry.start + at, n)) {
            (Ok(p), Ok(q)) if p == q && p.len() == n => at += n,
            _ => return false,
        }
    }
    true
}

/// Keys of the catalog and of page tree nodes that carry producer bookkeeping, not content:
/// ISO 32000-2 §14.5 (`/PieceInfo`, `/LastModified`), §14.9.2 (`/Lang`), iText's `/ITXT`.
const BOOKKEEPING_KEYS: &[&[u8]] = &[b"PieceInfo", b"LastModified", b"Lang", b"ITXT"];

impl<'a> Diff<'a> {
    pub(crate) fn new(
        src: &'a dyn Source,
        old: &'a Document,
        new: &'a Document,
        index: &'a Index,
        old_len: usize,
        revision: usize,
    ) -> Self {
        Diff {
            src,
            old,
            new,
            index,
            old_len,
            revision,
            findings: Vec::new(),
        }
    }

    fn note(&mut self, object: String, level: Level, detail: impl Into<String>) {
        self.findings.push(Finding {
            change: Change {
                revision: self.revision,
                object,
                level,
                detail: detail.into(),
            },
            filled_field: None,
            new_signature: false,
            visible_signature: false,
        });
    }

    /// Runs the analysis; `None` when `deadline` passes first.
    pub(crate) fn run(mut self, deadline: Instant) -> Option<Vec<Finding>> {
        self.trailer();
        let old_entries = &self.old.reference_table.entries;
        let new_entries = &self.new.reference_table.entries;
        let ids: Vec<u32> = old_entries
            .keys()
            .chain(new_entries.keys())
            .copied()
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let mut ids = ids;
        ids.sort_unstable();
        let changed_containers: HashSet<u32> = ids
            .iter()
            .copied()
            .filter(|n| !same_entry(old_entries.get(n), new_entries.get(n)))
            .collect();
        for (i, n) in ids.into_iter().enumerate() {
            if i % 1024 == 0 && Instant::now() > deadline {
                return None;
            }
            let (o, e) = (old_entries.get(&n), new_entries.get(&n));
            let container_changed = matches!(e, Some(XrefEntry::Compressed { container, .. }) if changed_containers.contains(container));
            if same_entry(o, e) && !container_changed {
                continue;
            }
            match (in_use(o), in_use(e)) {
                (true, false) => self.note(format!("{n}"), Level::Other, "object freed"),
                (false, _) => {} // new objects count only through what refers to them
                (true, true) => self.modified(n, e),
            }
        }
        Some(self.findings)
    }

    fn trailer(&mut self) {
        for key in [b"Root".as_slice(), b"Encrypt"] {
            if self.old.trailer.get(key).ok() != self.new.trailer.get(key).ok() {
                let k = String::from_utf8_lossy(key).into_owned();
                self.note(
                    "trailer".into(),
                    Level::Other,
                    format!("trailer /{k} changed"),
                );
            }
        }
        if self.old.trailer.get(b"Info").ok() != self.new.trailer.get(b"Info").ok() {
            self.note(
                "trailer".into(),
                Level::SignaturesAndTimestamps,
                "document information replaced",
            );
        }
    }

    fn modified(&mut self, n: u32, entry: Option<&XrefEntry>) {
        let id = first_id(self.old, n).unwrap_or((n, 0));
        let (Ok(old), Ok(new)) = (self.old.get_object(id), self.new.get_object(id)) else {
            let new_id = first_id(self.new, n);
            let detail = match new_id {
                Some(new_id) if new_id.1 != id.1 => "object replaced under a new generation",
                _ => "object no longer readable",
            };
            self.note(id_text(id), Level::Other, detail);
            return;
        };
        if same(old, new) || same_stream_data(self.src, old, new) {
            return;
        }
        if let Some(XrefEntry::Normal { offset, .. }) = entry
            && (*offset as usize) < self.old_len
        {
            self.note(
                id_text(id),
                Level::Other,
                "object re-pointed to bytes of an earlier revision",
            );
            return;
        }
        self.explain(id, old, new);
    }

    fn explain(&mut self, id: ObjectId, old: &Object, new: &Object) {
        let ix = self.index;
        let (od, nd) = match (old.as_dict(), new.as_dict()) {
            (Ok(a), Ok(b)) => (a, b),
            _ => return self.explain_other(id, old, new),
        };
        if ix.root == Some(id) {
            self.catalog(id, od, nd);
        } else if ix.acroform == Some(id) {
            self.acroform(id, od, nd);
        } else if ix.pages.contains(&id) {
            self.page(id, od, nd);
        } else if ix.fields.contains_key(&id) || ix.widgets.contains_key(&id) {
            self.field_or_widget(id, od, nd);
        } else {
            self.explain_other(id, old, new);
        }
    }

    fn explain_other(&mut self, id: ObjectId, old: &Object, new: &Object) {
        let ix = self.index;
        if ix.fields_array == Some(id) {
            let (o, n) = (array(self.old, old), array(self.new, new));
            return self.fields_array(id, &o, &n);
        }
        if let Some(page) = ix.annots_arrays.get(&id).copied() {
            let (o, n) = (array(self.old, old), array(self.new, new));
            return self.annots(id, page, &o, &n);
        }
        if let Some(widget) = ix.appearances.get(&id).copied() {
            let only_here = ix.ref_counts.get(&id).copied().unwrap_or(0) <= 1;
            let field = ix.field_of_widget(widget);
            return match field {
                Some(f) if only_here => {
                    let (is_signature, name) = (f.is_signature, f.name.clone());
                    self.appearance_updated(id, is_signature, &name);
                }
                _ => self.note(
                    id_text(id),
                    Level::Other,
                    "appearance stream used elsewhere was changed",
                ),
            };
        }
        if ix.dss.contains(&id) {
            return self.note(
                id_text(id),
                Level::SignaturesAndTimestamps,
                "validation data (DSS) updated",
            );
        }
        if ix.metadata == Some(id) {
            return self.note(
                id_text(id),
                Level::SignaturesAndTimestamps,
                "XMP metadata updated",
            );
        }
        if ix.info == Some(id) {
            return self.note(
                id_text(id),
                Level::SignaturesAndTimestamps,
                "document information updated",
            );
        }
        if ix.page_nodes.contains(&id) {
            return self.page_node(id, old, new);
        }
        let kind = type_name(old);
        self.note(id_text(id), Level::Other, format!("{kind} changed"));
    }
}

/// The items of `items` that `other` does not hold: references by a set (arrays of many
/// thousands of annotations stay linear), direct objects by comparison.
fn missing_from<'o>(items: &'o [Object], other: &[Object]) -> Vec<&'o Object> {
    let refs: HashSet<ObjectId> = other.iter().filter_map(|o| o.as_reference().ok()).collect();
    items
        .iter()
        .filter(|item| match item.as_reference() {
            Ok(id) => !refs.contains(&id),
            Err(_) => !other.iter().any(|o| same(o, item)),
        })
        .collect()
}

/// The id of object number `n` in `doc`, whatever its generation (a range lookup: documents
/// can hold hundreds of thousands of objects).
fn first_id(doc: &Document, n: u32) -> Option<ObjectId> {
    doc.objects
        .range((n, 0)..=(n, u16::MAX))
        .next()
        .map(|(id, _)| *id)
}

/// Keys whose values differ between two dictionaries (added and removed keys included).
fn changed_keys(old: &Dictionary, new: &Dictionary) -> Vec<Vec<u8>> {
    let mut keys: Vec<Vec<u8>> = Vec::new();
    for (k, v) in old.iter() {
        if new.get(k).map_or(true, |n| !same(v, n)) {
            keys.push(k.clone());
        }
    }
    for (k, _) in new.iter() {
        if !old.has(k) {
            keys.push(k.clone());
        }
    }
    keys
}

fn array(doc: &Document, obj: &Object) -> Vec<Object> {
    resolve(doc, obj)
        .and_then(|a| a.as_array().ok())
        .cloned()
        .unwrap_or_default()
}

fn widgets_of<'d>(doc: &'d Document, field: &'d Dictionary) -> Vec<&'d Dictionary> {
    let mut out = Vec::new();
    if field.get(b"Subtype").and_then(Object::as_name).ok() == Some(b"Widget") {
        out.push(field);
    }
    if let Some(kids) = field
        .get(b"Kids")
        .ok()
        .and_then(|k| resolve(doc, k))
        .and_then(|k| k.as_array().ok())
    {
        out.extend(
            kids.iter()
                .filter_map(|k| resolve(doc, k).and_then(|k| k.as_dict().ok())),
        );
    }
    out
}

fn describe(obj: &Object) -> String {
    match obj {
        Object::Reference(id) => id_text(*id),
        _ => "(direct object)".into(),
    }
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn type_name(obj: &Object) -> String {
    let dict = match obj {
        Object::Dictionary(d) => Some(d),
        Object::Stream(s) => Some(&s.dict),
        _ => None,
    };
    let t = dict
        .and_then(|d| d.get(b"Type").and_then(Object::as_name).ok())
        .map(lossy);
    let st = dict
        .and_then(|d| d.get(b"Subtype").and_then(Object::as_name).ok())
        .map(lossy);
    match (t, st, obj) {
        (Some(t), Some(s), _) => format!("/{t} /{s} object"),
        (Some(t), None, _) => format!("/{t} object"),
        (None, Some(s), _) => format!("/{s} object"),
        (None, None, Object::Stream(_)) => "stream".into(),
        _ => "object".into(),
    }
}
