//! Order events (delivery, acceptance) that fix instalments' due dates, and the SME cap on them.

use chrono::NaiveDate;
use gpmall_platform::ApiError;
use sea_orm::ConnectionTrait;

use crate::domain::terms;
use crate::repo::contracts::{self, OrderDate};

use super::*;

/// When the order behind a contract was delivered, if it was (acceptance cannot be earlier).
pub async fn delivered_on<C: ConnectionTrait>(
    conn: &C,
    order_id: i64,
) -> Result<Option<NaiveDate>, ApiError> {
    Ok(contracts::find_by_order(conn, order_id)
        .await?
        .and_then(|c| c.delivered_on))
}

/// What happened to the order behind a contract.
pub enum OrderEvent {
    Shipped(NaiveDate),
    Delivered(NaiveDate),
    Accepted(NaiveDate),
    /// Rejected at acceptance or cancelled after confirmation: the contract ends unpaid.
    Terminated,
}

pub async fn record_order_event<C: ConnectionTrait>(
    conn: &C,
    order_id: i64,
    event: OrderEvent,
) -> Result<(), ApiError> {
    match event {
        OrderEvent::Shipped(on) => {
            contracts::record_order_date(conn, order_id, OrderDate::Shipped, on).await?
        }
        OrderEvent::Delivered(on) => {
            contracts::record_order_date(conn, order_id, OrderDate::Delivered, on).await?
        }
        OrderEvent::Accepted(on) => {
            contracts::record_order_date(conn, order_id, OrderDate::Accepted, on).await?
        }
        OrderEvent::Terminated => {
            let (from, to) = status_change(ContractEvent::OrderCancelled)?;
            contracts::set_status_by_order(conn, order_id, from, to).await?;
        }
    }
    if let Some(contract) = contracts::find_by_order(conn, order_id).await? {
        refresh_due_dates(conn, contract.id).await?;
    }
    Ok(())
}

/// Stores each instalment's due date, computed from the recorded events by the same rule the
/// contract view uses, so overdue instalments can be found with one indexed query.
pub(crate) async fn refresh_due_dates<C: ConnectionTrait>(
    conn: &C,
    contract_id: i64,
) -> Result<(), ApiError> {
    let contract = contracts::find(conn, contract_id)
        .await?
        .ok_or_else(|| ApiError::not_found("contract"))?;
    let terminated = contract.status == ContractStatus::Terminated;
    for inst in contracts::instalments(conn, contract_id).await? {
        let events = terms::Events {
            signed_on: contract.signed_on,
            delivered_on: contract.delivered_on,
            accepted_on: contract.accepted_on,
            milestone_on: inst.milestone_reached_on,
        };
        let due_on = due_of(
            &contract.terms,
            inst.trigger,
            inst.days_after,
            contract.supplier_is_sme,
            &events,
            terminated,
        )
        .due_on;
        if due_on == inst.due_on {
            continue;
        }
        // The stored interest was computed from the old due date.
        contracts::set_due_on(conn, inst.id, due_on).await?;
    }
    Ok(())
}

/// Recomputes the stored due dates of the active SME contracts whose terms could put an
/// instalment past the SME limit (signed before every trigger was checked against it), so the
/// accrual, which reads stored due dates, never runs from a date beyond the limit. Run after
/// migrating; it touches only those contracts and writes only dates that change.
pub async fn cap_sme_due_dates<C: ConnectionTrait>(conn: &C) -> Result<usize, ApiError> {
    let ids = contracts::sme_contracts_to_cap(conn).await?;
    for id in &ids {
        refresh_due_dates(conn, *id).await?;
    }
    Ok(ids.len())
}
