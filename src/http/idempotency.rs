//! `Idempotency-Key` for POSTs that create disputes, offers and settlements: the first
//! response is stored with the work in one transaction; a retry with the same key and body
//! gets the same response, a different body with the same key is refused.

use actix_web::HttpRequest;
use actix_web::http::StatusCode;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::AppState;
use crate::error::{ApiError, ErrorCode};
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

/// What `work` of [`run_once`] made, as `render` gets it.
pub enum Done<O> {
    /// Made just now, in this request's transaction: what the work returned.
    Now(O),
    /// Made by an earlier request with the same key: the resource's id.
    Before(String),
}

impl<O: Made> Done<O> {
    /// The resource's id.
    pub fn id(&self) -> &str {
        match self {
            Self::Now(made) => made.id(),
            Self::Before(id) => id,
        }
    }
}

/// What `work` of [`run_once`] returns: the resource's id, or more that `render` can answer
/// from without reading the resource again.
pub trait Made: Send + 'static {
    /// The id stored under the key.
    fn id(&self) -> &str;
}

impl Made for String {
    fn id(&self) -> &str {
        self
    }
}

impl Made for crate::store::disputes::Dispute {
    fn id(&self) -> &str {
        &self.id
    }
}

/// Runs `work` in one transaction, storing its outcome under the key when one is given. The
/// outcome is the id of the resource, stored with the endpoint's `status`; `render` builds the
/// answer after the commit, from what the work returned on the first request and from the id
/// on every replay, so no personal data is copied into the key table.
/// `request` is what the key was sent with; the same key with another request is refused.
pub async fn run_once<W, O, R, T>(
    state: &AppState,
    user_id: String,
    key: Option<String>,
    request: &impl Serialize,
    status: StatusCode,
    work: W,
    render: R,
) -> Result<T, ApiError>
where
    W: FnOnce(&mut DbConn) -> Result<O, ApiError> + Send + 'static,
    O: Made,
    R: FnOnce(&mut DbConn, Done<O>) -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    // Hashed as a JSON value, whose object keys are sorted.
    let request = serde_json::to_value(request).map_err(ApiError::internal)?;
    let hash = hex::encode(Sha256::digest(request.to_string().as_bytes()));
    let now = state.clock.now();
    state
        .db
        .run(move |conn| {
            let done = crate::store::write_transaction(conn, |conn| {
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
                                    ErrorCode::IdempotencyKeyReused,
                                    "This Idempotency-Key was used with a different request.",
                                ));
                            }
                            return Ok(Done::Before(stored.response_body));
                        }
                        Err(other) => return Err(other.into()),
                    }
                }
                let made = work(conn)?;
                if let Some(key) = &key {
                    save_response(conn, &user_id, key, status.as_u16(), made.id())?;
                }
                Ok::<_, ApiError>(Done::Now(made))
            })?;
            render(conn, done)
        })
        .await
}
