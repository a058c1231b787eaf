//! Merchants' webhooks (docs/webhooks.md) received by a local server that checks every
//! signature the way a receiver would: events in order, retries with backoff holding later
//! events back, giving up and sending again, two workers at once, access for every role, the
//! address checks, and the owner's portal pages.

use chrono::Duration;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::both_backends;
use crate::helpers::{NowUtc, TestApp};
use crate::portal::Visitor;

const OWNER: &str = "owner.xixi@odr.demo";

/// HMAC-SHA256 of "timestamp.body" with `secret`, written out here as a receiver would.
fn signature(secret: &str, timestamp: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{timestamp}.").as_bytes());
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// A receiver answering `status` to every POST at /hooks.
async fn receiver(status: u16) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/hooks"))
        .respond_with(ResponseTemplate::new(status))
        .mount(&server)
        .await;
    server
}

/// What the receiver got, each checked against `secret` (signature, timestamp within five
/// minutes of the app's clock, event header) and read as JSON.
async fn received(app: &TestApp, server: &MockServer, secret: &str) -> Vec<Value> {
    let now = app.clock.now_utc().timestamp();
    let requests: Vec<Request> = server.received_requests().await.unwrap_or_default();
    requests
        .iter()
        .map(|r| {
            let header = |name: &str| r.headers.get(name).unwrap().to_str().unwrap().to_string();
            let timestamp = header("X-ODR-Timestamp");
            assert_eq!(
                header("X-ODR-Signature"),
                signature(secret, &timestamp, &r.body),
                "every delivery is signed with the endpoint's secret"
            );
            assert!((now - timestamp.parse::<i64>().unwrap()).abs() <= 300);
            let body: Value = serde_json::from_slice(&r.body).unwrap();
            assert_eq!(header("X-ODR-Event"), body["type"].as_str().unwrap());
            assert!(!header("X-ODR-Delivery").is_empty());
            body
        })
        .collect()
}

fn types(bodies: &[Value]) -> Vec<&str> {
    bodies.iter().map(|b| b["type"].as_str().unwrap()).collect()
}

/// The demo restaurant's owner's token and the path of its webhooks.
async fn owner_and_hooks(app: &TestApp) -> (String, String) {
    let owner = app.demo_token(OWNER).await;
    let business = app.business_of(&owner).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    (owner, format!("/api/v1/businesses/{business}/webhooks"))
}

/// Registers `server`'s /hooks for `events`; the endpoint's path and secret.
async fn register(
    app: &TestApp,
    owner: &str,
    hooks: &str,
    server: &MockServer,
    events: &[&str],
) -> (String, String) {
    let created = app
        .post(
            hooks,
            Some(owner),
            &json!({"url": format!("{}/hooks", server.uri()), "events": events, "description": "售后 DMS"}),
        )
        .await;
    created.expect(201);
    let secret = created.body["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("whsec_") && secret.len() == 6 + 64);
    let id = created.body["webhook"]["id"].as_str().unwrap();
    (format!("{hooks}/{id}"), secret)
}

async fn act(app: &TestApp, token: &str, dispute: &str, body: Value) {
    app.act(token, dispute, &body).await;
}

/// The deliveries of endpoint `endpoint`, newest first.
async fn deliveries(app: &TestApp, owner: &str, endpoint: &str) -> Vec<Value> {
    let page = app
        .get(&format!("{endpoint}/deliveries"), Some(owner))
        .await;
    page.expect(200);
    page.body["items"].as_array().unwrap().clone()
}

both_backends!(
    a_disputes_events_reach_the_endpoint_signed_in_order_without_personal_data,
    a_failing_endpoint_is_retried_with_backoff_and_holds_later_events_back,
    two_workers_send_each_delivery_once_in_order,
    only_the_businesss_owners_see_and_change_its_webhooks,
    an_owner_works_with_webhooks_in_the_portal,
    a_due_date_coming_and_an_escalation_reach_the_endpoint,
);

async fn a_disputes_events_reach_the_endpoint_signed_in_order_without_personal_data(app: TestApp) {
    app.seed_demo().await;
    let (owner, hooks) = owner_and_hooks(&app).await;
    let server = receiver(200).await;
    let all = [
        "filed",
        "message",
        "offer",
        "accepted",
        "due_soon",
        "escalated",
        "concluded",
    ];
    let (endpoint, secret) = register(&app, &owner, &hooks, &server, &all).await;
    // A second endpoint that chose only conclusions hears of nothing here.
    let quiet = receiver(200).await;
    register(&app, &owner, &hooks, &quiet, &["concluded"]).await;

    let filed = app
        .file_demo_dispute(OWNER, "包间预订被临时取消，定金不退，要求退还定金。")
        .await;
    let dispute = filed["id"].as_str().unwrap();
    let consumer = app.demo_token("consumer@odr.demo").await;
    act(
        &app,
        &owner,
        dispute,
        json!({"action": "first_contact", "message": "您好，已收到，正在核实。"}),
    )
    .await;
    act(&app, &owner, dispute, json!({"action": "make_offer", "remedy": "refund", "amount_fen": 100_000, "terms": "全额退还定金", "fulfilment_days": 3})).await;
    let view = app
        .get(&format!("/api/v1/disputes/{dispute}"), Some(&consumer))
        .await;
    let offer = view.body["offers"][0]["id"].as_str().unwrap().to_string();
    act(
        &app,
        &consumer,
        dispute,
        json!({"action": "accept_offer", "offer_id": offer}),
    )
    .await;
    app.run_pending_jobs().await;

    let bodies = received(&app, &server, &secret).await;
    assert_eq!(types(&bodies), ["filed", "message", "offer", "accepted"]);
    for body in &bodies {
        assert_eq!(body["data"]["dispute_id"], dispute);
        assert_eq!(body["data"]["case_number"], filed["case_number"]);
        let text = body.to_string();
        for personal in ["张先生", "13800000001", "定金不退", "正在核实"] {
            assert!(!text.contains(personal), "{personal} in {text}");
        }
    }
    assert_eq!(bodies[0]["data"]["status"], "filed");
    assert_eq!(bodies[1]["data"]["actor_role"], "merchant");
    assert_eq!(bodies[2]["data"]["detail"]["amount_fen"], 100_000);
    assert_eq!(bodies[2]["data"]["detail"]["remedy"], "refund");
    assert_eq!(bodies[3]["data"]["status"], "settled");
    let ids: std::collections::BTreeSet<_> = bodies.iter().map(|b| b["id"].to_string()).collect();
    assert_eq!(ids.len(), 4, "each event has its own id");
    assert!(quiet.received_requests().await.unwrap().is_empty());

    let log = deliveries(&app, &owner, &endpoint).await;
    assert_eq!(log.len(), 4);
    assert!(
        log.iter()
            .all(|d| d["status"] == "delivered" && d["attempts"] == 1)
    );
    assert_eq!(log[0]["event_type"], "accepted", "newest first");
    assert_eq!(log[0]["case_number"], filed["case_number"]);
    let summary = app.get(&endpoint, Some(&owner)).await;
    assert_eq!(summary.body["deliveries"]["delivered"], 4);
    assert_eq!(summary.body["enabled"], true);

    // Nothing is sent twice.
    app.run_pending_jobs().await;
    assert_eq!(server.received_requests().await.unwrap().len(), 4);

    // The consumer confirms fulfilment: the dispute concludes, and the quiet endpoint hears it.
    act(&app, &owner, dispute, json!({"action": "mark_fulfilled"})).await;
    act(
        &app,
        &consumer,
        dispute,
        json!({"action": "confirm_fulfilment"}),
    )
    .await;
    app.run_pending_jobs().await;
    let bodies = received(&app, &server, &secret).await;
    assert_eq!(types(&bodies).last(), Some(&"concluded"));
    assert_eq!(bodies.last().unwrap()["data"]["status"], "resolved");
    assert_eq!(quiet.received_requests().await.unwrap().len(), 1);
}

async fn a_failing_endpoint_is_retried_with_backoff_and_holds_later_events_back(app: TestApp) {
    app.seed_demo().await;
    let (owner, hooks) = owner_and_hooks(&app).await;
    let server = MockServer::start().await;
    // Twice unavailable, then up.
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503).set_body_string("maintenance"))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .with_priority(2)
        .mount(&server)
        .await;
    let (endpoint, secret) = register(&app, &owner, &hooks, &server, &["filed", "message"]).await;
    // Another endpoint of the business is not held back by this one.
    let healthy = receiver(200).await;
    register(&app, &owner, &hooks, &healthy, &["filed", "message"]).await;

    let filed = app
        .file_demo_dispute(OWNER, "包间预订被取消，要求退款。")
        .await;
    let dispute = filed["id"].as_str().unwrap();
    app.run_pending_jobs().await;
    let log = deliveries(&app, &owner, &endpoint).await;
    assert_eq!(log[0]["status"], "pending");
    assert_eq!(log[0]["attempts"], 1);
    assert_eq!(log[0]["last_status_code"], 503);
    assert_eq!(log[0]["last_error"], "answered: status 503: maintenance");
    let now = app.clock.now_utc();
    let next: chrono::DateTime<chrono::Utc> =
        log[0]["next_attempt_at"].as_str().unwrap().parse().unwrap();
    assert!(
        next >= now + Duration::seconds(30) && next <= now + Duration::seconds(36),
        "30 s and up to a fifth more: {next}"
    );

    // A later event waits behind the failed one.
    act(
        &app,
        &owner,
        dispute,
        json!({"action": "first_contact", "message": "您好"}),
    )
    .await;
    app.run_pending_jobs().await;
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
    assert_eq!(healthy.received_requests().await.unwrap().len(), 2);
    let summary = app.get(&endpoint, Some(&owner)).await;
    assert_eq!(summary.body["deliveries"]["retrying"], 1);
    assert_eq!(summary.body["deliveries"]["pending"], 2);

    app.advance(Duration::seconds(40));
    app.run_pending_jobs().await;
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
    let log = deliveries(&app, &owner, &endpoint).await;
    let head = log.iter().find(|d| d["event_type"] == "filed").unwrap();
    let next: chrono::DateTime<chrono::Utc> =
        head["next_attempt_at"].as_str().unwrap().parse().unwrap();
    let now = app.clock.now_utc();
    assert!(
        next >= now + Duration::seconds(60) && next <= now + Duration::seconds(72),
        "the wait doubles: {next}"
    );
    app.advance(Duration::seconds(30));
    app.run_pending_jobs().await;
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        2,
        "not before its time"
    );

    app.advance(Duration::seconds(45));
    app.run_pending_jobs().await;
    let bodies = received(&app, &server, &secret).await;
    assert_eq!(types(&bodies), ["filed", "filed", "filed", "message"]);
    assert_eq!(bodies[0], bodies[2], "every attempt sends the same payload");

    let log = deliveries(&app, &owner, &endpoint).await;
    assert!(log.iter().all(|d| d["status"] == "delivered"));
    let head = log.iter().find(|d| d["event_type"] == "filed").unwrap();
    let detail = app
        .get(
            &format!("{endpoint}/deliveries/{}", head["id"].as_str().unwrap()),
            Some(&owner),
        )
        .await;
    let codes: Vec<i64> = detail.body["attempt_log"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["status_code"].as_i64().unwrap())
        .collect();
    assert_eq!(codes, [503, 503, 200]);
    assert_eq!(detail.body["payload"], bodies[0]);
}

/// Gives up after `give_up_hours`; the owner sends the event again; a pending one is not.
async fn a_delivery_given_up_is_sent_again_by_its_owner(app: TestApp) {
    app.seed_demo().await;
    let (owner, hooks) = owner_and_hooks(&app).await;
    let server = receiver(500).await;
    let (endpoint, secret) = register(&app, &owner, &hooks, &server, &["filed"]).await;
    app.file_demo_dispute(OWNER, "第一次投诉：包间预订被取消。")
        .await;
    app.run_pending_jobs().await;
    // Tried every ten minutes at most (the cap here), given up an hour after the event.
    for _ in 0..8 {
        app.advance(Duration::minutes(11));
        app.run_pending_jobs().await;
    }
    let owner = app.demo_token(OWNER).await; // the clock moved past the first token
    let log = deliveries(&app, &owner, &endpoint).await;
    assert_eq!(log[0]["status"], "failed");
    let attempts = log[0]["attempts"].as_i64().unwrap();
    assert!((5..=9).contains(&attempts), "{attempts}");
    let failed = app
        .get(
            &format!("{endpoint}/deliveries?status=failed"),
            Some(&owner),
        )
        .await;
    assert_eq!(failed.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        app.get(&endpoint, Some(&owner)).await.body["deliveries"]["failed"],
        1
    );

    // The receiver is mended; a new event goes through although the old one failed.
    server.reset().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    app.file_demo_item(OWNER, "生日宴", "第二次投诉：生日宴菜品与约定不符。")
        .await;
    app.run_pending_jobs().await;
    assert_eq!(server.received_requests().await.unwrap().len(), 1);

    let given_up = log[0]["id"].as_str().unwrap();
    let again = app
        .post(
            &format!("{endpoint}/deliveries/{given_up}/redeliver"),
            Some(&owner),
            &json!({}),
        )
        .await;
    again.expect(202);
    assert_eq!(again.body["status"], "pending");
    assert_eq!(again.body["event_id"], log[0]["event_id"]);
    app.run_pending_jobs().await;
    let bodies = received(&app, &server, &secret).await;
    assert_eq!(bodies.len(), 2);
    assert_eq!(
        bodies[1]["id"], log[0]["event_id"],
        "sent again under the event's own id"
    );

    // Paused, events and a ping wait; a waiting delivery is not sent again by hand.
    app.patch(&endpoint, Some(&owner), &json!({"enabled": false}))
        .await
        .expect(200);
    app.file_demo_item(OWNER, "寿宴", "第三次投诉：寿宴包间被取消。")
        .await;
    let ping = app
        .post(&format!("{endpoint}/ping"), Some(&owner), &json!({}))
        .await;
    ping.expect(202);
    // One ping waits at a time, so clicking again does not fill the queue.
    app.post(&format!("{endpoint}/ping"), Some(&owner), &json!({}))
        .await
        .expect_problem(409, "webhook_delivery_pending");
    app.run_pending_jobs().await;
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
    app.post(
        &format!(
            "{endpoint}/deliveries/{}/redeliver",
            ping.body["id"].as_str().unwrap()
        ),
        Some(&owner),
        &json!({}),
    )
    .await
    .expect_problem(409, "webhook_delivery_pending");
    app.patch(&endpoint, Some(&owner), &json!({"enabled": true}))
        .await
        .expect(200);
    app.run_pending_jobs().await;
    let bodies = received(&app, &server, &secret).await;
    assert_eq!(
        types(&bodies[2..]),
        ["filed", "ping"],
        "what waited while paused, in order"
    );
}

mod a_delivery_given_up_is_sent_again_by_its_owner {
    use crate::helpers::{Backend, spawn_app_with};

    fn quick(s: &mut odr::config::Settings) {
        s.webhooks.give_up_hours = 1;
        s.webhooks.retry_cap_secs = 600;
    }

    #[tokio::test]
    async fn sqlite() {
        super::a_delivery_given_up_is_sent_again_by_its_owner(
            spawn_app_with(Backend::Sqlite, quick).await,
        )
        .await
    }

    #[tokio::test]
    async fn postgres() {
        super::a_delivery_given_up_is_sent_again_by_its_owner(
            spawn_app_with(Backend::Postgres, quick).await,
        )
        .await
    }
}

async fn two_workers_send_each_delivery_once_in_order(app: TestApp) {
    app.seed_demo().await;
    let (owner, hooks) = owner_and_hooks(&app).await;
    let server = receiver(200).await;
    let (endpoint, secret) = register(&app, &owner, &hooks, &server, &["filed"]).await;
    let mut cases = Vec::new();
    for n in 0..6 {
        let filed = app
            .file_demo_item(
                OWNER,
                &format!("包间预订{n}"),
                &format!("第{n}位朋友的包间预订被取消。"),
            )
            .await;
        cases.push(filed["case_number"].clone());
    }
    let (one, two) = tokio::join!(app.run_pending_jobs(), app.run_pending_jobs());
    let _ = (one, two);
    let bodies = received(&app, &server, &secret).await;
    let sent: Vec<Value> = bodies
        .iter()
        .map(|b| b["data"]["case_number"].clone())
        .collect();
    assert_eq!(sent, cases, "each once, in the order they were filed");
    assert!(
        deliveries(&app, &owner, &endpoint)
            .await
            .iter()
            .all(|d| d["attempts"] == 1)
    );
}

async fn only_the_businesss_owners_see_and_change_its_webhooks(app: TestApp) {
    app.seed_demo().await;
    let (owner, hooks) = owner_and_hooks(&app).await;
    let server = receiver(200).await;
    let (endpoint, _) = register(&app, &owner, &hooks, &server, &["filed"]).await;

    let handler = app.demo_handler_token().await;
    let consumer = app.demo_token("consumer@odr.demo").await;
    let other_owner = app.demo_token("owner.hefang@odr.demo").await;
    let regulator = app.demo_token("reg.xihu@odr.demo").await;
    let admin = app.demo_token("admin@odr.demo").await;
    let (_, other_hooks) = owner_and_hooks_of(&app, &other_owner).await;

    let change = json!({"enabled": false});
    for (who, token) in [
        ("handler", &handler),
        ("consumer", &consumer),
        ("another business's owner", &other_owner),
        ("regulator", &regulator),
        ("admin", &admin),
    ] {
        for reply in [
            app.get(&hooks, Some(token)).await,
            app.get(&endpoint, Some(token)).await,
            app.patch(&endpoint, Some(token), &change).await,
            app.post(&format!("{endpoint}/ping"), Some(token), &json!({}))
                .await,
            app.post(
                &format!("{endpoint}/rotate-secret"),
                Some(token),
                &json!({}),
            )
            .await,
            app.get(&format!("{endpoint}/deliveries"), Some(token))
                .await,
            app.delete(&endpoint, Some(token)).await,
        ] {
            assert!(
                [403, 404].contains(&reply.status.as_u16()),
                "{who}: {} {}",
                reply.status,
                reply.body
            );
        }
    }
    app.get(&hooks, None).await.expect(401);
    // An owner reaching another business's endpoint through their own business: not found.
    let id = endpoint.rsplit('/').next().unwrap();
    app.get(&format!("{other_hooks}/{id}"), Some(&other_owner))
        .await
        .expect_problem(404, "webhook_not_found");
    app.get(&other_hooks, Some(&other_owner)).await.expect(200);
    // The owner's endpoint is as it was.
    let kept = app.get(&endpoint, Some(&owner)).await;
    assert_eq!(kept.body["enabled"], true);

    // Bad input: every failing field named, nothing written.
    let refused = app
        .post(
            &hooks,
            Some(&owner),
            &json!({"url": "ftp://dms.example.cn/h", "events": ["filed", "ping"], "description": "长".repeat(201)}),
        )
        .await;
    refused.expect_problem(422, "validation_failed");
    let mut fields = refused.failing_fields();
    fields.sort();
    assert_eq!(fields, ["description", "events", "url"]);
    app.post(
        &hooks,
        Some(&owner),
        &json!({"url": "https://dms.example.cn/h", "events": []}),
    )
    .await
    .expect_problem(422, "validation_failed");
    assert_eq!(
        app.get(&hooks, Some(&owner))
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // Ten endpoints at most.
    for n in 1..10 {
        app.post(
            &hooks,
            Some(&owner),
            &json!({"url": format!("https://dms{n}.example.cn/h"), "events": ["filed"]}),
        )
        .await
        .expect(201);
    }
    app.post(
        &hooks,
        Some(&owner),
        &json!({"url": "https://dms.example.cn/h", "events": ["filed"]}),
    )
    .await
    .expect_problem(409, "webhook_limit_reached");

    // Rotating gives a new secret; deleting removes the endpoint and is audited.
    let rotated = app
        .post(
            &format!("{endpoint}/rotate-secret"),
            Some(&owner),
            &json!({}),
        )
        .await;
    rotated.expect(200);
    assert!(
        rotated.body["secret"]
            .as_str()
            .unwrap()
            .starts_with("whsec_")
    );
    app.delete(&endpoint, Some(&owner)).await.expect(204);
    app.get(&endpoint, Some(&owner))
        .await
        .expect_problem(404, "webhook_not_found");
    app.sweep().await; // seals the audit entries
    let audit = app.get("/api/v1/audit?limit=500", Some(&regulator)).await;
    let actions: Vec<&str> = audit.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for action in [
        "webhook.created",
        "webhook.secret_rotated",
        "webhook.deleted",
    ] {
        assert!(actions.contains(&action), "{action} in {actions:?}");
    }
}

async fn owner_and_hooks_of(app: &TestApp, owner: &str) -> (String, String) {
    let business = app.business_of(owner).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    (
        owner.to_string(),
        format!("/api/v1/businesses/{business}/webhooks"),
    )
}

/// In production only public https addresses are taken.
async fn production_takes_only_public_https_endpoints(app: TestApp) {
    app.seed_demo().await;
    let (owner, hooks) = owner_and_hooks(&app).await;
    for (url, code) in [
        ("http://dms.example.cn/h", "insecure_url"),
        ("https://127.0.0.1:8443/h", "private_address"),
        ("https://10.0.0.8/h", "private_address"),
        ("https://[::1]/h", "private_address"),
        ("https://localhost/h", "private_address"),
        ("https://169.254.169.254/latest", "private_address"),
        ("https://user:pw@dms.example.cn/h", "invalid_url"),
        ("dms.example.cn/h", "invalid_url"),
    ] {
        let reply = app
            .post(
                &hooks,
                Some(&owner),
                &json!({"url": url, "events": ["filed"]}),
            )
            .await;
        reply.expect_problem(422, "validation_failed");
        assert_eq!(reply.body["errors"][0]["field"], "url", "{url}");
        assert_eq!(reply.body["errors"][0]["code"], code, "{url}");
    }
    let created = app
        .post(
            &hooks,
            Some(&owner),
            &json!({"url": "https://dms.example.cn/odr/hooks", "events": ["filed"]}),
        )
        .await;
    created.expect(201);
    // A name that resolves to no public address reaches nothing; the attempt says why.
    let endpoint = format!(
        "{hooks}/{}",
        created.body["webhook"]["id"].as_str().unwrap()
    );
    app.patch(
        &endpoint,
        Some(&owner),
        &json!({"url": "https://localhost.example.invalid/h"}),
    )
    .await
    .expect(200);
    app.post(&format!("{endpoint}/ping"), Some(&owner), &json!({}))
        .await
        .expect(202);
    app.run_pending_jobs().await;
    let log = deliveries(&app, &owner, &endpoint).await;
    assert_eq!(log[0]["status"], "pending");
    assert!(
        log[0]["last_error"]
            .as_str()
            .unwrap()
            .starts_with("unreachable: "),
        "{}",
        log[0]["last_error"]
    );
}

mod production_takes_only_public_https_endpoints {
    use crate::helpers::{Backend, spawn_app_with};

    fn strict(s: &mut odr::config::Settings) {
        s.webhooks.allow_insecure = false;
        s.webhooks.timeout_ms = 2000;
    }

    #[tokio::test]
    async fn sqlite() {
        super::production_takes_only_public_https_endpoints(
            spawn_app_with(Backend::Sqlite, strict).await,
        )
        .await
    }

    #[tokio::test]
    async fn postgres() {
        super::production_takes_only_public_https_endpoints(
            spawn_app_with(Backend::Postgres, strict).await,
        )
        .await
    }
}

async fn an_owner_works_with_webhooks_in_the_portal(app: TestApp) {
    app.seed_demo().await;
    let server = receiver(200).await;
    let owner = Visitor::log_in(&app, OWNER).await;
    let list = owner.get("/unit/webhooks").await;
    assert_eq!(list.status, 200);
    assert!(list.html.contains("事件推送") && list.html.contains("还没有接收地址"));
    let csrf = list.csrf();

    // Refused: the address and events marked at their fields, what was typed kept.
    let refused = owner
        .post(
            "/unit/webhooks",
            &[
                ("csrf", &csrf),
                ("url", "ftp://dms"),
                ("description", "售后 DMS"),
            ],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(
        refused.html.contains("请填写完整的网址"),
        "{}",
        refused.html
    );
    assert!(refused.html.contains("请从列出的事件中选择") || refused.html.contains("必填"));
    assert!(refused.html.contains("value=\"售后 DMS\""));

    let url = format!("{}/hooks", server.uri());
    let created = owner
        .post(
            "/unit/webhooks",
            &[
                ("csrf", &csrf),
                ("url", &url),
                ("description", "售后 DMS"),
                ("events", "filed"),
                ("events", "concluded"),
            ],
        )
        .await;
    assert_eq!(created.status, 303, "{}", created.html);
    assert!(created.location().ends_with("?created=1"));
    let page = owner.get(created.location()).await;
    let page_path = created
        .location()
        .trim_end_matches("?created=1")
        .to_string();
    assert_eq!(page.status, 200);
    assert!(page.html.contains("请把下面的签名密钥配置到接收端"));
    let start = page.html.find("whsec_").unwrap();
    let secret = page.html[start..start + 70].to_string();

    app.file_demo_dispute(OWNER, "包间预订被取消，要求退款。")
        .await;
    app.run_pending_jobs().await;
    let bodies = received(&app, &server, &secret).await;
    assert_eq!(types(&bodies), ["filed"]);

    let page = owner.get(&page_path).await;
    assert!(
        page.html.contains("新纠纷") && page.html.contains("已送达"),
        "{}",
        page.html
    );
    assert!(
        page.html
            .contains(bodies[0]["data"]["case_number"].as_str().unwrap())
    );
    // The delivery's own page shows the payload and the attempt in words.
    let delivery = page.html.find(&format!("{page_path}/deliveries/")).unwrap();
    let delivery_path: String = page.html[delivery..].split('"').next().unwrap().to_string();
    let shown = owner.get(&delivery_path).await;
    assert!(shown.html.contains("HTTP 200") && shown.html.contains("推送内容"));
    let csrf = page.csrf();
    let again = owner
        .post(&format!("{delivery_path}/redeliver"), &[("csrf", &csrf)])
        .await;
    assert_eq!(again.status, 303);
    app.run_pending_jobs().await;
    assert_eq!(received(&app, &server, &secret).await.len(), 2);

    // Pausing and the test event, then deleting with the confirmation.
    let paused = owner
        .post(
            &page_path,
            &[
                ("csrf", &csrf),
                ("url", &url),
                ("description", ""),
                ("events", "filed"),
            ],
        )
        .await;
    assert_eq!(paused.status, 303);
    assert!(owner.get("/unit/webhooks").await.html.contains("已暂停"));
    let unconfirmed = owner
        .post(&format!("{page_path}/delete"), &[("csrf", &csrf)])
        .await;
    assert_eq!(unconfirmed.status, 422);
    let deleted = owner
        .post(
            &format!("{page_path}/delete"),
            &[("csrf", &csrf), ("confirm", "yes")],
        )
        .await;
    assert_eq!(deleted.status, 303);
    assert!(
        owner
            .get("/unit/webhooks")
            .await
            .html
            .contains("还没有接收地址")
    );

    // The English page.
    let en = owner.get("/unit/webhooks?lang=en").await;
    assert!(en.html.contains("Add an endpoint") && en.html.contains("Events sent"));

    // A handler sees no webhooks link and cannot open the page.
    app.demo_handler_token().await;
    let handler = Visitor::log_in_with(&app, "zhou@example.cn", "handler-pass-1").await;
    let inbox = handler.get("/inbox").await;
    assert!(!inbox.html.contains("/unit/webhooks"));
    assert_eq!(handler.get("/unit/webhooks").await.status, 403);
    assert!(owner.get("/inbox").await.html.contains("/unit/webhooks"));
}

/// Issue 16 item 6: a due date coming (raised by the sweep's reminder, not by a party) and the
/// escalation are delivered too.
async fn a_due_date_coming_and_an_escalation_reach_the_endpoint(app: TestApp) {
    app.seed_demo().await;
    let (owner, hooks) = owner_and_hooks(&app).await;
    let server = receiver(200).await;
    let (_, secret) = register(&app, &owner, &hooks, &server, &["due_soon", "escalated"]).await;
    let filed = app
        .file_demo_dispute(OWNER, "包间预订被临时取消，定金不退，要求退还定金。")
        .await;
    let dispute = filed["id"].as_str().unwrap().to_string();
    act(
        &app,
        &owner,
        &dispute,
        json!({"action": "first_contact", "message": "您好，已收到，正在核实。"}),
    )
    .await;
    // Half a day at a time until the reminder a working day before the settlement's due date.
    let mut reminded = 0;
    for _ in 0..40 {
        app.advance(Duration::hours(12));
        reminded += app.sweep().await.reminders_sent;
        if reminded > 0 {
            break;
        }
    }
    assert_eq!(reminded, 1);
    app.run_pending_jobs().await;
    let bodies = received(&app, &server, &secret).await;
    assert_eq!(types(&bodies), ["due_soon"]);
    assert_eq!(bodies[0]["data"]["dispute_id"], dispute.as_str());
    assert_eq!(bodies[0]["data"]["detail"]["deadline"], "settlement");
    assert_eq!(bodies[0]["data"]["status"], "negotiating");

    // The consumer asks for 12315: the dispute escalates, and the endpoint hears it.
    let consumer = app.demo_token("consumer@odr.demo").await;
    act(
        &app,
        &consumer,
        &dispute,
        json!({"action": "request_escalation", "reason": "商家一直未给出方案"}),
    )
    .await;
    app.run_pending_jobs().await;
    let bodies = received(&app, &server, &secret).await;
    assert_eq!(types(&bodies), ["due_soon", "escalated"]);
    assert_eq!(bodies[1]["data"]["status"], "escalated");
    assert!(
        !bodies[1].to_string().contains("商家一直未给出方案"),
        "no free text"
    );
}
