//! Unit evaluation: units below the thresholds listed with their figures, warned, suspended.

use serde_json::json;

use crate::both_backends;
use crate::deadlines::file_with;
use crate::helpers::TestApp;

both_backends!(units_below_the_thresholds_are_listed_warned_and_suspended);

async fn units_below_the_thresholds_are_listed_warned_and_suspended(app: TestApp) {
    app.seed_demo().await;
    let owner = app.demo_token("owner.xixi@odr.demo").await;
    let declined = file_with(&app, "owner.xixi@odr.demo", "2026-11-20").await;
    let declined = declined["id"].as_str().unwrap().to_string();
    app.post(
        &format!("/api/v1/disputes/{declined}/actions"),
        Some(&owner),
        &json!({"action": "decline", "reason": "不同意"}),
    )
    .await
    .expect(200);
    let xihu = app.demo_token("reg.xihu@odr.demo").await;
    let listed = app.get("/api/v1/evaluation", Some(&xihu)).await;
    listed.expect(200);
    let units = listed.body["units"].as_array().unwrap().clone();
    assert_eq!(units.len(), 1, "only the unit below a threshold: {units:?}");
    let unit = &units[0];
    assert_eq!(unit["business_name"], "杭州西溪人家餐饮有限公司");
    assert_eq!(unit["below"], json!(["settlement_rate"]));
    assert_eq!(unit["on_time_rate"], 1.0);
    assert_eq!(unit["settlement_rate"], 0.0);
    assert_eq!(listed.body["window_from"], "2026-08-30");
    let every = app
        .get("/api/v1/evaluation?all=true", Some(&xihu))
        .await
        .body;
    assert_eq!(
        every["units"].as_array().unwrap().len(),
        2,
        "both Xihu units"
    );
    let unit_id = unit["unit_id"].as_str().unwrap().to_string();

    let consumer = app.demo_token("consumer@odr.demo").await;
    app.get("/api/v1/evaluation", Some(&consumer))
        .await
        .expect_problem(403, "forbidden");
    let binjiang = app.demo_token("reg.binjiang@odr.demo").await;
    assert!(
        app.get("/api/v1/evaluation?all=true", Some(&binjiang))
            .await
            .body["units"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["unit_id"] != unit_id.as_str())
    );
    let warn = format!("/api/v1/units/{unit_id}/warnings");
    app.post(&warn, Some(&binjiang), &json!({"reason": "和解率过低"}))
        .await
        .expect_problem(404, "unit_not_found");
    app.post(&warn, Some(&owner), &json!({"reason": "和解率过低"}))
        .await
        .expect_problem(403, "forbidden");
    app.post(&warn, Some(&xihu), &json!({"reason": " "}))
        .await
        .expect_problem(422, "validation_failed");

    let entry = app
        .get(&format!("/api/v1/public/units/{unit_id}"), None)
        .await
        .body;
    assert_eq!(entry["standing"], "good");
    app.post(
        &warn,
        Some(&xihu),
        &json!({"reason": "近 90 日和解成功率为 0，请整改"}),
    )
    .await
    .expect(201);
    let entry = app
        .get(&format!("/api/v1/public/units/{unit_id}"), None)
        .await
        .body;
    assert_eq!(entry["standing"], "warned");
    let told = app.get("/api/v1/notifications", Some(&owner)).await.body;
    assert!(
        told.as_array()
            .unwrap()
            .iter()
            .any(|n| n["message"].as_str().unwrap().contains("请整改"))
    );
    let listed = app.get("/api/v1/evaluation", Some(&xihu)).await.body;
    assert!(listed["units"][0]["last_warning_at"].is_string());

    // Suspended: no longer in the directory, the staff are told, open disputes continue.
    app.post(
        &format!("/api/v1/units/{unit_id}/actions"),
        Some(&xihu),
        &json!({"action": "suspend", "reason": "警示后仍未整改"}),
    )
    .await
    .expect(200);
    app.get(&format!("/api/v1/public/units/{unit_id}"), None)
        .await
        .expect_problem(404, "unit_not_found");
    app.run_pending_jobs().await;
    let emails: Vec<_> = app
        .sent_emails()
        .into_iter()
        .filter(|e| e.to == "owner.xixi@odr.demo")
        .collect();
    assert!(
        emails
            .iter()
            .any(|e| e.text.contains("暂停") && e.text.contains("警示后仍未整改")),
        "{emails:?}"
    );
    assert!(emails.iter().all(|e| !e.text.contains("案件编号：\n")));
    app.sweep().await; // the log lists sealed entries
    let log = app.get("/api/v1/audit?limit=500", Some(&xihu)).await.body;
    assert!(
        log["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "unit.warned")
    );
}
