//! `spawn_app`: the real application on a fresh database per test, with a manual clock, the
//! memory mail transport and the job worker run on demand. The SQLite half of the suite keeps
//! evidence files in a folder, the PostgreSQL half in S3-compatible object storage
//! (`TEST_S3_URL`), as a single node and a cluster of nodes would.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use chrono::{DateTime, Duration, Utc};
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use reqwest::{Method, Response, StatusCode};
use secrecy::SecretString;
use serde_json::{Value, json};

use odr::clock::ManualClock;
use odr::config::{Profile, Settings, StorageBackend};
use odr::demo::{DEMO_PASSWORD, seed_demo};
use odr::http::AppState;
use odr::jobs::worker::Worker;
use odr::notify::email::OutgoingEmail;
use odr::startup::Application;
use odr::store::conn::{DbConn, POSTGRES_MIGRATIONS};

/// The database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The instant every test starts at: Friday 2026-11-27 10:00 in Shanghai.
pub fn start_time() -> DateTime<Utc> {
    "2026-11-27T02:00:00Z".parse().unwrap()
}

/// Runs each named test function, an ordinary `async fn name(app: TestApp)`, once on SQLite
/// and once on PostgreSQL: `both_backends!(files_a_dispute, lists_disputes);` makes the
/// tests `files_a_dispute::sqlite` and `files_a_dispute::postgres`.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),+ $(,)?) => {
        $(
            // The function in the value namespace, its two tests in a module of the same name.
            mod $name {
                #[tokio::test]
                async fn sqlite() {
                    super::$name($crate::helpers::spawn_app($crate::helpers::Backend::Sqlite).await).await
                }

                #[tokio::test]
                async fn postgres() {
                    super::$name($crate::helpers::spawn_app($crate::helpers::Backend::Postgres).await).await
                }
            }
        )+
    };
}

/// A running application and what a test needs to drive it.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub state: AppState,
    pub clock: ManualClock,
    pub database_url: String,
    _dir: tempfile::TempDir,
    pg_database: Option<String>,
}

fn admin_url() -> String {
    std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| {
        panic!(
            "TEST_DATABASE_URL is not set: the PostgreSQL half of the suite needs a server. \
             Run the suite with `.ci/test`, which starts a throwaway PostgreSQL, or set \
             TEST_DATABASE_URL=postgres://user@host:port/postgres"
        )
    })
}

/// The S3-compatible server of the PostgreSQL half: `http://host:port/bucket`.
fn s3_url() -> String {
    std::env::var("TEST_S3_URL").unwrap_or_else(|_| {
        panic!(
            "TEST_S3_URL is not set: the PostgreSQL half of the suite keeps evidence in \
             S3-compatible object storage. Run the suite with `.ci/test`, which starts a \
             throwaway one, or set TEST_S3_URL=http://host:port/bucket (any key is accepted)"
        )
    })
}

/// Points `settings` at the bucket of `TEST_S3_URL`, below a folder of this test's own.
fn use_test_bucket(settings: &mut Settings) {
    let url = s3_url();
    let (endpoint, bucket) = url
        .trim_end_matches('/')
        .rsplit_once('/')
        .expect("TEST_S3_URL is http://host:port/bucket");
    settings.storage.backend = StorageBackend::S3;
    let s3 = &mut settings.storage.s3;
    s3.endpoint = endpoint.to_string();
    s3.bucket = bucket.to_string();
    s3.region = "us-east-1".into();
    s3.access_key_id = "odr-test".into();
    s3.secret_access_key = SecretString::from("odr-test-secret");
    s3.prefix = format!("test-{}", uuid::Uuid::new_v4().simple());
}

fn with_database(url: &str, database: &str) -> String {
    let (base, _) = url.rsplit_once('/').unwrap();
    format!("{base}/{database}")
}

/// A template database migrated once per test process; tests copy it.
fn template_database() -> &'static str {
    static TEMPLATE: OnceLock<String> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let name = format!("odr_template_{}", uuid::Uuid::new_v4().simple());
        let admin = admin_url();
        let mut conn = PgConnection::establish(&admin).expect("connect to TEST_DATABASE_URL");
        conn.batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
        let mut template = PgConnection::establish(&with_database(&admin, &name)).unwrap();
        use diesel_migrations::MigrationHarness;
        template
            .run_pending_migrations(POSTGRES_MIGRATIONS)
            .unwrap();
        drop(template);
        name
    })
}

fn create_pg_database() -> (String, String) {
    let template = template_database();
    let name = format!("odr_test_{}", uuid::Uuid::new_v4().simple());
    let admin = admin_url();
    let mut conn = PgConnection::establish(&admin).unwrap();
    conn.batch_execute(&format!("CREATE DATABASE {name} TEMPLATE {template}"))
        .unwrap();
    (name.clone(), with_database(&admin, &name))
}

/// Settings of the `test` profile pointing at `database_url`.
pub fn test_settings(database_url: &str, dir: &Path) -> Settings {
    let config_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("config");
    let mut settings = Settings::load(&config_dir, Profile::Test).unwrap();
    settings.database.url = SecretString::from(database_url.to_string());
    settings.database.pool_size = 3;
    settings.server.port = 0;
    settings.email.file_dir = dir.join("mail");
    // Evidence is stored by its hash; each test keeps its own files.
    settings.disputes.evidence_dir = dir.join("evidence");
    settings
}

/// Starts the application on a fresh database of `backend`.
pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |_| {}).await
}

/// Starts the application after `adjust` changed its settings.
pub async fn spawn_app_with(backend: Backend, adjust: impl FnOnce(&mut Settings)) -> TestApp {
    odr::telemetry::init_for_tests();
    let dir = tempfile::tempdir().unwrap();
    let (url, pg_database) = match backend {
        Backend::Sqlite => (
            format!("sqlite://{}", dir.path().join("odr.db").display()),
            None,
        ),
        Backend::Postgres => {
            let (name, url) = tokio::task::spawn_blocking(create_pg_database)
                .await
                .unwrap();
            (url, Some(name))
        }
    };
    let mut settings = test_settings(&url, dir.path());
    if backend == Backend::Postgres {
        use_test_bucket(&mut settings);
    }
    adjust(&mut settings);
    let node = Node {
        clock: ManualClock::new(start_time()),
        database_url: url,
        dir,
        pg_database,
    };
    node.start(settings).await
}

/// Starts the application on the database at `database_url` (created and migrated by the
/// caller or by the application) after `adjust` changed its settings; the database is the
/// caller's to remove.
pub async fn spawn_app_on(database_url: &str, adjust: impl FnOnce(&mut Settings)) -> TestApp {
    odr::telemetry::init_for_tests();
    let dir = tempfile::tempdir().unwrap();
    let mut settings = test_settings(database_url, dir.path());
    adjust(&mut settings);
    let node = Node {
        clock: ManualClock::new(start_time()),
        database_url: database_url.to_string(),
        dir,
        pg_database: None,
    };
    node.start(settings).await
}

/// What a started node keeps besides its settings.
struct Node {
    clock: ManualClock,
    database_url: String,
    dir: tempfile::TempDir,
    /// The database this node drops when it goes (the first node of a test only).
    pg_database: Option<String>,
}

impl Node {
    /// Builds and starts the application with `settings`, serving on a port of its own.
    async fn start(self, settings: Settings) -> TestApp {
        let app = Application::build(settings, Arc::new(self.clock.clone()))
            .await
            .unwrap();
        let address = format!("http://127.0.0.1:{}", app.port());
        let state = app.state().clone();
        tokio::spawn(app.run_until_stopped(false));
        TestApp {
            address,
            client: reqwest::Client::builder().build().unwrap(),
            state,
            clock: self.clock,
            database_url: self.database_url,
            _dir: self.dir,
            pg_database: self.pg_database,
        }
    }
}

impl TestApp {
    /// A second `serve` node of the same platform: the same settings, database, evidence
    /// storage and clock, its own port and folder. The database stays the first node's.
    pub async fn second_node(&self) -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let mut settings = (*self.state.settings).clone();
        settings.server.port = 0;
        settings.email.file_dir = dir.path().join("mail");
        settings.disputes.evidence_dir = dir.path().join("evidence");
        let node = Node {
            clock: self.clock.clone(),
            database_url: self.database_url.clone(),
            dir,
            pg_database: None,
        };
        node.start(settings).await
    }

    /// Removes this test's PostgreSQL database under the running app (its connections are cut):
    /// the database is gone, as in an outage.
    pub fn drop_pg_database(&self) {
        let name = self.pg_database.clone().expect("a PostgreSQL test");
        std::thread::spawn(move || {
            let mut conn = PgConnection::establish(&admin_url()).unwrap();
            conn.batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
                .unwrap();
        })
        .join()
        .unwrap();
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(name) = self.pg_database.take() {
            // A plain thread: Drop may run inside the test's runtime, where blocking is refused.
            let _ = std::thread::spawn(move || {
                if let Ok(mut conn) = PgConnection::establish(&admin_url()) {
                    let _ =
                        conn.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
                }
            })
            .join();
        }
    }
}

/// A response read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub content_type: String,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Reply {
    pub async fn read(response: Response) -> Self {
        let status = response.status();
        let headers = response.headers().clone();
        let content_type = headers
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        let text = response.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Self {
            status,
            content_type,
            headers,
            body,
            text,
        }
    }

    /// Asserts the status, printing the body when it differs.
    #[track_caller]
    pub fn expect(&self, status: u16) -> &Self {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status; body: {}",
            self.text
        );
        self
    }

    /// Asserts a problem document with `status` and `code`.
    #[track_caller]
    pub fn expect_problem(&self, status: u16, code: &str) -> &Self {
        self.expect(status);
        assert_eq!(
            self.content_type, "application/problem+json",
            "body: {}",
            self.text
        );
        assert_eq!(self.body["code"], code, "body: {}", self.text);
        assert_eq!(self.body["status"], status);
        self
    }

    /// The field names of a validation problem.
    pub fn failing_fields(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .map(|e| e["field"].as_str().unwrap().to_string())
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl TestApp {
    /// Sends a request with an optional JSON body and bearer token.
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Reply {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.address));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        Reply::read(request.send().await.unwrap()).await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.request(Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Reply {
        self.request(Method::POST, path, token, Some(body)).await
    }

    pub async fn put(&self, path: &str, token: Option<&str>, body: &Value) -> Reply {
        self.request(Method::PUT, path, token, Some(body)).await
    }

    pub async fn patch(&self, path: &str, token: Option<&str>, body: &Value) -> Reply {
        self.request(Method::PATCH, path, token, Some(body)).await
    }

    /// A business registered in `division` (numbered `n`, owner `email`) that applied to become
    /// an ODR unit with every condition met: the owner's token, the business and the pending
    /// unit's id.
    pub async fn pending_application(
        &self,
        division: &str,
        n: u32,
        email: &str,
    ) -> (String, Value, String) {
        self.post(
            "/api/v1/businesses",
            None,
            &business_registration(division, n, email),
        )
        .await
        .expect(201);
        let owner = self.token(email, "shop-owner-2026").await;
        let business = self.business_of(&owner).await;
        let path = format!(
            "/api/v1/businesses/{}/application",
            business["id"].as_str().unwrap()
        );
        let unit = self.post(&path, Some(&owner), &full_application()).await;
        unit.expect(201);
        let unit_id = unit.body["id"].as_str().unwrap().to_string();
        (owner, business, unit_id)
    }

    pub async fn delete(&self, path: &str, token: Option<&str>) -> Reply {
        self.request(Method::DELETE, path, token, None).await
    }

    /// Uploads `bytes` as the multipart field `file`.
    pub async fn upload(&self, path: &str, token: &str, file_name: &str, bytes: Vec<u8>) -> Reply {
        let part = reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_string());
        let form = reqwest::multipart::Form::new().part("file", part);
        let response = self
            .client
            .post(format!("{}{path}", self.address))
            .bearer_auth(token)
            .multipart(form)
            .send()
            .await
            .unwrap();
        Reply::read(response).await
    }

    /// Logs in and returns the whole token response.
    pub async fn login_reply(&self, login: &str, password: &str) -> Reply {
        self.post(
            "/api/v1/auth/login",
            None,
            &json!({"login": login, "password": password}),
        )
        .await
    }

    /// Logs in and returns the access token.
    pub async fn token(&self, login: &str, password: &str) -> String {
        let reply = self.login_reply(login, password).await;
        reply.expect(200);
        reply.body["access_token"].as_str().unwrap().to_string()
    }

    /// Logs a demo account in with the demo password.
    pub async fn demo_token(&self, email: &str) -> String {
        self.token(email, DEMO_PASSWORD).await
    }

    /// Has the demo restaurant's owner invite the handler 小周 <zhou@example.cn> (the demo
    /// world must be seeded); the invitation is queued, not yet sent.
    pub async fn invite_demo_handler(&self) {
        let owner = self.demo_token("owner.xixi@odr.demo").await;
        let business = self.business_of(&owner).await;
        let path = format!(
            "/api/v1/businesses/{}/staff",
            business["id"].as_str().unwrap()
        );
        self.post(
            &path,
            Some(&owner),
            &json!({"display_name": "小周", "email": "zhou@example.cn"}),
        )
        .await
        .expect(201);
    }

    /// Has the demo restaurant's handler 小周 join (invited, the invitation accepted with the
    /// password `handler-pass-1`); their access token.
    pub async fn demo_handler_token(&self) -> String {
        self.invite_demo_handler().await;
        self.run_pending_jobs().await;
        let invitation = self
            .sent_emails()
            .into_iter()
            .find(|e| e.to == "zhou@example.cn")
            .expect("the invitation");
        self.post(
            "/api/v1/auth/invitations/accept",
            None,
            &json!({"token": invitation_token(&invitation), "password": "handler-pass-1"}),
        )
        .await
        .expect(204);
        self.token("zhou@example.cn", "handler-pass-1").await
    }

    /// The demo consumer files a dispute about a cancelled room booking with the unit of the
    /// demo business `owner` owns; returns the filing answer (201).
    pub async fn file_demo_dispute(&self, owner: &str, description: &str) -> Value {
        self.file_demo_item(owner, "包间预订", description).await
    }

    /// Like [`Self::file_demo_dispute`], about the service `item`.
    pub async fn file_demo_item(&self, owner: &str, item: &str, description: &str) -> Value {
        let owner = self.demo_token(owner).await;
        let unit = self.business_of(&owner).await["unit"]["id"]
            .as_str()
            .unwrap()
            .to_string();
        let consumer = self.demo_token("consumer@odr.demo").await;
        let reply = self
            .post(
                "/api/v1/disputes",
                Some(&consumer),
                &json!({
                    "unit_id": unit, "category": "service_quality",
                    "item": {"kind": "service", "name": item}, "purchase_date": "2026-11-25",
                    "amount_paid_fen": 100_000, "amount_claimed_fen": 100_000, "remedies": ["refund"],
                    "description": description, "contact_consent": true
                }),
            )
            .await;
        reply.expect(201);
        // The worker follows the filing up: the staff's notices, the counters, the alerts.
        self.run_due_jobs().await;
        reply.body
    }

    /// `token` takes the action `body` on dispute `dispute`, which must succeed (200).
    pub async fn act(&self, token: &str, dispute: &str, body: &Value) {
        self.post(
            &format!("/api/v1/disputes/{dispute}/actions"),
            Some(token),
            body,
        )
        .await
        .expect(200);
    }

    /// Seeds the demo world into this test's database.
    pub async fn seed_demo(&self) {
        let pii = self.state.pii.clone();
        let now = self.clock.now_utc();
        self.state
            .db
            .run(move |conn| seed_demo(conn, &pii, now))
            .await
            .unwrap()
            .expect("fresh database");
    }

    /// Runs every due job now.
    pub async fn run_pending_jobs(&self) -> usize {
        Worker::new(self.state.job_context())
            .run_pending()
            .await
            .unwrap()
    }

    /// Runs every due job now, as a worker's job loop does (no webhooks, no texts): a filing's
    /// follow-up, emails, deliveries.
    pub async fn run_due_jobs(&self) -> usize {
        Worker::new(self.state.job_context())
            .run_jobs()
            .await
            .unwrap()
    }

    /// Runs the timers sweep at the clock's time.
    pub async fn sweep(&self) -> odr::disputes::timers::SweepReport {
        Worker::new(self.state.job_context()).sweep().await.unwrap()
    }

    /// Emails the memory transport delivered.
    pub fn sent_emails(&self) -> Vec<OutgoingEmail> {
        self.state.mailer.sent()
    }

    /// Moves the clock.
    pub fn advance(&self, by: Duration) {
        self.clock.advance(by);
    }

    /// Runs a closure on a pooled connection.
    pub async fn with_conn<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut DbConn) -> T + Send + 'static,
    ) -> T {
        self.state
            .db
            .run(move |conn| Ok::<_, odr::store::StoreError>(work(conn)))
            .await
            .unwrap()
    }

    /// Asserts that the rollups of the counters (per region, industry and association) are the
    /// sums of the units' rows: the platform's, day by day and month by month, and each
    /// region's over all time.
    pub async fn assert_rollups_add_up(&self) {
        self.with_conn(|conn| {
            use chrono::{Months, NaiveDate};
            use diesel::prelude::*;
            use diesel::sql_types::{BigInt, Nullable};
            use odr::domain::metrics::Counters;
            use odr::store::metrics::{MetricScope, daily_counters, month_of, sum_counters};
            use odr::store::schema::metric_daily;
            use std::collections::BTreeMap;
            let units: Vec<String> = metric_daily::table
                .select(metric_daily::unit_id)
                .distinct()
                .load(conn)
                .unwrap();
            let mut days: BTreeMap<NaiveDate, Counters> = BTreeMap::new();
            for unit in &units {
                for (day, c) in daily_counters(conn, unit).unwrap() {
                    *days.entry(day).or_default() += c;
                }
            }
            let mut months: BTreeMap<NaiveDate, Counters> = BTreeMap::new();
            for (day, c) in &days {
                *months.entry(month_of(*day)).or_default() += *c;
                let next = day.succ_opt().unwrap();
                let rolled = sum_counters(conn, &MetricScope::All, *day, next).unwrap();
                assert_eq!(rolled, *c, "the platform's rollup of {day}");
            }
            for (month, c) in &months {
                let next = *month + Months::new(1);
                let rolled = sum_counters(conn, &MetricScope::All, *month, next).unwrap();
                assert_eq!(rolled, *c, "the platform's rollup of the month of {month}");
            }
            // PostgreSQL's SUM of BIGINT is NUMERIC.
            let total = |column: &str| {
                diesel::dsl::sql::<Nullable<BigInt>>(&format!("CAST(SUM({column}) AS BIGINT)"))
            };
            let regions: Vec<String> = metric_daily::table
                .select(metric_daily::region_code)
                .distinct()
                .load(conn)
                .unwrap();
            let (start, end) = (
                NaiveDate::from_ymd_opt(2000, 1, 1).unwrap(),
                NaiveDate::from_ymd_opt(2100, 1, 1).unwrap(),
            );
            for region in regions {
                let kept: (Option<i64>, Option<i64>, Option<i64>) = metric_daily::table
                    .filter(metric_daily::region_code.eq(&region))
                    .select((total("filed"), total("concluded"), total("overdue_ended")))
                    .first(conn)
                    .unwrap();
                let rolled =
                    sum_counters(conn, &MetricScope::Region(region.clone()), start, end).unwrap();
                assert_eq!(
                    (rolled.filed, rolled.concluded, rolled.overdue_ended),
                    (
                        kept.0.unwrap_or(0),
                        kept.1.unwrap_or(0),
                        kept.2.unwrap_or(0)
                    ),
                    "the rollups of region {region}"
                );
            }
        })
        .await
    }

    /// The id of a demo business by (part of) its name, as its owner sees it.
    pub async fn business_of(&self, owner_token: &str) -> Value {
        let me = self.get("/api/v1/me", Some(owner_token)).await;
        let id = me.body["business_id"].as_str().unwrap().to_string();
        self.get(&format!("/api/v1/businesses/{id}"), Some(owner_token))
            .await
            .body
    }

    /// The reply templates Xihu's regulators see (the demo's are the city's).
    pub async fn xihu_reply_templates(&self) -> Value {
        let regulator = self.demo_token("reg.xihu@odr.demo").await;
        self.get("/api/v1/reply-templates", Some(&regulator))
            .await
            .body
    }

    /// The id of the ODR unit of a demo owner.
    pub async fn unit_of(&self, owner_token: &str) -> String {
        self.business_of(owner_token).await["unit"]["id"]
            .as_str()
            .unwrap()
            .to_string()
    }
}

/// A service-quality dispute against `unit` about `item` bought on `purchase`, claiming back
/// what was paid (`fen`).
pub fn service_claim(unit: &str, item: &str, purchase: &str, fen: i64) -> Value {
    json!({
        "unit_id": unit, "category": "service_quality",
        "item": {"kind": "service", "name": item}, "purchase_date": purchase,
        "amount_paid_fen": fen, "amount_claimed_fen": fen, "remedies": ["refund"],
        "description": "服务与约定不符，要求退款。", "contact_consent": true
    })
}

/// A helper trait so tests read the manual clock without importing chrono traits.
pub trait NowUtc {
    fn now_utc(&self) -> DateTime<Utc>;
}

impl NowUtc for ManualClock {
    fn now_utc(&self) -> DateTime<Utc> {
        odr::clock::Clock::now(self)
    }
}

/// A valid credit code for a test business in `division`, numbered `n`.
pub fn uscc(division: &str, n: u32) -> String {
    let head = format!("92{division}TE5T{n:05}");
    let check = odr::domain::uscc::check_character(head.as_bytes()).unwrap();
    format!("{head}{check}")
}

/// A business registration body for district `division`.
pub fn business_registration(division: &str, n: u32, owner_email: &str) -> Value {
    json!({
        "business": {
            "uscc": uscc(division, n),
            "name": format!("杭州测试商贸有限公司{n}"),
            "industry_code": "retail",
            "region_code": division,
            "address": "杭州市西湖区文三路 100 号",
            "contact_name": "刘经理",
            "contact_phone": "0571-88880000"
        },
        "owner": {"display_name": "刘经理", "email": owner_email},
        "password": "shop-owner-2026"
    })
}

/// An application accepting the undertaking with all conditions met.
pub fn full_application() -> Value {
    json!({
        "accept_undertaking": true,
        "undertaking_version": odr::domain::unit::UNDERTAKING_VERSION,
        "conditions": {"handling_place": true, "staff": true, "computer": true,
                       "dedicated_phone": true, "written_procedure": true}
    })
}

/// Extracts the invitation token from an email's text.
pub fn invitation_token(email: &OutgoingEmail) -> String {
    let (_, rest) = email.text.split_once("token=").expect("invitation link");
    rest.split_whitespace().next().unwrap().to_string()
}

/// The portal pages of a regulator's menu.
pub const REGULATOR_PAGES: [&str; 14] = [
    "/dashboard",
    "/approvals",
    "/evaluation",
    "/escalations",
    "/followed",
    "/mediations",
    "/mediators",
    "/alerts",
    "/reports",
    "/reports/now/daily",
    "/reports/now/monthly",
    "/publications",
    "/reply-templates",
    "/audit",
];

/// What reply templates `templates` say, as pages show them: each body, its excerpt (the first
/// 40 characters) and its title. Regulators wrote them: data, in their language on every page.
pub fn template_texts(templates: &Value) -> Vec<String> {
    (templates.as_array().unwrap().iter())
        .flat_map(|t| {
            let body = t["body"].as_str().unwrap();
            [
                body.to_string(),
                body.chars().take(40).collect(),
                t["title"].as_str().unwrap().to_string(),
            ]
        })
        .collect()
}
