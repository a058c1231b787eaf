//! Calendar years loaded at run time, and effective-dated deadline policies by region and
//! industry.

use chrono::{DateTime, Utc};
use odr::clock::Clock;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::TestApp;

/// A 2027 year in the holiday-cn JSON format, as the data set publishes it.
pub const YEAR_2027: &str = r#"{
    "$schema": "https://raw.githubusercontent.com/NateScarlet/holiday-cn/master/schema.json",
    "year": 2027,
    "papers": ["https://www.gov.cn/zhengce/content/2027-notice.htm"],
    "days": [
        {"name": "元旦", "date": "2027-01-01", "isOffDay": true},
        {"name": "春节", "date": "2027-02-06", "isOffDay": false},
        {"name": "春节", "date": "2027-02-08", "isOffDay": true}
    ]
}"#;

/// Files a dispute with `owner`'s unit at the clock's time; returns the filing answer.
pub async fn file_with(app: &TestApp, owner: &str, purchase_date: &str) -> Value {
    let owner = app.demo_token(owner).await;
    let unit = app.business_of(&owner).await["unit"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let consumer = app.demo_token("consumer@odr.demo").await;
    let reply = app
        .post(
            "/api/v1/disputes",
            Some(&consumer),
            &json!({
                "unit_id": unit, "category": "service_quality",
                "item": {"kind": "service", "name": "年夜饭套餐"}, "purchase_date": purchase_date,
                "amount_paid_fen": 388_000, "amount_claimed_fen": 388_000, "remedies": ["refund"],
                "description": "预订的年夜饭被取消，定金不退。", "contact_consent": true
            }),
        )
        .await;
    reply.expect(201);
    // The worker follows the filing up: the staff's notices, the counters, the alerts.
    app.run_due_jobs().await;
    reply.body.clone()
}

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

both_backends!(
    importing_a_year_recomputes_provisional_due_dates,
    a_district_policy_in_calendar_days_applies_from_its_effective_date
);

async fn importing_a_year_recomputes_provisional_due_dates(app: TestApp) {
    app.seed_demo().await;
    // Monday 28 December 2026: ten working days reach into 2027, which has no calendar yet.
    app.clock.set(at("2026-12-28T02:00:00Z"));
    let filed = file_with(&app, "owner.xixi@odr.demo", "2026-12-20").await;
    let id = filed["id"].as_str().unwrap().to_string();
    let settlement = &filed["deadlines"]["settlement"];
    assert_eq!(settlement["provisional"], true);
    assert_eq!(
        settlement["due_at"], "2027-01-11T15:59:59Z",
        "Monday–Friday assumed"
    );

    let admin = app.demo_token("admin@odr.demo").await;
    let import = |token: String, body: &'static str, query: &'static str| {
        let url = format!("{}/api/v1/admin/calendars{query}", app.address);
        let client = app.client.clone();
        async move {
            client
                .post(url)
                .bearer_auth(token)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap()
        }
    };
    let regulator = app.demo_token("reg.xihu@odr.demo").await;
    assert_eq!(import(regulator.clone(), YEAR_2027, "").await.status(), 403);
    app.get("/api/v1/admin/calendars", Some(&regulator))
        .await
        .expect_problem(403, "forbidden");
    let bad = import(
        admin.clone(),
        r#"{"year": 2027, "papers": [], "days": []}"#,
        "",
    )
    .await;
    assert_eq!(bad.status(), 422);
    let problem: Value = bad.json().await.unwrap();
    assert_eq!(problem["errors"][0]["field"], "body");
    let wrong_year = import(admin.clone(), r#"{"year": 2027, "papers": ["https://www.gov.cn/x"], "days": [{"name": "元旦", "date": "2026-01-01", "isOffDay": true}]}"#, "").await;
    assert_eq!(wrong_year.status(), 422);
    assert_eq!(
        import(admin.clone(), YEAR_2027, "?jurisdiction=hk")
            .await
            .status(),
        422
    );
    assert_eq!(
        app.get(
            &format!("/api/v1/disputes/{id}"),
            Some(&app.demo_token("consumer@odr.demo").await)
        )
        .await
        .body["deadlines"]["settlement"]["provisional"],
        true,
        "refused imports change nothing"
    );

    let done = import(admin.clone(), YEAR_2027, "").await;
    assert_eq!(done.status(), 200);
    let done: Value = done.json().await.unwrap();
    assert_eq!(
        done,
        json!({"jurisdiction": "cn", "year": 2027, "holidays": 2, "working_days": 1, "recomputed_disputes": 1})
    );

    let consumer = app.demo_token("consumer@odr.demo").await;
    let view = app
        .get(&format!("/api/v1/disputes/{id}"), Some(&consumer))
        .await
        .body;
    let settlement = &view["deadlines"]["settlement"];
    assert_eq!(settlement["provisional"], false);
    assert_eq!(
        settlement["due_at"], "2027-01-12T15:59:59Z",
        "New Year's Day is off now"
    );
    assert!(
        settlement["skipped"]
            .as_array()
            .unwrap()
            .contains(&json!({"date": "2027-01-01", "reason": "holiday", "name": "元旦"}))
    );
    let recomputed = view["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "due_dates_recomputed")
        .unwrap();
    assert_eq!(
        recomputed["detail"]["settlement_due_at"]["before"],
        "2027-01-11T15:59:59Z"
    );
    assert_eq!(
        recomputed["detail"]["settlement_due_at"]["after"],
        "2027-01-12T15:59:59Z"
    );

    // The public computation and the listing use the new year too.
    let due = app
        .get(
            "/api/v1/calendar/due-date?start=2027-02-05T10:00:00%2B08:00&working_days=1",
            None,
        )
        .await;
    assert_eq!(
        due.body["due_at"], "2027-02-06T15:59:59Z",
        "the make-up Saturday counts"
    );
    assert_eq!(due.body["provisional"], false);
    let years = app.get("/api/v1/admin/calendars", Some(&admin)).await.body;
    let sources: Vec<(i64, &str)> = years
        .as_array()
        .unwrap()
        .iter()
        .map(|y| (y["year"].as_i64().unwrap(), y["source"].as_str().unwrap()))
        .collect();
    assert_eq!(
        sources,
        [
            (2024, "shipped"),
            (2025, "shipped"),
            (2026, "shipped"),
            (2027, "imported")
        ]
    );
    assert_eq!(
        years[3]["notice"],
        "https://www.gov.cn/zhengce/content/2027-notice.htm"
    );

    // Importing again is harmless: nothing is provisional any more.
    let again: Value = import(admin, YEAR_2027, "").await.json().await.unwrap();
    assert_eq!(again["recomputed_disputes"], 0);
}

async fn a_district_policy_in_calendar_days_applies_from_its_effective_date(app: TestApp) {
    app.seed_demo().await;
    // A second node files before any policy is added, and so holds the policies as they were.
    let other = app.second_node().await;
    let first = file_with(&other, "owner.hefang@odr.demo", "2026-11-19").await;
    assert_eq!(first["deadlines"]["policy_version"], "cn-national-2026-01");
    let admin = app.demo_token("admin@odr.demo").await;
    let policies = "/api/v1/admin/deadline-policies";
    let regulator = app.demo_token("reg.xihu@odr.demo").await;
    app.get(policies, Some(&regulator))
        .await
        .expect_problem(403, "forbidden");
    app.post(
        policies,
        Some(&regulator),
        &json!({"version": "mine-1", "region_code": "330106",
        "effective_from": "2026-11-28", "note": "自定规则", "settlement_days": 3}),
    )
    .await
    .expect_problem(403, "forbidden");

    let bad = app
        .post(
            policies,
            Some(&admin),
            &json!({
                "version": "x", "effective_from": "2026-11-01", "note": "",
                "settlement_days": 0, "counting": "fortnights", "region_code": "33010"
            }),
        )
        .await;
    bad.expect_problem(422, "validation_failed");
    assert_eq!(
        bad.failing_fields(),
        [
            "version",
            "note",
            "region_code",
            "counting",
            "settlement_days"
        ]
    );
    app.post(
        policies,
        Some(&admin),
        &json!({"version": "nowhere-1", "effective_from": "2026-11-01",
        "note": "不存在的地区", "region_code": "990101"}),
    )
    .await
    .expect_problem(422, "validation_failed");

    let created = app
        .post(
            policies,
            Some(&admin),
            &json!({
                "version": "xihu-2026-12", "region_code": "330106", "effective_from": "2026-11-28",
                "note": "西湖区市场监管局 2026 年第 9 号通知：7 日内办结", "settlement_days": 7,
                "counting": "calendar_days"
            }),
        )
        .await;
    created.expect(201);
    assert_eq!(
        created.body["first_contact_days"], 1,
        "limits left out come from the national default"
    );
    assert_eq!(created.body["counting"], "calendar_days");
    app.post(
        policies,
        Some(&admin),
        &json!({"version": "xihu-2026-12", "region_code": "330106",
        "effective_from": "2027-01-01", "note": "重复"}),
    )
    .await
    .expect_problem(409, "policy_version_exists");
    app.post(
        policies,
        Some(&admin),
        &json!({"version": "cars-2026", "industry_code": "motor_vehicles",
        "effective_from": "2026-01-01", "note": "汽车行业 15 个工作日", "settlement_days": 15}),
    )
    .await
    .expect(201);
    let listed = app.get(policies, Some(&admin)).await.body;
    let versions: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["version"].as_str().unwrap())
        .collect();
    assert_eq!(
        versions,
        ["cn-national-2026-01", "cars-2026", "xihu-2026-12"]
    );

    // Friday 27 November: the Xihu policy is not in force yet.
    let before = file_with(&app, "owner.xixi@odr.demo", "2026-11-20").await;
    assert_eq!(before["deadlines"]["policy_version"], "cn-national-2026-01");
    assert_eq!(
        before["deadlines"]["settlement"]["due_at"],
        "2026-12-11T15:59:59Z"
    );
    // Saturday 28 November: seven plain days in Xihu; elsewhere the national default;
    // car dealers anywhere have their industry's 15 working days, Xihu's being deeper. Filed
    // through a second node, which read the policies before the two above were added.
    app.advance(chrono::Duration::days(1));
    let xihu = file_with(&other, "owner.xixi@odr.demo", "2026-11-21").await;
    assert_eq!(xihu["deadlines"]["policy_version"], "xihu-2026-12");
    assert_eq!(
        xihu["deadlines"]["settlement"]["due_at"],
        "2026-12-05T15:59:59Z"
    );
    assert_eq!(xihu["deadlines"]["settlement"]["counting"], "calendar_days");
    assert!(
        xihu["deadlines"]["settlement"]["skipped"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let shangcheng = file_with(&app, "owner.hefang@odr.demo", "2026-11-21").await;
    assert_eq!(
        shangcheng["deadlines"]["policy_version"],
        "cn-national-2026-01"
    );
    // A cars policy with a limit only a later release knows, stored by a node of that release
    // during a rolling deploy: this release files under it and the dispute keeps the limit.
    let now = app.clock.now().naive_utc();
    app.with_conn(move |conn| {
        use diesel::prelude::*;
        use odr::store::schema::deadline_policies::dsl::*;
        let stored: String = deadline_policies
            .find("cars-2026")
            .select(body)
            .first(conn)
            .unwrap();
        diesel::insert_into(deadline_policies)
            .values((
                version.eq("cars-2026-next"),
                industry_code.eq("motor_vehicles"),
                effective_from.eq(chrono::NaiveDate::from_ymd_opt(2026, 1, 2).unwrap()),
                body.eq(stored
                    .replacen('{', r#"{"grace_hours":4,"#, 1)
                    .replace(r#""cars-2026""#, r#""cars-2026-next""#)),
                note.eq("汽车行业，下一版本"),
                created_at.eq(now),
            ))
            .execute(conn)
            .unwrap();
    })
    .await;
    let qiantang_cars = file_with(&app, "owner.fengda@odr.demo", "2026-11-21").await;
    assert_eq!(
        qiantang_cars["deadlines"]["policy_version"],
        "cars-2026-next"
    );
    let cars = qiantang_cars["id"].as_str().unwrap().to_string();
    let kept: String = app
        .with_conn(move |conn| {
            use diesel::prelude::*;
            use odr::store::schema::disputes;
            disputes::table
                .find(cars)
                .select(disputes::policy)
                .first(conn)
                .unwrap()
        })
        .await;
    assert!(kept.contains(r#""grace_hours":4"#), "{kept}");
    let xihu_cars = file_with(&app, "owner.zhijiang@odr.demo", "2026-11-21").await;
    assert_eq!(xihu_cars["deadlines"]["policy_version"], "xihu-2026-12");

    // A dispute keeps its policy: a later policy does not touch it.
    let admin = app.demo_token("admin@odr.demo").await;
    app.post(policies, Some(&admin), &json!({"version": "xihu-2027", "region_code": "330106",
        "effective_from": "2026-11-28", "note": "更严格", "settlement_days": 3, "counting": "calendar_days"})).await.expect(201);
    let consumer = app.demo_token("consumer@odr.demo").await;
    let kept = app
        .get(
            &format!("/api/v1/disputes/{}", xihu["id"].as_str().unwrap()),
            Some(&consumer),
        )
        .await
        .body;
    assert_eq!(kept["deadlines"]["policy_version"], "xihu-2026-12");
    assert_eq!(
        kept["deadlines"]["settlement"]["due_at"],
        "2026-12-05T15:59:59Z"
    );

    // An offer expires after the policy's days, counted as the policy counts them: three
    // plain days in Xihu (to Tue 1 Dec), three working days elsewhere (to Wed 2 Dec).
    for (dispute, owner, expires) in [
        (&xihu, "owner.xixi@odr.demo", "2026-12-01T15:59:59Z"),
        (&shangcheng, "owner.hefang@odr.demo", "2026-12-02T15:59:59Z"),
    ] {
        let owner = app.demo_token(owner).await;
        let offered = app.post(&format!("/api/v1/disputes/{}/actions", dispute["id"].as_str().unwrap()), Some(&owner),
            &json!({"action": "make_offer", "remedy": "refund", "amount_fen": 10_000, "terms": "退款", "fulfilment_days": 3})).await;
        offered.expect(200);
        assert_eq!(offered.body["offers"][0]["expires_at"], expires);
    }
}
