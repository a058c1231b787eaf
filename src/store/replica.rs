//! A PostgreSQL streaming replica that takes reads off the primary (docs/architecture.md,
//! "Read replicas"). Reads go there only while a check shows it answers and is no further
//! behind than two checks, and never for a user who wrote within the read-your-writes window.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use diesel::RunQueryDsl;
use diesel::sql_types::{Bool, Text};

use super::conn::DbPool;
use super::{DbConn, StoreError};

/// How many recent writers are remembered before the expired ones are swept out.
const WRITERS_SWEEP_AT: usize = 10_000;

/// The replica's pool and what the last check found.
#[derive(Debug)]
pub struct Replica {
    pub(super) pool: DbPool,
    /// Whether reads may go there now.
    usable: AtomicBool,
    /// The primary's WAL position at the last check.
    primary_lsn: Mutex<Option<String>>,
    /// Users who wrote lately, with when; their reads stay on the primary.
    writers: Mutex<HashMap<String, Instant>>,
    window: Duration,
}

#[derive(diesel::QueryableByName)]
struct Position {
    #[diesel(sql_type = Text)]
    lsn: String,
}

#[derive(diesel::QueryableByName)]
struct CaughtUp {
    #[diesel(sql_type = Bool)]
    caught_up: bool,
}

impl Replica {
    /// A replica reached through `pool`, unused until a check finds it current; the reads of a
    /// user stay on the primary for `window` after the user's last write.
    pub fn new(pool: DbPool, window: Duration) -> Self {
        Self {
            pool,
            usable: AtomicBool::new(false),
            primary_lsn: Mutex::new(None),
            writers: Mutex::new(HashMap::new()),
            window,
        }
    }

    /// Whether the reads of `reader` (None: nobody in particular) may go to the replica now.
    pub fn serves(&self, reader: Option<&str>) -> bool {
        if !self.usable.load(Ordering::Acquire) {
            return false;
        }
        !reader.is_some_and(|reader| self.wrote_lately(reader))
    }

    /// Whether `user` wrote within the read-your-writes window.
    pub fn wrote_lately(&self, user: &str) -> bool {
        let writers = self.writers.lock().unwrap_or_else(|e| e.into_inner());
        writers
            .get(user)
            .is_some_and(|at| at.elapsed() < self.window)
    }

    /// Remembers that `user` wrote just now.
    pub fn note_write(&self, user: &str) {
        let mut writers = self.writers.lock().unwrap_or_else(|e| e.into_inner());
        if writers.len() >= WRITERS_SWEEP_AT {
            writers.retain(|_, at| at.elapsed() < self.window);
        }
        writers.insert(user.to_string(), Instant::now());
    }

    /// Stops reads going to the replica until the next check finds it current.
    pub fn set_unusable(&self) {
        self.usable.store(false, Ordering::Release);
    }

    /// Checks the replica against `primary`: usable when it answers, is in recovery and has
    /// replayed the WAL up to where the primary was at the previous check (so it misses
    /// nothing committed before then). Returns whether it is usable.
    pub fn check(&self, primary: &mut DbConn, timeout: Duration) -> Result<bool, StoreError> {
        let now: Position = match primary {
            DbConn::Pg(pg) => {
                diesel::sql_query("SELECT pg_current_wal_lsn()::text AS lsn").get_result(pg)?
            }
            DbConn::Sqlite(_) => {
                return Err(StoreError::Corrupt("a replica needs PostgreSQL".into()));
            }
        };
        let previous = {
            let mut last = self.primary_lsn.lock().unwrap_or_else(|e| e.into_inner());
            last.replace(now.lsn.clone())
        };
        // The first check asks for the position of this moment: caught up only when idle.
        let wanted = previous.unwrap_or(now.lsn);
        let usable = self.pool.get_timeout(timeout).is_ok_and(|mut conn| {
            let found = match &mut *conn {
                DbConn::Pg(pg) => diesel::sql_query(
                    "SELECT pg_is_in_recovery() AND pg_last_wal_replay_lsn() >= $1::pg_lsn \
                     AS caught_up",
                )
                .bind::<Text, _>(&wanted)
                .get_result::<CaughtUp>(pg),
                DbConn::Sqlite(_) => return false,
            };
            match found {
                Ok(row) => row.caught_up,
                Err(error) => {
                    super::conn::note_failed_work();
                    tracing::warn!(%error, "the read replica did not answer its check");
                    false
                }
            }
        });
        let was = self.usable.swap(usable, Ordering::AcqRel);
        if was != usable {
            tracing::info!(
                replica.usable = usable,
                "read replica {}",
                if usable { "in use" } else { "out of use" }
            );
        }
        Ok(usable)
    }
}
