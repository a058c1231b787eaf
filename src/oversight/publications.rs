//! Publications (docs/metrics.md#publications): anonymised case summaries drawn from concluded
//! disputes and consumer alerts (消费提示). Regulators draft, preview, edit and publish them for
//! their region; everyone reads what is published.

use crate::i18n::Lang;
use chrono::{DateTime, Utc};
use chrono_tz::Asia::Shanghai;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::domain::access::Actor;
use crate::domain::dispute::Status;
use crate::domain::publication::{PublicationKind, PublicationStatus};
use crate::domain::region::RegionCode;
use crate::domain::role::Role;
use crate::domain::text::BoundedText;
use crate::error::{ApiError, ErrorCode, FieldErrors};
use crate::security::pii::PiiCipher;
use crate::store::disputes::find_dispute;
use crate::store::negotiation::find_settlement;
use crate::store::publications::{self as stored, Publication};
use crate::store::reference::{find_industry, find_region};
use crate::store::users::find_user;
use crate::store::{DbConn, from_db_time, new_id, to_db_time};

/// A new draft: a case summary of a concluded dispute, or a consumer alert.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePublication {
    #[schema(value_type = PublicationKind)]
    pub kind: String,
    /// For a case summary: the concluded dispute it is drawn from.
    pub dispute_id: Option<String>,
    /// For a consumer alert (a case summary gets a drafted one).
    pub title: Option<String>,
    pub body: Option<String>,
}

/// A change to a draft.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EditPublication {
    pub title: Option<String>,
    pub body: Option<String>,
}

/// The region a regulator writes publications for; nobody else writes them.
pub fn regulator_region(actor: &Actor) -> Result<RegionCode, ApiError> {
    match (actor.role, actor.region.clone()) {
        (Role::Regulator, Some(region)) => Ok(region),
        _ => Err(ApiError::forbidden(
            "Publications are written by regulators.",
        )),
    }
}

/// The personal data of a dispute's consumer that must not appear in a publication.
fn personal_data(
    conn: &mut DbConn,
    pii: &PiiCipher,
    dispute_id: &str,
) -> Result<Vec<String>, ApiError> {
    let Some((dispute, _)) = find_dispute(conn, dispute_id)? else {
        return Ok(Vec::new());
    };
    let Some(consumer) = find_user(conn, &dispute.consumer_id)? else {
        return Ok(Vec::new());
    };
    let mut found = vec![consumer.display_name.clone(), dispute.case_number.clone()];
    found.extend(consumer.email.clone());
    if let Some(phone) = consumer.phone_ciphertext.as_deref() {
        let phone = pii.decrypt(phone).map_err(ApiError::internal)?;
        found.push(phone.trim_start_matches("+86").to_string());
    }
    Ok(found
        .into_iter()
        .filter(|s| s.chars().count() >= 2)
        .collect())
}

/// Whether `text` holds a number that identifies a person: a mainland mobile number (11 digits
/// from 13 to 19) or a resident identity number (17 digits and a check character that fits,
/// GB 11643), written with full-width digits, spaces, hyphens or a +86 in front or not.
fn holds_personal_number(text: &str) -> bool {
    // Full-width digits and X as ASCII; spaces and hyphens between digits dropped.
    let plain: String = text
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            'Ｘ' | 'ｘ' => 'X',
            _ => c,
        })
        .collect::<String>()
        .replace("+86", "");
    let chars: Vec<char> = plain.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let mut run = String::new();
        while i < chars.len() {
            match chars[i] {
                c if c.is_ascii_digit() => run.push(c),
                ' ' | '-' if chars.get(i + 1).is_some_and(char::is_ascii_digit) => {}
                _ => break,
            }
            i += 1;
        }
        let check = chars.get(i).copied().filter(|c| *c == 'X' || *c == 'x');
        let mobile = run.len() == 11 && run.starts_with('1') && run.as_bytes()[1] >= b'3';
        // An all-digit credit code (统一社会信用代码) is a business's, not a person's.
        let business = run.len() == 18 && crate::domain::uscc::Uscc::parse(&run).is_ok();
        let identity = match (run.len(), check) {
            (18, _) if business => false,
            (18, _) => identity_check(&run[..17]) == run.chars().last(),
            (17, Some(_)) => identity_check(&run) == Some('X'),
            _ => false,
        };
        if mobile || identity {
            return true;
        }
    }
    false
}

/// The check character of a resident identity number's first 17 digits (GB 11643).
fn identity_check(first: &str) -> Option<char> {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];
    let digits: Option<Vec<u32>> = first.chars().map(|c| c.to_digit(10)).collect();
    let digits = digits.filter(|d| d.len() == 17)?;
    let sum: u32 = digits.iter().zip(WEIGHTS).map(|(d, w)| d * w).sum();
    Some(CHECK[(sum % 11) as usize])
}

/// Words of publications that are no one's name even when a consumer chose one of them as
/// their display name.
const NOT_NAMES: [&str; 12] = [
    "消费者",
    "经营者",
    "商家",
    "顾客",
    "客户",
    "先生",
    "女士",
    "用户",
    "本人",
    "市民",
    "会员",
    "业主",
];

/// Whether `name` (a consumer's display name) appears in `text` as a name: a name of two to
/// four Chinese characters anywhere but a common word or a place of the region, a Latin name
/// as a whole word.
fn names_in(text: &str, name: &str, places: &[String]) -> bool {
    let name = name.trim();
    let count = name.chars().count();
    let chinese = name.chars().all(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
    if chinese {
        (2..=4).contains(&count)
            && !NOT_NAMES.contains(&name)
            && !places.iter().any(|p| p.contains(name))
            && text.contains(name)
    } else {
        count >= 3
            && text
                .split(|c: char| !c.is_alphanumeric())
                .any(|word| word.eq_ignore_ascii_case(name))
    }
}

/// Refuses a publication of the region `prefix` whose title or body holds a phone or identity
/// number, or the name of a consumer who filed a dispute in the region.
fn check_no_personal_data(
    conn: &mut DbConn,
    prefix: &str,
    title: &str,
    body: &str,
) -> Result<(), ApiError> {
    let names = stored::consumer_names_in_region(conn, prefix)?;
    // Names of the region's places are no one's (a consumer may call themselves 西湖).
    let places: Vec<String> = crate::store::reference::list_regions(conn)?
        .into_iter()
        .filter(|r| r.code.starts_with(prefix) || prefix.starts_with(&r.code[..2]))
        .map(|r| r.name_zh)
        .collect();
    let mut e = FieldErrors::default();
    for (field, text) in [("title", title), ("body", body)] {
        if holds_personal_number(text) {
            e.add(
                field,
                "personal_data",
                "remove phone and identity numbers: a publication names no one",
            );
        } else if names.iter().any(|n| names_in(text, n, &places)) {
            e.add(
                field,
                "personal_data",
                "remove the name of a consumer of the region: a publication names no one",
            );
        }
    }
    e.finish()
}

/// Refuses text that names the consumer, their contact or the case number.
fn check_stripped(title: &str, body: &str, personal: &[String]) -> Result<(), ApiError> {
    let mut e = FieldErrors::default();
    for (field, text) in [("title", title), ("body", body)] {
        if personal.iter().any(|p| text.contains(p.as_str())) {
            e.add(
                field,
                "personal_data",
                "remove the consumer's name, contact and the case number",
            );
        }
    }
    e.finish()
}

/// Drafts the anonymised summary of a concluded dispute.
fn draft_summary(
    conn: &mut DbConn,
    dispute_id: &str,
    region: &RegionCode,
) -> Result<(String, String, String), ApiError> {
    let missing = || {
        ApiError::new(
            ErrorCode::DisputeNotFound,
            "No such concluded dispute in your region.",
        )
    };
    let (d, claim) = find_dispute(conn, dispute_id)?.ok_or_else(missing)?;
    let inside = RegionCode::parse(&d.region_code).is_ok_and(|r| region.contains(&r));
    let status: Status = d.status.parse().map_err(|_| missing())?;
    if !inside {
        return Err(missing());
    }
    if !status.is_terminal() {
        return Err(ApiError::new(
            ErrorCode::DisputeNotConcluded,
            "Only concluded disputes are summarised for publication.",
        ));
    }
    let industry = find_industry(conn, &d.industry_code)?
        .map(|i| i.name_zh)
        .unwrap_or_default();
    let place = find_region(conn, &d.region_code)?
        .map(|r| r.name_zh)
        .unwrap_or_default();
    let month = from_db_time(d.filed_at)
        .with_timezone(&Shanghai)
        .format("%Y年%-m月");
    let claimed = format!("{:.2}", claim.amount_claimed_fen as f64 / 100.0);
    // A case summary is drafted in Chinese, with the portal's words for remedies.
    fn remedy_zh(code: &str) -> &str {
        Lang::Zh.label("remedy", code)
    }
    let remedies: Vec<&str> = claim.remedies.split(',').map(remedy_zh).collect();
    let outcome = match (status, find_settlement(conn, &d.id)?) {
        (Status::Resolved, Some(s)) => format!(
            "经在线协商，双方达成和解：经营者{}{:.2}元，并已履行完毕。",
            remedy_zh(&s.remedy),
            s.amount_fen as f64 / 100.0
        ),
        (Status::Withdrawn, _) => "消费者与经营者沟通后撤回了投诉。".to_string(),
        (Status::Escalated, _) => {
            "双方未能和解，纠纷已转入 12315 平台由市场监管部门依法处理。".to_string()
        }
        (Status::Rejected, _) => "经审查，该投诉不属于消费纠纷，未予受理。".to_string(),
        _ => "纠纷已办结。".to_string(),
    };
    let title = format!("{place}一{industry}消费纠纷在线和解案例");
    let body = format!(
        "{month}，一名消费者就在{place}某{industry}经营者处的消费（{}）通过 ODR 平台提出纠纷，诉求{}，金额 {claimed} 元。{outcome}\n\n提示：消费者应保留购物凭证；经营者应在承诺时限内响应并妥善处理纠纷。",
        claim
            .item_kind
            .replace("product", "商品")
            .replace("service", "服务"),
        remedies.join("、"),
    );
    Ok((title, body, d.region_code))
}

/// Drafts a publication for the caller's region (regulators). A case summary is drafted from
/// the dispute with the personal data left out.
pub fn create(
    conn: &mut DbConn,
    actor: &Actor,
    body: &CreatePublication,
    now: DateTime<Utc>,
) -> Result<Publication, ApiError> {
    let region = regulator_region(actor)?;
    let kind = PublicationKind::parse(&body.kind).ok_or_else(|| {
        ApiError::invalid_field("kind", "invalid_kind", "case_summary or consumer_alert")
    })?;
    let (title, text, region_code, dispute_id) = match kind {
        PublicationKind::CaseSummary => {
            let id = body.dispute_id.clone().ok_or_else(|| {
                ApiError::invalid_field("dispute_id", "required", "name the concluded dispute")
            })?;
            let (title, text, region_code) = draft_summary(conn, &id, &region)?;
            (title, text, region_code, Some(id))
        }
        PublicationKind::ConsumerAlert => {
            let mut e = FieldErrors::default();
            let title = e.check(
                "title",
                "invalid_length",
                BoundedText::parse(body.title.as_deref().unwrap_or(""), 4, 100),
            );
            let text = e.check(
                "body",
                "invalid_length",
                BoundedText::parse(body.body.as_deref().unwrap_or(""), 10, 5000),
            );
            e.finish()?;
            let (title, text) = (
                title.map(BoundedText::into_string).unwrap_or_default(),
                text.map(BoundedText::into_string).unwrap_or_default(),
            );
            check_no_personal_data(conn, region.prefix(), &title, &text)?;
            (title, text, region.as_str().to_string(), None)
        }
    };
    let row = Publication {
        id: new_id(),
        kind: kind.as_str().into(),
        region_code,
        dispute_id,
        title,
        body: text,
        status: PublicationStatus::Draft.as_str().into(),
        created_by: actor.user_id.clone(),
        created_at: to_db_time(now),
        published_at: None,
    };
    stored::insert_publication(conn, &row)?;
    Ok(row)
}

/// The publication `id` if it belongs to the caller's region (regulators).
pub fn find_in_region(conn: &mut DbConn, actor: &Actor, id: &str) -> Result<Publication, ApiError> {
    let region = regulator_region(actor)?;
    let missing = || {
        ApiError::new(
            ErrorCode::PublicationNotFound,
            "No such publication in your region.",
        )
    };
    let row = stored::find_publication(conn, id)?.ok_or_else(missing)?;
    if RegionCode::parse(&row.region_code).is_ok_and(|r| region.contains(&r)) {
        Ok(row)
    } else {
        Err(missing())
    }
}

/// The caller's region's publications, drafts included, newest first (regulators).
pub fn list_drafts(conn: &mut DbConn, actor: &Actor) -> Result<Vec<Publication>, ApiError> {
    let region = regulator_region(actor)?;
    Ok(stored::list_in_region(conn, region.prefix(), 500)?)
}

/// Edits a draft (regulators of its region); text naming the consumer is refused.
pub fn edit(
    conn: &mut DbConn,
    actor: &Actor,
    pii: &PiiCipher,
    id: &str,
    body: &EditPublication,
) -> Result<Publication, ApiError> {
    let mut row = find_in_region(conn, actor, id)?;
    if row.status != PublicationStatus::Draft.as_str() {
        return Err(ApiError::new(
            ErrorCode::PublicationPublished,
            "A published text is not edited.",
        ));
    }
    let mut e = FieldErrors::default();
    if let Some(title) = &body.title {
        row.title = e
            .check("title", "invalid_length", BoundedText::parse(title, 4, 100))
            .map(BoundedText::into_string)
            .unwrap_or_default();
    }
    if let Some(text) = &body.body {
        row.body = e
            .check("body", "invalid_length", BoundedText::parse(text, 10, 5000))
            .map(BoundedText::into_string)
            .unwrap_or_default();
    }
    e.finish()?;
    check_names_no_one(conn, pii, &row)?;
    if !stored::update_draft_text(conn, &row.id, &row.title, &row.body)? {
        return Err(ApiError::new(
            ErrorCode::PublicationPublished,
            "A published text is not edited.",
        ));
    }
    Ok(row)
}

/// Refuses a publication's text that names anyone: a case summary's own consumer, their
/// contact or the case number, and in any publication a consumer of its region or a phone or
/// identity number.
fn check_names_no_one(
    conn: &mut DbConn,
    pii: &PiiCipher,
    row: &Publication,
) -> Result<(), ApiError> {
    if let Some(dispute) = &row.dispute_id {
        check_stripped(&row.title, &row.body, &personal_data(conn, pii, dispute)?)?;
    }
    let prefix = RegionCode::parse(&row.region_code)
        .map(|r| r.prefix().to_string())
        .unwrap_or_else(|_| row.region_code.clone());
    check_no_personal_data(conn, &prefix, &row.title, &row.body)
}

/// Records `action` on publication `row` in the audit log (in the caller's transaction).
fn audit(
    conn: &mut DbConn,
    actor: &Actor,
    action: &str,
    row: &Publication,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    crate::store::audit::record_action(
        conn,
        actor,
        action,
        "publication",
        &row.id,
        Some(&row.region_code),
        &serde_json::json!({"kind": row.kind, "title": row.title}),
        now,
    )?;
    Ok(())
}

/// Deletes a draft (regulators of its region), audited; a published text stays (409).
pub fn delete(
    conn: &mut DbConn,
    actor: &Actor,
    id: &str,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let row = find_in_region(conn, actor, id)?;
    crate::store::write_transaction(conn, |conn| {
        if row.status != PublicationStatus::Draft.as_str() || !stored::delete_draft(conn, &row.id)?
        {
            return Err(ApiError::new(
                ErrorCode::PublicationPublished,
                "A published text is not deleted.",
            ));
        }
        audit(conn, actor, "publication.deleted", &row, now)?;
        Ok(())
    })
}

/// Publishes a draft (regulators of its region), audited; it then appears in the public list.
pub fn publish(
    conn: &mut DbConn,
    actor: &Actor,
    pii: &PiiCipher,
    id: &str,
    now: DateTime<Utc>,
) -> Result<Publication, ApiError> {
    let mut row = find_in_region(conn, actor, id)?;
    if row.status != PublicationStatus::Draft.as_str() {
        return Err(ApiError::new(
            ErrorCode::PublicationPublished,
            "It is published already.",
        ));
    }
    check_names_no_one(conn, pii, &row)?;
    crate::store::write_transaction(conn, |conn| {
        if !stored::mark_published(conn, &row.id, now)? {
            return Err(ApiError::new(
                ErrorCode::PublicationPublished,
                "It is published already.",
            ));
        }
        audit(conn, actor, "publication.published", &row, now)?;
        Ok::<_, ApiError>(())
    })?;
    row.status = PublicationStatus::Published.as_str().into();
    row.published_at = Some(to_db_time(now));
    Ok(row)
}

/// Published case summaries and consumer alerts, newest first (at most 200), of one kind and
/// inside one region where given.
pub fn public_list(
    conn: &mut DbConn,
    kind: Option<&str>,
    region: Option<&RegionCode>,
) -> Result<Vec<Publication>, ApiError> {
    Ok(stored::list_published(
        conn,
        kind,
        region.map(RegionCode::prefix),
        200,
    )?)
}

#[cfg(test)]
mod personal_data_tests {
    use super::*;

    #[test]
    fn phone_and_identity_numbers_are_found_however_written() {
        for text in [
            "电话 13800000001",
            "电话 +86 138-0000-0001",
            "电话 138 0000 0001",
            "电话 １３８０００００００１",
            "身份证 110105194912310011",
            "身份证 11010519491231002X 号",
        ] {
            assert!(holds_personal_number(text), "{text}");
        }
        for text in [
            "金额 3880.00 元",
            "2026-12-05 受理",
            "统一社会信用代码 913301065899999991",
            "电话 0571-86001001",
        ] {
            assert!(!holds_personal_number(text), "{text}");
        }
    }

    #[test]
    fn a_name_counts_where_it_is_a_name() {
        let places = vec!["西湖区".to_string()];
        assert!(names_in("张先生预订年夜饭", "张先生", &places));
        assert!(!names_in("一名消费者预订年夜饭", "消费者", &places));
        assert!(!names_in("西湖区一饭店", "西湖", &places));
        assert!(!names_in("Hangzhou Li Limited", "Lim", &places));
        assert!(names_in("Mr Smith complained", "smith", &places));
    }
}
