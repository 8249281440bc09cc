//! Changes to pages (ISO 32000-2 §7.7.3) and their annotations (§12.5): only `/Annots` may
//! change, and how an annotation was added or removed decides the level.

use lopdf::{Dictionary, Object, ObjectId};

use super::{BOOKKEEPING_KEYS, Diff, array, changed_keys, describe, id_text, lossy, missing_from};
use crate::pdf::resolve;
use crate::verify::index::is_visible;
use crate::verify::report::ModificationLevel as Level;

impl Diff<'_> {
    pub(super) fn page_node(&mut self, id: ObjectId, old: &Object, new: &Object) {
        let (Ok(o), Ok(n)) = (old.as_dict(), new.as_dict()) else {
            return self.note(id_text(id), Level::Other, "page tree node replaced");
        };
        for key in changed_keys(o, n) {
            if BOOKKEEPING_KEYS.contains(&key.as_slice()) {
                self.note(
                    id_text(id),
                    Level::SignaturesAndTimestamps,
                    format!("page tree /{} updated", lossy(&key)),
                );
            } else {
                self.note(
                    id_text(id),
                    Level::Other,
                    format!("page tree node /{} changed", lossy(&key)),
                );
            }
        }
    }

    pub(super) fn page(&mut self, id: ObjectId, old: &Dictionary, new: &Dictionary) {
        for key in changed_keys(old, new) {
            if key == b"Annots" {
                let o = old
                    .get(b"Annots")
                    .map(|a| array(self.old, a))
                    .unwrap_or_default();
                let n = new
                    .get(b"Annots")
                    .map(|a| array(self.new, a))
                    .unwrap_or_default();
                self.annots(id, id, &o, &n);
            } else {
                self.note(
                    id_text(id),
                    Level::Other,
                    format!("page /{} changed", lossy(&key)),
                );
            }
        }
    }

    pub(super) fn annots(&mut self, id: ObjectId, page: ObjectId, old: &[Object], new: &[Object]) {
        let page_no = format!("page object {}", page.0);
        for gone in missing_from(old, new) {
            let widget = gone
                .as_reference()
                .is_ok_and(|r| self.index.widgets.contains_key(&r));
            let level = if widget {
                Level::Other
            } else {
                Level::Annotations
            };
            self.note(
                id_text(id),
                level,
                format!("annotation {} removed from {page_no}", describe(gone)),
            );
        }
        for added in missing_from(new, old) {
            self.new_annotation(added, &page_no);
        }
    }

    pub(super) fn new_annotation(&mut self, obj: &Object, page_no: &str) {
        let what = describe(obj);
        let Some(dict) = resolve(self.new, obj).and_then(|d| d.as_dict().ok()) else {
            return self.note(what, Level::Other, "annotation added that cannot be read");
        };
        let subtype = dict
            .get(b"Subtype")
            .and_then(Object::as_name)
            .map(lossy)
            .unwrap_or_default();
        if subtype != "Widget" {
            return self.note(
                what,
                Level::Annotations,
                format!("{subtype} annotation added to {page_no}"),
            );
        }
        let field = match dict
            .get(b"Parent")
            .ok()
            .and_then(|p| resolve(self.new, p))
            .and_then(|p| p.as_dict().ok())
        {
            Some(parent) if !dict.has(b"T") => parent,
            _ => dict,
        };
        let is_sig = field.get(b"FT").and_then(Object::as_name).ok() == Some(b"Sig");
        match (is_sig, is_visible(self.new, dict)) {
            (true, true) => {
                self.note(
                    what,
                    Level::SignaturesAndTimestamps,
                    format!("visible signature widget added to {page_no}"),
                );
                self.mark_visible_signature();
            }
            (true, false) => self.note(
                what,
                Level::SignaturesAndTimestamps,
                format!("signature widget added to {page_no}"),
            ),
            (false, _) => self.note(
                what,
                Level::Other,
                format!("form widget added to {page_no}"),
            ),
        }
    }
}
