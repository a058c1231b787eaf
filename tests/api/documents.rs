//! The documents of a dispute as PDF files (docs/documents.md): the settlement agreement once
//! an offer is accepted and the escalation notice once escalated, read back as text; each
//! copy's verification code, checked by anyone against the file; who may download which copy.

use reqwest::Method;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::both_backends;
use crate::escalations::escalated;
use crate::helpers::TestApp;
use crate::portal::Visitor;

const OWNER: &str = "owner.xixi@odr.demo";

both_backends!(
    a_settlement_agreement_is_printed_for_the_parties_and_its_code_checks_the_file,
    an_escalation_notice_is_printed_once_the_case_went_to_12315,
    the_portal_offers_the_documents_and_the_public_page_checks_them
);

/// A downloaded document: its status, verification code and bytes.
pub struct Download {
    pub status: u16,
    pub code: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

impl Download {
    /// The document's text, with the white space between its lines and cells removed.
    pub fn text(&self) -> String {
        assert_eq!(self.status, 200, "{}", String::from_utf8_lossy(&self.bytes));
        assert_eq!(self.content_type, "application/pdf");
        let text = pdf_extract::extract_text_from_mem(&self.bytes).unwrap();
        text.split_whitespace().collect()
    }
}

pub async fn download(app: &TestApp, token: Option<&str>, path: &str) -> Download {
    let mut request = app
        .client
        .request(Method::GET, format!("{}{path}", app.address));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let header = |name: &str| {
        (response.headers().get(name))
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    };
    let (code, content_type) = (header("x-verification-code"), header("content-type"));
    Download {
        status: response.status().as_u16(),
        code,
        content_type,
        bytes: response.bytes().await.unwrap().to_vec(),
    }
}

async fn check(app: &TestApp, code: &str, bytes: Vec<u8>) -> Value {
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(bytes).file_name("和解协议书.pdf"),
    );
    let response = app
        .client
        .post(format!("{}/api/v1/documents/{code}/check", app.address))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

/// Files a dispute at the Xihu restaurant; the business offers ¥988 and the consumer accepts.
/// Returns the dispute's id and case number.
async fn settled(app: &TestApp) -> (String, String) {
    app.seed_demo().await;
    let filed = app
        .file_demo_dispute(OWNER, "包间被临时取消，要求退还预订款。")
        .await;
    let id = filed["id"].as_str().unwrap().to_string();
    let owner = app.demo_token(OWNER).await;
    let consumer = app.demo_token("consumer@odr.demo").await;
    let early = app
        .get(
            &format!("/api/v1/disputes/{id}/documents/settlement_agreement"),
            Some(&consumer),
        )
        .await;
    early.expect_problem(409, "document_not_available");
    app.act(
        &owner,
        &id,
        &json!({"action": "make_offer", "remedy": "refund", "amount_fen": 98_800,
        "terms": "退还预订款 988 元，三日内原路退回。", "fulfilment_days": 3}),
    )
    .await;
    let offer = app
        .get(&format!("/api/v1/disputes/{id}"), Some(&consumer))
        .await;
    let offer_id = offer.body["offers"][0]["id"].as_str().unwrap().to_string();
    app.act(
        &consumer,
        &id,
        &json!({"action": "accept_offer", "offer_id": offer_id}),
    )
    .await;
    (id, filed["case_number"].as_str().unwrap().to_string())
}

async fn a_settlement_agreement_is_printed_for_the_parties_and_its_code_checks_the_file(
    app: TestApp,
) {
    let (id, case_number) = settled(&app).await;
    let consumer = app.demo_token("consumer@odr.demo").await;
    let owner = app.demo_token(OWNER).await;
    let view = app
        .get(&format!("/api/v1/disputes/{id}"), Some(&consumer))
        .await;
    let phone = view.body["consumer"]["phone"].as_str().unwrap().to_string();
    let business = view.body["business"]["name"].as_str().unwrap().to_string();
    let path = format!("/api/v1/disputes/{id}/documents/settlement_agreement");

    let copy = download(&app, Some(&consumer), &path).await;
    let text = copy.text();
    for expected in [
        "和解协议书",
        case_number.as_str(),
        "张先生",
        phone.trim_start_matches("+86"),
        business.as_str(),
        "¥988.00（人民币玖佰捌拾捌元整）",
        "退还预订款988元，三日内原路退回。",
        "甲方（签字）",
        "乙方（盖章）",
        copy.code.as_str(),
    ] {
        assert!(text.contains(expected), "{expected:?} is not in {text}");
    }
    assert_eq!(copy.code.len(), 19, "{}", copy.code);

    // The same copy again, and the business holds the very same one.
    let again = download(&app, Some(&consumer), &path).await;
    assert_eq!((&again.code, &again.bytes), (&copy.code, &copy.bytes));
    let business_copy = download(&app, Some(&owner), &path).await;
    assert_eq!(business_copy.bytes, copy.bytes);

    // The district's regulator gets a copy of its own, the phone masked.
    let regulator = app.demo_token("reg.xihu@odr.demo").await;
    let masked = download(&app, Some(&regulator), &path).await;
    let masked_text = masked.text();
    assert_ne!(masked.code, copy.code);
    assert!(
        !masked_text.contains(phone.trim_start_matches("+86")),
        "{masked_text}"
    );
    assert!(masked_text.contains("138****0001"), "{masked_text}");

    // In English when asked.
    let english = download(&app, Some(&consumer), &format!("{path}?lang=en")).await;
    let english_text = english.text();
    assert!(
        english_text.contains("Settlementagreement"),
        "{english_text}"
    );
    assert!(english_text.contains("¥988.00"), "{english_text}");
    assert!(!english_text.contains("人民币"), "{english_text}");

    // Nobody else: another district's regulator, another unit's owner, no login.
    for (who, status) in [
        ("reg.binjiang@odr.demo", 404),
        ("owner.hefang@odr.demo", 404),
    ] {
        let token = app.demo_token(who).await;
        assert_eq!(
            download(&app, Some(&token), &path).await.status,
            status,
            "{who}"
        );
    }
    assert_eq!(download(&app, None, &path).await.status, 401);
    app.get(
        &format!("/api/v1/disputes/{id}/documents/contract"),
        Some(&consumer),
    )
    .await
    .expect_problem(422, "validation_failed");

    // Anyone holding the paper checks its code, and the file against it.
    let verified = app
        .get(
            &format!("/api/v1/documents/{}", copy.code.to_lowercase()),
            None,
        )
        .await;
    verified.expect(200);
    assert_eq!(verified.body["kind"], "settlement_agreement");
    assert_eq!(verified.body["case_number"], case_number.as_str());
    assert_eq!(verified.body["business_name"], business.as_str());
    assert_eq!(verified.body["audience"], "whole");
    assert_eq!(
        verified.body["sha256"],
        hex::encode(Sha256::digest(&copy.bytes))
    );
    assert!(verified.body.get("consumer").is_none());
    let same = check(&app, &copy.code, copy.bytes.clone()).await;
    assert_eq!(
        (&same["matches"], &same["pdf"]),
        (&json!(true), &json!(true))
    );
    let mut changed = copy.bytes.clone();
    let at = changed.len() / 2;
    changed[at] ^= 1;
    assert_eq!(check(&app, &copy.code, changed).await["matches"], false);
    assert_eq!(
        check(&app, &masked.code, copy.bytes).await["matches"],
        false
    );
    app.get("/api/v1/documents/ABCD-EFGH-JKMN-PQRS", None)
        .await
        .expect_problem(404, "document_not_found");
}

async fn an_escalation_notice_is_printed_once_the_case_went_to_12315(app: TestApp) {
    let id = escalated(&app).await;
    let consumer = app.demo_token("consumer@odr.demo").await;
    let path = format!("/api/v1/disputes/{id}/documents/escalation_notice");
    // Not while the case file is on its way: the notice says it arrived.
    app.get(&path, Some(&consumer))
        .await
        .expect_problem(409, "document_not_available");
    app.run_due_jobs().await;
    let notice = download(&app, Some(&consumer), &path).await;
    let text = notice.text();
    for expected in [
        "投诉转交告知书",
        "二、转交情况",
        "目前进展已移送",
        "12315",
        "¥1,000.00（人民币壹仟元整）",
        "外卖中发现异物",
        notice.code.as_str(),
    ] {
        assert!(text.contains(expected), "{expected:?} is not in {text}");
    }
    assert!(
        !text.contains("甲方（签字）"),
        "a notice is not signed: {text}"
    );
    // No agreement was reached: there is none to print.
    app.get(
        &format!("/api/v1/disputes/{id}/documents/settlement_agreement"),
        Some(&consumer),
    )
    .await
    .expect_problem(409, "document_not_available");
    let verified = app
        .get(&format!("/api/v1/documents/{}", notice.code), None)
        .await;
    assert_eq!(verified.body["kind"], "escalation_notice");
}

async fn the_portal_offers_the_documents_and_the_public_page_checks_them(app: TestApp) {
    let (id, case_number) = settled(&app).await;
    let consumer = Visitor::log_in(&app, "consumer@odr.demo").await;
    let page = consumer.get(&format!("/disputes/{id}")).await;
    assert_eq!(page.status, 200);
    let link = format!("/disputes/{id}/documents/settlement_agreement");
    assert!(page.html.contains(&link), "{}", page.html);
    assert!(page.html.contains("可打印的文件"));
    let pdf = consumer
        .client
        .get(format!("{}{link}", consumer.base))
        .send()
        .await
        .unwrap();
    assert_eq!(pdf.status(), 200);
    let code = pdf.headers()["x-verification-code"]
        .to_str()
        .unwrap()
        .to_string();
    let bytes = pdf.bytes().await.unwrap().to_vec();
    assert!(bytes.starts_with(b"%PDF-"));
    // Not offered before there is something to print.
    let other = app
        .file_demo_item(OWNER, "生日宴套餐", "菜品与约定不符，要求退还部分餐费。")
        .await;
    let unsettled = consumer
        .get(&format!("/disputes/{}", other["id"].as_str().unwrap()))
        .await;
    assert!(
        !unsettled.html.contains("/documents/"),
        "{}",
        unsettled.html
    );

    // Someone without an account checks the paper they were handed.
    let public = Visitor::new(&app);
    let found = public.get(&format!("/verify?code={code}")).await;
    assert_eq!(found.status, 200);
    for expected in ["和解协议书", case_number.as_str(), code.as_str()] {
        assert!(found.html.contains(expected), "{expected}: {}", found.html);
    }
    // The form that sends a file carries its token in its address.
    let action = found.html.split("action=\"/verify?").nth(1).unwrap();
    let csrf = action
        .split("csrf=")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let csrf = percent_encoding::percent_decode_str(csrf)
        .decode_utf8()
        .unwrap();
    let upload = |bytes: Vec<u8>| {
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name("和解协议书.pdf"),
        );
        public
            .client
            .post(format!("{}/verify?code={code}&csrf={csrf}", public.base))
            .multipart(form)
            .send()
    };
    let matched = Visitor::read(upload(bytes.clone()).await.unwrap()).await;
    assert_eq!(matched.status, 200);
    assert!(
        matched.html.contains("id=\"file-matches\""),
        "{}",
        matched.html
    );
    let mut changed = bytes;
    changed.truncate(changed.len() - 10);
    let differs = Visitor::read(upload(changed).await.unwrap()).await;
    assert!(
        differs.html.contains("id=\"file-differs\""),
        "{}",
        differs.html
    );
    let unknown = public.get("/verify?code=ABCD-EFGH-JKMN-PQRS").await;
    assert_eq!(unknown.status, 404);
    assert!(
        unknown.html.contains("找不到该验证码对应的文件"),
        "{}",
        unknown.html
    );
}
