//! Services (layanan): what a citizen can apply for, with its form.

use serde::{Deserialize, Serialize};

/// The kind of input a form field takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// One line of text.
    Text,
    /// Several lines of text.
    Textarea,
    /// A calendar date, `YYYY-MM-DD`.
    Date,
    /// An integer amount.
    Number,
}

/// One field of a service's application form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormField {
    /// Field name used in forms and storage (`[a-z0-9_]+`).
    pub name: String,
    /// Label in Bahasa Indonesia.
    pub label_id: String,
    /// Label in English.
    pub label_en: String,
    /// Input kind.
    pub kind: FieldKind,
    /// Whether a value is required.
    pub required: bool,
    /// Longest accepted value, in characters.
    pub max_chars: usize,
}

/// Why submitted form values were refused: the field and the rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormError {
    /// A required field is empty.
    #[error("field {0} is required")]
    Missing(String),
    /// A value is longer than the field allows.
    #[error("field {field} is longer than {max} characters")]
    TooLong {
        /// The field.
        field: String,
        /// Its limit, characters.
        max: usize,
    },
    /// A value does not fit the field's kind (date, number).
    #[error("field {0} has a value of the wrong kind")]
    Invalid(String),
}

impl FormError {
    /// Stable error code.
    pub fn code(&self) -> &'static str {
        match self {
            FormError::Missing(_) => "E_FORM_FIELD_REQUIRED",
            FormError::TooLong { .. } => "E_FORM_FIELD_TOO_LONG",
            FormError::Invalid(_) => "E_FORM_FIELD_INVALID",
        }
    }

    /// The field the error is about.
    pub fn field(&self) -> &str {
        match self {
            FormError::Missing(f) | FormError::Invalid(f) => f,
            FormError::TooLong { field, .. } => field,
        }
    }
}

/// Checks `values` (name → submitted text) against `fields` and returns the values to store, in
/// field order, trimmed; unknown names are dropped.
///
/// Errors: the first [`FormError`] found, in field order.
pub fn validate_form(
    fields: &[FormField],
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<Vec<(String, String)>, FormError> {
    fields
        .iter()
        .map(|f| {
            let value = lookup(&f.name)
                .map(|v| v.trim().to_string())
                .unwrap_or_default();
            if value.is_empty() {
                if f.required {
                    return Err(FormError::Missing(f.name.clone()));
                }
                return Ok((f.name.clone(), value));
            }
            if value.chars().count() > f.max_chars {
                return Err(FormError::TooLong {
                    field: f.name.clone(),
                    max: f.max_chars,
                });
            }
            let valid = match f.kind {
                FieldKind::Text => !value.contains(['\n', '\r']),
                FieldKind::Textarea => true,
                FieldKind::Number => value.parse::<i64>().is_ok(),
                FieldKind::Date => is_date(&value),
            };
            if !valid {
                return Err(FormError::Invalid(f.name.clone()));
            }
            Ok((f.name.clone(), value))
        })
        .collect()
}

fn is_date(v: &str) -> bool {
    let parts: Vec<&str> = v.split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return false;
    };
    let num = |s: &str, len: usize, max: u32| {
        s.len() == len
            && s.bytes().all(|b| b.is_ascii_digit())
            && s.parse::<u32>().is_ok_and(|n| n >= 1 && n <= max)
    };
    num(y, 4, 9999) && num(m, 2, 12) && num(d, 2, 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn fields() -> Vec<FormField> {
        let f = |name: &str, kind, required| FormField {
            name: name.into(),
            label_id: name.into(),
            label_en: name.into(),
            kind,
            required,
            max_chars: 20,
        };
        vec![
            f("nama_usaha", FieldKind::Text, true),
            f("catatan", FieldKind::Textarea, false),
            f("modal", FieldKind::Number, false),
            f("mulai", FieldKind::Date, false),
        ]
    }

    #[rstest]
    #[case(&[("nama_usaha", "  Warung Sejahtera ")], Ok(vec!["Warung Sejahtera", "", "", ""]))]
    #[case(&[("catatan", "x")], Err("E_FORM_FIELD_REQUIRED"))]
    #[case(&[("nama_usaha", "a\nb")], Err("E_FORM_FIELD_INVALID"))]
    #[case(&[("nama_usaha", "a"), ("modal", "12x")], Err("E_FORM_FIELD_INVALID"))]
    #[case(&[("nama_usaha", "a"), ("mulai", "2026-13-01")], Err("E_FORM_FIELD_INVALID"))]
    #[case(&[("nama_usaha", "a"), ("mulai", "2026-11-29"), ("modal", "5000000")], Ok(vec!["a", "", "5000000", "2026-11-29"]))]
    #[case(&[("nama_usaha", "aaaaaaaaaaaaaaaaaaaaa")], Err("E_FORM_FIELD_TOO_LONG"))]
    fn validates_forms(#[case] input: &[(&str, &str)], #[case] expected: Result<Vec<&str>, &str>) {
        let got = validate_form(&fields(), |n| {
            input
                .iter()
                .find(|(k, _)| *k == n)
                .map(|(_, v)| v.to_string())
        });
        match (got, expected) {
            (Ok(values), Ok(want)) => {
                assert_eq!(
                    values.iter().map(|(_, v)| v.as_str()).collect::<Vec<_>>(),
                    want
                )
            }
            (Err(e), Err(code)) => assert_eq!(e.code(), code),
            (got, want) => panic!("got {got:?}, want {want:?}"),
        }
    }
}
