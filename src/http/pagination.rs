//! Cursor pagination (`limit`, `cursor`): the cursor is the id of the last item returned.

use serde::Deserialize;
use utoipa::IntoParams;

use crate::error::ApiError;

/// Items per page when `limit` is not given.
pub const DEFAULT_LIMIT: i64 = 50;
/// The largest page.
pub const MAX_LIMIT: i64 = 200;

/// Paging parameters of a listing.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Items per page, 1–200 (default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl PageParams {
    /// The validated limit; one more row is fetched to know whether a next page exists.
    pub fn limit(&self) -> Result<i64, ApiError> {
        match self.limit.as_deref().map(|l| l.trim().parse::<i64>()) {
            None => Ok(DEFAULT_LIMIT),
            Some(Ok(limit)) if (1..=MAX_LIMIT).contains(&limit) => Ok(limit),
            Some(_) => Err(ApiError::invalid_field(
                "limit",
                "out_of_range",
                format!("limit must be a whole number between 1 and {MAX_LIMIT}"),
            )),
        }
    }

    /// The validated cursor (a UUID).
    pub fn cursor(&self) -> Result<Option<String>, ApiError> {
        match &self.cursor {
            None => Ok(None),
            Some(cursor) if uuid::Uuid::parse_str(cursor).is_ok() => Ok(Some(cursor.clone())),
            Some(_) => Err(ApiError::invalid_field(
                "cursor",
                "invalid_cursor",
                "cursor must be the next_cursor of a previous page",
            )),
        }
    }
}

/// Cuts the extra row fetched past `limit` and returns the next cursor if there is more.
pub fn split_page<T>(
    mut rows: Vec<T>,
    limit: i64,
    id_of: impl Fn(&T) -> String,
) -> (Vec<T>, Option<String>) {
    let limit = usize::try_from(limit).unwrap_or(0);
    if rows.len() > limit {
        rows.truncate(limit);
        let next = rows.last().map(id_of);
        (rows, next)
    } else {
        (rows, None)
    }
}
