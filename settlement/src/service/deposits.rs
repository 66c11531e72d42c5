//! Deposits: procurement procedures (registered by the purchaser or the operator until the mall
//! runs its own), the bid/response deposits suppliers pay for them, the events that release
//! those deposits with a refund deadline in working days, refunds with late interest, and
//! performance deposits held for contracts and released by the contract's acceptance.
//!
//! Every change runs in one transaction, is guarded by its expected status in SQL, and is
//! audited. Overdue refunds and provisional deadlines raise warnings in the one warnings store.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use gpmall_platform::audit::{self, AuditEntry};
use gpmall_platform::calendar::WorkingCalendar;
use gpmall_platform::dates::{self, Field};
use gpmall_platform::db::{execute, query_all, query_one, stmt};
use gpmall_platform::i18n::Text;
use gpmall_platform::identity::{Identity, OrgKind, Role};
use gpmall_platform::pagination::{ListResponse, PageRequest};
use gpmall_platform::text::clean_name;
use gpmall_platform::{ApiError, Ctx, Money};
use rust_decimal::Decimal;
use sea_orm::{ConnectionTrait, QueryResult, TransactionTrait, Value};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::rates::{RateKind, rate_on};
use super::warnings::{self, Raise};
use crate::domain::deposits::{
    AboveCap, DepositEvent, DepositForm, DepositKind, DepositRules, DepositStatus, ProcedureEvent,
    ProcedureStatus, RefundTrigger, deposit_transition, late_refund, performance_refund_deadline,
    procedure_transition,
};
use crate::domain::terms::{LateInterest, PaymentTerms, PerformanceDepositTerms};
use crate::error::{Guarded, SettlementError, changed_meanwhile};

/// Warning rule: a deposit's refund deadline has passed and it is not refunded.
pub const RULE_OVERDUE: &str = "deposit_refund_overdue";
/// Warning rule: a refund deadline was counted without the official calendar of some year.
pub const RULE_CALENDAR: &str = "calendar_year_missing";
const SUBJECT: &str = "deposit";

const RULES: DepositRules = DepositRules::STATUTORY;

// ---------------------------------------------------------------------------------------------
// Requests and views

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProcedure {
    /// The purchaser's procedure (project) number, unique within the purchasing unit.
    pub procedure_no: String,
    pub name: String,
    /// The procurement budget.
    pub budget: Money,
    /// Whether suppliers pay a bid/response deposit (optional by law).
    pub deposit_required: bool,
    /// The deposit each supplier pays: at most 2% of the budget; only when `deposit_required`.
    #[serde(default)]
    pub deposit_amount: Option<Money>,
    /// The purchasing unit: the operator names it; a purchaser registers for its own unit.
    #[serde(default)]
    pub purchaser_org_id: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDeposit {
    /// The supplier organization that paid.
    pub supplier_id: i64,
    /// Must equal the procedure's deposit amount.
    pub amount: Money,
    /// One of bank_transfer, cheque, draft, promissory_note, guarantee_letter; cash is refused.
    #[schema(value_type = DepositForm)]
    pub form: String,
    pub received_on: NaiveDate,
    /// Voucher, cheque, draft or guarantee letter number.
    #[serde(default)]
    pub reference: Option<String>,
}

/// An event of a procedure; each one sets the refund triggers of the deposits it releases.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "event", rename_all = "snake_case", deny_unknown_fields)]
pub enum EventInput {
    /// A supplier withdrew its bid in writing: its deposit is due back in 5 working days.
    Withdrawal { supplier_id: i64, on: NaiveDate },
    /// The award notice: the other suppliers' deposits are due back in 5 working days.
    AwardNotice {
        winner_supplier_id: i64,
        on: NaiveDate,
    },
    /// The winner signed the contract: its deposit is due back in 5 working days, or converts
    /// into its performance deposit if it so chooses.
    ContractSigned {
        on: NaiveDate,
        #[serde(default)]
        convert_winner_deposit: bool,
    },
    /// The procurement was terminated: every deposit held is due back in 5 working days.
    Terminated {
        on: NaiveDate,
        #[serde(default)]
        reason: Option<String>,
    },
}

impl EventInput {
    fn on(&self) -> NaiveDate {
        match self {
            EventInput::Withdrawal { on, .. }
            | EventInput::AwardNotice { on, .. }
            | EventInput::ContractSigned { on, .. }
            | EventInput::Terminated { on, .. } => *on,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundInput {
    pub refunded_on: NaiveDate,
    /// The supplier caused the delay (e.g. it did not give its account): no interest is owed.
    #[serde(default)]
    pub supplier_caused_delay: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPerformanceDeposit {
    /// At most 10% of the contract amount.
    pub amount: Money,
    /// One of bank_transfer, cheque, draft, promissory_note, guarantee_letter; cash is refused.
    #[schema(value_type = DepositForm)]
    pub form: String,
    pub received_on: NaiveDate,
    /// Calendar days after the contract's acceptance by which the deposit is refunded. Taken
    /// from the contract's performance deposit clause when it has one (a different value is
    /// refused); required otherwise.
    #[serde(default)]
    pub refund_days_after_completion: Option<u32>,
    /// Late-refund liability: from the contract's clause when it has one; otherwise as agreed
    /// here, or the contract's late-payment interest when omitted.
    #[serde(default)]
    pub late_interest: Option<LateInterest>,
    #[serde(default)]
    pub reference: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DepositView {
    pub id: i64,
    pub kind: DepositKind,
    pub procedure_id: Option<i64>,
    pub procedure_no: Option<String>,
    pub contract_id: Option<i64>,
    pub contract_no: Option<String>,
    pub purchaser_org_id: i64,
    pub supplier_id: i64,
    pub supplier_name: String,
    pub amount: Money,
    pub form: DepositForm,
    pub reference: Option<String>,
    pub received_on: NaiveDate,
    pub status: DepositStatus,
    pub refund_trigger: Option<RefundTrigger>,
    /// The date of the trigger event.
    pub trigger_on: Option<NaiveDate>,
    /// The refund deadline.
    pub refund_due_on: Option<NaiveDate>,
    /// The deadline was counted without the official calendar of some year (weekends only) and
    /// may move once that year is loaded.
    pub refund_due_provisional: bool,
    /// Performance deposits: calendar days after acceptance.
    pub refund_days_after_acceptance: Option<i32>,
    /// The late-refund interest that applies.
    pub late_interest: String,
    pub refunded_on: Option<NaiveDate>,
    pub refund_amount: Option<Money>,
    pub supplier_caused_delay: bool,
    /// Days past the deadline, until the refund or today.
    pub days_late: i64,
    /// Late-refund interest: final once refunded, else as of today; half-up to the fen.
    pub interest_owed: Money,
    /// Performance deposits: the cases agreed in the contract in which it is not refunded.
    pub forfeiture_cases: Vec<String>,
    /// The agreed case for which the deposit was forfeited, and when.
    pub forfeiture_case: Option<String>,
    pub forfeited_on: Option<NaiveDate>,
    pub forfeiture_notes: Option<String>,
    pub as_of: NaiveDate,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProcedureEventView {
    pub event: String,
    pub supplier_id: Option<i64>,
    pub on: NaiveDate,
    pub details: serde_json::Value,
    pub recorded_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProcedureView {
    pub id: i64,
    pub procedure_no: String,
    pub name: String,
    pub purchaser_org_id: i64,
    pub budget: Money,
    pub deposit_required: bool,
    pub deposit_amount: Option<Money>,
    /// The most a deposit may be: 2% of the budget.
    pub deposit_cap: Money,
    pub status: ProcedureStatus,
    pub winner_supplier_id: Option<i64>,
    pub award_notice_on: Option<NaiveDate>,
    pub contract_signed_on: Option<NaiveDate>,
    pub terminated_on: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    /// The deposits the caller may see (a supplier sees its own).
    pub deposits: Vec<DepositView>,
    pub events: Vec<ProcedureEventView>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct DepositFilter {
    pub status: Option<DepositStatus>,
    pub kind: Option<DepositKind>,
    pub procedure_id: Option<i64>,
}

// ---------------------------------------------------------------------------------------------
// Rows

fn parse_date(text: &str) -> Result<NaiveDate, ApiError> {
    text.parse().map_err(ApiError::internal)
}

fn date_of(row: &QueryResult, column: &str) -> Result<NaiveDate, ApiError> {
    parse_date(&row.try_get::<String>("", column)?)
}

fn opt_date_of(row: &QueryResult, column: &str) -> Result<Option<NaiveDate>, ApiError> {
    row.try_get::<Option<String>>("", column)?
        .map(|d| parse_date(&d))
        .transpose()
}

fn above_cap(error: AboveCap, what: &str) -> ApiError {
    ApiError::bad_request("DEPOSIT_ABOVE_CAP", format!("{what}: {error}")).with_details(json!({
        "cap": error.cap,
        "percent": error.percent,
        "base": error.base,
    }))
}

fn parse_form(name: &str) -> Result<DepositForm, ApiError> {
    DepositForm::parse(name).map_err(|e| {
        ApiError::bad_request("DEPOSIT_FORM_NOT_ALLOWED", e.to_string()).with_details(json!({
            "allowed": DepositForm::ALL.map(DepositForm::as_str),
        }))
    })
}

fn clean_reference(reference: Option<String>) -> Result<Option<String>, ApiError> {
    let reference = reference
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty());
    if reference.as_ref().is_some_and(|r| r.chars().count() > 64) {
        return Err(ApiError::validation("reference is at most 64 characters"));
    }
    Ok(reference)
}

const RECEIVED_ON: Field = Field::new("received_on", "field.received_on");
const EVENT_ON: Field = Field::new("on", "field.event_on");
const REFUNDED_ON: Field = Field::new("refunded_on", "field.refunded_on");
const OCCURRED_ON: Field = Field::new("occurred_on", "field.occurred_on");

/// The day a procedure was registered on the platform: nothing recorded for it is earlier.
fn registered_on(procedure: &ProcedureRow) -> NaiveDate {
    procedure
        .created_at
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive()
}

struct ProcedureRow {
    id: i64,
    procedure_no: String,
    name: String,
    purchaser_org_id: i64,
    budget: Money,
    deposit_required: bool,
    deposit_amount: Option<Money>,
    status: ProcedureStatus,
    winner_supplier_id: Option<i64>,
    award_notice_on: Option<NaiveDate>,
    contract_signed_on: Option<NaiveDate>,
    terminated_on: Option<NaiveDate>,
    created_at: DateTime<Utc>,
}

const PROCEDURE_COLUMNS: &str = "p.id, p.procedure_no, p.name, p.purchaser_org_id, p.budget_fen, p.deposit_required, \
    p.deposit_amount_fen, p.status, p.winner_supplier_id, p.award_notice_on, p.contract_signed_on, p.terminated_on, p.created_at";

impl ProcedureRow {
    fn read(row: &QueryResult) -> Result<Self, ApiError> {
        let status: String = row.try_get("", "status")?;
        Ok(ProcedureRow {
            id: row.try_get("", "id")?,
            procedure_no: row.try_get("", "procedure_no")?,
            name: row.try_get("", "name")?,
            purchaser_org_id: row.try_get("", "purchaser_org_id")?,
            budget: Money::from_fen(row.try_get("", "budget_fen")?),
            deposit_required: row.try_get("", "deposit_required")?,
            deposit_amount: row
                .try_get::<Option<i64>>("", "deposit_amount_fen")?
                .map(Money::from_fen),
            status: ProcedureStatus::parse(&status)
                .ok_or_else(|| ApiError::internal(format!("procedure status {status}")))?,
            winner_supplier_id: row.try_get("", "winner_supplier_id")?,
            award_notice_on: opt_date_of(row, "award_notice_on")?,
            contract_signed_on: opt_date_of(row, "contract_signed_on")?,
            terminated_on: opt_date_of(row, "terminated_on")?,
            created_at: row.try_get("", "created_at")?,
        })
    }
}

struct DepositRow {
    id: i64,
    kind: DepositKind,
    procedure_id: Option<i64>,
    procedure_no: Option<String>,
    contract_id: Option<i64>,
    contract_no: Option<String>,
    purchaser_org_id: i64,
    supplier_id: i64,
    supplier_name: String,
    amount: Money,
    form: DepositForm,
    reference: Option<String>,
    received_on: NaiveDate,
    status: DepositStatus,
    refund_trigger: Option<RefundTrigger>,
    trigger_on: Option<NaiveDate>,
    refund_due_on: Option<NaiveDate>,
    refund_due_provisional: bool,
    refund_days_after_acceptance: Option<i32>,
    late_interest: Option<LateInterest>,
    refunded_on: Option<NaiveDate>,
    refund_amount: Option<Money>,
    interest: Option<Money>,
    supplier_caused_delay: bool,
    forfeiture_cases: Vec<String>,
    forfeiture_case: Option<String>,
    forfeited_on: Option<NaiveDate>,
    forfeiture_notes: Option<String>,
}

const DEPOSIT_SELECT: &str = "SELECT d.id, d.kind, d.procedure_id, p.procedure_no, d.contract_id, c.contract_no, \
    d.purchaser_org_id, d.supplier_id, s.name AS supplier_name, d.amount_fen, d.form, d.reference, d.received_on, \
    d.status, d.refund_trigger, d.trigger_on, d.refund_due_on, d.refund_due_provisional, \
    d.refund_days_after_acceptance, d.late_interest, d.refunded_on, d.refund_amount_fen, d.interest_fen, \
    d.supplier_caused_delay, d.forfeiture_case, d.forfeited_on, d.forfeiture_notes, c.terms AS contract_terms \
    FROM deposits d \
    JOIN organizations s ON s.id = d.supplier_id \
    LEFT JOIN procedures p ON p.id = d.procedure_id \
    LEFT JOIN contracts c ON c.id = d.contract_id";

impl DepositRow {
    fn read(row: &QueryResult) -> Result<Self, ApiError> {
        let kind: String = row.try_get("", "kind")?;
        let form: String = row.try_get("", "form")?;
        let status: String = row.try_get("", "status")?;
        let trigger: Option<String> = row.try_get("", "refund_trigger")?;
        let late: Option<String> = row.try_get("", "late_interest")?;
        Ok(DepositRow {
            id: row.try_get("", "id")?,
            kind: DepositKind::parse(&kind)
                .ok_or_else(|| ApiError::internal(format!("deposit kind {kind}")))?,
            procedure_id: row.try_get("", "procedure_id")?,
            procedure_no: row.try_get("", "procedure_no")?,
            contract_id: row.try_get("", "contract_id")?,
            contract_no: row.try_get("", "contract_no")?,
            purchaser_org_id: row.try_get("", "purchaser_org_id")?,
            supplier_id: row.try_get("", "supplier_id")?,
            supplier_name: row.try_get("", "supplier_name")?,
            amount: Money::from_fen(row.try_get("", "amount_fen")?),
            form: DepositForm::parse(&form).map_err(ApiError::internal)?,
            reference: row.try_get("", "reference")?,
            received_on: date_of(row, "received_on")?,
            status: DepositStatus::parse(&status)
                .ok_or_else(|| ApiError::internal(format!("deposit status {status}")))?,
            refund_trigger: trigger
                .map(|t| {
                    RefundTrigger::parse(&t)
                        .ok_or_else(|| ApiError::internal(format!("refund trigger {t}")))
                })
                .transpose()?,
            trigger_on: opt_date_of(row, "trigger_on")?,
            refund_due_on: opt_date_of(row, "refund_due_on")?,
            refund_due_provisional: row.try_get("", "refund_due_provisional")?,
            refund_days_after_acceptance: row.try_get("", "refund_days_after_acceptance")?,
            late_interest: late
                .map(|text| serde_json::from_str(&text).map_err(ApiError::internal))
                .transpose()?,
            refunded_on: opt_date_of(row, "refunded_on")?,
            refund_amount: row
                .try_get::<Option<i64>>("", "refund_amount_fen")?
                .map(Money::from_fen),
            interest: row
                .try_get::<Option<i64>>("", "interest_fen")?
                .map(Money::from_fen),
            supplier_caused_delay: row.try_get("", "supplier_caused_delay")?,
            forfeiture_cases: row
                .try_get::<Option<String>>("", "contract_terms")?
                .map(|text| serde_json::from_str::<PaymentTerms>(&text).map_err(ApiError::internal))
                .transpose()?
                .and_then(|terms| terms.performance_deposit)
                .map(|clause| clause.forfeiture_cases)
                .unwrap_or_default(),
            forfeiture_case: row.try_get("", "forfeiture_case")?,
            forfeited_on: opt_date_of(row, "forfeited_on")?,
            forfeiture_notes: row.try_get("", "forfeiture_notes")?,
        })
    }

    fn late_interest_text(&self) -> String {
        match (self.kind, self.late_interest) {
            (_, Some(LateInterest::AgreedAnnual { annual_percent })) => {
                format!(
                    "{}% a year as agreed, 365-day year",
                    annual_percent.normalize()
                )
            }
            (_, Some(LateInterest::Statutory)) => "0.05% a day (statutory)".to_owned(),
            (DepositKind::Bid, None) | (DepositKind::Performance, None) => format!(
                "PBoC 1-year benchmark lending rate in force on the deadline × {}, 365-day year",
                RULES.late_refund_multiplier
            ),
        }
    }
}

/// Benchmark rates looked up while building views, by deadline.
#[derive(Default)]
struct BenchmarkRates(HashMap<NaiveDate, Decimal>);

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
async fn daily_rate<C: ConnectionTrait>(
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

async fn deposit_view<C: ConnectionTrait>(
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

// ---------------------------------------------------------------------------------------------
// Access

/// Which procedures the caller sees (`p` is the procedures alias).
fn procedure_scope(actor: &Identity) -> Result<(&'static str, Vec<Value>), ApiError> {
    match actor.org_kind {
        OrgKind::Purchaser => Ok(("p.purchaser_org_id = ?", vec![actor.org_id.into()])),
        OrgKind::Supplier => Ok((
            "(p.winner_supplier_id = ? OR EXISTS (SELECT 1 FROM deposits x WHERE x.procedure_id = p.id AND x.supplier_id = ?))",
            vec![actor.org_id.into(), actor.org_id.into()],
        )),
        OrgKind::Operator | OrgKind::Regulator => Ok(("1 = 1", vec![])),
        OrgKind::Bank => Err(ApiError::forbidden("banks do not see procurement deposits")),
    }
}

/// Which deposits the caller sees (`d` is the deposits alias).
fn deposit_scope(actor: &Identity) -> Result<(&'static str, Vec<Value>), ApiError> {
    match actor.org_kind {
        OrgKind::Purchaser => Ok(("d.purchaser_org_id = ?", vec![actor.org_id.into()])),
        OrgKind::Supplier => Ok(("d.supplier_id = ?", vec![actor.org_id.into()])),
        OrgKind::Operator | OrgKind::Regulator => Ok(("1 = 1", vec![])),
        OrgKind::Bank => Err(ApiError::forbidden("banks do not see procurement deposits")),
    }
}

/// Whether the caller keeps the books of `purchaser_org_id`'s deposits: the unit's own staff
/// in one of `purchaser_roles`, or the operator (the central purchasing agency).
fn require_manager(
    actor: &Identity,
    purchaser_org_id: i64,
    purchaser_roles: &[Role],
) -> Result<(), ApiError> {
    match actor.org_kind {
        OrgKind::Purchaser if actor.org_id == purchaser_org_id => {
            actor.require_any(purchaser_roles)
        }
        OrgKind::Operator => actor.require_role(Role::Operator),
        _ => Err(ApiError::forbidden(
            "only the purchasing unit or the operator records procedures, deposits and refunds",
        )),
    }
}

async fn load_procedure<C: ConnectionTrait>(
    conn: &C,
    actor: &Identity,
    id: i64,
) -> Result<ProcedureRow, ApiError> {
    let (scope, mut values) = procedure_scope(actor)?;
    values.insert(0, id.into());
    let row = query_one(
        conn,
        stmt(
            conn.get_database_backend(),
            &format!("SELECT {PROCEDURE_COLUMNS} FROM procedures p WHERE p.id = ? AND {scope}"),
            values,
        ),
    )
    .await?
    .ok_or_else(|| ApiError::not_found("procedure"))?;
    ProcedureRow::read(&row)
}

async fn load_deposits<C: ConnectionTrait>(
    conn: &C,
    condition: &str,
    values: Vec<Value>,
) -> Result<Vec<DepositRow>, ApiError> {
    query_all(
        conn,
        stmt(
            conn.get_database_backend(),
            &format!("{DEPOSIT_SELECT} WHERE {condition} ORDER BY d.id"),
            values,
        ),
    )
    .await?
    .iter()
    .map(DepositRow::read)
    .collect()
}

async fn load_deposit<C: ConnectionTrait>(
    conn: &C,
    actor: &Identity,
    id: i64,
) -> Result<DepositRow, ApiError> {
    let (scope, mut values) = deposit_scope(actor)?;
    values.insert(0, id.into());
    load_deposits(conn, &format!("d.id = ? AND {scope}"), values)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| ApiError::not_found("deposit"))
}

async fn org_kind_of<C: ConnectionTrait>(conn: &C, id: i64) -> Result<Option<String>, ApiError> {
    let row = query_one(
        conn,
        stmt(
            conn.get_database_backend(),
            "SELECT kind FROM organizations WHERE id = ?",
            [id.into()],
        ),
    )
    .await?;
    Ok(row.map(|r| r.try_get("", "kind")).transpose()?)
}

/// The name of supplier `id`; refused when `id` names no supplier. `field` is the locale key of
/// the field that named it.
async fn require_supplier<C: ConnectionTrait>(
    conn: &C,
    field: &'static str,
    id: i64,
) -> Result<String, ApiError> {
    let row = query_one(
        conn,
        stmt(
            conn.get_database_backend(),
            "SELECT name FROM organizations WHERE id = ? AND kind = 'supplier'",
            [id.into()],
        ),
    )
    .await?;
    match row {
        Some(row) => Ok(row.try_get("", "name")?),
        None => Err(ApiError::invalid(
            Text::new("msg.deposit.no_supplier").key_arg("field", field),
        )),
    }
}

// ---------------------------------------------------------------------------------------------
// Procedures

async fn procedure_view<C: ConnectionTrait>(
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
    let events = query_all(
        conn,
        stmt(
            conn.get_database_backend(),
            "SELECT event, supplier_id, occurred_on, details, recorded_at FROM procedure_events \
             WHERE procedure_id = ? ORDER BY id",
            [procedure.id.into()],
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
    .collect::<Result<Vec<_>, ApiError>>()?
    .into_iter()
    // A supplier does not see other suppliers' withdrawals.
    .filter(|e| {
        actor.org_kind != OrgKind::Supplier
            || e.event != "withdrawal"
            || e.supplier_id == Some(actor.org_id)
    })
    .collect();
    Ok(ProcedureView {
        id: procedure.id,
        procedure_no: procedure.procedure_no,
        name: procedure.name,
        purchaser_org_id: procedure.purchaser_org_id,
        budget: procedure.budget,
        deposit_required: procedure.deposit_required,
        deposit_amount: procedure.deposit_amount,
        deposit_cap: crate::domain::deposits::cap(procedure.budget, RULES.bid_cap_percent),
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

/// Registers a procurement procedure: a purchaser's buyer for its own unit, or the operator
/// naming the unit. A required deposit is at most 2% of the budget.
#[tracing::instrument(skip_all, fields(procedure_no = %input.procedure_no))]
pub async fn register_procedure(
    ctx: &Ctx,
    actor: &Identity,
    input: NewProcedure,
) -> Result<ProcedureView, ApiError> {
    let purchaser_org_id = match actor.org_kind {
        OrgKind::Purchaser => {
            actor.require_role(Role::Buyer)?;
            if input.purchaser_org_id.is_some_and(|id| id != actor.org_id) {
                return Err(ApiError::forbidden(
                    "a purchaser registers procedures for its own unit only",
                ));
            }
            actor.org_id
        }
        OrgKind::Operator => {
            actor.require_role(Role::Operator)?;
            input.purchaser_org_id.ok_or_else(|| {
                ApiError::validation(
                    "purchaser_org_id names the purchasing unit the procedure is for",
                )
            })?
        }
        _ => {
            return Err(ApiError::forbidden(
                "procedures are registered by the purchasing unit or the operator",
            ));
        }
    };
    let procedure_no = clean_name("field.procedure_no", &input.procedure_no, 64)?;
    let procedure_no = procedure_no.as_str();
    let name = clean_name("field.procedure_name", &input.name, 200)?;
    let name = name.as_str();
    if !input.budget.is_positive() {
        return Err(ApiError::validation("budget must be greater than zero"));
    }
    let deposit_amount = match (input.deposit_required, input.deposit_amount) {
        (true, None) => {
            return Err(ApiError::validation(
                "deposit_amount is required when deposit_required is true",
            ));
        }
        (false, Some(_)) => {
            return Err(ApiError::validation(
                "deposit_amount is given but deposit_required is false",
            ));
        }
        (false, None) => None,
        (true, Some(amount)) => {
            if !amount.is_positive() {
                return Err(ApiError::validation(
                    "deposit_amount must be greater than zero",
                ));
            }
            RULES
                .check_bid_deposit(amount, input.budget)
                .map_err(|e| above_cap(e, "a bid/response deposit is at most 2% of the budget"))?;
            Some(amount)
        }
    };
    let now = ctx.clock.now();
    let txn = ctx.db.begin().await?;
    let backend = txn.get_database_backend();
    if org_kind_of(&txn, purchaser_org_id).await?.as_deref() != Some("purchaser") {
        return Err(ApiError::validation(format!(
            "purchaser_org_id {purchaser_org_id} names no purchasing unit"
        )));
    }
    let inserted = query_one(
        &txn,
        stmt(
            backend,
            "INSERT INTO procedures (procedure_no, name, purchaser_org_id, budget_fen, deposit_required, \
             deposit_amount_fen, status, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, 'registered', ?, ?) \
             ON CONFLICT DO NOTHING RETURNING id",
            [
                procedure_no.into(),
                name.into(),
                purchaser_org_id.into(),
                input.budget.fen().into(),
                input.deposit_required.into(),
                deposit_amount.map(Money::fen).into(),
                actor.user_id.into(),
                now.into(),
            ],
        ),
    )
    .await?
    .ok_or_else(|| {
        ApiError::conflict(
            "PROCEDURE_EXISTS",
            format!("procedure {procedure_no} is already registered for this purchasing unit"),
        )
    })?;
    let id: i64 = inserted.try_get("", "id")?;
    audit::record(
        &txn,
        AuditEntry {
            actor: Some(actor),
            action: "procedure.registered",
            subject_type: "procedure",
            subject_id: id.to_string(),
            before: None,
            after: Some(json!({
                "procedure_no": procedure_no, "purchaser_org_id": purchaser_org_id,
                "budget": input.budget, "deposit_required": input.deposit_required,
                "deposit_amount": deposit_amount,
            })),
        },
        now,
    )
    .await?;
    let procedure = load_procedure(&txn, actor, id).await?;
    let view = procedure_view(&txn, actor, procedure, ctx.clock.today()).await?;
    txn.commit().await?;
    Ok(view)
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

pub async fn list_procedures(
    ctx: &Ctx,
    actor: &Identity,
    page: PageRequest,
) -> Result<ListResponse<ProcedureView>, ApiError> {
    refresh(ctx).await?;
    let (scope, values) = procedure_scope(actor)?;
    let backend = ctx.db.get_database_backend();
    let total: i64 = query_one(
        &ctx.db,
        stmt(
            backend,
            &format!("SELECT COUNT(*) AS n FROM procedures p WHERE {scope}"),
            values.clone(),
        ),
    )
    .await?
    .map(|r| r.try_get("", "n"))
    .transpose()?
    .unwrap_or(0);
    let mut page_values = values;
    page_values.push((page.per_page as i64).into());
    page_values.push((page.offset() as i64).into());
    let rows = query_all(
        &ctx.db,
        stmt(
            backend,
            &format!(
                "SELECT {PROCEDURE_COLUMNS} FROM procedures p WHERE {scope} ORDER BY p.id DESC LIMIT ? OFFSET ?"
            ),
            page_values,
        ),
    )
    .await?;
    let today = ctx.clock.today();
    let mut items = Vec::with_capacity(rows.len());
    for row in &rows {
        items.push(procedure_view(&ctx.db, actor, ProcedureRow::read(row)?, today).await?);
    }
    Ok(ListResponse::new(items, total.max(0) as u64, page))
}

// ---------------------------------------------------------------------------------------------
// Bid deposits

/// The purchaser (or operator) records a supplier's bid/response deposit as received.
#[tracing::instrument(skip_all, fields(procedure_id = id, supplier_id = input.supplier_id))]
pub async fn record_deposit(
    ctx: &Ctx,
    actor: &Identity,
    id: i64,
    input: NewDeposit,
) -> Result<DepositView, ApiError> {
    let form = parse_form(&input.form)?;
    let reference = clean_reference(input.reference)?;
    let today = ctx.clock.today();
    dates::happened(RECEIVED_ON, input.received_on, today)?;
    let now = ctx.clock.now();
    let txn = ctx.db.begin().await?;
    let backend = txn.get_database_backend();
    let procedure = load_procedure(&txn, actor, id).await?;
    require_manager(
        actor,
        procedure.purchaser_org_id,
        &[Role::Buyer, Role::Finance],
    )?;
    dates::not_before(
        RECEIVED_ON,
        input.received_on,
        registered_on(&procedure),
        "date.bound.procedure_registered",
    )?;
    let Some(required) = procedure
        .deposit_amount
        .filter(|_| procedure.deposit_required)
    else {
        return Err(ApiError::conflict(
            "DEPOSIT_NOT_REQUIRED",
            format!("procedure {} takes no deposit", procedure.procedure_no),
        ));
    };
    if procedure.status != ProcedureStatus::Registered {
        return Err(ApiError::conflict(
            "INVALID_TRANSITION",
            format!(
                "the procedure is {}; deposits are received before the award",
                procedure.status.as_str()
            ),
        ));
    }
    if input.amount != required {
        return Err(ApiError::bad_request(
            "DEPOSIT_AMOUNT_MISMATCH",
            format!(
                "the deposit of procedure {} is {required}, not {}",
                procedure.procedure_no, input.amount
            ),
        ));
    }
    RULES
        .check_bid_deposit(input.amount, procedure.budget)
        .map_err(|e| above_cap(e, "a bid/response deposit is at most 2% of the budget"))?;
    require_supplier(&txn, "field.supplier", input.supplier_id).await?;
    // Lock the procedure row while it is still registered, so an award notice recorded at the
    // same time either sees this deposit or is seen by it (a portable row lock).
    let still_open = execute(
        &txn,
        stmt(
            backend,
            "UPDATE procedures SET status = status WHERE id = ? AND status = 'registered'",
            [procedure.id.into()],
        ),
    )
    .await?;
    if still_open != 1 {
        return Err(changed_meanwhile(Guarded::Procedure));
    }
    let inserted = query_one(
        &txn,
        stmt(
            backend,
            "INSERT INTO deposits (kind, procedure_id, purchaser_org_id, supplier_id, amount_fen, form, reference, \
             received_on, status, recorded_by, created_at) VALUES ('bid', ?, ?, ?, ?, ?, ?, ?, 'held', ?, ?) \
             ON CONFLICT DO NOTHING RETURNING id",
            [
                procedure.id.into(),
                procedure.purchaser_org_id.into(),
                input.supplier_id.into(),
                input.amount.fen().into(),
                form.as_str().into(),
                reference.clone().into(),
                input.received_on.to_string().into(),
                actor.user_id.into(),
                now.into(),
            ],
        ),
    )
    .await?
    .ok_or_else(|| {
        ApiError::conflict(
            "DEPOSIT_EXISTS",
            format!(
                "supplier {}'s deposit on procedure {} is already recorded",
                input.supplier_id, procedure.procedure_no
            ),
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
                "kind": "bid", "procedure_id": procedure.id, "supplier_id": input.supplier_id,
                "amount": input.amount, "form": form, "reference": reference,
                "received_on": input.received_on,
            })),
        },
        now,
    )
    .await?;
    let row = load_deposit(&txn, actor, deposit_id).await?;
    let view = deposit_view(&txn, &mut BenchmarkRates::default(), row, today).await?;
    txn.commit().await?;
    Ok(view)
}

/// Records an event of a procedure and releases the deposits it affects: each gets its refund
/// trigger and a deadline 5 working days after the event (or converts, for a winner that so
/// chooses).
#[tracing::instrument(skip_all, fields(procedure_id = id))]
pub async fn record_event(
    ctx: &Ctx,
    actor: &Identity,
    id: i64,
    input: EventInput,
) -> Result<ProcedureView, ApiError> {
    let today = ctx.clock.today();
    let on = input.on();
    dates::happened(EVENT_ON, on, today)?;
    if let EventInput::Terminated {
        reason: Some(reason),
        ..
    } = &input
        && reason.chars().count() > 500
    {
        return Err(ApiError::validation("reason is at most 500 characters"));
    }
    // Read the calendar before the transaction: it may query the database itself.
    let calendar = gpmall_platform::calendar::current(ctx).await?;
    let now = ctx.clock.now();
    let txn = ctx.db.begin().await?;
    let backend = txn.get_database_backend();
    let procedure = load_procedure(&txn, actor, id).await?;
    require_manager(actor, procedure.purchaser_org_id, &[Role::Buyer])?;
    dates::not_before(
        EVENT_ON,
        on,
        registered_on(&procedure),
        "date.bound.procedure_registered",
    )?;

    let event = match &input {
        EventInput::Withdrawal { supplier_id, .. } => ProcedureEvent::Withdrawal {
            supplier_id: *supplier_id,
        },
        EventInput::AwardNotice {
            winner_supplier_id, ..
        } => ProcedureEvent::AwardNotice {
            winner_supplier_id: *winner_supplier_id,
        },
        EventInput::ContractSigned {
            convert_winner_deposit,
            ..
        } => ProcedureEvent::ContractSigned {
            // Only an awarded procedure is signed, and it has its winner; a registered one is
            // refused by the transition below whatever the winner.
            winner_supplier_id: match (procedure.status, procedure.winner_supplier_id) {
                (_, Some(winner)) => winner,
                (ProcedureStatus::Awarded, None) => {
                    return Err(ApiError::internal(format!(
                        "procedure {} is awarded without a winner",
                        procedure.id
                    )));
                }
                (_, None) => 0,
            },
            convert: *convert_winner_deposit,
        },
        EventInput::Terminated { .. } => ProcedureEvent::Terminated,
    };
    let next = procedure_transition(procedure.status, event).map_err(SettlementError::from)?;
    if let Some(awarded) = procedure.award_notice_on {
        dates::not_before(EVENT_ON, on, awarded, "date.bound.award_notice")?;
    }

    // Move the procedure first: the guarded update locks its row, so deposits recorded at the
    // same time are either seen below or refused.
    let (date_column, winner) = match event {
        ProcedureEvent::Withdrawal { .. } => (None, None),
        ProcedureEvent::AwardNotice { winner_supplier_id } => {
            (Some("award_notice_on"), Some(winner_supplier_id))
        }
        ProcedureEvent::ContractSigned { .. } => (Some("contract_signed_on"), None),
        ProcedureEvent::Terminated => (Some("terminated_on"), None),
    };
    let set_date = date_column
        .map(|c| format!(", {c} = ?"))
        .unwrap_or_default();
    let mut values: Vec<Value> = vec![next.as_str().into(), winner.into()];
    if date_column.is_some() {
        values.push(on.to_string().into());
    }
    values.push(procedure.id.into());
    values.push(procedure.status.as_str().into());
    let changed = execute(
        &txn,
        stmt(
            backend,
            &format!(
                "UPDATE procedures SET status = ?, winner_supplier_id = COALESCE(?, winner_supplier_id){set_date} \
                 WHERE id = ? AND status = ?"
            ),
            values,
        ),
    )
    .await?;
    if changed != 1 {
        return Err(changed_meanwhile(Guarded::Procedure));
    }

    let deposits = load_deposits(
        &txn,
        "d.procedure_id = ? AND d.kind = 'bid'",
        vec![procedure.id.into()],
    )
    .await?;
    let withdrawn = query_all(
        &txn,
        stmt(
            backend,
            "SELECT supplier_id FROM procedure_events WHERE procedure_id = ? AND event = 'withdrawal'",
            [procedure.id.into()],
        ),
    )
    .await?
    .iter()
    .map(|r| r.try_get::<Option<i64>>("", "supplier_id"))
    .collect::<Result<Vec<_>, _>>()?;
    let holds = |supplier: i64| {
        deposits
            .iter()
            .any(|d| d.supplier_id == supplier && d.status == DepositStatus::Held)
    };
    let mut event_supplier = None;
    match event {
        ProcedureEvent::Withdrawal { supplier_id } => {
            let supplier = require_supplier(&txn, "field.supplier", supplier_id).await?;
            if withdrawn.contains(&Some(supplier_id)) {
                return Err(ApiError::conflicting(
                    "INVALID_TRANSITION",
                    Text::new("msg.procedure.already_withdrawn").arg("supplier", supplier),
                ));
            }
            event_supplier = Some(supplier_id);
        }
        ProcedureEvent::AwardNotice { winner_supplier_id } => {
            let winner = require_supplier(&txn, "field.winner", winner_supplier_id).await?;
            if withdrawn.contains(&Some(winner_supplier_id)) {
                return Err(ApiError::invalid(
                    Text::new("msg.procedure.winner_withdrew").arg("supplier", &winner),
                ));
            }
            if procedure.deposit_required && !holds(winner_supplier_id) {
                return Err(ApiError::invalid(
                    Text::new("msg.procedure.winner_without_deposit").arg("supplier", &winner),
                ));
            }
            event_supplier = Some(winner_supplier_id);
        }
        ProcedureEvent::ContractSigned { convert, .. } => {
            if convert && !procedure.deposit_required {
                return Err(ApiError::validation(
                    "convert_winner_deposit: this procedure takes no deposit",
                ));
            }
            event_supplier = procedure.winner_supplier_id;
        }
        ProcedureEvent::Terminated => {}
    }

    // Release the deposits the event affects.
    let mut released = Vec::new();
    for deposit in deposits.iter().filter(|d| d.status == DepositStatus::Held) {
        let Some(effect) = event.effect_on(deposit.supplier_id) else {
            continue;
        };
        if on < deposit.received_on {
            return Err(ApiError::validation(format!(
                "on {on} is before supplier {}'s deposit was received on {}",
                deposit.supplier_id, deposit.received_on
            )));
        }
        let status = deposit_transition(deposit.kind, deposit.status, effect)
            .map_err(SettlementError::from)?;
        let changed = match effect {
            DepositEvent::Triggered(trigger) => {
                let deadline = RULES.bid_refund_deadline(&calendar, on)?;
                let changed = execute(
                    &txn,
                    stmt(
                        backend,
                        "UPDATE deposits SET status = ?, refund_trigger = ?, trigger_on = ?, refund_due_on = ?, \
                         refund_due_provisional = ? WHERE id = ? AND status = 'held'",
                        [
                            status.as_str().into(),
                            trigger.as_str().into(),
                            on.to_string().into(),
                            deadline.date.to_string().into(),
                            deadline.provisional.into(),
                            deposit.id.into(),
                        ],
                    ),
                )
                .await?;
                if deadline.provisional {
                    raise_calendar_warning(
                        &txn,
                        deposit.id,
                        procedure.purchaser_org_id,
                        deposit.supplier_id,
                        deadline.date,
                        &deadline.missing_years,
                        now,
                    )
                    .await?;
                }
                released.push(json!({"deposit_id": deposit.id, "status": status,
                    "refund_trigger": trigger, "refund_due_on": deadline.date,
                    "provisional": deadline.provisional}));
                changed
            }
            DepositEvent::ConvertedToPerformance => {
                released.push(json!({"deposit_id": deposit.id, "status": status}));
                execute(
                    &txn,
                    stmt(
                        backend,
                        "UPDATE deposits SET status = ?, refund_trigger = 'contract_signed', trigger_on = ? \
                         WHERE id = ? AND status = 'held'",
                        [status.as_str().into(), on.to_string().into(), deposit.id.into()],
                    ),
                )
                .await?
            }
            // Procedure events never refund or forfeit (`effect_on` yields neither).
            DepositEvent::Refunded | DepositEvent::Forfeited => 0,
        };
        if changed != 1 {
            return Err(changed_meanwhile(Guarded::Deposit));
        }
    }

    let details = match &input {
        EventInput::ContractSigned {
            convert_winner_deposit,
            ..
        } => json!({"convert_winner_deposit": convert_winner_deposit, "released": released}),
        EventInput::Terminated { reason, .. } => json!({"reason": reason, "released": released}),
        _ => json!({"released": released}),
    };
    execute(
        &txn,
        stmt(
            backend,
            "INSERT INTO procedure_events (procedure_id, event, supplier_id, occurred_on, details, recorded_by, recorded_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                procedure.id.into(),
                event.name().into(),
                event_supplier.into(),
                on.to_string().into(),
                details.to_string().into(),
                actor.user_id.into(),
                now.into(),
            ],
        ),
    )
    .await?;
    audit::record(
        &txn,
        AuditEntry {
            actor: Some(actor),
            action: match event {
                ProcedureEvent::Withdrawal { .. } => "procedure.withdrawal",
                ProcedureEvent::AwardNotice { .. } => "procedure.award_notice",
                ProcedureEvent::ContractSigned { .. } => "procedure.contract_signed",
                ProcedureEvent::Terminated => "procedure.terminated",
            },
            subject_type: "procedure",
            subject_id: procedure.id.to_string(),
            before: Some(json!({"status": procedure.status})),
            after: Some(
                json!({"status": next, "on": on, "supplier_id": event_supplier,
                "details": details}),
            ),
        },
        now,
    )
    .await?;
    let procedure = load_procedure(&txn, actor, id).await?;
    let view = procedure_view(&txn, actor, procedure, today).await?;
    txn.commit().await?;
    Ok(view)
}

async fn raise_calendar_warning<C: ConnectionTrait>(
    conn: &C,
    deposit_id: i64,
    purchaser_org_id: i64,
    supplier_id: i64,
    due: NaiveDate,
    missing_years: &[i32],
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let years: Vec<String> = missing_years.iter().map(i32::to_string).collect();
    warnings::raise(
        conn,
        Raise {
            rule: RULE_CALENDAR,
            subject_type: SUBJECT,
            subject_id: deposit_id.to_string(),
            responsible_org_id: purchaser_org_id,
            counterparty_org_id: Some(supplier_id),
            due_on: Some(due),
            message: format!(
                "deposit {deposit_id}: refund deadline {due} was counted without the official calendar for {} (weekends only); it is provisional until an operator loads that year",
                years.join(", ")
            ),
        },
        now,
    )
    .await
}

// ---------------------------------------------------------------------------------------------
// Refunds

/// Records a refund: the deposit must be due back; late-refund interest is computed from the
/// day after the deadline through the refund date, none when the supplier caused the delay.
#[tracing::instrument(skip_all, fields(deposit_id = id))]
pub async fn refund(
    ctx: &Ctx,
    actor: &Identity,
    id: i64,
    input: RefundInput,
) -> Result<DepositView, ApiError> {
    let today = ctx.clock.today();
    dates::happened(REFUNDED_ON, input.refunded_on, today)?;
    refresh(ctx).await?;
    let now = ctx.clock.now();
    let txn = ctx.db.begin().await?;
    let backend = txn.get_database_backend();
    let deposit = load_deposit(&txn, actor, id).await?;
    require_manager(
        actor,
        deposit.purchaser_org_id,
        &[Role::Buyer, Role::Finance],
    )?;
    let next = deposit_transition(deposit.kind, deposit.status, DepositEvent::Refunded)
        .map_err(SettlementError::from)?;
    let (Some(due), Some(trigger_on)) = (deposit.refund_due_on, deposit.trigger_on) else {
        return Err(ApiError::internal("a deposit due back has no deadline"));
    };
    dates::not_before(
        REFUNDED_ON,
        input.refunded_on,
        trigger_on,
        "date.bound.refund_trigger",
    )?;
    // The rate is looked up only when it matters, so an on-time refund never needs it.
    let rate = if input.refunded_on > due {
        daily_rate(&txn, &mut BenchmarkRates::default(), &deposit, due).await?
    } else {
        Decimal::ZERO
    };
    let late = late_refund(
        deposit.amount,
        due,
        Some(input.refunded_on),
        input.refunded_on,
        rate,
        input.supplier_caused_delay,
    );
    let changed = execute(
        &txn,
        stmt(
            backend,
            "UPDATE deposits SET status = ?, refunded_on = ?, refund_amount_fen = amount_fen, interest_fen = ?, \
             supplier_caused_delay = ? WHERE id = ? AND status = ?",
            [
                next.as_str().into(),
                input.refunded_on.to_string().into(),
                late.interest.fen().into(),
                input.supplier_caused_delay.into(),
                id.into(),
                deposit.status.as_str().into(),
            ],
        ),
    )
    .await?;
    if changed != 1 {
        return Err(changed_meanwhile(Guarded::Deposit));
    }
    for rule in [RULE_OVERDUE, RULE_CALENDAR] {
        warnings::resolve(&txn, rule, SUBJECT, &id.to_string(), now).await?;
    }
    audit::record(
        &txn,
        AuditEntry {
            actor: Some(actor),
            action: "deposit.refunded",
            subject_type: SUBJECT,
            subject_id: id.to_string(),
            before: Some(json!({"status": deposit.status, "refund_due_on": due})),
            after: Some(json!({
                "status": next, "refunded_on": input.refunded_on, "refund_amount": deposit.amount,
                "days_late": late.days_late, "interest": late.interest,
                "supplier_caused_delay": input.supplier_caused_delay,
            })),
        },
        now,
    )
    .await?;
    let row = load_deposit(&txn, actor, id).await?;
    let view = deposit_view(&txn, &mut BenchmarkRates::default(), row, today).await?;
    txn.commit().await?;
    Ok(view)
}

// ---------------------------------------------------------------------------------------------
// Performance deposits

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
    if !input.amount.is_positive() {
        return Err(ApiError::validation("amount must be greater than zero"));
    }
    if input
        .refund_days_after_completion
        .is_some_and(|days| days > 365)
    {
        return Err(ApiError::validation(
            "refund_days_after_completion is at most 365",
        ));
    }
    if let Some(LateInterest::AgreedAnnual { annual_percent }) = input.late_interest
        && (annual_percent <= Decimal::ZERO || annual_percent >= Decimal::ONE_HUNDRED)
    {
        return Err(ApiError::validation(
            "late_interest.annual_percent must be above 0 and below 100",
        ));
    }
    let (scope, scope_values) = match actor.org_kind {
        OrgKind::Purchaser => ("purchaser_org_id = ?", vec![actor.org_id.into()]),
        OrgKind::Supplier => ("supplier_id = ?", vec![actor.org_id.into()]),
        OrgKind::Operator | OrgKind::Regulator => ("1 = 1", vec![]),
        OrgKind::Bank => ("1 = 0", vec![]),
    };
    let now = ctx.clock.now();
    let txn = ctx.db.begin().await?;
    let backend = txn.get_database_backend();
    let mut values: Vec<Value> = vec![contract_id.into()];
    values.extend(scope_values);
    let contract = query_one(
        &txn,
        stmt(
            backend,
            &format!(
                "SELECT id, contract_no, purchaser_org_id, supplier_id, amount_fen, status, terms, signed_on \
                 FROM contracts WHERE id = ? AND {scope}"
            ),
            values,
        ),
    )
    .await?
    .ok_or_else(|| ApiError::not_found("contract"))?;
    let purchaser_org_id: i64 = contract.try_get("", "purchaser_org_id")?;
    if actor.org_kind != OrgKind::Purchaser || actor.org_id != purchaser_org_id {
        return Err(ApiError::forbidden(
            "the contract's purchaser records the performance deposit it holds",
        ));
    }
    actor.require_any(&[Role::Buyer, Role::Finance])?;
    let contract_no: String = contract.try_get("", "contract_no")?;
    let status: String = contract.try_get("", "status")?;
    if status == "terminated" {
        return Err(ApiError::conflict(
            "INVALID_TRANSITION",
            format!("contract {contract_no} is terminated"),
        ));
    }
    // A performance deposit is lodged after the award notice, which comes at most 30 days
    // before signing (Government Procurement Law art 46), so it may predate the contract.
    let earliest = date_of(&contract, "signed_on")?
        .checked_sub_days(chrono::Days::new(30))
        .unwrap_or(dates::EARLIEST);
    dates::not_before(
        RECEIVED_ON,
        input.received_on,
        earliest,
        "date.bound.award_window",
    )?;
    let contract_amount = Money::from_fen(contract.try_get("", "amount_fen")?);
    RULES
        .check_performance_deposit(input.amount, contract_amount)
        .map_err(|e| above_cap(e, "a performance deposit is at most 10% of the contract"))?;
    let terms: PaymentTerms = serde_json::from_str(&contract.try_get::<String>("", "terms")?)
        .map_err(ApiError::internal)?;
    let (refund_days, late_interest) = match &terms.performance_deposit {
        Some(clause) => agreed_deposit(clause, &input, form, contract_amount, &contract_no)?,
        None => (
            input.refund_days_after_completion.ok_or_else(|| {
                ApiError::validation(format!(
                    "refund_days_after_completion is required: contract {contract_no} has no performance deposit clause"
                ))
            })?,
            input.late_interest.unwrap_or(terms.late_interest),
        ),
    };
    let supplier_id: i64 = contract.try_get("", "supplier_id")?;
    let inserted = query_one(
        &txn,
        stmt(
            backend,
            "INSERT INTO deposits (kind, contract_id, purchaser_org_id, supplier_id, amount_fen, form, reference, \
             received_on, status, refund_days_after_acceptance, late_interest, recorded_by, created_at) \
             VALUES ('performance', ?, ?, ?, ?, ?, ?, ?, 'held', ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id",
            [
                contract_id.into(),
                purchaser_org_id.into(),
                supplier_id.into(),
                input.amount.fen().into(),
                form.as_str().into(),
                reference.clone().into(),
                input.received_on.to_string().into(),
                (refund_days as i32).into(),
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
        ApiError::conflict(
            "DEPOSIT_EXISTS",
            format!("the performance deposit of contract {contract_no} is already recorded"),
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
                "kind": "performance", "contract_id": contract_id, "supplier_id": supplier_id,
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
    contract_amount: Money,
    contract_no: &str,
) -> Result<(u32, LateInterest), ApiError> {
    let required = clause.amount_for(contract_amount);
    if input.amount != required {
        return Err(ApiError::bad_request(
            "DEPOSIT_AMOUNT_MISMATCH",
            format!(
                "performance_deposit.share_percent: contract {contract_no} requires a performance deposit of {required} ({}% of {contract_amount}), not {}",
                clause.share_percent.normalize(),
                input.amount
            ),
        )
        .with_details(json!({"required": required})));
    }
    if !clause.forms.contains(&form) {
        return Err(ApiError::bad_request(
            "DEPOSIT_FORM_NOT_ALLOWED",
            format!(
                "performance_deposit.forms: contract {contract_no} accepts the performance deposit as {}, not {}",
                clause.forms.iter().map(|f| f.as_str()).collect::<Vec<_>>().join(", "),
                form.as_str()
            ),
        )
        .with_details(json!({"allowed": clause.forms})));
    }
    if input
        .refund_days_after_completion
        .is_some_and(|days| days != clause.refund_days_after_acceptance)
    {
        return Err(ApiError::validation(format!(
            "performance_deposit.refund_days_after_acceptance: contract {contract_no} agrees {} days; leave refund_days_after_completion out",
            clause.refund_days_after_acceptance
        )));
    }
    if input
        .late_interest
        .is_some_and(|late| late != clause.late_refund_interest)
    {
        return Err(ApiError::validation(format!(
            "performance_deposit.late_refund_interest: contract {contract_no} agrees its own late-refund liability; leave late_interest out"
        )));
    }
    Ok((
        clause.refund_days_after_acceptance,
        clause.late_refund_interest,
    ))
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ForfeitInput {
    /// One of the cases agreed in the contract's performance deposit clause, word for word.
    pub case: String,
    /// When the case occurred (not in the future).
    pub occurred_on: NaiveDate,
    /// What happened, at most 2000 characters.
    #[serde(default)]
    pub notes: Option<String>,
}

/// The purchaser keeps a held performance deposit because one of the contract's agreed cases
/// occurred. Only agreed cases count, and only before acceptance starts the refund clock.
#[tracing::instrument(skip_all, fields(deposit_id = id))]
pub async fn forfeit(
    ctx: &Ctx,
    actor: &Identity,
    id: i64,
    input: ForfeitInput,
) -> Result<DepositView, ApiError> {
    let today = ctx.clock.today();
    dates::happened(OCCURRED_ON, input.occurred_on, today)?;
    let notes = input
        .notes
        .as_deref()
        .map(|n| super::bounded_text(n, "notes", false))
        .transpose()?
        .filter(|n| !n.is_empty());
    refresh(ctx).await?;
    let now = ctx.clock.now();
    let txn = ctx.db.begin().await?;
    let backend = txn.get_database_backend();
    let deposit = load_deposit(&txn, actor, id).await?;
    if !(actor.org_kind == OrgKind::Purchaser && actor.org_id == deposit.purchaser_org_id) {
        return Err(ApiError::forbidden(
            "only the purchasing unit holding the deposit forfeits it",
        ));
    }
    actor.require_any(&[Role::Buyer, Role::Finance])?;
    let next = deposit_transition(deposit.kind, deposit.status, DepositEvent::Forfeited)
        .map_err(SettlementError::from)?;
    if deposit.forfeiture_cases.is_empty() {
        return Err(ApiError::unprocessable(
            "FORFEITURE_CASE_NOT_AGREED",
            "the contract has no performance deposit clause naming cases in which it is not refunded, so the deposit is refunded",
        ));
    }
    let case = input.case.trim();
    let Some(case) = deposit.forfeiture_cases.iter().find(|c| c.trim() == case) else {
        return Err(ApiError::unprocessable(
            "FORFEITURE_CASE_NOT_AGREED",
            format!(
                "\"{case}\" is not among the cases agreed in the contract: {}",
                deposit.forfeiture_cases.join("; ")
            ),
        )
        .with_details(json!({"agreed": deposit.forfeiture_cases})));
    };
    dates::not_before(
        OCCURRED_ON,
        input.occurred_on,
        deposit.received_on,
        "date.bound.deposit_received",
    )?;
    let changed = execute(
        &txn,
        stmt(
            backend,
            "UPDATE deposits SET status = ?, forfeiture_case = ?, forfeited_on = ?, forfeiture_notes = ? \
             WHERE id = ? AND status = 'held'",
            [
                next.as_str().into(),
                case.clone().into(),
                input.occurred_on.to_string().into(),
                notes.clone().into(),
                id.into(),
            ],
        ),
    )
    .await?;
    if changed != 1 {
        return Err(changed_meanwhile(Guarded::Deposit));
    }
    audit::record(
        &txn,
        AuditEntry {
            actor: Some(actor),
            action: "deposit.forfeited",
            subject_type: SUBJECT,
            subject_id: id.to_string(),
            before: Some(json!({"status": deposit.status})),
            after: Some(json!({
                "status": next, "case": case, "occurred_on": input.occurred_on, "notes": notes,
            })),
        },
        now,
    )
    .await?;
    let row = load_deposit(&txn, actor, id).await?;
    let view = deposit_view(&txn, &mut BenchmarkRates::default(), row, today).await?;
    txn.commit().await?;
    Ok(view)
}

/// Held performance deposits whose contract has been accepted become due back `days` after the
/// acceptance date. Idempotent.
async fn trigger_accepted_performance_deposits<C: ConnectionTrait>(
    conn: &C,
    now: DateTime<Utc>,
) -> Result<usize, ApiError> {
    let backend = conn.get_database_backend();
    let rows = query_all(
        conn,
        stmt(
            backend,
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
        let changed = execute(
            conn,
            stmt(
                backend,
                "UPDATE deposits SET status = ?, refund_trigger = ?, trigger_on = ?, \
                 refund_due_on = ?, refund_due_provisional = ? WHERE id = ? AND status = ?",
                [
                    next.as_str().into(),
                    trigger.as_str().into(),
                    accepted_on.to_string().into(),
                    due.to_string().into(),
                    false.into(),
                    id.into(),
                    from.as_str().into(),
                ],
            ),
        )
        .await?;
        if changed == 1 {
            triggered += 1;
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
        }
    }
    Ok(triggered)
}

/// Re-counts provisional refund deadlines with the calendar in force; a deadline whose years are
/// now loaded becomes final and its calendar warning resolves.
async fn confirm_provisional_deadlines(
    ctx: &Ctx,
    calendar: &WorkingCalendar,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let rows = load_deposits(
        &ctx.db,
        "d.status = 'refund_due' AND d.kind = 'bid' AND d.refund_due_provisional = ?",
        vec![true.into()],
    )
    .await?;
    for deposit in rows {
        let Some(trigger_on) = deposit.trigger_on else {
            continue;
        };
        let deadline = RULES.bid_refund_deadline(calendar, trigger_on)?;
        if deadline.provisional {
            continue;
        }
        let txn = ctx.db.begin().await?;
        let changed = execute(
            &txn,
            stmt(
                txn.get_database_backend(),
                "UPDATE deposits SET refund_due_on = ?, refund_due_provisional = ? \
                 WHERE id = ? AND status = 'refund_due' AND refund_due_provisional = ?",
                [
                    deadline.date.to_string().into(),
                    false.into(),
                    deposit.id.into(),
                    true.into(),
                ],
            ),
        )
        .await?;
        if changed == 1 {
            warnings::resolve(&txn, RULE_CALENDAR, SUBJECT, &deposit.id.to_string(), now).await?;
            audit::record(
                &txn,
                AuditEntry {
                    actor: None,
                    action: "deposit.deadline_confirmed",
                    subject_type: SUBJECT,
                    subject_id: deposit.id.to_string(),
                    before: Some(
                        json!({"refund_due_on": deposit.refund_due_on, "provisional": true}),
                    ),
                    after: Some(json!({"refund_due_on": deadline.date, "provisional": false})),
                },
                now,
            )
            .await?;
        }
        txn.commit().await?;
    }
    Ok(())
}

/// Brings derived state up to date before it is read: performance deposits of accepted
/// contracts become due back, provisional deadlines are re-counted once their year is loaded.
async fn refresh(ctx: &Ctx) -> Result<(), ApiError> {
    let now = ctx.clock.now();
    let calendar = gpmall_platform::calendar::current(ctx).await?;
    let txn = ctx.db.begin().await?;
    trigger_accepted_performance_deposits(&txn, now).await?;
    txn.commit().await?;
    confirm_provisional_deadlines(ctx, &calendar, now).await
}

// ---------------------------------------------------------------------------------------------
// Listing and warnings

/// Deposits with their deadlines, status, days late and interest owed as of today: a
/// purchaser's own, a supplier's own, all for the operator and the regulator.
pub async fn list_deposits(
    ctx: &Ctx,
    actor: &Identity,
    filter: DepositFilter,
    page: PageRequest,
) -> Result<ListResponse<DepositView>, ApiError> {
    let (scope, mut values) = deposit_scope(actor)?;
    refresh(ctx).await?;
    let mut condition = scope.to_owned();
    if let Some(status) = filter.status {
        condition.push_str(" AND d.status = ?");
        values.push(status.as_str().into());
    }
    if let Some(kind) = filter.kind {
        condition.push_str(" AND d.kind = ?");
        values.push(kind.as_str().into());
    }
    if let Some(procedure_id) = filter.procedure_id {
        condition.push_str(" AND d.procedure_id = ?");
        values.push(procedure_id.into());
    }
    let backend = ctx.db.get_database_backend();
    let total: i64 = query_one(
        &ctx.db,
        stmt(
            backend,
            &format!("SELECT COUNT(*) AS n FROM deposits d WHERE {condition}"),
            values.clone(),
        ),
    )
    .await?
    .map(|r| r.try_get("", "n"))
    .transpose()?
    .unwrap_or(0);
    values.push((page.per_page as i64).into());
    values.push((page.offset() as i64).into());
    let rows = query_all(
        &ctx.db,
        stmt(
            backend,
            &format!("{DEPOSIT_SELECT} WHERE {condition} ORDER BY d.id DESC LIMIT ? OFFSET ?"),
            values,
        ),
    )
    .await?;
    let today = ctx.clock.today();
    let mut rates = BenchmarkRates::default();
    let mut items = Vec::with_capacity(rows.len());
    for row in &rows {
        items.push(deposit_view(&ctx.db, &mut rates, DepositRow::read(row)?, today).await?);
    }
    Ok(ListResponse::new(items, total.max(0) as u64, page))
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

/// Raises a warning for every deposit past its refund deadline (responsible: the purchaser;
/// counterparty: the supplier) and for every provisional deadline; resolves those that cleared.
/// Idempotent; returns the number of deposit warnings open.
pub async fn scan_deposit_warnings(ctx: &Ctx) -> Result<usize, ApiError> {
    refresh(ctx).await?;
    let calendar = gpmall_platform::calendar::current(ctx).await?;
    let today = ctx.clock.today();
    let now = ctx.clock.now();
    let mut open = 0;
    let mut rates = BenchmarkRates::default();
    for row in load_deposits(&ctx.db, "d.status = 'refund_due'", vec![]).await? {
        let subject = row.id.to_string();
        let (purchaser, supplier, provisional, due) = (
            row.purchaser_org_id,
            row.supplier_id,
            row.refund_due_provisional,
            row.refund_due_on,
        );
        let label = match (&row.procedure_no, &row.contract_no) {
            (Some(procedure), _) => format!("procedure {procedure}"),
            (None, Some(contract)) => format!("contract {contract}"),
            (None, None) => String::new(),
        };
        let view = deposit_view(&ctx.db, &mut rates, row, today).await?;
        match due {
            Some(due) if due < today => {
                warnings::raise(
                    &ctx.db,
                    Raise {
                        rule: RULE_OVERDUE,
                        subject_type: SUBJECT,
                        subject_id: subject.clone(),
                        responsible_org_id: purchaser,
                        counterparty_org_id: Some(supplier),
                        due_on: Some(due),
                        message: format!(
                            "{} deposit {} of {} ({label}): due back by {due}, {} days late; late-refund interest so far {}",
                            view.kind.as_str(),
                            view.id,
                            view.amount,
                            view.days_late,
                            view.interest_owed
                        ),
                    },
                    now,
                )
                .await?;
                open += 1;
            }
            _ => warnings::resolve(&ctx.db, RULE_OVERDUE, SUBJECT, &subject, now).await?,
        }
        if provisional {
            let missing = due
                .zip(view.trigger_on)
                .map(|(due, from)| calendar.missing_years(from, due))
                .unwrap_or_default();
            raise_calendar_warning(
                &ctx.db,
                view.id,
                purchaser,
                supplier,
                due.unwrap_or(today),
                &missing,
                now,
            )
            .await?;
            open += 1;
        }
    }
    // Deposits refunded or converted elsewhere: their warnings clear.
    let cleared = query_all(
        &ctx.db,
        stmt(
            ctx.db.get_database_backend(),
            "SELECT w.rule, w.subject_id FROM warnings w JOIN deposits d ON w.subject_id = CAST(d.id AS TEXT) \
             WHERE w.subject_type = ? AND w.state = 'open' AND d.status IN ('refunded','converted')",
            [SUBJECT.into()],
        ),
    )
    .await?;
    for row in &cleared {
        let rule: String = row.try_get("", "rule")?;
        let subject: String = row.try_get("", "subject_id")?;
        warnings::resolve(&ctx.db, &rule, SUBJECT, &subject, now).await?;
    }
    Ok(open)
}
