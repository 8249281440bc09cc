//! The few things that differ per database backend, in one place: the connection type, how a
//! URL picks the backend, and per-connection settings.

use diesel::Connection;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool};
use diesel::sqlite::SqliteConnection;

use crate::StoreError;

/// A connection to any supported backend (SQLite now; PostgreSQL joins as a second variant).
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    /// SQLite (bundled), the embedded default.
    Sqlite(SqliteConnection),
}

/// The backend a database URL names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    /// `sqlite://PATH`: the file at PATH (created if missing).
    Sqlite(String),
}

impl Backend {
    /// Parses `sqlite://PATH` (also `sqlite:PATH`).
    ///
    /// Errors: [`StoreError::BadUrl`] for any other scheme (PostgreSQL support is not built yet).
    pub fn from_url(url: &str) -> Result<Backend, StoreError> {
        if let Some(path) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            if path.is_empty() {
                return Err(StoreError::BadUrl(url.to_string()));
            }
            return Ok(Backend::Sqlite(path.to_string()));
        }
        Err(StoreError::BadUrl(url.to_string()))
    }
}

/// SQLite settings applied to every pooled connection: WAL, foreign keys, a busy timeout so
/// that concurrent writers wait instead of failing.
#[derive(Debug, Clone, Copy)]
struct Pragmas;

impl CustomizeConnection<DbConnection, diesel::r2d2::Error> for Pragmas {
    fn on_acquire(&self, conn: &mut DbConnection) -> Result<(), diesel::r2d2::Error> {
        use diesel::connection::SimpleConnection;
        match conn {
            DbConnection::Sqlite(c) => c
                .batch_execute(
                    "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; \
                     PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL;",
                )
                .map_err(diesel::r2d2::Error::QueryError),
        }
    }
}

/// Opens a pool of up to `size` connections to `backend`.
pub fn pool(
    backend: &Backend,
    size: u32,
) -> Result<Pool<ConnectionManager<DbConnection>>, StoreError> {
    let url = match backend {
        Backend::Sqlite(path) => {
            if let Some(dir) = std::path::Path::new(path).parent()
                && !dir.as_os_str().is_empty()
            {
                std::fs::create_dir_all(dir)
                    .map_err(|e| StoreError::Io(format!("{}: {e}", dir.display())))?;
            }
            // Fail early, with a clear message, if the file cannot be opened or is no database.
            let mut probe = DbConnection::Sqlite(
                SqliteConnection::establish(path)
                    .map_err(|e| StoreError::Connect(format!("{path}: {e}")))?,
            );
            Pragmas
                .on_acquire(&mut probe)
                .map_err(|e| StoreError::Connect(format!("{path}: {e}")))?;
            path.clone()
        }
    };
    Pool::builder()
        .max_size(size)
        .connection_timeout(std::time::Duration::from_secs(10))
        .connection_customizer(Box::new(Pragmas))
        .build(ConnectionManager::<DbConnection>::new(url))
        .map_err(|e| StoreError::Connect(e.to_string()))
}

/// Whether `e` is a unique-constraint violation.
pub fn is_unique_violation(e: &diesel::result::Error) -> bool {
    matches!(
        e,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}
