//! Alerts to the regulators of the unit's region.

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::TestApp;

async fn file(
    app: &TestApp,
    owner: &str,
    item: &str,
    claimed_fen: i64,
    description: &str,
    category: &str,
) -> String {
    let consumer = app.demo_token("consumer@odr.demo").await;
    file_as(
        app,
        &consumer,
        owner,
        item,
        claimed_fen,
        description,
        category,
    )
    .await
}

/// A consumer of their own, registered with `n` in their email and phone.
pub async fn another_consumer(app: &TestApp, n: u32) -> String {
    app.post(
        "/api/v1/auth/register",
        None,
        &json!({
            "display_name": format!("消费者{n}"), "email": format!("c{n}@example.cn"),
            "phone": format!("+86 139 0000 {n:04}"), "password": "tea-leaves-88"
        }),
    )
    .await
    .expect(201);
    app.token(&format!("c{n}@example.cn"), "tea-leaves-88")
        .await
}

async fn file_as(
    app: &TestApp,
    consumer: &str,
    owner: &str,
    item: &str,
    claimed_fen: i64,
    description: &str,
    category: &str,
) -> String {
    let owner = app.demo_token(owner).await;
    let unit = app.business_of(&owner).await["unit"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let reply = app.post("/api/v1/disputes", Some(consumer), &json!({
        "unit_id": unit, "category": category, "item": {"kind": "product", "name": item},
        "purchase_date": "2026-11-20", "amount_paid_fen": claimed_fen, "amount_claimed_fen": claimed_fen,
        "remedies": ["refund"], "description": description, "contact_consent": true
    })).await;
    reply.expect(201);
    // The worker follows the filing up: the alert rules run there.
    app.run_due_jobs().await;
    reply.body["id"].as_str().unwrap().to_string()
}

fn of_kind<'a>(alerts: &'a Value, kind: &str) -> Vec<&'a Value> {
    alerts
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["kind"] == kind)
        .collect()
}

both_backends!(
    filings_raise_each_alert_once_for_the_regions_regulators,
    a_refused_return_at_a_unit_committed_to_no_reason_returns_is_a_breach
);

async fn filings_raise_each_alert_once_for_the_regions_regulators(app: TestApp) {
    app.seed_demo().await;
    let xixi = "owner.xixi@odr.demo";
    let first = file(
        &app,
        xixi,
        "套餐 A",
        12_800,
        "菜品变质，要求退款。",
        "food_safety",
    )
    .await;
    let mut ids = vec![first.clone()];
    for n in 0..3 {
        ids.push(
            file(
                &app,
                xixi,
                &format!("套餐 B{n}"),
                12_800,
                "菜品变质，要求退款。",
                "food_safety",
            )
            .await,
        );
    }
    let xihu = app.demo_token("reg.xihu@odr.demo").await;
    let alerts = app.get("/api/v1/alerts", Some(&xihu)).await.body;
    assert!(
        of_kind(&alerts, "mass_complaint").is_empty(),
        "four are no mass complaint"
    );
    assert_eq!(
        of_kind(&alerts, "repeat_consumer").len(),
        3,
        "the same consumer again within 90 days"
    );

    // A fifth from the same consumer is the unit's fifth in 30 days, still no mass
    // complaint: one consumer's many filings are repeats.
    ids.push(
        file(
            &app,
            xixi,
            "套餐 C",
            12_800,
            "菜品变质，要求退款。",
            "food_safety",
        )
        .await,
    );
    let alerts = app.get("/api/v1/alerts", Some(&xihu)).await.body;
    assert!(
        of_kind(&alerts, "mass_complaint").is_empty(),
        "one consumer is no mass complaint"
    );
    assert_eq!(of_kind(&alerts, "repeat_unit").len(), 1);

    // Four more consumers within 72 hours make five different ones: a mass complaint. The
    // last mentions the media and claims ¥60,000.
    for n in 1..=3 {
        let other = another_consumer(&app, n).await;
        ids.push(
            file_as(
                &app,
                &other,
                xixi,
                "套餐 D",
                12_800,
                "菜品变质，要求退款。",
                "food_safety",
            )
            .await,
        );
        let alerts = app.get("/api/v1/alerts", Some(&xihu)).await.body;
        assert!(
            of_kind(&alerts, "mass_complaint").is_empty(),
            "{} different consumers",
            n + 1
        );
    }
    let fifth = another_consumer(&app, 4).await;
    ids.push(
        file_as(
            &app,
            &fifth,
            xixi,
            "套餐 E",
            6_000_000,
            "全家食物中毒住院，已联系媒体。",
            "food_safety",
        )
        .await,
    );
    let alerts = app
        .get("/api/v1/alerts?status=open", Some(&xihu))
        .await
        .body;
    assert_eq!(
        app.get("/api/v1/alerts?status=acknowledged,open", Some(&xihu))
            .await
            .body,
        alerts,
        "none acknowledged yet"
    );
    let mass = of_kind(&alerts, "mass_complaint");
    assert_eq!(mass.len(), 1);
    assert_eq!(
        mass[0]["dispute_ids"],
        json!(ids),
        "the alert names every dispute of the burst"
    );
    assert_eq!(
        mass[0]["unit_name"], "杭州西溪人家餐饮有限公司",
        "the alert names the unit"
    );
    let cases: Vec<&str> = mass[0]["disputes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["case_number"].as_str().unwrap())
        .collect();
    assert_eq!(cases.len(), ids.len());
    // On the regulator's alerts page too: the unit by name, and a link to each dispute.
    let regulator = crate::portal::Visitor::log_in(&app, "reg.xihu@odr.demo").await;
    let page = regulator.get("/alerts").await;
    assert_eq!(page.status, 200);
    assert!(page.html.contains("杭州西溪人家餐饮有限公司"));
    for (id, case) in ids.iter().zip(&cases) {
        assert!(
            page.html
                .contains(&format!("href=\"/disputes/{id}\">{case}</a>")),
            "{case} links its dispute"
        );
    }
    let summary = mass[0]["summary"].as_str().unwrap();
    assert!(
        summary.contains("杭州西溪人家餐饮有限公司") && summary.contains("5 位不同消费者"),
        "{summary}"
    );
    assert!(
        cases
            .iter()
            .all(|c| c.starts_with("ODR") && summary.contains(c)),
        "{summary}"
    );
    assert_eq!(of_kind(&alerts, "repeat_unit").len(), 1);
    let major = of_kind(&alerts, "major");
    assert_eq!(major.len(), 1);
    assert!(major[0]["summary"].as_str().unwrap().contains("60000 元"));
    let sensitive = of_kind(&alerts, "sensitive");
    assert_eq!(sensitive.len(), 1);
    assert!(sensitive[0]["summary"].as_str().unwrap().contains("媒体"));
    assert!(
        sensitive[0]["summary"]
            .as_str()
            .unwrap()
            .contains("食物中毒")
    );

    // The regulators of Xihu and Hangzhou are told, in the app and by email.
    app.run_pending_jobs().await;
    let emailed: Vec<String> = app
        .sent_emails()
        .into_iter()
        .filter(|e| e.text.contains("群体投诉"))
        .map(|e| e.to)
        .collect();
    assert!(
        emailed.contains(&"reg.xihu@odr.demo".to_string())
            && emailed.contains(&"reg.hangzhou@odr.demo".to_string()),
        "{emailed:?}"
    );
    assert!(!emailed.contains(&"reg.binjiang@odr.demo".to_string()));
    let inbox = app.get("/api/v1/notifications", Some(&xihu)).await.body;
    let major = inbox
        .as_array()
        .unwrap()
        .iter()
        .find_map(|n| n["message"].as_str().filter(|m| m.contains("重大纠纷")))
        .expect("the major dispute's notice");
    // The case, that it is an alert, and its kind, each said once.
    for once in ["预警", "重大纠纷", "索赔 60000 元"] {
        assert_eq!(major.matches(once).count(), 1, "{once} in {major}");
    }
    assert_eq!(major.matches("ODR2026").count(), 1, "{major}");

    // Other regions and other roles see nothing of it.
    let binjiang = app.demo_token("reg.binjiang@odr.demo").await;
    assert!(
        app.get("/api/v1/alerts", Some(&binjiang))
            .await
            .body
            .as_array()
            .unwrap()
            .is_empty()
    );
    let owner = app.demo_token(xixi).await;
    app.get("/api/v1/alerts", Some(&owner))
        .await
        .expect_problem(403, "forbidden");
    let id = mass[0]["id"].as_str().unwrap().to_string();
    app.post(
        &format!("/api/v1/alerts/{id}/acknowledge"),
        Some(&binjiang),
        &json!({}),
    )
    .await
    .expect_problem(404, "alert_not_found");

    // Acknowledged, then closed with a note.
    app.post(
        &format!("/api/v1/alerts/{id}/close"),
        Some(&xihu),
        &json!({}),
    )
    .await
    .expect_problem(422, "validation_failed");
    let acked = app
        .post(
            &format!("/api/v1/alerts/{id}/acknowledge"),
            Some(&xihu),
            &json!({"note": "已联系门店"}),
        )
        .await;
    acked.expect(200);
    assert_eq!(acked.body["status"], "acknowledged");
    app.post(
        &format!("/api/v1/alerts/{id}/acknowledge"),
        Some(&xihu),
        &json!({}),
    )
    .await
    .expect_problem(409, "alert_transition_not_allowed");
    let closed = app
        .post(
            &format!("/api/v1/alerts/{id}/close"),
            Some(&xihu),
            &json!({"note": "现场检查，责令整改"}),
        )
        .await;
    closed.expect(200);
    assert_eq!(closed.body["status"], "closed");
    assert_eq!(closed.body["note"], "现场检查，责令整改");
    let open = app
        .get("/api/v1/alerts?status=open", Some(&xihu))
        .await
        .body;
    assert!(of_kind(&open, "mass_complaint").is_empty());
    app.sweep().await; // the log lists sealed entries
    let log = app.get("/api/v1/audit?limit=500", Some(&xihu)).await.body;
    let actions: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"alert.raised")
            && actions.contains(&"alert.acknowledged")
            && actions.contains(&"alert.closed")
    );

    // A sixth consumer raises no second mass complaint for the same burst.
    let sixth = another_consumer(&app, 5).await;
    file_as(
        &app,
        &sixth,
        xixi,
        "套餐 F",
        12_800,
        "菜品变质，要求退款。",
        "food_safety",
    )
    .await;
    let all = app.get("/api/v1/alerts", Some(&xihu)).await.body;
    assert_eq!(of_kind(&all, "mass_complaint").len(), 1);
}

async fn a_refused_return_at_a_unit_committed_to_no_reason_returns_is_a_breach(app: TestApp) {
    app.seed_demo().await;
    let store = "owner.hubin@odr.demo";
    let id = file(
        &app,
        store,
        "羊毛大衣",
        129_900,
        "七天内未穿着，门店拒绝无理由退货。",
        "returns_and_refunds",
    )
    .await;
    let owner = app.demo_token(store).await;
    app.post(
        &format!("/api/v1/disputes/{id}/actions"),
        Some(&owner),
        &json!({"action": "decline", "reason": "已过季，不予退货"}),
    )
    .await
    .expect(200);
    let city = app.demo_token("reg.hangzhou@odr.demo").await;
    let alerts = app.get("/api/v1/alerts", Some(&city)).await.body;
    let breach = of_kind(&alerts, "commitment_breach");
    assert_eq!(breach.len(), 1);
    assert_eq!(breach[0]["dispute_ids"], json!([id]));
    // A restaurant without that commitment declining is no breach.
    let other = file(
        &app,
        "owner.xixi@odr.demo",
        "套餐",
        12_800,
        "菜品变质，要求退款。",
        "returns_and_refunds",
    )
    .await;
    let xixi = app.demo_token("owner.xixi@odr.demo").await;
    app.post(
        &format!("/api/v1/disputes/{other}/actions"),
        Some(&xixi),
        &json!({"action": "decline", "reason": "不同意"}),
    )
    .await
    .expect(200);
    let alerts = app.get("/api/v1/alerts", Some(&city)).await.body;
    assert_eq!(of_kind(&alerts, "commitment_breach").len(), 1);
}

both_backends!(a_regulator_escalates_a_mass_complaint_together);

async fn a_regulator_escalates_a_mass_complaint_together(app: TestApp) {
    app.seed_demo().await;
    let mut ids = vec![
        file(
            &app,
            "owner.xixi@odr.demo",
            "团购套餐 0",
            9_900,
            "团购套餐无法使用，商家拒绝退款。",
            "prepaid_cards",
        )
        .await,
    ];
    let mut consumers = Vec::new();
    for n in 1..5 {
        let other = another_consumer(&app, n).await;
        ids.push(
            file_as(
                &app,
                &other,
                "owner.xixi@odr.demo",
                &format!("团购套餐 {n}"),
                9_900,
                "团购套餐无法使用，商家拒绝退款。",
                "prepaid_cards",
            )
            .await,
        );
        consumers.push(other);
    }
    // One of them has agreed a settlement already: it is no longer the regulator's to take.
    let xixi = app.demo_token("owner.xixi@odr.demo").await;
    let offered = app.post(&format!("/api/v1/disputes/{}/actions", ids[1]), Some(&xixi),
        &json!({"action": "make_offer", "remedy": "refund", "amount_fen": 9_900, "terms": "全额退款", "fulfilment_days": 10})).await;
    offered.expect(200);
    let offer = offered.body["offers"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.post(
        &format!("/api/v1/disputes/{}/actions", ids[1]),
        Some(&consumers[0]),
        &json!({"action": "accept_offer", "offer_id": offer}),
    )
    .await
    .expect(200);
    let consumer = app.demo_token("consumer@odr.demo").await;
    app.post(
        &format!("/api/v1/disputes/{}/actions", ids[0]),
        Some(&consumer),
        &json!({"action": "withdraw", "reason": "已退款"}),
    )
    .await
    .expect(200);
    let xihu = app.demo_token("reg.xihu@odr.demo").await;
    let alerts = app.get("/api/v1/alerts", Some(&xihu)).await.body;
    let mass = of_kind(&alerts, "mass_complaint")[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let major = of_kind(&alerts, "repeat_unit")[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let owner = app.demo_token("owner.xixi@odr.demo").await;
    app.post(
        &format!("/api/v1/alerts/{mass}/escalate"),
        Some(&owner),
        &json!({"note": "统一处理"}),
    )
    .await
    .expect_problem(403, "forbidden");
    app.post(
        &format!("/api/v1/alerts/{mass}/escalate"),
        Some(&xihu),
        &json!({}),
    )
    .await
    .expect_problem(422, "validation_failed");
    app.post(
        &format!("/api/v1/alerts/{major}/escalate"),
        Some(&xihu),
        &json!({"note": "统一处理"}),
    )
    .await
    .expect_problem(409, "not_a_mass_complaint");

    let done = app
        .post(
            &format!("/api/v1/alerts/{mass}/escalate"),
            Some(&xihu),
            &json!({"note": "群体投诉，统一转 12315 处理"}),
        )
        .await;
    done.expect(200);
    assert_eq!(done.body["escalated"].as_array().unwrap().len(), 3);
    assert_eq!(
        done.body["skipped"],
        json!([ids[0], ids[1]]),
        "the withdrawn one stays withdrawn, the agreed one agreed"
    );
    for id in &ids[2..] {
        let view = app
            .get(&format!("/api/v1/disputes/{id}"), Some(&xihu))
            .await
            .body;
        assert_eq!(view["status"], "escalated");
        assert_eq!(view["escalation"]["initiated_by"], "regulator");
    }
    app.run_pending_jobs().await;
    let queue = app
        .get("/api/v1/escalations?state=delivered", Some(&xihu))
        .await
        .body;
    assert_eq!(queue.as_array().unwrap().len(), 3);
    let alerts = app.get("/api/v1/alerts", Some(&xihu)).await.body;
    assert_eq!(
        alerts
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == mass.as_str())
            .unwrap()["status"],
        "acknowledged"
    );
}
