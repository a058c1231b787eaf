//! Lists and case files kept in a node's memory (docs/architecture.md#read-memory): a change on
//! the node shows at once, a change elsewhere within a second, and every viewer keeps their
//! own rights.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::Duration;
use diesel::prelude::*;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{TestApp, service_claim};

both_backends!(
    a_change_elsewhere_shows_within_a_second_and_one_here_at_once,
    a_kept_case_file_is_shown_with_each_viewers_rights,
    filings_made_while_many_read_the_inbox_all_show_once_answered
);

const INBOX: &str = "/api/v1/disputes?sort=due&limit=200";

/// The item name of dispute `id` in the list page `page`, when listed.
fn item_of(page: &Value, id: &str) -> Option<String> {
    page["items"]
        .as_array()?
        .iter()
        .find(|i| i["id"] == id)
        .and_then(|i| i["item_name"].as_str().map(str::to_string))
}

/// The demo seeded, the consumer files at 西溪人家: the consumer's and the owner's tokens and
/// the dispute's id.
async fn filed_at_xixi(app: &TestApp) -> (String, String, String) {
    app.seed_demo().await;
    let consumer = app.demo_token("consumer@odr.demo").await;
    let owner = app.demo_token("owner.xixi@odr.demo").await;
    let unit = app.unit_of(&owner).await;
    let filed = app
        .post(
            "/api/v1/disputes",
            Some(&consumer),
            &service_claim(&unit, "包间宴席", "2026-11-20", 50_000),
        )
        .await;
    assert_eq!(filed.status, 201, "{}", filed.body);
    let id = filed.body["id"].as_str().unwrap().to_string();
    (consumer, owner, id)
}

/// Renames dispute `id`'s item as another node would: through a pool of its own, which this
/// node does not see write.
async fn rename_elsewhere(app: &TestApp, id: &str, name: &'static str) {
    let url = app.database_url.clone();
    let id = id.to_string();
    tokio::task::spawn_blocking(move || {
        use odr::store::schema::dispute_claims;
        let other_node =
            odr::store::conn::build_pool(&url, 1, std::time::Duration::from_secs(10)).unwrap();
        let mut conn = other_node.get().unwrap();
        diesel::update(dispute_claims::table.find(id))
            .set(dispute_claims::item_name.eq(name))
            .execute(&mut *conn)
            .unwrap();
    })
    .await
    .unwrap();
}

async fn a_change_elsewhere_shows_within_a_second_and_one_here_at_once(app: TestApp) {
    let (consumer, owner, id) = filed_at_xixi(&app).await;
    let page = format!("/api/v1/disputes/{id}");
    let inbox = app.get(INBOX, Some(&owner)).await;
    assert_eq!(item_of(&inbox.body, &id).as_deref(), Some("包间宴席"));
    assert_eq!(app.get(&page, Some(&owner)).await.body["status"], "filed");

    // Another node renames the item.
    rename_elsewhere(&app, &id, "包间宴席（改）").await;
    // This node answers from what it read for up to a second, then reads again.
    let inbox = app.get(INBOX, Some(&owner)).await;
    assert_eq!(item_of(&inbox.body, &id).as_deref(), Some("包间宴席"));
    app.advance(Duration::milliseconds(999));
    let inbox = app.get(INBOX, Some(&owner)).await;
    assert_eq!(item_of(&inbox.body, &id).as_deref(), Some("包间宴席"));
    app.advance(Duration::milliseconds(1));
    let inbox = app.get(INBOX, Some(&owner)).await;
    assert_eq!(item_of(&inbox.body, &id).as_deref(), Some("包间宴席（改）"));
    let case = app.get(&page, Some(&owner)).await;
    assert_eq!(
        case.body["claim"]["item"]["name"], "包间宴席（改）",
        "{}",
        case.body
    );

    // A step taken on this node shows at once, to the one who took it and to the other party,
    // on the page and in the lists, with the clock standing still.
    let status_in = |page: &Value| {
        let items = page["items"].as_array().cloned().unwrap_or_default();
        let row = items.into_iter().find(|i| i["id"] == id.as_str());
        row.map(|r| r["status"].clone())
    };
    let mine = app.get("/api/v1/disputes?limit=200", Some(&consumer)).await;
    assert_eq!(status_in(&mine.body), Some(json!("filed")));
    assert_eq!(
        app.get(&page, Some(&consumer)).await.body["status"],
        "filed"
    );
    let contacted = app
        .post(
            &format!("{page}/actions"),
            Some(&owner),
            &json!({"action": "first_contact", "message": "您好，已收到。"}),
        )
        .await;
    assert_eq!(contacted.status, 200, "{}", contacted.body);
    assert_eq!(
        app.get(&page, Some(&owner)).await.body["status"],
        "negotiating"
    );
    assert_eq!(
        app.get(&page, Some(&consumer)).await.body["status"],
        "negotiating"
    );
    let mine = app.get("/api/v1/disputes?limit=200", Some(&consumer)).await;
    assert_eq!(status_in(&mine.body), Some(json!("negotiating")));
}

async fn a_kept_case_file_is_shown_with_each_viewers_rights(app: TestApp) {
    let (consumer, _, id) = filed_at_xixi(&app).await;
    let page = format!("/api/v1/disputes/{id}");
    // Logging in writes: everyone logs in first, so that nothing is written between the looks.
    let regulator = app.demo_token("reg.xihu@odr.demo").await;
    let mut strangers = Vec::new();
    for stranger in [
        "reg.binjiang@odr.demo",
        "owner.fengda@odr.demo",
        "assoc.catering@odr.demo",
    ] {
        strangers.push((stranger, app.demo_token(stranger).await));
    }
    // The consumer's look keeps the case file; everyone after is answered from it.
    let own = app.get(&page, Some(&consumer)).await;
    assert_eq!(own.status, 200);
    assert_eq!(
        own.body["consumer"]["phone"], "+8613800000001",
        "{}",
        own.body
    );
    // Renamed behind the node's back: the regulator is answered from what the consumer's look
    // kept, with the phone masked for a regulator.
    rename_elsewhere(&app, &id, "包间宴席（改）").await;
    let seen = app.get(&page, Some(&regulator)).await;
    assert_eq!(seen.status, 200);
    assert_eq!(seen.body["claim"]["item"]["name"], "包间宴席");
    let masked = seen.body["consumer"]["phone"].as_str().unwrap();
    assert!(
        masked.contains('*') && !masked.contains("00000"),
        "{masked}"
    );
    for (stranger, token) in strangers {
        let refused = app.get(&page, Some(&token)).await;
        assert_eq!(refused.status, 404, "{stranger}: {}", refused.body);
        let listed = app.get(INBOX, Some(&token)).await;
        let ids = listed.body["items"].as_array().cloned().unwrap_or_default();
        assert!(ids.iter().all(|i| i["id"] != id.as_str()), "{stranger}");
    }
}

async fn filings_made_while_many_read_the_inbox_all_show_once_answered(app: TestApp) {
    app.seed_demo().await;
    let app = Arc::new(app);
    let consumer = app.demo_token("consumer@odr.demo").await;
    let owner = app.demo_token("owner.xixi@odr.demo").await;
    let unit = app.unit_of(&owner).await;
    let stop = Arc::new(AtomicBool::new(false));
    let mut readers = Vec::new();
    for _ in 0..6 {
        let (app, owner, stop) = (app.clone(), owner.clone(), stop.clone());
        readers.push(tokio::spawn(async move {
            let mut statuses = Vec::new();
            while !stop.load(Ordering::Acquire) {
                statuses.push(app.get(INBOX, Some(&owner)).await.status.as_u16());
            }
            statuses
        }));
    }
    let mut filers = Vec::new();
    for filer in 0..6u32 {
        let (app, consumer, owner, unit) =
            (app.clone(), consumer.clone(), owner.clone(), unit.clone());
        filers.push(tokio::spawn(async move {
            let mut ids = Vec::new();
            for round in 0..3u32 {
                let day = 1 + filer * 3 + round;
                let filed = app
                    .post(
                        "/api/v1/disputes",
                        Some(&consumer),
                        &service_claim(&unit, "包间宴席", &format!("2026-10-{day:02}"), 50_000),
                    )
                    .await;
                assert_eq!(filed.status, 201, "{}", filed.body);
                let id = filed.body["id"].as_str().unwrap().to_string();
                // Once answered, the filing is in the inbox for whoever reads next.
                let inbox = app.get(INBOX, Some(&owner)).await;
                assert!(item_of(&inbox.body, &id).is_some(), "{id} not yet listed");
                ids.push(id);
            }
            ids
        }));
    }
    let mut filed = Vec::new();
    for filer in filers {
        filed.extend(filer.await.unwrap());
    }
    stop.store(true, Ordering::Release);
    let mut reads = Vec::new();
    for reader in readers {
        reads.extend(reader.await.unwrap());
    }
    assert!(
        !reads.is_empty() && reads.iter().all(|s| *s == 200),
        "{reads:?}"
    );
    let inbox = app.get(INBOX, Some(&owner)).await;
    for id in &filed {
        assert!(item_of(&inbox.body, id).is_some(), "{id} missing");
    }
    assert_eq!(filed.len(), 18);
}
