//! Calendars and deadline policies at run time (docs/deadlines.md#calendars): the years shipped under
//! `config/calendars` plus years imported later (`odr calendar import`, the admin API), and the
//! effective-dated policies scoped by region and industry.

use std::sync::{Arc, RwLock};

use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use serde_json::json;

use crate::disputes::{CaseError, policy_of, recompute_due_dates, status_of};
use crate::domain::access::Actor;
use crate::domain::calendar::{Calendar, NamedDay, YearCalendar};
use crate::domain::dispute::TimelineKind;
use crate::domain::policy::{DeadlinePolicy, ScopedPolicy, scoped_in_force};
use crate::domain::region::RegionCode;
use crate::error::{ApiError, ErrorCode, on_conflict};
use crate::store::deadlines::{
    CalendarYearRow, PolicyRow, insert_policy, list_calendar_years, list_policies,
    put_calendar_year,
};
use crate::store::disputes::{append_event, provisional_disputes, save_dispute};
use crate::store::{DbConn, StoreError, from_db_time, to_db_time};

/// The calendar of one jurisdiction as every request and job sees it: the shipped years with
/// the imported years over them. Cheap to clone; `current` is a snapshot.
#[derive(Debug, Clone)]
pub struct CalendarBook {
    jurisdiction: String,
    shipped: Arc<Calendar>,
    current: Arc<RwLock<Arc<Calendar>>>,
}

impl CalendarBook {
    /// A book of the shipped years only, until [`CalendarBook::reload`].
    pub fn new(jurisdiction: &str, shipped: Calendar) -> Self {
        let shipped = Arc::new(shipped);
        Self {
            jurisdiction: jurisdiction.into(),
            current: Arc::new(RwLock::new(shipped.clone())),
            shipped,
        }
    }

    /// The jurisdiction this book counts for.
    pub fn jurisdiction(&self) -> &str {
        &self.jurisdiction
    }

    /// The calendar in force now.
    pub fn current(&self) -> Arc<Calendar> {
        match self.current.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Puts the imported years over the shipped ones. Every node calls this at start and on
    /// each sweep, so an import made on one node reaches all of them.
    pub fn reload(&self, conn: &mut DbConn) -> Result<(), StoreError> {
        let mut calendar = (*self.shipped).clone();
        for row in list_calendar_years(conn, &self.jurisdiction)? {
            let year = YearCalendar::parse_toml(&row.body)
                .map_err(|e| StoreError::Corrupt(format!("calendar year {}: {e}", row.year)))?;
            calendar.insert(year);
        }
        let calendar = Arc::new(calendar);
        match self.current.write() {
            Ok(mut guard) => *guard = calendar,
            Err(poisoned) => *poisoned.into_inner() = calendar,
        }
        Ok(())
    }

    /// Where each loaded year comes from.
    pub fn sources(&self, conn: &mut DbConn) -> Result<Vec<YearSource>, StoreError> {
        let imported = list_calendar_years(conn, &self.jurisdiction)?;
        let current = self.current();
        Ok(current
            .years()
            .map(|y| {
                let row = imported.iter().find(|r| r.year == i64::from(y.year));
                YearSource {
                    year: y.year,
                    notice: y.notice.clone(),
                    holidays: y.holidays.len(),
                    working_days: y.working_days.len(),
                    imported_at: row.map(|r| from_db_time(r.imported_at)),
                }
            })
            .collect())
    }
}

/// A loaded year and where it comes from.
#[derive(Debug, Clone)]
pub struct YearSource {
    pub year: i32,
    pub notice: String,
    pub holidays: usize,
    pub working_days: usize,
    /// `None` for a year shipped under `config/calendars`.
    pub imported_at: Option<DateTime<Utc>>,
}

/// One year in the format of the holiday-cn data set (source and licence beside the shipped
/// years, `config/calendars/cn/LICENSE-holiday-cn`).
#[derive(Debug, Deserialize)]
struct HolidayCnYear {
    year: i32,
    papers: Vec<String>,
    days: Vec<HolidayCnDay>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct HolidayCnDay {
    name: String,
    date: NaiveDate,
    is_off_day: bool,
}

/// Reads one calendar year: this platform's TOML (as under `config/calendars`) or a year of
/// the holiday-cn JSON data set. The jurisdiction of the result is `jurisdiction`.
pub fn parse_calendar_year(text: &str, jurisdiction: &str) -> Result<YearCalendar, String> {
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    let year = if trimmed.starts_with('{') {
        let raw: HolidayCnYear =
            serde_json::from_str(trimmed).map_err(|e| format!("holiday-cn JSON: {e}"))?;
        let notice = raw
            .papers
            .first()
            .cloned()
            .ok_or("holiday-cn JSON: `papers` names no notice")?;
        let days = |off: bool| -> Vec<NamedDay> {
            raw.days
                .iter()
                .filter(|d| d.is_off_day == off)
                .map(|d| NamedDay {
                    date: d.date,
                    name: d.name.clone(),
                })
                .collect()
        };
        to_toml(&YearCalendar {
            year: raw.year,
            jurisdiction: jurisdiction.into(),
            notice,
            holidays: days(true),
            working_days: days(false),
        })
    } else {
        trimmed.to_string()
    };
    let parsed = YearCalendar::parse_toml(&year).map_err(|e| e.to_string())?;
    if parsed.jurisdiction != jurisdiction {
        return Err(format!(
            "the file is for jurisdiction `{}`, not `{jurisdiction}`",
            parsed.jurisdiction
        ));
    }
    if !(2000..=2100).contains(&parsed.year) {
        return Err(format!("{} is not a plausible year", parsed.year));
    }
    if !parsed.notice.starts_with("https://") && !parsed.notice.starts_with("http://") {
        return Err("`notice` must be the URL of the official notice".into());
    }
    Ok(parsed)
}

/// The TOML this platform stores a year as.
fn to_toml(year: &YearCalendar) -> String {
    let mut out = format!(
        "year = {}\njurisdiction = {}\nnotice = {}\n",
        year.year,
        toml_string(&year.jurisdiction),
        toml_string(&year.notice)
    );
    for (table, days) in [
        ("holidays", &year.holidays),
        ("working_days", &year.working_days),
    ] {
        for day in days {
            out.push_str(&format!(
                "\n[[{table}]]\ndate = \"{}\"\nname = {}\n",
                day.date,
                toml_string(&day.name)
            ));
        }
    }
    out
}

/// A TOML basic string: JSON's string escapes are all valid TOML escapes.
fn toml_string(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

/// What an import did.
#[derive(Debug, Clone)]
pub struct ImportedYear {
    pub year: i32,
    pub holidays: usize,
    pub working_days: usize,
    /// Open disputes whose provisional due dates were recomputed.
    pub recomputed: usize,
}

/// Stores `year`, reloads the calendar and recomputes every open dispute whose due dates were
/// provisional, each with a timeline entry; all in one transaction.
pub fn import_calendar_year(
    conn: &mut DbConn,
    book: &CalendarBook,
    year: &YearCalendar,
    by: Option<&str>,
    now: DateTime<Utc>,
) -> Result<ImportedYear, CaseError> {
    let imported = crate::store::write_transaction(conn, |conn| {
        put_calendar_year(
            conn,
            &CalendarYearRow {
                jurisdiction: book.jurisdiction().into(),
                year: i64::from(year.year),
                notice: year.notice.clone(),
                body: to_toml(year),
                imported_at: to_db_time(now),
                imported_by: by.map(str::to_string),
            },
        )?;
        let mut calendar = (*book.current()).clone();
        calendar.insert(year.clone());
        let recomputed = recompute_provisional(conn, &calendar, year.year, now)?;
        crate::store::audit::append_audit(
            conn,
            &crate::store::audit::Audit {
                actor_id: by,
                actor_role: if by.is_some() { "admin" } else { "system" },
                action: "calendar.import",
                object_type: "calendar_year",
                object_id: &format!("{}:{}", book.jurisdiction(), year.year),
                region_code: None,
                details: &json!({"notice": year.notice, "recomputed": recomputed}),
            },
            now,
        )?;
        Ok::<_, CaseError>(recomputed)
    })?;
    book.reload(conn)?;
    Ok(ImportedYear {
        year: year.year,
        holidays: year.holidays.len(),
        working_days: year.working_days.len(),
        recomputed: imported,
    })
}

/// Recomputes the due dates of open disputes marked provisional.
fn recompute_provisional(
    conn: &mut DbConn,
    calendar: &Calendar,
    year: i32,
    now: DateTime<Utc>,
) -> Result<usize, CaseError> {
    let candidates = provisional_disputes(conn)?;
    let mut changed = 0;
    for mut dispute in candidates {
        if status_of(&dispute.status)?.is_terminal() {
            continue;
        }
        let before = (dispute.first_contact_due_at, dispute.settlement_due_at);
        let policy = policy_of(&dispute)?;
        recompute_due_dates(&mut dispute, calendar, &policy);
        let version = dispute.version;
        dispute.version += 1;
        dispute.updated_at = to_db_time(now);
        if !save_dispute(conn, &dispute, version)? {
            return Err(CaseError::Conflict(
                ErrorCode::DisputeChangedConcurrently,
                "A dispute changed during the import; import again.".into(),
            ));
        }
        append_event(
            conn,
            &dispute.id,
            &dispute.region_code,
            TimelineKind::DueDatesRecomputed,
            None,
            &dispute.status,
            &dispute.status,
            &json!({
                "calendar_year": year,
                "first_contact_due_at": {"before": from_db_time(before.0), "after": from_db_time(dispute.first_contact_due_at)},
                "settlement_due_at": {"before": from_db_time(before.1), "after": from_db_time(dispute.settlement_due_at)},
                "provisional": dispute.due_provisional,
            }),
            now,
        )?;
        changed += 1;
    }
    Ok(changed)
}

/// Reads a stored policy row.
pub fn scoped_policy(row: &PolicyRow) -> Result<ScopedPolicy, StoreError> {
    let corrupt = |what: String| StoreError::Corrupt(format!("policy {}: {what}", row.version));
    Ok(ScopedPolicy {
        region: row
            .region_code
            .as_deref()
            .map(RegionCode::parse)
            .transpose()
            .map_err(|e| corrupt(e.to_string()))?,
        industry: row.industry_code.clone(),
        effective_from: row.effective_from,
        policy: DeadlinePolicy::from_stored(&row.body).map_err(|e| corrupt(e.to_string()))?,
        body: row.body.clone(),
    })
}

/// The policy in force on `on` for a dispute in `region` and `industry`, with the JSON a
/// dispute filed under it keeps: a stored policy's body as stored (with any limit a later
/// release added, docs/deadlines.md#stored-policies), or the national one written out.
///
/// `stored` holds the stored policies as this node last read them, and `count` says how many
/// are stored now when the caller read that in the same statement as something else (the
/// filing's unit): then they are read again only when the number changed
/// ([`PolicyCache`]); without it they are read now.
pub fn resolve_policy(
    conn: &mut DbConn,
    national: &DeadlinePolicy,
    stored: &PolicyCache,
    count: Option<i64>,
    region: &str,
    industry: &str,
    on: NaiveDate,
) -> Result<(DeadlinePolicy, String), StoreError> {
    let region = RegionCode::parse(region).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let stored = stored.current(conn, count)?;
    Ok(match scoped_in_force(&stored, &region, industry, on) {
        Some(scoped) => (scoped.policy.clone(), scoped.body.clone()),
        None => (
            national.clone(),
            serde_json::to_string(national).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        ),
    })
}

/// The stored policies as a node last read them. Policies are only ever added, never changed or
/// removed (docs/deadlines.md#policies), so the number stored tells whether the list a node holds
/// is current: a filing reads that number in the statement that reads its unit
/// (`store::disputes::unit_for_filing`) and the list again only when it differs, a round trip
/// less for every filing (docs/architecture.md#statements-per-write). Cheap to clone; clones
/// share what they hold.
#[derive(Debug, Clone, Default)]
pub struct PolicyCache {
    held: Arc<RwLock<Arc<Vec<ScopedPolicy>>>>,
}

impl PolicyCache {
    /// The stored policies: those held when `count` of them are stored, else read now (and held
    /// when `count` was given).
    fn current(
        &self,
        conn: &mut DbConn,
        count: Option<i64>,
    ) -> Result<Arc<Vec<ScopedPolicy>>, StoreError> {
        let poisoned = || StoreError::Unavailable("the policy cache's lock was poisoned".into());
        if let Some(count) = count {
            let held = self.held.read().map_err(|_| poisoned())?.clone();
            if i64::try_from(held.len()) == Ok(count) {
                return Ok(held);
            }
        }
        let fresh = Arc::new(stored_policies(conn)?);
        if count.is_some() {
            let mut held = self.held.write().map_err(|_| poisoned())?;
            // Two filings may read them at once; the longer list is the later one.
            if held.len() < fresh.len() {
                *held = fresh.clone();
            }
        }
        Ok(fresh)
    }
}

/// Every stored policy with its scope (see [`policy_in_force`] for choosing among them).
pub fn stored_policies(conn: &mut DbConn) -> Result<Vec<ScopedPolicy>, StoreError> {
    list_policies(conn)?.iter().map(scoped_policy).collect()
}

/// Stores a new deadline policy version (docs/deadlines.md#policies) for a scope that names a
/// known region and industry, audited, in one transaction. Policies are never changed: a
/// version that exists is refused.
pub fn create_policy(
    conn: &mut DbConn,
    actor: &Actor,
    row: &PolicyRow,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    crate::onboarding::known_scope(
        conn,
        row.region_code.as_deref(),
        row.industry_code.as_deref(),
    )?;
    crate::store::write_transaction(conn, |conn| {
        insert_policy(conn, row)?;
        crate::store::audit::record_action(
            conn,
            actor,
            "policy.create",
            "deadline_policy",
            &row.version,
            row.region_code.as_deref(),
            &json!({"effective_from": row.effective_from, "industry_code": row.industry_code}),
            now,
        )
    })
    .map_err(on_conflict(
        ErrorCode::PolicyVersionExists,
        "A policy with this version exists; policies are never changed, add a new version.",
    ))
}
