//! Offers and counter-offers. A newer offer from the same side supersedes its open one; the
//! other side accepts or rejects an open, unexpired offer; the author may withdraw it.

use super::text_enum::text_enum;
use chrono::{DateTime, Utc};

use super::dispute::Party;

text_enum! {
    /// Where an offer stands.
    pub enum OfferStatus ("offer status") {
        Open,
        Accepted,
        Rejected,
        Withdrawn,
        Superseded,
        Expired,
    }
}

/// Why an answer to an offer is refused (each is a 409 code: `crate::error::ErrorCode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum OfferError {
    #[error("the offer is no longer open (it was {})", .0.as_str())]
    NotOpen(OfferStatus),
    #[error("the offer expired")]
    Expired,
    #[error("a party cannot answer its own offer")]
    OwnOffer,
    #[error("only the party that made an offer can withdraw it")]
    NotYourOffer,
}

/// The status an offer effectively has at `now` (an open offer past its expiry is expired).
pub fn effective_status(
    status: OfferStatus,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> OfferStatus {
    if status == OfferStatus::Open && now >= expires_at {
        OfferStatus::Expired
    } else {
        status
    }
}

/// Checks that `party` may accept or reject an offer made by `author`.
pub fn check_answer(
    status: OfferStatus,
    author: Party,
    expires_at: DateTime<Utc>,
    party: Party,
    now: DateTime<Utc>,
) -> Result<(), OfferError> {
    if author == party {
        return Err(OfferError::OwnOffer);
    }
    ensure_open(status, expires_at, now)
}

/// `Ok` when the offer is open and unexpired at `now`.
fn ensure_open(
    status: OfferStatus,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), OfferError> {
    match effective_status(status, expires_at, now) {
        OfferStatus::Open => Ok(()),
        OfferStatus::Expired => Err(OfferError::Expired),
        other => Err(OfferError::NotOpen(other)),
    }
}

/// Checks that `party` may withdraw an offer made by `author`.
pub fn check_withdraw(
    status: OfferStatus,
    author: Party,
    expires_at: DateTime<Utc>,
    party: Party,
    now: DateTime<Utc>,
) -> Result<(), OfferError> {
    if author != party {
        return Err(OfferError::NotYourOffer);
    }
    ensure_open(status, expires_at, now)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn only_the_other_party_answers_an_open_unexpired_offer() {
        let expires = t("2026-03-05T15:59:59Z");
        let before = t("2026-03-04T00:00:00Z");
        assert_eq!(
            check_answer(
                OfferStatus::Open,
                Party::Business,
                expires,
                Party::Consumer,
                before
            ),
            Ok(())
        );
        assert_eq!(
            check_answer(
                OfferStatus::Open,
                Party::Business,
                expires,
                Party::Business,
                before
            ),
            Err(OfferError::OwnOffer)
        );
        assert_eq!(
            check_answer(
                OfferStatus::Open,
                Party::Business,
                expires,
                Party::Consumer,
                expires
            ),
            Err(OfferError::Expired)
        );
        let superseded = check_answer(
            OfferStatus::Superseded,
            Party::Business,
            expires,
            Party::Consumer,
            before,
        )
        .unwrap_err();
        assert_eq!(superseded, OfferError::NotOpen(OfferStatus::Superseded));
        assert_eq!(
            check_answer(
                OfferStatus::Accepted,
                Party::Business,
                expires,
                Party::Consumer,
                before
            )
            .unwrap_err(),
            OfferError::NotOpen(OfferStatus::Accepted)
        );
    }

    #[test]
    fn only_the_author_withdraws() {
        let expires = t("2026-03-05T15:59:59Z");
        let now = t("2026-03-04T00:00:00Z");
        assert_eq!(
            check_withdraw(
                OfferStatus::Open,
                Party::Business,
                expires,
                Party::Business,
                now
            ),
            Ok(())
        );
        assert_eq!(
            check_withdraw(
                OfferStatus::Open,
                Party::Business,
                expires,
                Party::Consumer,
                now
            ),
            Err(OfferError::NotYourOffer)
        );
    }
}
