//! ODR units: applications, status history and commitments, and the scoped listings
//! regulators, associations and the public directory read.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::businesses::Business;
use super::schema::{
    businesses, disputes, industries, odr_units, regions, unit_commitments, unit_status_changes,
    unit_warnings,
};
use super::{DbConn, StoreError, new_id, to_db_time};
use crate::domain::commitment::Commitment;
use crate::domain::dispute::Status;
use crate::domain::role::Role;
use crate::domain::unit::UnitStatus;

/// A stored ODR unit (one per business).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = odr_units)]
pub struct OdrUnit {
    pub id: String,
    pub business_id: String,
    pub status: String,
    pub commitment_version: String,
    pub commitment_accepted_at: NaiveDateTime,
    pub has_handling_place: bool,
    pub has_staff: bool,
    pub has_computer: bool,
    pub has_dedicated_phone: bool,
    pub has_written_procedure: bool,
    pub applied_by: String,
    pub applied_at: NaiveDateTime,
    pub status_changed_at: NaiveDateTime,
    pub activated_at: Option<NaiveDateTime>,
}

/// One step in a unit's history.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = unit_status_changes)]
pub struct StatusChange {
    pub id: String,
    pub unit_id: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub actor_id: String,
    pub actor_role: String,
    pub reason: String,
    pub changed_at: NaiveDateTime,
}

/// A stored commitment.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = unit_commitments)]
pub struct CommitmentRow {
    pub unit_id: String,
    pub kind: String,
    pub return_days: Option<i64>,
    pub conditions: Option<String>,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
}

/// Who performed a status change.
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a> {
    pub id: &'a str,
    pub role: Role,
}

/// Which units a listing may show.
#[derive(Debug, Clone)]
pub enum UnitScope {
    All,
    /// Units of businesses whose region code starts with this prefix.
    RegionPrefix(String),
    /// Units of an association's member businesses.
    Association(String),
    Business(String),
}

/// Filters and paging for a unit listing.
#[derive(Debug, Clone, Default)]
pub struct UnitFilter {
    /// Units in one of these statuses (all when empty).
    pub statuses: Vec<UnitStatus>,
    /// Units whose business name or address contains this, or whose industry is one of
    /// `industries_meant` (docs/api.md#directory-search).
    pub text: Option<String>,
    pub industries_meant: Vec<String>,
    pub industry_code: Option<String>,
    pub region_prefix: Option<String>,
    /// Only units with an id after this one (ascending order).
    pub after_id: Option<String>,
    pub limit: i64,
}

/// One unit by id.
pub fn find_unit(conn: &mut DbConn, id: &str) -> Result<Option<(OdrUnit, Business)>, StoreError> {
    Ok(odr_units::table
        .inner_join(businesses::table)
        .filter(odr_units::id.eq(id))
        .select((OdrUnit::as_select(), Business::as_select()))
        .first(conn)
        .optional()?)
}

/// The unit of a business, if it ever applied.
pub fn find_unit_of_business(
    conn: &mut DbConn,
    business_id: &str,
) -> Result<Option<OdrUnit>, StoreError> {
    Ok(odr_units::table
        .filter(odr_units::business_id.eq(business_id))
        .select(OdrUnit::as_select())
        .first(conn)
        .optional()?)
}

/// Stores a first application, or replaces the declarations of a rejected one, and writes
/// the history step.
pub fn save_application(
    conn: &mut DbConn,
    unit: &OdrUnit,
    previous: Option<UnitStatus>,
    actor: Actor<'_>,
) -> Result<(), StoreError> {
    if previous.is_none() {
        diesel::insert_into(odr_units::table)
            .values(unit)
            .execute(conn)?;
    } else {
        diesel::update(odr_units::table.find(&unit.id))
            .set((
                odr_units::status.eq(&unit.status),
                odr_units::commitment_version.eq(&unit.commitment_version),
                odr_units::commitment_accepted_at.eq(unit.commitment_accepted_at),
                odr_units::has_handling_place.eq(unit.has_handling_place),
                odr_units::has_staff.eq(unit.has_staff),
                odr_units::has_computer.eq(unit.has_computer),
                odr_units::has_dedicated_phone.eq(unit.has_dedicated_phone),
                odr_units::has_written_procedure.eq(unit.has_written_procedure),
                odr_units::applied_by.eq(&unit.applied_by),
                odr_units::applied_at.eq(unit.applied_at),
                odr_units::status_changed_at.eq(unit.status_changed_at),
            ))
            .execute(conn)?;
    }
    insert_history(
        conn,
        &unit.id,
        previous,
        UnitStatus::Pending,
        actor,
        "application",
        unit.applied_at,
    )
}

/// Moves a unit from `from` to `to` and records who did it and why. Fails with
/// [`StoreError::Conflict`] when the unit is no longer in `from` (a concurrent change).
pub fn change_status(
    conn: &mut DbConn,
    unit_id: &str,
    from: UnitStatus,
    to: UnitStatus,
    actor: Actor<'_>,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let at = to_db_time(now);
    let target = odr_units::table
        .filter(odr_units::id.eq(unit_id))
        .filter(odr_units::status.eq(from.as_str()));
    let changed = if to == UnitStatus::Active {
        diesel::update(target)
            .set((
                odr_units::status.eq(to.as_str()),
                odr_units::status_changed_at.eq(at),
                odr_units::activated_at.eq(Some(at)),
            ))
            .execute(conn)?
    } else {
        diesel::update(target)
            .set((
                odr_units::status.eq(to.as_str()),
                odr_units::status_changed_at.eq(at),
            ))
            .execute(conn)?
    };
    if changed != 1 {
        return Err(StoreError::Conflict("unit status".into()));
    }
    insert_history(conn, unit_id, Some(from), to, actor, reason, at)
}

fn insert_history(
    conn: &mut DbConn,
    unit_id: &str,
    from: Option<UnitStatus>,
    to: UnitStatus,
    actor: Actor<'_>,
    reason: &str,
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    let row = StatusChange {
        id: new_id(),
        unit_id: unit_id.into(),
        from_status: from.map(|s| s.as_str().to_string()),
        to_status: to.as_str().into(),
        actor_id: actor.id.into(),
        actor_role: actor.role.as_str().into(),
        reason: reason.into(),
        changed_at: at,
    };
    diesel::insert_into(unit_status_changes::table)
        .values(&row)
        .execute(conn)?;
    let region = region_of_unit(conn, unit_id)?;
    super::audit::append_audit(
        conn,
        &super::audit::Audit {
            actor_id: Some(actor.id),
            actor_role: actor.role.as_str(),
            action: &format!("unit.{}", to.as_str()),
            object_type: "unit",
            object_id: unit_id,
            region_code: region.as_deref(),
            details: &serde_json::json!({
                "from_status": row.from_status, "to_status": row.to_status, "reason": reason,
            }),
        },
        at.and_utc(),
    )
}

/// The region of a unit's business.
pub fn region_of_unit(conn: &mut DbConn, unit_id: &str) -> Result<Option<String>, StoreError> {
    use super::schema::businesses;
    Ok(odr_units::table
        .inner_join(businesses::table)
        .filter(odr_units::id.eq(unit_id))
        .select(businesses::region_code)
        .first(conn)
        .optional()?)
}

/// A unit's history, oldest first.
pub fn list_history(conn: &mut DbConn, unit_id: &str) -> Result<Vec<StatusChange>, StoreError> {
    Ok(unit_status_changes::table
        .filter(unit_status_changes::unit_id.eq(unit_id))
        .order((unit_status_changes::changed_at, unit_status_changes::id))
        .select(StatusChange::as_select())
        .load(conn)?)
}

/// Replaces all commitments of a unit.
pub fn replace_commitments(
    conn: &mut DbConn,
    unit_id: &str,
    commitments: &[Commitment],
) -> Result<(), StoreError> {
    diesel::delete(unit_commitments::table.filter(unit_commitments::unit_id.eq(unit_id)))
        .execute(conn)?;
    let rows: Vec<CommitmentRow> = commitments
        .iter()
        .map(|c| CommitmentRow {
            unit_id: unit_id.into(),
            kind: c.kind.as_str().into(),
            return_days: c.return_days.map(i64::from),
            conditions: c.conditions.clone(),
            valid_from: c.valid_from,
            valid_to: c.valid_to,
        })
        .collect();
    for row in &rows {
        diesel::insert_into(unit_commitments::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

/// Commitments of several units in one query.
pub fn list_commitments(
    conn: &mut DbConn,
    unit_ids: &[String],
) -> Result<Vec<CommitmentRow>, StoreError> {
    if unit_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(unit_commitments::table
        .filter(unit_commitments::unit_id.eq_any(unit_ids))
        .order((unit_commitments::unit_id, unit_commitments::kind))
        .select(CommitmentRow::as_select())
        .load(conn)?)
}

/// The validity periods (from, to) of unit `unit_id`'s commitments of `kind`.
pub fn commitment_periods(
    conn: &mut DbConn,
    unit_id: &str,
    kind: crate::domain::commitment::CommitmentKind,
) -> Result<Vec<(NaiveDate, Option<NaiveDate>)>, StoreError> {
    Ok(unit_commitments::table
        .filter(unit_commitments::unit_id.eq(unit_id))
        .filter(unit_commitments::kind.eq(kind.as_str()))
        .select((unit_commitments::valid_from, unit_commitments::valid_to))
        .load::<(NaiveDate, Option<NaiveDate>)>(conn)?)
}

/// The business names of the units `ids` (those that exist), by unit id.
pub fn unit_names(conn: &mut DbConn, ids: &[&str]) -> Result<HashMap<String, String>, StoreError> {
    Ok(odr_units::table
        .inner_join(businesses::table)
        .filter(odr_units::id.eq_any(ids))
        .select((odr_units::id, businesses::name))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect())
}

/// An enrolled unit with where it sits, its industry and their names.
#[derive(Debug, Clone, Queryable)]
pub struct EnrolledUnit {
    pub id: String,
    pub name: String,
    pub status: String,
    pub industry_code: String,
    pub industry_zh: String,
    pub industry_en: String,
    pub region_code: String,
    pub region_zh: String,
    pub region_en: String,
}

/// The region's active, suspended and removed units, by name.
pub fn enrolled_units_in_region(
    conn: &mut DbConn,
    prefix: &str,
) -> Result<Vec<EnrolledUnit>, StoreError> {
    Ok(odr_units::table
        .inner_join(
            businesses::table
                .inner_join(industries::table)
                .inner_join(regions::table),
        )
        .filter(crate::in_region!(businesses::region_code, prefix))
        .filter(odr_units::status.eq_any([
            UnitStatus::Active.as_str(),
            UnitStatus::Suspended.as_str(),
            UnitStatus::Removed.as_str(),
        ]))
        .order(businesses::name)
        .select((
            odr_units::id,
            businesses::name,
            odr_units::status,
            industries::code,
            industries::name_zh,
            industries::name_en,
            regions::code,
            regions::name_zh,
            regions::name_en,
        ))
        .load(conn)?)
}

/// Escapes `%`, `_` and `\` for a LIKE pattern used with `ESCAPE '\'`.
pub(super) fn like_escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// Units in `scope` matching `filter`, ordered by id, at most `filter.limit`.
pub fn list_units(
    conn: &mut DbConn,
    scope: &UnitScope,
    filter: &UnitFilter,
) -> Result<Vec<(OdrUnit, Business)>, StoreError> {
    let mut query = odr_units::table
        .inner_join(businesses::table)
        .select((OdrUnit::as_select(), Business::as_select()))
        .order(odr_units::id)
        .limit(filter.limit)
        .into_boxed();
    query = match scope {
        UnitScope::All => query,
        UnitScope::RegionPrefix(prefix) => query.filter(
            businesses::region_code
                .like(format!("{}%", like_escape(prefix)))
                .escape('\\'),
        ),
        UnitScope::Association(id) => query.filter(businesses::association_id.eq(id.clone())),
        UnitScope::Business(id) => query.filter(businesses::id.eq(id.clone())),
    };
    if !filter.statuses.is_empty() {
        let statuses: Vec<&str> = filter.statuses.iter().map(|s| s.as_str()).collect();
        query = query.filter(odr_units::status.eq_any(statuses));
    }
    if let Some(text) = &filter.text {
        let pattern = format!("%{}%", like_escape(text));
        query = query.filter(
            businesses::name
                .like(pattern.clone())
                .escape('\\')
                .or(businesses::address.like(pattern).escape('\\'))
                .or(businesses::industry_code.eq_any(filter.industries_meant.clone())),
        );
    }
    if let Some(industry) = &filter.industry_code {
        query = query.filter(businesses::industry_code.eq(industry.clone()));
    }
    if let Some(prefix) = &filter.region_prefix {
        query = query.filter(
            businesses::region_code
                .like(format!("{}%", like_escape(prefix)))
                .escape('\\'),
        );
    }
    if let Some(after) = &filter.after_id {
        query = query.filter(odr_units::id.gt(after.clone()));
    }
    Ok(query.load(conn)?)
}

/// A unit under evaluation: id, business name, region, industry and status.
pub type EvaluatedRow = (String, String, String, String, String);

/// The active and suspended units of the region with code prefix `prefix` (all with "").
pub fn units_under_evaluation(
    conn: &mut DbConn,
    prefix: &str,
) -> Result<Vec<EvaluatedRow>, StoreError> {
    Ok(odr_units::table
        .inner_join(businesses::table)
        .filter(crate::in_region!(businesses::region_code, prefix))
        .filter(
            odr_units::status.eq_any([UnitStatus::Active.as_str(), UnitStatus::Suspended.as_str()]),
        )
        .select((
            odr_units::id,
            businesses::name,
            businesses::region_code,
            businesses::industry_code,
            odr_units::status,
        ))
        .load(conn)?)
}

/// How many disputes of each of the units `ids` wait past their first-contact due moment at
/// `now`.
pub fn unanswered_by_unit(
    conn: &mut DbConn,
    ids: &[String],
    now: DateTime<Utc>,
) -> Result<HashMap<String, i64>, StoreError> {
    let mut unanswered: HashMap<String, i64> = HashMap::new();
    for unit in disputes::table
        .filter(disputes::unit_id.eq_any(ids))
        .filter(disputes::status.eq(Status::Filed.as_str()))
        .filter(disputes::first_contact_due_at.lt(to_db_time(now)))
        .select(disputes::unit_id)
        .load::<String>(conn)?
    {
        *unanswered.entry(unit).or_default() += 1;
    }
    Ok(unanswered)
}

/// The moment of the latest warning of each of the units `ids` that has one.
pub fn last_warnings(
    conn: &mut DbConn,
    ids: &[String],
) -> Result<HashMap<String, NaiveDateTime>, StoreError> {
    let mut last: HashMap<String, NaiveDateTime> = HashMap::new();
    for (unit, at) in unit_warnings::table
        .filter(unit_warnings::unit_id.eq_any(ids))
        .select((unit_warnings::unit_id, unit_warnings::created_at))
        .load::<(String, NaiveDateTime)>(conn)?
    {
        let latest = last.entry(unit).or_insert(at);
        *latest = (*latest).max(at);
    }
    Ok(last)
}

/// Stores a warning of a unit.
pub fn insert_warning(
    conn: &mut DbConn,
    unit_id: &str,
    reason: &str,
    actor_id: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    diesel::insert_into(unit_warnings::table)
        .values((
            unit_warnings::id.eq(new_id()),
            unit_warnings::unit_id.eq(unit_id),
            unit_warnings::reason.eq(reason),
            unit_warnings::actor_id.eq(actor_id),
            unit_warnings::created_at.eq(to_db_time(at)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Units of `ids` warned since `since`.
pub fn warned_since(
    conn: &mut DbConn,
    ids: &[String],
    since: DateTime<Utc>,
) -> Result<Vec<String>, StoreError> {
    Ok(unit_warnings::table
        .filter(unit_warnings::unit_id.eq_any(ids))
        .filter(unit_warnings::created_at.ge(to_db_time(since)))
        .select(unit_warnings::unit_id)
        .distinct()
        .load(conn)?)
}
