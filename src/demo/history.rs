//! A generated dispute history for load and benchmarks (`odr seed-demo --disputes N`): units
//! across the demo city's districts and industries, consumers, and disputes filed from the first
//! calendar year the platform ships until now. Every dispute runs through the state machine of
//! docs/lifecycle.md#transitions with its real due dates (policies, holidays and make-up working days), ends in each
//! outcome at realistic rates for its unit, and is counted into the daily metric counters by the
//! same rules as a live event. Disputes whose due date is still ahead stay open.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc, Weekday};
use chrono_tz::Asia::Shanghai;
use rand::distr::Distribution;
use rand::distr::weighted::WeightedIndex;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde_json::json;

use crate::disputes::filing::new_dispute;
use crate::disputes::{CaseContext, fulfilment_due};
use crate::domain::contact::PhoneNumber;
use crate::domain::dispute::{Actor, Event, Facts, Status, TimelineKind, transition};
use crate::domain::metrics::{Counters, History, replay};
use crate::domain::offer::OfferStatus;
use crate::domain::policy::DeadlinePolicy;
use crate::domain::policy::{ScopedPolicy, policy_in_force};
use crate::domain::region::RegionCode;
use crate::domain::role::StaffRole;
use crate::domain::uscc::Uscc;
use crate::i18n::Lang;
use crate::onboarding::business::{BusinessInput, new_business_row};
use crate::onboarding::{AccountInput, Membership, new_user_row};
use crate::store::bulk::{DisputeBatch, insert_counters, insert_users, with_indexes_rebuilt};
use crate::store::businesses::insert_business;
use crate::store::disputes::{Claim, Dispute, TimelineEvent, reserve_case_sequences};
use crate::store::metrics::{DayKey, entry_of};
use crate::store::negotiation::{Escalation, Offer, Settlement};
use crate::store::reference::{find_region, list_associations};
use crate::store::users::insert_user;
use crate::store::{DbConn, StoreError, new_id, to_db_time};

/// What to generate.
#[derive(Debug, Clone)]
pub struct HistoryPlan {
    pub disputes: u64,
    /// ODR units to spread them over; default one per 2,000 disputes (20 to 5,000).
    pub units: Option<u32>,
    /// The random seed (the same seed and database give the same history).
    pub seed: u64,
}

/// What was generated.
#[derive(Debug, Clone, Default)]
pub struct HistoryReport {
    pub units: u32,
    pub consumers: u64,
    pub disputes: u64,
    pub since: Option<NaiveDate>,
    pub by_status: BTreeMap<&'static str, u64>,
}

/// Disputes written per transaction.
const BATCH: usize = 5_000;

struct Unit {
    id: String,
    business: crate::store::businesses::Business,
    owner_id: String,
    region: String,
    industry: &'static str,
    association_id: Option<String>,
    /// How well the unit handles disputes, 0–1.
    quality: f64,
}

/// Per-industry shares, price ranges (yuan) and items.
struct Trade {
    code: &'static str,
    share: u32,
    paid: (i64, i64),
    items: &'static [(&'static str, &'static str)],
    names: &'static [&'static str],
}

const TRADES: [Trade; 4] = [
    Trade {
        code: "catering",
        share: 40,
        paid: (60, 1_500),
        items: &[
            ("service", "包厢宴席"),
            ("service", "外卖套餐"),
            ("product", "预付储值卡"),
            ("service", "婚宴服务"),
        ],
        names: &["餐饮有限公司", "酒家", "面馆", "火锅店"],
    },
    Trade {
        code: "retail",
        share: 30,
        paid: (50, 8_000),
        items: &[
            ("product", "羊毛大衣"),
            ("product", "运动鞋"),
            ("product", "智能手表"),
            ("product", "儿童玩具"),
        ],
        names: &["百货有限公司", "商贸有限公司", "超市"],
    },
    Trade {
        code: "motor_vehicles",
        share: 15,
        paid: (2_000, 150_000),
        items: &[
            ("service", "车辆保养"),
            ("service", "钣金喷漆维修"),
            ("product", "新车购置"),
            ("product", "原厂轮胎"),
        ],
        names: &["汽车销售服务有限公司", "汽车维修有限公司"],
    },
    Trade {
        code: "household_appliances",
        share: 15,
        paid: (300, 20_000),
        items: &[
            ("product", "变频空调"),
            ("product", "滚筒洗衣机"),
            ("service", "空调安装"),
            ("product", "冰箱"),
        ],
        names: &["家电商场有限公司", "电器有限公司"],
    },
];

const PLACES: [&str; 12] = [
    "明德", "东信", "和睦", "云栖", "望江", "运河", "天目", "钱江", "湖畔", "凤起", "文一", "武林",
];
const SURNAMES: [&str; 12] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙",
];

/// Seeds the history into a database that holds the demo world (seeded first if empty).
pub fn seed_history(
    conn: &mut DbConn,
    ctx: &CaseContext,
    plan: &HistoryPlan,
    now: DateTime<Utc>,
    mut progress: impl FnMut(u64, u64),
) -> Result<HistoryReport, StoreError> {
    let mut rng = StdRng::seed_from_u64(plan.seed);
    let since = ctx
        .calendar
        .years()
        .map(|y| y.year)
        .min()
        .and_then(|y| NaiveDate::from_ymd_opt(y, 1, 1))
        .ok_or_else(|| StoreError::Corrupt("no calendar year is loaded".into()))?;
    let today = now.with_timezone(&Shanghai).date_naive();
    if since >= today {
        return Err(StoreError::Corrupt(
            "the calendar starts after today".into(),
        ));
    }
    let password = crate::security::passwords::hash_password(
        &crate::domain::password::NewPassword::parse(super::DEMO_PASSWORD)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
    )
    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let unit_count = plan.units.unwrap_or_else(|| {
        u32::try_from(plan.disputes / 2_000)
            .unwrap_or(5_000)
            .clamp(20, 5_000)
    });
    let started = Utc.from_utc_datetime(&(since - Duration::days(30)).and_time(Default::default()));
    let units = crate::store::write_transaction(conn, |conn| {
        create_units(conn, ctx, &mut rng, unit_count, &password, started)
    })?;
    let consumers = crate::store::write_transaction(conn, |conn| {
        create_consumers(conn, ctx, plan.disputes, started)
    })?;
    let policies = crate::deadlines::stored_policies(conn)?;
    let weights: Vec<f64> = units
        .iter()
        .map(|_| 1.0 / rng.random_range(0.03f64..1.0).powf(0.8))
        .collect();
    let pick_unit = WeightedIndex::new(&weights).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let days: Vec<NaiveDate> = since.iter_days().take_while(|d| *d <= today).collect();
    let day_weights: Vec<f64> = days
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let growth = 1.0 + 0.4 * i as f64 / days.len() as f64;
            let weekend = matches!(d.weekday(), Weekday::Sat | Weekday::Sun);
            growth * if weekend { 1.3 } else { 1.0 }
        })
        .collect();
    let pick_day =
        WeightedIndex::new(&day_weights).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let mut counters: HashMap<(NaiveDate, usize), Counters> = HashMap::new();
    let mut report = HistoryReport {
        units: unit_count,
        consumers: consumers.len() as u64,
        since: Some(since),
        ..HistoryReport::default()
    };
    let mut written = 0u64;
    let tables = [
        "disputes",
        "dispute_claims",
        "dispute_events",
        "offers",
        "settlements",
        "escalations",
    ];
    with_indexes_rebuilt(conn, &tables, |conn| {
        while written < plan.disputes {
            let size = (plan.disputes - written).min(BATCH as u64) as usize;
            let mut stories: Vec<Story> = (0..size)
                .map(|_| {
                    let unit = pick_unit.sample(&mut rng);
                    let day = days[pick_day.sample(&mut rng)];
                    let consumer = &consumers[rng.random_range(0..consumers.len())];
                    tell(
                        &mut rng,
                        ctx,
                        &policies,
                        &units[unit],
                        unit,
                        consumer,
                        day,
                        now,
                    )
                })
                .collect::<Result<_, _>>()?;
            crate::store::write_transaction(conn, |conn| {
                number_cases(conn, &mut stories)?;
                let mut batch = DisputeBatch::default();
                for story in stories {
                    *report.by_status.entry(story.status.as_str()).or_default() += 1;
                    for (at, delta) in &story.counted {
                        let day = at.with_timezone(&Shanghai).date_naive();
                        *counters.entry((day, story.unit)).or_default() += *delta;
                    }
                    story.into_batch(&mut batch);
                }
                batch.write(conn)
            })?;
            written += size as u64;
            progress(written, plan.disputes);
        }
        Ok(())
    })?;
    let rows: Vec<(DayKey, Counters)> = counters
        .into_iter()
        .map(|((day, unit), c)| {
            let u = &units[unit];
            (
                DayKey {
                    day,
                    unit_id: u.id.clone(),
                    region_code: u.region.clone(),
                    industry_code: u.industry.into(),
                    association_id: u.association_id.clone(),
                },
                c,
            )
        })
        .collect();
    crate::store::write_transaction(conn, |conn| insert_counters(conn, &rows))?;
    report.disputes = written;
    Ok(report)
}

/// Units spread over the districts of the demo city, each with an owner account, approved by
/// the city's regulator before the history starts.
fn create_units(
    conn: &mut DbConn,
    ctx: &CaseContext,
    rng: &mut StdRng,
    count: u32,
    password: &str,
    at: DateTime<Utc>,
) -> Result<Vec<Unit>, StoreError> {
    let districts: Vec<&str> = super::DEMO_DISTRICTS.to_vec();
    let city = find_region(conn, super::DEMO_CITY)?
        .ok_or_else(|| StoreError::Corrupt("the demo city is missing".into()))?;
    let approver = crate::disputes::escalations::regulators_of(conn, &city.code)?
        .into_iter()
        .find(|u| u.region_code.as_deref() == Some(city.code.as_str()))
        .ok_or_else(|| StoreError::Corrupt("the city has no regulator".into()))?;
    let catering_association = list_associations(conn)?
        .into_iter()
        .find(|a| a.industry_code.as_deref() == Some("catering"))
        .map(|a| a.id);
    let offset = crate::store::businesses::count_businesses(conn)?;
    let pick_trade = WeightedIndex::new(TRADES.iter().map(|t| t.share))
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let mut units = Vec::new();
    for n in 0..count {
        let trade = &TRADES[pick_trade.sample(rng)];
        let district = districts[rng.random_range(0..districts.len())];
        let number = offset + i64::from(n);
        let name = format!(
            "杭州{}{}{}",
            PLACES[rng.random_range(0..PLACES.len())],
            number,
            trade.names[rng.random_range(0..trade.names.len())]
        );
        let input = BusinessInput {
            uscc: Uscc::parse(&history_uscc(district, number))
                .map_err(|e| StoreError::Corrupt(e.to_string()))?,
            name: name.clone(),
            industry_code: trade.code.into(),
            region: RegionCode::parse(district).map_err(|e| StoreError::Corrupt(e.to_string()))?,
            address: format!(
                "杭州市{}路 {} 号",
                PLACES[n as usize % PLACES.len()],
                1 + n % 900
            ),
            contact_name: format!("{}经理", SURNAMES[n as usize % SURNAMES.len()]),
            contact_phone: format!("0571-8{:07}", number % 10_000_000),
        };
        let association_id = (trade.code == "catering" && rng.random_bool(0.7))
            .then(|| catering_association.clone())
            .flatten();
        let business = new_business_row(&input, association_id.as_deref(), at);
        insert_business(conn, &business)?;
        let owner = new_user_row(
            &ctx.pii,
            &AccountInput {
                display_name: input.contact_name.clone(),
                email: Some(
                    crate::domain::contact::EmailAddress::parse(&format!(
                        "owner{number}@history.odr.demo"
                    ))
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                ),
                phone: None,
                language: Lang::Zh,
            },
            &Membership::staff(&business.id, StaffRole::Owner),
            Some(password.to_string()),
            at,
        );
        insert_user(conn, &owner)?;
        let unit = super::enrol(conn, &business.id, &owner.id, Some(&approver.id), at)?;
        // Most units are good at this; some are slow and a few let disputes lapse.
        let quality = match rng.random_range(0..100) {
            0..80 => rng.random_range(0.85..0.99),
            80..95 => rng.random_range(0.6..0.85),
            _ => rng.random_range(0.25..0.6),
        };
        units.push(Unit {
            id: unit.id,
            business,
            owner_id: owner.id,
            region: district.into(),
            industry: trade.code,
            association_id,
            quality,
        });
    }
    Ok(units)
}

/// A valid credit code for generated business number `n` in `division`.
fn history_uscc(division: &str, n: i64) -> String {
    let head = format!("91{division}MA3{:06}", n % 1_000_000);
    let check = crate::domain::uscc::check_character(head.as_bytes()).unwrap_or('0');
    format!("{head}{check}")
}

/// Consumer accounts (one per eight disputes, 50 to 1,000,000), logging in by phone.
fn create_consumers(
    conn: &mut DbConn,
    ctx: &CaseContext,
    disputes: u64,
    at: DateTime<Utc>,
) -> Result<Vec<String>, StoreError> {
    let count = (disputes / 8).clamp(50, 1_000_000);
    let first = crate::store::users::count_users(conn)?;
    let mut ids = Vec::with_capacity(count as usize);
    let mut rows = Vec::with_capacity(10_000);
    for n in 0..count {
        let number = first + n as i64;
        let phone = PhoneNumber::parse(&format!("139{:08}", number % 100_000_000))
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let user = new_user_row(
            &ctx.pii,
            &AccountInput {
                display_name: format!(
                    "{}{}",
                    SURNAMES[n as usize % SURNAMES.len()],
                    if n % 2 == 0 { "先生" } else { "女士" }
                ),
                email: None,
                phone: Some(phone),
                language: Lang::Zh,
            },
            &Membership::consumer(),
            None,
            at,
        );
        ids.push(user.id.clone());
        rows.push(user);
        if rows.len() == 10_000 {
            insert_users(conn, &rows)?;
            rows.clear();
        }
    }
    insert_users(conn, &rows)?;
    Ok(ids)
}

/// One generated dispute with everything it wrote.
struct Story {
    unit: usize,
    status: Status,
    dispute: Dispute,
    claim: Claim,
    events: Vec<TimelineEvent>,
    offers: Vec<Offer>,
    settlement: Option<Settlement>,
    escalation: Option<Escalation>,
    counted: Vec<(DateTime<Utc>, Counters)>,
}

impl Story {
    fn into_batch(self, batch: &mut DisputeBatch) {
        batch.disputes.push(self.dispute);
        batch.claims.push(self.claim);
        batch.events.extend(self.events);
        batch.offers.extend(self.offers);
        batch.settlements.extend(self.settlement);
        batch.escalations.extend(self.escalation);
    }
}

/// Gives each story its case number (per filing year and region, as filing does).
fn number_cases(conn: &mut DbConn, stories: &mut [Story]) -> Result<(), StoreError> {
    let mut scopes: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
    for (i, s) in stories.iter().enumerate() {
        let year = crate::store::from_db_time(s.dispute.filed_at)
            .with_timezone(&Shanghai)
            .format("%Y")
            .to_string();
        scopes
            .entry((year, s.dispute.region_code.clone()))
            .or_default()
            .push(i);
    }
    for ((year, region), members) in scopes {
        let numbers =
            reserve_case_sequences(conn, &format!("case:{year}:{region}"), members.len() as i64)?;
        for (i, n) in members.into_iter().zip(numbers) {
            let s = &mut stories[i];
            s.dispute.case_number = format!("ODR{year}{region}{n:06}");
            s.events[0].detail = json!({
                "case_number": s.dispute.case_number,
                "settlement_due_at": crate::store::from_db_time(s.dispute.settlement_due_at),
            })
            .to_string();
        }
    }
    Ok(())
}

/// A random moment between `from` and `to`.
fn between(rng: &mut StdRng, from: DateTime<Utc>, to: DateTime<Utc>) -> DateTime<Utc> {
    let span = (to - from).num_seconds().max(1);
    from + Duration::seconds(rng.random_range(0..span))
}

/// What happens to a dispute filed at `filed` with these due dates, when, and by whom, in
/// time order (a unit answers and settles more often the higher its quality `q`); and the
/// amount its offers make.
fn plan(
    rng: &mut StdRng,
    q: f64,
    (filed, first_due, settle_due): (DateTime<Utc>, DateTime<Utc>, DateTime<Utc>),
    claimed: i64,
    policy: &DeadlinePolicy,
) -> (Vec<(Event, Actor, DateTime<Utc>)>, i64) {
    let mut plan: Vec<(Event, Actor, DateTime<Utc>)> = Vec::new();
    let contact = if rng.random_bool(q) {
        Some(between(rng, filed + Duration::minutes(10), first_due))
    } else if rng.random_bool(0.6) {
        let late = between(
            rng,
            first_due + Duration::hours(1),
            first_due + (settle_due - first_due) / 2,
        );
        plan.push((
            Event::FirstContactLapsed,
            Actor::System,
            first_due + Duration::seconds(1),
        ));
        Some(late)
    } else {
        plan.push((
            Event::FirstContactLapsed,
            Actor::System,
            first_due + Duration::seconds(1),
        ));
        None
    };
    let amount = (claimed as f64 * rng.random_range(0.4..1.0)) as i64;
    match contact {
        None => {
            if rng.random_bool(0.4) {
                let at = between(rng, first_due + Duration::hours(2), settle_due);
                plan.push((Event::RequestEscalation, Actor::Consumer, at));
            } else {
                plan.push((
                    Event::SettlementLapsed,
                    Actor::System,
                    settle_due + Duration::seconds(1),
                ));
            }
        }
        Some(c) => {
            plan.push((Event::FirstContact, Actor::Merchant, c));
            let roll: f64 = rng.random();
            let settle_share = 0.35 + 0.55 * q;
            let offer_at = between(rng, c, c + (settle_due - c) / 3);
            if roll < settle_share {
                plan.push((Event::MakeOffer, Actor::Merchant, offer_at));
                let mut accept_from = offer_at;
                if rng.random_bool(0.25) {
                    let rejected = between(rng, offer_at, offer_at + (settle_due - offer_at) / 3);
                    plan.push((Event::RejectOffer, Actor::Consumer, rejected));
                    let again = between(rng, rejected, rejected + (settle_due - rejected) / 3);
                    plan.push((Event::MakeOffer, Actor::Merchant, again));
                    accept_from = again;
                }
                let accepted = between(
                    rng,
                    accept_from,
                    accept_from + (settle_due - accept_from) / 2,
                );
                plan.push((Event::AcceptOffer, Actor::Consumer, accepted));
                let fulfil_by = fulfilment_due(accepted, 7);
                if rng.random_bool(0.96) {
                    let marked = between(rng, accepted + Duration::hours(2), fulfil_by);
                    plan.push((Event::MarkFulfilled, Actor::Merchant, marked));
                    if rng.random_bool(0.85) {
                        let confirmed = between(rng, marked, marked + Duration::days(3));
                        plan.push((Event::ConfirmFulfilment, Actor::Consumer, confirmed));
                    } else {
                        plan.push((
                            Event::ConfirmationLapsed,
                            Actor::System,
                            marked
                                + Duration::days(i64::from(policy.confirmation_window_days))
                                + Duration::seconds(1),
                        ));
                    }
                } else {
                    plan.push((
                        Event::FulfilmentLapsed,
                        Actor::System,
                        fulfil_by + Duration::seconds(1),
                    ));
                }
            } else if roll < settle_share + 0.05 {
                plan.push((Event::Withdraw, Actor::Consumer, offer_at));
            } else if roll < settle_share + 0.05 + (1.0 - settle_share) * 0.3 {
                plan.push((Event::Decline, Actor::Merchant, offer_at));
            } else if rng.random_bool(0.4) {
                plan.push((Event::MakeOffer, Actor::Merchant, offer_at));
                let asked = between(rng, offer_at, settle_due - Duration::minutes(10));
                plan.push((Event::RejectOffer, Actor::Consumer, asked));
                plan.push((
                    Event::RequestEscalation,
                    Actor::Consumer,
                    asked + Duration::minutes(5),
                ));
            } else {
                plan.push((
                    Event::SettlementLapsed,
                    Actor::System,
                    settle_due + Duration::seconds(1),
                ));
            }
        }
    }
    plan.sort_by_key(|p| p.2);
    (plan, amount)
}

/// A dispute's story so far: where it stands, its timeline and what its steps made.
struct Told {
    facts: Facts,
    events: Vec<TimelineEvent>,
    offers: Vec<Offer>,
    settlement: Option<Settlement>,
    escalation: Option<Escalation>,
    /// The moment of the last step.
    last: DateTime<Utc>,
}

/// Plays `plan` on dispute `d` through the state machine up to `now`, by `consumer` and the
/// unit's `owner`; offers make `amount`.
fn play(
    rng: &mut StdRng,
    d: &mut Dispute,
    plan: Vec<(Event, Actor, DateTime<Utc>)>,
    (consumer, owner): (&str, &str),
    moments: (DateTime<Utc>, DateTime<Utc>, DateTime<Utc>),
    amount: i64,
) -> Told {
    let (filed, settle_due, now) = moments;
    let first_due = crate::store::from_db_time(d.first_contact_due_at);
    let id = d.id.clone();
    let mut facts = Facts::filed(first_due, settle_due);
    let mut events = vec![event(
        &id,
        TimelineKind::Filed,
        Some(consumer),
        Actor::Consumer,
        Status::Filed,
        Status::Filed,
        filed,
    )];
    let mut offers: Vec<Offer> = Vec::new();
    let mut settlement = None;
    let mut escalation = None;
    let mut last = filed;
    for (ev, actor, when) in plan {
        if when > now {
            break;
        }
        let Ok(next) = transition(&facts, ev, actor, when) else {
            continue;
        };
        let by = match actor {
            Actor::Consumer => Some(consumer),
            Actor::Merchant => Some(owner),
            _ => None,
        };
        events.push(event(
            &id,
            ev.timeline_kind(),
            by,
            actor,
            facts.status,
            next.status,
            when,
        ));
        match ev {
            Event::FirstContactLapsed => d.first_contact_lapsed_at = Some(to_db_time(when)),
            Event::MakeOffer => {
                for open in offers
                    .iter_mut()
                    .filter(|o| o.status == OfferStatus::Open.as_str())
                {
                    open.status = OfferStatus::Superseded.as_str().into();
                }
                offers.push(Offer {
                    id: new_id(),
                    dispute_id: id.clone(),
                    party: "business".into(),
                    author_id: owner.to_string(),
                    remedy: "refund".into(),
                    amount_fen: amount,
                    terms: "退还相应款项".into(),
                    fulfilment_days: 7,
                    expires_at: to_db_time((when + Duration::days(5)).max(settle_due)),
                    status: OfferStatus::Open.as_str().into(),
                    response_reason: None,
                    created_at: to_db_time(when),
                    responded_at: None,
                });
            }
            Event::RejectOffer | Event::AcceptOffer => {
                if let Some(o) = offers.last_mut() {
                    o.status = if ev == Event::AcceptOffer {
                        "accepted"
                    } else {
                        "rejected"
                    }
                    .into();
                    o.responded_at = Some(to_db_time(when));
                    if ev == Event::AcceptOffer {
                        settlement = Some(Settlement {
                            dispute_id: id.clone(),
                            offer_id: o.id.clone(),
                            remedy: o.remedy.clone(),
                            amount_fen: o.amount_fen,
                            terms: o.terms.clone(),
                            fulfilment_due_at: to_db_time(fulfilment_due(when, 7)),
                            agreed_at: to_db_time(when),
                        });
                    }
                }
            }
            Event::MarkFulfilled => d.fulfilled_at = Some(to_db_time(when)),
            _ => {}
        }
        let concludes = next.status.is_terminal() && !facts.status.is_terminal();
        if concludes {
            d.concluded_at = Some(to_db_time(when));
            for open in offers
                .iter_mut()
                .filter(|o| o.status == OfferStatus::Open.as_str())
            {
                open.status = OfferStatus::Withdrawn.as_str().into();
            }
        }
        if concludes && next.status == Status::Escalated {
            let state = if now - when > Duration::days(45) {
                if rng.random_bool(0.04) {
                    "case_filed"
                } else {
                    "closed"
                }
            } else if now - when > Duration::days(3) {
                "accepted"
            } else {
                "delivered"
            };
            let case_at = when + Duration::days(rng.random_range(10..40));
            if state == "case_filed" && case_at <= now {
                let mut filed_case = event(
                    &id,
                    TimelineKind::EscalationStatus,
                    None,
                    Actor::Regulator,
                    next.status,
                    next.status,
                    case_at,
                );
                filed_case.detail = json!({"status": "case_filed"}).to_string();
                events.push(filed_case);
            }
            escalation = Some(Escalation {
                id: new_id(),
                dispute_id: id.clone(),
                reason: ev.timeline_kind().as_str().into(),
                initiated_by: actor.as_str().into(),
                state: state.into(),
                created_at: to_db_time(when),
                connector: "builtin".into(),
                packet: "{}".into(),
                delivery_attempts: 1,
                last_delivery_error: None,
                delivered_at: Some(to_db_time(when + Duration::seconds(5))),
                dead_at: None,
            });
        }
        if next.has_first_contact && d.first_contacted_at.is_none() {
            d.first_contacted_at = Some(to_db_time(when));
        }
        facts = next;
        last = when;
        d.version += 1;
    }
    Told {
        facts,
        events,
        offers,
        settlement,
        escalation,
        last,
    }
}

/// Some consumers rate the outcome of a concluded dispute by `now`.
fn rate(
    rng: &mut StdRng,
    d: &mut Dispute,
    told: &mut Told,
    consumer: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    // Most settled ones, fewer of the others.
    if let Some(concluded) = d.concluded_at.map(crate::store::from_db_time) {
        let (share, ratings): (f64, [u32; 5]) = match told.facts.status {
            Status::Resolved => (0.6, [2, 4, 10, 30, 54]),
            Status::Escalated => (0.25, [40, 28, 20, 8, 4]),
            _ => (0.2, [10, 10, 30, 25, 25]),
        };
        let rated_at = concluded + Duration::hours(rng.random_range(1..96));
        if rated_at <= now && rng.random_bool(share) {
            let pick =
                WeightedIndex::new(ratings).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            let rating = pick.sample(rng) as i64 + 1;
            if let Ok(next) = transition(&told.facts, Event::Rate, Actor::Consumer, rated_at) {
                d.rating = Some(rating);
                d.rated_at = Some(to_db_time(rated_at));
                told.events.push(event(
                    &d.id,
                    TimelineKind::Rated,
                    Some(consumer),
                    Actor::Consumer,
                    told.facts.status,
                    next.status,
                    rated_at,
                ));
                told.facts = next;
                told.last = rated_at;
                d.version += 1;
            }
        }
    }
    Ok(())
}

/// Plays one dispute from its filing on `day` until it ends or `now` comes.
#[allow(clippy::too_many_arguments)]
fn tell(
    rng: &mut StdRng,
    ctx: &CaseContext,
    policies: &[ScopedPolicy],
    unit: &Unit,
    unit_index: usize,
    consumer: &str,
    day: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Story, StoreError> {
    let trade = TRADES
        .iter()
        .find(|t| t.code == unit.industry)
        .unwrap_or(&TRADES[0]);
    let local = day.and_hms_opt(
        rng.random_range(8..22),
        rng.random_range(0..60),
        rng.random_range(0..60),
    );
    let filed = local
        .and_then(|t| Shanghai.from_local_datetime(&t).earliest())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or(now)
        .min(now - Duration::minutes(1));
    let region = RegionCode::parse(&unit.region).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let policy = policy_in_force(&ctx.policy, policies, &region, unit.industry, day).clone();
    let id = new_id();
    let mut d = new_dispute(ctx, &id, consumer, &unit.id, &unit.business, &policy, filed);
    let first_due = crate::store::from_db_time(d.first_contact_due_at);
    let settle_due = crate::store::from_db_time(d.settlement_due_at);
    let paid_yuan = rng.random_range(trade.paid.0..=trade.paid.1);
    let paid = paid_yuan * 100;
    let claimed = (paid as f64 * rng.random_range(0.3..1.5)) as i64;
    let claimed = claimed.clamp(100, paid * 10 + 100_000);
    let (kind, item) = trade.items[rng.random_range(0..trade.items.len())];
    let claim = Claim {
        dispute_id: id.clone(),
        category: if kind == "service" {
            "service_quality"
        } else {
            "product_quality"
        }
        .into(),
        item_kind: kind.into(),
        item_name: item.into(),
        vin: None,
        purchase_date: day - Duration::days(rng.random_range(0..60)),
        amount_paid_fen: paid,
        amount_claimed_fen: claimed,
        remedies: if rng.random_bool(0.7) {
            "refund"
        } else {
            "compensation,apology"
        }
        .into(),
        description: format!("{item}存在问题，与商家沟通未果，请求处理。"),
        contact_consent: true,
    };

    // The plan: what happens, when, and by whom; played below through the state machine.
    let due = (filed, first_due, settle_due);
    let (plan, amount) = plan(rng, unit.quality, due, claimed, &policy);

    let who = (consumer, unit.owner_id.as_str());
    let mut told = play(rng, &mut d, plan, who, (filed, settle_due, now), amount);
    rate(rng, &mut d, &mut told, consumer, now)?;
    let Told {
        facts,
        mut events,
        offers,
        settlement,
        escalation,
        last,
    } = told;
    d.status = facts.status.as_str().into();
    d.updated_at = to_db_time(last);
    // Counted by the same replay that `odr metrics rebuild` runs over a stored timeline.
    events.sort_by_key(|e| e.created_at);
    let timeline: Vec<_> = events
        .iter()
        .filter_map(|e| {
            entry_of(
                &e.kind,
                &e.actor_role,
                &e.from_status,
                &e.to_status,
                &e.detail,
                e.created_at,
            )
        })
        .collect();
    let replayed = replay(
        &History {
            filed_at: filed,
            filing_followed_up: true,
            first_contact_due_at: first_due,
            settlement_due_at: settle_due,
            agreement_fen: settlement.as_ref().map(|s| s.amount_fen),
            rating: d.rating,
            // The generated history has no return visits.
            visit_rating: None,
        },
        &timeline,
        &ctx.calendar,
    );
    d.handling_ended_at = replayed.handling_ended_at.map(to_db_time);
    let counted = replayed.counters;
    Ok(Story {
        unit: unit_index,
        status: facts.status,
        dispute: d,
        claim,
        events,
        offers,
        settlement,
        escalation,
        counted,
    })
}

fn event(
    dispute_id: &str,
    kind: TimelineKind,
    by: Option<&str>,
    actor: Actor,
    from: Status,
    to: Status,
    at: DateTime<Utc>,
) -> TimelineEvent {
    TimelineEvent {
        id: new_id(),
        dispute_id: dispute_id.into(),
        kind: kind.as_str().into(),
        actor_id: by.map(str::to_string),
        actor_role: actor.as_str().into(),
        from_status: from.as_str().into(),
        to_status: to.as_str().into(),
        detail: "{}".into(),
        created_at: to_db_time(at),
    }
}
