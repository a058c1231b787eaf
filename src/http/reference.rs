//! Reference data anyone may read: regions, industries, associations and the undertaking
//! an ODR unit accepts.

use actix_web::{HttpResponse, web};
use serde::Serialize;
use utoipa::ToSchema;

use super::AppState;
use crate::domain::unit::{UNDERTAKING_EN, UNDERTAKING_VERSION, UNDERTAKING_ZH};
use crate::error::ApiError;
use crate::store::reference::{Association, Catalogue, Industry, Region};

/// Registers the routes of this module.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/regions").route(web::get().to(list_regions)))
        .service(web::resource("/industries").route(web::get().to(list_industries)))
        .service(web::resource("/associations").route(web::get().to(list_associations)))
        .service(web::resource("/undertaking").route(web::get().to(undertaking)));
}

/// A region (GB/T 2260).
#[derive(Debug, Serialize, serde::Deserialize, ToSchema)]
pub struct RegionResponse {
    pub code: String,
    pub parent_code: Option<String>,
    /// 1 province, 2 prefecture, 3 county/district.
    pub level: i64,
    pub name_zh: String,
    pub name_en: String,
}

impl From<Region> for RegionResponse {
    fn from(r: Region) -> Self {
        Self {
            code: r.code,
            parent_code: r.parent_code,
            level: r.level,
            name_zh: r.name_zh,
            name_en: r.name_en,
        }
    }
}

/// An industry and the authority competent for its disputes.
#[derive(Debug, Serialize, serde::Deserialize, ToSchema)]
pub struct IndustryResponse {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub authority_zh: String,
    pub authority_en: String,
    /// Whether market regulation is the competent authority (escalations go to 12315).
    pub is_market_regulated: bool,
}

impl From<Industry> for IndustryResponse {
    fn from(i: Industry) -> Self {
        Self {
            code: i.code,
            name_zh: i.name_zh,
            name_en: i.name_en,
            authority_zh: i.authority_zh,
            authority_en: i.authority_en,
            is_market_regulated: i.is_market_regulated,
        }
    }
}

/// An industry association.
#[derive(Debug, Serialize, serde::Deserialize, ToSchema)]
pub struct AssociationResponse {
    pub id: String,
    pub name: String,
    pub region_code: String,
    pub industry_code: Option<String>,
}

impl From<Association> for AssociationResponse {
    fn from(a: Association) -> Self {
        Self {
            id: a.id,
            name: a.name,
            region_code: a.region_code,
            industry_code: a.industry_code,
        }
    }
}

/// The undertaking applicants accept.
#[derive(Debug, Serialize, serde::Deserialize, ToSchema)]
pub struct UndertakingResponse {
    pub version: String,
    pub text_zh: String,
    pub text_en: String,
}

/// All regions.
#[utoipa::path(get, path = "/api/v1/regions", tag = "reference",
    responses((status = 200, body = Vec<RegionResponse>)))]
pub async fn list_regions(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let catalogue = state.reference.current(&state.db).await?;
    Ok(HttpResponse::Ok().json(regions(&catalogue)))
}

/// All industries.
#[utoipa::path(get, path = "/api/v1/industries", tag = "reference",
    responses((status = 200, body = Vec<IndustryResponse>)))]
pub async fn list_industries(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let catalogue = state.reference.current(&state.db).await?;
    Ok(HttpResponse::Ok().json(industries(&catalogue)))
}

/// All associations.
#[utoipa::path(get, path = "/api/v1/associations", tag = "reference",
    responses((status = 200, body = Vec<AssociationResponse>)))]
pub async fn list_associations(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let catalogue = state.reference.current(&state.db).await?;
    Ok(HttpResponse::Ok().json(
        catalogue
            .associations
            .iter()
            .cloned()
            .map(AssociationResponse::from)
            .collect::<Vec<_>>(),
    ))
}

/// The regions of `catalogue`, ordered by code.
pub fn regions(catalogue: &Catalogue) -> Vec<RegionResponse> {
    catalogue
        .regions
        .iter()
        .cloned()
        .map(RegionResponse::from)
        .collect()
}

/// The industries of `catalogue`, ordered by code.
pub fn industries(catalogue: &Catalogue) -> Vec<IndustryResponse> {
    catalogue
        .industries
        .iter()
        .cloned()
        .map(IndustryResponse::from)
        .collect()
}

/// The current undertaking (及时处理消费投诉承诺书).
#[utoipa::path(get, path = "/api/v1/undertaking", tag = "reference",
    responses((status = 200, body = UndertakingResponse)))]
pub async fn undertaking() -> HttpResponse {
    HttpResponse::Ok().json(UndertakingResponse {
        version: UNDERTAKING_VERSION.into(),
        text_zh: UNDERTAKING_ZH.into(),
        text_en: UNDERTAKING_EN.into(),
    })
}
