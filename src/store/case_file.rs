//! A dispute's case file besides the dispute row: its agreement, offers, timeline, messages,
//! evidence records and escalation, read for one dispute (its page) or for a whole sweep
//! batch at once (the escalation packets, docs/escalation.md#packet): one statement per part
//! either way, so a batch of 100 packets reads its disputes with their parties and their case
//! files in seven statements, not 700.

use std::collections::HashMap;

use diesel::prelude::*;

use super::disputes::{DisputeWithParties, TimelineEvent};
use super::negotiation::{Escalation, Evidence, Message, Offer, Settlement};
use super::schema::{
    businesses, dispute_claims, dispute_events, dispute_messages, disputes, escalations, evidence,
    offers, settlements, users,
};
use super::{DbConn, StoreError};

/// The parts of one dispute's case file, each list in the order it happened.
#[derive(Debug, Default, Clone)]
pub struct CaseParts {
    pub settlement: Option<Settlement>,
    pub offers: Vec<Offer>,
    pub events: Vec<TimelineEvent>,
    pub messages: Vec<Message>,
    pub evidence: Vec<Evidence>,
    pub escalation: Option<Escalation>,
}

impl CaseParts {
    /// The parts of dispute `id`.
    pub fn of(conn: &mut DbConn, id: &str) -> Result<Self, StoreError> {
        let ids = [id.to_string()];
        Ok(case_parts(conn, &ids)?.remove(id).unwrap_or_default())
    }
}

/// Puts each row into the parts of the dispute `dispute_id` names, in the order read.
fn sort_into<T>(
    parts: &mut HashMap<String, CaseParts>,
    rows: Vec<T>,
    dispute_id: impl Fn(&T) -> &str,
    put: impl Fn(&mut CaseParts, T),
) {
    for row in rows {
        let id = dispute_id(&row).to_string();
        put(parts.entry(id).or_default(), row);
    }
}

/// The parts of disputes `ids`, by dispute id (an id without any part maps to empty parts).
pub fn case_parts(
    conn: &mut DbConn,
    ids: &[String],
) -> Result<HashMap<String, CaseParts>, StoreError> {
    let mut parts: HashMap<String, CaseParts> = ids
        .iter()
        .map(|id| (id.clone(), CaseParts::default()))
        .collect();
    if ids.is_empty() {
        return Ok(parts);
    }
    // The timeline entries a write transaction under way added wait for its commit.
    super::transaction_state::TransactionState::write(conn)?;
    let rows = settlements::table
        .filter(settlements::dispute_id.eq_any(ids))
        .select(Settlement::as_select())
        .load(conn)?;
    sort_into(
        &mut parts,
        rows,
        |s| &s.dispute_id,
        |p, s| {
            p.settlement = Some(s);
        },
    );
    let rows = offers::table
        .filter(offers::dispute_id.eq_any(ids))
        .order((offers::created_at, offers::id))
        .select(Offer::as_select())
        .load(conn)?;
    sort_into(&mut parts, rows, |o| &o.dispute_id, |p, o| p.offers.push(o));
    let rows = dispute_events::table
        .filter(dispute_events::dispute_id.eq_any(ids))
        .order((dispute_events::created_at, dispute_events::id))
        .select(TimelineEvent::as_select())
        .load(conn)?;
    sort_into(&mut parts, rows, |e| &e.dispute_id, |p, e| p.events.push(e));
    let rows = dispute_messages::table
        .filter(dispute_messages::dispute_id.eq_any(ids))
        .order((dispute_messages::created_at, dispute_messages::id))
        .select(Message::as_select())
        .load(conn)?;
    sort_into(
        &mut parts,
        rows,
        |m| &m.dispute_id,
        |p, m| p.messages.push(m),
    );
    let rows = evidence::table
        .filter(evidence::dispute_id.eq_any(ids))
        .order((evidence::created_at, evidence::id))
        .select(Evidence::as_select())
        .load(conn)?;
    sort_into(
        &mut parts,
        rows,
        |e| &e.dispute_id,
        |p, e| p.evidence.push(e),
    );
    let rows = escalations::table
        .filter(escalations::dispute_id.eq_any(ids))
        .select(Escalation::as_select())
        .load(conn)?;
    sort_into(
        &mut parts,
        rows,
        |e| &e.dispute_id,
        |p, e| {
            p.escalation = Some(e);
        },
    );
    Ok(parts)
}

/// Disputes `ids` with their claims and both parties, in one statement, by dispute id.
pub fn disputes_with_parties(
    conn: &mut DbConn,
    ids: &[String],
) -> Result<HashMap<String, DisputeWithParties>, StoreError> {
    let rows: Vec<DisputeWithParties> = disputes::table
        .inner_join(dispute_claims::table)
        .inner_join(users::table)
        .inner_join(businesses::table)
        .filter(disputes::id.eq_any(ids))
        .select((
            super::disputes::Dispute::as_select(),
            super::disputes::Claim::as_select(),
            super::users::User::as_select(),
            super::businesses::Business::as_select(),
        ))
        .load(conn)?;
    Ok(rows.into_iter().map(|r| (r.0.id.clone(), r)).collect())
}
