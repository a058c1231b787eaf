//! Reply templates kept by a region's regulators (docs/reply-templates.md).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::reply_templates;
use super::{DbConn, StoreError};

/// A stored reply template.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = reply_templates)]
pub struct ReplyTemplate {
    pub id: String,
    pub region_code: String,
    pub category: Option<String>,
    pub title: String,
    pub body: String,
    pub reviewed_at: Option<NaiveDateTime>,
    pub reviewed_by: Option<String>,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// The most templates a list holds: the newest of them (a dispute's list, of at most three
/// regions' 200 each, always fits).
pub const LIST_LIMIT: i64 = 1000;

/// How many templates the region `code` keeps.
pub fn count_in_region(conn: &mut DbConn, code: &str) -> Result<i64, StoreError> {
    Ok(reply_templates::table
        .filter(reply_templates::region_code.eq(code))
        .count()
        .get_result(conn)?)
}

/// Whether a template of region `code` other than `except` is titled `title`.
pub fn title_taken(
    conn: &mut DbConn,
    code: &str,
    title: &str,
    except: Option<&str>,
) -> Result<bool, StoreError> {
    let found: Vec<String> = reply_templates::table
        .filter(reply_templates::region_code.eq(code))
        .filter(reply_templates::title.eq(title))
        .select(reply_templates::id)
        .limit(2)
        .load(conn)?;
    Ok(found.iter().any(|id| Some(id.as_str()) != except))
}

/// Stores a new template.
pub fn insert_template(conn: &mut DbConn, row: &ReplyTemplate) -> Result<(), StoreError> {
    diesel::insert_into(reply_templates::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// The template `id`, if any.
pub fn find_template(conn: &mut DbConn, id: &str) -> Result<Option<ReplyTemplate>, StoreError> {
    Ok(reply_templates::table
        .find(id)
        .select(ReplyTemplate::as_select())
        .first(conn)
        .optional()?)
}

/// The templates kept in one of `regions` (exact codes) or, when `inside` is given, in a region
/// with that code prefix; of `category` and of any kind when a category is given (at most
/// [`LIST_LIMIT`], the newest first).
pub fn list_templates(
    conn: &mut DbConn,
    regions: &[String],
    inside: Option<&str>,
    category: Option<&str>,
) -> Result<Vec<ReplyTemplate>, StoreError> {
    let mut q = reply_templates::table
        .select(ReplyTemplate::as_select())
        .order(reply_templates::id.desc())
        .limit(LIST_LIMIT)
        .into_boxed();
    q = match inside {
        Some(prefix) => q.filter(
            reply_templates::region_code
                .eq_any(regions)
                .or(crate::in_region!(reply_templates::region_code, prefix)),
        ),
        None => q.filter(reply_templates::region_code.eq_any(regions)),
    };
    if let Some(category) = category {
        q = q.filter(
            reply_templates::category
                .eq(category)
                .or(reply_templates::category.is_null()),
        );
    }
    Ok(q.load(conn)?)
}

/// Writes a template's text, kind and review mark.
pub fn update_template(conn: &mut DbConn, row: &ReplyTemplate) -> Result<(), StoreError> {
    diesel::update(reply_templates::table.find(&row.id))
        .set((
            reply_templates::category.eq(&row.category),
            reply_templates::title.eq(&row.title),
            reply_templates::body.eq(&row.body),
            reply_templates::reviewed_at.eq(row.reviewed_at),
            reply_templates::reviewed_by.eq(&row.reviewed_by),
            reply_templates::updated_at.eq(row.updated_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Removes the template `id`.
pub fn delete_template(conn: &mut DbConn, id: &str) -> Result<(), StoreError> {
    diesel::delete(reply_templates::table.find(id)).execute(conn)?;
    Ok(())
}
