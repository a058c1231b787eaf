//! Text messages (docs/sms.md) sent through local fakes of Alibaba Cloud's Short Message
//! Service and Tencent Cloud's SMS that check each request's signature as the provider's
//! documentation defines it (written out here, apart from the platform's own code): the
//! consumer's messages at each step, staff messages where chosen, opting out, the per-number
//! limits with two workers at once, a provider that fails, and who reads the delivery log.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};

use base64::Engine;
use chrono::Duration;
use hmac::{Hmac, KeyInit, Mac};
use secrecy::SecretString;
use serde_json::{Value, json};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::helpers::{Backend, TestApp, spawn_app_with};
use crate::portal::Visitor;

const OWNER: &str = "owner.xixi@odr.demo";
const KEY_ID: &str = "LTAI5t-odr-test";
const SECRET: &str = "odr-test-access-key-secret";
const SIGN_NAME: &str = "杭州ODR";

/// How the fake provider answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Accept,
    /// 503 with no body, as a provider having trouble.
    Down,
    /// The documented refusal of a number that is not a mobile number.
    RefuseNumber,
}

/// The fake provider: checks every request as Alibaba Cloud does, then answers in its mode.
#[derive(Clone)]
struct FakeAliyun {
    mode: Arc<Mutex<Mode>>,
    nonces: Arc<Mutex<HashSet<String>>>,
}

/// RFC 3986 percent-encoding of the signature mechanism: only A–Z a–z 0–9 - _ . ~ stay.
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The form's parameters of `request`.
fn form(request: &Request) -> BTreeMap<String, String> {
    url::form_urlencoded::parse(&request.body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// Why Alibaba Cloud would refuse `params`, if it would.
fn refusal(params: &BTreeMap<String, String>, nonces: &Mutex<HashSet<String>>) -> Option<String> {
    let expect = [
        ("AccessKeyId", KEY_ID),
        ("Action", "SendSms"),
        ("Version", "2017-05-25"),
        ("Format", "JSON"),
        ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureVersion", "1.0"),
        ("RegionId", "cn-hangzhou"),
        ("SignName", SIGN_NAME),
    ];
    for (name, value) in expect {
        if params.get(name).map(String::as_str) != Some(value) {
            return Some(format!("MissingParameter: {name}"));
        }
    }
    let timestamp = params.get("Timestamp")?;
    if chrono::NaiveDateTime::parse_from_str(timestamp, "%Y-%m-%dT%H:%M:%SZ").is_err() {
        return Some("InvalidTimeStamp.Format".into());
    }
    let nonce = params.get("SignatureNonce")?;
    if !nonces.lock().unwrap().insert(nonce.clone()) {
        return Some("SignatureNonceUsed".into());
    }
    // Every parameter but the signature, sorted, encoded and joined; then
    // POST&%2F&<the encoded query>, HMAC-SHA1 with the secret and "&", in Base64.
    let query = params
        .iter()
        .filter(|(k, _)| *k != "Signature")
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    let string_to_sign = format!("POST&{}&{}", encode("/"), encode(&query));
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(format!("{SECRET}&").as_bytes()).unwrap();
    mac.update(string_to_sign.as_bytes());
    let signature = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    if params.get("Signature") != Some(&signature) {
        return Some("SignatureDoesNotMatch".into());
    }
    let template: Value = serde_json::from_str(params.get("TemplateParam")?).ok()?;
    if !template.is_object() {
        return Some("isv.INVALID_JSON_PARAM".into());
    }
    None
}

impl Respond for FakeAliyun {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let params = form(request);
        if let Some(code) = refusal(&params, &self.nonces) {
            return ResponseTemplate::new(400)
                .set_body_json(json!({"Code": code, "Message": code, "RequestId": "fake"}));
        }
        match *self.mode.lock().unwrap() {
            Mode::Accept => ResponseTemplate::new(200).set_body_json(json!({
                "Code": "OK", "Message": "OK", "RequestId": "fake",
                "BizId": format!("biz-{}", params["OutId"]),
            })),
            Mode::Down => ResponseTemplate::new(503),
            Mode::RefuseNumber => ResponseTemplate::new(200).set_body_json(json!({
                "Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号", "RequestId": "fake",
            })),
        }
    }
}

/// The fake Tencent Cloud: checks each request's TC3-HMAC-SHA256 authorization as Tencent
/// Cloud's "Signature v3" defines it, then accepts it, or refuses the number in `refuse`.
#[derive(Clone)]
struct FakeTencent {
    refuse: Arc<Mutex<bool>>,
}

const SECRET_ID: &str = "AKID-odr-test";
const SECRET_KEY: &str = "odr-test-secret-key";

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

fn hmac256(key: &[u8], message: &str) -> Vec<u8> {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key).unwrap();
    mac.update(message.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// Why Tencent Cloud would refuse `request`, if it would.
fn tencent_refusal(request: &Request) -> Option<String> {
    let header = |name: &str| {
        request
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    for (name, value) in [
        ("x-tc-action", "SendSms"),
        ("x-tc-version", "2021-01-11"),
        ("x-tc-region", "ap-guangzhou"),
        ("content-type", "application/json; charset=utf-8"),
    ] {
        if header(name) != value {
            return Some(format!("MissingParameter: {name}"));
        }
    }
    let timestamp: i64 = header("x-tc-timestamp").parse().ok()?;
    let date = chrono::DateTime::from_timestamp(timestamp, 0)?
        .format("%Y-%m-%d")
        .to_string();
    // CanonicalRequest: method, URI, query, the signed headers (lower-case name:value), their
    // names, the payload's hash; then StringToSign, and the key of the day, the service and
    // tc3_request.
    let canonical = format!(
        "POST\n/\n\ncontent-type:{}\nhost:{}\n\ncontent-type;host\n{}",
        header("content-type"),
        header("host"),
        sha256_hex(&request.body)
    );
    let scope = format!("{date}/sms/tc3_request");
    let string_to_sign = format!(
        "TC3-HMAC-SHA256\n{timestamp}\n{scope}\n{}",
        sha256_hex(canonical.as_bytes())
    );
    let k_date = hmac256(format!("TC3{SECRET_KEY}").as_bytes(), &date);
    let k_service = hmac256(&k_date, "sms");
    let k_signing = hmac256(&k_service, "tc3_request");
    let signature = hex::encode(hmac256(&k_signing, &string_to_sign));
    let expected = format!(
        "TC3-HMAC-SHA256 Credential={SECRET_ID}/{scope}, SignedHeaders=content-type;host, Signature={signature}"
    );
    (header("authorization") != expected).then(|| "AuthFailure.SignatureFailure".into())
}

impl Respond for FakeTencent {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let error = |code: &str| {
            ResponseTemplate::new(200).set_body_json(json!({"Response": {
                "Error": {"Code": code, "Message": code}, "RequestId": "fake"}}))
        };
        if let Some(code) = tencent_refusal(request) {
            return error(&code);
        }
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        if *self.refuse.lock().unwrap() {
            return ResponseTemplate::new(200).set_body_json(json!({"Response": {
                "SendStatusSet": [{"Code": "InvalidParameterValue.IncorrectPhoneNumber",
                    "Message": "手机号格式错误", "SerialNo": "", "Fee": 0}],
                "RequestId": "fake"}}));
        }
        ResponseTemplate::new(200).set_body_json(json!({"Response": {
            "SendStatusSet": [{"Code": "Ok", "Message": "send success", "Fee": 1,
                "SerialNo": format!("serial-{}", body["SessionContext"].as_str().unwrap()),
                "PhoneNumber": body["PhoneNumberSet"][0], "IsoCode": "CN"}],
            "RequestId": "fake"}}))
    }
}

/// A platform texting through a fake provider (each template's code is `SMS_<event>`, or
/// `SMS_<event>_EN`), after `adjust`; the demo world seeded.
async fn with_provider(
    backend: Backend,
    adjust: impl FnOnce(&mut odr::config::Settings),
) -> (TestApp, MockServer, FakeAliyun) {
    let server = MockServer::start().await;
    let fake = FakeAliyun {
        mode: Arc::new(Mutex::new(Mode::Accept)),
        nonces: Arc::default(),
    };
    Mock::given(wiremock::matchers::method("POST"))
        .respond_with(fake.clone())
        .mount(&server)
        .await;
    let uri = server.uri();
    let app = spawn_app_with(backend, |s| {
        s.sms.provider = odr::config::SmsProvider::Aliyun;
        s.sms.per_number_hourly = 50;
        s.sms.per_number_daily = 100;
        let a = &mut s.sms.aliyun;
        a.endpoint = format!("{uri}/");
        a.access_key_id = KEY_ID.into();
        a.access_key_secret = SecretString::from(SECRET);
        a.sign_name = SIGN_NAME.into();
        for (event, template) in &mut s.sms.templates {
            template.code = format!("SMS_{event}");
            template.en_code = format!("SMS_{event}_EN");
        }
        adjust(s);
        s.validate().expect("the test's SMS settings are valid");
    })
    .await;
    app.seed_demo().await;
    (app, server, fake)
}

/// What the provider was asked to send: (number, template, values), in order.
async fn sent(server: &MockServer) -> Vec<(String, String, Value)> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .map(|r| {
            let p = form(r);
            let values = serde_json::from_str(&p["TemplateParam"]).unwrap();
            (p["PhoneNumbers"].clone(), p["TemplateCode"].clone(), values)
        })
        .collect()
}

/// The delivery log as the administrator reads it, newest first.
async fn log(app: &TestApp, query: &str) -> Vec<Value> {
    let admin = app.demo_token("admin@odr.demo").await;
    let page = app
        .get(&format!("/api/v1/sms-messages{query}"), Some(&admin))
        .await;
    page.expect(200);
    page.body["items"].as_array().unwrap().clone()
}

async fn act(app: &TestApp, token: &str, dispute: &str, body: Value) {
    app.act(token, dispute, &body).await;
}

/// The business answers `filed` for the first time; the newest entry of the log after the
/// worker ran.
async fn answered_then_logged(app: &TestApp, filed: &Value) -> Value {
    let owner = app.demo_token(OWNER).await;
    let dispute = filed["id"].as_str().unwrap();
    act(
        app,
        &owner,
        dispute,
        json!({"action": "first_contact", "message": "您好"}),
    )
    .await;
    app.run_pending_jobs().await;
    log(app, "").await.remove(0)
}

macro_rules! provider_tests {
    ($(async fn $name:ident($backend:ident) $body:block)*) => {
        $(
            async fn $name($backend: Backend) $body

            mod $name {
                #[tokio::test]
                async fn sqlite() {
                    super::$name(crate::helpers::Backend::Sqlite).await
                }

                #[tokio::test]
                async fn postgres() {
                    super::$name(crate::helpers::Backend::Postgres).await
                }
            }
        )*
    };
}

provider_tests! {
    async fn the_consumer_is_texted_at_each_step_with_signed_requests(backend) {
        let (app, server, _) = with_provider(backend, |_| {}).await;
        let owner = app.demo_token(OWNER).await;
        let consumer = app.demo_token("consumer@odr.demo").await;
        let filed = app.file_demo_dispute(OWNER, "包间预订被临时取消，定金不退。").await;
        let dispute = filed["id"].as_str().unwrap();
        let case = filed["case_number"].as_str().unwrap();
        assert!(sent(&server).await.is_empty(), "nothing is sent inside the request");
        act(&app, &owner, dispute, json!({"action": "first_contact", "message": "您好，已收到。"})).await;
        act(&app, &owner, dispute, json!({"action": "make_offer", "remedy": "refund",
            "amount_fen": 80_000, "terms": "退还定金", "fulfilment_days": 3})).await;
        let view = app.get(&format!("/api/v1/disputes/{dispute}"), Some(&consumer)).await;
        let offer = view.body["offers"][0]["id"].as_str().unwrap().to_string();
        act(&app, &consumer, dispute, json!({"action": "accept_offer", "offer_id": offer})).await;
        act(&app, &owner, dispute, json!({"action": "mark_fulfilled"})).await;
        app.run_pending_jobs().await;

        let texts = sent(&server).await;
        let codes: Vec<_> = texts.iter().map(|(_, code, _)| code.as_str()).collect();
        assert_eq!(
            codes,
            ["SMS_filed", "SMS_first_contact", "SMS_offer", "SMS_agreement", "SMS_fulfilled"]
        );
        for (number, _, values) in &texts {
            assert_eq!(number, "13800000001");
            assert_eq!(values["case"], case);
            assert_eq!(values["business"], "杭州西溪人家餐饮有限公司", "{values}");
        }
        assert_eq!(texts[0].2["due"], "2026-11-30 23:59", "the first-contact due date");
        assert_eq!(texts[2].2["offer"], "退款 ¥800.00");
        assert_eq!(texts[4].2["due"], "2026-12-04 10:00", "seven days to confirm");

        let entries = log(&app, &format!("?dispute_id={dispute}")).await;
        assert_eq!(entries.len(), 5);
        for entry in &entries {
            assert_eq!(entry["status"], "sent");
            assert_eq!(entry["phone"], "138****0001", "the log shows the number masked");
            assert_eq!(entry["attempts"], 1);
            assert!(entry["provider_id"].as_str().unwrap().starts_with("biz-"));
        }
        assert_eq!(entries[4]["event"], "filed", "newest first");
        let body = entries[4]["body"].as_str().unwrap();
        assert!(body.starts_with("您与杭州西溪人家餐饮有限公司的消费纠纷已提交"), "{body}");
        assert!(body.contains(case));
        assert!(!entries.iter().any(|e| e.to_string().contains("13800000001")));

        // Nothing is sent twice; a dispute left to its settlement due date goes to 12315 and
        // the consumer hears it.
        app.run_pending_jobs().await;
        assert_eq!(sent(&server).await.len(), 5);
        let other = app.file_demo_item(OWNER, "婚宴", "婚宴菜品与合同不符。").await;
        app.advance(Duration::days(40));
        app.sweep().await;
        app.run_pending_jobs().await;
        let texts = sent(&server).await;
        let last = texts.last().unwrap();
        assert_eq!(last.1, "SMS_escalated");
        assert_eq!(last.2["case"], other["case_number"]);

        // A dispute a regulator rules out ends with a text saying so.
        let ruled_out = app.file_demo_item(OWNER, "团购券", "团购券到店无法使用。").await;
        let regulator = app.demo_token("reg.xihu@odr.demo").await;
        act(&app, &regulator, ruled_out["id"].as_str().unwrap(),
            json!({"action": "reject", "reason": "属于经营者之间的合同纠纷"})).await;
        app.run_pending_jobs().await;
        let texts = sent(&server).await;
        let codes: Vec<_> = texts.iter().rev().take(2).map(|(_, code, _)| code.as_str()).collect();
        assert_eq!(codes, ["SMS_rejected", "SMS_filed"]);
    }

    async fn staff_are_texted_of_new_disputes_and_due_dates_where_chosen(backend) {
        let (app, server, _) = with_provider(backend, |s| {
            s.sms.staff = true;
            s.reminders.working_days_before = vec![0];
        })
        .await;
        let owner = app.demo_token(OWNER).await;
        let business = app.business_of(&owner).await;
        let staff = format!("/api/v1/businesses/{}/staff", business["id"].as_str().unwrap());
        app.post(&staff, Some(&owner), &json!({"display_name": "小周",
            "email": "zhou@example.cn", "phone": "13900000002", "language": "en"}))
            .await
            .expect(201);
        app.run_pending_jobs().await;
        let filed = app.file_demo_dispute(OWNER, "包间预订被临时取消。").await;
        app.run_pending_jobs().await;
        let texts = sent(&server).await;
        let to_staff: Vec<_> = texts.iter().filter(|(n, _, _)| n == "13900000002").collect();
        assert_eq!(to_staff.len(), 1, "{texts:?}");
        assert_eq!(to_staff[0].1, "SMS_new_dispute_EN", "in the language they chose");
        assert_eq!(to_staff[0].2["case"], filed["case_number"]);
        assert!(texts.iter().any(|(n, code, _)| n == "13800000001" && code == "SMS_filed"));

        // Monday 01:00 in Shanghai: the first contact falls due tonight.
        app.advance(Duration::days(2) + Duration::hours(15));
        app.sweep().await;
        app.run_pending_jobs().await;
        let texts = sent(&server).await;
        let due = texts.last().unwrap();
        assert_eq!((due.0.as_str(), due.1.as_str()), ("13900000002", "SMS_due_soon_EN"));
        assert_eq!(due.2["deadline"], "first contact");
        assert_eq!(due.2["due"], "2026-11-30 23:59");
    }

    async fn a_consumer_who_opts_out_gets_no_more_texts(backend) {
        let (app, server, _) = with_provider(backend, |_| {}).await;
        let consumer = app.demo_token("consumer@odr.demo").await;
        let me = app.get("/api/v1/me/sms", Some(&consumer)).await;
        me.expect(200);
        assert_eq!(me.body["receive"], true);
        assert_eq!(me.body["phone"], "138****0001");
        assert_eq!(me.body["platform_sends"], true);
        assert_eq!(me.body["events"][0], "filed");
        let off = app.put("/api/v1/me/sms", Some(&consumer), &json!({"receive": false})).await;
        off.expect(200);
        assert_eq!(off.body["receive"], false);
        app.put("/api/v1/me/sms", Some(&consumer), &json!({"receive": "no"}))
            .await
            .expect_problem(422, "validation_failed");

        let filed = app.file_demo_dispute(OWNER, "包间预订被临时取消。").await;
        app.run_pending_jobs().await;
        assert!(sent(&server).await.is_empty());
        let entries = log(&app, "?status=opted_out").await;
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0]["dispute_id"], filed["id"]);
        // The in-app notices and emails go on; texts come back once asked for.
        app.put("/api/v1/me/sms", Some(&consumer), &json!({"receive": true}))
            .await
            .expect(200);
        let owner = app.demo_token(OWNER).await;
        act(&app, &owner, filed["id"].as_str().unwrap(),
            json!({"action": "first_contact", "message": "您好"})).await;
        app.run_pending_jobs().await;
        assert_eq!(sent(&server).await.len(), 1);

        // A staff member and a regulator are told they get none.
        let regulator = app.demo_token("reg.xihu@odr.demo").await;
        let theirs = app.get("/api/v1/me/sms", Some(&regulator)).await;
        assert_eq!(theirs.body["events"], json!([]));
        let visitor = Visitor::log_in(&app, "consumer@odr.demo").await;
        let page = visitor.get("/account/password").await;
        assert!(page.html.contains("接收短信通知（138****0001）"), "{}", page.html);
        assert!(page.html.contains("name=\"receive\" value=\"yes\" checked"));
        // The box left unticked turns them off.
        let saved = visitor.post("/account/sms", &[("csrf", &page.csrf())]).await;
        assert_eq!((saved.status, saved.location()), (303, "/account/password?saved=sms"));
        let page = visitor.get(saved.location()).await;
        assert!(page.html.contains("已关闭短信通知"), "{}", page.html);
        let me = app.get("/api/v1/me/sms", Some(&consumer)).await;
        assert_eq!(me.body["receive"], false);
    }

    async fn a_numbers_limit_holds_with_two_workers_at_once(backend) {
        let (app, server, _) = with_provider(backend, |s| {
            s.sms.per_number_hourly = 2;
            s.sms.per_number_daily = 3;
        })
        .await;
        for item in ["包间", "婚宴", "寿宴", "套餐", "外卖"] {
            app.file_demo_item(OWNER, item, "菜品与预订时的约定不符。").await;
        }
        let worker = || odr::jobs::worker::Worker::new(app.state.job_context());
        let (a, b) = (worker(), worker());
        let (left, right) = tokio::join!(a.send_sms(), b.send_sms());
        assert_eq!(left.unwrap() + right.unwrap(), 5, "each message taken once");
        assert_eq!(sent(&server).await.len(), 2, "two an hour to one number");
        assert_eq!(log(&app, "?status=rate_limited").await.len(), 3);

        // An hour later the hourly limit has room, the daily one has one more.
        app.advance(Duration::minutes(61));
        for item in ["早茶", "夜宵"] {
            app.file_demo_item(OWNER, item, "菜品与预订时的约定不符。").await;
        }
        app.run_pending_jobs().await;
        assert_eq!(sent(&server).await.len(), 3);
        assert_eq!(log(&app, "?status=rate_limited").await.len(), 4);
    }

    async fn a_failing_provider_never_holds_up_a_dispute(backend) {
        let (app, server, fake) = with_provider(backend, |_| {}).await;
        *fake.mode.lock().unwrap() = Mode::Down;
        let filed = app.file_demo_dispute(OWNER, "包间预订被临时取消。").await;
        assert_eq!(filed["status"], "filed", "filed while the provider is down");
        app.run_pending_jobs().await;
        let entry = &log(&app, "").await[0];
        assert_eq!(entry["status"], "pending");
        assert_eq!(entry["attempts"], 1);
        assert_eq!(entry["last_error"], "status 503");
        app.run_pending_jobs().await;
        assert_eq!(server.received_requests().await.unwrap().len(), 1, "not before its retry");

        *fake.mode.lock().unwrap() = Mode::Accept;
        app.advance(Duration::minutes(2));
        app.run_pending_jobs().await;
        let entry = &log(&app, "").await[0];
        assert_eq!(entry["status"], "sent");
        assert_eq!(entry["attempts"], 2);

        // A number the provider refuses is given up at once, with its code.
        *fake.mode.lock().unwrap() = Mode::RefuseNumber;
        let entry = &answered_then_logged(&app, &filed).await;
        assert_eq!(entry["status"], "failed");
        assert_eq!(entry["attempts"], 1);
        assert_eq!(entry["last_error"], "isv.MOBILE_NUMBER_ILLEGAL: 非法手机号");
        app.advance(Duration::hours(2));
        app.run_pending_jobs().await;
        assert_eq!(server.received_requests().await.unwrap().len(), 3);
    }

    async fn tencent_cloud_gets_its_own_signature_and_numbered_values(backend) {
        let server = MockServer::start().await;
        let fake = FakeTencent { refuse: Arc::default() };
        Mock::given(wiremock::matchers::method("POST"))
            .respond_with(fake.clone())
            .mount(&server)
            .await;
        let uri = server.uri();
        let (app, aliyun, _) = with_provider(backend, |s| {
            s.sms.provider = odr::config::SmsProvider::Tencent;
            let t = &mut s.sms.tencent;
            t.endpoint = format!("{uri}/");
            t.secret_id = SECRET_ID.into();
            t.secret_key = SecretString::from(SECRET_KEY);
            t.sdk_app_id = "1400000001".into();
            t.sign_name = SIGN_NAME.into();
        })
        .await;
        let filed = app.file_demo_dispute(OWNER, "包间预订被临时取消，定金不退。").await;
        app.run_pending_jobs().await;
        assert!(aliyun.received_requests().await.unwrap().is_empty());
        let requests = server.received_requests().await.unwrap();
        assert_eq!(requests.len(), 1);
        let body: Value = serde_json::from_slice(&requests[0].body).unwrap();
        assert_eq!(body["PhoneNumberSet"], json!(["+8613800000001"]));
        assert_eq!(body["TemplateId"], "SMS_filed");
        assert_eq!((body["SmsSdkAppId"].as_str(), body["SignName"].as_str()), (Some("1400000001"), Some(SIGN_NAME)));
        // The template names business, case and due in that order: {1}, {2}, {3}.
        assert_eq!(
            body["TemplateParamSet"],
            json!(["杭州西溪人家餐饮有限公司", filed["case_number"], "2026-11-30 23:59"])
        );
        let entry = &log(&app, "").await[0];
        assert_eq!(entry["status"], "sent", "{entry}");
        assert_eq!(entry["provider_id"], format!("serial-{}", body["SessionContext"].as_str().unwrap()));

        *fake.refuse.lock().unwrap() = true;
        let entry = &answered_then_logged(&app, &filed).await;
        assert_eq!(entry["status"], "failed");
        assert_eq!(entry["last_error"], "InvalidParameterValue.IncorrectPhoneNumber: 手机号格式错误");
    }

    async fn only_administrators_read_the_text_message_log(backend) {
        let (app, _server, _) = with_provider(backend, |_| {}).await;
        app.file_demo_dispute(OWNER, "包间预订被临时取消。").await;
        app.run_pending_jobs().await;
        app.get("/api/v1/sms-messages", None).await.expect(401);
        for login in ["consumer@odr.demo", OWNER, "reg.xihu@odr.demo", "assoc.catering@odr.demo"] {
            let token = app.demo_token(login).await;
            app.get("/api/v1/sms-messages", Some(&token))
                .await
                .expect_problem(403, "forbidden");
        }
        let admin = app.demo_token("admin@odr.demo").await;
        let bad = app.get("/api/v1/sms-messages?status=lost", Some(&admin)).await;
        bad.expect_problem(422, "validation_failed");
        assert_eq!(bad.failing_fields(), ["status"]);
        assert_eq!(log(&app, "?status=sent").await.len(), 1);

        let visitor = Visitor::log_in(&app, "admin@odr.demo").await;
        let page = visitor.get("/admin/sms").await;
        assert_eq!(page.status, 200);
        let html = &page.html;
        assert!(html.contains("短信发送记录") && html.contains("138****0001"), "{html}");
        assert!(html.contains("已发送") && html.contains("纠纷已提交"), "{html}");
        assert!(!html.contains("13800000001"));
        let consumer = Visitor::log_in(&app, "consumer@odr.demo").await;
        assert_eq!(consumer.get("/admin/sms").await.status, 403);
    }
}
