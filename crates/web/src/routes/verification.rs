//! The public verification pages, for anyone and without login: upload a PDF to
//! `/verifikasi`, or open the `/v/{code}` link Sahih gives every document it signs. Both show
//! the same report, signature by signature, and offer each signature's signed revision
//! (`…/revisi/{n}`, `n` being the revision number the report names: "revision 2 of 3"). A
//! code's page also offers the document's transparency-log receipt (`/v/{code}/bukti-log`).

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{HttpResponse, ResponseError, web};
use sahih_signing::verify::{REPORT_SCHEMA, Report, Unusable};

use super::{blocking, html, pdf_response};
use crate::session::Visitor;
use crate::views::{VerifyPage, VerifyReportPage, VerifyUnusablePage};
use crate::{AppError, AppState, upload};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/verifikasi", web::get().to(form))
        .route("/verifikasi", web::post().to(check))
        .route(
            "/verifikasi/{sha256}/revisi/{revision}",
            web::get().to(cached_revision),
        )
        .route("/v/{code}", web::get().to(by_code))
        .route("/v/{code}/unduh", web::get().to(signed))
        .route("/v/{code}/bukti-log", web::get().to(code_receipt))
        .route("/v/{code}/revisi/{revision}", web::get().to(code_revision));
}

fn limit_mb(state: &AppState) -> usize {
    state.app.config().upload_limit / (1024 * 1024)
}

async fn form(state: web::Data<AppState>, v: Visitor) -> Result<HttpResponse, AppError> {
    html(VerifyPage {
        p: v.page(),
        limit_mb: limit_mb(&state),
    })
}

/// The report page, or the 422 page of a file that cannot be checked.
fn report_page(
    state: &AppState,
    v: &Visitor,
    outcome: Result<Report, Unusable>,
    filename: Option<String>,
    revision_base: Option<String>,
    download: Option<String>,
    receipt: Option<String>,
) -> Result<HttpResponse, AppError> {
    match outcome {
        Ok(report) => html(VerifyReportPage {
            p: v.page(),
            report,
            filename,
            revision_base,
            download,
            receipt,
        }),
        Err(unusable) => {
            let status = if unusable.code == "E_BUSY" {
                StatusCode::SERVICE_UNAVAILABLE
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            unusable_page(state, v, unusable, status)
        }
    }
}

/// The page of a file that was not checked, with its reason, its code in `X-Sahih-Error`, and
/// the form again.
fn unusable_page(
    state: &AppState,
    v: &Visitor,
    unusable: Unusable,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let code = HeaderValue::from_str(&unusable.code).ok();
    let mut res = html(VerifyUnusablePage {
        p: v.page(),
        unusable,
        limit_mb: limit_mb(state),
    })?;
    *res.status_mut() = status;
    if let Some(code) = code {
        res.headers_mut()
            .insert(HeaderName::from_static("x-sahih-error"), code);
    }
    Ok(res)
}

/// An upload refused before checking (too large 413, no file or a malformed form 400) as the
/// verification page with the form again; other errors as they are.
fn refused_upload(state: &AppState, v: &Visitor, e: AppError) -> Result<HttpResponse, AppError> {
    if !matches!(e, AppError::TooLarge { .. } | AppError::BadInput { .. }) {
        return Err(e);
    }
    let unusable = Unusable {
        schema: REPORT_SCHEMA,
        indication: "UNUSABLE",
        code: e.code().into(),
        reason: e.to_string(),
    };
    unusable_page(state, v, unusable, e.status_code())
}

async fn check(
    state: web::Data<AppState>,
    v: Visitor,
    payload: Multipart,
) -> Result<HttpResponse, AppError> {
    let mut form = match upload::read(payload, state.app.config().upload_limit).await {
        Ok(form) => form,
        Err(e) => return refused_upload(&state, &v, e),
    };
    v.check_csrf(form.fields.get("csrf").map_or("", String::as_str))?;
    let file = match form.take_file() {
        Ok(file) => file,
        Err(e) => return refused_upload(&state, &v, e),
    };
    let owner = v.token_hash.clone();
    let bytes = file.bytes;
    let checked = blocking(&state, move |app| app.verify_upload(&bytes, &owner)).await?;
    let revision_base = match (&checked.outcome, checked.cached) {
        (Ok(report), true) => Some(format!("/verifikasi/{}", report.sha256)),
        _ => None,
    };
    let filename: String = file
        .filename
        .chars()
        .filter(|c| !c.is_control())
        .take(120)
        .collect();
    report_page(
        &state,
        &v,
        checked.outcome,
        Some(filename),
        revision_base,
        None,
        None,
    )
}

async fn cached_revision(
    state: web::Data<AppState>,
    v: Visitor,
    path: web::Path<(String, usize)>,
) -> Result<HttpResponse, AppError> {
    let (sha256, revision) = path.into_inner();
    let name = format!("revisi-{revision}-{}.pdf", sha256.get(..8).unwrap_or(""));
    let owner = v.token_hash.clone();
    let bytes = blocking(&state, move |app| {
        app.cached_revision(&sha256, revision, &owner)
    })
    .await?;
    Ok(pdf_response(bytes, &name, false))
}

/// Capability links stay out of search engines.
fn noindex(mut res: HttpResponse) -> HttpResponse {
    res.headers_mut().insert(
        HeaderName::from_static("x-robots-tag"),
        HeaderValue::from_static("noindex, nofollow"),
    );
    res
}

async fn by_code(
    state: web::Data<AppState>,
    v: Visitor,
    code: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let code = code.into_inner();
    let lookup = code.clone();
    let outcome = blocking(&state, move |app| app.verify_by_code(&lookup)).await?;
    report_page(
        &state,
        &v,
        outcome,
        None,
        Some(format!("/v/{code}")),
        Some(format!("/v/{code}/unduh")),
        Some(format!("/v/{code}/bukti-log")),
    )
    .map(noindex)
}

/// A short, safe file-name stem for a verification code's downloads.
fn stem(code: &str) -> String {
    format!("sahih-{}", code.get(..8).unwrap_or(""))
}

async fn signed(
    state: web::Data<AppState>,
    code: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let code = code.into_inner();
    let name = format!("{}-ttd.pdf", stem(&code));
    let (_, pdf) = blocking(&state, move |app| app.signed_by_code(&code)).await?;
    Ok(noindex(pdf_response(pdf, &name, false)))
}

/// The signed document's transparency-log receipt (JSON), for anyone with its code.
async fn code_receipt(
    state: web::Data<AppState>,
    code: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let code = code.into_inner();
    let name = stem(&code);
    let receipt = blocking(&state, move |app| app.receipt_by_code(&code)).await?;
    super::log::receipt_response(&receipt, &name).map(noindex)
}

async fn code_revision(
    state: web::Data<AppState>,
    path: web::Path<(String, usize)>,
) -> Result<HttpResponse, AppError> {
    let (code, revision) = path.into_inner();
    let name = format!("{}-revisi-{revision}.pdf", stem(&code));
    let bytes = blocking(&state, move |app| app.revision_by_code(&code, revision)).await?;
    Ok(noindex(pdf_response(bytes, &name, false)))
}
