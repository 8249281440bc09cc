//! A real `sahih serve` process on a free port, and a small cookie-keeping browser over ureq.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::Instance;

/// A running `sahih serve`, killed on drop.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
}

/// The `sahih` binary built next to this test.
pub fn sahih_bin() -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    let dir = exe.parent().and_then(Path::parent).expect("target dir");
    let bin = dir.join("sahih");
    assert!(
        bin.exists(),
        "{} is missing: run `cargo build -p sahih` (`cargo test --workspace` builds it for crates/cli/tests)",
        bin.display()
    );
    bin
}

impl Server {
    /// Starts `sahih serve --bind 127.0.0.1:0` on the instance (its data directory and database)
    /// and `certs`, and waits for the line that says it is listening. Keep the instance alive
    /// longer than the server.
    pub fn start(instance: &Instance, certs: &Path, extra: &[&str]) -> Server {
        let mut args = vec!["--database", instance.url()];
        args.extend_from_slice(extra);
        Server::start_with_env(&instance.dir, certs, &args, &[])
    }

    /// Starts `sahih serve --bind 127.0.0.1:0 --data DATA --certs CERTS EXTRA…` with further
    /// environment variables for the process. Without `--database` in `extra`, the server's
    /// database is `DATA/sahih.db` (tests about SQLite as such); [`Server::start`] gives it the
    /// test run's.
    pub fn start_with_env(
        data: &Path,
        certs: &Path,
        extra: &[&str],
        env: &[(&str, &str)],
    ) -> Server {
        let mut child = Command::new(sahih_bin())
            .arg("serve")
            .args(["--bind", "127.0.0.1:0"])
            .arg("--data")
            .arg(data)
            .arg("--certs")
            .arg(certs)
            .args(extra)
            .env("SAHIH_LOG", "warn")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn sahih serve");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let base = loop {
            let line = lines
                .next()
                .expect("sahih serve exited before listening")
                .expect("read stdout");
            if let Some(rest) = line.strip_prefix("Open ") {
                break rest.trim_end_matches('/').to_string();
            }
        };
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Server { child, base }
    }

    /// Kills the process at once (`SIGKILL`: no clean shutdown, as a crash or `kill -9`) and
    /// reaps it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A response, read whole.
#[derive(Debug)]
pub struct Resp {
    /// HTTP status.
    pub status: u16,
    /// `Location`, if any.
    pub location: Option<String>,
    /// `X-Sahih-Error`, the stable error code of an error page.
    pub error_code: Option<String>,
    /// `Content-Type`.
    pub content_type: Option<String>,
    /// `Content-Disposition`.
    pub content_disposition: Option<String>,
    /// The body.
    pub body: Vec<u8>,
}

impl Resp {
    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    /// The CSRF token of the first form on the page.
    pub fn csrf(&self) -> String {
        self.hidden("csrf").expect("page has a CSRF field")
    }

    /// The value of the first hidden field `name` on the page.
    pub fn hidden(&self, name: &str) -> Option<String> {
        let text = self.text();
        let marker = format!("name=\"{name}\" value=\"");
        let at = text.find(&marker)?;
        text[at + marker.len()..]
            .split('"')
            .next()
            .map(str::to_string)
    }

    /// The hidden fields of the page's form that posts to `action`, as a browser would send
    /// them; `None` when the page has no such form (the action is not offered).
    pub fn form_fields(&self, action: &str) -> Option<Vec<(String, String)>> {
        let text = self.text();
        let start = text.find(&format!("action=\"{action}\""))?;
        let form = &text[start..];
        let form = &form[..form.find("</form>").unwrap_or(form.len())];
        let mut fields = Vec::new();
        for input in form.split("<input").skip(1) {
            let tag = &input[..input.find('>').unwrap_or(input.len())];
            if !tag.contains("type=\"hidden\"") {
                continue;
            }
            let attr = |name: &str| {
                let marker = format!("{name}=\"");
                let at = tag.find(&marker)? + marker.len();
                tag[at..].split('"').next().map(str::to_string)
            };
            if let (Some(name), Some(value)) = (attr("name"), attr("value")) {
                fields.push((name, value));
            }
        }
        Some(fields)
    }

    /// The hidden fields a document page's action forms carry: csrf, state, version.
    pub fn action_fields(&self) -> Vec<(String, String)> {
        ["csrf", "state", "version"]
            .iter()
            .filter_map(|n| self.hidden(n).map(|v| (n.to_string(), v)))
            .collect()
    }
}

/// A browser: one session cookie, no automatic redirects.
pub struct Browser {
    agent: ureq::Agent,
    base: String,
    cookie: Option<String>,
}

impl Browser {
    /// A fresh browser for `server`.
    pub fn new(server: &Server) -> Browser {
        Browser::at(&server.base, None)
    }

    /// A fresh browser for the server at `base` (`http://HOST:PORT`) whose every request fails
    /// after `timeout` (none: waits as long as the server takes).
    pub fn at(base: &str, timeout: Option<std::time::Duration>) -> Browser {
        let agent = ureq::Agent::config_builder()
            .max_redirects(0)
            .max_redirects_will_error(false)
            .http_status_as_error(false)
            .timeout_global(timeout)
            // actix closes a keep-alive connection after 5 s idle; ureq would reuse one for
            // 15 s, and a request sent as the server closes it fails ("Peer disconnected").
            .max_idle_age(std::time::Duration::from_secs(2))
            .build()
            .into();
        Browser {
            agent,
            base: base.to_string(),
            cookie: None,
        }
    }

    /// Sends the next requests to the server at `base` (`http://HOST:PORT`), with the same
    /// session cookie: what a load balancer does when the node a user was on goes away.
    pub fn switch_to(&mut self, base: &str) {
        self.base = base.to_string();
    }

    /// The address requests go to, `http://127.0.0.1:PORT`.
    pub fn base(&self) -> &str {
        &self.base
    }

    fn finish(&mut self, res: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Resp {
        self.try_finish(res).expect("HTTP request")
    }

    fn try_finish(
        &mut self,
        res: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<Resp, ureq::Error> {
        let mut res = res?;
        let header = |name: &str| {
            res.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        for c in res.headers().get_all("set-cookie") {
            let c = c.to_str().unwrap_or_default();
            if let Some(v) = c.strip_prefix("sahih_session=") {
                self.cookie = Some(v.split(';').next().unwrap_or_default().to_string());
            }
        }
        let (location, error_code, content_type, content_disposition) = (
            header("location"),
            header("x-sahih-error"),
            header("content-type"),
            header("content-disposition"),
        );
        let status = res.status().as_u16();
        let body = res
            .body_mut()
            .with_config()
            .limit(200 * 1024 * 1024)
            .read_to_vec()?;
        Ok(Resp {
            status,
            location,
            error_code,
            content_type,
            content_disposition,
            body,
        })
    }

    /// Whether the server gave this browser a session.
    pub fn has_session(&self) -> bool {
        self.cookie.is_some()
    }

    fn cookie(&self) -> String {
        self.cookie
            .as_ref()
            .map(|c| format!("sahih_session={c}"))
            .unwrap_or_default()
    }

    /// GET `path`.
    pub fn get(&mut self, path: &str) -> Resp {
        let res = self
            .agent
            .get(format!("{}{path}", self.base))
            .header("Cookie", self.cookie())
            .call();
        self.finish(res)
    }

    /// GET `path`; a transport failure (the server is gone) is returned, not a panic.
    pub fn try_get(&mut self, path: &str) -> Result<Resp, ureq::Error> {
        let res = self
            .agent
            .get(format!("{}{path}", self.base))
            .header("Cookie", self.cookie())
            .call();
        self.try_finish(res)
    }

    /// POST an urlencoded form; a transport failure is returned, not a panic.
    pub fn try_post(&mut self, path: &str, form: &[(&str, &str)]) -> Result<Resp, ureq::Error> {
        let res = self
            .agent
            .post(format!("{}{path}", self.base))
            .header("Cookie", self.cookie())
            .send_form(form.iter().copied());
        self.try_finish(res)
    }

    /// GET `path` with a `Referer`.
    pub fn get_with_referer(&mut self, path: &str, referer: &str) -> Resp {
        let res = self
            .agent
            .get(format!("{}{path}", self.base))
            .header("Cookie", self.cookie())
            .header("Referer", referer)
            .call();
        self.finish(res)
    }

    /// POST an action form of `page` (its csrf, state and version) plus `extra` fields.
    pub fn post_action(&mut self, page: &Resp, path: &str, extra: &[(&str, &str)]) -> Resp {
        let fields = page.action_fields();
        self.post(path, &with_extra(&fields, extra))
    }

    /// POST a multipart action form of `page` (its csrf, state and version) plus `extra` fields
    /// and an optional file in `berkas`.
    pub fn post_multipart_action(
        &mut self,
        page: &Resp,
        path: &str,
        extra: &[(&str, &str)],
        file: Option<(&str, &[u8])>,
    ) -> Resp {
        let fields = page.action_fields();
        self.post_multipart(path, &with_extra(&fields, extra), file)
    }

    /// POST an urlencoded form.
    pub fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Resp {
        let res = self
            .agent
            .post(format!("{}{path}", self.base))
            .header("Cookie", self.cookie())
            .send_form(form.iter().copied());
        self.finish(res)
    }

    /// POST `multipart/form-data` with text fields and an optional file in field `berkas`.
    pub fn post_multipart(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        file: Option<(&str, &[u8])>,
    ) -> Resp {
        let files: Vec<(&str, &str, &[u8])> = file
            .map(|(name, bytes)| ("berkas", name, bytes))
            .into_iter()
            .collect();
        self.post_multipart_files(path, fields, &files)
    }

    /// POST `multipart/form-data` with text fields and files, each `(field, filename, bytes)`.
    pub fn post_multipart_files(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &str, &[u8])],
    ) -> Resp {
        let boundary = "sahih-test-boundary-7f3a";
        let mut body = Vec::new();
        for (k, v) in fields {
            body.extend(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                )
                .bytes(),
            );
        }
        for (field, filename, bytes) in files {
            body.extend(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\nContent-Type: application/pdf\r\n\r\n"
                )
                .bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend(b"\r\n");
        }
        body.extend(format!("--{boundary}--\r\n").bytes());
        let res = self
            .agent
            .post(format!("{}{path}", self.base))
            .header("Cookie", self.cookie())
            .header(
                "Content-Type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .send(&body[..]);
        self.finish(res)
    }

    /// POST `body` as is, with `Content-Type: content_type` (as an API client would).
    pub fn post_raw(&mut self, path: &str, content_type: &str, body: &[u8]) -> Resp {
        let res = self
            .agent
            .post(format!("{}{path}", self.base))
            .header("Cookie", self.cookie())
            .header("Content-Type", content_type)
            .send(body);
        self.finish(res)
    }

    /// Logs in (through the login form) and returns where the server sent the user.
    pub fn login(&mut self, login: &str, password: &str) -> Resp {
        let csrf = self.get("/masuk").csrf();
        self.post(
            "/masuk",
            &[("csrf", &csrf), ("login", login), ("password", password)],
        )
    }
}

/// A page's hidden fields followed by `extra`, as borrowed pairs for a form body.
fn with_extra<'a>(
    fields: &'a [(String, String)],
    extra: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    let mut form: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    form.extend_from_slice(extra);
    form
}
