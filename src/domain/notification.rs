//! In-app notifications: what each is about.

use super::text_enum::text_enum;

text_enum! {
    /// What an in-app notification is about.
    pub enum NotificationKind ("notification kind") {
        /// A consumer filed a dispute against the unit.
        NewDispute,
        /// The business answered the consumer.
        FirstContact,
        /// An offer was made.
        Offer,
        /// Anything else that moved a dispute on.
        Update,
        /// A due date comes near.
        Reminder,
        /// News for a unit's staff (a decision, a warning, an alert).
        Unit,
        /// The morning summary of a unit's open disputes.
        DailyDigest,
        /// A regulator's scheduled report is ready.
        ReportReady,
    }
}
