//! Several people acting at once, as in an office: no server error, no lost or doubled write.

use odr::clock::Clock;
use serde_json::json;

use crate::both_backends;
use crate::helpers::{TestApp, service_claim};

/// Files a dispute for `purchase` at 西溪人家 and has the business answer and offer, returning
/// every status the server answered and the dispute.
async fn file_and_answer(
    app: &TestApp,
    consumer: &str,
    owner: &str,
    unit: &str,
    purchase: String,
) -> (Vec<u16>, Option<String>) {
    let filed = app
        .post(
            "/api/v1/disputes",
            Some(consumer),
            &service_claim(unit, "包间宴席", &purchase, 50_000),
        )
        .await;
    let mut statuses = vec![filed.status.as_u16()];
    if let Some(id) = filed.body["id"].as_str() {
        for body in [
            json!({"action": "first_contact", "message": "您好，已收到。"}),
            json!({"action": "make_offer", "remedy": "refund", "amount_fen": 20_000, "terms": "退部分款", "fulfilment_days": 5}),
        ] {
            let reply = app
                .post(
                    &format!("/api/v1/disputes/{id}/actions"),
                    Some(owner),
                    &body,
                )
                .await;
            statuses.push(reply.status.as_u16());
        }
    }
    (statuses, filed.body["id"].as_str().map(str::to_string))
}

both_backends!(
    sixteen_people_writing_at_once_meet_no_server_error,
    two_accepts_of_one_offer_at_once_make_one_agreement
);

async fn sixteen_people_writing_at_once_meet_no_server_error(app: TestApp) {
    app.seed_demo().await;
    let app = std::sync::Arc::new(app);
    let consumer = app.demo_token("consumer@odr.demo").await;
    let owner = app.demo_token("owner.xixi@odr.demo").await;
    let unit = app.unit_of(&owner).await;
    let mut writers = Vec::new();
    for writer in 0..16u32 {
        let (app, consumer, owner, unit) =
            (app.clone(), consumer.clone(), owner.clone(), unit.clone());
        writers.push(tokio::spawn(async move {
            let mut statuses = Vec::new();
            for round in 0..3u32 {
                let day = 1 + (writer * 3 + round) % 28;
                let month = 1 + (writer * 3 + round) / 28;
                statuses.extend(
                    file_and_answer(
                        &app,
                        &consumer,
                        &owner,
                        &unit,
                        format!("2026-{month:02}-{day:02}"),
                    )
                    .await
                    .0,
                );
            }
            statuses
        }));
    }
    let mut statuses = Vec::new();
    for writer in writers {
        statuses.extend(writer.await.unwrap());
    }
    assert_eq!(statuses.len(), 16 * 3 * 3);
    assert!(statuses.iter().all(|s| *s < 500), "{statuses:?}");
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        48,
        "every filing went through"
    );
    let inbox = app.get("/api/v1/disputes/counts", Some(&owner)).await;
    inbox.expect(200);
    assert_eq!(inbox.body["by_status"]["negotiating"], 48, "{}", inbox.body);
}

async fn two_accepts_of_one_offer_at_once_make_one_agreement(app: TestApp) {
    app.seed_demo().await;
    let consumer = app.demo_token("consumer@odr.demo").await;
    let owner = app.demo_token("owner.xixi@odr.demo").await;
    let unit = app.unit_of(&owner).await;
    for round in 0..5 {
        let (statuses, id) = file_and_answer(
            &app,
            &consumer,
            &owner,
            &unit,
            format!("2026-10-{:02}", round + 1),
        )
        .await;
        assert_eq!(statuses, [201, 200, 200]);
        let id = id.unwrap();
        let view = app
            .get(&format!("/api/v1/disputes/{id}"), Some(&consumer))
            .await
            .body;
        let offer = view["offers"][0]["id"].as_str().unwrap().to_string();
        let accept = json!({"action": "accept_offer", "offer_id": offer});
        let path = format!("/api/v1/disputes/{id}/actions");
        let (a, b) = tokio::join!(
            app.post(&path, Some(&consumer), &accept),
            app.post(&path, Some(&consumer), &accept)
        );
        let mut answered = [a.status.as_u16(), b.status.as_u16()];
        answered.sort();
        assert_eq!(
            answered,
            [200, 409],
            "one agreement, the other told it changed"
        );
    }
}

both_backends!(
    eight_filings_at_one_unit_at_once_make_each_alert_count_once,
    filings_at_two_units_at_once_all_count_in_their_region_and_industry,
    twenty_filings_of_one_purchase_at_once_make_one_dispute,
    one_idempotency_key_sent_twenty_times_at_once_answers_the_same_201
);

async fn eight_filings_at_one_unit_at_once_make_each_alert_count_once(app: TestApp) {
    app.seed_demo().await;
    let app = std::sync::Arc::new(app);
    let consumer = app.demo_token("consumer@odr.demo").await;
    let owner = app.demo_token("owner.xixi@odr.demo").await;
    let unit = app.unit_of(&owner).await;
    let mut filings = Vec::new();
    for n in 0..8 {
        let (app, consumer) = (app.clone(), consumer.clone());
        let claim = service_claim(&unit, &format!("包间宴席 {n}"), "2026-11-20", 50_000);
        filings.push(tokio::spawn(async move {
            app.post("/api/v1/disputes", Some(&consumer), &claim).await
        }));
    }
    let mut ids = Vec::new();
    for filing in filings {
        let reply = filing.await.unwrap();
        reply.expect(201);
        ids.push(reply.body["id"].as_str().unwrap().to_string());
    }
    let regulator = app.demo_token("reg.xihu@odr.demo").await;
    let alerts = || async { app.get("/api/v1/alerts", Some(&regulator)).await.body };
    let new_dispute_notices = || async {
        let notes = app.get("/api/v1/notifications", Some(&owner)).await.body;
        notes
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| n["kind"] == "new_dispute")
            .count()
    };
    // The filings are in the inbox at once; notices and alert rules follow in the worker
    // (docs/architecture.md#filing-follow-up).
    let inbox = app.get("/api/v1/disputes", Some(&owner)).await.body;
    let listed: Vec<&str> = inbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.iter().all(|id| listed.contains(&id.as_str())),
        "{inbox}"
    );
    assert_eq!(alerts().await, json!([]));
    assert_eq!(new_dispute_notices().await, 0);
    // The eight follow-ups at once, each on its own connection, as several workers would run
    // them.
    let now = app.clock.now();
    let follow_ups = ids.iter().map(|id| {
        let (db, cases, id) = (app.state.db.clone(), app.state.case_context(), id.clone());
        async move {
            db.run(move |conn| odr::disputes::filing::follow_filings(conn, &cases, &[id], now))
                .await
                .unwrap()
        }
    });
    let ran = futures_util::future::join_all(follow_ups).await;
    assert_eq!(ran, vec![1; 8], "each follow-up ran");
    let alerts = alerts().await;
    let count = |kind: &str| {
        alerts
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["kind"] == kind)
            .count()
    };
    // Each follow-up sees the ones before it: the unit's fifth in 30 days is raised once, and
    // every filing after the consumer's first is a repeat.
    assert_eq!(count("repeat_unit"), 1, "{alerts}");
    assert_eq!(count("repeat_consumer"), 7, "{alerts}");
    assert_eq!(new_dispute_notices().await, 8);
    // The queued jobs then find their follow-ups done: nothing is told or counted twice.
    app.run_pending_jobs().await;
    assert_eq!(new_dispute_notices().await, 8);
    let again = app.get("/api/v1/alerts", Some(&regulator)).await.body;
    assert_eq!(
        again.as_array().unwrap().len(),
        alerts.as_array().unwrap().len()
    );
    let filed_today = app
        .get(
            &format!("/api/v1/metrics?scope=unit&id={unit}&period=day"),
            Some(&regulator),
        )
        .await;
    filed_today.expect(200);
    assert_eq!(filed_today.body["current"]["filed"], 8);
}

async fn filings_at_two_units_at_once_all_count_in_their_region_and_industry(app: TestApp) {
    app.seed_demo().await;
    let app = std::sync::Arc::new(app);
    let consumer = app.demo_token("consumer@odr.demo").await;
    let city = app.demo_token("reg.hangzhou@odr.demo").await;
    let owners = ["owner.xixi@odr.demo", "owner.hefang@odr.demo"];
    let mut units = Vec::new();
    for owner in owners {
        units.push(app.unit_of(&app.demo_token(owner).await).await);
    }
    let filed_today = |query: String| {
        let (app, city) = (app.clone(), city.clone());
        async move {
            let reply = app
                .get(&format!("/api/v1/metrics?{query}&period=day"), Some(&city))
                .await;
            reply.expect(200);
            reply.body["current"]["filed"].as_i64().unwrap()
        }
    };
    let scopes = [
        "scope=region&id=330100".to_string(),
        "scope=industry&id=catering".to_string(),
        format!("scope=unit&id={}", units[0]),
        format!("scope=unit&id={}", units[1]),
    ];
    let mut before = Vec::new();
    for scope in &scopes {
        before.push(filed_today(scope.clone()).await);
    }
    let mut filings = Vec::new();
    for n in 0..12 {
        let (app, consumer) = (app.clone(), consumer.clone());
        let claim = service_claim(
            &units[n % 2],
            &format!("包间宴席 {n}"),
            "2026-11-20",
            50_000,
        );
        filings.push(tokio::spawn(async move {
            app.post("/api/v1/disputes", Some(&consumer), &claim).await
        }));
    }
    let mut ids = Vec::new();
    for filing in filings {
        let reply = filing.await.unwrap();
        reply.expect(201);
        ids.push(reply.body["id"].as_str().unwrap().to_string());
    }
    // Two workers follow the filings up at once, each a batch of six at both units, as two
    // job loops' claims would be; the figures count them there
    // (docs/architecture.md#filing-follow-up).
    let now = app.clock.now();
    let batches = ids.chunks(6).map(|batch| {
        let (db, cases, batch) = (
            app.state.db.clone(),
            app.state.case_context(),
            batch.to_vec(),
        );
        async move {
            db.run(move |conn| odr::disputes::filing::follow_filings(conn, &cases, &batch, now))
                .await
                .unwrap()
        }
    });
    let ran = futures_util::future::join_all(batches).await;
    assert_eq!(ran, [6, 6], "every follow-up ran once");
    // The queued jobs then find them done: nothing below counts twice.
    app.run_due_jobs().await;
    let mut added = Vec::new();
    for (scope, before) in scopes.iter().zip(before) {
        added.push(filed_today(scope.clone()).await - before);
    }
    // The city's and the industry's figures come from the rollups, each unit's from its own
    // rows: every filing counts once in each.
    assert_eq!(added, [12, 12, 6, 6], "{scopes:?}");
    app.assert_rollups_add_up().await;
}

async fn twenty_filings_of_one_purchase_at_once_make_one_dispute(app: TestApp) {
    app.seed_demo().await;
    let app = std::sync::Arc::new(app);
    let consumer = app.demo_token("consumer@odr.demo").await;
    let owner = app.demo_token("owner.xixi@odr.demo").await;
    let unit = app.unit_of(&owner).await;
    let claim = service_claim(&unit, "包间宴席", "2026-11-20", 50_000);
    let kept_before = filing_rows(&app).await;
    let mut filings = Vec::new();
    for _ in 0..20 {
        let (app, consumer, claim) = (app.clone(), consumer.clone(), claim.clone());
        filings.push(tokio::spawn(async move {
            app.post("/api/v1/disputes", Some(&consumer), &claim).await
        }));
    }
    let mut replies = Vec::new();
    for filing in filings {
        replies.push(filing.await.unwrap());
    }
    let filed: Vec<_> = replies.iter().filter(|r| r.status == 201).collect();
    assert_eq!(
        filed.len(),
        1,
        "{:?}",
        replies.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    let case_number = filed[0].body["case_number"].as_str().unwrap();
    for refused in replies.iter().filter(|r| r.status != 201) {
        refused.expect_problem(409, "duplicate_dispute");
        assert!(
            refused.body["detail"]
                .as_str()
                .unwrap()
                .contains(case_number),
            "{}",
            refused.text
        );
    }
    let counts = app.get("/api/v1/disputes/counts", Some(&owner)).await;
    assert_eq!(counts.body["by_status"]["filed"], 1, "{}", counts.body);
    // The refused filings left nothing behind: one timeline entry, audit entry and follow-up
    // more, the filed one's.
    let kept = filing_rows(&app).await;
    assert_eq!(
        [
            kept[0] - kept_before[0],
            kept[1] - kept_before[1],
            kept[2] - kept_before[2]
        ],
        [1, 1, 1],
        "filed entries, audit entries, follow-ups"
    );
    // Once concluded, the same purchase may be filed again.
    let id = filed[0].body["id"].as_str().unwrap();
    app.post(
        &format!("/api/v1/disputes/{id}/actions"),
        Some(&consumer),
        &json!({"action": "withdraw", "reason": "已与商家当面解决"}),
    )
    .await
    .expect(200);
    app.post("/api/v1/disputes", Some(&consumer), &claim)
        .await
        .expect(201);
}

/// How many filings' timeline entries, audit entries and follow-up jobs the platform holds.
async fn filing_rows(app: &TestApp) -> [i64; 3] {
    app.state
        .db
        .run(|conn| {
            use diesel::prelude::*;
            use odr::store::schema::{audit_log, dispute_events, jobs};
            let events = dispute_events::table
                .filter(dispute_events::kind.eq("filed"))
                .count()
                .get_result(conn)?;
            let audit = audit_log::table
                .filter(audit_log::action.eq("dispute.filed"))
                .count()
                .get_result(conn)?;
            let follow_ups = jobs::table
                .filter(jobs::kind.eq(odr::jobs::FOLLOW_FILING))
                .count()
                .get_result(conn)?;
            Ok::<_, odr::store::StoreError>([events, audit, follow_ups])
        })
        .await
        .unwrap()
}

async fn one_idempotency_key_sent_twenty_times_at_once_answers_the_same_201(app: TestApp) {
    app.seed_demo().await;
    let app = std::sync::Arc::new(app);
    let consumer = app.demo_token("consumer@odr.demo").await;
    let owner = app.demo_token("owner.xixi@odr.demo").await;
    let unit = app.unit_of(&owner).await;
    let claim = service_claim(&unit, "包间宴席", "2026-11-21", 50_000);
    let mut filings = Vec::new();
    for _ in 0..20 {
        let (app, consumer, claim) = (app.clone(), consumer.clone(), claim.clone());
        filings.push(tokio::spawn(async move {
            let response = app
                .client
                .post(format!("{}/api/v1/disputes", app.address))
                .bearer_auth(&consumer)
                .header("Idempotency-Key", "retry-of-one-filing")
                .json(&claim)
                .send()
                .await
                .unwrap();
            crate::helpers::Reply::read(response).await
        }));
    }
    let mut ids = Vec::new();
    for filing in filings {
        let reply = filing.await.unwrap();
        reply.expect(201);
        ids.push(reply.body["id"].as_str().unwrap().to_string());
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "every caller got the one stored answer");
}

both_backends!(one_refresh_token_sent_six_times_at_once_is_honoured_twice);

async fn one_refresh_token_sent_six_times_at_once_is_honoured_twice(app: TestApp) {
    app.seed_demo().await;
    let login = app
        .login_reply("consumer@odr.demo", odr::demo::DEMO_PASSWORD)
        .await;
    let token = login.body["refresh_token"].as_str().unwrap().to_string();
    let app = std::sync::Arc::new(app);
    let tabs: Vec<_> = (0..6)
        .map(|_| {
            let (app, token) = (app.clone(), token.clone());
            tokio::spawn(async move {
                app.post(
                    "/api/v1/auth/refresh",
                    None,
                    &json!({"refresh_token": token}),
                )
                .await
            })
        })
        .collect();
    let mut answers = Vec::new();
    for tab in tabs {
        answers.push(tab.await.unwrap());
    }
    // The first use and one more within the grace window (another tab); the third is a
    // copy, which ends the session.
    let honoured = answers.iter().filter(|a| a.status == 200).count();
    assert_eq!(
        honoured,
        2,
        "{:?}",
        answers.iter().map(|a| a.status).collect::<Vec<_>>()
    );
    for answer in answers.iter().filter(|a| a.status != 200) {
        assert_eq!(answer.status, 401);
        let code = answer.body["code"].as_str().unwrap();
        assert!(
            code == "refresh_token_reused" || code == "refresh_token_revoked",
            "{code}"
        );
    }
    // The session has ended: the pairs handed out stop working too.
    for answer in answers.iter().filter(|a| a.status == 200) {
        app.post(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": answer.body["refresh_token"]}),
        )
        .await
        .expect_problem(401, "refresh_token_revoked");
    }
}

both_backends!(two_owners_removing_each_other_at_once_leave_one_owner);

async fn two_owners_removing_each_other_at_once_leave_one_owner(app: TestApp) {
    app.seed_demo().await;
    let owner = app.demo_token("owner.xixi@odr.demo").await;
    let business = app.business_of(&owner).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let staff = format!("/api/v1/businesses/{business}/staff");
    app.post(
        &staff,
        Some(&owner),
        &json!({"display_name": "王二", "email": "wang@example.cn", "staff_role": "owner"}),
    )
    .await
    .expect(201);
    app.run_pending_jobs().await;
    let token = crate::helpers::invitation_token(&app.sent_emails()[0]);
    app.post(
        "/api/v1/auth/invitations/accept",
        None,
        &json!({"token": token, "password": "second-owner-9"}),
    )
    .await
    .expect(204);
    let second = app.login_reply("wang@example.cn", "second-owner-9").await;
    let second_id = second.body["user"]["id"].as_str().unwrap().to_string();
    let second = second.body["access_token"].as_str().unwrap().to_string();
    let first_id = app.get("/api/v1/me", Some(&owner)).await.body["id"]
        .as_str()
        .unwrap()
        .to_string();

    let app = std::sync::Arc::new(app);
    let remove = |token: String, id: String| {
        let (app, business) = (app.clone(), business.clone());
        tokio::spawn(async move {
            app.request(
                reqwest::Method::DELETE,
                &format!("/api/v1/businesses/{business}/staff/{id}"),
                Some(&token),
                None,
            )
            .await
            .status
        })
    };
    let (a, b) = (
        remove(owner.clone(), second_id),
        remove(second.clone(), first_id),
    );
    let mut statuses = vec![a.await.unwrap(), b.await.unwrap()];
    statuses.sort();
    assert_eq!(statuses[0], 204, "{statuses:?}");
    assert!(
        statuses[1] == 401 || statuses[1] == 403,
        "the second was removed first: {statuses:?}"
    );
    let left = [owner, second].into_iter().map(|t| {
        let app = app.clone();
        async move { app.get("/api/v1/me", Some(&t)).await.status }
    });
    let mut still_in = 0;
    for status in left {
        if status.await == 200 {
            still_in += 1;
        }
    }
    assert_eq!(still_in, 1, "one owner keeps the business");
}
