//! The agency admin's pages: their agency's services (`GET /admin/layanan`), a service's
//! definition as TOML to check and save (`GET|POST /admin/layanan/{code}`, a new one at
//! `/admin/layanan/baru`), and its download (`GET /admin/layanan/{code}/ekspor`). Admins only,
//! their own agency only; every POST carries the CSRF token.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::{blocking, html, see_other};
use crate::app::{AdminAction, Refusal, new_service_skeleton};
use crate::session::Visitor;
use crate::views::{AdminServiceEditPage, AdminServicesPage};
use crate::{AppError, AppState};

/// The largest form body read: a definition of [`sahih_workflow::MAX_DEFINITION_BYTES`],
/// percent-encoded.
const FORM_LIMIT: usize = 4 * sahih_workflow::MAX_DEFINITION_BYTES;

pub fn configure(cfg: &mut web::ServiceConfig) {
    let form = || web::FormConfig::default().limit(FORM_LIMIT);
    cfg.route("/admin/layanan", web::get().to(list))
        .service(
            web::resource("/admin/layanan/baru")
                .app_data(form())
                .route(web::get().to(new_page))
                .route(web::post().to(create)),
        )
        .service(
            web::resource("/admin/layanan/{code}")
                .app_data(form())
                .route(web::get().to(edit_page))
                .route(web::post().to(update)),
        )
        .route("/admin/layanan/{code}/ekspor", web::get().to(export));
}

/// The definition form: CSRF, the TOML, and which button was pressed.
#[derive(Deserialize)]
struct DefinitionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    toml: String,
    #[serde(default)]
    aksi: String,
}

impl DefinitionForm {
    fn action(&self) -> Result<AdminAction, AppError> {
        match self.aksi.as_str() {
            "validasi" => Ok(AdminAction::Validate),
            "simpan" => Ok(AdminAction::Save),
            _ => Err(AppError::bad_input(
                "E_BAD_INPUT",
                "aksi: validasi or simpan",
            )),
        }
    }
}

#[derive(Deserialize)]
struct SavedQuery {
    #[serde(default)]
    disimpan: String,
}

async fn list(state: web::Data<AppState>, v: Visitor) -> Result<HttpResponse, AppError> {
    let user = v.user()?.clone();
    let (agency, services) = blocking(&state, move |app| app.admin_services(&user)).await?;
    html(AdminServicesPage {
        p: v.page(),
        agency,
        services,
    })
}

async fn new_page(state: web::Data<AppState>, v: Visitor) -> Result<HttpResponse, AppError> {
    let user = v.user()?.clone();
    let agency = blocking(&state, move |app| app.admin_agency(&user)).await?;
    let text = new_service_skeleton(&agency);
    html(AdminServiceEditPage {
        p: v.page(),
        agency,
        code: None,
        text,
        refusal: None,
        notice: None,
        warnings: Vec::new(),
    })
}

async fn edit_page(
    state: web::Data<AppState>,
    v: Visitor,
    code: web::Path<String>,
    query: web::Query<SavedQuery>,
) -> Result<HttpResponse, AppError> {
    let user = v.user()?.clone();
    let code = code.into_inner();
    let wanted = code.clone();
    let (agency, text, warnings) = blocking(&state, move |app| {
        let text = app.admin_service_toml(&user, &wanted)?;
        let warnings = match sahih_workflow::ServiceDefinition::parse_toml(&text) {
            Ok(definition) => app.staffing_warnings(&definition)?,
            Err(_) => Vec::new(),
        };
        Ok((app.admin_agency(&user)?, text, warnings))
    })
    .await?;
    let notice = match query.disimpan.as_str() {
        "dibuat" => Some("admin_created"),
        "diubah" => Some("admin_updated"),
        "tetap" => Some("admin_unchanged"),
        _ => None,
    };
    html(AdminServiceEditPage {
        p: v.page(),
        agency,
        code: Some(code),
        text,
        refusal: None,
        notice,
        warnings,
    })
}

async fn create(
    state: web::Data<AppState>,
    v: Visitor,
    form: web::Form<DefinitionForm>,
) -> Result<HttpResponse, AppError> {
    submit(state, v, None, form.into_inner()).await
}

async fn update(
    state: web::Data<AppState>,
    v: Visitor,
    code: web::Path<String>,
    form: web::Form<DefinitionForm>,
) -> Result<HttpResponse, AppError> {
    submit(state, v, Some(code.into_inner()), form.into_inner()).await
}

/// Checks or saves the text: saved, to the service's page (POST/redirect/GET); otherwise the
/// same page again with the text as typed and every problem beside it, with the refusal's
/// status and code (`X-Sahih-Error`).
async fn submit(
    state: web::Data<AppState>,
    v: Visitor,
    editing: Option<String>,
    form: DefinitionForm,
) -> Result<HttpResponse, AppError> {
    v.check_csrf(&form.csrf)?;
    let action = form.action()?;
    let user = v.user()?.clone();
    let text = form.toml;
    let (typed, code) = (text.clone(), editing.clone());
    let (agency, outcome, warnings) = blocking(&state, move |app| {
        let agency = app.admin_agency(&user)?;
        let outcome = app.admin_submit_definition(&user, &typed, code.as_deref(), action)?;
        let warnings = match &outcome {
            Ok(accepted) => app.staffing_warnings(&accepted.definition)?,
            Err(_) => Vec::new(),
        };
        Ok((agency, outcome, warnings))
    })
    .await?;
    let (refusal, notice) = match outcome {
        Ok(accepted) => match accepted.saved {
            Some(change) => {
                let word = match change {
                    sahih_store::ServiceChange::Created { .. } => "dibuat",
                    sahih_store::ServiceChange::Updated => "diubah",
                    sahih_store::ServiceChange::Unchanged => "tetap",
                };
                let code = accepted.definition.code;
                return Ok(see_other(&format!("/admin/layanan/{code}?disimpan={word}")));
            }
            None => (None, Some("admin_valid")),
        },
        Err(refusal) => (Some(refusal), None),
    };
    let status = refusal.as_ref().map_or(StatusCode::OK, status_of);
    let error = refusal
        .as_ref()
        .and_then(|r| HeaderValue::from_str(r.code).ok());
    let mut res = html(AdminServiceEditPage {
        p: v.page(),
        agency,
        code: editing,
        text,
        refusal,
        notice,
        warnings,
    })?;
    *res.status_mut() = status;
    if let Some(code) = error {
        res.headers_mut()
            .insert(HeaderName::from_static("x-sahih-error"), code);
    }
    Ok(res)
}

fn status_of(refusal: &Refusal) -> StatusCode {
    match refusal.code {
        "E_NOT_YOUR_AGENCY" => StatusCode::FORBIDDEN,
        "E_SERVICE_IN_USE" => StatusCode::CONFLICT,
        _ => StatusCode::BAD_REQUEST,
    }
}

async fn export(
    state: web::Data<AppState>,
    v: Visitor,
    code: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let user = v.user()?.clone();
    let code = code.into_inner();
    let wanted = code.clone();
    let text = blocking(&state, move |app| app.admin_service_toml(&user, &wanted)).await?;
    let name: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    Ok(HttpResponse::Ok()
        .content_type("application/toml; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}.toml\""),
        ))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(text))
}

#[cfg(test)]
mod tests;
