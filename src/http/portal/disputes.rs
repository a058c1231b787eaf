//! Disputes in the portal: a consumer's list and filing form, a unit's inbox, and the page
//! of one dispute with the actions its viewer may take.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;

use super::frame::{Fields, Frame, html, see_other};
use super::labels;
use super::public::Names;
use super::session::{OrPage, PageError, Session, status_of};
use crate::disputes::view::{AvailableAction as Can, DisputeView, DueDto, OfferDto};
use crate::domain::claim::Remedy;
use crate::domain::dispute::{Actor, Party, Status, TimelineKind};
use crate::domain::document::DocumentKind;
use crate::domain::following::{FollowReason, VisitChannel};
use crate::domain::industry;
use crate::domain::money::parse_yuan;
use crate::domain::offer::OfferStatus;
use crate::domain::policy::DayCount;
use crate::domain::role::Role;
use crate::error::ApiError;
use crate::http::disputes::dto::{
    ActionRequest, DisputeListItem, DisputeQuery, FileDisputeRequest, ItemRequest,
};
use crate::http::disputes::{evidence, handlers};
use crate::http::following::FollowingDto;
use crate::http::public::{self, PublicUnit};
use crate::http::reply_templates::{self, ReplyTemplateDto, TemplateQuery};
use crate::security::limits::Action;

/// Registers the routes of this module.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/my/disputes").route(web::get().to(my_disputes)))
        .service(web::resource("/inbox").route(web::get().to(inbox)))
        .service(web::resource("/inbox/export").route(web::get().to(inbox_export)))
        .service(
            web::resource("/file")
                .route(web::get().to(filing_form))
                .route(web::post().to(file)),
        )
        .service(web::resource("/disputes/{id}").route(web::get().to(dispute_page)))
        .service(web::resource("/disputes/{id}/act").route(web::post().to(act)))
        .service(web::resource("/disputes/{id}/contact").route(web::post().to(unmask)))
        .service(web::resource("/disputes/{id}/evidence").route(web::post().to(upload)))
        .service(
            web::resource("/disputes/{id}/evidence/{evidence_id}").route(web::get().to(download)),
        )
        .service(web::resource("/disputes/{id}/documents/{kind}").route(web::get().to(document)));
}

/// A document of the dispute as a PDF, in the page's language (docs/documents.md).
async fn document(
    s: Session,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, PageError> {
    let auth = s.account()?;
    let (id, kind) = path.into_inner();
    let kind = crate::documents::kind_named(&kind).or_page(&s)?;
    crate::http::documents::issue(&s.state, &auth, id, kind, s.lang)
        .await
        .map(crate::http::documents::pdf_response)
        .or_page(&s)
}

#[derive(Template)]
#[template(path = "portal/disputes.html")]
struct ListPage {
    f: Frame,
    items: Vec<DisputeListItem>,
    query: DisputeQuery,
    next: Option<String>,
    consumer: bool,
    /// A regulator, association or admin: the list names the business too.
    overseer: bool,
    statuses: Vec<(&'static str, &'static str)>,
    /// For an overseer: the regions just inside theirs to narrow the list to (code, name).
    regions: Vec<(String, String)>,
    /// For an overseer: the industries (code, name).
    industries: Vec<(String, String)>,
    /// The business the list is narrowed to, by its name, when it is one.
    business_filter: Option<String>,
}

impl ListPage {
    /// The due date that matters now: first contact while it is awaited, else settlement.
    fn due<'a>(&self, item: &'a DisputeListItem) -> Option<&'a chrono::DateTime<chrono::Utc>> {
        match item.status.as_str() {
            "filed" => Some(&item.first_contact_due_at),
            "negotiating" | "paused" => Some(&item.settlement_due_at),
            _ => None,
        }
    }

    fn selected(&self, field: &Option<String>, value: &str) -> bool {
        field.as_deref() == Some(value)
    }

    /// The filters in force, as query parameters.
    fn filters(&self) -> Vec<String> {
        [
            ("status", &self.query.status),
            ("flag", &self.query.flag),
            ("sort", &self.query.sort),
            ("business", &self.query.business),
            ("region", &self.query.region),
            ("industry", &self.query.industry),
        ]
        .into_iter()
        .filter_map(|(name, value)| {
            value
                .as_deref()
                .filter(|v| !v.is_empty())
                .map(|v| format!("{name}={}", super::frame::encode(v)))
        })
        .collect()
    }

    /// The address of the next page with the same filters.
    fn next_href(&self, cursor: &str) -> String {
        let mut parts = vec![format!("cursor={}", super::frame::encode(cursor))];
        parts.extend(self.filters());
        format!(
            "{}?{}",
            self.f.path.split('?').next().unwrap_or_default(),
            parts.join("&")
        )
    }

    /// The Excel export of what the list shows.
    fn export_href(&self) -> String {
        format!("/inbox/export?{}", self.filters().join("&"))
    }

    /// The business the list is narrowed to, by its id (empty when none).
    fn business_id(&self) -> &str {
        self.query.business.as_deref().unwrap_or_default()
    }

    /// This list narrowed to one business's disputes, or with every business again (`""`).
    fn business_href(&self, business_id: &str) -> String {
        let narrowed = (!business_id.is_empty())
            .then(|| format!("business={}", super::frame::encode(business_id)));
        let parts: Vec<String> = (narrowed.into_iter())
            .chain((self.filters().into_iter()).filter(|f| !f.starts_with("business=")))
            .collect();
        format!("?{}", parts.join("&"))
    }
}

/// Empty filter fields of a GET form mean "any"; without a status chosen the list shows what
/// the API shows (docs/api.md#lists: the open disputes by due date, all of them newest
/// first), and a consumer all their own.
fn cleaned(mut query: DisputeQuery, consumer: bool) -> DisputeQuery {
    for field in [
        &mut query.status,
        &mut query.flag,
        &mut query.sort,
        &mut query.cursor,
        &mut query.business,
        &mut query.region,
        &mut query.industry,
    ] {
        if field.as_deref().is_some_and(str::is_empty) {
            *field = None;
        }
    }
    let every = consumer || query.sort.as_deref() == Some("filed");
    query
        .status
        .get_or_insert_with(|| if every { "all" } else { "open" }.into());
    query
}

async fn list_page(
    s: Session,
    query: DisputeQuery,
    title: &'static str,
) -> Result<HttpResponse, PageError> {
    let auth = s.account()?;
    let consumer = auth.role() == Role::Consumer;
    let query = cleaned(query, consumer);
    let l = s.lang;
    let overseer = !consumer && auth.role() != Role::MerchantStaff;
    // An overseer's list offers the region's names: read beside the list.
    let listed = handlers::list_for(&s.state, &auth, &query);
    let (page, names) = if overseer {
        let (page, names) = Names::beside(&s, listed).await?;
        (page, Some(names))
    } else {
        (listed.await.or_page(&s)?, None)
    };
    // A regulator's list is the region's, and says so.
    let title = if auth.role() == Role::Regulator {
        "region-disputes"
    } else {
        title
    };
    // An overseer narrows the list by region (those just inside theirs), industry and business
    // (by a business's name in the list).
    let (mut regions, mut industries) = (Vec::new(), Vec::new());
    if let Some(names) = names {
        let own = auth.actor.region.as_ref().map(|r| r.as_str().to_string());
        regions = (names.regions().iter())
            .filter(|r| r.retired_at.is_none() && own.is_some() && r.parent_code == own)
            .map(|r| (r.code.clone(), l.name(&r.name_zh, &r.name_en).to_string()))
            .collect();
        industries = (names.industries().iter())
            .map(|i| (i.code.clone(), l.name(&i.name_zh, &i.name_en).to_string()))
            .collect();
    }
    // The business narrowed to, by its name: from the list, else (none of its disputes shown
    // here) from the directory's record; several ids show as given.
    let business_filter = match query.business.clone() {
        None => None,
        Some(id) => match page.items.iter().find(|i| i.business_id == id) {
            Some(item) => Some(item.business_name.clone()),
            None => {
                let found = (s.state.db)
                    .run({
                        let id = id.clone();
                        move |conn| crate::store::businesses::find_business(conn, &id)
                    })
                    .await
                    .map_err(ApiError::from)
                    .or_page(&s)?;
                Some(found.map_or(id, |business| business.name))
            }
        },
    };
    let page = ListPage {
        f: s.frame().titled(title),
        items: page.items,
        next: page.next_cursor,
        query,
        consumer,
        overseer,
        regions,
        industries,
        business_filter,
        statuses: [
            "filed",
            "negotiating",
            "paused",
            "settled",
            "resolved",
            "escalated",
            "withdrawn",
            "rejected",
        ]
        .into_iter()
        .map(|code| (code, labels::status(l, code)))
        .collect(),
    };
    html(StatusCode::OK, page.render()).or_page(&s)
}

async fn my_disputes(
    s: Session,
    query: web::Query<DisputeQuery>,
) -> Result<HttpResponse, PageError> {
    list_page(s, query.into_inner(), "my-disputes").await
}

async fn inbox(s: Session, query: web::Query<DisputeQuery>) -> Result<HttpResponse, PageError> {
    list_page(s, query.into_inner(), "dispute-inbox").await
}

async fn inbox_export(
    s: Session,
    query: web::Query<DisputeQuery>,
) -> Result<HttpResponse, PageError> {
    let auth = s.account()?;
    let format = web::Query(crate::http::tables::ExportFormat {
        format: Some("xlsx".into()),
        lang: Some(s.lang.tag().into()),
    });
    handlers::export(
        s.state.clone(),
        auth,
        web::Query(cleaned(query.into_inner(), false)),
        format,
    )
    .await
    .or_page(&s)
}

#[derive(Template)]
#[template(path = "portal/dispute.html")]
struct DisputePageView {
    f: Frame,
    d: DisputeView,
    /// The dispute is under the national deadlines (its policy is not a stored scoped one).
    national_policy: bool,
    /// For a regulator: the unit's figures beside its district's and its industry's over the
    /// evaluation window (the period in words, then a row per figure).
    unit_figures: Option<(String, FigureRows)>,
    /// For the unit's staff and the regulators: the reply templates that serve this dispute.
    templates: Vec<ReplyTemplateDto>,
    /// A template's text put into one field (the field, the text), to edit before sending.
    inserted: Option<(TemplateField, String)>,
    /// The template put in, chosen again in the chooser.
    chosen: Option<String>,
    /// For a regulator: who follows the dispute, its return visits and who may be named
    /// (docs/following.md).
    following: Option<FollowingDto>,
    /// Its mediation: the parties' requests, its mediations, and whether the viewer may ask
    /// for one or refer it (docs/mediation.md).
    mediation: crate::http::mediations::DisputeMediationDto,
    /// Today in Shanghai, the latest day a return visit may be dated.
    today: String,
    /// What a refused form sent, to fill it again and mark its failing fields.
    typed: Typed,
}

/// What a refused form on a dispute's page sent: the page shows that form again with what
/// was typed in it and each failing field's sentence beside the field, so nothing typed is
/// lost (a form that was not sent shows none of it).
#[derive(Debug, Default)]
pub(super) struct Typed {
    /// The form: its action (`make_offer`, `urge`, …), and for a form about one offer the
    /// offer's id after a space.
    form: String,
    values: Vec<(&'static str, String)>,
    errors: Fields,
}

impl Typed {
    /// What `form` sent; its fields are added with [`Typed::with`].
    pub(super) fn of(form: &str) -> Self {
        Self {
            form: form.to_string(),
            ..Self::default()
        }
    }

    /// `field` sent `value` (a field left out sends nothing).
    pub(super) fn with(mut self, field: &'static str, value: Option<&str>) -> Self {
        if let Some(value) = value {
            self.values.push((field, value.to_string()));
        }
        self
    }

    fn sent(&self, form: &str) -> bool {
        !self.form.is_empty() && self.form == form
    }
}

/// A field of the dispute page a reply template can be put into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemplateField {
    FirstContact,
    Message,
    OfferTerms,
    DeclineReason,
    RejectReason,
    StepNote,
}

impl TemplateField {
    const ALL: [Self; 6] = [
        Self::FirstContact,
        Self::Message,
        Self::OfferTerms,
        Self::DeclineReason,
        Self::RejectReason,
        Self::StepNote,
    ];

    /// The field the chooser named, if it names one.
    fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == value)
    }

    /// The value the page's chooser sends.
    fn as_str(self) -> &'static str {
        match self {
            Self::FirstContact => "first_contact",
            Self::Message => "message",
            Self::OfferTerms => "offer_terms",
            Self::DeclineReason => "decline_reason",
            Self::RejectReason => "reject_reason",
            Self::StepNote => "step_note",
        }
    }

    /// What the chooser says (portal.ftl).
    fn label(self) -> &'static str {
        match self {
            Self::FirstContact => "into-first-contact",
            Self::Message => "into-message",
            Self::OfferTerms => "into-offer-terms",
            Self::DeclineReason => "into-decline-reason",
            Self::RejectReason => "into-reject-reason",
            Self::StepNote => "into-step-note",
        }
    }
}

impl DisputePageView {
    /// The documents the viewer may print now (docs/documents.md): the mediation agreement
    /// once one of its mediations agreed.
    fn documents(&self) -> Vec<DocumentKind> {
        let mut kinds = crate::documents::issuable(&self.d, None);
        let agreed = (self.mediation.mediations.iter())
            .any(|m| m.state == crate::domain::mediation::MediationState::Agreed);
        if agreed {
            kinds.push(DocumentKind::MediationAgreement);
        }
        kinds
    }

    fn consumer(&self) -> bool {
        self.d.your_role == Actor::Consumer
    }

    /// Whether the viewer's party asked for mediation (docs/mediation.md).
    fn asked_for_mediation(&self) -> bool {
        let mine = self.my_party();
        self.mediation.requests.iter().any(|r| r.party == mine)
    }

    /// Whether the mediation card has anything to show the viewer.
    fn shows_mediation(&self) -> bool {
        let m = &self.mediation;
        m.may_request || m.may_refer || !m.mediations.is_empty() || !m.requests.is_empty()
    }

    fn merchant(&self) -> bool {
        self.d.your_role == Actor::Merchant
    }

    fn regulator(&self) -> bool {
        self.d.your_role == Actor::Regulator
    }

    /// The viewer's side in offers and messages.
    fn my_party(&self) -> Party {
        if self.consumer() {
            Party::Consumer
        } else {
            Party::Business
        }
    }

    /// The fields shown now that a reply template can be put into.
    fn insert_targets(&self) -> Vec<TemplateField> {
        TemplateField::ALL
            .into_iter()
            .filter(|into| match into {
                TemplateField::FirstContact => self.can(Can::FirstContact),
                TemplateField::Message => self.can(Can::Message),
                TemplateField::OfferTerms => self.can(Can::MakeOffer),
                TemplateField::DeclineReason => self.can(Can::Decline),
                TemplateField::RejectReason => self.can(Can::Reject),
                TemplateField::StepNote => {
                    self.regulator()
                        && self
                            .d
                            .escalation
                            .as_ref()
                            .is_some_and(|e| !e.next_steps.is_empty())
                }
            })
            .collect()
    }

    /// The template text put into `into`, if one was (empty otherwise).
    fn inserted(&self, into: TemplateField) -> &str {
        match &self.inserted {
            Some((at, text)) if *at == into => text,
            _ => "",
        }
    }

    /// How one of the bureau's limits is counted, in words.
    fn bureau_counted(&self, b: &crate::disputes::view::BureauDueDto) -> String {
        self.f.l.format(
            "counted-in-working-days-from",
            &[
                ("from", self.f.time(&b.started_at).into()),
                ("days", b.due.working_days.into()),
            ],
        )
    }

    /// Whether the dispute is followed for `reason` (the chooser shows it chosen).
    fn followed_because(&self, reason: &FollowReason) -> bool {
        if self.typed.sent("follow") {
            return self.typed("follow", "reason") == reason.as_str();
        }
        self.following
            .as_ref()
            .and_then(|f| f.follow.as_ref())
            .is_some_and(|w| w.reason == *reason)
    }

    /// The note of the following, to keep when another officer is named.
    fn follow_note(&self) -> &str {
        if self.typed.sent("follow") {
            return self.typed("follow", "note");
        }
        self.following
            .as_ref()
            .and_then(|f| f.follow.as_ref())
            .and_then(|w| w.note.as_deref())
            .unwrap_or("")
    }

    /// What a regulator's entry on the timeline says: a 12315 step and its note; an urge's
    /// message; a return visit's day, channel and satisfaction (docs/following.md).
    fn entry_detail(&self, t: &crate::disputes::view::TimelineDto) -> Option<String> {
        let f = &self.f;
        match t.kind {
            TimelineKind::EscalationStatus => {
                let step = f.escalation_state(t.detail["status"].as_str()?).to_string();
                Some(match t.detail["note"].as_str() {
                    Some(note) => format!("{step}{}{note}", f.s("colon")),
                    None => step,
                })
            }
            TimelineKind::Urged => Some(t.detail["message"].as_str()?.to_string()),
            TimelineKind::ReturnVisit => {
                let channel = VisitChannel::parse(t.detail["channel"].as_str()?)?;
                let satisfaction = match t.detail["satisfaction"].as_i64() {
                    Some(n) => format!("{} {n} ★", f.s("satisfaction")),
                    None => f.s("satisfaction-not-said").to_string(),
                };
                Some(format!(
                    "{} · {} · {satisfaction}",
                    t.detail["visited_on"].as_str()?,
                    f.label(&channel)
                ))
            }
            _ => None,
        }
    }

    /// What the refused `form` sent in `field`, shown in it again; empty on a page that no
    /// form was refused on (so a field may show it beside an inserted template's text).
    fn typed(&self, form: &str, field: &str) -> &str {
        self.typed
            .values
            .iter()
            .find(|(f, _)| self.typed.sent(form) && *f == field)
            .map_or("", |(_, v)| v.as_str())
    }

    /// What the refused form about offer `offer` sent in `field` (`form` is its action).
    fn typed_about(&self, form: &str, offer: &str, field: &str) -> &str {
        self.typed(&format!("{form} {offer}"), field)
    }

    /// Whether the refused `form` chose `value` in `field` (a chooser shows it chosen).
    fn typed_is(&self, form: &str, field: &str, value: impl std::fmt::Display) -> bool {
        self.typed.sent(form) && self.typed(form, field) == value.to_string()
    }

    /// Why `field` of the refused `form` failed, shown beside it. A message's text is
    /// `body` in the API and `message` in the form.
    fn error_at(&self, form: &str, field: &str) -> Option<&str> {
        if !self.typed.sent(form) {
            return None;
        }
        let errors = &self.typed.errors;
        errors
            .get(field)
            .or_else(|| (field == "message").then(|| errors.get("body")).flatten())
    }

    /// The id of the sentence beside `field` of `form`.
    fn error_id_at(&self, form: &str, field: &str) -> String {
        super::frame::error_id(&format!("{form}-{field}"))
    }

    /// The attributes of `field`'s control in `form` when it failed: marked invalid and
    /// described by its sentence. Empty otherwise.
    fn attrs_at(&self, form: &str, field: &str) -> String {
        match self.error_at(form, field) {
            Some(_) => super::frame::invalid_and_described_by(&self.error_id_at(form, field)),
            None => String::new(),
        }
    }

    /// Why `field` of the refused form about offer `offer` failed.
    fn error_about(&self, form: &str, offer: &str, field: &str) -> Option<&str> {
        self.error_at(&format!("{form} {offer}"), field)
    }

    /// Whether `id` is the officer who follows the dispute (the chooser shows them chosen).
    fn follower_is(&self, id: &str) -> bool {
        if self.typed.sent("follow") {
            return self.typed("follow", "officer_id") == id;
        }
        self.following
            .as_ref()
            .and_then(|f| f.follow.as_ref())
            .is_some_and(|w| w.officer_id == id)
    }

    /// Whether `id` is the template just put in (the chooser shows it chosen).
    fn is_chosen(&self, id: &str) -> bool {
        self.chosen.as_deref() == Some(id)
    }

    /// Whether a template's text was put into `into` (the field then takes the focus).
    fn is_inserted(&self, into: TemplateField) -> bool {
        self.inserted.as_ref().is_some_and(|(at, _)| *at == into)
    }

    /// What the lifecycle lets the viewer do now (the view's `available_actions`).
    fn can(&self, action: Can) -> bool {
        self.d.available_actions.contains(&action)
    }

    /// Still to be settled: filed, negotiating or paused.
    fn open(&self) -> bool {
        !self.d.status.is_terminal() && self.d.status != Status::Settled
    }

    fn concluded(&self) -> bool {
        self.d.status.is_terminal()
    }

    /// Filed and not yet answered by the business.
    fn awaiting_first_contact(&self) -> bool {
        self.d.status == Status::Filed
    }

    /// The fulfilment due moment while it still runs: settled, not yet marked fulfilled.
    fn fulfilment_running(&self) -> Option<DateTime<Utc>> {
        self.d
            .deadlines
            .fulfilment_due_at
            .filter(|_| self.d.status == Status::Settled && self.d.fulfilled_at.is_none())
    }

    /// What the business said it did when it marked the settlement fulfilled, if it said.
    fn fulfilment_note(&self) -> Option<&str> {
        self.d
            .timeline
            .iter()
            .rev()
            .find(|t| t.kind == TimelineKind::MarkedFulfilled)
            .and_then(|t| t.detail["note"].as_str())
            .map(str::trim)
            .filter(|note| !note.is_empty())
    }

    /// Open offers the viewer may answer.
    fn offers_to_answer(&self) -> Vec<&OfferDto> {
        self.d
            .offers
            .iter()
            .filter(|o| o.status == OfferStatus::Open && o.party != self.my_party())
            .collect()
    }

    /// The viewer's own open offers, which they may withdraw.
    fn own_open_offers(&self) -> Vec<&OfferDto> {
        self.d
            .offers
            .iter()
            .filter(|o| o.status == OfferStatus::Open && o.party == self.my_party())
            .collect()
    }

    fn offer_status(&self, status: &OfferStatus) -> &'static str {
        match status {
            OfferStatus::Open => self.f.s("open"),
            OfferStatus::Accepted => self.f.s("accepted"),
            OfferStatus::Rejected => self.f.s("rejected-2"),
            OfferStatus::Withdrawn => self.f.s("withdrawn"),
            OfferStatus::Expired => self.f.s("expired"),
            OfferStatus::Superseded => self.f.s("superseded"),
        }
    }

    /// How a due date was counted, in one sentence (portal.ftl `deadline-counted`); the
    /// settlement's names its extension and pause.
    fn counted(&self, due: &DueDto, settlement: bool) -> String {
        let deadlines = &self.d.deadlines;
        let (extension, paused) = if settlement {
            (
                deadlines.extension_working_days,
                deadlines.paused_working_days,
            )
        } else {
            (0, 0)
        };
        self.f.l.format(
            "deadline-counted",
            &[
                ("days", due.working_days.into()),
                ("counting", self.counting(&due.counting, false).into()),
                ("counting_one", self.counting(&due.counting, true).into()),
                ("extension", extension.into()),
                ("paused", paused.into()),
                (
                    "provisional",
                    if due.provisional { "yes" } else { "no" }.into(),
                ),
            ],
        )
    }

    /// Who asks for how many more working days.
    fn extension_asked(&self, party: &Party, days: &i64) -> String {
        self.f.l.format(
            "extension-asked",
            &[
                ("party", self.f.party(party).into()),
                ("days", (*days).into()),
            ],
        )
    }

    /// How days are counted, for one day or for several.
    fn counting(&self, counting: &DayCount, one: bool) -> &'static str {
        self.f.s(match (counting, one) {
            (DayCount::WorkingDays, false) => "working-days-holidays-skipped-make",
            (DayCount::WorkingDays, true) => "working-day-holidays-skipped-make",
            (DayCount::CalendarDays, false) => "calendar-days-2",
            (DayCount::CalendarDays, true) => "calendar-day",
        })
    }

    fn size(&self, bytes: &i64) -> String {
        if *bytes >= 1024 * 1024 {
            format!("{:.1} MB", *bytes as f64 / 1_048_576.0)
        } else {
            format!("{} KB", (bytes + 1023) / 1024)
        }
    }
}

/// Query of a dispute page: what just happened, or a reply template to put into a field.
#[derive(Debug, Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
    template: Option<String>,
    /// A field of [`TemplateField`]; another value puts nothing in.
    into: Option<String>,
}

/// The dispute page again after a form on it was refused for `error`, that form filled with
/// what it sent (`typed`) and its failing fields marked.
pub(super) async fn render_refused(
    s: &Session,
    id: String,
    error: &ApiError,
    mut typed: Typed,
) -> Result<HttpResponse, PageError> {
    typed.errors = Fields::of(s.lang, error);
    let status = status_of(error);
    render_dispute_saying(s, id, status, Some((error, typed)), None, None, None).await
}

/// The dispute page, with `shown` (a consumer's unmasked contact) in its notice when given.
async fn render_dispute_saying(
    s: &Session,
    id: String,
    status: StatusCode,
    refused: Option<(&ApiError, Typed)>,
    done: Option<&str>,
    shown: Option<String>,
    insert: Option<(&str, TemplateField)>,
) -> Result<HttpResponse, PageError> {
    let auth = s.account()?;
    let view = handlers::get_for(&s.state, &auth, id).await.or_page(s)?;
    let templates = if matches!(view.your_role, Actor::Merchant | Actor::Regulator) {
        let query = TemplateQuery {
            category: None,
            dispute_id: Some(view.id.clone()),
        };
        reply_templates::list_for(&s.state, &auth, query)
            .await
            .or_page(s)?
    } else {
        Vec::new()
    };
    let inserted = insert.and_then(|(id, into)| {
        let body = &templates.iter().find(|t| t.id == id)?.body;
        // A reason is one line: the template's lines run on, separated by spaces.
        let text = match into {
            TemplateField::DeclineReason | TemplateField::RejectReason => {
                body.split_whitespace().collect::<Vec<_>>().join(" ")
            }
            _ => body.clone(),
        };
        Some((into, text))
    });
    let mut frame = s.frame();
    frame.title = format!("{} {}", s.lang.s("dispute"), view.case_number);
    let (error, typed) = refused.unzip();
    if let Some(error) = error {
        // The notice says what went wrong; the refused form marks each field too.
        frame = frame.with_field_errors(error);
    } else if let Some(shown) = shown {
        frame = frame.with_notice("ok", shown);
    } else if let Some(done) = done {
        let what = match done {
            "filed" => s.lang.s("your-dispute-is-filed-the-business").to_string(),
            "evidence" => s.lang.s("the-evidence-is-uploaded").to_string(),
            "followed" => s.lang.s("the-officer-is-named-and-told").to_string(),
            "followed_self" => s.lang.s("you-now-follow-it").to_string(),
            "unfollowed" => s.lang.s("the-following-ended").to_string(),
            "mediation_asked" => s
                .lang
                .s("your-request-for-mediation-is-recorded")
                .to_string(),
            "mediation_unasked" => s
                .lang
                .s("your-request-for-mediation-is-taken-back")
                .to_string(),
            "mediation_referred" => s
                .lang
                .s("the-dispute-is-referred-to-the-mediator")
                .to_string(),
            event => format!("{}{}", s.lang.s("done"), labels::event(s.lang, event)),
        };
        frame = frame.with_notice("ok", what);
    }
    let version = view.deadlines.policy_version.clone();
    let scoped = s
        .state
        .db
        .read(Some(&auth.user.id), move |conn| {
            crate::store::deadlines::is_scoped_policy(conn, &version)
        })
        .await
        .map_err(ApiError::from)
        .or_page(s)?;
    let (unit_figures, following) = if view.your_role == Actor::Regulator {
        (
            Some(unit_figures(s, &auth, &view.business.unit_id, &frame).await?),
            Some(
                crate::http::following::get_for(&s.state, &auth, view.id.clone())
                    .await
                    .or_page(s)?,
            ),
        )
    } else {
        (None, None)
    };
    let mediation = crate::http::mediations::of_dispute_for(&s.state, &auth, view.id.clone())
        .await
        .or_page(s)?;
    let today = frame
        .now
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive()
        .to_string();
    let page = DisputePageView {
        mediation,
        f: frame,
        d: view,
        national_policy: !scoped,
        unit_figures,
        chosen: inserted.as_ref().and(insert.map(|(id, _)| id.to_string())),
        templates,
        inserted,
        following,
        today,
        typed: typed.unwrap_or_default(),
    };
    html(status, page.render()).or_page(s)
}

/// The unit's figures beside its district's and its industry's over the last
/// `evaluation.window_days` (the window units are evaluated over, docs/metrics.md#evaluation),
/// for a regulator reading one of its disputes.
async fn unit_figures(
    s: &Session,
    auth: &crate::http::auth::AuthUser,
    unit_id: &str,
    frame: &Frame,
) -> Result<(String, FigureRows), PageError> {
    use crate::http::metrics::{MetricsQuery, get_metrics_for};
    let today = s.today();
    let from = today - chrono::Duration::days(s.state.settings.evaluation.window_days - 1);
    let query = MetricsQuery {
        scope: Some("unit".into()),
        id: Some(unit_id.to_string()),
        period: Some("custom".into()),
        date: None,
        from: Some(from),
        to: Some(today),
    };
    let m = get_metrics_for(&s.state, auth, query).await.or_page(s)?;
    let columns = [Some(&m.current), m.region.as_ref(), m.industry.as_ref()];
    let row = |value: &dyn Fn(&crate::oversight::FiguresDto) -> String| {
        columns.map(|c| c.map_or_else(|| "—".to_string(), value))
    };
    let rows = vec![
        ("filed", row(&|c| c.filed.to_string())),
        ("on-time-rate", row(&|c| frame.percent(&c.on_time_rate))),
        (
            "settlement-rate",
            row(&|c| frame.percent(&c.settlement_rate)),
        ),
        (
            "satisfaction",
            row(&|c| {
                c.satisfaction_mean
                    .map_or_else(|| "—".into(), |v| format!("{v:.2}"))
            }),
        ),
        (
            "open-and-overdue",
            row(&|c| c.open_overdue_at_end.to_string()),
        ),
        ("escalated-2", row(&|c| c.escalated.to_string())),
    ];
    let period = s.lang.format(
        "figures-from-to",
        &[
            ("from", from.to_string().into()),
            ("to", today.to_string().into()),
        ],
    );
    Ok((period, rows))
}

/// Rows of figures: a figure's message id, then the unit's, its district's and its industry's
/// values.
type FigureRows = Vec<(&'static str, [String; 3])>;

async fn dispute_page(
    s: Session,
    path: web::Path<String>,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse, PageError> {
    // A mediator reads a dispute referred to them on its mediation's page (a notice's link
    // names the dispute).
    if let Some(auth) = s.user.as_ref().filter(|a| a.role() == Role::Mediator) {
        let theirs = crate::http::mediations::of_dispute_for(&s.state, auth, path.clone())
            .await
            .or_page(&s)?;
        let latest = theirs
            .mediations
            .last()
            .ok_or_else(|| s.fail(crate::disputes::dispute_not_found()))?;
        return Ok(see_other(&format!(
            "/mediations/{}",
            super::frame::encode(&latest.id)
        )));
    }
    let into = query.into.as_deref().and_then(TemplateField::parse);
    let insert = query.template.as_deref().zip(into);
    render_dispute_saying(
        &s,
        path.into_inner(),
        StatusCode::OK,
        None,
        query.done.as_deref(),
        None,
        insert,
    )
    .await
}

/// Shows a regulator of the dispute's region the consumer's whole contact on the dispute's
/// page (never in a link), the stated reason audited (docs/people-data.md#unmasking).
async fn unmask(
    s: Session,
    path: web::Path<String>,
    form: web::Form<super::regulator::ReasonForm>,
) -> Result<HttpResponse, PageError> {
    s.check_form(&form.csrf)?;
    let auth = s.account_as(&[Role::Regulator])?;
    let id = path.into_inner();
    match crate::http::disputes::contact::unmask_for(&s.state, &auth, id.clone(), &form.reason)
        .await
    {
        Ok(contact) => {
            let l = s.lang;
            let shown = [Some(contact.display_name), contact.phone, contact.email]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" · ");
            let said = format!(
                "{}{}{shown}",
                l.s("the-consumers-whole-contact"),
                l.s("colon")
            );
            render_dispute_saying(&s, id, StatusCode::OK, None, None, Some(said), None).await
        }
        Err(error) => {
            let typed = Typed::of("contact").with("reason", Some(&form.reason));
            back_to_dispute(s, id, Err(error), "", typed).await
        }
    }
}

/// Every field any action form may send.
#[derive(Debug, Deserialize)]
pub struct ActionForm {
    csrf: String,
    action: String,
    message: Option<String>,
    remedy: Option<String>,
    amount: Option<String>,
    terms: Option<String>,
    fulfilment_days: Option<String>,
    offer_id: Option<String>,
    reason: Option<String>,
    working_days: Option<String>,
    rating: Option<String>,
    comment: Option<String>,
    note: Option<String>,
    /// The box ticked to confirm withdrawing, which ends the dispute.
    confirm: Option<String>,
}

impl ActionForm {
    /// What the form sent, to fill it again when it is refused; a form about one offer is
    /// told apart from the same form about another.
    fn typed(&self) -> Typed {
        let form = match (self.action.as_str(), &self.offer_id) {
            ("reject_offer", Some(offer)) => format!("reject_offer {offer}"),
            (action, _) => action.to_string(),
        };
        let fields = [
            ("message", &self.message),
            ("remedy", &self.remedy),
            ("amount", &self.amount),
            ("terms", &self.terms),
            ("fulfilment_days", &self.fulfilment_days),
            ("reason", &self.reason),
            ("working_days", &self.working_days),
            ("rating", &self.rating),
            ("comment", &self.comment),
            ("note", &self.note),
        ];
        fields
            .into_iter()
            .fold(Typed::of(&form), |typed, (field, value)| {
                typed.with(field, value.as_deref())
            })
    }
}

fn invalid(field: &str, code: &str) -> ApiError {
    ApiError::invalid_field(field, code, format!("`{field}` is not valid"))
}

fn number<T: std::str::FromStr>(value: Option<&str>, field: &str) -> Result<T, ApiError> {
    value
        .map(str::trim)
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| invalid(field, "invalid_number"))
}

fn optional(value: Option<String>) -> Option<String> {
    value
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// The API's action for a submitted form.
fn action_of(form: ActionForm) -> Result<ActionRequest, ApiError> {
    let text = |v: Option<String>| v.unwrap_or_default();
    Ok(match form.action.as_str() {
        "first_contact" => ActionRequest::FirstContact {
            body: optional(form.message),
            message: None,
        },
        "message" => ActionRequest::Message {
            body: text(form.message),
        },
        "make_offer" => ActionRequest::MakeOffer {
            remedy: text(form.remedy),
            amount_fen: form
                .amount
                .as_deref()
                .and_then(parse_yuan)
                .ok_or_else(|| invalid("amount", "invalid_amount"))?,
            terms: text(form.terms),
            fulfilment_days: optional(form.fulfilment_days)
                .map(|d| number(Some(&d), "fulfilment_days"))
                .transpose()?,
            expires_at: None,
        },
        "withdraw_offer" => ActionRequest::WithdrawOffer {
            offer_id: text(form.offer_id),
        },
        "accept_offer" => ActionRequest::AcceptOffer {
            offer_id: text(form.offer_id),
        },
        "reject_offer" => ActionRequest::RejectOffer {
            offer_id: text(form.offer_id),
            reason: text(form.reason),
        },
        "withdraw" if form.confirm.as_deref() != Some("yes") => {
            return Err(invalid("confirm", "confirmation_required"));
        }
        "withdraw" => ActionRequest::Withdraw {
            reason: optional(form.reason),
        },
        "decline" => ActionRequest::Decline {
            reason: text(form.reason),
        },
        "request_escalation" => ActionRequest::RequestEscalation {
            reason: text(form.reason),
        },
        "propose_extension" => ActionRequest::ProposeExtension {
            working_days: number(form.working_days.as_deref(), "working_days")?,
            reason: text(form.reason),
        },
        "agree_extension" => ActionRequest::AgreeExtension,
        "refuse_extension" => ActionRequest::RefuseExtension,
        "propose_pause" => ActionRequest::ProposePause {
            reason: text(form.reason),
        },
        "agree_pause" => ActionRequest::AgreePause,
        "resume" => ActionRequest::Resume,
        "mark_fulfilled" => ActionRequest::MarkFulfilled {
            note: optional(form.note),
        },
        "confirm_fulfilment" => ActionRequest::ConfirmFulfilment,
        "report_non_fulfilment" => ActionRequest::ReportNonFulfilment {
            reason: text(form.reason),
        },
        "rate" => ActionRequest::Rate {
            rating: number(form.rating.as_deref(), "rating")?,
            comment: optional(form.comment),
        },
        "reject" => ActionRequest::Reject {
            reason: text(form.reason),
        },
        _ => return Err(invalid("action", "unknown_action")),
    })
}

/// Takes an action through the API's handler; a refusal shows the dispute again with the
/// reason, a success returns to it (303) with a notice.
async fn act(
    s: Session,
    path: web::Path<String>,
    form: web::Form<ActionForm>,
) -> Result<HttpResponse, PageError> {
    s.check_form(&form.csrf)?;
    let auth = s.account()?;
    let id = path.into_inner();
    let form = form.into_inner();
    let typed = form.typed();
    // The timeline event the action records names it in the notice after it.
    let mut done = String::new();
    let outcome = match action_of(form) {
        Ok(action) => {
            if let Ok(step) = action.action() {
                done = step.event().timeline_kind().as_str().to_string();
            }
            handlers::act_for(&s.state, &auth, None, id.clone(), action)
                .await
                .map(|_| ())
        }
        Err(error) => Err(error),
    };
    back_to_dispute(s, id, outcome, &done, typed).await
}

/// After a form on a dispute: back to it (303) with a notice of what was `done`, or the page
/// again with the reason the API refused. A dispute the viewer may not see stays a 404.
pub(super) async fn back_to_dispute(
    s: Session,
    id: String,
    outcome: Result<(), ApiError>,
    done: &str,
    typed: Typed,
) -> Result<HttpResponse, PageError> {
    match outcome {
        Ok(()) => Ok(see_other(&format!(
            "/disputes/{}?done={}",
            super::frame::encode(&id),
            super::frame::encode(done)
        ))),
        Err(error) if !error.status().is_server_error() && error.problem().status != 404 => {
            render_refused(&s, id, &error, typed).await
        }
        Err(error) => Err(s.fail(error)),
    }
}

/// Query of forms that send files (their token travels in the address).
#[derive(Debug, Deserialize)]
pub struct UploadQuery {
    csrf: Option<String>,
}

async fn upload(
    s: Session,
    path: web::Path<String>,
    query: web::Query<UploadQuery>,
    form: Multipart,
) -> Result<HttpResponse, PageError> {
    s.check_form(query.csrf.as_deref().unwrap_or_default())?;
    let auth = s.account()?;
    let id = path.into_inner();
    let outcome = match s.state.limit(s.request(), Action::Upload) {
        Ok(()) => evidence::upload_for(&s.state, &auth, id.clone(), form)
            .await
            .map(|_| ()),
        Err(refused) => Err(refused),
    };
    back_to_dispute(s, id, outcome, "evidence", Typed::default()).await
}

async fn download(
    s: Session,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, PageError> {
    let auth = s.account()?;
    evidence::download(s.state.clone(), auth, path)
        .await
        .or_page(&s)
}

#[derive(Template)]
#[template(path = "portal/file.html")]
struct FilingPage {
    f: Frame,
    unit: PublicUnit,
    form: FilingForm,
    errors: Fields,
    categories: Vec<(String, String)>,
    remedies: Vec<(&'static str, String)>,
    max_files: i64,
    /// Whether the unit sells vehicles: the form asks for the VIN.
    sells_vehicles: bool,
}

impl FilingPage {
    fn has_remedy(&self, code: &str) -> bool {
        self.form.remedies.iter().any(|r| r == code)
    }
}

/// The filing form's fields as typed.
#[derive(Debug, Default, Clone)]
struct FilingForm {
    category: String,
    item_kind: String,
    item_name: String,
    vin: String,
    purchase_date: String,
    amount_paid: String,
    amount_claimed: String,
    remedies: Vec<String>,
    description: String,
    contact_consent: bool,
}

impl FilingForm {
    fn from_fields(fields: Vec<(String, String)>) -> Self {
        let mut form = Self::default();
        for (name, value) in fields {
            match name.as_str() {
                "category" => form.category = value,
                "item_kind" => form.item_kind = value,
                "item_name" => form.item_name = value,
                "vin" => form.vin = value,
                "purchase_date" => form.purchase_date = value,
                "amount_paid" => form.amount_paid = value,
                "amount_claimed" => form.amount_claimed = value,
                "remedies" => form.remedies.push(value),
                "description" => form.description = value,
                "contact_consent" => form.contact_consent = value == "yes",
                _ => {}
            }
        }
        form
    }

    /// The API's request; amounts and the date are checked here, the rest by the API.
    fn request(
        &self,
        unit_id: &str,
        fields: &mut Fields,
        l: super::frame::Lang,
    ) -> Option<FileDisputeRequest> {
        let paid = parse_yuan(&self.amount_paid);
        let claimed = parse_yuan(&self.amount_claimed);
        let date = NaiveDate::parse_from_str(self.purchase_date.trim(), "%Y-%m-%d").ok();
        if paid.is_none() {
            fields.mark(l, "amount_paid", "invalid_number");
        }
        if claimed.is_none() {
            fields.mark(l, "amount_claimed", "invalid_number");
        }
        if date.is_none() {
            fields.mark(l, "purchase_date", "invalid_date");
        }
        Some(FileDisputeRequest {
            unit_id: unit_id.to_string(),
            category: self.category.clone(),
            item: ItemRequest {
                kind: self.item_kind.clone(),
                name: self.item_name.clone(),
                vin: optional(Some(self.vin.clone())),
            },
            purchase_date: date?,
            amount_paid_fen: paid?,
            amount_claimed_fen: claimed?,
            remedies: self.remedies.clone(),
            description: self.description.clone(),
            contact_consent: self.contact_consent,
        })
    }
}

/// Query of the filing form: the unit the dispute is against.
#[derive(Debug, Deserialize)]
pub struct UnitQuery {
    unit: Option<String>,
    csrf: Option<String>,
}

async fn filing_page(
    s: &Session,
    unit_id: &str,
    form: FilingForm,
    errors: Fields,
    error: Option<&ApiError>,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let unit = public::directory_entry_for(&s.state, unit_id.to_string())
        .await
        .or_page(s)?;
    let mut frame = s.frame().titled("file-a-dispute");
    if let Some(error) = error {
        frame = frame.with_error(error);
    }
    let l = s.lang;
    let mut form = form;
    if form.item_kind.is_empty() {
        form.item_kind = if industry::sells_services(&unit.industry_code) {
            "service".into()
        } else {
            "product".into()
        };
    }
    // A category for other industries is offered only when the consumer chose it already.
    let categories = s
        .state
        .settings
        .disputes
        .categories
        .iter()
        .filter(|c| c.fits(&unit.industry_code) || c.code == form.category)
        .map(|c| (c.code.clone(), c.name(l).to_string()))
        .collect();
    let page = FilingPage {
        f: frame,
        sells_vehicles: industry::sells_vehicles(&unit.industry_code) || !form.vin.is_empty(),
        unit,
        form,
        errors,
        categories,
        remedies: crate::domain::claim::Remedy::ALL
            .iter()
            .map(|r| r.as_str())
            .map(|r| (r, labels::remedy(l, r).to_string()))
            .collect(),
        max_files: s.state.settings.disputes.max_evidence_files,
    };
    html(status, page.render()).or_page(s)
}

async fn filing_form(s: Session, query: web::Query<UnitQuery>) -> Result<HttpResponse, PageError> {
    s.account_as(&[Role::Consumer])?;
    let Some(unit) = query.unit.as_deref() else {
        return Ok(see_other("/units"));
    };
    let form = FilingForm {
        purchase_date: s.frame().date(&s.state.clock.now()),
        ..FilingForm::default()
    };
    filing_page(&s, unit, form, Fields::default(), None, StatusCode::OK).await
}

/// Files the dispute and stores its evidence. The files are read and checked (size, type,
/// number) before anything is written.
async fn file(
    s: Session,
    query: web::Query<UnitQuery>,
    payload: Multipart,
) -> Result<HttpResponse, PageError> {
    s.check_form(query.csrf.as_deref().unwrap_or_default())?;
    let auth = s.account_as(&[Role::Consumer])?;
    let unit_id = query.unit.clone().unwrap_or_default();
    let settings = &s.state.settings.disputes;
    let max_files = usize::try_from(settings.max_evidence_files).unwrap_or(20);
    let parts = match evidence::read_form(payload, settings.max_evidence_bytes, max_files).await {
        Ok(parts) => parts,
        Err(error) => {
            let status = status_of(&error);
            return filing_page(
                &s,
                &unit_id,
                FilingForm::default(),
                Fields::default(),
                Some(&error),
                status,
            )
            .await;
        }
    };
    let form = FilingForm::from_fields(parts.texts);
    if let Some(refused) = parts.refused {
        // Nothing is filed; what was typed is shown again with the reason.
        let status = status_of(&refused);
        return filing_page(
            &s,
            &unit_id,
            form,
            Fields::default(),
            Some(&refused),
            status,
        )
        .await;
    }
    let uploads = parts.uploads;
    let mut errors = Fields::default();
    let request = form.request(&unit_id, &mut errors, s.lang);
    let filed = match request {
        Some(request) if errors.is_empty() => match s.state.limit(s.request(), Action::Filing) {
            Ok(()) => handlers::file_for(&s.state, &auth, None, request).await,
            Err(refused) => Err(refused),
        },
        _ => Err(ApiError::validation(Vec::new())),
    };
    let filed = match filed {
        Ok(filed) => filed,
        Err(error) if !error.status().is_server_error() => {
            let mut all = Fields::of(s.lang, &error);
            all.extend(errors);
            let status = status_of(&error);
            return filing_page(&s, &unit_id, form, all, Some(&error), status).await;
        }
        Err(error) => return Err(s.fail(error)),
    };
    if !uploads.is_empty() {
        evidence::add_evidence(&s.state, &auth, filed.id.clone(), uploads)
            .await
            .or_page(&s)?;
    }
    Ok(see_other(&format!(
        "/disputes/{}?done=filed",
        super::frame::encode(&filed.id)
    )))
}
