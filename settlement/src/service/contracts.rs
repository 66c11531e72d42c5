//! Contracts: created from a confirmed mall order (the order is the electronic contract) with
//! the category's default terms; delivery and acceptance start the payment clocks; payments go
//! to the contract's collection account; late interest is derived from due dates and payments.

use chrono::{NaiveDate, Utc};
use gpmall_platform::audit::{self, AuditEntry};
use gpmall_platform::dates::{self, Field};
use gpmall_platform::db::{execute, query_all, query_one, stmt};
use gpmall_platform::idempotency;
use gpmall_platform::identity::{Identity, OrgKind, Role};
use gpmall_platform::pagination::{ListResponse, PageRequest};
use gpmall_platform::{ApiError, Ctx, Money};
use sea_orm::{ConnectionTrait, QueryResult, TransactionTrait, Value};
use serde::{Deserialize, Serialize};

use super::rates::{RateKind, rate_on};
use super::warnings::{self, Raise};
use crate::domain::disputes::DisputeStatus;
use crate::domain::interest::{AppliedPayment, interest_owed};
use crate::domain::terms::{self, PaymentTerms, Trigger};

/// What the mall hands over when a supplier confirms an order.
pub struct OrderForContract {
    pub order_id: i64,
    pub order_no: String,
    pub purchaser_org_id: i64,
    pub supplier_id: i64,
    pub amount: Money,
    pub category_codes: Vec<String>,
    /// What is bought: the order's lines, kept with the contract as signed.
    pub lines: Vec<ContractLine>,
    pub signed_on: NaiveDate,
    /// Publication deadline: 2 working days after signing on the official calendar.
    pub publish_by: gpmall_platform::calendar::Deadline,
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

/// Working days after signing within which a contract must be published (Implementing
/// Regulations art 50).
pub const PUBLICATION_WORKING_DAYS: u32 = 2;

fn parse_date(text: &str) -> Result<NaiveDate, ApiError> {
    text.parse().map_err(ApiError::internal)
}

/// The default terms for an order's categories (the first category with terms set), else the
/// mall's default.
async fn default_terms<C: ConnectionTrait>(
    conn: &C,
    codes: &[String],
) -> Result<PaymentTerms, ApiError> {
    if codes.is_empty() {
        return Ok(PaymentTerms::mall_default());
    }
    let placeholders = vec!["?"; codes.len()].join(",");
    let values: Vec<Value> = codes.iter().map(|c| c.clone().into()).collect();
    let row = query_one(
        conn,
        stmt(
            conn.get_database_backend(),
            &format!("SELECT terms FROM default_payment_terms WHERE category_code IN ({placeholders}) ORDER BY category_code LIMIT 1"),
            values,
        ),
    )
    .await?;
    match row {
        Some(row) => {
            let text: String = row.try_get("", "terms")?;
            serde_json::from_str(&text).map_err(ApiError::internal)
        }
        None => Ok(PaymentTerms::mall_default()),
    }
}

/// Creates the contract for a confirmed order inside the caller's transaction.
pub async fn create_for_order<C: ConnectionTrait>(
    conn: &C,
    actor: &Identity,
    input: OrderForContract,
    now: chrono::DateTime<Utc>,
) -> Result<i64, ApiError> {
    let backend = conn.get_database_backend();
    let supplier = query_one(
        conn,
        stmt(
            backend,
            "SELECT enterprise_size FROM organizations WHERE id = ?",
            [input.supplier_id.into()],
        ),
    )
    .await?
    .ok_or_else(|| ApiError::not_found("supplier"))?;
    let size: Option<String> = supplier.try_get("", "enterprise_size")?;
    let is_sme = size.as_deref() != Some("large");
    let account = query_one(
        conn,
        stmt(
            backend,
            "SELECT account_name, bank_name, account_no FROM supplier_collection_accounts WHERE supplier_id = ?",
            [input.supplier_id.into()],
        ),
    )
    .await?
    .ok_or_else(|| {
        ApiError::conflict(
            "COLLECTION_ACCOUNT_MISSING",
            "record your collection account (PUT /api/v1/settlement/collection-account) before confirming orders: every contract names the account it is paid to",
        )
    })?;
    let account_no: String = account.try_get("", "account_no")?;
    let terms = default_terms(conn, &input.category_codes).await?;
    let lpr = rate_on(conn, RateKind::Lpr1y, input.signed_on).await?;
    // The category's terms were checked against the SME limits when the operator set them;
    // terms stored before that check existed are refused here rather than signed.
    terms::validate(&terms, is_sme, lpr)
        .map_err(|e| terms_refused(axum::http::StatusCode::CONFLICT, e))?;
    let contract_no = format!("HT{}", input.order_no.trim_start_matches("GP"));
    let terms_json = serde_json::to_string(&terms).map_err(ApiError::internal)?;
    let (rate_num, rate_den) = terms.late_interest.daily_rate_fraction();
    let row = query_one(
        conn,
        stmt(
            backend,
            "INSERT INTO contracts (contract_no, order_id, purchaser_org_id, supplier_id, supplier_is_sme, amount_fen, \
             signed_on, terms, lpr_percent_at_signing, late_rate_num, late_rate_den, collection_account, publish_by, \
             publish_by_provisional, status, created_at, lines) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', ?, ?) RETURNING id",
            [
                contract_no.clone().into(),
                input.order_id.into(),
                input.purchaser_org_id.into(),
                input.supplier_id.into(),
                is_sme.into(),
                input.amount.fen().into(),
                input.signed_on.to_string().into(),
                terms_json.into(),
                lpr.to_string().into(),
                rate_num.into(),
                rate_den.into(),
                account_no.into(),
                input.publish_by.date.to_string().into(),
                input.publish_by.provisional.into(),
                now.into(),
                serde_json::to_string(&input.lines)
                    .map_err(ApiError::internal)?
                    .into(),
            ],
        ),
    )
    .await?
    .ok_or_else(|| ApiError::internal("contract insert returned nothing"))?;
    let id: i64 = row.try_get("", "id")?;
    for (seq, (term, principal)) in terms
        .instalments
        .iter()
        .zip(terms::split_amount(input.amount, &terms))
        .enumerate()
    {
        execute(
            conn,
            stmt(
                backend,
                "INSERT INTO contract_instalments (contract_id, seq, principal_fen, paid_fen, trigger_event, days_after, milestone, \
                 late_rate_num, late_rate_den) VALUES (?, ?, ?, 0, ?, ?, ?, ?, ?)",
                [
                    id.into(),
                    (seq as i32 + 1).into(),
                    principal.fen().into(),
                    trigger_name(term.trigger).into(),
                    (term.days_after as i32).into(),
                    term.milestone.clone().into(),
                    rate_num.into(),
                    rate_den.into(),
                ],
            ),
        )
        .await?;
    }
    refresh_due_dates(conn, id).await?;
    audit::record(
        conn,
        AuditEntry {
            actor: Some(actor),
            action: "contract.created",
            subject_type: "contract",
            subject_id: id.to_string(),
            before: None,
            after: Some(serde_json::json!({"contract_no": contract_no, "order_id": input.order_id, "amount": input.amount})),
        },
        now,
    )
    .await?;
    Ok(id)
}

fn trigger_name(trigger: Trigger) -> &'static str {
    match trigger {
        Trigger::Signing => "signing",
        Trigger::Delivery => "delivery",
        Trigger::Acceptance => "acceptance",
        Trigger::Milestone => "milestone",
    }
}

fn parse_trigger(name: &str) -> Trigger {
    match name {
        "signing" => Trigger::Signing,
        "delivery" => Trigger::Delivery,
        "milestone" => Trigger::Milestone,
        _ => Trigger::Acceptance,
    }
}

/// Terms that break a rule: the clause in words in the message, its path in the details.
fn terms_refused(status: axum::http::StatusCode, error: terms::TermsError) -> ApiError {
    ApiError::say(status, "TERMS_INVALID", error.text)
        .with_details(serde_json::json!({ "clause": error.clause }))
}

/// An instalment's clock and due date from the contract's recorded events; none once the
/// contract is terminated.
fn due_of(
    terms: &PaymentTerms,
    trigger: Trigger,
    days_after: i32,
    supplier_is_sme: bool,
    events: &terms::Events,
    terminated: bool,
) -> terms::Due {
    if terminated {
        return terms::Due {
            clock_started_on: None,
            due_on: None,
            at_sme_limit: false,
        };
    }
    terms::instalment_due(
        terms,
        trigger,
        u32::try_from(days_after).unwrap_or(0),
        supplier_is_sme,
        events,
    )
}

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
        OrderEvent::Terminated => (
            "UPDATE contracts SET status = 'terminated' WHERE order_id = ? AND status = 'active'",
            vec![order_id.into()],
        ),
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
        let trigger = parse_trigger(&inst.try_get::<String>("", "trigger_event")?);
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

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct InstalmentView {
    pub seq: i32,
    pub principal: Money,
    pub trigger: Trigger,
    pub days_after: i32,
    /// When the payment clock started (trigger date, or end of the acceptance period).
    pub clock_started_on: Option<NaiveDate>,
    pub due_on: Option<NaiveDate>,
    /// The SME payment limit set the due date (30 days, or 60 when agreed, from delivery or
    /// acceptance): the terms or an unrecorded milestone would have made it later.
    pub due_at_sme_limit: bool,
    /// The milestone's name, for milestone instalments.
    pub milestone: Option<String>,
    /// When the purchaser recorded the milestone as reached.
    pub milestone_reached_on: Option<NaiveDate>,
    pub paid: Money,
    /// Principal not yet paid, disputed parts included.
    pub outstanding: Money,
    /// Held back by open disputes: not payable and not accruing interest while disputed.
    pub disputed: Money,
    /// What can be paid now: outstanding less disputed.
    pub payable: Money,
    /// Taken off the principal by disputes the supplier accepted or the operator decided.
    pub deducted: Money,
    pub overdue_days: i64,
    /// Late-payment interest owed as of today, rounded half-up to the fen.
    pub interest_owed: Money,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DisputeView {
    pub id: i64,
    pub instalment_seq: i32,
    pub amount: Money,
    pub reason: String,
    pub opened_on: NaiveDate,
    pub status: DisputeStatus,
    /// What the ending took off the instalment (none while open).
    pub deducted: Option<Money>,
    pub resolved_on: Option<NaiveDate>,
    pub resolution_note: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ContractView {
    pub id: i64,
    pub contract_no: String,
    pub order_id: Option<i64>,
    pub purchaser_org_id: i64,
    pub supplier_id: i64,
    pub supplier_is_sme: bool,
    pub amount: Money,
    pub signed_on: NaiveDate,
    /// The goods or services as signed.
    pub lines: Vec<ContractLine>,
    pub terms: PaymentTerms,
    pub lpr_percent_at_signing: String,
    pub collection_account: String,
    /// Publish by this date (2 working days after signing).
    pub publish_by: NaiveDate,
    /// The deadline was computed for a year whose official calendar is not loaded yet.
    pub publish_by_provisional: bool,
    pub published_on: Option<NaiveDate>,
    pub shipped_on: Option<NaiveDate>,
    pub delivered_on: Option<NaiveDate>,
    pub accepted_on: Option<NaiveDate>,
    pub status: String,
    pub instalments: Vec<InstalmentView>,
    pub disputes: Vec<DisputeView>,
    /// Principal whose due date has passed or is today, unpaid and not disputed.
    pub principal_due: Money,
    pub paid: Money,
    /// Unpaid, past its due date and not disputed.
    pub overdue: Money,
    /// Held back by open disputes.
    pub disputed: Money,
    /// Taken off by disputes that ended in a deduction.
    pub deducted: Money,
    pub interest_owed: Money,
    pub as_of: NaiveDate,
}

pub(crate) const CONTRACT_COLUMNS: &str = "id, contract_no, order_id, purchaser_org_id, supplier_id, supplier_is_sme, amount_fen, \
    signed_on, terms, lpr_percent_at_signing, collection_account, publish_by, publish_by_provisional, published_on, \
    shipped_on, delivered_on, accepted_on, status, lines";

async fn build_view<C: ConnectionTrait>(
    conn: &C,
    row: &QueryResult,
    today: NaiveDate,
) -> Result<ContractView, ApiError> {
    let backend = conn.get_database_backend();
    let id: i64 = row.try_get("", "id")?;
    let terms_text: String = row.try_get("", "terms")?;
    let terms: PaymentTerms = serde_json::from_str(&terms_text).map_err(ApiError::internal)?;
    let signed_on = parse_date(&row.try_get::<String>("", "signed_on")?)?;
    let supplier_is_sme: bool = row.try_get("", "supplier_is_sme")?;
    let optional_date = |column: &str| -> Result<Option<NaiveDate>, ApiError> {
        row.try_get::<Option<String>>("", column)?
            .map(|d| parse_date(&d))
            .transpose()
    };
    let delivered_on = optional_date("delivered_on")?;
    let accepted_on = optional_date("accepted_on")?;
    let published_on = optional_date("published_on")?;
    let shipped_on = optional_date("shipped_on")?;
    let publish_by = parse_date(&row.try_get::<String>("", "publish_by")?)?;
    let status: String = row.try_get("", "status")?;
    let instalments = query_all(
        conn,
        stmt(backend, "SELECT id, seq, principal_fen, paid_fen, disputed_fen, deducted_fen, trigger_event, days_after, milestone, \
             milestone_reached_on FROM contract_instalments WHERE contract_id = ? ORDER BY seq", [id.into()]),
    )
    .await?;
    let dispute_rows = query_all(
        conn,
        stmt(backend, "SELECT id, instalment_id, amount_fen, reason, opened_on, status, deducted_fen, resolved_on, resolution_note \
             FROM contract_disputes WHERE contract_id = ? ORDER BY id", [id.into()]),
    )
    .await?;
    let payments = query_all(
        conn,
        stmt(backend, "SELECT instalment_id, amount_fen, paid_on FROM contract_payments WHERE contract_id = ?", [id.into()]),
    )
    .await?;
    let daily_rate = terms.late_interest.daily_rate();
    let mut views = Vec::new();
    let mut disputes = Vec::new();
    let (mut principal_due, mut paid_total, mut overdue, mut interest_total) =
        (0i64, 0i64, 0i64, 0i64);
    let (mut disputed_total, mut deducted_total) = (0i64, 0i64);
    for inst in &instalments {
        let inst_id: i64 = inst.try_get("", "id")?;
        let seq: i32 = inst.try_get("", "seq")?;
        let principal = Money::from_fen(inst.try_get("", "principal_fen")?);
        let paid = Money::from_fen(inst.try_get("", "paid_fen")?);
        let disputed: i64 = inst.try_get("", "disputed_fen")?;
        let deducted: i64 = inst.try_get("", "deducted_fen")?;
        let trigger = parse_trigger(&inst.try_get::<String>("", "trigger_event")?);
        let days_after: i32 = inst.try_get("", "days_after")?;
        let mut applied: Vec<AppliedPayment> = payments
            .iter()
            .filter(|p| p.try_get::<i64>("", "instalment_id").ok() == Some(inst_id))
            .map(|p| {
                Ok(AppliedPayment {
                    paid_on: parse_date(&p.try_get::<String>("", "paid_on")?)?,
                    amount: Money::from_fen(p.try_get("", "amount_fen")?),
                })
            })
            .collect::<Result<_, ApiError>>()?;
        for d in &dispute_rows {
            if d.try_get::<i64>("", "instalment_id")? != inst_id {
                continue;
            }
            let dispute_status = d.try_get::<String>("", "status")?;
            let amount = Money::from_fen(d.try_get("", "amount_fen")?);
            let opened_on = parse_date(&d.try_get::<String>("", "opened_on")?)?;
            // An open dispute stops interest on its amount from the day after it was raised,
            // exactly as a payment on that day would (see `domain::disputes`).
            if dispute_status == "open" {
                applied.push(AppliedPayment {
                    paid_on: opened_on,
                    amount,
                });
            }
            disputes.push(DisputeView {
                id: d.try_get("", "id")?,
                instalment_seq: seq,
                amount,
                reason: d.try_get("", "reason")?,
                opened_on,
                status: DisputeStatus::parse(&dispute_status)
                    .ok_or_else(|| ApiError::internal("unknown dispute status"))?,
                deducted: d
                    .try_get::<Option<i64>>("", "deducted_fen")?
                    .map(Money::from_fen),
                resolved_on: d
                    .try_get::<Option<String>>("", "resolved_on")?
                    .map(|d| parse_date(&d))
                    .transpose()?,
                resolution_note: d.try_get("", "resolution_note")?,
            });
        }
        let milestone_reached_on = inst
            .try_get::<Option<String>>("", "milestone_reached_on")?
            .map(|d| parse_date(&d))
            .transpose()?;
        let events = terms::Events {
            signed_on,
            delivered_on,
            accepted_on,
            milestone_on: milestone_reached_on,
        };
        let due = due_of(
            &terms,
            trigger,
            days_after,
            supplier_is_sme,
            &events,
            status == "terminated",
        );
        let (start, due_on) = (due.clock_started_on, due.due_on);
        let outstanding = Money::from_fen(principal.fen() - paid.fen());
        let payable = Money::from_fen(outstanding.fen() - disputed);
        let (overdue_days, interest) = match due_on {
            Some(due) => {
                let owed = interest_owed(principal, due, daily_rate, &applied, today);
                (owed.overdue_days, owed.interest)
            }
            None => (0, Money::ZERO),
        };
        if let Some(due) = due_on {
            if due <= today {
                principal_due += payable.fen();
            }
            if due < today {
                overdue += payable.fen();
            }
        }
        paid_total += paid.fen();
        disputed_total += disputed;
        deducted_total += deducted;
        interest_total += interest.fen();
        views.push(InstalmentView {
            seq,
            principal,
            trigger,
            days_after,
            clock_started_on: start,
            due_on,
            due_at_sme_limit: due.at_sme_limit,
            milestone: inst.try_get("", "milestone")?,
            milestone_reached_on,
            paid,
            outstanding,
            disputed: Money::from_fen(disputed),
            payable,
            deducted: Money::from_fen(deducted),
            overdue_days,
            interest_owed: interest,
        });
    }
    Ok(ContractView {
        id,
        contract_no: row.try_get("", "contract_no")?,
        order_id: row.try_get("", "order_id")?,
        purchaser_org_id: row.try_get("", "purchaser_org_id")?,
        supplier_id: row.try_get("", "supplier_id")?,
        supplier_is_sme,
        amount: Money::from_fen(row.try_get("", "amount_fen")?),
        signed_on,
        lines: serde_json::from_str(&row.try_get::<String>("", "lines")?)
            .map_err(ApiError::internal)?,
        terms,
        lpr_percent_at_signing: row.try_get("", "lpr_percent_at_signing")?,
        collection_account: row.try_get("", "collection_account")?,
        publish_by,
        publish_by_provisional: row.try_get("", "publish_by_provisional")?,
        published_on,
        shipped_on,
        delivered_on,
        accepted_on,
        status,
        instalments: views,
        disputes,
        principal_due: Money::from_fen(principal_due),
        paid: Money::from_fen(paid_total),
        overdue: Money::from_fen(overdue),
        disputed: Money::from_fen(disputed_total),
        deducted: Money::from_fen(deducted_total),
        interest_owed: Money::from_fen(interest_total),
        as_of: today,
    })
}

/// A contract's view by id, without access checks (callers have done them).
pub(crate) async fn load_view<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    today: NaiveDate,
) -> Result<ContractView, ApiError> {
    let row = query_one(
        conn,
        stmt(
            conn.get_database_backend(),
            &format!("SELECT {CONTRACT_COLUMNS} FROM contracts WHERE id = ?"),
            [id.into()],
        ),
    )
    .await?
    .ok_or_else(|| ApiError::not_found("contract"))?;
    build_view(conn, &row, today).await
}

fn visible_clause(actor: &Identity) -> Result<(&'static str, Option<i64>), ApiError> {
    match actor.org_kind {
        OrgKind::Purchaser => Ok(("purchaser_org_id = ?", Some(actor.org_id))),
        OrgKind::Supplier => Ok(("supplier_id = ?", Some(actor.org_id))),
        OrgKind::Operator | OrgKind::Regulator => Ok(("1 = 1", None)),
        OrgKind::Bank => Err(ApiError::forbidden(
            "banks see contracts through loan applications",
        )),
    }
}

pub async fn get(ctx: &Ctx, actor: &Identity, id: i64) -> Result<ContractView, ApiError> {
    let (clause, org) = visible_clause(actor)?;
    let mut values: Vec<Value> = vec![id.into()];
    values.extend(org.map(Value::from));
    let row = query_one(
        &ctx.db,
        stmt(
            ctx.db.get_database_backend(),
            &format!("SELECT {CONTRACT_COLUMNS} FROM contracts WHERE id = ? AND {clause}"),
            values,
        ),
    )
    .await?
    .ok_or_else(|| ApiError::not_found("contract"))?;
    build_view(&ctx.db, &row, ctx.clock.today()).await
}

pub async fn list(
    ctx: &Ctx,
    actor: &Identity,
    page: PageRequest,
) -> Result<ListResponse<ContractView>, ApiError> {
    let (clause, org) = visible_clause(actor)?;
    let backend = ctx.db.get_database_backend();
    let values: Vec<Value> = org.map(Value::from).into_iter().collect();
    let total = query_one(
        &ctx.db,
        stmt(
            backend,
            &format!("SELECT COUNT(*) AS n FROM contracts WHERE {clause}"),
            values.clone(),
        ),
    )
    .await?
    .map(|r| r.try_get::<i64>("", "n"))
    .transpose()?
    .unwrap_or(0);
    let mut page_values = values;
    page_values.push((page.per_page as i64).into());
    page_values.push((page.offset() as i64).into());
    let rows = query_all(
        &ctx.db,
        stmt(backend, &format!("SELECT {CONTRACT_COLUMNS} FROM contracts WHERE {clause} ORDER BY id DESC LIMIT ? OFFSET ?"), page_values),
    )
    .await?;
    let today = ctx.clock.today();
    let mut items = Vec::with_capacity(rows.len());
    for row in &rows {
        items.push(build_view(&ctx.db, row, today).await?);
    }
    Ok(ListResponse::new(items, total as u64, page))
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentInput {
    pub amount: Money,
    pub paid_on: NaiveDate,
    pub voucher_no: String,
    /// The account paid to: must be the contract's collection account.
    pub account: String,
    /// Pay this instalment; otherwise the earliest unpaid instalments are paid first.
    #[serde(default)]
    pub instalment_seq: Option<i32>,
}

/// Payments and disputes are the purchasing unit's, made by its buyers or finance staff; other
/// organizations do not see the contract at all.
pub(crate) fn require_paying_purchaser(actor: &Identity) -> Result<(), ApiError> {
    if actor.org_kind != OrgKind::Purchaser {
        return Err(ApiError::not_found("contract"));
    }
    actor.require_any(&[Role::Buyer, Role::Finance])
}

const PAID_ON: Field = Field::new("paid_on", "field.paid_on");

/// The purchaser records a payment. Partial payments are allowed; nothing beyond what is owed.
pub async fn record_payment(
    ctx: &Ctx,
    actor: &Identity,
    id: i64,
    input: PaymentInput,
    idempotency_key: Option<&str>,
) -> Result<ContractView, ApiError> {
    require_paying_purchaser(actor)?;
    if !input.amount.is_positive() {
        return Err(ApiError::validation("amount must be greater than zero"));
    }
    let voucher = input.voucher_no.trim();
    if voucher.is_empty() || voucher.chars().count() > 64 {
        return Err(ApiError::validation(
            "voucher_no is required (at most 64 characters)",
        ));
    }
    let today = ctx.clock.today();
    dates::happened(PAID_ON, input.paid_on, today)?;
    let now = ctx.clock.now();
    let txn = ctx.db.begin().await?;
    let backend = txn.get_database_backend();
    if let Some(done) =
        idempotency::replay(&txn, actor.user_id, idempotency_key, &(id, &input), now).await?
    {
        return Ok(done);
    }
    let contract = query_one(
        &txn,
        stmt(
            backend,
            &format!(
                "SELECT {CONTRACT_COLUMNS} FROM contracts WHERE id = ? AND purchaser_org_id = ?"
            ),
            [id.into(), actor.org_id.into()],
        ),
    )
    .await?
    .ok_or_else(|| ApiError::not_found("contract"))?;
    let status: String = contract.try_get("", "status")?;
    if status != "active" {
        return Err(ApiError::conflict(
            "INVALID_TRANSITION",
            format!("the contract is {status}; payments are recorded on active contracts"),
        ));
    }
    let signed_on = parse_date(&contract.try_get::<String>("", "signed_on")?)?;
    dates::not_before(PAID_ON, input.paid_on, signed_on, "date.bound.signing")?;
    let account: String = contract.try_get("", "collection_account")?;
    if input.account.trim() != account {
        return Err(ApiError::unprocessable(
            "WRONG_COLLECTION_ACCOUNT",
            format!("payments go only to the contract's collection account {account}"),
        ));
    }
    let duplicate = query_one(
        &txn,
        stmt(
            backend,
            "SELECT id FROM contract_payments WHERE contract_id = ? AND voucher_no = ?",
            [id.into(), voucher.into()],
        ),
    )
    .await?;
    if duplicate.is_some() {
        return Err(ApiError::conflict(
            "DUPLICATE_VOUCHER",
            format!("voucher {voucher} is already recorded on this contract"),
        ));
    }
    let instalments = query_all(
        &txn,
        stmt(backend, "SELECT id, seq, principal_fen, paid_fen, disputed_fen FROM contract_instalments WHERE contract_id = ? ORDER BY seq", [id.into()]),
    )
    .await?;
    let mut remaining = input.amount.fen();
    let mut allocations = Vec::new();
    for inst in &instalments {
        let seq: i32 = inst.try_get("", "seq")?;
        if input.instalment_seq.is_some_and(|s| s != seq) {
            continue;
        }
        // Disputed parts are held back; only the undisputed rest is payable.
        let open = inst.try_get::<i64>("", "principal_fen")?
            - inst.try_get::<i64>("", "paid_fen")?
            - inst.try_get::<i64>("", "disputed_fen")?;
        let take = open.min(remaining);
        if take > 0 {
            allocations.push((inst.try_get::<i64>("", "id")?, take));
            remaining -= take;
        }
    }
    if input.instalment_seq.is_some() && allocations.is_empty() && remaining == input.amount.fen() {
        return Err(ApiError::validation(
            "instalment_seq names no unpaid instalment of this contract",
        ));
    }
    if remaining > 0 {
        return Err(ApiError::unprocessable(
            "PAYMENT_EXCEEDS_OUTSTANDING",
            format!(
                "the payment is {} more than what is unpaid and not disputed",
                Money::from_fen(remaining)
            ),
        ));
    }
    for (instalment_id, amount) in &allocations {
        let changed = execute(
            &txn,
            stmt(backend, "UPDATE contract_instalments SET paid_fen = paid_fen + ?, accrual_pending = TRUE WHERE id = ? AND paid_fen + disputed_fen + ? <= principal_fen",
                [(*amount).into(), (*instalment_id).into(), (*amount).into()]),
        )
        .await?;
        if changed != 1 {
            return Err(ApiError::conflict(
                "PAYMENT_EXCEEDS_OUTSTANDING",
                "the instalment was paid meanwhile; reload and try again",
            ));
        }
        execute(
            &txn,
            stmt(backend,
                "INSERT INTO contract_payments (contract_id, instalment_id, amount_fen, paid_on, voucher_no, account, recorded_by, recorded_at) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [id.into(), (*instalment_id).into(), (*amount).into(), input.paid_on.to_string().into(), voucher.into(),
                 account.clone().into(), actor.user_id.into(), now.into()]),
        )
        .await?;
    }
    complete_if_paid(&txn, id).await?;
    audit::record(
        &txn,
        AuditEntry {
            actor: Some(actor),
            action: "contract.payment_recorded",
            subject_type: "contract",
            subject_id: id.to_string(),
            before: None,
            after: Some(serde_json::json!({"amount": input.amount, "paid_on": input.paid_on, "voucher_no": voucher})),
        },
        now,
    )
    .await?;
    let view = load_view(&txn, id, today).await?;
    idempotency::store(&txn, actor.user_id, idempotency_key, 200, &view).await?;
    txn.commit().await?;
    Ok(view)
}

/// Marks an active contract completed once every instalment is paid in full.
pub(crate) async fn complete_if_paid<C: ConnectionTrait>(
    conn: &C,
    id: i64,
) -> Result<(), ApiError> {
    execute(
        conn,
        stmt(conn.get_database_backend(), "UPDATE contracts SET status = 'completed' WHERE id = ? AND status = 'active' AND NOT EXISTS \
             (SELECT 1 FROM contract_instalments WHERE contract_id = ? AND paid_fen < principal_fen)", [id.into(), id.into()]),
    )
    .await?;
    Ok(())
}

/// Payment warnings: an instalment due within this many days.
pub const DUE_SOON_DAYS: u64 = 5;

/// Raises (or resolves) the payment warnings as of today: an instalment with an undisputed
/// unpaid part due within 5 days, or overdue. Idempotent; run by the service periodically,
/// right after the accrual, whose stored interest the messages quote. It reads only the
/// instalments that are unpaid and due by the horizon (the partial index on unpaid
/// instalments) and the open payment warnings, never every contract.
pub async fn scan_payment_warnings(ctx: &Ctx) -> Result<usize, ApiError> {
    let today = ctx.clock.today();
    let now = ctx.clock.now();
    let backend = ctx.db.get_database_backend();
    let horizon = today
        .checked_add_days(chrono::Days::new(DUE_SOON_DAYS))
        .unwrap_or(today);
    let due = query_all(
        &ctx.db,
        stmt(
            backend,
            "SELECT i.contract_id, i.seq, i.due_on, i.principal_fen - i.paid_fen - i.disputed_fen AS payable_fen, \
             i.interest_fen, c.contract_no, c.purchaser_org_id, c.supplier_id \
             FROM contract_instalments i JOIN contracts c ON c.id = i.contract_id \
             WHERE i.due_on <= ? AND i.paid_fen < i.principal_fen AND i.paid_fen + i.disputed_fen < i.principal_fen \
             AND c.status = 'active'",
            [horizon.to_string().into()],
        ),
    )
    .await?;
    let mut raised = std::collections::HashSet::new();
    for row in &due {
        let contract_id: i64 = row.try_get("", "contract_id")?;
        let seq: i32 = row.try_get("", "seq")?;
        let due_on = parse_date(&row.try_get::<String>("", "due_on")?)?;
        let payable = Money::from_fen(row.try_get("", "payable_fen")?);
        let contract_no: String = row.try_get("", "contract_no")?;
        let subject = format!("{contract_id}#{seq}");
        let (rule, message) = if due_on < today {
            let interest = Money::from_fen(row.try_get("", "interest_fen")?);
            let days = (today - due_on).num_days();
            (
                "payment_overdue",
                format!(
                    "contract {contract_no} instalment {seq}: {payable} overdue by {days} days; interest so far {interest}"
                ),
            )
        } else {
            (
                "payment_due_soon",
                format!("contract {contract_no} instalment {seq}: {payable} due on {due_on}"),
            )
        };
        warnings::raise(
            &ctx.db,
            Raise {
                rule,
                subject_type: "instalment",
                subject_id: subject.clone(),
                responsible_org_id: row.try_get("", "purchaser_org_id")?,
                counterparty_org_id: Some(row.try_get("", "supplier_id")?),
                due_on: Some(due_on),
                message,
            },
            now,
        )
        .await?;
        raised.insert((rule, subject));
    }
    // Whatever else is open has cleared: paid, disputed, terminated or no longer due soon.
    let open = query_all(
        &ctx.db,
        stmt(
            backend,
            "SELECT rule, subject_id FROM warnings WHERE subject_type = 'instalment' AND state = 'open' \
             AND rule IN ('payment_due_soon', 'payment_overdue')",
            [],
        ),
    )
    .await?;
    for row in &open {
        let rule: String = row.try_get("", "rule")?;
        let subject: String = row.try_get("", "subject_id")?;
        if !raised.contains(&(rule.as_str(), subject.clone())) {
            warnings::resolve(&ctx.db, &rule, "instalment", &subject, now).await?;
        }
    }
    Ok(raised.len())
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CollectionAccount {
    pub account_name: String,
    pub bank_name: String,
    pub account_no: String,
}

/// A supplier records the account its contracts are paid to (used for new contracts).
/// The caller's current collection account (the one new contracts name), if recorded.
pub async fn collection_account(
    ctx: &Ctx,
    actor: &Identity,
) -> Result<Option<CollectionAccount>, ApiError> {
    if actor.org_kind != OrgKind::Supplier {
        return Err(ApiError::forbidden(
            "only suppliers have collection accounts",
        ));
    }
    let row = query_one(
        &ctx.db,
        stmt(
            ctx.db.get_database_backend(),
            "SELECT account_name, bank_name, account_no FROM supplier_collection_accounts WHERE supplier_id = ?",
            [actor.org_id.into()],
        ),
    )
    .await?;
    row.map(|r| {
        Ok(CollectionAccount {
            account_name: r.try_get("", "account_name")?,
            bank_name: r.try_get("", "bank_name")?,
            account_no: r.try_get("", "account_no")?,
        })
    })
    .transpose()
}

pub async fn set_collection_account(
    ctx: &Ctx,
    actor: &Identity,
    input: CollectionAccount,
) -> Result<CollectionAccount, ApiError> {
    if actor.org_kind != OrgKind::Supplier {
        return Err(ApiError::forbidden(
            "only suppliers have collection accounts",
        ));
    }
    actor.require_role(Role::Seller)?;
    let account_no: String = input
        .account_no
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if account_no.len() < 8
        || account_no.len() > 32
        || !account_no.chars().all(|c| c.is_ascii_digit())
    {
        return Err(ApiError::validation("account_no is 8–32 digits"));
    }
    gpmall_platform::text::clean_name("field.account_name", &input.account_name, 200)?;
    gpmall_platform::text::clean_name("field.bank_name", &input.bank_name, 200)?;
    let backend = ctx.db.get_database_backend();
    let now = ctx.clock.now();
    let txn = ctx.db.begin().await?;
    execute(
        &txn,
        stmt(
            backend,
            "DELETE FROM supplier_collection_accounts WHERE supplier_id = ?",
            [actor.org_id.into()],
        ),
    )
    .await?;
    execute(
        &txn,
        stmt(backend, "INSERT INTO supplier_collection_accounts (supplier_id, account_name, bank_name, account_no, updated_at) VALUES (?, ?, ?, ?, ?)",
            [actor.org_id.into(), input.account_name.trim().into(), input.bank_name.trim().into(), account_no.clone().into(), now.into()]),
    )
    .await?;
    audit::record(
        &txn,
        AuditEntry {
            actor: Some(actor),
            action: "collection_account.set",
            subject_type: "organization",
            subject_id: actor.org_id.to_string(),
            before: None,
            after: Some(
                serde_json::json!({"bank_name": input.bank_name, "account_no": account_no}),
            ),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(CollectionAccount {
        account_name: input.account_name.trim().to_owned(),
        bank_name: input.bank_name.trim().to_owned(),
        account_no,
    })
}

/// Sets a category's default terms for mall orders (operator). They are set before any supplier
/// is known, so they are checked as for an SME: every instalment within the SME limit.
pub async fn set_default_terms(
    ctx: &Ctx,
    actor: &Identity,
    category: &str,
    terms: PaymentTerms,
) -> Result<PaymentTerms, ApiError> {
    actor.require_role(Role::Operator)?;
    let lpr = rate_on(&ctx.db, RateKind::Lpr1y, ctx.clock.today()).await?;
    // The supplier is not known yet and any supplier may be an SME, so category defaults
    // always meet the SME limits.
    terms::validate(&terms, true, lpr)
        .map_err(|e| terms_refused(axum::http::StatusCode::BAD_REQUEST, e))?;
    let backend = ctx.db.get_database_backend();
    let exists = query_one(
        &ctx.db,
        stmt(
            backend,
            "SELECT code FROM categories WHERE code = ?",
            [category.into()],
        ),
    )
    .await?;
    if exists.is_none() {
        return Err(ApiError::not_found("category"));
    }
    let text = serde_json::to_string(&terms).map_err(ApiError::internal)?;
    let now = ctx.clock.now();
    let txn = ctx.db.begin().await?;
    execute(
        &txn,
        stmt(
            backend,
            "DELETE FROM default_payment_terms WHERE category_code = ?",
            [category.into()],
        ),
    )
    .await?;
    execute(&txn, stmt(backend, "INSERT INTO default_payment_terms (category_code, terms, updated_by, updated_at) VALUES (?, ?, ?, ?)",
        [category.into(), text.into(), actor.user_id.into(), now.into()])).await?;
    audit::record(
        &txn,
        AuditEntry {
            actor: Some(actor),
            action: "default_terms.set",
            subject_type: "category",
            subject_id: category.to_owned(),
            before: None,
            after: serde_json::to_value(&terms).ok(),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(terms)
}

/// The purchaser publishes the contract (the platform records the date; the publication itself
/// goes to the procurement disclosure site).
pub async fn publish(ctx: &Ctx, actor: &Identity, id: i64) -> Result<ContractView, ApiError> {
    if actor.org_kind != OrgKind::Purchaser {
        return Err(ApiError::not_found("contract"));
    }
    actor.require_role(Role::Buyer)?;
    let today = ctx.clock.today();
    let now = ctx.clock.now();
    let txn = ctx.db.begin().await?;
    let backend = txn.get_database_backend();
    let exists = query_one(
        &txn,
        stmt(
            backend,
            "SELECT published_on FROM contracts WHERE id = ? AND purchaser_org_id = ?",
            [id.into(), actor.org_id.into()],
        ),
    )
    .await?
    .ok_or_else(|| ApiError::not_found("contract"))?;
    if exists
        .try_get::<Option<String>>("", "published_on")?
        .is_some()
    {
        return Err(ApiError::conflict(
            "INVALID_TRANSITION",
            "the contract is already published",
        ));
    }
    execute(
        &txn,
        stmt(
            backend,
            "UPDATE contracts SET published_on = ? WHERE id = ? AND published_on IS NULL",
            [today.to_string().into(), id.into()],
        ),
    )
    .await?;
    warnings::resolve(
        &txn,
        "contract_publication_overdue",
        "contract",
        &id.to_string(),
        now,
    )
    .await?;
    audit::record(
        &txn,
        AuditEntry {
            actor: Some(actor),
            action: "contract.published",
            subject_type: "contract",
            subject_id: id.to_string(),
            before: None,
            after: Some(serde_json::json!({"published_on": today})),
        },
        now,
    )
    .await?;
    let view = load_view(&txn, id, today).await?;
    txn.commit().await?;
    Ok(view)
}

/// Raises a warning for every contract past its publication deadline and still unpublished,
/// and one for the operator while a deadline was computed on a calendar year not yet loaded.
pub async fn scan_publication_warnings(ctx: &Ctx) -> Result<usize, ApiError> {
    let today = ctx.clock.today();
    let now = ctx.clock.now();
    let backend = ctx.db.get_database_backend();
    let overdue = query_all(
        &ctx.db,
        stmt(
            backend,
            "SELECT id, contract_no, purchaser_org_id, supplier_id, publish_by FROM contracts \
         WHERE published_on IS NULL AND status <> 'terminated' AND publish_by < ?",
            [today.to_string().into()],
        ),
    )
    .await?;
    for row in &overdue {
        let id: i64 = row.try_get("", "id")?;
        let publish_by = parse_date(&row.try_get::<String>("", "publish_by")?)?;
        warnings::raise(
            &ctx.db,
            Raise {
                rule: "contract_publication_overdue",
                subject_type: "contract",
                subject_id: id.to_string(),
                responsible_org_id: row.try_get("", "purchaser_org_id")?,
                counterparty_org_id: Some(row.try_get("", "supplier_id")?),
                due_on: Some(publish_by),
                message: format!(
                    "contract {} was due for publication by {publish_by}",
                    row.try_get::<String>("", "contract_no")?
                ),
            },
            now,
        )
        .await?;
    }
    let provisional = query_all(
        &ctx.db,
        stmt(
            backend,
            "SELECT DISTINCT publish_by FROM contracts WHERE publish_by_provisional = ?",
            [true.into()],
        ),
    )
    .await?;
    let operator = query_one(
        &ctx.db,
        stmt(
            backend,
            "SELECT id FROM organizations WHERE kind = 'operator' ORDER BY id LIMIT 1",
            [],
        ),
    )
    .await?;
    let calendar = gpmall_platform::calendar::current(ctx).await?;
    if let Some(operator) = operator {
        let operator_id: i64 = operator.try_get("", "id")?;
        for row in &provisional {
            let date = parse_date(&row.try_get::<String>("", "publish_by")?)?;
            let year = chrono::Datelike::year(&date);
            let subject = year.to_string();
            if calendar.is_loaded(year) {
                warnings::resolve(
                    &ctx.db,
                    "calendar_year_missing",
                    "calendar_year",
                    &subject,
                    now,
                )
                .await?;
            } else {
                warnings::raise(&ctx.db, Raise {
                    rule: "calendar_year_missing",
                    subject_type: "calendar_year",
                    subject_id: subject,
                    responsible_org_id: operator_id,
                    counterparty_org_id: None,
                    due_on: None,
                    message: format!("deadlines in {year} were computed on weekends only; load the official {year} calendar"),
                }, now).await?;
            }
        }
    }
    Ok(overdue.len())
}

/// How a purchasing unit pays its suppliers.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PaymentPerformance {
    pub purchaser_org_id: i64,
    pub purchaser_name: String,
    /// Instalments whose due date has passed (or that were paid).
    pub instalments_due: u64,
    pub paid_on_time: u64,
    /// Share of due instalments paid in full by their due date, in percent with one decimal;
    /// absent while no instalment has fallen due (there is nothing to rate yet).
    pub on_time_percent: Option<String>,
    /// Average days from the start of the payment clock to full payment, one decimal.
    pub average_days_to_pay: Option<String>,
    pub overdue: Money,
    pub interest_owed: Money,
}

/// Running totals for one purchaser.
#[derive(Default)]
struct Tally {
    name: String,
    due: u64,
    on_time: u64,
    days_to_pay: Vec<i64>,
    overdue_fen: i64,
    interest_fen: i64,
}

pub async fn payment_performance(
    ctx: &Ctx,
    actor: &Identity,
) -> Result<Vec<PaymentPerformance>, ApiError> {
    let backend = ctx.db.get_database_backend();
    let (clause, org) = match actor.org_kind {
        OrgKind::Purchaser => ("c.purchaser_org_id = ?", Some(actor.org_id)),
        OrgKind::Operator | OrgKind::Regulator => ("1 = 1", None),
        _ => {
            return Err(ApiError::forbidden(
                "payment performance is for purchasers and supervisors",
            ));
        }
    };
    let values: Vec<Value> = org.map(Value::from).into_iter().collect();
    let rows = query_all(&ctx.db, stmt(backend, &format!(
        "SELECT {} , o.name AS purchaser_name FROM contracts c JOIN organizations o ON o.id = c.purchaser_org_id WHERE {clause} ORDER BY c.purchaser_org_id, c.id",
        CONTRACT_COLUMNS.split(", ").map(|c| format!("c.{}", c.trim())).collect::<Vec<_>>().join(", ")
    ), values)).await?;
    let today = ctx.clock.today();
    let mut by_org: std::collections::BTreeMap<i64, Tally> = std::collections::BTreeMap::new();
    for row in &rows {
        let view = build_view(&ctx.db, row, today).await?;
        let name: String = row.try_get("", "purchaser_name")?;
        let entry = by_org
            .entry(view.purchaser_org_id)
            .or_insert_with(|| Tally {
                name,
                ..Tally::default()
            });
        let payments = query_all(&ctx.db, stmt(backend,
            "SELECT i.seq, MAX(p.paid_on) AS last_paid FROM contract_payments p JOIN contract_instalments i ON i.id = p.instalment_id \
             WHERE p.contract_id = ? GROUP BY i.seq", [view.id.into()])).await?;
        for inst in &view.instalments {
            let Some(due) = inst.due_on else { continue };
            let last_paid = payments
                .iter()
                .find(|p| p.try_get::<i32>("", "seq").ok() == Some(inst.seq))
                .and_then(|p| p.try_get::<String>("", "last_paid").ok())
                .and_then(|d| d.parse::<NaiveDate>().ok());
            let fully_paid = !inst.outstanding.is_positive();
            if due >= today && !fully_paid {
                continue;
            }
            entry.due += 1;
            if fully_paid && last_paid.is_some_and(|d| d <= due) {
                entry.on_time += 1;
            }
            if let (true, Some(paid), Some(start)) = (fully_paid, last_paid, inst.clock_started_on)
            {
                entry.days_to_pay.push((paid - start).num_days());
            }
        }
        entry.overdue_fen += view.overdue.fen();
        entry.interest_fen += view.interest_owed.fen();
    }
    Ok(by_org
        .into_iter()
        .map(|(org_id, tally)| {
            let Tally {
                name,
                due,
                on_time,
                days_to_pay: days,
                overdue_fen: overdue,
                interest_fen: interest,
            } = tally;
            let percent = (due > 0).then(|| {
                rust_decimal::Decimal::from(on_time * 100) / rust_decimal::Decimal::from(due)
            });
            let average = (!days.is_empty()).then(|| {
                let mean = rust_decimal::Decimal::from(days.iter().sum::<i64>())
                    / rust_decimal::Decimal::from(days.len() as i64);
                format!("{:.1}", mean.round_dp(1))
            });
            PaymentPerformance {
                purchaser_org_id: org_id,
                purchaser_name: name,
                instalments_due: due,
                paid_on_time: on_time,
                on_time_percent: percent.map(|p| format!("{:.1}", p.round_dp(1))),
                average_days_to_pay: average,
                overdue: Money::from_fen(overdue),
                interest_owed: Money::from_fen(interest),
            }
        })
        .collect())
}

/// Days after the award notice within which the contract must be signed (Government
/// Procurement Law art 46).
pub const SIGNING_DAYS_AFTER_AWARD: u64 = 30;

/// Raises a warning for each awarded procedure whose contract is not signed within 30 days of
/// the award notice, and resolves it once the contract is signed or the procedure ends.
pub async fn scan_signing_warnings(ctx: &Ctx) -> Result<usize, ApiError> {
    let today = ctx.clock.today();
    let now = ctx.clock.now();
    let backend = ctx.db.get_database_backend();
    let rows = query_all(
        &ctx.db,
        stmt(
            backend,
            "SELECT id, procedure_no, purchaser_org_id, winner_supplier_id, award_notice_on, status \
             FROM procedures WHERE award_notice_on IS NOT NULL",
            [],
        ),
    )
    .await?;
    let mut open = 0;
    for row in &rows {
        let id: i64 = row.try_get("", "id")?;
        let status: String = row.try_get("", "status")?;
        let award = parse_date(&row.try_get::<String>("", "award_notice_on")?)?;
        let deadline = award
            .checked_add_days(chrono::Days::new(SIGNING_DAYS_AFTER_AWARD))
            .ok_or_else(|| ApiError::internal("date out of range"))?;
        if status == "awarded" && deadline < today {
            warnings::raise(
                &ctx.db,
                Raise {
                    rule: "contract_signing_overdue",
                    subject_type: "procedure",
                    subject_id: id.to_string(),
                    responsible_org_id: row.try_get("", "purchaser_org_id")?,
                    counterparty_org_id: row.try_get("", "winner_supplier_id")?,
                    due_on: Some(deadline),
                    message: format!(
                        "procedure {}: the award notice was given on {award}; the contract was due to be signed by {deadline}",
                        row.try_get::<String>("", "procedure_no")?
                    ),
                },
                now,
            )
            .await?;
            open += 1;
        } else {
            warnings::resolve(
                &ctx.db,
                "contract_signing_overdue",
                "procedure",
                &id.to_string(),
                now,
            )
            .await?;
        }
    }
    Ok(open)
}
