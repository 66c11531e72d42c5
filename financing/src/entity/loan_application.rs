//! `loan_applications`: a supplier's application to a bank against one of its contracts.

use gpmall_platform::ids::{BankId, ContractId, LoanApplicationId, LoanProductId, OrgId, UserId};
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "loan_applications")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: LoanApplicationId,
    pub application_no: String,
    pub supplier_org_id: OrgId,
    pub contract_id: ContractId,
    /// The contract's number, as the bank receives it (contract numbers never change).
    pub contract_no: String,
    pub purchaser_org_id: OrgId,
    pub bank_id: BankId,
    pub product_id: LoanProductId,
    pub amount_fen: i64,
    pub term_months: i32,
    pub unpaid_at_application_fen: i64,
    pub status: String,
    pub consented_by: UserId,
    pub consented_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
