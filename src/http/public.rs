//! The public directory of active ODR units with their commitments.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::pagination::{PageParams, split_page};
use super::units::{CommitmentDto, parse_unit_filter};
use crate::domain::commitment::is_in_force;
use crate::domain::metrics::{Counters, Figures};
use crate::domain::text_enum::text_enum;
use crate::domain::unit::UnitStatus;
use crate::error::{ApiError, ErrorCode};
use crate::store::businesses::Business;
use crate::store::from_db_time;
use crate::store::units::{self, CommitmentRow, OdrUnit, UnitScope};

/// Registers the routes of this module.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/public/units").route(web::get().to(directory)))
        .service(web::resource("/public/units/{id}").route(web::get().to(directory_entry)));
}

/// Search of the directory.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DirectoryQuery {
    /// Part of the business name or address, or a word for an industry ("饭店", "4S店").
    pub q: Option<String>,
    /// Industry code.
    pub industry: Option<String>,
    /// Region code; units in it and its sub-regions.
    pub region: Option<String>,
    /// Items per page, 1–200 (default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// An active unit as the public sees it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PublicUnit {
    pub id: String,
    pub name: String,
    pub uscc: String,
    pub industry_code: String,
    pub region_code: String,
    pub address: String,
    /// The unit's dedicated complaint phone.
    pub complaint_phone: String,
    pub status: UnitStatus,
    pub member_since: Option<DateTime<Utc>>,
    /// Commitments in force today.
    pub commitments: Vec<CommitmentDto>,
    pub scorecard: Scorecard,
    /// `warned` while a regulator's warning is recent (`evaluation.warning_days`).
    pub standing: Standing,
}

text_enum! {
    /// How a unit stands with its regulators, as the public sees it.
    pub enum Standing ("standing") {
        Good,
        Warned,
    }
}

/// A unit's record over the last 12 months, as the public sees it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Scorecard {
    /// Disputes filed in the last 12 months.
    pub disputes_last_12_months: i64,
    /// 按时办结率 over the disputes concluded in the last 12 months.
    pub on_time_rate: Option<f64>,
    /// 和解成功率.
    pub settlement_rate: Option<f64>,
    /// 满意度: mean rating 1–5.
    pub satisfaction_mean: Option<f64>,
    pub ratings: i64,
}

impl Scorecard {
    fn of((c, f): &(Counters, Figures)) -> Self {
        Self {
            disputes_last_12_months: c.filed,
            on_time_rate: f.on_time_rate,
            settlement_rate: f.settlement_rate,
            satisfaction_mean: f.satisfaction_mean,
            ratings: c.rated,
        }
    }
}

/// The units' figures and counters by unit.
type Scores = std::collections::HashMap<String, (Counters, Figures)>;

/// Scorecards of `ids` for the 12 months up to today, as of `now`: the same figures as
/// `/api/v1/metrics` gives for each unit over those days.
fn scorecards(
    conn: &mut crate::store::DbConn,
    ids: &[String],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Scores, ApiError> {
    let period = crate::oversight::last_twelve_months(shanghai_today(now));
    Ok(crate::oversight::unit_figures(
        conn,
        ids,
        period.from,
        period.to,
        now,
    )?)
}

/// A page of the directory.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PublicUnitPage {
    pub items: Vec<PublicUnit>,
    pub next_cursor: Option<String>,
}

fn public_unit(
    unit: OdrUnit,
    business: Business,
    commitments: &[CommitmentRow],
    scores: &Scores,
    warned: &[String],
    today: chrono::NaiveDate,
) -> Result<PublicUnit, ApiError> {
    Ok(PublicUnit {
        scorecard: Scorecard::of(&scores.get(&unit.id).cloned().unwrap_or_default()),
        standing: if warned.contains(&unit.id) {
            Standing::Warned
        } else {
            Standing::Good
        },
        commitments: commitments
            .iter()
            .filter(|c| c.unit_id == unit.id)
            .filter(|c| is_in_force(c.valid_from, c.valid_to, today))
            .cloned()
            .map(CommitmentDto::from)
            .collect(),
        id: unit.id,
        name: business.name,
        uscc: business.uscc,
        industry_code: business.industry_code,
        region_code: business.region_code,
        address: business.address,
        complaint_phone: business.contact_phone,
        status: unit.status.parse()?,
        member_since: unit.activated_at.map(from_db_time),
    })
}

fn shanghai_today(now: DateTime<Utc>) -> chrono::NaiveDate {
    now.with_timezone(&chrono_tz::Asia::Shanghai).date_naive()
}

/// Active ODR units, searchable by name, industry and region.
#[utoipa::path(get, path = "/api/v1/public/units", tag = "public", params(DirectoryQuery),
    responses((status = 200, body = PublicUnitPage), (status = 422, body = crate::error::Problem)))]
pub async fn directory(
    state: web::Data<AppState>,
    query: web::Query<DirectoryQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(directory_for(&state, query.into_inner()).await?))
}

/// A page of the public directory of active units.
pub async fn directory_for(
    state: &AppState,
    query: DirectoryQuery,
) -> Result<PublicUnitPage, ApiError> {
    let page = PageParams {
        limit: query.limit.clone(),
        cursor: query.cursor.clone(),
    };
    let filter = parse_unit_filter(
        Some(UnitStatus::Active.as_str()),
        query.q.as_deref(),
        query.industry.as_deref(),
        query.region.as_deref(),
        &page,
    )?;
    let limit = filter.limit - 1;
    let now = state.clock.now();
    let today = shanghai_today(now);
    let warned_after =
        state.clock.now() - chrono::Duration::days(state.settings.evaluation.warning_days);
    let (rows, commitments) = state
        .db
        .run(move |conn| {
            let rows = units::list_units(conn, &UnitScope::All, &filter)?;
            let ids: Vec<String> = rows.iter().map(|(u, _)| u.id.clone()).collect();
            let commitments = units::list_commitments(conn, &ids)?;
            let scores = scorecards(conn, &ids, now)?;
            let warned = crate::store::units::warned_since(conn, &ids, warned_after)?;
            Ok::<_, ApiError>((rows, (commitments, scores, warned)))
        })
        .await?;
    let (commitments, scores, warned) = commitments;
    let (rows, next_cursor) = split_page(rows, limit, |(unit, _)| unit.id.clone());
    let items = rows
        .into_iter()
        .map(|(unit, business)| public_unit(unit, business, &commitments, &scores, &warned, today))
        .collect::<Result<_, _>>()?;
    Ok(PublicUnitPage { items, next_cursor })
}

/// One active unit of the directory.
#[utoipa::path(get, path = "/api/v1/public/units/{id}", tag = "public", params(("id" = String, Path)),
    responses((status = 200, body = PublicUnit), (status = 404, body = crate::error::Problem)))]
pub async fn directory_entry(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(directory_entry_for(&state, path.into_inner()).await?))
}

/// Active unit `id` as the public sees it.
pub async fn directory_entry_for(state: &AppState, id: String) -> Result<PublicUnit, ApiError> {
    let now = state.clock.now();
    let today = shanghai_today(now);
    let warned_after =
        state.clock.now() - chrono::Duration::days(state.settings.evaluation.warning_days);
    state
        .db
        .run(move |conn| {
            let found = units::find_unit(conn, &id)?
                .filter(|(unit, _)| unit.status == UnitStatus::Active.as_str());
            let Some((unit, business)) = found else {
                return Err(ApiError::new(
                    ErrorCode::UnitNotFound,
                    "No active ODR unit with this id.",
                ));
            };
            let ids = std::slice::from_ref(&unit.id);
            let commitments = units::list_commitments(conn, ids)?;
            let scores = scorecards(conn, ids, now)?;
            let warned = crate::store::units::warned_since(conn, ids, warned_after)?;
            public_unit(unit, business, &commitments, &scores, &warned, today)
        })
        .await
}
