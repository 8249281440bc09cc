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
    /// A whole number of at least 0, digits only (amounts in rupiah, years): no sign, so a
    /// condition such as `jumlah > 50000000` cannot be dodged with a negative amount.
    Number,
    /// One of the field's `options`, chosen from a list (e.g. a division): what a condition
    /// routes on should not be typed freely, or a typo would skip a step.
    Choice,
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
    /// The values a `choice` field accepts, in the order offered; empty for other kinds.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
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
    #[error(
        "field {0} has a value of the wrong kind (a number: digits only, no dots or sign; a date: \
         YYYY-MM-DD; a choice: one of its options)"
    )]
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

/// Whether `c` is invisible: zero-width and formatting characters (U+00AD, U+200B–U+200F,
/// U+2060–U+2064, U+FEFF) that make a value look filled when it is not.
pub fn is_invisible(c: char) -> bool {
    matches!(c, '\u{00AD}' | '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}')
}

/// Whether a value has nothing a reader would see.
pub fn is_blank(v: &str) -> bool {
    v.chars().all(|c| c.is_whitespace() || is_invisible(c))
}

/// Whether `c` is a bidirectional embedding, override or isolate (U+202A–U+202E,
/// U+2066–U+2069): it can make text display in another order than it reads ("Trojan Source").
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Whether `v` holds control characters or bidirectional controls; line breaks and tabs are
/// allowed when `multiline`.
pub fn has_control(v: &str, multiline: bool) -> bool {
    v.chars().any(|c| {
        is_bidi_control(c) || (c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t')))
    })
}

/// Checks `values` (name → submitted text) against `fields` and returns the values to store, in
/// field order, trimmed; unknown names are dropped. A value of only white space or invisible
/// characters counts as empty; control characters are refused (line breaks only in textareas);
/// dates must exist in the calendar (years 1900–2100).
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
            if is_blank(&value) {
                if f.required {
                    return Err(FormError::Missing(f.name.clone()));
                }
                return Ok((f.name.clone(), String::new()));
            }
            if value.chars().count() > f.max_chars {
                return Err(FormError::TooLong {
                    field: f.name.clone(),
                    max: f.max_chars,
                });
            }
            let valid = !has_control(&value, f.kind == FieldKind::Textarea)
                && match f.kind {
                    FieldKind::Text | FieldKind::Textarea => true,
                    FieldKind::Choice => f.options.contains(&value),
                    FieldKind::Number => {
                        value.bytes().all(|b| b.is_ascii_digit()) && value.parse::<i64>().is_ok()
                    }
                    FieldKind::Date => is_date(&value),
                };
            if !valid {
                return Err(FormError::Invalid(f.name.clone()));
            }
            Ok((f.name.clone(), value))
        })
        .collect()
}

/// `YYYY-MM-DD` naming a day that exists, in 1900–2100 (proleptic Gregorian calendar).
fn is_date(v: &str) -> bool {
    let parts: Vec<&str> = v.split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return false;
    };
    let num = |s: &str, len: usize| {
        (s.len() == len && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u32>().ok())
            .flatten()
    };
    let (Some(y), Some(m), Some(d)) = (num(y, 4), num(m, 2), num(d, 2)) else {
        return false;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1900..=2100).contains(&y) && (1..=days).contains(&d)
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
            options: Vec::new(),
        };
        vec![
            f("nama_usaha", FieldKind::Text, true),
            f("catatan", FieldKind::Textarea, false),
            f("modal", FieldKind::Number, false),
            f("mulai", FieldKind::Date, false),
        ]
    }

    #[rstest]
    #[case("ekonomi", Ok(()))]
    #[case("Ekonomi", Err("E_FORM_FIELD_INVALID"))]
    #[case("lainnya", Err("E_FORM_FIELD_INVALID"))]
    #[case("", Err("E_FORM_FIELD_REQUIRED"))]
    fn a_choice_takes_only_its_options(#[case] value: &str, #[case] expected: Result<(), &str>) {
        let field = FormField {
            name: "bidang".into(),
            label_id: "Bidang".into(),
            label_en: "Division".into(),
            kind: FieldKind::Choice,
            required: true,
            max_chars: 20,
            options: vec!["sekretariat".into(), "ekonomi".into()],
        };
        let got = validate_form(&[field], |_| Some(value.to_string()));
        assert_eq!(got.map(|_| ()).map_err(|e| e.code()), expected);
    }

    #[rstest]
    #[case(&[("nama_usaha", "  Warung Sejahtera ")], Ok(vec!["Warung Sejahtera", "", "", ""]))]
    #[case(&[("catatan", "x")], Err("E_FORM_FIELD_REQUIRED"))]
    #[case(&[("nama_usaha", "a\nb")], Err("E_FORM_FIELD_INVALID"))]
    #[case(&[("nama_usaha", "a"), ("modal", "12x")], Err("E_FORM_FIELD_INVALID"))]
    #[case(&[("nama_usaha", "a"), ("mulai", "2026-13-01")], Err("E_FORM_FIELD_INVALID"))]
    #[case(&[("nama_usaha", "a"), ("mulai", "2026-11-29"), ("modal", "5000000")], Ok(vec!["a", "", "5000000", "2026-11-29"]))]
    #[case(&[("nama_usaha", "aaaaaaaaaaaaaaaaaaaaa")], Err("E_FORM_FIELD_TOO_LONG"))]
    #[case(&[("nama_usaha", "\u{200B}\u{FEFF} ")], Err("E_FORM_FIELD_REQUIRED"))]
    #[case(&[("nama_usaha", "a\u{0}b")], Err("E_FORM_FIELD_INVALID"))]
    #[case(&[("nama_usaha", "a"), ("catatan", "baris 1\nbaris 2")], Ok(vec!["a", "baris 1\nbaris 2", "", ""]))]
    #[case(&[("nama_usaha", "a"), ("catatan", "bel\u{7}")], Err("E_FORM_FIELD_INVALID"))]
    #[case(&[("nama_usaha", "a"), ("mulai", "2023-02-30")], Err("E_FORM_FIELD_INVALID"))]
    #[case(&[("nama_usaha", "a"), ("mulai", "2023-04-31")], Err("E_FORM_FIELD_INVALID"))]
    #[case(&[("nama_usaha", "a"), ("mulai", "2024-02-29")], Ok(vec!["a", "", "", "2024-02-29"]))]
    #[case(&[("nama_usaha", "a"), ("mulai", "2023-02-29")], Err("E_FORM_FIELD_INVALID"))]
    #[case(&[("nama_usaha", "a"), ("mulai", "0001-01-01")], Err("E_FORM_FIELD_INVALID"))]
    #[case(&[("nama_usaha", "a"), ("modal", "-60000000")], Err("E_FORM_FIELD_INVALID"))]
    #[case(&[("nama_usaha", "a"), ("modal", "+60000000")], Err("E_FORM_FIELD_INVALID"))]
    #[case(&[("nama_usaha", "a"), ("modal", "060000000")], Ok(vec!["a", "", "060000000", ""]))]
    #[case(&[("nama_usaha", "a\u{202E}gpj.exe")], Err("E_FORM_FIELD_INVALID"))]
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
