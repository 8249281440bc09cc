//! Two `sahih serve` nodes on one fresh PostgreSQL database, set up as a city would: node A
//! starts first (migrates, seeds the demo); node B gets its own data and certificates
//! directories holding only the secrets every node of one database must share
//! ([`DATA_SECRETS`], [`CERTS_SECRETS`]; docs/operations.md); a service imported with
//! `sahih services import`; officers created on the admin page; their keys issued on the admin
//! page (on node B) and with `sahih keys issue`; an API key made with `sahih apikey create`.

#![allow(dead_code)] // each test binary uses its own part

mod api;
pub mod officers;
mod staff;

pub use api::{Api, submit_all};
pub use staff::{Duty, Officer, Staff, staff};

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use diesel::{Connection, PgConnection, QueryableByName, RunQueryDsl};
use sahih_e2e::http::{Server, sahih_bin};
use sahih_store::testing::TestDatabase;

/// The agency whose admin runs the service (seeded by the demo).
pub const AGENCY: &str = "DPMPTSP";
/// The service the documents are submitted to.
pub const SERVICE: &str = "izin-usaha-mikro";
/// Its classification code: the counter (agency, classification, year) the test checks.
pub const CLASSIFICATION: &str = "503.1";
/// The position of the verifiers who give paraf.
pub const VERIFIER_POSITION: &str = "Analis Perizinan Usaha Mikro";
/// The position of the officials who sign.
pub const SIGNER_POSITION: &str = "Kepala Seksi Penerbitan Izin";
/// The address behind the load balancer (the certificates' CRL URL, the QR code's links).
pub const PUBLIC_URL: &str = "https://sahih.kota.test";
/// The built-in TSA's key passphrase, given to both nodes.
const TSA_PASSPHRASE: &str = "tsa-kota-sahih-2026";

/// The files of the data directory that every node of one database needs, the same on each.
pub const DATA_SECRETS: [&str; 2] = ["log-signing.key", "second-factor.key"];
/// The files of the certificates directory that every node of one database needs.
pub const CERTS_SECRETS: [&str; 4] = ["ca.pem", "ca.key.pem", "tsa.cert.pem", "tsa.key.pem"];

/// Micro business permits (Izin Usaha Mikro): a verifier's paraf, then an official's signature,
/// numbered 503.1/NNNN/DPMPTSP/month/year.
const SERVICE_TOML: &str = r#"
code = "izin-usaha-mikro"
agency = "DPMPTSP"
name = "Izin Usaha Mikro"
name_en = "Micro Business Permit"
description = "Izin bagi usaha mikro di wilayah kota."
description_en = "A permit for a micro business in the city."

[numbering]
classification = "503.1"
format = "{classification}/{seq:04}/{agency}/{month_roman}/{year}"

[[form]]
name = "nama_usaha"
label_id = "Nama usaha"
label_en = "Business name"
kind = "text"
required = true
max_chars = 120

[[steps]]
name = "Verifikasi berkas"
action = "paraf"
assignees = { role = "verifier", position = "Analis Perizinan Usaha Mikro" }

[[steps]]
name = "Penandatanganan"
action = "sign"
assignees = { role = "signer", position = "Kepala Seksi Penerbitan Izin" }
"#;

/// The configuration both nodes run with. Signing is B-T with the built-in TSA; the officers
/// here have no authenticator app, so TOTP is not required; the API's per-node rate is raised
/// for the one application that submits every document.
const CONFIG_TOML: &str = r#"
public_url = "https://sahih.kota.test"

[api]
requests_per_minute = 100000
burst = 10000

[signing]
tsa = "builtin"
require_totp = false
"#;

/// A node's own directories.
#[derive(Debug, Clone)]
pub struct NodeDirs {
    /// `--data`.
    pub data: PathBuf,
    /// `--certs`.
    pub certs: PathBuf,
}

/// Two nodes on one database. Fields drop in order: the nodes, then the database.
pub struct Cluster {
    /// Node A (started first; `None` while it is down).
    pub a: Option<Server>,
    /// Node B.
    pub b: Server,
    /// Node A's directories.
    pub dirs_a: NodeDirs,
    /// Node B's directories.
    pub dirs_b: NodeDirs,
    /// The database backend (pid) of node A's sequencer, which holds the leadership lock.
    pub a_sequencer: i32,
    config: PathBuf,
    /// The database, dropped after the nodes.
    pub db: TestDatabase,
    /// Holds the directories.
    pub tmp: tempfile::TempDir,
}

impl Cluster {
    /// A fresh database; node A started on it (migrations, demo data); the secrets copied
    /// into node B's directories; node B started with `--no-demo`.
    pub fn start() -> Cluster {
        let db = TestDatabase::postgres();
        let tmp = tempfile::tempdir().expect("tempdir");
        let config = tmp.path().join("sahih.toml");
        std::fs::write(&config, CONFIG_TOML).expect("write config");
        let dirs = |n: &str| NodeDirs {
            data: tmp.path().join(n).join("data"),
            certs: tmp.path().join(n).join("certs"),
        };
        let (dirs_a, dirs_b) = (dirs("a"), dirs("b"));
        let a = start_node(&db.url, &config, &dirs_a, false);
        // Node A's sequencer leads before B exists (so that killing A moves the lead).
        let mut conn = PgConnection::establish(&db.url).expect("connect");
        let a_sequencer = poll(Duration::from_secs(30), "node A's sequencer leads", || {
            sequencer_holder(&mut conn)
        });
        copy_secrets(&dirs_a, &dirs_b);
        let b = start_node(&db.url, &config, &dirs_b, true);
        Cluster {
            a: Some(a),
            b,
            dirs_a,
            dirs_b,
            a_sequencer,
            config,
            db,
            tmp,
        }
    }

    /// Node A, which must be up.
    pub fn a(&self) -> &Server {
        self.a.as_ref().expect("node A is up")
    }

    /// Kills node A with SIGKILL.
    pub fn kill_a(&mut self) {
        if let Some(mut a) = self.a.take() {
            a.kill();
        }
    }

    /// Starts node A again, on its directories and the same database.
    pub fn restart_a(&mut self) {
        assert!(self.a.is_none(), "node A is still up");
        self.a = Some(start_node(&self.db.url, &self.config, &self.dirs_a, false));
    }

    /// Runs `sahih ARGS… --database URL` with `env`.
    pub fn sahih(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        Command::new(sahih_bin())
            .args(args)
            .args(["--database", &self.db.url])
            .envs(env.iter().copied())
            .env_remove("SAHIH_DATA")
            .output()
            .expect("run sahih")
    }

    /// Like [`Cluster::sahih`], and it must succeed; its standard output.
    pub fn sahih_ok(&self, args: &[&str], env: &[(&str, &str)]) -> String {
        let out = self.sahih(args, env);
        assert!(
            out.status.success(),
            "sahih {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

#[derive(QueryableByName)]
struct Pid {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pid: i32,
}

/// The database backend (pid) holding the sequencer's advisory lock
/// (`dialect::SEQUENCER_LOCK`): the leading node's sequencer connection, if any.
pub fn sequencer_holder(conn: &mut PgConnection) -> Option<i32> {
    let key = sahih_store::dialect::SEQUENCER_LOCK;
    let (high, low) = (key >> 32, key & 0xffff_ffff);
    diesel::sql_query(format!(
        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1 \
         AND classid = {high} AND objid = {low} \
         AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    ))
    .get_result::<Pid>(conn)
    .ok()
    .map(|p| p.pid)
}

/// `sahih serve` with the cluster's database and configuration on fresh, empty directories:
/// a node started without the secrets. Waits for it to exit; its output.
pub fn serve_without_secrets(cluster: &Cluster) -> Output {
    let dir = cluster.tmp.path().join("bare");
    Command::new(sahih_bin())
        .arg("serve")
        .args(["--bind", "127.0.0.1:0", "--no-demo"])
        .arg("--data")
        .arg(dir.join("data"))
        .arg("--certs")
        .arg(dir.join("certs"))
        .arg("--config")
        .arg(&cluster.config)
        .args(["--database", &cluster.db.url])
        .env("SAHIH_TSA_PASSPHRASE", TSA_PASSPHRASE)
        .env("SAHIH_LOG", "warn")
        .output()
        .expect("run sahih serve")
}

/// `sahih serve` for one node; B is a configured node (`--no-demo`), A seeds the demo.
fn start_node(url: &str, config: &Path, dirs: &NodeDirs, joining: bool) -> Server {
    let config = config.to_string_lossy();
    let mut extra = vec!["--database", url, "--config", &config];
    if joining {
        extra.push("--no-demo");
    }
    Server::start_with_env(
        &dirs.data,
        &dirs.certs,
        &extra,
        &[("SAHIH_TSA_PASSPHRASE", TSA_PASSPHRASE)],
    )
}

/// Copies the secrets a node needs from node `from` to node `to` (modes kept: 0600 for keys).
fn copy_secrets(from: &NodeDirs, to: &NodeDirs) {
    for (dir, files, target) in [
        (&from.data, &DATA_SECRETS[..], &to.data),
        (&from.certs, &CERTS_SECRETS[..], &to.certs),
    ] {
        std::fs::create_dir_all(target).expect("mkdir");
        for f in files {
            std::fs::copy(dir.join(f), target.join(f))
                .unwrap_or_else(|e| panic!("copying {f}: {e}"));
        }
    }
}

/// The file names in `dir`, sorted.
pub fn file_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry"))
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Polls `check` every 50 ms until it returns `Some`, failing after `limit` with `what`.
pub fn poll<T>(limit: Duration, what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(v) = check() {
            return v;
        }
        assert!(Instant::now() < deadline, "{what}: not within {limit:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}
