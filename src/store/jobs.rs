//! The durable job queue. A claim is an `UPDATE … RETURNING` of the due jobs a subquery picks:
//! on PostgreSQL with `FOR UPDATE SKIP LOCKED`, on SQLite (one writer at a time) as one atomic
//! statement. A job whose lease expired (its worker died) can be claimed again, so work is
//! never lost.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::schema::jobs;
use super::{DbConn, StoreError, new_id, to_db_time};

/// Job states.
pub mod state {
    pub const QUEUED: &str = "queued";
    pub const RUNNING: &str = "running";
    pub const DONE: &str = "done";
    pub const DEAD: &str = "dead";
}

/// A stored job.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = jobs, treat_none_as_default_value = false)]
pub struct JobRow {
    pub id: String,
    pub kind: String,
    pub payload: String,
    pub dedupe_key: Option<String>,
    pub state: String,
    pub attempts: i64,
    pub max_attempts: i64,
    pub run_at: NaiveDateTime,
    pub locked_by: Option<String>,
    pub locked_until: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
    /// Past this moment a failed job is not retried any more.
    pub give_up_at: Option<NaiveDateTime>,
}

/// A job to add to the queue.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub kind: String,
    pub payload: String,
    /// When set, a second job with the same key is not added (e.g. one reminder per due date).
    pub dedupe_key: Option<String>,
    pub max_attempts: i64,
    pub run_at: DateTime<Utc>,
    /// Stop retrying after this moment (escalations: 72 h), whatever attempts are left.
    pub give_up_at: Option<DateTime<Utc>>,
}

/// Adds a job; returns `false` when a job with the same dedupe key already exists. One without
/// a key waits, inside a write transaction, for its end with the transaction's other rows
/// ([`enqueue_all`]).
pub fn enqueue(conn: &mut DbConn, job: &NewJob, now: DateTime<Utc>) -> Result<bool, StoreError> {
    // Without a key it is always added: with the transaction's other rows, at its end.
    let Some(key) = &job.dedupe_key else {
        enqueue_all(conn, std::slice::from_ref(job), now)?;
        return Ok(true);
    };
    let exists = jobs::table
        .filter(jobs::dedupe_key.eq(key))
        .count()
        .get_result::<i64>(conn)?
        > 0;
    if exists {
        return Ok(false);
    }
    match diesel::insert_into(jobs::table)
        .values(&JobRow::queued(job, now))
        .execute(conn)
    {
        Ok(_) => Ok(true),
        // A concurrent transaction added the same key first.
        Err(e) => match StoreError::from(e) {
            StoreError::Conflict(_) => Ok(false),
            other => Err(other),
        },
    }
}

/// Adds jobs that have no dedupe key, in one statement: inside a write transaction with the
/// transaction's others, just before the commit ([`super::transaction_state`]).
pub fn enqueue_all(
    conn: &mut DbConn,
    jobs: &[NewJob],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    debug_assert!(jobs.iter().all(|job| job.dedupe_key.is_none()));
    let rows: Vec<JobRow> = jobs.iter().map(|job| JobRow::queued(job, now)).collect();
    super::transaction_state::add(conn, rows)
}

impl JobRow {
    /// The queued row of a new job.
    fn queued(job: &NewJob, now: DateTime<Utc>) -> Self {
        Self {
            id: new_id(),
            kind: job.kind.clone(),
            payload: job.payload.clone(),
            dedupe_key: job.dedupe_key.clone(),
            state: state::QUEUED.into(),
            attempts: 0,
            max_attempts: job.max_attempts,
            run_at: to_db_time(job.run_at),
            locked_by: None,
            locked_until: None,
            last_error: None,
            created_at: to_db_time(now),
            finished_at: None,
            give_up_at: job.give_up_at.map(to_db_time),
        }
    }
}

/// Claims the next due job for `worker` with a lease of `lease`, or `None` when nothing is due.
pub fn claim_next(
    conn: &mut DbConn,
    worker: &str,
    now: DateTime<Utc>,
    lease: Duration,
) -> Result<Option<JobRow>, StoreError> {
    Ok(claim_due(conn, worker, now, lease, 1)?.pop())
}

/// Claims up to `limit` due jobs for `worker` with a lease of `lease` each, oldest due first:
/// jobs whose lease ran out (their worker died) before the queue's. Empty when nothing is due.
pub fn claim_due(
    conn: &mut DbConn,
    worker: &str,
    now: DateTime<Utc>,
    lease: Duration,
    limit: i64,
) -> Result<Vec<JobRow>, StoreError> {
    let at = to_db_time(now);
    let until = to_db_time(now + lease);
    let take = (
        jobs::state.eq(state::RUNNING),
        jobs::locked_by.eq(worker),
        jobs::locked_until.eq(until),
        jobs::attempts.eq(jobs::attempts + 1),
    );
    // The candidates are read from the queue under another name: a subquery of the updated
    // table itself would be taken as a correlated one.
    let queue = diesel::alias!(jobs as queue);
    let candidates = |state: &'static str, limit: i64| {
        queue
            .filter(queue.field(jobs::state).eq(state))
            .order(queue.field(jobs::run_at))
            .select(queue.field(jobs::id))
            .limit(limit)
    };
    // One statement for each kind of candidate, each read from the (state, run_at) index:
    // jobs whose lease ran out (few jobs run at once), then the oldest due jobs of the queue.
    // A claim costs the same however long the queue is (one `OR` over both kinds read and
    // sorted every due job, thousands after a mass escalation). On PostgreSQL each stops at
    // rows no other worker holds (`FOR UPDATE SKIP LOCKED`); SQLite has one writer at a time.
    macro_rules! claim_from {
        ($candidates:expr) => {
            match conn {
                DbConn::Pg(pg) => diesel::update(jobs::table)
                    .filter(jobs::id.eq_any($candidates.for_update().skip_locked()))
                    .set(take)
                    .returning(JobRow::as_returning())
                    .load::<JobRow>(pg)?,
                DbConn::Sqlite(lite) => diesel::update(jobs::table)
                    .filter(jobs::id.eq_any($candidates))
                    .set(take)
                    .returning(JobRow::as_returning())
                    .load::<JobRow>(lite)?,
            }
        };
    }
    let mut claimed = claim_from!(
        candidates(state::RUNNING, limit).filter(queue.field(jobs::locked_until).lt(at))
    );
    let wanted = limit - claimed.len() as i64;
    if wanted > 0 {
        claimed.extend(claim_from!(
            candidates(state::QUEUED, wanted).filter(queue.field(jobs::run_at).le(at))
        ));
    }
    // RETURNING gives the rows in no set order.
    claimed.sort_by(|a, b| a.run_at.cmp(&b.run_at).then_with(|| a.id.cmp(&b.id)));
    Ok(claimed)
}

/// Job `id`, running under `worker`'s lease ending at `until`: the claim (or renewal) that
/// gave that lease, not a later one by which another job loop of the same worker took the job
/// over after the lease ran out.
macro_rules! held_by {
    ($id:expr, $worker:expr, $until:expr) => {
        jobs::table
            .find($id)
            .filter(jobs::locked_by.eq($worker))
            .filter(jobs::state.eq(state::RUNNING))
            .filter(jobs::locked_until.eq($until))
    };
}

/// Marks claimed jobs `done` done, those whose claims still hold; how many. One statement for
/// the jobs of one claim (they share its lease's end), so a batch's completions cost one.
pub fn complete(
    conn: &mut DbConn,
    done: &[JobRow],
    worker: &str,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let mut by_lease: Vec<(Option<NaiveDateTime>, Vec<&str>)> = Vec::new();
    for job in done {
        match by_lease
            .iter_mut()
            .find(|(until, _)| *until == job.locked_until)
        {
            Some((_, ids)) => ids.push(&job.id),
            None => by_lease.push((job.locked_until, vec![&job.id])),
        }
    }
    let mut completed = 0;
    for (until, ids) in by_lease {
        completed += diesel::update(
            jobs::table
                .filter(jobs::id.eq_any(ids))
                .filter(jobs::locked_by.eq(worker))
                .filter(jobs::state.eq(state::RUNNING))
                .filter(jobs::locked_until.eq(until)),
        )
        .set((
            jobs::state.eq(state::DONE),
            jobs::finished_at.eq(Some(to_db_time(now))),
            jobs::locked_until.eq(None::<NaiveDateTime>),
            jobs::last_error.eq(None::<String>),
        ))
        .execute(conn)?;
    }
    Ok(completed)
}

/// Extends the lease of claimed job `job` to `until` if its claim still holds (it was not taken
/// over after the lease ran out, even by another job loop of the same worker): the lease's new
/// end as stored.
pub fn renew_lease(
    conn: &mut DbConn,
    job: &JobRow,
    worker: &str,
    until: DateTime<Utc>,
) -> Result<Option<NaiveDateTime>, StoreError> {
    let renewed = diesel::update(held_by!(&job.id, worker, job.locked_until))
        .set(jobs::locked_until.eq(Some(to_db_time(until))))
        .returning(jobs::locked_until);
    Ok(match conn {
        DbConn::Pg(pg) => renewed.get_result::<Option<NaiveDateTime>>(pg),
        DbConn::Sqlite(lite) => renewed.get_result::<Option<NaiveDateTime>>(lite),
    }
    .optional()?
    .flatten())
}

/// What giving a job back sets: queued, no lease, the claim's attempt not counted.
macro_rules! unclaimed {
    () => {
        (
            jobs::state.eq(state::QUEUED),
            jobs::locked_until.eq(None::<NaiveDateTime>),
            jobs::attempts.eq(jobs::attempts - 1_i64),
        )
    };
}

/// Gives back the claimed jobs `held` that `worker` did not begin, those whose claims still
/// hold: queued again at once, the claim's attempt not counted.
pub fn give_back(conn: &mut DbConn, held: &[JobRow], worker: &str) -> Result<usize, StoreError> {
    let mut given = 0;
    for job in held {
        given += diesel::update(held_by!(&job.id, worker, job.locked_until))
            .set(unclaimed!())
            .execute(conn)?;
    }
    Ok(given)
}

/// Records a failure: the job runs again at `retry_at`, or is `dead` when out of attempts or
/// when `retry_at` lies past its give-up moment. Returns whether it is now dead.
pub fn fail(
    conn: &mut DbConn,
    job: &JobRow,
    worker: &str,
    error: &str,
    retry_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let is_dead = job.attempts >= job.max_attempts
        || job.give_up_at.is_some_and(|at| to_db_time(retry_at) > at);
    let target = held_by!(&job.id, worker, job.locked_until);
    if is_dead {
        diesel::update(target)
            .set((
                jobs::state.eq(state::DEAD),
                jobs::last_error.eq(Some(error)),
                jobs::finished_at.eq(Some(to_db_time(now))),
                jobs::locked_until.eq(None::<NaiveDateTime>),
            ))
            .execute(conn)?;
    } else {
        diesel::update(target)
            .set((
                jobs::state.eq(state::QUEUED),
                jobs::last_error.eq(Some(error)),
                jobs::run_at.eq(to_db_time(retry_at)),
                jobs::locked_until.eq(None::<NaiveDateTime>),
            ))
            .execute(conn)?;
    }
    Ok(is_dead)
}

/// Gives back the jobs `worker` holds because it is stopping: they are due again at once for
/// any worker, and the attempt does not count. Returns how many.
pub fn release_leases(conn: &mut DbConn, worker: &str) -> Result<usize, StoreError> {
    Ok(diesel::update(
        jobs::table
            .filter(jobs::locked_by.eq(worker))
            .filter(jobs::state.eq(state::RUNNING)),
    )
    .set(unclaimed!())
    .execute(conn)?)
}

/// Gives back the jobs `worker` held when it panicked: the attempt counts and the job waits
/// until `retry_at`, so a job that panics every time ends `dead` like any failing job.
pub fn release_after_panic(
    conn: &mut DbConn,
    worker: &str,
    retry_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let held: Vec<JobRow> = jobs::table
        .filter(jobs::locked_by.eq(worker))
        .filter(jobs::state.eq(state::RUNNING))
        .select(JobRow::as_select())
        .load(conn)?;
    for job in &held {
        fail(
            conn,
            job,
            worker,
            "the worker panicked while running this job",
            retry_at,
            now,
        )?;
    }
    Ok(held.len())
}

/// Deletes the done and dead jobs finished before `before` (their emails); returns how many.
pub fn delete_finished_before(
    conn: &mut DbConn,
    before: DateTime<Utc>,
) -> Result<usize, StoreError> {
    Ok(diesel::delete(
        jobs::table
            .filter(jobs::state.eq_any([state::DONE, state::DEAD]))
            .filter(jobs::finished_at.lt(to_db_time(before))),
    )
    .execute(conn)?)
}

/// Counts jobs per state (for `/metrics` and tests).
pub fn count_by_state(conn: &mut DbConn) -> Result<Vec<(String, i64)>, StoreError> {
    Ok(jobs::table
        .group_by(jobs::state)
        .select((jobs::state, diesel::dsl::count_star()))
        .order(jobs::state)
        .load(conn)?)
}

/// Every job of `kind` (tests and diagnostics).
pub fn list_jobs(conn: &mut DbConn, kind: &str) -> Result<Vec<JobRow>, StoreError> {
    Ok(jobs::table
        .filter(jobs::kind.eq(kind))
        .order(jobs::created_at)
        .select(JobRow::as_select())
        .load(conn)?)
}
