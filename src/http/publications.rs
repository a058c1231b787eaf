//! Publications (docs/metrics.md#publications): anonymised case summaries drawn from concluded disputes and
//! consumer alerts (消费提示). Regulators draft, preview, edit and publish them for their
//! region; the public API lists what is published.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use chrono_tz::Asia::Shanghai;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::auth::AuthUser;
use crate::disputes::notices::remedy_zh;
use crate::domain::dispute::Status;
use crate::domain::region::RegionCode;
use crate::domain::role::Role;
use crate::domain::text::BoundedText;
use crate::error::{ApiError, FieldErrors};
use crate::security::pii::PiiCipher;
use crate::store::disputes::find_dispute;
use crate::store::negotiation::find_settlement;
use crate::store::reference::{find_industry, find_region};
use crate::store::schema::publications;
use crate::store::users::find_user;
use crate::store::{DbConn, from_db_time, new_id, to_db_time};

/// Registers the routes of this module.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/publications")
            .route(web::get().to(list_drafts))
            .route(web::post().to(create)),
    )
    .service(
        web::resource("/publications/{id}")
            .route(web::get().to(preview))
            .route(web::patch().to(edit)),
    )
    .service(web::resource("/publications/{id}/publish").route(web::post().to(publish)))
    .service(web::resource("/public/publications").route(web::get().to(public_list)));
}

/// A stored publication.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = publications)]
pub struct Publication {
    pub id: String,
    pub kind: String,
    pub region_code: String,
    pub dispute_id: Option<String>,
    pub title: String,
    pub body: String,
    pub status: String,
    pub created_by: String,
    pub created_at: chrono::NaiveDateTime,
    pub published_at: Option<chrono::NaiveDateTime>,
}

/// A publication as shown.
#[derive(Debug, Serialize, serde::Deserialize, ToSchema)]
pub struct PublicationDto {
    pub id: String,
    /// case_summary or consumer_alert.
    pub kind: String,
    pub region_code: String,
    pub title: String,
    pub body: String,
    /// draft or published.
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
}

impl From<Publication> for PublicationDto {
    fn from(p: Publication) -> Self {
        Self {
            id: p.id,
            kind: p.kind,
            region_code: p.region_code,
            title: p.title,
            body: p.body,
            status: p.status,
            created_at: from_db_time(p.created_at),
            published_at: p.published_at.map(from_db_time),
        }
    }
}

fn regulator_region(auth: &AuthUser) -> Result<RegionCode, ApiError> {
    match (auth.role(), auth.actor.region.clone()) {
        (Role::Regulator, Some(region)) => Ok(region),
        _ => Err(ApiError::forbidden(
            "Publications are written by regulators.",
        )),
    }
}

/// A new draft: a case summary of a concluded dispute, or a consumer alert.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePublication {
    /// case_summary or consumer_alert.
    pub kind: String,
    /// For a case summary: the concluded dispute it is drawn from.
    pub dispute_id: Option<String>,
    /// For a consumer alert (a case summary gets a drafted one).
    pub title: Option<String>,
    pub body: Option<String>,
}

/// The personal data of a dispute's consumer that must not appear in a publication.
fn personal_data(
    conn: &mut DbConn,
    pii: &PiiCipher,
    dispute_id: &str,
) -> Result<Vec<String>, ApiError> {
    let Some((dispute, _)) = find_dispute(conn, dispute_id)? else {
        return Ok(Vec::new());
    };
    let Some(consumer) = find_user(conn, &dispute.consumer_id)? else {
        return Ok(Vec::new());
    };
    let mut found = vec![consumer.display_name.clone(), dispute.case_number.clone()];
    found.extend(consumer.email.clone());
    if let Some(phone) = consumer.phone_ciphertext.as_deref() {
        let phone = pii.decrypt(phone).map_err(ApiError::internal)?;
        found.push(phone.trim_start_matches("+86").to_string());
    }
    Ok(found
        .into_iter()
        .filter(|s| s.chars().count() >= 2)
        .collect())
}

/// Refuses text that names the consumer, their contact or the case number.
fn check_stripped(title: &str, body: &str, personal: &[String]) -> Result<(), ApiError> {
    let mut e = FieldErrors::default();
    for (field, text) in [("title", title), ("body", body)] {
        if personal.iter().any(|p| text.contains(p.as_str())) {
            e.add(
                field,
                "personal_data",
                "remove the consumer's name, contact and the case number",
            );
        }
    }
    e.finish()
}

/// Drafts the anonymised summary of a concluded dispute.
fn draft_summary(
    conn: &mut DbConn,
    dispute_id: &str,
    region: &RegionCode,
) -> Result<(String, String, String), ApiError> {
    let missing = || {
        ApiError::not_found(
            "dispute_not_found",
            "No such concluded dispute in your region.",
        )
    };
    let (d, claim) = find_dispute(conn, dispute_id)?.ok_or_else(missing)?;
    let inside = RegionCode::parse(&d.region_code).is_ok_and(|r| region.contains(&r));
    let status: Status = d.status.parse().map_err(|_| missing())?;
    if !inside {
        return Err(missing());
    }
    if !status.is_terminal() {
        return Err(ApiError::conflict(
            "dispute_not_concluded",
            "Only concluded disputes are summarised for publication.",
        ));
    }
    let industry = find_industry(conn, &d.industry_code)?
        .map(|i| i.name_zh)
        .unwrap_or_default();
    let place = find_region(conn, &d.region_code)?
        .map(|r| r.name_zh)
        .unwrap_or_default();
    let month = from_db_time(d.filed_at)
        .with_timezone(&Shanghai)
        .format("%Y年%-m月");
    let claimed = format!("{:.2}", claim.amount_claimed_fen as f64 / 100.0);
    let remedies: Vec<&str> = claim.remedies.split(',').map(remedy_zh).collect();
    let outcome = match (status, find_settlement(conn, &d.id)?) {
        (Status::Resolved, Some(s)) => format!(
            "经在线协商，双方达成和解：经营者{}{:.2}元，并已履行完毕。",
            remedy_zh(&s.remedy),
            s.amount_fen as f64 / 100.0
        ),
        (Status::Withdrawn, _) => "消费者与经营者沟通后撤回了投诉。".to_string(),
        (Status::Escalated, _) => {
            "双方未能和解，纠纷已转入 12315 平台由市场监管部门依法处理。".to_string()
        }
        (Status::Rejected, _) => "经审查，该投诉不属于消费纠纷，未予受理。".to_string(),
        _ => "纠纷已办结。".to_string(),
    };
    let title = format!("{place}一{industry}消费纠纷在线和解案例");
    let body = format!(
        "{month}，一名消费者就在{place}某{industry}经营者处的消费（{}）通过 ODR 平台提出纠纷，诉求{}，金额 {claimed} 元。{outcome}\n\n提示：消费者应保留购物凭证；经营者应在承诺时限内响应并妥善处理纠纷。",
        claim
            .item_kind
            .replace("product", "商品")
            .replace("service", "服务"),
        remedies.join("、"),
    );
    Ok((title, body, d.region_code))
}

/// Drafts a publication for the caller's region (regulators). A case summary is drafted from
/// the dispute with the personal data left out; review it before publishing.
#[utoipa::path(post, path = "/api/v1/publications", tag = "publications", request_body = CreatePublication,
    responses((status = 201, body = PublicationDto), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn create(
    state: web::Data<AppState>,
    auth: AuthUser,
    body: web::Json<CreatePublication>,
) -> Result<HttpResponse, ApiError> {
    let region = regulator_region(&auth)?;
    let body = body.into_inner();
    let now = state.clock.now();
    let created = state
        .db
        .run(move |conn| {
            let (title, text, region_code, dispute_id) = match body.kind.as_str() {
                "case_summary" => {
                    let id = body.dispute_id.clone().ok_or_else(|| {
                        ApiError::invalid_field(
                            "dispute_id",
                            "required",
                            "name the concluded dispute",
                        )
                    })?;
                    let (title, text, region_code) = draft_summary(conn, &id, &region)?;
                    (title, text, region_code, Some(id))
                }
                "consumer_alert" => {
                    let mut e = FieldErrors::default();
                    let title = e.check(
                        "title",
                        "invalid_length",
                        BoundedText::parse(body.title.as_deref().unwrap_or(""), 4, 100),
                    );
                    let text = e.check(
                        "body",
                        "invalid_length",
                        BoundedText::parse(body.body.as_deref().unwrap_or(""), 10, 5000),
                    );
                    e.finish()?;
                    (
                        title.map(BoundedText::into_string).unwrap_or_default(),
                        text.map(BoundedText::into_string).unwrap_or_default(),
                        region.as_str().to_string(),
                        None,
                    )
                }
                _ => {
                    return Err(ApiError::invalid_field(
                        "kind",
                        "invalid_kind",
                        "case_summary or consumer_alert",
                    ));
                }
            };
            let row = Publication {
                id: new_id(),
                kind: body.kind.clone(),
                region_code,
                dispute_id,
                title,
                body: text,
                status: "draft".into(),
                created_by: auth.id().to_string(),
                created_at: to_db_time(now),
                published_at: None,
            };
            diesel::insert_into(publications::table)
                .values(&row)
                .execute(conn)?;
            Ok::<_, ApiError>(row)
        })
        .await?;
    Ok(HttpResponse::Created().json(PublicationDto::from(created)))
}

fn find_in_region(
    conn: &mut DbConn,
    id: &str,
    region: &RegionCode,
) -> Result<Publication, ApiError> {
    let missing = || {
        ApiError::not_found(
            "publication_not_found",
            "No such publication in your region.",
        )
    };
    let row: Publication = publications::table
        .find(id)
        .select(Publication::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(missing)?;
    if RegionCode::parse(&row.region_code).is_ok_and(|r| region.contains(&r)) {
        Ok(row)
    } else {
        Err(missing())
    }
}

/// The region's publications, drafts included, newest first (regulators).
#[utoipa::path(get, path = "/api/v1/publications", tag = "publications",
    responses((status = 200, body = Vec<PublicationDto>), (status = 403, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn list_drafts(
    state: web::Data<AppState>,
    auth: AuthUser,
) -> Result<HttpResponse, ApiError> {
    let region = regulator_region(&auth)?;
    let rows: Vec<Publication> = state
        .db
        .run(move |conn| {
            publications::table
                .filter(crate::in_region!(
                    publications::region_code,
                    region.prefix()
                ))
                .order(publications::created_at.desc())
                .limit(500)
                .select(Publication::as_select())
                .load(conn)
                .map_err(ApiError::from)
        })
        .await?;
    Ok(HttpResponse::Ok().json(
        rows.into_iter()
            .map(PublicationDto::from)
            .collect::<Vec<_>>(),
    ))
}

/// Previews a publication exactly as it will read (regulators of its region).
#[utoipa::path(get, path = "/api/v1/publications/{id}", tag = "publications", params(("id" = String, Path)),
    responses((status = 200, body = PublicationDto), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn preview(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let region = regulator_region(&auth)?;
    let id = path.into_inner();
    let row = state
        .db
        .run(move |conn| find_in_region(conn, &id, &region))
        .await?;
    Ok(HttpResponse::Ok().json(PublicationDto::from(row)))
}

/// A change to a draft.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EditPublication {
    pub title: Option<String>,
    pub body: Option<String>,
}

/// Edits a draft (regulators of its region); text naming the consumer is refused.
#[utoipa::path(patch, path = "/api/v1/publications/{id}", tag = "publications", params(("id" = String, Path)),
    request_body = EditPublication,
    responses((status = 200, body = PublicationDto), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn edit(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<String>,
    body: web::Json<EditPublication>,
) -> Result<HttpResponse, ApiError> {
    let region = regulator_region(&auth)?;
    let id = path.into_inner();
    let pii = state.pii.clone();
    let body = body.into_inner();
    let row = state
        .db
        .run(move |conn| {
            let mut row = find_in_region(conn, &id, &region)?;
            if row.status != "draft" {
                return Err(ApiError::conflict(
                    "publication_published",
                    "A published text is not edited.",
                ));
            }
            let mut e = FieldErrors::default();
            if let Some(title) = &body.title {
                row.title = e
                    .check("title", "invalid_length", BoundedText::parse(title, 4, 100))
                    .map(BoundedText::into_string)
                    .unwrap_or_default();
            }
            if let Some(text) = &body.body {
                row.body = e
                    .check("body", "invalid_length", BoundedText::parse(text, 10, 5000))
                    .map(BoundedText::into_string)
                    .unwrap_or_default();
            }
            e.finish()?;
            if let Some(dispute) = &row.dispute_id {
                check_stripped(&row.title, &row.body, &personal_data(conn, &pii, dispute)?)?;
            }
            diesel::update(publications::table.find(&row.id))
                .set((
                    publications::title.eq(&row.title),
                    publications::body.eq(&row.body),
                ))
                .execute(conn)?;
            Ok(row)
        })
        .await?;
    Ok(HttpResponse::Ok().json(PublicationDto::from(row)))
}

/// Publishes a draft (regulators of its region); it then appears in the public list.
#[utoipa::path(post, path = "/api/v1/publications/{id}/publish", tag = "publications", params(("id" = String, Path)),
    responses((status = 200, body = PublicationDto), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn publish(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let region = regulator_region(&auth)?;
    let id = path.into_inner();
    let now = state.clock.now();
    let pii = state.pii.clone();
    let row = state
        .db
        .run(move |conn| {
            let mut row = find_in_region(conn, &id, &region)?;
            if row.status != "draft" {
                return Err(ApiError::conflict(
                    "publication_published",
                    "It is published already.",
                ));
            }
            if let Some(dispute) = &row.dispute_id {
                check_stripped(&row.title, &row.body, &personal_data(conn, &pii, dispute)?)?;
            }
            crate::store::write_transaction(conn, |conn| {
                diesel::update(publications::table.find(&row.id))
                    .set((
                        publications::status.eq("published"),
                        publications::published_at.eq(Some(to_db_time(now))),
                    ))
                    .execute(conn)?;
                crate::http::audit::record(
                    conn,
                    &auth,
                    "publication.published",
                    "publication",
                    &row.id,
                    Some(&row.region_code),
                    &serde_json::json!({"kind": row.kind, "title": row.title}),
                    now,
                )?;
                Ok::<_, ApiError>(())
            })?;
            row.status = "published".into();
            row.published_at = Some(to_db_time(now));
            Ok(row)
        })
        .await?;
    Ok(HttpResponse::Ok().json(PublicationDto::from(row)))
}

/// Filter of the public list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PublicQuery {
    /// case_summary or consumer_alert.
    pub kind: Option<String>,
    /// Only publications of this region and the regions inside it.
    pub region: Option<String>,
}

/// Published case summaries and consumer alerts, newest first (at most 200).
#[utoipa::path(get, path = "/api/v1/public/publications", tag = "public", params(PublicQuery),
    responses((status = 200, body = Vec<PublicationDto>), (status = 422, body = crate::error::Problem)))]
pub async fn public_list(
    state: web::Data<AppState>,
    query: web::Query<PublicQuery>,
) -> Result<HttpResponse, ApiError> {
    let kind = query.kind.clone();
    if kind
        .as_deref()
        .is_some_and(|k| !["case_summary", "consumer_alert"].contains(&k))
    {
        return Err(ApiError::invalid_field(
            "kind",
            "invalid_kind",
            "case_summary or consumer_alert",
        ));
    }
    let prefix = query
        .region
        .as_deref()
        .map(|r| RegionCode::parse(r).map(|r| r.prefix().to_string()))
        .transpose()
        .map_err(|e| ApiError::invalid_field("region", "invalid_region_code", e.to_string()))?;
    let rows: Vec<Publication> = state
        .db
        .run(move |conn| {
            let mut q = publications::table
                .filter(publications::status.eq("published"))
                .order(publications::published_at.desc())
                .limit(200)
                .select(Publication::as_select())
                .into_boxed();
            if let Some(kind) = kind {
                q = q.filter(publications::kind.eq(kind));
            }
            if let Some(prefix) = prefix {
                q = q.filter(crate::in_region!(publications::region_code, prefix));
            }
            q.load(conn).map_err(ApiError::from)
        })
        .await?;
    Ok(HttpResponse::Ok().json(
        rows.into_iter()
            .map(PublicationDto::from)
            .collect::<Vec<_>>(),
    ))
}
