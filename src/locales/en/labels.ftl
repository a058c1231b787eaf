# Words for the platform's stable codes: `<set>-<code>`, one set per closed set of values
# (src/http/portal/labels.rs; a test there fails when a value of an enum has no word).

## status
status-filed = Awaiting contact
status-negotiating = Negotiating
status-settled = Settled
status-resolved = Resolved
status-withdrawn = Withdrawn
status-escalated = Escalated to 12315
status-rejected = Rejected
status-paused = Paused

## remedy
remedy-refund = Refund
remedy-replacement = Replacement
remedy-repair = Repair
remedy-compensation = Compensation
remedy-apology = Apology
remedy-other = Other

## category
category-product_quality = Product quality
category-service_quality = Service quality
category-contract_terms = Contract terms
category-price_and_charges = Prices and charges
category-returns_and_refunds = Returns and refunds
category-after_sales_and_warranty = After-sales and warranty
category-vehicle_quality = Vehicle quality
category-food_safety = Food safety
category-prepaid_cards = Prepaid cards
category-personal_information = Personal information
category-other = Other

## party
party-consumer = Consumer
party-business = Business
party-merchant = Business
party-regulator = Regulator
party-system = System

## event
event-filed = Dispute filed
event-first_contact = First contact
event-message = Message
event-offer_made = Offer made
event-offer_withdrawn = Offer withdrawn
event-offer_accepted = Offer accepted
event-offer_rejected = Offer rejected
event-offer_expired = Offer expired
event-withdrawn = Dispute withdrawn
event-declined = Business declined
event-escalation_requested = Escalation requested
event-extension_proposed = Extension proposed
event-extension_agreed = Extension agreed
event-extension_refused = Extension refused
event-pause_proposed = Pause proposed
event-paused = Paused
event-resumed = Resumed
event-marked_fulfilled = Marked fulfilled
event-fulfilment_confirmed = Fulfilment confirmed
event-non_fulfilment_reported = Non-fulfilment reported
event-rated = Rated
event-rejected_as_no_consumer_dispute = Rejected: not a consumer dispute
event-escalated_by_regulator = Escalated by the regulator
event-first_contact_lapsed = First contact overdue
event-settlement_lapsed = Settlement lapsed; escalated
event-fulfilment_lapsed = Fulfilment lapsed; escalated
event-confirmation_lapsed = Confirmation lapsed; resolved
event-evidence_added = Evidence added
event-escalation_delivered = Delivered to 12315
event-escalation_delivery_dead = Delivery to 12315 failed
event-escalation_status = 12315 progress
event-anonymised = Personal data anonymised
event-due_dates_recomputed = Due dates recomputed
event-urged = Urged by the regulator
event-return_visit = Return visit by the regulator
bureau_deadline-acceptance = Decide on acceptance
bureau_deadline-mediation = End the mediation
bureau_deadline-notification = Tell the parties the mediation ended
bureau_deadline-case_decision = Verify and decide on a case
follow_reason-sensitive = Sensitive case
follow_reason-major = Major case
visit_channel-phone = Phone
visit_channel-sms = SMS
visit_channel-in_person = In person
visit_channel-online = Online

## role
role-consumer = Consumer
role-merchant_staff = Merchant staff
role-association_admin = Association
role-regulator = Regulator
role-admin = Administrator

## escalation_state
escalation_state-pending = Pending
escalation_state-delivered = Delivered
escalation_state-received = Received
escalation_state-accepted = Accepted
escalation_state-not_accepted = Not accepted
escalation_state-mediating = Mediating
escalation_state-mediated = Mediated
escalation_state-mediation_failed = Mediation failed
escalation_state-case_filed = Case filed
escalation_state-closed = Closed

## escalation_reason
escalation_reason-settlement_due_date_passed = The settlement due date passed
escalation_reason-fulfilment_due_date_passed = The fulfilment due date passed
escalation_reason-joint_mediation_request = Both parties asked for mediation

## field_error
field_error-condition_not_met = An ODR unit must meet all five conditions.
field_error-duplicate_commitment = Each kind of commitment appears once.
field_error-duplicate_remedy = Choose each remedy once.
field_error-invalid_commitment = Check the commitment's return days, conditions and validity dates.
field_error-invalid_commitment_kind = Choose a commitment: consumer rights service station, trusted consumption store or no-reason returns in store.
field_error-not_utf8 = The file must be UTF-8 text.
# A field whose rule has no sentence of its own.
field_error = Check this field.
field_error-email_taken = An account with this email already exists.
field_error-required = Required.
field_error-invalid_version = 3–60 characters: letters, digits, - _ .
field_error-scope_required = Choose a region, an industry or both (the national default is set in the configuration).
field_error-invalid_length = The length is not allowed.
field_error-invalid_email = Not a valid email address.
field_error-invalid_phone = Give a valid mainland mobile number.
field_error-weak_password = At least 8 characters, and not easy to guess (no common words, names, dates or keyboard patterns); a longer phrase works best.
field_error-wrong_password = This is not your current password.
field_error-contact_required = Give an email address or a mobile number.
field_error-passwords_differ = The two passwords differ.
field_error-invalid_amount = Amounts are 0 or more; a claim is at most ten times the amount paid plus ¥1,000 (the statutory punitive ceiling), and at most ¥10,000,000.
field_error-invalid_number = Give a number.
field_error-confirmation_required = Tick the box to confirm.
field_error-deletion_unconfirmed = Tick to confirm before deleting.
field_error-unconfirmed = Tick the box to confirm.
field_error-invalid_status = Not a valid status.
field_error-out_of_range = Out of the allowed range.
field_error-invalid_rating = Choose 1 to 5 stars.
field_error-invalid_uscc = Not a valid unified social credit code.
field_error-unknown_industry = Choose an industry.
field_error-invalid_days = Not a valid number of days.
field_error-invalid_time = Not a valid time.
field_error-duplicate_field = Give this once.
field_error-consent_required = You must agree that the business may contact you.
field_error-unknown_category = Choose a category.
field_error-invalid_purchase_date = The purchase date is not valid.
field_error-invalid_date = The date is not valid.
field_error-not_an_officer_here = Choose an active officer of the region or of a region around it.
field_error-not_an_officer = Give the id of a regulator's account.
field_error-before_conclusion = A return visit cannot be dated before the day the dispute concluded.
field_error-in_the_future = A return visit cannot be dated after today.
field_error-unknown_value = Choose one from the list.
field_error-invalid_form = The form was incomplete or malformed; reload the page and fill it in again.
field_error-invalid_character = Must not contain the NUL character (U+0000).
field_error-invalid_vin = A VIN has 17 characters.
field_error-invalid_remedy = Unknown remedy.
field_error-unknown_region = No region has this code; use a GB/T 2260 division code.
field_error-retired_region = This region code was retired in a later list of divisions; name the region that replaced it.
field_error-outside_association_region = This region is outside the association's area.
field_error-personal_data = A publication names no one: remove consumers' names, contact details, identity numbers and case numbers.
field_error-reason_required = Give the reason for this decision.
field_error-file_required = Choose a file to upload.
field_error-exceeds_policy = { $limit ->
        [extension] An extension is 1 to { $most } working days.
       *[fulfilment] Fulfilment is due within at most { $most } days.
    }
field_error-in_the_past = The time cannot be in the past.
field_error-invalid = Incomplete or malformed.
field_error-too_long = Too long.
field_error-duplicate_in_file = The same credit code appears on an earlier line of the file.
field_error-invalid_action = This action cannot be taken.
field_error-unknown_action = No such action.
field_error-invalid_calendar = The calendar file is malformed.
field_error-invalid_counting = Choose working days or calendar days.
field_error-invalid_flag = Choose yes or no.
field_error-invalid_item_kind = Choose goods or a service.
field_error-invalid_kind = Not a valid kind.
field_error-invalid_period = Choose a day, a week, a month or a period of your own.
field_error-invalid_range = The end cannot come before the start, and the period cannot be that long.
field_error-invalid_region_code = A region code has 6 digits.
field_error-invalid_role = Not a valid role.
field_error-invalid_scope = Not a valid scope for figures.
field_error-invalid_staff_role = Choose owner or handler.
field_error-invalid_level = Choose province, city or county level.
field_error-invalid_format = Choose an export format.
field_error-invalid_sort = Not a valid order.
field_error-invalid_cursor = This page position has expired; start again from the first page.
field_error-invalid_query_parameter = Not a valid filter.
field_error-invalid_json = The request is malformed.
field_error-invalid_json_fields = The request misses a required field or has one of the wrong type.
field_error-invalid_idempotency_key = Not a valid Idempotency-Key.
field_error-undertaking_not_accepted = Read and accept the undertaking.
field_error-undertaking_outdated = The undertaking has changed; read and accept its current version.
field_error-unit_not_active = This unit takes no new disputes at present.
field_error-unknown_association = No such association.
field_error-unknown_jurisdiction = No holiday calendar is loaded for this jurisdiction.
field_error-unknown_unit = No such ODR unit.
field_error-unsupported_language = Choose Chinese or English.
field_error-invalid_import_file = { $reason ->
        [empty] The file has no header row.
        [missing_columns] The header row lacks these columns: { $columns }.
        [too_many_rows] The file has more than { $rows } rows; split it and import each part.
        [too_many_columns] The sheet has cells beyond column { $column } (the import reads at most { $most } columns); delete the stray cells and upload it again.
        [unpacks_too_large] The Excel file unpacks to more than { $kib } KiB; save only the member list in it.
       *[unreadable] The file cannot be read: upload the member list as CSV or Excel (.xlsx).
    }

## item_kind
item_kind-product = Product
item_kind-service = Service

## staff_role
staff_role-owner = Owner
staff_role-handler = Handler

## offer_status
offer_status-open = Open
offer_status-accepted = Accepted
offer_status-rejected = Rejected
offer_status-withdrawn = Withdrawn
offer_status-superseded = Superseded
offer_status-expired = Expired

## unit_status
unit_status-pending = Pending approval
unit_status-active = Active
unit_status-suspended = Suspended
unit_status-rejected = Rejected
unit_status-removed = Removed

## unit_actor
unit_actor-owner = Business owner
unit_actor-regulator = Regulator

## unit_decision
unit_decision-approve = Approve
unit_decision-reject = Reject
unit_decision-suspend = Suspend
unit_decision-reinstate = Reinstate
unit_decision-remove = Remove

## commitment
commitment-rights_service_station = Consumer rights service station
commitment-trusted_consumption_store = Trusted consumption store
commitment-offline_no_reason_return = No-reason returns in store

## alert_kind
alert_kind-mass_complaint = Mass complaint
alert_kind-repeat_consumer = Repeat complaints by one consumer
alert_kind-repeat_unit = Repeat complaints against one unit
alert_kind-major = Major dispute
alert_kind-sensitive = Sensitive dispute
alert_kind-commitment_breach = Commitment breach

## alert_status
alert_status-open = Open
alert_status-acknowledged = Acknowledged
alert_status-closed = Closed

## publication_kind
publication_kind-case_summary = Case summary
publication_kind-consumer_alert = Consumer alert

## publication_status
publication_status-draft = Draft
publication_status-published = Published

## notification
notification-new_dispute = New dispute
notification-first_contact = First contact
notification-offer = Offer
notification-update = Dispute update
notification-reminder = Due-date reminder
notification-unit = Unit status change
notification-daily_digest = Daily digest
notification-report_ready = Report ready

## skip_reason
skip_reason-weekend = Weekend
skip_reason-holiday = Public holiday

## day_count
day_count-working_days = Working days
day_count-calendar_days = Calendar days

## report_kind
report_kind-daily = Daily look
report_kind-weekly = Weekly check
report_kind-monthly = Monthly close
report_kind-analysis = Monthly analysis

## standing
standing-good = In good standing
standing-warned = Warned

## criterion (evaluation thresholds a unit is below)
criterion-on_time_rate = On-time rate
criterion-settlement_rate = Settlement rate
criterion-unanswered = Unanswered disputes

## deadline (the due dates a reminder is about)
deadline-first_contact = first contact
deadline-settlement = settlement
deadline-fulfilment = fulfilment

## unit_reason (the reasons the platform itself records in a unit's history)
unit_reason-application = Applied to join ODR
audit_action-user-create = Account created
audit_action-user-deactivated = Account deactivated
audit_action-user-reactivated = Account reactivated
audit_action-unit-warned = ODR unit warned
audit_action-unit-commitments = Commitments changed
audit_action-publication-published = Published
audit_action-reply_template-created = Reply template added
audit_action-reply_template-updated = Reply template changed
audit_action-reply_template-deleted = Reply template deleted
audit_action-policy-create = Deadline policy added
audit_action-escalation-redrive = Escalation sent again
audit_action-calendar-import = Calendar year imported
audit_action-audit-export = Audit log exported
audit_action-association-create = Association created
audit_action-alert-raised = Alert raised
audit_action-account-export = Personal data downloaded
audit_action-dispute-unmask = Consumer contact unmasked
audit_action-dispute-followed = Officer named to follow
audit_action-dispute-unfollowed = Following ended
audit_object-dispute = Dispute
audit_object-unit = ODR unit
audit_object-user = Account
audit_object-alert = Alert
audit_object-association = Association
audit_object-audit_log = Audit log
audit_object-escalation = Escalation
audit_object-publication = Publication
audit_object-reply_template = Reply template
audit_object-calendar_year = Calendar year
audit_object-deadline_policy = Deadline policy
audit_action-publication-deleted = Draft publication deleted
webhook_event-filed = New dispute
webhook_event-message = New message
webhook_event-offer = Offer (made, withdrawn, rejected, expired)
webhook_event-accepted = Offer accepted
webhook_event-due_soon = Due soon
webhook_event-escalated = Escalated to 12315
webhook_event-concluded = Dispute concluded
webhook_event-urged = Urged by the regulator
webhook_event-ping = Test
delivery_status-pending = Waiting
delivery_status-delivered = Delivered
delivery_status-failed = Failed
webhook_failure-timeout = No answer in time
webhook_failure-unreachable = Cannot connect
webhook_failure-refused_url = Address not allowed
webhook_failure-no_secret = Signing secret unreadable
webhook_failure-redirect = Redirect (not followed)
webhook_failure-answered = Refused by the endpoint
field_error-insecure_url = The endpoint must start with https://.
field_error-private_address = The endpoint must not point at a private, local or reserved address.
field_error-invalid_url = Enter a whole address such as https://dms.example.cn/odr/webhooks (without user name or password).
field_error-unknown_event = Choose from the events listed.
audit_action-webhook-created = Add a webhook endpoint
audit_action-webhook-updated = Change a webhook endpoint
audit_action-webhook-deleted = Delete a webhook endpoint
audit_action-webhook-secret_rotated = Rotate a webhook signing secret
audit_object-business = Business
field_error-title_taken = The region has a template with this title; choose another.
sms_event-filed = Dispute filed
sms_event-first_contact = First contact
sms_event-offer = Business's offer
sms_event-agreement = Settled
sms_event-fulfilled = Carried out, to confirm
sms_event-escalated = Sent to 12315
sms_event-rejected = Ruled out
sms_event-new_dispute = New dispute (staff)
sms_event-due_soon = Due date near (staff)
sms_status-pending = Waiting
sms_status-sent = Sent
sms_status-failed = Failed
sms_status-opted_out = Opted out, not sent
sms_status-rate_limited = Over the number's limit, not sent
party-mediator = Mediator
role-mediator = Mediator
event-mediation_requested = Mediation asked for
event-mediation_request_withdrawn = Request for mediation taken back
event-mediation_referred = Referred to mediation
event-mediator_message = Message from the mediator
event-session_scheduled = Mediation session scheduled
event-session_recorded = Mediation session recorded
event-mediation_agreed = Mediated agreement
event-mediation_failed = Mediation without agreement
event-mediation_fulfilled = Business carried out the mediated agreement
event-mediation_confirmed = Consumer confirmed the mediated agreement
sms_event-mediation_session = Mediation session
mediator_kind-people_mediator = People's mediator
mediator_kind-association_mediator = Association mediator
mediator_kind-volunteer_lawyer = Volunteer lawyer
mediation_origin-queue = From the 12315 queue
mediation_origin-joint_request = Both parties' request
mediation_state-referred = Referred
mediation_state-scheduled = Session scheduled
mediation_state-in_session = In session
mediation_state-agreed = Agreed
mediation_state-failed = Failed
session_mode-online = Online
session_mode-in_person = In person
session_outcome-held = Held
session_outcome-not_held = Not held
mediation_outcome-agreed = Agreement
mediation_outcome-failed = No agreement
field_error-outside_your_region = Enrol mediators of your own region or of a region inside it.
field_error-not_a_mediator_here = Choose an enrolled mediator of the dispute's region or of a region it lies in.
field_error-session_time_out_of_range = Choose a time after now and within 90 days.
field_error-fulfilment_too_late = The day is further ahead than the policy allows.
field_error-date_in_past = Choose today or a later day.
event-mediation_withdrawn = Referral to mediation withdrawn
mediation_state-withdrawn = Referral withdrawn
field_error-amount_in_yuan = Enter an amount in yuan with at most two decimals, such as 2000 or 2000.50.
