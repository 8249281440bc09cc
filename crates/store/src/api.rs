//! The integration API's records: agency applications (each the applicant of what it
//! submits), their hashed keys, and the Idempotency-Key of each submission, written in the
//! same transaction as the document it created.

use diesel::prelude::*;
use sahih_workflow::{AgencyId, DocumentId, Role, Transition, UserId};

use crate::dialect::is_unique_violation;
use crate::schema::{api_applications, api_idempotency, api_keys, documents, services, users};
use crate::{Document, NewDocument, Store, StoreError, now};

/// An agency application (licensing portal, travel-order system, …) allowed to use the API.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiApplication {
    /// Its applicant account: the `applicant_id` of the documents it submits.
    pub user: UserId,
    /// The agency it belongs to.
    pub agency: AgencyId,
    /// A short stable name, `[a-z0-9-]`, e.g. `portal-perizinan`.
    pub code: String,
    /// Its display name, shown as the applicant in timelines.
    pub name: String,
    /// Where status changes are posted, if anywhere.
    pub webhook_url: Option<String>,
    /// The webhook signing secret (`whsec_` + base64), Standard Webhooks.
    pub webhook_secret: String,
    /// When it was registered, Unix seconds.
    pub created_at: i64,
}

impl std::fmt::Debug for ApiApplication {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiApplication")
            .field("user", &self.user)
            .field("agency", &self.agency)
            .field("code", &self.code)
            .field("webhook_url", &self.webhook_url)
            .field("webhook_secret", &"[redacted]")
            .finish_non_exhaustive()
    }
}

/// An application to register: its applicant account and its record, in one transaction.
#[derive(Clone)]
pub struct NewApiApplication {
    /// The agency.
    pub agency: AgencyId,
    /// Its code (unique).
    pub code: String,
    /// Its display name.
    pub name: String,
    /// The applicant account's login (unique among users).
    pub login: String,
    /// The applicant account's password hash: of a random password nobody is told.
    pub password_hash: String,
    /// The webhook signing secret.
    pub webhook_secret: String,
}

/// A stored API key (never its secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    /// The public part of the key, shown in lists (`sahih_<key_id>_…`).
    pub key_id: String,
    /// The application it acts for.
    pub application: UserId,
    /// The operations it may call, e.g. `documents:submit`.
    pub scopes: Vec<String>,
    /// When it was made, Unix seconds.
    pub created_at: i64,
    /// When it was revoked, if it was.
    pub revoked_at: Option<i64>,
    /// When it was last used (to the minute), if ever.
    pub last_used_at: Option<i64>,
}

/// A key to store.
#[derive(Debug, Clone)]
pub struct NewApiKey {
    /// The public part.
    pub key_id: String,
    /// The application.
    pub application: UserId,
    /// SHA-256 of the secret part, hex.
    pub secret_sha256: String,
    /// The operations it may call.
    pub scopes: Vec<String>,
    /// The admin who made it, if made in the admin UI.
    pub created_by: Option<UserId>,
}

/// The Idempotency-Key of a request (draft-ietf-httpapi-idempotency-key-header).
#[derive(Debug, Clone)]
pub struct Idempotency {
    /// The key as the client sent it.
    pub key: String,
    /// SHA-256 of the request (method, path, content), hex.
    pub request_sha256: String,
}

/// What an idempotent submission did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Submitted {
    /// The document was created now.
    Created(DocumentId),
    /// An earlier request with this key created it: nothing was created now.
    Replayed(DocumentId),
}

/// Filters of an application's document list.
#[derive(Debug, Clone, Default)]
pub struct DocumentFilter {
    /// Only documents in this state (`DocumentState::as_code`), or `in_review` for any step.
    pub state: Option<String>,
    /// Only documents of the service with this code.
    pub service: Option<String>,
    /// Only documents changed at or after this time, Unix seconds.
    pub updated_since: Option<i64>,
    /// Only documents with a row id below this (the cursor of the previous page).
    pub before: Option<i64>,
    /// At most this many.
    pub limit: i64,
}

type AppRow = (i64, i64, String, String, Option<String>, String, i64);

const APP_COLUMNS: (
    api_applications::user_id,
    api_applications::agency_id,
    api_applications::code,
    api_applications::name,
    api_applications::webhook_url,
    api_applications::webhook_secret,
    api_applications::created_at,
) = (
    api_applications::user_id,
    api_applications::agency_id,
    api_applications::code,
    api_applications::name,
    api_applications::webhook_url,
    api_applications::webhook_secret,
    api_applications::created_at,
);

fn application(r: AppRow) -> ApiApplication {
    ApiApplication {
        user: UserId(r.0),
        agency: AgencyId(r.1),
        code: r.2,
        name: r.3,
        webhook_url: r.4,
        webhook_secret: r.5,
        created_at: r.6,
    }
}

type KeyRow = (String, i64, String, i64, Option<i64>, Option<i64>);

const KEY_COLUMNS: (
    api_keys::key_id,
    api_keys::application_id,
    api_keys::scopes,
    api_keys::created_at,
    api_keys::revoked_at,
    api_keys::last_used_at,
) = (
    api_keys::key_id,
    api_keys::application_id,
    api_keys::scopes,
    api_keys::created_at,
    api_keys::revoked_at,
    api_keys::last_used_at,
);

fn key(r: KeyRow) -> ApiKey {
    ApiKey {
        key_id: r.0,
        application: UserId(r.1),
        scopes: r.2.split_whitespace().map(str::to_owned).collect(),
        created_at: r.3,
        revoked_at: r.4,
        last_used_at: r.5,
    }
}

/// Records an Idempotency-Key with the document its request acted on (inside the caller's
/// transaction).
pub(crate) fn record_idempotency(
    c: &mut crate::DbConnection,
    application: UserId,
    idem: &Idempotency,
    document: DocumentId,
    at: i64,
) -> Result<(), StoreError> {
    diesel::insert_into(api_idempotency::table)
        .values((
            api_idempotency::application_id.eq(application.0),
            api_idempotency::idempotency_key.eq(&idem.key),
            api_idempotency::request_sha256.eq(&idem.request_sha256),
            api_idempotency::document_id.eq(document.0),
            api_idempotency::created_at.eq(at),
        ))
        .execute(c)
        .map_err(|e| {
            if is_unique_violation(&e) {
                StoreError::IdempotencyKeyReused
            } else {
                e.into()
            }
        })?;
    Ok(())
}

/// The position (jabatan) an application's applicant account holds: timelines show it beside
/// the application's name instead of "Warga".
pub const APPLICATION_POSITION: &str = "Aplikasi OPD";

/// How often `last_used_at` is written, seconds: a key used all day costs one write a minute.
const LAST_USED_RESOLUTION: i64 = 60;

impl Store {
    /// Registers an application: its applicant account (role citizen, in the agency) and its
    /// record, in one transaction.
    ///
    /// Errors: [`StoreError::LoginTaken`] when the code or the login is taken.
    pub fn create_api_application(&self, new: &NewApiApplication) -> Result<UserId, StoreError> {
        let at = now();
        let mut conn = self.conn()?;
        let result = conn.transaction(|c| {
            let user = diesel::insert_into(users::table)
                .values((
                    users::login.eq(&new.login),
                    users::name.eq(&new.name),
                    users::password_hash.eq(&new.password_hash),
                    users::role.eq(Role::Citizen.as_str()),
                    users::agency_id.eq(new.agency.0),
                    // What timelines show beside its name, where a person's role would be.
                    users::position.eq(APPLICATION_POSITION),
                    users::created_at.eq(at),
                ))
                .returning(users::id)
                .get_result::<i64>(c)?;
            diesel::insert_into(api_applications::table)
                .values((
                    api_applications::user_id.eq(user),
                    api_applications::agency_id.eq(new.agency.0),
                    api_applications::code.eq(&new.code),
                    api_applications::name.eq(&new.name),
                    api_applications::webhook_secret.eq(&new.webhook_secret),
                    api_applications::created_at.eq(at),
                ))
                .execute(c)?;
            Ok::<_, diesel::result::Error>(UserId(user))
        });
        match result {
            Ok(id) => Ok(id),
            Err(e) if is_unique_violation(&e) => Err(StoreError::LoginTaken),
            Err(e) => Err(e.into()),
        }
    }

    /// The applications, of one agency or of all, by code (byte order, on either backend:
    /// `dialect::sort_by_text`).
    pub fn api_applications(
        &self,
        agency: Option<AgencyId>,
    ) -> Result<Vec<ApiApplication>, StoreError> {
        let mut conn = self.conn()?;
        let mut query = api_applications::table.select(APP_COLUMNS).into_boxed();
        if let Some(agency) = agency {
            query = query.filter(api_applications::agency_id.eq(agency.0));
        }
        let mut apps: Vec<ApiApplication> = query
            .load::<AppRow>(&mut *conn)?
            .into_iter()
            .map(application)
            .collect();
        crate::dialect::sort_by_text(&mut apps, |a| &a.code);
        Ok(apps)
    }

    /// The application with this code, if any.
    pub fn api_application_by_code(
        &self,
        code: &str,
    ) -> Result<Option<ApiApplication>, StoreError> {
        let mut conn = self.conn()?;
        Ok(api_applications::table
            .filter(api_applications::code.eq(code))
            .select(APP_COLUMNS)
            .first::<AppRow>(&mut *conn)
            .optional()?
            .map(application))
    }

    /// The application whose applicant account is `user`, if it is one.
    pub fn api_application(&self, user: UserId) -> Result<Option<ApiApplication>, StoreError> {
        let mut conn = self.conn()?;
        Ok(api_applications::table
            .find(user.0)
            .select(APP_COLUMNS)
            .first::<AppRow>(&mut *conn)
            .optional()?
            .map(application))
    }

    /// Sets (or, with `None`, clears) an application's webhook URL. Setting a URL where none
    /// was moves the cursor to the newest event, so the application's earlier history (and
    /// what happened while it had no URL) is not sent; changing one URL for another keeps the
    /// cursor, so changes committed but not yet queued go to the new URL.
    ///
    /// Errors: [`StoreError::NotFound`].
    pub fn set_api_webhook(&self, app: UserId, url: Option<&str>) -> Result<(), StoreError> {
        let mut conn = self.conn()?;
        conn.transaction(|c| {
            // First, as the webhook fan-out takes it first: the cursor set below is past every
            // committed event (see `dialect`).
            crate::dialect::lock_journal(c)?;
            let had_url = api_applications::table
                .find(app.0)
                .select(api_applications::webhook_url)
                .first::<Option<String>>(c)
                .optional()?
                .ok_or(StoreError::NotFound)?
                .is_some();
            diesel::update(api_applications::table.find(app.0))
                .set(api_applications::webhook_url.eq(url))
                .execute(c)?;
            if !had_url && url.is_some() {
                let newest = crate::schema::events::table
                    .select(diesel::dsl::max(crate::schema::events::id))
                    .first::<Option<i64>>(c)?
                    .unwrap_or(0);
                diesel::update(api_applications::table.find(app.0))
                    .set(api_applications::webhook_cursor.eq(newest))
                    .execute(c)?;
            }
            Ok(())
        })
    }

    /// Stores a key.
    ///
    /// Errors: [`StoreError::LoginTaken`] if the key id exists (random: practically never).
    pub fn create_api_key(&self, new: &NewApiKey) -> Result<(), StoreError> {
        let mut conn = self.conn()?;
        let result = diesel::insert_into(api_keys::table)
            .values((
                api_keys::key_id.eq(&new.key_id),
                api_keys::application_id.eq(new.application.0),
                api_keys::secret_sha256.eq(&new.secret_sha256),
                api_keys::scopes.eq(new.scopes.join(" ")),
                api_keys::created_by.eq(new.created_by.map(|u| u.0)),
                api_keys::created_at.eq(now()),
            ))
            .execute(&mut *conn);
        match result {
            Ok(_) => Ok(()),
            Err(e) if is_unique_violation(&e) => Err(StoreError::LoginTaken),
            Err(e) => Err(e.into()),
        }
    }

    /// The keys of one application, or of every application of an agency, or all; newest
    /// first, revoked ones included.
    pub fn api_keys(
        &self,
        application: Option<UserId>,
        agency: Option<AgencyId>,
    ) -> Result<Vec<ApiKey>, StoreError> {
        let mut conn = self.conn()?;
        let mut query = api_keys::table
            .inner_join(api_applications::table)
            .select(KEY_COLUMNS)
            .order(api_keys::id.desc())
            .into_boxed();
        if let Some(app) = application {
            query = query.filter(api_keys::application_id.eq(app.0));
        }
        if let Some(agency) = agency {
            query = query.filter(api_applications::agency_id.eq(agency.0));
        }
        Ok(query
            .load::<KeyRow>(&mut *conn)?
            .into_iter()
            .map(key)
            .collect())
    }

    /// The key with `key_id` and its application, if `secret_matches` accepts the SHA-256 of
    /// its secret (hex) as the one presented; records the use of a key so proven and not revoked
    /// (at most once a minute per key). `None` for an unknown key or a wrong secret alike.
    pub fn api_key_for_auth(
        &self,
        key_id: &str,
        secret_matches: impl FnOnce(&str) -> bool,
    ) -> Result<Option<(ApiKey, ApiApplication)>, StoreError> {
        let mut conn = self.conn()?;
        let at = now();
        let found = api_keys::table
            .inner_join(api_applications::table)
            .filter(api_keys::key_id.eq(key_id))
            .select((KEY_COLUMNS, api_keys::secret_sha256, APP_COLUMNS))
            .first::<(KeyRow, String, AppRow)>(&mut *conn)
            .optional()?;
        let Some((k, secret, a)) = found else {
            return Ok(None);
        };
        if !secret_matches(&secret) {
            return Ok(None);
        }
        let k = key(k);
        if k.revoked_at.is_none()
            && k.last_used_at
                .is_none_or(|t| at - t >= LAST_USED_RESOLUTION)
        {
            diesel::update(api_keys::table.filter(api_keys::key_id.eq(key_id)))
                .set(api_keys::last_used_at.eq(at))
                .execute(&mut *conn)?;
        }
        Ok(Some((k, application(a))))
    }

    /// Revokes a key of one of `agency`'s applications (any agency's with `None`): it stops
    /// working at once. Revoking a revoked key changes nothing.
    ///
    /// Errors: [`StoreError::NotFound`] when no such key exists (in that agency).
    pub fn revoke_api_key(&self, key_id: &str, agency: Option<AgencyId>) -> Result<(), StoreError> {
        let mut conn = self.conn()?;
        conn.transaction(|c| {
            let owner = api_keys::table
                .inner_join(api_applications::table)
                .filter(api_keys::key_id.eq(key_id))
                .select(api_applications::agency_id)
                .first::<i64>(c)
                .optional()?;
            match owner {
                Some(a) if agency.is_none_or(|x| x.0 == a) => {}
                _ => return Err(StoreError::NotFound),
            }
            diesel::update(
                api_keys::table
                    .filter(api_keys::key_id.eq(key_id))
                    .filter(api_keys::revoked_at.is_null()),
            )
            .set(api_keys::revoked_at.eq(now()))
            .execute(c)?;
            Ok(())
        })
    }

    /// Submits a document once per Idempotency-Key: the key is claimed first (the
    /// transaction's first write), then the document is created in the same transaction. A
    /// retry with the same key and request finds the document the first request created
    /// ([`Submitted::Replayed`]); a concurrent retry waits for the first to commit.
    ///
    /// Errors: [`StoreError::IdempotencyKeyReused`] for the same key with another request; those
    /// of [`Store::submit_document`].
    pub fn submit_document_once(
        &self,
        doc: &NewDocument,
        transition: &Transition,
        idempotency: Option<&Idempotency>,
    ) -> Result<Submitted, StoreError> {
        let Some(idem) = idempotency else {
            return self
                .submit_document(doc, transition)
                .map(Submitted::Created);
        };
        let at = now();
        let mut conn = self.conn()?;
        let created = conn.transaction(|c| {
            // The claim is the first write: a concurrent request with the same key waits
            // here for this transaction, then fails on the key and reads what this one made.
            diesel::insert_into(api_idempotency::table)
                .values((
                    api_idempotency::application_id.eq(doc.applicant_id.0),
                    api_idempotency::idempotency_key.eq(&idem.key),
                    api_idempotency::request_sha256.eq(&idem.request_sha256),
                    api_idempotency::created_at.eq(at),
                ))
                .execute(c)?;
            let id = crate::documents::insert_document(c, doc, transition, at)?;
            diesel::update(api_idempotency::table.find((doc.applicant_id.0, &idem.key)))
                .set(api_idempotency::document_id.eq(id.0))
                .execute(c)?;
            Ok::<_, StoreError>(id)
        });
        drop(conn);
        match created {
            Ok(id) => {
                self.log_signal.notify();
                Ok(Submitted::Created(id))
            }
            Err(StoreError::Db(e)) if is_unique_violation(&e) => self
                .idempotent_document(doc.applicant_id, idem)?
                .map(Submitted::Replayed)
                .ok_or(StoreError::IdempotencyKeyReused),
            Err(e) => Err(e),
        }
    }

    /// The document an earlier request with this Idempotency-Key created for `application`.
    ///
    /// Errors: [`StoreError::IdempotencyKeyReused`] when the key came with another request.
    pub fn idempotent_document(
        &self,
        application: UserId,
        idem: &Idempotency,
    ) -> Result<Option<DocumentId>, StoreError> {
        let mut conn = self.conn()?;
        let found = api_idempotency::table
            .find((application.0, &idem.key))
            .select((
                api_idempotency::request_sha256,
                api_idempotency::document_id,
            ))
            .first::<(String, Option<i64>)>(&mut *conn)
            .optional()?;
        match found {
            None => Ok(None),
            Some((hash, Some(d))) if hash == idem.request_sha256 => Ok(Some(DocumentId(d))),
            Some(_) => Err(StoreError::IdempotencyKeyReused),
        }
    }

    /// An applicant's documents, newest first, filtered, at most `filter.limit` (1–101: a page
    /// of up to 100 and one more, to tell whether there are more).
    ///
    /// Errors: [`StoreError::Db`]; [`StoreError::Corrupt`] for an unreadable row.
    pub fn documents_of_applicant_page(
        &self,
        applicant: UserId,
        filter: &DocumentFilter,
    ) -> Result<Vec<Document>, StoreError> {
        let mut conn = self.conn()?;
        let mut query = documents::table
            .filter(documents::applicant_id.eq(applicant.0))
            .order(documents::id.desc())
            .limit(filter.limit.clamp(1, 101))
            .select(crate::documents::DOCUMENT_COLUMNS)
            .into_boxed();
        match filter.state.as_deref() {
            Some("in_review") => query = query.filter(documents::state.like("in_review:%")),
            Some(state) => query = query.filter(documents::state.eq(state.to_owned())),
            None => {}
        }
        if let Some(code) = &filter.service {
            let ids = services::table
                .filter(services::code.eq(code.clone()))
                .select(services::id);
            query = query.filter(documents::service_id.eq_any(ids));
        }
        if let Some(since) = filter.updated_since {
            query = query.filter(documents::updated_at.ge(since));
        }
        if let Some(before) = filter.before {
            query = query.filter(documents::id.lt(before));
        }
        query
            .load::<crate::documents::DocumentRow>(&mut *conn)?
            .into_iter()
            .map(Document::try_from)
            .collect()
    }
}
