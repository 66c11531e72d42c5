//! Orders as their parties and supervisors see them: one order, and the lists.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use gpmall_platform::i18n::Text;
use gpmall_platform::identity::{Identity, OrgKind};
use gpmall_platform::pagination::{ListResponse, PageRequest};
use gpmall_platform::repo::paged;
use gpmall_platform::{ApiError, Ctx, Money};
use gpmall_settlement::service::order_links::{self, ContractRef};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::{Deserialize, Serialize};

use super::may_view;
use crate::domain::acceptance::AttachmentRef;
use crate::domain::order::OrderStatus;
use crate::entity::{acceptance, budget_line, category, order, order_line};

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OrderLineView {
    pub product_id: i64,
    pub product_name: String,
    /// The category's code; its names follow.
    pub category: String,
    pub category_name: String,
    pub category_name_en: String,
    pub unit: String,
    pub unit_price: Money,
    pub quantity: i64,
    pub line_total: Money,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AcceptanceView {
    pub result: String,
    pub acceptance_date: String,
    pub notes: String,
    pub attachments: Vec<AttachmentRef>,
    pub recorded_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OrderView {
    pub id: i64,
    pub order_no: String,
    pub purchaser_org_id: i64,
    pub purchaser_name: String,
    pub supplier_id: i64,
    pub supplier_name: String,
    pub budget_line_id: i64,
    /// The budget line's code, as the purchasing unit knows it.
    pub budget_line_code: String,
    pub total: Money,
    pub status: OrderStatus,
    /// The contract the order became when the supplier confirmed it.
    pub contract: Option<ContractRef>,
    pub delivery_address: String,
    pub note: String,
    pub cancel_reason: Option<String>,
    pub placed_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub lines: Vec<OrderLineView>,
    pub acceptance: Option<AcceptanceView>,
}

#[derive(Debug, Clone, Default)]
pub struct OrderFilter {
    pub status: Option<OrderStatus>,
    pub supplier_id: Option<i64>,
    pub budget_line_id: Option<i64>,
}

pub async fn get(ctx: &Ctx, actor: &Identity, id: i64) -> Result<OrderView, ApiError> {
    let found = order::Entity::find_by_id(id)
        .one(&ctx.db)
        .await?
        .filter(|o| may_view(actor, o))
        .ok_or_else(|| ApiError::not_found("order"))?;
    load_view(&ctx.db, found.id).await
}

/// Orders visible to the actor: its unit's, or those sent to its company; all for supervisors.
pub async fn list(
    ctx: &Ctx,
    actor: &Identity,
    filter: OrderFilter,
    page: PageRequest,
) -> Result<ListResponse<OrderView>, ApiError> {
    let mut condition = Condition::all();
    condition = match actor.org_kind {
        OrgKind::Purchaser => condition.add(order::Column::PurchaserOrgId.eq(actor.org_id)),
        OrgKind::Supplier => condition.add(order::Column::SupplierId.eq(actor.org_id)),
        OrgKind::Operator | OrgKind::Regulator => condition,
        OrgKind::Bank => {
            return Err(ApiError::refused(Text::new("msg.order.banks_see_none")));
        }
    };
    if let Some(status) = filter.status {
        condition = condition.add(order::Column::Status.eq(status.as_str()));
    }
    if let Some(supplier) = filter.supplier_id {
        condition = condition.add(order::Column::SupplierId.eq(supplier));
    }
    if let Some(line) = filter.budget_line_id {
        condition = condition.add(order::Column::BudgetLineId.eq(line));
    }
    let found = paged(&ctx.db, newest_first(condition), page).await?;
    let items = views_of(&ctx.db, found.items).await?;
    Ok(ListResponse::new(items, found.total, page))
}

/// The orders matching `condition`, newest first.
fn newest_first(condition: Condition) -> sea_orm::Select<order::Entity> {
    order::Entity::find()
        .filter(condition)
        .order_by_desc(order::Column::PlacedAt)
        .order_by_desc(order::Column::Id)
}

pub(super) async fn load_view<C: ConnectionTrait>(
    conn: &C,
    id: i64,
) -> Result<OrderView, ApiError> {
    let orders = newest_first(Condition::all().add(order::Column::Id.eq(id)))
        .all(conn)
        .await?;
    let mut views = views_of(conn, orders).await?;
    views.pop().ok_or_else(|| ApiError::not_found("order"))
}

/// What the views of a set of orders show besides the orders themselves, read once for all.
struct Related {
    lines: Vec<order_line::Model>,
    acceptances: Vec<acceptance::Model>,
    org_names: BTreeMap<i64, String>,
    budget_codes: BTreeMap<i64, String>,
    /// Category code → (Chinese name, English name).
    categories: BTreeMap<String, (String, String)>,
    contracts: BTreeMap<i64, ContractRef>,
}

impl Related {
    async fn load<C: ConnectionTrait>(conn: &C, orders: &[order::Model]) -> Result<Self, ApiError> {
        let ids: Vec<i64> = orders.iter().map(|o| o.id).collect();
        let lines = order_line::Entity::find()
            .filter(order_line::Column::OrderId.is_in(ids.clone()))
            .order_by_asc(order_line::Column::Id)
            .all(conn)
            .await?;
        let acceptances = acceptance::Entity::find()
            .filter(acceptance::Column::OrderId.is_in(ids.clone()))
            .all(conn)
            .await?;
        let mut org_ids: Vec<i64> = orders
            .iter()
            .flat_map(|o| [o.purchaser_org_id, o.supplier_id])
            .collect();
        org_ids.sort_unstable();
        org_ids.dedup();
        let org_names = gpmall_platform::entity::organization::Entity::find()
            .filter(gpmall_platform::entity::organization::Column::Id.is_in(org_ids))
            .all(conn)
            .await?
            .into_iter()
            .map(|o| (o.id, o.name))
            .collect();
        let budget_codes = budget_line::Entity::find()
            .filter(budget_line::Column::Id.is_in(orders.iter().map(|o| o.budget_line_id)))
            .all(conn)
            .await?
            .into_iter()
            .map(|b| (b.id, b.code))
            .collect();
        let mut codes: Vec<String> = lines.iter().map(|l| l.category_code.clone()).collect();
        codes.sort_unstable();
        codes.dedup();
        let categories = category::Entity::find()
            .filter(category::Column::Code.is_in(codes))
            .all(conn)
            .await?
            .into_iter()
            .map(|c| (c.code, (c.name, c.name_en)))
            .collect();
        let contracts = order_links::contracts_of_orders(conn, &ids).await?;
        Ok(Related {
            lines,
            acceptances,
            org_names,
            budget_codes,
            categories,
            contracts,
        })
    }

    fn line_view(&self, l: &order_line::Model) -> OrderLineView {
        let names = self.categories.get(&l.category_code);
        OrderLineView {
            product_id: l.product_id,
            product_name: l.product_name.clone(),
            category: l.category_code.clone(),
            category_name: names.map(|(zh, _)| zh.clone()).unwrap_or_default(),
            category_name_en: names.map(|(_, en)| en.clone()).unwrap_or_default(),
            unit: l.unit.clone(),
            unit_price: Money::from_fen(l.unit_price_fen),
            quantity: l.quantity,
            line_total: Money::from_fen(l.line_total_fen),
        }
    }

    fn view(&self, o: order::Model) -> Result<OrderView, ApiError> {
        let name = |id: i64| self.org_names.get(&id).cloned().unwrap_or_default();
        Ok(OrderView {
            id: o.id,
            purchaser_name: name(o.purchaser_org_id),
            supplier_name: name(o.supplier_id),
            lines: self
                .lines
                .iter()
                .filter(|l| l.order_id == o.id)
                .map(|l| self.line_view(l))
                .collect(),
            acceptance: self
                .acceptances
                .iter()
                .find(|a| a.order_id == o.id)
                .map(acceptance_view)
                .transpose()?,
            status: OrderStatus::stored(&o.status)?,
            order_no: o.order_no,
            purchaser_org_id: o.purchaser_org_id,
            supplier_id: o.supplier_id,
            budget_line_id: o.budget_line_id,
            budget_line_code: self
                .budget_codes
                .get(&o.budget_line_id)
                .cloned()
                .unwrap_or_default(),
            total: Money::from_fen(o.total_fen),
            contract: self.contracts.get(&o.id).cloned(),
            delivery_address: o.delivery_address,
            note: o.note,
            cancel_reason: o.cancel_reason,
            placed_at: o.placed_at,
            updated_at: o.updated_at,
        })
    }
}

/// The views of these orders, in their order.
async fn views_of<C: ConnectionTrait>(
    conn: &C,
    orders: Vec<order::Model>,
) -> Result<Vec<OrderView>, ApiError> {
    if orders.is_empty() {
        return Ok(Vec::new());
    }
    let related = Related::load(conn, &orders).await?;
    orders.into_iter().map(|o| related.view(o)).collect()
}

/// The acceptance record as stored; attachments that are not the JSON list written at
/// acceptance are an error, not an empty list.
fn acceptance_view(a: &acceptance::Model) -> Result<AcceptanceView, ApiError> {
    let attachments = serde_json::from_str(&a.attachments).map_err(|e| {
        ApiError::internal(format!(
            "unreadable stored attachments of order {}: {e}",
            a.order_id
        ))
    })?;
    Ok(AcceptanceView {
        result: a.result.clone(),
        acceptance_date: a.acceptance_date.clone(),
        notes: a.notes.clone(),
        attachments,
        recorded_at: a.recorded_at,
    })
}
