# What a dispute's parties, staff and regulators are told (src/disputes/notices.rs): in the
# app and in emails.

notice-new-dispute-headline = New dispute { $case_number }
notice-new-dispute = { $consumer_name } filed a dispute about { $item }, claiming { $amount }. Make first contact within the due time.
notice-first-contact-headline = { $business_name } answered your dispute { $case_number }
notice-offer-headline = New offer on dispute { $case_number }
notice-update-headline = Dispute { $case_number } updated
notice-reminder-headline = Reminder: dispute { $case_number } is due soon
notice-reminder = The { $deadline } time limit of dispute { $case_number } ends at { $due } (Beijing time).
notice-the-consumer-withdrew-the = The consumer withdrew the dispute.
notice-the-business-declined-to = The business declined to settle; the dispute goes to 12315.
notice-the-consumer-asked-for-the = The consumer asked for the dispute to go to 12315.
notice-the-extension-was-refused = The extension was refused.
notice-the-other-party-asks-to-pause = The other party asks to pause the dispute (e.g. for product testing); please confirm.
notice-the-dispute-is-paused = The dispute is paused.
notice-the-business-marked-the = The business marked the settlement fulfilled; please confirm.
notice-the-consumer-confirmed = The consumer confirmed fulfilment; the dispute is resolved.
notice-the-consumer-reported-non = The consumer reported non-fulfilment; the dispute goes to 12315.
notice-the-time-limit-passed-without = The time limit passed without a settlement; the dispute goes to 12315.
notice-the-settlement-was-not = The settlement was not fulfilled in time; the dispute goes to 12315.
notice-the-consumer-raised-no = The consumer raised no objection in time; the dispute is resolved.
notice-the-regulator-ruled-this-is = The regulator ruled this is not a consumer dispute.
notice-the-regulator-has-taken-this = The regulator has taken this dispute to 12315.
notice-the-other-party-sent-a-new = The other party sent a new message.
notice-the-other-party-rejected-your = The other party rejected your offer.
notice-the-other-party-withdrew-its = The other party withdrew its offer.
notice-the-extension-was-agreed = The extension was agreed.
notice-the-dispute-is-resumed = The dispute is resumed.
notice-offer-accepted = The other party accepted the offer ({ $remedy }); the settlement is agreed.
notice-extension-proposed = The other party asks to extend the time limit by { $working_days } working days; please confirm.
notice-rated = The consumer rated the handling { $rating }/5.
notice-first-contact-lapsed = First contact is overdue. Contact the consumer now; disputes not settled in time go to 12315.
notice-first-contact-lapsed-many = First contact is overdue in { $count } disputes. Contact the consumers now; disputes not settled in time go to 12315.
notice-first-contact-lapsed-many-subject = First contact overdue in { $count } disputes
notice-first-contact = The business has contacted you about your dispute. Log in to reply.
notice-offer-by-business = The business offers: { $remedy }, { $amount }. Accept, reject or counter before it expires.
notice-offer-by-consumer = The consumer offers: { $remedy }, { $amount }. Accept, reject or counter before it expires.
notice-unit-with-reason = { $what }. Reason: { $reason }
notice-unit-warned = The regulator has warned your unit
notice-unit-active = Your unit is an active ODR unit
notice-unit-suspended = Your unit is suspended: no new disputes; open ones continue
notice-unit-removed = Your unit was removed from the ODR directory
notice-unit-rejected = Your unit's application was rejected
notice-unit-pending = Your unit's application awaits a decision
notice-digest-line = { $case_number } · { $item } · { $deadline } due { $due }
notice-alert = Alert · { $summary }
notice-escalation-queued = An unsettled dispute has entered your region's 12315 queue.
notice-escalation-queued-many = { $count } unsettled disputes have entered your region's 12315 queue.
notice-escalation-queued-many-subject = { $count } disputes entered the 12315 queue
notice-escalation-progress = 12315 handling: { $state }.
notice-digest-summary = { $date }: { $count ->
        [one] 1 dispute falls
       *[other] { $count } disputes fall
    } due by the end of the next working day
notice-in-app = { $headline }: { $detail }
notice-report-ready = { $report } ready ({ $from } to { $to }).

# The subject of an update's email: the case number and what happened.
email-update-subject = Dispute { $case_number }: { $what }
alert-summary-major = Major dispute: claims ¥{ $yuan }
alert-summary-sensitive = Sensitive dispute: mentions "{ $words }"
alert-summary-repeat-consumer = Repeat complaint: the same consumer complained about the same unit again within { $days } days
alert-summary-repeat-unit = Repeat complaints: the unit's dispute number { $count } within { $days } days
alert-summary-mass-complaint = Mass complaint: { $count } different consumers complained about { $unit } within { $hours } hours ({ $cases })
alert-summary-commitment-breach = Commitment broken: a unit committed to offline no-reason returns refused a return
notice-followed = You are named to follow this case ({ $reason }): watch its deadlines and call the consumer back once it concludes.
notice-followed-because = You are named to follow this case ({ $reason }): { $note }. Watch its deadlines and call the consumer back once it concludes.
notice-unfollowed = You no longer follow this case.
notice-urged = The regulator urges you: { $message }
notice-bureau-due = The bureau's limit comes near: { $deadline }, due { $due_at }.
notice-bureau-overdue = The bureau's limit has passed: { $deadline }, due { $due_at }. Please act now.
notice-mediation-requested = The { $party } asked for mediation of this case; once both parties asked, the regulator may refer it to a mediator.
notice-mediation-request-withdrawn = The { $party } took back the request for mediation.
notice-mediation-jointly-requested = Both parties asked for mediation of this case: refer it to a mediator.
notice-mediation-referred-to-you = The regulator referred this case to you for mediation; end the mediation by { $due }.
notice-mediation-referred-to-you-because = The regulator referred this case to you for mediation: { $note }. End the mediation by { $due }.
notice-mediation-referred = This case was referred to { $mediator } of { $organisation } for mediation; the mediator will contact you and arrange a session.
notice-mediator-wrote = The mediator writes: { $message }
notice-session-scheduled = The mediator scheduled a session: { $time }, { $mode }, { $place }.
notice-session-reminder = Reminder: the mediation session is at { $time }, { $mode }, { $place }.
notice-mediation-failed-back = The mediation reached no agreement; the case is back in the 12315 queue: { $reason }
notice-mediation-fulfilled = The business says it carried out the mediated agreement; the consumer is asked to confirm.
notice-mediation-confirmed = The consumer confirmed the mediated agreement carried out; the case may be closed.
notice-mediation-withdrawn = The regulator withdrew this case's referral to mediation: { $reason }
