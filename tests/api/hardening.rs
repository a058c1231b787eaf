//! Hostile and careless input: crafted spreadsheets, endless forms, control characters and far
//! dates are refused with a 4xx, and nothing else is disturbed.

use std::time::Duration as StdDuration;

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::both_backends;
use crate::helpers::{TestApp, service_claim, uscc};
use crate::portal::Visitor;

const IMPORT_HEADERS: [&str; 14] = [
    "uscc",
    "name",
    "industry_code",
    "region_code",
    "address",
    "contact_name",
    "contact_phone",
    "owner_name",
    "owner_email",
    "has_handling_place",
    "has_staff",
    "has_computer",
    "has_dedicated_phone",
    "has_written_procedure",
];

/// A member list of one good row, with `extra` written into the sheet after it.
fn member_sheet(extra: impl FnOnce(&mut rust_xlsxwriter::Worksheet)) -> Vec<u8> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    for (col, header) in IMPORT_HEADERS.iter().enumerate() {
        sheet.write_string(0, col as u16, *header).unwrap();
    }
    let code = uscc("330106", 41);
    let values = [
        code.as_str(),
        "杭州五号小馆",
        "catering",
        "330106",
        "杭州市西湖区文三路 5 号",
        "李店长",
        "0571-88885555",
        "李店长",
        "five@example.cn",
        "是",
        "是",
        "是",
        "是",
        "是",
    ];
    for (col, value) in values.iter().enumerate() {
        sheet.write_string(1, col as u16, *value).unwrap();
    }
    extra(sheet);
    workbook.save_to_buffer().unwrap()
}

async fn import_path(app: &TestApp, token: &str) -> String {
    let me = app.get("/api/v1/me", Some(token)).await;
    format!(
        "/api/v1/associations/{}/imports",
        me.body["association_id"].as_str().unwrap()
    )
}

/// Sends `head` and `body` over a fresh connection without finishing the body the head
/// declares, and returns the status line of the answer: a server that wanted the whole body
/// first would never answer (the deadline fails the test instead of hanging it).
async fn answer_to_partial_request(app: &TestApp, head: &str, body: &[u8]) -> String {
    let address = app.address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    // The server may answer and stop reading before all of this is sent.
    let _partly_sent = stream.write_all(body).await;
    let mut answer = Vec::new();
    let mut buffer = [0u8; 4096];
    let read = tokio::time::timeout(StdDuration::from_secs(30), async {
        while !answer.windows(4).any(|w| w == b"\r\n\r\n") {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => answer.extend_from_slice(&buffer[..n]),
            }
        }
    })
    .await;
    assert!(
        read.is_ok(),
        "the server did not answer before the body ended"
    );
    let text = String::from_utf8_lossy(&answer).into_owned();
    text.lines().next().unwrap_or_default().to_string()
}

fn multipart_head(path: &str, token: &str, declared_length: u64) -> String {
    format!(
        "POST {path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: multipart/form-data; boundary=XyZ\r\nContent-Length: {declared_length}\r\n\r\n"
    )
}

both_backends!(
    a_sheet_with_cells_far_away_is_refused_at_once_and_the_server_stays_up,
    an_upload_to_someone_elses_dispute_is_refused_before_its_body_is_read,
    endless_text_fields_beside_evidence_are_cut_off,
    concurrent_uploads_never_pass_the_cap_on_files
);

async fn a_sheet_with_cells_far_away_is_refused_at_once_and_the_server_stays_up(app: TestApp) {
    app.seed_demo().await;
    let token = app.demo_token("assoc.catering@odr.demo").await;
    let path = import_path(&app, &token).await;

    // A1 and XFD1048576: a 17-billion-cell rectangle if read as one.
    let corner = member_sheet(|sheet| {
        sheet.write_string(1_048_575, 16_383, "x").unwrap();
    });
    let refused = app.upload(&path, &token, "members.xlsx", corner).await;
    refused.expect_problem(422, "validation_failed");
    assert_eq!(refused.body["errors"][0]["field"], "file");
    assert_eq!(refused.body["errors"][0]["code"], "invalid_import_file");
    assert!(
        refused.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("beyond column BL"),
        "{}",
        refused.text
    );

    // A1 and Z200000: more rows than an import takes.
    let long = member_sheet(|sheet| {
        sheet.write_string(199_999, 25, "x").unwrap();
    });
    let refused = app.upload(&path, &token, "members.xlsx", long).await;
    refused.expect_problem(422, "validation_failed");
    assert!(
        refused.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("more than 5000 rows"),
        "{}",
        refused.text
    );

    // The portal's member import refuses it the same way, on the page.
    let admin = Visitor::log_in(&app, "assoc.catering@odr.demo").await;
    let csrf = admin.get("/members/import").await.csrf();
    let corner = member_sheet(|sheet| {
        sheet.write_string(1_048_575, 16_383, "x").unwrap();
    });
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(corner).file_name("members.xlsx"),
    );
    let page = Visitor::read(
        admin
            .client
            .post(format!("{}/members/import?csrf={csrf}", admin.base))
            .multipart(form)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(page.status, 422, "{}", page.html);
    // Said in the page's language, with where the stray cells are.
    assert!(
        page.html
            .contains("表格在 BL 列之后还有内容（最多读取 64 列）"),
        "{}",
        page.html
    );
    assert!(!page.html.contains("the sheet has cells"));

    // Nothing was written, and the same list without the stray cell imports.
    let good = app
        .upload(&path, &token, "members.xlsx", member_sheet(|_| {}))
        .await;
    good.expect(200);
    assert_eq!(good.body["created"], 1, "{}", good.text);
}

async fn an_upload_to_someone_elses_dispute_is_refused_before_its_body_is_read(app: TestApp) {
    app.seed_demo().await;
    let dispute = app
        .file_demo_dispute(
            "owner.xixi@odr.demo",
            "包间预订被取消，定金不退，要求退还定金。",
        )
        .await;
    let id = dispute["id"].as_str().unwrap();
    let stranger = app.demo_token("owner.hubin@odr.demo").await;
    // 200 MB declared, 1 KB sent: the answer comes from the path alone.
    let head = multipart_head(
        &format!("/api/v1/disputes/{id}/evidence"),
        &stranger,
        200 * 1024 * 1024,
    );
    let body = format!(
        "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n\r\n%PDF-1.4\n{}",
        "x".repeat(1024)
    );
    let status = answer_to_partial_request(&app, &head, body.as_bytes()).await;
    assert!(status.starts_with("HTTP/1.1 404"), "{status}");
    let nowhere = multipart_head(
        "/api/v1/disputes/0198a3c1-0000-7000-8000-000000000000/evidence",
        &stranger,
        200 * 1024 * 1024,
    );
    let status = answer_to_partial_request(&app, &nowhere, body.as_bytes()).await;
    assert!(status.starts_with("HTTP/1.1 404"), "{status}");
}

async fn endless_text_fields_beside_evidence_are_cut_off(app: TestApp) {
    app.seed_demo().await;
    let dispute = app
        .file_demo_dispute(
            "owner.xixi@odr.demo",
            "包间预订被取消，定金不退，要求退还定金。",
        )
        .await;
    let id = dispute["id"].as_str().unwrap();
    let consumer = app.demo_token("consumer@odr.demo").await;
    // 1 GB declared; fields of 60 KB each, each under the one-field limit.
    let head = multipart_head(
        &format!("/api/v1/disputes/{id}/evidence"),
        &consumer,
        1 << 30,
    );
    let field = format!(
        "--XyZ\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\n{}\r\n",
        "备".repeat(20_000)
    );
    let body = field.repeat(8);
    let status = answer_to_partial_request(&app, &head, body.as_bytes()).await;
    assert!(status.starts_with("HTTP/1.1 413"), "{status}");
    let view = app
        .get(&format!("/api/v1/disputes/{id}"), Some(&consumer))
        .await;
    assert_eq!(view.body["evidence"].as_array().unwrap().len(), 0);
}

async fn concurrent_uploads_never_pass_the_cap_on_files(app: TestApp) {
    app.seed_demo().await;
    let dispute = app
        .file_demo_dispute(
            "owner.xixi@odr.demo",
            "包间预订被取消，定金不退，要求退还定金。",
        )
        .await;
    let id = dispute["id"].as_str().unwrap().to_string();
    let consumer = app.demo_token("consumer@odr.demo").await;
    let app = std::sync::Arc::new(app);
    let mut uploads = Vec::new();
    for n in 0..26u32 {
        let (app, consumer, id) = (app.clone(), consumer.clone(), id.clone());
        uploads.push(tokio::spawn(async move {
            let pdf = format!("%PDF-1.4\n%evidence {n}").into_bytes();
            app.upload(
                &format!("/api/v1/disputes/{id}/evidence"),
                &consumer,
                &format!("{n}.pdf"),
                pdf,
            )
            .await
        }));
    }
    let mut statuses = Vec::new();
    for upload in uploads {
        let reply = upload.await.unwrap();
        if reply.status.as_u16() == 409 {
            assert_eq!(reply.body["code"], "too_many_evidence_files");
        }
        statuses.push(reply.status.as_u16());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        20,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        6,
        "{statuses:?}"
    );
    let view = app
        .get(&format!("/api/v1/disputes/{id}"), Some(&consumer))
        .await;
    assert_eq!(view.body["evidence"].as_array().unwrap().len(), 20);
}

#[tokio::test]
async fn a_sheet_that_unpacks_to_far_more_than_its_size_is_refused_before_parsing() {
    for backend in [
        crate::helpers::Backend::Sqlite,
        crate::helpers::Backend::Postgres,
    ] {
        // Files up to 64 KiB: an XLSX may unpack to 1 MiB.
        let app =
            crate::helpers::spawn_app_with(backend, |s| s.uploads.max_import_bytes = 64 * 1024)
                .await;
        app.seed_demo().await;
        let token = app.demo_token("assoc.catering@odr.demo").await;
        let path = import_path(&app, &token).await;
        // 60 different strings of 30,000 characters: 1.8 MB unpacked from a few kilobytes.
        let bomb = member_sheet(|sheet| {
            for row in 0..60u32 {
                sheet
                    .write_string(row + 2, 20, format!("{row:05}{}", "a".repeat(30_000)))
                    .unwrap();
            }
        });
        assert!(bomb.len() < 64 * 1024, "{} bytes", bomb.len());
        let refused = app.upload(&path, &token, "members.xlsx", bomb).await;
        refused.expect_problem(422, "validation_failed");
        let message = refused.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(
            message.contains("unpacks to more than 1024 KiB"),
            "{backend:?}: {message}"
        );
    }
}

both_backends!(
    the_portal_returns_only_to_its_own_pages,
    a_nul_character_is_refused_alike_on_both_databases,
    a_day_far_in_the_future_is_refused_and_the_connection_survives,
    exported_text_never_runs_as_a_spreadsheet_formula
);

async fn the_portal_returns_only_to_its_own_pages(app: TestApp) {
    app.seed_demo().await;
    let visitor = Visitor::new(&app);
    for (next, expected) in [
        ("/%09/evil.example", "/"),
        ("/%0A/evil.example", "/"),
        ("%2F%2Fevil.example", "/"),
        ("/%5Cevil.example", "/"),
        ("https://evil.example/", "/"),
        ("/disputes%0D%0ASet-Cookie:%20x=1", "/"),
        (
            "/directory?q=%E9%A5%AD%E5%BA%97",
            "/directory?q=%E9%A5%AD%E5%BA%97",
        ),
    ] {
        let page = visitor.get(&format!("/lang?to=en&next={next}")).await;
        assert_eq!(page.status, 303, "{next}");
        assert_eq!(page.location(), expected, "{next}");
    }
    // The login form's `next` too.
    let csrf = visitor.get("/login").await.csrf();
    let page = visitor
        .post(
            "/login",
            &[
                ("csrf", &csrf),
                ("login", "consumer@odr.demo"),
                ("password", odr::demo::DEMO_PASSWORD),
                ("next", "/\t/evil.example"),
            ],
        )
        .await;
    assert_eq!(page.status, 303);
    assert_eq!(
        page.location(),
        "/my/disputes",
        "the consumer's home, not the other site"
    );
    let form = Visitor::new(&app);
    let login = form.get("/login?next=/%0A/evil.example").await;
    assert_eq!(login.status, 200);
    assert!(
        login.html.contains("name=\"next\" value=\"\""),
        "the form carries no way out: {}",
        login.html
    );
}

async fn a_nul_character_is_refused_alike_on_both_databases(app: TestApp) {
    app.seed_demo().await;
    let consumer = app.demo_token("consumer@odr.demo").await;
    let owner = app.demo_token("owner.xixi@odr.demo").await;
    let unit = app.unit_of(&owner).await;
    let mut claim = service_claim(&unit, "包间\u{0}宴席", "2026-11-20", 50_000);
    claim["description"] = json!("描述\u{0}里有一个空字符，这段文字足够长。");
    let refused = app.post("/api/v1/disputes", Some(&consumer), &claim).await;
    refused.expect_problem(422, "validation_failed");
    let mut fields = refused.failing_fields();
    fields.sort();
    assert_eq!(fields, ["description", "item.name"]);
    assert!(
        refused.body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["code"] == "invalid_character")
    );

    let login = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({"login": "consumer@odr.demo\u{0}", "password": "x"}),
        )
        .await;
    login.expect_problem(422, "validation_failed");
    assert_eq!(login.failing_fields(), ["login"]);
    let register = app.post("/api/v1/auth/register", None, &json!({"display_name": "张\u{0}三", "email": "nul@example.cn", "password": "a-long-pass-2026"})).await;
    register.expect_problem(422, "validation_failed");
    assert_eq!(register.failing_fields(), ["display_name"]);

    let search = app.get("/api/v1/directory?q=%E9%A5%AD%00", None).await;
    search.expect_problem(422, "validation_failed");
    assert_eq!(search.failing_fields(), ["q"]);
    let path = app.get("/api/v1/disputes/abc%00def", Some(&consumer)).await;
    path.expect_problem(400, "invalid_character");
    // Refused before routing, yet answered like every other request.
    assert_eq!(path.headers["x-content-type-options"], "nosniff");
    assert!(path.headers.contains_key("x-request-id"));

    // In an imported member list too.
    let association = app.demo_token("assoc.catering@odr.demo").await;
    let path = import_path(&app, &association).await;
    let list = format!(
        "{}\n{},杭州\0小馆,catering,330106,杭州市某路 1 号,店长,0571-88881234,店长,nul@example.cn,是,是,是,是,是",
        IMPORT_HEADERS.join(","),
        uscc("330106", 51)
    );
    let refused = app
        .upload(&path, &association, "members.csv", list.into_bytes())
        .await;
    refused.expect_problem(422, "validation_failed");
    assert!(
        refused.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("NUL"),
        "{}",
        refused.text
    );

    // A portal form: the same refusal, nothing stored.
    let visitor = Visitor::new(&app);
    let csrf = visitor.get("/login").await.csrf();
    let page = visitor
        .post(
            "/login",
            &[
                ("csrf", &csrf),
                ("login", "consumer@odr.demo\0"),
                ("password", "x"),
            ],
        )
        .await;
    assert_eq!(page.status, 422);
    let listed = app.get("/api/v1/disputes", Some(&consumer)).await;
    assert_eq!(
        listed.body["items"].as_array().unwrap().len(),
        0,
        "nothing was filed"
    );
}

async fn a_day_far_in_the_future_is_refused_and_the_connection_survives(app: TestApp) {
    app.seed_demo().await;
    let regulator = app.demo_token("reg.xihu@odr.demo").await;
    for path in [
        "/api/v1/metrics?period=week&date=%2B262142-12-31",
        "/api/v1/metrics?period=month&date=-262143-01-01",
        "/api/v1/metrics?period=custom&from=2026-01-01&to=%2B262142-12-31",
        "/api/v1/metrics/trend?date=%2B262142-12-31",
        "/api/v1/reports/daily?date=%2B262142-12-31",
    ] {
        let refused = app.get(path, Some(&regulator)).await;
        refused.expect_problem(422, "validation_failed");
        assert!(
            refused.body["errors"][0]["code"] == "out_of_range",
            "{path}: {}",
            refused.text
        );
    }
    app.get(
        "/api/v1/metrics?period=week&date=2199-12-31",
        Some(&regulator),
    )
    .await
    .expect(200);
}

async fn exported_text_never_runs_as_a_spreadsheet_formula(app: TestApp) {
    app.seed_demo().await;
    let consumer = app.demo_token("consumer@odr.demo").await;
    let owner = app.demo_token("owner.xixi@odr.demo").await;
    let unit = app.unit_of(&owner).await;
    app.post(
        "/api/v1/disputes",
        Some(&consumer),
        &service_claim(
            &unit,
            "=HYPERLINK(\"http://evil.example\",\"点此\")",
            "2026-11-20",
            50_000,
        ),
    )
    .await
    .expect(201);
    let (_, bytes) = crate::reports::download(&app, "/api/v1/disputes/export", &owner).await;
    let rows = crate::reports::csv_rows(&bytes);
    let cells: Vec<&String> = rows[1].iter().filter(|c| c.contains("HYPERLINK")).collect();
    assert!(!cells.is_empty(), "{rows:?}");
    assert!(cells.iter().all(|c| c.starts_with("'=")), "{cells:?}");
}

both_backends!(two_tabs_refreshing_at_once_keep_the_session);

async fn two_tabs_refreshing_at_once_keep_the_session(app: TestApp) {
    app.seed_demo().await;
    let consumer = Visitor::log_in(&app, "consumer@odr.demo").await;
    // The access token has expired: both tabs refresh with the same token at once.
    app.advance(chrono::Duration::minutes(16));
    let (first, second) = tokio::join!(consumer.get("/my/disputes"), consumer.get("/my/disputes"));
    assert_eq!(
        (first.status, second.status),
        (200, 200),
        "{} {}",
        first.location(),
        second.location()
    );
    // Whichever tab's cookies the browser kept, the session goes on.
    app.advance(chrono::Duration::minutes(16));
    let later = consumer.get("/my/disputes").await;
    assert_eq!(later.status, 200, "{}", later.location());
}

both_backends!(
    every_answer_says_nosniff_head_works_and_a_405_names_the_methods,
    a_bad_query_value_is_reported_against_the_query_not_a_made_up_field
);

async fn every_answer_says_nosniff_head_works_and_a_405_names_the_methods(app: TestApp) {
    app.seed_demo().await;
    let regions = app
        .client
        .get(format!("{}/api/v1/regions", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(regions.headers()["x-content-type-options"], "nosniff");
    let head = app
        .client
        .head(format!("{}/api/v1/regions", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), 200);
    assert_eq!(head.headers()["content-type"], "application/json");
    assert_eq!(head.bytes().await.unwrap().len(), 0, "no body for HEAD");
    let page = app
        .client
        .head(format!("{}/login", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);

    let wrong = app
        .client
        .delete(format!("{}/api/v1/regions", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 405);
    assert_eq!(wrong.headers()["allow"], "GET");
    assert_eq!(wrong.headers()["content-type"], "application/problem+json");
    assert_eq!(wrong.headers()["x-content-type-options"], "nosniff");

    let login = app
        .client
        .post(format!("{}/api/v1/auth/login", app.address))
        .json(&json!({"login": "consumer@odr.demo", "password": odr::demo::DEMO_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    assert_eq!(login.headers()["cache-control"], "no-store");
    let refused = app
        .client
        .post(format!("{}/api/v1/auth/login", app.address))
        .json(&json!({"login": "consumer@odr.demo", "password": "wrong"}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.headers()["cache-control"], "no-store");
}

async fn a_bad_query_value_is_reported_against_the_query_not_a_made_up_field(app: TestApp) {
    app.seed_demo().await;
    let consumer = app.demo_token("consumer@odr.demo").await;
    let refused = app
        .get("/api/v1/notifications?unread=x", Some(&consumer))
        .await;
    refused.expect_problem(422, "validation_failed");
    assert_eq!(refused.failing_fields(), ["query"]);
}

#[tokio::test]
async fn readiness_says_503_when_postgresql_is_gone() {
    let app = crate::helpers::spawn_app(crate::helpers::Backend::Postgres).await;
    app.get("/health/ready", None).await.expect(200);
    app.drop_pg_database();
    app.get("/health/ready", None)
        .await
        .expect_problem(503, "database_unavailable");
    app.get("/health/live", None).await.expect(200);
}

both_backends!(a_forgotten_password_is_reset_through_the_portal);

async fn a_forgotten_password_is_reset_through_the_portal(app: TestApp) {
    app.seed_demo().await;
    let visitor = Visitor::new(&app);
    let login = visitor.get("/login").await;
    assert!(
        login.html.contains("/password/forgot"),
        "the login page links the reset"
    );
    let form = visitor.get("/password/forgot").await;
    assert_eq!(form.status, 200);
    assert!(form.html.contains("忘记密码"));
    // A visitor who chose English keeps it on these pages too, without `?lang=`.
    let english = Visitor::new(&app);
    english.get("/lang?to=en&next=/").await;
    let forgot = english.get("/password/forgot").await;
    assert!(
        forgot.html.contains("Forgot your password"),
        "{}",
        forgot.html
    );
    let invited = english.get("/invitations/accept?token=x").await;
    assert!(
        invited.html.contains("Set your password"),
        "{}",
        invited.html
    );
    let sent = visitor
        .post("/password/forgot", &[("email", "consumer@odr.demo")])
        .await;
    assert_eq!(sent.status, 200);
    assert!(sent.html.contains("重置密码的链接已发送"), "{}", sent.html);
    app.run_pending_jobs().await;
    let email = app
        .sent_emails()
        .into_iter()
        .find(|e| e.to == "consumer@odr.demo")
        .unwrap();
    let link = email
        .text
        .lines()
        .find(|l| l.contains("/password/reset?token="))
        .unwrap()
        .trim()
        .to_string();
    let path = link.trim_start_matches("http://127.0.0.1:8080");
    let page = visitor.get(path).await;
    assert_eq!(page.status, 200);
    assert!(
        page.html.contains("重置密码") && page.html.contains("action=\"/password/reset\""),
        "{}",
        page.html
    );
    let token = path.split("token=").nth(1).unwrap();
    let done = visitor
        .post(
            "/password/reset",
            &[
                ("token", token),
                ("password", "river-stones-42"),
                ("password_again", "river-stones-42"),
            ],
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.html);
    assert!(done.html.contains("密码已设置"));
    let again = visitor
        .post(
            "/password/reset",
            &[
                ("token", token),
                ("password", "other-stones-43"),
                ("password_again", "other-stones-43"),
            ],
        )
        .await;
    assert_eq!(again.status, 422);
    assert!(again.html.contains("已使用"), "{}", again.html);
    app.token("consumer@odr.demo", "river-stones-42").await;
}

both_backends!(staff_and_passwords_are_managed_in_the_portal);

async fn staff_and_passwords_are_managed_in_the_portal(app: TestApp) {
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
    let handler = Visitor::log_in_with(&app, "zhou@example.cn", "handler-pass-1").await;
    assert_eq!(handler.get("/inbox").await.status, 200);

    // The owner removes the handler who left: at once, the handler's pages are gone.
    let owner = Visitor::log_in(&app, "owner.xixi@odr.demo").await;
    let staff = owner.get("/unit/staff").await;
    let start = staff.html.find("/unit/staff/").unwrap();
    let action = staff.html[start..].split('"').next().unwrap().to_string();
    assert!(action.ends_with("/remove"), "{action}");
    let removed = owner.post(&action, &[("csrf", &staff.csrf())]).await;
    assert!(
        removed.status == 303 || removed.status == 200,
        "{}",
        removed.status
    );
    assert!(owner.get("/unit/staff").await.html.contains("已移除"));
    let gone = handler.get("/inbox").await;
    assert_eq!(gone.status, 303, "signed out");
    assert!(gone.location().starts_with("/login"), "{}", gone.location());

    // The owner changes the password: signed out everywhere, the new one works.
    let form = owner.get("/account/password").await;
    assert_eq!(form.status, 200);
    let weak = owner
        .post(
            "/account/password",
            &[
                ("csrf", &form.csrf()),
                ("current_password", odr::demo::DEMO_PASSWORD),
                ("new_password", "password1"),
            ],
        )
        .await;
    assert_eq!(weak.status, 422);
    let changed = owner
        .post(
            "/account/password",
            &[
                ("csrf", &weak.csrf()),
                ("current_password", odr::demo::DEMO_PASSWORD),
                ("new_password", "river-stones-42"),
            ],
        )
        .await;
    assert_eq!(changed.status, 303);
    assert_eq!(changed.location(), "/login?done=password_changed");
    assert!(
        owner
            .get("/login?done=password_changed")
            .await
            .html
            .contains("密码已修改")
    );
    app.token("owner.xixi@odr.demo", "river-stones-42").await;
}
