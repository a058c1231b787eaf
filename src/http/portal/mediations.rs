//! Mediation in the portal (docs/mediation.md): the mediator's list and each mediation's page
//! with its forms (write to the parties, schedule and record sessions, record the outcome),
//! the parties' steps on a mediated agreement, the dispute page's mediation forms (ask for
//! mediation, refer), and the regulators' mediators page (enrol).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::{NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use serde::Deserialize;

use super::disputes::{Typed, back_to_dispute};
use super::frame::{Frame, html};
use super::labels;
use super::session::{OrPage, PageError, Sent, Session, after, status_of};
use super::table::{Cell, Listing, Row, RowForm, mark_refused};
use crate::disputes::view::TimelineDto;
use crate::domain::claim::Remedy;
use crate::domain::dispute::{Actor, TimelineKind};
use crate::domain::mediation::{
    MediationOutcome, MediationState, MediatorKind, SessionMode, SessionOutcome,
};
use crate::domain::money::parse_yuan;
use crate::domain::role::Role;
use crate::error::{ApiError, FieldErrors};
use crate::http::accounts::AccountFields;
use crate::http::mediations::{
    self as api, AgreementRequest, EnrolRequest, MediationDetailDto, OutcomeRequest, RecordRequest,
    ReferRequest, SessionRequest,
};

/// Registers the routes of this module.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/mediations").route(web::get().to(list_page)))
        .service(web::resource("/mediations/{id}").route(web::get().to(mediation_page)))
        .service(web::resource("/mediations/{id}/message").route(web::post().to(write)))
        .service(web::resource("/mediations/{id}/session").route(web::post().to(schedule)))
        .service(web::resource("/mediations/{id}/record").route(web::post().to(record)))
        .service(web::resource("/mediations/{id}/agree").route(web::post().to(agree)))
        .service(web::resource("/mediations/{id}/fail").route(web::post().to(fail)))
        .service(web::resource("/mediations/{id}/fulfilment").route(web::post().to(fulfil)))
        .service(web::resource("/mediations/{id}/withdrawal").route(web::post().to(withdraw)))
        .service(
            web::resource("/mediators")
                .route(web::get().to(mediators_page))
                .route(web::post().to(enrol)),
        )
        .service(web::resource("/disputes/{id}/mediation-request").route(web::post().to(ask)))
        .service(web::resource("/disputes/{id}/refer").route(web::post().to(refer)));
}

/// The mediator's mediations, or a regulator's region's: the running ones first.
async fn list_page(s: Session) -> Result<HttpResponse, PageError> {
    let auth = s.account_as(&[Role::Mediator, Role::Regulator])?;
    let items = api::list_for(&s.state, &auth, None).await.or_page(&s)?;
    let mut list = Listing::new(
        s.frame(),
        "nav-mediations",
        &[
            "case",
            "mediator",
            "state",
            "referred-on",
            "mediation-due-by",
        ],
    );
    list.intro = Some(list.s(if auth.role() == Role::Mediator {
        "the-disputes-referred-to-you"
    } else {
        "the-mediations-of-your-region"
    }));
    list.empty = list.s("no-mediation-yet");
    if auth.role() == Role::Regulator {
        list.links
            .push(("/mediators".into(), list.s("nav-mediators")));
        list.extra = Some(figures_markup(&s, &auth, &list.frame).await?);
    }
    for m in items {
        let f = &list.frame;
        let state = m.state;
        let style = match state {
            MediationState::Agreed => "ok",
            MediationState::Failed => "bad",
            _ => "warn",
        };
        let due = if state.is_open() {
            let style = if m.due_at < f.now { "bad" } else { "" };
            Cell::badge(f.countdown(&m.due_at), style).with_note(f.time(&m.due_at))
        } else {
            Cell::text(m.concluded_at.map_or_else(String::new, |at| f.date(&at)))
        };
        list.rows.push(Row {
            cells: vec![
                Cell::link(m.case_number.clone(), format!("/mediations/{}", m.id)),
                Cell::text(m.mediator_name.clone()).with_note(m.organisation.clone()),
                Cell::badge(labels::of(f.l, state), style),
                Cell::text(f.time(&m.referred_at)),
                due,
            ],
            forms: Vec::new(),
        });
    }
    list.render(&s, StatusCode::OK)
}

#[derive(Template)]
#[template(path = "portal/mediation_figures.html")]
struct FiguresPart {
    title: String,
    explain: String,
    headers: Vec<String>,
    /// Per period: its name and rows (organisation, then the figures; the total last).
    tables: Vec<(String, Vec<Vec<String>>)>,
}

/// The region's mediation figures this month and this year, per mediator organisation and in
/// total (docs/mediation.md#figures), as markup for the list page.
async fn figures_markup(
    s: &Session,
    auth: &crate::http::auth::AuthUser,
    f: &Frame,
) -> Result<String, PageError> {
    use chrono::Datelike;
    let today = s.today();
    let month = today.with_day(1).unwrap_or(today);
    let year = today.with_ordinal(1).unwrap_or(today);
    let l = f.l;
    let mut tables = Vec::new();
    for (from, name) in [(month, "this-month"), (year, "this-year")] {
        let query = api::FiguresQuery {
            region: None,
            from: Some(from),
            to: Some(today),
        };
        let got = api::figures_for(&s.state, auth, query).await.or_page(s)?;
        let row = |name: String, x: &api::MediationFiguresDto| {
            vec![
                name,
                x.referred.to_string(),
                x.concluded.to_string(),
                x.agreed.to_string(),
                x.failed.to_string(),
                x.success_rate
                    .map_or_else(|| "—".into(), |r| format!("{:.1}%", r * 100.0)),
                x.mean_working_days
                    .map_or_else(|| "—".into(), |d| format!("{d:.1}")),
            ]
        };
        let mut rows: Vec<Vec<String>> = (got.organisations.iter())
            .map(|o| row(o.organisation.clone(), &o.figures))
            .collect();
        rows.push(row(l.s("total").to_string(), &got.total));
        tables.push((format!("{} {} – {}", l.s(name), got.from, got.to), rows));
    }
    let part = FiguresPart {
        title: l.s("mediation-figures").into(),
        explain: l.s("mediation-figures-explained").into(),
        headers: [
            "organisation",
            "referred",
            "concluded",
            "agreed",
            "failed",
            "success-rate",
            "mean-working-days",
        ]
        .iter()
        .map(|id| l.s(id).to_string())
        .collect(),
        tables,
    };
    part.render()
        .map_err(|e| ApiError::internal(e.to_string()))
        .or_page(s)
}

#[derive(Template)]
#[template(path = "portal/mediation.html")]
struct MediationPage {
    f: Frame,
    m: MediationDetailDto,
    /// The mediator's forms, or a party's step on the agreement.
    forms: Vec<RowForm>,
    /// The timeline entries of the mediation, newest last, in words.
    entries: Vec<(String, String, String)>,
}

async fn mediation_page(s: Session, path: web::Path<String>) -> Result<HttpResponse, PageError> {
    render_mediation(s, path.into_inner(), None).await
}

/// Mediation `id`'s page, with the reason `error` when a form on it was refused.
async fn render_mediation(
    s: Session,
    id: String,
    error: Option<ApiError>,
) -> Result<HttpResponse, PageError> {
    let auth = s.account()?;
    let m = api::get_for(&s.state, &auth, id.clone())
        .await
        .or_page(&s)?;
    let mut f = s.frame_after(error.as_ref());
    f.title = format!("{} {}", s.lang.s("mediation"), m.mediation.case_number);
    let forms = forms_of(&f, &m, &id);
    let entries = entries_of(&f, &m.case_file.timeline);
    let mut page = MediationPage {
        f,
        m,
        forms,
        entries,
    };
    mark_refused(page.forms.iter_mut(), &s.refused, &mut page.f);
    let status = error.as_ref().map_or(StatusCode::OK, status_of);
    html(status, page.render()).or_page(&s)
}

/// A form on the mediation page.
fn form(f: &Frame, action: String, button: &'static str, style: &'static str) -> RowForm {
    RowForm {
        action,
        button: f.s(button).to_string(),
        hidden: Vec::new(),
        inputs: Vec::new(),
        get: false,
        style,
        title: None,
        labelled: false,
    }
}

/// The forms the viewer may use on mediation `m` (`id`).
fn forms_of(f: &Frame, m: &MediationDetailDto, id: &str) -> Vec<RowForm> {
    let at = |what: &str| format!("/mediations/{}/{what}", super::frame::encode(id));
    let mut forms = Vec::new();
    if m.may_mediate {
        forms.push(
            form(f, at("message"), "send-to-both-parties", "secondary")
                .titled(f.s("write-to-both-parties"))
                .field("message", f.s("message-to-both-parties").into(), true)
                .of_kind("textarea"),
        );
        let modes = (SessionMode::ALL.iter())
            .map(|m| (m.as_str().to_string(), labels::of(f.l, *m).to_string()))
            .collect();
        forms.push(
            form(f, at("session"), "schedule-the-session", "secondary")
                .titled(f.s("schedule-the-session"))
                .choice("mode", f.s("session-mode").into(), modes)
                .field("place", f.s("session-place").into(), true)
                .field("starts_at", f.s("session-time").into(), true)
                .of_kind("datetime-local"),
        );
        for session in &m.mediation.sessions {
            if session.recorded_at.is_some() || session.starts_at > f.now {
                continue;
            }
            let outcomes = (SessionOutcome::ALL.iter())
                .map(|o| (o.as_str().to_string(), labels::of(f.l, *o).to_string()))
                .collect();
            let which = format!(
                "{} · {} · {}",
                f.time(&session.starts_at),
                labels::of(f.l, session.mode),
                session.place
            );
            forms.push(
                form(f, at("record"), "record-the-session", "secondary")
                    .titled(format!(
                        "{}{}{which}",
                        f.s("record-the-session"),
                        f.s("colon")
                    ))
                    .hidden("seq", session.seq.to_string())
                    .choice("outcome", f.s("what-happened").into(), outcomes)
                    .field("record", f.s("session-record").into(), true)
                    .of_kind("textarea"),
            );
        }
        let remedies = (Remedy::ALL.iter())
            .map(|r| (r.as_str().to_string(), labels::of(f.l, *r).to_string()))
            .collect();
        forms.push(
            form(f, at("agree"), "record-the-agreement", "")
                .titled(f.s("the-mediated-agreement"))
                .choice("remedy", f.s("remedy").into(), remedies)
                .field("amount", f.s("amount-yuan").into(), true)
                .field("terms", f.s("agreement-terms").into(), true)
                .of_kind("textarea")
                .field("fulfil_by", f.s("carry-out-by").into(), true)
                .of_kind("date"),
        );
        forms.push(
            form(f, at("fail"), "record-no-agreement", "danger")
                .titled(f.s("record-no-agreement"))
                .field("reason", f.s("why-no-agreement").into(), true)
                .of_kind("textarea"),
        );
    }
    if m.may_withdraw {
        forms.push(
            form(f, at("withdrawal"), "withdraw-the-referral", "danger")
                .titled(f.s("withdraw-the-referral"))
                .field("reason", f.s("why-withdraw-the-referral").into(), true)
                .of_kind("textarea"),
        );
    }
    if m.may_mark_fulfilled {
        forms.push(form(
            f,
            at("fulfilment"),
            "mark-the-agreement-carried-out",
            "",
        ));
    }
    if m.may_confirm {
        forms.push(form(
            f,
            at("fulfilment"),
            "confirm-the-agreement-carried-out",
            "",
        ));
    }
    forms
}

/// The mediation's entries of `timeline` in words: (time, what, detail).
fn entries_of(f: &Frame, timeline: &[TimelineDto]) -> Vec<(String, String, String)> {
    use TimelineKind as K;
    timeline
        .iter()
        .filter(|t| {
            matches!(
                t.kind,
                K::MediationRequested
                    | K::MediationRequestWithdrawn
                    | K::MediationReferred
                    | K::MediatorMessage
                    | K::SessionScheduled
                    | K::SessionRecorded
                    | K::MediationAgreed
                    | K::MediationFailed
                    | K::MediationFulfilled
                    | K::MediationConfirmed
            )
        })
        .map(|t| {
            let text = |key: &str| t.detail[key].as_str().unwrap_or_default().to_string();
            let detail = match t.kind {
                K::MediatorMessage => text("message"),
                K::SessionScheduled => {
                    let mode = SessionMode::parse(&text("mode")).map_or("", |m| labels::of(f.l, m));
                    let at = t.detail["starts_at"]
                        .as_str()
                        .and_then(|s| s.parse().ok())
                        .map_or_else(String::new, |at| f.time(&at));
                    format!("{at} · {mode} · {}", text("place"))
                }
                K::SessionRecorded => SessionOutcome::parse(&text("outcome"))
                    .map_or_else(String::new, |o| labels::of(f.l, o).to_string()),
                K::MediationReferred => format!("{}（{}）", text("mediator"), text("organisation")),
                K::MediationFailed => text("reason"),
                K::MediationAgreed => text("terms"),
                _ => String::new(),
            };
            (
                f.time(&t.at),
                labels::of(f.l, t.kind).to_string(),
                format!("{} · {detail}", labels::of(f.l, t.actor_role))
                    .trim_end_matches(" · ")
                    .to_string(),
            )
        })
        .collect()
}

impl MediationPage {
    fn mediator(&self) -> bool {
        self.m.case_file.your_role == Actor::Mediator
    }

    fn agreed(&self) -> bool {
        self.m.mediation.state == MediationState::Agreed
    }

    /// The name of the mediation agreement (调解协议书).
    fn agreement_document(&self) -> &'static str {
        labels::of(
            self.f.l,
            crate::domain::document::DocumentKind::MediationAgreement,
        )
    }
}

/// After a form on mediation `id`: back to its page, or the page with the refusal.
async fn back(
    s: Session,
    id: String,
    outcome: Result<(), ApiError>,
) -> Result<HttpResponse, PageError> {
    let page = format!("/mediations/{}", super::frame::encode(&id));
    after(s, outcome, &page, move |s, error| {
        render_mediation(s, id, error)
    })
    .await
}

/// A message to both parties.
#[derive(Debug, Deserialize)]
pub struct MessageForm {
    csrf: String,
    message: String,
}

async fn write(
    s: Session,
    path: web::Path<String>,
    form: web::Form<Sent<MessageForm>>,
) -> Result<HttpResponse, PageError> {
    let (s, form) = s.sent(form);
    s.check_form(&form.csrf)?;
    let auth = s.account_as(&[Role::Mediator])?;
    let id = path.into_inner();
    let outcome = api::write_for(&s.state, &auth, id.clone(), form.message).await;
    back(s, id, outcome).await
}

/// A session to schedule: the moment as typed in Shanghai time (`2026-12-01T14:30`).
#[derive(Debug, Deserialize)]
pub struct SessionForm {
    csrf: String,
    mode: String,
    place: String,
    starts_at: String,
}

/// The moment a `datetime-local` field names in Shanghai.
fn local_moment(text: &str) -> Option<chrono::DateTime<Utc>> {
    let local = NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%dT%H:%M").ok()?;
    Shanghai
        .from_local_datetime(&local)
        .earliest()
        .map(|at| at.with_timezone(&Utc))
}

async fn schedule(
    s: Session,
    path: web::Path<String>,
    form: web::Form<Sent<SessionForm>>,
) -> Result<HttpResponse, PageError> {
    let (s, form) = s.sent(form);
    s.check_form(&form.csrf)?;
    let auth = s.account_as(&[Role::Mediator])?;
    let id = path.into_inner();
    let mut errors = FieldErrors::default();
    let mode = SessionMode::parse(&form.mode);
    if mode.is_none() {
        errors.add("mode", "unknown_value", "choose online or in person");
    }
    let starts_at = local_moment(&form.starts_at);
    if starts_at.is_none() {
        errors.add(
            "starts_at",
            "invalid_time",
            "a day and time such as 2026-12-01 14:30",
        );
    }
    let outcome = match (mode, starts_at, errors.finish()) {
        (Some(mode), Some(starts_at), Ok(())) => {
            let request = SessionRequest {
                mode,
                place: form.place,
                starts_at,
            };
            api::schedule_for(&s.state, &auth, id.clone(), request)
                .await
                .map(|_| ())
        }
        (.., Err(error)) => Err(error),
        _ => Err(ApiError::internal("checked above")),
    };
    back(s, id, outcome).await
}

/// A session's record.
#[derive(Debug, Deserialize)]
pub struct RecordForm {
    csrf: String,
    seq: String,
    outcome: String,
    record: String,
}

async fn record(
    s: Session,
    path: web::Path<String>,
    form: web::Form<Sent<RecordForm>>,
) -> Result<HttpResponse, PageError> {
    let (s, form) = s.sent(form);
    s.check_form(&form.csrf)?;
    let auth = s.account_as(&[Role::Mediator])?;
    let id = path.into_inner();
    let outcome = match (
        form.seq.trim().parse::<i64>().ok(),
        SessionOutcome::parse(&form.outcome),
    ) {
        (Some(seq), Some(outcome)) => {
            let request = RecordRequest {
                outcome,
                record: form.record,
            };
            api::record_for(&s.state, &auth, id.clone(), seq, request)
                .await
                .map(|_| ())
        }
        _ => Err(ApiError::invalid_field(
            "outcome",
            "unknown_value",
            "choose what happened",
        )),
    };
    back(s, id, outcome).await
}

/// An agreement as typed: the amount in yuan, the day as `2026-12-08`.
#[derive(Debug, Deserialize)]
pub struct AgreeForm {
    csrf: String,
    remedy: String,
    amount: String,
    terms: String,
    fulfil_by: String,
}

impl AgreeForm {
    /// The outcome the form records, or every failing field.
    fn request(self) -> Result<OutcomeRequest, ApiError> {
        let mut errors = FieldErrors::default();
        let remedy = Remedy::parse(&self.remedy);
        if remedy.is_none() {
            errors.add("remedy", "unknown_value", "choose the remedy");
        }
        let amount_fen = parse_yuan(&self.amount);
        if amount_fen.is_none() {
            errors.add(
                "amount",
                "amount_in_yuan",
                "an amount in yuan with at most two decimals, such as 2000 or 2000.50",
            );
        }
        let (min, max) = crate::disputes::mediation::TERMS_CHARS;
        errors.check(
            "terms",
            "invalid_length",
            crate::domain::text::BoundedText::parse(&self.terms, min, max),
        );
        let fulfil_by = NaiveDate::parse_from_str(self.fulfil_by.trim(), "%Y-%m-%d").ok();
        if fulfil_by.is_none() {
            errors.add("fulfil_by", "invalid_date", "a date such as 2026-12-08");
        }
        errors.finish()?;
        match (remedy, amount_fen, fulfil_by) {
            (Some(remedy), Some(amount_fen), Some(fulfil_by)) => Ok(OutcomeRequest {
                outcome: MediationOutcome::Agreed,
                agreement: Some(AgreementRequest {
                    remedy,
                    amount_fen,
                    terms: self.terms,
                    fulfil_by,
                }),
                reason: None,
            }),
            _ => Err(ApiError::internal("checked above")),
        }
    }
}

async fn agree(
    s: Session,
    path: web::Path<String>,
    form: web::Form<Sent<AgreeForm>>,
) -> Result<HttpResponse, PageError> {
    let (s, form) = s.sent(form);
    s.check_form(&form.csrf)?;
    let auth = s.account_as(&[Role::Mediator])?;
    let id = path.into_inner();
    let outcome = match form.request() {
        Ok(request) => api::conclude_for(&s.state, &auth, id.clone(), request)
            .await
            .map(|_| ()),
        Err(error) => Err(error),
    };
    back(s, id, outcome).await
}

/// Why the mediation ended without agreement.
#[derive(Debug, Deserialize)]
pub struct FailForm {
    csrf: String,
    reason: String,
}

async fn fail(
    s: Session,
    path: web::Path<String>,
    form: web::Form<Sent<FailForm>>,
) -> Result<HttpResponse, PageError> {
    let (s, form) = s.sent(form);
    s.check_form(&form.csrf)?;
    let auth = s.account_as(&[Role::Mediator])?;
    let id = path.into_inner();
    let request = OutcomeRequest {
        outcome: MediationOutcome::Failed,
        agreement: None,
        reason: Some(form.reason),
    };
    let outcome = api::conclude_for(&s.state, &auth, id.clone(), request)
        .await
        .map(|_| ());
    back(s, id, outcome).await
}

/// Why a referral is withdrawn.
#[derive(Debug, Deserialize)]
pub struct WithdrawForm {
    csrf: String,
    reason: String,
}

async fn withdraw(
    s: Session,
    path: web::Path<String>,
    form: web::Form<Sent<WithdrawForm>>,
) -> Result<HttpResponse, PageError> {
    let (s, form) = s.sent(form);
    s.check_form(&form.csrf)?;
    let auth = s.account_as(&[Role::Regulator])?;
    let id = path.into_inner();
    let outcome = api::withdraw_for(&s.state, &auth, id.clone(), form.reason)
        .await
        .map(|_| ());
    back(s, id, outcome).await
}

/// A form with its token only.
#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

async fn fulfil(
    s: Session,
    path: web::Path<String>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    s.check_form(&form.csrf)?;
    let auth = s.account_as(&[Role::Consumer, Role::MerchantStaff])?;
    let id = path.into_inner();
    let outcome = api::fulfil_for(&s.state, &auth, id.clone())
        .await
        .map(|_| ());
    back(s, id, outcome).await
}

/// A party's request for mediation (`ask`: `yes`), or taking it back.
#[derive(Debug, Deserialize)]
pub struct AskForm {
    csrf: String,
    ask: String,
}

async fn ask(
    s: Session,
    path: web::Path<String>,
    form: web::Form<AskForm>,
) -> Result<HttpResponse, PageError> {
    s.check_form(&form.csrf)?;
    let auth = s.account_as(&[Role::Consumer, Role::MerchantStaff])?;
    let id = path.into_inner();
    let asking = form.ask == "yes";
    let outcome = api::request_for(&s.state, &auth, id.clone(), asking)
        .await
        .map(|_| ());
    let done = if asking {
        "mediation_asked"
    } else {
        "mediation_unasked"
    };
    back_to_dispute(s, id, outcome, done, Typed::of("ask")).await
}

/// A referral.
#[derive(Debug, Deserialize)]
pub struct ReferForm {
    csrf: String,
    mediator_id: String,
    note: Option<String>,
}

async fn refer(
    s: Session,
    path: web::Path<String>,
    form: web::Form<ReferForm>,
) -> Result<HttpResponse, PageError> {
    s.check_form(&form.csrf)?;
    let auth = s.account_as(&[Role::Regulator])?;
    let (id, form) = (path.into_inner(), form.into_inner());
    let typed = Typed::of("refer")
        .with("mediator_id", Some(&form.mediator_id))
        .with("note", form.note.as_deref());
    let request = ReferRequest {
        mediator_id: form.mediator_id,
        note: form.note.filter(|n| !n.trim().is_empty()),
    };
    let outcome = api::refer_for(&s.state, &auth, id.clone(), request)
        .await
        .map(|_| ());
    back_to_dispute(s, id, outcome, "mediation_referred", typed).await
}

/// The mediators a regulator sees, with the enrolment form.
async fn mediators_page(s: Session) -> Result<HttpResponse, PageError> {
    mediators_after(s, None).await
}

async fn mediators_after(s: Session, error: Option<ApiError>) -> Result<HttpResponse, PageError> {
    let auth = s.account_as(&[Role::Regulator])?;
    let mediators = api::mediators_for(&s.state, &auth).await.or_page(&s)?;
    let mut list = Listing::new(
        s.frame_after(error.as_ref()),
        "nav-mediators",
        &["name", "mediator-kind", "organisation", "region", "state"],
    );
    list.intro = Some(list.s("enrol-mediators-of-your-region"));
    list.empty = list.s("no-mediator-enrolled-here");
    let kinds = (MediatorKind::ALL.iter())
        .map(|k| {
            (
                k.as_str().to_string(),
                labels::of(list.frame.l, *k).to_string(),
            )
        })
        .collect();
    let own = auth
        .actor
        .region
        .as_ref()
        .map(|r| r.as_str().to_string())
        .unwrap_or_default();
    list.forms.push(
        list.form("/mediators", "enrol-and-invite", "secondary")
            .titled(list.s("enrol-a-mediator"))
            .field("display_name", list.s("name"), true)
            .field("email", list.s("email"), true)
            .choice("kind", list.s("mediator-kind"), kinds)
            .field("organisation", list.s("organisation"), true)
            .prefilled("region_code", list.s("region-code"), own),
    );
    let names = super::public::Names::load(&s).await?;
    for m in mediators {
        let state = if m.is_active {
            Cell::badge(list.s("active"), "ok")
        } else {
            Cell::badge(list.s("removed"), "bad")
        };
        list.rows.push(Row {
            cells: vec![
                Cell::text(m.display_name).with_note(m.email.unwrap_or_default()),
                Cell::text(labels::of(list.frame.l, m.kind)),
                Cell::text(m.organisation),
                Cell::text(
                    (m.region_code.as_deref())
                        .map(|code| names.region(&list.frame, code))
                        .unwrap_or_default(),
                ),
                state,
            ],
            forms: Vec::new(),
        });
    }
    list.render(&s, error.as_ref().map_or(StatusCode::OK, status_of))
}

/// The enrolment form.
#[derive(Debug, Deserialize)]
pub struct EnrolForm {
    csrf: String,
    display_name: String,
    email: String,
    kind: String,
    organisation: String,
    region_code: String,
}

async fn enrol(s: Session, form: web::Form<Sent<EnrolForm>>) -> Result<HttpResponse, PageError> {
    let (s, form) = s.sent(form);
    s.check_form(&form.csrf)?;
    let auth = s.account_as(&[Role::Regulator])?;
    let outcome = match MediatorKind::parse(&form.kind) {
        Some(kind) => {
            let request = EnrolRequest {
                account: AccountFields {
                    display_name: form.display_name,
                    email: Some(form.email),
                    phone: None,
                    language: Some(s.lang.tag().into()),
                },
                kind,
                organisation: form.organisation,
                region_code: form.region_code,
            };
            api::enrol_for(&s.state, &auth, request).await.map(|_| ())
        }
        None => Err(ApiError::invalid_field(
            "kind",
            "unknown_value",
            "choose the kind of mediator",
        )),
    };
    after(s, outcome, "/mediators", mediators_after).await
}
