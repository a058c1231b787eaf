//! Rotating refresh tokens. Each login starts a family; each refresh uses one token and
//! issues its successor in the same family. Presenting a used token revokes the family.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::schema::refresh_tokens;
use super::{DbConn, StoreError, new_id, to_db_time};

/// A stored refresh token (hash only).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = refresh_tokens)]
pub struct RefreshToken {
    pub id: String,
    pub user_id: String,
    pub family_id: String,
    pub token_hash: String,
    pub issued_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

/// Stores a new token of `family_id`.
pub fn insert_refresh_token(
    conn: &mut DbConn,
    user_id: &str,
    family_id: &str,
    token_hash: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let row = RefreshToken {
        id: new_id(),
        user_id: user_id.into(),
        family_id: family_id.into(),
        token_hash: token_hash.into(),
        issued_at: to_db_time(now),
        expires_at: to_db_time(expires_at),
        used_at: None,
        revoked_at: None,
    };
    diesel::insert_into(refresh_tokens::table)
        .values(&row)
        .execute(conn)?;
    Ok(())
}

/// The token stored under `token_hash`.
pub fn find_refresh_token(
    conn: &mut DbConn,
    token_hash: &str,
) -> Result<Option<RefreshToken>, StoreError> {
    Ok(refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(token_hash))
        .select(RefreshToken::as_select())
        .first(conn)
        .optional()?)
}

/// Marks a token used if it was not yet; `false` means someone used it first.
pub fn mark_used(conn: &mut DbConn, id: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
    let changed = diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::id.eq(id))
            .filter(refresh_tokens::used_at.is_null()),
    )
    .set(refresh_tokens::used_at.eq(to_db_time(now)))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Revokes every token of a family that is not revoked yet.
pub fn revoke_family(
    conn: &mut DbConn,
    family_id: &str,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let revoked = diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::family_id.eq(family_id))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(to_db_time(now)))
    .execute(conn)?;
    super::users::forget_live_sessions(conn, family_id);
    Ok(revoked)
}

/// Ends every session of `user_id` (password changed, account deactivated).
pub fn revoke_user(
    conn: &mut DbConn,
    user_id: &str,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let revoked = diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::user_id.eq(user_id))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(to_db_time(now)))
    .execute(conn)?;
    super::users::forget_live_sessions(conn, user_id);
    Ok(revoked)
}

/// Locks token `id`'s row until the transaction ends (PostgreSQL; SQLite's write transaction
/// holds the database's write lock already), so that two presentations of it are judged one
/// after the other.
pub fn lock_token(conn: &mut DbConn, id: &str) -> Result<(), StoreError> {
    if let DbConn::Pg(pg) = conn {
        refresh_tokens::table
            .find(id)
            .select(refresh_tokens::id)
            .for_update()
            .first::<String>(pg)
            .optional()?;
    }
    Ok(())
}

/// Tokens of `family_id` other than `except` issued at or after `since`.
pub fn issued_since(
    conn: &mut DbConn,
    family_id: &str,
    except: &str,
    since: NaiveDateTime,
) -> Result<i64, StoreError> {
    Ok(refresh_tokens::table
        .filter(refresh_tokens::family_id.eq(family_id))
        .filter(refresh_tokens::id.ne(except))
        .filter(refresh_tokens::issued_at.ge(since))
        .count()
        .get_result(conn)?)
}
