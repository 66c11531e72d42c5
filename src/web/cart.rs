//! The purchaser's cart with totals per supplier, and checkout against a budget line.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect};
use gpmall_mall::service::budgets::{self, BudgetLineView};
use gpmall_mall::service::cart::{self as cart_service, CartItemInput, CartView};
use gpmall_mall::service::orders::{self, PlaceOrder};
use gpmall_platform::i18n::Text;
use gpmall_platform::identity::session::random_token;
use gpmall_platform::{ApiError, Ctx};
use serde::{Deserialize, Serialize};

use super::i18n::Tr;
use super::page::{Layout, OrFail, Page, PageResult, WebForm, form_key, parse_id, parse_int};

/// The checkout form as last filled in, with the idempotency key minted when it was first shown.
#[derive(Deserialize, Serialize, Default, Clone)]
#[serde(default)]
pub struct CheckoutForm {
    csrf: String,
    pub key: String,
    pub budget_line_id: String,
    pub delivery_address: String,
    pub note: String,
}

impl CheckoutForm {
    fn fresh() -> Self {
        CheckoutForm {
            key: random_token(),
            ..CheckoutForm::default()
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "cart.html")]
struct CartPage {
    tr: Tr,
    layout: Layout,
    cart: CartView,
    budget_lines: Vec<BudgetLineView>,
    checkout: CheckoutForm,
}

impl CartPage {
    fn has_unavailable(&self) -> bool {
        self.cart
            .suppliers
            .iter()
            .any(|g| g.lines.iter().any(|l| !l.available))
    }

    fn is_chosen(&self, line: &BudgetLineView) -> bool {
        self.checkout.budget_line_id.trim() == line.id.to_string()
    }
}

/// `GET /cart`: the cart, with the checkout form as last typed when it was refused.
pub async fn page(State(ctx): State<Ctx>, page: Page) -> PageResult {
    let user = page.user()?;
    let checkout = page
        .retained::<CheckoutForm>("checkout")
        .filter(|f| form_key(&f.key).is_some())
        .unwrap_or_else(CheckoutForm::fresh);
    let cart = cart_service::view(&ctx, user).await.or_fail(&page)?;
    let fiscal_year = ctx.clock.fiscal_year();
    let budget_lines = budgets::list(&ctx, user)
        .await
        .or_fail(&page)?
        .into_iter()
        .filter(|b| b.fiscal_year == fiscal_year)
        .collect();
    let template = CartPage {
        tr: page.tr,
        layout: page.layout(),
        cart,
        budget_lines,
        checkout,
    };
    Ok((page.status(), template).into_response())
}

#[derive(Deserialize, Serialize, Default)]
#[serde(default)]
pub struct LineForm {
    csrf: String,
    product_id: String,
    quantity: String,
}

/// Sets a line's quantity.
pub async fn update(
    State(ctx): State<Ctx>,
    page: Page,
    WebForm(form): WebForm<LineForm>,
) -> PageResult {
    let user = page.submitter(&form.csrf)?;
    let outcome = match (
        parse_id(&form.product_id),
        parse_int(page.tr, "field.quantity", &form.quantity),
    ) {
        (None, _) => Err(ApiError::not_found("product")),
        (Some(_), Err(error)) => Err(error),
        (Some(product_id), Ok(quantity)) => {
            cart_service::put(
                &ctx,
                user,
                CartItemInput {
                    product_id,
                    quantity,
                },
                true,
            )
            .await
        }
    };
    match outcome {
        Ok(_) => Ok(Redirect::to("/cart?done=cart_updated").into_response()),
        Err(error) => page.refused("/cart", "line", &form, error).await,
    }
}

pub async fn remove(
    State(ctx): State<Ctx>,
    page: Page,
    WebForm(form): WebForm<LineForm>,
) -> PageResult {
    let user = page.submitter(&form.csrf)?;
    let product_id =
        parse_id(&form.product_id).ok_or_else(|| page.fail(ApiError::not_found("product")))?;
    cart_service::remove(&ctx, user, product_id)
        .await
        .or_fail(&page)?;
    Ok(Redirect::to("/cart?done=cart_removed").into_response())
}

/// Places the whole cart against the chosen budget line. The key minted with the form makes a
/// double submit return the first placement instead of ordering twice.
pub async fn checkout(
    State(ctx): State<Ctx>,
    page: Page,
    WebForm(mut form): WebForm<CheckoutForm>,
) -> PageResult {
    let user = page.submitter(&form.csrf)?;
    let Some(key) = form_key(&form.key).map(str::to_owned) else {
        // A form without the key it was rendered with is stale; show a fresh one.
        form.key = random_token();
        let error = ApiError::invalid(Text::new("checkout.stale_form"));
        return page.refused("/cart", "checkout", &form, error).await;
    };
    let Some(budget_line_id) = parse_id(&form.budget_line_id) else {
        let error = ApiError::invalid(Text::new("checkout.choose_budget_line"));
        return page.refused("/cart", "checkout", &form, error).await;
    };
    let input = PlaceOrder {
        budget_line_id,
        lines: Vec::new(),
        from_cart: true,
        delivery_address: form.delivery_address.clone(),
        note: form.note.clone(),
    };
    match orders::place(&ctx, user, &key, input).await {
        Ok(_) => Ok(Redirect::to("/orders?done=order_placed").into_response()),
        Err(error) => {
            if error.code == "IDEMPOTENCY_KEY_REUSED" {
                // This form already placed an order and was then changed: a new order needs a new key.
                form.key = random_token();
            }
            page.refused("/cart", "checkout", &form, error).await
        }
    }
}
