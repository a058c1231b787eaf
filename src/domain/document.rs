//! The documents the platform issues for a dispute, to print and sign (docs/documents.md).

use super::text_enum::text_enum;

text_enum! {
    /// What a document is.
    pub enum DocumentKind ("document kind") {
        /// 和解协议书: the terms the parties agreed, once an offer is accepted.
        SettlementAgreement,
        /// 投诉转交告知书: that the dispute went to the regulator's 12315 platform, once escalated.
        EscalationNotice,
        /// 调解协议书: the terms the parties agreed before a mediator (docs/mediation.md).
        MediationAgreement,
    }
}

text_enum! {
    /// Whose rights a document's copy follows: the parties see the consumer's phone whole,
    /// regulators masked (docs/people-data.md#who-sees-what).
    pub enum Audience ("document audience") {
        Whole,
        Masked,
    }
}
