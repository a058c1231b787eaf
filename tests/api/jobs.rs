use chrono::Duration;
use odr::store::jobs::{NewJob, claim_next, enqueue};

use crate::both_backends;
use crate::helpers::TestApp;
use crate::helpers::start_time;

fn job(dedupe: Option<&str>) -> NewJob {
    NewJob {
        kind: "send_email".into(),
        payload: r#"{"to":"a@example.cn","subject":"s","text":"t","html":"h"}"#.into(),
        dedupe_key: dedupe.map(str::to_string),
        max_attempts: 3,
        run_at: start_time(),
        give_up_at: None,
    }
}

both_backends!(
    a_job_is_claimed_by_one_worker_only,
    a_job_whose_worker_died_is_claimed_again_after_its_lease,
    a_stopping_worker_gives_its_job_back_at_once,
    a_dedupe_key_queues_a_job_once,
    a_job_not_yet_due_waits
);

async fn a_job_is_claimed_by_one_worker_only(app: TestApp) {
    let (first, second) = app
        .with_conn(|conn| {
            enqueue(conn, &job(None), start_time()).unwrap();
            let first = claim_next(conn, "worker-a", start_time(), Duration::minutes(5)).unwrap();
            let second = claim_next(conn, "worker-b", start_time(), Duration::minutes(5)).unwrap();
            (first, second)
        })
        .await;
    assert_eq!(first.unwrap().locked_by.as_deref(), Some("worker-a"));
    assert!(second.is_none());
}

async fn a_job_whose_worker_died_is_claimed_again_after_its_lease(app: TestApp) {
    let reclaimed = app
        .with_conn(|conn| {
            enqueue(conn, &job(None), start_time()).unwrap();
            claim_next(conn, "worker-a", start_time(), Duration::minutes(5))
                .unwrap()
                .unwrap();
            assert!(
                claim_next(
                    conn,
                    "worker-b",
                    start_time() + Duration::minutes(4),
                    Duration::minutes(5)
                )
                .unwrap()
                .is_none()
            );
            claim_next(
                conn,
                "worker-b",
                start_time() + Duration::minutes(6),
                Duration::minutes(5),
            )
            .unwrap()
        })
        .await
        .unwrap();
    assert_eq!(reclaimed.locked_by.as_deref(), Some("worker-b"));
    assert_eq!(reclaimed.attempts, 2);
}

async fn a_stopping_worker_gives_its_job_back_at_once(app: TestApp) {
    let reclaimed = app
        .with_conn(|conn| {
            enqueue(conn, &job(None), start_time()).unwrap();
            claim_next(conn, "worker-a", start_time(), Duration::minutes(5))
                .unwrap()
                .unwrap();
            assert_eq!(
                odr::store::jobs::release_leases(conn, "worker-a").unwrap(),
                1
            );
            claim_next(conn, "worker-b", start_time(), Duration::minutes(5)).unwrap()
        })
        .await
        .unwrap();
    assert_eq!(
        reclaimed.locked_by.as_deref(),
        Some("worker-b"),
        "no wait for the lease"
    );
    assert_eq!(
        reclaimed.attempts, 1,
        "the given-back attempt does not count"
    );
}

async fn a_dedupe_key_queues_a_job_once(app: TestApp) {
    let (a, b) = app
        .with_conn(|conn| {
            (
                enqueue(conn, &job(Some("reminder:x")), start_time()).unwrap(),
                enqueue(conn, &job(Some("reminder:x")), start_time()).unwrap(),
            )
        })
        .await;
    assert!(a);
    assert!(!b);
}

async fn a_job_not_yet_due_waits(app: TestApp) {
    let claimed = app
        .with_conn(|conn| {
            let mut later = job(None);
            later.run_at = start_time() + Duration::hours(1);
            enqueue(conn, &later, start_time()).unwrap();
            claim_next(conn, "w", start_time(), Duration::minutes(5)).unwrap()
        })
        .await;
    assert!(claimed.is_none());
}
