//! Where a document stands, and the routing template that says which paraf steps it needs.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{Role, RoutingTemplate, WorkflowError};

/// The state of a document in the approval workflow.
///
/// Step numbers are 0-based indices into [`RoutingTemplate::steps`]: `Submitted` means the
/// first step that applies is pending and nobody has acted yet; `InReview { step: k }` means
/// the steps before `k` that apply are done and step `k` is pending (possibly with some of its
/// group's paraf given); `Approved` means every step before the sign step is done and the
/// signature is pending.
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

impl DocumentState {
    /// The 0-based index of the template step that waits for officers: the first step that
    /// applies to `form` while `Submitted`, `step` while `InReview`, the sign step while
    /// `Approved`; `None` while returned or closed.
    pub fn pending_step(
        &self,
        template: &RoutingTemplate,
        form: &[(String, String)],
    ) -> Option<u32> {
        match self {
            DocumentState::Submitted => Some(template.first_step(form)),
            DocumentState::InReview { step } => Some(*step),
            DocumentState::Approved => Some(template.sign_step()),
            _ => None,
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

    /// Serde without a format crate: serde's own in-memory deserializers.
    mod serde_forms {
        use serde::Deserialize;
        use serde::de::IntoDeserializer;
        use serde::de::value::Error;

        use super::*;

        #[test]
        fn state_deserializes_from_its_code() {
            let state = DocumentState::deserialize("in_review:2".into_deserializer());
            assert_eq!(state, Ok::<_, Error>(DocumentState::InReview { step: 2 }));
            let garbage: Result<_, Error> =
                DocumentState::deserialize("in-review:2".into_deserializer());
            assert!(garbage.is_err());
            assert_eq!(String::from(DocumentState::Approved), "approved");
        }
    }
}
