//! `guarantee_letters`: letters whose issuer signature verified, with their release, claim and
//! expiry. Business dates are `YYYY-MM-DD` text; money is fen.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "guarantee_letters")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub issuer_id: i64,
    pub letter_no: String,
    pub kind: String,
    pub beneficiary_org_id: i64,
    pub applicant_org_id: i64,
    pub amount_fen: i64,
    pub valid_from: String,
    pub valid_until: String,
    pub project_ref: Option<String>,
    pub signature: String,
    pub status: String,
    pub registered_by: i64,
    pub created_at: DateTimeUtc,
    pub released_on: Option<String>,
    pub release_note: Option<String>,
    pub expired_on: Option<String>,
    pub claim_amount_fen: Option<i64>,
    pub claim_reason: Option<String>,
    pub claimed_on: Option<String>,
    pub claim_result_on: Option<String>,
    pub claim_result_note: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}
