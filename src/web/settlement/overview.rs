//! Payment performance per purchaser, the organization's warnings, and the supplier's
//! collection account.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Redirect};
use gpmall_platform::identity::{Identity, OrgKind};
use gpmall_platform::pagination::PageRequest;
use gpmall_platform::{ApiError, Ctx};
use gpmall_settlement::service::contracts::{self, CollectionAccount, PaymentPerformance};
use gpmall_settlement::service::warnings::{self, WarningView};
use serde::Deserialize;

use crate::web::i18n::Tr;
use crate::web::page::{Layout, OrFail, Page, PageResult, WebForm, respond};

/// The warning rules the settlement services raise (each has a label).
#[cfg(test)]
pub const RULES: [&str; 6] = [
    "payment_due_soon",
    "payment_overdue",
    "contract_publication_overdue",
    "calendar_year_missing",
    gpmall_settlement::service::deposits::RULE_OVERDUE,
    gpmall_settlement::service::guarantees::EXPIRING_RULE,
];

fn sees_everyone(user: &Identity) -> bool {
    matches!(user.org_kind, OrgKind::Operator | OrgKind::Regulator)
}

// ---------------------------------------------------------------------------------------------
// Payment performance

#[derive(Template, WebTemplate)]
#[template(path = "performance.html")]
struct PerformancePage {
    tr: Tr,
    layout: Layout,
    rows: Vec<PaymentPerformance>,
    /// Operator and regulator: every purchasing unit.
    all: bool,
}

/// `GET /performance`: share of instalments paid on time, average days to pay, overdue amount
/// and interest owed — the purchaser's own, every purchaser's for the operator and regulator.
pub async fn performance(State(ctx): State<Ctx>, page: Page) -> PageResult {
    let user = page.user()?;
    let rows = contracts::payment_performance(&ctx, user)
        .await
        .or_fail(&page)?;
    let template = PerformancePage {
        tr: page.tr,
        layout: page.layout(),
        rows,
        all: sees_everyone(user),
    };
    Ok(template.into_response())
}

// ---------------------------------------------------------------------------------------------
// Warnings

pub struct WarningRow {
    pub w: WarningView,
    /// The page where the subject is dealt with.
    pub link: Option<String>,
}

fn link_of(user: &Identity, w: &WarningView) -> Option<String> {
    match w.subject_type.as_str() {
        "contract" => Some(format!("/contracts/{}", w.subject_id)),
        "instalment" => w
            .subject_id
            .split_once('#')
            .map(|(contract, _)| format!("/contracts/{contract}")),
        "deposit" => Some("/deposits".to_owned()),
        "guarantee_letter" => Some("/guarantees".to_owned()),
        "calendar_year" if sees_everyone(user) => Some("/operator/calendar".to_owned()),
        _ => None,
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "warnings.html")]
struct WarningsPage {
    tr: Tr,
    layout: Layout,
    rows: Vec<WarningRow>,
    show_resolved: bool,
    all: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct WarningsQuery {
    resolved: String,
}

/// `GET /warnings[?resolved=1]`: the organization's open warnings (also the resolved ones on
/// request); every organization's for the operator and regulator.
pub async fn warnings(State(ctx): State<Ctx>, page: Page, uri: Uri) -> PageResult {
    let user = page.user()?;
    let query = Query::<WarningsQuery>::try_from_uri(&uri)
        .map(|q| q.0)
        .unwrap_or_default();
    let show_resolved = matches!(query.resolved.trim(), "1" | "true" | "yes" | "on");
    let found = warnings::list(&ctx, user, !show_resolved, page.tr.lang())
        .await
        .or_fail(&page)?;
    let rows = found
        .into_iter()
        .map(|w| WarningRow {
            link: link_of(user, &w),
            w,
        })
        .collect();
    let template = WarningsPage {
        tr: page.tr,
        layout: page.layout(),
        rows,
        show_resolved,
        all: sees_everyone(user),
    };
    Ok(template.into_response())
}

// ---------------------------------------------------------------------------------------------
// The supplier's collection account

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct AccountForm {
    csrf: String,
    pub account_name: String,
    pub bank_name: String,
    pub account_no: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "supplier_account.html")]
struct AccountPage {
    tr: Tr,
    layout: Layout,
    form: AccountForm,
    /// The newest contract's number and the account it is paid to.
    latest: Option<(String, String)>,
}

async fn render_account(
    ctx: &Ctx,
    page: &Page,
    form: Option<AccountForm>,
    error: Option<ApiError>,
) -> PageResult {
    let user = page.user()?;
    if user.org_kind != OrgKind::Supplier {
        return Err(page.fail(ApiError::forbidden(
            "only suppliers have collection accounts",
        )));
    }
    let request = PageRequest::parse(Some(1), Some(1)).or_fail(page)?;
    let latest = contracts::list(ctx, user, request)
        .await
        .or_fail(page)?
        .items
        .into_iter()
        .next()
        .map(|c| (c.contract_no, c.collection_account));
    let current = contracts::collection_account(ctx, user)
        .await
        .or_fail(page)?;
    let form = form.unwrap_or_else(|| match &current {
        Some(account) => AccountForm {
            account_name: account.account_name.clone(),
            bank_name: account.bank_name.clone(),
            account_no: account.account_no.clone(),
            ..AccountForm::default()
        },
        None => AccountForm {
            account_name: user.org_name.clone(),
            ..AccountForm::default()
        },
    });
    let template = AccountPage {
        tr: page.tr,
        layout: page.layout_with(error.as_ref()),
        form,
        latest,
    };
    Ok(respond(template, error.as_ref()))
}

/// `GET /supplier/account`: the form to record the account new contracts are paid to.
pub async fn account_page(State(ctx): State<Ctx>, page: Page) -> PageResult {
    render_account(&ctx, &page, None, None).await
}

/// `POST /supplier/account`.
pub async fn save_account(
    State(ctx): State<Ctx>,
    page: Page,
    WebForm(form): WebForm<AccountForm>,
) -> PageResult {
    let user = page.submitter(&form.csrf)?;
    let input = CollectionAccount {
        account_name: form.account_name.clone(),
        bank_name: form.bank_name.clone(),
        account_no: form.account_no.clone(),
    };
    match contracts::set_collection_account(&ctx, user, input).await {
        Ok(_) => {
            Ok(Redirect::to("/supplier/account?done=collection_account_saved").into_response())
        }
        Err(error) if error.status.is_client_error() && error.code != "FORBIDDEN" => {
            render_account(&ctx, &page, Some(form), Some(error)).await
        }
        Err(error) => Err(page.fail(error)),
    }
}
