//! Disputes, their claims and timelines, the scoped inbox listings and counts.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::businesses::Business;
use super::schema::{
    businesses, case_counters, dispute_claims, dispute_events, disputes, escalations, odr_units,
    open_purchases, users,
};
use super::units::OdrUnit;
use super::{DbConn, StoreError, new_id, to_db_time};
use crate::domain::dispute::{Status, TimelineKind};

/// A stored dispute (the process state; the claim is in [`Claim`]).
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = disputes, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct Dispute {
    pub id: String,
    pub case_number: String,
    pub consumer_id: String,
    pub unit_id: String,
    pub business_id: String,
    pub region_code: String,
    pub industry_code: String,
    pub policy: String,
    pub status: String,
    pub paused_from: Option<String>,
    pub paused_at: Option<NaiveDateTime>,
    pub paused_working_days: i64,
    pub pending_extension_party: Option<String>,
    pub pending_extension_days: Option<i64>,
    pub pending_pause_party: Option<String>,
    pub extension_days: i64,
    pub extension_used: bool,
    pub filed_at: NaiveDateTime,
    pub first_contacted_at: Option<NaiveDateTime>,
    pub first_contact_due_at: NaiveDateTime,
    pub settlement_due_at: NaiveDateTime,
    pub due_provisional: bool,
    pub fulfilled_at: Option<NaiveDateTime>,
    pub concluded_at: Option<NaiveDateTime>,
    pub rating: Option<i64>,
    pub rating_comment: Option<String>,
    pub rated_at: Option<NaiveDateTime>,
    pub version: i64,
    pub updated_at: NaiveDateTime,
    /// When the missed first contact was flagged (and the staff reminded).
    pub first_contact_lapsed_at: Option<NaiveDateTime>,
    /// When the retention job removed the personal data.
    pub anonymised_at: Option<NaiveDateTime>,
    /// When the business's handling ended: agreement, withdrawal, decline, escalation or
    /// rejection (docs/metrics.md#handling).
    pub handling_ended_at: Option<NaiveDateTime>,
}

/// What the consumer claims.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = dispute_claims, treat_none_as_default_value = false)]
pub struct Claim {
    pub dispute_id: String,
    pub category: String,
    pub item_kind: String,
    pub item_name: String,
    pub vin: Option<String>,
    pub purchase_date: NaiveDate,
    pub amount_paid_fen: i64,
    pub amount_claimed_fen: i64,
    /// Comma-separated remedy names.
    pub remedies: String,
    pub description: String,
    pub contact_consent: bool,
}

/// One timeline entry.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = dispute_events, treat_none_as_default_value = false)]
pub struct TimelineEvent {
    pub id: String,
    pub dispute_id: String,
    pub kind: String,
    pub actor_id: Option<String>,
    pub actor_role: String,
    pub from_status: String,
    pub to_status: String,
    /// JSON object with event details.
    pub detail: String,
    pub created_at: NaiveDateTime,
}

diesel::define_sql_function! {
    /// PostgreSQL's `nextval` (a statement diesel keeps prepared, unlike raw SQL).
    fn nextval(sequence: diesel::sql_types::Text) -> diesel::sql_types::BigInt;
}

diesel::define_sql_function! {
    /// SQL `substr`, the `length` characters from `start` (1 is the first): the same on both
    /// backends.
    fn substr(
        text: diesel::sql_types::Text,
        start: diesel::sql_types::Integer,
        length: diesel::sql_types::Integer,
    ) -> diesel::sql_types::Text;
}

/// What a filing reads of its unit, in one statement on PostgreSQL.
#[derive(Debug)]
pub struct FilingUnit {
    pub unit: OdrUnit,
    pub business: Business,
    /// The sequence part of the new dispute's case number.
    pub sequence: i64,
    /// How many deadline policies are stored (`crate::deadlines::PolicyCache`): PostgreSQL only.
    pub policies: Option<i64>,
    /// How many endpoints the business has for its webhooks (`super::webhooks::fan_out`):
    /// PostgreSQL only.
    pub webhook_endpoints: Option<i64>,
}

/// Unit `unit_id` with its business, as a filing against it reads them, and the sequence part
/// of the new dispute's case number: that of scope `case:{year}:{region}` with the business's
/// region.
///
/// Backend-specific, as [`insert_dispute`] is. PostgreSQL takes the number from a sequence, in the
/// statement that reads the unit, with the number of stored policies and of the business's
/// webhook endpoints: three round trips less for every filing
/// (docs/architecture.md#statements-per-write). A counter row would serialise concurrent
/// filings on its lock until each commit; numbers then run across scopes with gaps (a refused
/// filing uses one too). SQLite writes one transaction at a time, so a counter row per scope
/// costs nothing there and numbers run without gaps; its statements are calls inside the
/// process, so the policies and endpoints are read where they are needed.
pub fn unit_for_filing(
    conn: &mut DbConn,
    unit_id: &str,
    year: &str,
) -> Result<Option<FilingUnit>, StoreError> {
    use super::schema::{deadline_policies, webhook_endpoints};
    let found = match conn {
        DbConn::Pg(pg) => {
            // The unit again, by another name: diesel checks a subquery's columns against the
            // outer query's tables.
            let again = diesel::alias!(odr_units as filing_unit);
            let unit_business = again
                .filter(again.field(odr_units::id).eq(unit_id))
                .select(again.field(odr_units::business_id));
            let endpoints = webhook_endpoints::table
                .filter(webhook_endpoints::business_id.eq_any(unit_business))
                .filter(webhook_endpoints::deleted_at.is_null())
                .count()
                .single_value();
            odr_units::table
                .inner_join(businesses::table)
                .filter(odr_units::id.eq(unit_id))
                .select((
                    OdrUnit::as_select(),
                    Business::as_select(),
                    nextval("case_number_seq"),
                    deadline_policies::table.count().single_value(),
                    endpoints,
                ))
                .first::<(OdrUnit, Business, i64, Option<i64>, Option<i64>)>(pg)
                .optional()?
                .map(
                    |(unit, business, sequence, policies, webhook_endpoints)| FilingUnit {
                        unit,
                        business,
                        sequence,
                        policies: Some(policies.unwrap_or(0)),
                        webhook_endpoints: Some(webhook_endpoints.unwrap_or(0)),
                    },
                )
        }
        DbConn::Sqlite(_) => match super::units::find_unit(conn, unit_id)? {
            Some((unit, business)) => {
                let scope = format!("case:{year}:{}", business.region_code);
                let sequence = next_counter(conn, &scope)?;
                Some(FilingUnit {
                    unit,
                    business,
                    sequence,
                    policies: None,
                    webhook_endpoints: None,
                })
            }
            None => None,
        },
    };
    Ok(found)
}

/// `n` case-number sequence parts for `scope` at once, from the same source as
/// [`unit_for_filing`] (for generated history).
pub fn reserve_case_sequences(
    conn: &mut DbConn,
    scope: &str,
    n: i64,
) -> Result<Vec<i64>, StoreError> {
    #[derive(QueryableByName)]
    struct Next {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        value: i64,
    }
    match conn {
        DbConn::Pg(pg) => Ok(diesel::sql_query(
            "SELECT nextval('case_number_seq') AS value FROM generate_series(1, $1)",
        )
        .bind::<diesel::sql_types::BigInt, _>(n)
        .load::<Next>(pg)?
        .into_iter()
        .map(|x| x.value)
        .collect()),
        DbConn::Sqlite(_) => {
            let updated = diesel::update(case_counters::table.find(scope))
                .set(case_counters::value.eq(case_counters::value + n))
                .execute(conn)?;
            if updated == 0 {
                diesel::insert_into(case_counters::table)
                    .values((case_counters::scope.eq(scope), case_counters::value.eq(n)))
                    .execute(conn)?;
            }
            let last: i64 = case_counters::table
                .find(scope)
                .select(case_counters::value)
                .first(conn)?;
            Ok((last - n + 1..=last).collect())
        }
    }
}

fn next_counter(conn: &mut DbConn, scope: &str) -> Result<i64, StoreError> {
    let updated = diesel::update(case_counters::table.find(scope))
        .set(case_counters::value.eq(case_counters::value + 1))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(case_counters::table)
            .values((case_counters::scope.eq(scope), case_counters::value.eq(1)))
            .execute(conn)?;
        return Ok(1);
    }
    Ok(case_counters::table
        .find(scope)
        .select(case_counters::value)
        .first(conn)?)
}

/// Inserts a dispute with its claim and the key of its purchase; returns false, and leaves
/// nothing written, when the purchase has an open dispute already (a concurrent filing of it
/// waits for that one's transaction to end first). No error is raised, so the transaction goes
/// on and can look the other dispute up. In a [`super::write_at_once`] that has gathered just
/// the filing's rows, they go in the same statement, alone ([`insert_filing_alone`]): then
/// nothing may be gathered after it.
pub fn insert_dispute(
    conn: &mut DbConn,
    dispute: &Dispute,
    claim: &Claim,
) -> Result<bool, StoreError> {
    let key = purchase_key(
        &dispute.consumer_id,
        &dispute.unit_id,
        claim.purchase_date,
        &claim.item_name,
    );
    if let Some(rows) = super::transaction_state::take_filing_alone(conn) {
        return insert_filing_alone(conn, dispute, claim, &key, rows);
    }
    let purchase = (
        open_purchases::purchase_key.eq(key),
        open_purchases::dispute_id.eq(&dispute.id),
    );
    super::transaction_state::begin_if_deferred(conn)?;
    let taken = match conn {
        // One round trip (docs/architecture.md#statements-per-write).
        DbConn::Pg(pg) => super::together::Together {
            with: (
                diesel::insert_into(disputes::table).values(dispute),
                diesel::insert_into(dispute_claims::table).values(claim),
            ),
            last: diesel::insert_into(open_purchases::table)
                .values(purchase)
                .on_conflict_do_nothing(),
        }
        .execute(pg)?,
        DbConn::Sqlite(_) => {
            diesel::insert_into(disputes::table)
                .values(dispute)
                .execute(conn)?;
            diesel::insert_into(dispute_claims::table)
                .values(claim)
                .execute(conn)?;
            insert_unless_taken!(conn, open_purchases::table, purchase)?
        }
    };
    if taken == 1 {
        return Ok(true);
    }
    diesel::delete(dispute_claims::table.find(&dispute.id)).execute(conn)?;
    diesel::delete(disputes::table.find(&dispute.id)).execute(conn)?;
    Ok(false)
}

/// [`insert_dispute`] with the rows its filing gathered, in one statement without a
/// transaction around it (`super::write_at_once`): all of it is written, or, when the purchase
/// has an open dispute already, none of it (the purchase key's insert fails, and the statement
/// with it).
fn insert_filing_alone(
    conn: &mut DbConn,
    dispute: &Dispute,
    claim: &Claim,
    purchase_key: &str,
    (event, entry, job): (TimelineEvent, super::audit::NewEntry, super::jobs::JobRow),
) -> Result<bool, StoreError> {
    use super::schema::{audit_log, jobs};
    let DbConn::Pg(pg) = conn else {
        return Err(StoreError::Corrupt(
            "a filing is written alone only on PostgreSQL".into(),
        ));
    };
    let written = super::together::Together {
        with: (
            diesel::insert_into(disputes::table).values(dispute),
            diesel::insert_into(dispute_claims::table).values(claim),
            diesel::insert_into(dispute_events::table).values(&event),
            diesel::insert_into(audit_log::table).values(&entry),
            diesel::insert_into(jobs::table).values(&job),
        ),
        last: diesel::insert_into(open_purchases::table).values((
            open_purchases::purchase_key.eq(purchase_key),
            open_purchases::dispute_id.eq(&dispute.id),
        )),
    }
    .execute(pg);
    match written {
        Ok(_) => Ok(true),
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            info,
        )) if info.table_name() == Some("open_purchases") => Ok(false),
        Err(error) => Err(error.into()),
    }
}

/// One dispute with its claim.
pub fn find_dispute(conn: &mut DbConn, id: &str) -> Result<Option<(Dispute, Claim)>, StoreError> {
    Ok(disputes::table
        .inner_join(dispute_claims::table)
        .filter(disputes::id.eq(id))
        .select((Dispute::as_select(), Claim::as_select()))
        .first(conn)
        .optional()?)
}

/// Disputes `ids`, those that exist, by id, in one statement.
pub fn find_disputes(
    conn: &mut DbConn,
    ids: &[String],
) -> Result<std::collections::HashMap<String, Dispute>, StoreError> {
    Ok(disputes::table
        .filter(disputes::id.eq_any(ids))
        .select(Dispute::as_select())
        .load::<Dispute>(conn)?
        .into_iter()
        .map(|d| (d.id.clone(), d))
        .collect())
}

/// Dispute `id` with its claim, its consumer's account and its business.
pub type DisputeWithParties = (
    Dispute,
    Claim,
    super::users::User,
    super::businesses::Business,
);

/// Dispute `id` with its claim and both parties in one statement: what its page shows first.
pub fn find_dispute_with_parties(
    conn: &mut DbConn,
    id: &str,
) -> Result<Option<DisputeWithParties>, StoreError> {
    Ok(super::case_file::disputes_with_parties(conn, &[id.to_string()])?.remove(id))
}

/// Locks dispute `id`'s row until the transaction ends, so checks made after it (how many
/// evidence files it holds) stay true until the transaction writes. On SQLite the write
/// transaction (`BEGIN IMMEDIATE`, see [`super::write_transaction`]) holds the database's one
/// write lock already.
pub fn lock_dispute(conn: &mut DbConn, id: &str) -> Result<(), StoreError> {
    if let DbConn::Pg(pg) = conn {
        disputes::table
            .find(id)
            .select(disputes::id)
            .for_update()
            .first::<String>(pg)
            .optional()?;
    }
    Ok(())
}

/// The key of the purchase a dispute is about: the consumer, the unit, the purchase date and
/// the item's name (as stored: trimmed). At most one open dispute has a key (the unique index
/// `disputes_open_purchase_idx`, docs/lifecycle.md#one-open-dispute-per-purchase).
pub fn purchase_key(
    consumer_id: &str,
    unit_id: &str,
    purchase_date: NaiveDate,
    item_name: &str,
) -> String {
    format!(
        "{consumer_id}|{unit_id}|{purchase_date}|{}",
        item_name.trim()
    )
}

/// The open dispute (id and case number) with purchase key `key`, if any.
pub fn find_open_duplicate(
    conn: &mut DbConn,
    key: &str,
    open_statuses: &[&str],
) -> Result<Option<(String, String)>, StoreError> {
    Ok(open_purchases::table
        .inner_join(disputes::table)
        .filter(open_purchases::purchase_key.eq(key))
        .filter(disputes::status.eq_any(open_statuses))
        .select((disputes::id, disputes::case_number))
        .first(conn)
        .optional()?)
}

/// Saves a changed dispute if nobody changed it since `expected_version` was read; returns
/// whether it was saved. The version goes up by one.
pub fn save_dispute(
    conn: &mut DbConn,
    dispute: &Dispute,
    expected_version: i64,
) -> Result<bool, StoreError> {
    if super::transaction_state::defer_save(conn, dispute, expected_version)? {
        return Ok(true);
    }
    let changed = diesel::update(
        disputes::table
            .filter(disputes::id.eq(&dispute.id))
            .filter(disputes::version.eq(expected_version)),
    )
    .set(dispute)
    .execute(conn)?;
    Ok(changed == 1)
}

/// Every column of [`Dispute`] but its id, each set from the row given: naming a field
/// `Dispute` lacks, or leaving out one it has, fails to compile.
macro_rules! every_column_but_id {
    ($($column:ident),* $(,)?) => {{
        #[expect(dead_code, reason = "checks at compile time that every field is named")]
        fn every_field(dispute: Dispute) {
            let Dispute { id: _, $($column: _),* } = dispute;
        }
        ($(disputes::$column.eq(diesel::upsert::excluded(disputes::$column)),)*)
    }};
}

/// Saves `saved` in one statement, each over the version before its own (the disputes of a
/// sweep batch, held by it: [`super::transaction_state::defer_saves`]); how many were saved.
/// On PostgreSQL an insert that finds each row there and updates it (diesel's one multi-row
/// update); on SQLite one update each.
pub(crate) fn save_disputes(conn: &mut DbConn, saved: &[Dispute]) -> Result<usize, StoreError> {
    if saved.is_empty() {
        return Ok(0);
    }
    let changes = every_column_but_id!(
        case_number,
        consumer_id,
        unit_id,
        business_id,
        region_code,
        industry_code,
        policy,
        status,
        paused_from,
        paused_at,
        paused_working_days,
        pending_extension_party,
        pending_extension_days,
        pending_pause_party,
        extension_days,
        extension_used,
        filed_at,
        first_contacted_at,
        first_contact_due_at,
        settlement_due_at,
        due_provisional,
        fulfilled_at,
        concluded_at,
        rating,
        rating_comment,
        rated_at,
        version,
        updated_at,
        first_contact_lapsed_at,
        anonymised_at,
        handling_ended_at,
    );
    match conn {
        DbConn::Pg(pg) => {
            use diesel::query_dsl::methods::FilterDsl;
            Ok(diesel::insert_into(disputes::table)
                .values(saved)
                .on_conflict(disputes::id)
                .do_update()
                .set(changes)
                .filter((disputes::version + 1).eq(diesel::upsert::excluded(disputes::version)))
                .execute(pg)?)
        }
        // Diesel writes no multi-row upsert for SQLite, where a statement costs no round trip.
        DbConn::Sqlite(lite) => {
            let mut changed = 0;
            for dispute in saved {
                changed += diesel::update(
                    disputes::table
                        .filter(disputes::id.eq(&dispute.id))
                        .filter(disputes::version.eq(dispute.version - 1)),
                )
                .set(dispute)
                .execute(lite)?;
            }
            Ok(changed)
        }
    }
}

/// A dispute concluded in the write transaction under way: its open offers are withdrawn and
/// its purchase is freed (the consumer may file about it again), for every dispute concluded
/// in the transaction at once when it commits ([`super::transaction_state`]): a sweep batch's
/// hundred escalations cost two or three statements, not two hundred.
#[derive(Debug, Clone)]
pub struct Concluded {
    dispute_id: String,
    at: NaiveDateTime,
}

/// Records that dispute `dispute_id`, saved as concluded at `at`, closes its open offers and
/// frees its purchase ([`Concluded`]); at once outside a write transaction.
pub fn conclude(conn: &mut DbConn, dispute_id: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
    super::transaction_state::add(
        conn,
        vec![Concluded {
            dispute_id: dispute_id.into(),
            at: to_db_time(at),
        }],
    )
}

impl Concluded {
    /// Withdraws the open offers of `concluded`, one statement per moment, and frees their
    /// purchases in one.
    pub(crate) fn apply(conn: &mut DbConn, concluded: &[Self]) -> Result<(), StoreError> {
        use super::schema::offers;
        use crate::domain::offer::OfferStatus;
        let mut by_moment: std::collections::BTreeMap<NaiveDateTime, Vec<&str>> =
            std::collections::BTreeMap::new();
        for c in concluded {
            by_moment.entry(c.at).or_default().push(&c.dispute_id);
        }
        for (at, ids) in by_moment {
            diesel::update(
                offers::table
                    .filter(offers::dispute_id.eq_any(ids))
                    .filter(offers::status.eq(OfferStatus::Open.as_str())),
            )
            .set((
                offers::status.eq(OfferStatus::Withdrawn.as_str()),
                offers::responded_at.eq(Some(at)),
            ))
            .execute(conn)?;
        }
        let ids: Vec<&str> = concluded.iter().map(|c| c.dispute_id.as_str()).collect();
        diesel::delete(open_purchases::table.filter(open_purchases::dispute_id.eq_any(ids)))
            .execute(conn)?;
        Ok(())
    }
}

/// Appends a timeline entry to dispute `dispute_id` of region `region_code`, with its audit
/// entry; in a write transaction both are inserted when it commits
/// ([`super::transaction_state`]).
#[expect(
    clippy::too_many_arguments,
    reason = "one flat call per timeline entry reads best at the call sites"
)]
pub fn append_event(
    conn: &mut DbConn,
    dispute_id: &str,
    region_code: &str,
    kind: TimelineKind,
    actor: Option<(&str, &str)>,
    from_status: &str,
    to_status: &str,
    detail: &serde_json::Value,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let row = TimelineEvent {
        id: new_id(),
        dispute_id: dispute_id.into(),
        kind: kind.as_str().into(),
        actor_id: actor.map(|(id, _)| id.to_string()),
        actor_role: actor.map_or("system", |(_, role)| role).into(),
        from_status: from_status.into(),
        to_status: to_status.into(),
        detail: detail.to_string(),
        created_at: to_db_time(at),
    };
    // The audit entry points at the timeline entry; free text stays on the timeline, where
    // retention can anonymise it without breaking the chain.
    super::audit::append_audit(
        conn,
        &super::audit::Audit {
            actor_id: row.actor_id.as_deref(),
            actor_role: &row.actor_role,
            action: &format!("dispute.{kind}"),
            object_type: "dispute",
            object_id: dispute_id,
            region_code: Some(region_code),
            details: &serde_json::json!({
                "event_id": row.id, "from_status": from_status, "to_status": to_status,
            }),
        },
        at,
    )?;
    super::webhooks::raise(conn, dispute_webhooks(&row, at))?;
    super::transaction_state::add(conn, vec![row])
}

/// The webhook events timeline entry `row` raises (docs/webhooks.md#events), with what their
/// payloads say: the entry's kind and actor, the status reached and left, and the detail's
/// ids, amounts and due moments.
fn dispute_webhooks(
    row: &TimelineEvent,
    at: DateTime<Utc>,
) -> Vec<super::webhooks::DisputeWebhook> {
    use crate::domain::webhook::{DETAIL_KEYS, WebhookData, WebhookEvent};
    let (Ok(kind), from, to) = (
        row.kind.parse::<TimelineKind>(),
        Status::parse(&row.from_status),
        Status::parse(&row.to_status),
    ) else {
        return Vec::new();
    };
    let raised = WebhookEvent::raised_by(kind, from, to);
    if raised.is_empty() {
        return Vec::new();
    }
    let detail: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&row.detail).unwrap_or_default();
    let data = WebhookData {
        timeline_kind: Some(kind),
        actor_role: row.actor_role.parse().ok(),
        status: to,
        previous_status: from,
        detail: detail
            .into_iter()
            .filter(|(key, _)| DETAIL_KEYS.contains(&key.as_str()))
            .collect(),
        ..WebhookData::default()
    };
    raised
        .into_iter()
        .map(|event| super::webhooks::DisputeWebhook {
            event,
            dispute_id: row.dispute_id.clone(),
            occurred_at: at,
            data: data.clone(),
        })
        .collect()
}

/// The category and comma-separated remedies of dispute `id`'s claim (`NotFound` if none).
pub fn claim_category_and_remedies(
    conn: &mut DbConn,
    id: &str,
) -> Result<(String, String), StoreError> {
    Ok(dispute_claims::table
        .find(id)
        .select((dispute_claims::category, dispute_claims::remedies))
        .first(conn)?)
}

/// The case numbers of the disputes `ids` that exist, by id (500 ids per query).
pub fn case_numbers(
    conn: &mut DbConn,
    ids: &[String],
) -> Result<std::collections::HashMap<String, String>, StoreError> {
    let mut cases = std::collections::HashMap::new();
    for chunk in ids.chunks(500) {
        cases.extend(
            disputes::table
                .filter(disputes::id.eq_any(chunk))
                .select((disputes::id, disputes::case_number))
                .load::<(String, String)>(conn)?,
        );
    }
    Ok(cases)
}

/// Every dispute whose due dates are provisional, whatever its status.
pub fn provisional_disputes(conn: &mut DbConn) -> Result<Vec<Dispute>, StoreError> {
    Ok(disputes::table
        .filter(disputes::due_provisional.eq(true))
        .select(Dispute::as_select())
        .load(conn)?)
}

/// Which disputes a listing may show.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DisputeScope {
    Consumer(String),
    Business(String),
    /// Region code prefix of the units' regions.
    RegionPrefix(String),
    /// Businesses of an association (counts only).
    Association(String),
}

/// Sort order of an inbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DisputeSort {
    /// Nearest settlement due date first.
    Due,
    /// Newest first.
    Filed,
}

/// Filters and keyset paging of a listing.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DisputeFilter {
    pub statuses: Vec<String>,
    pub due_before: Option<DateTime<Utc>>,
    /// Only disputes still awaiting first contact past its due moment.
    pub first_contact_overdue_at: Option<DateTime<Utc>>,
    /// Only disputes awaiting settlement past its due moment.
    pub overdue_at: Option<DateTime<Utc>>,
    /// Only disputes with these businesses (none: every business of the scope).
    pub business_ids: Vec<String>,
    /// Only disputes in these regions, by the code prefix each shares with everything inside
    /// it: a province's 2 digits, a city's 4, a district's 6 (none: the whole scope).
    pub region_prefixes: Vec<String>,
    /// Only disputes of businesses of these industries (none: every industry).
    pub industry_codes: Vec<String>,
    pub sort: DisputeSort,
    /// (sort key, id) of the last row of the previous page.
    pub after: Option<(NaiveDateTime, String)>,
    pub limit: i64,
}

/// Restricts a boxed query on `disputes` to a scope (shared by listings and counts); a query
/// that joins `businesses` already names the association's members by `association_id`.
macro_rules! apply_scope {
    ($query:expr, $scope:expr) => {
        apply_scope!($query, $scope, |id| disputes::business_id.eq_any(
            businesses::table
                .filter(businesses::association_id.eq(id.clone()))
                .select(businesses::id),
        ))
    };
    ($query:expr, $scope:expr, |$id:ident| $members:expr) => {
        match $scope {
            DisputeScope::Consumer(id) => $query.filter(disputes::consumer_id.eq(id.clone())),
            DisputeScope::Business(id) => $query.filter(disputes::business_id.eq(id.clone())),
            DisputeScope::RegionPrefix(prefix) => {
                $query.filter(crate::in_region!(disputes::region_code, prefix))
            }
            DisputeScope::Association($id) => $query.filter($members),
        }
    };
}

/// What a listing shows of a dispute, with its business's and consumer's names.
#[derive(Debug, Clone, Queryable)]
pub struct ListedDispute {
    pub id: String,
    pub case_number: String,
    pub status: String,
    pub business_id: String,
    pub business_name: String,
    pub consumer_name: String,
    pub category: String,
    pub item_name: String,
    pub amount_claimed_fen: i64,
    pub filed_at: NaiveDateTime,
    pub first_contacted_at: Option<NaiveDateTime>,
    pub first_contact_due_at: NaiveDateTime,
    pub settlement_due_at: NaiveDateTime,
}

/// The statuses not concluded ([`Status::is_open`]), as written in the predicate of the
/// partial index `disputes_business_open_due_idx` (migration
/// `2026-12-05-000005_open_inbox_and_unread_indexes`).
const OPEN_STATUSES_SQL: &str = "disputes.status IN ('filed', 'negotiating', 'paused', 'settled')";

/// Whether `statuses` are exactly the ones not concluded.
fn is_open_set(statuses: &[String]) -> bool {
    let mut open: Vec<&str> = Status::ALL
        .iter()
        .filter(|s| s.is_open())
        .map(|s| s.as_str())
        .collect();
    let mut named: Vec<&str> = statuses.iter().map(String::as_str).collect();
    open.sort_unstable();
    named.sort_unstable();
    named.dedup();
    named == open
}

/// Disputes in `scope` matching `filter`, in one statement.
pub fn list_disputes(
    conn: &mut DbConn,
    scope: &DisputeScope,
    filter: &DisputeFilter,
) -> Result<Vec<ListedDispute>, StoreError> {
    let mut query = disputes::table
        .inner_join(dispute_claims::table)
        .inner_join(businesses::table)
        .inner_join(users::table)
        .select((
            disputes::id,
            disputes::case_number,
            disputes::status,
            disputes::business_id,
            businesses::name,
            users::display_name,
            dispute_claims::category,
            dispute_claims::item_name,
            dispute_claims::amount_claimed_fen,
            disputes::filed_at,
            disputes::first_contacted_at,
            disputes::first_contact_due_at,
            disputes::settlement_due_at,
        ))
        .limit(filter.limit)
        .into_boxed();
    query = apply_scope!(query, scope, |id| businesses::association_id.eq(id.clone()));
    if is_open_set(&filter.statuses) {
        // Written out, so that a business's inbox reads the partial index of its open
        // disputes in due order instead of walking past every concluded one.
        query = query.filter(diesel::dsl::sql::<diesel::sql_types::Bool>(
            OPEN_STATUSES_SQL,
        ));
    } else if !filter.statuses.is_empty() {
        query = query.filter(disputes::status.eq_any(filter.statuses.clone()));
    }
    if let Some(before) = filter.due_before {
        query = query.filter(disputes::settlement_due_at.lt(to_db_time(before)));
    }
    if !filter.business_ids.is_empty() {
        query = query.filter(disputes::business_id.eq_any(filter.business_ids.clone()));
    }
    if !filter.region_prefixes.is_empty() {
        let of_length = |n: usize| -> Vec<String> {
            (filter.region_prefixes.iter())
                .filter(|prefix| prefix.len() == n)
                .cloned()
                .collect()
        };
        // The range from the first prefix to the end of the last, which the region index
        // serves (one prefix: exactly its regions), then each code against the prefixes.
        let bounds = (filter.region_prefixes.iter())
            .map(|prefix| crate::domain::region::prefix_bounds(prefix));
        let low = bounds.clone().map(|(low, _)| low).min().unwrap_or_default();
        let high = bounds.map(|(_, high)| high).max().unwrap_or_default();
        query = query
            .filter(disputes::region_code.ge(low))
            .filter(disputes::region_code.lt(high))
            .filter(
                substr(disputes::region_code, 1, 2)
                    .eq_any(of_length(2))
                    .or(substr(disputes::region_code, 1, 4).eq_any(of_length(4)))
                    .or(disputes::region_code.eq_any(of_length(6))),
            );
    }
    if !filter.industry_codes.is_empty() {
        query = query.filter(disputes::industry_code.eq_any(filter.industry_codes.clone()));
    }
    if let Some(now) = filter.first_contact_overdue_at {
        query = query
            .filter(disputes::first_contacted_at.is_null())
            .filter(disputes::status.eq(Status::Filed.as_str()))
            .filter(disputes::first_contact_due_at.lt(to_db_time(now)));
    }
    if let Some(now) = filter.overdue_at {
        query = query
            .filter(disputes::status.eq_any(Status::awaiting_settlement_names()))
            .filter(disputes::settlement_due_at.lt(to_db_time(now)));
    }
    query = match (filter.sort, &filter.after) {
        (DisputeSort::Due, None) => query.order((disputes::settlement_due_at, disputes::id)),
        (DisputeSort::Due, Some((at, id))) => query
            .filter(
                disputes::settlement_due_at
                    .gt(*at)
                    .or(disputes::settlement_due_at
                        .eq(*at)
                        .and(disputes::id.gt(id.clone()))),
            )
            .order((disputes::settlement_due_at, disputes::id)),
        (DisputeSort::Filed, None) => query.order((disputes::filed_at.desc(), disputes::id.desc())),
        (DisputeSort::Filed, Some((at, id))) => query
            .filter(
                disputes::filed_at
                    .lt(*at)
                    .or(disputes::filed_at.eq(*at).and(disputes::id.lt(id.clone()))),
            )
            .order((disputes::filed_at.desc(), disputes::id.desc())),
    };
    Ok(query.load(conn)?)
}

/// Number of disputes per status in `scope`.
pub fn count_by_status(
    conn: &mut DbConn,
    scope: &DisputeScope,
) -> Result<Vec<(String, i64)>, StoreError> {
    let query = disputes::table
        .group_by(disputes::status)
        .select((disputes::status, diesel::dsl::count_star()))
        .into_boxed();
    let query = apply_scope!(query, scope);
    Ok(query.load(conn)?)
}

/// The region code of the dispute an escalation belongs to, if the escalation exists.
pub fn region_of_escalation(
    conn: &mut DbConn,
    escalation_id: &str,
) -> Result<Option<(String, String)>, StoreError> {
    Ok(escalations::table
        .inner_join(disputes::table)
        .filter(escalations::id.eq(escalation_id))
        .select((disputes::region_code, disputes::id))
        .first(conn)
        .optional()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_written_out_open_statuses_are_the_domain_s() {
        let mut open: Vec<String> = Status::ALL
            .iter()
            .filter(|s| s.is_open())
            .map(|s| format!("'{}'", s.as_str()))
            .collect();
        open.sort();
        assert_eq!(
            OPEN_STATUSES_SQL,
            format!("disputes.status IN ({})", open.join(", "))
        );
        let names = |n: &[&str]| n.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(is_open_set(&names(&[
            "settled",
            "filed",
            "paused",
            "negotiating"
        ])));
        assert!(!is_open_set(&names(&["filed", "negotiating"])));
        assert!(!is_open_set(&[]));
    }
}
