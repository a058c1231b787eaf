use serde_json::json;

use crate::both_backends;
use crate::helpers::TestApp;

/// What the consumer photographed.
pub fn photo() -> Vec<u8> {
    [b"\x89PNG\r\n\x1a\n".as_slice(), &[0u8; 64]].concat()
}

/// Files a dispute at the Xihu restaurant with a photo and has the business decline it;
/// returns its id.
pub async fn escalated(app: &TestApp) -> String {
    app.seed_demo().await;
    let owner = app.demo_token("owner.xixi@odr.demo").await;
    let unit = app.business_of(&owner).await["unit"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let consumer = app.demo_token("consumer@odr.demo").await;
    let filed = app.post("/api/v1/disputes", Some(&consumer), &json!({
        "unit_id": unit, "category": "food_safety", "item": {"kind": "service", "name": "外卖套餐"},
        "purchase_date": "2026-11-26", "amount_paid_fen": 8_800, "amount_claimed_fen": 100_000,
        "remedies": ["compensation"], "description": "外卖中发现异物，要求按食品安全法赔偿。", "contact_consent": true
    })).await;
    let id = filed.body["id"].as_str().unwrap().to_string();
    app.upload(
        &format!("/api/v1/disputes/{id}/evidence"),
        &consumer,
        "异物.png",
        photo(),
    )
    .await
    .expect(201);
    app.post(
        &format!("/api/v1/disputes/{id}/actions"),
        Some(&owner),
        &json!({"action": "decline", "reason": "不认可异物来源"}),
    )
    .await
    .expect(200);
    id
}

both_backends!(
    the_regulator_handles_an_escalated_case_on_its_page,
    an_escalation_lands_in_the_queue_of_the_regions_regulators,
    the_regulator_records_each_handling_step_in_order,
    only_regulators_of_the_region_handle_escalations
);

async fn an_escalation_lands_in_the_queue_of_the_regions_regulators(app: TestApp) {
    let id = escalated(&app).await;
    let consumer = app.demo_token("consumer@odr.demo").await;
    let before = app
        .get(&format!("/api/v1/disputes/{id}"), Some(&consumer))
        .await;
    assert_eq!(
        before.body["escalation"]["state"], "pending",
        "nothing is sent inside the request"
    );
    app.run_pending_jobs().await;
    assert_eq!(app.run_pending_jobs().await, 0);
    let after = app
        .get(&format!("/api/v1/disputes/{id}"), Some(&consumer))
        .await;
    assert_eq!(after.body["escalation"]["state"], "delivered");

    let xihu = app.demo_token("reg.xihu@odr.demo").await;
    let queue = app.get("/api/v1/escalations", Some(&xihu)).await;
    queue.expect(200);
    assert_eq!(queue.body.as_array().unwrap().len(), 1);
    assert_eq!(queue.body[0]["dispute_id"], id.as_str());
    assert_eq!(queue.body[0]["initiated_by"], "merchant");
    let city = app.demo_token("reg.hangzhou@odr.demo").await;
    assert_eq!(
        app.get("/api/v1/escalations?state=received,delivered", Some(&city))
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        app.get("/api/v1/escalations?state=delivered", Some(&city))
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let binjiang = app.demo_token("reg.binjiang@odr.demo").await;
    assert!(
        app.get("/api/v1/escalations", Some(&binjiang))
            .await
            .body
            .as_array()
            .unwrap()
            .is_empty()
    );

    let told: Vec<String> = app
        .sent_emails()
        .iter()
        .filter(|e| e.text.contains("12315"))
        .map(|e| e.to.clone())
        .collect();
    assert!(
        told.contains(&"reg.xihu@odr.demo".to_string())
            && told.contains(&"reg.hangzhou@odr.demo".to_string()),
        "{told:?}"
    );
    assert!(!told.contains(&"reg.binjiang@odr.demo".to_string()));
}

async fn the_regulator_records_each_handling_step_in_order(app: TestApp) {
    let id = escalated(&app).await;
    app.run_pending_jobs().await;
    let xihu = app.demo_token("reg.xihu@odr.demo").await;
    let escalation = app.get("/api/v1/escalations", Some(&xihu)).await.body[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("/api/v1/escalations/{escalation}/updates");
    app.post(&path, Some(&xihu), &json!({"status": "mediating"}))
        .await
        .expect_problem(409, "invalid_escalation_transition");
    for status in [
        "received",
        "accepted",
        "mediating",
        "mediation_failed",
        "case_filed",
        "closed",
    ] {
        app.post(
            &path,
            Some(&xihu),
            &json!({"status": status, "note": "依法处理"}),
        )
        .await
        .expect(204);
    }
    app.post(&path, Some(&xihu), &json!({"status": "received"}))
        .await
        .expect_problem(409, "invalid_escalation_transition");
    let consumer = app.demo_token("consumer@odr.demo").await;
    let view = app
        .get(&format!("/api/v1/disputes/{id}"), Some(&consumer))
        .await;
    assert_eq!(view.body["escalation"]["state"], "closed");
    let steps: Vec<&str> = view.body["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "escalation_status")
        .map(|e| e["detail"]["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        steps,
        vec![
            "received",
            "accepted",
            "mediating",
            "mediation_failed",
            "case_filed",
            "closed"
        ]
    );
}

async fn only_regulators_of_the_region_handle_escalations(app: TestApp) {
    escalated(&app).await;
    app.run_pending_jobs().await;
    let xihu = app.demo_token("reg.xihu@odr.demo").await;
    let escalation = app.get("/api/v1/escalations", Some(&xihu)).await.body[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("/api/v1/escalations/{escalation}/updates");
    for who in [
        "consumer@odr.demo",
        "owner.xixi@odr.demo",
        "assoc.catering@odr.demo",
        "admin@odr.demo",
    ] {
        let token = app.demo_token(who).await;
        app.get("/api/v1/escalations", Some(&token))
            .await
            .expect_problem(403, "forbidden");
        app.post(&path, Some(&token), &json!({"status": "received"}))
            .await
            .expect_problem(403, "forbidden");
    }
    let binjiang = app.demo_token("reg.binjiang@odr.demo").await;
    app.post(&path, Some(&binjiang), &json!({"status": "received"}))
        .await
        .expect_problem(404, "escalation_not_found");
    app.post(&path, Some(&xihu), &json!({"status": "received"}))
        .await
        .expect(204);
    let refused = app
        .post(&path, Some(&xihu), &json!({"status": "not_accepted"}))
        .await;
    refused.expect_problem(422, "validation_failed");
    assert_eq!(refused.failing_fields(), vec!["note"]);
    app.post(&path, Some(&xihu), &json!({"status": "nonsense"}))
        .await
        .expect_problem(422, "validation_failed");
    let lost = app
        .get("/api/v1/escalations?state=delivered,lost", Some(&xihu))
        .await;
    lost.expect_problem(422, "validation_failed");
    assert_eq!(lost.failing_fields(), vec!["state"]);
    app.post(
        &path,
        Some(&xihu),
        &json!({"status": "not_accepted", "note": "不属于本局管辖"}),
    )
    .await
    .expect(204);
}

/// Issue 16 item 3: the escalated case file on one screen, the 12315 steps with their notes
/// and the unit's figures beside its district's, and the next step recorded there.
async fn the_regulator_handles_an_escalated_case_on_its_page(app: TestApp) {
    use crate::portal::Visitor;
    let id = escalated(&app).await;
    app.run_pending_jobs().await;
    let regulator = Visitor::log_in(&app, "reg.xihu@odr.demo").await;
    let page = regulator.get(&format!("/disputes/{id}")).await;
    assert_eq!(page.status, 200);
    for shown in [
        "12315 处理进展",
        "尚未登记处理步骤",
        "该单位考核指标",
        "本单位",
        "所在辖区",
        "同行业",
        "按时办结率",
        "外卖中发现异物",
    ] {
        assert!(page.html.contains(shown), "{shown} on the case page");
    }
    let csrf = page.csrf();
    let escalation = app
        .get(
            &format!("/api/v1/disputes/{id}"),
            Some(&app.demo_token("reg.xihu@odr.demo").await),
        )
        .await
        .body["escalation"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let recorded = regulator
        .post(
            &format!("/escalations/{escalation}"),
            &[
                ("csrf", csrf.as_str()),
                ("status", "received"),
                ("note", "已电话联系双方，约定周三到店调解"),
                // A crafted value does not lead elsewhere: the escalated dispute's page follows.
                ("back", "../audit"),
            ],
        )
        .await;
    assert_eq!(recorded.status, 303);
    assert_eq!(recorded.location(), format!("/disputes/{id}#escalation"));
    let page = regulator.get(&format!("/disputes/{id}")).await;
    assert!(page.html.contains("已电话联系双方，约定周三到店调解"));
    assert!(!page.html.contains("尚未登记处理步骤"));
    // A step refused there shows the same page, saying why.
    let refused = regulator
        .post(
            &format!("/escalations/{escalation}"),
            &[
                ("csrf", page.csrf().as_str()),
                ("status", "received"),
                ("back", id.as_str()),
            ],
        )
        .await;
    assert!(
        refused.status >= 400 && refused.status < 500,
        "{}",
        refused.status
    );
    assert!(refused.html.contains("12315 处理进展"));
    assert!(
        refused
            .html
            .contains("该转办记录当前状态下不能进行此操作。"),
        "the refusal is said on the dispute's page"
    );

    // The parties see the steps, and no step form nor the unit's figures.
    let consumer = Visitor::log_in(&app, "consumer@odr.demo").await;
    let theirs = consumer.get(&format!("/disputes/{id}")).await;
    assert!(theirs.html.contains("12315 处理进展"));
    assert!(!theirs.html.contains("该单位考核指标"));
    assert!(!theirs.html.contains(&format!("/escalations/{escalation}")));
    let view = app
        .get(
            &format!("/api/v1/disputes/{id}"),
            Some(&app.demo_token("consumer@odr.demo").await),
        )
        .await;
    assert_eq!(view.body["escalation"]["steps"][0]["state"], "received");
    assert_eq!(
        view.body["escalation"]["next_steps"],
        serde_json::json!([]),
        "only a regulator records steps"
    );
}
