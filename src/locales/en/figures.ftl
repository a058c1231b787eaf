# The page that says how figures are counted (/help/figures, docs/metrics.md). Messages
# hold inline HTML (<b>); the page passes every setting they name as a variable.

figures-every-figure-on-this = Every figure on this platform (dashboards, reports, exports, the directory, the evaluation list and the case file sent to 12315) is counted by the rules below. The same question always gives the same number wherever you ask it. Days are counted in Beijing time.
figures-deadlines = Deadlines
figures-unless-the-region-or = Unless the region or industry sets its own policy, a business must make first contact within { $first_contact_days } working day(s) and settle within { $settlement_days } working days after filing (the filing day is not counted; holidays are skipped and make-up working days count). Each case page shows its own due dates and how they were counted.
figures-when-handling-ends = When handling ends
figures-a-business-s-handling = A business's handling of a dispute ends at the first of: the <b>settlement agreement</b> (the consumer accepts an offer; paying or delivering it comes later), the consumer's <b>withdrawal</b>, the business's documented <b>decline</b>, or an <b>escalation</b> to 12315 (asked for by the consumer, taken by a regulator, or because a due date passed). A dispute a regulator rules to be no consumer dispute counts neither for nor against the business.
figures-on-time-rate = On-time rate
figures-of-the-disputes-whose = Of the disputes whose handling ended in the period, plus those still open and past their due date at the end of the period (or now, for a period not over yet): the share handled on time.
figures-on-time-an-agreement = On time: an agreement, withdrawal or decline on or before the due date; an escalation the consumer asked for (or a regulator took on) before the due date after the business had made its first contact in time — the business did its part.
figures-late-every-escalation-because = Late: every escalation because a due date passed, and everything else after the due date.
figures-a-dispute-whose-due = A dispute whose due date is still ahead is never overdue. While a dispute is paused (for example for product testing) its clock stands still.
figures-settlement-rate = Settlement rate
figures-agreements-agreements-escalations-over = Agreements ÷ (agreements + escalations), over handling that ended in the period. A decline sends the dispute to 12315 and counts as an escalation here (while it is on time for the on-time rate if made before the due date). If an agreement is later reported as not fulfilled and escalated, it moves from the agreements to the escalations in the period of that escalation (so a month can show fewer agreements than it made).
figures-first-contact-rate = First-contact rate
figures-first-contact-is-the = First contact is the business's first answer: a message, an offer or a documented decline. The rate is the share answered by the first-contact due date. Each dispute counts once: in the period it was answered if the answer came in time, otherwise in the period its first-contact due date fell. A dispute withdrawn before that date without an answer is not counted.
figures-satisfaction = Satisfaction
figures-the-consumers-ratings-1 = The consumers' ratings (1–5 stars) of disputes that ended in the period: the mean, and the share rated 4 or 5.
figures-other-figures = Other figures
figures-average-cycle-working-days = Average cycle: working days from filing to the end of handling.
figures-loss-recovered-the-amounts = Loss recovered: the amounts of settlements the consumer confirmed as fulfilled.
figures-complaint-to-case-escalations = Complaint to case: escalations the regulator turned into enforcement cases.
figures-activity-units-whose-staff = Activity: units whose staff acted on a dispute ÷ units that had one.
figures-open-and-overdue-disputes = Open and overdue: disputes still being handled whose settlement due date had passed at the end of the period (or now).
figures-evaluation = Evaluation
figures-over-the-last-days = Over the last { $window_days } days, a unit is listed for the regulator's review when its on-time rate is below { $min_on_time_rate }, its settlement rate below { $min_settlement_rate }, or more than { $max_unanswered } disputes wait past their first-contact due date. The regulator decides whether to warn, suspend or remove it.
figures-alerts-to-regulators = Alerts to regulators
figures-mass-complaint-at-least = Mass complaint: at least { $mass_complaint_count } different consumers against one business within { $mass_complaint_hours } hours. One consumer's many filings are a repeat, not a mass complaint.
figures-repeat-a-consumer-s = Repeat: a consumer's second dispute against the same business within { $repeat_consumer_days } days; { $repeat_unit_count } disputes against one business within { $repeat_unit_days } days.
figures-major-a-claim-of = Major: a claim of ¥{ $major_yuan } or more. Sensitive: the description mentions words such as media exposure or food poisoning. Commitment breach: a business that promised offline no-reason returns refuses one.
