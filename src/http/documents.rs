//! The documents of a dispute as PDF files, and their public verification
//! (docs/documents.md).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::documents;
use crate::domain::document::{Audience, DocumentKind};
use crate::error::{ApiError, ErrorCode};
use crate::http::AppState;
use crate::http::auth::AuthUser;
use crate::i18n::Lang;
use crate::store::documents::{self as stored, DocumentRow};
use crate::store::{from_db_time, to_db_time};

/// Registers the routes of this module.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/disputes/{id}/documents/{kind}").route(web::get().to(download)))
        .service(web::resource("/documents/{code}").route(web::get().to(verify)))
        .service(web::resource("/documents/{code}/check").route(web::post().to(check)));
}

/// The language a document is written in.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DocumentQuery {
    /// `zh-CN` (the default for an account in Chinese) or `en`.
    pub lang: Option<String>,
}

/// A document of a dispute, as a PDF to print and sign: `settlement_agreement` (和解协议书,
/// once an offer is accepted) or `escalation_notice` (投诉转交告知书, once escalated). The
/// consumer, the unit's staff and the region's regulators may download it, the consumer's
/// phone masked for regulators. Each copy carries a verification code
/// (`X-Verification-Code`), which `GET /api/v1/documents/{code}` checks.
#[utoipa::path(get, path = "/api/v1/disputes/{id}/documents/{kind}", tag = "disputes",
    params(("id" = String, Path), ("kind" = DocumentKind, Path), DocumentQuery),
    responses((status = 200, description = "the PDF", content_type = "application/pdf",
            headers(("X-Verification-Code" = String, description = "the code printed on it"))),
        (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn download(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<(String, String)>,
    query: web::Query<DocumentQuery>,
) -> Result<HttpResponse, ApiError> {
    let (id, kind) = path.into_inner();
    let kind = documents::kind_named(&kind)?;
    let lang = crate::http::tables::export_lang(&auth, query.lang.as_deref())?;
    let issued = issue(&state, &auth, id, kind, lang).await?;
    Ok(pdf_response(issued))
}

/// A copy issued: its bytes, code and the name to save it under.
pub struct Issued {
    pub bytes: Vec<u8>,
    pub code: String,
    pub file_name: String,
    /// The name in the document's language (`和解协议书-ODR….pdf`).
    pub local_name: String,
}

impl Issued {
    /// Shown in the browser's PDF viewer (to print from there), saved under the name in the
    /// document's language where the browser reads it (RFC 6266), else the ASCII one.
    fn disposition(&self) -> String {
        let local = percent_encoding::utf8_percent_encode(
            &self.local_name,
            percent_encoding::NON_ALPHANUMERIC,
        );
        format!(
            "inline; filename=\"{}\"; filename*=UTF-8''{local}",
            self.file_name
        )
    }
}

/// The PDF response of `issued`, saved under its name.
pub fn pdf_response(issued: Issued) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((header::CONTENT_DISPOSITION, issued.disposition()))
        .insert_header(("X-Verification-Code", documents::printed_code(&issued.code)))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(issued.bytes)
}

/// Document `kind` of dispute `id` as `auth` may see it, in `lang`: the copy last issued to
/// that audience when its content is unchanged, else a new copy with a new code (the API and
/// the portal).
pub async fn issue(
    state: &AppState,
    auth: &AuthUser,
    id: String,
    kind: DocumentKind,
    lang: Lang,
) -> Result<Issued, ApiError> {
    let (view, mediated) = case_of(state, auth, id, kind).await?;
    let sheet = documents::sheet(kind, &view, mediated.as_ref(), lang).ok_or_else(|| {
        ApiError::new(
            ErrorCode::DocumentNotAvailable,
            match kind {
                DocumentKind::SettlementAgreement => {
                    "A settlement agreement is issued once the parties accept an offer."
                }
                DocumentKind::EscalationNotice => {
                    "An escalation notice is issued once the escalation has reached the regulators."
                }
                DocumentKind::MediationAgreement => {
                    "A mediation agreement is issued once a mediation reached an agreement."
                }
            },
        )
    })?;
    let audience = documents::audience_of(&view);
    let (dispute_id, tag) = (view.id.clone(), lang.tag());
    let last = state
        .db
        .run_leaving_kept(move |conn| {
            stored::latest(conn, &dispute_id, kind.as_str(), audience.as_str(), tag)
        })
        .await?;
    let verify_url = verify_url(state);
    let (file_name, local_name) = documents::file_names(kind, &view.case_number, lang);
    if let Some(last) = last {
        let (bytes, hash) = render(state, &sheet, lang, &last.code, &verify_url).await?;
        if hash == last.sha256 {
            return Ok(Issued {
                bytes,
                code: last.code,
                file_name,
                local_name,
            });
        }
    }
    let code = documents::new_code();
    let (bytes, hash) = render(state, &sheet, lang, &code, &verify_url).await?;
    let row = DocumentRow {
        code: code.clone(),
        dispute_id: view.id.clone(),
        kind: kind.as_str().into(),
        audience: audience.as_str().into(),
        lang: tag.into(),
        sha256: hash,
        issued_at: to_db_time(state.clock.now()),
    };
    state
        .db
        .run_leaving_kept(move |conn| stored::insert(conn, &row))
        .await?;
    Ok(Issued {
        bytes,
        code,
        file_name,
        local_name,
    })
}

/// Dispute `id` as `auth` sees it, with the terms of its mediated agreement when `kind` is
/// the mediation agreement (which its mediator may print too; docs/mediation.md).
pub async fn case_of(
    state: &AppState,
    auth: &AuthUser,
    id: String,
    kind: DocumentKind,
) -> Result<
    (
        crate::disputes::view::DisputeView,
        Option<documents::MediatedTerms>,
    ),
    ApiError,
> {
    if kind != DocumentKind::MediationAgreement {
        let view = crate::http::disputes::handlers::get_for(state, auth, id).await?;
        return Ok((view, None));
    }
    let actor = auth.actor.clone();
    let routes = state.settings.escalation.clone();
    let (calendar, pii, now) = (
        state.calendars.current(),
        state.pii.clone(),
        state.clock.now(),
    );
    state
        .db
        .read(Some(&auth.user.id), move |conn| {
            crate::disputes::mediation::printable(conn, &routes, &calendar, &pii, &actor, &id, now)
        })
        .await
}

/// [`documents::render`] off the async threads, sealed with a keyed hash of its code: the file's
/// bytes depend on a key only the platform holds, so its published hash cannot be matched by
/// rendering guesses at what a copy with masked or blacked-out parts says
/// (docs/documents.md#verification).
async fn render(
    state: &AppState,
    sheet: &documents::Sheet,
    lang: Lang,
    code: &str,
    verify_url: &str,
) -> Result<(Vec<u8>, String), ApiError> {
    let seal = state.pii.lookup_hash(&format!("document:{code}"));
    let (sheet, code, url) = (sheet.clone(), code.to_string(), verify_url.to_string());
    web::block(move || documents::render(&sheet, lang, &code, &url, &seal))
        .await
        .map_err(|e| e.to_string())
        .flatten()
        .map_err(|e| ApiError::internal(format!("the document did not render: {e}")))
}

/// Where the public checks a code, as printed on each document.
pub fn verify_url(state: &AppState) -> String {
    crate::config::public_link(&state.settings.server.public_url, "/verify")
}

/// What a verification code stands for.
#[derive(Debug, Serialize, ToSchema)]
pub struct VerifiedDocument {
    /// The code, as printed (`XXXX-XXXX-XXXX-XXXX`).
    pub code: String,
    pub kind: DocumentKind,
    pub case_number: String,
    /// The business the dispute was with.
    pub business_name: String,
    /// Whose copy it is: `whole` for the parties, `masked` for regulators.
    pub audience: Audience,
    /// `zh-CN` or `en`.
    pub lang: String,
    pub issued_at: DateTime<Utc>,
    /// The SHA-256 of the PDF's bytes, in hex: a file is this document when its hash is this.
    pub sha256: String,
}

/// The document with verification code `code`, whoever asks (its holder typed it in).
pub async fn find(state: &AppState, code: &str) -> Result<VerifiedDocument, ApiError> {
    let not_found = || ApiError::new(ErrorCode::DocumentNotFound, "No document has this code.");
    let code = documents::normalise_code(code).ok_or_else(not_found)?;
    // On the primary: a code just printed is found at once, whatever a replica lags.
    let (row, case_number, business_name) = state
        .db
        .run_leaving_kept(move |conn| stored::find_by_code(conn, &code))
        .await?
        .ok_or_else(not_found)?;
    Ok(VerifiedDocument {
        code: documents::printed_code(&row.code),
        kind: row.kind.parse()?,
        case_number,
        business_name,
        audience: row.audience.parse()?,
        lang: row.lang,
        issued_at: from_db_time(row.issued_at),
        sha256: row.sha256,
    })
}

/// What a verification code stands for: the kind of document, its case and business, when it
/// was issued and the SHA-256 its file has. No login: the code is printed on the document.
#[utoipa::path(get, path = "/api/v1/documents/{code}", tag = "public",
    params(("code" = String, Path, description = "as printed, with or without the dashes")),
    responses((status = 200, body = VerifiedDocument), (status = 404, body = crate::error::Problem)))]
pub async fn verify(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(find(&state, &path.into_inner()).await?))
}

/// Whether a file is the document of a code.
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckedFile {
    /// True when the file's SHA-256 is the document's: it is the copy the platform issued,
    /// unchanged.
    pub matches: bool,
    /// The SHA-256 of the file sent.
    pub sha256: String,
    /// Whether the file sent is a PDF at all (it begins `%PDF-`).
    pub pdf: bool,
    pub document: VerifiedDocument,
}

/// Checks a file against the document of a code: whether it is that copy, unchanged. No login;
/// counted against the address's upload allowance.
#[utoipa::path(post, path = "/api/v1/documents/{code}/check", tag = "public",
    params(("code" = String, Path)),
    request_body(content_type = "multipart/form-data", description = "field `file`: the file to check, at most 10 MiB"),
    responses((status = 200, body = CheckedFile), (status = 404, body = crate::error::Problem),
        (status = 413, body = crate::error::Problem), (status = 422, body = crate::error::Problem),
        (status = 429, body = crate::error::Problem)))]
pub async fn check(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    form: actix_multipart::Multipart,
) -> Result<HttpResponse, ApiError> {
    state.limit(&req, crate::security::limits::Action::Upload)?;
    Ok(HttpResponse::Ok().json(check_file(&state, &path.into_inner(), form).await?))
}

/// The largest file checked: far above any document's size.
const MAX_CHECKED_BYTES: usize = 10 * 1024 * 1024;

/// The file sent in `form` checked against the document of `code` (the API and the portal).
pub async fn check_file(
    state: &AppState,
    code: &str,
    form: actix_multipart::Multipart,
) -> Result<CheckedFile, ApiError> {
    let document = find(state, code).await?;
    let bytes = crate::http::body::read_file_field(form, MAX_CHECKED_BYTES, "the document").await?;
    let sha256 = documents::hash_of(&bytes);
    Ok(CheckedFile {
        matches: sha256 == document.sha256,
        sha256,
        pdf: bytes.starts_with(b"%PDF-"),
        document,
    })
}
