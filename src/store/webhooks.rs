//! Webhook endpoints, their deliveries and each delivery's attempts (docs/webhooks.md).
//!
//! A delivery is made in the transaction of the event it tells of ([`fan_out`], run just
//! before the commit from what [`super::transaction_state`] gathered), so an event that
//! happened is never lost and one that was rolled back is never sent. A worker sends an
//! endpoint's deliveries under the endpoint's lease, one after another in the order they were
//! made.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::schema::{disputes, webhook_attempts, webhook_deliveries, webhook_endpoints};
use super::transaction_state::recall;
use super::{DbConn, StoreError, new_id, to_db_time};
use crate::domain::webhook::{DeliveryStatus, WebhookData, WebhookEvent, WebhookPayload};

/// A registered endpoint.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = webhook_endpoints, treat_none_as_default_value = false)]
pub struct Endpoint {
    pub id: String,
    pub business_id: String,
    pub url: String,
    /// Comma-separated [`WebhookEvent`] names.
    pub events: String,
    pub description: String,
    /// The signing secret, encrypted (`security::pii`).
    pub secret: String,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub disabled_at: Option<NaiveDateTime>,
    pub deleted_at: Option<NaiveDateTime>,
    /// When the delivery holding back the others is tried again.
    pub retry_at: Option<NaiveDateTime>,
    pub leased_by: Option<String>,
    pub leased_until: Option<NaiveDateTime>,
}

impl Endpoint {
    /// The events the endpoint chose (names the set no longer knows are skipped).
    pub fn chosen(&self) -> Vec<WebhookEvent> {
        self.events
            .split(',')
            .filter_map(|name| WebhookEvent::parse(name.trim()))
            .collect()
    }

    /// Whether the endpoint receives `event` (a ping always).
    pub fn receives(&self, event: WebhookEvent) -> bool {
        event == WebhookEvent::Ping || self.chosen().contains(&event)
    }
}

/// One event to be sent to one endpoint.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = webhook_deliveries, treat_none_as_default_value = false)]
pub struct Delivery {
    pub id: String,
    pub endpoint_id: String,
    pub event_id: String,
    pub event_type: String,
    pub dispute_id: Option<String>,
    pub payload: String,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: NaiveDateTime,
    pub last_attempt_at: Option<NaiveDateTime>,
    pub last_status_code: Option<i64>,
    pub last_error: Option<String>,
    pub delivered_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

/// One attempt at a delivery.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = webhook_attempts, treat_none_as_default_value = false)]
pub struct Attempt {
    pub id: String,
    pub delivery_id: String,
    pub attempted_at: NaiveDateTime,
    pub status_code: Option<i64>,
    pub error: Option<String>,
    pub duration_ms: i64,
}

/// An event of a dispute that endpoints may have chosen, gathered by its transaction
/// ([`super::transaction_state`]) and fanned out to them just before it commits.
#[derive(Debug, Clone)]
pub struct DisputeWebhook {
    pub event: WebhookEvent,
    pub dispute_id: String,
    pub occurred_at: DateTime<Utc>,
    /// What the payload's `data` says besides the dispute's id and case number.
    pub data: WebhookData,
}

impl DisputeWebhook {
    /// The payload: the event's id and type, when it happened, the business, and `data` with
    /// the dispute's id and case number.
    fn payload(&self, event_id: &str, business_id: &str, case_number: &str) -> String {
        serialized(&WebhookPayload {
            id: event_id.into(),
            event_type: self.event,
            created_at: self.occurred_at,
            business_id: business_id.into(),
            data: WebhookData {
                dispute_id: Some(self.dispute_id.clone()),
                case_number: Some(case_number.into()),
                ..self.data.clone()
            },
        })
    }
}

/// `payload` as sent.
fn serialized(payload: &WebhookPayload) -> String {
    // Strings, numbers and maps of JSON values: serialising cannot fail.
    serde_json::to_string(payload).unwrap_or_default()
}

/// Adds `events`: gathered in a write transaction open on `conn`, fanned out at once outside
/// one. Those of a dispute whose business is known to have no endpoint ([`none_to_tell`]) are
/// dropped here, so a filing's gathered rows keep the shape its one statement takes
/// (docs/architecture.md#statements-per-write).
pub fn raise(conn: &mut DbConn, mut events: Vec<DisputeWebhook>) -> Result<(), StoreError> {
    events.retain(|e| recall::<bool>(conn, NONE_TO_TELL, &e.dispute_id).is_none());
    if events.is_empty() {
        return Ok(());
    }
    super::transaction_state::add(conn, events)
}

/// Makes a delivery of each of `events` for every endpoint of the dispute's business that chose
/// it (a paused one too: its events wait for it), one read of the endpoints for all the events,
/// one insert. A deleted endpoint stays as a row, so an event recorded while it is deleted
/// never finds it gone.
pub fn fan_out(conn: &mut DbConn, events: &[DisputeWebhook]) -> Result<(), StoreError> {
    let mut ids: Vec<&str> = (events.iter())
        .filter(|e| recall::<bool>(conn, NONE_TO_TELL, &e.dispute_id).is_none())
        .map(|e| e.dispute_id.as_str())
        .collect();
    if ids.is_empty() {
        return Ok(());
    }
    ids.sort_unstable();
    ids.dedup();
    let targets: Vec<(String, String, String, String, String)> = webhook_endpoints::table
        .inner_join(disputes::table.on(disputes::business_id.eq(webhook_endpoints::business_id)))
        .filter(disputes::id.eq_any(&ids))
        .filter(webhook_endpoints::deleted_at.is_null())
        .select((
            disputes::id,
            disputes::case_number,
            webhook_endpoints::business_id,
            webhook_endpoints::id,
            webhook_endpoints::events,
        ))
        .order(webhook_endpoints::id)
        .load(conn)?;
    if targets.is_empty() {
        return Ok(());
    }
    let mut rows = Vec::new();
    for event in events {
        let event_id = new_id();
        let mut payload = None;
        for (dispute_id, case_number, business_id, endpoint_id, chosen) in &targets {
            if *dispute_id != event.dispute_id
                || !chosen.split(',').any(|name| name == event.event.as_str())
            {
                continue;
            }
            let body = payload
                .get_or_insert_with(|| event.payload(&event_id, business_id, case_number))
                .clone();
            rows.push(new_delivery(
                endpoint_id,
                &event_id,
                event.event,
                Some(&event.dispute_id),
                body,
                event.occurred_at,
            ));
        }
    }
    for chunk in rows.chunks(500) {
        insert_slice!(conn, webhook_deliveries::table, chunk)?;
    }
    Ok(())
}

/// What the write transaction remembers for a dispute whose business has no endpoint.
const NONE_TO_TELL: &str = "webhooks: no endpoint";

/// Tells the write transaction open on `conn` that the business of dispute `dispute_id` has no
/// endpoint, as read in the statement that read its unit (`super::disputes::unit_for_filing`):
/// [`fan_out`] then does not look for one, a round trip less for a filing. An endpoint added
/// meanwhile is not told of this dispute's events in the transaction, as it would not be had it
/// been added a moment after it committed.
pub fn none_to_tell(conn: &DbConn, dispute_id: &str) {
    super::transaction_state::remember(conn, NONE_TO_TELL, dispute_id, true);
}

/// A pending delivery, due at once.
fn new_delivery(
    endpoint_id: &str,
    event_id: &str,
    event: WebhookEvent,
    dispute_id: Option<&str>,
    payload: String,
    at: DateTime<Utc>,
) -> Delivery {
    Delivery {
        id: new_id(),
        endpoint_id: endpoint_id.into(),
        event_id: event_id.into(),
        event_type: event.as_str().into(),
        dispute_id: dispute_id.map(str::to_string),
        payload,
        status: DeliveryStatus::Pending.as_str().into(),
        attempts: 0,
        next_attempt_at: to_db_time(at),
        last_attempt_at: None,
        last_status_code: None,
        last_error: None,
        delivered_at: None,
        created_at: to_db_time(at),
    }
}

/// Queues a `ping` to endpoint `endpoint` of `business_id`, due at once.
pub fn queue_ping(
    conn: &mut DbConn,
    endpoint: &Endpoint,
    now: DateTime<Utc>,
) -> Result<Delivery, StoreError> {
    let event_id = new_id();
    let payload = serialized(&WebhookPayload {
        id: event_id.clone(),
        event_type: WebhookEvent::Ping,
        created_at: now,
        business_id: endpoint.business_id.clone(),
        data: WebhookData {
            endpoint_id: Some(endpoint.id.clone()),
            ..WebhookData::default()
        },
    });
    let row = new_delivery(
        &endpoint.id,
        &event_id,
        WebhookEvent::Ping,
        None,
        payload,
        now,
    );
    insert_rows!(conn, webhook_deliveries::table, &row)?;
    Ok(row)
}

/// Whether endpoint `endpoint_id` holds a delivery still waiting to be sent: of the event
/// `event_id`, or of a ping when none is given. Sending by hand waits for it, so an owner's
/// clicks cannot fill the endpoint's queue.
pub fn is_waiting(
    conn: &mut DbConn,
    endpoint_id: &str,
    event_id: Option<&str>,
) -> Result<bool, StoreError> {
    let mut query = webhook_deliveries::table
        .filter(webhook_deliveries::endpoint_id.eq(endpoint_id))
        .filter(webhook_deliveries::status.eq(DeliveryStatus::Pending.as_str()))
        .select(webhook_deliveries::id)
        .into_boxed();
    query = match event_id {
        Some(event) => query.filter(webhook_deliveries::event_id.eq(event.to_string())),
        None => query.filter(webhook_deliveries::event_type.eq(WebhookEvent::Ping.as_str())),
    };
    Ok(query.first::<String>(conn).optional()?.is_some())
}

/// Queues delivery `original`'s event again, as a new delivery after those already queued
/// (the receiver knows it by the event's id).
pub fn queue_again(
    conn: &mut DbConn,
    original: &Delivery,
    now: DateTime<Utc>,
) -> Result<Delivery, StoreError> {
    let event = WebhookEvent::parse(&original.event_type)
        .ok_or_else(|| StoreError::Corrupt(format!("webhook event `{}`", original.event_type)))?;
    let row = new_delivery(
        &original.endpoint_id,
        &original.event_id,
        event,
        original.dispute_id.as_deref(),
        original.payload.clone(),
        now,
    );
    insert_rows!(conn, webhook_deliveries::table, &row)?;
    Ok(row)
}

/// Adds an endpoint.
pub fn insert_endpoint(conn: &mut DbConn, endpoint: &Endpoint) -> Result<(), StoreError> {
    insert_rows!(conn, webhook_endpoints::table, endpoint)?;
    Ok(())
}

/// The endpoints of `business_id`, oldest first.
pub fn list_endpoints(conn: &mut DbConn, business_id: &str) -> Result<Vec<Endpoint>, StoreError> {
    Ok(webhook_endpoints::table
        .filter(webhook_endpoints::business_id.eq(business_id))
        .filter(webhook_endpoints::deleted_at.is_null())
        .order((webhook_endpoints::created_at, webhook_endpoints::id))
        .select(Endpoint::as_select())
        .load(conn)?)
}

/// Endpoint `id`, unless it does not exist or was deleted.
pub fn find_endpoint(conn: &mut DbConn, id: &str) -> Result<Option<Endpoint>, StoreError> {
    Ok(webhook_endpoints::table
        .find(id)
        .filter(webhook_endpoints::deleted_at.is_null())
        .select(Endpoint::as_select())
        .first(conn)
        .optional()?)
}

/// What an endpoint's owner changes.
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = webhook_endpoints, treat_none_as_null = true)]
pub struct EndpointChange {
    pub url: String,
    pub events: String,
    pub description: String,
    pub disabled_at: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
}

/// Saves `change` to endpoint `id`.
pub fn update_endpoint(
    conn: &mut DbConn,
    id: &str,
    change: &EndpointChange,
) -> Result<(), StoreError> {
    diesel::update(webhook_endpoints::table.find(id))
        .set(change)
        .execute(conn)?;
    Ok(())
}

/// Replaces endpoint `id`'s (encrypted) secret.
pub fn set_secret(
    conn: &mut DbConn,
    id: &str,
    secret: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    diesel::update(webhook_endpoints::table.find(id))
        .set((
            webhook_endpoints::secret.eq(secret),
            webhook_endpoints::updated_at.eq(to_db_time(now)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Deletes endpoint `id`: its deliveries and their attempts go, the row stays marked deleted
/// (see [`fan_out`]).
pub fn delete_endpoint(conn: &mut DbConn, id: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
    let deliveries = webhook_deliveries::table
        .filter(webhook_deliveries::endpoint_id.eq(id))
        .select(webhook_deliveries::id);
    diesel::delete(
        webhook_attempts::table.filter(webhook_attempts::delivery_id.eq_any(deliveries)),
    )
    .execute(conn)?;
    diesel::delete(webhook_deliveries::table.filter(webhook_deliveries::endpoint_id.eq(id)))
        .execute(conn)?;
    diesel::update(webhook_endpoints::table.find(id))
        .set((
            webhook_endpoints::deleted_at.eq(Some(to_db_time(now))),
            webhook_endpoints::disabled_at.eq(Some(to_db_time(now))),
        ))
        .execute(conn)?;
    Ok(())
}

/// Removes the delivered and failed deliveries (with their attempts) last touched before
/// `cutoff`: the delivery log keeps `webhooks.log_days`. How many went.
pub fn delete_finished_before(
    conn: &mut DbConn,
    cutoff: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let finished = || {
        webhook_deliveries::table
            .filter(webhook_deliveries::status.ne(DeliveryStatus::Pending.as_str()))
            .filter(webhook_deliveries::next_attempt_at.lt(to_db_time(cutoff)))
    };
    diesel::delete(
        webhook_attempts::table.filter(
            webhook_attempts::delivery_id.eq_any(finished().select(webhook_deliveries::id)),
        ),
    )
    .execute(conn)?;
    Ok(diesel::delete(finished()).execute(conn)?)
}

/// How many pending deliveries of each endpoint of `ids` have failed at least once (are being
/// retried).
pub fn retrying(conn: &mut DbConn, ids: &[String]) -> Result<HashMap<String, i64>, StoreError> {
    let rows: Vec<(String, i64)> = webhook_deliveries::table
        .filter(webhook_deliveries::endpoint_id.eq_any(ids))
        .filter(webhook_deliveries::status.eq(DeliveryStatus::Pending.as_str()))
        .filter(webhook_deliveries::attempts.gt(0))
        .group_by(webhook_deliveries::endpoint_id)
        .select((webhook_deliveries::endpoint_id, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

/// How many deliveries of each endpoint of `ids` stand in each status.
pub fn counts_by_status(
    conn: &mut DbConn,
    ids: &[String],
) -> Result<HashMap<String, BTreeMap<String, i64>>, StoreError> {
    let rows: Vec<(String, String, i64)> = webhook_deliveries::table
        .filter(webhook_deliveries::endpoint_id.eq_any(ids))
        .group_by((webhook_deliveries::endpoint_id, webhook_deliveries::status))
        .select((
            webhook_deliveries::endpoint_id,
            webhook_deliveries::status,
            diesel::dsl::count_star(),
        ))
        .load(conn)?;
    let mut counts: HashMap<String, BTreeMap<String, i64>> = HashMap::new();
    for (endpoint, status, n) in rows {
        counts.entry(endpoint).or_default().insert(status, n);
    }
    Ok(counts)
}

/// Endpoint `endpoint_id`'s deliveries, newest first, after `cursor` (a delivery id),
/// `limit` + 1 of them; only those in `status` when given.
pub fn list_deliveries(
    conn: &mut DbConn,
    endpoint_id: &str,
    status: Option<DeliveryStatus>,
    cursor: Option<&str>,
    limit: i64,
) -> Result<Vec<Delivery>, StoreError> {
    let mut query = webhook_deliveries::table
        .filter(webhook_deliveries::endpoint_id.eq(endpoint_id))
        .select(Delivery::as_select())
        .order(webhook_deliveries::id.desc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(status) = status {
        query = query.filter(webhook_deliveries::status.eq(status.as_str()));
    }
    if let Some(cursor) = cursor {
        query = query.filter(webhook_deliveries::id.lt(cursor.to_string()));
    }
    Ok(query.load(conn)?)
}

/// Delivery `id`, if it exists.
pub fn find_delivery(conn: &mut DbConn, id: &str) -> Result<Option<Delivery>, StoreError> {
    Ok(webhook_deliveries::table
        .find(id)
        .select(Delivery::as_select())
        .first(conn)
        .optional()?)
}

/// Delivery `id`'s attempts, oldest first.
pub fn attempts_of(conn: &mut DbConn, id: &str) -> Result<Vec<Attempt>, StoreError> {
    Ok(webhook_attempts::table
        .filter(webhook_attempts::delivery_id.eq(id))
        .order((webhook_attempts::attempted_at, webhook_attempts::id))
        .select(Attempt::as_select())
        .load(conn)?)
}

/// Up to `limit` enabled endpoints with a delivery due at `now`, none held back by a failed
/// one waiting for its retry, and no worker's lease on them.
pub fn due_endpoints(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<String>, StoreError> {
    let at = to_db_time(now);
    let due = webhook_deliveries::table
        .filter(webhook_deliveries::status.eq(DeliveryStatus::Pending.as_str()))
        .filter(webhook_deliveries::next_attempt_at.le(at))
        .select(webhook_deliveries::endpoint_id);
    Ok(webhook_endpoints::table
        .filter(webhook_endpoints::id.eq_any(due))
        .filter(webhook_endpoints::disabled_at.is_null())
        .filter(
            webhook_endpoints::retry_at
                .is_null()
                .or(webhook_endpoints::retry_at.le(at)),
        )
        .filter(
            webhook_endpoints::leased_until
                .is_null()
                .or(webhook_endpoints::leased_until.lt(at)),
        )
        .select(webhook_endpoints::id)
        .order(webhook_endpoints::id)
        .limit(limit)
        .load(conn)?)
}

/// Takes endpoint `id` for `worker` until `until` if no other worker's lease holds it at
/// `now`; whether it was taken.
pub fn lease_endpoint(
    conn: &mut DbConn,
    id: &str,
    worker: &str,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let taken = diesel::update(
        webhook_endpoints::table.find(id).filter(
            webhook_endpoints::leased_until
                .is_null()
                .or(webhook_endpoints::leased_until.lt(to_db_time(now))),
        ),
    )
    .set((
        webhook_endpoints::leased_by.eq(worker),
        webhook_endpoints::leased_until.eq(to_db_time(until)),
    ))
    .execute(conn)?;
    Ok(taken == 1)
}

/// Extends `worker`'s lease on endpoint `id` to `until` and reads the endpoint again (its
/// address or secret may have changed): `None` when the lease was lost to another worker or
/// the endpoint was paused or deleted meanwhile.
pub fn renew_lease(
    conn: &mut DbConn,
    id: &str,
    worker: &str,
    until: DateTime<Utc>,
) -> Result<Option<Endpoint>, StoreError> {
    let held = diesel::update(
        webhook_endpoints::table
            .find(id)
            .filter(webhook_endpoints::leased_by.eq(worker)),
    )
    .set(webhook_endpoints::leased_until.eq(to_db_time(until)))
    .execute(conn)?;
    if held == 0 {
        return Ok(None);
    }
    Ok(find_endpoint(conn, id)?.filter(|e| e.disabled_at.is_none()))
}

/// Gives endpoint `id` back if `worker` still holds it.
pub fn release_endpoint(conn: &mut DbConn, id: &str, worker: &str) -> Result<(), StoreError> {
    diesel::update(
        webhook_endpoints::table
            .find(id)
            .filter(webhook_endpoints::leased_by.eq(worker)),
    )
    .set((
        webhook_endpoints::leased_by.eq(None::<String>),
        webhook_endpoints::leased_until.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)?;
    Ok(())
}

/// Up to `limit` pending deliveries of endpoint `id`, in the order they were made.
pub fn pending_of(conn: &mut DbConn, id: &str, limit: i64) -> Result<Vec<Delivery>, StoreError> {
    Ok(webhook_deliveries::table
        .filter(webhook_deliveries::endpoint_id.eq(id))
        .filter(webhook_deliveries::status.eq(DeliveryStatus::Pending.as_str()))
        .order(webhook_deliveries::id)
        .limit(limit)
        .select(Delivery::as_select())
        .load(conn)?)
}

/// How an attempt ended.
#[derive(Debug, Clone)]
pub struct AttemptOutcome {
    pub at: DateTime<Utc>,
    pub status_code: Option<i64>,
    /// Why it failed; `None` when delivered.
    pub error: Option<String>,
    pub duration_ms: i64,
    /// When to try again after a failure; `None` gives the delivery up.
    pub retry_at: Option<DateTime<Utc>>,
}

/// Logs an attempt at `delivery` and moves it on: delivered, due again (holding back the
/// endpoint's later deliveries until then), or failed; whether it was recorded (not when the
/// delivery moved on meanwhile, under another worker after a lost lease).
pub fn record_attempt(
    conn: &mut DbConn,
    delivery: &Delivery,
    outcome: &AttemptOutcome,
) -> Result<bool, StoreError> {
    super::write_transaction(conn, |conn| {
        let at = to_db_time(outcome.at);
        let (state, next) = match (&outcome.error, outcome.retry_at) {
            (None, _) => (DeliveryStatus::Delivered, at),
            (Some(_), Some(retry)) => (DeliveryStatus::Pending, to_db_time(retry)),
            (Some(_), None) => (DeliveryStatus::Failed, at),
        };
        let moved = diesel::update(
            webhook_deliveries::table
                .find(&delivery.id)
                .filter(webhook_deliveries::status.eq(DeliveryStatus::Pending.as_str()))
                .filter(webhook_deliveries::attempts.eq(delivery.attempts)),
        )
        .set((
            webhook_deliveries::status.eq(state.as_str()),
            webhook_deliveries::attempts.eq(webhook_deliveries::attempts + 1),
            webhook_deliveries::next_attempt_at.eq(next),
            webhook_deliveries::last_attempt_at.eq(Some(at)),
            webhook_deliveries::last_status_code.eq(outcome.status_code),
            webhook_deliveries::last_error.eq(outcome.error.clone()),
            webhook_deliveries::delivered_at.eq(outcome.error.is_none().then_some(at)),
        ))
        .execute(conn)?;
        if moved == 0 {
            return Ok::<_, StoreError>(false);
        }
        insert_rows!(
            conn,
            webhook_attempts::table,
            &Attempt {
                id: new_id(),
                delivery_id: delivery.id.clone(),
                attempted_at: at,
                status_code: outcome.status_code,
                error: outcome.error.clone(),
                duration_ms: outcome.duration_ms,
            }
        )?;
        let retry_at = (state == DeliveryStatus::Pending).then_some(next);
        diesel::update(webhook_endpoints::table.find(&delivery.endpoint_id))
            .set(webhook_endpoints::retry_at.eq(retry_at))
            .execute(conn)?;
        Ok(true)
    })
}
