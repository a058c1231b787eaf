use std::path::Path;

use crate::both_backends;
use crate::helpers::TestApp;

/// Regenerate with `UPDATE_OPENAPI=1 cargo test openapi` (or `odr openapi > openapi/openapi.json`).
#[test]
fn the_checked_in_contract_matches_the_code() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi/openapi.json");
    let generated = odr::http::openapi::document();
    if std::env::var("UPDATE_OPENAPI").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &generated).unwrap();
    }
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        checked_in == generated,
        "openapi/openapi.json differs from the code; run `UPDATE_OPENAPI=1 cargo test openapi` and commit the file"
    );
}

/// The escalation packet's published JSON Schema; regenerated like openapi.json.
#[test]
fn the_checked_in_packet_schema_matches_the_code() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi/escalation-packet.v2.schema.json");
    let generated = odr::http::openapi::packet_schema();
    if std::env::var("UPDATE_OPENAPI").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &generated).unwrap();
    }
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        checked_in == generated,
        "openapi/escalation-packet.v2.schema.json differs from the code; run `UPDATE_OPENAPI=1 cargo test openapi` and commit the file"
    );
    let schema: serde_json::Value = serde_json::from_str(&generated).unwrap();
    assert!(
        jsonschema::meta::is_valid(&schema),
        "not a valid JSON Schema"
    );
    let defs = schema["$defs"].as_object().unwrap();
    for def in [
        "EscalationPacket",
        "PacketEvidence",
        "DeadlinesDto",
        "TimelineDto",
        "FiguresDto",
        "PacketMetrics",
    ] {
        assert!(
            defs.contains_key(def),
            "{def} missing from the packet schema"
        );
    }
    assert!(
        !generated.contains("#/components/"),
        "unresolved OpenAPI reference"
    );
}

#[test]
fn the_contract_is_openapi_3_1_and_documents_every_route() {
    let document: serde_json::Value =
        serde_json::from_str(&odr::http::openapi::document()).unwrap();
    assert!(document["openapi"].as_str().unwrap().starts_with("3.1"));
    assert_eq!(document["info"]["title"], "ODR platform API");
    let paths = document["paths"].as_object().unwrap();
    for path in [
        "/api/v1/auth/login",
        "/api/v1/units/{id}/actions",
        "/api/v1/associations/{id}/imports",
        "/api/v1/public/units",
        "/health/ready",
    ] {
        assert!(paths.contains_key(path), "{path} undocumented");
    }
}

both_backends!(the_served_contract_is_the_checked_in_one);

async fn the_served_contract_is_the_checked_in_one(app: TestApp) {
    let served = app.get("/api/v1/openapi.json", None).await;
    served.expect(200);
    assert_eq!(served.text, odr::http::openapi::document());
}

both_backends!(the_api_reference_is_served_by_the_platform_itself);

async fn the_api_reference_is_served_by_the_platform_itself(app: TestApp) {
    // The client follows the redirect from the address without its slash.
    app.get("/api/v1/docs", None).await.expect(200);
    let page = app.get("/api/v1/docs/", None).await;
    page.expect(200);
    assert!(
        page.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let policy = page.headers["content-security-policy"].to_str().unwrap();
    assert!(
        policy.contains("script-src 'self'") && policy.contains("connect-src 'self'"),
        "{policy}"
    );
    assert!(
        !page.text.contains("http://") && !page.text.contains("https://"),
        "no asset from elsewhere: {}",
        page.text
    );
    let init = app.get("/api/v1/docs/swagger-initializer.js", None).await;
    init.expect(200);
    assert!(init.text.contains("/api/v1/openapi.json"), "{}", init.text);
    for asset in ["swagger-ui-bundle.js", "swagger-ui.css"] {
        let served = app.get(&format!("/api/v1/docs/{asset}"), None).await;
        served.expect(200);
        assert!(served.text.len() > 10_000, "{asset}");
    }
}

/// Whether a schema (or the items, or the non-null alternative, it holds) is an enum or a
/// reference to a named schema.
fn is_enum(schema: &serde_json::Value) -> bool {
    if schema.get("$ref").is_some() || schema.get("enum").is_some() {
        return true;
    }
    if let Some(items) = schema.get("items") {
        return is_enum(items);
    }
    ["oneOf", "anyOf", "allOf"].iter().any(|k| {
        schema[*k]
            .as_array()
            .is_some_and(|alternatives| alternatives.iter().any(is_enum))
    })
}

/// Every field and parameter named like a closed set (a status, a state, a kind, a role, a
/// party, a remedy, how days are counted) is an enum in the contract, from the enum the code
/// uses (docs/architecture.md#enums). The exceptions are named with their reason.
#[test]
fn closed_sets_are_enums_in_the_contract() {
    const NAMES: [&str; 16] = [
        "status",
        "state",
        "kind",
        "role",
        "party",
        "remedy",
        "remedies",
        "counting",
        "standing",
        "staff_role",
        "your_role",
        "actor_role",
        "from_status",
        "to_status",
        "paused_from",
        "initiated_by",
    ];
    // (schema or path, field, why it is text)
    let exceptions = [
        (
            "AuditEntryDto",
            "actor_role",
            "the audit chain hashes rows as written",
        ),
        ("PacketDispute", "status", "packet v2 is a published format"),
        (
            "PacketEscalation",
            "initiated_by",
            "packet v2 is a published format",
        ),
        ("PacketEvidence", "party", "packet v2 is a published format"),
        ("HealthResponse", "status", "ok or the failing check"),
        ("Problem", "status", "the HTTP status, a number"),
        (
            "/api/v1/disputes",
            "status",
            "a comma-separated list of statuses",
        ),
        (
            "/api/v1/disputes/export",
            "status",
            "a comma-separated list of statuses",
        ),
        (
            "/api/v1/units",
            "status",
            "a comma-separated list of statuses",
        ),
        (
            "/api/v1/alerts",
            "status",
            "a comma-separated list of statuses",
        ),
        (
            "/api/v1/escalations",
            "state",
            "a comma-separated list of states",
        ),
    ];
    let document: serde_json::Value =
        serde_json::from_str(&odr::http::openapi::document()).unwrap();
    let excused = |owner: &str, field: &str| {
        exceptions
            .iter()
            .any(|(o, f, _)| *o == owner && *f == field)
    };
    let mut text = Vec::new();
    for (name, schema) in document["components"]["schemas"].as_object().unwrap() {
        let Some(properties) = schema["properties"].as_object() else {
            continue;
        };
        for (field, property) in properties {
            if NAMES.contains(&field.as_str()) && !is_enum(property) && !excused(name, field) {
                text.push(format!("{name}.{field}"));
            }
        }
    }
    for (path, item) in document["paths"].as_object().unwrap() {
        for operation in item.as_object().unwrap().values() {
            for parameter in operation["parameters"].as_array().into_iter().flatten() {
                let field = parameter["name"].as_str().unwrap_or_default();
                if NAMES.contains(&field) && !is_enum(&parameter["schema"]) && !excused(path, field)
                {
                    text.push(format!("{path} ?{field}"));
                }
            }
        }
    }
    assert!(text.is_empty(), "closed sets sent as plain text: {text:?}");
}
