//! Reference data anyone may read: regions, industries, associations and the undertaking
//! an ODR unit accepts.

use actix_web::{HttpResponse, web};
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

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
    /// A later list of divisions no longer has the code: records keep naming it, new ones may
    /// not (docs/regions.md).
    pub retired: bool,
}

impl From<Region> for RegionResponse {
    fn from(r: Region) -> Self {
        Self {
            retired: !r.is_current(),
            code: r.code,
            parent_code: r.parent_code,
            level: r.level,
            name_zh: r.name_zh,
            name_en: r.name_en,
        }
    }
}

/// Which regions to list.
#[derive(Debug, Default, serde::Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RegionQuery {
    /// Only the regions directly under this code: the next step of a cascading chooser
    /// (province → prefecture or county → county). Counties of a municipality or of a
    /// province's directly administered counties hang under the province.
    pub parent: Option<String>,
    /// Only this level: 1 provinces, 2 prefectures, 3 counties and districts.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 3)]
    pub level: Option<String>,
    /// `true` also lists codes retired by a later list of divisions (to name old records).
    #[param(value_type = Option<bool>)]
    pub include_retired: Option<String>,
}

impl RegionQuery {
    /// The regions of `catalogue` this query asks for, ordered by code; 422 naming a malformed
    /// or unknown parent, a level other than 1–3 or a flag other than true/false.
    pub fn select<'a>(&self, catalogue: &'a Catalogue) -> Result<Vec<&'a Region>, ApiError> {
        let mut errors = crate::error::FieldErrors::default();
        let parent = self
            .parent
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty());
        if let Some(code) = parent
            && find(catalogue, code).is_none()
        {
            errors.add("parent", "unknown_region", format!("no region `{code}`"));
        }
        let level = match self.level.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => match text.parse::<i64>() {
                Ok(level @ 1..=3) => Some(level),
                _ => {
                    errors.add("level", "invalid_level", "1, 2 or 3");
                    None
                }
            },
        };
        let retired = match self.include_retired.as_deref().map(str::trim) {
            None | Some("") | Some("false") => false,
            Some("true") => true,
            Some(_) => {
                errors.add("include_retired", "invalid_flag", "true or false");
                false
            }
        };
        errors.finish()?;
        Ok(catalogue
            .regions
            .iter()
            .filter(|r| retired || r.is_current())
            .filter(|r| parent.is_none_or(|p| r.parent_code.as_deref() == Some(p)))
            .filter(|r| level.is_none_or(|l| r.level == l))
            .collect())
    }
}

/// The region with `code` in `catalogue` (ordered by code), retired or not.
pub fn find<'a>(catalogue: &'a Catalogue, code: &str) -> Option<&'a Region> {
    catalogue
        .regions
        .binary_search_by(|r| r.code.as_str().cmp(code))
        .ok()
        .map(|at| &catalogue.regions[at])
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

/// China's regions (GB/T 2260) in force, ordered by code: all of them, one level, or the
/// children of one region for a cascading chooser.
#[utoipa::path(get, path = "/api/v1/regions", tag = "reference", params(RegionQuery),
    responses((status = 200, body = Vec<RegionResponse>),
        (status = 422, body = crate::error::Problem)))]
pub async fn list_regions(
    state: web::Data<AppState>,
    query: web::Query<RegionQuery>,
) -> Result<HttpResponse, ApiError> {
    let catalogue = state.reference.current(&state.db).await?;
    let listed: Vec<RegionResponse> = query
        .select(&catalogue)?
        .into_iter()
        .cloned()
        .map(RegionResponse::from)
        .collect();
    Ok(HttpResponse::Ok().json(listed))
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
