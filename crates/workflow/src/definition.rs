//! Service definitions: one service (layanan) as an agency admin writes it, in TOML — its code,
//! agency, names, numbering (nomor surat), form and routing template — read with every problem
//! reported at once, each with its path (`steps[2].condition.field: no form field "jumlah"`).
//!
//! See [`ServiceDefinition`] for the file's keys.

use std::fmt;

use serde::Deserialize;

use crate::{
    FieldKind, FormField, Numbering, RoutingTemplate, Step, WorkflowError, has_control, is_blank,
    is_invisible, validate_classification,
};

mod check;
mod emit;

/// The largest definition read, in bytes of TOML.
pub const MAX_DEFINITION_BYTES: usize = 64 * 1024;
/// The most form fields a service may have.
pub const MAX_FORM_FIELDS: usize = 40;
/// The largest `max_chars` a form field may have.
pub const MAX_FIELD_CHARS: usize = 5000;
/// Service codes that cannot be used: they are words of the admin pages' addresses
/// (`/admin/layanan/baru`).
pub const RESERVED_SERVICE_CODES: &[&str] = &["baru"];
/// Form field names that cannot be used: the application and revision forms send them beside
/// the fields (CSRF token, the file, the state and version seen, comments, the passphrase).
pub const RESERVED_FIELD_NAMES: &[&str] = &[
    "csrf",
    "berkas",
    "state",
    "version",
    "comment",
    "reason",
    "passphrase",
];

/// The stable code of a definition that breaks a rule (the problems say which).
pub const E_SERVICE_DEFINITION: &str = "E_SERVICE_DEFINITION";

/// One problem of a definition: where (`path`, e.g. `steps[2].condition.field`, 0-based
/// indexes as in the file's order of `[[steps]]` and `[[form]]`; `line 4, column 1` for a TOML
/// syntax or type error; empty for the file as a whole) and what (`message`, English).
///
/// `Display` writes `path: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefinitionProblem {
    /// Where the problem is.
    pub path: String,
    /// What is wrong, in English.
    pub message: String,
}

impl DefinitionProblem {
    /// A problem at `path`.
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> DefinitionProblem {
        DefinitionProblem {
            path: path.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for DefinitionProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// One service as a document: what `sahih services import|export` and the admin pages read
/// and write. Build one with [`ServiceDefinition::parse_toml`], which checks it; one built by
/// hand is checked with [`ServiceDefinition::check`].
///
/// One file holds one service. Its keys, in this order (tables after plain keys, as TOML
/// wants):
///
/// ```toml
/// code = "surat-keterangan-usaha"        # [a-z0-9-]{3,60}, the service's address
/// agency = "DPMPTSP"                     # the agency's code, [A-Z0-9-]{2,20}
/// agency_name = "Dinas Penanaman Modal dan PTSP"  # optional: creates the agency on import
/// name = "Surat Keterangan Usaha"
/// name_en = "Business Certificate"       # optional
/// description = "Keterangan bahwa warga menjalankan usaha."   # optional
/// description_en = "A certificate that a resident runs a business."  # optional
///
/// [numbering]                            # optional: documents are numbered when signed
/// classification = "503"
/// format = "{classification}/{seq:04}/{agency}/{month_roman}/{year}"  # optional
///
/// [[form]]                               # 0 to 40 fields
/// name = "nama_usaha"                    # [a-z0-9_]{1,40}, unique
/// label_id = "Nama usaha"
/// label_en = "Business name"
/// kind = "text"                          # text, textarea, date, number
/// required = true                        # default false
/// max_chars = 120                        # 1..=5000; default by kind
///
/// [[steps]]                              # the routing template's steps, in order
/// name = "Verifikasi berkas"
/// action = "paraf"                       # paraf, acknowledge, sign (the last step)
/// assignees = { role = "verifier", position = "Verifikator Perizinan" }
///
/// [[steps]]
/// name = "Kepala Bidang"
/// action = "paraf"
/// assignees = { position = "Kepala Bidang Perizinan" }  # agency = "BPKAD": another agency's
/// mode = { k_of_n = 2 }                  # "any" (the default), "all", or k of those holding it
/// condition = { field = "modal_usaha", op = "gt", value = "1000000000" }  # eq ne gt ge lt le
/// deadline_days = 1                      # working days, 1..=260
/// cc = [{ position = "Sekretaris" }]     # tembusan when the step is done
///
/// [[steps]]
/// name = "Kepala Dinas"
/// action = "sign"
/// assignees = { role = "signer", position = "Kepala Dinas" }
/// deadline_days = 2
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceDefinition {
    /// The service's code: 3 to 60 of `a-z 0-9 -`, used in addresses (`/layanan/{code}`).
    pub code: String,
    /// The code of the agency that runs it, e.g. `DPMPTSP`: 2 to 20 of `A-Z 0-9 -`.
    pub agency: String,
    /// The agency's full name, used to create the agency when it does not exist yet.
    pub agency_name: Option<String>,
    /// Name shown to citizens (Bahasa Indonesia), 1 to 120 characters.
    pub name: String,
    /// Name in English (may be empty), at most 120 characters.
    pub name_en: String,
    /// Description (Bahasa Indonesia), at most 2000 characters, line breaks allowed.
    pub description: String,
    /// Description in English (may be empty), at most 2000 characters.
    pub description_en: String,
    /// How signed documents are numbered; `None`: they are not numbered.
    pub numbering: Option<Numbering>,
    /// The application form's fields, in order.
    pub form: Vec<FormField>,
    /// The routing template's steps, in order; the last one signs.
    pub steps: Vec<Step>,
}

impl ServiceDefinition {
    /// Reads and checks a definition from TOML text.
    ///
    /// ```
    /// use sahih_workflow::ServiceDefinition;
    ///
    /// let text = r#"
    /// code = "surat-keterangan-usaha"
    /// agency = "DPMPTSP"
    /// name = "Surat Keterangan Usaha"
    /// [[steps]]
    /// name = "Verifikasi"
    /// action = "paraf"
    /// assignees = { role = "verifier" }
    /// condition = { field = "jumlah", op = "gt", value = "100" }
    /// [[steps]]
    /// name = "Kepala Dinas"
    /// action = "sign"
    /// assignees = { role = "verifier" }
    /// "#;
    /// let problems = ServiceDefinition::parse_toml(text).unwrap_err();
    /// let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
    /// assert_eq!(lines, [
    ///     "steps: at least one paraf step must have no condition",
    ///     "steps[0].condition.field: no form field \"jumlah\"",
    ///     "steps[1].assignees.role: a sign step needs the signer role",
    /// ]);
    /// ```
    ///
    /// Errors: every problem found, in the file's order: one for a file larger than
    /// [`MAX_DEFINITION_BYTES`] or that is not TOML of this shape (an unknown key, a wrong type:
    /// the parser stops at the first, with its line and column), else all the rules
    /// [`ServiceDefinition::check`] checks.
    pub fn parse_toml(text: &str) -> Result<ServiceDefinition, Vec<DefinitionProblem>> {
        if text.len() > MAX_DEFINITION_BYTES {
            return Err(vec![DefinitionProblem::new(
                "",
                format!(
                    "the definition has {} bytes; at most {MAX_DEFINITION_BYTES} are read",
                    text.len()
                ),
            )]);
        }
        let raw: RawDefinition =
            toml::from_str(text).map_err(|e| vec![syntax_problem(text, &e)])?;
        let mut problems = Vec::new();
        let numbering = raw.numbering.and_then(|n| n.check(&mut problems));
        let definition = ServiceDefinition {
            code: raw.code,
            agency: raw.agency,
            agency_name: raw.agency_name,
            name: raw.name,
            name_en: raw.name_en,
            description: raw.description,
            description_en: raw.description_en,
            numbering,
            form: raw.form.into_iter().map(RawField::into_field).collect(),
            steps: raw.steps,
        };
        let mut all = Vec::new();
        check::header(&definition, &mut all);
        all.append(&mut problems);
        check::body(&definition, &mut all);
        if all.is_empty() {
            Ok(definition)
        } else {
            Err(all)
        }
    }

    /// Checks every rule: the code, agency code and names (lengths, printable characters), the
    /// numbering's classification code, the form's fields (name `[a-z0-9_]{1,40}`, unique, not
    /// one of [`RESERVED_FIELD_NAMES`]; both labels; `max_chars` 1..=[`MAX_FIELD_CHARS`], at
    /// least 10 for a date) and the steps (the rules of [`RoutingTemplate::new`], and of
    /// [`RoutingTemplate::check_form`] against this form).
    ///
    /// Errors: all the problems, in the file's order.
    pub fn check(&self) -> Result<(), Vec<DefinitionProblem>> {
        let mut problems = Vec::new();
        check::header(self, &mut problems);
        if let Some(n) = &self.numbering
            && let Err(e) = validate_classification(&n.classification)
        {
            problems.push(DefinitionProblem::new(
                "numbering.classification",
                e.to_string(),
            ));
        }
        check::body(self, &mut problems);
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }

    /// The routing template of the steps.
    ///
    /// Errors: the first rule of [`RoutingTemplate::new`] the steps break
    /// ([`ServiceDefinition::check`] reports them all).
    pub fn template(&self) -> Result<RoutingTemplate, WorkflowError> {
        RoutingTemplate::new(self.steps.clone())
    }

    /// The definition as TOML in the shape of the module docs, which
    /// [`ServiceDefinition::parse_toml`] reads back to an equal definition. Default values are
    /// written out (`required`, `max_chars`), except a step's mode `any`; comments of a
    /// hand-written file are not kept.
    pub fn to_toml(&self) -> String {
        emit::definition(self)
    }
}

/// A TOML error as a problem at its line and column; a file of `[[service]]` tables gets a
/// hint that one file holds one service.
fn syntax_problem(text: &str, e: &toml::de::Error) -> DefinitionProblem {
    let path = e
        .span()
        .and_then(|span| text.get(..span.start))
        .map(|before| {
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            format!("line {line}, column {column}")
        })
        .unwrap_or_default();
    let mut message = e.message().trim().replace('\n', " ");
    if text
        .lines()
        .any(|l| l.trim_start().starts_with("[[service"))
    {
        message
            .push_str(" (one file holds one service: put each [[service]] in a file of its own)");
    }
    DefinitionProblem::new(path, message)
}

/// The TOML as read, before the checks: every key optional, so that a missing one is reported
/// with the others rather than alone.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDefinition {
    #[serde(default)]
    code: String,
    #[serde(default)]
    agency: String,
    #[serde(default)]
    agency_name: Option<String>,
    #[serde(default)]
    name: String,
    #[serde(default)]
    name_en: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    description_en: String,
    #[serde(default)]
    numbering: Option<RawNumbering>,
    #[serde(default)]
    form: Vec<RawField>,
    #[serde(default)]
    steps: Vec<Step>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNumbering {
    #[serde(default)]
    classification: String,
    #[serde(default)]
    format: Option<String>,
}

impl RawNumbering {
    fn check(self, problems: &mut Vec<DefinitionProblem>) -> Option<Numbering> {
        let classification = validate_classification(&self.classification)
            .map_err(|e| {
                problems.push(DefinitionProblem::new(
                    "numbering.classification",
                    e.to_string(),
                ))
            })
            .ok();
        let format = match self.format {
            None => Some(crate::NumberFormat::default()),
            Some(text) => crate::NumberFormat::parse(&text)
                .map_err(|e| {
                    problems.push(DefinitionProblem::new("numbering.format", e.to_string()))
                })
                .ok(),
        };
        classification?;
        Numbering::new(self.classification, format?).ok()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawField {
    #[serde(default)]
    name: String,
    #[serde(default)]
    label_id: String,
    #[serde(default)]
    label_en: String,
    kind: FieldKind,
    #[serde(default)]
    required: bool,
    #[serde(default)]
    max_chars: Option<usize>,
    #[serde(default)]
    options: Vec<String>,
}

impl RawField {
    fn into_field(self) -> FormField {
        FormField {
            max_chars: self.max_chars.unwrap_or(default_max_chars(self.kind)),
            options: self.options,
            name: self.name,
            label_id: self.label_id,
            label_en: self.label_en,
            kind: self.kind,
            required: self.required,
        }
    }
}

/// The `max_chars` of a field that names none: 200 for text, 2000 for a textarea, 10 for a
/// date (`YYYY-MM-DD`), 20 for a number (any `i64`), 100 for a choice.
pub fn default_max_chars(kind: FieldKind) -> usize {
    match kind {
        FieldKind::Text => 200,
        FieldKind::Choice => 100,
        FieldKind::Textarea => 2000,
        FieldKind::Date => 10,
        FieldKind::Number => 20,
    }
}

/// Whether `value` is one printable line of `min..=max` characters (no control or invisible
/// characters; blank counts as empty).
fn text_problem(value: &str, min: usize, max: usize, multiline: bool) -> Option<String> {
    let chars = value.chars().count();
    if min > 0 && is_blank(value) {
        return Some("is missing".into());
    }
    if chars > max {
        return Some(format!("has {chars} characters; at most {max} are allowed"));
    }
    if has_control(value, multiline) || value.chars().any(is_invisible) {
        return Some(if multiline {
            "has a control or invisible character".into()
        } else {
            "has a line break, control or invisible character".into()
        });
    }
    None
}

#[cfg(test)]
mod tests;
