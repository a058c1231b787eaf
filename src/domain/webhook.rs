//! Webhooks for merchants (docs/webhooks.md): which dispute events an endpoint may choose,
//! which timeline entries raise them, which addresses an endpoint may have, and how long a
//! failed delivery waits before its next attempt.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::dispute::{Actor, Status, TimelineKind};
use super::text_enum::text_enum;

text_enum! {
    /// What a webhook tells an endpoint (docs/webhooks.md#events). The name is the
    /// payload's `type` and what an endpoint chooses.
    pub enum WebhookEvent ("webhook event") {
        /// A consumer filed a dispute with the business.
        Filed,
        /// A message on a dispute: the business's first contact or a later one, either side's.
        Message,
        /// An offer was made, withdrawn, rejected or expired.
        Offer,
        /// An offer was accepted: the dispute is settled, fulfilment follows.
        Accepted,
        /// A due date of the business comes near (the staff's reminder).
        DueSoon,
        /// The dispute went to the regulator (12315).
        Escalated,
        /// The dispute ended: resolved, withdrawn or rejected.
        Concluded,
        /// A regulator urged the business to handle the dispute (催办, docs/following.md).
        Urged,
        /// A test the owner sends from the portal or the API; never chosen, always sent.
        Ping,
    }
}

text_enum! {
    /// Where a delivery stands.
    pub enum DeliveryStatus ("webhook delivery status") {
        /// Waiting for its (next) attempt.
        Pending,
        /// The endpoint answered 2xx.
        Delivered,
        /// Given up after failing until `webhooks.give_up_hours` after its event; it may be
        /// sent again.
        Failed,
    }
}

text_enum! {
    /// Why an attempt failed: the first word of its stored error (`<kind>: <detail>`).
    pub enum FailureKind ("webhook failure") {
        /// No answer within `webhooks.timeout_ms`.
        Timeout,
        /// No connection (name unknown or private, refused, TLS failed).
        Unreachable,
        /// The endpoint's URL is not allowed (any more).
        RefusedUrl,
        /// The signing secret could not be read.
        NoSecret,
        /// The endpoint answered with a redirect, which is not followed.
        Redirect,
        /// The endpoint answered with another status than 2xx.
        Answered,
    }
}

impl FailureKind {
    /// The stored error: the kind, a colon and the detail.
    pub fn error(self, detail: &str) -> String {
        format!("{}: {detail}", self.as_str())
    }

    /// The kind and detail of a stored error (`None` for text not written by [`Self::error`]).
    pub fn split(error: &str) -> Option<(Self, &str)> {
        let (kind, detail) = error.split_once(": ")?;
        Some((Self::parse(kind)?, detail))
    }
}

impl WebhookEvent {
    /// The events an endpoint may choose (all but [`Self::Ping`]).
    pub fn choosable() -> impl Iterator<Item = Self> {
        Self::ALL.iter().copied().filter(|e| *e != Self::Ping)
    }

    /// The events a timeline entry of `kind` raises, moving the dispute from `from` to `to`:
    /// its own (a filing, a message, an offer, an acceptance) and that of the status it
    /// reaches, when it escalates or concludes the dispute.
    pub fn raised_by(kind: TimelineKind, from: Option<Status>, to: Option<Status>) -> Vec<Self> {
        let mut raised = Vec::new();
        match kind {
            TimelineKind::Filed => raised.push(Self::Filed),
            TimelineKind::FirstContact | TimelineKind::Message => raised.push(Self::Message),
            TimelineKind::OfferMade
            | TimelineKind::OfferWithdrawn
            | TimelineKind::OfferRejected
            | TimelineKind::OfferExpired => raised.push(Self::Offer),
            TimelineKind::OfferAccepted => raised.push(Self::Accepted),
            TimelineKind::Urged => raised.push(Self::Urged),
            _ => {}
        }
        if let Some(to) = to
            && from != Some(to)
            && to.is_terminal()
        {
            raised.push(if to == Status::Escalated {
                Self::Escalated
            } else {
                Self::Concluded
            });
        }
        raised
    }
}

/// What a webhook POSTs (docs/webhooks.md#payload), signed as sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WebhookPayload {
    /// The event's id: the same on every attempt and when the event is sent again, so a
    /// receiver drops what it already has.
    pub id: String,
    #[serde(rename = "type")]
    pub event_type: WebhookEvent,
    /// When the event happened.
    pub created_at: DateTime<Utc>,
    pub business_id: String,
    pub data: WebhookData,
}

/// What the event is about. The dispute's details, its messages and the consumer's contact are
/// read through the API (`GET /api/v1/disputes/{dispute_id}`); a webhook carries no free text
/// and no personal data.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WebhookData {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dispute_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_number: Option<String>,
    /// The timeline entry that raised the event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeline_kind: Option<TimelineKind>,
    /// Who acted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor_role: Option<Actor>,
    /// The dispute's status after the event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    /// The dispute's status before the event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_status: Option<Status>,
    /// Ids, amounts in fen, remedies and due moments of the event ([`DETAIL_KEYS`]); for
    /// `due_soon`: `deadline`, `due_at` and `working_days_before`.
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    #[schema(value_type = Object)]
    pub detail: serde_json::Map<String, serde_json::Value>,
    /// The endpoint a `ping` tests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint_id: Option<String>,
}

/// The keys of a timeline entry's detail a webhook carries: ids, amounts, remedies and due
/// moments; never free text (notes, reasons, comments), which stays behind the API.
pub const DETAIL_KEYS: &[&str] = &[
    "offer_id",
    "remedy",
    "amount_fen",
    "expires_at",
    "fulfilment_due_at",
    "message_id",
    "settlement_due_at",
    "first_contact_due_at",
    "working_days",
    "rating",
    "deadline",
    "due_at",
];

/// Why an endpoint's address is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum UrlProblem {
    #[error("is not an absolute http(s) URL")]
    NotAUrl,
    #[error("must use https")]
    NotHttps,
    #[error("must not carry a user name or password")]
    Credentials,
    #[error("must not point at a private, loopback or reserved address")]
    PrivateAddress,
    #[error("is longer than 2,000 characters")]
    TooLong,
}

/// Checks an endpoint's address: an absolute `https` URL without credentials or fragment
/// whose host is not `localhost` nor a private, loopback or reserved address. With
/// `allow_insecure` (development and tests, refused in production), `http` and such hosts
/// pass too. A host name's addresses are checked again at each delivery.
pub fn check_url(text: &str, allow_insecure: bool) -> Result<url::Url, UrlProblem> {
    if text.len() > 2000 {
        return Err(UrlProblem::TooLong);
    }
    let text = text.trim();
    let url = url::Url::parse(text).map_err(|_| UrlProblem::NotAUrl)?;
    // The parser fills in a host missing after `//` (`https:///x` reads as `https://x/`).
    if text
        .split_once("://")
        .is_none_or(|(_, rest)| rest.is_empty() || rest.starts_with('/'))
    {
        return Err(UrlProblem::NotAUrl);
    }
    match url.scheme() {
        "https" => {}
        "http" if allow_insecure => {}
        "http" => return Err(UrlProblem::NotHttps),
        _ => return Err(UrlProblem::NotAUrl),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(UrlProblem::Credentials);
    }
    if url.fragment().is_some() {
        return Err(UrlProblem::NotAUrl);
    }
    let public = match url.host() {
        None => return Err(UrlProblem::NotAUrl),
        Some(url::Host::Ipv4(ip)) => is_public(IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => is_public(IpAddr::V6(ip)),
        Some(url::Host::Domain(name)) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            name != "localhost" && !name.ends_with(".localhost")
        }
    };
    if !public && !allow_insecure {
        return Err(UrlProblem::PrivateAddress);
    }
    Ok(url)
}

/// Whether `ip` is an address of the public internet: not private, loopback, link-local,
/// shared (carrier-grade NAT), documentation, benchmarking, multicast or otherwise reserved.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(ip) => is_public_v4(ip),
        IpAddr::V6(ip) => match ip.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(ip),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_multicast()
        || a == 0
        // 100.64.0.0/10, shared address space
        || (a == 100 && (64..128).contains(&b))
        // 192.0.0.0/24, protocol assignments
        || (a == 192 && b == 0 && c == 0)
        // 198.18.0.0/15, benchmarking
        || (a == 198 && (18..20).contains(&b))
        // 240.0.0.0/4, reserved
        || a >= 240)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || ip.is_unique_local()
        || ip.is_unicast_link_local()
        // 2001:db8::/32, documentation
        || (first == 0x2001 && ip.segments()[1] == 0x0db8)
        // 64:ff9b::/96 and 64:ff9b:1::/48 translation, and the discard prefix 100::/64
        || first == 0x0064
        || first == 0x0100
        // 6to4 (2002::/16) and the old site-local fec0::/10 lead inside networks as well
        || first == 0x2002
        || (first & 0xffc0) == 0xfec0
        // ::a.b.c.d, the IPv4-compatible form
        || ip.segments()[..6].iter().all(|s| *s == 0))
}

/// How long a delivery waits after its `failures`-th failed attempt: `base` doubled per
/// failure, at most `cap` (the worker adds up to a fifth more at random, so endpoints that
/// failed together are not all tried again at once).
pub fn retry_after(failures: i64, base: Duration, cap: Duration) -> Duration {
    let doublings = u32::try_from(failures.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
    let factor = 1_i64 << doublings;
    let wait = base.num_seconds().saturating_mul(factor);
    Duration::seconds(wait.min(cap.num_seconds()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeline_entries_raise_their_events_and_the_status_they_reach() {
        use Status::*;
        let raised = WebhookEvent::raised_by;
        assert_eq!(
            raised(TimelineKind::Filed, None, Some(Filed)),
            [WebhookEvent::Filed]
        );
        assert_eq!(
            raised(TimelineKind::FirstContact, Some(Filed), Some(Negotiating)),
            [WebhookEvent::Message]
        );
        assert_eq!(
            raised(
                TimelineKind::OfferAccepted,
                Some(Negotiating),
                Some(Settled)
            ),
            [WebhookEvent::Accepted]
        );
        assert_eq!(
            raised(
                TimelineKind::FulfilmentConfirmed,
                Some(Settled),
                Some(Resolved)
            ),
            [WebhookEvent::Concluded]
        );
        assert_eq!(
            raised(
                TimelineKind::SettlementLapsed,
                Some(Negotiating),
                Some(Escalated)
            ),
            [WebhookEvent::Escalated]
        );
        assert_eq!(
            raised(TimelineKind::Withdrawn, Some(Negotiating), Some(Withdrawn)),
            [WebhookEvent::Concluded]
        );
        // Nothing moves, nothing said: no webhook.
        assert!(raised(TimelineKind::Rated, Some(Resolved), Some(Resolved)).is_empty());
        assert!(raised(TimelineKind::EvidenceAdded, Some(Filed), Some(Filed)).is_empty());
        assert!(!WebhookEvent::choosable().any(|e| e == WebhookEvent::Ping));
    }

    #[test]
    fn only_public_https_addresses_pass_in_production() {
        let strict = |u: &str| check_url(u, false);
        assert!(strict("https://dms.example.cn/odr/hooks?x=1").is_ok());
        assert!(strict("https://203.0.113.9.nip.io/h").is_ok());
        assert_eq!(strict("http://dms.example.cn/h"), Err(UrlProblem::NotHttps));
        assert_eq!(strict("ftp://dms.example.cn/h"), Err(UrlProblem::NotAUrl));
        assert_eq!(strict("dms.example.cn/h"), Err(UrlProblem::NotAUrl));
        assert_eq!(strict("https:///h"), Err(UrlProblem::NotAUrl));
        assert_eq!(strict("https:/h.example.cn"), Err(UrlProblem::NotAUrl));
        assert_eq!(
            strict("https://u:p@dms.example.cn/h"),
            Err(UrlProblem::Credentials)
        );
        for private in [
            "https://localhost/h",
            "https://api.localhost/h",
            "https://127.0.0.1/h",
            "https://10.1.2.3/h",
            "https://172.20.0.1/h",
            "https://192.168.1.10/h",
            "https://169.254.169.254/latest/meta-data",
            "https://100.100.100.200/h",
            "https://0.0.0.0/h",
            "https://[::1]/h",
            "https://[fd00::1]/h",
            "https://[fe80::1]/h",
            "https://[::ffff:10.0.0.1]/h",
        ] {
            assert_eq!(
                strict(private),
                Err(UrlProblem::PrivateAddress),
                "{private}"
            );
        }
        assert!(check_url("http://127.0.0.1:8080/h", true).is_ok());
        assert_eq!(
            check_url(&format!("https://a.cn/{}", "x".repeat(2000)), false),
            Err(UrlProblem::TooLong)
        );
    }

    #[test]
    fn public_addresses_are_told_from_the_others() {
        assert!(is_public("114.114.114.114".parse().unwrap()));
        assert!(is_public("2400:3200::1".parse().unwrap()));
        assert!(!is_public("198.18.0.1".parse().unwrap()));
        assert!(!is_public("192.0.0.8".parse().unwrap()));
        assert!(!is_public("255.255.255.255".parse().unwrap()));
        assert!(!is_public("2001:db8::1".parse().unwrap()));
        for inside in ["::10.0.0.1", "::8.8.8.8", "2002:a00:1::1", "fec0::1"] {
            assert!(!is_public(inside.parse().unwrap()), "{inside}");
        }
    }

    #[test]
    fn retries_back_off_doubling_up_to_the_cap() {
        let base = Duration::seconds(30);
        let cap = Duration::hours(1);
        let waits: Vec<i64> = (1..=9)
            .map(|n| retry_after(n, base, cap).num_seconds())
            .collect();
        assert_eq!(waits, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
        assert_eq!(retry_after(400, base, cap), cap);
    }
}
