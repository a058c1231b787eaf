//! The ODR-unit lifecycle: pending → active → suspended → removed, with rejection of an
//! application and reinstatement of a suspended unit.

use std::fmt;
use std::str::FromStr;

/// Where a business stands as an ODR unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnitStatus {
    /// Applied; waiting for the regulator of its region.
    Pending,
    /// Takes disputes and appears in the public directory.
    Active,
    /// Takes no new disputes; open ones continue.
    Suspended,
    /// Application refused; the owner may apply again.
    Rejected,
    /// Removed from the programme (动态退出); final.
    Removed,
}

/// Something that changes a unit's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnitAction {
    /// The owner applies (or applies again after a rejection).
    Apply,
    Approve,
    Reject,
    Suspend,
    Reinstate,
    Remove,
}

/// Who takes an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitActor {
    Owner,
    Regulator,
}

/// Why an action cannot be taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum UnitTransitionError {
    #[error("a unit that is {from} cannot be {action}")]
    NotAllowed { from: UnitStatus, action: UnitAction },
    #[error("only the {expected:?} may take the action {action}")]
    WrongActor { action: UnitAction, expected: UnitActor },
}

impl UnitAction {
    /// Who is entitled to take this action.
    pub fn actor(self) -> UnitActor {
        match self {
            Self::Apply => UnitActor::Owner,
            _ => UnitActor::Regulator,
        }
    }
}

/// The status after `action`, starting from `from` (`None`: never applied).
pub fn transition(
    from: Option<UnitStatus>,
    action: UnitAction,
    actor: UnitActor,
) -> Result<UnitStatus, UnitTransitionError> {
    if action.actor() != actor {
        return Err(UnitTransitionError::WrongActor {
            action,
            expected: action.actor(),
        });
    }
    use UnitAction as A;
    use UnitStatus as S;
    match (from, action) {
        (None | Some(S::Rejected), A::Apply) => Ok(S::Pending),
        (Some(S::Pending), A::Approve) => Ok(S::Active),
        (Some(S::Pending), A::Reject) => Ok(S::Rejected),
        (Some(S::Active), A::Suspend) => Ok(S::Suspended),
        (Some(S::Suspended), A::Reinstate) => Ok(S::Active),
        (Some(S::Active | S::Suspended), A::Remove) => Ok(S::Removed),
        (from, action) => Err(UnitTransitionError::NotAllowed {
            from: from.unwrap_or(S::Pending),
            action,
        }),
    }
}

/// Whether the unit accepts new disputes.
pub fn accepts_disputes(status: UnitStatus) -> bool {
    status == UnitStatus::Active
}

impl UnitStatus {
    /// Every status, for listings and exhaustive tests.
    pub const ALL: [UnitStatus; 5] = [
        Self::Pending,
        Self::Active,
        Self::Suspended,
        Self::Rejected,
        Self::Removed,
    ];

    /// The stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Active => "active",
            Self::Suspended => "suspended",
            Self::Rejected => "rejected",
            Self::Removed => "removed",
        }
    }
}

impl UnitAction {
    /// Every action, for exhaustive tests.
    pub const ALL: [UnitAction; 6] = [
        Self::Apply,
        Self::Approve,
        Self::Reject,
        Self::Suspend,
        Self::Reinstate,
        Self::Remove,
    ];

    /// The stable snake_case name (past tense reads well in messages).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Apply => "applied",
            Self::Approve => "approved",
            Self::Reject => "rejected",
            Self::Suspend => "suspended",
            Self::Reinstate => "reinstated",
            Self::Remove => "removed",
        }
    }
}

impl fmt::Display for UnitStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for UnitAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A stored status name that is not known.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown unit status `{0}`")]
pub struct UnknownUnitStatus(pub String);

impl FromStr for UnitStatus {
    type Err = UnknownUnitStatus;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| UnknownUnitStatus(s.into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use UnitAction as A;
    use UnitStatus as S;

    /// The whole table: every (status, action) pair and what it yields for the right actor.
    #[test]
    fn every_status_and_action_pair_behaves_as_the_table_says() {
        let allowed = [
            (None, A::Apply, S::Pending),
            (Some(S::Rejected), A::Apply, S::Pending),
            (Some(S::Pending), A::Approve, S::Active),
            (Some(S::Pending), A::Reject, S::Rejected),
            (Some(S::Active), A::Suspend, S::Suspended),
            (Some(S::Suspended), A::Reinstate, S::Active),
            (Some(S::Active), A::Remove, S::Removed),
            (Some(S::Suspended), A::Remove, S::Removed),
        ];
        let starts = std::iter::once(None).chain(S::ALL.into_iter().map(Some));
        for from in starts {
            for action in A::ALL {
                let expected = allowed
                    .iter()
                    .find(|(f, a, _)| *f == from && *a == action)
                    .map(|(_, _, to)| *to);
                let got = transition(from, action, action.actor()).ok();
                assert_eq!(got, expected, "{from:?} + {action:?}");
            }
        }
    }

    #[test]
    fn the_wrong_actor_is_refused_whatever_the_status() {
        for from in S::ALL {
            assert!(matches!(
                transition(Some(from), A::Approve, UnitActor::Owner),
                Err(UnitTransitionError::WrongActor { .. })
            ));
        }
        assert!(matches!(
            transition(None, A::Apply, UnitActor::Regulator),
            Err(UnitTransitionError::WrongActor { .. })
        ));
    }

    #[test]
    fn only_active_units_take_disputes() {
        for status in S::ALL {
            assert_eq!(accepts_disputes(status), status == S::Active);
        }
    }

    #[test]
    fn status_names_round_trip() {
        for status in S::ALL {
            assert_eq!(status.as_str().parse::<UnitStatus>().unwrap(), status);
        }
    }
}
