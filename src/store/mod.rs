//! Persistence with diesel on PostgreSQL and SQLite. One file per aggregate; functions take a
//! `&mut DbConn` so a use case can run several of them in one transaction.

/// `column` holds a code of the region with code prefix `prefix` or of a region inside it, as a
/// range of codes an index serves (a `LIKE 'prefix%'` is served only under the C collation).
#[macro_export]
macro_rules! in_region {
    ($column:expr, $prefix:expr) => {{
        let (low, high) =
            $crate::domain::region::prefix_bounds(::std::convert::AsRef::<str>::as_ref(&$prefix));
        $column.ge(low).and($column.lt(high))
    }};
}

/// Inserts `values` into `table` unless one of its unique keys is taken, in one statement on
/// either backend (`ON CONFLICT DO NOTHING`: no error, so the transaction goes on); the
/// number of rows written.
macro_rules! insert_unless_taken {
    ($conn:expr, $table:expr, $values:expr) => {
        match $conn {
            $crate::store::DbConn::Pg(pg) => diesel::insert_into($table)
                .values($values)
                .on_conflict_do_nothing()
                .execute(pg),
            $crate::store::DbConn::Sqlite(lite) => diesel::insert_into($table)
                .values($values)
                .on_conflict_do_nothing()
                .execute(lite),
        }
    };
}

/// Inserts `rows` (a slice of an `Insertable` with
/// `#[diesel(treat_none_as_default_value = false)]`, as SQLite's multi-row insert needs) into
/// `table` in one statement; the number of rows written.
macro_rules! insert_rows {
    ($conn:expr, $table:expr, $rows:expr) => {
        match $conn {
            $crate::store::DbConn::Pg(pg) => diesel::insert_into($table).values($rows).execute(pg),
            $crate::store::DbConn::Sqlite(lite) => {
                diesel::insert_into($table).values($rows).execute(lite)
            }
        }
    };
}

/// [`insert_rows!`] for a slice of rows, in a statement each backend keeps prepared for the
/// next time when there are at most four: diesel prepares a statement of a fixed number of rows
/// once per connection, but one of a slice's rows anew each time, so PostgreSQL would parse and
/// plan the timeline entry, the audit entry and the job of every filing again
/// (docs/architecture.md#statements-per-write). More rows go in one statement made each time.
macro_rules! insert_slice {
    ($conn:expr, $table:expr, $rows:expr) => {{
        let rows = $rows;
        if let [one] = rows {
            insert_rows!($conn, $table, one)
        } else if let Ok(two) = <&[_; 2]>::try_from(rows) {
            insert_rows!($conn, $table, two)
        } else if let Ok(three) = <&[_; 3]>::try_from(rows) {
            insert_rows!($conn, $table, three)
        } else if let Ok(four) = <&[_; 4]>::try_from(rows) {
            insert_rows!($conn, $table, four)
        } else {
            insert_rows!($conn, $table, rows)
        }
    }};
}

pub mod alerts;
pub mod audit;
pub mod bulk;
pub mod businesses;
pub mod case_file;
pub mod conn;
pub mod deadlines;
pub mod disputes;
pub mod documents;
pub mod escalations;
pub mod following;
pub mod jobs;
pub mod login_attempts;
pub mod mediations;
pub mod memo;
pub mod metrics;
pub mod negotiation;
pub mod notifications;
pub mod publications;
pub mod reference;
pub mod refresh_tokens;
pub mod replica;
pub mod reply_templates;
pub mod reports;
pub mod retention;
pub mod schema;
pub mod sms;
pub mod timers;
pub mod together;
pub(crate) mod transaction_state;
pub mod units;
pub mod users;
pub mod webhooks;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::result::{DatabaseErrorKind, Error as DieselError};

pub use conn::{DbConn, DbPool};

/// What went wrong in the store, in terms the HTTP layer can map (docs/api.md#errors).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("record not found")]
    NotFound,
    #[error("a record with the same {0} already exists")]
    Conflict(String),
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    #[error("cannot connect to the database: {0}")]
    Connect(String),
    #[error("migration failed: {0}")]
    Migration(String),
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Query(DieselError),
}

/// A stored name outside its closed set: the row was written by something else.
impl From<crate::domain::text_enum::UnknownName> for StoreError {
    fn from(error: crate::domain::text_enum::UnknownName) -> Self {
        Self::Corrupt(error.to_string())
    }
}

impl From<DieselError> for StoreError {
    fn from(error: DieselError) -> Self {
        match error {
            DieselError::NotFound => Self::NotFound,
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                let what = info
                    .constraint_name()
                    .or_else(|| info.column_name())
                    .map(str::to_string)
                    .unwrap_or_else(|| unique_target_from_message(info.message()));
                Self::Conflict(what)
            }
            other => Self::Query(other),
        }
    }
}

/// SQLite reports `UNIQUE constraint failed: users.email` without a constraint name.
fn unique_target_from_message(message: &str) -> String {
    message.rsplit(": ").next().unwrap_or("key").to_string()
}

/// A fresh UUIDv7 as text: time-ordered, so keys and cursors sort by creation.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Stored form of an instant: a naive UTC timestamp (both backends store `TIMESTAMP`).
pub fn to_db_time(at: DateTime<Utc>) -> NaiveDateTime {
    at.naive_utc()
}

/// Reverses [`to_db_time`].
pub fn from_db_time(at: NaiveDateTime) -> DateTime<Utc> {
    at.and_utc()
}

/// Takes PostgreSQL's advisory lock (`class`, `key`) until the transaction ends, `shared` or
/// exclusive; nothing on SQLite, which writes one transaction at a time anyway. Inside a
/// [`write_transaction`] a lock the transaction already holds is not asked for again
/// ([`transaction_state`]).
pub(crate) fn advisory_lock(
    conn: &mut DbConn,
    class: i32,
    key: &str,
    shared: bool,
) -> Result<(), StoreError> {
    use diesel::RunQueryDsl;
    if transaction_state::holds_lock(conn, class, key, shared) {
        return Ok(());
    }
    transaction_state::begin_if_deferred(conn)?;
    if let DbConn::Pg(pg) = conn {
        let statement = if shared {
            "SELECT pg_advisory_xact_lock_shared($1, hashtext($2))"
        } else {
            "SELECT pg_advisory_xact_lock($1, hashtext($2))"
        };
        diesel::sql_query(statement)
            .bind::<diesel::sql_types::Integer, _>(class)
            .bind::<diesel::sql_types::Text, _>(key)
            .execute(pg)?;
        transaction_state::note_lock(conn, class, key, shared);
    }
    Ok(())
}

/// How long a read waits for a replica connection before it goes to the primary.
const REPLICA_CHECKOUT: std::time::Duration = std::time::Duration::from_millis(500);

/// Runs blocking store work on the blocking thread pool, inside the caller's span: writes and
/// most reads on the primary, the reads [`Db::read`] takes on a replica when there is one.
#[derive(Clone, Debug)]
pub struct Db {
    pool: DbPool,
    replica: Option<std::sync::Arc<replica::Replica>>,
    memo: std::sync::Arc<memo::Memo>,
}

impl Db {
    /// Wraps a pool.
    pub fn new(pool: DbPool) -> Self {
        Self {
            pool,
            replica: None,
            memo: Default::default(),
        }
    }

    /// Sends the reads of [`Db::read`] to `replica` while it is current.
    pub fn with_replica(self, replica: replica::Replica) -> Self {
        Self {
            replica: Some(std::sync::Arc::new(replica)),
            ..self
        }
    }

    /// Remembers that `user` wrote, so that their reads stay on the primary for a while.
    pub fn note_write(&self, user: &str) {
        if let Some(replica) = &self.replica {
            replica.note_write(user);
        }
    }

    /// Checks the replica (see [`replica::Replica::check`]); None when there is none. When it
    /// goes out of use, what was kept from it is forgotten too (it may be as far behind).
    pub async fn check_replica(&self, timeout: std::time::Duration) -> Option<bool> {
        let replica = self.replica.clone()?;
        let was_usable = replica.serves(None);
        let checking = replica.clone();
        let checked = self.run_leaving_kept(move |conn| checking.check(conn, timeout));
        // A check that fails or hangs puts the replica out of use: its lag is unknown.
        let usable = match tokio::time::timeout(timeout.saturating_mul(3), checked).await {
            Ok(Ok(usable)) => usable,
            Ok(Err(error)) => {
                tracing::warn!(%error, "the read replica could not be checked");
                replica.set_unusable();
                false
            }
            Err(_) => {
                tracing::warn!("the check of the read replica did not end in time");
                replica.set_unusable();
                false
            }
        };
        if was_usable && !usable {
            self.memo.note_write();
        }
        Some(usable)
    }

    /// Runs the read `work` for `reader` (None: nobody in particular) on the replica when it
    /// is current and `reader` has not written lately, else on the primary. A replica that
    /// fails the work and then does not answer is put out of use, and the work runs again on
    /// the primary. Only for work that reads: a replica refuses writes.
    pub async fn read<T, E, F>(&self, reader: Option<&str>, work: F) -> Result<T, E>
    where
        F: Fn(&mut DbConn) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let Some(replica) = self.replica.clone().filter(|r| r.serves(reader)) else {
            return self.on_primary(work, false).await;
        };
        let span = tracing::Span::current();
        // Ok: the replica's answer; Err: the work back, for the primary.
        let tried = tokio::task::spawn_blocking(move || {
            let _entered = span.enter();
            let Ok(mut conn) = replica.pool.get_timeout(REPLICA_CHECKOUT) else {
                replica.set_unusable();
                tracing::warn!("no connection to the read replica; reading from the primary");
                return Err(work);
            };
            let done = work(&mut conn);
            if done.is_err() && !conn::answers(&mut conn) {
                conn::note_failed_work();
                replica.set_unusable();
                tracing::warn!("the read replica failed a read; reading from the primary");
                return Err(work);
            }
            Ok(done)
        })
        .await
        .map_err(|e| StoreError::Unavailable(format!("store task failed: {e}")))?;
        match tried {
            Ok(done) => done,
            Err(work) => {
                // Out of use now: what was kept from it goes too.
                self.memo.note_write();
                self.on_primary(work, false).await
            }
        }
    }

    /// The answer to `question` as [`Db::read`] gives it to `reader`, kept from a read of less
    /// than [`memo::KEPT_FOR`] before `now` when no write ended on this node since (and
    /// `reader` has not written lately, when there is a replica); else read by `work` and
    /// kept, weighing `weigh` rows (docs/architecture.md#read-memory). Without a question, only
    /// read.
    pub async fn read_kept<T, E, F>(
        &self,
        question: Option<memo::Question>,
        now: DateTime<Utc>,
        reader: Option<&str>,
        weigh: fn(&T) -> usize,
        work: F,
    ) -> Result<std::sync::Arc<T>, E>
    where
        F: Fn(&mut DbConn) -> Result<T, E> + Send + 'static,
        T: Send + Sync + 'static,
        E: From<StoreError> + Send + 'static,
    {
        // What is kept may come from the replica: not for a reader who wrote lately.
        let own_writes = reader
            .zip(self.replica.as_ref())
            .is_some_and(|(reader, replica)| replica.wrote_lately(reader));
        let Some(question) = question else {
            return Ok(std::sync::Arc::new(self.read(reader, work).await?));
        };
        if !own_writes && let Some(kept) = self.memo.recall(&question, now) {
            return Ok(kept);
        }
        let writes = self.memo.writes_so_far();
        let answer = std::sync::Arc::new(self.read(reader, work).await?);
        self.memo
            .keep(question, writes, now, weigh(&answer), answer.clone());
        Ok(answer)
    }

    /// Runs `work` on the primary, as [`Db::run`] does, but leaving what [`Db::read_kept`] kept
    /// in force: for work that reads what must be current (whether a session goes on, a user's
    /// notices, the replica's check) or writes nothing that is kept (no dispute, case file,
    /// party or name: a job's or a text's lease, a notice marked read), which would otherwise
    /// forget everything each time the worker polls.
    pub async fn run_leaving_kept<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        self.on_primary(work, false).await
    }

    /// The pool, for startup tasks and tests.
    pub fn pool(&self) -> &DbPool {
        &self.pool
    }

    /// Whether the database answers `SELECT 1` within `within` (a connection included).
    pub async fn answers(&self, within: std::time::Duration) -> bool {
        let pool = self.pool.clone();
        let check = tokio::task::spawn_blocking(move || {
            pool.get_timeout(within).is_ok_and(|mut conn| {
                let answered = conn::answers(&mut conn);
                if !answered {
                    // Dropped instead of going back: the probe must not meet it again.
                    conn::note_failed_work();
                }
                answered
            })
        });
        matches!(tokio::time::timeout(within, check).await, Ok(Ok(true)))
    }

    /// Checks out a connection and runs `work` on a blocking thread. The work may write: when
    /// it ends, what [`Db::read_kept`] kept is out of date.
    pub async fn run<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        self.on_primary(work, true).await
    }

    /// [`Db::run`]; `writes`: whether the work may write.
    async fn on_primary<T, E, F>(&self, work: F, writes: bool) -> Result<T, E>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let pool = self.pool.clone();
        let span = tracing::Span::current();
        let noted = writes.then(|| memo::NoteWriteAtEnd(self.memo.clone()));
        tokio::task::spawn_blocking(move || {
            // Dropped when the work is done, after the connection went back.
            let _noted = noted;
            let _entered = span.enter();
            let mut conn = pool
                .get()
                .map_err(|e| StoreError::Unavailable(e.to_string()))?;
            let done = work(&mut conn);
            if done.is_err() {
                conn::note_failed_work();
            }
            done
        })
        .await
        .map_err(|e| StoreError::Unavailable(format!("store task failed: {e}")))?
    }
}

/// Runs `work` in a transaction that writes. On SQLite it begins `IMMEDIATE`: it takes the write
/// lock first, waiting up to the busy timeout for it, instead of reading and then failing at
/// once with "database is locked" when another connection wrote in between (a deferred
/// transaction cannot upgrade its read snapshot). On PostgreSQL it is an ordinary transaction.
/// Nested calls become savepoints, as with `Connection::transaction`. The metric counters and
/// rollups the work bumps are written last, just before the outermost transaction commits
/// ([`metrics::CounterDeltas`]). A failure of the transaction itself reaches the caller as a
/// [`StoreError`], so callers' error types need not know diesel.
pub fn write_transaction<T, E, F>(conn: &mut DbConn, work: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<StoreError>,
{
    use diesel::connection::AnsiTransactionManager;
    let failed = |error: DieselError| E::from(StoreError::from(error));
    // Inside a `write_at_once` that has not begun its transaction yet, this one is part of it.
    transaction_state::begin_if_deferred(conn)?;
    let outermost = !in_transaction(conn).map_err(failed)?;
    if !outermost {
        let mark = metrics::CounterDeltas::mark();
        let kept = transaction_state::TransactionState::mark(conn);
        let outcome = diesel_transaction(conn, work);
        if outcome.is_err() {
            metrics::CounterDeltas::restore(mark);
            transaction_state::TransactionState::restore(conn, kept);
        }
        return outcome;
    }
    let _gathering = metrics::CounterDeltas::open();
    let _forgetting = users::ForgetAtEnd;
    let _kept = transaction_state::TransactionState::open(conn);
    let work = |conn: &mut DbConn| {
        let value = work(conn)?;
        // Timeline and audit entries, notifications and jobs, then the counters, the rows other
        // transactions share, last.
        transaction_state::TransactionState::write(conn)?;
        metrics::CounterDeltas::write_gathered(conn)?;
        Ok(value)
    };
    let DbConn::Sqlite(lite) = conn else {
        return diesel_transaction(conn, work);
    };
    AnsiTransactionManager::begin_transaction_sql(lite, "BEGIN IMMEDIATE").map_err(failed)?;
    let outcome = work(conn);
    let DbConn::Sqlite(lite) = conn else {
        return outcome;
    };
    end_transaction(lite, outcome)
}

/// Ends the transaction begun by hand on `conn`: commits it after a successful `outcome`, rolls
/// it back after a failed one (or a failed `COMMIT`, which leaves it open).
fn end_transaction<C, T, E>(conn: &mut C, outcome: Result<T, E>) -> Result<T, E>
where
    C: diesel::Connection<TransactionManager = diesel::connection::AnsiTransactionManager>,
    E: From<StoreError>,
{
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    let failed = |error: DieselError| E::from(StoreError::from(error));
    match outcome {
        Ok(value) => match AnsiTransactionManager::commit_transaction(conn) {
            Ok(()) => Ok(value),
            Err(error) => {
                let _rolled_back = AnsiTransactionManager::rollback_transaction(conn);
                Err(failed(error))
            }
        },
        Err(error) => {
            AnsiTransactionManager::rollback_transaction(conn).map_err(failed)?;
            Err(error)
        }
    }
}

/// [`write_transaction`] for work that writes nothing but the rows a transaction gathers for
/// its end ([`transaction_state`]), except one statement that may write the work alone, its
/// last (a filing's dispute with its rows, `disputes::insert_dispute`). On PostgreSQL no
/// `BEGIN` is sent until a statement that writes needs one
/// ([`transaction_state::begin_if_deferred`]): a filing whose rows fit one statement writes
/// them in that statement, atomic on its own, and its read of the unit before it runs outside
/// a transaction, which reads as a transaction at PostgreSQL's read committed would; two round
/// trips fewer (docs/architecture.md#statements-per-write). Otherwise, and on SQLite, it is
/// [`write_transaction`].
pub fn write_at_once<T, E, F>(conn: &mut DbConn, work: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<StoreError>,
{
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    let failed = |error: DieselError| E::from(StoreError::from(error));
    if matches!(conn, DbConn::Sqlite(_)) || in_transaction(conn).map_err(failed)? {
        return write_transaction(conn, work);
    }
    let _gathering = metrics::CounterDeltas::open();
    let _forgetting = users::ForgetAtEnd;
    let _kept = transaction_state::TransactionState::open_deferred(conn);
    let outcome = work(conn).and_then(|value| {
        let waiting = !transaction_state::TransactionState::nothing_to_write(conn)
            || !metrics::CounterDeltas::none_pending();
        if waiting {
            // Refused after a statement that wrote the work alone: nothing may follow it.
            transaction_state::begin_if_deferred(conn)?;
            transaction_state::TransactionState::write(conn)?;
            metrics::CounterDeltas::write_gathered(conn)?;
        }
        Ok(value)
    });
    let DbConn::Pg(pg) = conn else {
        return outcome;
    };
    // A manager that cannot tell is asked to end a transaction, which reports what is wrong.
    let begun = AnsiTransactionManager::transaction_manager_status_mut(pg)
        .transaction_depth()
        .map_or(true, |depth| depth.is_some());
    if !begun {
        return outcome;
    }
    end_transaction(pg, outcome)
}

/// Makes the write transaction just opened on `conn` read one snapshot throughout, so that what
/// it reads twice reads the same: PostgreSQL's repeatable read (the call must come before the
/// transaction's first statement). SQLite's write transaction keeps other writers out already.
/// A write that meets a row another transaction wrote since the snapshot waits for that
/// transaction and then fails when it committed.
pub fn one_snapshot(conn: &mut DbConn) -> Result<(), StoreError> {
    use diesel::RunQueryDsl;
    if let DbConn::Pg(pg) = conn {
        diesel::sql_query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ").execute(pg)?;
    }
    Ok(())
}

/// Whether a transaction is open on `conn`.
pub(crate) fn in_transaction(conn: &mut DbConn) -> Result<bool, DieselError> {
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    let depth = match conn {
        DbConn::Sqlite(lite) => {
            AnsiTransactionManager::transaction_manager_status_mut(lite).transaction_depth()
        }
        DbConn::Pg(pg) => {
            AnsiTransactionManager::transaction_manager_status_mut(pg).transaction_depth()
        }
    };
    Ok(depth?.is_some())
}

/// Runs `work` in diesel's transaction (a savepoint when one is open), reporting a failure of
/// the transaction itself as a [`StoreError`].
fn diesel_transaction<T, E, W>(conn: &mut DbConn, work: W) -> Result<T, E>
where
    W: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<StoreError>,
{
    use diesel::Connection;
    conn.transaction(|conn| work(conn).map_err(Nested::Work))
        .map_err(|nested| match nested {
            Nested::Work(error) => error,
            Nested::Database(error) => E::from(StoreError::from(error)),
        })
}

/// How a nested [`write_transaction`] (a savepoint) failed: the work's own error, or the
/// savepoint's.
enum Nested<E> {
    Work(E),
    Database(DieselError),
}

impl<E> From<DieselError> for Nested<E> {
    fn from(error: DieselError) -> Self {
        Self::Database(error)
    }
}

/// Serialises the transactions that lock `key` until each ends: a PostgreSQL advisory lock
/// (SQLite's write transaction holds the database's one write lock already).
pub fn lock_key(conn: &mut DbConn, key: &str) -> Result<(), StoreError> {
    transaction_state::begin_if_deferred(conn)?;
    if let DbConn::Pg(pg) = conn {
        use diesel::RunQueryDsl;
        diesel::sql_query("SELECT pg_advisory_xact_lock(218234882, hashtext($1))")
            .bind::<diesel::sql_types::Text, _>(key)
            .execute(pg)?;
    }
    Ok(())
}

/// [`lock_key`] if no other transaction holds it, without waiting: whether it is held now.
pub fn try_lock_key(conn: &mut DbConn, key: &str) -> Result<bool, StoreError> {
    transaction_state::begin_if_deferred(conn)?;
    #[derive(diesel::QueryableByName)]
    struct Taken {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        taken: bool,
    }
    match conn {
        DbConn::Pg(pg) => {
            use diesel::RunQueryDsl;
            let row: Taken = diesel::sql_query(
                "SELECT pg_try_advisory_xact_lock(218234882, hashtext($1)) AS taken",
            )
            .bind::<diesel::sql_types::Text, _>(key)
            .get_result(pg)?;
            Ok(row.taken)
        }
        DbConn::Sqlite(_) => Ok(true),
    }
}
