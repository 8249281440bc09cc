//! What the API's test crates share: a multipart submission body, the licensing office's form
//! values, the officer a document waits for, a return to the applicant.

use std::collections::BTreeMap;

use sahih_web::app::App;
use sahih_workflow::{Command, ReturnTo};

/// The multipart boundary of [`multipart`].
pub const BOUNDARY: &str = "sahihtestboundary";

/// The licensing office's example service, `surat-keterangan-usaha`.
pub const SKU: &str = "surat-keterangan-usaha";

/// The `Content-Type` of a [`multipart`] body.
pub fn multipart_type() -> String {
    format!("multipart/form-data; boundary={BOUNDARY}")
}

/// A submission body: the `metadata` text part (JSON) and the `berkas` file part.
pub fn multipart(metadata: &str, pdf: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"metadata\"\r\n\
             Content-Type: application/json\r\n\r\n{metadata}\r\n--{BOUNDARY}\r\n\
             Content-Disposition: form-data; name=\"berkas\"; filename=\"surat.pdf\"\r\n\
             Content-Type: application/pdf\r\n\r\n"
        )
        .bytes(),
    );
    body.extend_from_slice(pdf);
    body.extend(format!("\r\n--{BOUNDARY}--\r\n").bytes());
    body
}

/// Form values of [`SKU`] as a citizen would type them, with `nama_usaha` = `name`.
pub fn sku_form(name: &str) -> BTreeMap<String, String> {
    let def = sahih_web::seed::demo_services()
        .expect("examples")
        .into_iter()
        .find(|d| d.code == SKU)
        .expect("sku");
    let mut form: BTreeMap<String, String> = super::values(&def, "10000000").into_iter().collect();
    form.insert("nama_usaha".into(), name.into());
    form
}

/// The first officer the document `public_id` (of [`SKU`]) waits for.
pub fn pending_officer(app: &App, public_id: &str) -> sahih_store::User {
    let doc = app
        .store()
        .document_by_public_id(public_id)
        .expect("db")
        .expect("doc");
    let service = app.service(SKU).expect("service");
    let pending = app.pending_step(&doc, &service).expect("p").expect("open");
    app.store()
        .user(pending.waiting_for()[0])
        .expect("db")
        .expect("officer")
}

/// The pending step's officer returns the document to the applicant.
pub fn return_to_applicant(app: &App, public_id: &str) {
    let officer = pending_officer(app, public_id);
    app.act(
        &officer,
        public_id,
        Command::Return {
            comment: "Nama usaha salah".into(),
            to: ReturnTo::Applicant,
        },
        None,
        None,
    )
    .expect("return");
}

/// Reads one HTTP/1.1 request from a webhook receiver's connection: its path, its headers
/// (names lowercase) and its body (by `content-length`); `None` for anything else.
pub fn read_request(
    stream: &mut std::net::TcpStream,
) -> Option<(String, BTreeMap<String, String>, Vec<u8>)> {
    use std::io::{BufRead, Read};
    let mut reader = std::io::BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let path = line.split(' ').nth(1)?.to_owned();
    let mut headers = BTreeMap::new();
    loop {
        line.clear();
        reader.read_line(&mut line).ok()?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':')?;
        headers.insert(name.trim().to_lowercase(), value.trim().to_owned());
    }
    let length = headers.get("content-length")?.parse::<usize>().ok()?;
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some((path, headers, body))
}

/// A webhook receiver at the returned URL that reads each request and never answers; sets
/// `over` when Sahih closes the first connection (its attempt was given up).
pub fn stalled_receiver(over: std::sync::Arc<std::sync::Mutex<bool>>) -> String {
    use std::io::Read;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        let mut first = true;
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let over = over.clone();
            let watch = first;
            first = false;
            std::thread::spawn(move || {
                let _ = read_request(&mut stream);
                let mut buf = [0u8; 64];
                // Blocks until Sahih gives up on the attempt and closes the connection.
                while matches!(stream.read(&mut buf), Ok(n) if n > 0) {}
                if watch {
                    *over.lock().expect("flag") = true;
                }
            });
        }
    });
    url
}
