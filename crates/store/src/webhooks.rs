//! Webhook deliveries: the status changes of an application's documents, queued for its
//! webhook URL, claimed with a lease, retried with exponential backoff, kept as a delivery log
//! the agency admin reads and replays.
//!
//! Deliveries are made from `events`, not by the code that commits a change: each application's
//! `webhook_cursor` is the last `events.id` turned into deliveries, and
//! [`Store::enqueue_webhook_deliveries`] inserts the deliveries of the events after it and moves
//! it in one transaction, so a status change committed just before the process died is still
//! delivered, and none is queued twice (`UNIQUE (application_id, event_id)` also keeps a second
//! node's identical insert out). Events get ids in commit order because SQLite has one writer;
//! on a backend with concurrent writers a cursor could pass an id that commits later, and this
//! would need a commit-ordered sequence instead.
//!
//! Claims follow the mail outbox's pattern (`crate::outbox`): a lease of
//! [`WEBHOOK_CLAIM_LEASE_SECONDS`], a backoff of [`WEBHOOK_RETRY_BASE_SECONDS`] × 2^(failures − 1)
//! after each failure, and after [`WEBHOOK_MAX_ATTEMPTS`] failures the delivery stays, not
//! delivered, with its last status and error. A document's deliveries go out in the order of
//! its events: one waits while an earlier one of the same document and application is neither
//! delivered nor given up.

use diesel::prelude::*;
use diesel::sql_types::Bool;
use sahih_workflow::{AgencyId, DocumentId, UserId};

use crate::outbox::{backoff_delay, kept_error};
use crate::schema::{
    api_applications, document_numbers, documents, events, services, webhook_deliveries,
};
use crate::{Store, StoreError};

/// Failed attempts after which a delivery is given up (kept, not delivered, with its last
/// status and error). With [`WEBHOOK_RETRY_BASE_SECONDS`] the retries span about 17 hours
/// (30 s, 1 min, 2 min, … 8.5 h).
pub const WEBHOOK_MAX_ATTEMPTS: i64 = 12;

/// The delay before the first retry, seconds; each further failure doubles it.
pub const WEBHOOK_RETRY_BASE_SECONDS: i64 = 30;

/// How long a claimed delivery is held for the worker that claimed it, seconds: longer than a
/// claimed batch can take to send (a batch of 10 at a 10-second timeout each).
pub const WEBHOOK_CLAIM_LEASE_SECONDS: i64 = 300;

/// An event of one of an application's documents, to turn into a delivery's body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEvent {
    /// The application it is delivered to.
    pub application: UserId,
    /// The event's row id (increasing in commit order).
    pub event_id: i64,
    /// The document.
    pub document: DocumentId,
    /// The document's public id.
    pub public_id: String,
    /// Its service's code.
    pub service: String,
    /// The event's kind, e.g. `paraf` (`sahih_workflow::Event::kind`).
    pub kind: String,
    /// The state before (`DocumentState::as_code`).
    pub from_state: String,
    /// The state after.
    pub to_state: String,
    /// When it happened, Unix seconds.
    pub at: i64,
    /// The document's nomor surat, if it has one by now.
    pub nomor_surat: Option<String>,
}

/// A delivery claimed for sending, with where and how to sign it.
#[derive(Clone, PartialEq, Eq)]
pub struct DueWebhook {
    /// Row id: the `webhook-id` of every attempt; for [`Store::mark_webhook_delivered`] and
    /// [`Store::mark_webhook_failed`].
    pub id: i64,
    /// The application.
    pub application: UserId,
    /// Its webhook URL now.
    pub url: String,
    /// Its signing secret (`whsec_` + base64).
    pub secret: String,
    /// The body to send, as queued.
    pub body: String,
    /// Failed attempts so far.
    pub attempts: i64,
}

impl std::fmt::Debug for DueWebhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DueWebhook")
            .field("id", &self.id)
            .field("application", &self.application)
            .field("attempts", &self.attempts)
            .field("secret", &"[redacted]")
            .finish_non_exhaustive()
    }
}

/// What happens to a delivery after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryRetry {
    /// It is tried again from this time on, Unix seconds.
    At(i64),
    /// It failed [`WEBHOOK_MAX_ATTEMPTS`] times and stays, not delivered, with its last status
    /// and error (an admin can replay it).
    GaveUp,
}

/// One row of an agency's delivery log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookDelivery {
    /// Row id (the web layer derives the `webhook-id` from it and the application's secret).
    pub id: i64,
    /// The application.
    pub application: UserId,
    /// Its code.
    pub application_code: String,
    /// The document's public id.
    pub document: String,
    /// The event's kind.
    pub kind: String,
    /// When it was queued, Unix seconds.
    pub created_at: i64,
    /// Failed attempts since it was queued or last replayed.
    pub attempts: i64,
    /// When it is tried next (or, while claimed, when its lease ends), Unix seconds.
    pub next_attempt_at: i64,
    /// When the receiver answered 2xx, if it has.
    pub delivered_at: Option<i64>,
    /// The HTTP status of the last attempt, if the receiver answered.
    pub last_status: Option<i64>,
    /// Why the last attempt failed, if it did.
    pub last_error: Option<String>,
}

impl WebhookDelivery {
    /// Whether it was given up: not delivered after [`WEBHOOK_MAX_ATTEMPTS`] failures.
    pub fn gave_up(&self) -> bool {
        self.delivered_at.is_none() && self.attempts >= WEBHOOK_MAX_ATTEMPTS
    }
}

type EventRow = (
    i64,
    i64,
    String,
    String,
    String,
    String,
    String,
    i64,
    Option<String>,
);

type DeliveryRow = (
    i64,
    i64,
    String,
    String,
    String,
    i64,
    i64,
    i64,
    Option<i64>,
    Option<i64>,
    Option<String>,
);

fn delivery(r: DeliveryRow) -> WebhookDelivery {
    WebhookDelivery {
        id: r.0,
        application: UserId(r.1),
        application_code: r.2,
        document: r.3,
        kind: r.4,
        created_at: r.5,
        attempts: r.6,
        next_attempt_at: r.7,
        delivered_at: r.8,
        last_status: r.9,
        last_error: r.10,
    }
}

/// The events of `application`'s documents with `cursor < id <= newest`, oldest first, at most
/// `limit`.
fn events_after(
    c: &mut crate::DbConnection,
    application: UserId,
    cursor: i64,
    newest: i64,
    limit: i64,
) -> Result<Vec<WebhookEvent>, StoreError> {
    let rows = events::table
        .inner_join(
            documents::table
                .inner_join(services::table)
                .left_join(document_numbers::table),
        )
        .filter(documents::applicant_id.eq(application.0))
        .filter(events::id.gt(cursor))
        .filter(events::id.le(newest))
        .order(events::id.asc())
        .limit(limit)
        .select((
            events::id,
            events::document_id,
            documents::public_id,
            services::code,
            events::kind,
            events::from_state,
            events::to_state,
            events::at,
            document_numbers::number.nullable(),
        ))
        .load::<EventRow>(c)?;
    Ok(rows
        .into_iter()
        .map(|r| WebhookEvent {
            application,
            event_id: r.0,
            document: DocumentId(r.1),
            public_id: r.2,
            service: r.3,
            kind: r.4,
            from_state: r.5,
            to_state: r.6,
            at: r.7,
            nomor_surat: r.8,
        })
        .collect())
}

/// Inserts the delivery of `event` unless it exists; returns whether it was inserted.
fn insert_delivery(
    c: &mut crate::DbConnection,
    event: &WebhookEvent,
    body: &str,
    at: i64,
) -> Result<bool, StoreError> {
    let exists = webhook_deliveries::table
        .filter(webhook_deliveries::application_id.eq(event.application.0))
        .filter(webhook_deliveries::event_id.eq(event.event_id))
        .count()
        .get_result::<i64>(c)?
        > 0;
    if exists {
        return Ok(false);
    }
    diesel::insert_into(webhook_deliveries::table)
        .values((
            webhook_deliveries::application_id.eq(event.application.0),
            webhook_deliveries::event_id.eq(event.event_id),
            webhook_deliveries::document_id.eq(event.document.0),
            webhook_deliveries::kind.eq(&event.kind),
            webhook_deliveries::body.eq(body),
            webhook_deliveries::created_at.eq(at),
            webhook_deliveries::attempts.eq(0),
            webhook_deliveries::next_attempt_at.eq(at),
        ))
        .execute(c)?;
    Ok(true)
}

/// The deliveries due at `at` (of one application, or of all): not delivered, not given up, of
/// an application with a webhook URL, each the earliest pending one of its document.
fn due_query<'a>(
    application: Option<UserId>,
    at: i64,
) -> diesel::helper_types::IntoBoxed<
    'a,
    diesel::helper_types::InnerJoin<webhook_deliveries::table, api_applications::table>,
    <crate::DbConnection as diesel::Connection>::Backend,
> {
    let mut query = webhook_deliveries::table
        .inner_join(api_applications::table)
        .filter(api_applications::webhook_url.is_not_null())
        .filter(webhook_deliveries::delivered_at.is_null())
        .filter(webhook_deliveries::attempts.lt(WEBHOOK_MAX_ATTEMPTS))
        .filter(webhook_deliveries::next_attempt_at.le(at))
        .filter(no_earlier_pending())
        .into_boxed();
    if let Some(app) = application {
        query = query.filter(webhook_deliveries::application_id.eq(app.0));
    }
    query
}

/// `NOT EXISTS` an earlier delivery of the same document to the same application that is
/// neither delivered nor given up: a document's deliveries go out in the order of its events.
fn no_earlier_pending() -> diesel::expression::SqlLiteral<Bool> {
    diesel::dsl::sql::<Bool>(&format!(
        "NOT EXISTS (SELECT 1 FROM webhook_deliveries AS earlier \
         WHERE earlier.application_id = webhook_deliveries.application_id \
         AND earlier.document_id = webhook_deliveries.document_id \
         AND earlier.event_id < webhook_deliveries.event_id \
         AND earlier.delivered_at IS NULL AND earlier.attempts < {WEBHOOK_MAX_ATTEMPTS})"
    ))
}

impl Store {
    /// Turns new events into deliveries, in one transaction: for each application with a
    /// webhook URL, the events of its documents (`documents.applicant_id`) after its
    /// `webhook_cursor`, oldest first, at most `batch` per application, each become one
    /// delivery due at `at` (Unix seconds) whose body is `body(event)`, and the cursor moves past
    /// them (to the newest event when fewer than `batch` were found). A delivery that exists
    /// (another node queued it) is not queued again. Returns how many were queued; call again
    /// while it returns as many as `batch` allows.
    ///
    /// `body` runs inside the transaction: it formats, and must not call the store.
    ///
    /// Errors: [`StoreError::Db`].
    pub fn enqueue_webhook_deliveries(
        &self,
        at: i64,
        batch: i64,
        mut body: impl FnMut(&WebhookEvent) -> String,
    ) -> Result<usize, StoreError> {
        let batch = batch.max(1);
        let mut conn = self.conn()?;
        // A read first, outside the transaction: nothing to do takes no write lock.
        let newest = events::table
            .select(diesel::dsl::max(events::id))
            .first::<Option<i64>>(&mut *conn)?
            .unwrap_or(0);
        let behind = api_applications::table
            .filter(api_applications::webhook_url.is_not_null())
            .filter(api_applications::webhook_cursor.lt(newest))
            .select(api_applications::user_id)
            .load::<i64>(&mut *conn)?;
        if behind.is_empty() {
            return Ok(0);
        }
        conn.transaction(|c| {
            // The write first, so SQLite takes its write lock at once and the reads below see
            // every committed event and cursor (another node's included). On PostgreSQL the
            // journal lock waits for the transactions that are writing events: every event up
            // to the newest id read below has committed.
            crate::dialect::lock_journal(c)?;
            diesel::update(
                api_applications::table.filter(api_applications::user_id.eq_any(&behind)),
            )
            .set(api_applications::webhook_cursor.eq(api_applications::webhook_cursor))
            .execute(c)?;
            let newest = events::table
                .select(diesel::dsl::max(events::id))
                .first::<Option<i64>>(c)?
                .unwrap_or(0);
            let apps = api_applications::table
                .filter(api_applications::user_id.eq_any(&behind))
                .filter(api_applications::webhook_url.is_not_null())
                .select((api_applications::user_id, api_applications::webhook_cursor))
                .load::<(i64, i64)>(c)?;
            let mut queued = 0;
            for (app, cursor) in apps {
                let found = events_after(c, UserId(app), cursor, newest, batch)?;
                for event in &found {
                    if insert_delivery(c, event, &body(event), at)? {
                        queued += 1;
                    }
                }
                let moved = match found.last() {
                    Some(last) if found.len() as i64 >= batch => last.event_id,
                    _ => newest,
                };
                diesel::update(api_applications::table.find(app))
                    .set(api_applications::webhook_cursor.eq(moved.max(cursor)))
                    .execute(c)?;
            }
            Ok(queued)
        })
    }

    /// Claims up to `limit` deliveries due at `at` (Unix seconds), oldest due first, each the
    /// earliest pending one of its document: each is held for [`WEBHOOK_CLAIM_LEASE_SECONDS`]
    /// (no other claim returns it meanwhile). Delivered and given-up deliveries, and those of
    /// applications without a webhook URL now, are never returned.
    ///
    /// Errors: [`StoreError::Db`].
    pub fn claim_due_webhooks(&self, at: i64, limit: i64) -> Result<Vec<DueWebhook>, StoreError> {
        self.claim_due(None, at, limit)
    }

    /// [`Store::claim_due_webhooks`] for one application only: what its delivery thread
    /// claims, one at a time, so that the URL is read again for each attempt and nothing
    /// waits on a lease behind a failure.
    ///
    /// Errors: [`StoreError::Db`].
    pub fn claim_due_webhooks_of(
        &self,
        application: UserId,
        at: i64,
        limit: i64,
    ) -> Result<Vec<DueWebhook>, StoreError> {
        self.claim_due(Some(application), at, limit)
    }

    /// The applications with a delivery due at `at` (and a webhook URL now).
    ///
    /// Errors: [`StoreError::Db`].
    pub fn due_webhook_applications(&self, at: i64) -> Result<Vec<UserId>, StoreError> {
        let mut conn = self.conn()?;
        Ok(due_query(None, at)
            .select(webhook_deliveries::application_id)
            .distinct()
            .load::<i64>(&mut *conn)?
            .into_iter()
            .map(UserId)
            .collect())
    }

    fn claim_due(
        &self,
        application: Option<UserId>,
        at: i64,
        limit: i64,
    ) -> Result<Vec<DueWebhook>, StoreError> {
        let mut conn = self.conn()?;
        // As `claim_due_mails`: which are due is read first; the claim's UPDATE checks again.
        let due = due_query(application, at)
            .order((
                webhook_deliveries::next_attempt_at.asc(),
                webhook_deliveries::event_id.asc(),
            ))
            .limit(limit.max(1))
            .select(webhook_deliveries::id)
            .load::<i64>(&mut *conn)?;
        if due.is_empty() {
            return Ok(Vec::new());
        }
        let (mut claimed, targets) = conn.transaction(|c| {
            let claimed = diesel::update(
                webhook_deliveries::table
                    .filter(webhook_deliveries::id.eq_any(&due))
                    .filter(webhook_deliveries::delivered_at.is_null())
                    .filter(webhook_deliveries::attempts.lt(WEBHOOK_MAX_ATTEMPTS))
                    .filter(webhook_deliveries::next_attempt_at.le(at)),
            )
            .set(webhook_deliveries::next_attempt_at.eq(at + WEBHOOK_CLAIM_LEASE_SECONDS))
            .returning((
                webhook_deliveries::id,
                webhook_deliveries::application_id,
                webhook_deliveries::body,
                webhook_deliveries::attempts,
            ))
            .get_results::<(i64, i64, String, i64)>(c)?;
            let apps: Vec<i64> = claimed.iter().map(|r| r.1).collect();
            let targets = api_applications::table
                .filter(api_applications::user_id.eq_any(&apps))
                .select((
                    api_applications::user_id,
                    api_applications::webhook_url,
                    api_applications::webhook_secret,
                ))
                .load::<(i64, Option<String>, String)>(c)?;
            Ok::<_, StoreError>((claimed, targets))
        })?;
        claimed.sort_by_key(|r| due.iter().position(|d| *d == r.0));
        Ok(claimed
            .into_iter()
            .filter_map(|(id, app, body, attempts)| {
                let (_, url, secret) = targets.iter().find(|t| t.0 == app)?;
                Some(DueWebhook {
                    id,
                    application: UserId(app),
                    url: url.clone()?,
                    secret: secret.clone(),
                    body,
                    attempts,
                })
            })
            .collect())
    }

    /// Records that the receiver answered delivery `id` with the 2xx `status` at `at`.
    ///
    /// Errors: [`StoreError::NotFound`].
    pub fn mark_webhook_delivered(&self, id: i64, status: u16, at: i64) -> Result<(), StoreError> {
        let mut conn = self.conn()?;
        conn.transaction(|c| {
            let n = diesel::update(webhook_deliveries::table.find(id))
                .set((
                    webhook_deliveries::delivered_at.eq(at),
                    webhook_deliveries::last_status.eq(i64::from(status)),
                    webhook_deliveries::last_error.eq(None::<String>),
                ))
                .execute(c)?;
            if n == 1 {
                Ok(())
            } else {
                Err(StoreError::NotFound)
            }
        })
    }

    /// Records a failed attempt at `at` (Unix seconds): the receiver's `status` if it answered
    /// (any but 2xx), and `error` (no secrets in it; kept to 500 characters). The delivery is
    /// due again after [`WEBHOOK_RETRY_BASE_SECONDS`] × 2^(failures − 1), or given up after
    /// [`WEBHOOK_MAX_ATTEMPTS`] failures.
    ///
    /// Errors: [`StoreError::NotFound`].
    pub fn mark_webhook_failed(
        &self,
        id: i64,
        status: Option<u16>,
        error: &str,
        at: i64,
    ) -> Result<DeliveryRetry, StoreError> {
        let error = kept_error(error);
        let mut conn = self.conn()?;
        conn.transaction(|c| {
            let attempts = diesel::update(webhook_deliveries::table.find(id))
                .set((
                    webhook_deliveries::attempts.eq(webhook_deliveries::attempts + 1),
                    webhook_deliveries::last_status.eq(status.map(i64::from)),
                    webhook_deliveries::last_error.eq(&error),
                ))
                .returning(webhook_deliveries::attempts)
                .get_result::<i64>(c)
                .optional()?
                .ok_or(StoreError::NotFound)?;
            if attempts >= WEBHOOK_MAX_ATTEMPTS {
                return Ok(DeliveryRetry::GaveUp);
            }
            let next = at.saturating_add(backoff_delay(WEBHOOK_RETRY_BASE_SECONDS, attempts));
            diesel::update(webhook_deliveries::table.find(id))
                .set(webhook_deliveries::next_attempt_at.eq(next))
                .execute(c)?;
            Ok(DeliveryRetry::At(next))
        })
    }

    /// The delivery log of `agency`'s applications, newest first: at most `limit` (1–200)
    /// deliveries, those with an id below `before` when given (the next page).
    ///
    /// Errors: [`StoreError::Db`].
    pub fn webhook_deliveries(
        &self,
        agency: AgencyId,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<WebhookDelivery>, StoreError> {
        let mut conn = self.conn()?;
        let mut query = webhook_deliveries::table
            .inner_join(api_applications::table)
            .inner_join(documents::table)
            .filter(api_applications::agency_id.eq(agency.0))
            .order(webhook_deliveries::id.desc())
            .limit(limit.clamp(1, 200))
            .select((
                webhook_deliveries::id,
                webhook_deliveries::application_id,
                api_applications::code,
                documents::public_id,
                webhook_deliveries::kind,
                webhook_deliveries::created_at,
                webhook_deliveries::attempts,
                webhook_deliveries::next_attempt_at,
                webhook_deliveries::delivered_at,
                webhook_deliveries::last_status,
                webhook_deliveries::last_error,
            ))
            .into_boxed();
        if let Some(before) = before {
            query = query.filter(webhook_deliveries::id.lt(before));
        }
        Ok(query
            .load::<DeliveryRow>(&mut *conn)?
            .into_iter()
            .map(delivery)
            .collect())
    }

    /// Replays delivery `id` of one of `agency`'s applications: its attempts start again from
    /// none and it is due at `at` (Unix seconds), delivered before or not. Its body and
    /// `webhook-id` stay the same (receivers treat it as the same message); its last status and
    /// error stay until the next attempt.
    ///
    /// Errors: [`StoreError::NotFound`] when there is no such delivery in that agency.
    pub fn replay_webhook_delivery(
        &self,
        id: i64,
        agency: AgencyId,
        at: i64,
    ) -> Result<(), StoreError> {
        let mut conn = self.conn()?;
        conn.transaction(|c| {
            let of_agency = api_applications::table
                .filter(api_applications::agency_id.eq(agency.0))
                .select(api_applications::user_id);
            let n = diesel::update(
                webhook_deliveries::table
                    .filter(webhook_deliveries::id.eq(id))
                    .filter(webhook_deliveries::application_id.eq_any(of_agency)),
            )
            .set((
                webhook_deliveries::attempts.eq(0),
                webhook_deliveries::next_attempt_at.eq(at),
                webhook_deliveries::delivered_at.eq(None::<i64>),
            ))
            .execute(c)?;
            if n == 1 {
                Ok(())
            } else {
                Err(StoreError::NotFound)
            }
        })
    }
}
