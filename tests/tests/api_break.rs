//! Breaking the integration API against a real `sahih serve`, with keys made by
//! `sahih apikey create`: racing clients, a citizen's session on the API, applicant logins,
//! rate limits behind forged forwarding headers, hostile names and receiver replies on the
//! admin and officer pages, and a catch-up poll that must see every change.
//!
//! Tests marked `#[ignore = "defect: …"]` reproduce a defect that is still open; the others
//! guard what holds.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Condvar, Mutex};

use sahih_e2e::http::{Browser, Server};
use sahih_e2e::{Instance, shared_dir};

const BOUNDARY: &str = "sahih-break-boundary-42";

struct World {
    server: Server,
    /// The server's data directory and database (dropped after the server).
    instance: Instance,
    _tmp: tempfile::TempDir,
    agent: ureq::Agent,
    pdf: Vec<u8>,
}

fn world(extra: &[&str]) -> World {
    let tmp = tempfile::tempdir().expect("tempdir");
    let instance = Instance::new(tmp.path().join("data"));
    let server = Server::start(&instance, &tmp.path().join("certs"), extra);
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into();
    let pdf = std::fs::read(shared_dir().join("corpus/plain/pdfrs_libreoffice.pdf")).expect("pdf");
    World {
        server,
        instance,
        _tmp: tmp,
        agent,
        pdf,
    }
}

/// An answer, read whole.
#[derive(Debug)]
struct Answer {
    status: u16,
    retry_after: Option<String>,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}), status {}: {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }
}

impl World {
    /// `sahih apikey create` for DPMPTSP's application `code` (registered with `name` when new).
    fn key(&self, code: &str, name: &str, extra: &[&str]) -> String {
        let out = self
            .instance
            .sahih(&[
                "apikey",
                "create",
                "--agency",
                "DPMPTSP",
                "--application",
                code,
            ])
            .args(["--name", name])
            .args(extra)
            .output()
            .expect("sahih apikey create");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .expect("utf-8")
            .trim()
            .to_owned()
    }

    fn finish(res: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Answer {
        let mut res = res.expect("HTTP request");
        let retry_after = res
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        Answer {
            status: res.status().as_u16(),
            retry_after,
            body: res
                .body_mut()
                .with_config()
                .limit(50 * 1024 * 1024)
                .read_to_vec()
                .expect("body"),
        }
    }

    fn get(&self, path: &str, token: &str) -> Answer {
        World::finish(
            self.agent
                .get(format!("{}{path}", self.server.base))
                .header("Authorization", format!("Bearer {token}"))
                .call(),
        )
    }

    /// Submits the demo PDF to the licensing office's service, with `idem` if given.
    fn submit(&self, token: &str, idem: Option<&str>, name: &str) -> Answer {
        let metadata = serde_json::json!({
            "service": "surat-keterangan-usaha",
            "form": {"nama_usaha": name, "bidang_usaha": "Kuliner", "alamat_usaha": "Jl. Merdeka 12"}
        });
        let mut body = format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"metadata\"\r\n\r\n{metadata}\r\n\
             --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"berkas\"; filename=\"a.pdf\"\r\n\
             Content-Type: application/pdf\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(&self.pdf);
        body.extend(format!("\r\n--{BOUNDARY}--\r\n").bytes());
        let mut req = self
            .agent
            .post(format!("{}/api/v1/documents", self.server.base))
            .header("Authorization", format!("Bearer {token}"))
            .header(
                "Content-Type",
                format!("multipart/form-data; boundary={BOUNDARY}"),
            );
        if let Some(k) = idem {
            req = req.header("Idempotency-Key", k);
        }
        World::finish(req.send(&body[..]))
    }

    /// Verifies a non-PDF without a key, with `headers` added.
    fn verify_anonymously(&self, headers: &[(&str, &str)]) -> Answer {
        let mut req = self
            .agent
            .post(format!("{}/api/v1/verify", self.server.base))
            .header("Content-Type", "application/pdf");
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        World::finish(req.send(&b"bukan PDF"[..]))
    }
}

/// Guard: clients racing on a real server (one Idempotency-Key from twelve threads, and
/// twelve other submissions through three keys at the same time) make exactly one document
/// per key and request, never a 5xx.
#[test]
fn racing_clients_make_one_document_per_idempotency_key() {
    let w = Arc::new(world(&[]));
    let keys: Vec<String> = (0..3)
        .map(|_| w.key("portal-perizinan", "Portal Perizinan", &[]))
        .collect();
    let mut threads = Vec::new();
    for n in 0..24 {
        let (w, token) = (w.clone(), keys[n % 3].clone());
        threads.push(std::thread::spawn(move || {
            let send = || {
                if n % 2 == 0 {
                    w.submit(&token, Some("perizinan/2026-000123"), "Warung Sari")
                } else {
                    w.submit(&token, Some(&format!("lain-{n}")), &format!("Warung {n}"))
                }
            };
            // 503 E_BUSY (the PDF checks' queue is full: 24 uploads at once on a small machine)
            // is the documented answer to retry after Retry-After (1 s), as a client does, with
            // the same Idempotency-Key; any other 5xx fails the test.
            let mut answer = send();
            for _ in 0..30 {
                if answer.status != 503 || answer.json()["code"] != "E_BUSY" {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_secs(1));
                answer = send();
            }
            let id = answer.json()["id"].as_str().map(str::to_owned);
            (n, answer.status, id)
        }));
    }
    let mut shared = Vec::new();
    for t in threads {
        let (n, status, id) = t.join().expect("thread");
        assert_eq!(status, 201, "request {n}");
        if n % 2 == 0 {
            shared.push(id.expect("id"));
        }
    }
    shared.dedup();
    assert_eq!(shared.len(), 1, "one document for the shared key");
    let page = w.get("/api/v1/documents?limit=100", &keys[0]).json();
    assert_eq!(
        page["documents"].as_array().map(Vec::len),
        Some(13),
        "1 for the shared key + 12 others: {page}"
    );
}

/// Guard: a citizen's session cookie is not an API key; nobody logs in on the web as an
/// application's applicant account, and no citizen can register a login that looks like one;
/// the application's documents stay out of the citizen's pages.
#[test]
fn sessions_are_not_keys_and_application_logins_are_closed() {
    let w = world(&[]);
    let token = w.key("portal-perizinan", "Portal Perizinan", &[]);
    let id = w.submit(&token, None, "Warung Sari").json()["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let mut citizen = Browser::new(&w.server);
    citizen.login("warga", "warga-demo-2026");
    assert!(citizen.has_session());
    for path in [
        "/api/v1/documents".to_owned(),
        format!("/api/v1/documents/{id}"),
    ] {
        let res = citizen.get(&path);
        assert_eq!(res.status, 401, "{path}");
        assert_eq!(res.json()["code"], "E_API_KEY_MISSING", "{path}");
    }
    assert_eq!(citizen.get(&format!("/permohonan/{id}")).status, 404);
    assert_eq!(citizen.get(&format!("/dokumen/{id}/unduh")).status, 404);

    let mut stranger = Browser::new(&w.server);
    for password in ["", "portal-perizinan", &token] {
        let res = stranger.login("app.portal-perizinan", password);
        assert_ne!(
            res.status, 303,
            "no login as the application ({password:?})"
        );
    }
    for login in ["app.portal-perizinan", "App.Portal-Baru", "app.baru"] {
        let page = stranger.get("/daftar");
        let res = stranger.post(
            "/daftar",
            &[
                ("csrf", &page.csrf()),
                ("login", login),
                ("name", "Eve"),
                ("email", "eve@example.com"),
                ("password", "sangat-rahasia-2026"),
            ],
        );
        assert_eq!(res.status, 409, "{login}");
        assert_eq!(res.error_code.as_deref(), Some("E_LOGIN_TAKEN"), "{login}");
    }
}

/// Guard: a client without a key is counted by the address its connection comes from:
/// changing `X-Forwarded-For`, `X-Real-IP` or `Forwarded` does not give it a new bucket, and a
/// key has a bucket of its own.
#[test]
fn forged_forwarding_headers_do_not_reset_the_anonymous_rate() {
    let w = world(&["--api-burst", "3", "--api-requests-per-minute", "1"]);
    let token = w.key("portal-perizinan", "Portal Perizinan", &[]);
    for n in 0..3 {
        let ip = format!("10.0.0.{n}");
        let res = w.verify_anonymously(&[("X-Forwarded-For", &ip)]);
        assert_eq!(res.status, 422, "request {n}: {:?}", res.json());
    }
    for (name, value) in [
        ("X-Forwarded-For", "203.0.113.7"),
        ("X-Real-IP", "203.0.113.8"),
        ("Forwarded", "for=203.0.113.9"),
    ] {
        let res = w.verify_anonymously(&[(name, value)]);
        assert_eq!(res.status, 429, "{name}");
        assert!(res.retry_after.is_some(), "{name}: Retry-After");
        assert_eq!(res.json()["code"], "E_RATE_LIMITED");
    }
    let keyed = World::finish(
        w.agent
            .post(format!("{}/api/v1/verify", w.server.base))
            .header("Authorization", format!("Bearer {token}"))
            .header("Content-Type", "application/pdf")
            .send(&b"bukan PDF"[..]),
    );
    assert_eq!(keyed.status, 422, "the key's own bucket");
}

/// A receiver that answers every request 500 with `reply`, and counts the answers written.
fn hostile_receiver(reply: &'static str) -> (String, Arc<(Mutex<usize>, Condvar)>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    let answered = Arc::new((Mutex::new(0usize), Condvar::new()));
    let count = answered.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut length = 0;
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 0) {
                let l = line.trim_end().to_ascii_lowercase();
                if l.is_empty() {
                    break;
                }
                if let Some(v) = l.strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
                line.clear();
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            let _ = write!(
                stream,
                "HTTP/1.1 500 Internal Server Error\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{reply}",
                reply.len()
            );
            let _ = stream.flush();
            *count.0.lock().expect("count") += 1;
            count.1.notify_all();
        }
    });
    (url, answered)
}

/// Guard: an application's name and a receiver's reply are text on the admin and officer
/// pages, never markup: a hostile name (set with `sahih apikey create --name`) and a receiver
/// answering with a script appear escaped on /admin/api, /admin/webhook, the verifier's queue
/// and the document's page.
#[test]
fn hostile_names_and_receiver_replies_are_escaped() {
    let w = world(&[]);
    let (url, answered) = hostile_receiver("<img src=x onerror=alert(1)>");
    let token = w.key(
        "portal-jahil",
        "<script>alert(\"nama\")</script>",
        &["--webhook", &url],
    );
    let id = w.submit(&token, None, "Warung Jahil").json()["id"]
        .as_str()
        .expect("id")
        .to_owned();
    // Waits on the receiver (bounded), not on a clock.
    {
        let (count, cv) = &*answered;
        let guard = count.lock().expect("count");
        let (guard, _) = cv
            .wait_timeout_while(guard, std::time::Duration::from_secs(60), |n| *n == 0)
            .expect("wait");
        assert!(*guard > 0, "the receiver was called");
    }
    let mut admin = Browser::new(&w.server);
    admin.login("admin-dpmptsp", "admin-demo-2026");
    // The failure is recorded just after the receiver answered: look a bounded number of times.
    let mut log = String::new();
    for _ in 0..100 {
        log = admin.get("/admin/webhook").text();
        if log.contains("HTTP 500") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(log.contains("HTTP 500"), "the failed attempt is in the log");
    assert!(
        !log.contains("img src=x"),
        "what the receiver said is never shown, escaped or not"
    );
    let page = admin.get("/admin/api").text();
    assert!(!page.contains("<script>alert"), "the name is not markup");
    let mut verifier = Browser::new(&w.server);
    verifier.login("verifikator", "verifikator-demo");
    for path in ["/petugas".to_owned(), format!("/petugas/dokumen/{id}")] {
        let text = verifier.get(&path).text();
        assert!(
            text.contains("alert(&#34;nama&#34;)") || text.contains("alert(&quot;nama&quot;)"),
            "{path} shows the name"
        );
        assert!(!text.contains("<script>alert"), "{path}");
    }
}

/// Unix seconds as RFC 3339 UTC (the civil-from-days algorithm of H. Hinnant).
fn rfc3339(unix: i64) -> String {
    let (days, secs) = (unix.div_euclid(86_400), unix.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// Defect: a disposisi (forwarded) is a change the application sees in the document's history
/// and receives as a webhook, but it leaves `updated_at` as it was, so `updated_since`
/// (docs/api.md: "only documents whose last change is at or after this time", and the
/// catch-up recipe without webhooks) does not list the document, and its `updated_at` is older
/// than its last event. Here the document was submitted an hour ago (its times moved back in
/// the database) and forwarded by the signing official just now.
#[test]
fn a_disposisi_is_a_change_for_updated_since() {
    let w = world(&[]);
    let token = w.key("portal-perizinan", "Portal Perizinan", &[]);
    let id = w.submit(&token, None, "Warung Sari").json()["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let moved = w.instance.execute(&format!(
        "UPDATE documents SET created_at = created_at - 3600, updated_at = updated_at - 3600 \
             WHERE public_id = '{id}'"
    ));
    assert_eq!(moved, 1);
    w.instance.execute(&format!(
        "UPDATE events SET at = at - 3600 WHERE document_id = \
             (SELECT id FROM documents WHERE public_id = '{id}')"
    ));
    let last_poll = sahih_store::now() - 600;

    let mut signer = Browser::new(&w.server);
    signer.login("penandatangan", "penandatangan-demo");
    let page = signer.get(&format!("/petugas/dokumen/{id}"));
    let text = page.text();
    let to = text
        .split("<option value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("a subordinate to forward to")
        .to_owned();
    let res = signer.post(
        &format!("/petugas/dokumen/{id}/disposisi"),
        &[
            ("csrf", &page.csrf()),
            ("kepada", &to),
            ("instruksi", "Tolong periksa kelengkapan"),
        ],
    );
    assert_eq!(res.status, 303, "{}", res.text());

    let status = w.get(&format!("/api/v1/documents/{id}"), &token).json();
    let last = status["history"]
        .as_array()
        .and_then(|h| h.last())
        .expect("history");
    assert_eq!(last["event"], "forwarded");
    let since = rfc3339(last_poll);
    let page = w
        .get(&format!("/api/v1/documents?updated_since={since}"), &token)
        .json();
    let listed: Vec<&str> = page["documents"]
        .as_array()
        .expect("documents")
        .iter()
        .filter_map(|d| d["id"].as_str())
        .collect();
    assert_eq!(
        status["updated_at"], last["at"],
        "updated_at is the time of the last change"
    );
    assert!(
        listed.contains(&id.as_str()),
        "a poll since {since} lists the document forwarded after it"
    );
}

/// Guard: `sahih apikey webhook` refuses a webhook URL with a user name and password in it, as
/// the admin page does ("they would show on this page and in the delivery log"); nothing of it
/// shows on /admin/api (found taken by the CLI while breaking).
#[test]
fn the_cli_refuses_the_webhook_urls_the_admin_page_refuses() {
    let w = world(&[]);
    w.key("portal-perizinan", "Portal Perizinan", &[]);
    let out = w
        .instance
        .sahih(&["apikey", "webhook", "--application", "portal-perizinan"])
        .args([
            "--url",
            "https://portal:rahasia@portal.dpmptsp.example/hook",
        ])
        .output()
        .expect("sahih apikey webhook");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let mut admin = Browser::new(&w.server);
    admin.login("admin-dpmptsp", "admin-demo-2026");
    let page = admin.get("/admin/api").text();
    assert!(
        !page.contains("portal:rahasia@"),
        "the password is not shown on the admin page"
    );
    assert!(!out.status.success(), "refused: {stderr}");
    assert!(stderr.contains("E_BAD_WEBHOOK_URL"), "{stderr}");
}
