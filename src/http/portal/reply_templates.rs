//! The reply templates pages of a region's regulators (docs/reply-templates.md): the templates
//! that serve them, a form to write one, each one's page to change or delete it. Inserting a
//! template happens on a dispute's page (`super::disputes`). They call
//! `http::reply_templates`, so the API's rules hold.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::frame::{Fields, Frame, encode, html};
use super::public::Names;
use super::session::{OrPage, PageError, Session, after, status_of};
use super::table::{Cell, Listing, Row};
use crate::domain::role::Role;
use crate::error::ApiError;
use crate::http::reply_templates::{self as api, ReplyTemplateDto, TemplateQuery, TemplateRequest};

/// The list of templates (the navigation's link).
pub const PAGE: &str = "/reply-templates";

/// Who keeps templates in the portal.
const REGULATORS: &[Role] = &[Role::Regulator];

/// Registers the routes of this module.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource(PAGE)
            .route(web::get().to(|s: Session| list_page(s, None)))
            .route(web::post().to(create)),
    )
    .service(web::resource("/reply-templates/new").route(web::get().to(new_page)))
    .service(
        web::resource("/reply-templates/{id}")
            .route(web::get().to(template_page))
            .route(web::post().to(save)),
    )
    .service(web::resource("/reply-templates/{id}/delete").route(web::post().to(delete)));
}

async fn list_page(s: Session, error: Option<ApiError>) -> Result<HttpResponse, PageError> {
    let auth = s.account_as(REGULATORS)?;
    let (items, names) =
        Names::beside(&s, api::list_for(&s.state, &auth, TemplateQuery::default())).await?;
    let mut list = Listing::new(
        s.frame_after(error.as_ref()),
        "reply-templates",
        &[
            "title",
            "kind-of-case",
            "kept-by",
            "legal-review",
            "changed",
        ],
    );
    list.intro = Some(list.s("templates-for-recurring-kinds-of"));
    list.links
        .push(("/reply-templates/new".into(), list.s("write-a-template")));
    list.empty = list.s("no-reply-template-yet");
    for t in items {
        let kind = category_name(&list.frame, t.category.as_deref());
        let excerpt = match t.body.chars().count() {
            n if n > 40 => format!("{}…", t.body.chars().take(40).collect::<String>()),
            _ => t.body.clone(),
        };
        list.rows.push(Row {
            cells: vec![
                Cell::link(t.title, format!("{PAGE}/{}", encode(&t.id))).with_note(excerpt),
                Cell::text(kind),
                Cell::text(names.region(&list.frame, &t.region_code)),
                review_badge(&list.frame, t.reviewed),
                Cell::text(list.frame.time(&t.updated_at)),
            ],
            forms: Vec::new(),
        });
    }
    list.render(&s, error.as_ref().map_or(StatusCode::OK, status_of))
}

/// "Reviewed by the legal section" or "not reviewed yet".
pub(super) fn review_badge(f: &Frame, reviewed: bool) -> Cell {
    if reviewed {
        Cell::badge(f.s("reviewed-by-the-legal-section"), "ok")
    } else {
        Cell::badge(f.s("not-reviewed-yet"), "")
    }
}

/// A category's name in the page's language; "any kind" for none.
fn category_name(f: &Frame, code: Option<&str>) -> String {
    match code {
        None => f.s("any-kind-of-case").to_string(),
        Some(code) => f.category(code).to_string(),
    }
}

/// What the form shows: as stored, or as typed before a refusal.
#[derive(Debug, Default, Deserialize)]
pub struct TemplateForm {
    #[serde(default)]
    csrf: String,
    title: String,
    body: String,
    #[serde(default)]
    category: String,
    /// `yes` when ticked.
    reviewed: Option<String>,
}

impl TemplateForm {
    fn reviewed(&self) -> bool {
        self.reviewed.as_deref() == Some("yes")
    }

    fn request(&self) -> TemplateRequest {
        TemplateRequest {
            title: self.title.clone(),
            body: self.body.clone(),
            category: Some(self.category.clone()).filter(|c| !c.is_empty()),
            // Ticked: the legal section reviewed the text as sent; unticked: the mark stays
            // while the text stays.
            reviewed: self.reviewed().then_some(true),
        }
    }
}

/// The form's values as the template shows them.
struct Shown {
    title: String,
    body: String,
    category: String,
    reviewed: bool,
}

#[derive(Template)]
#[template(path = "portal/reply_template.html")]
struct TemplatePage {
    f: Frame,
    /// The stored template (none: a new one).
    shown: Option<ReplyTemplateDto>,
    region: String,
    editable: bool,
    action: String,
    form: Shown,
    categories: Vec<(String, String)>,
    errors: Fields,
}

/// The form page: a new template (`shown` none) or a stored one, with `typed` after a refusal.
async fn form_page(
    s: &Session,
    shown: Option<ReplyTemplateDto>,
    typed: Option<TemplateForm>,
    error: Option<ApiError>,
) -> Result<HttpResponse, PageError> {
    let names = Names::load(s).await?;
    let mut frame = s.frame_after(error.as_ref());
    frame = match &shown {
        Some(t) => frame.titled_as(&t.title),
        None => frame.titled("write-a-template"),
    };
    let form = match (typed, &shown) {
        (Some(t), _) => Shown {
            reviewed: t.reviewed(),
            title: t.title,
            body: t.body,
            category: t.category,
        },
        // Unticked: ticking it marks the text as it will be saved (docs/reply-templates.md).
        (None, Some(t)) => Shown {
            title: t.title.clone(),
            body: t.body.clone(),
            category: t.category.clone().unwrap_or_default(),
            reviewed: false,
        },
        (None, None) => Shown {
            title: String::new(),
            body: String::new(),
            category: String::new(),
            reviewed: false,
        },
    };
    let page = TemplatePage {
        region: shown
            .as_ref()
            .map(|t| names.region(&frame, &t.region_code))
            .unwrap_or_default(),
        editable: shown.as_ref().is_none_or(|t| t.editable),
        action: shown
            .as_ref()
            .map_or_else(|| PAGE.to_string(), |t| format!("{PAGE}/{}", encode(&t.id))),
        categories: {
            let mut all: Vec<(String, String)> = (s.state.settings.disputes.categories.iter())
                .map(|c| (c.code.clone(), c.name(s.lang).to_string()))
                .collect();
            // A kind no longer configured stays chosen, so saving keeps it.
            if !form.category.is_empty() && !all.iter().any(|(code, _)| *code == form.category) {
                let name = frame.category(&form.category).to_string();
                all.push((form.category.clone(), name));
            }
            all
        },
        errors: error
            .as_ref()
            .map(|e| Fields::of(s.lang, e))
            .unwrap_or_default(),
        f: frame,
        shown,
        form,
    };
    let status = error.as_ref().map_or(StatusCode::OK, status_of);
    html(status, page.render()).or_page(s)
}

async fn new_page(s: Session) -> Result<HttpResponse, PageError> {
    s.account_as(REGULATORS)?;
    form_page(&s, None, None, None).await
}

async fn template_page(s: Session, path: web::Path<String>) -> Result<HttpResponse, PageError> {
    let auth = s.account_as(REGULATORS)?;
    let t = api::get_for(&s.state, &auth, path.into_inner())
        .await
        .or_page(&s)?;
    form_page(&s, Some(t), None, None).await
}

async fn create(s: Session, form: web::Form<TemplateForm>) -> Result<HttpResponse, PageError> {
    s.check_form(&form.csrf)?;
    let auth = s.account_as(REGULATORS)?;
    let form = form.into_inner();
    let outcome = api::create_for(&s.state, &auth, form.request()).await;
    after(s, outcome.map(drop), PAGE, |s, error| async move {
        form_page(&s, None, Some(form), error).await
    })
    .await
}

async fn save(
    s: Session,
    path: web::Path<String>,
    form: web::Form<TemplateForm>,
) -> Result<HttpResponse, PageError> {
    s.check_form(&form.csrf)?;
    let auth = s.account_as(REGULATORS)?;
    let (id, form) = (path.into_inner(), form.into_inner());
    let outcome = api::replace_for(&s.state, &auth, id.clone(), form.request()).await;
    // Refused: the template's page again, with what was typed.
    after(s, outcome.map(drop), PAGE, |s, error| async move {
        let stored = api::get_for(&s.state, &auth, id).await.or_page(&s)?;
        form_page(&s, Some(stored), Some(form), error).await
    })
    .await
}

/// Deleting asks to tick that the template goes for everyone.
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
    s.check_form(&form.csrf)?;
    let auth = s.account_as(REGULATORS)?;
    let id = path.into_inner();
    if form.confirm.as_deref() != Some("yes") {
        // Not ticked: the template's page again, saying so.
        let stored = api::get_for(&s.state, &auth, id).await.or_page(&s)?;
        let error = ApiError::invalid_field(
            "confirm",
            "deletion_unconfirmed",
            "tick to confirm the deletion",
        );
        return form_page(&s, Some(stored), None, Some(error)).await;
    }
    let outcome = api::delete_for(&s.state, &auth, id).await;
    after(s, outcome, PAGE, list_page).await
}
