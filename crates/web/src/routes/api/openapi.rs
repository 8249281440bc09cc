//! The OpenAPI 3.1 document of the API, generated from the handlers' annotations (utoipa), at
//! `/api/v1/openapi.json`, and the page that reads it for people, `/api/v1/docs`: rendered
//! here from the same document, with no script and nothing from another site.

use actix_web::{HttpResponse, web};
use askama::Template;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{RefOr, Required};
use utoipa::{Modify, OpenApi, ToSchema};

use super::documents;
use super::problem::Problem;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Sahih integration API",
        version = "1",
        description = "Submit documents for signing, follow them, download the signed PDF and \
            its transparency-log receipt, and verify PDFs. Authenticate with \
            `Authorization: Bearer sahih_…`; errors are RFC 9457 problem details with a stable \
            `code`. Status changes are posted to the application's webhook (Standard Webhooks). \
            The guides are docs/api.md, docs/webhooks.md and docs/integrations/ in Sahih's \
            source repository.",
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
    ),
    servers((url = "/", description = "This Sahih instance.")),
    paths(
        documents::submit,
        documents::list,
        documents::status,
        documents::signed_pdf,
        documents::receipt,
        documents::withdraw,
        documents::resubmit,
        super::verify::verify,
        super::services::list,
    ),
    components(schemas(
        Problem,
        Report,
        ReceiptSchema,
        PdfUpload,
        PdfBytes,
        documents::SubmissionMetadata,
        documents::ResubmissionMetadata
    )),
    modifiers(&BearerKey),
    tags(
        (name = "documents", description = "Documents an application submits and follows."),
        (name = "verification", description = "Verification of signed PDFs (open to anyone)."),
        (name = "services", description = "The services an application may submit to, with their forms."),
    ),
)]
pub struct ApiDoc;

struct BearerKey;

impl Modify for BearerKey {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("sahih_<key id>_<secret>")
                    .description(Some(
                        "An application's key, made by its agency's admin (admin page or \
                         `sahih apikey create`). Scopes: documents:submit, \
                         documents:submit-direct, documents:read, verify.",
                    ))
                    .build(),
            ),
        );
    }
}

/// A PDF file's bytes.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)]
pub struct PdfBytes(Vec<u8>);

/// A PDF as the multipart field `berkas`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct PdfUpload {
    /// The PDF.
    #[schema(value_type = String, format = Binary)]
    berkas: Vec<u8>,
}

/// The verification report (`sahih-verify-report/1`); every field is described in
/// docs/verification.md.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct Report {
    /// The report schema's name and version.
    schema: String,
    /// SHA-256 of the file, hex.
    sha256: String,
    /// The file's size, bytes.
    size: u64,
    /// Revisions (incremental updates + 1).
    revisions: u64,
    /// Each revision's length, bytes, oldest first.
    revision_lengths: Vec<u64>,
    /// The validation time, RFC 3339.
    validation_time: String,
    /// One report per signature (see docs/verification.md).
    #[schema(value_type = Vec<Object>)]
    signatures: Vec<serde_json::Value>,
    /// ETSI TS 119 102-1 indication: TOTAL-PASSED, INDETERMINATE or TOTAL-FAILED.
    indication: String,
    /// The sub-indication, when not TOTAL-PASSED.
    #[schema(value_type = Option<String>)]
    sub_indication: Option<String>,
    /// The stable code of the deciding finding.
    reason: String,
    /// Document-level findings, English.
    notes: Vec<String>,
}

/// A transparency-log receipt (`sahih-log-receipt/1`, docs/transparency-log.md).
#[derive(ToSchema)]
#[schema(as = Receipt)]
#[allow(dead_code)]
pub struct ReceiptSchema {
    /// The receipt schema.
    schema: String,
    /// The document's pseudonym, as its leaves name it.
    document: String,
    /// The signed checkpoint (c2sp.org/tlog-checkpoint), verbatim.
    checkpoint: String,
    /// The document's leaves, each with its inclusion proof (RFC 9162 §2.1.3).
    #[schema(value_type = Vec<Object>)]
    leaves: Vec<serde_json::Value>,
    /// Leaves committed after the checkpoint, not yet provable.
    pending: u64,
}

/// The error codes of the API, each with what to do about it (the docs page's table, and the
/// target of every problem's `type`).
pub const ERROR_CODES: &[(&str, u16, &str)] = &[
    (
        "E_API_KEY_MISSING",
        401,
        "Send the key as `Authorization: Bearer sahih_…`.",
    ),
    (
        "E_API_KEY_INVALID",
        401,
        "The key is malformed, unknown, or its secret is wrong.",
    ),
    (
        "E_API_KEY_REVOKED",
        401,
        "The key was revoked; ask the agency's admin for a new one.",
    ),
    (
        "E_SCOPE_MISSING",
        403,
        "The key does not allow this operation (the detail names the scope); ask for a key with it.",
    ),
    (
        "E_NOT_YOUR_AGENCY",
        403,
        "The service belongs to another agency than the key's application.",
    ),
    (
        "E_NOT_FOUND",
        404,
        "No such endpoint, service, or document of this application.",
    ),
    (
        "E_METHOD_NOT_ALLOWED",
        405,
        "The endpoint does not answer this method; the `Allow` header lists those it does.",
    ),
    (
        "E_UPLOAD_TIMEOUT",
        408,
        "The request body did not arrive within 120 seconds.",
    ),
    (
        "E_NOT_SIGNED",
        409,
        "The document is not signed yet; wait for its `signed` webhook.",
    ),
    (
        "E_TRANSITION_NOT_ALLOWED",
        409,
        "The document's state does not allow this (e.g. withdrawing after a paraf, resubmitting what was not returned).",
    ),
    (
        "E_DOCUMENT_CLOSED",
        409,
        "The document is signed, rejected or withdrawn.",
    ),
    (
        "E_CONFLICT",
        409,
        "The document changed meanwhile (an officer acted); read it again.",
    ),
    (
        "E_BAD_INPUT",
        400,
        "The request body is malformed (e.g. a broken multipart body, a repeated `berkas`).",
    ),
    (
        "E_METADATA_MISSING",
        400,
        "Send the field `metadata` with the request's JSON.",
    ),
    (
        "E_METADATA_INVALID",
        400,
        "The `metadata` JSON does not fit its schema.",
    ),
    (
        "E_UPLOAD_MISSING",
        400,
        "Send the PDF as the multipart field `berkas`.",
    ),
    (
        "E_FORM_FIELD_REQUIRED",
        400,
        "A required form value of the service is missing.",
    ),
    (
        "E_FORM_FIELD_TOO_LONG",
        400,
        "A form value is longer than its field allows.",
    ),
    (
        "E_FORM_FIELD_INVALID",
        400,
        "A form value does not fit its field (a number, a date YYYY-MM-DD, one of the choices).",
    ),
    (
        "E_FORM_FIELD_UNKNOWN",
        400,
        "The service has no form field of that name (the detail lists its fields).",
    ),
    (
        "E_SERVICE_UNKNOWN",
        400,
        "No service with the code in metadata.service; GET /api/v1/services lists them.",
    ),
    ("E_BAD_QUERY", 400, "A list filter is malformed."),
    (
        "E_IDEMPOTENCY_KEY_INVALID",
        400,
        "Idempotency-Key: 1 to 255 visible ASCII characters.",
    ),
    (
        "E_IDEMPOTENCY_KEY_REUSED",
        422,
        "This Idempotency-Key came before with another request; use a new key.",
    ),
    (
        "E_UPLOAD_TOO_LARGE",
        413,
        "The file is larger than the upload limit.",
    ),
    (
        "E_UNSUPPORTED_MEDIA_TYPE",
        415,
        "Submit as multipart/form-data; verify as application/pdf or multipart/form-data.",
    ),
    ("E_NOT_PDF", 422, "The file is not a PDF."),
    (
        "E_PDF_ENCRYPTED",
        422,
        "Encrypted PDFs are not signed (and not validated when the encryption cannot be read).",
    ),
    (
        "E_PDF_BROKEN_XREF",
        422,
        "The cross-reference data cannot be read as written; save the PDF again with a standard tool.",
    ),
    (
        "E_PDF_STRUCTURE",
        422,
        "The catalog or page tree is unusable.",
    ),
    (
        "E_PDF_TOO_LARGE",
        422,
        "Too large or too many revisions to process.",
    ),
    (
        "E_PDF_CERTIFIED_NO_CHANGES",
        422,
        "The PDF is certified with no changes allowed: it cannot be signed again.",
    ),
    (
        "E_PDF_SIGNATURE_INVALID",
        422,
        "The PDF carries a signature that fails validation (changed after signing): submit the original signed file.",
    ),
    (
        "E_PDF_SIGNATURE_UNCHECKED",
        422,
        "The PDF carries signatures that cannot be validated at all (e.g. too many revisions).",
    ),
    (
        "E_PDF_FIELDS_LOCKED",
        422,
        "A signature of the PDF locks the form fields a new signature would change.",
    ),
    (
        "E_RATE_LIMITED",
        429,
        "Too many requests with this key; wait `Retry-After` seconds.",
    ),
    (
        "E_INTERNAL",
        500,
        "A fault of the service; retry later (an Idempotency-Key makes that safe).",
    ),
    (
        "E_BUSY",
        503,
        "The server is busy with other documents; retry after `Retry-After` seconds.",
    ),
];

/// The document as JSON.
pub fn document_json() -> String {
    ApiDoc::openapi().to_pretty_json().unwrap_or_default()
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/openapi.json", web::get().to(openapi_json))
        .route("/docs", web::get().to(docs_page));
}

async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(document_json())
}

/// One operation as the docs page lists it.
struct OperationView {
    method: String,
    path: String,
    summary: String,
    scopes: String,
    params: Vec<(String, String, bool, String)>,
    body: Vec<String>,
    responses: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "api_docs.html")]
struct DocsPage {
    title: String,
    description: String,
    operations: Vec<OperationView>,
    schemas: Vec<(String, String)>,
    codes: &'static [(&'static str, u16, &'static str)],
}

fn operations(doc: &utoipa::openapi::OpenApi) -> Vec<OperationView> {
    let mut out = Vec::new();
    for (path, item) in &doc.paths.paths {
        let methods = [
            ("GET", &item.get),
            ("POST", &item.post),
            ("PUT", &item.put),
            ("DELETE", &item.delete),
        ];
        for (method, op) in methods {
            let Some(op) = op else { continue };
            let params = op
                .parameters
                .iter()
                .flatten()
                .map(|p| {
                    (
                        p.name.clone(),
                        serde_json::to_value(&p.parameter_in)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_owned))
                            .unwrap_or_default(),
                        matches!(p.required, Required::True),
                        p.description.clone().unwrap_or_default(),
                    )
                })
                .collect();
            let body = op
                .request_body
                .iter()
                .flat_map(|b| b.content.keys().cloned())
                .collect();
            let responses = op
                .responses
                .responses
                .iter()
                .map(|(code, r)| {
                    let text = match r {
                        RefOr::T(r) => r.description.clone(),
                        RefOr::Ref(r) => r.ref_location.clone(),
                    };
                    (code.clone(), text)
                })
                .collect();
            let scopes = op
                .security
                .iter()
                .flatten()
                .filter_map(|s| serde_json::to_value(s).ok())
                .filter_map(|v| v.get("api_key").cloned())
                .flat_map(|v| {
                    v.as_array()
                        .map(|a| {
                            a.iter()
                                .filter_map(|s| s.as_str().map(str::to_owned))
                                .collect::<Vec<_>>()
                        })
                        .unwrap_or_default()
                })
                .collect::<Vec<_>>()
                .join(", ");
            out.push(OperationView {
                method: method.to_owned(),
                path: path.clone(),
                summary: op
                    .description
                    .clone()
                    .or_else(|| op.summary.clone())
                    .unwrap_or_default(),
                scopes,
                params,
                body,
                responses,
            });
        }
    }
    out
}

/// `GET /api/v1/docs`: the API for people.
async fn docs_page() -> HttpResponse {
    let doc = ApiDoc::openapi();
    let schemas = doc
        .components
        .as_ref()
        .map(|c| {
            c.schemas
                .iter()
                .map(|(name, s)| {
                    (
                        name.clone(),
                        serde_json::to_string_pretty(s).unwrap_or_default(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let page = DocsPage {
        title: doc.info.title.clone(),
        description: doc.info.description.clone().unwrap_or_default(),
        operations: operations(&doc),
        schemas,
        codes: ERROR_CODES,
    };
    match page.render() {
        Ok(body) => HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .insert_header((
                "Content-Security-Policy",
                "default-src 'none'; style-src 'unsafe-inline'",
            ))
            .body(body),
        Err(e) => super::problem::respond(&crate::AppError::Internal(e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_is_openapi_3_1_and_every_keyed_operation_says_what_401_means() {
        let doc: serde_json::Value =
            serde_json::from_str(&document_json()).expect("the document is JSON");
        assert!(
            doc["openapi"]
                .as_str()
                .is_some_and(|v| v.starts_with("3.1")),
            "{}",
            doc["openapi"]
        );
        let paths = doc["paths"].as_object().expect("paths");
        assert!(paths.len() >= 6, "{:?}", paths.keys());
        for (path, item) in paths {
            assert!(path.starts_with("/api/v1/"), "{path}");
            for (method, op) in item.as_object().expect("operations") {
                let responses = op["responses"].as_object().expect("responses");
                assert!(
                    responses.contains_key("401") && responses.contains_key("429"),
                    "{method} {path} documents 401 and 429"
                );
                assert!(
                    op["security"].is_array(),
                    "{method} {path} states its security"
                );
            }
        }
        assert!(doc["components"]["securitySchemes"]["api_key"]["scheme"] == "bearer");
    }

    #[test]
    fn every_problem_type_names_a_code_listed_on_the_docs_page() {
        let p = Problem::new(
            actix_web::http::StatusCode::FORBIDDEN,
            "E_SCOPE_MISSING",
            "x",
        );
        let anchor = p.type_.strip_prefix("/api/v1/docs#").expect("docs anchor");
        assert!(ERROR_CODES.iter().any(|(c, _, _)| *c == anchor));
    }
}
