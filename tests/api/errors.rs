use reqwest::Method;

use crate::both_backends;
use crate::helpers::TestApp;

both_backends!(
    unknown_routes_are_problem_documents,
    malformed_json_is_a_400_problem,
    a_body_with_missing_or_mistyped_fields_is_a_422_naming_them,
    a_wrong_content_type_is_a_415_problem,
    an_oversized_body_is_a_413_problem,
    a_wrong_method_is_a_problem_document,
    a_bad_query_parameter_names_the_parameter
);

async fn unknown_routes_are_problem_documents(app: TestApp) {
    let reply = app.get("/api/v1/no-such-thing", None).await;
    reply.expect_problem(404, "route_not_found");
    assert!(
        reply.body["detail"]
            .as_str()
            .unwrap()
            .contains("/api/v1/no-such-thing")
    );
}

async fn malformed_json_is_a_400_problem(app: TestApp) {
    let response = app
        .client
        .post(format!("{}/api/v1/auth/login", app.address))
        .header("content-type", "application/json")
        .body("{\"login\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["code"], "malformed_json");
}

async fn a_body_with_missing_or_mistyped_fields_is_a_422_naming_them(app: TestApp) {
    let missing = app
        .post(
            "/api/v1/auth/login",
            None,
            &serde_json::json!({"login": "x"}),
        )
        .await;
    missing.expect_problem(422, "validation_failed");
    assert_eq!(missing.failing_fields(), ["password"]);
    assert_eq!(missing.body["errors"][0]["code"], "invalid_json_fields");
    let mistyped = app
        .post(
            "/api/v1/auth/login",
            None,
            &serde_json::json!({"login": 7, "password": "y"}),
        )
        .await;
    mistyped.expect_problem(422, "validation_failed");
    assert_eq!(mistyped.failing_fields(), ["login"]);
    assert_eq!(mistyped.body["errors"][0]["code"], "invalid_json_fields");

    // A filing with several values of the wrong type names each of them at once, before and
    // after the item whose required name is refused.
    app.seed_demo().await;
    let consumer = app.demo_token("consumer@odr.demo").await;
    let several = app
        .post(
            "/api/v1/disputes",
            Some(&consumer),
            &serde_json::json!({
                "unit_id": 5, "category": "service_quality",
                "item": {"kind": "service", "name": 12}, "purchase_date": "2026-11-25",
                "amount_paid_fen": "1000", "amount_claimed_fen": "1000", "remedies": "refund",
                "description": "预订的包间被临时取消，定金不退。", "contact_consent": "yes"
            }),
        )
        .await;
    several.expect_problem(422, "validation_failed");
    let mut fields = several.failing_fields();
    fields.sort();
    assert_eq!(
        fields,
        [
            "amount_claimed_fen",
            "amount_paid_fen",
            "contact_consent",
            "item.name",
            "remedies",
            "unit_id"
        ]
    );
}

async fn a_wrong_content_type_is_a_415_problem(app: TestApp) {
    let response = app
        .client
        .post(format!("{}/api/v1/auth/login", app.address))
        .header("content-type", "text/plain")
        .body("login=x")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 415);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["code"], "unsupported_media_type");
}

async fn an_oversized_body_is_a_413_problem(app: TestApp) {
    let huge = serde_json::json!({"login": "a".repeat(300 * 1024), "password": "x"});
    app.post("/api/v1/auth/login", None, &huge)
        .await
        .expect_problem(413, "payload_too_large");
}

async fn a_wrong_method_is_a_problem_document(app: TestApp) {
    let reply = app
        .request(Method::DELETE, "/api/v1/regions", None, None)
        .await;
    reply.expect_problem(405, "method_not_allowed");
}

async fn a_bad_query_parameter_names_the_parameter(app: TestApp) {
    let reply = app.get("/api/v1/public/units?limit=lots", None).await;
    reply.expect_problem(422, "validation_failed");
    assert_eq!(reply.failing_fields(), vec!["limit"]);
}
