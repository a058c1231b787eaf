//! An ODR unit after it applied: a regulator's decisions on it and the public commitments its
//! owner sets. Each is one transaction with its history, audit entry and notices (the
//! vocabulary is in docs/README.md#vocabulary; who may do what, in `domain::access`).

use chrono::{DateTime, Utc};

use crate::disputes::CaseContext;
use crate::disputes::notices::{Said, tell_staff};
use crate::domain::access::{Actor, BusinessScope};
use crate::domain::commitment::Commitment;
use crate::domain::region::RegionCode;
use crate::domain::unit::{UnitActor, UnitDecision, UnitStatus, UnitTransitionError, transition};
use crate::error::{ApiError, ErrorCode, on_conflict};
use crate::store::audit::record_action;
use crate::store::businesses::Business;
use crate::store::units::{self, OdrUnit};
use crate::store::{DbConn, StoreError, write_transaction};

/// Whether `actor` passes `rule` for `business`.
pub fn allowed(
    actor: &Actor,
    business: &Business,
    rule: fn(&Actor, &BusinessScope<'_>) -> bool,
) -> Result<bool, ApiError> {
    let region = RegionCode::parse(&business.region_code).map_err(ApiError::internal)?;
    Ok(rule(
        actor,
        &BusinessScope {
            business_id: &business.id,
            region: &region,
            association_id: business.association_id.as_deref(),
        },
    ))
}

/// Loads a unit the actor may see; 404 when it does not exist or is out of sight.
pub fn load_visible_unit(
    conn: &mut DbConn,
    actor: &Actor,
    id: &str,
) -> Result<(OdrUnit, Business), ApiError> {
    let missing = || ApiError::new(ErrorCode::UnitNotFound, "No such ODR unit.");
    let (unit, business) = units::find_unit(conn, id)?.ok_or_else(missing)?;
    if allowed(actor, &business, Actor::may_view_business)? {
        Ok((unit, business))
    } else {
        Err(missing())
    }
}

/// Loads a unit the actor may see and checks `rule`; 403 with `refusal` when it fails.
fn load_unit_for(
    conn: &mut DbConn,
    actor: &Actor,
    id: &str,
    rule: fn(&Actor, &BusinessScope<'_>) -> bool,
    refusal: &'static str,
) -> Result<(OdrUnit, Business), ApiError> {
    let (unit, business) = load_visible_unit(conn, actor, id)?;
    if allowed(actor, &business, rule)? {
        Ok((unit, business))
    } else {
        Err(ApiError::forbidden(refusal))
    }
}

/// What the unit's staff are told of a decision (notices.ftl).
fn decision_text(to: UnitStatus) -> Said {
    Said::new(match to {
        UnitStatus::Active => "notice-unit-active",
        UnitStatus::Suspended => "notice-unit-suspended",
        UnitStatus::Removed => "notice-unit-removed",
        UnitStatus::Rejected => "notice-unit-rejected",
        UnitStatus::Pending => "notice-unit-pending",
    })
}

/// A regulator of the unit's region decides on unit `id` (`reason` may be empty where the
/// decision needs none): the status change with its history and audit entry, and a notice to
/// every active member of the unit's staff, in one transaction. The unit as it is then.
pub fn decide(
    conn: &mut DbConn,
    ctx: &CaseContext,
    actor: &Actor,
    id: &str,
    decision: UnitDecision,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(OdrUnit, Business), ApiError> {
    let (unit, business) = load_unit_for(
        conn,
        actor,
        id,
        Actor::may_decide_unit,
        "Only a regulator of the unit's region decides on it.",
    )?;
    let from: UnitStatus = unit.status.parse()?;
    let to =
        transition(Some(from), decision.action(), UnitActor::Regulator).map_err(|e| match e {
            UnitTransitionError::NotAllowed { from, action } => ApiError::new(
                ErrorCode::UnitTransitionNotAllowed,
                format!("A unit that is {from} cannot be {action}."),
            ),
            other => ApiError::forbidden(other.to_string()),
        })?;
    let by = units::Actor {
        id: &actor.user_id,
        role: actor.role,
    };
    write_transaction(conn, |conn| {
        units::change_status(conn, &unit.id, from, to, by, reason, now)?;
        tell_staff(conn, ctx, &business.id, &decision_text(to), reason, now)
    })
    .map_err(on_conflict(
        ErrorCode::UnitChangedConcurrently,
        "The unit changed while you decided; reload it.",
    ))?;
    Ok(units::find_unit(conn, &unit.id)?.ok_or(StoreError::NotFound)?)
}

/// The owner of unit `id`'s business replaces its public commitments, audited, in one
/// transaction. The unit and its business.
pub fn set_commitments(
    conn: &mut DbConn,
    actor: &Actor,
    id: &str,
    commitments: &[Commitment],
    now: DateTime<Utc>,
) -> Result<(OdrUnit, Business), ApiError> {
    let (unit, business) = load_unit_for(
        conn,
        actor,
        id,
        Actor::may_manage_business,
        "Only the business's owner sets its commitments.",
    )?;
    write_transaction(conn, |conn| {
        units::replace_commitments(conn, &unit.id, commitments)?;
        record_action(
            conn,
            actor,
            "unit.commitments",
            "unit",
            &unit.id,
            Some(&business.region_code),
            &serde_json::json!({"commitments": commitments.len()}),
            now,
        )
    })?;
    Ok((unit, business))
}
