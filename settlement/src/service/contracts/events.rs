//! Order events (delivery, acceptance) that fix instalments' due dates, and the SME cap on them.

use chrono::NaiveDate;
use gpmall_platform::ApiError;
use gpmall_platform::db::{execute, query_all, query_one, stmt};
use sea_orm::{ConnectionTrait, Value};

use crate::domain::terms::{self, PaymentTerms};

use super::*;

/// When the order behind a contract was delivered, if it was (acceptance cannot be earlier).
pub async fn delivered_on<C: ConnectionTrait>(
    conn: &C,
    order_id: i64,
) -> Result<Option<NaiveDate>, ApiError> {
    query_one(
        conn,
        stmt(
            conn.get_database_backend(),
            "SELECT delivered_on FROM contracts WHERE order_id = ?",
            [order_id.into()],
        ),
    )
    .await?
    .and_then(|row| {
        row.try_get::<Option<String>>("", "delivered_on")
            .transpose()
    })
    .transpose()?
    .map(|d| parse_date(&d))
    .transpose()
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
    let backend = conn.get_database_backend();
    let (sql, values): (&str, Vec<Value>) = match event {
        OrderEvent::Shipped(date) => (
            "UPDATE contracts SET shipped_on = ? WHERE order_id = ? AND shipped_on IS NULL",
            vec![date.to_string().into(), order_id.into()],
        ),
        OrderEvent::Delivered(date) => (
            "UPDATE contracts SET delivered_on = ? WHERE order_id = ? AND delivered_on IS NULL",
            vec![date.to_string().into(), order_id.into()],
        ),
        OrderEvent::Accepted(date) => (
            "UPDATE contracts SET accepted_on = ? WHERE order_id = ? AND accepted_on IS NULL",
            vec![date.to_string().into(), order_id.into()],
        ),
        OrderEvent::Terminated => {
            let (from, to) = status_change(ContractEvent::OrderCancelled)?;
            (
                "UPDATE contracts SET status = ? WHERE order_id = ? AND status = ?",
                vec![to.as_str().into(), order_id.into(), from.as_str().into()],
            )
        }
    };
    execute(conn, stmt(backend, sql, values)).await?;
    let contract = query_one(
        conn,
        stmt(
            backend,
            "SELECT id FROM contracts WHERE order_id = ?",
            [order_id.into()],
        ),
    )
    .await?;
    if let Some(contract) = contract {
        refresh_due_dates(conn, contract.try_get("", "id")?).await?;
    }
    Ok(())
}

/// Stores each instalment's due date, computed from the recorded events by the same rule the
/// contract view uses, so overdue instalments can be found with one indexed query.
pub(crate) async fn refresh_due_dates<C: ConnectionTrait>(
    conn: &C,
    contract_id: i64,
) -> Result<(), ApiError> {
    let backend = conn.get_database_backend();
    let contract = query_one(
        conn,
        stmt(
            backend,
            "SELECT terms, signed_on, delivered_on, accepted_on, status, supplier_is_sme FROM contracts WHERE id = ?",
            [contract_id.into()],
        ),
    )
    .await?
    .ok_or_else(|| ApiError::not_found("contract"))?;
    let terms: PaymentTerms = serde_json::from_str(&contract.try_get::<String>("", "terms")?)
        .map_err(ApiError::internal)?;
    let signed_on = parse_date(&contract.try_get::<String>("", "signed_on")?)?;
    let date = |column: &str| -> Result<Option<NaiveDate>, ApiError> {
        contract
            .try_get::<Option<String>>("", column)?
            .map(|d| parse_date(&d))
            .transpose()
    };
    let (delivered_on, accepted_on) = (date("delivered_on")?, date("accepted_on")?);
    let terminated = contract.try_get::<String>("", "status")? == "terminated";
    let supplier_is_sme: bool = contract.try_get("", "supplier_is_sme")?;
    let instalments = query_all(
        conn,
        stmt(
            backend,
            "SELECT id, trigger_event, days_after, milestone_reached_on, due_on FROM contract_instalments WHERE contract_id = ?",
            [contract_id.into()],
        ),
    )
    .await?;
    for inst in &instalments {
        let trigger = parse_trigger(&inst.try_get::<String>("", "trigger_event")?)?;
        let days_after: i32 = inst.try_get("", "days_after")?;
        let events = terms::Events {
            signed_on,
            delivered_on,
            accepted_on,
            milestone_on: inst
                .try_get::<Option<String>>("", "milestone_reached_on")?
                .map(|d| parse_date(&d))
                .transpose()?,
        };
        let due_on = due_of(
            &terms,
            trigger,
            days_after,
            supplier_is_sme,
            &events,
            terminated,
        )
        .due_on
        .map(|d| d.to_string());
        if due_on == inst.try_get::<Option<String>>("", "due_on")? {
            continue;
        }
        // The stored interest was computed from the old due date.
        execute(
            conn,
            stmt(
                backend,
                "UPDATE contract_instalments SET due_on = ?, accrual_pending = TRUE WHERE id = ?",
                [due_on.into(), inst.try_get::<i64>("", "id")?.into()],
            ),
        )
        .await?;
    }
    Ok(())
}

/// Recomputes the stored due dates of the active SME contracts whose terms could put an
/// instalment past the SME limit (signed before every trigger was checked against it), so the
/// accrual, which reads stored due dates, never runs from a date beyond the limit. Run after
/// migrating; it touches only those contracts and writes only dates that change.
pub async fn cap_sme_due_dates<C: ConnectionTrait>(conn: &C) -> Result<usize, ApiError> {
    let rows = query_all(
        conn,
        stmt(
            conn.get_database_backend(),
            "SELECT DISTINCT c.id FROM contracts c JOIN contract_instalments i ON i.contract_id = c.id \
             WHERE c.supplier_is_sme = ? AND c.status = 'active' \
             AND (i.trigger_event IN ('signing', 'milestone') OR i.days_after > 30)",
            [true.into()],
        ),
    )
    .await?;
    for row in &rows {
        refresh_due_dates(conn, row.try_get("", "id")?).await?;
    }
    Ok(rows.len())
}
