# What each API error code means to the person who met it: the problem document's `title`
# and the portal's sentence. One message per `crate::error::ErrorCode`, named
# `error-<code>`; the Chinese file (zh-CN/errors.ftl) has the same messages.

## 400
error-bad_request = The request cannot be processed.
error-malformed_json = The body is not valid JSON.
error-invalid_multipart = The uploaded form cannot be read.
error-unreadable_body = The request body cannot be read.
error-invalid_character = The request contains a character that is not allowed.
error-invalid_query = The query string cannot be read.

## 401
error-unauthenticated = Log in first.
error-invalid_token = The access token is not valid; log in again.
error-token_expired = The session has expired; log in again.
error-session_ended = The session has ended or the account is not active; log in again.
error-account_inactive = The account is not active.
error-invalid_credentials = The login or password is wrong.
error-invalid_refresh_token = The refresh token is not known; log in again.
error-refresh_token_revoked = The refresh token was revoked; log in again.
error-refresh_token_reused = The refresh token was used twice; the session was ended for safety. Log in again.
error-refresh_token_expired = The refresh token has expired; log in again.
error-invalid_link = The link is not valid or has expired; ask for the case file again.
error-invalid_signature = The callback's signature is not valid.
error-invalid_invitation = The invitation link is not valid.
error-invitation_expired = The invitation has expired; ask for a new one.
error-invalid_reset_link = The password reset link is not valid or has expired; ask for a new one.
error-metrics_token_required = The metrics endpoint needs the metrics token.

## 403
error-forbidden = Your account may not do this.
error-invalid_form_token = The page has expired; reload it and try again.

## 404
error-not_found = The page or record does not exist.
error-route_not_found = There is no such address.
error-business_not_found = The business does not exist.
error-unit_not_found = The ODR unit does not exist.
error-association_not_found = The association does not exist.
error-dispute_not_found = The dispute does not exist or is not yours to see.
error-offer_not_found = The dispute has no such offer.
error-evidence_not_found = The evidence file does not exist.
error-document_not_available = This document cannot be issued yet: a settlement agreement is issued once the parties agree, an escalation notice once the case has reached the regulators.
error-document_not_found = No document has this verification code.
error-notification_not_found = The notification does not exist.
error-escalation_not_found = The escalation does not exist.
error-alert_not_found = The alert does not exist.
error-scope_not_found = The scope of these figures does not exist.
error-report_not_found = The report does not exist.
error-publication_not_found = The publication does not exist.
error-user_not_found = The account does not exist.
error-staff_not_found = The staff member does not exist.

## 405
error-method_not_allowed = This address does not take this method.

## 409
error-conflict = A record with the same key already exists.
error-email_taken = An account with this email already exists.
error-phone_taken = An account with this phone number already exists.
error-business_exists = A business with this unified social credit code is registered.
error-association_exists = The association is registered.
error-invitation_used = This invitation was already used; log in with your password.
error-password_changed = The password was changed meanwhile; log in again.
error-unit_already_enrolled = The business has applied or is an ODR unit already.
error-unit_transition_not_allowed = This cannot be done in the unit's current state.
error-unit_changed_concurrently = The unit changed meanwhile; reload it and try again.
error-unit_not_pending = The unit is not waiting for a decision.
error-not_an_odr_unit = Apply to become an ODR unit first.
error-duplicate_dispute = An open dispute about the same purchase exists.
error-invalid_transition = This cannot be done in the dispute's current state.
error-not_allowed_for_party = Your side of the dispute may not do this.
error-dispute_closed = The dispute is closed.
error-escalation_too_early = It is too early to ask for escalation.
error-extension_already_used = An extension can be asked for only once.
error-proposal_pending = A proposal is already waiting for an answer.
error-no_proposal_to_answer = There is no proposal from the other party to answer.
error-already_fulfilled = The business has already marked the settlement fulfilled.
error-not_fulfilled_yet = The business has not marked the settlement fulfilled yet.
error-already_rated = You have already rated this dispute.
error-not_due_yet = The due date has not passed yet.
error-offer_expired = The offer has expired.
error-offer_superseded = A newer offer replaced this one.
error-offer_not_open = The offer was answered or withdrawn.
error-own_offer = A party cannot answer its own offer.
error-not_your_offer = Only the party that made an offer can withdraw it.
error-dispute_changed_concurrently = The dispute changed meanwhile; reload it and try again.
error-invalid_escalation_transition = This cannot be done in the escalation's current state.
error-escalation_changed_concurrently = The escalation changed meanwhile; reload it.
error-escalation_not_dead = Only an escalation whose delivery gave up can be re-driven.
error-policy_version_exists = A deadline policy from this date exists.
error-alert_transition_not_allowed = This cannot be done in the alert's current state.
error-dispute_not_concluded = The dispute is not concluded yet.
error-publication_published = A published summary cannot be changed.
error-not_a_mass_complaint = The alert is not about a mass complaint.
error-too_many_evidence_files = The dispute has the most evidence files allowed.

## 410
error-evidence_removed = The evidence file was removed at the end of its retention period.

## 413
error-payload_too_large = The request body is too large.
error-file_too_large = A file is too large; make it smaller and choose it again.
error-body_too_large = The request body is too large.
error-form_too_large = The form is too large.
error-too_many_fields = The form has too many fields.

## 415
error-unsupported_media_type = This content type is not accepted here.
error-unsupported_evidence_type = This file type is not accepted; upload an image or a PDF.

## 422
error-validation_failed = Check the marked fields.
error-idempotency_key_reused = The Idempotency-Key was used for a different request.

## 429
error-too_many_login_attempts = Too many failed logins; try again later.
error-too_many_login_attempts_from_address = Too many login attempts; try again later.
error-too_many_requests_from_address = Too many requests; try again later.

## Any other 4xx (a status the platform has no code of its own for)
error-request_failed = The request failed.

## 500, 503
error-internal_error = The server could not do this now; try again later.
error-database_unavailable = The database is busy or unreachable; try again shortly.
error-webhook_not_found = The webhook endpoint does not exist.
error-webhook_delivery_not_found = The delivery does not exist.
error-webhook_limit_reached = The business has as many endpoints as it may; delete one first.
error-reply_template_not_found = The reply template does not exist.
error-reply_template_limit_reached = The region keeps as many reply templates as it may; delete one first.
error-webhook_delivery_pending = This is still waiting to be sent; it is retried by itself.
error-return_visit_too_early = A return visit follows the conclusion: the dispute is still being handled.
error-mediation_not_found = No such mediation.
error-session_not_found = No such session.
error-mediation_not_available = This dispute cannot be referred to mediation now.
error-mediation_running = The dispute is already in mediation.
error-mediation_closed = The mediation has ended.
error-mediation_changed_concurrently = The mediation changed meanwhile; reload it.
error-mediation_not_agreed = Only a mediation that reached an agreement is carried out.
error-session_recorded = This session's record is written already.
error-session_not_started = A session is recorded once it started.
error-fulfilment_step_refused = This step of the agreement is not possible now.
