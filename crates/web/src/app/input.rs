//! Checks and clean-ups of what people type: names, e-mail addresses, comments.

use crate::AppError;

pub(crate) fn check_text(value: &str, code: &'static str, max: usize) -> Result<String, AppError> {
    let v = value.trim();
    if sahih_workflow::is_blank(v)
        || v.chars().count() > max
        || sahih_workflow::has_control(v, false)
    {
        return Err(AppError::bad_input(
            code,
            format!("expected 1 to {max} printable characters"),
        ));
    }
    Ok(v.to_string())
}

/// A plausible e-mail address (RFC 5321 §4.5.3.1.3 length; one `@`, a dotted domain, no spaces,
/// controls or angle brackets). Deliverability is not checked.
pub(crate) fn check_email(email: &str) -> Result<Option<String>, AppError> {
    let e = email.trim();
    if e.is_empty() {
        return Ok(None);
    }
    let valid = e.len() <= 254
        && e.chars()
            .all(|c| !c.is_whitespace() && !c.is_control() && !"<>\"(),;".contains(c))
        && matches!(e.split_once('@'), Some((local, domain))
            if !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.') && !domain.contains('@'));
    if !valid {
        return Err(AppError::bad_input(
            "E_BAD_INPUT",
            "e-mail address is not valid",
        ));
    }
    Ok(Some(e.to_string()))
}

/// A comment or reason as stored: control characters other than line breaks and tabs, and
/// bidirectional controls (which could make it display in another order), removed; empty when
/// nothing visible is left (so the workflow asks for one).
pub(crate) fn clean_comment(text: &str) -> String {
    let kept: String = text
        .chars()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t'))
        .filter(|c| !sahih_workflow::is_bidi_control(*c))
        .collect();
    if sahih_workflow::is_blank(&kept) {
        String::new()
    } else {
        kept.trim().to_string()
    }
}
