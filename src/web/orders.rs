//! Orders: the purchaser's orders and the supplier's incoming orders, each with the actions its
//! status allows for the viewer (from the order lifecycle's one transition function).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Redirect};
use chrono::NaiveDate;
use gpmall_mall::domain::acceptance::AttachmentRef;
use gpmall_mall::domain::order::{OrderAction, OrderStatus, Party, transition};
use gpmall_mall::service::orders::{self, OrderFilter, OrderView, TransitionInput};
use gpmall_platform::identity::{Identity, OrgKind, Role};
use gpmall_platform::pagination::PageRequest;
use gpmall_platform::{ApiError, Ctx};
use serde::{Deserialize, Serialize};

use super::i18n::Tr;
use super::page::{Layout, OrFail, Page, PageResult, WebForm, parse_id};

const PER_PAGE: u64 = 20;

/// One action button (or small form) on an order.
pub struct ActionForm {
    pub verb: &'static str,
    /// The supplier must say why it cancels.
    pub needs_reason: bool,
    /// Accepting or rejecting records the acceptance (date and notes).
    pub acceptance: bool,
}

/// An order with the actions the viewer may take on it now.
pub struct OrderCard {
    pub order: OrderView,
    pub actions: Vec<ActionForm>,
}

fn party(user: &Identity, order: &OrderView) -> Option<Party> {
    match user.org_kind {
        OrgKind::Purchaser
            if order.purchaser_org_id == user.org_id && user.has_role(Role::Buyer) =>
        {
            Some(Party::Purchaser)
        }
        OrgKind::Supplier if order.supplier_id == user.org_id && user.has_role(Role::Seller) => {
            Some(Party::Supplier)
        }
        _ => None,
    }
}

fn card(user: &Identity, order: OrderView) -> OrderCard {
    let actions = match party(user, &order) {
        Some(party) => OrderAction::ALL
            .into_iter()
            .filter(|action| transition(order.status, *action, party).is_ok())
            .map(|action| ActionForm {
                verb: action.verb(),
                needs_reason: action == OrderAction::Cancel && party == Party::Supplier,
                acceptance: matches!(action, OrderAction::Accept | OrderAction::Reject),
            })
            .collect(),
        None => Vec::new(),
    };
    OrderCard { order, actions }
}

fn heading(user: &Identity) -> &'static str {
    match user.org_kind {
        OrgKind::Purchaser => "orders.title_purchaser",
        OrgKind::Supplier => "orders.title_supplier",
        _ => "orders.title_all",
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ListQuery {
    status: String,
    page: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "orders.html")]
struct OrdersPage {
    tr: Tr,
    layout: Layout,
    heading: &'static str,
    cards: Vec<OrderCard>,
    statuses: [OrderStatus; 7],
    status: String,
    page: u64,
    pages: u64,
    today: String,
    form: ActionInput,
    from: &'static str,
}

impl OrdersPage {
    fn page_href(&self, page: u64) -> String {
        format!("/orders?status={}&page={page}", self.status)
    }
}

pub async fn list(State(ctx): State<Ctx>, page: Page, uri: Uri) -> PageResult {
    let user = page.user()?;
    let query = Query::<ListQuery>::try_from_uri(&uri)
        .map(|q| q.0)
        .unwrap_or_default();
    let status = OrderStatus::parse(query.status.trim());
    let page_no = query.page.trim().parse::<u64>().ok().filter(|p| *p > 0);
    let request = PageRequest::parse(page_no, Some(PER_PAGE)).or_fail(&page)?;
    let filter = OrderFilter {
        status,
        ..OrderFilter::default()
    };
    let found = orders::list(&ctx, user, filter, request)
        .await
        .or_fail(&page)?;
    let template = OrdersPage {
        tr: page.tr,
        layout: page.layout(),
        heading: heading(user),
        pages: found.total.div_ceil(PER_PAGE),
        page: found.page,
        cards: found.items.into_iter().map(|o| card(user, o)).collect(),
        statuses: OrderStatus::ALL,
        status: status.map_or("", OrderStatus::as_str).to_owned(),
        today: ctx.clock.today().to_string(),
        form: ActionInput::default(),
        from: "list",
    };
    Ok(template.into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "order.html")]
struct OrderPage {
    tr: Tr,
    layout: Layout,
    card: OrderCard,
    today: String,
    form: ActionInput,
    from: &'static str,
}

/// `GET /orders/{id}`: one order, with an action form as last typed when it was refused.
pub async fn detail(State(ctx): State<Ctx>, page: Page, Path(id): Path<String>) -> PageResult {
    let user = page.user()?;
    let id = parse_id(&id).ok_or_else(|| page.fail(ApiError::not_found("order")))?;
    let form = page.retained::<ActionInput>("action").unwrap_or_default();
    let order = orders::get(&ctx, user, id).await.or_fail(&page)?;
    let template = OrderPage {
        tr: page.tr,
        layout: page.layout(),
        card: card(user, order),
        today: ctx.clock.today().to_string(),
        form,
        from: "detail",
    };
    Ok((page.status(), template).into_response())
}

/// The fields of an action form as typed.
#[derive(Deserialize, Serialize, Default, Clone)]
#[serde(default)]
pub struct ActionInput {
    csrf: String,
    pub reason: String,
    pub acceptance_date: String,
    pub notes: String,
    /// One attachment per line: `name | reference`, optionally `| sha256`.
    pub attachments: String,
    from: String,
}

fn transition_input(
    tr: Tr,
    action: OrderAction,
    form: &ActionInput,
) -> Result<TransitionInput, ApiError> {
    let text = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    let mut input = TransitionInput {
        reason: text(&form.reason),
        ..TransitionInput::default()
    };
    if matches!(action, OrderAction::Accept | OrderAction::Reject) {
        input.notes = text(&form.notes);
        input.attachments = Some(parse_attachments(tr, &form.attachments)?);
        input.acceptance_date = match text(&form.acceptance_date) {
            Some(date) => Some(
                NaiveDate::parse_from_str(&date, "%Y-%m-%d")
                    .map_err(|_| ApiError::validation(tr.t("form.not_a_date")))?,
            ),
            None => None,
        };
    }
    Ok(input)
}

/// Attachments typed one per line as `name | reference [| sha256]`.
fn parse_attachments(tr: Tr, text: &str) -> Result<Vec<AttachmentRef>, ApiError> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(|line| {
            let parts: Vec<&str> = line.split(['|', '｜']).map(str::trim).collect();
            match parts.as_slice() {
                [name, reference] => Ok(AttachmentRef {
                    name: (*name).to_owned(),
                    reference: (*reference).to_owned(),
                    sha256: None,
                }),
                [name, reference, sha256] => Ok(AttachmentRef {
                    name: (*name).to_owned(),
                    reference: (*reference).to_owned(),
                    sha256: Some((*sha256).to_owned()),
                }),
                _ => Err(ApiError::validation(format!(
                    "{}: {line}",
                    tr.t("order.attachments_hint")
                ))),
            }
        })
        .collect()
}

/// `POST /orders/{id}/{action}`: confirm, ship, deliver, accept, reject or cancel.
pub async fn act(
    State(ctx): State<Ctx>,
    page: Page,
    Path((id, verb)): Path<(String, String)>,
    WebForm(form): WebForm<ActionInput>,
) -> PageResult {
    let user = page.submitter(&form.csrf)?;
    let id = parse_id(&id).ok_or_else(|| page.fail(ApiError::not_found("order")))?;
    let action = OrderAction::ALL
        .into_iter()
        .find(|a| a.verb() == verb)
        .ok_or_else(|| page.fail(ApiError::not_found("order action")))?;
    let outcome = match transition_input(page.tr, action, &form) {
        Ok(input) => orders::act(&ctx, user, id, action, input, None).await,
        Err(error) => Err(error),
    };
    match outcome {
        Ok(_) => {
            let back = if form.from == "list" {
                "/orders".to_owned()
            } else {
                format!("/orders/{id}")
            };
            Ok(Redirect::to(&format!("{back}?done=order_{}", action.verb())).into_response())
        }
        // Shown again on the order's own page, whichever list the form was on.
        Err(error) => {
            page.refused(&format!("/orders/{id}"), "action", &form, error)
                .await
        }
    }
}
