//! The operator's review queue: pending products, oldest first, to approve or reject with a
//! reason; and listed products whose price change beyond the monitoring threshold waits for a
//! decision (a held rise, or a cut already on sale).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Redirect};
use gpmall_mall::domain::product::ReviewAction;
use gpmall_mall::service::catalog::{self, ListingView};
use gpmall_platform::pagination::PageRequest;
use gpmall_platform::{ApiError, Ctx};
use serde::{Deserialize, Serialize};

use super::i18n::Tr;
use super::page::{Layout, OrFail, Page, PageResult, WebForm, parse_id};

const PER_PAGE: u64 = 20;

#[derive(Template, WebTemplate)]
#[template(path = "review.html")]
struct ReviewPage {
    tr: Tr,
    layout: Layout,
    listings: Vec<ListingView>,
    total: u64,
    page: u64,
    pages: u64,
    /// Price changes waiting for a decision (the first page; they are few).
    price_changes: Vec<ListingView>,
    price_changes_total: u64,
    /// The product whose rejection was refused, with the reason as typed.
    rejecting: Option<(i64, String)>,
}

impl ReviewPage {
    fn reason_for(&self, listing: &ListingView) -> &str {
        match &self.rejecting {
            Some((id, reason)) if *id == listing.id => reason,
            _ => "",
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PageQuery {
    page: String,
}

async fn render(
    ctx: &Ctx,
    page: &Page,
    page_no: Option<u64>,
    rejecting: Option<(i64, String)>,
) -> PageResult {
    let user = page.user()?;
    let request = PageRequest::parse(page_no, Some(PER_PAGE)).or_fail(page)?;
    let queue = catalog::review_queue(ctx, user, request)
        .await
        .or_fail(page)?;
    let first = PageRequest::parse(None, Some(PER_PAGE)).or_fail(page)?;
    let price_changes = catalog::price_review_queue(ctx, user, first)
        .await
        .or_fail(page)?;
    let template = ReviewPage {
        tr: page.tr,
        layout: page.layout(),
        total: queue.total,
        pages: queue.total.div_ceil(PER_PAGE),
        page: queue.page,
        listings: queue.items,
        price_changes_total: price_changes.total,
        price_changes: price_changes.items,
        rejecting,
    };
    Ok((page.status(), template).into_response())
}

pub async fn queue(State(ctx): State<Ctx>, page: Page, uri: Uri) -> PageResult {
    page.user()?;
    let query = Query::<PageQuery>::try_from_uri(&uri)
        .map(|q| q.0)
        .unwrap_or_default();
    let page_no = query.page.trim().parse().ok().filter(|p| *p > 0);
    let rejecting = page
        .retained::<DecisionForm>("decision")
        .and_then(|f| parse_id(&f.product).map(|id| (id, f.reason)));
    render(&ctx, &page, page_no, rejecting).await
}

#[derive(Deserialize, Serialize, Default)]
#[serde(default)]
pub struct DecisionForm {
    csrf: String,
    reason: String,
    /// The product (from the address, kept with a refused decision).
    product: String,
}

/// `POST /review/{id}/{approve|reject|price_approve|price_reject}`.
pub async fn decide(
    State(ctx): State<Ctx>,
    page: Page,
    Path((id, verb)): Path<(String, String)>,
    WebForm(mut form): WebForm<DecisionForm>,
) -> PageResult {
    let user = page.submitter(&form.csrf)?;
    let id = parse_id(&id).ok_or_else(|| page.fail(ApiError::not_found("product")))?;
    form.product = id.to_string();
    let reason = Some(form.reason.trim().to_owned()).filter(|r| !r.is_empty());
    let (outcome, done) = match verb.as_str() {
        "approve" => (
            catalog::review_product(&ctx, user, id, ReviewAction::Approve, reason).await,
            "product_approved",
        ),
        "reject" => (
            catalog::review_product(&ctx, user, id, ReviewAction::Reject, reason).await,
            "product_rejected",
        ),
        "price_approve" => (
            catalog::review_price_change(&ctx, user, id, true, reason).await,
            "price_approved",
        ),
        "price_reject" => (
            catalog::review_price_change(&ctx, user, id, false, reason).await,
            "price_rejected",
        ),
        _ => return Err(page.fail(ApiError::not_found("review action"))),
    };
    match outcome {
        Ok(_) => Ok(Redirect::to(&format!("/review?done={done}")).into_response()),
        Err(error) => page.refused("/review", "decision", &form, error).await,
    }
}
