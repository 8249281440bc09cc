//! The one error type of this crate.

use crate::{DocumentState, Role};

/// Why the workflow refused a command or a value.
///
/// Each variant has a stable code ([`WorkflowError::code`]) that the web layer shows to the
/// user next to a plain sentence in their language.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkflowError {
    /// The command is not allowed in this state, e.g. `sign` while `submitted`: no signature
    /// without the required paraf.
    #[error("`{command}` is not allowed while the document is {state}")]
    NotAllowed {
        /// The state the document is in.
        state: DocumentState,
        /// The refused command's name ([`crate::Command::name`]).
        command: &'static str,
    },
    /// The actor's role may not give this command, e.g. a citizen tries to give paraf.
    #[error("this needs the {needed} role, but the user is a {actual}")]
    WrongRole {
        /// The role the command needs in this state.
        needed: Role,
        /// The acting user's role.
        actual: Role,
    },
    /// Only the applicant (pemohon) may resubmit or withdraw their document.
    #[error("only the applicant may do this")]
    NotApplicant,
    /// Return and reject need a comment or reason that is not blank.
    #[error("a comment is required")]
    EmptyComment,
    /// The comment or reason, once trimmed, is longer than `max` characters.
    #[error("the comment is longer than {max} characters")]
    CommentTooLong {
        /// The limit in Unicode scalar values ([`crate::MAX_COMMENT_CHARS`]).
        max: usize,
    },
    /// A routing template must have at least one paraf step without a condition.
    #[error("a routing template needs at least one paraf step without a condition")]
    EmptyTemplate,
    /// A routing template or service definition breaks a rule; the text names it.
    #[error("invalid routing template: {0}")]
    InvalidTemplate(String),
    /// The officer is not assigned to the step the document waits at (by position, role or
    /// agency), and holds no delegation from someone who is.
    #[error("you are not assigned to the step {step:?}")]
    NotAssignee {
        /// The pending step's name.
        step: String,
    },
    /// The officer already gave paraf (or acknowledged) at this step in this round.
    #[error("you already acted at this step")]
    AlreadyActed,
    /// Return to the previous step at the first step: return to the applicant instead.
    #[error("there is no previous step to return to")]
    NoPreviousStep,
    /// A stored state code that is not one [`DocumentState::as_code`] produces.
    #[error("unknown document state code {0:?}")]
    UnknownState(String),
    /// The document is signed, rejected or withdrawn; nothing more can happen to it.
    #[error("the document is closed ({0})")]
    Terminal(DocumentState),
}

impl WorkflowError {
    /// The stable error code, e.g. `"E_TRANSITION_NOT_ALLOWED"`. Codes never change meaning.
    pub fn code(&self) -> &'static str {
        match self {
            WorkflowError::NotAllowed { .. } => "E_TRANSITION_NOT_ALLOWED",
            WorkflowError::WrongRole { .. } => "E_WRONG_ROLE",
            WorkflowError::NotApplicant => "E_NOT_APPLICANT",
            WorkflowError::EmptyComment => "E_COMMENT_REQUIRED",
            WorkflowError::CommentTooLong { .. } => "E_COMMENT_TOO_LONG",
            WorkflowError::EmptyTemplate => "E_EMPTY_TEMPLATE",
            WorkflowError::InvalidTemplate(_) => "E_INVALID_TEMPLATE",
            WorkflowError::NotAssignee { .. } => "E_NOT_ASSIGNEE",
            WorkflowError::AlreadyActed => "E_ALREADY_ACTED",
            WorkflowError::NoPreviousStep => "E_NO_PREVIOUS_STEP",
            WorkflowError::UnknownState(_) => "E_UNKNOWN_STATE",
            WorkflowError::Terminal(_) => "E_DOCUMENT_CLOSED",
        }
    }
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    #[rstest]
    #[case(WorkflowError::NotAllowed { state: DocumentState::Submitted, command: "sign" }, "E_TRANSITION_NOT_ALLOWED")]
    #[case(WorkflowError::WrongRole { needed: Role::Verifier, actual: Role::Citizen }, "E_WRONG_ROLE")]
    #[case(WorkflowError::NotApplicant, "E_NOT_APPLICANT")]
    #[case(WorkflowError::EmptyComment, "E_COMMENT_REQUIRED")]
    #[case(WorkflowError::CommentTooLong { max: 2000 }, "E_COMMENT_TOO_LONG")]
    #[case(WorkflowError::EmptyTemplate, "E_EMPTY_TEMPLATE")]
    #[case(WorkflowError::InvalidTemplate("x".into()), "E_INVALID_TEMPLATE")]
    #[case(WorkflowError::NotAssignee { step: "x".into() }, "E_NOT_ASSIGNEE")]
    #[case(WorkflowError::AlreadyActed, "E_ALREADY_ACTED")]
    #[case(WorkflowError::NoPreviousStep, "E_NO_PREVIOUS_STEP")]
    #[case(WorkflowError::UnknownState("x".into()), "E_UNKNOWN_STATE")]
    #[case(WorkflowError::Terminal(DocumentState::Signed), "E_DOCUMENT_CLOSED")]
    fn codes_are_stable(#[case] error: WorkflowError, #[case] code: &str) {
        assert_eq!(error.code(), code);
    }

    #[test]
    fn not_allowed_message_names_the_command_and_state() {
        let error = WorkflowError::NotAllowed {
            state: DocumentState::InReview { step: 1 },
            command: "sign",
        };
        assert_eq!(
            error.to_string(),
            "`sign` is not allowed while the document is in_review:1"
        );
    }
}
