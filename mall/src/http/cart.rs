//! Cart endpoints.

use axum::Json;
use axum::extract::State;
use gpmall_platform::extract::{ApiJson, ApiPath, positive_id};
use gpmall_platform::identity::guard::Buyer;
use gpmall_platform::{ApiResult, Ctx};
use serde::Deserialize;

use crate::service::cart::{self, CartItemInput, CartView};

#[utoipa::path(get, path = "/api/v1/cart", tag = "cart", responses((status = 200, body = CartView)))]
pub async fn view_cart(State(ctx): State<Ctx>, Buyer(actor): Buyer) -> ApiResult<Json<CartView>> {
    Ok(Json(cart::view(&ctx, &actor).await?))
}

#[utoipa::path(post, path = "/api/v1/cart", tag = "cart", request_body = CartItemInput,
    responses((status = 200, body = CartView, description = "Adds the quantity to the cart")))]
pub async fn add_to_cart(
    State(ctx): State<Ctx>,
    Buyer(actor): Buyer,
    ApiJson(input): ApiJson<CartItemInput>,
) -> ApiResult<Json<CartView>> {
    Ok(Json(cart::put(&ctx, &actor, input, false).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuantityInput {
    #[schema(minimum = 1, maximum = 100_000)]
    pub quantity: i64,
}

#[utoipa::path(put, path = "/api/v1/cart/{product_id}", tag = "cart", params(("product_id" = i64, Path)),
    request_body = QuantityInput, responses((status = 200, body = CartView)))]
pub async fn set_quantity(
    State(ctx): State<Ctx>,
    Buyer(actor): Buyer,
    ApiPath(product_id): ApiPath<i64>,
    ApiJson(input): ApiJson<QuantityInput>,
) -> ApiResult<Json<CartView>> {
    let product_id = positive_id(product_id, "product")?;
    let item = CartItemInput {
        product_id,
        quantity: input.quantity,
    };
    Ok(Json(cart::put(&ctx, &actor, item, true).await?))
}

#[utoipa::path(delete, path = "/api/v1/cart/{product_id}", tag = "cart", params(("product_id" = i64, Path)),
    responses((status = 200, body = CartView)))]
pub async fn remove_from_cart(
    State(ctx): State<Ctx>,
    Buyer(actor): Buyer,
    ApiPath(product_id): ApiPath<i64>,
) -> ApiResult<Json<CartView>> {
    let product_id = positive_id(product_id, "product")?;
    Ok(Json(cart::remove(&ctx, &actor, product_id).await?))
}
