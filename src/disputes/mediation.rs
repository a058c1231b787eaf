//! Mediation (docs/mediation.md): a region's regulators enrol mediators and refer escalated
//! disputes to them, from the 12315 queue or once both parties asked while the business
//! handled the dispute; the mediator writes to both parties, schedules and records sessions
//! and records the outcome. An agreement is fulfilled by the business and confirmed by the
//! consumer like a settlement; a failure puts the case back in the regulators' queue.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Asia::Shanghai;
use serde_json::json;

use super::escalations::{Recorder, bureau_dues_of_source, mark_delivered, regulators_of, update};
use super::notices::{Arg, Notice, Said, local_time, send_notice};
use super::{CaseContext, dispute_not_found, role_of};
use crate::domain::access::Actor;
use crate::domain::bureau::BureauDeadline;
use crate::domain::calendar::{end_of_day, start_of_day};
use crate::domain::claim::{MAX_CLAIM_FEN, Remedy};
use crate::domain::dispute::{Actor as On, Party, Status, TimelineKind};
use crate::domain::escalation::EscalationState;
use crate::domain::mediation::{
    MediationOrigin, MediationOutcome, MediationState, MediatorKind, SessionMode, SessionOutcome,
};
use crate::domain::policy::DeadlinePolicy;
use crate::domain::region::RegionCode;
use crate::domain::role::Role;
use crate::domain::text::{BoundedText, optional_note};
use crate::error::{ApiError, ErrorCode, FieldErrors};
use crate::onboarding::{AccountInput, Inviter, Membership, new_user_row};
use crate::store::audit::record_action;
use crate::store::disputes::{Dispute, append_event, find_dispute, lock_dispute};
use crate::store::mediations::{
    self as stored, Mediation, MediationRequest, MediationScope, Mediator, Session,
};
use crate::store::users::{User, find_user, insert_user, staff_of};
use crate::store::{DbConn, StoreError, from_db_time, new_id, to_db_time, write_transaction};

/// A message to the parties, a session's record and a failure's reason, in characters.
pub const TEXT_CHARS: (usize, usize) = (2, 1000);
/// An agreement's terms, in characters.
pub const TERMS_CHARS: (usize, usize) = (2, 2000);
/// A session's place, or how to join one online, in characters.
pub const PLACE_CHARS: (usize, usize) = (2, 200);
/// An organisation's name, in characters.
pub const ORGANISATION_CHARS: (usize, usize) = (2, 100);
/// The note to the mediator on a referral, in characters.
pub const NOTE_MAX_CHARS: usize = 500;
/// How far ahead a session may be scheduled.
pub const SESSION_HORIZON_DAYS: i64 = 90;
/// The reason of an escalation opened to mediate at both parties' request.
pub const JOINT_REQUEST_REASON: &str = "joint_mediation_request";

/// How the caller stands to a mediation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer {
    /// The mediator it is referred to.
    Mediator,
    /// A regulator of the dispute's region.
    Regulator,
    /// One of the dispute's parties.
    Party(Party),
}

impl Viewer {
    /// The role a case file is shown in to this viewer.
    pub fn role(self) -> On {
        match self {
            Self::Mediator => On::Mediator,
            Self::Regulator => On::Regulator,
            Self::Party(Party::Consumer) => On::Consumer,
            Self::Party(Party::Business) => On::Merchant,
        }
    }
}

fn not_found() -> ApiError {
    ApiError::new(ErrorCode::MediationNotFound, "No such mediation.")
}

/// `text` trimmed, when it is `min..=max` characters.
fn bounded(
    text: &str,
    (min, max): (usize, usize),
) -> Result<String, crate::domain::text::TextError> {
    BoundedText::parse(text, min, max).map(BoundedText::into_string)
}

/// `text` trimmed, or the 422 of `field` when it is not `min..=max` characters.
fn bounded_field(field: &str, text: &str, limits: (usize, usize)) -> Result<String, ApiError> {
    bounded(text, limits)
        .map_err(|e| ApiError::invalid_field(field, "invalid_length", e.to_string()))
}

/// How `actor` stands to mediation `m` of `dispute`; none when they may not see it.
pub fn viewer_of(actor: &Actor, m: &Mediation, dispute: &Dispute) -> Option<Viewer> {
    if actor.role == Role::Mediator {
        return (m.mediator_id == actor.user_id).then_some(Viewer::Mediator);
    }
    match role_of(actor, dispute)? {
        On::Regulator => Some(Viewer::Regulator),
        role => role.party().map(Viewer::Party),
    }
}

/// How `actor` stands to dispute `dispute` for its mediation: as a party or regulator, or as
/// the mediator of one of its mediations `mediations`.
pub fn dispute_viewer(
    actor: &Actor,
    dispute: &Dispute,
    mediations: &[Mediation],
) -> Option<Viewer> {
    if actor.role == Role::Mediator {
        return mediations
            .iter()
            .any(|m| m.mediator_id == actor.user_id)
            .then_some(Viewer::Mediator);
    }
    match role_of(actor, dispute)? {
        On::Regulator => Some(Viewer::Regulator),
        role => role.party().map(Viewer::Party),
    }
}

/// A mediator to enrol.
#[derive(Debug, Clone)]
pub struct EnrolInput {
    pub account: AccountInput,
    pub kind: MediatorKind,
    pub organisation: String,
    pub region_code: String,
}

/// Enrols a mediator of `input.region_code` (the caller's region or one inside it): creates
/// the account without a password, queues its invitation and records the enrolment, audited,
/// in one transaction. Only regulators enrol.
pub fn enrol(
    conn: &mut DbConn,
    actor: &Actor,
    pii: &crate::security::pii::PiiCipher,
    inviter: &Inviter,
    input: &EnrolInput,
    now: DateTime<Utc>,
) -> Result<(Mediator, User), ApiError> {
    if actor.role != Role::Regulator {
        return Err(ApiError::forbidden("Only regulators enrol mediators."));
    }
    let mut errors = FieldErrors::default();
    let organisation = errors.check(
        "organisation",
        "invalid_length",
        bounded(&input.organisation, ORGANISATION_CHARS),
    );
    let region = RegionCode::parse(&input.region_code).ok();
    match &region {
        None => errors.add(
            "region_code",
            "invalid_region_code",
            "a 6-digit region code",
        ),
        Some(region) if !actor.regulates(region) => errors.add(
            "region_code",
            "outside_your_region",
            "enrol mediators of your own region or of a region inside it",
        ),
        Some(_) => {}
    }
    errors.finish()?;
    let (Some(organisation), Some(region)) = (organisation, region) else {
        return Err(ApiError::internal("checked above"));
    };
    crate::onboarding::known_scope(conn, Some(region.as_str()), None)?;
    let membership = Membership {
        role: Role::Mediator,
        business_id: None,
        staff_role: None,
        region_code: Some(region.as_str().to_string()),
        association_id: None,
    };
    write_transaction(conn, |conn| {
        let user = new_user_row(pii, &input.account, &membership, None, now);
        insert_user(conn, &user).map_err(crate::accounts::account_conflict)?;
        let row = Mediator {
            user_id: user.id.clone(),
            kind: input.kind.as_str().into(),
            organisation: organisation.clone(),
            enrolled_by: actor.user_id.clone(),
            enrolled_at: to_db_time(now),
        };
        stored::insert_mediator(conn, &row)?;
        inviter
            .invite(conn, &user, &organisation, now)
            .map_err(ApiError::internal)?;
        record_action(
            conn,
            actor,
            "mediator.enrol",
            "user",
            &user.id,
            Some(region.as_str()),
            &json!({"kind": input.kind, "organisation": organisation}),
            now,
        )?;
        Ok::<_, ApiError>((row, user))
    })
}

/// The mediators a regulator may see: those of their region and the regions inside it, and
/// those of the regions it lies in (a city's committee serves its districts).
pub fn mediators_for(conn: &mut DbConn, actor: &Actor) -> Result<Vec<(Mediator, User)>, ApiError> {
    let region = match (&actor.role, &actor.region) {
        (Role::Regulator, Some(region)) => region.clone(),
        _ => return Err(ApiError::forbidden("Only regulators see the mediators.")),
    };
    let mut all = stored::mediators_in(conn, region.prefix())?;
    for around in region.and_around() {
        if around != region {
            let above = stored::mediators_in(conn, around.prefix())?;
            all.extend(
                above
                    .into_iter()
                    .filter(|(_, u)| u.region_code.as_deref() == Some(around.as_str())),
            );
        }
    }
    all.sort_by(|(a, x), (b, y)| {
        (&a.organisation, &x.display_name, &x.id).cmp(&(&b.organisation, &y.display_name, &y.id))
    });
    all.dedup_by(|(a, _), (b, _)| a.user_id == b.user_id);
    Ok(all)
}

/// The active mediators who may take a dispute of `region`: those whose region contains it.
pub fn mediators_of_dispute(
    conn: &mut DbConn,
    region: &str,
) -> Result<Vec<(Mediator, User)>, StoreError> {
    let Ok(code) = RegionCode::parse(region) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for around in code.and_around() {
        let found = stored::mediators_in(conn, around.prefix())?;
        out.extend(
            found
                .into_iter()
                .filter(|(_, u)| u.is_active && u.region_code.as_deref() == Some(around.as_str())),
        );
    }
    out.sort_by(|(a, x), (b, y)| {
        (&a.organisation, &x.display_name, &x.id).cmp(&(&b.organisation, &y.display_name, &y.id))
    });
    Ok(out)
}

/// What the parties, the regulators and the mediator see of a dispute's mediation.
#[derive(Debug)]
pub struct DisputeMediation {
    pub viewer: Viewer,
    pub dispute: Dispute,
    pub requests: Vec<MediationRequest>,
    pub mediations: Vec<Mediation>,
    /// For regulators: the mediators who may take it.
    pub mediators: Vec<(Mediator, User)>,
    /// A party may ask (or take back its request) now.
    pub may_request: bool,
    /// A regulator may refer it now.
    pub may_refer: bool,
}

/// Whether a dispute in `status` whose latest escalation is `escalation` may be referred, no
/// mediation of it running: from the queue (a builtin escalation whose acceptance is
/// undecided or accepted, or in mediation after a referral was withdrawn), or while the
/// business handles it once both parties asked (`both_asked`) when its escalations would
/// reach the region's own queue (`routed_here`; another authority mediates its own).
fn referable(
    status: Status,
    escalation: Option<&(String, String, String)>,
    both_asked: bool,
    routed_here: bool,
) -> Option<MediationOrigin> {
    use EscalationState as S;
    if status.in_handling() {
        return (both_asked && routed_here).then_some(MediationOrigin::JointRequest);
    }
    let (_, state, connector) = escalation?;
    let state = EscalationState::parse(state)?;
    (status == Status::Escalated
        && connector == crate::config::BUILTIN_CONNECTOR
        && matches!(
            state,
            S::Delivered | S::Received | S::Accepted | S::Mediating
        ))
    .then_some(MediationOrigin::Queue)
}

/// Whether `dispute`'s escalations go to the region's own queue (`builtin`).
fn routed_here(routes: &crate::config::EscalationSettings, dispute: &Dispute) -> bool {
    routes.connector_for(&dispute.industry_code, &dispute.region_code)
        == crate::config::BUILTIN_CONNECTOR
}

/// Dispute `id`'s mediation as `actor` sees it (`routes`: where escalations go): 404 for
/// anyone without a part in it.
pub fn of_dispute(
    conn: &mut DbConn,
    routes: &crate::config::EscalationSettings,
    actor: &Actor,
    id: &str,
) -> Result<DisputeMediation, ApiError> {
    let (dispute, _) = find_dispute(conn, id)?.ok_or_else(dispute_not_found)?;
    let mediations = stored::mediations_of_dispute(conn, id)?;
    let viewer = dispute_viewer(actor, &dispute, &mediations).ok_or_else(dispute_not_found)?;
    let status: Status = dispute.status.parse().map_err(StoreError::from)?;
    // The parties' requests count while the business handles the dispute; once it concluded
    // or was referred they are spent.
    let requests = if status.in_handling() {
        stored::requests_of(conn, id)?
    } else {
        Vec::new()
    };
    let running = mediations
        .iter()
        .any(|m| MediationState::parse(&m.state).is_some_and(MediationState::is_open));
    let escalation = stored::escalation_of(conn, id)?;
    let both = requests.len() == 2;
    let may_refer = viewer == Viewer::Regulator
        && !running
        && referable(
            status,
            escalation.as_ref(),
            both,
            routed_here(routes, &dispute),
        )
        .is_some();
    let mediators = if viewer == Viewer::Regulator {
        mediators_of_dispute(conn, &dispute.region_code)?
    } else {
        Vec::new()
    };
    Ok(DisputeMediation {
        may_request: matches!(viewer, Viewer::Party(_)) && status.in_handling() && !running,
        viewer,
        dispute,
        requests,
        mediations,
        mediators,
        may_refer,
    })
}

fn parties(conn: &mut DbConn, dispute: &Dispute) -> Result<Vec<User>, StoreError> {
    let mut to: Vec<User> = find_user(conn, &dispute.consumer_id)?.into_iter().collect();
    to.extend(
        staff_of(conn, &dispute.business_id)?
            .into_iter()
            .filter(|s| s.is_active),
    );
    Ok(to)
}

fn update_notice(dispute: &Dispute, what: Said) -> Notice {
    Notice::Update {
        case_number: dispute.case_number.clone(),
        what,
    }
}

/// Puts `kind` on `dispute`'s timeline by `by` (user id and role) with `detail`, its status
/// unchanged: mediation happens beside the lifecycle.
fn beside_lifecycle(
    conn: &mut DbConn,
    dispute: &Dispute,
    (user_id, role): (&str, &str),
    kind: TimelineKind,
    detail: &serde_json::Value,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    append_event(
        conn,
        &dispute.id,
        &dispute.region_code,
        kind,
        Some((user_id, role)),
        &dispute.status,
        &dispute.status,
        detail,
        now,
    )
}

/// Moves mediation `id` from `state` to `next` when they differ; 409 when it changed meanwhile.
fn advance(
    conn: &mut DbConn,
    id: &str,
    state: MediationState,
    next: Option<MediationState>,
) -> Result<(), ApiError> {
    match next {
        Some(next) if next != state && !stored::move_state(conn, id, state, next)? => {
            Err(changed())
        }
        _ => Ok(()),
    }
}

/// Tells `to` what was `said` about `dispute`, in the app and by email.
fn tell<'u>(
    conn: &mut DbConn,
    ctx: &CaseContext,
    to: impl IntoIterator<Item = &'u User>,
    dispute: &Dispute,
    said: Said,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    send_notice(
        conn,
        ctx,
        to,
        dispute,
        &update_notice(dispute, said),
        true,
        now,
    )
}

/// A party of dispute `id` asks for mediation (`ask`), or takes its request back; once both
/// parties asked, the regulators of its region are told. Only while the business handles it.
pub fn request(
    conn: &mut DbConn,
    ctx: &CaseContext,
    actor: &Actor,
    user: &User,
    id: &str,
    ask: bool,
    now: DateTime<Utc>,
) -> Result<Vec<MediationRequest>, ApiError> {
    write_transaction(conn, |conn| {
        lock_dispute(conn, id)?;
        let (dispute, _) = find_dispute(conn, id)?.ok_or_else(dispute_not_found)?;
        let party = match role_of(actor, &dispute) {
            Some(On::Regulator) => {
                return Err(ApiError::forbidden(
                    "The parties ask for mediation; a regulator refers the dispute.",
                ));
            }
            Some(role) => role.party().ok_or_else(dispute_not_found)?,
            None => return Err(dispute_not_found()),
        };
        let status: Status = dispute.status.parse().map_err(StoreError::from)?;
        if !status.in_handling() || stored::open_mediation_of(conn, id)?.is_some() {
            return Err(ApiError::new(
                ErrorCode::MediationNotAvailable,
                "Mediation is asked for while the business handles the dispute.",
            ));
        }
        let changed = if ask {
            stored::put_request(
                conn,
                &MediationRequest {
                    dispute_id: id.into(),
                    party: party.as_str().into(),
                    requested_by: user.id.clone(),
                    requested_at: to_db_time(now),
                },
            )?
        } else {
            stored::drop_request(conn, id, party.as_str())?
        };
        let requests = stored::requests_of(conn, id)?;
        if !changed {
            return Ok(requests);
        }
        let kind = if ask {
            TimelineKind::MediationRequested
        } else {
            TimelineKind::MediationRequestWithdrawn
        };
        let role = if party == Party::Consumer {
            On::Consumer
        } else {
            On::Merchant
        };
        beside_lifecycle(
            conn,
            &dispute,
            (&user.id, role.as_str()),
            kind,
            &json!({"party": party}),
            now,
        )?;
        let other: Vec<User> = parties(conn, &dispute)?
            .into_iter()
            .filter(|u| (u.id == dispute.consumer_id) == (party == Party::Business))
            .collect();
        let said = Said::new(if ask {
            "notice-mediation-requested"
        } else {
            "notice-mediation-request-withdrawn"
        })
        .with("party", Arg::Label("party", party.as_str().into()));
        send_notice(
            conn,
            ctx,
            &other,
            &dispute,
            &update_notice(&dispute, said),
            ask,
            now,
        )?;
        if ask && requests.len() == 2 {
            let regulators = regulators_of(conn, &dispute.region_code)?;
            let said = Said::new("notice-mediation-jointly-requested");
            tell(conn, ctx, &regulators, &dispute, said, now)?;
        }
        Ok(requests)
    })
}

/// Whom a dispute is referred to.
#[derive(Debug, Clone)]
pub struct ReferInput {
    pub mediator_id: String,
    pub note: Option<String>,
}

/// A regulator of dispute `id`'s region refers it to a mediator: from the 12315 queue (a
/// builtin escalation received or accepted, whose missing steps up to `mediating` are
/// recorded), or, once both parties asked while the business handled it, by escalating it
/// first (reason [`JOINT_REQUEST_REASON`], straight into the region's queue). The mediation
/// is due when the bureau's mediation limit ends. The mediator and both parties are told;
/// audited.
pub fn refer(
    conn: &mut DbConn,
    ctx: &CaseContext,
    actor: &Actor,
    regulator: &User,
    id: &str,
    input: &ReferInput,
    now: DateTime<Utc>,
) -> Result<Mediation, ApiError> {
    let note = optional_note(input.note.as_deref(), NOTE_MAX_CHARS)
        .map_err(|e| ApiError::invalid_field("note", "invalid_length", e.to_string()))?;
    write_transaction(conn, |conn| {
        // The unit's counters before the dispute's row, as every step that may escalate
        // takes them (docs/metrics.md#counters).
        let (unlocked, _) = find_dispute(conn, id)?.ok_or_else(dispute_not_found)?;
        crate::store::metrics::share_unit(conn, &unlocked.unit_id)?;
        lock_dispute(conn, id)?;
        let (dispute, _) = find_dispute(conn, id)?.ok_or_else(dispute_not_found)?;
        match role_of(actor, &dispute) {
            Some(On::Regulator) => {}
            Some(_) => {
                return Err(ApiError::forbidden(
                    "Only a regulator of the dispute's region refers it to a mediator.",
                ));
            }
            None => return Err(dispute_not_found()),
        }
        let (mediator, mediator_user) = mediators_of_dispute(conn, &dispute.region_code)?
            .into_iter()
            .find(|(m, _)| m.user_id == input.mediator_id)
            .ok_or_else(|| {
                ApiError::invalid_field(
                    "mediator_id",
                    "not_a_mediator_here",
                    "name an active mediator of the dispute's region or of a region it lies in",
                )
            })?;
        if stored::open_mediation_of(conn, id)?.is_some() {
            return Err(running());
        }
        let status: Status = dispute.status.parse().map_err(StoreError::from)?;
        let both = stored::requests_of(conn, id)?.len() == 2;
        let escalation = stored::escalation_of(conn, id)?;
        let here = routed_here(&ctx.escalation, &dispute);
        let origin = referable(status, escalation.as_ref(), both, here).ok_or_else(|| {
            ApiError::new(
                ErrorCode::MediationNotAvailable,
                "A dispute is referred from the region's 12315 queue until its acceptance or \
                 mediation is decided, or while the business handles it once both parties asked \
                 for mediation and its escalations reach this region's queue.",
            )
        })?;
        let escalation_id = match origin {
            MediationOrigin::Queue => escalation.map(|(e, ..)| e).ok_or_else(not_found)?,
            MediationOrigin::JointRequest => escalate_jointly(conn, ctx, regulator, &dispute, now)?,
        };
        // The steps up to mediating, as the referring regulator's.
        let recorder = Recorder::Referral(regulator);
        loop {
            let (_, state, _) = stored::escalation_of(conn, id)?.ok_or_else(not_found)?;
            let next = match EscalationState::parse(&state) {
                Some(EscalationState::Delivered) => EscalationState::Received,
                Some(EscalationState::Received) => EscalationState::Accepted,
                Some(EscalationState::Accepted) => EscalationState::Mediating,
                _ => break,
            };
            update(conn, ctx, &escalation_id, recorder, next, None, now)?;
        }
        // The bureau's mediation limit as its queue shows it; counted from now for a case
        // recorded as received before its delivery was marked (not yet in the queue's view).
        let limit = crate::store::escalations::bureau_sources(conn, &[escalation_id.as_str()])?
            .iter()
            .map(|src| bureau_dues_of_source(&ctx.calendar, src))
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .flatten()
            .find(|d| d.deadline == BureauDeadline::Mediation)
            .map(|d| d.due.due_at);
        let due_at = match limit {
            Some(due_at) => due_at,
            None => {
                let policy = DeadlinePolicy::from_stored(&dispute.policy)
                    .map_err(|e| StoreError::Corrupt(format!("dispute policy: {e}")))?;
                let days = policy.bureau.of(BureauDeadline::Mediation);
                ctx.calendar.add_working_days(now, days).due_at
            }
        };
        let (dispute, _) = find_dispute(conn, id)?.ok_or_else(dispute_not_found)?;
        let row = Mediation {
            id: new_id(),
            dispute_id: dispute.id.clone(),
            escalation_id,
            mediator_id: mediator.user_id.clone(),
            organisation: mediator.organisation.clone(),
            region_code: dispute.region_code.clone(),
            origin: origin.as_str().into(),
            state: MediationState::Referred.as_str().into(),
            note: note.clone(),
            referred_by: actor.user_id.clone(),
            referred_at: to_db_time(now),
            due_at: to_db_time(due_at),
            concluded_at: None,
            failure_reason: None,
            remedy: None,
            amount_fen: None,
            terms: None,
            fulfilment_due_at: None,
            fulfilled_at: None,
            confirmed_at: None,
        };
        stored::insert_mediation(conn, &row).map_err(|e| match e {
            StoreError::Conflict(_) => running(),
            other => other.into(),
        })?;
        stored::clear_requests(conn, id)?;
        beside_lifecycle(
            conn,
            &dispute,
            (&actor.user_id, On::Regulator.as_str()),
            TimelineKind::MediationReferred,
            &json!({
                "mediation_id": row.id,
                "mediator": mediator_user.display_name,
                "organisation": mediator.organisation,
                "due_at": due_at,
            }),
            now,
        )?;
        // Beside the timeline's own entry (`dispute.mediation_referred`): whom, and how.
        record_action(
            conn,
            actor,
            "mediation.refer",
            "mediation",
            &row.id,
            Some(&dispute.region_code),
            &json!({"dispute_id": id, "mediator_id": mediator.user_id, "origin": origin}),
            now,
        )?;
        let to_mediator = match &note {
            Some(note) => {
                Said::new("notice-mediation-referred-to-you-because").with("note", Arg::text(note))
            }
            None => Said::new("notice-mediation-referred-to-you"),
        }
        .with("due", Arg::text(&local_time(due_at)));
        tell(conn, ctx, [&mediator_user], &dispute, to_mediator, now)?;
        let to_parties = Said::new("notice-mediation-referred")
            .with("mediator", Arg::text(&mediator_user.display_name))
            .with("organisation", Arg::text(&mediator.organisation));
        let parties = parties(conn, &dispute)?;
        tell(conn, ctx, &parties, &dispute, to_parties, now)?;
        Ok(row)
    })
}

fn running() -> ApiError {
    ApiError::new(
        ErrorCode::MediationRunning,
        "The dispute is already in mediation.",
    )
}

/// Escalates `dispute` (whose escalations reach the region's own queue) at both parties'
/// request, into that queue at once; the escalation's id.
fn escalate_jointly(
    conn: &mut DbConn,
    ctx: &CaseContext,
    regulator: &User,
    dispute: &Dispute,
    now: DateTime<Utc>,
) -> Result<String, ApiError> {
    let acting = super::actions::Acting {
        user: Some(regulator),
        actor: On::Regulator,
    };
    let action = super::actions::Action::RegulatorEscalation {
        reason: JOINT_REQUEST_REASON.into(),
    };
    super::actions::act(conn, ctx, &dispute.id, &acting, &action, now)?;
    let (escalation_id, ..) = stored::escalation_of(conn, &dispute.id)?.ok_or_else(not_found)?;
    mark_delivered(conn, ctx, std::slice::from_ref(&escalation_id), now)?;
    Ok(escalation_id)
}

/// Mediation `id` with its dispute as `actor` may see it (404 otherwise).
pub fn visible(
    conn: &mut DbConn,
    actor: &Actor,
    id: &str,
) -> Result<(Mediation, Dispute, Viewer), ApiError> {
    let m = stored::find_mediation(conn, id)?.ok_or_else(not_found)?;
    let (dispute, _) = find_dispute(conn, &m.dispute_id)?.ok_or_else(not_found)?;
    let viewer = viewer_of(actor, &m, &dispute).ok_or_else(not_found)?;
    Ok((m, dispute, viewer))
}

/// Mediation `id` with its dispute as `actor` may see it, the dispute's row held for a change
/// (404 otherwise).
fn locked(
    conn: &mut DbConn,
    actor: &Actor,
    id: &str,
) -> Result<(Mediation, Dispute, Viewer), ApiError> {
    let m = stored::find_mediation(conn, id)?.ok_or_else(not_found)?;
    lock_dispute(conn, &m.dispute_id)?;
    visible(conn, actor, id)
}

/// Mediation `id` for its mediator to act on, locked with its dispute; 403 for anyone else
/// who may see it, 409 once it concluded.
fn for_mediator(
    conn: &mut DbConn,
    actor: &Actor,
    id: &str,
) -> Result<(Mediation, Dispute, MediationState), ApiError> {
    let (m, dispute, viewer) = locked(conn, actor, id)?;
    if viewer != Viewer::Mediator {
        return Err(ApiError::forbidden(
            "Only the mediator acts on a mediation.",
        ));
    }
    let state =
        MediationState::parse(&m.state).ok_or_else(|| StoreError::Corrupt(m.state.clone()))?;
    if !state.is_open() {
        return Err(closed());
    }
    Ok((m, dispute, state))
}

fn closed() -> ApiError {
    ApiError::new(ErrorCode::MediationClosed, "The mediation has ended.")
}

/// The mediations `actor` may list: a mediator's own, a regulator's region's.
pub fn list(
    conn: &mut DbConn,
    actor: &Actor,
    state: Option<MediationState>,
) -> Result<Vec<(Mediation, String)>, ApiError> {
    let scope = match (actor.role, &actor.region) {
        (Role::Mediator, _) => MediationScope::Mediator(actor.user_id.clone()),
        (Role::Regulator, Some(region)) => MediationScope::RegionPrefix(region.prefix().into()),
        _ => {
            return Err(ApiError::forbidden(
                "Mediators and regulators list mediations; the parties see theirs on the dispute.",
            ));
        }
    };
    Ok(stored::list_mediations(conn, &scope, state)?)
}

/// The mediator writes `message` to both parties of mediation `id` (on the dispute's timeline;
/// both parties told in the app and by email).
pub fn write(
    conn: &mut DbConn,
    ctx: &CaseContext,
    actor: &Actor,
    id: &str,
    message: &str,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let message = bounded_field("message", message, TEXT_CHARS)?;
    write_transaction(conn, |conn| {
        let (m, dispute, _) = for_mediator(conn, actor, id)?;
        beside_lifecycle(
            conn,
            &dispute,
            (&actor.user_id, On::Mediator.as_str()),
            TimelineKind::MediatorMessage,
            &json!({"mediation_id": m.id, "message": message}),
            now,
        )?;
        let said = Said::new("notice-mediator-wrote").with("message", Arg::text(&message));
        let to = parties(conn, &dispute)?;
        tell(conn, ctx, &to, &dispute, said, now)?;
        Ok(())
    })
}

/// A session to schedule.
#[derive(Debug, Clone)]
pub struct SessionInput {
    pub mode: SessionMode,
    pub place: String,
    pub starts_at: DateTime<Utc>,
}

/// The mediator schedules a session of mediation `id`: online (the place says how to join)
/// or in person at a named place, from now to [`SESSION_HORIZON_DAYS`] ahead. Both parties
/// are told in the app, by email and by text message, and reminded the day before.
pub fn schedule(
    conn: &mut DbConn,
    ctx: &CaseContext,
    actor: &Actor,
    id: &str,
    input: &SessionInput,
    now: DateTime<Utc>,
) -> Result<Session, ApiError> {
    let mut errors = FieldErrors::default();
    let place = errors.check(
        "place",
        "invalid_length",
        bounded(&input.place, PLACE_CHARS),
    );
    if input.starts_at <= now || input.starts_at > now + Duration::days(SESSION_HORIZON_DAYS) {
        errors.add(
            "starts_at",
            "session_time_out_of_range",
            format!("a moment after now and within {SESSION_HORIZON_DAYS} days"),
        );
    }
    errors.finish()?;
    let place = place.unwrap_or_default();
    write_transaction(conn, |conn| {
        let (m, dispute, state) = for_mediator(conn, actor, id)?;
        let seq = stored::sessions_of(conn, &m.id)?.len() as i64 + 1;
        let row = Session {
            id: new_id(),
            mediation_id: m.id.clone(),
            seq,
            mode: input.mode.as_str().into(),
            place: place.clone(),
            starts_at: to_db_time(input.starts_at),
            scheduled_by: actor.user_id.clone(),
            scheduled_at: to_db_time(now),
            outcome: None,
            record: None,
            recorded_at: None,
        };
        stored::insert_session(conn, &row)?;
        advance(conn, &m.id, state, state.after_scheduling())?;
        beside_lifecycle(
            conn,
            &dispute,
            (&actor.user_id, On::Mediator.as_str()),
            TimelineKind::SessionScheduled,
            &json!({
                "mediation_id": m.id,
                "seq": seq,
                "mode": input.mode,
                "place": place,
                "starts_at": input.starts_at,
            }),
            now,
        )?;
        tell_session(conn, ctx, &dispute, &row, "notice-session-scheduled", now)?;
        Ok(row)
    })
}

fn changed() -> ApiError {
    ApiError::new(
        ErrorCode::MediationChangedConcurrently,
        "The mediation changed meanwhile; reload it.",
    )
}

/// Tells both parties of `session` with the sentence `id` (in the app, by email, and by text
/// message to the consumer).
fn tell_session(
    conn: &mut DbConn,
    ctx: &CaseContext,
    dispute: &Dispute,
    session: &Session,
    id: &'static str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let to = parties(conn, dispute)?;
    tell(conn, ctx, &to, dispute, session_said(id, session), now)?;
    let starts_at = from_db_time(session.starts_at);
    super::texts::session(conn, ctx, dispute, starts_at, &session.place, now)
}

/// The sentence `id` about `session`: its time, mode and place.
fn session_said(id: &'static str, session: &Session) -> Said {
    Said::new(id)
        .with(
            "time",
            Arg::text(&local_time(from_db_time(session.starts_at))),
        )
        .with("mode", Arg::Label("session_mode", session.mode.clone()))
        .with("place", Arg::text(&session.place))
}

/// What happened at a session.
#[derive(Debug, Clone)]
pub struct RecordInput {
    pub outcome: SessionOutcome,
    pub record: String,
}

/// The mediator records what happened at session `seq` of mediation `id`, once it started.
pub fn record(
    conn: &mut DbConn,
    actor: &Actor,
    id: &str,
    seq: i64,
    input: &RecordInput,
    now: DateTime<Utc>,
) -> Result<Session, ApiError> {
    let text = bounded_field("record", &input.record, TEXT_CHARS)?;
    write_transaction(conn, |conn| {
        let (m, dispute, state) = for_mediator(conn, actor, id)?;
        let sessions = stored::sessions_of(conn, &m.id)?;
        let session = sessions
            .iter()
            .find(|s| s.seq == seq)
            .ok_or_else(|| ApiError::new(ErrorCode::SessionNotFound, "No such session."))?;
        if session.recorded_at.is_some() {
            return Err(ApiError::new(
                ErrorCode::SessionRecorded,
                "This session's record is written already.",
            ));
        }
        if from_db_time(session.starts_at) > now {
            return Err(ApiError::new(
                ErrorCode::SessionNotStarted,
                "A session is recorded once it started.",
            ));
        }
        if !stored::record_session(
            conn,
            &session.id,
            input.outcome.as_str(),
            &text,
            to_db_time(now),
        )? {
            return Err(changed());
        }
        let held = input.outcome == SessionOutcome::Held;
        let any_held = held
            || sessions
                .iter()
                .any(|s| s.outcome.as_deref() == Some(SessionOutcome::Held.as_str()));
        let another = sessions
            .iter()
            .any(|s| s.seq != seq && s.recorded_at.is_none());
        advance(conn, &m.id, state, state.after_record(any_held, another))?;
        beside_lifecycle(
            conn,
            &dispute,
            (&actor.user_id, On::Mediator.as_str()),
            TimelineKind::SessionRecorded,
            &json!({"mediation_id": m.id, "seq": seq, "outcome": input.outcome}),
            now,
        )?;
        let mut out = session.clone();
        out.outcome = Some(input.outcome.as_str().into());
        out.record = Some(text.clone());
        out.recorded_at = Some(to_db_time(now));
        Ok(out)
    })
}

/// The agreement the parties reached.
#[derive(Debug, Clone)]
pub struct AgreementInput {
    pub remedy: Remedy,
    pub amount_fen: i64,
    pub terms: String,
    /// The last day (Shanghai) to carry it out.
    pub fulfil_by: NaiveDate,
}

/// How a mediation ends.
#[derive(Debug, Clone)]
pub enum ConcludeInput {
    Agreed(AgreementInput),
    Failed { reason: String },
}

/// The Shanghai day of the moment `at`.
pub fn day_of(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&Shanghai).date_naive()
}

/// The mediator records the outcome of mediation `id`: an agreement (the escalation is
/// `mediated`; the business carries it out by its day and the consumer confirms) or a
/// failure with its reason (the escalation is `mediation_failed`, back in the regulators'
/// queue, and they are told). Both parties are told by the escalation's step.
pub fn conclude(
    conn: &mut DbConn,
    ctx: &CaseContext,
    actor: &Actor,
    mediator: &User,
    id: &str,
    input: &ConcludeInput,
    now: DateTime<Utc>,
) -> Result<Mediation, ApiError> {
    let mut errors = FieldErrors::default();
    let mut next = MediationOutcome::Failed;
    let mut terms = None;
    let mut reason = None;
    let today = day_of(now);
    match input {
        ConcludeInput::Agreed(a) => {
            next = MediationOutcome::Agreed;
            terms = errors.check("terms", "invalid_length", bounded(&a.terms, TERMS_CHARS));
            if !(0..=MAX_CLAIM_FEN).contains(&a.amount_fen) {
                errors.add(
                    "amount_fen",
                    "invalid_amount",
                    format!("0 to {MAX_CLAIM_FEN} fen"),
                );
            }
            if a.fulfil_by < today {
                errors.add("fulfil_by", "date_in_past", "today or a later day");
            }
        }
        ConcludeInput::Failed { reason: r } => {
            reason = errors.check("reason", "invalid_length", bounded(r, TEXT_CHARS));
        }
    }
    errors.finish()?;
    write_transaction(conn, |conn| {
        let (mut m, dispute, _) = for_mediator(conn, actor, id)?;
        if let ConcludeInput::Agreed(a) = input {
            let policy = DeadlinePolicy::from_stored(&dispute.policy)
                .map_err(|e| StoreError::Corrupt(format!("dispute policy: {e}")))?;
            let latest = today + Duration::days(i64::from(policy.max_fulfilment_days));
            if a.fulfil_by > latest {
                return Err(ApiError::invalid_field(
                    "fulfil_by",
                    "fulfilment_too_late",
                    format!("at most {} days ahead", policy.max_fulfilment_days),
                ));
            }
            m.remedy = Some(a.remedy.as_str().into());
            m.amount_fen = Some(a.amount_fen);
            m.terms = terms.clone();
            m.fulfilment_due_at = Some(to_db_time(end_of_day(a.fulfil_by)));
            m.state = MediationState::Agreed.as_str().into();
        } else {
            m.failure_reason = reason.clone();
            m.state = MediationState::Failed.as_str().into();
        }
        m.concluded_at = Some(to_db_time(now));
        if !stored::conclude(conn, &m)? {
            return Err(changed());
        }
        let step = match next {
            MediationOutcome::Agreed => EscalationState::Mediated,
            MediationOutcome::Failed => EscalationState::MediationFailed,
        };
        update(
            conn,
            ctx,
            &m.escalation_id,
            Recorder::Mediator(mediator),
            step,
            reason.as_deref(),
            now,
        )?;
        let (kind, detail) = match input {
            ConcludeInput::Agreed(a) => (
                TimelineKind::MediationAgreed,
                json!({
                    "mediation_id": m.id,
                    "remedy": a.remedy,
                    "amount_fen": a.amount_fen,
                    "terms": terms,
                    "fulfil_by": a.fulfil_by,
                }),
            ),
            ConcludeInput::Failed { .. } => (
                TimelineKind::MediationFailed,
                json!({"mediation_id": m.id, "reason": reason}),
            ),
        };
        beside_lifecycle(
            conn,
            &dispute,
            (&actor.user_id, On::Mediator.as_str()),
            kind,
            &detail,
            now,
        )?;
        if next == MediationOutcome::Failed {
            let regulators = regulators_of(conn, &dispute.region_code)?;
            let said = Said::new("notice-mediation-failed-back")
                .with("reason", Arg::text(reason.as_deref().unwrap_or_default()));
            tell(conn, ctx, &regulators, &dispute, said, now)?;
        }
        Ok(m)
    })
}

/// A regulator of the dispute's region withdraws its referral (the mediator can no longer
/// go on, say), with the reason: the mediation ends `withdrawn`, the escalation stays
/// `mediating`, and the regulators may refer it again or record its end themselves. The
/// mediator and both parties are told; audited.
pub fn withdraw(
    conn: &mut DbConn,
    ctx: &CaseContext,
    actor: &Actor,
    id: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<Mediation, ApiError> {
    write_transaction(conn, |conn| {
        let (mut m, dispute, viewer) = locked(conn, actor, id)?;
        if viewer != Viewer::Regulator {
            return Err(ApiError::forbidden(
                "Only a regulator of the dispute's region withdraws a referral.",
            ));
        }
        let reason = bounded_field("reason", reason, TEXT_CHARS)?;
        let state =
            MediationState::parse(&m.state).ok_or_else(|| StoreError::Corrupt(m.state.clone()))?;
        if !state.is_open() {
            return Err(closed());
        }
        m.state = MediationState::Withdrawn.as_str().into();
        m.failure_reason = Some(reason.clone());
        m.concluded_at = Some(to_db_time(now));
        if !stored::conclude(conn, &m)? {
            return Err(changed());
        }
        beside_lifecycle(
            conn,
            &dispute,
            (&actor.user_id, On::Regulator.as_str()),
            TimelineKind::MediationWithdrawn,
            &json!({"mediation_id": m.id, "reason": reason}),
            now,
        )?;
        record_action(
            conn,
            actor,
            "mediation.withdraw",
            "mediation",
            &m.id,
            Some(&dispute.region_code),
            &json!({"dispute_id": dispute.id, "mediator_id": m.mediator_id}),
            now,
        )?;
        let mut to = parties(conn, &dispute)?;
        to.extend(find_user(conn, &m.mediator_id)?);
        let said = Said::new("notice-mediation-withdrawn").with("reason", Arg::text(&reason));
        tell(conn, ctx, &to, &dispute, said, now)?;
        Ok(m)
    })
}

/// A party's step on a mediated agreement: the business marks it carried out, then the
/// consumer confirms it. The other party, the mediator and (on confirmation) the regulators
/// are told; the regulators then close the escalation.
pub fn fulfilment(
    conn: &mut DbConn,
    ctx: &CaseContext,
    actor: &Actor,
    id: &str,
    now: DateTime<Utc>,
) -> Result<Mediation, ApiError> {
    write_transaction(conn, |conn| {
        let (m, dispute, viewer) = locked(conn, actor, id)?;
        let party = match viewer {
            Viewer::Party(p) => p,
            _ => {
                return Err(ApiError::forbidden(
                    "The business marks a mediated agreement carried out; the consumer confirms it.",
                ));
            }
        };
        if m.state != MediationState::Agreed.as_str() {
            return Err(ApiError::new(
                ErrorCode::MediationNotAgreed,
                "Only a mediation that reached an agreement is carried out.",
            ));
        }
        let at = to_db_time(now);
        let (done, kind, sentence) = match party {
            Party::Business => (
                stored::mark_fulfilled(conn, id, at)?,
                TimelineKind::MediationFulfilled,
                "notice-mediation-fulfilled",
            ),
            Party::Consumer => (
                stored::confirm(conn, id, at)?,
                TimelineKind::MediationConfirmed,
                "notice-mediation-confirmed",
            ),
        };
        if !done {
            let message = match party {
                Party::Business => "The agreement is marked carried out already.",
                Party::Consumer if m.fulfilled_at.is_none() => {
                    "The business has not marked the agreement carried out yet."
                }
                Party::Consumer => "The agreement is confirmed already.",
            };
            return Err(ApiError::new(ErrorCode::FulfilmentStepRefused, message));
        }
        let role = match party {
            Party::Business => On::Merchant,
            Party::Consumer => On::Consumer,
        };
        beside_lifecycle(
            conn,
            &dispute,
            (&actor.user_id, role.as_str()),
            kind,
            &json!({"mediation_id": m.id}),
            now,
        )?;
        let mut to: Vec<User> = parties(conn, &dispute)?
            .into_iter()
            .filter(|u| (u.id == dispute.consumer_id) == (party == Party::Business))
            .collect();
        to.extend(find_user(conn, &m.mediator_id)?);
        if party == Party::Consumer {
            to.extend(regulators_of(conn, &dispute.region_code)?);
        }
        let said = Said::new(sentence);
        tell(conn, ctx, &to, &dispute, said, now)?;
        stored::find_mediation(conn, id)?.ok_or_else(not_found)
    })
}

/// Reminds both parties and the mediator of each session the day before (from the start of
/// the Shanghai day before its day), once; returns how many sessions were reminded.
pub fn send_session_reminders(
    conn: &mut DbConn,
    ctx: &CaseContext,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    // A session starting by the end of tomorrow (Shanghai) is reminded from today on.
    let until = end_of_day(day_of(now) + Duration::days(1));
    let mut sent = 0;
    for (session, m) in stored::sessions_starting(conn, to_db_time(now), to_db_time(until))? {
        // A session scheduled from the day before on was just told of: that was its notice.
        let day_before = start_of_day(day_of(from_db_time(session.starts_at)) - Duration::days(1));
        if from_db_time(session.scheduled_at) >= day_before {
            continue;
        }
        let key = format!(
            "session:{}:{}",
            session.id,
            session.starts_at.and_utc().timestamp()
        );
        let told = write_transaction(conn, |conn| {
            if !crate::store::notifications::claim_reminder(conn, &key, now)? {
                return Ok::<_, StoreError>(false);
            }
            // Still to come: not recorded meanwhile, its mediation still running.
            let current = stored::sessions_of(conn, &m.id)?
                .into_iter()
                .find(|s| s.id == session.id && s.recorded_at.is_none());
            let running = stored::find_mediation(conn, &m.id)?
                .and_then(|m| MediationState::parse(&m.state))
                .is_some_and(MediationState::is_open);
            let (Some(session), true) = (current, running) else {
                return Ok(false);
            };
            let Some((dispute, _)) = find_dispute(conn, &m.dispute_id)? else {
                return Ok(false);
            };
            tell_session(
                conn,
                ctx,
                &dispute,
                &session,
                "notice-session-reminder",
                now,
            )?;
            if let Some(mediator) = find_user(conn, &m.mediator_id)? {
                let said = session_said("notice-session-reminder", &session);
                tell(conn, ctx, [&mediator], &dispute, said, now)?;
            }
            Ok(true)
        })?;
        sent += usize::from(told);
    }
    Ok(sent)
}

/// The mediation figures of one group: how many were referred in the period, and of those
/// concluded in it how many agreed and failed, the success rate and the mean duration.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Figures {
    pub referred: i64,
    pub concluded: i64,
    pub agreed: i64,
    pub failed: i64,
    /// agreed ÷ concluded; none without a concluded mediation.
    pub success_rate: Option<f64>,
    /// Mean working days from referral to conclusion of those concluded.
    pub mean_working_days: Option<f64>,
}

/// The figures of the region with code prefix `prefix` over Shanghai days `[from, to]`, in
/// total and per mediator organisation (by name).
pub fn figures(
    conn: &mut DbConn,
    calendar: &crate::domain::calendar::Calendar,
    prefix: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<(Figures, Vec<(String, Figures)>), StoreError> {
    let (since, until) = (
        to_db_time(start_of_day(from)),
        to_db_time(start_of_day(to + Duration::days(1))),
    );
    let mut groups: std::collections::BTreeMap<String, (Figures, f64)> = Default::default();
    let mut total = (Figures::default(), 0.0);
    for (organisation, n) in stored::referred_in(conn, prefix, since, until)? {
        groups.entry(organisation).or_default().0.referred += n;
        total.0.referred += n;
    }
    for m in stored::concluded_in(conn, prefix, since, until)? {
        let Some(concluded) = m.concluded_at else {
            continue;
        };
        let days = f64::from(
            calendar.working_days_between(from_db_time(m.referred_at), from_db_time(concluded)),
        );
        let agreed = m.state == MediationState::Agreed.as_str();
        for (f, sum) in [
            groups.entry(m.organisation.clone()).or_default(),
            &mut total,
        ] {
            f.concluded += 1;
            if agreed {
                f.agreed += 1;
            } else {
                f.failed += 1;
            }
            *sum += days;
        }
    }
    let finish = |(mut f, sum): (Figures, f64)| {
        if f.concluded > 0 {
            f.success_rate = Some(f.agreed as f64 / f.concluded as f64);
            f.mean_working_days = Some(sum / f.concluded as f64);
        }
        f
    };
    Ok((
        finish(total),
        groups.into_iter().map(|(k, v)| (k, finish(v))).collect(),
    ))
}

/// Dispute `id` as `actor` sees it for its mediation agreement (调解协议书): the case file in
/// their role, and the terms of the latest mediation that agreed (of their own, for a
/// mediator), if any. 404 for anyone without a part in it.
pub fn printable(
    conn: &mut DbConn,
    routes: &crate::config::EscalationSettings,
    calendar: &crate::domain::calendar::Calendar,
    pii: &crate::security::pii::PiiCipher,
    actor: &Actor,
    id: &str,
    now: DateTime<Utc>,
) -> Result<
    (
        crate::disputes::view::DisputeView,
        Option<crate::documents::MediatedTerms>,
    ),
    ApiError,
> {
    let d = of_dispute(conn, routes, actor, id)?;
    let view = crate::disputes::view::build_view(conn, calendar, pii, id, d.viewer.role(), now)?;
    let agreed = d.mediations.iter().rev().find(|m| {
        m.state == MediationState::Agreed.as_str()
            && (d.viewer != Viewer::Mediator || m.mediator_id == actor.user_id)
    });
    let Some(m) = agreed else {
        return Ok((view, None));
    };
    let mediator_name = find_user(conn, &m.mediator_id)?
        .map(|u| u.display_name)
        .unwrap_or_default();
    let terms = match (
        &m.remedy,
        m.amount_fen,
        &m.terms,
        m.fulfilment_due_at,
        m.concluded_at,
    ) {
        (Some(remedy), Some(amount_fen), Some(terms), Some(due), Some(at)) => {
            Some(crate::documents::MediatedTerms {
                mediator_name,
                organisation: m.organisation.clone(),
                remedy: remedy.parse().map_err(StoreError::from)?,
                amount_fen,
                terms: terms.clone(),
                fulfil_by: from_db_time(due),
                agreed_at: from_db_time(at),
            })
        }
        _ => None,
    };
    Ok((view, terms))
}
