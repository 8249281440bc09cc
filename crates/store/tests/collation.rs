//! Lists sorted by a name or a code come in the same order on both backends, whatever the
//! PostgreSQL database's collation: by bytes, as SQLite sorts (`Izin`, `SPPD`, `Zebra`, `apel`,
//! `e-KTP`). The PostgreSQL database here sorts text in natural language order (ICU's root
//! collation, as a server set up with `en_US.UTF-8` does), where an `ORDER BY` would give
//! `apel`, `e-KTP`, `Izin`, …; the tests' other databases inherit the server's default, `C`
//! on the test machine, which hides the difference.

mod common;

use sahih_store::testing::TestDatabase;
use sahih_store::{NewApiApplication, Service, ServiceId, Store};
use sahih_workflow::RoutingTemplate;

/// Service names and codes, and application codes, whose byte order is not their natural
/// language order.
const NAMES: [&str; 6] = ["apel", "Zebra", "e-KTP", "Izin", "SPPD", "Surat"];
const CODES: [&str; 6] = ["ab", "b", "a-z", "A1", "s-1", "s1"];

fn fill(store: &Store) {
    let agency = store.ensure_agency("DPMPTSP", "Perizinan").expect("agency");
    for (code, name) in CODES.iter().zip(NAMES) {
        store
            .ensure_service(&Service {
                id: ServiceId(0),
                agency_id: agency,
                code: (*code).into(),
                name: (*name).into(),
                name_en: String::new(),
                description: String::new(),
                description_en: String::new(),
                numbering: None,
                form: Vec::new(),
                template: RoutingTemplate::single_paraf(),
            })
            .expect("service");
    }
    for code in CODES {
        store
            .create_api_application(&NewApiApplication {
                agency,
                code: code.into(),
                name: code.to_uppercase(),
                login: format!("app.{code}"),
                password_hash: "$argon2id$fake".into(),
                webhook_secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".into(),
            })
            .expect("application");
    }
}

/// What the store lists: services by name, definitions by code, applications by code.
fn listed(store: &Store) -> (Vec<String>, Vec<String>, Vec<String>) {
    let names = store
        .services()
        .expect("services")
        .into_iter()
        .map(|s| s.name)
        .collect();
    let codes = store
        .service_definitions(None)
        .expect("definitions")
        .into_iter()
        .map(|d| d.code)
        .collect();
    let apps = store
        .api_applications(None)
        .expect("applications")
        .into_iter()
        .map(|a| a.code)
        .collect();
    (names, codes, apps)
}

fn by_bytes(items: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = items.iter().map(|s| (*s).to_string()).collect();
    v.sort();
    v
}

#[test]
fn names_and_codes_list_by_bytes_on_both_backends() {
    let (_guard, sqlite) = {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite://{}", dir.path().join("bytes.db").display());
        let store = Store::open(&url, &dir.path().join("blobs")).expect("sqlite");
        (dir, store)
    };
    let natural = TestDatabase::postgres_natural_order();
    let dir = tempfile::tempdir().expect("tempdir");
    let postgres = Store::open(&natural.url, dir.path()).expect("postgres");
    fill(&sqlite);
    fill(&postgres);

    let expected = (by_bytes(&NAMES), by_bytes(&CODES), by_bytes(&CODES));
    assert_eq!(listed(&sqlite), expected, "SQLite");
    assert_eq!(
        listed(&postgres),
        expected,
        "PostgreSQL, natural-order collation"
    );
    drop(postgres);
}
