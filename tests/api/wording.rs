//! The Chinese portal speaks Chinese (issue 16 item 2): every page of every role, with
//! disputes, escalations, alerts, pending units and an import report on them, is read as a
//! person sees it (the text between the tags) and may hold no stable code (`escalation_status`,
//! `active`, `dispute.filed`, `cn-national-2026-01`), no id and no English sentence.

use chrono::Duration;

use crate::both_backends;
use crate::helpers::{REGULATOR_PAGES, TestApp};
use crate::portal::Visitor;

both_backends!(the_chinese_portal_shows_no_code_and_no_english);

fn is_han(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}' | '\u{f900}'..='\u{faff}')
}

/// The runs of Chinese characters in `text`, two characters or more.
fn han_runs(text: &str) -> Vec<String> {
    text.split(|c: char| !is_han(c))
        .filter(|run| run.chars().count() >= 2)
        .map(str::to_string)
        .collect()
}

/// Every run of Chinese of the Chinese interface's texts (src/locales/zh-CN/*.ftl, their
/// variables left out): what an English page must not show, unlike people's and businesses'
/// names and what people wrote, which are theirs.
fn chinese_interface_runs() -> std::collections::BTreeSet<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/locales/zh-CN");
    let mut runs = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for line in text.lines() {
            let value = match line.split_once(" = ") {
                Some((id, value)) if !id.starts_with(' ') && !id.starts_with('#') => value,
                _ if line.starts_with(' ') => line,
                _ => continue,
            };
            let mut plain = String::new();
            let mut depth = 0;
            for c in value.chars() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    _ if depth == 0 => plain.push(c),
                    _ => plain.push(' '),
                }
            }
            runs.extend(han_runs(&plain));
        }
    }
    runs
}

/// The text a reader sees: tags, their attributes and character references removed.
fn visible_text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&nbsp;", " ")
        .replace("&amp;", "&")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
}

/// Words a Chinese page may hold in Latin letters: names of things, not English.
const LATIN_ALLOWED: [&str; 15] = [
    "ODR",
    "English",
    "VIN",
    "USCC",
    "PDF",
    "Excel",
    "XLSX",
    "CSV",
    "WPS",
    "API",
    "OpenAPI",
    "SMS",
    "JSON",
    "TOML",
    "holiday-cn",
];

/// What a reader should not meet on a Chinese page, each with why. Email addresses and web
/// addresses are names, not words.
fn offences(text: &str, codes: &[String]) -> Vec<String> {
    let text: String = text
        .split_whitespace()
        .filter(|w| !w.contains('@') && !w.contains("://"))
        .collect::<Vec<_>>()
        .join(" ");
    let mut found = Vec::new();
    let words: Vec<&str> = text
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-'))
        .map(|w| w.trim_matches(|c| c == '.' || c == '-'))
        .filter(|w| !w.is_empty())
        .collect();
    for (i, word) in words.iter().enumerate() {
        let lower = word.chars().any(|c| c.is_ascii_lowercase());
        let snake = word.contains('_') && lower;
        let dotted = word.contains('.')
            && word
                .split('.')
                .all(|p| p.len() > 1 && p.chars().all(|c| c.is_ascii_lowercase()));
        // A version or key such as `cn-national-2026-01`.
        let dashed = word.contains('-')
            && !LATIN_ALLOWED.contains(word)
            && word
                .split('-')
                .any(|p| p.len() > 1 && p.chars().all(|c| c.is_ascii_lowercase()));
        if word.len() == 36 && word.matches('-').count() == 4 {
            found.push(format!("id `{word}`"));
        } else if snake || dotted || dashed || codes.iter().any(|c| c == word) {
            found.push(format!("code `{word}`"));
        } else if lower
            && word.len() >= 3
            && word.chars().all(|c| c.is_ascii_alphabetic())
            && !LATIN_ALLOWED.contains(word)
        {
            // Two Latin words in a row are English.
            if let Some(next) = words.get(i + 1)
                && next.len() >= 2
                && next.chars().all(|c| c.is_ascii_alphabetic())
                && !LATIN_ALLOWED.contains(next)
            {
                found.push(format!("English `{word} {next}`"));
            }
        }
    }
    found.sort();
    found.dedup();
    found
}

async fn the_chinese_portal_shows_no_code_and_no_english(app: TestApp) {
    app.seed_demo().await;
    // A webhook endpoint nobody listens at: its log holds failed attempts.
    let owner = app.demo_token("owner.xixi@odr.demo").await;
    let hooks = format!(
        "/api/v1/businesses/{}/webhooks",
        app.business_of(&owner).await["id"].as_str().unwrap()
    );
    let endpoint = app
        .post(
            &hooks,
            Some(&owner),
            &serde_json::json!({"url": "http://127.0.0.1:9/hooks", "events": ["filed", "escalated"]}),
        )
        .await;
    endpoint.expect(201);
    let secret = endpoint.body["secret"].as_str().unwrap().to_string();
    let endpoint = endpoint.body["webhook"]["id"].as_str().unwrap().to_string();
    // A dispute nobody answers, escalated by the sweep and delivered to the queue; a second at
    // the same unit by the same consumer (a repeat: an alert); an application waiting.
    let escalated = app
        .file_demo_dispute("owner.xixi@odr.demo", "预订的包间被临时取消，定金不退。")
        .await;
    app.advance(Duration::days(15));
    app.sweep().await;
    app.run_pending_jobs().await;
    let open = app
        .file_demo_item(
            "owner.xixi@odr.demo",
            "生日宴套餐",
            "生日宴套餐临时取消，定金不退。",
        )
        .await;
    app.run_pending_jobs().await;
    let (_, _, applied) = app
        .pending_application("330106", 9, "apply@example.cn")
        .await;
    // Xihu's officer follows both; the open one's unit was urged, and the officer called the
    // consumer of the escalated one back. What the officer wrote stays as written.
    let xihu = app.demo_token("reg.xihu@odr.demo").await;
    let xihu_id = app.get("/api/v1/me", Some(&xihu)).await.body["id"].clone();
    let officer_wrote = [
        "消费者为老年人需重点关注",
        "请于明日前联系消费者",
        "对处理结果基本认可",
    ];
    for (filed, reason) in [(&escalated, "sensitive"), (&open, "major")] {
        app.put(
            &format!(
                "/api/v1/disputes/{}/following",
                filed["id"].as_str().unwrap()
            ),
            Some(&xihu),
            &serde_json::json!({"officer_id": xihu_id, "reason": reason, "note": officer_wrote[0]}),
        )
        .await
        .expect(200);
    }
    app.post(
        &format!("/api/v1/disputes/{}/urges", open["id"].as_str().unwrap()),
        Some(&xihu),
        &serde_json::json!({"message": officer_wrote[1]}),
    )
    .await
    .expect(201);
    let today = odr::clock::Clock::now(&app.clock)
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive();
    app.post(
        &format!("/api/v1/disputes/{}/return-visits", escalated["id"].as_str().unwrap()),
        Some(&xihu),
        &serde_json::json!({"visited_on": today, "channel": "phone", "consumer_said": officer_wrote[2], "satisfaction": 4}),
    )
    .await
    .expect(201);

    // Every value of every closed set the portal names (statuses, events, reasons …).
    let codes: Vec<String> = odr::http::portal::stable_codes()
        .into_iter()
        .filter(|c| c.len() >= 4)
        .collect();
    assert!(codes.iter().any(|c| c == "negotiating"), "{codes:?}");

    let owner = app.demo_token("owner.xixi@odr.demo").await;
    let delivery = app
        .get(&format!("{hooks}/{endpoint}/deliveries"), Some(&owner))
        .await
        .body["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let ids = [
        escalated["id"].as_str().unwrap().to_string(),
        open["id"].as_str().unwrap().to_string(),
    ];
    let dispute_pages: Vec<String> = ids.iter().map(|id| format!("/disputes/{id}")).collect();
    // The region's reply templates: texts its regulators wrote, in Chinese on every page.
    let templates = app.xihu_reply_templates().await;
    let mut written = crate::helpers::template_texts(&templates);
    written.extend(officer_wrote.iter().map(|t| t.to_string()));
    // A text message's text is what went to the phone, in its recipient's language: data.
    let texts = app
        .get(
            "/api/v1/sms-messages?limit=200",
            Some(&app.demo_token("admin@odr.demo").await),
        )
        .await
        .body;
    let sent = texts["items"].as_array().unwrap();
    assert!(
        !sent.is_empty(),
        "the log provider logged the demo's messages"
    );
    written.extend(sent.iter().map(|m| m["body"].as_str().unwrap().to_string()));
    let template_page = format!("/reply-templates/{}", templates[0]["id"].as_str().unwrap());
    let unit = app
        .get("/api/v1/public/units?industry=catering", None)
        .await
        .body["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let public: Vec<String> = [
        "/",
        "/units",
        "/cases",
        "/warnings",
        "/help/figures",
        "/verify",
        "/login",
        "/register",
    ]
    .iter()
    .map(|p| p.to_string())
    .chain([format!("/units/{unit}")])
    .collect();
    let roles: Vec<(&str, Vec<String>)> = vec![
        ("", public),
        (
            "consumer@odr.demo",
            ["/my/disputes", "/notifications", "/account/password"]
                .iter()
                .map(|p| p.to_string())
                .chain([format!("/file?unit={unit}")])
                .chain(dispute_pages.clone())
                .collect(),
        ),
        (
            "owner.xixi@odr.demo",
            [
                "/inbox",
                "/unit",
                "/unit/staff",
                "/unit/metrics",
                "/unit/webhooks",
                "/notifications",
            ]
            .iter()
            .map(|p| p.to_string())
            .chain([
                format!("/unit/webhooks/{endpoint}"),
                format!("/unit/webhooks/{endpoint}/deliveries/{delivery}"),
            ])
            .chain(dispute_pages.clone())
            .collect(),
        ),
        (
            "assoc.catering@odr.demo",
            ["/members", "/members/import", "/members/metrics"]
                .iter()
                .map(|p| p.to_string())
                .collect(),
        ),
        (
            "reg.xihu@odr.demo",
            REGULATOR_PAGES
                .iter()
                .map(|p| p.to_string())
                .chain([
                    "/notifications".to_string(),
                    "/inbox?status=all".to_string(),
                    "/reply-templates/new".to_string(),
                    template_page,
                    format!("/approvals/{applied}"),
                    "/reports/now/weekly".to_string(),
                    "/reports/now/analysis".to_string(),
                ])
                .chain(dispute_pages.clone())
                .collect(),
        ),
        (
            "admin@odr.demo",
            [
                "/admin/calendars",
                "/admin/policies",
                "/admin/users",
                "/admin/sms",
                "/audit",
            ]
            .iter()
            .map(|p| p.to_string())
            .collect(),
        ),
    ];
    let mut report = Vec::new();
    let interface = chinese_interface_runs();
    assert!(interface.contains("受理"), "the Chinese texts are read");
    for (login, pages) in roles {
        let (visitor, english) = if login.is_empty() {
            (Visitor::new(&app), Visitor::new(&app))
        } else {
            (
                Visitor::log_in(&app, login).await,
                Visitor::log_in(&app, login).await,
            )
        };
        for page in pages {
            // The English page speaks English of its own: no text of the Chinese interface.
            let joiner = if page.contains('?') { '&' } else { '?' };
            let en = english.get(&format!("{page}{joiner}lang=en")).await;
            assert_eq!(en.status, 200, "{login} {page} in English");
            // Reply templates are what regulators wrote: their titles and texts (and the list's
            // excerpts of them) are left out whole, as are an officer's notes.
            let mut shown = visible_text(&en.html);
            for text in &written {
                shown = shown.replace(text.as_str(), " ");
            }
            for run in han_runs(&shown) {
                // The demo administrator's account is named 平台管理员: a name, not a text.
                if interface.contains(&run) && run != "平台管理员" {
                    report.push(format!("{login} {page} in English: Chinese `{run}`"));
                }
            }
            let got = visitor.get(&page).await;
            assert_eq!(got.status, 200, "{login} {page}");
            // A webhook's payload is shown as the JSON sent, and its secret as it is: data.
            let html = match got.html.split_once("<pre class=\"payload\">") {
                Some((before, rest)) => {
                    format!("{before}{}", rest.split_once("</pre>").unwrap().1)
                }
                None => got.html.clone(),
            };
            let mut text = visible_text(&html).replace(&secret, "");
            if page == "/admin/policies" {
                // Policy versions are names the administrator gives (`cn-national-2026-01`).
                text = text.replace("cn-national-2026-01", "");
            }
            for offence in offences(&text, &codes) {
                report.push(format!("{login} {page}: {offence}"));
            }
        }
    }
    // An association's import report, with a row refused for a wrong credit code.
    let association = Visitor::log_in(&app, "assoc.catering@odr.demo").await;
    let form = association.get("/members/import").await;
    let csrf = form.csrf();
    let csv = "uscc,name,industry_code,region_code,address,contact_name,contact_phone,owner_name,owner_email,has_handling_place,has_staff,has_computer,has_dedicated_phone,has_written_procedure\n\
               91330106XXXXXXXXXX,坏代码餐厅,catering,330106,杭州市西湖区某路 4 号,店长,0571-88880002,店长,bad@example.cn,是,是,是,是,是\n";
    let multipart = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(csv.as_bytes().to_vec()).file_name("members.csv"),
    );
    let response = association
        .client
        .post(format!("{}/members/import?csrf={csrf}", association.base))
        .multipart(multipart)
        .send()
        .await
        .unwrap();
    let imported = Visitor::read(response).await;
    for offence in offences(&visible_text(&imported.html), &codes) {
        report.push(format!("import report: {offence}"));
    }
    assert!(
        report.is_empty(),
        "the Chinese portal shows codes or English:\n{}",
        report.join("\n")
    );
}
