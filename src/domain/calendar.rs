//! Working days (docs/deadlines.md#counting). The filing day is not counted; counting starts the next day, so
//! a dispute filed on a day off counts from the next working day. A due moment is 23:59:59
//! Asia/Shanghai of the last counted day. Weekends are off unless listed as make-up working
//! days; listed holidays are off even on weekdays. A year without a loaded calendar counts
//! Monday–Friday and marks the result provisional.

use super::text_enum::text_enum;
use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Asia::Shanghai;
use serde::Deserialize;

/// One year's exceptional days, as shipped under `config/calendars/<jurisdiction>/<year>.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct YearCalendar {
    pub year: i32,
    pub jurisdiction: String,
    /// The official notice the days come from.
    pub notice: String,
    #[serde(default)]
    pub holidays: Vec<NamedDay>,
    #[serde(default)]
    pub working_days: Vec<NamedDay>,
}

/// A listed day with its name (e.g. 春节).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NamedDay {
    pub date: NaiveDate,
    pub name: String,
}

/// Why a year's file was refused.
#[derive(Debug, thiserror::Error)]
pub enum CalendarError {
    #[error("calendar file is not valid: {0}")]
    Parse(String),
    #[error("{date} is listed for year {year}")]
    WrongYear { date: NaiveDate, year: i32 },
    #[error("{0} is listed both as a holiday and as a working day")]
    Contradiction(NaiveDate),
}

impl YearCalendar {
    /// Parses and checks one year's TOML.
    pub fn parse_toml(text: &str) -> Result<Self, CalendarError> {
        let year: YearCalendar =
            toml::from_str(text).map_err(|e| CalendarError::Parse(e.to_string()))?;
        for day in year.holidays.iter().chain(&year.working_days) {
            if day.date.year() != year.year {
                return Err(CalendarError::WrongYear {
                    date: day.date,
                    year: year.year,
                });
            }
        }
        if let Some(day) = year
            .holidays
            .iter()
            .find(|h| year.working_days.iter().any(|w| w.date == h.date))
        {
            return Err(CalendarError::Contradiction(day.date));
        }
        Ok(year)
    }
}

text_enum! {
    /// Why a day is not a working day.
    pub enum SkipReason ("reason a day is skipped") {
        Weekend,
        Holiday,
    }
}

/// A day passed over while counting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedDay {
    pub date: NaiveDate,
    pub reason: SkipReason,
    /// The holiday's name from the calendar (春节), for a listed holiday.
    pub name: Option<String>,
}

/// A computed due moment that can explain itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueDate {
    pub due_at: DateTime<Utc>,
    /// A counted or skipped day fell in a year without a loaded calendar.
    pub provisional: bool,
    pub skipped: Vec<SkippedDay>,
    /// Weekend days counted as working days because the calendar lists them as make-up
    /// working days (调休上班), with their names.
    pub make_up_days: Vec<NamedDay>,
}

/// The calendars of one jurisdiction.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    years: BTreeMap<i32, YearCalendar>,
}

impl Calendar {
    /// A calendar made of the given years (a later duplicate year replaces an earlier one).
    pub fn new(years: impl IntoIterator<Item = YearCalendar>) -> Self {
        Self {
            years: years.into_iter().map(|y| (y.year, y)).collect(),
        }
    }

    /// Adds or replaces one year.
    pub fn insert(&mut self, year: YearCalendar) {
        self.years.insert(year.year, year);
    }

    /// The loaded years.
    pub fn years(&self) -> impl Iterator<Item = &YearCalendar> {
        self.years.values()
    }

    /// Whether `date` is a working day, why not, and whether its year is loaded.
    pub fn classify(&self, date: NaiveDate) -> (Option<SkipReason>, bool) {
        let is_weekend = matches!(date.weekday(), Weekday::Sat | Weekday::Sun);
        let Some(year) = self.years.get(&date.year()) else {
            return (is_weekend.then_some(SkipReason::Weekend), false);
        };
        if year.holidays.iter().any(|d| d.date == date) {
            return (Some(SkipReason::Holiday), true);
        }
        if year.working_days.iter().any(|d| d.date == date) {
            return (None, true);
        }
        (is_weekend.then_some(SkipReason::Weekend), true)
    }

    /// The day `date` as listed in its year's calendar, and whether it is listed as a holiday
    /// (otherwise as a make-up working day).
    fn listed(&self, date: NaiveDate) -> Option<(&NamedDay, bool)> {
        let year = self.years.get(&date.year())?;
        let find = |days: &'_ [NamedDay]| days.iter().position(|d| d.date == date);
        find(&year.holidays)
            .map(|at| (&year.holidays[at], true))
            .or_else(|| find(&year.working_days).map(|at| (&year.working_days[at], false)))
    }

    /// The due moment `working_days` working days after `start` (at least 1), with the days
    /// skipped and the make-up working days counted, each named as the calendar names it.
    pub fn add_working_days(&self, start: DateTime<Utc>, working_days: u32) -> DueDate {
        let mut date = start.with_timezone(&Shanghai).date_naive();
        let mut counted = 0;
        let mut provisional = false;
        let mut skipped = Vec::new();
        let mut make_up_days = Vec::new();
        while counted < working_days.max(1) {
            date = date.succ_opt().unwrap_or(date);
            let (reason, loaded) = self.classify(date);
            provisional |= !loaded;
            let listed = self.listed(date);
            match reason {
                Some(reason) => skipped.push(SkippedDay {
                    date,
                    reason,
                    name: listed
                        .filter(|(_, holiday)| *holiday)
                        .map(|(d, _)| d.name.clone()),
                }),
                None => {
                    counted += 1;
                    if let Some((day, false)) = listed {
                        make_up_days.push(day.clone());
                    }
                }
            }
        }
        DueDate {
            due_at: end_of_day(date),
            provisional,
            skipped,
            make_up_days,
        }
    }

    /// The working day `working_days` working days before `date` (`date` itself when 0).
    pub fn working_day_before(&self, date: NaiveDate, working_days: u32) -> NaiveDate {
        let mut day = date;
        let mut counted = 0;
        while counted < working_days {
            day = day.pred_opt().unwrap_or(day);
            if self.classify(day).0.is_none() {
                counted += 1;
            }
        }
        day
    }

    /// Working days strictly after `from`'s date up to and including `to`'s date (Shanghai).
    pub fn working_days_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> u32 {
        let mut date = from.with_timezone(&Shanghai).date_naive();
        let last = to.with_timezone(&Shanghai).date_naive();
        let mut count = 0;
        while date < last {
            date = date.succ_opt().unwrap_or(last);
            if self.classify(date).0.is_none() {
                count += 1;
            }
        }
        count
    }
}

/// The due moment `days` calendar days after `start` (policies such as "7 calendar days").
pub fn add_calendar_days(start: DateTime<Utc>, days: u32) -> DueDate {
    let date =
        start.with_timezone(&Shanghai).date_naive() + chrono::Days::new(u64::from(days.max(1)));
    DueDate {
        due_at: end_of_day(date),
        provisional: false,
        skipped: Vec::new(),
        make_up_days: Vec::new(),
    }
}

/// The English name of a calendar's Chinese day name (`春节` → Spring Festival, `国庆节调休上班`
/// → National Day make-up working day); a name it does not know stays as it is.
pub fn day_name_in_english(name: &str) -> String {
    const HOLIDAYS: [(&str, &str); 7] = [
        ("元旦", "New Year's Day"),
        ("春节", "Spring Festival"),
        ("清明节", "Qingming Festival"),
        ("劳动节", "Labour Day"),
        ("端午节", "Dragon Boat Festival"),
        ("中秋节", "Mid-Autumn Festival"),
        ("国庆节", "National Day"),
    ];
    let (holidays, make_up) = match name.strip_suffix("调休上班") {
        Some(rest) => (rest, true),
        None => (name, false),
    };
    let parts: Option<Vec<&str>> = holidays
        .split('、')
        .map(|part| {
            HOLIDAYS
                .iter()
                .find(|(zh, _)| *zh == part)
                .map(|(_, en)| *en)
        })
        .collect();
    match parts {
        Some(parts) if !parts.is_empty() => {
            let joined = parts.join(" and ");
            if make_up {
                format!("{joined} make-up working day")
            } else {
                joined
            }
        }
        _ => name.to_string(),
    }
}

/// 00:00:00 Asia/Shanghai of `date`, in UTC.
pub fn start_of_day(date: NaiveDate) -> DateTime<Utc> {
    let local = date.and_time(NaiveTime::MIN);
    Shanghai
        .from_local_datetime(&local)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| local.and_utc())
}

/// 23:59:59 Asia/Shanghai of `date`, in UTC.
pub fn end_of_day(date: NaiveDate) -> DateTime<Utc> {
    let local = date.and_time(NaiveTime::from_hms_opt(23, 59, 59).unwrap_or_default());
    Shanghai
        .from_local_datetime(&local)
        .single()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| local.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cn() -> Calendar {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/config/calendars/cn");
        Calendar::new((2024..=2026).map(|y| {
            YearCalendar::parse_toml(&std::fs::read_to_string(format!("{dir}/{y}.toml")).unwrap())
                .unwrap()
        }))
    }

    /// 10:00 in Shanghai on `date`.
    fn at(date: &str) -> DateTime<Utc> {
        let d: NaiveDate = date.parse().unwrap();
        Shanghai
            .from_local_datetime(&d.and_hms_opt(10, 0, 0).unwrap())
            .unwrap()
            .with_timezone(&Utc)
    }

    fn due(date: &str) -> DateTime<Utc> {
        end_of_day(date.parse().unwrap())
    }

    #[test]
    fn holidays_are_named_and_make_up_working_days_listed() {
        // Filed on Wednesday 30 September 2026: 1–7 October are the National Day holidays,
        // Saturday 10 October is a make-up working day.
        let start = end_of_day(NaiveDate::from_ymd_opt(2026, 9, 30).unwrap());
        let due = cn().add_working_days(start, 5);
        let national_day = due
            .skipped
            .iter()
            .find(|d| d.date == NaiveDate::from_ymd_opt(2026, 10, 1).unwrap())
            .unwrap();
        assert_eq!(national_day.reason, SkipReason::Holiday);
        assert!(national_day.name.as_deref().unwrap().contains("国庆节"));
        assert!(
            due.skipped
                .iter()
                .all(|d| d.reason == SkipReason::Weekend || d.name.is_some())
        );
        assert_eq!(
            due.make_up_days,
            [NamedDay {
                date: NaiveDate::from_ymd_opt(2026, 10, 10).unwrap(),
                name: "国庆节调休上班".into()
            }]
        );
        assert_eq!(
            day_name_in_english("国庆节调休上班"),
            "National Day make-up working day"
        );
        assert_eq!(
            day_name_in_english("国庆节、中秋节"),
            "National Day and Mid-Autumn Festival"
        );
        assert_eq!(day_name_in_english("植树节"), "植树节");
    }

    #[test]
    fn the_due_moment_is_the_end_of_the_day_in_shanghai() {
        assert_eq!(due("2026-03-02").to_rfc3339(), "2026-03-02T15:59:59+00:00");
    }

    #[test]
    fn plain_weeks_skip_the_weekend_and_not_the_filing_day() {
        let c = cn();
        let r = c.add_working_days(at("2026-03-05"), 1); // Thursday
        assert_eq!(r.due_at, due("2026-03-06"));
        let r = c.add_working_days(at("2026-03-06"), 1); // Friday
        assert_eq!(r.due_at, due("2026-03-09"));
        assert_eq!(
            r.skipped.iter().map(|s| s.reason).collect::<Vec<_>>(),
            vec![SkipReason::Weekend; 2]
        );
        assert!(!r.provisional);
        let r = c.add_working_days(at("2026-03-02"), 10);
        assert_eq!(r.due_at, due("2026-03-16"));
    }

    #[test]
    fn filed_on_a_day_off_counts_from_the_next_working_day() {
        let r = cn().add_working_days(at("2026-03-07"), 1); // Saturday
        assert_eq!(r.due_at, due("2026-03-09"));
    }

    #[test]
    fn a_late_evening_filing_counts_by_its_shanghai_date() {
        // 2026-03-05 23:30 Shanghai is still Thursday there, though 15:30 UTC.
        let late = Shanghai
            .with_ymd_and_hms(2026, 3, 5, 23, 30, 0)
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(cn().add_working_days(late, 1).due_at, due("2026-03-06"));
        // 2026-03-06 00:30 Shanghai is Friday there, though Thursday in UTC.
        let early = Shanghai
            .with_ymd_and_hms(2026, 3, 6, 0, 30, 0)
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(cn().add_working_days(early, 1).due_at, due("2026-03-09"));
    }

    #[test]
    fn spring_festival_2026_and_its_make_up_days() {
        let c = cn();
        // 2026: holiday 15–23 Feb; make-up working days Sat 14 Feb and Sat 28 Feb.
        let r = c.add_working_days(at("2026-02-13"), 1); // Friday before
        assert_eq!(r.due_at, due("2026-02-14"), "the make-up Saturday counts");
        let r = c.add_working_days(at("2026-02-14"), 1);
        assert_eq!(r.due_at, due("2026-02-24"));
        assert_eq!(r.skipped.len(), 9);
        assert!(r.skipped.iter().all(|s| s.reason == SkipReason::Holiday));
        let r = c.add_working_days(at("2026-02-27"), 1);
        assert_eq!(r.due_at, due("2026-02-28"), "make-up Saturday");
    }

    #[test]
    fn national_day_2025_with_mid_autumn() {
        let c = cn();
        // 2025: 1–8 Oct off; make-up Sun 28 Sep and Sat 11 Oct.
        assert_eq!(
            c.add_working_days(at("2025-09-26"), 1).due_at,
            due("2025-09-28")
        );
        assert_eq!(
            c.add_working_days(at("2025-09-30"), 1).due_at,
            due("2025-10-09")
        );
        assert_eq!(
            c.add_working_days(at("2025-10-10"), 1).due_at,
            due("2025-10-11")
        );
    }

    #[test]
    fn every_listed_day_of_2024_to_2026_is_honoured() {
        let c = cn();
        for year in c.years() {
            for day in &year.holidays {
                assert_eq!(
                    c.classify(day.date),
                    (Some(SkipReason::Holiday), true),
                    "{}",
                    day.date
                );
                let start = at(&(day.date - chrono::Days::new(1)).to_string());
                assert_ne!(
                    c.add_working_days(start, 1).due_at,
                    end_of_day(day.date),
                    "{} is off",
                    day.date
                );
            }
            for day in &year.working_days {
                assert_eq!(c.classify(day.date), (None, true), "{}", day.date);
                let start = at(&(day.date - chrono::Days::new(1)).to_string());
                let previous_is_working = c.classify(day.date - chrono::Days::new(1)).0.is_none();
                if previous_is_working || c.classify(day.date).0.is_none() {
                    assert_eq!(
                        c.add_working_days(start, 1).due_at,
                        end_of_day(day.date),
                        "{} works",
                        day.date
                    );
                }
            }
        }
    }

    #[test]
    fn new_year_across_years() {
        let c = cn();
        // 2025-12-31 Wed; 2026-01-01..03 holiday; Sun 4 Jan make-up working day.
        let r = c.add_working_days(at("2025-12-31"), 1);
        assert_eq!(r.due_at, due("2026-01-04"));
        assert!(!r.provisional);
    }

    #[test]
    fn a_year_without_a_calendar_counts_monday_to_friday_provisionally() {
        let c = cn();
        let r = c.add_working_days(at("2026-12-30"), 10); // Wednesday
        assert!(r.provisional);
        // 31 Dec (Thu) counts; 2027: Fri 1, Mon 4 … plain weekdays.
        assert_eq!(r.due_at, due("2027-01-13"));
        let r = c.add_working_days(at("2026-12-21"), 3);
        assert!(!r.provisional, "all within 2026");
    }

    #[test]
    fn the_working_day_before_skips_days_off() {
        let c = cn();
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert_eq!(
            c.working_day_before(d("2026-12-14"), 1),
            d("2026-12-11"),
            "Monday → Friday"
        );
        assert_eq!(
            c.working_day_before(d("2026-02-24"), 1),
            d("2026-02-14"),
            "after Spring Festival → make-up Saturday"
        );
        assert_eq!(c.working_day_before(d("2026-12-14"), 0), d("2026-12-14"));
    }

    #[test]
    fn calendar_days_ignore_weekends() {
        assert_eq!(
            add_calendar_days(at("2026-03-06"), 7).due_at,
            due("2026-03-13")
        );
    }

    #[test]
    fn working_days_between_counts_paused_days() {
        let c = cn();
        assert_eq!(
            c.working_days_between(at("2026-03-06"), at("2026-03-10")),
            2
        );
        assert_eq!(
            c.working_days_between(at("2026-03-06"), at("2026-03-06")),
            0
        );
    }

    #[test]
    fn contradictory_or_misplaced_days_are_refused() {
        let text = "year = 2026\njurisdiction = \"cn\"\nnotice = \"n\"\n[[holidays]]\ndate = \"2025-01-01\"\nname = \"x\"\n";
        assert!(matches!(
            YearCalendar::parse_toml(text),
            Err(CalendarError::WrongYear { .. })
        ));
        let text = "year = 2026\njurisdiction = \"cn\"\nnotice = \"n\"\n[[holidays]]\ndate = \"2026-01-01\"\nname = \"x\"\n[[working_days]]\ndate = \"2026-01-01\"\nname = \"y\"\n";
        assert!(matches!(
            YearCalendar::parse_toml(text),
            Err(CalendarError::Contradiction(_))
        ));
    }
}
