//! Reply templates (docs/reply-templates.md): kept by a region's regulators, marked when their
//! legal section reviewed them, inserted by the units' staff and the regulators.

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Reply, TestApp};
use crate::portal::Visitor;

both_backends!(
    regulators_keep_templates_of_their_region_which_its_units_and_regulators_read,
    a_template_is_put_into_a_field_of_the_dispute_page_and_sent_after_editing
);

/// The demo's templates: the city's (any kind; food safety) and Xihu district's (car quality).
const CITY_ANY: &str = "首次联系：已收到投诉";
const CITY_FOOD: &str = "食品安全：封存自查";
const XIHU_CARS: &str = "车辆质量：安排检测";

fn titles(reply: &Reply) -> Vec<String> {
    reply.expect(200);
    reply
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["title"].as_str().unwrap().to_string())
        .collect()
}

/// The id of the template titled `title` among those `token`'s holder reads.
async fn id_of(app: &TestApp, token: &str, title: &str) -> String {
    let list = app.get("/api/v1/reply-templates", Some(token)).await;
    let found = (list.body.as_array().unwrap().iter()).find(|t| t["title"] == title);
    found.expect(title)["id"].as_str().unwrap().to_string()
}

fn template(title: &str, category: Option<&str>, reviewed: bool) -> Value {
    json!({
        "title": title,
        "body": "您好，对本次服务给您带来的不便深表歉意，我们愿意按您的诉求退还费用。",
        "category": category,
        "reviewed": reviewed,
    })
}

async fn regulators_keep_templates_of_their_region_which_its_units_and_regulators_read(
    app: TestApp,
) {
    app.seed_demo().await;
    let xihu = app.demo_token("reg.xihu@odr.demo").await;
    let city = app.demo_token("reg.hangzhou@odr.demo").await;
    let binjiang = app.demo_token("reg.binjiang@odr.demo").await;
    let owner = app.demo_token("owner.xixi@odr.demo").await;
    let handler = app.demo_handler_token().await;
    let binjiang_owner = app.demo_token("owner.xiaolong@odr.demo").await;

    let refused = app
        .post(
            "/api/v1/reply-templates",
            Some(&xihu),
            &json!({"title": " ", "body": "好", "category": "no_such_kind"}),
        )
        .await;
    refused.expect_problem(422, "validation_failed");
    let mut failing = refused.failing_fields();
    failing.sort();
    assert_eq!(failing, ["body", "category", "title"]);
    app.get("/api/v1/reply-templates?category=no_such_kind", Some(&xihu))
        .await
        .expect_problem(422, "validation_failed");

    let ours = app
        .post(
            "/api/v1/reply-templates",
            Some(&xihu),
            &template("服务质量：致歉并退款", Some("service_quality"), true),
        )
        .await;
    ours.expect(201);
    assert_eq!(ours.body["region_code"], "330106");
    assert_eq!(ours.body["reviewed"], true);
    assert_eq!(ours.body["editable"], true);
    let ours = ours.body["id"].as_str().unwrap().to_string();
    let taken = app
        .post(
            "/api/v1/reply-templates",
            Some(&xihu),
            &template("服务质量：致歉并退款", None, false),
        )
        .await;
    taken.expect_problem(422, "validation_failed");
    assert_eq!(taken.body["errors"][0]["code"], "title_taken");
    app.post(
        "/api/v1/reply-templates",
        Some(&binjiang),
        &template("滨江：退款说明", Some("service_quality"), false),
    )
    .await
    .expect(201);

    // A unit's staff read their district's and the regions' around it, never another
    // district's; a category's own come before those for any kind.
    let list = |token: String| {
        let app = &app;
        async move { titles(&app.get("/api/v1/reply-templates", Some(&token)).await) }
    };
    let xixi_sees = list(owner.clone()).await;
    // By title in code-point order: 服 (U+670D) < 车 (U+8F66) < 食 (U+98DF).
    assert_eq!(
        xixi_sees,
        ["服务质量：致歉并退款", XIHU_CARS, CITY_FOOD, CITY_ANY]
    );
    assert_eq!(list(handler.clone()).await, xixi_sees);
    assert_eq!(
        list(binjiang_owner.clone()).await,
        ["滨江：退款说明", CITY_FOOD, CITY_ANY]
    );
    assert_eq!(list(xihu.clone()).await, xixi_sees);
    assert_eq!(
        list(city.clone()).await.len(),
        5,
        "the city keeps those inside it"
    );
    let mine = app.get("/api/v1/reply-templates", Some(&xihu)).await;
    let editable: Vec<(&str, bool)> = mine
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["title"].as_str().unwrap(), t["editable"] == true))
        .collect();
    assert_eq!(
        editable,
        [
            ("服务质量：致歉并退款", true),
            (XIHU_CARS, true),
            (CITY_FOOD, false),
            (CITY_ANY, false)
        ]
    );
    for who in [
        "consumer@odr.demo",
        "admin@odr.demo",
        "assoc.catering@odr.demo",
    ] {
        let token = app.demo_token(who).await;
        app.get("/api/v1/reply-templates", Some(&token))
            .await
            .expect_problem(403, "forbidden");
        app.get(&format!("/api/v1/reply-templates/{ours}"), Some(&token))
            .await
            .expect_problem(403, "forbidden");
    }
    app.get("/api/v1/reply-templates", None).await.expect(401);

    // For one dispute: its region's and those around it, of its kind and of any kind.
    let filed = app
        .file_demo_dispute("owner.xixi@odr.demo", "包间被临时取消，定金不退。")
        .await;
    let dispute = filed["id"].as_str().unwrap();
    let for_dispute = format!("/api/v1/reply-templates?dispute_id={dispute}");
    let expected = ["服务质量：致歉并退款", CITY_ANY];
    assert_eq!(titles(&app.get(&for_dispute, Some(&owner)).await), expected);
    assert_eq!(titles(&app.get(&for_dispute, Some(&xihu)).await), expected);
    assert_eq!(titles(&app.get(&for_dispute, Some(&city)).await), expected);
    // `category` narrows: another kind than the dispute's serves it not.
    let narrowed = format!("{for_dispute}&category=vehicle_quality");
    assert!(titles(&app.get(&narrowed, Some(&owner)).await).is_empty());
    for outsider in [&binjiang_owner, &binjiang] {
        app.get(&for_dispute, Some(outsider))
            .await
            .expect_problem(404, "dispute_not_found");
    }
    let consumer = app.demo_token("consumer@odr.demo").await;
    app.get(&for_dispute, Some(&consumer))
        .await
        .expect_problem(403, "forbidden");

    // Only the regulators of its region or around it change it.
    let path = format!("/api/v1/reply-templates/{ours}");
    let changed = template("服务质量：致歉并退款", Some("service_quality"), false);
    app.put(&path, Some(&owner), &changed)
        .await
        .expect_problem(403, "forbidden");
    app.put(&path, Some(&binjiang), &changed)
        .await
        .expect_problem(404, "reply_template_not_found");
    app.get(&path, Some(&binjiang))
        .await
        .expect_problem(404, "reply_template_not_found");
    app.get(&path, Some(&binjiang_owner))
        .await
        .expect_problem(404, "reply_template_not_found");
    let city_any = id_of(&app, &xihu, CITY_ANY).await;
    app.put(
        &format!("/api/v1/reply-templates/{city_any}"),
        Some(&xihu),
        &template(CITY_ANY, None, true),
    )
    .await
    .expect_problem(403, "forbidden");

    // A changed text loses the legal section's mark unless marked again.
    let mut edited = template("服务质量：致歉并退款", Some("service_quality"), false);
    edited["body"] =
        json!("您好，对本次服务给您带来的不便深表歉意，我们愿意退还定金并赠送代金券。");
    let unmarked = app.put(&path, Some(&xihu), &edited).await;
    unmarked.expect(200);
    assert_eq!(unmarked.body["reviewed"], false);
    assert_eq!(unmarked.body["reviewed_at"], Value::Null);
    app.advance(chrono::Duration::minutes(5));
    edited["reviewed"] = json!(true);
    let marked = app.put(&path, Some(&xihu), &edited).await;
    marked.expect(200);
    assert_eq!(marked.body["reviewed"], true);
    let marked_at = marked.body["reviewed_at"].clone();
    assert_ne!(marked_at, Value::Null);
    app.advance(chrono::Duration::minutes(5));
    let kept = app.put(&path, Some(&city), &edited).await;
    kept.expect(200);
    assert_eq!(
        kept.body["reviewed_at"], marked_at,
        "the same text keeps its mark"
    );
    // Without `reviewed`, the mark follows the text: a new title keeps it, a new text loses it.
    let mut renamed = edited.clone();
    renamed.as_object_mut().unwrap().remove("reviewed");
    renamed["title"] = json!("服务质量：致歉、退定金");
    let kept = app.put(&path, Some(&xihu), &renamed).await;
    kept.expect(200);
    assert_eq!(kept.body["reviewed_at"], marked_at);
    renamed["body"] = json!("您好，我们愿意退还定金。");
    let cleared = app.put(&path, Some(&xihu), &renamed).await;
    cleared.expect(200);
    assert_eq!(cleared.body["reviewed"], false);
    assert_eq!(
        app.get(&path, Some(&owner)).await.body["body"],
        renamed["body"]
    );

    app.delete(&format!("/api/v1/reply-templates/{city_any}"), Some(&xihu))
        .await
        .expect_problem(403, "forbidden");
    app.delete(&path, Some(&binjiang))
        .await
        .expect_problem(404, "reply_template_not_found");
    app.delete(&path, Some(&owner))
        .await
        .expect_problem(403, "forbidden");
    app.delete(&path, Some(&xihu)).await.expect(204);
    app.get(&path, Some(&xihu))
        .await
        .expect_problem(404, "reply_template_not_found");

    app.sweep().await;
    let audit = app.get("/api/v1/audit?limit=500", Some(&xihu)).await;
    let actions: Vec<&str> = audit.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["object_id"] == ours.as_str())
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "reply_template.created",
            "reply_template.updated",
            "reply_template.updated",
            "reply_template.updated",
            "reply_template.updated",
            "reply_template.updated",
            "reply_template.deleted"
        ]
    );
}

async fn a_template_is_put_into_a_field_of_the_dispute_page_and_sent_after_editing(app: TestApp) {
    app.seed_demo().await;
    let regulator = Visitor::log_in(&app, "reg.xihu@odr.demo").await;
    let list = regulator.get("/reply-templates").await;
    assert_eq!(list.status, 200);
    for shown in [CITY_ANY, CITY_FOOD, XIHU_CARS, "法制科已审核", "未审核"] {
        assert!(list.html.contains(shown), "{shown} listed");
    }
    let form = regulator.get("/reply-templates/new").await;
    let refused = regulator
        .post(
            "/reply-templates",
            &[
                ("csrf", form.csrf().as_str()),
                ("title", "服务"),
                ("category", "service_quality"),
                ("body", ""),
            ],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(
        refused.html.contains("class=\"field-error\""),
        "marked at its field"
    );
    assert!(
        refused.html.contains("value=\"服务\""),
        "what was typed stays"
    );
    let body = "您好，包间取消给您带来不便，我们愿意全额退还定金。";
    let created = regulator
        .post(
            "/reply-templates",
            &[
                ("csrf", form.csrf().as_str()),
                ("title", "服务质量：退还定金"),
                ("category", "service_quality"),
                ("body", body),
                ("reviewed", "yes"),
            ],
        )
        .await;
    assert_eq!(created.status, 303);
    assert_eq!(created.location(), "/reply-templates?done=1");
    let xihu = app.demo_token("reg.xihu@odr.demo").await;
    let id = id_of(&app, &xihu, "服务质量：退还定金").await;
    let listed = regulator.get("/reply-templates").await;
    assert!(listed.html.contains("服务质量：退还定金"));

    let filed = app
        .file_demo_dispute("owner.xixi@odr.demo", "包间被临时取消，定金不退。")
        .await;
    let dispute = filed["id"].as_str().unwrap().to_string();
    let owner = Visitor::log_in(&app, "owner.xixi@odr.demo").await;
    let page = owner.get(&format!("/disputes/{dispute}")).await;
    assert!(page.html.contains("id=\"reply-templates\""));
    assert!(page.html.contains("服务质量：退还定金（已审核）"));
    assert!(
        !page.html.contains(CITY_FOOD),
        "another kind of case's is not offered"
    );
    let inserted = owner
        .get(&format!(
            "/disputes/{dispute}?template={id}&into=first_contact"
        ))
        .await;
    assert_eq!(inserted.status, 200);
    assert!(
        inserted
            .html
            .contains(&format!(" autofocus>{body}</textarea>")),
        "the text is in the first contact's field"
    );
    assert!(
        inserted
            .html
            .contains(&format!("<option value=\"{id}\" selected>"))
    );
    // The owner edits the text before sending it.
    let sent = owner
        .post(
            &format!("/disputes/{dispute}/act"),
            &[
                ("csrf", inserted.csrf().as_str()),
                ("action", "first_contact"),
                ("message", &format!("{body}稍后电话联系您。")),
            ],
        )
        .await;
    assert_eq!(sent.status, 303);
    let consumer = app.demo_token("consumer@odr.demo").await;
    let view = app
        .get(&format!("/api/v1/disputes/{dispute}"), Some(&consumer))
        .await;
    assert!(
        view.text.contains("稍后电话联系您。"),
        "the consumer reads the edited text"
    );

    // The consumer is offered no template.
    let theirs = Visitor::log_in(&app, "consumer@odr.demo").await;
    let page = theirs
        .get(&format!("/disputes/{dispute}?template={id}&into=message"))
        .await;
    assert!(!page.html.contains("id=\"reply-templates\""));
    assert!(!page.html.contains(&format!(">{body}</textarea>")));
    // Another district's template puts nothing in, nor does a field that is not one.
    let binjiang = app.demo_token("reg.binjiang@odr.demo").await;
    let elsewhere = app
        .post(
            "/api/v1/reply-templates",
            Some(&binjiang),
            &json!({"title": "滨江：说明", "body": "滨江区的说明文字。", "category": null}),
        )
        .await;
    elsewhere.expect(201);
    let elsewhere = elsewhere.body["id"].as_str().unwrap();
    let page = owner
        .get(&format!(
            "/disputes/{dispute}?template={elsewhere}&into=message"
        ))
        .await;
    assert_eq!(page.status, 200);
    assert!(!page.html.contains("滨江区的说明文字。"));
    let page = owner
        .get(&format!("/disputes/{dispute}?template={id}&into=nowhere"))
        .await;
    assert_eq!(page.status, 200, "an unknown field is left alone");
    assert!(!page.html.contains(&format!(">{body}</textarea>")));
    let own_page = regulator.get(&format!("/reply-templates/{id}")).await;
    assert!(
        own_page.html.contains("name=\"title\""),
        "its own is a form"
    );
    assert!(
        !own_page
            .html
            .contains("name=\"reviewed\" value=\"yes\" checked"),
        "the mark is given again by ticking, never by default"
    );
    let saved = regulator
        .post(
            &format!("/reply-templates/{id}"),
            &[
                ("csrf", own_page.csrf().as_str()),
                ("title", "服务质量：退还全部定金"),
                ("category", "service_quality"),
                ("body", body),
            ],
        )
        .await;
    assert_eq!(saved.status, 303);
    let after = app
        .get(&format!("/api/v1/reply-templates/{id}"), Some(&xihu))
        .await;
    assert_eq!(after.body["reviewed"], true, "the same text keeps its mark");
    let hangzhou_any = id_of(&app, &xihu, CITY_ANY).await;
    let read_only = regulator
        .get(&format!("/reply-templates/{hangzhou_any}"))
        .await;
    assert_eq!(read_only.status, 200);
    assert!(
        !read_only.html.contains("name=\"title\""),
        "the city's is read"
    );
    assert!(
        read_only.html.contains("维护部门：杭州市市场监管部门"),
        "the city's is read, not changed, by the district"
    );
    let deleted = regulator
        .post(
            &format!("/reply-templates/{id}/delete"),
            &[("csrf", read_only.csrf().as_str()), ("confirm", "yes")],
        )
        .await;
    assert_eq!(deleted.status, 303);
    assert!(
        !regulator
            .get("/reply-templates")
            .await
            .html
            .contains("服务质量：退还定金")
    );
}
