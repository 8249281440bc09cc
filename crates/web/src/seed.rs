//! Demo data for a fresh instance: the licensing office (DPMPTSP), the business-certificate
//! service, a verifier, a signing official with a development certificate, and a citizen.
//! Idempotent: what exists is kept.

use std::path::Path;

use sahih_signing::devca::{DevOfficer, dev_init};
use sahih_store::{NewUser, Service, ServiceId, StoreError};
use sahih_workflow::{FieldKind, FormField, Role, RoutingTemplate};

use crate::AppError;
use crate::app::{App, hash_password};

/// Passphrase of the demo officers' development keys.
pub const DEMO_KEY_PASSPHRASE: &str = "sahih-demo";
/// Code of the demo service.
pub const DEMO_SERVICE: &str = "surat-keterangan-usaha";

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

/// The demo logins (development only).
pub const DEMO_LOGINS: [DemoLogin; 3] = [
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
];

fn field(
    name: &str,
    id: &str,
    en: &str,
    kind: FieldKind,
    required: bool,
    max_chars: usize,
) -> FormField {
    FormField {
        name: name.into(),
        label_id: id.into(),
        label_en: en.into(),
        kind,
        required,
        max_chars,
    }
}

fn position(role: Role) -> Option<&'static str> {
    match role {
        Role::Verifier => Some("Verifikator Perizinan"),
        Role::Signer => Some("Kepala Dinas"),
        Role::Citizen | Role::Admin => None,
    }
}

/// The demo officers who get development certificates (all demo users but the citizen).
pub fn demo_officers() -> Vec<DevOfficer> {
    DEMO_LOGINS
        .iter()
        .filter(|l| l.role != Role::Citizen)
        .map(|l| DevOfficer {
            login: l.login.into(),
            name: l.name.into(),
            position: position(l.role).unwrap_or_default().into(),
            agency: "DPMPTSP".into(),
        })
        .collect()
}

/// Seeds the demo agency, service and users; makes development certificates under `certs_dir`
/// (via `sahih keys dev-init`'s code) for the officers.
///
/// Errors: storage and certificate-generation failures.
pub fn seed_demo(app: &App, certs_dir: &Path) -> Result<ServiceId, AppError> {
    let store = app.store();
    let agency_name = "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu (DPMPTSP)";
    let agency = store.ensure_agency("DPMPTSP", agency_name)?;
    let service = store.ensure_service(&Service {
        id: ServiceId(0),
        agency_id: agency,
        code: DEMO_SERVICE.into(),
        name: "Surat Keterangan Usaha".into(),
        description: "Keterangan bahwa warga menjalankan usaha mikro atau kecil di wilayah kota."
            .into(),
        description_en: "A certificate that a resident runs a micro or small business in the city."
            .into(),
        form: vec![
            field(
                "nama_usaha",
                "Nama usaha",
                "Business name",
                FieldKind::Text,
                true,
                120,
            ),
            field(
                "bidang_usaha",
                "Bidang usaha",
                "Line of business",
                FieldKind::Text,
                true,
                120,
            ),
            field(
                "alamat_usaha",
                "Alamat usaha",
                "Business address",
                FieldKind::Textarea,
                true,
                500,
            ),
            field(
                "mulai_usaha",
                "Mulai berusaha",
                "In business since",
                FieldKind::Date,
                false,
                10,
            ),
        ],
        template: RoutingTemplate::single_paraf(),
        name_en: "Business Certificate".into(),
        numbering: None,
    })?;
    let officers = demo_officers();
    let creds = dev_init(certs_dir, &officers, DEMO_KEY_PASSPHRASE.as_bytes())?;
    for login in &DEMO_LOGINS {
        let (cert_pem, key_pem) = match officers.iter().position(|o| o.login == login.login) {
            Some(i) => (Some(read(&creds[i].cert)?), Some(read(&creds[i].key)?)),
            None => (None, None),
        };
        let result = store.create_user(&NewUser {
            login: login.login.into(),
            name: login.name.into(),
            email: None,
            password_hash: hash_password(login.password)?,
            role: login.role,
            agency_id: (login.role != Role::Citizen).then_some(agency),
            position: position(login.role).map(str::to_string),
            cert_pem,
            key_pem,
        });
        match result {
            Ok(_) | Err(StoreError::LoginTaken) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(service)
}

fn read(path: &Path) -> Result<String, AppError> {
    std::fs::read_to_string(path)
        .map_err(|e| AppError::Internal(format!("{}: {e}", path.display())))
}
