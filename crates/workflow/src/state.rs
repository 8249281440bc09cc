//! Where a document stands, and the routing template that says which paraf steps it needs.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{Role, WorkflowError};

/// The state of a document in the approval workflow.
///
/// Step numbers are 0-based indices into [`RoutingTemplate::paraf_steps`]: `Submitted` means
/// paraf step 0 is pending and no paraf has been given yet; `InReview { step: k }` means
/// steps `0..k` have paraf and step `k` is pending; `Approved` means every step has paraf
/// and the signature is pending.
///
/// Serialized as its storage code ([`DocumentState::as_code`]), e.g. `"in_review:1"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum DocumentState {
    /// Submitted (or resubmitted) by the applicant; waiting for the first paraf.
    Submitted,
    /// Some paraf given; waiting for paraf step `step`.
    InReview {
        /// The pending paraf step, a 0-based index into the template's steps.
        step: u32,
    },
    /// Returned for revision (dikembalikan untuk perbaikan); waiting for the applicant.
    Returned,
    /// Every paraf given; waiting for the signing official (penandatangan).
    Approved,
    /// Signed with a TTE; done (selesai). Terminal.
    Signed,
    /// Rejected with a reason (ditolak). Terminal.
    Rejected,
    /// Withdrawn by the applicant. Terminal.
    Withdrawn,
}

const IN_REVIEW_PREFIX: &str = "in_review:";

impl DocumentState {
    /// The stable storage code: `"submitted"`, `"in_review:<step>"` (step in decimal, no
    /// leading zeros), `"returned"`, `"approved"`, `"signed"`, `"rejected"` or `"withdrawn"`.
    pub fn as_code(&self) -> String {
        match self {
            DocumentState::Submitted => "submitted".to_owned(),
            DocumentState::InReview { step } => format!("{IN_REVIEW_PREFIX}{step}"),
            DocumentState::Returned => "returned".to_owned(),
            DocumentState::Approved => "approved".to_owned(),
            DocumentState::Signed => "signed".to_owned(),
            DocumentState::Rejected => "rejected".to_owned(),
            DocumentState::Withdrawn => "withdrawn".to_owned(),
        }
    }

    /// Parses a code produced by [`DocumentState::as_code`]. Only the exact canonical form is
    /// accepted (lowercase, no spaces, no sign or leading zeros in the step).
    ///
    /// # Errors
    /// [`WorkflowError::UnknownState`] holding the input when it is not such a code.
    pub fn from_code(s: &str) -> Result<DocumentState, WorkflowError> {
        let state = match s {
            "submitted" => Some(DocumentState::Submitted),
            "returned" => Some(DocumentState::Returned),
            "approved" => Some(DocumentState::Approved),
            "signed" => Some(DocumentState::Signed),
            "rejected" => Some(DocumentState::Rejected),
            "withdrawn" => Some(DocumentState::Withdrawn),
            _ => s.strip_prefix(IN_REVIEW_PREFIX).and_then(parse_step),
        };
        state.ok_or_else(|| WorkflowError::UnknownState(s.to_owned()))
    }

    /// Whether the document is closed: `Signed`, `Rejected` or `Withdrawn`. Every command on
    /// a closed document fails with [`WorkflowError::Terminal`].
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            DocumentState::Signed | DocumentState::Rejected | DocumentState::Withdrawn
        )
    }

    /// Whose queue the document sits in: `Verifier` while `Submitted` or `InReview`,
    /// `Signer` while `Approved`, `Citizen` (the applicant) while `Returned`, and `None` once
    /// closed.
    ///
    /// `template` is not consulted yet, since every paraf step is given by a verifier; it is
    /// taken so that per-step roles can be added without changing callers. A corrupt
    /// `InReview` step past the template's end still sits with the verifier, who can return
    /// or reject it.
    pub fn awaiting(&self, template: &RoutingTemplate) -> Option<Role> {
        let _ = template;
        match self {
            DocumentState::Submitted | DocumentState::InReview { .. } => Some(Role::Verifier),
            DocumentState::Approved => Some(Role::Signer),
            DocumentState::Returned => Some(Role::Citizen),
            DocumentState::Signed | DocumentState::Rejected | DocumentState::Withdrawn => None,
        }
    }
}

/// Parses the decimal step of an `in_review:` code, refusing non-canonical forms so that
/// every accepted code round-trips byte for byte.
fn parse_step(digits: &str) -> Option<DocumentState> {
    let step: u32 = digits.parse().ok()?;
    (step.to_string() == digits).then_some(DocumentState::InReview { step })
}

impl fmt::Display for DocumentState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.as_code())
    }
}

impl From<DocumentState> for String {
    fn from(state: DocumentState) -> String {
        state.as_code()
    }
}

impl TryFrom<String> for DocumentState {
    type Error = WorkflowError;

    fn try_from(code: String) -> Result<Self, Self::Error> {
        DocumentState::from_code(&code)
    }
}

/// One paraf step of a routing template: a verifier of the document's agency checks the
/// document and gives paraf.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParafStep {
    /// The step's name as officers see it, e.g. `"Verifikasi"` or `"Kepala Bidang"`.
    pub name: String,
}

/// The route a document takes: its paraf steps in order, then one signature by a signer.
///
/// Deserializing checks the same rule as [`RoutingTemplate::new`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "UncheckedTemplate")]
pub struct RoutingTemplate {
    /// The paraf steps in the order they are given; never empty when built by `new`.
    pub paraf_steps: Vec<ParafStep>,
}

impl RoutingTemplate {
    /// A template with the given paraf steps, in order.
    ///
    /// # Errors
    /// [`WorkflowError::EmptyTemplate`] when `steps` is empty.
    pub fn new(steps: Vec<ParafStep>) -> Result<Self, WorkflowError> {
        if steps.is_empty() {
            return Err(WorkflowError::EmptyTemplate);
        }
        Ok(RoutingTemplate { paraf_steps: steps })
    }

    /// The common route: one paraf step named `"Verifikasi"`, then the signature.
    pub fn single_paraf() -> Self {
        RoutingTemplate {
            paraf_steps: vec![ParafStep {
                name: "Verifikasi".to_owned(),
            }],
        }
    }

    /// The paraf step with 0-based index `step`, or `None` past the last step.
    pub fn step(&self, step: u32) -> Option<&ParafStep> {
        usize::try_from(step)
            .ok()
            .and_then(|index| self.paraf_steps.get(index))
    }
}

#[derive(Deserialize)]
struct UncheckedTemplate {
    paraf_steps: Vec<ParafStep>,
}

impl TryFrom<UncheckedTemplate> for RoutingTemplate {
    type Error = WorkflowError;

    fn try_from(raw: UncheckedTemplate) -> Result<Self, Self::Error> {
        RoutingTemplate::new(raw.paraf_steps)
    }
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    #[rstest]
    #[case(DocumentState::Submitted, "submitted")]
    #[case(DocumentState::InReview { step: 0 }, "in_review:0")]
    #[case(DocumentState::InReview { step: 1 }, "in_review:1")]
    #[case(DocumentState::InReview { step: u32::MAX }, "in_review:4294967295")]
    #[case(DocumentState::Returned, "returned")]
    #[case(DocumentState::Approved, "approved")]
    #[case(DocumentState::Signed, "signed")]
    #[case(DocumentState::Rejected, "rejected")]
    #[case(DocumentState::Withdrawn, "withdrawn")]
    fn codes_round_trip(#[case] state: DocumentState, #[case] code: &str) {
        assert_eq!(state.as_code(), code);
        assert_eq!(DocumentState::from_code(code), Ok(state));
    }

    #[rstest]
    #[case("")]
    #[case("Submitted")]
    #[case(" submitted")]
    #[case("in_review")]
    #[case("in_review:")]
    #[case("in_review:-1")]
    #[case("in_review:+1")]
    #[case("in_review:01")]
    #[case("in_review:1 ")]
    #[case("in_review:4294967296")]
    #[case("in_review:one")]
    #[case("in_review 1")]
    #[case("approved\0")]
    fn garbage_codes_are_rejected(#[case] code: &str) {
        assert_eq!(
            DocumentState::from_code(code),
            Err(WorkflowError::UnknownState(code.to_owned()))
        );
    }

    #[rstest]
    #[case(DocumentState::Submitted, false)]
    #[case(DocumentState::InReview { step: 1 }, false)]
    #[case(DocumentState::Returned, false)]
    #[case(DocumentState::Approved, false)]
    #[case(DocumentState::Signed, true)]
    #[case(DocumentState::Rejected, true)]
    #[case(DocumentState::Withdrawn, true)]
    fn terminal_states(#[case] state: DocumentState, #[case] terminal: bool) {
        assert_eq!(state.is_terminal(), terminal);
    }

    #[rstest]
    #[case(DocumentState::Submitted, Some(Role::Verifier))]
    #[case(DocumentState::InReview { step: 1 }, Some(Role::Verifier))]
    #[case(DocumentState::Returned, Some(Role::Citizen))]
    #[case(DocumentState::Approved, Some(Role::Signer))]
    #[case(DocumentState::Signed, None)]
    #[case(DocumentState::Rejected, None)]
    #[case(DocumentState::Withdrawn, None)]
    fn queue_of_each_state(#[case] state: DocumentState, #[case] queue: Option<Role>) {
        assert_eq!(state.awaiting(&RoutingTemplate::single_paraf()), queue);
    }

    #[test]
    fn empty_template_is_rejected() {
        assert_eq!(
            RoutingTemplate::new(vec![]),
            Err(WorkflowError::EmptyTemplate)
        );
    }

    #[test]
    fn single_paraf_template_has_one_verification_step() {
        let template = RoutingTemplate::single_paraf();
        assert_eq!(template.paraf_steps.len(), 1);
        assert_eq!(
            template.step(0).map(|s| s.name.as_str()),
            Some("Verifikasi")
        );
        assert_eq!(template.step(1), None);
        assert_eq!(
            RoutingTemplate::new(template.paraf_steps.clone()),
            Ok(template)
        );
    }

    /// Serde without a format crate: serde's own in-memory deserializers.
    mod serde_forms {
        use std::collections::BTreeMap;

        use serde::Deserialize;
        use serde::de::IntoDeserializer;
        use serde::de::value::{Error, MapDeserializer};

        use super::*;

        fn template_from(steps: Vec<BTreeMap<&str, &str>>) -> Result<RoutingTemplate, Error> {
            let fields = std::iter::once(("paraf_steps", steps));
            RoutingTemplate::deserialize(MapDeserializer::new(fields))
        }

        #[test]
        fn state_deserializes_from_its_code() {
            let state = DocumentState::deserialize("in_review:2".into_deserializer());
            assert_eq!(state, Ok::<_, Error>(DocumentState::InReview { step: 2 }));
            let garbage: Result<_, Error> =
                DocumentState::deserialize("in-review:2".into_deserializer());
            assert!(garbage.is_err());
            assert_eq!(String::from(DocumentState::Approved), "approved");
        }

        #[test]
        fn template_deserializes_only_when_not_empty() {
            let step = BTreeMap::from([("name", "Kepala Bidang")]);
            assert_eq!(
                template_from(vec![step]),
                Ok(RoutingTemplate {
                    paraf_steps: vec![ParafStep {
                        name: "Kepala Bidang".to_owned()
                    }]
                })
            );
            assert!(template_from(vec![]).is_err());
        }
    }
}
