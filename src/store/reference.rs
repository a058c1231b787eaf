//! Regions, industries and associations.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use std::collections::{HashMap, HashSet};

use super::schema::{associations, industries, reference_revision, regions};
use super::{DbConn, StoreError, new_id, to_db_time};
use crate::domain::division::Division;

/// A stored region.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = regions, treat_none_as_default_value = false)]
pub struct Region {
    pub code: String,
    pub parent_code: Option<String>,
    pub level: i64,
    pub name_zh: String,
    pub name_en: String,
    /// When a later list of divisions no longer had the code (docs/regions.md).
    pub retired_at: Option<chrono::NaiveDateTime>,
}

impl Region {
    /// Whether new records may name the region.
    pub fn is_current(&self) -> bool {
        self.retired_at.is_none()
    }
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

/// How a list of divisions is applied to the stored regions.
#[derive(Debug, Clone, Copy)]
pub enum RegionSync {
    /// Adds the codes that are not stored yet and changes nothing else: the shipped list at
    /// every start, which must not undo a later list imported since.
    AddMissing,
    /// Makes the stored regions the list: adds new codes, renames and moves changed ones,
    /// restores listed codes that had been retired, and retires (never deletes) stored codes
    /// the list no longer has, at `now`. With `guard`, a list that would retire more than a
    /// twentieth of the regions in force changes nothing and comes back `refused` (judged
    /// under the lock, against the regions as they are then).
    Replace { now: DateTime<Utc>, guard: bool },
}

/// What applying a list of divisions changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RegionChanges {
    pub added: usize,
    /// Renamed (in Chinese or English) or moved under another parent.
    pub changed: usize,
    pub retired: usize,
    /// Retired before and listed again.
    pub restored: usize,
    /// Nothing was changed: the list would retire too many regions (`RegionSync::Replace`'s
    /// guard).
    pub refused: bool,
}

impl RegionChanges {
    /// Whether anything changed.
    pub fn any(&self) -> bool {
        *self != Self::default()
    }
}

/// What applying a list would write.
#[derive(Debug, Default)]
struct RegionPlan {
    changes: RegionChanges,
    /// New rows, parents before their children.
    insert: Vec<Region>,
    /// Rows renamed, moved or restored, as they will be.
    update: Vec<Division>,
    retire: Vec<String>,
}

fn plan_regions(stored: &[Region], list: &[Division], how: RegionSync) -> RegionPlan {
    let by_code: HashMap<&str, &Region> = stored.iter().map(|r| (r.code.as_str(), r)).collect();
    let mut plan = RegionPlan::default();
    for d in list {
        match (by_code.get(d.code.as_str()), how) {
            (None, _) => plan.insert.push(Region {
                code: d.code.clone(),
                parent_code: d.parent_code.clone(),
                level: d.level,
                name_zh: d.name_zh.clone(),
                name_en: d.name_en.clone(),
                retired_at: None,
            }),
            (Some(_), RegionSync::AddMissing) => {}
            (Some(old), RegionSync::Replace { .. }) => {
                let moved = old.parent_code != d.parent_code || old.level != d.level;
                let renamed = old.name_zh != d.name_zh || old.name_en != d.name_en;
                plan.changes.changed += usize::from(moved || renamed);
                plan.changes.restored += usize::from(!old.is_current());
                if moved || renamed || !old.is_current() {
                    plan.update.push(d.clone());
                }
            }
        }
    }
    // Parents first: a new county may hang under a new prefecture of the same list.
    plan.insert
        .sort_by(|a, b| (a.level, &a.code).cmp(&(b.level, &b.code)));
    plan.changes.added = plan.insert.len();
    if let RegionSync::Replace { .. } = how {
        let listed: HashSet<&str> = list.iter().map(|d| d.code.as_str()).collect();
        plan.retire = stored
            .iter()
            .filter(|r| r.is_current() && !listed.contains(r.code.as_str()))
            .map(|r| r.code.clone())
            .collect();
        plan.changes.retired = plan.retire.len();
    }
    plan
}

/// What applying `list` with `how` would change, without changing anything.
pub fn preview_regions(
    conn: &mut DbConn,
    list: &[Division],
    how: RegionSync,
) -> Result<RegionChanges, StoreError> {
    Ok(plan_regions(&list_regions(conn)?, list, how).changes)
}

/// Applies `list` to the stored regions in one transaction.
pub fn apply_regions(
    conn: &mut DbConn,
    list: &[Division],
    how: RegionSync,
) -> Result<RegionChanges, StoreError> {
    super::write_transaction(conn, |conn| {
        // Two nodes starting at once apply the shipped list one after the other.
        super::lock_key(conn, "regions")?;
        let stored = list_regions(conn)?;
        let plan = plan_regions(&stored, list, how);
        if let RegionSync::Replace { guard: true, .. } = how {
            let in_force = stored.iter().filter(|r| r.is_current()).count();
            if plan.changes.retired * 20 > in_force {
                return Ok(RegionChanges {
                    refused: true,
                    ..plan.changes
                });
            }
        }
        for chunk in plan.insert.chunks(500) {
            insert_rows!(conn, regions::table, chunk)?;
        }
        for d in &plan.update {
            diesel::update(regions::table.find(&d.code))
                .set((
                    regions::parent_code.eq(&d.parent_code),
                    regions::level.eq(d.level),
                    regions::name_zh.eq(&d.name_zh),
                    regions::name_en.eq(&d.name_en),
                    regions::retired_at.eq(None::<chrono::NaiveDateTime>),
                ))
                .execute(conn)?;
        }
        if let RegionSync::Replace { now, .. } = how {
            for chunk in plan.retire.chunks(500) {
                diesel::update(regions::table.filter(regions::code.eq_any(chunk)))
                    .set(regions::retired_at.eq(Some(to_db_time(now))))
                    .execute(conn)?;
            }
        }
        if plan.changes.any() {
            changed(conn)?;
        }
        Ok::<_, StoreError>(plan.changes)
    })
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

/// One region, retired or not.
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
