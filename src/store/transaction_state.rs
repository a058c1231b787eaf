//! What a [`super::write_transaction`] keeps on the side while it runs, per connection, and
//! forgets with a savepoint that rolls back, as the database forgets what the savepoint did:
//!
//! - Rows it adds that nothing reads before it commits: timeline entries, audit entries,
//!   in-app notifications, queued jobs without a dedupe key and webhook events (fanned out to
//!   the endpoints that chose them, `super::webhooks::fan_out`). They are inserted just before
//!   it commits, one statement per table and up to [`ROWS_PER_STATEMENT`] rows each, so a
//!   filing's two audit entries, or a sweep batch's hundred lapses with their timeline entries
//!   and notices, cost a statement per table instead of one per row. Outside a write
//!   transaction they are inserted at once. A read of them inside one (the case files of a
//!   sweep batch's escalation packets) first calls [`TransactionState::write`].
//! - The advisory locks it holds (PostgreSQL), so none is asked for twice: a sweep batch's
//!   lapses at one unit, or a step's several counter rows, take the unit's lock once.
//! - What follows from a dispute's conclusion ([`super::disputes::Concluded`]): its open
//!   offers withdrawn and its purchase freed, for all the disputes concluded in it at once.
//! - Reads that do not change while it runs and that it would otherwise repeat for each
//!   dispute it changes ([`remembered`]): a business's association, a unit's staff, a sweep
//!   batch's consumers (read for the whole batch at once, [`remember`]).

use std::any::Any;
use std::cell::RefCell;
use std::collections::HashMap;

use diesel::RunQueryDsl;

use super::audit::NewEntry;
use super::disputes::{Concluded, Dispute, TimelineEvent};
use super::jobs::JobRow;
use super::notifications::Notification;
use super::schema::{audit_log, dispute_events, jobs, notifications};
use super::webhooks::DisputeWebhook;
use super::{DbConn, StoreError};

/// Most rows one gathered insert carries (every backend takes their parameters).
const ROWS_PER_STATEMENT: usize = 500;

/// What one write transaction keeps, by the address of its connection (stable while the
/// connection is checked out, which a transaction is).
pub(crate) struct Gathered {
    conn: usize,
    events: Vec<TimelineEvent>,
    audit: Vec<NewEntry>,
    notifications: Vec<Notification>,
    jobs: Vec<JobRow>,
    /// Events endpoints may have chosen, fanned out to them after the rows above.
    webhooks: Vec<DisputeWebhook>,
    concluded: Vec<Concluded>,
    /// Disputes saved while [`defer_saves`] holds, to be written together.
    saves: Vec<Dispute>,
    defer_saves: bool,
    /// Advisory locks taken: class, key, shared.
    locks: Vec<(i32, String, bool)>,
    /// What [`remembered`] read, by what it was and its key.
    reads: HashMap<(&'static str, String), Box<dyn Any>>,
    /// Opened by [`super::write_at_once`], whose `BEGIN` is not sent yet
    /// ([`begin_if_deferred`]).
    begin_deferred: bool,
    /// Whether a statement wrote the work of a [`super::write_at_once`] alone, with no `BEGIN`
    /// ([`take_filing_alone`]): nothing may be gathered after it.
    written_alone: bool,
}

thread_local! {
    /// What each write transaction open on this thread keeps.
    static GATHERED: RefCell<Vec<Gathered>> = const { RefCell::new(Vec::new()) };
}

fn address(conn: &DbConn) -> usize {
    std::ptr::from_ref(conn) as usize
}

/// Keeping for one write transaction; dropping the value ends it (rows not written are
/// dropped with a transaction that did not commit, and its locks with it).
pub(crate) struct TransactionState(usize);

/// How much a savepoint found kept: timeline entries, audit entries, notifications, jobs,
/// webhooks, concluded disputes, saved disputes, locks.
pub(crate) type Mark = (usize, usize, usize, usize, usize, usize, usize, usize);

impl TransactionState {
    /// Starts gathering for the write transaction opening on `conn`.
    pub(crate) fn open(conn: &DbConn) -> Self {
        Self::open_at(address(conn))
    }

    fn open_at(conn: usize) -> Self {
        GATHERED.with(|g| {
            g.borrow_mut().push(Gathered {
                conn,
                events: Vec::new(),
                audit: Vec::new(),
                notifications: Vec::new(),
                jobs: Vec::new(),
                webhooks: Vec::new(),
                concluded: Vec::new(),
                saves: Vec::new(),
                defer_saves: false,
                locks: Vec::new(),
                reads: HashMap::new(),
                begin_deferred: false,
                written_alone: false,
            });
        });
        Self(conn)
    }

    /// Starts gathering for the work of a [`super::write_at_once`] on `conn`, which has sent no
    /// `BEGIN`.
    pub(crate) fn open_deferred(conn: &DbConn) -> Self {
        let state = Self::open(conn);
        with_gathered(state.0, |g| g.begin_deferred = true);
        state
    }

    /// Whether the transaction open on `conn` has gathered nothing it has to write.
    pub(crate) fn nothing_to_write(conn: &DbConn) -> bool {
        with_gathered(address(conn), |g| {
            g.events.is_empty()
                && g.audit.is_empty()
                && g.notifications.is_empty()
                && g.jobs.is_empty()
                && g.webhooks.is_empty()
                && g.concluded.is_empty()
                && g.saves.is_empty()
        })
        .unwrap_or(true)
    }

    /// Where a savepoint on `conn` starts.
    pub(crate) fn mark(conn: &DbConn) -> Option<Mark> {
        Self::mark_at(address(conn))
    }

    fn mark_at(conn: usize) -> Option<Mark> {
        with_gathered(conn, |g| {
            (
                g.events.len(),
                g.audit.len(),
                g.notifications.len(),
                g.jobs.len(),
                g.webhooks.len(),
                g.concluded.len(),
                g.saves.len(),
                g.locks.len(),
            )
        })
    }

    /// Forgets what a rolled-back savepoint added and locked.
    pub(crate) fn restore(conn: &DbConn, mark: Option<Mark>) {
        Self::restore_at(address(conn), mark);
    }

    fn restore_at(conn: usize, mark: Option<Mark>) {
        if let Some((events, audit, notifications, jobs, webhooks, concluded, saves, locks)) = mark
        {
            with_gathered(conn, |g| {
                g.events.truncate(events);
                g.audit.truncate(audit);
                g.notifications.truncate(notifications);
                g.jobs.truncate(jobs);
                g.webhooks.truncate(webhooks);
                g.concluded.truncate(concluded);
                g.saves.truncate(saves);
                g.locks.truncate(locks);
                // What the savepoint wrote may have changed what was read during it.
                g.reads.clear();
            });
        }
    }

    /// Inserts what the transaction under way on `conn` has gathered, now: the disputes saved
    /// first.
    pub(crate) fn write(conn: &mut DbConn) -> Result<(), StoreError> {
        if !write_saves(conn)? {
            return Err(StoreError::Corrupt(
                "a dispute saved in a batch changed although the batch held it".into(),
            ));
        }
        if let Some(rows) = with_gathered(address(conn), Gathered::take_filing_rows).flatten() {
            insert_filing_rows(conn, rows)?;
        }
        let taken = with_gathered(address(conn), |g| {
            (
                std::mem::take(&mut g.events),
                std::mem::take(&mut g.audit),
                std::mem::take(&mut g.notifications),
                std::mem::take(&mut g.jobs),
                std::mem::take(&mut g.webhooks),
                std::mem::take(&mut g.concluded),
            )
        });
        if let Some((events, audit, notifications, jobs, webhooks, concluded)) = taken {
            insert_now(conn, &events)?;
            insert_now(conn, &audit)?;
            insert_now(conn, &notifications)?;
            insert_now(conn, &jobs)?;
            insert_now(conn, &webhooks)?;
            insert_now(conn, &concluded)?;
        }
        Ok(())
    }
}

impl Gathered {
    /// Takes the rows a filing gathers for its end, when they are all of its rows to insert:
    /// one timeline entry, one audit entry and one job, no notification.
    fn take_filing_rows(&mut self) -> Option<(TimelineEvent, NewEntry, JobRow)> {
        let filing = self.events.len() == 1
            && self.audit.len() == 1
            && self.notifications.is_empty()
            && self.jobs.len() == 1;
        filing.then(|| {
            (
                self.events.remove(0),
                self.audit.remove(0),
                self.jobs.remove(0),
            )
        })
    }
}

/// Sends the `BEGIN` a [`super::write_at_once`] on `conn` has deferred, if it has not been
/// sent: before a statement that writes, other than the one that writes the work alone, and
/// before an advisory lock, which a transaction holds. Nothing otherwise.
pub(crate) fn begin_if_deferred(conn: &mut DbConn) -> Result<(), StoreError> {
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    let at = address(conn);
    let state = with_gathered(at, |g| {
        (std::mem::take(&mut g.begin_deferred), g.written_alone)
    });
    match (state, conn) {
        // The work was written whole: what would follow would not be part of it.
        (Some((_, true)), _) => Err(StoreError::Corrupt(
            "a write after the statement that wrote the work alone".into(),
        )),
        (Some((true, false)), DbConn::Pg(pg)) => {
            if let Err(error) = AnsiTransactionManager::begin_transaction(pg) {
                with_gathered(at, |g| g.begin_deferred = true);
                return Err(error.into());
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// The rows a filing gathered for its end (one timeline entry, one audit entry, one job),
/// taken for the statement that writes them with the dispute, alone: only in a
/// [`super::write_at_once`] on PostgreSQL that has sent no `BEGIN`, when they are all it
/// gathered and no counter waits (docs/architecture.md#statements-per-write). After them
/// nothing may be gathered.
pub(crate) fn take_filing_alone(conn: &DbConn) -> Option<(TimelineEvent, NewEntry, JobRow)> {
    if !matches!(conn, DbConn::Pg(_)) || !super::metrics::CounterDeltas::none_pending() {
        return None;
    }
    with_gathered(address(conn), |g| {
        let alone = g.begin_deferred
            && g.webhooks.is_empty()
            && g.concluded.is_empty()
            && g.saves.is_empty();
        let rows = alone.then(|| g.take_filing_rows()).flatten()?;
        g.begin_deferred = false;
        g.written_alone = true;
        Some(rows)
    })
    .flatten()
}

/// On PostgreSQL, the rows a filing gathers ([`Gathered::take_filing_rows`]) in one statement
/// of a fixed text (`super::together`), which diesel keeps prepared: two round trips fewer
/// (docs/architecture.md#statements-per-write). Rows of any other shape are inserted a
/// statement per table: one statement gathering them whatever their shape would change its
/// text with them and be planned anew each time. SQLite's statements are calls inside the
/// process, so it inserts them a table at a time.
fn insert_filing_rows(
    conn: &mut DbConn,
    (event, entry, job): (TimelineEvent, NewEntry, JobRow),
) -> Result<(), StoreError> {
    begin_if_deferred(conn)?;
    match conn {
        DbConn::Pg(pg) => {
            super::together::Together {
                with: (
                    diesel::insert_into(dispute_events::table).values(&event),
                    diesel::insert_into(audit_log::table).values(&entry),
                ),
                last: diesel::insert_into(jobs::table).values(&job),
            }
            .execute(pg)?;
            Ok(())
        }
        DbConn::Sqlite(_) => {
            insert_now(conn, &[event])?;
            insert_now(conn, &[entry])?;
            insert_now(conn, &[job])
        }
    }
}

impl Drop for TransactionState {
    fn drop(&mut self) {
        GATHERED.with(|g| g.borrow_mut().retain(|gathered| gathered.conn != self.0));
    }
}

/// Runs `f` on what the write transaction open on connection `conn` gathers, if one is.
fn with_gathered<T>(conn: usize, f: impl FnOnce(&mut Gathered) -> T) -> Option<T> {
    GATHERED.with(|g| {
        g.borrow_mut()
            .iter_mut()
            .rev()
            .find(|gathered| gathered.conn == conn)
            .map(f)
    })
}

/// A row of a table whose rows may wait for the end of the transaction, or a change that may.
pub(crate) trait DeferredRow: Sized {
    /// The list of these rows in what a transaction gathers.
    fn list(gathered: &mut Gathered) -> &mut Vec<Self>;
    /// Inserts `rows` in one statement (a change: applies them in a statement or two).
    fn insert(conn: &mut DbConn, rows: &[Self]) -> Result<(), StoreError>;
}

impl DeferredRow for DisputeWebhook {
    fn list(gathered: &mut Gathered) -> &mut Vec<Self> {
        &mut gathered.webhooks
    }
    fn insert(conn: &mut DbConn, rows: &[Self]) -> Result<(), StoreError> {
        super::webhooks::fan_out(conn, rows)
    }
}

impl DeferredRow for Concluded {
    fn list(gathered: &mut Gathered) -> &mut Vec<Self> {
        &mut gathered.concluded
    }
    fn insert(conn: &mut DbConn, rows: &[Self]) -> Result<(), StoreError> {
        Concluded::apply(conn, rows)
    }
}

macro_rules! deferred_row {
    ($row:ty, $field:ident, $table:expr) => {
        impl DeferredRow for $row {
            fn list(gathered: &mut Gathered) -> &mut Vec<Self> {
                &mut gathered.$field
            }
            fn insert(conn: &mut DbConn, rows: &[Self]) -> Result<(), StoreError> {
                insert_slice!(conn, $table, rows)?;
                Ok(())
            }
        }
    };
}

deferred_row!(TimelineEvent, events, dispute_events::table);
deferred_row!(NewEntry, audit, audit_log::table);
deferred_row!(Notification, notifications, notifications::table);
deferred_row!(JobRow, jobs, jobs::table);

/// Adds `rows`: gathered when a write transaction is open on `conn`, inserted at once when
/// none is.
pub(crate) fn add<T: DeferredRow>(conn: &mut DbConn, rows: Vec<T>) -> Result<(), StoreError> {
    match gather_at(address(conn), rows) {
        Some(rows) => insert_now(conn, &rows),
        None => Ok(()),
    }
}

/// What `read` gives for (`what`, `key`): read once in the write transaction open on `conn`
/// and remembered until it ends (or a savepoint of it rolls back); read at each call outside
/// one. Only for what the transaction itself does not change.
pub(crate) fn remembered<T: Clone + 'static>(
    conn: &mut DbConn,
    what: &'static str,
    key: &str,
    read: impl FnOnce(&mut DbConn) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    remembered_at(address(conn), what, key, || read(conn))
}

fn remembered_at<T: Clone + 'static>(
    conn: usize,
    what: &'static str,
    key: &str,
    read: impl FnOnce() -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    match recall_at::<T>(conn, what, key) {
        Some(Some(value)) => Ok(value),
        Some(None) => {
            let value = read()?;
            with_gathered(conn, |g| {
                g.reads
                    .insert((what, key.to_string()), Box::new(value.clone()));
            });
            Ok(value)
        }
        None => read(),
    }
}

/// What the write transaction open on `conn` remembers for (`what`, `key`), without reading it
/// when it does not.
pub(crate) fn recall<T: Clone + 'static>(
    conn: &DbConn,
    what: &'static str,
    key: &str,
) -> Option<T> {
    recall_at(address(conn), what, key).flatten()
}

/// None when no write transaction is open on connection `conn`, else what it remembers.
fn recall_at<T: Clone + 'static>(conn: usize, what: &'static str, key: &str) -> Option<Option<T>> {
    with_gathered(conn, |g| {
        g.reads
            .get(&(what, key.to_string()))
            .and_then(|value| value.downcast_ref::<T>())
            .cloned()
    })
}

/// Remembers `value` for (`what`, `key`) in the write transaction open on `conn`, as though
/// [`remembered`] had read it there (rows a batch reads at once for its disputes); nothing
/// outside one.
pub(crate) fn remember<T: Clone + 'static>(conn: &DbConn, what: &'static str, key: &str, value: T) {
    with_gathered(address(conn), |g| {
        g.reads.insert((what, key.to_string()), Box::new(value));
    });
}

/// From now on the disputes the write transaction open on `conn` saves are written together
/// ([`write_saves`]): only for a transaction that holds every dispute it changes, read at the
/// version it saves over, as a sweep batch does (`store::timers::claim_for_sweep`).
pub(crate) fn defer_saves(conn: &DbConn) {
    with_gathered(address(conn), |g| g.defer_saves = true);
}

/// Keeps `dispute`, saved over `expected_version` (the one before its own), to be saved with
/// the others of the transaction open on `conn` when it defers its saves ([`defer_saves`]);
/// whether it was kept (if not, the caller saves it now). A dispute saved a second time first
/// has its earlier save written.
pub(crate) fn defer_save(
    conn: &mut DbConn,
    dispute: &Dispute,
    expected_version: i64,
) -> Result<bool, StoreError> {
    if dispute.version != expected_version + 1 {
        return Ok(false);
    }
    let pending = with_gathered(address(conn), |g| {
        g.defer_saves
            .then(|| g.saves.iter().any(|saved| saved.id == dispute.id))
    })
    .flatten();
    match pending {
        None => Ok(false),
        Some(again) => {
            if again && !write_saves(conn)? {
                return Err(StoreError::Corrupt(
                    "a dispute saved in a batch changed although the batch held it".into(),
                ));
            }
            with_gathered(address(conn), |g| g.saves.push(dispute.clone()));
            Ok(true)
        }
    }
}

/// Writes the disputes kept by [`defer_save`] in the transaction open on `conn`, one statement
/// per [`ROWS_PER_STATEMENT`]; whether each was still at the version it was saved over.
pub(crate) fn write_saves(conn: &mut DbConn) -> Result<bool, StoreError> {
    let saves = with_gathered(address(conn), |g| std::mem::take(&mut g.saves)).unwrap_or_default();
    let mut all = true;
    for chunk in saves.chunks(ROWS_PER_STATEMENT) {
        all &= super::disputes::save_disputes(conn, chunk)? == chunk.len();
    }
    Ok(all)
}

/// Whether the write transaction open on `conn` holds advisory lock (`class`, `key`) as
/// `shared` asks (an exclusive lock stands for a shared one); `false` outside one.
pub(crate) fn holds_lock(conn: &DbConn, class: i32, key: &str, shared: bool) -> bool {
    holds_lock_at(address(conn), class, key, shared)
}

fn holds_lock_at(conn: usize, class: i32, key: &str, shared: bool) -> bool {
    with_gathered(conn, |g| {
        g.locks
            .iter()
            .any(|(c, k, s)| *c == class && k == key && (*s == shared || !*s))
    })
    .unwrap_or(false)
}

/// Notes that the write transaction open on `conn`, if one is, took advisory lock (`class`,
/// `key`).
pub(crate) fn note_lock(conn: &DbConn, class: i32, key: &str, shared: bool) {
    note_lock_at(address(conn), class, key, shared);
}

fn note_lock_at(conn: usize, class: i32, key: &str, shared: bool) {
    with_gathered(conn, |g| g.locks.push((class, key.to_string(), shared)));
}

/// Gathers `rows` for the write transaction open on connection `conn`; gives them back when
/// none is.
fn gather_at<T: DeferredRow>(conn: usize, rows: Vec<T>) -> Option<Vec<T>> {
    let mut rows = Some(rows);
    with_gathered(conn, |g| {
        if let Some(rows) = rows.take() {
            T::list(g).extend(rows);
        }
    });
    rows
}

fn insert_now<T: DeferredRow>(conn: &mut DbConn, rows: &[T]) -> Result<(), StoreError> {
    begin_if_deferred(conn)?;
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        T::insert(conn, chunk)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{Gathered, TransactionState, gather_at, with_gathered};
    use crate::domain::notification::NotificationKind;
    use crate::store::notifications::Notification;

    fn note(text: &str) -> Notification {
        Notification::new(
            "user",
            None,
            NotificationKind::Unit,
            text,
            chrono::DateTime::UNIX_EPOCH,
        )
    }

    fn gathered(conn: usize) -> Option<Vec<String>> {
        with_gathered(conn, |g: &mut Gathered| {
            g.notifications.iter().map(|n| n.message.clone()).collect()
        })
    }

    #[test]
    fn a_transaction_writes_what_it_kept_and_a_rolled_back_savepoint_nothing() {
        // No transaction open on the connection: the rows go in at once.
        assert_eq!(
            gather_at(11, vec![note("at once")]).map(|r| r.len()),
            Some(1)
        );

        let transaction = TransactionState::open_at(11);
        assert!(gather_at(11, vec![note("filed")]).is_none());
        assert!(
            gather_at(12, vec![note("another connection")]).is_some(),
            "another connection's rows are not this transaction's"
        );
        let savepoint = TransactionState::mark_at(11);
        assert!(gather_at(11, vec![note("undone")]).is_none());
        TransactionState::restore_at(11, savepoint);
        assert!(gather_at(11, vec![note("lapsed")]).is_none());
        assert_eq!(
            gathered(11),
            Some(vec!["filed".to_string(), "lapsed".to_string()])
        );

        drop(transaction);
        assert_eq!(gathered(11), None, "what did not commit is dropped");
    }
}

#[cfg(test)]
mod lock_tests {
    use super::{TransactionState, holds_lock_at, note_lock_at};

    fn holds(conn: usize, key: &str, shared: bool) -> bool {
        holds_lock_at(conn, 7, key, shared)
    }

    fn note(conn: usize, key: &str, shared: bool) {
        note_lock_at(conn, 7, key, shared);
    }

    #[test]
    fn a_transaction_asks_once_for_each_lock_and_again_after_a_savepoint_released_it() {
        // Outside a write transaction nothing is remembered: each statement asks.
        note(21, "unit-a", true);
        assert!(!holds(21, "unit-a", true));

        let transaction = TransactionState::open_at(21);
        note(21, "unit-a", true);
        note(21, "unit-b", false);
        assert!(holds(21, "unit-a", true));
        assert!(
            !holds(21, "unit-a", false),
            "a shared lock does not stand for an exclusive one"
        );
        assert!(
            holds(21, "unit-b", true),
            "an exclusive lock covers a shared one"
        );
        assert!(
            !holds(22, "unit-a", true),
            "another connection's transaction holds nothing of this one's"
        );

        let savepoint = TransactionState::mark_at(21);
        note(21, "unit-c", true);
        assert!(holds(21, "unit-c", true));
        TransactionState::restore_at(21, savepoint);
        assert!(
            !holds(21, "unit-c", true),
            "PostgreSQL released what the rolled-back savepoint took"
        );
        assert!(holds(21, "unit-a", true));

        drop(transaction);
        assert!(!holds(21, "unit-a", true));
        assert!(!holds(21, "unit-b", false));
    }
}

#[cfg(test)]
mod read_tests {
    use super::{TransactionState, remembered_at};
    use crate::store::StoreError;

    /// Reads `key` as transaction `conn` would, counting the reads that reached the database.
    fn read(conn: usize, key: &str, reads: &mut usize) -> String {
        remembered_at(conn, "name", key, || {
            *reads += 1;
            Ok::<_, StoreError>(format!("{key} #{reads}"))
        })
        .expect("the read does not fail")
    }

    #[test]
    fn a_transaction_reads_each_key_once_and_again_after_a_savepoint_rolled_back() {
        let mut reads = 0;
        // Outside a write transaction every call reads.
        read(31, "unit-a", &mut reads);
        read(31, "unit-a", &mut reads);
        assert_eq!(reads, 2);

        let transaction = TransactionState::open_at(31);
        assert_eq!(read(31, "unit-a", &mut reads), "unit-a #3");
        assert_eq!(read(31, "unit-a", &mut reads), "unit-a #3", "remembered");
        assert_eq!(
            read(31, "unit-b", &mut reads),
            "unit-b #4",
            "another key reads"
        );
        assert_eq!(
            read(32, "unit-a", &mut reads),
            "unit-a #5",
            "another connection's transaction remembers nothing of this one's"
        );

        let savepoint = TransactionState::mark_at(31);
        TransactionState::restore_at(31, savepoint);
        assert_eq!(
            read(31, "unit-a", &mut reads),
            "unit-a #6",
            "what a rolled-back savepoint wrote may have changed it"
        );

        drop(transaction);
        read(31, "unit-a", &mut reads);
        assert_eq!(reads, 7, "forgotten when the transaction ends");
    }
}
