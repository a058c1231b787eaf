use chrono::Duration;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::TestApp;

const UNIT_OWNER: &str = "owner.xixi@odr.demo";

async fn filed(app: &TestApp) -> (String, String) {
    app.seed_demo().await;
    let filed = app
        .file_demo_dispute(UNIT_OWNER, "预订的包间被临时取消，定金不退。")
        .await;
    let owner = app.demo_token(UNIT_OWNER).await;
    let unit = app.business_of(&owner).await["unit"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.run_pending_jobs().await;
    (filed["id"].as_str().unwrap().to_string(), unit)
}

async fn view(app: &TestApp, id: &str) -> Value {
    let consumer = app.demo_token("consumer@odr.demo").await;
    app.get(&format!("/api/v1/disputes/{id}"), Some(&consumer))
        .await
        .body
}

/// Five disputes filed at the demo unit (its notices sent); their ids.
async fn five_filed(app: &TestApp) -> Vec<String> {
    let (first, _) = filed(app).await;
    let mut ids = vec![first];
    for n in 0..4 {
        let item = format!("包间预订 {n}");
        let filed = app
            .file_demo_item(UNIT_OWNER, &item, "预订的包间被临时取消，定金不退。")
            .await;
        ids.push(filed["id"].as_str().unwrap().to_string());
    }
    ids
}

/// How many timeline entries of `kind` a dispute's page shows.
fn count_kind(view: &Value, kind: &str) -> usize {
    kinds(view).iter().filter(|k| *k == kind).count()
}

fn kinds(view: &Value) -> Vec<String> {
    view["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_string())
        .collect()
}

both_backends!(
    every_lapsed_dispute_escalates_once_however_many_pages_they_fill,
    escalations_delivered_together_are_each_delivered_once,
    a_batch_of_lapses_reaches_each_person_in_one_email,
    three_sweeps_at_once_escalate_each_dispute_once,
    a_workers_sweep_passes_at_once_escalate_each_dispute_once,
    a_dispute_that_cannot_lapse_holds_up_none_beside_it,
    a_missed_first_contact_is_flagged_and_reminded_once,
    an_unsettled_dispute_escalates_when_its_due_date_passes,
    an_unfulfilled_settlement_escalates_and_a_silent_consumer_is_taken_as_content,
    expired_offers_are_closed_on_the_timeline
);

async fn every_lapsed_dispute_escalates_once_however_many_pages_they_fill(app: TestApp) {
    // The test configuration reads two disputes a page (`jobs.sweep_page`).
    let ids = five_filed(&app).await;
    app.advance(Duration::days(15));
    let report = app.sweep().await;
    assert_eq!(report.first_contacts_flagged, 5);
    assert_eq!(report.escalated_unsettled, 5);
    assert_eq!(app.sweep().await.escalated_unsettled, 0);
    for id in &ids {
        let v = view(&app, id).await;
        assert_eq!(v["status"], "escalated");
        assert_eq!(
            count_kind(&v, "settlement_lapsed"),
            1,
            "escalated once: {id}"
        );
    }
}

async fn escalations_delivered_together_are_each_delivered_once(app: TestApp) {
    use diesel::prelude::*;
    use odr::store::schema::jobs;
    let ids = five_filed(&app).await;
    app.run_pending_jobs().await;
    app.advance(Duration::days(15));
    assert_eq!(app.sweep().await.escalated_unsettled, 5);
    // One job loop claims the five deliveries (and the emails) at once and marks the builtin
    // deliveries together.
    assert!(app.run_pending_jobs().await >= 5);
    for id in &ids {
        let v = view(&app, id).await;
        assert_eq!(v["escalation"]["state"], "delivered", "{id}");
        let delivered = count_kind(&v, "escalation_delivered");
        assert_eq!(delivered, 1, "delivered once: {id}");
    }
    let unfinished = app
        .with_conn(|conn| {
            jobs::table
                .filter(jobs::state.eq_any(["queued", "running"]))
                .count()
                .get_result::<i64>(conn)
                .unwrap()
        })
        .await;
    assert_eq!(unfinished, 0, "every job marked done");
    assert_eq!(app.run_pending_jobs().await, 0, "nothing runs twice");
}

async fn a_batch_of_lapses_reaches_each_person_in_one_email(app: TestApp) {
    let ids = five_filed(&app).await;
    app.run_pending_jobs().await;
    let mut numbers = Vec::new();
    for id in &ids {
        numbers.push(
            view(&app, id).await["case_number"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    numbers.sort();
    let already = app.sent_emails().len();
    app.advance(Duration::days(15));
    let report = app.sweep().await;
    assert_eq!(
        (report.first_contacts_flagged, report.escalated_unsettled),
        (5, 5)
    );
    app.run_pending_jobs().await;
    let sent = app.sent_emails().split_off(already);
    // The case numbers listed by each email to `to` that says `about`.
    let listed = |to: &str, about: &str| -> Vec<Vec<String>> {
        sent.iter()
            .filter(|e| e.to == to && e.text.contains(about))
            .map(|e| {
                numbers
                    .iter()
                    .filter(|n| e.text.contains(n.as_str()))
                    .cloned()
                    .collect()
            })
            .collect()
    };
    // The test sweeps two disputes a page, so a batch holds two: the unit's owner gets one
    // email for each batch's missed first contacts, listing its two disputes.
    let owner = listed(UNIT_OWNER, "首次响应已超时");
    let mut sizes: Vec<usize> = owner.iter().map(Vec::len).collect();
    sizes.sort_unstable();
    assert_eq!(sizes, [1, 2, 2], "{owner:?}");
    let mut all: Vec<String> = owner.concat();
    all.sort();
    assert_eq!(all, numbers, "each missed first contact told once");
    assert!(
        sent.iter().any(|e| e.to == UNIT_OWNER
            && e.subject == "2 件纠纷首次响应已超时"
            && e.text.contains("2 件纠纷首次响应已超时")),
        "the email says how many"
    );
    // The five deliveries to the builtin queue ran in one turn: each regulator of the region
    // gets one email naming all five.
    let regulators: std::collections::BTreeSet<&str> = sent
        .iter()
        .filter(|e| e.text.contains("12315 处理队列"))
        .map(|e| e.to.as_str())
        .collect();
    assert!(!regulators.is_empty());
    for regulator in regulators {
        assert_eq!(
            listed(regulator, "12315 处理队列"),
            [numbers.clone()],
            "{regulator}"
        );
        assert!(sent.iter().any(|e| {
            e.to == regulator
                && e.text
                    .contains("5 件未和解的消费纠纷已转入本辖区 12315 处理队列")
        }));
    }
}

async fn a_dispute_that_cannot_lapse_holds_up_none_beside_it(app: TestApp) {
    use diesel::prelude::*;
    use odr::store::schema::disputes;
    let (broken, _) = filed(&app).await;
    let other = app
        .file_demo_item(UNIT_OWNER, "包间预订 1", "预订的包间被临时取消，定金不退。")
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    // A stored dispute the rules cannot read (a paused state that is no status), as a faulty
    // hand edit could leave it; the sweep applies its lapses in one batch with the other's
    // (two disputes a page in the test configuration).
    let status_of = |id: String| {
        app.with_conn(move |conn| {
            disputes::table
                .find(id)
                .select(disputes::status)
                .first::<String>(conn)
                .unwrap()
        })
    };
    app.with_conn({
        let broken = broken.clone();
        move |conn| {
            diesel::update(disputes::table.find(broken))
                .set(disputes::paused_from.eq(Some("bogus")))
                .execute(conn)
                .unwrap()
        }
    })
    .await;
    app.advance(Duration::days(15));
    let report = app.sweep().await;
    assert_eq!(
        (report.first_contacts_flagged, report.escalated_unsettled),
        (1, 1),
        "{report:?}"
    );
    assert_eq!(status_of(other.clone()).await, "escalated");
    assert_eq!(view(&app, &other).await["escalation"]["state"], "pending");
    // The broken one waits, and every later sweep still runs.
    assert_eq!(status_of(broken.clone()).await, "filed");
    let again = app.sweep().await;
    assert_eq!(
        (again.first_contacts_flagged, again.escalated_unsettled),
        (0, 0)
    );
}

async fn three_sweeps_at_once_escalate_each_dispute_once(app: TestApp) {
    let (first, _) = filed(&app).await;
    let mut ids = vec![first];
    for n in 0..5 {
        let item = format!("包间预订 {n}");
        let filed = app
            .file_demo_item(UNIT_OWNER, &item, "预订的包间被临时取消，定金不退。")
            .await;
        ids.push(filed["id"].as_str().unwrap().to_string());
    }
    app.advance(Duration::days(15));
    // Three nodes sweep at once: between them each lapse is applied once.
    let (a, b, c) = tokio::join!(app.sweep(), app.sweep(), app.sweep());
    let reports = [a, b, c];
    let flagged: usize = reports.iter().map(|r| r.first_contacts_flagged).sum();
    let escalated: usize = reports.iter().map(|r| r.escalated_unsettled).sum();
    assert_eq!((flagged, escalated), (6, 6), "{reports:?}");
    for id in &ids {
        let v = view(&app, id).await;
        assert_eq!(v["status"], "escalated");
        assert_eq!(
            (
                count_kind(&v, "first_contact_lapsed"),
                count_kind(&v, "settlement_lapsed")
            ),
            (1, 1),
            "{id}"
        );
    }
}

async fn a_workers_sweep_passes_at_once_escalate_each_dispute_once(app: TestApp) {
    let ids = five_filed(&app).await;
    app.advance(Duration::days(15));
    // A worker node sweeping with three passes at once (`jobs.sweepers`), each on its own
    // connection, over pages of two.
    let mut ctx = app.state.job_context();
    ctx.settings.sweepers = 3;
    let report = odr::jobs::worker::Worker::new(ctx).sweep().await.unwrap();
    assert_eq!(
        (report.first_contacts_flagged, report.escalated_unsettled),
        (5, 5),
        "{report:?}"
    );
    for id in &ids {
        let v = view(&app, id).await;
        assert_eq!(v["status"], "escalated", "{id}");
        assert_eq!(
            (
                count_kind(&v, "first_contact_lapsed"),
                count_kind(&v, "settlement_lapsed")
            ),
            (1, 1),
            "{id}"
        );
    }
    assert_eq!(app.sweep().await.escalated_unsettled, 0, "nothing left");
}

async fn a_missed_first_contact_is_flagged_and_reminded_once(app: TestApp) {
    let (id, _) = filed(&app).await;
    assert_eq!(
        app.sweep().await.first_contacts_flagged,
        0,
        "not due before Monday night"
    );
    app.advance(Duration::days(3) + Duration::hours(14)); // Tuesday 00:00 Shanghai
    assert_eq!(app.sweep().await.first_contacts_flagged, 1);
    assert_eq!(
        app.sweep().await.first_contacts_flagged,
        0,
        "once, however often it runs"
    );
    app.run_pending_jobs().await;
    let reminders: Vec<_> = app
        .sent_emails()
        .into_iter()
        .filter(|e| e.to == UNIT_OWNER && e.text.contains("首次响应已超时"))
        .collect();
    assert_eq!(reminders.len(), 1);
    let v = view(&app, &id).await;
    // The email names the case and what happened, and links to the dispute's page.
    let case_number = v["case_number"].as_str().unwrap();
    assert!(
        reminders[0]
            .subject
            .starts_with(&format!("纠纷 {case_number}：首次响应已超时")),
        "{}",
        reminders[0].subject
    );
    assert!(reminders[0].text.contains(&format!("/disputes/{id}")));
    assert_eq!(v["status"], "filed");
    assert_eq!(kinds(&v).last().unwrap(), "first_contact_lapsed");
    assert_eq!(
        v["timeline"].as_array().unwrap().last().unwrap()["actor_role"],
        "system"
    );
    let owner = app.demo_token(UNIT_OWNER).await;
    let flagged = app
        .get("/api/v1/disputes?flag=first_contact_overdue", Some(&owner))
        .await;
    assert_eq!(flagged.body["items"][0]["id"], id.as_str());
}

async fn an_unsettled_dispute_escalates_when_its_due_date_passes(app: TestApp) {
    let (id, _) = filed(&app).await;
    app.advance(Duration::days(14)); // Friday 11 Dec, 10:00: still due tonight
    assert_eq!(app.sweep().await.escalated_unsettled, 0);
    app.advance(Duration::hours(14));
    let report = app.sweep().await;
    assert_eq!(report.escalated_unsettled, 1);
    let v = view(&app, &id).await;
    assert_eq!(v["status"], "escalated");
    assert_eq!(v["escalation"]["initiated_by"], "system");
    assert_eq!(v["escalation"]["reason"], "settlement_due_date_passed");
    assert!(kinds(&v).contains(&"settlement_lapsed".to_string()));
    assert_eq!(app.sweep().await.escalated_unsettled, 0);
}

async fn an_unfulfilled_settlement_escalates_and_a_silent_consumer_is_taken_as_content(
    app: TestApp,
) {
    let (id, _) = filed(&app).await;
    let owner = app.demo_token(UNIT_OWNER).await;
    let consumer = app.demo_token("consumer@odr.demo").await;
    let path = format!("/api/v1/disputes/{id}/actions");
    let offered = app.post(&path, Some(&owner), &json!({"action": "make_offer", "remedy": "refund", "amount_fen": 100_000, "terms": "退还定金", "fulfilment_days": 2})).await;
    let offer = offered.body["offers"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.post(
        &path,
        Some(&consumer),
        &json!({"action": "accept_offer", "offer_id": offer}),
    )
    .await
    .expect(200);
    app.advance(Duration::days(3));
    assert_eq!(app.sweep().await.escalated_unfulfilled, 1);
    assert_eq!(view(&app, &id).await["status"], "escalated");

    let (second, _) = {
        let consumer = app.demo_token("consumer@odr.demo").await;
        let owner = app.demo_token(UNIT_OWNER).await;
        let unit = app.business_of(&owner).await["unit"]["id"]
            .as_str()
            .unwrap()
            .to_string();
        let reply = app.post("/api/v1/disputes", Some(&consumer), &json!({
            "unit_id": unit, "category": "service_quality", "item": {"kind": "service", "name": "生日宴"},
            "purchase_date": "2026-11-26", "amount_paid_fen": 50_000, "amount_claimed_fen": 50_000,
            "remedies": ["refund"], "description": "生日宴菜品与预订不符。", "contact_consent": true
        })).await;
        (reply.body["id"].as_str().unwrap().to_string(), ())
    };
    let owner = app.demo_token(UNIT_OWNER).await;
    let consumer = app.demo_token("consumer@odr.demo").await;
    let path = format!("/api/v1/disputes/{second}/actions");
    let offered = app.post(&path, Some(&owner), &json!({"action": "make_offer", "remedy": "refund", "amount_fen": 20_000, "terms": "部分退款"})).await;
    let offer = offered.body["offers"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.post(
        &path,
        Some(&consumer),
        &json!({"action": "accept_offer", "offer_id": offer}),
    )
    .await
    .expect(200);
    app.post(&path, Some(&owner), &json!({"action": "mark_fulfilled"}))
        .await
        .expect(200);
    app.advance(Duration::days(6));
    assert_eq!(
        app.sweep().await.resolved_unanswered,
        0,
        "the 7-day window is still open"
    );
    app.advance(Duration::days(2));
    assert_eq!(app.sweep().await.resolved_unanswered, 1);
    assert_eq!(view(&app, &second).await["status"], "resolved");
}

async fn expired_offers_are_closed_on_the_timeline(app: TestApp) {
    let (id, _) = filed(&app).await;
    let owner = app.demo_token(UNIT_OWNER).await;
    app.post(&format!("/api/v1/disputes/{id}/actions"), Some(&owner),
        &json!({"action": "make_offer", "remedy": "refund", "amount_fen": 50_000, "terms": "退一半定金"})).await.expect(200);
    app.advance(Duration::days(6));
    assert_eq!(app.sweep().await.offers_expired, 1);
    assert_eq!(app.sweep().await.offers_expired, 0);
    let v = view(&app, &id).await;
    assert_eq!(v["offers"][0]["status"], "expired");
    assert!(kinds(&v).contains(&"offer_expired".to_string()));
}

both_backends!(staff_are_reminded_once_a_working_day_before_a_due_date_and_get_a_daily_digest);

async fn staff_are_reminded_once_a_working_day_before_a_due_date_and_get_a_daily_digest(
    app: TestApp,
) {
    let (id, _) = filed(&app).await;
    let owner = app.demo_token(UNIT_OWNER).await;
    app.post(
        &format!("/api/v1/disputes/{id}/actions"),
        Some(&owner),
        &json!({"action": "first_contact"}),
    )
    .await
    .expect(200);
    let right_after_filing = app.sweep().await;
    assert_eq!(
        right_after_filing.reminders_sent, 0,
        "no reminder on the day of filing"
    );
    // Wednesday 9 Dec, 09:00 Shanghai: settlement due Friday 11 Dec, nothing due by Thursday night.
    app.clock.set("2026-12-09T01:00:00Z".parse().unwrap());
    let wednesday = app.sweep().await;
    assert_eq!((wednesday.reminders_sent, wednesday.digests_sent), (0, 0));
    app.run_pending_jobs().await;
    let before = app.sent_emails().len();
    // Thursday 10 Dec, 07:00 Shanghai: the reminder is due, the digest waits for 08:00.
    app.clock.set("2026-12-09T23:00:00Z".parse().unwrap());
    let early = app.sweep().await;
    assert_eq!((early.reminders_sent, early.digests_sent), (1, 0));
    app.clock.set("2026-12-10T01:00:00Z".parse().unwrap());
    let thursday = app.sweep().await;
    assert_eq!((thursday.reminders_sent, thursday.digests_sent), (0, 1));
    let again = app.sweep().await;
    assert_eq!(
        (again.reminders_sent, again.digests_sent),
        (0, 0),
        "each goes out once"
    );
    app.run_pending_jobs().await;
    let new: Vec<_> = app
        .sent_emails()
        .into_iter()
        .skip(before)
        .filter(|e| e.to == UNIT_OWNER)
        .collect();
    assert_eq!(new.len(), 2, "{new:?}");
    assert!(
        new[0].subject.starts_with("提醒：纠纷"),
        "{}",
        new[0].subject
    );
    assert!(new[0].text.contains("2026-12-11 23:59"), "{}", new[0].text);
    assert!(
        new[1].subject.contains("1 件纠纷即将到期"),
        "{}",
        new[1].subject
    );
    assert!(new[1].text.contains("包间预订"));
    let owner = app.demo_token(UNIT_OWNER).await;
    let notes = app.get("/api/v1/notifications", Some(&owner)).await;
    let kinds: Vec<&str> = notes
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"reminder") && kinds.contains(&"daily_digest"),
        "{kinds:?}"
    );
}
