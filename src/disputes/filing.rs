//! Filing a dispute against an active ODR unit, in one transaction: the dispute and its claim,
//! the timeline entry and its webhooks, and the job that follows it up in the worker: the
//! staff's notices and emails, the texts, the counters and the alert rules
//! (docs/architecture.md#filing-follow-up).

use chrono::{DateTime, NaiveDate, SubsecRound, Utc};
use chrono_tz::Asia::Shanghai;
use serde_json::json;

use super::notices::{Notice, send_notice};
use super::{CaseContext, CaseError, recompute_due_dates};
use crate::domain::claim::{ItemKind, Remedy, Vin, check_amounts, check_purchase_date};
use crate::domain::dispute::Status;
use crate::domain::dispute::TimelineKind;
use crate::domain::policy::DeadlinePolicy;
use crate::domain::text::BoundedText;
use crate::domain::unit::{UnitStatus, accepts_disputes};
use crate::error::{ErrorCode, FieldErrors};
use crate::jobs::{Job, enqueue_job, enqueue_job_once};
use crate::store::alerts::mark_followed_up;
use crate::store::businesses::Business;
use crate::store::case_file::disputes_with_parties;
use crate::store::disputes::{
    Claim, Dispute, DisputeWithParties, FilingUnit, append_event, find_open_duplicate,
    insert_dispute, purchase_key, unit_for_filing,
};
use crate::store::users::{User, list_staff};
use crate::store::{DbConn, StoreError, new_id, to_db_time};

/// A filing as typed by the consumer.
#[derive(Debug, Clone)]
pub struct FilingInput {
    pub unit_id: String,
    pub category: String,
    pub item_kind: String,
    pub item_name: String,
    pub vin: Option<String>,
    pub purchase_date: NaiveDate,
    pub amount_paid_fen: i64,
    pub amount_claimed_fen: i64,
    pub remedies: Vec<String>,
    pub description: String,
    pub contact_consent: bool,
}

/// Every status in which a dispute is still open.
pub fn open_statuses() -> Vec<&'static str> {
    Status::ALL
        .iter()
        .copied()
        .filter(|s| s.is_open())
        .map(Status::as_str)
        .collect()
}

/// Checks the input that needs no database.
fn validate(
    input: &FilingInput,
    ctx: &CaseContext,
    today: NaiveDate,
) -> Result<(Claim, Vec<Remedy>), CaseError> {
    let mut errors = FieldErrors::default();
    if !ctx.categories.contains(&input.category) {
        errors.add(
            "category",
            "unknown_category",
            format!("use one of: {}", ctx.categories.join(", ")),
        );
    }
    let kind = ItemKind::parse(&input.item_kind);
    if kind.is_none() {
        errors.add("item.kind", "invalid_item_kind", "use product or service");
    }
    let name = errors.check(
        "item.name",
        "invalid_length",
        BoundedText::parse(&input.item_name, 1, 200),
    );
    let vin = input
        .vin
        .as_deref()
        .filter(|v| !v.trim().is_empty())
        .and_then(|v| errors.check("item.vin", "invalid_vin", Vin::parse(v)));
    errors.check(
        "purchase_date",
        "invalid_purchase_date",
        check_purchase_date(input.purchase_date, today),
    );
    errors.check(
        "amount_claimed_fen",
        "invalid_amount",
        check_amounts(input.amount_paid_fen, input.amount_claimed_fen),
    );
    let mut remedies = Vec::new();
    for (i, r) in input.remedies.iter().enumerate() {
        match Remedy::parse(r) {
            Some(remedy) if !remedies.contains(&remedy) => remedies.push(remedy),
            Some(_) => errors.add(
                &format!("remedies[{i}]"),
                "duplicate_remedy",
                "each remedy once",
            ),
            None => errors.add(
                &format!("remedies[{i}]"),
                "invalid_remedy",
                "use refund, replacement, repair, compensation, apology or other",
            ),
        }
    }
    if input.remedies.is_empty() {
        errors.add("remedies", "required", "demand at least one remedy");
    }
    let description = errors.check(
        "description",
        "invalid_length",
        BoundedText::parse(&input.description, 10, 5000),
    );
    if !input.contact_consent {
        errors.add(
            "contact_consent",
            "consent_required",
            "the business needs your consent to contact you",
        );
    }
    if !errors.is_empty() {
        return Err(CaseError::Invalid(errors.into_vec()));
    }
    let (Some(kind), Some(name), Some(description)) = (kind, name, description) else {
        return Err(CaseError::invalid("item", "invalid", "invalid item"));
    };
    let claim = Claim {
        dispute_id: String::new(),
        category: input.category.clone(),
        item_kind: kind.as_str().into(),
        item_name: name.into_string(),
        vin: vin.map(|v| v.as_str().to_string()),
        purchase_date: input.purchase_date,
        amount_paid_fen: input.amount_paid_fen,
        amount_claimed_fen: input.amount_claimed_fen,
        remedies: remedies
            .iter()
            .map(|r| r.as_str())
            .collect::<Vec<_>>()
            .join(","),
        description: description.into_string(),
        contact_consent: true,
    };
    Ok((claim, remedies))
}

/// A dispute just filed by `consumer_id` against `unit_id` of `business` at `now` under
/// `policy`, with its due dates; the case number is the caller's.
pub fn new_dispute(
    ctx: &CaseContext,
    id: &str,
    consumer_id: &str,
    unit_id: &str,
    business: &Business,
    policy: &DeadlinePolicy,
    now: DateTime<Utc>,
) -> Dispute {
    let at = to_db_time(now);
    let mut dispute = Dispute {
        id: id.into(),
        case_number: String::new(),
        consumer_id: consumer_id.into(),
        unit_id: unit_id.into(),
        business_id: business.id.clone(),
        region_code: business.region_code.clone(),
        industry_code: business.industry_code.clone(),
        policy: serde_json::to_string(policy).unwrap_or_default(),
        status: Status::Filed.as_str().into(),
        paused_from: None,
        paused_at: None,
        paused_working_days: 0,
        pending_extension_party: None,
        pending_extension_days: None,
        pending_pause_party: None,
        extension_days: 0,
        extension_used: false,
        filed_at: at,
        first_contacted_at: None,
        first_contact_due_at: at,
        settlement_due_at: at,
        due_provisional: false,
        fulfilled_at: None,
        concluded_at: None,
        rating: None,
        rating_comment: None,
        rated_at: None,
        version: 1,
        updated_at: at,
        first_contact_lapsed_at: None,
        anonymised_at: None,
        handling_ended_at: None,
    };
    recompute_due_dates(&mut dispute, &ctx.calendar, policy);
    dispute
}

/// Files a dispute for `consumer`; returns it as written. Inside a write transaction or a
/// `store::write_at_once`: it writes nothing but gathered rows before its last act, the
/// dispute's insert.
pub fn file_dispute(
    conn: &mut DbConn,
    ctx: &CaseContext,
    consumer: &User,
    input: &FilingInput,
    now: DateTime<Utc>,
) -> Result<Dispute, CaseError> {
    // To the microsecond, as PostgreSQL keeps it: the dispute returned is the one read back.
    let now = now.trunc_subsecs(6);
    let today = now.with_timezone(&Shanghai).date_naive();
    let (mut claim, _) = validate(input, ctx, today)?;
    let year = now.with_timezone(&Shanghai).format("%Y").to_string();
    let FilingUnit {
        unit,
        business,
        sequence,
        policies,
        webhook_endpoints,
    } = unit_for_filing(conn, &input.unit_id, &year)?
        .ok_or_else(|| CaseError::invalid("unit_id", "unknown_unit", "no such ODR unit"))?;
    let unit_status: UnitStatus = unit.status.parse().map_err(StoreError::from)?;
    if !accepts_disputes(unit_status) {
        return Err(CaseError::invalid(
            "unit_id",
            "unit_not_active",
            format!("the unit is {} and takes no new disputes", unit.status),
        ));
    }
    let key = purchase_key(
        &consumer.id,
        &unit.id,
        claim.purchase_date,
        &claim.item_name,
    );
    let duplicate = |conn: &mut DbConn| -> Result<CaseError, CaseError> {
        let (id, case_number) =
            find_open_duplicate(conn, &key, &open_statuses())?.unwrap_or_default();
        Ok(CaseError::Conflict(
            ErrorCode::DuplicateDispute,
            format!(
                "You already have an open dispute about this purchase: {case_number} (id {id})."
            ),
        ))
    };
    let (policy, policy_json) = crate::deadlines::resolve_policy(
        conn,
        &ctx.policy,
        &ctx.policies,
        policies,
        &business.region_code,
        &business.industry_code,
        today,
    )?;
    let id = new_id();
    let mut dispute = new_dispute(ctx, &id, &consumer.id, &unit.id, &business, &policy, now);
    dispute.policy = policy_json;
    dispute.case_number = format!("ODR{year}{}{sequence:06}", business.region_code);
    claim.dispute_id = id.clone();
    if webhook_endpoints == Some(0) {
        crate::store::webhooks::none_to_tell(conn, &id);
    }
    // Its timeline entry and follow-up wait for the transaction's end, or go in the dispute's
    // own statement (`store::write_at_once`), so they are gathered first.
    append_event(
        conn,
        &id,
        &dispute.region_code,
        TimelineKind::Filed,
        Some((&consumer.id, "consumer")),
        "filed",
        "filed",
        &json!({"case_number": dispute.case_number, "settlement_due_at": crate::store::from_db_time(dispute.settlement_due_at)}),
        now,
    )?;
    // The rest follows in the worker (docs/architecture.md#filing-follow-up), so filings do
    // not wait for each other at the unit's counters and alert rules.
    enqueue_job(
        conn,
        &Job::FollowFiling {
            dispute_id: id.clone(),
        },
        ctx.email_max_attempts,
        now,
    )?;
    // One open dispute per purchase (docs/lifecycle.md#one-open-dispute-per-purchase): the
    // purchase's key is unique, so of two filings at once one gets in and the other finds it.
    if !insert_dispute(conn, &dispute, &claim)? {
        return Err(duplicate(conn)?);
    }
    Ok(dispute)
}

/// How long after a filing a sweep takes its follow-up for lost when it has not run: the
/// worker runs it within seconds, retries within minutes.
const FOLLOW_UP_LOST_AFTER_MINUTES: i64 = 10;

/// How far back a sweep looks for filings whose follow-up never ran.
const FOLLOW_UP_LOOKBACK_DAYS: i64 = 7;

/// Most filings a sweep queues for their follow-up again.
const FOLLOW_UPS_REQUEUED_PER_SWEEP: i64 = 1_000;

/// Queues, once each, the follow-up of every filing of the last week that has none 10 minutes
/// on (its job died, or a node from before the follow-up filed it during a rolling update);
/// how many were queued (docs/architecture.md#filing-follow-up).
pub fn queue_missed_follow_ups(
    conn: &mut DbConn,
    ctx: &CaseContext,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let prefix = format!("{}:", crate::jobs::FOLLOW_FILING);
    // Those queued again before (their job may have died too) are not read again.
    let missed = crate::store::alerts::not_followed_up(
        conn,
        now - chrono::Duration::days(FOLLOW_UP_LOOKBACK_DAYS),
        now - chrono::Duration::minutes(FOLLOW_UP_LOST_AFTER_MINUTES),
        &prefix,
        FOLLOW_UPS_REQUEUED_PER_SWEEP,
    )?;
    let mut queued = 0;
    for dispute_id in missed {
        let key = format!("{prefix}{dispute_id}");
        let job = Job::FollowFiling { dispute_id };
        queued += usize::from(enqueue_job_once(
            conn,
            &job,
            key,
            ctx.email_max_attempts,
            now,
        )?);
    }
    Ok(queued)
}

/// Runs what follows the filings `dispute_ids`, each once, all in one transaction
/// (docs/architecture.md#filing-follow-up): the staff's notices and emails, the texts, the
/// counters and the alert rules, which see the unit's filings followed up before each. Unit by
/// unit in the units' order (two batches at once then never each hold a unit the other waits
/// for), each unit's in the order given. How many ran: not those that ran before (a job run
/// again after its worker stopped) nor disputes not found.
pub fn follow_filings(
    conn: &mut DbConn,
    ctx: &CaseContext,
    dispute_ids: &[String],
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    crate::store::write_transaction(conn, |conn| {
        // The disputes with their claims and parties in one statement.
        let mut found = disputes_with_parties(conn, dispute_ids)?;
        let mut batch: Vec<DisputeWithParties> = dispute_ids
            .iter()
            .filter_map(|id| found.remove(id))
            .collect();
        batch.sort_by(|a, b| a.0.unit_id.cmp(&b.0.unit_id));
        let mut ran = 0;
        for (dispute, claim, consumer, business) in &batch {
            ran += usize::from(follow_now(
                conn, ctx, dispute, claim, consumer, business, now,
            )?);
        }
        Ok(ran)
    })
}

/// What follows the filing of `dispute` (by `consumer` against `business`), in the caller's
/// transaction, unless it ran before.
fn follow_now(
    conn: &mut DbConn,
    ctx: &CaseContext,
    dispute: &Dispute,
    claim: &Claim,
    consumer: &User,
    business: &Business,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    // The unit's follow-ups one after another from here, so the alert rules below count every
    // earlier one; then this one counts too.
    crate::store::alerts::queue_unit_filings(conn, &dispute.unit_id)?;
    if !mark_followed_up(conn, dispute, now)? {
        return Ok(false);
    }
    super::metrics::on_filed(conn, dispute, business.association_id.clone())?;
    super::alerts::on_filed(conn, ctx, dispute, claim, now)?;
    // A filing someone already acted on (answered, declined, withdrawn) is no news to tell.
    if dispute.status != Status::Filed.as_str() {
        return Ok(true);
    }
    let staff = list_staff(conn, &business.id)?;
    let notice = Notice::NewDispute {
        case_number: dispute.case_number.clone(),
        consumer_name: consumer.display_name.clone(),
        item: claim.item_name.clone(),
        amount_claimed_fen: claim.amount_claimed_fen,
    };
    let active = staff.iter().filter(|s| s.is_active);
    send_notice(conn, ctx, active, dispute, &notice, true, now)?;
    super::texts::on_filed(conn, ctx, dispute, consumer, &business.name, &staff, now)?;
    Ok(true)
}
