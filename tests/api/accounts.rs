use chrono::Duration;
use diesel::prelude::*;
use serde_json::json;

use crate::both_backends;
use crate::helpers::TestApp;
use crate::helpers::{Backend, spawn_app, spawn_app_with};
use crate::portal::Visitor;

fn consumer() -> serde_json::Value {
    json!({
        "display_name": "李女士",
        "email": "Li.Na@Example.cn",
        "phone": "+86 139 1234 5678",
        "password": "tea-leaves-88",
    })
}

async fn count_users(app: &crate::helpers::TestApp) -> i64 {
    app.with_conn(|conn| {
        odr::store::schema::users::table
            .count()
            .get_result::<i64>(conn)
            .unwrap()
    })
    .await
}

both_backends!(
    a_consumer_registers_and_logs_in_with_email_or_phone,
    phone_numbers_are_stored_encrypted_with_a_masked_copy,
    registration_names_every_invalid_field_and_writes_nothing,
    registering_a_taken_email_or_phone_returns_409,
    a_wrong_password_and_an_unknown_account_look_the_same,
    repeated_failures_lock_the_account_until_the_window_passes,
    a_success_resets_the_failure_count,
    refresh_tokens_rotate_and_a_reused_one_ends_the_session,
    a_refresh_token_presented_after_the_grace_window_ends_the_session,
    refresh_tokens_expire,
    logout_revokes_the_session,
    a_session_ended_by_another_node_is_refused_within_two_seconds,
    access_tokens_expire_and_bad_ones_are_refused
);

async fn a_consumer_registers_and_logs_in_with_email_or_phone(app: TestApp) {
    let reply = app.post("/api/v1/auth/register", None, &consumer()).await;
    reply.expect(201);
    assert_eq!(reply.body["role"], "consumer");
    assert_eq!(reply.body["email"], "li.na@example.cn");
    assert_eq!(reply.body["phone"], "+8613912345678");

    let by_phone = app.login_reply("13912345678", "tea-leaves-88").await;
    by_phone.expect(200);
    assert_eq!(by_phone.body["token_type"], "Bearer");
    assert_eq!(by_phone.body["expires_in"], 900);
    let by_email = app.login_reply("LI.NA@example.cn", "tea-leaves-88").await;
    by_email.expect(200);

    let token = by_email.body["access_token"].as_str().unwrap();
    let me = app.get("/api/v1/me", Some(token)).await;
    me.expect(200);
    assert_eq!(
        me.body["phone"], "+8613912345678",
        "owners see their own phone whole"
    );
}

async fn phone_numbers_are_stored_encrypted_with_a_masked_copy(app: TestApp) {
    app.post("/api/v1/auth/register", None, &consumer())
        .await
        .expect(201);
    let (ciphertext, masked, password_hash) = app
        .with_conn(|conn| {
            use odr::store::schema::users::dsl::*;
            users
                .select((phone_ciphertext, phone_masked, password_hash))
                .first::<(Option<String>, Option<String>, Option<String>)>(conn)
                .unwrap()
        })
        .await;
    let ciphertext = ciphertext.unwrap();
    assert!(!ciphertext.contains("13912345678") && !ciphertext.contains("5678"));
    assert_eq!(masked.unwrap(), "139****5678");
    assert!(password_hash.unwrap().starts_with("$argon2id$"));
}

async fn registration_names_every_invalid_field_and_writes_nothing(app: TestApp) {
    let cases = [
        (
            json!({"display_name": "", "email": "x@example.cn", "password": "tea-leaves-88"}),
            vec!["display_name"],
        ),
        (
            json!({"display_name": "A", "email": "not-an-email", "password": "tea-leaves-88"}),
            vec!["email"],
        ),
        (
            json!({"display_name": "A", "phone": "12345", "password": "tea-leaves-88"}),
            vec!["phone"],
        ),
        (
            json!({"display_name": "A", "email": "x@example.cn", "password": "short1"}),
            vec!["password"],
        ),
        (
            json!({"display_name": "A", "email": "x@example.cn", "password": "onlyletters"}),
            vec!["password"],
        ),
        (
            json!({"display_name": "A", "password": "tea-leaves-88"}),
            vec!["email"],
        ),
        (
            json!({"display_name": "A", "email": "x@example.cn", "password": "tea-leaves-88", "language": "fr"}),
            vec!["language"],
        ),
        (
            json!({"display_name": "", "email": "bad", "phone": "bad", "password": "x"}),
            vec!["display_name", "email", "phone", "password"],
        ),
    ];
    for (body, fields) in cases {
        let reply = app.post("/api/v1/auth/register", None, &body).await;
        reply.expect_problem(422, "validation_failed");
        assert_eq!(reply.failing_fields(), fields, "{body}");
    }
    assert_eq!(count_users(&app).await, 0);
}

async fn registering_a_taken_email_or_phone_returns_409(app: TestApp) {
    app.post("/api/v1/auth/register", None, &consumer())
        .await
        .expect(201);
    let same_email =
        json!({"display_name": "B", "email": "li.na@example.cn", "password": "tea-leaves-88"});
    app.post("/api/v1/auth/register", None, &same_email)
        .await
        .expect_problem(409, "email_taken");
    let same_phone =
        json!({"display_name": "B", "phone": "13912345678", "password": "tea-leaves-88"});
    app.post("/api/v1/auth/register", None, &same_phone)
        .await
        .expect_problem(409, "phone_taken");
    assert_eq!(count_users(&app).await, 1);
}

async fn a_wrong_password_and_an_unknown_account_look_the_same(app: TestApp) {
    app.post("/api/v1/auth/register", None, &consumer())
        .await
        .expect(201);
    let wrong = app
        .login_reply("li.na@example.cn", "wrong-password-1")
        .await;
    wrong.expect_problem(401, "invalid_credentials");
    let unknown = app
        .login_reply("nobody@example.cn", "wrong-password-1")
        .await;
    unknown.expect_problem(401, "invalid_credentials");
    assert_eq!(wrong.body["detail"], unknown.body["detail"]);
    app.post(
        "/api/v1/auth/login",
        None,
        &json!({"login": " ", "password": ""}),
    )
    .await
    .expect_problem(422, "validation_failed");
}

async fn repeated_failures_lock_the_account_until_the_window_passes(app: TestApp) {
    app.post("/api/v1/auth/register", None, &consumer())
        .await
        .expect(201);
    for _ in 0..5 {
        app.login_reply("li.na@example.cn", "wrong-password-1")
            .await
            .expect_problem(401, "invalid_credentials");
    }
    let locked = app.login_reply("li.na@example.cn", "tea-leaves-88").await;
    locked.expect_problem(429, "too_many_login_attempts");
    assert_eq!(locked.headers["retry-after"], "900");
    app.advance(Duration::minutes(16));
    app.login_reply("li.na@example.cn", "tea-leaves-88")
        .await
        .expect(200);
}

async fn a_success_resets_the_failure_count(app: TestApp) {
    app.post("/api/v1/auth/register", None, &consumer())
        .await
        .expect(201);
    for _ in 0..4 {
        app.login_reply("li.na@example.cn", "wrong-password-1")
            .await
            .expect(401);
    }
    app.login_reply("li.na@example.cn", "tea-leaves-88")
        .await
        .expect(200);
    for _ in 0..4 {
        app.login_reply("li.na@example.cn", "wrong-password-1")
            .await
            .expect(401);
    }
    app.login_reply("li.na@example.cn", "tea-leaves-88")
        .await
        .expect(200);
}

async fn refresh_tokens_rotate_and_a_reused_one_ends_the_session(app: TestApp) {
    app.post("/api/v1/auth/register", None, &consumer())
        .await
        .expect(201);
    let login = app.login_reply("li.na@example.cn", "tea-leaves-88").await;
    let first = login.body["refresh_token"].as_str().unwrap().to_string();

    let rotated = app
        .post(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": first}),
        )
        .await;
    rotated.expect(200);
    let second = rotated.body["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(first, second);
    app.get(
        "/api/v1/me",
        Some(rotated.body["access_token"].as_str().unwrap()),
    )
    .await
    .expect(200);

    // Within the grace window a second use is another tab: it gets a pair of its own.
    let other_tab = app
        .post(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": first}),
        )
        .await;
    other_tab.expect(200);
    assert_ne!(
        other_tab.body["refresh_token"],
        rotated.body["refresh_token"]
    );
    // A third time, even within the window, it is a copy: the session ends.
    app.post(
        "/api/v1/auth/refresh",
        None,
        &json!({"refresh_token": first}),
    )
    .await
    .expect_problem(401, "refresh_token_reused");
    app.post(
        "/api/v1/auth/refresh",
        None,
        &json!({"refresh_token": second}),
    )
    .await
    .expect_problem(401, "refresh_token_revoked");
    app.post(
        "/api/v1/auth/refresh",
        None,
        &json!({"refresh_token": "made-up"}),
    )
    .await
    .expect_problem(401, "invalid_refresh_token");
}

async fn a_refresh_token_presented_after_the_grace_window_ends_the_session(app: TestApp) {
    app.post("/api/v1/auth/register", None, &consumer())
        .await
        .expect(201);
    let login = app.login_reply("li.na@example.cn", "tea-leaves-88").await;
    let first = login.body["refresh_token"].as_str().unwrap().to_string();
    let rotated = app
        .post(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": first}),
        )
        .await;
    rotated.expect(200);
    app.advance(Duration::seconds(31));
    app.post(
        "/api/v1/auth/refresh",
        None,
        &json!({"refresh_token": first}),
    )
    .await
    .expect_problem(401, "refresh_token_reused");
    app.post(
        "/api/v1/auth/refresh",
        None,
        &json!({"refresh_token": rotated.body["refresh_token"]}),
    )
    .await
    .expect_problem(401, "refresh_token_revoked");
}

async fn refresh_tokens_expire(app: TestApp) {
    app.post("/api/v1/auth/register", None, &consumer())
        .await
        .expect(201);
    let login = app.login_reply("li.na@example.cn", "tea-leaves-88").await;
    let token = login.body["refresh_token"].as_str().unwrap().to_string();
    app.advance(Duration::days(31));
    app.post(
        "/api/v1/auth/refresh",
        None,
        &json!({"refresh_token": token}),
    )
    .await
    .expect_problem(401, "refresh_token_expired");
}

async fn logout_revokes_the_session(app: TestApp) {
    app.post("/api/v1/auth/register", None, &consumer())
        .await
        .expect(201);
    let login = app.login_reply("li.na@example.cn", "tea-leaves-88").await;
    let token = login.body["refresh_token"].as_str().unwrap().to_string();
    let access = login.body["access_token"].as_str().unwrap().to_string();
    app.get("/api/v1/me", Some(&access)).await.expect(200);
    app.post(
        "/api/v1/auth/logout",
        None,
        &json!({"refresh_token": token}),
    )
    .await
    .expect(204);
    app.post(
        "/api/v1/auth/refresh",
        None,
        &json!({"refresh_token": token}),
    )
    .await
    .expect_problem(401, "refresh_token_revoked");
    // The node that ended the session refuses its access token at once, though it had just
    // found the session going on.
    app.get("/api/v1/me", Some(&access))
        .await
        .expect_problem(401, "session_ended");
}

async fn a_session_ended_by_another_node_is_refused_within_two_seconds(app: TestApp) {
    app.post("/api/v1/auth/register", None, &consumer())
        .await
        .expect(201);
    let access = app.token("li.na@example.cn", "tea-leaves-88").await;
    app.get("/api/v1/me", Some(&access)).await.expect(200);
    // Another node logs the session out: the database changes behind this node's back.
    app.with_conn(|conn| {
        use odr::store::schema::refresh_tokens;
        diesel::update(refresh_tokens::table)
            .set(
                refresh_tokens::revoked_at
                    .eq(Some(odr::store::to_db_time(crate::helpers::start_time()))),
            )
            .execute(conn)
            .unwrap()
    })
    .await;
    // This node trusts what it found for 2 s, then asks again.
    app.advance(Duration::milliseconds(1_900));
    app.get("/api/v1/me", Some(&access)).await.expect(200);
    app.advance(Duration::milliseconds(100));
    app.get("/api/v1/me", Some(&access))
        .await
        .expect_problem(401, "session_ended");
}

async fn access_tokens_expire_and_bad_ones_are_refused(app: TestApp) {
    app.post("/api/v1/auth/register", None, &consumer())
        .await
        .expect(201);
    let token = app.token("li.na@example.cn", "tea-leaves-88").await;
    app.get("/api/v1/me", None)
        .await
        .expect_problem(401, "unauthenticated");
    app.get("/api/v1/me", Some("not.a.jwt"))
        .await
        .expect_problem(401, "invalid_token");
    app.advance(Duration::minutes(15));
    app.get("/api/v1/me", Some(&token))
        .await
        .expect_problem(401, "token_expired");
}

#[tokio::test]
async fn too_many_attempts_from_one_address_are_refused() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let app = spawn_app_with(backend, |s| s.security.login_max_failures_per_address = 3).await;
        for n in 0..3 {
            app.login_reply(&format!("user{n}@example.cn"), "whatever-1")
                .await
                .expect(401);
        }
        app.login_reply("another@example.cn", "whatever-1")
            .await
            .expect_problem(429, "too_many_login_attempts_from_address");
    }
}

/// A login request from `address` as a trusted proxy (127.0.0.1, the tests' client) reports it.
async fn login_from(
    app: &crate::helpers::TestApp,
    address: &str,
    login: &str,
    password: &str,
) -> crate::helpers::Reply {
    let response = app
        .client
        .post(format!("{}/api/v1/auth/login", app.address))
        .header("X-Forwarded-For", address)
        .json(&json!({"login": login, "password": password}))
        .send()
        .await
        .unwrap();
    crate::helpers::Reply::read(response).await
}

#[tokio::test]
async fn guessing_is_slowed_per_account_and_address_without_locking_anyone_else_out() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let app = spawn_app_with(backend, |s| {
            s.server.trusted_proxies = vec!["127.0.0.1".parse().unwrap()]
        })
        .await;
        app.post("/api/v1/auth/register", None, &consumer())
            .await
            .expect(201);
        let attacker = "203.0.113.9";
        for _ in 0..5 {
            login_from(&app, attacker, "li.na@example.cn", "wrong-password-1")
                .await
                .expect_problem(401, "invalid_credentials");
        }
        login_from(&app, attacker, "li.na@example.cn", "tea-leaves-88")
            .await
            .expect_problem(429, "too_many_login_attempts");
        // The owner, elsewhere, is not locked out.
        login_from(&app, "198.51.100.7", "li.na@example.cn", "tea-leaves-88")
            .await
            .expect(200);
        // Refused attempts do not count: one more every few minutes does not keep the lock.
        app.advance(Duration::minutes(10));
        login_from(&app, attacker, "li.na@example.cn", "wrong-password-1")
            .await
            .expect_problem(429, "too_many_login_attempts");
        app.advance(Duration::minutes(6));
        login_from(&app, attacker, "li.na@example.cn", "tea-leaves-88")
            .await
            .expect(200);
        app.advance(Duration::seconds(1));
        // What a client writes to the left of the proxy's entry is not believed.
        for n in 0..5 {
            login_from(
                &app,
                &format!("192.0.2.{n}, {attacker}"),
                "li.na@example.cn",
                "wrong-password-1",
            )
            .await
            .expect(401);
        }
        login_from(
            &app,
            &format!("192.0.2.99, {attacker}"),
            "li.na@example.cn",
            "wrong-password-1",
        )
        .await
        .expect_problem(429, "too_many_login_attempts");
    }
}

#[tokio::test]
async fn without_a_trusted_proxy_a_forwarded_for_header_changes_nothing() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let app = spawn_app(backend).await;
        app.post("/api/v1/auth/register", None, &consumer())
            .await
            .expect(201);
        for n in 0..5 {
            login_from(
                &app,
                &format!("192.0.2.{n}"),
                "li.na@example.cn",
                "wrong-password-1",
            )
            .await
            .expect(401);
        }
        login_from(&app, "192.0.2.77", "li.na@example.cn", "wrong-password-1")
            .await
            .expect_problem(429, "too_many_login_attempts");
    }
}

#[tokio::test]
async fn an_office_behind_one_address_logs_in_all_day() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let app = spawn_app_with(backend, |s| s.security.login_max_failures_per_address = 3).await;
        app.post("/api/v1/auth/register", None, &consumer())
            .await
            .expect(201);
        for _ in 0..40 {
            app.login_reply("li.na@example.cn", "tea-leaves-88")
                .await
                .expect(200);
        }
    }
}

#[tokio::test]
async fn a_parallel_burst_of_guesses_gets_five_tries() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let app = std::sync::Arc::new(spawn_app(backend).await);
        app.post("/api/v1/auth/register", None, &consumer())
            .await
            .expect(201);
        let mut guesses = Vec::new();
        for n in 0..8 {
            let app = app.clone();
            guesses.push(tokio::spawn(async move {
                app.login_reply("li.na@example.cn", &format!("guess-{n}-wrong"))
                    .await
                    .status
                    .as_u16()
            }));
        }
        let mut statuses = Vec::new();
        for guess in guesses {
            statuses.push(guess.await.unwrap());
        }
        statuses.sort_unstable();
        assert_eq!(
            statuses,
            [401, 401, 401, 401, 401, 429, 429, 429],
            "{backend:?}"
        );
    }
}

#[tokio::test]
async fn registrations_are_limited_per_address() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let app = spawn_app_with(backend, |s| {
            s.security.max_registrations_per_address_hour = 3;
            s.server.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
        })
        .await;
        let register = |n: u32, address: &'static str| {
            app.client.post(format!("{}/api/v1/auth/register", app.address)).header("X-Forwarded-For", address)
                .json(&json!({"display_name": format!("用户{n}"), "email": format!("u{n}@example.cn"), "password": "tea-leaves-88"})).send()
        };
        for n in 0..3 {
            assert_eq!(register(n, "203.0.113.9").await.unwrap().status(), 201);
        }
        let refused = crate::helpers::Reply::read(register(3, "203.0.113.9").await.unwrap()).await;
        refused.expect_problem(429, "too_many_requests_from_address");
        assert!(refused.headers.contains_key("retry-after"));
        assert_eq!(
            register(4, "198.51.100.7").await.unwrap().status(),
            201,
            "another address registers"
        );
    }
}

both_backends!(
    a_changed_password_ends_every_session_at_once,
    a_session_cannot_guess_the_current_password_faster_than_the_login_page,
    logging_out_stops_that_sessions_access_token,
    a_forgotten_password_is_reset_by_a_single_use_emailed_link,
    a_departed_handler_loses_access_at_once,
    an_admin_deactivates_and_reactivates_an_account,
    an_admin_finds_an_account_and_deactivates_it_in_the_portal
);

async fn a_changed_password_ends_every_session_at_once(app: TestApp) {
    app.post("/api/v1/auth/register", None, &consumer())
        .await
        .expect(201);
    let phone = app.login_reply("li.na@example.cn", "tea-leaves-88").await;
    let laptop = app.login_reply("li.na@example.cn", "tea-leaves-88").await;
    let access = laptop.body["access_token"].as_str().unwrap().to_string();
    app.post(
        "/api/v1/me/password",
        Some(&access),
        &json!({"current_password": "wrong-one-77", "new_password": "river-stones-42"}),
    )
    .await
    .expect_problem(422, "validation_failed");
    let weak = app
        .post(
            "/api/v1/me/password",
            Some(&access),
            &json!({"current_password": "tea-leaves-88", "new_password": "password1"}),
        )
        .await;
    weak.expect_problem(422, "validation_failed");
    assert_eq!(weak.failing_fields(), ["new_password"]);
    app.post(
        "/api/v1/me/password",
        Some(&access),
        &json!({"current_password": "tea-leaves-88", "new_password": "river-stones-42"}),
    )
    .await
    .expect(204);
    // Both sessions end now, not when their access tokens expire.
    app.get("/api/v1/me", Some(&access))
        .await
        .expect_problem(401, "session_ended");
    app.get(
        "/api/v1/me",
        Some(phone.body["access_token"].as_str().unwrap()),
    )
    .await
    .expect_problem(401, "session_ended");
    app.post(
        "/api/v1/auth/refresh",
        None,
        &json!({"refresh_token": phone.body["refresh_token"]}),
    )
    .await
    .expect_problem(401, "refresh_token_revoked");
    app.login_reply("li.na@example.cn", "tea-leaves-88")
        .await
        .expect_problem(401, "invalid_credentials");
    app.login_reply("li.na@example.cn", "river-stones-42")
        .await
        .expect(200);
}

async fn a_session_cannot_guess_the_current_password_faster_than_the_login_page(app: TestApp) {
    app.post("/api/v1/auth/register", None, &consumer())
        .await
        .expect(201);
    let login = app.login_reply("li.na@example.cn", "tea-leaves-88").await;
    let access = login.body["access_token"].as_str().unwrap().to_string();
    let guess = |n: usize| json!({"current_password": format!("guess-{n}-wrong"), "new_password": "river-stones-42"});
    for n in 0..5 {
        app.post("/api/v1/me/password", Some(&access), &guess(n))
            .await
            .expect_problem(422, "validation_failed");
    }
    let refused = app
        .post("/api/v1/me/password", Some(&access), &guess(5))
        .await;
    refused.expect_problem(429, "too_many_login_attempts");
    assert!(refused.headers.contains_key("retry-after"));
    // Even the right password waits out the window from this address.
    app.post(
        "/api/v1/me/password",
        Some(&access),
        &json!({"current_password": "tea-leaves-88", "new_password": "river-stones-42"}),
    )
    .await
    .expect_problem(429, "too_many_login_attempts");
    app.advance(chrono::Duration::minutes(16));
    let access = app
        .login_reply("li.na@example.cn", "tea-leaves-88")
        .await
        .body["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    app.post(
        "/api/v1/me/password",
        Some(&access),
        &json!({"current_password": "tea-leaves-88", "new_password": "river-stones-42"}),
    )
    .await
    .expect(204);
}

async fn logging_out_stops_that_sessions_access_token(app: TestApp) {
    app.post("/api/v1/auth/register", None, &consumer())
        .await
        .expect(201);
    let login = app.login_reply("li.na@example.cn", "tea-leaves-88").await;
    let access = login.body["access_token"].as_str().unwrap();
    app.get("/api/v1/me", Some(access)).await.expect(200);
    app.post(
        "/api/v1/auth/logout",
        None,
        &json!({"refresh_token": login.body["refresh_token"]}),
    )
    .await
    .expect(204);
    app.get("/api/v1/me", Some(access))
        .await
        .expect_problem(401, "session_ended");
}

async fn a_forgotten_password_is_reset_by_a_single_use_emailed_link(app: TestApp) {
    app.post("/api/v1/auth/register", None, &consumer())
        .await
        .expect(201);
    let session = app.login_reply("li.na@example.cn", "tea-leaves-88").await;
    // Unknown addresses get the same answer and no email.
    app.post(
        "/api/v1/auth/password-reset",
        None,
        &json!({"email": "nobody@example.cn"}),
    )
    .await
    .expect(202);
    app.post(
        "/api/v1/auth/password-reset",
        None,
        &json!({"email": "li.na@example.cn"}),
    )
    .await
    .expect(202);
    app.run_pending_jobs().await;
    let emails = app.sent_emails();
    assert_eq!(emails.len(), 1);
    assert_eq!(emails[0].to, "li.na@example.cn");
    assert!(emails[0].subject.contains("重置"), "{}", emails[0].subject);
    let link = emails[0]
        .text
        .lines()
        .find(|l| l.contains("/password/reset?token="))
        .unwrap()
        .trim()
        .to_string();
    let token = link.split("token=").nth(1).unwrap().to_string();
    app.post(
        "/api/v1/auth/password-reset/confirm",
        None,
        &json!({"token": token, "new_password": "password1"}),
    )
    .await
    .expect_problem(422, "validation_failed");
    app.post(
        "/api/v1/auth/password-reset/confirm",
        None,
        &json!({"token": token, "new_password": "river-stones-42"}),
    )
    .await
    .expect(204);
    app.post(
        "/api/v1/auth/password-reset/confirm",
        None,
        &json!({"token": token, "new_password": "other-stones-43"}),
    )
    .await
    .expect_problem(401, "invalid_reset_link");
    app.get(
        "/api/v1/me",
        Some(session.body["access_token"].as_str().unwrap()),
    )
    .await
    .expect_problem(401, "session_ended");
    app.login_reply("li.na@example.cn", "river-stones-42")
        .await
        .expect(200);
    // A link expires.
    app.post(
        "/api/v1/auth/password-reset",
        None,
        &json!({"email": "li.na@example.cn"}),
    )
    .await
    .expect(202);
    app.run_pending_jobs().await;
    let late = app.sent_emails()[1]
        .text
        .lines()
        .find(|l| l.contains("token="))
        .unwrap()
        .split("token=")
        .nth(1)
        .unwrap()
        .trim()
        .to_string();
    app.advance(Duration::minutes(31));
    app.post(
        "/api/v1/auth/password-reset/confirm",
        None,
        &json!({"token": late, "new_password": "third-stones-44"}),
    )
    .await
    .expect_problem(401, "invalid_reset_link");
}

async fn a_departed_handler_loses_access_at_once(app: TestApp) {
    app.seed_demo().await;
    app.invite_demo_handler().await;
    app.run_pending_jobs().await;
    let token = crate::helpers::invitation_token(&app.sent_emails()[0]);
    app.post(
        "/api/v1/auth/invitations/accept",
        None,
        &json!({"token": token, "password": "handler-pass-1"}),
    )
    .await
    .expect(204);
    let handler = app.login_reply("zhou@example.cn", "handler-pass-1").await;
    let handler_token = handler.body["access_token"].as_str().unwrap().to_string();
    let handler_id = handler.body["user"]["id"].as_str().unwrap().to_string();
    app.get("/api/v1/disputes", Some(&handler_token))
        .await
        .expect(200);
    let owner = app.demo_token("owner.xixi@odr.demo").await;
    let business = app.business_of(&owner).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    // Only the owner of that business removes its staff; another business does not even see it.
    let other_owner = app.demo_token("owner.hubin@odr.demo").await;
    app.request(
        reqwest::Method::DELETE,
        &format!("/api/v1/businesses/{business}/staff/{handler_id}"),
        Some(&other_owner),
        None,
    )
    .await
    .expect(404);
    app.request(
        reqwest::Method::DELETE,
        &format!("/api/v1/businesses/{business}/staff/{handler_id}"),
        Some(&handler_token),
        None,
    )
    .await
    .expect(403);
    app.request(
        reqwest::Method::DELETE,
        &format!("/api/v1/businesses/{business}/staff/{handler_id}"),
        Some(&owner),
        None,
    )
    .await
    .expect(204);
    app.get("/api/v1/disputes", Some(&handler_token))
        .await
        .expect_problem(401, "session_ended");
    app.login_reply("zhou@example.cn", "handler-pass-1")
        .await
        .expect_problem(401, "invalid_credentials");
}

async fn an_admin_deactivates_and_reactivates_an_account(app: TestApp) {
    app.seed_demo().await;
    let admin = app.demo_token("admin@odr.demo").await;
    let regulator = app
        .login_reply("reg.xihu@odr.demo", odr::demo::DEMO_PASSWORD)
        .await;
    let regulator_token = regulator.body["access_token"].as_str().unwrap().to_string();
    let id = regulator.body["user"]["id"].as_str().unwrap().to_string();
    app.post(
        &format!("/api/v1/admin/users/{id}/deactivate"),
        Some(&regulator_token),
        &json!({}),
    )
    .await
    .expect(403);
    app.post(
        &format!("/api/v1/admin/users/{id}/deactivate"),
        Some(&admin),
        &json!({}),
    )
    .await
    .expect(204);
    app.get("/api/v1/me", Some(&regulator_token))
        .await
        .expect_problem(401, "session_ended");
    app.login_reply("reg.xihu@odr.demo", odr::demo::DEMO_PASSWORD)
        .await
        .expect_problem(401, "invalid_credentials");
    app.post(
        &format!("/api/v1/admin/users/{id}/reactivate"),
        Some(&admin),
        &json!({}),
    )
    .await
    .expect(204);
    app.login_reply("reg.xihu@odr.demo", odr::demo::DEMO_PASSWORD)
        .await
        .expect(200);
    app.post(
        "/api/v1/admin/users/0198a3c1-0000-7000-8000-000000000000/deactivate",
        Some(&admin),
        &json!({}),
    )
    .await
    .expect_problem(404, "user_not_found");
}

async fn an_admin_finds_an_account_and_deactivates_it_in_the_portal(app: TestApp) {
    app.seed_demo().await;
    // Only admins search accounts.
    app.get("/api/v1/admin/users", None).await.expect(401);
    for email in [
        "consumer@odr.demo",
        "owner.xixi@odr.demo",
        "reg.xihu@odr.demo",
        "assoc.catering@odr.demo",
    ] {
        let token = app.demo_token(email).await;
        app.get("/api/v1/admin/users", Some(&token))
            .await
            .expect(403);
    }
    let admin = app.demo_token("admin@odr.demo").await;
    let found = app
        .get("/api/v1/admin/users?q=REG.XIHU", Some(&admin))
        .await;
    found.expect(200);
    let items = found.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{}", found.text);
    assert_eq!(items[0]["email"], "reg.xihu@odr.demo");
    assert_eq!(items[0]["role"], "regulator");
    assert_eq!(items[0]["is_active"], true);
    assert!(
        items[0]["organisation"].as_str().unwrap().contains("西湖"),
        "{}",
        found.text
    );
    // Names match whatever their case, on both databases.
    let by_name = app
        .get("/api/v1/admin/users?q=%E8%A5%BF%E6%B9%96", Some(&admin))
        .await;
    assert!(
        by_name.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["email"] == "reg.xihu@odr.demo"),
        "{}",
        by_name.text
    );
    let registered = app.post("/api/v1/auth/register", None, &json!({"display_name": "Anna Lee", "email": "anna@example.cn", "password": "tea-leaves-88"})).await;
    registered.expect(201);
    let any_case = app
        .get("/api/v1/admin/users?q=ANNA%20l", Some(&admin))
        .await;
    assert_eq!(
        any_case.body["items"][0]["email"], "anna@example.cn",
        "{}",
        any_case.text
    );
    assert_eq!(any_case.headers["cache-control"], "no-store");
    let regulators = app
        .get("/api/v1/admin/users?role=regulator&limit=1", Some(&admin))
        .await;
    assert_eq!(regulators.body["items"].as_array().unwrap().len(), 1);
    let next = regulators.body["next_cursor"]
        .as_str()
        .expect("more regulators")
        .to_string();
    let rest = app
        .get(
            &format!("/api/v1/admin/users?role=regulator&cursor={next}"),
            Some(&admin),
        )
        .await;
    assert!(
        rest.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["role"] == "regulator" && u["id"].as_str().unwrap() > next.as_str())
    );
    let bad = app
        .get("/api/v1/admin/users?role=boss&limit=0", Some(&admin))
        .await;
    bad.expect_problem(422, "validation_failed");
    let mut fields = bad.failing_fields();
    fields.sort();
    assert_eq!(fields, ["limit", "role"]);

    // In the portal: search, deactivate, the regulator is signed out; reactivate.
    let regulator = Visitor::log_in(&app, "reg.xihu@odr.demo").await;
    assert_eq!(
        regulator.get("/admin/users").await.status,
        403,
        "not for regulators"
    );
    let visitor = Visitor::log_in(&app, "admin@odr.demo").await;
    let page = visitor.get("/admin/users?q=reg.xihu").await;
    assert_eq!(page.status, 200);
    assert!(
        page.html.contains("reg.xihu@odr.demo") && page.html.contains("已启用"),
        "{}",
        page.html
    );
    assert!(!page.html.contains("consumer@odr.demo"), "only the match");
    let start = page.html.find("/admin/users/").unwrap();
    let action = page.html[start..].split('"').next().unwrap().to_string();
    assert!(action.ends_with("/deactivate"), "{action}");
    let done = visitor.post(&action, &[("csrf", &page.csrf())]).await;
    assert_eq!(done.status, 303);
    let after = visitor.get("/admin/users?q=reg.xihu").await;
    assert!(after.html.contains("已停用"), "{}", after.html);
    assert_eq!(
        regulator.get("/approvals").await.status,
        303,
        "signed out at once"
    );
    app.login_reply("reg.xihu@odr.demo", odr::demo::DEMO_PASSWORD)
        .await
        .expect_problem(401, "invalid_credentials");
    let again = visitor
        .post(
            &action.replace("/deactivate", "/reactivate"),
            &[("csrf", &after.csrf())],
        )
        .await;
    assert_eq!(again.status, 303);
    app.login_reply("reg.xihu@odr.demo", odr::demo::DEMO_PASSWORD)
        .await
        .expect(200);
}
