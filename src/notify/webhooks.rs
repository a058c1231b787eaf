//! Sends merchants' webhooks (docs/webhooks.md): each endpoint's due deliveries, under the
//! endpoint's lease, one after another in the order they were made; each POST signed with the
//! endpoint's secret (`super::signature`), redirects not followed, and (unless
//! `webhooks.allow_insecure`) host names resolved to public addresses only. A delivery that
//! fails holds back the endpoint's later ones until it is delivered or given up, so a receiver
//! sees events in order.

use std::net::SocketAddr;
use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Duration, Utc};
use rand::RngExt;

use super::signature::{SIGNATURE_HEADER, TIMESTAMP_HEADER, sign};
use crate::clock::SharedClock;
use crate::config::WebhookSettings;
use crate::domain::webhook::{FailureKind, check_url, is_public, retry_after};
use crate::security::pii::PiiCipher;
use crate::store::webhooks::{
    AttemptOutcome, Delivery, Endpoint, due_endpoints, find_endpoint, lease_endpoint, pending_of,
    record_attempt, release_endpoint,
};
use crate::store::{Db, StoreError, from_db_time};

/// The header naming the event's type.
pub const EVENT_HEADER: &str = "X-ODR-Event";
/// The header carrying the delivery's id (a re-sent event keeps its `id`, not this).
pub const DELIVERY_HEADER: &str = "X-ODR-Delivery";

/// How many deliveries of one endpoint a worker sends in one turn under one lease.
const TURN: i64 = 20;
/// How many endpoints one pass takes on.
const ENDPOINTS_PER_PASS: i64 = 20;

/// Resolves host names to their public addresses only, so an endpoint cannot reach the
/// platform's own network by a name that points there (checked at every connection, so a name
/// changed after registration is caught too).
struct PublicOnly;

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_string();
        Box::pin(async move {
            let public: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|address| is_public(address.ip()))
                .collect();
            if public.is_empty() {
                return Err(format!("{host} has no public address").into());
            }
            Ok(Box::new(public.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// What sending webhooks needs.
#[derive(Clone, Debug)]
pub struct WebhookSender {
    client: reqwest::Client,
    settings: WebhookSettings,
    pii: PiiCipher,
}

/// What one POST came to.
struct Sent {
    status_code: Option<i64>,
    error: Option<String>,
    duration_ms: i64,
}

impl WebhookSender {
    /// A sender with its own HTTP client (`webhooks.timeout_ms`, no redirects, public
    /// addresses only unless `webhooks.allow_insecure`).
    pub fn new(settings: WebhookSettings, pii: PiiCipher) -> Self {
        let mut builder = reqwest::Client::builder()
            .timeout(StdDuration::from_millis(settings.timeout_ms))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("odr-webhooks/", env!("CARGO_PKG_VERSION")));
        if !settings.allow_insecure {
            builder = builder.dns_resolver(PublicOnly);
        }
        let client = builder.build().unwrap_or_else(|error| {
            tracing::warn!(%error, "webhook client settings refused; using the defaults");
            reqwest::Client::new()
        });
        Self {
            client,
            settings,
            pii,
        }
    }

    /// The settings it sends with.
    pub fn settings(&self) -> &WebhookSettings {
        &self.settings
    }

    /// Sends what is due at `clock`'s time for up to [`ENDPOINTS_PER_PASS`] endpoints no other
    /// worker holds, as `worker`; how many attempts were made.
    pub async fn deliver_due(
        &self,
        db: &Db,
        clock: &SharedClock,
        worker: &str,
    ) -> Result<usize, StoreError> {
        let now = clock.now();
        let endpoints = db
            .run(move |conn| due_endpoints(conn, now, ENDPOINTS_PER_PASS))
            .await?;
        let lease = Duration::milliseconds(
            i64::try_from(self.settings.timeout_ms).unwrap_or(i64::MAX / TURN) * TURN,
        ) + Duration::seconds(60);
        let mut attempts = 0;
        for id in endpoints {
            let (key, me) = (id.clone(), worker.to_string());
            let now = clock.now();
            let taken = db
                .run(move |conn| lease_endpoint(conn, &key, &me, now, now + lease))
                .await?;
            if !taken {
                continue;
            }
            let turn = self.turn(db, clock, &id).await;
            let me = worker.to_string();
            db.run(move |conn| release_endpoint(conn, &id, &me)).await?;
            attempts += turn?;
        }
        Ok(attempts)
    }

    /// Sends endpoint `id`'s due deliveries in order until one fails and waits for its retry.
    async fn turn(&self, db: &Db, clock: &SharedClock, id: &str) -> Result<usize, StoreError> {
        let key = id.to_string();
        let Some(endpoint) = db.run(move |conn| find_endpoint(conn, &key)).await? else {
            return Ok(0);
        };
        let key = id.to_string();
        let pending = db.run(move |conn| pending_of(conn, &key, TURN)).await?;
        let mut attempts = 0;
        for delivery in pending {
            let now = clock.now();
            if from_db_time(delivery.next_attempt_at) > now {
                break;
            }
            let sent = self.post(&endpoint, &delivery, now).await;
            let outcome = self.outcome(&delivery, sent, now);
            let held_back = outcome.retry_at.is_some();
            if let Some(error) = &outcome.error {
                tracing::info!(webhook.endpoint = %endpoint.id, webhook.delivery = %delivery.id,
                    %error, retry_at = ?outcome.retry_at, "webhook delivery failed");
            }
            db.run(move |conn| record_attempt(conn, &delivery, &outcome))
                .await?;
            attempts += 1;
            if held_back {
                break;
            }
        }
        Ok(attempts)
    }

    /// What `sent` means for `delivery`: delivered, tried again later (after the backoff, with
    /// up to a fifth more at random) or, from `webhooks.give_up_hours` after its event, failed.
    fn outcome(&self, delivery: &Delivery, sent: Sent, now: DateTime<Utc>) -> AttemptOutcome {
        let retry_at = sent.error.as_ref().and_then(|_| {
            let give_up_at =
                from_db_time(delivery.created_at) + Duration::hours(self.settings.give_up_hours);
            let wait = retry_after(
                delivery.attempts + 1,
                Duration::seconds(self.settings.retry_base_secs),
                Duration::seconds(self.settings.retry_cap_secs),
            );
            let jitter = rand::rng().random_range(0..=wait.num_milliseconds() / 5);
            let retry = now + wait + Duration::milliseconds(jitter);
            (now < give_up_at).then_some(retry)
        });
        AttemptOutcome {
            at: now,
            status_code: sent.status_code,
            error: sent.error,
            duration_ms: sent.duration_ms,
            retry_at,
        }
    }

    /// POSTs `delivery`'s payload to `endpoint`, signed at `now`.
    async fn post(&self, endpoint: &Endpoint, delivery: &Delivery, now: DateTime<Utc>) -> Sent {
        let started = Instant::now();
        let failed = |kind: FailureKind, detail: String, status_code: Option<i64>| Sent {
            status_code,
            error: Some(kind.error(&detail)),
            duration_ms: i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX),
        };
        if let Err(problem) = check_url(&endpoint.url, self.settings.allow_insecure) {
            return failed(
                FailureKind::RefusedUrl,
                format!("the endpoint's URL {problem}"),
                None,
            );
        }
        let Ok(secret) = self.pii.decrypt(&endpoint.secret) else {
            return failed(
                FailureKind::NoSecret,
                "the endpoint's signing secret cannot be read".into(),
                None,
            );
        };
        let timestamp = now.timestamp().to_string();
        let signature = sign(&secret, &timestamp, delivery.payload.as_bytes());
        let response = self
            .client
            .post(&endpoint.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(EVENT_HEADER, &delivery.event_type)
            .header(DELIVERY_HEADER, &delivery.id)
            .header(TIMESTAMP_HEADER, &timestamp)
            .header(SIGNATURE_HEADER, signature)
            .body(delivery.payload.clone())
            .send()
            .await;
        match response {
            Err(error) if error.is_timeout() => failed(
                FailureKind::Timeout,
                format!("no answer within {} ms", self.settings.timeout_ms),
                None,
            ),
            Err(error) => failed(
                FailureKind::Unreachable,
                format!("cannot connect: {}", root_cause(&error)),
                None,
            ),
            Ok(response) => {
                let status = response.status();
                let code = Some(i64::from(status.as_u16()));
                if status.is_success() {
                    return Sent {
                        status_code: code,
                        error: None,
                        duration_ms: i64::try_from(started.elapsed().as_millis())
                            .unwrap_or(i64::MAX),
                    };
                }
                let body: String = response
                    .text()
                    .await
                    .unwrap_or_default()
                    .chars()
                    .take(300)
                    .collect();
                let (kind, said) = if status.is_redirection() {
                    (
                        FailureKind::Redirect,
                        "redirects are not followed".to_string(),
                    )
                } else {
                    (FailureKind::Answered, body.trim().to_string())
                };
                failed(kind, format!("answered {}: {said}", status.as_u16()), code)
            }
        }
    }
}

/// The innermost cause of a transport error (e.g. "connection refused").
fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = error;
    while let Some(inner) = cause.source() {
        cause = inner;
    }
    cause.to_string()
}
