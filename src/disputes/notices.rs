//! Notices to the other party: an in-app notification always, and an email through the job
//! queue for the events people must not miss (a new dispute, first contact, each offer).

use std::cell::RefCell;
use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::CaseContext;
use crate::domain::money::format_yuan;
use crate::domain::notification::NotificationKind;
use crate::i18n::{FluentValue, Lang};
use crate::jobs::{Job, enqueue_jobs};
use crate::notify::messages::{DisputeNotice, ManyDisputesNotice};
use crate::store::disputes::Dispute;
use crate::store::notifications::{Notification, notify_all};
use crate::store::users::User;
use crate::store::{DbConn, StoreError};

/// Something a party is told about.
#[derive(Debug, Clone)]
pub enum Notice {
    NewDispute {
        case_number: String,
        consumer_name: String,
        item: String,
        amount_claimed_fen: i64,
    },
    FirstContact {
        case_number: String,
        business_name: String,
    },
    Offer {
        case_number: String,
        from_business: bool,
        remedy: String,
        amount_fen: i64,
    },
    Update {
        case_number: String,
        what: Said,
    },
    /// A due date comes near.
    Reminder {
        case_number: String,
        deadline: Deadline,
        due_at: DateTime<Utc>,
    },
}

pub use crate::domain::dispute::Deadline;

/// A moment as people in Shanghai read it, e.g. `2026-12-11 23:59`.
pub fn local_time(at: DateTime<Utc>) -> String {
    at.with_timezone(&chrono_tz::Asia::Shanghai)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

impl Notice {
    /// The stable kind of the notification.
    pub fn kind(&self) -> NotificationKind {
        match self {
            Self::NewDispute { .. } => NotificationKind::NewDispute,
            Self::FirstContact { .. } => NotificationKind::FirstContact,
            Self::Offer { .. } => NotificationKind::Offer,
            Self::Update { .. } => NotificationKind::Update,
            Self::Reminder { .. } => NotificationKind::Reminder,
        }
    }

    /// Headline and detail in `lang` (src/locales/<language>/notices.ftl).
    pub fn text(&self, lang: Lang) -> (String, String) {
        let case = |n: &str| Arg::text(n);
        let (headline, detail) = match self {
            Self::NewDispute {
                case_number,
                consumer_name,
                item,
                amount_claimed_fen,
            } => (
                Said::new("notice-new-dispute-headline").with("case_number", case(case_number)),
                Said::new("notice-new-dispute")
                    .with("consumer_name", Arg::text(consumer_name))
                    .with("item", Arg::text(item))
                    .with("amount", Arg::text(&format_yuan(*amount_claimed_fen))),
            ),
            Self::FirstContact {
                case_number,
                business_name,
            } => (
                Said::new("notice-first-contact-headline")
                    .with("case_number", case(case_number))
                    .with("business_name", Arg::text(business_name)),
                Said::new("notice-first-contact"),
            ),
            Self::Offer {
                case_number,
                from_business,
                remedy,
                amount_fen,
            } => (
                Said::new("notice-offer-headline").with("case_number", case(case_number)),
                Said::new(if *from_business {
                    "notice-offer-by-business"
                } else {
                    "notice-offer-by-consumer"
                })
                .with("remedy", Arg::Label("remedy", remedy.clone()))
                .with("amount", Arg::text(&format_yuan(*amount_fen))),
            ),
            Self::Update { case_number, what } => (
                Said::new("notice-update-headline").with("case_number", case(case_number)),
                what.clone(),
            ),
            Self::Reminder {
                case_number,
                deadline,
                due_at,
            } => (
                Said::new("notice-reminder-headline").with("case_number", case(case_number)),
                Said::new("notice-reminder")
                    .with("case_number", case(case_number))
                    .with("deadline", Arg::Label("deadline", deadline.as_str().into()))
                    .with("due", Arg::text(&local_time(*due_at))),
            ),
        };
        (headline.in_words(lang), detail.in_words(lang))
    }
}

/// Something said in Chinese and in English.
#[derive(Debug, Clone)]
pub struct Both<T> {
    pub zh: T,
    pub en: T,
}

impl<T> Both<T> {
    /// What `say` says in each language.
    pub fn of(say: impl Fn(Lang) -> T) -> Self {
        Self {
            zh: say(Lang::Zh),
            en: say(Lang::En),
        }
    }

    /// What is said in `lang`.
    pub fn of_lang(&self, lang: Lang) -> &T {
        match lang {
            Lang::En => &self.en,
            _ => &self.zh,
        }
    }
}

/// A value put into a sentence of notices.ftl.
#[derive(Debug, Clone)]
pub enum Arg {
    Text(String),
    Number(i64),
    /// A stable code, named in the recipient's language (labels.ftl `<set>-<code>`).
    Label(&'static str, String),
    /// A sentence of its own, in the recipient's language.
    Said(Box<Said>),
    /// Texts put in as they are, joined the recipient's way (`、` in Chinese, `, ` in English).
    List(Vec<String>),
}

impl Arg {
    /// A text put in as it is.
    pub fn text(value: &str) -> Self {
        Self::Text(value.to_string())
    }
}

/// A sentence of notices.ftl with its values, put into words in each recipient's language.
#[derive(Debug, Clone)]
pub struct Said {
    id: &'static str,
    args: Vec<(&'static str, Arg)>,
}

impl Said {
    /// The sentence `id`.
    pub fn new(id: &'static str) -> Self {
        Self {
            id,
            args: Vec::new(),
        }
    }

    /// The sentence with the variable `name` set.
    pub fn with(mut self, name: &'static str, value: Arg) -> Self {
        self.args.push((name, value));
        self
    }

    /// The sentence in `lang`.
    pub fn in_words(&self, lang: Lang) -> String {
        let args: Vec<_> = self
            .args
            .iter()
            .map(|(name, arg)| {
                let value = match arg {
                    Arg::Text(text) => FluentValue::from(text.as_str()),
                    Arg::Number(n) => FluentValue::from(*n),
                    Arg::Label(set, code) => FluentValue::from(lang.label(set, code)),
                    Arg::Said(said) => FluentValue::from(said.in_words(lang)),
                    Arg::List(items) => FluentValue::from(items.join(lang.s("list-separator"))),
                };
                (*name, value)
            })
            .collect();
        lang.format(self.id, &args)
    }
}

/// Notifies each of `to` in the app and, when `by_email` and they have an address, by email,
/// each in their language (two statements however many they are). In an open [`EmailBatch`],
/// the emails of the notices it gathers ([`GATHERED`]) wait for the batch's end.
pub fn send_notice<'u>(
    conn: &mut DbConn,
    ctx: &CaseContext,
    to: impl IntoIterator<Item = &'u User>,
    dispute: &Dispute,
    notice: &Notice,
    by_email: bool,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let both = Both::of(|lang| notice.text(lang));
    let told: Vec<_> = to
        .into_iter()
        .map(|user| (user, both.of_lang(Lang::of(&user.language)).clone()))
        .collect();
    let gathered = match notice {
        Notice::Update { what, .. } if by_email => GATHERED
            .iter()
            .find(|(one, _)| *one == what.id)
            .map(|&(_, many)| many)
            .filter(|_| EMAILS.with(|e| e.borrow().is_some())),
        _ => None,
    };
    deliver(
        conn,
        ctx,
        &told,
        &both,
        Some((&dispute.id, &dispute.case_number)),
        notice.kind(),
        by_email && gathered.is_none(),
        now,
    )?;
    let Some(many) = gathered else {
        return Ok(());
    };
    EMAILS.with(|e| {
        if let Some(batch) = e.borrow_mut().as_mut() {
            for (user, (headline, detail)) in &told {
                if let Some(email) = &user.email {
                    let language = Lang::of(&user.language);
                    batch.push(Waiting {
                        to: email.clone(),
                        name: user.display_name.clone(),
                        language,
                        many,
                        subject: subject_of(
                            language,
                            NotificationKind::Update,
                            headline,
                            detail,
                            &dispute.case_number,
                        ),
                        headline: headline.clone(),
                        detail: detail.clone(),
                        case_number: dispute.case_number.clone(),
                        link: dispute_link(ctx, &dispute.id),
                    });
                }
            }
        }
    });
    Ok(())
}

/// The notices whose emails an [`EmailBatch`] gathers, each with its words for several
/// disputes (notices.ftl): those a sweep or a delivery turn sends for a hundred disputes at
/// once to the same people.
const GATHERED: [(&str, Many); 2] = [
    (
        "notice-first-contact-lapsed",
        Many {
            detail: "notice-first-contact-lapsed-many",
            subject: "notice-first-contact-lapsed-many-subject",
        },
    ),
    (
        "notice-escalation-queued",
        Many {
            detail: "notice-escalation-queued-many",
            subject: "notice-escalation-queued-many-subject",
        },
    ),
];

/// The words of a gathered notice for several disputes (notices.ftl): its text and the
/// subject of its email, each with `$count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Many {
    detail: &'static str,
    subject: &'static str,
}

/// An email of an [`EmailBatch`] not yet queued.
struct Waiting {
    to: String,
    name: String,
    language: Lang,
    /// The words of the notice for several disputes.
    many: Many,
    subject: String,
    headline: String,
    detail: String,
    case_number: String,
    link: String,
}

thread_local! {
    /// The emails waiting in the [`EmailBatch`] open on this thread.
    static EMAILS: RefCell<Option<Vec<Waiting>>> = const { RefCell::new(None) };
}

/// The emails of one transaction that changes many disputes at once (a sweep batch, a turn of
/// builtin deliveries): each person gets one email per kind of notice listing every dispute it
/// concerns, not one per dispute (docs/lifecycle.md#notices); the in-app notices stay one per
/// dispute. Opened while another is open on the thread, it leaves the emails to that one.
/// Dropping it without [`Self::finish`] forgets what it holds.
pub struct EmailBatch {
    outermost: bool,
}

impl EmailBatch {
    /// Starts gathering on this thread.
    pub fn open() -> Self {
        EMAILS.with(|e| {
            let mut e = e.borrow_mut();
            let outermost = e.is_none();
            if outermost {
                *e = Some(Vec::new());
            }
            Self { outermost }
        })
    }

    /// How many emails wait: where to go back to with [`Self::restore`].
    pub fn mark(&self) -> usize {
        EMAILS.with(|e| e.borrow().as_ref().map_or(0, Vec::len))
    }

    /// Forgets the emails gathered since `mark` (their savepoint rolled back).
    pub fn restore(&self, mark: usize) {
        EMAILS.with(|e| {
            if let Some(waiting) = e.borrow_mut().as_mut() {
                waiting.truncate(mark);
            }
        });
    }

    /// Queues the gathered emails in the caller's transaction: one per person and kind of
    /// notice, the usual email when it concerns one dispute.
    pub fn finish(
        self,
        conn: &mut DbConn,
        ctx: &CaseContext,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        if !self.outermost {
            return Ok(());
        }
        let waiting = EMAILS.with(|e| e.borrow_mut().take()).unwrap_or_default();
        let mut groups: Vec<Vec<Waiting>> = Vec::new();
        let mut place: HashMap<(String, Many), usize> = HashMap::new();
        for email in waiting {
            let key = (email.to.clone(), email.many);
            match place.get(&key) {
                Some(&at) => groups[at].push(email),
                None => {
                    place.insert(key, groups.len());
                    groups.push(vec![email]);
                }
            }
        }
        let mut jobs = Vec::with_capacity(groups.len());
        for mut group in groups {
            let rendered = if group.len() == 1 {
                let one = group.remove(0);
                DisputeNotice {
                    language: one.language,
                    name: one.name,
                    subject: one.subject,
                    headline: one.headline,
                    detail: one.detail,
                    case_number: one.case_number,
                    link: one.link,
                }
                .render(&one.to)
            } else {
                let first = &group[0];
                let count = group.len() as i64;
                ManyDisputesNotice {
                    language: first.language,
                    name: first.name.clone(),
                    subject: Said::new(first.many.subject)
                        .with("count", Arg::Number(count))
                        .in_words(first.language),
                    detail: Said::new(first.many.detail)
                        .with("count", Arg::Number(count))
                        .in_words(first.language),
                    case_numbers: group.iter().map(|w| w.case_number.clone()).collect(),
                    link: ctx.public_url.clone(),
                }
                .render(&first.to)
            };
            jobs.push(Job::SendEmail(
                rendered.map_err(|e| StoreError::Corrupt(e.to_string()))?,
            ));
        }
        enqueue_jobs(conn, &jobs, ctx.email_max_attempts, now, None)
    }
}

impl Drop for EmailBatch {
    fn drop(&mut self) {
        if self.outermost {
            EMAILS.with(|e| *e.borrow_mut() = None);
        }
    }
}

/// Tells each active staff member of `business_id` about a decision on their unit (in the app
/// and by email), in their language: what happened and, when one was given, why.
pub fn tell_staff(
    conn: &mut DbConn,
    ctx: &CaseContext,
    business_id: &str,
    what: &Said,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let staff = crate::store::users::staff_of(conn, business_id)?;
    let both = Both::of(|lang| {
        let headline = what.in_words(lang);
        // The email's text shows only the detail, so it repeats the headline.
        let detail = if reason.is_empty() {
            headline.clone()
        } else {
            Said::new("notice-unit-with-reason")
                .with("what", Arg::text(&headline))
                .with("reason", Arg::text(reason))
                .in_words(lang)
        };
        (headline, detail)
    });
    let told: Vec<_> = staff
        .iter()
        .filter(|u| u.is_active)
        .map(|user| (user, both.of_lang(Lang::of(&user.language)).clone()))
        .collect();
    deliver(
        conn,
        ctx,
        &told,
        &both,
        None,
        NotificationKind::Unit,
        true,
        now,
    )
}

/// The subject of an email about one dispute in `lang`: its headline, or for an update the
/// case number with what happened (docs/lifecycle.md#notices).
fn subject_of(
    lang: Lang,
    kind: NotificationKind,
    headline: &str,
    detail: &str,
    case_number: &str,
) -> String {
    if kind != NotificationKind::Update || case_number.is_empty() {
        return headline.to_string();
    }
    Said::new("email-update-subject")
        .with("case_number", Arg::text(case_number))
        // Without its closing full stop (ideographic or Latin).
        .with(
            "what",
            Arg::text(detail.trim_end_matches(['\u{3002}', '.'])),
        )
        .in_words(lang)
}

/// The address of dispute `id`'s page in the portal.
fn dispute_link(ctx: &CaseContext, id: &str) -> String {
    crate::config::public_link(&ctx.public_url, &format!("/disputes/{id}"))
}

/// The one place notices go out: each user's in-app notification of their (headline, detail),
/// and with `by_email` an email job for each who has an address.
#[expect(
    clippy::too_many_arguments,
    reason = "the one place notices go out takes everything about them"
)]
fn deliver(
    conn: &mut DbConn,
    ctx: &CaseContext,
    told: &[(&User, (String, String))],
    both: &Both<(String, String)>,
    dispute: Option<(&str, &str)>,
    kind: NotificationKind,
    by_email: bool,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let mut notes = Vec::with_capacity(told.len());
    let mut emails = Vec::new();
    let in_app = |lang: Lang, (headline, detail): &(String, String)| {
        Said::new("notice-in-app")
            .with("headline", Arg::text(headline))
            .with("detail", Arg::text(detail))
            .in_words(lang)
    };
    let messages = Both::of(|lang| in_app(lang, both.of_lang(lang)));
    for (user, (headline, detail)) in told {
        let language = Lang::of(&user.language);
        let message = messages.of_lang(language).clone();
        notes.push(
            Notification::new(&user.id, dispute.map(|(id, _)| id), kind, &message, now)
                .in_both(messages.zh.clone(), messages.en.clone()),
        );
        if let (true, Some(email)) = (by_email, user.email.as_deref()) {
            let case_number = dispute.map(|(_, n)| n.to_string()).unwrap_or_default();
            let message = DisputeNotice {
                language,
                name: user.display_name.clone(),
                subject: subject_of(language, kind, headline, detail, &case_number),
                headline: headline.clone(),
                detail: detail.clone(),
                case_number,
                link: dispute
                    .map_or_else(|| ctx.public_url.clone(), |(id, _)| dispute_link(ctx, id)),
            }
            .render(email)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
            emails.push(Job::SendEmail(message));
        }
    }
    notify_all(conn, notes)?;
    enqueue_jobs(conn, &emails, ctx.email_max_attempts, now, None)
}
