//! The people of a run, set up as the agency would: the service imported with `sahih services
//! import`, 20 officers created by the agency admin, the signers' keys issued by Sahih's CA
//! (admin page and `sahih keys issue`), and the licensing portal's API key.

use sahih_e2e::http::Browser;

use super::{
    AGENCY, Cluster, PUBLIC_URL, SERVICE, SERVICE_TOML, SIGNER_POSITION, VERIFIER_POSITION,
};

/// What an officer does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Duty {
    /// Gives paraf.
    Verifier,
    /// Signs.
    Signer,
}

/// One of the officers the admin created.
#[derive(Debug, Clone)]
pub struct Officer {
    /// Login.
    pub login: String,
    /// Full name: what the timeline shows.
    pub name: String,
    /// Password.
    pub password: String,
    /// Verifier or signer.
    pub duty: Duty,
    /// 0.. within the duty.
    pub slot: usize,
    /// The key passphrase (signers).
    pub passphrase: String,
}

const VERIFIER_NAMES: [&str; 10] = [
    "Dewi Anggraini, S.E.",
    "Bayu Saputra, S.Sos.",
    "Citra Lestari, S.H.",
    "Eko Prasetyo, S.T.",
    "Fitri Handayani, S.AP.",
    "Gilang Ramadhan, S.E.",
    "Hana Pertiwi, S.IP.",
    "Irfan Maulana, S.Kom.",
    "Joko Susilo, S.E.",
    "Kartika Sari, S.H.",
];

const SIGNER_NAMES: [&str; 10] = [
    "Lukman Hakim, S.H., M.H.",
    "Mega Wulandari, S.E., M.M.",
    "Nanda Pratama, S.Sos., M.Si.",
    "Oktaviani Putri, S.E., M.Si.",
    "Putu Adnyana, S.T., M.T.",
    "Rahmat Hidayat, S.E., M.M.",
    "Sri Mulyani, S.E., M.Ak.",
    "Taufik Ismail, S.H., M.Kn.",
    "Utami Dewi, S.E., M.Ak.",
    "Wahyu Nugroho, S.IP., M.AP.",
];

/// The people of the run: 10 verifiers and 10 signing officials, and the token of the
/// application that submits the documents.
#[derive(Debug, Clone)]
pub struct Staff {
    /// Verifiers first, then signers.
    pub officers: Vec<Officer>,
    /// `Authorization: Bearer` token of the licensing portal.
    pub token: String,
}

impl Staff {
    /// The officer named `name`, if one of ours.
    pub fn by_name(&self, name: &str) -> Option<&Officer> {
        self.officers.iter().find(|o| o.name == name)
    }
}

/// Sets the instance up as the agency would: the service imported, 20 officers created by the
/// agency admin on node A, the signers' certificates issued half on the admin page of node B
/// (the admin's session moves there), half with `sahih keys issue`, and an API key for the
/// licensing portal.
pub fn staff(cluster: &Cluster) -> Staff {
    let file = cluster.tmp.path().join(format!("{SERVICE}.toml"));
    std::fs::write(&file, SERVICE_TOML).expect("write service");
    cluster.sahih_ok(&["services", "import", &file.to_string_lossy()], &[]);

    let mut admin = Browser::new(cluster.a());
    let login = admin.login("admin-dpmptsp", "admin-demo-2026");
    assert_eq!(login.status, 303, "{}", login.text());
    let csrf = admin.get("/admin/petugas").csrf();
    let mut officers = Vec::new();
    let mut ids = Vec::new();
    for (duty, names, position, role) in [
        (
            Duty::Verifier,
            VERIFIER_NAMES,
            VERIFIER_POSITION,
            "verifier",
        ),
        (Duty::Signer, SIGNER_NAMES, SIGNER_POSITION, "signer"),
    ] {
        for (slot, name) in names.iter().enumerate() {
            let prefix = if duty == Duty::Verifier { "ver" } else { "ttd" };
            let officer = Officer {
                login: format!("{prefix}-iumk-{slot:02}"),
                name: (*name).to_string(),
                password: format!("sandi-{prefix}-{slot:02}-2026"),
                duty,
                slot,
                passphrase: format!("kunci-{prefix}-{slot:02}-kota"),
            };
            let res = admin.post(
                "/admin/petugas",
                &[
                    ("csrf", &csrf),
                    ("login", &officer.login),
                    ("name", &officer.name),
                    ("email", ""),
                    ("password", &officer.password),
                    ("role", role),
                    ("position", position),
                    ("supervisor", ""),
                ],
            );
            assert_eq!(res.status, 303, "{}: {}", officer.login, res.text());
            let id = res
                .location
                .as_deref()
                .and_then(|l| l.rsplit_once("#petugas-"))
                .map(|(_, id)| id.to_string())
                .expect("the new officer's id");
            ids.push(id);
            officers.push(officer);
        }
    }
    // Half of the signers' keys on node B's admin page (the admin's session is in the
    // database, so it follows them there), half with the command line on node B's CA.
    admin.switch_to(&cluster.b.base);
    let certs_b = cluster.dirs_b.certs.to_string_lossy().into_owned();
    for (o, id) in officers.iter().zip(&ids) {
        if o.duty != Duty::Signer {
            continue;
        }
        if o.slot < 5 {
            let res = admin.post(
                &format!("/admin/petugas/{id}/sertifikat/terbit"),
                &[("csrf", &csrf), ("passphrase", &o.passphrase)],
            );
            assert_eq!(res.status, 303, "{}: {}", o.login, res.text());
        } else {
            let serial = cluster.sahih_ok(
                &[
                    "keys",
                    "issue",
                    "--login",
                    &o.login,
                    "--certs",
                    &certs_b,
                    "--public-url",
                    PUBLIC_URL,
                ],
                &[("SAHIH_KEY_PASSPHRASE", &o.passphrase)],
            );
            assert!(!serial.trim().is_empty(), "{}: no serial", o.login);
        }
    }
    let token = cluster
        .sahih_ok(
            &[
                "apikey",
                "create",
                "--agency",
                AGENCY,
                "--application",
                "portal-perizinan",
                "--name",
                "Portal Perizinan",
            ],
            &[],
        )
        .trim()
        .to_string();
    Staff { officers, token }
}
