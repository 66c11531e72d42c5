//! The public mall: home with the category tree, search with filters, and the product page.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Redirect};
use gpmall_mall::service::cart::{self as cart_service, CartItemInput};
use gpmall_mall::service::catalog::{self, CategoryView, ProductView, SearchParams, SearchResults};
use gpmall_platform::{ApiError, Ctx};
use serde::{Deserialize, Serialize};

use super::i18n::Tr;
use super::page::{
    Layout, OrFail, Page, PageResult, WebForm, encode, parse_id, parse_int, parse_optional_money,
    respond,
};

const PER_PAGE: u64 = 20;
const HOME_PRODUCTS: u64 = 8;

/// A category in a flattened tree, for indented lists and selects.
pub struct CategoryNode {
    pub code: String,
    pub name: String,
    pub depth: usize,
    pub leaf: bool,
    /// Full-width spaces that indent the name inside a `<select>`, where CSS cannot.
    pub indent: String,
}

/// The catalogue in tree order. Codes are hierarchical (A → A02 → A0201 …), so sorting by code
/// already puts every child right after its parent.
pub fn category_tree(tr: Tr, categories: &[CategoryView]) -> Vec<CategoryNode> {
    let mut sorted: Vec<&CategoryView> = categories.iter().collect();
    sorted.sort_by(|a, b| a.code.cmp(&b.code));
    sorted
        .iter()
        .map(|c| {
            let mut depth = 0;
            let mut parent = c.parent_code.as_deref();
            while let Some(code) = parent {
                depth += 1;
                parent = categories
                    .iter()
                    .find(|p| p.code == code)
                    .and_then(|p| p.parent_code.as_deref());
            }
            CategoryNode {
                code: c.code.clone(),
                name: tr.pick(&c.name, &c.name_en).to_owned(),
                depth,
                leaf: !categories
                    .iter()
                    .any(|other| other.parent_code.as_deref() == Some(c.code.as_str())),
                indent: "\u{3000}".repeat(depth),
            }
        })
        .collect()
}

#[derive(Template, WebTemplate)]
#[template(path = "home.html")]
struct HomePage {
    tr: Tr,
    layout: Layout,
    categories: Vec<CategoryNode>,
    products: Vec<ProductView>,
}

pub async fn home(State(ctx): State<Ctx>, page: Page) -> PageResult {
    let categories = catalog::list_categories(&ctx).await.or_fail(&page)?;
    let newest = catalog::search_products(
        &ctx,
        &SearchParams {
            sort: Some("newest".to_owned()),
            page: 1,
            per_page: HOME_PRODUCTS,
            ..SearchParams::default()
        },
    )
    .await
    .or_fail(&page)?;
    Ok(HomePage {
        tr: page.tr,
        categories: category_tree(page.tr, &categories),
        products: newest.items,
        layout: page.layout(),
    }
    .into_response())
}

/// The search form's fields as typed.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct SearchQuery {
    pub q: String,
    pub category: String,
    pub min_price: String,
    pub max_price: String,
    pub sme_only: String,
    pub sort: String,
    pub page: String,
}

impl SearchQuery {
    pub fn sme_only(&self) -> bool {
        matches!(self.sme_only.as_str(), "1" | "on" | "true")
    }

    fn params(&self, tr: Tr) -> Result<SearchParams, ApiError> {
        let page = if self.page.trim().is_empty() {
            1
        } else {
            u64::try_from(parse_int(tr, "field.page", &self.page)?)
                .ok()
                .filter(|p| *p > 0)
                .ok_or_else(|| ApiError::validation(tr.t("form.page_from_one")))?
        };
        Ok(SearchParams {
            q: Some(self.q.trim().to_owned()).filter(|q| !q.is_empty()),
            category: Some(self.category.trim().to_owned()).filter(|c| !c.is_empty()),
            min_price: parse_optional_money(tr, "field.min_price", &self.min_price)?,
            max_price: parse_optional_money(tr, "field.max_price", &self.max_price)?,
            supplier_id: None,
            sme_only: self.sme_only(),
            sort: Some(self.sort.trim().to_owned()).filter(|s| !s.is_empty()),
            page,
            per_page: PER_PAGE,
        })
    }

    /// This search at another page.
    pub fn page_href(&self, page: u64) -> String {
        let mut href = format!(
            "/search?q={}&category={}&min_price={}&max_price={}&sort={}",
            encode(&self.q),
            encode(&self.category),
            encode(&self.min_price),
            encode(&self.max_price),
            encode(&self.sort),
        );
        if self.sme_only() {
            href.push_str("&sme_only=1");
        }
        href.push_str(&format!("&page={page}"));
        href
    }
}

pub const SORTS: [&str; 4] = ["relevance", "price_asc", "price_desc", "newest"];

#[derive(Template, WebTemplate)]
#[template(path = "search.html")]
struct SearchPage {
    tr: Tr,
    layout: Layout,
    query: SearchQuery,
    categories: Vec<CategoryNode>,
    sorts: [&'static str; 4],
    results: SearchResults,
    /// The number of matches, `1000+` when it is a lower bound.
    total_label: String,
    pages: u64,
}

impl SearchPage {
    /// The order the results are in: the one asked for, else relevance for words and newest
    /// for a listing without words (one choice, never a separate "default").
    fn sort_in_effect(&self) -> &str {
        match self.query.sort.trim() {
            "" if self.query.q.trim().is_empty() => "newest",
            "" => "relevance",
            sort => sort,
        }
    }
}

pub async fn search(State(ctx): State<Ctx>, page: Page, uri: Uri) -> PageResult {
    // Every field is optional text, so only a malformed query string fails; search for nothing.
    let query = Query::<SearchQuery>::try_from_uri(&uri)
        .map(|q| q.0)
        .unwrap_or_default();
    let categories = catalog::list_categories(&ctx).await.or_fail(&page)?;
    let outcome = match query.params(page.tr) {
        Ok(params) => catalog::search_products(&ctx, &params).await,
        Err(error) => Err(error),
    };
    let (results, error) = match outcome {
        Ok(results) => (results, None),
        Err(error) if error.status.is_client_error() => (
            SearchResults {
                items: Vec::new(),
                total: 0,
                page: 1,
                per_page: PER_PAGE,
                total_exact: true,
            },
            Some(error),
        ),
        Err(error) => return Err(page.fail(error)),
    };
    let pages = results.total.div_ceil(results.per_page.max(1));
    let total_label = if results.total_exact {
        results.total.to_string()
    } else {
        format!("{}+", results.total)
    };
    let template = SearchPage {
        tr: page.tr,
        layout: page.layout_with(error.as_ref()),
        query,
        categories: category_tree(page.tr, &categories),
        sorts: SORTS,
        results,
        total_label,
        pages,
    };
    Ok(respond(template, error.as_ref()))
}

#[derive(Template, WebTemplate)]
#[template(path = "product.html")]
struct ProductPage {
    tr: Tr,
    layout: Layout,
    product: ProductView,
    quantity: String,
}

impl ProductPage {
    fn is_sme(&self) -> bool {
        self.product
            .enterprise_size
            .as_deref()
            .is_some_and(|s| s != "large")
    }
}

/// `GET /products/{id}`: a listed product, with the quantity as typed when adding it failed.
pub async fn product(State(ctx): State<Ctx>, page: Page, Path(id): Path<String>) -> PageResult {
    let id = parse_id(&id).ok_or_else(|| page.fail(ApiError::not_found("product")))?;
    let product = catalog::get_listed_product(&ctx, id).await.or_fail(&page)?;
    let quantity = page
        .retained::<AddToCartForm>("add")
        .map_or_else(|| "1".to_owned(), |f| f.quantity);
    let template = ProductPage {
        tr: page.tr,
        layout: page.layout(),
        product,
        quantity,
    };
    Ok((page.status(), template).into_response())
}

#[derive(Deserialize, Serialize, Default)]
#[serde(default)]
pub struct AddToCartForm {
    csrf: String,
    product_id: String,
    quantity: String,
}

/// `POST /cart/add` from the product page; a refusal shows the product page again.
pub async fn add_to_cart(
    State(ctx): State<Ctx>,
    page: Page,
    WebForm(form): WebForm<AddToCartForm>,
) -> PageResult {
    let user = page.submitter(&form.csrf)?;
    let product_id =
        parse_id(&form.product_id).ok_or_else(|| page.fail(ApiError::not_found("product")))?;
    let outcome = match parse_int(page.tr, "field.quantity", &form.quantity) {
        Ok(quantity) => {
            cart_service::put(
                &ctx,
                user,
                CartItemInput {
                    product_id,
                    quantity,
                },
                false,
            )
            .await
        }
        Err(error) => Err(error),
    };
    match outcome {
        Ok(_) => Ok(Redirect::to("/cart?done=cart_added").into_response()),
        Err(error) => {
            page.refused(&format!("/products/{product_id}"), "add", &form, error)
                .await
        }
    }
}
