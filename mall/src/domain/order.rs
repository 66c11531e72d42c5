//! The order lifecycle as one transition function.
//!
//! placed → confirmed (supplier) → shipped (supplier) → delivered (supplier or purchaser) →
//! accepted | rejected (purchaser, at acceptance). Cancelled by the purchaser before
//! confirmation, or by the supplier (with a reason) before shipping.

use serde::{Deserialize, Serialize};

use super::UnknownStored;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    Placed,
    Confirmed,
    Shipped,
    Delivered,
    Accepted,
    Rejected,
    Cancelled,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderAction {
    Confirm,
    Ship,
    Deliver,
    Accept,
    Reject,
    Cancel,
}

/// Which side of the order the actor is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party {
    Purchaser,
    Supplier,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("an order that is {from} cannot be {action} by the {party}")]
pub struct TransitionError {
    pub from: &'static str,
    pub action: &'static str,
    pub party: &'static str,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 7] = [
        OrderStatus::Placed,
        OrderStatus::Confirmed,
        OrderStatus::Shipped,
        OrderStatus::Delivered,
        OrderStatus::Accepted,
        OrderStatus::Rejected,
        OrderStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Placed => "placed",
            OrderStatus::Confirmed => "confirmed",
            OrderStatus::Shipped => "shipped",
            OrderStatus::Delivered => "delivered",
            OrderStatus::Accepted => "accepted",
            OrderStatus::Rejected => "rejected",
            OrderStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        OrderStatus::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// The status a row stores; an unknown value is an error naming it.
    pub fn stored(s: &str) -> Result<Self, UnknownStored> {
        Self::parse(s).ok_or_else(|| UnknownStored {
            what: "order status",
            value: s.to_owned(),
        })
    }

    /// Whether leaving this status for `to` gives back the budget and stock the order held.
    pub fn releases_reservation(to: OrderStatus) -> bool {
        matches!(to, OrderStatus::Cancelled | OrderStatus::Rejected)
    }
}

impl OrderAction {
    pub const ALL: [OrderAction; 6] = [
        OrderAction::Confirm,
        OrderAction::Ship,
        OrderAction::Deliver,
        OrderAction::Accept,
        OrderAction::Reject,
        OrderAction::Cancel,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderAction::Confirm => "confirmed",
            OrderAction::Ship => "shipped",
            OrderAction::Deliver => "delivered",
            OrderAction::Accept => "accepted",
            OrderAction::Reject => "rejected",
            OrderAction::Cancel => "cancelled",
        }
    }

    pub fn verb(self) -> &'static str {
        match self {
            OrderAction::Confirm => "confirm",
            OrderAction::Ship => "ship",
            OrderAction::Deliver => "deliver",
            OrderAction::Accept => "accept",
            OrderAction::Reject => "reject",
            OrderAction::Cancel => "cancel",
        }
    }
}

impl Party {
    fn as_str(self) -> &'static str {
        match self {
            Party::Purchaser => "purchaser",
            Party::Supplier => "supplier",
        }
    }
}

/// The one transition function of the order lifecycle.
pub fn transition(
    from: OrderStatus,
    action: OrderAction,
    party: Party,
) -> Result<OrderStatus, TransitionError> {
    use OrderAction as A;
    use OrderStatus as S;
    use Party as P;
    let to = match (from, action, party) {
        (S::Placed, A::Confirm, P::Supplier) => S::Confirmed,
        (S::Confirmed, A::Ship, P::Supplier) => S::Shipped,
        (S::Shipped, A::Deliver, P::Supplier | P::Purchaser) => S::Delivered,
        (S::Delivered, A::Accept, P::Purchaser) => S::Accepted,
        (S::Delivered, A::Reject, P::Purchaser) => S::Rejected,
        (S::Placed, A::Cancel, P::Purchaser) => S::Cancelled,
        (S::Placed | S::Confirmed, A::Cancel, P::Supplier) => S::Cancelled,
        _ => {
            return Err(TransitionError {
                from: from.as_str(),
                action: action.as_str(),
                party: party.as_str(),
            });
        }
    };
    Ok(to)
}

#[cfg(test)]
mod tests {
    use super::*;
    use OrderAction as A;
    use OrderStatus as S;
    use Party as P;

    /// Every legal transition; everything else must be refused.
    const LEGAL: &[(S, A, P, S)] = &[
        (S::Placed, A::Confirm, P::Supplier, S::Confirmed),
        (S::Confirmed, A::Ship, P::Supplier, S::Shipped),
        (S::Shipped, A::Deliver, P::Supplier, S::Delivered),
        (S::Shipped, A::Deliver, P::Purchaser, S::Delivered),
        (S::Delivered, A::Accept, P::Purchaser, S::Accepted),
        (S::Delivered, A::Reject, P::Purchaser, S::Rejected),
        (S::Placed, A::Cancel, P::Purchaser, S::Cancelled),
        (S::Placed, A::Cancel, P::Supplier, S::Cancelled),
        (S::Confirmed, A::Cancel, P::Supplier, S::Cancelled),
    ];

    #[test]
    fn transition_table_is_exact() {
        for from in S::ALL {
            for action in A::ALL {
                for party in [P::Purchaser, P::Supplier] {
                    let expected = LEGAL
                        .iter()
                        .find(|(f, a, p, _)| *f == from && *a == action && *p == party)
                        .map(|(_, _, _, to)| *to);
                    let got = transition(from, action, party).ok();
                    assert_eq!(got, expected, "{from:?} --{action:?} by {party:?}");
                }
            }
        }
    }

    #[test]
    fn refusal_explains_itself() {
        let err = transition(S::Confirmed, A::Cancel, P::Purchaser).unwrap_err();
        assert_eq!(
            err.to_string(),
            "an order that is confirmed cannot be cancelled by the purchaser"
        );
    }

    #[test]
    fn statuses_round_trip() {
        for s in S::ALL {
            assert_eq!(S::parse(s.as_str()), Some(s));
        }
        assert_eq!(S::parse("paid"), None);
    }

    #[test]
    fn an_unknown_stored_status_is_an_error_naming_it_not_placed() {
        assert_eq!(S::stored("shipped"), Ok(S::Shipped));
        let err = S::stored("paid").unwrap_err();
        assert_eq!(err.to_string(), "unknown stored order status \"paid\"");
    }
}
