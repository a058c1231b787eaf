//! Dispute lists, metric tables and region reports as CSV and XLSX, parsed back.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};

use crate::both_backends;
use crate::helpers::TestApp;
use crate::metrics::fixture;

async fn download(app: &TestApp, path: &str, token: &str) -> (String, Vec<u8>) {
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

fn csv_rows(bytes: &[u8]) -> Vec<Vec<String>> {
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

both_backends! {
    async fn lists_metrics_and_reports_download_as_csv_and_xlsx(app) {
        fixture(&app).await;
        let owner = app.demo_token("owner.xixi@odr.demo").await;
        let (content_type, bytes) = download(&app, "/api/v1/disputes/export", &owner).await;
        assert!(content_type.starts_with("text/csv"));
        let rows = csv_rows(&bytes);
        assert_eq!(rows[0][0], "案件编号 Case");
        assert_eq!(rows.len(), 4, "header and the unit's three disputes");
        assert!(rows[1..].iter().all(|r| r[2] == "杭州西溪人家餐饮有限公司"));
        assert!(rows[1..].iter().any(|r| r[6] == "3880.00"));
        assert!(!String::from_utf8_lossy(&bytes).contains("13800000001"), "no contact details");
        let (content_type, bytes) = download(&app, "/api/v1/disputes/export?format=xlsx&status=escalated", &owner).await;
        assert!(content_type.starts_with("application/vnd.openxmlformats"));
        let book = sheets(bytes);
        assert_eq!(book[0].1.len(), 2, "header and the one escalated dispute");
        assert_eq!(book[0].1[1][2], Data::String("杭州西溪人家餐饮有限公司".into()));
        let consumer = app.demo_token("consumer@odr.demo").await;
        assert_eq!(csv_rows(&download(&app, "/api/v1/disputes/export", &consumer).await.1).len(), 5, "the consumer's own four");
        app.get("/api/v1/disputes/export?format=pdf", Some(&owner)).await.expect_problem(422, "validation_failed");

        let (_, bytes) = download(&app, "/api/v1/metrics/export?format=xlsx&period=month", &owner).await;
        let book = sheets(bytes);
        let metrics = &book[0].1;
        assert_eq!(metrics[0][1], Data::String("本期 Current".into()));
        let on_time = metrics.iter().find(|r| r[0] == Data::String("按时办结率 On-time rate".into())).unwrap();
        assert_eq!(on_time[1], Data::Float(1.0));
        let recovered = metrics.iter().find(|r| r[0] == Data::String("挽回经济损失(元) Loss recovered (yuan)".into())).unwrap();
        assert_eq!(recovered[1], Data::Float(3880.0));

        let city = app.demo_token("reg.hangzhou@odr.demo").await;
        let (_, bytes) = download(&app, "/api/v1/reports/monthly?format=xlsx&date=2026-11-27", &city).await;
        let book = sheets(bytes);
        assert_eq!(book.len(), 2, "the figures and the units");
        let filed = book[0].1.iter().find(|r| r[0] == Data::String("受理 Filed".into())).unwrap();
        assert_eq!(filed[1], Data::Float(4.0));
        let xixi = book[1].1.iter().find(|r| r[0] == Data::String("杭州西溪人家餐饮有限公司".into())).unwrap();
        assert_eq!((xixi[2].clone(), xixi[5].clone()), (Data::Float(3.0), Data::Float(0.5)));

        let (_, bytes) = download(&app, "/api/v1/reports/daily?date=2026-11-27", &city).await;
        let rows = csv_rows(&bytes);
        assert_eq!(rows[1], ["项目 Item", "数量 Count"]);
        assert_eq!(rows[2], ["新受理 New", "4"]);
        assert!(rows.iter().any(|r| r.len() == 2 && r[0] == "未关闭预警 Open alerts"));
        let (_, weekly) = download(&app, "/api/v1/reports/weekly?region=330106&date=2026-11-27", &city).await;
        assert!(csv_rows(&weekly)[0][0].starts_with("周查 Weekly check 2026-11-23"));

        app.get("/api/v1/reports/monthly", Some(&owner)).await.expect_problem(403, "forbidden");
        let binjiang = app.demo_token("reg.binjiang@odr.demo").await;
        app.get("/api/v1/reports/monthly?region=330106", Some(&binjiang)).await.expect_problem(404, "scope_not_found");
        app.get("/api/v1/reports/yearly", Some(&city)).await.expect_problem(404, "report_not_found");
    }
}
