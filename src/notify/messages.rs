//! The messages the platform sends, in the recipient's language: Simplified Chinese unless
//! they chose English. Their words are the `email-*` messages of
//! src/locales/<language>/email.ftl, laid out by one pair of templates (`email/layout`).

use askama::Template;

use super::email::OutgoingEmail;
use crate::i18n::{FluentValue, Lang};

/// Invitation to set a first password (association import, staff, regulators).
#[derive(Debug, Clone)]
pub struct Invitation {
    pub language: Lang,
    pub name: String,
    /// What the account is for: a business name, a region or the platform.
    pub organisation: String,
    pub link: String,
    pub valid_hours: i64,
}

/// Rendering a template failed (a programming error, reported rather than panicking).
#[derive(Debug, thiserror::Error)]
#[error("email template could not be rendered: {0}")]
pub struct RenderError(#[from] askama::Error);

/// The words of one email, laid out the same way for every kind of message.
struct Layout<'a> {
    lang: Lang,
    subject: String,
    name: &'a str,
    /// Shown in bold above the paragraphs in HTML; the text version has it in the subject.
    headline: Option<&'a str>,
    paragraphs: Vec<String>,
    lines: &'a [String],
    /// The sentence that leads to the link, and the link's own words in HTML.
    link_intro: String,
    link_label: String,
    link: &'a str,
    after: Vec<String>,
}

#[derive(Template)]
#[template(path = "email/layout/text.txt")]
struct LayoutText<'a> {
    m: &'a Layout<'a>,
    greeting: String,
    signature: String,
}

#[derive(Template)]
#[template(path = "email/layout/html.html")]
struct LayoutHtml<'a> {
    m: &'a Layout<'a>,
    greeting: String,
}

impl Layout<'_> {
    fn render(&self, to: &str) -> Result<OutgoingEmail, RenderError> {
        let l = self.lang;
        let greeting = l.format("email-greeting", &[("name", self.name.into())]);
        Ok(OutgoingEmail {
            to: to.to_string(),
            subject: self.subject.trim().to_string(),
            text: LayoutText {
                m: self,
                greeting: greeting.clone(),
                signature: l.s("email-signature").to_string(),
            }
            .render()?,
            html: LayoutHtml { m: self, greeting }.render()?,
        })
    }
}

impl Invitation {
    /// Renders the message for `to`.
    pub fn render(&self, to: &str) -> Result<OutgoingEmail, RenderError> {
        let l = self.language;
        let organisation = || FluentValue::from(self.organisation.as_str());
        Layout {
            lang: l,
            subject: l.format(
                "email-invitation-subject",
                &[("organisation", organisation())],
            ),
            name: &self.name,
            headline: None,
            paragraphs: vec![l.format(
                "email-invitation-created",
                &[("organisation", organisation())],
            )],
            lines: &[],
            link_intro: l.format(
                "email-invitation-within",
                &[("hours", self.valid_hours.into())],
            ),
            link_label: l.s("email-invitation-link").to_string(),
            link: &self.link,
            after: vec![l.s("email-invitation-ignore").to_string()],
        }
        .render(to)
    }
}

/// A link to choose a new password (the account's owner asked for it).
#[derive(Debug, Clone)]
pub struct PasswordReset {
    pub language: Lang,
    pub name: String,
    pub link: String,
    pub valid_minutes: i64,
}

impl PasswordReset {
    /// Renders the message for `to`.
    pub fn render(&self, to: &str) -> Result<OutgoingEmail, RenderError> {
        let l = self.language;
        Layout {
            lang: l,
            subject: l.s("email-reset-subject").to_string(),
            name: &self.name,
            headline: None,
            paragraphs: vec![l.s("email-reset-asked").to_string()],
            lines: &[],
            link_intro: l.format(
                "email-reset-within",
                &[("minutes", self.valid_minutes.into())],
            ),
            link_label: l.s("email-reset-link").to_string(),
            link: &self.link,
            after: vec![l.s("email-reset-ignore").to_string()],
        }
        .render(to)
    }
}

/// A dispute event for one of its parties.
#[derive(Debug, Clone)]
pub struct DisputeNotice {
    pub language: Lang,
    pub name: String,
    /// Names the case and what happened.
    pub subject: String,
    pub headline: String,
    pub detail: String,
    pub case_number: String,
    pub link: String,
}

impl DisputeNotice {
    /// Renders the message for `to`.
    pub fn render(&self, to: &str) -> Result<OutgoingEmail, RenderError> {
        let l = self.language;
        let mut paragraphs = vec![self.detail.clone()];
        if !self.case_number.is_empty() {
            paragraphs.push(l.format(
                "email-case-number",
                &[("case_number", self.case_number.as_str().into())],
            ));
        }
        Layout {
            lang: l,
            subject: self.subject.clone(),
            name: &self.name,
            headline: Some(&self.headline),
            paragraphs,
            lines: &[],
            link_intro: l.s("email-notice-login").to_string(),
            link_label: l.s("email-open-platform").to_string(),
            link: &self.link,
            after: Vec::new(),
        }
        .render(to)
    }
}

/// One notice about several disputes for one of their parties (a sweep's lapses at one unit,
/// escalations queued in one region at once).
#[derive(Debug, Clone)]
pub struct ManyDisputesNotice {
    pub language: Lang,
    pub name: String,
    /// Names how many disputes and what happened to them.
    pub subject: String,
    /// What happened, naming how many disputes.
    pub detail: String,
    pub case_numbers: Vec<String>,
    pub link: String,
}

impl ManyDisputesNotice {
    /// Renders the message for `to`.
    pub fn render(&self, to: &str) -> Result<OutgoingEmail, RenderError> {
        let l = self.language;
        let lines: Vec<String> = self
            .case_numbers
            .iter()
            .map(|n| l.format("email-case-number", &[("case_number", n.as_str().into())]))
            .collect();
        Layout {
            lang: l,
            subject: self.subject.clone(),
            name: &self.name,
            headline: Some(&self.subject),
            paragraphs: vec![self.detail.clone()],
            lines: &lines,
            link_intro: l.s("email-notice-login").to_string(),
            link_label: l.s("email-open-platform").to_string(),
            link: &self.link,
            after: Vec::new(),
        }
        .render(to)
    }
}

/// A unit's daily list of what falls due.
#[derive(Debug, Clone)]
pub struct DailyDigest {
    pub language: Lang,
    pub name: String,
    pub business: String,
    pub date: String,
    /// One line per due date: case number, item, which limit, local due time.
    pub lines: Vec<String>,
    pub link: String,
}

impl DailyDigest {
    /// Renders the message for `to`.
    pub fn render(&self, to: &str) -> Result<OutgoingEmail, RenderError> {
        let l = self.language;
        let business = || FluentValue::from(self.business.as_str());
        Layout {
            lang: l,
            subject: l.format(
                "email-digest-subject",
                &[
                    ("business", business()),
                    ("count", self.lines.len().into()),
                    ("date", self.date.as_str().into()),
                ],
            ),
            name: &self.name,
            headline: None,
            paragraphs: vec![l.format("email-digest-lead", &[("business", business())])],
            lines: &self.lines,
            link_intro: l.s("email-digest-login").to_string(),
            link_label: l.s("email-open-platform").to_string(),
            link: &self.link,
            after: Vec::new(),
        }
        .render(to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invitation(language: Lang) -> Invitation {
        Invitation {
            language,
            name: "王经理".into(),
            organisation: "杭州<西湖>汽车销售服务有限公司".into(),
            link: "http://127.0.0.1:8080/invitations/accept?token=abc".into(),
            valid_hours: 168,
        }
    }

    #[test]
    fn chinese_is_the_default_language() {
        let email = invitation(Lang::of("zh-CN"))
            .render("wang@example.cn")
            .unwrap();
        assert!(email.subject.contains("邀请"), "{}", email.subject);
        assert!(email.text.contains("王经理") && email.text.contains("token=abc"));
        assert!(email.text.contains("168"));
    }

    #[test]
    fn english_recipients_get_english() {
        let email = invitation(Lang::of("en"))
            .render("wang@example.cn")
            .unwrap();
        assert!(email.subject.contains("invited"), "{}", email.subject);
        assert!(email.text.contains("Set your password"));
    }

    #[test]
    fn html_escapes_names() {
        let email = invitation(Lang::Zh).render("wang@example.cn").unwrap();
        assert!(
            email.html.contains("杭州&#60;西湖&#62;") || email.html.contains("杭州&lt;西湖&gt;"),
            "{}",
            email.html
        );
    }

    fn digest(language: Lang, lines: usize) -> OutgoingEmail {
        DailyDigest {
            language,
            name: "王经理".into(),
            business: "西溪人家".into(),
            date: "2026-12-07".into(),
            lines: (1..=lines)
                .map(|n| format!("ODR{n} · 火锅 · due"))
                .collect(),
            link: "http://127.0.0.1:8080/inbox".into(),
        }
        .render("wang@example.cn")
        .unwrap()
    }

    #[test]
    fn a_digest_counts_its_disputes_in_the_recipients_words() {
        assert_eq!(
            digest(Lang::En, 1).subject,
            "西溪人家: 1 dispute falls due (2026-12-07)"
        );
        assert_eq!(
            digest(Lang::En, 3).subject,
            "西溪人家: 3 disputes fall due (2026-12-07)"
        );
        let zh = digest(Lang::Zh, 2);
        assert_eq!(zh.subject, "西溪人家：2 件纠纷即将到期（2026-12-07）");
        assert!(zh.text.starts_with("王经理，您好："), "{}", zh.text);
        assert!(zh.text.contains("- ODR2 · 火锅 · due\n"), "{}", zh.text);
        assert!(zh.text.trim_end().ends_with("—— ODR 在线消费纠纷解决平台"));
        assert!(
            zh.html.contains("<li>ODR1 · 火锅 · due</li>"),
            "{}",
            zh.html
        );
    }
}
