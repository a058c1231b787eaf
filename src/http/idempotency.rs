//! `Idempotency-Key` for POSTs that create disputes, offers and settlements: the first
//! response is stored with the work in one transaction; a retry with the same key and body
//! gets the same response, a different body with the same key is refused.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use sha2::{Digest, Sha256};

use super::AppState;
use crate::error::ApiError;
use crate::store::notifications::{claim_key, find_response, save_response};
use crate::store::{DbConn, StoreError};

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

/// Runs `work` in one transaction, storing its outcome under the key when one is given. The
/// outcome is the status and the id of the resource; `render` builds the body from the id, on
/// the first request and on every replay, so no personal data is copied into the key table.
pub async fn run_once<W, R>(
    state: &AppState,
    user_id: String,
    key: Option<String>,
    request: &serde_json::Value,
    work: W,
    render: R,
) -> Result<HttpResponse, ApiError>
where
    W: FnOnce(&mut DbConn) -> Result<(StatusCode, String), ApiError> + Send + 'static,
    R: FnOnce(&mut DbConn, &str) -> Result<serde_json::Value, ApiError> + Send + 'static,
{
    let hash = hex::encode(Sha256::digest(request.to_string().as_bytes()));
    let now = state.clock.now();
    let (status, body) = state
        .db
        .run(move |conn| {
            let (status, resource) = crate::store::write_transaction(conn, |conn| {
                if let Some(key) = &key {
                    // The key is claimed before the work: a request sent again while the first
                    // is running waits for it (the key's row is locked until the first commits)
                    // and then answers what the first stored.
                    match claim_key(conn, &user_id, key, &hash, now) {
                        Ok(()) => {}
                        Err(StoreError::Conflict(_)) => {
                            let stored = find_response(conn, &user_id, key)?
                                .ok_or_else(|| ApiError::internal("a claimed key has no row"))?;
                            if stored.request_hash != hash {
                                return Err(ApiError::new(
                                    StatusCode::UNPROCESSABLE_ENTITY,
                                    "idempotency_key_reused",
                                    "This Idempotency-Key was used with a different request.",
                                ));
                            }
                            let status = u16::try_from(stored.status_code)
                                .ok()
                                .and_then(|s| StatusCode::from_u16(s).ok())
                                .unwrap_or(StatusCode::OK);
                            return Ok((status, stored.response_body));
                        }
                        Err(other) => return Err(other.into()),
                    }
                }
                let (status, resource) = work(conn)?;
                if let Some(key) = &key {
                    save_response(conn, &user_id, key, status.as_u16(), &resource)?;
                }
                Ok::<_, ApiError>((status, resource))
            })?;
            Ok::<_, ApiError>((status, render(conn, &resource)?))
        })
        .await?;
    Ok(HttpResponse::build(status).json(body))
}
