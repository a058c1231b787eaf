//! Escalations to 12315 once made (docs/escalation.md#delivery): their delivery (connector,
//! packet, attempts, giving up), the handling steps recorded on them, the dead deliveries and
//! the regulators' queue. Escalations are made with [`super::negotiation::insert_escalations`];
//! the use cases are in [`crate::disputes::escalations`].

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::schema::{disputes, escalation_updates, escalations};
use super::{DbConn, StoreError, new_id, to_db_time};
use crate::domain::escalation::EscalationState;

/// The id, connector, packet and state of those of escalations `ids` that exist.
pub fn find_deliveries(
    conn: &mut DbConn,
    ids: &[String],
) -> Result<Vec<(String, String, String, String)>, StoreError> {
    Ok(escalations::table
        .filter(escalations::id.eq_any(ids))
        .select((
            escalations::id,
            escalations::connector,
            escalations::packet,
            escalations::state,
        ))
        .load::<(String, String, String, String)>(conn)?)
}

/// A handling step recorded on an escalation.
#[derive(Insertable)]
#[diesel(table_name = escalation_updates, treat_none_as_default_value = false)]
struct NewUpdate<'a> {
    id: String,
    escalation_id: &'a str,
    status: &'a str,
    note: Option<&'a str>,
    actor_id: Option<&'a str>,
    created_at: NaiveDateTime,
}

/// Appends handling step `status` to each of escalations `escalation_ids`' histories, in one
/// statement.
pub fn insert_updates(
    conn: &mut DbConn,
    escalation_ids: &[&str],
    status: EscalationState,
    note: Option<&str>,
    actor: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if escalation_ids.is_empty() {
        return Ok(());
    }
    let rows: Vec<NewUpdate<'_>> = escalation_ids
        .iter()
        .map(|escalation_id| NewUpdate {
            id: new_id(),
            escalation_id,
            status: status.as_str(),
            note,
            actor_id: actor,
            created_at: to_db_time(now),
        })
        .collect();
    insert_rows!(conn, escalation_updates::table, &rows)?;
    Ok(())
}

/// Marks those of escalations `ids` still pending delivered at `now`, in one statement: the
/// id, dispute and connector of each it marked (not those delivered already, dead, or not
/// there).
pub fn mark_delivered(
    conn: &mut DbConn,
    ids: &[String],
    now: DateTime<Utc>,
) -> Result<Vec<(String, String, String)>, StoreError> {
    let moved = diesel::update(
        escalations::table
            .filter(escalations::id.eq_any(ids))
            .filter(escalations::state.eq(EscalationState::Pending.as_str())),
    )
    .set((
        escalations::state.eq(EscalationState::Delivered.as_str()),
        escalations::delivered_at.eq(Some(to_db_time(now))),
        escalations::dead_at.eq(None::<NaiveDateTime>),
        escalations::delivery_attempts.eq(escalations::delivery_attempts + 1),
    ))
    .returning((
        escalations::id,
        escalations::dispute_id,
        escalations::connector,
    ));
    Ok(match conn {
        DbConn::Pg(pg) => moved.load::<(String, String, String)>(pg),
        DbConn::Sqlite(lite) => moved.load::<(String, String, String)>(lite),
    }?)
}

/// The dispute of escalation `id` (`NotFound` when it does not exist).
pub fn dispute_of(conn: &mut DbConn, id: &str) -> Result<String, StoreError> {
    Ok(escalations::table
        .find(id)
        .select(escalations::dispute_id)
        .first(conn)?)
}

/// Counts a failed delivery of escalation `id` while it is pending, keeping `error`; whether it
/// was pending (a job that fails after its escalation was delivered changes nothing).
pub fn record_failed_attempt(conn: &mut DbConn, id: &str, error: &str) -> Result<bool, StoreError> {
    let counted = diesel::update(
        escalations::table
            .find(id)
            .filter(escalations::state.eq(EscalationState::Pending.as_str())),
    )
    .set((
        escalations::delivery_attempts.eq(escalations::delivery_attempts + 1),
        escalations::last_delivery_error.eq(Some(error)),
    ))
    .execute(conn)?;
    Ok(counted != 0)
}

/// Marks the delivery of escalation `id` given up at `now`; returns `()`.
pub fn mark_dead(conn: &mut DbConn, id: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
    diesel::update(escalations::table.find(id))
        .set(escalations::dead_at.eq(Some(to_db_time(now))))
        .execute(conn)?;
    Ok(())
}

/// Clears the give-up of pending escalation `id`; `false` when its delivery had not given up.
pub fn revive(conn: &mut DbConn, id: &str) -> Result<bool, StoreError> {
    let revived = diesel::update(
        escalations::table
            .find(id)
            .filter(escalations::dead_at.is_not_null())
            .filter(escalations::state.eq(EscalationState::Pending.as_str())),
    )
    .set(escalations::dead_at.eq(None::<NaiveDateTime>))
    .execute(conn)?;
    Ok(revived != 0)
}

/// Whether escalation `id` exists.
pub fn escalation_exists(conn: &mut DbConn, id: &str) -> Result<bool, StoreError> {
    Ok(escalations::table
        .find(id)
        .count()
        .get_result::<i64>(conn)?
        > 0)
}

/// The state, dispute and connector of escalation `id`, if it exists.
pub fn find_state(
    conn: &mut DbConn,
    id: &str,
) -> Result<Option<(String, String, String)>, StoreError> {
    Ok(escalations::table
        .find(id)
        .select((
            escalations::state,
            escalations::dispute_id,
            escalations::connector,
        ))
        .first(conn)
        .optional()?)
}

/// Moves escalation `id` from `from` to `to`; `false` when it was no longer in `from`.
pub fn move_state(
    conn: &mut DbConn,
    id: &str,
    from: EscalationState,
    to: EscalationState,
) -> Result<bool, StoreError> {
    let moved = diesel::update(
        escalations::table
            .filter(escalations::id.eq(id))
            .filter(escalations::state.eq(from.as_str())),
    )
    .set(escalations::state.eq(to.as_str()))
    .execute(conn)?;
    Ok(moved != 0)
}

/// An escalation whose delivery gave up.
#[derive(Debug, Clone, Queryable)]
pub struct DeadDelivery {
    pub id: String,
    pub dispute_id: String,
    pub case_number: String,
    pub connector: String,
    pub delivery_attempts: i64,
    pub last_delivery_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub dead_at: Option<NaiveDateTime>,
}

/// Every escalation whose delivery gave up, oldest first.
pub fn list_dead(conn: &mut DbConn) -> Result<Vec<DeadDelivery>, StoreError> {
    Ok(escalations::table
        .inner_join(disputes::table)
        .filter(escalations::dead_at.is_not_null())
        .order(escalations::dead_at)
        .select((
            escalations::id,
            escalations::dispute_id,
            disputes::case_number,
            escalations::connector,
            escalations::delivery_attempts,
            escalations::last_delivery_error,
            escalations::created_at,
            escalations::dead_at,
        ))
        .load(conn)?)
}

/// An escalation in a regulator's queue.
#[derive(Debug, Clone, Queryable)]
pub struct QueueItem {
    pub id: String,
    pub dispute_id: String,
    pub case_number: String,
    pub business_id: String,
    pub business_name: String,
    pub region_code: String,
    pub reason: String,
    pub initiated_by: String,
    pub state: String,
    pub created_at: NaiveDateTime,
}

/// Escalations of disputes in regions starting with `region_prefix`, newest first.
pub fn queue(
    conn: &mut DbConn,
    region_prefix: &str,
    states: &[&str],
    limit: i64,
) -> Result<Vec<QueueItem>, StoreError> {
    let mut query = escalations::table
        .inner_join(disputes::table.inner_join(super::schema::businesses::table))
        .filter(crate::in_region!(disputes::region_code, region_prefix))
        .order((escalations::created_at.desc(), escalations::id.desc()))
        .limit(limit)
        .select((
            escalations::id,
            escalations::dispute_id,
            disputes::case_number,
            disputes::business_id,
            super::schema::businesses::name,
            disputes::region_code,
            escalations::reason,
            escalations::initiated_by,
            escalations::state,
            escalations::created_at,
        ))
        .into_boxed();
    if !states.is_empty() {
        query = query.filter(escalations::state.eq_any(states.to_vec()));
    }
    Ok(query.load(conn)?)
}

/// What the bureau's time limits on an escalation are read from (docs/escalation.md#the-bureaus-own-deadlines):
/// its arrival in the queue, its dispute's policy and the handling steps recorded since.
#[derive(Debug, Clone)]
pub struct BureauSource {
    pub escalation_id: String,
    /// Where it stands now.
    pub state: String,
    pub dispute_id: String,
    pub case_number: String,
    pub region_code: String,
    /// The dispute's policy (JSON), whose `bureau` limits apply.
    pub policy: String,
    pub arrived_at: NaiveDateTime,
    /// Each handling step's state and moment, oldest first.
    pub steps: Vec<(String, NaiveDateTime)>,
}

type SourceRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    Option<NaiveDateTime>,
);

/// The sources of the rows `rows`, each with its steps (one statement for all).
fn with_steps(conn: &mut DbConn, rows: Vec<SourceRow>) -> Result<Vec<BureauSource>, StoreError> {
    let ids: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    let mut steps: std::collections::HashMap<String, Vec<(String, NaiveDateTime)>> =
        std::collections::HashMap::new();
    for chunk in ids.chunks(500) {
        let found: Vec<(String, String, NaiveDateTime)> = escalation_updates::table
            .filter(escalation_updates::escalation_id.eq_any(chunk))
            .order((escalation_updates::created_at, escalation_updates::id))
            .select((
                escalation_updates::escalation_id,
                escalation_updates::status,
                escalation_updates::created_at,
            ))
            .load(conn)?;
        for (id, status, at) in found {
            steps.entry(id).or_default().push((status, at));
        }
    }
    Ok(rows
        .into_iter()
        .filter_map(
            |(id, state, dispute_id, case_number, region_code, policy, arrived)| {
                Some(BureauSource {
                    steps: steps.remove(&id).unwrap_or_default(),
                    escalation_id: id,
                    state,
                    dispute_id,
                    case_number,
                    region_code,
                    policy,
                    arrived_at: arrived?,
                })
            },
        )
        .collect())
}

macro_rules! source_columns {
    () => {
        (
            escalations::id,
            escalations::state,
            escalations::dispute_id,
            disputes::case_number,
            disputes::region_code,
            disputes::policy,
            escalations::delivered_at,
        )
    };
}

/// The bureau's sources of those of escalations `ids` that reached the builtin queue.
pub fn bureau_sources(conn: &mut DbConn, ids: &[&str]) -> Result<Vec<BureauSource>, StoreError> {
    let rows: Vec<SourceRow> = escalations::table
        .inner_join(disputes::table)
        .filter(escalations::id.eq_any(ids))
        .filter(escalations::connector.eq(crate::config::BUILTIN_CONNECTOR))
        .filter(escalations::delivered_at.is_not_null())
        .select(source_columns!())
        .load(conn)?;
    with_steps(conn, rows)
}

/// The bureau's sources of the escalations of disputes `ids` that reached the builtin queue.
pub fn bureau_sources_of_disputes(
    conn: &mut DbConn,
    ids: &[&str],
) -> Result<Vec<BureauSource>, StoreError> {
    let rows: Vec<SourceRow> = escalations::table
        .inner_join(disputes::table)
        .filter(escalations::dispute_id.eq_any(ids))
        .filter(escalations::connector.eq(crate::config::BUILTIN_CONNECTOR))
        .filter(escalations::delivered_at.is_not_null())
        .select(source_columns!())
        .load(conn)?;
    with_steps(conn, rows)
}

/// The bureau's sources of the escalations of the region with code prefix `prefix` (or inside
/// it) that reached the builtin queue by `until` and whose limits can run or be met from
/// `since` on: those still with something to do by a deadline, and those with a step since.
pub fn bureau_sources_in_region(
    conn: &mut DbConn,
    prefix: &str,
    since: NaiveDateTime,
    until: NaiveDateTime,
) -> Result<Vec<BureauSource>, StoreError> {
    let done: Vec<&str> = EscalationState::ALL
        .iter()
        .filter(|s| s.is_final())
        .map(|s| s.as_str())
        .collect();
    let stepped_since = diesel::dsl::exists(
        escalation_updates::table
            .filter(escalation_updates::escalation_id.eq(escalations::id))
            .filter(escalation_updates::created_at.ge(since)),
    );
    let rows: Vec<SourceRow> = escalations::table
        .inner_join(disputes::table)
        .filter(crate::in_region!(disputes::region_code, prefix))
        .filter(escalations::connector.eq(crate::config::BUILTIN_CONNECTOR))
        .filter(escalations::delivered_at.le(until))
        .filter(escalations::state.ne_all(done).or(stepped_since))
        .order(escalations::id)
        .select(source_columns!())
        .load(conn)?;
    with_steps(conn, rows)
}
