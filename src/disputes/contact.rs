//! A regulator unmasks a consumer's contact for one dispute, stating why
//! (docs/people-data.md#unmasking); the reason goes into the audit log.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::{dispute_not_found, role_of};
use crate::domain::access::Actor;
use crate::error::ApiError;
use crate::security::pii::PiiCipher;
use crate::store::audit::record_action;
use crate::store::disputes::find_dispute;
use crate::store::users::find_user;
use crate::store::{DbConn, write_transaction};

/// A consumer's contact, whole.
#[derive(Debug, Clone)]
pub struct Contact {
    pub display_name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// Shows `actor`, a regulator of dispute `id`'s region, the whole contact of its consumer and
/// audits the stated `reason` (in one transaction); returns the contact. A dispute the actor
/// may not see is a 404; the parties are refused.
pub fn unmask(
    conn: &mut DbConn,
    actor: &Actor,
    pii: &PiiCipher,
    id: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<Contact, ApiError> {
    let (dispute, _) = find_dispute(conn, id)?.ok_or_else(dispute_not_found)?;
    match role_of(actor, &dispute) {
        Some(crate::domain::dispute::Actor::Regulator) => {}
        Some(_) => {
            return Err(ApiError::forbidden(
                "Only a regulator of the dispute's region unmasks a contact.",
            ));
        }
        None => return Err(dispute_not_found()),
    }
    let consumer = find_user(conn, &dispute.consumer_id)?.ok_or_else(dispute_not_found)?;
    let phone = consumer
        .phone_ciphertext
        .as_deref()
        .map(|c| pii.decrypt(c))
        .transpose()
        .map_err(ApiError::internal)?;
    write_transaction(conn, |conn| {
        record_action(
            conn,
            actor,
            "dispute.unmask",
            "dispute",
            &dispute.id,
            Some(&dispute.region_code),
            &json!({"reason": reason, "consumer_id": consumer.id}),
            now,
        )
    })?;
    Ok(Contact {
        display_name: consumer.display_name,
        phone,
        email: consumer.email,
    })
}
