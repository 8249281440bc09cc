//! NUL (U+0000) is refused where a request's text enters Sahih, so that it never reaches the
//! store: PostgreSQL's `text` cannot hold it (a query with it fails: a 500), and no name, code,
//! id or comment has a use for it on either backend.
//!
//! [`browser`] and [`api`], the middlewares of the two route scopes, are the boundary for the
//! URL and for `application/x-www-form-urlencoded` bodies: a NUL in the path names nothing (404
//! `E_NOT_FOUND`, as any unknown id); in the query or a form body it is bad input (400
//! `E_BAD_INPUT`; in the API's query `E_BAD_QUERY`). The API's JSON `metadata`, whose `\u0000`
//! escapes decode to NUL, is looked into by [`refuse_json`] (400 `E_METADATA_INVALID`).
//!
//! Form values — a citizen's answers to a service's form, in a multipart body or in the
//! metadata's `form` — are judged by their fields' rules instead, which refuse control
//! characters, NUL among them, naming the field (`E_FORM_FIELD_INVALID`). The other parts of a
//! multipart body are compared or parsed in memory (CSRF token, state, version, passphrase),
//! and an upload's file name is cleaned of control characters before it is stored.
//!
//! Percent-decoding happens once (RFC 3986 §2.1), so a decoded URL or form body holds a NUL
//! exactly where its raw bytes hold `%00` or a raw NUL byte; `%2500` is the text `%00`.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::web::{Bytes, BytesMut};
use actix_web::{HttpMessage, ResponseError};
use futures_util::StreamExt;

use crate::AppError;

/// The most of a form body read for the check: the largest form any route takes (the admin's
/// service definition form). A longer body is passed on with its rest unchecked: every route
/// refuses it as too large before using it.
const CHECKED_FORM_BODY: usize = 4 * sahih_workflow::MAX_DEFINITION_BYTES;

fn nul_in(what: &str) -> AppError {
    AppError::bad_input(
        "E_BAD_INPUT",
        format!("{what} contains a NUL character (U+0000), which no field accepts"),
    )
}

/// Refuses a JSON value any of whose strings or member names holds a NUL, naming where
/// (`what` is the value's own name, e.g. `metadata`; a member's is `metadata.service`).
///
/// Errors: `E_BAD_INPUT`.
pub(crate) fn refuse_json(value: &serde_json::Value, what: &str) -> Result<(), AppError> {
    use serde_json::Value;
    match value {
        Value::String(s) if s.contains('\0') => Err(nul_in(what)),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, v)| refuse_json(v, &format!("{what}[{i}]"))),
        Value::Object(members) => members.iter().try_for_each(|(k, v)| {
            if k.contains('\0') {
                return Err(nul_in(&format!("a member name of {what}")));
            }
            refuse_json(v, &format!("{what}.{k}"))
        }),
        _ => Ok(()),
    }
}

/// Whether percent-encoded `raw` (a path, a query, a form body) decodes to text with a NUL.
fn encodes_nul(raw: &[u8]) -> bool {
    raw.contains(&0) || raw.windows(3).any(|w| w == b"%00")
}

/// Where a request's text holds a NUL.
enum Found {
    Path,
    Query,
    Form,
}

/// Looks at the path, the query and, for a form body, the body (put back for the handler).
async fn find(req: &mut ServiceRequest) -> Result<Option<Found>, AppError> {
    if encodes_nul(req.uri().path().as_bytes()) {
        return Ok(Some(Found::Path));
    }
    if encodes_nul(req.query_string().as_bytes()) {
        return Ok(Some(Found::Query));
    }
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        });
    if !is_form {
        return Ok(None);
    }
    let mut payload = req.take_payload();
    let head = crate::upload::within_body_timeout(async {
        let mut head = BytesMut::new();
        while head.len() <= CHECKED_FORM_BODY {
            match payload.next().await {
                Some(Ok(chunk)) => head.extend_from_slice(&chunk),
                Some(Err(e)) => return Err(AppError::bad_input("E_BAD_INPUT", e.to_string())),
                None => break,
            }
        }
        Ok(head.freeze())
    })
    .await?;
    let found = encodes_nul(&head);
    let rest = futures_util::stream::once(async move { Ok::<Bytes, _>(head) }).chain(payload);
    let rest: std::pin::Pin<Box<dyn futures_util::Stream<Item = _>>> = Box::pin(rest);
    req.set_payload(Payload::from(rest));
    Ok(found.then_some(Found::Form))
}

/// What a browser route answers for a NUL found there.
fn browser_error(found: &Found) -> AppError {
    match found {
        Found::Path => AppError::NotFound,
        Found::Query => nul_in("the query"),
        Found::Form => nul_in("a form field"),
    }
}

/// What an API route answers for a NUL found there.
fn api_error(found: &Found) -> AppError {
    match found {
        Found::Path => AppError::NotFound,
        Found::Query => AppError::bad_input(
            "E_BAD_QUERY",
            "the query contains a NUL character (U+0000), which no parameter accepts",
        ),
        Found::Form => nul_in("the form body"),
    }
}

/// The browser scope's middleware (inside the session middleware, which renders the error as a
/// page in the visitor's language).
pub async fn browser(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody + 'static>>, actix_web::Error> {
    let refusal = match find(&mut req).await {
        Ok(None) => return Ok(next.call(req).await?.map_into_left_body()),
        Ok(Some(found)) => browser_error(&found),
        Err(e) => e,
    };
    Ok(req
        .into_response(refusal.error_response())
        .map_into_right_body())
}

/// The API scope's middleware: the error as a problem detail.
pub async fn api(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody + 'static>>, actix_web::Error> {
    let refusal = match find(&mut req).await {
        Ok(None) => return Ok(next.call(req).await?.map_into_left_body()),
        Ok(Some(found)) => api_error(&found),
        Err(e) => e,
    };
    Ok(req
        .into_response(crate::routes::problem_response(&refusal))
        .map_into_right_body())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nul_is_found_where_decoding_makes_one() {
        for raw in ["%00", "a=%00", "a%00b", "x=1&y=\0"] {
            assert!(encodes_nul(raw.as_bytes()), "{raw}");
        }
        for raw in ["", "a=0", "%2500", "%0", "a=%20%30%30", "%%0"] {
            assert!(!encodes_nul(raw.as_bytes()), "{raw}");
        }
    }

    #[test]
    fn json_strings_and_names_are_looked_into_and_named() {
        let bad = [
            (
                serde_json::json!({"service": "sku\u{0}"}),
                "metadata.service",
            ),
            (
                serde_json::json!({"form": {"nama\u{0}": "x"}}),
                "a member name of metadata.form",
            ),
            (
                serde_json::json!({"form": {"nama": ["a", "b\u{0}"]}}),
                "metadata.form.nama[1]",
            ),
        ];
        for (v, where_) in bad {
            let e = refuse_json(&v, "metadata").expect_err("NUL");
            assert_eq!(e.code(), "E_BAD_INPUT", "{v}");
            assert!(
                e.to_string()
                    .starts_with(&format!("{where_} contains a NUL")),
                "{e}"
            );
        }
        let good = serde_json::json!({"service": "sku", "form": {"n": "\\u0000", "k": 1}});
        assert!(refuse_json(&good, "metadata").is_ok());
    }
}
