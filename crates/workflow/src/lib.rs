//! The approval workflow of Sahih: what may happen to a document between the applicant's
//! submission and the signing official's TTE, and who may make it happen.
//!
//! A document moves through [`DocumentState`]s. A [`RoutingTemplate`] lists the paraf steps
//! that verifiers (verifikator) give in order; only after the last paraf may the signing
//! official (penandatangan) sign. Along the way a verifier or the signer may return the
//! document for revision (dikembalikan untuk perbaikan) or reject it (ditolak), and the
//! applicant (pemohon) may resubmit or withdraw it.
//!
//! This crate is pure and synchronous: [`decide`] takes the current state, the template, the
//! acting user and a [`Command`], and returns a [`Transition`] (the new state and the
//! [`Event`]s to record) or a [`WorkflowError`] naming the rule that forbade it. Loading,
//! storing and checking agency membership are the caller's job.
//!
//! ```
//! use sahih_workflow::{decide, submit, Actor, Command, DocumentState, Event, Role,
//!     RoutingTemplate, UserId, WorkflowError};
//!
//! let template = RoutingTemplate::single_paraf();
//! let verifier = Actor { id: UserId(2), role: Role::Verifier, is_applicant: false };
//! let signer = Actor { id: UserId(3), role: Role::Signer, is_applicant: false };
//!
//! let state = submit().to;
//! assert_eq!(state.awaiting(&template), Some(Role::Verifier));
//!
//! // No signature without the required paraf.
//! let early = decide(state, &template, &signer, &Command::Sign);
//! assert_eq!(early.err().map(|e| e.code()), Some("E_TRANSITION_NOT_ALLOWED"));
//!
//! let paraf = decide(state, &template, &verifier, &Command::Paraf)?;
//! assert_eq!(paraf.to, DocumentState::Approved);
//! assert_eq!(paraf.events, vec![Event::Paraf { step: 0 }]);
//!
//! let signed = decide(paraf.to, &template, &signer, &Command::Sign)?;
//! assert_eq!(signed.to.as_code(), "signed");
//! assert!(signed.to.is_terminal());
//! # Ok::<(), WorkflowError>(())
//! ```
#![forbid(unsafe_code)]

mod calendar;
mod command;
mod error;
mod ids;
mod machine;
mod service;
mod state;

pub use calendar::{BadHoliday, WIB, WorkingCalendar};
pub use command::{Actor, Command, Event, MAX_COMMENT_CHARS, Transition};
pub use error::WorkflowError;
pub use ids::{AgencyId, DocumentId, Role, UserId};
pub use machine::{decide, submit};
pub use service::{
    FieldKind, FormError, FormField, has_control, is_blank, is_invisible, validate_form,
};
pub use state::{DocumentState, ParafStep, RoutingTemplate};
