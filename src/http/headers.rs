//! Headers every answer carries, and HEAD answered wherever GET is.

use actix_web::Error;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;

/// Paths whose answers carry tokens or the caller's own personal data: never stored by a
/// browser or a proxy.
fn is_private(path: &str) -> bool {
    path.starts_with("/api/v1/auth/") || path == "/api/v1/me" || path.starts_with("/api/v1/me/")
}

/// Middleware: `X-Content-Type-Options: nosniff` on every answer, `Cache-Control: no-store`
/// on those of the account endpoints, and HEAD routed as GET (the server sends the headers
/// without the body).
pub async fn standard_headers(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    if req.method() == Method::HEAD {
        // The connection remembers that the request was HEAD and leaves the body out.
        req.head_mut().method = Method::GET;
    }
    let private = is_private(req.path());
    let mut res = next.call(req).await?;
    let headers = res.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if private {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(res)
}
