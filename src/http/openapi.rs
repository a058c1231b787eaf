//! The OpenAPI 3.1 contract, generated from the handlers and DTOs. The checked-in
//! `openapi/openapi.json` must equal [`document`]; a test fails on drift.

use actix_web::{HttpResponse, web};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::{Config, SwaggerUi};

use super::disputes::{
    contact as dispute_contact, evidence as dispute_evidence, handlers as dispute_handlers,
};
use super::{
    accounts, admin, alerts, audit, businesses, calendar, deadlines, documents, escalations,
    evaluation, following, health, imports, mediations, metrics, notifications, public,
    publications, reference, reply_templates, reports, sms, units, webhooks,
};
use crate::disputes::packet::{EscalationPacket, PACKET_SCHEMA};
use crate::domain::webhook::{WebhookEvent, WebhookPayload};
use crate::error::{ErrorCode, FieldError, Problem};

/// Where the interactive reference is served (under `/api/v1`).
pub const DOCS_PATH: &str = "/api/v1/docs/";

/// Registers the route serving the document, and the interactive reference at
/// [`DOCS_PATH`]: Swagger UI from assets built into the binary (no CDN), reading the served
/// document; its answers carry their own Content Security Policy (`super::headers`).
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/openapi.json").route(web::get().to(serve)))
        .service(web::resource("/docs").route(web::get().to(|| async {
            HttpResponse::MovedPermanently()
                .insert_header((actix_web::http::header::LOCATION, DOCS_PATH))
                .finish()
        })))
        .service(
            SwaggerUi::new("/docs/{_:.*}").config(
                Config::new(["/api/v1/openapi.json"])
                    .try_it_out_enabled(true)
                    .display_request_duration(true)
                    .filter(true),
            ),
        );
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "metrics_token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "ODR platform API",
        version = "1.0.0",
        description = "Online dispute resolution between consumers and the businesses enrolled by market regulators as ODR units.\n\n\
Errors are `application/problem+json` (RFC 9457) with a stable `code`; a `validation_failed` (422) problem names each failing field in `errors[]` (a JSON value of the wrong type or an unknown or missing field has the field code `invalid_json_fields`)."
    ),
    paths(
        health::live, health::ready, health::metrics,
        accounts::register, accounts::login, accounts::refresh, accounts::logout,
        accounts::accept_invitation, accounts::me, accounts::change_password,
        accounts::request_password_reset, accounts::confirm_password_reset,
        admin::deactivate_user, admin::reactivate_user, businesses::remove_staff,
        reference::list_regions, reference::list_industries, reference::list_associations,
        reference::undertaking,
        businesses::register_business, businesses::get_business, businesses::update_business,
        businesses::get_staff, businesses::invite_staff, businesses::apply,
        units::list_units, units::get_unit, units::act_on_unit, units::put_commitments,
        imports::import_file,
        admin::create_association, admin::create_user, admin::list_users,
        public::directory, public::directory_entry,
        dispute_handlers::file, dispute_handlers::list, dispute_handlers::counts, dispute_handlers::get,
        dispute_handlers::act, dispute_evidence::upload, dispute_evidence::download,
        notifications::list, notifications::read, notifications::unread_count, notifications::read_all,
        calendar::due_date,
        escalations::list, escalations::record, escalations::list_dead_deliveries,
        escalations::redrive_delivery, escalations::gateway_callback,
        dispute_evidence::download_signed,
        deadlines::list_calendars, deadlines::import_calendar,
        deadlines::list_deadline_policies, deadlines::create_policy,
        publications::create, publications::list_drafts, publications::preview, publications::edit, publications::delete,
        publications::publish, publications::public_list,
        metrics::get_metrics, metrics::export_metrics, metrics::get_trend, reports::report, reports::list_archive, reports::download_archived, dispute_handlers::export, evaluation::list, evaluation::warn, alerts::list, alerts::acknowledge, alerts::close, alerts::escalate,
        audit::list, audit::export, dispute_contact::unmask, escalations::timeliness, accounts::export_my_data,
        webhooks::list, webhooks::create, webhooks::get, webhooks::update, webhooks::delete,
        webhooks::rotate_secret, webhooks::ping, webhooks::deliveries, webhooks::delivery,
        webhooks::redeliver,
        reply_templates::list, reply_templates::create, reply_templates::get,
        reply_templates::replace, reply_templates::delete,
        following::get, following::follow, following::unfollow, following::urge, following::visit,
        following::list, sms::preference, sms::set_preference, sms::log,
        documents::download, documents::verify, documents::check,
        mediations::enrol, mediations::list_mediators, mediations::of_dispute, mediations::ask,
        mediations::take_back, mediations::refer, mediations::list, mediations::get,
        mediations::write, mediations::schedule, mediations::record, mediations::conclude,
        mediations::fulfil, mediations::withdraw, mediations::figures,
    ),
    components(schemas(Problem, ErrorCode, FieldError, EscalationPacket, WebhookPayload)),
    modifiers(&BearerAuth),
    tags(
        (name = "accounts", description = "Registration, login and sessions"),
        (name = "reference", description = "Regions, industries, associations"),
        (name = "businesses", description = "Business profiles and staff"),
        (name = "units", description = "ODR-unit applications, decisions and commitments"),
        (name = "associations", description = "Association bulk onboarding"),
        (name = "admin", description = "Platform administration"),
        (name = "public", description = "The public directory"),
        (name = "disputes", description = "Filing, negotiation, settlement, fulfilment and rating"),
        (name = "notifications", description = "In-app notifications"),
        (name = "calendar", description = "Working-day computations"),
        (name = "escalations", description = "The regulators' 12315 queue and the gateways' callbacks. Packets delivered to gateways follow openapi/escalation-packet.v2.schema.json (the EscalationPacket component)."),
        (name = "audit", description = "The hash-chained audit log"),
        (name = "alerts", description = "Alerts to the regulators of a region"),
        (name = "publications", description = "Anonymised case summaries and consumer alerts"),
        (name = "reply-templates", description = "Texts a region's regulators keep for recurring kinds of cases (工单回复格式), marked once their legal section reviewed them; units' staff and regulators insert them into messages, refusals and decisions and edit them before sending"),
        (name = "following", description = "The bureau's \"1+5\" method: an officer named to follow a sensitive or major dispute (专人跟踪), urges to its unit (催办), return visits to the consumer after it concluded (调查回访), whose satisfaction the figures count where the consumer did not rate in the app"),
        (name = "mediation", description = "Mediators a region's regulators enrol (people's mediators, association mediators, volunteer lawyers), the parties' joint requests, referrals from the 12315 queue, and the mediator's messages, sessions and outcome; a mediated agreement is carried out and confirmed like a settlement"),
        (name = "metrics", description = "Oversight metrics by scope and period"),
        (name = "webhooks", description = "Endpoints a business's owner registers to be told of its disputes' events (the document's `webhooks` section says what they receive), their delivery log and re-sending"),
        (name = "operations", description = "Health and metrics"),
    )
)]
struct ApiDoc;

/// The document as pretty JSON with a trailing newline, exactly as checked in.
pub fn document() -> String {
    let mut document = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
    declare_errors(&mut document);
    describe_error_codes(&mut document);
    describe_webhooks(&mut document);
    let mut json = serde_json::to_string_pretty(&document)
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    json.push('\n');
    json
}

/// The document's `webhooks` section: one POST per event a business's endpoint receives
/// (docs/webhooks.md), each a signed [`WebhookPayload`].
fn describe_webhooks(document: &mut serde_json::Value) {
    use crate::notify::signature::{SIGNATURE_HEADER, TIMESTAMP_HEADER};
    use crate::notify::webhooks::{DELIVERY_HEADER, EVENT_HEADER};
    let header = |name: &str, description: &str| {
        serde_json::json!({"name": name, "in": "header", "required": true,
            "description": description, "schema": {"type": "string"}})
    };
    let mut hooks = serde_json::Map::new();
    for event in WebhookEvent::ALL {
        let name = event.as_str();
        hooks.insert(name.to_string(), serde_json::json!({"post": {
            "summary": format!("The `{name}` event"),
            "description": format!("{} \
                In order per endpoint; a failed delivery holds back the later ones and is tried again after \
                30 s, doubling up to an hour, until 72 hours after the event (the defaults of `webhooks.*`), then \
                given up and listed for sending again. Check the signature and the timestamp, drop an `id` you \
                already have (an event may arrive twice), answer 2xx at once and do the work afterwards.",
                if *event == WebhookEvent::Ping {
                    "POSTed to one endpoint when its owner asks for a test (never chosen).".to_string()
                } else {
                    format!("POSTed to every endpoint of the business that chose `{name}`.")
                }),
            "operationId": format!("webhook_{name}"),
            "tags": ["webhooks"],
            "parameters": [
                header(TIMESTAMP_HEADER, "Unix seconds when the request was signed; refuse one more than 5 minutes off."),
                header(SIGNATURE_HEADER, "`sha256=` and the hex HMAC-SHA256, keyed with the endpoint's secret, of the timestamp, a dot and the raw body."),
                header(EVENT_HEADER, "The event's type, as in the body."),
                header(DELIVERY_HEADER, "This delivery's id (an event sent again has a new one; its `id` stays)."),
            ],
            "requestBody": {"required": true, "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/WebhookPayload"}}}},
            "responses": {
                "200": {"description": "Received; any 2xx counts as delivered."},
                "default": {"description": "Anything else, a redirect, no answer within `webhooks.timeout_ms` (10 s) or no connection: tried again later."}
            }
        }}));
    }
    document["webhooks"] = serde_json::Value::Object(hooks);
}

/// A response of `Problem` documents.
fn problem_response(description: &str) -> serde_json::Value {
    serde_json::json!({
        "description": description,
        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    })
}

/// The codes sent with `status`, from [`ErrorCode`]'s table.
fn codes_of(status: u16) -> Vec<&'static str> {
    ErrorCode::ALL
        .iter()
        .filter(|c| c.status().as_u16() == status)
        .map(|c| c.as_str())
        .collect()
}

/// Generates from [`ErrorCode`] what the document says of errors: a `Problem<status>` schema
/// per status, whose `code` is one of the codes sent with that status; every error response
/// of that status refers to it; and the introduction lists the codes by status.
fn describe_error_codes(document: &mut serde_json::Value) {
    let mut statuses: Vec<u16> = ErrorCode::ALL.iter().map(|c| c.status().as_u16()).collect();
    statuses.sort_unstable();
    statuses.dedup();
    for &status in &statuses {
        document["components"]["schemas"][format!("Problem{status}")] = serde_json::json!({
            "description": format!("A problem document sent with status {status}."),
            "allOf": [
                {"$ref": "#/components/schemas/Problem"},
                {"type": "object", "properties": {"code": {"type": "string", "enum": codes_of(status)}}}
            ]
        });
    }
    if let Some(paths) = document["paths"].as_object_mut() {
        let operations = paths
            .values_mut()
            .filter_map(serde_json::Value::as_object_mut)
            .flat_map(|item| item.values_mut());
        for operation in operations {
            let Some(responses) = operation["responses"].as_object_mut() else {
                continue;
            };
            for (status, response) in responses.iter_mut() {
                let Some(schema) =
                    response.pointer_mut("/content/application~1problem+json/schema")
                else {
                    continue;
                };
                if let Ok(status) = status.parse::<u16>()
                    && statuses.contains(&status)
                {
                    *schema = serde_json::json!({"$ref": format!("#/components/schemas/Problem{status}")});
                }
            }
        }
    }
    let listing: Vec<String> = statuses
        .iter()
        .map(|&status| {
            let codes: Vec<String> = codes_of(status)
                .into_iter()
                .map(|c| format!("`{c}`"))
                .collect();
            format!("- {status}: {}", codes.join(", "))
        })
        .collect();
    if let Some(description) = document["info"]["description"].as_str() {
        document["info"]["description"] = format!(
            "{description}\n\nCodes by status (`request_failed` also comes with any other 4xx status the framework answers with):\n{}",
            listing.join("\n")
        )
        .into();
    }
}

/// Makes the document say what every operation can answer besides what its handler declares
/// (the errors the framework and the middleware give), with error bodies as they are sent,
/// `application/problem+json`:
/// - 400 on every operation: a NUL character in the address or an unreadable body;
/// - 401 on every operation that takes a bearer token;
/// - 413 and 422 on every operation with a body, 415 on those taking JSON;
/// - 422 on every operation with query parameters (a value of the wrong type or range).
fn declare_errors(document: &mut serde_json::Value) {
    const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];
    let Some(paths) = document
        .get_mut("paths")
        .and_then(serde_json::Value::as_object_mut)
    else {
        return;
    };
    for item in paths.values_mut() {
        for method in METHODS {
            let Some(operation) = item.get_mut(method) else {
                continue;
            };
            let secured = operation["security"]
                .as_array()
                .is_some_and(|s| s.iter().any(|r| r.get("bearer").is_some()));
            let body = operation.get("requestBody").cloned();
            let takes_json = body
                .as_ref()
                .is_some_and(|b| b["content"].get("application/json").is_some());
            let has_query = operation["parameters"]
                .as_array()
                .is_some_and(|p| p.iter().any(|p| p["in"] == "query"));
            let Some(responses) = operation
                .get_mut("responses")
                .and_then(serde_json::Value::as_object_mut)
            else {
                continue;
            };
            for (status, response) in responses.iter_mut() {
                // Every response has a description (OpenAPI requires one); a handler that
                // gives none gets the status's reason phrase.
                if response["description"].as_str().is_none_or(str::is_empty)
                    && let Some(object) = response.as_object_mut()
                {
                    let reason = status
                        .parse::<u16>()
                        .ok()
                        .and_then(|s| actix_web::http::StatusCode::from_u16(s).ok())
                        .and_then(|s| s.canonical_reason())
                        .unwrap_or("Response");
                    object.insert("description".into(), reason.into());
                }
                if status.as_str() >= "400"
                    && let Some(content) = response
                        .get_mut("content")
                        .and_then(serde_json::Value::as_object_mut)
                    && let Some(json) = content.remove("application/json")
                {
                    content.insert("application/problem+json".into(), json);
                }
            }
            let mut add = |status: &str, description: &str| {
                responses
                    .entry(status)
                    .or_insert_with(|| problem_response(description));
            };
            add(
                "400",
                "The request cannot be read (`malformed_json`, `invalid_multipart`, `invalid_character`).",
            );
            if secured {
                add(
                    "401",
                    "No valid bearer token (`unauthenticated`, `invalid_token`, `token_expired`, `account_inactive`).",
                );
            }
            if body.is_some() {
                add(
                    "413",
                    "The body is too large (`payload_too_large`, `file_too_large`).",
                );
                add(
                    "422",
                    "Some fields are invalid (`validation_failed`, with `errors[]`).",
                );
            }
            if takes_json {
                add("415", "The body is not JSON (`unsupported_media_type`).");
            }
            if has_query {
                add(
                    "422",
                    "Some fields are invalid (`validation_failed`, with `errors[]`).",
                );
            }
        }
    }
}

#[derive(OpenApi)]
#[openapi(components(schemas(EscalationPacket)))]
struct PacketDoc;

/// The JSON Schema (2020-12) of the escalation packet, exactly as checked in as
/// `openapi/escalation-packet.v2.schema.json`.
pub fn packet_schema() -> String {
    let components = PacketDoc::openapi().components.unwrap_or_default();
    let defs = serde_json::to_value(&components.schemas).unwrap_or_default();
    let schema = serde_json::json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": format!("urn:{PACKET_SCHEMA}"),
        "title": "ODR escalation packet, version 2",
        "description": "The case file of one escalated dispute, POSTed to a 12315 gateway with Idempotency-Key = escalation.id, X-ODR-Timestamp and X-ODR-Signature (sha256=<hex HMAC-SHA256 over \"timestamp.body\">).",
        "$ref": "#/$defs/EscalationPacket",
        "$defs": defs,
    });
    let mut json = serde_json::to_string_pretty(&schema)
        .unwrap_or_default()
        .replace("#/components/schemas/", "#/$defs/");
    json.push('\n');
    json
}

async fn serve() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(document())
}
