//! Mediation (docs/mediation.md): mediators enrolled by a region's regulators, referrals from
//! the 12315 queue and at both parties' request, the mediator's messages, sessions and
//! outcome, the agreement carried out and confirmed, and the figures.

use chrono::Duration;
use serde_json::{Value, json};

use crate::both_backends;
use crate::documents::download;
use crate::escalations::escalated;
use crate::helpers::TestApp;
use crate::portal::Visitor;

both_backends!(
    a_case_goes_from_the_queue_to_a_mediated_agreement_carried_out_and_confirmed,
    both_parties_ask_and_a_failed_mediation_goes_back_to_the_queue,
    only_the_mediator_and_the_cases_people_see_a_mediation,
    regulators_enrol_mediators_of_their_own_region,
    two_regulators_referring_at_once_leave_one_mediation,
    a_regulator_withdraws_a_referral_and_refers_the_case_again
);

async fn user_id(app: &TestApp, token: &str) -> String {
    let me = app.get("/api/v1/me", Some(token)).await;
    me.expect(200);
    me.body["id"].as_str().unwrap().to_string()
}

/// The escalation state of dispute `id` as its regulator `token` reads it.
async fn escalation_state(app: &TestApp, token: &str, id: &str) -> String {
    let d = app
        .get(&format!("/api/v1/disputes/{id}"), Some(token))
        .await;
    d.expect(200);
    d.body["escalation"]["state"].as_str().unwrap().to_string()
}

/// The latest in-app notice of `token`'s account.
async fn latest_notice(app: &TestApp, token: &str) -> String {
    let list = app.get("/api/v1/notifications", Some(token)).await;
    list.expect(200);
    list.body[0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Refers dispute `id` to the demo mediator as Xihu's regulator; the mediation.
async fn refer(app: &TestApp, id: &str) -> Value {
    let xihu = app.demo_token("reg.xihu@odr.demo").await;
    let mediator = app.demo_token("mediator.xihu@odr.demo").await;
    let mediator_id = user_id(app, &mediator).await;
    let reply = app
        .post(
            &format!("/api/v1/disputes/{id}/mediations"),
            Some(&xihu),
            &json!({"mediator_id": mediator_id, "note": "消费者情绪激动，请尽快安排。"}),
        )
        .await;
    reply.expect(201);
    reply.body.clone()
}

async fn a_case_goes_from_the_queue_to_a_mediated_agreement_carried_out_and_confirmed(
    app: TestApp,
) {
    let id = escalated(&app).await;
    app.run_due_jobs().await;
    let xihu = app.demo_token("reg.xihu@odr.demo").await;
    let consumer = app.demo_token("consumer@odr.demo").await;
    let owner = app.demo_token("owner.xixi@odr.demo").await;
    let mediator = app.demo_token("mediator.xihu@odr.demo").await;
    assert_eq!(escalation_state(&app, &xihu, &id).await, "delivered");
    let early = format!("/api/v1/disputes/{id}/documents/mediation_agreement");
    assert_eq!(download(&app, Some(&consumer), &early).await.status, 409);

    // The regulator sees who may take it, and refers it.
    let offered = app
        .get(&format!("/api/v1/disputes/{id}/mediation"), Some(&xihu))
        .await;
    offered.expect(200);
    assert_eq!(offered.body["may_refer"], true);
    let names: Vec<&str> = (offered.body["mediators"].as_array().unwrap().iter())
        .map(|m| m["organisation"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["西湖区消费纠纷人民调解委员会"]);
    let m = refer(&app, &id).await;
    let mid = m["id"].as_str().unwrap().to_string();
    assert_eq!(m["state"], "referred");
    assert_eq!(m["origin"], "queue");
    assert_eq!(m["organisation"], "西湖区消费纠纷人民调解委员会");
    assert_eq!(escalation_state(&app, &xihu, &id).await, "mediating");
    // Due when the bureau's mediation limit ends: 45 working days from the acceptance the
    // referral recorded (Friday 2026-11-27), into 2027 (provisional: Monday to Friday).
    let d = app
        .get(&format!("/api/v1/disputes/{id}"), Some(&xihu))
        .await;
    let limit = (d.body["escalation"]["bureau_deadlines"]
        .as_array()
        .unwrap()
        .iter())
    .find(|l| l["deadline"] == "mediation")
    .unwrap();
    assert_eq!(limit["started_at"], "2026-11-27T02:00:00Z");
    assert_eq!(limit["due"]["working_days"], 45);
    assert_eq!(m["due_at"], limit["due"]["due_at"]);
    assert_eq!(m["due_at"], "2027-01-29T15:59:59Z");
    assert!(latest_notice(&app, &mediator).await.contains("转交您调解"));
    assert!(latest_notice(&app, &consumer).await.contains("孙静"));
    let again = app
        .post(
            &format!("/api/v1/disputes/{id}/mediations"),
            Some(&xihu),
            &json!({"mediator_id": m["mediator_id"]}),
        )
        .await;
    again.expect_problem(409, "mediation_running");

    // The mediator's list and case file: the consumer's phone masked.
    let mine = app.get("/api/v1/mediations", Some(&mediator)).await;
    mine.expect(200);
    assert_eq!(mine.body.as_array().unwrap().len(), 1);
    assert_eq!(mine.body[0]["note"], "消费者情绪激动，请尽快安排。");
    let page = app
        .get(&format!("/api/v1/mediations/{mid}"), Some(&mediator))
        .await;
    page.expect(200);
    assert_eq!(page.body["may_mediate"], true);
    assert_eq!(page.body["case_file"]["your_role"], "mediator");
    assert_eq!(page.body["case_file"]["consumer"]["phone"], "138****0001");
    assert_eq!(page.body["case_file"]["consumer"]["email"], Value::Null);
    // The evidence of the case file opens for the mediator too.
    let evidence = page.body["case_file"]["evidence"][0]["id"]
        .as_str()
        .unwrap();
    let file = app
        .get(
            &format!("/api/v1/disputes/{id}/evidence/{evidence}"),
            Some(&mediator),
        )
        .await;
    assert_eq!(file.status.as_u16(), 200);
    // The consumer does not read the regulator's note to the mediator.
    let theirs = app
        .get(&format!("/api/v1/mediations/{mid}"), Some(&consumer))
        .await;
    theirs.expect(200);
    assert_eq!(theirs.body["mediation"]["note"], Value::Null);
    assert_eq!(theirs.body["may_mediate"], false);

    // A message to both parties, on the timeline and in their notices.
    app.post(
        &format!("/api/v1/mediations/{mid}/messages"),
        Some(&mediator),
        &json!({"message": "请双方准备好购物凭证，下周调解。"}),
    )
    .await
    .expect(204);
    assert!(
        latest_notice(&app, &owner)
            .await
            .contains("请双方准备好购物凭证")
    );
    assert!(
        latest_notice(&app, &consumer)
            .await
            .contains("请双方准备好购物凭证")
    );

    // A session on Tuesday 2026-12-01 at 14:30 at the service station.
    let starts_at = "2026-12-01T06:30:00Z";
    let session = app
        .post(
            &format!("/api/v1/mediations/{mid}/sessions"),
            Some(&mediator),
            &json!({"mode": "in_person", "place": "西湖区消费者权益保护服务站（文三路 100 号）", "starts_at": starts_at}),
        )
        .await;
    session.expect(201);
    assert_eq!(session.body["seq"], 1);
    assert!(
        latest_notice(&app, &consumer)
            .await
            .contains("2026-12-01 14:30")
    );
    let past = app
        .post(
            &format!("/api/v1/mediations/{mid}/sessions"),
            Some(&mediator),
            &json!({"mode": "online", "place": "腾讯会议 123", "starts_at": "2026-11-01T06:30:00Z"}),
        )
        .await;
    past.expect_problem(422, "validation_failed");
    assert_eq!(past.failing_fields(), ["starts_at"]);
    let early = app
        .post(
            &format!("/api/v1/mediations/{mid}/sessions/1/record"),
            Some(&mediator),
            &json!({"outcome": "held", "record": "双方到场"}),
        )
        .await;
    early.expect_problem(409, "session_not_started");

    // Monday: the reminder of tomorrow's session goes to both parties and the mediator, once.
    app.advance(Duration::days(3));
    app.sweep().await;
    // Access tokens are short-lived: log in again after the days passed.
    let consumer = app.demo_token("consumer@odr.demo").await;
    let mediator = app.demo_token("mediator.xihu@odr.demo").await;
    assert!(
        latest_notice(&app, &consumer)
            .await
            .contains("调解会议将于 2026-12-01 14:30")
    );
    assert!(
        latest_notice(&app, &mediator)
            .await
            .contains("调解会议将于 2026-12-01 14:30")
    );
    let count = |body: &Value| body.as_array().unwrap().len();
    let before = count(&app.get("/api/v1/notifications", Some(&consumer)).await.body);
    app.sweep().await;
    let after = count(&app.get("/api/v1/notifications", Some(&consumer)).await.body);
    assert_eq!(before, after);

    // After the session: recorded, then the agreement.
    app.advance(Duration::days(1) + Duration::hours(6));
    let consumer = app.demo_token("consumer@odr.demo").await;
    let owner = app.demo_token("owner.xixi@odr.demo").await;
    let mediator = app.demo_token("mediator.xihu@odr.demo").await;
    let xihu = app.demo_token("reg.xihu@odr.demo").await;
    let recorded = app
        .post(
            &format!("/api/v1/mediations/{mid}/sessions/1/record"),
            Some(&mediator),
            &json!({"outcome": "held", "record": "双方到场，经调解同意赔偿 2,000 元。"}),
        )
        .await;
    recorded.expect(200);
    assert_eq!(recorded.body["outcome"], "held");
    let agreed = app
        .post(
            &format!("/api/v1/mediations/{mid}/outcome"),
            Some(&mediator),
            &json!({"outcome": "agreed", "agreement": {
                "remedy": "compensation", "amount_fen": 200_000,
                "terms": "经营者于 2026 年 12 月 8 日前向消费者赔偿人民币 2,000 元，双方就本纠纷再无其他争议。",
                "fulfil_by": "2026-12-08"}}),
        )
        .await;
    agreed.expect(200);
    assert_eq!(agreed.body["state"], "agreed");
    assert_eq!(agreed.body["agreement"]["fulfil_by"], "2026-12-08");
    assert_eq!(escalation_state(&app, &xihu, &id).await, "mediated");

    // The mediation agreement to print and sign: the parties' copy and the mediator's (the
    // consumer's phone masked), read back as text; nobody else's.
    let path = format!("/api/v1/disputes/{id}/documents/mediation_agreement");
    let printed = download(&app, Some(&mediator), &path).await;
    let text = printed.text();
    for expected in [
        "调解协议书",
        "孙静",
        "西湖区消费纠纷人民调解委员会",
        "¥2,000.00（人民币贰仟元整）",
        "2026年12月8日",
        "138****0001",
        "调解员（签字）：",
    ] {
        assert!(text.contains(expected), "{expected} in {text}");
    }
    let theirs = download(&app, Some(&consumer), &path).await;
    assert!(theirs.text().contains("13800000001"));
    let business = download(&app, Some(&owner), &path).await;
    assert_eq!(business.bytes, theirs.bytes);
    let verified = app
        .get(&format!("/api/v1/documents/{}", printed.code), None)
        .await;
    verified.expect(200);
    assert_eq!(verified.body["kind"], "mediation_agreement");
    // The dispute's page lists it among the documents to print.
    let shop = Visitor::log_in(&app, "owner.xixi@odr.demo").await;
    let dispute_page = shop.get(&format!("/disputes/{id}")).await;
    assert!(
        dispute_page
            .html
            .contains(&format!("/disputes/{id}/documents/mediation_agreement"))
    );
    let binjiang_token = app.demo_token("reg.binjiang@odr.demo").await;
    assert_eq!(
        download(&app, Some(&binjiang_token), &path).await.status,
        404
    );
    // The mediator prints no other document of the case.
    let notice = format!("/api/v1/disputes/{id}/documents/escalation_notice");
    assert_eq!(download(&app, Some(&mediator), &notice).await.status, 404);

    let closed = app
        .post(
            &format!("/api/v1/mediations/{mid}/messages"),
            Some(&mediator),
            &json!({"message": "再说一句"}),
        )
        .await;
    closed.expect_problem(409, "mediation_closed");

    // Carried out by the business, confirmed by the consumer, in that order.
    let fulfil = format!("/api/v1/mediations/{mid}/fulfilment");
    app.post(&fulfil, Some(&consumer), &json!({}))
        .await
        .expect_problem(409, "fulfilment_step_refused");
    app.post(&fulfil, Some(&mediator), &json!({}))
        .await
        .expect_problem(403, "forbidden");
    let marked = app.post(&fulfil, Some(&owner), &json!({})).await;
    marked.expect(200);
    assert!(marked.body["agreement"]["fulfilled_at"].is_string());
    let confirmed = app.post(&fulfil, Some(&consumer), &json!({})).await;
    confirmed.expect(200);
    assert!(confirmed.body["agreement"]["confirmed_at"].is_string());
    app.post(&fulfil, Some(&consumer), &json!({}))
        .await
        .expect_problem(409, "fulfilment_step_refused");
    assert!(
        latest_notice(&app, &xihu)
            .await
            .contains("确认调解协议已履行")
    );

    // The timeline tells the story to the parties.
    let d = app
        .get(&format!("/api/v1/disputes/{id}"), Some(&consumer))
        .await;
    let kinds: Vec<&str> = (d.body["timeline"].as_array().unwrap().iter())
        .map(|t| t["kind"].as_str().unwrap())
        .collect();
    for kind in [
        "mediation_referred",
        "mediator_message",
        "session_scheduled",
        "session_recorded",
        "mediation_agreed",
        "mediation_fulfilled",
        "mediation_confirmed",
    ] {
        assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
    }

    // The figures: one referred, one agreed, in 2 working days (Friday to Tuesday).
    let figures = app
        .get(
            "/api/v1/mediation-figures?from=2026-11-01&to=2026-12-31",
            Some(&xihu),
        )
        .await;
    figures.expect(200);
    assert_eq!(figures.body["total"]["referred"], 1);
    assert_eq!(figures.body["total"]["agreed"], 1);
    assert_eq!(figures.body["total"]["failed"], 0);
    assert_eq!(figures.body["total"]["success_rate"], 1.0);
    assert_eq!(figures.body["total"]["mean_working_days"], 2.0);
    assert_eq!(
        figures.body["organisations"][0]["organisation"],
        "西湖区消费纠纷人民调解委员会"
    );
    let city = app.demo_token("reg.hangzhou@odr.demo").await;
    let at_city = app
        .get(
            "/api/v1/mediation-figures?region=330106&from=2026-11-01&to=2026-12-31",
            Some(&city),
        )
        .await;
    at_city.expect(200);
    assert_eq!(at_city.body["total"]["agreed"], 1);
    let binjiang = app.demo_token("reg.binjiang@odr.demo").await;
    app.get("/api/v1/mediation-figures?region=330106", Some(&binjiang))
        .await
        .expect_problem(404, "scope_not_found");
    let far = app
        .get(
            "/api/v1/mediation-figures?from=1800-01-01&to=%2B262142-12-31",
            Some(&xihu),
        )
        .await;
    far.expect_problem(422, "validation_failed");
    assert_eq!(far.failing_fields(), ["from", "to"]);
}

async fn both_parties_ask_and_a_failed_mediation_goes_back_to_the_queue(app: TestApp) {
    app.seed_demo().await;
    let filed = app
        .file_demo_dispute(
            "owner.xixi@odr.demo",
            "婚宴菜品与约定不符，要求退还部分费用。",
        )
        .await;
    let id = filed["id"].as_str().unwrap().to_string();
    let consumer = app.demo_token("consumer@odr.demo").await;
    let owner = app.demo_token("owner.xixi@odr.demo").await;
    let xihu = app.demo_token("reg.xihu@odr.demo").await;
    let mediator = app.demo_token("mediator.xihu@odr.demo").await;
    let mediator_id = user_id(&app, &mediator).await;
    let requests = format!("/api/v1/disputes/{id}/mediation-requests");
    let referral = format!("/api/v1/disputes/{id}/mediations");
    let named = json!({"mediator_id": mediator_id});

    // One party's request is not enough; a regulator does not ask.
    let asked = app.post(&requests, Some(&consumer), &json!({})).await;
    asked.expect(200);
    assert_eq!(asked.body.as_array().unwrap().len(), 1);
    app.post(&requests, Some(&xihu), &json!({}))
        .await
        .expect_problem(403, "forbidden");
    app.post(&referral, Some(&xihu), &named)
        .await
        .expect_problem(409, "mediation_not_available");
    // Taken back and asked again; asking twice is one request.
    app.delete(&requests, Some(&consumer)).await.expect(200);
    app.post(&requests, Some(&consumer), &json!({}))
        .await
        .expect(200);
    app.post(&requests, Some(&consumer), &json!({}))
        .await
        .expect(200);
    let both = app.post(&requests, Some(&owner), &json!({})).await;
    both.expect(200);
    assert_eq!(both.body.as_array().unwrap().len(), 2);
    assert!(latest_notice(&app, &xihu).await.contains("共同申请调解"));

    // The referral escalates the dispute into the region's queue, already in mediation.
    let m = refer(&app, &id).await;
    assert_eq!(m["origin"], "joint_request");
    let d = app
        .get(&format!("/api/v1/disputes/{id}"), Some(&xihu))
        .await;
    assert_eq!(d.body["status"], "escalated");
    assert_eq!(d.body["escalation"]["reason"], "joint_mediation_request");
    assert_eq!(d.body["escalation"]["state"], "mediating");
    let queue = app.get("/api/v1/escalations", Some(&xihu)).await;
    queue.expect(200);
    // The parties' requests are spent.
    let after = app
        .get(&format!("/api/v1/disputes/{id}/mediation"), Some(&consumer))
        .await;
    assert_eq!(after.body["requests"], json!([]));
    assert_eq!(after.body["may_request"], false);
    assert_eq!(after.body["mediations"][0]["state"], "referred");

    // No agreement: back in the queue, the regulators told why.
    let mid = m["id"].as_str().unwrap();
    let outcome = format!("/api/v1/mediations/{mid}/outcome");
    app.post(&outcome, Some(&mediator), &json!({"outcome": "failed"}))
        .await
        .expect_problem(422, "validation_failed");
    let failed = app
        .post(
            &outcome,
            Some(&mediator),
            &json!({"outcome": "failed", "reason": "双方对退款金额分歧过大，经营者只同意退 10%。"}),
        )
        .await;
    failed.expect(200);
    assert_eq!(failed.body["state"], "failed");
    assert_eq!(escalation_state(&app, &xihu, &id).await, "mediation_failed");
    assert!(latest_notice(&app, &xihu).await.contains("分歧过大"));
    let d = app
        .get(&format!("/api/v1/disputes/{id}"), Some(&xihu))
        .await;
    let next: Vec<&str> = (d.body["escalation"]["next_steps"]
        .as_array()
        .unwrap()
        .iter())
    .map(|s| s.as_str().unwrap())
    .collect();
    assert_eq!(next, ["case_filed", "closed"]);
    // A failed mediation is not referred again; the mediator keeps reading their own case.
    app.post(&referral, Some(&xihu), &named)
        .await
        .expect_problem(409, "mediation_not_available");
    app.get(&format!("/api/v1/mediations/{mid}"), Some(&mediator))
        .await
        .expect(200);
    let figures = app
        .get(
            "/api/v1/mediation-figures?from=2026-11-01&to=2026-11-30",
            Some(&xihu),
        )
        .await;
    assert_eq!(figures.body["total"]["failed"], 1);
    assert_eq!(figures.body["total"]["success_rate"], 0.0);
}

async fn only_the_mediator_and_the_cases_people_see_a_mediation(app: TestApp) {
    let id = escalated(&app).await;
    app.run_due_jobs().await;
    let xihu = app.demo_token("reg.xihu@odr.demo").await;
    // Another mediator, of Binjiang, enrolled by Binjiang's bureau.
    let binjiang = app.demo_token("reg.binjiang@odr.demo").await;
    app.post(
        "/api/v1/mediators",
        Some(&binjiang),
        &json!({"display_name": "钱律师", "email": "lawyer.binjiang@odr.test",
                "kind": "volunteer_lawyer", "organisation": "滨江区志愿律师团", "region_code": "330108"}),
    )
    .await
    .expect(201);
    app.run_pending_jobs().await;
    let invitation = app
        .sent_emails()
        .into_iter()
        .find(|e| e.to == "lawyer.binjiang@odr.test")
        .expect("invited");
    let token = crate::helpers::invitation_token(&invitation);
    app.post(
        "/api/v1/auth/invitations/accept",
        None,
        &json!({"token": token, "password": "Qian-lawyer-2026!"}),
    )
    .await
    .expect(204);
    let other = app
        .token("lawyer.binjiang@odr.test", "Qian-lawyer-2026!")
        .await;
    let other_id = user_id(&app, &other).await;
    // Not of the dispute's region: refused as its mediator.
    app.post(
        &format!("/api/v1/disputes/{id}/mediations"),
        Some(&xihu),
        &json!({"mediator_id": other_id}),
    )
    .await
    .expect_problem(422, "validation_failed");

    let m = refer(&app, &id).await;
    let mid = m["id"].as_str().unwrap().to_string();
    let consumer = app.demo_token("consumer@odr.demo").await;
    let owner = app.demo_token("owner.xixi@odr.demo").await;
    let handler = app.demo_handler_token().await;
    let city = app.demo_token("reg.hangzhou@odr.demo").await;
    let admin = app.demo_token("admin@odr.demo").await;
    let association = app.demo_token("assoc.catering@odr.demo").await;
    let mediator = app.demo_token("mediator.xihu@odr.demo").await;
    let tomorrow = "2026-11-28T02:00:00Z";

    // Every endpoint of a mediation, for every role: (token, read, mediate).
    let strangers = [&other, &binjiang, &admin, &association];
    for token in strangers {
        app.get(&format!("/api/v1/mediations/{mid}"), Some(token))
            .await
            .expect_problem(404, "mediation_not_found");
        app.get(&format!("/api/v1/disputes/{id}/mediation"), Some(token))
            .await
            .expect_problem(404, "dispute_not_found");
    }
    for token in [&consumer, &owner, &handler, &city, &xihu] {
        app.get(&format!("/api/v1/mediations/{mid}"), Some(token))
            .await
            .expect(200);
    }
    let acts = [
        (
            format!("/api/v1/mediations/{mid}/messages"),
            json!({"message": "请准备材料"}),
        ),
        (
            format!("/api/v1/mediations/{mid}/sessions"),
            json!({"mode": "online", "place": "腾讯会议 123-456", "starts_at": tomorrow}),
        ),
        (
            format!("/api/v1/mediations/{mid}/sessions/1/record"),
            json!({"outcome": "held", "record": "双方到场"}),
        ),
        (
            format!("/api/v1/mediations/{mid}/outcome"),
            json!({"outcome": "failed", "reason": "分歧过大"}),
        ),
    ];
    for (path, body) in &acts {
        for token in strangers {
            app.post(path, Some(token), body)
                .await
                .expect_problem(404, "mediation_not_found");
        }
        for token in [&consumer, &owner, &handler, &city, &xihu] {
            app.post(path, Some(token), body)
                .await
                .expect_problem(403, "forbidden");
        }
        assert_eq!(app.post(path, None, body).await.status.as_u16(), 401);
    }
    let fulfil = format!("/api/v1/mediations/{mid}/fulfilment");
    for token in strangers {
        app.post(&fulfil, Some(token), &json!({}))
            .await
            .expect_problem(404, "mediation_not_found");
    }
    for token in [&mediator, &xihu, &city] {
        app.post(&fulfil, Some(token), &json!({}))
            .await
            .expect_problem(403, "forbidden");
    }
    // Lists: a mediator's own; a regulator's region's; nobody else's.
    assert_eq!(
        app.get("/api/v1/mediations", Some(&other)).await.body,
        json!([])
    );
    assert_eq!(
        app.get("/api/v1/mediations", Some(&binjiang)).await.body,
        json!([])
    );
    let regional = app.get("/api/v1/mediations", Some(&city)).await;
    assert_eq!(regional.body.as_array().unwrap().len(), 1);
    for token in [&consumer, &owner, &admin, &association] {
        app.get("/api/v1/mediations", Some(token))
            .await
            .expect_problem(403, "forbidden");
        app.get("/api/v1/mediators", Some(token))
            .await
            .expect_problem(403, "forbidden");
        app.get("/api/v1/mediation-figures", Some(token))
            .await
            .expect_problem(403, "forbidden");
    }
    // A mediator reads no dispute, unit or figure of the platform beyond their mediations.
    app.get(&format!("/api/v1/disputes/{id}"), Some(&mediator))
        .await
        .expect_problem(404, "dispute_not_found");
    app.get("/api/v1/disputes", Some(&mediator))
        .await
        .expect_problem(403, "forbidden");
    app.get("/api/v1/escalations", Some(&mediator))
        .await
        .expect_problem(403, "forbidden");
    app.get("/api/v1/metrics?period=month", Some(&mediator))
        .await
        .expect_problem(403, "forbidden");
    app.get("/api/v1/mediations?state=settled", Some(&mediator))
        .await
        .expect_problem(422, "validation_failed");
    // A mediator enrols no one and reads no figure; they ask for no mediation.
    for path in ["/api/v1/mediators", "/api/v1/mediation-figures"] {
        app.get(path, Some(&mediator))
            .await
            .expect_problem(403, "forbidden");
    }
    let enrolment = json!({"display_name": "某人", "email": "x@odr.test", "kind": "people_mediator",
                           "organisation": "某委员会", "region_code": "330106"});
    for token in [&mediator, &consumer, &owner] {
        app.post("/api/v1/mediators", Some(token), &enrolment)
            .await
            .expect_problem(403, "forbidden");
    }
    let requests = format!("/api/v1/disputes/{id}/mediation-requests");
    for token in [&mediator, &other, &binjiang] {
        app.post(&requests, Some(token), &json!({}))
            .await
            .expect_problem(404, "dispute_not_found");
        app.delete(&requests, Some(token))
            .await
            .expect_problem(404, "dispute_not_found");
    }
    app.post(&requests, Some(&xihu), &json!({}))
        .await
        .expect_problem(403, "forbidden");
    // Parties and others may not refer; the referral stays with the region's regulators.
    let named = json!({"mediator_id": m["mediator_id"]});
    for (token, status) in [
        (&consumer, 403),
        (&owner, 403),
        (&binjiang, 404),
        (&mediator, 404),
    ] {
        assert_eq!(
            app.post(
                &format!("/api/v1/disputes/{id}/mediations"),
                Some(token),
                &named
            )
            .await
            .status
            .as_u16(),
            status
        );
    }

    // The portal: a dispute's link takes its mediator to the mediation's page; the pages of a
    // mediation are nobody else's.
    let page = Visitor::log_in(&app, "mediator.xihu@odr.demo").await;
    let went = page.get(&format!("/disputes/{id}")).await;
    assert_eq!(went.status, 303);
    assert_eq!(went.location(), format!("/mediations/{mid}"));
    assert_eq!(page.get(&format!("/mediations/{mid}")).await.status, 200);
    assert_eq!(page.get("/mediators").await.status, 403);
    assert_eq!(page.get("/dashboard").await.status, 403);
    let stranger =
        Visitor::log_in_with(&app, "lawyer.binjiang@odr.test", "Qian-lawyer-2026!").await;
    assert_eq!(
        stranger.get(&format!("/mediations/{mid}")).await.status,
        404
    );
    assert_eq!(stranger.get(&format!("/disputes/{id}")).await.status, 404);
    let binjiang_page = Visitor::log_in(&app, "reg.binjiang@odr.demo").await;
    assert_eq!(
        binjiang_page
            .get(&format!("/mediations/{mid}"))
            .await
            .status,
        404
    );
    let regulator_page = Visitor::log_in(&app, "reg.xihu@odr.demo").await;
    let theirs = regulator_page.get(&format!("/mediations/{mid}")).await;
    assert_eq!(theirs.status, 200);
    assert!(
        theirs
            .html
            .contains(&format!("action=\"/mediations/{mid}/withdrawal\""))
    );
    assert!(
        !theirs
            .html
            .contains(&format!("action=\"/mediations/{mid}/message\""))
    );
    let mediators_page = regulator_page.get("/mediators").await;
    assert!(mediators_page.html.contains("孙静") && !mediators_page.html.contains("钱律师"));
    let shop = Visitor::log_in(&app, "owner.xixi@odr.demo").await;
    let theirs = shop.get(&format!("/mediations/{mid}")).await;
    assert_eq!(theirs.status, 200);
    assert!(
        !theirs.html.contains("消费者情绪激动"),
        "no regulator's note for the parties"
    );
    assert!(
        !theirs.html.contains("action=\"/mediations/"),
        "no mediator's form for the parties"
    );
}

async fn regulators_enrol_mediators_of_their_own_region(app: TestApp) {
    app.seed_demo().await;
    let xihu = app.demo_token("reg.xihu@odr.demo").await;
    let city = app.demo_token("reg.hangzhou@odr.demo").await;
    let consumer = app.demo_token("consumer@odr.demo").await;
    let admin = app.demo_token("admin@odr.demo").await;
    let body = |region: &str, email: &str| {
        json!({"display_name": "李调解", "email": email, "kind": "association_mediator",
               "organisation": "杭州市餐饮行业协会调解委员会", "region_code": region})
    };
    for token in [&consumer, &admin] {
        app.post(
            "/api/v1/mediators",
            Some(token),
            &body("330106", "a@odr.test"),
        )
        .await
        .expect_problem(403, "forbidden");
    }
    let outside = app
        .post(
            "/api/v1/mediators",
            Some(&xihu),
            &body("330100", "a@odr.test"),
        )
        .await;
    outside.expect_problem(422, "validation_failed");
    assert_eq!(outside.failing_fields(), ["region_code"]);
    let nameless = app
        .post(
            "/api/v1/mediators",
            Some(&xihu),
            &json!({"display_name": "李调解", "kind": "people_mediator", "organisation": "x",
                    "region_code": "330106"}),
        )
        .await;
    nameless.expect_problem(422, "validation_failed");
    assert_eq!(nameless.failing_fields(), ["email"]);
    let made = app
        .post(
            "/api/v1/mediators",
            Some(&city),
            &body("330100", "li@odr.test"),
        )
        .await;
    made.expect(201);
    assert_eq!(made.body["kind"], "association_mediator");
    app.post(
        "/api/v1/mediators",
        Some(&city),
        &body("330100", "li@odr.test"),
    )
    .await
    .expect_problem(409, "email_taken");
    // The city's mediator serves Xihu too; Xihu's does not serve the city's other districts.
    let seen: Vec<String> = (app.get("/api/v1/mediators", Some(&xihu)).await.body)
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["display_name"].as_str().unwrap().to_string())
        .collect();
    // By organisation: 杭州市… before 西湖区….
    assert_eq!(seen, ["李调解", "孙静"]);
    let binjiang = app.demo_token("reg.binjiang@odr.demo").await;
    let theirs: Vec<String> = (app.get("/api/v1/mediators", Some(&binjiang)).await.body)
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["display_name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(theirs, ["李调解"]);
    app.run_pending_jobs().await;
    let invitation = app
        .sent_emails()
        .into_iter()
        .find(|e| e.to == "li@odr.test")
        .expect("invited");
    assert!(invitation.text.contains("杭州市餐饮行业协会调解委员会"));
}

async fn two_regulators_referring_at_once_leave_one_mediation(app: TestApp) {
    let id = escalated(&app).await;
    app.run_due_jobs().await;
    let xihu = app.demo_token("reg.xihu@odr.demo").await;
    let city = app.demo_token("reg.hangzhou@odr.demo").await;
    let mediator = app.demo_token("mediator.xihu@odr.demo").await;
    let named = json!({"mediator_id": user_id(&app, &mediator).await});
    let path = format!("/api/v1/disputes/{id}/mediations");
    let (a, b) = tokio::join!(
        app.post(&path, Some(&xihu), &named),
        app.post(&path, Some(&city), &named)
    );
    let mut statuses = [a.status.as_u16(), b.status.as_u16()];
    statuses.sort();
    assert_eq!(statuses, [201, 409]);
    let loser = if a.status.as_u16() == 409 { &a } else { &b };
    loser.expect_problem(409, "mediation_running");
    let listed = app.get("/api/v1/mediations", Some(&mediator)).await;
    assert_eq!(listed.body.as_array().unwrap().len(), 1);
    assert_eq!(escalation_state(&app, &xihu, &id).await, "mediating");
}

async fn a_regulator_withdraws_a_referral_and_refers_the_case_again(app: TestApp) {
    let id = escalated(&app).await;
    app.run_due_jobs().await;
    let xihu = app.demo_token("reg.xihu@odr.demo").await;
    let mediator = app.demo_token("mediator.xihu@odr.demo").await;
    let consumer = app.demo_token("consumer@odr.demo").await;
    let m = refer(&app, &id).await;
    let mid = m["id"].as_str().unwrap().to_string();
    let escalation = m["escalation_id"].as_str().unwrap().to_string();

    // While the mediator mediates, its end is theirs to record.
    let step = app
        .post(
            &format!("/api/v1/escalations/{escalation}/updates"),
            Some(&xihu),
            &json!({"status": "mediation_failed", "note": "双方分歧大"}),
        )
        .await;
    step.expect_problem(409, "mediation_running");

    // The mediator falls ill: the regulator withdraws the referral, with the reason.
    let withdrawal = format!("/api/v1/mediations/{mid}/withdrawal");
    for token in [&mediator, &consumer] {
        app.post(&withdrawal, Some(token), &json!({"reason": "调解员生病"}))
            .await
            .expect_problem(403, "forbidden");
    }
    let withdrawn = app
        .post(
            &withdrawal,
            Some(&xihu),
            &json!({"reason": "调解员因病无法继续调解，另行安排。"}),
        )
        .await;
    withdrawn.expect(200);
    assert_eq!(withdrawn.body["state"], "withdrawn");
    assert!(latest_notice(&app, &mediator).await.contains("撤回"));
    assert!(latest_notice(&app, &consumer).await.contains("因病"));
    app.post(
        &format!("/api/v1/mediations/{mid}/messages"),
        Some(&mediator),
        &json!({"message": "还在吗"}),
    )
    .await
    .expect_problem(409, "mediation_closed");
    app.post(&withdrawal, Some(&xihu), &json!({"reason": "再撤一次"}))
        .await
        .expect_problem(409, "mediation_closed");
    assert_eq!(escalation_state(&app, &xihu, &id).await, "mediating");

    // Referred again, to the same committee; the withdrawn one counts in no figure.
    let again = refer(&app, &id).await;
    assert_eq!(again["state"], "referred");
    assert_ne!(again["id"], m["id"]);
    let figures = app
        .get(
            "/api/v1/mediation-figures?from=2026-11-01&to=2026-11-30",
            Some(&xihu),
        )
        .await;
    assert_eq!(figures.body["total"]["referred"], 2);
    assert_eq!(figures.body["total"]["concluded"], 0);
    let listed = app.get("/api/v1/mediations", Some(&mediator)).await;
    let states: Vec<&str> = (listed.body.as_array().unwrap().iter())
        .map(|m| m["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["referred", "withdrawn"]);
}
