//! The audit log as regulators (their region) and admins (everything) read and export it.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::auth::AuthUser;
use crate::domain::role::Role;
use crate::error::ApiError;
use crate::store::audit::{AuditEntry, list_audit};
use crate::store::from_db_time;

/// Registers the routes of this module.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/audit").route(web::get().to(list)))
        .service(web::resource("/audit/export").route(web::get().to(export)));
}

/// Whose entries the caller may read: `None` for everything (admins), else a region prefix.
fn readable(auth: &AuthUser) -> Result<Option<String>, ApiError> {
    match auth.role() {
        Role::Admin => Ok(None),
        Role::Regulator => auth
            .actor
            .region
            .as_ref()
            .map(|r| Some(r.prefix().to_string()))
            .ok_or_else(|| ApiError::forbidden("Your account has no region.")),
        _ => Err(ApiError::forbidden("Your role may not use this operation.")),
    }
}

/// Paging through the log.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// 1–500, default 100.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// One entry of the log.
#[derive(Debug, Serialize, serde::Deserialize, ToSchema)]
pub struct AuditEntryDto {
    pub seq: i64,
    pub id: String,
    pub at: DateTime<Utc>,
    pub actor_id: Option<String>,
    pub actor_role: String,
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    pub region_code: Option<String>,
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
    /// The hash of the entry before it on the chain.
    pub prev_hash: String,
    /// SHA-256 over the entry and `prev_hash`.
    pub hash: String,
    /// The entry's place on the chain; entries are listed once sealed (within a sweep of the
    /// worker), in this order.
    pub chain_no: i64,
}

impl From<AuditEntry> for AuditEntryDto {
    fn from(e: AuditEntry) -> Self {
        Self {
            seq: e.seq,
            id: e.id,
            at: from_db_time(e.at),
            actor_id: e.actor_id,
            actor_role: e.actor_role,
            action: e.action,
            object_type: e.object_type,
            object_id: e.object_id,
            region_code: e.region_code,
            details: serde_json::from_str(&e.details).unwrap_or_default(),
            prev_hash: e.prev_hash.unwrap_or_default(),
            hash: e.hash.unwrap_or_default(),
            chain_no: e.chain_no.unwrap_or_default(),
        }
    }
}

/// A page of the log.
#[derive(Debug, Serialize, serde::Deserialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditEntryDto>,
    pub next_cursor: Option<String>,
}

/// The audit log in chain order: regulators see their region's entries, admins all.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, body = AuditPage), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn list(
    state: web::Data<AppState>,
    auth: AuthUser,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(list_for(&state, &auth, query.into_inner()).await?))
}

/// The audit entries `auth` may read, oldest first from `query`'s cursor.
pub async fn list_for(
    state: &AppState,
    auth: &AuthUser,
    query: AuditQuery,
) -> Result<AuditPage, ApiError> {
    let prefix = readable(auth)?;
    let limit = query.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::invalid_field(
            "limit",
            "out_of_range",
            "from 1 to 500",
        ));
    }
    let after = match query.cursor.as_deref() {
        None => 0,
        Some(c) => c.parse::<i64>().map_err(|_| {
            ApiError::invalid_field("cursor", "invalid_cursor", "use the previous next_cursor")
        })?,
    };
    let rows = state
        .db
        .read(Some(&auth.user.id), move |conn| {
            list_audit(conn, prefix.as_deref(), after, limit).map_err(ApiError::from)
        })
        .await?;
    let next_cursor = (rows.len() as i64 == limit)
        .then(|| rows.last().and_then(|r| r.chain_no).map(|n| n.to_string()))
        .flatten();
    Ok(AuditPage {
        items: rows.into_iter().map(AuditEntryDto::from).collect(),
        next_cursor,
    })
}

/// Most entries one export holds.
const EXPORT_LIMIT: i64 = 100_000;

/// The readable log as CSV (UTF-8 with BOM, opens in Excel and WPS); the export is audited.
#[utoipa::path(get, path = "/api/v1/audit/export", tag = "audit",
    responses((status = 200, description = "text/csv", content_type = "text/csv"), (status = 403, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn export(state: web::Data<AppState>, auth: AuthUser) -> Result<HttpResponse, ApiError> {
    let prefix = readable(&auth)?;
    let now = state.clock.now();
    let rows = state
        .db
        .run(move |conn| {
            crate::oversight::audit::export_log(
                conn,
                &auth.actor,
                prefix.as_deref(),
                EXPORT_LIMIT,
                now,
            )
            .map_err(ApiError::from)
        })
        .await?;
    let mut out = csv::Writer::from_writer(vec![0xEF, 0xBB, 0xBF]);
    let header = [
        "seq",
        "id",
        "at",
        "actor_id",
        "actor_role",
        "action",
        "object_type",
        "object_id",
        "region_code",
        "details",
        "prev_hash",
        "hash",
        "chain_no",
    ];
    out.write_record(header).map_err(ApiError::internal)?;
    for e in rows {
        out.write_record([
            e.seq.to_string(),
            e.id,
            from_db_time(e.at).to_rfc3339(),
            e.actor_id.unwrap_or_default(),
            e.actor_role,
            e.action,
            e.object_type,
            e.object_id,
            e.region_code.unwrap_or_default(),
            crate::tables::csv_text(&e.details),
            e.prev_hash.unwrap_or_default(),
            e.hash.unwrap_or_default(),
            e.chain_no.map(|n| n.to_string()).unwrap_or_default(),
        ])
        .map_err(ApiError::internal)?;
    }
    let bytes = out.into_inner().map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            "attachment; filename=\"audit-log.csv\"",
        ))
        .body(bytes))
}
