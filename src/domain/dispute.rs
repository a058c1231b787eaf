//! The dispute lifecycle (docs/lifecycle.md) as a pure function of (facts, event, actor, now).
//!
//! `filed` → `negotiating` → `settled` → `resolved`; other terminals `withdrawn`, `escalated`,
//! `rejected`; `paused` stops the clock and returns to the state it left.

use super::text_enum::text_enum;

use chrono::{DateTime, Utc};

text_enum! {
    /// Where a dispute stands.
    pub enum Status ("dispute status") {
        Filed,
        Negotiating,
        Settled,
        Resolved,
        Withdrawn,
        Escalated,
        Rejected,
        Paused,
    }
}

impl Status {
    /// No event but a rating changes a terminal dispute.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            Self::Resolved | Self::Withdrawn | Self::Escalated | Self::Rejected
        )
    }

    /// Statuses in which the dispute is still being handled.
    pub fn is_open(self) -> bool {
        !self.is_terminal()
    }

    /// Statuses in which the business's handling has not ended yet: no agreement, withdrawal,
    /// decline, escalation or rejection (docs/metrics.md#handling).
    pub fn in_handling(self) -> bool {
        matches!(self, Self::Filed | Self::Negotiating | Self::Paused)
    }

    /// Statuses in which the settlement due date runs: a dispute in one of them past that date
    /// is overdue, and the sweeper escalates it (`paused` stops the clock, `settled` has its
    /// fulfilment date instead).
    pub const AWAITING_SETTLEMENT: [Status; 2] = [Self::Filed, Self::Negotiating];

    /// Whether the settlement due date runs in this status.
    pub fn awaits_settlement(self) -> bool {
        Self::AWAITING_SETTLEMENT.contains(&self)
    }

    /// The stored names of [`Status::AWAITING_SETTLEMENT`], for queries.
    pub fn awaiting_settlement_names() -> [&'static str; 2] {
        Self::AWAITING_SETTLEMENT.map(Self::as_str)
    }
}

text_enum! {
    /// The two parties of a dispute.
    pub enum Party ("party") {
        Consumer,
        Business,
    }
}

impl Party {
    /// The other party.
    pub fn other(self) -> Self {
        match self {
            Self::Consumer => Self::Business,
            Self::Business => Self::Consumer,
        }
    }
}

text_enum! {
    /// Who acts on a dispute.
    pub enum Actor ("actor") {
        Consumer,
        /// Staff of the unit handling the dispute.
        Merchant,
        /// A regulator of the unit's region.
        Regulator,
        /// The mediator the dispute is referred to (docs/mediation.md).
        Mediator,
        /// The platform's timers.
        System,
    }
}

impl Actor {
    /// The party an actor speaks for.
    pub fn party(self) -> Option<Party> {
        match self {
            Self::Consumer => Some(Party::Consumer),
            Self::Merchant => Some(Party::Business),
            _ => None,
        }
    }
}

text_enum! {
    /// What a timeline entry records: a lifecycle event (`Event::timeline_kind`), the filing,
    /// or something that happened beside the lifecycle (docs/lifecycle.md).
    pub enum TimelineKind ("timeline entry kind") {
        Filed,
        FirstContact,
        Message,
        OfferMade,
        OfferWithdrawn,
        OfferAccepted,
        OfferRejected,
        Withdrawn,
        Declined,
        EscalationRequested,
        ExtensionProposed,
        ExtensionAgreed,
        ExtensionRefused,
        PauseProposed,
        Paused,
        Resumed,
        MarkedFulfilled,
        FulfilmentConfirmed,
        NonFulfilmentReported,
        Rated,
        RejectedAsNoConsumerDispute,
        EscalatedByRegulator,
        FirstContactLapsed,
        SettlementLapsed,
        FulfilmentLapsed,
        ConfirmationLapsed,
        OfferExpired,
        EvidenceAdded,
        EscalationDelivered,
        EscalationDeliveryDead,
        EscalationStatus,
        Anonymised,
        DueDatesRecomputed,
        /// A regulator urged the unit to handle the dispute (催办, docs/following.md).
        Urged,
        /// An officer called the consumer back after the dispute concluded (调查回访).
        ReturnVisit,
        /// A party asked for mediation (docs/mediation.md).
        MediationRequested,
        /// A party took back its request for mediation.
        MediationRequestWithdrawn,
        /// A regulator referred the dispute to a mediator.
        MediationReferred,
        /// The mediator wrote to both parties.
        MediatorMessage,
        /// The mediator scheduled a session.
        SessionScheduled,
        /// The mediator recorded what happened at a session.
        SessionRecorded,
        /// The mediation ended in an agreement.
        MediationAgreed,
        /// The mediation ended without agreement.
        MediationFailed,
        /// A regulator withdrew the referral to mediation.
        MediationWithdrawn,
        /// The business marked the mediated agreement fulfilled.
        MediationFulfilled,
        /// The consumer confirmed the mediated agreement fulfilled.
        MediationConfirmed,
    }
}

/// Something that happens to a dispute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Event {
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
    RejectAsNoConsumerDispute,
    /// A regulator hands an open dispute to 12315 (a mass complaint escalated together).
    RegulatorEscalation,
    FirstContactLapsed,
    SettlementLapsed,
    FulfilmentLapsed,
    ConfirmationLapsed,
}

impl Event {
    /// The name of the event as the API's actions spell it (`first_contact`, `make_offer`;
    /// `reject` for a regulator's rejection), for messages.
    pub fn name(self) -> String {
        if self == Self::RejectAsNoConsumerDispute {
            return "reject".into();
        }
        let mut name = String::new();
        for (i, c) in format!("{self:?}").chars().enumerate() {
            if c.is_ascii_uppercase() && i > 0 {
                name.push('_');
            }
            name.push(c.to_ascii_lowercase());
        }
        name
    }

    /// Every event.
    pub const ALL: [Event; 25] = [
        Self::FirstContact,
        Self::Message,
        Self::MakeOffer,
        Self::WithdrawOffer,
        Self::AcceptOffer,
        Self::RejectOffer,
        Self::Withdraw,
        Self::Decline,
        Self::RequestEscalation,
        Self::ProposeExtension,
        Self::AgreeExtension,
        Self::RefuseExtension,
        Self::ProposePause,
        Self::AgreePause,
        Self::Resume,
        Self::MarkFulfilled,
        Self::ConfirmFulfilment,
        Self::ReportNonFulfilment,
        Self::Rate,
        Self::RejectAsNoConsumerDispute,
        Self::RegulatorEscalation,
        Self::FirstContactLapsed,
        Self::SettlementLapsed,
        Self::FulfilmentLapsed,
        Self::ConfirmationLapsed,
    ];

    /// What the timeline records for this event (`TimelineKind`).
    pub fn timeline_kind(self) -> TimelineKind {
        match self {
            Self::FirstContact => TimelineKind::FirstContact,
            Self::Message => TimelineKind::Message,
            Self::MakeOffer => TimelineKind::OfferMade,
            Self::WithdrawOffer => TimelineKind::OfferWithdrawn,
            Self::AcceptOffer => TimelineKind::OfferAccepted,
            Self::RejectOffer => TimelineKind::OfferRejected,
            Self::Withdraw => TimelineKind::Withdrawn,
            Self::Decline => TimelineKind::Declined,
            Self::RequestEscalation => TimelineKind::EscalationRequested,
            Self::ProposeExtension => TimelineKind::ExtensionProposed,
            Self::AgreeExtension => TimelineKind::ExtensionAgreed,
            Self::RefuseExtension => TimelineKind::ExtensionRefused,
            Self::ProposePause => TimelineKind::PauseProposed,
            Self::AgreePause => TimelineKind::Paused,
            Self::Resume => TimelineKind::Resumed,
            Self::MarkFulfilled => TimelineKind::MarkedFulfilled,
            Self::ConfirmFulfilment => TimelineKind::FulfilmentConfirmed,
            Self::ReportNonFulfilment => TimelineKind::NonFulfilmentReported,
            Self::Rate => TimelineKind::Rated,
            Self::RejectAsNoConsumerDispute => TimelineKind::RejectedAsNoConsumerDispute,
            Self::RegulatorEscalation => TimelineKind::EscalatedByRegulator,
            Self::FirstContactLapsed => TimelineKind::FirstContactLapsed,
            Self::SettlementLapsed => TimelineKind::SettlementLapsed,
            Self::FulfilmentLapsed => TimelineKind::FulfilmentLapsed,
            Self::ConfirmationLapsed => TimelineKind::ConfirmationLapsed,
        }
    }

    /// The event a timeline entry records, if it records one: its stable name, or
    /// `first_contact` (a message or offer that made the first contact is recorded under that
    /// name).
    pub fn from_timeline(kind: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|e| e.timeline_kind().as_str() == kind)
    }

    /// Whether this event by `actor` is the business's answer that counts as first contact:
    /// an explicit first contact, a message or an offer of the business, or a documented
    /// decline (docs/metrics.md#first-contact).
    pub fn answers_consumer(self, actor: Actor) -> bool {
        match self {
            Self::FirstContact | Self::Decline => true,
            Self::Message | Self::MakeOffer => actor == Actor::Merchant,
            _ => false,
        }
    }
}

/// What the rules need to know about a dispute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    pub status: Status,
    /// The status a paused dispute returns to; `Some` exactly when paused.
    pub paused_from: Option<Status>,
    pub first_contact_due: DateTime<Utc>,
    pub settlement_due: DateTime<Utc>,
    pub has_first_contact: bool,
    /// The missed first contact is already recorded (the timer flagged it).
    pub first_contact_lapse_flagged: bool,
    pub extension_used: bool,
    pub pending_extension: Option<Party>,
    pub pending_pause: Option<Party>,
    pub fulfilment_marked: bool,
    pub rated: bool,
}

impl Facts {
    /// A freshly filed dispute.
    pub fn filed(first_contact_due: DateTime<Utc>, settlement_due: DateTime<Utc>) -> Self {
        Self {
            status: Status::Filed,
            paused_from: None,
            first_contact_due,
            settlement_due,
            has_first_contact: false,
            first_contact_lapse_flagged: false,
            extension_used: false,
            pending_extension: None,
            pending_pause: None,
            fulfilment_marked: false,
            rated: false,
        }
    }
}

/// Why an event is refused; each variant names the rule (and has its 409 code in
/// `crate::error::ErrorCode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    #[error("a dispute that is {status} cannot take `{}`", .event.name())]
    NotInThisState { status: Status, event: Event },
    #[error("this party may not take `{}`", .event.name())]
    NotYourTurn { event: Event },
    #[error("the dispute is closed")]
    Closed,
    #[error(
        "escalation is possible once the business has answered or declined, or after the first-contact due moment, {}",
        .from.with_timezone(&chrono_tz::Asia::Shanghai).format("%Y-%m-%d %H:%M:%S +08:00")
    )]
    EscalationTooEarly {
        /// The first-contact due moment, after which the consumer may ask.
        from: DateTime<Utc>,
    },
    #[error("a dispute may be extended once")]
    ExtensionAlreadyUsed,
    #[error("a proposal is already waiting for an answer")]
    ProposalPending,
    #[error("there is no proposal from the other party to answer")]
    NoProposal,
    #[error("the business has already marked the settlement fulfilled")]
    AlreadyFulfilled,
    #[error("the business has not marked the settlement fulfilled yet")]
    NotFulfilledYet,
    #[error("the dispute has already been rated")]
    AlreadyRated,
    #[error("the due date has not passed yet")]
    NotDueYet,
    #[error("the missed first contact is already recorded")]
    AlreadyFlagged,
}

/// Which actors may take `event` at all.
fn may_act(event: Event, actor: Actor) -> bool {
    use Actor as A;
    use Event as E;
    match event {
        E::FirstContact | E::Decline | E::MarkFulfilled => actor == A::Merchant,
        E::Withdraw
        | E::RequestEscalation
        | E::ConfirmFulfilment
        | E::ReportNonFulfilment
        | E::Rate => actor == A::Consumer,
        E::Message
        | E::MakeOffer
        | E::WithdrawOffer
        | E::AcceptOffer
        | E::RejectOffer
        | E::ProposeExtension
        | E::AgreeExtension
        | E::RefuseExtension
        | E::ProposePause
        | E::AgreePause
        | E::Resume => matches!(actor, A::Consumer | A::Merchant),
        E::RejectAsNoConsumerDispute | E::RegulatorEscalation => actor == A::Regulator,
        E::FirstContactLapsed
        | E::SettlementLapsed
        | E::FulfilmentLapsed
        | E::ConfirmationLapsed => actor == A::System,
    }
}

/// Applies `event` by `actor` at `now` to `facts`, returning the new facts or the rule broken.
/// Offer-level checks (whose offer, expiry, supersession) are [`super::offer`]'s.
pub fn transition(
    facts: &Facts,
    event: Event,
    actor: Actor,
    now: DateTime<Utc>,
) -> Result<Facts, RuleError> {
    use Event as E;
    use Status as S;
    if !may_act(event, actor) {
        return Err(RuleError::NotYourTurn { event });
    }
    let status = facts.status;
    if status.is_terminal() && event != E::Rate {
        return Err(RuleError::Closed);
    }
    let refused = Err(RuleError::NotInThisState { status, event });
    let mut next = facts.clone();
    let party = actor.party();
    match (event, status) {
        (E::FirstContact, S::Filed) => {
            next.status = S::Negotiating;
            next.has_first_contact = true;
        }
        (E::Message, S::Filed) | (E::MakeOffer, S::Filed) if actor == Actor::Merchant => {
            next.status = S::Negotiating;
            next.has_first_contact = true;
        }
        (E::Message, S::Filed | S::Negotiating | S::Settled | S::Paused) => {}
        (E::MakeOffer | E::WithdrawOffer | E::RejectOffer, S::Negotiating) => {}
        (E::AcceptOffer, S::Negotiating) => {
            next.status = S::Settled;
            next.pending_extension = None;
            next.pending_pause = None;
        }
        (E::Withdraw, S::Filed | S::Negotiating | S::Paused) => close(&mut next, S::Withdrawn),
        (E::Decline, S::Filed | S::Negotiating) => {
            // A documented decline answers the consumer: it is the business's first contact.
            next.has_first_contact = true;
            close(&mut next, S::Escalated);
        }
        (E::RequestEscalation, S::Negotiating) => close(&mut next, S::Escalated),
        (E::RequestEscalation, S::Filed) => {
            if now <= facts.first_contact_due {
                return Err(RuleError::EscalationTooEarly {
                    from: facts.first_contact_due,
                });
            }
            close(&mut next, S::Escalated);
        }
        (E::ProposeExtension, S::Filed | S::Negotiating) => {
            if facts.extension_used {
                return Err(RuleError::ExtensionAlreadyUsed);
            }
            if facts.pending_extension.is_some() {
                return Err(RuleError::ProposalPending);
            }
            next.pending_extension = party;
        }
        (E::AgreeExtension | E::RefuseExtension, S::Filed | S::Negotiating) => {
            if facts.pending_extension.is_none() || facts.pending_extension == party {
                return Err(RuleError::NoProposal);
            }
            next.pending_extension = None;
            next.extension_used = event == E::AgreeExtension;
        }
        (E::ProposePause, S::Filed | S::Negotiating) => {
            if facts.pending_pause.is_some() {
                return Err(RuleError::ProposalPending);
            }
            next.pending_pause = party;
        }
        (E::AgreePause, S::Filed | S::Negotiating) => {
            if facts.pending_pause.is_none() || facts.pending_pause == party {
                return Err(RuleError::NoProposal);
            }
            next.pending_pause = None;
            next.paused_from = Some(status);
            next.status = S::Paused;
        }
        (E::Resume, S::Paused) => {
            next.status = facts.paused_from.unwrap_or(S::Negotiating);
            next.paused_from = None;
        }
        (E::MarkFulfilled, S::Settled) => {
            if facts.fulfilment_marked {
                return Err(RuleError::AlreadyFulfilled);
            }
            next.fulfilment_marked = true;
        }
        (E::ConfirmFulfilment, S::Settled) => close(&mut next, S::Resolved),
        (E::ReportNonFulfilment, S::Settled) => close(&mut next, S::Escalated),
        (E::Rate, s) if s.is_terminal() => {
            if facts.rated {
                return Err(RuleError::AlreadyRated);
            }
            next.rated = true;
        }
        (E::RejectAsNoConsumerDispute, S::Filed | S::Negotiating | S::Paused) => {
            close(&mut next, S::Rejected)
        }
        (E::RegulatorEscalation, S::Filed | S::Negotiating | S::Paused) => {
            close(&mut next, S::Escalated)
        }
        (E::FirstContactLapsed, S::Filed) => {
            if now <= facts.first_contact_due {
                return Err(RuleError::NotDueYet);
            }
            // A sweep that read its page before another node flagged the miss.
            if facts.first_contact_lapse_flagged {
                return Err(RuleError::AlreadyFlagged);
            }
            next.first_contact_lapse_flagged = true;
        }
        (E::SettlementLapsed, S::Filed | S::Negotiating) => {
            if now <= facts.settlement_due {
                return Err(RuleError::NotDueYet);
            }
            close(&mut next, S::Escalated);
        }
        (E::FulfilmentLapsed, S::Settled) => {
            if facts.fulfilment_marked {
                return Err(RuleError::AlreadyFulfilled);
            }
            close(&mut next, S::Escalated);
        }
        (E::ConfirmationLapsed, S::Settled) => {
            if !facts.fulfilment_marked {
                return Err(RuleError::NotFulfilledYet);
            }
            close(&mut next, S::Resolved);
        }
        _ => return refused,
    }
    Ok(next)
}

/// The events `actor` may take now on a dispute with `facts`, in [`Event::ALL`]'s order:
/// exactly those [`transition`] accepts. Offer events also need an offer the actor may
/// answer or withdraw ([`super::offer`]).
pub fn possible_events(facts: &Facts, actor: Actor, now: DateTime<Utc>) -> Vec<Event> {
    Event::ALL
        .into_iter()
        .filter(|&event| transition(facts, event, actor, now).is_ok())
        .collect()
}

fn close(facts: &mut Facts, status: Status) {
    facts.status = status;
    facts.paused_from = None;
    facts.pending_extension = None;
    facts.pending_pause = None;
}

#[cfg(test)]
mod tests {

    #[test]
    fn refusals_name_the_action_as_the_api_spells_it() {
        let refused = RuleError::NotInThisState {
            status: Status::Negotiating,
            event: Event::FirstContact,
        };
        assert_eq!(
            refused.to_string(),
            "a dispute that is negotiating cannot take `first_contact`"
        );
        assert_eq!(Event::MakeOffer.name(), "make_offer");
        assert_eq!(Event::RejectAsNoConsumerDispute.name(), "reject");
    }
    use super::*;
    use Actor as A;
    use Event as E;
    use Status as S;
    use proptest::prelude::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn facts(status: Status) -> Facts {
        let mut f = Facts::filed(t("2026-03-06T15:59:59Z"), t("2026-03-20T15:59:59Z"));
        f.status = status;
        if status == S::Paused {
            f.paused_from = Some(S::Negotiating);
        }
        if status != S::Filed {
            f.has_first_contact = true;
        }
        f
    }

    #[test]
    fn each_party_may_do_what_the_rules_allow_and_nothing_else() {
        let before_due = t("2026-03-05T08:00:00Z");
        let filed = facts(S::Filed);
        assert_eq!(
            possible_events(&filed, A::Merchant, before_due),
            [
                E::FirstContact,
                E::Message,
                E::MakeOffer,
                E::Decline,
                E::ProposeExtension,
                E::ProposePause
            ]
        );
        // Escalation before the first-contact due moment is too early.
        assert_eq!(
            possible_events(&filed, A::Consumer, before_due),
            [
                E::Message,
                E::Withdraw,
                E::ProposeExtension,
                E::ProposePause
            ]
        );
        assert_eq!(
            possible_events(&filed, A::Regulator, before_due),
            [E::RejectAsNoConsumerDispute, E::RegulatorEscalation]
        );
        let mut resolved = facts(S::Resolved);
        assert_eq!(
            possible_events(&resolved, A::Consumer, before_due),
            [E::Rate]
        );
        resolved.rated = true;
        assert!(possible_events(&resolved, A::Consumer, before_due).is_empty());
        assert!(possible_events(&resolved, A::Merchant, before_due).is_empty());
    }

    /// The status each allowed (status, event, actor) leads to, with plain facts and a `now`
    /// after every due date; every other triple must be refused.
    fn allowed() -> Vec<(Status, Event, Actor, Status)> {
        let both = [A::Consumer, A::Merchant];
        let mut rows = vec![
            (S::Filed, E::FirstContact, A::Merchant, S::Negotiating),
            (S::Filed, E::Message, A::Merchant, S::Negotiating),
            (S::Filed, E::Message, A::Consumer, S::Filed),
            (S::Filed, E::MakeOffer, A::Merchant, S::Negotiating),
            (S::Filed, E::Withdraw, A::Consumer, S::Withdrawn),
            (S::Negotiating, E::Withdraw, A::Consumer, S::Withdrawn),
            (S::Paused, E::Withdraw, A::Consumer, S::Withdrawn),
            (S::Filed, E::Decline, A::Merchant, S::Escalated),
            (S::Negotiating, E::Decline, A::Merchant, S::Escalated),
            (S::Filed, E::RequestEscalation, A::Consumer, S::Escalated),
            (
                S::Negotiating,
                E::RequestEscalation,
                A::Consumer,
                S::Escalated,
            ),
            (S::Settled, E::MarkFulfilled, A::Merchant, S::Settled),
            (S::Settled, E::ConfirmFulfilment, A::Consumer, S::Resolved),
            (
                S::Settled,
                E::ReportNonFulfilment,
                A::Consumer,
                S::Escalated,
            ),
            (
                S::Filed,
                E::RejectAsNoConsumerDispute,
                A::Regulator,
                S::Rejected,
            ),
            (
                S::Negotiating,
                E::RejectAsNoConsumerDispute,
                A::Regulator,
                S::Rejected,
            ),
            (
                S::Paused,
                E::RejectAsNoConsumerDispute,
                A::Regulator,
                S::Rejected,
            ),
            (S::Filed, E::RegulatorEscalation, A::Regulator, S::Escalated),
            (
                S::Negotiating,
                E::RegulatorEscalation,
                A::Regulator,
                S::Escalated,
            ),
            (
                S::Paused,
                E::RegulatorEscalation,
                A::Regulator,
                S::Escalated,
            ),
            (S::Filed, E::FirstContactLapsed, A::System, S::Filed),
            (S::Filed, E::SettlementLapsed, A::System, S::Escalated),
            (S::Negotiating, E::SettlementLapsed, A::System, S::Escalated),
            (S::Settled, E::FulfilmentLapsed, A::System, S::Escalated),
        ];
        for actor in both {
            for status in [S::Negotiating, S::Settled, S::Paused] {
                rows.push((status, E::Message, actor, status));
            }
            for event in [E::MakeOffer, E::WithdrawOffer, E::RejectOffer] {
                rows.push((S::Negotiating, event, actor, S::Negotiating));
            }
            rows.push((S::Negotiating, E::AcceptOffer, actor, S::Settled));
            for status in [S::Filed, S::Negotiating] {
                rows.push((status, E::ProposeExtension, actor, status));
                rows.push((status, E::ProposePause, actor, status));
            }
            rows.push((S::Paused, E::Resume, actor, S::Negotiating));
        }
        for status in [S::Resolved, S::Withdrawn, S::Escalated, S::Rejected] {
            rows.push((status, E::Rate, A::Consumer, status));
        }
        rows
    }

    #[test]
    fn every_status_event_and_actor_triple_is_decided_by_the_table() {
        let allowed = allowed();
        let now = t("2026-04-01T00:00:00Z");
        for &status in S::ALL {
            for event in E::ALL {
                for &actor in A::ALL {
                    let expected = allowed
                        .iter()
                        .find(|(s, e, a, _)| *s == status && *e == event && *a == actor)
                        .map(|(_, _, _, to)| *to);
                    let got = transition(&facts(status), event, actor, now).map(|f| f.status);
                    match expected {
                        Some(to) => assert_eq!(got, Ok(to), "{status:?} {event:?} {actor:?}"),
                        None => assert!(
                            got.is_err(),
                            "{status:?} {event:?} {actor:?} should be refused"
                        ),
                    }
                }
            }
        }
    }

    #[test]
    fn answers_need_a_proposal_from_the_other_party() {
        let now = t("2026-03-02T00:00:00Z");
        let proposed = transition(
            &facts(S::Negotiating),
            E::ProposeExtension,
            A::Merchant,
            now,
        )
        .unwrap();
        assert_eq!(proposed.pending_extension, Some(Party::Business));
        assert_eq!(
            transition(&proposed, E::AgreeExtension, A::Merchant, now),
            Err(RuleError::NoProposal)
        );
        assert_eq!(
            transition(&proposed, E::ProposeExtension, A::Consumer, now),
            Err(RuleError::ProposalPending)
        );
        let agreed = transition(&proposed, E::AgreeExtension, A::Consumer, now).unwrap();
        assert!(agreed.extension_used);
        assert_eq!(
            transition(&agreed, E::ProposeExtension, A::Consumer, now),
            Err(RuleError::ExtensionAlreadyUsed)
        );
        assert_eq!(
            transition(&facts(S::Negotiating), E::AgreePause, A::Consumer, now),
            Err(RuleError::NoProposal)
        );
    }

    #[test]
    fn a_refused_extension_can_be_proposed_again() {
        let now = t("2026-03-02T00:00:00Z");
        let proposed = transition(
            &facts(S::Negotiating),
            E::ProposeExtension,
            A::Consumer,
            now,
        )
        .unwrap();
        let refused = transition(&proposed, E::RefuseExtension, A::Merchant, now).unwrap();
        assert!(!refused.extension_used && refused.pending_extension.is_none());
        assert!(transition(&refused, E::ProposeExtension, A::Merchant, now).is_ok());
    }

    #[test]
    fn a_pause_returns_to_the_state_it_left() {
        let now = t("2026-03-02T00:00:00Z");
        let filed = facts(S::Filed);
        let proposed = transition(&filed, E::ProposePause, A::Consumer, now).unwrap();
        let paused = transition(&proposed, E::AgreePause, A::Merchant, now).unwrap();
        assert_eq!(
            (paused.status, paused.paused_from),
            (S::Paused, Some(S::Filed))
        );
        let resumed = transition(&paused, E::Resume, A::Consumer, now).unwrap();
        assert_eq!((resumed.status, resumed.paused_from), (S::Filed, None));
    }

    #[test]
    fn escalation_before_any_answer_waits_for_the_first_contact_due_date() {
        let before = t("2026-03-06T10:00:00Z");
        assert_eq!(
            transition(&facts(S::Filed), E::RequestEscalation, A::Consumer, before),
            Err(RuleError::EscalationTooEarly {
                from: facts(S::Filed).first_contact_due
            })
        );
        assert_eq!(
            transition(&facts(S::Filed), E::SettlementLapsed, A::System, before),
            Err(RuleError::NotDueYet)
        );
    }

    #[test]
    fn fulfilment_rules() {
        let now = t("2026-03-02T00:00:00Z");
        let settled = facts(S::Settled);
        assert_eq!(
            transition(&settled, E::ConfirmationLapsed, A::System, now),
            Err(RuleError::NotFulfilledYet)
        );
        let marked = transition(&settled, E::MarkFulfilled, A::Merchant, now).unwrap();
        assert_eq!(
            transition(&marked, E::MarkFulfilled, A::Merchant, now),
            Err(RuleError::AlreadyFulfilled)
        );
        assert_eq!(
            transition(&marked, E::FulfilmentLapsed, A::System, now),
            Err(RuleError::AlreadyFulfilled)
        );
        assert_eq!(
            transition(&marked, E::ConfirmationLapsed, A::System, now)
                .unwrap()
                .status,
            S::Resolved
        );
    }

    #[test]
    fn a_dispute_is_rated_once() {
        let now = t("2026-03-02T00:00:00Z");
        let rated = transition(&facts(S::Resolved), E::Rate, A::Consumer, now).unwrap();
        assert_eq!(
            transition(&rated, E::Rate, A::Consumer, now),
            Err(RuleError::AlreadyRated)
        );
        assert_eq!(
            transition(&facts(S::Resolved), E::Message, A::Consumer, now),
            Err(RuleError::Closed)
        );
    }

    fn any_event() -> impl Strategy<Value = (Event, Actor)> {
        (0..Event::ALL.len(), 0..Actor::ALL.len()).prop_map(|(e, a)| (Event::ALL[e], Actor::ALL[a]))
    }

    proptest! {
        #[test]
        fn random_event_sequences_never_reach_an_invalid_state(
            events in proptest::collection::vec((any_event(), 0i64..40), 0..60)
        ) {
            let start = t("2026-03-02T02:00:00Z");
            let mut f = Facts::filed(t("2026-03-03T15:59:59Z"), t("2026-03-16T15:59:59Z"));
            let mut was_terminal = None;
            for ((event, actor), day) in events {
                let now = start + chrono::Duration::days(day);
                if let Ok(next) = transition(&f, event, actor, now) {
                    f = next;
                }
                prop_assert_eq!(f.paused_from.is_some(), f.status == Status::Paused);
                prop_assert!(f.paused_from != Some(Status::Paused));
                if f.status.is_terminal() {
                    prop_assert!(f.pending_extension.is_none() && f.pending_pause.is_none());
                    if let Some(terminal) = was_terminal {
                        prop_assert_eq!(f.status, terminal, "a terminal status never changes");
                    }
                    was_terminal = Some(f.status);
                }
                prop_assert!(!f.rated || f.status.is_terminal());
                prop_assert!(!f.fulfilment_marked || matches!(f.status, Status::Settled | Status::Resolved | Status::Escalated));
                prop_assert!(f.status == Status::Filed || f.status.is_terminal() || f.has_first_contact
                    || f.paused_from == Some(Status::Filed));
            }
        }
    }
}

text_enum! {
    /// One of a dispute's due dates: first contact, settlement, or fulfilment of a settlement
    /// (named in labels.ftl, `deadline-*`).
    pub enum Deadline ("deadline") {
        FirstContact,
        Settlement,
        Fulfilment,
    }
}
