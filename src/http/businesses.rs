//! Businesses: self-registration with an owner account, the profile, staff and the ODR
//! application.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::AppState;
use super::accounts::{AccountFields, parse_account};
use super::auth::AuthUser;
use super::units::{UnitResponse, unit_response};
use crate::domain::access::Actor;
use crate::domain::password::NewPassword;
use crate::domain::role::{Role, StaffRole};
use crate::domain::text::BoundedText;
use crate::domain::unit::UNDERTAKING_VERSION;
use crate::domain::unit::UnitStatus;
use crate::error::{ApiError, ErrorCode, FieldErrors, checked};
use crate::http::json::Json;
use crate::onboarding::business::{
    ApplyError, BusinessText, Conditions, apply_for_unit, parse_business, parse_service_phone,
};
use crate::store::businesses::{
    Business, BusinessProfileChange, find_business, update_business_profile,
};
use crate::store::units::{self, find_unit_of_business};
use crate::store::users::{User, list_staff};
use crate::store::{DbConn, from_db_time};

/// Registers the routes of this module.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/businesses").route(web::post().to(register_business)))
        .service(
            web::resource("/businesses/{id}")
                .route(web::get().to(get_business))
                .route(web::patch().to(update_business)),
        )
        .service(
            web::resource("/businesses/{id}/staff/{user_id}").route(web::delete().to(remove_staff)),
        )
        .service(
            web::resource("/businesses/{id}/staff")
                .route(web::get().to(get_staff))
                .route(web::post().to(invite_staff)),
        )
        .service(web::resource("/businesses/{id}/application").route(web::post().to(apply)));
}

pub use crate::onboarding::units::allowed;

/// Loads a business the actor may see; 404 when it does not exist or is out of sight.
pub fn load_visible_business(
    conn: &mut DbConn,
    actor: &Actor,
    id: &str,
) -> Result<Business, ApiError> {
    let missing = || ApiError::new(ErrorCode::BusinessNotFound, "No such business.");
    let business = find_business(conn, id)?.ok_or_else(missing)?;
    if allowed(actor, &business, Actor::may_view_business)? {
        Ok(business)
    } else {
        Err(missing())
    }
}

/// Loads a business the actor owns; 403 when they may see but not manage it.
pub(crate) fn load_owned_business(
    conn: &mut DbConn,
    actor: &Actor,
    id: &str,
) -> Result<Business, ApiError> {
    let business = load_visible_business(conn, actor, id)?;
    if allowed(actor, &business, Actor::may_manage_business)? {
        Ok(business)
    } else {
        Err(ApiError::forbidden(
            "Only the business's owner may do this.",
        ))
    }
}

/// A business as typed by its owner.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct BusinessFields {
    /// Unified social credit code (18 characters, GB 32100-2015).
    pub uscc: String,
    pub name: String,
    pub industry_code: String,
    /// Six-digit GB/T 2260 code of the district where the business operates.
    pub region_code: String,
    pub address: String,
    pub contact_name: String,
    /// Dedicated complaint phone (mobile or landline), shown in the directory.
    pub contact_phone: String,
}

/// Self-registration of a business and its owner.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RegisterBusinessRequest {
    pub business: BusinessFields,
    pub owner: AccountFields,
    pub password: String,
}

/// A business profile.
#[derive(Debug, Serialize, serde::Deserialize, ToSchema)]
pub struct BusinessResponse {
    pub id: String,
    pub uscc: String,
    pub name: String,
    pub industry_code: String,
    pub region_code: String,
    pub address: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub association_id: Option<String>,
    /// The ODR unit, once the business applied.
    pub unit: Option<UnitSummary>,
    pub created_at: DateTime<Utc>,
}

/// A unit's id and status.
#[derive(Debug, Serialize, serde::Deserialize, ToSchema)]
pub struct UnitSummary {
    pub id: String,
    pub status: UnitStatus,
}

fn business_response(
    business: Business,
    unit: Option<units::OdrUnit>,
) -> Result<BusinessResponse, ApiError> {
    Ok(BusinessResponse {
        id: business.id,
        uscc: business.uscc,
        name: business.name,
        industry_code: business.industry_code,
        region_code: business.region_code,
        address: business.address,
        contact_name: business.contact_name,
        contact_phone: business.contact_phone,
        association_id: business.association_id,
        unit: unit
            .map(|u| -> Result<_, ApiError> {
                Ok(UnitSummary {
                    status: u.status.parse()?,
                    id: u.id,
                })
            })
            .transpose()?,
        created_at: from_db_time(business.created_at),
    })
}

/// Registers a business with its owner account. The owner then logs in and applies.
#[utoipa::path(post, path = "/api/v1/businesses", tag = "businesses",
    request_body = RegisterBusinessRequest,
    responses((status = 201, body = BusinessResponse), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn register_business(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    body: Json<RegisterBusinessRequest>,
) -> Result<HttpResponse, ApiError> {
    // It creates an owner's account: limited per address like a registration.
    state.limit(&req, crate::security::limits::Action::Registration)?;
    let body = body.into_inner();
    let mut errors = FieldErrors::default();
    let b = &body.business;
    let text = BusinessText {
        uscc: &b.uscc,
        name: &b.name,
        industry_code: &b.industry_code,
        region_code: &b.region_code,
        address: &b.address,
        contact_name: &b.contact_name,
        contact_phone: &b.contact_phone,
    };
    let business = parse_business(&mut errors, "business.", &text);
    let owner = parse_account(&mut errors, "owner.", &body.owner);
    if owner
        .as_ref()
        .is_some_and(|o| o.email.is_none() && o.phone.is_none())
    {
        errors.add(
            "owner.email",
            "contact_required",
            "give an email address or a mobile number",
        );
    }
    let password = errors.check(
        "password",
        "weak_password",
        NewPassword::parse_for(&body.password, &body.owner.words()),
    );
    errors.finish()?;
    let (business, owner, password) = (checked(business)?, checked(owner)?, checked(password)?);
    let now = state.clock.now();
    let pii = state.pii.clone();
    let hash = state
        .hasher
        .hash(password)
        .await
        .map_err(ApiError::internal)?;
    let created = state
        .db
        .run(move |conn| {
            crate::onboarding::business::register_business(conn, &pii, &business, &owner, hash, now)
        })
        .await?;
    Ok(HttpResponse::Created().json(business_response(created, None)?))
}

/// A business's profile, for its staff, its regulators, its association and admins.
#[utoipa::path(get, path = "/api/v1/businesses/{id}", tag = "businesses",
    params(("id" = String, Path)),
    responses((status = 200, body = BusinessResponse), (status = 404, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn get_business(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(get_business_for(&state, &auth, path.into_inner()).await?))
}

/// Business `id` as `auth` may see it.
pub async fn get_business_for(
    state: &AppState,
    auth: &AuthUser,
    id: String,
) -> Result<BusinessResponse, ApiError> {
    let actor = auth.actor.clone();
    let (business, unit) = state
        .db
        .run(move |conn| {
            let business = load_visible_business(conn, &actor, &id)?;
            let unit = find_unit_of_business(conn, &business.id)?;
            Ok::<_, ApiError>((business, unit))
        })
        .await?;
    business_response(business, unit)
}

/// Changes to a profile; absent fields stay as they are. The credit code, industry and
/// region are fixed once registered.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateBusinessRequest {
    pub name: Option<String>,
    pub address: Option<String>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
}

/// Edits the profile (owner only).
#[utoipa::path(patch, path = "/api/v1/businesses/{id}", tag = "businesses",
    params(("id" = String, Path)), request_body = UpdateBusinessRequest,
    responses((status = 200, body = BusinessResponse), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn update_business(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<String>,
    body: Json<UpdateBusinessRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let mut errors = FieldErrors::default();
    let text = |errors: &mut FieldErrors, field: &str, value: &Option<String>, min, max| {
        value
            .as_deref()
            .and_then(|v| errors.check(field, "invalid_length", BoundedText::parse(v, min, max)))
            .map(BoundedText::into_string)
    };
    let change = BusinessProfileChange {
        name: text(&mut errors, "name", &body.name, 2, 100),
        address: text(&mut errors, "address", &body.address, 4, 200),
        contact_name: text(&mut errors, "contact_name", &body.contact_name, 1, 50),
        contact_phone: body
            .contact_phone
            .as_deref()
            .and_then(|p| errors.check("contact_phone", "invalid_phone", parse_service_phone(p))),
    };
    errors.finish()?;
    let id = path.into_inner();
    let now = state.clock.now();
    let (business, unit) = state
        .db
        .run(move |conn| {
            load_owned_business(conn, &auth.actor, &id)?;
            let business = update_business_profile(conn, &id, &change, now)?;
            let unit = find_unit_of_business(conn, &id)?;
            Ok::<_, ApiError>((business, unit))
        })
        .await?;
    Ok(HttpResponse::Ok().json(business_response(business, unit)?))
}

/// A staff account of a business.
#[derive(Debug, Serialize, serde::Deserialize, ToSchema)]
pub struct StaffResponse {
    pub id: String,
    pub display_name: String,
    pub email: Option<String>,
    /// Masked (`138****5678`).
    pub phone: Option<String>,
    pub staff_role: Option<StaffRole>,
    /// `false` while the invitation has not been accepted.
    pub has_password: bool,
    /// `false` once removed from the business (the account can no longer log in).
    pub is_active: bool,
}

impl TryFrom<User> for StaffResponse {
    type Error = ApiError;
    fn try_from(u: User) -> Result<Self, ApiError> {
        Ok(Self {
            id: u.id,
            display_name: u.display_name,
            email: u.email,
            phone: u.phone_masked,
            staff_role: u.staff_role.as_deref().map(str::parse).transpose()?,
            has_password: u.password_hash.is_some(),
            is_active: u.is_active,
        })
    }
}

/// The staff of a business (its own staff and admins).
#[utoipa::path(get, path = "/api/v1/businesses/{id}/staff", tag = "businesses",
    params(("id" = String, Path)),
    responses((status = 200, body = Vec<StaffResponse>), (status = 404, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn get_staff(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(get_staff_for(&state, &auth, path.into_inner()).await?))
}

/// The staff of business `id` (its staff and admins).
pub async fn get_staff_for(
    state: &AppState,
    auth: &AuthUser,
    id: String,
) -> Result<Vec<StaffResponse>, ApiError> {
    let auth = auth.clone();
    let staff = state
        .db
        .run(move |conn| {
            let business = load_visible_business(conn, &auth.actor, &id)?;
            if !(auth.actor.is_staff_of(&business.id) || auth.role() == Role::Admin) {
                return Err(ApiError::forbidden(
                    "Only the business's staff see its staff list.",
                ));
            }
            Ok(list_staff(conn, &business.id)?)
        })
        .await?;
    staff.into_iter().map(StaffResponse::try_from).collect()
}

/// A new staff member, invited by email.
#[derive(Debug, Deserialize, ToSchema)]
pub struct InviteStaffRequest {
    #[serde(flatten)]
    pub account: AccountFields,
    /// `handler` (default) or `owner`.
    #[schema(value_type = Option<StaffRole>)]
    pub staff_role: Option<String>,
}

/// Invites a staff member (owner only); they set a password from the email.
#[utoipa::path(post, path = "/api/v1/businesses/{id}/staff", tag = "businesses",
    params(("id" = String, Path)), request_body = InviteStaffRequest,
    responses((status = 201, body = StaffResponse), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn invite_staff(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<String>,
    body: Json<InviteStaffRequest>,
) -> Result<HttpResponse, ApiError> {
    let staff = invite_staff_for(&state, &auth, path.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Created().json(staff))
}

/// Invites a staff member to business `id` as `auth` (its owner).
pub async fn invite_staff_for(
    state: &AppState,
    auth: &AuthUser,
    id: String,
    body: InviteStaffRequest,
) -> Result<StaffResponse, ApiError> {
    let mut errors = FieldErrors::default();
    let account = parse_account(&mut errors, "", &body.account);
    if account.as_ref().is_some_and(|a| a.email.is_none()) {
        errors.add("email", "required", "an invitation needs an email address");
    }
    let staff_role = match body
        .staff_role
        .as_deref()
        .unwrap_or("handler")
        .parse::<StaffRole>()
    {
        Ok(role) => Some(role),
        Err(_) => {
            errors.add("staff_role", "invalid_staff_role", "use owner or handler");
            None
        }
    };
    errors.finish()?;
    let (account, staff_role) = (checked(account)?, checked(staff_role)?);
    let now = state.clock.now();
    let (pii, inviter, actor) = (state.pii.clone(), state.inviter(), auth.actor.clone());
    let user = state
        .db
        .run(move |conn| {
            let business = load_owned_business(conn, &actor, &id)?;
            crate::onboarding::business::invite_staff(
                conn, &pii, &inviter, &business, &account, staff_role, now,
            )
        })
        .await?;
    StaffResponse::try_from(user)
}

/// Removes a staff member who left (owner only; not the last owner, not oneself): the account
/// is deactivated and every session of it ends at once, so a departed handler keeps no access.
#[utoipa::path(delete, path = "/api/v1/businesses/{id}/staff/{user_id}", tag = "businesses",
    params(("id" = String, Path), ("user_id" = String, Path)),
    responses((status = 204, description = "Removed"), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn remove_staff(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, user_id) = path.into_inner();
    remove_staff_for(&state, &auth, id, user_id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Removes staff member `user_id` from business `id` as `auth` (another owner).
pub async fn remove_staff_for(
    state: &AppState,
    auth: &AuthUser,
    id: String,
    user_id: String,
) -> Result<(), ApiError> {
    if user_id == auth.id() {
        return Err(ApiError::forbidden(
            "You cannot remove yourself; another owner can.",
        ));
    }
    let actor = auth.actor.clone();
    let member = user_id.clone();
    // Checked in the transaction that deactivates, one removal per business at a time: two
    // owners removing each other at once cannot leave the business without an owner.
    let guard = move |conn: &mut crate::store::DbConn| {
        crate::store::lock_key(conn, &format!("business-staff:{id}"))?;
        let business = load_owned_business(conn, &actor, &id)?;
        let staff = crate::store::users::list_staff(conn, &business.id)?;
        let active = |s: &&User| s.is_active;
        if !staff.iter().filter(active).any(|s| s.id == actor.user_id) {
            return Err(ApiError::forbidden(
                "Your account was removed from this business.",
            ));
        }
        // The caller is an active owner and not the one removed: an owner always remains.
        staff
            .iter()
            .find(|s| s.id == member)
            .ok_or_else(|| ApiError::new(ErrorCode::StaffNotFound, "No such staff member."))?;
        Ok(())
    };
    super::admin::set_account_active(state, auth, user_id, false, guard).await
}

/// The five conditions of an ODR unit, each declared met.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
pub struct ConditionsRequest {
    pub handling_place: bool,
    pub staff: bool,
    pub computer: bool,
    pub dedicated_phone: bool,
    pub written_procedure: bool,
}

/// An application for ODR-unit status.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ApplicationRequest {
    /// Must be `true`: the owner accepts the undertaking.
    pub accept_undertaking: bool,
    /// The version shown to the owner (`GET /api/v1/undertaking`).
    pub undertaking_version: String,
    pub conditions: ConditionsRequest,
}

/// Applies for ODR-unit status (owner only); the regulator of the region decides.
#[utoipa::path(post, path = "/api/v1/businesses/{id}/application", tag = "units",
    params(("id" = String, Path)), request_body = ApplicationRequest,
    responses((status = 201, body = UnitResponse), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn apply(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<String>,
    body: Json<ApplicationRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let mut errors = FieldErrors::default();
    if !body.accept_undertaking {
        errors.add(
            "accept_undertaking",
            "undertaking_not_accepted",
            "the undertaking must be accepted",
        );
    }
    if body.undertaking_version != UNDERTAKING_VERSION {
        errors.add(
            "undertaking_version",
            "undertaking_outdated",
            format!("the current undertaking is version {UNDERTAKING_VERSION}"),
        );
    }
    let c = body.conditions;
    let conditions = Conditions {
        handling_place: c.handling_place,
        staff: c.staff,
        computer: c.computer,
        dedicated_phone: c.dedicated_phone,
        written_procedure: c.written_procedure,
    };
    for unmet in conditions.unmet() {
        errors.add(
            &format!("conditions.{unmet}"),
            "condition_not_met",
            "an ODR unit must meet all five conditions",
        );
    }
    errors.finish()?;
    let id = path.into_inner();
    let now = state.clock.now();
    let response = state
        .db
        .run(move |conn| {
            let business = load_owned_business(conn, &auth.actor, &id)?;
            let actor = units::Actor {
                id: auth.id(),
                role: auth.role(),
            };
            let unit = crate::store::write_transaction(conn, |conn| {
                apply_for_unit(conn, &business.id, conditions, actor, now)
            })
            .map_err(|e| match e {
                ApplyError::AlreadyEnrolled(status) => ApiError::new(
                    ErrorCode::UnitAlreadyEnrolled,
                    format!("The business is already {status} as an ODR unit."),
                ),
                ApplyError::Store(e) => e.into(),
            })?;
            unit_response(conn, unit, business)
        })
        .await?;
    Ok(HttpResponse::Created().json(response))
}
