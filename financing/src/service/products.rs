//! Loan products: the operator records each bank's products; suppliers compare them, with what
//! each would lend to them.

use chrono::{DateTime, Utc};
use gpmall_platform::audit::{self, AuditEntry};
use gpmall_platform::entity::organization;
use gpmall_platform::identity::{EnterpriseSize, Identity, OrgKind, Role};
use gpmall_platform::ids::{BankId, LoanProductId, OrgId};
use gpmall_platform::text::clean_name;
use gpmall_platform::{ApiError, Ctx, Money};
use rust_decimal::Decimal;
use sea_orm::{EntityTrait, TransactionTrait};
use serde::{Deserialize, Serialize};

use crate::domain::product::{ProductLimits, percent_to_ppm, ppm_to_percent};
use crate::entity::loan_product;
use crate::error::{FinancingError, FinancingResult};
use crate::repo::banks::{self as repo, NewProductRow};

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewLoanProduct {
    pub bank_id: BankId,
    /// The bank's product code, sent with each application.
    pub code: String,
    pub name: String,
    /// The most one loan may be.
    pub max_amount: Money,
    /// At most this percent of the contract's unpaid amount, e.g. "80".
    #[serde(deserialize_with = "gpmall_platform::percent::deserialize")]
    #[schema(value_type = String, pattern = r"^(100(\.0{1,4})?|[1-9]?[0-9](\.[0-9]{1,4})?)$")]
    pub max_share_percent: Decimal,
    /// Annual rate range in percent, e.g. "3.45" to "4.50".
    #[serde(deserialize_with = "gpmall_platform::percent::deserialize")]
    #[schema(value_type = String, pattern = r"^(100(\.0{1,4})?|[1-9]?[0-9](\.[0-9]{1,4})?)$")]
    pub rate_min_percent: Decimal,
    #[serde(deserialize_with = "gpmall_platform::percent::deserialize")]
    #[schema(value_type = String, pattern = r"^(100(\.0{1,4})?|[1-9]?[0-9](\.[0-9]{1,4})?)$")]
    pub rate_max_percent: Decimal,
    #[schema(minimum = 1, maximum = 120)]
    pub term_min_months: u32,
    #[schema(minimum = 1, maximum = 120)]
    pub term_max_months: u32,
    pub eligible_sizes: Vec<EnterpriseSize>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LoanProductView {
    pub id: LoanProductId,
    pub bank_id: BankId,
    pub bank_name: String,
    pub code: String,
    pub name: String,
    pub max_amount: Money,
    #[schema(value_type = String)]
    pub max_share_percent: Decimal,
    #[schema(value_type = String)]
    pub rate_min_percent: Decimal,
    #[schema(value_type = String)]
    pub rate_max_percent: Decimal,
    pub term_min_months: u32,
    pub term_max_months: u32,
    pub eligible_sizes: Vec<EnterpriseSize>,
    /// For a supplier: whether the product lends to an enterprise of its size.
    pub eligible: Option<bool>,
    pub created_at: DateTime<Utc>,
}

impl LoanProductView {
    pub fn limits(&self) -> ProductLimits {
        ProductLimits {
            max_amount: self.max_amount,
            max_share_ppm: percent_to_ppm(self.max_share_percent),
            rate_min_ppm: percent_to_ppm(self.rate_min_percent),
            rate_max_ppm: percent_to_ppm(self.rate_max_percent),
            term_min_months: self.term_min_months,
            term_max_months: self.term_max_months,
            eligible_sizes: self.eligible_sizes.clone(),
        }
    }
}

/// The limits a stored product defines; an unknown stored size is an error, never skipped.
pub(crate) fn stored_limits(p: &loan_product::Model) -> FinancingResult<ProductLimits> {
    let sizes = p
        .eligible_sizes
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|s| {
            EnterpriseSize::parse(s)
                .ok_or_else(|| ApiError::internal(format!("unknown stored enterprise size {s:?}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let months = |m: i32| u32::try_from(m).map_err(ApiError::internal);
    Ok(ProductLimits {
        max_amount: Money::from_fen(p.max_amount_fen),
        max_share_ppm: p.max_share_ppm,
        rate_min_ppm: p.rate_min_ppm,
        rate_max_ppm: p.rate_max_ppm,
        term_min_months: months(p.term_min_months)?,
        term_max_months: months(p.term_max_months)?,
        eligible_sizes: sizes,
    })
}

pub(crate) fn view(
    p: loan_product::Model,
    bank_name: String,
    viewer_size: Option<Option<EnterpriseSize>>,
) -> FinancingResult<LoanProductView> {
    let limits = stored_limits(&p)?;
    Ok(LoanProductView {
        id: p.id,
        bank_id: p.bank_id,
        bank_name,
        eligible: viewer_size.map(|size| limits.lends_to(size)),
        code: p.code,
        name: p.name,
        max_amount: limits.max_amount,
        max_share_percent: ppm_to_percent(limits.max_share_ppm),
        rate_min_percent: ppm_to_percent(limits.rate_min_ppm),
        rate_max_percent: ppm_to_percent(limits.rate_max_ppm),
        term_min_months: limits.term_min_months,
        term_max_months: limits.term_max_months,
        eligible_sizes: limits.eligible_sizes,
        created_at: p.created_at,
    })
}

/// The enterprise size of a supplier, as registered.
pub(crate) async fn supplier_size(
    ctx: &Ctx,
    org_id: OrgId,
) -> FinancingResult<(organization::Model, Option<EnterpriseSize>)> {
    let org = organization::Entity::find_by_id(org_id.get())
        .one(&ctx.db)
        .await?
        .ok_or_else(|| ApiError::not_found("supplier"))?;
    let size = org
        .enterprise_size
        .as_deref()
        .and_then(EnterpriseSize::parse);
    Ok((org, size))
}

/// The operator records a bank's product.
#[tracing::instrument(skip_all)]
pub async fn create(
    ctx: &Ctx,
    actor: &Identity,
    input: NewLoanProduct,
) -> FinancingResult<LoanProductView> {
    actor.require_role(Role::Operator)?;
    let name = clean_name("field.product_name", &input.name, 100)?;
    let code = clean_name("field.product_code", &input.code, 32)?;
    let mut sizes = input.eligible_sizes.clone();
    sizes.dedup();
    let limits = ProductLimits {
        max_amount: input.max_amount,
        max_share_ppm: percent_to_ppm(input.max_share_percent),
        rate_min_ppm: percent_to_ppm(input.rate_min_percent),
        rate_max_ppm: percent_to_ppm(input.rate_max_percent),
        term_min_months: input.term_min_months,
        term_max_months: input.term_max_months,
        eligible_sizes: sizes,
    };
    limits.check().map_err(FinancingError::ProductInvalid)?;
    let now = ctx.clock.now();
    let txn = ctx.db.begin().await?;
    let bank = repo::get(&txn, input.bank_id)
        .await?
        .ok_or(FinancingError::BankNotFound)?;
    if repo::product_code_taken(&txn, bank.bank.id, &code).await? {
        return Err(FinancingError::ProductExists { code });
    }
    let sizes: Vec<&str> = limits.eligible_sizes.iter().map(|s| s.as_str()).collect();
    let product = repo::insert_product(
        &txn,
        NewProductRow {
            bank_id: bank.bank.id,
            code: &code,
            name: &name,
            max_amount_fen: limits.max_amount.fen(),
            max_share_ppm: limits.max_share_ppm,
            rate_min_ppm: limits.rate_min_ppm,
            rate_max_ppm: limits.rate_max_ppm,
            term_min_months: limits.term_min_months as i32,
            term_max_months: limits.term_max_months as i32,
            eligible_sizes: &sizes.join(","),
        },
        now,
    )
    .await?;
    audit::record(
        &txn,
        AuditEntry {
            actor: Some(actor),
            action: "financing.product_created",
            subject_type: "loan_product",
            subject_id: product.id.to_string(),
            before: None,
            after: Some(serde_json::json!({ "bank": bank.name, "code": code, "name": name })),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    view(product, bank.name, None)
}

/// Every product with its bank's name; for a supplier, whether each lends to it.
pub async fn list(ctx: &Ctx, actor: &Identity) -> FinancingResult<Vec<LoanProductView>> {
    let viewer_size = match actor.org_kind {
        OrgKind::Supplier => Some(supplier_size(ctx, OrgId(actor.org_id)).await?.1),
        OrgKind::Operator | OrgKind::Regulator => None,
        _ => {
            return Err(ApiError::refused(gpmall_platform::i18n::Text::new(
                "msg.financing.products_not_for_you",
            ))
            .into());
        }
    };
    let products = repo::products(&ctx.db).await?;
    let banks = repo::all(&ctx.db).await?;
    let bank_name = |id: BankId| {
        banks
            .iter()
            .find(|b| b.bank.id == id)
            .map(|b| b.name.clone())
            .unwrap_or_default()
    };
    products
        .into_iter()
        .map(|p| {
            let name = bank_name(p.bank_id);
            view(p, name, viewer_size)
        })
        .collect()
}

/// One product, for the application form.
pub async fn get(ctx: &Ctx, id: LoanProductId) -> FinancingResult<(LoanProductView, OrgId)> {
    let product = repo::product(&ctx.db, id)
        .await?
        .ok_or(FinancingError::ProductNotFound)?;
    let bank = repo::get(&ctx.db, product.bank_id)
        .await?
        .ok_or(FinancingError::BankNotFound)?;
    Ok((view(product, bank.name, None)?, bank.bank.org_id))
}
