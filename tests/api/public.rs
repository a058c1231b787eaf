use crate::both_backends;
use crate::helpers::TestApp;

both_backends!(
    the_directory_lists_active_units_and_searches_them,
    a_pending_unit_has_no_public_entry,
    reference_data_changed_anywhere_shows_on_the_next_page,
    reference_data_is_public
);

async fn the_directory_lists_active_units_and_searches_them(app: TestApp) {
    app.seed_demo().await;
    let all = app.get("/api/v1/public/units", None).await;
    all.expect(200);
    let items = all.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 6, "the pending appliance store is not listed");
    assert!(
        items
            .iter()
            .all(|u| u["status"] == "active" && u["complaint_phone"].is_string())
    );

    let by_name = app
        .get("/api/v1/public/units?q=%E6%B9%96%E6%BB%A8", None)
        .await;
    assert_eq!(by_name.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        by_name.body["items"][0]["commitments"][0]["kind"],
        "offline_no_reason_return"
    );

    let catering = app
        .get("/api/v1/public/units?industry=catering", None)
        .await;
    assert_eq!(catering.body["items"].as_array().unwrap().len(), 3);
    // A search finds units by the everyday word for their industry and by their address.
    let names = |reply: &crate::helpers::Reply| -> Vec<String> {
        let mut names: Vec<String> = reply.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["name"].as_str().unwrap().to_string())
            .collect();
        names.sort();
        names
    };
    let restaurants = app
        .get("/api/v1/public/units?q=%E9%A5%AD%E5%BA%97", None) // 饭店
        .await;
    assert_eq!(names(&restaurants), names(&catering));
    let in_english = app.get("/api/v1/public/units?q=Restaurant", None).await;
    assert_eq!(names(&in_english), names(&catering));
    let street = app
        .get("/api/v1/public/units?q=%E6%B2%B3%E5%9D%8A%E8%A1%97", None) // 河坊街
        .await;
    assert_eq!(names(&street), ["杭州河坊老味道餐饮有限公司"]);
    let binjiang_catering = app
        .get("/api/v1/public/units?industry=catering&region=330108", None)
        .await;
    assert_eq!(binjiang_catering.body["items"].as_array().unwrap().len(), 1);
    let city = app.get("/api/v1/public/units?region=330100", None).await;
    assert_eq!(city.body["items"].as_array().unwrap().len(), 6);
    let wildcard = app.get("/api/v1/public/units?q=%25", None).await;
    assert!(
        wildcard.body["items"].as_array().unwrap().is_empty(),
        "% is searched literally"
    );
    app.get("/api/v1/public/units?region=33", None)
        .await
        .expect_problem(422, "validation_failed");
}

async fn a_pending_unit_has_no_public_entry(app: TestApp) {
    app.seed_demo().await;
    let owner = app.demo_token("owner.gongchen@odr.demo").await;
    let unit = app.business_of(&owner).await["unit"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.get(&format!("/api/v1/public/units/{unit}"), None)
        .await
        .expect_problem(404, "unit_not_found");
}

async fn reference_data_changed_anywhere_shows_on_the_next_page(app: TestApp) {
    app.seed_demo().await;
    let visitor = crate::portal::Visitor::new(&app);
    // Read once, so that the pages hold the reference data.
    assert!(!visitor.get("/units").await.html.contains("临平区"));
    let before = app
        .get("/api/v1/associations", None)
        .await
        .body
        .as_array()
        .unwrap()
        .len();

    // An administrator adds an association through the API.
    let admin = app.demo_token("admin@odr.demo").await;
    app.post(
        "/api/v1/admin/associations",
        Some(&admin),
        &serde_json::json!({"name": "杭州市汽车流通行业协会", "region_code": "330100"}),
    )
    .await
    .expect(201);
    let after = app.get("/api/v1/associations", None).await.body;
    assert_eq!(after.as_array().unwrap().len(), before + 1);

    // Another node, or `odr` on the command line, adds a region to the same database.
    app.with_conn(|conn| {
        let mut list = odr::domain::division::shipped().unwrap();
        list.push(odr::domain::division::Division {
            code: "330199".into(),
            parent_code: Some("330100".into()),
            level: 3,
            name_zh: "未来区".into(),
            name_en: "Weilai District".into(),
        });
        let how = odr::store::reference::RegionSync::AddMissing;
        odr::store::reference::apply_regions(conn, &list, how).unwrap();
    })
    .await;
    let regions = app.get("/api/v1/regions?parent=330100", None).await.body;
    assert!(
        regions
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["code"] == "330199")
    );
    let directory = visitor.get("/units?province=330000&city=330100").await;
    assert!(
        directory
            .html
            .contains("<option value=\"330199\">未来区</option>"),
        "the region chooser offers the new district"
    );
}

async fn reference_data_is_public(app: TestApp) {
    app.seed_demo().await;
    let regions = app.get("/api/v1/regions", None).await;
    assert!(
        regions
            .body
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["code"] == "330106" && r["parent_code"] == "330100")
    );
    let industries = app.get("/api/v1/industries", None).await;
    let training = industries
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["code"] == "after_school_training")
        .unwrap();
    assert_eq!(training["is_market_regulated"], false);
    assert_eq!(training["authority_zh"], "教育部门");
    let associations = app.get("/api/v1/associations", None).await;
    assert_eq!(associations.body[0]["name"], "杭州市餐饮行业协会");
    let undertaking = app.get("/api/v1/undertaking", None).await;
    assert!(
        undertaking.body["text_zh"]
            .as_str()
            .unwrap()
            .contains("12315")
    );
}
