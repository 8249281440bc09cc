//! The approval workflow of Sahih: what may happen to a document between the applicant's
//! submission and the signing official's TTE, and who may make it happen.
//!
//! A service's [`RoutingTemplate`] lists [`Step`]s: paraf and acknowledgement steps, each given
//! by the officers holding a position or role in an agency ([`Assignees`]), alone or as a
//! parallel group ([`GroupMode`]: all, any, k-of-n), some only when a form value says so
//! ([`Condition`]), each with a deadline in working days; the last step is the signature (TTE)
//! by the signing official (penandatangan), who sees the document only after every paraf. Along
//! the way an officer may return the document for revision (dikembalikan untuk perbaikan) to
//! the applicant or to the previous step, or reject it (ditolak); the applicant (pemohon) may
//! resubmit or withdraw it. Nomor surat formats live in [`NumberFormat`]. A service — its form,
//! numbering and template — is written by agency admins as a TOML [`ServiceDefinition`].
//!
//! This crate is pure and synchronous: [`decide`] takes a [`Situation`] (state, template, form
//! values, who may act at the pending step and who already did), the acting user and a
//! [`Command`], and returns a [`Transition`] (the new state and the [`Event`]s to record) or a
//! [`WorkflowError`] naming the rule that forbade it. Resolving positions to officers, loading
//! and storing are the caller's job.
//!
//! ```
//! use sahih_workflow::{decide, submit, Actor, Command, DocumentState, Event, Role,
//!     RoutingTemplate, Situation, UserId, WorkflowError};
//!
//! let template = RoutingTemplate::single_paraf();
//! let verifier = Actor { id: UserId(2), role: Role::Verifier, is_applicant: false };
//! let signer = Actor { id: UserId(3), role: Role::Signer, is_applicant: false };
//! let at = |state, eligible: &'static [UserId]| Situation {
//!     state, template: &template, form: &[], eligible, given: &[],
//! };
//!
//! let state = submit().to;
//! // No signature without the required paraf.
//! let early = decide(&at(state, &[UserId(3)]), &signer, &Command::Sign);
//! assert_eq!(early.err().map(|e| e.code()), Some("E_TRANSITION_NOT_ALLOWED"));
//!
//! let paraf = decide(&at(state, &[UserId(2)]), &verifier, &Command::Paraf)?;
//! assert_eq!(paraf.to, DocumentState::Approved);
//! assert_eq!(paraf.events, vec![Event::Paraf { step: 0 }]);
//!
//! let signed = decide(&at(paraf.to, &[UserId(3)]), &signer, &Command::Sign)?;
//! assert_eq!(signed.to.as_code(), "signed");
//! assert!(signed.to.is_terminal());
//! # Ok::<(), WorkflowError>(())
//! ```
#![forbid(unsafe_code)]

mod calendar;
mod command;
mod definition;
mod delegation;
mod disposition;
mod error;
mod ids;
mod machine;
mod numbering;
mod service;
mod state;
mod stats;
mod template;

pub use calendar::{BadHoliday, WIB, WorkingCalendar};
pub use command::{Actor, Command, Event, MAX_COMMENT_CHARS, ReturnTo, Transition};
pub use definition::{
    DefinitionProblem, E_SERVICE_DEFINITION, MAX_DEFINITION_BYTES, MAX_FIELD_CHARS,
    MAX_FORM_FIELDS, RESERVED_FIELD_NAMES, RESERVED_SERVICE_CODES, ServiceDefinition,
    default_max_chars,
};
pub use delegation::{
    Delegation, DelegationError, DelegationKind, MAX_DELEGATION_DAYS, MAX_DELEGATION_SECONDS,
    MAX_DELEGATION_TIME,
};
pub use disposition::{
    Disposition, DispositionCommand, DispositionError, DispositionState, DispositionTransition,
    MAX_INSTRUCTION_CHARS, MAX_NOTE_CHARS, check_instruction, check_note, is_below,
};
pub use error::WorkflowError;
pub use ids::{AgencyId, DocumentId, Role, UserId};
pub use machine::{Situation, decide, submit, submit_direct};
pub use numbering::{
    DEFAULT_NUMBER_FORMAT, MAX_CLASSIFICATION_CHARS, MAX_NUMBER_FORMAT_CHARS, NumberFormat,
    NumberParts, Numbering, NumberingError, validate_classification,
};
pub use service::{
    FieldKind, FormError, FormField, has_control, is_bidi_control, is_blank, is_invisible,
    validate_form,
};
pub use state::DocumentState;
pub use stats::{StepVisit, Summary, percentile, step_visits, summarize};
pub use template::{
    Assignees, Comparison, Condition, GroupMode, MAX_DEADLINE_DAYS, MAX_STEP_NAME_CHARS, MAX_STEPS,
    RoutingTemplate, Step, StepAction,
};
