//! Two real `odr worker` processes on one database: each escalation is delivered and each
//! reminder sent once in effect, and when one process is killed mid-run the other finishes.

use std::collections::{BTreeMap, BTreeSet};
use std::process::{Child, Command, Stdio};
use std::time::{Duration as StdDuration, Instant};

use chrono::{Duration, NaiveTime, TimeZone};
use chrono_tz::Asia::Shanghai;
use diesel::prelude::*;
use odr::clock::{Clock, SystemClock};
use serde_json::json;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{Backend, TestApp, spawn_app_with};

const SECRET: &str = "gateway-secret-shared-with-12315-test";

fn worker(app: &TestApp, gateway: &MockServer, mail_dir: &std::path::Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_odr"))
        .arg("worker")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("ODR_ENV", "test")
        .env("ODR__DATABASE__URL", &app.database_url)
        .env("ODR__JOBS__POLL_INTERVAL_MS", "50")
        .env("ODR__JOBS__LEASE_SECS", "4")
        .env("ODR__JOBS__SWEEP_INTERVAL_SECS", "1")
        .env("ODR__EMAIL__TRANSPORT", "file")
        .env("ODR__EMAIL__FILE_DIR", mail_dir)
        .env("ODR__REMINDERS__DIGEST_HOUR", "0")
        .env("ODR__ESCALATION__DEFAULT_CONNECTOR", "gw")
        .env(
            "ODR__ESCALATION__CONNECTORS__GW__URL",
            format!("{}/odr/escalations", gateway.uri()),
        )
        .env("ODR__ESCALATION__CONNECTORS__GW__SECRET", SECRET)
        .env("ODR__ESCALATION__CONNECTORS__GW__TIMEOUT_MS", "10000")
        .env_remove("RUST_LOG")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Polls `done` until it holds; fails the test after `limit`.
async fn wait_until<F, Fut>(what: &str, limit: StdDuration, mut done: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    while !done().await {
        assert!(started.elapsed() < limit, "gave up waiting: {what}");
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    }
}

async fn escalation_states(app: &TestApp) -> Vec<String> {
    app.with_conn(|conn| {
        use odr::store::schema::escalations;
        escalations::table
            .select(escalations::state)
            .load::<String>(conn)
            .unwrap()
    })
    .await
}

async fn two_workers_share_the_work_and_survive_a_kill(backend: Backend) {
    let gateway = MockServer::start().await;
    // Slow enough that a worker is caught in the middle of a delivery.
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(202).set_delay(StdDuration::from_millis(1500)))
        .mount(&gateway)
        .await;
    let url = format!("{}/odr/escalations", gateway.uri());
    let app = spawn_app_with(backend, move |s| {
        s.escalation.connectors.insert(
            "gw".into(),
            odr::config::HttpConnectorSettings {
                url,
                secret: secrecy::SecretString::from(SECRET),
                timeout_ms: 10_000,
            },
        );
        s.escalation.default_connector = "gw".into();
        s.deadlines.first_contact_working_days = 2;
    })
    .await;
    app.seed_demo().await;

    // File on the working day before last, so that first contact is due on the next working
    // day and its reminder (one working day before) is due now, on whatever day this runs.
    let calendar = odr::startup::load_calendar(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config"),
        "cn",
    )
    .unwrap();
    let now = SystemClock.now();
    let next = calendar
        .add_working_days(now, 1)
        .due_at
        .with_timezone(&Shanghai)
        .date_naive();
    let previous = calendar.working_day_before(next, 1);
    let filing_day = calendar.working_day_before(previous, 1);
    let filed_at = Shanghai
        .from_local_datetime(&filing_day.and_time(NaiveTime::from_hms_opt(10, 0, 0).unwrap()))
        .unwrap()
        .to_utc();
    app.clock.set(filed_at);

    let consumer = app.demo_token("consumer@odr.demo").await;
    let purchase = (filing_day - Duration::days(3)).to_string();
    let owners = [
        "owner.xixi@odr.demo",
        "owner.hefang@odr.demo",
        "owner.hubin@odr.demo",
    ];
    let mut escalated = Vec::new();
    let mut open = Vec::new();
    for (n, owner_email) in owners.iter().enumerate() {
        let owner = app.demo_token(owner_email).await;
        let unit = app.business_of(&owner).await["unit"]["id"]
            .as_str()
            .unwrap()
            .to_string();
        for k in 0..3 {
            let filed = app.post("/api/v1/disputes", Some(&consumer), &json!({
                "unit_id": unit, "category": "service_quality",
                "item": {"kind": "service", "name": format!("套餐 {n}-{k}")}, "purchase_date": purchase,
                "amount_paid_fen": 20_000, "amount_claimed_fen": 20_000, "remedies": ["refund"],
                "description": "服务与约定不符，要求退款。", "contact_consent": true
            })).await;
            filed.expect(201);
            let id = filed.body["id"].as_str().unwrap().to_string();
            if k < 2 {
                app.post(
                    &format!("/api/v1/disputes/{id}/actions"),
                    Some(&owner),
                    &json!({"action": "decline", "reason": "不同意退款"}),
                )
                .await
                .expect(200);
                escalated.push(id);
            } else {
                open.push(id);
            }
        }
    }
    assert_eq!(escalated.len(), 6);
    assert!(escalation_states(&app).await.iter().all(|s| s == "pending"));

    let mail = tempfile::tempdir().unwrap();
    let mut first = worker(&app, &gateway, mail.path());
    let mut second = worker(&app, &gateway, mail.path());
    // Kill the first worker once both are busy with the gateway.
    wait_until(
        "two deliveries under way",
        StdDuration::from_secs(60),
        || async { gateway.received_requests().await.unwrap_or_default().len() >= 2 },
    )
    .await;
    first.kill().unwrap();
    first.wait().unwrap();
    wait_until(
        "every escalation delivered",
        StdDuration::from_secs(90),
        || async {
            escalation_states(&app)
                .await
                .iter()
                .all(|s| s == "delivered")
        },
    )
    .await;
    wait_until("every job done", StdDuration::from_secs(60), || async {
        app.with_conn(|conn| {
            use odr::store::schema::jobs;
            jobs::table
                .filter(jobs::state.ne("done"))
                .count()
                .get_result::<i64>(conn)
                .unwrap()
        })
        .await
            == 0
    })
    .await;
    // The reminders come from the sweeps, which run beside the jobs: wait for them too.
    wait_until(
        "each open dispute reminded",
        StdDuration::from_secs(60),
        || async {
            let open = open.clone();
            app.with_conn(move |conn| {
                use odr::store::schema::sent_reminders;
                open.iter().all(|id| {
                    sent_reminders::table
                        .filter(sent_reminders::key.like(format!("reminder:{id}:first_contact%")))
                        .count()
                        .get_result::<i64>(conn)
                        .unwrap()
                        > 0
                })
            })
            .await
        },
    )
    .await;
    second.kill().unwrap();
    second.wait().unwrap();

    // Each escalation reached the gateway under its own key; a repeat (a delivery the killed
    // worker had under way, taken over after its lease) carries the same key and the same packet.
    let requests = gateway.received_requests().await.unwrap_or_default();
    let mut bodies: BTreeMap<String, BTreeSet<Vec<u8>>> = BTreeMap::new();
    for request in &requests {
        let key = request.headers["idempotency-key"]
            .to_str()
            .unwrap()
            .to_string();
        bodies.entry(key).or_default().insert(request.body.clone());
    }
    assert_eq!(bodies.len(), 6, "every escalation delivered");
    assert!(
        bodies.values().all(|b| b.len() == 1),
        "a repeat sends the same packet"
    );
    // The killed worker ran `jobs.concurrency` (2) deliveries at once.
    assert!(
        (6..=8).contains(&requests.len()),
        "only the deliveries the killed worker had under way may repeat: {}",
        requests.len()
    );

    // The platform recorded each delivery once.
    let admin = app.demo_token("admin@odr.demo").await;
    for id in &escalated {
        let view = app
            .get(&format!("/api/v1/disputes/{id}"), Some(&consumer))
            .await;
        let delivered = view.body["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "escalation_delivered")
            .count();
        assert_eq!(delivered, 1, "{id}");
    }
    assert!(
        app.get("/api/v1/admin/escalations/dead", Some(&admin))
            .await
            .body
            .as_array()
            .unwrap()
            .is_empty()
    );

    // Both workers swept; each open dispute's reminder was claimed and sent once.
    let reminders = app
        .with_conn(|conn| {
            use odr::store::schema::sent_reminders;
            sent_reminders::table
                .select(sent_reminders::key)
                .load::<String>(conn)
                .unwrap()
        })
        .await;
    for id in &open {
        let keys = reminders
            .iter()
            .filter(|k| k.starts_with(&format!("reminder:{id}:first_contact")))
            .count();
        assert_eq!(keys, 1, "{id}: {reminders:?}");
        let owner_notices = app
            .with_conn({
                let id = id.clone();
                move |conn| {
                    use odr::store::schema::notifications;
                    notifications::table
                        .filter(notifications::dispute_id.eq(id))
                        .filter(notifications::kind.eq("reminder"))
                        .count()
                        .get_result::<i64>(conn)
                        .unwrap()
                }
            })
            .await;
        assert_eq!(
            owner_notices, 1,
            "one in-app reminder to the unit's one staff member"
        );
    }
    // Every email job (reminders, digests, notices) went out: the mail folder has them.
    assert!(std::fs::read_dir(mail.path()).unwrap().count() >= open.len());
}

#[tokio::test]
async fn two_worker_processes_on_postgres() {
    two_workers_share_the_work_and_survive_a_kill(Backend::Postgres).await;
}

#[tokio::test]
async fn two_worker_processes_on_one_sqlite_file() {
    two_workers_share_the_work_and_survive_a_kill(Backend::Sqlite).await;
}
