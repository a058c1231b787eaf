use chrono::Duration;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Reply, TestApp};

/// The demo consumer, the restaurant's owner and the Xihu regulator, logged in.
struct Cast {
    consumer: String,
    owner: String,
    regulator: String,
    unit_id: String,
}

async fn cast(app: &TestApp) -> Cast {
    app.seed_demo().await;
    let owner = app.demo_token("owner.xixi@odr.demo").await;
    let unit_id = app.business_of(&owner).await["unit"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    Cast {
        consumer: app.demo_token("consumer@odr.demo").await,
        owner,
        regulator: app.demo_token("reg.xihu@odr.demo").await,
        unit_id,
    }
}

/// An edit of a filing body.
type BodyChange = Box<dyn Fn(&mut Value)>;

fn filing(unit_id: &str) -> Value {
    json!({
        "unit_id": unit_id,
        "category": "food_safety",
        "item": {"kind": "service", "name": "西湖醋鱼套餐"},
        "purchase_date": "2026-11-20",
        "amount_paid_fen": 38_800,
        "amount_claimed_fen": 77_600,
        "remedies": ["refund", "compensation"],
        "description": "用餐后出现腹泻症状，医院诊断为急性肠胃炎，要求退款并赔偿医药费。",
        "contact_consent": true
    })
}

/// Logs everyone in again (after the clock moved past the access tokens' lifetime).
async fn relogin(app: &TestApp, c: &mut Cast) {
    c.consumer = app.demo_token("consumer@odr.demo").await;
    c.owner = app.demo_token("owner.xixi@odr.demo").await;
    c.regulator = app.demo_token("reg.xihu@odr.demo").await;
}

async fn file(app: &TestApp, c: &Cast) -> String {
    let reply = app
        .post("/api/v1/disputes", Some(&c.consumer), &filing(&c.unit_id))
        .await;
    reply.expect(201);
    // The worker follows the filing up: the staff's notices, the counters, the alerts.
    app.run_due_jobs().await;
    reply.body["id"].as_str().unwrap().to_string()
}

async fn act(app: &TestApp, token: &str, id: &str, body: Value) -> Reply {
    app.post(
        &format!("/api/v1/disputes/{id}/actions"),
        Some(token),
        &body,
    )
    .await
}

fn offer(amount_fen: i64) -> Value {
    json!({"action": "make_offer", "remedy": "refund", "amount_fen": amount_fen, "terms": "全额退款并赔偿医药费", "fulfilment_days": 3})
}

fn open_offer_id(view: &Value, party: &str) -> String {
    view["offers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["party"] == party && o["status"] == "open")
        .map(|o| o["id"].as_str().unwrap().to_string())
        .expect("an open offer")
}

both_backends!(
    a_dispute_goes_from_filing_to_resolved_and_rated,
    fulfilment_marked_by_the_business_is_confirmed_by_the_consumer,
    a_consumer_withdraws,
    a_business_that_declines_escalates_the_dispute,
    a_consumer_asks_for_escalation_once_the_business_answered_or_the_due_date_passed,
    reported_non_fulfilment_escalates,
    a_regulator_rejects_what_is_no_consumer_dispute,
    filing_refuses_each_bad_input_with_its_field,
    a_unit_that_is_not_active_takes_no_disputes,
    a_second_filing_about_the_same_purchase_points_at_the_first,
    an_expired_offer_cannot_be_accepted,
    an_agreed_extension_moves_the_due_date_once,
    a_pause_adds_its_working_days_back,
    evidence_is_typed_by_content_and_seen_only_by_those_concerned,
    disputes_are_seen_only_by_their_parties_and_regulators,
    the_merchant_inbox_filters_sorts_and_pages,
    parties_are_notified_in_the_app
);

async fn a_dispute_goes_from_filing_to_resolved_and_rated(app: TestApp) {
    let c = cast(&app).await;
    let id = filing_retried_once_files_once_with_its_deadlines(&app, &c).await;
    first_contact_shows_the_consented_phone(&app, &c, &id).await;
    offers_supersede_and_only_the_other_party_accepts(&app, &c, &id).await;
    confirming_and_rating_close_the_dispute(&app, &c, &id).await;
}

/// Step 1: a retried filing returns the first result; the deadlines skip the weekend and the
/// business is told.
async fn filing_retried_once_files_once_with_its_deadlines(app: &TestApp, c: &Cast) -> String {
    let request = app
        .client
        .post(format!("{}/api/v1/disputes", app.address))
        .bearer_auth(&c.consumer)
        .header("Idempotency-Key", "filing-1")
        .json(&filing(&c.unit_id));
    let first: Value = request
        .try_clone()
        .unwrap()
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let retried = request.send().await.unwrap();
    assert_eq!(retried.status(), 201);
    let retried: Value = retried.json().await.unwrap();
    assert_eq!(
        first["id"], retried["id"],
        "a retried POST returns the first result"
    );
    let id = first["id"].as_str().unwrap().to_string();
    assert!(
        first["case_number"]
            .as_str()
            .unwrap()
            .starts_with("ODR2026330106")
    );
    assert_eq!(first["status"], "filed");
    // Filed Friday 27 Nov 2026: first contact due Monday 30 Nov, settlement 10 working days later.
    assert_eq!(
        first["deadlines"]["first_contact"]["due_at"],
        "2026-11-30T15:59:59Z"
    );
    assert_eq!(
        first["deadlines"]["settlement"]["due_at"],
        "2026-12-11T15:59:59Z"
    );
    assert_eq!(
        first["deadlines"]["first_contact"]["skipped"][0]["reason"],
        "weekend"
    );

    app.run_pending_jobs().await;
    let to_owner = app.sent_emails();
    assert_eq!(to_owner.len(), 1);
    assert_eq!(to_owner[0].to, "owner.xixi@odr.demo");
    assert!(
        to_owner[0].subject.contains("新的消费纠纷"),
        "{}",
        to_owner[0].subject
    );
    assert!(
        to_owner[0].text.contains(&format!("/disputes/{id}")),
        "links to the dispute's page: {}",
        to_owner[0].text
    );

    id
}

/// Step 2: the first contact moves the dispute to negotiation and staff see the phone the
/// consumer agreed to share.
async fn first_contact_shows_the_consented_phone(app: &TestApp, c: &Cast, id: &str) {
    let contacted = act(
        app,
        &c.owner,
        id,
        json!({"action": "first_contact", "message": "您好，我们已收到投诉，正在核实。"}),
    )
    .await;
    contacted.expect(200);
    assert_eq!(contacted.body["status"], "negotiating");
    assert_eq!(
        contacted.body["consumer"]["phone"], "+8613800000001",
        "staff see the consented phone"
    );
}

/// Step 3: each new offer supersedes the same party's open one; a superseded offer and one's
/// own offer cannot be accepted; the consumer accepts the business's latest.
async fn offers_supersede_and_only_the_other_party_accepts(app: &TestApp, c: &Cast, id: &str) {
    act(app, &c.owner, id, offer(38_800)).await.expect(200);
    let counter = act(app, &c.consumer, id, json!({"action": "make_offer", "remedy": "compensation", "amount_fen": 60_000, "terms": "退款并赔偿医药费 212 元"})).await;
    counter.expect(200);
    let first_offer = open_offer_id(&counter.body, "business");
    let second = act(app, &c.owner, id, offer(55_000)).await;
    second.expect(200);
    let statuses: Vec<(String, String)> = second.body["offers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["party"].as_str().unwrap().into(),
                o["status"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        vec![
            ("business".into(), "superseded".into()),
            ("consumer".into(), "open".into()),
            ("business".into(), "open".into())
        ]
    );

    act(
        app,
        &c.consumer,
        id,
        json!({"action": "accept_offer", "offer_id": first_offer}),
    )
    .await
    .expect_problem(409, "offer_superseded");
    let new_offer = open_offer_id(&second.body, "business");
    act(
        app,
        &c.owner,
        id,
        json!({"action": "accept_offer", "offer_id": new_offer}),
    )
    .await
    .expect_problem(409, "own_offer");
    let settled = act(
        app,
        &c.consumer,
        id,
        json!({"action": "accept_offer", "offer_id": new_offer}),
    )
    .await;
    settled.expect(200);
    assert_eq!(settled.body["status"], "settled");
    assert_eq!(settled.body["agreement"]["amount_fen"], 55_000);
    assert_eq!(
        settled.body["agreement"]["fulfilment_due_at"],
        "2026-11-30T15:59:59Z"
    );
    assert!(
        settled.body["offers"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["status"] != "open")
    );
}

/// Step 4: confirming fulfilment resolves the dispute, the consumer rates it once, nothing
/// more can be said; the timeline and the emails tell the whole story.
async fn confirming_and_rating_close_the_dispute(app: &TestApp, c: &Cast, id: &str) {
    act(
        app,
        &c.consumer,
        id,
        json!({"action": "confirm_fulfilment"}),
    )
    .await
    .expect(200);
    let resolved = app
        .get(&format!("/api/v1/disputes/{id}"), Some(&c.consumer))
        .await;
    assert_eq!(resolved.body["status"], "resolved");
    let rated = act(
        app,
        &c.consumer,
        id,
        json!({"action": "rate", "rating": 5, "comment": "处理及时"}),
    )
    .await;
    rated.expect(200);
    assert_eq!(rated.body["rating"]["rating"], 5);
    act(app, &c.consumer, id, json!({"action": "rate", "rating": 4}))
        .await
        .expect_problem(409, "already_rated");
    act(
        app,
        &c.owner,
        id,
        json!({"action": "message", "body": "谢谢"}),
    )
    .await
    .expect_problem(409, "dispute_closed");

    let kinds: Vec<&str> = rated.body["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        vec![
            "filed",
            "first_contact",
            "offer_made",
            "offer_made",
            "offer_made",
            "offer_accepted",
            "fulfilment_confirmed",
            "rated"
        ]
    );
    app.run_pending_jobs().await;
    let to_consumer: Vec<String> = app
        .sent_emails()
        .iter()
        .filter(|e| e.to == "consumer@odr.demo")
        .map(|e| e.subject.clone())
        .collect();
    assert_eq!(
        to_consumer.len(),
        3,
        "first contact and two business offers: {to_consumer:?}"
    );
    let to_owner = app
        .sent_emails()
        .iter()
        .filter(|e| e.to == "owner.xixi@odr.demo")
        .count();
    assert_eq!(
        to_owner, 2,
        "the new dispute and the consumer's counter-offer"
    );
}

async fn fulfilment_marked_by_the_business_is_confirmed_by_the_consumer(app: TestApp) {
    let c = cast(&app).await;
    let id = file(&app, &c).await;
    let offered = act(&app, &c.owner, &id, offer(38_800)).await;
    assert_eq!(
        offered.body["status"], "negotiating",
        "an offer is first contact too"
    );
    assert!(offered.body["first_contacted_at"].is_string());
    act(
        &app,
        &c.consumer,
        &id,
        json!({"action": "accept_offer", "offer_id": open_offer_id(&offered.body, "business")}),
    )
    .await
    .expect(200);
    act(&app, &c.consumer, &id, json!({"action": "mark_fulfilled"}))
        .await
        .expect_problem(409, "not_allowed_for_party");
    let marked = act(
        &app,
        &c.owner,
        &id,
        json!({"action": "mark_fulfilled", "note": "已原路退款"}),
    )
    .await;
    assert!(marked.body["fulfilled_at"].is_string());
    act(&app, &c.owner, &id, json!({"action": "mark_fulfilled"}))
        .await
        .expect_problem(409, "already_fulfilled");
    act(
        &app,
        &c.consumer,
        &id,
        json!({"action": "confirm_fulfilment"}),
    )
    .await
    .expect(200);
}

async fn a_consumer_withdraws(app: TestApp) {
    let c = cast(&app).await;
    let id = file(&app, &c).await;
    let withdrawn = act(
        &app,
        &c.consumer,
        &id,
        json!({"action": "withdraw", "reason": "已与商家线下协商解决"}),
    )
    .await;
    withdrawn.expect(200);
    assert_eq!(withdrawn.body["status"], "withdrawn");
    assert!(withdrawn.body["concluded_at"].is_string());
    act(
        &app,
        &c.consumer,
        &id,
        json!({"action": "rate", "rating": 3}),
    )
    .await
    .expect(200);
}

async fn a_business_that_declines_escalates_the_dispute(app: TestApp) {
    let c = cast(&app).await;
    let id = file(&app, &c).await;
    let declined = act(
        &app,
        &c.owner,
        &id,
        json!({"action": "decline", "reason": "我店不认可该诉求"}),
    )
    .await;
    declined.expect(200);
    assert_eq!(declined.body["status"], "escalated");
    assert_eq!(declined.body["escalation"]["initiated_by"], "merchant");
    assert_eq!(declined.body["escalation"]["reason"], "我店不认可该诉求");
}

async fn a_consumer_asks_for_escalation_once_the_business_answered_or_the_due_date_passed(
    app: TestApp,
) {
    let mut c = cast(&app).await;
    let id = file(&app, &c).await;
    let escalate = json!({"action": "request_escalation", "reason": "商家一直未回复"});
    let early = act(&app, &c.consumer, &id, escalate.clone()).await;
    early.expect_problem(409, "escalation_too_early");
    // It says from when the consumer may ask: the first-contact due moment.
    let due = app
        .get(&format!("/api/v1/disputes/{id}"), Some(&c.consumer))
        .await
        .body["deadlines"]["first_contact"]["due_at"]
        .as_str()
        .unwrap()
        .to_string();
    let due = chrono::DateTime::parse_from_rfc3339(&due).unwrap();
    let said = due
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .format("%Y-%m-%d %H:%M:%S +08:00")
        .to_string();
    assert!(
        early.body["detail"].as_str().unwrap().contains(&said),
        "{}",
        early.text
    );
    // So does the consumer's page in the portal.
    let local = due
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .format("%Y-%m-%d %H:%M");
    let consumer = crate::portal::Visitor::log_in(&app, "consumer@odr.demo").await;
    let page = consumer.get(&format!("/disputes/{id}")).await;
    let sentence = format!("您可在此后申请转 12315 处理。期限：{local}");
    assert!(page.html.contains(&sentence), "{sentence} in {}", page.html);
    app.advance(Duration::days(4));
    relogin(&app, &mut c).await;
    let escalated = act(&app, &c.consumer, &id, escalate).await;
    escalated.expect(200);
    assert_eq!(escalated.body["escalation"]["initiated_by"], "consumer");

    let other = file(&app, &c).await;
    act(&app, &c.owner, &other, json!({"action": "first_contact"}))
        .await
        .expect(200);
    act(
        &app,
        &c.consumer,
        &other,
        json!({"action": "request_escalation", "reason": "协商不成"}),
    )
    .await
    .expect(200);
}

async fn reported_non_fulfilment_escalates(app: TestApp) {
    let c = cast(&app).await;
    let id = file(&app, &c).await;
    let offered = act(&app, &c.owner, &id, offer(38_800)).await;
    act(
        &app,
        &c.consumer,
        &id,
        json!({"action": "accept_offer", "offer_id": open_offer_id(&offered.body, "business")}),
    )
    .await
    .expect(200);
    let reported = act(
        &app,
        &c.consumer,
        &id,
        json!({"action": "report_non_fulfilment", "reason": "约定退款未到账"}),
    )
    .await;
    reported.expect(200);
    assert_eq!(reported.body["status"], "escalated");
    assert_eq!(reported.body["escalation"]["reason"], "约定退款未到账");
}

async fn a_regulator_rejects_what_is_no_consumer_dispute(app: TestApp) {
    let c = cast(&app).await;
    let id = file(&app, &c).await;
    act(
        &app,
        &c.owner,
        &id,
        json!({"action": "reject", "reason": "不是消费纠纷"}),
    )
    .await
    .expect_problem(409, "not_allowed_for_party");
    let rejected = act(
        &app,
        &c.regulator,
        &id,
        json!({"action": "reject", "reason": "属于经营者之间的合同纠纷"}),
    )
    .await;
    rejected.expect(200);
    assert_eq!(rejected.body["status"], "rejected");
    assert_eq!(rejected.body["your_role"], "regulator");
    assert_eq!(
        rejected.body["consumer"]["phone"], "138****0001",
        "regulators see the phone masked"
    );
    assert!(rejected.body["consumer"]["email"].is_null());
}

async fn filing_refuses_each_bad_input_with_its_field(app: TestApp) {
    let c = cast(&app).await;
    let cases: Vec<(BodyChange, &str, &str)> = vec![
        (
            Box::new(|b| b["purchase_date"] = json!("2023-01-01")),
            "purchase_date",
            "invalid_purchase_date",
        ),
        (
            Box::new(|b| b["purchase_date"] = json!("2026-12-01")),
            "purchase_date",
            "invalid_purchase_date",
        ),
        (
            Box::new(|b| b["amount_claimed_fen"] = json!(-1)),
            "amount_claimed_fen",
            "invalid_amount",
        ),
        (
            Box::new(|b| b["amount_claimed_fen"] = json!(50_000_000)),
            "amount_claimed_fen",
            "invalid_amount",
        ),
        (
            Box::new(|b| b["contact_consent"] = json!(false)),
            "contact_consent",
            "consent_required",
        ),
        (
            Box::new(|b| b["category"] = json!("astrology")),
            "category",
            "unknown_category",
        ),
        (
            Box::new(|b| b["item"]["vin"] = json!("LSVAU2180N2183294")),
            "item.vin",
            "invalid_vin",
        ),
        (
            Box::new(|b| b["remedies"] = json!([])),
            "remedies",
            "required",
        ),
        (
            Box::new(|b| b["remedies"] = json!(["refund", "cash"])),
            "remedies[1]",
            "invalid_remedy",
        ),
        (
            Box::new(|b| b["item"]["kind"] = json!("gadget")),
            "item.kind",
            "invalid_item_kind",
        ),
        (
            Box::new(|b| b["description"] = json!("太差了")),
            "description",
            "invalid_length",
        ),
        (
            Box::new(|b| b["unit_id"] = json!("0198a3c1-0000-7000-8000-000000000000")),
            "unit_id",
            "unknown_unit",
        ),
    ];
    for (change, field, code) in cases {
        let mut body = filing(&c.unit_id);
        change(&mut body);
        let reply = app.post("/api/v1/disputes", Some(&c.consumer), &body).await;
        reply.expect_problem(422, "validation_failed");
        assert_eq!(reply.failing_fields(), vec![field], "{body}");
        assert_eq!(reply.body["errors"][0]["code"], code);
    }
    let counts = app.get("/api/v1/disputes/counts", Some(&c.consumer)).await;
    assert_eq!(counts.body["total"], 0, "nothing written");
    app.run_pending_jobs().await;
    assert!(app.sent_emails().is_empty());
}

async fn a_unit_that_is_not_active_takes_no_disputes(app: TestApp) {
    let c = cast(&app).await;
    let pending_owner = app.demo_token("owner.gongchen@odr.demo").await;
    let pending_unit = app.business_of(&pending_owner).await["unit"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let reply = app
        .post(
            "/api/v1/disputes",
            Some(&c.consumer),
            &filing(&pending_unit),
        )
        .await;
    reply.expect_problem(422, "validation_failed");
    assert_eq!(reply.body["errors"][0]["code"], "unit_not_active");
}

async fn a_second_filing_about_the_same_purchase_points_at_the_first(app: TestApp) {
    let c = cast(&app).await;
    let id = file(&app, &c).await;
    let mut again = filing(&c.unit_id);
    again["item"]["name"] = json!(" 西湖醋鱼套餐 ");
    let reply = app
        .post("/api/v1/disputes", Some(&c.consumer), &again)
        .await;
    reply.expect_problem(409, "duplicate_dispute");
    assert!(reply.body["detail"].as_str().unwrap().contains(&id));
    let mut other_purchase = filing(&c.unit_id);
    other_purchase["purchase_date"] = json!("2026-11-21");
    app.post("/api/v1/disputes", Some(&c.consumer), &other_purchase)
        .await
        .expect(201);
    for who in ["owner.xixi@odr.demo", "reg.xihu@odr.demo", "admin@odr.demo"] {
        let token = app.demo_token(who).await;
        app.post("/api/v1/disputes", Some(&token), &filing(&c.unit_id))
            .await
            .expect_problem(403, "forbidden");
    }
    let reused = app
        .client
        .post(format!("{}/api/v1/disputes", app.address))
        .bearer_auth(&c.consumer)
        .header("Idempotency-Key", "k1")
        .json(&other_purchase)
        .send()
        .await
        .unwrap();
    assert_eq!(reused.status(), 409);
}

async fn an_expired_offer_cannot_be_accepted(app: TestApp) {
    let mut c = cast(&app).await;
    let id = file(&app, &c).await;
    let offered = act(&app, &c.owner, &id, offer(38_800)).await;
    let offer_id = open_offer_id(&offered.body, "business");
    // Offered Friday: expires after 3 working days, end of Wednesday 2 Dec.
    assert_eq!(
        offered.body["offers"][0]["expires_at"],
        "2026-12-02T15:59:59Z"
    );
    app.advance(Duration::days(6));
    relogin(&app, &mut c).await;
    let view = app
        .get(&format!("/api/v1/disputes/{id}"), Some(&c.consumer))
        .await;
    assert_eq!(view.body["offers"][0]["status"], "expired");
    act(
        &app,
        &c.consumer,
        &id,
        json!({"action": "accept_offer", "offer_id": offer_id}),
    )
    .await
    .expect_problem(409, "offer_expired");
    act(&app, &c.consumer, &id, json!({"action": "reject_offer", "offer_id": "0198a3c1-0000-7000-8000-000000000000", "reason": "不同意"})).await
        .expect_problem(404, "offer_not_found");
}

async fn an_agreed_extension_moves_the_due_date_once(app: TestApp) {
    let c = cast(&app).await;
    let id = file(&app, &c).await;
    act(&app, &c.owner, &id, json!({"action": "first_contact"}))
        .await
        .expect(200);
    let too_long = act(
        &app,
        &c.owner,
        &id,
        json!({"action": "propose_extension", "working_days": 6, "reason": "需要厂家检测"}),
    )
    .await;
    too_long.expect_problem(422, "validation_failed");
    let proposed = act(
        &app,
        &c.owner,
        &id,
        json!({"action": "propose_extension", "working_days": 3, "reason": "需要厂家检测"}),
    )
    .await;
    assert_eq!(
        proposed.body["deadlines"]["pending_extension"]["working_days"],
        3
    );
    act(&app, &c.owner, &id, json!({"action": "agree_extension"}))
        .await
        .expect_problem(409, "no_proposal_to_answer");
    let agreed = act(&app, &c.consumer, &id, json!({"action": "agree_extension"})).await;
    agreed.expect(200);
    assert_eq!(
        agreed.body["deadlines"]["settlement"]["due_at"],
        "2026-12-16T15:59:59Z"
    );
    assert_eq!(agreed.body["deadlines"]["extension_working_days"], 3);
    act(
        &app,
        &c.consumer,
        &id,
        json!({"action": "propose_extension", "working_days": 1, "reason": "再延一天"}),
    )
    .await
    .expect_problem(409, "extension_already_used");
}

async fn a_pause_adds_its_working_days_back(app: TestApp) {
    let mut c = cast(&app).await;
    let id = file(&app, &c).await;
    act(&app, &c.owner, &id, json!({"action": "first_contact"}))
        .await
        .expect(200);
    act(
        &app,
        &c.consumer,
        &id,
        json!({"action": "propose_pause", "reason": "送检鉴定"}),
    )
    .await
    .expect(200);
    let paused = act(&app, &c.owner, &id, json!({"action": "agree_pause"})).await;
    assert_eq!(
        (
            paused.body["status"].as_str(),
            paused.body["paused_from"].as_str()
        ),
        (Some("paused"), Some("negotiating"))
    );
    act(
        &app,
        &c.consumer,
        &id,
        json!({"action": "make_offer", "remedy": "refund", "amount_fen": 1, "terms": "x"}),
    )
    .await
    .expect_problem(409, "invalid_transition");
    app.advance(Duration::days(7)); // Friday to Friday: five working days paused
    relogin(&app, &mut c).await;
    let resumed = act(&app, &c.consumer, &id, json!({"action": "resume"})).await;
    resumed.expect(200);
    assert_eq!(resumed.body["status"], "negotiating");
    assert_eq!(resumed.body["deadlines"]["paused_working_days"], 5);
    assert_eq!(
        resumed.body["deadlines"]["settlement"]["due_at"],
        "2026-12-18T15:59:59Z"
    );
}

async fn evidence_is_typed_by_content_and_seen_only_by_those_concerned(app: TestApp) {
    let c = cast(&app).await;
    let id = file(&app, &c).await;
    let path = format!("/api/v1/disputes/{id}/evidence");
    let png = [b"\x89PNG\r\n\x1a\n".as_slice(), &[0u8; 64]].concat();
    let uploaded = app
        .upload(&path, &c.consumer, "receipt.png", png.clone())
        .await;
    uploaded.expect(201);
    let evidence = &uploaded.body["evidence"][0];
    assert_eq!(evidence["content_type"], "image/png");
    assert_eq!(evidence["size_bytes"], 72);
    assert_eq!(evidence["party"], "consumer");
    let download = evidence["download_path"].as_str().unwrap().to_string();

    for (token, status) in [(&c.consumer, 200), (&c.owner, 200), (&c.regulator, 200)] {
        let response = app
            .client
            .get(format!("{}{download}", app.address))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), status);
        assert_eq!(response.headers()["content-type"], "image/png");
        assert_eq!(response.bytes().await.unwrap().to_vec(), png);
    }
    for who in [
        "reg.binjiang@odr.demo",
        "owner.hubin@odr.demo",
        "assoc.catering@odr.demo",
    ] {
        let token = app.demo_token(who).await;
        app.get(&download, Some(&token))
            .await
            .expect_problem(404, "dispute_not_found");
    }

    let text = app
        .upload(
            &path,
            &c.consumer,
            "receipt.png",
            b"just text pretending to be a picture".to_vec(),
        )
        .await;
    text.expect_problem(415, "unsupported_evidence_type");
    let big = [b"%PDF-1.4\n".as_slice(), &vec![b'a'; 10 * 1024 * 1024]].concat();
    app.upload(&path, &c.owner, "report.pdf", big)
        .await
        .expect_problem(413, "file_too_large");
    let view = app
        .get(&format!("/api/v1/disputes/{id}"), Some(&c.consumer))
        .await;
    assert_eq!(
        view.body["evidence"].as_array().unwrap().len(),
        1,
        "refused uploads store nothing"
    );
    let pdf = app
        .upload(&path, &c.owner, "检测报告.pdf", b"%PDF-1.4\n%test".to_vec())
        .await;
    pdf.expect(201);
    assert_eq!(pdf.body["evidence"][1]["party"], "business");
    assert_eq!(pdf.body["evidence"][1]["file_name"], "检测报告.pdf");
}

async fn disputes_are_seen_only_by_their_parties_and_regulators(app: TestApp) {
    let c = cast(&app).await;
    let id = file(&app, &c).await;
    let path = format!("/api/v1/disputes/{id}");
    app.post(
        "/api/v1/auth/register",
        None,
        &json!({"display_name": "路人", "email": "other@example.cn", "password": "other-pass-1"}),
    )
    .await
    .expect(201);
    let other_consumer = app.token("other@example.cn", "other-pass-1").await;
    for token in [
        other_consumer.clone(),
        app.demo_token("owner.zhijiang@odr.demo").await,
        app.demo_token("reg.binjiang@odr.demo").await,
        app.demo_token("assoc.catering@odr.demo").await,
        app.demo_token("admin@odr.demo").await,
    ] {
        app.get(&path, Some(&token))
            .await
            .expect_problem(404, "dispute_not_found");
        act(
            &app,
            &token,
            &id,
            json!({"action": "message", "body": "hi"}),
        )
        .await
        .expect_problem(404, "dispute_not_found");
    }
    app.get(&path, None)
        .await
        .expect_problem(401, "unauthenticated");
    let city = app.demo_token("reg.hangzhou@odr.demo").await;
    app.get(&path, Some(&city)).await.expect(200);
    act(&app, &c.consumer, &id, json!({"action": "first_contact"}))
        .await
        .expect_problem(409, "not_allowed_for_party");
    act(
        &app,
        &c.regulator,
        &id,
        json!({"action": "message", "body": "hi"}),
    )
    .await
    .expect_problem(409, "not_allowed_for_party");

    let association = app.demo_token("assoc.catering@odr.demo").await;
    app.get("/api/v1/disputes", Some(&association))
        .await
        .expect_problem(403, "forbidden");
    let counts = app.get("/api/v1/disputes/counts", Some(&association)).await;
    assert_eq!(counts.body["by_status"]["filed"], 1);
    let admin = app.demo_token("admin@odr.demo").await;
    app.get("/api/v1/disputes/counts", Some(&admin))
        .await
        .expect_problem(403, "forbidden");
    assert_eq!(
        app.get("/api/v1/disputes", Some(&other_consumer))
            .await
            .body["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    let dealer = app.demo_token("owner.zhijiang@odr.demo").await;
    assert_eq!(
        app.get("/api/v1/disputes", Some(&dealer)).await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    let binjiang = app.demo_token("reg.binjiang@odr.demo").await;
    assert_eq!(
        app.get("/api/v1/disputes/counts", Some(&binjiang))
            .await
            .body["total"],
        0
    );
}

async fn the_merchant_inbox_filters_sorts_and_pages(app: TestApp) {
    let mut c = cast(&app).await;
    let mut ids = Vec::new();
    for day in 20..=24 {
        let mut body = filing(&c.unit_id);
        body["purchase_date"] = json!(format!("2026-11-{day}"));
        let reply = app.post("/api/v1/disputes", Some(&c.consumer), &body).await;
        ids.push(reply.body["id"].as_str().unwrap().to_string());
        app.advance(Duration::days(1));
        relogin(&app, &mut c).await;
    }
    // The first contact's text is `body`, as a message's; the older `message` is still taken,
    // but not both at once.
    act(
        &app,
        &c.owner,
        &ids[2],
        json!({"action": "first_contact", "body": "您好", "message": "您好"}),
    )
    .await
    .expect_problem(422, "validation_failed");
    let contacted = act(
        &app,
        &c.owner,
        &ids[0],
        json!({"action": "first_contact", "body": "您好，我们已收到，正在核实。"}),
    )
    .await;
    contacted.expect(200);
    assert!(
        contacted.body["messages"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["body"] == "您好，我们已收到，正在核实。"),
        "{}",
        contacted.body
    );
    act(
        &app,
        &c.consumer,
        &ids[1],
        json!({"action": "withdraw", "reason": "已自行解决"}),
    )
    .await
    .expect(200);
    // The due order is a work queue: the withdrawn dispute is not in it unless asked for.
    let inbox = app.get("/api/v1/disputes?sort=due", Some(&c.owner)).await;
    inbox.expect(200);
    assert_eq!(inbox.body["items"].as_array().unwrap().len(), 4);
    assert!(
        inbox.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["id"] != ids[1].as_str())
    );
    let everything = app
        .get("/api/v1/disputes?sort=due&status=all", Some(&c.owner))
        .await;
    assert_eq!(everything.body["items"].as_array().unwrap().len(), 5);
    let two_statuses = app
        .get("/api/v1/disputes?status=filed,negotiating", Some(&c.owner))
        .await;
    let mut statuses: Vec<&str> = two_statuses.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["status"].as_str().unwrap())
        .collect();
    statuses.sort_unstable();
    assert_eq!(statuses, ["filed", "filed", "filed", "negotiating"]);
    app.get("/api/v1/disputes?status=filed,lost", Some(&c.owner))
        .await
        .expect_problem(422, "validation_failed");
    let dues: Vec<&str> = inbox.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["settlement_due_at"].as_str().unwrap())
        .collect();
    let mut sorted = dues.clone();
    sorted.sort();
    assert_eq!(dues, sorted);
    assert_eq!(inbox.body["items"][0]["consumer_name"], "张先生");
    assert_eq!(
        inbox.body["items"][0]["business_name"],
        "杭州西溪人家餐饮有限公司"
    );

    let filed = app
        .get("/api/v1/disputes?status=filed", Some(&c.owner))
        .await;
    assert_eq!(filed.body["items"].as_array().unwrap().len(), 3);
    let overdue = app
        .get(
            "/api/v1/disputes?flag=first_contact_overdue",
            Some(&c.owner),
        )
        .await;
    let flagged = overdue.body["items"].as_array().unwrap();
    assert!(
        !flagged.is_empty()
            && flagged
                .iter()
                .all(|d| d["first_contact_overdue"] == true && d["status"] == "filed")
    );
    let counts = app.get("/api/v1/disputes/counts", Some(&c.owner)).await;
    assert_eq!(
        (
            counts.body["by_status"]["filed"].as_i64(),
            counts.body["by_status"]["negotiating"].as_i64(),
            counts.body["total"].as_i64()
        ),
        (Some(3), Some(1), Some(5))
    );

    let page1 = app
        .get("/api/v1/disputes?limit=2&sort=filed", Some(&c.owner))
        .await;
    let cursor = page1.body["next_cursor"].as_str().unwrap();
    let page2 = app
        .get(
            &format!("/api/v1/disputes?limit=2&sort=filed&cursor={cursor}"),
            Some(&c.owner),
        )
        .await;
    let page3 = app
        .get(
            &format!(
                "/api/v1/disputes?limit=2&sort=filed&cursor={}",
                page2.body["next_cursor"].as_str().unwrap()
            ),
            Some(&c.owner),
        )
        .await;
    let seen: Vec<&str> = [&page1, &page2, &page3]
        .iter()
        .flat_map(|p| {
            p.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d["id"].as_str().unwrap())
        })
        .collect();
    let mut newest_first = ids.clone();
    newest_first.reverse();
    assert_eq!(seen, newest_first);
    assert!(page3.body["next_cursor"].is_null());
    let bad = app
        .get(
            "/api/v1/disputes?status=lost&flag=x&sort=y&limit=500&cursor=%%&due_before=tomorrow",
            Some(&c.owner),
        )
        .await;
    bad.expect_problem(422, "validation_failed");
    assert_eq!(
        bad.failing_fields(),
        vec!["status", "flag", "due_before", "sort", "limit", "cursor"]
    );
}

async fn parties_are_notified_in_the_app(app: TestApp) {
    let c = cast(&app).await;
    let id = file(&app, &c).await;
    let owner_notes = app.get("/api/v1/notifications", Some(&c.owner)).await;
    assert_eq!(owner_notes.body[0]["kind"], "new_dispute");
    assert_eq!(owner_notes.body[0]["dispute_id"], id.as_str());
    act(
        &app,
        &c.owner,
        &id,
        json!({"action": "message", "body": "您好，请提供小票照片。"}),
    )
    .await
    .expect(200);
    let consumer_notes = app
        .get("/api/v1/notifications?unread=true", Some(&c.consumer))
        .await;
    assert_eq!(consumer_notes.body[0]["kind"], "first_contact");
    let note = consumer_notes.body[0]["id"].as_str().unwrap().to_string();
    app.post(
        &format!("/api/v1/notifications/{note}/read"),
        Some(&c.consumer),
        &json!({}),
    )
    .await
    .expect(204);
    app.post(
        &format!("/api/v1/notifications/{note}/read"),
        Some(&c.owner),
        &json!({}),
    )
    .await
    .expect_problem(404, "notification_not_found");
    assert_eq!(
        app.get("/api/v1/notifications?unread=true", Some(&c.consumer))
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        0
    );
}

both_backends!(idempotency_keys_store_no_personal_data_and_refuse_another_body);

async fn idempotency_keys_store_no_personal_data_and_refuse_another_body(app: TestApp) {
    let c = cast(&app).await;
    let send = |body: Value| {
        app.client
            .post(format!("{}/api/v1/disputes", app.address))
            .bearer_auth(&c.consumer)
            .header("Idempotency-Key", "same-key")
            .json(&body)
            .send()
    };
    // A clock reading with nanoseconds, which PostgreSQL keeps to the microsecond: the answer,
    // its replay and the dispute's page say the same moments.
    app.clock
        .set("2026-11-27T02:00:00.123456789Z".parse().unwrap());
    let first = send(filing(&c.unit_id)).await.unwrap();
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    let replayed: Value = send(filing(&c.unit_id))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(replayed, first);
    let page = app
        .get(
            &format!("/api/v1/disputes/{}", first["id"].as_str().unwrap()),
            Some(&c.consumer),
        )
        .await;
    assert_eq!(page.body["filed_at"], first["filed_at"]);
    for deadline in ["first_contact", "settlement"] {
        assert_eq!(
            page.body["deadlines"][deadline]["due_at"],
            first["deadlines"][deadline]["due_at"]
        );
    }
    let mut other = filing(&c.unit_id);
    other["purchase_date"] = json!("2026-11-19");
    let reused = send(other).await.unwrap();
    assert_eq!(reused.status(), 422);
    let body: Value = reused.json().await.unwrap();
    assert_eq!(body["code"], "idempotency_key_reused");
    let stored: Vec<String> = app
        .with_conn(|conn| {
            use diesel::prelude::*;
            odr::store::schema::idempotency_keys::table
                .select(odr::store::schema::idempotency_keys::response_body)
                .load(conn)
                .unwrap()
        })
        .await;
    assert_eq!(stored.len(), 1);
    assert!(
        !stored[0].contains("13800000001") && !stored[0].contains("张"),
        "{}",
        stored[0]
    );
}

/// Several `serve` nodes on one PostgreSQL keep evidence in one S3-compatible bucket: a file
/// one node stored, the other serves, and neither keeps it on its own disk.
#[tokio::test]
async fn two_serve_nodes_show_each_others_evidence() {
    let first = crate::helpers::spawn_app(crate::helpers::Backend::Postgres).await;
    let second = first.second_node().await;
    let c = cast(&first).await;
    let id = file(&first, &c).await;
    let path = format!("/api/v1/disputes/{id}/evidence");
    let png = [b"\x89PNG\r\n\x1a\n".as_slice(), &[7u8; 96]].concat();
    let pdf = b"%PDF-1.4\n%invoice of the second node".to_vec();

    let from_first = first
        .upload(&path, &c.consumer, "receipt.png", png.clone())
        .await;
    from_first.expect(201);
    let from_second = second
        .upload(&path, &c.owner, "invoice.pdf", pdf.clone())
        .await;
    from_second.expect(201);
    let listed = from_second.body["evidence"].as_array().unwrap().clone();
    assert_eq!(listed.len(), 2, "each node sees both rows: {listed:?}");

    for (node, token, index, bytes) in [
        (&second, &c.owner, 0, &png),
        (&second, &c.regulator, 0, &png),
        (&first, &c.consumer, 1, &pdf),
        (&first, &c.regulator, 1, &pdf),
    ] {
        let download = listed[index]["download_path"].as_str().unwrap();
        let response = node
            .client
            .get(format!("{}{download}", node.address))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{download} from {}", node.address);
        assert_eq!(&response.bytes().await.unwrap().to_vec(), bytes);
    }
    for node in [&first, &second] {
        let folder = &node.state.settings.disputes.evidence_dir;
        assert!(
            !folder.exists() || std::fs::read_dir(folder).unwrap().next().is_none(),
            "nothing under {}",
            folder.display()
        );
    }
}

#[tokio::test]
async fn evidence_counts_are_limited_and_only_parties_upload() {
    for backend in [
        crate::helpers::Backend::Sqlite,
        crate::helpers::Backend::Postgres,
    ] {
        let app =
            crate::helpers::spawn_app_with(backend, |s| s.disputes.max_evidence_files = 2).await;
        let c = cast(&app).await;
        let id = file(&app, &c).await;
        let path = format!("/api/v1/disputes/{id}/evidence");
        let pdf = b"%PDF-1.4\n%evidence".to_vec();
        app.upload(&path, &c.regulator, "note.pdf", pdf.clone())
            .await
            .expect_problem(403, "forbidden");
        let stranger = app.demo_token("owner.hubin@odr.demo").await;
        app.upload(&path, &stranger, "note.pdf", pdf.clone())
            .await
            .expect_problem(404, "dispute_not_found");
        app.upload(&path, &c.consumer, "one.pdf", pdf.clone())
            .await
            .expect(201);
        app.upload(&path, &c.owner, "two.pdf", pdf.clone())
            .await
            .expect(201);
        app.upload(&path, &c.consumer, "three.pdf", pdf.clone())
            .await
            .expect_problem(409, "too_many_evidence_files");
        let view = app
            .get(&format!("/api/v1/disputes/{id}"), Some(&c.consumer))
            .await;
        assert_eq!(
            view.body["evidence"].as_array().unwrap().len(),
            2,
            "{backend:?}"
        );
        let due_soon = app
            .get(
                "/api/v1/disputes?due_before=2026-12-12T00:00:00Z",
                Some(&c.owner),
            )
            .await;
        assert_eq!(due_soon.body["items"].as_array().unwrap().len(), 1);
        let due_later = app
            .get(
                "/api/v1/disputes?due_before=2026-12-01T00:00:00Z",
                Some(&c.owner),
            )
            .await;
        assert!(due_later.body["items"].as_array().unwrap().is_empty());
    }
}

/// The viewer's `available_actions` on dispute `id`.
async fn available(app: &TestApp, token: &str, id: &str) -> Vec<String> {
    let view = app
        .get(&format!("/api/v1/disputes/{id}"), Some(token))
        .await;
    view.expect(200);
    view.body["available_actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect()
}

both_backends!(each_viewer_is_told_what_they_may_do_next);

async fn each_viewer_is_told_what_they_may_do_next(app: TestApp) {
    let c = cast(&app).await;
    let id = file(&app, &c).await;
    // Filed: the business answers; the consumer may not ask for escalation yet.
    assert_eq!(
        available(&app, &c.owner, &id).await,
        [
            "first_contact",
            "message",
            "make_offer",
            "decline",
            "propose_extension",
            "propose_pause"
        ]
    );
    assert_eq!(
        available(&app, &c.consumer, &id).await,
        ["message", "withdraw", "propose_extension", "propose_pause"]
    );
    assert_eq!(available(&app, &c.regulator, &id).await, ["reject"]);
    // An open offer: its author may withdraw it, the other party answer it.
    act(&app, &c.owner, &id, offer(77_600)).await.expect(200);
    let owner = available(&app, &c.owner, &id).await;
    assert!(owner.contains(&"withdraw_offer".to_string()), "{owner:?}");
    assert!(!owner.contains(&"accept_offer".to_string()), "{owner:?}");
    let consumer = available(&app, &c.consumer, &id).await;
    for action in ["accept_offer", "reject_offer", "request_escalation"] {
        assert!(
            consumer.contains(&action.to_string()),
            "{action} in {consumer:?}"
        );
    }
    assert!(
        !consumer.contains(&"withdraw_offer".to_string()),
        "{consumer:?}"
    );
    // Every action offered is one the platform then accepts.
    let view = app
        .get(&format!("/api/v1/disputes/{id}"), Some(&c.consumer))
        .await;
    let offer_id = open_offer_id(&view.body, "business");
    act(
        &app,
        &c.consumer,
        &id,
        json!({"action": "accept_offer", "offer_id": offer_id}),
    )
    .await
    .expect(200);
    assert_eq!(
        available(&app, &c.owner, &id).await,
        ["message", "mark_fulfilled"]
    );
    assert_eq!(
        available(&app, &c.consumer, &id).await,
        ["message", "confirm_fulfilment", "report_non_fulfilment"]
    );
    act(
        &app,
        &c.consumer,
        &id,
        json!({"action": "confirm_fulfilment"}),
    )
    .await
    .expect(200);
    assert_eq!(available(&app, &c.consumer, &id).await, ["rate"]);
    assert!(available(&app, &c.owner, &id).await.is_empty());
    assert!(available(&app, &c.regulator, &id).await.is_empty());
}

both_backends!(an_overseer_narrows_the_list_by_region_industry_and_business);

/// Issue 16 items 3 and 7: a city's regulator narrows the region's list to districts, an
/// industry or one business, in the API, the export and the portal; the scope still holds.
async fn an_overseer_narrows_the_list_by_region_industry_and_business(app: TestApp) {
    use crate::portal::Visitor;
    crate::metrics::fixture(&app).await;
    let city = app.demo_token("reg.hangzhou@odr.demo").await;
    let names = |path: String, token: String| {
        let app = &app;
        async move {
            let reply = app.get(&path, Some(&token)).await;
            reply.expect(200);
            let mut names: Vec<String> = (reply.body["items"].as_array().unwrap().iter())
                .map(|d| d["business_name"].as_str().unwrap().to_string())
                .collect();
            names.sort();
            names
        }
    };
    let list = |filter: &str| {
        names(
            format!("/api/v1/disputes?status=all&limit=200&{filter}"),
            city.clone(),
        )
    };
    let (xixi, hefang) = ("杭州西溪人家餐饮有限公司", "杭州河坊老味道餐饮有限公司");
    let everything = list("").await;
    let xihu = list("region=330106").await;
    let shangcheng = list("region=330102").await;
    assert!(xihu.iter().filter(|n| *n == xixi).count() >= 3, "{xihu:?}");
    assert!(!xihu.iter().any(|n| n == hefang));
    assert!(shangcheng.iter().any(|n| n == hefang) && !shangcheng.iter().any(|n| n == xixi));
    // Several regions add up; the city stands for its districts.
    let both = list("region=330106,330102").await;
    assert_eq!(both.len(), xihu.len() + shangcheng.len());
    assert_eq!(list("region=330100").await, everything);
    // So does the province; a district with its city, or another city, adds nothing the
    // regulator's scope does not hold.
    assert_eq!(list("region=330000").await, everything);
    assert_eq!(list("region=330106,330100").await, everything);
    assert_eq!(list("region=330106,330200").await, xihu);
    // An industry, and one business.
    assert!(
        !list("industry=retail")
            .await
            .iter()
            .any(|n| n == xixi || n == hefang)
    );
    assert!(list("industry=catering").await.iter().any(|n| n == xixi));
    let listed = app
        .get("/api/v1/disputes?status=all&limit=200", Some(&city))
        .await;
    let business_id = (listed.body["items"].as_array().unwrap().iter())
        .find(|d| d["business_name"] == xixi)
        .map(|d| d["business_id"].as_str().unwrap().to_string())
        .unwrap();
    let one = list(&format!("business={business_id}")).await;
    assert!(!one.is_empty() && one.iter().all(|n| n == xixi), "{one:?}");
    // Unknown values are named.
    for (filter, field, code) in [
        ("region=999999", "region", "unknown_region"),
        ("industry=spaceships", "industry", "unknown_industry"),
        ("business=a%20b", "business", "invalid_id"),
    ] {
        let refused = app
            .get(&format!("/api/v1/disputes?{filter}"), Some(&city))
            .await;
        refused.expect_problem(422, "validation_failed");
        assert_eq!(refused.failing_fields(), [field]);
        assert_eq!(refused.body["errors"][0]["code"], code);
    }
    // A district's regulator asking for another district gets none of its disputes.
    let xihu_regulator = app.demo_token("reg.xihu@odr.demo").await;
    let elsewhere = names(
        "/api/v1/disputes?status=all&region=330102".into(),
        xihu_regulator,
    )
    .await;
    assert!(elsewhere.is_empty(), "{elsewhere:?}");
    // The export keeps the filter.
    let (_, bytes) =
        crate::reports::download(&app, "/api/v1/disputes/export?region=330102", &city).await;
    let rows = crate::reports::csv_rows(&bytes);
    assert!(
        rows.len() > 1 && rows[1..].iter().all(|r| r[2] == hefang),
        "{rows:?}"
    );

    // In the portal: districts and industries to choose, and each business's name narrows the
    // list to it.
    let regulator = Visitor::log_in(&app, "reg.hangzhou@odr.demo").await;
    let page = regulator.get("/inbox?status=all").await;
    assert_eq!(page.status, 200);
    assert!(
        page.html
            .contains("<option value=\"330106\">西湖区</option>")
    );
    assert!(page.html.contains("<option value=\"catering\">"));
    let link = format!("?business={business_id}&#38;status=all");
    assert!(
        page.html.contains(&link),
        "a business's name links to its disputes"
    );
    let narrowed = regulator
        .get(&format!("/inbox?business={business_id}&status=all"))
        .await;
    assert!(narrowed.html.contains(xixi) && !narrowed.html.contains(hefang));
    assert!(narrowed.html.contains("全部经营者"));
    let district = regulator.get("/inbox?status=all&region=330102").await;
    assert!(district.html.contains(hefang) && !district.html.contains(xixi));
    // Narrowed to a business none of whose disputes is shown, the page still names it.
    let hefang_id = (listed.body["items"].as_array().unwrap().iter())
        .find(|d| d["business_name"] == hefang)
        .map(|d| d["business_id"].as_str().unwrap().to_string())
        .unwrap();
    let none = regulator
        .get(&format!(
            "/inbox?status=all&region=330106&business={hefang_id}"
        ))
        .await;
    assert!(
        none.html.contains(&format!("经营者 · {hefang}")),
        "{}",
        none.html
    );
}
