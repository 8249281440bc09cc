//! The agency admin's officers page (`GET /admin/petugas`): each officer's role, position and
//! direct superior, changed with `POST /admin/petugas/{id}`; a new officer with
//! `POST /admin/petugas`. Admins only, their own agency only; every POST carries the CSRF token.

use actix_web::{HttpResponse, web};
use sahih_workflow::{Role, UserId};
use serde::Deserialize;

use super::{blocking, html, see_other};
use crate::app::{NewOfficer, OfficerSettings};
use crate::session::Visitor;
use crate::views::AdminOfficersPage;
use crate::{AppError, AppState};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/petugas", web::get().to(page))
        .route("/admin/petugas", web::post().to(create))
        .route("/admin/petugas/{id}", web::post().to(update))
        .route(
            "/admin/petugas/{id}/reset-faktor-kedua",
            web::post().to(reset_second_factor),
        )
        .configure(certificates::configure);
}

/// An officer's settings as the form sends them.
#[derive(Deserialize)]
struct SettingsForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    position: String,
    /// The superior's user id, or empty for none.
    #[serde(default)]
    supervisor: String,
    #[serde(default)]
    login: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

impl SettingsForm {
    fn settings(&self) -> Result<OfficerSettings, AppError> {
        let role = match Role::parse(&self.role) {
            Some(r @ (Role::Verifier | Role::Signer)) => r,
            _ => {
                return Err(AppError::bad_input(
                    "E_BAD_INPUT",
                    "role: verifier or signer",
                ));
            }
        };
        let supervisor = match self.supervisor.trim() {
            "" => None,
            id => Some(UserId(id.parse().map_err(|_| {
                AppError::bad_input("E_BAD_SUPERVISOR", "supervisor: an officer's id")
            })?)),
        };
        Ok(OfficerSettings {
            role,
            position: self.position.clone(),
            supervisor,
        })
    }
}

async fn page(state: web::Data<AppState>, v: Visitor) -> Result<HttpResponse, AppError> {
    let user = v.user()?.clone();
    let (agency, officers, certificates, ca) = blocking(&state, move |app| {
        let officers = app.admin_officers(&user)?;
        let certificates = officers
            .iter()
            .map(|o| Ok((o.user.id.0, app.certificate_rows(o.user.id)?)))
            .collect::<Result<_, AppError>>()?;
        let ca = app.ca_certificate_pem().is_some();
        Ok((app.admin_agency(&user)?, officers, certificates, ca))
    })
    .await?;
    html(AdminOfficersPage {
        p: v.page(),
        agency,
        officers,
        certificates,
        ca,
    })
}

async fn update(
    state: web::Data<AppState>,
    v: Visitor,
    id: web::Path<i64>,
    form: web::Form<SettingsForm>,
) -> Result<HttpResponse, AppError> {
    v.check_csrf(&form.csrf)?;
    let user = v.user()?.clone();
    let settings = form.settings()?;
    let officer = UserId(id.into_inner());
    blocking(&state, move |app| {
        app.admin_update_officer(&user, officer, &settings)
    })
    .await?;
    Ok(see_other(&format!("/admin/petugas#petugas-{}", officer.0)))
}

/// Removes an officer's TOTP second factor (a lost phone): they enroll again on their key
/// page before signing.
async fn reset_second_factor(
    state: web::Data<AppState>,
    v: Visitor,
    id: web::Path<i64>,
    form: web::Form<super::CsrfForm>,
) -> Result<HttpResponse, AppError> {
    v.check_csrf(&form.csrf)?;
    let user = v.user()?.clone();
    let officer = UserId(id.into_inner());
    blocking(&state, move |app| {
        app.admin_reset_second_factor(&user, officer)
    })
    .await?;
    Ok(see_other(&format!("/admin/petugas#petugas-{}", officer.0)))
}

async fn create(
    state: web::Data<AppState>,
    v: Visitor,
    form: web::Form<SettingsForm>,
) -> Result<HttpResponse, AppError> {
    v.check_csrf(&form.csrf)?;
    let user = v.user()?.clone();
    let form = form.into_inner();
    let new = NewOfficer {
        settings: form.settings()?,
        login: form.login,
        name: form.name,
        email: form.email,
        password: form.password,
    };
    let id = blocking(&state, move |app| app.admin_create_officer(&user, &new)).await?;
    Ok(see_other(&format!("/admin/petugas#petugas-{}", id.0)))
}

mod certificates;

#[cfg(test)]
mod tests;
