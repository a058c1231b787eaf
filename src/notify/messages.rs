//! The messages the platform sends, each rendered from its template folder (`subject`,
//! `text`, `html`) in the recipient's language: Simplified Chinese unless they chose English.

use askama::Template;

use super::email::OutgoingEmail;

/// A recipient's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    ZhCn,
    En,
}

impl Language {
    /// `en` (or `en-…`) is English; everything else, Chinese.
    pub fn parse(tag: &str) -> Self {
        if tag.eq_ignore_ascii_case("en") || tag.to_ascii_lowercase().starts_with("en-") {
            Self::En
        } else {
            Self::ZhCn
        }
    }

    /// The stored tag.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ZhCn => "zh-CN",
            Self::En => "en",
        }
    }

    fn is_en(self) -> bool {
        self == Self::En
    }
}

/// Invitation to set a first password (association import, staff, regulators).
#[derive(Debug, Clone)]
pub struct Invitation {
    pub language: Language,
    pub name: String,
    /// What the account is for: a business name, a region or the platform.
    pub organisation: String,
    pub link: String,
    pub valid_hours: i64,
}

#[derive(Template)]
#[template(path = "email/invitation/subject.txt")]
struct InvitationSubject<'a> {
    m: &'a Invitation,
    en: bool,
}

#[derive(Template)]
#[template(path = "email/invitation/text.txt")]
struct InvitationText<'a> {
    m: &'a Invitation,
    en: bool,
}

#[derive(Template)]
#[template(path = "email/invitation/html.html")]
struct InvitationHtml<'a> {
    m: &'a Invitation,
    en: bool,
}

/// Rendering a template failed (a programming error, reported rather than panicking).
#[derive(Debug, thiserror::Error)]
#[error("email template could not be rendered: {0}")]
pub struct RenderError(#[from] askama::Error);

impl Invitation {
    /// Renders the message for `to`.
    pub fn render(&self, to: &str) -> Result<OutgoingEmail, RenderError> {
        let en = self.language.is_en();
        Ok(OutgoingEmail {
            to: to.to_string(),
            subject: InvitationSubject { m: self, en }
                .render()?
                .trim()
                .to_string(),
            text: InvitationText { m: self, en }.render()?,
            html: InvitationHtml { m: self, en }.render()?,
        })
    }
}

/// A link to choose a new password (the account's owner asked for it).
#[derive(Debug, Clone)]
pub struct PasswordReset {
    pub language: Language,
    pub name: String,
    pub link: String,
    pub valid_minutes: i64,
}

#[derive(Template)]
#[template(path = "email/password_reset/subject.txt")]
struct PasswordResetSubject {
    en: bool,
}

#[derive(Template)]
#[template(path = "email/password_reset/text.txt")]
struct PasswordResetText<'a> {
    m: &'a PasswordReset,
    en: bool,
}

#[derive(Template)]
#[template(path = "email/password_reset/html.html")]
struct PasswordResetHtml<'a> {
    m: &'a PasswordReset,
    en: bool,
}

impl PasswordReset {
    /// Renders the message for `to`.
    pub fn render(&self, to: &str) -> Result<OutgoingEmail, RenderError> {
        let en = self.language.is_en();
        Ok(OutgoingEmail {
            to: to.to_string(),
            subject: PasswordResetSubject { en }.render()?.trim().to_string(),
            text: PasswordResetText { m: self, en }.render()?,
            html: PasswordResetHtml { m: self, en }.render()?,
        })
    }
}

/// A dispute event for one of its parties.
#[derive(Debug, Clone)]
pub struct DisputeNotice {
    pub language: Language,
    pub name: String,
    pub headline: String,
    pub detail: String,
    pub case_number: String,
    pub link: String,
}

#[derive(Template)]
#[template(path = "email/dispute_notice/subject.txt")]
struct DisputeNoticeSubject<'a> {
    m: &'a DisputeNotice,
}

#[derive(Template)]
#[template(path = "email/dispute_notice/text.txt")]
struct DisputeNoticeText<'a> {
    m: &'a DisputeNotice,
    en: bool,
}

#[derive(Template)]
#[template(path = "email/dispute_notice/html.html")]
struct DisputeNoticeHtml<'a> {
    m: &'a DisputeNotice,
    en: bool,
}

impl DisputeNotice {
    /// Renders the message for `to`.
    pub fn render(&self, to: &str) -> Result<OutgoingEmail, RenderError> {
        let en = self.language.is_en();
        Ok(OutgoingEmail {
            to: to.to_string(),
            subject: DisputeNoticeSubject { m: self }
                .render()?
                .trim()
                .to_string(),
            text: DisputeNoticeText { m: self, en }.render()?,
            html: DisputeNoticeHtml { m: self, en }.render()?,
        })
    }
}

/// A unit's daily list of what falls due.
#[derive(Debug, Clone)]
pub struct DailyDigest {
    pub language: Language,
    pub name: String,
    pub business: String,
    pub date: String,
    /// One line per due date: case number, item, which limit, local due time.
    pub lines: Vec<String>,
    pub link: String,
}

#[derive(Template)]
#[template(path = "email/daily_digest/subject.txt")]
struct DailyDigestSubject<'a> {
    m: &'a DailyDigest,
    en: bool,
}

#[derive(Template)]
#[template(path = "email/daily_digest/text.txt")]
struct DailyDigestText<'a> {
    m: &'a DailyDigest,
    en: bool,
}

#[derive(Template)]
#[template(path = "email/daily_digest/html.html")]
struct DailyDigestHtml<'a> {
    m: &'a DailyDigest,
    en: bool,
}

impl DailyDigest {
    /// Renders the message for `to`.
    pub fn render(&self, to: &str) -> Result<OutgoingEmail, RenderError> {
        let en = self.language.is_en();
        Ok(OutgoingEmail {
            to: to.to_string(),
            subject: DailyDigestSubject { m: self, en }
                .render()?
                .trim()
                .to_string(),
            text: DailyDigestText { m: self, en }.render()?,
            html: DailyDigestHtml { m: self, en }.render()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invitation(language: Language) -> Invitation {
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
        let email = invitation(Language::parse("zh-CN"))
            .render("wang@example.cn")
            .unwrap();
        assert!(email.subject.contains("邀请"), "{}", email.subject);
        assert!(email.text.contains("王经理") && email.text.contains("token=abc"));
        assert!(email.text.contains("168"));
    }

    #[test]
    fn english_recipients_get_english() {
        let email = invitation(Language::parse("en"))
            .render("wang@example.cn")
            .unwrap();
        assert!(email.subject.contains("invited"), "{}", email.subject);
        assert!(email.text.contains("Set your password"));
    }

    #[test]
    fn html_escapes_names() {
        let email = invitation(Language::ZhCn)
            .render("wang@example.cn")
            .unwrap();
        assert!(
            email.html.contains("杭州&#60;西湖&#62;") || email.html.contains("杭州&lt;西湖&gt;"),
            "{}",
            email.html
        );
    }
}
