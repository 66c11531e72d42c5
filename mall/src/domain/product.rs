//! Product listing rules: the review lifecycle, the price cap and price-change monitoring.
//!
//! A listed product's price change beyond the monitoring threshold is reviewed by the operator,
//! and what the buyer meets meanwhile depends on its direction: a cut is on sale at once (a
//! buyer only gains) and flagged; a rise waits for review while the listed price stays on sale.
//! A rejection restores the price the operator last let stand.

use gpmall_platform::Money;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::UnknownStored;

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

    /// The status a row stores; an unknown value is an error naming it.
    pub fn stored(s: &str) -> Result<Self, UnknownStored> {
        Self::parse(s).ok_or_else(|| UnknownStored {
            what: "product status",
            value: s.to_owned(),
        })
    }
}

impl ReviewAction {
    pub const ALL: [ReviewAction; 4] = [
        ReviewAction::Approve,
        ReviewAction::Reject,
        ReviewAction::Delist,
        ReviewAction::Resubmit,
    ];

    /// Stable name, as in the route (`/review/products/{id}/approve`).
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewAction::Approve => "approve",
            ReviewAction::Reject => "reject",
            ReviewAction::Delist => "delist",
            ReviewAction::Resubmit => "resubmit",
        }
    }

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

/// A listed product's price and the change under review, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PriceState {
    /// What buyers pay now.
    pub on_sale: Money,
    /// A rise held for review.
    pub proposed: Option<Money>,
    /// The price before a cut that is on sale but under review.
    pub before_review: Option<Money>,
}

impl PriceState {
    pub fn settled(on_sale: Money) -> Self {
        PriceState {
            on_sale,
            proposed: None,
            before_review: None,
        }
    }

    pub fn under_review(self) -> bool {
        self.proposed.is_some() || self.before_review.is_some()
    }
}

/// What a supplier's new price does. `baseline` is the earliest price inside the monitoring
/// window; a product that is not listed is off sale, so its price simply changes. A new change
/// replaces the one under review.
pub fn change_price(
    state: PriceState,
    listed: bool,
    baseline: Money,
    new: Money,
    ratio: Decimal,
) -> PriceState {
    if !listed || !price_change_needs_review(baseline, new, ratio) {
        return PriceState::settled(new);
    }
    let before_review = Some(state.before_review.unwrap_or(state.on_sale));
    if new > state.on_sale {
        PriceState {
            on_sale: state.on_sale,
            proposed: Some(new),
            before_review: state.before_review,
        }
    } else {
        PriceState {
            on_sale: new,
            proposed: None,
            before_review,
        }
    }
}

/// The operator's decision on a price change under review: approved, the proposed rise goes on
/// sale (a cut stays); rejected, the price before the review returns (a held rise is dropped).
pub fn review_price(state: PriceState, approve: bool) -> PriceState {
    if approve {
        PriceState::settled(state.proposed.unwrap_or(state.on_sale))
    } else {
        PriceState::settled(state.before_review.unwrap_or(state.on_sale))
    }
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
    fn an_unknown_stored_status_is_an_error_naming_it_not_pending() {
        for s in ProductStatus::ALL {
            assert_eq!(ProductStatus::stored(s.as_str()), Ok(s));
        }
        let err = ProductStatus::stored("archived").unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown stored product status \"archived\""
        );
    }

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
    fn price_changes_under_review() {
        let yuan = Money::from_yuan;
        let ratio = dec!(0.20);
        let listed = PriceState::settled(yuan(1000));
        // Within the threshold: on sale at once, nothing to review.
        assert_eq!(
            change_price(listed, true, yuan(1000), yuan(1100), ratio),
            PriceState::settled(yuan(1100))
        );
        // A rise beyond it waits; the old price stays on sale.
        let held = change_price(listed, true, yuan(1000), yuan(1300), ratio);
        assert_eq!(held.on_sale, yuan(1000));
        assert_eq!(held.proposed, Some(yuan(1300)));
        assert!(held.under_review());
        assert_eq!(review_price(held, true), PriceState::settled(yuan(1300)));
        assert_eq!(review_price(held, false), PriceState::settled(yuan(1000)));
        // A cut beyond it is on sale at once and flagged; rejected, the old price returns.
        let cut = change_price(listed, true, yuan(1000), yuan(700), ratio);
        assert_eq!(cut.on_sale, yuan(700));
        assert_eq!(cut.before_review, Some(yuan(1000)));
        assert_eq!(review_price(cut, true), PriceState::settled(yuan(700)));
        assert_eq!(review_price(cut, false), PriceState::settled(yuan(1000)));
        // A rise after a flagged cut: rejected, the price before the cut returns.
        let both = change_price(cut, true, yuan(1000), yuan(1300), ratio);
        assert_eq!((both.on_sale, both.proposed), (yuan(700), Some(yuan(1300))));
        assert_eq!(review_price(both, false), PriceState::settled(yuan(1000)));
        // Back within the threshold: the change under review is withdrawn.
        assert_eq!(
            change_price(held, true, yuan(1000), yuan(1050), ratio),
            PriceState::settled(yuan(1050))
        );
        // Off sale, a price simply changes.
        assert_eq!(
            change_price(listed, false, yuan(1000), yuan(5000), ratio),
            PriceState::settled(yuan(5000))
        );
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
