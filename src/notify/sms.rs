//! Text messages (docs/sms.md). [`SmsOutbox`] makes the message of an event for one account
//! (its approved template in the account's language, filled in), which the use case queues in
//! the event's transaction; [`SmsSender`] is the worker's side: it takes the due messages,
//! keeps each number within its hourly and daily limits, and sends through the provider,
//! trying a failure again with backoff. A message that fails never holds up its dispute.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Asia::Shanghai;
use rand::RngExt;
use secrecy::ExposeSecret;

use crate::clock::SharedClock;
use crate::config::{SmsProvider, SmsSettings};
use crate::domain::calendar::start_of_day;
use crate::domain::sms::{SmsEvent, SmsStatus, aliyun_signature, canonical_query, fill};
use crate::domain::webhook::retry_after;
use crate::i18n::Lang;
use crate::security::pii::PiiCipher;
use crate::store::sms::{Attempted, Reserved, SmsRow, claim_due, is_opted_out, record, reserve};
use crate::store::users::User;
use crate::store::{Db, StoreError, new_id, to_db_time};

/// How many due messages a worker takes at once.
const CLAIM: i64 = 20;
/// The longest a template value may be (Alibaba Cloud's limit for a value of a notification
/// template is 35 characters); a longer one is cut and ends with `…`.
const VALUE_CHARS: usize = 35;

/// Makes the text messages of events; off when the deployment sends none. Cheap to clone.
#[derive(Debug, Clone)]
pub struct SmsOutbox {
    settings: Option<Arc<SmsSettings>>,
}

impl SmsOutbox {
    /// The outbox of `settings` (off with `provider = "off"`).
    pub fn new(settings: &SmsSettings) -> Self {
        Self {
            settings: (settings.provider != SmsProvider::Off).then(|| Arc::new(settings.clone())),
        }
    }

    /// Whether `event` is sent at all: the provider is on, the event has a template, and staff
    /// get messages when it is theirs.
    pub fn sends(&self, event: SmsEvent) -> bool {
        self.settings.as_ref().is_some_and(|s| {
            s.templates.contains_key(event.as_str()) && (!event.is_for_staff() || s.staff)
        })
    }

    /// The message telling `to` of `event` about dispute `dispute_id`, queued at `now`, with the
    /// template's values `values` gives in `to`'s language; none when the event is not sent
    /// or `to` has no phone.
    pub fn message(
        &self,
        event: SmsEvent,
        to: &User,
        dispute_id: Option<&str>,
        values: impl Fn(Lang) -> BTreeMap<&'static str, String>,
        now: DateTime<Utc>,
    ) -> Option<SmsRow> {
        if !self.sends(event) {
            return None;
        }
        let template = self.settings.as_ref()?.templates.get(event.as_str())?;
        let (phone, lookup, masked) = (
            to.phone_ciphertext.clone()?,
            to.phone_lookup.clone()?,
            to.phone_masked.clone()?,
        );
        let lang = Lang::of(&to.language);
        let (code, text) = if lang == Lang::En && !template.en_text.is_empty() {
            (&template.en_code, &template.en_text)
        } else {
            (&template.code, &template.text)
        };
        let params: BTreeMap<String, String> = values(lang)
            .into_iter()
            .map(|(name, value)| (name.to_string(), short(&value)))
            .collect();
        let at = to_db_time(now);
        Some(SmsRow {
            id: new_id(),
            user_id: to.id.clone(),
            dispute_id: dispute_id.map(str::to_string),
            event: event.as_str().into(),
            phone_ciphertext: Some(phone),
            phone_lookup: lookup,
            phone_masked: masked,
            template_code: code.clone(),
            body: fill(text, &params),
            params: serde_json::to_string(&params).unwrap_or_default(),
            status: SmsStatus::Pending.as_str().into(),
            attempts: 0,
            next_attempt_at: at,
            last_error: None,
            provider_id: None,
            leased_by: None,
            leased_until: None,
            created_at: at,
            sent_at: None,
        })
    }
}

/// `value` within [`VALUE_CHARS`] characters.
fn short(value: &str) -> String {
    if value.chars().count() <= VALUE_CHARS {
        return value.to_string();
    }
    let mut cut: String = value.chars().take(VALUE_CHARS - 1).collect();
    cut.push('…');
    cut
}

/// The worker's side: sends the due messages through the deployment's provider.
#[derive(Clone, Debug)]
pub struct SmsSender {
    client: reqwest::Client,
    settings: Arc<SmsSettings>,
    pii: PiiCipher,
}

/// What one call to the provider came to.
enum Answer {
    Taken(String),
    /// Worth trying again (the provider or the way to it failed, or it throttled).
    Again(String),
    /// Refused for good (a bad number, template or account).
    Refused(String),
}

impl SmsSender {
    /// A sender with its own HTTP client (`sms.timeout_ms`).
    pub fn new(settings: &SmsSettings, pii: PiiCipher) -> Self {
        let client = reqwest::Client::builder()
            .timeout(StdDuration::from_millis(settings.timeout_ms))
            .user_agent(concat!("odr-sms/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_else(|error| {
                tracing::warn!(%error, "SMS client settings refused; using the defaults");
                reqwest::Client::new()
            });
        Self {
            client,
            settings: Arc::new(settings.clone()),
            pii,
        }
    }

    /// Sends the messages due at `clock`'s time that no other worker holds, as `worker`, a
    /// batch of [`CLAIM`] at a time until none is due; how many were taken on.
    pub async fn send_due(
        &self,
        db: &Db,
        clock: &SharedClock,
        worker: &str,
    ) -> Result<usize, StoreError> {
        if self.settings.provider == SmsProvider::Off {
            return Ok(0);
        }
        let mut taken = 0;
        loop {
            let (me, now) = (worker.to_string(), clock.now());
            let until = now + self.lease();
            let batch = db
                .run(move |conn| claim_due(conn, &me, now, until, CLAIM))
                .await?;
            if batch.is_empty() {
                return Ok(taken);
            }
            taken += batch.len();
            for row in batch {
                self.send_one(db, clock, worker, row).await?;
            }
        }
    }

    /// The settings it sends with.
    pub fn settings(&self) -> &SmsSettings {
        &self.settings
    }

    /// How long a worker holds a message it took.
    fn lease(&self) -> Duration {
        Duration::milliseconds(i64::try_from(self.settings.timeout_ms).unwrap_or(i64::MAX / 2))
            + Duration::seconds(60)
    }

    /// Sends `row` unless its recipient opted out or its number had its messages, and records
    /// what became of it.
    async fn send_one(
        &self,
        db: &Db,
        clock: &SharedClock,
        worker: &str,
        row: SmsRow,
    ) -> Result<(), StoreError> {
        let (me, now) = (worker.to_string(), clock.now());
        let limits = (
            self.settings.per_number_hourly,
            self.settings.per_number_daily,
        );
        let today = start_of_day(now.with_timezone(&Shanghai).date_naive());
        let user = row.user_id.clone();
        let checked = row.clone();
        let reserved = db
            .run(move |conn| {
                if is_opted_out(conn, &user)? {
                    record(conn, &checked.id, &me, &Attempted::OptedOut, now)?;
                    return Ok(None);
                }
                reserve(conn, &checked, &me, now, today, limits)
            })
            .await?;
        if !matches!(reserved, Some(Reserved::Go)) {
            return Ok(());
        }
        let answer = match row.phone_ciphertext.as_deref().map(|c| self.pii.decrypt(c)) {
            Some(Ok(phone)) => self.call(&row, &phone, now).await,
            _ => Answer::Refused("the number cannot be read".into()),
        };
        let attempted = match answer {
            Answer::Taken(provider_id) => Attempted::Sent { provider_id },
            Answer::Refused(error) => Attempted::Failed { error },
            Answer::Again(error) => {
                let give_up_at = crate::store::from_db_time(row.created_at)
                    + Duration::hours(self.settings.give_up_hours);
                let wait = retry_after(
                    row.attempts + 1,
                    Duration::seconds(self.settings.retry_base_secs),
                    Duration::seconds(self.settings.retry_cap_secs),
                );
                let jitter = rand::rng().random_range(0..=wait.num_milliseconds() / 5);
                let retry_at = clock.now() + wait + Duration::milliseconds(jitter);
                if retry_at < give_up_at {
                    Attempted::Retry { error, retry_at }
                } else {
                    Attempted::Failed { error }
                }
            }
        };
        if let Attempted::Failed { error } | Attempted::Retry { error, .. } = &attempted {
            tracing::info!(sms.id = %row.id, sms.event = %row.event, %error, "text message not sent");
        }
        let (id, me, at) = (row.id.clone(), worker.to_string(), clock.now());
        db.run(move |conn| record(conn, &id, &me, &attempted, at))
            .await
    }

    /// Hands `row` for `phone` to the provider.
    async fn call(&self, row: &SmsRow, phone: &str, now: DateTime<Utc>) -> Answer {
        match self.settings.provider {
            SmsProvider::Off => Answer::Refused("text messages are off".into()),
            SmsProvider::Log => {
                tracing::info!(sms.id = %row.id, sms.event = %row.event, to = %row.phone_masked,
                    body = %row.body, "text message (log provider: not sent)");
                Answer::Taken(format!("log-{}", row.id))
            }
            SmsProvider::Aliyun => self.aliyun(row, phone, now).await,
        }
    }

    /// `SendSms` of Alibaba Cloud's Short Message Service (API version 2017-05-25), signed
    /// as its RPC APIs are (`domain::sms::aliyun_signature`) and POSTed as a form.
    async fn aliyun(&self, row: &SmsRow, phone: &str, now: DateTime<Utc>) -> Answer {
        let a = &self.settings.aliyun;
        // Mainland numbers go as their 11 digits; others with their country code, no `+`.
        let number = phone
            .strip_prefix("+86")
            .unwrap_or(phone.trim_start_matches('+'));
        let mut params: BTreeMap<String, String> = [
            ("AccessKeyId", a.access_key_id.as_str()),
            ("Action", "SendSms"),
            ("Format", "JSON"),
            ("OutId", row.id.as_str()),
            ("PhoneNumbers", number),
            ("RegionId", a.region_id.as_str()),
            ("SignName", a.sign_name.as_str()),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureVersion", "1.0"),
            ("TemplateCode", row.template_code.as_str()),
            ("TemplateParam", row.params.as_str()),
            ("Version", "2017-05-25"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        params.insert("SignatureNonce".into(), uuid::Uuid::new_v4().to_string());
        params.insert(
            "Timestamp".into(),
            now.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        );
        let signature = aliyun_signature("POST", &params, a.access_key_secret.expose_secret());
        params.insert("Signature".into(), signature);
        let response = self
            .client
            .post(&a.endpoint)
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(canonical_query(&params))
            .send()
            .await;
        let response = match response {
            Ok(response) => response,
            Err(error) if error.is_timeout() => {
                return Answer::Again(format!("no answer within {} ms", self.settings.timeout_ms));
            }
            Err(error) => return Answer::Again(format!("cannot connect: {error}")),
        };
        let status = response.status();
        let body: serde_json::Value = response
            .bytes()
            .await
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default();
        let said = |key: &str| body.get(key).and_then(|v| v.as_str()).unwrap_or_default();
        let (code, message) = (said("Code"), said("Message"));
        if status.is_success() && code == "OK" {
            return Answer::Taken(said("BizId").to_string());
        }
        let error = if code.is_empty() {
            format!("status {}", status.as_u16())
        } else {
            format!("{code}: {message}")
        };
        // Throttling, flow control and the provider's own failures pass; the rest will not.
        if status.is_server_error()
            || code.starts_with("Throttling")
            || code == "isv.BUSINESS_LIMIT_CONTROL"
            || code == "ServiceUnavailable"
            || code == "InternalError"
            || code.is_empty()
        {
            Answer::Again(error)
        } else {
            Answer::Refused(error)
        }
    }
}
