//! Reading contracts: the view a page or the API shows, and the visible list.

use chrono::NaiveDate;
use gpmall_platform::identity::{Identity, OrgKind};
use gpmall_platform::pagination::{ListResponse, PageRequest};
use gpmall_platform::{ApiError, Ctx, Money};
use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};

use crate::domain::disputes::DisputeStatus;
use crate::domain::interest::{AppliedPayment, interest_owed};
use crate::domain::terms::{self, PaymentTerms, Trigger};
use crate::repo::contracts::{self, ContractRow, DisputeRow, InstalmentRow, PaymentRow, Visible};

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

/// A contract's parts that every instalment's view needs.
struct Header {
    terms: PaymentTerms,
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

fn payment_view(p: PaymentRow) -> PaymentView {
    PaymentView {
        instalment_seq: p.instalment_seq,
        amount: p.amount,
        paid_on: p.paid_on,
        voucher_no: p.voucher_no,
        account: p.account,
    }
}

fn dispute_view(d: DisputeRow) -> DisputeView {
    DisputeView {
        id: d.id,
        instalment_seq: d.instalment_seq,
        amount: d.amount,
        reason: d.reason,
        opened_on: d.opened_on,
        status: d.status,
        deducted: d.deducted,
        resolved_on: d.resolved_on,
        resolution_note: d.resolution_note,
        actions: DisputeActions::default(),
    }
}

/// One instalment as of `today`: its due date from the terms and the events, what is paid,
/// held back by disputes, overdue, and the late interest owed.
fn instalment_view(
    inst: InstalmentRow,
    header: &Header,
    payments: &[PaymentView],
    disputes: &[DisputeView],
    today: NaiveDate,
) -> InstalmentView {
    let InstalmentRow {
        seq,
        principal,
        paid,
        disputed,
        deducted,
        trigger,
        days_after,
        milestone,
        milestone_reached_on,
        ..
    } = inst;
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
    InstalmentView {
        seq,
        principal,
        trigger,
        days_after,
        clock_started_on: due.clock_started_on,
        due_on: due.due_on,
        due_at_sme_limit: due.at_sme_limit,
        milestone,
        milestone_reached_on,
        paid,
        outstanding,
        disputed,
        payable: Money::from_fen(outstanding.fen() - disputed.fen()),
        deducted,
        overdue_days,
        interest_owed: interest,
    }
}

/// A contract's view as of `today`, from its row and the rows that hang off it.
pub(super) async fn build_view<C: ConnectionTrait>(
    conn: &C,
    row: ContractRow,
    today: NaiveDate,
) -> Result<ContractView, ApiError> {
    let instalment_rows = contracts::instalments(conn, row.id).await?;
    let disputes: Vec<DisputeView> = contracts::disputes(conn, row.id, &instalment_rows)
        .await?
        .into_iter()
        .map(dispute_view)
        .collect();
    let payments: Vec<PaymentView> = contracts::payments(conn, row.id, &instalment_rows)
        .await?
        .into_iter()
        .map(payment_view)
        .collect();
    let (purchaser_name, supplier_name) =
        contracts::party_names(conn, row.purchaser_org_id, row.supplier_id).await?;
    let header = Header {
        terms: row.terms,
        supplier_is_sme: row.supplier_is_sme,
        events: terms::Events {
            signed_on: row.signed_on,
            delivered_on: row.delivered_on,
            accepted_on: row.accepted_on,
            milestone_on: None,
        },
        terminated: row.status == ContractStatus::Terminated,
    };
    let mut totals = Totals::default();
    let mut instalments = Vec::with_capacity(instalment_rows.len());
    for inst in instalment_rows {
        let view = instalment_view(inst, &header, &payments, &disputes, today);
        totals.add(&view, today);
        instalments.push(view);
    }
    Ok(ContractView {
        id: row.id,
        contract_no: row.contract_no,
        order_id: row.order_id,
        purchaser_org_id: row.purchaser_org_id,
        purchaser_name,
        supplier_id: row.supplier_id,
        supplier_name,
        supplier_is_sme: row.supplier_is_sme,
        amount: row.amount,
        signed_on: row.signed_on,
        lines: row.lines,
        terms: header.terms,
        lpr_percent_at_signing: row.lpr_percent_at_signing,
        collection_account: row.collection_account,
        publish_by: row.publish_by,
        publish_by_provisional: row.publish_by_provisional,
        published_on: row.published_on,
        shipped_on: row.shipped_on,
        delivered_on: row.delivered_on,
        accepted_on: row.accepted_on,
        status: row.status,
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
    let row = contracts::find(conn, id)
        .await?
        .ok_or_else(|| ApiError::not_found("contract"))?;
    build_view(conn, row, today).await
}

/// The contracts `actor` may read: a purchasing unit's and a supplier's own, all for the
/// operator and the regulator; banks read contracts only through financing applications.
pub(super) fn visible_to(actor: &Identity) -> Result<Visible, ApiError> {
    match actor.org_kind {
        OrgKind::Purchaser => Ok(Visible::Purchaser(actor.org_id)),
        OrgKind::Supplier => Ok(Visible::Supplier(actor.org_id)),
        OrgKind::Operator | OrgKind::Regulator => Ok(Visible::All),
        OrgKind::Bank => Err(ApiError::refused(Text::new(
            "msg.contract.banks_via_applications",
        ))),
    }
}

pub async fn get(ctx: &Ctx, actor: &Identity, id: i64) -> Result<ContractView, ApiError> {
    let row = contracts::find_visible(&ctx.db, id, visible_to(actor)?)
        .await?
        .ok_or_else(|| ApiError::not_found("contract"))?;
    Ok(with_actions(
        actor,
        build_view(&ctx.db, row, ctx.clock.today()).await?,
    ))
}

pub async fn list(
    ctx: &Ctx,
    actor: &Identity,
    page: PageRequest,
) -> Result<ListResponse<ContractView>, ApiError> {
    let found = contracts::page_visible(&ctx.db, visible_to(actor)?, page).await?;
    let today = ctx.clock.today();
    let mut items = Vec::with_capacity(found.items.len());
    for row in found.items {
        items.push(with_actions(actor, build_view(&ctx.db, row, today).await?));
    }
    Ok(ListResponse::new(items, found.total, page))
}
