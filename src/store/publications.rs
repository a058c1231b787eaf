//! Publications: anonymised case summaries and consumer alerts (docs/metrics.md#publications).

use crate::domain::publication::PublicationStatus;
use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::schema::publications;
use super::{DbConn, StoreError, to_db_time};

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

/// Stores a new publication.
pub fn insert_publication(conn: &mut DbConn, row: &Publication) -> Result<(), StoreError> {
    diesel::insert_into(publications::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// The publication `id`, if any.
pub fn find_publication(conn: &mut DbConn, id: &str) -> Result<Option<Publication>, StoreError> {
    Ok(publications::table
        .find(id)
        .select(Publication::as_select())
        .first(conn)
        .optional()?)
}

/// The publications of the region with code prefix `prefix` and the regions inside it, drafts
/// included, newest first.
pub fn list_in_region(
    conn: &mut DbConn,
    prefix: &str,
    limit: i64,
) -> Result<Vec<Publication>, StoreError> {
    Ok(publications::table
        .filter(crate::in_region!(publications::region_code, prefix))
        .order(publications::created_at.desc())
        .limit(limit)
        .select(Publication::as_select())
        .load(conn)?)
}

/// Published publications, newest first, of one kind and inside one region where given.
pub fn list_published(
    conn: &mut DbConn,
    kind: Option<&str>,
    prefix: Option<&str>,
    limit: i64,
) -> Result<Vec<Publication>, StoreError> {
    let mut q = publications::table
        .filter(publications::status.eq(PublicationStatus::Published.as_str()))
        .order(publications::published_at.desc())
        .limit(limit)
        .select(Publication::as_select())
        .into_boxed();
    if let Some(kind) = kind {
        q = q.filter(publications::kind.eq(kind.to_string()));
    }
    if let Some(prefix) = prefix {
        q = q.filter(crate::in_region!(publications::region_code, prefix));
    }
    Ok(q.load(conn)?)
}

/// Replaces a draft's title and text; `false` when it is no longer a draft (published since
/// it was read).
pub fn update_draft_text(
    conn: &mut DbConn,
    id: &str,
    title: &str,
    body: &str,
) -> Result<bool, StoreError> {
    let changed = diesel::update(
        publications::table
            .find(id)
            .filter(publications::status.eq(PublicationStatus::Draft.as_str())),
    )
    .set((publications::title.eq(title), publications::body.eq(body)))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Deletes a draft; `false` when it is not a draft (published meanwhile) or gone.
pub fn delete_draft(conn: &mut DbConn, id: &str) -> Result<bool, StoreError> {
    let deleted = diesel::delete(
        publications::table
            .find(id)
            .filter(publications::status.eq(PublicationStatus::Draft.as_str())),
    )
    .execute(conn)?;
    Ok(deleted == 1)
}

/// Marks a draft published at `at`; `false` when it was published already (by someone else
/// since it was read).
pub fn mark_published(conn: &mut DbConn, id: &str, at: DateTime<Utc>) -> Result<bool, StoreError> {
    let changed = diesel::update(
        publications::table
            .find(id)
            .filter(publications::status.eq(PublicationStatus::Draft.as_str())),
    )
    .set((
        publications::status.eq(PublicationStatus::Published.as_str()),
        publications::published_at.eq(Some(to_db_time(at))),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// The names of the consumers who filed disputes in the region with code prefix `prefix`: no
/// publication of the region may name them (docs/metrics.md#publications).
pub fn consumer_names_in_region(
    conn: &mut DbConn,
    prefix: &str,
) -> Result<Vec<String>, StoreError> {
    use super::schema::{disputes, users};
    Ok(disputes::table
        .inner_join(users::table.on(users::id.eq(disputes::consumer_id)))
        .filter(crate::in_region!(disputes::region_code, prefix))
        .select(users::display_name)
        .distinct()
        .load(conn)?)
}
