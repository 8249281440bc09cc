//! What users ask the workflow to do, who asks, and what happened as a result.

use serde::{Deserialize, Serialize};

use crate::{DocumentState, Role, UserId};

/// The most characters (Unicode scalar values, after trimming) a return comment or
/// rejection reason may have.
pub const MAX_COMMENT_CHARS: usize = 2000;

/// The user giving a command, as far as the workflow needs to know.
///
/// Agency membership (a verifier or signer of *this document's* agency) is checked by the
/// caller before [`crate::decide`]; the workflow only looks at `role` and `is_applicant`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    /// The acting user. Not consulted by `decide`; carried so the caller can record who acted.
    pub id: UserId,
    /// The user's role.
    pub role: Role,
    /// Whether this user submitted this document (is its pemohon).
    pub is_applicant: bool,
}

/// A request to move a document along the workflow.
///
/// Serialized with a `"command"` tag holding [`Command::name`], e.g.
/// `{"command":"return","comment":"..."}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum Command {
    /// An officer of the pending paraf step gives paraf.
    Paraf,
    /// An officer of the pending acknowledgement step acknowledges (mengetahui).
    Acknowledge,
    /// Return for revision (dikembalikan untuk perbaikan) with a non-blank comment of at most
    /// [`MAX_COMMENT_CHARS`] characters: to the applicant, or to the previous step.
    Return {
        /// What must be fixed; trimmed before it is recorded.
        comment: String,
        /// Where the document goes (default: the applicant).
        #[serde(default)]
        to: ReturnTo,
    },
    /// The applicant sends a returned document back; every paraf step starts over.
    Resubmit,
    /// Reject (ditolak) with a non-blank reason of at most [`MAX_COMMENT_CHARS`] characters.
    Reject {
        /// Why; trimmed before it is recorded.
        reason: String,
    },
    /// The applicant withdraws the document before the first paraf, or while returned.
    Withdraw,
    /// The signing official signs with a TTE.
    Sign,
}

impl Command {
    /// The stable lowercase name: `"paraf"`, `"acknowledge"`, `"return"`, `"resubmit"`,
    /// `"reject"`, `"withdraw"` or `"sign"`. Used in [`crate::WorkflowError::NotAllowed`].
    pub fn name(&self) -> &'static str {
        match self {
            Command::Paraf => "paraf",
            Command::Acknowledge => "acknowledge",
            Command::Return { .. } => "return",
            Command::Resubmit => "resubmit",
            Command::Reject { .. } => "reject",
            Command::Withdraw => "withdraw",
            Command::Sign => "sign",
        }
    }
}

/// Where a returned document goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReturnTo {
    /// To the applicant, who corrects and resubmits; every step starts over.
    #[default]
    Applicant,
    /// To the officers of the previous step that applies, whose paraf is given again.
    PreviousStep,
}

/// Something that happened to a document; the caller appends events to its history.
///
/// Serialized with a `"kind"` tag holding [`Event::kind`], e.g. `{"kind":"paraf","step":0}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    /// The applicant submitted the document (the first event of every document).
    Submitted,
    /// Paraf given at the 0-based template step `step` (one officer's; a parallel group may
    /// need more before the document moves on).
    Paraf {
        /// The step that received paraf.
        step: u32,
    },
    /// Acknowledged (mengetahui) at the 0-based template step `step`.
    Acknowledged {
        /// The step.
        step: u32,
    },
    /// Returned for revision.
    Returned {
        /// The trimmed comment.
        comment: String,
        /// The step the document went back to; `None`: to the applicant.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        to_step: Option<u32>,
    },
    /// The applicant resubmitted after a return.
    Resubmitted,
    /// Rejected.
    Rejected {
        /// The trimmed reason.
        reason: String,
    },
    /// Withdrawn by the applicant.
    Withdrawn,
    /// The nomor surat allocated at signing, recorded just before `Signed`.
    Numbered {
        /// The number, e.g. `503/0012/DPMPTSP/XI/2026`.
        number: String,
    },
    /// Signed by the signing official.
    Signed,
}

impl Event {
    /// The stable lowercase kind: `"submitted"`, `"paraf"`, `"acknowledged"`, `"returned"`,
    /// `"resubmitted"`, `"rejected"`, `"withdrawn"`, `"numbered"` or `"signed"`.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::Submitted => "submitted",
            Event::Paraf { .. } => "paraf",
            Event::Acknowledged { .. } => "acknowledged",
            Event::Returned { .. } => "returned",
            Event::Resubmitted => "resubmitted",
            Event::Rejected { .. } => "rejected",
            Event::Withdrawn => "withdrawn",
            Event::Numbered { .. } => "numbered",
            Event::Signed => "signed",
        }
    }
}

/// The outcome of an accepted command: the state before and after, and the events to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    /// The state the command was decided in.
    pub from: DocumentState,
    /// The new state to store.
    pub to: DocumentState,
    /// The events to append to the document's history, in order; never empty.
    pub events: Vec<Event>,
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    #[rstest]
    #[case(Command::Paraf, "paraf")]
    #[case(Command::Acknowledge, "acknowledge")]
    #[case(Command::Return { comment: String::new(), to: ReturnTo::Applicant }, "return")]
    #[case(Command::Resubmit, "resubmit")]
    #[case(Command::Reject { reason: String::new() }, "reject")]
    #[case(Command::Withdraw, "withdraw")]
    #[case(Command::Sign, "sign")]
    fn command_names(#[case] command: Command, #[case] name: &str) {
        assert_eq!(command.name(), name);
    }

    #[rstest]
    #[case(Event::Submitted, "submitted")]
    #[case(Event::Paraf { step: 0 }, "paraf")]
    #[case(Event::Acknowledged { step: 1 }, "acknowledged")]
    #[case(Event::Returned { comment: String::new(), to_step: None }, "returned")]
    #[case(Event::Numbered { number: String::new() }, "numbered")]
    #[case(Event::Resubmitted, "resubmitted")]
    #[case(Event::Rejected { reason: String::new() }, "rejected")]
    #[case(Event::Withdrawn, "withdrawn")]
    #[case(Event::Signed, "signed")]
    fn event_kinds(#[case] event: Event, #[case] kind: &str) {
        assert_eq!(event.kind(), kind);
    }
}
