//! Disposisi: an officer forwards a document down the hierarchy (to a subordinate, direct or
//! indirect) with an instruction; the recipient reads it and ends it with a completion note;
//! the sender may cancel it while it is unread.
//!
//! ```text
//!   sent ──read (recipient)──▶ read ──complete (recipient, note)──▶ completed
//!    │ └──────────complete (recipient, note)────────────────────────▲
//!    └──cancel (sender, only while unread)──▶ cancelled
//! ```
//!
//! Pure: the caller loads the disposisi, asks [`Disposition::decide`] and stores the returned
//! [`DispositionTransition`] as a compare-and-set on the state (`from` → `to`), so that two
//! clicks do not both win.
//!
//! ```
//! use sahih_workflow::{Disposition, DispositionCommand, DispositionState, UserId};
//!
//! let (head, staff) = (UserId(1), UserId(2));
//! let d = Disposition { sender: head, recipient: staff, state: DispositionState::Sent };
//! let read = d.decide(staff, &DispositionCommand::Read)?;
//! assert_eq!(read.to, DispositionState::Read);
//!
//! // Once read, the sender can no longer take it back.
//! let d = Disposition { state: read.to, ..d };
//! let late = d.decide(head, &DispositionCommand::Cancel).err().map(|e| e.code());
//! assert_eq!(late, Some("E_DISPOSITION_READ"));
//!
//! let done = d.decide(staff, &DispositionCommand::Complete { note: " Sudah dicek. ".into() })?;
//! assert_eq!((done.to, done.note.as_deref()), (DispositionState::Completed, Some("Sudah dicek.")));
//! # Ok::<(), sahih_workflow::DispositionError>(())
//! ```

use std::collections::HashSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{UserId, has_control, is_blank};

/// The most characters (Unicode scalar values, after trimming) an instruction may have.
pub const MAX_INSTRUCTION_CHARS: usize = 1000;

/// The most characters (Unicode scalar values, after trimming) a completion note may have.
pub const MAX_NOTE_CHARS: usize = 2000;

/// Where a disposisi stands.
///
/// Serialized as its storage code ([`DispositionState::as_code`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DispositionState {
    /// Sent, not yet opened by the recipient (unread): the sender may still cancel it.
    Sent,
    /// Opened by the recipient.
    Read,
    /// Ended by the recipient with a completion note. Closed.
    Completed,
    /// Taken back by the sender before it was read. Closed.
    Cancelled,
}

impl DispositionState {
    /// Every state, in declaration order.
    pub const ALL: [DispositionState; 4] = [
        DispositionState::Sent,
        DispositionState::Read,
        DispositionState::Completed,
        DispositionState::Cancelled,
    ];

    /// The stable storage code: `"sent"`, `"read"`, `"completed"` or `"cancelled"`.
    pub fn as_code(self) -> &'static str {
        match self {
            DispositionState::Sent => "sent",
            DispositionState::Read => "read",
            DispositionState::Completed => "completed",
            DispositionState::Cancelled => "cancelled",
        }
    }

    /// Parses a code of [`DispositionState::as_code`], exactly.
    ///
    /// # Errors
    /// [`DispositionError::UnknownState`] holding the input.
    pub fn from_code(s: &str) -> Result<DispositionState, DispositionError> {
        DispositionState::ALL
            .into_iter()
            .find(|state| state.as_code() == s)
            .ok_or_else(|| DispositionError::UnknownState(s.to_owned()))
    }

    /// Whether nothing more can happen to it: `Completed` or `Cancelled`.
    pub fn is_closed(self) -> bool {
        matches!(
            self,
            DispositionState::Completed | DispositionState::Cancelled
        )
    }
}

impl fmt::Display for DispositionState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_code())
    }
}

/// What a party asks of a disposisi.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum DispositionCommand {
    /// The recipient opens it (only while `Sent`).
    Read,
    /// The sender takes it back (only while `Sent`, i.e. unread).
    Cancel,
    /// The recipient ends it (while `Sent` or `Read`) with a non-blank note of at most
    /// [`MAX_NOTE_CHARS`] characters.
    Complete {
        /// What was done; trimmed before it is stored.
        note: String,
    },
}

/// A disposisi as [`Disposition::decide`] needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Disposition {
    /// The officer who forwarded the document.
    pub sender: UserId,
    /// The subordinate it was forwarded to.
    pub recipient: UserId,
    /// Where it stands.
    pub state: DispositionState,
}

/// An accepted command: the compare-and-set to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DispositionTransition {
    /// The state the command was decided in (the stored state must still be this).
    pub from: DispositionState,
    /// The new state.
    pub to: DispositionState,
    /// The trimmed completion note (only for `Complete`).
    pub note: Option<String>,
}

/// Why a disposisi, or a command on one, was refused. Each variant has a stable code
/// ([`DispositionError::code`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DispositionError {
    /// Only the recipient may read or complete it.
    #[error("only the recipient of the disposisi may do this")]
    NotRecipient,
    /// Only the sender may cancel it.
    #[error("only the sender of the disposisi may cancel it")]
    NotSender,
    /// It was already read: the sender can no longer cancel it.
    #[error("the disposisi was already read and can no longer be cancelled")]
    AlreadyRead,
    /// It is completed or cancelled.
    #[error("the disposisi is closed ({0})")]
    Closed(DispositionState),
    /// The completion note is blank.
    #[error("a completion note is required")]
    NoteRequired,
    /// The completion note, trimmed, is longer than `max` characters.
    #[error("the completion note is longer than {max} characters")]
    NoteTooLong {
        /// [`MAX_NOTE_CHARS`].
        max: usize,
    },
    /// The instruction is blank.
    #[error("an instruction is required")]
    InstructionRequired,
    /// The instruction, trimmed, is longer than `max` characters.
    #[error("the instruction is longer than {max} characters")]
    InstructionTooLong {
        /// [`MAX_INSTRUCTION_CHARS`].
        max: usize,
    },
    /// The note or instruction holds control characters other than line breaks and tabs.
    #[error("the text holds control characters")]
    ControlCharacters,
    /// The recipient is not below the sender in the hierarchy (see [`is_below`]).
    #[error("the recipient is not a subordinate of the sender")]
    NotSubordinate,
    /// A stored state code that [`DispositionState::as_code`] does not produce.
    #[error("unknown disposisi state code {0:?}")]
    UnknownState(String),
}

impl DispositionError {
    /// The stable code, e.g. `"E_DISPOSITION_READ"`. Codes never change meaning.
    pub fn code(&self) -> &'static str {
        match self {
            DispositionError::NotRecipient => "E_NOT_RECIPIENT",
            DispositionError::NotSender => "E_NOT_SENDER",
            DispositionError::AlreadyRead => "E_DISPOSITION_READ",
            DispositionError::Closed(_) => "E_DISPOSITION_CLOSED",
            DispositionError::NoteRequired => "E_NOTE_REQUIRED",
            DispositionError::NoteTooLong { .. } => "E_NOTE_TOO_LONG",
            DispositionError::InstructionRequired => "E_INSTRUCTION_REQUIRED",
            DispositionError::InstructionTooLong { .. } => "E_INSTRUCTION_TOO_LONG",
            DispositionError::ControlCharacters => "E_TEXT_CONTROL_CHARACTERS",
            DispositionError::NotSubordinate => "E_NOT_SUBORDINATE",
            DispositionError::UnknownState(_) => "E_UNKNOWN_STATE",
        }
    }
}

impl Disposition {
    /// Decides whether `actor` may give `command`, and returns the compare-and-set to store.
    ///
    /// Checks run in this order, and the first failure is returned:
    /// 1. [`DispositionError::Closed`]: it is completed or cancelled;
    /// 2. [`DispositionError::NotRecipient`] (read, complete) / [`DispositionError::NotSender`]
    ///    (cancel);
    /// 3. [`DispositionError::AlreadyRead`]: read again, or cancel after it was read;
    /// 4. the note's rules ([`check_note`]).
    pub fn decide(
        &self,
        actor: UserId,
        command: &DispositionCommand,
    ) -> Result<DispositionTransition, DispositionError> {
        use DispositionState as S;
        if self.state.is_closed() {
            return Err(DispositionError::Closed(self.state));
        }
        let (party, refusal) = match command {
            DispositionCommand::Cancel => (self.sender, DispositionError::NotSender),
            _ => (self.recipient, DispositionError::NotRecipient),
        };
        if actor != party {
            return Err(refusal);
        }
        let (to, note) = match command {
            DispositionCommand::Read | DispositionCommand::Cancel if self.state == S::Read => {
                return Err(DispositionError::AlreadyRead);
            }
            DispositionCommand::Read => (S::Read, None),
            DispositionCommand::Cancel => (S::Cancelled, None),
            DispositionCommand::Complete { note } => (S::Completed, Some(check_note(note)?)),
        };
        Ok(DispositionTransition {
            from: self.state,
            to,
            note,
        })
    }
}

fn checked_text(
    text: &str,
    max: usize,
    blank: DispositionError,
    long: DispositionError,
) -> Result<String, DispositionError> {
    let trimmed = text.trim();
    if is_blank(trimmed) {
        return Err(blank);
    }
    if trimmed.chars().count() > max {
        return Err(long);
    }
    if has_control(trimmed, true) {
        return Err(DispositionError::ControlCharacters);
    }
    Ok(trimmed.to_owned())
}

/// Checks a disposisi's instruction and returns it trimmed: something visible, at most
/// [`MAX_INSTRUCTION_CHARS`] characters, line breaks and tabs the only control characters.
///
/// # Errors
/// [`DispositionError::InstructionRequired`], [`DispositionError::InstructionTooLong`],
/// [`DispositionError::ControlCharacters`].
pub fn check_instruction(text: &str) -> Result<String, DispositionError> {
    checked_text(
        text,
        MAX_INSTRUCTION_CHARS,
        DispositionError::InstructionRequired,
        DispositionError::InstructionTooLong {
            max: MAX_INSTRUCTION_CHARS,
        },
    )
}

/// Checks a completion note and returns it trimmed: something visible, at most
/// [`MAX_NOTE_CHARS`] characters, line breaks and tabs the only control characters.
///
/// # Errors
/// [`DispositionError::NoteRequired`], [`DispositionError::NoteTooLong`],
/// [`DispositionError::ControlCharacters`].
pub fn check_note(text: &str) -> Result<String, DispositionError> {
    checked_text(
        text,
        MAX_NOTE_CHARS,
        DispositionError::NoteRequired,
        DispositionError::NoteTooLong {
            max: MAX_NOTE_CHARS,
        },
    )
}

/// Whether `recipient` is below `sender` in the hierarchy: `sender` is the recipient's direct
/// superior, or (transitively) the superior of one of their superiors. `supervisor_of` gives a
/// user's direct superior (`users.supervisor_id`). Nobody is below themselves; a cycle in the
/// hierarchy ends the walk (each user is visited once), so corrupt data cannot loop.
pub fn is_below(
    sender: UserId,
    recipient: UserId,
    supervisor_of: impl Fn(UserId) -> Option<UserId>,
) -> bool {
    if sender == recipient {
        return false;
    }
    let mut seen = HashSet::from([recipient]);
    let mut current = supervisor_of(recipient);
    while let Some(superior) = current {
        if superior == sender {
            return true;
        }
        if !seen.insert(superior) {
            return false;
        }
        current = supervisor_of(superior);
    }
    false
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    const HEAD: UserId = UserId(1);
    const STAFF: UserId = UserId(2);
    const OTHER: UserId = UserId(3);

    fn complete(note: &str) -> DispositionCommand {
        DispositionCommand::Complete { note: note.into() }
    }

    use DispositionCommand as C;
    use DispositionState as S;

    #[rstest]
    #[case(S::Sent, STAFF, C::Read, Ok(S::Read))]
    #[case(S::Sent, HEAD, C::Cancel, Ok(S::Cancelled))]
    #[case(S::Sent, STAFF, complete("selesai"), Ok(S::Completed))]
    #[case(S::Read, STAFF, complete("selesai"), Ok(S::Completed))]
    #[case(S::Read, HEAD, C::Cancel, Err("E_DISPOSITION_READ"))]
    #[case(S::Read, STAFF, C::Read, Err("E_DISPOSITION_READ"))]
    #[case(S::Sent, HEAD, C::Read, Err("E_NOT_RECIPIENT"))]
    #[case(S::Sent, OTHER, complete("x"), Err("E_NOT_RECIPIENT"))]
    #[case(S::Sent, STAFF, C::Cancel, Err("E_NOT_SENDER"))]
    #[case(S::Read, OTHER, C::Cancel, Err("E_NOT_SENDER"))]
    #[case(S::Completed, STAFF, complete("again"), Err("E_DISPOSITION_CLOSED"))]
    #[case(S::Completed, HEAD, C::Cancel, Err("E_DISPOSITION_CLOSED"))]
    #[case(S::Cancelled, STAFF, C::Read, Err("E_DISPOSITION_CLOSED"))]
    #[case(S::Sent, STAFF, complete("  \u{200B} "), Err("E_NOTE_REQUIRED"))]
    #[case(S::Read, STAFF, complete(&"a".repeat(2001)), Err("E_NOTE_TOO_LONG"))]
    #[case(S::Read, STAFF, complete("a\u{7}"), Err("E_TEXT_CONTROL_CHARACTERS"))]
    #[case(S::Read, HEAD, complete(""), Err("E_NOT_RECIPIENT"))]
    fn transitions(
        #[case] state: DispositionState,
        #[case] actor: UserId,
        #[case] command: DispositionCommand,
        #[case] expected: Result<DispositionState, &str>,
    ) {
        let d = Disposition {
            sender: HEAD,
            recipient: STAFF,
            state,
        };
        let got = d.decide(actor, &command);
        match (got, expected) {
            (Ok(t), Ok(to)) => {
                assert_eq!((t.from, t.to), (state, to));
                assert_eq!(t.note.is_some(), to == S::Completed);
            }
            (Err(e), Err(code)) => assert_eq!(e.code(), code),
            (got, want) => panic!("got {got:?}, want {want:?}"),
        }
    }

    #[test]
    fn the_note_is_stored_trimmed_with_its_line_breaks() {
        let d = Disposition {
            sender: HEAD,
            recipient: STAFF,
            state: S::Read,
        };
        let t = d
            .decide(STAFF, &complete("  baris 1\nbaris 2 \n"))
            .expect("ok");
        assert_eq!(t.note.as_deref(), Some("baris 1\nbaris 2"));
        let exactly = d.decide(STAFF, &complete(&"é".repeat(2000)));
        assert!(exactly.is_ok());
    }

    #[rstest]
    #[case(
        "  Mohon diperiksa kelengkapan berkasnya. ",
        Ok("Mohon diperiksa kelengkapan berkasnya.")
    )]
    #[case("", Err("E_INSTRUCTION_REQUIRED"))]
    #[case("\u{FEFF}\n\t", Err("E_INSTRUCTION_REQUIRED"))]
    #[case(&"x".repeat(1001), Err("E_INSTRUCTION_TOO_LONG"))]
    #[case("tindak\u{0}lanjuti", Err("E_TEXT_CONTROL_CHARACTERS"))]
    #[case("1. cek\n2. laporkan", Ok("1. cek\n2. laporkan"))]
    fn instructions(#[case] text: &str, #[case] expected: Result<&str, &str>) {
        match (check_instruction(text), expected) {
            (Ok(got), Ok(want)) => assert_eq!(got, want),
            (Err(e), Err(code)) => assert_eq!(e.code(), code),
            (got, want) => panic!("got {got:?}, want {want:?}"),
        }
        assert!(check_instruction(&"x".repeat(MAX_INSTRUCTION_CHARS)).is_ok());
    }

    /// 1 heads the agency; 2 and 3 report to 1; 4 reports to 2; 5 to 4; 6 and 7 form a cycle;
    /// 8 reports to itself.
    fn supervisor_of(user: UserId) -> Option<UserId> {
        let boss = match user.0 {
            2 | 3 => 1,
            4 => 2,
            5 => 4,
            6 => 7,
            7 => 6,
            8 => 8,
            _ => return None,
        };
        Some(UserId(boss))
    }

    #[rstest]
    #[case(1, 2, true)]
    #[case(1, 5, true)]
    #[case(2, 5, true)]
    #[case(4, 5, true)]
    #[case(3, 4, false)]
    #[case(5, 1, false)]
    #[case(2, 1, false)]
    #[case(1, 1, false)]
    #[case(2, 2, false)]
    #[case(1, 9, false)]
    #[case(1, 6, false)]
    #[case(7, 6, true)]
    #[case(6, 6, false)]
    #[case(1, 8, false)]
    #[case(8, 8, false)]
    fn hierarchy(#[case] sender: i64, #[case] recipient: i64, #[case] below: bool) {
        assert_eq!(
            is_below(UserId(sender), UserId(recipient), supervisor_of),
            below
        );
    }

    #[test]
    fn state_codes_round_trip_exactly() {
        for state in S::ALL {
            assert_eq!(S::from_code(state.as_code()), Ok(state));
        }
        for bad in ["", "Sent", "unread", "read "] {
            assert_eq!(
                S::from_code(bad).map_err(|e| e.code()),
                Err("E_UNKNOWN_STATE")
            );
        }
        assert!(S::Completed.is_closed() && S::Cancelled.is_closed());
        assert!(!S::Sent.is_closed() && !S::Read.is_closed());
    }
}
