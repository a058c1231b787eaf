//! Connections, the pool and migrations for both backends. The backend is chosen from the
//! URL scheme here, never guessed by `establish` (SQLite accepts almost any string as a path).

use std::path::PathBuf;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{ManageConnection, Pool, PooledConnection};
use diesel::{ConnectionError, PgConnection, SqliteConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::StoreError;

/// Migrations for PostgreSQL, embedded in the binary.
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");
/// Migrations for SQLite, embedded in the binary; same names as the PostgreSQL tree.
pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

/// One connection to either backend.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Pg(PgConnection),
    // Last: SQLite accepts any string as a path, so it must never be tried first.
    Sqlite(SqliteConnection),
}

/// The database engine behind a URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite(PathBuf),
}

impl Backend {
    /// `postgres://…`/`postgresql://…` or `sqlite://path`; anything else is `None`.
    pub fn from_url(url: &str) -> Option<Self> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Some(Self::Postgres);
        }
        let path = url.strip_prefix("sqlite://")?;
        (!path.is_empty() && path != ":memory:").then(|| Self::Sqlite(PathBuf::from(path)))
    }
}

/// An r2d2 manager that opens the backend named by the URL and prepares each SQLite
/// connection with its pragmas.
#[derive(Clone)]
pub struct ConnectionManager {
    url: String,
    backend: Backend,
}

impl std::fmt::Debug for ConnectionManager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectionManager")
            .field("url", &crate::config::redact_url(&self.url))
            .finish()
    }
}

/// Opening or checking a connection failed.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("unsupported database URL; use sqlite://path or postgres://…")]
    UnsupportedUrl,
    #[error(transparent)]
    Connection(#[from] ConnectionError),
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
}

impl ConnectionManager {
    /// A manager for `url`.
    pub fn new(url: &str) -> Result<Self, ConnectError> {
        let backend = Backend::from_url(url).ok_or(ConnectError::UnsupportedUrl)?;
        Ok(Self {
            url: url.to_string(),
            backend,
        })
    }
}

impl ManageConnection for ConnectionManager {
    type Connection = DbConn;
    type Error = ConnectError;

    fn connect(&self) -> Result<DbConn, ConnectError> {
        match &self.backend {
            Backend::Postgres => Ok(DbConn::Pg(PgConnection::establish(&self.url)?)),
            Backend::Sqlite(path) => {
                let mut conn = SqliteConnection::establish(&path.to_string_lossy())?;
                // busy_timeout first: switching to WAL on a fresh file may wait for a lock.
                conn.batch_execute(
                    "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; \
                     PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;",
                )?;
                Ok(DbConn::Sqlite(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), ConnectError> {
        conn.batch_execute("SELECT 1").map_err(ConnectError::from)
    }

    /// A connection left in a broken state (a transaction that could not be ended, a panic
    /// while it was checked out, or work that failed on a connection that no longer answers)
    /// is dropped instead of going back to the pool.
    fn has_broken(&self, conn: &mut DbConn) -> bool {
        use diesel::r2d2::R2D2Connection;
        let work_failed = WORK_FAILED.replace(false);
        std::thread::panicking()
            || match conn {
                DbConn::Pg(pg) => pg.is_broken(),
                DbConn::Sqlite(lite) => lite.is_broken(),
            }
            || (work_failed && self.is_valid(conn).is_err())
    }
}

thread_local! {
    /// Set by [`note_failed_work`]: the connection this thread returns next is tested first.
    static WORK_FAILED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Work on the connection this thread has checked out failed: test the connection as it goes
/// back to the pool (r2d2 asks `has_broken` on the returning thread), so a connection to a
/// server that went away is dropped. Connections are not tested on checkout: that would be
/// one more round trip for every request. The price: after the database restarts, each pooled
/// connection fails the one request that finds it dead (503) before it is replaced
/// (docs/architecture.md).
pub fn note_failed_work() {
    WORK_FAILED.set(true);
}

/// The connection pool.
pub type DbPool = Pool<ConnectionManager>;
/// A connection checked out of the pool.
pub type PooledConn = PooledConnection<ConnectionManager>;

/// Builds a pool for `url`, creating the SQLite file's folder when needed. Connections are
/// opened lazily except the first, so a wrong URL fails here.
pub fn build_pool(url: &str, size: u32, connect_timeout: Duration) -> Result<DbPool, StoreError> {
    let manager = ConnectionManager::new(url).map_err(|e| StoreError::Connect(e.to_string()))?;
    if let Backend::Sqlite(path) = &manager.backend
        && let Some(parent) = path.parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent)
            .map_err(|e| StoreError::Connect(format!("cannot create {}: {e}", parent.display())))?;
    }
    Pool::builder()
        .max_size(size)
        .min_idle(Some(1))
        // See `note_failed_work`.
        .test_on_check_out(false)
        .connection_timeout(connect_timeout)
        .build(manager)
        .map_err(|e| StoreError::Connect(e.to_string()))
}

/// A pool on a read replica: built without connecting, so that a replica down at start
/// delays nothing; connections are made as reads need them.
pub fn build_replica_pool(url: &str, size: u32) -> Result<DbPool, StoreError> {
    let manager = ConnectionManager::new(url).map_err(|e| StoreError::Connect(e.to_string()))?;
    Ok(Pool::builder()
        .max_size(size)
        .min_idle(Some(0))
        .test_on_check_out(false)
        .build_unchecked(manager))
}

/// Whether the database still answers on `conn` (`SELECT 1`).
pub fn answers(conn: &mut DbConn) -> bool {
    use diesel::connection::SimpleConnection;
    conn.batch_execute("SELECT 1").is_ok()
}

/// Applies pending migrations of the connection's backend; returns how many ran.
pub fn run_migrations(conn: &mut DbConn) -> Result<usize, StoreError> {
    let applied = match conn {
        DbConn::Pg(c) => c
            .run_pending_migrations(POSTGRES_MIGRATIONS)
            .map(|v| v.len()),
        DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len()),
    };
    applied.map_err(|e| StoreError::Migration(e.to_string()))
}

/// Reverts every migration of the connection's backend (used by the reversibility test).
pub fn revert_all_migrations(conn: &mut DbConn) -> Result<usize, StoreError> {
    let reverted = match conn {
        DbConn::Pg(c) => c
            .revert_all_migrations(POSTGRES_MIGRATIONS)
            .map(|v| v.len()),
        DbConn::Sqlite(c) => c.revert_all_migrations(SQLITE_MIGRATIONS).map(|v| v.len()),
    };
    reverted.map_err(|e| StoreError::Migration(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backend_comes_from_the_scheme_only() {
        assert_eq!(
            Backend::from_url("postgres://u:p@h/db"),
            Some(Backend::Postgres)
        );
        assert_eq!(
            Backend::from_url("postgresql://h/db"),
            Some(Backend::Postgres)
        );
        assert_eq!(
            Backend::from_url("sqlite://data/odr.db"),
            Some(Backend::Sqlite(PathBuf::from("data/odr.db")))
        );
        assert_eq!(Backend::from_url("postgress://h/db"), None);
        assert_eq!(Backend::from_url("data/odr.db"), None);
        assert_eq!(Backend::from_url("sqlite://:memory:"), None);
    }
}
