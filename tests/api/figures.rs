//! The figures of docs/metrics.md, counted by hand for every edge they define, and the same
//! figures asked of every place that shows them; the counters kept event by event equal a
//! rebuild from the timelines, for generated histories.

use odr::clock::Clock;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{TestApp, service_claim};
use crate::metrics::act;
use crate::reports::{csv_rows, download};

const XIXI: &str = "owner.xixi@odr.demo";

/// Files a dispute at `unit` for a purchase on `purchase` (each case its own purchase).
async fn file(app: &TestApp, consumer: &str, unit: &str, purchase: &str) -> String {
    let reply = app
        .post(
            "/api/v1/disputes",
            Some(consumer),
            &service_claim(unit, "年夜饭套餐", purchase, 100_000),
        )
        .await;
    reply.expect(201);
    // The worker follows the filing up: the filing is counted there.
    app.run_due_jobs().await;
    reply.body["id"].as_str().unwrap().to_string()
}

/// The business offers ¥1,000 and the consumer accepts: the settlement agreement.
async fn agree(app: &TestApp, owner: &str, consumer: &str, id: &str) {
    let offered = act(
        app,
        owner,
        id,
        json!({"action": "make_offer", "remedy": "refund", "amount_fen": 100_000,
            "terms": "退还定金", "fulfilment_days": 20}),
    )
    .await;
    let offer = offered["offers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["status"] == "open")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    act(
        app,
        consumer,
        id,
        json!({"action": "accept_offer", "offer_id": offer}),
    )
    .await;
}

fn contact() -> Value {
    json!({"action": "first_contact", "message": "您好，已收到，正在核实。"})
}

/// The unit's figures for a period, as the owner sees them.
async fn figures(app: &TestApp, query: &str) -> Value {
    let owner = app.demo_token(XIXI).await;
    let reply = app
        .get(&format!("/api/v1/metrics?{query}"), Some(&owner))
        .await;
    reply.expect(200);
    reply.body["current"].clone()
}

fn shanghai_10am(day: &str) -> chrono::DateTime<chrono::Utc> {
    format!("{day}T02:00:00Z").parse().unwrap()
}

/// One row of the hand count: a figure, what the API says, what was counted by hand.
fn check(period: &str, f: &Value, expected: &[(&str, Value)]) {
    for (name, value) in expected {
        assert_eq!(&f[*name], value, "{period}: {name} in {f}");
    }
}

both_backends!(
    every_figure_and_edge_matches_a_hand_count,
    every_place_gives_the_same_figures,
    counters_kept_event_by_event_equal_a_rebuild,
    a_rebuild_while_people_act_loses_and_doubles_nothing,
    an_upgraded_database_fills_in_counters_from_before_they_existed,
    a_packet_counts_its_own_dispute_as_overdue_at_midnight
);

/// The escalation packet of dispute `id`, and the unit's figures the metrics API gives for the
/// packet's period.
async fn packet_and_api_figures(app: &TestApp, id: String) -> (Value, Value) {
    let packet: Value = app
        .with_conn(move |conn| {
            use diesel::prelude::*;
            use odr::store::schema::escalations;
            let text: String = escalations::table
                .filter(escalations::dispute_id.eq(id))
                .select(escalations::packet)
                .first(conn)
                .unwrap();
            serde_json::from_str(&text).unwrap()
        })
        .await;
    let period = &packet["metrics"]["period"];
    let asked = figures(
        app,
        &format!(
            "period=custom&from={}&to={}",
            period["from"].as_str().unwrap(),
            period["to"].as_str().unwrap()
        ),
    )
    .await;
    (packet, asked)
}

/// A sweep that catches up after downtime escalates two disputes overdue since days before:
/// each packet, ending at the last midnight, counts both open and overdue then, as the API
/// does, whichever of the two was escalated first.
async fn a_packet_counts_its_own_dispute_as_overdue_at_midnight(app: TestApp) {
    app.seed_demo().await;
    let unit = app.unit_of(&app.demo_token(XIXI).await).await;
    let consumer = app.demo_token("consumer@odr.demo").await;
    let first = file(&app, &consumer, &unit, "2026-11-20").await;
    let second = file(&app, &consumer, &unit, "2026-11-21").await;
    app.advance(chrono::Duration::days(30));
    assert_eq!(app.sweep().await.escalated_unsettled, 2);
    for id in [first, second] {
        let (packet, asked) = packet_and_api_figures(&app, id).await;
        assert_eq!(packet["metrics"]["unit"], asked);
        assert_eq!(packet["metrics"]["unit"]["open_overdue_at_end"], 2);
        assert_eq!(packet["metrics"]["region"]["open_overdue_at_end"], 2);
        assert_eq!(packet["metrics"]["industry"]["open_overdue_at_end"], 2);
    }
}

async fn every_figure_and_edge_matches_a_hand_count(app: TestApp) {
    let cases = november_cases_are_filed_and_handled(&app).await;
    november_so_far_counts_only_what_is_over(&app).await;
    let november = the_sweep_closes_november(&app).await;
    december_events_land_in_december(&app, &cases).await;
    both_months_add_up_and_november_keeps_its_figures(&app, &november).await;
    the_monthly_close_and_the_export_say_the_same(&app).await;
}

/// The eleven disputes of the scenario, by the letters the comments use.
struct Cases {
    e: String,
    f: String,
    g: String,
    h: String,
    i: String,
    k: String,
}

/// Step 1: J filed on 2 November and left alone; ten more filed on 27 November and handled
/// each its own way.
async fn november_cases_are_filed_and_handled(app: &TestApp) -> Cases {
    // Monday 2 November: J is filed and left alone. First contact due Tue 3 Nov, settlement
    // due Mon 16 Nov (ten working days).
    app.clock.set(shanghai_10am("2026-11-02"));
    app.seed_demo().await;
    let consumer = app.demo_token("consumer@odr.demo").await;
    let unit = app.unit_of(&app.demo_token(XIXI).await).await;
    let j = file(app, &consumer, &unit, "2026-10-20").await;

    // Friday 27 November (first contact due Mon 30 Nov, settlement due Fri 11 Dec).
    app.clock.set(shanghai_10am("2026-11-27"));
    let consumer = app.demo_token("consumer@odr.demo").await;
    let owner = app.demo_token(XIXI).await;
    let mut cases = Vec::new();
    for day in 1..=10 {
        cases.push(file(app, &consumer, &unit, &format!("2026-11-{day:02}")).await);
    }
    let [a, b, c, d, e, f, g, h, i, k] = <[String; 10]>::try_from(cases).unwrap();
    // A: answered, agreed, fulfilled, confirmed and rated 5, all on its filing day.
    act(app, &owner, &a, contact()).await;
    agree(app, &owner, &consumer, &a).await;
    act(
        app,
        &owner,
        &a,
        json!({"action": "mark_fulfilled", "note": "已退款"}),
    )
    .await;
    act(app, &consumer, &a, json!({"action": "confirm_fulfilment"})).await;
    act(app, &consumer, &a, json!({"action": "rate", "rating": 5})).await;
    // B: a documented decline, which is also the first contact.
    act(
        app,
        &owner,
        &b,
        json!({"action": "decline", "reason": "不同意退定金"}),
    )
    .await;
    // C: withdrawn before the business answered.
    act(
        app,
        &consumer,
        &c,
        json!({"action": "withdraw", "reason": "已线下解决"}),
    )
    .await;
    // D, F, G, H, I answered at once.
    for id in [&d, &f, &g, &h, &i, &k] {
        act(app, &owner, id, contact()).await;
    }
    // G agreed now, reported unfulfilled in December.
    agree(app, &owner, &consumer, &g).await;
    // H paused (product testing) until Fri 4 Dec: five working days added back.
    act(
        app,
        &owner,
        &h,
        json!({"action": "propose_pause", "reason": "送检鉴定"}),
    )
    .await;
    act(app, &consumer, &h, json!({"action": "agree_pause"})).await;
    // I extended by five working days.
    act(
        app,
        &owner,
        &i,
        json!({"action": "propose_extension", "working_days": 5, "reason": "等待厂家答复"}),
    )
    .await;
    act(app, &consumer, &i, json!({"action": "agree_extension"})).await;
    // Saturday 28 November: D's consumer asks for escalation after the timely answer.
    app.clock.set(shanghai_10am("2026-11-28"));
    let consumer = app.demo_token("consumer@odr.demo").await;
    act(
        app,
        &consumer,
        &d,
        json!({"action": "request_escalation", "reason": "希望监管部门处理"}),
    )
    .await;

    let _ = j;
    Cases { e, f, g, h, i, k }
}

/// Step 2: on 28 November, November is not over: J is open and overdue; nothing else is.
async fn november_so_far_counts_only_what_is_over(app: &TestApp) {
    let november = figures(app, "period=month").await;
    check(
        "November, on the 28th",
        &november,
        &[
            ("filed", json!(11)),
            ("concluded", json!(5)),
            ("open_overdue_at_end", json!(1)),
            ("on_time_rate", json!(5.0 / 6.0)),
        ],
    );
}

/// Step 3: on 1 December the sweep flags E's and J's missed first contacts and escalates J;
/// November's figures are final, December's begin. Returns November's figures.
async fn the_sweep_closes_november(app: &TestApp) -> Value {
    // Tuesday 1 December: the sweep flags E's and J's missed first contact (counted on
    // their due days, 30 Nov and 3 Nov) and escalates J, late.
    app.clock.set(shanghai_10am("2026-12-01"));
    app.sweep().await;
    let november = figures(app, "period=month&date=2026-11-15").await;
    check(
        "November",
        &november,
        &[
            ("filed", json!(11)),
            // A, G agreed; B declined; C withdrawn; D escalated by its consumer: all on time.
            ("concluded", json!(5)),
            ("settled", json!(2)),
            ("escalated", json!(2)),
            ("withdrawn", json!(1)),
            // J was open past its due date when November ended, though concluded since.
            ("open_overdue_at_end", json!(1)),
            ("on_time_rate", json!(5.0 / 6.0)),
            ("settlement_rate", json!(0.5)),
            // Eight answered in time (B by its decline); E and J missed; C never judged.
            ("first_contact_rate", json!(0.8)),
            ("satisfaction_mean", json!(5.0)),
            ("satisfaction_high_share", json!(1.0)),
            ("rated", json!(1)),
            ("average_cycle_working_days", json!(0.0)),
            ("loss_recovered_fen", json!(100_000)),
        ],
    );
    // December so far: J escalated late; E, F, H, I open with their due dates ahead.
    let december = figures(app, "period=month").await;
    check(
        "December, on the 1st",
        &december,
        &[
            ("concluded", json!(1)),
            ("escalated", json!(1)),
            ("open_overdue_at_end", json!(0)),
            ("on_time_rate", json!(0.0)),
            ("settlement_rate", json!(0.0)),
        ],
    );

    november
}

/// Step 4: December's non-fulfilment, escalations, resume, late and timely agreements, counted
/// in December.
async fn december_events_land_in_december(app: &TestApp, cases: &Cases) {
    let Cases { e, f, g, h, i, k } = cases;
    // Wednesday 2 December: G's consumer reports the agreement unfulfilled; E's consumer,
    // never answered, asks for escalation.
    app.clock.set(shanghai_10am("2026-12-02"));
    let consumer = app.demo_token("consumer@odr.demo").await;
    act(
        app,
        &consumer,
        g,
        json!({"action": "report_non_fulfilment", "reason": "未退款"}),
    )
    .await;
    act(
        app,
        &consumer,
        e,
        json!({"action": "request_escalation", "reason": "商家不回应"}),
    )
    .await;
    // Friday 4 December: H resumes; its due date moves from 11 to 18 December.
    app.clock.set(shanghai_10am("2026-12-04"));
    let owner = app.demo_token(XIXI).await;
    act(app, &owner, h, json!({"action": "resume"})).await;

    // Monday 14 December, no sweep since: F is past its due date (11 Dec), unanswered by an
    // agreement — open and overdue now.
    app.clock.set(shanghai_10am("2026-12-14"));
    let december = figures(app, "period=month").await;
    check(
        "December, on the 14th",
        &december,
        &[("open_overdue_at_end", json!(2))],
    );
    let owner = app.demo_token(XIXI).await;
    let consumer = app.demo_token("consumer@odr.demo").await;
    // F agreed late; H and I agreed before their moved due dates (18 Dec).
    for id in [&f, &h, &i] {
        agree(app, &owner, &consumer, id).await;
    }
    // K's consumer asks for escalation after the due date: late, though answered in time.
    act(
        app,
        &consumer,
        k,
        json!({"action": "request_escalation", "reason": "仍未解决"}),
    )
    .await;
    let december = figures(app, "period=month").await;
    check(
        "December",
        &december,
        &[
            ("filed", json!(0)),
            // J (lapse), E (escalated unanswered), F and K (late), H and I (on time).
            ("concluded", json!(6)),
            // F, H, I agreed; G's November agreement moved to the escalations.
            ("settled", json!(2)),
            ("escalated", json!(4)),
            ("open_overdue_at_end", json!(0)),
            ("on_time_rate", json!(2.0 / 6.0)),
            ("settlement_rate", json!(2.0 / 6.0)),
            ("first_contact_rate", Value::Null),
            // J 21 working days, E 3, F, H, I and K 11 each.
            ("average_cycle_working_days", json!(68.0 / 6.0)),
        ],
    );
}

/// Step 5: November keeps its figures; both months together add up.
async fn both_months_add_up_and_november_keeps_its_figures(app: &TestApp, november: &Value) {
    let both = figures(app, "period=custom&from=2026-11-01&to=2026-12-31").await;
    check(
        "November and December",
        &both,
        &[
            ("concluded", json!(11)),
            ("settled", json!(4)),
            ("escalated", json!(6)),
            ("withdrawn", json!(1)),
            ("on_time_rate", json!(7.0 / 11.0)),
        ],
    );
    assert_eq!(
        figures(app, "period=month&date=2026-11-15").await,
        *november
    );
}

/// Step 6: the monthly close and the metrics export give November's figures too.
async fn the_monthly_close_and_the_export_say_the_same(app: &TestApp) {
    let owner = app.demo_token(XIXI).await;
    // The same November asked of the monthly close and the metrics export.
    let xihu = app.demo_token("reg.xihu@odr.demo").await;
    let close = csv(
        app,
        "/api/v1/reports/monthly?date=2026-11-15&format=csv",
        &xihu,
    )
    .await;
    let unit_row = close
        .iter()
        .find(|r| r.first().is_some_and(|c| c == "杭州西溪人家餐饮有限公司"))
        .unwrap();
    assert_eq!(
        unit_row[2..],
        ["11", "5", "1", "83.3%", "50.0%", "5.00"].map(String::from),
        "{unit_row:?}"
    );
    let export = csv(
        app,
        "/api/v1/metrics/export?period=month&date=2026-11-15&format=csv",
        &owner,
    )
    .await;
    let rate = export
        .iter()
        .find(|r| r[0].starts_with("按时办结率"))
        .unwrap();
    assert_eq!(rate[1], "83.3%");
    let overdue = export
        .iter()
        .find(|r| r[0].starts_with("期末超期未结"))
        .unwrap();
    assert_eq!(overdue[1], "1");
}

async fn every_place_gives_the_same_figures(app: TestApp) {
    app.seed_demo().await;
    random_history(&app, 7, 24).await;
    let now = app.clock.now();
    let today = now.with_timezone(&chrono_tz::Asia::Shanghai).date_naive();
    let owner = app.demo_token(XIXI).await;
    let unit = app.unit_of(&owner).await;

    // The evaluation list: its window asked of the metrics API.
    let xihu = app.demo_token("reg.xihu@odr.demo").await;
    let evaluation = app.get("/api/v1/evaluation?all=true", Some(&xihu)).await;
    evaluation.expect(200);
    let from = evaluation.body["window_from"].as_str().unwrap().to_string();
    let row = evaluation.body["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["unit_id"] == unit.as_str())
        .unwrap()
        .clone();
    let window = figures(&app, &format!("period=custom&from={from}&to={today}")).await;
    for name in ["on_time_rate", "settlement_rate", "filed", "concluded"] {
        assert_eq!(row[name], window[name], "evaluation's {name}");
    }

    // The directory's scorecard: the last 12 months.
    let year =
        today.checked_sub_months(chrono::Months::new(12)).unwrap() + chrono::Duration::days(1);
    let twelve = figures(&app, &format!("period=custom&from={year}&to={today}")).await;
    let card = app
        .get(&format!("/api/v1/public/units/{unit}"), None)
        .await
        .body["scorecard"]
        .clone();
    assert_eq!(card["on_time_rate"], twelve["on_time_rate"]);
    assert_eq!(card["settlement_rate"], twelve["settlement_rate"]);
    assert_eq!(card["disputes_last_12_months"], twelve["filed"]);

    // The month: the metrics API, the trend, the monthly close and the daily look.
    let month = figures(&app, "period=month").await;
    let trend = app
        .get("/api/v1/metrics/trend?months=1", Some(&owner))
        .await
        .body;
    assert_eq!(trend["months"][0], month, "the trend's month is the month");
    let close = csv(&app, "/api/v1/reports/monthly?format=csv", &xihu).await;
    let unit_row = close
        .iter()
        .find(|r| r.first().is_some_and(|c| c == "杭州西溪人家餐饮有限公司"))
        .unwrap();
    assert_eq!(
        unit_row[4],
        month["open_overdue_at_end"].to_string(),
        "{unit_row:?}"
    );
    assert_eq!(unit_row[5], percent(&month["on_time_rate"]), "{unit_row:?}");
    assert_eq!(
        unit_row[6],
        percent(&month["settlement_rate"]),
        "{unit_row:?}"
    );
    let region = app
        .get("/api/v1/metrics?period=month", Some(&xihu))
        .await
        .body["current"]
        .clone();
    let look = csv(&app, "/api/v1/reports/daily?format=csv", &xihu).await;
    let overdue = look
        .iter()
        .find(|r| r.first().is_some_and(|c| c.starts_with("超期未结")))
        .unwrap();
    assert_eq!(
        overdue[1],
        region["open_overdue_at_end"].to_string(),
        "the daily look's overdue is the month's so far"
    );
    let region_close = close
        .iter()
        .find(|r| r.first().is_some_and(|c| c.starts_with("按时办结率")))
        .unwrap();
    assert_eq!(region_close[1], percent(&region["on_time_rate"]));

    // The escalation packet: the unit's figures at the moment of escalation.
    let consumer = app.demo_token("consumer@odr.demo").await;
    let id = file(&app, &consumer, &unit, "2026-11-11").await;
    act(
        &app,
        &owner,
        &id,
        json!({"action": "decline", "reason": "不同意"}),
    )
    .await;
    let (packet, asked) = packet_and_api_figures(&app, id).await;
    assert_eq!(
        packet["metrics"]["unit"], asked,
        "the packet carries the API's figures"
    );
}

async fn counters_kept_event_by_event_equal_a_rebuild(app: TestApp) {
    app.seed_demo().await;
    for seed in [11, 12, 13] {
        random_history(&app, seed, 12).await;
    }
    let kept = all_counters(&app).await;
    assert!(
        kept.values().map(|days| days.len()).sum::<usize>() > 10,
        "a history to compare"
    );
    let handled_before = handling_ends(&app).await;
    let calendar = app.state.calendars.current();
    let rebuilt = app
        .with_conn(move |conn| {
            odr::oversight::rebuild::rebuild(conn, &calendar, Default::default(), &mut |_| {})
                .unwrap()
        })
        .await;
    assert!(rebuilt.disputes >= 36);
    assert_eq!(
        all_counters(&app).await,
        kept,
        "the counters kept live equal the rebuild"
    );
    assert_eq!(handling_ends(&app).await, handled_before);
    // A rebuild of a range leaves the figures as they were too.
    let calendar = app.state.calendars.current();
    let today = app
        .clock
        .now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive();
    app.with_conn(move |conn| {
        let range = odr::oversight::rebuild::Range {
            from: Some(today - chrono::Duration::days(20)),
            to: Some(today - chrono::Duration::days(3)),
        };
        odr::oversight::rebuild::rebuild(conn, &calendar, range, &mut |_| {}).unwrap()
    })
    .await;
    assert_eq!(all_counters(&app).await, kept);

    // The generated history (odr seed-demo --disputes) is counted by the same replay.
    let state = app.state.clone();
    app.with_conn(move |conn| {
        let ctx = state.case_context();
        let plan = odr::demo::history::HistoryPlan {
            disputes: 300,
            units: Some(4),
            seed: 5,
        };
        odr::demo::history::seed_history(conn, &ctx, &plan, state.clock.now(), |_, _| {}).unwrap()
    })
    .await;
    let generated = all_counters(&app).await;
    let calendar = app.state.calendars.current();
    app.with_conn(move |conn| {
        odr::oversight::rebuild::rebuild(conn, &calendar, Default::default(), &mut |_| {}).unwrap()
    })
    .await;
    assert_eq!(all_counters(&app).await, generated);
}

async fn a_rebuild_while_people_act_loses_and_doubles_nothing(app: TestApp) {
    app.seed_demo().await;
    random_history(&app, 31, 8).await;
    // Rebuilds run while the restaurant's staff and consumers keep acting.
    let calendar = app.state.calendars.current();
    let rebuilding = {
        let db = app.state.db.clone();
        tokio::spawn(async move {
            for _ in 0..4 {
                let calendar = calendar.clone();
                db.run(move |conn| {
                    odr::oversight::rebuild::rebuild(
                        conn,
                        &calendar,
                        Default::default(),
                        &mut |_| {},
                    )
                })
                .await
                .unwrap();
            }
        })
    };
    let acting = random_history(&app, 32, 8);
    let (rebuilt, ()) = tokio::join!(rebuilding, acting);
    rebuilt.unwrap();
    let kept = all_counters(&app).await;
    // What the events left equals what their timelines say.
    let calendar = app.state.calendars.current();
    app.with_conn(move |conn| {
        odr::oversight::rebuild::rebuild(conn, &calendar, Default::default(), &mut |_| {}).unwrap()
    })
    .await;
    assert_eq!(all_counters(&app).await, kept);
}

async fn an_upgraded_database_fills_in_counters_from_before_they_existed(app: TestApp) {
    app.seed_demo().await;
    random_history(&app, 21, 10).await;
    let kept = all_counters(&app).await;
    let owner = app.demo_token(XIXI).await;
    let before = app
        .get("/api/v1/metrics?period=month", Some(&owner))
        .await
        .body;
    // As the database was before the counters: no counter rows, no end of handling.
    app.with_conn(|conn| {
        use diesel::connection::SimpleConnection;
        conn.batch_execute("DELETE FROM metric_daily; DELETE FROM metric_monthly; DELETE FROM metric_region_daily; DELETE FROM metric_region_monthly; UPDATE disputes SET handling_ended_at = NULL; INSERT INTO maintenance_tasks (name, requested_at) VALUES ('metrics_rebuild', CURRENT_TIMESTAMP);").unwrap();
    }).await;
    assert!(all_counters(&app).await.is_empty());
    // The next start fills them in.
    let settings = (*app.state.settings).clone();
    let restarted = odr::startup::build_state(settings, std::sync::Arc::new(app.clock.clone()))
        .await
        .unwrap();
    drop(restarted);
    assert_eq!(all_counters(&app).await, kept);
    let restarted = figures(&app, "period=month").await;
    assert_eq!(restarted["filed"], before["current"]["filed"]);
    let pending = app
        .with_conn(|conn| odr::store::metrics::task_pending(conn, "metrics_rebuild").unwrap())
        .await;
    assert!(!pending, "done once");
}

fn percent(rate: &Value) -> String {
    rate.as_f64()
        .map(|r| format!("{:.1}%", r * 100.0))
        .unwrap_or_default()
}

async fn csv(app: &TestApp, path: &str, token: &str) -> Vec<Vec<String>> {
    csv_rows(&download(app, path, token).await.1)
}

type Kept =
    std::collections::BTreeMap<String, std::collections::BTreeMap<chrono::NaiveDate, String>>;

/// Every unit's non-zero daily counters, and the monthly rows, as text to compare.
async fn all_counters(app: &TestApp) -> Kept {
    let kept = app
        .with_conn(|conn| {
            use diesel::prelude::*;
            use odr::store::schema::{metric_daily, metric_monthly};
            let mut units: Vec<String> = metric_daily::table
                .select(metric_daily::unit_id)
                .distinct()
                .load(conn)
                .unwrap();
            units.extend(
                metric_monthly::table
                    .select(metric_monthly::unit_id)
                    .distinct()
                    .load::<String>(conn)
                    .unwrap(),
            );
            units.sort();
            units.dedup();
            let mut out = Kept::new();
            for unit in units {
                let days = odr::store::metrics::daily_counters(conn, &unit).unwrap();
                let mut by_month: std::collections::BTreeMap<
                    chrono::NaiveDate,
                    odr::domain::metrics::Counters,
                > = Default::default();
                for (day, c) in &days {
                    *by_month
                        .entry(odr::store::metrics::month_of(*day))
                        .or_default() += *c;
                }
                let monthly: Vec<(chrono::NaiveDate, i64, i64, i64, i64)> = metric_monthly::table
                    .filter(metric_monthly::unit_id.eq(&unit))
                    .select((
                        metric_monthly::month,
                        metric_monthly::filed,
                        metric_monthly::concluded_on_time,
                        metric_monthly::settled,
                        metric_monthly::first_contact_due,
                    ))
                    .load(conn)
                    .unwrap();
                let monthly: std::collections::BTreeMap<chrono::NaiveDate, (i64, i64, i64, i64)> =
                    monthly
                        .into_iter()
                        .map(|(m, a, b, c, d)| (m, (a, b, c, d)))
                        .filter(|(_, v)| *v != (0, 0, 0, 0))
                        .collect();
                let expected: std::collections::BTreeMap<chrono::NaiveDate, (i64, i64, i64, i64)> =
                    by_month
                        .iter()
                        .map(|(m, c)| {
                            (
                                *m,
                                (c.filed, c.concluded_on_time, c.settled, c.first_contact_due),
                            )
                        })
                        .filter(|(_, v)| *v != (0, 0, 0, 0))
                        .collect();
                assert_eq!(
                    monthly, expected,
                    "the monthly rows of {unit} add up its days"
                );
                let whole = odr::store::metrics::sum_counters(
                    conn,
                    &odr::store::metrics::MetricScope::Unit(unit.clone()),
                    chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(),
                    chrono::NaiveDate::from_ymd_opt(2030, 1, 1).unwrap(),
                )
                .unwrap();
                let total = by_month.values().fold(
                    odr::domain::metrics::Counters::default(),
                    |mut a, c| {
                        a += *c;
                        a
                    },
                );
                assert_eq!(
                    whole, total,
                    "a unit's years read from the monthly rows equal its days"
                );
                let entry = out.entry(unit).or_default();
                for (day, c) in days {
                    entry.insert(day, format!("{c:?}"));
                }
            }
            out.retain(|_, days| !days.is_empty());
            out
        })
        .await;
    app.assert_rollups_add_up().await;
    kept
}

async fn handling_ends(app: &TestApp) -> Vec<(String, Option<chrono::NaiveDateTime>)> {
    app.with_conn(|conn| {
        use diesel::prelude::*;
        use odr::store::schema::disputes;
        disputes::table
            .order(disputes::id)
            .select((disputes::id, disputes::handling_ended_at))
            .load(conn)
            .unwrap()
    })
    .await
}

/// Files `count` disputes at the demo's restaurants and walks each through random actions of
/// both parties over random days, with the timers' sweeps in between: a random history.
async fn random_history(app: &TestApp, seed: u64, count: usize) {
    let mut rng = StdRng::seed_from_u64(seed);
    let owners = [XIXI, "owner.hefang@odr.demo"];
    let mut units = Vec::new();
    for owner in owners {
        units.push(app.unit_of(&app.demo_token(owner).await).await);
    }
    let mut cases = Vec::new();
    for n in 0..count {
        // Tokens last 15 minutes of the clock's time; log in again as it moves.
        let consumer = app.demo_token("consumer@odr.demo").await;
        let which = rng.random_range(0..owners.len());
        let unit = &units[which];
        let owner_email = owners[which];
        let reply = app
            .post(
                "/api/v1/disputes",
                Some(&consumer),
                &service_claim(
                    unit,
                    &format!("套餐 {seed}-{n}"),
                    &format!("2026-0{}-1{}", 1 + n % 9, seed % 10),
                    50_000,
                ),
            )
            .await;
        if reply.status == 201 {
            cases.push((owner_email, reply.body["id"].as_str().unwrap().to_string()));
        }
        app.advance(chrono::Duration::hours(rng.random_range(1..30)));
    }
    for _round in 0..8 {
        let consumer = app.demo_token("consumer@odr.demo").await;
        let mut tokens = std::collections::HashMap::new();
        for owner in owners {
            tokens.insert(owner, app.demo_token(owner).await);
        }
        for (owner_email, id) in &cases {
            let owner = tokens[owner_email].clone();
            let view = app
                .get(&format!("/api/v1/disputes/{id}"), Some(&consumer))
                .await
                .body;
            let open = view["offers"]
                .as_array()
                .map(|o| {
                    o.iter()
                        .filter(|o| o["status"] == "open")
                        .map(|o| {
                            (
                                o["id"].as_str().unwrap_or_default().to_string(),
                                o["party"].as_str().unwrap_or_default().to_string(),
                            )
                        })
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default();
            let merchant_offer = open.iter().find(|o| o.1 == "business").map(|o| o.0.clone());
            let (token, body) = match rng.random_range(0..16) {
                0 => (&owner, contact()),
                1 | 2 => (
                    &owner,
                    json!({"action": "make_offer", "remedy": "refund", "amount_fen": 30_000, "terms": "退款", "fulfilment_days": 3}),
                ),
                3 | 4 => match merchant_offer {
                    Some(offer) => (
                        &consumer,
                        json!({"action": "accept_offer", "offer_id": offer}),
                    ),
                    None => (&owner, json!({"action": "message", "body": "正在核实。"})),
                },
                5 => (&owner, json!({"action": "decline", "reason": "不同意"})),
                6 => (
                    &consumer,
                    json!({"action": "withdraw", "reason": "不再追究"}),
                ),
                7 => (
                    &consumer,
                    json!({"action": "request_escalation", "reason": "请求处理"}),
                ),
                8 => (
                    &owner,
                    json!({"action": "mark_fulfilled", "note": "已退款"}),
                ),
                9 => (&consumer, json!({"action": "confirm_fulfilment"})),
                10 => (
                    &consumer,
                    json!({"action": "report_non_fulfilment", "reason": "未退款"}),
                ),
                11 => (
                    &consumer,
                    json!({"action": "rate", "rating": rng.random_range(1..=5)}),
                ),
                12 => (&owner, json!({"action": "propose_pause", "reason": "送检"})),
                13 => (&consumer, json!({"action": "agree_pause"})),
                14 => (&owner, json!({"action": "resume"})),
                _ => (
                    &consumer,
                    json!({"action": "message", "body": "请尽快处理。"}),
                ),
            };
            // Refused actions (not allowed in that state) change nothing; that is part of it.
            let reply = app
                .post(
                    &format!("/api/v1/disputes/{id}/actions"),
                    Some(token),
                    &body,
                )
                .await;
            assert!(reply.status.as_u16() < 500, "{body}: {}", reply.body);
        }
        app.advance(chrono::Duration::hours(rng.random_range(12..96)));
        app.sweep().await;
    }
}
