//! The cart: one per purchaser user, shown with totals per supplier.

use std::collections::BTreeMap;

use gpmall_platform::i18n::Text;
use gpmall_platform::identity::{Identity, OrgKind, Role};
use gpmall_platform::{ApiError, Ctx, Money};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, QueryFilter, Set, TransactionTrait,
};
use serde::{Deserialize, Serialize};

use crate::domain::product::ProductStatus;
use crate::entity::cart_item;

pub const MAX_QUANTITY: i64 = 100_000;

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CartLine {
    pub product_id: i64,
    pub name: String,
    pub unit: String,
    pub price: Money,
    pub quantity: i64,
    pub line_total: Money,
    /// False when the product was delisted or its stock no longer covers the quantity.
    pub available: bool,
    pub stock: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CartSupplierGroup {
    pub supplier_id: i64,
    pub supplier_name: String,
    pub lines: Vec<CartLine>,
    pub subtotal: Money,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CartView {
    pub suppliers: Vec<CartSupplierGroup>,
    pub total: Money,
    pub item_count: i64,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CartItemInput {
    #[schema(minimum = 1)]
    pub product_id: i64,
    #[schema(minimum = 1, maximum = 100_000)]
    pub quantity: i64,
}

fn require_buyer(actor: &Identity) -> Result<(), ApiError> {
    if actor.org_kind != OrgKind::Purchaser {
        return Err(ApiError::refused(Text::new("msg.cart.purchasers_only")));
    }
    actor.require_role(Role::Buyer)
}

pub fn check_quantity(quantity: i64) -> Result<(), ApiError> {
    if quantity <= 0 {
        return Err(ApiError::invalid(Text::new("msg.cart.quantity_min")));
    }
    if quantity > MAX_QUANTITY {
        return Err(ApiError::invalid(
            Text::new("msg.cart.quantity_max").arg("max", MAX_QUANTITY),
        ));
    }
    Ok(())
}

/// Adds to the cart, or sets the quantity when `replace`.
pub async fn put(
    ctx: &Ctx,
    actor: &Identity,
    input: CartItemInput,
    replace: bool,
) -> Result<CartView, ApiError> {
    require_buyer(actor)?;
    check_quantity(input.quantity)?;
    crate::service::catalog::get_listed_product(ctx, input.product_id).await?;
    // The line and the check of the totals it makes commit together, or not at all.
    let txn = ctx.db.begin().await?;
    let row = cart_item::ActiveModel {
        user_id: Set(actor.user_id),
        product_id: Set(input.product_id),
        quantity: Set(input.quantity),
        added_at: Set(ctx.clock.now()),
    };
    let mut on_conflict =
        OnConflict::columns([cart_item::Column::UserId, cart_item::Column::ProductId]);
    if replace {
        on_conflict.update_column(cart_item::Column::Quantity);
    } else {
        on_conflict.value(
            cart_item::Column::Quantity,
            sea_orm::sea_query::Expr::col((cart_item::Entity, cart_item::Column::Quantity))
                .add(input.quantity),
        );
    }
    cart_item::Entity::insert(row)
        .on_conflict(on_conflict.to_owned())
        .exec_without_returning(&txn)
        .await?;
    let cart = view_in(&txn, actor).await?;
    txn.commit().await?;
    Ok(cart)
}

pub async fn remove(ctx: &Ctx, actor: &Identity, product_id: i64) -> Result<CartView, ApiError> {
    require_buyer(actor)?;
    cart_item::Entity::delete_many()
        .filter(cart_item::Column::UserId.eq(actor.user_id))
        .filter(cart_item::Column::ProductId.eq(product_id))
        .exec(&ctx.db)
        .await?;
    view(ctx, actor).await
}

pub async fn view(ctx: &Ctx, actor: &Identity) -> Result<CartView, ApiError> {
    view_in(&ctx.db, actor).await
}

/// The cart as `conn` sees it; a total beyond [`Money::MAX`] is refused.
async fn view_in<C: ConnectionTrait>(conn: &C, actor: &Identity) -> Result<CartView, ApiError> {
    require_buyer(actor)?;
    let too_large = || ApiError::amount_above_max(Text::new("msg.cart.above_max"));
    let mut groups: BTreeMap<i64, CartSupplierGroup> = BTreeMap::new();
    let mut total = Money::ZERO;
    let mut item_count = 0;
    for row in crate::repo::cart::lines(conn, actor.user_id).await? {
        let line_total = row.price.checked_mul(row.quantity).ok_or_else(too_large)?;
        let group = groups.entry(row.supplier_id).or_insert(CartSupplierGroup {
            supplier_id: row.supplier_id,
            supplier_name: row.supplier_name,
            lines: Vec::new(),
            subtotal: Money::ZERO,
        });
        group.subtotal = group
            .subtotal
            .checked_add(line_total)
            .ok_or_else(too_large)?;
        total = total.checked_add(line_total).ok_or_else(too_large)?;
        item_count += row.quantity;
        group.lines.push(CartLine {
            product_id: row.product_id,
            name: row.name,
            unit: row.unit,
            price: row.price,
            quantity: row.quantity,
            line_total,
            available: row.status == ProductStatus::Listed
                && row.credit_status == "good"
                && row.stock >= row.quantity,
            stock: row.stock,
        });
    }
    Ok(CartView {
        suppliers: groups.into_values().collect(),
        total,
        item_count,
    })
}
