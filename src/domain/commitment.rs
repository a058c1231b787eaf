//! Public commitments a unit makes (docs/README.md#vocabulary).

use super::text_enum::text_enum;
use chrono::NaiveDate;

text_enum! {
    /// A kind of commitment shown in the directory.
    pub enum CommitmentKind ("commitment kind") {
        /// 消费维权服务站
        RightsServiceStation,
        /// 放心消费示范店
        TrustedConsumptionStore,
        /// 线下无理由退货承诺
        OfflineNoReasonReturn,
    }
}

/// A validated commitment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commitment {
    pub kind: CommitmentKind,
    /// Days within which goods may be returned without a reason (returns only).
    pub return_days: Option<u32>,
    /// Conditions of returns, e.g. goods unused with receipt (returns only).
    pub conditions: Option<String>,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
}

/// Why a commitment is not acceptable; `field` names the offending input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct CommitmentError {
    pub field: &'static str,
    pub reason: &'static str,
}

impl Commitment {
    /// Builds a commitment, enforcing that returns state days (1–90) and conditions and that
    /// the validity period does not end before it starts.
    pub fn new(
        kind: CommitmentKind,
        return_days: Option<u32>,
        conditions: Option<String>,
        valid_from: NaiveDate,
        valid_to: Option<NaiveDate>,
    ) -> Result<Self, CommitmentError> {
        let conditions = conditions
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty());
        if kind == CommitmentKind::OfflineNoReasonReturn {
            match return_days {
                Some(1..=90) => {}
                _ => {
                    return Err(CommitmentError {
                        field: "return_days",
                        reason: "a no-reason return commitment states 1 to 90 days",
                    });
                }
            }
            match &conditions {
                Some(c) if c.chars().count() <= 1000 => {}
                Some(_) => {
                    return Err(CommitmentError {
                        field: "conditions",
                        reason: "conditions have at most 1000 characters",
                    });
                }
                None => {
                    return Err(CommitmentError {
                        field: "conditions",
                        reason: "a no-reason return commitment states its conditions",
                    });
                }
            }
        } else if return_days.is_some() || conditions.is_some() {
            return Err(CommitmentError {
                field: "return_days",
                reason: "only a no-reason return commitment has days and conditions",
            });
        }
        if valid_to.is_some_and(|to| to < valid_from) {
            return Err(CommitmentError {
                field: "valid_to",
                reason: "the end of validity is before its start",
            });
        }
        Ok(Self {
            kind,
            return_days,
            conditions,
            valid_from,
            valid_to,
        })
    }

    /// Whether the commitment is in force on `day`.
    pub fn is_in_force_on(&self, day: NaiveDate) -> bool {
        is_in_force(self.valid_from, self.valid_to, day)
    }
}

/// Whether a validity period from `valid_from` to `valid_to` (open-ended when `None`) covers
/// `day`, both ends included.
pub fn is_in_force(valid_from: NaiveDate, valid_to: Option<NaiveDate>, day: NaiveDate) -> bool {
    valid_from <= day && valid_to.is_none_or(|to| day <= to)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn returns_need_days_and_conditions() {
        let kind = CommitmentKind::OfflineNoReasonReturn;
        assert_eq!(
            Commitment::new(kind, None, Some("unused".into()), day("2026-01-01"), None)
                .unwrap_err()
                .field,
            "return_days"
        );
        assert_eq!(
            Commitment::new(kind, Some(7), Some("  ".into()), day("2026-01-01"), None)
                .unwrap_err()
                .field,
            "conditions"
        );
        assert!(
            Commitment::new(
                kind,
                Some(7),
                Some("商品完好".into()),
                day("2026-01-01"),
                None
            )
            .is_ok()
        );
    }

    #[test]
    fn other_kinds_carry_no_return_terms() {
        let error = Commitment::new(
            CommitmentKind::TrustedConsumptionStore,
            Some(7),
            None,
            day("2026-01-01"),
            None,
        )
        .unwrap_err();
        assert_eq!(error.field, "return_days");
    }

    #[test]
    fn validity_ends_after_it_starts_and_bounds_the_days_in_force() {
        let kind = CommitmentKind::RightsServiceStation;
        assert_eq!(
            Commitment::new(kind, None, None, day("2026-02-01"), Some(day("2026-01-01")))
                .unwrap_err()
                .field,
            "valid_to"
        );
        let c =
            Commitment::new(kind, None, None, day("2026-01-01"), Some(day("2026-12-31"))).unwrap();
        assert!(c.is_in_force_on(day("2026-06-01")));
        assert!(!c.is_in_force_on(day("2027-01-01")));
        assert!(!c.is_in_force_on(day("2025-12-31")));
    }
}
