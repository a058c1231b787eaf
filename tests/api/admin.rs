use serde_json::json;

use crate::both_backends;
use crate::helpers::TestApp;
use crate::helpers::invitation_token;

both_backends!(
    an_admin_invites_a_regulator_who_then_sees_their_district,
    account_creation_checks_role_scope_and_rights,
    an_admin_creates_an_association_with_its_admin
);

async fn an_admin_invites_a_regulator_who_then_sees_their_district(app: TestApp) {
    app.seed_demo().await;
    let admin = app.demo_token("admin@odr.demo").await;
    let created = app.post("/api/v1/admin/users", Some(&admin), &json!({
        "display_name": "余杭区监管员", "email": "yuhang2@example.gov.cn", "role": "regulator", "region_code": "330110"
    })).await;
    created.expect(201);
    assert_eq!(created.body["region_code"], "330110");
    app.run_pending_jobs().await;
    let email = app.sent_emails().pop().unwrap();
    assert_eq!(email.to, "yuhang2@example.gov.cn");
    assert!(email.text.contains("余杭区"));
    app.post(
        "/api/v1/auth/invitations/accept",
        None,
        &json!({"token": invitation_token(&email), "password": "regulate-2026"}),
    )
    .await
    .expect(204);
    let regulator = app.token("yuhang2@example.gov.cn", "regulate-2026").await;
    let units = app.get("/api/v1/units", Some(&regulator)).await;
    units.expect(200);
    assert!(
        units.body["items"].as_array().unwrap().is_empty(),
        "no units in Yuhang yet"
    );
}

async fn account_creation_checks_role_scope_and_rights(app: TestApp) {
    app.seed_demo().await;
    let admin = app.demo_token("admin@odr.demo").await;
    let reply = app
        .post(
            "/api/v1/admin/users",
            Some(&admin),
            &json!({"display_name": "X", "email": "x@example.cn", "role": "regulator"}),
        )
        .await;
    reply.expect_problem(422, "validation_failed");
    assert_eq!(reply.failing_fields(), vec!["region_code"]);
    let reply = app
        .post(
            "/api/v1/admin/users",
            Some(&admin),
            &json!({"display_name": "X", "email": "x@example.cn", "role": "consumer"}),
        )
        .await;
    assert_eq!(reply.failing_fields(), vec!["role"]);
    let reply = app.post("/api/v1/admin/users", Some(&admin), &json!({"display_name": "X", "email": "x@example.cn", "role": "regulator", "region_code": "990101"})).await;
    assert_eq!(reply.failing_fields(), vec!["region_code"]);
    let reply = app
        .post(
            "/api/v1/admin/users",
            Some(&admin),
            &json!({"display_name": "X", "email": "reg.xihu@odr.demo", "role": "admin"}),
        )
        .await;
    reply.expect_problem(409, "email_taken");
    for who in [
        "reg.hangzhou@odr.demo",
        "assoc.catering@odr.demo",
        "owner.xixi@odr.demo",
        "consumer@odr.demo",
    ] {
        let token = app.demo_token(who).await;
        app.post(
            "/api/v1/admin/users",
            Some(&token),
            &json!({"display_name": "X", "email": "y@example.cn", "role": "admin"}),
        )
        .await
        .expect_problem(403, "forbidden");
    }
    assert_eq!(
        app.run_pending_jobs().await,
        0,
        "no invitation for refused requests"
    );
}

async fn an_admin_creates_an_association_with_its_admin(app: TestApp) {
    app.seed_demo().await;
    let admin = app.demo_token("admin@odr.demo").await;
    let created = app.post("/api/v1/admin/associations", Some(&admin), &json!({"name": "杭州市汽车流通行业协会", "region_code": "330100", "industry_code": "motor_vehicles"})).await;
    created.expect(201);
    let id = created.body["id"].as_str().unwrap();
    app.post(
        "/api/v1/admin/associations",
        Some(&admin),
        &json!({"name": "杭州市汽车流通行业协会", "region_code": "330100"}),
    )
    .await
    .expect_problem(409, "association_exists");
    let reply = app
        .post(
            "/api/v1/admin/associations",
            Some(&admin),
            &json!({"name": "X协会", "region_code": "330199", "industry_code": "nope"}),
        )
        .await;
    assert_eq!(reply.failing_fields(), vec!["region_code", "industry_code"]);
    let user = app.post("/api/v1/admin/users", Some(&admin), &json!({"display_name": "汽车协会", "email": "auto@example.cn", "role": "association_admin", "association_id": id})).await;
    user.expect(201);
    assert_eq!(user.body["association_id"], id);
    let regulator = app.demo_token("reg.hangzhou@odr.demo").await;
    app.post(
        "/api/v1/admin/associations",
        Some(&regulator),
        &json!({"name": "Y协会", "region_code": "330100"}),
    )
    .await
    .expect_problem(403, "forbidden");
}
