//! Who a user is on the platform.

use super::text_enum::text_enum;

text_enum! {
    /// A user's role; each account has exactly one.
    pub enum Role ("role") {
        Consumer,
        MerchantStaff,
        AssociationAdmin,
        Regulator,
        /// A mediator a region's regulators enrolled (docs/mediation.md).
        Mediator,
        Admin,
    }
}

text_enum! {
    /// The position of merchant staff inside their business.
    pub enum StaffRole ("staff role") {
        /// Applies for ODR status, edits the profile and manages staff.
        Owner,
        /// Works the unit's disputes.
        Handler,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for role in [
            Role::Consumer,
            Role::MerchantStaff,
            Role::AssociationAdmin,
            Role::Regulator,
            Role::Mediator,
            Role::Admin,
        ] {
            assert_eq!(role.as_str().parse::<Role>().unwrap(), role);
        }
        assert!("root".parse::<Role>().is_err());
        assert_eq!("handler".parse::<StaffRole>().unwrap(), StaffRole::Handler);
    }
}
