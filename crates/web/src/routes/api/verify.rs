//! `POST /api/v1/verify`: the verification report of a PDF, for anyone (a key is optional; with
//! one, it needs the `verify` scope). The report's schema is documented in
//! docs/verification.md.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use futures_util::StreamExt;
use sahih_store::log::leaf::VerificationSource;

use super::MaybeCaller;
use super::problem::{PROBLEM_JSON, Problem};
use crate::app::Scope;
use crate::{AppError, AppState, upload};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/verify", web::post().to(verify)).route(
        "/verify",
        web::route().to(|| async {
            super::method_not_allowed_problem(
                "POST",
                Problem::new(
                    StatusCode::METHOD_NOT_ALLOWED,
                    "E_METHOD_NOT_ALLOWED",
                    "use POST with the PDF as the body",
                )
                .unusable(),
            )
        }),
    );
}

/// The verify endpoint's problem: RFC 9457 with its earlier members.
fn unusable(e: &AppError) -> HttpResponse {
    Problem::of(e).unusable().response()
}

/// `POST /api/v1/verify`: the report of the PDF in the body (`application/pdf`) or in the
/// multipart field `berkas`, 200 whatever its verdict; 422 with a problem (`indication:
/// UNUSABLE`) when the file cannot be validated at all, 413 past the upload limit, 415 for
/// another content type. A key is optional; one without the `verify` scope gets 403. Every
/// answered request is recorded in the transparency log (file hash and verdict).
#[utoipa::path(
    post,
    path = "/api/v1/verify",
    tag = "verification",
    request_body(
        description = "The PDF, as the whole body or as the multipart field `berkas`.",
        content(
            (super::openapi::PdfBytes = "application/pdf"),
            (super::openapi::PdfUpload = "multipart/form-data"),
        ),
    ),
    responses(
        (status = 200, description = "The verification report, whatever its verdict.", body = super::openapi::Report),
        (status = 400, description = "A multipart body without the file `berkas` (`E_UPLOAD_MISSING`), or a body that could not be read (`E_BAD_INPUT`).", body = Problem, content_type = PROBLEM_JSON),
        (status = 401, description = "A key was sent and is not valid.", body = Problem, content_type = PROBLEM_JSON),
        (status = 403, description = "The key lacks the `verify` scope.", body = Problem, content_type = PROBLEM_JSON),
        (status = 413, description = "Larger than the upload limit.", body = Problem, content_type = PROBLEM_JSON),
        (status = 415, description = "Neither application/pdf nor multipart/form-data.", body = Problem, content_type = PROBLEM_JSON),
        (status = 408, description = "The body did not arrive within 120 seconds (`E_UPLOAD_TIMEOUT`).", body = Problem, content_type = PROBLEM_JSON),
        (status = 422, description = "The file cannot be validated at all (`indication: UNUSABLE`).", body = Problem, content_type = PROBLEM_JSON),
        (status = 429, description = "Too many requests.", body = Problem, content_type = PROBLEM_JSON),
        (status = 503, description = "Busy; retry after `Retry-After` seconds.", body = Problem, content_type = PROBLEM_JSON),
    ),
    security((), ("api_key" = ["verify"])),
)]
pub(super) async fn verify(
    state: web::Data<AppState>,
    MaybeCaller(caller): MaybeCaller,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    if let Some(Err(e)) = caller.as_ref().map(|c| c.require(Scope::Verify)) {
        return unusable(&e);
    }
    let pdf = match read_pdf(&state, &req, payload).await {
        Ok(pdf) => pdf,
        Err(e) => return unusable(&e),
    };
    let app = state.app.clone();
    let outcome = web::block(move || app.verify_logged(&pdf, VerificationSource::Api)).await;
    match outcome.map_err(AppError::from) {
        Ok(Ok(Ok(report))) => HttpResponse::Ok().json(report),
        Ok(Ok(Err(u))) => {
            let busy = u.code == "E_BUSY";
            let status = if busy {
                StatusCode::SERVICE_UNAVAILABLE
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            let mut p = Problem::new(status, &u.code, u.reason).unusable();
            p.retry_after = busy.then_some(1);
            p.response()
        }
        Ok(Err(e)) | Err(e) => unusable(&e),
    }
}

/// The PDF a request carries, within the upload limit.
///
/// Errors: `E_UNSUPPORTED_MEDIA_TYPE` (415) for a content type other than `application/pdf` or
/// `multipart/form-data`, `E_UPLOAD_TOO_LARGE` (413), `E_UPLOAD_MISSING` and `E_BAD_INPUT` (400).
async fn read_pdf(
    state: &AppState,
    req: &HttpRequest,
    mut payload: web::Payload,
) -> Result<Vec<u8>, AppError> {
    let limit = state.app.config().upload_limit;
    let mime = req.mime_type().ok().flatten();
    match mime.as_ref().map(|m| m.essence_str()) {
        Some("application/pdf") => {
            let declared = req
                .headers()
                .get(actix_web::http::header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok());
            if declared.is_some_and(|n| n > limit as u64) {
                return Err(AppError::TooLarge { limit });
            }
            upload::within_body_timeout(async {
                let mut body = Vec::new();
                while let Some(chunk) = payload.next().await {
                    let chunk =
                        chunk.map_err(|e| AppError::bad_input("E_BAD_INPUT", e.to_string()))?;
                    if body.len() + chunk.len() > limit {
                        return Err(AppError::TooLarge { limit });
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(body)
            })
            .await
        }
        Some("multipart/form-data") => {
            let mut form = upload::read(Multipart::new(req.headers(), payload), limit).await?;
            form.take_file().map(|f| f.bytes)
        }
        other => Err(AppError::UnsupportedMediaType(format!(
            "{}: send application/pdf or multipart/form-data",
            other.unwrap_or("none")
        ))),
    }
}

#[cfg(test)]
mod tests {
    use actix_web::{App, test};

    use crate::test_support::state;

    #[actix_web::test]
    async fn a_body_past_the_limit_is_413_json_whether_or_not_its_length_is_declared() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (_db, state) = state(dir.path());
        let svc = test::init_service(App::new().app_data(state).configure(crate::configure)).await;
        let body = vec![b'%'; 2048];
        for declared in [true, false] {
            let mut req = test::TestRequest::post()
                .uri("/api/v1/verify")
                .insert_header(("content-type", "application/pdf"));
            if declared {
                req = req.insert_header(("content-length", "2048"));
            }
            let res = test::call_service(&svc, req.set_payload(body.clone()).to_request()).await;
            assert_eq!(res.status(), 413, "declared: {declared}");
            assert!(res.headers().get("set-cookie").is_none());
            assert_eq!(
                res.headers()
                    .get("content-type")
                    .and_then(|v| v.to_str().ok()),
                Some("application/problem+json")
            );
            let json: serde_json::Value = test::read_body_json(res).await;
            assert_eq!(json["code"], "E_UPLOAD_TOO_LARGE");
            assert_eq!(json["indication"], "UNUSABLE");
        }
    }

    #[actix_web::test]
    async fn every_refusal_of_verify_keeps_the_unusable_members() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (_db, state) = state(dir.path());
        let svc = test::init_service(App::new().app_data(state).configure(crate::configure)).await;
        let requests = [
            test::TestRequest::get().uri("/api/v1/verify"),
            test::TestRequest::post()
                .uri("/api/v1/verify")
                .insert_header(("authorization", "Bearer sahih_000000000000_00")),
        ];
        for (req, status) in requests.into_iter().zip([405, 401]) {
            let res = test::call_service(&svc, req.to_request()).await;
            assert_eq!(res.status(), status);
            let json: serde_json::Value = test::read_body_json(res).await;
            assert_eq!(json["indication"], "UNUSABLE", "{json}");
            assert_eq!(json["schema"], "sahih-verify-report/1", "{json}");
            assert_eq!(json["reason"], json["detail"], "{json}");
        }
    }
}
