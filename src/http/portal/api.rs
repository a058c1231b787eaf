//! Pages call the API's own handlers in-process, with the session's account, so a page can
//! never show or change more than the API allows that account; the JSON they answer is read
//! back into the API's response types.

use actix_web::HttpResponse;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// The body of a handler's answer read as `T`.
pub async fn read<T: DeserializeOwned>(
    answer: Result<HttpResponse, ApiError>,
) -> Result<T, ApiError> {
    let response = answer?;
    let bytes = actix_web::body::to_bytes(response.into_body())
        .await
        .map_err(|e| ApiError::internal(format!("reading a handler's answer: {e}")))?;
    serde_json::from_slice(&bytes).map_err(ApiError::internal)
}

/// Only whether a handler succeeded.
pub async fn done(answer: Result<HttpResponse, ApiError>) -> Result<(), ApiError> {
    answer.map(|_| ())
}
