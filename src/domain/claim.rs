//! What a consumer claims: remedies, the item (with a checked VIN for vehicles), amounts in fen
//! and the purchase date.

use super::text_enum::text_enum;
use chrono::{Months, NaiveDate};

text_enum! {
    /// A remedy a consumer demands or a business offers.
    pub enum Remedy ("remedy") {
        Refund,
        Replacement,
        Repair,
        Compensation,
        Apology,
        Other,
    }
}

text_enum! {
    /// Whether the consumer bought goods or a service.
    pub enum ItemKind ("item kind") {
        Product,
        Service,
    }
}

/// A vehicle identification number (GB 16735 / ISO 3779) with a correct check digit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vin(String);

/// Why a VIN is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum VinError {
    #[error("a VIN has 17 characters")]
    Length,
    #[error("a VIN uses digits and letters other than I, O and Q")]
    Character,
    #[error("the check digit (9th character) does not match")]
    CheckDigit,
}

fn vin_value(c: u8) -> Option<u32> {
    Some(match c {
        b'0'..=b'9' => u32::from(c - b'0'),
        b'A' | b'J' => 1,
        b'B' | b'K' | b'S' => 2,
        b'C' | b'L' | b'T' => 3,
        b'D' | b'M' | b'U' => 4,
        b'E' | b'N' | b'V' => 5,
        b'F' | b'W' => 6,
        b'G' | b'P' | b'X' => 7,
        b'H' | b'Y' => 8,
        b'R' | b'Z' => 9,
        _ => return None,
    })
}

const VIN_WEIGHTS: [u32; 17] = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];

/// The check digit of a VIN whose other characters are valid.
pub fn vin_check_digit(vin: &[u8]) -> Option<u8> {
    let mut sum = 0;
    for (c, w) in vin.iter().zip(VIN_WEIGHTS) {
        sum += vin_value(*c)? * w;
    }
    Some(match sum % 11 {
        10 => b'X',
        d => b'0' + d as u8,
    })
}

impl Vin {
    /// Parses a VIN (upper-cased, spaces trimmed).
    pub fn parse(input: &str) -> Result<Self, VinError> {
        let vin = input.trim().to_ascii_uppercase();
        let bytes = vin.as_bytes();
        if bytes.len() != 17 || vin.chars().count() != 17 {
            return Err(VinError::Length);
        }
        if bytes.iter().any(|b| vin_value(*b).is_none()) {
            return Err(VinError::Character);
        }
        if vin_check_digit(bytes) != Some(bytes[8]) {
            return Err(VinError::CheckDigit);
        }
        Ok(Self(vin))
    }

    /// The VIN as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The largest claim accepted: ¥10 million.
pub const MAX_CLAIM_FEN: i64 = 1_000_000_000;

/// Why amounts are refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    #[error("amounts are zero or more")]
    Negative,
    #[error(
        "a claim is at most ten times the amount paid plus ¥1,000 (the statutory punitive ceilings), and at most ¥10,000,000"
    )]
    Absurd,
}

/// Checks amount paid and claimed (fen). The ceiling follows the largest statutory punitive
/// compensation (ten times the price for food, with ¥1,000 at least).
pub fn check_amounts(paid_fen: i64, claimed_fen: i64) -> Result<(), AmountError> {
    if paid_fen < 0 || claimed_fen < 0 {
        return Err(AmountError::Negative);
    }
    let ceiling = paid_fen
        .saturating_mul(10)
        .saturating_add(100_000)
        .min(MAX_CLAIM_FEN);
    if claimed_fen > ceiling || paid_fen > MAX_CLAIM_FEN {
        return Err(AmountError::Absurd);
    }
    Ok(())
}

/// Why a purchase date is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PurchaseDateError {
    #[error("the purchase date is in the future")]
    InTheFuture,
    #[error("the purchase was more than 3 years ago")]
    TooOld,
}

/// A purchase must lie within the last three years (`today` in Shanghai).
pub fn check_purchase_date(purchase: NaiveDate, today: NaiveDate) -> Result<(), PurchaseDateError> {
    if purchase > today {
        return Err(PurchaseDateError::InTheFuture);
    }
    let earliest = today.checked_sub_months(Months::new(36)).unwrap_or(today);
    if purchase < earliest {
        return Err(PurchaseDateError::TooOld);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_vins_are_accepted_and_mistakes_named() {
        assert!(Vin::parse("1M8GDM9AXKP042788").is_ok());
        assert_eq!(Vin::parse("1M8GDM9AXKP04278"), Err(VinError::Length));
        assert_eq!(Vin::parse("1M8GDM9AXKP04278I"), Err(VinError::Character));
        assert_eq!(Vin::parse("1M8GDM9A1KP042788"), Err(VinError::CheckDigit));
    }

    proptest! {
        #[test]
        fn a_vin_built_with_its_check_digit_parses(head in "[0-9A-HJ-NPR-Z]{8}", tail in "[0-9A-HJ-NPR-Z]{8}") {
            let mut bytes = format!("{head}0{tail}").into_bytes();
            bytes[8] = vin_check_digit(&bytes).unwrap();
            let vin = String::from_utf8(bytes).unwrap();
            prop_assert!(Vin::parse(&vin).is_ok());
        }

        #[test]
        fn claims_within_the_ceiling_pass(paid in 0i64..10_000_000, ratio in 0i64..=10) {
            prop_assert!(check_amounts(paid, paid * ratio).is_ok());
        }
    }

    #[test]
    fn amounts_below_zero_or_absurd_are_refused() {
        assert_eq!(check_amounts(-1, 0), Err(AmountError::Negative));
        assert_eq!(check_amounts(100, -1), Err(AmountError::Negative));
        assert!(
            check_amounts(0, 100_000).is_ok(),
            "¥1,000 minimum compensation"
        );
        assert_eq!(check_amounts(10_000, 200_001), Err(AmountError::Absurd));
        assert_eq!(
            check_amounts(500_000_000, 2_000_000_000),
            Err(AmountError::Absurd)
        );
    }

    #[test]
    fn purchases_lie_in_the_last_three_years() {
        let today: NaiveDate = "2026-11-27".parse().unwrap();
        assert!(check_purchase_date("2023-11-27".parse().unwrap(), today).is_ok());
        assert_eq!(
            check_purchase_date("2023-11-26".parse().unwrap(), today),
            Err(PurchaseDateError::TooOld)
        );
        assert_eq!(
            check_purchase_date("2026-11-28".parse().unwrap(), today),
            Err(PurchaseDateError::InTheFuture)
        );
    }

    #[test]
    fn remedies_round_trip() {
        for &r in Remedy::ALL {
            assert_eq!(Remedy::parse(r.as_str()), Some(r));
        }
        assert_eq!(Remedy::parse("cash"), None);
    }
}
