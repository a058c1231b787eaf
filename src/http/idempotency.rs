//! `Idempotency-Key` for POSTs that create disputes, offers and settlements: the first
//! response is stored with the work in one transaction; a retry with the same key and body
//! gets the same response, a different body with the same key is refused.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use diesel::Connection;
use sha2::{Digest, Sha256};

use super::AppState;
use crate::error::ApiError;
use crate::store::DbConn;
use crate::store::notifications::{find_response, save_response};

/// The `Idempotency-Key` header, if present (1–200 visible characters).
pub fn idempotency_key(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(value) = req.headers().get("idempotency-key") else {
        return Ok(None);
    };
    let key = value.to_str().map(str::trim).unwrap_or_default();
    if key.is_empty() || key.len() > 200 {
        return Err(ApiError::invalid_field(
            "Idempotency-Key",
            "invalid_idempotency_key",
            "1 to 200 visible characters",
        ));
    }
    Ok(Some(key.to_string()))
}

/// Runs `work` in one transaction, storing its response under the key when one is given.
pub async fn run_once<F>(
    state: &AppState,
    user_id: String,
    key: Option<String>,
    request: &serde_json::Value,
    work: F,
) -> Result<HttpResponse, ApiError>
where
    F: FnOnce(&mut DbConn) -> Result<(StatusCode, serde_json::Value), ApiError> + Send + 'static,
{
    let hash = hex::encode(Sha256::digest(request.to_string().as_bytes()));
    let now = state.clock.now();
    let (status, body) = state
        .db
        .run(move |conn| {
            conn.transaction(|conn| {
                if let Some(key) = &key
                    && let Some(stored) = find_response(conn, &user_id, key)?
                {
                    if stored.request_hash != hash {
                        return Err(ApiError::new(
                            StatusCode::UNPROCESSABLE_ENTITY,
                            "idempotency_key_reused",
                            "This Idempotency-Key was used with a different request.",
                        ));
                    }
                    let status =
                        StatusCode::from_u16(u16::try_from(stored.status_code).unwrap_or(200))
                            .unwrap_or(StatusCode::OK);
                    return Ok((status, stored.response_body));
                }
                let (status, body) = work(conn)?;
                let body = body.to_string();
                if let Some(key) = &key {
                    save_response(conn, &user_id, key, &hash, status.as_u16(), &body, now)?;
                }
                Ok((status, body))
            })
        })
        .await?;
    Ok(HttpResponse::build(status)
        .content_type("application/json")
        .body(body))
}
