//! The cart's lines with what the cart page shows of their products and suppliers.

use gpmall_platform::db::{query_all, stmt};
use gpmall_platform::{ApiError, Money};
use sea_orm::ConnectionTrait;

use crate::domain::product::ProductStatus;

/// A cart line and its product as it is now.
pub struct CartRow {
    pub product_id: i64,
    pub quantity: i64,
    pub name: String,
    pub unit: String,
    pub price: Money,
    pub stock: i64,
    pub status: ProductStatus,
    pub supplier_id: i64,
    pub supplier_name: String,
    /// The supplier's credit status (`good` when it may trade).
    pub credit_status: String,
}

/// The user's cart lines, by supplier name, then oldest first.
pub async fn lines<C: ConnectionTrait>(conn: &C, user_id: i64) -> Result<Vec<CartRow>, ApiError> {
    let rows = query_all(
        conn,
        stmt(
            conn.get_database_backend(),
            "SELECT ci.product_id, ci.quantity, p.name, p.unit, p.price_fen, p.stock, p.status, \
             p.supplier_id, o.name AS supplier_name, o.credit_status \
             FROM cart_items ci JOIN products p ON p.id = ci.product_id \
             JOIN organizations o ON o.id = p.supplier_id \
             WHERE ci.user_id = ? ORDER BY o.name, ci.added_at, ci.product_id",
            [user_id.into()],
        ),
    )
    .await?;
    rows.iter()
        .map(|row| {
            Ok(CartRow {
                product_id: row.try_get("", "product_id")?,
                quantity: row.try_get("", "quantity")?,
                name: row.try_get("", "name")?,
                unit: row.try_get("", "unit")?,
                price: Money::from_fen(row.try_get("", "price_fen")?),
                stock: row.try_get("", "stock")?,
                status: ProductStatus::stored(&row.try_get::<String>("", "status")?)?,
                supplier_id: row.try_get("", "supplier_id")?,
                supplier_name: row.try_get("", "supplier_name")?,
                credit_status: row.try_get("", "credit_status")?,
            })
        })
        .collect()
}
