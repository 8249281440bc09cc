//! The rules of a service definition, each problem with its path.

use super::{
    DefinitionProblem, MAX_FIELD_CHARS, MAX_FORM_FIELDS, RESERVED_FIELD_NAMES,
    RESERVED_SERVICE_CODES, ServiceDefinition, text_problem,
};
use crate::{
    Assignees, Comparison, Condition, FieldKind, FormField, GroupMode, MAX_DEADLINE_DAYS,
    MAX_STEP_NAME_CHARS, MAX_STEPS, Role, RoutingTemplate, Step, StepAction,
};

type Problems = Vec<DefinitionProblem>;

fn push(out: &mut Problems, path: impl Into<String>, message: impl Into<String>) {
    out.push(DefinitionProblem::new(path, message));
}

fn text(out: &mut Problems, path: &str, value: &str, min: usize, max: usize, multiline: bool) {
    if let Some(message) = text_problem(value, min, max, multiline) {
        push(out, path, message);
    }
}

/// `[a-z0-9-]{3,60}`.
pub(super) fn is_service_code(code: &str) -> bool {
    (3..=60).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// `[A-Z0-9-]{2,20}`.
pub(super) fn is_agency_code(code: &str) -> bool {
    (2..=20).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
}

fn is_field_name(name: &str) -> bool {
    (1..=40).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// The plain keys: code, agency, names, descriptions.
pub(super) fn header(d: &ServiceDefinition, out: &mut Problems) {
    if d.code.is_empty() {
        push(out, "code", "is missing");
    } else if !is_service_code(&d.code) {
        push(
            out,
            "code",
            format!("{:?} must be 3 to 60 of a-z, 0-9 and -", d.code),
        );
    } else if RESERVED_SERVICE_CODES.contains(&d.code.as_str()) {
        push(out, "code", format!("{:?} is reserved", d.code));
    }
    if d.agency.is_empty() {
        push(out, "agency", "is missing");
    } else if !is_agency_code(&d.agency) {
        push(
            out,
            "agency",
            format!(
                "{:?} must be 2 to 20 of A-Z, 0-9 and -, e.g. DPMPTSP",
                d.agency
            ),
        );
    }
    if let Some(name) = &d.agency_name {
        text(out, "agency_name", name, 1, 200, false);
    }
    text(out, "name", &d.name, 1, 120, false);
    text(out, "name_en", &d.name_en, 0, 120, false);
    text(out, "description", &d.description, 0, 2000, true);
    text(out, "description_en", &d.description_en, 0, 2000, true);
}

/// The form and the steps.
pub(super) fn body(d: &ServiceDefinition, out: &mut Problems) {
    form(&d.form, out);
    let before = out.len();
    steps(&d.steps, &d.form, out);
    // Belt and braces: whatever the template itself refuses is said too.
    if out.len() == before
        && let Err(e) = RoutingTemplate::new(d.steps.clone())
    {
        push(out, "steps", e.to_string());
    }
}

fn form(fields: &[FormField], out: &mut Problems) {
    if fields.len() > MAX_FORM_FIELDS {
        push(
            out,
            "form",
            format!(
                "has {} fields; at most {MAX_FORM_FIELDS} are allowed",
                fields.len()
            ),
        );
    }
    for (i, f) in fields.iter().enumerate() {
        let at = |key: &str| format!("form[{i}].{key}");
        if f.name.is_empty() {
            push(out, at("name"), "is missing");
        } else if !is_field_name(&f.name) {
            push(
                out,
                at("name"),
                format!("{:?} must be 1 to 40 of a-z, 0-9 and _", f.name),
            );
        } else if RESERVED_FIELD_NAMES.contains(&f.name.as_str()) {
            push(
                out,
                at("name"),
                format!("{:?} is reserved for the form itself", f.name),
            );
        } else if let Some(j) = fields[..i].iter().position(|g| g.name == f.name) {
            push(
                out,
                at("name"),
                format!("{:?} is already the name of form[{j}]", f.name),
            );
        }
        text(out, &at("label_id"), &f.label_id, 1, 120, false);
        text(out, &at("label_en"), &f.label_en, 1, 120, false);
        if !(1..=MAX_FIELD_CHARS).contains(&f.max_chars) {
            push(
                out,
                at("max_chars"),
                format!("{} must be 1 to {MAX_FIELD_CHARS}", f.max_chars),
            );
        } else if f.kind == FieldKind::Date && f.max_chars < 10 {
            push(
                out,
                at("max_chars"),
                format!("{}: a date (YYYY-MM-DD) needs 10 characters", f.max_chars),
            );
        }
        options(f, &at("options"), out);
    }
}

fn steps(steps: &[Step], form: &[FormField], out: &mut Problems) {
    if steps.is_empty() || steps.len() > MAX_STEPS {
        push(
            out,
            "steps",
            format!(
                "has {} steps; a service needs 1 to {MAX_STEPS}, the last one signing",
                steps.len()
            ),
        );
    }
    let unconditional_paraf = steps
        .iter()
        .any(|s| s.action == StepAction::Paraf && s.condition.is_none());
    if !steps.is_empty() && !unconditional_paraf {
        push(
            out,
            "steps",
            "at least one paraf step must have no condition",
        );
    }
    let last = steps.len().saturating_sub(1);
    for (i, step) in steps.iter().enumerate() {
        let at = |key: &str| format!("steps[{i}].{key}");
        text(out, &at("name"), &step.name, 1, MAX_STEP_NAME_CHARS, false);
        match (step.action, i == last) {
            (StepAction::Sign, false) => push(out, at("action"), "only the last step signs"),
            (StepAction::Paraf | StepAction::Acknowledge, true) => push(
                out,
                at("action"),
                format!(
                    "the last step must be \"sign\", not {:?}",
                    step.action.as_str()
                ),
            ),
            _ => {}
        }
        assignees(&step.assignees, &at("assignees"), Some(step.action), out);
        for (j, cc) in step.cc.iter().enumerate() {
            assignees(cc, &at(&format!("cc[{j}]")), None, out);
        }
        mode(step, &at("mode"), out);
        if step.approval_signature && step.action != StepAction::Paraf {
            push(
                out,
                at("approval_signature"),
                "only a paraf step can carry an approval signature",
            );
        }
        if let Some(c) = &step.condition {
            if step.action == StepAction::Sign {
                push(
                    out,
                    at("condition"),
                    "the sign step always applies: it has no condition",
                );
            }
            condition(c, &at("condition"), form, out);
        }
        if let Some(days) = step.deadline_days
            && !(1..=MAX_DEADLINE_DAYS).contains(&days)
        {
            push(
                out,
                at("deadline_days"),
                format!("{days} must be 1 to {MAX_DEADLINE_DAYS} working days"),
            );
        }
    }
}

fn mode(step: &Step, path: &str, out: &mut Problems) {
    match step.mode {
        GroupMode::KOfN(0) => push(out, path, "k_of_n needs k of at least 1"),
        GroupMode::All | GroupMode::KOfN(_) if step.action == StepAction::Sign => push(
            out,
            path,
            "the sign step has mode \"any\": one official signs (one TTE)",
        ),
        _ => {}
    }
}

/// Checks who a step (`action`) or a cc (`None`) names.
fn assignees(a: &Assignees, path: &str, action: Option<StepAction>, out: &mut Problems) {
    match &a.position {
        None if a.role.is_none() => push(out, path, "needs a role or a position"),
        Some(p) => text(out, &format!("{path}.position"), p, 1, 120, false),
        None => {}
    }
    match (a.role, action) {
        (Some(r @ (Role::Citizen | Role::Admin)), _) => push(
            out,
            format!("{path}.role"),
            format!(
                "{:?}: only verifiers and signers take part in routing",
                r.as_str()
            ),
        ),
        (Some(Role::Verifier), Some(StepAction::Sign)) => push(
            out,
            format!("{path}.role"),
            "a sign step needs the signer role",
        ),
        _ => {}
    }
    if let Some(agency) = &a.agency
        && !is_agency_code(agency)
    {
        push(
            out,
            format!("{path}.agency"),
            format!("{agency:?} must be 2 to 20 of A-Z, 0-9 and -, e.g. BPKAD"),
        );
    }
}

/// A choice field offers 1 to 50 distinct options that fit its `max_chars`; other kinds none.
fn options(f: &FormField, path: &str, out: &mut Problems) {
    if f.kind != FieldKind::Choice {
        if !f.options.is_empty() {
            push(out, path, "only a field of kind \"choice\" has options");
        }
        return;
    }
    if !(1..=50).contains(&f.options.len()) {
        push(out, path, "a choice field needs 1 to 50 options");
    }
    for (i, option) in f.options.iter().enumerate() {
        if let Some(message) = text_problem(option, 1, f.max_chars, false) {
            push(out, format!("{path}[{i}]"), message);
        } else if option.trim() != option {
            push(out, format!("{path}[{i}]"), "no spaces at either end");
        } else if f.options[..i].contains(option) {
            push(
                out,
                format!("{path}[{i}]"),
                format!("{option:?} is offered twice"),
            );
        }
    }
}

fn condition(c: &Condition, path: &str, form: &[FormField], out: &mut Problems) {
    let ordering = matches!(
        c.op,
        Comparison::Gt | Comparison::Ge | Comparison::Lt | Comparison::Le
    );
    match form.iter().find(|f| f.name == c.field) {
        None => push(
            out,
            format!("{path}.field"),
            format!("no form field {:?}", c.field),
        ),
        Some(f) if ordering && f.kind != FieldKind::Number => push(
            out,
            format!("{path}.field"),
            format!(
                "{:?} is not a number field; {} compares numbers",
                c.field,
                super::emit::op_name(c.op)
            ),
        ),
        Some(f) if f.kind == FieldKind::Choice && !f.options.contains(&c.value) => push(
            out,
            format!("{path}.value"),
            format!(
                "{:?} is not one of {:?}'s options, so the condition would never hold",
                c.value, c.field
            ),
        ),
        Some(_) => {}
    }
    if ordering && c.value.parse::<i128>().is_err() {
        push(
            out,
            format!("{path}.value"),
            format!("{:?} is not an integer", c.value),
        );
    }
    if let Some(message) = text_problem(&c.value, 0, 200, false) {
        push(out, format!("{path}.value"), message);
    }
}
