//! Claims due jobs and runs them; failures are retried with exponential backoff and jitter
//! until the job's attempts run out, then it is `dead`.

use std::collections::VecDeque;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use rand::RngExt;

use super::{DELIVERY, FOLLOW_FILING, Job, decode_job};
use crate::clock::SharedClock;
use crate::config::BUILTIN_CONNECTOR;
use crate::config::JobSettings;
use crate::disputes::escalations;
use crate::notify::{self, email::Mailer};
use crate::store::from_db_time;
use crate::store::jobs::{JobRow, claim_due, complete, fail, give_back, renew_lease};
use crate::store::{Db, DbConn, StoreError};

/// What jobs need to run.
#[derive(Clone, Debug)]
pub struct JobContext {
    pub cases: crate::disputes::CaseContext,
    pub db: Db,
    pub clock: SharedClock,
    pub mailer: Mailer,
    pub settings: JobSettings,
    pub calendars: crate::deadlines::CalendarBook,
    /// Reaches HTTP gateways.
    pub http: reqwest::Client,
    /// Sends merchants' webhooks.
    pub webhooks: crate::notify::webhooks::WebhookSender,
    /// Sends text messages.
    pub sms: crate::notify::sms::SmsSender,
}

impl JobContext {
    /// The dispute context with the calendar as it stands now.
    fn cases(&self) -> crate::disputes::CaseContext {
        let mut cases = self.cases.clone();
        cases.calendar = self.calendars.current();
        cases
    }
}

/// Runs what `start` makes until one run ends without failing; a failed run (a panic, caught
/// by the task that ran it) is followed by a new one.
pub async fn supervise<F, Fut>(mut start: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<(), ()>>,
{
    while start().await.is_err() {}
}

/// How many due jobs a job loop claims at once; each waits its turn under its lease, renewed
/// when more than half of it has run by then (the claim's deliveries take their turn together,
/// their leases checked when it begins and each gateway's again before its post). Fifty, so that the thousands of jobs
/// a mass lapse queues cost a claim and a completion per fifty (docs/architecture.md#jobs).
const CLAIM_BATCH: i64 = 50;

/// Waits `period` unless `stop` changes first; whether to go on (false once nobody can tell the
/// worker to stop any more).
async fn pause(stop: &mut tokio::sync::watch::Receiver<bool>, period: StdDuration) -> bool {
    tokio::select! {
        () = tokio::time::sleep(period) => true,
        changed = stop.changed() => changed.is_ok(),
    }
}

/// One worker; several may run against the same database.
#[derive(Clone, Debug)]
pub struct Worker {
    ctx: JobContext,
    id: String,
}

impl Worker {
    /// A worker with a unique id (host, process and a random part).
    pub fn new(ctx: JobContext) -> Self {
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "node".into());
        let id = format!(
            "{host}-{}-{}",
            std::process::id(),
            &crate::store::new_id()[24..]
        );
        Self { ctx, id }
    }

    /// This worker's id, as written into `jobs.locked_by`.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Runs jobs and sends webhooks until none is due; returns how many jobs ran
    /// (successfully or not).
    pub async fn run_pending(&self) -> Result<usize, StoreError> {
        let mut ran = 0;
        loop {
            let jobs = self.run_jobs().await?;
            ran += jobs;
            if jobs == 0 && self.send_webhooks(None).await? == 0 && self.send_sms().await? == 0 {
                return Ok(ran);
            }
        }
    }

    /// Runs jobs until none is due, as a job loop does (no webhooks, no texts); how many ran.
    pub async fn run_jobs(&self) -> Result<usize, StoreError> {
        let mut ran = 0;
        loop {
            match self.run_batch(None).await? {
                0 => return Ok(ran),
                jobs => ran += jobs,
            }
        }
    }

    /// Sends the webhooks due now of the endpoints no other worker holds, until `stop` turns
    /// true; how many attempts were made (`notify::webhooks`).
    pub async fn send_webhooks(
        &self,
        stop: Option<&tokio::sync::watch::Receiver<bool>>,
    ) -> Result<usize, StoreError> {
        self.ctx
            .webhooks
            .deliver_due(&self.ctx.db, &self.ctx.clock, &self.id, stop)
            .await
    }

    /// Sends the text messages due now that no other worker holds (`notify::sms`); how many
    /// were taken on.
    pub async fn send_sms(&self) -> Result<usize, StoreError> {
        self.ctx
            .sms
            .send_due(&self.ctx.db, &self.ctx.clock, &self.id)
            .await
    }

    /// Beside the job loops (a slow endpoint or SMS provider never holds up an email or an
    /// escalation): sends due webhooks, then due text messages, every `jobs.poll_interval_ms`,
    /// and once an hour removes deliveries older than `webhooks.log_days` and text messages
    /// older than `sms.log_days` from their logs.
    async fn webhooks_until(&self, mut stop: tokio::sync::watch::Receiver<bool>) {
        let interval = StdDuration::from_millis(self.ctx.settings.poll_interval_ms);
        let mut pruned: Option<std::time::Instant> = None;
        while !*stop.borrow() {
            if let Err(error) = self.send_webhooks(Some(&stop)).await {
                tracing::warn!(worker.id = %self.id, %error, "webhook pass failed");
            }
            if let Err(error) = self.send_sms().await {
                tracing::warn!(worker.id = %self.id, %error, "text message pass failed");
            }
            if pruned.is_none_or(|at| at.elapsed() >= StdDuration::from_secs(3600)) {
                pruned = Some(std::time::Instant::now());
                let now = self.ctx.clock.now();
                type Prune = fn(&mut DbConn, DateTime<Utc>) -> Result<usize, StoreError>;
                let logs: [(&str, i64, Prune); 2] = [
                    (
                        "webhook",
                        self.ctx.webhooks.settings().log_days,
                        crate::store::webhooks::delete_finished_before,
                    ),
                    (
                        "text message",
                        self.ctx.sms.settings().log_days,
                        crate::store::sms::delete_finished_before,
                    ),
                ];
                for (log, days, prune) in logs {
                    let cutoff = now - Duration::days(days);
                    if let Err(error) = self.ctx.db.run(move |conn| prune(conn, cutoff)).await {
                        tracing::warn!(worker.id = %self.id, %error, log, "log pruning failed");
                    }
                }
            }
            if !pause(&mut stop, interval).await {
                break;
            }
        }
    }

    /// Picks up calendar years imported on any node, then applies every lapse due now (see
    /// [`crate::disputes::timers`]), in `jobs.sweepers` passes at once, each on its own
    /// connection: they share the work as the sweeps of several nodes do.
    pub async fn sweep(&self) -> Result<crate::disputes::timers::SweepReport, StoreError> {
        use crate::disputes::timers::{apply_lapses, begin_sweep, end_sweep};
        let book = self.ctx.calendars.clone();
        self.ctx.db.run(move |conn| book.reload(conn)).await?;
        let now = self.ctx.clock.now();
        let mut report = self.ctx.db.run(move |conn| begin_sweep(conn, now)).await?;
        let passes = (0..self.ctx.settings.sweepers.max(1)).map(|_| {
            let ctx = self.ctx.cases();
            self.ctx.db.run(move |conn| apply_lapses(conn, &ctx, now))
        });
        for pass in futures_util::future::join_all(passes).await {
            report.add_lapses(&pass?);
        }
        let ctx = self.ctx.cases();
        self.ctx
            .db
            .run(move |conn| end_sweep(conn, &ctx, now, report))
            .await
    }

    /// Until `stop` turns true: sweeps the timers every `jobs.sweep_interval_secs` (0 turns the
    /// sweeper off on this node) and, beside the sweeper, runs `jobs.concurrency` job loops that
    /// each poll the queue at the configured interval, so a long sweep does not hold up the
    /// deliveries it queues, nor a burst of jobs the next sweep. The jobs under way are finished
    /// first, then the worker's leases are given back.
    pub async fn run_until(self, stop: tokio::sync::watch::Receiver<bool>) {
        tracing::info!(worker.id = %self.id, "job worker started");
        let loops =
            (0..self.ctx.settings.concurrency.max(1)).map(|_| self.poll_until(stop.clone()));
        tokio::join!(
            self.sweep_until(stop.clone()),
            self.webhooks_until(stop.clone()),
            futures_util::future::join_all(loops)
        );
        self.release().await;
        tracing::info!(worker.id = %self.id, "job worker stopped");
    }

    /// Sweeps every `jobs.sweep_interval_secs`, from the start of one sweep to the next.
    async fn sweep_until(&self, mut stop: tokio::sync::watch::Receiver<bool>) {
        let every = StdDuration::from_secs(self.ctx.settings.sweep_interval_secs);
        if every.is_zero() {
            return;
        }
        while !*stop.borrow() {
            let started = std::time::Instant::now();
            match self.sweep().await {
                Ok(report) if !report.is_quiet() => tracing::info!(?report, "timers applied"),
                Ok(_) => {}
                Err(error) => tracing::warn!(worker.id = %self.id, %error, "sweep failed"),
            }
            if !pause(&mut stop, every.saturating_sub(started.elapsed())).await {
                break;
            }
        }
    }

    /// Runs due jobs, then waits `jobs.poll_interval_ms`, and again.
    async fn poll_until(&self, mut stop: tokio::sync::watch::Receiver<bool>) {
        let interval = StdDuration::from_millis(self.ctx.settings.poll_interval_ms);
        while !*stop.borrow() {
            if let Err(error) = self.run_until_stopped(&stop).await {
                tracing::warn!(worker.id = %self.id, %error, "job poll failed");
            }
            if !pause(&mut stop, interval).await {
                break;
            }
        }
    }

    /// Like [`Self::run_pending`], but stops between jobs once `stop` turns true.
    async fn run_until_stopped(
        &self,
        stop: &tokio::sync::watch::Receiver<bool>,
    ) -> Result<(), StoreError> {
        while !*stop.borrow() && self.run_batch(Some(stop)).await? > 0 {}
        Ok(())
    }

    /// Claims up to [`CLAIM_BATCH`] due jobs in one statement and runs them one after
    /// another; the claim's deliveries through the `builtin` connector (a sweep's escalations)
    /// are made in one turn, at the first one's place, and marked delivered together
    /// ([`Self::deliver_all`]); its filings' follow-ups likewise run in one turn, in one
    /// transaction ([`Self::follow_filings`]). Other jobs
    /// done are marked so together when the batch ends or before a lease is renewed (a worker
    /// that dies in between sends those emails again; jobs run at least once); a failure is
    /// recorded at once. A job whose lease has run more than half its length by its turn is
    /// renewed first, or skipped when another worker took it meanwhile. With `stop`, and after
    /// an error, the jobs not begun are given back at once. How many ran.
    async fn run_batch(
        &self,
        stop: Option<&tokio::sync::watch::Receiver<bool>>,
    ) -> Result<usize, StoreError> {
        let mut claimed = VecDeque::from(self.claim().await?);
        let mut done = Vec::new();
        let mut ran = 0;
        let mut outcome = Ok(());
        'batch: while !stop.is_some_and(|stop| *stop.borrow()) {
            let Some(first) = claimed.pop_front() else {
                break;
            };
            let mut turn = VecDeque::from([first]);
            let kind = turn[0].kind.clone();
            if kind == DELIVERY || kind == FOLLOW_FILING {
                // Every delivery (or filing's follow-up) of the claim goes in this turn, the
                // other jobs between them (a sweep batch's emails) after it, in their order.
                let (together, others) = std::mem::take(&mut claimed)
                    .into_iter()
                    .partition::<VecDeque<_>, _>(|next| next.kind == kind);
                turn.extend(together);
                claimed = others;
            }
            let mut held = Vec::with_capacity(turn.len());
            while let Some(row) = turn.pop_front() {
                match self.hold(row.clone(), &mut done).await {
                    Ok(Some(row)) => held.push(row),
                    // Another loop took it over once the lease ran out: it is theirs.
                    Ok(None) => {}
                    Err(error) => {
                        // None of the turn has begun: all of it is given back below.
                        turn.push_front(row);
                        for row in held.into_iter().chain(turn).rev() {
                            claimed.push_front(row);
                        }
                        outcome = Err(error);
                        break 'batch;
                    }
                }
            }
            ran += held.len();
            if let Err(error) = self.run_turn(held, &mut done).await {
                outcome = Err(error);
                break;
            }
        }
        if !done.is_empty() {
            let (worker, now) = (self.id.clone(), self.ctx.clock.now());
            let completed = self
                .ctx
                .db
                .run_leaving_kept(move |conn| complete(conn, &done, &worker, now))
                .await;
            outcome = outcome.and(completed.map(drop));
        }
        if !claimed.is_empty() {
            let (left, worker) = (Vec::from(claimed), self.id.clone());
            self.ctx
                .db
                .run_leaving_kept(move |conn| give_back(conn, &left, &worker))
                .await?;
        }
        outcome.map(|()| ran)
    }

    /// Claimed job `row` as held for its run: its lease renewed when more than half of it has
    /// gone (the jobs `done` so far marked so first, their leases being as old), `None` when
    /// another loop took it over meanwhile.
    async fn hold(
        &self,
        mut row: JobRow,
        done: &mut Vec<JobRow>,
    ) -> Result<Option<JobRow>, StoreError> {
        let lease = Duration::seconds(self.ctx.settings.lease_secs);
        let now = self.ctx.clock.now();
        let half_gone = row
            .locked_until
            .is_some_and(|until| from_db_time(until) - now < lease / 2);
        if !half_gone {
            return Ok(Some(row));
        }
        let worker = self.id.clone();
        let finished = done.clone();
        let held = row.clone();
        let renewed = self
            .ctx
            .db
            .run_leaving_kept(move |conn| {
                complete(conn, &finished, &worker, now)?;
                renew_lease(conn, &held, &worker, now + lease)
            })
            .await?;
        done.clear();
        Ok(renewed.map(|until| {
            row.locked_until = Some(until);
            row
        }))
    }

    /// Gives back the jobs this worker holds.
    pub async fn release(&self) {
        let id = self.id.clone();
        match self
            .ctx
            .db
            .run_leaving_kept(move |conn| crate::store::jobs::release_leases(conn, &id))
            .await
        {
            Ok(0) => {}
            Ok(released) => tracing::info!(worker.id = %self.id, released, "job leases released"),
            Err(error) => tracing::warn!(worker.id = %self.id, %error, "leases not released"),
        }
    }

    /// Gives back the jobs this worker held when it panicked, counting the attempt and waiting
    /// the backoff before the next.
    async fn release_after_panic(&self) {
        let id = self.id.clone();
        let now = self.ctx.clock.now();
        let retry_at = now + Duration::seconds(self.ctx.settings.backoff_base_secs);
        let released = self
            .ctx
            .db
            .run_leaving_kept(move |conn| {
                crate::store::jobs::release_after_panic(conn, &id, retry_at, now)
            })
            .await;
        if let Err(error) = released {
            tracing::warn!(worker.id = %self.id, %error, "leases not released");
        }
    }

    /// Runs workers until `stop` turns true: a worker that panics is logged, its leases are
    /// given back and a new worker starts in its place.
    pub async fn supervise(ctx: JobContext, stop: tokio::sync::watch::Receiver<bool>) {
        supervise(|| {
            let worker = Worker::new(ctx.clone());
            let stop = stop.clone();
            async move {
                let id = worker.id.clone();
                let handle = tokio::spawn(worker.clone().run_until(stop));
                let outcome = handle.await;
                if outcome.is_err() {
                    tracing::error!(worker.id = %id, "job worker panicked; starting a new one");
                    worker.release_after_panic().await;
                    // Not at once: whatever made it panic may still be there.
                    tokio::time::sleep(StdDuration::from_secs(1)).await;
                }
                outcome.map_err(|_| ())
            }
        })
        .await;
    }

    async fn claim(&self) -> Result<Vec<JobRow>, StoreError> {
        let worker = self.id.clone();
        let now = self.ctx.clock.now();
        let lease = Duration::seconds(self.ctx.settings.lease_secs);
        self.ctx
            .db
            .run_leaving_kept(move |conn| claim_due(conn, &worker, now, lease, CLAIM_BATCH))
            .await
    }

    /// Runs the jobs of one turn: an email, or the claim's deliveries, or the claim's filings'
    /// follow-ups. Jobs done go to `done`.
    async fn run_turn(&self, rows: Vec<JobRow>, done: &mut Vec<JobRow>) -> Result<(), StoreError> {
        let mut deliveries = Vec::new();
        let mut follow_ups = Vec::new();
        for row in rows {
            match decode_job(&row.kind, &row.payload) {
                Ok(Job::DeliverEscalation { escalation_id }) => {
                    deliveries.push((row, escalation_id));
                }
                Ok(Job::SendEmail(email)) => match self.ctx.mailer.send(&email).await {
                    Ok(()) => done.push(row),
                    Err(error) => self.failed(row, None, error.to_string()).await?,
                },
                Ok(Job::FollowFiling { dispute_id }) => follow_ups.push((row, dispute_id)),
                Err(e) => {
                    let error = format!("payload cannot be decoded: {e}");
                    self.failed(row, None, error).await?;
                }
            }
        }
        if !deliveries.is_empty() {
            self.deliver_all(deliveries, done).await?;
        }
        if !follow_ups.is_empty() {
            self.follow_filings(follow_ups, done).await?;
        }
        Ok(())
    }

    /// Runs filings' follow-ups together in one transaction
    /// (docs/architecture.md#filing-follow-up); should that fail, each in its own, so that one
    /// that fails is retried alone and the others are done.
    async fn follow_filings(
        &self,
        follow_ups: Vec<(JobRow, String)>,
        done: &mut Vec<JobRow>,
    ) -> Result<(), StoreError> {
        use crate::disputes::filing::follow_filings;
        let (cases, now) = (self.ctx.cases(), self.ctx.clock.now());
        let ids: Vec<String> = follow_ups.iter().map(|(_, id)| id.clone()).collect();
        let together = self
            .ctx
            .db
            .run(move |conn| follow_filings(conn, &cases, &ids, now))
            .await;
        if together.is_ok() {
            done.extend(follow_ups.into_iter().map(|(row, _)| row));
            return Ok(());
        }
        for (row, id) in follow_ups {
            let cases = self.ctx.cases();
            let alone = self
                .ctx
                .db
                .run(move |conn| follow_filings(conn, &cases, &[id], now))
                .await;
            match alone {
                Ok(_) => done.push(row),
                Err(error) => self.failed(row, None, error.to_string()).await?,
            }
        }
        Ok(())
    }

    /// Records the failure of claimed job `row` (delivering escalation `escalation`, if it
    /// does): it runs again after its backoff, or is dead when out of attempts.
    #[tracing::instrument(skip_all, fields(job.id = %row.id, job.kind = %row.kind, job.attempt = row.attempts))]
    async fn failed(
        &self,
        row: JobRow,
        escalation: Option<&str>,
        error: String,
    ) -> Result<(), StoreError> {
        let worker = self.id.clone();
        let now = self.ctx.clock.now();
        let retry_at = now + self.backoff(row.attempts);
        tracing::warn!(%error, %retry_at, "job failed");
        let message = error.clone();
        let dead = self
            .ctx
            .db
            .run_leaving_kept(move |conn| fail(conn, &row, &worker, &message, retry_at, now))
            .await?;
        if dead {
            tracing::error!(%error, "job gave up and is now dead");
        }
        if let Some(escalation_id) = escalation.map(str::to_string) {
            self.ctx
                .db
                .run(move |conn| {
                    escalations::record_failure(conn, &escalation_id, &error, dead, now)
                })
                .await?;
        }
        Ok(())
    }

    /// Delivers the escalations of claimed jobs `jobs` (job, escalation id) through their
    /// connectors. Each packet was stored when its dispute escalated, so every attempt sends
    /// the same bytes under the same `Idempotency-Key`. A delivery through an HTTP gateway is
    /// marked as soon as the gateway took it, so a worker that dies repeats only the one under
    /// way, and its lease is checked before it is posted ([`Self::hold`]): a gateway may take
    /// its whole timeout for each of a turn's. Those through the `builtin` connector, which
    /// sends nothing outside, are marked together.
    async fn deliver_all(
        &self,
        jobs: Vec<(JobRow, String)>,
        done: &mut Vec<JobRow>,
    ) -> Result<(), StoreError> {
        let ids: Vec<String> = jobs.iter().map(|(_, id)| id.clone()).collect();
        let found = self
            .ctx
            .db
            .run(move |conn| escalations::deliveries_of(conn, &ids))
            .await;
        let found = match found {
            Ok(found) => found,
            Err(error) => {
                for (row, id) in jobs {
                    self.failed(row, Some(&id), error.to_string()).await?;
                }
                return Ok(());
            }
        };
        let mut builtin = Vec::new();
        let mut posted = Vec::new();
        for (row, id) in jobs {
            match found.get(&id) {
                None => {
                    let error = format!("escalation {id} does not exist");
                    self.failed(row, Some(&id), error).await?;
                }
                // Delivered already (a retried or duplicated job): only the job is done.
                Some((_, _, false)) => builtin.push((row, id, false)),
                Some((connector, _, true)) if connector == BUILTIN_CONNECTOR => {
                    builtin.push((row, id, true));
                }
                Some((connector, packet, true)) => posted.push((row, id, connector, packet)),
            }
        }
        // The builtin ones first, while the turn's leases are fresh; then the gateways' posts,
        // which may take their whole timeout each.
        self.mark_delivered(builtin).await?;
        for (row, id, connector, packet) in posted {
            // Another loop took it over meanwhile: it is theirs.
            let Some(row) = self.hold(row, done).await? else {
                continue;
            };
            match self.post(connector, &id, packet).await {
                Ok(()) => self.mark_delivered(vec![(row, id, true)]).await?,
                Err(error) => self.failed(row, Some(&id), error).await?,
            }
        }
        Ok(())
    }

    /// Posts the packet of escalation `escalation_id` to the gateway of `connector`.
    async fn post(&self, connector: &str, escalation_id: &str, packet: &str) -> Result<(), String> {
        let ctx = self.ctx.cases();
        let gateway = ctx
            .escalation
            .connectors
            .get(connector)
            .ok_or_else(|| format!("connector `{connector}` is not configured"))?;
        let now = self.ctx.clock.now();
        notify::gateway::post_packet(&self.ctx.http, gateway, escalation_id, packet, now)
            .await
            .map_err(|e| e.to_string())
    }

    /// Marks the escalations of `sent` (job, escalation id, whether still pending) delivered
    /// and their jobs done, in one transaction; when it fails, each counts as a failed attempt.
    async fn mark_delivered(&self, sent: Vec<(JobRow, String, bool)>) -> Result<(), StoreError> {
        if sent.is_empty() {
            return Ok(());
        }
        let (ctx, worker, now) = (self.ctx.cases(), self.id.clone(), self.ctx.clock.now());
        let marking = sent.clone();
        let marked = self
            .ctx
            .db
            .run(move |conn| {
                crate::store::write_transaction(conn, |conn| {
                    let pending: Vec<String> = marking
                        .iter()
                        .filter(|(_, _, pending)| *pending)
                        .map(|(_, id, _)| id.clone())
                        .collect();
                    escalations::mark_delivered(conn, &ctx, &pending, now)?;
                    let rows: Vec<JobRow> = marking.into_iter().map(|(row, ..)| row).collect();
                    complete(conn, &rows, &worker, now)
                })
            })
            .await;
        if let Err(error) = marked {
            // Each counts as a failed attempt; one already delivered only as its job's.
            for (row, id, pending) in sent {
                let escalation = pending.then_some(id.as_str());
                self.failed(row, escalation, error.to_string()).await?;
            }
        }
        Ok(())
    }

    /// base × 2^(attempt−1), capped at 6 h, plus up to 20 % jitter.
    fn backoff(&self, attempt: i64) -> Duration {
        let base = self.ctx.settings.backoff_base_secs.max(1);
        let exponent = u32::try_from(attempt.clamp(1, 20) - 1).unwrap_or(0);
        let secs = base.saturating_mul(1i64 << exponent).min(6 * 3600);
        let jitter = rand::rng().random_range(0..=secs / 5);
        Duration::seconds(secs + jitter)
    }
}

#[cfg(test)]
mod tests {
    use super::supervise;

    #[tokio::test]
    async fn a_worker_that_panics_is_replaced() {
        let mut runs = 0;
        supervise(|| {
            runs += 1;
            let run = runs;
            async move {
                tokio::spawn(async move {
                    assert!(run > 2, "run {run} panics");
                })
                .await
                .map_err(|_| ())
            }
        })
        .await;
        assert_eq!(runs, 3, "two panics, two new workers");
    }
}
