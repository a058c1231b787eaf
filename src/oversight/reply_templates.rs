//! Reply templates (工单回复格式, docs/reply-templates.md): a region's regulators keep texts for
//! recurring kinds of cases, each marked once their legal section has reviewed that very text;
//! the units' staff inside the region and its regulators insert them into messages, refusals
//! and decisions and edit them before sending.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::domain::access::Actor;
use crate::domain::dispute::Actor as On;
use crate::domain::region::RegionCode;
use crate::domain::role::Role;
use crate::domain::text::BoundedText;
use crate::error::{ApiError, ErrorCode, FieldErrors};
use crate::store::audit::record_action;
use crate::store::reply_templates::{self as stored, ReplyTemplate};
use crate::store::{DbConn, new_id, to_db_time, write_transaction};

/// The most templates one region keeps.
pub const MAX_PER_REGION: i64 = 200;
/// A template's title, in characters.
pub const TITLE_CHARS: (usize, usize) = (2, 60);
/// A template's text, in characters: it fits every field it is inserted into (a refusal's
/// reason and a 12315 step's note take 1,000).
pub const BODY_CHARS: (usize, usize) = (2, 1000);

/// A template as written by a regulator: the whole of it, on creation and on every change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplateRequest {
    /// What the template is for, as listed (2–60 characters).
    pub title: String,
    /// The text inserted (2–1,000 characters).
    pub body: String,
    /// The kind of case it serves: a dispute category's code, as a filing's `category` (a
    /// code that is not one is refused with the list of codes); none: any kind.
    pub category: Option<String>,
    /// The legal section's mark on the text (`body`). `true`: it reviewed this text (recorded
    /// with who and when, unless the same text is marked already); `false`: not reviewed;
    /// absent: the mark stays while the text stays and goes when the text changes. The title
    /// and the kind do not touch it.
    #[serde(default)]
    pub reviewed: Option<bool>,
}

/// Which templates a list holds.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TemplateQuery {
    /// Only templates for this kind of case (a category's code) and those for any kind.
    pub category: Option<String>,
    /// Only templates that serve this dispute (its region and the regions around it, its
    /// kind and any kind); the caller must be its business's staff or its regulator.
    pub dispute_id: Option<String>,
}

/// Where templates are read from for `actor`: the exact region codes whose templates serve
/// them (their own region and the regions around it) and, for a regulator, the prefix of the
/// regions inside theirs, whose templates they keep too.
fn scope(conn: &mut DbConn, actor: &Actor) -> Result<(Vec<String>, Option<String>), ApiError> {
    match (actor.role, &actor.region, &actor.business_id) {
        (Role::Regulator, Some(region), _) => {
            Ok((around(region), Some(region.prefix().to_string())))
        }
        (Role::MerchantStaff, _, Some(business)) => {
            let business = crate::store::businesses::find_business(conn, business)?
                .ok_or_else(|| ApiError::forbidden("Your business is not registered."))?;
            let region = RegionCode::parse(&business.region_code)
                .map_err(|_| crate::store::StoreError::Corrupt(business.region_code.clone()))?;
            Ok((around(&region), None))
        }
        _ => Err(ApiError::forbidden(
            "Reply templates are kept by regulators and used by the staff of ODR units.",
        )),
    }
}

/// `region` and every region it lies in, by code.
fn around(region: &RegionCode) -> Vec<String> {
    region
        .and_around()
        .iter()
        .map(|r| r.as_str().to_string())
        .collect()
}

/// The templates `actor` may insert, as asked by `query`: those for a kind of case first, then
/// those for any kind, each by title (in code-point order).
pub fn list(
    conn: &mut DbConn,
    actor: &Actor,
    categories: &[String],
    query: &TemplateQuery,
) -> Result<Vec<ReplyTemplate>, ApiError> {
    let (mut regions, mut inside) = scope(conn, actor)?;
    let mut category = query.category.clone().filter(|c| !c.trim().is_empty());
    if let Some(code) = &category {
        check_category(code, categories)?;
    }
    if let Some(id) = &query.dispute_id {
        let (dispute, claim) = crate::store::disputes::find_dispute(conn, id)?
            .filter(|(d, _)| {
                matches!(
                    crate::disputes::role_of(actor, d),
                    Some(On::Merchant | On::Regulator)
                )
            })
            .ok_or_else(crate::disputes::dispute_not_found)?;
        let region = RegionCode::parse(&dispute.region_code)
            .map_err(|_| crate::store::StoreError::Corrupt(dispute.region_code.clone()))?;
        regions = around(&region);
        inside = None;
        // `category` narrows: another kind than the dispute's serves it not.
        if category.as_ref().is_some_and(|c| *c != claim.category) {
            return Ok(Vec::new());
        }
        category = Some(claim.category);
    }
    let mut rows = stored::list_templates(conn, &regions, inside.as_deref(), category.as_deref())?;
    // Ordered here, not by the database, whose collation of Chinese titles differs per backend.
    rows.sort_by(|a, b| (a.category.is_none(), &a.title).cmp(&(b.category.is_none(), &b.title)));
    Ok(rows)
}

/// Whether `actor` keeps `template` (a regulator of its region or a region around it).
pub fn may_change(actor: &Actor, template: &ReplyTemplate) -> bool {
    RegionCode::parse(&template.region_code).is_ok_and(|r| actor.regulates(&r))
}

/// The template `id` as `actor` may read it; 404 when it serves them not.
pub fn find(conn: &mut DbConn, actor: &Actor, id: &str) -> Result<ReplyTemplate, ApiError> {
    let (regions, inside) = scope(conn, actor)?;
    stored::find_template(conn, id)?
        .filter(|t| {
            regions.contains(&t.region_code)
                || inside
                    .as_deref()
                    .is_some_and(|prefix| t.region_code.starts_with(prefix))
        })
        .ok_or_else(not_found)
}

fn not_found() -> ApiError {
    ApiError::new(ErrorCode::ReplyTemplateNotFound, "No such reply template.")
}

/// The region a regulator keeps templates for; others are refused.
fn keeper_region(actor: &Actor) -> Result<RegionCode, ApiError> {
    match (actor.role, &actor.region) {
        (Role::Regulator, Some(region)) => Ok(region.clone()),
        _ => Err(ApiError::forbidden(
            "Reply templates are written by the region's regulators.",
        )),
    }
}

/// The request's fields, checked: title, text and kind.
fn checked(
    request: &TemplateRequest,
    categories: &[String],
) -> Result<(String, String, Option<String>), ApiError> {
    let mut e = FieldErrors::default();
    let (min, max) = TITLE_CHARS;
    let title = e.check(
        "title",
        "invalid_length",
        BoundedText::parse(&request.title, min, max),
    );
    let (min, max) = BODY_CHARS;
    let body = e.check(
        "body",
        "invalid_length",
        BoundedText::parse(&request.body, min, max),
    );
    let category = request
        .category
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    if let Some(Err(error)) = category.map(|code| check_category(code, categories)) {
        e.absorb(error);
    }
    e.finish()?;
    Ok((
        title.map(BoundedText::into_string).unwrap_or_default(),
        body.map(BoundedText::into_string).unwrap_or_default(),
        category.map(str::to_string),
    ))
}

/// Refuses `code` unless it is one of the configured `categories` (a `category` field error
/// naming them).
fn check_category(code: &str, categories: &[String]) -> Result<(), ApiError> {
    if categories.iter().any(|c| c == code) {
        return Ok(());
    }
    Err(ApiError::invalid_field(
        "category",
        "unknown_category",
        format!(
            "`{code}` is not a category; choose from {}.",
            categories.join(", ")
        ),
    ))
}

/// Refuses a title another template of `region` has (`except` itself).
fn check_title_free(
    conn: &mut DbConn,
    region: &str,
    title: &str,
    except: Option<&str>,
) -> Result<(), ApiError> {
    if stored::title_taken(conn, region, title, except)? {
        return Err(ApiError::invalid_field(
            "title",
            "title_taken",
            "another template of the region has this title",
        ));
    }
    Ok(())
}

/// Writes a new template for the regulator's region.
pub fn create(
    conn: &mut DbConn,
    actor: &Actor,
    categories: &[String],
    request: &TemplateRequest,
    now: DateTime<Utc>,
) -> Result<ReplyTemplate, ApiError> {
    let region = keeper_region(actor)?;
    let (title, body, category) = checked(request, categories)?;
    write_transaction(conn, |conn| {
        // One writer at a time per region counts (PostgreSQL runs them at once).
        crate::store::lock_key(conn, &format!("reply_templates:{}", region.as_str()))?;
        if stored::count_in_region(conn, region.as_str())? >= MAX_PER_REGION {
            return Err(ApiError::new(
                ErrorCode::ReplyTemplateLimitReached,
                format!("A region keeps at most {MAX_PER_REGION} reply templates."),
            ));
        }
        check_title_free(conn, region.as_str(), &title, None)?;
        let reviewed = request.reviewed == Some(true);
        let at = to_db_time(now);
        let row = ReplyTemplate {
            id: new_id(),
            region_code: region.as_str().to_string(),
            category,
            title,
            body,
            reviewed_at: reviewed.then_some(at),
            reviewed_by: reviewed.then(|| actor.user_id.clone()),
            created_by: actor.user_id.clone(),
            created_at: at,
            updated_at: at,
        };
        stored::insert_template(conn, &row)?;
        audit(conn, actor, "reply_template.created", &row, now)?;
        Ok(row)
    })
}

/// Changes a template of the regulator's region (or one inside it). The legal section's mark
/// follows the text (docs/reply-templates.md#the-legal-sections-mark).
pub fn change(
    conn: &mut DbConn,
    actor: &Actor,
    categories: &[String],
    id: &str,
    request: &TemplateRequest,
    now: DateTime<Utc>,
) -> Result<ReplyTemplate, ApiError> {
    keeper_region(actor)?;
    let (title, body, category) = checked(request, categories)?;
    write_transaction(conn, |conn| {
        let mut row = kept(conn, actor, id)?;
        if title != row.title {
            check_title_free(conn, &row.region_code, &title, Some(&row.id))?;
        }
        let marked_as_is = row.reviewed_at.is_some() && row.body == body;
        let at = to_db_time(now);
        match (request.reviewed, marked_as_is) {
            (Some(true) | None, true) => {}
            (Some(true), false) => {
                row.reviewed_at = Some(at);
                row.reviewed_by = Some(actor.user_id.clone());
            }
            (Some(false), _) | (None, false) => {
                row.reviewed_at = None;
                row.reviewed_by = None;
            }
        }
        (row.title, row.body, row.category, row.updated_at) = (title, body, category, at);
        stored::update_template(conn, &row)?;
        audit(conn, actor, "reply_template.updated", &row, now)?;
        Ok(row)
    })
}

/// Removes a template of the regulator's region (or one inside it).
pub fn delete(
    conn: &mut DbConn,
    actor: &Actor,
    id: &str,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    keeper_region(actor)?;
    write_transaction(conn, |conn| {
        let row = kept(conn, actor, id)?;
        stored::delete_template(conn, &row.id)?;
        audit(conn, actor, "reply_template.deleted", &row, now)
    })
}

/// Template `id` for a change by `actor`: 404 when it serves them not, 403 when it is kept by
/// the regulators of a region around theirs.
fn kept(conn: &mut DbConn, actor: &Actor, id: &str) -> Result<ReplyTemplate, ApiError> {
    let row = find(conn, actor, id)?;
    if !may_change(actor, &row) {
        return Err(ApiError::forbidden(
            "This template is kept by the regulators of a region around yours.",
        ));
    }
    Ok(row)
}

fn audit(
    conn: &mut DbConn,
    actor: &Actor,
    action: &str,
    row: &ReplyTemplate,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    record_action(
        conn,
        actor,
        action,
        "reply_template",
        &row.id,
        Some(&row.region_code),
        &serde_json::json!({
            "title": row.title,
            "category": row.category,
            "reviewed": row.reviewed_at.is_some(),
        }),
        now,
    )?;
    Ok(())
}
