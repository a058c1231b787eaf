//! Administration of calendars and deadline policies (docs/deadlines.md#policies): importing a year's calendar
//! (which recomputes provisional due dates) and adding effective-dated scoped policies.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, NaiveDate, Utc};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::auth::AuthUser;
use crate::deadlines::{import_calendar_year, parse_calendar_year, scoped_policy};
use crate::domain::policy::{DayCount, DeadlinePolicy};
use crate::domain::region::RegionCode;
use crate::domain::role::Role;
use crate::error::{ApiError, ErrorCode, FieldErrors};
use crate::http::json::Json;
use crate::store::deadlines::{PolicyRow, list_policies};
use crate::store::to_db_time;

/// Largest calendar file accepted.
const CALENDAR_LIMIT_BYTES: usize = 256 * 1024;

/// Registers the routes of this module.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/admin/calendars")
            .route(web::get().to(list_calendars))
            .route(web::post().to(import_calendar)),
    )
    .service(
        web::resource("/admin/deadline-policies")
            .route(web::get().to(list_deadline_policies))
            .route(web::post().to(create_policy)),
    );
}

/// A loaded calendar year.
#[derive(Debug, Serialize, serde::Deserialize, ToSchema)]
pub struct CalendarYearResponse {
    pub jurisdiction: String,
    pub year: i32,
    /// The official notice the days come from.
    pub notice: String,
    pub holidays: usize,
    pub working_days: usize,
    /// `shipped` (under config/calendars) or `imported`.
    pub source: String,
    pub imported_at: Option<DateTime<Utc>>,
}

/// The calendar years loaded for the configured jurisdiction (admins).
#[utoipa::path(get, path = "/api/v1/admin/calendars", tag = "admin",
    responses((status = 200, body = Vec<CalendarYearResponse>), (status = 403, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn list_calendars(
    state: web::Data<AppState>,
    auth: AuthUser,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(list_calendars_for(&state, &auth).await?))
}

/// The calendar years in force (admins).
pub async fn list_calendars_for(
    state: &AppState,
    auth: &AuthUser,
) -> Result<Vec<CalendarYearResponse>, ApiError> {
    auth.require_role(&[Role::Admin])?;
    let book = state.calendars.clone();
    let sources = state
        .db
        .run(move |conn| book.sources(conn).map_err(ApiError::from))
        .await?;
    let jurisdiction = state.calendars.jurisdiction().to_string();
    Ok(sources
        .into_iter()
        .map(|s| CalendarYearResponse {
            jurisdiction: jurisdiction.clone(),
            year: s.year,
            notice: s.notice,
            holidays: s.holidays,
            working_days: s.working_days,
            source: if s.imported_at.is_some() {
                "imported"
            } else {
                "shipped"
            }
            .into(),
            imported_at: s.imported_at,
        })
        .collect())
}

/// Which calendar an import is for.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportCalendarQuery {
    /// Calendar jurisdiction (default `cn`).
    pub jurisdiction: Option<String>,
}

/// What an import did.
#[derive(Debug, Serialize, serde::Deserialize, ToSchema)]
pub struct ImportCalendarResponse {
    pub jurisdiction: String,
    pub year: i32,
    pub holidays: usize,
    pub working_days: usize,
    /// Open disputes whose provisional due dates were recomputed.
    pub recomputed_disputes: usize,
}

/// Loads one year's calendar (admins): the body is a year of the holiday-cn JSON data set or
/// this platform's TOML. Every open dispute with provisional due dates is recomputed.
#[utoipa::path(post, path = "/api/v1/admin/calendars", tag = "admin", params(ImportCalendarQuery),
    request_body(content = String, description = "holiday-cn JSON (application/json) or TOML (text/plain)", content_type = "text/plain"),
    responses((status = 200, body = ImportCalendarResponse), (status = 403, body = crate::error::Problem),
        (status = 413, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn import_calendar(
    state: web::Data<AppState>,
    auth: AuthUser,
    query: web::Query<ImportCalendarQuery>,
    _request: HttpRequest,
    mut payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::new(ErrorCode::UnreadableBody, e.to_string()))?;
        if body.len() + chunk.len() > CALENDAR_LIMIT_BYTES {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    let done = import_calendar_file(&state, &auth, query.jurisdiction.as_deref(), body).await?;
    Ok(HttpResponse::Ok().json(done))
}

fn too_large() -> ApiError {
    ApiError::new(
        ErrorCode::FileTooLarge,
        format!("a calendar file is at most {CALENDAR_LIMIT_BYTES} bytes"),
    )
}

/// Most bytes of a calendar file.
pub const CALENDAR_MAX_BYTES: usize = CALENDAR_LIMIT_BYTES;

/// Loads one year's calendar from a file's bytes (the API's body or the portal's upload).
pub async fn import_calendar_file(
    state: &web::Data<AppState>,
    auth: &AuthUser,
    jurisdiction: Option<&str>,
    body: Vec<u8>,
) -> Result<ImportCalendarResponse, ApiError> {
    auth.require_role(&[Role::Admin])?;
    if body.len() > CALENDAR_LIMIT_BYTES {
        return Err(too_large());
    }
    let jurisdiction = jurisdiction.unwrap_or("cn");
    if jurisdiction != state.calendars.jurisdiction() {
        return Err(ApiError::invalid_field(
            "jurisdiction",
            "unknown_jurisdiction",
            format!(
                "calendars are kept for `{}`",
                state.calendars.jurisdiction()
            ),
        ));
    }
    let text = String::from_utf8(body)
        .map_err(|_| ApiError::invalid_field("body", "not_utf8", "the file must be UTF-8"))?;
    let year = parse_calendar_year(&text, jurisdiction)
        .map_err(|reason| ApiError::invalid_field("body", "invalid_calendar", reason))?;
    let book = state.calendars.clone();
    let now = state.clock.now();
    let by = auth.id().to_string();
    let done = state
        .db
        .run(move |conn| {
            import_calendar_year(conn, &book, &year, Some(&by), now).map_err(ApiError::from)
        })
        .await?;
    tracing::info!(
        calendar.year = done.year,
        recomputed = done.recomputed,
        "calendar year imported"
    );
    Ok(ImportCalendarResponse {
        jurisdiction: jurisdiction.into(),
        year: done.year,
        holidays: done.holidays,
        working_days: done.working_days,
        recomputed_disputes: done.recomputed,
    })
}

/// A deadline policy with its scope.
#[derive(Debug, Serialize, serde::Deserialize, ToSchema)]
pub struct PolicyResponse {
    pub version: String,
    /// The region (and everything inside it) the policy is for; absent: everywhere.
    pub region_code: Option<String>,
    /// The industry the policy is for; absent: every industry.
    pub industry_code: Option<String>,
    pub effective_from: NaiveDate,
    pub note: String,
    pub first_contact_days: u32,
    pub settlement_days: u32,
    pub offer_expiry_working_days: u32,
    pub max_extension_days: u32,
    pub max_fulfilment_days: u32,
    pub confirmation_window_days: u32,
    /// How first contact, settlement and extensions are counted.
    pub counting: DayCount,
    /// The bureau's own limits on escalated disputes, in working days.
    pub bureau: crate::domain::bureau::BureauLimits,
}

impl PolicyResponse {
    fn of(
        policy: &DeadlinePolicy,
        region: Option<String>,
        industry: Option<String>,
        from: NaiveDate,
        note: String,
    ) -> Self {
        Self {
            version: policy.version.clone(),
            region_code: region,
            industry_code: industry,
            effective_from: from,
            note,
            first_contact_days: policy.first_contact_working_days,
            settlement_days: policy.settlement_working_days,
            offer_expiry_working_days: policy.offer_expiry_working_days,
            max_extension_days: policy.max_extension_working_days,
            max_fulfilment_days: policy.max_fulfilment_days,
            confirmation_window_days: policy.confirmation_window_days,
            counting: policy.counting,
            bureau: policy.bureau,
        }
    }
}

/// The policies in use: the national default from the configuration first, then every stored
/// policy by effective date (admins).
#[utoipa::path(get, path = "/api/v1/admin/deadline-policies", tag = "admin",
    responses((status = 200, body = Vec<PolicyResponse>), (status = 403, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn list_deadline_policies(
    state: web::Data<AppState>,
    auth: AuthUser,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(list_deadline_policies_for(&state, &auth).await?))
}

/// The national default and every scoped policy (admins).
pub async fn list_deadline_policies_for(
    state: &AppState,
    auth: &AuthUser,
) -> Result<Vec<PolicyResponse>, ApiError> {
    auth.require_role(&[Role::Admin])?;
    let rows = state
        .db
        .run(|conn| list_policies(conn).map_err(ApiError::from))
        .await?;
    let national = &state.settings.deadlines;
    let mut out = vec![PolicyResponse::of(
        national,
        None,
        None,
        NaiveDate::MIN,
        "national default (configuration)".into(),
    )];
    for row in rows {
        let scoped = scoped_policy(&row)?;
        out.push(PolicyResponse::of(
            &scoped.policy,
            row.region_code,
            row.industry_code,
            row.effective_from,
            row.note,
        ));
    }
    Ok(out)
}

/// A new deadline policy. Limits left out are taken from the national default.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePolicyRequest {
    /// A unique name, e.g. `hz-xihu-2027-01`.
    pub version: String,
    pub region_code: Option<String>,
    pub industry_code: Option<String>,
    /// Disputes filed on or after this day (Asia/Shanghai) get the policy.
    pub effective_from: NaiveDate,
    /// Why the policy exists, e.g. the regulator's notice.
    pub note: String,
    pub first_contact_days: Option<u32>,
    pub settlement_days: Option<u32>,
    pub offer_expiry_working_days: Option<u32>,
    pub max_extension_days: Option<u32>,
    pub max_fulfilment_days: Option<u32>,
    pub confirmation_window_days: Option<u32>,
    /// `working_days` (default) or `calendar_days`.
    #[schema(value_type = Option<DayCount>)]
    pub counting: Option<String>,
    /// The bureau's own limits on escalated disputes (working days); the national default's
    /// when left out, the statutory 7, 45, 7 and 15 for each left out inside.
    pub bureau: Option<crate::domain::bureau::BureauLimits>,
}

/// Adds an effective-dated policy for a region, an industry or both (admins). Disputes filed
/// before it takes effect keep their policy.
#[utoipa::path(post, path = "/api/v1/admin/deadline-policies", tag = "admin",
    request_body = CreatePolicyRequest,
    responses((status = 201, body = PolicyResponse), (status = 403, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn create_policy(
    state: web::Data<AppState>,
    auth: AuthUser,
    body: Json<CreatePolicyRequest>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Created().json(create_policy_for(&state, &auth, body.into_inner()).await?))
}

/// Adds a scoped deadline policy (admins).
pub async fn create_policy_for(
    state: &AppState,
    auth: &AuthUser,
    body: CreatePolicyRequest,
) -> Result<PolicyResponse, ApiError> {
    auth.require_role(&[Role::Admin])?;
    let national = &state.settings.deadlines;
    let mut errors = FieldErrors::default();
    let version = body.version.trim().to_string();
    let valid_version = (3..=60).contains(&version.chars().count())
        && version
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
    if !valid_version {
        errors.add(
            "version",
            "invalid_version",
            "3–60 characters: letters, digits, - _ .",
        );
    }
    let note = body.note.trim().to_string();
    if !(2..=500).contains(&note.chars().count()) {
        errors.add("note", "invalid_length", "2–500 characters");
    }
    let region = body
        .region_code
        .as_deref()
        .and_then(|r| errors.check("region_code", "invalid_region_code", RegionCode::parse(r)));
    if body.region_code.is_none() && body.industry_code.is_none() {
        errors.add(
            "region_code",
            "scope_required",
            "give a region, an industry or both; the national default is configuration",
        );
    }
    let counting = match body.counting.as_deref() {
        None | Some("working_days") => DayCount::WorkingDays,
        Some("calendar_days") => DayCount::CalendarDays,
        Some(_) => {
            errors.add(
                "counting",
                "invalid_counting",
                "working_days or calendar_days",
            );
            DayCount::WorkingDays
        }
    };
    let policy = DeadlinePolicy {
        version: version.clone(),
        jurisdiction: national.jurisdiction.clone(),
        first_contact_working_days: body
            .first_contact_days
            .unwrap_or(national.first_contact_working_days),
        settlement_working_days: body
            .settlement_days
            .unwrap_or(national.settlement_working_days),
        offer_expiry_working_days: body
            .offer_expiry_working_days
            .unwrap_or(national.offer_expiry_working_days),
        max_extension_working_days: body
            .max_extension_days
            .unwrap_or(national.max_extension_working_days),
        max_fulfilment_days: body
            .max_fulfilment_days
            .unwrap_or(national.max_fulfilment_days),
        confirmation_window_days: body
            .confirmation_window_days
            .unwrap_or(national.confirmation_window_days),
        counting,
        bureau: body.bureau.unwrap_or(national.bureau),
    };
    for (field, reason) in policy.problems() {
        let field = match field {
            "first_contact_working_days" => "first_contact_days",
            "settlement_working_days" => "settlement_days",
            "max_extension_working_days" => "max_extension_days",
            other => other,
        };
        errors.add(field, "out_of_range", reason);
    }
    errors.finish()?;
    let now = state.clock.now();
    let by = auth.id().to_string();
    let row = PolicyRow {
        version,
        region_code: region.map(|r| r.as_str().to_string()),
        industry_code: body.industry_code.clone(),
        effective_from: body.effective_from,
        body: serde_json::to_string(&policy).map_err(ApiError::internal)?,
        note: note.clone(),
        created_at: to_db_time(now),
        created_by: Some(by),
    };
    let stored = row.clone();
    let actor = auth.actor.clone();
    state
        .db
        .run(move |conn| crate::deadlines::create_policy(conn, &actor, &stored, now))
        .await?;
    Ok(PolicyResponse::of(
        &policy,
        row.region_code,
        row.industry_code,
        row.effective_from,
        note,
    ))
}
