//! How the regulator's handling of an escalated dispute (12315) moves on.

use super::text_enum::text_enum;

text_enum! {
    /// Where an escalation stands.
    pub enum EscalationState ("escalation state") {
        /// Written with the dispute's escalation; waiting for delivery.
        Pending,
        /// In the queue of the regulators of the unit's region.
        Delivered,
        Received,
        /// 受理
        Accepted,
        /// 不予受理 (with a reason)
        NotAccepted,
        Mediating,
        Mediated,
        MediationFailed,
        /// 诉转案
        CaseFiled,
        Closed,
    }
}

text_enum! {
    /// A handling step a regulator or a 12315 gateway reports: every state but the platform's
    /// own `pending` and `delivered`.
    pub enum HandlingStep ("handling step") {
        Received,
        Accepted,
        NotAccepted,
        Mediating,
        Mediated,
        MediationFailed,
        CaseFiled,
        Closed,
    }
}

impl From<HandlingStep> for EscalationState {
    fn from(step: HandlingStep) -> Self {
        use {EscalationState as S, HandlingStep as H};
        match step {
            H::Received => S::Received,
            H::Accepted => S::Accepted,
            H::NotAccepted => S::NotAccepted,
            H::Mediating => S::Mediating,
            H::Mediated => S::Mediated,
            H::MediationFailed => S::MediationFailed,
            H::CaseFiled => S::CaseFiled,
            H::Closed => S::Closed,
        }
    }
}

impl EscalationState {
    /// The states the regulator may record next.
    pub fn next_steps(self) -> Vec<EscalationState> {
        Self::ALL
            .iter()
            .copied()
            .filter(|to| self.may_become(*to))
            .collect()
    }

    /// Whether the regulator may move from `self` to `to`.
    pub fn may_become(self, to: EscalationState) -> bool {
        use EscalationState as S;
        matches!(
            (self, to),
            (S::Pending | S::Delivered, S::Received)
                | (S::Received, S::Accepted | S::NotAccepted)
                | (S::Accepted, S::Mediating)
                | (S::Mediating, S::Mediated | S::MediationFailed)
                | (S::MediationFailed, S::CaseFiled | S::Closed)
                | (S::Mediated | S::NotAccepted | S::CaseFiled, S::Closed)
        )
    }

    /// Whether `to` lies ahead of `self` along the handling steps. A gateway may report a
    /// later step without the ones between (e.g. `accepted` straight after delivery).
    pub fn may_reach(self, to: EscalationState) -> bool {
        let mut seen = vec![self];
        let mut frontier = vec![self];
        while let Some(state) = frontier.pop() {
            for &next in Self::ALL {
                if state.may_become(next) && !seen.contains(&next) {
                    if next == to {
                        return true;
                    }
                    seen.push(next);
                    frontier.push(next);
                }
            }
        }
        false
    }

    /// Whether the handling ends here unless someone closes it: nothing of the bureau's is
    /// left to do by a deadline (docs/escalation.md#the-bureaus-own-deadlines).
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Self::NotAccepted | Self::Mediated | Self::CaseFiled | Self::Closed
        )
    }

    /// Whether a change to this state needs a note (the reason of a refusal).
    pub fn needs_note(self) -> bool {
        self == Self::NotAccepted
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use EscalationState as S;

    #[test]
    fn every_pair_of_states_is_decided() {
        let allowed = [
            (S::Pending, S::Received),
            (S::Delivered, S::Received),
            (S::Received, S::Accepted),
            (S::Received, S::NotAccepted),
            (S::Accepted, S::Mediating),
            (S::Mediating, S::Mediated),
            (S::Mediating, S::MediationFailed),
            (S::MediationFailed, S::CaseFiled),
            (S::MediationFailed, S::Closed),
            (S::Mediated, S::Closed),
            (S::NotAccepted, S::Closed),
            (S::CaseFiled, S::Closed),
        ];
        for &from in S::ALL {
            for &to in S::ALL {
                assert_eq!(
                    from.may_become(to),
                    allowed.contains(&(from, to)),
                    "{from:?} → {to:?}"
                );
            }
        }
    }

    #[test]
    fn gateways_may_skip_steps_but_never_go_back() {
        assert!(S::Pending.may_reach(S::Accepted));
        assert!(S::Delivered.may_reach(S::Closed));
        assert!(S::Received.may_reach(S::CaseFiled));
        assert!(!S::Accepted.may_reach(S::NotAccepted));
        assert!(!S::Closed.may_reach(S::Received));
        assert!(!S::Mediated.may_reach(S::Mediating));
        assert!(!S::Received.may_reach(S::Received));
        for &from in S::ALL {
            for &to in S::ALL {
                if from.may_become(to) {
                    assert!(from.may_reach(to), "{from:?} → {to:?}");
                }
            }
        }
    }

    #[test]
    fn names_round_trip() {
        for &s in S::ALL {
            assert_eq!(S::parse(s.as_str()), Some(s));
        }
    }
}
