//! Every action on a filed dispute. One function decides with the pure rules, applies the
//! side effects (messages, offers, settlement, escalation), saves the dispute with an
//! optimistic version check, writes the timeline event and notifies the other party.

use std::cell::RefCell;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::notices::{Arg, Notice, Said, send_notice};
use super::packet::{EscalationHead, PacketMemo, build_packet};
use super::{
    CaseContext, CaseError, apply_facts, facts_of, fulfilment_due, policy_of, recompute_due_dates,
};
use crate::domain::claim::Remedy;
use crate::domain::dispute::{Actor, Event, Party, Status, TimelineKind, transition};
use crate::domain::offer::{OfferStatus, check_answer, check_withdraw};
use crate::domain::policy::DeadlinePolicy;
use crate::error::ErrorCode;
use crate::store::case_file::{case_parts, disputes_with_parties};
use crate::store::disputes::{Dispute, append_event, conclude, find_dispute, save_dispute};
use crate::store::negotiation::{
    Escalation, Message, Offer, Settlement, close_all_open_offers, close_offer, find_offer,
    insert_escalations, insert_message, insert_offer, insert_settlement, supersede_open_offers,
};
use crate::store::users::{User, staff_of, user_of};
use crate::store::{DbConn, StoreError, from_db_time, new_id, to_db_time};

/// An action with its validated input.
#[derive(Debug, Clone)]
pub enum Action {
    FirstContact {
        message: Option<String>,
    },
    Message {
        body: String,
    },
    MakeOffer {
        remedy: Remedy,
        amount_fen: i64,
        terms: String,
        fulfilment_days: u32,
        expires_at: Option<DateTime<Utc>>,
    },
    WithdrawOffer {
        offer_id: String,
    },
    AcceptOffer {
        offer_id: String,
    },
    RejectOffer {
        offer_id: String,
        reason: String,
    },
    Withdraw {
        reason: Option<String>,
    },
    Decline {
        reason: String,
    },
    RequestEscalation {
        reason: String,
    },
    ProposeExtension {
        working_days: u32,
        reason: String,
    },
    AgreeExtension,
    RefuseExtension,
    ProposePause {
        reason: String,
    },
    AgreePause,
    Resume,
    MarkFulfilled {
        note: Option<String>,
    },
    ConfirmFulfilment,
    ReportNonFulfilment {
        reason: String,
    },
    Rate {
        rating: u8,
        comment: Option<String>,
    },
    Reject {
        reason: String,
    },
    /// A regulator hands the dispute to 12315 (a mass complaint escalated together).
    RegulatorEscalation {
        reason: String,
    },
    /// Timers: no first contact by its due moment (flag and remind the staff).
    FirstContactLapsed,
    /// Timers: not settled by the due moment (escalate).
    SettlementLapsed,
    /// Timers: the settlement was not marked fulfilled in time (escalate).
    FulfilmentLapsed,
    /// Timers: the consumer stayed silent after "fulfilled" (resolve).
    ConfirmationLapsed,
}

impl Action {
    /// The lifecycle event this action is.
    pub fn event(&self) -> Event {
        match self {
            Self::FirstContact { .. } => Event::FirstContact,
            Self::Message { .. } => Event::Message,
            Self::MakeOffer { .. } => Event::MakeOffer,
            Self::WithdrawOffer { .. } => Event::WithdrawOffer,
            Self::AcceptOffer { .. } => Event::AcceptOffer,
            Self::RejectOffer { .. } => Event::RejectOffer,
            Self::Withdraw { .. } => Event::Withdraw,
            Self::Decline { .. } => Event::Decline,
            Self::RequestEscalation { .. } => Event::RequestEscalation,
            Self::ProposeExtension { .. } => Event::ProposeExtension,
            Self::AgreeExtension => Event::AgreeExtension,
            Self::RefuseExtension => Event::RefuseExtension,
            Self::ProposePause { .. } => Event::ProposePause,
            Self::AgreePause => Event::AgreePause,
            Self::Resume => Event::Resume,
            Self::MarkFulfilled { .. } => Event::MarkFulfilled,
            Self::ConfirmFulfilment => Event::ConfirmFulfilment,
            Self::ReportNonFulfilment { .. } => Event::ReportNonFulfilment,
            Self::Rate { .. } => Event::Rate,
            Self::Reject { .. } => Event::RejectAsNoConsumerDispute,
            Self::RegulatorEscalation { .. } => Event::RegulatorEscalation,
            Self::FirstContactLapsed => Event::FirstContactLapsed,
            Self::SettlementLapsed => Event::SettlementLapsed,
            Self::FulfilmentLapsed => Event::FulfilmentLapsed,
            Self::ConfirmationLapsed => Event::ConfirmationLapsed,
        }
    }
}

/// Who acts: the user (none for the platform's timers) and their role on this dispute.
#[derive(Debug, Clone)]
pub struct Acting<'a> {
    pub user: Option<&'a User>,
    pub actor: Actor,
}

impl Acting<'_> {
    /// The platform's timers.
    pub fn system() -> Self {
        Self {
            user: None,
            actor: Actor::System,
        }
    }

    fn user_id(&self) -> String {
        self.user.map(|u| u.id.clone()).unwrap_or_default()
    }
}

/// What a step produced, for the timeline and the notice.
struct Outcome {
    detail: Value,
    notice: Option<(Notice, bool)>,
    /// Notify only this party (default: the other party, or both for regulators and timers).
    only: Option<Party>,
}

/// Applies `action` by `acting` to dispute `id` at `now`.
pub fn act(
    conn: &mut DbConn,
    ctx: &CaseContext,
    id: &str,
    acting: &Acting<'_>,
    action: &Action,
    now: DateTime<Utc>,
) -> Result<(), CaseError> {
    let (dispute, _claim) = find_dispute(conn, id)?.ok_or(CaseError::NotFound("dispute"))?;
    act_on_read(conn, ctx, dispute, acting, action, now)
}

/// Applies `action` by `acting` at `now` to `dispute`, as just read (the sweep reads a
/// batch's disputes in one statement).
pub fn act_on_read(
    conn: &mut DbConn,
    ctx: &CaseContext,
    mut dispute: Dispute,
    acting: &Acting<'_>,
    action: &Action,
    now: DateTime<Utc>,
) -> Result<(), CaseError> {
    // Before the dispute's row changes; the version check below catches a change between the
    // read and the lock.
    crate::store::metrics::share_unit(conn, &dispute.unit_id)?;
    // Never before the dispute's last step: its timeline replays in the order steps were taken
    // (a sweep stamps its start; a party may have acted since).
    let now = now.max(from_db_time(dispute.updated_at));
    let version = dispute.version;
    let facts = facts_of(&dispute)?;
    let next = transition(&facts, action.event(), acting.actor, now).map_err(CaseError::Rule)?;
    let from = facts.status;
    let before = super::metrics::Before::of(&dispute);
    apply_facts(&mut dispute, &next);
    let party = acting.actor.party();
    let outcome = side_effects(conn, ctx, &mut dispute, acting, action, now)?;
    if next.pending_extension.is_none() {
        dispute.pending_extension_days = None;
    }
    if !facts.has_first_contact && next.has_first_contact {
        dispute.first_contacted_at = Some(to_db_time(now));
    }
    if next.status.is_terminal() && !from.is_terminal() {
        dispute.concluded_at = Some(to_db_time(now));
    }
    let step = crate::domain::metrics::Step {
        from,
        to: next.status,
        event: action.event(),
        actor: acting.actor,
        first_contact_now: !facts.has_first_contact && next.has_first_contact,
        fulfilment_marked: next.fulfilment_marked,
        at: now,
    };
    if crate::domain::metrics::handling_end(&step).is_some() {
        dispute.handling_ended_at = Some(to_db_time(now));
    }
    dispute.version = version + 1;
    dispute.updated_at = to_db_time(now);
    if !save_dispute(conn, &dispute, version)? {
        return Err(CaseError::Conflict(
            ErrorCode::DisputeChangedConcurrently,
            "The dispute changed meanwhile; reload it and try again.".into(),
        ));
    }
    if next.status.is_terminal() && !from.is_terminal() {
        conclude(conn, &dispute.id, now)?;
    }
    super::metrics::on_transition(conn, ctx, &dispute, &before, &step)?;
    if action.event() == Event::Decline {
        super::alerts::on_declined(conn, ctx, &dispute, now)?;
    }
    let escalates = next.status == Status::Escalated && from != Status::Escalated;
    // A message or offer that answers the consumer is recorded as the first contact; a
    // decline keeps its own name.
    let kind =
        if step.first_contact_now && matches!(action.event(), Event::Message | Event::MakeOffer) {
            TimelineKind::FirstContact
        } else {
            action.event().timeline_kind()
        };
    append_event(
        conn,
        &dispute.id,
        &dispute.region_code,
        kind,
        acting.user.map(|u| (u.id.as_str(), acting.actor.as_str())),
        from.as_str(),
        next.status.as_str(),
        &outcome.detail,
        now,
    )?;
    if escalates {
        // The status change, the escalation with its packet and the delivery job go in one
        // transaction.
        let reason = outcome
            .detail
            .get("reason")
            .and_then(Value::as_str)
            .unwrap_or(action.event().timeline_kind().as_str());
        open_escalation(conn, ctx, &dispute, reason, acting.actor.as_str(), now)?;
    }
    if let Some((notice, by_email)) = outcome.notice {
        let audience = match outcome.only {
            Some(only) => Some(only.other()),
            None => party,
        };
        let to = recipients(conn, &dispute, audience)?;
        send_notice(conn, ctx, &to, &dispute, &notice, by_email, now)?;
    }
    let texted = super::texts::step_event(
        action.event(),
        acting.actor,
        (from, next.status),
        step.first_contact_now,
    );
    if let Some(event) = texted {
        let offer = match action {
            Action::MakeOffer {
                remedy, amount_fen, ..
            } => Some((*remedy, *amount_fen)),
            _ => None,
        };
        super::texts::to_consumer(conn, ctx, &dispute, event, offer, now)?;
    }
    Ok(())
}

/// An escalation opened in a transaction: its row, with the packet, and its delivery job are
/// written by [`EscalationBatch::finish`] (at once outside a batch).
struct Opened {
    dispute: Dispute,
    id: String,
    reason: String,
    initiated_by: String,
    connector: String,
    at: DateTime<Utc>,
}

thread_local! {
    /// The escalations opened while an [`EscalationBatch`] is open on this thread.
    static BATCH: RefCell<Option<Vec<Opened>>> = const { RefCell::new(None) };
}

/// The escalations a sweep opens in one transaction (docs/escalation.md#packet), written
/// together at its end: the figures of every scope measured once ([`PacketMemo`]), before
/// the batch wrote anything ([`Self::measure`]; on the retry with a savepoint per dispute,
/// after writing the transaction's counters instead), so every packet counts its own dispute
/// and its batch-mates; then one packet each, then the rows and delivery jobs in one statement
/// each. Dropping the batch forgets what it holds.
pub struct EscalationBatch(());

impl EscalationBatch {
    /// Starts a batch on this thread.
    pub fn open() -> Self {
        BATCH.with(|b| *b.borrow_mut() = Some(Vec::new()));
        Self(())
    }

    /// How many escalations the batch holds: where to go back to with [`Self::restore`].
    pub fn mark(&self) -> usize {
        BATCH.with(|b| b.borrow().as_ref().map_or(0, Vec::len))
    }

    /// Forgets the escalations opened since `mark` (their savepoint rolled back).
    pub fn restore(&self, mark: usize) {
        BATCH.with(|b| {
            if let Some(opened) = b.borrow_mut().as_mut() {
                opened.truncate(mark);
            }
        });
    }

    /// Measures the figures of the batch's packets ([`PacketMemo::measure_for`]): before the
    /// batch's disputes are saved, so that [`Self::finish`] need not write its counters first.
    pub fn measure(&self, conn: &mut DbConn) -> Result<PacketMemo, StoreError> {
        let mut memo = PacketMemo::default();
        let heads: Vec<(Dispute, DateTime<Utc>)> = BATCH.with(|b| {
            b.borrow()
                .iter()
                .flatten()
                .map(|o| (o.dispute.clone(), o.at))
                .collect()
        });
        for (dispute, at) in &heads {
            memo.measure_for(conn, dispute, *at)?;
        }
        Ok(memo)
    }

    /// Writes the batch's escalations inside its transaction, with the figures `measured`
    /// before its disputes were saved ([`Self::measure`]), or else measured once its counters
    /// are written; how many.
    pub fn finish(
        self,
        conn: &mut DbConn,
        ctx: &CaseContext,
        measured: Option<PacketMemo>,
    ) -> Result<usize, StoreError> {
        let opened = BATCH.with(|b| b.borrow_mut().take()).unwrap_or_default();
        write_escalations(conn, ctx, opened, measured)
    }
}

impl Drop for EscalationBatch {
    fn drop(&mut self) {
        BATCH.with(|b| *b.borrow_mut() = None);
    }
}

/// Opens the escalation of `dispute` (saved as escalated) through the connector routed for its
/// industry and region: in the open [`EscalationBatch`], or written at once.
fn open_escalation(
    conn: &mut DbConn,
    ctx: &CaseContext,
    dispute: &Dispute,
    reason: &str,
    initiated_by: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let opened = Opened {
        dispute: dispute.clone(),
        id: new_id(),
        reason: reason.into(),
        initiated_by: initiated_by.into(),
        connector: ctx
            .escalation
            .connector_for(&dispute.industry_code, &dispute.region_code)
            .to_string(),
        at: now,
    };
    let unbatched = BATCH.with(|b| match b.borrow_mut().as_mut() {
        Some(batch) => {
            batch.push(opened);
            None
        }
        None => Some(opened),
    });
    match unbatched {
        Some(opened) => write_escalations(conn, ctx, vec![opened], None).map(drop),
        None => Ok(()),
    }
}

/// Writes `opened` with their packets and delivery jobs; how many. Their figures are those
/// `measured` before the disputes were saved, or else measured now.
fn write_escalations(
    conn: &mut DbConn,
    ctx: &CaseContext,
    opened: Vec<Opened>,
    measured: Option<PacketMemo>,
) -> Result<usize, StoreError> {
    let Some(last) = opened.iter().map(|o| o.at).max() else {
        return Ok(0);
    };
    let mut memo = match measured {
        Some(memo) => memo,
        None => {
            // The packet's "open and overdue" adds today's ended overdue spells, these
            // disputes' among them: their counters must be written before the packets read them.
            crate::store::metrics::CounterDeltas::write_gathered(conn)?;
            PacketMemo::default()
        }
    };
    // Every packet's dispute, parties and case file, read for the whole batch at once.
    let ids: Vec<String> = opened.iter().map(|o| o.dispute.id.clone()).collect();
    let mut found = disputes_with_parties(conn, &ids)?;
    let mut parts = case_parts(conn, &ids)?;
    let mut rows = Vec::with_capacity(opened.len());
    for o in opened {
        let head = EscalationHead {
            id: &o.id,
            reason: &o.reason,
            initiated_by: &o.initiated_by,
            connector: &o.connector,
        };
        let case = (
            found.remove(&o.dispute.id).ok_or(StoreError::NotFound)?,
            parts.remove(&o.dispute.id).unwrap_or_default(),
        );
        let packet = build_packet(conn, ctx, &mut memo, case, &head, o.at)?;
        let packet =
            serde_json::to_string(&packet).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        rows.push(Escalation {
            id: o.id,
            dispute_id: o.dispute.id,
            reason: o.reason,
            initiated_by: o.initiated_by,
            state: "pending".into(),
            created_at: to_db_time(o.at),
            connector: o.connector,
            packet,
            delivery_attempts: 0,
            last_delivery_error: None,
            delivered_at: None,
            dead_at: None,
        });
    }
    insert_escalations(conn, &rows)?;
    let ids: Vec<String> = rows.into_iter().map(|r| r.id).collect();
    super::escalations::queue_deliveries(conn, ctx, &ids, last)?;
    Ok(ids.len())
}

/// The other party's people: the consumer, or the unit's active staff; both for a regulator.
fn recipients(
    conn: &mut DbConn,
    dispute: &Dispute,
    acting_party: Option<Party>,
) -> Result<Vec<User>, StoreError> {
    let mut people = Vec::new();
    if acting_party != Some(Party::Consumer) {
        people.extend(user_of(conn, &dispute.consumer_id)?);
    }
    if acting_party != Some(Party::Business) {
        people.extend(
            staff_of(conn, &dispute.business_id)?
                .into_iter()
                .filter(|u| u.is_active),
        );
    }
    Ok(people)
}

fn update(dispute: &Dispute, what: Said) -> Option<(Notice, bool)> {
    Some((
        Notice::Update {
            case_number: dispute.case_number.clone(),
            what,
        },
        false,
    ))
}

/// What an action's side effects work on: the dispute being changed, who acts, the
/// dispute's deadline policy and the moment.
struct Effects<'a, 'b> {
    ctx: &'a CaseContext,
    dispute: &'b mut Dispute,
    acting: &'a Acting<'a>,
    policy: DeadlinePolicy,
    now: DateTime<Utc>,
}

impl Effects<'_, '_> {
    /// The acting party (none for regulators and timers).
    fn party(&self) -> Option<Party> {
        self.acting.actor.party()
    }

    /// The acting party, for steps only a party takes.
    fn own_party(&self) -> Result<Party, CaseError> {
        self.party().ok_or(CaseError::NotFound("party"))
    }

    /// Stores a message by the acting party; its id.
    fn add_message(&self, conn: &mut DbConn, body: &str) -> Result<String, StoreError> {
        let id = new_id();
        insert_message(
            conn,
            &Message {
                id: id.clone(),
                dispute_id: self.dispute.id.clone(),
                author_id: self.acting.user_id(),
                party: self
                    .party()
                    .ok_or_else(|| StoreError::Corrupt("a message without a party".into()))?
                    .as_str()
                    .into(),
                body: body.into(),
                created_at: to_db_time(self.now),
            },
        )?;
        Ok(id)
    }

    /// An outcome with `detail` and an in-app update saying `what`.
    fn told(&self, detail: Value, what: Said) -> Outcome {
        Outcome {
            only: None,
            detail,
            notice: update(self.dispute, what),
        }
    }

    /// The first-contact notice (by email too), naming the business.
    fn first_contact_notice(&self, conn: &mut DbConn) -> Result<(Notice, bool), StoreError> {
        let business = crate::store::businesses::find_business(conn, &self.dispute.business_id)?
            .map(|b| b.name)
            .unwrap_or_default();
        Ok((
            Notice::FirstContact {
                case_number: self.dispute.case_number.clone(),
                business_name: business,
            },
            true,
        ))
    }
}

/// Applies what `action` changes besides the status: messages, offers, the settlement, the
/// dispute's own fields. One function per action that does more than record itself.
fn side_effects(
    conn: &mut DbConn,
    ctx: &CaseContext,
    dispute: &mut Dispute,
    acting: &Acting<'_>,
    action: &Action,
    now: DateTime<Utc>,
) -> Result<Outcome, CaseError> {
    let policy = policy_of(dispute)?;
    let mut fx = Effects {
        ctx,
        dispute,
        acting,
        policy,
        now,
    };
    Ok(match action {
        Action::FirstContact { message } => first_contact(conn, &fx, message.as_deref())?,
        Action::Message { body } => message(conn, &fx, body)?,
        Action::MakeOffer {
            remedy,
            amount_fen,
            terms,
            fulfilment_days,
            expires_at,
        } => {
            let offer = NewOffer {
                remedy: *remedy,
                amount_fen: *amount_fen,
                terms,
                fulfilment_days: *fulfilment_days,
                expires_at: *expires_at,
            };
            make_offer(conn, &fx, &offer)?
        }
        Action::WithdrawOffer { offer_id } => {
            answer_offer(conn, &fx, offer_id, OfferStatus::Withdrawn, None)?
        }
        Action::AcceptOffer { offer_id } => {
            answer_offer(conn, &fx, offer_id, OfferStatus::Accepted, None)?
        }
        Action::RejectOffer { offer_id, reason } => {
            answer_offer(conn, &fx, offer_id, OfferStatus::Rejected, Some(reason.as_str()))?
        }
        Action::Withdraw { reason: why } => fx.told(
            with_reason(why),
            Said::new("notice-the-consumer-withdrew-the")
        ),
        Action::Decline { reason: why } => fx.told(
            with_reason(why),
            Said::new("notice-the-business-declined-to")
        ),
        Action::RequestEscalation { reason: why } => fx.told(
            with_reason(why),
            Said::new("notice-the-consumer-asked-for-the")
        ),
        Action::ProposeExtension {
            working_days,
            reason,
        } => propose_extension(&mut fx, *working_days, reason)?,
        Action::AgreeExtension => agree_extension(&mut fx),
        Action::RefuseExtension => {
            fx.dispute.pending_extension_days = None;
            fx.told(json!({}), Said::new("notice-the-extension-was-refused"))
        }
        Action::ProposePause { reason: why } => fx.told(
            with_reason(why),
            Said::new("notice-the-other-party-asks-to-pause")
        ),
        Action::AgreePause => {
            fx.dispute.paused_at = Some(to_db_time(now));
            fx.told(json!({}), Said::new("notice-the-dispute-is-paused"))
        }
        Action::Resume => resume(&mut fx),
        Action::MarkFulfilled { note } => {
            fx.dispute.fulfilled_at = Some(to_db_time(now));
            fx.told(
                json!({ "note": note }),
                Said::new("notice-the-business-marked-the")
            )
        }
        Action::ConfirmFulfilment => fx.told(
            json!({}),
            Said::new("notice-the-consumer-confirmed")
        ),
        Action::ReportNonFulfilment { reason: why } => fx.told(
            with_reason(why),
            Said::new("notice-the-consumer-reported-non")
        ),
        Action::Rate { rating, comment } => rate(&mut fx, *rating, comment.as_deref()),
        Action::FirstContactLapsed => first_contact_lapsed(&mut fx),
        Action::SettlementLapsed => fx.told(
            json!({"reason": "settlement_due_date_passed", "settlement_due_at": from_db_time(fx.dispute.settlement_due_at)}),
            Said::new("notice-the-time-limit-passed-without")
        ),
        Action::FulfilmentLapsed => fx.told(
            with_reason("fulfilment_due_date_passed"),
            Said::new("notice-the-settlement-was-not")
        ),
        Action::ConfirmationLapsed => fx.told(
            with_reason("consumer_did_not_answer"),
            Said::new("notice-the-consumer-raised-no")
        ),
        Action::Reject { reason: why } => fx.told(
            with_reason(why),
            Said::new("notice-the-regulator-ruled-this-is")
        ),
        Action::RegulatorEscalation { reason: why } => fx.told(
            with_reason(why),
            Said::new("notice-the-regulator-has-taken-this")
        ),
    })
}

/// The timeline detail of a step that records only its reason.
fn with_reason(reason: impl serde::Serialize) -> Value {
    json!({ "reason": reason })
}

/// The business's first contact, with its message if any; the consumer is told by email.
fn first_contact(
    conn: &mut DbConn,
    fx: &Effects<'_, '_>,
    message: Option<&str>,
) -> Result<Outcome, CaseError> {
    let message_id = message.map(|m| fx.add_message(conn, m)).transpose()?;
    Ok(Outcome {
        only: None,
        detail: json!({ "message_id": message_id }),
        notice: Some(fx.first_contact_notice(conn)?),
    })
}

/// A message; the business's first message to the consumer is its first contact.
fn message(conn: &mut DbConn, fx: &Effects<'_, '_>, body: &str) -> Result<Outcome, CaseError> {
    let message_id = fx.add_message(conn, body)?;
    let first_contact =
        fx.dispute.first_contacted_at.is_none() && fx.acting.actor == Actor::Merchant;
    let notice = if first_contact {
        Some(fx.first_contact_notice(conn)?)
    } else {
        update(fx.dispute, Said::new("notice-the-other-party-sent-a-new"))
    };
    Ok(Outcome {
        only: None,
        detail: json!({ "message_id": message_id }),
        notice,
    })
}

/// The terms of an offer being made.
struct NewOffer<'a> {
    remedy: Remedy,
    amount_fen: i64,
    terms: &'a str,
    fulfilment_days: u32,
    expires_at: Option<DateTime<Utc>>,
}

/// An offer within the policy's limits; it supersedes the party's open offer.
fn make_offer(
    conn: &mut DbConn,
    fx: &Effects<'_, '_>,
    offer: &NewOffer<'_>,
) -> Result<Outcome, CaseError> {
    let (policy, now) = (&fx.policy, fx.now);
    if offer.fulfilment_days > policy.max_fulfilment_days {
        return Err(CaseError::invalid_naming(
            "fulfilment_days",
            "exceeds_policy",
            format!(
                "fulfilment is due within at most {} days",
                policy.max_fulfilment_days
            ),
            &[
                ("limit", "fulfilment".into()),
                ("most", policy.max_fulfilment_days.to_string()),
            ],
        ));
    }
    let expiry = match offer.expires_at {
        Some(at) if at <= now => {
            return Err(CaseError::invalid(
                "expires_at",
                "in_the_past",
                "an offer expires in the future",
            ));
        }
        Some(at) => at,
        // Counted as the dispute's policy counts its days (working or calendar).
        None => {
            policy
                .due_after(&fx.ctx.calendar, now, policy.offer_expiry_working_days)
                .due_at
        }
    };
    let party = fx.own_party()?;
    let superseded = supersede_open_offers(conn, &fx.dispute.id, party.as_str(), now)?;
    let id = new_id();
    insert_offer(
        conn,
        &Offer {
            id: id.clone(),
            dispute_id: fx.dispute.id.clone(),
            party: party.as_str().into(),
            author_id: fx.acting.user_id(),
            remedy: offer.remedy.as_str().into(),
            amount_fen: offer.amount_fen,
            terms: offer.terms.into(),
            fulfilment_days: i64::from(offer.fulfilment_days),
            expires_at: to_db_time(expiry),
            status: OfferStatus::Open.as_str().into(),
            response_reason: None,
            created_at: to_db_time(now),
            responded_at: None,
        },
    )?;
    Ok(Outcome {
        only: None,
        detail: json!({"offer_id": id, "remedy": offer.remedy.as_str(), "amount_fen": offer.amount_fen, "expires_at": expiry, "superseded": superseded}),
        notice: Some((
            Notice::Offer {
                case_number: fx.dispute.case_number.clone(),
                from_business: party == Party::Business,
                remedy: offer.remedy.as_str().into(),
                amount_fen: offer.amount_fen,
            },
            true,
        )),
    })
}

/// Withdraws (its author), accepts or rejects (the other party) an open offer. Accepting
/// agrees the settlement.
fn answer_offer(
    conn: &mut DbConn,
    fx: &Effects<'_, '_>,
    offer_id: &str,
    answer: OfferStatus,
    reason: Option<&str>,
) -> Result<Outcome, CaseError> {
    let now = fx.now;
    let offer = find_offer(conn, &fx.dispute.id, offer_id)?.ok_or(CaseError::NotFound("offer"))?;
    let status = OfferStatus::parse(&offer.status)
        .ok_or_else(|| StoreError::Corrupt(offer.status.clone()))?;
    let author =
        Party::parse(&offer.party).ok_or_else(|| StoreError::Corrupt(offer.party.clone()))?;
    let me = fx.own_party()?;
    let expires = from_db_time(offer.expires_at);
    if answer == OfferStatus::Withdrawn {
        check_withdraw(status, author, expires, me, now)
    } else {
        check_answer(status, author, expires, me, now)
    }
    .map_err(CaseError::Offer)?;
    if !close_offer(conn, &offer.id, answer.as_str(), reason, now)? {
        return Err(CaseError::Conflict(
            ErrorCode::OfferNotOpen,
            "The offer was answered meanwhile.".into(),
        ));
    }
    Ok(match answer {
        OfferStatus::Accepted => agree_settlement(conn, fx, &offer)?,
        OfferStatus::Rejected => fx.told(
            json!({"offer_id": offer.id, "reason": reason}),
            Said::new("notice-the-other-party-rejected-your"),
        ),
        _ => fx.told(
            json!({ "offer_id": offer.id }),
            Said::new("notice-the-other-party-withdrew-its"),
        ),
    })
}

/// The settlement of an accepted offer, due within its days (at most the policy's); the other
/// open offers are superseded.
fn agree_settlement(
    conn: &mut DbConn,
    fx: &Effects<'_, '_>,
    offer: &Offer,
) -> Result<Outcome, CaseError> {
    let (policy, now) = (&fx.policy, fx.now);
    close_all_open_offers(conn, &fx.dispute.id, OfferStatus::Superseded.as_str(), now)?;
    let days = u32::try_from(offer.fulfilment_days)
        .unwrap_or(policy.max_fulfilment_days)
        .min(policy.max_fulfilment_days);
    let due = fulfilment_due(now, days);
    insert_settlement(
        conn,
        &Settlement {
            dispute_id: fx.dispute.id.clone(),
            offer_id: offer.id.clone(),
            remedy: offer.remedy.clone(),
            amount_fen: offer.amount_fen,
            terms: offer.terms.clone(),
            fulfilment_due_at: to_db_time(due),
            agreed_at: to_db_time(now),
        },
    )?;
    Ok(fx.told(
        json!({"offer_id": offer.id, "remedy": offer.remedy, "amount_fen": offer.amount_fen, "fulfilment_due_at": due}),
        Said::new("notice-offer-accepted").with("remedy", Arg::Label("remedy", offer.remedy.clone())),
    ))
}

/// A proposed extension of 1 to the policy's maximum working days, waiting for the other
/// party.
fn propose_extension(
    fx: &mut Effects<'_, '_>,
    working_days: u32,
    reason: &str,
) -> Result<Outcome, CaseError> {
    if working_days == 0 || working_days > fx.policy.max_extension_working_days {
        return Err(CaseError::invalid_naming(
            "working_days",
            "exceeds_policy",
            format!(
                "an extension is 1 to {} working days",
                fx.policy.max_extension_working_days
            ),
            &[
                ("limit", "extension".into()),
                ("most", fx.policy.max_extension_working_days.to_string()),
            ],
        ));
    }
    fx.dispute.pending_extension_days = Some(i64::from(working_days));
    Ok(fx.told(
        json!({"working_days": working_days, "reason": reason}),
        Said::new("notice-extension-proposed")
            .with("working_days", Arg::Number(i64::from(working_days))),
    ))
}

/// The agreed extension moves the due dates.
fn agree_extension(fx: &mut Effects<'_, '_>) -> Outcome {
    let days = fx.dispute.pending_extension_days.take().unwrap_or(0);
    fx.dispute.extension_days += days;
    recompute_due_dates(fx.dispute, &fx.ctx.calendar, &fx.policy);
    fx.told(
        json!({"working_days": days, "settlement_due_at": from_db_time(fx.dispute.settlement_due_at)}),
        Said::new("notice-the-extension-was-agreed")
    )
}

/// The paused working days are added to the due dates.
fn resume(fx: &mut Effects<'_, '_>) -> Outcome {
    let now = fx.now;
    let paused_at = fx.dispute.paused_at.map(from_db_time).unwrap_or(now);
    let days = fx.policy.days_between(&fx.ctx.calendar, paused_at, now);
    fx.dispute.paused_working_days += i64::from(days);
    fx.dispute.paused_at = None;
    recompute_due_dates(fx.dispute, &fx.ctx.calendar, &fx.policy);
    fx.told(
        json!({"paused_working_days": days, "settlement_due_at": from_db_time(fx.dispute.settlement_due_at)}),
        Said::new("notice-the-dispute-is-resumed")
    )
}

/// The consumer's rating of the handling.
fn rate(fx: &mut Effects<'_, '_>, rating: u8, comment: Option<&str>) -> Outcome {
    fx.dispute.rating = Some(i64::from(rating));
    fx.dispute.rating_comment = comment.map(str::to_string);
    fx.dispute.rated_at = Some(to_db_time(fx.now));
    fx.told(
        json!({ "rating": rating }),
        Said::new("notice-rated").with("rating", Arg::Number(i64::from(rating))),
    )
}

/// No first contact in time: flagged, and the business's staff are told by email.
fn first_contact_lapsed(fx: &mut Effects<'_, '_>) -> Outcome {
    fx.dispute.first_contact_lapsed_at = Some(to_db_time(fx.now));
    Outcome {
        only: Some(Party::Business),
        detail: json!({"first_contact_due_at": from_db_time(fx.dispute.first_contact_due_at)}),
        notice: Some((
            Notice::Update {
                case_number: fx.dispute.case_number.clone(),
                what: Said::new("notice-first-contact-lapsed"),
            },
            true,
        )),
    }
}
