//! Deposits with their refund deadlines and status, a contract's performance deposit, and
//! guarantee letters with their validity; the applicant supplier registers a letter by pasting
//! what `gpmall guarantee issue` printed. A refused form comes back on its page's own address
//! (post/redirect/get), with what was typed.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Redirect};
use gpmall_platform::i18n::Text;
use gpmall_platform::identity::{Identity, OrgKind, Role};
use gpmall_platform::pagination::PageRequest;
use gpmall_platform::{ApiError, Ctx};
use gpmall_settlement::domain::deposits::{DepositForm, DepositStatus};
use gpmall_settlement::domain::guarantee::LetterStatus;
use gpmall_settlement::service::deposits::{
    self, DepositFilter, DepositView, ForfeitInput, NewPerformanceDeposit, PerformanceDepositPage,
};
use gpmall_settlement::service::guarantees::{self, LetterView, NewLetter, RegisterPage};
use serde::{Deserialize, Serialize};

use super::{page_number, parse_day};
use crate::web::i18n::Tr;
use crate::web::page::{
    Layout, OrFail, Page, PageResult, WebForm, encode, parse_id, parse_int, parse_money,
};

const PER_PAGE: u64 = 20;

pub const DEPOSIT_STATUSES: [DepositStatus; 5] = DepositStatus::ALL;

pub const LETTER_STATUSES: [LetterStatus; 6] = LetterStatus::ALL;

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

/// A refused form goes back to its page, except a refusal of the caller itself (the 403 page).
async fn refused<F: Serialize>(
    page: &Page,
    back_to: &str,
    form: &str,
    fields: &F,
    error: ApiError,
) -> PageResult {
    if error.code == "FORBIDDEN" {
        return Err(page.fail(error));
    }
    page.refused(back_to, form, fields, error).await
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
    /// The forfeiture form refused last, as typed.
    retried: Option<ForfeitForm>,
}

impl DepositsPage {
    fn page_href(&self, page: u64) -> String {
        format!("/deposits?status={}&page={page}", encode(&self.status))
    }

    fn forfeitable(&self, d: &DepositView) -> bool {
        self.may_forfeit && d.status == DepositStatus::Held && !d.forfeiture_cases.is_empty()
    }

    /// The refused forfeiture form of deposit `d`, if that is the one shown again.
    fn retried_for(&self, d: &DepositView) -> Option<&ForfeitForm> {
        self.retried.as_ref().filter(|f| f.deposit_id == d.id)
    }

    fn occurred_on_for(&self, d: &DepositView) -> String {
        self.retried_for(d)
            .map_or_else(|| self.today.clone(), |f| f.occurred_on.clone())
    }

    fn notes_for(&self, d: &DepositView) -> String {
        self.retried_for(d)
            .map(|f| f.notes.clone())
            .unwrap_or_default()
    }
}

/// The forfeiture form as typed.
#[derive(Deserialize, Serialize, Default, Clone)]
#[serde(default)]
pub struct ForfeitForm {
    #[serde(skip_serializing)]
    csrf: String,
    pub case: String,
    pub occurred_on: String,
    pub notes: String,
    /// The deposit the form was for (kept with a refused form, not typed).
    pub deposit_id: i64,
}

/// `GET /deposits`: the deposits the organization paid or holds, with refund deadlines.
pub async fn deposits(State(ctx): State<Ctx>, page: Page, uri: Uri) -> PageResult {
    let user = page.user()?;
    let query = list_query(&uri);
    let status = DepositStatus::parse(query.status.trim());
    let request = PageRequest::parse(page_number(&query.page), Some(PER_PAGE)).or_fail(&page)?;
    let filter = DepositFilter {
        status,
        ..DepositFilter::default()
    };
    let found = deposits::list_deposits(&ctx, user, filter, request)
        .await
        .or_fail(&page)?;
    let template = DepositsPage {
        tr: page.tr,
        layout: page.layout(),
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
        retried: page.retained("forfeit"),
    };
    Ok((page.status(), template).into_response())
}

/// `POST /deposits/{id}/forfeit`: the purchaser keeps a performance deposit for an agreed case.
pub async fn forfeit(
    State(ctx): State<Ctx>,
    page: Page,
    Path(id): Path<String>,
    WebForm(mut form): WebForm<ForfeitForm>,
) -> PageResult {
    let user = page.submitter(&form.csrf)?;
    let id = parse_id(&id).ok_or_else(|| page.fail(ApiError::not_found("deposit")))?;
    form.deposit_id = id;
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
        Err(error) => refused(&page, "/deposits", "forfeit", &form, error).await,
    }
}

// ---------------------------------------------------------------------------------------------
// A contract's performance deposit

/// The performance deposit form as typed.
#[derive(Deserialize, Serialize, Default, Clone)]
#[serde(default)]
pub struct PerformanceForm {
    #[serde(skip_serializing)]
    csrf: String,
    pub amount: String,
    pub form: String,
    pub received_on: String,
    pub reference: String,
    /// Only when the contract has no performance deposit clause.
    pub refund_days: String,
}

impl PerformanceForm {
    fn parse(&self, tr: Tr) -> Result<NewPerformanceDeposit, ApiError> {
        let refund_days = match self.refund_days.trim() {
            "" => None,
            raw => Some(
                u32::try_from(parse_int(tr, "deposits.refund_days", raw)?)
                    .map_err(|_| ApiError::invalid(Text::new("msg.deposit.refund_days_max")))?,
            ),
        };
        Ok(NewPerformanceDeposit {
            amount: parse_money(tr, "field.amount", &self.amount)?,
            form: self.form.trim().to_owned(),
            received_on: parse_day(tr, "deposits.received_on", &self.received_on)?,
            refund_days_after_completion: refund_days,
            late_interest: None,
            reference: Some(self.reference.clone()),
        })
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "performance_deposit.html")]
struct PerformanceDepositTemplate {
    tr: Tr,
    layout: Layout,
    view: PerformanceDepositPage,
    forms: Vec<DepositForm>,
    form: PerformanceForm,
    today: String,
}

impl PerformanceDepositTemplate {
    fn form_names(&self, forms: &[DepositForm]) -> String {
        forms
            .iter()
            .map(|f| {
                self.tr
                    .t(&format!("deposits.form.{}", f.as_str()))
                    .to_owned()
            })
            .collect::<Vec<_>>()
            .join(self.tr.t("list.separator"))
    }
}

/// `GET /contracts/{id}/performance-deposit`: the deposit the contract requires, and for its
/// purchaser the form that records it as received.
pub async fn performance_deposit(
    State(ctx): State<Ctx>,
    page: Page,
    Path(id): Path<String>,
) -> PageResult {
    let user = page.user()?;
    let id = parse_id(&id).ok_or_else(|| page.fail(ApiError::not_found("contract")))?;
    let view = deposits::performance_deposit_page(&ctx, user, id)
        .await
        .or_fail(&page)?;
    let forms = view
        .clause
        .as_ref()
        .map_or_else(|| DepositForm::ALL.to_vec(), |c| c.forms.clone());
    let form = page
        .retained("performance")
        .unwrap_or_else(|| PerformanceForm {
            amount: view
                .clause
                .as_ref()
                .map(|c| c.amount.to_string())
                .unwrap_or_default(),
            received_on: ctx.clock.today().to_string(),
            ..PerformanceForm::default()
        });
    let template = PerformanceDepositTemplate {
        tr: page.tr,
        layout: page.layout(),
        view,
        forms,
        form,
        today: ctx.clock.today().to_string(),
    };
    Ok((page.status(), template).into_response())
}

/// `POST /contracts/{id}/performance-deposit`: the purchaser records the deposit received.
pub async fn record_performance_deposit(
    State(ctx): State<Ctx>,
    page: Page,
    Path(id): Path<String>,
    WebForm(form): WebForm<PerformanceForm>,
) -> PageResult {
    let user = page.submitter(&form.csrf)?;
    let id = parse_id(&id).ok_or_else(|| page.fail(ApiError::not_found("contract")))?;
    let back = format!("/contracts/{id}/performance-deposit");
    let outcome = match form.parse(page.tr) {
        Ok(input) => deposits::record_performance_deposit(&ctx, user, id, input).await,
        Err(error) => Err(error),
    };
    match outcome {
        Ok(_) => {
            Ok(Redirect::to(&format!("{back}?done=performance_deposit_recorded")).into_response())
        }
        Err(error) => refused(&page, &back, "performance", &form, error).await,
    }
}

// ---------------------------------------------------------------------------------------------
// Guarantee letters

#[derive(Deserialize, Serialize, Default, Clone)]
#[serde(default)]
pub struct LetterForm {
    #[serde(skip_serializing)]
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
    /// The registering supplier, when it may register: its name and credit code.
    applicant: Option<RegisterPage>,
    form: LetterForm,
}

impl GuaranteesPage {
    fn page_href(&self, page: u64) -> String {
        format!("/guarantees?status={}&page={page}", encode(&self.status))
    }

    /// What the letter must name as its applicant: the supplier's name and credit code.
    fn register_hint(&self) -> String {
        let Some(applicant) = &self.applicant else {
            return String::new();
        };
        let text = match &applicant.credit_code {
            Some(code) => Text::new("guarantees.register_hint_org")
                .arg("name", &applicant.name)
                .arg("code", code),
            None => Text::new("guarantees.register_hint_org_no_code").arg("name", &applicant.name),
        };
        self.tr.render(&text)
    }
}

fn may_register(user: &Identity) -> bool {
    user.org_kind == OrgKind::Supplier && user.has_role(Role::Seller)
}

/// `GET /guarantees`: the letters the organization applied for or benefits from.
pub async fn guarantees(State(ctx): State<Ctx>, page: Page, uri: Uri) -> PageResult {
    let user = page.user()?;
    let query = list_query(&uri);
    let status = LetterStatus::parse(query.status.trim());
    let request = PageRequest::parse(page_number(&query.page), Some(PER_PAGE)).or_fail(&page)?;
    let found = guarantees::list(&ctx, user, status, request)
        .await
        .or_fail(&page)?;
    let applicant = if may_register(user) {
        Some(guarantees::register_page(&ctx, user).await.or_fail(&page)?)
    } else {
        None
    };
    let template = GuaranteesPage {
        tr: page.tr,
        layout: page.layout(),
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
        applicant,
        form: page.retained("letter").unwrap_or_default(),
    };
    Ok((page.status(), template).into_response())
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
        Err(e) => Err(ApiError::invalid(
            Text::new("guarantees.bad_json").arg("", e),
        )),
    };
    match outcome {
        Ok(_) => Ok(Redirect::to("/guarantees?done=letter_registered").into_response()),
        Err(error) => refused(&page, "/guarantees", "letter", &form, error).await,
    }
}
