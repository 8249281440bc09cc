//! `sahih backup` and `sahih restore` on both backends, as an operator meets them: a running
//! `sahih serve` with signed documents (made by `sahih demo` inside it) is backed up while it
//! runs; the backup restores into a fresh database and data directory, where a new server serves
//! the same signed PDF bytes, the same log checkpoint and key, passes `sahih log verify --audit`
//! and takes the same logins. A backup with one altered file is refused before anything is
//! written; a restore into a non-empty target is refused and leaves it as it was; a backup of an
//! older schema is migrated on restore; a backup from a newer one, across backends, or without a
//! usable pg_dump is refused with its stable code.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sahih_e2e::http::{Browser, Server, sahih_bin};
use sahih_e2e::repo_dir;
use sahih_store::testing::TestDatabase;

/// One instance: its data and certificates directories, and its database URL when not the
/// default SQLite file of its data directory.
struct Instance {
    data: PathBuf,
    certs: PathBuf,
    database: Option<String>,
}

impl Instance {
    fn new(dir: &Path, name: &str, database: Option<&TestDatabase>) -> Instance {
        Instance {
            data: dir.join(format!("{name}-data")),
            certs: dir.join(format!("{name}-certs")),
            database: database.map(|d| d.url.clone()),
        }
    }

    /// `--data D --certs C [--database URL]`.
    fn flags(&self) -> Vec<OsString> {
        let mut flags: Vec<OsString> = vec![
            "--data".into(),
            self.data.clone().into(),
            "--certs".into(),
            self.certs.clone().into(),
        ];
        if let Some(url) = &self.database {
            flags.extend(["--database".into(), url.into()]);
        }
        flags
    }

    fn serve(&self) -> Server {
        let extra: Vec<&str> = match &self.database {
            Some(url) => vec!["--database", url],
            None => vec![],
        };
        // The instance's own database, whatever the run's: these tests are about each backend.
        Server::start_with_env(&self.data, &self.certs, &extra, &[])
    }
}

fn sahih(args: &[OsString]) -> Output {
    Command::new(sahih_bin())
        .args(args)
        .env_remove("SAHIH_CONFIG")
        .output()
        .expect("run sahih")
}

fn args(head: &[&str], tail: Vec<OsString>) -> Vec<OsString> {
    head.iter().map(OsString::from).chain(tail).collect()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A document `sahih demo` signed: its application id and public verification code.
struct Signed {
    id: String,
    code: String,
}

/// `sahih demo` inside the instance, writing into `out`.
fn demo(instance: &Instance, out: &Path) -> Signed {
    let input = repo_dir().join("examples/contoh-permohonan.pdf");
    let run = sahih(&args(
        &["demo", "--input"],
        [input.into(), "--out".into(), out.into()]
            .into_iter()
            .chain(instance.flags())
            .collect(),
    ));
    assert!(run.status.success(), "{}", text(&run));
    let stdout = String::from_utf8_lossy(&run.stdout).into_owned();
    let after = |marker: &str| {
        stdout
            .split(marker)
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or_else(|| panic!("the demo prints {marker:?}: {stdout}"))
            .to_string()
    };
    Signed {
        id: after("submitted application "),
        code: after("public verification: /v/"),
    }
}

fn backup(instance: &Instance, to: &Path) -> Output {
    sahih(&args(
        &["backup", "--to"],
        std::iter::once(to.into()).chain(instance.flags()).collect(),
    ))
}

fn restore(instance: &Instance, from: &Path) -> Output {
    sahih(&args(
        &["restore", "--from"],
        std::iter::once(from.into())
            .chain(instance.flags())
            .collect(),
    ))
}

/// A refusal: exit 1 and one line on stderr with `code`.
fn assert_refused(o: &Output, code: &str) {
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{}", text(o));
    assert!(stderr.contains(code), "{code}: {stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
}

/// What a user of the instance sees of it: the signed PDF, the log's checkpoint and key.
#[derive(Debug, PartialEq, Eq)]
struct Seen {
    pdf: Vec<u8>,
    checkpoint: String,
    key: String,
}

fn seen(server: &Server, code: &str) -> Seen {
    let mut anon = Browser::new(server);
    let pdf = anon.get(&format!("/v/{code}/unduh"));
    assert_eq!(pdf.status, 200, "{}", pdf.text());
    let checkpoint = anon.get("/log/checkpoint");
    assert_eq!(checkpoint.status, 200, "{}", checkpoint.text());
    Seen {
        pdf: pdf.body,
        checkpoint: checkpoint.text(),
        key: anon.get("/log/key").text().trim().to_string(),
    }
}

fn tree_size(checkpoint: &str) -> u64 {
    checkpoint
        .lines()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .expect("checkpoint size")
}

fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("MANIFEST.json")).expect("manifest"))
        .expect("manifest JSON")
}

fn write_manifest(dir: &Path, manifest: &serde_json::Value) {
    std::fs::write(
        dir.join("MANIFEST.json"),
        serde_json::to_vec_pretty(manifest).expect("json"),
    )
    .expect("write manifest");
}

/// Every file under `dir` with its bytes: what "left as it was" compares.
fn contents(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    if !dir.exists() {
        return out;
    }
    for entry in std::fs::read_dir(dir).expect("read dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            out.extend(contents(&path));
        } else {
            out.insert(path.clone(), std::fs::read(&path).expect("read"));
        }
    }
    out
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &to.join(entry.file_name()));
        } else {
            std::fs::copy(entry.path(), to.join(entry.file_name())).expect("copy");
        }
    }
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).expect("meta").permissions().mode() & 0o777
}

/// The backup is private: the directory and every directory in it 0700, every file 0600.
#[cfg(unix)]
fn assert_private(dir: &Path) {
    assert_eq!(mode(dir), 0o700, "{}", dir.display());
    for entry in std::fs::read_dir(dir).expect("read dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            assert_private(&path);
        } else {
            assert_eq!(mode(&path), 0o600, "{}", path.display());
        }
    }
}

/// `sahih log verify --url … --key … --audit` against `server`.
fn audit(server: &Server, key: &str) -> Output {
    sahih(&args(
        &[
            "log",
            "verify",
            "--url",
            &server.base,
            "--key",
            key,
            "--audit",
        ],
        vec![],
    ))
}

/// The demo's users log in (and a wrong password does not); the citizen sees their application.
fn assert_logins_work(server: &Server, application: &str) {
    let mut citizen = Browser::new(server);
    let res = citizen.login("warga", "warga-demo-2026");
    assert_eq!(res.status, 303, "{}", res.text());
    let page = citizen.get(&format!("/permohonan/{application}"));
    assert_eq!(page.status, 200, "{}", page.text());
    let mut signer = Browser::new(server);
    let res = signer.login("penandatangan", "penandatangan-demo");
    assert_eq!(res.status, 303, "{}", res.text());
    let wrong = Browser::new(server).login("warga", "not-the-password");
    assert_eq!(wrong.status, 401);
}

/// The whole round trip on one backend: `source_db` and `target_db` are PostgreSQL databases,
/// or both `None` for SQLite files in the data directories.
fn round_trip(source_db: Option<&TestDatabase>, target_db: Option<&TestDatabase>) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let source = Instance::new(tmp.path(), "source", source_db);
    let target = Instance::new(tmp.path(), "target", target_db);
    let bk = tmp.path().join("backup");

    let server = source.serve();
    let signed = demo(&source, &tmp.path().join("out1"));
    demo(&source, &tmp.path().join("out2"));
    let before = seen(&server, &signed.code);
    assert_eq!(
        before.pdf,
        std::fs::read(tmp.path().join("out1/signed.pdf")).expect("signed.pdf"),
        "the server serves what the demo signed"
    );

    // Backed up while the server runs.
    let made = backup(&source, &bk);
    assert!(made.status.success(), "{}", text(&made));
    assert!(text(&made).contains("private keys"), "{}", text(&made));
    #[cfg(unix)]
    assert_private(&bk);
    let m = manifest(&bk);
    let backend = if source_db.is_some() {
        "postgres"
    } else {
        "sqlite"
    };
    assert_eq!(m["backend"], backend);
    assert_eq!(m["log"]["tree_size"], tree_size(&before.checkpoint));
    assert_eq!(
        m["log"]["checkpoint"].as_str(),
        Some(before.checkpoint.as_str())
    );
    assert_eq!(m["log"]["verifier_key"].as_str(), Some(before.key.as_str()));
    for file in [
        "data/log-signing.key",
        "data/second-factor.key",
        "certs/ca.pem",
        "certs/ca.key.pem",
    ] {
        assert!(m["files"][file].is_string(), "{file} is in the backup: {m}");
    }
    assert_refused(&backup(&source, &bk), "E_BACKUP_TARGET_NOT_EMPTY");
    // The instance goes on; what it does next is not in the backup.
    demo(&source, &tmp.path().join("out3"));
    let later = seen(&server, &signed.code);
    assert!(tree_size(&later.checkpoint) > tree_size(&before.checkpoint));
    drop(server);

    // One altered byte in the backup: refused before anything is written.
    let altered = tmp.path().join("altered");
    copy_dir(&bk, &altered);
    let ca_key = altered.join("certs/ca.key.pem");
    let mut bytes = std::fs::read(&ca_key).expect("read");
    bytes.push(b'\n');
    std::fs::write(&ca_key, bytes).expect("alter");
    assert_refused(&restore(&target, &altered), "E_BACKUP_TAMPERED");
    assert!(!target.data.exists(), "nothing written");
    assert!(!target.certs.exists(), "nothing written");

    // Restored into the fresh target, a new server serves what the old one did at the backup.
    let restored = restore(&target, &bk);
    assert!(restored.status.success(), "{}", text(&restored));
    assert!(
        text(&restored).contains("E_LOG_ROLLBACK"),
        "{}",
        text(&restored)
    );
    let server = target.serve();
    assert_eq!(
        seen(&server, &signed.code),
        before,
        "the restored instance serves the same signed PDF, log checkpoint and log key"
    );
    let audited = audit(&server, &before.key);
    assert_eq!(audited.status.code(), Some(0), "{}", text(&audited));
    assert_logins_work(&server, &signed.id);
    drop(server);

    // A restore into the restored (non-empty) instance is refused and changes nothing.
    let data_before = contents(&target.data);
    let certs_before = contents(&target.certs);
    let database_before = target_db.map(|d| sahih_store::backup::current(&d.url).expect("facts"));
    assert_refused(&restore(&target, &bk), "E_RESTORE_TARGET_NOT_EMPTY");
    assert!(
        contents(&target.data) == data_before,
        "the data directory is as it was"
    );
    assert!(
        contents(&target.certs) == certs_before,
        "the certificates are as they were"
    );
    if let Some(db) = target_db {
        // The non-empty database alone refuses it too: with an empty data directory.
        let fresh = Instance {
            data: tmp.path().join("fresh-data"),
            certs: tmp.path().join("fresh-certs"),
            database: Some(db.url.clone()),
        };
        assert_refused(&restore(&fresh, &bk), "E_RESTORE_TARGET_NOT_EMPTY");
        assert!(
            !fresh.data.exists() && !fresh.certs.exists(),
            "nothing written"
        );
        assert_eq!(
            Some(sahih_store::backup::current(&db.url).expect("facts")),
            database_before,
            "the database is as it was"
        );
    }
}

// SQLite as such (VACUUM INTO, the blob files), on either run; PostgreSQL's twin below.
#[test]
fn a_sqlite_instance_backed_up_while_it_runs_restores_whole() {
    round_trip(None, None);
}

#[test]
fn a_postgresql_instance_backed_up_while_it_runs_restores_whole() {
    let (source, target) = (TestDatabase::postgres(), TestDatabase::postgres());
    round_trip(Some(&source), Some(&target));
}

/// `backup`'s SQLite database rolled back to the migration before this binary's last (its
/// `down.sql`), and the manifest rewritten to say so: a backup as an older sahih made it.
fn make_older(bk: &Path) -> String {
    use diesel::connection::SimpleConnection;
    use diesel::{Connection, SqliteConnection};
    let migrations = sahih_store::dialect::migration_versions("sqlite");
    let (last_version, last_name) = migrations.last().expect("migrations").clone();
    let down = std::fs::read_to_string(
        repo_dir()
            .join("migrations/sqlite")
            .join(&last_name)
            .join("down.sql"),
    )
    .expect("down.sql");
    let db = bk.join("database/sahih.db");
    let mut conn = SqliteConnection::establish(&db.to_string_lossy()).expect("open");
    conn.batch_execute(&down).expect("down");
    conn.batch_execute(&format!(
        "DELETE FROM __diesel_schema_migrations WHERE version = '{last_version}'"
    ))
    .expect("forget the migration");
    drop(conn);
    let (previous_version, previous_name) = migrations[migrations.len() - 2].clone();
    let mut m = manifest(bk);
    m["files"]["database/sahih.db"] =
        sahih_store::sha256_hex(&std::fs::read(&db).expect("db")).into();
    m["migration"] = previous_version.into();
    m["migration_name"] = previous_name.into();
    write_manifest(bk, &m);
    last_name
}

// SQLite as such: the backup's SQLite file is rolled back a migration, on either run.
#[test]
fn an_older_backup_is_migrated_on_restore_and_a_newer_one_refused() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let source = Instance::new(tmp.path(), "source", None);
    let signed = demo(&source, &tmp.path().join("out"));
    let bk = tmp.path().join("backup");
    let made = backup(&source, &bk);
    assert!(made.status.success(), "{}", text(&made));

    // A directory that is not a backup (or one whose run never finished: no manifest).
    let target = Instance::new(tmp.path(), "target", None);
    assert_refused(
        &restore(&target, &tmp.path().join("out")),
        "E_BACKUP_MANIFEST",
    );

    // A backup from a sahih with a migration this one does not know.
    let newer = tmp.path().join("newer");
    copy_dir(&bk, &newer);
    let mut m = manifest(&newer);
    m["migration"] = "29991231000001".into();
    m["migration_name"] = "2999-12-31-000001_future".into();
    write_manifest(&newer, &m);
    assert_refused(&restore(&target, &newer), "E_BACKUP_TOO_NEW");
    assert!(!target.data.exists(), "nothing written");

    // A backup from the sahih before the last migration: restored, then migrated.
    let last = make_older(&bk);
    let restored = restore(&target, &bk);
    assert!(restored.status.success(), "{}", text(&restored));
    assert!(
        text(&restored).contains("applied 1 migration"),
        "{last}: {}",
        text(&restored)
    );
    let server = target.serve();
    let got = seen(&server, &signed.code);
    assert_eq!(
        got.pdf,
        std::fs::read(tmp.path().join("out/signed.pdf")).expect("signed.pdf")
    );
    assert_eq!(got.checkpoint, manifest(&bk)["log"]["checkpoint"]);
    let audited = audit(&server, &got.key);
    assert_eq!(audited.status.code(), Some(0), "{}", text(&audited));
}

#[test]
fn without_a_usable_pg_dump_or_across_backends_nothing_is_written() {
    let db = TestDatabase::postgres();
    let tmp = tempfile::tempdir().expect("tempdir");
    let source = Instance::new(tmp.path(), "source", Some(&db));
    demo(&source, &tmp.path().join("out"));
    let bk = tmp.path().join("backup");
    let with_pg_bin = |dir: &Path| {
        let mut a = args(&["backup", "--to"], vec![bk.clone().into()]);
        a.extend(source.flags());
        a.extend(["--pg-bin".into(), dir.into()]);
        sahih(&a)
    };

    let empty = tmp.path().join("no-tools");
    std::fs::create_dir_all(&empty).expect("mkdir");
    let missing = with_pg_bin(&empty);
    assert_eq!(missing.status.code(), Some(2), "{}", text(&missing));
    assert!(
        text(&missing).contains("E_PG_TOOL_MISSING"),
        "{}",
        text(&missing)
    );
    assert!(!bk.exists(), "nothing written");

    let old = tmp.path().join("old-tools");
    std::fs::create_dir_all(&old).expect("mkdir");
    let script = old.join("pg_dump");
    std::fs::write(&script, "#!/bin/sh\necho 'pg_dump (PostgreSQL) 9.6.24'\n").expect("script");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let too_old = with_pg_bin(&old);
    assert_eq!(too_old.status.code(), Some(2), "{}", text(&too_old));
    assert!(
        text(&too_old).contains("E_PG_TOOL_TOO_OLD"),
        "{}",
        text(&too_old)
    );
    assert!(!bk.exists(), "nothing written");

    // A PostgreSQL backup restored into SQLite: refused, named.
    let made = backup(&source, &bk);
    assert!(made.status.success(), "{}", text(&made));
    let sqlite = Instance::new(tmp.path(), "sqlite", None);
    assert_refused(&restore(&sqlite, &bk), "E_RESTORE_CROSS_BACKEND");
    assert!(!sqlite.data.exists(), "nothing written");
}
