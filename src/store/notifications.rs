//! In-app notifications per user, and stored responses for `Idempotency-Key` retries.

use crate::domain::notification::NotificationKind;
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::schema::{idempotency_keys, notifications};
use super::{DbConn, StoreError, new_id, to_db_time};

/// A notification shown in the app.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = notifications, treat_none_as_default_value = false)]
pub struct Notification {
    pub id: String,
    pub user_id: String,
    pub dispute_id: Option<String>,
    pub kind: String,
    pub message: String,
    pub read_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    /// The notice in Chinese and in English (`message` is the account's language's).
    pub message_zh: Option<String>,
    pub message_en: Option<String>,
}

/// Adds a notification for `user_id`.
pub fn notify(
    conn: &mut DbConn,
    user_id: &str,
    dispute_id: Option<&str>,
    kind: NotificationKind,
    message: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    notify_all(
        conn,
        vec![Notification::new(user_id, dispute_id, kind, message, now)],
    )
}

impl Notification {
    /// A new unread notification for `user_id`.
    pub fn new(
        user_id: &str,
        dispute_id: Option<&str>,
        kind: NotificationKind,
        message: &str,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id: new_id(),
            user_id: user_id.into(),
            dispute_id: dispute_id.map(str::to_string),
            kind: kind.as_str().into(),
            message: message.into(),
            read_at: None,
            created_at: to_db_time(now),
            message_zh: None,
            message_en: None,
        }
    }

    /// The notification with its text in Chinese and in English, for pages in either.
    pub fn in_both(mut self, zh: String, en: String) -> Self {
        self.message_zh = Some(zh);
        self.message_en = Some(en);
        self
    }
}

/// Adds several notifications in one statement: inside a write transaction with the
/// transaction's others, just before the commit ([`super::transaction_state`]).
pub fn notify_all(conn: &mut DbConn, rows: Vec<Notification>) -> Result<(), StoreError> {
    super::transaction_state::add(conn, rows)
}

/// A user's notifications, newest first.
pub fn list_for_user(
    conn: &mut DbConn,
    user_id: &str,
    unread_only: bool,
    limit: i64,
) -> Result<Vec<Notification>, StoreError> {
    let mut query = notifications::table
        .filter(notifications::user_id.eq(user_id))
        .order((notifications::created_at.desc(), notifications::id.desc()))
        .limit(limit)
        .select(Notification::as_select())
        .into_boxed();
    if unread_only {
        query = query.filter(notifications::read_at.is_null());
    }
    Ok(query.load(conn)?)
}

/// How many of the user's notifications are unread, counted up to `cap` (from the partial
/// index of unread notifications: a page's header asks on every page).
pub fn count_unread(conn: &mut DbConn, user_id: &str, cap: i64) -> Result<i64, StoreError> {
    let unread: Vec<String> = notifications::table
        .filter(notifications::user_id.eq(user_id))
        .filter(notifications::read_at.is_null())
        .select(notifications::id)
        .limit(cap)
        .load(conn)?;
    Ok(unread.len() as i64)
}

/// Marks every unread notification of the user read; how many.
pub fn mark_all_read(
    conn: &mut DbConn,
    user_id: &str,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    Ok(diesel::update(
        notifications::table
            .filter(notifications::user_id.eq(user_id))
            .filter(notifications::read_at.is_null()),
    )
    .set(notifications::read_at.eq(Some(to_db_time(now))))
    .execute(conn)?)
}

/// Marks one of the user's notifications read; `false` when it is not theirs.
pub fn mark_read(
    conn: &mut DbConn,
    user_id: &str,
    id: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let changed = diesel::update(
        notifications::table
            .filter(notifications::id.eq(id))
            .filter(notifications::user_id.eq(user_id)),
    )
    .set(notifications::read_at.eq(Some(to_db_time(now))))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Claims the right to send the reminder `key`: `true` the first time, `false` once sent. Run
/// it in the transaction that sends, so a failed send releases the key.
pub fn claim_reminder(
    conn: &mut DbConn,
    key: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    use super::schema::sent_reminders;
    let exists = sent_reminders::table
        .find(key)
        .count()
        .get_result::<i64>(conn)?
        > 0;
    if exists {
        return Ok(false);
    }
    match diesel::insert_into(sent_reminders::table)
        .values((
            sent_reminders::key.eq(key),
            sent_reminders::sent_at.eq(to_db_time(now)),
        ))
        .execute(conn)
    {
        Ok(_) => Ok(true),
        Err(e) => match StoreError::from(e) {
            StoreError::Conflict(_) => Ok(false),
            other => Err(other),
        },
    }
}

/// A stored response for a retried request.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = idempotency_keys)]
pub struct StoredResponse {
    pub request_hash: String,
    pub status_code: i64,
    pub response_body: String,
}

/// The response stored under (`user_id`, `key`).
pub fn find_response(
    conn: &mut DbConn,
    user_id: &str,
    key: &str,
) -> Result<Option<StoredResponse>, StoreError> {
    Ok(idempotency_keys::table
        .find((user_id, key))
        .select(StoredResponse::as_select())
        .first(conn)
        .optional()?)
}

/// Claims (`user_id`, `key`) for a request with body hash `request_hash`; a second claim of the
/// same key is a [`StoreError::Conflict`] (on PostgreSQL it waits until the first claim's
/// transaction ends). The response is saved with [`save_response`] in the same transaction.
/// The claim runs in a savepoint, so the caller's transaction goes on after a refused claim.
pub fn claim_key(
    conn: &mut DbConn,
    user_id: &str,
    key: &str,
    request_hash: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    conn.transaction(|conn| {
        diesel::insert_into(idempotency_keys::table)
            .values((
                idempotency_keys::user_id.eq(user_id),
                idempotency_keys::key.eq(key),
                idempotency_keys::request_hash.eq(request_hash),
                idempotency_keys::status_code.eq(0_i64),
                idempotency_keys::response_body.eq(""),
                idempotency_keys::created_at.eq(to_db_time(now)),
            ))
            .execute(conn)?;
        Ok(())
    })
}

/// Stores the response of the request that claimed (`user_id`, `key`).
pub fn save_response(
    conn: &mut DbConn,
    user_id: &str,
    key: &str,
    status_code: u16,
    body: &str,
) -> Result<(), StoreError> {
    diesel::update(idempotency_keys::table.find((user_id, key)))
        .set((
            idempotency_keys::status_code.eq(i64::from(status_code)),
            idempotency_keys::response_body.eq(body),
        ))
        .execute(conn)?;
    Ok(())
}
