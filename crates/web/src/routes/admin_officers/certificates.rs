//! An officer's certificate from Sahih's CA, on `/admin/petugas`: issue (a new key under a
//! first key passphrase), renew (the same key, a new serial), revoke (with an RFC 5280
//! reason, confirmed). Admins of the officer's agency only; every POST carries the CSRF token.

use actix_web::{HttpResponse, web};
use sahih_signing::ca::RevocationReason;
use sahih_workflow::UserId;
use serde::Deserialize;

use super::super::{blocking, see_other};
use crate::session::Visitor;
use crate::{AppError, AppState};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/admin/petugas/{id}/sertifikat/terbit",
        web::post().to(issue),
    )
    .route(
        "/admin/petugas/{id}/sertifikat/perbarui",
        web::post().to(renew),
    )
    .route(
        "/admin/petugas/{id}/sertifikat/cabut",
        web::post().to(revoke),
    );
}

#[derive(Deserialize)]
struct CertificateForm {
    #[serde(default)]
    csrf: String,
    /// Issue: the first key passphrase handed to the officer.
    #[serde(default)]
    passphrase: String,
    /// Revoke: the serial, hex.
    #[serde(default)]
    serial: String,
    /// Revoke: the CRLReason name.
    #[serde(default)]
    reason: String,
    /// Revoke: `yes` when the admin confirmed.
    #[serde(default)]
    confirm: String,
}

fn back(officer: UserId) -> HttpResponse {
    see_other(&format!("/admin/petugas#petugas-{}", officer.0))
}

async fn issue(
    state: web::Data<AppState>,
    v: Visitor,
    id: web::Path<i64>,
    form: web::Form<CertificateForm>,
) -> Result<HttpResponse, AppError> {
    v.check_csrf(&form.csrf)?;
    let admin = v.user()?.clone();
    let officer = UserId(id.into_inner());
    let passphrase = zeroize::Zeroizing::new(form.into_inner().passphrase);
    blocking(&state, move |app| {
        app.admin_issue_certificate(&admin, officer, &passphrase)
    })
    .await?;
    Ok(back(officer))
}

async fn renew(
    state: web::Data<AppState>,
    v: Visitor,
    id: web::Path<i64>,
    form: web::Form<CertificateForm>,
) -> Result<HttpResponse, AppError> {
    v.check_csrf(&form.csrf)?;
    let admin = v.user()?.clone();
    let officer = UserId(id.into_inner());
    blocking(&state, move |app| {
        app.admin_renew_certificate(&admin, officer)
    })
    .await?;
    Ok(back(officer))
}

async fn revoke(
    state: web::Data<AppState>,
    v: Visitor,
    id: web::Path<i64>,
    form: web::Form<CertificateForm>,
) -> Result<HttpResponse, AppError> {
    v.check_csrf(&form.csrf)?;
    let admin = v.user()?.clone();
    let officer = UserId(id.into_inner());
    let form = form.into_inner();
    let reason = RevocationReason::parse(&form.reason)
        .ok_or_else(|| AppError::bad_input("E_BAD_INPUT", "reason: an RFC 5280 CRLReason name"))?;
    if form.confirm != "yes" {
        return Err(AppError::bad_input(
            "E_NOT_CONFIRMED",
            "tick the box to confirm the revocation: it cannot be undone",
        ));
    }
    blocking(&state, move |app| {
        app.admin_revoke_certificate(&admin, officer, &form.serial, reason)
    })
    .await?;
    Ok(back(officer))
}

#[cfg(test)]
mod tests;
