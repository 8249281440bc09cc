//! Both backends end with the same schema: a fresh SQLite database and a fresh PostgreSQL
//! database (always PostgreSQL here, whatever `TEST_DATABASE_URL` says: the machine and CI run
//! one), each migrated by `Store::open`, have the same tables and, per table, the same columns
//! with the same nullability and the same type after a small normalisation; and both agree
//! with diesel's `schema.rs`, which is what the code reads and writes. The two migration
//! trees also list the same migration names.
//!
//! What is compared, per column:
//! - the name (column order is not compared: every query names its columns);
//! - nullability: `NOT NULL` on PostgreSQL (`information_schema.columns.is_nullable`); on
//!   SQLite `NOT NULL` or part of the primary key (`pragma_table_info`: a rowid key is never
//!   NULL, and PostgreSQL makes every key column NOT NULL);
//! - the type class: SQLite `INTEGER`, `INT`, `BIGINT`, `SMALLINT` and PostgreSQL `integer`,
//!   `bigint`, `smallint` are all `integer` (SQLite stores every integer in 64 bits, and an
//!   `INTEGER PRIMARY KEY` must be spelled so); `BLOB`/`bytea` are `bytes`; `TEXT`/`text` are
//!   `text`; `BOOLEAN`/`boolean` are `boolean`; anything else is kept as it is, lowercased.
//! - against `schema.rs`: every table and column it names exists on both backends with its
//!   nullability, and on PostgreSQL, whose integer widths are strict, with its width (`BigInt`
//!   is `bigint`, `Integer` is `integer`), `Text` is `text`, `Binary` is `bytea`.
//!
//! diesel's own `__diesel_schema_migrations` is left out.

use std::collections::{BTreeMap, BTreeSet};

use diesel::RunQueryDsl;
use diesel::pg::PgConnection;
use diesel::sql_types::{BigInt, Text};
use diesel::sqlite::SqliteConnection;
use sahih_store::Store;
use sahih_store::dialect::{DbConnection, connect, migration_names};
use sahih_store::testing::TestDatabase;

/// A column as the database describes it: its type as declared, and whether it may be NULL.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Column {
    declared: String,
    nullable: bool,
}

/// Table → column → description.
type Schema = BTreeMap<String, BTreeMap<String, Column>>;

const DIESEL_TABLE: &str = "__diesel_schema_migrations";

#[derive(diesel::QueryableByName)]
struct SqliteColumn {
    #[diesel(sql_type = Text)]
    tbl: String,
    #[diesel(sql_type = Text)]
    col: String,
    #[diesel(sql_type = Text)]
    ty: String,
    #[diesel(sql_type = BigInt)]
    notnull: i64,
    #[diesel(sql_type = BigInt)]
    pk: i64,
}

fn sqlite_schema(conn: &mut SqliteConnection) -> Schema {
    let rows: Vec<SqliteColumn> = diesel::sql_query(
        "SELECT m.name AS tbl, p.name AS col, p.type AS ty, p.\"notnull\" AS \"notnull\", \
         p.pk AS pk \
         FROM sqlite_master m JOIN pragma_table_info(m.name) p \
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'",
    )
    .load(conn)
    .expect("sqlite columns");
    let mut schema = Schema::new();
    for r in rows {
        schema.entry(r.tbl).or_default().insert(
            r.col,
            Column {
                declared: r.ty,
                nullable: r.notnull == 0 && r.pk == 0,
            },
        );
    }
    schema
}

#[derive(diesel::QueryableByName)]
struct PgColumn {
    #[diesel(sql_type = Text)]
    tbl: String,
    #[diesel(sql_type = Text)]
    col: String,
    #[diesel(sql_type = Text)]
    ty: String,
    #[diesel(sql_type = Text)]
    nullable: String,
}

fn postgres_schema(conn: &mut PgConnection) -> Schema {
    let rows: Vec<PgColumn> = diesel::sql_query(
        "SELECT c.table_name::text AS tbl, c.column_name::text AS col, \
         c.data_type::text AS ty, c.is_nullable::text AS nullable \
         FROM information_schema.columns c JOIN information_schema.tables t \
         ON t.table_schema = c.table_schema AND t.table_name = c.table_name \
         WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'",
    )
    .load(conn)
    .expect("postgres columns");
    let mut schema = Schema::new();
    for r in rows {
        schema.entry(r.tbl).or_default().insert(
            r.col,
            Column {
                declared: r.ty,
                nullable: r.nullable == "YES",
            },
        );
    }
    schema
}

/// The type class both backends are compared by (see the module's text).
fn class(declared: &str) -> String {
    let t = declared.trim().to_ascii_lowercase();
    match t.as_str() {
        "integer" | "int" | "bigint" | "smallint" | "int2" | "int4" | "int8" => "integer".into(),
        "blob" | "bytea" => "bytes".into(),
        "text" => "text".into(),
        "boolean" | "bool" => "boolean".into(),
        _ => t,
    }
}

/// The differences between two schemas, one line each, naming the table and column.
fn differences(a_name: &str, a: &Schema, b_name: &str, b: &Schema) -> Vec<String> {
    let mut out = Vec::new();
    let tables: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    for table in tables {
        let (Some(ca), Some(cb)) = (a.get(table), b.get(table)) else {
            let (has, lacks) = if a.contains_key(table) {
                (a_name, b_name)
            } else {
                (b_name, a_name)
            };
            out.push(format!("table {table}: on {has}, missing on {lacks}"));
            continue;
        };
        let columns: BTreeSet<&String> = ca.keys().chain(cb.keys()).collect();
        for column in columns {
            match (ca.get(column), cb.get(column)) {
                (Some(x), Some(y)) => {
                    if class(&x.declared) != class(&y.declared) {
                        out.push(format!(
                            "column {table}.{column}: type {} on {a_name}, {} on {b_name}",
                            x.declared, y.declared
                        ));
                    }
                    if x.nullable != y.nullable {
                        let says = |n: bool| if n { "nullable" } else { "NOT NULL" };
                        out.push(format!(
                            "column {table}.{column}: {} on {a_name}, {} on {b_name}",
                            says(x.nullable),
                            says(y.nullable)
                        ));
                    }
                }
                (Some(_), None) => out.push(format!(
                    "column {table}.{column}: on {a_name}, missing on {b_name}"
                )),
                (None, _) => out.push(format!(
                    "column {table}.{column}: on {b_name}, missing on {a_name}"
                )),
            }
        }
    }
    out
}

/// diesel's `schema.rs`, read from its `diesel::table!` blocks: table → column → (diesel SQL
/// type without `Nullable`, nullable).
fn diesel_schema() -> BTreeMap<String, BTreeMap<String, (String, bool)>> {
    let text = include_str!("../src/schema.rs");
    let mut schema: BTreeMap<String, BTreeMap<String, (String, bool)>> = BTreeMap::new();
    let mut table: Option<String> = None;
    for line in text.lines().map(str::trim) {
        if let Some(name) = line.strip_suffix('{').map(str::trim)
            && let Some((name, _key)) = name.split_once(' ')
            && name.chars().all(|c| c.is_ascii_lowercase() || c == '_')
        {
            table = Some(name.to_string());
            schema.entry(name.to_string()).or_default();
        } else if line == "}" {
            table = None;
        } else if let (Some(t), Some((column, ty))) = (&table, line.split_once("->")) {
            let ty = ty.trim().trim_end_matches(',');
            let (ty, nullable) = match ty.strip_prefix("Nullable<") {
                Some(inner) => (inner.trim_end_matches('>'), true),
                None => (ty, false),
            };
            schema
                .entry(t.clone())
                .or_default()
                .insert(column.trim().to_string(), (ty.to_string(), nullable));
        }
    }
    schema
}

/// The PostgreSQL `data_type` a diesel SQL type needs.
fn postgres_type(diesel: &str) -> &'static str {
    match diesel {
        "BigInt" => "bigint",
        "Integer" => "integer",
        "SmallInt" => "smallint",
        "Text" => "text",
        "Binary" => "bytea",
        "Bool" => "boolean",
        _ => "(a type this test does not know)",
    }
}

/// The differences between `schema.rs` and a database's schema.
fn against_diesel(
    name: &str,
    db: &Schema,
    diesel: &BTreeMap<String, BTreeMap<String, (String, bool)>>,
    strict_types: bool,
) -> Vec<String> {
    let mut out = Vec::new();
    for (table, columns) in diesel {
        let Some(found) = db.get(table) else {
            out.push(format!("table {table}: in schema.rs, missing on {name}"));
            continue;
        };
        for (column, (ty, nullable)) in columns {
            let Some(c) = found.get(column) else {
                out.push(format!(
                    "column {table}.{column}: in schema.rs, missing on {name}"
                ));
                continue;
            };
            if c.nullable != *nullable {
                out.push(format!(
                    "column {table}.{column}: schema.rs says {}, {name} says {}",
                    if *nullable {
                        "Nullable"
                    } else {
                        "not Nullable"
                    },
                    if c.nullable { "nullable" } else { "NOT NULL" }
                ));
            }
            let expected = postgres_type(ty);
            let matches = if strict_types {
                c.declared == expected
            } else {
                class(&c.declared) == class(expected)
            };
            if !matches {
                out.push(format!(
                    "column {table}.{column}: schema.rs says {ty}, {name} has {}",
                    c.declared
                ));
            }
        }
    }
    out
}

/// Opens (migrating) a `Store` on `url` and reads back its schema.
fn migrated(url: &str, dir: &std::path::Path) -> Schema {
    let store = Store::open(url, &dir.join("blobs")).expect("open and migrate");
    drop(store);
    let mut schema = match connect(url).expect("connect") {
        DbConnection::Sqlite(mut c) => sqlite_schema(&mut c),
        DbConnection::Postgres(mut c) => postgres_schema(&mut c),
    };
    schema.remove(DIESEL_TABLE);
    schema
}

#[test]
fn sqlite_and_postgresql_migrate_to_the_same_tables_and_columns() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sqlite_url = format!("sqlite://{}", dir.path().join("parity.db").display());
    let pg = TestDatabase::postgres();
    let sqlite = migrated(&sqlite_url, dir.path());
    let postgres = migrated(&pg.url, dir.path());
    assert!(
        sqlite.len() >= 20 && sqlite.contains_key("documents") && sqlite.contains_key("blobs"),
        "the SQLite schema was read: {:?}",
        sqlite.keys().collect::<Vec<_>>()
    );

    let diffs = differences("SQLite", &sqlite, "PostgreSQL", &postgres);
    assert!(
        diffs.is_empty(),
        "the backends' schemas differ:\n  {}",
        diffs.join("\n  ")
    );

    let diesel = diesel_schema();
    assert!(
        diesel
            .get("documents")
            .is_some_and(|c| c.contains_key("state") && c.len() >= 10),
        "schema.rs was parsed: {diesel:?}"
    );
    let mut diffs = against_diesel("SQLite", &sqlite, &diesel, false);
    diffs.extend(against_diesel("PostgreSQL", &postgres, &diesel, true));
    assert!(
        diffs.is_empty(),
        "schema.rs and the databases differ:\n  {}",
        diffs.join("\n  ")
    );
}

#[test]
fn both_migration_trees_have_the_same_names() {
    let sqlite = migration_names("sqlite");
    let postgres = migration_names("postgres");
    assert!(!sqlite.is_empty(), "the SQLite migrations are embedded");
    let only = |a: &[String], b: &[String]| -> Vec<String> {
        a.iter().filter(|n| !b.contains(n)).cloned().collect()
    };
    assert_eq!(
        sqlite,
        postgres,
        "only in migrations/sqlite: {:?}; only in migrations/postgres: {:?}",
        only(&sqlite, &postgres),
        only(&postgres, &sqlite)
    );
}

#[test]
fn the_comparison_names_what_differs() {
    let col = |declared: &str, nullable| Column {
        declared: declared.into(),
        nullable,
    };
    let a: Schema = [(
        "documents".to_string(),
        [
            ("id".to_string(), col("INTEGER", false)),
            ("state".to_string(), col("TEXT", false)),
            ("pdf".to_string(), col("BLOB", true)),
        ]
        .into(),
    )]
    .into();
    let same: Schema = [(
        "documents".to_string(),
        [
            ("id".to_string(), col("bigint", false)),
            ("state".to_string(), col("text", false)),
            ("pdf".to_string(), col("bytea", true)),
        ]
        .into(),
    )]
    .into();
    assert!(differences("SQLite", &a, "PostgreSQL", &same).is_empty());
    let other: Schema = [
        (
            "documents".to_string(),
            [
                ("id".to_string(), col("bigint", false)),
                ("state".to_string(), col("bigint", true)),
                ("extra".to_string(), col("text", true)),
            ]
            .into(),
        ),
        ("blobs".to_string(), BTreeMap::new()),
    ]
    .into();
    assert_eq!(
        differences("SQLite", &a, "PostgreSQL", &other),
        [
            "table blobs: on PostgreSQL, missing on SQLite",
            "column documents.extra: on PostgreSQL, missing on SQLite",
            "column documents.pdf: on SQLite, missing on PostgreSQL",
            "column documents.state: type TEXT on SQLite, bigint on PostgreSQL",
            "column documents.state: NOT NULL on SQLite, nullable on PostgreSQL",
        ]
    );
}
