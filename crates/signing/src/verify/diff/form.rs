//! Changes to the form (ISO 32000-2 §12.7): the catalog's form-related keys, the AcroForm,
//! its fields and widgets. Filling a field is form filling; signing a signature field, or
//! adding a new signature field, visible or not, is a signature (`SignaturesAndTimestamps`); a
//! new visible one is also marked, because after a certification it is never permitted (the
//! "sneaky signature" pattern).

use lopdf::{Dictionary, Document, Object, ObjectId};

use super::{
    BOOKKEEPING_KEYS, Diff, array, changed_keys, describe, id_text, lossy, missing_from, widgets_of,
};
use crate::pdf::resolve;
use crate::verify::index::{field_name, is_visible};
use crate::verify::report::ModificationLevel as Level;

impl Diff<'_> {
    pub(super) fn catalog(&mut self, id: ObjectId, old: &Dictionary, new: &Dictionary) {
        for key in changed_keys(old, new) {
            match key.as_slice() {
                b"AcroForm" => {
                    let o = old
                        .get(b"AcroForm")
                        .ok()
                        .and_then(|f| resolve(self.old, f))
                        .and_then(|f| f.as_dict().ok())
                        .cloned()
                        .unwrap_or_default();
                    let n = new
                        .get(b"AcroForm")
                        .ok()
                        .and_then(|f| resolve(self.new, f))
                        .and_then(|f| f.as_dict().ok())
                        .cloned()
                        .unwrap_or_default();
                    self.acroform(id, &o, &n);
                }
                b"DSS" | b"Extensions" => self.note(
                    id_text(id),
                    Level::SignaturesAndTimestamps,
                    format!("catalog /{} updated", lossy(&key)),
                ),
                b"Metadata" => self.note(
                    id_text(id),
                    Level::SignaturesAndTimestamps,
                    "catalog /Metadata replaced",
                ),
                b"Names" => self.names(id, old, new),
                k if BOOKKEEPING_KEYS.contains(&k) => self.note(
                    id_text(id),
                    Level::SignaturesAndTimestamps,
                    format!("catalog /{} updated", lossy(k)),
                ),
                _ => self.note(
                    id_text(id),
                    Level::Other,
                    format!("catalog /{} changed", lossy(&key)),
                ),
            }
        }
    }

    /// The catalog's name dictionary (ISO 32000-2 §7.7.4): only named appearance streams
    /// (`/AP`, used by annotations) are explained.
    pub(super) fn names(&mut self, id: ObjectId, old: &Dictionary, new: &Dictionary) {
        let dict = |doc: &Document, d: &Dictionary| {
            d.get(b"Names")
                .ok()
                .and_then(|n| resolve(doc, n))
                .and_then(|n| n.as_dict().ok())
                .cloned()
                .unwrap_or_default()
        };
        let (o, n) = (dict(self.old, old), dict(self.new, new));
        for key in changed_keys(&o, &n) {
            let k = lossy(&key);
            if key == b"AP" {
                self.note(
                    id_text(id),
                    Level::Annotations,
                    "named appearance streams (/Names /AP) updated",
                );
            } else {
                self.note(
                    id_text(id),
                    Level::Other,
                    format!("catalog /Names /{k} changed"),
                );
            }
        }
    }

    pub(super) fn acroform(&mut self, id: ObjectId, old: &Dictionary, new: &Dictionary) {
        for key in changed_keys(old, new) {
            match key.as_slice() {
                b"Fields" => {
                    let o = old
                        .get(b"Fields")
                        .map(|f| array(self.old, f))
                        .unwrap_or_default();
                    let n = new
                        .get(b"Fields")
                        .map(|f| array(self.new, f))
                        .unwrap_or_default();
                    self.fields_array(id, &o, &n);
                }
                b"SigFlags" => self.note(
                    id_text(id),
                    Level::SignaturesAndTimestamps,
                    "form /SigFlags set",
                ),
                b"DR" | b"DA" | b"NeedAppearances" => self.note(
                    id_text(id),
                    Level::FormFilling,
                    format!("form /{} updated", lossy(&key)),
                ),
                _ => self.note(
                    id_text(id),
                    Level::Other,
                    format!("form /{} changed", lossy(&key)),
                ),
            }
        }
    }

    pub(super) fn fields_array(&mut self, id: ObjectId, old: &[Object], new: &[Object]) {
        for gone in missing_from(old, new) {
            self.note(
                id_text(id),
                Level::Other,
                format!("form field {} removed", describe(gone)),
            );
        }
        for added in missing_from(new, old) {
            self.new_field(added);
        }
    }

    /// A field added to the form: only signature fields are explained.
    pub(super) fn new_field(&mut self, obj: &Object) {
        let what = describe(obj);
        let Some(dict) = resolve(self.new, obj).and_then(|d| d.as_dict().ok()) else {
            return self.note(what, Level::Other, "form field added that cannot be read");
        };
        if dict.get(b"FT").and_then(Object::as_name).ok() != Some(b"Sig") {
            return self.note(
                what,
                Level::Other,
                "form field added that is not a signature field",
            );
        }
        let name = field_name("", dict);
        let reused = dict
            .get(b"V")
            .and_then(Object::as_reference)
            .is_ok_and(|v| self.old.get_object(v).is_ok());
        if reused {
            return self.note(
                what,
                Level::Other,
                format!("signature field '{name}' added with the value of an existing signature"),
            );
        }
        let visible = widgets_of(self.new, dict)
            .iter()
            .any(|w| is_visible(self.new, w));
        if visible {
            self.note(
                what,
                Level::SignaturesAndTimestamps,
                format!("visible signature field '{name}' added"),
            );
            self.mark_visible_signature();
        } else {
            self.note(
                what,
                Level::SignaturesAndTimestamps,
                format!("signature field '{name}' added"),
            );
        }
        self.mark_signature(dict);
    }

    /// A field's appearance redrawn: part of signing a signature field, or of filling a field.
    pub(super) fn appearance_updated(&mut self, id: ObjectId, is_signature: bool, name: &str) {
        let level = if is_signature {
            Level::SignaturesAndTimestamps
        } else {
            Level::FormFilling
        };
        self.note(
            id_text(id),
            level,
            format!("appearance of field '{name}' updated"),
        );
    }

    /// Marks the last finding as a new visible signature field.
    pub(super) fn mark_visible_signature(&mut self) {
        if let Some(last) = self.findings.last_mut() {
            last.visible_signature = true;
        }
    }

    /// Marks the last finding as a new signature when `field` carries a `/Sig` value.
    pub(super) fn mark_signature(&mut self, field: &Dictionary) {
        let is_sig_value = field
            .get(b"V")
            .ok()
            .and_then(|v| resolve(self.new, v))
            .and_then(|v| v.as_dict().ok())
            .is_some_and(|v| {
                v.get(b"Type").and_then(Object::as_name).ok() != Some(b"DocTimeStamp")
            });
        if let Some(last) = self.findings.last_mut() {
            last.new_signature |= is_sig_value;
        }
    }

    pub(super) fn field_or_widget(&mut self, id: ObjectId, old: &Dictionary, new: &Dictionary) {
        let ix = self.index;
        let field = ix
            .fields
            .get(&id)
            .or_else(|| ix.field_of_widget(id))
            .cloned();
        let Some(field) = field else {
            return self.note(id_text(id), Level::Other, "widget changed");
        };
        let is_field = ix.fields.contains_key(&id);
        let is_widget = ix.widgets.contains_key(&id);
        for key in changed_keys(old, new) {
            let name = &field.name;
            match key.as_slice() {
                b"V" if is_field && field.is_signature => {
                    if old.has(b"V") {
                        self.note(
                            id_text(id),
                            Level::Other,
                            format!("signature value of '{name}' replaced"),
                        );
                    } else {
                        self.note(
                            id_text(id),
                            Level::SignaturesAndTimestamps,
                            format!("signature field '{name}' signed"),
                        );
                        self.mark_signature(new);
                    }
                }
                b"V" if is_field => {
                    self.note(
                        id_text(id),
                        Level::FormFilling,
                        format!("field '{name}' filled in"),
                    );
                    if let Some(last) = self.findings.last_mut() {
                        last.filled_field = Some(name.clone());
                    }
                }
                b"F" | b"MK" | b"DA" | b"Ff"
                    if field.is_signature && !old.has(b"V") && new.has(b"V") =>
                {
                    self.note(
                        id_text(id),
                        Level::SignaturesAndTimestamps,
                        format!(
                            "signature field '{name}' marked as signed (/{})",
                            lossy(&key)
                        ),
                    );
                }
                b"F" if is_widget => {
                    self.note(
                        id_text(id),
                        Level::Annotations,
                        format!("annotation flags of field '{name}' changed"),
                    );
                }
                b"AP" | b"AS" if is_widget => self.appearance_updated(id, field.is_signature, name),
                _ => self.note(
                    id_text(id),
                    Level::Other,
                    format!("field '{name}': /{} changed", lossy(&key)),
                ),
            }
        }
    }
}
