//! Reading contracts: the view a page or the API shows, and the visible list.

use chrono::NaiveDate;
use gpmall_platform::db::{query_all, query_one, stmt};
use gpmall_platform::identity::{Identity, OrgKind};
use gpmall_platform::pagination::{ListResponse, PageRequest};
use gpmall_platform::{ApiError, Ctx, Money};
use sea_orm::{ConnectionTrait, QueryResult, Value};
use serde::{Deserialize, Serialize};

use crate::domain::disputes::DisputeStatus;
use crate::domain::interest::{AppliedPayment, interest_owed};
use crate::domain::terms::{self, PaymentTerms, Trigger};

use super::*;

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

/// A payment recorded against one instalment.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PaymentView {
    /// The instalment the payment went to (1 is the first).
    pub instalment_seq: i32,
    pub amount: Money,
    pub paid_on: NaiveDate,
    /// The purchaser's payment voucher number (bank slip or treasury payment voucher).
    pub voucher_no: String,
    /// The account the money was paid into.
    pub account: String,
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
    /// What the viewer may do about it now.
    pub actions: DisputeActions,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ContractView {
    pub id: i64,
    pub contract_no: String,
    pub order_id: Option<i64>,
    pub purchaser_org_id: i64,
    /// The purchasing unit's name.
    pub purchaser_name: String,
    pub supplier_id: i64,
    /// The supplier's name.
    pub supplier_name: String,
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
    pub status: ContractStatus,
    pub instalments: Vec<InstalmentView>,
    pub disputes: Vec<DisputeView>,
    /// Payments the purchaser recorded, oldest first, with their voucher numbers.
    pub payments: Vec<PaymentView>,
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
    /// What the viewer may do with the contract now.
    pub actions: ContractActions,
}

pub(crate) const CONTRACT_COLUMNS: &str = "id, contract_no, order_id, purchaser_org_id, supplier_id, supplier_is_sme, amount_fen, \
    signed_on, terms, lpr_percent_at_signing, collection_account, publish_by, publish_by_provisional, published_on, \
    shipped_on, delivered_on, accepted_on, status, lines";

/// A contract's parts that are read from its own row.
struct Header {
    id: i64,
    status: ContractStatus,
    terms: PaymentTerms,
    signed_on: NaiveDate,
    supplier_is_sme: bool,
    events: terms::Events,
    terminated: bool,
}

/// Running totals over a contract's instalments, in fen.
#[derive(Default)]
struct Totals {
    principal_due: i64,
    paid: i64,
    overdue: i64,
    disputed: i64,
    deducted: i64,
    interest: i64,
}

impl Totals {
    fn add(&mut self, i: &InstalmentView, today: NaiveDate) {
        if let Some(due) = i.due_on {
            if due <= today {
                self.principal_due += i.payable.fen();
            }
            if due < today {
                self.overdue += i.payable.fen();
            }
        }
        self.paid += i.paid.fen();
        self.disputed += i.disputed.fen();
        self.deducted += i.deducted.fen();
        self.interest += i.interest_owed.fen();
    }
}

fn optional_date(row: &QueryResult, column: &str) -> Result<Option<NaiveDate>, ApiError> {
    row.try_get::<Option<String>>("", column)?
        .map(|d| parse_date(&d))
        .transpose()
}

/// Every payment recorded on the contract, oldest first, with the instalment it paid.
async fn payments_of<C: ConnectionTrait>(conn: &C, id: i64) -> Result<Vec<PaymentView>, ApiError> {
    let rows = query_all(
        conn,
        stmt(
            conn.get_database_backend(),
            "SELECT i.seq, p.amount_fen, p.paid_on, p.voucher_no, p.account FROM contract_payments p \
             JOIN contract_instalments i ON i.id = p.instalment_id WHERE p.contract_id = ? ORDER BY p.paid_on, p.id",
            [id.into()],
        ),
    )
    .await?;
    rows.iter()
        .map(|p| {
            Ok(PaymentView {
                instalment_seq: p.try_get("", "seq")?,
                amount: Money::from_fen(p.try_get("", "amount_fen")?),
                paid_on: parse_date(&p.try_get::<String>("", "paid_on")?)?,
                voucher_no: p.try_get("", "voucher_no")?,
                account: p.try_get("", "account")?,
            })
        })
        .collect()
}

/// Every dispute raised on the contract, oldest first.
async fn disputes_of<C: ConnectionTrait>(conn: &C, id: i64) -> Result<Vec<DisputeView>, ApiError> {
    let rows = query_all(
        conn,
        stmt(
            conn.get_database_backend(),
            "SELECT d.id, i.seq, d.amount_fen, d.reason, d.opened_on, d.status, d.deducted_fen, d.resolved_on, \
             d.resolution_note FROM contract_disputes d JOIN contract_instalments i ON i.id = d.instalment_id \
             WHERE d.contract_id = ? ORDER BY d.id",
            [id.into()],
        ),
    )
    .await?;
    rows.iter()
        .map(|d| {
            let status: String = d.try_get("", "status")?;
            Ok(DisputeView {
                id: d.try_get("", "id")?,
                instalment_seq: d.try_get("", "seq")?,
                amount: Money::from_fen(d.try_get("", "amount_fen")?),
                reason: d.try_get("", "reason")?,
                opened_on: parse_date(&d.try_get::<String>("", "opened_on")?)?,
                status: DisputeStatus::parse(&status).ok_or_else(|| {
                    ApiError::internal(format!("unknown dispute status {status:?}"))
                })?,
                deducted: d
                    .try_get::<Option<i64>>("", "deducted_fen")?
                    .map(Money::from_fen),
                resolved_on: optional_date(d, "resolved_on")?,
                resolution_note: d.try_get("", "resolution_note")?,
                actions: DisputeActions::default(),
            })
        })
        .collect()
}

/// The names of the contract's purchasing unit and supplier.
async fn party_names<C: ConnectionTrait>(
    conn: &C,
    purchaser: i64,
    supplier: i64,
) -> Result<(String, String), ApiError> {
    let rows = query_all(
        conn,
        stmt(
            conn.get_database_backend(),
            "SELECT id, name FROM organizations WHERE id IN (?, ?)",
            [purchaser.into(), supplier.into()],
        ),
    )
    .await?;
    let name_of = |org: i64| -> Result<String, ApiError> {
        for row in &rows {
            if row.try_get::<i64>("", "id")? == org {
                return Ok(row.try_get("", "name")?);
            }
        }
        Err(ApiError::internal(format!("organization {org} is missing")))
    };
    Ok((name_of(purchaser)?, name_of(supplier)?))
}

/// One instalment as of `today`: its due date from the terms and the events, what is paid,
/// held back by disputes, overdue, and the late interest owed.
fn instalment_view(
    inst: &QueryResult,
    header: &Header,
    payments: &[PaymentView],
    disputes: &[DisputeView],
    today: NaiveDate,
) -> Result<InstalmentView, ApiError> {
    let seq: i32 = inst.try_get("", "seq")?;
    let principal = Money::from_fen(inst.try_get("", "principal_fen")?);
    let paid = Money::from_fen(inst.try_get("", "paid_fen")?);
    let disputed = Money::from_fen(inst.try_get("", "disputed_fen")?);
    let trigger = parse_trigger(&inst.try_get::<String>("", "trigger_event")?)?;
    let days_after: i32 = inst.try_get("", "days_after")?;
    let mut applied: Vec<AppliedPayment> = payments
        .iter()
        .filter(|p| p.instalment_seq == seq)
        .map(|p| AppliedPayment {
            paid_on: p.paid_on,
            amount: p.amount,
        })
        .collect();
    // An open dispute stops interest on its amount from the day after it was raised, exactly
    // as a payment on that day would (see `domain::disputes`).
    applied.extend(
        disputes
            .iter()
            .filter(|d| d.instalment_seq == seq && d.status == DisputeStatus::Open)
            .map(|d| AppliedPayment {
                paid_on: d.opened_on,
                amount: d.amount,
            }),
    );
    let milestone_reached_on = optional_date(inst, "milestone_reached_on")?;
    let events = terms::Events {
        milestone_on: milestone_reached_on,
        ..header.events
    };
    let due = due_of(
        &header.terms,
        trigger,
        days_after,
        header.supplier_is_sme,
        &events,
        header.terminated,
    );
    let outstanding = Money::from_fen(principal.fen() - paid.fen());
    let (overdue_days, interest) = match due.due_on {
        Some(due_on) => {
            let daily_rate = header.terms.late_interest.daily_rate();
            let owed = interest_owed(principal, due_on, daily_rate, &applied, today);
            (owed.overdue_days, owed.interest)
        }
        None => (0, Money::ZERO),
    };
    Ok(InstalmentView {
        seq,
        principal,
        trigger,
        days_after,
        clock_started_on: due.clock_started_on,
        due_on: due.due_on,
        due_at_sme_limit: due.at_sme_limit,
        milestone: inst.try_get("", "milestone")?,
        milestone_reached_on,
        paid,
        outstanding,
        disputed,
        payable: Money::from_fen(outstanding.fen() - disputed.fen()),
        deducted: Money::from_fen(inst.try_get("", "deducted_fen")?),
        overdue_days,
        interest_owed: interest,
    })
}

fn header_of(row: &QueryResult) -> Result<Header, ApiError> {
    let terms_text: String = row.try_get("", "terms")?;
    let signed_on = parse_date(&row.try_get::<String>("", "signed_on")?)?;
    let status = parse_status(&row.try_get::<String>("", "status")?)?;
    Ok(Header {
        id: row.try_get("", "id")?,
        terms: serde_json::from_str(&terms_text).map_err(ApiError::internal)?,
        signed_on,
        supplier_is_sme: row.try_get("", "supplier_is_sme")?,
        events: terms::Events {
            signed_on,
            delivered_on: optional_date(row, "delivered_on")?,
            accepted_on: optional_date(row, "accepted_on")?,
            milestone_on: None,
        },
        terminated: status == ContractStatus::Terminated,
        status,
    })
}

pub(super) async fn build_view<C: ConnectionTrait>(
    conn: &C,
    row: &QueryResult,
    today: NaiveDate,
) -> Result<ContractView, ApiError> {
    let header = header_of(row)?;
    let instalment_rows = query_all(
        conn,
        stmt(conn.get_database_backend(), "SELECT seq, principal_fen, paid_fen, disputed_fen, deducted_fen, trigger_event, days_after, \
             milestone, milestone_reached_on FROM contract_instalments WHERE contract_id = ? ORDER BY seq", [header.id.into()]),
    )
    .await?;
    let disputes = disputes_of(conn, header.id).await?;
    let payments = payments_of(conn, header.id).await?;
    let purchaser_org_id: i64 = row.try_get("", "purchaser_org_id")?;
    let supplier_id: i64 = row.try_get("", "supplier_id")?;
    let (purchaser_name, supplier_name) = party_names(conn, purchaser_org_id, supplier_id).await?;
    let mut totals = Totals::default();
    let mut instalments = Vec::with_capacity(instalment_rows.len());
    for inst in &instalment_rows {
        let view = instalment_view(inst, &header, &payments, &disputes, today)?;
        totals.add(&view, today);
        instalments.push(view);
    }
    Ok(ContractView {
        id: header.id,
        contract_no: row.try_get("", "contract_no")?,
        order_id: row.try_get("", "order_id")?,
        purchaser_org_id,
        purchaser_name,
        supplier_id,
        supplier_name,
        supplier_is_sme: header.supplier_is_sme,
        amount: Money::from_fen(row.try_get("", "amount_fen")?),
        signed_on: header.signed_on,
        lines: serde_json::from_str(&row.try_get::<String>("", "lines")?)
            .map_err(ApiError::internal)?,
        terms: header.terms,
        lpr_percent_at_signing: row.try_get("", "lpr_percent_at_signing")?,
        collection_account: row.try_get("", "collection_account")?,
        publish_by: parse_date(&row.try_get::<String>("", "publish_by")?)?,
        publish_by_provisional: row.try_get("", "publish_by_provisional")?,
        published_on: optional_date(row, "published_on")?,
        shipped_on: optional_date(row, "shipped_on")?,
        delivered_on: header.events.delivered_on,
        accepted_on: header.events.accepted_on,
        status: header.status,
        instalments,
        disputes,
        payments,
        principal_due: Money::from_fen(totals.principal_due),
        paid: Money::from_fen(totals.paid),
        overdue: Money::from_fen(totals.overdue),
        disputed: Money::from_fen(totals.disputed),
        deducted: Money::from_fen(totals.deducted),
        interest_owed: Money::from_fen(totals.interest),
        as_of: today,
        actions: ContractActions::default(),
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

pub(super) fn visible_clause(actor: &Identity) -> Result<(&'static str, Option<i64>), ApiError> {
    match actor.org_kind {
        OrgKind::Purchaser => Ok(("purchaser_org_id = ?", Some(actor.org_id))),
        OrgKind::Supplier => Ok(("supplier_id = ?", Some(actor.org_id))),
        OrgKind::Operator | OrgKind::Regulator => Ok(("1 = 1", None)),
        OrgKind::Bank => Err(ApiError::refused(Text::new(
            "msg.contract.banks_via_applications",
        ))),
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
    Ok(with_actions(
        actor,
        build_view(&ctx.db, &row, ctx.clock.today()).await?,
    ))
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
        items.push(with_actions(actor, build_view(&ctx.db, row, today).await?));
    }
    Ok(ListResponse::new(items, total as u64, page))
}
