//! A real SMTP server for the tests: Python's aiosmtpd (PyPI), run by `smtp_sink.py` on a free
//! port of 127.0.0.1, writing every message it accepts to a directory as JSON.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A message the server accepted, decoded.
#[derive(Debug, Clone)]
pub struct Received {
    /// The envelope sender (MAIL FROM).
    pub from: String,
    /// The envelope recipients (RCPT TO).
    pub to: Vec<String>,
    /// The `From:` header.
    pub header_from: String,
    /// The `Subject:` header, decoded.
    pub subject: String,
    /// The text/plain body, decoded from its transfer encoding.
    pub body: String,
}

/// A running test SMTP server, killed on drop.
pub struct SmtpSink {
    child: Child,
    dir: PathBuf,
    /// Its port on 127.0.0.1.
    pub port: u16,
}

/// Whether aiosmtpd can be imported. When it cannot: panics saying how to install it, unless
/// `SAHIH_SKIP_SMTP_TESTS=1`, when it says loudly that the test is skipped and returns false.
pub fn aiosmtpd_available() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import aiosmtpd"])
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !ok {
        assert!(
            std::env::var("SAHIH_SKIP_SMTP_TESTS").as_deref() == Ok("1"),
            "the test SMTP server needs aiosmtpd: run `python3 -m pip install aiosmtpd` \
             (or set SAHIH_SKIP_SMTP_TESTS=1 to skip the e-mail tests)"
        );
        eprintln!(
            "SKIPPING the e-mail tests LOUDLY: aiosmtpd is missing (SAHIH_SKIP_SMTP_TESTS=1)"
        );
    }
    ok
}

impl SmtpSink {
    /// Starts the server, writing messages under `dir` (created), and waits for its port.
    pub fn start(dir: &Path) -> SmtpSink {
        std::fs::create_dir_all(dir).expect("mail dir");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/smtp_sink.py");
        let mut child = Command::new("python3")
            .arg(script)
            .arg(dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn python3 smtp_sink.py");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read the port");
        let port = line
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("smtp_sink.py printed no port: {line:?}"));
        SmtpSink {
            child,
            dir: dir.to_path_buf(),
            port,
        }
    }

    /// Every message accepted so far, in order.
    pub fn received(&self) -> Vec<Received> {
        let mut names: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .expect("mail dir")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        names.sort();
        names
            .iter()
            .map(|p| {
                let v: serde_json::Value =
                    serde_json::from_slice(&std::fs::read(p).expect("read mail")).expect("json");
                let s = |k: &str| v[k].as_str().unwrap_or_default().to_string();
                Received {
                    from: s("from"),
                    to: v["to"]
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .filter_map(|t| t.as_str().map(str::to_string))
                                .collect()
                        })
                        .unwrap_or_default(),
                    header_from: s("header_from"),
                    subject: s("subject"),
                    body: s("body"),
                }
            })
            .collect()
    }

    /// Waits until `count` messages have arrived (at most `limit`), and returns them all.
    pub fn wait_for(&self, count: usize, limit: Duration) -> Vec<Received> {
        let deadline = Instant::now() + limit;
        loop {
            let got = self.received();
            if got.len() >= count || Instant::now() >= deadline {
                return got;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
