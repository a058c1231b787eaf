use diesel::prelude::*;

use crate::both_backends;
use crate::helpers::{TestApp, uscc};

const HEADER: &str = "uscc,name,industry_code,region_code,address,contact_name,contact_phone,owner_name,owner_email,has_handling_place,has_staff,has_computer,has_dedicated_phone,has_written_procedure";

fn row(code: &str, name: &str, region: &str, email: &str) -> String {
    format!(
        "{code},{name},catering,{region},杭州市某路 1 号,店长,0571-88881234,店长,{email},是,是,是,是,是"
    )
}

fn member_file() -> String {
    [
        HEADER.to_string(),
        row(&uscc("330106", 11), "杭州一号面馆", "330106", "noodle@example.cn"),
        row("91330106XXXXXXXXXX", "坏代码餐厅", "330106", "bad@example.cn"),
        row(&uscc("330106", 12), "杭州二号茶馆", "330106", "tea@example.cn"),
        row(&uscc("320102", 13), "南京外地餐馆", "320102", "nanjing@example.cn"),
        format!("{},缺条件餐馆,catering,330106,杭州市某路 2 号,店长,0571-88881234,店长,cond@example.cn,是,否,是,是,是", uscc("330106", 14)),
        row(&uscc("330106", 11), "重复行面馆", "330106", "dup@example.cn"),
    ].join("\n")
}

async fn association_path(app: &TestApp, token: &str) -> String {
    let me = app.get("/api/v1/me", Some(token)).await;
    format!(
        "/api/v1/associations/{}/imports",
        me.body["association_id"].as_str().unwrap()
    )
}

async fn counts(app: &TestApp) -> (i64, i64, i64) {
    app.with_conn(|conn| {
        use odr::store::schema::{businesses, jobs, users};
        (
            businesses::table.count().get_result(conn).unwrap(),
            users::table.count().get_result(conn).unwrap(),
            jobs::table.count().get_result(conn).unwrap(),
        )
    })
    .await
}

both_backends!(
    an_association_imports_members_and_a_second_upload_changes_nothing,
    an_xlsx_file_with_chinese_headers_imports_too,
    a_gb18030_csv_saved_by_excel_imports,
    unusable_files_are_refused_whole,
    only_the_associations_own_admin_imports
);

async fn an_association_imports_members_and_a_second_upload_changes_nothing(app: TestApp) {
    app.seed_demo().await;
    let token = app.demo_token("assoc.catering@odr.demo").await;
    let path = association_path(&app, &token).await;
    let before = counts(&app).await;

    let report = app
        .upload(&path, &token, "members.csv", member_file().into_bytes())
        .await;
    report.expect(200);
    assert_eq!(
        (
            report.body["created"].as_u64(),
            report.body["unchanged"].as_u64(),
            report.body["rejected"].as_u64()
        ),
        (Some(2), Some(0), Some(4))
    );
    let rows = report.body["rows"].as_array().unwrap();
    let outcome = |line: u64| rows.iter().find(|r| r["line"] == line).unwrap();
    assert_eq!(outcome(2)["outcome"], "created");
    assert_eq!(outcome(3)["outcome"], "rejected");
    assert_eq!(outcome(3)["errors"][0]["field"], "uscc");
    assert_eq!(
        outcome(5)["errors"][0]["code"],
        "outside_association_region"
    );
    assert_eq!(outcome(6)["errors"][0]["field"], "has_staff");
    assert_eq!(outcome(7)["errors"][0]["code"], "duplicate_in_file");

    let after = counts(&app).await;
    assert_eq!(
        (after.0 - before.0, after.1 - before.1, after.2 - before.2),
        (2, 2, 2),
        "2 businesses, 2 owners, 2 invitations"
    );

    app.run_pending_jobs().await;
    let emails = app.sent_emails();
    let mut recipients: Vec<&str> = emails.iter().map(|e| e.to.as_str()).collect();
    recipients.sort();
    assert_eq!(recipients, vec!["noodle@example.cn", "tea@example.cn"]);
    assert!(
        emails[0].subject.contains("邀请"),
        "Chinese by default: {}",
        emails[0].subject
    );

    let again = app
        .upload(&path, &token, "members.csv", member_file().into_bytes())
        .await;
    again.expect(200);
    assert_eq!(
        (
            again.body["created"].as_u64(),
            again.body["unchanged"].as_u64()
        ),
        (Some(0), Some(2))
    );
    assert_eq!(counts(&app).await, after, "nothing written the second time");

    let regulator = app.demo_token("reg.xihu@odr.demo").await;
    let pending = app
        .get(
            "/api/v1/units?status=pending&q=杭州一号面馆",
            Some(&regulator),
        )
        .await;
    assert_eq!(
        pending.body["items"].as_array().unwrap().len(),
        1,
        "imported members have applied"
    );
    assert_eq!(
        pending.body["items"][0]["association_id"],
        app.get("/api/v1/me", Some(&token)).await.body["association_id"]
    );
}

async fn an_xlsx_file_with_chinese_headers_imports_too(app: TestApp) {
    app.seed_demo().await;
    let token = app.demo_token("assoc.catering@odr.demo").await;
    let path = association_path(&app, &token).await;
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    let headers = [
        "统一社会信用代码",
        "企业名称",
        "行业代码",
        "行政区划代码",
        "经营地址",
        "联系人",
        "投诉电话",
        "负责人姓名",
        "负责人邮箱",
        "有处理场所",
        "有专门人员",
        "有电脑",
        "有专用电话",
        "有书面流程",
    ];
    for (col, header) in headers.iter().enumerate() {
        sheet.write_string(0, col as u16, *header).unwrap();
    }
    let code = uscc("330108", 21);
    let values = [
        code.as_str(),
        "杭州滨江三号烧烤",
        "catering",
        "330108",
        "杭州市滨江区滨盛路 9 号",
        "王店长",
        "",
        "王店长",
        "bbq@example.cn",
        "是",
        "是",
        "是",
        "是",
        "是",
    ];
    for (col, value) in values.iter().enumerate() {
        sheet.write_string(1, col as u16, *value).unwrap();
    }
    sheet.write_number(1, 6, 13912340000.0).unwrap();
    let bytes = workbook.save_to_buffer().unwrap();
    let report = app.upload(&path, &token, "members.xlsx", bytes).await;
    report.expect(200);
    assert_eq!(report.body["created"], 1, "{}", report.text);
}

async fn a_gb18030_csv_saved_by_excel_imports(app: TestApp) {
    app.seed_demo().await;
    let token = app.demo_token("assoc.catering@odr.demo").await;
    let path = association_path(&app, &token).await;
    let text = [
        HEADER.to_string(),
        row(
            &uscc("330102", 31),
            "杭州上城四号酒家",
            "330102",
            "jiujia@example.cn",
        ),
    ]
    .join("\r\n");
    let (bytes, _, _) = encoding_rs::GB18030.encode(&text);
    let report = app
        .upload(&path, &token, "members.csv", bytes.into_owned())
        .await;
    report.expect(200);
    assert_eq!(report.body["rows"][0]["name"], "杭州上城四号酒家");
    assert_eq!(report.body["created"], 1);
}

async fn unusable_files_are_refused_whole(app: TestApp) {
    app.seed_demo().await;
    let token = app.demo_token("assoc.catering@odr.demo").await;
    let path = association_path(&app, &token).await;
    let reply = app
        .upload(&path, &token, "members.csv", b"uscc,name\n1,2\n".to_vec())
        .await;
    reply.expect_problem(422, "validation_failed");
    assert_eq!(reply.body["errors"][0]["code"], "invalid_import_file");
    assert!(
        reply.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("owner_email")
    );
    let big = vec![b'a'; 6 * 1024 * 1024];
    app.upload(&path, &token, "members.csv", big)
        .await
        .expect_problem(413, "file_too_large");
    let empty_form = app
        .client
        .post(format!("{}{path}", app.address))
        .bearer_auth(&token)
        .multipart(reqwest::multipart::Form::new().text("note", "x"))
        .send()
        .await
        .unwrap();
    assert_eq!(empty_form.status(), 422);
}

async fn only_the_associations_own_admin_imports(app: TestApp) {
    app.seed_demo().await;
    let token = app.demo_token("assoc.catering@odr.demo").await;
    let path = association_path(&app, &token).await;
    for who in [
        "reg.hangzhou@odr.demo",
        "owner.xixi@odr.demo",
        "admin@odr.demo",
        "consumer@odr.demo",
    ] {
        let other = app.demo_token(who).await;
        app.upload(&path, &other, "members.csv", member_file().into_bytes())
            .await
            .expect_problem(403, "forbidden");
    }
    app.upload(
        "/api/v1/associations/0198a3c1-0000-7000-8000-000000000000/imports",
        &token,
        "m.csv",
        member_file().into_bytes(),
    )
    .await
    .expect_problem(403, "forbidden");
}
