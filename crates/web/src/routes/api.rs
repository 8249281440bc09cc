//! The REST API, version 1: `POST /api/v1/verify`. For agency applications, banks and scripts:
//! no session, no cookie, no CSRF token (these routes sit outside the session middleware), and
//! every answer is JSON, errors included. The schema is documented in docs/verification.md.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, ResponseError, web};
use futures_util::StreamExt;
use sahih_signing::verify::{REPORT_SCHEMA, Unusable};
use sahih_store::log::leaf::VerificationSource;

use crate::{AppError, AppState, upload};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/verify", web::post().to(verify)).route(
        "/verify",
        web::route().to(|| async {
            let mut res = problem(
                StatusCode::METHOD_NOT_ALLOWED,
                "E_METHOD_NOT_ALLOWED",
                "use POST with the PDF as the body",
            );
            res.headers_mut().insert(
                actix_web::http::header::ALLOW,
                actix_web::http::header::HeaderValue::from_static("POST"),
            );
            res
        }),
    );
}

/// An error as JSON, in the shape of [`Unusable`]: `indication` is `"UNUSABLE"` and `code` a
/// stable code, whatever made the input unusable.
pub(crate) fn problem(status: StatusCode, code: &str, reason: impl Into<String>) -> HttpResponse {
    HttpResponse::build(status).json(Unusable {
        schema: REPORT_SCHEMA,
        indication: "UNUSABLE",
        code: code.into(),
        reason: reason.into(),
    })
}

/// An [`AppError`] as JSON, with the status the browser pages would give it.
fn app_problem(e: &AppError) -> HttpResponse {
    let status = e.status_code();
    if status.is_server_error() {
        tracing::error!(error = %e, code = e.code(), "API request failed");
        return problem(
            status,
            e.code(),
            "a server error occurred; please try again",
        );
    }
    problem(status, e.code(), e.to_string())
}

/// `POST /api/v1/verify`: the report of the PDF in the body (`application/pdf`) or in the
/// multipart field `berkas`, 200 whatever its verdict; 422 with the [`Unusable`] JSON when the
/// file cannot be validated at all, 413 past the upload limit, 415 for another content type.
/// Every answered request is recorded in the transparency log (file hash and verdict).
async fn verify(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let pdf = match read_pdf(&state, &req, payload).await {
        Ok(pdf) => pdf,
        Err(e) => return app_problem(&e),
    };
    let app = state.app.clone();
    let outcome = web::block(move || app.verify_logged(&pdf, VerificationSource::Api)).await;
    match outcome.map_err(AppError::from) {
        Ok(Ok(Ok(report))) => HttpResponse::Ok().json(report),
        Ok(Ok(Err(unusable))) if unusable.code == "E_BUSY" => {
            HttpResponse::ServiceUnavailable().json(unusable)
        }
        Ok(Ok(Err(unusable))) => HttpResponse::UnprocessableEntity().json(unusable),
        Ok(Err(e)) | Err(e) => app_problem(&e),
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
        other => Err(AppError::UnsupportedMediaType(
            other.unwrap_or("none").to_string(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use actix_web::{App, test};

    use crate::test_support::state;

    #[actix_web::test]
    async fn a_body_past_the_limit_is_413_json_whether_or_not_its_length_is_declared() {
        let dir = tempfile::tempdir().expect("tempdir");
        let svc = test::init_service(
            App::new()
                .app_data(state(dir.path()))
                .configure(crate::configure),
        )
        .await;
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
            let json: serde_json::Value = test::read_body_json(res).await;
            assert_eq!(json["code"], "E_UPLOAD_TOO_LARGE");
            assert_eq!(json["indication"], "UNUSABLE");
        }
    }
}
