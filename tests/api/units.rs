use serde_json::json;

use crate::both_backends;
use crate::helpers::TestApp;

async fn unit_of(app: &TestApp, owner_email: &str) -> String {
    let owner = app.demo_token(owner_email).await;
    app.business_of(&owner).await["unit"]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

fn names(reply: &crate::helpers::Reply) -> Vec<String> {
    let mut names: Vec<String> = reply.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["business_name"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    names
}

both_backends!(
    a_unit_is_suspended_reinstated_and_removed_with_its_history_kept,
    only_a_regulator_of_the_units_region_decides,
    unit_listings_are_scoped_to_the_caller,
    unit_listings_page_with_a_cursor,
    one_units_record_is_visible_to_those_concerned,
    the_owner_sets_commitments_shown_in_the_directory
);

async fn a_unit_is_suspended_reinstated_and_removed_with_its_history_kept(app: TestApp) {
    app.seed_demo().await;
    let unit = unit_of(&app, "owner.xixi@odr.demo").await;
    let path = format!("/api/v1/units/{unit}/actions");
    let regulator = app.demo_token("reg.xihu@odr.demo").await;

    app.post(&path, Some(&regulator), &json!({"action": "suspend"}))
        .await
        .expect_problem(422, "validation_failed");
    let suspended = app
        .post(
            &path,
            Some(&regulator),
            &json!({"action": "suspend", "reason": "连续两月按时办结率低于 60%"}),
        )
        .await;
    suspended.expect(200);
    assert_eq!(suspended.body["status"], "suspended");
    assert!(
        app.get("/api/v1/public/units?q=西溪人家", None).await.body["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    app.post(&path, Some(&regulator), &json!({"action": "approve"}))
        .await
        .expect_problem(409, "unit_transition_not_allowed");
    app.post(
        &path,
        Some(&regulator),
        &json!({"action": "reinstate", "reason": "整改完成"}),
    )
    .await
    .expect(200);
    let removed = app
        .post(
            &path,
            Some(&regulator),
            &json!({"action": "remove", "reason": "多次未按时处理投诉"}),
        )
        .await;
    removed.expect(200);
    assert_eq!(removed.body["status"], "removed");
    app.post(
        &path,
        Some(&regulator),
        &json!({"action": "reinstate", "reason": "误操作"}),
    )
    .await
    .expect_problem(409, "unit_transition_not_allowed");

    let history = removed.body["history"].as_array().unwrap();
    let steps: Vec<(String, String)> = history
        .iter()
        .map(|h| {
            (
                h["to_status"].as_str().unwrap().into(),
                h["reason"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        steps,
        vec![
            ("pending".into(), "application".into()),
            ("active".into(), "审核通过（演示数据）".into()),
            ("suspended".into(), "连续两月按时办结率低于 60%".into()),
            ("active".into(), "整改完成".into()),
            ("removed".into(), "多次未按时处理投诉".into()),
        ]
    );
    assert!(
        history[2..]
            .iter()
            .all(|h| h["actor_role"] == "regulator" && h["changed_at"].is_string())
    );
    app.post(
        &path,
        Some(&regulator),
        &json!({"action": "explode", "reason": "x"}),
    )
    .await
    .expect_problem(422, "validation_failed");
}

async fn only_a_regulator_of_the_units_region_decides(app: TestApp) {
    app.seed_demo().await;
    let unit = unit_of(&app, "owner.gongchen@odr.demo").await;
    let path = format!("/api/v1/units/{unit}/actions");
    let approve = json!({"action": "approve"});
    for (who, status) in [
        ("reg.xihu@odr.demo", 404),
        ("owner.gongchen@odr.demo", 403),
        ("assoc.catering@odr.demo", 404),
        ("admin@odr.demo", 403),
        ("consumer@odr.demo", 404),
    ] {
        let token = app.demo_token(who).await;
        let reply = app.post(&path, Some(&token), &approve).await;
        assert_eq!(reply.status.as_u16(), status, "{who}: {}", reply.text);
    }
    app.post(&path, None, &approve)
        .await
        .expect_problem(401, "unauthenticated");
    let city = app.demo_token("reg.hangzhou@odr.demo").await;
    app.post(&path, Some(&city), &approve).await.expect(200);
}

async fn unit_listings_are_scoped_to_the_caller(app: TestApp) {
    app.seed_demo().await;
    let list = |token: String| {
        let app = &app;
        async move { app.get("/api/v1/units", Some(&token)).await }
    };
    let xihu = list(app.demo_token("reg.xihu@odr.demo").await).await;
    assert_eq!(
        names(&xihu),
        vec!["杭州之江汽车销售服务有限公司", "杭州西溪人家餐饮有限公司"]
    );
    let city = list(app.demo_token("reg.hangzhou@odr.demo").await).await;
    assert_eq!(city.body["items"].as_array().unwrap().len(), 7);
    let association = list(app.demo_token("assoc.catering@odr.demo").await).await;
    assert_eq!(
        names(&association),
        vec![
            "杭州河坊老味道餐饮有限公司",
            "杭州滨江小笼馆餐饮有限公司",
            "杭州西溪人家餐饮有限公司"
        ]
    );
    let merchant = list(app.demo_token("owner.hubin@odr.demo").await).await;
    assert_eq!(names(&merchant), vec!["杭州湖滨百货有限公司"]);
    let admin = list(app.demo_token("admin@odr.demo").await).await;
    assert_eq!(admin.body["items"].as_array().unwrap().len(), 7);
    list(app.demo_token("consumer@odr.demo").await)
        .await
        .expect_problem(403, "forbidden");

    let city_token = app.demo_token("reg.hangzhou@odr.demo").await;
    let pending = app
        .get("/api/v1/units?status=pending", Some(&city_token))
        .await;
    assert_eq!(names(&pending), vec!["杭州拱宸家电商场有限公司"]);
    let pending_or_active = app
        .get("/api/v1/units?status=pending,active", Some(&city_token))
        .await;
    assert_eq!(pending_or_active.body["items"].as_array().unwrap().len(), 7);
    let catering = app
        .get("/api/v1/units?region=330108", Some(&city_token))
        .await;
    assert_eq!(
        names(&catering),
        vec![
            "杭州滨江小笼馆餐饮有限公司",
            "杭州钱塘丰达汽车销售服务有限公司"
        ]
    );
    let bad = app
        .get(
            "/api/v1/units?status=sleeping&limit=0&cursor=zzz",
            Some(&city_token),
        )
        .await;
    bad.expect_problem(422, "validation_failed");
    assert_eq!(bad.failing_fields(), vec!["status", "limit", "cursor"]);
}

async fn unit_listings_page_with_a_cursor(app: TestApp) {
    app.seed_demo().await;
    let token = app.demo_token("reg.hangzhou@odr.demo").await;
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/units?limit=3&cursor={c}"),
            None => "/api/v1/units?limit=3".to_string(),
        };
        let page = app.get(&path, Some(&token)).await;
        page.expect(200);
        pages += 1;
        for item in page.body["items"].as_array().unwrap() {
            seen.push(item["id"].as_str().unwrap().to_string());
        }
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 7);
    assert_eq!(seen, unique, "ascending by id, no repeats");
}

async fn one_units_record_is_visible_to_those_concerned(app: TestApp) {
    app.seed_demo().await;
    let unit = unit_of(&app, "owner.xixi@odr.demo").await;
    let path = format!("/api/v1/units/{unit}");
    for (who, status) in [
        ("owner.xixi@odr.demo", 200),
        ("reg.xihu@odr.demo", 200),
        ("assoc.catering@odr.demo", 200),
        ("admin@odr.demo", 200),
        ("reg.binjiang@odr.demo", 404),
        ("owner.hubin@odr.demo", 404),
        ("consumer@odr.demo", 404),
    ] {
        let token = app.demo_token(who).await;
        let reply = app.get(&path, Some(&token)).await;
        assert_eq!(reply.status.as_u16(), status, "{who}");
    }
    let owner = app.demo_token("owner.xixi@odr.demo").await;
    let record = app.get(&path, Some(&owner)).await;
    assert_eq!(record.body["conditions"]["dedicated_phone"], true);
    assert_eq!(
        record.body["undertaking_version"],
        odr::domain::unit::UNDERTAKING_VERSION
    );
}

async fn the_owner_sets_commitments_shown_in_the_directory(app: TestApp) {
    app.seed_demo().await;
    let unit = unit_of(&app, "owner.xixi@odr.demo").await;
    let path = format!("/api/v1/units/{unit}/commitments");
    let owner = app.demo_token("owner.xixi@odr.demo").await;
    let body = json!({"commitments": [
        {"kind": "offline_no_reason_return", "return_days": 7, "conditions": "未食用、包装完好", "valid_from": "2026-01-01", "valid_to": "2026-12-31"},
        {"kind": "rights_service_station", "valid_from": "2026-01-01"},
        {"kind": "trusted_consumption_store", "valid_from": "2027-01-01"}
    ]});
    let set = app.put(&path, Some(&owner), &body).await;
    set.expect(200);
    assert_eq!(set.body["commitments"].as_array().unwrap().len(), 3);

    let entry = app.get(&format!("/api/v1/public/units/{unit}"), None).await;
    entry.expect(200);
    let kinds: Vec<&str> = entry.body["commitments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        vec!["offline_no_reason_return", "rights_service_station"],
        "not yet in force: trusted store"
    );
    assert_eq!(entry.body["commitments"][0]["return_days"], 7);

    let bad = json!({"commitments": [
        {"kind": "offline_no_reason_return", "valid_from": "2026-01-01"},
        {"kind": "rights_service_station", "valid_from": "2026-02-01", "valid_to": "2026-01-01"},
        {"kind": "free_lunch", "valid_from": "2026-01-01"}
    ]});
    let reply = app.put(&path, Some(&owner), &bad).await;
    reply.expect_problem(422, "validation_failed");
    assert_eq!(
        reply.failing_fields(),
        vec![
            "commitments[0].return_days",
            "commitments[1].valid_to",
            "commitments[2].kind"
        ]
    );
    assert_eq!(
        app.get(&format!("/api/v1/units/{unit}"), Some(&owner))
            .await
            .body["commitments"]
            .as_array()
            .unwrap()
            .len(),
        3,
        "a refused change writes nothing"
    );

    let regulator = app.demo_token("reg.xihu@odr.demo").await;
    app.put(&path, Some(&regulator), &body)
        .await
        .expect_problem(403, "forbidden");
    let other = app.demo_token("owner.hubin@odr.demo").await;
    app.put(&path, Some(&other), &body)
        .await
        .expect_problem(404, "unit_not_found");
}
