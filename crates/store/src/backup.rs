//! What `sahih backup` and `sahih restore` need of the database: a consistent snapshot of it
//! while the service runs, the facts that snapshot holds (the log's tree size, checkpoint and
//! key, the migration level), and whether a restore target is empty.
//!
//! - **SQLite:** `VACUUM INTO` copies the database as one read transaction sees it (WAL readers
//!   do not block writers); the facts are read back from the copy, so they are the copy's.
//! - **PostgreSQL:** a `REPEATABLE READ` transaction exports its snapshot
//!   (`pg_export_snapshot()`), reads the facts, and stays open while `pg_dump --snapshot` dumps
//!   that same snapshot: the dump and the facts agree, whatever the nodes commit meanwhile.

use std::path::Path;

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text};
use diesel::sqlite::SqliteConnection;

use crate::dialect::redacted;
use crate::schema::log_state;
use crate::{DbConnection, StoreError};

/// What a database (or a snapshot of it) holds that a backup's manifest records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// The size of the log's tree as of its latest checkpoint.
    pub tree_size: u64,
    /// The latest signed checkpoint (c2sp.org/tlog-checkpoint), none before the first.
    pub checkpoint: Option<String>,
    /// The verifier key that signed the log's checkpoints, none before the first.
    pub verifier_key: Option<String>,
    /// The version of the last migration applied (diesel's, e.g. `20261129000013`).
    pub migration: Option<String>,
}

#[derive(QueryableByName)]
struct Version {
    #[diesel(sql_type = Nullable<Text>)]
    version: Option<String>,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

/// The facts of the database `c` is connected to, as its current transaction (if any) sees it.
fn facts(c: &mut DbConnection) -> Result<Snapshot, StoreError> {
    let migration =
        diesel::sql_query("SELECT MAX(version) AS version FROM __diesel_schema_migrations")
            .get_result::<Version>(c)?
            .version;
    let state = log_state::table
        .find(crate::log::STATE_ROW)
        .select((
            log_state::tree_size,
            log_state::checkpoint,
            log_state::verifier_key,
        ))
        .get_result::<(i64, Option<String>, Option<String>)>(c)
        .optional()?;
    let (size, checkpoint, verifier_key) = state.unwrap_or((0, None, None));
    Ok(Snapshot {
        tree_size: u64::try_from(size)
            .map_err(|_| StoreError::Corrupt(format!("negative log size {size}")))?,
        checkpoint,
        verifier_key,
        migration,
    })
}

/// Copies the SQLite database at `path` (which must exist) to the new file `dest` with
/// `VACUUM INTO`, checks the copy (`PRAGMA quick_check`), and returns the copy's facts.
///
/// Errors: [`StoreError::Connect`] when `path` is missing or cannot be opened,
/// [`StoreError::Db`], [`StoreError::Corrupt`] when the copy fails its check.
pub fn sqlite_snapshot(path: &Path, dest: &Path) -> Result<Snapshot, StoreError> {
    if !path.is_file() {
        return Err(StoreError::Connect(format!(
            "no database at {}",
            path.display()
        )));
    }
    let open = |p: &Path| {
        SqliteConnection::establish(&p.to_string_lossy())
            .map(DbConnection::Sqlite)
            .map_err(|e| StoreError::Connect(format!("{}: {e}", p.display())))
    };
    let mut source = open(path)?;
    source.batch_execute("PRAGMA busy_timeout = 10000;")?;
    diesel::sql_query("VACUUM INTO ?")
        .bind::<Text, _>(dest.to_string_lossy().into_owned())
        .execute(&mut source)?;
    drop(source);
    let mut copy = open(dest)?;
    let check = diesel::sql_query("PRAGMA quick_check")
        .load::<QuickCheck>(&mut copy)?
        .into_iter()
        .map(|r| r.quick_check)
        .collect::<Vec<_>>();
    if check != ["ok"] {
        return Err(StoreError::Corrupt(format!(
            "the copy of {} fails its check: {}",
            path.display(),
            check.join("; ")
        )));
    }
    facts(&mut copy)
}

#[derive(QueryableByName)]
struct QuickCheck {
    #[diesel(sql_type = Text)]
    quick_check: String,
}

/// Opens a `REPEATABLE READ, READ ONLY` transaction on the PostgreSQL database `url`, exports
/// its snapshot, reads its facts, and calls `dump(snapshot_id, &facts)` while the transaction
/// is open (PostgreSQL §9.27.5, `pg_export_snapshot`); then ends it.
///
/// Errors: [`StoreError::Connect`], [`StoreError::Db`]; `dump`'s own.
pub fn postgres_snapshot<T, E: From<StoreError>>(
    url: &str,
    dump: impl FnOnce(&str, &Snapshot) -> Result<T, E>,
) -> Result<(Snapshot, T), E> {
    let mut c = postgres(url)?;
    c.batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .map_err(StoreError::from)?;
    let exported = diesel::sql_query("SELECT pg_export_snapshot() AS name")
        .get_result::<Name>(&mut c)
        .map_err(StoreError::from)
        .and_then(|snapshot| Ok((snapshot.name, facts(&mut c)?)));
    let result = exported
        .map_err(E::from)
        .and_then(|(id, facts)| dump(&id, &facts).map(|out| (facts, out)));
    // Read only: ending it either way changes nothing.
    let _ = c.batch_execute("ROLLBACK");
    result
}

/// The PostgreSQL server's version number (`server_version_num`, e.g. 150020 for 15.20).
///
/// Errors: [`StoreError::Connect`], [`StoreError::Db`], [`StoreError::Corrupt`] for an
/// unreadable answer.
pub fn postgres_server_version(url: &str) -> Result<u32, StoreError> {
    let mut c = postgres(url)?;
    let v = diesel::sql_query("SELECT current_setting('server_version_num') AS name")
        .get_result::<Name>(&mut c)?;
    v.name
        .trim()
        .parse()
        .map_err(|_| StoreError::Corrupt(format!("server_version_num {:?}", v.name)))
}

/// How many tables, views and sequences the PostgreSQL database `url` holds outside the system
/// schemas: 0 for a database fit to restore into.
///
/// Errors: [`StoreError::Connect`] (the database must exist), [`StoreError::Db`].
pub fn postgres_relations(url: &str) -> Result<i64, StoreError> {
    let mut c = postgres(url)?;
    Ok(diesel::sql_query(
        "SELECT count(*) AS n FROM pg_catalog.pg_class c \
         JOIN pg_catalog.pg_namespace s ON s.oid = c.relnamespace \
         WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') \
         AND s.nspname NOT IN ('pg_catalog', 'information_schema') \
         AND s.nspname NOT LIKE 'pg\\_toast%' AND s.nspname NOT LIKE 'pg\\_temp%'",
    )
    .get_result::<Count>(&mut c)?
    .n)
}

/// The facts of the database at `url` as they are now (after a restore).
///
/// Errors: [`StoreError::BadUrl`], [`StoreError::Connect`], [`StoreError::Db`].
pub fn current(url: &str) -> Result<Snapshot, StoreError> {
    facts(&mut crate::dialect::connect(url)?)
}

fn postgres(url: &str) -> Result<DbConnection, StoreError> {
    PgConnection::establish(url)
        .map(DbConnection::Postgres)
        .map_err(|e| StoreError::Connect(format!("{}: {e}", redacted(url))))
}
