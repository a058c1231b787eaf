//! Text messages (docs/sms.md): the queue that is also the delivery log, and the accounts that
//! asked for none.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::schema::{sms_messages, sms_opt_outs};
use super::{DbConn, StoreError, to_db_time};
use crate::domain::sms::SmsStatus;

/// One text message, queued, sent or given up.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = sms_messages, treat_none_as_default_value = false)]
pub struct SmsRow {
    pub id: String,
    pub user_id: String,
    pub dispute_id: Option<String>,
    pub event: String,
    pub phone_ciphertext: Option<String>,
    pub phone_lookup: String,
    pub phone_masked: String,
    pub template_code: String,
    /// The template's values, a JSON object of strings.
    pub params: String,
    pub body: String,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: NaiveDateTime,
    pub last_error: Option<String>,
    pub provider_id: Option<String>,
    pub leased_by: Option<String>,
    pub leased_until: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
}

/// Queues `rows` in the caller's transaction, in one statement.
pub fn queue(conn: &mut DbConn, rows: &[SmsRow]) -> Result<(), StoreError> {
    if rows.is_empty() {
        return Ok(());
    }
    insert_rows!(conn, sms_messages::table, rows)?;
    Ok(())
}

/// Up to `limit` pending messages due at `now` that no worker holds, leased to `worker` until
/// `until`, oldest first.
pub fn claim_due(
    conn: &mut DbConn,
    worker: &str,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<SmsRow>, StoreError> {
    let now = to_db_time(now);
    let take = (
        sms_messages::leased_by.eq(worker),
        sms_messages::leased_until.eq(to_db_time(until)),
    );
    // The candidates are read under another name: a subquery of the updated table itself
    // would be taken as a correlated one (as `store::jobs::claim_due` does).
    let queue = diesel::alias!(sms_messages as queue);
    let candidates = queue
        .filter(
            queue
                .field(sms_messages::status)
                .eq(SmsStatus::Pending.as_str()),
        )
        .filter(queue.field(sms_messages::next_attempt_at).le(now))
        .filter(
            queue
                .field(sms_messages::leased_until)
                .is_null()
                .or(queue.field(sms_messages::leased_until).lt(now)),
        )
        .order((
            queue.field(sms_messages::next_attempt_at),
            queue.field(sms_messages::id),
        ))
        .select(queue.field(sms_messages::id))
        .limit(limit);
    // One statement: on PostgreSQL it passes over rows another worker is taking (`FOR UPDATE
    // SKIP LOCKED`); SQLite has one writer at a time.
    let mut claimed = match conn {
        DbConn::Pg(pg) => diesel::update(sms_messages::table)
            .filter(sms_messages::id.eq_any(candidates.for_update().skip_locked()))
            .set(take)
            .returning(SmsRow::as_returning())
            .load::<SmsRow>(pg)?,
        DbConn::Sqlite(lite) => diesel::update(sms_messages::table)
            .filter(sms_messages::id.eq_any(candidates))
            .set(take)
            .returning(SmsRow::as_returning())
            .load::<SmsRow>(lite)?,
    };
    claimed.sort_by(|a, b| (a.next_attempt_at, &a.id).cmp(&(b.next_attempt_at, &b.id)));
    Ok(claimed)
}

/// Whether account `user_id` asked for no text messages.
pub fn is_opted_out(conn: &mut DbConn, user_id: &str) -> Result<bool, StoreError> {
    Ok(diesel::select(diesel::dsl::exists(sms_opt_outs::table.find(user_id))).get_result(conn)?)
}

/// Records that account `user_id` wants (`receive`) text messages or not.
pub fn set_receive(
    conn: &mut DbConn,
    user_id: &str,
    receive: bool,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    diesel::delete(sms_opt_outs::table.find(user_id)).execute(conn)?;
    if !receive {
        insert_rows!(
            conn,
            sms_opt_outs::table,
            (
                sms_opt_outs::user_id.eq(user_id),
                sms_opt_outs::opted_out_at.eq(to_db_time(now)),
            )
        )?;
    }
    Ok(())
}

/// Whether a message goes after all.
pub enum Reserved {
    /// It may go: its sending moment is recorded, so other messages to the number count it.
    Go,
    /// The number had its hourly or daily messages; it is logged as `rate_limited`.
    Limited,
    /// The recipient asked for no text messages; it is logged as `opted_out`.
    OptedOut,
}

/// The moments [`reserve`] decides at.
pub struct Window {
    pub now: DateTime<Utc>,
    /// Midnight in Shanghai of `now`'s day: the daily limit counts from there.
    pub day_start: DateTime<Utc>,
    /// The worker holds the message until then: longer than one call to the provider.
    pub held_until: DateTime<Utc>,
}

/// In one transaction under the number's lock: a recipient who opted out gets nothing;
/// otherwise counts what went to `row`'s number in the hour before `window.now` and since its
/// day's start, and within `hourly` and `daily` marks `row` as going (and `worker`'s until
/// `held_until`, so no other worker takes it while the provider answers), else as
/// rate-limited. A message that does not go forgets its number. Nothing when another worker
/// took `row` meanwhile.
pub fn reserve(
    conn: &mut DbConn,
    row: &SmsRow,
    worker: &str,
    window: &Window,
    (hourly, daily): (i64, i64),
) -> Result<Option<Reserved>, StoreError> {
    let (now, day_start) = (window.now, window.day_start);
    super::write_transaction(conn, |conn| {
        super::lock_key(conn, &format!("sms:{}", row.phone_lookup))?;
        let mine = || {
            sms_messages::table
                .find(&row.id)
                .filter(sms_messages::status.eq(SmsStatus::Pending.as_str()))
                .filter(sms_messages::leased_by.eq(worker))
        };
        let stopped = |conn: &mut DbConn, status: SmsStatus| {
            diesel::update(mine())
                .set((
                    sms_messages::status.eq(status.as_str()),
                    sms_messages::phone_ciphertext.eq(None::<String>),
                    sms_messages::leased_by.eq(None::<String>),
                    sms_messages::leased_until.eq(None::<NaiveDateTime>),
                ))
                .execute(conn)
        };
        if is_opted_out(conn, &row.user_id)? {
            let moved = stopped(conn, SmsStatus::OptedOut)?;
            return Ok((moved == 1).then_some(Reserved::OptedOut));
        }
        let sent_since = |conn: &mut DbConn, since: DateTime<Utc>| {
            sms_messages::table
                .filter(sms_messages::phone_lookup.eq(&row.phone_lookup))
                .filter(sms_messages::sent_at.ge(to_db_time(since)))
                .filter(sms_messages::id.ne(&row.id))
                .count()
                .get_result::<i64>(conn)
        };
        let limited = sent_since(conn, now - Duration::hours(1))? >= hourly
            || sent_since(conn, day_start.min(now))? >= daily;
        let moved = if limited {
            stopped(conn, SmsStatus::RateLimited)?
        } else {
            diesel::update(mine())
                .set((
                    sms_messages::sent_at.eq(Some(to_db_time(now))),
                    sms_messages::leased_until.eq(Some(to_db_time(window.held_until))),
                ))
                .execute(conn)?
        };
        Ok::<_, StoreError>((moved == 1).then_some(if limited {
            Reserved::Limited
        } else {
            Reserved::Go
        }))
    })
}

/// How an attempt at a message ended.
#[derive(Debug, Clone)]
pub enum Attempted {
    /// The provider took it, with its id for the message (empty: none, as with the log
    /// provider).
    Sent { provider_id: String },
    /// It failed and is tried again at `retry_at`.
    Retry {
        error: String,
        retry_at: DateTime<Utc>,
    },
    /// Given up: refused by the provider, or still failing at the end.
    Failed { error: String },
}

/// Records what became of message `id` under `worker`'s lease at `now`, in one statement that
/// does nothing when another worker holds it. A final end forgets the number (its masked form
/// stays in the log).
pub fn record(
    conn: &mut DbConn,
    id: &str,
    worker: &str,
    attempted: &Attempted,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let mine = sms_messages::table
        .find(id)
        .filter(sms_messages::status.eq(SmsStatus::Pending.as_str()))
        .filter(sms_messages::leased_by.eq(worker));
    let (status, error, provider_id, next, sent_at) = match attempted {
        Attempted::Sent { provider_id } => (
            SmsStatus::Sent,
            None,
            Some(provider_id.clone()).filter(|id| !id.is_empty()),
            now,
            Some(to_db_time(now)),
        ),
        Attempted::Retry { error, retry_at } => (
            SmsStatus::Pending,
            Some(error.clone()),
            None,
            *retry_at,
            None,
        ),
        Attempted::Failed { error } => (SmsStatus::Failed, Some(error.clone()), None, now, None),
    };
    let moved = (
        sms_messages::status.eq(status.as_str()),
        sms_messages::attempts.eq(sms_messages::attempts + 1),
        sms_messages::next_attempt_at.eq(to_db_time(next)),
        sms_messages::last_error.eq(error),
        sms_messages::provider_id.eq(provider_id),
        sms_messages::sent_at.eq(sent_at),
        sms_messages::leased_by.eq(None::<String>),
        sms_messages::leased_until.eq(None::<NaiveDateTime>),
    );
    if status == SmsStatus::Pending {
        diesel::update(mine).set(moved).execute(conn)?;
    } else {
        diesel::update(mine)
            .set((moved, sms_messages::phone_ciphertext.eq(None::<String>)))
            .execute(conn)?;
    }
    Ok(())
}

/// What the delivery log is filtered by.
#[derive(Debug, Clone, Default)]
pub struct LogFilter {
    /// Any of these states (all when empty).
    pub statuses: Vec<SmsStatus>,
    pub dispute_id: Option<String>,
    pub user_id: Option<String>,
}

/// The delivery log, newest first, after `cursor` (a message id), `limit` + 1 of them.
pub fn list(
    conn: &mut DbConn,
    filter: &LogFilter,
    cursor: Option<&str>,
    limit: i64,
) -> Result<Vec<SmsRow>, StoreError> {
    let mut query = sms_messages::table
        .select(SmsRow::as_select())
        .order(sms_messages::id.desc())
        .limit(limit + 1)
        .into_boxed();
    if !filter.statuses.is_empty() {
        let names: Vec<&str> = filter.statuses.iter().map(|s| s.as_str()).collect();
        query = query.filter(sms_messages::status.eq_any(names));
    }
    if let Some(dispute) = &filter.dispute_id {
        query = query.filter(sms_messages::dispute_id.eq(dispute.clone()));
    }
    if let Some(user) = &filter.user_id {
        query = query.filter(sms_messages::user_id.eq(user.clone()));
    }
    if let Some(cursor) = cursor {
        query = query.filter(sms_messages::id.lt(cursor.to_string()));
    }
    Ok(query.load(conn)?)
}

/// Removes the messages made before `cutoff` that are no longer pending: the log keeps
/// `sms.log_days`. How many went.
pub fn delete_finished_before(
    conn: &mut DbConn,
    cutoff: DateTime<Utc>,
) -> Result<usize, StoreError> {
    Ok(diesel::delete(
        sms_messages::table
            .filter(sms_messages::status.ne(SmsStatus::Pending.as_str()))
            .filter(sms_messages::created_at.lt(to_db_time(cutoff))),
    )
    .execute(conn)?)
}

/// Forgets the numbers of the messages about the disputes of `ids` (they are anonymised): no
/// number, masked form or look-up hash stays in the log.
pub fn forget_numbers(conn: &mut DbConn, ids: &[String]) -> Result<(), StoreError> {
    diesel::update(sms_messages::table.filter(sms_messages::dispute_id.eq_any(ids)))
        .set((
            sms_messages::phone_ciphertext.eq(None::<String>),
            sms_messages::phone_masked.eq("***"),
            sms_messages::phone_lookup.eq(""),
        ))
        .execute(conn)?;
    Ok(())
}
