//! Accounts and their sessions once they exist (docs/api.md#authentication,
//! docs/people-data.md#data-export): failed password checks counted per account and address,
//! refresh tokens rotated in the transaction that checks them, password replacement,
//! activation and deactivation, and the audited export of one's own data. Shared by the API
//! and the portal; each write runs in one transaction.

use chrono::{DateTime, Duration, Utc};

use crate::config::SecuritySettings;
use crate::domain::access::Actor;
use crate::domain::calendar::Calendar;
use crate::error::{ApiError, ErrorCode};
use crate::security::pii::PiiCipher;
use crate::store::audit::record_action;
use crate::store::disputes::{DisputeFilter, DisputeScope, DisputeSort, list_disputes};
use crate::store::notifications::Notification;
use crate::store::users::{User, find_user};
use crate::store::{
    DbConn, StoreError, lock_key, login_attempts, refresh_tokens, write_transaction,
};

/// Maps a unique violation on an account insert to a 409 naming the taken field.
pub fn account_conflict(error: StoreError) -> ApiError {
    match error {
        StoreError::Conflict(what) if what.contains("phone") => ApiError::new(
            ErrorCode::PhoneTaken,
            "An account with this phone number already exists.",
        ),
        StoreError::Conflict(what) if what.contains("email") => ApiError::new(
            ErrorCode::EmailTaken,
            "An account with this email address already exists.",
        ),
        other => other.into(),
    }
}

/// Checks the limits on failed password checks for account `key` from address `ip` and
/// records this attempt as a failure, in one transaction per account (parallel guesses cannot
/// pass the limit together); returns the attempt's id, to be marked succeeded once the
/// password matches. Logins and password changes (keyed by account id) share the per-address
/// count; each keeps its own per-account count.
pub fn start_attempt(
    conn: &mut DbConn,
    security: &SecuritySettings,
    ip: &str,
    key: &str,
    now: DateTime<Utc>,
) -> Result<String, ApiError> {
    let window_start = now - Duration::seconds(security.login_window_secs);
    let retry_after = u64::try_from(security.login_window_secs).unwrap_or(900);
    write_transaction(conn, |conn| {
        // The address first, then the account: always in this order.
        lock_key(conn, &format!("address:{ip}"))?;
        lock_key(conn, key)?;
        if login_attempts::recent_failures_from_ip(conn, ip, window_start)?
            >= security.login_max_failures_per_address
        {
            return Err(ApiError::too_many_requests(
                ErrorCode::TooManyLoginAttemptsFromAddress,
                "Too many failed logins from your address; try again later.",
                retry_after,
            ));
        }
        if login_attempts::recent_failures(conn, key, ip, window_start)?
            >= security.login_max_failures_per_account
        {
            return Err(ApiError::too_many_requests(
                ErrorCode::TooManyLoginAttempts,
                "Too many failed logins for this account from your address; try again later.",
                retry_after,
            ));
        }
        Ok::<_, ApiError>(login_attempts::record_failure(conn, key, ip, now)?)
    })
}

/// Outcome of checking a presented refresh token, decided in one transaction.
#[derive(Debug)]
pub enum RefreshCheck {
    /// The token was good: the account and the session (family) it continues.
    Valid { user: Box<User>, family: String },
    /// The token was refused, with the answer to give; what the check wrote (a used token's
    /// family revoked) stays.
    Refused(ApiError),
}

/// Checks the refresh token with hash `token_hash` and marks it used; when it is valid, stores
/// its replacement (hash `replacement_hash`, expiring at `replacement_expires_at`) in the same
/// transaction, so a request waiting on the old token's row counts it (only one second use
/// within `grace_secs`). Returns the outcome of the check.
pub fn rotate_refresh_token(
    conn: &mut DbConn,
    token_hash: &str,
    grace_secs: i64,
    replacement_hash: &str,
    replacement_expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<RefreshCheck, StoreError> {
    write_transaction(conn, |conn| {
        let check = check_refresh(conn, token_hash, now, grace_secs)?;
        if let RefreshCheck::Valid { user, family } = &check {
            refresh_tokens::insert_refresh_token(
                conn,
                &user.id,
                family,
                replacement_hash,
                now,
                replacement_expires_at,
            )?;
        }
        Ok::<_, StoreError>(check)
    })
}

/// Checks a presented refresh token and marks it used. A token used at most `grace_secs` ago
/// (another tab of the same session refreshing at the same moment) is accepted again and its
/// family goes on; used longer ago, it ends the family.
fn check_refresh(
    conn: &mut DbConn,
    token_hash: &str,
    now: DateTime<Utc>,
    grace_secs: i64,
) -> Result<RefreshCheck, StoreError> {
    let refused = |code, detail| Ok(RefreshCheck::Refused(ApiError::new(code, detail)));
    let Some(token) = refresh_tokens::find_refresh_token(conn, token_hash)? else {
        return refused(
            ErrorCode::InvalidRefreshToken,
            "The refresh token is not known.",
        );
    };
    if token.revoked_at.is_some() {
        return refused(
            ErrorCode::RefreshTokenRevoked,
            "The session has ended; log in again.",
        );
    }
    let used_at = match token.used_at {
        Some(at) => Some(at),
        None if refresh_tokens::mark_used(conn, &token.id, now)? => None,
        // Used by a request that committed while this one waited for the row.
        None => refresh_tokens::find_refresh_token(conn, token_hash)?.and_then(|t| t.used_at),
    };
    let within_grace =
        |used: chrono::NaiveDateTime| now - used.and_utc() <= Duration::seconds(grace_secs);
    // Within the grace window a token is honoured once more (a second tab), not again: a
    // copy replayed in those seconds cannot start sessions of its own.
    let reused = match used_at {
        None => false,
        Some(used) if !within_grace(used) => true,
        Some(used) => {
            refresh_tokens::lock_token(conn, &token.id)?;
            refresh_tokens::issued_since(conn, &token.family_id, &token.id, used)? >= 2
        }
    };
    if reused {
        // Presented again long after its use, or a third time: someone copied it.
        refresh_tokens::revoke_family(conn, &token.family_id, now)?;
        return refused(
            ErrorCode::RefreshTokenReused,
            "This refresh token was already used; the session has been ended for safety.",
        );
    }
    if token.expires_at.and_utc() <= now {
        return refused(
            ErrorCode::RefreshTokenExpired,
            "The session has expired; log in again.",
        );
    }
    match find_user(conn, &token.user_id)?.filter(|u| u.is_active) {
        Some(user) => Ok(RefreshCheck::Valid {
            user: Box::new(user),
            family: token.family_id,
        }),
        None => refused(ErrorCode::AccountInactive, "The account is not active."),
    }
}

/// Replaces the password of account `user_id` with `new_hash` if its hash is still
/// `old_hash`, and ends every session of the account, in one transaction. Returns `false`
/// (nothing changed) when the password was changed meanwhile.
pub fn replace_password(
    conn: &mut DbConn,
    user_id: &str,
    old_hash: &str,
    new_hash: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    write_transaction(conn, |conn| {
        if !crate::store::users::set_password(conn, user_id, old_hash, new_hash, now)? {
            return Ok(false);
        }
        refresh_tokens::revoke_user(conn, user_id, now)?;
        Ok::<_, StoreError>(true)
    })
}

/// Activates or deactivates account `id` (ending its sessions when deactivated), audited as
/// done by `by`, once `guard` passes in the same transaction (an owner removing staff checks
/// the business there; an admin has nothing to check). A missing account is a 404.
pub fn set_active<G>(
    conn: &mut DbConn,
    by: &Actor,
    id: &str,
    active: bool,
    guard: G,
    now: DateTime<Utc>,
) -> Result<(), ApiError>
where
    G: FnOnce(&mut DbConn) -> Result<(), ApiError>,
{
    write_transaction(conn, |conn| {
        guard(conn)?;
        if !crate::store::users::set_active(conn, id, active, now)? {
            return Err(ApiError::new(ErrorCode::UserNotFound, "No such account."));
        }
        if !active {
            refresh_tokens::revoke_user(conn, id, now)?;
        }
        let action = if active {
            "user.reactivated"
        } else {
            "user.deactivated"
        };
        record_action(
            conn,
            by,
            action,
            "user",
            id,
            None,
            &serde_json::json!({}),
            now,
        )?;
        Ok(())
    })
}

/// Everything the platform holds about an account besides the account itself.
#[derive(Debug)]
pub struct OwnData {
    /// Every dispute the account filed, in full, as its consumer sees it, newest first.
    pub disputes: Vec<crate::disputes::view::DisputeView>,
    /// Every notification of the account, newest first.
    pub notifications: Vec<Notification>,
}

/// Collects the data of `actor`'s own account for its download
/// (docs/people-data.md#data-export) and audits the export. The reads run before the audit
/// entry's transaction.
pub fn export_own_data(
    conn: &mut DbConn,
    actor: &Actor,
    calendar: &Calendar,
    pii: &PiiCipher,
    now: DateTime<Utc>,
) -> Result<OwnData, StoreError> {
    let mut views = Vec::new();
    let mut after = None;
    loop {
        let page = list_disputes(
            conn,
            &DisputeScope::Consumer(actor.user_id.clone()),
            &DisputeFilter {
                statuses: Vec::new(),
                due_before: None,
                first_contact_overdue_at: None,
                overdue_at: None,
                business_ids: Vec::new(),
                region_prefixes: Vec::new(),
                industry_codes: Vec::new(),
                sort: DisputeSort::Filed,
                after: after.clone(),
                limit: 200,
            },
        )?;
        let full = page.len() == 200;
        after = page.last().map(|d| (d.filed_at, d.id.clone()));
        for d in page {
            views.push(crate::disputes::view::build_view(
                conn,
                calendar,
                pii,
                &d.id,
                crate::domain::dispute::Actor::Consumer,
                now,
            )?);
        }
        if !full {
            break;
        }
    }
    let notifications =
        crate::store::notifications::list_for_user(conn, &actor.user_id, false, 100_000)?;
    write_transaction(conn, |conn| {
        record_action(
            conn,
            actor,
            "account.export",
            "user",
            &actor.user_id,
            None,
            &serde_json::json!({"disputes": views.len()}),
            now,
        )
    })?;
    Ok(OwnData {
        disputes: views,
        notifications,
    })
}
