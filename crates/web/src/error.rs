//! `AppError`: every failure the web layer can meet, mapped in this one place to an HTTP
//! status and a stable error code. The page shown is rendered in the visitor's language by the
//! session middleware, from the [`ErrorInfo`] this module leaves in the response.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use sahih_signing::SigningError;
use sahih_store::StoreError;
use sahih_workflow::{FormError, WorkflowError};

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The page needs a logged-in user.
    #[error("login required")]
    LoginRequired,
    /// Wrong login or password.
    #[error("wrong login or password")]
    BadLogin,
    /// The form's CSRF token is missing or wrong.
    #[error("missing or wrong CSRF token")]
    Csrf,
    /// No such page, document or file — also what a citizen sees for another's document.
    #[error("not found")]
    NotFound,
    /// A file checked on the verification page is no longer kept (or belongs to another
    /// visitor): upload it again.
    #[error("the checked file is no longer kept")]
    VerificationExpired,
    /// The user may not do this (code says why, e.g. `E_NOT_YOUR_AGENCY`).
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    /// The user's input is not acceptable (code names the rule).
    #[error("{message}")]
    BadInput {
        /// Stable code, e.g. `E_UPLOAD_MISSING`.
        code: &'static str,
        /// English detail.
        message: String,
    },
    /// The request body is of a content type the endpoint does not take (the API).
    #[error("unsupported content type {0}")]
    UnsupportedMediaType(String),
    /// The request body did not arrive in time.
    #[error("the upload took too long to arrive")]
    UploadTimeout,
    /// Too much PDF work is running or waiting: try again in a moment.
    #[error("the server is busy checking other documents; try again in a moment")]
    Busy,
    /// The thing acted on is no longer in a state that allows it, e.g. a disposisi already
    /// read cannot be cancelled (code says which rule).
    #[error("{message}")]
    Refused {
        /// Stable code, e.g. `E_DISPOSITION_READ`.
        code: &'static str,
        /// English detail.
        message: String,
    },
    /// The file cannot be used for what was asked, though well-formed (code names the rule,
    /// e.g. `E_PDF_SIGNATURE_INVALID`).
    #[error("{message}")]
    Unprocessable {
        /// Stable code.
        code: &'static str,
        /// English detail.
        message: String,
    },
    /// The upload is larger than the limit.
    #[error("upload larger than {limit} bytes")]
    TooLarge {
        /// The limit, bytes.
        limit: usize,
    },
    /// A workflow rule forbade the command.
    #[error(transparent)]
    Workflow(#[from] WorkflowError),
    /// A form value broke its field's rule.
    #[error(transparent)]
    Form(#[from] FormError),
    /// The PDF or the key could not be used.
    #[error(transparent)]
    Signing(#[from] SigningError),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// An API request without a usable key (code says why: `E_API_KEY_MISSING`,
    /// `E_API_KEY_INVALID`, `E_API_KEY_REVOKED`).
    #[error("{}", unauthorized_reason(.0))]
    Unauthorized(&'static str),
    /// Too many wrong key passphrases or TOTP codes: the officer's key is not tried again for
    /// `retry_after` seconds.
    #[error(
        "too many wrong passphrases or authenticator codes for this signing key: it is locked; \
         try again in {retry_after} s"
    )]
    PassphraseLocked {
        /// Seconds until the key may be tried again.
        retry_after: u64,
    },
    /// The API key does not allow the operation: it lacks the scope named.
    #[error("this key does not allow this operation: it lacks the scope {0}")]
    ScopeMissing(&'static str),
    /// An API key past its request rate: try again after `retry_after` seconds.
    #[error("too many requests; try again in {retry_after} s")]
    RateLimited {
        /// Seconds until a request is taken again.
        retry_after: u64,
    },
    /// A fault of the service itself.
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    /// The stable code shown to users and scripts.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::LoginRequired => "E_LOGIN_REQUIRED",
            AppError::BadLogin => "E_BAD_LOGIN",
            AppError::Csrf => "E_CSRF",
            AppError::NotFound => "E_NOT_FOUND",
            AppError::VerificationExpired => "E_VERIFICATION_EXPIRED",
            AppError::Forbidden(code) | AppError::Unauthorized(code) => code,
            AppError::RateLimited { .. } => "E_RATE_LIMITED",
            AppError::PassphraseLocked { .. } => "E_PASSPHRASE_LOCKED",
            AppError::ScopeMissing(_) => "E_SCOPE_MISSING",
            AppError::BadInput { code, .. }
            | AppError::Refused { code, .. }
            | AppError::Unprocessable { code, .. } => code,
            AppError::TooLarge { .. } => "E_UPLOAD_TOO_LARGE",
            AppError::Busy => "E_BUSY",
            AppError::UploadTimeout => "E_UPLOAD_TIMEOUT",
            AppError::UnsupportedMediaType(_) => "E_UNSUPPORTED_MEDIA_TYPE",
            AppError::Workflow(e) => e.code(),
            AppError::Form(e) => e.code(),
            AppError::Signing(e) if e.is_input_fault() => e.code(),
            AppError::Signing(
                e @ (SigningError::Timestamp { .. } | SigningError::Revocation { .. }),
            ) => e.code(),
            AppError::Store(
                e @ (StoreError::LoginTaken
                | StoreError::Conflict { .. }
                | StoreError::NumberTaken { .. }
                | StoreError::HierarchyCycle
                | StoreError::NotFound
                | StoreError::IdempotencyKeyReused),
            ) => e.code(),
            AppError::Signing(_) | AppError::Store(_) | AppError::Internal(_) => "E_INTERNAL",
        }
    }

    /// Shorthand for [`AppError::BadInput`].
    pub fn bad_input(code: &'static str, message: impl Into<String>) -> AppError {
        AppError::BadInput {
            code,
            message: message.into(),
        }
    }
}

/// What the middleware needs to render an error page: left in the response's extensions.
#[derive(Debug, Clone)]
pub struct ErrorInfo {
    /// Stable code.
    pub code: &'static str,
    /// English detail (shown under the translated sentence, never for internal errors).
    pub detail: String,
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        use WorkflowError as W;
        match self {
            AppError::LoginRequired => StatusCode::SEE_OTHER,
            AppError::BadLogin | AppError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            AppError::RateLimited { .. } | AppError::PassphraseLocked { .. } => {
                StatusCode::TOO_MANY_REQUESTS
            }
            AppError::Csrf | AppError::Forbidden(_) | AppError::ScopeMissing(_) => {
                StatusCode::FORBIDDEN
            }
            AppError::NotFound | AppError::VerificationExpired => StatusCode::NOT_FOUND,
            AppError::BadInput { .. } | AppError::Form(_) => StatusCode::BAD_REQUEST,
            AppError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Refused { .. } => StatusCode::CONFLICT,
            AppError::Busy => StatusCode::SERVICE_UNAVAILABLE,
            AppError::UploadTimeout => StatusCode::REQUEST_TIMEOUT,
            AppError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::Workflow(W::WrongRole { .. } | W::NotApplicant | W::NotAssignee { .. }) => {
                StatusCode::FORBIDDEN
            }
            AppError::Workflow(W::NotAllowed { .. } | W::Terminal(_) | W::AlreadyActed) => {
                StatusCode::CONFLICT
            }
            AppError::Workflow(_) => StatusCode::BAD_REQUEST,
            AppError::Signing(SigningError::WrongPassphrase) => StatusCode::FORBIDDEN,
            AppError::Signing(e) if e.is_input_fault() => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Signing(SigningError::Timestamp { .. } | SigningError::Revocation { .. }) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            AppError::Store(
                StoreError::LoginTaken
                | StoreError::Conflict { .. }
                | StoreError::NumberTaken { .. },
            ) => StatusCode::CONFLICT,
            AppError::Store(StoreError::NotFound) => StatusCode::NOT_FOUND,
            AppError::Store(StoreError::IdempotencyKeyReused) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Store(StoreError::HierarchyCycle) => StatusCode::BAD_REQUEST,
            AppError::Signing(_) | AppError::Store(_) | AppError::Internal(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let code = self.code();
        if status.is_server_error() {
            tracing::error!(error = %self, code, "request failed");
        }
        let mut res = HttpResponse::build(status);
        if matches!(self, AppError::LoginRequired) {
            res.insert_header(("Location", "/masuk"));
        }
        // The translated sentence says it all for these; others get the English specifics.
        let plain = matches!(
            self,
            AppError::LoginRequired
                | AppError::BadLogin
                | AppError::Csrf
                | AppError::NotFound
                | AppError::VerificationExpired
                | AppError::Forbidden(_)
        );
        let detail = if status.is_server_error() || plain {
            String::new()
        } else {
            self.to_string()
        };
        let mut res = res
            .content_type("text/plain; charset=utf-8")
            .body(format!("{code}: {detail}"));
        res.extensions_mut().insert(ErrorInfo { code, detail });
        res
    }
}

fn unauthorized_reason(code: &str) -> &'static str {
    match code {
        "E_API_KEY_MISSING" => "send the API key as `Authorization: Bearer sahih_…`",
        "E_API_KEY_REVOKED" => "this API key was revoked",
        _ => "this API key is not valid",
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        AppError::Internal(e.to_string())
    }
}
