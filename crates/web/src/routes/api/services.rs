//! `GET /api/v1/services`: the services (document types) an application may submit to — its
//! agency's — each with its form fields, so an integrator needs no copy of the definitions.

use actix_web::{HttpResponse, web};
use serde::Serialize;
use utoipa::ToSchema;

use super::problem::{PROBLEM_JSON, Problem};
use super::{Caller, blocking};
use crate::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/services", web::get().to(list)).route(
        "/services",
        web::route().to(|| async { super::method_not_allowed("GET") }),
    );
}

/// One form field of a service.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ServiceField {
    /// The name to use as the key in `metadata.form`.
    #[schema(example = "nama_usaha")]
    pub name: String,
    /// Its label, Bahasa Indonesia.
    pub label_id: String,
    /// Its label, English.
    pub label_en: String,
    /// `text`, `textarea`, `date` (`YYYY-MM-DD`), `number` (digits only) or `choice` (one of
    /// `options`).
    #[schema(example = "text")]
    pub kind: String,
    /// Whether a value is required.
    pub required: bool,
    /// The longest value accepted, characters.
    pub max_chars: usize,
    /// The values a `choice` field accepts (empty otherwise).
    pub options: Vec<String>,
}

/// A service (document type) an application may submit to.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ServiceInfo {
    /// The code to use as `metadata.service`.
    #[schema(example = "surat-keterangan-usaha")]
    pub code: String,
    /// Its name, Bahasa Indonesia.
    pub name: String,
    /// Its name, English.
    pub name_en: String,
    /// What it is for, Bahasa Indonesia.
    pub description: String,
    /// What it is for, English.
    pub description_en: String,
    /// The form fields, in order.
    pub form: Vec<ServiceField>,
}

/// The services of the key's agency.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ServiceList {
    /// The services, by code.
    pub services: Vec<ServiceInfo>,
}

/// `GET /api/v1/services`: the services of the key's agency, with their form fields. Any
/// valid key may read them.
#[utoipa::path(
    get,
    path = "/api/v1/services",
    tag = "services",
    responses(
        (status = 200, description = "The services of the key's agency.", body = ServiceList),
        (status = 401, description = "No key, or not a valid one.", body = Problem, content_type = PROBLEM_JSON),
        (status = 429, description = "Too many requests.", body = Problem, content_type = PROBLEM_JSON),
    ),
    security(("api_key" = [])),
)]
pub(super) async fn list(state: web::Data<AppState>, Caller(caller): Caller) -> HttpResponse {
    let found = blocking(&state, move |app| {
        let mut services: Vec<ServiceInfo> = app
            .services()?
            .into_iter()
            .filter(|s| s.agency_id == caller.application.agency)
            .map(|s| ServiceInfo {
                form: s
                    .form
                    .into_iter()
                    .map(|f| ServiceField {
                        kind: serde_json::to_value(f.kind)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_owned))
                            .unwrap_or_default(),
                        name: f.name,
                        label_id: f.label_id,
                        label_en: f.label_en,
                        required: f.required,
                        max_chars: f.max_chars,
                        options: f.options,
                    })
                    .collect(),
                code: s.code,
                name: s.name,
                name_en: s.name_en,
                description: s.description,
                description_en: s.description_en,
            })
            .collect();
        services.sort_by(|a, b| a.code.cmp(&b.code));
        Ok(ServiceList { services })
    })
    .await;
    match found {
        Ok(list) => HttpResponse::Ok().json(list),
        Err(res) => res,
    }
}
