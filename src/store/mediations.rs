//! Mediators, parties' requests for mediation, mediations and their sessions
//! (docs/mediation.md).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{mediation_requests, mediation_sessions, mediations, mediators, users};
use super::users::User;
use super::{DbConn, StoreError};
use crate::domain::mediation::MediationState;

/// A mediator's enrolment.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = mediators)]
pub struct Mediator {
    pub user_id: String,
    pub kind: String,
    pub organisation: String,
    pub enrolled_by: String,
    pub enrolled_at: NaiveDateTime,
}

/// A party's request for mediation.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = mediation_requests)]
pub struct MediationRequest {
    pub dispute_id: String,
    pub party: String,
    pub requested_by: String,
    pub requested_at: NaiveDateTime,
}

/// A mediation as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = mediations, treat_none_as_default_value = false)]
pub struct Mediation {
    pub id: String,
    pub dispute_id: String,
    pub escalation_id: String,
    pub mediator_id: String,
    pub organisation: String,
    pub region_code: String,
    pub origin: String,
    pub state: String,
    pub note: Option<String>,
    pub referred_by: String,
    pub referred_at: NaiveDateTime,
    pub due_at: NaiveDateTime,
    pub concluded_at: Option<NaiveDateTime>,
    pub failure_reason: Option<String>,
    pub remedy: Option<String>,
    pub amount_fen: Option<i64>,
    pub terms: Option<String>,
    pub fulfilment_due_at: Option<NaiveDateTime>,
    pub fulfilled_at: Option<NaiveDateTime>,
    pub confirmed_at: Option<NaiveDateTime>,
}

/// A session as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = mediation_sessions, treat_none_as_default_value = false)]
pub struct Session {
    pub id: String,
    pub mediation_id: String,
    pub seq: i64,
    pub mode: String,
    pub place: String,
    pub starts_at: NaiveDateTime,
    pub scheduled_by: String,
    pub scheduled_at: NaiveDateTime,
    pub outcome: Option<String>,
    pub record: Option<String>,
    pub recorded_at: Option<NaiveDateTime>,
}

/// The most mediations one list holds (the latest referred first).
pub const LIST_LIMIT: i64 = 500;

fn open_states() -> [&'static str; 3] {
    MediationState::OPEN.map(MediationState::as_str)
}

/// Enrols `row`'s account as a mediator.
pub fn insert_mediator(conn: &mut DbConn, row: &Mediator) -> Result<(), StoreError> {
    diesel::insert_into(mediators::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// The mediator `user_id` with their account, if enrolled.
pub fn find_mediator(
    conn: &mut DbConn,
    user_id: &str,
) -> Result<Option<(Mediator, User)>, StoreError> {
    Ok(mediators::table
        .inner_join(users::table)
        .filter(mediators::user_id.eq(user_id))
        .select((Mediator::as_select(), User::as_select()))
        .first(conn)
        .optional()?)
}

/// The mediators of the region with code prefix `prefix` and of the regions inside it, by
/// organisation and name.
pub fn mediators_in(conn: &mut DbConn, prefix: &str) -> Result<Vec<(Mediator, User)>, StoreError> {
    Ok(mediators::table
        .inner_join(users::table)
        .filter(users::region_code.is_not_null())
        .filter(crate::in_region!(
            users::region_code.assume_not_null(),
            prefix
        ))
        .order((mediators::organisation, users::display_name, users::id))
        .select((Mediator::as_select(), User::as_select()))
        .load(conn)?)
}

/// Records `row`'s request unless its party asked already; whether it was recorded.
pub fn put_request(conn: &mut DbConn, row: &MediationRequest) -> Result<bool, StoreError> {
    Ok(insert_unless_taken!(conn, mediation_requests::table, row)? == 1)
}

/// Removes `party`'s request for mediation of dispute `id`; whether there was one.
pub fn drop_request(conn: &mut DbConn, id: &str, party: &str) -> Result<bool, StoreError> {
    Ok(diesel::delete(mediation_requests::table.find((id, party))).execute(conn)? == 1)
}

/// The parties' requests for mediation of dispute `id`.
pub fn requests_of(conn: &mut DbConn, id: &str) -> Result<Vec<MediationRequest>, StoreError> {
    Ok(mediation_requests::table
        .filter(mediation_requests::dispute_id.eq(id))
        .order(mediation_requests::requested_at)
        .select(MediationRequest::as_select())
        .load(conn)?)
}

/// Removes the requests of dispute `id` (it was referred).
pub fn clear_requests(conn: &mut DbConn, id: &str) -> Result<(), StoreError> {
    diesel::delete(mediation_requests::table.filter(mediation_requests::dispute_id.eq(id)))
        .execute(conn)?;
    Ok(())
}

/// Writes a new mediation; a dispute with a mediation still running is a
/// [`StoreError::Conflict`] (the unique index `mediations_open_idx`).
pub fn insert_mediation(conn: &mut DbConn, row: &Mediation) -> Result<(), StoreError> {
    diesel::insert_into(mediations::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Mediation `id`.
pub fn find_mediation(conn: &mut DbConn, id: &str) -> Result<Option<Mediation>, StoreError> {
    Ok(mediations::table
        .find(id)
        .select(Mediation::as_select())
        .first(conn)
        .optional()?)
}

/// The mediations of dispute `id`, the first referred first.
pub fn mediations_of_dispute(conn: &mut DbConn, id: &str) -> Result<Vec<Mediation>, StoreError> {
    Ok(mediations::table
        .filter(mediations::dispute_id.eq(id))
        .order((mediations::referred_at, mediations::id))
        .select(Mediation::as_select())
        .load(conn)?)
}

/// The mediation of dispute `id` still running, if any.
pub fn open_mediation_of(conn: &mut DbConn, id: &str) -> Result<Option<Mediation>, StoreError> {
    Ok(mediations::table
        .filter(mediations::dispute_id.eq(id))
        .filter(mediations::state.eq_any(open_states()))
        .select(Mediation::as_select())
        .first(conn)
        .optional()?)
}

/// Which mediations a list holds.
#[derive(Debug, Clone)]
pub enum MediationScope {
    /// Those referred to this mediator.
    Mediator(String),
    /// Those of disputes of the region with this code prefix and the regions inside it.
    RegionPrefix(String),
}

/// The mediations of `scope` with the disputes' case numbers, the running ones first, then
/// the latest referred first; at most [`LIST_LIMIT`] (a region's mediations are read whole:
/// each is a few hundred bytes, and a district refers some hundreds a year).
pub fn list_mediations(
    conn: &mut DbConn,
    scope: &MediationScope,
    state: Option<MediationState>,
) -> Result<Vec<(Mediation, String)>, StoreError> {
    use super::schema::disputes;
    let mut query = mediations::table
        .inner_join(disputes::table)
        .select((Mediation::as_select(), disputes::case_number))
        .into_boxed();
    query = match scope {
        MediationScope::Mediator(id) => query.filter(mediations::mediator_id.eq(id.clone())),
        MediationScope::RegionPrefix(prefix) => {
            query.filter(crate::in_region!(mediations::region_code, prefix))
        }
    };
    if let Some(state) = state {
        query = query.filter(mediations::state.eq(state.as_str()));
    }
    let rows: Vec<(Mediation, String)> = query
        .order((mediations::referred_at.desc(), mediations::id.desc()))
        .load(conn)?;
    // The running ones first, however old, then the latest concluded.
    let (mut open, ended): (Vec<_>, Vec<_>) = rows
        .into_iter()
        .partition(|(m, _)| MediationState::parse(&m.state).is_some_and(MediationState::is_open));
    open.extend(ended);
    open.truncate(LIST_LIMIT as usize);
    Ok(open)
}

/// Moves mediation `id` from `from` to `to`; false when it was not in `from` (changed
/// meanwhile).
pub fn move_state(
    conn: &mut DbConn,
    id: &str,
    from: MediationState,
    to: MediationState,
) -> Result<bool, StoreError> {
    Ok(diesel::update(
        mediations::table
            .find(id)
            .filter(mediations::state.eq(from.as_str())),
    )
    .set(mediations::state.eq(to.as_str()))
    .execute(conn)?
        == 1)
}

/// Saves the outcome of mediation `row` (its state, conclusion, failure reason and
/// agreement) if it still runs; false when it concluded meanwhile.
pub fn conclude(conn: &mut DbConn, row: &Mediation) -> Result<bool, StoreError> {
    Ok(diesel::update(
        mediations::table
            .find(&row.id)
            .filter(mediations::state.eq_any(open_states())),
    )
    .set((
        mediations::state.eq(&row.state),
        mediations::concluded_at.eq(row.concluded_at),
        mediations::failure_reason.eq(&row.failure_reason),
        mediations::remedy.eq(&row.remedy),
        mediations::amount_fen.eq(row.amount_fen),
        mediations::terms.eq(&row.terms),
        mediations::fulfilment_due_at.eq(row.fulfilment_due_at),
    ))
    .execute(conn)?
        == 1)
}

/// Marks the agreement of mediation `id` fulfilled at `at`, once; whether it changed.
pub fn mark_fulfilled(conn: &mut DbConn, id: &str, at: NaiveDateTime) -> Result<bool, StoreError> {
    Ok(diesel::update(
        mediations::table
            .find(id)
            .filter(mediations::state.eq(MediationState::Agreed.as_str()))
            .filter(mediations::fulfilled_at.is_null()),
    )
    .set(mediations::fulfilled_at.eq(at))
    .execute(conn)?
        == 1)
}

/// Confirms the fulfilment of mediation `id`'s agreement at `at`, once, after it was marked
/// fulfilled; whether it changed.
pub fn confirm(conn: &mut DbConn, id: &str, at: NaiveDateTime) -> Result<bool, StoreError> {
    Ok(diesel::update(
        mediations::table
            .find(id)
            .filter(mediations::state.eq(MediationState::Agreed.as_str()))
            .filter(mediations::fulfilled_at.is_not_null())
            .filter(mediations::confirmed_at.is_null()),
    )
    .set(mediations::confirmed_at.eq(at))
    .execute(conn)?
        == 1)
}

/// The sessions of mediation `id`, in order.
pub fn sessions_of(conn: &mut DbConn, id: &str) -> Result<Vec<Session>, StoreError> {
    Ok(mediation_sessions::table
        .filter(mediation_sessions::mediation_id.eq(id))
        .order(mediation_sessions::seq)
        .select(Session::as_select())
        .load(conn)?)
}

/// Writes a new session.
pub fn insert_session(conn: &mut DbConn, row: &Session) -> Result<(), StoreError> {
    diesel::insert_into(mediation_sessions::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Records what happened at session `id` unless it was recorded; whether it was.
pub fn record_session(
    conn: &mut DbConn,
    id: &str,
    outcome: &str,
    record: &str,
    at: NaiveDateTime,
) -> Result<bool, StoreError> {
    Ok(diesel::update(
        mediation_sessions::table
            .find(id)
            .filter(mediation_sessions::recorded_at.is_null()),
    )
    .set((
        mediation_sessions::outcome.eq(outcome),
        mediation_sessions::record.eq(record),
        mediation_sessions::recorded_at.eq(at),
    ))
    .execute(conn)?
        == 1)
}

/// Sessions not yet recorded of running mediations that start after `from` and by `until`,
/// with their mediation, the earliest first.
pub fn sessions_starting(
    conn: &mut DbConn,
    from: NaiveDateTime,
    until: NaiveDateTime,
) -> Result<Vec<(Session, Mediation)>, StoreError> {
    Ok(mediation_sessions::table
        .inner_join(mediations::table)
        .filter(mediation_sessions::starts_at.gt(from))
        .filter(mediation_sessions::starts_at.le(until))
        .filter(mediation_sessions::recorded_at.is_null())
        .filter(mediations::state.eq_any(open_states()))
        .order((mediation_sessions::starts_at, mediation_sessions::id))
        .select((Session::as_select(), Mediation::as_select()))
        .load(conn)?)
}

/// The mediations of the region with code prefix `prefix` (and those inside it) that ended
/// in an agreement or a failure in `[from, until)` (a withdrawn referral is neither).
pub fn concluded_in(
    conn: &mut DbConn,
    prefix: &str,
    from: NaiveDateTime,
    until: NaiveDateTime,
) -> Result<Vec<Mediation>, StoreError> {
    let ended = [MediationState::Agreed, MediationState::Failed].map(MediationState::as_str);
    Ok(mediations::table
        .filter(crate::in_region!(mediations::region_code, prefix))
        .filter(mediations::concluded_at.ge(from))
        .filter(mediations::concluded_at.lt(until))
        .filter(mediations::state.eq_any(ended))
        .select(Mediation::as_select())
        .load(conn)?)
}

/// How many mediations of the region with code prefix `prefix` were referred in
/// `[from, until)`, by organisation.
pub fn referred_in(
    conn: &mut DbConn,
    prefix: &str,
    from: NaiveDateTime,
    until: NaiveDateTime,
) -> Result<Vec<(String, i64)>, StoreError> {
    Ok(mediations::table
        .filter(crate::in_region!(mediations::region_code, prefix))
        .filter(mediations::referred_at.ge(from))
        .filter(mediations::referred_at.lt(until))
        .group_by(mediations::organisation)
        .select((mediations::organisation, diesel::dsl::count_star()))
        .load(conn)?)
}

/// Removes the texts of dispute `id`'s mediations that may describe the parties (retention,
/// docs/people-data.md#retention): notes, failure reasons, terms, places and records.
pub fn remove_texts(conn: &mut DbConn, id: &str, removed: &str) -> Result<(), StoreError> {
    let ids: Vec<String> = mediations::table
        .filter(mediations::dispute_id.eq(id))
        .select(mediations::id)
        .load(conn)?;
    diesel::update(mediations::table.filter(mediations::dispute_id.eq(id)))
        .set(mediations::note.eq(None::<String>))
        .execute(conn)?;
    diesel::update(
        mediations::table
            .filter(mediations::dispute_id.eq(id))
            .filter(mediations::failure_reason.is_not_null()),
    )
    .set(mediations::failure_reason.eq(removed))
    .execute(conn)?;
    diesel::update(
        mediations::table
            .filter(mediations::dispute_id.eq(id))
            .filter(mediations::terms.is_not_null()),
    )
    .set(mediations::terms.eq(removed))
    .execute(conn)?;
    diesel::update(mediation_sessions::table.filter(mediation_sessions::mediation_id.eq_any(&ids)))
        .set(mediation_sessions::place.eq(removed))
        .execute(conn)?;
    diesel::update(
        mediation_sessions::table
            .filter(mediation_sessions::mediation_id.eq_any(&ids))
            .filter(mediation_sessions::record.is_not_null()),
    )
    .set(mediation_sessions::record.eq(removed))
    .execute(conn)?;
    Ok(())
}

/// The latest escalation of dispute `id`: its id, state and connector.
pub fn escalation_of(
    conn: &mut DbConn,
    id: &str,
) -> Result<Option<(String, String, String)>, StoreError> {
    use super::schema::escalations;
    Ok(escalations::table
        .filter(escalations::dispute_id.eq(id))
        .order((escalations::created_at.desc(), escalations::id.desc()))
        .select((escalations::id, escalations::state, escalations::connector))
        .first(conn)
        .optional()?)
}
