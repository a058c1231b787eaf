//! What regulators publish (docs/metrics.md#publications): anonymised case summaries and
//! consumer alerts, drafted and then published.

use super::text_enum::text_enum;

text_enum! {
    /// What a publication is.
    pub enum PublicationKind ("publication kind") {
        /// A concluded dispute told without personal data (典型案例).
        CaseSummary,
        /// A warning to consumers (消费提示).
        ConsumerAlert,
    }
}

text_enum! {
    /// Whether a publication is out: a draft may be edited, a published one may not.
    pub enum PublicationStatus ("publication status") {
        Draft,
        Published,
    }
}
