//! The full view of one dispute, as each party and the regulator see it; the escalation
//! packet is built from the same pieces.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{facts_of, policy_of};
use crate::domain::bureau::{BureauDeadline, BureauDue, bureau_dues};
use crate::domain::calendar::{Calendar, DueDate, SkipReason};
use crate::domain::claim::{ItemKind, Remedy};
use crate::domain::dispute::{Actor, Event, Party, Status, TimelineKind, possible_events};
use crate::domain::escalation::EscalationState;
use crate::domain::offer::{OfferStatus, check_answer, check_withdraw, effective_status};
use crate::domain::policy::DayCount;
use crate::security::pii::PiiCipher;
use crate::store::case_file::CaseParts;
use crate::store::disputes::{
    Dispute, DisputeWithParties, find_dispute, find_dispute_with_parties,
};
use crate::store::negotiation::{Escalation, Offer, Settlement};
use crate::store::{DbConn, StoreError, from_db_time};

/// What was bought or used.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ItemDto {
    pub kind: ItemKind,
    pub name: String,
    /// Vehicle identification number, for vehicles (checked).
    pub vin: Option<String>,
}

/// A day passed over while counting.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SkippedDayDto {
    pub date: NaiveDate,
    pub reason: SkipReason,
    /// The holiday's name as the calendar gives it (春节), for a holiday.
    pub name: Option<String>,
}

impl SkippedDayDto {
    /// The explanation of a computation.
    pub fn all(skipped: Vec<crate::domain::calendar::SkippedDay>) -> Vec<Self> {
        skipped
            .into_iter()
            .map(|s| Self {
                date: s.date,
                reason: s.reason,
                name: s.name,
            })
            .collect()
    }
}

/// A weekend day counted as a working day: a make-up working day (调休上班) of the calendar.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MakeUpDayDto {
    pub date: NaiveDate,
    /// As the calendar names it (国庆节调休上班).
    pub name: String,
}

impl MakeUpDayDto {
    /// The make-up days of a computation.
    pub fn all(days: Vec<crate::domain::calendar::NamedDay>) -> Vec<Self> {
        days.into_iter()
            .map(|d| Self {
                date: d.date,
                name: d.name,
            })
            .collect()
    }
}

/// A due moment with its explanation.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DueDto {
    pub due_at: DateTime<Utc>,
    /// Reaches into a year without a loaded calendar (counted Monday–Friday).
    pub provisional: bool,
    /// Days counted from the day after filing.
    pub working_days: u32,
    /// As the dispute's policy counts.
    pub counting: DayCount,
    pub skipped: Vec<SkippedDayDto>,
    /// Weekend days counted because the calendar makes them working days.
    pub make_up_days: Vec<MakeUpDayDto>,
}

impl DueDto {
    /// From a computation.
    pub fn from_due(due: DueDate, working_days: u32, counting: DayCount) -> Self {
        Self {
            counting,
            due_at: due.due_at,
            provisional: due.provisional,
            working_days,
            skipped: SkippedDayDto::all(due.skipped),
            make_up_days: MakeUpDayDto::all(due.make_up_days),
        }
    }
}

/// The deadlines of a dispute.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DeadlinesDto {
    pub policy_version: String,
    pub first_contact: DueDto,
    pub settlement: DueDto,
    pub extension_working_days: i64,
    pub paused_working_days: i64,
    /// A proposed extension waiting for the other party: `{party, working_days}`.
    pub pending_extension: Option<PendingExtensionDto>,
    /// The party that proposed a pause, waiting for the other.
    pub pending_pause_party: Option<Party>,
    pub fulfilment_due_at: Option<DateTime<Utc>>,
}

/// A proposed extension.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PendingExtensionDto {
    pub party: Party,
    pub working_days: i64,
}

/// The consumer as shown to the viewer.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ConsumerDto {
    pub id: String,
    pub display_name: String,
    /// Whole for the consumer and the unit's staff (consent given at filing); masked for regulators.
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// The business the dispute is against.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct BusinessDto {
    pub id: String,
    pub unit_id: String,
    pub name: String,
    pub uscc: String,
    pub complaint_phone: String,
}

/// What the consumer claims.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ClaimDto {
    pub category: String,
    pub item: ItemDto,
    pub purchase_date: NaiveDate,
    pub amount_paid_fen: i64,
    pub amount_claimed_fen: i64,
    pub remedies: Vec<Remedy>,
    pub description: String,
    pub contact_consent: bool,
}

/// A timeline entry.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TimelineDto {
    pub kind: TimelineKind,
    pub actor_role: Actor,
    pub from_status: Status,
    pub to_status: Status,
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
    pub at: DateTime<Utc>,
}

/// A message.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MessageDto {
    pub id: String,
    pub party: Party,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

/// An offer with its effective status.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct OfferDto {
    pub id: String,
    pub party: Party,
    pub remedy: Remedy,
    pub amount_fen: i64,
    pub terms: String,
    pub fulfilment_days: i64,
    pub expires_at: DateTime<Utc>,
    /// As of now: an open offer past its expiry is `expired`.
    pub status: OfferStatus,
    pub response_reason: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// The settlement agreement.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AgreementDto {
    pub offer_id: String,
    pub remedy: Remedy,
    pub amount_fen: i64,
    pub terms: String,
    pub fulfilment_due_at: DateTime<Utc>,
    pub agreed_at: DateTime<Utc>,
    pub consumer_id: String,
    pub business_id: String,
}

/// An evidence file.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct EvidenceDto {
    pub id: String,
    pub party: Party,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub uploaded_at: DateTime<Utc>,
    pub download_path: String,
}

/// The rating.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RatingDto {
    pub rating: i64,
    pub comment: Option<String>,
    pub rated_at: DateTime<Utc>,
}

/// The escalation record.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct EscalationDto {
    /// The escalation's id (`POST /api/v1/escalations/{id}` records a step).
    pub id: String,
    pub reason: String,
    pub initiated_by: Actor,
    pub state: EscalationState,
    pub created_at: DateTime<Utc>,
    /// The handling steps recorded since (docs/escalation.md#handling-steps), oldest first,
    /// each with its note.
    pub steps: Vec<EscalationStepDto>,
    /// The steps the viewer may record next (a regulator of the region; empty for others).
    pub next_steps: Vec<EscalationState>,
    /// The bureau's own time limits that have started (docs/escalation.md#the-bureaus-own-deadlines),
    /// from the escalation's arrival in the bureau's queue; empty before it arrived.
    pub bureau_deadlines: Vec<BureauDueDto>,
}

/// One of the bureau's own time limits on an escalation.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct BureauDueDto {
    pub deadline: BureauDeadline,
    /// When it started: the arrival in the queue, or the step that starts it.
    pub started_at: DateTime<Utc>,
    /// Its due moment, counted in working days, with the explanation.
    pub due: DueDto,
    /// When the step that meets it was recorded; absent while it runs.
    pub met_at: Option<DateTime<Utc>>,
    /// Met by its due moment; absent while it runs.
    pub on_time: Option<bool>,
}

impl BureauDueDto {
    /// From a computation.
    pub fn of(d: BureauDue) -> Self {
        Self {
            on_time: d.on_time(),
            deadline: d.deadline,
            started_at: d.started_at,
            due: DueDto::from_due(d.due, d.working_days, DayCount::WorkingDays),
            met_at: d.met_at,
        }
    }
}

/// The bureau's limits on escalation `e` of dispute `d` whose handling steps are `steps`
/// (oldest first), under the dispute's policy; none before the escalation reached the queue,
/// nor for one sent to another authority's gateway (the limits are the builtin queue's).
pub fn bureau_dues_of(
    calendar: &Calendar,
    d: &Dispute,
    e: &Escalation,
    steps: &[(EscalationState, DateTime<Utc>)],
) -> Result<Vec<BureauDue>, StoreError> {
    let Some(arrived) = e.delivered_at.map(from_db_time) else {
        return Ok(Vec::new());
    };
    if e.connector != crate::config::BUILTIN_CONNECTOR {
        return Ok(Vec::new());
    }
    let state: EscalationState = e.state.parse()?;
    Ok(bureau_dues(
        &policy_of(d)?.bureau,
        calendar,
        arrived,
        state,
        steps,
    ))
}

/// A handling step of an escalation, as its timeline entry recorded it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct EscalationStepDto {
    pub state: EscalationState,
    pub note: Option<String>,
    pub at: DateTime<Utc>,
}

/// An action the viewer may take now, named as `action` of
/// `POST /api/v1/disputes/{id}/actions` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AvailableAction {
    FirstContact,
    Message,
    MakeOffer,
    WithdrawOffer,
    AcceptOffer,
    RejectOffer,
    Withdraw,
    Decline,
    RequestEscalation,
    ProposeExtension,
    AgreeExtension,
    RefuseExtension,
    ProposePause,
    AgreePause,
    Resume,
    MarkFulfilled,
    ConfirmFulfilment,
    ReportNonFulfilment,
    Rate,
    Reject,
}

impl AvailableAction {
    /// The action that takes `event`, for the events people take through the actions API.
    pub fn of(event: Event) -> Option<Self> {
        use AvailableAction as A;
        use Event as E;
        Some(match event {
            E::FirstContact => A::FirstContact,
            E::Message => A::Message,
            E::MakeOffer => A::MakeOffer,
            E::WithdrawOffer => A::WithdrawOffer,
            E::AcceptOffer => A::AcceptOffer,
            E::RejectOffer => A::RejectOffer,
            E::Withdraw => A::Withdraw,
            E::Decline => A::Decline,
            E::RequestEscalation => A::RequestEscalation,
            E::ProposeExtension => A::ProposeExtension,
            E::AgreeExtension => A::AgreeExtension,
            E::RefuseExtension => A::RefuseExtension,
            E::ProposePause => A::ProposePause,
            E::AgreePause => A::AgreePause,
            E::Resume => A::Resume,
            E::MarkFulfilled => A::MarkFulfilled,
            E::ConfirmFulfilment => A::ConfirmFulfilment,
            E::ReportNonFulfilment => A::ReportNonFulfilment,
            E::Rate => A::Rate,
            E::RejectAsNoConsumerDispute => A::Reject,
            // Regulators escalate mass complaints from the alert; timers act by themselves.
            E::RegulatorEscalation
            | E::FirstContactLapsed
            | E::SettlementLapsed
            | E::FulfilmentLapsed
            | E::ConfirmationLapsed => return None,
        })
    }
}

/// What `role` may do now on dispute `d` whose offers are `offers`: what the lifecycle allows
/// (docs/lifecycle.md), where an offer action also needs an offer that role may answer
/// (the other party's, open, not expired) or withdraw (its own, open).
fn available_actions(
    d: &Dispute,
    offers: &[Offer],
    role: Actor,
    now: DateTime<Utc>,
) -> Result<Vec<AvailableAction>, StoreError> {
    let facts = facts_of(d)?;
    let offer_allows = |event: Event| {
        let Some(me) = role.party() else {
            return false;
        };
        offers.iter().any(|o| {
            let (Some(status), Some(author)) =
                (OfferStatus::parse(&o.status), Party::parse(&o.party))
            else {
                return false;
            };
            let expires = from_db_time(o.expires_at);
            match event {
                Event::WithdrawOffer => check_withdraw(status, author, expires, me, now).is_ok(),
                _ => check_answer(status, author, expires, me, now).is_ok(),
            }
        })
    };
    Ok(possible_events(&facts, role, now)
        .into_iter()
        .filter(|&event| {
            !matches!(
                event,
                Event::WithdrawOffer | Event::AcceptOffer | Event::RejectOffer
            ) || offer_allows(event)
        })
        .filter_map(AvailableAction::of)
        .collect())
}

/// One dispute in full.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DisputeView {
    pub id: String,
    pub case_number: String,
    pub status: Status,
    pub paused_from: Option<Status>,
    /// The viewer's role: consumer, merchant or regulator.
    pub your_role: Actor,
    pub consumer: ConsumerDto,
    pub business: BusinessDto,
    pub claim: ClaimDto,
    pub deadlines: DeadlinesDto,
    pub filed_at: DateTime<Utc>,
    pub first_contacted_at: Option<DateTime<Utc>>,
    pub fulfilled_at: Option<DateTime<Utc>>,
    pub concluded_at: Option<DateTime<Utc>>,
    pub timeline: Vec<TimelineDto>,
    pub messages: Vec<MessageDto>,
    pub offers: Vec<OfferDto>,
    pub agreement: Option<AgreementDto>,
    pub evidence: Vec<EvidenceDto>,
    pub rating: Option<RatingDto>,
    pub escalation: Option<EscalationDto>,
    /// What the viewer may do now, as the lifecycle and the open offers allow.
    pub available_actions: Vec<AvailableAction>,
}

/// The deadlines of a dispute, each with its explanation.
pub fn deadlines_of(
    calendar: &Calendar,
    d: &Dispute,
    settlement: Option<&Settlement>,
) -> Result<DeadlinesDto, StoreError> {
    let policy = policy_of(d)?;
    let paused = u32::try_from(d.paused_working_days.max(0)).unwrap_or(0);
    let extension = u32::try_from(d.extension_days.max(0)).unwrap_or(0);
    let filed = from_db_time(d.filed_at);
    let first_days = policy.first_contact_working_days + paused;
    let settlement_days = policy.settlement_working_days + extension + paused;
    Ok(DeadlinesDto {
        policy_version: policy.version.clone(),
        first_contact: DueDto::from_due(
            policy.due_after(calendar, filed, first_days),
            first_days,
            policy.counting,
        ),
        settlement: DueDto::from_due(
            policy.due_after(calendar, filed, settlement_days),
            settlement_days,
            policy.counting,
        ),
        extension_working_days: d.extension_days,
        paused_working_days: d.paused_working_days,
        pending_extension: d
            .pending_extension_party
            .as_deref()
            .map(|party| -> Result<_, StoreError> {
                Ok(PendingExtensionDto {
                    party: party.parse()?,
                    working_days: d.pending_extension_days.unwrap_or(0),
                })
            })
            .transpose()?,
        pending_pause_party: d
            .pending_pause_party
            .as_deref()
            .map(str::parse)
            .transpose()?,
        fulfilment_due_at: settlement.map(|s| from_db_time(s.fulfilment_due_at)),
    })
}

/// What a filing answers: enough to show the consumer their case at once.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct FiledDispute {
    pub id: String,
    pub case_number: String,
    pub status: Status,
    pub filed_at: DateTime<Utc>,
    pub deadlines: DeadlinesDto,
}

/// The answer to a filing (one query).
pub fn filed_dispute(
    conn: &mut DbConn,
    calendar: &Calendar,
    id: &str,
) -> Result<FiledDispute, StoreError> {
    let (d, _) = find_dispute(conn, id)?.ok_or(StoreError::NotFound)?;
    FiledDispute::of(calendar, d)
}

impl FiledDispute {
    /// The answer to the filing of `d`.
    pub fn of(calendar: &Calendar, d: Dispute) -> Result<Self, StoreError> {
        Ok(Self {
            deadlines: deadlines_of(calendar, &d, None)?,
            id: d.id,
            case_number: d.case_number,
            status: d.status.parse()?,
            filed_at: from_db_time(d.filed_at),
        })
    }
}

/// Builds the view of dispute `id` for a viewer with `role`.
pub fn build_view(
    conn: &mut DbConn,
    calendar: &Calendar,
    pii: &PiiCipher,
    id: &str,
    role: Actor,
    now: DateTime<Utc>,
) -> Result<DisputeView, StoreError> {
    view_for(conn, calendar, pii, id, now, |_| Some(role))?.ok_or(StoreError::NotFound)
}

/// Builds the view of dispute `id` for the role `role_of` gives its viewer in it: `None` when
/// there is no such dispute or the viewer has no part in it, and then nothing more is read.
pub fn view_for(
    conn: &mut DbConn,
    calendar: &Calendar,
    pii: &PiiCipher,
    id: &str,
    now: DateTime<Utc>,
    role_of: impl FnOnce(&Dispute) -> Option<Actor>,
) -> Result<Option<DisputeView>, StoreError> {
    let Some((found, parts)) = read_case(conn, id)? else {
        return Ok(None);
    };
    let Some(role) = role_of(&found.0) else {
        return Ok(None);
    };
    view_of(calendar, pii, found, parts, role, now).map(Some)
}

/// Dispute `id` with its parties and its case file, whoever asks: what its page is built from
/// ([`view_of`], after the viewer's rights are checked).
pub type Case = (DisputeWithParties, CaseParts);

/// [`Case`] of dispute `id`; None when there is no such dispute.
pub fn read_case(conn: &mut DbConn, id: &str) -> Result<Option<Case>, StoreError> {
    let Some(found) = find_dispute_with_parties(conn, id)? else {
        return Ok(None);
    };
    Ok(Some((found, CaseParts::of(conn, id)?)))
}

/// How many rows a [`Case`] holds, to weigh it among what is kept in memory (none: nothing
/// found, not kept).
pub fn case_rows(case: &Option<Case>) -> usize {
    case.as_ref().map_or(0, |(_, parts)| {
        1 + parts.offers.len() + parts.events.len() + parts.messages.len() + parts.evidence.len()
    })
}

/// Builds the view of a dispute already read with its parties, for a viewer with `role`.
pub fn view_of(
    calendar: &Calendar,
    pii: &PiiCipher,
    (d, claim, consumer, business): DisputeWithParties,
    parts: CaseParts,
    role: Actor,
    now: DateTime<Utc>,
) -> Result<DisputeView, StoreError> {
    let phone = match role {
        Actor::Regulator | Actor::Mediator => consumer.phone_masked.clone(),
        _ => consumer
            .phone_ciphertext
            .as_deref()
            .map(|c| pii.decrypt(c))
            .transpose()
            .map_err(|e| StoreError::Corrupt(format!("consumer phone: {e}")))?,
    };
    let filed = from_db_time(d.filed_at);
    let CaseParts {
        settlement,
        offers,
        events,
        messages,
        evidence,
        escalation,
    } = parts;
    // The 12315 handling steps, from their timeline entries (docs/escalation.md#handling-steps).
    let steps: Vec<EscalationStepDto> = events
        .iter()
        .filter(|e| e.kind == TimelineKind::EscalationStatus.as_str())
        .filter_map(|e| {
            let detail: serde_json::Value = serde_json::from_str(&e.detail).ok()?;
            Some(EscalationStepDto {
                state: detail["status"].as_str()?.parse().ok()?,
                note: detail["note"].as_str().map(str::to_string),
                at: from_db_time(e.created_at),
            })
        })
        .collect();
    let bureau_deadlines = match &escalation {
        Some(e) => {
            let moments: Vec<_> = steps.iter().map(|s| (s.state, s.at)).collect();
            bureau_dues_of(calendar, &d, e, &moments)?
                .into_iter()
                .map(BureauDueDto::of)
                .collect()
        }
        None => Vec::new(),
    };
    let view = DisputeView {
        id: d.id.clone(),
        case_number: d.case_number.clone(),
        status: d.status.parse()?,
        paused_from: d.paused_from.as_deref().map(str::parse).transpose()?,
        your_role: role,
        consumer: ConsumerDto {
            id: consumer.id.clone(),
            display_name: consumer.display_name.clone(),
            phone,
            email: matches!(role, Actor::Consumer | Actor::Merchant)
                .then(|| consumer.email.clone())
                .flatten(),
        },
        business: BusinessDto {
            id: business.id.clone(),
            unit_id: d.unit_id.clone(),
            name: business.name.clone(),
            uscc: business.uscc.clone(),
            complaint_phone: business.contact_phone.clone(),
        },
        claim: ClaimDto {
            category: claim.category,
            item: ItemDto {
                kind: claim.item_kind.parse()?,
                name: claim.item_name,
                vin: claim.vin,
            },
            purchase_date: claim.purchase_date,
            amount_paid_fen: claim.amount_paid_fen,
            amount_claimed_fen: claim.amount_claimed_fen,
            remedies: claim
                .remedies
                .split(',')
                .map(str::parse)
                .collect::<Result<_, _>>()?,
            description: claim.description,
            contact_consent: claim.contact_consent,
        },
        deadlines: deadlines_of(calendar, &d, settlement.as_ref())?,
        filed_at: filed,
        first_contacted_at: d.first_contacted_at.map(from_db_time),
        fulfilled_at: d.fulfilled_at.map(from_db_time),
        concluded_at: d.concluded_at.map(from_db_time),
        timeline: events
            .into_iter()
            .map(|e| -> Result<_, StoreError> {
                Ok(TimelineDto {
                    kind: e.kind.parse()?,
                    actor_role: e.actor_role.parse()?,
                    from_status: e.from_status.parse()?,
                    to_status: e.to_status.parse()?,
                    detail: serde_json::from_str(&e.detail).unwrap_or_default(),
                    at: from_db_time(e.created_at),
                })
            })
            .collect::<Result<_, _>>()?,
        messages: messages
            .into_iter()
            .map(|m| -> Result<_, StoreError> {
                Ok(MessageDto {
                    id: m.id,
                    party: m.party.parse()?,
                    body: m.body,
                    created_at: from_db_time(m.created_at),
                })
            })
            .collect::<Result<_, _>>()?,
        available_actions: available_actions(&d, &offers, role, now)?,
        offers: offers
            .into_iter()
            .map(|o| -> Result<_, StoreError> {
                let expires_at = from_db_time(o.expires_at);
                let status = effective_status(o.status.parse()?, expires_at, now);
                Ok(OfferDto {
                    id: o.id,
                    party: o.party.parse()?,
                    remedy: o.remedy.parse()?,
                    amount_fen: o.amount_fen,
                    terms: o.terms,
                    fulfilment_days: o.fulfilment_days,
                    expires_at,
                    status,
                    response_reason: o.response_reason,
                    created_at: from_db_time(o.created_at),
                })
            })
            .collect::<Result<_, _>>()?,
        agreement: settlement
            .map(|s| -> Result<_, StoreError> {
                Ok(AgreementDto {
                    offer_id: s.offer_id,
                    remedy: s.remedy.parse()?,
                    amount_fen: s.amount_fen,
                    terms: s.terms,
                    fulfilment_due_at: from_db_time(s.fulfilment_due_at),
                    agreed_at: from_db_time(s.agreed_at),
                    consumer_id: d.consumer_id.clone(),
                    business_id: d.business_id.clone(),
                })
            })
            .transpose()?,
        evidence: evidence
            .into_iter()
            .map(|e| -> Result<_, StoreError> {
                Ok(EvidenceDto {
                    download_path: format!("/api/v1/disputes/{}/evidence/{}", d.id, e.id),
                    id: e.id,
                    party: e.party.parse()?,
                    file_name: e.file_name,
                    content_type: e.content_type,
                    size_bytes: e.size_bytes,
                    sha256: e.sha256,
                    uploaded_at: from_db_time(e.created_at),
                })
            })
            .collect::<Result<_, _>>()?,
        rating: d.rating.zip(d.rated_at).map(|(rating, at)| RatingDto {
            rating,
            comment: d.rating_comment.clone(),
            rated_at: from_db_time(at),
        }),
        escalation: escalation
            .map(|e| -> Result<_, StoreError> {
                let state: EscalationState = e.state.parse()?;
                Ok(EscalationDto {
                    id: e.id,
                    reason: e.reason,
                    initiated_by: e.initiated_by.parse()?,
                    state,
                    created_at: from_db_time(e.created_at),
                    steps,
                    next_steps: if role == Actor::Regulator {
                        state.next_steps()
                    } else {
                        Vec::new()
                    },
                    bureau_deadlines,
                })
            })
            .transpose()?,
    };
    Ok(view)
}
