//! Bringing people and businesses onto the platform: account rows with encrypted contact
//! data, invitations by email through the job queue, and association bulk imports. Shared by
//! the API and the command line.

pub mod business;
pub mod import;
pub mod platform;
pub mod units;

use chrono::{DateTime, Duration, Utc};

use crate::domain::contact::{EmailAddress, PhoneNumber};
use crate::domain::masking::mask_phone;
use crate::domain::role::{Role, StaffRole};
use crate::error::{ApiError, FieldErrors};
use crate::i18n::Lang;
use crate::jobs::{Job, enqueue_job};
use crate::notify::messages::Invitation;
use crate::security::pii::PiiCipher;
use crate::security::tokens::TokenKeys;
use crate::store::reference::{find_industry, find_region};
use crate::store::users::User;
use crate::store::{DbConn, StoreError, new_id, to_db_time};

/// Contact and identity of a new account.
#[derive(Debug, Clone)]
pub struct AccountInput {
    pub display_name: String,
    pub email: Option<EmailAddress>,
    pub phone: Option<PhoneNumber>,
    pub language: Lang,
}

/// Where the account belongs.
#[derive(Debug, Clone)]
pub struct Membership {
    pub role: Role,
    pub business_id: Option<String>,
    pub staff_role: Option<StaffRole>,
    pub region_code: Option<String>,
    pub association_id: Option<String>,
}

impl Membership {
    /// A consumer.
    pub fn consumer() -> Self {
        Self {
            role: Role::Consumer,
            business_id: None,
            staff_role: None,
            region_code: None,
            association_id: None,
        }
    }

    /// Staff of a business.
    pub fn staff(business_id: &str, staff_role: StaffRole) -> Self {
        Self {
            role: Role::MerchantStaff,
            business_id: Some(business_id.into()),
            staff_role: Some(staff_role),
            region_code: None,
            association_id: None,
        }
    }
}

/// Builds the stored account; the phone is encrypted, keyed for look-up and masked.
pub fn new_user_row(
    pii: &PiiCipher,
    input: &AccountInput,
    membership: &Membership,
    password_hash: Option<String>,
    now: DateTime<Utc>,
) -> User {
    let at = to_db_time(now);
    User {
        id: new_id(),
        role: membership.role.as_str().into(),
        display_name: input.display_name.clone(),
        email: input.email.as_ref().map(|e| e.as_str().to_string()),
        phone_ciphertext: input.phone.as_ref().map(|p| pii.encrypt(p.as_str())),
        phone_lookup: input.phone.as_ref().map(|p| pii.lookup_hash(p.as_str())),
        phone_masked: input.phone.as_ref().map(|p| mask_phone(p.national())),
        password_hash,
        language: input.language.tag().into(),
        business_id: membership.business_id.clone(),
        staff_role: membership.staff_role.map(|s| s.as_str().to_string()),
        region_code: membership.region_code.clone(),
        association_id: membership.association_id.clone(),
        is_active: true,
        created_at: at,
        updated_at: at,
    }
}

/// What sending an invitation needs.
#[derive(Debug, Clone)]
pub struct Inviter {
    pub tokens: TokenKeys,
    pub public_url: String,
    pub valid_hours: i64,
    pub max_attempts: i64,
}

/// Why an invitation could not be queued.
#[derive(Debug, thiserror::Error)]
pub enum InviteError {
    #[error("the account has no email address to invite")]
    NoEmail,
    #[error("invitation token could not be signed")]
    Token,
    #[error(transparent)]
    Render(#[from] crate::notify::messages::RenderError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Inviter {
    /// Queues the invitation email for `user` (who has no password yet) in the caller's
    /// transaction; `organisation` says what the account is for.
    pub fn invite(
        &self,
        conn: &mut DbConn,
        user: &User,
        organisation: &str,
        now: DateTime<Utc>,
    ) -> Result<(), InviteError> {
        let email = user.email.as_deref().ok_or(InviteError::NoEmail)?;
        let token = self
            .tokens
            .issue_invitation(&user.id, now, Duration::hours(self.valid_hours))
            .map_err(|_| InviteError::Token)?;
        let message = Invitation {
            language: Lang::of(&user.language),
            name: user.display_name.clone(),
            organisation: organisation.into(),
            link: crate::config::public_link(
                &self.public_url,
                &format!("/invitations/accept?token={token}"),
            ),
            valid_hours: self.valid_hours,
        }
        .render(email)?;
        enqueue_job(conn, &Job::SendEmail(message), self.max_attempts, now)?;
        Ok(())
    }
}

/// 422 naming `region_code` or `industry_code` when either is given and does not exist (or, for
/// a region, was retired: these are new records).
pub fn known_scope(
    conn: &mut DbConn,
    region: Option<&str>,
    industry: Option<&str>,
) -> Result<(), ApiError> {
    let mut errors = FieldErrors::default();
    if let Some(code) = region {
        match find_region(conn, code)? {
            None => errors.add("region_code", "unknown_region", "no such region"),
            Some(r) if !r.is_current() => errors.add(
                "region_code",
                "retired_region",
                "the region was retired from the list of divisions; name the one that replaced it",
            ),
            Some(_) => {}
        }
    }
    if let Some(code) = industry
        && find_industry(conn, code)?.is_none()
    {
        errors.add("industry_code", "unknown_industry", "no such industry");
    }
    errors.finish()
}
