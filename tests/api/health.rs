use crate::both_backends;
use crate::helpers::TestApp;

both_backends!(
    liveness_and_readiness_answer_ok,
    metrics_count_requests_by_route_template
);

async fn liveness_and_readiness_answer_ok(app: TestApp) {
    let live = app.get("/health/live", None).await;
    live.expect(200);
    assert_eq!(live.body["status"], "ok");
    let ready = app.get("/health/ready", None).await;
    ready.expect(200);
    assert_eq!(ready.body["status"], "ready");
    let request_id = ready.headers["x-request-id"].to_str().unwrap();
    assert!(uuid::Uuid::parse_str(request_id).is_ok(), "{request_id}");
    let other = app.get("/api/v1/nothing-here", None).await;
    assert_ne!(
        other.headers["x-request-id"], ready.headers["x-request-id"],
        "one id per request"
    );
}

async fn metrics_count_requests_by_route_template(app: TestApp) {
    app.get("/api/v1/regions", None).await.expect(200);
    app.get(
        "/api/v1/public/units/0198a3c1-0000-7000-8000-000000000000",
        None,
    )
    .await
    .expect_problem(404, "unit_not_found");
    app.get("/metrics", None)
        .await
        .expect_problem(401, "metrics_token_required");
    app.get("/metrics", Some("a-guess"))
        .await
        .expect_problem(401, "metrics_token_required");
    let metrics = app
        .get("/metrics", Some("development-only-metrics-token"))
        .await;
    metrics.expect(200);
    assert!(
        metrics.text.contains(
            r#"odr_http_requests_total{method="GET",route="/api/v1/regions",status="200"} 1"#
        ),
        "{}",
        metrics.text
    );
    assert!(
        metrics
            .text
            .contains(r#"route="/api/v1/public/units/{id}",status="404""#),
        "{}",
        metrics.text
    );
    assert!(
        !metrics.text.contains("0198a3c1"),
        "raw paths must not become labels"
    );
}
