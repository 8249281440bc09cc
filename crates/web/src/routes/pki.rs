//! Sahih's CA in public, no login, no session (RFC 5280 §4.2.1.13, §4.2.2.1): `GET /pki/crl`
//! the current CRL (DER, `application/pkix-crl`, RFC 2585 §4.2), the URL every officer
//! certificate names as its CRL distribution point; `GET /pki/ca.pem` the CA certificate, the
//! URL of their authorityInfoAccess caIssuers. Both 404 when no CA is configured.

use actix_web::http::header;
use actix_web::{HttpResponse, web};

use super::blocking;
use crate::{AppError, AppState};

pub fn configure_public(cfg: &mut web::ServiceConfig) {
    cfg.route(sahih_signing::ca::CRL_PATH, web::get().to(crl))
        .route(sahih_signing::ca::CA_CERT_PATH, web::get().to(ca_pem));
}

async fn crl(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let der = blocking(&state, |app| match app.current_crl() {
        Err(AppError::Forbidden("E_NO_CA")) => Err(AppError::NotFound),
        other => other,
    })
    .await?;
    Ok(HttpResponse::Ok()
        .content_type("application/pkix-crl")
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(der))
}

async fn ca_pem(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let pem = state.app.ca_certificate_pem().ok_or(AppError::NotFound)?;
    Ok(HttpResponse::Ok()
        .content_type("application/x-pem-file")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(pem))
}
