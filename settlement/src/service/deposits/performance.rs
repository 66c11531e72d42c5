//! Performance deposits: the contract's purchaser records the deposit it received (at most 10%
//! of the contract, as the contract's clause agrees), and the contract's acceptance starts its
//! refund clock.

use chrono::{DateTime, NaiveDate, Utc};
use gpmall_platform::audit::{self, AuditEntry};
use gpmall_platform::dates;
use gpmall_platform::db::{query_all, query_one, stmt};
use gpmall_platform::i18n::Text;
use gpmall_platform::identity::{Identity, OrgKind, Role};
use gpmall_platform::{ApiError, Ctx, Money};
use rust_decimal::Decimal;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, TransactionTrait, Value};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::rows::{
    above_cap, clean_reference, date_of, form_names, load_deposit, load_deposits, parse_form,
};
use super::types::{DepositView, NewPerformanceDeposit};
use super::views::{BenchmarkRates, deposit_view};
use super::{RECEIVED_ON, RULES, SUBJECT};
use crate::domain::deposits::{
    DepositEvent, DepositForm, DepositKind, DepositStatus, RefundTrigger, cap, deposit_transition,
    performance_refund_deadline,
};
use crate::domain::terms::{LateInterest, PaymentTerms, PerformanceDepositTerms};
use crate::entity::deposit;

/// What a performance deposit needs to know of its contract.
pub(super) struct ContractFacts {
    pub(super) id: i64,
    pub(super) contract_no: String,
    pub(super) purchaser_org_id: i64,
    pub(super) supplier_id: i64,
    pub(super) amount: Money,
    pub(super) terminated: bool,
    pub(super) terms: PaymentTerms,
    pub(super) signed_on: NaiveDate,
}

/// The contract `id` if the caller may see it: its purchaser, its supplier, supervision.
pub(super) async fn load_contract<C: ConnectionTrait>(
    conn: &C,
    actor: &Identity,
    id: i64,
) -> Result<ContractFacts, ApiError> {
    let (scope, scope_values): (&str, Vec<Value>) = match actor.org_kind {
        OrgKind::Purchaser => ("purchaser_org_id = ?", vec![actor.org_id.into()]),
        OrgKind::Supplier => ("supplier_id = ?", vec![actor.org_id.into()]),
        OrgKind::Operator | OrgKind::Regulator => ("1 = 1", vec![]),
        OrgKind::Bank => ("1 = 0", vec![]),
    };
    let mut values: Vec<Value> = vec![id.into()];
    values.extend(scope_values);
    let row = query_one(
        conn,
        stmt(
            conn.get_database_backend(),
            &format!(
                "SELECT id, contract_no, purchaser_org_id, supplier_id, amount_fen, status, terms, signed_on \
                 FROM contracts WHERE id = ? AND {scope}"
            ),
            values,
        ),
    )
    .await?
    .ok_or_else(|| ApiError::not_found("contract"))?;
    let status: String = row.try_get("", "status")?;
    Ok(ContractFacts {
        id: row.try_get("", "id")?,
        contract_no: row.try_get("", "contract_no")?,
        purchaser_org_id: row.try_get("", "purchaser_org_id")?,
        supplier_id: row.try_get("", "supplier_id")?,
        amount: Money::from_fen(row.try_get("", "amount_fen")?),
        terminated: status == "terminated",
        terms: serde_json::from_str(&row.try_get::<String>("", "terms")?)
            .map_err(ApiError::internal)?,
        signed_on: date_of(&row, "signed_on")?,
    })
}

/// Whether `actor` records the performance deposits of `contract`: its purchaser's buyer or
/// finance officer.
pub(super) fn may_record(actor: &Identity, contract: &ContractFacts) -> bool {
    actor.org_kind == OrgKind::Purchaser
        && actor.org_id == contract.purchaser_org_id
        && (actor.has_role(Role::Buyer) || actor.has_role(Role::Finance))
}

/// The checks that need no contract: a positive amount, at most 365 refund days, a sensible
/// agreed rate.
fn check_input(input: &NewPerformanceDeposit) -> Result<(), ApiError> {
    if !input.amount.is_positive() {
        return Err(ApiError::invalid(Text::new("msg.deposit.amount_positive")));
    }
    if input
        .refund_days_after_completion
        .is_some_and(|days| days > 365)
    {
        return Err(ApiError::invalid(Text::new("msg.deposit.refund_days_max")));
    }
    if let Some(LateInterest::AgreedAnnual { annual_percent }) = input.late_interest
        && (annual_percent <= Decimal::ZERO || annual_percent >= Decimal::ONE_HUNDRED)
    {
        return Err(ApiError::invalid(Text::new("msg.terms.deposit_late_rate")));
    }
    Ok(())
}

/// The refund days and late-refund liability of the deposit: the contract's clause when it has
/// one, else as given with the request (refund days required).
fn refund_terms(
    contract: &ContractFacts,
    input: &NewPerformanceDeposit,
    form: DepositForm,
) -> Result<(u32, LateInterest), ApiError> {
    RULES
        .check_performance_deposit(input.amount, contract.amount)
        .map_err(|e| above_cap(e, "msg.deposit.performance_above_cap"))?;
    match &contract.terms.performance_deposit {
        Some(clause) => agreed_deposit(clause, input, form, contract),
        None => Ok((
            input.refund_days_after_completion.ok_or_else(|| {
                ApiError::invalid(
                    Text::new("msg.deposit.refund_days_required")
                        .arg("contract", &contract.contract_no),
                )
            })?,
            input.late_interest.unwrap_or(contract.terms.late_interest),
        )),
    }
}

/// The caller is the contract's purchaser (buyer or finance officer), the contract is not
/// terminated, and the deposit was received no earlier than the award window.
fn check_contract(
    actor: &Identity,
    contract: &ContractFacts,
    received_on: NaiveDate,
) -> Result<(), ApiError> {
    if !(actor.org_kind == OrgKind::Purchaser && actor.org_id == contract.purchaser_org_id) {
        return Err(ApiError::refused(Text::new(
            "msg.deposit.performance_keeper",
        )));
    }
    actor.require_any(&[Role::Buyer, Role::Finance])?;
    if contract.terminated {
        return Err(ApiError::conflicting(
            "INVALID_TRANSITION",
            Text::new("msg.deposit.contract_terminated").arg("contract", &contract.contract_no),
        ));
    }
    // A performance deposit is lodged after the award notice, which comes at most 30 days
    // before signing (Government Procurement Law art 46), so it may predate the contract.
    let earliest = contract
        .signed_on
        .checked_sub_days(chrono::Days::new(30))
        .unwrap_or(dates::EARLIEST);
    dates::not_before(
        RECEIVED_ON,
        received_on,
        earliest,
        "date.bound.award_window",
    )
}

/// The contract's purchaser records the performance deposit it received: at most 10% of the
/// contract, refunded a number of days after the contract's acceptance.
#[tracing::instrument(skip_all, fields(contract_id = contract_id))]
pub async fn record_performance_deposit(
    ctx: &Ctx,
    actor: &Identity,
    contract_id: i64,
    input: NewPerformanceDeposit,
) -> Result<DepositView, ApiError> {
    let form = parse_form(&input.form)?;
    let reference = clean_reference(input.reference.clone())?;
    let today = ctx.clock.today();
    dates::happened(RECEIVED_ON, input.received_on, today)?;
    check_input(&input)?;
    let now = ctx.clock.now();
    let txn = ctx.db.begin().await?;
    let contract = load_contract(&txn, actor, contract_id).await?;
    check_contract(actor, &contract, input.received_on)?;
    let (refund_days, late_interest) = refund_terms(&contract, &input, form)?;
    let inserted = query_one(
        &txn,
        stmt(
            txn.get_database_backend(),
            "INSERT INTO deposits (kind, contract_id, purchaser_org_id, supplier_id, amount_fen, form, reference, \
             received_on, status, refund_days_after_acceptance, late_interest, recorded_by, created_at) \
             VALUES ('performance', ?, ?, ?, ?, ?, ?, ?, 'held', ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id",
            [
                contract.id.into(),
                contract.purchaser_org_id.into(),
                contract.supplier_id.into(),
                input.amount.fen().into(),
                form.as_str().into(),
                reference.clone().into(),
                input.received_on.to_string().into(),
                i32::try_from(refund_days).map_err(ApiError::internal)?.into(),
                serde_json::to_string(&late_interest)
                    .map_err(ApiError::internal)?
                    .into(),
                actor.user_id.into(),
                now.into(),
            ],
        ),
    )
    .await?
    .ok_or_else(|| {
        ApiError::conflicting(
            "DEPOSIT_EXISTS",
            Text::new("msg.deposit.performance_exists").arg("contract", &contract.contract_no),
        )
    })?;
    let deposit_id: i64 = inserted.try_get("", "id")?;
    audit::record(
        &txn,
        AuditEntry {
            actor: Some(actor),
            action: "deposit.received",
            subject_type: SUBJECT,
            subject_id: deposit_id.to_string(),
            before: None,
            after: Some(json!({
                "kind": "performance", "contract_id": contract.id, "supplier_id": contract.supplier_id,
                "amount": input.amount, "form": form, "reference": reference,
                "received_on": input.received_on,
                "refund_days_after_acceptance": refund_days,
                "late_interest": late_interest,
            })),
        },
        now,
    )
    .await?;
    // Already accepted: the refund clock runs from the acceptance.
    trigger_accepted_performance_deposits(&txn, now).await?;
    let row = load_deposit(&txn, actor, deposit_id).await?;
    let view = deposit_view(&txn, &mut BenchmarkRates::default(), row, today).await?;
    txn.commit().await?;
    Ok(view)
}

/// Checks a recorded performance deposit against the contract's clause: the agreed amount, one
/// of the agreed forms, and no refund days or late-refund liability other than agreed. Returns
/// the agreed refund days and liability.
fn agreed_deposit(
    clause: &PerformanceDepositTerms,
    input: &NewPerformanceDeposit,
    form: DepositForm,
    contract: &ContractFacts,
) -> Result<(u32, LateInterest), ApiError> {
    let required = clause.amount_for(contract.amount);
    if input.amount != required {
        return Err(ApiError::say(
            axum::http::StatusCode::BAD_REQUEST,
            "DEPOSIT_AMOUNT_MISMATCH",
            Text::new("msg.deposit.performance_amount_mismatch")
                .arg("contract", &contract.contract_no)
                .arg("share", clause.share_percent.normalize())
                .money("base", contract.amount)
                .money("required", required)
                .money("amount", input.amount),
        )
        .with_details(json!({"required": required})));
    }
    if !clause.forms.contains(&form) {
        let (zh, en) = form_names(&clause.forms);
        return Err(ApiError::say(
            axum::http::StatusCode::BAD_REQUEST,
            "DEPOSIT_FORM_NOT_ALLOWED",
            Text::new("msg.deposit.form_not_agreed")
                .arg("contract", &contract.contract_no)
                .named("forms", zh, en)
                .key_arg("form", format!("deposits.form.{}", form.as_str())),
        )
        .with_details(json!({"allowed": clause.forms})));
    }
    if input
        .refund_days_after_completion
        .is_some_and(|days| days != clause.refund_days_after_acceptance)
    {
        return Err(ApiError::invalid(
            Text::new("msg.deposit.refund_days_agreed")
                .arg("contract", &contract.contract_no)
                .arg("days", clause.refund_days_after_acceptance),
        ));
    }
    if input
        .late_interest
        .is_some_and(|late| late != clause.late_refund_interest)
    {
        return Err(ApiError::invalid(
            Text::new("msg.deposit.late_interest_agreed").arg("contract", &contract.contract_no),
        ));
    }
    Ok((
        clause.refund_days_after_acceptance,
        clause.late_refund_interest,
    ))
}

/// Makes one held performance deposit of an accepted contract due back `days` after the
/// acceptance; returns whether it changed (another run may have done it first).
async fn trigger_one<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    days: i32,
    accepted_on: NaiveDate,
    now: DateTime<Utc>,
) -> Result<bool, ApiError> {
    use deposit::Column as D;
    let from = DepositStatus::Held;
    let trigger = RefundTrigger::ContractAccepted;
    let next = deposit_transition(
        DepositKind::Performance,
        from,
        DepositEvent::Triggered(trigger),
    )
    .map_err(ApiError::internal)?;
    let days = u32::try_from(days).map_err(|_| {
        ApiError::internal(format!("deposit {id}: refund days after acceptance {days}"))
    })?;
    let due = performance_refund_deadline(accepted_on, days)
        .ok_or_else(|| ApiError::internal("refund deadline out of range"))?;
    let changed = deposit::Entity::update_many()
        .col_expr(D::Status, Expr::value(next.as_str()))
        .col_expr(D::RefundTrigger, Expr::value(trigger.as_str()))
        .col_expr(D::TriggerOn, Expr::value(accepted_on.to_string()))
        .col_expr(D::RefundDueOn, Expr::value(due.to_string()))
        .col_expr(D::RefundDueProvisional, Expr::value(false))
        .filter(D::Id.eq(id))
        .filter(D::Status.eq(from.as_str()))
        .exec(conn)
        .await?
        .rows_affected;
    if changed != 1 {
        return Ok(false);
    }
    audit::record(
        conn,
        AuditEntry {
            actor: None,
            action: "deposit.refund_triggered",
            subject_type: SUBJECT,
            subject_id: id.to_string(),
            before: Some(json!({"status": from})),
            after: Some(json!({"status": next, "refund_trigger": trigger,
                "trigger_on": accepted_on, "refund_due_on": due})),
        },
        now,
    )
    .await?;
    Ok(true)
}

/// Held performance deposits whose contract has been accepted become due back `days` after the
/// acceptance date. Idempotent.
pub(super) async fn trigger_accepted_performance_deposits<C: ConnectionTrait>(
    conn: &C,
    now: DateTime<Utc>,
) -> Result<usize, ApiError> {
    let rows = query_all(
        conn,
        stmt(
            conn.get_database_backend(),
            "SELECT d.id, d.refund_days_after_acceptance, c.accepted_on FROM deposits d \
             JOIN contracts c ON c.id = d.contract_id \
             WHERE d.kind = 'performance' AND d.status = 'held' AND c.accepted_on IS NOT NULL",
            [],
        ),
    )
    .await?;
    let mut triggered = 0;
    for row in &rows {
        let id: i64 = row.try_get("", "id")?;
        let days: i32 = row.try_get("", "refund_days_after_acceptance")?;
        let accepted_on = date_of(row, "accepted_on")?;
        if trigger_one(conn, id, days, accepted_on, now).await? {
            triggered += 1;
        }
    }
    Ok(triggered)
}

/// The performance deposit a contract's clause requires.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AgreedDeposit {
    /// The share of the contract amount, in percent.
    #[schema(value_type = String)]
    pub share_percent: Decimal,
    /// The amount the supplier lodges.
    pub amount: Money,
    pub forms: Vec<DepositForm>,
    /// Refunded within this many days after acceptance.
    pub refund_days_after_acceptance: u32,
}

/// What the contract's performance deposit page shows: the deposit the contract requires, the
/// one recorded, and whether the caller may record it.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PerformanceDepositPage {
    pub contract_id: i64,
    pub contract_no: String,
    pub contract_amount: Money,
    /// The most a performance deposit may be: 10% of the contract amount.
    pub cap: Money,
    /// The contract's performance deposit clause, when it has one.
    pub clause: Option<AgreedDeposit>,
    /// The performance deposit recorded for the contract.
    pub deposit: Option<DepositView>,
    pub terminated: bool,
    /// The caller (the purchaser's buyer or finance officer) may record it now.
    pub may_record: bool,
}

/// The contract's performance deposit as its parties and supervision see it.
pub async fn performance_deposit_page(
    ctx: &Ctx,
    actor: &Identity,
    contract_id: i64,
) -> Result<PerformanceDepositPage, ApiError> {
    super::refund::refresh(ctx).await?;
    let contract = load_contract(&ctx.db, actor, contract_id).await?;
    let deposit = match load_deposits(
        &ctx.db,
        "d.contract_id = ? AND d.kind = 'performance'",
        vec![contract.id.into()],
    )
    .await?
    .into_iter()
    .next()
    {
        Some(row) => Some(
            deposit_view(
                &ctx.db,
                &mut BenchmarkRates::default(),
                row,
                ctx.clock.today(),
            )
            .await?,
        ),
        None => None,
    };
    let clause = contract
        .terms
        .performance_deposit
        .as_ref()
        .map(|clause| AgreedDeposit {
            share_percent: clause.share_percent.normalize(),
            amount: clause.amount_for(contract.amount),
            forms: clause.forms.clone(),
            refund_days_after_acceptance: clause.refund_days_after_acceptance,
        });
    let may_record = deposit.is_none() && !contract.terminated && may_record(actor, &contract);
    Ok(PerformanceDepositPage {
        contract_id: contract.id,
        contract_no: contract.contract_no,
        contract_amount: contract.amount,
        cap: cap(contract.amount, RULES.performance_cap_percent),
        clause,
        deposit,
        terminated: contract.terminated,
        may_record,
    })
}
