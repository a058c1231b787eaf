use serde_json::json;

use crate::both_backends;
use crate::helpers::TestApp;
use crate::helpers::{business_registration, full_application, invitation_token, uscc};

both_backends!(
    an_owner_registers_applies_and_the_district_regulator_approves,
    a_wrong_credit_code_is_a_422_naming_the_field,
    registration_refuses_unknown_references_and_bad_fields,
    a_credit_code_registers_once,
    business_profiles_are_visible_only_to_those_concerned,
    only_the_owner_edits_the_profile,
    an_owner_invites_a_handler_who_sets_a_password_once,
    invitations_expire,
    an_application_must_accept_the_undertaking_and_meet_every_condition,
    a_rejected_business_may_apply_again
);

async fn an_owner_registers_applies_and_the_district_regulator_approves(app: TestApp) {
    app.seed_demo().await;
    let created = app
        .post(
            "/api/v1/businesses",
            None,
            &business_registration("330106", 1, "liu@example.cn"),
        )
        .await;
    created.expect(201);
    assert_eq!(created.body["uscc"], uscc("330106", 1));
    assert!(created.body["unit"].is_null());
    let business_id = created.body["id"].as_str().unwrap().to_string();

    let owner = app.token("liu@example.cn", "shop-owner-2026").await;
    let applied = app
        .post(
            &format!("/api/v1/businesses/{business_id}/application"),
            Some(&owner),
            &full_application(),
        )
        .await;
    applied.expect(201);
    assert_eq!(applied.body["status"], "pending");
    let unit_id = applied.body["id"].as_str().unwrap().to_string();

    let regulator = app.demo_token("reg.xihu@odr.demo").await;
    let approved = app
        .post(
            &format!("/api/v1/units/{unit_id}/actions"),
            Some(&regulator),
            &json!({"action": "approve"}),
        )
        .await;
    approved.expect(200);
    assert_eq!(approved.body["status"], "active");
    assert!(approved.body["activated_at"].is_string());

    let directory = app.get("/api/v1/public/units?q=测试商贸", None).await;
    directory.expect(200);
    assert_eq!(directory.body["items"][0]["id"], unit_id.as_str());
    let profile = app
        .get(&format!("/api/v1/businesses/{business_id}"), Some(&owner))
        .await;
    assert_eq!(profile.body["unit"]["status"], "active");
}

async fn a_wrong_credit_code_is_a_422_naming_the_field(app: TestApp) {
    app.seed_demo().await;
    let mut body = business_registration("330106", 1, "liu@example.cn");
    let mut code = uscc("330106", 1);
    let last = code.pop().unwrap();
    code.push(if last == '0' { '1' } else { '0' });
    body["business"]["uscc"] = json!(code);
    let reply = app.post("/api/v1/businesses", None, &body).await;
    reply.expect_problem(422, "validation_failed");
    assert_eq!(reply.failing_fields(), vec!["business.uscc"]);
    assert_eq!(reply.body["errors"][0]["code"], "invalid_uscc");
    app.login_reply("liu@example.cn", "shop-owner-2026")
        .await
        .expect(401);
}

async fn registration_refuses_unknown_references_and_bad_fields(app: TestApp) {
    app.seed_demo().await;
    let mut body = business_registration("330106", 1, "liu@example.cn");
    body["business"]["industry_code"] = json!("space_travel");
    body["business"]["region_code"] = json!("990101");
    let reply = app.post("/api/v1/businesses", None, &body).await;
    reply.expect_problem(422, "validation_failed");
    assert_eq!(
        reply.failing_fields(),
        vec!["business.industry_code", "business.region_code"]
    );

    let mut body = business_registration("330106", 2, "liu@example.cn");
    body["business"]["contact_phone"] = json!("call me");
    body["owner"]["email"] = json!("nope");
    body["password"] = json!("123");
    let reply = app.post("/api/v1/businesses", None, &body).await;
    assert_eq!(
        reply.failing_fields(),
        vec!["business.contact_phone", "owner.email", "password"]
    );
}

async fn a_credit_code_registers_once(app: TestApp) {
    app.seed_demo().await;
    app.post(
        "/api/v1/businesses",
        None,
        &business_registration("330106", 1, "liu@example.cn"),
    )
    .await
    .expect(201);
    app.post(
        "/api/v1/businesses",
        None,
        &business_registration("330106", 1, "other@example.cn"),
    )
    .await
    .expect_problem(409, "business_exists");
    app.login_reply("other@example.cn", "shop-owner-2026")
        .await
        .expect(401);
}

async fn business_profiles_are_visible_only_to_those_concerned(app: TestApp) {
    app.seed_demo().await;
    let owner = app.demo_token("owner.xixi@odr.demo").await;
    let business = app.business_of(&owner).await;
    let path = format!("/api/v1/businesses/{}", business["id"].as_str().unwrap());
    for (who, status) in [
        ("owner.xixi@odr.demo", 200),
        ("reg.xihu@odr.demo", 200),
        ("reg.hangzhou@odr.demo", 200),
        ("assoc.catering@odr.demo", 200),
        ("admin@odr.demo", 200),
        ("owner.zhijiang@odr.demo", 404),
        ("reg.binjiang@odr.demo", 404),
        ("consumer@odr.demo", 404),
    ] {
        let token = app.demo_token(who).await;
        let reply = app.get(&path, Some(&token)).await;
        assert_eq!(reply.status.as_u16(), status, "{who}: {}", reply.text);
    }
    app.get(&path, None)
        .await
        .expect_problem(401, "unauthenticated");

    let dealer = app.demo_token("owner.zhijiang@odr.demo").await;
    let dealer_business = app.business_of(&dealer).await;
    let association = app.demo_token("assoc.catering@odr.demo").await;
    app.get(
        &format!(
            "/api/v1/businesses/{}",
            dealer_business["id"].as_str().unwrap()
        ),
        Some(&association),
    )
    .await
    .expect_problem(404, "business_not_found");
}

async fn only_the_owner_edits_the_profile(app: TestApp) {
    app.seed_demo().await;
    let owner = app.demo_token("owner.xixi@odr.demo").await;
    let business = app.business_of(&owner).await;
    let path = format!("/api/v1/businesses/{}", business["id"].as_str().unwrap());
    let change =
        json!({"address": "杭州市西湖区天目山路 520 号", "contact_phone": "0571-86009999"});
    let updated = app.patch(&path, Some(&owner), &change).await;
    updated.expect(200);
    assert_eq!(updated.body["address"], "杭州市西湖区天目山路 520 号");
    assert_eq!(updated.body["uscc"], business["uscc"]);

    let regulator = app.demo_token("reg.xihu@odr.demo").await;
    app.patch(&path, Some(&regulator), &change)
        .await
        .expect_problem(403, "forbidden");
    let other = app.demo_token("owner.zhijiang@odr.demo").await;
    app.patch(&path, Some(&other), &change)
        .await
        .expect_problem(404, "business_not_found");
    app.patch(&path, Some(&owner), &json!({"address": "短"}))
        .await
        .expect_problem(422, "validation_failed");
    // The credit code is not changed here: an unknown field, named.
    let uscc = app
        .patch(&path, Some(&owner), &json!({"uscc": "91350100M000100Y43"}))
        .await;
    uscc.expect_problem(422, "validation_failed");
    assert_eq!(uscc.failing_fields(), ["uscc"]);
}

async fn an_owner_invites_a_handler_who_sets_a_password_once(app: TestApp) {
    app.seed_demo().await;
    let owner = app.demo_token("owner.xixi@odr.demo").await;
    let business = app.business_of(&owner).await;
    let staff_path = format!(
        "/api/v1/businesses/{}/staff",
        business["id"].as_str().unwrap()
    );
    let invited = app.post(&staff_path, Some(&owner), &json!({
        "display_name": "小周", "email": "zhou@example.cn", "phone": "13700001111", "language": "en"
    })).await;
    invited.expect(201);
    assert_eq!(invited.body["staff_role"], "handler");
    assert_eq!(invited.body["has_password"], false);
    assert_eq!(invited.body["phone"], "137****1111");

    assert!(
        app.sent_emails().is_empty(),
        "nothing is sent inside the request"
    );
    assert_eq!(app.run_pending_jobs().await, 1);
    let emails = app.sent_emails();
    assert_eq!(emails.len(), 1);
    assert_eq!(emails[0].to, "zhou@example.cn");
    assert!(
        emails[0].subject.contains("invited"),
        "English for an English speaker: {}",
        emails[0].subject
    );
    assert!(emails[0].text.contains("杭州西溪人家餐饮有限公司"));

    let token = invitation_token(&emails[0]);
    let accept = json!({"token": token, "password": "handler-pass-1"});
    app.post(
        "/api/v1/auth/invitations/accept",
        None,
        &json!({"token": token, "password": "weak"}),
    )
    .await
    .expect_problem(422, "validation_failed");
    app.post("/api/v1/auth/invitations/accept", None, &accept)
        .await
        .expect(204);
    app.post("/api/v1/auth/invitations/accept", None, &accept)
        .await
        .expect_problem(409, "invitation_used");
    app.post(
        "/api/v1/auth/invitations/accept",
        None,
        &json!({"token": "forged", "password": "handler-pass-1"}),
    )
    .await
    .expect_problem(401, "invalid_invitation");

    let handler = app.token("zhou@example.cn", "handler-pass-1").await;
    let staff = app.get(&staff_path, Some(&handler)).await;
    staff.expect(200);
    assert_eq!(staff.body.as_array().unwrap().len(), 2);
    app.post(
        &staff_path,
        Some(&handler),
        &json!({"display_name": "X", "email": "x@example.cn"}),
    )
    .await
    .expect_problem(403, "forbidden");
    let regulator = app.demo_token("reg.xihu@odr.demo").await;
    app.get(&staff_path, Some(&regulator))
        .await
        .expect_problem(403, "forbidden");
}

async fn invitations_expire(app: TestApp) {
    app.seed_demo().await;
    let owner = app.demo_token("owner.xixi@odr.demo").await;
    let business = app.business_of(&owner).await;
    let staff_path = format!(
        "/api/v1/businesses/{}/staff",
        business["id"].as_str().unwrap()
    );
    app.post(
        &staff_path,
        Some(&owner),
        &json!({"display_name": "小周", "email": "zhou@example.cn"}),
    )
    .await
    .expect(201);
    app.run_pending_jobs().await;
    let token = invitation_token(&app.sent_emails()[0]);
    app.advance(chrono::Duration::hours(169));
    app.post(
        "/api/v1/auth/invitations/accept",
        None,
        &json!({"token": token, "password": "handler-pass-1"}),
    )
    .await
    .expect_problem(401, "invitation_expired");
}

async fn an_application_must_accept_the_undertaking_and_meet_every_condition(app: TestApp) {
    app.seed_demo().await;
    let created = app
        .post(
            "/api/v1/businesses",
            None,
            &business_registration("330106", 1, "liu@example.cn"),
        )
        .await;
    let path = format!(
        "/api/v1/businesses/{}/application",
        created.body["id"].as_str().unwrap()
    );
    let owner = app.token("liu@example.cn", "shop-owner-2026").await;

    let mut body = full_application();
    body["accept_undertaking"] = json!(false);
    body["undertaking_version"] = json!("2019-01");
    body["conditions"]["computer"] = json!(false);
    body["conditions"]["written_procedure"] = json!(false);
    let reply = app.post(&path, Some(&owner), &body).await;
    reply.expect_problem(422, "validation_failed");
    assert_eq!(
        reply.failing_fields(),
        vec![
            "accept_undertaking",
            "undertaking_version",
            "conditions.computer",
            "conditions.written_procedure"
        ]
    );

    let regulator = app.demo_token("reg.xihu@odr.demo").await;
    app.post(&path, Some(&regulator), &full_application())
        .await
        .expect_problem(403, "forbidden");
    app.post(&path, Some(&owner), &full_application())
        .await
        .expect(201);
    app.post(&path, Some(&owner), &full_application())
        .await
        .expect_problem(409, "unit_already_enrolled");
}

async fn a_rejected_business_may_apply_again(app: TestApp) {
    app.seed_demo().await;
    let created = app
        .post(
            "/api/v1/businesses",
            None,
            &business_registration("330106", 1, "liu@example.cn"),
        )
        .await;
    let path = format!(
        "/api/v1/businesses/{}/application",
        created.body["id"].as_str().unwrap()
    );
    let owner = app.token("liu@example.cn", "shop-owner-2026").await;
    let unit = app.post(&path, Some(&owner), &full_application()).await;
    let unit_id = unit.body["id"].as_str().unwrap().to_string();
    let regulator = app.demo_token("reg.xihu@odr.demo").await;
    app.post(
        &format!("/api/v1/units/{unit_id}/actions"),
        Some(&regulator),
        &json!({"action": "reject", "reason": "处理场所照片不清晰"}),
    )
    .await
    .expect(200);
    let again = app.post(&path, Some(&owner), &full_application()).await;
    again.expect(201);
    assert_eq!(again.body["id"], unit_id.as_str());
    let statuses: Vec<&str> = again.body["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["to_status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, vec!["pending", "rejected", "pending"]);
}
