//! Errors of the API as RFC 9457 problem details (`application/problem+json`).
//!
//! Every problem carries the members of RFC 9457 §3.1 (`type`, `title`, `status`, `detail`)
//! and the extension member `code`, the stable error code scripts switch on. `type` is a
//! relative URI naming the code's entry in the API's docs page, e.g.
//! `/api/v1/docs#E_SCOPE_MISSING`, where each code is explained.
//! The verify endpoint's problems also keep the members of its earlier error shape
//! (`schema`, `indication: "UNUSABLE"`, `reason`), so existing clients keep working.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use sahih_signing::verify::REPORT_SCHEMA;
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppError;

/// The media type of problem details (RFC 9457 §3).
pub const PROBLEM_JSON: &str = "application/problem+json";

/// A problem detail (RFC 9457 §3.1), with Sahih's stable `code`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// A URI reference naming the problem type: `/api/v1/docs#{code}`.
    #[serde(rename = "type")]
    pub type_: String,
    /// A short summary of the problem type (the same for every occurrence).
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong this time, in English.
    pub detail: String,
    /// The stable error code, e.g. `E_API_KEY_INVALID`.
    #[schema(example = "E_NOT_FOUND")]
    pub code: String,
    /// Seconds to wait before retrying (429 and 503 only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
    /// Verify endpoint only: the report schema, as in its earlier error shape.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// Verify endpoint only: always `UNUSABLE`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub indication: Option<String>,
    /// Verify endpoint only: the same text as `detail`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl Problem {
    /// A problem with `status`, `code` and `detail`. Its `type` is the code's entry on the
    /// docs page, or `about:blank` (RFC 9457 §4.2.1) for a code the page does not list.
    pub fn new(status: StatusCode, code: &str, detail: impl Into<String>) -> Problem {
        let listed = super::openapi::ERROR_CODES
            .iter()
            .any(|(c, _, _)| *c == code);
        Problem {
            type_: if listed {
                format!("/api/v1/docs#{code}")
            } else {
                "about:blank".to_owned()
            },
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
            code: code.to_owned(),
            retry_after: None,
            schema: None,
            indication: None,
            reason: None,
        }
    }

    /// The problem of an [`AppError`]; server faults say only that one occurred (and are
    /// logged with their cause).
    pub fn of(e: &AppError) -> Problem {
        let status = e.status_code();
        // A session's 303 to the login page means "no key" here.
        let status = if status == StatusCode::SEE_OTHER {
            StatusCode::UNAUTHORIZED
        } else {
            status
        };
        let detail = match e {
            _ if status.is_server_error() && !matches!(e, AppError::Busy) => {
                tracing::error!(error = %e, code = e.code(), "API request failed");
                "a server error occurred; please try again".to_owned()
            }
            // These say only their code: the docs page's sentence says more.
            AppError::Forbidden(code) | AppError::Unauthorized(code) => super::openapi::ERROR_CODES
                .iter()
                .find(|(c, _, _)| c == code)
                .map_or_else(|| e.to_string(), |(_, _, text)| (*text).to_owned()),
            _ => e.to_string(),
        };
        let mut p = Problem::new(status, e.code(), detail);
        p.retry_after = match e {
            AppError::RateLimited { retry_after } => Some(*retry_after),
            AppError::Busy => Some(1),
            _ => None,
        };
        p
    }

    /// Adds the verify endpoint's earlier members.
    pub fn unusable(mut self) -> Problem {
        self.schema = Some(REPORT_SCHEMA.to_owned());
        self.indication = Some("UNUSABLE".to_owned());
        self.reason = Some(self.detail.clone());
        self
    }

    /// The response: `application/problem+json`, with `Retry-After` and, for 401,
    /// `WWW-Authenticate: Bearer` (RFC 6750 §3).
    pub fn response(&self) -> HttpResponse {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut res = HttpResponse::build(status);
        res.content_type(PROBLEM_JSON);
        if let Some(after) = self.retry_after {
            res.insert_header((header::RETRY_AFTER, after.to_string()));
        }
        if status == StatusCode::UNAUTHORIZED {
            res.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"sahih\""));
        }
        res.body(serde_json::to_string(self).unwrap_or_default())
    }
}

/// An [`AppError`] as a problem response.
pub fn respond(e: &AppError) -> HttpResponse {
    Problem::of(e).response()
}
