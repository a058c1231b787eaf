//! Error policy (docs/api.md#errors):
//! - `domain` returns typed `thiserror` enums describing broken rules;
//! - `store` returns [`crate::store::StoreError`] (not found, conflict, unavailable, query);
//! - `http` turns both into [`ApiError`], the only error a handler returns. Every error
//!   response is RFC 9457 `application/problem+json` with a stable snake_case `code`, a
//!   readable `detail` and, for validation, the failing fields.
//! - `anyhow` is used only in `main`, startup and job runners.
//!
//! Server-side failures are logged once, here, with their cause; clients see a generic text.

use std::fmt;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::i18n::Lang;
use crate::store::StoreError;

mod code;

pub use code::ErrorCode;

/// Media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// One failing input field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, ToSchema)]
pub struct FieldError {
    /// Dotted path of the field in the request (`owner.email`, `rows[3].uscc`).
    pub field: String,
    /// Stable snake_case code of the rule that failed.
    pub code: String,
    /// Readable explanation.
    pub message: String,
    /// What the portal's sentence for `code` names (`field_error-<code>` in
    /// `src/locales/*/labels.ftl`), by variable; not sent.
    #[serde(skip)]
    pub args: Vec<(String, String)>,
}

impl FieldError {
    /// The field at `field` failed the rule `code` (its portal sentence is `field_error-<code>`
    /// in `src/locales/*/labels.ftl`), as `message` says in English.
    pub fn new(field: impl Into<String>, code: &str, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            code: code.into(),
            message: message.into(),
            args: Vec::new(),
        }
    }

    /// With what the portal's sentence names, by variable.
    #[must_use]
    pub fn naming(mut self, args: &[(&str, String)]) -> Self {
        self.args = (args.iter())
            .map(|(name, value)| ((*name).to_string(), value.clone()))
            .collect();
        self
    }
}

/// The problem document sent for every error.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// `urn:odr:problem:<code>`.
    #[serde(rename = "type")]
    pub problem_type: String,
    /// What the code means, in English (`src/locales/en/errors.ftl`).
    pub title: String,
    pub status: u16,
    /// What happened in this request.
    pub detail: String,
    /// Stable machine-readable code, e.g. `unit_not_found`.
    pub code: ErrorCode,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// An error returned by a handler.
#[derive(Debug, Clone)]
pub struct ApiError {
    code: ErrorCode,
    /// The code's own status, except for [`ErrorCode::RequestFailed`].
    status: StatusCode,
    detail: String,
    errors: Vec<FieldError>,
    retry_after_secs: Option<u64>,
    /// The cause of a server-side failure, logged and never shown.
    cause: Option<String>,
}

impl ApiError {
    /// An error with a stable code, sent with the code's status, and a readable detail.
    pub fn new(code: ErrorCode, detail: impl Into<String>) -> Self {
        Self {
            code,
            status: code.status(),
            detail: detail.into(),
            errors: Vec::new(),
            retry_after_secs: None,
            cause: None,
        }
    }

    /// A client error the platform has no code of its own for (one the framework answered
    /// with), sent with that status as `request_failed`.
    pub fn request_failed(status: StatusCode, detail: impl Into<String>) -> Self {
        let mut error = Self::new(ErrorCode::RequestFailed, detail);
        error.status = status;
        error
    }

    /// 422 with the failing fields.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        let mut error = Self::new(
            ErrorCode::ValidationFailed,
            format!("Some fields are invalid: {}", fields.join(", ")),
        );
        error.errors = errors;
        error
    }

    /// 422 for one field.
    pub fn invalid_field(field: &str, code: &str, message: impl Into<String>) -> Self {
        Self::validation(vec![FieldError::new(field, code, message)])
    }

    /// 403: authenticated but not allowed.
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(ErrorCode::Forbidden, detail)
    }

    /// 429 with `Retry-After`.
    pub fn too_many_requests(
        code: ErrorCode,
        detail: impl Into<String>,
        retry_after_secs: u64,
    ) -> Self {
        let mut error = Self::new(code, detail);
        error.retry_after_secs = Some(retry_after_secs);
        error
    }

    /// 500 that logs `cause` and shows a generic text.
    pub fn internal(cause: impl fmt::Display) -> Self {
        let mut error = Self::new(
            ErrorCode::InternalError,
            "The server could not complete the request. It has been logged.",
        );
        error.cause = Some(cause.to_string());
        error
    }

    /// The stable code.
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// The status it is sent with.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The failing fields, for validation errors.
    pub fn field_errors(&self) -> &[FieldError] {
        &self.errors
    }

    /// The problem document.
    pub fn problem(&self) -> Problem {
        Problem {
            problem_type: format!("urn:odr:problem:{}", self.code),
            title: self.code.text(Lang::En).into_owned(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            code: self.code,
            errors: self.errors.clone(),
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.status.as_u16(), self.code, self.detail)?;
        if let Some(cause) = &self.cause {
            write!(f, " (caused by: {cause})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        if self.status.is_server_error() {
            tracing::error!(error.code = self.code.as_str(), error.cause = ?self.cause, "request failed");
        }
        let mut response = HttpResponse::build(self.status);
        response.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)));
        if let Some(secs) = self.retry_after_secs {
            response.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        response.body(serde_json::to_string(&self.problem()).unwrap_or_default())
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound => Self::new(ErrorCode::NotFound, "The record does not exist."),
            StoreError::Conflict(what) => Self::new(
                ErrorCode::Conflict,
                format!("A record with the same {what} already exists."),
            ),
            StoreError::Unavailable(cause) => {
                let mut error = Self::new(
                    ErrorCode::DatabaseUnavailable,
                    "The database is busy or unreachable; try again shortly.",
                );
                error.cause = Some(cause);
                error
            }
            other => Self::internal(other),
        }
    }
}

/// Maps a store error, answering a conflict (a duplicate key or a concurrent change) with
/// `code` and `detail`: `.map_err(on_conflict(ErrorCode::BusinessExists, "…"))`.
pub fn on_conflict(code: ErrorCode, detail: &'static str) -> impl Fn(StoreError) -> ApiError {
    move |error| match error {
        StoreError::Conflict(_) => ApiError::new(code, detail),
        other => other.into(),
    }
}

impl From<crate::domain::text_enum::UnknownName> for ApiError {
    fn from(error: crate::domain::text_enum::UnknownName) -> Self {
        StoreError::from(error).into()
    }
}

/// Collects field errors while a request is converted into domain values.
#[derive(Debug, Default)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    /// Records the error of `result` under `field`; returns the value when valid.
    pub fn check<T, E: fmt::Display>(
        &mut self,
        field: &str,
        code: &str,
        result: Result<T, E>,
    ) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                self.add(field, code, error.to_string());
                None
            }
        }
    }

    /// Records an error.
    pub fn add(&mut self, field: &str, code: &str, message: impl Into<String>) {
        self.0.push(FieldError::new(field, code, message));
    }

    /// Takes over the field errors of a validation error.
    pub fn absorb(&mut self, error: ApiError) {
        self.0.extend(error.errors);
    }

    /// Whether nothing failed so far.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The failures recorded so far.
    pub fn into_vec(self) -> Vec<FieldError> {
        self.0
    }

    /// `Ok` when nothing failed, else a 422 with every failure.
    pub fn finish(self) -> Result<(), ApiError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ApiError::validation(self.0))
        }
    }
}

/// Takes a value checked by [`FieldErrors::check`] after [`FieldErrors::finish`] passed.
pub fn checked<T>(value: Option<T>) -> Result<T, ApiError> {
    value.ok_or_else(|| ApiError::internal("a checked value was missing after validation"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::MessageBody;

    fn body_of(error: &ApiError) -> serde_json::Value {
        let response = error.error_response();
        assert_eq!(
            response.headers().get(header::CONTENT_TYPE).unwrap(),
            PROBLEM_JSON
        );
        let bytes = response.into_body().try_into_bytes().unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    #[test]
    fn validation_errors_list_their_fields() {
        let error = ApiError::invalid_field("uscc", "invalid_uscc", "bad check character");
        assert_eq!(error.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
        let body = body_of(&error);
        assert_eq!(body["code"], "validation_failed");
        assert_eq!(body["status"], 422);
        assert_eq!(body["errors"][0]["field"], "uscc");
        assert_eq!(body["errors"][0]["code"], "invalid_uscc");
    }

    #[test]
    fn store_errors_map_to_their_statuses() {
        let cases = [
            (StoreError::NotFound, 404, "not_found"),
            (StoreError::Conflict("uscc".into()), 409, "conflict"),
            (
                StoreError::Unavailable("pool timeout".into()),
                503,
                "database_unavailable",
            ),
            (StoreError::Corrupt("x".into()), 500, "internal_error"),
        ];
        for (store_error, status, code) in cases {
            let error = ApiError::from(store_error);
            assert_eq!(error.status_code().as_u16(), status);
            assert_eq!(body_of(&error)["code"], code);
        }
    }

    #[test]
    fn internal_errors_hide_their_cause() {
        let body = body_of(&ApiError::internal("password=hunter2 in a query"));
        assert!(!body.to_string().contains("hunter2"));
        assert_eq!(body["code"], "internal_error");
    }

    #[test]
    fn rate_limits_say_when_to_retry() {
        let response = ApiError::too_many_requests(ErrorCode::TooManyLoginAttempts, "wait", 900)
            .error_response();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers().get(header::RETRY_AFTER).unwrap(), "900");
    }

    #[test]
    fn each_code_is_sent_with_its_status_and_its_english_title() {
        for (code, status) in [
            (ErrorCode::MalformedJson, 400),
            (ErrorCode::Unauthenticated, 401),
            (ErrorCode::Forbidden, 403),
            (ErrorCode::UnitNotPending, 409),
        ] {
            let error = ApiError::new(code, "x");
            assert_eq!(error.status_code().as_u16(), status);
            let body = body_of(&error);
            assert_eq!(body["status"], status);
            assert_eq!(body["code"], code.as_str());
            assert_eq!(body["title"], code.text(Lang::En).as_ref());
            assert_eq!(body["type"], format!("urn:odr:problem:{code}"));
        }
    }

    #[test]
    fn a_framework_status_without_a_code_keeps_its_status() {
        let error = ApiError::request_failed(StatusCode::NOT_ACCEPTABLE, "Not Acceptable");
        assert_eq!(error.status_code(), StatusCode::NOT_ACCEPTABLE);
        assert_eq!(body_of(&error)["code"], "request_failed");
    }
}
