//! Categories and their direct-purchase limits per fiscal year.

use gpmall_platform::audit::{self, AuditEntry};
use gpmall_platform::i18n::Text;
use gpmall_platform::identity::{Identity, Role};
use gpmall_platform::{ApiError, Ctx, Money};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionTrait,
};

use super::views::CategoryView;
use crate::entity::{category, category_limit};

/// All categories with the limit in force for the current fiscal year.
pub async fn list_categories(ctx: &Ctx) -> Result<Vec<CategoryView>, ApiError> {
    let year = ctx.clock.fiscal_year();
    let categories = category::Entity::find()
        .order_by_asc(category::Column::Code)
        .all(&ctx.db)
        .await?;
    let limits = category_limit::Entity::find()
        .filter(category_limit::Column::FiscalYear.eq(year))
        .all(&ctx.db)
        .await?;
    Ok(categories
        .into_iter()
        .map(|c| {
            let limit = effective_limit(ctx, &c.code, &limits);
            CategoryView {
                code: c.code,
                name: c.name,
                name_en: c.name_en,
                parent_code: c.parent_code,
                fiscal_year: year,
                direct_purchase_limit: limit,
            }
        })
        .collect())
}

/// The limit set for the category this year, else for its nearest parent, else the default.
fn effective_limit(ctx: &Ctx, code: &str, limits: &[category_limit::Model]) -> Money {
    let mut candidate = code;
    loop {
        if let Some(l) = limits.iter().find(|l| l.category_code == candidate) {
            return Money::from_fen(l.direct_purchase_limit_fen);
        }
        if candidate.len() <= 1 {
            return ctx.settings.default_direct_purchase_limit;
        }
        // Catalogue codes are hierarchical: A02010105 → A020101 → A0201 → A02 → A.
        let parent_len = if candidate.len() > 5 {
            candidate.len() - 2
        } else {
            candidate.len() - 1
        };
        candidate = &candidate[..parent_len.max(1)];
    }
}

/// Each code with the limit that applies to it: its own, its nearest parent's, or the default.
pub fn limits_in_force(
    ctx: &Ctx,
    codes: &[String],
    limits: &[category_limit::Model],
) -> Vec<(String, Money)> {
    codes
        .iter()
        .map(|c| (c.clone(), effective_limit(ctx, c, limits)))
        .collect()
}

/// Sets a category's limit for a fiscal year (operator).
pub async fn set_category_limit(
    ctx: &Ctx,
    actor: &Identity,
    code: &str,
    fiscal_year: i32,
    limit: Money,
) -> Result<CategoryView, ApiError> {
    actor.require_role(Role::Operator)?;
    if !limit.is_positive() {
        return Err(ApiError::invalid(Text::new("msg.limit.positive")));
    }
    // Budgets are drawn up for this year or the next; last year's may still be closed.
    let this_year = ctx.clock.fiscal_year();
    gpmall_platform::dates::year_within(
        gpmall_platform::dates::Field::new("fiscal_year", "field.fiscal_year"),
        fiscal_year,
        this_year - 1,
        this_year + 1,
    )?;
    let cat = category::Entity::find_by_id(code.to_owned())
        .one(&ctx.db)
        .await?
        .ok_or_else(|| ApiError::not_found("category"))?;
    let txn = ctx.db.begin().await?;
    let before = category_limit::Entity::find_by_id((code.to_owned(), fiscal_year))
        .one(&txn)
        .await?;
    category_limit::Entity::delete_many()
        .filter(category_limit::Column::CategoryCode.eq(code))
        .filter(category_limit::Column::FiscalYear.eq(fiscal_year))
        .exec(&txn)
        .await?;
    category_limit::ActiveModel {
        category_code: Set(code.to_owned()),
        fiscal_year: Set(fiscal_year),
        direct_purchase_limit_fen: Set(limit.fen()),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        AuditEntry {
            actor: Some(actor),
            action: "category.limit_set",
            subject_type: "category",
            subject_id: code.to_owned(),
            before: before.map(|b| serde_json::json!({"fiscal_year": b.fiscal_year, "limit": Money::from_fen(b.direct_purchase_limit_fen)})),
            after: Some(serde_json::json!({"fiscal_year": fiscal_year, "limit": limit})),
        },
        ctx.clock.now(),
    )
    .await?;
    txn.commit().await?;
    Ok(CategoryView {
        code: cat.code,
        name: cat.name,
        name_en: cat.name_en,
        parent_code: cat.parent_code,
        fiscal_year,
        direct_purchase_limit: limit,
    })
}
