//! Oversight metrics computed by hand on a small fixture and compared with the API.

use serde_json::{Value, json};

use crate::both_backends;
use crate::deadlines::file_with;
use crate::helpers::TestApp;

/// Applies an action and expects it to be taken.
pub async fn act(app: &TestApp, token: &str, id: &str, body: Value) -> Value {
    let reply = app
        .post(
            &format!("/api/v1/disputes/{id}/actions"),
            Some(token),
            &body,
        )
        .await;
    reply.expect(200);
    reply.body.clone()
}

fn id_of(filed: &Value) -> String {
    filed["id"].as_str().unwrap().to_string()
}

/// Friday 27 November 2026: three disputes at 西溪人家 (Xihu) and one at 河坊老味道 (Shangcheng).
/// D1 settled, fulfilled, confirmed and rated 5; D2 declined (escalated, later 诉转案) and
/// rated 2; D3 left alone (escalated by the sweeper on 12 December); D4 withdrawn.
pub async fn fixture(app: &TestApp) -> (String, String) {
    app.seed_demo().await;
    let owner = app.demo_token("owner.xixi@odr.demo").await;
    let consumer = app.demo_token("consumer@odr.demo").await;
    let d1 = id_of(&file_with(app, "owner.xixi@odr.demo", "2026-11-20").await);
    let d2 = id_of(&file_with(app, "owner.xixi@odr.demo", "2026-11-21").await);
    let _d3 = id_of(&file_with(app, "owner.xixi@odr.demo", "2026-11-22").await);
    let d4 = id_of(&file_with(app, "owner.hefang@odr.demo", "2026-11-22").await);

    act(
        app,
        &owner,
        &d1,
        json!({"action": "first_contact", "message": "您好，已收到。"}),
    )
    .await;
    let offered = act(
        app,
        &owner,
        &d1,
        json!({"action": "make_offer", "remedy": "refund",
        "amount_fen": 388_000, "terms": "全额退还定金", "fulfilment_days": 3}),
    )
    .await;
    let offer = offered["offers"][0]["id"].as_str().unwrap().to_string();
    act(
        app,
        &consumer,
        &d1,
        json!({"action": "accept_offer", "offer_id": offer}),
    )
    .await;
    act(
        app,
        &owner,
        &d1,
        json!({"action": "mark_fulfilled", "note": "已原路退款"}),
    )
    .await;
    act(app, &consumer, &d1, json!({"action": "confirm_fulfilment"})).await;
    act(app, &consumer, &d1, json!({"action": "rate", "rating": 5})).await;

    act(
        app,
        &owner,
        &d2,
        json!({"action": "decline", "reason": "不同意退定金"}),
    )
    .await;
    act(app, &consumer, &d2, json!({"action": "rate", "rating": 2})).await;
    app.run_pending_jobs().await;
    let xihu = app.demo_token("reg.xihu@odr.demo").await;
    let queue = app.get("/api/v1/escalations", Some(&xihu)).await.body;
    let escalation = queue[0]["id"].as_str().unwrap();
    for status in [
        "received",
        "accepted",
        "mediating",
        "mediation_failed",
        "case_filed",
    ] {
        app.post(
            &format!("/api/v1/escalations/{escalation}/updates"),
            Some(&xihu),
            &json!({"status": status, "note": "依法处理"}),
        )
        .await
        .expect(204);
    }
    act(
        app,
        &consumer,
        &d4,
        json!({"action": "withdraw", "reason": "已与商家线下协商"}),
    )
    .await;
    (d1, d2)
}

both_backends!(
    each_metric_matches_a_hand_count,
    the_trend_gives_each_month_of_the_callers_scope,
    everyone_sees_only_their_own_figures
);

async fn each_metric_matches_a_hand_count(app: TestApp) {
    fixture(&app).await;
    let owner = app.demo_token("owner.xixi@odr.demo").await;
    let own = app.get("/api/v1/metrics?period=month", Some(&owner)).await;
    own.expect(200);
    let m = &own.body;
    assert_eq!(m["scope"], "unit");
    let c = &m["current"];
    assert_eq!(
        c["period"],
        json!({"from": "2026-11-01", "to": "2026-11-30"})
    );
    assert_eq!(
        (c["filed"].as_i64(), c["concluded"].as_i64()),
        (Some(3), Some(2))
    );
    assert_eq!(
        (c["settled"].as_i64(), c["escalated"].as_i64()),
        (Some(1), Some(1))
    );
    assert_eq!(
        c["on_time_rate"], 1.0,
        "settled and declined by their due dates: 2 ÷ 2"
    );
    assert_eq!(
        c["settlement_rate"], 0.5,
        "1 settled ÷ (1 settled + 1 escalated)"
    );
    assert_eq!(
        c["first_contact_rate"], 1.0,
        "D1 contacted and D2 declined (a first contact), both in time; D3's first-contact due date is still ahead"
    );
    assert_eq!(c["satisfaction_mean"], 3.5);
    assert_eq!(c["satisfaction_high_share"], 0.5);
    assert_eq!(
        c["average_cycle_working_days"], 0.0,
        "both concluded on their filing day"
    );
    assert_eq!(c["loss_recovered_fen"], 388_000);
    assert_eq!(c["complaint_to_case"], 1);
    assert_eq!(c["activity_rate"], 1.0);
    assert_eq!(
        m["previous"]["period"],
        json!({"from": "2026-10-01", "to": "2026-10-31"}),
        "the month before"
    );
    assert_eq!(m["previous"]["filed"], 0);
    assert_eq!(
        m["previous"]["on_time_rate"],
        Value::Null,
        "nothing to rate is not 0 %"
    );
    assert_eq!(
        m["year_ago"]["period"],
        json!({"from": "2025-11-01", "to": "2025-11-30"})
    );
    // Beside it: Xihu (the same three disputes) and catering (with 河坊's withdrawal).
    assert_eq!(m["region"]["filed"], 3);
    assert_eq!(m["industry"]["filed"], 4);
    assert_eq!(m["industry"]["withdrawn"], 1);
    assert_eq!(m["industry"]["on_time_rate"], 1.0);

    // The public directory shows the same record as the unit's scorecard.
    let unit = m["id"].as_str().unwrap();
    let entry = app
        .get(&format!("/api/v1/public/units/{unit}"), None)
        .await
        .body;
    assert_eq!(
        entry["scorecard"],
        json!({"disputes_last_12_months": 3, "on_time_rate": 1.0,
        "settlement_rate": 0.5, "satisfaction_mean": 3.5, "ratings": 2})
    );
    let listing = app.get("/api/v1/public/units?q=西溪", None).await.body;
    assert_eq!(
        listing["items"][0]["scorecard"]["disputes_last_12_months"],
        3
    );

    // The city: four filed, three concluded on time; 河坊's staff never acted.
    let city = app.demo_token("reg.hangzhou@odr.demo").await;
    let hz = app
        .get(
            "/api/v1/metrics?scope=region&id=330100&period=month&date=2026-11-27",
            Some(&city),
        )
        .await
        .body;
    assert_eq!(hz["current"]["filed"], 4);
    assert_eq!(hz["current"]["concluded"], 3);
    assert_eq!(hz["current"]["on_time_rate"], 1.0);
    assert_eq!(hz["current"]["activity_rate"], 0.5);
    let week = app
        .get(
            "/api/v1/metrics?scope=region&id=330100&period=week&date=2026-11-27",
            Some(&city),
        )
        .await
        .body;
    assert_eq!(
        week["current"]["period"],
        json!({"from": "2026-11-23", "to": "2026-11-29"})
    );
    assert_eq!(week["current"]["filed"], 4);

    // 12 December: D3's due date has passed; the sweeper escalates it, late.
    app.clock.set("2026-12-12T02:00:00Z".parse().unwrap());
    app.sweep().await;
    let owner = app.demo_token("owner.xixi@odr.demo").await;
    let december = app
        .get("/api/v1/metrics?period=month", Some(&owner))
        .await
        .body;
    let d = &december["current"];
    assert_eq!(
        (
            d["filed"].as_i64(),
            d["concluded"].as_i64(),
            d["escalated"].as_i64()
        ),
        (Some(0), Some(1), Some(1))
    );
    assert_eq!(d["on_time_rate"], 0.0);
    assert_eq!(d["settlement_rate"], 0.0);
    assert_eq!(d["first_contact_rate"], Value::Null);
    assert_eq!(
        d["average_cycle_working_days"], 10.0,
        "after Fri 27 Nov up to Sat 12 Dec: 30 Nov–4 Dec and 7–11 Dec"
    );
    assert_eq!(
        december["previous"]["settlement_rate"], 0.5,
        "November beside December"
    );
    let custom = app
        .get(
            "/api/v1/metrics?period=custom&from=2026-11-01&to=2026-12-31",
            Some(&owner),
        )
        .await
        .body;
    assert_eq!(custom["current"]["concluded"], 3);
    assert_eq!(
        custom["current"]["on_time_rate"].as_f64().unwrap(),
        2.0 / 3.0
    );
}

async fn the_trend_gives_each_month_of_the_callers_scope(app: TestApp) {
    fixture(&app).await;
    app.clock.set("2026-12-12T02:00:00Z".parse().unwrap());
    app.sweep().await;
    let owner = app.demo_token("owner.xixi@odr.demo").await;
    let trend = app.get("/api/v1/metrics/trend", Some(&owner)).await;
    trend.expect(200);
    let months = trend.body["months"].as_array().unwrap();
    assert_eq!(trend.body["scope"], "unit");
    assert_eq!(months.len(), 12);
    assert_eq!(
        months[0]["period"],
        json!({"from": "2026-01-01", "to": "2026-01-31"})
    );
    assert_eq!(
        months[11]["period"],
        json!({"from": "2026-12-01", "to": "2026-12-31"})
    );
    // The same figures as /metrics gives for each month.
    assert_eq!(months[10]["settlement_rate"], 0.5);
    assert_eq!(months[10]["satisfaction_mean"], 3.5);
    assert_eq!(months[11]["escalated"], 1);
    assert_eq!(months[11]["on_time_rate"], 0.0);
    assert_eq!(
        months[9]["on_time_rate"],
        Value::Null,
        "nothing concluded in October"
    );

    let city = app.demo_token("reg.hangzhou@odr.demo").await;
    let three = app
        .get(
            "/api/v1/metrics/trend?months=3&date=2026-11-15",
            Some(&city),
        )
        .await
        .body;
    assert_eq!(three["scope"], "region");
    let filed: Vec<i64> = three["months"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["filed"].as_i64().unwrap())
        .collect();
    assert_eq!(filed, vec![0, 0, 4], "September, October, November");
    let binjiang = app.demo_token("reg.binjiang@odr.demo").await;
    app.get(
        "/api/v1/metrics/trend?scope=region&id=330106",
        Some(&binjiang),
    )
    .await
    .expect_problem(404, "scope_not_found");
    app.get("/api/v1/metrics/trend?months=25", Some(&owner))
        .await
        .expect_problem(422, "validation_failed");
    let consumer = app.demo_token("consumer@odr.demo").await;
    app.get("/api/v1/metrics/trend", Some(&consumer))
        .await
        .expect(403);
    app.get("/api/v1/metrics/trend", None).await.expect(401);
}

async fn everyone_sees_only_their_own_figures(app: TestApp) {
    fixture(&app).await;
    let consumer = app.demo_token("consumer@odr.demo").await;
    app.get("/api/v1/metrics", Some(&consumer))
        .await
        .expect_problem(403, "forbidden");
    let hefang = app.demo_token("owner.hefang@odr.demo").await;
    let theirs = app.get("/api/v1/metrics", Some(&hefang)).await.body;
    let hefang_unit = theirs["id"].as_str().unwrap().to_string();
    assert_eq!(theirs["current"]["withdrawn"], 1);
    let xixi = app.demo_token("owner.xixi@odr.demo").await;
    app.get(
        &format!("/api/v1/metrics?scope=unit&id={hefang_unit}"),
        Some(&xixi),
    )
    .await
    .expect_problem(404, "scope_not_found");
    app.get("/api/v1/metrics?scope=region&id=330106", Some(&xixi))
        .await
        .expect_problem(404, "scope_not_found");
    app.get("/api/v1/metrics?scope=all", Some(&xixi))
        .await
        .expect_problem(403, "forbidden");

    let binjiang = app.demo_token("reg.binjiang@odr.demo").await;
    app.get("/api/v1/metrics?scope=region&id=330106", Some(&binjiang))
        .await
        .expect_problem(404, "scope_not_found");
    app.get(
        &format!("/api/v1/metrics?scope=unit&id={hefang_unit}"),
        Some(&binjiang),
    )
    .await
    .expect_problem(404, "scope_not_found");
    let own = app.get("/api/v1/metrics", Some(&binjiang)).await.body;
    assert_eq!(own["scope"], "region");
    assert_eq!(own["current"]["filed"], 0);
    let catering = app
        .get(
            "/api/v1/metrics?scope=industry&id=catering",
            Some(&binjiang),
        )
        .await
        .body;
    assert_eq!(
        catering["current"]["filed"], 0,
        "an industry within the regulator's region only"
    );

    let association = app.demo_token("assoc.catering@odr.demo").await;
    let members = app
        .get("/api/v1/metrics?period=month", Some(&association))
        .await;
    members.expect(200);
    assert_eq!(members.body["scope"], "association");
    assert_eq!(members.body["current"]["filed"], 4);
    let zhijiang = app.demo_token("owner.zhijiang@odr.demo").await;
    let car_unit = app.get("/api/v1/metrics", Some(&zhijiang)).await.body["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.get(
        &format!("/api/v1/metrics?scope=unit&id={car_unit}"),
        Some(&association),
    )
    .await
    .expect_problem(404, "scope_not_found");

    let admin = app.demo_token("admin@odr.demo").await;
    let all = app
        .get("/api/v1/metrics?scope=all", Some(&admin))
        .await
        .body;
    assert_eq!(all["current"]["filed"], 4);
    let bad = app
        .get("/api/v1/metrics?scope=all&period=fortnight", Some(&admin))
        .await;
    bad.expect_problem(422, "validation_failed");
    assert_eq!(bad.failing_fields(), ["period"]);
    app.get(
        "/api/v1/metrics?scope=all&period=custom&from=2026-12-01&to=2026-11-01",
        Some(&admin),
    )
    .await
    .expect_problem(422, "validation_failed");
}
