//! Businesses, identified by their unified social credit code.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::schema::businesses;
use super::{DbConn, StoreError, to_db_time};

/// A stored business.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = businesses)]
pub struct Business {
    pub id: String,
    pub uscc: String,
    pub name: String,
    pub industry_code: String,
    pub region_code: String,
    pub address: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub association_id: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// The editable part of a business profile.
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = businesses)]
pub struct BusinessProfileChange {
    pub name: Option<String>,
    pub address: Option<String>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
}

/// Inserts a business; a taken credit code is a [`StoreError::Conflict`].
pub fn insert_business(conn: &mut DbConn, business: &Business) -> Result<(), StoreError> {
    diesel::insert_into(businesses::table)
        .values(business)
        .execute(conn)?;
    Ok(())
}

/// Number of businesses (generated history numbers its businesses after them).
pub fn count_businesses(conn: &mut DbConn) -> Result<i64, StoreError> {
    Ok(businesses::table.count().get_result(conn)?)
}

/// One business by id.
pub fn find_business(conn: &mut DbConn, id: &str) -> Result<Option<Business>, StoreError> {
    Ok(businesses::table
        .find(id)
        .select(Business::as_select())
        .first(conn)
        .optional()?)
}

/// One business by credit code.
pub fn find_business_by_uscc(
    conn: &mut DbConn,
    uscc: &str,
) -> Result<Option<Business>, StoreError> {
    Ok(businesses::table
        .filter(businesses::uscc.eq(uscc))
        .select(Business::as_select())
        .first(conn)
        .optional()?)
}

/// Applies a profile change and returns the updated business.
pub fn update_business_profile(
    conn: &mut DbConn,
    id: &str,
    change: &BusinessProfileChange,
    now: DateTime<Utc>,
) -> Result<Business, StoreError> {
    let has_changes = change.name.is_some()
        || change.address.is_some()
        || change.contact_name.is_some()
        || change.contact_phone.is_some();
    if has_changes {
        diesel::update(businesses::table.find(id))
            .set((change, businesses::updated_at.eq(to_db_time(now))))
            .execute(conn)?;
    }
    find_business(conn, id)?.ok_or(StoreError::NotFound)
}

/// The name of business `id` ([`StoreError::NotFound`] when it does not exist).
pub fn business_name(conn: &mut DbConn, id: &str) -> Result<String, StoreError> {
    Ok(businesses::table
        .find(id)
        .select(businesses::name)
        .first(conn)?)
}

/// The association of business `id`; `None` when it has none or does not exist. Read once per
/// write transaction: the counters of each dispute a sweep batch changes at one unit need it.
pub fn association_of(conn: &mut DbConn, id: &str) -> Result<Option<String>, StoreError> {
    super::transaction_state::remembered(conn, "association", id, |conn| {
        Ok(businesses::table
            .find(id)
            .select(businesses::association_id)
            .first::<Option<String>>(conn)
            .optional()?
            .flatten())
    })
}
