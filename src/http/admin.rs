//! Platform administration: associations and accounts of regulators, association admins
//! and other admins, invited by email.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::accounts::{AccountFields, parse_account};
use super::auth::AuthUser;
use super::pagination::{DEFAULT_LIMIT, PageParams, split_page};
use super::reference::AssociationResponse;
use crate::domain::contact::PhoneNumber;
use crate::domain::region::RegionCode;
use crate::domain::role::{Role, StaffRole};
use crate::domain::text::BoundedText;
use crate::error::{ApiError, FieldErrors, checked};
use crate::http::json::Json;
use crate::onboarding::{Membership, platform};

/// Registers the routes of this module.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/admin/associations").route(web::post().to(create_association)))
        .service(
            web::resource("/admin/users")
                .route(web::get().to(list_users))
                .route(web::post().to(create_user)),
        )
        .service(
            web::resource("/admin/users/{id}/deactivate").route(web::post().to(deactivate_user)),
        )
        .service(
            web::resource("/admin/users/{id}/reactivate").route(web::post().to(reactivate_user)),
        );
}

/// A new association.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateAssociationRequest {
    pub name: String,
    pub region_code: String,
    pub industry_code: Option<String>,
}

/// Creates an association (admin only).
#[utoipa::path(post, path = "/api/v1/admin/associations", tag = "admin",
    request_body = CreateAssociationRequest,
    responses((status = 201, body = AssociationResponse), (status = 403, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn create_association(
    state: web::Data<AppState>,
    auth: AuthUser,
    body: Json<CreateAssociationRequest>,
) -> Result<HttpResponse, ApiError> {
    auth.require_role(&[Role::Admin])?;
    let body = body.into_inner();
    let mut errors = FieldErrors::default();
    let name = errors.check(
        "name",
        "invalid_length",
        BoundedText::parse(&body.name, 2, 100),
    );
    let region = errors.check(
        "region_code",
        "invalid_region_code",
        RegionCode::parse(&body.region_code),
    );
    errors.finish()?;
    let (name, region) = (checked(name)?, checked(region)?);
    let now = state.clock.now();
    let association = state
        .db
        .run(move |conn| {
            platform::create_association(
                conn,
                &auth.actor,
                name.as_str(),
                &region,
                body.industry_code.as_deref(),
                now,
            )
        })
        .await?;
    Ok(HttpResponse::Created().json(AssociationResponse::from(association)))
}

/// A new staff account of the platform side.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateUserRequest {
    #[serde(flatten)]
    pub account: AccountFields,
    /// `regulator`, `association_admin` or `admin`.
    pub role: String,
    /// Required for regulators: the region they oversee (with its sub-regions).
    pub region_code: Option<String>,
    /// Required for association admins.
    pub association_id: Option<String>,
}

/// The created account.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedUserResponse {
    pub id: String,
    pub role: Role,
    pub display_name: String,
    pub email: Option<String>,
    pub region_code: Option<String>,
    pub association_id: Option<String>,
}

/// Creates a regulator, association admin or admin and emails them an invitation.
#[utoipa::path(post, path = "/api/v1/admin/users", tag = "admin",
    request_body = CreateUserRequest,
    responses((status = 201, body = CreatedUserResponse), (status = 403, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn create_user(
    state: web::Data<AppState>,
    auth: AuthUser,
    body: Json<CreateUserRequest>,
) -> Result<HttpResponse, ApiError> {
    auth.require_role(&[Role::Admin])?;
    let body = body.into_inner();
    let mut errors = FieldErrors::default();
    let account = parse_account(&mut errors, "", &body.account);
    if account.as_ref().is_some_and(|a| a.email.is_none()) {
        errors.add("email", "required", "an invitation needs an email address");
    }
    let role = match body.role.parse::<Role>() {
        Ok(role @ (Role::Regulator | Role::AssociationAdmin | Role::Admin)) => Some(role),
        _ => {
            errors.add(
                "role",
                "invalid_role",
                "use regulator, association_admin or admin",
            );
            None
        }
    };
    let region = match (role, body.region_code.as_deref()) {
        (Some(Role::Regulator), Some(code)) => errors.check(
            "region_code",
            "invalid_region_code",
            RegionCode::parse(code),
        ),
        (Some(Role::Regulator), None) => {
            errors.add("region_code", "required", "a regulator oversees a region");
            None
        }
        _ => None,
    };
    if role == Some(Role::AssociationAdmin) && body.association_id.is_none() {
        errors.add(
            "association_id",
            "required",
            "an association admin belongs to an association",
        );
    }
    errors.finish()?;
    let (account, role) = (checked(account)?, checked(role)?);
    let now = state.clock.now();
    let (pii, inviter) = (state.pii.clone(), state.inviter());
    let association_id = body
        .association_id
        .filter(|_| role == Role::AssociationAdmin);
    let membership = Membership {
        role,
        business_id: None,
        staff_role: None,
        region_code: region.as_ref().map(|r| r.as_str().to_string()),
        association_id,
    };
    let user = state
        .db
        .run(move |conn| {
            platform::invite_account(
                conn,
                &auth.actor,
                &pii,
                &inviter,
                &account,
                &membership,
                now,
            )
        })
        .await?;
    Ok(HttpResponse::Created().json(CreatedUserResponse {
        id: user.id,
        role: user.role.parse()?,
        display_name: user.display_name,
        email: user.email,
        region_code: user.region_code,
        association_id: user.association_id,
    }))
}

/// Filters of the account search.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserQuery {
    /// Part of the name or of the email address, or a whole mobile number.
    pub q: Option<String>,
    /// Only accounts of this role.
    #[param(value_type = Option<Role>)]
    pub role: Option<String>,
    /// Items per page, 1–200 (default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// An account as an admin sees it (the phone masked).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AdminUserResponse {
    pub id: String,
    pub role: Role,
    pub display_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub business_id: Option<String>,
    pub staff_role: Option<StaffRole>,
    pub region_code: Option<String>,
    pub association_id: Option<String>,
    /// The name of the region a regulator oversees, of the association or of the business the
    /// account belongs to.
    pub organisation: Option<String>,
    /// `false` once deactivated (cannot log in).
    pub is_active: bool,
    /// `false` while an invitation has not been accepted.
    pub has_password: bool,
    pub created_at: DateTime<Utc>,
}

/// One page of accounts.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct UserPage {
    pub items: Vec<AdminUserResponse>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Finds accounts by name, email or mobile number, to deactivate or reactivate them (admin
/// only).
#[utoipa::path(get, path = "/api/v1/admin/users", tag = "admin", params(UserQuery),
    responses((status = 200, body = UserPage), (status = 403, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn list_users(
    state: web::Data<AppState>,
    auth: AuthUser,
    query: web::Query<UserQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(list_users_for(&state, &auth, query.into_inner()).await?))
}

/// Accounts matching `query` (admins).
pub async fn list_users_for(
    state: &AppState,
    auth: &AuthUser,
    query: UserQuery,
) -> Result<UserPage, ApiError> {
    auth.require_role(&[Role::Admin])?;
    let mut errors = FieldErrors::default();
    let role = query
        .role
        .as_deref()
        .map(|r| errors.check("role", "invalid_role", r.parse::<Role>()))
        .unwrap_or(None);
    let page = PageParams {
        limit: query.limit,
        cursor: query.cursor,
    };
    let limit = page.limit().map_err(|e| errors.absorb(e)).ok();
    let after_id = page.cursor().map_err(|e| errors.absorb(e)).ok().flatten();
    errors.finish()?;
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    let text = query
        .q
        .map(|q| q.trim().to_string())
        .filter(|q| !q.is_empty());
    let phone_lookup = text
        .as_deref()
        .and_then(|q| PhoneNumber::parse(q).ok())
        .map(|p| state.pii.lookup_hash(p.as_str()));
    let filter = crate::store::users::UserFilter {
        text,
        phone_lookup,
        role: role.map(|r| r.as_str().to_string()),
        after_id,
        limit: limit + 1,
    };
    let rows = state
        .db
        .run(move |conn| {
            let users = crate::store::users::search_users(conn, &filter)?;
            let names = crate::store::users::organisation_names(conn, &users)?;
            Ok::<_, ApiError>((users, names))
        })
        .await?;
    let (users, mut names) = rows;
    let (rows, next_cursor) = split_page(users, limit, |u| u.id.clone());
    let items = rows
        .into_iter()
        .map(|u| -> Result<_, ApiError> {
            Ok(AdminUserResponse {
                organisation: names.remove(&u.id),
                has_password: u.password_hash.is_some(),
                created_at: crate::store::from_db_time(u.created_at),
                id: u.id,
                role: u.role.parse()?,
                display_name: u.display_name,
                email: u.email,
                phone: u.phone_masked,
                business_id: u.business_id,
                staff_role: u.staff_role.as_deref().map(str::parse).transpose()?,
                region_code: u.region_code,
                association_id: u.association_id,
                is_active: u.is_active,
            })
        })
        .collect::<Result<_, _>>()?;
    Ok(UserPage { items, next_cursor })
}

/// Deactivates an account (a departed regulator, association admin or staff member): it can
/// no longer log in, and every session ends at once (admin only; not one's own account).
#[utoipa::path(post, path = "/api/v1/admin/users/{id}/deactivate", tag = "admin",
    params(("id" = String, Path)),
    responses((status = 204, description = "Deactivated; every session ended"),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn deactivate_user(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    set_user_active_for(&state, &auth, path.into_inner(), false).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Deactivates or reactivates account `id` (admins; nobody deactivates themself).
pub async fn set_user_active_for(
    state: &AppState,
    auth: &AuthUser,
    id: String,
    active: bool,
) -> Result<(), ApiError> {
    auth.require_role(&[Role::Admin])?;
    if !active && id == auth.id() {
        return Err(ApiError::forbidden(
            "Another admin deactivates your account.",
        ));
    }
    set_account_active(state, auth, id, active, |_| Ok(())).await
}

/// Lets a deactivated account log in again (admin only).
#[utoipa::path(post, path = "/api/v1/admin/users/{id}/reactivate", tag = "admin",
    params(("id" = String, Path)),
    responses((status = 204, description = "Reactivated"),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn reactivate_user(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    set_user_active_for(&state, &auth, path.into_inner(), true).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Activates or deactivates account `id` (ending its sessions when deactivated), audited under
/// `by`, once `guard` passes in the same transaction; the admin API and a business owner
/// removing staff share it.
pub async fn set_account_active<G>(
    state: &AppState,
    by: &AuthUser,
    id: String,
    active: bool,
    guard: G,
) -> Result<(), ApiError>
where
    G: FnOnce(&mut crate::store::DbConn) -> Result<(), ApiError> + Send + 'static,
{
    let now = state.clock.now();
    let actor = by.actor.clone();
    state
        .db
        .run(move |conn| crate::accounts::set_active(conn, &actor, &id, active, guard, now))
        .await
}
