//! Budget lines of purchasing units: created and adjusted by the operator or the unit's
//! finance role; every adjustment recorded with its reason and audited. A unit's staff see its
//! own lines; the operator and the regulator see every unit's (budget disclosure).

use gpmall_platform::audit::{self, AuditEntry};
use gpmall_platform::entity::organization;
use gpmall_platform::i18n::Text;
use gpmall_platform::identity::{Identity, OrgKind, Role};
use gpmall_platform::pagination::{ListResponse, PageRequest};
use gpmall_platform::text::{clean_name, clean_note};
use gpmall_platform::{ApiError, Ctx, Money};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, TransactionTrait,
};
use serde::{Deserialize, Serialize};

use crate::entity::{budget_adjustment, budget_line};

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BudgetLineView {
    pub id: i64,
    pub org_id: i64,
    /// The purchasing unit's name.
    #[serde(default)]
    pub org_name: String,
    pub code: String,
    pub fiscal_year: i32,
    pub fund_source: String,
    pub amount: Money,
    pub remaining: Money,
}

impl From<budget_line::Model> for BudgetLineView {
    fn from(b: budget_line::Model) -> Self {
        BudgetLineView {
            id: b.id,
            org_id: b.org_id,
            org_name: String::new(),
            code: b.code,
            fiscal_year: b.fiscal_year,
            fund_source: b.fund_source,
            amount: Money::from_fen(b.amount_fen),
            remaining: Money::from_fen(b.remaining_fen),
        }
    }
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewBudgetLine {
    /// The purchasing unit; the operator must name it, a finance officer may omit it (own unit).
    pub org_id: Option<i64>,
    pub code: String,
    pub fiscal_year: i32,
    pub fund_source: String,
    pub amount: Money,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BudgetAdjustment {
    /// Signed change of the amount (and of what remains), e.g. "-5000.00".
    pub delta: Money,
    pub reason: String,
}

/// Which purchasing units `actor` may manage budgets for.
fn may_manage(actor: &Identity, org_id: i64) -> bool {
    actor.has_role(Role::Operator)
        || (actor.org_kind == OrgKind::Purchaser
            && actor.has_role(Role::Finance)
            && actor.org_id == org_id)
}

impl BudgetLineView {
    /// What has been spent or reserved by orders.
    pub fn spent(&self) -> Money {
        self.amount
            .checked_sub(self.remaining)
            .unwrap_or(Money::ZERO)
    }

    /// Whether less than a tenth of the line is left.
    pub fn nearly_used(&self) -> bool {
        self.amount.is_positive() && self.remaining.fen().saturating_mul(10) < self.amount.fen()
    }
}

/// The caller's own unit's lines (for checkout and the unit's budget page).
pub async fn list(ctx: &Ctx, actor: &Identity) -> Result<Vec<BudgetLineView>, ApiError> {
    if actor.org_kind != OrgKind::Purchaser {
        return Err(ApiError::refused(Text::new("msg.budget.purchasers_only")));
    }
    let mut lines: Vec<BudgetLineView> = budget_line::Entity::find()
        .filter(budget_line::Column::OrgId.eq(actor.org_id))
        .order_by_desc(budget_line::Column::FiscalYear)
        .order_by_asc(budget_line::Column::Code)
        .all(&ctx.db)
        .await?
        .into_iter()
        .map(BudgetLineView::from)
        .collect();
    for line in &mut lines {
        line.org_name = actor.org_name.clone();
    }
    Ok(lines)
}

/// Which lines a listing asks for.
#[derive(Debug, Clone, Default)]
pub struct BudgetFilter {
    /// One purchasing unit (the operator and the regulator; others see only their own).
    pub org_id: Option<i64>,
    pub fiscal_year: Option<i32>,
}

/// Budget lines as the caller may see them, a page at a time, each with its unit's name: a
/// purchasing unit's own; every unit's for the operator and the regulator.
pub async fn search(
    ctx: &Ctx,
    actor: &Identity,
    filter: BudgetFilter,
    page: PageRequest,
) -> Result<ListResponse<BudgetLineView>, ApiError> {
    let mut query = budget_line::Entity::find();
    match actor.org_kind {
        OrgKind::Purchaser => {
            query = query.filter(budget_line::Column::OrgId.eq(actor.org_id));
        }
        OrgKind::Operator | OrgKind::Regulator => {
            if let Some(org) = filter.org_id {
                query = query.filter(budget_line::Column::OrgId.eq(org));
            }
        }
        OrgKind::Supplier | OrgKind::Bank => {
            return Err(ApiError::refused(Text::new("msg.budget.not_yours")));
        }
    }
    if let Some(year) = filter.fiscal_year {
        query = query.filter(budget_line::Column::FiscalYear.eq(year));
    }
    let total = query.clone().count(&ctx.db).await?;
    let mut items: Vec<BudgetLineView> = query
        .order_by_desc(budget_line::Column::FiscalYear)
        .order_by_asc(budget_line::Column::OrgId)
        .order_by_asc(budget_line::Column::Code)
        .offset(page.offset())
        .limit(page.per_page)
        .all(&ctx.db)
        .await?
        .into_iter()
        .map(BudgetLineView::from)
        .collect();
    let names = unit_names(ctx, items.iter().map(|l| l.org_id).collect()).await?;
    for item in &mut items {
        item.org_name = names.get(&item.org_id).cloned().unwrap_or_default();
    }
    Ok(ListResponse::new(items, total, page))
}

async fn unit_names(
    ctx: &Ctx,
    ids: Vec<i64>,
) -> Result<std::collections::HashMap<i64, String>, ApiError> {
    Ok(organization::Entity::find()
        .filter(organization::Column::Id.is_in(ids))
        .all(&ctx.db)
        .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect())
}

/// A purchasing unit the operator can create budget lines for.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PurchasingUnit {
    pub id: i64,
    pub name: String,
}

/// Every purchasing unit by name (operator and regulator).
pub async fn purchasing_units(
    ctx: &Ctx,
    actor: &Identity,
) -> Result<Vec<PurchasingUnit>, ApiError> {
    if !matches!(actor.org_kind, OrgKind::Operator | OrgKind::Regulator) {
        return Err(ApiError::refused(Text::new("msg.budget.not_yours")));
    }
    Ok(organization::Entity::find()
        .filter(organization::Column::Kind.eq(OrgKind::Purchaser.as_str()))
        .order_by_asc(organization::Column::Name)
        .all(&ctx.db)
        .await?
        .into_iter()
        .map(|o| PurchasingUnit {
            id: o.id,
            name: o.name,
        })
        .collect())
}

/// One adjustment of a budget line, with who made it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AdjustmentView {
    pub delta: Money,
    pub reason: String,
    pub by: String,
    pub at: chrono::DateTime<chrono::Utc>,
}

/// A budget line with its adjustments, newest first.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BudgetLineDetail {
    #[serde(flatten)]
    pub line: BudgetLineView,
    pub adjustments: Vec<AdjustmentView>,
}

/// One budget line visible to the caller (its unit's staff, the operator, the regulator).
pub async fn detail(ctx: &Ctx, actor: &Identity, id: i64) -> Result<BudgetLineDetail, ApiError> {
    let line = budget_line::Entity::find_by_id(id)
        .one(&ctx.db)
        .await?
        .filter(|b| {
            matches!(actor.org_kind, OrgKind::Operator | OrgKind::Regulator)
                || (actor.org_kind == OrgKind::Purchaser && b.org_id == actor.org_id)
        })
        .ok_or_else(|| ApiError::not_found("budget line"))?;
    let adjustments = budget_adjustment::Entity::find()
        .filter(budget_adjustment::Column::BudgetLineId.eq(id))
        .order_by_desc(budget_adjustment::Column::Id)
        .all(&ctx.db)
        .await?;
    let users: std::collections::HashMap<i64, String> =
        gpmall_platform::entity::user::Entity::find()
            .filter(
                gpmall_platform::entity::user::Column::Id.is_in(
                    adjustments
                        .iter()
                        .map(|a| a.actor_user_id)
                        .collect::<Vec<_>>(),
                ),
            )
            .all(&ctx.db)
            .await?
            .into_iter()
            .map(|u| (u.id, u.display_name))
            .collect();
    let names = unit_names(ctx, vec![line.org_id]).await?;
    let mut view = BudgetLineView::from(line);
    view.org_name = names.get(&view.org_id).cloned().unwrap_or_default();
    Ok(BudgetLineDetail {
        line: view,
        adjustments: adjustments
            .into_iter()
            .map(|a| AdjustmentView {
                delta: Money::from_fen(a.delta_fen),
                reason: a.reason,
                by: users.get(&a.actor_user_id).cloned().unwrap_or_default(),
                at: a.created_at,
            })
            .collect(),
    })
}

/// A budget line visible to `actor` (its own unit's, or any for the operator).
pub async fn get<C: ConnectionTrait>(
    conn: &C,
    actor: &Identity,
    id: i64,
) -> Result<budget_line::Model, ApiError> {
    budget_line::Entity::find_by_id(id)
        .one(conn)
        .await?
        .filter(|b| actor.has_role(Role::Operator) || b.org_id == actor.org_id)
        .ok_or_else(|| ApiError::not_found("budget line"))
}

pub async fn create(
    ctx: &Ctx,
    actor: &Identity,
    input: NewBudgetLine,
) -> Result<BudgetLineView, ApiError> {
    let org_id = match (input.org_id, actor.has_role(Role::Operator)) {
        (Some(id), _) => id,
        (None, false) => actor.org_id,
        (None, true) => return Err(ApiError::invalid(Text::new("msg.budget.unit_required"))),
    };
    if !may_manage(actor, org_id) {
        return Err(ApiError::refused(Text::new("msg.budget.managers_only")));
    }
    let org = organization::Entity::find_by_id(org_id)
        .one(&ctx.db)
        .await?
        .filter(|o| o.kind == OrgKind::Purchaser.as_str())
        .ok_or_else(|| ApiError::invalid(Text::new("msg.budget.not_a_purchaser")))?;
    let code = clean_name("field.budget_code", &input.code, 64)?;
    let code = code.as_str();
    let fund_source = clean_name("field.fund_source", &input.fund_source, 100)?;
    let fund_source = fund_source.as_str();
    // Budgets are drawn up for this year or the next; last year's may still be closed.
    let this_year = ctx.clock.fiscal_year();
    gpmall_platform::dates::year_within(
        gpmall_platform::dates::Field::new("fiscal_year", "field.fiscal_year"),
        input.fiscal_year,
        this_year - 1,
        this_year + 1,
    )?;
    if !input.amount.is_positive() {
        return Err(ApiError::invalid(Text::new("msg.budget.amount_positive")));
    }
    let now = ctx.clock.now();
    let txn = ctx.db.begin().await?;
    let exists = budget_line::Entity::find()
        .filter(budget_line::Column::OrgId.eq(org.id))
        .filter(budget_line::Column::Code.eq(code))
        .filter(budget_line::Column::FiscalYear.eq(input.fiscal_year))
        .one(&txn)
        .await?;
    if exists.is_some() {
        return Err(ApiError::conflicting(
            "BUDGET_LINE_EXISTS",
            Text::new("msg.budget.exists")
                .arg("line", code)
                .arg("year", input.fiscal_year),
        ));
    }
    let saved = budget_line::ActiveModel {
        org_id: Set(org.id),
        code: Set(code.to_owned()),
        fiscal_year: Set(input.fiscal_year),
        fund_source: Set(fund_source.to_owned()),
        amount_fen: Set(input.amount.fen()),
        remaining_fen: Set(input.amount.fen()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let view = BudgetLineView::from(saved);
    audit::record(
        &txn,
        AuditEntry {
            actor: Some(actor),
            action: "budget_line.created",
            subject_type: "budget_line",
            subject_id: view.id.to_string(),
            before: None,
            after: serde_json::to_value(&view).ok(),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(view)
}

/// Adjusts a line by `delta`; a cut may not take what remains below zero.
pub async fn adjust(
    ctx: &Ctx,
    actor: &Identity,
    id: i64,
    input: BudgetAdjustment,
) -> Result<BudgetLineView, ApiError> {
    let reason = clean_note("field.reason", &input.reason, 500)?;
    if reason.is_empty() {
        return Err(ApiError::invalid(Text::new("msg.budget.reason_required")));
    }
    let reason = reason.as_str();
    if input.delta == Money::ZERO {
        return Err(ApiError::invalid(Text::new("msg.budget.delta_zero")));
    }
    let now = ctx.clock.now();
    let txn = ctx.db.begin().await?;
    let before = get(&txn, actor, id).await?;
    if !may_manage(actor, before.org_id) {
        return Err(ApiError::refused(Text::new("msg.budget.managers_only")));
    }
    let delta = input.delta.fen();
    let too_large = |amount_fen: i64| {
        ApiError::amount_above_max(
            Text::new("msg.budget.above_max").money("amount", Money::from_fen(amount_fen)),
        )
    };
    // The bound is in the statement as well, so a concurrent raise cannot pass it either.
    let changed = crate::repo::budgets::adjust(&txn, id, delta).await?;
    if !changed {
        let current = get(&txn, actor, id).await?;
        if Money::bounded(current.amount_fen.saturating_add(delta)).is_none() {
            return Err(too_large(current.amount_fen));
        }
        return Err(ApiError::conflicting(
            "BUDGET_EXCEEDED",
            Text::new("msg.budget.cut_exceeds_remaining")
                .money("cut", Money::from_fen(delta.saturating_neg()))
                .money("left", Money::from_fen(before.remaining_fen)),
        ));
    }
    budget_adjustment::ActiveModel {
        budget_line_id: Set(id),
        delta_fen: Set(delta),
        reason: Set(reason.to_owned()),
        actor_user_id: Set(actor.user_id),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let after = budget_line::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| ApiError::not_found("budget line"))?;
    audit::record(
        &txn,
        AuditEntry {
            actor: Some(actor),
            action: "budget_line.adjusted",
            subject_type: "budget_line",
            subject_id: id.to_string(),
            before: serde_json::to_value(BudgetLineView::from(before)).ok(),
            after: Some(serde_json::json!({
                "line": BudgetLineView::from(after.clone()),
                "delta": input.delta,
                "reason": reason,
            })),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(after.into())
}
