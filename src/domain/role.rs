//! Who a user is on the platform.

use std::fmt;
use std::str::FromStr;

/// A user's role; each account has exactly one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    Consumer,
    MerchantStaff,
    AssociationAdmin,
    Regulator,
    Admin,
}

/// The position of merchant staff inside their business.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StaffRole {
    /// Applies for ODR status, edits the profile and manages staff.
    Owner,
    /// Works the unit's disputes.
    Handler,
}

/// A stored role name that is not known.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role `{0}`")]
pub struct UnknownRole(pub String);

macro_rules! text_enum {
    ($ty:ty { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl $ty {
            /// The stable snake_case name used in the database and the API.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),+ }
            }
        }

        impl FromStr for $ty {
            type Err = UnknownRole;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s { $($text => Ok(Self::$variant),)+ other => Err(UnknownRole(other.into())) }
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

text_enum!(Role {
    Consumer => "consumer",
    MerchantStaff => "merchant_staff",
    AssociationAdmin => "association_admin",
    Regulator => "regulator",
    Admin => "admin",
});

text_enum!(StaffRole {
    Owner => "owner",
    Handler => "handler",
});

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
            Role::Admin,
        ] {
            assert_eq!(role.as_str().parse::<Role>().unwrap(), role);
        }
        assert!("root".parse::<Role>().is_err());
        assert_eq!("handler".parse::<StaffRole>().unwrap(), StaffRole::Handler);
    }
}
