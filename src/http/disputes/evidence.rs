//! Evidence files: uploaded by the parties, typed by their content, stored by SHA-256, and
//! downloadable by the parties and the regulators of the dispute's region.

use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{HttpResponse, web};
use futures_util::StreamExt;
use sha2::{Digest, Sha256};

use super::dispute_not_found;
use super::view::{DisputeView, build_view};
use crate::disputes::evidence::{NewFile, check_room};
use crate::error::{ApiError, ErrorCode};
use crate::http::AppState;
use crate::http::auth::AuthUser;
use crate::store::disputes::find_dispute;
use crate::store::negotiation::{Evidence, find_evidence, find_evidence_by_id};

/// Content types accepted as evidence, decided from the bytes.
const ALLOWED_TYPES: [&str; 9] = [
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "image/heif",
    "application/pdf",
    "video/mp4",
    "video/quicktime",
    "video/webm",
];

/// One uploaded file, typed by its content.
pub struct Upload {
    file_name: String,
    bytes: Vec<u8>,
    content_type: String,
}

/// Most bytes of one text field of a form that also carries files.
const MAX_TEXT_FIELD_BYTES: usize = 64 * 1024;
/// Most bytes of all the text fields of one form together.
const MAX_TEXT_BYTES: usize = 256 * 1024;
/// Most fields (text and file) of one form.
const MAX_FIELDS: usize = 100;

fn too_large(max: usize) -> ApiError {
    ApiError::new(
        ErrorCode::FileTooLarge,
        format!("Each file may have at most {max} bytes."),
    )
}

/// What a form with files held.
pub struct FormParts {
    /// The accepted files.
    pub uploads: Vec<Upload>,
    /// The text fields, in order.
    pub texts: Vec<(String, String)>,
    /// Why the files were refused (the first reason): one too large, of a type that is not
    /// accepted, or too many. The text fields are still read, so a form can be shown again.
    pub refused: Option<ApiError>,
}

/// Invisible formatting characters that make a name read differently from what it is: the
/// bidirectional overrides, embeddings and isolates (U+202A–U+202E, U+2066–U+2069), the marks
/// U+200E, U+200F and U+061C, zero-width characters and the byte-order mark.
fn is_format_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200B}'..='\u{200F}' | '\u{061C}' | '\u{2060}' | '\u{FEFF}')
}

/// Drops the rest of a field of at most `max` bytes; `None` when it is longer (the rest is
/// left unread).
async fn drain_bounded(
    field: &mut actix_multipart::Field,
    max: usize,
) -> Result<Option<()>, actix_multipart::MultipartError> {
    let mut received = 0usize;
    while let Some(chunk) = field.next().await {
        received += chunk?.len();
        if received > max {
            return Ok(None);
        }
    }
    Ok(Some(()))
}

/// Reads every `file` field and, beside them, the form's text fields. Empty file fields (a
/// form sent without choosing a file) are skipped. An unreadable form is an error; refused
/// files are reported in `refused`.
pub async fn read_form(
    mut form: Multipart,
    max_bytes: usize,
    max_files: usize,
) -> Result<FormParts, ApiError> {
    let unreadable = |e: actix_multipart::MultipartError| {
        ApiError::new(
            ErrorCode::InvalidMultipart,
            format!("The upload could not be read: {e}"),
        )
    };
    let mut uploads = Vec::new();
    let mut texts = Vec::new();
    let mut refused = None;
    let mut fields = 0usize;
    let mut text_bytes = 0usize;
    while let Some(field) = form.next().await {
        let mut field = field.map_err(unreadable)?;
        fields += 1;
        if fields > MAX_FIELDS {
            return Err(ApiError::new(
                ErrorCode::TooManyFields,
                format!("A form has at most {MAX_FIELDS} fields."),
            ));
        }
        let has_file = field
            .content_disposition()
            .is_some_and(|d| d.get_filename().is_some());
        if field.name() != Some("file") || !has_file {
            let name = field.name().unwrap_or_default().to_string();
            let mut value = Vec::new();
            while let Some(chunk) = field.next().await {
                let chunk = chunk.map_err(unreadable)?;
                if value.len() + chunk.len() > MAX_TEXT_FIELD_BYTES {
                    return Err(ApiError::invalid_field(
                        &name,
                        "too_long",
                        "the field is too long",
                    ));
                }
                text_bytes += chunk.len();
                if text_bytes > MAX_TEXT_BYTES {
                    return Err(ApiError::new(
                        ErrorCode::FormTooLarge,
                        format!("The text of a form is at most {MAX_TEXT_BYTES} bytes."),
                    ));
                }
                value.extend_from_slice(&chunk);
            }
            if name != "file" {
                let text = String::from_utf8_lossy(&value).into_owned();
                if text.contains('\0') || name.contains('\0') {
                    return Err(ApiError::invalid_field(
                        &name.replace('\0', ""),
                        "invalid_character",
                        "must not contain the NUL character (U+0000)",
                    ));
                }
                texts.push((name, text));
            }
            continue;
        }
        if uploads.len() == max_files {
            // More files than a dispute may hold: the rest of the form is not read.
            return Ok(FormParts {
                uploads,
                texts,
                refused: Some(ApiError::new(
                    ErrorCode::TooManyEvidenceFiles,
                    format!("A dispute holds at most {max_files} evidence files."),
                )),
            });
        }
        if refused.is_some() {
            // One file was refused already; the others are skipped, the text still read.
            drain_bounded(&mut field, max_bytes)
                .await
                .map_err(unreadable)?
                .ok_or_else(|| too_large(max_bytes))?;
            continue;
        }
        let file_name = field
            .content_disposition()
            .and_then(|d| d.get_filename())
            .map(|n| {
                n.chars()
                    .filter(|c| {
                        !c.is_control() && !is_format_control(*c) && *c != '/' && *c != '\\'
                    })
                    .take(200)
                    .collect::<String>()
            })
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| "evidence".into());
        let mut bytes = Vec::new();
        let mut received = 0usize;
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(unreadable)?;
            received += chunk.len();
            if received > max_bytes.saturating_mul(2) {
                // Far too large: stop reading the upload here.
                return Ok(FormParts {
                    uploads,
                    texts,
                    refused: Some(too_large(max_bytes)),
                });
            }
            if received <= max_bytes {
                bytes.extend_from_slice(&chunk);
            }
        }
        if received > max_bytes {
            refused = Some(too_large(max_bytes));
            continue;
        }
        if received == 0 {
            continue;
        }
        let content_type = infer::get(&bytes)
            .map(|t| t.mime_type().to_string())
            .unwrap_or_default();
        if !ALLOWED_TYPES.contains(&content_type.as_str()) {
            refused = Some(ApiError::new(
                ErrorCode::UnsupportedEvidenceType,
                format!("`{file_name}` is not an image, PDF or video (by its content)."),
            ));
            continue;
        }
        uploads.push(Upload {
            file_name,
            bytes,
            content_type,
        });
    }
    Ok(FormParts {
        uploads,
        texts,
        refused,
    })
}

/// Reads the files of an evidence upload: at least one.
async fn read_files(
    form: Multipart,
    max_bytes: usize,
    max_files: usize,
) -> Result<Vec<Upload>, ApiError> {
    let parts = read_form(form, max_bytes, max_files).await?;
    if let Some(refused) = parts.refused {
        return Err(refused);
    }
    let uploads = parts.uploads;
    if uploads.is_empty() {
        return Err(ApiError::invalid_field(
            "file",
            "file_required",
            "attach one or more files as field `file`",
        ));
    }
    Ok(uploads)
}

/// Uploads evidence (the parties, while the dispute is open).
#[utoipa::path(post, path = "/api/v1/disputes/{id}/evidence", tag = "disputes", params(("id" = String, Path)),
    request_body(content_type = "multipart/form-data", description = "one or more fields `file`: images, PDF or video, each at most `disputes.max_evidence_bytes`"),
    responses((status = 201, body = DisputeView), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem),
        (status = 413, body = crate::error::Problem), (status = 415, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn upload(
    state: web::Data<AppState>,
    auth: AuthUser,
    req: actix_web::HttpRequest,
    path: web::Path<String>,
    form: Multipart,
) -> Result<HttpResponse, ApiError> {
    state.limit(&req, crate::security::limits::Action::Upload)?;
    let view = upload_for(&state, &auth, path.into_inner(), form).await?;
    Ok(HttpResponse::Created().json(view))
}

/// Adds the files of `form` to dispute `id` as `auth` (a party) and returns the dispute.
pub async fn upload_for(
    state: &AppState,
    auth: &AuthUser,
    id: String,
    form: Multipart,
) -> Result<DisputeView, ApiError> {
    // Who may add to this dispute, and how many more files it holds, is known from the path:
    // nothing of the body is read for a stranger or a full dispute.
    let room = room_for_evidence(state, auth, id.clone()).await?;
    let max_bytes = state.settings.disputes.max_evidence_bytes;
    let uploads = read_files(form, max_bytes, room).await?;
    add_evidence(state, auth, id, uploads).await
}

/// How many more files the caller may add to dispute `id` (see [`check_room`]).
pub async fn room_for_evidence(
    state: &AppState,
    auth: &AuthUser,
    id: String,
) -> Result<usize, ApiError> {
    let settings = state.settings.disputes.clone();
    let auth = auth.clone();
    state
        .db
        .run(move |conn| check_room(conn, &settings, &auth.actor, &id, 0).map(|(_, _, room)| room))
        .await
}

/// Stores `uploads` as evidence of a party to dispute `id` (the API's upload and the
/// portal's filing share it). The party, the status and the file cap are checked again in the
/// transaction that stores them, with the dispute locked, so concurrent uploads never pass
/// the cap together.
pub async fn add_evidence(
    state: &AppState,
    auth: &AuthUser,
    id: String,
    uploads: Vec<Upload>,
) -> Result<DisputeView, ApiError> {
    let settings = state.settings.disputes.clone();
    // The bytes first, under their hash: a row never names a file not stored. A file stored
    // for a refused upload stays unnamed (the same bytes added later find it there).
    let hashed = tokio::task::spawn_blocking(move || {
        (uploads.into_iter())
            .map(|upload| (hex::encode(Sha256::digest(&upload.bytes)), upload))
            .collect::<Vec<_>>()
    })
    .await
    .map_err(ApiError::internal)?;
    let mut stored = Vec::with_capacity(hashed.len());
    for (sha256, upload) in hashed {
        let size_bytes = upload.bytes.len();
        state
            .files
            .put(&sha256, upload.bytes.into())
            .await
            .map_err(ApiError::internal)?;
        stored.push((upload.file_name, upload.content_type, size_bytes, sha256));
    }
    let now = state.clock.now();
    let (calendar, pii, auth) = (state.calendars.current(), state.pii.clone(), auth.clone());
    state
        .db
        .run(move |conn| {
            let files: Vec<NewFile<'_>> = stored
                .iter()
                .map(|(file_name, content_type, size_bytes, sha256)| NewFile {
                    file_name,
                    content_type,
                    size_bytes: *size_bytes,
                    sha256,
                })
                .collect();
            let role = crate::disputes::evidence::add_evidence(
                conn,
                &settings,
                &auth.actor,
                &id,
                &files,
                now,
            )?;
            build_view(conn, &calendar, &pii, &id, role, now).map_err(ApiError::from)
        })
        .await
}

/// Downloads an evidence file (the parties, the regulators of the region and the mediators the
/// dispute was referred to).
#[utoipa::path(get, path = "/api/v1/disputes/{id}/evidence/{evidence_id}", tag = "disputes",
    params(("id" = String, Path), ("evidence_id" = String, Path)),
    responses((status = 200, description = "the file"), (status = 404, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn download(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, evidence_id) = path.into_inner();
    let row = state
        .db
        .run(move |conn| {
            let (dispute, _) = find_dispute(conn, &id)?.ok_or_else(dispute_not_found)?;
            // The parties, the region's regulators, and the mediators it was referred to
            // (docs/mediation.md#what-the-mediator-does).
            let mediations = crate::store::mediations::mediations_of_dispute(conn, &id)?;
            crate::disputes::mediation::dispute_viewer(&auth.actor, &dispute, &mediations)
                .ok_or_else(dispute_not_found)?;
            find_evidence(conn, &id, &evidence_id)?
                .ok_or_else(|| ApiError::new(ErrorCode::EvidenceNotFound, "No such evidence file."))
        })
        .await?;
    file_response(&state, row).await
}

/// A signed link from an escalation packet.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SignedLinkQuery {
    /// The token of the link, as given in the packet.
    pub token: Option<String>,
}

/// Downloads an evidence file through the signed link of an escalation packet (no login; the
/// link names one file and expires).
#[utoipa::path(get, path = "/api/v1/evidence/{evidence_id}", tag = "disputes",
    params(("evidence_id" = String, Path), SignedLinkQuery),
    responses((status = 200, description = "the file"), (status = 401, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn download_signed(
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<SignedLinkQuery>,
) -> Result<HttpResponse, ApiError> {
    let evidence_id = path.into_inner();
    let refused = || {
        ApiError::new(
            ErrorCode::InvalidLink,
            "The link is not valid or has expired; ask for the case file again.",
        )
    };
    let token = query.token.as_deref().ok_or_else(refused)?;
    let claims = state
        .tokens
        .verify_evidence_link(token, state.clock.now())
        .map_err(|_| refused())?;
    if claims.sub != evidence_id {
        return Err(refused());
    }
    let row = state
        .db
        .run(move |conn| {
            find_evidence_by_id(conn, &evidence_id)?
                .ok_or_else(|| ApiError::new(ErrorCode::EvidenceNotFound, "No such evidence file."))
        })
        .await?;
    file_response(&state, row).await
}

/// The stored file of `row` as an attachment.
async fn file_response(state: &AppState, row: Evidence) -> Result<HttpResponse, ApiError> {
    let Some(bytes) = state
        .files
        .get(&row.sha256)
        .await
        .map_err(ApiError::internal)?
    else {
        return Err(ApiError::new(
            ErrorCode::EvidenceRemoved,
            "The file was deleted at the end of its retention period.",
        ));
    };
    let encoded: String = row
        .file_name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    Ok(HttpResponse::Ok()
        .content_type(row.content_type)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename*=UTF-8''{encoded}"),
        ))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header(("Digest", format!("sha-256={}", row.sha256)))
        .body(bytes))
}
