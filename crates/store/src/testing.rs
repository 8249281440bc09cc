//! Databases for tests, on the backend the test run asks for (STYLE.md: store tests run on a
//! fresh SQLite file, and again on PostgreSQL when `TEST_DATABASE_URL` is set).
//!
//! `TEST_DATABASE_URL` names a PostgreSQL database the tests may use to create and drop others
//! (e.g. `postgres://127.0.0.1:5432/test`); each [`TestDatabase`] on PostgreSQL is a new
//! database `sahih_t_<pid>_<n>_<random>`, dropped when the guard drops. Without the variable,
//! each is a SQLite file in the directory given.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::{Connection, RunQueryDsl};

/// The environment variable that switches tests to PostgreSQL.
pub const TEST_DATABASE_URL: &str = "TEST_DATABASE_URL";

/// The PostgreSQL database used when a test needs PostgreSQL whatever the run's backend (the
/// schema comparison of both backends): the machine's local server, trust auth.
pub const LOCAL_POSTGRES: &str = "postgres://127.0.0.1:5432/test";

/// Prefix of every database a [`TestDatabase`] creates (`.ci/run` drops leftovers by it).
pub const PREFIX: &str = "sahih_t_";

/// A database for one test: its URL, and on PostgreSQL the database to drop afterwards.
#[derive(Debug)]
pub struct TestDatabase {
    /// The URL to give `Store::open` or `sahih --database`.
    pub url: String,
    drop: Option<(String, String)>,
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

impl TestDatabase {
    /// A fresh database for one test: a new PostgreSQL database when `TEST_DATABASE_URL` is set,
    /// else `sqlite://<dir>/sahih.db`.
    ///
    /// # Panics
    /// When `TEST_DATABASE_URL` is set and the database cannot be created (a test setup error).
    pub fn new(dir: &Path) -> TestDatabase {
        match std::env::var(TEST_DATABASE_URL) {
            Ok(admin) if !admin.is_empty() => TestDatabase::postgres_on(&admin, ""),
            _ => TestDatabase {
                url: format!("sqlite://{}", dir.join("sahih.db").display()),
                drop: None,
            },
        }
    }

    /// Whether this run's tests use PostgreSQL (`TEST_DATABASE_URL` is set).
    pub fn on_postgres() -> bool {
        std::env::var(TEST_DATABASE_URL).is_ok_and(|v| !v.is_empty())
    }

    /// A fresh PostgreSQL database whatever the run's backend: on `TEST_DATABASE_URL`, else on
    /// [`LOCAL_POSTGRES`].
    ///
    /// # Panics
    /// When the database cannot be created.
    pub fn postgres() -> TestDatabase {
        let admin = std::env::var(TEST_DATABASE_URL)
            .ok()
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| LOCAL_POSTGRES.to_string());
        TestDatabase::postgres_on(&admin, "")
    }

    /// A fresh PostgreSQL database (as [`TestDatabase::postgres`]) whose text sorts in natural
    /// language order — ICU's root collation, as on a server set up with `en_US.UTF-8` or
    /// `id_ID.UTF-8` — where `C` and SQLite sort by bytes (`Zebra` before `apel`): for the tests
    /// of what must not depend on the database's collation.
    ///
    /// # Panics
    /// When the database cannot be created (PostgreSQL 15+ built with ICU is needed).
    pub fn postgres_natural_order() -> TestDatabase {
        let admin = std::env::var(TEST_DATABASE_URL)
            .ok()
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| LOCAL_POSTGRES.to_string());
        TestDatabase::postgres_on(
            &admin,
            " TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'und'",
        )
    }

    /// A new database on the server of `admin`, created with `options` after its name.
    fn postgres_on(admin: &str, options: &str) -> TestDatabase {
        let mut nonce = [0u8; 4];
        getrandom::fill(&mut nonce).expect("random");
        let name = format!(
            "{PREFIX}{}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            hex::encode(nonce)
        );
        let mut conn = PgConnection::establish(admin)
            .unwrap_or_else(|e| panic!("{TEST_DATABASE_URL}: cannot connect: {e}"));
        conn.batch_execute(&format!("CREATE DATABASE \"{name}\"{options}"))
            .unwrap_or_else(|e| panic!("creating test database {name}: {e}"));
        TestDatabase {
            url: with_database(admin, &name),
            drop: Some((admin.to_string(), name)),
        }
    }
}

/// `url` (a PostgreSQL URI) naming database `name` instead of its own.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{name}", &base[..host_end]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some((admin, name)) = self.drop.take()
            && let Ok(mut conn) = PgConnection::establish(&admin)
        {
            // WITH (FORCE): a pool or a server still connected is disconnected (PostgreSQL 13+).
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .execute(&mut conn);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_name_is_replaced_and_the_rest_kept() {
        assert_eq!(
            with_database("postgres://127.0.0.1:5432/test", "x"),
            "postgres://127.0.0.1:5432/x"
        );
        assert_eq!(
            with_database("postgresql://u:p@h/test?sslmode=disable", "x"),
            "postgresql://u:p@h/x?sslmode=disable"
        );
        assert_eq!(with_database("postgres://h", "x"), "postgres://h/x");
    }
}
