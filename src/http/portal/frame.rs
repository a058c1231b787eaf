//! What every page shares: its language, the signed-in account, the navigation, the form
//! token, notices, and how values are shown (Shanghai time, yuan, countdowns).

use std::sync::Arc;

use actix_web::HttpResponse;
use actix_web::http::{StatusCode, header};
use chrono::{DateTime, Utc};

use super::labels;
use crate::config::Settings;
use crate::domain::role::Role;
use crate::error::ApiError;

/// The language of a page: Simplified Chinese unless the visitor chose English.
pub use crate::i18n::Lang;

/// One link of the navigation bar.
#[derive(Debug, Clone)]
pub struct NavLink {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

/// A sentence shown at the top of a page after something happened.
#[derive(Debug, Clone)]
pub struct Notice {
    /// `ok` or `error`.
    pub kind: &'static str,
    pub text: String,
}

/// The frame of a page: everything `base.html` shows around the content.
#[derive(Debug, Clone)]
pub struct Frame {
    pub l: Lang,
    pub title: String,
    pub user_name: Option<String>,
    pub role: Option<Role>,
    pub nav: Vec<NavLink>,
    /// The form token every form posts back.
    pub csrf: String,
    /// The deployment's settings (its dispute categories, with their names).
    pub settings: Arc<Settings>,
    /// This page's path and query, for the language switch and the login return.
    pub path: String,
    pub notice: Option<Notice>,
    pub now: DateTime<Utc>,
    /// The signed-in account's unread notifications, counted up to
    /// [`crate::http::notifications::UNREAD_CAP`].
    pub unread: Option<i64>,
}

/// The navigation of each role: (path, message id).
fn nav_of(role: Option<Role>) -> &'static [(&'static str, &'static str)] {
    match role {
        None => &[
            ("/", "nav-home"),
            ("/units", "nav-odr-units"),
            ("/cases", "nav-published-cases"),
            ("/warnings", "nav-consumer-alerts"),
        ],
        Some(Role::Consumer) => &[
            ("/units", "nav-file-a-dispute"),
            ("/my/disputes", "nav-my-disputes"),
            ("/cases", "nav-published-cases"),
            ("/warnings", "nav-consumer-alerts"),
        ],
        Some(Role::MerchantStaff) => &[
            ("/inbox", "nav-inbox"),
            ("/unit", "nav-unit-profile"),
            ("/unit/staff", "nav-staff"),
            ("/unit/metrics", "nav-metrics"),
            ("/unit/webhooks", "nav-webhooks"),
        ],
        Some(Role::AssociationAdmin) => &[
            ("/members", "nav-members"),
            ("/members/import", "nav-bulk-import"),
            ("/members/metrics", "nav-members-metrics"),
        ],
        Some(Role::Regulator) => &[
            ("/dashboard", "nav-dashboard"),
            ("/inbox", "nav-region-disputes"),
            ("/approvals", "nav-approvals"),
            ("/evaluation", "nav-evaluation"),
            ("/escalations", "nav-escalations"),
            ("/followed", "nav-followed"),
            ("/mediations", "nav-mediations"),
            ("/alerts", "nav-alerts"),
            ("/reports", "nav-reports"),
            ("/publications", "nav-publications"),
            ("/reply-templates", "nav-reply-templates"),
            ("/audit", "nav-audit-log"),
        ],
        Some(Role::Mediator) => &[("/mediations", "nav-mediations")],
        Some(Role::Admin) => &[
            ("/admin/calendars", "nav-calendars"),
            ("/admin/policies", "nav-deadline-policies"),
            ("/admin/users", "nav-accounts"),
            ("/admin/sms", "nav-text-messages"),
            ("/audit", "nav-audit-log"),
        ],
    }
}

/// The page a role starts at after logging in.
pub fn home_of(role: Role) -> &'static str {
    match role {
        Role::Consumer => "/my/disputes",
        Role::MerchantStaff => "/inbox",
        Role::AssociationAdmin => "/members",
        Role::Regulator => "/dashboard",
        Role::Mediator => "/mediations",
        Role::Admin => "/admin/calendars",
    }
}

impl Frame {
    /// A frame for `path` in `l`; the session fills in the account.
    pub fn new(
        l: Lang,
        role: Option<Role>,
        user_name: Option<String>,
        csrf: String,
        path: String,
        now: DateTime<Utc>,
        settings: Arc<Settings>,
    ) -> Self {
        let route = path.split('?').next().unwrap_or_default().to_string();
        let links = nav_of(role);
        // One tab is current: the longest link this page is at or under (`/unit/staff` is the
        // staff tab, not also the unit's profile).
        let current = links
            .iter()
            .map(|(href, _)| *href)
            .filter(|href| {
                *href == route || (*href != "/" && route.starts_with(&format!("{href}/")))
            })
            .max_by_key(|href| href.len());
        let nav = links
            .iter()
            .map(|(href, id)| NavLink {
                href,
                label: l.s(id),
                current: current == Some(*href),
            })
            .collect();
        Self {
            l,
            title: String::new(),
            user_name,
            role,
            nav,
            csrf,
            path,
            notice: None,
            now,
            settings,
            unread: None,
        }
    }

    /// The frame without the navigation link `href` (a page this account may not use).
    pub fn without_link(mut self, href: &str) -> Self {
        self.nav.retain(|link| link.href != href);
        self
    }

    /// The frame with the account's unread count.
    pub fn with_unread(mut self, unread: Option<i64>) -> Self {
        self.unread = unread;
        self
    }

    /// The unread count shown in the header, "99+" beyond 99; none when nothing is unread.
    pub fn unread_badge(&self) -> Option<String> {
        match self.unread {
            Some(n) if n > 99 => Some("99+".into()),
            Some(n) if n > 0 => Some(n.to_string()),
            _ => None,
        }
    }

    /// This frame with a title in words already (a report's kind).
    pub fn titled_as(mut self, title: &str) -> Self {
        self.title = title.to_string();
        self
    }

    /// This frame with a title.
    pub fn titled(mut self, id: &'static str) -> Self {
        self.title = self.l.s(id).to_string();
        self
    }

    /// The message `id` in the page's language (src/locales/<language>/portal.ftl).
    pub fn s(&self, id: &'static str) -> &'static str {
        self.l.s(id)
    }

    /// The message `id` with its one variable `name` set to `value`.
    pub fn format(&self, id: &str, name: &str, value: impl std::fmt::Display) -> String {
        self.l.format(id, &[(name, value.to_string().into())])
    }

    /// The message `id` with its one number `name` set to `n` (for words that agree with it).
    pub fn count(&self, id: &str, name: &str, n: &i64) -> String {
        self.l.format(id, &[(name, (*n).into())])
    }

    /// A calendar's name of a holiday or make-up working day (春节), in the page's language.
    pub fn day_name(&self, name: &str) -> String {
        match self.l {
            Lang::En => crate::domain::calendar::day_name_in_english(name),
            Lang::Zh => name.to_string(),
        }
    }

    /// A name kept in both languages (a region, an industry).
    pub fn name<'a>(&self, zh: &'a str, en: &'a str) -> &'a str {
        self.l.name(zh, en)
    }

    /// Whether the page is in English.
    pub fn en(&self) -> bool {
        self.l == Lang::En
    }

    /// The address of this page in the other language.
    pub fn switch_href(&self) -> String {
        let to = match self.l {
            Lang::Zh => "en",
            Lang::En => "zh-CN",
        };
        format!("/lang?to={to}&next={}", encode(&self.path))
    }

    /// A time in Shanghai, to the minute.
    pub fn time(&self, at: &DateTime<Utc>) -> String {
        at.with_timezone(&chrono_tz::Asia::Shanghai)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    }

    /// A date in Shanghai.
    pub fn date(&self, at: &DateTime<Utc>) -> String {
        at.with_timezone(&chrono_tz::Asia::Shanghai)
            .format("%Y-%m-%d")
            .to_string()
    }

    /// Fen as grouped yuan with two decimals.
    pub fn yuan(&self, fen: &i64) -> String {
        crate::domain::money::format_yuan(*fen)
    }

    /// How long until `due`, or how long it is past.
    pub fn countdown(&self, due: &DateTime<Utc>) -> String {
        let left = *due - self.now;
        let (past, left) = if left < chrono::Duration::zero() {
            (true, -left)
        } else {
            (false, left)
        };
        let days = left.num_days();
        let hours = left.num_hours() - days * 24;
        let span = if days == 0 {
            self.l.format("span-hours", &[("hours", hours.into())])
        } else {
            self.l.format(
                "span-days-hours",
                &[("days", days.into()), ("hours", hours.into())],
            )
        };
        let id = if past {
            "countdown-overdue"
        } else {
            "countdown-left"
        };
        self.l.format(id, &[("span", span.into())])
    }

    /// Whether `due` has passed.
    pub fn past(&self, due: &DateTime<Utc>) -> bool {
        *due < self.now
    }

    /// The word for a value of a closed set.
    pub fn label<E: labels::Labelled>(&self, value: &E) -> &'static str {
        labels::of(self.l, *value)
    }

    /// A dispute status.
    pub fn status<'a>(&self, code: &'a (impl AsRef<str> + ?Sized)) -> &'a str {
        labels::status(self.l, code.as_ref())
    }

    /// A remedy.
    pub fn remedy<'a>(&self, code: &'a (impl AsRef<str> + ?Sized)) -> &'a str {
        labels::remedy(self.l, code.as_ref())
    }

    /// A dispute category: its configured name, or the code of one no longer configured.
    pub fn category<'a>(&'a self, code: &'a (impl AsRef<str> + ?Sized)) -> &'a str {
        let code = code.as_ref();
        self.settings
            .disputes
            .categories
            .iter()
            .find(|c| c.code == code)
            .map_or_else(|| labels::category(self.l, code), |c| c.name(self.l))
    }

    /// A party or actor.
    pub fn party<'a>(&self, code: &'a (impl AsRef<str> + ?Sized)) -> &'a str {
        labels::party(self.l, code.as_ref())
    }

    /// A timeline event.
    pub fn event<'a>(&self, code: &'a (impl AsRef<str> + ?Sized)) -> &'a str {
        labels::event(self.l, code.as_ref())
    }

    /// An account role.
    pub fn role_name<'a>(&self, code: &'a (impl AsRef<str> + ?Sized)) -> &'a str {
        labels::role(self.l, code.as_ref())
    }

    /// A state of an escalation.
    pub fn escalation_state<'a>(&self, code: &'a (impl AsRef<str> + ?Sized)) -> &'a str {
        labels::escalation_state(self.l, code.as_ref())
    }

    /// Why a dispute was escalated.
    pub fn escalation_reason<'a>(&self, reason: &'a str) -> &'a str {
        labels::escalation_reason(self.l, reason)
    }

    /// A rate (0–1) as a percentage, or a dash.
    pub fn percent(&self, rate: &Option<f64>) -> String {
        rate.map_or_else(|| "—".into(), |r| format!("{:.1}%", r * 100.0))
    }

    /// The frame with a notice.
    pub fn with_notice(mut self, kind: &'static str, text: impl Into<String>) -> Self {
        self.notice = Some(Notice {
            kind,
            text: text.into(),
        });
        self
    }

    /// The frame with the sentence for an error.
    pub fn with_error(self, error: &ApiError) -> Self {
        let text = explain(self.l, error);
        self.with_notice("error", text)
    }

    /// The frame telling what went wrong and what each failing field needs.
    pub fn with_field_errors(self, error: &ApiError) -> Self {
        let text = explain_fields(self.l, error);
        self.with_notice("error", text)
    }
}

/// The id of the sentence of a failing field: `error-` and the field's name with every
/// character that is not a letter or digit as `-`.
pub fn error_id(field: &str) -> String {
    let name: String = (field.chars())
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    format!("error-{name}")
}

/// The attributes of a failing field's control: invalid, and described by the sentence `id`.
pub fn invalid_and_described_by(id: &str) -> String {
    format!(" aria-invalid=\"true\" aria-describedby=\"{id}\"")
}

/// The failing fields of a form, in the page's language.
#[derive(Debug, Clone, Default)]
pub struct Fields(Vec<(String, String)>);

impl Fields {
    /// The fields of a refused request (none when it failed for another reason).
    pub fn of(l: Lang, error: &ApiError) -> Self {
        Self(
            error
                .field_errors()
                .iter()
                .map(|e| {
                    (
                        e.field.clone(),
                        labels::field_error(l, &e.code, &e.message, &e.args),
                    )
                })
                .collect(),
        )
    }

    /// Marks `field` as failing the rule `code`.
    pub fn mark(&mut self, l: Lang, field: &str, code: &str) {
        self.0
            .push((field.into(), labels::field_error(l, code, code, &[])));
    }

    /// The id of the sentence for `field` (`error-item-name` for `item.name`), which its control
    /// names in `aria-describedby`.
    pub fn id(&self, field: &str) -> String {
        error_id(field)
    }

    /// The attributes of `field`'s control when it failed: marked invalid and described by its
    /// sentence, so that a screen reader reads the sentence with the field. Empty otherwise.
    pub fn attrs(&self, field: &str) -> String {
        match self.get(field) {
            Some(_) => invalid_and_described_by(&error_id(field)),
            None => String::new(),
        }
    }

    /// The sentence for `field`, if it failed: the field itself, its parts (`item` for
    /// `item.name`, `remedies` for `remedies[1]`), or the API's amount in fen that the form
    /// asks for in yuan (`amount_claimed` for `amount_claimed_fen`).
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(f, _)| is_part(f, field))
            .map(|(_, m)| m.as_str())
    }

    /// The sentences of the failing fields that none of the form fields `shown` stands for,
    /// which the page says elsewhere.
    pub fn not_at(&self, shown: &[&str]) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(f, _)| !shown.iter().any(|field| is_part(f, field)))
            .map(|(_, m)| m.as_str())
            .collect()
    }

    /// Adds the failures of `other`.
    pub fn extend(&mut self, other: Fields) {
        self.0.extend(other.0);
    }

    /// Whether nothing failed.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Whether the API's field `failed` is form field `field` or a part of it ([`Fields::get`]).
fn is_part(failed: &str, field: &str) -> bool {
    failed == field
        || failed.strip_suffix("_fen") == Some(field)
        || failed
            .strip_prefix(field)
            .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
}

/// Percent-encodes a query value.
pub fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// What went wrong, in the visitor's language: the code's own sentence
/// (`src/locales/*/errors.ftl`).
pub fn explain(l: Lang, error: &ApiError) -> String {
    error.code().text(l).into_owned()
}

/// [`explain`] with what each failing field needs, for a page that has no mark beside its
/// fields (the small forms of a dispute's page).
pub fn explain_fields(l: Lang, error: &ApiError) -> String {
    let mut text = explain(l, error);
    for field in error.field_errors() {
        text.push(' ');
        text.push_str(&labels::field_error(
            l,
            &field.code,
            &field.message,
            &field.args,
        ));
    }
    text
}

/// Content Security Policy of every page: only this site's styles and images, no scripts
/// from anywhere, no framing.
pub const PAGE_CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// An HTML response with the portal's security headers.
pub fn html(
    status: StatusCode,
    body: Result<String, askama::Error>,
) -> Result<HttpResponse, ApiError> {
    let body = body.map_err(ApiError::internal)?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, PAGE_CSP))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "same-origin"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body))
}

/// A redirect after a form (303: the browser follows with GET).
pub fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish()
}

/// A local path to return to, or `fallback` for anything that could leave the site: only
/// `/` followed by something other than `/` or `\\`, with no backslash, no whitespace and no
/// control character anywhere (browsers drop tabs and line breaks from an address, so
/// `/\t/evil.example` would become `//evil.example`).
pub fn local_path(next: Option<&str>, fallback: &str) -> String {
    let is_local = |n: &str| {
        n.starts_with('/')
            && !n.starts_with("//")
            && !n.contains('\\')
            && !n.chars().any(|c| c.is_control() || c.is_whitespace())
    };
    match next {
        // Characters beyond ASCII (a search for 饭店) travel percent-encoded in a Location.
        Some(n) if is_local(n) => n
            .chars()
            .map(|c| {
                if c.is_ascii() {
                    c.to_string()
                } else {
                    let mut buffer = [0u8; 4];
                    c.encode_utf8(&mut buffer)
                        .bytes()
                        .map(|b| format!("%{b:02X}"))
                        .collect()
                }
            })
            .collect(),
        _ => fallback.to_string(),
    }
}
