//! The oversight figures of docs/metrics.md, computed from additive counters per unit and day.
//! Each figure is defined here once; every place that shows one reads it from [`figures`].
//! Rates are `None` when their denominator is 0 (nothing to rate), never a made-up 0 or 100 %.

use std::ops::{AddAssign, Neg};

use chrono::{DateTime, TimeDelta, Utc};

use super::calendar::Calendar;
use super::dispute::{Actor, Event, Status};

/// Additive counters of one unit and day (or any sum of them).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    /// Disputes filed.
    pub filed: i64,
    /// Disputes whose first contact was judged that day: answered in time (on the day of the
    /// answer) or not (on the day the first-contact due date fell).
    pub first_contact_due: i64,
    /// Of those, answered by their first-contact due moment.
    pub first_contact_on_time: i64,
    /// Disputes whose handling ended that day by agreement, withdrawal, decline or escalation.
    pub concluded: i64,
    /// Of those, handled on time (docs/metrics.md#on-time-rate).
    pub concluded_on_time: i64,
    /// Settlement agreements, less earlier agreements escalated that day as unfulfilled.
    pub settled: i64,
    /// Escalations (declines included), plus agreements escalated that day as unfulfilled.
    pub escalated: i64,
    pub withdrawn: i64,
    /// Ratings of disputes that reached a terminal state that day.
    pub rated: i64,
    pub rating_sum: i64,
    /// Ratings of 4 or 5.
    pub rated_high: i64,
    /// Working days from filing to the end of handling, summed over the concluded disputes.
    pub cycle_days_sum: i64,
    /// Fulfilled settlement amounts.
    pub recovered_fen: i64,
    /// Escalations the regulator turned into enforcement cases (诉转案).
    pub case_filed: i64,
    /// Actions of the unit's staff on its disputes.
    pub handled: i64,
    /// Disputes whose handling ended after their settlement due moment, counted on the day that
    /// moment fell: their overdue spell began (docs/metrics.md#open-and-overdue).
    pub overdue_began: i64,
    /// The same disputes, counted on the day their overdue spell ended (the day holding the
    /// instant just before the end of handling, so an end at midnight ends the day before).
    pub overdue_ended: i64,
}

impl AddAssign for Counters {
    fn add_assign(&mut self, o: Self) {
        self.filed += o.filed;
        self.first_contact_due += o.first_contact_due;
        self.first_contact_on_time += o.first_contact_on_time;
        self.concluded += o.concluded;
        self.concluded_on_time += o.concluded_on_time;
        self.settled += o.settled;
        self.escalated += o.escalated;
        self.withdrawn += o.withdrawn;
        self.rated += o.rated;
        self.rating_sum += o.rating_sum;
        self.rated_high += o.rated_high;
        self.cycle_days_sum += o.cycle_days_sum;
        self.recovered_fen += o.recovered_fen;
        self.case_filed += o.case_filed;
        self.handled += o.handled;
        self.overdue_began += o.overdue_began;
        self.overdue_ended += o.overdue_ended;
    }
}

impl Neg for Counters {
    type Output = Self;

    fn neg(self) -> Self {
        Self {
            filed: -self.filed,
            first_contact_due: -self.first_contact_due,
            first_contact_on_time: -self.first_contact_on_time,
            concluded: -self.concluded,
            concluded_on_time: -self.concluded_on_time,
            settled: -self.settled,
            escalated: -self.escalated,
            withdrawn: -self.withdrawn,
            rated: -self.rated,
            rating_sum: -self.rating_sum,
            rated_high: -self.rated_high,
            cycle_days_sum: -self.cycle_days_sum,
            recovered_fen: -self.recovered_fen,
            case_filed: -self.case_filed,
            handled: -self.handled,
            overdue_began: -self.overdue_began,
            overdue_ended: -self.overdue_ended,
        }
    }
}

/// What a scope and period add up to, besides the counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Extras {
    /// Disputes whose handling had not ended and whose settlement due date had passed at the
    /// period's end, or now for a period not over.
    pub open_overdue_at_end: i64,
    /// Units with any dispute activity in the period.
    pub units_with_disputes: i64,
    /// Of those, units whose staff acted on a dispute.
    pub units_handling: i64,
    pub units_activated: i64,
    pub units_suspended: i64,
    pub units_removed: i64,
}

/// The figures of docs/metrics.md.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Figures {
    pub filed: i64,
    pub concluded: i64,
    pub settled: i64,
    pub escalated: i64,
    pub withdrawn: i64,
    pub open_overdue_at_end: i64,
    /// 按时办结率: handled on time ÷ (handling concluded + open and overdue at the end).
    pub on_time_rate: Option<f64>,
    /// 和解成功率: settled ÷ (settled + escalated).
    pub settlement_rate: Option<f64>,
    /// First contact in time ÷ disputes whose first contact was judged in the period.
    pub first_contact_rate: Option<f64>,
    /// 满意度: mean rating 1–5 …
    pub satisfaction_mean: Option<f64>,
    /// … and the share rated 4–5.
    pub satisfaction_high_share: Option<f64>,
    pub rated: i64,
    /// Mean working days from filing to the end of handling.
    pub average_cycle_working_days: Option<f64>,
    /// 挽回经济损失, in fen.
    pub loss_recovered_fen: i64,
    /// 诉转案.
    pub complaint_to_case: i64,
    /// 活跃度: units that handled a dispute ÷ units that had one.
    pub activity_rate: Option<f64>,
    pub units_activated: i64,
    pub units_suspended: i64,
    pub units_removed: i64,
}

fn ratio(numerator: i64, denominator: i64) -> Option<f64> {
    (denominator > 0).then(|| numerator as f64 / denominator as f64)
}

/// The figures of summed counters.
pub fn figures(c: &Counters, x: &Extras) -> Figures {
    Figures {
        filed: c.filed,
        concluded: c.concluded,
        settled: c.settled,
        escalated: c.escalated,
        withdrawn: c.withdrawn,
        open_overdue_at_end: x.open_overdue_at_end,
        on_time_rate: ratio(c.concluded_on_time, c.concluded + x.open_overdue_at_end),
        // Agreements moved to the escalations can outnumber a period's new ones: such a period
        // settled none of what it handled (0 %), never a negative rate.
        settlement_rate: ratio(c.settled.max(0), c.settled.max(0) + c.escalated),
        first_contact_rate: ratio(c.first_contact_on_time, c.first_contact_due),
        satisfaction_mean: ratio(c.rating_sum, c.rated),
        satisfaction_high_share: ratio(c.rated_high, c.rated),
        rated: c.rated,
        average_cycle_working_days: ratio(c.cycle_days_sum, c.concluded),
        loss_recovered_fen: c.recovered_fen,
        complaint_to_case: c.case_filed,
        activity_rate: ratio(x.units_handling, x.units_with_disputes),
        units_activated: x.units_activated,
        units_suspended: x.units_suspended,
        units_removed: x.units_removed,
    }
}

/// One step of a dispute, as the metrics see it.
#[derive(Debug, Clone, Copy)]
pub struct Step {
    pub from: Status,
    pub to: Status,
    pub event: Event,
    pub actor: Actor,
    /// The step made the first contact.
    pub first_contact_now: bool,
    /// The business had marked the settlement fulfilled (after the step).
    pub fulfilment_marked: bool,
    pub at: DateTime<Utc>,
}

/// How the business's handling of a dispute ended (docs/metrics.md#handling).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandlingEnd {
    /// An offer was accepted: the settlement agreement.
    Agreement,
    Withdrawal,
    /// The business documented that it will not settle (the dispute escalates).
    Decline,
    /// The consumer asked for escalation, a regulator took the dispute, or a due date lapsed.
    Escalation,
    /// A regulator ruled it no consumer dispute: not counted for or against the unit.
    Rejection,
}

/// How `step` ends the handling, if it does.
pub fn handling_end(step: &Step) -> Option<HandlingEnd> {
    if !step.from.in_handling() || step.to.in_handling() {
        return None;
    }
    Some(match (step.event, step.to) {
        (Event::Decline, _) => HandlingEnd::Decline,
        (_, Status::Settled) => HandlingEnd::Agreement,
        (_, Status::Withdrawn) => HandlingEnd::Withdrawal,
        (_, Status::Rejected) => HandlingEnd::Rejection,
        _ => HandlingEnd::Escalation,
    })
}

/// What the counters of a step depend on besides the step itself: the dispute's due moments,
/// what was true just before the step, and the rating and conclusion just after it.
#[derive(Debug, Clone, Copy)]
pub struct StepFacts {
    pub filed_at: DateTime<Utc>,
    pub first_contact_due_at: DateTime<Utc>,
    pub settlement_due_at: DateTime<Utc>,
    /// Before the step: when the business first answered.
    pub first_contacted_at: Option<DateTime<Utc>>,
    /// Before the step: the missed first contact was already counted (the timer flagged it).
    pub first_contact_lapse_counted: bool,
    /// Before the step: paused since then (the clock stopped).
    pub paused_since: Option<DateTime<Utc>>,
    /// Before the step: the amount of the settlement agreement, if one was made.
    pub agreement_fen: Option<i64>,
    /// After the step: the rating, and when the dispute reached a terminal state.
    pub rating: Option<i64>,
    pub concluded_at: Option<DateTime<Utc>>,
    /// Before the step: the satisfaction said at the latest return visit, counted while the
    /// consumer had not rated in the app (docs/following.md#return-visits); a rating replaces
    /// it.
    pub visit_rating: Option<i64>,
}

/// The counters of one dispute's satisfaction `rating` (1–5).
pub fn rating_counters(rating: i64) -> Counters {
    one(|c| {
        c.rated = 1;
        c.rating_sum = rating;
        c.rated_high = i64::from(rating >= 4);
    })
}

/// What the satisfaction counters change by when a return visit of a dispute the consumer did
/// not rate in the app moves its counted satisfaction from `before` to `after` (each the
/// latest said at a visit; counted on the day the dispute concluded).
pub fn visit_counters(before: Option<i64>, after: Option<i64>) -> Counters {
    let mut c = after.map(rating_counters).unwrap_or_default();
    c += -before.map(rating_counters).unwrap_or_default();
    c
}

fn one(set: impl FnOnce(&mut Counters)) -> Counters {
    let mut c = Counters::default();
    set(&mut c);
    c
}

/// The counters a step adds, each with the moment whose (Shanghai) day it counts on
/// (docs/metrics.md#counters): the step's own day, except a first-contact miss (counted on the
/// day its due date fell) and a rating (on the day the dispute concluded). `calendar` counts
/// the working days of the handling cycle.
pub fn step_counters(
    step: &Step,
    facts: &StepFacts,
    calendar: &Calendar,
) -> Vec<(DateTime<Utc>, Counters)> {
    let mut out = Vec::new();
    let mut today = Counters::default();
    if step.actor == Actor::Merchant {
        today.handled = 1;
    }
    // A paused dispute's clock stopped when the pause began.
    let judged_at = facts.paused_since.unwrap_or(step.at);
    let before_due = judged_at <= facts.settlement_due_at;
    if let Some(end) = handling_end(step)
        && end != HandlingEnd::Rejection
    {
        today.concluded = 1;
        today.cycle_days_sum = i64::from(calendar.working_days_between(facts.filed_at, step.at));
        let answered_in_time = facts
            .first_contacted_at
            .is_some_and(|at| at <= facts.first_contact_due_at);
        let on_time = match end {
            HandlingEnd::Agreement => {
                today.settled = 1;
                before_due
            }
            HandlingEnd::Withdrawal => {
                today.withdrawn = 1;
                before_due
            }
            HandlingEnd::Decline => {
                today.escalated = 1;
                before_due
            }
            _ => {
                today.escalated = 1;
                // The business did its part: it answered in time and the consumer (or a
                // regulator) took the dispute on before the due date. Lapses are late.
                before_due
                    && answered_in_time
                    && matches!(
                        step.event,
                        Event::RequestEscalation | Event::RegulatorEscalation
                    )
            }
        };
        today.concluded_on_time = i64::from(on_time);
    }
    if step.from == Status::Settled && step.to == Status::Escalated {
        // An agreement reported unfulfilled (or left unfulfilled) moves to the escalations.
        today.settled -= 1;
        today.escalated += 1;
    }
    if step.to == Status::Resolved && step.from != Status::Resolved && step.fulfilment_marked {
        today.recovered_fen = facts.agreement_fen.unwrap_or(0);
    }
    if today != Counters::default() {
        out.push((step.at, today));
    }
    // Handling that ends after the settlement due moment was open and overdue in between: the
    // spell is counted where it began and where it ended, so "open and overdue" at a past
    // day's end is a sum of counters (docs/metrics.md#open-and-overdue).
    if handling_end(step).is_some() && step.at > facts.settlement_due_at {
        out.push((facts.settlement_due_at, one(|c| c.overdue_began = 1)));
        out.push((
            step.at - TimeDelta::microseconds(1),
            one(|c| c.overdue_ended = 1),
        ));
    }
    let contact_due = facts.first_contact_due_at;
    if step.first_contact_now && step.at <= contact_due {
        out.push((
            step.at,
            one(|c| {
                c.first_contact_due = 1;
                c.first_contact_on_time = 1;
            }),
        ));
    } else if !facts.first_contact_lapse_counted
        && facts.first_contacted_at.is_none()
        && judged_at > contact_due
        && (step.first_contact_now
            || step.event == Event::FirstContactLapsed
            || (step.to.is_terminal() && !step.from.is_terminal() && step.to != Status::Rejected))
    {
        out.push((contact_due, one(|c| c.first_contact_due = 1)));
    }
    // A dispute ruled no consumer dispute is not the unit's: its rating is not counted either.
    // The consumer's own rating replaces what they said at a return visit.
    if step.event == Event::Rate
        && step.from != Status::Rejected
        && let (Some(rating), Some(concluded)) = (facts.rating, facts.concluded_at)
    {
        let mut counted = rating_counters(rating);
        counted += visit_counters(facts.visit_rating, None);
        out.push((concluded, counted));
    }
    out
}

/// One entry of a dispute's timeline, as the metrics read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    /// A lifecycle event.
    Step {
        event: Event,
        from: Status,
        to: Status,
        actor: Actor,
        at: DateTime<Utc>,
    },
    /// The regulator turned the escalation into an enforcement case (诉转案).
    CaseFiled { at: DateTime<Utc> },
}

/// What a replay needs of the dispute besides its timeline.
#[derive(Debug, Clone, Copy)]
pub struct History {
    pub filed_at: DateTime<Utc>,
    /// Whether the filing's follow-up, which counts it as filed, has run
    /// (docs/architecture.md#filing-follow-up); until then the filing is not counted.
    pub filing_followed_up: bool,
    pub first_contact_due_at: DateTime<Utc>,
    pub settlement_due_at: DateTime<Utc>,
    pub agreement_fen: Option<i64>,
    pub rating: Option<i64>,
    /// The satisfaction said at the dispute's latest return visit that gave one.
    pub visit_rating: Option<i64>,
}

/// What a dispute's timeline adds up to.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Replayed {
    /// Every counter the dispute contributes, with the moment whose day it counts on.
    pub counters: Vec<(DateTime<Utc>, Counters)>,
    /// When the business's handling ended, if it has.
    pub handling_ended_at: Option<DateTime<Utc>>,
}

/// Replays a dispute's timeline (oldest first) through [`step_counters`]: the counters kept
/// event by event must equal what this gives (`odr metrics rebuild`, the generated history).
pub fn replay(h: &History, timeline: &[Entry], calendar: &Calendar) -> Replayed {
    let mut out = Replayed {
        counters: if h.filing_followed_up {
            vec![(h.filed_at, one(|c| c.filed = 1))]
        } else {
            Vec::new()
        },
        handling_ended_at: None,
    };
    let mut facts = StepFacts {
        filed_at: h.filed_at,
        first_contact_due_at: h.first_contact_due_at,
        settlement_due_at: h.settlement_due_at,
        first_contacted_at: None,
        first_contact_lapse_counted: false,
        paused_since: None,
        agreement_fen: None,
        rating: None,
        concluded_at: None,
        // A return visit counts only while the dispute is unrated, so the replay adds it at the
        // end rather than where it came (the sums per day are the same).
        visit_rating: None,
    };
    let mut fulfilment_marked = false;
    let mut last_status = Status::Filed;
    for entry in timeline {
        let (event, from, to, actor, at) = match *entry {
            Entry::CaseFiled { at } => {
                out.counters.push((at, one(|c| c.case_filed = 1)));
                continue;
            }
            Entry::Step {
                event,
                from,
                to,
                actor,
                at,
            } => (event, from, to, actor, at),
        };
        fulfilment_marked |= event == Event::MarkFulfilled;
        if to.is_terminal() && !from.is_terminal() {
            facts.concluded_at = Some(at);
        }
        if event == Event::Rate {
            facts.rating = h.rating;
        }
        let step = Step {
            from,
            to,
            event,
            actor,
            first_contact_now: facts.first_contacted_at.is_none()
                && from == Status::Filed
                && event.answers_consumer(actor),
            fulfilment_marked,
            at,
        };
        out.counters.extend(step_counters(&step, &facts, calendar));
        if out.handling_ended_at.is_none() && handling_end(&step).is_some() {
            out.handling_ended_at = Some(at);
        }
        if step.first_contact_now {
            facts.first_contacted_at = Some(at);
        }
        facts.first_contact_lapse_counted |= event == Event::FirstContactLapsed;
        if event == Event::AcceptOffer {
            facts.agreement_fen = h.agreement_fen;
        }
        facts.paused_since = (to == Status::Paused).then(|| facts.paused_since.unwrap_or(at));
        last_status = to;
    }
    if h.rating.is_none()
        && last_status != Status::Rejected
        && let Some(concluded) = facts.concluded_at
        && h.visit_rating.is_some()
    {
        out.counters
            .push((concluded, visit_counters(None, h.visit_rating)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_follow_the_definitions_and_are_absent_without_a_denominator() {
        let c = Counters {
            filed: 12,
            first_contact_due: 10,
            first_contact_on_time: 8,
            concluded: 6,
            concluded_on_time: 4,
            settled: 3,
            escalated: 2,
            withdrawn: 1,
            rated: 4,
            rating_sum: 17,
            rated_high: 3,
            cycle_days_sum: 30,
            recovered_fen: 150_000,
            case_filed: 1,
            handled: 9,
            ..Counters::default()
        };
        let x = Extras {
            open_overdue_at_end: 2,
            units_with_disputes: 4,
            units_handling: 3,
            ..Extras::default()
        };
        let f = figures(&c, &x);
        assert_eq!(f.on_time_rate, Some(0.5));
        assert_eq!(f.settlement_rate, Some(0.6));
        assert_eq!(f.first_contact_rate, Some(0.8));
        assert_eq!(f.satisfaction_mean, Some(4.25));
        assert_eq!(f.satisfaction_high_share, Some(0.75));
        assert_eq!(f.average_cycle_working_days, Some(5.0));
        assert_eq!(f.activity_rate, Some(0.75));
        let empty = figures(&Counters::default(), &Extras::default());
        assert_eq!(
            (
                empty.on_time_rate,
                empty.settlement_rate,
                empty.satisfaction_mean
            ),
            (None, None, None)
        );
    }

    #[test]
    fn counters_add_up() {
        let mut a = Counters {
            filed: 1,
            handled: 2,
            ..Counters::default()
        };
        a += Counters {
            filed: 2,
            recovered_fen: 5,
            ..Counters::default()
        };
        assert_eq!((a.filed, a.handled, a.recovered_fen), (3, 2, 5));
    }

    #[test]
    fn a_return_visit_counts_until_the_consumer_rates_and_the_replay_agrees() {
        use crate::domain::dispute::Event;
        let at = |h: u32| {
            chrono::NaiveDate::from_ymd_opt(2026, 11, 27)
                .unwrap()
                .and_hms_opt(h, 0, 0)
                .unwrap()
                .and_utc()
        };
        let (filed, withdrawn) = (at(1), at(2));
        // Said 2 at a first visit, 4 at a second: the unrated dispute counts 4, once.
        let mut live = visit_counters(None, Some(2));
        live += visit_counters(Some(2), Some(4));
        assert_eq!((live.rated, live.rating_sum, live.rated_high), (1, 4, 1));
        assert_eq!(visit_counters(Some(4), Some(4)), Counters::default());
        // The consumer then rates 5 in the app: the rating replaces the visit.
        let rate = Step {
            from: Status::Withdrawn,
            to: Status::Withdrawn,
            event: Event::Rate,
            actor: Actor::Consumer,
            first_contact_now: false,
            fulfilment_marked: false,
            at: at(3),
        };
        let facts = StepFacts {
            filed_at: filed,
            first_contact_due_at: at(20),
            settlement_due_at: at(23),
            first_contacted_at: None,
            first_contact_lapse_counted: false,
            paused_since: None,
            agreement_fen: None,
            rating: Some(5),
            concluded_at: Some(withdrawn),
            visit_rating: Some(4),
        };
        let calendar = Calendar::default();
        for (on, c) in step_counters(&rate, &facts, &calendar) {
            assert_eq!(
                on, withdrawn,
                "a rating counts on the day of the conclusion"
            );
            live += c;
        }
        assert_eq!((live.rated, live.rating_sum, live.rated_high), (1, 5, 1));
        // The replay, from the timeline and the latest visit, counts the same.
        let timeline = [
            Entry::Step {
                event: Event::Withdraw,
                from: Status::Filed,
                to: Status::Withdrawn,
                actor: Actor::Consumer,
                at: withdrawn,
            },
            Entry::Step {
                event: Event::Rate,
                from: Status::Withdrawn,
                to: Status::Withdrawn,
                actor: Actor::Consumer,
                at: at(3),
            },
        ];
        let sum = |h: &History, timeline: &[Entry]| {
            let mut total = Counters::default();
            for (_, c) in replay(h, timeline, &calendar).counters {
                total += c;
            }
            (total.rated, total.rating_sum)
        };
        let rated = History {
            filed_at: filed,
            filing_followed_up: true,
            first_contact_due_at: at(20),
            settlement_due_at: at(23),
            agreement_fen: None,
            rating: Some(5),
            visit_rating: Some(4),
        };
        assert_eq!(sum(&rated, &timeline), (1, 5));
        let unrated = History {
            rating: None,
            ..rated
        };
        assert_eq!(sum(&unrated, &timeline[..1]), (1, 4));
        let still_open = History {
            rating: None,
            ..rated
        };
        assert_eq!(
            sum(&still_open, &[]),
            (0, 0),
            "no visit counts before the end"
        );
    }
}
