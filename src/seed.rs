//! Demo data: the regulator, the central purchasing agency, three purchasing units with budget
//! lines, ten suppliers and several hundred listed products. Seeded on an empty embedded
//! database at start, or anywhere by `gpmall seed --demo`.

use std::sync::OnceLock;

use gpmall_mall::domain::search::index_tokens;
use gpmall_mall::entity::{budget_line, category, category_limit, product};
use gpmall_platform::Ctx;
use gpmall_platform::entity::{organization, user};
use gpmall_platform::identity::credit_code::CreditCode;
use gpmall_platform::identity::password::hash_password;
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, Set,
    TransactionTrait,
};

use crate::demo_data::{self, DemoSize};

pub const DEMO_PASSWORD: &str = "demo1234";

/// One argon2 hash of the demo password, computed once per process.
pub fn demo_password_hash() -> String {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| hash_password(DEMO_PASSWORD)).clone()
}

pub async fn is_empty(db: &DatabaseConnection) -> anyhow::Result<bool> {
    Ok(organization::Entity::find().count(db).await? == 0)
}

async fn org<C: ConnectionTrait>(
    conn: &C,
    kind: &str,
    name: &str,
    credit_code: Option<&str>,
    size: Option<&str>,
    region: &str,
    ctx: &Ctx,
) -> anyhow::Result<i64> {
    let saved = organization::ActiveModel {
        kind: Set(kind.to_owned()),
        name: Set(name.to_owned()),
        credit_code: Set(credit_code.map(str::to_owned)),
        enterprise_size: Set(size.map(str::to_owned)),
        credit_status: Set("good".to_owned()),
        region: Set(region.to_owned()),
        created_at: Set(ctx.clock.now()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(saved.id)
}

async fn login<C: ConnectionTrait>(
    conn: &C,
    org_id: i64,
    username: &str,
    display_name: &str,
    roles: &str,
    ctx: &Ctx,
) -> anyhow::Result<i64> {
    let saved = user::ActiveModel {
        org_id: Set(org_id),
        username: Set(username.to_owned()),
        display_name: Set(display_name.to_owned()),
        password_hash: Set(demo_password_hash()),
        roles: Set(roles.to_owned()),
        disabled: Set(false),
        created_at: Set(ctx.clock.now()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(saved.id)
}

fn size_name(size: &DemoSize) -> &'static str {
    match size {
        DemoSize::Large => "large",
        DemoSize::Medium => "medium",
        DemoSize::Small => "small",
        DemoSize::Micro => "micro",
    }
}

/// Seeds the demo organizations, users, catalogue and products in one transaction.
pub async fn demo(ctx: &Ctx) -> anyhow::Result<()> {
    let now = ctx.clock.now();
    let year = ctx.clock.fiscal_year();
    let txn = ctx.db.begin().await?;
    let regulator = org(
        &txn,
        "regulator",
        "重庆市江北区财政局",
        None,
        None,
        "重庆市江北区",
        ctx,
    )
    .await?;
    login(
        &txn,
        regulator,
        "regulator",
        "江北区财政局 采购监管科",
        "regulator",
        ctx,
    )
    .await?;
    let operator = org(
        &txn,
        "operator",
        "重庆市江北区公共资源交易中心（集中采购机构）",
        None,
        None,
        "重庆市江北区",
        ctx,
    )
    .await?;
    let operator_user = login(
        &txn,
        operator,
        "operator",
        "集中采购机构 商城运营",
        "operator",
        ctx,
    )
    .await?;

    for (i, c) in demo_data::categories().iter().enumerate() {
        category::ActiveModel {
            code: Set(c.code.to_owned()),
            name: Set(c.name.to_owned()),
            name_en: Set(c.name_en.to_owned()),
            parent_code: Set(c.parent.map(str::to_owned)),
            sort_order: Set(i as i32),
        }
        .insert(&txn)
        .await?;
        category_limit::ActiveModel {
            category_code: Set(c.code.to_owned()),
            fiscal_year: Set(year),
            direct_purchase_limit_fen: Set(c.direct_purchase_limit_yuan * 100),
        }
        .insert(&txn)
        .await?;
    }

    for purchaser in demo_data::purchasers() {
        let org_id = org(
            &txn,
            "purchaser",
            purchaser.org_name,
            None,
            None,
            "重庆市江北区",
            ctx,
        )
        .await?;
        login(
            &txn,
            org_id,
            purchaser.username,
            &format!("{} 采购员", purchaser.org_name),
            "buyer,finance",
            ctx,
        )
        .await?;
        for line in purchaser.budget_lines {
            budget_line::ActiveModel {
                org_id: Set(org_id),
                code: Set(line.code.to_owned()),
                fiscal_year: Set(year),
                fund_source: Set(line.fund_source.to_owned()),
                amount_fen: Set(line.amount_yuan * 100),
                remaining_fen: Set(line.amount_yuan * 100),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
        }
    }

    let mut supplier_ids = Vec::new();
    for supplier in demo_data::suppliers() {
        let code = CreditCode::parse(supplier.credit_code)
            .map_err(|e| anyhow::anyhow!("demo supplier {}: {e}", supplier.name))?;
        let org_id = org(
            &txn,
            "supplier",
            supplier.name,
            Some(code.as_str()),
            Some(size_name(&supplier.size)),
            supplier.region,
            ctx,
        )
        .await?;
        login(
            &txn,
            org_id,
            supplier.username,
            &format!("{} 销售", supplier.name),
            "seller",
            ctx,
        )
        .await?;
        let account_no = format!("5005{:012}", 100_000 + org_id * 7919);
        txn.execute_raw(gpmall_platform::db::stmt(
            txn.get_database_backend(),
            "INSERT INTO supplier_collection_accounts (supplier_id, account_name, bank_name, account_no, updated_at) \
             VALUES (?, ?, ?, ?, ?)",
            [
                org_id.into(),
                supplier.name.into(),
                "中国建设银行重庆江北支行".into(),
                account_no.into(),
                now.into(),
            ],
        ))
        .await?;
        supplier_ids.push(org_id);
    }

    let category_names: std::collections::HashMap<&str, &str> = demo_data::categories()
        .iter()
        .map(|c| (c.code, c.name))
        .collect();
    let rows: Vec<product::ActiveModel> = demo_data::products()
        .into_iter()
        .map(|p| {
            let category_name = category_names.get(p.category).copied().unwrap_or("");
            product::ActiveModel {
                supplier_id: Set(supplier_ids[p.supplier]),
                category_code: Set(p.category.to_owned()),
                search_tokens: Set(index_tokens(&[
                    &p.name,
                    p.brand,
                    &p.model,
                    category_name,
                    &p.specification,
                ])),
                name: Set(p.name),
                brand: Set(p.brand.to_owned()),
                model: Set(p.model),
                specification: Set(p.specification),
                unit: Set(p.unit.to_owned()),
                price_fen: Set(p.price_fen),
                reference_price_fen: Set(p.reference_price_fen),
                stock: Set(p.stock),
                delivery_regions: Set(p.delivery_regions.to_owned()),
                lead_days: Set(p.lead_days),
                status: Set("listed".to_owned()),
                status_reason: Set(None),
                price_flagged: Set(false),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
        })
        .collect();
    for chunk in rows.chunks(100) {
        product::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&txn)
            .await?;
    }
    gpmall_mall::repo::search::reindex_all(&txn).await?;
    gpmall_settlement::service::guarantees::seed_demo_issuers(&txn, now).await?;
    let banks = gpmall_financing::service::demo::seed_demo_banks(&txn, now, operator_user.into())
        .await
        .map_err(|e| {
            anyhow::anyhow!(
                "demo banks: {}",
                e.message_in(gpmall_platform::i18n::Lang::En)
            )
        })?;
    for bank in banks {
        login(
            &txn,
            bank.org_id.get(),
            bank.username,
            &format!("{} 政采贷对接", bank.name),
            "banker",
            ctx,
        )
        .await?;
    }
    txn.commit().await?;
    Ok(())
}
