//! User accounts of every role.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::schema::users;
use super::{DbConn, StoreError, to_db_time};

/// A stored account. The phone is only ever held encrypted, with a keyed look-up hash and a
/// pre-computed masked form.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = users, treat_none_as_default_value = false)]
pub struct User {
    pub id: String,
    pub role: String,
    pub display_name: String,
    pub email: Option<String>,
    pub phone_ciphertext: Option<String>,
    pub phone_lookup: Option<String>,
    pub phone_masked: Option<String>,
    pub password_hash: Option<String>,
    pub language: String,
    pub business_id: Option<String>,
    pub staff_role: Option<String>,
    pub region_code: Option<String>,
    pub association_id: Option<String>,
    pub is_active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Inserts an account; a taken email or phone is a [`StoreError::Conflict`].
pub fn insert_user(conn: &mut DbConn, user: &User) -> Result<(), StoreError> {
    diesel::insert_into(users::table)
        .values(user)
        .execute(conn)?;
    Ok(())
}

/// One account by id.
pub fn find_user(conn: &mut DbConn, id: &str) -> Result<Option<User>, StoreError> {
    Ok(users::table
        .find(id)
        .select(User::as_select())
        .first(conn)
        .optional()?)
}

/// [`find_user`], read once per write transaction: the consumer of each dispute a sweep batch
/// changes, read for the whole batch at once ([`remember_users`]).
pub fn user_of(conn: &mut DbConn, id: &str) -> Result<Option<User>, StoreError> {
    super::transaction_state::remembered(conn, "user", id, |conn| find_user(conn, id))
}

/// Reads accounts `ids` in one statement and remembers each for [`user_of`] in the write
/// transaction under way; reads nothing outside one.
pub fn remember_users(conn: &mut DbConn, ids: &[&str]) -> Result<(), StoreError> {
    if ids.is_empty() || !super::in_transaction(conn).unwrap_or(false) {
        return Ok(());
    }
    let found: std::collections::HashMap<String, User> = users::table
        .filter(users::id.eq_any(ids))
        .select(User::as_select())
        .load::<User>(conn)?
        .into_iter()
        .map(|user| (user.id.clone(), user))
        .collect();
    for id in ids {
        super::transaction_state::remember(conn, "user", id, found.get(*id).cloned());
    }
    Ok(())
}

/// One account by normalised email.
pub fn find_user_by_email(conn: &mut DbConn, email: &str) -> Result<Option<User>, StoreError> {
    Ok(users::table
        .filter(users::email.eq(email))
        .select(User::as_select())
        .first(conn)
        .optional()?)
}

/// One account by the look-up hash of its phone.
pub fn find_user_by_phone_lookup(
    conn: &mut DbConn,
    lookup: &str,
) -> Result<Option<User>, StoreError> {
    Ok(users::table
        .filter(users::phone_lookup.eq(lookup))
        .select(User::as_select())
        .first(conn)
        .optional()?)
}

/// Sets the password of an account that has none yet (accepting an invitation). Returns
/// whether it was set; `false` means the invitation was already used.
pub fn set_first_password(
    conn: &mut DbConn,
    id: &str,
    password_hash: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let changed = diesel::update(
        users::table
            .filter(users::id.eq(id))
            .filter(users::password_hash.is_null()),
    )
    .set((
        users::password_hash.eq(password_hash),
        users::updated_at.eq(to_db_time(now)),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Replaces the password of account `id` if its hash is still `old_hash`; returns whether it
/// did (a reset link used twice at once changes it once).
pub fn set_password(
    conn: &mut DbConn,
    id: &str,
    old_hash: &str,
    password_hash: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let changed = diesel::update(
        users::table
            .filter(users::id.eq(id))
            .filter(users::password_hash.eq(old_hash)),
    )
    .set((
        users::password_hash.eq(password_hash),
        users::updated_at.eq(to_db_time(now)),
    ))
    .execute(conn)?;
    forget_live_sessions(conn, id);
    Ok(changed == 1)
}

/// Activates or deactivates account `id`; returns whether it existed.
pub fn set_active(
    conn: &mut DbConn,
    id: &str,
    active: bool,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let changed = diesel::update(users::table.find(id))
        .set((
            users::is_active.eq(active),
            users::updated_at.eq(to_db_time(now)),
        ))
        .execute(conn)?;
    forget_live_sessions(conn, id);
    Ok(changed == 1)
}

/// How long this process trusts a session it found going on without asking the database
/// again (docs/api.md#authentication), by the injected clock.
const SESSION_TRUST: chrono::Duration = chrono::Duration::seconds(2);

/// Sessions this process found going on lately, with their accounts: a request whose session
/// was checked less than [`SESSION_TRUST`] ago needs no round trip for it. Hand-written rather
/// than a cache crate's, because its time is the platform's injected clock (a crate's
/// time-to-live reads the wall clock). Each change this process makes to an account or a
/// session forgets what it holds of them ([`forget_live_sessions`]); another node's change is
/// seen within [`SESSION_TRUST`].
#[derive(Default)]
struct LiveSessions {
    /// (account, session) → the account and when its session was found going on.
    seen: HashMap<(String, String), (User, DateTime<Utc>)>,
    /// How often each account or session was forgotten, so that a check that began before
    /// is not remembered after.
    forgotten: HashMap<String, u64>,
    /// Bumped when `forgotten` starts over (and `seen` with it).
    epoch: u64,
}

impl LiveSessions {
    /// Where the forgetting of `user_id` and `session` stands.
    fn stamp(&self, user_id: &str, session: &str) -> [u64; 3] {
        let times = |key: &str| self.forgotten.get(key).copied().unwrap_or(0);
        [self.epoch, times(user_id), times(session)]
    }
}

/// At most this many sessions and forgotten keys are held; beyond, the memory starts over.
const LIVE_SESSIONS_HELD: usize = 10_000;

static LIVE_SESSIONS: std::sync::LazyLock<std::sync::Mutex<LiveSessions>> =
    std::sync::LazyLock::new(Default::default);

fn live_sessions() -> std::sync::MutexGuard<'static, LiveSessions> {
    // Every holder leaves the maps whole: a poisoned lock still guards good data.
    LIVE_SESSIONS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The account of session `session` when this process found the session going on less than
/// [`SESSION_TRUST`] before `now`.
pub fn recent_session_user(user_id: &str, session: &str, now: DateTime<Utc>) -> Option<User> {
    let memory = live_sessions();
    let (user, at) = memory
        .seen
        .get(&(user_id.to_string(), session.to_string()))?;
    (*at <= now && now - *at < SESSION_TRUST).then(|| user.clone())
}

/// Forgets what this process found of account or session `key` (an account's id or a session's
/// family id): called by each change to it once the change's statement has run, and again
/// when the transaction it ran in ends ([`ForgetAtEnd`]), so that no check that read the
/// account before the change committed is remembered.
pub(crate) fn forget_live_sessions(conn: &mut DbConn, key: &str) {
    forget_now(key);
    if super::in_transaction(conn).unwrap_or(true) {
        FORGET_AT_END.with(|keys| keys.borrow_mut().push(key.to_string()));
    }
}

fn forget_now(key: &str) {
    let mut memory = live_sessions();
    memory
        .seen
        .retain(|(user, session), _| user != key && session != key);
    if memory.forgotten.len() >= LIVE_SESSIONS_HELD {
        memory.forgotten.clear();
        memory.seen.clear();
        memory.epoch += 1;
    }
    *memory.forgotten.entry(key.to_string()).or_default() += 1;
}

thread_local! {
    /// The keys forgotten in the write transaction under way on this thread.
    static FORGET_AT_END: std::cell::RefCell<Vec<String>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Held by an outermost write transaction (`store::write_transaction`): when it ends, committed
/// or not, the keys forgotten in it are forgotten again.
pub(crate) struct ForgetAtEnd;

impl Drop for ForgetAtEnd {
    fn drop(&mut self) {
        let keys = FORGET_AT_END.with(|keys| std::mem::take(&mut *keys.borrow_mut()));
        for key in keys {
            forget_now(&key);
        }
    }
}

/// The account `user_id` of a signed-in session `session`: found, active, and the session
/// going on (one of its refresh tokens neither revoked nor expired; an access token of a
/// session that does not go on is refused at once). What it finds is remembered for
/// [`recent_session_user`].
pub fn find_session_user(
    conn: &mut DbConn,
    user_id: &str,
    session: &str,
    now: DateTime<Utc>,
) -> Result<Option<User>, StoreError> {
    use super::schema::refresh_tokens;
    let stamp = live_sessions().stamp(user_id, session);
    // One statement: every authenticated request not answered from memory runs it.
    let live = refresh_tokens::table
        .filter(refresh_tokens::family_id.eq(session))
        .filter(refresh_tokens::user_id.eq(user_id))
        .filter(refresh_tokens::revoked_at.is_null())
        .filter(refresh_tokens::expires_at.gt(to_db_time(now)));
    let found = users::table
        .find(user_id)
        .filter(users::is_active.eq(true))
        .filter(diesel::dsl::exists(live))
        .select(User::as_select())
        .first(conn)
        .optional()?;
    if let Some(user) = &found {
        let mut memory = live_sessions();
        if memory.stamp(user_id, session) == stamp {
            if memory.seen.len() >= LIVE_SESSIONS_HELD {
                memory.seen.clear();
            }
            memory
                .seen
                .insert((user_id.into(), session.into()), (user.clone(), now));
        }
    }
    Ok(found)
}

/// Staff accounts of a business, owners first.
pub fn list_staff(conn: &mut DbConn, business_id: &str) -> Result<Vec<User>, StoreError> {
    Ok(users::table
        .filter(users::business_id.eq(business_id))
        .order((users::staff_role.desc(), users::created_at))
        .select(User::as_select())
        .load(conn)?)
}

/// [`list_staff`], read once per write transaction: the notices of each dispute a sweep batch
/// changes at one unit go to the same people.
pub fn staff_of(conn: &mut DbConn, business_id: &str) -> Result<Vec<User>, StoreError> {
    super::transaction_state::remembered(conn, "staff", business_id, |conn| {
        list_staff(conn, business_id)
    })
}

/// The active regulator accounts of the regions with codes `regions`.
pub fn active_regulators(conn: &mut DbConn, regions: &[String]) -> Result<Vec<User>, StoreError> {
    Ok(users::table
        .filter(users::role.eq(crate::domain::role::Role::Regulator.as_str()))
        .filter(users::is_active.eq(true))
        .filter(users::region_code.eq_any(regions))
        .select(User::as_select())
        .load(conn)?)
}

/// Number of accounts, to tell a fresh database from a used one.
pub fn count_users(conn: &mut DbConn) -> Result<i64, StoreError> {
    Ok(users::table.count().get_result(conn)?)
}

diesel::define_sql_function! {
    /// SQL `lower`: both backends lower-case ASCII letters alike.
    fn lower(text: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// What an admin's account search matches (case-insensitive).
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    /// Part of the display name or of the email address.
    pub text: Option<String>,
    /// The look-up hash of `text` when it is a whole mobile number.
    pub phone_lookup: Option<String>,
    pub role: Option<String>,
    /// Only accounts with an id after this one (ascending order).
    pub after_id: Option<String>,
    pub limit: i64,
}

/// Accounts matching `filter`, ordered by id, at most `filter.limit`.
pub fn search_users(conn: &mut DbConn, filter: &UserFilter) -> Result<Vec<User>, StoreError> {
    let mut query = users::table
        .select(User::as_select())
        .order(users::id)
        .limit(filter.limit)
        .into_boxed();
    if let Some(text) = &filter.text {
        let pattern = format!("%{}%", super::units::like_escape(text));
        // A look-up hash is hex: the empty string matches no account.
        let lookup = filter.phone_lookup.clone().unwrap_or_default();
        query = query.filter(
            lower(users::display_name)
                .like(pattern.to_lowercase())
                .escape('\\')
                .or(users::email.like(pattern.to_lowercase()).escape('\\'))
                .or(users::phone_lookup.eq(lookup)),
        );
    }
    if let Some(role) = &filter.role {
        query = query.filter(users::role.eq(role.clone()));
    }
    if let Some(after) = &filter.after_id {
        query = query.filter(users::id.gt(after.clone()));
    }
    Ok(query.load(conn)?)
}

/// The name of what each of `users` belongs to (the region a regulator oversees, the
/// association, or the business), by user id: three queries whatever the number of users.
pub fn organisation_names(
    conn: &mut DbConn,
    users: &[User],
) -> Result<std::collections::HashMap<String, String>, StoreError> {
    use super::schema::{associations, businesses, regions};
    let ids = |field: fn(&User) -> Option<&String>| -> Vec<String> {
        users.iter().filter_map(field).cloned().collect()
    };
    let regions: std::collections::HashMap<String, String> = regions::table
        .filter(regions::code.eq_any(ids(|u| u.region_code.as_ref())))
        .select((regions::code, regions::name_zh))
        .load(conn)?
        .into_iter()
        .collect();
    let associations: std::collections::HashMap<String, String> = associations::table
        .filter(associations::id.eq_any(ids(|u| u.association_id.as_ref())))
        .select((associations::id, associations::name))
        .load(conn)?
        .into_iter()
        .collect();
    let businesses: std::collections::HashMap<String, String> = businesses::table
        .filter(businesses::id.eq_any(ids(|u| u.business_id.as_ref())))
        .select((businesses::id, businesses::name))
        .load(conn)?
        .into_iter()
        .collect();
    Ok(users
        .iter()
        .filter_map(|u| {
            let name = match (&u.region_code, &u.association_id, &u.business_id) {
                (Some(code), _, _) => regions.get(code),
                (_, Some(id), _) => associations.get(id),
                (_, _, Some(id)) => businesses.get(id),
                _ => None,
            };
            name.map(|n| (u.id.clone(), n.clone()))
        })
        .collect())
}
