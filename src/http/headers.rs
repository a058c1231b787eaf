//! Headers every answer carries, and HEAD answered wherever GET is.

use std::fmt;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{Error, HttpResponse, ResponseError};

/// Paths whose answers carry tokens, the caller's own personal data or other accounts' contacts:
/// never stored by a browser or a proxy.
fn is_private(path: &str) -> bool {
    path.starts_with("/api/v1/auth/")
        || path == "/api/v1/me"
        || path.starts_with("/api/v1/me/")
        || path.starts_with("/api/v1/admin/users")
}

/// The interactive API reference's Content Security Policy: its own scripts and styles only
/// (Swagger UI sets some styles from script), talking to this server only.
const DOCS_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'none'; \
     form-action 'none'; frame-ancestors 'none'";

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
    let mut added = vec![(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    )];
    if is_private(req.path()) {
        added.push((header::CACHE_CONTROL, HeaderValue::from_static("no-store")));
    }
    if req.path().starts_with(super::openapi::DOCS_PATH) {
        added.push((
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(DOCS_POLICY),
        ));
    }
    match next.call(req).await {
        Ok(mut res) => {
            for (name, value) in added {
                res.headers_mut().insert(name, value);
            }
            Ok(res)
        }
        Err(error) => Err(with_headers(error, added)),
    }
}

/// `error` answered with `headers` added. An error returned by a middleware (a handler's
/// panic, a body refused while it was read) has no request left to build a response from: the
/// server builds it from the error itself, so the headers travel with the error.
pub fn with_headers(error: Error, headers: Vec<(HeaderName, HeaderValue)>) -> Error {
    WithHeaders { error, headers }.into()
}

struct WithHeaders {
    error: Error,
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl fmt::Debug for WithHeaders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.error, f)
    }
}

impl fmt::Display for WithHeaders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.error, f)
    }
}

impl ResponseError for WithHeaders {
    fn status_code(&self) -> StatusCode {
        self.error.as_response_error().status_code()
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = self.error.error_response();
        for (name, value) in &self.headers {
            response.headers_mut().insert(name.clone(), value.clone());
        }
        response
    }
}
