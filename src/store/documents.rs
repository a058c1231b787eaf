//! The documents issued for disputes, by verification code (docs/documents.md).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{businesses, disputes, documents};
use super::{DbConn, StoreError};

/// An issued document.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = documents)]
pub struct DocumentRow {
    pub code: String,
    pub dispute_id: String,
    pub kind: String,
    pub audience: String,
    pub lang: String,
    pub sha256: String,
    pub issued_at: NaiveDateTime,
}

/// The document of `kind` last issued for dispute `dispute_id` to `audience` in `lang`.
pub fn latest(
    conn: &mut DbConn,
    dispute_id: &str,
    kind: &str,
    audience: &str,
    lang: &str,
) -> Result<Option<DocumentRow>, StoreError> {
    Ok(documents::table
        .filter(documents::dispute_id.eq(dispute_id))
        .filter(documents::kind.eq(kind))
        .filter(documents::audience.eq(audience))
        .filter(documents::lang.eq(lang))
        .order((documents::issued_at.desc(), documents::code.desc()))
        .select(DocumentRow::as_select())
        .first(conn)
        .optional()?)
}

/// Records a document issued.
pub fn insert(conn: &mut DbConn, row: &DocumentRow) -> Result<(), StoreError> {
    diesel::insert_into(documents::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// The document with verification code `code`, with its dispute's case number and business.
pub fn find_by_code(
    conn: &mut DbConn,
    code: &str,
) -> Result<Option<(DocumentRow, String, String)>, StoreError> {
    Ok(documents::table
        .inner_join(disputes::table.inner_join(businesses::table))
        .filter(documents::code.eq(code))
        .select((
            DocumentRow::as_select(),
            disputes::case_number,
            businesses::name,
        ))
        .first(conn)
        .optional()?)
}
