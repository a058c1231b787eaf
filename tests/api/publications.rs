//! Anonymised case summaries and consumer alerts, previewed and published by regulators.

use serde_json::json;

use crate::both_backends;
use crate::helpers::TestApp;
use crate::metrics::fixture;

both_backends!(a_case_summary_is_drafted_without_personal_data_previewed_and_published);

async fn a_case_summary_is_drafted_without_personal_data_previewed_and_published(app: TestApp) {
    let (settled, _) = fixture(&app).await;
    let xihu = app.demo_token("reg.xihu@odr.demo").await;
    let draft = app
        .post(
            "/api/v1/publications",
            Some(&xihu),
            &json!({"kind": "case_summary", "dispute_id": settled}),
        )
        .await;
    draft.expect(201);
    let body = draft.body["body"].as_str().unwrap().to_string();
    assert!(
        body.contains("和解") && body.contains("3880.00") && body.contains("西湖区"),
        "{body}"
    );
    for personal in ["张先生", "13800000001", "ODR2026"] {
        assert!(!body.contains(personal), "{personal} in {body}");
    }
    assert!(
        !body.contains("西溪人家"),
        "the business is not named either"
    );
    let id = draft.body["id"].as_str().unwrap().to_string();
    assert!(
        app.get("/api/v1/public/publications", None)
            .await
            .body
            .as_array()
            .unwrap()
            .is_empty(),
        "drafts are not public"
    );

    let preview = app
        .get(&format!("/api/v1/publications/{id}"), Some(&xihu))
        .await;
    assert_eq!(preview.body["status"], "draft");
    let binjiang = app.demo_token("reg.binjiang@odr.demo").await;
    app.get(&format!("/api/v1/publications/{id}"), Some(&binjiang))
        .await
        .expect_problem(404, "publication_not_found");
    let owner = app.demo_token("owner.xixi@odr.demo").await;
    app.post(
        "/api/v1/publications",
        Some(&owner),
        &json!({"kind": "consumer_alert", "title": "提示", "body": "内容内容内容内容内容"}),
    )
    .await
    .expect_problem(403, "forbidden");

    let named = app
        .patch(
            &format!("/api/v1/publications/{id}"),
            Some(&xihu),
            &json!({"body": format!("{body} 消费者张先生表示满意。")}),
        )
        .await;
    named.expect_problem(422, "validation_failed");
    assert_eq!(named.failing_fields(), ["body"]);
    app.patch(
        &format!("/api/v1/publications/{id}"),
        Some(&xihu),
        &json!({"title": "预订年夜饭定金纠纷在线和解"}),
    )
    .await
    .expect(200);
    let published = app
        .post(
            &format!("/api/v1/publications/{id}/publish"),
            Some(&xihu),
            &json!({}),
        )
        .await;
    published.expect(200);
    assert_eq!(published.body["status"], "published");
    app.post(
        &format!("/api/v1/publications/{id}/publish"),
        Some(&xihu),
        &json!({}),
    )
    .await
    .expect_problem(409, "publication_published");

    // A publication names no one: not a consumer of the region, nor a phone or identity number.
    for (body, what) in [
        (
            "张先生在某饭店预订年夜饭后定金未退，请消费者注意。",
            "a consumer's name",
        ),
        (
            "有消费者（电话 13800000001）反映定金未退，请注意。",
            "a mobile number",
        ),
        (
            "有消费者（身份证 33010619900101123X）反映定金未退。",
            "an identity number",
        ),
    ] {
        let refused = app
            .post(
                "/api/v1/publications",
                Some(&xihu),
                &json!({"kind": "consumer_alert", "title": "年夜饭预订消费提示", "body": body}),
            )
            .await;
        refused.expect_problem(422, "validation_failed");
        assert_eq!(refused.body["errors"][0]["field"], "body", "{what}");
        assert_eq!(refused.body["errors"][0]["code"], "personal_data", "{what}");
    }
    let alert = app.post("/api/v1/publications", Some(&xihu), &json!({"kind": "consumer_alert",
        "title": "年夜饭预订消费提示", "body": "预订年夜饭请签订书面合同，明确定金退还条件，保留付款凭证。"})).await;
    alert.expect(201);
    let alert_id = alert.body["id"].as_str().unwrap();
    app.post(
        &format!("/api/v1/publications/{alert_id}/publish"),
        Some(&xihu),
        &json!({}),
    )
    .await
    .expect(200);
    let public = app.get("/api/v1/public/publications", None).await.body;
    let titles: Vec<&str> = public
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["年夜饭预订消费提示", "预订年夜饭定金纠纷在线和解"]);
    let alerts = app
        .get("/api/v1/public/publications?kind=consumer_alert", None)
        .await
        .body;
    assert_eq!(alerts.as_array().unwrap().len(), 1);
    assert!(
        app.get("/api/v1/public/publications?region=330108", None)
            .await
            .body
            .as_array()
            .unwrap()
            .is_empty()
    );

    let open = app
        .get("/api/v1/disputes?status=filed", Some(&owner))
        .await
        .body["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.post(
        "/api/v1/publications",
        Some(&xihu),
        &json!({"kind": "case_summary", "dispute_id": open}),
    )
    .await
    .expect_problem(409, "dispute_not_concluded");
}
