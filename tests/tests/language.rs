//! Bahasa Indonesia first, English on the switch: pages and error pages follow the visitor's
//! choice, and the switch returns to the page the visitor was on.

use sahih_e2e::Instance;
use sahih_e2e::http::{Browser, Server};

#[test]
fn pages_and_errors_speak_indonesian_first_and_english_after_the_switch() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let instance = Instance::new(tmp.path().join("data"));
    let server = Server::start(&instance, &tmp.path().join("certs"), &[]);
    let mut b = Browser::new(&server);
    let home = b.get("/");
    assert!(home.text().contains("<html lang=\"id\">"));
    assert!(home.text().contains("Ajukan permohonan"));
    let missing = b.get("/tidak-ada");
    assert_eq!(
        (missing.status, missing.error_code.as_deref()),
        (404, Some("E_NOT_FOUND"))
    );
    assert!(
        missing
            .text()
            .contains("Halaman atau dokumen tidak ditemukan.")
    );

    let switch = b.get_with_referer("/bahasa/en", &format!("{}/masuk", server.base));
    assert_eq!(
        (switch.status, switch.location.as_deref()),
        (303, Some("/masuk")),
        "back to the page"
    );
    let foreign = b.get_with_referer("/bahasa/en", "http://evil.example/x");
    assert_eq!(
        foreign.location.as_deref(),
        Some("/"),
        "never back to another site"
    );
    let home = b.get("/");
    assert!(home.text().contains("<html lang=\"en\">"));
    assert!(home.text().contains("Apply") && !home.text().contains("Ajukan permohonan"));
    let missing = b.get("/tidak-ada");
    assert!(
        missing.text().contains("Page or document not found."),
        "{}",
        missing.text()
    );
    let login = b.get("/masuk");
    assert!(login.text().contains("Username"));
    assert_eq!(
        b.get("/bahasa/xx").error_code.as_deref(),
        Some("E_NOT_FOUND")
    );
}
