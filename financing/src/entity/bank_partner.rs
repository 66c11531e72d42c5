//! `bank_partners`: the banks the operator registered, with the only base URL gpmall calls.

use gpmall_platform::ids::{BankId, OrgId, UserId};
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "bank_partners")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: BankId,
    pub org_id: OrgId,
    pub code: String,
    pub base_url: String,
    pub scheme: String,
    pub created_by: UserId,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
