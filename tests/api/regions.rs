//! China's regions nationwide (docs/regions.md): shipped with every install, listed level by
//! level for cascading choosers, and replaced by a later year's list without breaking records.

use std::path::Path;

use odr::clock::Clock;

use serde_json::{Value, json};

use crate::both_backends;
use crate::cli::odr;
use crate::helpers::{Backend, TestApp, business_registration, spawn_app};
use crate::portal::Visitor;

both_backends!(
    every_province_city_and_county_is_there_on_a_fresh_install,
    region_lists_refuse_what_names_no_region,
    two_nodes_applying_one_list_at_once_apply_it_once
);

fn codes(reply: &Value) -> Vec<&str> {
    reply
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect()
}

async fn every_province_city_and_county_is_there_on_a_fresh_install(app: TestApp) {
    let provinces = app.get("/api/v1/regions?level=1", None).await;
    provinces.expect(200);
    assert_eq!(provinces.body.as_array().unwrap().len(), 31);
    assert!(provinces.body.as_array().unwrap().contains(&json!({
        "code": "650000", "parent_code": null, "level": 1, "name_zh": "新疆维吾尔自治区",
        "name_en": "Xinjiang Uygur Autonomous Region", "retired": false
    })));
    // 31 provinces, 333 prefectures (grouping rows such as 市辖区 are not places), 2,975
    // counties and districts.
    let all = app.get("/api/v1/regions", None).await.body;
    assert_eq!(all.as_array().unwrap().len(), 31 + 333 + 2975);

    // A municipality's districts hang under it directly.
    let beijing = app.get("/api/v1/regions?parent=110000", None).await.body;
    assert_eq!(beijing.as_array().unwrap().len(), 16);
    assert!(codes(&beijing).contains(&"110105"), "朝阳区");
    let hangzhou = app.get("/api/v1/regions?parent=330100", None).await.body;
    assert!(hangzhou.as_array().unwrap().contains(&json!({
        "code": "330106", "parent_code": "330100", "level": 3, "name_zh": "西湖区",
        "name_en": "Xihu District", "retired": false
    })));

    // A business far from the demo's city registers in its own district: Ürümqi's Tianshan.
    app.post(
        "/api/v1/businesses",
        None,
        &business_registration("650102", 1, "urumqi@example.cn"),
    )
    .await
    .expect(201);

    // The directory's chooser lists each level under the one chosen before it.
    let visitor = Visitor::new(&app);
    let page = visitor.get("/units").await;
    assert!(
        page.html
            .contains("<option value=\"650000\">新疆维吾尔自治区</option>")
    );
    assert!(
        !page.html.contains("id=\"city\""),
        "no city before a province"
    );
    let xinjiang = visitor.get("/units?province=650000").await;
    assert!(
        xinjiang
            .html
            .contains("<option value=\"650100\">乌鲁木齐市</option>")
    );
    assert!(!xinjiang.html.contains("id=\"district\""));
    let urumqi = visitor.get("/units?province=650000&city=650100").await;
    assert!(
        urumqi
            .html
            .contains("<option value=\"650102\">天山区</option>")
    );
    let english = visitor
        .get("/units?province=650000&city=650100&lang=en")
        .await;
    assert!(
        english
            .html
            .contains("<option value=\"650100\" selected>Urumqi</option>")
    );
}

async fn region_lists_refuse_what_names_no_region(app: TestApp) {
    for (query, field, code) in [
        ("parent=990000", "parent", "unknown_region"),
        ("parent=abc", "parent", "unknown_region"),
        ("level=4", "level", "invalid_level"),
        ("include_retired=yes", "include_retired", "invalid_flag"),
    ] {
        let reply = app.get(&format!("/api/v1/regions?{query}"), None).await;
        reply.expect_problem(422, "validation_failed");
        assert_eq!(reply.body["errors"][0]["field"], field, "{query}");
        assert_eq!(reply.body["errors"][0]["code"], code, "{query}");
    }
}

/// The shipped list with 西湖区 gone, 上城区 renamed and a new 未来区, in folder `dir`.
fn next_years_list(dir: &Path) {
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/regions/cn");
    for file in ["provinces.csv", "cities.csv", "names-en.csv"] {
        std::fs::copy(shipped.join(file), dir.join(file)).unwrap();
    }
    let areas = std::fs::read_to_string(shipped.join("areas.csv")).unwrap();
    let areas: String = areas
        .lines()
        .filter(|l| !l.starts_with("330106,"))
        .map(|l| l.replace("\"上城区\"", "\"上城中心区\""))
        .chain(["330199,\"未来区\",3301,33".to_string()])
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(dir.join("areas.csv"), areas).unwrap();
}

#[tokio::test]
async fn a_later_list_adds_renames_and_retires_while_records_keep_their_region() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let app = spawn_app(backend).await;
        app.seed_demo().await;
        let dir = tempfile::tempdir().unwrap();
        next_years_list(dir.path());
        let import = |extra: &[&str]| {
            let output = odr(&app.database_url)
                .args(["regions", "import", dir.path().to_str().unwrap()])
                .args(extra)
                .output()
                .unwrap();
            let said = format!(
                "{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
            (output.status.success(), said)
        };

        let (ok, said) = import(&["--dry-run"]);
        assert!(ok, "{said}");
        assert!(
            said.contains("Would change 3 region(s)")
                && said.contains("1 added, 1 renamed or moved, 1 retired, 0 restored"),
            "{said}"
        );
        let before = app.get("/api/v1/regions?parent=330100", None).await.body;
        assert!(
            codes(&before).contains(&"330106"),
            "a dry run changes nothing"
        );

        let (ok, said) = import(&[]);
        assert!(ok, "{said}");
        assert!(said.contains("Changed 3 region(s)"), "{said}");

        // The running node sees the new list on its next request.
        let after = app.get("/api/v1/regions?parent=330100", None).await.body;
        assert!(!codes(&after).contains(&"330106"), "西湖区 is retired");
        let future = after
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["code"] == "330199")
            .expect("未来区 is added");
        assert_eq!(future["name_en"], "Weilai District");
        let renamed = after
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["code"] == "330102")
            .unwrap();
        assert_eq!(renamed["name_zh"], "上城中心区");
        let with_retired = app
            .get("/api/v1/regions?parent=330100&include_retired=true", None)
            .await
            .body;
        let xihu = with_retired
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["code"] == "330106")
            .unwrap();
        assert_eq!(
            (&xihu["name_zh"], &xihu["retired"]),
            (&json!("西湖区"), &json!(true))
        );

        // Records keep their region and its name; new ones may not name it.
        let units = app.get("/api/v1/public/units?region=330106", None).await;
        let first = &units.body["items"][0];
        assert_eq!(first["region_code"], "330106");
        let page = Visitor::new(&app)
            .get(&format!("/units/{}", first["id"].as_str().unwrap()))
            .await;
        assert!(page.html.contains("西湖区"), "{}", page.html);
        let refused = app
            .post(
                "/api/v1/businesses",
                None,
                &business_registration("330106", 7, "late@example.cn"),
            )
            .await;
        refused.expect_problem(422, "validation_failed");
        assert_eq!(refused.body["errors"][0]["field"], "business.region_code");
        assert_eq!(refused.body["errors"][0]["code"], "retired_region");
        let admin = app.demo_token("admin@odr.demo").await;
        let association = app
            .post(
                "/api/v1/admin/associations",
                Some(&admin),
                &json!({"name": "西湖区餐饮协会", "region_code": "330106"}),
            )
            .await;
        association.expect_problem(422, "validation_failed");
        assert_eq!(association.body["errors"][0]["code"], "retired_region");

        // Starting again loads the shipped list without undoing the import.
        app.with_conn(|conn| odr::demo::seed_reference_data(conn).unwrap())
            .await;
        let again = app.get("/api/v1/regions?parent=330100", None).await.body;
        assert!(!codes(&again).contains(&"330106"));

        // A list of one province would retire the rest of the country: refused unless forced.
        let zhejiang = tempfile::tempdir().unwrap();
        for file in ["provinces.csv", "cities.csv", "areas.csv"] {
            let text = std::fs::read_to_string(dir.path().join(file)).unwrap();
            let kept: String = text
                .lines()
                .enumerate()
                .filter(|(i, l)| *i == 0 || l.starts_with("33"))
                .map(|(_, l)| format!("{l}\n"))
                .collect();
            std::fs::write(zhejiang.path().join(file), kept).unwrap();
        }
        let output = odr(&app.database_url)
            .args(["regions", "import", zhejiang.path().to_str().unwrap()])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success());
        assert!(stderr.contains("would retire"), "{stderr}");
        let provinces = app.get("/api/v1/regions?level=1", None).await.body;
        assert_eq!(provinces.as_array().unwrap().len(), 31);
    }
}

async fn two_nodes_applying_one_list_at_once_apply_it_once(app: TestApp) {
    use odr::store::reference::{RegionSync, apply_regions};
    let dir = tempfile::tempdir().unwrap();
    next_years_list(dir.path());
    let list = odr::domain::division::read_dir(dir.path()).unwrap();
    let now = app.clock.now();
    let apply = |list: Vec<odr::domain::division::Division>| {
        app.state
            .db
            .run(move |conn| apply_regions(conn, &list, RegionSync::Replace { now, guard: true }))
    };
    let (first, second) = tokio::join!(apply(list.clone()), apply(list));
    let (first, second) = (first.unwrap(), second.unwrap());
    // One of them made the change, the other found it made.
    let total = |c: odr::store::reference::RegionChanges| c.added + c.changed + c.retired;
    assert_eq!(
        (
            total(first) + total(second),
            total(first).min(total(second))
        ),
        (3, 0)
    );
    let hangzhou = app.get("/api/v1/regions?parent=330100", None).await.body;
    assert_eq!(
        codes(&hangzhou).iter().filter(|c| **c == "330199").count(),
        1
    );
}
