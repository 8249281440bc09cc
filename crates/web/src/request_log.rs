//! One tracing span per request, with a random request id (also returned as `X-Request-Id`),
//! and one line when the response leaves: method, path, status, duration. Never bodies, cookies
//! or query strings, which may carry personal data.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use tracing::Instrument;

/// The middleware; wrap the app with `middleware::from_fn(request_log::middleware)`.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody + 'static>, actix_web::Error> {
    let mut id = [0u8; 8];
    let id = match getrandom::fill(&mut id) {
        Ok(()) => hex::encode(id),
        Err(_) => "-".to_string(),
    };
    let span = tracing::info_span!("request", id = %id, method = %req.method(), path = %req.path());
    let started = Instant::now();
    let result = next.call(req).instrument(span.clone()).await;
    let _entered = span.enter();
    match result {
        Ok(mut res) => {
            let status = res.status().as_u16();
            let millis = started.elapsed().as_millis();
            if status >= 500 {
                tracing::error!(status, millis, "response");
            } else {
                tracing::info!(status, millis, "response");
            }
            if let Ok(v) = HeaderValue::from_str(&id) {
                res.headers_mut()
                    .insert(HeaderName::from_static("x-request-id"), v);
            }
            Ok(res)
        }
        Err(e) => {
            tracing::error!(error = %e, "request failed");
            Err(e)
        }
    }
}
