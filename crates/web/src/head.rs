//! HEAD wherever GET is served (RFC 9110 §9.3.2): a HEAD request is routed as a GET, marked
//! [`Head`], and answered with the GET's status and headers and no body. Its body's size is
//! kept, so the server still sends the GET's `Content-Length`.
//!
//! HEAD must change nothing: the session middleware starts no session for it, and a GET
//! handler with an effect (the language switch) checks [`is_head`] and skips it. HEAD is never
//! routed to a POST handler, so it needs no CSRF token.

use std::pin::Pin;
use std::task::{Context, Poll};

use actix_web::body::{BodySize, EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use actix_web::{HttpMessage, HttpRequest};

/// Marks a request that arrived as HEAD and is being answered as a GET.
#[derive(Debug, Clone, Copy)]
pub struct Head;

/// Whether `req` arrived as HEAD (a handler with an effect must then not have it).
pub fn is_head(req: &HttpRequest) -> bool {
    req.extensions().contains::<Head>()
}

/// A body that reports the GET body's size and yields no bytes.
#[derive(Debug)]
pub struct HeadBody(BodySize);

impl MessageBody for HeadBody {
    type Error = std::convert::Infallible;

    fn size(&self) -> BodySize {
        self.0
    }

    fn poll_next(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        Poll::Ready(None)
    }
}

/// The middleware; `routes::configure` wraps every route with
/// `middleware::from_fn(head::middleware)`.
pub async fn middleware(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody + 'static, HeadBody>>, actix_web::Error> {
    if req.method() != Method::HEAD {
        return Ok(next.call(req).await?.map_into_left_body());
    }
    req.head_mut().method = Method::GET;
    req.extensions_mut().insert(Head);
    let res = next.call(req).await?;
    Ok(res
        .map_body(|_, body| HeadBody(body.size()))
        .map_into_right_body())
}
