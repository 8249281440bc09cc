//! Demo data for a fresh instance: the four example services of examples/services/ (the
//! licensing office's business certificate, Bappeda's travel order, BPKAD's budget document,
//! Bapenda's local-tax receipt) with their agencies; an officer for every position their routes
//! name, the signing officials with development certificates; the licensing office's agency
//! admin; and a citizen. Idempotent: what exists is kept (a service already stored, even if it
//! differs from its example, is not touched).

use std::path::Path;

use sahih_signing::devca::{DevOfficer, dev_init};
use sahih_store::{NewUser, ServiceId, StoreError};
use sahih_workflow::{Role, ServiceDefinition};

use crate::AppError;
use crate::app::{App, hash_password};

/// Passphrase of the demo officers' development keys.
pub const DEMO_KEY_PASSPHRASE: &str = "sahih-demo";
/// Code of the demo service the demo flow (`sahih demo`) applies for.
pub const DEMO_SERVICE: &str = "surat-keterangan-usaha";
/// Password of every officer of [`DEMO_OFFICERS`].
pub const DEMO_OFFICER_PASSWORD: &str = "petugas-demo-2026";

/// The example service definitions the demo instance runs (TOML, from examples/services/).
pub const DEMO_SERVICES: [&str; 4] = [
    include_str!("../../../examples/services/surat-keterangan-usaha.toml"),
    include_str!("../../../examples/services/sppd.toml"),
    include_str!("../../../examples/services/dokumen-anggaran.toml"),
    include_str!("../../../examples/services/tanda-terima-pajak.toml"),
];

/// One demo login, to print on the console.
#[derive(Debug, Clone)]
pub struct DemoLogin {
    /// Role.
    pub role: Role,
    /// Login.
    pub login: &'static str,
    /// Password.
    pub password: &'static str,
    /// Full name.
    pub name: &'static str,
}

/// The demo logins of the licensing office's flow and its agency admin (development only).
pub const DEMO_LOGINS: [DemoLogin; 4] = [
    DemoLogin {
        role: Role::Citizen,
        login: "warga",
        password: "warga-demo-2026",
        name: "Siti Aminah",
    },
    DemoLogin {
        role: Role::Verifier,
        login: "verifikator",
        password: "verifikator-demo",
        name: "Agus Prasetyo",
    },
    DemoLogin {
        role: Role::Signer,
        login: "penandatangan",
        password: "penandatangan-demo",
        name: "Dr. Rina Wulandari, S.H., M.H.",
    },
    DemoLogin {
        role: Role::Admin,
        login: "admin-dpmptsp",
        password: "admin-demo-2026",
        name: "Yusuf Hidayat, S.Kom.",
    },
];

/// An officer of the example services' routes (development only), with the password
/// [`DEMO_OFFICER_PASSWORD`].
#[derive(Debug, Clone)]
pub struct DemoOfficer {
    /// Login.
    pub login: &'static str,
    /// Full name.
    pub name: &'static str,
    /// Verifier (paraf, acknowledgement, tembusan) or signer.
    pub role: Role,
    /// Agency code.
    pub agency: &'static str,
    /// Position (jabatan), as the example templates name it.
    pub position: &'static str,
}

const fn officer(
    login: &'static str,
    name: &'static str,
    role: Role,
    agency: &'static str,
    position: &'static str,
) -> DemoOfficer {
    DemoOfficer {
        login,
        name,
        role,
        agency,
        position,
    }
}

/// One officer per position the example routes name (three budget analysts: two of them must
/// give paraf), beside [`DEMO_LOGINS`]' verifier and signer of the licensing office.
#[rustfmt::skip]
pub const DEMO_OFFICERS: [DemoOfficer; 18] = {
    use Role::{Signer as S, Verifier as V};
    [
        officer("kabid-perizinan", "Hendra Gunawan, S.E., M.M.", V, "DPMPTSP", "Kepala Bidang Pelayanan Perizinan"),
        officer("sekretaris-dpmptsp", "Ir. Wahyu Hidayat, M.Si.", S, "DPMPTSP", "Sekretaris Dinas"),
        officer("kasubag-umum", "Sri Wahyuni, S.Sos.", V, "BAPPEDA", "Kepala Subbagian Umum dan Kepegawaian"),
        officer("sekretaris-bappeda", "Drs. Bambang Sutrisno, M.Si.", V, "BAPPEDA", "Sekretaris"),
        officer("kabid-ekonomi", "Dewi Lestari, S.E., M.Ec.Dev.", V, "BAPPEDA", "Kepala Bidang Perekonomian dan Sumber Daya Alam"),
        officer("kabid-pemerintahan", "Ahmad Fauzi, S.IP., M.Si.", V, "BAPPEDA", "Kepala Bidang Pemerintahan dan Pembangunan Manusia"),
        officer("kabid-infrastruktur", "Ir. Joko Santoso, M.T.", V, "BAPPEDA", "Kepala Bidang Infrastruktur dan Kewilayahan"),
        officer("bendahara-bappeda", "Rina Marlina, A.Md.", V, "BAPPEDA", "Bendahara Pengeluaran"),
        officer("kepala-bappeda", "Dr. Ir. Hadi Susanto, M.T.", S, "BAPPEDA", "Kepala Bappeda"),
        officer("verifikator-anggaran", "Nur Aini, S.E.", V, "BPKAD", "Verifikator Anggaran"),
        officer("analis-anggaran-1", "Fajar Nugroho, S.E.", V, "BPKAD", "Analis Anggaran"),
        officer("analis-anggaran-2", "Maya Sari, S.Ak.", V, "BPKAD", "Analis Anggaran"),
        officer("analis-anggaran-3", "Teguh Prasetyo, S.E.", V, "BPKAD", "Analis Anggaran"),
        officer("kepala-bpkad", "Drs. H. Suparman, M.M.", V, "BPKAD", "Kepala BPKAD"),
        officer("kabid-anggaran", "Lina Kusumawati, S.E., M.Ak.", S, "BPKAD", "Kepala Bidang Anggaran"),
        officer("kabid-perbendaharaan", "Rudi Hartono, S.E.", V, "BPKAD", "Kepala Bidang Perbendaharaan"),
        officer("verifikator-pajak", "Andi Saputra, S.E.", V, "BAPENDA", "Verifikator Pajak Daerah"),
        officer("kabid-pajak", "Yuliana Pertiwi, S.E., M.Si.", S, "BAPENDA", "Kepala Bidang Pajak Daerah"),
    ]
};

/// The licensing office's position for a [`DEMO_LOGINS`] role.
fn position(role: Role) -> Option<&'static str> {
    match role {
        Role::Verifier => Some("Verifikator Perizinan"),
        Role::Signer => Some("Kepala Dinas"),
        Role::Admin => Some("Admin Layanan"),
        Role::Citizen => None,
    }
}

/// The demo officers who get development certificates: the verifier and signer of
/// [`DEMO_LOGINS`], and every officer of [`DEMO_OFFICERS`].
pub fn demo_officers() -> Vec<DevOfficer> {
    let logins = DEMO_LOGINS
        .iter()
        .filter(|l| matches!(l.role, Role::Verifier | Role::Signer))
        .map(|l| DevOfficer {
            login: l.login.into(),
            name: l.name.into(),
            position: position(l.role).unwrap_or_default().into(),
            agency: "DPMPTSP".into(),
        });
    // Every officer has a key: signers sign, and a paraf step may ask for an approval
    // signature (the tax receipt's verification does).
    let signers = DEMO_OFFICERS.iter().map(|o| DevOfficer {
        login: o.login.into(),
        name: o.name.into(),
        position: o.position.into(),
        agency: o.agency.into(),
    });
    logins.chain(signers).collect()
}

/// The example services, read from [`DEMO_SERVICES`].
///
/// Errors: `E_INTERNAL` naming the problems if an example does not read (a build defect).
pub fn demo_services() -> Result<Vec<ServiceDefinition>, AppError> {
    DEMO_SERVICES
        .iter()
        .map(|text| {
            ServiceDefinition::parse_toml(text).map_err(|problems| {
                let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
                AppError::Internal(format!("example service: {}", lines.join("; ")))
            })
        })
        .collect()
}

/// Seeds the demo agencies, services and users; makes development certificates under
/// `certs_dir` (via `sahih keys dev-init`'s code) for the officers of [`demo_officers`].
/// Returns the id of [`DEMO_SERVICE`].
///
/// Errors: storage and certificate-generation failures.
pub fn seed_demo(app: &App, certs_dir: &Path) -> Result<ServiceId, AppError> {
    let store = app.store();
    let mut missing = Vec::new();
    for def in demo_services()? {
        if store.service_by_code(&def.code)?.is_none() {
            missing.push(def);
        }
    }
    store.upsert_services(&missing)?;
    let service = store
        .service_by_code(DEMO_SERVICE)?
        .ok_or(AppError::NotFound)?;
    let officers = demo_officers();
    let creds = dev_init(certs_dir, &officers, DEMO_KEY_PASSPHRASE.as_bytes())?;
    let credentials = |login: &str| -> Result<(Option<String>, Option<String>), AppError> {
        match officers.iter().position(|o| o.login == login) {
            Some(i) => Ok((Some(read(&creds[i].cert)?), Some(read(&creds[i].key)?))),
            None => Ok((None, None)),
        }
    };
    for login in &DEMO_LOGINS {
        if store.user_by_login(login.login)?.is_some() {
            continue;
        }
        let (cert_pem, key_pem) = credentials(login.login)?;
        create(
            app,
            NewUser {
                login: login.login.into(),
                name: login.name.into(),
                email: None,
                password_hash: hash_password(login.password)?,
                role: login.role,
                agency_id: (login.role != Role::Citizen).then_some(service.agency_id),
                position: position(login.role).map(str::to_string),
                cert_pem,
                key_pem,
            },
        )?;
    }
    // One hash for all of them, made only if one is missing: argon2id is slow on purpose.
    let mut shared_hash = None;
    for o in &DEMO_OFFICERS {
        if store.user_by_login(o.login)?.is_some() {
            continue;
        }
        let hash = match &shared_hash {
            Some(hash) => String::clone(hash),
            None => shared_hash
                .insert(hash_password(DEMO_OFFICER_PASSWORD)?)
                .clone(),
        };
        let (cert_pem, key_pem) = credentials(o.login)?;
        let agency = store.agency_by_code(o.agency)?.ok_or(AppError::NotFound)?;
        create(
            app,
            NewUser {
                login: o.login.into(),
                name: o.name.into(),
                email: None,
                password_hash: hash,
                role: o.role,
                agency_id: Some(agency.id),
                position: Some(o.position.into()),
                cert_pem,
                key_pem,
            },
        )?;
    }
    seed_hierarchy(app)?;
    Ok(service.id)
}

/// The demo's hierarchy (login, their direct superior): disposisi go down it, overdue work
/// escalates up it. Set only where no superior is set yet.
const DEMO_HIERARCHY: [(&str, &str); 16] = [
    ("sekretaris-dpmptsp", "penandatangan"),
    ("kabid-perizinan", "sekretaris-dpmptsp"),
    ("verifikator", "kabid-perizinan"),
    ("sekretaris-bappeda", "kepala-bappeda"),
    ("kabid-ekonomi", "kepala-bappeda"),
    ("kabid-pemerintahan", "kepala-bappeda"),
    ("kabid-infrastruktur", "kepala-bappeda"),
    ("kasubag-umum", "sekretaris-bappeda"),
    ("bendahara-bappeda", "kasubag-umum"),
    ("kabid-anggaran", "kepala-bpkad"),
    ("kabid-perbendaharaan", "kepala-bpkad"),
    ("verifikator-anggaran", "kabid-anggaran"),
    ("analis-anggaran-1", "kabid-anggaran"),
    ("analis-anggaran-2", "kabid-anggaran"),
    ("analis-anggaran-3", "kabid-anggaran"),
    ("verifikator-pajak", "kabid-pajak"),
];

fn seed_hierarchy(app: &App) -> Result<(), AppError> {
    let store = app.store();
    let officers = store.officers()?;
    for (login, superior) in DEMO_HIERARCHY {
        let find = |l: &str| officers.iter().find(|o| o.user.login == l);
        if let (Some(o), Some(s)) = (find(login), find(superior))
            && o.supervisor_id.is_none()
        {
            store.set_supervisor(o.user.id, Some(s.user.id))?;
        }
    }
    Ok(())
}

/// Creates a user; one created meanwhile by another start is fine.
fn create(app: &App, user: NewUser) -> Result<(), AppError> {
    match app.store().create_user(&user) {
        Ok(_) | Err(StoreError::LoginTaken) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

fn read(path: &Path) -> Result<String, AppError> {
    std::fs::read_to_string(path)
        .map_err(|e| AppError::Internal(format!("{}: {e}", path.display())))
}
