//! Pages anyone may see: home, the directory of ODR units with their scorecards and
//! commitments, a unit's page, published cases and consumer alerts.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::frame::{Frame, html};
use super::labels;
use super::regions::{RegionChoice, RegionChooser};
use super::session::{OrPage, PageError, Session};
use crate::domain::commitment::CommitmentKind;
use crate::domain::publication::PublicationKind;
use crate::error::ApiError;
use crate::http::documents::{self, VerifiedDocument};
use crate::http::public::{self, DirectoryQuery, PublicUnit};
use crate::http::publications::{self, PublicQuery, PublicationDto};
use crate::http::units::CommitmentDto;
use crate::security::limits::Action;
use crate::store::reference::{Catalogue, Industry, Region};

/// Registers the routes of this module.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/").route(web::get().to(home)))
        .service(web::resource("/units").route(web::get().to(directory)))
        .service(web::resource("/units/{id}").route(web::get().to(unit_page)))
        .service(web::resource("/cases").route(web::get().to(cases)))
        .service(web::resource("/warnings").route(web::get().to(warnings)))
        .service(web::resource(FIGURES_HELP).route(web::get().to(figures_help)))
        .service(
            web::resource("/verify")
                .route(web::get().to(verify_page))
                .route(web::post().to(check_file)),
        );
}

#[derive(Template)]
#[template(path = "portal/verify.html")]
struct VerifyPage {
    f: Frame,
    /// The code as typed.
    code: String,
    found: Option<VerifiedDocument>,
    /// For a file sent: whether it is the document.
    matches: Option<FileCheck>,
}

/// What a file sent to the verification page turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FileCheck {
    Matches,
    Differs,
    /// Not a PDF at all (an image, a text, an empty file): no copy of a document.
    NotPdf,
}

/// The code a verification page is asked about.
#[derive(Debug, Deserialize)]
pub struct VerifyQuery {
    code: Option<String>,
    /// A form that sends a file carries its token in the address.
    csrf: Option<String>,
}

/// 文件核验: what a document's verification code stands for (docs/documents.md#verification).
async fn verify_page(
    s: Session,
    query: web::Query<VerifyQuery>,
) -> Result<HttpResponse, PageError> {
    let code = query.code.clone().unwrap_or_default();
    let found = match code.trim() {
        "" => Ok(None),
        typed => (documents::find(&s.state, typed).await).map(|found| Some((found, None))),
    };
    verify_answer(&s, code, found)
}

/// Checks a file sent from the verification page against the document of its code.
async fn check_file(
    s: Session,
    query: web::Query<VerifyQuery>,
    form: actix_multipart::Multipart,
) -> Result<HttpResponse, PageError> {
    s.check_form(query.csrf.as_deref().unwrap_or_default())?;
    let code = query.code.clone().unwrap_or_default();
    let checked = match s.state.limit(s.request(), Action::Upload) {
        Ok(()) => documents::check_file(&s.state, &code, form).await,
        Err(refused) => Err(refused),
    };
    let checked = checked.map(|c| {
        let seen = match (c.matches, c.pdf) {
            (true, _) => FileCheck::Matches,
            (false, true) => FileCheck::Differs,
            (false, false) => FileCheck::NotPdf,
        };
        Some((c.document, Some(seen)))
    });
    verify_answer(&s, code, checked)
}

/// The verification page for the `code` typed: what it stands for (and, for a file sent,
/// whether the file is that document), or why not.
fn verify_answer(
    s: &Session,
    code: String,
    outcome: Result<Option<(VerifiedDocument, Option<FileCheck>)>, ApiError>,
) -> Result<HttpResponse, PageError> {
    let frame = s.frame().titled("verify-a-document");
    let (status, f, found) = match outcome {
        Ok(found) => (StatusCode::OK, frame, found),
        Err(error) if !error.status().is_server_error() => {
            (error.status(), frame.with_error(&error), None)
        }
        Err(error) => return Err(s.fail(error)),
    };
    let (found, matches) = found.unzip();
    let page = VerifyPage {
        f,
        code,
        found,
        matches: matches.flatten(),
    };
    html(status, page.render()).or_page(s)
}

/// The page that says how each figure is counted; every place that shows a figure links here.
pub const FIGURES_HELP: &str = "/help/figures";

#[derive(Template)]
#[template(path = "portal/figures_help.html")]
struct FiguresHelpPage {
    f: Frame,
    alerts: crate::config::AlertSettings,
    evaluation: crate::config::EvaluationSettings,
    /// The national default's first-contact and settlement limits.
    first_contact_days: u32,
    settlement_days: u32,
}

impl FiguresHelpPage {
    /// A paragraph of src/locales/<language>/figures.ftl, with this deployment's settings.
    fn text(&self, id: &str) -> String {
        let (alerts, evaluation) = (&self.alerts, &self.evaluation);
        let percent = |rate: f64| format!("{:.0}%", rate * 100.0);
        self.f.l.format(
            id,
            &[
                ("first_contact_days", self.first_contact_days.into()),
                ("settlement_days", self.settlement_days.into()),
                ("window_days", evaluation.window_days.into()),
                (
                    "min_on_time_rate",
                    percent(evaluation.min_on_time_rate).into(),
                ),
                (
                    "min_settlement_rate",
                    percent(evaluation.min_settlement_rate).into(),
                ),
                ("max_unanswered", evaluation.max_unanswered.into()),
                ("mass_complaint_hours", alerts.mass_complaint_hours.into()),
                ("mass_complaint_count", alerts.mass_complaint_count.into()),
                ("repeat_consumer_days", alerts.repeat_consumer_days.into()),
                ("repeat_unit_days", alerts.repeat_unit_days.into()),
                ("repeat_unit_count", alerts.repeat_unit_count.into()),
                ("major_yuan", (alerts.major_claim_fen / 100).into()),
            ],
        )
    }
}

/// 指标说明: what each figure counts, in words a merchant understands (docs/metrics.md).
async fn figures_help(s: Session) -> Result<HttpResponse, PageError> {
    let settings = &s.state.settings;
    let page = FiguresHelpPage {
        f: s.frame().titled("how-figures-are-counted"),
        alerts: settings.alerts.clone(),
        evaluation: settings.evaluation.clone(),
        first_contact_days: settings.deadlines.first_contact_working_days,
        settlement_days: settings.deadlines.settlement_working_days,
    };
    html(StatusCode::OK, page.render()).or_page(&s)
}

/// Names of regions and industries in the page's language, from the reference cache.
pub struct Names {
    catalogue: std::sync::Arc<Catalogue>,
}

impl Names {
    /// The reference lists as they are now.
    pub async fn load(s: &Session) -> Result<Self, PageError> {
        let catalogue = s
            .state
            .reference
            .current(&s.state.db)
            .await
            .map_err(ApiError::from)
            .or_page(s)?;
        Ok(Self { catalogue })
    }

    /// Runs a page's `read` and loads the names at the same time.
    pub async fn beside<T>(
        s: &Session,
        read: impl Future<Output = Result<T, ApiError>>,
    ) -> Result<(T, Self), PageError> {
        futures_util::try_join!(async { read.await.or_page(s) }, Self::load(s))
    }

    /// The reference lists themselves.
    pub fn catalogue(&self) -> &Catalogue {
        &self.catalogue
    }

    /// All regions, ordered by code.
    pub fn regions(&self) -> &[Region] {
        &self.catalogue.regions
    }

    /// All industries, ordered by code.
    pub fn industries(&self) -> &[Industry] {
        &self.catalogue.industries
    }

    /// A region's name, or its code when unknown.
    pub fn region(&self, f: &Frame, code: &str) -> String {
        let found = self
            .regions()
            .binary_search_by(|r| r.code.as_str().cmp(code))
            .ok()
            .map(|at| &self.regions()[at]);
        found.map_or_else(
            || code.to_string(),
            |r| f.name(&r.name_zh, &r.name_en).to_string(),
        )
    }

    /// An industry's name, or its code when unknown.
    pub fn industry(&self, f: &Frame, code: &str) -> String {
        self.industries()
            .iter()
            .find(|i| i.code == code)
            .map_or_else(
                || code.to_string(),
                |i| f.name(&i.name_zh, &i.name_en).to_string(),
            )
    }
}

/// Whether the visitor may file (consumers, and visitors who will be asked to log in).
fn may_file(s: &Session) -> bool {
    s.user
        .as_ref()
        .is_none_or(|u| u.role() == crate::domain::role::Role::Consumer)
}

/// How a commitment reads.
pub(super) fn commitment(f: &Frame, c: &CommitmentDto) -> String {
    match (c.kind.as_str(), c.return_days) {
        ("offline_no_reason_return", Some(days)) => {
            f.l.format("no-reason-returns-in-days", &[("days", days.into())])
        }
        (kind, _) => labels::named::<CommitmentKind>(f.l, kind).into(),
    }
}

#[derive(Template)]
#[template(path = "portal/home.html")]
struct HomePage {
    f: Frame,
    alerts: Vec<PublicationDto>,
}

async fn home(s: Session) -> Result<HttpResponse, PageError> {
    let alerts = publications::public_list_for(
        &s.state,
        PublicQuery {
            kind: Some(PublicationKind::ConsumerAlert.as_str().into()),
            region: None,
        },
    )
    .await
    .or_page(&s)?;
    let page = HomePage {
        f: s.frame().titled("home"),
        alerts: alerts.into_iter().take(3).collect(),
    };
    html(StatusCode::OK, page.render()).or_page(&s)
}

#[derive(Template)]
#[template(path = "portal/units.html")]
struct DirectoryPage {
    f: Frame,
    units: Vec<PublicUnit>,
    names: Names,
    q: String,
    industry: String,
    chooser: RegionChooser,
    next: Option<String>,
    can_file: bool,
}

impl DirectoryPage {
    fn commitment(&self, c: &CommitmentDto) -> String {
        commitment(&self.f, c)
    }

    fn next_href(&self, cursor: &str) -> String {
        use super::frame::encode;
        format!(
            "/units?q={}&industry={}&region={}&cursor={}",
            encode(&self.q),
            encode(&self.industry),
            encode(self.chooser.chosen.as_deref().unwrap_or_default()),
            encode(cursor)
        )
    }
}

/// Search of the directory page.
#[derive(Debug, Deserialize)]
pub struct DirectorySearch {
    q: Option<String>,
    industry: Option<String>,
    /// The region chooser's lists (or one `region` code).
    #[serde(flatten)]
    region: RegionChoice,
    cursor: Option<String>,
}

async fn directory(
    s: Session,
    query: web::Query<DirectorySearch>,
) -> Result<HttpResponse, PageError> {
    let query = query.into_inner();
    let some = |v: &Option<String>| v.clone().filter(|v| !v.trim().is_empty());
    let names = Names::load(&s).await?;
    let chooser = RegionChooser::new(names.catalogue(), &query.region, s.lang);
    let asked = DirectoryQuery {
        q: some(&query.q),
        industry: some(&query.industry),
        region: chooser.chosen.clone(),
        limit: Some("30".into()),
        cursor: some(&query.cursor),
    };
    let found = public::directory_for(&s.state, asked).await.or_page(&s)?;
    let mut frame = s.frame().titled("directory-of-odr-units");
    if s.request().query_string().contains("welcome=1") {
        frame = frame.with_notice("ok", s.lang.s("you-are-registered-find-the-business"));
    }
    let page = DirectoryPage {
        f: frame,
        units: found.items,
        names,
        q: query.q.unwrap_or_default(),
        industry: query.industry.unwrap_or_default(),
        chooser,
        next: found.next_cursor,
        can_file: may_file(&s),
    };
    html(StatusCode::OK, page.render()).or_page(&s)
}

#[derive(Template)]
#[template(path = "portal/unit.html")]
struct UnitPage {
    f: Frame,
    u: PublicUnit,
    names: Names,
    can_file: bool,
}

impl UnitPage {
    fn commitment(&self, c: &CommitmentDto) -> String {
        commitment(&self.f, c)
    }
}

async fn unit_page(s: Session, path: web::Path<String>) -> Result<HttpResponse, PageError> {
    let (unit, names) =
        Names::beside(&s, public::directory_entry_for(&s.state, path.into_inner())).await?;
    let mut frame = s.frame();
    frame.title = unit.name.clone();
    let page = UnitPage {
        f: frame,
        u: unit,
        names,
        can_file: may_file(&s),
    };
    html(StatusCode::OK, page.render()).or_page(&s)
}

#[derive(Template)]
#[template(path = "portal/publications.html")]
struct PublicationsPage {
    f: Frame,
    items: Vec<PublicationDto>,
    names: Names,
}

async fn published(
    s: Session,
    kind: PublicationKind,
    title: &'static str,
) -> Result<HttpResponse, PageError> {
    let asked = PublicQuery {
        kind: Some(kind.as_str().into()),
        region: None,
    };
    let (items, names) = Names::beside(&s, publications::public_list_for(&s.state, asked)).await?;
    let page = PublicationsPage {
        f: s.frame().titled(title),
        items,
        names,
    };
    html(StatusCode::OK, page.render()).or_page(&s)
}

async fn cases(s: Session) -> Result<HttpResponse, PageError> {
    published(s, PublicationKind::CaseSummary, "published-cases").await
}

async fn warnings(s: Session) -> Result<HttpResponse, PageError> {
    published(s, PublicationKind::ConsumerAlert, "consumer-alerts").await
}
