//! `sahih apikey create|list|revoke|webhook` as an agency's operator runs them: the token alone
//! on stdout and accepted by the API's authentication, never shown again by `list`, refused
//! once revoked; bad scopes, unknown keys and other agencies' applications refused with one
//! line and a stable code, and nothing made by a refused command.

mod support;

use std::path::Path;
use std::process::{Command, Output};

use sahih_web::App;
use sahih_web::app::{AppConfig, DeadlineSettings, Scope};

fn sahih(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sahih"))
        .args(args)
        .env_remove("SAHIH_DATA")
        .env_remove("SAHIH_DATABASE_URL")
        .output()
        .expect("run sahih")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// An instance with the four example services and their agencies (DPMPTSP, BAPPEDA, BPKAD,
/// BAPENDA).
struct Instance {
    instance: support::Instance,
    _tmp: tempfile::TempDir,
}

impl Instance {
    fn new() -> Instance {
        let tmp = tempfile::tempdir().expect("tempdir");
        let instance = support::Instance::new(tmp.path().join("data"));
        let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/services");
        let out = instance
            .sahih(&["services", "import"])
            .args(
                std::fs::read_dir(&examples)
                    .expect("examples")
                    .map(|f| f.expect("entry").path()),
            )
            .output()
            .expect("run sahih services import");
        assert!(out.status.success(), "{}", text(&out.stderr));
        Instance {
            instance,
            _tmp: tmp,
        }
    }

    /// `sahih apikey ARGS --data DIR --database URL`.
    fn apikey(&self, args: &[&str]) -> Output {
        let mut all = vec!["apikey"];
        all.extend_from_slice(args);
        self.instance
            .sahih(&all)
            .output()
            .expect("run sahih apikey")
    }

    /// The application services over the instance's database, as the server runs them.
    fn app(&self) -> App {
        let store = self.instance.store();
        App::new(
            store,
            AppConfig {
                upload_limit: 1024 * 1024,
                city: "Kota Uji".into(),
                chain: Vec::new(),
                trust_anchors: Vec::new(),
                verification_cache: self.instance.dir.join("cache"),
                log_key: std::sync::Arc::new(
                    sahih_tlog::SignerKey::from_seed("sahih.test/log", &[7; 32]).expect("key"),
                ),
                deadlines: DeadlineSettings::default(),
                timestamping: Default::default(),
            },
        )
    }
}

/// One line on stderr carrying `code`, exit status 1, nothing on stdout.
fn assert_refused(out: &Output, code: &str) {
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains(code), "{err}");
    assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
}

#[test]
fn a_created_token_authenticates_until_it_is_revoked_and_list_never_shows_it() {
    let inst = Instance::new();
    let created = inst.apikey(&[
        "create",
        "--agency",
        "DPMPTSP",
        "--application",
        "portal-perizinan",
        "--name",
        "Portal Perizinan",
    ]);
    let note = text(&created.stderr);
    assert!(created.status.success(), "{note}");
    let stdout = text(&created.stdout);
    assert_eq!(stdout.lines().count(), 1, "the token alone: {stdout}");
    let token = stdout.trim_end();
    assert!(token.starts_with("sahih_"), "{token}");
    let key_id = token.split('_').nth(1).expect("key id");
    assert_eq!(note.lines().count(), 1, "{note}");
    for part in [
        key_id,
        "portal-perizinan",
        "DPMPTSP",
        "documents:read,documents:submit,verify",
        "shown once",
    ] {
        assert!(note.contains(part), "the note lacks {part}: {note}");
    }
    assert!(!note.contains(token), "the token is on stdout only");

    // The API takes it, with the default scopes and nothing more.
    let app = inst.app();
    let caller = app
        .authenticate_api_key(token)
        .expect("the token authenticates");
    assert_eq!(caller.application.code, "portal-perizinan");
    for scope in Scope::DEFAULT {
        assert!(caller.require(scope).is_ok(), "{scope:?}");
    }
    assert!(caller.require(Scope::SubmitDirect).is_err());

    // A second key of the same application, with a chosen scope: no --name needed now.
    let second = inst.apikey(&[
        "create",
        "--agency",
        "DPMPTSP",
        "--application",
        "portal-perizinan",
        "--scope",
        "documents:read",
    ]);
    assert!(second.status.success(), "{}", text(&second.stderr));
    let second_token = text(&second.stdout).trim_end().to_owned();
    let reader = app.authenticate_api_key(&second_token).expect("second key");
    assert!(reader.require(Scope::Read).is_ok());
    assert!(reader.require(Scope::Submit).is_err());

    let list = inst.apikey(&["list"]);
    assert!(list.status.success(), "{}", text(&list.stderr));
    let table = text(&list.stdout);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 3, "a header and two keys: {table}");
    for column in [
        "KEY ID",
        "APPLICATION",
        "AGENCY",
        "SCOPES",
        "CREATED",
        "LAST USED",
        "REVOKED",
    ] {
        assert!(lines[0].contains(column), "{table}");
    }
    let row = lines
        .iter()
        .find(|l| l.starts_with(key_id))
        .expect("the first key's row");
    assert!(
        row.contains("portal-perizinan") && row.contains("DPMPTSP"),
        "{row}"
    );
    let secret = token.rsplit('_').next().expect("secret");
    assert!(!table.contains(secret) && !table.contains(&second_token[20..]));
    assert!(
        row.split_whitespace().nth(5).is_some_and(|t| t != "-"),
        "used once by the authentication above: {row}"
    );
    assert!(row.ends_with(" -"), "not revoked: {row}");

    let revoked = inst.apikey(&["revoke", key_id]);
    assert!(revoked.status.success(), "{}", text(&revoked.stderr));
    let e = app
        .authenticate_api_key(token)
        .expect_err("a revoked key is refused");
    assert_eq!(e.code(), "E_API_KEY_REVOKED");
    assert!(
        app.authenticate_api_key(&second_token).is_ok(),
        "the other key still works"
    );
    let list = text(&inst.apikey(&["list", "--agency", "DPMPTSP"]).stdout);
    let row = list
        .lines()
        .find(|l| l.starts_with(key_id))
        .expect("row")
        .to_owned();
    assert!(!row.ends_with(" -"), "a revocation time: {row}");
    assert!(
        inst.apikey(&["revoke", key_id]).status.success(),
        "revoking twice changes nothing"
    );
    assert_refused(&inst.apikey(&["revoke", "0123456789ab"]), "E_NOT_FOUND");
    let bapenda = text(&inst.apikey(&["list", "--agency", "BAPENDA"]).stdout);
    assert_eq!(
        bapenda.lines().count(),
        1,
        "another agency's keys are not listed: {bapenda}"
    );
}

#[test]
fn refused_creations_say_why_and_make_nothing() {
    let inst = Instance::new();
    let bad_scope = inst.apikey(&[
        "create",
        "--agency",
        "BAPENDA",
        "--application",
        "pajak-online",
        "--name",
        "Pajak Daerah Online",
        "--scope",
        "verify,documents:sign",
    ]);
    assert_refused(&bad_scope, "E_BAD_SCOPE");
    assert!(
        text(&bad_scope.stderr).contains("documents:submit-direct"),
        "it names the scopes there are: {}",
        text(&bad_scope.stderr)
    );
    let app = inst.app();
    assert!(
        app.store()
            .api_application_by_code("pajak-online")
            .expect("db")
            .is_none(),
        "a refused key registers no application"
    );

    assert_refused(
        &inst.apikey(&[
            "create",
            "--agency",
            "BAPENDA",
            "--application",
            "pajak-online",
        ]),
        "E_NAME_REQUIRED",
    );
    assert_refused(
        &inst.apikey(&[
            "create",
            "--agency",
            "DISDIK",
            "--application",
            "sekolah",
            "--name",
            "Sekolah",
        ]),
        "E_NOT_FOUND",
    );
    let made = inst.apikey(&[
        "create",
        "--agency",
        "BAPENDA",
        "--application",
        "pajak-online",
        "--name",
        "Pajak Daerah Online",
    ]);
    assert!(made.status.success(), "{}", text(&made.stderr));
    // The code belongs to the revenue agency's application: the licensing office gets no key
    // for it.
    assert_refused(
        &inst.apikey(&[
            "create",
            "--agency",
            "DPMPTSP",
            "--application",
            "pajak-online",
        ]),
        "E_NOT_YOUR_AGENCY",
    );
    assert_eq!(
        app.store().api_keys(None, None).expect("db").len(),
        1,
        "only the accepted key exists"
    );
}

#[test]
fn a_webhook_is_set_with_its_secret_and_cleared() {
    let inst = Instance::new();
    let made = inst.apikey(&[
        "create",
        "--agency",
        "BAPPEDA",
        "--application",
        "e-sppd",
        "--name",
        "e-SPPD Bappeda",
        "--webhook",
        "https://sppd.kota.example/sahih/webhook",
    ]);
    let note = text(&made.stderr);
    assert!(made.status.success(), "{note}");
    assert_eq!(
        text(&made.stdout).lines().count(),
        1,
        "still the token alone"
    );
    let app = inst.app();
    let stored = app
        .store()
        .api_application_by_code("e-sppd")
        .expect("db")
        .expect("registered");
    assert_eq!(
        stored.webhook_url.as_deref(),
        Some("https://sppd.kota.example/sahih/webhook")
    );
    assert!(
        note.contains(&stored.webhook_secret),
        "the secret is on stderr: {note}"
    );

    let set = inst.apikey(&[
        "webhook",
        "--application",
        "e-sppd",
        "--url",
        "https://sppd.kota.example/v2/webhook",
    ]);
    assert!(set.status.success(), "{}", text(&set.stderr));
    assert_eq!(text(&set.stdout).trim_end(), stored.webhook_secret);
    let after = |app: &App| {
        app.store()
            .api_application_by_code("e-sppd")
            .expect("db")
            .expect("app")
            .webhook_url
    };
    assert_eq!(
        after(&app).as_deref(),
        Some("https://sppd.kota.example/v2/webhook")
    );

    let cleared = inst.apikey(&["webhook", "--application", "e-sppd", "--clear"]);
    assert!(cleared.status.success(), "{}", text(&cleared.stderr));
    assert!(cleared.stdout.is_empty());
    assert_eq!(after(&app), None);

    assert_refused(
        &inst.apikey(&["webhook", "--application", "e-sppd", "--url", "ftp://x"]),
        "E_BAD_WEBHOOK_URL",
    );
    assert_eq!(after(&app), None, "a bad URL changes nothing");
    assert_refused(
        &inst.apikey(&["webhook", "--application", "tidak-ada", "--clear"]),
        "E_NOT_FOUND",
    );
    let neither = inst.apikey(&["webhook", "--application", "e-sppd"]);
    assert_eq!(neither.status.code(), Some(3), "a usage mistake");
}

#[test]
fn without_a_database_nothing_is_created() {
    let tmp = tempfile::tempdir().expect("tempdir");
    // No instance there yet: no SQLite file, or a PostgreSQL database without Sahih's tables.
    let none = support::Instance::new(tmp.path().join("none"));
    let out = none.sahih(&["apikey", "list"]).output().expect("run sahih");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("E_DATABASE_CONNECT"));
    assert!(!none.dir.exists(), "no data directory is made by a typo");
    assert!(!none.has_tables(), "no database is made by a typo");

    // Only the password of a database URL is hidden in the message.
    let out = sahih(&[
        "apikey",
        "list",
        "--database",
        "postgres://sahih:rahasia@127.0.0.1:9/sahih",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(err.contains("E_DATABASE_CONNECT"), "{err}");
    assert!(!err.contains("rahasia"), "{err}");
}
