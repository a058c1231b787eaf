//! Notices to the other party: an in-app notification always, and an email through the job
//! queue for the events people must not miss (a new dispute, first contact, each offer).

use chrono::{DateTime, Utc};

use super::CaseContext;
use crate::domain::money::format_yuan;
use crate::domain::notification::NotificationKind;
use crate::jobs::{Job, enqueue_job};
use crate::notify::messages::{DisputeNotice, Language};
use crate::store::disputes::Dispute;
use crate::store::notifications::notify;
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
        what_zh: String,
        what_en: String,
    },
    /// A due date comes near.
    Reminder {
        case_number: String,
        deadline: Deadline,
        due_at: DateTime<Utc>,
    },
}

/// Which due date a reminder is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deadline {
    FirstContact,
    Settlement,
    Fulfilment,
}

impl Deadline {
    /// The stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::FirstContact => "first_contact",
            Self::Settlement => "settlement",
            Self::Fulfilment => "fulfilment",
        }
    }

    /// The Chinese name.
    pub fn zh(self) -> &'static str {
        match self {
            Self::FirstContact => "首次响应",
            Self::Settlement => "和解处理",
            Self::Fulfilment => "和解协议履行",
        }
    }

    fn en(self) -> &'static str {
        match self {
            Self::FirstContact => "first contact",
            Self::Settlement => "settlement",
            Self::Fulfilment => "fulfilment",
        }
    }
}

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

    /// Headline and detail in `language`.
    pub fn text(&self, language: Language) -> (String, String) {
        let en = language == Language::En;
        match self {
            Self::NewDispute {
                case_number,
                consumer_name,
                item,
                amount_claimed_fen,
            } => {
                if en {
                    (
                        format!("New dispute {case_number}"),
                        format!(
                            "{consumer_name} filed a dispute about {item}, claiming {}. Make first contact within the due time.",
                            format_yuan(*amount_claimed_fen)
                        ),
                    )
                } else {
                    (
                        format!("新的消费纠纷 {case_number}"),
                        format!(
                            "{consumer_name} 就「{item}」提出消费纠纷，诉求金额 {}。请在时限内首次响应。",
                            format_yuan(*amount_claimed_fen)
                        ),
                    )
                }
            }
            Self::FirstContact {
                case_number,
                business_name,
            } => {
                if en {
                    (
                        format!("{business_name} answered your dispute {case_number}"),
                        "The business has contacted you about your dispute. Log in to reply."
                            .into(),
                    )
                } else {
                    (
                        format!("{business_name} 已响应您的纠纷 {case_number}"),
                        "经营者已就您的消费纠纷与您联系，请登录平台查看并回复。".into(),
                    )
                }
            }
            Self::Offer {
                case_number,
                from_business,
                remedy,
                amount_fen,
            } => {
                let who_en = if *from_business {
                    "The business"
                } else {
                    "The consumer"
                };
                let who_zh = if *from_business {
                    "经营者"
                } else {
                    "消费者"
                };
                if en {
                    (
                        format!("New offer on dispute {case_number}"),
                        format!(
                            "{who_en} offers: {remedy}, {}. Accept, reject or counter before it expires.",
                            format_yuan(*amount_fen)
                        ),
                    )
                } else {
                    (
                        format!("纠纷 {case_number} 有新的和解方案"),
                        format!(
                            "{who_zh}提出和解方案：{}，金额 {}。请在方案到期前接受、拒绝或提出新方案。",
                            remedy_zh(remedy),
                            format_yuan(*amount_fen)
                        ),
                    )
                }
            }
            Self::Update {
                case_number,
                what_zh,
                what_en,
            } => {
                if en {
                    (format!("Dispute {case_number} updated"), what_en.clone())
                } else {
                    (format!("纠纷 {case_number} 有新进展"), what_zh.clone())
                }
            }
            Self::Reminder {
                case_number,
                deadline,
                due_at,
            } => {
                if en {
                    (
                        format!("Reminder: dispute {case_number} is due soon"),
                        format!(
                            "The {} time limit of dispute {case_number} ends at {} (Beijing time).",
                            deadline.en(),
                            local_time(*due_at)
                        ),
                    )
                } else {
                    (
                        format!("提醒：纠纷 {case_number} 即将到期"),
                        format!(
                            "纠纷 {case_number} 的{}期限将于 {}（北京时间）届满，请及时处理。",
                            deadline.zh(),
                            local_time(*due_at)
                        ),
                    )
                }
            }
        }
    }
}

/// The Chinese name of a remedy.
pub fn remedy_zh(remedy: &str) -> &str {
    match remedy {
        "refund" => "退款",
        "replacement" => "更换",
        "repair" => "维修",
        "compensation" => "赔偿",
        "apology" => "赔礼道歉",
        "other" => "其他",
        other => other,
    }
}

/// Notifies `user` in the app and, when `by_email` and they have an address, by email.
pub fn send_notice(
    conn: &mut DbConn,
    ctx: &CaseContext,
    user: &User,
    dispute: &Dispute,
    notice: &Notice,
    by_email: bool,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let (headline, detail) = notice.text(Language::parse(&user.language));
    deliver(
        conn,
        ctx,
        user,
        Some((&dispute.id, &dispute.case_number)),
        notice.kind(),
        (headline, detail),
        by_email,
        now,
    )
}

/// Tells a unit's staff member about a decision on the unit (in the app and by email), in
/// their language: (Chinese, English) headline and detail.
pub fn send_unit_notice(
    conn: &mut DbConn,
    ctx: &CaseContext,
    user: &User,
    zh: (&str, &str),
    en: (&str, &str),
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let english = Language::parse(&user.language) == Language::En;
    let (headline, detail) = if english { en } else { zh };
    // The email's text shows only the detail, so it repeats the headline.
    let detail = match (detail.is_empty(), english) {
        (true, _) => headline.to_string(),
        (false, true) => format!("{headline}. {detail}"),
        (false, false) => format!("{headline}。{detail}"),
    };
    deliver(
        conn,
        ctx,
        user,
        None,
        NotificationKind::Unit,
        (headline.to_string(), detail),
        true,
        now,
    )
}

/// Tells each active staff member of `business_id` about a decision on their unit.
pub fn tell_staff(
    conn: &mut DbConn,
    ctx: &CaseContext,
    business_id: &str,
    zh: (&str, &str),
    en: (&str, &str),
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    for member in crate::store::users::list_staff(conn, business_id)?
        .iter()
        .filter(|u| u.is_active)
    {
        send_unit_notice(conn, ctx, member, zh, en, now)?;
    }
    Ok(())
}

#[expect(
    clippy::too_many_arguments,
    reason = "the one place both kinds of notice go out"
)]
fn deliver(
    conn: &mut DbConn,
    ctx: &CaseContext,
    user: &User,
    dispute: Option<(&str, &str)>,
    kind: NotificationKind,
    (headline, detail): (String, String),
    by_email: bool,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let language = Language::parse(&user.language);
    notify(
        conn,
        &user.id,
        dispute.map(|(id, _)| id),
        kind,
        &format!("{headline}：{detail}"),
        now,
    )?;
    if let (true, Some(email)) = (by_email, user.email.as_deref()) {
        let message = DisputeNotice {
            language,
            name: user.display_name.clone(),
            headline,
            detail,
            case_number: dispute.map(|(_, n)| n.to_string()).unwrap_or_default(),
            link: ctx.public_url.clone(),
        }
        .render(email)
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        enqueue_job(conn, &Job::SendEmail(message), ctx.email_max_attempts, now)?;
    }
    Ok(())
}
