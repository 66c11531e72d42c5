//! Product listing rules: the review lifecycle, the price cap and price-change monitoring.

use gpmall_platform::Money;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProductStatus {
    /// Waiting for the operator's review.
    Pending,
    /// On sale.
    Listed,
    /// Taken off sale by the operator or the supplier.
    Delisted,
    /// Refused at review.
    Rejected,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewAction {
    Approve,
    Reject,
    Delist,
    /// The supplier resubmits after a change (back to review).
    Resubmit,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a product that is {from} cannot be {action}")]
pub struct ReviewTransitionError {
    pub from: &'static str,
    pub action: &'static str,
}

impl ProductStatus {
    pub const ALL: [ProductStatus; 4] = [
        ProductStatus::Pending,
        ProductStatus::Listed,
        ProductStatus::Delisted,
        ProductStatus::Rejected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ProductStatus::Pending => "pending",
            ProductStatus::Listed => "listed",
            ProductStatus::Delisted => "delisted",
            ProductStatus::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        ProductStatus::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

impl ReviewAction {
    fn past(self) -> &'static str {
        match self {
            ReviewAction::Approve => "approved",
            ReviewAction::Reject => "rejected",
            ReviewAction::Delist => "delisted",
            ReviewAction::Resubmit => "resubmitted",
        }
    }
}

/// The one transition function of the product review lifecycle.
pub fn review_transition(
    from: ProductStatus,
    action: ReviewAction,
) -> Result<ProductStatus, ReviewTransitionError> {
    use ProductStatus as S;
    use ReviewAction as A;
    match (from, action) {
        (S::Pending, A::Approve) => Ok(S::Listed),
        (S::Pending, A::Reject) => Ok(S::Rejected),
        (S::Listed, A::Delist) => Ok(S::Delisted),
        (S::Delisted | S::Rejected, A::Resubmit) => Ok(S::Pending),
        _ => Err(ReviewTransitionError {
            from: from.as_str(),
            action: action.past(),
        }),
    }
}

/// Platform price cap: a listed price may not exceed the reference market price.
pub fn check_price_cap(price: Money, reference: Money) -> Result<(), String> {
    if !price.is_positive() {
        return Err("price must be greater than zero".into());
    }
    if price > reference {
        return Err(format!(
            "price {price} is above the reference market price {reference}; the mall only lists at or below it"
        ));
    }
    Ok(())
}

/// Whether moving from `baseline` (the earliest price inside the monitoring window) to `new`
/// changes the price by more than `ratio` (e.g. 0.20).
pub fn price_change_needs_review(baseline: Money, new: Money, ratio: Decimal) -> bool {
    if !baseline.is_positive() {
        return false;
    }
    let change = (new.as_decimal() - baseline.as_decimal()).abs() / baseline.as_decimal();
    change > ratio
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn review_table() {
        use ProductStatus as S;
        use ReviewAction as A;
        let legal = [
            (S::Pending, A::Approve, S::Listed),
            (S::Pending, A::Reject, S::Rejected),
            (S::Listed, A::Delist, S::Delisted),
            (S::Delisted, A::Resubmit, S::Pending),
            (S::Rejected, A::Resubmit, S::Pending),
        ];
        for from in S::ALL {
            for action in [A::Approve, A::Reject, A::Delist, A::Resubmit] {
                let expected = legal
                    .iter()
                    .find(|(f, a, _)| *f == from && *a == action)
                    .map(|(_, _, to)| *to);
                assert_eq!(review_transition(from, action).ok(), expected);
            }
        }
    }

    #[test]
    fn price_cap() {
        let reference = Money::from_yuan(5000);
        assert!(check_price_cap(Money::from_yuan(5000), reference).is_ok());
        assert!(check_price_cap(Money::from_fen(500_001), reference).is_err());
        assert!(check_price_cap(Money::ZERO, reference).is_err());
    }

    #[test]
    fn price_change_flagging() {
        let base = Money::from_yuan(1000);
        assert!(!price_change_needs_review(
            base,
            Money::from_yuan(1200),
            dec!(0.20)
        ));
        assert!(price_change_needs_review(
            base,
            Money::from_fen(120_001),
            dec!(0.20)
        ));
        assert!(price_change_needs_review(
            base,
            Money::from_yuan(799),
            dec!(0.20)
        ));
    }
}
