//! The contract each mall order became, for the order's pages and API (the mall asks here
//! rather than reading settlement's tables).

use std::collections::BTreeMap;

use gpmall_platform::ApiError;
use gpmall_platform::db::{query_all, stmt};
use sea_orm::{ConnectionTrait, Value};
use serde::{Deserialize, Serialize};

/// A contract as an order refers to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ContractRef {
    pub id: i64,
    pub contract_no: String,
}

/// The contracts of these orders, by order id (orders not yet confirmed have none).
pub async fn contracts_of_orders<C: ConnectionTrait>(
    conn: &C,
    order_ids: &[i64],
) -> Result<BTreeMap<i64, ContractRef>, ApiError> {
    if order_ids.is_empty() {
        return Ok(BTreeMap::new());
    }
    let placeholders = vec!["?"; order_ids.len()].join(", ");
    let values: Vec<Value> = order_ids.iter().map(|id| (*id).into()).collect();
    let rows = query_all(
        conn,
        stmt(
            conn.get_database_backend(),
            &format!(
                "SELECT id, order_id, contract_no FROM contracts WHERE order_id IN ({placeholders})"
            ),
            values,
        ),
    )
    .await?;
    let mut out = BTreeMap::new();
    for row in rows {
        let order_id: Option<i64> = row.try_get("", "order_id")?;
        if let Some(order_id) = order_id {
            out.insert(
                order_id,
                ContractRef {
                    id: row.try_get("", "id")?,
                    contract_no: row.try_get("", "contract_no")?,
                },
            );
        }
    }
    Ok(out)
}
