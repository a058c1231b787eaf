//! Request and response bodies of the dispute API.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::disputes::actions::Action;
use crate::disputes::filing::FilingInput;
use crate::domain::claim::{ItemKind, Remedy};
use crate::domain::dispute::Status;
use crate::domain::text::BoundedText;
use crate::error::{ApiError, FieldErrors, checked};

/// What was bought or used, as a filing names it: the kind is checked into a field error
/// (`item.kind`, `invalid_item_kind`) with the filing's other fields.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ItemRequest {
    #[schema(value_type = ItemKind)]
    pub kind: String,
    pub name: String,
    /// Vehicle identification number, for vehicles (checked).
    pub vin: Option<String>,
}

/// A consumer's filing.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FileDisputeRequest {
    /// The active ODR unit the dispute is against.
    pub unit_id: String,
    /// One of the configured categories, e.g. `product_quality`, `vehicle_quality`.
    pub category: String,
    pub item: ItemRequest,
    pub purchase_date: NaiveDate,
    pub amount_paid_fen: i64,
    pub amount_claimed_fen: i64,
    /// One or more remedies (checked into field errors, each named `remedies[i]`).
    #[schema(value_type = Vec<Remedy>)]
    pub remedies: Vec<String>,
    /// 10–5000 characters.
    pub description: String,
    /// Must be true: the business may contact the consumer about this dispute.
    pub contact_consent: bool,
}

impl FileDisputeRequest {
    /// The use-case input.
    pub fn input(&self) -> FilingInput {
        FilingInput {
            unit_id: self.unit_id.clone(),
            category: self.category.clone(),
            item_kind: self.item.kind.clone(),
            item_name: self.item.name.clone(),
            vin: self.item.vin.clone(),
            purchase_date: self.purchase_date,
            amount_paid_fen: self.amount_paid_fen,
            amount_claimed_fen: self.amount_claimed_fen,
            remedies: self.remedies.clone(),
            description: self.description.clone(),
            contact_consent: self.contact_consent,
        }
    }
}

/// An action on a dispute; `action` selects which, the other fields depend on it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum ActionRequest {
    /// Merchant: first contact, optionally with a message in `body`, as the `message` action
    /// takes it.
    FirstContact {
        body: Option<String>,
        /// The older name of `body`, still taken from v1 clients; send one of the two.
        #[schema(deprecated)]
        message: Option<String>,
    },
    /// Either party: a message (a merchant's first message is its first contact).
    Message {
        body: String,
    },
    /// Either party: an offer (business) or counter-offer (consumer); supersedes the
    /// party's open offer. Expires after the policy's working days unless `expires_at`.
    MakeOffer {
        #[schema(value_type = Remedy)]
        remedy: String,
        amount_fen: i64,
        terms: String,
        /// Days to fulfil once accepted (1 to the policy's maximum, default 7).
        fulfilment_days: Option<u32>,
        expires_at: Option<DateTime<Utc>>,
    },
    WithdrawOffer {
        offer_id: String,
    },
    /// The other party accepts an open offer: the settlement agreement is made.
    AcceptOffer {
        offer_id: String,
    },
    RejectOffer {
        offer_id: String,
        reason: String,
    },
    /// Consumer: withdraw the dispute.
    Withdraw {
        reason: Option<String>,
    },
    /// Merchant: decline to settle (the dispute escalates to 12315).
    Decline {
        reason: String,
    },
    /// Consumer: ask for escalation to 12315.
    RequestEscalation {
        reason: String,
    },
    ProposeExtension {
        working_days: u32,
        reason: String,
    },
    AgreeExtension,
    RefuseExtension,
    /// Either party: propose a pause, e.g. for product testing (检测鉴定).
    ProposePause {
        reason: String,
    },
    AgreePause,
    Resume,
    /// Merchant: the settlement has been fulfilled.
    MarkFulfilled {
        note: Option<String>,
    },
    /// Consumer: confirms fulfilment (the dispute is resolved).
    ConfirmFulfilment,
    /// Consumer: the settlement was not fulfilled (the dispute escalates).
    ReportNonFulfilment {
        reason: String,
    },
    /// Consumer, after any conclusion: rating 1–5, once.
    Rate {
        #[schema(minimum = 1, maximum = 5)]
        rating: u8,
        comment: Option<String>,
    },
    /// Regulator: not a consumer dispute.
    Reject {
        reason: String,
    },
}

fn text(
    errors: &mut FieldErrors,
    field: &str,
    value: &str,
    min: usize,
    max: usize,
) -> Option<String> {
    errors
        .check(field, "invalid_length", BoundedText::parse(value, min, max))
        .map(BoundedText::into_string)
}

fn optional_text(
    errors: &mut FieldErrors,
    field: &str,
    value: &Option<String>,
    max: usize,
) -> Option<Option<String>> {
    match value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        None => Some(None),
        Some(v) => text(errors, field, v, 1, max).map(Some),
    }
}

impl ActionRequest {
    /// Validates the fields into a use-case action.
    pub fn action(&self) -> Result<Action, ApiError> {
        let mut e = FieldErrors::default();
        let action = match self {
            Self::FirstContact { body, message } => {
                let (field, text) = match (body, message) {
                    (Some(_), Some(_)) => {
                        e.add(
                            "message",
                            "duplicate_field",
                            "send the text once, as `body` (`message` is its older name)",
                        );
                        ("body", body)
                    }
                    (None, Some(_)) => ("message", message),
                    _ => ("body", body),
                };
                optional_text(&mut e, field, text, 5000)
                    .map(|message| Action::FirstContact { message })
            }
            Self::Message { body } => {
                text(&mut e, "body", body, 1, 5000).map(|body| Action::Message { body })
            }
            Self::MakeOffer {
                remedy,
                amount_fen,
                terms,
                fulfilment_days,
                expires_at,
            } => {
                let remedy = Remedy::parse(remedy);
                if remedy.is_none() {
                    e.add(
                        "remedy",
                        "invalid_remedy",
                        "use refund, replacement, repair, compensation, apology or other",
                    );
                }
                if !(0..=crate::domain::claim::MAX_CLAIM_FEN).contains(amount_fen) {
                    e.add(
                        "amount_fen",
                        "invalid_amount",
                        "an amount from 0 to 1,000,000,000 fen",
                    );
                }
                let days = fulfilment_days.unwrap_or(7);
                if days == 0 {
                    e.add("fulfilment_days", "invalid_days", "at least 1 day");
                }
                let terms = text(&mut e, "terms", terms, 1, 2000);
                match (remedy, terms) {
                    (Some(remedy), Some(terms)) => Some(Action::MakeOffer {
                        remedy,
                        amount_fen: *amount_fen,
                        terms,
                        fulfilment_days: days,
                        expires_at: *expires_at,
                    }),
                    _ => None,
                }
            }
            Self::WithdrawOffer { offer_id } => Some(Action::WithdrawOffer {
                offer_id: offer_id.clone(),
            }),
            Self::AcceptOffer { offer_id } => Some(Action::AcceptOffer {
                offer_id: offer_id.clone(),
            }),
            Self::RejectOffer { offer_id, reason } => {
                text(&mut e, "reason", reason, 2, 1000).map(|reason| Action::RejectOffer {
                    offer_id: offer_id.clone(),
                    reason,
                })
            }
            Self::Withdraw { reason } => optional_text(&mut e, "reason", reason, 1000)
                .map(|reason| Action::Withdraw { reason }),
            Self::Decline { reason } => {
                text(&mut e, "reason", reason, 2, 1000).map(|reason| Action::Decline { reason })
            }
            Self::RequestEscalation { reason } => text(&mut e, "reason", reason, 2, 1000)
                .map(|reason| Action::RequestEscalation { reason }),
            Self::ProposeExtension {
                working_days,
                reason,
            } => text(&mut e, "reason", reason, 2, 1000).map(|reason| Action::ProposeExtension {
                working_days: *working_days,
                reason,
            }),
            Self::AgreeExtension => Some(Action::AgreeExtension),
            Self::RefuseExtension => Some(Action::RefuseExtension),
            Self::ProposePause { reason } => text(&mut e, "reason", reason, 2, 1000)
                .map(|reason| Action::ProposePause { reason }),
            Self::AgreePause => Some(Action::AgreePause),
            Self::Resume => Some(Action::Resume),
            Self::MarkFulfilled { note } => {
                optional_text(&mut e, "note", note, 1000).map(|note| Action::MarkFulfilled { note })
            }
            Self::ConfirmFulfilment => Some(Action::ConfirmFulfilment),
            Self::ReportNonFulfilment { reason } => text(&mut e, "reason", reason, 2, 1000)
                .map(|reason| Action::ReportNonFulfilment { reason }),
            Self::Rate { rating, comment } => {
                if !(1..=5).contains(rating) {
                    e.add("rating", "invalid_rating", "a rating from 1 to 5");
                }
                optional_text(&mut e, "comment", comment, 1000).map(|comment| Action::Rate {
                    rating: *rating,
                    comment,
                })
            }
            Self::Reject { reason } => {
                text(&mut e, "reason", reason, 2, 1000).map(|reason| Action::Reject { reason })
            }
        };
        e.finish()?;
        checked(action)
    }

    /// Whether the request creates an offer or a settlement (and so honours `Idempotency-Key`).
    pub fn creates_record(&self) -> bool {
        matches!(self, Self::MakeOffer { .. } | Self::AcceptOffer { .. })
    }
}

/// Filters of a dispute listing.
#[derive(Debug, Default, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DisputeQuery {
    /// Comma-separated statuses, e.g. `filed,negotiating`; `open` stands for every status not
    /// concluded, `all` for every status. Without it, the list in the due order (`sort=due`)
    /// holds the open disputes; newest first (`sort=filed`) and the export, every status.
    pub status: Option<String>,
    /// `first_contact_overdue` (no first contact by its due time) or `overdue` (filed or negotiating past the settlement due time).
    pub flag: Option<String>,
    /// Only disputes whose settlement is due before this moment (RFC 3339).
    pub due_before: Option<String>,
    /// Comma-separated business ids: only these businesses' disputes (an overseer's list).
    pub business: Option<String>,
    /// Comma-separated region codes (`GET /api/v1/regions`): only disputes in these regions, a
    /// city or province standing for every district in it; the caller's own scope still holds.
    pub region: Option<String>,
    /// Comma-separated industry codes (`GET /api/v1/industries`): only disputes with businesses
    /// of these industries.
    pub industry: Option<String>,
    /// `due` (nearest settlement due date first, the default) or `filed` (newest first).
    pub sort: Option<String>,
    #[param(value_type = Option<i64>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

/// A dispute in an inbox.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DisputeListItem {
    pub id: String,
    pub case_number: String,
    pub status: Status,
    pub business_id: String,
    pub business_name: String,
    pub consumer_name: String,
    pub category: String,
    pub item_name: String,
    pub amount_claimed_fen: i64,
    pub filed_at: DateTime<Utc>,
    pub first_contact_due_at: DateTime<Utc>,
    pub settlement_due_at: DateTime<Utc>,
    pub first_contact_overdue: bool,
    pub overdue: bool,
}

/// A page of disputes.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DisputePage {
    pub items: Vec<DisputeListItem>,
    pub next_cursor: Option<String>,
}

/// Disputes per status.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DisputeCounts {
    pub total: i64,
    /// Every status with its count (zero included).
    pub by_status: std::collections::BTreeMap<String, i64>,
}
