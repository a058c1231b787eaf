//! Validating a business and its ODR application, shared by self-registration, the API and
//! association imports.

use chrono::{DateTime, Utc};

use super::{AccountInput, Inviter, Membership, new_user_row};
use crate::accounts::account_conflict;
use crate::domain::region::RegionCode;
use crate::domain::role::StaffRole;
use crate::domain::text::BoundedText;
use crate::domain::unit::{UNDERTAKING_VERSION, UnitAction, UnitActor, UnitStatus, transition};
use crate::domain::uscc::Uscc;
use crate::error::{ApiError, ErrorCode, FieldErrors, on_conflict};
use crate::security::pii::PiiCipher;
use crate::store::businesses::{Business, insert_business};
use crate::store::reference::{find_industry, find_region};
use crate::store::units::{Actor, OdrUnit, find_unit_of_business, save_application};
use crate::store::users::{User, insert_user};
use crate::store::{DbConn, StoreError, new_id, to_db_time, write_transaction};

/// A business as typed in a form or a file row.
#[derive(Debug, Clone, Default)]
pub struct BusinessText<'a> {
    pub uscc: &'a str,
    pub name: &'a str,
    pub industry_code: &'a str,
    pub region_code: &'a str,
    pub address: &'a str,
    pub contact_name: &'a str,
    pub contact_phone: &'a str,
}

/// A business whose fields are each valid.
#[derive(Debug, Clone)]
pub struct BusinessInput {
    pub uscc: Uscc,
    pub name: String,
    pub industry_code: String,
    pub region: RegionCode,
    pub address: String,
    pub contact_name: String,
    pub contact_phone: String,
}

/// Checks a business's dedicated complaint phone: a mobile or landline number.
pub fn parse_service_phone(input: &str) -> Result<String, &'static str> {
    let phone = input.trim();
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    let allowed = phone
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '+' | '(' | ')'));
    if allowed && (7..=15).contains(&digits) {
        Ok(phone.to_string())
    } else {
        Err("a phone number of 7–15 digits, e.g. 0571-88886666 or 13812345678")
    }
}

/// Checks each field of `text`, recording failures under `prefix`.
pub fn parse_business(
    errors: &mut FieldErrors,
    prefix: &str,
    text: &BusinessText<'_>,
) -> Option<BusinessInput> {
    let field = |name: &str| format!("{prefix}{name}");
    let uscc = errors.check(&field("uscc"), "invalid_uscc", Uscc::parse(text.uscc));
    let name = errors.check(
        &field("name"),
        "invalid_length",
        BoundedText::parse(text.name, 2, 100),
    );
    let industry = errors.check(
        &field("industry_code"),
        "invalid_length",
        BoundedText::parse(text.industry_code, 1, 32),
    );
    let region = errors.check(
        &field("region_code"),
        "invalid_region_code",
        RegionCode::parse(text.region_code),
    );
    let address = errors.check(
        &field("address"),
        "invalid_length",
        BoundedText::parse(text.address, 4, 200),
    );
    let contact_name = errors.check(
        &field("contact_name"),
        "invalid_length",
        BoundedText::parse(text.contact_name, 1, 50),
    );
    let contact_phone = errors.check(
        &field("contact_phone"),
        "invalid_phone",
        parse_service_phone(text.contact_phone),
    );
    Some(BusinessInput {
        uscc: uscc?,
        name: name?.into_string(),
        industry_code: industry?.into_string(),
        region: region?,
        address: address?.into_string(),
        contact_name: contact_name?.into_string(),
        contact_phone: contact_phone?,
    })
}

/// Checks that the industry and region exist, and that the region lies within `within`
/// when given (an association's area).
pub fn check_references(
    conn: &mut DbConn,
    errors: &mut FieldErrors,
    prefix: &str,
    input: &BusinessInput,
    within: Option<&RegionCode>,
) -> Result<(), StoreError> {
    if find_industry(conn, &input.industry_code)?.is_none() {
        errors.add(
            &format!("{prefix}industry_code"),
            "unknown_industry",
            format!("no industry `{}`", input.industry_code),
        );
    }
    let region = find_region(conn, input.region.as_str())?;
    if region.is_none() {
        errors.add(
            &format!("{prefix}region_code"),
            "unknown_region",
            format!("no region `{}`", input.region),
        );
    } else if region.as_ref().is_some_and(|r| !r.is_current()) {
        errors.add(
            &format!("{prefix}region_code"),
            "retired_region",
            format!(
                "region `{}` was retired from the list of divisions; name the one that replaced it",
                input.region
            ),
        );
    } else if within.is_some_and(|area| !area.contains(&input.region)) {
        errors.add(
            &format!("{prefix}region_code"),
            "outside_association_region",
            format!(
                "region `{}` is outside the association's area",
                input.region
            ),
        );
    }
    Ok(())
}

/// The stored business for `input`.
pub fn new_business_row(
    input: &BusinessInput,
    association_id: Option<&str>,
    now: DateTime<Utc>,
) -> Business {
    let at = to_db_time(now);
    Business {
        id: new_id(),
        uscc: input.uscc.as_str().into(),
        name: input.name.clone(),
        industry_code: input.industry_code.clone(),
        region_code: input.region.as_str().into(),
        address: input.address.clone(),
        contact_name: input.contact_name.clone(),
        contact_phone: input.contact_phone.clone(),
        association_id: association_id.map(str::to_string),
        created_at: at,
        updated_at: at,
    }
}

/// The five conditions an applicant declares (handling place, staff, computer, dedicated
/// phone, written procedure).
#[derive(Debug, Clone, Copy, Default)]
pub struct Conditions {
    pub handling_place: bool,
    pub staff: bool,
    pub computer: bool,
    pub dedicated_phone: bool,
    pub written_procedure: bool,
}

impl Conditions {
    /// Names of the conditions declared as not met.
    pub fn unmet(&self) -> Vec<&'static str> {
        [
            ("handling_place", self.handling_place),
            ("staff", self.staff),
            ("computer", self.computer),
            ("dedicated_phone", self.dedicated_phone),
            ("written_procedure", self.written_procedure),
        ]
        .into_iter()
        .filter(|(_, met)| !met)
        .map(|(name, _)| name)
        .collect()
    }
}

/// Why an application cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error("the business is already {0} as an ODR unit")]
    AlreadyEnrolled(UnitStatus),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Files (or re-files after a rejection) the ODR application of `business_id`, with the
/// undertaking accepted and all conditions met (the caller checked them).
pub fn apply_for_unit(
    conn: &mut DbConn,
    business_id: &str,
    conditions: Conditions,
    actor: Actor<'_>,
    now: DateTime<Utc>,
) -> Result<OdrUnit, ApplyError> {
    let existing = find_unit_of_business(conn, business_id)?;
    let previous = existing
        .as_ref()
        .map(|u| u.status.parse::<UnitStatus>())
        .transpose()
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    if let Err(_refused) = transition(previous, UnitAction::Apply, UnitActor::Owner) {
        return Err(ApplyError::AlreadyEnrolled(
            previous.unwrap_or(UnitStatus::Pending),
        ));
    }
    let at = to_db_time(now);
    let unit = OdrUnit {
        id: existing.map_or_else(new_id, |u| u.id),
        business_id: business_id.into(),
        status: UnitStatus::Pending.as_str().into(),
        commitment_version: UNDERTAKING_VERSION.into(),
        commitment_accepted_at: at,
        has_handling_place: conditions.handling_place,
        has_staff: conditions.staff,
        has_computer: conditions.computer,
        has_dedicated_phone: conditions.dedicated_phone,
        has_written_procedure: conditions.written_procedure,
        applied_by: actor.id.into(),
        applied_at: at,
        status_changed_at: at,
        activated_at: None,
    };
    save_application(conn, &unit, previous, actor)?;
    Ok(unit)
}

/// Registers `business` (its industry and region must exist) with the account of its owner
/// `owner`, who chose the password hashed as `password_hash`, in one transaction; returns the
/// business. A taken credit code, email address or phone number is a 409.
pub fn register_business(
    conn: &mut DbConn,
    pii: &PiiCipher,
    business: &BusinessInput,
    owner: &AccountInput,
    password_hash: String,
    now: DateTime<Utc>,
) -> Result<Business, ApiError> {
    let mut errors = FieldErrors::default();
    check_references(conn, &mut errors, "business.", business, None)?;
    errors.finish()?;
    write_transaction(conn, |conn| {
        let row = new_business_row(business, None, now);
        insert_business(conn, &row).map_err(on_conflict(
            ErrorCode::BusinessExists,
            "A business with this credit code is already registered.",
        ))?;
        let user = new_user_row(
            pii,
            owner,
            &Membership::staff(&row.id, StaffRole::Owner),
            Some(password_hash),
            now,
        );
        insert_user(conn, &user).map_err(account_conflict)?;
        Ok::<_, ApiError>(row)
    })
}

/// Creates the account of a new staff member of `business` in `staff_role`, without a
/// password, and queues its invitation, in one transaction; returns the account. A taken
/// email address or phone number is a 409.
pub fn invite_staff(
    conn: &mut DbConn,
    pii: &PiiCipher,
    inviter: &Inviter,
    business: &Business,
    account: &AccountInput,
    staff_role: StaffRole,
    now: DateTime<Utc>,
) -> Result<User, ApiError> {
    write_transaction(conn, |conn| {
        let user = new_user_row(
            pii,
            account,
            &Membership::staff(&business.id, staff_role),
            None,
            now,
        );
        insert_user(conn, &user).map_err(account_conflict)?;
        inviter
            .invite(conn, &user, &business.name, now)
            .map_err(ApiError::internal)?;
        Ok::<_, ApiError>(user)
    })
}
