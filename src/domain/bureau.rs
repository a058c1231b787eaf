//! The bureau's own time limits on an escalated dispute (docs/escalation.md#the-bureaus-own-deadlines):
//! the statutory limits of SAMR's interim measures for handling complaints and reports (2019),
//! counted in working days with the same calendar and explanations as the units' deadlines.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::calendar::{Calendar, DueDate};
use super::escalation::EscalationState;
use super::text_enum::text_enum;

text_enum! {
    /// A time limit of the bureau on an escalated dispute.
    pub enum BureauDeadline ("bureau deadline") {
        /// Decide whether to accept the complaint (受理 or 不予受理) and tell the consumer:
        /// counted from its arrival in the bureau's queue.
        Acceptance,
        /// End a mediation that reached no agreement: counted from the acceptance.
        Mediation,
        /// Tell both parties that the mediation ended without agreement: counted from its end.
        /// The platform tells them as the end is recorded, so it is met by that step.
        Notification,
        /// Verify and decide whether to open a case (立案) after a failed mediation.
        CaseDecision,
    }
}

/// The bureau's limits, in working days; effective-dated with the rest of a deadline policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct BureauLimits {
    pub acceptance_working_days: u32,
    pub mediation_working_days: u32,
    pub notification_working_days: u32,
    pub case_decision_working_days: u32,
}

impl Default for BureauLimits {
    /// The statutory limits: 7, 45, 7 and 15 working days.
    fn default() -> Self {
        Self {
            acceptance_working_days: 7,
            mediation_working_days: 45,
            notification_working_days: 7,
            case_decision_working_days: 15,
        }
    }
}

impl BureauLimits {
    /// The working days of `deadline`.
    pub fn of(&self, deadline: BureauDeadline) -> u32 {
        match deadline {
            BureauDeadline::Acceptance => self.acceptance_working_days,
            BureauDeadline::Mediation => self.mediation_working_days,
            BureauDeadline::Notification => self.notification_working_days,
            BureauDeadline::CaseDecision => self.case_decision_working_days,
        }
    }

    /// Why the limits cannot be used, as (field, message) pairs.
    pub fn problems(&self) -> Vec<(&'static str, &'static str)> {
        BureauDeadline::ALL
            .iter()
            .filter(|d| !(1..=90).contains(&self.of(**d)))
            .map(|d| (d.field(), "1–90 working days"))
            .collect()
    }
}

impl BureauDeadline {
    /// The limit's field in a policy.
    pub fn field(self) -> &'static str {
        match self {
            Self::Acceptance => "bureau.acceptance_working_days",
            Self::Mediation => "bureau.mediation_working_days",
            Self::Notification => "bureau.notification_working_days",
            Self::CaseDecision => "bureau.case_decision_working_days",
        }
    }

    /// Whether the handling step `state` starts this limit.
    fn started_by(self, state: EscalationState) -> bool {
        use EscalationState as S;
        match self {
            // Counted from the arrival in the queue, not from a step.
            Self::Acceptance => false,
            // A gateway may report mediating without accepted before it.
            Self::Mediation => matches!(state, S::Accepted | S::Mediating),
            // The statute's notice is of the mediation's termination without agreement.
            Self::Notification => state == S::MediationFailed,
            Self::CaseDecision => state == S::MediationFailed,
        }
    }

    /// Whether the handling step `state`, after the start, meets this limit.
    fn met_by(self, state: EscalationState) -> bool {
        use EscalationState as S;
        match self {
            Self::Acceptance => !matches!(state, S::Pending | S::Delivered | S::Received),
            Self::Mediation => matches!(
                state,
                S::Mediated | S::MediationFailed | S::CaseFiled | S::Closed
            ),
            // The end of the mediation is told to both parties as it is recorded.
            Self::Notification => state == S::MediationFailed,
            Self::CaseDecision => matches!(state, S::CaseFiled | S::Closed),
        }
    }
}

/// One of the bureau's limits on an escalation, as it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BureauDue {
    pub deadline: BureauDeadline,
    pub working_days: u32,
    pub started_at: DateTime<Utc>,
    pub due: DueDate,
    /// When the step that meets it was recorded; none while it runs.
    pub met_at: Option<DateTime<Utc>>,
}

impl BureauDue {
    /// Met by its due moment; none while it runs.
    pub fn on_time(&self) -> Option<bool> {
        self.met_at.map(|at| at <= self.due.due_at)
    }
}

/// The bureau's limits on an escalation that reached its queue at `arrived_at`, is now in
/// `state`, with the handling steps recorded since (oldest first): each limit that has
/// started, with its due moment and, once met, when. A limit the escalation is past without a
/// recorded step that met it (an imported or generated history) is left out: when it was met
/// is not known.
pub fn bureau_dues(
    limits: &BureauLimits,
    calendar: &Calendar,
    arrived_at: DateTime<Utc>,
    state: EscalationState,
    steps: &[(EscalationState, DateTime<Utc>)],
) -> Vec<BureauDue> {
    let mut out = Vec::new();
    for &deadline in BureauDeadline::ALL {
        let start = if deadline == BureauDeadline::Acceptance {
            Some((0, arrived_at))
        } else {
            steps
                .iter()
                .position(|(state, _)| deadline.started_by(*state))
                .map(|at| (at, steps[at].1))
        };
        let Some((from, started_at)) = start else {
            continue;
        };
        let met_at = steps[from..]
            .iter()
            .find(|(state, _)| deadline.met_by(*state))
            .map(|(_, at)| *at);
        if met_at.is_none() && (deadline.met_by(state) || state.is_final()) {
            continue;
        }
        let working_days = limits.of(deadline);
        out.push(BureauDue {
            deadline,
            working_days,
            started_at,
            due: calendar.add_working_days(started_at, working_days),
            met_at,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use EscalationState as S;

    fn at(day: u32) -> DateTime<Utc> {
        // 02:00 UTC is 10:00 in Shanghai, on day `day` of December 2026.
        chrono::NaiveDate::from_ymd_opt(2026, 12, day)
            .unwrap()
            .and_hms_opt(2, 0, 0)
            .unwrap()
            .and_utc()
    }

    #[test]
    fn each_limit_starts_with_its_step_and_is_met_by_the_next() {
        let calendar = Calendar::default();
        let limits = BureauLimits::default();
        // Arrived on Tuesday 1 December: 7 working days end on Thursday 10 December.
        let only_arrived = bureau_dues(&limits, &calendar, at(1), S::Delivered, &[]);
        assert_eq!(only_arrived.len(), 1);
        assert_eq!(only_arrived[0].deadline, BureauDeadline::Acceptance);
        assert_eq!(
            only_arrived[0]
                .due
                .due_at
                .with_timezone(&chrono_tz::Asia::Shanghai)
                .date_naive(),
            chrono::NaiveDate::from_ymd_opt(2026, 12, 10).unwrap()
        );
        assert_eq!(only_arrived[0].on_time(), None);

        let steps = [
            (S::Received, at(2)),
            (S::Accepted, at(11)),
            (S::Mediating, at(14)),
            (S::MediationFailed, at(21)),
            (S::CaseFiled, at(30)),
        ];
        let dues = bureau_dues(&limits, &calendar, at(1), S::CaseFiled, &steps);
        let kinds: Vec<_> = dues.iter().map(|d| d.deadline).collect();
        assert_eq!(kinds, BureauDeadline::ALL);
        let by = |k| dues.iter().find(|d| d.deadline == k).unwrap();
        assert_eq!(
            by(BureauDeadline::Acceptance).on_time(),
            Some(false),
            "accepted on the 11th, due the 10th"
        );
        assert_eq!(by(BureauDeadline::Mediation).started_at, at(11));
        assert_eq!(by(BureauDeadline::Mediation).on_time(), Some(true));
        assert_eq!(by(BureauDeadline::Notification).met_at, Some(at(21)));
        assert_eq!(by(BureauDeadline::CaseDecision).on_time(), Some(true));

        // A refusal to accept meets the acceptance limit and starts nothing else.
        let refused = bureau_dues(
            &limits,
            &calendar,
            at(1),
            S::NotAccepted,
            &[(S::NotAccepted, at(3))],
        );
        assert_eq!(refused.len(), 1);
        assert_eq!(refused[0].met_at, Some(at(3)));

        // A history without its steps (a generated one) shows no limit it is past.
        assert!(bureau_dues(&limits, &calendar, at(1), S::Closed, &[]).is_empty());
        assert!(bureau_dues(&limits, &calendar, at(1), S::Accepted, &[]).is_empty());
    }

    #[test]
    fn limits_outside_one_to_ninety_days_are_refused() {
        assert!(BureauLimits::default().problems().is_empty());
        let odd = BureauLimits {
            mediation_working_days: 0,
            ..BureauLimits::default()
        };
        assert_eq!(
            odd.problems(),
            [("bureau.mediation_working_days", "1–90 working days")]
        );
    }
}
