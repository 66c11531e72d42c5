//! Budget lines on pages: a purchasing unit sees its lines with what is left, its finance
//! officer adds and adjusts them; the operator does the same for every unit, and the regulator
//! reads them all. The operator also sets each category's direct-purchase limit for a year.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Redirect, Response};
use gpmall_mall::service::budgets::{
    self, BudgetAdjustment, BudgetFilter, BudgetLineDetail, BudgetLineView, NewBudgetLine,
    PurchasingUnit,
};
use gpmall_mall::service::catalog::{self, CategoryView};
use gpmall_platform::identity::{Identity, OrgKind, Role};
use gpmall_platform::pagination::PageRequest;
use gpmall_platform::{ApiError, Ctx};
use serde::{Deserialize, Serialize};

use super::i18n::Tr;
use super::page::{
    Layout, OrFail, Page, PageResult, WebForm, parse_id, parse_int, parse_money, query_param,
};

const PER_PAGE: u64 = 50;

/// Who is looking, and what the page offers them.
pub struct BudgetViewer {
    /// The operator or the regulator: every unit's lines, with a unit filter.
    pub all_units: bool,
    /// May add lines and adjust them (the operator; a unit's finance officer for its own unit).
    pub may_manage: bool,
}

impl BudgetViewer {
    fn of(user: &Identity) -> Self {
        let all_units = matches!(user.org_kind, OrgKind::Operator | OrgKind::Regulator);
        BudgetViewer {
            all_units,
            may_manage: user.has_role(Role::Operator)
                || (user.org_kind == OrgKind::Purchaser && user.has_role(Role::Finance)),
        }
    }
}

/// A new budget line as typed.
#[derive(Deserialize, Serialize, Default, Clone)]
#[serde(default)]
pub struct LineForm {
    csrf: String,
    pub org_id: String,
    pub code: String,
    pub fiscal_year: String,
    pub fund_source: String,
    pub amount: String,
}

impl LineForm {
    fn parse(&self, tr: Tr, user: &Identity) -> Result<NewBudgetLine, ApiError> {
        let org_id = if user.org_kind == OrgKind::Purchaser {
            None
        } else {
            Some(
                parse_id(&self.org_id)
                    .ok_or_else(|| ApiError::validation(tr.t("budgets.choose_unit")))?,
            )
        };
        let year = parse_int(tr, "field.fiscal_year", &self.fiscal_year)?;
        Ok(NewBudgetLine {
            org_id,
            code: self.code.clone(),
            fiscal_year: i32::try_from(year).map_err(|_| {
                ApiError::validation(tr.f("form.not_a_whole_number", tr.t("field.fiscal_year")))
            })?,
            fund_source: self.fund_source.clone(),
            amount: parse_money(tr, "field.amount", &self.amount)?,
        })
    }
}

/// An adjustment as typed, remembered for the line it was meant for.
#[derive(Deserialize, Serialize, Default, Clone)]
#[serde(default)]
pub struct AdjustForm {
    csrf: String,
    pub line_id: String,
    pub delta: String,
    pub reason: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "budgets.html")]
struct BudgetsPage {
    tr: Tr,
    layout: Layout,
    viewer: BudgetViewer,
    lines: Vec<BudgetLineView>,
    total: u64,
    units: Vec<PurchasingUnit>,
    /// The unit the operator filtered by.
    unit: Option<i64>,
    form: LineForm,
    adjust: AdjustForm,
    /// The line whose adjustments are shown (`?line=`).
    detail: Option<BudgetLineDetail>,
}

impl BudgetsPage {
    fn adjust_value<'a>(&'a self, line: &BudgetLineView, field: &str) -> &'a str {
        if self.adjust.line_id.trim() != line.id.to_string() {
            return "";
        }
        match field {
            "delta" => &self.adjust.delta,
            _ => &self.adjust.reason,
        }
    }

    fn unit_selected(&self, unit: &PurchasingUnit) -> bool {
        self.unit == Some(unit.id) || self.form.org_id.trim() == unit.id.to_string()
    }

    fn is_filtered_to(&self, unit: &PurchasingUnit) -> bool {
        self.unit == Some(unit.id)
    }

    fn filter_href(&self, unit: &PurchasingUnit) -> String {
        format!("/budgets?org={}", unit.id)
    }
}

/// `GET /budgets`: the lines the viewer may see, with forms for those who manage them.
pub async fn list(State(ctx): State<Ctx>, page: Page, uri: Uri) -> PageResult {
    let user = page.user()?;
    if matches!(user.org_kind, OrgKind::Supplier | OrgKind::Bank) {
        return Err(page.fail(ApiError::forbidden(page.tr.t("budgets.not_for_you"))));
    }
    let viewer = BudgetViewer::of(user);
    let unit = query_param(&uri, "org")
        .and_then(|o| parse_id(&o))
        .filter(|_| viewer.all_units);
    let request = PageRequest::parse(None, Some(PER_PAGE)).or_fail(&page)?;
    let filter = BudgetFilter {
        org_id: unit,
        fiscal_year: None,
    };
    let found = budgets::search(&ctx, user, filter, request)
        .await
        .or_fail(&page)?;
    let units = if viewer.all_units {
        budgets::purchasing_units(&ctx, user).await.or_fail(&page)?
    } else {
        Vec::new()
    };
    let detail = match query_param(&uri, "line").and_then(|l| parse_id(&l)) {
        Some(id) => Some(budgets::detail(&ctx, user, id).await.or_fail(&page)?),
        None => None,
    };
    let form = page
        .retained::<LineForm>("line")
        .unwrap_or_else(|| LineForm {
            fiscal_year: ctx.clock.fiscal_year().to_string(),
            ..LineForm::default()
        });
    let template = BudgetsPage {
        tr: page.tr,
        layout: page.layout(),
        viewer,
        total: found.total,
        lines: found.items,
        units,
        unit,
        form,
        adjust: page.retained("adjust").unwrap_or_default(),
        detail,
    };
    Ok((page.status(), template).into_response())
}

/// `POST /budgets`: a new line.
pub async fn create(
    State(ctx): State<Ctx>,
    page: Page,
    WebForm(form): WebForm<LineForm>,
) -> PageResult {
    let user = page.submitter(&form.csrf)?;
    let outcome = match form.parse(page.tr, user) {
        Ok(input) => budgets::create(&ctx, user, input).await,
        Err(error) => Err(error),
    };
    match outcome {
        Ok(line) => Ok(Redirect::to(&format!(
            "/budgets?done=budget_line_created&line={}",
            line.id
        ))
        .into_response()),
        Err(error) => page.refused("/budgets", "line", &form, error).await,
    }
}

/// `POST /budgets/{id}/adjust`: raise or cut a line, with the reason.
pub async fn adjust(
    State(ctx): State<Ctx>,
    page: Page,
    Path(id): Path<String>,
    WebForm(mut form): WebForm<AdjustForm>,
) -> PageResult {
    let user = page.submitter(&form.csrf)?;
    let id = parse_id(&id).ok_or_else(|| page.fail(ApiError::not_found("budget line")))?;
    form.line_id = id.to_string();
    let outcome = match parse_money(page.tr, "budgets.delta", &form.delta) {
        Ok(delta) => {
            let input = BudgetAdjustment {
                delta,
                reason: form.reason.clone(),
            };
            budgets::adjust(&ctx, user, id, input).await
        }
        Err(error) => Err(error),
    };
    match outcome {
        Ok(_) => Ok(
            Redirect::to(&format!("/budgets?done=budget_line_adjusted&line={id}")).into_response(),
        ),
        Err(error) => page.refused("/budgets", "adjust", &form, error).await,
    }
}

// ---------------------------------------------------------------------------------------------
// Direct-purchase limits

#[derive(Deserialize, Serialize, Default, Clone)]
#[serde(default)]
pub struct LimitForm {
    csrf: String,
    pub category: String,
    pub fiscal_year: String,
    pub limit: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "limits.html")]
struct LimitsPage {
    tr: Tr,
    layout: Layout,
    categories: Vec<CategoryView>,
    fiscal_year: i32,
    default_limit: gpmall_platform::Money,
    may_set: bool,
    form: LimitForm,
}

impl LimitsPage {
    fn value_for(&self, category: &CategoryView) -> String {
        if self.form.category == category.code {
            self.form.limit.clone()
        } else {
            category.direct_purchase_limit.to_string()
        }
    }

    /// Indentation of a category by its depth in the catalogue (A, A02, A0201 …).
    fn depth(&self, category: &CategoryView) -> usize {
        match category.code.len() {
            0..=1 => 0,
            2..=3 => 1,
            4..=5 => 2,
            n => 3 + (n - 6) / 2,
        }
    }
}

/// `GET /operator/limits`: every category with this year's direct-purchase limit.
pub async fn limits(State(ctx): State<Ctx>, page: Page) -> PageResult {
    let user = page.user()?;
    if !matches!(user.org_kind, OrgKind::Operator | OrgKind::Regulator) {
        return Err(page.fail(ApiError::forbidden(page.tr.t("limits.not_for_you"))));
    }
    let categories = catalog::list_categories(&ctx).await.or_fail(&page)?;
    let fiscal_year = ctx.clock.fiscal_year();
    let form = page.retained("limit").unwrap_or_else(|| LimitForm {
        fiscal_year: fiscal_year.to_string(),
        ..LimitForm::default()
    });
    let template = LimitsPage {
        tr: page.tr,
        layout: page.layout(),
        categories,
        fiscal_year,
        default_limit: ctx.settings.default_direct_purchase_limit,
        may_set: user.has_role(Role::Operator),
        form,
    };
    Ok((page.status(), template).into_response())
}

/// `POST /operator/limits`: one category's limit for a year.
pub async fn set_limit(
    State(ctx): State<Ctx>,
    page: Page,
    WebForm(form): WebForm<LimitForm>,
) -> Result<Response, super::page::PageError> {
    let user = page.submitter(&form.csrf)?;
    let tr = page.tr;
    let parsed = parse_int(tr, "field.fiscal_year", &form.fiscal_year).and_then(|year| {
        let year = i32::try_from(year).map_err(|_| {
            ApiError::validation(tr.f("form.not_a_whole_number", tr.t("field.fiscal_year")))
        })?;
        Ok((year, parse_money(tr, "limits.limit", &form.limit)?))
    });
    let outcome = match parsed {
        Ok((year, limit)) => {
            catalog::set_category_limit(&ctx, user, form.category.trim(), year, limit).await
        }
        Err(error) => Err(error),
    };
    match outcome {
        Ok(_) => Ok(Redirect::to("/operator/limits?done=limit_set").into_response()),
        Err(error) => {
            page.refused("/operator/limits", "limit", &form, error)
                .await
        }
    }
}
