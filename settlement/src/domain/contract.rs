//! A contract's life: active from signing until every instalment is paid (completed) or the
//! order behind it is cancelled (terminated). Completed and terminated are final.

use gpmall_platform::Money;
use sea_orm::{DeriveActiveEnum, EnumIter};
use serde::{Deserialize, Serialize};

/// Stored as its `as_str` text in `contracts.status`.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
    EnumIter,
    DeriveActiveEnum,
)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "Text")]
pub enum ContractStatus {
    /// Signed; deliveries, acceptance, payments, disputes and milestones are recorded on it.
    #[sea_orm(string_value = "active")]
    Active,
    /// Every instalment is paid or deducted.
    #[sea_orm(string_value = "completed")]
    Completed,
    /// The order was cancelled: nothing more falls due.
    #[sea_orm(string_value = "terminated")]
    Terminated,
}

/// A line of a contract: the goods or service, price and quantity as signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ContractLine {
    pub product_id: i64,
    pub description: String,
    /// Catalogue category code.
    pub category: String,
    pub unit: String,
    pub unit_price: Money,
    pub quantity: i64,
    pub line_total: Money,
}

/// What happens to a contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContractEvent {
    /// The last unpaid instalment was paid (or taken off by a dispute).
    FullyPaid,
    /// The order behind the contract was cancelled.
    OrderCancelled,
}

/// An event the contract's status does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a {} contract cannot be {}", from.as_str(), event.as_str())]
pub struct IllegalContractTransition {
    pub from: ContractStatus,
    pub event: ContractEvent,
}

impl ContractStatus {
    pub const ALL: [ContractStatus; 3] = [Self::Active, Self::Completed, Self::Terminated];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Completed => "completed",
            Self::Terminated => "terminated",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    pub fn is_active(self) -> bool {
        self == Self::Active
    }
}

impl std::fmt::Display for ContractStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl ContractEvent {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::FullyPaid => "completed",
            Self::OrderCancelled => "terminated",
        }
    }
}

/// The one place a contract's status changes.
pub fn transition(
    from: ContractStatus,
    event: ContractEvent,
) -> Result<ContractStatus, IllegalContractTransition> {
    use ContractEvent as E;
    use ContractStatus as S;
    match (from, event) {
        (S::Active, E::FullyPaid) => Ok(S::Completed),
        (S::Active, E::OrderCancelled) => Ok(S::Terminated),
        (S::Completed | S::Terminated, _) => Err(IllegalContractTransition { from, event }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ContractEvent as E;
    use ContractStatus as S;

    #[test]
    fn every_status_and_event_as_a_table() {
        let table = [
            (S::Active, E::FullyPaid, Some(S::Completed)),
            (S::Active, E::OrderCancelled, Some(S::Terminated)),
            (S::Completed, E::FullyPaid, None),
            (S::Completed, E::OrderCancelled, None),
            (S::Terminated, E::FullyPaid, None),
            (S::Terminated, E::OrderCancelled, None),
        ];
        assert_eq!(table.len(), S::ALL.len() * 2);
        for (from, event, to) in table {
            assert_eq!(transition(from, event).ok(), to, "{from:?} + {event:?}");
        }
    }

    #[test]
    fn stored_statuses_read_back_and_nothing_else_does() {
        for s in S::ALL {
            assert_eq!(S::parse(s.as_str()), Some(s));
        }
        assert_eq!(S::parse("Active"), None);
        assert_eq!(S::parse(""), None);
    }

    #[test]
    fn the_stored_value_is_the_text_the_raw_queries_compare_with() {
        use sea_orm::ActiveEnum;
        for s in S::ALL {
            assert_eq!(s.to_value(), s.as_str());
            assert_eq!(S::try_from_value(&s.as_str().to_owned()).unwrap(), s);
        }
        assert!(S::try_from_value(&"Active".to_owned()).is_err());
    }
}
