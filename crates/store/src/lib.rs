//! `sahih-store`: persistence for Sahih. A diesel schema with embedded migrations over SQLite
//! or PostgreSQL ([`dialect::DbConnection`], chosen by the URL's scheme), a content-addressed
//! blob store (files with SQLite, rows with PostgreSQL), and the transparency log's leaves,
//! tiles and checkpoints ([`log`]).
//! Every public method of [`Store`] runs exactly one transaction and blocks: call it from
//! `spawn_blocking` in async code.
//!
//! ```
//! # fn main() -> Result<(), sahih_store::StoreError> {
//! let dir = tempfile::tempdir().expect("tempdir");
//! let url = format!("sqlite://{}", dir.path().join("sahih.db").display());
//! let store = sahih_store::Store::open(&url, &dir.path().join("blobs"))?;
//! let agency = store.ensure_agency("DPMPTSP", "Dinas Penanaman Modal dan PTSP")?;
//! assert_eq!(store.agency(agency)?.map(|a| a.code), Some("DPMPTSP".to_string()));
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]

mod accounts;
mod api;
mod archive;
pub mod backup;
mod blobs;
mod certificates;
mod deadlines;
mod definitions;
mod delegations;
pub mod dialect;
mod dispositions;
mod documents;
pub mod log;
mod models;
mod notifications;
mod numbering;
mod outbox;
mod routing;
mod schema;
mod second_factor;
mod stats;
pub mod testing;
mod unlock_failures;
mod wakeup;
mod webhooks;

use std::path::Path;

use diesel::r2d2::PooledConnection;

pub use api::{
    ApiApplication, ApiKey, DocumentFilter, Idempotency, NewApiApplication, NewApiKey, Submitted,
};
pub use archive::ArchiveState;
pub use blobs::{BlobStore, TxBlobs, sha256_hex};
pub use certificates::{CREDENTIALS_CHANGED, IssuedCertificate, NewCertificate};
pub use deadlines::Escalation;
pub use definitions::ServiceChange;
pub use delegations::{DelegationId, StoredDelegation};
pub use dialect::{Backend, DbConnection, DbPool};
pub use dispositions::{DispositionId, StoredDisposition};
pub use models::*;
pub use notifications::{
    MAIL_CLAIM_LEASE_SECONDS, MAIL_MAX_ATTEMPTS, MAIL_RETRY_BASE_SECONDS, MailRetry, NewMail,
    NewNotice, OutboxMail, StoredNotice,
};
pub use numbering::{AllocatedNumber, NumberRequest};
pub use routing::Officer;
pub use second_factor::SecondFactor;
pub use stats::{AgencyStats, ServiceTurnaround, StateCount, StepTurnaround};
pub use unlock_failures::{UnlockFailure, UnlockLimits};
pub use wakeup::Wakeup;
pub use webhooks::{
    DeliveryRetry, DueWebhook, WEBHOOK_CLAIM_LEASE_SECONDS, WEBHOOK_MAX_ATTEMPTS,
    WEBHOOK_RETRY_BASE_SECONDS, WebhookDelivery, WebhookEvent,
};

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database URL names no supported backend.
    #[error("unsupported database URL {0:?}: use sqlite://PATH or postgres://HOST/DATABASE")]
    BadUrl(String),
    /// The database could not be opened.
    #[error("cannot open the database: {0}")]
    Connect(String),
    /// A migration failed.
    #[error("migration failed: {0}")]
    Migration(String),
    /// File system failure (blob store, database directory).
    #[error("I/O error: {0}")]
    Io(String),
    /// A query failed.
    #[error("database error: {0}")]
    Db(#[from] diesel::result::Error),
    /// The login is already taken.
    #[error("this login is already taken")]
    LoginTaken,
    /// The document changed since it was loaded (another officer acted first).
    #[error("the document changed meanwhile: it is now {actual}")]
    Conflict {
        /// The state found in the database.
        actual: String,
    },
    /// The nomor surat this service's format renders is already another document's in the
    /// agency (two services' formats render the same text): nothing was signed or used up.
    #[error(
        "the number {number} is already taken in this agency: another service's format renders \
         the same text; change this service's numbering format"
    )]
    NumberTaken {
        /// The number that collided.
        number: String,
    },
    /// An officer's superior would be themselves, one of their subordinates, or someone
    /// outside their agency.
    #[error("the superior must be another officer of the agency, not one of their subordinates")]
    HierarchyCycle,
    /// No such record or blob.
    #[error("not found")]
    NotFound,
    /// An Idempotency-Key already used with another request by the same application.
    #[error("this Idempotency-Key was already used with another request")]
    IdempotencyKeyReused,
    /// A service definition breaks a rule (the text lists the problems with their paths), or
    /// names an agency that does not exist without the name to create it.
    #[error("invalid service definition: {0}")]
    InvalidService(String),
    /// An update would change the number, order, names or actions of a service's steps (or its
    /// agency) while documents are on their way through them.
    #[error(
        "service {code} has {open} open document(s) that wait at its steps: their number, \
         order, names and actions cannot change until those documents are signed, rejected or \
         withdrawn (assignees, modes, conditions, deadlines and cc can)"
    )]
    ServiceInUse {
        /// The service's code.
        code: String,
        /// How many of its documents are open.
        open: i64,
    },
    /// Stored data failed a consistency check.
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// The transparency log's tree could not be computed or signed.
    #[error("transparency log: {0}")]
    Log(#[from] sahih_tlog::Error),
    /// The log's checkpoints so far were signed by another key than the one given: the key
    /// file was replaced or the database belongs to another deployment.
    #[error(
        "the log in this database was signed with key {stored}, not with {given}: use the key \
         file that signed this database's log, or, to start a new log, move the key file away \
         and start with a fresh database (every monitor must then pin the new key)"
    )]
    LogKeyMismatch {
        /// The verifier key that signed the stored checkpoint.
        stored: String,
        /// The verifier key given now.
        given: String,
    },
}

impl StoreError {
    /// Stable error code for users and scripts.
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::BadUrl(_) => "E_DATABASE_URL",
            StoreError::Connect(_) => "E_DATABASE_CONNECT",
            StoreError::Migration(_) => "E_MIGRATION",
            StoreError::Io(_) => "E_STORAGE_IO",
            StoreError::Db(_) => "E_DATABASE",
            StoreError::LoginTaken => "E_LOGIN_TAKEN",
            StoreError::Conflict { .. } => "E_CONFLICT",
            StoreError::NumberTaken { .. } => "E_NUMBER_TAKEN",
            StoreError::HierarchyCycle => "E_BAD_SUPERVISOR",
            StoreError::NotFound => "E_NOT_FOUND",
            StoreError::IdempotencyKeyReused => "E_IDEMPOTENCY_KEY_REUSED",
            StoreError::InvalidService(_) => "E_SERVICE_DEFINITION",
            StoreError::ServiceInUse { .. } => "E_SERVICE_IN_USE",
            StoreError::Corrupt(_) => "E_STORAGE_CORRUPT",
            StoreError::Log(_) => "E_LOG",
            StoreError::LogKeyMismatch { .. } => "E_LOG_KEY_MISMATCH",
        }
    }
}

impl From<diesel::r2d2::PoolError> for StoreError {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        StoreError::Connect(e.to_string())
    }
}

/// The database and the blob store.
#[derive(Clone)]
pub struct Store {
    pool: DbPool,
    backend: Backend,
    blobs: BlobStore,
    log_signal: std::sync::Arc<log::LogSignal>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend)
            .field("blobs", &self.blobs)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Opens the database at `url` (`sqlite://PATH` or `postgres://…`, see
    /// [`Backend::from_url`]), applies pending migrations, and opens the blob store: the
    /// directory `blob_dir` with SQLite, the database itself with PostgreSQL (`blob_dir` is then
    /// not used).
    ///
    /// Errors: [`StoreError::BadUrl`], [`StoreError::Connect`], [`StoreError::Migration`],
    /// [`StoreError::Io`].
    pub fn open(url: &str, blob_dir: &Path) -> Result<Store, StoreError> {
        let store = Store::connect(url, blob_dir)?;
        store.migrate()?;
        Ok(store)
    }

    /// Opens the database and the blob store without applying migrations (see [`Store::migrate`]).
    ///
    /// Errors: [`StoreError::BadUrl`], [`StoreError::Connect`], [`StoreError::Io`].
    pub fn connect(url: &str, blob_dir: &Path) -> Result<Store, StoreError> {
        let backend = Backend::from_url(url)?;
        let pool = dialect::pool(&backend, 8)?;
        let blobs = match backend {
            Backend::Sqlite { .. } => BlobStore::open(blob_dir)?,
            Backend::Postgres { .. } => BlobStore::database(pool.clone()),
        };
        Ok(Store {
            pool,
            backend,
            blobs,
            log_signal: std::sync::Arc::default(),
        })
    }

    /// Applies the embedded migrations that have not run yet, and makes the transparency log's
    /// pseudonym salt if there is none yet; returns how many migrations ran.
    ///
    /// Errors: [`StoreError::Migration`], [`StoreError::Db`].
    pub fn migrate(&self) -> Result<usize, StoreError> {
        let mut conn = self.conn()?;
        let ran = dialect::run_migrations(&mut conn)?;
        diesel::Connection::transaction(&mut *conn, |c| log::salt(c).map(|_| ()))?;
        Ok(ran)
    }

    /// The blob store.
    pub fn blobs(&self) -> &BlobStore {
        &self.blobs
    }

    /// The backend this store's URL named.
    pub fn backend(&self) -> &Backend {
        &self.backend
    }

    fn conn(&self) -> Result<PooledConnection<dialect::Manager>, StoreError> {
        Ok(self.pool.get()?)
    }
}

/// The current time, Unix seconds.
pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}
