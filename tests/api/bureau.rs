//! The bureau's own deadlines on escalated disputes (docs/escalation.md#the-bureaus-own-deadlines):
//! explained due dates, reminders to the following officer, the bureau's on-time rate.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use crate::both_backends;
use crate::escalations::escalated;
use crate::helpers::TestApp;
use crate::portal::Visitor;

both_backends!(
    the_bureau_keeps_its_statutory_limits_and_its_on_time_rate,
    a_policy_s_bureau_limits_are_checked_and_listed
);

/// The Shanghai day of an instant the API gives.
fn day_of(at: &Value) -> String {
    let at: DateTime<Utc> = at.as_str().unwrap().parse().unwrap();
    at.with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive()
        .to_string()
}

async fn limits(app: &TestApp, token: &str, id: &str) -> Vec<Value> {
    let view = app
        .get(&format!("/api/v1/disputes/{id}"), Some(token))
        .await;
    view.expect(200);
    view.body["escalation"]["bureau_deadlines"]
        .as_array()
        .unwrap()
        .clone()
}

async fn notices_of(app: &TestApp, token: &str) -> String {
    app.get("/api/v1/notifications", Some(token))
        .await
        .body
        .to_string()
}

async fn the_bureau_keeps_its_statutory_limits_and_its_on_time_rate(app: TestApp) {
    // Declined on Friday 27 November and delivered to Xihu's queue at once.
    let id = escalated(&app).await;
    app.run_pending_jobs().await;
    let consumer = app.demo_token("consumer@odr.demo").await;
    let xihu = app.demo_token("reg.xihu@odr.demo").await;
    let acceptance = limits(&app, &consumer, &id).await;
    assert_eq!(acceptance.len(), 1);
    assert_eq!(acceptance[0]["deadline"], "acceptance");
    assert_eq!(acceptance[0]["due"]["working_days"], 7);
    assert_eq!(
        day_of(&acceptance[0]["due"]["due_at"]),
        "2026-12-08",
        "7 working days from Friday 27 November: the weekends skipped"
    );
    let skipped: Vec<&str> = (acceptance[0]["due"]["skipped"].as_array().unwrap().iter())
        .map(|d| d["reason"].as_str().unwrap())
        .collect();
    assert_eq!(skipped, ["weekend"; 4]);
    assert_eq!(acceptance[0]["met_at"], Value::Null);
    let queue = app.get("/api/v1/escalations", Some(&xihu)).await;
    assert_eq!(queue.body[0]["bureau_deadline"], "acceptance");
    assert_eq!(
        queue.body[0]["bureau_due_at"],
        acceptance[0]["due"]["due_at"]
    );
    let escalation = queue.body[0]["id"].as_str().unwrap().to_string();

    // Xihu's officer follows it and is reminded the working day before, then once it passed.
    let me = app.get("/api/v1/me", Some(&xihu)).await.body["id"].clone();
    app.put(
        &format!("/api/v1/disputes/{id}/following"),
        Some(&xihu),
        &json!({"officer_id": me, "reason": "major"}),
    )
    .await
    .expect(200);
    let mine = app.get("/api/v1/followed-cases", Some(&xihu)).await;
    assert_eq!(
        (
            &mine.body[0]["bureau_deadline"],
            &mine.body[0]["bureau_due_at"]
        ),
        (&json!("acceptance"), &acceptance[0]["due"]["due_at"]),
        "the officer's list gives the bureau's running limit"
    );
    let listed = Visitor::log_in(&app, "reg.xihu@odr.demo")
        .await
        .get("/followed")
        .await;
    assert!(
        listed.html.contains("12315 处理中") && !listed.html.contains("待回访"),
        "no return visit while the bureau handles it: {}",
        listed.html
    );
    app.advance(Duration::days(10));
    app.sweep().await;
    let xihu = app.demo_token("reg.xihu@odr.demo").await;
    let told = notices_of(&app, &xihu).await;
    assert!(
        told.contains("本局办理时限将至：决定是否受理"),
        "on Monday 7 December: {told}"
    );
    app.sweep().await;
    let again = notices_of(&app, &xihu).await;
    assert_eq!(
        again.matches("本局办理时限将至").count(),
        told.matches("本局办理时限将至").count(),
        "each reminder once"
    );
    app.advance(Duration::days(2));
    app.sweep().await;
    let xihu = app.demo_token("reg.xihu@odr.demo").await;
    assert!(
        notices_of(&app, &xihu)
            .await
            .contains("本局办理时限已过：决定是否受理")
    );

    // Accepted late, on Wednesday 9 December; the mediation's 45 working days start.
    let steps = format!("/api/v1/escalations/{escalation}/updates");
    for status in ["received", "accepted", "mediating"] {
        app.post(&steps, Some(&xihu), &json!({"status": status}))
            .await
            .expect(204);
    }
    let consumer = app.demo_token("consumer@odr.demo").await;
    let now = limits(&app, &consumer, &id).await;
    assert_eq!(now[0]["on_time"], false);
    assert_eq!(now[1]["deadline"], "mediation");
    assert_eq!(now[1]["on_time"], Value::Null);
    let month = app.get("/api/v1/escalations/timeliness", Some(&xihu)).await;
    month.expect(200);
    assert_eq!(
        (
            &month.body["judged"],
            &month.body["on_time"],
            &month.body["on_time_rate"]
        ),
        (&json!(1), &json!(0), &json!(0.0))
    );
    assert_eq!(
        (&month.body["running_now"], &month.body["overdue_now"]),
        (&json!(1), &json!(0))
    );

    // The mediation fails: both parties are told at once; the case decision is taken in time.
    app.post(
        &steps,
        Some(&xihu),
        &json!({"status": "mediation_failed", "note": "双方分歧较大"}),
    )
    .await
    .expect(204);
    let owner = app.demo_token("owner.xixi@odr.demo").await;
    assert!(notices_of(&app, &owner).await.contains("12315"));
    app.advance(Duration::days(1));
    let xihu = app.demo_token("reg.xihu@odr.demo").await;
    app.post(&steps, Some(&xihu), &json!({"status": "case_filed"}))
        .await
        .expect(204);
    let consumer = app.demo_token("consumer@odr.demo").await;
    let all = limits(&app, &consumer, &id).await;
    let kinds: Vec<&str> = all
        .iter()
        .map(|l| l["deadline"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["acceptance", "mediation", "notification", "case_decision"]
    );
    assert!(all[1..].iter().all(|l| l["on_time"] == true), "{all:?}");
    let month = app
        .get(
            "/api/v1/escalations/timeliness?date=2026-12-01",
            Some(&xihu),
        )
        .await;
    assert_eq!(
        (&month.body["judged"], &month.body["on_time"]),
        (&json!(3), &json!(2)),
        "acceptance late; mediation and the case decision on time (telling the parties is not counted)"
    );
    assert_eq!(month.body["running_now"], 0);
    let november = app
        .get(
            "/api/v1/escalations/timeliness?date=2026-11-15",
            Some(&xihu),
        )
        .await;
    assert_eq!(november.body["judged"], 0);
    assert_eq!(november.body["on_time_rate"], Value::Null);

    // Another district sees none of it; the parties and the other roles are refused.
    let binjiang = app.demo_token("reg.binjiang@odr.demo").await;
    let theirs = app
        .get("/api/v1/escalations/timeliness", Some(&binjiang))
        .await;
    assert_eq!(theirs.body["judged"], 0);
    for login in [
        "consumer@odr.demo",
        "owner.xixi@odr.demo",
        "admin@odr.demo",
        "assoc.catering@odr.demo",
    ] {
        let token = app.demo_token(login).await;
        app.get("/api/v1/escalations/timeliness", Some(&token))
            .await
            .expect_problem(403, "forbidden");
    }
    app.get(
        "/api/v1/escalations/timeliness?date=2026-13-01",
        Some(&xihu),
    )
    .await
    .expect_problem(422, "validation_failed");
    let ancient = app
        .get(
            "/api/v1/escalations/timeliness?date=0001-01-01",
            Some(&xihu),
        )
        .await;
    ancient.expect_problem(422, "validation_failed");
    assert_eq!(ancient.failing_fields(), ["date"]);

    // The dashboard gives the bureau's rate beside the units'; the dispute page each limit.
    let regulator = Visitor::log_in(&app, "reg.xihu@odr.demo").await;
    let dashboard = regulator.get("/dashboard").await;
    assert!(dashboard.html.contains("本局按时办理率（12315）"));
    let row = &dashboard.html[dashboard.html.find("id=\"bureau-on-time\"").unwrap()..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(row.contains("(2/3)"), "{row}");
    let page = regulator.get(&format!("/disputes/{id}")).await;
    assert!(
        page.html.contains("<br>调解失败：双方分歧较大"),
        "the timeline names each 12315 step"
    );
    assert!(page.html.contains("id=\"bureau-deadlines\""));
    assert!(page.html.contains("核查并决定是否立案"));
    assert!(
        page.html
            .contains("自 2026-11-27 10:00 的次日起计 7 个工作日（当日不计）。")
    );
}

async fn a_policy_s_bureau_limits_are_checked_and_listed(app: TestApp) {
    app.seed_demo().await;
    let admin = app.demo_token("admin@odr.demo").await;
    let policy = |acceptance: u32| {
        json!({
            "version": format!("hz-xihu-bureau-{acceptance}"), "region_code": "330106",
            "effective_from": "2027-01-01", "note": "区局承诺时限",
            "bureau": {"acceptance_working_days": acceptance, "mediation_working_days": 30},
        })
    };
    let refused = app
        .post("/api/v1/admin/deadline-policies", Some(&admin), &policy(0))
        .await;
    refused.expect_problem(422, "validation_failed");
    assert_eq!(refused.failing_fields(), ["bureau.acceptance_working_days"]);
    let stored = app
        .post("/api/v1/admin/deadline-policies", Some(&admin), &policy(5))
        .await;
    stored.expect(201);
    assert_eq!(
        stored.body["bureau"],
        json!({"acceptance_working_days": 5, "mediation_working_days": 30,
            "notification_working_days": 7, "case_decision_working_days": 15}),
        "the limits left out are the statutory ones"
    );
    let listed = app
        .get("/api/v1/admin/deadline-policies", Some(&admin))
        .await;
    assert_eq!(
        listed.body[0]["bureau"]["mediation_working_days"], 45,
        "the national default"
    );
}
