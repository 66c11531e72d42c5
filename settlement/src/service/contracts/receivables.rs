//! What is owed: every unpaid instalment of the contracts a user is party to, due or not yet
//! due, with its due date (or the event it waits for) and the totals. A supplier reads it as
//! its receivables, a purchasing unit as what it has to pay.

use chrono::NaiveDate;
use gpmall_platform::identity::Identity;
use gpmall_platform::{ApiError, Ctx, Money};
use serde::{Deserialize, Serialize};

use super::*;
use crate::repo::contracts;

/// One unpaid instalment.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AmountOwed {
    pub contract_id: i64,
    pub contract_no: String,
    pub purchaser_name: String,
    pub supplier_name: String,
    /// The instalment (1 is the first).
    pub instalment_seq: i32,
    /// What starts the instalment's payment clock.
    pub trigger: Trigger,
    /// The milestone's name, for milestone instalments.
    pub milestone: Option<String>,
    /// `None` while the event that starts the payment clock has not happened.
    pub due_on: Option<NaiveDate>,
    /// The SME payment limit set the due date.
    pub due_at_sme_limit: bool,
    /// Unpaid and not disputed: what is to be paid.
    pub payable: Money,
    /// Held back by open disputes.
    pub disputed: Money,
    pub overdue_days: i64,
    pub interest_owed: Money,
}

/// Every amount owed, earliest due first and those still waiting for their event last, with
/// the totals.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AmountsOwed {
    pub as_of: NaiveDate,
    pub items: Vec<AmountOwed>,
    /// Everything payable, due or not.
    pub total_payable: Money,
    /// Payable and past its due date.
    pub total_overdue: Money,
    /// Payable with a due date still to come (today included).
    pub total_not_yet_due: Money,
    /// Payable once the event that starts its clock happens.
    pub total_awaiting_event: Money,
    /// Held back by open disputes.
    pub total_disputed: Money,
    pub total_interest: Money,
}

impl AmountsOwed {
    fn from_items(as_of: NaiveDate, mut items: Vec<AmountOwed>) -> Result<Self, ApiError> {
        items.sort_by_key(|i| {
            (
                i.due_on.is_none(),
                i.due_on,
                i.contract_id,
                i.instalment_seq,
            )
        });
        let total = |keep: &dyn Fn(&AmountOwed) -> bool, amount: &dyn Fn(&AmountOwed) -> Money| {
            items
                .iter()
                .filter(|i| keep(i))
                .try_fold(Money::ZERO, |sum, i| sum.checked_add(amount(i)))
                .ok_or_else(|| ApiError::internal("the amounts owed overflow"))
        };
        Ok(AmountsOwed {
            as_of,
            total_payable: total(&|_| true, &|i| i.payable)?,
            total_overdue: total(&|i| i.due_on.is_some_and(|d| d < as_of), &|i| i.payable)?,
            total_not_yet_due: total(&|i| i.due_on.is_some_and(|d| d >= as_of), &|i| i.payable)?,
            total_awaiting_event: total(&|i| i.due_on.is_none(), &|i| i.payable)?,
            total_disputed: total(&|_| true, &|i| i.disputed)?,
            total_interest: total(&|_| true, &|i| i.interest_owed)?,
            items,
        })
    }
}

/// Every unpaid instalment of the active contracts `actor` may see (a purchasing unit's own, a
/// supplier's own, all for the operator and the regulator).
pub async fn amounts_owed(ctx: &Ctx, actor: &Identity) -> Result<AmountsOwed, ApiError> {
    let rows = contracts::active_with_unpaid(&ctx.db, visible_to(actor)?).await?;
    let today = ctx.clock.today();
    let mut items = Vec::new();
    for row in rows {
        let contract = build_view(&ctx.db, row, today).await?;
        items.extend(
            contract
                .instalments
                .iter()
                .filter(|i| i.outstanding.is_positive())
                .map(|i| AmountOwed {
                    contract_id: contract.id,
                    contract_no: contract.contract_no.clone(),
                    purchaser_name: contract.purchaser_name.clone(),
                    supplier_name: contract.supplier_name.clone(),
                    instalment_seq: i.seq,
                    trigger: i.trigger,
                    milestone: i.milestone.clone(),
                    due_on: i.due_on,
                    due_at_sme_limit: i.due_at_sme_limit,
                    payable: i.payable,
                    disputed: i.disputed,
                    overdue_days: i.overdue_days,
                    interest_owed: i.interest_owed,
                }),
        );
    }
    AmountsOwed::from_items(today, items)
}
