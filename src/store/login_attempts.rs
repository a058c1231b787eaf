//! Login attempts, counted per account and per client address for rate limiting. Kept in
//! the database so the limit holds across nodes and tests can move the clock.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::schema::login_attempts;
use super::{DbConn, StoreError, new_id, to_db_time};

/// Records one attempt.
pub fn record_attempt(
    conn: &mut DbConn,
    account_key: &str,
    client_ip: &str,
    succeeded: bool,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    diesel::insert_into(login_attempts::table)
        .values((
            login_attempts::id.eq(new_id()),
            login_attempts::account_key.eq(account_key),
            login_attempts::client_ip.eq(client_ip),
            login_attempts::succeeded.eq(succeeded),
            login_attempts::attempted_at.eq(to_db_time(now)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Failed attempts on `account_key` since `since` and after its last success.
pub fn recent_failures_for_account(
    conn: &mut DbConn,
    account_key: &str,
    since: DateTime<Utc>,
) -> Result<i64, StoreError> {
    let last_success = login_attempts::table
        .filter(login_attempts::account_key.eq(account_key))
        .filter(login_attempts::succeeded.eq(true))
        .select(diesel::dsl::max(login_attempts::attempted_at))
        .first::<Option<chrono::NaiveDateTime>>(conn)?;
    let from = last_success.map_or(to_db_time(since), |s| s.max(to_db_time(since)));
    Ok(login_attempts::table
        .filter(login_attempts::account_key.eq(account_key))
        .filter(login_attempts::succeeded.eq(false))
        .filter(login_attempts::attempted_at.gt(from))
        .count()
        .get_result(conn)?)
}

/// All attempts from `client_ip` since `since`.
pub fn recent_attempts_from_ip(
    conn: &mut DbConn,
    client_ip: &str,
    since: DateTime<Utc>,
) -> Result<i64, StoreError> {
    Ok(login_attempts::table
        .filter(login_attempts::client_ip.eq(client_ip))
        .filter(login_attempts::attempted_at.gt(to_db_time(since)))
        .count()
        .get_result(conn)?)
}
