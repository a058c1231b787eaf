//! The escalation packet (docs/escalation.md): the whole case file handed to 12315, built in the same
//! transaction as the escalation and stored with it, so every delivery attempt sends the same
//! bytes. Its JSON Schema is published as `openapi/escalation-packet.v2.schema.json`.

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::CaseContext;
use super::view::{
    AgreementDto, ClaimDto, DeadlinesDto, MessageDto, OfferDto, TimelineDto, view_of,
};
use crate::domain::dispute::Actor;
use crate::domain::region::RegionCode;
use crate::oversight::{FiguresDto, PeriodDto, last_twelve_months, measure};
use crate::store::case_file::CaseParts;
use crate::store::disputes::{Dispute, DisputeWithParties};
use crate::store::metrics::MetricScope;
use crate::store::reference::{Industry, Region, find_industry, find_region};
use crate::store::{DbConn, StoreError};

/// The schema identifier every packet of this version carries.
pub const PACKET_SCHEMA: &str = "odr.escalation-packet.v2";

/// The case file of one escalated dispute.
#[derive(Debug, Serialize, ToSchema)]
pub struct EscalationPacket {
    /// Always `odr.escalation-packet.v2`; a later, incompatible packet changes the version
    /// (v2: the metrics are the platform's figures of docs/metrics.md).
    pub schema: String,
    pub escalation: PacketEscalation,
    pub dispute: PacketDispute,
    pub consumer: PacketConsumer,
    pub unit: PacketUnit,
    pub claim: ClaimDto,
    /// The due-date computation, each due date with the days skipped and why.
    pub deadlines: DeadlinesDto,
    pub timeline: Vec<TimelineDto>,
    pub messages: Vec<MessageDto>,
    pub offers: Vec<OfferDto>,
    pub agreement: Option<AgreementDto>,
    pub evidence: Vec<PacketEvidence>,
    pub metrics: PacketMetrics,
}

/// Why and how the dispute was escalated.
#[derive(Debug, Serialize, ToSchema)]
pub struct PacketEscalation {
    /// Also the `Idempotency-Key` of every delivery.
    pub id: String,
    pub reason: String,
    /// consumer, merchant or system.
    pub initiated_by: String,
    pub escalated_at: DateTime<Utc>,
    pub connector: String,
}

/// The dispute's identity and milestones.
#[derive(Debug, Serialize, ToSchema)]
pub struct PacketDispute {
    pub id: String,
    pub case_number: String,
    pub status: String,
    pub filed_at: DateTime<Utc>,
    pub first_contacted_at: Option<DateTime<Utc>>,
    pub fulfilled_at: Option<DateTime<Utc>>,
    pub concluded_at: Option<DateTime<Utc>>,
}

/// The consumer; phone and email only when the consumer consented at filing.
#[derive(Debug, Serialize, ToSchema)]
pub struct PacketConsumer {
    pub id: String,
    pub display_name: String,
    pub contact_consent: bool,
    /// Whole with consent, masked (`138****5678`) without.
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// The ODR unit the dispute is against.
#[derive(Debug, Serialize, ToSchema)]
pub struct PacketUnit {
    pub unit_id: String,
    pub business_id: String,
    /// 统一社会信用代码.
    pub uscc: String,
    pub name: String,
    pub industry_code: String,
    pub industry_name: String,
    pub region_code: String,
    pub region_name: String,
    pub complaint_phone: String,
}

/// An evidence file with a signed download link (no login needed until it expires).
#[derive(Debug, Serialize, ToSchema)]
pub struct PacketEvidence {
    pub id: String,
    pub party: String,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub uploaded_at: DateTime<Utc>,
    pub download_url: String,
    pub download_expires_at: DateTime<Utc>,
}

/// The unit's figures over the 12 months up to the day before the escalation (whole days),
/// with its region's and its industry's beside them: the same figures, by the same definitions
/// (docs/metrics.md), as the metrics API gives for that period. Every packet of a day carries
/// the same region and industry figures, read as of the day's start at about the same cost however
/// many disputes lapse at once (docs/escalation.md).
#[derive(Debug, Serialize, ToSchema)]
pub struct PacketMetrics {
    pub period: PeriodDto,
    pub unit: FiguresDto,
    /// The unit's region (with its sub-regions).
    pub region: FiguresDto,
    /// The unit's industry, nationwide.
    pub industry: FiguresDto,
}

/// What `memo` holds for `key`, read once.
fn remembered<T: Clone>(
    memo: &mut HashMap<String, T>,
    key: &str,
    read: impl FnOnce() -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    if let Some(value) = memo.get(key) {
        return Ok(value.clone());
    }
    let value = read()?;
    memo.insert(key.to_string(), value.clone());
    Ok(value)
}

/// What the packets of one transaction have read and share: the figures by scope and period,
/// and the industries and regions by code. A period ending at midnight does not depend on the
/// moment it is read at ([`measure`]) as long as the disputes and the counters agree (before a
/// batch of escalations writes anything, or once it has written its counters), so every
/// packet of the batch reads the same figures for the same scope: the sweep measures each once
/// per batch (docs/escalation.md#packet), and names each industry and region once.
#[derive(Debug, Default)]
pub struct PacketMemo {
    figures: HashMap<(MetricScope, NaiveDate, NaiveDate), FiguresDto>,
    industries: HashMap<String, Option<Industry>>,
    regions: HashMap<String, Option<Region>>,
}

impl PacketMemo {
    fn industry(&mut self, conn: &mut DbConn, code: &str) -> Result<Option<Industry>, StoreError> {
        remembered(&mut self.industries, code, || find_industry(conn, code))
    }

    fn region(&mut self, conn: &mut DbConn, code: &str) -> Result<Option<Region>, StoreError> {
        remembered(&mut self.regions, code, || find_region(conn, code))
    }

    fn measure(
        &mut self,
        conn: &mut DbConn,
        scope: MetricScope,
        period: PeriodDto,
        now: DateTime<Utc>,
    ) -> Result<FiguresDto, StoreError> {
        let key = (scope, period.from, period.to);
        if let Some(figures) = self.figures.get(&key) {
            return Ok(figures.clone());
        }
        let figures = measure(conn, &key.0, period, now)?;
        self.figures.insert(key, figures.clone());
        Ok(figures)
    }
}

fn metrics(
    conn: &mut DbConn,
    memo: &mut PacketMemo,
    d: &Dispute,
    now: DateTime<Utc>,
) -> Result<PacketMetrics, StoreError> {
    let today = now.with_timezone(&chrono_tz::Asia::Shanghai).date_naive();
    // Ended at midnight, the period is read from counters, rollups and the few disputes overdue
    // before midnight still open (the caller wrote this escalation's counters first, or measured
    // before saving it: [`PacketMemo::measure_for`]): counting the disputes still open and
    // overdue "now" would grow with every one escalated beside it.
    let period = last_twelve_months(today.pred_opt().unwrap_or(today));
    let region = RegionCode::parse(&d.region_code)
        .map_err(|e| StoreError::Corrupt(e.to_string()))?
        .prefix()
        .to_string();
    Ok(PacketMetrics {
        period,
        unit: memo.measure(conn, MetricScope::Unit(d.unit_id.clone()), period, now)?,
        region: memo.measure(conn, MetricScope::Region(region), period, now)?,
        industry: memo.measure(
            conn,
            MetricScope::Industry(d.industry_code.clone(), None),
            period,
            now,
        )?,
    })
}

impl PacketMemo {
    /// Measures now the figures the packet of `dispute`, escalated at `now`, will carry: a sweep
    /// batch does so for its escalations before it writes anything, when the disputes and the
    /// counters still agree as of midnight, so that its counters need not be written before
    /// its packets and are written last, just before it commits.
    pub fn measure_for(
        &mut self,
        conn: &mut DbConn,
        dispute: &Dispute,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        metrics(conn, self, dispute, now).map(drop)
    }
}

/// What an escalation is, before its packet exists.
#[derive(Debug, Clone)]
pub struct EscalationHead<'a> {
    pub id: &'a str,
    pub reason: &'a str,
    pub initiated_by: &'a str,
    pub connector: &'a str,
}

/// Builds the packet of a dispute already saved as escalated, read with its parties (`found`)
/// and its case file (`parts`), as of `now`, with the figures `memo` holds for its transaction.
pub fn build_packet(
    conn: &mut DbConn,
    ctx: &CaseContext,
    memo: &mut PacketMemo,
    (found, parts): (DisputeWithParties, CaseParts),
    head: &EscalationHead<'_>,
    now: DateTime<Utc>,
) -> Result<EscalationPacket, StoreError> {
    let dispute = &found.0;
    let industry = memo.industry(conn, &dispute.industry_code)?;
    let region = memo.region(conn, &dispute.region_code)?;
    let metrics = metrics(conn, memo, dispute, now)?;
    let (industry_code, region_code) = (dispute.industry_code.clone(), dispute.region_code.clone());
    // The consumer's own view carries the whole contact; it is kept only with consent.
    let masked_phone = found.2.phone_masked.clone();
    let view = view_of(&ctx.calendar, &ctx.pii, found, parts, Actor::Consumer, now)?;
    let consent = view.claim.contact_consent;
    let link_until = now + Duration::days(ctx.escalation.evidence_link_days);
    let evidence = view
        .evidence
        .into_iter()
        .map(|e| {
            let token = ctx
                .tokens
                .issue_evidence_link(&e.id, now, link_until)
                .map_err(|e| StoreError::Corrupt(format!("evidence link: {e}")))?;
            Ok(PacketEvidence {
                download_url: crate::config::public_link(
                    &ctx.public_url,
                    &format!("/api/v1/evidence/{}?token={token}", e.id),
                ),
                download_expires_at: link_until,
                id: e.id,
                party: e.party.as_str().into(),
                file_name: e.file_name,
                content_type: e.content_type,
                size_bytes: e.size_bytes,
                sha256: e.sha256,
                uploaded_at: e.uploaded_at,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    Ok(EscalationPacket {
        schema: PACKET_SCHEMA.into(),
        escalation: PacketEscalation {
            id: head.id.into(),
            reason: head.reason.into(),
            initiated_by: head.initiated_by.into(),
            escalated_at: now,
            connector: head.connector.into(),
        },
        dispute: PacketDispute {
            id: view.id,
            case_number: view.case_number,
            status: view.status.as_str().into(),
            filed_at: view.filed_at,
            first_contacted_at: view.first_contacted_at,
            fulfilled_at: view.fulfilled_at,
            concluded_at: view.concluded_at,
        },
        consumer: PacketConsumer {
            id: view.consumer.id,
            display_name: view.consumer.display_name,
            contact_consent: consent,
            phone: if consent {
                view.consumer.phone
            } else {
                masked_phone
            },
            email: view.consumer.email.filter(|_| consent),
        },
        unit: PacketUnit {
            unit_id: view.business.unit_id,
            business_id: view.business.id,
            uscc: view.business.uscc,
            name: view.business.name,
            industry_code,
            industry_name: industry.map(|i| i.name_zh).unwrap_or_default(),
            region_code,
            region_name: region.map(|r| r.name_zh).unwrap_or_default(),
            complaint_phone: view.business.complaint_phone,
        },
        claim: view.claim,
        deadlines: view.deadlines,
        timeline: view.timeline,
        messages: view.messages,
        offers: view.offers,
        agreement: view.agreement,
        evidence,
        metrics,
    })
}
