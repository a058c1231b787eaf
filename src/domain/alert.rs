//! Alerts to the regulators of a region (docs/metrics.md#alerts): what raised them and
//! where their handling stands.

use super::text_enum::text_enum;

text_enum! {
    /// What raised an alert.
    pub enum AlertKind ("alert kind") {
        /// Different consumers against one unit within hours (群体投诉).
        MassComplaint,
        /// A consumer's second dispute against the same unit within the window.
        RepeatConsumer,
        /// A unit's nth dispute within the window.
        RepeatUnit,
        /// A claim at or above the major-claim amount.
        Major,
        /// A description with a sensitive keyword.
        Sensitive,
        /// A declined refund or replacement at a unit committed to no-reason returns.
        CommitmentBreach,
    }
}

text_enum! {
    /// Where an alert's handling stands: `open` → `acknowledged` → `closed`, or `open` →
    /// `closed`.
    pub enum AlertStatus ("alert status") {
        Open,
        Acknowledged,
        Closed,
    }
}

impl AlertStatus {
    /// The statuses an alert may move to `self` from.
    pub fn reached_from(self) -> &'static [AlertStatus] {
        match self {
            Self::Open => &[],
            Self::Acknowledged => &[Self::Open],
            Self::Closed => &[Self::Open, Self::Acknowledged],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alerts_move_forward_only() {
        assert!(
            AlertStatus::Closed
                .reached_from()
                .contains(&AlertStatus::Acknowledged)
        );
        assert!(
            !AlertStatus::Acknowledged
                .reached_from()
                .contains(&AlertStatus::Closed)
        );
        assert!(AlertStatus::Open.reached_from().is_empty());
        assert_eq!(AlertKind::MassComplaint.as_str(), "mass_complaint");
    }
}
