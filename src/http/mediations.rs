//! Mediation (docs/mediation.md) over HTTP: enrolling mediators, the parties' requests, the
//! referral, and the mediator's messages, sessions and outcome. The rules are in
//! `disputes::mediation`.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::accounts::{AccountFields, parse_account};
use super::auth::AuthUser;
use crate::disputes::mediation::{
    self as rules, AgreementInput, ConcludeInput, DisputeMediation, EnrolInput, RecordInput,
    ReferInput, SessionInput, Viewer, day_of,
};
use crate::disputes::view::{DisputeView, build_view};
use crate::domain::claim::Remedy;
use crate::domain::dispute::Party;
use crate::domain::mediation::{
    MediationOrigin, MediationOutcome, MediationState, MediatorKind, SessionMode, SessionOutcome,
};
use crate::domain::region::RegionCode;
use crate::domain::role::Role;
use crate::error::{ApiError, FieldErrors, checked};
use crate::http::json::Json;
use crate::store::mediations::{Mediation, MediationRequest, Mediator, Session};
use crate::store::users::User;
use crate::store::{StoreError, from_db_time};

/// Registers the routes of this module.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/mediators")
            .route(web::get().to(list_mediators))
            .route(web::post().to(enrol)),
    )
    .service(web::resource("/disputes/{id}/mediation").route(web::get().to(of_dispute)))
    .service(
        web::resource("/disputes/{id}/mediation-requests")
            .route(web::post().to(ask))
            .route(web::delete().to(take_back)),
    )
    .service(web::resource("/disputes/{id}/mediations").route(web::post().to(refer)))
    .service(web::resource("/mediations").route(web::get().to(list)))
    .service(web::resource("/mediations/{id}").route(web::get().to(get)))
    .service(web::resource("/mediations/{id}/messages").route(web::post().to(write)))
    .service(web::resource("/mediations/{id}/sessions").route(web::post().to(schedule)))
    .service(web::resource("/mediations/{id}/sessions/{seq}/record").route(web::post().to(record)))
    .service(web::resource("/mediations/{id}/outcome").route(web::post().to(conclude)))
    .service(web::resource("/mediations/{id}/fulfilment").route(web::post().to(fulfil)))
    .service(web::resource("/mediations/{id}/withdrawal").route(web::post().to(withdraw)))
    .service(web::resource("/mediation-figures").route(web::get().to(figures)));
}

/// A mediator to enrol; they are invited by email to set their password.
#[derive(Debug, Deserialize, ToSchema)]
pub struct EnrolRequest {
    #[serde(flatten)]
    pub account: AccountFields,
    pub kind: MediatorKind,
    /// The body they mediate for, e.g. 西湖区消费纠纷人民调解委员会 (2–100 characters).
    pub organisation: String,
    /// The region they serve: the caller's or one inside it. They take disputes of that
    /// region and of the regions inside it.
    pub region_code: String,
}

/// An enrolled mediator.
#[derive(Debug, Serialize, ToSchema)]
pub struct MediatorDto {
    pub id: String,
    pub display_name: String,
    pub email: Option<String>,
    pub kind: MediatorKind,
    pub organisation: String,
    pub region_code: Option<String>,
    pub is_active: bool,
    pub enrolled_at: DateTime<Utc>,
}

impl MediatorDto {
    fn of(m: Mediator, u: User) -> Result<Self, ApiError> {
        Ok(Self {
            id: u.id,
            display_name: u.display_name,
            email: u.email,
            kind: m.kind.parse().map_err(StoreError::from)?,
            organisation: m.organisation,
            region_code: u.region_code,
            is_active: u.is_active,
            enrolled_at: from_db_time(m.enrolled_at),
        })
    }

    fn all(rows: Vec<(Mediator, User)>) -> Result<Vec<Self>, ApiError> {
        rows.into_iter().map(|(m, u)| Self::of(m, u)).collect()
    }
}

/// Enrols a mediator (people's mediator, association mediator, volunteer lawyer) of the
/// caller's region or of one inside it and emails them an invitation (regulators).
#[utoipa::path(post, path = "/api/v1/mediators", tag = "mediation",
    request_body = EnrolRequest,
    responses((status = 201, body = MediatorDto), (status = 403, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn enrol(
    state: web::Data<AppState>,
    auth: AuthUser,
    body: Json<EnrolRequest>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Created().json(enrol_for(&state, &auth, body.into_inner()).await?))
}

/// Enrols the mediator `request` describes, as `auth`.
pub async fn enrol_for(
    state: &AppState,
    auth: &AuthUser,
    request: EnrolRequest,
) -> Result<MediatorDto, ApiError> {
    auth.require_role(&[Role::Regulator])?;
    let mut errors = FieldErrors::default();
    let account = parse_account(&mut errors, "", &request.account);
    if account.as_ref().is_some_and(|a| a.email.is_none()) {
        errors.add("email", "required", "an invitation needs an email address");
    }
    errors.finish()?;
    let input = EnrolInput {
        account: checked(account)?,
        kind: request.kind,
        organisation: request.organisation,
        region_code: request.region_code,
    };
    let (actor, now) = (auth.actor.clone(), state.clock.now());
    let (pii, inviter) = (state.pii.clone(), state.inviter());
    let (m, u) = state
        .db
        .run(move |conn| rules::enrol(conn, &actor, &pii, &inviter, &input, now))
        .await?;
    MediatorDto::of(m, u)
}

/// The mediators of the caller's region, of the regions inside it and of those it lies in, by
/// organisation and name (regulators).
#[utoipa::path(get, path = "/api/v1/mediators", tag = "mediation",
    responses((status = 200, body = [MediatorDto]), (status = 403, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn list_mediators(
    state: web::Data<AppState>,
    auth: AuthUser,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(mediators_for(&state, &auth).await?))
}

/// The mediators `auth` sees.
pub async fn mediators_for(
    state: &AppState,
    auth: &AuthUser,
) -> Result<Vec<MediatorDto>, ApiError> {
    let actor = auth.actor.clone();
    let rows = state
        .db
        .read(Some(&auth.user.id), move |conn| {
            rules::mediators_for(conn, &actor)
        })
        .await?;
    MediatorDto::all(rows)
}

/// A party's request for mediation.
#[derive(Debug, Serialize, ToSchema)]
pub struct RequestDto {
    pub party: Party,
    pub requested_at: DateTime<Utc>,
}

impl RequestDto {
    fn all(rows: Vec<MediationRequest>) -> Result<Vec<Self>, ApiError> {
        rows.into_iter()
            .map(|r| {
                Ok(Self {
                    party: r.party.parse().map_err(StoreError::from)?,
                    requested_at: from_db_time(r.requested_at),
                })
            })
            .collect()
    }
}

/// A session of a mediation.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionDto {
    /// 1, 2, … as scheduled.
    pub seq: i64,
    pub mode: SessionMode,
    /// Where (in person) or how to join (online).
    pub place: String,
    pub starts_at: DateTime<Utc>,
    pub scheduled_at: DateTime<Utc>,
    /// What happened, once recorded.
    pub outcome: Option<SessionOutcome>,
    pub record: Option<String>,
    pub recorded_at: Option<DateTime<Utc>>,
}

impl SessionDto {
    fn of(s: Session) -> Result<Self, ApiError> {
        Ok(Self {
            seq: s.seq,
            mode: s.mode.parse().map_err(StoreError::from)?,
            place: s.place,
            starts_at: from_db_time(s.starts_at),
            scheduled_at: from_db_time(s.scheduled_at),
            outcome: s
                .outcome
                .as_deref()
                .map(str::parse)
                .transpose()
                .map_err(StoreError::from)?,
            record: s.record,
            recorded_at: s.recorded_at.map(from_db_time),
        })
    }
}

/// A mediated agreement.
#[derive(Debug, Serialize, ToSchema)]
pub struct MediatedAgreementDto {
    pub remedy: Remedy,
    pub amount_fen: i64,
    pub terms: String,
    /// The last day (Shanghai) for the business to carry it out.
    pub fulfil_by: NaiveDate,
    /// When the business marked it carried out.
    pub fulfilled_at: Option<DateTime<Utc>>,
    /// When the consumer confirmed it.
    pub confirmed_at: Option<DateTime<Utc>>,
}

/// A mediation.
#[derive(Debug, Serialize, ToSchema)]
pub struct MediationDto {
    pub id: String,
    pub dispute_id: String,
    pub case_number: String,
    pub escalation_id: String,
    pub mediator_id: String,
    pub mediator_name: String,
    pub organisation: String,
    pub region_code: String,
    pub origin: MediationOrigin,
    pub state: MediationState,
    /// The referring regulator's note to the mediator (the mediator and regulators only).
    pub note: Option<String>,
    pub referred_at: DateTime<Utc>,
    /// When the bureau's mediation limit ends (docs/escalation.md#the-bureaus-own-deadlines).
    pub due_at: DateTime<Utc>,
    pub concluded_at: Option<DateTime<Utc>>,
    pub failure_reason: Option<String>,
    pub agreement: Option<MediatedAgreementDto>,
    pub sessions: Vec<SessionDto>,
}

impl MediationDto {
    fn of(
        m: Mediation,
        case_number: String,
        mediator_name: String,
        sessions: Vec<Session>,
        viewer: Viewer,
    ) -> Result<Self, ApiError> {
        let agreement = match (&m.remedy, m.amount_fen, &m.terms, m.fulfilment_due_at) {
            (Some(remedy), Some(amount_fen), Some(terms), Some(due)) => {
                Some(MediatedAgreementDto {
                    remedy: remedy.parse().map_err(StoreError::from)?,
                    amount_fen,
                    terms: terms.clone(),
                    fulfil_by: day_of(from_db_time(due)),
                    fulfilled_at: m.fulfilled_at.map(from_db_time),
                    confirmed_at: m.confirmed_at.map(from_db_time),
                })
            }
            _ => None,
        };
        Ok(Self {
            id: m.id,
            dispute_id: m.dispute_id,
            case_number,
            escalation_id: m.escalation_id,
            mediator_id: m.mediator_id,
            mediator_name,
            organisation: m.organisation,
            region_code: m.region_code,
            origin: m.origin.parse().map_err(StoreError::from)?,
            state: m.state.parse().map_err(StoreError::from)?,
            note: m
                .note
                .filter(|_| matches!(viewer, Viewer::Mediator | Viewer::Regulator)),
            referred_at: from_db_time(m.referred_at),
            due_at: from_db_time(m.due_at),
            concluded_at: m.concluded_at.map(from_db_time),
            failure_reason: m.failure_reason,
            agreement,
            sessions: sessions
                .into_iter()
                .map(SessionDto::of)
                .collect::<Result<_, _>>()?,
        })
    }
}

/// Reads what a [`MediationDto`] needs of `m` beside it: the mediator's name and the sessions.
fn dto_of(
    conn: &mut crate::store::DbConn,
    m: Mediation,
    case_number: String,
    viewer: Viewer,
) -> Result<MediationDto, ApiError> {
    let name = crate::store::users::find_user(conn, &m.mediator_id)?
        .map(|u| u.display_name)
        .unwrap_or_default();
    let sessions = crate::store::mediations::sessions_of(conn, &m.id)?;
    MediationDto::of(m, case_number, name, sessions, viewer)
}

/// A dispute's mediation as the caller sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct DisputeMediationDto {
    /// The parties' requests while the business handles the dispute; a regulator may refer
    /// it once both asked.
    pub requests: Vec<RequestDto>,
    /// Its mediations, the first referred first; at most one runs.
    pub mediations: Vec<MediationDto>,
    /// The caller is a party and may ask for mediation (or take the request back) now.
    pub may_request: bool,
    /// The caller is a regulator and may refer it now.
    pub may_refer: bool,
    /// For regulators: the active mediators who may take it.
    pub mediators: Vec<MediatorDto>,
}

fn dispute_dto(
    conn: &mut crate::store::DbConn,
    d: DisputeMediation,
) -> Result<DisputeMediationDto, ApiError> {
    let mut mediations = Vec::new();
    for m in d.mediations {
        mediations.push(dto_of(conn, m, d.dispute.case_number.clone(), d.viewer)?);
    }
    Ok(DisputeMediationDto {
        requests: RequestDto::all(d.requests)?,
        mediations,
        may_request: d.may_request,
        may_refer: d.may_refer,
        mediators: MediatorDto::all(d.mediators)?,
    })
}

/// The dispute's mediation: the parties' requests, its mediations with their sessions and
/// outcome, and what the caller may do (its parties, regulators of its region, and the
/// mediators it was referred to).
#[utoipa::path(get, path = "/api/v1/disputes/{id}/mediation", tag = "mediation", params(("id" = String, Path)),
    responses((status = 200, body = DisputeMediationDto), (status = 404, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn of_dispute(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(of_dispute_for(&state, &auth, path.into_inner()).await?))
}

/// Dispute `id`'s mediation as `auth` sees it.
pub async fn of_dispute_for(
    state: &AppState,
    auth: &AuthUser,
    id: String,
) -> Result<DisputeMediationDto, ApiError> {
    let actor = auth.actor.clone();
    let routes = state.settings.escalation.clone();
    state
        .db
        .read(Some(&auth.user.id), move |conn| {
            let d = rules::of_dispute(conn, &routes, &actor, &id)?;
            let own = actor.user_id.clone();
            let d = DisputeMediation {
                mediations: d
                    .mediations
                    .into_iter()
                    .filter(|m| d.viewer != Viewer::Mediator || m.mediator_id == own)
                    .collect(),
                ..d
            };
            dispute_dto(conn, d)
        })
        .await
}

/// The caller's party asks for mediation while the business handles the dispute; once both
/// parties asked, the regulators of its region are told and may refer it (its parties).
#[utoipa::path(post, path = "/api/v1/disputes/{id}/mediation-requests", tag = "mediation", params(("id" = String, Path)),
    responses((status = 200, body = [RequestDto]), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn ask(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(request_for(&state, &auth, path.into_inner(), true).await?))
}

/// Takes the caller's party's request for mediation back (its parties).
#[utoipa::path(delete, path = "/api/v1/disputes/{id}/mediation-requests", tag = "mediation", params(("id" = String, Path)),
    responses((status = 200, body = [RequestDto]), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn take_back(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(request_for(&state, &auth, path.into_inner(), false).await?))
}

/// Asks (`ask`) for mediation of dispute `id`, or takes the request back, as `auth`.
pub async fn request_for(
    state: &AppState,
    auth: &AuthUser,
    id: String,
    ask: bool,
) -> Result<Vec<RequestDto>, ApiError> {
    let (actor, user, ctx, now) = (
        auth.actor.clone(),
        auth.user.clone(),
        state.case_context(),
        state.clock.now(),
    );
    let rows = state
        .db
        .run(move |conn| rules::request(conn, &ctx, &actor, &user, &id, ask, now))
        .await?;
    RequestDto::all(rows)
}

/// Whom to refer a dispute to.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReferRequest {
    /// An active mediator of the dispute's region or of a region it lies in (see `mediators`
    /// of `GET /api/v1/disputes/{id}/mediation`).
    pub mediator_id: String,
    /// For the mediator (at most 500 characters).
    pub note: Option<String>,
}

/// Refers the dispute to a mediator (regulators of its region): from the 12315 queue while its
/// acceptance is undecided or accepted (the steps up to `mediating` are recorded), or while
/// the business handles it once both parties asked (it is escalated into the region's queue
/// first). The mediator and both parties are told.
#[utoipa::path(post, path = "/api/v1/disputes/{id}/mediations", tag = "mediation", params(("id" = String, Path)),
    request_body = ReferRequest,
    responses((status = 201, body = MediationDto), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn refer(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<String>,
    body: Json<ReferRequest>,
) -> Result<HttpResponse, ApiError> {
    let dto = refer_for(&state, &auth, path.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Created().json(dto))
}

/// Refers dispute `id` as `request` says, as `auth`.
pub async fn refer_for(
    state: &AppState,
    auth: &AuthUser,
    id: String,
    request: ReferRequest,
) -> Result<MediationDto, ApiError> {
    let (actor, user, ctx, now) = (
        auth.actor.clone(),
        auth.user.clone(),
        state.case_context(),
        state.clock.now(),
    );
    let input = ReferInput {
        mediator_id: request.mediator_id,
        note: request.note,
    };
    state
        .db
        .run(move |conn| {
            let m = rules::refer(conn, &ctx, &actor, &user, &id, &input, now)?;
            let (_, dispute, viewer) = rules::visible(conn, &actor, &m.id)?;
            dto_of(conn, m, dispute.case_number, viewer)
        })
        .await
}

/// Filters of the mediations list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only mediations in this state.
    pub state: Option<MediationState>,
}

/// The caller's mediations (mediators) or those of the caller's region (regulators), the
/// running ones first, then the latest referred first; at most 500.
#[utoipa::path(get, path = "/api/v1/mediations", tag = "mediation", params(ListQuery),
    responses((status = 200, body = [MediationDto]), (status = 403, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn list(
    state: web::Data<AppState>,
    auth: AuthUser,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(list_for(&state, &auth, query.into_inner().state).await?))
}

/// The mediations `auth` lists, in state `wanted` when given.
pub async fn list_for(
    state: &AppState,
    auth: &AuthUser,
    wanted: Option<MediationState>,
) -> Result<Vec<MediationDto>, ApiError> {
    let actor = auth.actor.clone();
    let viewer = if actor.role == Role::Mediator {
        Viewer::Mediator
    } else {
        Viewer::Regulator
    };
    state
        .db
        .read(Some(&auth.user.id), move |conn| {
            let rows = rules::list(conn, &actor, wanted)?;
            let mut names = std::collections::HashMap::new();
            let mut out = Vec::with_capacity(rows.len());
            for (m, case_number) in rows {
                if !names.contains_key(&m.mediator_id) {
                    let name = crate::store::users::find_user(conn, &m.mediator_id)?
                        .map(|u| u.display_name)
                        .unwrap_or_default();
                    names.insert(m.mediator_id.clone(), name);
                }
                let name = names[&m.mediator_id].clone();
                // A list shows the sessions' count through the state; the page has them.
                out.push(MediationDto::of(m, case_number, name, Vec::new(), viewer)?);
            }
            Ok(out)
        })
        .await
}

/// A mediation with the case file as the caller sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct MediationDetailDto {
    pub mediation: MediationDto,
    /// The dispute: its claim, timeline, messages, offers and evidence (the consumer's phone
    /// masked for the mediator and regulators).
    pub case_file: DisputeView,
    /// The caller is the mediator and it still runs: they may write, schedule, record and
    /// conclude.
    pub may_mediate: bool,
    /// The caller is the business's staff and may mark the agreement carried out.
    pub may_mark_fulfilled: bool,
    /// The caller is the consumer and may confirm the agreement carried out.
    pub may_confirm: bool,
    /// The caller is a regulator and may withdraw the referral (it still runs).
    pub may_withdraw: bool,
}

/// A mediation with its sessions and the case file (its mediator, regulators of the
/// dispute's region and its parties; 404 for anyone else).
#[utoipa::path(get, path = "/api/v1/mediations/{id}", tag = "mediation", params(("id" = String, Path)),
    responses((status = 200, body = MediationDetailDto), (status = 404, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn get(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(get_for(&state, &auth, path.into_inner()).await?))
}

/// Mediation `id` as `auth` sees it.
pub async fn get_for(
    state: &AppState,
    auth: &AuthUser,
    id: String,
) -> Result<MediationDetailDto, ApiError> {
    let actor = auth.actor.clone();
    let (calendar, pii, now) = (
        state.calendars.current(),
        state.pii.clone(),
        state.clock.now(),
    );
    state
        .db
        .read(Some(&auth.user.id), move |conn| {
            let (m, dispute, viewer) = rules::visible(conn, &actor, &id)?;
            let case_file = build_view(conn, &calendar, &pii, &dispute.id, viewer.role(), now)?;
            let agreed = m.state == MediationState::Agreed.as_str();
            let open = MediationState::parse(&m.state).is_some_and(MediationState::is_open);
            let may_mark_fulfilled =
                agreed && viewer == Viewer::Party(Party::Business) && m.fulfilled_at.is_none();
            let may_confirm = agreed
                && viewer == Viewer::Party(Party::Consumer)
                && m.fulfilled_at.is_some()
                && m.confirmed_at.is_none();
            Ok(MediationDetailDto {
                may_mediate: open && viewer == Viewer::Mediator,
                may_withdraw: open && viewer == Viewer::Regulator,
                may_mark_fulfilled,
                may_confirm,
                mediation: dto_of(conn, m, dispute.case_number, viewer)?,
                case_file,
            })
        })
        .await
}

/// A message from the mediator to both parties.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MessageRequest {
    /// 2–1,000 characters.
    pub message: String,
}

/// The mediator writes to both parties: on the dispute's timeline, and to both in the app and
/// by email (its mediator).
#[utoipa::path(post, path = "/api/v1/mediations/{id}/messages", tag = "mediation", params(("id" = String, Path)),
    request_body = MessageRequest,
    responses((status = 204), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn write(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<String>,
    body: Json<MessageRequest>,
) -> Result<HttpResponse, ApiError> {
    write_for(&state, &auth, path.into_inner(), body.into_inner().message).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Writes `message` on mediation `id` as `auth`.
pub async fn write_for(
    state: &AppState,
    auth: &AuthUser,
    id: String,
    message: String,
) -> Result<(), ApiError> {
    let (actor, ctx, now) = (auth.actor.clone(), state.case_context(), state.clock.now());
    state
        .db
        .run(move |conn| rules::write(conn, &ctx, &actor, &id, &message, now))
        .await
}

/// A session to schedule.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionRequest {
    pub mode: SessionMode,
    /// In person: where (e.g. 西湖区消费者权益保护服务站); online: how to join (2–200
    /// characters).
    pub place: String,
    /// After now, within 90 days.
    pub starts_at: DateTime<Utc>,
}

/// Schedules a session; both parties are told in the app, by email and by text message, and
/// reminded the day before (its mediator).
#[utoipa::path(post, path = "/api/v1/mediations/{id}/sessions", tag = "mediation", params(("id" = String, Path)),
    request_body = SessionRequest,
    responses((status = 201, body = SessionDto), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn schedule(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<String>,
    body: Json<SessionRequest>,
) -> Result<HttpResponse, ApiError> {
    let dto = schedule_for(&state, &auth, path.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Created().json(dto))
}

/// Schedules `request` on mediation `id` as `auth`.
pub async fn schedule_for(
    state: &AppState,
    auth: &AuthUser,
    id: String,
    request: SessionRequest,
) -> Result<SessionDto, ApiError> {
    let (actor, ctx, now) = (auth.actor.clone(), state.case_context(), state.clock.now());
    let input = SessionInput {
        mode: request.mode,
        place: request.place,
        starts_at: request.starts_at,
    };
    let row = state
        .db
        .run(move |conn| rules::schedule(conn, &ctx, &actor, &id, &input, now))
        .await?;
    SessionDto::of(row)
}

/// What happened at a session.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordRequest {
    pub outcome: SessionOutcome,
    /// What was said and agreed, or why it did not take place (2–1,000 characters).
    pub record: String,
}

/// Records what happened at a session once it started (its mediator).
#[utoipa::path(post, path = "/api/v1/mediations/{id}/sessions/{seq}/record", tag = "mediation",
    params(("id" = String, Path), ("seq" = i64, Path)),
    request_body = RecordRequest,
    responses((status = 200, body = SessionDto), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn record(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<(String, i64)>,
    body: Json<RecordRequest>,
) -> Result<HttpResponse, ApiError> {
    let (id, seq) = path.into_inner();
    Ok(HttpResponse::Ok().json(record_for(&state, &auth, id, seq, body.into_inner()).await?))
}

/// Records `request` for session `seq` of mediation `id` as `auth`.
pub async fn record_for(
    state: &AppState,
    auth: &AuthUser,
    id: String,
    seq: i64,
    request: RecordRequest,
) -> Result<SessionDto, ApiError> {
    let (actor, now) = (auth.actor.clone(), state.clock.now());
    let input = RecordInput {
        outcome: request.outcome,
        record: request.record,
    };
    let row = state
        .db
        .run(move |conn| rules::record(conn, &actor, &id, seq, &input, now))
        .await?;
    SessionDto::of(row)
}

/// An agreement reached in mediation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgreementRequest {
    pub remedy: Remedy,
    /// 0 when the remedy has no amount.
    pub amount_fen: i64,
    /// What each party does (2–2,000 characters).
    pub terms: String,
    /// The last day (Shanghai) to carry it out: today or later, within the policy's
    /// `max_fulfilment_days`.
    pub fulfil_by: NaiveDate,
}

/// How the mediation ended.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutcomeRequest {
    pub outcome: MediationOutcome,
    /// Required when agreed.
    pub agreement: Option<AgreementRequest>,
    /// Required when failed: why (2–1,000 characters).
    pub reason: Option<String>,
}

/// Records the outcome (its mediator): an agreement, which the business carries out and the
/// consumer confirms (the escalation becomes `mediated`), or a failure with its reason (the
/// escalation becomes `mediation_failed` and returns to the regulators' queue). Both parties
/// are told.
#[utoipa::path(post, path = "/api/v1/mediations/{id}/outcome", tag = "mediation", params(("id" = String, Path)),
    request_body = OutcomeRequest,
    responses((status = 200, body = MediationDto), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn conclude(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<String>,
    body: Json<OutcomeRequest>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok()
        .json(conclude_for(&state, &auth, path.into_inner(), body.into_inner()).await?))
}

/// Records `request` as mediation `id`'s outcome, as `auth`.
pub async fn conclude_for(
    state: &AppState,
    auth: &AuthUser,
    id: String,
    request: OutcomeRequest,
) -> Result<MediationDto, ApiError> {
    let input = match (request.outcome, request.agreement, request.reason) {
        (MediationOutcome::Agreed, Some(a), _) => ConcludeInput::Agreed(AgreementInput {
            remedy: a.remedy,
            amount_fen: a.amount_fen,
            terms: a.terms,
            fulfil_by: a.fulfil_by,
        }),
        (MediationOutcome::Agreed, None, _) => {
            return Err(ApiError::invalid_field(
                "agreement",
                "required",
                "an agreement's remedy, amount, terms and day",
            ));
        }
        (MediationOutcome::Failed, _, Some(reason)) => ConcludeInput::Failed { reason },
        (MediationOutcome::Failed, _, None) => {
            return Err(ApiError::invalid_field(
                "reason",
                "required",
                "why the mediation failed",
            ));
        }
    };
    let (actor, user, ctx, now) = (
        auth.actor.clone(),
        auth.user.clone(),
        state.case_context(),
        state.clock.now(),
    );
    state
        .db
        .run(move |conn| {
            let m = rules::conclude(conn, &ctx, &actor, &user, &id, &input, now)?;
            let (_, dispute, viewer) = rules::visible(conn, &actor, &m.id)?;
            dto_of(conn, m, dispute.case_number, viewer)
        })
        .await
}

/// The business marks the mediated agreement carried out, then the consumer confirms it (its
/// parties; the other party, the mediator and, on confirmation, the regulators are told).
#[utoipa::path(post, path = "/api/v1/mediations/{id}/fulfilment", tag = "mediation", params(("id" = String, Path)),
    responses((status = 200, body = MediationDto), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn fulfil(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(fulfil_for(&state, &auth, path.into_inner()).await?))
}

/// The caller's party's step on mediation `id`'s agreement.
pub async fn fulfil_for(
    state: &AppState,
    auth: &AuthUser,
    id: String,
) -> Result<MediationDto, ApiError> {
    let (actor, ctx, now) = (auth.actor.clone(), state.case_context(), state.clock.now());
    state
        .db
        .run(move |conn| {
            let m = rules::fulfilment(conn, &ctx, &actor, &id, now)?;
            let (_, dispute, viewer) = rules::visible(conn, &actor, &m.id)?;
            dto_of(conn, m, dispute.case_number, viewer)
        })
        .await
}

/// Why a referral is withdrawn.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WithdrawRequest {
    /// 2–1,000 characters, told to the mediator and both parties.
    pub reason: String,
}

/// Withdraws the referral of a running mediation (regulators of the dispute's region): it ends
/// `withdrawn`, the escalation stays `mediating`, and the dispute may be referred again or its
/// mediation ended by the regulators. The mediator and both parties are told.
#[utoipa::path(post, path = "/api/v1/mediations/{id}/withdrawal", tag = "mediation", params(("id" = String, Path)),
    request_body = WithdrawRequest,
    responses((status = 200, body = MediationDto), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn withdraw(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<String>,
    body: Json<WithdrawRequest>,
) -> Result<HttpResponse, ApiError> {
    let dto = withdraw_for(&state, &auth, path.into_inner(), body.into_inner().reason).await?;
    Ok(HttpResponse::Ok().json(dto))
}

/// Withdraws the referral of mediation `id` with `reason`, as `auth`.
pub async fn withdraw_for(
    state: &AppState,
    auth: &AuthUser,
    id: String,
    reason: String,
) -> Result<MediationDto, ApiError> {
    let (actor, ctx, now) = (auth.actor.clone(), state.case_context(), state.clock.now());
    state
        .db
        .run(move |conn| {
            let m = rules::withdraw(conn, &ctx, &actor, &id, &reason, now)?;
            let (_, dispute, viewer) = rules::visible(conn, &actor, &m.id)?;
            dto_of(conn, m, dispute.case_number, viewer)
        })
        .await
}

/// The period and region of the mediation figures.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FiguresQuery {
    /// The region (the caller's or one inside it); the caller's by default.
    pub region: Option<String>,
    /// The first day (Shanghai); the first of this month by default.
    pub from: Option<NaiveDate>,
    /// The last day (Shanghai); today by default.
    pub to: Option<NaiveDate>,
}

/// The mediation figures of one group.
#[derive(Debug, Serialize, ToSchema)]
pub struct MediationFiguresDto {
    /// Referred in the period.
    pub referred: i64,
    /// Concluded in the period: agreed and failed.
    pub concluded: i64,
    pub agreed: i64,
    pub failed: i64,
    /// agreed ÷ concluded; none without a concluded mediation.
    pub success_rate: Option<f64>,
    /// The mean working days from referral to conclusion of those concluded.
    pub mean_working_days: Option<f64>,
}

impl From<rules::Figures> for MediationFiguresDto {
    fn from(f: rules::Figures) -> Self {
        Self {
            referred: f.referred,
            concluded: f.concluded,
            agreed: f.agreed,
            failed: f.failed,
            success_rate: f.success_rate,
            mean_working_days: f.mean_working_days,
        }
    }
}

/// One mediator organisation's figures.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrganisationFiguresDto {
    pub organisation: String,
    #[serde(flatten)]
    pub figures: MediationFiguresDto,
}

/// A region's mediation figures over a period.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegionMediationFiguresDto {
    pub region_code: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub total: MediationFiguresDto,
    /// Per mediator organisation, by name.
    pub organisations: Vec<OrganisationFiguresDto>,
}

/// How many mediations were referred and concluded in a region over a period, their success
/// rate and mean duration, in total and per mediator organisation (regulators of the region).
#[utoipa::path(get, path = "/api/v1/mediation-figures", tag = "mediation", params(FiguresQuery),
    responses((status = 200, body = RegionMediationFiguresDto), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn figures(
    state: web::Data<AppState>,
    auth: AuthUser,
    query: web::Query<FiguresQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(figures_for(&state, &auth, query.into_inner()).await?))
}

/// The figures `query` asks for, as `auth`.
pub async fn figures_for(
    state: &AppState,
    auth: &AuthUser,
    query: FiguresQuery,
) -> Result<RegionMediationFiguresDto, ApiError> {
    auth.require_role(&[Role::Regulator])?;
    let own = auth
        .actor
        .region
        .clone()
        .ok_or_else(|| ApiError::forbidden("Your account has no region."))?;
    let region = match query.region.as_deref().filter(|r| !r.is_empty()) {
        None => own.clone(),
        Some(code) => RegionCode::parse(code)
            .map_err(|e| ApiError::invalid_field("region", "invalid_region_code", e.to_string()))?,
    };
    if !own.contains(&region) {
        return Err(ApiError::new(
            crate::error::ErrorCode::ScopeNotFound,
            "No such region in your view.",
        ));
    }
    let mut errors = FieldErrors::default();
    crate::oversight::check_day(&mut errors, "from", query.from);
    crate::oversight::check_day(&mut errors, "to", query.to);
    errors.finish()?;
    let today = day_of(state.clock.now());
    let to = query.to.unwrap_or(today);
    let from = query
        .from
        .unwrap_or_else(|| to - Duration::days(i64::from(chrono::Datelike::day(&to)) - 1));
    if from > to || to - from > Duration::days(3660) {
        return Err(ApiError::invalid_field(
            "from",
            "invalid_period",
            "a first day on or before the last, at most ten years apart",
        ));
    }
    let calendar = state.calendars.current();
    let prefix = region.prefix().to_string();
    let (total, groups) = state
        .db
        .read(Some(&auth.user.id), move |conn| {
            rules::figures(conn, &calendar, &prefix, from, to).map_err(ApiError::from)
        })
        .await?;
    Ok(RegionMediationFiguresDto {
        region_code: region.as_str().to_string(),
        from,
        to,
        total: total.into(),
        organisations: groups
            .into_iter()
            .map(|(organisation, f)| OrganisationFiguresDto {
                organisation,
                figures: f.into(),
            })
            .collect(),
    })
}
