//! Handlers: filing, inbox listing and counts, the full view and actions.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};

use super::dto::{
    ActionRequest, DisputeCounts, DisputeListItem, DisputePage, DisputeQuery, FileDisputeRequest,
};
use super::view::{
    DisputeView, FiledDispute, case_rows, filed_dispute, read_case, view_for, view_of,
};
use super::{dispute_not_found, scope_of};
use crate::disputes::actions::{Acting, act as act_on};
use crate::disputes::filing::file_dispute;
use crate::disputes::role_of;
use crate::domain::dispute::Status;
use crate::domain::region::RegionCode;
use crate::domain::role::Role;
use crate::error::{ApiError, FieldErrors};
use crate::http::AppState;
use crate::http::auth::AuthUser;
use crate::http::filters::several;
use crate::http::idempotency::{Done, idempotency_key, run_once};
use crate::http::json::Json;
use crate::http::pagination::{DEFAULT_LIMIT, MAX_LIMIT};
use crate::http::tables::ExportFormat;
use crate::store::disputes::{
    DisputeFilter, DisputeSort, count_by_status, find_dispute, list_disputes,
};
use crate::store::memo::Question;
use crate::store::reference::Catalogue;
use crate::store::{from_db_time, to_db_time};

/// Files a dispute (consumers). `Idempotency-Key` makes a retried request return the first
/// result.
#[utoipa::path(post, path = "/api/v1/disputes", tag = "disputes", request_body = FileDisputeRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "makes retries return the first result")),
    responses((status = 201, body = FiledDispute), (status = 403, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem, description = "duplicate_dispute: an open dispute about the same purchase exists"),
        (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn file(
    state: web::Data<AppState>,
    auth: AuthUser,
    req: HttpRequest,
    body: Json<FileDisputeRequest>,
) -> Result<HttpResponse, ApiError> {
    auth.require_role(&[Role::Consumer])?;
    let key = idempotency_key(&req)?;
    state.limit(&req, crate::security::limits::Action::Filing)?;
    let filed = file_for(&state, &auth, key, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(filed))
}

/// Files a dispute as `auth` (a consumer); with an idempotency `key`, a retry answers what the
/// first filing did. The caller counts the filing against its address's limit.
pub async fn file_for(
    state: &AppState,
    auth: &AuthUser,
    key: Option<String>,
    body: FileDisputeRequest,
) -> Result<FiledDispute, ApiError> {
    auth.require_role(&[Role::Consumer])?;
    let now = state.clock.now();
    let ctx = state.case_context();
    let calendar = state.calendars.current();
    let consumer = auth.user.clone();
    let render = move |conn: &mut crate::store::DbConn, done| {
        Ok(match done {
            // Answered from what was just written, without reading it back.
            Done::Now(dispute) => FiledDispute::of(&calendar, dispute)?,
            Done::Before(id) => filed_dispute(conn, &calendar, &id)?,
        })
    };
    let Some(key) = key else {
        // Nothing to claim first: on PostgreSQL the filing is then one read and one write,
        // with no transaction around them (docs/architecture.md#statements-per-write).
        return state
            .db
            .run(move |conn| {
                let dispute = crate::store::write_at_once(conn, |conn| {
                    Ok::<_, ApiError>(file_dispute(conn, &ctx, &consumer, &body.input(), now)?)
                })?;
                render(conn, Done::Now(dispute))
            })
            .await;
    };
    // Hashed before `body` moves into the work.
    let request = serde_json::to_value(&body).map_err(ApiError::internal)?;
    run_once(
        state,
        consumer.id.clone(),
        Some(key),
        &request,
        StatusCode::CREATED,
        move |conn| Ok(file_dispute(conn, &ctx, &consumer, &body.input(), now)?),
        render,
    )
    .await
}

/// The filter `query` asks for, with the reference lists read only when it names regions or
/// industries.
async fn parse_query_for(
    state: &AppState,
    query: &DisputeQuery,
    now: DateTime<Utc>,
) -> Result<DisputeFilter, ApiError> {
    let named = |value: &Option<String>| value.as_deref().is_some_and(|v| !v.trim().is_empty());
    let catalogue = if named(&query.region) || named(&query.industry) {
        Some(state.reference.current(&state.db).await?)
    } else {
        None
    };
    parse_query(query, catalogue.as_deref(), now)
}

fn parse_query(
    query: &DisputeQuery,
    catalogue: Option<&Catalogue>,
    now: DateTime<Utc>,
) -> Result<DisputeFilter, ApiError> {
    let mut e = FieldErrors::default();
    let open: Vec<Status> = Status::ALL
        .iter()
        .copied()
        .filter(|s| s.is_open())
        .collect();
    let allowed = format!("open, all or statuses ({})", Status::names());
    let named: Vec<Status> = several(
        &mut e,
        "status",
        "invalid_status",
        &allowed,
        query.status.as_deref(),
        |name| match name {
            "open" => Some(open.clone()),
            "all" => Some(Status::ALL.to_vec()),
            _ => Status::parse(name).map(|s| vec![s]),
        },
    )
    .concat();
    let (mut first_contact_overdue_at, mut overdue_at) = (None, None);
    match query.flag.as_deref() {
        None => {}
        Some("first_contact_overdue") => first_contact_overdue_at = Some(now),
        Some("overdue") => overdue_at = Some(now),
        Some(_) => e.add(
            "flag",
            "invalid_flag",
            "use first_contact_overdue or overdue",
        ),
    }
    let business_ids = several(
        &mut e,
        "business",
        "invalid_id",
        "business ids",
        query.business.as_deref(),
        |id| {
            (id.len() <= 64 && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
                .then(|| id.to_string())
        },
    );
    let regions = catalogue.map_or(&[][..], |c| &c.regions[..]);
    // A city or a province stands for every region inside it, retired ones included (older
    // disputes keep them): the code prefix they share.
    let region_prefixes: Vec<String> = several(
        &mut e,
        "region",
        "unknown_region",
        "region codes from GET /api/v1/regions",
        query.region.as_deref(),
        |code| {
            let known = regions.iter().any(|r| r.code == code);
            let region = known.then(|| RegionCode::parse(code).ok()).flatten();
            region.map(|r| r.prefix().to_string())
        },
    );
    let industries = catalogue.map_or(&[][..], |c| &c.industries[..]);
    let industry_codes = several(
        &mut e,
        "industry",
        "unknown_industry",
        "industry codes from GET /api/v1/industries",
        query.industry.as_deref(),
        |code| {
            (industries.iter())
                .any(|i| i.code == code)
                .then(|| code.to_string())
        },
    );
    let due_before = query.due_before.as_deref().and_then(|d| {
        e.check(
            "due_before",
            "invalid_time",
            DateTime::parse_from_rfc3339(d),
        )
        .map(|t| t.with_timezone(&Utc))
    });
    let sort = match query.sort.as_deref() {
        None | Some("due") => DisputeSort::Due,
        Some("filed") => DisputeSort::Filed,
        Some(_) => {
            e.add("sort", "invalid_sort", "use due or filed");
            DisputeSort::Due
        }
    };
    let limit = match query.limit.as_deref().map(|l| l.trim().parse::<i64>()) {
        None => DEFAULT_LIMIT,
        Some(Ok(l)) if (1..=MAX_LIMIT).contains(&l) => l,
        Some(_) => {
            e.add(
                "limit",
                "out_of_range",
                format!("a whole number from 1 to {MAX_LIMIT}"),
            );
            DEFAULT_LIMIT
        }
    };
    let after = query.cursor.as_deref().and_then(|c| {
        let decoded = URL_SAFE_NO_PAD
            .decode(c)
            .ok()
            .and_then(|b| String::from_utf8(b).ok());
        let parsed = decoded
            .as_deref()
            .and_then(|d| d.split_once('|'))
            .and_then(|(at, id)| {
                DateTime::parse_from_rfc3339(at)
                    .ok()
                    .map(|t| (to_db_time(t.with_timezone(&Utc)), id.to_string()))
            });
        if parsed.is_none() {
            e.add(
                "cursor",
                "invalid_cursor",
                "cursor must be the next_cursor of a previous page",
            );
        }
        parsed
    });
    e.finish()?;
    // Without statuses, the due order lists what is still open (docs/api.md#lists); every
    // status named is no filter.
    let named = if named.is_empty() && sort == DisputeSort::Due {
        open
    } else {
        named
    };
    let statuses = if Status::ALL.iter().all(|s| named.contains(s)) {
        Vec::new()
    } else {
        let mut names: Vec<String> = named.iter().map(|s| s.as_str().to_string()).collect();
        names.sort();
        names.dedup();
        names
    };
    Ok(DisputeFilter {
        statuses,
        due_before,
        first_contact_overdue_at,
        overdue_at,
        business_ids,
        region_prefixes,
        industry_codes,
        sort,
        after,
        limit: limit + 1,
    })
}

/// The caller's disputes: a consumer's own, a merchant's unit's, a regulator's region's.
#[utoipa::path(get, path = "/api/v1/disputes", tag = "disputes", params(DisputeQuery),
    responses((status = 200, body = DisputePage), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn list(
    state: web::Data<AppState>,
    auth: AuthUser,
    query: web::Query<DisputeQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(list_for(&state, &auth, &query).await?))
}

/// A page of the disputes `auth` may see, filtered and sorted by `query`.
pub async fn list_for(
    state: &AppState,
    auth: &AuthUser,
    query: &DisputeQuery,
) -> Result<DisputePage, ApiError> {
    let scope = scope_of(auth, false)?;
    let now = state.clock.now();
    let filter = parse_query_for(state, query, now).await?;
    let limit = usize::try_from(filter.limit - 1).unwrap_or(0);
    let sort = filter.sort;
    let mut items = list_items(state, auth, scope, filter, now).await?;
    let has_more = items.len() > limit;
    items.truncate(limit);
    let next_cursor = has_more.then(|| items.last()).flatten().map(|last| {
        let key = match sort {
            DisputeSort::Due => last.settlement_due_at,
            DisputeSort::Filed => last.filed_at,
        };
        URL_SAFE_NO_PAD.encode(format!("{}|{}", key.to_rfc3339(), last.id))
    });
    items.shrink_to_fit();
    Ok(DisputePage { items, next_cursor })
}

/// Most disputes one export holds.
const EXPORT_LIMIT: i64 = 10_000;

/// The caller's disputes with the list's filters, as CSV or XLSX (at most 10,000 rows; the
/// consumer's name only, no contact details); without `status`, every status.
#[utoipa::path(get, path = "/api/v1/disputes/export", tag = "disputes", params(DisputeQuery, ExportFormat),
    responses((status = 200, description = "text/csv or an XLSX workbook"), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn export(
    state: web::Data<AppState>,
    auth: AuthUser,
    query: web::Query<DisputeQuery>,
    format: web::Query<ExportFormat>,
) -> Result<HttpResponse, ApiError> {
    let (format, lang) = format.parse(&auth)?;
    let scope = scope_of(&auth, false)?;
    let now = state.clock.now();
    // A record rather than a work queue: without a status, every dispute of the scope.
    let mut query = query.into_inner();
    query.status.get_or_insert_with(|| "all".into());
    let mut filter = parse_query_for(&state, &query, now).await?;
    filter.limit = EXPORT_LIMIT;
    let items = list_items(&state, &auth, scope, filter, now).await?;
    let local = |t: DateTime<Utc>| {
        t.with_timezone(&chrono_tz::Asia::Shanghai)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    };
    use crate::http::tables::{Cell, Table};
    // Words for people in one language, codes beside them for programs (docs/api.md#exports).
    let categories = &state.settings.disputes.categories;
    let flag = |on: bool| Cell::Text(lang.s(if on { "table-yes" } else { "table-no" }).into());
    let table = Table {
        title: lang.s("table-disputes").into(),
        headers: [
            "table-case",
            "table-status",
            "table-business",
            "table-consumer",
            "table-category",
            "table-item-or-service",
            "table-claimed-yuan",
            "table-filed-at",
            "table-first-contact-due",
            "table-settlement-due",
            "table-first-contact-overdue",
            "table-past-settlement-due",
            "table-status-code",
            "table-category-code",
        ]
        .map(|id| lang.s(id).into())
        .to_vec(),
        rows: items
            .into_iter()
            .map(|i| {
                let category = categories
                    .iter()
                    .find(|c| c.code == i.category)
                    .map_or_else(|| i.category.clone(), |c| lang.name(&c.zh, &c.en).into());
                vec![
                    Cell::Text(i.case_number),
                    Cell::Text(lang.label("status", i.status.as_str()).into()),
                    Cell::Text(i.business_name),
                    Cell::Text(i.consumer_name),
                    Cell::Text(category),
                    Cell::Text(i.item_name),
                    Cell::Yuan(i.amount_claimed_fen),
                    Cell::Text(local(i.filed_at)),
                    Cell::Text(local(i.first_contact_due_at)),
                    Cell::Text(local(i.settlement_due_at)),
                    flag(i.first_contact_overdue),
                    flag(i.overdue),
                    Cell::Text(i.status.as_str().into()),
                    Cell::Text(i.category),
                ]
            })
            .collect(),
    };
    crate::http::tables::download(&[table], format, "disputes")
}

/// The list rows of `scope` with `filter` (one more than the page when there are more), read
/// for `auth` (from a replica when there is one and they have not written lately), or as read
/// for the same question less than a second before (`store::memo`); the overdue flags as of
/// `now`.
async fn list_items(
    state: &AppState,
    auth: &AuthUser,
    scope: crate::store::disputes::DisputeScope,
    filter: crate::store::disputes::DisputeFilter,
    now: DateTime<Utc>,
) -> Result<Vec<DisputeListItem>, ApiError> {
    let question = Question::listing(&scope, &filter, MAX_LIMIT);
    let rows = state
        .db
        .read_kept(
            question,
            now,
            Some(&auth.user.id),
            |rows: &Vec<_>| rows.len() + 1,
            move |conn| list_disputes(conn, &scope, &filter).map_err(ApiError::from),
        )
        .await?;
    rows.iter()
        .map(|d| {
            let status: Status = d.status.parse()?;
            Ok(DisputeListItem {
                first_contact_overdue: d.first_contacted_at.is_none()
                    && status == Status::Filed
                    && from_db_time(d.first_contact_due_at) < now,
                overdue: status.awaits_settlement() && from_db_time(d.settlement_due_at) < now,
                business_name: d.business_name.clone(),
                consumer_name: d.consumer_name.clone(),
                id: d.id.clone(),
                case_number: d.case_number.clone(),
                status,
                business_id: d.business_id.clone(),
                category: d.category.clone(),
                item_name: d.item_name.clone(),
                amount_claimed_fen: d.amount_claimed_fen,
                filed_at: from_db_time(d.filed_at),
                first_contact_due_at: from_db_time(d.first_contact_due_at),
                settlement_due_at: from_db_time(d.settlement_due_at),
            })
        })
        .collect()
}

/// Disputes per status in the caller's scope (association admins: their members').
#[utoipa::path(get, path = "/api/v1/disputes/counts", tag = "disputes",
    responses((status = 200, body = DisputeCounts), (status = 403, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn counts(state: web::Data<AppState>, auth: AuthUser) -> Result<HttpResponse, ApiError> {
    let scope = scope_of(&auth, true)?;
    let rows = state
        .db
        .read(Some(&auth.user.id), move |conn| {
            count_by_status(conn, &scope).map_err(ApiError::from)
        })
        .await?;
    let mut by_status: BTreeMap<String, i64> = Status::ALL
        .iter()
        .map(|s| (s.as_str().to_string(), 0))
        .collect();
    for (status, count) in rows {
        by_status.insert(status, count);
    }
    Ok(HttpResponse::Ok().json(DisputeCounts {
        total: by_status.values().sum(),
        by_status,
    }))
}

/// One dispute in full, for its parties and the regulators of its region.
#[utoipa::path(get, path = "/api/v1/disputes/{id}", tag = "disputes", params(("id" = String, Path)),
    responses((status = 200, body = DisputeView), (status = 404, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn get(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(get_for(&state, &auth, path.into_inner()).await?))
}

/// Dispute `id` as `auth` sees it (a 404 for anyone else).
pub async fn get_for(
    state: &AppState,
    auth: &AuthUser,
    id: String,
) -> Result<DisputeView, ApiError> {
    let now = state.clock.now();
    // Kept for a second, the same for every viewer (`store::memo`); the rights and the view
    // are worked out for this one.
    let question = Some(Question::Dispute(id.clone()));
    let case = state
        .db
        .read_kept(question, now, Some(&auth.user.id), case_rows, move |conn| {
            read_case(conn, &id).map_err(ApiError::from)
        })
        .await?;
    let Some((found, parts)) = case.as_ref() else {
        return Err(dispute_not_found());
    };
    let role = role_of(&auth.actor, &found.0).ok_or_else(dispute_not_found)?;
    let calendar = state.calendars.current();
    Ok(view_of(
        &calendar,
        &state.pii,
        found.clone(),
        parts.clone(),
        role,
        now,
    )?)
}

/// Takes an action on a dispute. Refused actions are a 409 whose `code` names the rule
/// (e.g. `invalid_transition`, `offer_expired`, `offer_superseded`, `already_rated`,
/// `dispute_closed`, `escalation_too_early`, `extension_already_used`).
#[utoipa::path(post, path = "/api/v1/disputes/{id}/actions", tag = "disputes", params(("id" = String, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "for make_offer and accept_offer")),
    request_body = ActionRequest,
    responses((status = 200, body = DisputeView), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn act(
    state: web::Data<AppState>,
    auth: AuthUser,
    req: HttpRequest,
    path: web::Path<String>,
    body: Json<ActionRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let key = if body.creates_record() {
        idempotency_key(&req)?
    } else {
        None
    };
    Ok(HttpResponse::Ok().json(act_for(&state, &auth, key, path.into_inner(), body).await?))
}

/// Takes `body`'s action on dispute `id` as `auth` and returns the dispute after it; with an
/// idempotency `key` (offers and acceptances), a retry answers what the first did.
pub async fn act_for(
    state: &AppState,
    auth: &AuthUser,
    key: Option<String>,
    id: String,
    body: ActionRequest,
) -> Result<DisputeView, ApiError> {
    let action = body.action()?;
    let request = serde_json::json!({"dispute_id": id, "action": serde_json::to_value(&body).map_err(ApiError::internal)?});
    let now = state.clock.now();
    let ctx = state.case_context();
    let (calendar, pii) = (state.calendars.current(), state.pii.clone());
    let actor_auth = auth.clone();
    let auth = auth.clone();
    run_once(
        state,
        auth.id().to_string(),
        key,
        &request,
        StatusCode::OK,
        move |conn| {
            let (dispute, _) = find_dispute(conn, &id)?.ok_or_else(dispute_not_found)?;
            let role = role_of(&actor_auth.actor, &dispute).ok_or_else(dispute_not_found)?;
            act_on(
                conn,
                &ctx,
                &id,
                &Acting {
                    user: Some(&actor_auth.user),
                    actor: role,
                },
                &action,
                now,
            )?;
            Ok(id)
        },
        move |conn, done| {
            view_for(conn, &calendar, &pii, done.id(), now, |d| {
                role_of(&auth.actor, d)
            })?
            .ok_or_else(dispute_not_found)
        },
    )
    .await
}
