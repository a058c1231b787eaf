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
    AttemptOutcome, Delivery, Endpoint, due_endpoints, lease_endpoint, pending_of, record_attempt,
    release_endpoint, renew_lease,
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
/// How many endpoints one worker sends to at the same time.
const AT_ONCE: usize = 4;
/// How much of a refusing endpoint's answer is read and kept.
const ANSWER_BYTES: usize = 1024;

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
            // A proxy would resolve the endpoint's name itself, past the public-address check.
            .no_proxy()
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
    /// worker holds, [`AT_ONCE`] endpoints at a time, as `worker`, until `stop` turns true
    /// (checked before each delivery); how many attempts were made. One endpoint's failure to
    /// reach the database is logged and the others go on.
    pub async fn deliver_due(
        &self,
        db: &Db,
        clock: &SharedClock,
        worker: &str,
        stop: Option<&tokio::sync::watch::Receiver<bool>>,
    ) -> Result<usize, StoreError> {
        use futures_util::StreamExt;
        let now = clock.now();
        let endpoints = db
            .run_leaving_kept(move |conn| due_endpoints(conn, now, ENDPOINTS_PER_PASS))
            .await?;
        let attempts = std::sync::atomic::AtomicUsize::new(0);
        futures_util::stream::iter(endpoints)
            .for_each_concurrent(AT_ONCE, |id| {
                let attempts = &attempts;
                async move {
                    match self.take_turn(db, clock, worker, &id, stop).await {
                        Ok(n) => {
                            attempts.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
                        }
                        Err(error) => {
                            tracing::warn!(webhook.endpoint = %id, %error, "webhook turn failed");
                        }
                    }
                }
            })
            .await;
        Ok(attempts.into_inner())
    }

    /// The lease a turn holds on its endpoint: renewed before each delivery.
    fn lease(&self) -> Duration {
        Duration::milliseconds(i64::try_from(self.settings.timeout_ms).unwrap_or(i64::MAX / 2))
            + Duration::seconds(60)
    }

    /// Takes endpoint `id` under `worker`'s lease, sends its due deliveries, gives it back.
    async fn take_turn(
        &self,
        db: &Db,
        clock: &SharedClock,
        worker: &str,
        id: &str,
        stop: Option<&tokio::sync::watch::Receiver<bool>>,
    ) -> Result<usize, StoreError> {
        let (key, me, now, lease) = (
            id.to_string(),
            worker.to_string(),
            clock.now(),
            self.lease(),
        );
        let taken = db
            .run_leaving_kept(move |conn| lease_endpoint(conn, &key, &me, now, now + lease))
            .await?;
        if !taken {
            return Ok(0);
        }
        let turn = self.turn(db, clock, worker, id, stop).await;
        let (key, me) = (id.to_string(), worker.to_string());
        db.run_leaving_kept(move |conn| release_endpoint(conn, &key, &me))
            .await?;
        turn
    }

    /// Sends endpoint `id`'s due deliveries in order until one fails and waits for its retry:
    /// before each, the lease is renewed and the endpoint read again (a lost lease, a pause or
    /// a deletion ends the turn; a new address or secret is used at once).
    async fn turn(
        &self,
        db: &Db,
        clock: &SharedClock,
        worker: &str,
        id: &str,
        stop: Option<&tokio::sync::watch::Receiver<bool>>,
    ) -> Result<usize, StoreError> {
        let key = id.to_string();
        let pending = db
            .run_leaving_kept(move |conn| pending_of(conn, &key, TURN))
            .await?;
        let mut attempts = 0;
        for delivery in pending {
            if stop.is_some_and(|stop| *stop.borrow()) {
                break;
            }
            let now = clock.now();
            if from_db_time(delivery.next_attempt_at) > now {
                break;
            }
            let (key, me, until) = (id.to_string(), worker.to_string(), now + self.lease());
            let Some(endpoint) = db
                .run_leaving_kept(move |conn| renew_lease(conn, &key, &me, until))
                .await?
            else {
                break;
            };
            let sent = self.post(&endpoint, &delivery, now).await;
            let outcome = self.outcome(&delivery, sent, clock.now());
            let held_back = outcome.retry_at.is_some();
            if let Some(error) = &outcome.error {
                tracing::info!(webhook.endpoint = %endpoint.id, webhook.delivery = %delivery.id,
                    %error, retry_at = ?outcome.retry_at, "webhook delivery failed");
            }
            let recorded = db
                .run_leaving_kept(move |conn| record_attempt(conn, &delivery, &outcome))
                .await?;
            attempts += 1;
            if held_back || !recorded {
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
                let body = bounded_text(response, ANSWER_BYTES).await;
                let (kind, said) = if status.is_redirection() {
                    (
                        FailureKind::Redirect,
                        "redirects are not followed".to_string(),
                    )
                } else {
                    (FailureKind::Answered, body.trim().to_string())
                };
                failed(kind, format!("status {}: {said}", status.as_u16()), code)
            }
        }
    }
}

/// The start of `response`'s body as text, reading at most `limit` bytes of it (an endpoint
/// answering with a large body costs no more), cut to 300 characters.
async fn bounded_text(mut response: reqwest::Response, limit: usize) -> String {
    let mut bytes = Vec::new();
    while bytes.len() < limit {
        match response.chunk().await {
            Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
            _ => break,
        }
    }
    bytes.truncate(limit);
    String::from_utf8_lossy(&bytes).chars().take(300).collect()
}

/// The innermost cause of a transport error (e.g. "connection refused").
fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = error;
    while let Some(inner) = cause.source() {
        cause = inner;
    }
    cause.to_string()
}
