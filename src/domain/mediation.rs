//! Mediation of an escalated dispute (docs/mediation.md): a regulator refers it to an enrolled
//! mediator, who holds sessions and records the outcome. A mediation goes `referred` →
//! `scheduled` → `in_session` → `agreed` | `failed`.

use super::text_enum::text_enum;

text_enum! {
    /// What kind of mediator an account is.
    pub enum MediatorKind ("mediator kind") {
        /// 人民调解员: a member of a people's mediation committee.
        PeopleMediator,
        /// 行业协会调解员: a mediator of a trade association.
        AssociationMediator,
        /// 志愿律师: a lawyer of the bureau's volunteer panel.
        VolunteerLawyer,
    }
}

text_enum! {
    /// How a dispute came to mediation.
    pub enum MediationOrigin ("mediation origin") {
        /// A regulator referred it from the 12315 queue.
        Queue,
        /// Both parties asked while the business handled it.
        JointRequest,
    }
}

text_enum! {
    /// Where a mediation stands.
    pub enum MediationState ("mediation state") {
        /// Referred; no session scheduled yet.
        Referred,
        /// A session is scheduled and not yet recorded.
        Scheduled,
        /// A session was held; none is scheduled.
        InSession,
        /// The parties agreed: the agreement is fulfilled and confirmed like a settlement.
        Agreed,
        /// It ended without agreement; the dispute is back in the regulators' queue.
        Failed,
        /// A regulator withdrew the referral (the mediator cannot go on, say); the case is
        /// back with the regulators, still in mediation, to refer again or end themselves.
        Withdrawn,
    }
}

impl MediationState {
    /// The states of a mediation that still runs.
    pub const OPEN: [Self; 3] = [Self::Referred, Self::Scheduled, Self::InSession];

    /// Whether the mediation still runs.
    pub fn is_open(self) -> bool {
        Self::OPEN.contains(&self)
    }

    /// The state after a session was scheduled: a scheduled session waits for its record.
    pub fn after_scheduling(self) -> Option<Self> {
        self.is_open().then_some(Self::Scheduled)
    }

    /// The state after a session's record, given whether any session of the mediation was
    /// held (this one included) and whether another is still scheduled.
    pub fn after_record(self, any_held: bool, another_scheduled: bool) -> Option<Self> {
        if !self.is_open() {
            return None;
        }
        Some(if another_scheduled {
            Self::Scheduled
        } else if any_held {
            Self::InSession
        } else {
            Self::Referred
        })
    }
}

text_enum! {
    /// How a session is held.
    pub enum SessionMode ("session mode") {
        /// By video or phone; the place says how to join.
        Online,
        /// At a named place, such as a consumer-rights service station.
        InPerson,
    }
}

text_enum! {
    /// What happened at a scheduled session.
    pub enum SessionOutcome ("session outcome") {
        Held,
        /// It did not take place (a party did not come, it was called off).
        NotHeld,
    }
}

text_enum! {
    /// How a mediation ends.
    pub enum MediationOutcome ("mediation outcome") {
        Agreed,
        Failed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mediation_moves_with_its_sessions() {
        use MediationState as S;
        assert_eq!(S::Referred.after_scheduling(), Some(S::Scheduled));
        assert_eq!(S::InSession.after_scheduling(), Some(S::Scheduled));
        assert_eq!(S::Agreed.after_scheduling(), None);
        // The only session did not take place: back to waiting for one.
        assert_eq!(S::Scheduled.after_record(false, false), Some(S::Referred));
        assert_eq!(S::Scheduled.after_record(true, false), Some(S::InSession));
        assert_eq!(S::Scheduled.after_record(true, true), Some(S::Scheduled));
        assert_eq!(S::Failed.after_record(true, false), None);
        assert!(S::OPEN.iter().all(|s| s.is_open()));
        assert!(!S::Agreed.is_open() && !S::Failed.is_open() && !S::Withdrawn.is_open());
    }
}
