//! Deposits with their refund deadlines and status, and guarantee letters with their validity;
//! the applicant supplier registers a letter by pasting what `gpmall guarantee issue` printed.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Redirect};
use gpmall_platform::identity::{Identity, OrgKind, Role};
use gpmall_platform::pagination::PageRequest;
use gpmall_platform::{ApiError, Ctx};
use gpmall_settlement::domain::deposits::DepositStatus;
use gpmall_settlement::domain::guarantee::LetterStatus;
use gpmall_settlement::service::deposits::{self, DepositFilter, DepositView, ForfeitInput};
use gpmall_settlement::service::guarantees::{self, LetterView, NewLetter};
use serde::Deserialize;

use super::{page_number, parse_day};
use crate::web::i18n::Tr;
use crate::web::page::{Layout, OrFail, Page, PageResult, WebForm, encode, parse_id, respond};

const PER_PAGE: u64 = 20;

pub const DEPOSIT_STATUSES: [DepositStatus; 5] = [
    DepositStatus::Held,
    DepositStatus::RefundDue,
    DepositStatus::Refunded,
    DepositStatus::Converted,
    DepositStatus::Forfeited,
];

pub const LETTER_STATUSES: [LetterStatus; 6] = [
    LetterStatus::Verified,
    LetterStatus::Released,
    LetterStatus::Claimed,
    LetterStatus::ClaimPaid,
    LetterStatus::ClaimRefused,
    LetterStatus::Expired,
];

#[derive(Deserialize, Default)]
#[serde(default)]
struct ListQuery {
    status: String,
    page: String,
}

fn list_query(uri: &Uri) -> ListQuery {
    Query::<ListQuery>::try_from_uri(uri)
        .map(|q| q.0)
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Deposits

#[derive(Template, WebTemplate)]
#[template(path = "deposits.html")]
struct DepositsPage {
    tr: Tr,
    layout: Layout,
    heading: &'static str,
    supplier_view: bool,
    deposits: Vec<DepositView>,
    statuses: [DepositStatus; 5],
    status: String,
    page: u64,
    pages: u64,
    /// The purchaser's buyer or finance officer may forfeit its held performance deposits.
    may_forfeit: bool,
    today: String,
}

impl DepositsPage {
    fn page_href(&self, page: u64) -> String {
        format!("/deposits?status={}&page={page}", encode(&self.status))
    }

    fn forfeitable(&self, d: &DepositView) -> bool {
        self.may_forfeit && d.status == DepositStatus::Held && !d.forfeiture_cases.is_empty()
    }
}

/// The forfeiture form as typed.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct ForfeitForm {
    csrf: String,
    pub case: String,
    pub occurred_on: String,
    pub notes: String,
}

/// `GET /deposits`: the deposits the organization paid or holds, with refund deadlines.
pub async fn deposits(State(ctx): State<Ctx>, page: Page, uri: Uri) -> PageResult {
    render_deposits(&ctx, &page, list_query(&uri), None).await
}

/// `POST /deposits/{id}/forfeit`: the purchaser keeps a performance deposit for an agreed case.
pub async fn forfeit(
    State(ctx): State<Ctx>,
    page: Page,
    Path(id): Path<String>,
    WebForm(form): WebForm<ForfeitForm>,
) -> PageResult {
    let user = page.submitter(&form.csrf)?;
    let id = parse_id(&id).ok_or_else(|| page.fail(ApiError::not_found("deposit")))?;
    let outcome = match parse_day(page.tr, "field.occurred_on", &form.occurred_on) {
        Ok(occurred_on) => {
            let input = ForfeitInput {
                case: form.case.clone(),
                occurred_on,
                notes: Some(form.notes.clone()),
            };
            deposits::forfeit(&ctx, user, id, input).await
        }
        Err(error) => Err(error),
    };
    match outcome {
        Ok(_) => Ok(Redirect::to("/deposits?done=deposit_forfeited").into_response()),
        Err(error) if error.status.is_client_error() && error.code != "NOT_FOUND" => {
            render_deposits(&ctx, &page, ListQuery::default(), Some(error)).await
        }
        Err(error) => Err(page.fail(error)),
    }
}

async fn render_deposits(
    ctx: &Ctx,
    page: &Page,
    query: ListQuery,
    error: Option<ApiError>,
) -> PageResult {
    let user = page.user()?;
    let status = DepositStatus::parse(query.status.trim());
    let request = PageRequest::parse(page_number(&query.page), Some(PER_PAGE)).or_fail(page)?;
    let filter = DepositFilter {
        status,
        ..DepositFilter::default()
    };
    let found = deposits::list_deposits(ctx, user, filter, request)
        .await
        .or_fail(page)?;
    let template = DepositsPage {
        tr: page.tr,
        layout: page.layout_with(error.as_ref()),
        heading: match user.org_kind {
            OrgKind::Supplier => "deposits.title_supplier",
            OrgKind::Purchaser => "deposits.title_purchaser",
            _ => "deposits.title_all",
        },
        supplier_view: user.org_kind == OrgKind::Supplier,
        pages: found.total.div_ceil(PER_PAGE),
        page: found.page,
        deposits: found.items,
        statuses: DEPOSIT_STATUSES,
        status: status.map_or("", DepositStatus::as_str).to_owned(),
        may_forfeit: user.org_kind == OrgKind::Purchaser
            && (user.has_role(Role::Buyer) || user.has_role(Role::Finance)),
        today: ctx.clock.today().to_string(),
    };
    Ok(respond(template, error.as_ref()))
}

// ---------------------------------------------------------------------------------------------
// Guarantee letters

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct LetterForm {
    csrf: String,
    pub letter: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "guarantees.html")]
struct GuaranteesPage {
    tr: Tr,
    layout: Layout,
    heading: &'static str,
    letters: Vec<LetterView>,
    statuses: [LetterStatus; 6],
    status: String,
    page: u64,
    pages: u64,
    may_register: bool,
    org_id: i64,
    form: LetterForm,
}

impl GuaranteesPage {
    fn page_href(&self, page: u64) -> String {
        format!("/guarantees?status={}&page={page}", encode(&self.status))
    }
}

fn may_register(user: &Identity) -> bool {
    user.org_kind == OrgKind::Supplier && user.has_role(Role::Seller)
}

async fn render_guarantees(
    ctx: &Ctx,
    page: &Page,
    query: ListQuery,
    form: LetterForm,
    error: Option<ApiError>,
) -> PageResult {
    let user = page.user()?;
    let status = LetterStatus::parse(query.status.trim());
    let request = PageRequest::parse(page_number(&query.page), Some(PER_PAGE)).or_fail(page)?;
    let found = guarantees::list(ctx, user, status, request)
        .await
        .or_fail(page)?;
    let template = GuaranteesPage {
        tr: page.tr,
        layout: page.layout_with(error.as_ref()),
        heading: match user.org_kind {
            OrgKind::Supplier => "guarantees.title_supplier",
            OrgKind::Purchaser => "guarantees.title_purchaser",
            _ => "guarantees.title_all",
        },
        pages: found.total.div_ceil(PER_PAGE),
        page: found.page,
        letters: found.items,
        statuses: LETTER_STATUSES,
        status: status.map_or("", LetterStatus::as_str).to_owned(),
        may_register: may_register(user),
        org_id: user.org_id,
        form,
    };
    Ok(respond(template, error.as_ref()))
}

/// `GET /guarantees`: the letters the organization applied for or benefits from.
pub async fn guarantees(State(ctx): State<Ctx>, page: Page, uri: Uri) -> PageResult {
    render_guarantees(&ctx, &page, list_query(&uri), LetterForm::default(), None).await
}

/// `POST /guarantees`: the applicant supplier registers a signed letter; it is kept only when
/// the issuer's signature verifies.
pub async fn register_letter(
    State(ctx): State<Ctx>,
    page: Page,
    WebForm(form): WebForm<LetterForm>,
) -> PageResult {
    let user = page.submitter(&form.csrf)?;
    let outcome = match serde_json::from_str::<NewLetter>(form.letter.trim()) {
        Ok(letter) => guarantees::register_letter(&ctx, user, letter).await,
        Err(e) => Err(ApiError::validation(page.tr.f("guarantees.bad_json", e))),
    };
    match outcome {
        Ok(_) => Ok(Redirect::to("/guarantees?done=letter_registered").into_response()),
        Err(error) if error.status.is_client_error() && error.code != "NOT_FOUND" => {
            render_guarantees(&ctx, &page, ListQuery::default(), form, Some(error)).await
        }
        Err(error) => Err(page.fail(error)),
    }
}
