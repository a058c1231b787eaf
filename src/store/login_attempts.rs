//! Login attempts, counted per account and client address for rate limiting. Kept in the
//! database so the limit holds across nodes and tests can move the clock. Only failures count
//! (README, "Limits"): an attempt is recorded as a failure before its password is checked and
//! turned into a success when it matches, so a burst of parallel guesses is counted whole.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::schema::login_attempts;
use super::{DbConn, StoreError, new_id, to_db_time};

/// Records one attempt as failed; returns its id for [`mark_succeeded`].
pub fn record_failure(
    conn: &mut DbConn,
    account_key: &str,
    client_ip: &str,
    now: DateTime<Utc>,
) -> Result<String, StoreError> {
    let id = new_id();
    diesel::insert_into(login_attempts::table)
        .values((
            login_attempts::id.eq(&id),
            login_attempts::account_key.eq(account_key),
            login_attempts::client_ip.eq(client_ip),
            login_attempts::succeeded.eq(false),
            login_attempts::attempted_at.eq(to_db_time(now)),
        ))
        .execute(conn)?;
    Ok(id)
}

/// Turns attempt `id` into a success: the password matched.
pub fn mark_succeeded(conn: &mut DbConn, id: &str) -> Result<(), StoreError> {
    diesel::update(login_attempts::table.find(id))
        .set(login_attempts::succeeded.eq(true))
        .execute(conn)?;
    Ok(())
}

/// Failed attempts on `account_key` from `client_ip` since `since` and after that address's
/// last success on the account.
pub fn recent_failures(
    conn: &mut DbConn,
    account_key: &str,
    client_ip: &str,
    since: DateTime<Utc>,
) -> Result<i64, StoreError> {
    let last_success = login_attempts::table
        .filter(login_attempts::account_key.eq(account_key))
        .filter(login_attempts::client_ip.eq(client_ip))
        .filter(login_attempts::succeeded.eq(true))
        .select(diesel::dsl::max(login_attempts::attempted_at))
        .first::<Option<chrono::NaiveDateTime>>(conn)?;
    let from = last_success.map_or(to_db_time(since), |s| s.max(to_db_time(since)));
    Ok(login_attempts::table
        .filter(login_attempts::account_key.eq(account_key))
        .filter(login_attempts::client_ip.eq(client_ip))
        .filter(login_attempts::succeeded.eq(false))
        .filter(login_attempts::attempted_at.gt(from))
        .count()
        .get_result(conn)?)
}

/// Failed attempts from `client_ip`, on any accounts, since `since`.
pub fn recent_failures_from_ip(
    conn: &mut DbConn,
    client_ip: &str,
    since: DateTime<Utc>,
) -> Result<i64, StoreError> {
    Ok(login_attempts::table
        .filter(login_attempts::client_ip.eq(client_ip))
        .filter(login_attempts::succeeded.eq(false))
        .filter(login_attempts::attempted_at.gt(to_db_time(since)))
        .count()
        .get_result(conn)?)
}
