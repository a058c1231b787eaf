use crate::both_backends;
use crate::helpers::{TestApp, invitation_token};

async fn invited_handler(app: &TestApp) -> String {
    app.seed_demo().await;
    app.invite_demo_handler().await;
    app.run_pending_jobs().await;
    invitation_token(&app.sent_emails()[0])
}

async fn submit(app: &TestApp, form: &[(&str, &str)]) -> (u16, String) {
    let response = app
        .client
        .post(format!("{}/invitations/accept", app.address))
        .form(form)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

both_backends!(
    the_invitation_link_opens_a_chinese_page_that_sets_the_password,
    the_invitation_page_speaks_english_and_escapes_its_input
);

async fn the_invitation_link_opens_a_chinese_page_that_sets_the_password(app: TestApp) {
    let token = invited_handler(&app).await;
    let link = app.sent_emails()[0]
        .text
        .lines()
        .find(|l| l.contains("/invitations/accept?token="))
        .unwrap()
        .trim()
        .to_string();
    assert!(
        link.starts_with("http://127.0.0.1:8080/invitations/accept?token="),
        "{link}"
    );

    let response = app
        .client
        .get(format!("{}/invitations/accept?token={token}", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'none'")
    );
    let html = response.text().await.unwrap();
    assert!(html.contains("设置登录密码") && html.contains("lang=\"zh-CN\""));

    let (status, html) = submit(
        &app,
        &[
            ("token", &token),
            ("password", "handler-pass-1"),
            ("password_again", "handler-pass-2"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("两次输入的密码不一致"));
    let (status, html) = submit(
        &app,
        &[
            ("token", &token),
            ("password", "short"),
            ("password_again", "short"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("至少 8 位"));

    let (status, html) = submit(
        &app,
        &[
            ("token", &token),
            ("password", "handler-pass-1"),
            ("password_again", "handler-pass-1"),
        ],
    )
    .await;
    assert_eq!(status, 200);
    assert!(html.contains("密码已设置"));
    app.token("zhou@example.cn", "handler-pass-1").await;

    let (status, html) = submit(
        &app,
        &[
            ("token", &token),
            ("password", "handler-pass-2"),
            ("password_again", "handler-pass-2"),
            ("lang", "en"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("already used"));
}

async fn the_invitation_page_speaks_english_and_escapes_its_input(app: TestApp) {
    let response = app
        .client
        .get(format!(
            "{}/invitations/accept?lang=en&token=%22%3E%3Cscript%3Ex%3C%2Fscript%3E",
            app.address
        ))
        .send()
        .await
        .unwrap();
    let html = response.text().await.unwrap();
    assert!(html.contains("Set your password") && html.contains("lang=\"en\""));
    assert!(!html.contains("<script>x"), "{html}");
    let missing = app
        .client
        .get(format!("{}/invitations/accept", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 400);
    assert!(missing.text().await.unwrap().contains("链接不完整"));
}

/// The sentences the fields of `html` are described by (`aria-describedby`), in order: each
/// must be on the page.
pub fn described(html: &str) -> Vec<String> {
    html.split("aria-describedby=\"")
        .skip(1)
        .map(|rest| {
            let id = rest.split('"').next().unwrap();
            let at = html
                .find(&format!("id=\"{id}\""))
                .unwrap_or_else(|| panic!("no element {id}: {html}"));
            let text = &html[at..];
            text[text.find('>').unwrap() + 1..]
                .split('<')
                .next()
                .unwrap()
                .to_string()
        })
        .collect()
}

/// A browser without a browser: a cookie jar, no redirects followed.
pub struct Visitor {
    pub client: reqwest::Client,
    pub base: String,
}

pub struct Page {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub html: String,
}

impl Page {
    pub fn location(&self) -> &str {
        self.headers
            .get("location")
            .map_or("", |v| v.to_str().unwrap())
    }

    /// The form token printed in the page.
    pub fn csrf(&self) -> String {
        let start = self.html.find("name=\"csrf\" value=\"").expect("a form") + 19;
        self.html[start..].split('"').next().unwrap().to_string()
    }

    pub fn cookies(&self) -> Vec<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect()
    }
}

impl Visitor {
    pub fn new(app: &TestApp) -> Self {
        // What a browser says it accepts, so refusals come back as pages.
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            reqwest::header::ACCEPT,
            reqwest::header::HeaderValue::from_static("text/html,application/xhtml+xml,*/*;q=0.8"),
        );
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .default_headers(headers)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Self {
            client,
            base: app.address.clone(),
        }
    }

    pub async fn read(response: reqwest::Response) -> Page {
        Page {
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            html: response.text().await.unwrap(),
        }
    }

    pub async fn get(&self, path: &str) -> Page {
        Self::read(
            self.client
                .get(format!("{}{path}", self.base))
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Page {
        Self::read(
            self.client
                .post(format!("{}{path}", self.base))
                .form(form)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    pub async fn log_in(app: &TestApp, email: &str) -> Self {
        Self::log_in_with(app, email, odr::demo::DEMO_PASSWORD).await
    }

    pub async fn log_in_with(app: &TestApp, email: &str, password: &str) -> Self {
        let visitor = Self::new(app);
        let csrf = visitor.get("/login").await.csrf();
        let page = visitor
            .post(
                "/login",
                &[("csrf", &csrf), ("login", email), ("password", password)],
            )
            .await;
        assert_eq!(page.status, 303, "{email}: {}", page.html);
        visitor
    }
}

both_backends!(
    portal_sessions_live_in_http_only_cookies_and_forms_need_the_browsers_token,
    portal_pages_keep_the_apis_access_rules,
    a_consumer_registers_in_the_portal_and_is_signed_in,
    unknown_pages_answer_browsers_with_a_page_and_clients_with_a_problem,
    a_refused_filing_keeps_what_the_consumer_typed
);

async fn portal_sessions_live_in_http_only_cookies_and_forms_need_the_browsers_token(app: TestApp) {
    app.seed_demo().await;
    let visitor = Visitor::new(&app);
    let login = visitor.get("/login").await;
    assert_eq!(login.status, 200);
    let csp = login.headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("default-src 'none'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert!(login.cookies().iter().any(|c| c.starts_with("odr_nonce=")
        && c.contains("HttpOnly")
        && c.contains("SameSite=Lax")));

    // No token, or a token printed for another browser: refused, nothing signed in.
    let bare = visitor
        .post(
            "/login",
            &[
                ("login", "consumer@odr.demo"),
                ("password", odr::demo::DEMO_PASSWORD),
            ],
        )
        .await;
    // A form without its token is refused with a page, like a wrong token.
    assert_eq!(bare.status, 403, "{}", bare.html);
    assert!(bare.html.contains("页面已过期"), "{}", bare.html);
    assert!(
        bare.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    // So are a form field of the wrong shape and a wrong method, in the visitor's words.
    let mangled = visitor
        .post("/login", &[("csrf", &login.csrf()), ("csrf", "twice")])
        .await;
    assert_eq!(mangled.status, 422, "{}", mangled.html);
    assert!(
        mangled.html.contains("请刷新页面后重新填写"),
        "{}",
        mangled.html
    );
    let put = Visitor::read(
        visitor
            .client
            .put(format!("{}/login", visitor.base))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(put.status, 405, "{}", put.html);
    assert!(put.html.contains("出错了"), "{}", put.html);
    assert!(
        put.headers.contains_key("allow"),
        "the methods allowed stay"
    );
    let english = Visitor::read(
        visitor
            .client
            .put(format!("{}/login?lang=en", visitor.base))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(english.html.contains("Something went wrong") && !english.html.contains("出错了"));
    // A form refused before any page reads it (a NUL in a field) is a page too.
    let nul = visitor
        .post(
            "/login",
            &[
                ("csrf", &login.csrf()),
                ("login", "a\0b"),
                ("password", "x"),
            ],
        )
        .await;
    assert_eq!(nul.status, 422, "{}", nul.html);
    assert!(nul.html.contains("不能含有空字符"), "{}", nul.html);
    // The API answers the same refusal with a problem document.
    let api = app
        .client
        .post(format!("{}/api/v1/auth/login", app.address))
        .header("accept", "text/html")
        .body("{")
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 400);
    assert_eq!(api.headers()["content-type"], "application/problem+json");
    let other = Visitor::new(&app).get("/login").await.csrf();
    let forged = visitor
        .post(
            "/login",
            &[
                ("csrf", &other),
                ("login", "consumer@odr.demo"),
                ("password", odr::demo::DEMO_PASSWORD),
            ],
        )
        .await;
    assert_eq!(forged.status, 403);
    assert!(forged.html.contains("页面已过期"), "{}", forged.html);
    assert!(
        forged
            .cookies()
            .iter()
            .all(|c| !c.starts_with("odr_access="))
    );

    // A wrong password shows the form again with the reason and the login kept.
    let wrong = visitor
        .post(
            "/login",
            &[
                ("csrf", &login.csrf()),
                ("login", "consumer@odr.demo"),
                ("password", "nope-nope-1"),
            ],
        )
        .await;
    assert_eq!(wrong.status, 401);
    assert!(
        wrong.html.contains("账号或密码错误") && wrong.html.contains("value=\"consumer@odr.demo\"")
    );

    let ok = visitor
        .post(
            "/login",
            &[
                ("csrf", &login.csrf()),
                ("login", "consumer@odr.demo"),
                ("password", odr::demo::DEMO_PASSWORD),
                ("next", "//evil.example/"),
            ],
        )
        .await;
    assert_eq!(ok.status, 303);
    assert_eq!(ok.location(), "/my/disputes", "never off the site");
    for name in ["odr_access=", "odr_refresh="] {
        let cookie = ok
            .cookies()
            .into_iter()
            .find(|c| c.starts_with(name))
            .unwrap();
        assert!(
            cookie.contains("HttpOnly")
                && cookie.contains("SameSite=Lax")
                && cookie.contains("Path=/"),
            "{cookie}"
        );
    }
    assert_eq!(visitor.get("/my/disputes").await.status, 200);

    // The session outlives the 15-minute access token (the refresh cookie rotates it).
    app.advance(chrono::Duration::hours(2));
    let later = visitor.get("/my/disputes").await;
    assert_eq!(later.status, 200);
    assert!(
        later
            .cookies()
            .iter()
            .any(|c| c.starts_with("odr_refresh="))
    );

    // Logging out needs the token too (one signed for this account: the login page's
    // token is worthless now), ends the session and revokes it.
    let page = visitor.get("/my/disputes").await;
    assert_eq!(visitor.post("/logout", &[("csrf", "x")]).await.status, 403);
    assert_eq!(
        visitor
            .post("/logout", &[("csrf", &login.csrf())])
            .await
            .status,
        403
    );
    let out = visitor.post("/logout", &[("csrf", &page.csrf())]).await;
    assert_eq!(out.status, 303);
    let after = visitor.get("/my/disputes").await;
    assert_eq!(after.status, 303);
    assert_eq!(after.location(), "/login?next=/my/disputes");
}

async fn portal_pages_keep_the_apis_access_rules(app: TestApp) {
    app.seed_demo().await;
    let filed = app
        .file_demo_dispute(
            "owner.xixi@odr.demo",
            "包间被取消了<script>alert(1)</script>，定金不退。",
        )
        .await;
    let id = filed["id"].as_str().unwrap().to_string();
    let page = format!("/disputes/{id}");

    let anonymous = Visitor::new(&app).get(&page).await;
    assert_eq!(anonymous.status, 303);
    assert!(anonymous.location().starts_with("/login?next="));

    for (who, status) in [
        ("consumer@odr.demo", 200),
        ("owner.xixi@odr.demo", 200),
        ("reg.xihu@odr.demo", 200),
        ("reg.hangzhou@odr.demo", 200),
        ("owner.hefang@odr.demo", 404),
        ("reg.binjiang@odr.demo", 404),
        ("assoc.catering@odr.demo", 404),
    ] {
        let visitor = Visitor::log_in(&app, who).await;
        let shown = visitor.get(&page).await;
        assert_eq!(shown.status, status, "{who} sees the dispute page");
        if status == 200 {
            assert!(!shown.html.contains("<script>alert"), "escaped for {who}");
            assert!(
                shown.html.contains("script&#62;alert(1)&#60;"),
                "shown as text for {who}"
            );
        } else {
            // Nor may they act on it.
            let csrf = shown.csrf();
            let act = visitor
                .post(
                    &format!("{page}/act"),
                    &[("csrf", &csrf), ("action", "message"), ("message", "你好")],
                )
                .await;
            assert_eq!(act.status, 404, "{who} acts on the dispute");
        }
    }

    // Each back-office page answers only its roles.
    let consumer = Visitor::log_in(&app, "consumer@odr.demo").await;
    for path in crate::helpers::REGULATOR_PAGES.into_iter().chain([
        "/unit",
        "/unit/staff",
        "/unit/metrics",
        "/members",
        "/members/import",
        "/admin/calendars",
        "/admin/policies",
    ]) {
        let page = consumer.get(path).await;
        assert_eq!(page.status, 403, "a consumer on {path}");
        assert!(page.html.contains("无权"), "{path}");
    }
    let merchant = Visitor::log_in(&app, "owner.xixi@odr.demo").await;
    for path in [
        "/dashboard",
        "/approvals",
        "/escalations",
        "/members",
        "/admin/calendars",
        "/file?unit=x",
    ] {
        assert_eq!(merchant.get(path).await.status, 403, "a merchant on {path}");
    }
    for path in [
        "/inbox",
        "/unit",
        "/unit/staff",
        "/unit/metrics",
        "/notifications",
    ] {
        let page = merchant.get(path).await;
        assert_eq!(page.status, 200, "a merchant on {path}");
        // One tab is current, never a tab and the tab it sits under.
        assert!(
            page.html.matches("aria-current=\"page\"").count() <= 1,
            "{path}"
        );
    }
    assert!(
        merchant
            .get("/unit/staff")
            .await
            .html
            .contains("<a href=\"/unit/staff\" aria-current=\"page\">")
    );
    let regulator = Visitor::log_in(&app, "reg.xihu@odr.demo").await;
    for path in crate::helpers::REGULATOR_PAGES
        .into_iter()
        .chain(["/notifications"])
    {
        assert_eq!(
            regulator.get(path).await.status,
            200,
            "a regulator on {path}"
        );
    }
    for path in ["/unit", "/members", "/admin/policies"] {
        assert_eq!(
            regulator.get(path).await.status,
            403,
            "a regulator on {path}"
        );
    }

    // The owner's inbox lists it; another restaurant's does not.
    assert!(
        Visitor::log_in(&app, "owner.xixi@odr.demo")
            .await
            .get("/inbox")
            .await
            .html
            .contains(&id)
    );
    assert!(
        !Visitor::log_in(&app, "owner.hefang@odr.demo")
            .await
            .get("/inbox")
            .await
            .html
            .contains(&id)
    );
}

async fn a_consumer_registers_in_the_portal_and_is_signed_in(app: TestApp) {
    let visitor = Visitor::new(&app);
    let csrf = visitor.get("/register").await.csrf();
    let form = |again: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("display_name", "李女士".to_string()),
            ("email", "li@example.cn".to_string()),
            ("phone", String::new()),
            ("password", "li-pass-2026".to_string()),
            ("password_again", again.to_string()),
        ]
    };
    let typo = visitor
        .client
        .post(format!("{}/register", visitor.base))
        .form(&form("li-pass-2025"))
        .send()
        .await
        .unwrap();
    let typo = Visitor::read(typo).await;
    assert_eq!(typo.status, 422);
    assert!(
        typo.html.contains("两次输入的密码不一致") && typo.html.contains("value=\"li@example.cn\"")
    );
    let done = Visitor::read(
        visitor
            .client
            .post(format!("{}/register", visitor.base))
            .form(&form("li-pass-2026"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(done.status, 303);
    assert_eq!(done.location(), "/units?welcome=1");
    let welcome = visitor.get("/units?welcome=1").await;
    assert!(welcome.html.contains("注册成功") && welcome.html.contains("李女士"));
    app.token("li@example.cn", "li-pass-2026").await;

    let again = Visitor::new(&app);
    let csrf = again.get("/register").await.csrf();
    let taken = Visitor::read(
        again
            .client
            .post(format!("{}/register", again.base))
            .form(&[
                ("csrf", csrf.as_str()),
                ("display_name", "李女士"),
                ("email", "li@example.cn"),
                ("password", "li-pass-2026"),
                ("password_again", "li-pass-2026"),
            ])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(taken.status, 409);
    assert!(taken.html.contains("该邮箱已注册"));
}

async fn unknown_pages_answer_browsers_with_a_page_and_clients_with_a_problem(app: TestApp) {
    let page = app
        .client
        .get(format!("{}/no-such-page", app.address))
        .header("accept", "text/html,*/*")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 404);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(page.text().await.unwrap().contains("找不到该页面"));
    let api = app
        .client
        .get(format!("{}/api/v1/no-such-thing", app.address))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 404);
    assert_eq!(api.headers()["content-type"], "application/problem+json");
    app.get("/no-such-page", None)
        .await
        .expect_problem(404, "route_not_found");
}

async fn a_refused_filing_keeps_what_the_consumer_typed(app: TestApp) {
    app.seed_demo().await;
    let owner = app.demo_token("owner.xixi@odr.demo").await;
    let unit = app.business_of(&owner).await["unit"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let consumer = Visitor::log_in(&app, "consumer@odr.demo").await;
    let form = consumer.get(&format!("/file?unit={unit}")).await;
    assert_eq!(form.status, 200);
    let csrf = form.csrf();
    let booking = |paid: &str, claimed: &str, remedy: &str, description: &str| {
        reqwest::multipart::Form::new()
            .text("category", "service_quality")
            .text("item_kind", "service")
            .text("item_name", "包间预订")
            .text("purchase_date", "2026-11-25")
            .text("amount_paid", paid.to_string())
            .text("amount_claimed", claimed.to_string())
            .text("remedies", remedy.to_string())
            .text("description", description.to_string())
            .text("contact_consent", "yes")
    };
    let send = |multipart: reqwest::multipart::Form| {
        let request = consumer
            .client
            .post(format!("{}/file?unit={unit}&csrf={csrf}", consumer.base))
            .multipart(multipart);
        async move { Visitor::read(request.send().await.unwrap()).await }
    };
    let page = send(booking("一千", "1000", "refund", "太短")).await;
    assert_eq!(page.status, 422);
    assert!(page.html.contains("请填写数字"), "{}", page.html);
    assert!(page.html.contains("value=\"包间预订\"") && page.html.contains(">太短</textarea>"));

    // A claim over the statutory ceiling: the claimed amount is marked, saying the ceiling.
    let long_enough = "预订的包间被临时取消，定金不退。";
    let page = send(booking("100", "100000", "compensation", long_enough)).await;
    assert_eq!(page.status, 422);
    let field = page.html.find("id=\"amount_claimed\"").unwrap();
    let next_label = field + page.html[field..].find("<label").unwrap();
    assert!(
        page.html[field..next_label].contains("十倍加 1,000 元"),
        "the claimed amount is marked: {}",
        &page.html[field..next_label]
    );

    // A file that is no image, PDF or video: refused, nothing filed, the text kept.
    let page = send(booking("1000", "1000", "refund", long_enough).part(
        "file",
        reqwest::multipart::Part::bytes(b"MZ not a picture".to_vec()).file_name("setup.exe"),
    ))
    .await;
    assert_eq!(page.status, 415);
    assert!(page.html.contains("不支持该文件类型"), "{}", page.html);
    assert!(
        page.html
            .contains(">预订的包间被临时取消，定金不退。</textarea>")
            && page.html.contains("value=\"1000\"")
    );
    let disputes = app
        .get(
            "/api/v1/disputes",
            Some(&app.demo_token("consumer@odr.demo").await),
        )
        .await;
    assert_eq!(
        disputes.body["items"].as_array().unwrap().len(),
        0,
        "nothing filed"
    );
}

both_backends!(
    refused_forms_keep_what_was_typed_and_withdrawing_asks_first,
    the_notification_centre_counts_lists_and_marks_read,
    the_filing_form_follows_the_units_industry,
    a_handler_is_shown_no_form_only_owners_may_use,
    a_regulator_decides_an_application_with_the_facts_in_view,
    a_regulator_unmasks_a_contact_in_the_portal_with_a_reason,
    a_regulator_drafts_edits_and_deletes_publications_in_the_portal
);

async fn a_regulator_drafts_edits_and_deletes_publications_in_the_portal(app: TestApp) {
    app.seed_demo().await;
    let filed = app
        .file_demo_dispute("owner.xixi@odr.demo", "预订的包间被临时取消，定金不退。")
        .await;
    let (id, case) = (
        filed["id"].as_str().unwrap().to_string(),
        filed["case_number"].as_str().unwrap().to_string(),
    );
    let consumer = app.demo_token("consumer@odr.demo").await;
    app.post(
        &format!("/api/v1/disputes/{id}/actions"),
        Some(&consumer),
        &serde_json::json!({"action": "withdraw", "reason": "已自行解决"}),
    )
    .await
    .expect(200);

    // The concluded dispute is chosen from a list, not typed in as an id.
    let regulator = Visitor::log_in(&app, "reg.xihu@odr.demo").await;
    let list = regulator.get("/publications").await;
    assert!(
        list.html
            .contains(&format!("<option value=\"{id}\">{case} · ")),
        "{}",
        list.html
    );
    let csrf = list.csrf();
    let drafted = regulator
        .post(
            "/publications",
            &[
                ("csrf", csrf.as_str()),
                ("kind", "case_summary"),
                ("dispute_id", id.as_str()),
            ],
        )
        .await;
    assert!(drafted.status < 400, "{}", drafted.status);
    let xihu = app.demo_token("reg.xihu@odr.demo").await;
    let drafts = app.get("/api/v1/publications", Some(&xihu)).await.body;
    let draft = drafts.as_array().unwrap()[0]["id"]
        .as_str()
        .unwrap()
        .to_string();

    // Edited on its own page; personal data is refused at the field, the text kept.
    let page = regulator.get(&format!("/publications/{draft}")).await;
    assert!(page.html.contains("保存草稿") && page.html.contains("删除草稿"));
    let path = format!("/publications/{draft}");
    let refused = regulator
        .post(
            &path,
            &[
                ("csrf", csrf.as_str()),
                ("title", "年夜饭定金纠纷和解"),
                (
                    "body",
                    "消费者 13800000001 预订年夜饭后定金未退，经协商已解决。",
                ),
            ],
        )
        .await;
    assert_eq!(refused.status, 422);
    let body_field = refused.html.find("id=\"body\"").unwrap();
    assert!(refused.html[body_field..].contains("公示内容不得包含个人信息"));
    assert!(
        refused.html.contains("年夜饭定金纠纷和解"),
        "what was typed stays"
    );
    let saved = regulator
        .post(
            &path,
            &[
                ("csrf", csrf.as_str()),
                ("title", "年夜饭定金纠纷和解"),
                ("body", "一名消费者预订年夜饭后定金未退，经在线协商已解决。"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303);
    let stored = app
        .get(&format!("/api/v1/publications/{draft}"), Some(&xihu))
        .await;
    assert_eq!(stored.body["title"], "年夜饭定金纠纷和解");

    // Another district's regulator can neither see nor delete it; its own may delete it.
    let binjiang = app.demo_token("reg.binjiang@odr.demo").await;
    app.delete(&format!("/api/v1/publications/{draft}"), Some(&binjiang))
        .await
        .expect_problem(404, "publication_not_found");
    let deleted = regulator
        .post(
            &format!("/publications/{draft}/delete"),
            &[("csrf", csrf.as_str())],
        )
        .await;
    assert_eq!(deleted.status, 303);
    app.get(&format!("/api/v1/publications/{draft}"), Some(&xihu))
        .await
        .expect_problem(404, "publication_not_found");
    app.with_conn(|conn| odr::store::audit::seal_all(conn).unwrap())
        .await;
    assert!(
        regulator.get("/audit").await.html.contains("删除公示草稿"),
        "the deletion is audited"
    );

    // A published text is not deleted.
    let alert = app
        .post(
            "/api/v1/publications",
            Some(&xihu),
            &serde_json::json!({"kind": "consumer_alert", "title": "年夜饭预订消费提示",
                "body": "预订年夜饭请签订书面合同，明确定金退还条件。"}),
        )
        .await;
    let alert_id = alert.body["id"].as_str().unwrap().to_string();
    app.post(
        &format!("/api/v1/publications/{alert_id}/publish"),
        Some(&xihu),
        &serde_json::json!({}),
    )
    .await
    .expect(200);
    app.delete(&format!("/api/v1/publications/{alert_id}"), Some(&xihu))
        .await
        .expect_problem(409, "publication_published");
}

async fn a_regulator_unmasks_a_contact_in_the_portal_with_a_reason(app: TestApp) {
    app.seed_demo().await;
    let filed = app
        .file_demo_dispute("owner.xixi@odr.demo", "预订的包间被临时取消，定金不退。")
        .await;
    let id = filed["id"].as_str().unwrap().to_string();
    let regulator = Visitor::log_in(&app, "reg.xihu@odr.demo").await;
    let page = regulator.get(&format!("/disputes/{id}")).await;
    assert!(page.html.contains("查看消费者完整联系方式"));
    assert!(!page.html.contains("13800000001"), "masked until asked");
    let csrf = page.csrf();
    let path = format!("/disputes/{id}/contact");
    let too_short = regulator
        .post(&path, &[("csrf", csrf.as_str()), ("reason", "看")])
        .await;
    assert_eq!(too_short.status, 422);
    assert!(!too_short.html.contains("13800000001"));
    let shown = regulator
        .post(
            &path,
            &[("csrf", csrf.as_str()), ("reason", "调解需电话联系消费者")],
        )
        .await;
    assert_eq!(shown.status, 200);
    assert!(shown.html.contains("13800000001"), "the whole phone number");
    assert!(shown.location().is_empty(), "never in a link");
    app.run_pending_jobs().await;
    app.with_conn(|conn| odr::store::audit::seal_all(conn).unwrap())
        .await;
    let audit = regulator.get("/audit").await;
    assert!(
        audit.html.contains("查看消费者完整联系方式"),
        "the unmasking is audited"
    );

    // Only the region's regulators.
    let owner = Visitor::log_in(&app, "owner.xixi@odr.demo").await;
    let csrf = owner.get(&format!("/disputes/{id}")).await.csrf();
    let refused = owner
        .post(
            &path,
            &[("csrf", csrf.as_str()), ("reason", "我想看看电话号码")],
        )
        .await;
    assert_eq!(refused.status, 403);
    let elsewhere = Visitor::log_in(&app, "reg.binjiang@odr.demo").await;
    let csrf = elsewhere.get("/dashboard").await.csrf();
    let hidden = elsewhere
        .post(
            &path,
            &[("csrf", csrf.as_str()), ("reason", "调解需电话联系消费者")],
        )
        .await;
    assert_eq!(hidden.status, 404);
}

async fn a_regulator_decides_an_application_with_the_facts_in_view(app: TestApp) {
    app.seed_demo().await;
    let (applicant, business, unit_id) = app
        .pending_application("330106", 9, "apply@example.cn")
        .await;

    let regulator = Visitor::log_in(&app, "reg.xihu@odr.demo").await;
    let list = regulator.get("/approvals").await;
    assert!(
        list.html
            .contains(&format!("href=\"/approvals/{unit_id}\""))
    );
    let page = regulator.get(&format!("/approvals/{unit_id}")).await;
    assert_eq!(page.status, 200);
    for fact in [
        business["uscc"].as_str().unwrap(),
        "杭州测试商贸有限公司9",
        "西湖区",
        "杭州市西湖区文三路 100 号",
        "五项条件",
        "有书面的纠纷处理制度",
    ] {
        assert!(page.html.contains(fact), "{fact}");
    }
    let undertaking: String = odr::domain::unit::UNDERTAKING_ZH.chars().take(20).collect();
    assert!(page.html.contains(&undertaking), "the undertaking is shown");
    assert_eq!(page.html.matches("badge ok\">具备").count(), 5);
    // Approved from its own page.
    let csrf = page.csrf();
    let approved = regulator
        .post(
            &format!("/approvals/{unit_id}"),
            &[("csrf", csrf.as_str()), ("action", "approve")],
        )
        .await;
    assert!(approved.status < 400, "{}", approved.status);
    let unit = app
        .get(&format!("/api/v1/units/{unit_id}"), Some(&applicant))
        .await;
    assert_eq!(unit.body["status"], "active");

    // Only the region's regulators see it.
    let elsewhere = Visitor::log_in(&app, "reg.binjiang@odr.demo").await;
    assert_eq!(
        elsewhere.get(&format!("/approvals/{unit_id}")).await.status,
        404
    );
    let consumer = Visitor::log_in(&app, "consumer@odr.demo").await;
    assert_eq!(
        consumer.get(&format!("/approvals/{unit_id}")).await.status,
        403
    );

    // The region's disputes, from the menu, name the business.
    app.file_demo_dispute("owner.xixi@odr.demo", "预订的包间被临时取消，定金不退。")
        .await;
    let dashboard = regulator.get("/dashboard").await;
    assert!(dashboard.html.contains("<a href=\"/inbox\">辖区纠纷</a>"));
    let disputes = regulator.get("/inbox?status=all").await;
    assert!(disputes.html.contains("<h1>辖区纠纷</h1>"));
    assert!(disputes.html.contains("杭州西溪人家餐饮有限公司"));
}

async fn the_filing_form_follows_the_units_industry(app: TestApp) {
    app.seed_demo().await;
    let first_of = |industry: &'static str| {
        let app = &app;
        async move {
            app.get(&format!("/api/v1/public/units?industry={industry}"), None)
                .await
                .body["items"][0]["id"]
                .as_str()
                .unwrap()
                .to_string()
        }
    };
    let consumer = Visitor::log_in(&app, "consumer@odr.demo").await;
    let restaurant = consumer
        .get(&format!("/file?unit={}", first_of("catering").await))
        .await;
    assert!(restaurant.html.contains("食品安全"));
    assert!(
        !restaurant.html.contains("汽车质量"),
        "no vehicle category at a restaurant"
    );
    assert!(
        !restaurant.html.contains("id=\"vin\""),
        "no VIN at a restaurant"
    );
    assert!(
        restaurant.html.contains("value=\"service\" checked"),
        "a meal is a service"
    );
    let dealer = consumer
        .get(&format!("/file?unit={}", first_of("motor_vehicles").await))
        .await;
    assert!(dealer.html.contains("汽车质量") && dealer.html.contains("id=\"vin\""));
    assert!(!dealer.html.contains("食品安全"));
    assert!(dealer.html.contains("value=\"product\" checked"));
}

async fn a_handler_is_shown_no_form_only_owners_may_use(app: TestApp) {
    app.seed_demo().await;
    app.invite_demo_handler().await;
    app.run_pending_jobs().await;
    let token = invitation_token(&app.sent_emails()[0]);
    app.post(
        "/api/v1/auth/invitations/accept",
        None,
        &serde_json::json!({"token": token, "password": "handler-pass-1"}),
    )
    .await
    .expect(204);
    let handler = Visitor::log_in_with(&app, "zhou@example.cn", "handler-pass-1").await;
    let profile = handler.get("/unit").await;
    assert_eq!(profile.status, 200);
    assert!(profile.html.contains("承诺只能由经营者负责人修改"));
    assert!(!profile.html.contains("保存承诺") && profile.html.contains(" disabled>"));
    let staff = handler.get("/unit/staff").await;
    assert!(staff.html.contains("小周"), "the team is listed");
    assert!(
        !staff.html.contains("action=\"/unit/staff\""),
        "no invitation form"
    );

    let owner = Visitor::log_in(&app, "owner.xixi@odr.demo").await;
    assert!(owner.get("/unit").await.html.contains("保存承诺"));
    assert!(
        owner
            .get("/unit/staff")
            .await
            .html
            .contains("action=\"/unit/staff\"")
    );
}

async fn the_notification_centre_counts_lists_and_marks_read(app: TestApp) {
    app.seed_demo().await;
    let filed = app
        .file_demo_dispute("owner.xixi@odr.demo", "预订的包间被临时取消，定金不退。")
        .await;
    let (id, case_number) = (
        filed["id"].as_str().unwrap().to_string(),
        filed["case_number"].as_str().unwrap().to_string(),
    );
    let api = app.demo_token("owner.xixi@odr.demo").await;
    let unread = |reply: crate::helpers::Reply| reply.body["unread"].as_i64();
    assert_eq!(
        unread(
            app.get("/api/v1/notifications/unread-count", Some(&api))
                .await
        ),
        Some(1)
    );

    // Every page's header shows the count; the centre lists the notice with its dispute.
    let owner = Visitor::log_in(&app, "owner.xixi@odr.demo").await;
    let inbox = owner.get("/inbox").await;
    assert!(
        inbox
            .html
            .contains(">通知 <span class=\"badge bad\">1</span></a>"),
        "{}",
        inbox.html
    );
    let centre = owner.get("/notifications").await;
    assert_eq!(centre.status, 200);
    assert!(
        centre.html.contains(&case_number)
            && centre.html.contains(&format!("href=\"/disputes/{id}\""))
            && centre.html.contains("未读"),
        "{}",
        centre.html
    );

    // Nobody marks another account's notice read.
    let notice = app.get("/api/v1/notifications", Some(&api)).await.body[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let other = app.demo_token("owner.hefang@odr.demo").await;
    app.post(
        &format!("/api/v1/notifications/{notice}/read"),
        Some(&other),
        &serde_json::json!({}),
    )
    .await
    .expect_problem(404, "notification_not_found");

    let marked = owner
        .post("/notifications/read-all", &[("csrf", &centre.csrf())])
        .await;
    assert_eq!(marked.status, 303, "{}", marked.html);
    let after = owner.get("/notifications").await;
    assert!(
        after.html.contains(">通知</a>") && !after.html.contains("未读</span>"),
        "{}",
        after.html
    );
    assert_eq!(
        unread(
            app.get("/api/v1/notifications/unread-count", Some(&api))
                .await
        ),
        Some(0)
    );
    let read_all = app
        .post(
            "/api/v1/notifications/read-all",
            Some(&api),
            &serde_json::json!({}),
        )
        .await;
    read_all.expect(200);
    assert_eq!(read_all.body["marked"], 0, "nothing left unread");
}

/// The text between `id="{field}"` and the next label: the field and what is said beside it.
fn at_field<'a>(html: &'a str, field: &str) -> &'a str {
    let start = html
        .find(&format!("id=\"{field}\""))
        .unwrap_or_else(|| panic!("no field {field}: {html}"));
    let end = html[start..]
        .find("<label")
        .map_or(html.len(), |i| start + i);
    &html[start..end]
}

/// Forms on a dispute's page that are refused come back with what was typed and the failing
/// field marked; withdrawing asks to tick a box first.
async fn refused_forms_keep_what_was_typed_and_withdrawing_asks_first(app: TestApp) {
    app.seed_demo().await;
    let id = app
        .file_demo_dispute("owner.xixi@odr.demo", "预订的包间被临时取消，定金不退。")
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let page = format!("/disputes/{id}");

    // The owner's offer with an amount in words: refused, the whole offer still in its form,
    // the amount marked where it is typed.
    let owner = Visitor::log_in(&app, "owner.xixi@odr.demo").await;
    let csrf = owner.get(&page).await.csrf();
    let terms = "免费更换同款菜品，并赠送代金券一张。";
    let refused = owner
        .post(
            &format!("{page}/act"),
            &[
                ("csrf", &csrf),
                ("action", "make_offer"),
                ("remedy", "replacement"),
                ("amount", "五十"),
                ("terms", terms),
                ("fulfilment_days", "5"),
            ],
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.html);
    let html = &refused.html;
    assert!(html.contains(&format!(">{terms}</textarea>")), "{html}");
    assert!(
        at_field(html, "amount").contains("value=\"五十\""),
        "{html}"
    );
    assert!(
        at_field(html, "amount").contains("class=\"field-error\""),
        "the amount is marked: {}",
        at_field(html, "amount")
    );
    // A screen reader reads the sentence with the field.
    assert_eq!(described(at_field(html, "amount")).len(), 1, "{html}");
    assert!(at_field(html, "fulfilment_days").contains("value=\"5\""));
    assert!(html.contains("value=\"replacement\" selected"), "{html}");
    // Nothing else on the page is marked, and the other forms are left empty.
    assert_eq!(html.matches("class=\"field-error\"").count(), 1, "{html}");
    assert!(!at_field(html, "decline-reason").contains(terms));
    let api = app.demo_token("consumer@odr.demo").await;
    let view = app.get(&format!("/api/v1/disputes/{id}"), Some(&api)).await;
    assert_eq!(
        view.body["offers"].as_array().unwrap().len(),
        0,
        "no offer made"
    );

    // The regulator's urge, one character long: refused, the character kept and marked.
    let regulator = Visitor::log_in(&app, "reg.xihu@odr.demo").await;
    let csrf = regulator.get(&page).await.csrf();
    let refused = regulator
        .post(
            &format!("{page}/urge"),
            &[("csrf", &csrf), ("message", "催")],
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.html);
    let urge = at_field(&refused.html, "urge-message");
    assert!(urge.contains(">催</textarea>"), "{urge}");
    assert!(urge.contains("class=\"field-error\""), "{urge}");

    // Withdrawing without the box ticked is refused.
    let consumer = Visitor::log_in(&app, "consumer@odr.demo").await;
    let page = consumer.get(&format!("/disputes/{id}")).await;
    assert!(page.html.contains("撤回后纠纷即告终结"), "{}", page.html);
    let csrf = page.csrf();
    let act = format!("/disputes/{id}/act");
    let unticked = consumer
        .post(
            &act,
            &[
                ("csrf", &csrf),
                ("action", "withdraw"),
                ("reason", "不想等了"),
            ],
        )
        .await;
    assert_eq!(unticked.status, 422);
    assert!(
        unticked.html.contains("请勾选确认后再撤回"),
        "{}",
        unticked.html
    );
    // The reason typed is kept, and the box is marked.
    let html = &unticked.html;
    let reason = html.find("id=\"wd-reason\"").unwrap();
    let withdraw = &html[reason..reason + html[reason..].find("</form>").unwrap()];
    assert!(withdraw.contains("value=\"不想等了\""), "{withdraw}");
    assert_eq!(described(withdraw), ["请勾选确认后再撤回。"], "{withdraw}");
    let api = app.demo_token("consumer@odr.demo").await;
    let status = |reply: crate::helpers::Reply| reply.body["status"].clone();
    assert_eq!(
        status(app.get(&format!("/api/v1/disputes/{id}"), Some(&api)).await),
        "filed",
        "nothing withdrawn without the tick"
    );
    consumer
        .post(
            &act,
            &[
                ("csrf", &csrf),
                ("action", "withdraw"),
                ("reason", "不想等了"),
                ("confirm", "yes"),
            ],
        )
        .await;
    assert_eq!(
        status(app.get(&format!("/api/v1/disputes/{id}"), Some(&api)).await),
        "withdrawn"
    );
}

both_backends!(every_page_with_figures_links_how_they_are_counted);

async fn every_page_with_figures_links_how_they_are_counted(app: TestApp) {
    app.seed_demo().await;
    let visitor = Visitor::new(&app);
    let help = visitor.get("/help/figures").await;
    assert_eq!(help.status, 200);
    for words in [
        "指标说明",
        "按时办结率",
        "和解成功率",
        "首次响应及时率",
        "期末超期未结",
        "至少 5 位<b>不同</b>消费者",
        "按时办结率低于 80%",
        "10 个工作日内办结",
    ] {
        assert!(help.html.contains(words), "{words}");
    }
    visitor.get("/lang?to=en&next=/help/figures").await;
    let english = visitor.get("/help/figures").await;
    assert!(
        english.html.contains("How figures are counted") && english.html.contains("On-time rate"),
        "the English page"
    );
    assert!(english.html.contains("5 different consumers"));

    let link = "href=\"/help/figures\"";
    let unit = app.get("/api/v1/public/units?q=西溪", None).await.body["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let public = Visitor::new(&app);
    for path in ["/units".to_string(), format!("/units/{unit}")] {
        let page = public.get(&path).await;
        assert!(page.html.contains(link), "{path}");
    }
    let regulator = Visitor::log_in(&app, "reg.xihu@odr.demo").await;
    for path in ["/dashboard", "/evaluation", "/reports", "/alerts"] {
        let page = regulator.get(path).await;
        assert_eq!(page.status, 200, "{path}");
        assert!(page.html.contains(link), "{path}");
    }
    let owner = Visitor::log_in(&app, "owner.xixi@odr.demo").await;
    let page = owner.get("/unit/metrics").await;
    assert_eq!(page.status, 200);
    assert!(page.html.contains(link));
}

both_backends!(an_admin_chooses_a_policys_region_and_industry_by_name);

/// Issue 16 item 2: the policy form asks for no code; its region and industry are chosen by name.
async fn an_admin_chooses_a_policys_region_and_industry_by_name(app: TestApp) {
    app.seed_demo().await;
    let admin = Visitor::log_in(&app, "admin@odr.demo").await;
    let page = admin.get("/admin/policies").await;
    assert_eq!(page.status, 200);
    assert!(
        page.html
            .contains("<option value=\"\">全国（不限地区）</option>")
    );
    assert!(
        page.html
            .contains("<option value=\"330100\">浙江省 · 杭州市</option>")
    );
    assert!(
        page.html
            .contains("<option value=\"catering\">餐饮服务</option>")
    );
    assert!(!page.html.contains("代码"), "no field asks for a code");
    let done = admin
        .post(
            "/admin/policies",
            &[
                ("csrf", &page.csrf()),
                ("version", "hz-catering-2027"),
                ("region_code", "330100"),
                ("industry_code", "catering"),
                ("effective_from", "2027-01-01"),
                ("first_contact_days", "1"),
                ("settlement_days", "5"),
                ("note", "杭州市餐饮行业的承诺"),
            ],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.html);
    let listed = admin.get("/admin/policies").await;
    assert!(listed.html.contains("hz-catering-2027"));
    assert!(listed.html.contains("杭州市 · 餐饮服务"), "{}", listed.html);
    // Nationwide for one industry; with neither, the page says what to choose.
    for (version, industry) in [("retail-2027", "retail"), ("cn-2027", "")] {
        let page = admin.get("/admin/policies").await;
        let done = admin
            .post(
                "/admin/policies",
                &[
                    ("csrf", &page.csrf()),
                    ("version", version),
                    ("region_code", ""),
                    ("industry_code", industry),
                    ("effective_from", "2027-01-01"),
                    ("note", "全国"),
                ],
            )
            .await;
        if industry.is_empty() {
            assert_eq!(done.status, 422);
            assert!(done.html.contains("请选择地区或行业"), "{}", done.html);
        } else {
            assert_eq!(done.status, 303, "{}", done.html);
        }
    }
    assert!(admin.get("/admin/policies").await.html.contains("零售"));

    // A district's policy: its province and city chosen above the form bring its districts
    // into the form's region list, the city chosen.
    let page = admin.get("/admin/policies?province=330000").await;
    assert!(
        page.html
            .contains("<option value=\"330000\" selected>浙江省</option>"),
        "{}",
        page.html
    );
    assert!(
        page.html
            .contains("<option value=\"330100\">杭州市</option>")
    );
    assert!(
        !page.html.contains("西湖区"),
        "no district before a city is chosen"
    );
    let page = admin
        .get("/admin/policies?province=330000&city=330100")
        .await;
    assert!(
        page.html
            .contains("<option value=\"330100\" selected>浙江省 · 杭州市</option>"),
        "{}",
        page.html
    );
    assert!(
        page.html
            .contains("<option value=\"330106\">浙江省 · 杭州市 · 西湖区</option>")
    );
    let done = admin
        .post(
            "/admin/policies",
            &[
                ("csrf", &page.csrf()),
                ("version", "xihu-catering-2027"),
                ("region_code", "330106"),
                ("industry_code", "catering"),
                ("effective_from", "2027-01-01"),
                ("settlement_days", "5"),
                ("note", "西湖区餐饮行业的承诺"),
            ],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.html);
    let listed = admin.get("/admin/policies").await;
    assert!(listed.html.contains("西湖区 · 餐饮服务"), "{}", listed.html);
    // Refused (the version exists), the form comes back with the district still chosen.
    let again = admin
        .post(
            "/admin/policies",
            &[
                ("csrf", &listed.csrf()),
                ("version", "xihu-catering-2027"),
                ("region_code", "330106"),
                ("industry_code", "catering"),
                ("effective_from", "2027-02-01"),
                ("note", "重复的版本"),
            ],
        )
        .await;
    assert_eq!(again.status, 409, "{}", again.html);
    assert!(
        again
            .html
            .contains("<option value=\"330106\" selected>浙江省 · 杭州市 · 西湖区</option>"),
        "{}",
        again.html
    );
    // A municipality's districts hang under it directly: choosing it lists them.
    let beijing = admin.get("/admin/policies?province=110000").await;
    assert!(
        beijing
            .html
            .contains("<option value=\"110101\">北京市 · 东城区</option>"),
        "{}",
        beijing.html
    );
}

both_backends!(a_refused_small_form_marks_its_field_and_keeps_what_was_typed);

/// Issue 16 item 4: every field error marked at its field, in the back office's small forms
/// as in the filing form, with what was typed kept (docs/architecture.md#refused-forms).
async fn a_refused_small_form_marks_its_field_and_keeps_what_was_typed(app: TestApp) {
    app.seed_demo().await;
    let owner = Visitor::log_in(&app, "owner.xixi@odr.demo").await;
    let page = owner.get("/unit/staff").await;
    let refused = owner
        .post(
            "/unit/staff",
            &[
                ("csrf", page.csrf().as_str()),
                ("display_name", "孙悦"),
                ("email", "wang.fang@"),
                ("staff_role", "handler"),
            ],
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.html);
    // The invitation comes back as typed, the e-mail marked with what it needs.
    assert!(refused.html.contains("value=\"孙悦\""), "{}", refused.html);
    assert!(refused.html.contains("value=\"wang.fang@\""));
    assert_eq!(refused.html.matches("aria-invalid=\"true\"").count(), 1);
    assert_eq!(described(&refused.html), ["邮箱格式不正确。"]);
    let email = refused.html.find("name=\"email\"").unwrap();
    let marked = refused.html.find("aria-invalid=\"true\"").unwrap();
    let said = refused.html.find("class=\"field-error\"").unwrap();
    assert!(email < marked && marked < said, "{}", refused.html);
    // Nobody was invited.
    assert!(!owner.get("/unit/staff").await.html.contains("孙悦"));

    // A row's form: of the unit's two decisions with a reason, the one sent is marked.
    let owner_token = app.demo_token("owner.xixi@odr.demo").await;
    let unit_id = app.unit_of(&owner_token).await;
    let regulator = Visitor::log_in(&app, "reg.xihu@odr.demo").await;
    let list = regulator.get("/approvals").await;
    let refused = regulator
        .post(
            &format!("/approvals/{unit_id}"),
            &[
                ("csrf", list.csrf().as_str()),
                ("action", "suspend"),
                ("reason", "   "),
            ],
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.html);
    assert_eq!(
        refused.html.matches("aria-invalid=\"true\"").count(),
        1,
        "{}",
        refused.html
    );
    let suspend = refused.html.find("value=\"suspend\"").unwrap();
    let marked = refused.html.find("aria-invalid=\"true\"").unwrap();
    let remove = refused.html[suspend..].find("value=\"remove\"").unwrap() + suspend;
    assert!(suspend < marked && marked < remove, "{}", refused.html);
    assert_eq!(described(&refused.html), ["请填写作出该决定的理由。"]);
    // A regulator of another district is told no such unit on the approvals list, not shown
    // an error page.
    let elsewhere = Visitor::log_in(&app, "reg.binjiang@odr.demo").await;
    let list = elsewhere.get("/approvals").await;
    let refused = elsewhere
        .post(
            &format!("/approvals/{unit_id}"),
            &[
                ("csrf", list.csrf().as_str()),
                ("action", "suspend"),
                ("reason", "经营场所已关闭"),
            ],
        )
        .await;
    assert_eq!(refused.status, 404, "{}", refused.html);
    assert!(
        refused.html.contains("<title>单位审核 · "),
        "{}",
        refused.html
    );
    let unit = app
        .get(&format!("/api/v1/units/{unit_id}"), Some(&owner_token))
        .await;
    assert_eq!(unit.body["status"], "active");
}
