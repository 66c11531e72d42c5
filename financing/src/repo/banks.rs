//! Partner banks, their keys and their loan products.

use chrono::{DateTime, Utc};
use gpmall_platform::entity::organization;
use gpmall_platform::ids::{BankId, LoanProductId, OrgId, UserId};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};

use crate::entity::{bank_key, bank_partner, loan_product};

/// A bank as registered, with its organization's name.
#[derive(Debug, Clone)]
pub struct BankRow {
    pub bank: bank_partner::Model,
    pub name: String,
    pub credit_code: Option<String>,
}

pub struct NewBankRow<'a> {
    pub name: &'a str,
    pub credit_code: &'a str,
    pub region: &'a str,
    pub code: &'a str,
    pub base_url: &'a str,
    pub scheme: &'a str,
    pub created_by: UserId,
}

/// Inserts the bank's organization and its partner record.
pub async fn insert<C: ConnectionTrait>(
    conn: &C,
    new: NewBankRow<'_>,
    now: DateTime<Utc>,
) -> Result<bank_partner::Model, DbErr> {
    let org = organization::ActiveModel {
        kind: Set("bank".to_owned()),
        name: Set(new.name.to_owned()),
        credit_code: Set(Some(new.credit_code.to_owned())),
        enterprise_size: Set(None),
        credit_status: Set("good".to_owned()),
        region: Set(new.region.to_owned()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    bank_partner::ActiveModel {
        org_id: Set(OrgId(org.id)),
        code: Set(new.code.to_owned()),
        base_url: Set(new.base_url.to_owned()),
        scheme: Set(new.scheme.to_owned()),
        created_by: Set(new.created_by),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await
}

/// Whether an organization of this name or credit code, or a bank of this code, exists.
pub async fn taken<C: ConnectionTrait>(
    conn: &C,
    name: &str,
    credit_code: &str,
    code: &str,
) -> Result<bool, DbErr> {
    let org = organization::Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(organization::Column::Name.eq(name))
                .add(organization::Column::CreditCode.eq(credit_code)),
        )
        .one(conn)
        .await?;
    let bank = bank_partner::Entity::find()
        .filter(bank_partner::Column::Code.eq(code))
        .one(conn)
        .await?;
    Ok(org.is_some() || bank.is_some())
}

async fn with_names<C: ConnectionTrait>(
    conn: &C,
    banks: Vec<bank_partner::Model>,
) -> Result<Vec<BankRow>, DbErr> {
    let orgs: std::collections::HashMap<i64, organization::Model> = organization::Entity::find()
        .filter(organization::Column::Id.is_in(banks.iter().map(|b| b.org_id.get())))
        .all(conn)
        .await?
        .into_iter()
        .map(|o| (o.id, o))
        .collect();
    Ok(banks
        .into_iter()
        .map(|bank| {
            let org = orgs.get(&bank.org_id.get());
            BankRow {
                name: org.map(|o| o.name.clone()).unwrap_or_default(),
                credit_code: org.and_then(|o| o.credit_code.clone()),
                bank,
            }
        })
        .collect())
}

/// Every bank, by code.
pub async fn all<C: ConnectionTrait>(conn: &C) -> Result<Vec<BankRow>, DbErr> {
    let banks = bank_partner::Entity::find()
        .order_by_asc(bank_partner::Column::Code)
        .all(conn)
        .await?;
    with_names(conn, banks).await
}

pub async fn get<C: ConnectionTrait>(conn: &C, id: BankId) -> Result<Option<BankRow>, DbErr> {
    let Some(bank) = bank_partner::Entity::find_by_id(id).one(conn).await? else {
        return Ok(None);
    };
    Ok(with_names(conn, vec![bank]).await?.pop())
}

/// The bank whose organization this is.
pub async fn of_org<C: ConnectionTrait>(
    conn: &C,
    org_id: OrgId,
) -> Result<Option<bank_partner::Model>, DbErr> {
    bank_partner::Entity::find()
        .filter(bank_partner::Column::OrgId.eq(org_id))
        .one(conn)
        .await
}

// ---------------------------------------------------------------------------------------------
// Keys

/// Every key of these banks, active and retired, oldest first.
pub async fn keys<C: ConnectionTrait>(
    conn: &C,
    banks: &[BankId],
) -> Result<Vec<bank_key::Model>, DbErr> {
    bank_key::Entity::find()
        .filter(bank_key::Column::BankId.is_in(banks.iter().map(|b| b.get())))
        .order_by_asc(bank_key::Column::Id)
        .all(conn)
        .await
}

pub async fn key_id_taken<C: ConnectionTrait>(conn: &C, key_id: &str) -> Result<bool, DbErr> {
    Ok(bank_key::Entity::find()
        .filter(bank_key::Column::KeyId.eq(key_id))
        .one(conn)
        .await?
        .is_some())
}

pub async fn insert_key<C: ConnectionTrait>(
    conn: &C,
    bank_id: BankId,
    key_id: &str,
    material: &str,
    now: DateTime<Utc>,
) -> Result<bank_key::Model, DbErr> {
    bank_key::ActiveModel {
        bank_id: Set(bank_id),
        key_id: Set(key_id.to_owned()),
        material: Set(material.to_owned()),
        active: Set(true),
        created_at: Set(now),
        retired_at: Set(None),
        ..Default::default()
    }
    .insert(conn)
    .await
}

/// Retires an active key of the bank; false if it was not active there.
pub async fn retire_key<C: ConnectionTrait>(
    conn: &C,
    bank_id: BankId,
    key_row: i64,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let changed = bank_key::Entity::update_many()
        .col_expr(bank_key::Column::Active, Expr::value(false))
        .col_expr(bank_key::Column::RetiredAt, Expr::value(now))
        .filter(bank_key::Column::Id.eq(key_row))
        .filter(bank_key::Column::BankId.eq(bank_id))
        .filter(bank_key::Column::Active.eq(true))
        .exec(conn)
        .await?;
    Ok(changed.rows_affected == 1)
}

// ---------------------------------------------------------------------------------------------
// Products

pub struct NewProductRow<'a> {
    pub bank_id: BankId,
    pub code: &'a str,
    pub name: &'a str,
    pub max_amount_fen: i64,
    pub max_share_ppm: i64,
    pub rate_min_ppm: i64,
    pub rate_max_ppm: i64,
    pub term_min_months: i32,
    pub term_max_months: i32,
    pub eligible_sizes: &'a str,
}

pub async fn product_code_taken<C: ConnectionTrait>(
    conn: &C,
    bank_id: BankId,
    code: &str,
) -> Result<bool, DbErr> {
    Ok(loan_product::Entity::find()
        .filter(loan_product::Column::BankId.eq(bank_id))
        .filter(loan_product::Column::Code.eq(code))
        .one(conn)
        .await?
        .is_some())
}

pub async fn insert_product<C: ConnectionTrait>(
    conn: &C,
    new: NewProductRow<'_>,
    now: DateTime<Utc>,
) -> Result<loan_product::Model, DbErr> {
    loan_product::ActiveModel {
        bank_id: Set(new.bank_id),
        code: Set(new.code.to_owned()),
        name: Set(new.name.to_owned()),
        max_amount_fen: Set(new.max_amount_fen),
        max_share_ppm: Set(new.max_share_ppm),
        rate_min_ppm: Set(new.rate_min_ppm),
        rate_max_ppm: Set(new.rate_max_ppm),
        term_min_months: Set(new.term_min_months),
        term_max_months: Set(new.term_max_months),
        eligible_sizes: Set(new.eligible_sizes.to_owned()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await
}

/// Every product, by bank and code.
pub async fn products<C: ConnectionTrait>(conn: &C) -> Result<Vec<loan_product::Model>, DbErr> {
    loan_product::Entity::find()
        .order_by_asc(loan_product::Column::BankId)
        .order_by_asc(loan_product::Column::Code)
        .all(conn)
        .await
}

pub async fn product<C: ConnectionTrait>(
    conn: &C,
    id: LoanProductId,
) -> Result<Option<loan_product::Model>, DbErr> {
    loan_product::Entity::find_by_id(id).one(conn).await
}
