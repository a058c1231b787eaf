//! The ODR-unit lifecycle: pending → active → suspended → removed, with rejection of an
//! application and reinstatement of a suspended unit.

use super::text_enum::text_enum;
use std::fmt;

/// Version of the undertaking (及时处理消费投诉承诺书) an applicant accepts.
pub const UNDERTAKING_VERSION: &str = "2026-01";

/// The undertaking in Simplified Chinese.
pub const UNDERTAKING_ZH: &str = "本单位自愿成为在线消费纠纷解决（ODR）单位，承诺：\
一、在规定时限内与消费者取得联系并处理其消费投诉；\
二、在规定的工作日内与消费者协商和解，无法和解的案件连同全部材料移交市场监管部门 12315 平台处理；\
三、如实记录处理过程，按约定履行和解协议；\
四、依法保护消费者个人信息，仅为处理纠纷使用；\
五、接受市场监管部门对按时办结率、和解成功率和消费者满意度的监督评价，未达要求的接受警示、暂停或退出处理。";

/// The undertaking in English.
pub const UNDERTAKING_EN: &str = "Our business volunteers as an online dispute resolution (ODR) unit and undertakes: \
1. to contact the consumer and handle each complaint within the set time; \
2. to negotiate a settlement within the set working days, and to hand every dispute it cannot settle, with its whole file, to the market regulator's 12315 platform; \
3. to record the handling truthfully and fulfil settlements as agreed; \
4. to protect consumers' personal data and use it only to resolve the dispute; \
5. to accept the regulator's evaluation of its on-time rate, settlement rate and consumer satisfaction, and warning, suspension or removal when it falls short.";

text_enum! {
    /// Where a business stands as an ODR unit.
    pub enum UnitStatus ("unit status") {
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

text_enum! {
    /// Who takes an action.
    pub enum UnitActor ("unit actor") {
        Owner,
        Regulator,
    }
}

/// Why an action cannot be taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum UnitTransitionError {
    #[error("a unit that is {from} cannot be {action}")]
    NotAllowed {
        from: UnitStatus,
        action: UnitAction,
    },
    #[error("only the {expected:?} may take the action {action}")]
    WrongActor {
        action: UnitAction,
        expected: UnitActor,
    },
}

text_enum! {
    /// A regulator's decision on a unit: the unit actions other than applying.
    pub enum UnitDecision ("unit decision") {
        Approve,
        Reject,
        Suspend,
        Reinstate,
        Remove,
    }
}

impl UnitDecision {
    /// The action the decision takes.
    pub fn action(self) -> UnitAction {
        match self {
            Self::Approve => UnitAction::Approve,
            Self::Reject => UnitAction::Reject,
            Self::Suspend => UnitAction::Suspend,
            Self::Reinstate => UnitAction::Reinstate,
            Self::Remove => UnitAction::Remove,
        }
    }

    /// Whether the decision needs a reason (it goes against the unit).
    pub fn needs_reason(self) -> bool {
        matches!(self, Self::Reject | Self::Suspend | Self::Remove)
    }
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

impl fmt::Display for UnitAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
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
        let starts = std::iter::once(None).chain(S::ALL.iter().copied().map(Some));
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
        for &from in S::ALL {
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
        for &status in S::ALL {
            assert_eq!(accepts_disputes(status), status == S::Active);
        }
    }

    #[test]
    fn status_names_round_trip() {
        for &status in S::ALL {
            assert_eq!(status.as_str().parse::<UnitStatus>().unwrap(), status);
        }
    }
}
