//! The documents issued for a dispute to print and sign: the settlement agreement, the
//! escalation notice and the mediation agreement (docs/documents.md). Each copy carries a verification code; the SHA-256 of
//! its bytes is kept under that code, and the public verification page checks a file against it.
//!
//! A copy is rendered again at each download. The same content gives the same bytes, so one
//! code serves as long as the content is unchanged; when it changes (the consumer's name
//! anonymised after retention, say), the next download is a new copy with a new code, and the
//! earlier code still verifies the earlier copy.

mod pdf;

use chrono::{DateTime, Utc};
use chrono_tz::Asia::Shanghai;
use rand::RngExt;
use sha2::{Digest, Sha256};

use crate::disputes::view::DisputeView;
use crate::domain::dispute::Actor;
use crate::domain::document::{Audience, DocumentKind};
use crate::domain::escalation::EscalationState;
use crate::domain::money::{format_yuan, in_capitals};
use crate::error::ApiError;
use crate::i18n::{FluentValue, Lang};

/// What a document says, laid out by [`pdf::render`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sheet {
    pub title: String,
    /// Label and value lines under the title (the case number).
    pub head: Vec<(String, String)>,
    pub sections: Vec<Section>,
    /// A paragraph after the sections.
    pub text: String,
    /// The lines left blank to sign.
    pub signatures: Vec<String>,
    /// Who issued it, at the foot of the last page.
    pub issued_by: String,
}

/// A mediated agreement as its document prints it (docs/mediation.md).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediatedTerms {
    pub mediator_name: String,
    pub organisation: String,
    pub remedy: crate::domain::claim::Remedy,
    pub amount_fen: i64,
    pub terms: String,
    pub fulfil_by: DateTime<Utc>,
    pub agreed_at: DateTime<Utc>,
}

/// A headed block of label and value lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub heading: String,
    pub rows: Vec<(String, String)>,
}

/// The audience of `view`'s viewer: the parties see the consumer's phone whole, regulators
/// masked, as the view itself shows it.
pub fn audience_of(view: &DisputeView) -> Audience {
    match view.your_role {
        Actor::Regulator | Actor::Mediator => Audience::Masked,
        _ => Audience::Whole,
    }
}

/// Whether `kind` can be issued for `view` (with `mediated`, the agreement of its mediation if
/// any): the agreement once an offer is accepted, the notice once the escalation reached the
/// regulators (not while its delivery is pending, nor when it was given up: the notice says
/// the case file went to them), the mediation agreement once a mediation agreed.
pub fn available(kind: DocumentKind, view: &DisputeView, mediated: Option<&MediatedTerms>) -> bool {
    match kind {
        DocumentKind::SettlementAgreement => {
            view.agreement.is_some() && view.your_role != Actor::Mediator
        }
        DocumentKind::EscalationNotice => {
            view.your_role != Actor::Mediator
                && (view.escalation.as_ref()).is_some_and(|e| e.state != EscalationState::Pending)
        }
        DocumentKind::MediationAgreement => mediated.is_some(),
    }
}

/// The kind named `name` in a request, or the 422 that names the kinds.
pub fn kind_named(name: &str) -> Result<DocumentKind, ApiError> {
    DocumentKind::parse(name).ok_or_else(|| {
        ApiError::invalid_field(
            "kind",
            "unknown_value",
            format!("use {}", DocumentKind::names()),
        )
    })
}

/// The documents `view`'s viewer may download now (`mediated`: the agreement of its
/// mediation, if any).
pub fn issuable(view: &DisputeView, mediated: Option<&MediatedTerms>) -> Vec<DocumentKind> {
    (DocumentKind::ALL.iter().copied())
        .filter(|kind| available(*kind, view, mediated))
        .collect()
}

fn day(lang: Lang, at: DateTime<Utc>) -> String {
    let local = at.with_timezone(&Shanghai);
    match lang {
        Lang::Zh => local.format("%Y年%-m月%-d日").to_string(),
        Lang::En => local.format("%-d %B %Y").to_string(),
    }
}

fn amount(lang: Lang, fen: i64) -> String {
    lang.format(
        "doc-amount-in-words",
        &[
            ("figures", FluentValue::from(format_yuan(fen))),
            ("capitals", FluentValue::from(in_capitals(fen))),
        ],
    )
}

/// What document `kind` of `view` (with `mediated`, the agreement of its mediation if any)
/// says in `lang` (None when it cannot be issued yet).
pub fn sheet(
    kind: DocumentKind,
    view: &DisputeView,
    mediated: Option<&MediatedTerms>,
    lang: Lang,
) -> Option<Sheet> {
    if !available(kind, view, mediated) {
        return None;
    }
    let row = |id: &'static str, value: String| (lang.s(id).to_string(), value);
    let label = |set: &str, code: &str| lang.label(set, code).to_string();
    // An agreement's parties are Party A and Party B; a notice names them as what they are.
    let (consumer_heading, business_heading) = match kind {
        DocumentKind::SettlementAgreement | DocumentKind::MediationAgreement => {
            ("doc-consumer", "doc-business")
        }
        DocumentKind::EscalationNotice => ("doc-the-consumer", "doc-the-business"),
    };
    let consumer = Section {
        heading: lang.s(consumer_heading).into(),
        rows: vec![
            row("doc-name", view.consumer.display_name.clone()),
            row(
                "doc-phone",
                // A mainland number as people write it, without the country code.
                (view.consumer.phone.as_deref())
                    .map_or("—", |p| p.trim_start_matches("+86"))
                    .to_string(),
            ),
        ],
    };
    let business = Section {
        heading: lang.s(business_heading).into(),
        rows: vec![
            row("doc-business-name", view.business.name.clone()),
            row("doc-uscc", view.business.uscc.clone()),
            row("doc-complaint-phone", view.business.complaint_phone.clone()),
        ],
    };
    let claim = &view.claim;
    let remedies: Vec<&str> = (claim.remedies.iter())
        .map(|r| lang.label("remedy", r.as_str()))
        .collect();
    let dispute = Section {
        heading: lang.s("doc-the-dispute").into(),
        rows: vec![
            row("doc-category", label("category", &claim.category)),
            row("doc-item", claim.item.name.clone()),
            row(
                "doc-purchase-date",
                match lang {
                    Lang::Zh => claim.purchase_date.format("%Y年%-m月%-d日").to_string(),
                    Lang::En => claim.purchase_date.format("%-d %B %Y").to_string(),
                },
            ),
            row("doc-amount-paid", amount(lang, claim.amount_paid_fen)),
            row("doc-amount-claimed", amount(lang, claim.amount_claimed_fen)),
            row(
                "doc-remedies-asked",
                remedies.join(if lang == Lang::Zh { "、" } else { ", " }),
            ),
            row("doc-description", claim.description.clone()),
            row("doc-filed-at", day(lang, view.filed_at)),
        ],
    };
    let (outcome, text, signatures) = match kind {
        DocumentKind::SettlementAgreement => {
            let a = view.agreement.as_ref()?;
            let outcome = Section {
                heading: lang.s("doc-the-agreement").into(),
                rows: terms_rows(
                    lang,
                    a.remedy,
                    a.amount_fen,
                    &a.terms,
                    a.fulfilment_due_at,
                    a.agreed_at,
                ),
            };
            (
                outcome,
                lang.s("doc-agreement-text").to_string(),
                vec![
                    sign_line(lang, "doc-sign-consumer"),
                    sign_line(lang, "doc-sign-business"),
                ],
            )
        }
        DocumentKind::MediationAgreement => {
            let m = mediated?;
            let outcome = Section {
                heading: lang.s("doc-the-mediation").into(),
                rows: [
                    row("doc-mediator", m.mediator_name.clone()),
                    row("doc-mediation-organisation", m.organisation.clone()),
                ]
                .into_iter()
                .chain(terms_rows(
                    lang,
                    m.remedy,
                    m.amount_fen,
                    &m.terms,
                    m.fulfil_by,
                    m.agreed_at,
                ))
                .collect(),
            };
            (
                outcome,
                lang.s("doc-mediation-text").to_string(),
                vec![
                    sign_line(lang, "doc-sign-consumer"),
                    sign_line(lang, "doc-sign-business"),
                    sign_line(lang, "doc-sign-mediator"),
                ],
            )
        }
        DocumentKind::EscalationNotice => {
            let e = view.escalation.as_ref()?;
            let outcome = Section {
                heading: lang.s("doc-the-escalation").into(),
                rows: vec![
                    row("doc-escalated-at", day(lang, e.created_at)),
                    row(
                        "doc-escalation-reason",
                        label("escalation_reason", &e.reason),
                    ),
                    row("doc-escalated-by", label("party", e.initiated_by.as_str())),
                    row(
                        "doc-escalation-state",
                        label("escalation_state", e.state.as_str()),
                    ),
                ],
            };
            (
                outcome,
                lang.s("doc-escalation-text").to_string(),
                Vec::new(),
            )
        }
    };
    Some(Sheet {
        title: lang.label("document_kind", kind.as_str()).to_string(),
        head: vec![row("doc-case-number", view.case_number.clone())],
        sections: vec![consumer, business, dispute, outcome],
        text,
        signatures,
        issued_by: lang.s("doc-issued-by").to_string(),
    })
}

/// The lines of an agreement's terms: remedy, amount, terms, the day to carry it out by and
/// the day it was agreed.
fn terms_rows(
    lang: Lang,
    remedy: crate::domain::claim::Remedy,
    amount_fen: i64,
    terms: &str,
    fulfil_by: DateTime<Utc>,
    agreed_at: DateTime<Utc>,
) -> Vec<(String, String)> {
    let row = |id: &'static str, value: String| (lang.s(id).to_string(), value);
    vec![
        row(
            "doc-remedy",
            lang.label("remedy", remedy.as_str()).to_string(),
        ),
        row("doc-amount", amount(lang, amount_fen)),
        row("doc-terms", terms.to_string()),
        row("doc-fulfilment-due", day(lang, fulfil_by)),
        row("doc-agreed-at", day(lang, agreed_at)),
    ]
}

/// A line to sign on, with its date.
fn sign_line(lang: Lang, party: &'static str) -> String {
    format!(
        "{}＿＿＿＿＿＿＿＿＿＿    {}＿＿＿＿＿＿＿＿",
        lang.s(party),
        lang.s("doc-sign-date")
    )
}

/// Letters of a verification code: Crockford's base 32, without I, L, O and U, which people
/// misread.
const CODE_LETTERS: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A new verification code: 16 letters (80 random bits), stored without separators.
pub fn new_code() -> String {
    let mut rng = rand::rng();
    (0..16)
        .map(|_| char::from(CODE_LETTERS[rng.random_range(0..CODE_LETTERS.len())]))
        .collect()
}

/// A code as people type it (`abcd-efgh ijkl-mn0p`, with O for 0 or I and L for 1, in
/// full-width letters from a Chinese input method, with any dash or space) as stored; None when
/// it cannot be one.
pub fn normalise_code(typed: &str) -> Option<String> {
    let code: String = (typed.chars())
        // Full-width forms (ＡＢＣ１－) as their ASCII letters.
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            c => c,
        })
        .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '\u{2010}'..='\u{2015}' | '\u{2212}'))
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        })
        .collect();
    (code.len() == 16 && code.bytes().all(|b| CODE_LETTERS.contains(&b))).then_some(code)
}

/// A stored code as printed: four groups of four.
pub fn printed_code(code: &str) -> String {
    (code.as_bytes().chunks(4))
        .map(|chunk| String::from_utf8_lossy(chunk).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

/// The PDF of `sheet` with verification code `code`, which `verify_url` checks, and the
/// SHA-256 of its bytes in hex. `seal` goes into the file's identifier: a value only the
/// platform can compute (a keyed hash of the code), so that nobody can render the same bytes
/// from guesses at its content and match the published hash.
pub fn render(
    sheet: &Sheet,
    lang: Lang,
    code: &str,
    verify_url: &str,
    seal: &str,
) -> Result<(Vec<u8>, String), String> {
    let verify = lang.format(
        "doc-verify",
        &[
            ("code", FluentValue::from(printed_code(code))),
            ("url", FluentValue::from(verify_url.to_string())),
        ],
    );
    let bytes = pdf::render(sheet, lang, &verify, seal)?;
    let hash = hash_of(&bytes);
    Ok((bytes, hash))
}

/// The SHA-256 of `bytes` in hex, as kept for a document.
pub fn hash_of(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The names a download is saved under, the kind and the case number: in ASCII
/// (`settlement-agreement-ODR….pdf`) and in `lang` (`和解协议书-ODR….pdf`).
pub fn file_names(kind: DocumentKind, case_number: &str, lang: Lang) -> (String, String) {
    (
        format!("{}-{case_number}.pdf", kind.as_str().replace('_', "-")),
        format!(
            "{}-{case_number}.pdf",
            lang.label("document_kind", kind.as_str())
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sheet() -> Sheet {
        Sheet {
            title: "和解协议书".into(),
            head: vec![("案件编号".into(), "ODR2026330106000001".into())],
            sections: vec![Section {
                heading: "二、和解内容".into(),
                rows: vec![
                    ("金额".into(), amount(Lang::Zh, 123_456)),
                    ("具体条款".into(), "退还全款，并赔偿往返路费。".repeat(12)),
                ],
            }],
            text: "甲乙双方经在线协商，自愿达成上述和解。".into(),
            signatures: vec!["甲方（签字）：＿＿＿＿".into()],
            issued_by: "ODR".into(),
        }
    }

    #[test]
    fn a_document_reads_back_as_its_text_and_renders_the_same_bytes_again() {
        let url = "https://odr.example/verify";
        let code = "ABCDEFGH12345678";
        let (bytes, hash) = render(&sheet(), Lang::Zh, code, url, "seal").expect("renders");
        assert!(bytes.starts_with(b"%PDF-"));
        let text = pdf_extract::extract_text_from_mem(&bytes).expect("reads back");
        let flat: String = text.split_whitespace().collect();
        for expected in [
            "和解协议书",
            "ODR2026330106000001",
            "¥1,234.56（人民币壹仟贰佰叁拾肆元伍角陆分）",
            "ABCD-EFGH-1234-5678",
            "https://odr.example/verify",
        ] {
            assert!(flat.contains(expected), "{expected} not in {flat}");
        }
        // The font is subsetted: far smaller than the 7 MB it is cut from.
        assert!(bytes.len() < 200_000, "{}", bytes.len());
        let (again, hash_again) = render(&sheet(), Lang::Zh, code, url, "seal").expect("renders");
        assert_eq!((again, hash_again), (bytes, hash.clone()));
        // Another seal, other bytes: the hash cannot be matched without the platform's key.
        let (_, other) = render(&sheet(), Lang::Zh, code, url, "another").expect("renders");
        assert_ne!(other, hash);
    }

    #[test]
    fn codes_are_read_as_people_type_them() {
        let code = new_code();
        assert_eq!(code.len(), 16);
        assert_eq!(normalise_code(&printed_code(&code)), Some(code.clone()));
        assert_eq!(
            normalise_code("abcd-efgh ijkl-mn0p"),
            Some("ABCDEFGH1JK1MN0P".into())
        );
        assert_eq!(
            normalise_code("ａｂｃｄ－ＥＦＧＨ\u{a0}ＪＫＭＮ\u{2014}ＰＱＲ０\n"),
            Some("ABCDEFGHJKMNPQR0".into())
        );
        assert_eq!(normalise_code("ABCD-EFGH"), None);
        assert_eq!(normalise_code("和解协议书和解协议书和解协议书和解"), None);
        assert_eq!(normalise_code("ABCD-EFGH-JKMN-PQRU"), None);
    }
}
