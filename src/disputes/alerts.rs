//! Alerts to the regulators of the unit's region (docs/metrics.md#alerts), raised in the follow-up
//! of the filing (docs/architecture.md#filing-follow-up) or the transaction of the decline that
//! triggers them. Each names its disputes and is raised once (by key).

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Asia::Shanghai;
use serde_json::json;

use super::CaseContext;
use super::notices::{Arg, Notice, Said, send_notice};
use crate::domain::access::Actor;
use crate::domain::alert::{AlertKind, AlertStatus};
use crate::domain::claim::Remedy;
use crate::domain::commitment::{CommitmentKind, is_in_force};
use crate::domain::region::RegionCode;
use crate::error::{ApiError, ErrorCode};
use crate::i18n::Lang;
use crate::store::alerts::{
    Alert, consumers_since, count_filed_since, filed_by_consumer_since, filed_since, filings_since,
    find_alert, insert_alert, move_alert,
};
use crate::store::audit::{Audit, append_audit};
use crate::store::disputes::{Claim, Dispute};
use crate::store::users::User;
use crate::store::{DbConn, StoreError, new_id, to_db_time};

/// Raises an alert unless one with `key` exists; tells the region's regulators.
#[expect(
    clippy::too_many_arguments,
    reason = "each rule reads as one flat call"
)]
fn raise(
    conn: &mut DbConn,
    ctx: &CaseContext,
    trigger: &Dispute,
    kind: AlertKind,
    key: String,
    disputes: Vec<String>,
    summary: Said,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let alert = Alert {
        id: new_id(),
        kind: kind.as_str().into(),
        unit_id: trigger.unit_id.clone(),
        region_code: trigger.region_code.clone(),
        summary: summary.in_words(Lang::Zh),
        summary_en: Some(summary.in_words(Lang::En)),
        dispute_ids: json!(disputes).to_string(),
        dedupe_key: key,
        status: AlertStatus::Open.as_str().into(),
        created_at: to_db_time(now),
        acknowledged_at: None,
        acknowledged_by: None,
        closed_at: None,
        closed_by: None,
        note: None,
    };
    if !insert_alert(conn, &alert)? {
        return Ok(());
    }
    append_audit(
        conn,
        &Audit {
            actor_id: None,
            actor_role: "system",
            action: "alert.raised",
            object_type: "alert",
            object_id: &alert.id,
            region_code: Some(&alert.region_code),
            details: &json!({"kind": kind, "disputes": disputes}),
        },
        now,
    )?;
    let notice = Notice::Update {
        case_number: trigger.case_number.clone(),
        what: Said::new("notice-alert").with("summary", Arg::Said(Box::new(summary))),
    };
    let regulators = super::escalations::regulators_of(conn, &trigger.region_code)?;
    send_notice(conn, ctx, &regulators, trigger, &notice, true, now)?;
    Ok(())
}

/// Most earlier disputes a repeat alert names besides the new one (the latest).
const REPEAT_NAMES: i64 = 20;

/// Checks a new filing against every filing rule, its windows reaching back from the filing's
/// moment; what it raises is raised `now`.
pub fn on_filed(
    conn: &mut DbConn,
    ctx: &CaseContext,
    d: &Dispute,
    claim: &Claim,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let rules = &ctx.alerts;
    let yuan = claim.amount_claimed_fen / 100;
    if claim.amount_claimed_fen >= rules.major_claim_fen {
        raise(
            conn,
            ctx,
            d,
            AlertKind::Major,
            format!("major:{}", d.id),
            vec![d.id.clone()],
            Said::new("alert-summary-major").with("yuan", Arg::text(&yuan.to_string())),
            now,
        )?;
    }
    let words: Vec<&str> = rules
        .sensitive_keywords
        .iter()
        .map(String::as_str)
        .filter(|w| !w.is_empty() && claim.description.contains(w))
        .collect();
    if !words.is_empty() {
        raise(
            conn,
            ctx,
            d,
            AlertKind::Sensitive,
            format!("sensitive:{}", d.id),
            vec![d.id.clone()],
            Said::new("alert-summary-sensitive").with(
                "words",
                Arg::List(words.iter().map(|w| w.to_string()).collect()),
            ),
            now,
        )?;
    }
    // The consumer's latest earlier filings at the unit: a repeat names them (at most
    // `REPEAT_NAMES`), and a consumer who filed within the burst window cannot make a mass
    // complaint's count. Every read here is bounded, so a unit's flood of filings costs each
    // filing the same (docs/metrics.md#alerts).
    // The windows reach back from the filing's moment, whenever its follow-up runs; the alert
    // is raised `now`.
    let filed = crate::store::from_db_time(d.filed_at);
    let repeat_since = filed - Duration::days(rules.repeat_consumer_days);
    let burst_since = filed - Duration::hours(rules.mass_complaint_hours);
    let earlier = filed_by_consumer_since(
        conn,
        &d.unit_id,
        &d.consumer_id,
        &d.id,
        repeat_since.min(burst_since),
        REPEAT_NAMES,
    )?;
    let mut repeated: Vec<String> = earlier
        .iter()
        .filter(|(_, at)| *at >= repeat_since)
        .map(|(id, _)| id.clone())
        .collect();
    if !repeated.is_empty() {
        repeated.reverse();
        repeated.push(d.id.clone());
        raise(
            conn,
            ctx,
            d,
            AlertKind::RepeatConsumer,
            format!("repeat_consumer:{}", d.id),
            repeated,
            Said::new("alert-summary-repeat-consumer")
                .with("days", Arg::text(&rules.repeat_consumer_days.to_string())),
            now,
        )?;
    }
    let unit_since = filed - Duration::days(rules.repeat_unit_days);
    if count_filed_since(conn, &d.unit_id, unit_since, rules.repeat_unit_count + 1)?
        == rules.repeat_unit_count
    {
        let window = filed_since(conn, &d.unit_id, unit_since)?;
        raise(
            conn,
            ctx,
            d,
            AlertKind::RepeatUnit,
            format!("repeat_unit:{}", d.id),
            window,
            Said::new("alert-summary-repeat-unit")
                .with("days", Arg::text(&rules.repeat_unit_days.to_string()))
                .with("count", Arg::text(&rules.repeat_unit_count.to_string())),
            now,
        )?;
    }
    // 群体投诉: different consumers, not one consumer's many filings (docs/metrics.md#alerts).
    let first_of_consumer = earlier.iter().all(|(_, at)| *at < burst_since);
    if first_of_consumer
        && consumers_since(conn, &d.unit_id, burst_since, rules.mass_complaint_count)?
            == rules.mass_complaint_count
    {
        let burst = filings_since(conn, &d.unit_id, burst_since)?;
        let unit_name = crate::store::businesses::business_name(conn, &d.business_id)?;
        let cases: Vec<String> = burst.iter().map(|(_, _, case)| case.clone()).collect();
        raise(
            conn,
            ctx,
            d,
            AlertKind::MassComplaint,
            format!("mass_complaint:{}", d.id),
            burst.iter().map(|(id, _, _)| id.clone()).collect(),
            Said::new("alert-summary-mass-complaint")
                .with("unit", Arg::text(&unit_name))
                .with("hours", Arg::text(&rules.mass_complaint_hours.to_string()))
                .with("count", Arg::text(&rules.mass_complaint_count.to_string()))
                .with("cases", Arg::List(cases)),
            now,
        )?;
    }
    Ok(())
}

/// A business declined a refund at a unit that committed to offline no-reason returns.
pub fn on_declined(
    conn: &mut DbConn,
    ctx: &CaseContext,
    d: &Dispute,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let (category, remedies) = crate::store::disputes::claim_category_and_remedies(conn, &d.id)?;
    let wants_return = category == "returns_and_refunds"
        || remedies
            .split(',')
            .any(|r| matches!(Remedy::parse(r), Some(Remedy::Refund | Remedy::Replacement)));
    if !wants_return {
        return Ok(());
    }
    let today = now.with_timezone(&Shanghai).date_naive();
    let committed = crate::store::units::commitment_periods(
        conn,
        &d.unit_id,
        CommitmentKind::OfflineNoReasonReturn,
    )?
    .into_iter()
    .any(|(from, to)| is_in_force(from, to, today));
    if committed {
        raise(
            conn,
            ctx,
            d,
            AlertKind::CommitmentBreach,
            format!("commitment_breach:{}", d.id),
            vec![d.id.clone()],
            Said::new("alert-summary-commitment-breach"),
            now,
        )?;
    }
    Ok(())
}

/// What an alert's ids stand for: its unit's business name and its disputes' case numbers.
#[derive(Debug, Clone, Default)]
pub struct AlertLabels {
    /// Business name by unit id.
    pub units: HashMap<String, String>,
    /// Case number by dispute id.
    pub cases: HashMap<String, String>,
}

/// The names of the alerts' units and the case numbers of their disputes.
pub fn alert_labels(conn: &mut DbConn, alerts: &[Alert]) -> Result<AlertLabels, StoreError> {
    let unit_ids: Vec<&str> = alerts.iter().map(|a| a.unit_id.as_str()).collect();
    let units = crate::store::units::unit_names(conn, &unit_ids)?;
    let dispute_ids: Vec<String> = alerts
        .iter()
        .flat_map(|a| serde_json::from_str::<Vec<String>>(&a.dispute_ids).unwrap_or_default())
        .collect();
    let cases = crate::store::disputes::case_numbers(conn, &dispute_ids)?;
    Ok(AlertLabels { units, cases })
}

/// A handling step of an alert: the status it moves to, with the regulator's note.
#[derive(Debug)]
pub struct AlertStep<'a> {
    pub to: AlertStatus,
    pub note: Option<&'a str>,
}

/// Moves alert `id` of the caller's region (`region`; everywhere for `None`) as `step` says,
/// audited; the alert as it is then, with its labels.
pub fn move_alert_by(
    conn: &mut DbConn,
    actor: &Actor,
    region: Option<&RegionCode>,
    id: &str,
    step: &AlertStep<'_>,
    now: DateTime<Utc>,
) -> Result<(Alert, AlertLabels), ApiError> {
    let missing = || ApiError::new(ErrorCode::AlertNotFound, "No such alert in your region.");
    let alert = find_alert(conn, id)?.ok_or_else(missing)?;
    let inside = RegionCode::parse(&alert.region_code)
        .is_ok_and(|r| region.is_none_or(|own| own.contains(&r)));
    if !inside {
        return Err(missing());
    }
    crate::store::write_transaction(conn, |conn| {
        if !move_alert(conn, id, step.to, &actor.user_id, step.note, now)? {
            return Err(ApiError::new(
                ErrorCode::AlertTransitionNotAllowed,
                format!(
                    "An alert that is {} cannot become {}.",
                    alert.status, step.to
                ),
            ));
        }
        crate::store::audit::record_action(
            conn,
            actor,
            &format!("alert.{}", step.to),
            "alert",
            id,
            Some(&alert.region_code),
            &json!({ "note": step.note }),
            now,
        )?;
        let alert = find_alert(conn, id)?.ok_or_else(missing)?;
        let labels = alert_labels(conn, std::slice::from_ref(&alert))?;
        Ok((alert, labels))
    })
}

/// Escalates together the disputes of mass-complaint alert `id` of the regulator's region
/// (`region`; everywhere for `None`) that are still in handling, with `reason`, and
/// acknowledges the alert, in one transaction: the disputes escalated and those skipped
/// (concluded meanwhile).
pub fn escalate_mass_complaint(
    conn: &mut DbConn,
    ctx: &CaseContext,
    regulator: &User,
    region: Option<&RegionCode>,
    id: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(Vec<String>, Vec<String>), ApiError> {
    let missing = || ApiError::new(ErrorCode::AlertNotFound, "No such alert in your region.");
    let alert = find_alert(conn, id)?.ok_or_else(missing)?;
    if !RegionCode::parse(&alert.region_code)
        .is_ok_and(|r| region.is_none_or(|own| own.contains(&r)))
    {
        return Err(missing());
    }
    if alert.kind != AlertKind::MassComplaint.as_str() {
        return Err(ApiError::new(
            ErrorCode::NotAMassComplaint,
            "Only a mass complaint's disputes are escalated together.",
        ));
    }
    let ids: Vec<String> = serde_json::from_str(&alert.dispute_ids).unwrap_or_default();
    crate::store::write_transaction(conn, |conn| {
        let (mut escalated, mut skipped) = (Vec::new(), Vec::new());
        for dispute in ids {
            let (d, _) =
                crate::store::disputes::find_dispute(conn, &dispute)?.ok_or_else(missing)?;
            let status: Option<crate::domain::dispute::Status> = d.status.parse().ok();
            if status.is_none_or(|s| !s.in_handling()) {
                skipped.push(dispute);
                continue;
            }
            super::actions::act(
                conn,
                ctx,
                &dispute,
                &super::actions::Acting {
                    user: Some(regulator),
                    actor: crate::domain::dispute::Actor::Regulator,
                },
                &super::actions::Action::RegulatorEscalation {
                    reason: reason.to_string(),
                },
                now,
            )?;
            escalated.push(dispute);
        }
        move_alert(
            conn,
            id,
            AlertStatus::Acknowledged,
            &regulator.id,
            Some(reason),
            now,
        )?;
        Ok((escalated, skipped))
    })
}
