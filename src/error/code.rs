//! Every error code the API answers with, each with its HTTP status, in one table
//! (docs/api.md#errors). Its texts, in Chinese and English, are the messages `error-<code>`
//! of `src/locales/<language>/errors.ftl`; a test fails when one is missing.

use std::borrow::Cow;

use actix_web::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::dispute::RuleError;
use crate::domain::offer::{OfferError, OfferStatus};
use crate::i18n::Lang;

/// Declares [`ErrorCode`] from `Variant = "code" => STATUS` lines, so that a code's wire name,
/// its status and the list of all codes cannot drift apart.
macro_rules! error_codes {
    ($($variant:ident = $code:literal => $status:ident,)+) => {
        /// A stable, machine-readable error code (`code` of every problem document).
        ///
        /// Sent in snake_case; a test proves each name is the code of the table.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum ErrorCode {
            $($variant,)+
        }

        impl ErrorCode {
            /// Every code, in the order of the table.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The code as sent, e.g. `dispute_not_found`.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $code,)+
                }
            }

            /// The HTTP status this code is sent with.
            pub const fn status(self) -> StatusCode {
                match self {
                    $(Self::$variant => StatusCode::$status,)+
                }
            }
        }
    };
}

error_codes! {
    BadRequest = "bad_request" => BAD_REQUEST,
    MalformedJson = "malformed_json" => BAD_REQUEST,
    InvalidMultipart = "invalid_multipart" => BAD_REQUEST,
    UnreadableBody = "unreadable_body" => BAD_REQUEST,
    InvalidCharacter = "invalid_character" => BAD_REQUEST,
    InvalidQuery = "invalid_query" => BAD_REQUEST,

    Unauthenticated = "unauthenticated" => UNAUTHORIZED,
    InvalidToken = "invalid_token" => UNAUTHORIZED,
    TokenExpired = "token_expired" => UNAUTHORIZED,
    SessionEnded = "session_ended" => UNAUTHORIZED,
    AccountInactive = "account_inactive" => UNAUTHORIZED,
    InvalidCredentials = "invalid_credentials" => UNAUTHORIZED,
    InvalidRefreshToken = "invalid_refresh_token" => UNAUTHORIZED,
    RefreshTokenRevoked = "refresh_token_revoked" => UNAUTHORIZED,
    RefreshTokenReused = "refresh_token_reused" => UNAUTHORIZED,
    RefreshTokenExpired = "refresh_token_expired" => UNAUTHORIZED,
    InvalidLink = "invalid_link" => UNAUTHORIZED,
    InvalidSignature = "invalid_signature" => UNAUTHORIZED,
    InvalidInvitation = "invalid_invitation" => UNAUTHORIZED,
    InvitationExpired = "invitation_expired" => UNAUTHORIZED,
    InvalidResetLink = "invalid_reset_link" => UNAUTHORIZED,
    MetricsTokenRequired = "metrics_token_required" => UNAUTHORIZED,

    Forbidden = "forbidden" => FORBIDDEN,
    InvalidFormToken = "invalid_form_token" => FORBIDDEN,

    NotFound = "not_found" => NOT_FOUND,
    RouteNotFound = "route_not_found" => NOT_FOUND,
    BusinessNotFound = "business_not_found" => NOT_FOUND,
    UnitNotFound = "unit_not_found" => NOT_FOUND,
    AssociationNotFound = "association_not_found" => NOT_FOUND,
    DisputeNotFound = "dispute_not_found" => NOT_FOUND,
    OfferNotFound = "offer_not_found" => NOT_FOUND,
    EvidenceNotFound = "evidence_not_found" => NOT_FOUND,
    DocumentNotAvailable = "document_not_available" => CONFLICT,
    DocumentNotFound = "document_not_found" => NOT_FOUND,
    NotificationNotFound = "notification_not_found" => NOT_FOUND,
    EscalationNotFound = "escalation_not_found" => NOT_FOUND,
    AlertNotFound = "alert_not_found" => NOT_FOUND,
    ScopeNotFound = "scope_not_found" => NOT_FOUND,
    ReportNotFound = "report_not_found" => NOT_FOUND,
    PublicationNotFound = "publication_not_found" => NOT_FOUND,
    UserNotFound = "user_not_found" => NOT_FOUND,
    StaffNotFound = "staff_not_found" => NOT_FOUND,
    WebhookNotFound = "webhook_not_found" => NOT_FOUND,
    WebhookDeliveryNotFound = "webhook_delivery_not_found" => NOT_FOUND,
    ReplyTemplateNotFound = "reply_template_not_found" => NOT_FOUND,
    MediationNotFound = "mediation_not_found" => NOT_FOUND,
    SessionNotFound = "session_not_found" => NOT_FOUND,

    MethodNotAllowed = "method_not_allowed" => METHOD_NOT_ALLOWED,

    Conflict = "conflict" => CONFLICT,
    EmailTaken = "email_taken" => CONFLICT,
    PhoneTaken = "phone_taken" => CONFLICT,
    BusinessExists = "business_exists" => CONFLICT,
    AssociationExists = "association_exists" => CONFLICT,
    InvitationUsed = "invitation_used" => CONFLICT,
    PasswordChanged = "password_changed" => CONFLICT,
    UnitAlreadyEnrolled = "unit_already_enrolled" => CONFLICT,
    UnitTransitionNotAllowed = "unit_transition_not_allowed" => CONFLICT,
    UnitChangedConcurrently = "unit_changed_concurrently" => CONFLICT,
    UnitNotPending = "unit_not_pending" => CONFLICT,
    NotAnOdrUnit = "not_an_odr_unit" => CONFLICT,
    DuplicateDispute = "duplicate_dispute" => CONFLICT,
    WebhookLimitReached = "webhook_limit_reached" => CONFLICT,
    ReplyTemplateLimitReached = "reply_template_limit_reached" => CONFLICT,
    WebhookDeliveryPending = "webhook_delivery_pending" => CONFLICT,
    InvalidTransition = "invalid_transition" => CONFLICT,
    NotAllowedForParty = "not_allowed_for_party" => CONFLICT,
    DisputeClosed = "dispute_closed" => CONFLICT,
    EscalationTooEarly = "escalation_too_early" => CONFLICT,
    ExtensionAlreadyUsed = "extension_already_used" => CONFLICT,
    ProposalPending = "proposal_pending" => CONFLICT,
    NoProposalToAnswer = "no_proposal_to_answer" => CONFLICT,
    AlreadyFulfilled = "already_fulfilled" => CONFLICT,
    NotFulfilledYet = "not_fulfilled_yet" => CONFLICT,
    AlreadyRated = "already_rated" => CONFLICT,
    NotDueYet = "not_due_yet" => CONFLICT,
    OfferExpired = "offer_expired" => CONFLICT,
    OfferSuperseded = "offer_superseded" => CONFLICT,
    OfferNotOpen = "offer_not_open" => CONFLICT,
    OwnOffer = "own_offer" => CONFLICT,
    NotYourOffer = "not_your_offer" => CONFLICT,
    DisputeChangedConcurrently = "dispute_changed_concurrently" => CONFLICT,
    InvalidEscalationTransition = "invalid_escalation_transition" => CONFLICT,
    EscalationChangedConcurrently = "escalation_changed_concurrently" => CONFLICT,
    EscalationNotDead = "escalation_not_dead" => CONFLICT,
    PolicyVersionExists = "policy_version_exists" => CONFLICT,
    AlertTransitionNotAllowed = "alert_transition_not_allowed" => CONFLICT,
    DisputeNotConcluded = "dispute_not_concluded" => CONFLICT,
    PublicationPublished = "publication_published" => CONFLICT,
    NotAMassComplaint = "not_a_mass_complaint" => CONFLICT,
    TooManyEvidenceFiles = "too_many_evidence_files" => CONFLICT,
    ReturnVisitTooEarly = "return_visit_too_early" => CONFLICT,
    MediationNotAvailable = "mediation_not_available" => CONFLICT,
    MediationRunning = "mediation_running" => CONFLICT,
    MediationClosed = "mediation_closed" => CONFLICT,
    MediationChangedConcurrently = "mediation_changed_concurrently" => CONFLICT,
    MediationNotAgreed = "mediation_not_agreed" => CONFLICT,
    SessionRecorded = "session_recorded" => CONFLICT,
    SessionNotStarted = "session_not_started" => CONFLICT,
    FulfilmentStepRefused = "fulfilment_step_refused" => CONFLICT,

    EvidenceRemoved = "evidence_removed" => GONE,

    PayloadTooLarge = "payload_too_large" => PAYLOAD_TOO_LARGE,
    FileTooLarge = "file_too_large" => PAYLOAD_TOO_LARGE,
    BodyTooLarge = "body_too_large" => PAYLOAD_TOO_LARGE,
    FormTooLarge = "form_too_large" => PAYLOAD_TOO_LARGE,
    TooManyFields = "too_many_fields" => PAYLOAD_TOO_LARGE,

    UnsupportedMediaType = "unsupported_media_type" => UNSUPPORTED_MEDIA_TYPE,
    UnsupportedEvidenceType = "unsupported_evidence_type" => UNSUPPORTED_MEDIA_TYPE,

    ValidationFailed = "validation_failed" => UNPROCESSABLE_ENTITY,
    IdempotencyKeyReused = "idempotency_key_reused" => UNPROCESSABLE_ENTITY,

    TooManyLoginAttempts = "too_many_login_attempts" => TOO_MANY_REQUESTS,
    TooManyLoginAttemptsFromAddress = "too_many_login_attempts_from_address" => TOO_MANY_REQUESTS,
    TooManyRequestsFromAddress = "too_many_requests_from_address" => TOO_MANY_REQUESTS,

    // Sent with the status of a 4xx response the platform has no code of its own for (the
    // framework's); BAD_REQUEST is only its default.
    RequestFailed = "request_failed" => BAD_REQUEST,

    InternalError = "internal_error" => INTERNAL_SERVER_ERROR,
    DatabaseUnavailable = "database_unavailable" => SERVICE_UNAVAILABLE,
}

impl ErrorCode {
    /// What the code means to the person who met it, in `lang` (`src/locales/*/errors.ftl`).
    pub fn text(self, lang: Lang) -> Cow<'static, str> {
        lang.text(&format!("error-{}", self.as_str()))
    }
}

/// The code of each rule of the dispute lifecycle (docs/lifecycle.md).
impl From<RuleError> for ErrorCode {
    fn from(error: RuleError) -> Self {
        match error {
            // Only the sweeper flags a miss; it skips a dispute another node flagged.
            RuleError::NotInThisState { .. } | RuleError::AlreadyFlagged => Self::InvalidTransition,
            RuleError::NotYourTurn { .. } => Self::NotAllowedForParty,
            RuleError::Closed => Self::DisputeClosed,
            RuleError::EscalationTooEarly { .. } => Self::EscalationTooEarly,
            RuleError::ExtensionAlreadyUsed => Self::ExtensionAlreadyUsed,
            RuleError::ProposalPending => Self::ProposalPending,
            RuleError::NoProposal => Self::NoProposalToAnswer,
            RuleError::AlreadyFulfilled => Self::AlreadyFulfilled,
            RuleError::NotFulfilledYet => Self::NotFulfilledYet,
            RuleError::AlreadyRated => Self::AlreadyRated,
            RuleError::NotDueYet => Self::NotDueYet,
        }
    }
}

/// The code of each reason an answer to an offer is refused.
impl From<OfferError> for ErrorCode {
    fn from(error: OfferError) -> Self {
        match error {
            OfferError::NotOpen(OfferStatus::Superseded) => Self::OfferSuperseded,
            OfferError::NotOpen(_) => Self::OfferNotOpen,
            OfferError::Expired => Self::OfferExpired,
            OfferError::OwnOffer => Self::OwnOffer,
            OfferError::NotYourOffer => Self::NotYourOffer,
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_sent_as_its_name_and_has_a_text_in_both_languages() {
        for &code in ErrorCode::ALL {
            assert_eq!(
                serde_json::to_value(code).unwrap(),
                serde_json::Value::from(code.as_str())
            );
            for lang in [Lang::Zh, Lang::En] {
                assert!(
                    lang.has(&format!("error-{code}")),
                    "no {} text for the error code {code}",
                    lang.tag()
                );
            }
        }
    }

    #[test]
    fn codes_are_unique_and_client_errors_are_4xx() {
        let mut names: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ErrorCode::ALL.len());
        assert!(ErrorCode::ALL.iter().all(|c| c.status().is_client_error()
            || matches!(c, ErrorCode::InternalError | ErrorCode::DatabaseUnavailable)));
    }
}
