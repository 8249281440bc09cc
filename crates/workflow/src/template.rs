//! Routing templates: the steps a document of a service goes through, who gives each step, in
//! which mode a parallel group decides, under which condition a step applies, and its deadline.

use serde::{Deserialize, Serialize};

use crate::{FieldKind, FormField, Role, WorkflowError};

/// The most steps a template may have.
pub const MAX_STEPS: usize = 20;
/// The longest step name, in characters.
pub const MAX_STEP_NAME_CHARS: usize = 80;
/// The longest deadline a step may have, in working days.
pub const MAX_DEADLINE_DAYS: u32 = 260;

/// What the officers of a step do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepAction {
    /// Paraf: an approval that gates the signer (verifikator, kepala bidang, sekretaris).
    Paraf,
    /// Acknowledge (mengetahui): the officer records having seen the document; it gates the
    /// next step like a paraf but is not an approval of its content.
    Acknowledge,
    /// The signature (TTE) by the signing official: always the last step.
    Sign,
}

impl StepAction {
    /// The stable lowercase name: `"paraf"`, `"acknowledge"` or `"sign"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            StepAction::Paraf => "paraf",
            StepAction::Acknowledge => "acknowledge",
            StepAction::Sign => "sign",
        }
    }
}

/// How many of a step's officers must act before the document moves on.
///
/// TOML: `mode = "all"`, `mode = "any"` or `mode = { k_of_n = 2 }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupMode {
    /// Every officer who holds the step's position (or role) at the time.
    All,
    /// Any one of them (the default).
    #[default]
    Any,
    /// At least `k` distinct officers (k ≥ 1).
    KOfN(u32),
}

impl GroupMode {
    /// How many distinct officers must act, when `n` officers are assigned (those who may act
    /// now together with those who already acted). `All` needs every one of them, at least one.
    pub fn required(&self, n: usize) -> usize {
        match self {
            GroupMode::All => n.max(1),
            GroupMode::Any => 1,
            GroupMode::KOfN(k) => usize::try_from(*k).unwrap_or(usize::MAX),
        }
    }
}

/// Who is assigned to a step: every officer of the agency who matches, never a named person,
/// so that a change of office holder needs no template change.
///
/// TOML: `assignees = { position = "Kepala Bidang Perizinan" }`,
/// `assignees = { role = "verifier" }`, or with `agency = "BPKAD"` for an officer of another
/// agency than the one running the service.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Assignees {
    /// The role the officer must hold (`verifier` or `signer`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    /// The position (jabatan) the officer must hold, compared exactly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<String>,
    /// The agency code (e.g. `BPKAD`); by default the agency that runs the service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agency: Option<String>,
}

impl Assignees {
    /// Whether an officer with `role` and `position` in the agency with code `agency` matches,
    /// for a document of the agency with code `home`.
    pub fn matches(&self, role: Role, position: Option<&str>, agency: &str, home: &str) -> bool {
        let wanted_agency = self.agency.as_deref().unwrap_or(home);
        matches!(role, Role::Verifier | Role::Signer)
            && agency == wanted_agency
            && self.role.is_none_or(|r| r == role)
            && self.position.as_deref().is_none_or(|p| position == Some(p))
    }

    fn check(&self, step: &str, action: StepAction) -> Result<(), WorkflowError> {
        if self.role.is_none() && self.position.as_deref().is_none_or(str::is_empty) {
            return Err(invalid(format!(
                "step {step:?}: assignees need a role or a position"
            )));
        }
        match (self.role, action) {
            (Some(Role::Citizen | Role::Admin), _) => Err(invalid(format!(
                "step {step:?}: only verifiers and signers can be assigned"
            ))),
            (Some(Role::Verifier), StepAction::Sign) => Err(invalid(format!(
                "step {step:?}: a sign step needs officers with the signer role"
            ))),
            _ => Ok(()),
        }
    }
}

/// A comparison of a form value with a constant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Comparison {
    /// Equal (text).
    Eq,
    /// Not equal (text).
    Ne,
    /// Greater than (integers).
    Gt,
    /// Greater than or equal (integers).
    Ge,
    /// Less than (integers).
    Lt,
    /// Less than or equal (integers).
    Le,
}

/// A condition on a form value that makes a step apply, e.g. the head of finance's paraf only
/// when the amount is above 50,000,000.
///
/// TOML: `condition = { field = "jumlah", op = "gt", value = "50000000" }`. Ordering
/// comparisons read both sides as integers; a value that is empty or not an integer makes them
/// false, so the step does not apply.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    /// The form field's name.
    pub field: String,
    /// The comparison.
    pub op: Comparison,
    /// The constant compared with, as text.
    pub value: String,
}

impl Condition {
    /// Whether the condition holds for `form` (field name → value).
    pub fn holds(&self, form: &[(String, String)]) -> bool {
        let value = form
            .iter()
            .find(|(name, _)| *name == self.field)
            .map_or("", |(_, v)| v.as_str());
        let ints = || {
            Some((
                value.parse::<i128>().ok()?,
                self.value.parse::<i128>().ok()?,
            ))
        };
        match self.op {
            Comparison::Eq => value == self.value,
            Comparison::Ne => value != self.value,
            Comparison::Gt => ints().is_some_and(|(a, b)| a > b),
            Comparison::Ge => ints().is_some_and(|(a, b)| a >= b),
            Comparison::Lt => ints().is_some_and(|(a, b)| a < b),
            Comparison::Le => ints().is_some_and(|(a, b)| a <= b),
        }
    }

    fn is_ordering(&self) -> bool {
        matches!(
            self.op,
            Comparison::Gt | Comparison::Ge | Comparison::Lt | Comparison::Le
        )
    }
}

/// One step of a routing template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// The step's name as officers see it, e.g. `"Verifikasi berkas"` or `"Kepala Bidang"`.
    pub name: String,
    /// What the step's officers do.
    pub action: StepAction,
    /// Who gives the step.
    pub assignees: Assignees,
    /// How many of them must act (default `any`).
    #[serde(default)]
    pub mode: GroupMode,
    /// When the step applies; always when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<Condition>,
    /// The deadline in working days from the moment the step is reached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline_days: Option<u32>,
    /// Tembusan: officers who receive the document for information when the step is done.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cc: Vec<Assignees>,
    /// A paraf step only: each paraf is also an invisible approval signature (PAdES, with the
    /// officer's own key) added to the PDF as an incremental update, so the signed PDF itself
    /// shows who initialled it, as local practice does.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub approval_signature: bool,
}

impl Step {
    /// Whether this step applies to a document with these form values.
    pub fn applies(&self, form: &[(String, String)]) -> bool {
        self.condition.as_ref().is_none_or(|c| c.holds(form))
    }

    fn check(&self) -> Result<(), WorkflowError> {
        let chars = self.name.trim().chars().count();
        if chars == 0 || chars > MAX_STEP_NAME_CHARS || self.name.chars().any(char::is_control) {
            return Err(invalid(format!(
                "step names need 1 to {MAX_STEP_NAME_CHARS} printable characters: {:?}",
                self.name
            )));
        }
        self.assignees.check(&self.name, self.action)?;
        for cc in &self.cc {
            cc.check(&self.name, StepAction::Paraf)?;
        }
        if self.approval_signature && self.action != StepAction::Paraf {
            return Err(invalid(format!(
                "step {:?}: only a paraf step can carry an approval signature",
                self.name
            )));
        }
        if self.mode == GroupMode::KOfN(0) {
            return Err(invalid(format!("step {:?}: k_of_n needs k ≥ 1", self.name)));
        }
        if self
            .deadline_days
            .is_some_and(|d| d == 0 || d > MAX_DEADLINE_DAYS)
        {
            return Err(invalid(format!(
                "step {:?}: deadline_days must be 1 to {MAX_DEADLINE_DAYS}",
                self.name
            )));
        }
        Ok(())
    }
}

/// The route a document takes: paraf and acknowledgement steps in order (each possibly a
/// parallel group, each possibly conditional), then exactly one signature.
///
/// Rules checked by [`RoutingTemplate::new`] (and when deserializing): 1 to [`MAX_STEPS`]
/// steps; at least one paraf step without a condition; exactly one sign step, the last, without
/// a condition, in mode `any`; every step valid ([`Step`]). Serialized as `{"steps": [...]}`;
/// the first format, `{"paraf_steps": [{"name": ...}]}` (verifier paraf steps, then a signer),
/// is still read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "UncheckedTemplate")]
pub struct RoutingTemplate {
    /// The steps in order; the last one is the sign step.
    pub steps: Vec<Step>,
}

impl RoutingTemplate {
    /// A template with the given steps.
    ///
    /// # Errors
    /// [`WorkflowError::EmptyTemplate`] without any paraf step without a condition;
    /// [`WorkflowError::InvalidTemplate`] naming the first other rule broken.
    pub fn new(steps: Vec<Step>) -> Result<Self, WorkflowError> {
        if !steps
            .iter()
            .any(|s| s.action == StepAction::Paraf && s.condition.is_none())
        {
            return Err(WorkflowError::EmptyTemplate);
        }
        if steps.len() > MAX_STEPS {
            return Err(invalid(format!("at most {MAX_STEPS} steps")));
        }
        let signs = steps
            .iter()
            .filter(|s| s.action == StepAction::Sign)
            .count();
        let last = steps.last().ok_or(WorkflowError::EmptyTemplate)?;
        if signs != 1 || last.action != StepAction::Sign {
            return Err(invalid("exactly one sign step, the last one"));
        }
        if last.condition.is_some() || last.mode != GroupMode::Any {
            return Err(invalid(
                "the sign step has no condition and mode \"any\": one TTE",
            ));
        }
        steps.iter().try_for_each(Step::check)?;
        Ok(RoutingTemplate { steps })
    }

    /// The common route: paraf by any verifier of the agency (`"Verifikasi"`), then the
    /// signature by any signing official of the agency (`"Penandatanganan"`).
    pub fn single_paraf() -> Self {
        RoutingTemplate {
            steps: vec![
                role_step("Verifikasi", StepAction::Paraf, Role::Verifier),
                role_step("Penandatanganan", StepAction::Sign, Role::Signer),
            ],
        }
    }

    /// Checks the template's conditions against the service's form: each names a field of it,
    /// and ordering comparisons a number field with an integer constant.
    ///
    /// # Errors
    /// [`WorkflowError::InvalidTemplate`] naming the step.
    pub fn check_form(&self, fields: &[FormField]) -> Result<(), WorkflowError> {
        for step in &self.steps {
            let Some(c) = &step.condition else { continue };
            let field = fields.iter().find(|f| f.name == c.field).ok_or_else(|| {
                invalid(format!(
                    "step {:?}: condition names no form field {:?}",
                    step.name, c.field
                ))
            })?;
            if c.is_ordering()
                && (field.kind != FieldKind::Number || c.value.parse::<i128>().is_err())
            {
                return Err(invalid(format!(
                    "step {:?}: {:?} compares numbers: the field must be a number field and the \
                     value an integer",
                    step.name, c.op
                )));
            }
        }
        Ok(())
    }

    /// The step with 0-based index `step`, or `None` past the last step.
    pub fn step(&self, step: u32) -> Option<&Step> {
        usize::try_from(step)
            .ok()
            .and_then(|index| self.steps.get(index))
    }

    /// The index of the sign step (the last).
    pub fn sign_step(&self) -> u32 {
        u32::try_from(self.steps.len().saturating_sub(1)).unwrap_or(u32::MAX)
    }

    /// The first step that applies to `form`: where a new submission waits.
    pub fn first_step(&self, form: &[(String, String)]) -> u32 {
        self.next_from(0, form)
    }

    /// The first step after `step` that applies to `form` (the sign step at the latest).
    pub fn next_step(&self, step: u32, form: &[(String, String)]) -> u32 {
        self.next_from(step.saturating_add(1), form)
    }

    fn next_from(&self, from: u32, form: &[(String, String)]) -> u32 {
        (from..self.sign_step())
            .find(|&i| self.step(i).is_some_and(|s| s.applies(form)))
            .unwrap_or(self.sign_step())
    }

    /// The last step before `step` that applies to `form`, if any.
    pub fn previous_step(&self, step: u32, form: &[(String, String)]) -> Option<u32> {
        (0..step.min(self.sign_step()))
            .rev()
            .find(|&i| self.step(i).is_some_and(|s| s.applies(form)))
    }
}

fn role_step(name: &str, action: StepAction, role: Role) -> Step {
    Step {
        name: name.to_owned(),
        action,
        assignees: Assignees {
            role: Some(role),
            ..Assignees::default()
        },
        mode: GroupMode::Any,
        condition: None,
        deadline_days: None,
        cc: Vec::new(),
        approval_signature: false,
    }
}

fn invalid(reason: impl Into<String>) -> WorkflowError {
    WorkflowError::InvalidTemplate(reason.into())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UncheckedTemplate {
    #[serde(default)]
    steps: Option<Vec<Step>>,
    #[serde(default)]
    paraf_steps: Option<Vec<LegacyStep>>,
}

#[derive(Deserialize)]
struct LegacyStep {
    name: String,
}

impl TryFrom<UncheckedTemplate> for RoutingTemplate {
    type Error = WorkflowError;

    fn try_from(raw: UncheckedTemplate) -> Result<Self, Self::Error> {
        match (raw.steps, raw.paraf_steps) {
            (Some(steps), None) => RoutingTemplate::new(steps),
            (None, Some(legacy)) => {
                let mut steps: Vec<Step> = legacy
                    .into_iter()
                    .map(|s| role_step(&s.name, StepAction::Paraf, Role::Verifier))
                    .collect();
                steps.push(role_step("Penandatanganan", StepAction::Sign, Role::Signer));
                RoutingTemplate::new(steps)
            }
            _ => Err(invalid("a template has `steps`")),
        }
    }
}

#[cfg(test)]
mod tests;
