//! Notifications: citizens hear of their applications' status, officers of new work in their
//! queue, of a disposisi received, of overdue work escalated to them, of a delegation.
//!
//! A notice is stored for the notifications page (`/notifikasi`, in the reader's language)
//! and, when mail is on and the user has an address, one e-mail is queued with it in the same
//! transaction: Bahasa Indonesia first, then English (a user's language is not stored). The
//! texts come from the templates under `templates/mail/`. Notifying never fails the action
//! that caused it: a failure is logged (without names or addresses) and dropped.

use std::sync::Arc;

use askama::Template;
use sahih_store::{Document, NewMail, NewNotice, User};
use sahih_workflow::{DocumentId, DocumentState, Event, Transition, UserId};
use serde::{Deserialize, Serialize};

use super::App;
use crate::AppError;
use crate::i18n::Lang;
use crate::mail::MailSignal;

/// The most notices the notifications page lists.
pub const NOTICES_SHOWN: i64 = 100;

/// What a notice says happened.
///
/// Stored as JSON with a `"kind"` tag holding [`NoticeKind::code`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NoticeKind {
    /// The applicant's document moved to `state` (also the receipt of a submission).
    StatusChanged {
        /// The new state.
        state: DocumentState,
    },
    /// A document waits for the reader at step `step` (its name, e.g. `Verifikasi`).
    NewWork {
        /// The step's name as officers see it.
        step: String,
    },
    /// The reader received a disposisi from `from` with an instruction.
    Disposition {
        /// The instruction, as written.
        instruction: String,
        /// The sender's name and position.
        from: String,
    },
    /// A document is `days_late` days late at step `step`: escalated to the reader, the
    /// late officer's supervisor.
    Overdue {
        /// The step's name.
        step: String,
        /// Whole days past the step's deadline.
        days_late: u32,
    },
    /// Tembusan: the reader receives a copy for information, named in step `step` of the
    /// document's route, now that the step is done.
    Tembusan {
        /// The step's name.
        step: String,
    },
    /// `from` delegated their signing authority to the reader (Plt./Plh.) until `until`.
    DelegationGranted {
        /// The delegating official's name and position.
        from: String,
        /// The last day, as the reader should read it (e.g. `2026-12-31`).
        until: String,
    },
}

impl NoticeKind {
    /// The stable kind: `status_changed`, `new_work`, `disposition`, `overdue`,
    /// `delegation_granted` or `tembusan`.
    pub fn code(&self) -> &'static str {
        match self {
            NoticeKind::StatusChanged { .. } => "status_changed",
            NoticeKind::NewWork { .. } => "new_work",
            NoticeKind::Disposition { .. } => "disposition",
            NoticeKind::Overdue { .. } => "overdue",
            NoticeKind::DelegationGranted { .. } => "delegation_granted",
            NoticeKind::Tembusan { .. } => "tembusan",
        }
    }
}

/// The document a notice is about, as its reader knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeDocument {
    /// Row id.
    pub id: DocumentId,
    /// Its public id (links: `/permohonan/{public_id}`, `/petugas/dokumen/{public_id}`).
    pub public_id: String,
    /// Its service's name, e.g. `Surat Keterangan Usaha`.
    pub service: String,
}

impl NoticeDocument {
    /// The short tracking number: the public id's first 8 characters, as lists show it.
    pub fn number(&self) -> &str {
        self.public_id.get(..8).unwrap_or(&self.public_id)
    }
}

/// One notice to one user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// Who reads it.
    pub user: UserId,
    /// What happened.
    pub kind: NoticeKind,
    /// The document, if it is about one.
    pub document: Option<NoticeDocument>,
}

/// How notices reach people beyond the notifications page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NotifySettings {
    /// Queue e-mails (a relay is configured and a [`crate::mail::MailWorker`] sends them).
    pub mail: bool,
    /// The service's public address (`https://sahih.kota.go.id`, no trailing `/`) that links
    /// in e-mails start with; `None`: links are paths (`/permohonan/…`).
    pub public_url: Option<String>,
}

/// The notification settings of an [`App`] and the signal that wakes its mail worker.
#[derive(Debug, Default)]
pub(crate) struct Notifier {
    settings: NotifySettings,
    signal: Arc<MailSignal>,
}

/// A notice as the notifications page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeItem {
    /// Row id.
    pub id: i64,
    /// The sentence, in the page's language.
    pub text: String,
    /// Where it leads (a path), if anywhere.
    pub link: Option<String>,
    /// When, Unix seconds.
    pub created_at: i64,
    /// Not yet marked read.
    pub unread: bool,
}

/// What is stored in a notice's `params_json`.
#[derive(Serialize, Deserialize)]
struct Stored {
    #[serde(flatten)]
    kind: NoticeKind,
    #[serde(default)]
    document: Option<NoticeDocument>,
}

/// The sentence of a notice in one language (`templates/mail/notice_id.txt`, `notice_en.txt`).
struct Sentence<'a> {
    kind: &'a NoticeKind,
    service: &'a str,
    number: &'a str,
}

impl Sentence<'_> {
    fn state(&self, lang: Lang, state: &DocumentState) -> &'static str {
        lang.lookup(&format!("state_{}", crate::views::state_key(*state)))
            .unwrap_or("?")
    }
}

#[derive(Template)]
#[template(path = "mail/notice_id.txt")]
struct SentenceId<'a> {
    s: &'a Sentence<'a>,
}

impl SentenceId<'_> {
    fn state(&self, state: &DocumentState) -> &'static str {
        self.s.state(Lang::Id, state)
    }
}

#[derive(Template)]
#[template(path = "mail/notice_en.txt")]
struct SentenceEn<'a> {
    s: &'a Sentence<'a>,
}

impl SentenceEn<'_> {
    fn state(&self, state: &DocumentState) -> &'static str {
        self.s.state(Lang::En, state)
    }
}

#[derive(Template)]
#[template(path = "mail/subject.txt")]
struct Subject<'a> {
    kind: &'a NoticeKind,
    number: &'a str,
}

#[derive(Template)]
#[template(path = "mail/body.txt")]
struct Body<'a> {
    name: &'a str,
    city: &'a str,
    text_id: &'a str,
    text_en: &'a str,
    link: &'a str,
}

fn render(t: &impl Template) -> Result<String, AppError> {
    t.render().map_err(|e| AppError::Internal(e.to_string()))
}

/// A notice's sentence in `lang`.
fn sentence(
    lang: Lang,
    kind: &NoticeKind,
    doc: Option<&NoticeDocument>,
) -> Result<String, AppError> {
    let s = Sentence {
        kind,
        service: doc.map_or("", |d| d.service.as_str()),
        number: doc.map_or("", NoticeDocument::number),
    };
    let text = match lang {
        Lang::Id => render(&SentenceId { s: &s })?,
        Lang::En => render(&SentenceEn { s: &s })?,
    };
    Ok(text.trim().to_string())
}

/// Where a notice leads (a path): the applicant's tracking page for a status change, the
/// officers' review page for work; nowhere when it is about no document.
fn link(kind: &NoticeKind, doc: Option<&NoticeDocument>) -> Option<String> {
    let doc = doc?;
    Some(match kind {
        NoticeKind::StatusChanged { .. } => format!("/permohonan/{}", doc.public_id),
        _ => format!("/petugas/dokumen/{}", doc.public_id),
    })
}

impl Notifier {
    /// The e-mail for `notice` to `user`: subject, then the body in Bahasa Indonesia, then
    /// English. Subjects lose control characters (no header injection from names).
    fn mail(&self, city: &str, user: &User, notice: &Notice) -> Result<NewMail, AppError> {
        let doc = notice.document.as_ref();
        let subject = render(&Subject {
            kind: &notice.kind,
            number: doc.map_or("", NoticeDocument::number),
        })?;
        let base = self.settings.public_url.as_deref().unwrap_or("");
        let path = link(&notice.kind, doc).unwrap_or_else(|| "/notifikasi".to_string());
        let link = format!("{base}{path}");
        let body = render(&Body {
            name: &user.name,
            city,
            text_id: &sentence(Lang::Id, &notice.kind, doc)?,
            text_en: &sentence(Lang::En, &notice.kind, doc)?,
            link: &link,
        })?;
        Ok(NewMail {
            to: user.email.clone().unwrap_or_default(),
            subject: subject
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .chars()
                .filter(|c| !c.is_control())
                .collect(),
            body: body.trim().to_string() + "\n",
        })
    }
}

impl App {
    /// Uses `settings` for notifications from now on (the default: in-app notices only,
    /// relative links). Call before starting a [`crate::mail::MailWorker`] on this app.
    pub fn with_notify_settings(mut self, settings: NotifySettings) -> App {
        self.notifier = Arc::new(Notifier {
            settings,
            signal: Arc::default(),
        });
        self
    }

    /// The signal a mail worker for this app waits on.
    pub(crate) fn mail_signal(&self) -> Arc<MailSignal> {
        self.notifier.signal.clone()
    }

    /// Stores `notices` for the notifications page and, when mail is on, queues one e-mail per
    /// notice whose user has an address, then wakes the mail worker. Notices to users that do
    /// not exist are dropped.
    ///
    /// Never fails: a failure is logged (kind and code only) and `Ok` returned, so that the
    /// action that caused the notices stands.
    pub fn notify(&self, notices: Vec<Notice>) -> Result<(), AppError> {
        if notices.is_empty() {
            return Ok(());
        }
        match self.store_notices(&notices) {
            Ok(0) => {}
            Ok(_) => self.notifier.signal.notify(),
            Err(e) => {
                let kinds: Vec<&str> = notices.iter().map(|n| n.kind.code()).collect();
                tracing::warn!(code = e.code(), error = %e, ?kinds, "notices not stored");
            }
        }
        Ok(())
    }

    /// Stores the notices and their mails; returns how many mails were queued.
    fn store_notices(&self, notices: &[Notice]) -> Result<usize, AppError> {
        let mut rows = Vec::with_capacity(notices.len());
        let mut mails = Vec::new();
        for notice in notices {
            let Some(user) = self.store.user(notice.user)? else {
                continue;
            };
            let stored = Stored {
                kind: notice.kind.clone(),
                document: notice.document.clone(),
            };
            rows.push(NewNotice {
                user: notice.user,
                document: notice.document.as_ref().map(|d| d.id),
                kind: notice.kind.code().to_string(),
                params_json: serde_json::to_string(&stored)
                    .map_err(|e| AppError::Internal(e.to_string()))?,
            });
            if self.notifier.settings.mail && user.email.is_some() {
                mails.push(self.notifier.mail(&self.config.city, &user, notice)?);
            }
        }
        self.store.add_notices(&rows, &mails)?;
        Ok(mails.len())
    }

    /// The notices a committed transition causes when it moved the document (a paraf that
    /// leaves the state as it was, one of a parallel group's, causes none): the applicant hears
    /// of the new state (a submission's receipt included), each of `next_officers` of new work
    /// at the step now pending. `doc` is the document (its state is taken from `transition.to`).
    ///
    /// Never fails, as [`App::notify`].
    pub fn notify_transition(
        &self,
        doc: &Document,
        transition: &Transition,
        next_officers: &[UserId],
    ) -> Result<(), AppError> {
        match self.transition_notices(doc, transition, next_officers) {
            Ok(notices) => self.notify(notices),
            Err(e) => {
                tracing::warn!(code = e.code(), error = %e, "transition notices not made");
                Ok(())
            }
        }
    }

    fn transition_notices(
        &self,
        doc: &Document,
        transition: &Transition,
        next_officers: &[UserId],
    ) -> Result<Vec<Notice>, AppError> {
        // A paraf that leaves the state as it was (one of a group's) tells nobody anything new.
        let moved =
            transition.from != transition.to || transition.events.contains(&Event::Submitted);
        if !moved {
            return Ok(Vec::new());
        }
        let service = self
            .store
            .service(doc.service_id)?
            .ok_or(AppError::NotFound)?;
        let document = NoticeDocument {
            id: doc.id,
            public_id: doc.public_id.clone(),
            service: service.name.clone(),
        };
        let mut notices = vec![Notice {
            user: doc.applicant_id,
            kind: NoticeKind::StatusChanged {
                state: transition.to,
            },
            document: Some(document.clone()),
        }];
        let template = &service.template;
        let step = transition
            .to
            .pending_step(template, &doc.form)
            .and_then(|k| template.step(k))
            .map(|s| s.name.clone());
        if let Some(step) = step {
            notices.extend(next_officers.iter().map(|officer| Notice {
                user: *officer,
                kind: NoticeKind::NewWork { step: step.clone() },
                document: Some(document.clone()),
            }));
        }
        Ok(notices)
    }

    /// [`App::notify_transition`] for document `id` after `transition` was committed: the
    /// document is loaded again (its new state), and the officers it now waits for are told;
    /// the webhook worker is woken to deliver the change.
    ///
    /// Errors: the document or its service could not be loaded (nothing was notified).
    pub(crate) fn notify_committed(
        &self,
        id: DocumentId,
        transition: &Transition,
    ) -> Result<(), AppError> {
        self.wake_webhooks();
        let doc = self.store.document(id)?.ok_or(AppError::NotFound)?;
        let next = self.awaited_officers(&doc)?;
        self.notify_transition(&doc, transition, &next)?;
        self.notify_tembusan(&doc, transition)
    }

    /// Tembusan: when a transition completes a step (the document moves on to a later step,
    /// or is signed), the step's cc recipients get a copy for information. Never fails, as
    /// [`App::notify`].
    fn notify_tembusan(&self, doc: &Document, transition: &Transition) -> Result<(), AppError> {
        let Some(service) = self.store.service(doc.service_id)? else {
            return Ok(());
        };
        let template = &service.template;
        let Some(done) = transition.from.pending_step(template, &doc.form) else {
            return Ok(());
        };
        let after = transition.to.pending_step(template, &doc.form);
        let moved_on = transition.to == DocumentState::Signed || after.is_some_and(|a| a > done);
        let Some(step) = template.step(done).filter(|s| moved_on && !s.cc.is_empty()) else {
            return Ok(());
        };
        let recipients = self.cc_recipients(doc, step)?;
        let document = NoticeDocument {
            id: doc.id,
            public_id: doc.public_id.clone(),
            service: service.name.clone(),
        };
        self.notify(
            recipients
                .into_iter()
                .map(|user| Notice {
                    user,
                    kind: NoticeKind::Tembusan {
                        step: step.name.clone(),
                    },
                    document: Some(document.clone()),
                })
                .collect(),
        )
    }

    /// The officers whose work `doc` now waits for: those assigned to its pending step who
    /// have not acted there yet (none for a closed or returned document).
    pub(crate) fn awaited_officers(&self, doc: &Document) -> Result<Vec<UserId>, AppError> {
        let service = self
            .store
            .service(doc.service_id)?
            .ok_or(AppError::NotFound)?;
        Ok(self
            .pending_step(doc, &service)?
            .map(|p| p.waiting_for())
            .unwrap_or_default())
    }

    /// The user's notices, newest first (at most [`NOTICES_SHOWN`]), with their sentences in
    /// `lang`. A notice whose stored parameters do not parse is left out (and logged).
    pub fn notices_for(&self, user: &User, lang: Lang) -> Result<Vec<NoticeItem>, AppError> {
        let stored = self.store.notices(user.id, NOTICES_SHOWN)?;
        let mut items = Vec::with_capacity(stored.len());
        for n in stored {
            let Ok(s) = serde_json::from_str::<Stored>(&n.params_json) else {
                tracing::warn!(notice.id = n.id, kind = %n.kind, "notice parameters unreadable");
                continue;
            };
            items.push(NoticeItem {
                id: n.id,
                text: sentence(lang, &s.kind, s.document.as_ref())?,
                link: link(&s.kind, s.document.as_ref()),
                created_at: n.created_at,
                unread: n.read_at.is_none(),
            });
        }
        Ok(items)
    }

    /// How many of the user's notices are unread (the navigation's badge).
    pub fn unread_notices(&self, user: UserId) -> Result<i64, AppError> {
        Ok(self.store.unread_notices(user)?)
    }

    /// Marks all of the user's notices read; returns how many were unread.
    pub fn mark_notices_read(&self, user: &User) -> Result<usize, AppError> {
        Ok(self.store.mark_notices_read(user.id, None)?)
    }
}

#[cfg(test)]
mod tests;
