//! Reading procedures and deposits: the rows with their joins, who sees which, and the checks
//! on the organizations a request names.

use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use gpmall_platform::db::{query_all, query_one, stmt};
use gpmall_platform::i18n::{Lang, Text, Tr};
use gpmall_platform::identity::{Identity, OrgKind, Role};
use gpmall_platform::text::clean_optional_name;
use gpmall_platform::{ApiError, Money};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, QueryResult, Value};
use serde_json::json;

use super::RULES;
use crate::domain::deposits::{
    AboveCap, DepositForm, DepositKind, DepositStatus, ProcedureStatus, RefundTrigger,
};
use crate::domain::terms::{LateInterest, PaymentTerms};
use crate::entity::{deposit, procedure};

/// Banks have no part in procurement deposits.
fn banks_refused() -> ApiError {
    ApiError::refused(Text::new("msg.deposit.banks_refused"))
}

pub(super) fn parse_date(text: &str) -> Result<NaiveDate, ApiError> {
    text.parse().map_err(ApiError::internal)
}

pub(super) fn date_of(row: &QueryResult, column: &str) -> Result<NaiveDate, ApiError> {
    parse_date(&row.try_get::<String>("", column)?)
}

pub(super) fn opt_date_of(row: &QueryResult, column: &str) -> Result<Option<NaiveDate>, ApiError> {
    row.try_get::<Option<String>>("", column)?
        .map(|d| parse_date(&d))
        .transpose()
}

/// A deposit above its cap: `key` names the cap (2% of the budget, 10% of the contract).
pub(super) fn above_cap(error: AboveCap, key: &'static str) -> ApiError {
    ApiError::say(
        StatusCode::BAD_REQUEST,
        "DEPOSIT_ABOVE_CAP",
        Text::new(key)
            .arg("percent", error.percent)
            .money("base", error.base)
            .money("cap", error.cap)
            .money("amount", error.amount),
    )
    .with_details(json!({
        "cap": error.cap,
        "percent": error.percent,
        "base": error.base,
    }))
}

/// The names of `forms` in Chinese and in English, for a message that lists them.
pub(super) fn form_names(forms: &[DepositForm]) -> (String, String) {
    let names = |lang| {
        let tr = Tr::new(lang);
        forms
            .iter()
            .map(|f| tr.t(&format!("deposits.form.{}", f.as_str())).to_owned())
            .collect::<Vec<_>>()
            .join(tr.t("list.separator"))
    };
    (names(Lang::ZhCn), names(Lang::En))
}

pub(super) fn parse_form(name: &str) -> Result<DepositForm, ApiError> {
    DepositForm::parse(name).map_err(|e| {
        let key = if e.given.eq_ignore_ascii_case("cash") {
            "msg.deposit.cash_refused"
        } else {
            "msg.deposit.form_unknown"
        };
        let (zh, en) = form_names(&DepositForm::ALL);
        ApiError::say(
            StatusCode::BAD_REQUEST,
            "DEPOSIT_FORM_NOT_ALLOWED",
            Text::new(key).named("forms", zh, en),
        )
        .with_details(json!({
            "allowed": DepositForm::ALL.map(DepositForm::as_str),
        }))
    })
}

/// The voucher, cheque, draft or letter number: one line of at most 64 characters, or none.
pub(super) fn clean_reference(reference: Option<String>) -> Result<Option<String>, ApiError> {
    clean_optional_name("field.deposit_reference", reference.as_deref(), 64)
}

/// The day a procedure was registered on the platform: nothing recorded for it is earlier.
pub(super) fn registered_on(procedure: &ProcedureRow) -> NaiveDate {
    procedure
        .created_at
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive()
}

pub(super) struct ProcedureRow {
    pub(super) id: i64,
    pub(super) procedure_no: String,
    pub(super) name: String,
    pub(super) purchaser_org_id: i64,
    pub(super) budget: Money,
    pub(super) deposit_required: bool,
    pub(super) deposit_amount: Option<Money>,
    pub(super) status: ProcedureStatus,
    pub(super) winner_supplier_id: Option<i64>,
    pub(super) award_notice_on: Option<NaiveDate>,
    pub(super) contract_signed_on: Option<NaiveDate>,
    pub(super) terminated_on: Option<NaiveDate>,
    pub(super) created_at: DateTime<Utc>,
}

pub(super) const PROCEDURE_COLUMNS: &str = "p.id, p.procedure_no, p.name, p.purchaser_org_id, p.budget_fen, p.deposit_required, \
    p.deposit_amount_fen, p.status, p.winner_supplier_id, p.award_notice_on, p.contract_signed_on, p.terminated_on, p.created_at";

impl ProcedureRow {
    pub(super) fn read(row: &QueryResult) -> Result<Self, ApiError> {
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

pub(super) struct DepositRow {
    pub(super) id: i64,
    pub(super) kind: DepositKind,
    pub(super) procedure_id: Option<i64>,
    pub(super) procedure_no: Option<String>,
    pub(super) contract_id: Option<i64>,
    pub(super) contract_no: Option<String>,
    pub(super) purchaser_org_id: i64,
    pub(super) supplier_id: i64,
    pub(super) supplier_name: String,
    pub(super) amount: Money,
    pub(super) form: DepositForm,
    pub(super) reference: Option<String>,
    pub(super) received_on: NaiveDate,
    pub(super) status: DepositStatus,
    pub(super) refund_trigger: Option<RefundTrigger>,
    pub(super) trigger_on: Option<NaiveDate>,
    pub(super) refund_due_on: Option<NaiveDate>,
    pub(super) refund_due_provisional: bool,
    pub(super) refund_days_after_acceptance: Option<i32>,
    pub(super) late_interest: Option<LateInterest>,
    pub(super) refunded_on: Option<NaiveDate>,
    pub(super) refund_amount: Option<Money>,
    pub(super) interest: Option<Money>,
    pub(super) supplier_caused_delay: bool,
    pub(super) forfeiture_cases: Vec<String>,
    pub(super) forfeiture_case: Option<String>,
    pub(super) forfeited_on: Option<NaiveDate>,
    pub(super) forfeiture_notes: Option<String>,
}

pub(super) const DEPOSIT_SELECT: &str = "SELECT d.id, d.kind, d.procedure_id, p.procedure_no, d.contract_id, c.contract_no, \
    d.purchaser_org_id, d.supplier_id, s.name AS supplier_name, d.amount_fen, d.form, d.reference, d.received_on, \
    d.status, d.refund_trigger, d.trigger_on, d.refund_due_on, d.refund_due_provisional, \
    d.refund_days_after_acceptance, d.late_interest, d.refunded_on, d.refund_amount_fen, d.interest_fen, \
    d.supplier_caused_delay, d.forfeiture_case, d.forfeited_on, d.forfeiture_notes, c.terms AS contract_terms \
    FROM deposits d \
    JOIN organizations s ON s.id = d.supplier_id \
    LEFT JOIN procedures p ON p.id = d.procedure_id \
    LEFT JOIN contracts c ON c.id = d.contract_id";

impl DepositRow {
    pub(super) fn read(row: &QueryResult) -> Result<Self, ApiError> {
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

    pub(super) fn late_interest_text(&self) -> String {
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

/// Which procedures the caller sees (`p` is the procedures alias).
pub(super) fn procedure_scope(actor: &Identity) -> Result<(&'static str, Vec<Value>), ApiError> {
    match actor.org_kind {
        OrgKind::Purchaser => Ok(("p.purchaser_org_id = ?", vec![actor.org_id.into()])),
        OrgKind::Supplier => Ok((
            "(p.winner_supplier_id = ? OR EXISTS (SELECT 1 FROM deposits x WHERE x.procedure_id = p.id AND x.supplier_id = ?))",
            vec![actor.org_id.into(), actor.org_id.into()],
        )),
        OrgKind::Operator | OrgKind::Regulator => Ok(("1 = 1", vec![])),
        OrgKind::Bank => Err(banks_refused()),
    }
}

/// Which deposits the caller sees (`d` is the deposits alias).
pub(super) fn deposit_scope(actor: &Identity) -> Result<(&'static str, Vec<Value>), ApiError> {
    match actor.org_kind {
        OrgKind::Purchaser => Ok(("d.purchaser_org_id = ?", vec![actor.org_id.into()])),
        OrgKind::Supplier => Ok(("d.supplier_id = ?", vec![actor.org_id.into()])),
        OrgKind::Operator | OrgKind::Regulator => Ok(("1 = 1", vec![])),
        OrgKind::Bank => Err(banks_refused()),
    }
}

/// Whether the caller keeps the books of `purchaser_org_id`'s deposits: the unit's own staff
/// in one of `purchaser_roles`, or the operator (the central purchasing agency).
pub(super) fn require_manager(
    actor: &Identity,
    purchaser_org_id: i64,
    purchaser_roles: &[Role],
) -> Result<(), ApiError> {
    match actor.org_kind {
        OrgKind::Purchaser if actor.org_id == purchaser_org_id => {
            actor.require_any(purchaser_roles)
        }
        OrgKind::Operator => actor.require_role(Role::Operator),
        _ => Err(ApiError::refused(Text::new("msg.forbidden.deposit_keeper"))),
    }
}

pub(super) async fn load_procedure<C: ConnectionTrait>(
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

pub(super) async fn load_deposits<C: ConnectionTrait>(
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

pub(super) async fn load_deposit<C: ConnectionTrait>(
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

pub(super) async fn org_kind_of<C: ConnectionTrait>(
    conn: &C,
    id: i64,
) -> Result<Option<String>, ApiError> {
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
pub(super) async fn require_supplier<C: ConnectionTrait>(
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

/// The same scopes as [`procedure_scope`] and [`deposit_scope`], as conditions on the entities
/// (for the paged lists).
pub(super) fn procedure_condition(actor: &Identity) -> Result<Condition, ApiError> {
    match actor.org_kind {
        OrgKind::Purchaser => {
            Ok(Condition::all().add(procedure::Column::PurchaserOrgId.eq(actor.org_id)))
        }
        OrgKind::Supplier => Ok(Condition::any()
            .add(procedure::Column::WinnerSupplierId.eq(actor.org_id))
            .add(
                procedure::Column::Id.in_subquery(
                    Query::select()
                        .column(deposit::Column::ProcedureId)
                        .from(deposit::Entity)
                        .and_where(deposit::Column::SupplierId.eq(actor.org_id))
                        .to_owned(),
                ),
            )),
        OrgKind::Operator | OrgKind::Regulator => Ok(Condition::all()),
        OrgKind::Bank => Err(banks_refused()),
    }
}

pub(super) fn deposit_condition(actor: &Identity) -> Result<Condition, ApiError> {
    match actor.org_kind {
        OrgKind::Purchaser => {
            Ok(Condition::all().add(deposit::Column::PurchaserOrgId.eq(actor.org_id)))
        }
        OrgKind::Supplier => Ok(Condition::all().add(deposit::Column::SupplierId.eq(actor.org_id))),
        OrgKind::Operator | OrgKind::Regulator => Ok(Condition::all()),
        OrgKind::Bank => Err(banks_refused()),
    }
}

/// `?, ?, …` for `n` values.
fn placeholders(n: usize) -> String {
    vec!["?"; n].join(", ")
}

/// The deposits with these ids, in the order of `ids`.
pub(super) async fn load_deposits_by_id<C: ConnectionTrait>(
    conn: &C,
    ids: &[i64],
) -> Result<Vec<DepositRow>, ApiError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let condition = format!("d.id IN ({})", placeholders(ids.len()));
    let values = ids.iter().map(|id| Value::from(*id)).collect();
    let mut rows = load_deposits(conn, &condition, values).await?;
    rows.sort_by_key(|r| ids.iter().position(|id| *id == r.id));
    Ok(rows)
}

/// The procedures with these ids, in the order of `ids`.
pub(super) async fn load_procedures_by_id<C: ConnectionTrait>(
    conn: &C,
    ids: &[i64],
) -> Result<Vec<ProcedureRow>, ApiError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut rows = query_all(
        conn,
        stmt(
            conn.get_database_backend(),
            &format!(
                "SELECT {PROCEDURE_COLUMNS} FROM procedures p WHERE p.id IN ({})",
                placeholders(ids.len())
            ),
            ids.iter().map(|id| Value::from(*id)).collect::<Vec<_>>(),
        ),
    )
    .await?
    .iter()
    .map(ProcedureRow::read)
    .collect::<Result<Vec<_>, _>>()?;
    rows.sort_by_key(|r| ids.iter().position(|id| *id == r.id));
    Ok(rows)
}
