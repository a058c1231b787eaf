//! actix's own failures (bad JSON, bad query, unknown route, wrong method, oversized body)
//! in our problem shape, so clients see one error format everywhere.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::ServiceResponse;
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError, UrlencodedError};
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers};
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};

use crate::error::{ApiError, ErrorCode, PROBLEM_JSON};

/// Maps JSON body errors: wrong content type 415, too large 413, otherwise 400.
pub fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(limit)
        .error_handler(|error, _req| json_error(&error).into())
}

fn json_error(error: &JsonPayloadError) -> ApiError {
    match error {
        JsonPayloadError::ContentType => ApiError::new(
            ErrorCode::UnsupportedMediaType,
            "Send the body as application/json.",
        ),
        JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => {
            ApiError::new(ErrorCode::PayloadTooLarge, "The request body is too large.")
        }
        // Well-formed JSON whose values do not fit (a wrong type, an unknown or missing field,
        // a date that is none): refused like any other invalid field.
        JsonPayloadError::Deserialize(e) if e.is_data() => {
            let message = e.to_string();
            let field = named_field(&message).unwrap_or("body").to_string();
            ApiError::invalid_field(&field, "invalid_json_fields", message)
        }
        other => ApiError::new(
            ErrorCode::MalformedJson,
            format!("The body is not valid JSON: {other}"),
        ),
    }
}

/// Maps query string errors to 422 naming the problem.
pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|error, _req| {
        let QueryPayloadError::Deserialize(e) = &error else {
            return ApiError::new(ErrorCode::InvalidQuery, error.to_string()).into();
        };
        let message = e.to_string();
        let field = named_field(&message).unwrap_or("query").to_string();
        ApiError::invalid_field(&field, "invalid_query_parameter", message).into()
    })
}

/// A portal form whose token is missing or not this browser's.
pub fn form_token_refused() -> ApiError {
    ApiError::new(
        ErrorCode::InvalidFormToken,
        "The form token is missing or not valid; reload the page.",
    )
}

/// Whether `headers` are those of a problem document or a portal page (which explain errors
/// in their own words).
pub fn is_explained(headers: &header::HeaderMap) -> bool {
    headers.get(header::CONTENT_TYPE).is_some_and(|v| {
        v.as_bytes() == PROBLEM_JSON.as_bytes() || v.as_bytes().starts_with(b"text/html")
    })
}

/// Copies onto `to` what an answer that replaces `from` must keep: the methods a 405 allows
/// and how long a 429 asks to wait.
pub fn keep_headers(from: &header::HeaderMap, to: &mut header::HeaderMap) {
    for name in [header::ALLOW, header::RETRY_AFTER] {
        if let Some(value) = from.get(&name) {
            to.insert(name, value.clone());
        }
    }
}

/// Maps a portal form's body errors: a form without its token is refused like a wrong token
/// (reload the page), a field missing or of the wrong shape as that field, a body too large as
/// such. The portal shows each as a page (`portal::refusals_as_pages`).
pub fn form_config() -> web::FormConfig {
    web::FormConfig::default().error_handler(|error, _req| form_error(&error).into())
}

fn form_error(error: &UrlencodedError) -> ApiError {
    match error {
        UrlencodedError::Overflow { .. } => {
            ApiError::new(ErrorCode::PayloadTooLarge, "The form is too large.")
        }
        UrlencodedError::ContentType => ApiError::new(
            ErrorCode::UnsupportedMediaType,
            "Send the form as application/x-www-form-urlencoded.",
        ),
        UrlencodedError::Parse(e) => {
            let message = e.to_string();
            match named_field(&message) {
                Some("csrf") => form_token_refused(),
                field => {
                    let field = field.unwrap_or("form").to_string();
                    ApiError::invalid_field(&field, "invalid_form", message)
                }
            }
        }
        other => ApiError::new(ErrorCode::BadRequest, other.to_string()),
    }
}

/// The field a serde error message names. Only "missing field" and "unknown field" do; others
/// ("invalid type: …", "provided string was not `true` or `false`") quote values instead.
pub(super) fn named_field(message: &str) -> Option<&str> {
    let names_field = message.starts_with("missing field") || message.starts_with("unknown field");
    message.split('`').nth(1).filter(|_| names_field)
}

/// Maps path segment errors (e.g. a non-numeric id) to 404.
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|error: PathError, _req| {
        ApiError::new(ErrorCode::NotFound, format!("No such resource: {error}")).into()
    })
}

/// Answers routes that do not exist.
pub async fn unknown_route(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::new(
        ErrorCode::RouteNotFound,
        format!("No route for {} {}", req.method(), req.path()),
    ))
}

/// Rewrites any error response that is neither a problem document nor a page (for example
/// the 405 actix sends for a wrong method) into a problem document.
pub fn problem_errors<B: MessageBody + 'static>() -> ErrorHandlers<B> {
    ErrorHandlers::new().default_handler(ensure_problem)
}

fn ensure_problem<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    // Problem documents and portal pages pass.
    if is_explained(res.headers()) {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let mut response: HttpResponse<BoxBody> = for_status(res.status()).error_response();
    keep_headers(res.headers(), response.headers_mut());
    let (req, _) = res.into_parts();
    let response = ServiceResponse::new(req, response).map_into_right_body::<B>();
    Ok(ErrorHandlerResponse::Response(response))
}

/// The error a bare response of `status` from actix stands for (a wrong method, a body too
/// large), in its standard words.
pub fn for_status(status: StatusCode) -> ApiError {
    let detail = status
        .canonical_reason()
        .unwrap_or("Request failed")
        .to_string();
    match status {
        StatusCode::NOT_FOUND => ApiError::new(ErrorCode::RouteNotFound, detail),
        StatusCode::METHOD_NOT_ALLOWED => ApiError::new(ErrorCode::MethodNotAllowed, detail),
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(ErrorCode::PayloadTooLarge, detail),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            ApiError::new(ErrorCode::UnsupportedMediaType, detail)
        }
        StatusCode::BAD_REQUEST => ApiError::new(ErrorCode::BadRequest, detail),
        s if s.is_server_error() => ApiError::internal(format!("unhandled {status} response")),
        s => ApiError::request_failed(s, detail),
    }
}
