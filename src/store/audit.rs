//! The append-only, hash-chained audit log (docs/metrics.md#audit). An append runs inside the
//! caller's transaction and writes the entry with its number and no hash, so appends never
//! wait for one another; [`seal`] (the worker's sweep, and `odr audit-verify`) puts the
//! waiting entries onto the hash chain in batches, in the order of their numbers. Only sealers
//! take the head's lock (`lock_key("audit_head")`), and [`verify_chain`] holds it too.

use chrono::{DateTime, NaiveDateTime, SubsecRound, Utc};
use diesel::prelude::*;

use super::schema::{audit_head, audit_log};
use super::{DbConn, StoreError, new_id, to_db_time};
use crate::domain::access::Actor;
use crate::domain::audit::{AuditFields, GENESIS_HASH, entry_hash};

/// A stored entry; `prev_hash`, `hash` and `chain_no` are empty until it is sealed.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
pub struct AuditEntry {
    /// Given at append, in the order entries were written.
    pub seq: i64,
    pub id: String,
    pub at: NaiveDateTime,
    pub actor_id: Option<String>,
    pub actor_role: String,
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    pub region_code: Option<String>,
    pub details: String,
    pub prev_hash: Option<String>,
    pub hash: Option<String>,
    /// The entry's place on the chain, given when it is sealed.
    pub chain_no: Option<i64>,
}

/// An entry as appended: the database numbers it, the sealer chains it. A missing actor or
/// region is written as NULL (not DEFAULT), so every row has the same columns.
#[derive(Insertable)]
#[diesel(table_name = audit_log, treat_none_as_default_value = false)]
pub(crate) struct NewEntry {
    id: String,
    at: NaiveDateTime,
    actor_id: Option<String>,
    actor_role: String,
    action: String,
    object_type: String,
    object_id: String,
    region_code: Option<String>,
    details: String,
}

impl AuditEntry {
    /// The hash this entry should carry after `prev_hash`.
    pub fn expected_hash(&self, prev_hash: &str) -> String {
        let at = stamp(self.at);
        entry_hash(
            prev_hash,
            &AuditFields {
                seq: self.seq,
                at: &at,
                actor_id: self.actor_id.as_deref(),
                actor_role: &self.actor_role,
                action: &self.action,
                object_type: &self.object_type,
                object_id: &self.object_id,
                region_code: self.region_code.as_deref(),
                details: &self.details,
            },
        )
    }
}

/// The timestamp as hashed: RFC 3339 with microseconds (what both databases keep).
fn stamp(at: NaiveDateTime) -> String {
    at.and_utc().format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// What happened, by whom, to what.
#[derive(Debug, Clone)]
pub struct Audit<'a> {
    pub actor_id: Option<&'a str>,
    /// consumer, merchant, regulator, association_admin, admin, system or `gateway:<name>`.
    pub actor_role: &'a str,
    pub action: &'a str,
    pub object_type: &'a str,
    pub object_id: &'a str,
    /// The region the object belongs to, so the region's regulators can read the entry.
    pub region_code: Option<&'a str>,
    pub details: &'a serde_json::Value,
}

/// Records that `actor` did `action` to an object (in the caller's transaction).
#[expect(
    clippy::too_many_arguments,
    reason = "one flat call per audited action reads best at the call sites"
)]
pub fn record_action(
    conn: &mut DbConn,
    actor: &Actor,
    action: &str,
    object_type: &str,
    object_id: &str,
    region_code: Option<&str>,
    details: &serde_json::Value,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    append_audit(
        conn,
        &Audit {
            actor_id: Some(&actor.user_id),
            actor_role: actor.role.as_str(),
            action,
            object_type,
            object_id,
            region_code,
            details,
        },
        at,
    )
}

/// Appends one entry, to be sealed onto the chain by [`seal`]; inside a write transaction it
/// is inserted with the transaction's other entries just before the commit
/// ([`super::transaction_state`]).
pub fn append_audit(
    conn: &mut DbConn,
    entry: &Audit<'_>,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let row = NewEntry {
        id: new_id(),
        at: to_db_time(at).trunc_subsecs(6),
        actor_id: entry.actor_id.map(str::to_string),
        actor_role: entry.actor_role.into(),
        action: entry.action.into(),
        object_type: entry.object_type.into(),
        object_id: entry.object_id.into(),
        region_code: entry.region_code.map(str::to_string),
        details: entry.details.to_string(),
    };
    super::transaction_state::add(conn, vec![row])
}

/// Seals up to `limit` waiting entries onto the chain, in the order of their numbers, in one
/// transaction; how many it sealed. An entry whose transaction commits after a later-numbered
/// one was sealed takes the next place on the chain when it is sealed. Waiting means never
/// sealed: no place, no hashes. Nothing is sealed onto a chain whose last entry does not match
/// its head (a rewound head, a removed or re-opened entry): that is reported instead. Without
/// `wait`, nothing when another transaction is sealing (`None`): two workers' sweeps do not
/// queue behind each other's sealing.
fn seal(conn: &mut DbConn, limit: i64, wait: bool) -> Result<Option<usize>, StoreError> {
    super::write_transaction(conn, |conn| {
        if wait {
            super::lock_key(conn, "audit_head")?;
        } else if !super::try_lock_key(conn, "audit_head")? {
            return Ok(None);
        }
        let (mut chain_no, mut prev): (i64, String) = audit_head::table
            .find(1_i64)
            .select((audit_head::seq, audit_head::hash))
            .first(conn)?;
        let tip: Option<Option<String>> = audit_log::table
            .filter(audit_log::chain_no.eq(chain_no))
            .select(audit_log::hash)
            .first(conn)
            .optional()?;
        let beyond: i64 = audit_log::table
            .filter(audit_log::chain_no.gt(chain_no))
            .count()
            .get_result(conn)?;
        let tip_holds = match tip {
            Some(hash) => hash.as_deref() == Some(prev.as_str()),
            None => chain_no == 0,
        };
        if !tip_holds || beyond > 0 {
            return Err(StoreError::Corrupt(format!(
                "the audit chain does not end where its head (place {chain_no}) says; \
                 nothing is sealed until `odr audit-verify` is run and the break is looked into"
            )));
        }
        let waiting: Vec<AuditEntry> = audit_log::table
            .filter(audit_log::chain_no.is_null())
            .filter(audit_log::prev_hash.is_null())
            .filter(audit_log::hash.is_null())
            .order(audit_log::seq)
            .limit(limit)
            .select(AuditEntry::as_select())
            .load(conn)?;
        let mut placed = Vec::with_capacity(waiting.len());
        for entry in &waiting {
            chain_no += 1;
            let hash = entry.expected_hash(&prev);
            placed.push(Placed {
                seq: entry.seq,
                chain_no,
                prev_hash: std::mem::replace(&mut prev, hash.clone()),
                hash,
            });
        }
        for rows in placed.chunks(PLACES_PER_STATEMENT) {
            set_places(conn, rows)?;
        }
        if !waiting.is_empty() {
            diesel::update(audit_head::table.find(1_i64))
                .set((audit_head::seq.eq(chain_no), audit_head::hash.eq(&prev)))
                .execute(conn)?;
            // Logged, so that the head can be checked against a copy kept outside the
            // database (docs/metrics.md#audit).
            tracing::info!(audit.chain_no = chain_no, audit.hash = %prev, "audit entries sealed");
        }
        Ok(Some(waiting.len()))
    })
}

/// An entry's place on the chain, as sealing sets it.
struct Placed {
    seq: i64,
    chain_no: i64,
    prev_hash: String,
    hash: String,
}

/// How many entries one statement places on the chain (4 parameters each, well under SQLite's
/// limit of 32,766).
const PLACES_PER_STATEMENT: usize = 250;

/// Sets the places of `rows` on the chain in one statement (`UPDATE … FROM` a list of values,
/// which PostgreSQL and SQLite since 3.33 both take) instead of one round trip per entry.
fn set_places(conn: &mut DbConn, rows: &[Placed]) -> Result<(), StoreError> {
    use diesel::sql_types::{BigInt, Text};
    let sql = |mark: char| {
        let values = (0..rows.len())
            .map(|i| {
                let n = 4 * i;
                format!(
                    "({mark}{}, {mark}{}, {mark}{}, {mark}{})",
                    n + 1,
                    n + 2,
                    n + 3,
                    n + 4
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        format!(
            "WITH placed (seq, chain_no, prev_hash, hash) AS (VALUES {values}) \
             UPDATE audit_log SET chain_no = placed.chain_no, prev_hash = placed.prev_hash, \
             hash = placed.hash FROM placed WHERE audit_log.seq = placed.seq"
        )
    };
    macro_rules! run {
        ($conn:expr, $mark:expr) => {{
            let mut query = diesel::sql_query(sql($mark)).into_boxed();
            for row in rows {
                query = query
                    .bind::<BigInt, _>(row.seq)
                    .bind::<BigInt, _>(row.chain_no)
                    .bind::<Text, _>(&row.prev_hash)
                    .bind::<Text, _>(&row.hash);
            }
            query.execute($conn)?
        }};
    }
    let updated = match conn {
        DbConn::Pg(pg) => run!(pg, '$'),
        DbConn::Sqlite(lite) => run!(lite, '?'),
    };
    if updated != rows.len() {
        return Err(StoreError::Corrupt(format!(
            "sealing placed {updated} audit entries of {}",
            rows.len()
        )));
    }
    Ok(())
}

/// Seals waiting entries batch by batch, at most `batches` of 1,000, unless another node's
/// sweep is sealing them; how many.
pub fn seal_waiting(conn: &mut DbConn, batches: usize) -> Result<usize, StoreError> {
    seal_batches(conn, batches, false)
}

/// Seals every waiting entry, waiting for another transaction sealing; how many.
pub fn seal_all(conn: &mut DbConn) -> Result<usize, StoreError> {
    seal_batches(conn, usize::MAX, true)
}

/// Seals up to `batches` batches; with `wait` after another transaction sealing, without it
/// leaving the rest to that one.
fn seal_batches(conn: &mut DbConn, batches: usize, wait: bool) -> Result<usize, StoreError> {
    let mut sealed = 0;
    for _ in 0..batches {
        let Some(batch) = seal(conn, SEAL_BATCH, wait)? else {
            break;
        };
        sealed += batch;
        if batch < SEAL_BATCH as usize {
            break;
        }
    }
    Ok(sealed)
}

/// Entries sealed in one transaction.
const SEAL_BATCH: i64 = 1000;

/// Sealed entries in chain order after place `after`, at most `limit`, optionally only those
/// of regions starting with `region_prefix`. An entry is listed once it is sealed (within a
/// sweep of the worker), so a reader paging by place never misses one that committed late.
pub fn list_audit(
    conn: &mut DbConn,
    region_prefix: Option<&str>,
    after: i64,
    limit: i64,
) -> Result<Vec<AuditEntry>, StoreError> {
    let mut query = audit_log::table
        .filter(audit_log::chain_no.gt(after))
        .order(audit_log::chain_no)
        .limit(limit)
        .select(AuditEntry::as_select())
        .into_boxed();
    if let Some(prefix) = region_prefix {
        query = query.filter(crate::in_region!(audit_log::region_code, prefix));
    }
    Ok(query.load(conn)?)
}

/// Where the chain is broken: the entry's number where one is to blame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Break {
    pub seq: Option<i64>,
    pub id: Option<String>,
    pub reason: String,
}

/// What a check of the chain found intact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Intact {
    /// Entries on the chain.
    pub sealed: i64,
    /// Entries written since the last seal, not yet on the chain.
    pub waiting: i64,
}

/// Checks the sealed chain in order, while no sealer runs; what it holds, or the first break.
pub fn verify_chain(conn: &mut DbConn) -> Result<Result<Intact, Break>, StoreError> {
    use diesel::Connection;
    conn.transaction(|conn| {
        super::lock_key(conn, "audit_head")?;
        walk_chain(conn)
    })
}

fn walk_chain(conn: &mut DbConn) -> Result<Result<Intact, Break>, StoreError> {
    // Every entry is either sealed (a place of 1 or more, both hashes) or waiting (none).
    let outside: i64 = audit_log::table
        .filter(
            audit_log::chain_no
                .lt(1)
                .or(audit_log::chain_no.is_null().and(
                    audit_log::hash
                        .is_not_null()
                        .or(audit_log::prev_hash.is_not_null()),
                )),
        )
        .count()
        .get_result(conn)?;
    if outside > 0 {
        return Ok(Err(Break {
            seq: None,
            id: None,
            reason: format!("{outside} entries are neither on the chain nor waiting (edited)"),
        }));
    }
    let mut expected_prev = GENESIS_HASH.to_string();
    let mut expected_no = 1;
    loop {
        let batch: Vec<AuditEntry> = audit_log::table
            .filter(audit_log::chain_no.ge(expected_no))
            .order(audit_log::chain_no)
            .limit(1000)
            .select(AuditEntry::as_select())
            .load(conn)?;
        if batch.is_empty() {
            break;
        }
        for entry in batch {
            let broken = |reason: &str| Break {
                seq: Some(entry.seq),
                id: Some(entry.id.clone()),
                reason: reason.into(),
            };
            if entry.chain_no != Some(expected_no) {
                return Ok(Err(Break {
                    seq: None,
                    id: None,
                    reason: format!("place {expected_no} of the chain is missing (entry removed)"),
                }));
            }
            if entry.prev_hash.as_deref() != Some(expected_prev.as_str()) {
                return Ok(Err(broken(
                    "its previous hash does not match the entry before it",
                )));
            }
            let Some(hash) = entry.hash.clone() else {
                return Ok(Err(broken("it has a place on the chain but no hash")));
            };
            if hash != entry.expected_hash(&expected_prev) {
                return Ok(Err(broken(
                    "its content does not match its hash (edited after writing)",
                )));
            }
            expected_prev = hash;
            expected_no += 1;
        }
    }
    let sealed = expected_no - 1;
    let (head_no, head_hash): (i64, String) = audit_head::table
        .find(1_i64)
        .select((audit_head::seq, audit_head::hash))
        .first(conn)?;
    if head_no != sealed || head_hash != expected_prev {
        return Ok(Err(Break {
            seq: None,
            id: None,
            reason: format!(
                "the chain ends at place {sealed} but its head names place {head_no} (entries removed from the end)"
            ),
        }));
    }
    let waiting = audit_log::table
        .filter(audit_log::chain_no.is_null())
        .count()
        .get_result(conn)?;
    Ok(Ok(Intact { sealed, waiting }))
}

/// What a person calls the objects and actors of audit entries: a dispute and an escalation
/// by the case number, a unit by its business's name, an account by its name, an association
/// and a publication by theirs; keyed by `(object type, id)`, `("user", id)` for actors.
/// Objects of other types, and ones no longer there, are left out.
pub fn object_names(
    conn: &mut DbConn,
    objects: &[(String, String)],
) -> Result<std::collections::HashMap<(String, String), String>, StoreError> {
    use super::schema::{
        associations, businesses, disputes, escalations, odr_units, publications, users,
    };
    let of = |kind: &str| -> Vec<&String> {
        objects
            .iter()
            .filter(|(t, _)| t == kind)
            .map(|(_, id)| id)
            .collect()
    };
    let mut named = std::collections::HashMap::new();
    let mut keep = |kind: &str, rows: Vec<(String, String)>| {
        for (id, name) in rows {
            named.insert((kind.to_string(), id), name);
        }
    };
    keep(
        "dispute",
        disputes::table
            .filter(disputes::id.eq_any(of("dispute")))
            .select((disputes::id, disputes::case_number))
            .load(conn)?,
    );
    keep(
        "escalation",
        escalations::table
            .inner_join(disputes::table.on(disputes::id.eq(escalations::dispute_id)))
            .filter(escalations::id.eq_any(of("escalation")))
            .select((escalations::id, disputes::case_number))
            .load(conn)?,
    );
    keep(
        "unit",
        odr_units::table
            .inner_join(businesses::table)
            .filter(odr_units::id.eq_any(of("unit")))
            .select((odr_units::id, businesses::name))
            .load(conn)?,
    );
    keep(
        "business",
        businesses::table
            .filter(businesses::id.eq_any(of("business")))
            .select((businesses::id, businesses::name))
            .load(conn)?,
    );
    // Consumers are not named: their names are theirs (docs/people-data.md).
    keep(
        "user",
        users::table
            .filter(users::id.eq_any(of("user")))
            .filter(users::role.ne(crate::domain::role::Role::Consumer.as_str()))
            .select((users::id, users::display_name))
            .load(conn)?,
    );
    keep(
        "association",
        associations::table
            .filter(associations::id.eq_any(of("association")))
            .select((associations::id, associations::name))
            .load(conn)?,
    );
    keep(
        "publication",
        publications::table
            .filter(publications::id.eq_any(of("publication")))
            .select((publications::id, publications::title))
            .load(conn)?,
    );
    Ok(named)
}
