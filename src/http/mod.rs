//! The HTTP API. One module per resource; each operation is a `*_for` service function (the
//! caller and a typed input in, a typed answer out) that the handler and the portal's pages
//! both call; the handler only extracts the request and writes the response
//! (docs/architecture.md#dependencies).

pub mod accounts;
pub mod address;
pub mod admin;
pub mod alerts;
pub mod audit;
pub mod auth;
pub mod body;
pub mod businesses;
pub mod calendar;
pub mod deadlines;
pub mod disputes;
pub mod documents;
pub mod errors;
pub mod escalations;
pub mod evaluation;
pub mod filters;
pub mod following;
pub mod headers;
pub mod health;
pub mod idempotency;
pub mod imports;
pub mod json;
pub mod mediations;
pub mod metrics;
pub mod notifications;
pub mod openapi;
pub mod pagination;
pub mod portal;
pub mod public;
pub mod publications;
pub mod reference;
pub mod reply_templates;
pub mod reports;
pub mod sms;
pub mod tables;
pub mod telemetry;
pub mod units;
pub mod webhooks;

use std::sync::Arc;

use actix_web::web;

use crate::clock::SharedClock;
use crate::config::Settings;
use crate::error::ErrorCode;
use crate::notify::email::Mailer;
use crate::security::pii::PiiCipher;
use crate::security::tokens::TokenKeys;
use crate::store::Db;

/// Everything a request handler may use, shared by all workers.
#[derive(Clone, Debug)]
pub struct AppState {
    pub db: Db,
    pub clock: SharedClock,
    pub settings: Arc<Settings>,
    pub tokens: TokenKeys,
    pub pii: PiiCipher,
    pub mailer: Mailer,
    pub metrics: telemetry::HttpMetrics,
    /// Working-day calendar of the configured jurisdiction (shipped and imported years).
    pub calendars: crate::deadlines::CalendarBook,
    /// Password hashing off the async threads, a bounded number at once.
    pub hasher: crate::security::passwords::Hasher,
    /// Per-address limits on registering, filing and uploading.
    pub limits: crate::security::limits::AddressLimits,
    /// Regions, industries and associations, reloaded when they change.
    pub reference: crate::store::reference::ReferenceCache,
    /// The stored deadline policies, read again when their number changes.
    pub policies: crate::deadlines::PolicyCache,
    /// Evidence files: a folder or S3-compatible object storage (`storage.backend`).
    pub files: crate::files::FileStore,
    /// Makes the text messages of events (`sms.provider`).
    pub sms: crate::notify::sms::SmsOutbox,
}

impl AppState {
    /// Counts one `action` from the client of `req`, refusing with 429 past its allowance.
    pub fn limit(
        &self,
        req: &actix_web::HttpRequest,
        action: crate::security::limits::Action,
    ) -> Result<(), crate::error::ApiError> {
        let address = address::client_address(req, &self.settings.server.trusted_proxies);
        self.limits.check(action, address).map_err(|wait| {
            crate::error::ApiError::too_many_requests(
                ErrorCode::TooManyRequestsFromAddress,
                "Too many requests of this kind from your address; try again later.",
                wait,
            )
        })
    }

    /// What dispute use cases need, from this instance's settings.
    pub fn case_context(&self) -> crate::disputes::CaseContext {
        crate::disputes::CaseContext {
            calendar: self.calendars.current(),
            policy: self.settings.deadlines.clone(),
            policies: self.policies.clone(),
            pii: self.pii.clone(),
            tokens: self.tokens.clone(),
            escalation: self.settings.escalation.clone(),
            files: self.files.clone(),
            retention_years: self.settings.retention.concluded_years,
            alerts: self.settings.alerts.clone(),
            categories: (self.settings.disputes.categories.iter())
                .map(|c| c.code.clone())
                .collect(),
            public_url: self.settings.server.public_url.clone(),
            email_max_attempts: self.settings.jobs.max_attempts,
            reminder_working_days: self.settings.reminders.working_days_before.clone(),
            digest_hour: self.settings.reminders.digest_hour,
            report_hour: self
                .settings
                .reports
                .scheduled
                .then_some(self.settings.reports.hour),
            sweep_page: self.settings.jobs.sweep_page,
            sms: self.sms.clone(),
        }
    }

    /// Sends invitations with this instance's keys, address and limits.
    pub fn inviter(&self) -> crate::onboarding::Inviter {
        crate::onboarding::Inviter {
            tokens: self.tokens.clone(),
            public_url: self.settings.server.public_url.clone(),
            valid_hours: self.settings.security.invitation_ttl_hours,
            max_attempts: self.settings.jobs.max_attempts,
        }
    }
}

/// Registers every route of the API.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.configure(health::routes)
        .configure(portal::routes)
        .service(
            web::scope("/api/v1")
                .configure(openapi::routes)
                .configure(accounts::routes)
                .configure(reference::routes)
                .configure(businesses::routes)
                .configure(units::routes)
                .configure(webhooks::routes)
                .configure(disputes::routes)
                .configure(documents::routes)
                .configure(calendar::routes)
                .configure(escalations::routes)
                .configure(notifications::routes)
                .configure(imports::routes)
                .configure(admin::routes)
                .configure(audit::routes)
                .configure(publications::routes)
                .configure(reply_templates::routes)
                .configure(following::routes)
                .configure(mediations::routes)
                .configure(sms::routes)
                .configure(reports::routes)
                .configure(evaluation::routes)
                .configure(alerts::routes)
                .configure(metrics::routes)
                .configure(deadlines::routes)
                .configure(public::routes),
        );
}
