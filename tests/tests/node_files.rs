//! Issue #7: a `sahih serve` node whose secret files are missing or are another instance's
//! refuses to start, with the stable code of each file, before it makes any key or CA file.
//! Instance A runs (with the demo data), an officer enrolls a TOTP second factor on its web
//! page, the admin adds an officer and `sahih keys issue` gives them a key and a certificate
//! of A's CA. Then nodes on A's
//! database with other data and certificates directories — none of the files, A's files but
//! one, another instance's file in its place — are refused with the file's code and leave their
//! directories as they were; A's own directories, and a node with copies of A's files, start.
//! On the run's backend (`TEST_DATABASE_URL`, else SQLite).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use sahih_e2e::http::{Browser, Server, sahih_bin};
use sahih_store::testing::TestDatabase;
use sahih_web::seed::{DEMO_KEY_PASSPHRASE, DEMO_LOGINS};
use sahih_web::totp::{TotpSecret, unix_now};

/// The files of the data directory a node of A's database needs.
const DATA_FILES: [&str; 2] = ["log-signing.key", "second-factor.key"];
/// The CA's files in the certificates directory.
const CA_FILES: [&str; 2] = ["ca.pem", "ca.key.pem"];

struct Dirs {
    data: PathBuf,
    certs: PathBuf,
}

impl Dirs {
    fn new(root: &Path, name: &str) -> Dirs {
        Dirs {
            data: root.join(format!("{name}-data")),
            certs: root.join(format!("{name}-certs")),
        }
    }

    fn serve(&self, url: &str) -> Server {
        Server::start_with_env(&self.data, &self.certs, &["--database", url], &[])
    }

    /// Every file under both directories, with its contents.
    fn snapshot(&self) -> Vec<(PathBuf, Vec<u8>)> {
        let mut files = Vec::new();
        for dir in [&self.data, &self.certs] {
            collect(dir, &mut files);
        }
        files.sort();
        files
    }
}

fn collect(dir: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries {
        let path = e.expect("entry").path();
        if path.is_dir() {
            collect(&path, out);
        } else {
            let bytes = std::fs::read(&path).expect("read");
            out.push((path, bytes));
        }
    }
}

/// Copies `files` of `from` into `to` (made when missing), modes kept.
fn copy(from: &Path, to: &Path, files: &[&str]) {
    std::fs::create_dir_all(to).expect("mkdir");
    for f in files {
        std::fs::copy(from.join(f), to.join(f)).unwrap_or_else(|e| panic!("copying {f}: {e}"));
    }
}

/// `sahih serve` on `dirs` and `url`, expected to refuse: its exit status and stderr. Fails if
/// it is still running after a minute (it started instead of refusing).
fn serve_refused(dirs: &Dirs, url: &str) -> (bool, String) {
    let mut child = Command::new(sahih_bin())
        .arg("serve")
        .args(["--bind", "127.0.0.1:0", "--database", url])
        .arg("--data")
        .arg(&dirs.data)
        .arg("--certs")
        .arg(&dirs.certs)
        .env("SAHIH_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn sahih serve");
    let mut stderr = child.stderr.take().expect("stderr");
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "sahih serve on {} started instead of refusing",
                dirs.data.display()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    (status.success(), reader.join().expect("stderr reader"))
}

/// Enrolls the demo signer's TOTP second factor on A's account page, as the officer would.
fn enroll_second_factor(server: &Server) {
    let signer = DEMO_LOGINS
        .iter()
        .find(|l| l.login == "penandatangan")
        .expect("demo signer");
    let mut browser = Browser::new(server);
    browser.login(signer.login, signer.password);
    let page = browser.get("/akun/kunci");
    let html = page.text();
    let start = html
        .find("<code id=\"totp-secret\">")
        .expect("the page shows the secret")
        + "<code id=\"totp-secret\">".len();
    let secret = &html[start..start + html[start..].find("</code>").expect("code ends")];
    let secret = TotpSecret::from_base32(secret.trim()).expect("base32");
    let code = secret.code_at(unix_now()).expect("code");
    let csrf = page.csrf();
    let res = browser.post(
        "/akun/kunci/faktor-kedua",
        &[("csrf", &csrf), ("totp", &code)],
    );
    assert_eq!(res.status, 303, "{}", res.text());
    assert!(
        !browser.get("/akun/kunci").text().contains("totp-secret"),
        "enrolled"
    );
}

/// The officer the admin adds, whose certificate A's CA issues.
const NEW_OFFICER: &str = "ver-baru";

/// The demo agency's admin adds a verifier with login `login` on the officers' page.
fn add_officer(server: &Server, login: &str) {
    let admin = DEMO_LOGINS
        .iter()
        .find(|l| l.login == "admin-dpmptsp")
        .expect("demo admin");
    let mut browser = Browser::new(server);
    browser.login(admin.login, admin.password);
    let csrf = browser.get("/admin/petugas").csrf();
    let res = browser.post(
        "/admin/petugas",
        &[
            ("csrf", &csrf),
            ("login", login),
            ("name", "Dewi Lestari"),
            ("email", ""),
            ("password", "sandi-ver-baru-2026"),
            ("role", "verifier"),
            ("position", "Verifikator Perizinan"),
            ("supervisor", ""),
        ],
    );
    assert_eq!(res.status, 303, "{}", res.text());
}

#[test]
fn a_node_without_its_databases_ca_or_second_factor_key_refuses_and_makes_no_file() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = TestDatabase::new(tmp.path());
    let url = db.url.clone();
    let a = Dirs::new(tmp.path(), "a");
    {
        let server = a.serve(&url);
        enroll_second_factor(&server);
        add_officer(&server, NEW_OFFICER);
    }
    let issue = Command::new(sahih_bin())
        .args(["keys", "issue", "--login", NEW_OFFICER, "--database", &url])
        .arg("--data")
        .arg(&a.data)
        .arg("--certs")
        .arg(&a.certs)
        .env("SAHIH_KEY_PASSPHRASE", DEMO_KEY_PASSPHRASE)
        .output()
        .expect("sahih keys issue");
    assert!(
        issue.status.success(),
        "{}",
        String::from_utf8_lossy(&issue.stderr)
    );

    // Another instance, on its own database: its files are not A's.
    let other_dir = tempfile::tempdir().expect("tempdir");
    let other_db = TestDatabase::new(other_dir.path());
    let other = Dirs::new(other_dir.path(), "other");
    drop(other.serve(&other_db.url));

    let all = [
        "E_LOG_KEY_MISMATCH",
        "E_CA_MISMATCH",
        "E_SECOND_FACTOR_KEY_MISMATCH",
    ];
    // (name, how the node's directories are set up, the codes it is refused with)
    type Setup<'a> = Box<dyn Fn(&Dirs) + 'a>;
    let cases: Vec<(&str, Setup, Vec<&str>)> = vec![
        ("none of the files", Box::new(|_: &Dirs| {}), all.to_vec()),
        (
            "no CA",
            Box::new(|d: &Dirs| copy(&a.data, &d.data, &DATA_FILES)),
            vec!["E_CA_MISMATCH"],
        ),
        (
            "no second-factor.key",
            Box::new(|d: &Dirs| {
                copy(&a.data, &d.data, &["log-signing.key"]);
                copy(&a.certs, &d.certs, &CA_FILES);
            }),
            vec!["E_SECOND_FACTOR_KEY_MISMATCH"],
        ),
        (
            "another instance's CA",
            Box::new(|d: &Dirs| {
                copy(&a.data, &d.data, &DATA_FILES);
                copy(&other.certs, &d.certs, &CA_FILES);
            }),
            vec!["E_CA_MISMATCH"],
        ),
        (
            "A's ca.pem with another instance's ca.key.pem",
            Box::new(|d: &Dirs| {
                copy(&a.data, &d.data, &DATA_FILES);
                copy(&a.certs, &d.certs, &["ca.pem"]);
                copy(&other.certs, &d.certs, &["ca.key.pem"]);
            }),
            vec!["E_CA_MISMATCH"],
        ),
        (
            "another instance's second-factor.key",
            Box::new(|d: &Dirs| {
                copy(&a.data, &d.data, &["log-signing.key"]);
                copy(&other.data, &d.data, &["second-factor.key"]);
                copy(&a.certs, &d.certs, &CA_FILES);
            }),
            vec!["E_SECOND_FACTOR_KEY_MISMATCH"],
        ),
    ];
    for (n, (name, setup, codes)) in cases.iter().enumerate() {
        let node = Dirs::new(tmp.path(), &format!("node{n}"));
        setup(&node);
        let before = node.snapshot();
        let (ok, stderr) = serve_refused(&node, &url);
        assert!(!ok, "{name}: refused");
        assert_eq!(
            stderr.trim().lines().count(),
            1,
            "{name}: one line: {stderr}"
        );
        for code in all {
            assert_eq!(
                stderr.contains(code),
                codes.contains(&code),
                "{name}: {code} in {stderr}"
            );
        }
        assert!(
            stderr.contains("docs/operations.md"),
            "{name}: says where to read: {stderr}"
        );
        assert_eq!(node.snapshot(), before, "{name}: no file made or changed");
    }

    // A's own directories start, and so does a node given copies of A's files.
    drop(a.serve(&url));
    let joined = Dirs::new(tmp.path(), "joined");
    copy(&a.data, &joined.data, &DATA_FILES);
    copy(&a.certs, &joined.certs, &CA_FILES);
    let node = Server::start_with_env(
        &joined.data,
        &joined.certs,
        &["--database", &url, "--no-demo"],
        &[],
    );
    let ca = |base: &str| {
        let mut b = Browser::at(base, Some(Duration::from_secs(30)));
        b.get("/pki/ca.pem").text()
    };
    assert_eq!(
        ca(&node.base),
        std::fs::read_to_string(a.certs.join("ca.pem")).expect("A's ca.pem"),
        "the joined node serves A's CA"
    );
}
