//! Order endpoints: placement with an Idempotency-Key, lifecycle actions, queries.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use gpmall_platform::error::ErrorBody;
use gpmall_platform::extract::{ApiJson, ApiPath, ApiQuery, positive_id};
use gpmall_platform::idempotency;
use gpmall_platform::identity::Identity;
use gpmall_platform::identity::guard::{Buyer, OrderParticipant};
use gpmall_platform::pagination::{ListResponse, PageRequest};
use gpmall_platform::{ApiResult, Ctx};
use serde::Deserialize;

use crate::domain::order::{OrderAction, OrderStatus};
use crate::service::orders::{
    self, OrderFilter, OrderView, PlaceOrder, PlacedOrders, TransitionInput,
};

#[utoipa::path(post, path = "/api/v1/orders", tag = "orders", request_body = PlaceOrder,
    params(("Idempotency-Key" = String, Header, description = "Unique per intended order; a retry with the same key and body returns the same response")),
    responses((status = 201, body = PlacedOrders, description = "One order per supplier"),
              (status = 409, body = ErrorBody, description = "BUDGET_EXCEEDED, STOCK_SHORT, PRODUCT_NOT_LISTED, SUPPLIER_PENALIZED"),
              (status = 422, body = ErrorBody, description = "DIRECT_PURCHASE_LIMIT_EXCEEDED, IDEMPOTENCY_KEY_REUSED")))]
pub async fn place_order(
    State(ctx): State<Ctx>,
    Buyer(actor): Buyer,
    headers: HeaderMap,
    ApiJson(input): ApiJson<PlaceOrder>,
) -> ApiResult<Response> {
    let key = idempotency::key_from_headers(&headers)?;
    let placed = orders::place(&ctx, &actor, &key, input).await?;
    let status = StatusCode::from_u16(placed.status).unwrap_or(StatusCode::CREATED);
    let mut response = (status, placed.body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if placed.replayed {
        headers.insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    Ok(response)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct OrderQuery {
    pub status: Option<OrderStatus>,
    pub supplier_id: Option<i64>,
    pub budget_line_id: Option<i64>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

#[utoipa::path(get, path = "/api/v1/orders", tag = "orders", params(OrderQuery),
    responses((status = 200, body = ListResponse<OrderView>)))]
pub async fn list_orders(
    State(ctx): State<Ctx>,
    actor: Identity,
    ApiQuery(query): ApiQuery<OrderQuery>,
) -> ApiResult<Json<ListResponse<OrderView>>> {
    let page = PageRequest::parse(query.page, query.per_page)?;
    let filter = OrderFilter {
        status: query.status,
        supplier_id: query.supplier_id,
        budget_line_id: query.budget_line_id,
    };
    Ok(Json(orders::list(&ctx, &actor, filter, page).await?))
}

#[utoipa::path(get, path = "/api/v1/orders/{id}", tag = "orders", params(("id" = i64, Path)),
    responses((status = 200, body = OrderView), (status = 404, body = ErrorBody)))]
pub async fn get_order(
    State(ctx): State<Ctx>,
    actor: Identity,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<OrderView>> {
    Ok(Json(
        orders::get(&ctx, &actor, positive_id(id, "order")?).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/orders/{id}/{action}", tag = "orders",
    params(("id" = i64, Path), ("action" = String, Path, description = "confirm, ship, deliver, accept, reject or cancel"),
           ("Idempotency-Key" = Option<String>, Header, description = "Optional; a retry with the same key returns the same response")),
    request_body(content = TransitionInput, description = "reason (cancel, reject), acceptance_date and notes (accept, reject)"),
    responses((status = 200, body = OrderView), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody, description = "INVALID_TRANSITION")))]
pub async fn order_action(
    State(ctx): State<Ctx>,
    OrderParticipant(actor): OrderParticipant,
    headers: HeaderMap,
    ApiPath((id, action)): ApiPath<(i64, OrderAction)>,
    body: Option<ApiJson<TransitionInput>>,
) -> ApiResult<Json<OrderView>> {
    let id = positive_id(id, "order")?;
    let key = match headers.get(idempotency::HEADER) {
        Some(_) => Some(idempotency::key_from_headers(&headers)?),
        None => None,
    };
    let input = body.map(|ApiJson(b)| b).unwrap_or_default();
    Ok(Json(
        orders::act(&ctx, &actor, id, action, input, key.as_deref()).await?,
    ))
}
