//! Following cases (docs/following.md) over HTTP: the officer who follows a dispute, urges to
//! its unit, return visits, and an officer's list. The rules are in `disputes::following`.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::AppState;
use super::auth::AuthUser;
use crate::disputes::following::{self as rules, FollowInput, Following, VisitInput};
use crate::domain::following::{FollowReason, VisitChannel};
use crate::error::ApiError;
use crate::http::json::Json;
use crate::store::following::ReturnVisit;
use crate::store::from_db_time;

/// Registers the routes of this module.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/disputes/{id}/following")
            .route(web::get().to(get))
            .route(web::put().to(follow))
            .route(web::delete().to(unfollow)),
    )
    .service(web::resource("/disputes/{id}/urges").route(web::post().to(urge)))
    .service(web::resource("/disputes/{id}/return-visits").route(web::post().to(visit)))
    .service(web::resource("/followed-cases").route(web::get().to(list)));
}

/// Who is to follow a dispute.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FollowRequest {
    /// An active regulator of the dispute's region or of a region it lies in (see the
    /// `officers` of `GET /api/v1/disputes/{id}/following`).
    pub officer_id: String,
    pub reason: FollowReason,
    /// Why, for the officer (at most 500 characters).
    pub note: Option<String>,
}

/// The officer who follows a dispute.
#[derive(Debug, Serialize, ToSchema)]
pub struct FollowDto {
    pub officer_id: String,
    pub officer_name: String,
    pub reason: FollowReason,
    pub note: Option<String>,
    pub assigned_by: String,
    pub assigned_by_name: String,
    pub assigned_at: DateTime<Utc>,
}

/// A regulator who may be named to follow a dispute.
#[derive(Debug, Serialize, ToSchema)]
pub struct OfficerDto {
    pub id: String,
    pub display_name: String,
    pub region_code: Option<String>,
}

/// A return visit to the consumer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReturnVisitDto {
    pub id: String,
    pub officer_id: String,
    pub officer_name: String,
    pub visited_on: NaiveDate,
    pub channel: VisitChannel,
    /// What the consumer said, in the officer's words (removed when the dispute is
    /// anonymised).
    pub consumer_said: String,
    /// 1–5, none when the consumer would not say.
    pub satisfaction: Option<i64>,
    pub created_at: DateTime<Utc>,
}

impl ReturnVisitDto {
    fn of(v: ReturnVisit, officer_name: String) -> Result<Self, ApiError> {
        Ok(Self {
            channel: v.channel.parse().map_err(crate::store::StoreError::from)?,
            id: v.id,
            officer_id: v.officer_id,
            officer_name,
            visited_on: v.visited_on,
            consumer_said: v.consumer_said,
            satisfaction: v.satisfaction,
            created_at: from_db_time(v.created_at),
        })
    }
}

/// How a dispute is followed, for a regulator of its region.
#[derive(Debug, Serialize, ToSchema)]
pub struct FollowingDto {
    /// The officer who follows it; none when nobody does.
    pub follow: Option<FollowDto>,
    /// Return visits, oldest first.
    pub return_visits: Vec<ReturnVisitDto>,
    /// The regulators who may be named to follow it.
    pub officers: Vec<OfficerDto>,
    /// The dispute is still being handled: its unit may be urged.
    pub may_urge: bool,
    /// The dispute concluded: return visits may be recorded.
    pub may_visit: bool,
}

impl FollowingDto {
    fn of(f: Following) -> Result<Self, ApiError> {
        Ok(Self {
            follow: f
                .follow
                .map(
                    |(row, officer_name, assigned_by_name)| -> Result<_, ApiError> {
                        Ok(FollowDto {
                            reason: row.reason.parse().map_err(crate::store::StoreError::from)?,
                            officer_id: row.officer_id,
                            officer_name,
                            note: row.note,
                            assigned_by: row.assigned_by,
                            assigned_by_name,
                            assigned_at: from_db_time(row.assigned_at),
                        })
                    },
                )
                .transpose()?,
            return_visits: f
                .visits
                .into_iter()
                .map(|(v, name)| ReturnVisitDto::of(v, name))
                .collect::<Result<_, _>>()?,
            officers: f
                .officers
                .into_iter()
                .map(|u| OfficerDto {
                    id: u.id,
                    display_name: u.display_name,
                    region_code: u.region_code,
                })
                .collect(),
            may_urge: f.open,
            may_visit: f.concluded,
        })
    }
}

/// Who follows the dispute, its return visits and who may be named (regulators of its region).
#[utoipa::path(get, path = "/api/v1/disputes/{id}/following", tag = "following", params(("id" = String, Path)),
    responses((status = 200, body = FollowingDto), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn get(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(get_for(&state, &auth, path.into_inner()).await?))
}

/// How dispute `id` is followed, for `auth`.
pub async fn get_for(
    state: &AppState,
    auth: &AuthUser,
    id: String,
) -> Result<FollowingDto, ApiError> {
    let actor = auth.actor.clone();
    state
        .db
        .read(Some(&auth.user.id), move |conn| {
            FollowingDto::of(rules::following_of(conn, &actor, &id)?)
        })
        .await
}

/// Names the officer who follows the dispute (专人跟踪), in place of any before; the officer is
/// told in the app and by email (regulators of its region).
#[utoipa::path(put, path = "/api/v1/disputes/{id}/following", tag = "following", params(("id" = String, Path)),
    request_body = FollowRequest,
    responses((status = 200, body = FollowingDto), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn follow(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<String>,
    body: Json<FollowRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    follow_for(&state, &auth, id.clone(), body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(get_for(&state, &auth, id).await?))
}

/// Has `request.officer_id` follow dispute `id`, as `auth`.
pub async fn follow_for(
    state: &AppState,
    auth: &AuthUser,
    id: String,
    request: FollowRequest,
) -> Result<(), ApiError> {
    let (actor, ctx, now) = (auth.actor.clone(), state.case_context(), state.clock.now());
    let input = FollowInput {
        officer_id: request.officer_id,
        reason: request.reason,
        note: request.note,
    };
    state
        .db
        .run(move |conn| rules::follow(conn, &ctx, &actor, &id, &input, now).map(|_| ()))
        .await
}

/// Ends the following of the dispute (regulators of its region); nothing when nobody follows
/// it.
#[utoipa::path(delete, path = "/api/v1/disputes/{id}/following", tag = "following", params(("id" = String, Path)),
    responses((status = 204), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn unfollow(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    unfollow_for(&state, &auth, path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Ends the following of dispute `id`, as `auth`.
pub async fn unfollow_for(state: &AppState, auth: &AuthUser, id: String) -> Result<(), ApiError> {
    let (actor, ctx, now) = (auth.actor.clone(), state.case_context(), state.clock.now());
    state
        .db
        .run(move |conn| rules::unfollow(conn, &ctx, &actor, &id, now))
        .await
}

/// An urge to the unit.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UrgeRequest {
    /// What the unit is asked to do (2–1,000 characters), e.g. "请于明日前联系消费者并反馈处理结果".
    pub message: String,
}

/// An urge sent.
#[derive(Debug, Serialize, ToSchema)]
pub struct UrgeDto {
    /// How many of the unit's staff were told (in the app and by email).
    pub staff_told: usize,
}

/// Urges the unit of a dispute still being handled (催办): on its timeline, to every active
/// member of its staff in the app and by email (regulators of its region).
#[utoipa::path(post, path = "/api/v1/disputes/{id}/urges", tag = "following", params(("id" = String, Path)),
    request_body = UrgeRequest,
    responses((status = 201, body = UrgeDto), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn urge(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<String>,
    body: Json<UrgeRequest>,
) -> Result<HttpResponse, ApiError> {
    let told = urge_for(&state, &auth, path.into_inner(), body.into_inner().message).await?;
    Ok(HttpResponse::Created().json(UrgeDto { staff_told: told }))
}

/// Urges the unit of dispute `id` with `message`, as `auth`; how many were told.
pub async fn urge_for(
    state: &AppState,
    auth: &AuthUser,
    id: String,
    message: String,
) -> Result<usize, ApiError> {
    let (actor, ctx, now) = (auth.actor.clone(), state.case_context(), state.clock.now());
    state
        .db
        .run(move |conn| rules::urge(conn, &ctx, &actor, &id, &message, now))
        .await
}

/// A return visit as the officer reports it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VisitRequest {
    /// The day of the visit (Shanghai): on or after the day the dispute concluded, not later
    /// than today.
    pub visited_on: NaiveDate,
    pub channel: VisitChannel,
    /// What the consumer said (2–1,000 characters).
    pub consumer_said: String,
    /// The consumer's satisfaction, 1–5; absent when they would not say. Counted in the
    /// satisfaction figures while the consumer has not rated in the app.
    pub satisfaction: Option<i64>,
}

/// Records a return visit to the consumer of a concluded dispute (调查回访), by the caller
/// (regulators of its region).
#[utoipa::path(post, path = "/api/v1/disputes/{id}/return-visits", tag = "following", params(("id" = String, Path)),
    request_body = VisitRequest,
    responses((status = 201, body = ReturnVisitDto), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn visit(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<String>,
    body: Json<VisitRequest>,
) -> Result<HttpResponse, ApiError> {
    let row = visit_for(&state, &auth, path.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Created().json(row))
}

/// Records `request` on dispute `id` as `auth`.
pub async fn visit_for(
    state: &AppState,
    auth: &AuthUser,
    id: String,
    request: VisitRequest,
) -> Result<ReturnVisitDto, ApiError> {
    let (actor, now) = (auth.actor.clone(), state.clock.now());
    let name = auth.user.display_name.clone();
    let input = VisitInput {
        visited_on: request.visited_on,
        channel: request.channel,
        consumer_said: request.consumer_said,
        satisfaction: request.satisfaction,
    };
    let row = state
        .db
        .run(move |conn| rules::record_visit(conn, &actor, &id, &input, now))
        .await?;
    ReturnVisitDto::of(row, name)
}

/// Whose followed cases to list.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FollowedQuery {
    /// The officer (the caller when absent); only the disputes inside the caller's region.
    pub officer_id: Option<String>,
}

/// A dispute an officer follows.
#[derive(Debug, Serialize, ToSchema)]
pub struct FollowedCaseDto {
    pub dispute_id: String,
    pub case_number: String,
    pub business_name: String,
    pub region_code: String,
    pub status: crate::domain::dispute::Status,
    pub reason: FollowReason,
    pub note: Option<String>,
    pub assigned_at: DateTime<Utc>,
    /// Which of the business's due moments matters now: first contact while awaited,
    /// settlement while the parties negotiate; none while paused, once they agreed or once the
    /// dispute concluded.
    pub due: Option<crate::domain::dispute::Deadline>,
    /// That due moment.
    pub due_at: Option<DateTime<Utc>>,
    pub concluded_at: Option<DateTime<Utc>>,
    /// How many times its unit was urged, and when last.
    pub urges: i64,
    pub last_urged_at: Option<DateTime<Utc>>,
    /// How many return visits it had, and the latest one's day.
    pub return_visits: i64,
    pub last_visited_on: Option<NaiveDate>,
    /// The consumer's rating in the app, if any.
    pub rating: Option<i64>,
    /// Once escalated to the builtin queue, the bureau's limit running on it
    /// (docs/escalation.md#the-bureaus-own-deadlines), and its due moment.
    pub bureau_deadline: Option<crate::domain::bureau::BureauDeadline>,
    pub bureau_due_at: Option<DateTime<Utc>>,
}

/// The disputes an officer follows (我跟踪的案件): those still handled first, the nearest due
/// date first, then the concluded, the latest first (regulators; at most 500, the open ones
/// first). An `officer_id` that is not a regulator's account is refused (422).
#[utoipa::path(get, path = "/api/v1/followed-cases", tag = "following", params(FollowedQuery),
    responses((status = 200, body = Vec<FollowedCaseDto>), (status = 403, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn list(
    state: web::Data<AppState>,
    auth: AuthUser,
    query: web::Query<FollowedQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(list_for(&state, &auth, query.into_inner()).await?))
}

/// The cases `query.officer_id` (or `auth`) follows, as `auth` may list them.
pub async fn list_for(
    state: &AppState,
    auth: &AuthUser,
    query: FollowedQuery,
) -> Result<Vec<FollowedCaseDto>, ApiError> {
    let (actor, calendar) = (auth.actor.clone(), state.calendars.current());
    state
        .db
        .read(Some(&auth.user.id), move |conn| {
            let items = rules::followed_list(conn, &calendar, &actor, query.officer_id.as_deref())?;
            items
                .into_iter()
                .map(|i| -> Result<_, ApiError> {
                    let due = rules::due_now(&i.row);
                    let r = i.row;
                    let parse = crate::store::StoreError::from;
                    Ok(FollowedCaseDto {
                        status: r.status.parse().map_err(parse)?,
                        reason: r.follow.reason.parse().map_err(parse)?,
                        due: due.map(|(deadline, _)| deadline),
                        due_at: due.map(|(_, at)| from_db_time(at)),
                        dispute_id: r.follow.dispute_id,
                        case_number: r.case_number,
                        business_name: r.business_name,
                        region_code: r.region_code,
                        note: r.follow.note,
                        assigned_at: from_db_time(r.follow.assigned_at),
                        concluded_at: r.concluded_at.map(from_db_time),
                        urges: i.urges.map_or(0, |u| u.0),
                        last_urged_at: i.urges.map(|u| u.1),
                        return_visits: i.visits.map_or(0, |v| v.0),
                        last_visited_on: i.visits.map(|v| v.1),
                        rating: r.rating,
                        bureau_deadline: i.bureau.map(|(d, _)| d),
                        bureau_due_at: i.bureau.map(|(_, at)| at),
                    })
                })
                .collect()
        })
        .await
}
