//! One Sahih instance for one test: a data directory and its database, on the backend the test
//! run asks for (STYLE.md): a SQLite file in the directory (`DIR/sahih.db`), or, when
//! `TEST_DATABASE_URL` is set, a fresh PostgreSQL database dropped with the instance. Every
//! `sahih` process a test runs on the instance, and every store the test opens on it in-process,
//! gets both: `--data DIR --database URL`.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use diesel::connection::SimpleConnection;
use diesel::{Connection, RunQueryDsl};
use sahih_store::Store;
use sahih_store::dialect::DbConnection;
use sahih_store::testing::{TEST_DATABASE_URL, TestDatabase};

use crate::http::sahih_bin;

/// A data directory and its database. Keep it alive as long as anything (a server, a store)
/// uses the database: on PostgreSQL, dropping it drops the database.
#[derive(Debug)]
pub struct Instance {
    /// The data directory (`--data`): the log key, the second factor's seal key, caches; with
    /// SQLite also the database file and the blobs.
    pub dir: PathBuf,
    /// The database (`--database`).
    pub db: TestDatabase,
}

impl Instance {
    /// An instance on `dir` (created when first used) with a fresh database.
    pub fn new(dir: impl Into<PathBuf>) -> Instance {
        let dir = dir.into();
        let db = TestDatabase::new(&dir);
        Instance { dir, db }
    }

    /// The database URL: `sqlite://DIR/sahih.db` or `postgres://…`.
    pub fn url(&self) -> &str {
        &self.db.url
    }

    /// Whether the database is PostgreSQL (for the few statements a test writes per backend).
    pub fn on_postgres(&self) -> bool {
        self.url().starts_with("postgres")
    }

    /// `--data DIR --database URL`, as every `sahih` subcommand that runs on an instance takes
    /// them (`serve`, `demo`, `apikey`, `services`, `keys`, `archive`).
    pub fn args(&self) -> [OsString; 4] {
        [
            "--data".into(),
            self.dir.clone().into_os_string(),
            "--database".into(),
            self.url().into(),
        ]
    }

    /// `sahih SUBCOMMAND… --data DIR --database URL`; more arguments may follow.
    pub fn sahih(&self, subcommand: &[&str]) -> Command {
        let mut cmd = Command::new(sahih_bin());
        cmd.args(subcommand).args(self.args());
        cmd
    }

    /// The instance's store, as `sahih serve` opens it (migrations applied).
    pub fn store(&self) -> Store {
        Store::open(self.url(), &self.dir.join("blobs")).expect("open the instance's store")
    }

    /// Runs `sql` on the database, as someone with access to it would; the rows it changed.
    pub fn execute(&self, sql: &str) -> usize {
        let mut conn = sahih_store::dialect::connect(self.url()).expect("connect to the database");
        match &mut conn {
            DbConnection::Sqlite(c) => {
                // The server may be writing: wait for its lock rather than fail.
                c.batch_execute("PRAGMA busy_timeout = 10000")
                    .expect("pragma");
                diesel::sql_query(sql).execute(c)
            }
            DbConnection::Postgres(c) => diesel::sql_query(sql).execute(c),
        }
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// A copy of this instance, stopped, at `dir`, as an operator restores a backup: the data
    /// directory's files (with SQLite the database among them) and, with PostgreSQL, a copy of
    /// the database (`CREATE DATABASE … TEMPLATE`), dropped with the copy.
    ///
    /// # Panics
    /// When something still holds a connection to the database (PostgreSQL refuses to copy a
    /// database in use): stop the server first.
    pub fn copy_to(&self, dir: impl Into<PathBuf>) -> Instance {
        let dir = dir.into();
        copy_dir(&self.dir, &dir);
        let db = TestDatabase::new(&dir);
        if self.on_postgres() {
            // The fresh database's name, made and dropped by the guard, now holds the copy.
            let admin = std::env::var(TEST_DATABASE_URL).expect("TEST_DATABASE_URL");
            let mut conn = diesel::pg::PgConnection::establish(&admin).expect("connect");
            let (copy, source) = (database_name(&db.url), database_name(self.url()));
            conn.batch_execute(&format!("DROP DATABASE \"{copy}\""))
                .expect("drop the fresh database");
            conn.batch_execute(&format!("CREATE DATABASE \"{copy}\" TEMPLATE \"{source}\""))
                .unwrap_or_else(|e| panic!("copying database {source}: {e}"));
        }
        Instance { dir, db }
    }
}

/// The database name of a PostgreSQL URL.
fn database_name(url: &str) -> &str {
    let path = url.split('?').next().unwrap_or(url);
    path.rsplit('/').next().unwrap_or(path)
}

/// Copies a directory tree.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::database_name;

    #[test]
    fn the_database_name_is_the_last_path_segment() {
        assert_eq!(
            database_name("postgres://127.0.0.1:5432/sahih_t_1"),
            "sahih_t_1"
        );
        assert_eq!(database_name("postgres://h/x?sslmode=disable"), "x");
    }
}
