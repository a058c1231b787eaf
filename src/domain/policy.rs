//! Deadline policies (docs/deadlines.md#policies): a national default from the configuration, overridden by
//! effective-dated policies scoped to a region (and everything below it), an industry, or both.
//! A dispute keeps the policy in force when it was filed, so the policy is stored with it.

use super::text_enum::text_enum;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::calendar::{Calendar, DueDate, add_calendar_days};
use super::region::RegionCode;

text_enum! {
    /// How the first-contact, settlement and extension periods are counted.
    #[derive(Default)]
    pub enum DayCount ("way of counting days") {
        /// Working days of the jurisdiction's calendar (the default).
        #[default]
        WorkingDays,
        /// Plain calendar days (e.g. a district demanding settlement within 7 days).
        CalendarDays,
    }
}

/// The time limits a dispute is handled under.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeadlinePolicy {
    /// Identifies the policy version.
    pub version: String,
    /// Calendar jurisdiction, e.g. `cn`.
    pub jurisdiction: String,
    /// Counted as `counting` says, like the settlement period and extensions.
    pub first_contact_working_days: u32,
    pub settlement_working_days: u32,
    pub offer_expiry_working_days: u32,
    pub max_extension_working_days: u32,
    pub max_fulfilment_days: u32,
    pub confirmation_window_days: u32,
    /// Working days (default) or calendar days.
    #[serde(default)]
    pub counting: DayCount,
    /// The bureau's own limits once the dispute is escalated (always working days; the
    /// statutory ones when left out).
    #[serde(default)]
    pub bureau: crate::domain::bureau::BureauLimits,
}

impl DeadlinePolicy {
    /// A policy as stored (a dispute's snapshot, a scoped policy). Fields a later release
    /// added are left out, so nodes of two releases can serve side by side during a rolling
    /// deploy (docs/deadlines.md#stored-policies); configuration and the API stay strict
    /// (`deny_unknown_fields`).
    pub fn from_stored(json: &str) -> serde_json::Result<Self> {
        let mut value: serde_json::Value = serde_json::from_str(json)?;
        // The names this release knows: those of a policy written by it.
        let known = serde_json::to_value(Self {
            version: String::new(),
            jurisdiction: String::new(),
            first_contact_working_days: 0,
            settlement_working_days: 0,
            offer_expiry_working_days: 0,
            max_extension_working_days: 0,
            max_fulfilment_days: 0,
            confirmation_window_days: 0,
            counting: DayCount::default(),
            bureau: crate::domain::bureau::BureauLimits::default(),
        })?;
        keep_known(&mut value, &known);
        serde_json::from_value(value)
    }

    /// The due moment `days` days (as this policy counts them) after `start`.
    pub fn due_after(&self, calendar: &Calendar, start: DateTime<Utc>, days: u32) -> DueDate {
        match self.counting {
            DayCount::WorkingDays => calendar.add_working_days(start, days),
            DayCount::CalendarDays => add_calendar_days(start, days),
        }
    }

    /// Days (as this policy counts them) strictly after `from`'s date up to `to`'s date.
    pub fn days_between(&self, calendar: &Calendar, from: DateTime<Utc>, to: DateTime<Utc>) -> u32 {
        match self.counting {
            DayCount::WorkingDays => calendar.working_days_between(from, to),
            DayCount::CalendarDays => {
                let day =
                    |t: DateTime<Utc>| t.with_timezone(&chrono_tz::Asia::Shanghai).date_naive();
                u32::try_from((day(to) - day(from)).num_days().max(0)).unwrap_or(u32::MAX)
            }
        }
    }

    /// Why the limits cannot be used, as (field, message) pairs; empty when they can.
    pub fn problems(&self) -> Vec<(&'static str, &'static str)> {
        let mut found = Vec::new();
        let mut within = |field, value: u32, max: u32| {
            if value == 0 || value > max {
                found.push((field, "out of range"));
            }
        };
        within(
            "first_contact_working_days",
            self.first_contact_working_days,
            30,
        );
        within("settlement_working_days", self.settlement_working_days, 90);
        within(
            "offer_expiry_working_days",
            self.offer_expiry_working_days,
            30,
        );
        within("max_fulfilment_days", self.max_fulfilment_days, 365);
        within(
            "confirmation_window_days",
            self.confirmation_window_days,
            90,
        );
        if self.max_extension_working_days > 30 {
            found.push(("max_extension_working_days", "out of range"));
        }
        if found.is_empty() && self.first_contact_working_days > self.settlement_working_days {
            found.push((
                "first_contact_working_days",
                "cannot be later than settlement",
            ));
        }
        found.extend(self.bureau.problems());
        found
    }
}

/// Drops from `value` every object member `known` does not have, at every depth.
fn keep_known(value: &mut serde_json::Value, known: &serde_json::Value) {
    if let (Some(map), Some(known)) = (value.as_object_mut(), known.as_object()) {
        map.retain(|name, _| known.contains_key(name));
        for (name, member) in map.iter_mut() {
            keep_known(member, &known[name]);
        }
    }
}

/// A stored policy with its scope and the day it takes effect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopedPolicy {
    pub region: Option<RegionCode>,
    pub industry: Option<String>,
    pub effective_from: NaiveDate,
    /// The limits, read as this release knows them ([`DeadlinePolicy::from_stored`]).
    pub policy: DeadlinePolicy,
    /// The policy as stored, copied as it is into a dispute filed under it: it keeps any
    /// limit a later release added, which `policy` leaves out.
    pub body: String,
}

impl ScopedPolicy {
    fn applies(&self, region: &RegionCode, industry: &str, on: NaiveDate) -> bool {
        self.effective_from <= on
            && self.region.as_ref().is_none_or(|r| r.contains(region))
            && self.industry.as_deref().is_none_or(|i| i == industry)
    }

    /// More specific scopes win: a deeper region first, then an industry; then the later
    /// effective date.
    fn rank(&self) -> (u8, bool, NaiveDate) {
        let depth = self.region.as_ref().map_or(0, |r| match r.level() {
            super::region::RegionLevel::Province => 1,
            super::region::RegionLevel::Prefecture => 2,
            super::region::RegionLevel::County => 3,
        });
        (depth, self.industry.is_some(), self.effective_from)
    }
}

/// The policy in force on `on` for a dispute in `region` and `industry`: the most specific
/// matching stored policy, else `national`.
pub fn policy_in_force<'a>(
    national: &'a DeadlinePolicy,
    stored: &'a [ScopedPolicy],
    region: &RegionCode,
    industry: &str,
    on: NaiveDate,
) -> &'a DeadlinePolicy {
    scoped_in_force(stored, region, industry, on).map_or(national, |p| &p.policy)
}

/// The stored policy in force (see [`policy_in_force`]); none when the national one is.
pub fn scoped_in_force<'a>(
    stored: &'a [ScopedPolicy],
    region: &RegionCode,
    industry: &str,
    on: NaiveDate,
) -> Option<&'a ScopedPolicy> {
    stored
        .iter()
        .filter(|p| p.applies(region, industry, on))
        .max_by_key(|p| p.rank())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(version: &str, settlement: u32, counting: DayCount) -> DeadlinePolicy {
        DeadlinePolicy {
            version: version.into(),
            jurisdiction: "cn".into(),
            first_contact_working_days: 1,
            settlement_working_days: settlement,
            offer_expiry_working_days: 3,
            max_extension_working_days: 5,
            max_fulfilment_days: 30,
            confirmation_window_days: 7,
            counting,
            bureau: Default::default(),
        }
    }

    fn scoped(
        version: &str,
        region: Option<&str>,
        industry: Option<&str>,
        from: &str,
    ) -> ScopedPolicy {
        ScopedPolicy {
            region: region.map(|r| RegionCode::parse(r).unwrap()),
            industry: industry.map(str::to_string),
            effective_from: from.parse().unwrap(),
            policy: policy(version, 7, DayCount::CalendarDays),
            body: String::new(),
        }
    }

    #[test]
    fn the_most_specific_policy_in_force_wins() {
        let national = policy("national", 10, DayCount::WorkingDays);
        let stored = vec![
            scoped("zhejiang", Some("330000"), None, "2026-01-01"),
            scoped(
                "hangzhou-catering",
                Some("330100"),
                Some("catering"),
                "2026-01-01",
            ),
            scoped("xihu", Some("330106"), None, "2026-06-01"),
            scoped("cars", None, Some("automotive"), "2026-01-01"),
            scoped("xihu-2027", Some("330106"), None, "2027-01-01"),
        ];
        let pick = |region: &str, industry: &str, on: &str| {
            policy_in_force(
                &national,
                &stored,
                &RegionCode::parse(region).unwrap(),
                industry,
                on.parse().unwrap(),
            )
            .version
            .clone()
        };
        assert_eq!(pick("110101", "retail", "2026-11-27"), "national");
        assert_eq!(pick("110101", "automotive", "2026-11-27"), "cars");
        assert_eq!(pick("330102", "retail", "2026-11-27"), "zhejiang");
        assert_eq!(
            pick("330102", "catering", "2026-11-27"),
            "hangzhou-catering"
        );
        assert_eq!(pick("330106", "catering", "2026-11-27"), "xihu");
        // Not yet in force: the earlier one still applies.
        assert_eq!(pick("330106", "retail", "2026-05-31"), "zhejiang");
        assert_eq!(pick("330106", "retail", "2027-01-01"), "xihu-2027");
        // A policy never reaches outside its region.
        assert_eq!(pick("320106", "catering", "2026-11-27"), "national");
    }

    #[test]
    fn calendar_day_policies_count_every_day() {
        let calendar = Calendar::default();
        let seven = policy("seven", 7, DayCount::CalendarDays);
        // Filed Friday 2026-10-02 (National Day holidays): seven plain days later.
        let filed = "2026-10-02T02:00:00Z".parse().unwrap();
        let due = seven.due_after(&calendar, filed, 7);
        assert_eq!(due.due_at.to_rfc3339(), "2026-10-09T15:59:59+00:00");
        assert!(due.skipped.is_empty() && !due.provisional);
        let later = "2026-10-05T02:00:00Z".parse().unwrap();
        assert_eq!(seven.days_between(&calendar, filed, later), 3);
    }

    #[test]
    fn policies_stored_before_counting_existed_count_working_days() {
        let json = r#"{"version":"v","jurisdiction":"cn","first_contact_working_days":1,
            "settlement_working_days":10,"offer_expiry_working_days":3,
            "max_extension_working_days":5,"max_fulfilment_days":30,"confirmation_window_days":7}"#;
        let p = DeadlinePolicy::from_stored(json).unwrap();
        assert_eq!(p.counting, DayCount::WorkingDays);
    }

    #[test]
    fn policies_stored_by_a_later_release_read_without_its_new_fields() {
        let json = r#"{"version":"v","jurisdiction":"cn","first_contact_working_days":1,
            "settlement_working_days":10,"offer_expiry_working_days":3,
            "max_extension_working_days":5,"max_fulfilment_days":30,"confirmation_window_days":7,
            "counting":"calendar_days","grace_hours":4,
            "bureau":{"acceptance_working_days":5,"mediation_working_days":30,
            "notification_working_days":7,"case_decision_working_days":15,"hearing_days":3}}"#;
        let p = DeadlinePolicy::from_stored(json).unwrap();
        assert_eq!(p.counting, DayCount::CalendarDays);
        assert_eq!(p.settlement_working_days, 10);
        assert_eq!(p.bureau.acceptance_working_days, 5);
        // Configuration and the API still refuse a name they do not know.
        let strict = serde_json::from_str::<DeadlinePolicy>(json).unwrap_err();
        assert!(strict.to_string().contains("grace_hours"), "{strict}");
        // A stored value of the wrong type is still an error.
        let broken = json.replace(
            r#""settlement_working_days":10"#,
            r#""settlement_working_days":"ten""#,
        );
        assert!(DeadlinePolicy::from_stored(&broken).is_err());
    }

    #[test]
    fn limits_out_of_range_are_named() {
        let mut p = policy("p", 10, DayCount::WorkingDays);
        assert!(p.problems().is_empty());
        p.settlement_working_days = 0;
        p.max_extension_working_days = 99;
        let fields: Vec<_> = p.problems().into_iter().map(|(f, _)| f).collect();
        assert_eq!(
            fields,
            ["settlement_working_days", "max_extension_working_days"]
        );
        let mut p = policy("p", 2, DayCount::WorkingDays);
        p.first_contact_working_days = 3;
        assert_eq!(
            p.problems(),
            [(
                "first_contact_working_days",
                "cannot be later than settlement"
            )]
        );
    }
}
