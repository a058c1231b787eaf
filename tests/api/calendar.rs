use crate::both_backends;
use crate::helpers::TestApp;

both_backends!(
    the_due_date_computation_explains_itself,
    bad_parameters_are_named
);

async fn the_due_date_computation_explains_itself(app: TestApp) {
    // Tuesday 30 Sep 2025, 10:00 in Shanghai; National Day and Mid-Autumn 1–8 Oct.
    let reply = app.get("/api/v1/calendar/due-date?start=2025-09-30T10:00:00%2B08:00&working_days=1&jurisdiction=cn", None).await;
    reply.expect(200);
    assert_eq!(reply.body["due_at"], "2025-10-09T15:59:59Z");
    assert_eq!(reply.body["provisional"], false);
    let skipped = reply.body["skipped"].as_array().unwrap();
    assert_eq!(skipped.len(), 8);
    assert!(skipped.iter().all(|d| d["reason"] == "holiday"));
    assert_eq!(skipped[0]["date"], "2025-10-01");

    let across = app
        .get(
            "/api/v1/calendar/due-date?start=2026-12-30T10:00:00%2B08:00&working_days=10",
            None,
        )
        .await;
    assert_eq!(across.body["provisional"], true, "2027 has no calendar yet");
    assert_eq!(across.body["due_at"], "2027-01-13T15:59:59Z");
}

async fn bad_parameters_are_named(app: TestApp) {
    let reply = app
        .get(
            "/api/v1/calendar/due-date?start=yesterday&working_days=0&jurisdiction=mars",
            None,
        )
        .await;
    reply.expect_problem(422, "validation_failed");
    assert_eq!(
        reply.failing_fields(),
        vec!["start", "working_days", "jurisdiction"]
    );
    let missing = app.get("/api/v1/calendar/due-date", None).await;
    assert_eq!(missing.failing_fields(), vec!["start", "working_days"]);
}
