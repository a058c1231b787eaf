//! The webhooks pages of a business's owners (docs/webhooks.md): the endpoints with a form to
//! add one, each endpoint's secret, settings and delivery log with sending again, and each
//! delivery's payload and attempts. They call `http::webhooks`, so the API's rules hold.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::frame::{Fields, Frame, Lang, encode, html, see_other};
use super::labels;
use super::session::{CsrfForm, OrPage, PageError, Session, status_of};
use crate::domain::role::Role;
use crate::domain::webhook::{DeliveryStatus, FailureKind, WebhookEvent};
use crate::error::ApiError;
use crate::http::auth::AuthUser;
use crate::http::webhooks::{
    self as api, CreateWebhook, DeliveryDto, DeliveryQuery, UpdateWebhook, WebhookDto,
};

/// The list of endpoints (the navigation's link).
pub const PAGE: &str = "/unit/webhooks";

/// Registers the routes of this module.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource(PAGE)
            .route(web::get().to(|s: Session| list_page(s, None, None)))
            .route(web::post().to(create)),
    )
    .service(
        web::resource("/unit/webhooks/{id}")
            .route(web::get().to(endpoint_page))
            .route(web::post().to(save)),
    )
    .service(web::resource("/unit/webhooks/{id}/rotate").route(web::post().to(rotate)))
    .service(web::resource("/unit/webhooks/{id}/ping").route(web::post().to(ping)))
    .service(web::resource("/unit/webhooks/{id}/delete").route(web::post().to(delete)))
    .service(
        web::resource("/unit/webhooks/{id}/deliveries/{delivery}")
            .route(web::get().to(delivery_page)),
    )
    .service(
        web::resource("/unit/webhooks/{id}/deliveries/{delivery}/redeliver")
            .route(web::post().to(redeliver)),
    );
}

/// The signed-in owner and their business.
fn owner(s: &Session) -> Result<(AuthUser, String), PageError> {
    let auth = s.account_as(&[Role::MerchantStaff])?;
    let business = auth
        .user
        .business_id
        .clone()
        .ok_or_else(|| s.fail(ApiError::forbidden("Your account has no business.")))?;
    Ok((auth, business))
}

/// The endpoint form's values: address, description and each event with whether it is ticked.
struct WebhookForm {
    url: String,
    description: String,
    events: Vec<(&'static str, &'static str, bool)>,
}

impl WebhookForm {
    /// A form showing `url`, `description` and `chosen` in `l`.
    fn new(l: Lang, url: String, description: String, chosen: &[String]) -> Self {
        let events = WebhookEvent::choosable()
            .map(|e| {
                (
                    e.as_str(),
                    labels::of(l, e),
                    chosen.iter().any(|c| c == e.as_str()),
                )
            })
            .collect();
        Self {
            url,
            description,
            events,
        }
    }

    /// An empty form with every event ticked.
    fn blank(l: Lang) -> Self {
        let all: Vec<String> = WebhookEvent::choosable()
            .map(|e| e.as_str().to_string())
            .collect();
        Self::new(l, String::new(), String::new(), &all)
    }
}

/// What the endpoint form sent: its fields, with `events` and `enabled` as ticked.
struct Sent {
    csrf: String,
    url: String,
    description: String,
    events: Vec<String>,
    enabled: bool,
}

impl Sent {
    fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut sent = Self {
            csrf: String::new(),
            url: String::new(),
            description: String::new(),
            events: Vec::new(),
            enabled: false,
        };
        for (name, value) in pairs {
            match name.as_str() {
                "csrf" => sent.csrf = value,
                "url" => sent.url = value,
                "description" => sent.description = value,
                "events" => sent.events.push(value),
                "enabled" => sent.enabled = value == "yes",
                _ => {}
            }
        }
        sent
    }

    /// The form showing what was sent, after a refusal.
    fn form(&self, l: Lang) -> WebhookForm {
        WebhookForm::new(l, self.url.clone(), self.description.clone(), &self.events)
    }
}

/// An endpoint's state in words and its badge style.
fn state_of(l: Lang, w: &WebhookDto) -> (&'static str, &'static str) {
    if !w.enabled {
        (l.s("webhook-paused"), "warn")
    } else if w.deliveries.retrying > 0 {
        (l.s("webhook-failing"), "bad")
    } else {
        (l.s("webhook-sending"), "ok")
    }
}

/// A delivery's state in words and its badge style.
fn delivery_state(l: Lang, status: DeliveryStatus) -> (&'static str, &'static str) {
    let style = match status {
        DeliveryStatus::Delivered => "ok",
        DeliveryStatus::Pending => "warn",
        DeliveryStatus::Failed => "bad",
    };
    (labels::of(l, status), style)
}

/// The last attempt in words: the endpoint's HTTP answer (with what it said), or why there
/// was none.
fn last_attempt(l: Lang, status_code: Option<i64>, error: Option<&str>) -> String {
    match (status_code, error.and_then(FailureKind::split)) {
        (Some(code), Some((FailureKind::Answered | FailureKind::Redirect, _))) => {
            format!("HTTP {code} · {}", labels::of(l, FailureKind::Answered))
        }
        (Some(code), _) => format!("HTTP {code}"),
        (None, Some((kind, _))) => labels::of(l, kind).to_string(),
        (None, None) => String::new(),
    }
}

/// One row of the list of endpoints.
struct EndpointRow {
    href: String,
    url: String,
    description: String,
    events: String,
    state: &'static str,
    state_style: &'static str,
    counts: String,
}

#[derive(Template)]
#[template(path = "portal/webhooks.html")]
struct ListPage {
    f: Frame,
    rows: Vec<EndpointRow>,
    form: WebhookForm,
    errors: Fields,
}

/// The endpoints of the owner's business and the form to add one (showing `sent` again, with
/// `error` marked at its fields, after a refusal).
async fn list_page(
    s: Session,
    error: Option<ApiError>,
    sent: Option<Sent>,
) -> Result<HttpResponse, PageError> {
    let (auth, business) = owner(&s)?;
    let endpoints = api::list_for(&s.state, &auth, business).await.or_page(&s)?;
    let l = s.lang;
    let rows = endpoints
        .iter()
        .map(|w| {
            let (state, state_style) = state_of(l, w);
            EndpointRow {
                href: format!("{PAGE}/{}", encode(&w.id)),
                url: w.url.clone(),
                description: w.description.clone(),
                events: w
                    .events
                    .iter()
                    .map(|e| labels::of(l, *e))
                    .collect::<Vec<_>>()
                    .join(l.s("list-separator")),
                state,
                state_style,
                counts: [
                    (DeliveryStatus::Delivered, w.deliveries.delivered),
                    (DeliveryStatus::Pending, w.deliveries.pending),
                    (DeliveryStatus::Failed, w.deliveries.failed),
                ]
                .iter()
                .map(|(status, n)| format!("{} {n}", labels::of(l, *status)))
                .collect::<Vec<_>>()
                .join(" · "),
            }
        })
        .collect();
    let errors = error.as_ref().map(|e| Fields::of(l, e)).unwrap_or_default();
    let status = error.as_ref().map_or(StatusCode::OK, status_of);
    let page = ListPage {
        f: s.frame_after(error.as_ref()).titled("webhooks"),
        rows,
        form: sent.map_or_else(|| WebhookForm::blank(l), |sent| sent.form(l)),
        errors,
    };
    html(status, page.render()).or_page(&s)
}

async fn create(
    s: Session,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let sent = Sent::from_pairs(form.into_inner());
    s.check_form(&sent.csrf)?;
    let (auth, business) = owner(&s)?;
    let request = CreateWebhook {
        url: sent.url.clone(),
        events: sent.events.clone(),
        description: Some(sent.description.clone()),
    };
    match api::create_for(&s.state, &auth, business, request).await {
        Ok(created) => Ok(see_other(&format!(
            "{PAGE}/{}?created=1",
            encode(&created.webhook.id)
        ))),
        Err(error) if !error.status().is_server_error() => {
            list_page(s, Some(error), Some(sent)).await
        }
        Err(error) => Err(s.fail(error)),
    }
}

/// One row of the delivery log.
struct DeliveryRow {
    href: String,
    time: String,
    event: &'static str,
    case: Option<(String, String)>,
    state: &'static str,
    state_style: &'static str,
    /// When a pending delivery is tried next.
    next: Option<String>,
    last: String,
    may_resend: bool,
}

#[derive(Template)]
#[template(path = "portal/webhook.html")]
struct EndpointPage {
    f: Frame,
    w: WebhookDto,
    base: String,
    state: &'static str,
    state_style: &'static str,
    secret: String,
    show_secret: bool,
    filters: Vec<(String, &'static str, bool)>,
    deliveries: Vec<DeliveryRow>,
    next: Option<String>,
    form: WebhookForm,
    errors: Fields,
}

/// Which deliveries the log shows, and from where.
#[derive(Debug, Default, Deserialize)]
pub struct LogQuery {
    status: Option<String>,
    cursor: Option<String>,
}

async fn endpoint_page(
    s: Session,
    path: web::Path<String>,
    query: web::Query<LogQuery>,
) -> Result<HttpResponse, PageError> {
    show_endpoint(s, path.into_inner(), query.into_inner(), None, None).await
}

/// Endpoint `id`'s page: its secret, log (filtered by `query`) and settings (showing `sent`
/// again after `error`).
async fn show_endpoint(
    s: Session,
    id: String,
    query: LogQuery,
    error: Option<ApiError>,
    sent: Option<Sent>,
) -> Result<HttpResponse, PageError> {
    let (auth, business) = owner(&s)?;
    let l = s.lang;
    let w = api::get_for(&s.state, &auth, business.clone(), id.clone())
        .await
        .or_page(&s)?;
    let secret = api::secret_for(&s.state, &auth, business.clone(), id.clone())
        .await
        .or_page(&s)?;
    let log = DeliveryQuery {
        status: query.status.clone(),
        limit: Some("20".into()),
        cursor: query.cursor.clone(),
    };
    let page = api::deliveries_for(&s.state, &auth, business, id.clone(), log)
        .await
        .or_page(&s)?;
    let base = format!("{PAGE}/{}", encode(&id));
    let shown = query.status.as_deref().unwrap_or_default();
    let mut filters = vec![(base.clone(), l.s("all-deliveries"), shown.is_empty())];
    for status in DeliveryStatus::ALL {
        filters.push((
            format!("{base}?status={}", status.as_str()),
            labels::of(l, *status),
            shown == status.as_str(),
        ));
    }
    let log_frame = s.frame();
    let deliveries = page
        .items
        .iter()
        .map(|d| delivery_row(&log_frame, &base, d))
        .collect();
    let next = page
        .next_cursor
        .map(|cursor| format!("{base}?status={}&cursor={}", encode(shown), encode(&cursor)));
    let query_string = s.request().query_string().to_string();
    let (notice, show_secret) = if query_string.contains("created=1") {
        (Some(l.s("endpoint-added-copy-the-secret")), true)
    } else if query_string.contains("rotated=1") {
        (Some(l.s("secret-rotated-update-the-receiver")), true)
    } else if query_string.contains("done=1") {
        (Some(l.s("saved")), false)
    } else {
        (None, false)
    };
    let mut frame = s.frame_after(error.as_ref()).titled("webhook-endpoint");
    if let Some(text) = notice {
        frame = frame.with_notice("ok", text);
    }
    let (state, state_style) = state_of(l, &w);
    let form = sent.map_or_else(
        || {
            let chosen: Vec<String> = w.events.iter().map(|e| e.as_str().to_string()).collect();
            WebhookForm::new(l, w.url.clone(), w.description.clone(), &chosen)
        },
        |sent| sent.form(l),
    );
    let errors = error.as_ref().map(|e| Fields::of(l, e)).unwrap_or_default();
    let status = error.as_ref().map_or(StatusCode::OK, status_of);
    let page = EndpointPage {
        f: frame,
        w,
        base,
        state,
        state_style,
        secret,
        show_secret,
        filters,
        deliveries,
        next,
        form,
        errors,
    };
    html(status, page.render()).or_page(&s)
}

/// A delivery as a row of the log under `base`.
fn delivery_row(frame: &Frame, base: &str, d: &DeliveryDto) -> DeliveryRow {
    let l = frame.l;
    let (state, state_style) = delivery_state(l, d.status);
    DeliveryRow {
        href: format!("{base}/deliveries/{}", encode(&d.id)),
        time: frame.time(&d.created_at),
        event: labels::of(l, d.event_type),
        case: d.dispute_id.as_ref().map(|id| {
            (
                format!("/disputes/{}", encode(id)),
                d.case_number.clone().unwrap_or_default(),
            )
        }),
        state,
        state_style,
        next: d
            .next_attempt_at
            .filter(|_| d.attempts > 0)
            .map(|at| l.format("next-attempt-at", &[("time", frame.time(&at).into())])),
        last: last_attempt(l, d.last_status_code, d.last_error.as_deref()),
        may_resend: d.status != DeliveryStatus::Pending,
    }
}

async fn save(
    s: Session,
    path: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let sent = Sent::from_pairs(form.into_inner());
    s.check_form(&sent.csrf)?;
    let (auth, business) = owner(&s)?;
    let id = path.into_inner();
    let change = UpdateWebhook {
        url: Some(sent.url.clone()),
        events: Some(sent.events.clone()),
        description: Some(sent.description.clone()),
        enabled: Some(sent.enabled),
    };
    let outcome = api::update_for(&s.state, &auth, business, id.clone(), change)
        .await
        .map(|_| format!("{PAGE}/{}?done=1", encode(&id)));
    go_on_or_refused(s, id, outcome, Some(sent)).await
}

/// What a one-button form on an endpoint does.
enum Step {
    Rotate,
    Ping,
    Delete,
}

async fn rotate(
    s: Session,
    path: web::Path<String>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    on_endpoint(s, path.into_inner(), &form.csrf, Step::Rotate).await
}

async fn ping(
    s: Session,
    path: web::Path<String>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    on_endpoint(s, path.into_inner(), &form.csrf, Step::Ping).await
}

/// Deleting asks for a ticked confirmation.
#[derive(Debug, Deserialize)]
pub struct DeleteForm {
    csrf: String,
    confirm: Option<String>,
}

async fn delete(
    s: Session,
    path: web::Path<String>,
    form: web::Form<DeleteForm>,
) -> Result<HttpResponse, PageError> {
    let id = path.into_inner();
    if form.confirm.as_deref() != Some("yes") {
        s.check_form(&form.csrf)?;
        let error = ApiError::invalid_field(
            "confirm",
            "confirmation_required",
            "Tick the box to delete the endpoint.",
        );
        return show_endpoint(s, id, LogQuery::default(), Some(error), None).await;
    }
    on_endpoint(s, id, &form.csrf, Step::Delete).await
}

async fn on_endpoint(
    s: Session,
    id: String,
    csrf: &str,
    step: Step,
) -> Result<HttpResponse, PageError> {
    s.check_form(csrf)?;
    let (auth, business) = owner(&s)?;
    let back = format!("{PAGE}/{}", encode(&id));
    let outcome = match step {
        Step::Rotate => api::rotate_secret_for(&s.state, &auth, business, id.clone())
            .await
            .map(|_| format!("{back}?rotated=1")),
        Step::Ping => api::ping_for(&s.state, &auth, business, id.clone())
            .await
            .map(|_| format!("{back}?done=1")),
        Step::Delete => api::delete_for(&s.state, &auth, business, id.clone())
            .await
            .map(|()| format!("{PAGE}?done=1")),
    };
    go_on_or_refused(s, id, outcome, None).await
}

/// After a form on endpoint `id`: on to the address `outcome` names, or the endpoint's page
/// again with the refusal (and what was typed, `sent`).
async fn go_on_or_refused(
    s: Session,
    id: String,
    outcome: Result<String, ApiError>,
    sent: Option<Sent>,
) -> Result<HttpResponse, PageError> {
    match outcome {
        Ok(to) => Ok(see_other(&to)),
        Err(error) if !error.status().is_server_error() => {
            show_endpoint(s, id, LogQuery::default(), Some(error), sent).await
        }
        Err(error) => Err(s.fail(error)),
    }
}

#[derive(Template)]
#[template(path = "portal/webhook_delivery.html")]
struct DeliveryPage {
    f: Frame,
    d: api::DeliveryDetail,
    event: &'static str,
    state: &'static str,
    state_style: &'static str,
    attempts: Vec<(String, String, i64)>,
    payload: String,
    href: String,
    back: String,
    may_resend: bool,
}

async fn delivery_page(
    s: Session,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, PageError> {
    let (id, delivery) = path.into_inner();
    let (auth, business) = owner(&s)?;
    let l = s.lang;
    let d = api::delivery_for(&s.state, &auth, business, id.clone(), delivery.clone())
        .await
        .or_page(&s)?;
    let frame = s.frame().titled("webhook-delivery");
    let attempts = d
        .attempt_log
        .iter()
        .map(|a| {
            let said = match a.error.as_deref().and_then(FailureKind::split) {
                // What the endpoint itself answered is shown as it came.
                Some((FailureKind::Answered, detail)) => detail.to_string(),
                _ => String::new(),
            };
            (
                frame.time(&a.attempted_at),
                format!(
                    "{} {said}",
                    last_attempt(l, a.status_code, a.error.as_deref())
                )
                .trim()
                .to_string(),
                a.duration_ms,
            )
        })
        .collect();
    let (state, state_style) = delivery_state(l, d.delivery.status);
    let back = format!("{PAGE}/{}", encode(&id));
    let page = DeliveryPage {
        event: labels::of(l, d.delivery.event_type),
        state,
        state_style,
        attempts,
        payload: d.payload_text(),
        href: format!("{back}/deliveries/{}", encode(&delivery)),
        back,
        may_resend: d.delivery.status != DeliveryStatus::Pending,
        f: frame,
        d,
    };
    html(StatusCode::OK, page.render()).or_page(&s)
}

async fn redeliver(
    s: Session,
    path: web::Path<(String, String)>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    s.check_form(&form.csrf)?;
    let (id, delivery) = path.into_inner();
    let (auth, business) = owner(&s)?;
    let outcome = api::redeliver_for(&s.state, &auth, business, id.clone(), delivery)
        .await
        .map(|_| format!("{PAGE}/{}?done=1", encode(&id)));
    go_on_or_refused(s, id, outcome, None).await
}
