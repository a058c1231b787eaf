//! What platform admins bring onto the platform: associations, and the accounts of
//! regulators, association admins and other admins, invited by email. Each is audited in the
//! transaction that makes it.

use chrono::{DateTime, Utc};

use super::{AccountInput, Inviter, Membership, known_scope, new_user_row};
use crate::accounts::account_conflict;
use crate::domain::access::Actor;
use crate::domain::region::RegionCode;
use crate::error::{ApiError, ErrorCode, on_conflict};
use crate::security::pii::PiiCipher;
use crate::store::audit::record_action;
use crate::store::reference::{Association, find_association, find_region, insert_association};
use crate::store::users::{User, insert_user};
use crate::store::{DbConn, write_transaction};

/// Creates the association `name` of `region` (and of `industry` when given; both must
/// exist), audited, in one transaction; returns the association. A taken name is a 409.
pub fn create_association(
    conn: &mut DbConn,
    actor: &Actor,
    name: &str,
    region: &RegionCode,
    industry: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Association, ApiError> {
    known_scope(conn, Some(region.as_str()), industry)?;
    write_transaction(conn, |conn| {
        let association = insert_association(conn, name, region.as_str(), industry, now)?;
        record_action(
            conn,
            actor,
            "association.create",
            "association",
            &association.id,
            Some(region.as_str()),
            &serde_json::json!({"name": association.name}),
            now,
        )?;
        Ok(association)
    })
    .map_err(on_conflict(
        ErrorCode::AssociationExists,
        "An association with this name exists.",
    ))
}

/// Creates the account of a regulator, an association admin or an admin (`membership` says
/// which, with the region or the association, which must exist) without a password and
/// queues its invitation, audited, in one transaction; returns the account. A taken email
/// address or phone number is a 409.
pub fn invite_account(
    conn: &mut DbConn,
    actor: &Actor,
    pii: &PiiCipher,
    inviter: &Inviter,
    account: &AccountInput,
    membership: &Membership,
    now: DateTime<Utc>,
) -> Result<User, ApiError> {
    // Named in the invitee's language, as the rest of the invitation.
    let lang = account.language;
    let organisation = match (&membership.region_code, &membership.association_id) {
        (Some(region), _) => match find_region(conn, region)? {
            Some(r) if r.is_current() => lang.name(&r.name_zh, &r.name_en).to_string(),
            Some(_) => {
                return Err(ApiError::invalid_field(
                    "region_code",
                    "retired_region",
                    "the region was retired from the list of divisions",
                ));
            }
            None => {
                return Err(ApiError::invalid_field(
                    "region_code",
                    "unknown_region",
                    "no such region",
                ));
            }
        },
        (_, Some(id)) => find_association(conn, id)?.map(|a| a.name).ok_or_else(|| {
            ApiError::invalid_field(
                "association_id",
                "unknown_association",
                "no such association",
            )
        })?,
        _ => lang.s("email-platform-administration").to_string(),
    };
    write_transaction(conn, |conn| {
        let user = new_user_row(pii, account, membership, None, now);
        insert_user(conn, &user).map_err(account_conflict)?;
        inviter
            .invite(conn, &user, &organisation, now)
            .map_err(ApiError::internal)?;
        record_action(
            conn,
            actor,
            "user.create",
            "user",
            &user.id,
            user.region_code.as_deref(),
            &serde_json::json!({"role": user.role, "association_id": user.association_id}),
            now,
        )?;
        Ok::<_, ApiError>(user)
    })
}
