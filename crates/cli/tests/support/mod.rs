//! What the command line's tests share: an instance for one test, a data directory and its
//! database on the backend the test run asks for (STYLE.md): a SQLite file in the directory
//! (`DIR/sahih.db`), or, when `TEST_DATABASE_URL` is set, a fresh PostgreSQL database dropped
//! with the instance. Every `sahih` process a test runs on the instance gets both
//! (`--data DIR --database URL`), and so does every store the test opens in-process.
#![allow(dead_code)] // each test binary uses its own part

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::Command;

use sahih_store::Store;
use sahih_store::testing::TestDatabase;

/// A data directory and its database. Keep it alive as long as the database is used: on
/// PostgreSQL, dropping it drops the database.
#[derive(Debug)]
pub struct Instance {
    /// The data directory (`--data`).
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

    /// The database URL.
    pub fn url(&self) -> &str {
        &self.db.url
    }

    /// `--data DIR --database URL`.
    pub fn args(&self) -> [OsString; 4] {
        [
            "--data".into(),
            self.dir.clone().into_os_string(),
            "--database".into(),
            self.url().into(),
        ]
    }

    /// `sahih SUBCOMMAND… --data DIR --database URL`, with neither taken from the environment;
    /// more arguments may follow.
    pub fn sahih(&self, subcommand: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_sahih"));
        cmd.args(subcommand)
            .args(self.args())
            .env_remove("SAHIH_DATA")
            .env_remove("SAHIH_DATABASE_URL");
        cmd
    }

    /// The instance's store, as `sahih serve` opens it (migrations applied).
    pub fn store(&self) -> Store {
        Store::open(self.url(), &self.dir.join("blobs")).expect("open the instance's store")
    }

    /// Whether the database has Sahih's tables (for "nothing is created" checks).
    pub fn has_tables(&self) -> bool {
        match sahih_store::dialect::Backend::from_url(self.url()).expect("url") {
            sahih_store::dialect::Backend::Sqlite { path, .. } => {
                std::path::Path::new(&path).exists()
            }
            sahih_store::dialect::Backend::Postgres { .. } => {
                use diesel::RunQueryDsl;
                #[derive(diesel::QueryableByName)]
                struct Count {
                    #[diesel(sql_type = diesel::sql_types::BigInt)]
                    n: i64,
                }
                let mut conn = sahih_store::dialect::connect(self.url()).expect("connect");
                let sahih_store::dialect::DbConnection::Postgres(pg) = &mut conn else {
                    unreachable!("a postgres:// URL")
                };
                diesel::sql_query(
                    "SELECT count(*) AS n FROM information_schema.tables \
                     WHERE table_schema = current_schema()",
                )
                .get_result::<Count>(pg)
                .expect("count tables")
                .n > 0
            }
        }
    }
}
