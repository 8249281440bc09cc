//! Writing a definition as TOML (TOML 1.0: basic strings, inline tables for assignees and
//! conditions), in the order and shape of the hand-written examples.

use std::fmt::Write as _;

use super::ServiceDefinition;
use crate::{Assignees, Comparison, Condition, FieldKind, GroupMode, Step};

/// A TOML basic string: `"` and `\` escaped, control characters (and DEL) as escapes.
pub(super) fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The TOML name of a comparison: `eq`, `ne`, `gt`, `ge`, `lt`, `le`.
pub(super) fn op_name(op: Comparison) -> &'static str {
    match op {
        Comparison::Eq => "eq",
        Comparison::Ne => "ne",
        Comparison::Gt => "gt",
        Comparison::Ge => "ge",
        Comparison::Lt => "lt",
        Comparison::Le => "le",
    }
}

fn kind_name(kind: FieldKind) -> &'static str {
    match kind {
        FieldKind::Text => "text",
        FieldKind::Textarea => "textarea",
        FieldKind::Date => "date",
        FieldKind::Number => "number",
        FieldKind::Choice => "choice",
    }
}

fn line(out: &mut String, key: &str, value: &str) {
    let _ = writeln!(out, "{key} = {}", quote(value));
}

pub(super) fn definition(d: &ServiceDefinition) -> String {
    let mut out = String::from(
        "# Sahih service definition (layanan). Check it with `sahih services validate FILE`.\n",
    );
    line(&mut out, "code", &d.code);
    line(&mut out, "agency", &d.agency);
    if let Some(name) = &d.agency_name {
        line(&mut out, "agency_name", name);
    }
    line(&mut out, "name", &d.name);
    line(&mut out, "name_en", &d.name_en);
    line(&mut out, "description", &d.description);
    line(&mut out, "description_en", &d.description_en);
    if let Some(n) = &d.numbering {
        out.push_str("\n[numbering]\n");
        line(&mut out, "classification", &n.classification);
        line(&mut out, "format", n.format.as_str());
    }
    for f in &d.form {
        out.push_str("\n[[form]]\n");
        line(&mut out, "name", &f.name);
        line(&mut out, "label_id", &f.label_id);
        line(&mut out, "label_en", &f.label_en);
        line(&mut out, "kind", kind_name(f.kind));
        let _ = writeln!(out, "required = {}", f.required);
        let _ = writeln!(out, "max_chars = {}", f.max_chars);
        if !f.options.is_empty() {
            let options: Vec<String> = f.options.iter().map(|o| quote(o)).collect();
            let _ = writeln!(out, "options = [{}]", options.join(", "));
        }
    }
    for s in &d.steps {
        step(&mut out, s);
    }
    out
}

fn step(out: &mut String, s: &Step) {
    out.push_str("\n[[steps]]\n");
    line(out, "name", &s.name);
    line(out, "action", s.action.as_str());
    let _ = writeln!(out, "assignees = {}", assignees(&s.assignees));
    match s.mode {
        GroupMode::Any => {}
        GroupMode::All => out.push_str("mode = \"all\"\n"),
        GroupMode::KOfN(k) => {
            let _ = writeln!(out, "mode = {{ k_of_n = {k} }}");
        }
    }
    if let Some(c) = &s.condition {
        let _ = writeln!(out, "condition = {}", condition(c));
    }
    if let Some(days) = s.deadline_days {
        let _ = writeln!(out, "deadline_days = {days}");
    }
    if !s.cc.is_empty() {
        let cc: Vec<String> = s.cc.iter().map(assignees).collect();
        let _ = writeln!(out, "cc = [{}]", cc.join(", "));
    }
    if s.approval_signature {
        out.push_str("approval_signature = true\n");
    }
}

fn assignees(a: &Assignees) -> String {
    let mut parts = Vec::new();
    if let Some(role) = a.role {
        parts.push(format!("role = {}", quote(role.as_str())));
    }
    if let Some(position) = &a.position {
        parts.push(format!("position = {}", quote(position)));
    }
    if let Some(agency) = &a.agency {
        parts.push(format!("agency = {}", quote(agency)));
    }
    format!("{{ {} }}", parts.join(", "))
}

fn condition(c: &Condition) -> String {
    format!(
        "{{ field = {}, op = {}, value = {} }}",
        quote(&c.field),
        quote(op_name(c.op)),
        quote(&c.value)
    )
}
