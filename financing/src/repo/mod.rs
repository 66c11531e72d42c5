//! Financing's persistence: typed reads and writes over the entities, in the caller's
//! connection or transaction; services see domain types and models, never SQL.

pub mod applications;
pub mod banks;

use std::collections::HashMap;

use gpmall_platform::entity::organization;
use gpmall_platform::ids::OrgId;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

/// The names of the organizations with these ids.
pub async fn org_names<C: ConnectionTrait>(
    conn: &C,
    ids: impl IntoIterator<Item = OrgId>,
) -> Result<HashMap<OrgId, String>, DbErr> {
    let ids: Vec<i64> = ids.into_iter().map(OrgId::get).collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(organization::Entity::find()
        .filter(organization::Column::Id.is_in(ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|o| (OrgId(o.id), o.name))
        .collect())
}
