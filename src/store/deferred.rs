//! Rows a write transaction adds that nothing reads before it commits: audit entries, in-app
//! notifications and queued jobs without a dedupe key. Inside a [`super::write_transaction`]
//! they are gathered while it runs and inserted just before it commits, one statement per table
//! and up to [`ROWS_PER_STATEMENT`] rows each, so a filing's two audit entries, or a sweep
//! batch's hundred lapses with their notices, cost a statement per table instead of one per
//! row. Outside one they are inserted at once. A savepoint that rolls back forgets what it
//! gathered, as the database would have forgotten the rows.

use std::cell::RefCell;

use diesel::RunQueryDsl;

use super::audit::NewEntry;
use super::jobs::JobRow;
use super::notifications::Notification;
use super::schema::{audit_log, jobs, notifications};
use super::{DbConn, StoreError};

/// Most rows one gathered insert carries (every backend takes their parameters).
const ROWS_PER_STATEMENT: usize = 500;

/// What one write transaction has gathered, by the address of its connection (stable while the
/// connection is checked out, which a transaction is).
pub(crate) struct Gathered {
    conn: usize,
    audit: Vec<NewEntry>,
    notifications: Vec<Notification>,
    jobs: Vec<JobRow>,
}

thread_local! {
    /// The rows of each write transaction open on this thread.
    static GATHERED: RefCell<Vec<Gathered>> = const { RefCell::new(Vec::new()) };
}

fn address(conn: &DbConn) -> usize {
    std::ptr::from_ref(conn) as usize
}

/// Gathering for one write transaction; dropping the value ends it (what was not written is
/// dropped with a transaction that did not commit).
pub(crate) struct DeferredRows(usize);

/// How much a savepoint found gathered: audit entries, notifications, jobs.
pub(crate) type Mark = (usize, usize, usize);

impl DeferredRows {
    /// Starts gathering for the write transaction opening on `conn`.
    pub(crate) fn open(conn: &DbConn) -> Self {
        Self::open_at(address(conn))
    }

    fn open_at(conn: usize) -> Self {
        GATHERED.with(|g| {
            g.borrow_mut().push(Gathered {
                conn,
                audit: Vec::new(),
                notifications: Vec::new(),
                jobs: Vec::new(),
            });
        });
        Self(conn)
    }

    /// Where a savepoint on `conn` starts.
    pub(crate) fn mark(conn: &DbConn) -> Option<Mark> {
        Self::mark_at(address(conn))
    }

    fn mark_at(conn: usize) -> Option<Mark> {
        with_gathered(conn, |g| {
            (g.audit.len(), g.notifications.len(), g.jobs.len())
        })
    }

    /// Forgets what a rolled-back savepoint gathered.
    pub(crate) fn restore(conn: &DbConn, mark: Option<Mark>) {
        Self::restore_at(address(conn), mark);
    }

    fn restore_at(conn: usize, mark: Option<Mark>) {
        if let Some((audit, notifications, jobs)) = mark {
            with_gathered(conn, |g| {
                g.audit.truncate(audit);
                g.notifications.truncate(notifications);
                g.jobs.truncate(jobs);
            });
        }
    }

    /// Inserts what the transaction under way on `conn` has gathered, now.
    pub(crate) fn write(conn: &mut DbConn) -> Result<(), StoreError> {
        let taken = with_gathered(address(conn), |g| {
            (
                std::mem::take(&mut g.audit),
                std::mem::take(&mut g.notifications),
                std::mem::take(&mut g.jobs),
            )
        });
        if let Some((audit, notifications, jobs)) = taken {
            insert_now(conn, &audit)?;
            insert_now(conn, &notifications)?;
            insert_now(conn, &jobs)?;
        }
        Ok(())
    }
}

impl Drop for DeferredRows {
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

/// A row of a table whose rows may wait for the end of the transaction.
pub(crate) trait DeferredRow: Sized {
    /// The list of these rows in what a transaction gathers.
    fn list(gathered: &mut Gathered) -> &mut Vec<Self>;
    /// Inserts `rows` in one statement.
    fn insert(conn: &mut DbConn, rows: &[Self]) -> Result<(), StoreError>;
}

macro_rules! deferred_row {
    ($row:ty, $field:ident, $table:expr) => {
        impl DeferredRow for $row {
            fn list(gathered: &mut Gathered) -> &mut Vec<Self> {
                &mut gathered.$field
            }
            fn insert(conn: &mut DbConn, rows: &[Self]) -> Result<(), StoreError> {
                insert_rows!(conn, $table, rows)?;
                Ok(())
            }
        }
    };
}

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
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        T::insert(conn, chunk)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{DeferredRows, Gathered, gather_at, with_gathered};
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

        let transaction = DeferredRows::open_at(11);
        assert!(gather_at(11, vec![note("filed")]).is_none());
        assert!(
            gather_at(12, vec![note("another connection")]).is_some(),
            "another connection's rows are not this transaction's"
        );
        let savepoint = DeferredRows::mark_at(11);
        assert!(gather_at(11, vec![note("undone")]).is_none());
        DeferredRows::restore_at(11, savepoint);
        assert!(gather_at(11, vec![note("lapsed")]).is_none());
        assert_eq!(
            gathered(11),
            Some(vec!["filed".to_string(), "lapsed".to_string()])
        );

        drop(transaction);
        assert_eq!(gathered(11), None, "what did not commit is dropped");
    }
}
