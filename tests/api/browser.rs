//! The portal in a real browser: Debian's headless Chromium driven over WebDriver
//! (`chromium-driver`), against the application with its manual clock. Screenshots of the
//! pages each role sees are saved under `target/screenshots/` for review.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use chrono::Duration;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use crate::both_backends;
use crate::helpers::REGULATOR_PAGES;
use crate::helpers::TestApp;

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";
/// How long a page may take to replace the one before it; waited for, not a time limit.
const PAGE_LOAD: std::time::Duration = std::time::Duration::from_secs(60);

/// A chromedriver process for one test, stopped when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn driver() -> Driver {
    assert!(
        std::path::Path::new(CHROMEDRIVER).exists() && std::path::Path::new(CHROMIUM).exists(),
        "browser tests need Debian's `chromium` and `chromium-driver`; `.ci/test` installs them"
    );
    let port = free_port();
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    // Dropping the driver stops the process, on every path out of here.
    let driver = Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    // Ready once it accepts connections (it starts in well under a second).
    for _ in 0..400 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return driver;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("chromedriver did not start");
}

/// One browser window (its own profile, so its own cookies) on the application.
struct Browser {
    client: Client,
    base: String,
    label: String,
}

fn screenshot_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

impl Browser {
    /// A window of `width`×`height` CSS pixels; below 500 wide, a phone's screen is emulated
    /// (a desktop window cannot be that narrow).
    async fn open(driver: &Driver, app: &TestApp, label: &str, width: u32, height: u32) -> Self {
        let mut options = json!({
            "binary": CHROMIUM,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--hide-scrollbars",
                format!("--window-size={},{height}", width.max(500)),
            ],
        });
        if width < 500 {
            options["mobileEmulation"] = json!({
                "deviceMetrics": {"width": width, "height": height, "pixelRatio": 1.0, "touch": true}
            });
        }
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), json!("chrome"));
        caps.insert("goog:chromeOptions".into(), options);
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&driver.url)
            .await
            .expect("a Chromium session");
        Self {
            client,
            base: app.address.clone(),
            label: label.into(),
        }
    }

    async fn goto(&self, path: &str) {
        self.client
            .goto(&format!("{}{path}", self.base))
            .await
            .unwrap();
    }

    async fn path(&self) -> String {
        let url = self.client.current_url().await.unwrap();
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_string(),
        }
    }

    async fn fill(&self, css: &str, text: &str) {
        let field = self
            .client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{}: {css}: {e}", self.label));
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    async fn click(&self, css: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{}: {css}: {e}", self.label))
            .click()
            .await
            .unwrap();
    }

    /// Clicks what leads to another page (a link, a form's button) and waits until the new
    /// page has replaced the old one.
    async fn follow(&self, css: &str) {
        let old = self.client.find(Locator::Css("html")).await.unwrap();
        let from = self.path().await;
        self.click(css).await;
        // Patient: on a loaded two-core CI machine a page with an upload can take seconds.
        let deadline = std::time::Instant::now() + PAGE_LOAD;
        while std::time::Instant::now() < deadline {
            match old.tag_name().await {
                Err(fantoccini::error::CmdError::Standard(e))
                    if e.error == fantoccini::error::ErrorStatus::StaleElementReference =>
                {
                    self.client
                        .wait()
                        .at_most(PAGE_LOAD)
                        .for_element(Locator::Css("footer"))
                        .await
                        .unwrap_or_else(|e| panic!("{}: the page after {css}: {e}", self.label));
                    return;
                }
                _ => tokio::time::sleep(std::time::Duration::from_millis(25)).await,
            }
        }
        panic!(
            "{}: clicking {css} on {from} did not lead to another page",
            self.label
        );
    }

    /// Submits the action form `action` of the dispute page (the first, if several).
    async fn act(&self, action: &str) {
        self.follow(&format!(
            "form:has(input[name=action][value={action}]) button[type=submit]"
        ))
        .await;
    }

    async fn text(&self, css: &str) -> String {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{}: {css}: {e}", self.label))
            .text()
            .await
            .unwrap()
    }

    async fn has(&self, css: &str) -> bool {
        !self
            .client
            .find_all(Locator::Css(css))
            .await
            .unwrap()
            .is_empty()
    }

    async fn body(&self) -> String {
        self.text("body").await
    }

    /// Fills the filing form at the restaurant: a private room's booking, ¥1,000 paid and
    /// claimed back, a refund.
    async fn fill_the_filing_form(&self) {
        self.click("#category option[value=service_quality]").await;
        self.fill("#item_name", "包间预订").await;
        self.fill("#amount_paid", "1000").await;
        self.fill("#amount_claimed", "1000").await;
        self.click("input[name=remedies][value=refund]").await;
        self.fill("#description", "预订的包间被临时取消，定金不退。")
            .await;
    }

    /// Rates the dispute 5 stars with a word of thanks.
    async fn rate_five_stars(&self) {
        self.click("input[name=rating][value='5']").await;
        self.fill("#comment", "处理及时").await;
        self.act("rate").await;
    }

    /// Asserts that the dispute's timeline tells each of `steps`.
    async fn timeline_tells(&self, steps: &[&str]) {
        let timeline = self.text("#timeline").await;
        for step in steps {
            assert!(timeline.contains(step), "{step} in {timeline}");
        }
    }

    async fn notice(&self) -> String {
        self.text(".notice").await
    }

    async fn status(&self) -> String {
        self.text("h1 .badge").await
    }

    async fn screenshot(&self, name: &str) {
        let png = self.client.screenshot().await.unwrap();
        std::fs::write(
            screenshot_dir().join(format!("{}-{name}.png", self.label)),
            png,
        )
        .unwrap();
    }

    async fn log_in(&self, email: &str) {
        self.goto("/login").await;
        self.fill("#login", email).await;
        self.fill("#password", odr::demo::DEMO_PASSWORD).await;
        self.follow("form[action='/login'] button").await;
    }

    async fn close(self) {
        self.client.close().await.unwrap();
    }
}

/// A small PNG (the signature is what the server checks).
fn receipt_png() -> PathBuf {
    let mut bytes = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    bytes.extend_from_slice(&[
        0, 0, 0, 13, b'I', b'H', b'D', b'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0,
    ]);
    bytes.resize(600, 0);
    let path =
        std::env::temp_dir().join(format!("odr-receipt-{}.png", uuid::Uuid::new_v4().simple()));
    std::fs::write(&path, bytes).unwrap();
    path
}

fn label(app: &TestApp, test: &str) -> String {
    let backend = if app.database_url.starts_with("postgres") {
        "pg"
    } else {
        "sqlite"
    };
    format!("{test}-{backend}")
}

both_backends!(
    a_dispute_goes_from_filing_to_rating_in_the_browser,
    an_unanswered_dispute_reaches_the_regulators_queue_and_dashboard,
    the_portal_speaks_english_on_request_and_keeps_the_choice,
    every_page_of_every_role_fits_a_phone,
    a_dispute_is_filed_and_settled_in_english,
    a_mediation_goes_from_referral_to_the_printed_agreement
);

async fn every_page_of_every_role_fits_a_phone(app: TestApp) {
    app.seed_demo().await;
    let filed = app
        .file_demo_dispute("owner.xixi@odr.demo", "预订的包间被临时取消，定金不退。")
        .await;
    let dispute = format!("/disputes/{}", filed["id"].as_str().unwrap());
    let (_, _, applied) = app
        .pending_application("330106", 9, "apply@example.cn")
        .await;
    let unit = app
        .unit_of(&app.demo_token("owner.xixi@odr.demo").await)
        .await;
    let driver = driver().await;
    let name = label(&app, "phone");
    let owned = |pages: &[&str]| pages.iter().map(|p| p.to_string()).collect::<Vec<_>>();
    let roles: [(&str, &str, Vec<String>); 7] = [
        (
            "visitor",
            "",
            owned(&[
                "/",
                "/units",
                "/units?province=330000&city=330100",
                "/cases",
                "/warnings",
                "/login",
                "/register",
                "/help/figures",
                "/verify",
            ])
            .into_iter()
            .chain([format!("/units/{unit}")])
            .collect(),
        ),
        (
            "consumer",
            "consumer@odr.demo",
            [
                "/my/disputes".to_string(),
                "/notifications".into(),
                dispute.clone(),
                format!("/file?unit={unit}"),
            ]
            .to_vec(),
        ),
        (
            "merchant",
            "owner.xixi@odr.demo",
            [
                "/inbox".to_string(),
                dispute.clone(),
                "/notifications".into(),
                "/unit".into(),
                "/unit/staff".into(),
                "/unit/metrics".into(),
                "/unit/webhooks".into(),
            ]
            .to_vec(),
        ),
        (
            "association",
            "assoc.catering@odr.demo",
            owned(&["/members", "/members/import", "/members/metrics"]),
        ),
        (
            "regulator",
            "reg.xihu@odr.demo",
            (REGULATOR_PAGES.iter().map(|p| p.to_string()))
                .chain([
                    "/inbox".to_string(),
                    "/notifications".into(),
                    dispute.clone(),
                    format!("/approvals/{applied}"),
                    "/reports/now/weekly".into(),
                    "/reports/now/analysis".into(),
                ])
                .collect(),
        ),
        (
            "mediator",
            "mediator.xihu@odr.demo",
            owned(&["/mediations", "/notifications"]),
        ),
        (
            "admin",
            "admin@odr.demo",
            owned(&[
                "/admin/calendars",
                "/admin/policies",
                "/admin/users",
                "/admin/sms",
            ]),
        ),
    ];
    for (role, login, pages) in roles {
        let phone = Browser::open(&driver, &app, &format!("{name}-{role}"), 375, 800).await;
        if !login.is_empty() {
            phone.log_in(login).await;
        }
        // Each page in Chinese, then each in English.
        let walk = pages
            .iter()
            .map(|page| (page.to_string(), ""))
            .chain(pages.iter().map(|page| {
                let joiner = if page.contains('?') { '&' } else { '?' };
                (format!("{page}{joiner}lang=en"), "-en")
            }));
        for (page, language) in walk {
            let page = page.as_str();
            phone.goto(page).await;
            assert!(phone.has("h1").await, "{role} {page}");
            let widths = phone
                .client
                .execute(
                    "return [document.documentElement.scrollWidth, window.innerWidth]",
                    vec![],
                )
                .await
                .unwrap();
            let (content, window) = (widths[0].as_u64().unwrap(), widths[1].as_u64().unwrap());
            assert!(
                content <= window,
                "{role} {page}: the page is {content} px wide on a {window} px screen"
            );
            // A list's rows are cards on a phone: none scrolls sideways inside its frame.
            let overflow = phone
                .client
                .execute(
                    "return [...document.querySelectorAll('.table-wrap')].filter(w => w.querySelector('table.stack')).map(w => w.scrollWidth - w.clientWidth)",
                    vec![],
                )
                .await
                .unwrap();
            for extra in overflow.as_array().unwrap() {
                assert!(
                    extra.as_i64().unwrap() <= 1,
                    "{role} {page}: a list scrolls {extra} px sideways"
                );
            }
            // A chart shows its phone drawing, never the desk one shrunk.
            let shown = phone
                .client
                .execute(
                    "return [...document.querySelectorAll('svg.chart')].filter(e => e.getBoundingClientRect().width > 0).map(e => e.getAttribute('class'))",
                    vec![],
                )
                .await
                .unwrap();
            for class in shown.as_array().unwrap() {
                assert_eq!(class, "chart narrow", "{role} {page}");
            }
            let file = page
                .replace("?lang=en", "")
                .replace("&lang=en", "")
                .trim_start_matches('/')
                .replace(['/', '?', '&', '='], "-");
            let file = if file.is_empty() { "home" } else { &file };
            phone.screenshot(&format!("{file}{language}")).await;
        }
        phone.close().await;
    }
}

async fn a_dispute_goes_from_filing_to_rating_in_the_browser(app: TestApp) {
    app.seed_demo().await;
    let driver = driver().await;
    let name = label(&app, "flow");
    let consumer = Browser::open(&driver, &app, &format!("{name}-consumer"), 375, 900).await;
    let merchant = Browser::open(&driver, &app, &format!("{name}-merchant"), 1280, 1000).await;

    // The consumer, on a phone, finds the restaurant and files with a receipt.
    consumer.log_in("consumer@odr.demo").await;
    assert_eq!(consumer.path().await, "/my/disputes");
    consumer.goto("/units?q=%E8%A5%BF%E6%BA%AA").await; // 西溪
    consumer.screenshot("directory").await;
    assert!(consumer.body().await.contains("杭州西溪人家餐饮有限公司"));
    consumer.follow("article.unit a.button").await;
    consumer.fill_the_filing_form().await;
    let receipt = receipt_png();
    consumer.fill("#file", receipt.to_str().unwrap()).await;
    consumer.click("input[name=contact_consent]").await;
    consumer.screenshot("filing-form").await;
    consumer
        .follow("form[enctype='multipart/form-data'] button[type=submit]")
        .await;
    assert!(
        consumer.notice().await.contains("投诉已提交"),
        "{}",
        consumer.body().await
    );
    assert_eq!(consumer.status().await, "待响应");
    let evidence = consumer.text("#evidence").await;
    assert!(evidence.contains("odr-receipt-"), "{evidence}");
    let heading = consumer.text("h1").await;
    let case = heading.split_whitespace().nth(1).unwrap().to_string();
    let dispute_path = consumer.path().await.split('?').next().unwrap().to_string();
    consumer.screenshot("dispute-filed").await;

    // The merchant sees it in the inbox with its countdown, contacts and offers.
    merchant.log_in("owner.xixi@odr.demo").await;
    assert_eq!(merchant.path().await, "/inbox");
    let inbox = merchant.body().await;
    assert!(inbox.contains(&case), "{case} in {inbox}");
    assert!(inbox.contains("剩余"), "a countdown: {inbox}");
    merchant.screenshot("inbox").await;
    merchant.follow("table a[href^='/disputes/']").await;
    merchant
        .fill("#fc-message", "您好，我们已收到投诉，正在核实。")
        .await;
    merchant.act("first_contact").await;
    assert_eq!(merchant.status().await, "协商中");
    merchant.fill("#amount", "800").await;
    merchant.fill("#terms", "退还定金 800 元").await;
    merchant.act("make_offer").await;
    assert!(merchant.text("#offers").await.contains("¥800.00"));
    merchant.screenshot("dispute-offer").await;

    // The consumer counters.
    consumer.goto(&dispute_path).await;
    assert!(consumer.text("#actions").await.contains("¥800.00"));
    consumer.fill("#amount", "1000").await;
    consumer.fill("#terms", "全额退还定金").await;
    consumer.act("make_offer").await;
    assert!(consumer.text("#offers").await.contains("¥1,000.00"));

    // The merchant makes a new offer, which replaces its first one …
    merchant.goto(&dispute_path).await;
    merchant.fill("#amount", "900").await;
    merchant.fill("#terms", "退还定金 900 元并赠送餐券").await;
    merchant.act("make_offer").await;

    // … so accepting the first from a stale page is refused, clearly.
    consumer.act("accept_offer").await;
    let refused = consumer.notice().await;
    assert!(
        refused.contains("已被新方案取代") || refused.contains("当前状态"),
        "{refused}"
    );
    consumer.screenshot("refused-action").await;
    // The page shown with the refusal holds the new offer: accept it.
    assert!(consumer.text("#actions").await.contains("¥900.00"));
    consumer.act("accept_offer").await;
    assert_eq!(consumer.status().await, "已达成和解");

    // Fulfilled, confirmed, rated.
    merchant.goto(&dispute_path).await;
    merchant.fill("#note", "已退款 900 元").await;
    merchant.act("mark_fulfilled").await;
    assert!(merchant.notice().await.contains("经营者已履行"));
    consumer.goto(&dispute_path).await;
    let deadlines = consumer.text("#deadlines").await;
    assert!(
        deadlines.contains("经营者说明：已退款 900 元"),
        "the business's note is shown: {deadlines}"
    );
    consumer.act("confirm_fulfilment").await;
    assert_eq!(consumer.status().await, "已解决");
    let deadlines = consumer.text("#deadlines").await;
    assert!(
        !deadlines.contains("履行期限"),
        "no countdown once concluded: {deadlines}"
    );
    consumer.rate_five_stars().await;
    assert!(consumer.text("#actions").await.contains("5 ★"));
    consumer.screenshot("dispute-resolved").await;
    consumer
        .timeline_tells(&[
            "提交投诉",
            "经营者首次响应",
            "接受方案，达成和解",
            "经营者已履行",
            "消费者确认履行",
            "消费者评价",
        ])
        .await;
    consumer.goto("/my/disputes").await;
    assert!(consumer.body().await.contains("已解决"));
    consumer.screenshot("my-disputes").await;
    merchant.goto("/unit/metrics").await;
    merchant.screenshot("metrics").await;
    merchant.goto("/unit").await;
    merchant.screenshot("profile").await;
    merchant.goto("/unit/staff").await;
    merchant.screenshot("staff").await;
    consumer.close().await;
    merchant.close().await;
    let _ = std::fs::remove_file(receipt);
}

async fn an_unanswered_dispute_reaches_the_regulators_queue_and_dashboard(app: TestApp) {
    app.seed_demo().await;
    let driver = driver().await;
    let name = label(&app, "escalation");
    let regulator = Browser::open(&driver, &app, &format!("{name}-regulator"), 1280, 1100).await;
    regulator.log_in("reg.xihu@odr.demo").await;
    assert_eq!(regulator.path().await, "/dashboard");
    assert_eq!(regulator.text("#new-today").await, "0");
    assert_eq!(regulator.text("#awaiting-receipt").await, "0");

    // A dispute is filed and nobody at the restaurant answers.
    let filed = app
        .file_demo_dispute("owner.xixi@odr.demo", "预订的包间被临时取消，定金不退。")
        .await;
    let case = filed["case_number"].as_str().unwrap().to_string();
    regulator.goto("/dashboard").await;
    assert_eq!(regulator.text("#new-today").await, "1");
    assert_eq!(regulator.text("#due-today").await, "0");

    // Past the settlement due date the sweep escalates it.
    app.advance(Duration::days(15));
    assert_eq!(app.sweep().await.escalated_unsettled, 1);
    app.run_pending_jobs().await; // delivery into the region's queue
    regulator.goto("/escalations").await;
    let queue = regulator.body().await;
    assert!(queue.contains(&case), "{queue}");
    assert!(
        queue.contains("杭州西溪人家餐饮有限公司"),
        "the unit is named: {queue}"
    );
    assert!(queue.contains("已移送"), "{queue}");
    assert!(queue.contains("办结期限已过"), "{queue}");
    regulator.screenshot("escalation-queue").await;
    regulator.goto("/dashboard").await;
    assert_eq!(regulator.text("#awaiting-receipt").await, "1");
    assert_eq!(
        regulator
            .text("#month-figures tbody tr:nth-child(4) td")
            .await,
        "1",
        "escalated this month"
    );
    regulator.screenshot("dashboard").await;

    // The regulator records receipt; the queue and dashboard follow.
    regulator.goto("/escalations").await;
    regulator
        .follow("form[action^='/escalations/'] button")
        .await;
    assert!(regulator.notice().await.contains("已保存"));
    assert!(regulator.body().await.contains("已接收"));
    regulator.goto("/dashboard").await;
    assert_eq!(regulator.text("#awaiting-receipt").await, "0");
    for page in [
        "approvals",
        "evaluation",
        "alerts",
        "reports",
        "publications",
        "audit",
    ] {
        regulator.goto(&format!("/{page}")).await;
        assert!(regulator.has("h1").await);
        regulator.screenshot(page).await;
    }
    regulator.close().await;
}

async fn the_portal_speaks_english_on_request_and_keeps_the_choice(app: TestApp) {
    app.seed_demo().await;
    let driver = driver().await;
    let name = label(&app, "language");
    let visitor = Browser::open(&driver, &app, &format!("{name}-visitor"), 375, 800).await;
    visitor.goto("/").await;
    assert_eq!(visitor.text("nav.main a[href='/units']").await, "ODR 单位");
    visitor.screenshot("home-zh").await;
    visitor.follow("a.lang").await;
    assert_eq!(visitor.path().await, "/");
    assert_eq!(visitor.text("nav.main a[href='/units']").await, "ODR units");
    visitor.follow("nav.main a[href='/units']").await;
    assert_eq!(visitor.text("h1").await, "Directory of ODR units");
    visitor.screenshot("directory-en").await;
    visitor.log_in("assoc.catering@odr.demo").await;
    assert_eq!(visitor.text("h1").await, "Member units");
    visitor.screenshot("members-en").await;
    visitor.goto("/members/import").await;
    visitor.screenshot("import-en").await;
    visitor.follow("a.lang").await;
    assert_eq!(visitor.text("h1").await, "批量导入会员");
    visitor.goto("/members/metrics").await;
    visitor.screenshot("members-metrics").await;

    // The administrator's pages, and a page that does not exist.
    visitor.follow("form[action='/logout'] button").await;
    visitor.log_in("admin@odr.demo").await;
    assert_eq!(visitor.text("h1").await, "节假日历");
    assert!(visitor.body().await.contains("2026"));
    visitor.screenshot("admin-calendars").await;
    visitor.goto("/admin/policies").await;
    assert!(visitor.body().await.contains("全国"));
    visitor.screenshot("admin-policies").await;
    visitor.goto("/no-such-page").await;
    assert_eq!(visitor.text("h1").await, "出错了");
    assert!(visitor.notice().await.contains("找不到"));
    visitor.close().await;
}

/// Asserts that `browser`'s page says nothing in Chinese but what people typed (`typed`).
async fn in_english(browser: &Browser, place: &str, typed: &[&str]) {
    let left = chinese_left(&browser.body().await, typed);
    assert!(
        left.is_empty(),
        "{place}: Chinese of the portal's own: {left}"
    );
}

/// The Chinese characters of `text` once what people typed and the businesses' names are taken
/// out: an English page has none of its own.
fn chinese_left(text: &str, typed: &[&str]) -> String {
    let mut left = text.to_string();
    for t in typed {
        left = left.replace(t, "");
    }
    left.chars()
        .filter(|c| ('\u{4e00}'..='\u{9fff}').contains(c))
        .collect()
}

/// Issue 16: the filing story of `a_dispute_goes_from_filing_to_rating_in_the_browser`, walked
/// by a consumer and a merchant who chose English: every word the portal says is English.
async fn a_dispute_is_filed_and_settled_in_english(app: TestApp) {
    app.seed_demo().await;
    let driver = driver().await;
    let name = label(&app, "flow-en");
    let consumer = Browser::open(&driver, &app, &format!("{name}-consumer"), 375, 900).await;
    let merchant = Browser::open(&driver, &app, &format!("{name}-merchant"), 1280, 1000).await;
    let business = "杭州西溪人家餐饮有限公司";
    let mut written: Vec<String> = [
        // The switch back names its language in it.
        "中文",
        business,
        "西溪",
        "包间预订",
        "预订的包间被临时取消，定金不退。",
        // People's names: the consumer's, and the owner's in the merchant's header.
        "张先生",
        "王芳",
        "您好，已收到。",
        "退还定金",
        "已退款",
        "处理及时",
    ]
    .map(String::from)
    .to_vec();
    // The region's reply templates, which the merchant may insert: texts its regulators wrote.
    written.extend(crate::helpers::template_texts(
        &app.xihu_reply_templates().await,
    ));
    let typed: Vec<&str> = written.iter().map(String::as_str).collect();

    consumer.goto("/lang?to=en&next=/").await;
    consumer.log_in("consumer@odr.demo").await;
    consumer.goto("/units?q=%E8%A5%BF%E6%BA%AA").await;
    in_english(&consumer, "directory", &typed).await;
    consumer.follow("article.unit a.button").await;
    in_english(&consumer, "filing form", &typed).await;
    consumer.fill_the_filing_form().await;
    consumer.click("input[name=contact_consent]").await;
    consumer.screenshot("filing-form-en").await;
    consumer
        .follow("form[enctype='multipart/form-data'] button[type=submit]")
        .await;
    assert!(
        consumer.notice().await.contains("Your dispute is filed"),
        "{}",
        consumer.body().await
    );
    assert_eq!(consumer.status().await, "Awaiting contact");
    in_english(&consumer, "the filed dispute", &typed).await;
    let dispute_path = consumer.path().await.split('?').next().unwrap().to_string();
    consumer.screenshot("dispute-filed-en").await;

    merchant.goto("/lang?to=en&next=/").await;
    merchant.log_in("owner.xixi@odr.demo").await;
    in_english(&merchant, "inbox", &typed).await;
    merchant.screenshot("inbox-en").await;
    merchant.goto(&dispute_path).await;
    in_english(&merchant, "the merchant's dispute page", &typed).await;
    merchant.fill("#fc-message", "您好，已收到。").await;
    merchant.act("first_contact").await;
    assert_eq!(merchant.status().await, "Negotiating");
    merchant.fill("#amount", "1000").await;
    merchant.fill("#terms", "退还定金").await;
    merchant.act("make_offer").await;
    assert!(merchant.text("#offers").await.contains("¥1,000.00"));
    in_english(&merchant, "an offer made", &typed).await;
    merchant.screenshot("dispute-offer-en").await;

    consumer.goto(&dispute_path).await;
    in_english(&consumer, "an offer to accept", &typed).await;
    consumer.act("accept_offer").await;
    assert_eq!(consumer.status().await, "Settled");
    merchant.goto(&dispute_path).await;
    merchant.fill("#note", "已退款").await;
    merchant.act("mark_fulfilled").await;
    consumer.goto(&dispute_path).await;
    consumer.act("confirm_fulfilment").await;
    assert_eq!(consumer.status().await, "Resolved");
    consumer.rate_five_stars().await;
    in_english(&consumer, "the resolved dispute", &typed).await;
    consumer.screenshot("dispute-resolved-en").await;
    consumer
        .timeline_tells(&[
            "Dispute filed",
            "First contact",
            "Offer accepted",
            "Marked fulfilled",
            "Fulfilment confirmed",
            "Rated",
        ])
        .await;
    consumer.goto("/my/disputes").await;
    in_english(&consumer, "my disputes", &typed).await;
    consumer.close().await;
    merchant.close().await;
}

/// Sets the value of the field `css` as a script would (a date or time picker takes keys in
/// the browser's own format).
async fn set_value(browser: &Browser, css: &str, value: &str) {
    browser
        .client
        .execute(
            "document.querySelector(arguments[0]).value = arguments[1]",
            vec![json!(css), json!(value)],
        )
        .await
        .unwrap();
}

async fn a_mediation_goes_from_referral_to_the_printed_agreement(app: TestApp) {
    let id = crate::escalations::escalated(&app).await;
    app.run_due_jobs().await;
    let dispute = format!("/disputes/{id}");
    let driver = driver().await;
    let name = label(&app, "mediation");

    // The district's regulator refers the case from its page to the people's mediator.
    let regulator = Browser::open(&driver, &app, &format!("{name}-regulator"), 1280, 1100).await;
    regulator.log_in("reg.xihu@odr.demo").await;
    regulator.goto(&dispute).await;
    let card = regulator.text("#mediation").await;
    assert!(card.contains("孙静"), "{card}");
    regulator
        .fill("#me-note", "消费者情绪激动，请尽快安排调解。")
        .await;
    regulator
        .follow("form[action$='/refer'] button[type=submit]")
        .await;
    assert!(regulator.notice().await.contains("已转交调解员"));
    assert!(regulator.text("#mediation").await.contains("已转交"));
    regulator.screenshot("referred").await;

    // The mediator finds it on their list, on a phone.
    let mediator = Browser::open(&driver, &app, &format!("{name}-mediator"), 375, 900).await;
    mediator.log_in("mediator.xihu@odr.demo").await;
    assert_eq!(mediator.path().await, "/mediations");
    mediator.screenshot("list").await;
    mediator.follow("table a[href^='/mediations/']").await;
    let page = mediator.body().await;
    assert!(
        page.contains("消费者情绪激动"),
        "the regulator's note: {page}"
    );
    assert!(page.contains("138****0001"), "the phone masked: {page}");
    assert!(page.contains("外卖中发现异物"), "the claim: {page}");
    let mediation_path = mediator.path().await;

    // A message to both parties, then a session at the service station tomorrow at 10:00.
    mediator
        .fill(
            "form[action$='/message'] textarea[name=message]",
            "请双方带好购物凭证。",
        )
        .await;
    mediator
        .follow("form[action$='/message'] button[type=submit]")
        .await;
    assert!(mediator.notice().await.contains("已保存"));
    mediator
        .click("form[action$='/session'] option[value=in_person]")
        .await;
    mediator
        .fill(
            "form[action$='/session'] input[name=place]",
            "西湖区消费者权益保护服务站",
        )
        .await;
    set_value(
        &mediator,
        "form[action$='/session'] input[name=starts_at]",
        "2026-11-28T10:00",
    )
    .await;
    mediator
        .follow("form[action$='/session'] button[type=submit]")
        .await;
    let sessions = mediator.text("#sessions").await;
    assert!(sessions.contains("2026-11-28 10:00"), "{sessions}");
    assert!(
        sessions.contains("西湖区消费者权益保护服务站"),
        "{sessions}"
    );
    mediator.screenshot("scheduled").await;

    // The consumer sees the session on the dispute's page and the mediation's.
    let consumer = Browser::open(&driver, &app, &format!("{name}-consumer"), 375, 900).await;
    consumer.log_in("consumer@odr.demo").await;
    consumer.goto(&dispute).await;
    consumer.follow("#mediation a[href^='/mediations/']").await;
    let theirs = consumer.body().await;
    assert!(theirs.contains("请双方带好购物凭证。"), "{theirs}");
    assert!(
        !theirs.contains("消费者情绪激动"),
        "no regulator's note: {theirs}"
    );

    // The next day, after the session: its record, then the agreement.
    app.advance(Duration::days(1) + Duration::hours(1));
    mediator.goto(&mediation_path).await;
    mediator
        .fill(
            "form[action$='/record'] textarea[name=record]",
            "双方到场，同意赔偿 2000 元。",
        )
        .await;
    mediator
        .follow("form[action$='/record'] button[type=submit]")
        .await;
    assert!(mediator.text("#sessions").await.contains("已举行"));
    mediator
        .click("form[action$='/agree'] option[value=compensation]")
        .await;
    mediator
        .fill("form[action$='/agree'] input[name=amount]", "2000")
        .await;
    mediator
        .fill(
            "form[action$='/agree'] textarea[name=terms]",
            "经营者于 12 月 4 日前赔偿消费者 2000 元，双方再无争议。",
        )
        .await;
    set_value(
        &mediator,
        "form[action$='/agree'] input[name=fulfil_by]",
        "2026-12-04",
    )
    .await;
    mediator
        .follow("form[action$='/agree'] button[type=submit]")
        .await;
    assert_eq!(mediator.status().await, "达成协议");
    mediator.screenshot("agreed").await;

    // The printed agreement: a PDF with a verification code the public page knows.
    let href = mediator
        .client
        .find(Locator::Css("a[href$='/documents/mediation_agreement']"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    // Downloaded with the mediator's session, as the browser sends it (the portal's policy
    // lets no script fetch).
    let cookies = mediator.client.get_all_cookies().await.unwrap();
    let cookie = cookies
        .iter()
        .map(|c| format!("{}={}", c.name(), c.value()))
        .collect::<Vec<_>>()
        .join("; ");
    let response = app
        .client
        .get(format!("{}{href}", app.address))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let header = |name: &str| {
        (response.headers().get(name))
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    };
    assert_eq!(header("content-type"), "application/pdf");
    let code = header("x-verification-code");
    let pdf = response.bytes().await.unwrap();
    let text: String = pdf_extract::extract_text_from_mem(&pdf)
        .unwrap()
        .split_whitespace()
        .collect();
    assert!(
        text.contains("调解协议书") && text.contains("¥2,000.00（人民币贰仟元整）"),
        "{text}"
    );
    let verified = app.get(&format!("/api/v1/documents/{code}"), None).await;
    verified.expect(200);
    assert_eq!(verified.body["kind"], "mediation_agreement");

    // The business carries it out, the consumer confirms.
    let merchant = Browser::open(&driver, &app, &format!("{name}-merchant"), 1280, 1000).await;
    merchant.log_in("owner.xixi@odr.demo").await;
    merchant.goto(&mediation_path).await;
    merchant
        .follow("form[action$='/fulfilment'] button[type=submit]")
        .await;
    assert!(merchant.body().await.contains("经营者表示已履行"));
    consumer.goto(&mediation_path).await;
    consumer
        .follow("form[action$='/fulfilment'] button[type=submit]")
        .await;
    assert!(consumer.body().await.contains("消费者已确认"));
    consumer.screenshot("confirmed").await;
    regulator.goto(&dispute).await;
    assert!(
        regulator
            .text("#timeline")
            .await
            .contains("消费者确认履行调解协议")
    );
    for browser in [regulator, mediator, consumer, merchant] {
        browser.close().await;
    }
}
