//! Several people acting at once, as in an office: no server error, no lost or doubled write.

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

both_backends! {
    async fn sixteen_people_writing_at_once_meet_no_server_error(app) {
        app.seed_demo().await;
        let app = std::sync::Arc::new(app);
        let consumer = app.demo_token("consumer@odr.demo").await;
        let owner = app.demo_token("owner.xixi@odr.demo").await;
        let unit = app.unit_of(&owner).await;
        let mut writers = Vec::new();
        for writer in 0..16u32 {
            let (app, consumer, owner, unit) = (app.clone(), consumer.clone(), owner.clone(), unit.clone());
            writers.push(tokio::spawn(async move {
                let mut statuses = Vec::new();
                for round in 0..3u32 {
                    let day = 1 + (writer * 3 + round) % 28;
                    let month = 1 + (writer * 3 + round) / 28;
                    statuses.extend(file_and_answer(&app, &consumer, &owner, &unit, format!("2026-{month:02}-{day:02}")).await.0);
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
        assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 48, "every filing went through");
        let inbox = app.get("/api/v1/disputes/counts", Some(&owner)).await;
        inbox.expect(200);
        assert_eq!(inbox.body["by_status"]["negotiating"], 48, "{}", inbox.body);
    }

    async fn two_accepts_of_one_offer_at_once_make_one_agreement(app) {
        app.seed_demo().await;
        let consumer = app.demo_token("consumer@odr.demo").await;
        let owner = app.demo_token("owner.xixi@odr.demo").await;
        let unit = app.unit_of(&owner).await;
        for round in 0..5 {
            let (statuses, id) = file_and_answer(&app, &consumer, &owner, &unit, format!("2026-10-{:02}", round + 1)).await;
            assert_eq!(statuses, [201, 200, 200]);
            let id = id.unwrap();
            let view = app.get(&format!("/api/v1/disputes/{id}"), Some(&consumer)).await.body;
            let offer = view["offers"][0]["id"].as_str().unwrap().to_string();
            let accept = json!({"action": "accept_offer", "offer_id": offer});
            let path = format!("/api/v1/disputes/{id}/actions");
            let (a, b) = tokio::join!(app.post(&path, Some(&consumer), &accept), app.post(&path, Some(&consumer), &accept));
            let mut answered = [a.status.as_u16(), b.status.as_u16()];
            answered.sort();
            assert_eq!(answered, [200, 409], "one agreement, the other told it changed");
        }
    }
}
