//! `loan_products`: a bank's credit products for procurement contracts.

use gpmall_platform::ids::{BankId, LoanProductId};
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "loan_products")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: LoanProductId,
    pub bank_id: BankId,
    pub code: String,
    pub name: String,
    pub max_amount_fen: i64,
    pub max_share_ppm: i64,
    pub rate_min_ppm: i64,
    pub rate_max_ppm: i64,
    pub term_min_months: i32,
    pub term_max_months: i32,
    /// Comma-separated enterprise sizes (`small,micro`).
    pub eligible_sizes: String,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
