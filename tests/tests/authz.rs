//! Who may see and do what, and what bad input gets: over HTTP against a real server.
//! A citizen never sees another's application; an officer never acts outside their agency; a
//! form without its CSRF token is refused; a file that is not a signable PDF is refused by
//! content with a stable code, and nothing already stored is lost.

use sahih_e2e::http::{Browser, Resp, Server};
use sahih_e2e::{Instance, shared_dir};
use sahih_store::NewUser;
use sahih_workflow::Role;

const SERVICE: &str = "/layanan/surat-keterangan-usaha";

struct World {
    server: Server,
    /// The server's data directory and database (dropped after the server).
    _instance: Instance,
    _tmp: tempfile::TempDir,
    id: String,
    owner: Browser,
}

/// A server with a second agency (BAPPEDA) whose verifier must stay out of DPMPTSP's work, and
/// one application submitted by citizen `warga`.
fn world(extra: &[&str]) -> World {
    let tmp = tempfile::tempdir().expect("tempdir");
    let instance = Instance::new(tmp.path().join("data"));
    let store = instance.store();
    let bappeda = store
        .ensure_agency("BAPPEDA", "Badan Perencanaan Pembangunan Daerah")
        .expect("agency");
    store
        .create_user(&NewUser {
            login: "verif.bappeda".into(),
            name: "Verifikator Bappeda".into(),
            email: None,
            password_hash: sahih_web::app::hash_password("bappeda-password").expect("hash"),
            role: Role::Verifier,
            agency_id: Some(bappeda),
            position: Some("Verifikator".into()),
            cert_pem: None,
            key_pem: None,
        })
        .expect("user");
    drop(store);
    let server = Server::start(&instance, &tmp.path().join("certs"), extra);
    let mut owner = Browser::new(&server);
    owner.login("warga", "warga-demo-2026");
    let form = owner.get(SERVICE);
    let pdf = std::fs::read(shared_dir().join("corpus/plain/pdfrs_libreoffice.pdf")).expect("pdf");
    let sub = owner.post_multipart(
        SERVICE,
        &[
            ("csrf", &form.csrf()),
            ("nama_usaha", "Toko A"),
            ("bidang_usaha", "Dagang"),
            ("alamat_usaha", "Jl. B 1"),
        ],
        Some(("a.pdf", &pdf)),
    );
    assert_eq!(sub.status, 303, "{}", sub.text());
    let id = sub
        .location
        .unwrap_or_default()
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_string();
    World {
        server,
        _instance: instance,
        _tmp: tmp,
        id,
        owner,
    }
}

/// The application is untouched: still waiting for the verifier, as its owner sees it.
fn assert_still_awaiting_verification(w: &mut World) {
    let page = w.owner.get(&format!("/permohonan/{}", w.id));
    assert!(
        page.text().contains("menunggu verifikasi"),
        "{}",
        page.text()
    );
}

fn registered_citizen(server: &Server, login: &str) -> Browser {
    let mut b = Browser::new(server);
    let csrf = b.get("/daftar").csrf();
    let r = b.post(
        "/daftar",
        &[
            ("csrf", &csrf),
            ("login", login),
            ("name", "Orang Lain"),
            ("password", "kata-sandi-panjang"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.text());
    b
}

fn refused(r: &Resp, statuses: &[u16], code: &str) {
    assert!(
        statuses.contains(&r.status),
        "status {} not in {statuses:?}: {}",
        r.status,
        r.text()
    );
    assert_eq!(r.error_code.as_deref(), Some(code), "{}", r.text());
}

#[test]
fn another_citizen_cannot_see_or_download_an_application() {
    let mut w = world(&[]);
    let mut other = registered_citizen(&w.server, "orang.lain");
    let page = w.owner.get(&format!("/permohonan/{}", w.id));
    let attachment = page
        .text()
        .split(&format!("/dokumen/{}/berkas/", w.id))
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap_or_default()
        .to_string();
    for path in [
        format!("/permohonan/{}", w.id),
        format!("/dokumen/{}/berkas/{attachment}", w.id),
        format!("/dokumen/{}/unduh", w.id),
        format!("/petugas/dokumen/{}", w.id),
    ] {
        let r = other.get(&path);
        assert!(
            [403, 404].contains(&r.status),
            "{path}: {} {}",
            r.status,
            r.text()
        );
        assert!(!r.text().contains("Toko A"), "{path} leaks the application");
    }
    assert!(!other.get("/permohonan").text().contains(&w.id[..8]));
    let csrf = other.get("/permohonan").csrf();
    refused(
        &other.post(&format!("/permohonan/{}/tarik", w.id), &[("csrf", &csrf)]),
        &[404],
        "E_NOT_FOUND",
    );
    refused(
        &other.post(
            &format!("/petugas/dokumen/{}/paraf", w.id),
            &[("csrf", &csrf)],
        ),
        &[403],
        "E_WRONG_ROLE",
    );
    // The owner still has it, untouched.
    assert_still_awaiting_verification(&mut w);
}

#[test]
fn an_officer_of_another_agency_gets_403_and_an_anonymous_visitor_is_sent_to_login() {
    let mut w = world(&[]);
    let mut outsider = Browser::new(&w.server);
    assert_eq!(
        outsider.login("verif.bappeda", "bappeda-password").status,
        303
    );
    assert!(
        !outsider.get("/petugas").text().contains(&w.id[..8]),
        "another agency's queue"
    );
    refused(
        &outsider.get(&format!("/petugas/dokumen/{}", w.id)),
        &[403],
        "E_NOT_YOUR_AGENCY",
    );
    let csrf = outsider.get("/petugas").csrf();
    for action in ["paraf", "kembalikan", "tolak"] {
        let r = outsider.post(
            &format!("/petugas/dokumen/{}/{action}", w.id),
            &[("csrf", &csrf), ("comment", "x"), ("reason", "x")],
        );
        refused(&r, &[403], "E_NOT_YOUR_AGENCY");
    }
    // The citizen may not give paraf to their own application either.
    let csrf = w.owner.get("/permohonan").csrf();
    refused(
        &w.owner.post(
            &format!("/petugas/dokumen/{}/paraf", w.id),
            &[("csrf", &csrf)],
        ),
        &[403],
        "E_WRONG_ROLE",
    );
    // Nobody logged in: sent to the login page, and back to the page after logging in.
    let mut anon = Browser::new(&w.server);
    let r = anon.get(&format!("/permohonan/{}", w.id));
    let to = format!("/masuk?next=/permohonan/{}", w.id);
    assert_eq!((r.status, r.location.as_deref()), (303, Some(to.as_str())));
    let login_page = anon.get(&to);
    assert_eq!(
        login_page.hidden("next"),
        Some(format!("/permohonan/{}", w.id))
    );
    let csrf = login_page.csrf();
    let wrong = anon.post(
        "/masuk",
        &[
            ("csrf", &csrf),
            ("login", "warga"),
            ("password", "salah-sekali"),
            ("next", "/permohonan"),
        ],
    );
    assert_eq!(
        (wrong.status, wrong.error_code.as_deref()),
        (401, Some("E_BAD_LOGIN"))
    );
    assert!(
        wrong.text().contains("name=\"login\""),
        "the login form again, with the reason"
    );
    let back = format!("/permohonan/{}", w.id);
    let ok = anon.post(
        "/masuk",
        &[
            ("csrf", &csrf),
            ("login", "warga"),
            ("password", "warga-demo-2026"),
            ("next", &back),
        ],
    );
    assert_eq!(ok.location.as_deref(), Some(back.as_str()));
    let mut other = Browser::new(&w.server);
    let csrf = other.get("/masuk").csrf();
    let offsite = other.post(
        "/masuk",
        &[
            ("csrf", &csrf),
            ("login", "warga"),
            ("password", "warga-demo-2026"),
            ("next", "//evil.example/x"),
        ],
    );
    assert_eq!(
        offsite.location.as_deref(),
        Some("/permohonan"),
        "never to another site"
    );
    assert_still_awaiting_verification(&mut w);
}

#[test]
fn forms_without_their_csrf_token_are_refused() {
    let mut w = world(&[]);
    let mut verifier = Browser::new(&w.server);
    verifier.login("verifikator", "verifikator-demo");
    let path = format!("/petugas/dokumen/{}/paraf", w.id);
    refused(&verifier.post(&path, &[]), &[403], "E_CSRF");
    refused(&verifier.post(&path, &[("csrf", "")]), &[403], "E_CSRF");
    refused(
        &verifier.post(&path, &[("csrf", "0123abcd")]),
        &[403],
        "E_CSRF",
    );
    // A token from another session does not work either.
    let foreign = w.owner.get("/permohonan").csrf();
    refused(
        &verifier.post(&path, &[("csrf", &foreign)]),
        &[403],
        "E_CSRF",
    );
    let mut anon = Browser::new(&w.server);
    refused(
        &anon.post(
            "/masuk",
            &[
                ("csrf", "x"),
                ("login", "warga"),
                ("password", "warga-demo-2026"),
            ],
        ),
        &[403],
        "E_CSRF",
    );
    let upload = w.owner.post_multipart(
        SERVICE,
        &[("nama_usaha", "x")],
        Some(("a.pdf", b"%PDF-1.4")),
    );
    refused(&upload, &[403], "E_CSRF");
    assert!(
        verifier
            .get(&format!("/petugas/dokumen/{}", w.id))
            .text()
            .contains("menunggu verifikasi"),
        "no paraf happened"
    );
}

#[test]
fn uploads_are_checked_by_content_and_size_with_stable_codes() {
    let mut w = world(&[]);
    let fields = |csrf: &str| {
        vec![
            ("csrf".to_string(), csrf.to_string()),
            ("nama_usaha".into(), "Toko B".into()),
            ("bidang_usaha".into(), "Dagang".into()),
            ("alamat_usaha".into(), "Jl. C".into()),
        ]
    };
    let cases: Vec<(&str, Vec<u8>, u16, &str)> = vec![
        (
            "foto.pdf",
            b"\x89PNG\r\n\x1a\n not a pdf at all".to_vec(),
            422,
            "E_NOT_PDF",
        ),
        (
            "terkunci.pdf",
            std::fs::read(shared_dir().join("corpus/plain/pdfrs_passwords_aes_256.pdf"))
                .expect("pdf"),
            422,
            "E_PDF_ENCRYPTED",
        ),
        (
            "besar.pdf",
            vec![b'%'; 21 * 1024 * 1024],
            413,
            "E_UPLOAD_TOO_LARGE",
        ),
    ];
    for (name, bytes, status, code) in cases {
        let csrf = w.owner.get(SERVICE).csrf();
        let f = fields(&csrf);
        let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let r = w.owner.post_multipart(SERVICE, &f, Some((name, &bytes)));
        refused(&r, &[status], code);
    }
    let csrf = w.owner.get(SERVICE).csrf();
    let missing = w.owner.post_multipart(
        SERVICE,
        &[
            ("csrf", &csrf),
            ("nama_usaha", "x"),
            ("bidang_usaha", "y"),
            ("alamat_usaha", "z"),
        ],
        None,
    );
    refused(&missing, &[400], "E_UPLOAD_MISSING");
    let mut f = vec![
        ("csrf", csrf.as_str()),
        ("bidang_usaha", "y"),
        ("alamat_usaha", "z"),
    ];
    let pdf = std::fs::read(shared_dir().join("corpus/plain/pdfrs_libreoffice.pdf")).expect("pdf");
    refused(
        &w.owner.post_multipart(SERVICE, &f, Some(("a.pdf", &pdf))),
        &[400],
        "E_FORM_FIELD_REQUIRED",
    );
    f.push(("nama_usaha", "ok"));
    f.push(("mulai_usaha", "kemarin"));
    refused(
        &w.owner.post_multipart(SERVICE, &f, Some(("a.pdf", &pdf))),
        &[400],
        "E_FORM_FIELD_INVALID",
    );
    // Only the first application exists, intact.
    let list = w.owner.get("/permohonan").text();
    assert_eq!(list.matches("/permohonan/").count(), 1, "{list}");
}

#[test]
fn acting_on_a_page_that_went_stale_is_a_conflict_and_changes_nothing() {
    let mut w = world(&[]);
    let mut a = Browser::new(&w.server);
    a.login("verifikator", "verifikator-demo");
    let mut b = Browser::new(&w.server);
    b.login("verifikator", "verifikator-demo");
    let seen_by_a = a.get(&format!("/petugas/dokumen/{}", w.id));
    // Meanwhile B returns it and the citizen resubmits another PDF: same state as A saw, new version.
    let page_b = b.get(&format!("/petugas/dokumen/{}", w.id));
    let r = b.post_action(
        &page_b,
        &format!("/petugas/dokumen/{}/kembalikan", w.id),
        &[("comment", "Ganti berkas")],
    );
    assert_eq!(r.status, 303, "{}", r.text());
    let returned = w.owner.get(&format!("/permohonan/{}", w.id));
    let pdf = std::fs::read(shared_dir().join("corpus/plain/dss_pdf-2.0.pdf")).expect("pdf");
    let r = w.owner.post_multipart_action(
        &returned,
        &format!("/permohonan/{}/perbaikan", w.id),
        &[
            ("nama_usaha", "Toko A"),
            ("bidang_usaha", "Dagang"),
            ("alamat_usaha", "Jl. B 2"),
        ],
        Some(("b.pdf", &pdf)),
    );
    assert_eq!(r.status, 303, "{}", r.text());
    // A's paraf was for version 1, which A saw: refused, and the document still awaits verification.
    let stale = a.post_action(&seen_by_a, &format!("/petugas/dokumen/{}/paraf", w.id), &[]);
    refused(&stale, &[409], "E_CONFLICT");
    let now = a.get(&format!("/petugas/dokumen/{}", w.id));
    assert!(now.text().contains("menunggu verifikasi"));
    assert!(!now.text().contains("Paraf diberikan"));
}

#[test]
fn registration_refuses_what_no_person_would_type_and_anonymous_browsing_stores_nothing() {
    let w = world(&[]);
    let mut anon = Browser::new(&w.server);
    anon.get("/");
    anon.get("/tidak-ada");
    anon.get("/layanan/surat-keterangan-usaha");
    assert!(
        !anon.has_session(),
        "anonymous pages without forms create no session"
    );
    let mut b = Browser::new(&w.server);
    let cases = [
        ("...", "Nama", "", "kata-sandi-panjang", "E_BAD_INPUT"),
        ("budi", "\u{200B}", "", "kata-sandi-panjang", "E_BAD_INPUT"),
        (
            "budi",
            "Budi",
            "bukan-surel",
            "kata-sandi-panjang",
            "E_BAD_INPUT",
        ),
        (
            "budi",
            "Budi",
            "a@b.c<script>",
            "kata-sandi-panjang",
            "E_BAD_INPUT",
        ),
        ("budi", "Budi", "", "          ", "E_PASSWORD_WEAK"),
        ("budi", "Budi", "", "pendek", "E_PASSWORD_WEAK"),
        ("WARGA", "Siti", "", "kata-sandi-panjang", "E_LOGIN_TAKEN"),
    ];
    for (login, name, email, password, code) in cases {
        let csrf = b.get("/daftar").csrf();
        let r = b.post(
            "/daftar",
            &[
                ("csrf", &csrf),
                ("login", login),
                ("name", name),
                ("email", email),
                ("password", password),
            ],
        );
        assert_eq!(
            r.error_code.as_deref(),
            Some(code),
            "{login:?} {name:?} {email:?}: {}",
            r.status
        );
    }
    let csrf = b.get("/daftar").csrf();
    let ok = b.post(
        "/daftar",
        &[
            ("csrf", &csrf),
            ("login", "budi"),
            ("name", "Budi"),
            ("email", "budi@kota.go.id"),
            ("password", "kata-sandi-panjang"),
        ],
    );
    assert_eq!(ok.status, 303, "{}", ok.text());
}

#[test]
fn a_revision_may_correct_only_the_form_and_keeps_the_previous_pdf() {
    let mut w = world(&[]);
    let mut verifier = Browser::new(&w.server);
    verifier.login("verifikator", "verifikator-demo");
    let page = verifier.get(&format!("/petugas/dokumen/{}", w.id));
    let r = verifier.post_action(
        &page,
        &format!("/petugas/dokumen/{}/kembalikan", w.id),
        &[("comment", "Alamat kurang lengkap")],
    );
    assert_eq!(r.status, 303);
    let returned = w.owner.get(&format!("/permohonan/{}", w.id));
    assert_eq!(returned.hidden("version").as_deref(), Some("1"));
    let r = w.owner.post_multipart_action(
        &returned,
        &format!("/permohonan/{}/perbaikan", w.id),
        &[
            ("nama_usaha", "Toko A"),
            ("bidang_usaha", "Dagang"),
            ("alamat_usaha", "Jl. B 1, RT 03/RW 04"),
        ],
        None,
    );
    assert_eq!(r.status, 303, "{}", r.text());
    let page = verifier.get(&format!("/petugas/dokumen/{}", w.id));
    assert!(page.text().contains("Jl. B 1, RT 03/RW 04"));
    let links: Vec<String> = page
        .text()
        .match_indices(&format!("/dokumen/{}/berkas/", w.id))
        .map(|(at, _)| {
            page.text()[at..]
                .split('"')
                .next()
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    assert_eq!(links.len(), 2);
    assert_eq!(
        verifier.get(&links[0]).body,
        verifier.get(&links[1]).body,
        "version 2 keeps the PDF"
    );
}
