//! Reads small request bodies whole before routing. A handler that refuses a request before
//! reading its body (403, 404, or no body extractor at all) would otherwise leave bytes on the
//! connection, and actix closes such a connection after answering, which breaks the client's
//! next request on its pooled keep-alive connection. Bodies with a declared length up to the
//! JSON limit are buffered and handed on unchanged; larger ones (evidence, imports) stream to
//! the extractors that read them whole anyway.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::CONTENT_LENGTH;
use actix_web::middleware::Next;
use actix_web::web::{Bytes, BytesMut};
use actix_web::{Error, HttpMessage};
use futures_util::{FutureExt, StreamExt};

use crate::error::{ApiError, ErrorCode, FieldError};

/// Bodies at most this long are read before routing.
pub const BUFFERED_BODY_BYTES: usize = 256 * 1024;

/// Middleware: buffers a small body so that it is always read, whatever the handler does, and
/// refuses a NUL character (U+0000) in the address, the query or a JSON or form body.
/// PostgreSQL cannot store it in text, SQLite would, and no name, login or description needs
/// it: both databases answer the same 4xx before anything runs. JSON and form bodies are read
/// whole (up to the JSON limit) even without a declared length, so that they are checked too.
pub async fn buffer_small_bodies(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    match buffered(&mut req).await {
        Ok(()) => next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body),
        // A refusal is a response, so the middlewares around see it (a browser gets a page).
        Err(error) => Ok(req.error_response(error).map_into_right_body()),
    }
}

/// Reads and checks `req`'s address and small body, putting the body back.
async fn buffered(req: &mut ServiceRequest) -> Result<(), Error> {
    refuse_nul_in_address(req)?;
    let declared = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let kind = BodyKind::of(req);
    let buffer = match declared {
        Some(length) => (1..=BUFFERED_BODY_BYTES).contains(&length),
        None => kind != BodyKind::Other,
    };
    if buffer {
        let mut payload = req.take_payload();
        let mut body = BytesMut::with_capacity(declared.unwrap_or(1024));
        while let Some(chunk) = payload.next().await {
            body.extend_from_slice(&chunk?);
            if body.len() > BUFFERED_BODY_BYTES {
                return Err(ApiError::new(
                    ErrorCode::PayloadTooLarge,
                    "The request body is too large.",
                )
                .into());
            }
        }
        kind.refuse_nul(&body)?;
        req.set_payload(Payload::from(Bytes::from(body)));
    }
    Ok(())
}

/// How a body is encoded, as far as checking its text goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BodyKind {
    Json,
    Form,
    Other,
}

impl BodyKind {
    fn of(req: &ServiceRequest) -> Self {
        let content_type = req.content_type();
        if content_type.contains("json") {
            Self::Json
        } else if content_type == "application/x-www-form-urlencoded" {
            Self::Form
        } else {
            Self::Other
        }
    }

    /// 422 naming each field whose name or text holds a NUL.
    fn refuse_nul(self, body: &[u8]) -> Result<(), ApiError> {
        let mut fields = Vec::new();
        match self {
            // A body that is no JSON is left to the handler's own 400.
            Self::Json => {
                if let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) {
                    nul_fields(&value, "", &mut fields);
                }
            }
            Self::Form => {
                if let Ok(pairs) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(body) {
                    fields.extend(
                        pairs
                            .into_iter()
                            .filter(|(name, value)| name.contains('\0') || value.contains('\0'))
                            .map(|(name, _)| name.replace('\0', "")),
                    );
                }
            }
            Self::Other => {}
        }
        refuse_fields(fields)
    }
}

fn refuse_fields(fields: Vec<String>) -> Result<(), ApiError> {
    if fields.is_empty() {
        return Ok(());
    }
    Err(ApiError::validation(
        fields
            .into_iter()
            .map(|field| {
                FieldError::new(
                    field,
                    "invalid_character",
                    "must not contain the NUL character (U+0000)",
                )
            })
            .collect(),
    ))
}

/// Collects the dotted paths of strings (and keys) holding a NUL in `value`.
fn nul_fields(value: &serde_json::Value, path: &str, out: &mut Vec<String>) {
    let join = |key: &str| {
        if path.is_empty() {
            key.replace('\0', "")
        } else {
            format!("{path}.{}", key.replace('\0', ""))
        }
    };
    match value {
        serde_json::Value::String(text) if text.contains('\0') => out.push(path.to_string()),
        serde_json::Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                nul_fields(item, &format!("{path}[{index}]"), out);
            }
        }
        serde_json::Value::Object(map) => {
            for (key, item) in map {
                if key.contains('\0') {
                    out.push(join(key));
                } else {
                    nul_fields(item, &join(key), out);
                }
            }
        }
        _ => {}
    }
}

/// Refuses a NUL in the path (400) or in a query parameter (422 naming it).
fn refuse_nul_in_address(req: &ServiceRequest) -> Result<(), ApiError> {
    let has_nul = |text: &str| text.to_ascii_lowercase().contains("%00");
    if has_nul(req.path()) {
        return Err(ApiError::new(
            ErrorCode::InvalidCharacter,
            "The address must not contain the NUL character (%00).",
        ));
    }
    let query = req.query_string();
    if !has_nul(query) {
        return Ok(());
    }
    let pairs = serde_urlencoded::from_str::<Vec<(String, String)>>(query).unwrap_or_default();
    let mut fields: Vec<String> = pairs
        .into_iter()
        .filter(|(name, value)| name.contains('\0') || value.contains('\0'))
        .map(|(name, _)| name.replace('\0', ""))
        .collect();
    if fields.is_empty() {
        fields.push("query".into());
    }
    refuse_fields(fields)
}

/// Middleware: a handler that panics answers 500 (problem+json, logged) instead of dropping
/// the connection and the client's other requests on it.
pub async fn catch_panics(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    // The request cannot be kept for the answer (routing needs it unshared): an error returned
    // from here becomes the response.
    let path = req.path().to_string();
    match std::panic::AssertUnwindSafe(next.call(req))
        .catch_unwind()
        .await
    {
        Ok(outcome) => outcome,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            tracing::error!(%path, panic = %what, "a request handler panicked");
            Err(ApiError::internal(format!("handler panicked: {what}")).into())
        }
    }
}

/// Reads the multipart field `file` of `form` (other fields are skipped, each read to at most
/// `max_bytes`), refusing a file of more than `max_bytes` with 413; `what` names the file in
/// the error of a form without it.
pub async fn read_file_field(
    mut form: actix_multipart::Multipart,
    max_bytes: usize,
    what: &str,
) -> Result<Vec<u8>, ApiError> {
    let unreadable = |e: actix_multipart::MultipartError| {
        ApiError::new(
            ErrorCode::InvalidMultipart,
            format!("The upload could not be read: {e}"),
        )
    };
    let too_large = || {
        ApiError::new(
            ErrorCode::FileTooLarge,
            format!("The file is larger than {max_bytes} bytes."),
        )
    };
    while let Some(field) = form.next().await {
        let mut field = field.map_err(unreadable)?;
        let is_file = field.name() == Some("file");
        let (mut bytes, mut received) = (Vec::new(), 0usize);
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(unreadable)?;
            // Other fields are skipped but counted: they are no way around the limit.
            received += chunk.len();
            // A file a little too large is read to its end and dropped, so that the client
            // (still sending) receives the 413 rather than a reset connection; one far too
            // large is cut off.
            if received > max_bytes.saturating_mul(2) {
                return Err(too_large());
            }
            if is_file && received <= max_bytes {
                bytes.extend_from_slice(&chunk);
            }
        }
        if received > max_bytes {
            return Err(too_large());
        }
        if is_file {
            return Ok(bytes);
        }
    }
    Err(ApiError::invalid_field(
        "file",
        "file_required",
        format!("attach {what} as field `file`"),
    ))
}
