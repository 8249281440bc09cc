//! Running the attack variants: a development CA and officer key made by `sahih keys
//! dev-init`, signing with `sahih sign` (and certifying with pyHanko's CLI, which can write
//! DocMDP certification signatures), and `sahih verify --format json` under a time bound.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::http::sahih_bin;

/// The passphrase `sahih keys dev-init` encrypts officer keys with.
pub const DEV_PASSPHRASE: &str = "sahih-demo";

/// A development CA and the signing officer's key and certificate.
#[derive(Debug, Clone)]
pub struct Pki {
    pub ca: PathBuf,
    pub key: PathBuf,
    pub cert: PathBuf,
}

/// Runs `sahih keys dev-init --dir dir`.
pub fn dev_pki(dir: &Path) -> Pki {
    let out = Command::new(sahih_bin())
        .args(["keys", "dev-init", "--dir"])
        .arg(dir)
        .output()
        .expect("run sahih keys dev-init");
    assert!(
        out.status.success(),
        "sahih keys dev-init: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Pki {
        ca: dir.join("ca.pem"),
        key: dir.join("penandatangan.key.pem"),
        cert: dir.join("penandatangan.cert.pem"),
    }
}

/// `sahih sign` of `input` into `out`; the one-line reason when it refuses.
pub fn sahih_sign(pki: &Pki, input: &Path, out: &Path) -> Result<Vec<u8>, String> {
    let res = Command::new(sahih_bin())
        .arg("sign")
        .arg("--key")
        .arg(&pki.key)
        .arg("--cert")
        .arg(&pki.cert)
        .arg("--chain")
        .arg(&pki.ca)
        .arg(input)
        .arg("-o")
        .arg(out)
        .env("SAHIH_KEY_PASSPHRASE", DEV_PASSPHRASE)
        .output()
        .map_err(|e| e.to_string())?;
    if !res.status.success() {
        return Err(String::from_utf8_lossy(&res.stderr).trim().to_string());
    }
    std::fs::read(out).map_err(|e| e.to_string())
}

/// A DocMDP (P = 2) certification signature by the development officer, made by pyHanko's
/// CLI; `None` when pyHanko is not installed or refuses.
pub fn pyhanko_certify(pki: &Pki, input: &Path, out: &Path) -> Option<Vec<u8>> {
    let pass = out.with_extension("pass");
    std::fs::write(&pass, DEV_PASSPHRASE).ok()?;
    let status = Command::new("pyhanko")
        .args([
            "sign",
            "addsig",
            "--field",
            "Sertifikasi",
            "--certify",
            "--use-pades",
        ])
        .arg("pemder")
        .arg("--key")
        .arg(&pki.key)
        .arg("--cert")
        .arg(&pki.cert)
        .arg("--chain")
        .arg(&pki.ca)
        .arg("--passfile")
        .arg(&pass)
        .arg(input)
        .arg(out)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .ok()?;
    status.success().then(|| std::fs::read(out).ok()).flatten()
}

/// What `sahih verify --format json` said about one file.
#[derive(Debug, Clone)]
pub struct Verdict {
    /// Exit status: 0 TOTAL-PASSED, 1 INDETERMINATE, 2 TOTAL-FAILED, 3 unusable.
    pub exit: i32,
    pub json: serde_json::Value,
    pub elapsed: Duration,
}

impl Verdict {
    /// The document's indication (`UNUSABLE` for unusable input).
    pub fn indication(&self) -> &str {
        self.json["indication"].as_str().unwrap_or("?")
    }

    /// The deciding finding: `reason` of a report, `code` of an unusable-input answer.
    pub fn reason(&self) -> &str {
        self.json["reason"]
            .as_str()
            .filter(|_| self.json.get("code").is_none())
            .or_else(|| self.json["code"].as_str())
            .unwrap_or("?")
    }

    /// The report's signatures.
    pub fn signatures(&self) -> Vec<serde_json::Value> {
        self.json["signatures"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }
}

/// Rank of an indication, best first: TOTAL-PASSED 0, INDETERMINATE 1, TOTAL-FAILED 2,
/// UNUSABLE 3.
pub fn rank(indication: &str) -> u8 {
    match indication {
        "TOTAL-PASSED" => 0,
        "INDETERMINATE" => 1,
        "TOTAL-FAILED" => 2,
        _ => 3,
    }
}

/// Runs `sahih verify [--trust T]... --format json file`, killed after `limit`; an error
/// says what went wrong (a hang, a crash, output that is not JSON). Writes nothing to disk.
pub fn sahih_verify(file: &Path, trust: &[&Path], limit: Duration) -> Result<Verdict, String> {
    let mut cmd = Command::new(sahih_bin());
    cmd.arg("verify");
    for t in trust {
        cmd.arg("--trust").arg(t);
    }
    let started = Instant::now();
    let mut child = cmd
        .args(["--format", "json"])
        .arg(file)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    // Drain stdout on a thread so a long report never blocks the child on a full pipe.
    let mut stdout = child.stdout.take().ok_or("no stdout")?;
    let reader = std::thread::spawn(move || {
        let mut text = Vec::new();
        stdout.read_to_end(&mut text).map(|_| text)
    });
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("no answer within {limit:?} (killed)"));
        }
        // Polling the child is the time bound itself, not a wait for some other event.
        std::thread::sleep(Duration::from_millis(2));
    };
    let elapsed = started.elapsed();
    let exit = status
        .code()
        .ok_or_else(|| format!("killed by a signal: {status}"))?;
    let text = reader
        .join()
        .map_err(|_| "stdout reader panicked".to_string())?
        .map_err(|e| e.to_string())?;
    let json = serde_json::from_slice(&text)
        .map_err(|e| format!("exit {exit}, output is not JSON ({e})"))?;
    Ok(Verdict {
        exit,
        json,
        elapsed,
    })
}

/// `f` over `items` on `threads` threads; results in the items' order.
pub fn parallel<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let mut results: Vec<(usize, R)> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads.max(1))
            .map(|_| {
                s.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break };
                        mine.push((i, f(item)));
                    }
                    mine
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("worker thread"))
            .collect()
    });
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}
