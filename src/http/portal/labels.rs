//! Words the pages show for the platform's stable codes, in both languages: the message
//! `<set>-<code>` of src/locales/<language>/labels.ftl. A test below fails when a value of a
//! closed set has no word in either language.

use super::frame::Lang;
use crate::disputes::notices::Deadline;
use crate::domain::{
    alert::{AlertKind, AlertStatus},
    bureau::BureauDeadline,
    calendar::SkipReason,
    claim::{ItemKind, Remedy},
    commitment::CommitmentKind,
    dispute::{Actor, Party, Status, TimelineKind},
    document::DocumentKind,
    escalation::EscalationState,
    following::{FollowReason, VisitChannel},
    mediation::{
        MediationOrigin, MediationOutcome, MediationState, MediatorKind, SessionMode,
        SessionOutcome,
    },
    notification::NotificationKind,
    offer::OfferStatus,
    policy::DayCount,
    publication::{PublicationKind, PublicationStatus},
    role::{Role, StaffRole},
    sms::{SmsEvent, SmsStatus},
    unit::{UnitActor, UnitDecision, UnitStatus},
    webhook::{DeliveryStatus, FailureKind, WebhookEvent},
};
use crate::http::public::Standing;
use crate::oversight::reports::ReportKind;

/// A closed set whose values the pages name in words.
pub trait Labelled: Copy + 'static {
    /// The set's prefix in labels.ftl.
    const SET: &'static str;
    /// The value's stable name.
    fn code(self) -> &'static str;
}

macro_rules! labelled {
    ($($ty:ty => $set:literal),* $(,)?) => {
        $(impl Labelled for $ty {
            const SET: &'static str = $set;
            fn code(self) -> &'static str {
                self.as_str()
            }
        })*

        /// The message id of every value of every labelled set.
        #[cfg(test)]
        fn every_label_id() -> Vec<String> {
            let mut ids = Vec::new();
            $(ids.extend(<$ty>::ALL.iter().map(|v| format!("{}-{}", $set, v.as_str())));)*
            ids
        }

        /// Every stored name of every labelled set (`negotiating`, `escalation_delivered`):
        /// what a page must say in words, never show as it is.
        pub fn stable_codes() -> Vec<String> {
            let mut codes = Vec::new();
            $(codes.extend(<$ty>::ALL.iter().map(|v| v.as_str().to_string()));)*
            codes.sort();
            codes.dedup();
            codes
        }
    };
}

labelled! {
    Status => "status",
    Remedy => "remedy",
    ItemKind => "item_kind",
    Party => "party",
    Actor => "party",
    TimelineKind => "event",
    Role => "role",
    StaffRole => "staff_role",
    EscalationState => "escalation_state",
    OfferStatus => "offer_status",
    UnitStatus => "unit_status",
    UnitActor => "unit_actor",
    UnitDecision => "unit_decision",
    CommitmentKind => "commitment",
    AlertKind => "alert_kind",
    AlertStatus => "alert_status",
    PublicationKind => "publication_kind",
    PublicationStatus => "publication_status",
    NotificationKind => "notification",
    SkipReason => "skip_reason",
    DayCount => "day_count",
    ReportKind => "report_kind",
    Standing => "standing",
    Deadline => "deadline",
    WebhookEvent => "webhook_event",
    DeliveryStatus => "delivery_status",
    FailureKind => "webhook_failure",
    FollowReason => "follow_reason",
    VisitChannel => "visit_channel",
    BureauDeadline => "bureau_deadline",
    SmsEvent => "sms_event",
    SmsStatus => "sms_status",
    DocumentKind => "document_kind",
    MediatorKind => "mediator_kind",
    MediationOrigin => "mediation_origin",
    MediationState => "mediation_state",
    SessionMode => "session_mode",
    SessionOutcome => "session_outcome",
    MediationOutcome => "mediation_outcome",
}

/// The word for `value` in `lang`.
pub fn of<E: Labelled>(lang: Lang, value: E) -> &'static str {
    lang.label(E::SET, value.code())
}

/// The word for the stored name `code` of the set `E`; an unknown name shows as it is.
pub fn named<E: Labelled>(lang: Lang, code: &str) -> &str {
    lang.label(E::SET, code)
}

/// A dispute status.
pub fn status(lang: Lang, code: &str) -> &str {
    named::<Status>(lang, code)
}

/// A remedy.
pub fn remedy(lang: Lang, code: &str) -> &str {
    named::<Remedy>(lang, code)
}

/// A dispute category: the configured name, or the built-in one (labels.ftl `category-*`).
pub fn category(lang: Lang, code: &str) -> &str {
    lang.label("category", code)
}

/// Who did something.
pub fn party(lang: Lang, code: &str) -> &str {
    named::<Actor>(lang, code)
}

/// A timeline event.
pub fn event(lang: Lang, code: &str) -> &str {
    named::<TimelineKind>(lang, code)
}

/// An account's role.
pub fn role(lang: Lang, code: &str) -> &str {
    named::<Role>(lang, code)
}

/// Who did something, as the audit log names them: an account's role or a party of a dispute
/// (`merchant`, `system`); a gateway (`gateway:<name>`) as it is.
pub fn audit_actor(lang: Lang, code: &str) -> &str {
    lang.find(&format!("role-{code}"))
        .or_else(|| lang.find(&format!("party-{code}")))
        .unwrap_or(code)
}

/// What an audit entry records, in words: a dispute's event, a unit's new status, or one of
/// the other audited actions (`user.create`); an unknown action shows as it is.
pub fn audit_action(lang: Lang, action: &str) -> String {
    let word = match action.split_once('.') {
        Some(("dispute", kind)) => lang.find(&format!("event-{kind}")),
        Some(("unit", status)) => lang.find(&format!("unit_status-{status}")),
        _ => None,
    };
    word.or_else(|| lang.find(&format!("audit_action-{}", action.replace('.', "-"))))
        .unwrap_or(action)
        .to_string()
}

/// The kind of object an audit entry is about, in words.
pub fn audit_object(lang: Lang, kind: &str) -> &str {
    lang.find(&format!("audit_object-{kind}")).unwrap_or(kind)
}

/// Why a dispute was escalated: the system's reasons in words, a person's as written.
pub fn escalation_reason(lang: Lang, reason: &str) -> &str {
    lang.label("escalation_reason", reason)
}

/// A state of an escalation at 12315.
pub fn escalation_state(lang: Lang, code: &str) -> &str {
    named::<EscalationState>(lang, code)
}

/// The sentence for a field that failed the rule `code` (`field_error-<code>`). A rule without
/// one reads as the API's own message in English and as a plain "check this field" in another
/// language, which never shows English.
pub fn field_error(lang: Lang, code: &str, message: &str, args: &[(String, String)]) -> String {
    let id = format!("field_error-{code}");
    if !args.is_empty() && lang.has(&id) {
        let args: Vec<(&str, fluent_bundle::FluentValue<'_>)> = (args.iter())
            .map(|(name, value)| (name.as_str(), value.as_str().into()))
            .collect();
        return lang.format(&id, &args);
    }
    match (lang.find(&id), lang) {
        (Some(sentence), _) => sentence.to_string(),
        (None, Lang::En) => message.to_string(),
        (None, _) => lang.text("field_error").into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_of_every_closed_set_has_a_word_in_both_languages() {
        let ids = every_label_id();
        assert!(ids.len() > 100, "{}", ids.len());
        for lang in Lang::ALL {
            let missing: Vec<_> = ids.iter().filter(|id| lang.find(id).is_none()).collect();
            assert!(
                missing.is_empty(),
                "{}: no word for {missing:?}",
                lang.tag()
            );
        }
    }

    #[test]
    fn a_field_error_names_what_its_sentence_needs() {
        let args = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            (pairs.iter())
                .map(|(name, value)| ((*name).to_string(), (*value).to_string()))
                .collect()
        };
        let extension = args(&[("limit", "extension"), ("most", "5")]);
        assert_eq!(
            field_error(
                Lang::Zh,
                "exceeds_policy",
                "an extension is 1 to 5 working days",
                &extension
            ),
            "延期须为 1 至 5 个工作日。"
        );
        assert_eq!(
            field_error(Lang::En, "exceeds_policy", "", &extension),
            "An extension is 1 to 5 working days."
        );
        let stray = args(&[
            ("reason", "too_many_columns"),
            ("column", "BL"),
            ("most", "64"),
        ]);
        assert!(
            field_error(Lang::Zh, "invalid_import_file", "", &stray)
                .starts_with("表格在 BL 列之后")
        );
        // A sentence without variables, and a code without one: the API's message in English,
        // never in Chinese.
        assert_eq!(
            field_error(Lang::Zh, "reason_required", "give the reason", &[]),
            "请填写作出该决定的理由。"
        );
        assert_eq!(
            field_error(Lang::En, "no_such_code", "as sent", &[]),
            "as sent"
        );
        assert_eq!(
            field_error(Lang::Zh, "no_such_code", "as sent", &[]),
            "此项填写有误，请检查。"
        );
    }

    /// Every code the source gives a failing field where it names it as a literal (the calls
    /// of [`CODE_AT`]) has a sentence in both languages: the portal shows it in place of the
    /// API's English message.
    #[test]
    fn every_field_error_code_in_the_source_has_a_sentence() {
        let mut codes = std::collections::BTreeMap::new();
        let mut files = vec![std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/src"
        ))];
        while let Some(path) = files.pop() {
            if path.is_dir() {
                files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
            } else if path.extension().is_some_and(|e| e == "rs") {
                let source = std::fs::read_to_string(&path).unwrap();
                for code in field_codes_named(&source) {
                    codes.entry(code).or_insert_with(|| path.clone());
                }
            }
        }
        assert!(codes.len() > 60, "{}", codes.len());
        for lang in Lang::ALL {
            let missing: Vec<_> = (codes.iter())
                .filter(|(code, _)| !lang.has(&format!("field_error-{code}")))
                .collect();
            assert!(
                missing.is_empty(),
                "{}: no sentence for {missing:?}",
                lang.tag()
            );
        }
    }

    /// The calls that give a failing field its code, and which of their arguments it is.
    const CODE_AT: [(&str, usize); 7] = [
        ("FieldError::new(", 1),
        ("invalid_field(", 1),
        ("invalid(", 1),
        ("invalid_naming(", 1),
        (".add(", 1),
        (".check(", 1),
        (".mark(", 2),
    ];

    /// The codes `source` names as literals in the calls of [`CODE_AT`].
    fn field_codes_named(source: &str) -> Vec<String> {
        let mut codes = Vec::new();
        for (call, at) in CODE_AT {
            for (start, _) in source.match_indices(call) {
                let preceded = source[..start].chars().next_back();
                // Not a longer name ending so (`is_invalid(`), nor this table's own strings.
                let skip = match preceded {
                    Some('"') => true,
                    Some(c) if call.starts_with(char::is_alphabetic) => {
                        c == '_' || c.is_alphanumeric()
                    }
                    _ => false,
                };
                if skip {
                    continue;
                }
                let args = arguments(&source[start + call.len()..]);
                let code = args
                    .get(at)
                    .and_then(|a| a.strip_prefix('"')?.strip_suffix('"'));
                if let Some(code) = code.filter(|c| {
                    c.starts_with(|c: char| c.is_ascii_lowercase())
                        && c.chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                }) {
                    codes.push(code.to_string());
                }
            }
        }
        codes
    }

    /// The top-level arguments of a call, from just after its `(`, trimmed, with the comments
    /// between them left out. Strings, character literals (`'"'`, `'('`) and brackets inside
    /// an argument do not end it.
    fn arguments(text: &str) -> Vec<String> {
        let (mut depth, mut quoted, mut args, mut arg) = (0, false, Vec::new(), String::new());
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\\' if quoted => {
                    arg.push(c);
                    arg.extend(chars.next());
                    continue;
                }
                '"' => quoted = !quoted,
                _ if quoted => {}
                '/' if chars.peek() == Some(&'/') => {
                    for c in chars.by_ref() {
                        if c == '\n' {
                            break;
                        }
                    }
                    continue;
                }
                '/' if chars.peek() == Some(&'*') => {
                    let mut last = ' ';
                    for c in chars.by_ref() {
                        if last == '*' && c == '/' {
                            break;
                        }
                        last = c;
                    }
                    continue;
                }
                // A character literal: up to its closing quote (a lifetime has none soon).
                '\'' => {
                    let ahead: String = chars.clone().take(4).collect();
                    let end = match ahead.strip_prefix('\\') {
                        Some(escaped) => escaped.find('\'').map(|i| i + 2),
                        None => (ahead.chars().nth(1) == Some('\'')).then_some(2),
                    };
                    if let Some(end) = end {
                        arg.push(c);
                        arg.extend(chars.by_ref().take(end));
                        continue;
                    }
                }
                '(' | '[' | '{' => depth += 1,
                ',' if depth == 0 => {
                    args.push(std::mem::take(&mut arg).trim().to_string());
                    continue;
                }
                ')' | ']' | '}' if depth == 0 => {
                    args.push(arg.trim().to_string());
                    break;
                }
                ')' | ']' | '}' => depth -= 1,
                _ => {}
            }
            arg.push(c);
        }
        args
    }

    #[test]
    fn the_scanner_reads_calls_as_the_compiler_would() {
        // `~` for the dot, so that the scan of this file does not read these calls.
        let source = r#"
            errors~add("a", "first_code", "a message, with a comma");
            errors~add(&format!("items[{i}]"), "second_2", 'x'.to_string());
            fields~mark(l, "field", /* the rule, */ "third");
            errors~check(
                // the rule
                "field",
                "fourth",
                parse(')', '"'),
            );
            is_invalid("x", "not_a_code");
        "#
        .replace('~', ".");
        assert_eq!(
            field_codes_named(&source),
            ["first_code", "second_2", "fourth", "third"]
        );
    }

    #[test]
    fn a_value_reads_as_a_word() {
        assert_eq!(of(Lang::Zh, Status::Negotiating), "协商中");
        assert_eq!(of(Lang::En, UnitStatus::Pending), "Pending approval");
        assert_eq!(status(Lang::En, "no_such_status"), "no_such_status");
    }
}
