//! What each party reads: a deposit with its days late and interest owed as of today, a
//! procedure with the deposits and events the caller may see, and the paged lists of both.

use std::collections::HashMap;

use chrono::NaiveDate;
use gpmall_platform::db::{query_all, stmt};
use gpmall_platform::identity::{Identity, OrgKind};
use gpmall_platform::pagination::{ListResponse, PageRequest};
use gpmall_platform::repo::paged;
use gpmall_platform::{ApiError, Ctx, Money};
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Value};

use super::RULES;
use super::refund::refresh;
use super::rows::{
    DepositRow, ProcedureRow, date_of, deposit_condition, deposit_scope, load_deposit,
    load_deposits, load_deposits_by_id, load_procedure, load_procedures_by_id, procedure_condition,
};
use super::types::{DepositFilter, DepositView, ProcedureEventView, ProcedureView};
use crate::domain::deposits::{DepositStatus, cap, late_refund};
use crate::entity::{deposit, procedure};
use crate::service::rates::{RateKind, rate_on};

/// Benchmark rates looked up while building views, by deadline.
#[derive(Default)]
pub(super) struct BenchmarkRates(HashMap<NaiveDate, Decimal>);

impl BenchmarkRates {
    async fn on<C: ConnectionTrait>(
        &mut self,
        conn: &C,
        date: NaiveDate,
    ) -> Result<Decimal, ApiError> {
        if let Some(rate) = self.0.get(&date) {
            return Ok(*rate);
        }
        let rate = rate_on(conn, RateKind::PbocLending1y, date).await?;
        self.0.insert(date, rate);
        Ok(rate)
    }
}

/// The daily late-refund rate of a deposit whose deadline is `due`.
pub(super) async fn daily_rate<C: ConnectionTrait>(
    conn: &C,
    rates: &mut BenchmarkRates,
    row: &DepositRow,
    due: NaiveDate,
) -> Result<Decimal, ApiError> {
    match row.late_interest {
        Some(agreed) => Ok(agreed.daily_rate()),
        None => Ok(RULES.bid_late_daily_rate(rates.on(conn, due).await?)),
    }
}

pub(super) async fn deposit_view<C: ConnectionTrait>(
    conn: &C,
    rates: &mut BenchmarkRates,
    row: DepositRow,
    today: NaiveDate,
) -> Result<DepositView, ApiError> {
    let (days_late, interest_owed) = match (row.status, row.refund_due_on) {
        (DepositStatus::Refunded, Some(due)) => {
            let refunded = row.refunded_on.unwrap_or(due);
            (
                (refunded - due).num_days().max(0),
                row.interest.unwrap_or(Money::ZERO),
            )
        }
        (DepositStatus::RefundDue, Some(due)) if today > due => {
            let rate = daily_rate(conn, rates, &row, due).await?;
            let late = late_refund(row.amount, due, None, today, rate, false);
            (late.days_late, late.interest)
        }
        _ => (0, Money::ZERO),
    };
    Ok(DepositView {
        late_interest: row.late_interest_text(),
        id: row.id,
        kind: row.kind,
        procedure_id: row.procedure_id,
        procedure_no: row.procedure_no,
        contract_id: row.contract_id,
        contract_no: row.contract_no,
        purchaser_org_id: row.purchaser_org_id,
        supplier_id: row.supplier_id,
        supplier_name: row.supplier_name,
        amount: row.amount,
        form: row.form,
        reference: row.reference,
        received_on: row.received_on,
        status: row.status,
        refund_trigger: row.refund_trigger,
        trigger_on: row.trigger_on,
        refund_due_on: row.refund_due_on,
        refund_due_provisional: row.refund_due_provisional,
        refund_days_after_acceptance: row.refund_days_after_acceptance,
        refunded_on: row.refunded_on,
        refund_amount: row.refund_amount,
        supplier_caused_delay: row.supplier_caused_delay,
        days_late,
        interest_owed,
        forfeiture_cases: row.forfeiture_cases,
        forfeiture_case: row.forfeiture_case,
        forfeited_on: row.forfeited_on,
        forfeiture_notes: row.forfeiture_notes,
        as_of: today,
    })
}

/// The events of a procedure the caller may see: a supplier does not see other suppliers'
/// withdrawals.
async fn procedure_events<C: ConnectionTrait>(
    conn: &C,
    actor: &Identity,
    procedure_id: i64,
) -> Result<Vec<ProcedureEventView>, ApiError> {
    let events = query_all(
        conn,
        stmt(
            conn.get_database_backend(),
            "SELECT event, supplier_id, occurred_on, details, recorded_at FROM procedure_events \
             WHERE procedure_id = ? ORDER BY id",
            [procedure_id.into()],
        ),
    )
    .await?
    .iter()
    .map(|r| {
        let details: String = r.try_get("", "details")?;
        Ok(ProcedureEventView {
            event: r.try_get("", "event")?,
            supplier_id: r.try_get("", "supplier_id")?,
            on: date_of(r, "occurred_on")?,
            details: serde_json::from_str(&details).map_err(ApiError::internal)?,
            recorded_at: r.try_get("", "recorded_at")?,
        })
    })
    .collect::<Result<Vec<_>, ApiError>>()?;
    Ok(events
        .into_iter()
        .filter(|e| {
            actor.org_kind != OrgKind::Supplier
                || e.event != "withdrawal"
                || e.supplier_id == Some(actor.org_id)
        })
        .collect())
}

pub(super) async fn procedure_view<C: ConnectionTrait>(
    conn: &C,
    actor: &Identity,
    procedure: ProcedureRow,
    today: NaiveDate,
) -> Result<ProcedureView, ApiError> {
    let mut values: Vec<Value> = vec![procedure.id.into()];
    let mut condition = String::from("d.procedure_id = ?");
    if actor.org_kind == OrgKind::Supplier {
        condition.push_str(" AND d.supplier_id = ?");
        values.push(actor.org_id.into());
    }
    let mut rates = BenchmarkRates::default();
    let mut deposits = Vec::new();
    for row in load_deposits(conn, &condition, values).await? {
        deposits.push(deposit_view(conn, &mut rates, row, today).await?);
    }
    let events = procedure_events(conn, actor, procedure.id).await?;
    Ok(ProcedureView {
        id: procedure.id,
        procedure_no: procedure.procedure_no,
        name: procedure.name,
        purchaser_org_id: procedure.purchaser_org_id,
        budget: procedure.budget,
        deposit_required: procedure.deposit_required,
        deposit_amount: procedure.deposit_amount,
        deposit_cap: cap(procedure.budget, RULES.bid_cap_percent),
        status: procedure.status,
        winner_supplier_id: procedure.winner_supplier_id,
        award_notice_on: procedure.award_notice_on,
        contract_signed_on: procedure.contract_signed_on,
        terminated_on: procedure.terminated_on,
        created_at: procedure.created_at,
        deposits,
        events,
    })
}

pub async fn get_procedure(
    ctx: &Ctx,
    actor: &Identity,
    id: i64,
) -> Result<ProcedureView, ApiError> {
    refresh(ctx).await?;
    let procedure = load_procedure(&ctx.db, actor, id).await?;
    procedure_view(&ctx.db, actor, procedure, ctx.clock.today()).await
}

/// The procedures the caller sees, newest first.
pub async fn list_procedures(
    ctx: &Ctx,
    actor: &Identity,
    page: PageRequest,
) -> Result<ListResponse<ProcedureView>, ApiError> {
    refresh(ctx).await?;
    let select = procedure::Entity::find()
        .filter(procedure_condition(actor)?)
        .order_by_desc(procedure::Column::Id);
    let found = paged(&ctx.db, select, page).await?;
    let ids: Vec<i64> = found.items.iter().map(|p| p.id).collect();
    let today = ctx.clock.today();
    let mut items = Vec::with_capacity(ids.len());
    for procedure in load_procedures_by_id(&ctx.db, &ids).await? {
        items.push(procedure_view(&ctx.db, actor, procedure, today).await?);
    }
    Ok(ListResponse::new(items, found.total, page))
}

/// Deposits with their deadlines, status, days late and interest owed as of today: a
/// purchaser's own, a supplier's own, all for the operator and the regulator.
pub async fn list_deposits(
    ctx: &Ctx,
    actor: &Identity,
    filter: DepositFilter,
    page: PageRequest,
) -> Result<ListResponse<DepositView>, ApiError> {
    let mut condition = deposit_condition(actor)?;
    refresh(ctx).await?;
    if let Some(status) = filter.status {
        condition = condition.add(deposit::Column::Status.eq(status.as_str()));
    }
    if let Some(kind) = filter.kind {
        condition = condition.add(deposit::Column::Kind.eq(kind.as_str()));
    }
    if let Some(procedure_id) = filter.procedure_id {
        condition = condition.add(deposit::Column::ProcedureId.eq(procedure_id));
    }
    let select = deposit::Entity::find()
        .filter(condition)
        .order_by_desc(deposit::Column::Id);
    let found = paged(&ctx.db, select, page).await?;
    let ids: Vec<i64> = found.items.iter().map(|d| d.id).collect();
    let today = ctx.clock.today();
    let mut rates = BenchmarkRates::default();
    let mut items = Vec::with_capacity(ids.len());
    for row in load_deposits_by_id(&ctx.db, &ids).await? {
        items.push(deposit_view(&ctx.db, &mut rates, row, today).await?);
    }
    Ok(ListResponse::new(items, found.total, page))
}

pub async fn get_deposit(ctx: &Ctx, actor: &Identity, id: i64) -> Result<DepositView, ApiError> {
    deposit_scope(actor)?;
    refresh(ctx).await?;
    let row = load_deposit(&ctx.db, actor, id).await?;
    deposit_view(
        &ctx.db,
        &mut BenchmarkRates::default(),
        row,
        ctx.clock.today(),
    )
    .await
}
