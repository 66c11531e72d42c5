//! Financing on pages: products compared, a supplier's applications with the form to apply
//! from one of its contracts, each application's timeline with withdrawal; the operator and
//! the regulator see every application and the partner banks.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect};
use gpmall_financing::domain::application::ApplicationStatus;
use gpmall_financing::service::applications::{
    self, ApplicationDetail, ApplicationView, NewApplication,
};
use gpmall_financing::service::banks::{self, BankView};
use gpmall_financing::service::products::{self, LoanProductView};
use gpmall_platform::identity::{Identity, OrgKind};
use gpmall_platform::ids::{ContractId, LoanApplicationId, LoanProductId};
use gpmall_platform::pagination::PageRequest;
use gpmall_platform::{ApiError, Ctx, Money};
use gpmall_settlement::domain::contract::ContractStatus;
use gpmall_settlement::service::contracts;
use serde::{Deserialize, Serialize};

use super::i18n::Tr;
use super::page::{Layout, OrFail, Page, PageResult, WebForm, parse_id, parse_int, parse_money};

/// A contract the supplier may borrow against: active, with something unpaid.
pub struct Financeable {
    pub id: i64,
    pub contract_no: String,
    pub purchaser_name: String,
    pub unpaid: Money,
}

/// The application form as typed; the key makes a double submission one application.
#[derive(Deserialize, Serialize, Default, Clone)]
#[serde(default)]
pub struct ApplyForm {
    csrf: String,
    pub idempotency_key: String,
    pub contract_id: String,
    pub product_id: String,
    pub amount: String,
    pub term_months: String,
    pub consent: String,
}

#[derive(Deserialize, Serialize, Default, Clone)]
#[serde(default)]
pub struct WithdrawForm {
    csrf: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "financing.html")]
struct FinancingPage {
    tr: Tr,
    layout: Layout,
    is_supplier: bool,
    products: Vec<LoanProductView>,
    applications: Vec<ApplicationView>,
    total: u64,
    contracts: Vec<Financeable>,
    banks: Vec<BankView>,
    form: ApplyForm,
}

impl FinancingPage {
    fn contract_selected(&self, c: &Financeable) -> bool {
        self.form.contract_id.trim() == c.id.to_string()
    }

    fn product_selected(&self, p: &LoanProductView) -> bool {
        self.form.product_id.trim() == p.id.to_string()
    }

    fn status_label(&self, status: &ApplicationStatus) -> String {
        self.tr.of("financing.status", status.as_str()).to_owned()
    }

    fn sizes(&self, p: &LoanProductView) -> String {
        p.eligible_sizes
            .iter()
            .map(|s| self.tr.of("size", s.as_str()))
            .collect::<Vec<_>>()
            .join(self.tr.pick("、", ", "))
    }

    fn scheme_label(&self, bank: &BankView) -> String {
        self.tr
            .of("financing.scheme", bank.scheme.as_str())
            .to_owned()
    }

    fn active_keys(&self, bank: &BankView) -> String {
        bank.keys
            .iter()
            .filter(|k| k.active)
            .map(|k| k.key_id.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn may_see(user: &Identity) -> bool {
    matches!(
        user.org_kind,
        OrgKind::Supplier | OrgKind::Operator | OrgKind::Regulator | OrgKind::Bank
    )
}

/// The supplier's contracts that can secure a loan.
async fn financeable(ctx: &Ctx, user: &Identity) -> Result<Vec<Financeable>, ApiError> {
    let request = PageRequest::parse(None, Some(100))?;
    let found = contracts::list(ctx, user, request).await?;
    Ok(found
        .items
        .into_iter()
        .filter(|c| c.status == ContractStatus::Active)
        .filter_map(|c| {
            let unpaid = c.amount.checked_sub(c.paid)?.checked_sub(c.deducted)?;
            unpaid.is_positive().then_some(Financeable {
                id: c.id,
                contract_no: c.contract_no,
                purchaser_name: c.purchaser_name,
                unpaid,
            })
        })
        .collect())
}

/// `GET /financing`.
pub async fn overview(State(ctx): State<Ctx>, page: Page) -> PageResult {
    let user = page.user()?;
    if !may_see(user) {
        return Err(
            page.fail(ApiError::refused(gpmall_platform::i18n::Text::new(
                "msg.financing.applications_not_for_you",
            ))),
        );
    }
    let is_supplier = user.org_kind == OrgKind::Supplier;
    let products = if user.org_kind == OrgKind::Bank {
        Vec::new()
    } else {
        products::list(&ctx, user)
            .await
            .map_err(ApiError::from)
            .or_fail(&page)?
    };
    let request = PageRequest::parse(None, Some(50)).or_fail(&page)?;
    let found = applications::list(&ctx, user, None, request)
        .await
        .map_err(ApiError::from)
        .or_fail(&page)?;
    let contracts = if is_supplier {
        financeable(&ctx, user).await.or_fail(&page)?
    } else {
        Vec::new()
    };
    let banks = if matches!(user.org_kind, OrgKind::Operator | OrgKind::Regulator) {
        banks::list(&ctx, user)
            .await
            .map_err(ApiError::from)
            .or_fail(&page)?
    } else {
        Vec::new()
    };
    let form = page.retained("apply").unwrap_or_else(|| ApplyForm {
        idempotency_key: uuid::Uuid::new_v4().to_string(),
        ..ApplyForm::default()
    });
    let template = FinancingPage {
        tr: page.tr,
        layout: page.layout(),
        is_supplier,
        products,
        total: found.total,
        applications: found.items,
        contracts,
        banks,
        form,
    };
    Ok((page.status(), template).into_response())
}

impl ApplyForm {
    fn parse(&self, tr: Tr) -> Result<NewApplication, ApiError> {
        let contract = parse_id(&self.contract_id)
            .ok_or_else(|| ApiError::validation(tr.t("financing.choose_contract")))?;
        let product = parse_id(&self.product_id)
            .ok_or_else(|| ApiError::validation(tr.t("financing.choose_product")))?;
        let months = parse_int(tr, "financing.term_months", &self.term_months)?;
        Ok(NewApplication {
            contract_id: ContractId(contract),
            product_id: LoanProductId(product),
            amount: parse_money(tr, "financing.amount", &self.amount)?,
            term_months: u32::try_from(months).map_err(|_| {
                ApiError::validation(tr.f("form.not_a_whole_number", tr.t("financing.term_months")))
            })?,
            consent: !self.consent.trim().is_empty(),
        })
    }
}

/// `POST /financing/applications`: a supplier applies.
pub async fn apply(
    State(ctx): State<Ctx>,
    page: Page,
    WebForm(form): WebForm<ApplyForm>,
) -> PageResult {
    let user = page.submitter(&form.csrf)?;
    let key = form.idempotency_key.trim().to_owned();
    let outcome = match form.parse(page.tr) {
        Ok(input) => applications::apply(
            &ctx,
            user,
            input,
            Some(&key).filter(|k| !k.is_empty()).map(|k| k.as_str()),
        )
        .await
        .map_err(ApiError::from),
        Err(error) => Err(error),
    };
    match outcome {
        Ok(done) => Ok(Redirect::to(&format!(
            "/financing/applications/{}?done=financing_applied",
            done.application.id
        ))
        .into_response()),
        Err(error) => page.refused("/financing", "apply", &form, error).await,
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "financing_application.html")]
struct ApplicationPage {
    tr: Tr,
    layout: Layout,
    detail: ApplicationDetail,
}

impl ApplicationPage {
    fn status_label(&self, status: &ApplicationStatus) -> String {
        self.tr.of("financing.status", status.as_str()).to_owned()
    }

    fn event_label(&self, kind: &str) -> String {
        self.tr.of("financing.event", kind).to_owned()
    }
}

fn application_id(page: &Page, raw: &str) -> Result<LoanApplicationId, super::page::PageError> {
    parse_id(raw)
        .map(LoanApplicationId)
        .ok_or_else(|| page.fail(ApiError::not_found("financing application")))
}

/// `GET /financing/applications/{id}`: the application and its timeline.
pub async fn detail(State(ctx): State<Ctx>, page: Page, Path(id): Path<String>) -> PageResult {
    let user = page.user()?;
    let id = application_id(&page, &id)?;
    let detail = applications::get(&ctx, user, id)
        .await
        .map_err(ApiError::from)
        .or_fail(&page)?;
    let template = ApplicationPage {
        tr: page.tr,
        layout: page.layout(),
        detail,
    };
    Ok((page.status(), template).into_response())
}

/// `POST /financing/applications/{id}/withdraw`.
pub async fn withdraw(
    State(ctx): State<Ctx>,
    page: Page,
    Path(id): Path<String>,
    WebForm(form): WebForm<WithdrawForm>,
) -> PageResult {
    let user = page.submitter(&form.csrf)?;
    let id = application_id(&page, &id)?;
    let back = format!("/financing/applications/{id}");
    match applications::withdraw(&ctx, user, id, None).await {
        Ok(_) => Ok(Redirect::to(&format!("{back}?done=financing_withdrawn")).into_response()),
        Err(error) => page.refused(&back, "withdraw", &form, error.into()).await,
    }
}
