//! The `AuthUser` extractor: verifies the bearer access token against the injected clock and
//! loads the account, so deactivated users are cut off at once.

use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpRequest, dev::Payload, http::header, web};
use chrono::{DateTime, Utc};

use super::AppState;
use crate::domain::access::Actor;
use crate::domain::region::RegionCode;
use crate::domain::role::{Role, StaffRole};
use crate::error::{ApiError, ErrorCode};
use crate::security::tokens::TokenError;
use crate::store::users::{User, find_session_user, recent_session_user};

/// An authenticated user and the access facts derived from the account.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub user: User,
    pub actor: Actor,
}

impl AuthUser {
    /// The account's role.
    pub fn role(&self) -> Role {
        self.actor.role
    }

    /// The account id.
    pub fn id(&self) -> &str {
        &self.user.id
    }

    /// 403 unless the user has one of `roles`.
    pub fn require_role(&self, roles: &[Role]) -> Result<(), ApiError> {
        if roles.contains(&self.actor.role) {
            Ok(())
        } else {
            Err(ApiError::forbidden("Your role may not use this operation."))
        }
    }
}

/// Builds the access facts of an account; unknown stored values are a data error.
pub fn actor_of(user: &User) -> Result<Actor, ApiError> {
    let role = user.role.parse::<Role>().map_err(ApiError::internal)?;
    let staff_role = user
        .staff_role
        .as_deref()
        .map(str::parse::<StaffRole>)
        .transpose()
        .map_err(ApiError::internal)?;
    let region = user
        .region_code
        .as_deref()
        .map(RegionCode::parse)
        .transpose()
        .map_err(ApiError::internal)?;
    Ok(Actor {
        user_id: user.id.clone(),
        role,
        business_id: user.business_id.clone(),
        staff_role,
        region,
        association_id: user.association_id.clone(),
    })
}

/// The account of session `session` of `user_id` if it goes on (`store::users::find_session_user`):
/// from this process's memory of sessions checked in the last seconds, else from the database.
pub(crate) async fn session_user(
    state: &AppState,
    user_id: String,
    session: String,
    now: DateTime<Utc>,
) -> Result<Option<User>, ApiError> {
    if let Some(user) = recent_session_user(&user_id, &session, now) {
        return Ok(Some(user));
    }
    state
        .db
        .run_leaving_kept(move |conn| {
            find_session_user(conn, &user_id, &session, now).map_err(ApiError::from)
        })
        .await
}

fn bearer_token(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer_token(req);
        let method = req.method().clone();
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::internal("application state missing"))?;
            let token = token.ok_or_else(|| {
                ApiError::new(
                    ErrorCode::Unauthenticated,
                    "Send an access token as `Authorization: Bearer <token>`.",
                )
            })?;
            let claims = state
                .tokens
                .verify_access(&token, state.clock.now())
                .map_err(|error| match error {
                    TokenError::Expired => ApiError::new(
                        ErrorCode::TokenExpired,
                        "The access token has expired; refresh it.",
                    ),
                    TokenError::Invalid => {
                        ApiError::new(ErrorCode::InvalidToken, "The access token is not valid.")
                    }
                })?;
            let now = state.clock.now();
            let user = session_user(&state, claims.sub, claims.sid, now)
                .await?
                .ok_or_else(|| {
                    ApiError::new(
                        ErrorCode::SessionEnded,
                        "The session has ended or the account is not active; log in again.",
                    )
                })?;
            let actor = actor_of(&user)?;
            if !method.is_safe() {
                // Their next reads stay on the primary (docs/architecture.md, "Read replicas").
                state.db.note_write(&user.id);
            }
            Ok(AuthUser { user, actor })
        })
    }
}
