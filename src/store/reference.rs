//! Regions, industries and associations.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::schema::{associations, industries, regions};
use super::{DbConn, StoreError, new_id, to_db_time};

/// A stored region.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = regions)]
pub struct Region {
    pub code: String,
    pub parent_code: Option<String>,
    pub level: i64,
    pub name_zh: String,
    pub name_en: String,
}

/// A stored industry with its competent authority.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = industries)]
pub struct Industry {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub authority_zh: String,
    pub authority_en: String,
    pub is_market_regulated: bool,
}

/// A stored association.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = associations)]
pub struct Association {
    pub id: String,
    pub name: String,
    pub region_code: String,
    pub industry_code: Option<String>,
    pub created_at: chrono::NaiveDateTime,
}

/// Inserts regions that are not there yet (by code).
pub fn upsert_regions(conn: &mut DbConn, rows: &[Region]) -> Result<(), StoreError> {
    for row in rows {
        let exists = regions::table
            .find(&row.code)
            .count()
            .get_result::<i64>(conn)?
            > 0;
        if !exists {
            diesel::insert_into(regions::table)
                .values(row)
                .execute(conn)?;
        }
    }
    Ok(())
}

/// Inserts industries that are not there yet (by code).
pub fn upsert_industries(conn: &mut DbConn, rows: &[Industry]) -> Result<(), StoreError> {
    for row in rows {
        let exists = industries::table
            .find(&row.code)
            .count()
            .get_result::<i64>(conn)?
            > 0;
        if !exists {
            diesel::insert_into(industries::table)
                .values(row)
                .execute(conn)?;
        }
    }
    Ok(())
}

/// All regions, ordered by code.
pub fn list_regions(conn: &mut DbConn) -> Result<Vec<Region>, StoreError> {
    Ok(regions::table
        .order(regions::code)
        .select(Region::as_select())
        .load(conn)?)
}

/// One region.
pub fn find_region(conn: &mut DbConn, code: &str) -> Result<Option<Region>, StoreError> {
    Ok(regions::table
        .find(code)
        .select(Region::as_select())
        .first(conn)
        .optional()?)
}

/// All industries, ordered by code.
pub fn list_industries(conn: &mut DbConn) -> Result<Vec<Industry>, StoreError> {
    Ok(industries::table
        .order(industries::code)
        .select(Industry::as_select())
        .load(conn)?)
}

/// One industry.
pub fn find_industry(conn: &mut DbConn, code: &str) -> Result<Option<Industry>, StoreError> {
    Ok(industries::table
        .find(code)
        .select(Industry::as_select())
        .first(conn)
        .optional()?)
}

/// Creates an association.
pub fn insert_association(
    conn: &mut DbConn,
    name: &str,
    region_code: &str,
    industry_code: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Association, StoreError> {
    let row = Association {
        id: new_id(),
        name: name.to_string(),
        region_code: region_code.to_string(),
        industry_code: industry_code.map(str::to_string),
        created_at: to_db_time(now),
    };
    diesel::insert_into(associations::table)
        .values(&row)
        .execute(conn)?;
    Ok(row)
}

/// All associations, ordered by name.
pub fn list_associations(conn: &mut DbConn) -> Result<Vec<Association>, StoreError> {
    Ok(associations::table
        .order(associations::name)
        .select(Association::as_select())
        .load(conn)?)
}

/// One association.
pub fn find_association(conn: &mut DbConn, id: &str) -> Result<Option<Association>, StoreError> {
    Ok(associations::table
        .find(id)
        .select(Association::as_select())
        .first(conn)
        .optional()?)
}
