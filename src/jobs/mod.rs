//! Background work: a typed job enum stored in the queue table, and the worker that claims
//! and runs jobs with retries. Jobs are idempotent; sending never happens in a request.

pub mod worker;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::notify::email::OutgoingEmail;
use crate::store::jobs::{NewJob, enqueue, enqueue_all};
use crate::store::{DbConn, StoreError};

/// The kind of the jobs that deliver escalations.
pub const DELIVERY: &str = "deliver_escalation";

/// The kind of the jobs that follow a filing up.
pub const FOLLOW_FILING: &str = "follow_filing";

/// Every kind of job. The variant name is the job's unique `kind` in the queue table.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", content = "payload", rename_all = "snake_case")]
pub enum Job {
    /// Deliver one rendered email.
    SendEmail(OutgoingEmail),
    /// Deliver an escalation through its connector.
    DeliverEscalation { escalation_id: String },
    /// What follows a filing: notices, texts, counters, alert rules
    /// ([`crate::disputes::filing::follow_filing`]).
    FollowFiling { dispute_id: String },
}

impl Job {
    /// The stable kind name.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::SendEmail(_) => "send_email",
            Self::DeliverEscalation { .. } => DELIVERY,
            Self::FollowFiling { .. } => FOLLOW_FILING,
        }
    }
}

/// Adds `job` to the queue inside the caller's transaction, due at `now`.
pub fn enqueue_job(
    conn: &mut DbConn,
    job: &Job,
    max_attempts: i64,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    enqueue(conn, &job.queued(max_attempts, now, None)?, now).map(drop)
}

/// Adds `job` to the queue inside the caller's transaction, due at `now`, under `dedupe_key`,
/// unless a job was ever queued under that key; whether it was added.
pub fn enqueue_job_once(
    conn: &mut DbConn,
    job: &Job,
    dedupe_key: String,
    max_attempts: i64,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let mut row = job.queued(max_attempts, now, None)?;
    row.dedupe_key = Some(dedupe_key);
    enqueue(conn, &row, now)
}

/// Adds `jobs` to the queue in one statement inside the caller's transaction, due at `now`
/// (retried until `give_up_at`, when given).
pub fn enqueue_jobs(
    conn: &mut DbConn,
    jobs: &[Job],
    max_attempts: i64,
    now: DateTime<Utc>,
    give_up_at: Option<DateTime<Utc>>,
) -> Result<(), StoreError> {
    let rows = jobs
        .iter()
        .map(|job| job.queued(max_attempts, now, give_up_at))
        .collect::<Result<Vec<_>, _>>()?;
    enqueue_all(conn, &rows, now)
}

impl Job {
    /// The queue's row for this job, due at `now`.
    fn queued(
        &self,
        max_attempts: i64,
        now: DateTime<Utc>,
        give_up_at: Option<DateTime<Utc>>,
    ) -> Result<NewJob, StoreError> {
        let payload = serde_json::to_value(self)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?
            .get("payload")
            .cloned()
            .unwrap_or_default()
            .to_string();
        Ok(NewJob {
            kind: self.kind().into(),
            payload,
            dedupe_key: None,
            max_attempts,
            run_at: now,
            give_up_at,
        })
    }
}

/// Rebuilds a job from its stored kind and payload.
pub fn decode_job(kind: &str, payload: &str) -> Result<Job, serde_json::Error> {
    let payload: serde_json::Value = serde_json::from_str(payload)?;
    serde_json::from_value(serde_json::json!({ "kind": kind, "payload": payload }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_round_trip_through_kind_and_payload() {
        let job = Job::SendEmail(OutgoingEmail {
            to: "a@example.cn".into(),
            subject: "s".into(),
            text: "t".into(),
            html: "h".into(),
        });
        let value = serde_json::to_value(&job).unwrap();
        let payload = value["payload"].to_string();
        let back = decode_job(job.kind(), &payload).unwrap();
        assert_eq!(back.kind(), "send_email");
    }
}
