//! The `http` connector against a mock 12315 gateway that checks every signature, and the
//! gateway's signed callbacks.

use std::time::Duration as StdDuration;

use chrono::Duration;
use hmac::{Hmac, KeyInit, Mac};
use odr::config::HttpConnectorSettings;
use secrecy::SecretString;
use serde_json::{Value, json};
use sha2::Sha256;
use wiremock::matchers::{method, path};
use wiremock::{Match, Mock, MockServer, Request, ResponseTemplate};

use crate::escalations::{escalated, photo};
use crate::helpers::{Backend, NowUtc, TestApp, spawn_app_with};

const SECRET: &str = "gateway-secret-shared-with-12315-test";
const CONNECTOR: &str = "gateway_12315";

/// HMAC-SHA256 over "timestamp.body", written out here rather than borrowed from the platform.
fn signature(timestamp: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(format!("{timestamp}.").as_bytes());
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// The mock gateway's check: a request counts only when it is signed with the shared secret.
struct SignedWithSecret;

impl Match for SignedWithSecret {
    fn matches(&self, request: &Request) -> bool {
        let header = |name: &str| request.headers.get(name).and_then(|v| v.to_str().ok());
        match (header("X-ODR-Timestamp"), header("X-ODR-Signature")) {
            (Some(ts), Some(sig)) => signature(ts, &request.body) == sig,
            _ => false,
        }
    }
}

/// An app whose escalations go to a mock gateway (500 ms timeout).
async fn with_gateway(backend: Backend) -> (TestApp, MockServer) {
    let gateway = MockServer::start().await;
    let url = format!("{}/odr/escalations", gateway.uri());
    let app = spawn_app_with(backend, move |s| {
        s.escalation.connectors.insert(
            CONNECTOR.into(),
            HttpConnectorSettings {
                url,
                secret: SecretString::from(SECRET),
                timeout_ms: 500,
            },
        );
        s.escalation.default_connector = CONNECTOR.into();
    })
    .await;
    (app, gateway)
}

/// The gateway answers signed deliveries with `answer`; anything unsigned gets a 401.
async fn answer(gateway: &MockServer, answer: ResponseTemplate) {
    gateway.reset().await;
    Mock::given(method("POST"))
        .and(path("/odr/escalations"))
        .and(SignedWithSecret)
        .respond_with(answer)
        .mount(gateway)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(401))
        .mount(gateway)
        .await;
}

async fn received(gateway: &MockServer) -> Vec<Request> {
    gateway.received_requests().await.unwrap_or_default()
}

async fn escalation_of(app: &TestApp, dispute: &str) -> Value {
    let consumer = app.demo_token("consumer@odr.demo").await;
    app.get(&format!("/api/v1/disputes/{dispute}"), Some(&consumer))
        .await
        .body
}

macro_rules! gateway_tests {
    ($(async fn $name:ident($app:ident, $gateway:ident) $body:block)*) => {
        $(
            async fn $name($app: TestApp, $gateway: MockServer) $body

            mod $name {
                #[tokio::test]
                async fn sqlite() {
                    let (app, gateway) = super::with_gateway(crate::helpers::Backend::Sqlite).await;
                    super::$name(app, gateway).await
                }

                #[tokio::test]
                async fn postgres() {
                    let (app, gateway) = super::with_gateway(crate::helpers::Backend::Postgres).await;
                    super::$name(app, gateway).await
                }
            }
        )*
    };
}

gateway_tests! {
    async fn the_packet_is_posted_once_signed_and_valid_against_its_schema(app, gateway) {
        answer(&gateway, ResponseTemplate::new(202)).await;
        let dispute = escalated(&app).await;
        assert!(received(&gateway).await.is_empty(), "nothing is sent inside the request");
        app.run_pending_jobs().await;
        let requests = received(&gateway).await;
        assert_eq!(requests.len(), 1);
        let request = &requests[0];
        let packet: Value = serde_json::from_slice(&request.body).unwrap();
        let escalation_id = packet["escalation"]["id"].as_str().unwrap().to_string();
        assert_eq!(request.headers["idempotency-key"].to_str().unwrap(), escalation_id);
        assert_eq!(request.headers["content-type"].to_str().unwrap(), "application/json");

        let schema: Value = serde_json::from_str(&odr::http::openapi::packet_schema()).unwrap();
        let validator = jsonschema::validator_for(&schema).unwrap();
        let problems: Vec<String> = validator.iter_errors(&packet).map(|e| format!("{} at {}", e, e.instance_path())).collect();
        assert!(problems.is_empty(), "{problems:?}");

        assert_eq!(packet["schema"], "odr.escalation-packet.v2");
        assert_eq!(packet["escalation"]["initiated_by"], "merchant");
        assert_eq!(packet["escalation"]["connector"], CONNECTOR);
        assert_eq!(packet["consumer"]["phone"], "+8613800000001", "the consumer consented to contact");
        assert_eq!(packet["unit"]["uscc"].as_str().unwrap().len(), 18);
        assert_eq!(packet["unit"]["region_code"], "330106");
        assert!(packet["unit"]["region_name"].as_str().unwrap().contains("西湖"));
        assert_eq!(packet["claim"]["amount_claimed_fen"], 100_000);
        assert!(packet["deadlines"]["settlement"]["skipped"].as_array().unwrap().len() >= 2);
        let kinds: Vec<&str> = packet["timeline"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
        assert_eq!(kinds, ["filed", "evidence_added", "declined"]);
        // The unit's figures over the 12 months up to the day before (whole days), with its
        // region's and industry's: this dispute, filed and escalated today, is not yet in them.
        assert_eq!(packet["metrics"]["period"], json!({"from": "2025-11-27", "to": "2026-11-26"}));
        for scope in ["unit", "region", "industry"] {
            assert_eq!(packet["metrics"][scope]["filed"], 0, "{scope}");
            assert_eq!(packet["metrics"][scope]["escalated"], 0, "{scope}");
        }

        // The evidence link works without a login, for that file only, until it expires.
        let evidence = &packet["evidence"][0];
        assert_eq!(evidence["file_name"], "异物.png");
        let link = evidence["download_url"].as_str().unwrap();
        let local = link.replacen(&app.state.settings.server.public_url, &app.address, 1);
        let file = app.client.get(&local).send().await.unwrap();
        assert_eq!(file.status(), 200);
        assert_eq!(file.bytes().await.unwrap().to_vec(), photo());
        let evidence_id = evidence["id"].as_str().unwrap();
        let token = local.split("token=").nth(1).unwrap();
        app.get(&format!("/api/v1/evidence/{evidence_id}?token={token}x"), None).await.expect_problem(401, "invalid_link");
        app.get(&format!("/api/v1/evidence/{evidence_id}"), None).await.expect_problem(401, "invalid_link");
        app.get(&format!("/api/v1/evidence/{}?token={token}", escalation_id), None).await.expect_problem(401, "invalid_link");
        app.advance(Duration::days(91));
        app.get(&format!("/api/v1/evidence/{evidence_id}?token={token}"), None).await.expect_problem(401, "invalid_link");

        let view = escalation_of(&app, &dispute).await;
        assert_eq!(view["escalation"]["state"], "delivered");
        assert_eq!(view["escalation"]["bureau_deadlines"], json!([]), "another authority's limits are its own");
        app.run_pending_jobs().await;
        assert_eq!(received(&gateway).await.len(), 1, "delivered once");
        let told_regulators = app.sent_emails().iter().any(|e| e.to.starts_with("reg.") && e.text.contains("12315"));
        assert!(!told_regulators, "the builtin queue is not used for a gateway's escalations");
    }

    async fn failures_and_timeouts_are_retried_for_72_hours_then_dead_until_redriven(app, gateway) {
        answer(&gateway, ResponseTemplate::new(503).set_body_string("maintenance")).await;
        let dispute = escalated(&app).await;
        app.run_pending_jobs().await;
        assert_eq!(received(&gateway).await.len(), 1);
        assert_eq!(app.run_pending_jobs().await, 0, "the retry waits for its backoff");

        // A gateway slower than the timeout fails the attempt too.
        answer(&gateway, ResponseTemplate::new(202).set_delay(StdDuration::from_secs(3))).await;
        app.advance(Duration::minutes(2));
        assert_eq!(app.run_pending_jobs().await, 1);
        answer(&gateway, ResponseTemplate::new(500)).await;
        let mut hours = 0;
        while hours < 80 {
            app.advance(Duration::hours(4));
            hours += 4;
            app.run_pending_jobs().await;
        }
        let attempts = received(&gateway).await.len();
        assert!((10..=25).contains(&attempts), "backoff spaces the retries: {attempts} in 80 h");

        let admin = app.demo_token("admin@odr.demo").await;
        let dead = app.get("/api/v1/admin/escalations/dead", Some(&admin)).await;
        dead.expect(200);
        let dead = dead.body.as_array().unwrap().clone();
        assert_eq!(dead.len(), 1);
        assert!(dead[0]["delivery_attempts"].as_i64().unwrap() >= 12);
        assert!(dead[0]["last_delivery_error"].as_str().unwrap().contains("500"));
        let escalation = dead[0]["id"].as_str().unwrap().to_string();
        let view = escalation_of(&app, &dispute).await;
        assert_eq!(view["escalation"]["state"], "pending");
        assert!(view["timeline"].as_array().unwrap().iter().any(|e| e["kind"] == "escalation_delivery_dead"));
        answer(&gateway, ResponseTemplate::new(500)).await;
        app.advance(Duration::days(3));
        app.run_pending_jobs().await;
        assert_eq!(received(&gateway).await.len(), 0, "a dead escalation is not retried");

        let regulator = app.demo_token("reg.xihu@odr.demo").await;
        app.get("/api/v1/admin/escalations/dead", Some(&regulator)).await.expect_problem(403, "forbidden");
        let redrive = format!("/api/v1/admin/escalations/{escalation}/redrive");
        app.post(&redrive, Some(&regulator), &json!({})).await.expect_problem(403, "forbidden");

        answer(&gateway, ResponseTemplate::new(200)).await;
        let admin = app.demo_token("admin@odr.demo").await;
        app.post(&redrive, Some(&admin), &json!({})).await.expect(202);
        app.post(&redrive, Some(&admin), &json!({})).await.expect_problem(409, "escalation_not_dead");
        app.post("/api/v1/admin/escalations/nope/redrive", Some(&admin), &json!({})).await.expect_problem(404, "escalation_not_found");
        app.run_pending_jobs().await;
        assert_eq!(received(&gateway).await.len(), 1);
        assert_eq!(escalation_of(&app, &dispute).await["escalation"]["state"], "delivered");
        assert!(app.get("/api/v1/admin/escalations/dead", Some(&admin)).await.body.as_array().unwrap().is_empty());
    }

    async fn a_slow_answer_in_time_counts_and_a_duplicate_delivery_is_harmless(app, gateway) {
        // The gateway takes the packet but answers after the timeout: the platform retries,
        // and the gateway sees the same packet under the same key again.
        answer(&gateway, ResponseTemplate::new(202).set_delay(StdDuration::from_secs(2))).await;
        let dispute = escalated(&app).await;
        app.run_pending_jobs().await;
        let first = received(&gateway).await;
        assert_eq!(first.len(), 1);
        answer(&gateway, ResponseTemplate::new(409).set_delay(StdDuration::from_millis(150))).await;
        app.advance(Duration::minutes(5));
        app.run_pending_jobs().await;
        let second = received(&gateway).await;
        assert_eq!(second.len(), 1);
        assert_eq!(first[0].headers["idempotency-key"], second[0].headers["idempotency-key"]);
        assert_eq!(first[0].body, second[0].body, "every attempt sends the same packet");
        assert_eq!(escalation_of(&app, &dispute).await["escalation"]["state"], "delivered", "409: the gateway has it already");
        app.advance(Duration::days(4));
        app.run_pending_jobs().await;
        assert_eq!(received(&gateway).await.len(), 1, "nothing more is sent");
    }

    async fn signed_callbacks_move_the_escalation_and_bad_ones_change_nothing(app, gateway) {
        answer(&gateway, ResponseTemplate::new(202)).await;
        let dispute = escalated(&app).await;
        app.run_pending_jobs().await;
        let packet: Value = serde_json::from_slice(&received(&gateway).await[0].body).unwrap();
        let escalation = packet["escalation"]["id"].as_str().unwrap().to_string();
        let url = format!("{}/api/v1/connectors/{CONNECTOR}/callbacks", app.address);
        let send = |body: String, timestamp: Option<String>, signature: Option<String>| {
            let mut request = app.client.post(&url).header("content-type", "application/json").body(body);
            if let Some(ts) = timestamp {
                request = request.header("X-ODR-Timestamp", ts);
            }
            if let Some(sig) = signature {
                request = request.header("X-ODR-Signature", sig);
            }
            request.send()
        };
        let now = || app.clock.now_utc().timestamp().to_string();
        let body = |status: &str| json!({"escalation_id": escalation, "status": status, "note": "已受理"}).to_string();
        let state = || async { escalation_of(&app, &dispute).await["escalation"]["state"].clone() };

        let accepted = body("accepted");
        let refusals = [
            ("missing", send(accepted.clone(), None, None).await.unwrap()),
            ("no signature", send(accepted.clone(), Some(now()), None).await.unwrap()),
            ("wrong secret", send(accepted.clone(), Some(now()), Some("sha256=00ff".into())).await.unwrap()),
            ("other body", send(body("closed"), Some(now()), Some(signature(&now(), accepted.as_bytes()))).await.unwrap()),
        ];
        for (why, reply) in refusals {
            assert_eq!(reply.status(), 401, "{why}");
            assert!(reply.headers()["content-type"].to_str().unwrap().starts_with("application/problem+json"));
        }
        let stale = (app.clock.now_utc() - Duration::seconds(301)).timestamp().to_string();
        let reply = send(accepted.clone(), Some(stale.clone()), Some(signature(&stale, accepted.as_bytes()))).await.unwrap();
        assert_eq!(reply.status(), 401, "stale");
        let unknown = format!("{}/api/v1/connectors/nobody/callbacks", app.address);
        let ts = now();
        let reply = app.client.post(&unknown).header("X-ODR-Timestamp", &ts)
            .header("X-ODR-Signature", signature(&ts, accepted.as_bytes())).body(accepted.clone()).send().await.unwrap();
        assert_eq!(reply.status(), 401, "unknown connector");
        assert_eq!(state().await, "delivered", "refused callbacks change nothing");

        let ts = (app.clock.now_utc() - Duration::seconds(299)).timestamp().to_string();
        let reply = send(accepted.clone(), Some(ts.clone()), Some(signature(&ts, accepted.as_bytes()))).await.unwrap();
        assert_eq!(reply.status(), 200);
        assert_eq!(reply.json::<Value>().await.unwrap(), json!({"changed": true, "state": "accepted"}));
        assert_eq!(state().await, "accepted");
        let ts = now();
        let again = send(accepted.clone(), Some(ts.clone()), Some(signature(&ts, accepted.as_bytes()))).await.unwrap();
        assert_eq!(again.json::<Value>().await.unwrap()["changed"], false, "a repeated callback is harmless");

        let back = body("received");
        let reply = send(back.clone(), Some(ts.clone()), Some(signature(&ts, back.as_bytes()))).await.unwrap();
        assert_eq!(reply.status(), 409);
        let bogus = json!({"escalation_id": escalation, "status": "finished"}).to_string();
        let reply = send(bogus.clone(), Some(ts.clone()), Some(signature(&ts, bogus.as_bytes()))).await.unwrap();
        assert_eq!(reply.status(), 422);
        let other = json!({"escalation_id": "0190-none", "status": "closed"}).to_string();
        let reply = send(other.clone(), Some(ts.clone()), Some(signature(&ts, other.as_bytes()))).await.unwrap();
        assert_eq!(reply.status(), 404);

        let mediated = body("mediated");
        let reply = send(mediated.clone(), Some(ts.clone()), Some(signature(&ts, mediated.as_bytes()))).await.unwrap();
        assert_eq!(reply.status(), 200);
        let view = escalation_of(&app, &dispute).await;
        assert_eq!(view["escalation"]["state"], "mediated");
        let reported: Vec<(&str, &str)> = view["timeline"].as_array().unwrap().iter()
            .filter(|e| e["kind"] == "escalation_status")
            .map(|e| (e["detail"]["status"].as_str().unwrap(), e["detail"]["reported_by"].as_str().unwrap()))
            .collect();
        assert_eq!(reported, [("accepted", CONNECTOR), ("mediated", CONNECTOR)]);
        // The region's regulators see the gateway's escalation with its state.
        let xihu = app.demo_token("reg.xihu@odr.demo").await;
        let queue = app.get("/api/v1/escalations", Some(&xihu)).await;
        assert_eq!(queue.body[0]["state"], "mediated");
    }
}

#[tokio::test]
async fn escalations_are_routed_by_industry_and_region() {
    let gateway = MockServer::start().await;
    answer(&gateway, ResponseTemplate::new(202)).await;
    let url = format!("{}/odr/escalations", gateway.uri());
    // Catering in Xihu goes to the gateway; everything else stays builtin.
    let app = spawn_app_with(Backend::Sqlite, move |s| {
        s.escalation.connectors.insert(
            CONNECTOR.into(),
            HttpConnectorSettings {
                url,
                secret: SecretString::from(SECRET),
                timeout_ms: 500,
            },
        );
        s.escalation.routes.push(odr::config::ConnectorRoute {
            industry: Some("catering".into()),
            region: Some("330100".into()),
            connector: CONNECTOR.into(),
        });
    })
    .await;
    let settings = &app.state.settings.escalation;
    assert_eq!(settings.connector_for("catering", "330106"), CONNECTOR);
    assert_eq!(settings.connector_for("catering", "330206"), "builtin");
    assert_eq!(
        settings.connector_for("motor_vehicles", "330106"),
        "builtin"
    );
    escalated(&app).await;
    app.run_pending_jobs().await;
    assert_eq!(received(&gateway).await.len(), 1);
}
