//! The transparency log over HTTP against a real `sahih serve` (on SQLite, or on PostgreSQL with
//! `TEST_DATABASE_URL`): the log grows with every step of the flow, `sahih log verify --audit`
//! passes against the live server, the receipts of the tracking page and the verification page
//! verify offline; a leaf row changed or deleted in the database fails the audit at its index; a
//! log rolled back (a backup of the instance restored) or forked fails `sahih log verify
//! --state`.

use std::path::Path;
use std::process::{Command, Output};

use sahih_e2e::http::{Browser, Resp, Server, sahih_bin};
use sahih_e2e::{Instance, shared_dir};

const SERVICE: &str = "/layanan/surat-keterangan-usaha";

fn corpus(name: &str) -> Vec<u8> {
    std::fs::read(shared_dir().join("corpus/plain").join(name)).expect("corpus file")
}

/// `sahih log ARGS…`.
fn sahih_log(args: &[&str]) -> Output {
    Command::new(sahih_bin())
        .arg("log")
        .args(args)
        .output()
        .expect("run sahih log")
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// `sahih log verify --url … --key … [--state …] --audit`: its exit status, stdout, stderr.
fn audit(server: &Server, key: &str, state: Option<&Path>) -> (Option<i32>, String, String) {
    let mut args = vec!["verify", "--url", &server.base, "--key", key, "--audit"];
    let state = state.map(|s| s.to_string_lossy().into_owned());
    if let Some(state) = &state {
        args.extend(["--state", state]);
    }
    let out = sahih_log(&args);
    let (stdout, stderr) = text(&out);
    (out.status.code(), stdout, stderr)
}

/// The citizen `warga` applies with `pdf`; returns the application's id.
fn apply(server: &Server, citizen: &mut Browser, pdf: &[u8]) -> String {
    let form = citizen.get(SERVICE);
    let sub = citizen.post_multipart(
        SERVICE,
        &[
            ("csrf", &form.csrf()),
            ("nama_usaha", "Toko Sumber Rejeki"),
            ("bidang_usaha", "Dagang"),
            ("alamat_usaha", "Jl. Diponegoro 9"),
        ],
        Some(("permohonan.pdf", pdf)),
    );
    assert_eq!(sub.status, 303, "{}", sub.text());
    let _ = server;
    sub.location
        .unwrap_or_default()
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_string()
}

fn login(server: &Server, login: &str, password: &str) -> Browser {
    let mut b = Browser::new(server);
    b.login(login, password);
    b
}

/// The citizen's receipt of `id`, as JSON (its download sequences what is pending).
fn receipt(citizen: &mut Browser, id: &str) -> Resp {
    let res = citizen.get(&format!("/permohonan/{id}/bukti-log"));
    assert_eq!(res.status, 200, "{}", res.text());
    res
}

fn kinds(receipt: &serde_json::Value) -> Vec<String> {
    receipt["leaves"]
        .as_array()
        .expect("leaves")
        .iter()
        .map(|l| {
            l["entry"]
                .as_str()
                .and_then(|e| e.lines().nth(1))
                .unwrap_or_default()
                .trim_start_matches("kind=")
                .to_string()
        })
        .collect()
}

fn checkpoint_size(receipt: &serde_json::Value) -> u64 {
    receipt["checkpoint"]
        .as_str()
        .and_then(|c| c.lines().nth(1))
        .and_then(|n| n.parse().ok())
        .expect("checkpoint size")
}

fn paraf(server: &Server, id: &str) {
    let mut verifier = login(server, "verifikator", "verifikator-demo");
    let review = verifier.get(&format!("/petugas/dokumen/{id}"));
    let res = verifier.post_action(&review, &format!("/petugas/dokumen/{id}/paraf"), &[]);
    assert_eq!(res.status, 303, "{}", res.text());
}

fn sign(server: &Server, id: &str) {
    let mut signer = login(server, "penandatangan", "penandatangan-demo");
    let page = signer.get(&format!("/petugas/dokumen/{id}"));
    let res = signer.post_action(
        &page,
        &format!("/petugas/dokumen/{id}/tandatangani"),
        &[("passphrase", "sahih-demo")],
    );
    assert_eq!(res.status, 303, "{}", res.text());
}

#[test]
fn the_log_grows_with_the_flow_audits_clean_and_its_receipts_verify_offline() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let instance = Instance::new(tmp.path().join("data"));
    let server = Server::start(&instance, &tmp.path().join("certs"), &[]);
    let mut anon = Browser::new(&server);
    let key = anon.get("/log/key").text().trim().to_string();
    assert!(key.starts_with("sahih.local/log+"), "{key}");
    let first = anon.get("/log/checkpoint");
    assert_eq!(
        first.content_type.as_deref(),
        Some("text/plain; charset=utf-8")
    );
    assert!(
        first.text().starts_with("sahih.local/log\n0\n"),
        "{}",
        first.text()
    );
    assert!(!anon.has_session(), "the log's resources set no cookie");

    let mut citizen = login(&server, "warga", "warga-demo-2026");
    let id = apply(&server, &mut citizen, &corpus("pdfrs_libreoffice.pdf"));
    let mut sizes = vec![checkpoint_size(&receipt(&mut citizen, &id).json())];

    let mut verifier = login(&server, "verifikator", "verifikator-demo");
    let review = verifier.get(&format!("/petugas/dokumen/{id}"));
    let ret = verifier.post_action(
        &review,
        &format!("/petugas/dokumen/{id}/kembalikan"),
        &[("comment", "Lampiran kurang jelas")],
    );
    assert_eq!(ret.status, 303, "{}", ret.text());
    sizes.push(checkpoint_size(&receipt(&mut citizen, &id).json()));
    let returned = citizen.get(&format!("/permohonan/{id}"));
    let resub = citizen.post_multipart_action(
        &returned,
        &format!("/permohonan/{id}/perbaikan"),
        &[
            ("nama_usaha", "Toko Sumber Rejeki"),
            ("bidang_usaha", "Dagang"),
            ("alamat_usaha", "Jl. Diponegoro 9A"),
        ],
        Some(("perbaikan.pdf", &corpus("dss_pdf-2.0.pdf"))),
    );
    assert_eq!(resub.status, 303, "{}", resub.text());
    sizes.push(checkpoint_size(&receipt(&mut citizen, &id).json()));
    paraf(&server, &id);
    sizes.push(checkpoint_size(&receipt(&mut citizen, &id).json()));
    sign(&server, &id);
    let done = receipt(&mut citizen, &id);
    sizes.push(checkpoint_size(&done.json()));
    // One leaf per event; the signature is two: its nomor surat, then the signature.
    assert_eq!(sizes, vec![1, 2, 3, 4, 6], "one leaf per event");
    assert_eq!(
        kinds(&done.json()),
        vec![
            "submitted",
            "returned",
            "resubmitted",
            "paraf",
            "numbered",
            "signed"
        ]
    );
    assert_eq!(
        done.content_disposition.as_deref(),
        Some(format!("attachment; filename=\"sahih-{}-bukti-log.json\"", &id[..8]).as_str())
    );

    // A public verification is recorded too: the file's hash and the verdict, nobody's name.
    let signed = citizen.get(&format!("/dokumen/{id}/unduh")).body;
    let api = anon.post_raw("/api/v1/verify", "application/pdf", &signed);
    assert_eq!(api.status, 200, "{}", api.text());

    // Only the applicant gets the tracking page's receipt.
    assert_eq!(
        verifier.get(&format!("/permohonan/{id}/bukti-log")).status,
        404
    );
    let tracking = citizen.get(&format!("/permohonan/{id}"));
    assert!(tracking.text().contains("id=\"log-receipt\""));
    // The page tells the citizen what the receipt is for and how to check it: the file name it
    // downloads as, where the key is, and that the key must be compared with the city's.
    let receipt_file = format!("sahih-{}-bukti-log.json", &id[..8]);
    for needle in [
        receipt_file.as_str(),
        "href=\"/log/key\"",
        "cargo install --path crates/cli",
        "tidak dapat mengubah",
    ] {
        assert!(tracking.text().contains(needle), "{needle}");
    }
    assert!(
        !verifier
            .get(&format!("/petugas/dokumen/{id}"))
            .text()
            .contains("id=\"log-receipt\"")
    );

    // The verification page of the signed document offers the same receipt to anyone with
    // the code; it verifies offline.
    let code = tracking
        .text()
        .split("/v/")
        .nth(1)
        .and_then(|rest| rest.split(['"', '<']).next())
        .expect("verification link")
        .to_string();
    let page = anon.get(&format!("/v/{code}"));
    assert!(
        page.text()
            .contains(&format!("href=\"/v/{code}/bukti-log\""))
    );
    assert!(
        page.text()
            .contains(&format!("sahih-{}-bukti-log.json", &code[..8]))
    );
    let public = anon.get(&format!("/v/{code}/bukti-log"));
    assert_eq!(public.status, 200, "{}", public.text());
    assert_eq!(kinds(&public.json()).len(), 6);
    for (name, body) in [("citizen", &done.body), ("public", &public.body)] {
        let file = tmp.path().join(format!("{name}-receipt.json"));
        std::fs::write(&file, body).expect("write");
        let out = sahih_log(&["verify-receipt", &file.to_string_lossy(), "--key", &key]);
        let (stdout, stderr) = text(&out);
        assert!(out.status.success(), "{name}: {stderr}");
        assert!(stdout.contains("6 events"), "{stdout}");
        assert!(
            stdout.contains("event 1 (log index 0): submitted, from none to submitted, at "),
            "{stdout}"
        );
        assert!(
            stdout.contains(": signed, from approved to signed, at "),
            "{stdout}"
        );
        // Edited after download, it fails with a code.
        let edited = String::from_utf8_lossy(body).replace("kind=paraf", "kind=signed");
        std::fs::write(&file, edited).expect("write");
        let out = sahih_log(&["verify-receipt", &file.to_string_lossy(), "--key", &key]);
        assert_eq!(out.status.code(), Some(1));
        assert!(text(&out).1.contains("E_RECEIPT_ENTRY"), "{}", text(&out).1);
    }

    // The whole log audits clean against the live server, pinned in a state file.
    let state = tmp.path().join("state.json");
    let (status, stdout, stderr) = audit(&server, &key, Some(&state));
    assert_eq!(status, Some(0), "{stdout}{stderr}");
    assert!(
        stdout.contains("1 document in the workflow's order; 1 public verification"),
        "{stdout}"
    );
    let (status, stdout, stderr) = audit(&server, &key, Some(&state));
    assert_eq!(status, Some(0), "{stdout}{stderr}");
    assert!(
        stdout.contains("consistent with the pinned checkpoint of 7 entries"),
        "{stdout}"
    );

    // The human page lists the entries, newest first, with no personal data.
    let log_page = anon.get("/log");
    let html = log_page.text();
    assert!(html.contains("Log transparansi"), "{html}");
    assert!(html.contains("Pemeriksaan dokumen diminta"));
    assert_eq!(html.matches("class=\"log-entry\"").count(), 7);
    let bundle = anon.get("/log/tile/entries/000.p/7");
    assert_eq!(bundle.status, 200);
    let entries = String::from_utf8_lossy(&bundle.body).into_owned();
    for personal in [
        "Siti",
        "Agus",
        "Rina",
        "warga",
        "Toko",
        "Diponegoro",
        "Lampiran",
    ] {
        assert!(!entries.contains(personal), "{personal} in the log");
        assert!(!html.contains(&format!("<td>{personal}")));
    }
    assert_eq!(
        anon.get("/log/tile/entries/000.p/8").status,
        404,
        "past the tree"
    );
    assert_eq!(
        anon.get("/log/tile/entries/000").status,
        404,
        "no full bundle yet"
    );
    assert_eq!(
        anon.get("/log/tile/0/000.p/06").status,
        404,
        "not a C2SP path"
    );
    assert_eq!(anon.get("/log/tile/0/000.p/6").body.len(), 6 * 32);
}

/// Runs `sql` on the server's database, as someone with access to the database would.
fn tamper(instance: &Instance, sql: &str) {
    let changed = instance.execute(sql);
    assert_eq!(changed, 1, "{sql}");
}

#[test]
fn a_leaf_row_changed_or_deleted_in_the_database_fails_the_audit_at_its_index() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let instance = Instance::new(tmp.path().join("data"));
    let server = Server::start(&instance, &tmp.path().join("certs"), &[]);
    let key = Browser::new(&server)
        .get("/log/key")
        .text()
        .trim()
        .to_string();
    let mut citizen = login(&server, "warga", "warga-demo-2026");
    let id = apply(&server, &mut citizen, &corpus("pdfrs_libreoffice.pdf"));
    paraf(&server, &id);
    sign(&server, &id);
    let other = apply(&server, &mut citizen, &corpus("pdfrs_libreoffice.pdf"));
    // submitted, paraf, numbered, signed; then the second submission.
    assert_eq!(checkpoint_size(&receipt(&mut citizen, &other).json()), 5);
    let (status, stdout, stderr) = audit(&server, &key, None);
    assert_eq!(status, Some(0), "{stdout}{stderr}");

    // The paraf (index 1) rewritten as a signature, in place.
    let db = &instance;
    // The entry is bytes (BLOB, bytea); its text is UTF-8.
    let flip = |from: &str, to: &str| {
        if db.on_postgres() {
            format!(
                "UPDATE log_leaves SET entry = convert_to(replace(convert_from(entry, 'UTF8'), \
                 'kind={from}', 'kind={to}'), 'UTF8') WHERE leaf_index = 1"
            )
        } else {
            format!(
                "UPDATE log_leaves SET entry = CAST(replace(CAST(entry AS TEXT), 'kind={from}', \
                 'kind={to}') AS BLOB) WHERE leaf_index = 1"
            )
        }
    };
    tamper(db, &flip("paraf", "signed"));
    let (status, _, stderr) = audit(&server, &key, None);
    assert_eq!(status, Some(1), "{stderr}");
    assert!(stderr.contains("E_LOG_ENTRY_MISMATCH"), "{stderr}");
    assert!(stderr.contains("entry 1 "), "names the index: {stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
    tamper(db, &flip("signed", "paraf"));
    let (status, stdout, stderr) = audit(&server, &key, None);
    assert_eq!(status, Some(0), "restored: {stdout}{stderr}");

    // The paraf's row deleted: the signature now sits at its index.
    tamper(db, "DELETE FROM log_leaves WHERE leaf_index = 1");
    let (status, _, stderr) = audit(&server, &key, None);
    assert_eq!(status, Some(1), "{stderr}");
    assert!(stderr.contains("E_LOG_ENTRY_MISMATCH"), "{stderr}");
    assert!(stderr.contains("entry 1 "), "names the index: {stderr}");

    // The newest row deleted: nothing shifts, the bundle is one entry short.
    tamper(db, "DELETE FROM log_leaves WHERE leaf_index = 3");
    let (status, _, stderr) = audit(&server, &key, None);
    assert_eq!(status, Some(1), "{stderr}");
    assert!(
        stderr.contains("entry 1 "),
        "the first bad entry still: {stderr}"
    );
}

#[test]
fn a_rolled_back_or_forked_log_fails_against_the_pinned_state() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (data, certs) = (
        Instance::new(tmp.path().join("data")),
        tmp.path().join("certs"),
    );
    let pdf = corpus("pdfrs_libreoffice.pdf");
    let key;
    {
        let server = Server::start(&data, &certs, &[]);
        key = Browser::new(&server)
            .get("/log/key")
            .text()
            .trim()
            .to_string();
        let mut citizen = login(&server, "warga", "warga-demo-2026");
        let id = apply(&server, &mut citizen, &pdf);
        assert_eq!(checkpoint_size(&receipt(&mut citizen, &id).json()), 1);
    }
    // A backup of the stopped instance: its data directory and its database.
    let snapshot = data.copy_to(tmp.path().join("snapshot"));
    let state = tmp.path().join("state.json");
    {
        let server = Server::start(&data, &certs, &[]);
        let mut citizen = login(&server, "warga", "warga-demo-2026");
        let id = apply(&server, &mut citizen, &pdf);
        paraf(&server, &id);
        assert_eq!(checkpoint_size(&receipt(&mut citizen, &id).json()), 3);
        let (status, stdout, stderr) = audit(&server, &key, Some(&state));
        assert_eq!(status, Some(0), "{stdout}{stderr}");
    }

    // The operator restores the earlier database: the log is one entry, not three.
    let rolled_back = snapshot.copy_to(tmp.path().join("rolled-back"));
    {
        let server = Server::start(&rolled_back, &certs, &[]);
        let (status, _, stderr) = audit(&server, &key, Some(&state));
        assert_eq!(status, Some(1), "{stderr}");
        assert!(stderr.contains("E_LOG_ROLLBACK"), "{stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");

        // …and writes another history from there: a fork of the pinned one.
        let mut citizen = login(&server, "warga", "warga-demo-2026");
        let id = apply(&server, &mut citizen, &pdf);
        let withdraw = citizen.get(&format!("/permohonan/{id}"));
        let res = citizen.post_action(&withdraw, &format!("/permohonan/{id}/tarik"), &[]);
        assert_eq!(res.status, 303, "{}", res.text());
        let other = apply(&server, &mut citizen, &pdf);
        assert_eq!(checkpoint_size(&receipt(&mut citizen, &other).json()), 4);
        let (status, _, stderr) = audit(&server, &key, Some(&state));
        assert_eq!(status, Some(1), "{stderr}");
        assert!(stderr.contains("E_LOG_FORK"), "{stderr}");
        // Without the pinned state the forked log is self-consistent: only the state tells.
        let (status, stdout, stderr) = audit(&server, &key, None);
        assert_eq!(status, Some(0), "{stdout}{stderr}");
    }
    let pinned = std::fs::read_to_string(&state).expect("state");
    assert!(
        pinned.contains("\\n3\\n"),
        "a failed check keeps the pinned state: {pinned}"
    );
}
