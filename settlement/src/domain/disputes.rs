//! Disputed parts of a payment (争议款项). The purchaser may hold back the part of an instalment it
//! disputes and must pay the rest (Regulations on Ensuring Payment to SMEs: undisputed parts are
//! paid). While a dispute is open its amount is neither payable nor accruing late interest from
//! the day after it was raised. It ends one of three ways, each by the party it binds:
//!
//! - the purchaser **withdraws** it: the whole amount was owed all along, so late interest runs
//!   on it from the original due date as if it had never been disputed;
//! - the supplier **accepts** it: the whole amount is deducted from the instalment, never owed,
//!   and bears no interest;
//! - the operator records a **decision** (mediation, arbitration or court): the decided part is
//!   deducted, the rest was owed all along, as on withdrawal.

use serde::{Deserialize, Serialize};

use super::deposits::TransitionError;

/// Stored as its `as_str` text in `contract_disputes.status`.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
    sea_orm::EnumIter,
    sea_orm::DeriveActiveEnum,
)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "Text")]
pub enum DisputeStatus {
    #[sea_orm(string_value = "open")]
    Open,
    /// The purchaser withdrew the dispute; the amount is owed.
    #[sea_orm(string_value = "withdrawn")]
    Withdrawn,
    /// The supplier accepted the deduction; the amount is not owed.
    #[sea_orm(string_value = "accepted")]
    Accepted,
    /// Decided by the operator on the outcome of mediation, arbitration or a court.
    #[sea_orm(string_value = "decided")]
    Decided,
}

impl DisputeStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DisputeStatus::Open => "open",
            DisputeStatus::Withdrawn => "withdrawn",
            DisputeStatus::Accepted => "accepted",
            DisputeStatus::Decided => "decided",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "open" => Some(DisputeStatus::Open),
            "withdrawn" => Some(DisputeStatus::Withdrawn),
            "accepted" => Some(DisputeStatus::Accepted),
            "decided" => Some(DisputeStatus::Decided),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DisputeAction {
    Withdraw,
    Accept,
    Decide,
}

impl DisputeAction {
    pub fn as_str(self) -> &'static str {
        match self {
            DisputeAction::Withdraw => "withdraw",
            DisputeAction::Accept => "accept",
            DisputeAction::Decide => "decide",
        }
    }
}

/// Who acts on a dispute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DisputeParty {
    Purchaser,
    Supplier,
    Operator,
}

/// Why a dispute action is refused: the wrong party (403) or the wrong state (409).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DisputeRefusal {
    NotYours(&'static str),
    Transition(TransitionError),
}

/// The one transition function of a dispute.
pub fn dispute_transition(
    status: DisputeStatus,
    action: DisputeAction,
    party: DisputeParty,
) -> Result<DisputeStatus, DisputeRefusal> {
    use DisputeAction as A;
    use DisputeParty as P;
    use DisputeStatus as S;
    match (status, action, party) {
        (S::Open, A::Withdraw, P::Purchaser) => Ok(S::Withdrawn),
        (S::Open, A::Accept, P::Supplier) => Ok(S::Accepted),
        (S::Open, A::Decide, P::Operator) => Ok(S::Decided),
        (S::Open, A::Withdraw, _) => Err(DisputeRefusal::NotYours(
            "only the purchaser that raised the dispute withdraws it",
        )),
        (S::Open, A::Accept, _) => Err(DisputeRefusal::NotYours(
            "only the supplier accepts a deduction",
        )),
        (S::Open, A::Decide, _) => Err(DisputeRefusal::NotYours(
            "the operator records the decision of mediation, arbitration or a court",
        )),
        (status @ (S::Withdrawn | S::Accepted | S::Decided), _, _) => {
            Err(DisputeRefusal::Transition(TransitionError(format!(
                "the dispute is already {}",
                status.as_str()
            ))))
        }
    }
}

/// How much of a dispute of `amount_fen` is deducted from the instalment when it ends in
/// `status`; `decided_fen` is the operator's decision.
pub fn deducted_fen(status: DisputeStatus, amount_fen: i64, decided_fen: i64) -> i64 {
    match status {
        DisputeStatus::Open | DisputeStatus::Withdrawn => 0,
        DisputeStatus::Accepted => amount_fen,
        DisputeStatus::Decided => decided_fen.clamp(0, amount_fen),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dispute_transitions_as_a_table() {
        use DisputeAction as A;
        use DisputeParty as P;
        use DisputeStatus as S;
        let table = [
            (S::Open, A::Withdraw, P::Purchaser, Ok(S::Withdrawn)),
            (S::Open, A::Accept, P::Supplier, Ok(S::Accepted)),
            (S::Open, A::Decide, P::Operator, Ok(S::Decided)),
            (S::Open, A::Withdraw, P::Supplier, Err(403)),
            (S::Open, A::Withdraw, P::Operator, Err(403)),
            (S::Open, A::Accept, P::Purchaser, Err(403)),
            (S::Open, A::Accept, P::Operator, Err(403)),
            (S::Open, A::Decide, P::Purchaser, Err(403)),
            (S::Open, A::Decide, P::Supplier, Err(403)),
            (S::Withdrawn, A::Withdraw, P::Purchaser, Err(409)),
            (S::Withdrawn, A::Accept, P::Supplier, Err(409)),
            (S::Accepted, A::Withdraw, P::Purchaser, Err(409)),
            (S::Accepted, A::Decide, P::Operator, Err(409)),
            (S::Decided, A::Decide, P::Operator, Err(409)),
            (S::Decided, A::Accept, P::Supplier, Err(409)),
        ];
        for (from, action, party, expected) in table {
            let got = dispute_transition(from, action, party).map_err(|e| match e {
                DisputeRefusal::NotYours(_) => 403,
                DisputeRefusal::Transition(_) => 409,
            });
            assert_eq!(got, expected, "{from:?} {action:?} by {party:?}");
        }
    }

    #[test]
    fn what_each_ending_deducts() {
        assert_eq!(deducted_fen(DisputeStatus::Withdrawn, 500, 0), 0);
        assert_eq!(deducted_fen(DisputeStatus::Accepted, 500, 0), 500);
        assert_eq!(deducted_fen(DisputeStatus::Decided, 500, 200), 200);
        assert_eq!(deducted_fen(DisputeStatus::Decided, 500, 900), 500);
    }

    #[test]
    fn statuses_round_trip() {
        for s in [
            DisputeStatus::Open,
            DisputeStatus::Withdrawn,
            DisputeStatus::Accepted,
            DisputeStatus::Decided,
        ] {
            assert_eq!(DisputeStatus::parse(s.as_str()), Some(s));
        }
    }
}
