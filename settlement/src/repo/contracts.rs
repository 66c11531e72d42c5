//! Contracts, their instalments, payments and disputes: read into typed rows (dates parsed,
//! money as `Money`, terms and lines decoded once here), and the status and event updates.

use chrono::{DateTime, NaiveDate, Utc};
use gpmall_platform::audit::AuditEntry;
use gpmall_platform::db::{query_one, stmt};
use gpmall_platform::entity::organization;
use gpmall_platform::identity::OrgKind;
use gpmall_platform::pagination::{ListResponse, PageRequest};
use gpmall_platform::repo::{change_one, paged};
use gpmall_platform::{ApiError, Money};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

use crate::domain::contract::{ContractLine, ContractStatus};
use crate::domain::disputes::DisputeStatus;
use crate::domain::terms::{PaymentTerms, Trigger};
use crate::entity::{
    contract, contract_dispute, contract_instalment, contract_payment, default_payment_terms,
    supplier_collection_account,
};

/// The contracts a reader may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visible {
    /// A purchasing unit's own.
    Purchaser(i64),
    /// A supplier's own.
    Supplier(i64),
    /// Every contract (the operator, the regulator).
    All,
}

impl Visible {
    fn condition(self) -> Condition {
        match self {
            Visible::Purchaser(org) => {
                Condition::all().add(contract::Column::PurchaserOrgId.eq(org))
            }
            Visible::Supplier(org) => Condition::all().add(contract::Column::SupplierId.eq(org)),
            Visible::All => Condition::all(),
        }
    }
}

/// A contract's own row.
#[derive(Debug, Clone)]
pub struct ContractRow {
    pub id: i64,
    pub contract_no: String,
    pub order_id: Option<i64>,
    pub purchaser_org_id: i64,
    pub supplier_id: i64,
    pub supplier_is_sme: bool,
    pub amount: Money,
    pub signed_on: NaiveDate,
    pub lines: Vec<ContractLine>,
    pub terms: PaymentTerms,
    pub lpr_percent_at_signing: String,
    pub collection_account: String,
    pub publish_by: NaiveDate,
    pub publish_by_provisional: bool,
    pub published_on: Option<NaiveDate>,
    pub shipped_on: Option<NaiveDate>,
    pub delivered_on: Option<NaiveDate>,
    pub accepted_on: Option<NaiveDate>,
    pub status: ContractStatus,
}

/// One instalment of a contract.
#[derive(Debug, Clone)]
pub struct InstalmentRow {
    pub id: i64,
    pub seq: i32,
    pub principal: Money,
    pub paid: Money,
    /// Held back by open disputes.
    pub disputed: Money,
    /// Taken off by disputes that ended in a deduction.
    pub deducted: Money,
    pub trigger: Trigger,
    pub days_after: i32,
    pub milestone: Option<String>,
    pub milestone_reached_on: Option<NaiveDate>,
    /// The stored due date (see `service::contracts::refresh_due_dates`).
    pub due_on: Option<NaiveDate>,
}

/// A payment recorded against one instalment.
#[derive(Debug, Clone)]
pub struct PaymentRow {
    pub instalment_seq: i32,
    pub amount: Money,
    pub paid_on: NaiveDate,
    pub voucher_no: String,
    pub account: String,
}

/// A dispute raised on one instalment.
#[derive(Debug, Clone)]
pub struct DisputeRow {
    pub id: i64,
    pub instalment_seq: i32,
    pub amount: Money,
    pub reason: String,
    pub opened_on: NaiveDate,
    pub status: DisputeStatus,
    pub deducted: Option<Money>,
    pub resolved_on: Option<NaiveDate>,
    pub resolution_note: Option<String>,
}

/// A payment to store.
pub struct NewPayment<'a> {
    pub contract_id: i64,
    pub instalment_id: i64,
    pub amount: Money,
    pub paid_on: NaiveDate,
    pub voucher_no: &'a str,
    pub account: &'a str,
    pub recorded_by: i64,
    pub recorded_at: DateTime<Utc>,
}

fn date(text: &str) -> Result<NaiveDate, ApiError> {
    text.parse().map_err(ApiError::internal)
}

fn optional_date(text: Option<&str>) -> Result<Option<NaiveDate>, ApiError> {
    text.map(date).transpose()
}

fn contract_row(m: contract::Model) -> Result<ContractRow, ApiError> {
    Ok(ContractRow {
        id: m.id,
        order_id: m.order_id,
        purchaser_org_id: m.purchaser_org_id,
        supplier_id: m.supplier_id,
        supplier_is_sme: m.supplier_is_sme,
        amount: Money::from_fen(m.amount_fen),
        signed_on: date(&m.signed_on)?,
        lines: serde_json::from_str(&m.lines).map_err(ApiError::internal)?,
        terms: serde_json::from_str(&m.terms).map_err(ApiError::internal)?,
        publish_by: date(&m.publish_by)?,
        publish_by_provisional: m.publish_by_provisional,
        published_on: optional_date(m.published_on.as_deref())?,
        shipped_on: optional_date(m.shipped_on.as_deref())?,
        delivered_on: optional_date(m.delivered_on.as_deref())?,
        accepted_on: optional_date(m.accepted_on.as_deref())?,
        status: m.status,
        contract_no: m.contract_no,
        lpr_percent_at_signing: m.lpr_percent_at_signing,
        collection_account: m.collection_account,
    })
}

fn contract_rows(models: Vec<contract::Model>) -> Result<Vec<ContractRow>, ApiError> {
    models.into_iter().map(contract_row).collect()
}

fn instalment_row(m: contract_instalment::Model) -> Result<InstalmentRow, ApiError> {
    Ok(InstalmentRow {
        id: m.id,
        seq: m.seq,
        principal: Money::from_fen(m.principal_fen),
        paid: Money::from_fen(m.paid_fen),
        disputed: Money::from_fen(m.disputed_fen),
        deducted: Money::from_fen(m.deducted_fen),
        trigger: m.trigger_event,
        days_after: m.days_after,
        milestone_reached_on: optional_date(m.milestone_reached_on.as_deref())?,
        due_on: optional_date(m.due_on.as_deref())?,
        milestone: m.milestone,
    })
}

/// A contract by id, whoever may see it (callers have checked access).
pub async fn find<C: ConnectionTrait>(conn: &C, id: i64) -> Result<Option<ContractRow>, ApiError> {
    contract::Entity::find_by_id(id)
        .one(conn)
        .await?
        .map(contract_row)
        .transpose()
}

/// A contract by id if `visible` includes it.
pub async fn find_visible<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    visible: Visible,
) -> Result<Option<ContractRow>, ApiError> {
    contract::Entity::find_by_id(id)
        .filter(visible.condition())
        .one(conn)
        .await?
        .map(contract_row)
        .transpose()
}

/// The contract made from an order, if there is one.
pub async fn find_by_order<C: ConnectionTrait>(
    conn: &C,
    order_id: i64,
) -> Result<Option<ContractRow>, ApiError> {
    contract::Entity::find()
        .filter(contract::Column::OrderId.eq(order_id))
        .one(conn)
        .await?
        .map(contract_row)
        .transpose()
}

/// A page of the contracts `visible` includes, newest first, with their count.
pub async fn page_visible<C: ConnectionTrait>(
    conn: &C,
    visible: Visible,
    page: PageRequest,
) -> Result<ListResponse<ContractRow>, ApiError> {
    let select = contract::Entity::find()
        .filter(visible.condition())
        .order_by_desc(contract::Column::Id);
    let found = paged(conn, select, page).await?;
    Ok(ListResponse::new(
        contract_rows(found.items)?,
        found.total,
        page,
    ))
}

/// Every contract `visible` includes, by purchasing unit and then id.
pub async fn all_visible_by_purchaser<C: ConnectionTrait>(
    conn: &C,
    visible: Visible,
) -> Result<Vec<ContractRow>, ApiError> {
    let models = contract::Entity::find()
        .filter(visible.condition())
        .order_by_asc(contract::Column::PurchaserOrgId)
        .order_by_asc(contract::Column::Id)
        .all(conn)
        .await?;
    contract_rows(models)
}

/// The active contracts `visible` includes that have an instalment not fully paid, by id.
pub async fn active_with_unpaid<C: ConnectionTrait>(
    conn: &C,
    visible: Visible,
) -> Result<Vec<ContractRow>, ApiError> {
    use contract_instalment::Column as I;
    let unpaid = Query::select()
        .column(I::ContractId)
        .from(contract_instalment::Entity)
        .and_where(Expr::col(I::PaidFen).lt(Expr::col(I::PrincipalFen)))
        .to_owned();
    let models = contract::Entity::find()
        .filter(visible.condition())
        .filter(contract::Column::Status.eq(ContractStatus::Active))
        .filter(contract::Column::Id.in_subquery(unpaid))
        .order_by_asc(contract::Column::Id)
        .all(conn)
        .await?;
    contract_rows(models)
}

/// A contract's instalments, by sequence.
pub async fn instalments<C: ConnectionTrait>(
    conn: &C,
    contract_id: i64,
) -> Result<Vec<InstalmentRow>, ApiError> {
    contract_instalment::Entity::find()
        .filter(contract_instalment::Column::ContractId.eq(contract_id))
        .order_by_asc(contract_instalment::Column::Seq)
        .all(conn)
        .await?
        .into_iter()
        .map(instalment_row)
        .collect()
}

/// The sequence number of `instalment_id` among `instalments`; one of another contract is a
/// defect.
fn seq_of(instalments: &[InstalmentRow], instalment_id: i64) -> Result<i32, ApiError> {
    instalments
        .iter()
        .find(|i| i.id == instalment_id)
        .map(|i| i.seq)
        .ok_or_else(|| ApiError::internal("a contract's row names another contract's instalment"))
}

/// Every payment recorded on the contract, oldest first; `instalments` are the contract's.
pub async fn payments<C: ConnectionTrait>(
    conn: &C,
    contract_id: i64,
    instalments: &[InstalmentRow],
) -> Result<Vec<PaymentRow>, ApiError> {
    use contract_payment::Column as P;
    contract_payment::Entity::find()
        .filter(P::ContractId.eq(contract_id))
        .order_by_asc(P::PaidOn)
        .order_by_asc(P::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(|p| {
            Ok(PaymentRow {
                instalment_seq: seq_of(instalments, p.instalment_id)?,
                amount: Money::from_fen(p.amount_fen),
                paid_on: date(&p.paid_on)?,
                voucher_no: p.voucher_no,
                account: p.account,
            })
        })
        .collect()
}

/// Every dispute raised on the contract, oldest first; `instalments` are the contract's.
pub async fn disputes<C: ConnectionTrait>(
    conn: &C,
    contract_id: i64,
    instalments: &[InstalmentRow],
) -> Result<Vec<DisputeRow>, ApiError> {
    use contract_dispute::Column as D;
    contract_dispute::Entity::find()
        .filter(D::ContractId.eq(contract_id))
        .order_by_asc(D::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(|d| {
            Ok(DisputeRow {
                id: d.id,
                instalment_seq: seq_of(instalments, d.instalment_id)?,
                amount: Money::from_fen(d.amount_fen),
                opened_on: date(&d.opened_on)?,
                status: d.status,
                deducted: d.deducted_fen.map(Money::from_fen),
                resolved_on: optional_date(d.resolved_on.as_deref())?,
                resolution_note: d.resolution_note,
                reason: d.reason,
            })
        })
        .collect()
}

/// The names of a purchasing unit and a supplier.
pub async fn party_names<C: ConnectionTrait>(
    conn: &C,
    purchaser: i64,
    supplier: i64,
) -> Result<(String, String), ApiError> {
    let orgs = organization::Entity::find()
        .filter(organization::Column::Id.is_in([purchaser, supplier]))
        .all(conn)
        .await?;
    let name_of = |org: i64| {
        orgs.iter()
            .find(|o| o.id == org)
            .map(|o| o.name.clone())
            .ok_or_else(|| ApiError::internal(format!("organization {org} is missing")))
    };
    Ok((name_of(purchaser)?, name_of(supplier)?))
}

/// Whether the contract already has a payment with this voucher number.
pub async fn voucher_used<C: ConnectionTrait>(
    conn: &C,
    contract_id: i64,
    voucher_no: &str,
) -> Result<bool, ApiError> {
    use contract_payment::Column as P;
    Ok(contract_payment::Entity::find()
        .filter(P::ContractId.eq(contract_id))
        .filter(P::VoucherNo.eq(voucher_no))
        .one(conn)
        .await?
        .is_some())
}

/// Adds `amount` to an instalment's paid principal if that leaves it within what is not
/// disputed (guarded in SQL); `false` if it would not (the instalment changed meanwhile). The
/// stored interest is to be recomputed.
pub async fn add_paid<C: ConnectionTrait>(
    conn: &C,
    instalment_id: i64,
    amount: Money,
) -> Result<bool, ApiError> {
    use contract_instalment::Column as I;
    let changed = contract_instalment::Entity::update_many()
        .col_expr(I::PaidFen, Expr::col(I::PaidFen).add(amount.fen()))
        .col_expr(I::AccrualPending, Expr::value(true))
        .filter(I::Id.eq(instalment_id))
        .filter(
            Expr::col(I::PaidFen)
                .add(Expr::col(I::DisputedFen))
                .add(amount.fen())
                .lte(Expr::col(I::PrincipalFen)),
        )
        .exec(conn)
        .await?;
    Ok(changed.rows_affected == 1)
}

/// Stores a payment.
pub async fn insert_payment<C: ConnectionTrait>(
    conn: &C,
    payment: NewPayment<'_>,
) -> Result<(), ApiError> {
    contract_payment::Entity::insert(contract_payment::ActiveModel {
        contract_id: Set(payment.contract_id),
        instalment_id: Set(payment.instalment_id),
        amount_fen: Set(payment.amount.fen()),
        paid_on: Set(payment.paid_on.to_string()),
        voucher_no: Set(payment.voucher_no.to_owned()),
        account: Set(payment.account.to_owned()),
        recorded_by: Set(payment.recorded_by),
        recorded_at: Set(payment.recorded_at),
        ..Default::default()
    })
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

/// Moves a contract from `from` to `to` once none of its instalments is unpaid (guarded in
/// SQL); `false` if it was not in `from` or something is still unpaid.
pub async fn set_status_if_paid<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    from: ContractStatus,
    to: ContractStatus,
) -> Result<bool, ApiError> {
    use contract_instalment::Column as I;
    let unpaid = Query::select()
        .expr(Expr::val(1))
        .from(contract_instalment::Entity)
        .and_where(I::ContractId.eq(id))
        .and_where(Expr::col(I::PaidFen).lt(Expr::col(I::PrincipalFen)))
        .to_owned();
    let changed = contract::Entity::update_many()
        .col_expr(contract::Column::Status, Expr::value(to))
        .filter(contract::Column::Id.eq(id))
        .filter(contract::Column::Status.eq(from))
        .filter(Expr::exists(unpaid).not())
        .exec(conn)
        .await?;
    Ok(changed.rows_affected == 1)
}

/// Moves the contract made from an order from `from` to `to` (guarded in SQL); `false` if
/// there is none in `from`.
pub async fn set_status_by_order<C: ConnectionTrait>(
    conn: &C,
    order_id: i64,
    from: ContractStatus,
    to: ContractStatus,
) -> Result<bool, ApiError> {
    let changed = contract::Entity::update_many()
        .col_expr(contract::Column::Status, Expr::value(to))
        .filter(contract::Column::OrderId.eq(order_id))
        .filter(contract::Column::Status.eq(from))
        .exec(conn)
        .await?;
    Ok(changed.rows_affected == 1)
}

/// An event of the order behind a contract, recorded once.
#[derive(Debug, Clone, Copy)]
pub enum OrderDate {
    Shipped,
    Delivered,
    Accepted,
}

/// Records the date of an order event on the contract made from the order, unless one is
/// recorded already.
pub async fn record_order_date<C: ConnectionTrait>(
    conn: &C,
    order_id: i64,
    event: OrderDate,
    on: NaiveDate,
) -> Result<(), ApiError> {
    let column = match event {
        OrderDate::Shipped => contract::Column::ShippedOn,
        OrderDate::Delivered => contract::Column::DeliveredOn,
        OrderDate::Accepted => contract::Column::AcceptedOn,
    };
    contract::Entity::update_many()
        .col_expr(column, Expr::value(on.to_string()))
        .filter(contract::Column::OrderId.eq(order_id))
        .filter(column.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

/// Stores an instalment's due date; its stored interest is to be recomputed.
pub async fn set_due_on<C: ConnectionTrait>(
    conn: &C,
    instalment_id: i64,
    due_on: Option<NaiveDate>,
) -> Result<(), ApiError> {
    use contract_instalment::Column as I;
    contract_instalment::Entity::update_many()
        .col_expr(I::DueOn, Expr::value(due_on.map(|d| d.to_string())))
        .col_expr(I::AccrualPending, Expr::value(true))
        .filter(I::Id.eq(instalment_id))
        .exec(conn)
        .await?;
    Ok(())
}

/// The active SME contracts with an instalment whose terms could put it past the SME limit
/// (started by signing or a milestone, or more than 30 days after its event).
pub async fn sme_contracts_to_cap<C: ConnectionTrait>(conn: &C) -> Result<Vec<i64>, ApiError> {
    use contract_instalment::Column as I;
    let sme_active = Query::select()
        .column(contract::Column::Id)
        .from(contract::Entity)
        .and_where(contract::Column::SupplierIsSme.eq(true))
        .and_where(contract::Column::Status.eq(ContractStatus::Active))
        .to_owned();
    Ok(contract_instalment::Entity::find()
        .select_only()
        .column(I::ContractId)
        .distinct()
        .filter(I::ContractId.in_subquery(sme_active))
        .filter(
            Condition::any()
                .add(I::TriggerEvent.is_in([Trigger::Signing, Trigger::Milestone]))
                .add(I::DaysAfter.gt(30)),
        )
        .order_by_asc(I::ContractId)
        .into_tuple::<i64>()
        .all(conn)
        .await?)
}

/// Records the day a contract was published, once (guarded in SQL: `published_on IS NULL`),
/// with its audit entry; `conflict` if it was published already.
pub async fn mark_published<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    on: NaiveDate,
    conflict: impl FnOnce() -> ApiError,
    audit: AuditEntry<'_>,
    at: DateTime<Utc>,
) -> Result<(), ApiError> {
    let update = contract::Entity::update_many()
        .col_expr(contract::Column::PublishedOn, Expr::value(on.to_string()))
        .filter(contract::Column::Id.eq(id))
        .filter(contract::Column::PublishedOn.is_null());
    change_one(conn, update, id, conflict, audit, at).await?;
    Ok(())
}

/// The contracts still unpublished after their deadline (`publish_by` before `today`), unless
/// terminated.
pub async fn publication_overdue<C: ConnectionTrait>(
    conn: &C,
    today: NaiveDate,
) -> Result<Vec<ContractRow>, ApiError> {
    use contract::Column as K;
    let models = contract::Entity::find()
        .filter(K::PublishedOn.is_null())
        .filter(K::Status.ne(ContractStatus::Terminated))
        .filter(K::PublishBy.lt(today.to_string()))
        .order_by_asc(K::Id)
        .all(conn)
        .await?;
    contract_rows(models)
}

/// The publication deadlines that were computed on a calendar year not loaded at the time.
pub async fn provisional_publication_deadlines<C: ConnectionTrait>(
    conn: &C,
) -> Result<Vec<NaiveDate>, ApiError> {
    use contract::Column as K;
    contract::Entity::find()
        .select_only()
        .column(K::PublishBy)
        .distinct()
        .filter(K::PublishByProvisional.eq(true))
        .order_by_asc(K::PublishBy)
        .into_tuple::<String>()
        .all(conn)
        .await?
        .iter()
        .map(|d| date(d))
        .collect()
}

/// The platform operator's organization (the first, if there were several).
pub async fn operator_org<C: ConnectionTrait>(conn: &C) -> Result<Option<i64>, ApiError> {
    Ok(organization::Entity::find()
        .filter(organization::Column::Kind.eq(OrgKind::Operator.as_str()))
        .order_by_asc(organization::Column::Id)
        .one(conn)
        .await?
        .map(|o| o.id))
}

/// An instalment of an active contract with an undisputed unpaid part, and its contract's
/// number and parties.
#[derive(Debug, Clone)]
pub struct DueInstalment {
    pub contract_id: i64,
    pub contract_no: String,
    pub purchaser_org_id: i64,
    pub supplier_id: i64,
    pub seq: i32,
    pub due_on: NaiveDate,
    /// Unpaid and not disputed.
    pub payable: Money,
    /// The interest the accrual stored.
    pub interest: Money,
}

/// The instalments of active contracts due on or before `horizon` with an undisputed unpaid
/// part, by contract and sequence; reads only unpaid instalments (their partial index).
pub async fn unpaid_due_by<C: ConnectionTrait>(
    conn: &C,
    horizon: NaiveDate,
) -> Result<Vec<DueInstalment>, ApiError> {
    use contract_instalment::Column as I;
    let active = Query::select()
        .column(contract::Column::Id)
        .from(contract::Entity)
        .and_where(contract::Column::Status.eq(ContractStatus::Active))
        .to_owned();
    let instalments = contract_instalment::Entity::find()
        .filter(I::DueOn.lte(horizon.to_string()))
        .filter(Expr::col(I::PaidFen).lt(Expr::col(I::PrincipalFen)))
        .filter(
            Expr::col(I::PaidFen)
                .add(Expr::col(I::DisputedFen))
                .lt(Expr::col(I::PrincipalFen)),
        )
        .filter(I::ContractId.in_subquery(active))
        .order_by_asc(I::ContractId)
        .order_by_asc(I::Seq)
        .all(conn)
        .await?;
    let mut ids: Vec<i64> = instalments.iter().map(|i| i.contract_id).collect();
    ids.dedup();
    let contracts = contract::Entity::find()
        .filter(contract::Column::Id.is_in(ids))
        .all(conn)
        .await?;
    instalments
        .into_iter()
        .map(|i| {
            let c = contracts
                .iter()
                .find(|c| c.id == i.contract_id)
                .ok_or_else(|| ApiError::internal("an instalment's contract is missing"))?;
            let due_on = i
                .due_on
                .as_deref()
                .ok_or_else(|| ApiError::internal("a due instalment has no due date"))?;
            Ok(DueInstalment {
                contract_id: c.id,
                contract_no: c.contract_no.clone(),
                purchaser_org_id: c.purchaser_org_id,
                supplier_id: c.supplier_id,
                seq: i.seq,
                due_on: date(due_on)?,
                payable: Money::from_fen(i.principal_fen - i.paid_fen - i.disputed_fen),
                interest: Money::from_fen(i.interest_fen),
            })
        })
        .collect()
}

/// A contract to store, with its instalments; it starts active.
pub struct NewContract<'a> {
    pub contract_no: &'a str,
    pub order_id: i64,
    pub purchaser_org_id: i64,
    pub supplier_id: i64,
    pub supplier_is_sme: bool,
    pub amount: Money,
    pub signed_on: NaiveDate,
    pub terms: &'a PaymentTerms,
    pub lpr_percent_at_signing: String,
    /// The daily late rate as an exact fraction, fixed at signing.
    pub late_rate: (i64, i64),
    pub collection_account: &'a str,
    pub publish_by: NaiveDate,
    pub publish_by_provisional: bool,
    pub lines: &'a [ContractLine],
    pub created_at: DateTime<Utc>,
}

/// An instalment of a new contract.
pub struct NewInstalment<'a> {
    pub principal: Money,
    pub trigger: Trigger,
    pub days_after: i32,
    pub milestone: Option<&'a str>,
}

/// Stores a new active contract and its instalments (numbered from 1 in the given order);
/// returns its id. Due dates are left for `refresh_due_dates`.
pub async fn insert_contract<C: ConnectionTrait>(
    conn: &C,
    new: NewContract<'_>,
    instalments: &[NewInstalment<'_>],
) -> Result<i64, ApiError> {
    let (rate_num, rate_den) = new.late_rate;
    let inserted = contract::Entity::insert(contract::ActiveModel {
        contract_no: Set(new.contract_no.to_owned()),
        order_id: Set(Some(new.order_id)),
        purchaser_org_id: Set(new.purchaser_org_id),
        supplier_id: Set(new.supplier_id),
        supplier_is_sme: Set(new.supplier_is_sme),
        amount_fen: Set(new.amount.fen()),
        signed_on: Set(new.signed_on.to_string()),
        terms: Set(serde_json::to_string(new.terms).map_err(ApiError::internal)?),
        lpr_percent_at_signing: Set(new.lpr_percent_at_signing),
        late_rate_num: Set(rate_num),
        late_rate_den: Set(rate_den),
        collection_account: Set(new.collection_account.to_owned()),
        publish_by: Set(new.publish_by.to_string()),
        publish_by_provisional: Set(new.publish_by_provisional),
        status: Set(ContractStatus::Active),
        created_at: Set(new.created_at),
        lines: Set(serde_json::to_string(new.lines).map_err(ApiError::internal)?),
        ..Default::default()
    })
    .exec(conn)
    .await?;
    let id = inserted.last_insert_id;
    for (seq, inst) in (1..).zip(instalments) {
        contract_instalment::Entity::insert(contract_instalment::ActiveModel {
            contract_id: Set(id),
            seq: Set(seq),
            principal_fen: Set(inst.principal.fen()),
            paid_fen: Set(0),
            trigger_event: Set(inst.trigger),
            days_after: Set(inst.days_after),
            milestone: Set(inst.milestone.map(str::to_owned)),
            late_rate_num: Set(rate_num),
            late_rate_den: Set(rate_den),
            ..Default::default()
        })
        .exec_without_returning(conn)
        .await?;
    }
    Ok(id)
}

/// Whether a supplier is small or medium-sized: anything but `large` on record (an unknown
/// size is treated as an SME, which gets the stricter payment limits); `None` if there is no
/// such organization.
pub async fn supplier_is_sme<C: ConnectionTrait>(
    conn: &C,
    supplier_id: i64,
) -> Result<Option<bool>, ApiError> {
    Ok(organization::Entity::find_by_id(supplier_id)
        .one(conn)
        .await?
        .map(|o| o.enterprise_size.as_deref() != Some("large")))
}

/// A supplier's collection account.
#[derive(Debug, Clone)]
pub struct AccountRow {
    pub account_name: String,
    pub bank_name: String,
    pub account_no: String,
}

/// The account a supplier's new contracts are paid into, if recorded.
pub async fn collection_account<C: ConnectionTrait>(
    conn: &C,
    supplier_id: i64,
) -> Result<Option<AccountRow>, ApiError> {
    Ok(supplier_collection_account::Entity::find_by_id(supplier_id)
        .one(conn)
        .await?
        .map(|a| AccountRow {
            account_name: a.account_name,
            bank_name: a.bank_name,
            account_no: a.account_no,
        }))
}

/// Replaces a supplier's collection account.
pub async fn replace_collection_account<C: ConnectionTrait>(
    conn: &C,
    supplier_id: i64,
    account: AccountRow,
    at: DateTime<Utc>,
) -> Result<(), ApiError> {
    supplier_collection_account::Entity::delete_by_id(supplier_id)
        .exec(conn)
        .await?;
    supplier_collection_account::Entity::insert(supplier_collection_account::ActiveModel {
        supplier_id: Set(supplier_id),
        account_name: Set(account.account_name),
        bank_name: Set(account.bank_name),
        account_no: Set(account.account_no),
        updated_at: Set(at),
    })
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

/// The default terms of the first of `codes` (by code) that has any.
pub async fn default_terms_of<C: ConnectionTrait>(
    conn: &C,
    codes: &[String],
) -> Result<Option<PaymentTerms>, ApiError> {
    use default_payment_terms::Column as T;
    default_payment_terms::Entity::find()
        .filter(T::CategoryCode.is_in(codes.iter().cloned()))
        .order_by_asc(T::CategoryCode)
        .one(conn)
        .await?
        .map(|t| serde_json::from_str(&t.terms).map_err(ApiError::internal))
        .transpose()
}

/// Replaces a category's default terms.
pub async fn replace_default_terms<C: ConnectionTrait>(
    conn: &C,
    category: &str,
    terms: &PaymentTerms,
    by: i64,
    at: DateTime<Utc>,
) -> Result<(), ApiError> {
    default_payment_terms::Entity::delete_by_id(category.to_owned())
        .exec(conn)
        .await?;
    default_payment_terms::Entity::insert(default_payment_terms::ActiveModel {
        category_code: Set(category.to_owned()),
        terms: Set(serde_json::to_string(terms).map_err(ApiError::internal)?),
        updated_by: Set(Some(by)),
        updated_at: Set(at),
    })
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

/// Whether a catalogue category exists (the table is the mall's; settlement has no entity
/// for it, as the mall depends on settlement and not the reverse).
pub async fn category_exists<C: ConnectionTrait>(conn: &C, code: &str) -> Result<bool, ApiError> {
    let found = query_one(
        conn,
        stmt(
            conn.get_database_backend(),
            "SELECT code FROM categories WHERE code = ?",
            [code.into()],
        ),
    )
    .await?;
    Ok(found.is_some())
}
