//! Typed settings, loaded in layers: `config/base.toml`, then `config/{ODR_ENV}.toml`, then
//! environment variables `ODR__SECTION__KEY`. Validated once at start; errors name the key.

use std::fmt;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::i18n::Lang;

/// The jwt secret shipped in `config/base.toml`; production refuses to start with it.
const DEVELOPMENT_JWT_SECRET: &str = "development-only-jwt-secret-do-not-use-in-production";
/// The personal-data key shipped in `config/base.toml`; production refuses to start with it.
const DEVELOPMENT_PII_KEY: &str = "ZGV2ZWxvcG1lbnQtb25seS1waWkta2V5LTMyYnl0ZXM=";

/// The `/metrics` token shipped in `config/base.toml`; production refuses to start with it.
const DEVELOPMENT_METRICS_TOKEN: &str = "development-only-metrics-token";

/// Which profile file is layered over `base.toml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    Local,
    Test,
    Production,
}

impl Profile {
    /// Reads `ODR_ENV` (`local` when unset).
    pub fn from_env() -> Result<Self, ConfigError> {
        match std::env::var("ODR_ENV").as_deref() {
            Err(_) | Ok("local") => Ok(Self::Local),
            Ok("test") => Ok(Self::Test),
            Ok("production") => Ok(Self::Production),
            Ok(other) => Err(ConfigError::Invalid {
                key: "ODR_ENV".into(),
                reason: format!("`{other}` is not one of local, test, production"),
            }),
        }
    }

    fn file_stem(self) -> &'static str {
        match self {
            Self::Local => "local",
            Self::Test => "test",
            Self::Production => "production",
        }
    }
}

/// All settings of one running instance.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub security: SecuritySettings,
    pub email: EmailSettings,
    pub jobs: JobSettings,
    pub uploads: UploadSettings,
    pub logging: LoggingSettings,
    pub demo: DemoSettings,
    pub deadlines: crate::domain::policy::DeadlinePolicy,
    pub disputes: DisputeSettings,
    pub reminders: ReminderSettings,
    pub escalation: EscalationSettings,
    pub retention: RetentionSettings,
    pub alerts: AlertSettings,
    pub evaluation: EvaluationSettings,
    pub reports: ReportSettings,
    pub storage: StorageSettings,
    pub webhooks: WebhookSettings,
    pub sms: SmsSettings,
    #[serde(skip)]
    pub profile: Option<Profile>,
    /// The folder the settings were read from (calendars live below it).
    #[serde(skip)]
    pub config_dir: PathBuf,
}

/// The address of `path` (which starts with `/`) on the platform reached at `public_url`:
/// what emails, printed documents and escalation packets link to.
pub fn public_link(public_url: &str, path: &str) -> String {
    format!("{}{path}", public_url.trim_end_matches('/'))
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSettings {
    pub host: String,
    pub port: u16,
    pub public_url: String,
    /// Addresses of the reverse proxies in front of the platform. Only a request coming from
    /// one of them has its `X-Forwarded-For` read, from the right, skipping these addresses;
    /// anything a client writes there itself is ignored.
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

/// Database settings; `Debug` hides any password inside the URL.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    pub url: SecretString,
    pub pool_size: u32,
    pub connect_timeout_secs: u64,
    /// A streaming replica for reads (docs/architecture.md, "Read replicas"); empty for none.
    pub read_url: SecretString,
    pub replica_check_ms: u64,
    pub read_your_writes_secs: u64,
}

impl fmt::Debug for DatabaseSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DatabaseSettings")
            .field("url", &redact_url(self.url.expose_secret()))
            .field("pool_size", &self.pool_size)
            .field("connect_timeout_secs", &self.connect_timeout_secs)
            .field("read_url", &redact_url(self.read_url.expose_secret()))
            .field("replica_check_ms", &self.replica_check_ms)
            .field("read_your_writes_secs", &self.read_your_writes_secs)
            .finish()
    }
}

/// Replaces the password of `scheme://user:password@host` with `***`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    match rest.split_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:***@{host}")
        }
        None => url.to_string(),
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecuritySettings {
    pub jwt_secret: SecretString,
    pub pii_key: SecretString,
    pub access_token_ttl_secs: i64,
    pub refresh_token_ttl_days: i64,
    pub invitation_ttl_hours: i64,
    pub login_window_secs: i64,
    /// Failed logins to one account from one address within `login_window_secs` after which
    /// that address must wait (other addresses still log in to the account).
    pub login_max_failures_per_account: i64,
    /// Failed logins from one address, to any accounts, within `login_window_secs`.
    pub login_max_failures_per_address: i64,
    /// Registrations, filings and evidence uploads from one address per hour.
    pub max_registrations_per_address_hour: u32,
    pub max_filings_per_address_hour: u32,
    pub max_uploads_per_address_hour: u32,
    /// Password hashes computed at once (0: one per CPU).
    pub max_concurrent_hashes: usize,
    /// A refresh token used this many seconds ago or less may be presented again (two tabs
    /// refreshing at once) and gets a pair of its own instead of ending the session.
    pub refresh_reuse_grace_secs: i64,
}

impl SecuritySettings {
    /// The decoded 32-byte personal-data key (validated at load).
    pub fn pii_key_bytes(&self) -> Result<[u8; 32], ConfigError> {
        let invalid = |reason: &str| ConfigError::Invalid {
            key: "security.pii_key".into(),
            reason: reason.into(),
        };
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(self.pii_key.expose_secret().trim())
            .map_err(|_| invalid("must be base64"))?;
        bytes
            .try_into()
            .map_err(|_| invalid("must decode to exactly 32 bytes"))
    }
}

/// How outgoing email leaves the platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EmailTransportKind {
    Smtp,
    File,
    Memory,
}

/// Transport security for SMTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    None,
    Starttls,
    Tls,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailSettings {
    pub transport: EmailTransportKind,
    pub from: String,
    pub file_dir: PathBuf,
    pub smtp_host: String,
    pub smtp_port: u16,
    pub smtp_tls: SmtpTls,
    pub smtp_username: String,
    pub smtp_password: SecretString,
    pub smtp_timeout_secs: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobSettings {
    pub run_in_process: bool,
    pub poll_interval_ms: u64,
    pub lease_secs: i64,
    pub max_attempts: i64,
    pub backoff_base_secs: i64,
    /// How many jobs a worker runs at once (beside its sweeps).
    pub concurrency: usize,
    /// How often the timers sweep runs; 0 turns it off on this node.
    pub sweep_interval_secs: u64,
    /// How many disputes the sweep reads at a time (it pages through those due).
    pub sweep_page: i64,
    /// How many passes of a sweep apply lapses at once, each on its own connection
    /// (docs/deadlines.md#sweeper).
    pub sweepers: usize,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UploadSettings {
    pub max_import_bytes: usize,
    pub max_import_rows: usize,
}

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoggingSettings {
    pub format: LogFormat,
    /// Bearer token Prometheus sends to read `/metrics` (`Authorization: Bearer …`).
    pub metrics_token: SecretString,
}

/// Filing and evidence settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisputeSettings {
    pub categories: Vec<Category>,
    pub evidence_dir: PathBuf,
    pub max_evidence_bytes: usize,
    pub max_evidence_files: i64,
}

/// How webhooks are sent (docs/webhooks.md).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookSettings {
    /// How long one attempt may take.
    pub timeout_ms: u64,
    /// The wait after the first failed attempt; it doubles with each further failure.
    pub retry_base_secs: i64,
    /// The longest wait between attempts.
    pub retry_cap_secs: i64,
    /// A delivery still failing this long after its event is given up (the owner may send it
    /// again from the portal).
    pub give_up_hours: i64,
    /// How many endpoints one business may register.
    pub max_endpoints: i64,
    /// How long delivered and failed deliveries stay in the delivery log.
    pub log_days: i64,
    /// Development and tests only: endpoints over plain http and at loopback or private
    /// addresses. Refused in production.
    pub allow_insecure: bool,
}

/// Text messages to consumers and, if chosen, to staff (docs/sms.md).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmsSettings {
    pub provider: SmsProvider,
    /// Whether the units' staff with a phone get text messages too (new disputes, due dates
    /// coming near).
    pub staff: bool,
    /// How many messages one number gets at most in an hour, and in a day (Shanghai time);
    /// the rest are logged as `rate_limited`, never sent.
    pub per_number_hourly: i64,
    pub per_number_daily: i64,
    /// How long one call to the provider may take.
    pub timeout_ms: u64,
    /// The wait after the first failed attempt; it doubles with each further failure.
    pub retry_base_secs: i64,
    /// The longest wait between attempts.
    pub retry_cap_secs: i64,
    /// A message still failing this long after its event is given up.
    pub give_up_hours: i64,
    /// How long messages stay in the delivery log.
    pub log_days: i64,
    pub aliyun: AliyunSmsSettings,
    pub tencent: TencentSmsSettings,
    /// Per event (`filed`, `first_contact`, …): the provider's approved template. An event
    /// without one sends nothing.
    pub templates: std::collections::BTreeMap<String, SmsTemplate>,
}

/// Who sends the text messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmsProvider {
    /// None are queued.
    Off,
    /// Queued and written to the delivery log as sent, without leaving the machine
    /// (development and the demo; refused in production).
    Log,
    /// Alibaba Cloud's Short Message Service (`SendSms`, signed RPC requests).
    Aliyun,
    /// Tencent Cloud's SMS (`SendSms` of API 2021-01-11, TC3-HMAC-SHA256).
    Tencent,
}

impl SmsProvider {
    /// Whether messages leave the machine through a provider's API.
    pub fn is_remote(self) -> bool {
        matches!(self, Self::Aliyun | Self::Tencent)
    }
}

/// A Tencent Cloud SMS application.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TencentSmsSettings {
    pub endpoint: String,
    pub region: String,
    pub secret_id: String,
    pub secret_key: SecretString,
    /// The SMS application's SdkAppId.
    pub sdk_app_id: String,
    /// The approved signature (签名) the provider puts before each text.
    pub sign_name: String,
}

/// An Alibaba Cloud SMS account.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AliyunSmsSettings {
    pub endpoint: String,
    pub region_id: String,
    pub access_key_id: String,
    pub access_key_secret: SecretString,
    /// The approved signature (签名) the provider puts before each text.
    pub sign_name: String,
}

/// One event's approved template: its code at the provider and its text with `${name}`
/// values; optionally an English one for recipients who chose English (through a provider,
/// only where `en_code` is set too; the others get the Chinese one).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmsTemplate {
    pub code: String,
    pub text: String,
    #[serde(default)]
    pub en_code: String,
    #[serde(default)]
    pub en_text: String,
}

/// Where evidence files are kept, each under its SHA-256 (docs/architecture.md, "Evidence
/// files").
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StorageSettings {
    pub backend: StorageBackend,
    pub s3: S3Settings,
}

/// `folder`: `disputes.evidence_dir` on this machine (one node); `s3`: a bucket of
/// S3-compatible object storage every node reads and writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StorageBackend {
    Folder,
    S3,
}

/// An S3-compatible bucket (AWS S3, MinIO, Alibaba Cloud OSS, Tencent COS, …).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct S3Settings {
    /// The service's address, e.g. `https://oss-cn-hangzhou.aliyuncs.com`; empty for AWS.
    pub endpoint: String,
    pub region: String,
    pub bucket: String,
    /// Keys are stored below this folder of the bucket (empty: at its top).
    pub prefix: String,
    pub access_key_id: String,
    pub secret_access_key: SecretString,
    /// Addresses with the bucket in the host name (Alibaba Cloud OSS needs them). With an
    /// endpoint, that endpoint is then the bucket's own, used as given:
    /// `https://<bucket>.oss-cn-hangzhou.aliyuncs.com`.
    pub virtual_hosted_style: bool,
}

impl StorageSettings {
    fn validate(&self, production: bool) -> Result<(), ConfigError> {
        let invalid = |key: &str, reason: &str| {
            Err(ConfigError::Invalid {
                key: format!("storage.s3.{key}"),
                reason: reason.into(),
            })
        };
        if self.backend == StorageBackend::Folder {
            return Ok(());
        }
        let s3 = &self.s3;
        if s3.bucket.trim().is_empty() {
            return invalid("bucket", "is needed when storage.backend is s3");
        }
        if s3.region.trim().is_empty() {
            return invalid("region", "is needed when storage.backend is s3");
        }
        if s3.access_key_id.is_empty() || s3.secret_access_key.expose_secret().is_empty() {
            return invalid(
                "access_key_id",
                "a key and its secret (ODR__STORAGE__S3__SECRET_ACCESS_KEY) are needed when storage.backend is s3",
            );
        }
        let https = s3.endpoint.is_empty() || s3.endpoint.starts_with("https://");
        if !https && (production || !s3.endpoint.starts_with("http://")) {
            return invalid(
                "endpoint",
                if production {
                    "production reaches object storage over https://"
                } else {
                    "must start with https:// (or http:// outside production)"
                },
            );
        }
        Ok(())
    }
}

/// A dispute category consumers choose from: a built-in code, named in
/// src/locales/<language>/labels.ftl (`category-<code>`), or a deployment's own, written
/// `{ code = "…", zh = "…", en = "…" }` with its names in both languages. Either may add
/// `industries = ["…"]`: the filing form offers it only at units of those industries
/// (`vehicle_quality` at car dealers, not restaurants); without, at every unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    pub code: String,
    pub zh: String,
    pub en: String,
    /// Industry codes whose units the form offers it at; empty for every industry.
    pub industries: Vec<String>,
}

impl Category {
    /// The category's name in `lang`.
    pub fn name(&self, lang: Lang) -> &str {
        lang.name(&self.zh, &self.en)
    }

    /// Whether the filing form offers the category at a unit of `industry`.
    pub fn fits(&self, industry: &str) -> bool {
        self.industries.is_empty() || self.industries.iter().any(|i| i == industry)
    }
}

impl<'de> Deserialize<'de> for Category {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(
            untagged,
            expecting = "a category code, or { code, zh, en } (and optionally industries)"
        )]
        enum Written {
            Code(String),
            Named(Named),
        }
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Named {
            code: String,
            zh: Option<String>,
            en: Option<String>,
            #[serde(default)]
            industries: Vec<String>,
        }
        // A built-in code without names here takes the locale files' names; one they do not
        // name is refused by `Settings::validate`.
        let builtin = |code: &str, lang: Lang| {
            lang.find(&format!("category-{code}"))
                .unwrap_or_default()
                .to_string()
        };
        Ok(match Written::deserialize(deserializer)? {
            Written::Code(code) => Category {
                zh: builtin(&code, Lang::Zh),
                en: builtin(&code, Lang::En),
                code,
                industries: Vec::new(),
            },
            Written::Named(Named {
                code,
                zh,
                en,
                industries,
            }) => Category {
                zh: zh.unwrap_or_else(|| builtin(&code, Lang::Zh)),
                en: en.unwrap_or_else(|| builtin(&code, Lang::En)),
                code,
                industries,
            },
        })
    }
}

/// Reminders before due dates and the daily digest.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReminderSettings {
    /// Remind the unit's staff this many working days before each due date (one reminder per
    /// entry; empty turns reminders off).
    pub working_days_before: Vec<u32>,
    /// Local (Asia/Shanghai) hour from which the daily digest goes out.
    pub digest_hour: u32,
}

/// When a unit is listed for warning and removal (docs/metrics.md).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvaluationSettings {
    /// Figures are taken over this many days up to today.
    pub window_days: i64,
    /// Listed below this on-time rate …
    pub min_on_time_rate: f64,
    /// … or this settlement rate …
    pub min_settlement_rate: f64,
    /// … or with more disputes than this waiting past their first-contact due moment.
    pub max_unanswered: i64,
    /// A warning shows as the unit's standing for this many days.
    pub warning_days: i64,
}

/// Thresholds of the alerts to regulators (docs/metrics.md).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertSettings {
    /// Mass complaint: this many different consumers against one unit …
    pub mass_complaint_count: i64,
    /// … within this many hours.
    pub mass_complaint_hours: i64,
    /// Repeat: a consumer's second dispute against the same unit within this many days …
    pub repeat_consumer_days: i64,
    /// … or a unit's dispute number `repeat_unit_count` within `repeat_unit_days` days.
    pub repeat_unit_count: i64,
    pub repeat_unit_days: i64,
    /// Major: a claim of at least this many fen.
    pub major_claim_fen: i64,
    /// Sensitive: a description containing any of these words.
    pub sensitive_keywords: Vec<String>,
}

/// The region reports the sweeper generates and archives (docs/metrics.md).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportSettings {
    /// Generate each regulated region's daily look, the weekly check of the last complete week,
    /// and the monthly close and analysis of the last complete month, once each.
    pub scheduled: bool,
    /// Local (Asia/Shanghai) hour from which the day's reports are generated.
    pub hour: u32,
}

/// How long personal data of concluded disputes is kept (docs/people-data.md#retention).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionSettings {
    /// Disputes concluded longer ago than this are anonymised; their figures stay.
    pub concluded_years: u32,
}

/// Where escalations go (docs/escalation.md#connectors-and-routing) and how the 12315 gateway talks back.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EscalationSettings {
    /// `builtin` or the name of one of `connectors`.
    pub default_connector: String,
    /// Failed deliveries are retried (backoff with jitter) for this long, then `dead`.
    pub retry_hours: i64,
    /// How far a callback's `X-ODR-Timestamp` may be from the platform's clock.
    pub callback_window_secs: i64,
    /// How long the signed evidence links inside a packet stay valid.
    pub evidence_link_days: i64,
    /// HTTP gateways by name.
    #[serde(default)]
    pub connectors: std::collections::BTreeMap<String, HttpConnectorSettings>,
    /// The first route whose industry and region both match a dispute picks its connector.
    #[serde(default)]
    pub routes: Vec<ConnectorRoute>,
}

/// A 12315 gateway reached over HTTP.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpConnectorSettings {
    /// Escalation packets are POSTed here.
    pub url: String,
    /// Shared secret of the HMAC-SHA256 signatures, both ways (at least 32 characters).
    pub secret: SecretString,
    /// A delivery attempt that takes longer fails and is retried.
    pub timeout_ms: u64,
}

/// Sends the escalations of an industry and/or a region to a connector.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectorRoute {
    /// An industry code; absent matches every industry.
    pub industry: Option<String>,
    /// A region code; matches the region and everything below it; absent matches all.
    pub region: Option<String>,
    /// `builtin` or the name of one of `connectors`.
    pub connector: String,
}

impl EscalationSettings {
    /// The connector for a dispute of `industry` in `region`.
    pub fn connector_for(&self, industry: &str, region: &str) -> &str {
        let within = |route_region: &str| {
            crate::domain::region::RegionCode::parse(route_region)
                .ok()
                .zip(crate::domain::region::RegionCode::parse(region).ok())
                .is_some_and(|(outer, inner)| outer.contains(&inner))
        };
        self.routes
            .iter()
            .find(|r| {
                r.industry.as_deref().is_none_or(|i| i == industry)
                    && r.region.as_deref().is_none_or(within)
            })
            .map_or(self.default_connector.as_str(), |r| r.connector.as_str())
    }

    fn validate(&self, production: bool) -> Result<(), ConfigError> {
        let invalid = |key: String, reason: &str| {
            Err(ConfigError::Invalid {
                key,
                reason: reason.into(),
            })
        };
        let known = |name: &str| name == BUILTIN_CONNECTOR || self.connectors.contains_key(name);
        if !known(&self.default_connector) {
            return invalid(
                "escalation.default_connector".into(),
                "must be `builtin` or the name of a configured connector",
            );
        }
        if self.retry_hours <= 0 || self.callback_window_secs <= 0 || self.evidence_link_days <= 0 {
            return invalid(
                "escalation.retry_hours".into(),
                "retry_hours, callback_window_secs and evidence_link_days must be positive",
            );
        }
        for (name, c) in &self.connectors {
            let key = |field: &str| format!("escalation.connectors.{name}.{field}");
            if name == BUILTIN_CONNECTOR {
                return invalid(key("url"), "`builtin` is reserved");
            }
            let https = c.url.starts_with("https://");
            let allowed = https || (!production && c.url.starts_with("http://"));
            if !allowed {
                return invalid(
                    key("url"),
                    if production {
                        "production gateways are reached over https://"
                    } else {
                        "must start with http:// or https://"
                    },
                );
            }
            if c.secret.expose_secret().len() < 32 {
                return invalid(key("secret"), "must be at least 32 characters");
            }
            if c.timeout_ms == 0 {
                return invalid(key("timeout_ms"), "must be positive");
            }
        }
        for (i, route) in self.routes.iter().enumerate() {
            if !known(&route.connector) {
                return invalid(
                    format!("escalation.routes[{i}].connector"),
                    "must be `builtin` or the name of a configured connector",
                );
            }
            if route.industry.is_none() && route.region.is_none() {
                return invalid(
                    format!("escalation.routes[{i}]"),
                    "name an industry, a region or both",
                );
            }
            if route
                .region
                .as_deref()
                .is_some_and(|r| crate::domain::region::RegionCode::parse(r).is_err())
            {
                return invalid(
                    format!("escalation.routes[{i}].region"),
                    "must be a six-digit region code",
                );
            }
        }
        Ok(())
    }
}

/// The connector that puts escalations in the regulators' queue inside the platform.
pub const BUILTIN_CONNECTOR: &str = "builtin";

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoSettings {
    pub seed_on_first_start: bool,
}

/// Why the settings could not be used; always names the key.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration could not be read: {0}")]
    Load(#[from] config::ConfigError),
    #[error("configuration key `{key}` is invalid: {reason}")]
    Invalid { key: String, reason: String },
}

impl SmsSettings {
    /// The limits are positive, each template names a known event and uses only that event's
    /// values, and Alibaba Cloud has its account, signature and every template's code.
    fn check(&self) -> Result<(), ConfigError> {
        use crate::domain::sms::{SmsEvent, placeholders};
        let invalid = |key: String, reason: String| Err(ConfigError::Invalid { key, reason });
        if self.per_number_hourly <= 0
            || self.per_number_daily < self.per_number_hourly
            || self.timeout_ms == 0
            || self.retry_base_secs <= 0
            || self.retry_cap_secs < self.retry_base_secs
            || self.give_up_hours <= 0
            || self.log_days <= 0
        {
            return invalid(
                "sms".into(),
                "limits, waits and times must be positive, the daily limit at least the hourly one, the cap at least the base".into(),
            );
        }
        for (name, template) in &self.templates {
            let key = format!("sms.templates.{name}");
            let Ok(event) = name.parse::<SmsEvent>() else {
                let known: Vec<_> = SmsEvent::ALL.iter().map(|e| e.as_str()).collect();
                return invalid(key, format!("is not an event; known: {}", known.join(", ")));
            };
            for text in [&template.text, &template.en_text] {
                if let Some(unknown) = placeholders(text)
                    .into_iter()
                    .find(|v| !event.variables().contains(v))
                {
                    return invalid(
                        key,
                        format!(
                            "uses ${{{unknown}}}; this event gives {}",
                            event.variables().join(", ")
                        ),
                    );
                }
            }
            if template.text.trim().is_empty() {
                return invalid(key, "needs its text".into());
            }
            if self.provider.is_remote() && template.code.trim().is_empty() {
                return invalid(
                    key,
                    "needs the code (template id) the provider gave the approved template".into(),
                );
            }
        }
        let (a, t) = (&self.aliyun, &self.tencent);
        let account: &[(&str, &str)] = match self.provider {
            SmsProvider::Aliyun => &[
                ("aliyun.endpoint", &a.endpoint),
                ("aliyun.region_id", &a.region_id),
                ("aliyun.access_key_id", &a.access_key_id),
                (
                    "aliyun.access_key_secret",
                    a.access_key_secret.expose_secret(),
                ),
                ("aliyun.sign_name", &a.sign_name),
            ],
            SmsProvider::Tencent => &[
                ("tencent.endpoint", &t.endpoint),
                ("tencent.region", &t.region),
                ("tencent.secret_id", &t.secret_id),
                ("tencent.secret_key", t.secret_key.expose_secret()),
                ("tencent.sdk_app_id", &t.sdk_app_id),
                ("tencent.sign_name", &t.sign_name),
            ],
            SmsProvider::Off | SmsProvider::Log => &[],
        };
        if let Some((key, _)) = account.iter().find(|(_, value)| value.trim().is_empty()) {
            return invalid(
                format!("sms.{key}"),
                "must be set to send through the provider".into(),
            );
        }
        if self.provider == SmsProvider::Tencent && url::Url::parse(&t.endpoint).is_err() {
            return invalid(
                "sms.tencent.endpoint".into(),
                "must be a URL such as https://sms.tencentcloudapi.com/".into(),
            );
        }
        Ok(())
    }
}

impl Settings {
    /// Loads `base.toml`, the profile's file and `ODR__…` environment variables from `dir`,
    /// then validates the result.
    pub fn load(dir: &Path, profile: Profile) -> Result<Self, ConfigError> {
        let raw = config::Config::builder()
            .add_source(config::File::from(dir.join("base.toml")))
            .add_source(
                config::File::from(dir.join(format!("{}.toml", profile.file_stem())))
                    .required(false),
            )
            .add_source(
                config::Environment::with_prefix("ODR")
                    .prefix_separator("__")
                    .separator("__")
                    .try_parsing(true)
                    // ODR__SERVER__TRUSTED_PROXIES=10.0.0.5,10.0.0.6
                    .list_separator(",")
                    .with_list_parse_key("server.trusted_proxies"),
            )
            .build()?;
        let mut settings: Settings = raw.try_deserialize()?;
        settings.profile = Some(profile);
        settings.config_dir = dir.to_path_buf();
        settings.validate()?;
        Ok(settings)
    }

    /// Checks values that types alone cannot, and refuses development secrets in production.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |key: &str, reason: &str| {
            Err(ConfigError::Invalid {
                key: key.into(),
                reason: reason.into(),
            })
        };
        self.security.pii_key_bytes()?;
        if self.security.jwt_secret.expose_secret().len() < 32 {
            return invalid("security.jwt_secret", "must be at least 32 characters");
        }
        let url = self.database.url.expose_secret();
        if crate::store::conn::Backend::from_url(url).is_none() {
            return invalid(
                "database.url",
                "must start with sqlite:// or postgres:// (postgresql:// also works)",
            );
        }
        if self.database.pool_size == 0 {
            return invalid("database.pool_size", "must be at least 1");
        }
        let read_url = self.database.read_url.expose_secret();
        if !read_url.is_empty() {
            use crate::store::conn::Backend;
            let postgres = |url| matches!(Backend::from_url(url), Some(Backend::Postgres));
            if !postgres(read_url) || !postgres(url) {
                return invalid(
                    "database.read_url",
                    "a read replica is a PostgreSQL streaming replica of a PostgreSQL database.url",
                );
            }
            if self.database.replica_check_ms == 0
                || self.database.read_your_writes_secs.saturating_mul(1000)
                    < self.database.replica_check_ms.saturating_mul(3)
            {
                return invalid(
                    "database.read_your_writes_secs",
                    "must cover at least three replica checks (replica_check_ms, at least 1)",
                );
            }
        }
        if self.jobs.concurrency == 0 {
            return invalid("jobs.concurrency", "must be at least 1");
        }
        if self.jobs.sweepers == 0 {
            return invalid("jobs.sweepers", "must be at least 1");
        }
        if self.jobs.sweep_page <= 0 {
            return invalid("jobs.sweep_page", "must be at least 1");
        }
        if self.security.access_token_ttl_secs <= 0 || self.security.refresh_token_ttl_days <= 0 {
            return invalid(
                "security.access_token_ttl_secs",
                "token lifetimes must be positive",
            );
        }
        if let Some((field, reason)) = self.deadlines.problems().first() {
            return Err(ConfigError::Invalid {
                key: format!("deadlines.{field}"),
                reason: (*reason).into(),
            });
        }
        self.escalation.validate(self.is_production())?;
        self.storage.validate(self.is_production())?;
        let a = &self.alerts;
        if [
            a.mass_complaint_count,
            a.mass_complaint_hours,
            a.repeat_consumer_days,
            a.repeat_unit_count,
            a.repeat_unit_days,
            a.major_claim_fen,
        ]
        .iter()
        .any(|v| *v <= 0)
        {
            return invalid("alerts", "every threshold must be positive");
        }
        let e = &self.evaluation;
        if e.window_days <= 0 || e.warning_days <= 0 || e.max_unanswered < 0 {
            return invalid(
                "evaluation",
                "window_days and warning_days must be positive",
            );
        }
        if !(0.0..=1.0).contains(&e.min_on_time_rate)
            || !(0.0..=1.0).contains(&e.min_settlement_rate)
        {
            return invalid("evaluation", "rates are between 0 and 1");
        }
        if self.retention.concluded_years == 0 {
            return invalid("retention.concluded_years", "must be at least 1");
        }
        if self.disputes.categories.is_empty() {
            return invalid("disputes.categories", "list at least one category");
        }
        let mut codes = std::collections::BTreeSet::new();
        for category in &self.disputes.categories {
            let code = &category.code;
            let well_formed = !code.is_empty()
                && code.len() <= 40
                && code
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !well_formed {
                return invalid(
                    "disputes.categories",
                    &format!("`{code}` is not a code: use a-z, 0-9 and _ (at most 40)"),
                );
            }
            if category.zh.trim().is_empty() || category.en.trim().is_empty() {
                return invalid(
                    "disputes.categories",
                    &format!(
                        "`{code}` has no built-in names: write it as \
                         {{ code = \"{code}\", zh = \"…\", en = \"…\" }}"
                    ),
                );
            }
            if !codes.insert(code) {
                return invalid("disputes.categories", &format!("`{code}` is listed twice"));
            }
        }
        let w = &self.webhooks;
        if w.timeout_ms == 0
            || w.retry_base_secs <= 0
            || w.retry_cap_secs < w.retry_base_secs
            || w.give_up_hours <= 0
            || w.max_endpoints <= 0
            || w.log_days <= 0
        {
            return invalid(
                "webhooks",
                "timeout, waits, give-up time and endpoint count must be positive, the cap at least the base",
            );
        }
        self.sms.check()?;
        if self.email.from.parse::<lettre::message::Mailbox>().is_err() {
            return invalid("email.from", "must be a mailbox such as `Name <addr@host>`");
        }
        if self.profile == Some(Profile::Production) {
            if self.security.jwt_secret.expose_secret() == DEVELOPMENT_JWT_SECRET {
                return invalid(
                    "security.jwt_secret",
                    "the development secret cannot be used in production; set ODR__SECURITY__JWT_SECRET",
                );
            }
            if self.security.pii_key.expose_secret().trim() == DEVELOPMENT_PII_KEY {
                return invalid(
                    "security.pii_key",
                    "the development key cannot be used in production; set ODR__SECURITY__PII_KEY",
                );
            }
            if self.logging.metrics_token.expose_secret() == DEVELOPMENT_METRICS_TOKEN {
                return invalid(
                    "logging.metrics_token",
                    "the development token cannot be used in production; set ODR__LOGGING__METRICS_TOKEN",
                );
            }
            if self.webhooks.allow_insecure {
                return invalid(
                    "webhooks.allow_insecure",
                    "production sends webhooks only over https to public addresses",
                );
            }
            let endpoint = match self.sms.provider {
                SmsProvider::Aliyun => Some(("sms.aliyun.endpoint", &self.sms.aliyun.endpoint)),
                SmsProvider::Tencent => Some(("sms.tencent.endpoint", &self.sms.tencent.endpoint)),
                SmsProvider::Off | SmsProvider::Log => None,
            };
            if let Some((key, url)) = endpoint.filter(|(_, url)| !url.starts_with("https://")) {
                let _ = url;
                return invalid(key, "production reaches the SMS provider over https");
            }
            if self.sms.provider == SmsProvider::Log {
                return invalid(
                    "sms.provider",
                    "production sends text messages through a provider (aliyun) or not at all (off)",
                );
            }
            if self.email.transport != EmailTransportKind::Smtp {
                return invalid("email.transport", "production sends email over smtp");
            }
        }
        Ok(())
    }

    /// Whether this instance runs with the production profile.
    pub fn is_production(&self) -> bool {
        self.profile == Some(Profile::Production)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config_dir() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("config")
    }

    #[test]
    fn the_shipped_local_profile_is_valid() {
        let settings = Settings::load(&config_dir(), Profile::Local).unwrap();
        assert_eq!(settings.server.port, 8080);
    }

    #[test]
    fn object_storage_needs_a_bucket_and_a_key_and_https_in_production() {
        let mut settings = Settings::load(&config_dir(), Profile::Local).unwrap();
        settings.storage.backend = StorageBackend::S3;
        let error = settings.validate().unwrap_err().to_string();
        assert!(error.contains("storage.s3.bucket"), "{error}");
        settings.storage.s3.bucket = "odr-evidence".into();
        let error = settings.validate().unwrap_err().to_string();
        assert!(error.contains("storage.s3.access_key_id"), "{error}");
        settings.storage.s3.access_key_id = "key".into();
        settings.storage.s3.secret_access_key = SecretString::from("secret");
        settings.storage.s3.endpoint = "http://127.0.0.1:9000".into();
        settings.validate().unwrap();
        settings.profile = Some(Profile::Production);
        let error = storage_error(&settings);
        assert!(error.contains("storage.s3.endpoint"), "{error}");
        settings.storage.s3.endpoint = "https://oss-cn-hangzhou.aliyuncs.com".into();
        assert_eq!(storage_error(&settings), "");
    }

    #[test]
    fn a_read_replica_is_postgres_beside_postgres_and_checked_often_enough() {
        let mut settings = Settings::load(&config_dir(), Profile::Local).unwrap();
        settings.database.read_url = SecretString::from("postgres://odr@replica/odr");
        let error = settings.validate().unwrap_err().to_string();
        assert!(error.contains("database.read_url"), "{error}");
        settings.database.url = SecretString::from("postgres://odr@primary/odr");
        settings.validate().unwrap();
        settings.database.read_your_writes_secs = 2;
        let error = settings.validate().unwrap_err().to_string();
        assert!(error.contains("database.read_your_writes_secs"), "{error}");
    }

    /// What validation says of the storage settings alone.
    fn storage_error(settings: &Settings) -> String {
        settings
            .storage
            .validate(settings.is_production())
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn production_refuses_the_development_jwt_secret() {
        let mut settings = Settings::load(&config_dir(), Profile::Local).unwrap();
        settings.profile = Some(Profile::Production);
        settings.email.transport = EmailTransportKind::Smtp;
        let error = settings.validate().unwrap_err().to_string();
        assert!(error.contains("security.jwt_secret"), "{error}");
    }

    #[test]
    fn production_refuses_the_development_pii_key() {
        let mut settings = Settings::load(&config_dir(), Profile::Local).unwrap();
        settings.profile = Some(Profile::Production);
        settings.email.transport = EmailTransportKind::Smtp;
        settings.security.jwt_secret =
            SecretString::from("a-real-secret-with-more-than-32-characters");
        let error = settings.validate().unwrap_err().to_string();
        assert!(error.contains("security.pii_key"), "{error}");
    }

    #[test]
    fn text_message_templates_use_their_events_values_and_aliyun_needs_its_account() {
        let mut settings = Settings::load(&config_dir(), Profile::Local).unwrap();
        assert_eq!(settings.sms.provider, SmsProvider::Log);
        settings.sms.templates.get_mut("offer").unwrap().text = "${case} ${due}".into();
        let error = settings.validate().unwrap_err().to_string();
        assert!(
            error.contains("sms.templates.offer") && error.contains("${due}"),
            "{error}"
        );
        settings = Settings::load(&config_dir(), Profile::Local).unwrap();
        let misspelt = settings.sms.templates["filed"].clone();
        settings.sms.templates.insert("filing".into(), misspelt);
        let error = settings.validate().unwrap_err().to_string();
        assert!(error.contains("sms.templates.filing"), "{error}");
        settings = Settings::load(&config_dir(), Profile::Local).unwrap();
        settings.sms.provider = SmsProvider::Aliyun;
        let error = settings.validate().unwrap_err().to_string();
        assert!(
            error.contains("code (template id) the provider gave"),
            "{error}"
        );
        for template in settings.sms.templates.values_mut() {
            template.code = "SMS_1".into();
        }
        let error = settings.validate().unwrap_err().to_string();
        assert!(error.contains("sms.aliyun.access_key_id"), "{error}");
        settings.sms.provider = SmsProvider::Tencent;
        let error = settings.validate().unwrap_err().to_string();
        assert!(error.contains("sms.tencent.secret_id"), "{error}");
        settings.sms.provider = SmsProvider::Aliyun;
        settings.sms.aliyun.access_key_id = "LTAI".into();
        settings.sms.aliyun.access_key_secret = SecretString::from("secret");
        settings.sms.aliyun.sign_name = "杭州ODR".into();
        settings.validate().unwrap();
    }

    /// The local profile run as production with real secrets and SMTP, but for the `/metrics`
    /// token.
    fn production_but_the_metrics_token() -> Settings {
        let mut settings = Settings::load(&config_dir(), Profile::Local).unwrap();
        settings.profile = Some(Profile::Production);
        settings.email.transport = EmailTransportKind::Smtp;
        settings.security.jwt_secret =
            SecretString::from("a-real-secret-with-more-than-32-characters");
        settings.security.pii_key =
            SecretString::from("cHJvZHVjdGlvbi1rZXktb2YtMzItYnl0ZXMtbG9uZyE=");
        settings
    }

    #[test]
    fn production_sends_no_text_messages_to_the_log() {
        let mut settings = production_but_the_metrics_token();
        settings.logging.metrics_token = SecretString::from("a-real-metrics-token");
        settings.webhooks.allow_insecure = false;
        settings.sms.provider = SmsProvider::Log;
        let error = settings.validate().unwrap_err().to_string();
        assert!(error.contains("sms.provider"), "{error}");
        settings.sms.provider = SmsProvider::Off;
        settings.validate().unwrap();
    }

    #[test]
    fn production_refuses_the_development_metrics_token() {
        let settings = production_but_the_metrics_token();
        let error = settings.validate().unwrap_err().to_string();
        assert!(error.contains("logging.metrics_token"), "{error}");
    }

    #[test]
    fn a_short_pii_key_is_named_in_the_error() {
        let mut settings = Settings::load(&config_dir(), Profile::Local).unwrap();
        settings.security.pii_key = SecretString::from("c2hvcnQ=");
        let error = settings.validate().unwrap_err().to_string();
        assert!(
            error.contains("security.pii_key") && error.contains("32 bytes"),
            "{error}"
        );
    }

    #[test]
    fn categories_carry_their_names_in_both_languages() {
        let mut settings = Settings::load(&config_dir(), Profile::Local).unwrap();
        let food = &settings.disputes.categories[7];
        assert_eq!(
            (food.code.as_str(), food.name(Lang::Zh), food.name(Lang::En)),
            ("food_safety", "食品安全", "Food safety")
        );
        assert!(food.fits("catering") && !food.fits("motor_vehicles"));
        assert!(settings.disputes.categories[0].fits("motor_vehicles"));
        let own: Category = serde_json::from_value(serde_json::json!(
            { "code": "home_renovation", "zh": "家装服务", "en": "Home renovation" }
        ))
        .unwrap();
        assert_eq!(own.name(Lang::En), "Home renovation");
        settings.disputes.categories.push(own.clone());
        assert!(settings.validate().is_ok());

        settings.disputes.categories.push(own);
        let twice = settings.validate().unwrap_err().to_string();
        assert!(twice.contains("listed twice"), "{twice}");
        settings.disputes.categories.pop();

        let misspelt = serde_json::from_value::<Category>(serde_json::json!(
            { "code": "pets", "zh": "宠物", "eng": "Pets" }
        ));
        assert!(
            misspelt
                .unwrap_err()
                .to_string()
                .contains("{ code, zh, en }")
        );

        let unnamed: Category = serde_json::from_value(serde_json::json!("pet_services")).unwrap();
        settings.disputes.categories.push(unnamed);
        let error = settings.validate().unwrap_err().to_string();
        assert!(
            error.contains("disputes.categories") && error.contains("pet_services"),
            "{error}"
        );
    }

    #[test]
    fn an_unknown_database_scheme_is_refused() {
        let mut settings = Settings::load(&config_dir(), Profile::Local).unwrap();
        settings.database.url = SecretString::from("mysql://localhost/odr");
        let error = settings.validate().unwrap_err().to_string();
        assert!(error.contains("database.url"), "{error}");
    }

    #[test]
    fn escalation_routes_and_gateways_are_checked_by_key() {
        let load = || Settings::load(&config_dir(), Profile::Local).unwrap();
        let gateway = |url: &str, secret: &str| HttpConnectorSettings {
            url: url.into(),
            secret: SecretString::from(secret.to_string()),
            timeout_ms: 1000,
        };
        let error = |s: Settings| s.validate().unwrap_err().to_string();

        let mut s = load();
        s.escalation.default_connector = "gateway".into();
        assert!(error(s).contains("escalation.default_connector"));

        let mut s = load();
        s.escalation
            .connectors
            .insert("gw".into(), gateway("http://gw.example", "short"));
        assert!(error(s).contains("escalation.connectors.gw.secret"));

        let mut s = load();
        s.escalation.connectors.insert(
            "gw".into(),
            gateway("http://gw.example", "a-long-enough-shared-secret-for-hmac"),
        );
        s.escalation.routes.push(ConnectorRoute {
            industry: None,
            region: Some("3301".into()),
            connector: "gw".into(),
        });
        assert!(error(s).contains("escalation.routes[0].region"));

        let mut s = load();
        s.escalation.connectors.insert(
            "gw".into(),
            gateway("http://gw.example", "a-long-enough-shared-secret-for-hmac"),
        );
        s.escalation.routes.push(ConnectorRoute {
            industry: Some("education".into()),
            region: None,
            connector: "gw".into(),
        });
        assert!(s.validate().is_ok());
        assert_eq!(s.escalation.connector_for("education", "330106"), "gw");
        assert_eq!(s.escalation.connector_for("catering", "330106"), "builtin");
        // Production reaches gateways over https only.
        s.profile = Some(Profile::Production);
        s.email.transport = EmailTransportKind::Smtp;
        s.security.jwt_secret = SecretString::from("a-real-secret-with-more-than-32-characters");
        s.security.pii_key = SecretString::from("cHJvZHVjdGlvbi1rZXktb2YtMzItYnl0ZXMtbG9uZyE=");
        assert!(error(s).contains("escalation.connectors.gw.url"));
    }

    #[test]
    fn database_passwords_are_hidden_from_debug_output() {
        assert_eq!(
            redact_url("postgres://odr:hunter2@db:5432/odr"),
            "postgres://odr:***@db:5432/odr"
        );
        assert_eq!(redact_url("sqlite://data/odr.db"), "sqlite://data/odr.db");
    }
}
