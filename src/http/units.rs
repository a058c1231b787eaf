//! ODR units: scoped listings, one unit's record with history and commitments, regulator
//! decisions, and the owner's commitments.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::auth::AuthUser;
use super::pagination::{PageParams, split_page};
use crate::domain::access::Actor;
use crate::domain::commitment::{Commitment, CommitmentKind};
use crate::domain::role::Role;
use crate::domain::text::BoundedText;
use crate::domain::unit::{UnitDecision, UnitStatus};
use crate::error::{ApiError, FieldErrors};
use crate::http::json::Json;
use crate::onboarding::units::{decide, load_visible_unit, set_commitments};
use crate::store::businesses::Business;
use crate::store::units::{self, CommitmentRow, OdrUnit, UnitFilter, UnitScope};
use crate::store::{DbConn, from_db_time};

/// Registers the routes of this module.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/units").route(web::get().to(list_units)))
        .service(web::resource("/units/{id}").route(web::get().to(get_unit)))
        .service(web::resource("/units/{id}/actions").route(web::post().to(act_on_unit)))
        .service(web::resource("/units/{id}/commitments").route(web::put().to(put_commitments)));
}

/// A commitment as shown and as set.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CommitmentDto {
    #[schema(value_type = CommitmentKind)]
    pub kind: String,
    /// Days for no-reason returns (returns only).
    pub return_days: Option<u32>,
    /// Conditions of no-reason returns (returns only).
    pub conditions: Option<String>,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
}

impl From<CommitmentRow> for CommitmentDto {
    fn from(row: CommitmentRow) -> Self {
        Self {
            kind: row.kind,
            return_days: row.return_days.and_then(|d| u32::try_from(d).ok()),
            conditions: row.conditions,
            valid_from: row.valid_from,
            valid_to: row.valid_to,
        }
    }
}

/// One step of a unit's history.
#[derive(Debug, Serialize, serde::Deserialize, ToSchema)]
pub struct StatusChangeDto {
    pub from_status: Option<UnitStatus>,
    pub to_status: UnitStatus,
    pub actor_id: String,
    pub actor_role: Role,
    pub reason: String,
    pub changed_at: DateTime<Utc>,
}

/// The five declared conditions.
#[derive(Debug, Serialize, serde::Deserialize, ToSchema)]
pub struct ConditionsDto {
    pub handling_place: bool,
    pub staff: bool,
    pub computer: bool,
    pub dedicated_phone: bool,
    pub written_procedure: bool,
}

/// A unit with its business, history and commitments.
#[derive(Debug, Serialize, serde::Deserialize, ToSchema)]
pub struct UnitResponse {
    pub id: String,
    pub status: UnitStatus,
    pub business_id: String,
    pub business_name: String,
    pub uscc: String,
    pub industry_code: String,
    pub region_code: String,
    pub association_id: Option<String>,
    pub undertaking_version: String,
    pub undertaking_accepted_at: DateTime<Utc>,
    pub conditions: ConditionsDto,
    pub applied_at: DateTime<Utc>,
    pub activated_at: Option<DateTime<Utc>>,
    pub status_changed_at: DateTime<Utc>,
    pub history: Vec<StatusChangeDto>,
    pub commitments: Vec<CommitmentDto>,
}

/// A unit in a listing.
#[derive(Debug, Serialize, serde::Deserialize, ToSchema)]
pub struct UnitListItem {
    pub id: String,
    pub status: UnitStatus,
    pub business_id: String,
    pub business_name: String,
    pub uscc: String,
    pub industry_code: String,
    pub region_code: String,
    pub association_id: Option<String>,
    pub applied_at: DateTime<Utc>,
    pub status_changed_at: DateTime<Utc>,
}

/// A page of units.
#[derive(Debug, Serialize, serde::Deserialize, ToSchema)]
pub struct UnitPage {
    pub items: Vec<UnitListItem>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Builds the full record of a unit (two more queries: history and commitments).
pub fn unit_response(
    conn: &mut DbConn,
    unit: OdrUnit,
    business: Business,
) -> Result<UnitResponse, ApiError> {
    let history = units::list_history(conn, &unit.id)?;
    let commitments = units::list_commitments(conn, std::slice::from_ref(&unit.id))?;
    Ok(UnitResponse {
        id: unit.id,
        status: unit.status.parse()?,
        business_id: business.id,
        business_name: business.name,
        uscc: business.uscc,
        industry_code: business.industry_code,
        region_code: business.region_code,
        association_id: business.association_id,
        undertaking_version: unit.commitment_version,
        undertaking_accepted_at: from_db_time(unit.commitment_accepted_at),
        conditions: ConditionsDto {
            handling_place: unit.has_handling_place,
            staff: unit.has_staff,
            computer: unit.has_computer,
            dedicated_phone: unit.has_dedicated_phone,
            written_procedure: unit.has_written_procedure,
        },
        applied_at: from_db_time(unit.applied_at),
        activated_at: unit.activated_at.map(from_db_time),
        status_changed_at: from_db_time(unit.status_changed_at),
        history: history
            .into_iter()
            .map(|h| -> Result<_, ApiError> {
                Ok(StatusChangeDto {
                    from_status: h.from_status.as_deref().map(str::parse).transpose()?,
                    to_status: h.to_status.parse()?,
                    actor_id: h.actor_id,
                    actor_role: h.actor_role.parse()?,
                    reason: h.reason,
                    changed_at: from_db_time(h.changed_at),
                })
            })
            .collect::<Result<_, _>>()?,
        commitments: commitments.into_iter().map(CommitmentDto::from).collect(),
    })
}

/// Filters of the unit listing.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UnitQuery {
    /// Only units in these statuses, comma-separated (e.g. `pending,active`).
    pub status: Option<String>,
    /// Part of the business name or address, or a word for an industry ("饭店", "4S店").
    pub q: Option<String>,
    pub industry: Option<String>,
    /// A region code; units in it and its sub-regions.
    pub region: Option<String>,
    /// Items per page, 1–200 (default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// The units the caller may see: a regulator's region, an association's members, a
/// merchant's own unit, or all for admins.
fn scope_of(actor: &Actor) -> Result<UnitScope, ApiError> {
    match actor.role {
        Role::Admin => Ok(UnitScope::All),
        Role::Regulator => actor
            .region
            .as_ref()
            .map(|r| UnitScope::RegionPrefix(r.prefix().to_string()))
            .ok_or_else(|| ApiError::forbidden("Your account has no region.")),
        Role::AssociationAdmin => actor
            .association_id
            .clone()
            .map(UnitScope::Association)
            .ok_or_else(|| ApiError::forbidden("Your account has no association.")),
        Role::MerchantStaff => actor
            .business_id
            .clone()
            .map(UnitScope::Business)
            .ok_or_else(|| ApiError::forbidden("Your account has no business.")),
        Role::Consumer | Role::Mediator => Err(ApiError::forbidden(
            "Consumers and mediators find units in the public directory (/api/v1/public/units).",
        )),
    }
}

/// Parses the shared listing filters.
pub fn parse_unit_filter(
    status: Option<&str>,
    q: Option<&str>,
    industry: Option<&str>,
    region: Option<&str>,
    page: &PageParams,
) -> Result<UnitFilter, ApiError> {
    let mut errors = FieldErrors::default();
    let statuses = super::filters::several(
        &mut errors,
        "status",
        "invalid_status",
        &UnitStatus::names(),
        status,
        UnitStatus::parse,
    );
    let region_prefix = region
        .map(|r| {
            errors
                .check(
                    "region",
                    "invalid_region_code",
                    crate::domain::region::RegionCode::parse(r),
                )
                .map(|code| code.prefix().to_string())
        })
        .unwrap_or(None);
    let limit = page.limit().map_err(|e| errors.absorb(e)).ok();
    let after_id = page.cursor().map_err(|e| errors.absorb(e)).ok();
    errors.finish()?;
    let text = q
        .map(str::trim)
        .filter(|q| !q.is_empty())
        .map(str::to_string);
    Ok(UnitFilter {
        statuses,
        industries_meant: text
            .as_deref()
            .map(crate::domain::industry::industries_meant)
            .unwrap_or_default()
            .into_iter()
            .map(str::to_string)
            .collect(),
        text,
        industry_code: industry.map(str::to_string),
        region_prefix,
        after_id: after_id.flatten(),
        limit: limit.unwrap_or(super::pagination::DEFAULT_LIMIT) + 1,
    })
}

/// Lists units within the caller's scope.
#[utoipa::path(get, path = "/api/v1/units", tag = "units", params(UnitQuery),
    responses((status = 200, body = UnitPage), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn list_units(
    state: web::Data<AppState>,
    auth: AuthUser,
    query: web::Query<UnitQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(list_units_for(&state, &auth, query.into_inner()).await?))
}

/// The units `auth` oversees, filtered by `query`.
pub async fn list_units_for(
    state: &AppState,
    auth: &AuthUser,
    query: UnitQuery,
) -> Result<UnitPage, ApiError> {
    let scope = scope_of(&auth.actor)?;
    let page = PageParams {
        limit: query.limit.clone(),
        cursor: query.cursor.clone(),
    };
    let filter = parse_unit_filter(
        query.status.as_deref(),
        query.q.as_deref(),
        query.industry.as_deref(),
        query.region.as_deref(),
        &page,
    )?;
    let limit = filter.limit - 1;
    let rows = state
        .db
        .run(move |conn| units::list_units(conn, &scope, &filter).map_err(ApiError::from))
        .await?;
    let (rows, next_cursor) = split_page(rows, limit, |(unit, _)| unit.id.clone());
    let items = rows
        .into_iter()
        .map(|(unit, business)| -> Result<_, ApiError> {
            Ok(UnitListItem {
                id: unit.id,
                status: unit.status.parse()?,
                business_id: business.id,
                business_name: business.name,
                uscc: business.uscc,
                industry_code: business.industry_code,
                region_code: business.region_code,
                association_id: business.association_id,
                applied_at: from_db_time(unit.applied_at),
                status_changed_at: from_db_time(unit.status_changed_at),
            })
        })
        .collect::<Result<_, _>>()?;
    Ok(UnitPage { items, next_cursor })
}

/// One unit's full record.
#[utoipa::path(get, path = "/api/v1/units/{id}", tag = "units", params(("id" = String, Path)),
    responses((status = 200, body = UnitResponse), (status = 404, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn get_unit(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(get_unit_for(&state, &auth, path.into_inner()).await?))
}

/// Unit `id` as `auth` may see it.
pub async fn get_unit_for(
    state: &AppState,
    auth: &AuthUser,
    id: String,
) -> Result<UnitResponse, ApiError> {
    let actor = auth.actor.clone();
    state
        .db
        .run(move |conn| {
            let (unit, business) = load_visible_unit(conn, &actor, &id)?;
            unit_response(conn, unit, business)
        })
        .await
}

/// A regulator's decision on a unit.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UnitActionRequest {
    #[schema(value_type = UnitDecision)]
    pub action: String,
    /// Required for reject, suspend and remove (2–500 characters).
    pub reason: Option<String>,
}

/// Approves, rejects, suspends, reinstates or removes a unit (regulator of its region).
/// Each step is kept in the unit's history with actor, reason and time.
#[utoipa::path(post, path = "/api/v1/units/{id}/actions", tag = "units", params(("id" = String, Path)),
    request_body = UnitActionRequest,
    responses((status = 200, body = UnitResponse), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn act_on_unit(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<String>,
    body: Json<UnitActionRequest>,
) -> Result<HttpResponse, ApiError> {
    let unit = act_on_unit_for(&state, &auth, path.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(unit))
}

/// A regulator's decision on unit `id`.
pub async fn act_on_unit_for(
    state: &AppState,
    auth: &AuthUser,
    id: String,
    body: UnitActionRequest,
) -> Result<UnitResponse, ApiError> {
    let mut errors = FieldErrors::default();
    let decision = UnitDecision::parse(&body.action);
    if decision.is_none() {
        errors.add(
            "action",
            "invalid_action",
            "use approve, reject, suspend, reinstate or remove",
        );
    }
    let needs_reason = decision.is_some_and(UnitDecision::needs_reason);
    let reason = match body.reason.as_deref().filter(|r| !r.trim().is_empty()) {
        Some(reason) => errors
            .check(
                "reason",
                "invalid_length",
                BoundedText::parse(reason, 2, 500),
            )
            .map(BoundedText::into_string),
        None if needs_reason => {
            errors.add(
                "reason",
                "reason_required",
                "give the reason for this decision",
            );
            None
        }
        None => Some(String::new()),
    };
    errors.finish()?;
    let (Some(decision), Some(reason)) = (decision, reason) else {
        return Err(ApiError::internal("validated action missing"));
    };
    let now = state.clock.now();
    let ctx = state.case_context();
    let actor = auth.actor.clone();
    state
        .db
        .run(move |conn| {
            let (unit, business) = decide(conn, &ctx, &actor, &id, decision, &reason, now)?;
            unit_response(conn, unit, business)
        })
        .await
}

/// The unit's commitments, replacing the current ones.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CommitmentsRequest {
    pub commitments: Vec<CommitmentDto>,
}

fn parse_commitments(items: &[CommitmentDto]) -> Result<Vec<Commitment>, ApiError> {
    let mut errors = FieldErrors::default();
    let mut parsed = Vec::new();
    let mut kinds = std::collections::HashSet::new();
    for (i, item) in items.iter().enumerate() {
        let Some(kind) = CommitmentKind::parse(&item.kind) else {
            errors.add(
                &format!("commitments[{i}].kind"),
                "invalid_commitment_kind",
                "use rights_service_station, trusted_consumption_store or offline_no_reason_return",
            );
            continue;
        };
        if !kinds.insert(kind) {
            errors.add(
                &format!("commitments[{i}].kind"),
                "duplicate_commitment",
                "each kind appears once",
            );
            continue;
        }
        match Commitment::new(
            kind,
            item.return_days,
            item.conditions.clone(),
            item.valid_from,
            item.valid_to,
        ) {
            Ok(c) => parsed.push(c),
            Err(e) => errors.add(
                &format!("commitments[{i}].{}", e.field),
                "invalid_commitment",
                e.reason,
            ),
        }
    }
    errors.finish()?;
    Ok(parsed)
}

/// Sets the unit's commitments (owner only).
#[utoipa::path(put, path = "/api/v1/units/{id}/commitments", tag = "units", params(("id" = String, Path)),
    request_body = CommitmentsRequest,
    responses((status = 200, body = UnitResponse), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn put_commitments(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<String>,
    body: Json<CommitmentsRequest>,
) -> Result<HttpResponse, ApiError> {
    let unit = put_commitments_for(&state, &auth, path.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(unit))
}

/// Replaces unit `id`'s commitments as `auth` (the business's owner).
pub async fn put_commitments_for(
    state: &AppState,
    auth: &AuthUser,
    id: String,
    body: CommitmentsRequest,
) -> Result<UnitResponse, ApiError> {
    let commitments = parse_commitments(&body.commitments)?;
    let now = state.clock.now();
    let actor = auth.actor.clone();
    state
        .db
        .run(move |conn| {
            let (unit, business) = set_commitments(conn, &actor, &id, &commitments, now)?;
            unit_response(conn, unit, business)
        })
        .await
}
