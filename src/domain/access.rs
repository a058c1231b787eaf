//! Who may see and change what, as pure predicates over the actor and the object's scope.
//! Handlers call these; tests prove them for every role.

use super::region::RegionCode;
use super::role::{Role, StaffRole};

/// The acting user, reduced to what access rules need.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: String,
    pub role: Role,
    pub business_id: Option<String>,
    pub staff_role: Option<StaffRole>,
    pub region: Option<RegionCode>,
    pub association_id: Option<String>,
}

/// Where a business sits: its id, region and association.
#[derive(Debug, Clone)]
pub struct BusinessScope<'a> {
    pub business_id: &'a str,
    pub region: &'a RegionCode,
    pub association_id: Option<&'a str>,
}

impl Actor {
    /// Whether the actor regulates `region` (their region contains it).
    pub fn regulates(&self, region: &RegionCode) -> bool {
        self.role == Role::Regulator && self.region.as_ref().is_some_and(|own| own.contains(region))
    }

    /// Whether the actor is staff (any position) of `business_id`.
    pub fn is_staff_of(&self, business_id: &str) -> bool {
        self.role == Role::MerchantStaff && self.business_id.as_deref() == Some(business_id)
    }

    /// Whether the actor is the owner of `business_id`.
    pub fn is_owner_of(&self, business_id: &str) -> bool {
        self.is_staff_of(business_id) && self.staff_role == Some(StaffRole::Owner)
    }

    /// Whether the actor administers the association `association_id`.
    pub fn administers(&self, association_id: Option<&str>) -> bool {
        self.role == Role::AssociationAdmin
            && association_id.is_some()
            && self.association_id.as_deref() == association_id
    }

    /// Staff, the regulator of its region, its association's admin, and platform admins may
    /// see a business's profile and unit record.
    pub fn may_view_business(&self, business: &BusinessScope<'_>) -> bool {
        self.role == Role::Admin
            || self.is_staff_of(business.business_id)
            || self.regulates(business.region)
            || self.administers(business.association_id)
    }

    /// Only the owner edits the profile, applies, sets commitments and manages staff.
    pub fn may_manage_business(&self, business: &BusinessScope<'_>) -> bool {
        self.is_owner_of(business.business_id)
    }

    /// Only a regulator of the unit's region approves, rejects, suspends, reinstates or removes.
    pub fn may_decide_unit(&self, business: &BusinessScope<'_>) -> bool {
        self.regulates(business.region)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: Role) -> Actor {
        Actor {
            user_id: "u".into(),
            role,
            business_id: None,
            staff_role: None,
            region: None,
            association_id: None,
        }
    }

    fn code(s: &str) -> RegionCode {
        RegionCode::parse(s).unwrap()
    }

    #[test]
    fn each_role_sees_only_its_own_businesses() {
        let region = code("330106");
        let business = BusinessScope {
            business_id: "b1",
            region: &region,
            association_id: Some("a1"),
        };
        let owner = Actor {
            business_id: Some("b1".into()),
            staff_role: Some(StaffRole::Owner),
            ..actor(Role::MerchantStaff)
        };
        let handler = Actor {
            staff_role: Some(StaffRole::Handler),
            ..owner.clone()
        };
        let other_staff = Actor {
            business_id: Some("b2".into()),
            ..owner.clone()
        };
        let city_regulator = Actor {
            region: Some(code("330100")),
            ..actor(Role::Regulator)
        };
        let district_regulator = Actor {
            region: Some(code("330106")),
            ..actor(Role::Regulator)
        };
        let other_regulator = Actor {
            region: Some(code("330108")),
            ..actor(Role::Regulator)
        };
        let association = Actor {
            association_id: Some("a1".into()),
            ..actor(Role::AssociationAdmin)
        };
        let other_association = Actor {
            association_id: Some("a2".into()),
            ..actor(Role::AssociationAdmin)
        };
        let table = [
            (&owner, true, true, false),
            (&handler, true, false, false),
            (&other_staff, false, false, false),
            (&city_regulator, true, false, true),
            (&district_regulator, true, false, true),
            (&other_regulator, false, false, false),
            (&association, true, false, false),
            (&other_association, false, false, false),
            (&actor(Role::Consumer), false, false, false),
            (&actor(Role::Admin), true, false, false),
        ];
        for (who, view, manage, decide) in table {
            assert_eq!(who.may_view_business(&business), view, "view {who:?}");
            assert_eq!(who.may_manage_business(&business), manage, "manage {who:?}");
            assert_eq!(who.may_decide_unit(&business), decide, "decide {who:?}");
        }
    }

    #[test]
    fn a_business_outside_any_association_is_not_an_association_admins() {
        let region = code("330106");
        let business = BusinessScope {
            business_id: "b1",
            region: &region,
            association_id: None,
        };
        let admin = Actor {
            association_id: None,
            ..actor(Role::AssociationAdmin)
        };
        assert!(!admin.may_view_business(&business));
    }
}
