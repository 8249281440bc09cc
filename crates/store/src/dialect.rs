//! The few things that differ per database backend, in one place: the connection type, how a
//! URL picks the backend, and per-connection settings.
//!
//! The transparency log (`crate::log`) needs nothing here yet: its sequencer serializes itself
//! by writing the `log_state` row first (SQLite's single writer; a row lock on PostgreSQL, under
//! which READ COMMITTED lets it see the last sequencer's tree), and its upserts are an update
//! then an insert. A PostgreSQL advisory lock (DESIGN.md, Scale) would be added here as a
//! `match` arm if several nodes' sequencers should not even queue.

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
    /// `sqlite://PATH[?synchronous=full]`: the file at PATH (created if missing).
    Sqlite {
        /// The file.
        path: String,
        /// `synchronous = FULL` (every commit synced to disk: durable across power loss)
        /// instead of the default `NORMAL` (durable across a crash of the process; the last
        /// commits may be lost with the power).
        full_sync: bool,
    },
}

impl Backend {
    /// Parses `sqlite://PATH` (also `sqlite:PATH`), optionally followed by
    /// `?synchronous=full` or `?synchronous=normal` (the default).
    ///
    /// Errors: [`StoreError::BadUrl`] for any other scheme (PostgreSQL support is not built yet)
    /// or query.
    pub fn from_url(url: &str) -> Result<Backend, StoreError> {
        let bad = || StoreError::BadUrl(url.to_string());
        let Some(rest) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        else {
            return Err(bad());
        };
        let (path, full_sync) = match rest.split_once('?') {
            None => (rest, false),
            Some((path, "synchronous=full")) => (path, true),
            Some((path, "synchronous=normal")) => (path, false),
            Some(_) => return Err(bad()),
        };
        if path.is_empty() {
            return Err(bad());
        }
        Ok(Backend::Sqlite {
            path: path.to_string(),
            full_sync,
        })
    }
}

/// SQLite settings applied to every pooled connection: WAL, foreign keys, a busy timeout so
/// that concurrent writers wait instead of failing, and the `synchronous` level.
#[derive(Debug, Clone, Copy)]
struct Pragmas {
    full_sync: bool,
}

impl CustomizeConnection<DbConnection, diesel::r2d2::Error> for Pragmas {
    fn on_acquire(&self, conn: &mut DbConnection) -> Result<(), diesel::r2d2::Error> {
        use diesel::connection::SimpleConnection;
        match conn {
            DbConnection::Sqlite(c) => c
                .batch_execute(if self.full_sync {
                    "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; \
                     PRAGMA busy_timeout = 10000; PRAGMA synchronous = FULL;"
                } else {
                    "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; \
                     PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL;"
                })
                .map_err(diesel::r2d2::Error::QueryError),
        }
    }
}

/// Opens a pool of up to `size` connections to `backend`.
pub fn pool(
    backend: &Backend,
    size: u32,
) -> Result<Pool<ConnectionManager<DbConnection>>, StoreError> {
    let (url, pragmas) = match backend {
        Backend::Sqlite { path, full_sync } => {
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
            let pragmas = Pragmas {
                full_sync: *full_sync,
            };
            pragmas
                .on_acquire(&mut probe)
                .map_err(|e| StoreError::Connect(format!("{path}: {e}")))?;
            (path.clone(), pragmas)
        }
    };
    Pool::builder()
        .max_size(size)
        .connection_timeout(std::time::Duration::from_secs(10))
        .connection_customizer(Box::new(pragmas))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_and_their_one_option() {
        let sqlite = |path: &str, full_sync| Backend::Sqlite {
            path: path.into(),
            full_sync,
        };
        assert_eq!(
            Backend::from_url("sqlite://a/b.db").ok(),
            Some(sqlite("a/b.db", false))
        );
        assert_eq!(
            Backend::from_url("sqlite:b.db").ok(),
            Some(sqlite("b.db", false))
        );
        assert_eq!(
            Backend::from_url("sqlite:///d/b.db?synchronous=full").ok(),
            Some(sqlite("/d/b.db", true))
        );
        assert_eq!(
            Backend::from_url("sqlite://b.db?synchronous=normal").ok(),
            Some(sqlite("b.db", false))
        );
        for bad in [
            "sqlite://",
            "sqlite://?synchronous=full",
            "sqlite://b.db?synchronous=off",
            "sqlite://b.db?mode=ro",
            "postgres://h/db",
        ] {
            assert!(Backend::from_url(bad).is_err(), "{bad}");
        }
    }
}
