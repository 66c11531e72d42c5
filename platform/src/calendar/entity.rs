//! `calendar_years`: the years an operator uploaded, one row per year.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "calendar_years")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub year: i32,
    /// `{"holidays":["YYYY-MM-DD",…],"workdays":[…]}`.
    pub schedule: String,
    pub source: String,
    pub uploaded_by: Option<i64>,
    pub uploaded_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
