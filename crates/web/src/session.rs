//! Sessions and CSRF. Every browser visitor has a session (anonymous until login): a random
//! 256-bit token in an HttpOnly, SameSite=Lax cookie, stored only as its SHA-256. Each session
//! has its own CSRF token that every form echoes; logging in or out replaces the session.

use std::future::{Ready, ready};

use actix_web::body::{EitherBody, MessageBody};
use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, web};
use askama::Template;
use sahih_store::{Store, User};
use sha2::{Digest, Sha256};

use crate::error::ErrorInfo;
use crate::i18n::Lang;
use crate::views::{ErrorPage, Page};
use crate::{AppError, AppState};

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "sahih_session";
/// Session lifetime, seconds (12 hours: a working day).
pub const SESSION_SECONDS: i64 = 12 * 3600;

/// The visitor of the current request: their session, language and user.
#[derive(Debug, Clone)]
pub struct Visitor {
    /// SHA-256 (hex) of the session token.
    pub token_hash: String,
    /// The session's CSRF token.
    pub csrf: String,
    /// Interface language.
    pub lang: Lang,
    /// The logged-in user.
    pub user: Option<User>,
    /// How many of the user's notices are unread (0 when anonymous).
    pub unread: i64,
}

impl Visitor {
    /// The logged-in user. Errors: `E_LOGIN_REQUIRED` (a redirect to the login page).
    pub fn user(&self) -> Result<&User, AppError> {
        self.user.as_ref().ok_or(AppError::LoginRequired)
    }

    /// Checks a form's CSRF token in constant time. Errors: `E_CSRF`.
    pub fn check_csrf(&self, token: &str) -> Result<(), AppError> {
        let a = Sha256::digest(token.as_bytes());
        let b = Sha256::digest(self.csrf.as_bytes());
        let diff = a
            .iter()
            .zip(b.iter())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y));
        if diff != 0 || token.is_empty() {
            return Err(AppError::Csrf);
        }
        Ok(())
    }

    /// The common page context.
    pub fn page(&self) -> Page {
        Page {
            lang: self.lang,
            user: self.user.clone(),
            csrf: self.csrf.clone(),
            unread: self.unread,
        }
    }
}

impl FromRequest for Visitor {
    type Error = AppError;
    type Future = Ready<Result<Visitor, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            req.extensions()
                .get::<Visitor>()
                .cloned()
                .ok_or_else(|| AppError::Internal("session middleware missing".into())),
        )
    }
}

fn random_token() -> Result<String, AppError> {
    let mut buf = [0u8; 32];
    getrandom::fill(&mut buf).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(hex::encode(buf))
}

/// SHA-256 (hex) of a session token: what the database keeps.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Creates a session (blocking) and returns the cookie that carries it and the visitor.
pub fn new_session(
    store: &Store,
    user: Option<User>,
    lang: Lang,
    secure: bool,
) -> Result<(Cookie<'static>, Visitor), AppError> {
    let token = random_token()?;
    let csrf = random_token()?;
    let hash = token_hash(&token);
    let expires = sahih_store::now() + SESSION_SECONDS;
    store.create_session(
        &hash,
        user.as_ref().map(|u| u.id),
        &csrf,
        lang.code(),
        expires,
    )?;
    let cookie = Cookie::build(SESSION_COOKIE, token)
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .max_age(CookieDuration::seconds(SESSION_SECONDS))
        .finish();
    Ok((
        cookie,
        Visitor {
            token_hash: hash,
            csrf,
            lang,
            user,
            unread: 0,
        },
    ))
}

/// Paths whose anonymous visitors need a session: the forms that anonymous visitors submit (with
/// their CSRF token) — login, registration and the public verification page, whose session also
/// lets its visitor download the signed revisions of what they uploaded — and the language
/// switch. Other anonymous requests create no session row (the transparency log's page `/log`
/// and the receipts included). The JSON API (`/api/`) and the log's resources (`/log/checkpoint`,
/// `/log/key`, `/log/tile/…`) are not under this middleware at all: they take no cookie, need
/// no CSRF token and no login.
fn needs_session(path: &str) -> bool {
    matches!(path, "/masuk" | "/daftar" | "/verifikasi") || path.starts_with("/bahasa/")
}

/// Loads the visitor's session, or starts one where [`needs_session`] says so; never for a
/// HEAD request (`head`), which must change nothing.
fn load_or_create(
    state: &AppState,
    token: Option<String>,
    path: &str,
    head: bool,
) -> Result<(Visitor, Option<Cookie<'static>>), AppError> {
    let store = state.app.store();
    if let Some(token) = token {
        let hash = token_hash(&token);
        if let Some(s) = store.session(&hash)? {
            let unread = match &s.user {
                Some(u) => store.unread_notices(u.id)?,
                None => 0,
            };
            let visitor = Visitor {
                token_hash: hash,
                csrf: s.csrf_token,
                lang: Lang::parse(&s.lang).unwrap_or(Lang::Id),
                user: s.user,
                unread,
            };
            return Ok((visitor, None));
        }
    }
    if head || !needs_session(path) {
        let visitor = Visitor {
            token_hash: String::new(),
            csrf: String::new(),
            lang: Lang::Id,
            user: None,
            unread: 0,
        };
        return Ok((visitor, None));
    }
    let (cookie, visitor) = new_session(store, None, Lang::Id, state.secure_cookies)?;
    Ok((visitor, Some(cookie)))
}

/// Percent-encodes `s` for a query value (RFC 3986 §2.3: unreserved characters and `/` kept).
fn query_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The session middleware: loads (or starts) the visitor's session before the handler, sets
/// the cookie of a new session, and renders error responses as pages in the visitor's language.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody + 'static>>, actix_web::Error> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| AppError::Internal("no application state".into()))?;
    let token = req.cookie(SESSION_COOKIE).map(|c| c.value().to_string());
    let loader = state.clone();
    let path = req.path().to_string();
    let head = req.extensions().contains::<crate::head::Head>();
    let (visitor, cookie) = web::block(move || load_or_create(&loader, token, &path, head))
        .await
        .map_err(AppError::from)??;
    req.extensions_mut().insert(visitor.clone());
    let back = (req.method() == actix_web::http::Method::GET).then(|| {
        req.uri()
            .path_and_query()
            .map_or_else(|| req.path().to_string(), ToString::to_string)
    });
    let back_link = crate::views::back_link(req.path());
    let mut res = next.call(req).await?;
    let replaced = res.response().cookies().any(|c| c.name() == SESSION_COOKIE);
    if let Some(cookie) = cookie
        && !replaced
    {
        res.response_mut().add_cookie(&cookie)?;
    }
    let info = res.response().extensions().get::<ErrorInfo>().cloned();
    if let (Some(info), Some(back)) = (&info, back)
        && info.code == "E_LOGIN_REQUIRED"
    {
        let to = format!("/masuk?next={}", query_encode(&back));
        if let Ok(v) = actix_web::http::header::HeaderValue::from_str(&to) {
            res.response_mut()
                .headers_mut()
                .insert(actix_web::http::header::LOCATION, v);
        }
    }
    match info {
        Some(info) if !res.status().is_redirection() => {
            let page = ErrorPage {
                p: visitor.page(),
                code: info.code.to_string(),
                detail: info.detail,
                back: back_link,
            };
            let body = page
                .render()
                .map_err(|e| AppError::Internal(e.to_string()))?;
            let status = res.status();
            let mut html = HttpResponse::build(status);
            html.content_type("text/html; charset=utf-8");
            html.insert_header(("X-Sahih-Error", info.code));
            for c in res.response().cookies() {
                html.cookie(c.into_owned());
            }
            Ok(res.into_response(html.body(body)).map_into_right_body())
        }
        _ => Ok(res.map_into_left_body()),
    }
}
