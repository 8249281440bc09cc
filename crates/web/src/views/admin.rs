//! The agency admin's pages: the agency's services (`/admin/layanan`) and one service's
//! definition as TOML (`/admin/layanan/{code}`, `/admin/layanan/baru`).

use askama::Template;
use sahih_store::{Agency, Service};

use super::Page;
use crate::app::Refusal;
use crate::i18n::Lang;

/// The admin's agency's officers: role, position, superior.
#[derive(Template)]
#[template(path = "admin_officers.html")]
pub struct AdminOfficersPage {
    /// Common.
    pub p: Page,
    /// The admin's agency.
    pub agency: Agency,
    /// Its officers, by name.
    pub officers: Vec<sahih_store::Officer>,
    /// Each officer's certificates from Sahih's CA, newest first, by user id.
    pub certificates: std::collections::HashMap<i64, Vec<crate::app::CertificateRow>>,
    /// Whether Sahih's CA is configured (the certificate forms are shown).
    pub ca: bool,
}

impl AdminOfficersPage {
    /// The certificates of `officer`, newest first.
    pub fn certificates_of(&self, officer: &sahih_store::Officer) -> &[crate::app::CertificateRow] {
        self.certificates
            .get(&officer.user.id.0)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// Unix seconds as a date, `YYYY-MM-DD` (UTC).
    pub fn date(&self, secs: &i64) -> String {
        time::OffsetDateTime::from_unix_timestamp(*secs)
            .map(|t| t.date().to_string())
            .unwrap_or_default()
    }

    /// A certificate's status in the page's language.
    pub fn status_label(&self, c: &crate::app::CertificateRow) -> &'static str {
        use crate::app::CertificateStatus as S;
        self.p.t(match c.status {
            S::Valid => "admin_cert_status_valid",
            S::Revoked => "admin_cert_status_revoked",
            S::Expired => "admin_cert_status_expired",
        })
    }

    /// The RFC 5280 reasons an admin can give, by name.
    pub fn reasons(&self) -> Vec<&'static str> {
        sahih_signing::ca::RevocationReason::ALL
            .iter()
            .map(|r| r.as_str())
            .collect()
    }

    /// Whether `candidate` is `officer`'s direct superior.
    pub fn is_supervisor(
        &self,
        officer: &sahih_store::Officer,
        candidate: &sahih_store::Officer,
    ) -> bool {
        officer.supervisor_id == Some(candidate.user.id)
    }
}

/// The admin's agency's services.
#[derive(Template)]
#[template(path = "admin_services.html")]
pub struct AdminServicesPage {
    /// Common.
    pub p: Page,
    /// The admin's agency.
    pub agency: Agency,
    /// Its services, by name.
    pub services: Vec<Service>,
}

impl AdminServicesPage {
    /// A service's name in the page's language (Indonesian when no English is given).
    pub fn name<'a>(&self, service: &'a Service) -> &'a str {
        match self.p.lang {
            Lang::En if !service.name_en.is_empty() => &service.name_en,
            _ => &service.name,
        }
    }
}

/// One service's definition in a textarea, with the problems found next to it.
#[derive(Template)]
#[template(path = "admin_service_edit.html")]
pub struct AdminServiceEditPage {
    /// Common.
    pub p: Page,
    /// The admin's agency.
    pub agency: Agency,
    /// The service's code; `None` for a new service.
    pub code: Option<String>,
    /// The TOML text shown.
    pub text: String,
    /// Why the text was not accepted, if it was not.
    pub refusal: Option<Refusal>,
    /// A translation key saying what happened (valid, created, saved, unchanged), if anything.
    pub notice: Option<&'static str>,
    /// Steps nobody (or too few) can give now, for the admin to staff.
    pub warnings: Vec<sahih_workflow::DefinitionProblem>,
}

impl AdminServiceEditPage {
    /// Where the form posts: the service's page, or the new service's.
    pub fn action(&self) -> String {
        match &self.code {
            Some(code) => format!("/admin/layanan/{code}"),
            None => "/admin/layanan/baru".into(),
        }
    }
}
