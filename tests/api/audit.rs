//! The hash-chained audit log, unmasking a consumer's contact, and a consumer's own data.

use serde_json::{Value, json};

use crate::both_backends;
use crate::cli::odr;
use crate::escalations::escalated;
use crate::helpers::TestApp;

both_backends!(
    every_action_is_chained_and_an_edit_behind_the_platforms_back_is_found,
    a_removed_last_entry_is_found_too,
    an_entry_made_to_look_unsealed_is_found_after_sealing,
    entries_written_at_once_are_sealed_once_each_onto_one_chain,
    a_regulator_unmasks_a_contact_only_with_a_reason_which_is_audited,
    a_consumer_downloads_all_of_their_data
);

async fn every_action_is_chained_and_an_edit_behind_the_platforms_back_is_found(app: TestApp) {
    let dispute = escalated(&app).await;
    let admin = app.demo_token("admin@odr.demo").await;
    let waiting = app.get("/api/v1/audit?limit=500", Some(&admin)).await;
    assert!(
        waiting.body["items"].as_array().unwrap().is_empty(),
        "appended, listed once sealed: {}",
        waiting.body
    );
    let sealed = app.sweep().await.audit_sealed;
    assert!(sealed > 3, "{sealed}");
    let xihu = app.demo_token("reg.xihu@odr.demo").await;
    let page = app.get("/api/v1/audit?limit=500", Some(&xihu)).await;
    page.expect(200);
    let items = page.body["items"].as_array().unwrap().clone();
    let on_dispute: Vec<&str> = items
        .iter()
        .filter(|e| e["object_id"] == dispute.as_str())
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        on_dispute,
        [
            "dispute.filed",
            "dispute.evidence_added",
            "dispute.declined"
        ]
    );
    let filed = items
        .iter()
        .find(|e| e["action"] == "dispute.filed")
        .unwrap();
    assert_eq!(filed["actor_role"], "consumer");
    assert_eq!(filed["region_code"], "330106");
    assert!(
        items
            .iter()
            .all(|e| e["region_code"].as_str().unwrap().starts_with("330106"))
    );
    assert!(
        items.iter().any(|e| e["action"] == "unit.active"),
        "the demo's approvals are there too"
    );

    let binjiang = app.demo_token("reg.binjiang@odr.demo").await;
    let theirs = app
        .get("/api/v1/audit?limit=500", Some(&binjiang))
        .await
        .body;
    assert!(
        theirs["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["object_id"] != dispute.as_str())
    );
    let consumer = app.demo_token("consumer@odr.demo").await;
    app.get("/api/v1/audit", Some(&consumer))
        .await
        .expect_problem(403, "forbidden");
    let owner = app.demo_token("owner.xixi@odr.demo").await;
    app.get("/api/v1/audit/export", Some(&owner))
        .await
        .expect_problem(403, "forbidden");
    app.get("/api/v1/audit?limit=0", Some(&xihu))
        .await
        .expect_problem(422, "validation_failed");

    // Paging follows the chain.
    let first = app.get("/api/v1/audit?limit=2", Some(&admin)).await.body;
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = app
        .get(
            &format!("/api/v1/audit?limit=2&cursor={cursor}"),
            Some(&admin),
        )
        .await
        .body;
    assert_eq!(second["items"][0]["prev_hash"], first["items"][1]["hash"]);

    // The export opens in Excel: BOM, header, one row per entry the regulator can read.
    let export = app
        .client
        .get(format!("{}/api/v1/audit/export", app.address))
        .bearer_auth(&xihu)
        .send()
        .await
        .unwrap();
    assert_eq!(export.status(), 200);
    assert!(
        export.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let bytes = export.bytes().await.unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF");
    let mut reader = csv::Reader::from_reader(&bytes[3..]);
    assert_eq!(reader.headers().unwrap().iter().next(), Some("seq"));
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), items.len());
    assert_eq!(&rows[0][5], items[0]["action"].as_str().unwrap());
    app.sweep().await;
    let after = app.get("/api/v1/audit?limit=500", Some(&xihu)).await.body;
    assert_eq!(
        after["items"].as_array().unwrap().last().unwrap()["action"],
        "audit.export"
    );

    let verify = |url: String| {
        let output = odr(&url).arg("audit-verify").output().unwrap();
        (
            output.status.success(),
            String::from_utf8_lossy(&output.stdout).to_string(),
        )
    };
    let (ok, out) = verify(app.database_url.clone());
    assert!(ok, "{out}");
    assert!(out.starts_with("Audit chain intact:"), "{out}");

    // Someone edits an entry in the database directly.
    let seq: i64 = filed["seq"].as_i64().unwrap();
    app.with_conn(move |conn| {
        use diesel::prelude::*;
        use odr::store::schema::audit_log;
        diesel::update(audit_log::table.find(seq))
            .set(audit_log::actor_role.eq("regulator"))
            .execute(conn)
            .unwrap();
    })
    .await;
    let (ok, out) = verify(app.database_url.clone());
    assert!(!ok);
    assert!(out.contains(&format!("broken at entry {seq} ")), "{out}");
    assert!(out.contains("edited"), "{out}");
}

async fn a_removed_last_entry_is_found_too(app: TestApp) {
    escalated(&app).await;
    let last = app
        .with_conn(|conn| {
            use diesel::prelude::*;
            use odr::store::schema::audit_log;
            let last: i64 = audit_log::table
                .select(diesel::dsl::max(audit_log::seq))
                .first::<Option<i64>>(conn)
                .unwrap()
                .unwrap();
            odr::store::audit::seal_all(conn).unwrap();
            assert!(odr::store::audit::verify_chain(conn).unwrap().is_ok());
            diesel::delete(audit_log::table.find(last))
                .execute(conn)
                .unwrap();
            let broken = odr::store::audit::verify_chain(conn).unwrap().unwrap_err();
            assert!(broken.reason.contains("removed"), "{broken:?}");
            last
        })
        .await;
    assert!(last > 3);
}

async fn a_regulator_unmasks_a_contact_only_with_a_reason_which_is_audited(app: TestApp) {
    let dispute = escalated(&app).await;
    let path = format!("/api/v1/disputes/{dispute}/contact");
    let xihu = app.demo_token("reg.xihu@odr.demo").await;
    let view = app
        .get(&format!("/api/v1/disputes/{dispute}"), Some(&xihu))
        .await
        .body;
    assert_eq!(
        view["consumer"]["phone"], "138****0001",
        "masked until unmasked"
    );
    app.post(&path, Some(&xihu), &json!({"reason": "  "}))
        .await
        .expect_problem(422, "validation_failed");
    let owner = app.demo_token("owner.xixi@odr.demo").await;
    app.post(&path, Some(&owner), &json!({"reason": "想看看电话号码"}))
        .await
        .expect_problem(403, "forbidden");
    let binjiang = app.demo_token("reg.binjiang@odr.demo").await;
    app.post(&path, Some(&binjiang), &json!({"reason": "调解需要联系"}))
        .await
        .expect_problem(404, "dispute_not_found");
    app.sweep().await; // the log lists sealed entries
    let before = app.get("/api/v1/audit?limit=500", Some(&xihu)).await.body["items"]
        .as_array()
        .unwrap()
        .len();

    let contact = app
        .post(
            &path,
            Some(&xihu),
            &json!({"reason": "调解需电话联系消费者"}),
        )
        .await;
    contact.expect(200);
    assert_eq!(contact.body["phone"], "+8613800000001");
    app.sweep().await; // the log lists sealed entries
    let items = app.get("/api/v1/audit?limit=500", Some(&xihu)).await.body["items"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(
        items.len(),
        before + 1,
        "refusals leave no entry; the unmasking one"
    );
    let entry = items.last().unwrap();
    assert_eq!(entry["action"], "dispute.unmask");
    assert_eq!(entry["actor_role"], "regulator");
    assert_eq!(entry["details"]["reason"], "调解需电话联系消费者");
}

async fn a_consumer_downloads_all_of_their_data(app: TestApp) {
    let dispute = escalated(&app).await;
    let consumer = app.demo_token("consumer@odr.demo").await;
    let export = app.get("/api/v1/me/export", Some(&consumer)).await;
    export.expect(200);
    assert!(
        export.headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains("odr-my-data.json")
    );
    let data: &Value = &export.body;
    assert_eq!(data["account"]["phone"], "+8613800000001");
    let disputes = data["disputes"].as_array().unwrap();
    assert_eq!(disputes.len(), 1);
    assert_eq!(disputes[0]["id"], dispute.as_str());
    assert_eq!(disputes[0]["evidence"][0]["file_name"], "异物.png");
    assert!(!data["notifications"].as_array().unwrap().is_empty());

    app.post(
        "/api/v1/auth/register",
        None,
        &json!({
            "display_name": "王先生", "email": "wang@example.cn", "password": "green-tea-2026"
        }),
    )
    .await
    .expect(201);
    let other = app.token("wang@example.cn", "green-tea-2026").await;
    let theirs = app.get("/api/v1/me/export", Some(&other)).await.body;
    assert!(
        theirs["disputes"].as_array().unwrap().is_empty(),
        "nobody else's disputes"
    );
    let admin = app.demo_token("admin@odr.demo").await;
    app.sweep().await; // the log lists sealed entries
    let log = app.get("/api/v1/audit?limit=500", Some(&admin)).await.body;
    let exports = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "account.export")
        .count();
    assert_eq!(exports, 2);
}

both_backends!(personal_data_of_long_concluded_disputes_is_removed_and_the_figures_stay);

async fn personal_data_of_long_concluded_disputes_is_removed_and_the_figures_stay(app: TestApp) {
    let old = escalated(&app).await;
    // The bureau turns it into an enforcement case (诉转案).
    app.run_pending_jobs().await;
    let xihu = app.demo_token("reg.xihu@odr.demo").await;
    let queue = app.get("/api/v1/escalations", Some(&xihu)).await.body;
    let escalation = queue[0]["id"].as_str().unwrap().to_string();
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
    let consumer = app.demo_token("consumer@odr.demo").await;
    let before = app
        .get(&format!("/api/v1/disputes/{old}"), Some(&consumer))
        .await
        .body;
    let evidence = before["evidence"][0]["download_path"]
        .as_str()
        .unwrap()
        .to_string();
    // Two years later another dispute is filed and withdrawn.
    app.advance(chrono::Duration::days(730));
    let recent = crate::deadlines::file_with(&app, "owner.hefang@odr.demo", "2028-11-20").await;
    let recent = recent["id"].as_str().unwrap().to_string();
    let consumer = app.demo_token("consumer@odr.demo").await;
    app.post(
        &format!("/api/v1/disputes/{recent}/actions"),
        Some(&consumer),
        &json!({"action": "withdraw", "reason": "已自行解决"}),
    )
    .await
    .expect(200);
    assert_eq!(app.sweep().await.anonymised, 0, "not three years yet");

    app.advance(chrono::Duration::days(367));
    assert_eq!(app.sweep().await.anonymised, 1);
    assert_eq!(app.sweep().await.anonymised, 0, "once");
    let consumer = app.demo_token("consumer@odr.demo").await;
    let view = app
        .get(&format!("/api/v1/disputes/{old}"), Some(&consumer))
        .await
        .body;
    let removed = odr::disputes::retention::REMOVED;
    assert_eq!(view["claim"]["description"], removed);
    assert_eq!(view["claim"]["item"]["name"], removed);
    assert_eq!(view["evidence"][0]["file_name"], removed);
    assert_eq!(view["status"], "escalated", "the outcome stays");
    assert_eq!(
        view["claim"]["amount_claimed_fen"], 100_000,
        "the figures stay"
    );
    assert!(
        view["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "anonymised")
    );
    app.get(&evidence, Some(&consumer))
        .await
        .expect_problem(410, "evidence_removed");
    let of_old = old.clone();
    let packet = app
        .with_conn(move |conn| {
            use diesel::prelude::*;
            use odr::store::schema::escalations;
            escalations::table
                .filter(escalations::dispute_id.eq(old))
                .select(escalations::packet)
                .first::<String>(conn)
                .unwrap()
        })
        .await;
    assert_eq!(packet, "{}", "the packet held the consumer's phone");
    // Its notices kept the names in three texts: the stored one and both languages'.
    let notices = app
        .with_conn(move |conn| {
            use diesel::prelude::*;
            use odr::store::schema::notifications as n;
            n::table
                .filter(n::dispute_id.eq(of_old))
                .select((n::message, n::message_zh, n::message_en))
                .load::<(String, Option<String>, Option<String>)>(conn)
                .unwrap()
        })
        .await;
    assert!(!notices.is_empty());
    for (message, zh, en) in notices {
        assert_eq!(message, removed);
        assert_eq!((zh, en), (None, None), "no text of the notice is left");
    }
    let kept = app
        .get(&format!("/api/v1/disputes/{recent}"), Some(&consumer))
        .await
        .body;
    assert_eq!(kept["claim"]["item"]["name"], "年夜饭套餐");

    let admin = app.demo_token("admin@odr.demo").await;
    let november = app
        .get(
            "/api/v1/metrics?scope=all&period=month&date=2026-11-27",
            Some(&admin),
        )
        .await
        .body;
    assert_eq!(november["current"]["filed"], 1);
    assert_eq!(november["current"]["escalated"], 1);
    assert_eq!(november["current"]["complaint_to_case"], 1);
    // A rebuild from the anonymised timelines keeps every figure, 诉转案 included.
    let calendar = app.state.calendars.current();
    app.with_conn(move |conn| {
        odr::oversight::rebuild::rebuild(conn, &calendar, Default::default(), &mut |_| {}).unwrap()
    })
    .await;
    let rebuilt = app
        .get(
            "/api/v1/metrics?scope=all&period=month&date=2026-11-27",
            Some(&admin),
        )
        .await
        .body;
    assert_eq!(rebuilt, november);
    let chain = app
        .with_conn(|conn| {
            odr::store::audit::seal_all(conn).unwrap();
            odr::store::audit::verify_chain(conn).unwrap()
        })
        .await;
    assert!(
        chain.is_ok(),
        "anonymising leaves the audit chain intact: {chain:?}"
    );
}

/// One entry of a made-up action, as a use case appends it.
fn entry_of(conn: &mut odr::store::DbConn, what: &str) -> Result<(), odr::store::StoreError> {
    odr::store::write_transaction(conn, |conn| {
        odr::store::audit::append_audit(
            conn,
            &odr::store::audit::Audit {
                actor_id: None,
                actor_role: "system",
                action: what,
                object_type: "test",
                object_id: what,
                region_code: None,
                details: &json!({}),
            },
            crate::helpers::start_time(),
        )
    })
}

async fn entries_written_at_once_are_sealed_once_each_onto_one_chain(app: TestApp) {
    app.seed_demo().await;
    // Eight writers append five entries each at once; then two sealers run at once.
    let writers = (0..8).map(|writer| {
        let db = app.state.db.clone();
        async move {
            db.run(move |conn| {
                (0..5).try_for_each(|n| entry_of(conn, &format!("test.{writer}.{n}")))
            })
            .await
        }
    });
    futures_util::future::try_join_all(writers).await.unwrap();
    let sealers = (0..2).map(|_| {
        let db = app.state.db.clone();
        async move { db.run(odr::store::audit::seal_all).await }
    });
    let sealed: usize = futures_util::future::try_join_all(sealers)
        .await
        .unwrap()
        .into_iter()
        .sum();
    let (intact, entries, places) = app
        .with_conn(|conn| {
            use diesel::prelude::*;
            use odr::store::schema::audit_log;
            let intact = odr::store::audit::verify_chain(conn).unwrap().unwrap();
            let entries: i64 = audit_log::table.count().get_result(conn).unwrap();
            let places: Vec<Option<i64>> = audit_log::table
                .order(audit_log::seq)
                .select(audit_log::chain_no)
                .load(conn)
                .unwrap();
            (intact, entries, places)
        })
        .await;
    assert_eq!(intact.waiting, 0);
    assert_eq!(intact.sealed, entries);
    assert_eq!(
        sealed as i64, entries,
        "every entry sealed once, by one of the sealers"
    );
    let in_order: Vec<Option<i64>> = (1..=entries).map(Some).collect();
    assert_eq!(places, in_order, "sealed in the order they were written");
}

/// An append takes no lock another append waits for: while one transaction that appended is
/// still open, another connection appends and commits (on PostgreSQL; SQLite has one writer).
#[tokio::test]
async fn an_append_does_not_wait_for_another_transactions_append() {
    let app = crate::helpers::spawn_app(crate::helpers::Backend::Postgres).await;
    let pool = app.state.db.pool().clone();
    app.with_conn(move |first| {
        odr::store::write_transaction(first, |first| {
            entry_of(first, "test.first")?;
            let mut second = pool.get().expect("a second connection");
            // Waiting would fail the append instead of hanging the test.
            use diesel::RunQueryDsl;
            diesel::sql_query("SET lock_timeout = '5s'").execute(&mut *second)?;
            entry_of(&mut second, "test.second")?;
            diesel::sql_query("RESET lock_timeout").execute(&mut *second)?;
            Ok::<_, odr::store::StoreError>(())
        })
        .unwrap();
    })
    .await;
    let sealed = app
        .with_conn(|conn| odr::store::audit::seal_all(conn).unwrap())
        .await;
    assert_eq!(sealed, 2);
}

async fn an_entry_made_to_look_unsealed_is_found_after_sealing(app: TestApp) {
    escalated(&app).await;
    let broken = app
        .with_conn(|conn| {
            use diesel::prelude::*;
            use odr::store::schema::audit_log;
            odr::store::audit::seal_all(conn).unwrap();
            // Someone edits the second entry and wipes its seal, hoping it is sealed anew.
            diesel::update(audit_log::table.filter(audit_log::chain_no.eq(2)))
                .set((
                    audit_log::actor_role.eq("admin"),
                    audit_log::chain_no.eq(None::<i64>),
                    audit_log::prev_hash.eq(None::<String>),
                    audit_log::hash.eq(None::<String>),
                ))
                .execute(conn)
                .unwrap();
            odr::store::audit::seal_all(conn).unwrap();
            odr::store::audit::verify_chain(conn).unwrap().unwrap_err()
        })
        .await;
    assert!(broken.reason.contains("place 2"), "{broken:?}");
}
