//! Notices (what a user reads on their notifications page) and the mail outbox (the e-mails
//! that tell them, sent by a worker with retries).
//!
//! A notice and its e-mail are written in one transaction, so a user is never mailed about a
//! notice that is not stored. The outbox is claimed with a lease: a claim moves a mail's
//! `next_attempt_at` forward by [`MAIL_CLAIM_LEASE_SECONDS`], so a second worker (another node)
//! does not send it meanwhile, and a worker that died mid-send leaves it to be claimed again
//! (at-least-once delivery). A failure counts an attempt and backs off exponentially; after
//! [`MAIL_MAX_ATTEMPTS`] the mail stays in the outbox, unsent, with its last error.

use diesel::prelude::*;
use sahih_workflow::{AgencyId, DocumentId, Role, UserId};

use crate::schema::{mail_outbox, notifications, users};
use crate::{Store, StoreError, now};

/// Attempts a mail gets before it is given up (kept, unsent, with its last error).
pub const MAIL_MAX_ATTEMPTS: i64 = 8;

/// The delay before the first retry, seconds; each further failure doubles it
/// (1, 2, 4, … 64 minutes: about two hours of retries in all).
pub const MAIL_RETRY_BASE_SECONDS: i64 = 60;

/// How long a claimed mail is held for the worker that claimed it, seconds.
pub const MAIL_CLAIM_LEASE_SECONDS: i64 = 300;

/// A notice to store for one user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNotice {
    /// Who reads it.
    pub user: UserId,
    /// The document it is about, if any.
    pub document: Option<DocumentId>,
    /// Its kind, e.g. `status_changed` (the web layer's `NoticeKind::code`).
    pub kind: String,
    /// What its sentence needs, as JSON (the web layer's format).
    pub params_json: String,
}

/// An e-mail to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMail {
    /// The recipient's address (`local@domain`).
    pub to: String,
    /// The subject, one line.
    pub subject: String,
    /// The plain-text body.
    pub body: String,
}

/// A stored notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredNotice {
    /// Row id.
    pub id: i64,
    /// The document it is about, if any.
    pub document: Option<DocumentId>,
    /// Its kind.
    pub kind: String,
    /// Its parameters, JSON.
    pub params_json: String,
    /// When it was made, Unix seconds.
    pub created_at: i64,
    /// When its reader marked it read, Unix seconds; `None` while unread.
    pub read_at: Option<i64>,
}

/// A mail claimed for sending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMail {
    /// Row id, for [`Store::mark_mail_sent`] and [`Store::mark_mail_failed`].
    pub id: i64,
    /// The recipient's address.
    pub to: String,
    /// The subject.
    pub subject: String,
    /// The plain-text body.
    pub body: String,
    /// Failed attempts so far.
    pub attempts: i64,
}

/// What happens to a mail after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailRetry {
    /// It is tried again from this time on, Unix seconds.
    At(i64),
    /// It failed [`MAIL_MAX_ATTEMPTS`] times and stays unsent, with its last error.
    GaveUp,
}

/// The delay after the `attempts`-th failure (1-based), seconds: base × 2^(attempts − 1).
fn retry_delay(attempts: i64) -> i64 {
    crate::outbox::backoff_delay(MAIL_RETRY_BASE_SECONDS, attempts)
}

type NoticeRow = (i64, Option<i64>, String, String, i64, Option<i64>);

impl From<NoticeRow> for StoredNotice {
    fn from(r: NoticeRow) -> StoredNotice {
        StoredNotice {
            id: r.0,
            document: r.1.map(DocumentId),
            kind: r.2,
            params_json: r.3,
            created_at: r.4,
            read_at: r.5,
        }
    }
}

impl Store {
    /// Stores `notices` and queues `mails`, in one transaction (both or neither), due now.
    ///
    /// Errors: [`StoreError::Db`] (e.g. a notice for a user or document that does not exist).
    pub fn add_notices(&self, notices: &[NewNotice], mails: &[NewMail]) -> Result<(), StoreError> {
        let at = now();
        let mut conn = self.conn()?;
        conn.transaction(|c| {
            for n in notices {
                diesel::insert_into(notifications::table)
                    .values((
                        notifications::user_id.eq(n.user.0),
                        notifications::document_id.eq(n.document.map(|d| d.0)),
                        notifications::kind.eq(&n.kind),
                        notifications::params_json.eq(&n.params_json),
                        notifications::created_at.eq(at),
                    ))
                    .execute(c)?;
            }
            for m in mails {
                diesel::insert_into(mail_outbox::table)
                    .values((
                        mail_outbox::to_addr.eq(&m.to),
                        mail_outbox::subject.eq(&m.subject),
                        mail_outbox::body.eq(&m.body),
                        mail_outbox::created_at.eq(at),
                        mail_outbox::attempts.eq(0),
                        mail_outbox::next_attempt_at.eq(at),
                    ))
                    .execute(c)?;
            }
            Ok(())
        })
    }

    /// The user's notices, newest first, at most `limit`.
    pub fn notices(&self, user: UserId, limit: i64) -> Result<Vec<StoredNotice>, StoreError> {
        let mut conn = self.conn()?;
        let rows = notifications::table
            .filter(notifications::user_id.eq(user.0))
            .order(notifications::id.desc())
            .limit(limit)
            .select((
                notifications::id,
                notifications::document_id,
                notifications::kind,
                notifications::params_json,
                notifications::created_at,
                notifications::read_at,
            ))
            .load::<NoticeRow>(&mut *conn)?;
        Ok(rows.into_iter().map(StoredNotice::from).collect())
    }

    /// How many of the user's notices are unread.
    pub fn unread_notices(&self, user: UserId) -> Result<i64, StoreError> {
        let mut conn = self.conn()?;
        Ok(notifications::table
            .filter(notifications::user_id.eq(user.0))
            .filter(notifications::read_at.is_null())
            .count()
            .get_result::<i64>(&mut *conn)?)
    }

    /// Marks the user's unread notices read: those of `only` (ids), or all when `None`. Ids of
    /// other users' notices are ignored. Returns how many were marked.
    pub fn mark_notices_read(
        &self,
        user: UserId,
        only: Option<&[i64]>,
    ) -> Result<usize, StoreError> {
        let at = now();
        let mut conn = self.conn()?;
        conn.transaction(|c| {
            let mine = notifications::table
                .filter(notifications::user_id.eq(user.0))
                .filter(notifications::read_at.is_null());
            let marked = match only {
                None => diesel::update(mine)
                    .set(notifications::read_at.eq(at))
                    .execute(c)?,
                Some(ids) => diesel::update(mine.filter(notifications::id.eq_any(ids)))
                    .set(notifications::read_at.eq(at))
                    .execute(c)?,
            };
            Ok(marked)
        })
    }

    /// Claims up to `limit` mails due at `at` (Unix seconds), oldest due first: each is held
    /// for [`MAIL_CLAIM_LEASE_SECONDS`] (no other claim returns it meanwhile). Sent mails and
    /// those given up are never returned.
    pub fn claim_due_mails(&self, at: i64, limit: i64) -> Result<Vec<OutboxMail>, StoreError> {
        let mut conn = self.conn()?;
        // Which mails are due is read first, outside the claim: the claim is one UPDATE that
        // checks again that each is still due (another worker may have claimed it meanwhile),
        // so it never upgrades a read snapshot to a write (SQLite's SQLITE_BUSY_SNAPSHOT).
        let due = mail_outbox::table
            .filter(mail_outbox::sent_at.is_null())
            .filter(mail_outbox::attempts.lt(MAIL_MAX_ATTEMPTS))
            .filter(mail_outbox::next_attempt_at.le(at))
            .order((mail_outbox::next_attempt_at.asc(), mail_outbox::id.asc()))
            .limit(limit)
            .select(mail_outbox::id)
            .load::<i64>(&mut *conn)?;
        if due.is_empty() {
            return Ok(Vec::new());
        }
        let mut rows = conn.transaction(|c| {
            diesel::update(
                mail_outbox::table
                    .filter(mail_outbox::id.eq_any(&due))
                    .filter(mail_outbox::sent_at.is_null())
                    .filter(mail_outbox::attempts.lt(MAIL_MAX_ATTEMPTS))
                    .filter(mail_outbox::next_attempt_at.le(at)),
            )
            .set(mail_outbox::next_attempt_at.eq(at + MAIL_CLAIM_LEASE_SECONDS))
            .returning((
                mail_outbox::id,
                mail_outbox::to_addr,
                mail_outbox::subject,
                mail_outbox::body,
                mail_outbox::attempts,
            ))
            .get_results::<(i64, String, String, String, i64)>(c)
        })?;
        rows.sort_by_key(|r| due.iter().position(|d| *d == r.0));
        Ok(rows
            .into_iter()
            .map(|(id, to, subject, body, attempts)| OutboxMail {
                id,
                to,
                subject,
                body,
                attempts,
            })
            .collect())
    }

    /// Records that the relay accepted mail `id`.
    ///
    /// Errors: [`StoreError::NotFound`].
    pub fn mark_mail_sent(&self, id: i64) -> Result<(), StoreError> {
        let at = now();
        let mut conn = self.conn()?;
        conn.transaction(|c| {
            let n = diesel::update(mail_outbox::table.find(id))
                .set((
                    mail_outbox::sent_at.eq(at),
                    mail_outbox::last_error.eq(None::<String>),
                ))
                .execute(c)?;
            if n == 1 {
                Ok(())
            } else {
                Err(StoreError::NotFound)
            }
        })
    }

    /// Records a failed attempt at `at` (Unix seconds) with its `error` (no addresses in it):
    /// the mail is due again after [`MAIL_RETRY_BASE_SECONDS`] × 2^(failures − 1), or given up
    /// after [`MAIL_MAX_ATTEMPTS`] failures.
    ///
    /// Errors: [`StoreError::NotFound`].
    pub fn mark_mail_failed(&self, id: i64, error: &str, at: i64) -> Result<MailRetry, StoreError> {
        let error = crate::outbox::kept_error(error);
        let mut conn = self.conn()?;
        conn.transaction(|c| {
            let attempts = diesel::update(mail_outbox::table.find(id))
                .set((
                    mail_outbox::attempts.eq(mail_outbox::attempts + 1),
                    mail_outbox::last_error.eq(&error),
                ))
                .returning(mail_outbox::attempts)
                .get_result::<i64>(c)
                .optional()?
                .ok_or(StoreError::NotFound)?;
            if attempts >= MAIL_MAX_ATTEMPTS {
                return Ok(MailRetry::GaveUp);
            }
            let next = at.saturating_add(retry_delay(attempts));
            diesel::update(mail_outbox::table.find(id))
                .set(mail_outbox::next_attempt_at.eq(next))
                .execute(c)?;
            Ok(MailRetry::At(next))
        })
    }

    /// The officers of `agency` who hold `role`, by id.
    pub fn officers_with_role(
        &self,
        agency: AgencyId,
        role: Role,
    ) -> Result<Vec<UserId>, StoreError> {
        let mut conn = self.conn()?;
        let ids = users::table
            .filter(users::agency_id.eq(agency.0))
            .filter(users::role.eq(role.as_str()))
            .order(users::id.asc())
            .select(users::id)
            .load::<i64>(&mut *conn)?;
        Ok(ids.into_iter().map(UserId).collect())
    }
}

#[cfg(test)]
mod tests;
