//! `bank_keys`: each bank's signing keys; at most two are active at once (rotation).

use gpmall_platform::ids::BankId;
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "bank_keys")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub bank_id: BankId,
    pub key_id: String,
    /// The HMAC secret as hex, or the bank's SM2 public key as PEM.
    pub material: String,
    pub active: bool,
    pub created_at: DateTimeUtc,
    pub retired_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
