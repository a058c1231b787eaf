//! Unit evaluation (docs/metrics.md#evaluation): units below the configured thresholds listed
//! for the regulators of their region with their figures, and warnings given with a reason.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Asia::Shanghai;
use serde::Serialize;
use utoipa::ToSchema;

use crate::config::EvaluationSettings;
use crate::disputes::CaseContext;
use crate::domain::access::Actor;
use crate::domain::region::RegionCode;
use crate::domain::role::Role;
use crate::domain::text::BoundedText;
use crate::domain::unit::UnitStatus;
use crate::error::{ApiError, ErrorCode};
use crate::store::units::{
    insert_warning, last_warnings, unanswered_by_unit, units_under_evaluation,
};
use crate::store::{DbConn, from_db_time};

/// A unit with its figures over the evaluation window.
#[derive(Debug, Serialize, serde::Deserialize, ToSchema)]
pub struct EvaluatedUnit {
    pub unit_id: String,
    pub business_name: String,
    pub region_code: String,
    pub industry_code: String,
    pub status: UnitStatus,
    pub filed: i64,
    pub concluded: i64,
    pub on_time_rate: Option<f64>,
    pub settlement_rate: Option<f64>,
    /// Disputes waiting past their first-contact due moment now.
    pub unanswered: i64,
    /// Which thresholds the unit is below: on_time_rate, settlement_rate, unanswered.
    pub below: Vec<String>,
    pub last_warning_at: Option<DateTime<Utc>>,
}

/// The evaluation of a region's units.
#[derive(Debug, Serialize, serde::Deserialize, ToSchema)]
pub struct EvaluationResponse {
    pub window_from: chrono::NaiveDate,
    pub window_to: chrono::NaiveDate,
    pub min_on_time_rate: f64,
    pub min_settlement_rate: f64,
    pub max_unanswered: i64,
    pub units: Vec<EvaluatedUnit>,
}

/// The units of the caller's region (everything for admins) below the thresholds of `rules`
/// over the window ending today, or all of them with `everything`, worst first.
pub fn evaluate(
    conn: &mut DbConn,
    actor: &Actor,
    rules: &EvaluationSettings,
    everything: bool,
    now: DateTime<Utc>,
) -> Result<EvaluationResponse, ApiError> {
    let prefix = match actor.role {
        Role::Admin => String::new(),
        Role::Regulator => actor
            .region
            .as_ref()
            .map(|r| r.prefix().to_string())
            .ok_or_else(|| ApiError::forbidden("Your account has no region."))?,
        _ => return Err(ApiError::forbidden("Evaluation is for regulators.")),
    };
    let today = now.with_timezone(&Shanghai).date_naive();
    let from = today - Duration::days(rules.window_days - 1);
    let rows = units_under_evaluation(conn, &prefix)?;
    let ids: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
    let measured = crate::oversight::unit_figures(conn, &ids, from, today, now)?;
    let unanswered = unanswered_by_unit(conn, &ids, now)?;
    let last_warning = last_warnings(conn, &ids)?;
    let mut out = Vec::new();
    for (unit_id, name, region, industry, status) in rows {
        let (counters, f) = measured.get(&unit_id).cloned().unwrap_or_default();
        let waiting = unanswered.get(&unit_id).copied().unwrap_or(0);
        let mut below = Vec::new();
        if f.on_time_rate.is_some_and(|r| r < rules.min_on_time_rate) {
            below.push("on_time_rate".to_string());
        }
        if f.settlement_rate
            .is_some_and(|r| r < rules.min_settlement_rate)
        {
            below.push("settlement_rate".to_string());
        }
        if waiting > rules.max_unanswered {
            below.push("unanswered".to_string());
        }
        if below.is_empty() && !everything {
            continue;
        }
        out.push(EvaluatedUnit {
            last_warning_at: last_warning.get(&unit_id).copied().map(from_db_time),
            unit_id,
            business_name: name,
            region_code: region,
            industry_code: industry,
            status: status.parse()?,
            filed: counters.filed,
            concluded: counters.concluded,
            on_time_rate: f.on_time_rate,
            settlement_rate: f.settlement_rate,
            unanswered: waiting,
            below,
        });
    }
    out.sort_by(|a, b| {
        b.below.len().cmp(&a.below.len()).then(
            a.on_time_rate
                .unwrap_or(1.0)
                .total_cmp(&b.on_time_rate.unwrap_or(1.0)),
        )
    });
    Ok(EvaluationResponse {
        window_from: from,
        window_to: today,
        min_on_time_rate: rules.min_on_time_rate,
        min_settlement_rate: rules.min_settlement_rate,
        max_unanswered: rules.max_unanswered,
        units: out,
    })
}

/// Warns an active or suspended unit with a reason (regulators of its region), audited; its
/// staff are told.
pub fn warn(
    conn: &mut DbConn,
    ctx: &CaseContext,
    actor: &Actor,
    id: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let region = match (actor.role, actor.region.clone()) {
        (Role::Regulator, Some(region)) => region,
        _ => {
            return Err(ApiError::forbidden(
                "Only a regulator of the unit's region warns it.",
            ));
        }
    };
    let reason = BoundedText::parse(reason, 2, 500)
        .map_err(|e| ApiError::invalid_field("reason", "invalid_length", e.to_string()))?
        .into_string();
    let missing = || ApiError::new(ErrorCode::UnitNotFound, "No such unit in your region.");
    let (unit, business) = crate::store::units::find_unit(conn, id)?.ok_or_else(missing)?;
    if !RegionCode::parse(&business.region_code).is_ok_and(|r| region.contains(&r)) {
        return Err(missing());
    }
    let status: UnitStatus = unit.status.parse()?;
    if ![UnitStatus::Active, UnitStatus::Suspended].contains(&status) {
        return Err(ApiError::new(
            ErrorCode::UnitTransitionNotAllowed,
            format!("A unit that is {} cannot be warned.", unit.status),
        ));
    }
    crate::store::write_transaction(conn, |conn| {
        insert_warning(conn, &unit.id, &reason, &actor.user_id, now)?;
        crate::store::audit::record_action(
            conn,
            actor,
            "unit.warned",
            "unit",
            &unit.id,
            Some(&business.region_code),
            &serde_json::json!({"reason": reason}),
            now,
        )?;
        crate::disputes::notices::tell_staff(
            conn,
            ctx,
            &business.id,
            &crate::disputes::notices::Said::new("notice-unit-warned"),
            &reason,
            now,
        )?;
        Ok::<_, ApiError>(())
    })
}
