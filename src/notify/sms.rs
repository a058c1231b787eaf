//! Text messages (docs/sms.md). [`SmsOutbox`] makes the message of an event for one account
//! (its approved template in the account's language, filled in), which the use case queues in
//! the event's transaction; [`SmsSender`] is the worker's side: it takes the due messages,
//! keeps each number within its hourly and daily limits, and sends through the provider
//! (Alibaba Cloud or Tencent Cloud),
//! trying a failure again with backoff. A message that fails never holds up its dispute.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Asia::Shanghai;
use rand::RngExt;
use secrecy::ExposeSecret;
use serde_json::Value;

use crate::clock::SharedClock;
use crate::config::{SmsProvider, SmsSettings};
use crate::domain::calendar::start_of_day;
use crate::domain::sms::{
    SmsEvent, SmsStatus, TENCENT_CONTENT_TYPE, aliyun_signature, canonical_query, fill,
    placeholders, tencent_authorization,
};
use crate::domain::webhook::retry_after;
use crate::i18n::Lang;
use crate::security::pii::PiiCipher;
use crate::store::sms::{Attempted, Reserved, SmsRow, Window, claim_due, record, reserve};
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
    /// template's values `values` gives in `to`'s language; none when the event is not sent,
    /// `to`'s account is deactivated or has no phone.
    pub fn message(
        &self,
        event: SmsEvent,
        to: &User,
        dispute_id: Option<&str>,
        values: impl Fn(Lang) -> BTreeMap<&'static str, String>,
        now: DateTime<Utc>,
    ) -> Option<SmsRow> {
        if !self.sends(event) || !to.is_active {
            return None;
        }
        let settings = self.settings.as_ref()?;
        let template = settings.templates.get(event.as_str())?;
        let (phone, lookup, masked) = (
            to.phone_ciphertext.clone()?,
            to.phone_lookup.clone()?,
            to.phone_masked.clone()?,
        );
        let lang = Lang::of(&to.language);
        // English where the deployment has an English template (with its code at a provider).
        let english = !template.en_text.is_empty()
            && (!template.en_code.trim().is_empty() || !settings.provider.is_remote());
        let (code, text) = if lang == Lang::En && english {
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
                .run_leaving_kept(move |conn| claim_due(conn, &me, now, until, CLAIM))
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
        let window = Window {
            now,
            day_start: start_of_day(now.with_timezone(&Shanghai).date_naive()),
            held_until: now + self.lease(),
        };
        let checked = row.clone();
        let reserved = db
            .run_leaving_kept(move |conn| reserve(conn, &checked, &me, &window, limits))
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
        db.run_leaving_kept(move |conn| record(conn, &id, &me, &attempted, at))
            .await
    }

    /// Hands `row` for `phone` to the provider.
    async fn call(&self, row: &SmsRow, phone: &str, now: DateTime<Utc>) -> Answer {
        match self.settings.provider {
            SmsProvider::Off => Answer::Refused("text messages are off".into()),
            SmsProvider::Log => {
                tracing::info!(sms.id = %row.id, sms.event = %row.event, to = %row.phone_masked,
                    body = %row.body, "text message (log provider: not sent)");
                // Nothing left the machine: no provider's id.
                Answer::Taken(String::new())
            }
            SmsProvider::Aliyun => self.aliyun(row, phone, now).await,
            SmsProvider::Tencent => self.tencent(row, phone, now).await,
        }
    }

    /// The text of the template `row` was made with, as configured now (Tencent Cloud numbers
    /// a template's values in the order its text names them).
    fn template_text(&self, row: &SmsRow) -> Option<&str> {
        let template = self.settings.templates.get(&row.event)?;
        if template.code == row.template_code {
            Some(&template.text)
        } else if !template.en_text.is_empty() && template.en_code == row.template_code {
            Some(&template.en_text)
        } else {
            None
        }
    }

    /// `SendSms` of Tencent Cloud's SMS (API 2021-01-11): a JSON POST authorized with
    /// TC3-HMAC-SHA256 (`domain::sms::tencent_authorization`), the template's values as a list
    /// in the order its text names them.
    async fn tencent(&self, row: &SmsRow, phone: &str, now: DateTime<Utc>) -> Answer {
        let t = &self.settings.tencent;
        let Some(text) = self.template_text(row) else {
            return Answer::Refused(format!(
                "template {} is no longer configured for {}",
                row.template_code, row.event
            ));
        };
        let values: BTreeMap<String, String> =
            serde_json::from_str(&row.params).unwrap_or_default();
        let ordered: Vec<&str> = placeholders(text)
            .into_iter()
            .map(|name| values.get(name).map_or("", String::as_str))
            .collect();
        let number = if phone.starts_with('+') {
            phone.to_string()
        } else {
            format!("+{phone}")
        };
        let payload = serde_json::json!({
            "PhoneNumberSet": [number],
            "SmsSdkAppId": t.sdk_app_id,
            "SignName": t.sign_name,
            "TemplateId": row.template_code,
            "TemplateParamSet": ordered,
            "SessionContext": row.id,
        })
        .to_string();
        let Ok(url) = url::Url::parse(&t.endpoint) else {
            return Answer::Refused("sms.tencent.endpoint is not a URL".into());
        };
        let host = match (url.host_str(), url.port()) {
            (Some(host), Some(port)) => format!("{host}:{port}"),
            (Some(host), None) => host.to_string(),
            (None, _) => return Answer::Refused("sms.tencent.endpoint has no host".into()),
        };
        let timestamp = now.timestamp();
        let authorization = tencent_authorization(
            (&t.secret_id, t.secret_key.expose_secret()),
            "sms",
            &host,
            timestamp,
            &payload,
        );
        let response = self
            .client
            .post(url)
            .header(reqwest::header::AUTHORIZATION, authorization)
            .header(reqwest::header::CONTENT_TYPE, TENCENT_CONTENT_TYPE)
            .header(reqwest::header::HOST, &host)
            .header("X-TC-Action", "SendSms")
            .header("X-TC-Version", "2021-01-11")
            .header("X-TC-Timestamp", timestamp.to_string())
            .header("X-TC-Region", &t.region)
            .body(payload)
            .send()
            .await;
        let (status, body) = match self.answer_of(response).await {
            Ok(answer) => answer,
            Err(again) => return again,
        };
        let answer = &body["Response"];
        let (code, message, id) = match answer.get("Error") {
            Some(error) => (&error["Code"], &error["Message"], &Value::Null),
            None => {
                let sent = &answer["SendStatusSet"][0];
                (&sent["Code"], &sent["Message"], &sent["SerialNo"])
            }
        };
        let (code, message) = (
            code.as_str().unwrap_or_default(),
            message.as_str().unwrap_or_default(),
        );
        if status.is_success() && code == "Ok" {
            return Answer::Taken(id.as_str().unwrap_or_default().to_string());
        }
        let error = if code.is_empty() {
            format!("status {}", status.as_u16())
        } else {
            format!("{code}: {message}")
        };
        // The provider's own failures and its limits pass; the rest will not.
        if status.is_server_error()
            || code.is_empty()
            || [
                "InternalError",
                "RequestLimitExceeded",
                "LimitExceeded",
                "ResourceUnavailable",
            ]
            .iter()
            .any(|passing| code.starts_with(passing))
        {
            Answer::Again(error)
        } else {
            Answer::Refused(error)
        }
    }

    /// The status and JSON body of a provider's `response`; a timeout or no connection is an
    /// answer worth trying again.
    async fn answer_of(
        &self,
        response: Result<reqwest::Response, reqwest::Error>,
    ) -> Result<(reqwest::StatusCode, Value), Answer> {
        let response = match response {
            Ok(response) => response,
            Err(error) if error.is_timeout() => {
                return Err(Answer::Again(format!(
                    "no answer within {} ms",
                    self.settings.timeout_ms
                )));
            }
            Err(error) => return Err(Answer::Again(format!("cannot connect: {error}"))),
        };
        let status = response.status();
        let body = response
            .bytes()
            .await
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default();
        Ok((status, body))
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
        let (status, body) = match self.answer_of(response).await {
            Ok(answer) => answer,
            Err(again) => return again,
        };
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
        // Throttling, flow control and the provider's own failures (`isp.*`, such as
        // isp.SYSTEM_ERROR) pass; the rest will not.
        if status.is_server_error()
            || code.starts_with("Throttling")
            || code.starts_with("isp.")
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
