//! Following cases, the bureau's "1+5" method (docs/following.md): a named officer follows a
//! sensitive or major dispute, urges its unit (催办) and calls the consumer back after it
//! concluded (调查回访).

use super::text_enum::text_enum;

text_enum! {
    /// Why a regulator has a dispute followed by a named officer.
    pub enum FollowReason ("follow reason") {
        /// Sensitive: a vulnerable consumer, the press, a group of consumers, a repeat.
        Sensitive,
        /// Major: a large amount, safety, a case that may become an enforcement case.
        Major,
    }
}

text_enum! {
    /// How the officer reached the consumer for a return visit.
    pub enum VisitChannel ("return visit channel") {
        Phone,
        Sms,
        InPerson,
        Online,
    }
}

/// The satisfaction a consumer may state, as the in-app rating: 1 to 5.
pub const SATISFACTION: std::ops::RangeInclusive<i64> = 1..=5;
