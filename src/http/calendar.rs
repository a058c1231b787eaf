//! The working-day computation as a public operation (docs/deadlines.md#explanations).

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::disputes::view::{MakeUpDayDto, SkippedDayDto};
use crate::error::{ApiError, FieldErrors};

/// Registers the routes of this module.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/calendar/due-date").route(web::get().to(due_date)));
}

/// Inputs of the computation; all are required except the jurisdiction.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DueDateQuery {
    /// The moment counting starts from (RFC 3339), e.g. a filing time.
    pub start: Option<String>,
    /// Working days to count, 1–365.
    #[param(value_type = Option<i64>)]
    pub working_days: Option<String>,
    /// Calendar jurisdiction (default `cn`).
    pub jurisdiction: Option<String>,
}

/// The due moment with its explanation.
#[derive(Debug, Serialize, ToSchema)]
pub struct DueDateResponse {
    /// 23:59:59 Asia/Shanghai of the last counted working day, in UTC.
    pub due_at: DateTime<Utc>,
    /// The count reached into a year without a loaded calendar (Monday–Friday was assumed).
    pub provisional: bool,
    /// Days passed over, with `weekend` or `holiday` (and a holiday's name).
    pub skipped: Vec<SkippedDayDto>,
    /// Weekend days counted because the calendar makes them working days.
    pub make_up_days: Vec<MakeUpDayDto>,
}

/// Computes a due date in working days: the start day is not counted, weekends are off
/// unless they are make-up working days, statutory holidays are off.
#[utoipa::path(get, path = "/api/v1/calendar/due-date", tag = "calendar", params(DueDateQuery),
    responses((status = 200, body = DueDateResponse), (status = 422, body = crate::error::Problem)))]
pub async fn due_date(
    state: web::Data<AppState>,
    query: web::Query<DueDateQuery>,
) -> Result<HttpResponse, ApiError> {
    let mut e = FieldErrors::default();
    let start = match query.start.as_deref() {
        Some(s) => e
            .check("start", "invalid_time", DateTime::parse_from_rfc3339(s))
            .map(|t| t.with_timezone(&Utc)),
        None => {
            e.add(
                "start",
                "required",
                "give the start moment in RFC 3339, e.g. 2026-09-30T10:00:00+08:00",
            );
            None
        }
    };
    let days = match query
        .working_days
        .as_deref()
        .map(|d| d.trim().parse::<u32>())
    {
        Some(Ok(d)) if (1..=365).contains(&d) => Some(d),
        Some(_) => {
            e.add(
                "working_days",
                "out_of_range",
                "a whole number from 1 to 365",
            );
            None
        }
        None => {
            e.add(
                "working_days",
                "required",
                "give the number of working days",
            );
            None
        }
    };
    let jurisdiction = query.jurisdiction.as_deref().unwrap_or("cn");
    if jurisdiction != state.settings.deadlines.jurisdiction {
        e.add(
            "jurisdiction",
            "unknown_jurisdiction",
            format!(
                "calendars are loaded for `{}`",
                state.settings.deadlines.jurisdiction
            ),
        );
    }
    e.finish()?;
    let (Some(start), Some(days)) = (start, days) else {
        return Err(ApiError::internal("validated parameters missing"));
    };
    let due = state.calendars.current().add_working_days(start, days);
    Ok(HttpResponse::Ok().json(DueDateResponse {
        due_at: due.due_at,
        provisional: due.provisional,
        skipped: SkippedDayDto::all(due.skipped),
        make_up_days: MakeUpDayDto::all(due.make_up_days),
    }))
}
