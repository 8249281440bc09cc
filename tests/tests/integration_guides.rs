//! The integration guides in docs/integrations/ run as written: each guide's ```sh blocks, in
//! order, with bash (`set -euo pipefail`), against a real `sahih serve` with the demo data, with
//! the `sahih` binary of this build on PATH and `SAHIH_DATA` and `SAHIH_DATABASE_URL` naming
//! the server's data directory and database, so that the guide's own `sahih services import`, `sahih apikey create` and
//! `sahih apikey webhook` act on that server. Variables a block assigns (`DOC_ID=…`) are
//! there for the blocks after it. Where a guide says `<!-- test: sign VAR -->`, the officers
//! give paraf and sign the document whose id is in `$VAR`, through the application services
//! on the server's database, before the next block (which downloads the signed PDF). Every
//! block must exit 0 (the guides use `curl --fail-with-body`, and `jq -e` or `test` where
//! they check an answer). A PDF a block uploads (`berkas=@FILE`) is a third-party PDF of the
//! corpus.

mod api_support;

use std::path::{Path, PathBuf};
use std::process::Command;

use api_support::{ApiServer, corpus_pdf, sign_through};
use sahih_workflow::DocumentState;

/// One step of a guide: a block to run, or a marker for the test.
#[derive(Debug)]
enum Step {
    /// A ```sh block, with the line it starts on.
    Sh { line: usize, code: String },
    /// `<!-- test: sign VAR -->`.
    Sign { var: String },
}

/// The guide's steps, in order.
fn steps(markdown: &str) -> Vec<Step> {
    let mut steps = Vec::new();
    let mut block: Option<(usize, String)> = None;
    for (i, line) in markdown.lines().enumerate() {
        match &mut block {
            Some(_) if line.trim_start().starts_with("```") => {
                let (start, code) = block.take().expect("open block");
                steps.push(Step::Sh { line: start, code });
            }
            Some((_, code)) => {
                code.push_str(line);
                code.push('\n');
            }
            None if line.trim() == "```sh" => block = Some((i + 1, String::new())),
            None => {
                if let Some(var) = line
                    .trim()
                    .strip_prefix("<!-- test: sign ")
                    .and_then(|rest| rest.strip_suffix("-->"))
                {
                    steps.push(Step::Sign {
                        var: var.trim().to_owned(),
                    });
                }
            }
        }
    }
    assert!(block.is_none(), "an ```sh block is not closed");
    steps
}

/// The shell variables a block assigns at the start of a line (`NAME=…`, `export NAME=…`).
fn assigned(code: &str) -> Vec<String> {
    let mut names: Vec<String> = code
        .lines()
        .filter_map(|l| {
            let l = l.trim_start();
            let l = l.strip_prefix("export ").unwrap_or(l);
            let name: String = l
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            let starts_well = name
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
            (starts_well && l[name.len()..].starts_with('=')).then_some(name)
        })
        .collect();
    names.sort();
    names.dedup();
    names
}

/// The files a block uploads with curl's `-F "field=@FILE;…"` or `--data-binary "@FILE"`.
fn uploads(code: &str) -> Vec<String> {
    code.match_indices("=@")
        .map(|(at, _)| {
            code[at + 2..]
                .chars()
                .take_while(|c| !matches!(c, ';' | '"' | '\'' | ' ' | '\n'))
                .collect::<String>()
        })
        .filter(|f| f.ends_with(".pdf") && !f.contains('$'))
        .collect()
}

/// Checks that a guide shows every part an integration needs, then runs it against a fresh
/// server.
fn run_guide(file: &str) {
    let path = sahih_e2e::repo_dir().join("docs/integrations").join(file);
    let markdown = std::fs::read_to_string(&path).expect("guide");
    let steps = steps(&markdown);
    let all_code: String = steps
        .iter()
        .filter_map(|s| match s {
            Step::Sh { code, .. } => Some(code.as_str()),
            Step::Sign { .. } => None,
        })
        .collect();
    for part in [
        "sahih services import examples/services/",
        "sahih apikey create",
        "Idempotency-Key:",
        "/api/v1/documents\"",
        "/api/v1/documents/$DOC_ID\"",
        "--data-urlencode",
        "/signed.pdf\"",
        "/receipt\"",
        "/api/v1/verify\"",
        "sahih apikey webhook",
        "--fail-with-body",
    ] {
        assert!(all_code.contains(part), "{file}: no block shows {part:?}");
    }
    assert!(
        steps.iter().any(|s| matches!(s, Step::Sign { .. })),
        "{file}: no <!-- test: sign VAR --> before the download"
    );

    let srv = ApiServer::start();
    let work = srv.tmp.path().join("work");
    std::fs::create_dir_all(&work).expect("work dir");
    symlink_dir(
        &sahih_e2e::repo_dir().join("examples"),
        &work.join("examples"),
    );
    let state = srv.tmp.path().join("guide-state.sh");
    std::fs::write(&state, "").expect("state file");
    let bin_dir: PathBuf = sahih_e2e::http::sahih_bin()
        .parent()
        .expect("bin dir")
        .to_path_buf();
    let path_var = std::env::join_paths(std::iter::once(bin_dir).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .expect("PATH");
    let app = srv.app();

    for step in &steps {
        match step {
            Step::Sh { line, code } => {
                for f in uploads(code) {
                    let target = work.join(&f);
                    if !target.exists() {
                        std::fs::write(&target, corpus_pdf("pdfrs_libreoffice.pdf"))
                            .expect("sample PDF");
                    }
                }
                let keep: String = assigned(code)
                    .iter()
                    .map(|n| format!("declare -p {n} >> \"$GUIDE_STATE\"\n"))
                    .collect();
                let script = format!("set -euo pipefail\nsource \"$GUIDE_STATE\"\n{code}\n{keep}");
                let out = Command::new("bash")
                    .arg("-c")
                    .arg(&script)
                    .current_dir(&work)
                    .env("PATH", &path_var)
                    .env("GUIDE_STATE", &state)
                    .env("SAHIH", srv.base())
                    .env("SAHIH_DATA", &srv.instance.dir)
                    .env("SAHIH_DATABASE_URL", srv.instance.url())
                    .env("WEBHOOK_URL", format!("{}/uji-webhook", srv.base()))
                    .env_remove("SAHIH_KEY")
                    .output()
                    .expect("run bash");
                assert!(
                    out.status.success(),
                    "{file}:{line}: the block exited {:?}\n--- block\n{code}--- stdout\n{}\n--- stderr\n{}",
                    out.status.code(),
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                );
            }
            Step::Sign { var } => {
                let id = shell_value(&state, var);
                assert!(
                    !id.is_empty(),
                    "{file}: ${var} is empty before the signature"
                );
                assert_eq!(
                    sign_through(&app, &id),
                    DocumentState::Signed,
                    "{file}: the document is signed"
                );
            }
        }
    }
}

/// The value of `$var` after the blocks so far.
fn shell_value(state: &Path, var: &str) -> String {
    let out = Command::new("bash")
        .arg("-c")
        .arg(format!("source \"$1\"; printf %s \"${{{var}:-}}\""))
        .arg("bash")
        .arg(state)
        .output()
        .expect("bash");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[cfg(unix)]
fn symlink_dir(target: &Path, link: &Path) {
    std::os::unix::fs::symlink(target, link).expect("symlink examples");
}

fn tools_available() -> bool {
    let ok = ["bash", "curl", "jq"]
        .iter()
        .all(|t| api_support::on_path(t));
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "bash, curl or jq is missing, but CI is set: apt-get install jq curl"
        );
        eprintln!("SKIPPING the integration guides LOUDLY: bash, curl and jq are needed");
    }
    ok
}

#[test]
fn the_licensing_portal_guide_runs_as_written() {
    if tools_available() {
        run_guide("portal-perizinan.md");
    }
}

#[test]
fn the_travel_order_guide_runs_as_written() {
    if tools_available() {
        run_guide("sppd.md");
    }
}

#[test]
fn the_e_budgeting_guide_runs_as_written() {
    if tools_available() {
        run_guide("e-budgeting.md");
    }
}

#[test]
fn the_local_tax_guide_runs_as_written() {
    if tools_available() {
        run_guide("pajak-daerah.md");
    }
}

#[test]
fn every_guide_in_the_folder_is_run_by_a_test_here() {
    let dir = sahih_e2e::repo_dir().join("docs/integrations");
    let mut guides: Vec<String> = std::fs::read_dir(&dir)
        .expect("docs/integrations")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".md") && n != "README.md")
        .collect();
    guides.sort();
    let this = include_str!("integration_guides.rs");
    for g in &guides {
        assert!(
            this.contains(&format!("run_guide(\"{g}\")")),
            "docs/integrations/{g} has no test in tests/tests/integration_guides.rs"
        );
    }
}
