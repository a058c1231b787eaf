//! Dispute use cases shared by the API, the portal and the timers: filing, every action of
//! the lifecycle, and the notices they send. Each runs in one transaction and writes a
//! timeline event with every state change.

pub mod actions;
pub mod alerts;
pub mod contact;
pub mod escalations;
pub mod evidence;
pub mod filing;
pub mod following;
pub mod mediation;
pub mod metrics;
pub mod notices;
pub mod packet;
pub mod reminders;
pub mod retention;
pub mod texts;
pub mod timers;
pub mod view;

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::domain::calendar::Calendar;
use crate::domain::dispute::{Facts, Party, RuleError, Status};
use crate::domain::offer::OfferError;
use crate::domain::policy::DeadlinePolicy;
use crate::error::{ApiError, ErrorCode, FieldError};
use crate::store::disputes::Dispute;
use crate::store::{StoreError, from_db_time, to_db_time};

/// What dispute use cases need besides a connection.
#[derive(Debug, Clone)]
pub struct CaseContext {
    pub calendar: Arc<Calendar>,
    /// The national default; filing picks the policy in force for the unit's region and
    /// industry (see [`crate::deadlines::resolve_policy`]).
    pub policy: DeadlinePolicy,
    /// The stored policies as this node last read them.
    pub policies: crate::deadlines::PolicyCache,
    pub pii: crate::security::pii::PiiCipher,
    /// Signs the evidence links inside escalation packets.
    pub tokens: crate::security::tokens::TokenKeys,
    pub escalation: crate::config::EscalationSettings,
    /// Evidence files (the retention job removes expired ones).
    pub files: crate::files::FileStore,
    pub retention_years: u32,
    pub alerts: crate::config::AlertSettings,
    pub categories: Vec<String>,
    pub public_url: String,
    pub email_max_attempts: i64,
    pub reminder_working_days: Vec<u32>,
    pub digest_hour: u32,
    /// Scheduled region reports (None: off) from this Shanghai hour.
    pub report_hour: Option<u32>,
    /// How many disputes a sweep reads at a time.
    pub sweep_page: i64,
    /// Makes the text messages of events (docs/sms.md).
    pub sms: crate::notify::sms::SmsOutbox,
}

/// Why a use case refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    #[error("{0}")]
    Rule(RuleError),
    #[error("{0}")]
    Offer(OfferError),
    #[error("{1}")]
    Conflict(ErrorCode, String),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl CaseError {
    /// A 422 for one field.
    pub fn invalid(field: &str, code: &str, message: impl Into<String>) -> Self {
        Self::invalid_naming(field, code, message, &[])
    }

    /// [`CaseError::invalid`] with what the portal's sentence for `code` names
    /// (`FieldError::args`).
    pub fn invalid_naming(
        field: &str,
        code: &str,
        message: impl Into<String>,
        args: &[(&str, String)],
    ) -> Self {
        Self::Invalid(vec![FieldError::new(field, code, message).naming(args)])
    }
}

/// The role `actor` plays on `dispute`: its consumer, staff of its business or a regulator of
/// its region; `None` when they may not see it.
pub fn role_of(
    actor: &crate::domain::access::Actor,
    dispute: &Dispute,
) -> Option<crate::domain::dispute::Actor> {
    use crate::domain::dispute::Actor as On;
    if actor.role == crate::domain::role::Role::Consumer && actor.user_id == dispute.consumer_id {
        return Some(On::Consumer);
    }
    if actor.is_staff_of(&dispute.business_id) {
        return Some(On::Merchant);
    }
    let region = crate::domain::region::RegionCode::parse(&dispute.region_code).ok()?;
    actor.regulates(&region).then_some(On::Regulator)
}

/// 404 for a dispute the caller may not see (or that does not exist).
pub fn dispute_not_found() -> ApiError {
    ApiError::new(ErrorCode::DisputeNotFound, "No such dispute.")
}

/// Parses a stored status.
pub fn status_of(text: &str) -> Result<Status, StoreError> {
    Ok(text.parse()?)
}

/// The rule facts of a stored dispute.
pub fn facts_of(d: &Dispute) -> Result<Facts, StoreError> {
    let party = |p: &Option<String>| p.as_deref().and_then(Party::parse);
    Ok(Facts {
        status: status_of(&d.status)?,
        paused_from: d.paused_from.as_deref().map(status_of).transpose()?,
        first_contact_due: from_db_time(d.first_contact_due_at),
        settlement_due: from_db_time(d.settlement_due_at),
        has_first_contact: d.first_contacted_at.is_some(),
        first_contact_lapse_flagged: d.first_contact_lapsed_at.is_some(),
        extension_used: d.extension_used,
        pending_extension: party(&d.pending_extension_party),
        pending_pause: party(&d.pending_pause_party),
        fulfilment_marked: d.fulfilled_at.is_some(),
        rated: d.rated_at.is_some(),
    })
}

/// Writes the rule facts back onto the stored dispute.
pub fn apply_facts(d: &mut Dispute, facts: &Facts) {
    d.status = facts.status.as_str().into();
    d.paused_from = facts.paused_from.map(|s| s.as_str().to_string());
    d.extension_used = facts.extension_used;
    d.pending_extension_party = facts.pending_extension.map(|p| p.as_str().to_string());
    d.pending_pause_party = facts.pending_pause.map(|p| p.as_str().to_string());
}

/// The policy a dispute was filed under.
pub fn policy_of(d: &Dispute) -> Result<DeadlinePolicy, StoreError> {
    DeadlinePolicy::from_stored(&d.policy)
        .map_err(|e| StoreError::Corrupt(format!("dispute policy: {e}")))
}

/// Recomputes the due dates from the filing moment, adding extension and paused working days.
/// A due date that has been judged stays as it was (docs/metrics.md#counters): the first-contact
/// due date once the business answered or the miss was flagged, the settlement due date once
/// the handling ended.
pub fn recompute_due_dates(d: &mut Dispute, calendar: &Calendar, policy: &DeadlinePolicy) {
    let filed = from_db_time(d.filed_at);
    let extra = u32::try_from(d.paused_working_days.max(0)).unwrap_or(0);
    let extension = u32::try_from(d.extension_days.max(0)).unwrap_or(0);
    let mut provisional = false;
    if d.first_contacted_at.is_none() && d.first_contact_lapsed_at.is_none() {
        let first = policy.due_after(calendar, filed, policy.first_contact_working_days + extra);
        d.first_contact_due_at = to_db_time(first.due_at);
        provisional |= first.provisional;
    }
    if d.handling_ended_at.is_none() {
        let settlement = policy.due_after(
            calendar,
            filed,
            policy.settlement_working_days + extension + extra,
        );
        d.settlement_due_at = to_db_time(settlement.due_at);
        provisional |= settlement.provisional;
    }
    d.due_provisional = provisional;
}

/// The moment a settlement must be fulfilled: `days` calendar days after `agreed_at`.
pub fn fulfilment_due(agreed_at: DateTime<Utc>, days: u32) -> DateTime<Utc> {
    crate::domain::calendar::add_calendar_days(agreed_at, days).due_at
}
