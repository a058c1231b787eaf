//! Deadline policies (DESIGN §3). A dispute keeps the policy in force when it was filed, so the
//! policy is stored with it.

use serde::{Deserialize, Serialize};

/// The time limits a dispute is handled under.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeadlinePolicy {
    /// Identifies the policy version.
    pub version: String,
    /// Calendar jurisdiction, e.g. `cn`.
    pub jurisdiction: String,
    pub first_contact_working_days: u32,
    pub settlement_working_days: u32,
    pub offer_expiry_working_days: u32,
    pub max_extension_working_days: u32,
    pub max_fulfilment_days: u32,
    pub confirmation_window_days: u32,
}
