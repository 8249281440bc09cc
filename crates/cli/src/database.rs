//! The instance's database as the operator's commands name it (`--data DIR`, `--database URL`),
//! on either backend: SQLite (a file) or PostgreSQL (a database on a server).

use std::path::Path;

use anyhow::Context;
use diesel::RunQueryDsl;
use sahih_store::dialect::{Backend, DbConnection};

/// `--database` when given, else the data directory's SQLite file, `sqlite://DIR/sahih.db`.
pub fn url(data: &Path, database: Option<&str>) -> String {
    database
        .map(str::to_string)
        .unwrap_or_else(|| format!("sqlite://{}", data.join("sahih.db").display()))
}

/// Refuses, before anything is made, a database that holds no Sahih instance yet, so that a
/// typo in a command that reads or changes an instance creates nothing: a SQLite file that does
/// not exist, or a PostgreSQL database without Sahih's tables (one that does not exist, or
/// cannot be reached, fails to connect). Both `E_DATABASE_CONNECT`.
///
/// # Errors
/// The reason, with its code.
pub fn require_existing(url: &str) -> anyhow::Result<()> {
    match Backend::from_url(url)? {
        Backend::Sqlite { path, .. } => {
            if !Path::new(&path).exists() {
                anyhow::bail!("no database at {path} (E_DATABASE_CONNECT)");
            }
        }
        Backend::Postgres { .. } => {
            let mut conn = sahih_store::dialect::connect(url)?;
            let DbConnection::Postgres(pg) = &mut conn else {
                anyhow::bail!("{url} is not a PostgreSQL database");
            };
            #[derive(diesel::QueryableByName)]
            struct Count {
                #[diesel(sql_type = diesel::sql_types::BigInt)]
                n: i64,
            }
            // Diesel's record of the applied migrations: there from the first migration on.
            let migrations = diesel::sql_query(
                "SELECT count(*) AS n FROM information_schema.tables \
                 WHERE table_schema = current_schema() \
                 AND table_name = '__diesel_schema_migrations'",
            )
            .get_result::<Count>(pg)
            .with_context(|| {
                format!(
                    "reading the tables of {} (E_DATABASE)",
                    sahih_store::dialect::redacted(url)
                )
            })?;
            if migrations.n == 0 {
                anyhow::bail!(
                    "no Sahih database at {}: it has none of Sahih's tables (`sahih migrate \
                     --database URL` makes them) (E_DATABASE_CONNECT)",
                    sahih_store::dialect::redacted(url)
                );
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_sqlite_file_is_refused_whatever_the_urls_form() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("sahih.db");
        for url in [
            format!("sqlite://{}", file.display()),
            format!("sqlite:{}", file.display()),
            format!("sqlite://{}?synchronous=full", file.display()),
        ] {
            let err = require_existing(&url).expect_err(&url);
            assert!(
                err.to_string().contains("E_DATABASE_CONNECT"),
                "{url}: {err}"
            );
        }
        std::fs::write(&file, b"").expect("file");
        for url in [
            format!("sqlite://{}", file.display()),
            format!("sqlite:{}", file.display()),
            format!("sqlite://{}?synchronous=full", file.display()),
        ] {
            require_existing(&url).unwrap_or_else(|e| panic!("{url}: {e}"));
        }
        assert!(
            require_existing("mysql://x").is_err(),
            "an unknown scheme is refused"
        );
    }
}
