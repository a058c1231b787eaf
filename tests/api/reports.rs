//! Dispute lists, metric tables and region reports as CSV and XLSX, parsed back.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};

use crate::both_backends;
use crate::helpers::{Backend, TestApp, spawn_app_with};
use crate::metrics::fixture;

/// A download's content type and bytes.
pub async fn download(app: &TestApp, path: &str, token: &str) -> (String, Vec<u8>) {
    let response = app
        .client
        .get(format!("{}{path}", app.address))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{path}");
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_string();
    (content_type, response.bytes().await.unwrap().to_vec())
}

/// The rows of a CSV download (UTF-8 with BOM).
pub fn csv_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    assert_eq!(
        &bytes[..3],
        b"\xEF\xBB\xBF",
        "UTF-8 with BOM for Excel and WPS"
    );
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(&bytes[3..])
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

/// Whether `text` holds a Chinese character.
fn has_chinese(text: &str) -> bool {
    text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

fn sheets(bytes: Vec<u8>) -> Vec<(String, Vec<Vec<Data>>)> {
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();
    book.sheet_names()
        .into_iter()
        .map(|name| {
            let range = book.worksheet_range(&name).unwrap();
            (name, range.rows().map(<[Data]>::to_vec).collect())
        })
        .collect()
}

both_backends!(
    lists_metrics_and_reports_download_as_csv_and_xlsx,
    the_daily_look_weekly_check_and_monthly_close_are_read_on_screen,
    the_monthly_analysis_shows_where_complaints_concentrate_against_the_month_before
);

/// Issue 17 item 7: where a month's complaints concentrate, against the month before.
async fn the_monthly_analysis_shows_where_complaints_concentrate_against_the_month_before(
    app: TestApp,
) {
    use crate::portal::Visitor;
    // October: one complaint at a Xihu restaurant, one at a Shangcheng shop.
    app.clock.set("2026-10-15T02:00:00Z".parse().unwrap());
    app.seed_demo().await;
    crate::deadlines::file_with(&app, "owner.xixi@odr.demo", "2026-10-10").await;
    crate::deadlines::file_with(&app, "owner.hubin@odr.demo", "2026-10-10").await;
    // November: three at the Xihu restaurant (the first at half past midnight on 1 November in
    // Shanghai, still 31 October in UTC), one at a Shangcheng restaurant; the Xihu restaurant
    // declines one, which is handled (and judged) at once.
    app.clock.set("2026-10-31T16:30:00Z".parse().unwrap());
    crate::deadlines::file_with(&app, "owner.xixi@odr.demo", "2026-10-30").await;
    app.clock.set("2026-11-27T02:00:00Z".parse().unwrap());
    let mut declined = None;
    for bought in ["2026-11-20", "2026-11-21"] {
        let filed = crate::deadlines::file_with(&app, "owner.xixi@odr.demo", bought).await;
        declined = filed["id"].as_str().map(str::to_string);
    }
    crate::deadlines::file_with(&app, "owner.hefang@odr.demo", "2026-11-20").await;
    let owner = app.demo_token("owner.xixi@odr.demo").await;
    app.post(
        &format!("/api/v1/disputes/{}/actions", declined.unwrap()),
        Some(&owner),
        &serde_json::json!({"action": "decline", "reason": "不同意退定金"}),
    )
    .await
    .expect(200);

    let city = app.demo_token("reg.hangzhou@odr.demo").await;
    let rows = csv_rows(
        &download(&app, "/api/v1/reports/analysis?date=2026-11-15", &city)
            .await
            .1,
    );
    let table = |title: &str| -> Vec<Vec<String>> {
        let at = rows
            .iter()
            .position(|r| r[0].starts_with(title))
            .unwrap_or_else(|| panic!("{title} in {rows:?}"));
        rows[at + 2..]
            .iter()
            .take_while(|r| r.len() > 1 && !r[0].is_empty())
            .cloned()
            .collect()
    };
    // name, this month, month before, change, same month last year, change, share
    assert_eq!(
        table("按行业分布"),
        [
            ["餐饮服务", "4", "1", "3", "0", "4", "100.0%"],
            ["零售", "0", "1", "-1", "0", "0", "0.0%"],
        ]
    );
    let districts = table("按辖区分布");
    assert_eq!(districts[0][..4], ["西湖区", "3", "1", "2"]);
    assert_eq!(districts[1][..4], ["上城区", "1", "1", "0"]);
    assert_eq!(table("按纠纷类别分布")[0][..4], ["服务质量", "4", "2", "2"]);
    let most = table("投诉最多的单位");
    assert_eq!(
        most[0][..5],
        ["杭州西溪人家餐饮有限公司", "餐饮服务", "西湖区", "3", "1"]
    );
    assert_eq!(most.len(), 2, "units with complaints this month only");
    assert!(
        table("指标最低的单位")
            .iter()
            .any(|r| r[0] == "杭州西溪人家餐饮有限公司"),
        "a judged unit is ranked by its figures"
    );
    // Asked in English: the same figures, and no Chinese but the businesses' own names.
    let english = csv_rows(
        &download(
            &app,
            "/api/v1/reports/analysis?date=2026-11-15&lang=en",
            &city,
        )
        .await
        .1,
    );
    let at = english
        .iter()
        .position(|r| r[0].starts_with("Complaints by industry 2026-11-01"))
        .unwrap_or_else(|| panic!("{english:?}"));
    assert_eq!(
        english[at + 1][..3],
        ["Industry", "This month", "Month before"]
    );
    assert_eq!(english[at + 2][..4], ["Catering", "4", "1", "3"]);
    let directory = app.get("/api/v1/public/units?limit=100", None).await;
    let businesses: Vec<&str> = (directory.body["items"].as_array().unwrap().iter())
        .map(|u| u["name"].as_str().unwrap())
        .collect();
    let chinese: Vec<&String> = (english.iter().flatten())
        .filter(|c| has_chinese(c) && !businesses.contains(&c.as_str()))
        .collect();
    assert!(chinese.is_empty(), "{chinese:?}");
    // A district sees its own.
    let xihu = app.demo_token("reg.xihu@odr.demo").await;
    let own = csv_rows(
        &download(&app, "/api/v1/reports/analysis?date=2026-11-15", &xihu)
            .await
            .1,
    );
    assert!(!own.iter().any(|r| r[0].starts_with("上城区")));

    // On screen: charts, and the monthly close and the analysis link each other.
    let regulator = Visitor::log_in(&app, "reg.hangzhou@odr.demo").await;
    let page = regulator.get("/reports/now/analysis?date=2026-11-15").await;
    assert_eq!(page.status, 200);
    assert!(page.html.contains("月度投诉分析") && page.html.contains("<svg"));
    assert!(page.html.contains("/reports/now/monthly?date=2026-11-01"));
    let close = regulator.get("/reports/now/monthly?date=2026-11-15").await;
    assert!(close.html.contains("/reports/now/analysis?date=2026-11-01"));
    let list = regulator.get("/reports").await;
    assert!(list.html.contains("/reports/now/analysis?date=2026-10-31"));
    let wrong = regulator.get("/reports/now/analysis?date=2026-13-01").await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.html.contains("<html") && wrong.html.contains("日期不正确"));
    app.get("/api/v1/reports/analysis", Some(&owner))
        .await
        .expect_problem(403, "forbidden");
}

/// Issue 16 item 3: the reports on screen in the page's language, with their downloads.
async fn the_daily_look_weekly_check_and_monthly_close_are_read_on_screen(app: TestApp) {
    use crate::portal::Visitor;
    fixture(&app).await;
    let regulator = Visitor::log_in(&app, "reg.xihu@odr.demo").await;
    let list = regulator.get("/reports").await;
    let start = list.html.find("/reports/now/daily?date=").unwrap();
    let daily: String = list.html[start..].split('"').next().unwrap().to_string();
    let page = regulator.get(&daily).await;
    assert_eq!(page.status, 200);
    for shown in ["当日概况", "新受理", "今日到期", "超期未结", "未关闭预警"] {
        assert!(page.html.contains(shown), "{shown}");
    }
    assert!(!page.html.contains("Daily look"), "one language on a page");
    let en = regulator.get(&format!("{daily}&lang=en")).await;
    assert!(en.html.contains("Daily look") && en.html.contains("Open alerts"));
    assert!(!en.html.contains("当日概况"));
    // Its download is in the page's language too.
    let download_en = regulator.get(&format!("{daily}&format=csv&lang=en")).await;
    let rows = csv_rows(download_en.html.as_bytes());
    assert!(rows.iter().any(|r| r[0] == "Open alerts"), "{rows:?}");
    assert!(!download_en.html.contains("未关闭预警"));

    let monthly = regulator.get("/reports/now/monthly").await;
    for shown in [
        "月结",
        "按时办结率",
        "和解成功率",
        "各单位",
        "杭州西溪人家餐饮有限公司",
    ] {
        assert!(monthly.html.contains(shown), "{shown}");
    }
    let start = monthly
        .html
        .find("/reports/now/monthly?format=xlsx")
        .unwrap();
    let xlsx: String = monthly.html[start..]
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");
    let file = regulator.get(&xlsx).await;
    assert_eq!(file.status, 200);
    assert!(
        file.headers["content-type"]
            .to_str()
            .unwrap()
            .contains("spreadsheetml")
    );
    let weekly = regulator.get("/reports/now/weekly").await;
    assert!(weekly.html.contains("周查"));
    // Not a regulator: no report.
    let owner = Visitor::log_in(&app, "owner.xixi@odr.demo").await;
    assert_eq!(owner.get("/reports/now/daily").await.status, 403);
}

async fn lists_metrics_and_reports_download_as_csv_and_xlsx(app: TestApp) {
    fixture(&app).await;
    let owner = app.demo_token("owner.xixi@odr.demo").await;
    let (content_type, bytes) = download(&app, "/api/v1/disputes/export", &owner).await;
    assert!(content_type.starts_with("text/csv"));
    let rows = csv_rows(&bytes);
    assert_eq!(rows[0][0], "案件编号");
    assert_eq!(rows.len(), 4, "header and the unit's three disputes");
    assert!(rows[1..].iter().all(|r| r[2] == "杭州西溪人家餐饮有限公司"));
    assert!(rows[1..].iter().any(|r| r[6] == "3880.00"));
    assert!(
        !String::from_utf8_lossy(&bytes).contains("13800000001"),
        "no contact details"
    );
    let (content_type, bytes) = download(
        &app,
        "/api/v1/disputes/export?format=xlsx&status=escalated",
        &owner,
    )
    .await;
    assert!(content_type.starts_with("application/vnd.openxmlformats"));
    let book = sheets(bytes);
    assert_eq!(book[0].1.len(), 2, "header and the one escalated dispute");
    assert_eq!(
        book[0].1[1][2],
        Data::String("杭州西溪人家餐饮有限公司".into())
    );
    // The status and the category in words for people, their codes last for programs.
    let row = &book[0].1[1];
    assert_eq!(row[1], Data::String("已转 12315".into()));
    assert_eq!(row[12], Data::String("escalated".into()));
    assert_eq!(book[0].1[0][13], Data::String("类别代码".into()));
    assert!(
        matches!(&row[4], Data::String(words) if !words.is_empty() && !words.chars().any(|c| c.is_ascii_alphabetic())),
        "{:?}",
        row[4]
    );
    // The same export in English: every word in English, the codes as they are.
    let (_, bytes) = download(
        &app,
        "/api/v1/disputes/export?format=xlsx&status=escalated&lang=en",
        &owner,
    )
    .await;
    let book = sheets(bytes);
    assert_eq!(book[0].0, "Disputes");
    let (header, row) = (&book[0].1[0], &book[0].1[1]);
    assert_eq!(header[0], Data::String("Case".into()));
    assert_eq!(header[13], Data::String("Category code".into()));
    assert_eq!(row[1], Data::String("Escalated to 12315".into()));
    assert_eq!(row[12], Data::String("escalated".into()));
    assert!(matches!(&row[10], Data::String(no) if no == "No" || no == "Yes"));
    let chinese: Vec<&Data> = (header.iter().chain(row))
        .filter(|c| matches!(c, Data::String(t) if has_chinese(t)))
        .collect();
    assert_eq!(
        chinese,
        [&row[2], &row[3], &row[5]],
        "only the business's and the consumer's names and the item, as they were typed"
    );
    let refused = app
        .get("/api/v1/disputes/export?lang=fr", Some(&owner))
        .await;
    refused.expect_problem(422, "validation_failed");
    assert_eq!(refused.failing_fields(), ["lang"]);
    assert_eq!(refused.body["errors"][0]["code"], "unsupported_language");
    let consumer = app.demo_token("consumer@odr.demo").await;
    assert_eq!(
        csv_rows(&download(&app, "/api/v1/disputes/export", &consumer).await.1).len(),
        5,
        "the consumer's own four"
    );
    app.get("/api/v1/disputes/export?format=pdf", Some(&owner))
        .await
        .expect_problem(422, "validation_failed");

    let (_, bytes) = download(
        &app,
        "/api/v1/metrics/export?format=xlsx&period=month",
        &owner,
    )
    .await;
    let book = sheets(bytes);
    let metrics = &book[0].1;
    assert_eq!(metrics[0][1], Data::String("本期".into()));
    let on_time = metrics
        .iter()
        .find(|r| r[0] == Data::String("按时办结率".into()))
        .unwrap();
    assert_eq!(on_time[1], Data::Float(1.0));
    let recovered = metrics
        .iter()
        .find(|r| r[0] == Data::String("挽回经济损失(元)".into()))
        .unwrap();
    assert_eq!(recovered[1], Data::Float(3880.0));

    let city = app.demo_token("reg.hangzhou@odr.demo").await;
    let (_, bytes) = download(
        &app,
        "/api/v1/reports/monthly?format=xlsx&date=2026-11-27",
        &city,
    )
    .await;
    let book = sheets(bytes);
    assert_eq!(book.len(), 2, "the figures and the units");
    let filed = book[0]
        .1
        .iter()
        .find(|r| r[0] == Data::String("受理".into()))
        .unwrap();
    assert_eq!(filed[1], Data::Float(4.0));
    let xixi = book[1]
        .1
        .iter()
        .find(|r| r[0] == Data::String("杭州西溪人家餐饮有限公司".into()))
        .unwrap();
    assert_eq!(
        (xixi[2].clone(), xixi[6].clone()),
        (Data::Float(3.0), Data::Float(0.5)),
        "filed and the settlement rate"
    );

    let (_, bytes) = download(&app, "/api/v1/reports/daily?date=2026-11-27", &city).await;
    let rows = csv_rows(&bytes);
    assert_eq!(rows[1], ["项目", "数量"]);
    assert_eq!(rows[2], ["新受理", "4"]);
    assert!(rows.iter().any(|r| r.len() == 2 && r[0] == "未关闭预警"));
    let (_, weekly) = download(
        &app,
        "/api/v1/reports/weekly?region=330106&date=2026-11-27",
        &city,
    )
    .await;
    assert!(csv_rows(&weekly)[0][0].starts_with("周查 2026-11-23"));

    app.get("/api/v1/reports/monthly", Some(&owner))
        .await
        .expect_problem(403, "forbidden");
    let binjiang = app.demo_token("reg.binjiang@odr.demo").await;
    app.get("/api/v1/reports/monthly?region=330106", Some(&binjiang))
        .await
        .expect_problem(404, "scope_not_found");
    app.get("/api/v1/reports/yearly", Some(&city))
        .await
        .expect_problem(404, "report_not_found");
}

/// `now` in Shanghai local time.
fn shanghai(local: &str) -> chrono::DateTime<chrono::Utc> {
    use chrono::TimeZone;
    let t = chrono::NaiveDateTime::parse_from_str(local, "%Y-%m-%d %H:%M").unwrap();
    chrono_tz::Asia::Shanghai
        .from_local_datetime(&t)
        .unwrap()
        .with_timezone(&chrono::Utc)
}

#[tokio::test]
async fn the_schedule_archives_each_regions_reports_once_and_tells_its_regulators() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let app = spawn_app_with(backend, |s| s.reports.scheduled = true).await;
        fixture(&app).await;

        // Nothing before 07:00 on Tuesday 1 December.
        app.clock.set(shanghai("2026-12-01 06:30"));
        assert_eq!(app.sweep().await.reports_archived, 0);
        let city = app.demo_token("reg.hangzhou@odr.demo").await;
        assert!(
            app.get("/api/v1/reports", Some(&city)).await.body["items"]
                .as_array()
                .unwrap()
                .is_empty()
        );

        // From 07:00: the day's look, the week to Sunday 29 November, November's close and its
        // analysis, for each of the six regions with a regulator; once, however often the
        // sweeper runs.
        app.clock.set(shanghai("2026-12-01 07:05"));
        assert_eq!(app.sweep().await.reports_archived, 24);
        assert_eq!(app.sweep().await.reports_archived, 0);
        let city = app.demo_token("reg.hangzhou@odr.demo").await;
        let xihu = app.demo_token("reg.xihu@odr.demo").await;

        let own = app.get("/api/v1/reports", Some(&xihu)).await;
        own.expect(200);
        let items = own.body["items"].as_array().unwrap();
        let periods: Vec<(String, String, String, String)> = items
            .iter()
            .map(|r| {
                let s = |k: &str| r[k].as_str().unwrap().to_string();
                (
                    s("region_code"),
                    s("kind"),
                    s("period_from"),
                    s("period_to"),
                )
            })
            .collect();
        assert_eq!(items.len(), 4, "Xihu sees its own four: {periods:?}");
        for expected in [
            ("330106", "daily", "2026-12-01", "2026-12-01"),
            ("330106", "weekly", "2026-11-23", "2026-11-29"),
            ("330106", "monthly", "2026-11-01", "2026-11-30"),
            ("330106", "analysis", "2026-11-01", "2026-11-30"),
        ] {
            let expected = (
                expected.0.to_string(),
                expected.1.to_string(),
                expected.2.to_string(),
                expected.3.to_string(),
            );
            assert!(periods.contains(&expected), "{expected:?} in {periods:?}");
        }

        // The city sees its own and its districts', a page at a time.
        let mut seen = Vec::new();
        let mut path = "/api/v1/reports?limit=5".to_string();
        loop {
            let page = app.get(&path, Some(&city)).await;
            page.expect(200);
            seen.extend(
                page.body["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r["id"].as_str().unwrap().to_string()),
            );
            match page.body["next_cursor"].as_str() {
                Some(cursor) => path = format!("/api/v1/reports?limit=5&cursor={cursor}"),
                None => break,
            }
        }
        assert_eq!(seen.len(), 24);
        let monthly = app
            .get("/api/v1/reports?kind=monthly", Some(&city))
            .await
            .body;
        let monthly = monthly["items"].as_array().unwrap();
        assert_eq!(monthly.len(), 6);
        let city_month = monthly
            .iter()
            .find(|r| r["region_code"] == "330100")
            .unwrap();
        let id = city_month["id"].as_str().unwrap().to_string();

        // The monthly close downloads as XLSX and CSV with November's figures.
        let (_, bytes) = download(
            &app,
            &format!("/api/v1/reports/archive/{id}?format=xlsx"),
            &city,
        )
        .await;
        let book = sheets(bytes);
        assert_eq!(book.len(), 2, "the figures and the units");
        let filed = book[0]
            .1
            .iter()
            .find(|r| r[0] == Data::String("受理".into()))
            .unwrap();
        assert_eq!(filed[1], Data::Float(4.0));
        let rows = csv_rows(
            &download(&app, &format!("/api/v1/reports/archive/{id}"), &city)
                .await
                .1,
        );
        assert!(rows[0][0].starts_with("月结 2026-11-01"));
        // The archive keeps an English copy of the same figures.
        let rows = csv_rows(
            &download(
                &app,
                &format!("/api/v1/reports/archive/{id}?lang=en"),
                &city,
            )
            .await
            .1,
        );
        assert!(
            rows[0][0].starts_with("Monthly close 2026-11-01"),
            "{rows:?}"
        );
        assert!(
            rows.iter().any(|r| r.len() > 1 && r[..2] == ["Filed", "4"]),
            "{rows:?}"
        );
        // An archive made before exports were in one language downloads as it was made.
        let legacy = odr::store::reports::ArchivedReport {
            id: "0190b6a0-0000-7000-8000-0000000000aa".into(),
            region_code: "330100".into(),
            kind: "daily".into(),
            period_from: "2026-10-01".parse().unwrap(),
            period_to: "2026-10-01".parse().unwrap(),
            tables: r#"[{"title": "当日概况 Daily look 2026-10-01", "headers": ["项目 Item", "数量 Count"],
                "rows": [[{"type": "text", "value": "新受理 New"}, {"type": "int", "value": 2}]]}]"#
                .into(),
            created_at: "2026-10-01T23:05:00".parse().unwrap(),
        };
        let stored = app
            .state
            .db
            .run(move |conn| odr::store::reports::insert_report(conn, &legacy))
            .await;
        assert!(stored.unwrap());
        for lang in ["zh-CN", "en"] {
            let rows = csv_rows(
                &download(
                    &app,
                    &format!(
                        "/api/v1/reports/archive/0190b6a0-0000-7000-8000-0000000000aa?lang={lang}"
                    ),
                    &city,
                )
                .await
                .1,
            );
            assert_eq!(
                rows,
                [vec!["项目 Item", "数量 Count"], vec!["新受理 New", "2"]]
            );
        }

        // The archived daily look keeps the figures of 07:05; a filing afterwards shows only in a
        // fresh one.
        let daily = items.iter().find(|r| r["kind"] == "daily").unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        crate::deadlines::file_with(&app, "owner.xixi@odr.demo", "2026-11-30").await;
        let archived = csv_rows(
            &download(&app, &format!("/api/v1/reports/archive/{daily}"), &xihu)
                .await
                .1,
        );
        assert_eq!(archived[2], ["新受理", "0"]);
        let fresh = csv_rows(&download(&app, "/api/v1/reports/daily", &xihu).await.1);
        assert_eq!(fresh[2], ["新受理", "1"]);

        // Each region's regulators are told of their region's reports, in the app.
        let told = |inbox: &serde_json::Value| {
            inbox
                .as_array()
                .unwrap()
                .iter()
                .filter(|n| n["kind"] == "report_ready")
                .count()
        };
        assert_eq!(
            told(&app.get("/api/v1/notifications", Some(&xihu)).await.body),
            4
        );
        assert_eq!(
            told(&app.get("/api/v1/notifications", Some(&city)).await.body),
            4
        );
        let inbox = app.get("/api/v1/notifications", Some(&xihu)).await.body;
        assert!(inbox.as_array().unwrap().iter().any(|n| {
            n["message"]
                .as_str()
                .unwrap()
                .contains("月结已生成（2026-11-01–2026-11-30）")
        }));

        // In the portal, an archived period opens on screen for its own region: the city's
        // officer reads Xihu's close, Binjiang's may not.
        let portal = crate::portal::Visitor::log_in(&app, "reg.hangzhou@odr.demo").await;
        let xihu_close = "/reports/now/monthly?date=2026-11-01&#38;region=330106";
        let list = portal.get("/reports").await.html;
        assert!(list.contains(xihu_close), "{list}");
        let shown = portal.get(&xihu_close.replace("&#38;", "&")).await;
        assert_eq!(shown.status, 200, "{}", shown.html);
        assert!(shown.html.contains("月结") && shown.html.contains("杭州西溪人家餐饮有限公司"));
        assert!(
            shown
                .html
                .contains("format=xlsx&#38;date=2026-11-01&#38;region=330106")
                && shown
                    .html
                    .contains("/reports/now/analysis?date=2026-11-01&#38;region=330106")
        );
        let other = crate::portal::Visitor::log_in(&app, "reg.binjiang@odr.demo").await;
        let refused = other.get(&xihu_close.replace("&#38;", "&")).await;
        assert_eq!(refused.status, 404, "{}", refused.html);

        // Nobody else reads them.
        let binjiang = app.demo_token("reg.binjiang@odr.demo").await;
        app.get(&format!("/api/v1/reports/archive/{daily}"), Some(&binjiang))
            .await
            .expect_problem(404, "report_not_found");
        assert_eq!(
            app.get("/api/v1/reports", Some(&binjiang)).await.body["items"]
                .as_array()
                .unwrap()
                .len(),
            4
        );
        for who in [
            "owner.xixi@odr.demo",
            "consumer@odr.demo",
            "assoc.catering@odr.demo",
        ] {
            let token = app.demo_token(who).await;
            app.get("/api/v1/reports", Some(&token))
                .await
                .expect_problem(403, "forbidden");
            app.get(&format!("/api/v1/reports/archive/{daily}"), Some(&token))
                .await
                .expect_problem(403, "forbidden");
        }
        app.get("/api/v1/reports?kind=yearly", Some(&city))
            .await
            .expect_problem(422, "validation_failed");
        app.get("/api/v1/reports?cursor=nonsense", Some(&city))
            .await
            .expect_problem(422, "validation_failed");
        app.get(
            &format!("/api/v1/reports/archive/{daily}?format=pdf"),
            Some(&city),
        )
        .await
        .expect_problem(422, "validation_failed");
        app.get(
            "/api/v1/reports/archive/0190b6a0-0000-7000-8000-000000000000",
            Some(&city),
        )
        .await
        .expect_problem(404, "report_not_found");
    }
}
