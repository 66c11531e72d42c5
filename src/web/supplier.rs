//! The supplier's own products: the list with each one's review status, a form to list a new
//! product, and per-product price and stock changes.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Redirect};
use gpmall_mall::domain::product::{ProductStatus, ReviewAction};
use gpmall_mall::service::catalog::{self, ListingView, NewProduct, PriceOutcome, ProductChange};
use gpmall_platform::pagination::PageRequest;
use gpmall_platform::{ApiError, Ctx};
use serde::{Deserialize, Serialize};

use super::i18n::Tr;
use super::page::{
    Layout, OrFail, Page, PageResult, WebForm, parse_id, parse_int, parse_money,
    parse_optional_money,
};
use super::shop::{CategoryNode, category_tree};

const PER_PAGE: u64 = 20;

/// The new-product form as typed.
#[derive(Deserialize, Serialize, Default, Clone)]
#[serde(default)]
pub struct NewProductForm {
    csrf: String,
    pub category: String,
    pub name: String,
    pub brand: String,
    pub model: String,
    pub specification: String,
    pub unit: String,
    pub price: String,
    pub reference_price: String,
    pub stock: String,
    pub delivery_regions: String,
    pub lead_days: String,
}

impl NewProductForm {
    fn blank() -> Self {
        NewProductForm {
            stock: "0".to_owned(),
            lead_days: "3".to_owned(),
            ..NewProductForm::default()
        }
    }

    fn parse(&self, tr: Tr) -> Result<NewProduct, ApiError> {
        let lead_days = parse_int(tr, "field.lead_days", &self.lead_days)?;
        Ok(NewProduct {
            category: self.category.trim().to_owned(),
            name: self.name.clone(),
            brand: self.brand.clone(),
            model: self.model.clone(),
            specification: self.specification.clone(),
            unit: self.unit.clone(),
            price: parse_money(tr, "field.price", &self.price)?,
            reference_price: parse_money(tr, "field.reference_price", &self.reference_price)?,
            stock: parse_int(tr, "field.stock", &self.stock)?,
            delivery_regions: self.delivery_regions.clone(),
            lead_days: i32::try_from(lead_days).map_err(|_| {
                ApiError::validation(tr.f("form.not_a_whole_number", tr.t("field.lead_days")))
            })?,
        })
    }
}

/// A price and stock change as typed, remembered for the product it was meant for.
#[derive(Deserialize, Serialize, Default, Clone)]
#[serde(default)]
pub struct ChangeForm {
    csrf: String,
    pub price: String,
    pub stock: String,
    /// The product (from the address, kept with a refused change).
    product: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "supplier_products.html")]
struct SupplierProductsPage {
    tr: Tr,
    layout: Layout,
    listings: Vec<ListingView>,
    leaf_categories: Vec<CategoryNode>,
    form: NewProductForm,
    /// The product whose change was refused, with what was typed.
    change: Option<(i64, ChangeForm)>,
    page: u64,
    pages: u64,
    /// What a price change does, with this deployment's threshold and window.
    price_rule: String,
}

/// The price-monitoring rule in words.
fn price_rule(ctx: &Ctx, tr: Tr) -> String {
    let percent =
        (ctx.settings.price_change_flag_ratio * rust_decimal::Decimal::ONE_HUNDRED).normalize();
    super::settlement::fill(
        tr,
        "supplier.price_rule",
        &[
            ("percent", &percent),
            ("days", &ctx.settings.price_change_window_days),
        ],
    )
}

impl SupplierProductsPage {
    fn price_value(&self, listing: &ListingView) -> String {
        match &self.change {
            Some((id, form)) if *id == listing.id => form.price.clone(),
            _ => listing.proposed_price.unwrap_or(listing.price).to_string(),
        }
    }

    fn stock_value(&self, listing: &ListingView) -> String {
        match &self.change {
            Some((id, form)) if *id == listing.id => form.stock.clone(),
            _ => listing.stock.to_string(),
        }
    }

    fn may_resubmit(&self, listing: &ListingView) -> bool {
        matches!(
            listing.status,
            ProductStatus::Rejected | ProductStatus::Delisted
        )
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PageQuery {
    page: String,
}

struct Rendering {
    form: NewProductForm,
    change: Option<(i64, ChangeForm)>,
    page: Option<u64>,
}

async fn render(ctx: &Ctx, page: &Page, rendering: Rendering) -> PageResult {
    let user = page.user()?;
    let request = PageRequest::parse(rendering.page, Some(PER_PAGE)).or_fail(page)?;
    let listings = catalog::supplier_listings(ctx, user, None, request)
        .await
        .or_fail(page)?;
    let categories = catalog::list_categories(ctx).await.or_fail(page)?;
    let template = SupplierProductsPage {
        tr: page.tr,
        layout: page.layout(),
        pages: listings.total.div_ceil(PER_PAGE),
        page: listings.page,
        listings: listings.items,
        leaf_categories: category_tree(page.tr, &categories)
            .into_iter()
            .filter(|c| c.leaf)
            .collect(),
        form: rendering.form,
        change: rendering.change,
        price_rule: price_rule(ctx, page.tr),
    };
    Ok((page.status(), template).into_response())
}

pub async fn page(State(ctx): State<Ctx>, page: Page, uri: Uri) -> PageResult {
    page.user()?;
    let query = Query::<PageQuery>::try_from_uri(&uri)
        .map(|q| q.0)
        .unwrap_or_default();
    let change = page
        .retained::<ChangeForm>("change")
        .and_then(|f| parse_id(&f.product).map(|id| (id, f)));
    let rendering = Rendering {
        form: page.retained("new").unwrap_or_else(NewProductForm::blank),
        change,
        page: query.page.trim().parse().ok().filter(|p| *p > 0),
    };
    render(&ctx, &page, rendering).await
}

const BACK: &str = "/supplier/products";

/// Lists a new product; it waits for the operator's review.
pub async fn create(
    State(ctx): State<Ctx>,
    page: Page,
    WebForm(form): WebForm<NewProductForm>,
) -> PageResult {
    let user = page.submitter(&form.csrf)?;
    let outcome = match form.parse(page.tr) {
        Ok(input) => catalog::create_product(&ctx, user, input).await,
        Err(error) => Err(error),
    };
    match outcome {
        Ok(_) => Ok(Redirect::to("/supplier/products?done=product_created").into_response()),
        Err(error) => page.refused(BACK, "new", &form, error).await,
    }
}

/// Changes a product's price and stock.
pub async fn change(
    State(ctx): State<Ctx>,
    page: Page,
    Path(id): Path<String>,
    WebForm(mut form): WebForm<ChangeForm>,
) -> PageResult {
    let user = page.submitter(&form.csrf)?;
    let id = parse_id(&id).ok_or_else(|| page.fail(ApiError::not_found("product")))?;
    form.product = id.to_string();
    let parsed = parse_optional_money(page.tr, "field.price", &form.price).and_then(|price| {
        let stock = if form.stock.trim().is_empty() {
            None
        } else {
            Some(parse_int(page.tr, "field.stock", &form.stock)?)
        };
        Ok(ProductChange {
            price,
            stock,
            ..ProductChange::default()
        })
    });
    let outcome = match parsed {
        Ok(change) => catalog::change_product(&ctx, user, id, change).await,
        Err(error) => Err(error),
    };
    match outcome {
        Ok(changed) => {
            let done = match changed.price_outcome {
                PriceOutcome::Held => "product_price_held",
                PriceOutcome::OnSaleUnderReview => "product_price_cut_reviewed",
                PriceOutcome::OnSale | PriceOutcome::Unchanged => "product_changed",
            };
            Ok(Redirect::to(&format!("/supplier/products?done={done}")).into_response())
        }
        Err(error) => page.refused(BACK, "change", &form, error).await,
    }
}

#[derive(Deserialize, Serialize, Default)]
#[serde(default)]
pub struct ResubmitForm {
    csrf: String,
}

/// Sends a rejected or delisted product back to review.
pub async fn resubmit(
    State(ctx): State<Ctx>,
    page: Page,
    Path(id): Path<String>,
    WebForm(form): WebForm<ResubmitForm>,
) -> PageResult {
    let user = page.submitter(&form.csrf)?;
    let id = parse_id(&id).ok_or_else(|| page.fail(ApiError::not_found("product")))?;
    match catalog::review_product(&ctx, user, id, ReviewAction::Resubmit, None).await {
        Ok(_) => Ok(Redirect::to("/supplier/products?done=product_resubmitted").into_response()),
        Err(error) => page.refused(BACK, "resubmit", &form, error).await,
    }
}
