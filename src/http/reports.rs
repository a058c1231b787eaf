//! Region reports for regulators (docs/metrics.md#reports-and-exports): the daily look (new, due today, overdue, open
//! alerts), the weekly check and the monthly close (月结) with the figures and a table per
//! unit, and the monthly analysis of where complaints concentrate (docs/metrics.md#monthly-analysis),
//! as CSV or XLSX. Consumers appear by case number only.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Asia::Shanghai;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::auth::AuthUser;
use super::pagination::{PageParams, split_page};
use super::tables::{ExportFormat, Format, download, export_lang};
use crate::domain::region::RegionCode;
use crate::domain::role::Role;
use crate::error::{ApiError, ErrorCode};
use crate::i18n::Words;
use crate::oversight::reports::{ArchivedTables, Report, ReportKind, build_report};
use crate::store::from_db_time;
use crate::store::reports::{find_report, list_reports};

/// Registers the routes of this module.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/reports").route(web::get().to(list_archive)))
        .service(web::resource("/reports/archive/{id}").route(web::get().to(download_archived)))
        .service(web::resource("/reports/{kind}").route(web::get().to(report)));
}

/// Which region and day.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// A region inside the caller's (default: the caller's own).
    pub region: Option<String>,
    /// A day of the period (Asia/Shanghai), default today.
    pub date: Option<NaiveDate>,
    /// `csv` (UTF-8 with BOM, default) or `xlsx`.
    pub format: Option<String>,
    /// `zh-CN` or `en`: the language of the download (default: the account's language).
    pub lang: Option<String>,
}

/// The region whose reports `auth` sees: a regulator's own, or every region (`None`) for an
/// admin; anyone else is refused.
fn viewer_region(auth: &AuthUser) -> Result<Option<RegionCode>, ApiError> {
    match (auth.role(), auth.actor.region.clone()) {
        (Role::Regulator, Some(region)) => Ok(Some(region)),
        (Role::Admin, _) => Ok(None),
        _ => Err(ApiError::forbidden("Reports are for regulators.")),
    }
}

/// Which archived reports.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ArchiveQuery {
    /// Only this kind (default: all three).
    #[param(value_type = Option<ReportKind>)]
    pub kind: Option<String>,
}

/// An archived report.
#[derive(Debug, Serialize, serde::Deserialize, ToSchema)]
pub struct ArchivedReportDto {
    pub id: String,
    pub region_code: String,
    pub kind: ReportKind,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    pub generated_at: DateTime<Utc>,
}

/// A page of archived reports.
#[derive(Debug, Serialize, serde::Deserialize, ToSchema)]
pub struct ArchivePage {
    pub items: Vec<ArchivedReportDto>,
    pub next_cursor: Option<String>,
}

/// Reports the schedule generated for the caller's region and the regions inside it (all for
/// admins), newest first.
#[utoipa::path(get, path = "/api/v1/reports", tag = "metrics", params(ArchiveQuery, PageParams),
    responses((status = 200, body = ArchivePage), (status = 403, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn list_archive(
    state: web::Data<AppState>,
    auth: AuthUser,
    query: web::Query<ArchiveQuery>,
    page: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let archive = list_archive_for(&state, &auth, query.into_inner(), page.into_inner()).await?;
    Ok(HttpResponse::Ok().json(archive))
}

/// Archived reports `auth` may read, newest first.
pub async fn list_archive_for(
    state: &AppState,
    auth: &AuthUser,
    query: ArchiveQuery,
    page: PageParams,
) -> Result<ArchivePage, ApiError> {
    let own = viewer_region(auth)?;
    let kind = match query.kind.as_deref() {
        None => None,
        Some(k) => Some(ReportKind::parse(k).ok_or_else(|| {
            ApiError::invalid_field("kind", "invalid_kind", "daily, weekly, monthly or analysis")
        })?),
    };
    let limit = page.limit()?;
    let cursor = page.cursor()?;
    let rows = state
        .db
        .read(Some(&auth.user.id), move |conn| {
            list_reports(
                conn,
                own.as_ref().map(RegionCode::prefix),
                kind.map(ReportKind::as_str),
                cursor.as_deref(),
                limit + 1,
            )
        })
        .await?;
    let (rows, next_cursor) = split_page(rows, limit, |r| r.id.clone());
    let items = rows
        .into_iter()
        .map(|r| -> Result<_, ApiError> {
            Ok(ArchivedReportDto {
                id: r.id,
                region_code: r.region_code,
                kind: r.kind.parse()?,
                period_from: r.period_from,
                period_to: r.period_to,
                generated_at: from_db_time(r.created_at),
            })
        })
        .collect::<Result<_, _>>()?;
    Ok(ArchivePage { items, next_cursor })
}

/// An archived report as generated, as CSV or XLSX, in the language asked (archives made before
/// 2026-12-06 hold both languages side by side and are downloaded as they are).
#[utoipa::path(get, path = "/api/v1/reports/archive/{id}", tag = "metrics",
    params(("id" = String, Path, description = "The archived report"), ExportFormat),
    responses((status = 200, description = "text/csv or an XLSX workbook"), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn download_archived(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<String>,
    format: web::Query<ExportFormat>,
) -> Result<HttpResponse, ApiError> {
    let own = viewer_region(&auth)?;
    let (format, lang) = format.parse(&auth)?;
    let id = path.into_inner();
    let missing = || ApiError::new(ErrorCode::ReportNotFound, "No such report in your view.");
    let row = state
        .db
        .run(move |conn| find_report(conn, &id))
        .await?
        .ok_or_else(missing)?;
    let region = RegionCode::parse(&row.region_code).map_err(ApiError::internal)?;
    if own.is_some_and(|own| !own.contains(&region)) {
        return Err(missing());
    }
    let tables: ArchivedTables = serde_json::from_str(&row.tables).map_err(ApiError::internal)?;
    download(
        &tables.in_lang(lang),
        format,
        &format!("{}-{}-{}", row.kind, row.region_code, row.period_from),
    )
}

/// A region report: `daily`, `weekly`, `monthly` or `analysis` (the month's concentration by
/// industry, district, kind of case and unit; regulators of the region, admins).
#[utoipa::path(get, path = "/api/v1/reports/{kind}", tag = "metrics",
    params(("kind" = ReportKind, Path, description = "Which report"), ReportQuery),
    responses((status = 200, description = "text/csv or an XLSX workbook"), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn report(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<String>,
    query: web::Query<ReportQuery>,
) -> Result<HttpResponse, ApiError> {
    let format = Format::parse(query.format.as_deref())?;
    let words = Words(export_lang(&auth, query.lang.as_deref())?);
    let report = report_for(&state, &auth, &path.into_inner(), &query, words).await?;
    download(&report.tables, format, &report.file_name())
}

/// The `kind` report `query` asks `auth` (a regulator, or an administrator naming the region)
/// for, built now in `words`.
pub async fn report_for(
    state: &AppState,
    auth: &AuthUser,
    kind: &str,
    query: &ReportQuery,
    words: Words,
) -> Result<Report, ApiError> {
    let own = viewer_region(auth)?;
    let region = match (query.region.as_deref(), &own) {
        (Some(code), _) => RegionCode::parse(code)
            .map_err(|e| ApiError::invalid_field("region", "invalid_region_code", e.to_string()))?,
        (None, Some(own)) => own.clone(),
        (None, None) => {
            return Err(ApiError::invalid_field(
                "region",
                "required",
                "name the region",
            ));
        }
    };
    if own.as_ref().is_some_and(|own| !own.contains(&region)) {
        return Err(ApiError::new(
            ErrorCode::ScopeNotFound,
            "No such region in your view.",
        ));
    }
    let mut errors = crate::error::FieldErrors::default();
    crate::oversight::check_day(&mut errors, "date", query.date);
    errors.finish()?;
    let now = state.clock.now();
    let day = query
        .date
        .unwrap_or_else(|| now.with_timezone(&Shanghai).date_naive());
    let Some(kind) = ReportKind::parse(kind) else {
        return Err(ApiError::new(
            ErrorCode::ReportNotFound,
            "Reports are daily, weekly, monthly or analysis.",
        ));
    };
    Ok(state
        .db
        .read(Some(&auth.user.id), move |conn| {
            build_report(conn, kind, &region, day, now, words)
        })
        .await?)
}
