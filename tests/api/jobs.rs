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
    a_job_not_yet_due_waits,
    a_follow_up_that_fails_is_retried_alone_and_the_others_are_done,
    a_filing_whose_follow_up_was_lost_is_followed_up_by_a_sweep
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

/// The disputes the owner of 西溪人家 was told are new, sorted (logging in afresh: tests move
/// the clock past a token's life).
async fn told(app: &TestApp) -> Vec<String> {
    let owner = app.demo_token("owner.xixi@odr.demo").await;
    let notes = app.get("/api/v1/notifications", Some(&owner)).await.body;
    let mut told: Vec<String> = notes
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "new_dispute")
        .map(|n| n["dispute_id"].as_str().unwrap().to_string())
        .collect();
    told.sort();
    told
}

/// Disputes filed today at `unit` by its figures, as its owner sees them.
async fn filed_today(app: &TestApp, unit: &str) -> i64 {
    let owner = app.demo_token("owner.xixi@odr.demo").await;
    let figures = app
        .get(
            &format!("/api/v1/metrics?scope=unit&id={unit}&period=day"),
            Some(&owner),
        )
        .await;
    figures.expect(200);
    figures.body["current"]["filed"].as_i64().unwrap()
}

/// Filings' follow-ups run together (docs/architecture.md#filing-follow-up); one that fails
/// is retried alone, the others are done and nothing of the failed one is half written.
async fn a_follow_up_that_fails_is_retried_alone_and_the_others_are_done(app: TestApp) {
    use diesel::connection::SimpleConnection;
    app.seed_demo().await;
    let consumer = app.demo_token("consumer@odr.demo").await;
    let owner = app.demo_token("owner.xixi@odr.demo").await;
    let unit = app.unit_of(&owner).await;
    let mut ids = Vec::new();
    for item in ["包间", "婚宴", "寿宴"] {
        let claim = crate::helpers::service_claim(&unit, item, "2026-11-20", 30_000);
        let filed = app.post("/api/v1/disputes", Some(&consumer), &claim).await;
        filed.expect(201);
        ids.push(filed.body["id"].as_str().unwrap().to_string());
    }
    // The second filing's follow-up is refused by the database, as a fault would.
    let postgres = app.database_url.starts_with("postgres");
    let refuse = if postgres {
        format!(
            "CREATE FUNCTION refuse_follow_up() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
             IF NEW.dispute_id = '{}' THEN RAISE EXCEPTION 'refused for the test'; END IF; \
             RETURN NEW; END $$; CREATE TRIGGER refuse_follow_up BEFORE INSERT ON \
             filing_follow_ups FOR EACH ROW EXECUTE FUNCTION refuse_follow_up();",
            ids[1]
        )
    } else {
        format!(
            "CREATE TRIGGER refuse_follow_up BEFORE INSERT ON filing_follow_ups \
             WHEN NEW.dispute_id = '{}' BEGIN SELECT RAISE(ABORT, 'refused for the test'); END;",
            ids[1]
        )
    };
    app.with_conn(move |conn| conn.batch_execute(&refuse).unwrap())
        .await;
    app.run_due_jobs().await;
    let mut first_and_third = vec![ids[0].clone(), ids[2].clone()];
    first_and_third.sort();
    assert_eq!(told(&app).await, first_and_third);
    assert_eq!(filed_today(&app, &unit).await, 2);
    let waiting = app
        .with_conn(|conn| {
            use diesel::prelude::*;
            use odr::store::schema::jobs;
            jobs::table
                .filter(jobs::kind.eq("follow_filing"))
                .filter(jobs::state.ne("done"))
                .select((jobs::payload, jobs::state, jobs::attempts, jobs::last_error))
                .load::<(String, String, i64, Option<String>)>(conn)
                .unwrap()
        })
        .await;
    assert_eq!(waiting.len(), 1, "{waiting:?}");
    let (payload, state, attempts, error) = &waiting[0];
    assert!(payload.contains(&ids[1]), "{payload}");
    assert_eq!((state.as_str(), *attempts), ("queued", 1));
    assert!(
        error
            .as_deref()
            .unwrap_or("")
            .contains("refused for the test"),
        "{error:?}"
    );

    // Once the fault is gone, its retry follows it up.
    let mend = if postgres {
        "DROP TRIGGER refuse_follow_up ON filing_follow_ups; DROP FUNCTION refuse_follow_up();"
    } else {
        "DROP TRIGGER refuse_follow_up;"
    };
    app.with_conn(move |conn| conn.batch_execute(mend).unwrap())
        .await;
    app.advance(Duration::hours(1));
    app.run_due_jobs().await;
    let mut all = ids.clone();
    all.sort();
    assert_eq!(told(&app).await, all);
    assert_eq!(filed_today(&app, &unit).await, 3);
}

/// A filing whose follow-up job is gone (dead after its attempts and removed, or never queued by
/// a node from before the follow-up) is queued again by a sweep 10 minutes on, once.
async fn a_filing_whose_follow_up_was_lost_is_followed_up_by_a_sweep(app: TestApp) {
    use diesel::prelude::*;
    use odr::store::schema::jobs;
    app.seed_demo().await;
    let consumer = app.demo_token("consumer@odr.demo").await;
    let owner = app.demo_token("owner.xixi@odr.demo").await;
    let unit = app.unit_of(&owner).await;
    let claim = crate::helpers::service_claim(&unit, "包间", "2026-11-20", 30_000);
    let filed = app.post("/api/v1/disputes", Some(&consumer), &claim).await;
    filed.expect(201);
    let id = filed.body["id"].as_str().unwrap().to_string();
    let lost = app
        .with_conn(|conn| {
            diesel::delete(jobs::table.filter(jobs::kind.eq("follow_filing")))
                .execute(conn)
                .unwrap()
        })
        .await;
    assert_eq!(lost, 1);
    let told_of_it = || async { told(&app).await.contains(&id) };
    // Nine minutes on it may still be on its way: nothing is queued.
    app.advance(Duration::minutes(9));
    assert_eq!(app.sweep().await.follow_ups_queued_again, 0);
    app.run_due_jobs().await;
    assert!(!told_of_it().await);
    // Past ten minutes the sweep queues it, once however often it sweeps.
    app.advance(Duration::minutes(2));
    assert_eq!(app.sweep().await.follow_ups_queued_again, 1);
    assert_eq!(app.sweep().await.follow_ups_queued_again, 0);
    app.run_due_jobs().await;
    assert!(told_of_it().await);
    assert_eq!(filed_today(&app, &unit).await, 1);
    // Followed up, it is not queued again.
    app.advance(Duration::minutes(5));
    assert_eq!(app.sweep().await.follow_ups_queued_again, 0);
}
