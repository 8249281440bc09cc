//! What each object of one revision is, for the modification analysis: the catalog, the
//! AcroForm and its fields and widgets (ISO 32000-2 §12.7), pages and their annotations
//! (§12.5), appearance streams, the DSS (ETSI EN 319 142-1 §5.4.2), the XMP metadata and the
//! document information dictionary. Walks are bounded and cycle-safe.

use std::collections::{HashMap, HashSet};

use lopdf::{Dictionary, Document, Object, ObjectId};

use crate::SigningError;
use crate::pdf::{catalog_id, page_nodes, resolve};

/// Deepest field tree walked.
const MAX_FIELD_DEPTH: usize = 32;
/// Most objects walked below the DSS.
const MAX_DSS_OBJECTS: usize = 100_000;

/// A form field.
#[derive(Debug, Clone)]
pub(crate) struct Field {
    /// Fully qualified name (ISO 32000-2 §12.7.4.2).
    pub(crate) name: String,
    /// `/FT /Sig`, inherited.
    pub(crate) is_signature: bool,
}

/// The roles of one revision's objects.
#[derive(Debug, Default)]
pub(crate) struct Index {
    pub(crate) root: Option<ObjectId>,
    pub(crate) acroform: Option<ObjectId>,
    pub(crate) fields_array: Option<ObjectId>,
    /// Field dictionaries that are indirect objects.
    pub(crate) fields: HashMap<ObjectId, Field>,
    /// Widget annotation → its field (a merged field-widget maps to itself).
    pub(crate) widgets: HashMap<ObjectId, ObjectId>,
    pub(crate) page_nodes: HashSet<ObjectId>,
    pub(crate) pages: HashSet<ObjectId>,
    /// Indirect `/Annots` arrays → their page.
    pub(crate) annots_arrays: HashMap<ObjectId, ObjectId>,
    /// Appearance streams and indirect appearance dictionaries → their widget.
    pub(crate) appearances: HashMap<ObjectId, ObjectId>,
    pub(crate) dss: HashSet<ObjectId>,
    pub(crate) metadata: Option<ObjectId>,
    pub(crate) info: Option<ObjectId>,
    /// How many references each object receives from all objects of the revision.
    pub(crate) ref_counts: HashMap<ObjectId, usize>,
}

impl Index {
    /// Indexes `doc`. Errors: [`SigningError::BadStructure`] when the catalog or the page tree
    /// is unusable (a cycle, a missing node).
    pub(crate) fn build(doc: &Document) -> Result<Index, SigningError> {
        let root = catalog_id(doc)?;
        let (nodes, pages) = page_nodes(doc, root)?;
        let mut index = Index {
            root: Some(root),
            page_nodes: nodes.into_iter().collect(),
            pages: pages.iter().copied().collect(),
            info: doc.trailer.get(b"Info").and_then(Object::as_reference).ok(),
            ..Index::default()
        };
        let catalog = doc
            .get_dictionary(root)
            .map_err(|_| SigningError::BadStructure {
                detail: "/Root is not a dictionary".into(),
            })?;
        index.metadata = catalog.get(b"Metadata").and_then(Object::as_reference).ok();
        for page in &pages {
            if let Ok(Object::Reference(id)) =
                doc.get_dictionary(*page).and_then(|p| p.get(b"Annots"))
            {
                index.annots_arrays.insert(*id, *page);
            }
        }
        index.index_form(doc, catalog);
        index.index_dss(doc, catalog);
        index.count_references(doc);
        Ok(index)
    }

    fn index_form(&mut self, doc: &Document, catalog: &Dictionary) {
        let Ok(form_obj) = catalog.get(b"AcroForm") else {
            return;
        };
        self.acroform = form_obj.as_reference().ok();
        let Some(form) = resolve(doc, form_obj).and_then(|f| f.as_dict().ok()) else {
            return;
        };
        let Ok(fields_obj) = form.get(b"Fields") else {
            return;
        };
        self.fields_array = fields_obj.as_reference().ok();
        let Some(fields) = resolve(doc, fields_obj).and_then(|f| f.as_array().ok()) else {
            return;
        };
        let mut stack: Vec<(&Object, String, bool, usize)> = fields
            .iter()
            .map(|f| (f, String::new(), false, 0))
            .collect();
        let mut seen = HashSet::new();
        while let Some((obj, parent, parent_sig, depth)) = stack.pop() {
            let Object::Reference(id) = obj else { continue };
            if depth > MAX_FIELD_DEPTH || !seen.insert(*id) {
                continue;
            }
            let Ok(dict) = doc.get_dictionary(*id) else {
                continue;
            };
            let name = field_name(&parent, dict);
            let is_signature = match dict.get(b"FT").and_then(Object::as_name) {
                Ok(ft) => ft == b"Sig",
                Err(_) => parent_sig,
            };
            if dict.get(b"Subtype").and_then(Object::as_name).ok() == Some(b"Widget") {
                self.widgets.insert(*id, *id);
                self.index_appearances(doc, *id, dict);
            }
            let kids = dict
                .get(b"Kids")
                .ok()
                .and_then(|k| resolve(doc, k))
                .and_then(|k| k.as_array().ok());
            for kid in kids.into_iter().flatten() {
                let Object::Reference(kid_id) = kid else {
                    continue;
                };
                match doc.get_dictionary(*kid_id) {
                    Ok(k) if !k.has(b"T") && !k.has(b"Kids") => {
                        if seen.insert(*kid_id) {
                            self.widgets.insert(*kid_id, *id);
                            self.index_appearances(doc, *kid_id, k);
                        }
                    }
                    _ => stack.push((kid, name.clone(), is_signature, depth + 1)),
                }
            }
            self.fields.insert(*id, Field { name, is_signature });
        }
    }

    fn index_appearances(&mut self, doc: &Document, widget: ObjectId, dict: &Dictionary) {
        let Ok(ap) = dict.get(b"AP") else { return };
        if let Ok(id) = ap.as_reference() {
            self.appearances.insert(id, widget);
        }
        let Some(ap) = resolve(doc, ap).and_then(|a| a.as_dict().ok()) else {
            return;
        };
        for (_, entry) in ap.iter() {
            if let Ok(id) = entry.as_reference() {
                self.appearances.insert(id, widget);
            }
            let states = resolve(doc, entry).and_then(|e| e.as_dict().ok());
            for (_, state) in states.into_iter().flat_map(|s| s.iter()) {
                if let Ok(id) = state.as_reference() {
                    self.appearances.insert(id, widget);
                }
            }
        }
    }

    fn index_dss(&mut self, doc: &Document, catalog: &Dictionary) {
        let Ok(dss) = catalog.get(b"DSS") else { return };
        let mut stack = vec![dss];
        while let Some(obj) = stack.pop() {
            if self.dss.len() > MAX_DSS_OBJECTS {
                return;
            }
            match obj {
                Object::Reference(id) => {
                    if self.dss.insert(*id)
                        && let Ok(o) = doc.get_object(*id)
                    {
                        stack.push(o);
                    }
                }
                Object::Array(items) => stack.extend(items.iter()),
                Object::Dictionary(d) => stack.extend(d.iter().map(|(_, v)| v)),
                Object::Stream(s) => stack.extend(s.dict.iter().map(|(_, v)| v)),
                _ => {}
            }
        }
    }

    fn count_references(&mut self, doc: &Document) {
        fn walk(o: &Object, counts: &mut HashMap<ObjectId, usize>, depth: usize) {
            if depth > 64 {
                return;
            }
            match o {
                Object::Reference(id) => *counts.entry(*id).or_default() += 1,
                Object::Array(items) => items.iter().for_each(|i| walk(i, counts, depth + 1)),
                Object::Dictionary(d) => d.iter().for_each(|(_, v)| walk(v, counts, depth + 1)),
                Object::Stream(s) => s.dict.iter().for_each(|(_, v)| walk(v, counts, depth + 1)),
                _ => {}
            }
        }
        for object in doc.objects.values() {
            walk(object, &mut self.ref_counts, 0);
        }
        walk(
            &Object::Dictionary(doc.trailer.clone()),
            &mut self.ref_counts,
            0,
        );
    }

    /// The field of a widget, if the widget belongs to the form.
    pub(crate) fn field_of_widget(&self, widget: ObjectId) -> Option<&Field> {
        self.widgets.get(&widget).and_then(|f| self.fields.get(f))
    }
}

/// The fully qualified name of a field whose parent's name is `parent`.
pub(crate) fn field_name(parent: &str, dict: &Dictionary) -> String {
    let mut name = parent.to_string();
    if let Some(t) = dict
        .get(b"T")
        .ok()
        .and_then(|t| lopdf::decode_text_string(t).ok())
    {
        if !name.is_empty() {
            name.push('.');
        }
        name.push_str(&t);
    }
    name
}

/// Whether an annotation is visible: a `/Rect` of non-zero area and neither Hidden nor NoView
/// (ISO 32000-2 §12.5.3).
pub(crate) fn is_visible(doc: &Document, annot: &Dictionary) -> bool {
    let flags = annot.get(b"F").and_then(Object::as_i64).unwrap_or(0);
    if flags & (2 | 32) != 0 {
        return false;
    }
    let rect: Vec<f64> = annot
        .get(b"Rect")
        .ok()
        .and_then(|r| resolve(doc, r))
        .and_then(|r| r.as_array().ok())
        .map(|r| {
            r.iter()
                .filter_map(|v| v.as_float().ok().map(f64::from))
                .collect()
        })
        .unwrap_or_default();
    matches!(rect.as_slice(), [x1, y1, x2, y2] if (x2 - x1).abs() > 0.0 && (y2 - y1).abs() > 0.0)
}
