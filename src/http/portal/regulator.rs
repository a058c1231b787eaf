//! The regulator's pages: the dashboard (daily look and trends), unit approvals, evaluation
//! and warnings, the escalation queue, alerts, reports and exports, publications and the
//! audit log. Administrators reach the audit log too.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::{Datelike, Duration, NaiveDate};
use serde::Deserialize;

use super::charts::{ChartWords, Series, line_chart};
use super::frame::{Frame, encode, html};
use super::labels;
use super::public::Names;
use super::session::{OrPage, PageError, Sent, Session, after, status_of};
use super::table::{Cell, Listing, Row};
use crate::domain::alert::AlertStatus;
use crate::domain::escalation::EscalationState;
use crate::domain::publication::{PublicationKind, PublicationStatus};
use crate::domain::role::Role;
use crate::domain::unit::UnitStatus;
use crate::error::ApiError;
use crate::http::alerts::{self, AlertMove, AlertQuery};
use crate::http::audit::{self, AuditQuery};
use crate::http::disputes::dto::{DisputePage, DisputeQuery};
use crate::http::disputes::handlers;
use crate::http::escalations::{self, EscalationQuery, EscalationUpdateRequest};
use crate::http::evaluation::{self, EvaluationQuery, WarningRequest};
use crate::http::metrics::{self, MetricsQuery, TrendQuery};
use crate::http::pagination::PageParams;
use crate::http::publications::{self, CreatePublication};
use crate::http::reports::{self, ArchiveQuery, ReportQuery};
use crate::http::tables::ExportFormat;
use crate::http::units::{self, UnitActionRequest, UnitQuery};
use crate::i18n::Words;
use crate::oversight::MetricsResponse;
use crate::oversight::bureau::BureauFigures;
use crate::oversight::reports::ReportKind;

/// Registers the routes of this module.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/dashboard").route(web::get().to(dashboard)))
        .service(
            web::resource("/approvals").route(web::get().to(|s: Session| approvals_page(s, None))),
        )
        .service(
            web::resource("/approvals/{id}")
                .route(web::get().to(application_page))
                .route(web::post().to(decide_unit)),
        )
        .service(
            web::resource("/evaluation")
                .route(web::get().to(|s: Session| evaluation_list(s, None))),
        )
        .service(web::resource("/evaluation/{id}/warn").route(web::post().to(warn)))
        .service(
            web::resource("/escalations")
                .route(web::get().to(|s: Session| escalation_list(s, None))),
        )
        .service(web::resource("/escalations/{id}").route(web::post().to(record_step)))
        .service(web::resource("/alerts").route(web::get().to(|s: Session| alerts_page(s, None))))
        .service(web::resource("/alerts/{id}").route(web::post().to(handle_alert)))
        .service(web::resource("/reports").route(web::get().to(report_list)))
        .service(web::resource("/reports/archive/{id}").route(web::get().to(archived_report)))
        .service(web::resource("/reports/now/{kind}").route(web::get().to(report_now)))
        .service(web::resource("/reports/metrics").route(web::get().to(metrics_export)))
        .service(
            web::resource("/publications")
                .route(web::get().to(|s: Session| publications_page(s, None)))
                .route(web::post().to(create_publication)),
        )
        .service(web::resource("/publications/{id}/publish").route(web::post().to(publish)))
        .service(
            web::resource("/publications/{id}")
                .route(web::get().to(|s: Session, path: web::Path<String>| {
                    publication_page(s, path.into_inner(), None, None)
                }))
                .route(web::post().to(save_publication)),
        )
        .service(
            web::resource("/publications/{id}/delete").route(web::post().to(delete_publication)),
        )
        .service(web::resource("/audit").route(web::get().to(audit_log)))
        .service(web::resource("/audit/export").route(web::get().to(audit_export)));
}

/// Who the regulator's pages are for.
const REGULATORS: &[Role] = &[Role::Regulator];
/// Who reads the audit log (the API narrows each to what they may see).
const AUDITORS: &[Role] = &[Role::Regulator, Role::Admin];

#[derive(Template)]
#[template(path = "portal/dashboard.html")]
struct DashboardPage {
    f: Frame,
    new_today: i64,
    due_today: usize,
    overdue: usize,
    first_contact_overdue: String,
    open_alerts: usize,
    awaiting_receipt: usize,
    month: MetricsResponse,
    /// The bureau's own timeliness this month, the month before and a year before
    /// (docs/escalation.md#the-bureaus-own-deadlines).
    bureau: [BureauFigures; 3],
    charts: Vec<String>,
}

impl DashboardPage {
    /// The bureau's limits running now and those past due, in words.
    fn bureau_running(&self) -> String {
        let now = &self.bureau[0];
        self.f.l.format(
            "bureau-running-now",
            &[
                ("running", now.running_now.into()),
                ("overdue", now.overdue_now.into()),
            ],
        )
    }
}

/// How many rows a listing has, as a count or "200+".
fn counted(page: &DisputePage) -> String {
    match page.next_cursor {
        Some(_) => format!("{}+", page.items.len()),
        None => page.items.len().to_string(),
    }
}

async fn disputes(s: &Session, query: DisputeQuery) -> Result<DisputePage, PageError> {
    let auth = s.account()?;
    let query = DisputeQuery {
        limit: Some("200".into()),
        ..query
    };
    handlers::list_for(&s.state, &auth, &query).await.or_page(s)
}

async fn measure(s: &Session, period: &str, date: NaiveDate) -> Result<MetricsResponse, PageError> {
    let auth = s.account()?;
    let query = MetricsQuery {
        period: Some(period.into()),
        date: Some(date),
        ..MetricsQuery::default()
    };
    metrics::get_metrics_for(&s.state, &auth, query)
        .await
        .or_page(s)
}

/// Charts of the on-time rate, settlement rate and satisfaction over 12 months, for the
/// caller's own scope (a regulator's region, a unit, an association's members).
pub async fn trend_charts(s: &Session) -> Result<Vec<String>, PageError> {
    let auth = s.account()?;
    let trend = metrics::get_trend_for(&s.state, &auth, TrendQuery::default())
        .await
        .or_page(s)?;
    let figures = trend.months;
    let labels: Vec<String> = figures
        .iter()
        .map(|f| f.period.from.format("%Y-%m").to_string())
        .collect();
    let l = s.lang;
    let percent = |v: f64| format!("{:.0}%", v * 100.0);
    let words = ChartWords {
        too_little: l.s("too-little-data-for-a-trend"),
        nothing: l.s("nothing-measured-in-these-12-months"),
    };
    Ok(vec![
        line_chart(
            l.s("on-time-rate-and-settlement-rate"),
            &labels,
            &[
                Series {
                    name: l.s("on-time-rate"),
                    values: figures.iter().map(|f| f.on_time_rate).collect(),
                    colour: "#0b5cad",
                },
                Series {
                    name: l.s("settlement-rate"),
                    values: figures.iter().map(|f| f.settlement_rate).collect(),
                    colour: "#0e7a3a",
                },
            ],
            1.0,
            percent,
            &words,
        ),
        line_chart(
            l.s("satisfaction-1-5"),
            &labels,
            &[Series {
                name: l.s("mean-rating"),
                values: figures.iter().map(|f| f.satisfaction_mean).collect(),
                colour: "#9a6700",
            }],
            5.0,
            |v| format!("{v:.1}"),
            &words,
        ),
    ])
}

async fn dashboard(s: Session) -> Result<HttpResponse, PageError> {
    let auth = s.account_as(REGULATORS)?;
    let day = s.today();
    let now = s.state.clock.now();
    // The daily look's own numbers (docs/metrics.md#reports-and-exports), as the report lists.
    let prefix = auth
        .actor
        .region
        .as_ref()
        .map(|r| r.prefix().to_string())
        .unwrap_or_default();
    // Independent reads, each on its own connection, at once.
    let (look, first_contact, alerts, queue, month, charts) = futures_util::try_join!(
        async {
            s.state
                .db
                .read(Some(&auth.user.id), move |conn| {
                    crate::oversight::reports::daily_look(conn, &prefix, day, now)
                })
                .await
                .map_err(ApiError::from)
                .or_page(&s)
        },
        disputes(
            &s,
            DisputeQuery {
                flag: Some("first_contact_overdue".into()),
                ..DisputeQuery::default()
            },
        ),
        async {
            let open = AlertQuery {
                status: Some(AlertStatus::Open.as_str().into()),
            };
            alerts::list_for(&s.state, &auth, open).await.or_page(&s)
        },
        async {
            let delivered = EscalationQuery {
                state: Some("delivered".into()),
            };
            escalations::list_for(&s.state, &auth, delivered)
                .await
                .or_page(&s)
        },
        measure(&s, "month", day),
        trend_charts(&s),
    )?;
    let months_back = |n: u32| day.checked_sub_months(chrono::Months::new(n));
    let bureau = futures_util::try_join!(
        escalations::timeliness_for(&s.state, &auth, Some(day)),
        escalations::timeliness_for(&s.state, &auth, months_back(1)),
        escalations::timeliness_for(&s.state, &auth, months_back(12)),
    )
    .map(|(a, b, c)| [a, b, c])
    .or_page(&s)?;
    let page = DashboardPage {
        f: s.frame().titled("dashboard"),
        new_today: look.filed,
        due_today: look.due_today.len(),
        // Open and overdue now: the month's figure counts the same disputes.
        overdue: look.overdue.len(),
        first_contact_overdue: counted(&first_contact),
        open_alerts: alerts.len(),
        awaiting_receipt: queue.len(),
        month,
        bureau,
        charts,
    };
    html(StatusCode::OK, page.render()).or_page(&s)
}

/// Query of the approvals page.
#[derive(Debug, Deserialize)]
struct ApprovalsQuery {
    status: Option<String>,
}

async fn approvals_page(s: Session, error: Option<ApiError>) -> Result<HttpResponse, PageError> {
    let auth = s.account_as(REGULATORS)?;
    let wanted = web::Query::<ApprovalsQuery>::from_query(s.request().query_string())
        .ok()
        .and_then(|q| q.into_inner().status)
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "pending".into());
    let asked = UnitQuery {
        status: Some(wanted.clone()),
        limit: Some("200".into()),
        ..UnitQuery::default()
    };
    let (page, names) = Names::beside(&s, units::list_units_for(&s.state, &auth, asked)).await?;
    let mut list = Listing::new(
        s.frame_after(error.as_ref()),
        "unit-approvals",
        &["unit", "uscc", "region", "applied", "status", "actions"],
    );
    for status in [
        UnitStatus::Pending,
        UnitStatus::Active,
        UnitStatus::Suspended,
        UnitStatus::Removed,
    ] {
        list.links.push((
            format!("/approvals?status={status}"),
            labels::of(s.lang, status).into(),
        ));
    }
    list.intro = Some(list.s("decide-on-applications-to-become-odr"));
    for unit in page.items {
        // A pending application is decided on its own page, with the facts in view.
        let forms = match unit.status {
            UnitStatus::Pending => Vec::new(),
            status => decision_forms(&list, &unit.id, status),
        };
        list.rows.push(Row {
            cells: vec![
                Cell::link(unit.business_name, format!("/approvals/{}", unit.id)),
                Cell::text(unit.uscc),
                Cell::text(names.region(&list.frame, &unit.region_code)),
                Cell::text(list.frame.date(&unit.applied_at)),
                Cell::badge(labels::of(list.frame.l, unit.status), ""),
            ],
            forms,
        });
    }
    list.render(&s, error.as_ref().map_or(StatusCode::OK, status_of))
}

/// The decisions a regulator may take on a unit in `status`, as forms.
fn decision_forms(list: &Listing, unit_id: &str, status: UnitStatus) -> Vec<super::table::RowForm> {
    let action = format!("/approvals/{}", encode(unit_id));
    let reason = list.s("reason");
    let with_reason = |button: &'static str, style: &'static str| {
        list.form(action.clone(), button, style)
            .hidden("action", button)
            .field("reason", reason.clone(), true)
    };
    match status {
        UnitStatus::Pending => vec![
            list.form(action.clone(), "approve", "")
                .hidden("action", "approve"),
            with_reason("reject", "danger"),
        ],
        UnitStatus::Active => vec![
            with_reason("suspend", "secondary"),
            with_reason("remove", "danger"),
        ],
        UnitStatus::Suspended => vec![
            with_reason("reinstate", ""),
            with_reason("remove", "danger"),
        ],
        _ => Vec::new(),
    }
}

#[derive(Template)]
#[template(path = "portal/application.html")]
struct ApplicationPage {
    f: Frame,
    unit: crate::http::units::UnitResponse,
    business: crate::http::businesses::BusinessResponse,
    names: Names,
    /// The undertaking's text when the unit accepted the current version.
    undertaking: Option<&'static str>,
    forms: Vec<super::table::RowForm>,
}

impl ApplicationPage {
    /// The five conditions of an ODR unit with whether the applicant meets each.
    fn conditions(&self) -> [(&str, bool); 5] {
        let c = &self.unit.conditions;
        [
            (self.f.s("condition-handling-place"), c.handling_place),
            (self.f.s("condition-staff"), c.staff),
            (self.f.s("condition-computer"), c.computer),
            (self.f.s("condition-dedicated-phone"), c.dedicated_phone),
            (self.f.s("condition-written-procedure"), c.written_procedure),
        ]
    }

    fn commitment(&self, c: &crate::http::units::CommitmentDto) -> String {
        super::public::commitment(&self.f, c)
    }
}

/// One application (or unit) with everything a regulator decides on: the business, its
/// credit code, the five conditions, the undertaking, the commitments and the history.
async fn application_page(s: Session, path: web::Path<String>) -> Result<HttpResponse, PageError> {
    application(s, path.into_inner(), None).await
}

/// The page of unit `id`; after a refused decision, with its reason, the decision's form as
/// it was sent.
async fn application(
    s: Session,
    id: String,
    error: Option<ApiError>,
) -> Result<HttpResponse, PageError> {
    let auth = s.account_as(REGULATORS)?;
    let (unit, names) = Names::beside(&s, units::get_unit_for(&s.state, &auth, id)).await?;
    let business =
        crate::http::businesses::get_business_for(&s.state, &auth, unit.business_id.clone())
            .await
            .or_page(&s)?;
    let mut list = Listing::new(
        s.frame_after(error.as_ref()),
        "application-to-become-an-odr-unit",
        &[],
    );
    let mut forms = decision_forms(&list, &unit.id, unit.status);
    super::table::mark_refused(forms.iter_mut(), &s.refused, &mut list.frame);
    let text = match s.lang {
        crate::i18n::Lang::Zh => crate::domain::unit::UNDERTAKING_ZH,
        crate::i18n::Lang::En => crate::domain::unit::UNDERTAKING_EN,
    };
    let undertaking =
        (unit.undertaking_version == crate::domain::unit::UNDERTAKING_VERSION).then_some(text);
    let page = ApplicationPage {
        f: list.frame,
        unit,
        business,
        names,
        undertaking,
        forms,
    };
    html(
        error.as_ref().map_or(StatusCode::OK, status_of),
        page.render(),
    )
    .or_page(&s)
}

/// A decision on a unit.
#[derive(Debug, Deserialize)]
pub struct UnitDecision {
    csrf: String,
    action: String,
    reason: Option<String>,
}

async fn decide_unit(
    s: Session,
    path: web::Path<String>,
    form: web::Form<Sent<UnitDecision>>,
) -> Result<HttpResponse, PageError> {
    let (s, form) = s.sent(form);
    s.check_form(&form.csrf)?;
    let auth = s.account_as(REGULATORS)?;
    let decision = UnitActionRequest {
        action: form.action,
        reason: form.reason,
    };
    let id = path.into_inner();
    let outcome = units::act_on_unit_for(&s.state, &auth, id.clone(), decision)
        .await
        .map(|_| ());
    // Refused, the unit's own page shows the decision again (the list may not show the unit),
    // unless the unit is not this regulator's to see.
    after(s, outcome, "/approvals", |s, error| async move {
        let unseen = error
            .as_ref()
            .is_some_and(|e| matches!(e.status(), StatusCode::FORBIDDEN | StatusCode::NOT_FOUND));
        if unseen {
            approvals_page(s, error).await
        } else {
            application(s, id, error).await
        }
    })
    .await
}

async fn evaluation_list(s: Session, error: Option<ApiError>) -> Result<HttpResponse, PageError> {
    let auth = s.account_as(REGULATORS)?;
    let found = evaluation::list_for(&s.state, &auth, EvaluationQuery { all: Some(true) })
        .await
        .or_page(&s)?;
    let mut list = Listing::new(
        s.frame_after(error.as_ref()),
        "evaluation",
        &[
            "unit",
            "disputes",
            "on-time",
            "settled",
            "unanswered",
            "below",
            "actions",
        ],
    );
    list.link_figures_help();
    list.intro = Some(format!(
        "{} {} – {} · {} {:.0}% · {} {:.0}% · {} {}",
        list.s("window"),
        found.window_from,
        found.window_to,
        list.s("on-time-at-least"),
        found.min_on_time_rate * 100.0,
        list.s("settled-at-least"),
        found.min_settlement_rate * 100.0,
        list.s("unanswered-at-most"),
        found.max_unanswered
    ));
    for unit in found.units {
        let below = !unit.below.is_empty();
        let mut forms = Vec::new();
        if below {
            forms.push(
                list.form(
                    format!("/evaluation/{}/warn", unit.unit_id),
                    "warn",
                    "secondary",
                )
                .field("reason", list.s("reason-2"), true),
            );
            if unit.status == UnitStatus::Active {
                forms.push(
                    list.form(format!("/approvals/{}", unit.unit_id), "remove", "danger")
                        .hidden("action", "remove")
                        .field("reason", list.s("reason-3"), true),
                );
            }
        }
        let warned = unit
            .last_warning_at
            .map(|at| format!("{} {}", list.s("warned"), list.frame.date(&at)));
        let mut name = Cell::link(unit.business_name, format!("/units/{}", unit.unit_id));
        if let Some(w) = warned {
            name = name.with_note(w);
        }
        list.rows.push(Row {
            cells: vec![
                name,
                Cell::text(format!("{} / {}", unit.filed, unit.concluded)),
                Cell::text(list.frame.percent(&unit.on_time_rate)),
                Cell::text(list.frame.percent(&unit.settlement_rate)),
                Cell::text(unit.unanswered.to_string()),
                if below {
                    Cell::badge(
                        unit.below
                            .iter()
                            .map(|b| list.frame.l.label("criterion", b))
                            .collect::<Vec<_>>()
                            .join(" · "),
                        "bad",
                    )
                } else {
                    Cell::badge(list.s("ok"), "ok")
                },
            ],
            forms,
        });
    }
    list.render(&s, error.as_ref().map_or(StatusCode::OK, status_of))
}

/// A form that only states a reason (a warning, an unmasking).
#[derive(Debug, Deserialize)]
pub struct ReasonForm {
    pub(super) csrf: String,
    pub(super) reason: String,
}

async fn warn(
    s: Session,
    path: web::Path<String>,
    form: web::Form<Sent<ReasonForm>>,
) -> Result<HttpResponse, PageError> {
    let (s, form) = s.sent(form);
    s.check_form(&form.csrf)?;
    let auth = s.account_as(REGULATORS)?;
    let warning = WarningRequest {
        reason: form.reason,
    };
    let outcome = evaluation::warn_for(&s.state, &auth, path.into_inner(), warning).await;
    after(s, outcome, "/evaluation", evaluation_list).await
}

async fn escalation_list(s: Session, error: Option<ApiError>) -> Result<HttpResponse, PageError> {
    let auth = s.account_as(REGULATORS)?;
    let items = escalations::list_for(&s.state, &auth, EscalationQuery { state: None })
        .await
        .or_page(&s)?;
    let mut list = Listing::new(
        s.frame_after(error.as_ref()),
        "escalation-queue",
        &[
            "case",
            "business",
            "by",
            "reason",
            "escalated",
            "state",
            "bureau-due",
            "record-a-step",
        ],
    );
    list.intro = Some(list.s("disputes-the-business-did-not-settle"));
    let l = s.lang;
    for item in items {
        let steps: Vec<(String, String)> = item
            .state
            .next_steps()
            .into_iter()
            .map(|to| {
                (
                    to.as_str().to_string(),
                    labels::escalation_state(l, to.as_str()).to_string(),
                )
            })
            .collect();
        let forms = if steps.is_empty() {
            Vec::new()
        } else {
            vec![
                list.form(format!("/escalations/{}", item.id), "record", "")
                    .choice("status", list.s("next-step"), steps)
                    .field("note", list.s("note-required-when-not-accepted"), false),
            ]
        };
        list.rows.push(Row {
            cells: vec![
                Cell::link(item.case_number, format!("/disputes/{}", item.dispute_id)),
                Cell::text(item.business_name),
                Cell::text(labels::party(l, item.initiated_by.as_str())),
                Cell::text(labels::escalation_reason(l, &item.reason)),
                Cell::text(list.frame.time(&item.created_at)),
                Cell::badge(
                    labels::escalation_state(l, item.state.as_str()),
                    if item.state == EscalationState::Delivered {
                        "warn"
                    } else {
                        ""
                    },
                ),
                match item.bureau_deadline.zip(item.bureau_due_at) {
                    Some((deadline, due)) => {
                        let f = &list.frame;
                        let style = if f.past(&due) { "bad" } else { "warn" };
                        Cell::badge(f.countdown(&due), style).with_note(format!(
                            "{} {}",
                            labels::of(l, deadline),
                            f.time(&due)
                        ))
                    }
                    None => Cell::text(""),
                },
            ],
            forms,
        });
    }
    list.render(&s, error.as_ref().map_or(StatusCode::OK, status_of))
}

/// A step of an escalation.
#[derive(Debug, Deserialize)]
pub struct StepForm {
    csrf: String,
    status: String,
    note: Option<String>,
    /// The dispute whose page the step was recorded on, to show again when the step is
    /// refused; once recorded, the escalated dispute's own page follows whatever this says.
    back: Option<String>,
}

async fn record_step(
    s: Session,
    path: web::Path<String>,
    form: web::Form<Sent<StepForm>>,
) -> Result<HttpResponse, PageError> {
    let (s, form) = s.sent(form);
    s.check_form(&form.csrf)?;
    let auth = s.account_as(REGULATORS)?;
    let typed = super::disputes::Typed::of("step")
        .with("status", Some(&form.status))
        .with("note", form.note.as_deref());
    let note = form.note.filter(|n| !n.trim().is_empty());
    let step = EscalationUpdateRequest {
        status: form.status,
        note,
    };
    let outcome = escalations::record_for(&s.state, &auth, path.into_inner(), step).await;
    match (form.back, outcome) {
        (Some(_), Ok(dispute)) => Ok(super::frame::see_other(&format!(
            "/disputes/{dispute}#escalation"
        ))),
        // Refused on the dispute's page: that page again, saying why.
        (Some(dispute), Err(error)) if !error.status().is_server_error() => {
            super::disputes::render_refused(&s, dispute, &error, typed).await
        }
        (_, outcome) => after(s, outcome.map(drop), "/escalations", escalation_list).await,
    }
}

async fn alerts_page(s: Session, error: Option<ApiError>) -> Result<HttpResponse, PageError> {
    let auth = s.account_as(REGULATORS)?;
    let items = alerts::list_for(&s.state, &auth, AlertQuery { status: None })
        .await
        .or_page(&s)?;
    let mut list = Listing::new(
        s.frame_after(error.as_ref()),
        "alerts",
        &["alert", "disputes-2", "raised", "status", "handle"],
    );
    list.link_figures_help();
    list.intro = Some(list.s("disputes-gathering-at-one-unit-in-a"));
    for alert in items {
        let note = list.s("note-2");
        let forms = match alert.status {
            AlertStatus::Open => vec![
                list.form(format!("/alerts/{}", alert.id), "acknowledge", "secondary")
                    .hidden("action", "acknowledge")
                    .field("note", note.clone(), false),
                list.form(format!("/alerts/{}", alert.id), "close", "")
                    .hidden("action", "close")
                    .field("note", note, true),
            ],
            AlertStatus::Acknowledged => vec![
                list.form(format!("/alerts/{}", alert.id), "close", "")
                    .hidden("action", "close")
                    .field("note", note, true),
            ],
            AlertStatus::Closed => Vec::new(),
        };
        let style = match alert.status {
            AlertStatus::Open => "bad",
            AlertStatus::Acknowledged => "warn",
            AlertStatus::Closed => "ok",
        };
        let said = match s.lang {
            super::frame::Lang::En => alert.summary_en.as_deref(),
            _ => None,
        }
        .unwrap_or(&alert.summary);
        let mut summary = Cell::text(format!("{} · {said}", alert.unit_name));
        summary.links = alert
            .disputes
            .iter()
            .map(|d| (format!("/disputes/{}", d.id), d.case_number.clone()))
            .collect();
        if let Some(n) = alert.note {
            summary = summary.with_note(n);
        }
        list.rows.push(Row {
            cells: vec![
                summary,
                Cell::text(alert.dispute_ids.len().to_string()),
                Cell::text(list.frame.time(&alert.created_at)),
                Cell::badge(labels::of(list.frame.l, alert.status), style),
            ],
            forms,
        });
    }
    list.render(&s, error.as_ref().map_or(StatusCode::OK, status_of))
}

/// Handling of an alert.
#[derive(Debug, Deserialize)]
pub struct AlertForm {
    csrf: String,
    action: String,
    note: Option<String>,
}

async fn handle_alert(
    s: Session,
    path: web::Path<String>,
    form: web::Form<Sent<AlertForm>>,
) -> Result<HttpResponse, PageError> {
    let (s, form) = s.sent(form);
    s.check_form(&form.csrf)?;
    let auth = s.account_as(REGULATORS)?;
    let note = form.note.filter(|n| !n.trim().is_empty());
    let to = match form.action.as_str() {
        "acknowledge" => Ok(AlertMove::Acknowledge),
        "close" => Ok(AlertMove::Close),
        _ => Err(ApiError::invalid_field(
            "action",
            "unknown_action",
            "acknowledge or close",
        )),
    };
    let outcome = match to {
        Ok(to) => alerts::move_for(&s.state, &auth, path.into_inner(), to, note)
            .await
            .map(|_| ()),
        Err(refused) => Err(refused),
    };
    after(s, outcome, "/alerts", alerts_page).await
}

async fn report_list(s: Session) -> Result<HttpResponse, PageError> {
    let auth = s.account_as(REGULATORS)?;
    let newest = PageParams {
        limit: Some("100".into()),
        cursor: None,
    };
    let (page, names) = Names::beside(
        &s,
        reports::list_archive_for(&s.state, &auth, ArchiveQuery { kind: None }, newest),
    )
    .await?;
    let mut list = Listing::new(
        s.frame(),
        "reports",
        &["report", "region", "period", "generated", "download"],
    );
    list.link_figures_help();
    list.intro = Some(list.s("daily-weekly-and-monthly-reports-are"));
    let day = s.today();
    let last_week = day - Duration::days(i64::from(day.weekday().num_days_from_monday()) + 1);
    let last_month = day.with_day(1).unwrap_or(day) - Duration::days(1);
    for (kind, date, title) in [
        ("daily", day, "todays-daily-look"),
        ("weekly", day, "this-weeks-check"),
        ("weekly", last_week, "last-weeks-check"),
        ("monthly", day, "this-month-so-far"),
        ("monthly", last_month, "last-months-close"),
        ("analysis", last_month, "last-months-analysis"),
    ] {
        list.links.push((
            format!("/reports/now/{kind}?date={date}"),
            s.lang.s(title).into(),
        ));
    }
    list.links.push((
        "/reports/metrics?format=xlsx".into(),
        s.lang.s("this-months-metrics-excel").into(),
    ));
    for report in page.items {
        let kind = labels::of(list.frame.l, report.kind);
        list.rows.push(Row {
            cells: vec![
                Cell::text(kind),
                Cell::text(names.region(&list.frame, &report.region_code)),
                // The same period on screen, built from today's data.
                Cell::link(
                    format!("{} – {}", report.period_from, report.period_to),
                    format!(
                        "/reports/now/{}?date={}&region={}",
                        report.kind.as_str(),
                        report.period_from,
                        super::frame::encode(&report.region_code)
                    ),
                ),
                Cell::text(list.frame.time(&report.generated_at)),
                Cell {
                    links: vec![(
                        format!("/reports/archive/{}?format=csv", report.id),
                        "CSV".into(),
                    )],
                    ..Cell::link(
                        "Excel",
                        format!("/reports/archive/{}?format=xlsx", report.id),
                    )
                },
            ],
            forms: Vec::new(),
        });
    }
    list.render(&s, StatusCode::OK)
}

/// The format of a download and, for a report built now, a day inside its period.
#[derive(Debug, Deserialize)]
pub struct FormatQuery {
    format: Option<String>,
    /// A day (`2026-11-15`); anything else is said on the page.
    date: Option<String>,
    /// For a report built now: a region inside the regulator's (default: their own).
    region: Option<String>,
}

impl FormatQuery {
    /// The day asked for, if any; a page saying what is wrong with one that is not a day.
    fn day(&self, s: &Session) -> Result<Option<NaiveDate>, PageError> {
        self.date
            .as_deref()
            .filter(|d| !d.is_empty())
            .map(|d| {
                d.parse::<NaiveDate>().map_err(|_| {
                    s.fail(ApiError::invalid_field(
                        "date",
                        "invalid_date",
                        "a day such as 2026-11-15",
                    ))
                })
            })
            .transpose()
    }
}

async fn archived_report(
    s: Session,
    path: web::Path<String>,
    query: web::Query<FormatQuery>,
) -> Result<HttpResponse, PageError> {
    let auth = s.account_as(REGULATORS)?;
    reports::download_archived(
        s.state.clone(),
        auth,
        path,
        web::Query(ExportFormat {
            format: query.into_inner().format,
            lang: Some(s.lang.tag().into()),
        }),
    )
    .await
    .or_page(&s)
}

/// A report built now: its page, or (with `format`) its download, in the page's language.
async fn report_now(
    s: Session,
    path: web::Path<String>,
    query: web::Query<FormatQuery>,
) -> Result<HttpResponse, PageError> {
    let auth = s.account_as(REGULATORS)?;
    let query = query.into_inner();
    let asked = ReportQuery {
        region: query.region.clone().filter(|r| !r.is_empty()),
        date: query.day(&s)?,
        format: query.format.clone(),
        lang: Some(s.lang.tag().into()),
    };
    // The region asked for, kept by the page's downloads and its other report.
    let in_region = asked.region.as_deref().map_or_else(String::new, |r| {
        format!("&region={}", super::frame::encode(r))
    });
    if query.format.is_some() {
        return reports::report(s.state.clone(), auth, path, web::Query(asked))
            .await
            .or_page(&s);
    }
    let kind = path.into_inner();
    let report = reports::report_for(&s.state, &auth, &kind, &asked, Words(s.lang))
        .await
        .or_page(&s)?;
    let frame = s.frame();
    let analysis = report.kind == ReportKind::Analysis;
    let words = ChartWords {
        too_little: s.lang.s("too-little-data-for-a-trend"),
        nothing: s.lang.s("no-complaint-this-month"),
    };
    let shown = report
        .tables
        .iter()
        .enumerate()
        .map(|(n, t)| ShownTable {
            title: t.title.clone(),
            headers: t.headers.clone(),
            rows: t
                .rows
                .iter()
                .map(|row| row.iter().map(|c| shown_cell(&frame, c)).collect())
                .collect(),
            // The analysis's three concentration tables: their month's counts as bars.
            chart: (analysis && n < 3 && !t.rows.is_empty()).then(|| {
                let bars: Vec<(String, i64)> = (t.rows.iter())
                    .filter_map(|row| match (row.first(), row.get(1)) {
                        (
                            Some(crate::tables::Cell::Text(name)),
                            Some(crate::tables::Cell::Int(n)),
                        ) => Some((name.clone(), *n)),
                        _ => None,
                    })
                    .filter(|(_, n)| *n > 0)
                    .collect();
                super::charts::bar_chart(&t.title, &bars, s.lang.s("others"), &words)
            }),
        })
        .collect();
    let date = report.period.from;
    // The monthly close and the month's analysis link each other.
    let see_also = match report.kind {
        ReportKind::Monthly => Some(("analysis", "the-months-analysis")),
        ReportKind::Analysis => Some(("monthly", "the-months-close")),
        _ => None,
    }
    .map(|(other, label)| {
        (
            format!("/reports/now/{other}?date={date}{in_region}"),
            s.lang.s(label).to_string(),
        )
    });
    let page = ReportPage {
        period: format!("{} – {}", report.period.from, report.period.to),
        xlsx: format!("/reports/now/{kind}?format=xlsx&date={date}{in_region}"),
        csv: format!("/reports/now/{kind}?format=csv&date={date}{in_region}"),
        f: frame.titled_as(labels::of(s.lang, report.kind)),
        tables: shown,
        see_also,
    };
    html(StatusCode::OK, page.render()).or_page(&s)
}

/// A table of a report as a page shows it.
struct ShownTable {
    title: String,
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
    /// A chart of it drawn by this server (SVG markup), if it has one.
    chart: Option<String>,
}

/// A cell as a page shows it, in its language.
fn shown_cell(frame: &Frame, cell: &crate::tables::Cell) -> String {
    use crate::tables::Cell as C;
    match cell {
        C::Text(text) => text.clone(),
        C::Int(n) => n.to_string(),
        C::Yuan(fen) => frame.yuan(fen),
        C::Rate(rate) => frame.percent(rate),
        C::Number(n) => n.map_or_else(|| "—".into(), |n| format!("{n:.2}")),
    }
}

#[derive(Template)]
#[template(path = "portal/report.html")]
struct ReportPage {
    f: Frame,
    period: String,
    xlsx: String,
    csv: String,
    tables: Vec<ShownTable>,
    /// The other report of the same month (the close and the analysis), with its name.
    see_also: Option<(String, String)>,
}

async fn metrics_export(
    s: Session,
    query: web::Query<FormatQuery>,
) -> Result<HttpResponse, PageError> {
    let auth = s.account_as(REGULATORS)?;
    metrics::export_metrics(
        s.state.clone(),
        auth,
        web::Query(MetricsQuery::default()),
        web::Query(ExportFormat {
            format: query.into_inner().format,
            lang: Some(s.lang.tag().into()),
        }),
    )
    .await
    .or_page(&s)
}

async fn publications_page(s: Session, error: Option<ApiError>) -> Result<HttpResponse, PageError> {
    let auth = s.account_as(REGULATORS)?;
    let items = publications::list_drafts_for(&s.state, &auth)
        .await
        .or_page(&s)?;
    let mut list = Listing::new(
        s.frame_after(error.as_ref()),
        "publications",
        &["title", "kind", "status", "created-2", "actions"],
    );
    list.intro = Some(list.s("draft-a-case-summary-from-a"));
    // A case summary is drafted from one of the region's concluded disputes, chosen by its case
    // number, business and outcome.
    let concluded = handlers::list_for(
        &s.state,
        &auth,
        &DisputeQuery {
            status: Some("resolved,withdrawn,escalated,rejected".into()),
            sort: Some("filed".into()),
            limit: Some("100".into()),
            ..DisputeQuery::default()
        },
    )
    .await
    .or_page(&s)?;
    let choices: Vec<(String, String)> = concluded
        .items
        .into_iter()
        .map(|d| {
            let label = format!(
                "{} · {} · {}",
                d.case_number,
                d.business_name,
                labels::of(list.frame.l, d.status)
            );
            (d.id, label)
        })
        .collect();
    if !choices.is_empty() {
        list.forms.push(
            list.form(
                "/publications",
                "draft-a-case-summary-from-a-dispute",
                "secondary",
            )
            .hidden("kind", PublicationKind::CaseSummary.as_str())
            .choice("dispute_id", list.s("concluded-dispute"), choices),
        );
    }
    list.forms.push(
        list.form("/publications", "draft-a-consumer-alert", "secondary")
            .hidden("kind", PublicationKind::ConsumerAlert.as_str())
            .field("title", list.s("title"), true)
            .field("body", list.s("text"), true),
    );
    for p in items {
        let draft = p.status == PublicationStatus::Draft;
        let forms = if draft {
            vec![
                list.form(
                    format!("/publications/{}/publish", encode(&p.id)),
                    "publish",
                    "",
                ),
                list.form(
                    format!("/publications/{}/delete", encode(&p.id)),
                    "delete",
                    "danger",
                ),
            ]
        } else {
            Vec::new()
        };
        let kind = labels::of(list.frame.l, p.kind);
        let excerpt = p.body.chars().take(120).collect::<String>();
        list.rows.push(Row {
            cells: vec![
                Cell::link(p.title, format!("/publications/{}", encode(&p.id))).with_note(excerpt),
                Cell::text(kind),
                Cell::badge(
                    labels::of(list.frame.l, p.status),
                    if p.status == PublicationStatus::Published {
                        "ok"
                    } else {
                        ""
                    },
                ),
                Cell::text(list.frame.date(&p.created_at)),
            ],
            forms,
        });
    }
    list.render(&s, error.as_ref().map_or(StatusCode::OK, status_of))
}

/// A new publication.
#[derive(Debug, Deserialize)]
pub struct PublicationForm {
    csrf: String,
    kind: String,
    dispute_id: Option<String>,
    title: Option<String>,
    body: Option<String>,
}

async fn create_publication(
    s: Session,
    form: web::Form<Sent<PublicationForm>>,
) -> Result<HttpResponse, PageError> {
    let (s, form) = s.sent(form);
    s.check_form(&form.csrf)?;
    let auth = s.account_as(REGULATORS)?;
    let some = |v: Option<String>| v.map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
    let request = CreatePublication {
        kind: form.kind,
        dispute_id: some(form.dispute_id),
        title: some(form.title),
        body: some(form.body),
    };
    let outcome = publications::create_for(&s.state, &auth, request)
        .await
        .map(|_| ());
    after(s, outcome, "/publications", publications_page).await
}

#[derive(Template)]
#[template(path = "portal/publication.html")]
struct PublicationPage {
    f: Frame,
    p: crate::http::publications::PublicationDto,
    /// What was typed, shown again after a refusal.
    title: String,
    body: String,
    errors: super::frame::Fields,
}

/// One publication: a draft to edit, publish or delete, or a published text to read.
async fn publication_page(
    s: Session,
    id: String,
    error: Option<ApiError>,
    typed: Option<(String, String)>,
) -> Result<HttpResponse, PageError> {
    let auth = s.account_as(REGULATORS)?;
    let p = publications::preview_for(&s.state, &auth, id)
        .await
        .or_page(&s)?;
    let (title, body) = typed.unwrap_or_else(|| (p.title.clone(), p.body.clone()));
    let errors = error
        .as_ref()
        .map(|e| super::frame::Fields::of(s.lang, e))
        .unwrap_or_default();
    let status = error.as_ref().map_or(StatusCode::OK, status_of);
    let mut frame = s.frame_after(error.as_ref()).titled("publication");
    if s.request().query_string().contains("done=1") {
        frame = frame.with_notice("ok", s.lang.s("saved"));
    }
    let page = PublicationPage {
        f: frame,
        p,
        title,
        body,
        errors,
    };
    html(status, page.render()).or_page(&s)
}

/// A draft's new text.
#[derive(Debug, Deserialize)]
pub struct PublicationText {
    csrf: String,
    title: String,
    body: String,
}

async fn save_publication(
    s: Session,
    path: web::Path<String>,
    form: web::Form<PublicationText>,
) -> Result<HttpResponse, PageError> {
    s.check_form(&form.csrf)?;
    let auth = s.account_as(REGULATORS)?;
    let id = path.into_inner();
    let form = form.into_inner();
    let edit = crate::http::publications::EditPublication {
        title: Some(form.title.clone()),
        body: Some(form.body.clone()),
    };
    match publications::edit_for(&s.state, &auth, id.clone(), edit).await {
        Ok(_) => Ok(super::frame::see_other(&format!(
            "/publications/{}?done=1",
            encode(&id)
        ))),
        Err(error) if !error.status().is_server_error() => {
            publication_page(s, id, Some(error), Some((form.title, form.body))).await
        }
        Err(error) => Err(s.fail(error)),
    }
}

async fn delete_publication(
    s: Session,
    path: web::Path<String>,
    form: web::Form<TokenOnly>,
) -> Result<HttpResponse, PageError> {
    on_draft(s, path, form, DraftStep::Delete).await
}

/// What a one-button form does to a draft.
enum DraftStep {
    Publish,
    Delete,
}

async fn on_draft(
    s: Session,
    path: web::Path<String>,
    form: web::Form<TokenOnly>,
    step: DraftStep,
) -> Result<HttpResponse, PageError> {
    s.check_form(&form.csrf)?;
    let auth = s.account_as(REGULATORS)?;
    let id = path.into_inner();
    let outcome = match step {
        DraftStep::Publish => publications::publish_for(&s.state, &auth, id)
            .await
            .map(|_| ()),
        DraftStep::Delete => publications::delete_for(&s.state, &auth, id).await,
    };
    after(s, outcome, "/publications", publications_page).await
}

/// A form with only its token.
#[derive(Debug, Deserialize)]
pub struct TokenOnly {
    csrf: String,
}

async fn publish(
    s: Session,
    path: web::Path<String>,
    form: web::Form<TokenOnly>,
) -> Result<HttpResponse, PageError> {
    on_draft(s, path, form, DraftStep::Publish).await
}

/// Paging of the audit log.
#[derive(Debug, Deserialize)]
pub struct CursorQuery {
    cursor: Option<String>,
}

async fn audit_log(s: Session, query: web::Query<CursorQuery>) -> Result<HttpResponse, PageError> {
    let auth = s.account_as(AUDITORS)?;
    let asked = AuditQuery {
        limit: Some(100),
        cursor: query.into_inner().cursor,
    };
    let page = audit::list_for(&s.state, &auth, asked).await.or_page(&s)?;
    let mut list = Listing::new(
        s.frame(),
        "audit-log",
        &["no", "time", "actor", "action", "object"],
    );
    list.intro = Some(list.s("every-significant-action-in-order"));
    list.links
        .push(("/audit/export".into(), list.s("export-csv")));
    // Objects and actors by what people call them (the export keeps the ids).
    let objects: Vec<(String, String)> = page
        .items
        .iter()
        .flat_map(|e| {
            let actor = e.actor_id.clone().map(|id| ("user".to_string(), id));
            std::iter::once((e.object_type.clone(), e.object_id.clone())).chain(actor)
        })
        .collect();
    let names = s
        .state
        .db
        .read(Some(&auth.user.id), move |conn| {
            crate::store::audit::object_names(conn, &objects)
        })
        .await
        .map_err(ApiError::from)
        .or_page(&s)?;
    let name = |kind: &str, id: &str| {
        names
            .get(&(kind.to_string(), id.to_string()))
            .cloned()
            .unwrap_or_default()
    };
    for entry in page.items {
        let actor = entry
            .actor_id
            .as_deref()
            .map(|id| name("user", id))
            .unwrap_or_default();
        let object = name(&entry.object_type, &entry.object_id);
        let kind = labels::audit_object(s.lang, &entry.object_type).to_string();
        let object_cell = match entry.object_type.as_str() {
            _ if object.is_empty() => Cell::text(kind),
            "dispute" => Cell::link(object, format!("/disputes/{}", encode(&entry.object_id)))
                .with_note(kind),
            _ => Cell::text(object).with_note(kind),
        };
        list.rows.push(Row {
            cells: vec![
                Cell::text(entry.seq.to_string()),
                Cell::text(list.frame.time(&entry.at)),
                match actor.is_empty() {
                    true => Cell::text(labels::audit_actor(s.lang, &entry.actor_role)),
                    false => {
                        Cell::text(labels::audit_actor(s.lang, &entry.actor_role)).with_note(actor)
                    }
                },
                Cell::text(labels::audit_action(s.lang, &entry.action)),
                object_cell,
            ],
            forms: Vec::new(),
        });
    }
    list.next = page
        .next_cursor
        .map(|c| format!("/audit?cursor={}", encode(&c)));
    list.render(&s, StatusCode::OK)
}

async fn audit_export(s: Session) -> Result<HttpResponse, PageError> {
    let auth = s.account_as(AUDITORS)?;
    audit::export(s.state.clone(), auth).await.or_page(&s)
}
