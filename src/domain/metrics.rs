//! The oversight metrics of DESIGN §5, computed from additive daily counters. Rates are
//! `None` when their denominator is 0 (nothing to rate), never a made-up 0 or 100 %.

use std::ops::AddAssign;

use chrono::{DateTime, Utc};

use super::dispute::{Actor, Event, Status};

/// Additive counters of one unit and day (or any sum of them).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    /// Disputes filed.
    pub filed: i64,
    /// Of the disputes filed, those first contacted by their due moment.
    pub first_contact_on_time: i64,
    /// Disputes that reached a terminal state (resolved, withdrawn, escalated, rejected).
    pub concluded: i64,
    /// Concluded by settlement, withdrawal or the business's decline on or before the due date.
    pub concluded_on_time: i64,
    /// Concluded by a fulfilled settlement.
    pub settled: i64,
    pub escalated: i64,
    pub withdrawn: i64,
    /// Ratings of disputes concluded that day.
    pub rated: i64,
    pub rating_sum: i64,
    /// Ratings of 4 or 5.
    pub rated_high: i64,
    /// Working days from filing to conclusion, summed over the concluded disputes.
    pub cycle_days_sum: i64,
    /// Fulfilled settlement amounts.
    pub recovered_fen: i64,
    /// Escalations the regulator turned into enforcement cases (诉转案).
    pub case_filed: i64,
    /// Actions of the unit's staff on its disputes.
    pub handled: i64,
}

impl AddAssign for Counters {
    fn add_assign(&mut self, o: Self) {
        self.filed += o.filed;
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
    }
}

/// What a scope and period add up to, besides the counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Extras {
    /// Disputes open and past their settlement due date at the period's end.
    pub open_overdue_at_end: i64,
    /// Units with any dispute activity in the period.
    pub units_with_disputes: i64,
    /// Of those, units whose staff acted on a dispute.
    pub units_handling: i64,
    pub units_activated: i64,
    pub units_suspended: i64,
    pub units_removed: i64,
}

/// The metrics of DESIGN §5.
#[derive(Debug, Clone, PartialEq)]
pub struct Figures {
    pub filed: i64,
    pub concluded: i64,
    pub settled: i64,
    pub escalated: i64,
    pub withdrawn: i64,
    pub open_overdue_at_end: i64,
    /// 按时办结率: concluded on time ÷ (concluded + open and overdue at the end).
    pub on_time_rate: Option<f64>,
    /// 和解成功率: settled ÷ (settled + escalated).
    pub settlement_rate: Option<f64>,
    /// First contact in time ÷ filed.
    pub first_contact_rate: Option<f64>,
    /// 满意度: mean rating 1–5 …
    pub satisfaction_mean: Option<f64>,
    /// … and the share rated 4–5.
    pub satisfaction_high_share: Option<f64>,
    pub rated: i64,
    /// Mean working days from filing to conclusion.
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
        settlement_rate: ratio(c.settled, c.settled + c.escalated),
        first_contact_rate: ratio(c.first_contact_on_time, c.filed),
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

/// What the counters of a step depend on besides the step itself.
#[derive(Debug, Clone, Copy)]
pub struct StepFacts {
    pub filed_at: DateTime<Utc>,
    pub first_contact_due_at: DateTime<Utc>,
    pub settlement_due_at: DateTime<Utc>,
    /// When the settlement was agreed and its amount, if one was.
    pub settlement: Option<(DateTime<Utc>, i64)>,
    /// The rating after the step, and when the dispute concluded.
    pub rating: Option<i64>,
    pub concluded_at: Option<DateTime<Utc>>,
    /// Working days from filing to the step (used when the step concludes the dispute).
    pub cycle_working_days: i64,
}

/// The counters a step adds, each with the moment whose (Shanghai) day it counts on: the step's
/// own day, except the first contact (counted on the filing day, as the rate is over disputes
/// filed) and the rating (on the conclusion day, as satisfaction is over disputes concluded).
pub fn step_counters(step: &Step, facts: &StepFacts) -> Vec<(DateTime<Utc>, Counters)> {
    let mut out = Vec::new();
    let mut today = Counters::default();
    if step.actor == Actor::Merchant {
        today.handled = 1;
    }
    if step.to.is_terminal() && !step.from.is_terminal() {
        let due = facts.settlement_due_at;
        today.concluded = 1;
        today.cycle_days_sum = facts.cycle_working_days;
        match step.to {
            Status::Resolved => {
                today.settled = 1;
                if let Some((agreed_at, amount)) = facts.settlement {
                    if agreed_at <= due {
                        today.concluded_on_time = 1;
                    }
                    if step.fulfilment_marked {
                        today.recovered_fen = amount;
                    }
                }
            }
            Status::Withdrawn => {
                today.withdrawn = 1;
                // A withdrawal after agreeing a settlement still ends it without escalation.
                if step.at <= due || facts.settlement.is_some() {
                    today.concluded_on_time = 1;
                }
            }
            Status::Escalated => {
                today.escalated = 1;
                if step.event == Event::Decline && step.at <= due {
                    today.concluded_on_time = 1;
                }
            }
            _ => {}
        }
    }
    if today != Counters::default() {
        out.push((step.at, today));
    }
    if step.first_contact_now && step.at <= facts.first_contact_due_at {
        out.push((
            facts.filed_at,
            Counters {
                first_contact_on_time: 1,
                ..Counters::default()
            },
        ));
    }
    if step.event == Event::Rate
        && let (Some(rating), Some(concluded)) = (facts.rating, facts.concluded_at)
    {
        out.push((
            concluded,
            Counters {
                rated: 1,
                rating_sum: rating,
                rated_high: i64::from(rating >= 4),
                ..Counters::default()
            },
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_follow_the_definitions_and_are_absent_without_a_denominator() {
        let c = Counters {
            filed: 10,
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
}
