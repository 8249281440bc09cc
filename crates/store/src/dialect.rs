//! The few things that differ per database backend, in one place (STYLE.md: a plain `match`):
//! the connection type, how a URL picks the backend, per-connection settings, the embedded
//! migrations, and the locks that several `sahih serve` nodes on one PostgreSQL need.
//!
//! - **The journal lock.** Every transaction that appends to `events` or `log_leaves` takes it
//!   (on PostgreSQL a transaction-scoped advisory lock, `lock_journal`; on SQLite the single
//!   writer lock it already holds), so those rows commit in the order of their ids. Readers that
//!   keep a cursor over ids (the webhook fan-out) and the sequencer (pending leaves in id order)
//!   then never skip a row that commits late.
//! - **The sequencer's leadership.** One node at a time runs the log's background sequencer: the
//!   one whose dedicated connection holds the session advisory lock [`SEQUENCER_LOCK`]
//!   ([`Leadership`]). When that node dies its connection closes, PostgreSQL releases the lock,
//!   and the next node's sequencer takes it on its next tick. Every sequencing transaction also
//!   starts by writing the `log_state` row, so even a flush requested by a non-leader (a receipt,
//!   `sahih demo`) queues behind the leader instead of interleaving with it.
//! - **Migrations** run under the session advisory lock [`MIGRATION_LOCK`], so nodes started
//!   together apply them once.
//! - **Numbering.** The counter of (agency, classification, year) is bumped by an upsert on
//!   PostgreSQL (`INSERT … ON CONFLICT DO UPDATE … RETURNING`, atomic under concurrent signers
//!   of other nodes); on SQLite by an update, else an insert, under the single writer lock.
//! - **Key-unlock failures.** An officer's count of wrong passphrases is one row that every node
//!   updates: `ensure_unlock_failures_row` makes sure it exists (an insert that does nothing
//!   when it is there, which waits for another node's uncommitted insert of it on PostgreSQL
//!   instead of failing), so that the count that follows can lock that row.

use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::r2d2::{CustomizeConnection, ManageConnection, Pool};
use diesel::sqlite::SqliteConnection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::StoreError;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");

/// Advisory lock key of the journal (`events`, `log_leaves`): `"sahih-jr"` as a big-endian i64.
pub const JOURNAL_LOCK: i64 = 0x7361_6869_682d_6a72;
/// Advisory lock key of the log sequencer's leadership: `"sahih-sq"`.
pub const SEQUENCER_LOCK: i64 = 0x7361_6869_682d_7371;
/// Advisory lock key held while migrations run: `"sahih-mg"`.
pub const MIGRATION_LOCK: i64 = 0x7361_6869_682d_6d67;

/// A connection to any supported backend.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    /// SQLite (bundled), the embedded default.
    Sqlite(SqliteConnection),
    /// PostgreSQL (libpq), for several stateless nodes on one database.
    Postgres(PgConnection),
}

/// The backend a database URL names.
#[derive(Clone, PartialEq, Eq)]
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
    /// `postgres://…` or `postgresql://…`: a libpq connection URI, passed as it is.
    Postgres {
        /// The URI.
        url: String,
    },
}

impl std::fmt::Debug for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Backend::Sqlite { path, full_sync } => f
                .debug_struct("Sqlite")
                .field("path", path)
                .field("full_sync", full_sync)
                .finish(),
            // The URI may carry a password.
            Backend::Postgres { .. } => f.debug_struct("Postgres").finish_non_exhaustive(),
        }
    }
}

impl Backend {
    /// Parses `sqlite://PATH` (also `sqlite:PATH`), optionally followed by
    /// `?synchronous=full` or `?synchronous=normal` (the default); or a PostgreSQL connection
    /// URI, `postgres://[user[:password]@][host][:port][/dbname][?param=value…]` (also
    /// `postgresql://`), given to libpq as it is.
    ///
    /// Errors: [`StoreError::BadUrl`] for any other scheme, an empty path, or another SQLite
    /// query.
    pub fn from_url(url: &str) -> Result<Backend, StoreError> {
        let bad = || StoreError::BadUrl(redacted(url));
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Backend::Postgres {
                url: url.to_string(),
            });
        }
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

    /// `"sqlite"` or `"postgres"`.
    pub fn name(&self) -> &'static str {
        match self {
            Backend::Sqlite { .. } => "sqlite",
            Backend::Postgres { .. } => "postgres",
        }
    }

    fn establish(&self) -> Result<DbConnection, ConnectionError> {
        match self {
            Backend::Sqlite { path, .. } => {
                SqliteConnection::establish(path).map(DbConnection::Sqlite)
            }
            Backend::Postgres { url } => PgConnection::establish(url).map(DbConnection::Postgres),
        }
    }
}

/// One connection to the database `url` names, outside any pool (tests and tools that need
/// raw SQL).
///
/// Errors: [`StoreError::BadUrl`], [`StoreError::Connect`].
pub fn connect(url: &str) -> Result<DbConnection, StoreError> {
    Backend::from_url(url)?
        .establish()
        .map_err(|e| StoreError::Connect(format!("{}: {e}", redacted(url))))
}

/// `url` with the password of a `user:password@` part replaced by `***`, for messages.
pub fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (authority, tail) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}{tail}"),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

/// Opens connections to one [`Backend`] for the pool: the backend is known from the URL's
/// scheme, never guessed by trying each (a PostgreSQL URL must not become a SQLite file name).
#[derive(Debug, Clone)]
pub struct Manager {
    backend: Backend,
}

impl ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<DbConnection, Self::Error> {
        self.backend
            .establish()
            .map_err(diesel::r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), Self::Error> {
        use diesel::connection::SimpleConnection;
        conn.batch_execute("SELECT 1")
            .map_err(diesel::r2d2::Error::QueryError)
    }

    /// A connection whose transaction manager is broken (a transaction that could not be
    /// rolled back) is dropped instead of going back to the pool.
    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        diesel::r2d2::R2D2Connection::is_broken(conn)
    }
}

/// The pool type of a [`crate::Store`].
pub type DbPool = Pool<Manager>;

/// SQLite settings applied to every pooled connection: WAL, foreign keys, a busy timeout so
/// that concurrent writers wait instead of failing, and the `synchronous` level. PostgreSQL
/// needs none (its defaults: READ COMMITTED, foreign keys always on).
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
            DbConnection::Postgres(_) => Ok(()),
        }
    }
}

/// Opens a pool of up to `size` connections to `backend`, failing early with a clear message
/// when the database cannot be reached.
///
/// Errors: [`StoreError::Connect`], [`StoreError::Io`] (the SQLite file's directory).
pub fn pool(backend: &Backend, size: u32) -> Result<DbPool, StoreError> {
    let pragmas = match backend {
        Backend::Sqlite { path, full_sync } => {
            if let Some(dir) = std::path::Path::new(path).parent()
                && !dir.as_os_str().is_empty()
            {
                std::fs::create_dir_all(dir)
                    .map_err(|e| StoreError::Io(format!("{}: {e}", dir.display())))?;
            }
            Pragmas {
                full_sync: *full_sync,
            }
        }
        Backend::Postgres { .. } => Pragmas { full_sync: false },
    };
    let name = match backend {
        Backend::Sqlite { path, .. } => path.clone(),
        Backend::Postgres { url } => redacted(url),
    };
    // Fail early, with a clear message, if the database cannot be opened.
    let mut probe = backend
        .establish()
        .map_err(|e| StoreError::Connect(format!("{name}: {}", e.to_string().trim_end())))?;
    pragmas
        .on_acquire(&mut probe)
        .map_err(|e| StoreError::Connect(format!("{name}: {e}")))?;
    drop(probe);
    // PostgreSQL connections are a shared budget (max_connections) across nodes: open them as
    // needed (an idle one is kept until the pool's idle timeout). No minimum of idle ones: the
    // pool would open a replacement in its own thread as soon as the one idle connection is
    // taken, and a short command (`sahih services export`) then exits while that thread is in
    // libpq's TLS handshake; OpenSSL's exit handler frees what the handshake uses, and the
    // process dies of SIGSEGV after its work is done.
    let min_idle = match backend {
        Backend::Sqlite { .. } => None,
        Backend::Postgres { .. } => Some(0),
    };
    Pool::builder()
        .max_size(size)
        .min_idle(min_idle)
        .connection_timeout(std::time::Duration::from_secs(10))
        .connection_customizer(Box::new(pragmas))
        .build(Manager {
            backend: backend.clone(),
        })
        .map_err(|e| StoreError::Connect(e.to_string()))
}

/// Applies the embedded migrations of the connection's backend that have not run yet; returns
/// how many ran. On PostgreSQL under [`MIGRATION_LOCK`], so that nodes started at once apply
/// each migration once.
///
/// Errors: [`StoreError::Migration`].
pub(crate) fn run_migrations(conn: &mut DbConnection) -> Result<usize, StoreError> {
    let failed = |e: &dyn std::fmt::Display| StoreError::Migration(e.to_string());
    match conn {
        DbConnection::Sqlite(c) => c
            .run_pending_migrations(SQLITE_MIGRATIONS)
            .map(|v| v.len())
            .map_err(|e| failed(&e)),
        DbConnection::Postgres(c) => {
            diesel::sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))
                .execute(c)
                .map_err(|e| failed(&e))?;
            let ran = c
                .run_pending_migrations(POSTGRES_MIGRATIONS)
                .map(|v| v.len())
                .map_err(|e| failed(&e));
            let unlocked =
                diesel::sql_query(format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"))
                    .execute(c)
                    .map_err(|e| failed(&e));
            let ran = ran?;
            unlocked?;
            Ok(ran)
        }
    }
}

/// The names of the embedded migrations of a backend (`"sqlite"` or `"postgres"`), in order:
/// the two trees must list the same.
pub fn migration_names(backend: &str) -> Vec<String> {
    let migrations = match backend {
        "postgres" => POSTGRES_MIGRATIONS,
        _ => SQLITE_MIGRATIONS,
    };
    let names: Result<Vec<String>, _> =
        diesel::migration::MigrationSource::<diesel::sqlite::Sqlite>::migrations(&migrations)
            .map(|ms| ms.iter().map(|m| m.name().to_string()).collect());
    names.unwrap_or_default()
}

/// The versions of the embedded migrations of a backend (`"sqlite"` or `"postgres"`), in order,
/// as diesel records them in `__diesel_schema_migrations` (`2026-11-29-000013_blobs` is
/// `20261129000013`), each with its name.
pub fn migration_versions(backend: &str) -> Vec<(String, String)> {
    let migrations = match backend {
        "postgres" => POSTGRES_MIGRATIONS,
        _ => SQLITE_MIGRATIONS,
    };
    let versions: Result<Vec<(String, String)>, _> = diesel::migration::MigrationSource::<
        diesel::sqlite::Sqlite,
    >::migrations(&migrations)
    .map(|ms| {
        ms.iter()
            .map(|m| (m.name().version().to_string(), m.name().to_string()))
            .collect()
    });
    versions.unwrap_or_default()
}

/// Takes the journal lock for the rest of the caller's transaction (see the module's text):
/// `pg_advisory_xact_lock(JOURNAL_LOCK)` on PostgreSQL; nothing on SQLite, whose writer lock the
/// transaction already holds. Call it before the first insert into `events` or `log_leaves`.
///
/// Errors: [`StoreError::Db`].
pub(crate) fn lock_journal(c: &mut DbConnection) -> Result<(), StoreError> {
    match c {
        DbConnection::Sqlite(_) => Ok(()),
        DbConnection::Postgres(pg) => {
            diesel::sql_query(format!("SELECT pg_advisory_xact_lock({JOURNAL_LOCK})"))
                .execute(pg)?;
            Ok(())
        }
    }
}

/// Bumps the counter of (agency, classification, year) inside the caller's transaction and
/// returns its new value (1 for the first number). A row lock (PostgreSQL) or the writer lock
/// (SQLite) is held on the counter until the transaction ends, so concurrent signers get
/// consecutive values, and a rollback gives the value back.
///
/// Errors: [`StoreError::Db`].
pub(crate) fn bump_counter(
    c: &mut DbConnection,
    agency: i64,
    classification: &str,
    year: i32,
) -> Result<i64, StoreError> {
    use crate::schema::number_counters as nc;
    let row = (
        nc::agency_id.eq(agency),
        nc::classification.eq(classification),
        nc::year.eq(year),
        nc::last_seq.eq(1i64),
    );
    match c {
        DbConnection::Postgres(pg) => Ok(diesel::insert_into(nc::table)
            .values(row)
            .on_conflict((nc::agency_id, nc::classification, nc::year))
            .do_update()
            .set(nc::last_seq.eq(nc::last_seq + 1))
            .returning(nc::last_seq)
            .get_result::<i64>(pg)?),
        DbConnection::Sqlite(lite) => {
            let counter = nc::table
                .filter(nc::agency_id.eq(agency))
                .filter(nc::classification.eq(classification))
                .filter(nc::year.eq(year));
            let bumped = diesel::update(counter)
                .set(nc::last_seq.eq(nc::last_seq + 1))
                .returning(nc::last_seq)
                .get_result::<i64>(lite)
                .optional()?;
            match bumped {
                Some(seq) => Ok(seq),
                None => {
                    diesel::insert_into(nc::table).values(row).execute(lite)?;
                    Ok(1)
                }
            }
        }
    }
}

/// Makes sure `user` has a row in `unlock_failures` (a count of 0 from `now`, not locked),
/// inside the caller's transaction, leaving an existing row as it is: `INSERT … ON CONFLICT
/// (user_id) DO NOTHING` on both backends. On SQLite the insert takes the writer lock, held until
/// the transaction ends; on PostgreSQL an insert racing another node's waits for it to commit and
/// then does nothing (no unique violation), but takes no lock on an existing row: the caller
/// writes the row next to lock it.
///
/// Errors: [`StoreError::Db`] (a `user` that does not exist breaks the foreign key).
pub(crate) fn ensure_unlock_failures_row(
    c: &mut DbConnection,
    user: i64,
    now: i64,
) -> Result<(), StoreError> {
    use crate::schema::unlock_failures as uf;
    let row = (
        uf::user_id.eq(user),
        uf::failures.eq(0i64),
        uf::window_start.eq(now),
        uf::locked_until.eq(None::<i64>),
    );
    match c {
        DbConnection::Postgres(pg) => {
            diesel::insert_into(uf::table)
                .values(row)
                .on_conflict(uf::user_id)
                .do_nothing()
                .execute(pg)?;
        }
        DbConnection::Sqlite(lite) => {
            diesel::insert_into(uf::table)
                .values(row)
                .on_conflict(uf::user_id)
                .do_nothing()
                .execute(lite)?;
        }
    }
    Ok(())
}

/// Inserts blob `key` (its `bytes`, `size`, stored `at`) in the caller's transaction, unless a
/// row with that key exists (the same bytes): `INSERT … ON CONFLICT DO NOTHING`, which on
/// PostgreSQL waits for a concurrent insert of the same key instead of failing the transaction.
///
/// Errors: [`StoreError::Db`].
pub(crate) fn insert_blob(
    c: &mut DbConnection,
    key: &str,
    bytes: &[u8],
    size: i64,
    at: i64,
) -> Result<(), StoreError> {
    use crate::schema::blobs;
    let row = (
        blobs::sha256.eq(key),
        blobs::data.eq(bytes),
        blobs::size.eq(size),
        blobs::created_at.eq(at),
    );
    match c {
        DbConnection::Postgres(pg) => diesel::insert_into(blobs::table)
            .values(row)
            .on_conflict_do_nothing()
            .execute(pg)?,
        DbConnection::Sqlite(lite) => diesel::insert_into(blobs::table)
            .values(row)
            .on_conflict_do_nothing()
            .execute(lite)?,
    };
    Ok(())
}

#[derive(QueryableByName)]
struct Locked {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    locked: bool,
}

/// The log sequencer's claim to be the one writer (see the module's text). On SQLite it always
/// leads (one node). On PostgreSQL it keeps one dedicated connection that tries
/// `pg_try_advisory_lock(SEQUENCER_LOCK)` until it gets it and then holds it; a broken
/// connection loses the lead and is reopened at the next [`Leadership::check`].
pub struct Leadership {
    backend: Backend,
    conn: Option<PgConnection>,
    leading: bool,
}

impl std::fmt::Debug for Leadership {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Leadership")
            .field("backend", &self.backend)
            .field("leading", &self.leading)
            .finish_non_exhaustive()
    }
}

impl Leadership {
    /// A claim not yet checked.
    pub fn new(backend: &Backend) -> Leadership {
        Leadership {
            backend: backend.clone(),
            conn: None,
            leading: false,
        }
    }

    /// Whether this process leads now: on PostgreSQL, confirms the held lock's connection is
    /// alive, or tries to take the lock. Never fails: a database that cannot be reached means
    /// not leading (for now).
    pub fn check(&mut self) -> bool {
        let Backend::Postgres { url } = &self.backend else {
            return true;
        };
        if self.conn.is_none() {
            self.leading = false;
            match PgConnection::establish(url) {
                Ok(conn) => self.conn = Some(conn),
                Err(e) => {
                    tracing::warn!(error = %e, "log sequencer: cannot reach the database");
                    return false;
                }
            }
        }
        let Some(conn) = self.conn.as_mut() else {
            return false;
        };
        let result = if self.leading {
            diesel::sql_query("SELECT true AS locked").get_result::<Locked>(conn)
        } else {
            diesel::sql_query(format!(
                "SELECT pg_try_advisory_lock({SEQUENCER_LOCK}) AS locked"
            ))
            .get_result::<Locked>(conn)
        };
        match result {
            Ok(Locked { locked }) => {
                if locked && !self.leading {
                    tracing::info!("log sequencer: this node now leads");
                }
                self.leading = locked;
            }
            Err(e) => {
                tracing::warn!(error = %e, "log sequencer: lost the database connection");
                self.conn = None;
                self.leading = false;
            }
        }
        self.leading
    }

    /// Whether the last [`Leadership::check`] found this process leading.
    pub fn leading(&self) -> bool {
        self.leading
    }
}

/// Sorts `items` by the text `key` gives, byte by byte: what SQLite's `ORDER BY` does (its
/// `BINARY` collation), and PostgreSQL's only under the `C` collation — it follows the
/// database's collation, natural language order under `en_US.UTF-8` (`apel` before `Zebra`).
/// Lists by name or code are sorted with this after loading, so that both backends list them
/// alike. Stable: items with the same text keep the order they were loaded in.
pub(crate) fn sort_by_text<T>(items: &mut [T], key: impl Fn(&T) -> &str) {
    items.sort_by(|a, b| key(a).as_bytes().cmp(key(b).as_bytes()));
}

/// Whether `e` is a unique-constraint violation.
pub fn is_unique_violation(e: &diesel::result::Error) -> bool {
    matches!(
        e,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}

// URL parsing and migration names: no database is opened, so these run alike whatever
// `TEST_DATABASE_URL` says.
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
            "mysql://h/db",
            "/var/lib/sahih.db",
        ] {
            assert!(Backend::from_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn postgres_urls_are_given_to_libpq_as_they_are() {
        for url in [
            "postgres://127.0.0.1:5432/test",
            "postgresql://sahih:secret@db.internal/sahih?sslmode=require",
        ] {
            assert_eq!(
                Backend::from_url(url).ok(),
                Some(Backend::Postgres { url: url.into() })
            );
        }
    }

    #[test]
    fn passwords_are_not_repeated_in_messages() {
        assert_eq!(
            redacted("postgresql://sahih:secret@db/sahih"),
            "postgresql://sahih:***@db/sahih"
        );
        assert_eq!(redacted("postgres://db/sahih"), "postgres://db/sahih");
        assert!(
            !format!(
                "{:?}",
                Backend::from_url("postgres://u:secret@h/d").expect("url")
            )
            .contains("secret")
        );
        let err = Backend::from_url("mysql://u:secret@h/d").expect_err("mysql");
        assert!(!err.to_string().contains("secret"), "{err}");
    }

    #[test]
    fn both_trees_list_the_same_migrations() {
        let sqlite = migration_names("sqlite");
        assert!(sqlite.len() >= 13, "{sqlite:?}");
        assert_eq!(sqlite, migration_names("postgres"));
    }
}
