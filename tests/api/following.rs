//! Following cases (docs/following.md): an officer named to follow a dispute, urges to its
//! unit, return visits whose satisfaction the figures count where the consumer did not rate.

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::TestApp;
use crate::metrics::act;
use crate::portal::Visitor;

both_backends!(
    a_named_officer_follows_urges_and_calls_back_and_the_figures_count_what_was_said,
    regulators_acting_at_once_on_one_followed_dispute_count_one_satisfaction,
    an_officer_follows_a_case_from_the_dispute_page_to_the_return_visit
);

/// The unit's satisfaction this month as its owner reads it: (mean, disputes rated).
async fn satisfaction(app: &TestApp, owner: &str) -> (Value, Value) {
    let reply = app.get("/api/v1/metrics?period=month", Some(owner)).await;
    reply.expect(200);
    let c = &reply.body["current"];
    (c["satisfaction_mean"].clone(), c["rated"].clone())
}

async fn user_id(app: &TestApp, token: &str) -> String {
    let me = app.get("/api/v1/me", Some(token)).await;
    me.expect(200);
    me.body["id"].as_str().unwrap().to_string()
}

fn visit(on: &str, satisfaction: Option<i64>) -> Value {
    json!({
        "visited_on": on,
        "channel": "phone",
        "consumer_said": "商家已退款，态度尚可，但处理慢了两天。",
        "satisfaction": satisfaction,
    })
}

async fn a_named_officer_follows_urges_and_calls_back_and_the_figures_count_what_was_said(
    app: TestApp,
) {
    app.seed_demo().await;
    let filed = app
        .file_demo_dispute(
            "owner.xixi@odr.demo",
            "包间预订被取消，定金未退，要求全额退还。",
        )
        .await;
    let id = filed["id"].as_str().unwrap().to_string();
    let case_number = filed["case_number"].as_str().unwrap().to_string();
    let consumer = app.demo_token("consumer@odr.demo").await;
    let owner = app.demo_token("owner.xixi@odr.demo").await;
    let handler = app.demo_handler_token().await;
    let xihu = app.demo_token("reg.xihu@odr.demo").await;
    let city = app.demo_token("reg.hangzhou@odr.demo").await;
    let binjiang = app.demo_token("reg.binjiang@odr.demo").await;
    let admin = app.demo_token("admin@odr.demo").await;
    let association = app.demo_token("assoc.catering@odr.demo").await;
    let xihu_id = user_id(&app, &xihu).await;
    let binjiang_id = user_id(&app, &binjiang).await;
    let following = format!("/api/v1/disputes/{id}/following");

    // Who may see and change how a dispute is followed: its region's regulators only.
    for (token, status) in [
        (&consumer, 403),
        (&owner, 403),
        (&handler, 403),
        (&binjiang, 404),
        (&admin, 404),
        (&association, 404),
    ] {
        assert_eq!(
            app.get(&following, Some(token)).await.status.as_u16(),
            status
        );
        let named = json!({"officer_id": xihu_id, "reason": "major"});
        assert_eq!(
            app.put(&following, Some(token), &named)
                .await
                .status
                .as_u16(),
            status
        );
        assert_eq!(
            app.delete(&following, Some(token)).await.status.as_u16(),
            status
        );
        let urge = json!({"message": "请尽快联系消费者"});
        let urges = format!("/api/v1/disputes/{id}/urges");
        assert_eq!(
            app.post(&urges, Some(token), &urge).await.status.as_u16(),
            status
        );
        let visits = format!("/api/v1/disputes/{id}/return-visits");
        let said = visit("2026-11-27", Some(3));
        assert_eq!(
            app.post(&visits, Some(token), &said).await.status.as_u16(),
            status
        );
    }
    assert_eq!(app.get(&following, None).await.status.as_u16(), 401);
    for token in [&consumer, &owner, &admin, &association] {
        app.get("/api/v1/followed-cases", Some(token))
            .await
            .expect_problem(403, "forbidden");
    }

    // The city names Xihu's officer; the choice offers the district's and the city's officers.
    let before = app.get(&following, Some(&city)).await;
    before.expect(200);
    assert_eq!(before.body["follow"], Value::Null);
    assert_eq!(before.body["may_urge"], true);
    assert_eq!(before.body["may_visit"], false);
    let officers: Vec<&str> = (before.body["officers"].as_array().unwrap().iter())
        .map(|o| o["id"].as_str().unwrap())
        .collect();
    assert!(officers.contains(&xihu_id.as_str()));
    assert!(!officers.contains(&binjiang_id.as_str()));
    let refused = app
        .put(
            &following,
            Some(&city),
            &json!({"officer_id": binjiang_id, "reason": "major"}),
        )
        .await;
    refused.expect_problem(422, "validation_failed");
    assert_eq!(refused.failing_fields(), ["officer_id"]);
    app.put(
        &following,
        Some(&city),
        &json!({"officer_id": "no-such-officer", "reason": "urgent"}),
    )
    .await
    .expect(422);
    let named = app
        .put(
            &following,
            Some(&city),
            &json!({"officer_id": xihu_id, "reason": "major", "note": "金额较大，消费者情绪激动"}),
        )
        .await;
    named.expect(200);
    assert_eq!(named.body["follow"]["officer_id"], xihu_id.as_str());
    assert_eq!(named.body["follow"]["reason"], "major");
    let told = app.get("/api/v1/notifications", Some(&xihu)).await;
    let told = told.body.to_string();
    assert!(told.contains(&case_number), "{told}");
    assert!(
        told.contains("您已被指定为本案跟踪人（重大案件）：金额较大，消费者情绪激动。"),
        "{told}"
    );

    // The officer's list: the dispute with its first-contact due moment.
    let mine = app.get("/api/v1/followed-cases", Some(&xihu)).await;
    mine.expect(200);
    let items = mine.body.as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["case_number"], case_number.as_str());
    assert_eq!(items[0]["due"], "first_contact");
    assert_eq!(
        items[0]["due_at"],
        filed["deadlines"]["first_contact"]["due_at"]
    );
    assert_eq!(items[0]["note"], "金额较大，消费者情绪激动");
    let theirs = format!("/api/v1/followed-cases?officer_id={xihu_id}");
    let from_city = app.get(&theirs, Some(&city)).await;
    assert_eq!(from_city.body.as_array().unwrap().len(), 1);
    app.get(
        "/api/v1/followed-cases?officer_id=no-such-officer",
        Some(&city),
    )
    .await
    .expect_problem(422, "validation_failed");
    let from_binjiang = app.get(&theirs, Some(&binjiang)).await;
    from_binjiang.expect(200);
    assert_eq!(
        from_binjiang.body,
        json!([]),
        "another district sees none of Xihu's"
    );

    // Naming another officer tells the one replaced.
    let city_id = user_id(&app, &city).await;
    app.put(
        &following,
        Some(&city),
        &json!({"officer_id": city_id, "reason": "major"}),
    )
    .await
    .expect(200);
    let released = app.get("/api/v1/notifications", Some(&xihu)).await;
    assert!(
        released.body.to_string().contains("您已不再跟踪本案"),
        "{}",
        released.body
    );
    assert_eq!(
        app.get("/api/v1/followed-cases", Some(&xihu)).await.body,
        json!([])
    );
    app.put(
        &following,
        Some(&city),
        &json!({"officer_id": xihu_id, "reason": "major"}),
    )
    .await
    .expect(200);

    // An urge reaches the unit's staff and the timeline; a bad one is refused.
    let urges = format!("/api/v1/disputes/{id}/urges");
    let bad = app
        .post(&urges, Some(&xihu), &json!({"message": " "}))
        .await;
    bad.expect_problem(422, "validation_failed");
    assert_eq!(bad.failing_fields(), ["message"]);
    let urged = app
        .post(
            &urges,
            Some(&xihu),
            &json!({"message": "请于明日前联系消费者并反馈处理情况"}),
        )
        .await;
    urged.expect(201);
    assert_eq!(urged.body["staff_told"], 2, "the owner and the handler");
    for staff in [&owner, &handler] {
        let notices = app.get("/api/v1/notifications", Some(staff)).await;
        assert!(
            notices
                .body
                .to_string()
                .contains("监管部门催办：请于明日前联系消费者并反馈处理情况"),
            "{}",
            notices.body
        );
    }
    let seen = app
        .get(&format!("/api/v1/disputes/{id}"), Some(&consumer))
        .await;
    let kinds: Vec<&str> = (seen.body["timeline"].as_array().unwrap().iter())
        .map(|t| t["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"urged"), "{kinds:?}");
    let listed = app.get("/api/v1/followed-cases", Some(&xihu)).await;
    assert_eq!(listed.body[0]["urges"], 1);

    // A return visit waits for the conclusion.
    let visits = format!("/api/v1/disputes/{id}/return-visits");
    app.post(&visits, Some(&xihu), &visit("2026-11-27", Some(3)))
        .await
        .expect_problem(409, "return_visit_too_early");
    act(
        &app,
        &owner,
        &id,
        json!({"action": "first_contact", "message": "您好，我们已收到投诉"}),
    )
    .await;
    act(
        &app,
        &consumer,
        &id,
        json!({"action": "withdraw", "reason": "已与商家线下协商"}),
    )
    .await;
    app.post(&urges, Some(&xihu), &json!({"message": "请尽快处理"}))
        .await
        .expect_problem(409, "dispute_closed");
    let wrong = app
        .post(
            &visits,
            Some(&xihu),
            &json!({"visited_on": "2026-12-30", "channel": "phone", "consumer_said": "", "satisfaction": 6}),
        )
        .await;
    wrong.expect_problem(422, "validation_failed");
    let mut failing = wrong.failing_fields();
    failing.sort();
    assert_eq!(failing, ["consumer_said", "satisfaction", "visited_on"]);
    app.post(&visits, Some(&xihu), &visit("2026-11-26", Some(3)))
        .await
        .expect(422);

    // What the consumer said counts while they have not rated; the latest said counts.
    assert_eq!(satisfaction(&app, &owner).await, (Value::Null, json!(0)));
    let first = app
        .post(&visits, Some(&xihu), &visit("2026-11-27", Some(2)))
        .await;
    first.expect(201);
    assert_eq!(first.body["satisfaction"], 2);
    assert_eq!(satisfaction(&app, &owner).await, (json!(2.0), json!(1)));
    app.post(&visits, Some(&city), &visit("2026-11-27", None))
        .await
        .expect(201);
    assert_eq!(
        satisfaction(&app, &owner).await,
        (json!(2.0), json!(1)),
        "a visit where nothing was said leaves the count"
    );
    app.advance(chrono::Duration::days(2));
    let (consumer, owner) = (
        app.demo_token("consumer@odr.demo").await,
        app.demo_token("owner.xixi@odr.demo").await,
    );
    let (xihu, city) = (
        app.demo_token("reg.xihu@odr.demo").await,
        app.demo_token("reg.hangzhou@odr.demo").await,
    );
    app.post(&visits, Some(&xihu), &visit("2026-11-29", Some(4)))
        .await
        .expect(201);
    assert_eq!(satisfaction(&app, &owner).await, (json!(4.0), json!(1)));
    app.post(&visits, Some(&city), &visit("2026-11-28", Some(3)))
        .await
        .expect(201);
    assert_eq!(
        satisfaction(&app, &owner).await,
        (json!(4.0), json!(1)),
        "a visit entered late, of an earlier day, does not replace a later one"
    );
    let shown = app.get(&following, Some(&xihu)).await;
    let said = shown.body["return_visits"].as_array().unwrap();
    assert_eq!(said.len(), 4);
    assert_eq!(said[1]["officer_name"], "陈立（杭州市市场监管局）");
    assert_eq!(said[2]["visited_on"], "2026-11-28", "by day");
    assert_eq!(
        said[3]["consumer_said"],
        "商家已退款，态度尚可，但处理慢了两天。"
    );
    assert_eq!(shown.body["may_visit"], true);
    assert_eq!(shown.body["may_urge"], false);
    // The parties see that a visit took place, not what the consumer told the officer.
    let seen = app
        .get(&format!("/api/v1/disputes/{id}"), Some(&owner))
        .await;
    assert!(seen.body["timeline"].to_string().contains("return_visit"));
    assert!(!seen.body.to_string().contains("处理慢了两天"));

    // The consumer's own rating replaces what they said at the visit.
    act(&app, &consumer, &id, json!({"action": "rate", "rating": 5})).await;
    assert_eq!(satisfaction(&app, &owner).await, (json!(5.0), json!(1)));
    app.post(&visits, Some(&xihu), &visit("2026-11-27", Some(1)))
        .await
        .expect(201);
    assert_eq!(
        satisfaction(&app, &owner).await,
        (json!(5.0), json!(1)),
        "a later visit does not override the consumer's rating"
    );

    // A rebuild counts the same from the timelines and the visits.
    let calendar = app.state.calendars.current();
    app.with_conn(move |conn| {
        odr::oversight::rebuild::rebuild(conn, &calendar, Default::default(), &mut |_| {}).unwrap()
    })
    .await;
    assert_eq!(satisfaction(&app, &owner).await, (json!(5.0), json!(1)));
    app.assert_rollups_add_up().await;

    // Ending the following empties the officer's list.
    app.delete(&following, Some(&xihu)).await.expect(204);
    app.delete(&following, Some(&xihu)).await.expect(204);
    let after = app.get("/api/v1/followed-cases", Some(&xihu)).await;
    assert_eq!(after.body, json!([]));
}

async fn regulators_acting_at_once_on_one_followed_dispute_count_one_satisfaction(app: TestApp) {
    app.seed_demo().await;
    let filed = app
        .file_demo_dispute(
            "owner.xixi@odr.demo",
            "包间预订被取消，定金未退，要求全额退还。",
        )
        .await;
    let id = filed["id"].as_str().unwrap().to_string();
    let consumer = app.demo_token("consumer@odr.demo").await;
    let owner = app.demo_token("owner.xixi@odr.demo").await;
    let xihu = app.demo_token("reg.xihu@odr.demo").await;
    let city = app.demo_token("reg.hangzhou@odr.demo").await;
    let (xihu_id, city_id) = (user_id(&app, &xihu).await, user_id(&app, &city).await);
    let following = format!("/api/v1/disputes/{id}/following");

    // Two regulators name an officer at once: both are answered, one officer follows it.
    let (by_xihu, by_city) = (
        json!({"officer_id": xihu_id, "reason": "sensitive"}),
        json!({"officer_id": city_id, "reason": "major"}),
    );
    let (a, b) = tokio::join!(
        app.put(&following, Some(&xihu), &by_xihu),
        app.put(&following, Some(&city), &by_city),
    );
    a.expect(200);
    b.expect(200);
    let now = app.get(&following, Some(&xihu)).await.body["follow"]["officer_id"].clone();
    assert!(now == xihu_id.as_str() || now == city_id.as_str(), "{now}");
    let lists = [
        app.get("/api/v1/followed-cases", Some(&xihu)).await.body,
        app.get("/api/v1/followed-cases", Some(&city)).await.body,
    ];
    assert_eq!(
        lists
            .iter()
            .map(|l| l.as_array().unwrap().len())
            .sum::<usize>(),
        1,
        "exactly one officer lists it"
    );

    // Two return visits recorded at once: the satisfaction counts once, the latest recorded.
    act(
        &app,
        &consumer,
        &id,
        json!({"action": "withdraw", "reason": "已与商家线下协商"}),
    )
    .await;
    let visits = format!("/api/v1/disputes/{id}/return-visits");
    let (low, high) = (visit("2026-11-27", Some(1)), visit("2026-11-27", Some(5)));
    let (a, b) = tokio::join!(
        app.post(&visits, Some(&xihu), &low),
        app.post(&visits, Some(&city), &high),
    );
    a.expect(201);
    b.expect(201);
    let shown = app.get(&following, Some(&xihu)).await;
    let latest = shown.body["return_visits"][1]["satisfaction"]
        .as_i64()
        .unwrap();
    assert_eq!(
        satisfaction(&app, &owner).await,
        (json!(latest as f64), json!(1))
    );
    app.assert_rollups_add_up().await;
}

async fn an_officer_follows_a_case_from_the_dispute_page_to_the_return_visit(app: TestApp) {
    app.seed_demo().await;
    let filed = app
        .file_demo_dispute(
            "owner.xixi@odr.demo",
            "包间预订被取消，定金未退，要求全额退还。",
        )
        .await;
    let id = filed["id"].as_str().unwrap().to_string();
    let case_number = filed["case_number"].as_str().unwrap();
    let xihu_id = user_id(&app, &app.demo_token("reg.xihu@odr.demo").await).await;
    let officer = Visitor::log_in(&app, "reg.xihu@odr.demo").await;
    let page = officer.get(&format!("/disputes/{id}")).await;
    assert_eq!(page.status, 200);
    assert!(page.html.contains("id=\"following\""));
    assert!(page.html.contains("尚未指定专人跟踪此案"));
    assert!(
        page.html.contains("纠纷办结后可记录回访"),
        "no visit form yet"
    );
    let csrf = page.csrf();

    let named = officer
        .post(
            &format!("/disputes/{id}/follow"),
            &[
                ("csrf", csrf.as_str()),
                ("officer_id", xihu_id.as_str()),
                ("reason", "sensitive"),
                ("note", "消费者为老年人"),
            ],
        )
        .await;
    assert_eq!(named.status, 303);
    let shown = officer.get(named.location()).await;
    assert!(shown.html.contains("已指定由您本人跟踪"));
    assert!(shown.html.contains("王敏（西湖区市场监管局） · 敏感案件"));
    let listed = officer.get("/followed").await;
    assert_eq!(listed.status, 200);
    assert!(listed.html.contains(case_number));
    assert!(listed.html.contains("消费者为老年人"));

    let empty = officer
        .post(
            &format!("/disputes/{id}/urge"),
            &[("csrf", csrf.as_str()), ("message", " ")],
        )
        .await;
    assert_eq!(empty.status, 422);
    let urged = officer
        .post(
            &format!("/disputes/{id}/urge"),
            &[("csrf", csrf.as_str()), ("message", "请于明日前联系消费者")],
        )
        .await;
    assert_eq!(urged.status, 303);
    assert!(
        officer
            .get(urged.location())
            .await
            .html
            .contains("完成：监管部门催办")
    );
    let again = officer.get(&format!("/disputes/{id}")).await;
    assert!(
        again.html.contains("<br>请于明日前联系消费者"),
        "the timeline says what was asked"
    );
    assert!(
        again.html.contains("value=\"消费者为老年人\""),
        "naming another officer starts from the note as it is"
    );

    let consumer = app.demo_token("consumer@odr.demo").await;
    act(
        &app,
        &consumer,
        &id,
        json!({"action": "withdraw", "reason": "已与商家线下协商"}),
    )
    .await;
    let page = officer.get(&format!("/disputes/{id}")).await;
    assert!(page.html.contains("id=\"rv-said\""), "the visit form");
    assert!(
        !page.html.contains("id=\"urge-message\""),
        "nothing to urge"
    );
    let visit_form = |on: &'static str, said: &'static str, satisfaction: &'static str| {
        let path = format!("/disputes/{id}/return-visit");
        let csrf = csrf.clone();
        let officer = &officer;
        async move {
            let form = [
                ("csrf", csrf.as_str()),
                ("visited_on", on),
                ("channel", "in_person"),
                ("consumer_said", said),
                ("satisfaction", satisfaction),
            ];
            officer.post(&path, &form).await
        }
    };
    let wrong = visit_form("昨天", "满意", "").await;
    assert_eq!(wrong.status, 422);
    let visited = visit_form("2026-11-27", "对处理结果基本认可", "4").await;
    assert_eq!(visited.status, 303);
    let page = officer.get(visited.location()).await;
    assert!(page.html.contains("对处理结果基本认可"));
    assert!(
        page.html
            .contains("当面 · 王敏（西湖区市场监管局） · 满意度 4 ★")
    );
    assert!(
        page.html.contains("2026-11-27 · 当面 · 满意度 4 ★"),
        "the timeline gives the visit's day, channel and satisfaction"
    );
    let owner = app.demo_token("owner.xixi@odr.demo").await;
    assert_eq!(satisfaction(&app, &owner).await, (json!(4.0), json!(1)));

    // Ending the following asks for a tick first.
    let unconfirmed = officer
        .post(
            &format!("/disputes/{id}/unfollow"),
            &[("csrf", csrf.as_str())],
        )
        .await;
    assert_eq!(unconfirmed.status, 422);
    assert!(unconfirmed.html.contains("请勾选确认"));
    let ended = officer
        .post(
            &format!("/disputes/{id}/unfollow"),
            &[("csrf", csrf.as_str()), ("confirm", "yes")],
        )
        .await;
    assert_eq!(ended.status, 303);
    assert!(
        officer
            .get(ended.location())
            .await
            .html
            .contains("已结束专人跟踪")
    );

    // Nobody else reaches the forms.
    let owner = Visitor::log_in(&app, "owner.xixi@odr.demo").await;
    let theirs = owner.get(&format!("/disputes/{id}")).await;
    assert!(!theirs.html.contains("id=\"following\""));
    let refused = owner
        .post(
            &format!("/disputes/{id}/urge"),
            &[("csrf", theirs.csrf().as_str()), ("message", "自己催自己")],
        )
        .await;
    assert_eq!(refused.status, 403);
    assert_eq!(owner.get("/followed").await.status, 403);
}
