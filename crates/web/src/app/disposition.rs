//! Disposisi: an officer forwards a document to a subordinate (direct or indirect, by
//! `users.supervisor_id`) with an instruction; the recipient sees it in `/petugas/disposisi`
//! and may open the document even outside their agency; the sender may cancel it while it is
//! unread; the recipient ends it with a completion note. Delegations (Plt./Plh.) are in
//! [`delegation`].

mod delegation;

use std::collections::HashMap;

use sahih_store::{DispositionId, Document, Officer, StoredDisposition, User};
use sahih_workflow::{
    DispositionCommand, DispositionError, DispositionState, Role, UserId, check_instruction,
    is_below,
};

pub use delegation::{DelegationOverview, GrantRequest, day_wib};

use super::input::clean_comment;
use super::{App, Notice, NoticeDocument, NoticeKind};
use crate::AppError;
use crate::i18n::Lang;

impl From<DispositionError> for AppError {
    fn from(e: DispositionError) -> AppError {
        let code = e.code();
        match e {
            DispositionError::NotRecipient
            | DispositionError::NotSender
            | DispositionError::NotSubordinate => AppError::Forbidden(code),
            DispositionError::AlreadyRead | DispositionError::Closed(_) => AppError::Refused {
                code,
                message: e.to_string(),
            },
            _ => AppError::bad_input(code, e.to_string()),
        }
    }
}

/// What the document page shows of its disposisi to an officer.
#[derive(Debug, Clone)]
pub struct DispositionPanel {
    /// The viewer.
    pub viewer: UserId,
    /// The officers the viewer may forward to (below them in the hierarchy), by name.
    pub subordinates: Vec<Officer>,
    /// Whether the form is offered: the document is open and the viewer has subordinates.
    pub can_forward: bool,
    /// The document's disposisi, oldest first.
    pub list: Vec<StoredDisposition>,
}

/// The label of a disposisi's state in `lang`, e.g. `Belum dibaca` for `sent`.
pub fn disposition_state_label(lang: Lang, d: &StoredDisposition) -> &'static str {
    lang.lookup(&format!("disposition_state_{}", d.state.as_code()))
        .unwrap_or("?")
}

impl DispositionPanel {
    /// The label of `d`'s state in `lang`.
    pub fn state_label(&self, lang: &Lang, d: &StoredDisposition) -> &'static str {
        disposition_state_label(*lang, d)
    }

    /// Whether the viewer may cancel `d`: they sent it and it is unread.
    pub fn can_cancel(&self, d: &StoredDisposition) -> bool {
        d.from == self.viewer && d.state == DispositionState::Sent
    }

    /// Whether the viewer may complete `d`: they received it and it is open.
    pub fn can_complete(&self, d: &StoredDisposition) -> bool {
        d.to == self.viewer && !d.state.is_closed()
    }
}

/// The officer's disposisi page: what they received (unread first) and what they sent.
#[derive(Debug, Clone)]
pub struct DispositionInbox {
    /// Received: unread first, then read, then closed; newest first within each.
    pub received: Vec<StoredDisposition>,
    /// Sent, newest first.
    pub sent: Vec<StoredDisposition>,
}

/// Refuses citizens. Errors: `E_WRONG_ROLE`.
fn officer(user: &User) -> Result<(), AppError> {
    if user.role == Role::Citizen {
        return Err(AppError::Forbidden("E_WRONG_ROLE"));
    }
    Ok(())
}

impl App {
    /// The officers below `user` in the hierarchy (transitively), by name.
    ///
    /// Errors: storage failures only.
    pub fn subordinates(&self, user: &User) -> Result<Vec<Officer>, AppError> {
        let officers = self.store.officers()?;
        let superior: HashMap<UserId, Option<UserId>> = officers
            .iter()
            .map(|o| (o.user.id, o.supervisor_id))
            .collect();
        let mut below: Vec<Officer> = officers
            .iter()
            .filter(|o| is_below(user.id, o.user.id, |u| superior.get(&u).copied().flatten()))
            .cloned()
            .collect();
        below.sort_by(|a, b| a.user.name.cmp(&b.user.name));
        Ok(below)
    }

    /// The disposisi panel of `doc`'s page for `user`; `None` for citizens, who see no
    /// disposisi.
    ///
    /// Errors: storage failures only.
    pub fn disposition_panel(
        &self,
        user: &User,
        doc: &Document,
    ) -> Result<Option<DispositionPanel>, AppError> {
        if user.role == Role::Citizen {
            return Ok(None);
        }
        let subordinates = self.subordinates(user)?;
        Ok(Some(DispositionPanel {
            viewer: user.id,
            can_forward: !doc.state.is_terminal() && !subordinates.is_empty(),
            subordinates,
            list: self.store.dispositions_of_document(doc.id)?,
        }))
    }

    /// `user` forwards the document `public_id` (which they may see) to officer `to`, below
    /// them in the hierarchy, with `instruction`; `to` is notified.
    ///
    /// Errors: `E_WRONG_ROLE` (citizens), those of [`App::document_for`],
    /// `E_NOT_SUBORDINATE`, `E_INSTRUCTION_REQUIRED`, `E_INSTRUCTION_TOO_LONG`,
    /// `E_DOCUMENT_CLOSED`, `E_CONFLICT` when it closed meanwhile.
    pub fn forward(
        &self,
        user: &User,
        public_id: &str,
        to: UserId,
        instruction: &str,
    ) -> Result<Document, AppError> {
        officer(user)?;
        let doc = self.document_for(user, public_id)?;
        let instruction = check_instruction(&clean_comment(instruction))?;
        if !self.subordinates(user)?.iter().any(|o| o.user.id == to) {
            return Err(DispositionError::NotSubordinate.into());
        }
        if doc.state.is_terminal() {
            return Err(sahih_workflow::WorkflowError::Terminal(doc.state).into());
        }
        self.store
            .create_disposition(doc.id, user.id, to, &instruction)?;
        self.notify(vec![Notice {
            user: to,
            kind: NoticeKind::Disposition {
                instruction,
                from: signature_line(user),
            },
            document: Some(self.notice_document(&doc)?),
        }])?;
        Ok(doc)
    }

    /// The disposisi `user` received and sent.
    ///
    /// Errors: `E_WRONG_ROLE` for citizens.
    pub fn disposition_inbox(&self, user: &User) -> Result<DispositionInbox, AppError> {
        officer(user)?;
        Ok(DispositionInbox {
            received: self.store.dispositions_to(user.id)?,
            sent: self.store.dispositions_from(user.id)?,
        })
    }

    /// Opens disposisi `id` for `user`, its sender or recipient: the recipient's first opening
    /// marks it read. Returns it as it is now.
    ///
    /// Errors: `E_WRONG_ROLE`, `E_NOT_FOUND` (also for anyone else: its existence is not
    /// revealed).
    pub fn open_disposition(
        &self,
        user: &User,
        id: DispositionId,
    ) -> Result<StoredDisposition, AppError> {
        officer(user)?;
        let d = self.party_disposition(user, id)?;
        if d.to == user.id && d.state == DispositionState::Sent {
            let t = d
                .as_disposition()
                .decide(user.id, &DispositionCommand::Read)?;
            match self.store.apply_disposition(id, &t, sahih_store::now()) {
                // Another tab opened or closed it meanwhile: show it as it is.
                Ok(()) | Err(sahih_store::StoreError::Conflict { .. }) => {}
                Err(e) => return Err(e.into()),
            }
            return self.party_disposition(user, id);
        }
        Ok(d)
    }

    /// The sender cancels disposisi `id` while it is unread.
    ///
    /// Errors: `E_WRONG_ROLE`, `E_NOT_FOUND`, `E_NOT_SENDER`, `E_DISPOSITION_READ`,
    /// `E_DISPOSITION_CLOSED`, `E_CONFLICT` when it was opened meanwhile.
    pub fn cancel_disposition(
        &self,
        user: &User,
        id: DispositionId,
    ) -> Result<StoredDisposition, AppError> {
        self.disposition_command(user, id, &DispositionCommand::Cancel)
    }

    /// The recipient completes disposisi `id` with `note`.
    ///
    /// Errors: `E_WRONG_ROLE`, `E_NOT_FOUND`, `E_NOT_RECIPIENT`, `E_NOTE_REQUIRED`,
    /// `E_NOTE_TOO_LONG`, `E_DISPOSITION_CLOSED`, `E_CONFLICT` when it changed meanwhile.
    pub fn complete_disposition(
        &self,
        user: &User,
        id: DispositionId,
        note: &str,
    ) -> Result<StoredDisposition, AppError> {
        let note = clean_comment(note);
        self.disposition_command(user, id, &DispositionCommand::Complete { note })
    }

    fn disposition_command(
        &self,
        user: &User,
        id: DispositionId,
        command: &DispositionCommand,
    ) -> Result<StoredDisposition, AppError> {
        officer(user)?;
        let d = self.party_disposition(user, id)?;
        let t = d.as_disposition().decide(user.id, command)?;
        self.store.apply_disposition(id, &t, sahih_store::now())?;
        self.party_disposition(user, id)
    }

    /// Disposisi `id` if `user` sent or received it. Errors: `E_NOT_FOUND` otherwise.
    fn party_disposition(
        &self,
        user: &User,
        id: DispositionId,
    ) -> Result<StoredDisposition, AppError> {
        self.store
            .disposition(id)?
            .filter(|d| d.from == user.id || d.to == user.id)
            .ok_or(AppError::NotFound)
    }

    /// The document as a notice names it.
    fn notice_document(&self, doc: &Document) -> Result<NoticeDocument, AppError> {
        let service = self
            .store
            .service(doc.service_id)?
            .map(|s| s.name)
            .unwrap_or_default();
        Ok(NoticeDocument {
            id: doc.id,
            public_id: doc.public_id.clone(),
            service,
        })
    }
}

/// An officer as notices name them: `Name, Position` (just the name without a position).
pub(crate) fn signature_line(user: &User) -> String {
    match user.position.as_deref().map(str::trim) {
        Some(position) if !position.is_empty() => format!("{}, {position}", user.name),
        _ => user.name.clone(),
    }
}
