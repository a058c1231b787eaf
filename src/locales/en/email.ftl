# The emails' words (src/notify/messages.rs), laid out by src/notify/templates/email/layout.

email-greeting = Dear { $name },
email-signature = — ODR platform
email-open-platform = Open the ODR platform
email-case-number = Case number: { $case_number }
email-notice-login = Log in to the ODR platform to see the dispute and answer:

email-invitation-subject = You are invited to the ODR platform: { $organisation }
email-invitation-created = An account has been created for you on the online dispute resolution (ODR) platform for { $organisation }.
email-invitation-within = Set your password here within { $hours } hours:
email-invitation-link = Set your password
email-invitation-ignore = If you did not expect this message, you can ignore it.

email-reset-subject = Reset your ODR platform password
email-reset-asked = Someone (we hope you) asked to reset the password of your account on the online dispute resolution (ODR) platform.
email-reset-within = Choose a new password here within { $minutes } minutes; the link works once:
email-reset-link = Choose a new password
email-reset-ignore = If you did not ask for this, ignore this message: your password stays as it is.

email-digest-subject = { $business }: { $count ->
        [one] 1 dispute falls
       *[other] { $count } disputes fall
    } due ({ $date })
email-digest-lead = These disputes of { $business } fall due by the end of the next working day:
email-digest-login = Log in to the ODR platform to handle them:
email-platform-administration = ODR platform administration
