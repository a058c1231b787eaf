//! Registration, login with rotating refresh tokens, logout, invitations and the caller's own
//! account.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::AppState;
use super::auth::AuthUser;
use crate::accounts::{RefreshCheck, account_conflict};
use crate::domain::contact::{EmailAddress, PhoneNumber};
use crate::domain::notification::NotificationKind;
use crate::domain::password::NewPassword;
use crate::domain::role::{Role, StaffRole};
use crate::domain::text::BoundedText;
use crate::error::{ApiError, ErrorCode, FieldErrors, checked};
use crate::http::json::Json;
use crate::i18n::Lang;
use crate::onboarding::{AccountInput, Membership, new_user_row};
use crate::security::tokens::{TokenError, hash_refresh_token, new_refresh_token};
use crate::store::users::{
    User, find_user, find_user_by_email, find_user_by_phone_lookup, insert_user, set_first_password,
};
use crate::store::{DbConn, StoreError, login_attempts, new_id, refresh_tokens};

/// Registers the routes of this module.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/auth/register").route(web::post().to(register)))
        .service(web::resource("/auth/login").route(web::post().to(login)))
        .service(web::resource("/auth/refresh").route(web::post().to(refresh)))
        .service(web::resource("/auth/logout").route(web::post().to(logout)))
        .service(web::resource("/auth/invitations/accept").route(web::post().to(accept_invitation)))
        .service(
            web::resource("/auth/password-reset").route(web::post().to(request_password_reset)),
        )
        .service(
            web::resource("/auth/password-reset/confirm")
                .route(web::post().to(confirm_password_reset)),
        )
        .service(web::resource("/me/password").route(web::post().to(change_password)))
        .service(web::resource("/me").route(web::get().to(me)))
        .service(web::resource("/me/export").route(web::get().to(export_my_data)));
}

/// Contact fields shared by every form that creates an account.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct AccountFields {
    /// Name shown to the other party, 1–50 characters.
    pub display_name: String,
    /// Email address; required where an invitation is sent.
    pub email: Option<String>,
    /// Mainland mobile number, e.g. `+86 138 1234 5678`.
    pub phone: Option<String>,
    /// `zh-CN` (default) or `en`.
    pub language: Option<String>,
}

impl AccountFields {
    /// What a password must not be built from: the name, the email and the phone.
    pub fn words(&self) -> Vec<&str> {
        [
            Some(self.display_name.as_str()),
            self.email.as_deref(),
            self.phone.as_deref(),
        ]
        .into_iter()
        .flatten()
        .collect()
    }
}

/// Checks account fields, recording failures under `prefix` (e.g. `owner.`).
pub fn parse_account(
    errors: &mut FieldErrors,
    prefix: &str,
    fields: &AccountFields,
) -> Option<AccountInput> {
    let name = errors.check(
        &format!("{prefix}display_name"),
        "invalid_length",
        BoundedText::parse(&fields.display_name, 1, 50),
    );
    let email = fields
        .email
        .as_deref()
        .filter(|e| !e.trim().is_empty())
        .map(|raw| {
            errors.check(
                &format!("{prefix}email"),
                "invalid_email",
                EmailAddress::parse(raw),
            )
        });
    let phone = fields
        .phone
        .as_deref()
        .filter(|p| !p.trim().is_empty())
        .map(|raw| {
            errors.check(
                &format!("{prefix}phone"),
                "invalid_phone",
                PhoneNumber::parse(raw),
            )
        });
    let language = match fields.language.as_deref() {
        None => Some(Lang::Zh),
        Some(tag @ ("zh-CN" | "zh" | "en")) => Some(Lang::parse(Some(tag))),
        Some(_) => {
            errors.add(
                &format!("{prefix}language"),
                "unsupported_language",
                "use zh-CN or en",
            );
            None
        }
    };
    Some(AccountInput {
        display_name: name?.into_string(),
        // Absent stays absent; present but invalid fails the whole account.
        email: email.map_or(Some(None), |e| e.map(Some))?,
        phone: phone.map_or(Some(None), |p| p.map(Some))?,
        language: language?,
    })
}

/// A consumer's registration.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RegisterRequest {
    #[serde(flatten)]
    pub account: AccountFields,
    /// 8–128 characters, not easy to guess (zxcvbn score 3 or better; the name and contact
    /// details count as easy).
    pub password: String,
}

/// An account as its owner sees it (phone unmasked).
#[derive(Debug, Serialize, ToSchema)]
pub struct MeResponse {
    pub id: String,
    pub role: Role,
    pub display_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub language: String,
    pub business_id: Option<String>,
    pub staff_role: Option<StaffRole>,
    pub region_code: Option<String>,
    pub association_id: Option<String>,
}

impl MeResponse {
    fn from_user(user: &User, phone: Option<String>) -> Result<Self, ApiError> {
        Ok(Self {
            id: user.id.clone(),
            role: user.role.parse()?,
            display_name: user.display_name.clone(),
            email: user.email.clone(),
            phone,
            language: user.language.clone(),
            business_id: user.business_id.clone(),
            staff_role: user.staff_role.as_deref().map(str::parse).transpose()?,
            region_code: user.region_code.clone(),
            association_id: user.association_id.clone(),
        })
    }
}

fn own_phone(state: &AppState, user: &User) -> Result<Option<String>, ApiError> {
    user.phone_ciphertext
        .as_deref()
        .map(|c| state.pii.decrypt(c).map_err(ApiError::internal))
        .transpose()
}

/// Registers a consumer account.
#[utoipa::path(post, path = "/api/v1/auth/register", tag = "accounts",
    request_body = RegisterRequest,
    responses((status = 201, body = MeResponse), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn register(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Json<RegisterRequest>,
) -> Result<HttpResponse, ApiError> {
    state.limit(&req, crate::security::limits::Action::Registration)?;
    Ok(HttpResponse::Created().json(register_for(&state, body.into_inner()).await?))
}

/// Registers a consumer account. The caller counts the registration against its address's
/// limit.
pub async fn register_for(state: &AppState, body: RegisterRequest) -> Result<MeResponse, ApiError> {
    let mut errors = FieldErrors::default();
    let account = parse_account(&mut errors, "", &body.account);
    let password = errors.check(
        "password",
        "weak_password",
        NewPassword::parse_for(&body.password, &body.account.words()),
    );
    if account
        .as_ref()
        .is_some_and(|a| a.email.is_none() && a.phone.is_none())
    {
        errors.add(
            "email",
            "contact_required",
            "give an email address or a mobile number",
        );
    }
    errors.finish()?;
    let (account, password) = (checked(account)?, checked(password)?);
    let now = state.clock.now();
    let pii = state.pii.clone();
    let hash = state
        .hasher
        .hash(password)
        .await
        .map_err(ApiError::internal)?;
    let user = state
        .db
        .run(move |conn| {
            let user = new_user_row(&pii, &account, &Membership::consumer(), Some(hash), now);
            insert_user(conn, &user).map_err(account_conflict)?;
            Ok::<_, ApiError>(user)
        })
        .await?;
    let phone = own_phone(state, &user)?;
    MeResponse::from_user(&user, phone)
}

/// Credentials for a login.
#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginRequest {
    /// Email address or mobile number.
    pub login: String,
    pub password: String,
}

/// Tokens issued by login and refresh.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// Single-use; exchange it at `/auth/refresh` for a new pair.
    pub refresh_token: String,
    pub refresh_expires_at: DateTime<Utc>,
    pub user: MeResponse,
}

/// The key a login is counted under: the normalised phone or email, else the raw text.
fn account_key(login: &str) -> String {
    PhoneNumber::parse(login)
        .map(|p| p.as_str().to_string())
        .or_else(|_| EmailAddress::parse(login).map(|e| e.as_str().to_string()))
        .unwrap_or_else(|_| login.trim().to_lowercase())
}

fn find_by_login(
    state: &AppState,
    conn: &mut DbConn,
    key: &str,
) -> Result<Option<User>, StoreError> {
    if key.starts_with("+86") {
        find_user_by_phone_lookup(conn, &state.pii.lookup_hash(key))
    } else {
        find_user_by_email(conn, key)
    }
}

/// Logs in with email or phone and password. Repeated failures per account, and too many
/// attempts per client address, are refused with 429 for the configured window.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "accounts",
    request_body = LoginRequest,
    responses((status = 200, body = TokenResponse), (status = 401, body = crate::error::Problem), (status = 429, body = crate::error::Problem)))]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Json<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let user = authenticate(&state, &req, body.into_inner()).await?;
    let tokens = issue_tokens(&state, user, new_id(), state.clock.now()).await?;
    Ok(HttpResponse::Ok().json(tokens))
}

/// Checks a login and password, counting attempts per account and per client address; the
/// API's login and the portal's share it.
pub async fn authenticate(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    body: LoginRequest,
) -> Result<User, ApiError> {
    let mut errors = FieldErrors::default();
    if body.login.trim().is_empty() {
        errors.add(
            "login",
            "required",
            "give your email address or mobile number",
        );
    }
    if body.password.is_empty() {
        errors.add("password", "required", "give your password");
    }
    errors.finish()?;
    let ip =
        super::address::client_address(req, &state.settings.server.trusted_proxies).to_string();
    let key = account_key(&body.login);
    let attempt = start_attempt(state, ip, key.clone()).await?;
    let worker_state = state.clone();
    let user = state
        .db
        .run(move |conn| find_by_login(&worker_state, conn, &key))
        .await?;
    // Hashing holds no database connection.
    let stored_hash = user.as_ref().and_then(|u| u.password_hash.clone());
    let matches = state.hasher.verify(body.password, stored_hash).await;
    let user = user.filter(|u| matches && u.is_active).ok_or_else(|| {
        ApiError::new(
            ErrorCode::InvalidCredentials,
            "The login or password is wrong.",
        )
    })?;
    state
        .db
        .run(move |conn| login_attempts::mark_succeeded(conn, &attempt))
        .await?;
    Ok(user)
}

/// Checks the limits on failed password checks for account `key` from address `ip` and
/// records this attempt as a failure, in one step per account (parallel guesses cannot pass
/// the limit together); answers the attempt's id, to be marked succeeded once the password
/// matches. Logins and password changes (keyed by account id)
/// share the per-address count; each keeps its own per-account count.
async fn start_attempt(state: &AppState, ip: String, key: String) -> Result<String, ApiError> {
    let now = state.clock.now();
    let security = state.settings.security.clone();
    state
        .db
        .run(move |conn| crate::accounts::start_attempt(conn, &security, &ip, &key, now))
        .await
}

/// Issues an access token and a new refresh token of `family` for `user`.
pub async fn issue_tokens(
    state: &web::Data<AppState>,
    user: User,
    family: String,
    now: DateTime<Utc>,
) -> Result<TokenResponse, ApiError> {
    let refresh = NewRefreshToken::new(state, now);
    let row = refresh.clone();
    let (user_id, family_id) = (user.id.clone(), family.clone());
    state
        .db
        .run(move |conn| {
            row.insert(conn, &user_id, &family_id)
                .map_err(ApiError::from)
        })
        .await?;
    token_pair(state, user, &family, now, refresh)
}

/// A refresh token about to be stored.
#[derive(Clone)]
struct NewRefreshToken {
    token: String,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
}

impl NewRefreshToken {
    fn new(state: &AppState, now: DateTime<Utc>) -> Self {
        let days = state.settings.security.refresh_token_ttl_days;
        Self {
            token: new_refresh_token(),
            now,
            expires_at: now + Duration::days(days),
        }
    }

    fn insert(&self, conn: &mut DbConn, user_id: &str, family: &str) -> Result<(), StoreError> {
        refresh_tokens::insert_refresh_token(
            conn,
            user_id,
            family,
            &hash_refresh_token(&self.token),
            self.now,
            self.expires_at,
        )
    }
}

/// The answer carrying `refresh` (stored already) and a new access token.
fn token_pair(
    state: &web::Data<AppState>,
    user: User,
    family: &str,
    now: DateTime<Utc>,
    refresh: NewRefreshToken,
) -> Result<TokenResponse, ApiError> {
    let security = &state.settings.security;
    let access_ttl = Duration::seconds(security.access_token_ttl_secs);
    let access_token = state
        .tokens
        .issue_access(&user.id, &user.role, family, now, access_ttl)
        .map_err(ApiError::internal)?;
    let phone = own_phone(state, &user)?;
    Ok(TokenResponse {
        access_token,
        token_type: "Bearer".into(),
        expires_in: security.access_token_ttl_secs,
        refresh_token: refresh.token,
        refresh_expires_at: refresh.expires_at,
        user: MeResponse::from_user(&user, phone)?,
    })
}

/// A refresh token to exchange or revoke.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

/// Exchanges a refresh token for a new pair. Each refresh token works once (a second use within
/// `security.refresh_reuse_grace_secs`, another tab refreshing at the same moment, gets a pair
/// of its own); presenting a
/// used one revokes its whole family (someone copied it).
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "accounts",
    request_body = RefreshRequest,
    responses((status = 200, body = TokenResponse), (status = 401, body = crate::error::Problem)))]
pub async fn refresh(
    state: web::Data<AppState>,
    body: Json<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(rotate(&state, &body.refresh_token).await?))
}

/// Exchanges `refresh_token` for a new pair of the same family (API and portal sessions).
pub async fn rotate(
    state: &web::Data<AppState>,
    refresh_token: &str,
) -> Result<TokenResponse, ApiError> {
    let token_hash = hash_refresh_token(refresh_token.trim());
    let now = state.clock.now();
    let grace = state.settings.security.refresh_reuse_grace_secs;
    let refresh = NewRefreshToken::new(state, now);
    let row = refresh.clone();
    // The new token is stored in the transaction that checked the old one: a request waiting
    // on the old token's row counts it (only one second use within the grace window).
    let check = state
        .db
        .run(move |conn| {
            crate::accounts::rotate_refresh_token(
                conn,
                &token_hash,
                grace,
                &hash_refresh_token(&row.token),
                row.expires_at,
                now,
            )
            .map_err(ApiError::from)
        })
        .await?;
    match check {
        RefreshCheck::Valid { user, family } => token_pair(state, *user, &family, now, refresh),
        RefreshCheck::Refused(error) => Err(error),
    }
}

/// Ends the session the refresh token belongs to. Unknown tokens are accepted silently.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "accounts",
    request_body = RefreshRequest,
    responses((status = 204, description = "Session ended")))]
pub async fn logout(
    state: web::Data<AppState>,
    body: Json<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    end_session(&state, &body.refresh_token).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Revokes the family of `refresh_token`; unknown tokens change nothing.
pub async fn end_session(state: &web::Data<AppState>, refresh_token: &str) -> Result<(), ApiError> {
    let token_hash = hash_refresh_token(refresh_token.trim());
    let now = state.clock.now();
    state
        .db
        .run(move |conn| {
            if let Some(token) = refresh_tokens::find_refresh_token(conn, &token_hash)? {
                refresh_tokens::revoke_family(conn, &token.family_id, now)?;
            }
            Ok::<_, ApiError>(())
        })
        .await
}

/// Sets the first password of an invited account.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AcceptInvitationRequest {
    /// The token from the invitation email.
    pub token: String,
    pub password: String,
}

/// Accepts an invitation by choosing a password. An invitation works once.
#[utoipa::path(post, path = "/api/v1/auth/invitations/accept", tag = "accounts",
    request_body = AcceptInvitationRequest,
    responses((status = 204, description = "Password set; log in"), (status = 401, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn accept_invitation(
    state: web::Data<AppState>,
    body: Json<AcceptInvitationRequest>,
) -> Result<HttpResponse, ApiError> {
    set_password_from_invitation(&state, &body.token, &body.password).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Checks an invitation token and sets the password; shared by the API and the portal page.
pub async fn set_password_from_invitation(
    state: &AppState,
    token: &str,
    password: &str,
) -> Result<(), ApiError> {
    let now = state.clock.now();
    let claims =
        state
            .tokens
            .verify_invitation(token.trim(), now)
            .map_err(|error| match error {
                TokenError::Expired => ApiError::new(
                    ErrorCode::InvitationExpired,
                    "The invitation has expired; ask for a new one.",
                ),
                TokenError::Invalid => ApiError::new(
                    ErrorCode::InvalidInvitation,
                    "The invitation link is not valid.",
                ),
            })?;
    let password = NewPassword::parse(password)
        .map_err(|e| ApiError::invalid_field("password", "weak_password", e.to_string()))?;
    let hash = state
        .hasher
        .hash(password)
        .await
        .map_err(ApiError::internal)?;
    state
        .db
        .run(move |conn| {
            if set_first_password(conn, &claims.sub, &hash, now)? {
                Ok(())
            } else {
                Err(ApiError::new(
                    ErrorCode::InvitationUsed,
                    "This invitation was already used; log in with your password.",
                ))
            }
        })
        .await
}

/// The caller's own account.
#[utoipa::path(get, path = "/api/v1/me", tag = "accounts",
    responses((status = 200, body = MeResponse), (status = 401, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn me(state: web::Data<AppState>, auth: AuthUser) -> Result<HttpResponse, ApiError> {
    let phone = own_phone(&state, &auth.user)?;
    Ok(HttpResponse::Ok().json(MeResponse::from_user(&auth.user, phone)?))
}

/// Everything the platform holds about the caller.
#[derive(Debug, Serialize, ToSchema)]
pub struct DataExport {
    pub exported_at: chrono::DateTime<chrono::Utc>,
    pub account: MeResponse,
    /// Every dispute the caller filed, in full, as the caller sees it.
    pub disputes: Vec<crate::disputes::view::DisputeView>,
    pub notifications: Vec<ExportedNotification>,
}

/// A notification in a data export.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportedNotification {
    pub kind: NotificationKind,
    pub dispute_id: Option<String>,
    pub message: String,
    pub read_at: Option<chrono::DateTime<chrono::Utc>>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// Downloads all of the caller's data as one JSON file (docs/people-data.md#data-export); the download is audited.
#[utoipa::path(get, path = "/api/v1/me/export", tag = "accounts",
    responses((status = 200, body = DataExport), (status = 401, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn export_my_data(
    state: web::Data<AppState>,
    auth: AuthUser,
) -> Result<HttpResponse, ApiError> {
    let phone = own_phone(&state, &auth.user)?;
    let account = MeResponse::from_user(&auth.user, phone)?;
    let now = state.clock.now();
    let calendar = state.calendars.current();
    let pii = state.pii.clone();
    let data = state
        .db
        .run(move |conn| {
            crate::accounts::export_own_data(conn, &auth.actor, &calendar, &pii, now)
                .map_err(ApiError::from)
        })
        .await?;
    let (disputes, notifications) = (data.disputes, data.notifications);
    let export = DataExport {
        exported_at: now,
        account,
        disputes,
        notifications: notifications
            .into_iter()
            .map(|n| {
                Ok(ExportedNotification {
                    kind: n.kind.parse()?,
                    dispute_id: n.dispute_id,
                    message: n.message,
                    read_at: n.read_at.map(crate::store::from_db_time),
                    created_at: crate::store::from_db_time(n.created_at),
                })
            })
            .collect::<Result<_, ApiError>>()?,
    };
    Ok(HttpResponse::Ok()
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            "attachment; filename=\"odr-my-data.json\"",
        ))
        .json(export))
}

/// A change of one's own password.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ChangePasswordRequest {
    pub current_password: String,
    /// As for registration: 8–128 characters, not easy to guess.
    pub new_password: String,
}

/// Changes the caller's password. Every session of the account ends, this one included (its
/// access token stops working at once): log in again with the new password.
#[utoipa::path(post, path = "/api/v1/me/password", tag = "accounts",
    request_body = ChangePasswordRequest,
    responses((status = 204, description = "Password changed; every session ended"),
        (status = 401, body = crate::error::Problem), (status = 422, body = crate::error::Problem),
        (status = 429, description = "Too many wrong current passwords from this address (the login limits)",
            body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn change_password(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: AuthUser,
    body: Json<ChangePasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    let client = super::address::client_address(&req, &state.settings.server.trusted_proxies);
    change_password_for(&state, &auth, client, body.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Changes `auth`'s password, asked from address `client`.
pub async fn change_password_for(
    state: &AppState,
    auth: &AuthUser,
    client: std::net::IpAddr,
    body: ChangePasswordRequest,
) -> Result<(), ApiError> {
    let user = auth.user.clone();
    let words: Vec<&str> = [Some(user.display_name.as_str()), user.email.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    let password = NewPassword::parse_for(&body.new_password, &words)
        .map_err(|e| ApiError::invalid_field("new_password", "weak_password", e.to_string()))?;
    // Wrong current passwords are limited as failed logins are (per account and address, and
    // per address): a stolen session cannot guess its way to the password faster than the login
    // page can.
    let attempt = start_attempt(state, client.to_string(), format!("account:{}", user.id)).await?;
    let matches = state
        .hasher
        .verify(body.current_password, user.password_hash.clone())
        .await;
    if !matches {
        return Err(ApiError::invalid_field(
            "current_password",
            "wrong_password",
            "this is not the account's current password",
        ));
    }
    state
        .db
        .run(move |conn| login_attempts::mark_succeeded(conn, &attempt))
        .await?;
    let old_hash = user.password_hash.clone().unwrap_or_default();
    let changed = ApiError::new(
        ErrorCode::PasswordChanged,
        "The password was changed meanwhile; log in again.",
    );
    replace_password(state, user.id, old_hash, password, changed).await
}

/// Sets `password` for account `user_id` and ends all its sessions.
async fn replace_password(
    state: &AppState,
    user_id: String,
    old_hash: String,
    password: NewPassword,
    changed_meanwhile: ApiError,
) -> Result<(), ApiError> {
    let hash = state
        .hasher
        .hash(password)
        .await
        .map_err(ApiError::internal)?;
    let now = state.clock.now();
    let replaced = state
        .db
        .run(move |conn| {
            crate::accounts::replace_password(conn, &user_id, &old_hash, &hash, now)
                .map_err(ApiError::from)
        })
        .await?;
    if replaced {
        Ok(())
    } else {
        Err(changed_meanwhile)
    }
}

/// Asks for a password-reset link.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordResetRequest {
    /// The account's email address.
    pub email: String,
}

/// Minutes a password-reset link works.
const RESET_LINK_MINUTES: i64 = 30;

/// Sends a single-use link to choose a new password to the account's email address, if an
/// active account has it. The answer is the same whether or not one does (nobody learns which
/// addresses have accounts); limited per address like registrations.
#[utoipa::path(post, path = "/api/v1/auth/password-reset", tag = "accounts",
    request_body = PasswordResetRequest,
    responses((status = 202, description = "If an account has this address, a link is on its way"),
        (status = 422, body = crate::error::Problem), (status = 429, body = crate::error::Problem)))]
pub async fn request_password_reset(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Json<PasswordResetRequest>,
) -> Result<HttpResponse, ApiError> {
    state.limit(&req, crate::security::limits::Action::Registration)?;
    send_password_reset(&state, &body.email).await?;
    Ok(HttpResponse::Accepted().finish())
}

/// Queues the reset email for `email` when an active account with a password has it (the API
/// and the portal's form share it).
pub async fn send_password_reset(state: &AppState, email: &str) -> Result<(), ApiError> {
    let email = EmailAddress::parse(email)
        .map_err(|e| ApiError::invalid_field("email", "invalid_email", e.to_string()))?;
    let now = state.clock.now();
    let tokens = state.tokens.clone();
    let public_url = state.settings.server.public_url.clone();
    let attempts = state.settings.jobs.max_attempts;
    state
        .db
        .run(move |conn| {
            // An invited account without a password yet sets it from its invitation.
            let Some(user) = find_user_by_email(conn, email.as_str())?
                .filter(|u| u.is_active && u.password_hash.is_some())
            else {
                return Ok(());
            };
            let fingerprint =
                crate::security::tokens::password_fingerprint(user.password_hash.as_deref());
            let token = tokens
                .issue_password_reset(
                    &user.id,
                    &fingerprint,
                    now,
                    Duration::minutes(RESET_LINK_MINUTES),
                )
                .map_err(ApiError::internal)?;
            let message = crate::notify::messages::PasswordReset {
                language: Lang::of(&user.language),
                name: user.display_name.clone(),
                link: crate::config::public_link(
                    &public_url,
                    &format!("/password/reset?token={token}"),
                ),
                valid_minutes: RESET_LINK_MINUTES,
            }
            .render(email.as_str())
            .map_err(ApiError::internal)?;
            crate::jobs::enqueue_job(conn, &crate::jobs::Job::SendEmail(message), attempts, now)?;
            Ok::<_, ApiError>(())
        })
        .await
}

/// A new password chosen from a reset link.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ConfirmPasswordResetRequest {
    /// The token from the link.
    pub token: String,
    pub new_password: String,
}

/// Sets a new password from a reset link. The link works once; every session of the account
/// ends.
#[utoipa::path(post, path = "/api/v1/auth/password-reset/confirm", tag = "accounts",
    request_body = ConfirmPasswordResetRequest,
    responses((status = 204, description = "Password set; log in"),
        (status = 401, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn confirm_password_reset(
    state: web::Data<AppState>,
    body: Json<ConfirmPasswordResetRequest>,
) -> Result<HttpResponse, ApiError> {
    reset_password(&state, &body.token, &body.new_password).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Checks a reset token and sets the password (the API and the portal's page share it).
pub async fn reset_password(
    state: &AppState,
    token: &str,
    new_password: &str,
) -> Result<(), ApiError> {
    let now = state.clock.now();
    let invalid = || {
        ApiError::new(
            ErrorCode::InvalidResetLink,
            "The link is not valid, was used already or has expired; ask for a new one.",
        )
    };
    let claims = state
        .tokens
        .verify_password_reset(token.trim(), now)
        .map_err(|_| invalid())?;
    let user_id = claims.sub.clone();
    let user = state
        .db
        .run(move |conn| find_user(conn, &user_id).map_err(ApiError::from))
        .await?
        .filter(|u| u.is_active)
        .filter(|u| {
            crate::security::tokens::password_fingerprint(u.password_hash.as_deref()) == claims.pwd
        })
        .ok_or_else(invalid)?;
    let words: Vec<&str> = [Some(user.display_name.as_str()), user.email.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    let password = NewPassword::parse_for(new_password, &words)
        .map_err(|e| ApiError::invalid_field("new_password", "weak_password", e.to_string()))?;
    let old_hash = user.password_hash.clone().unwrap_or_default();
    replace_password(state, user.id, old_hash, password, invalid()).await
}
