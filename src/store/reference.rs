//! Regions, industries and associations.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::schema::{associations, industries, reference_revision, regions};
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

/// Regions, industries and associations as one revision of them.
#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    pub revision: i64,
    pub regions: Vec<Region>,
    pub industries: Vec<Industry>,
    pub associations: Vec<Association>,
}

/// The revision of the reference data: it grows with every change to it.
pub fn revision(conn: &mut DbConn) -> Result<i64, StoreError> {
    Ok(reference_revision::table
        .find(1_i64)
        .select(reference_revision::revision)
        .first(conn)?)
}

/// Marks the reference data changed (in the transaction that changes it).
fn changed(conn: &mut DbConn) -> Result<(), StoreError> {
    diesel::update(reference_revision::table.find(1_i64))
        .set(reference_revision::revision.eq(reference_revision::revision + 1))
        .execute(conn)?;
    Ok(())
}

/// All reference data, with its revision read first: a change made while this reads is seen
/// as a newer revision on the next read.
pub fn catalogue(conn: &mut DbConn) -> Result<Catalogue, StoreError> {
    Ok(Catalogue {
        revision: revision(conn)?,
        regions: list_regions(conn)?,
        industries: list_industries(conn)?,
        associations: list_associations(conn)?,
    })
}

/// Inserts regions that are not there yet (by code).
pub fn upsert_regions(conn: &mut DbConn, rows: &[Region]) -> Result<(), StoreError> {
    let mut added = false;
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
            added = true;
        }
    }
    if added {
        changed(conn)?;
    }
    Ok(())
}

/// Inserts industries that are not there yet (by code).
pub fn upsert_industries(conn: &mut DbConn, rows: &[Industry]) -> Result<(), StoreError> {
    let mut added = false;
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
            added = true;
        }
    }
    if added {
        changed(conn)?;
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
    changed(conn)?;
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

/// The reference data as last read, shared by every request of this process. Each use reads
/// the stored revision (one row by key) and reloads only when it grew, so a change made by
/// another node or by `odr` on the command line is seen on the next page.
#[derive(Debug, Clone, Default)]
pub struct ReferenceCache {
    held: std::sync::Arc<std::sync::RwLock<std::sync::Arc<Catalogue>>>,
}

impl ReferenceCache {
    /// The current reference data.
    pub async fn current(&self, db: &super::Db) -> Result<std::sync::Arc<Catalogue>, StoreError> {
        let held = self.held.clone();
        db.run(move |conn| {
            let revision = revision(conn)?;
            let cached = held.read().map_err(|_| poisoned())?.clone();
            if cached.revision == revision {
                return Ok(cached);
            }
            let fresh = std::sync::Arc::new(catalogue(conn)?);
            let mut slot = held.write().map_err(|_| poisoned())?;
            // Two requests may reload at once; the newer revision stays.
            if slot.revision < fresh.revision {
                *slot = fresh.clone();
            }
            Ok(fresh)
        })
        .await
    }
}

fn poisoned() -> StoreError {
    StoreError::Unavailable("the reference cache's lock was poisoned".into())
}
