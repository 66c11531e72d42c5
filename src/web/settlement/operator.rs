//! The operator's reference data: dated reference rates, the default payment terms of mall
//! orders per category, and the working-day calendar's years.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect};
use chrono::Datelike;
use gpmall_mall::service::catalog;
use gpmall_platform::calendar::{self, Origin, YearFile};
use gpmall_platform::identity::{Identity, OrgKind, Role};
use gpmall_platform::{ApiError, Ctx};
use gpmall_settlement::domain::deposits::DepositForm;
use gpmall_settlement::domain::terms::{
    InstalmentTerm, LateInterest, PaymentMethod, PaymentTerms, PerformanceDepositTerms, Trigger,
};
use gpmall_settlement::service::contracts;
use gpmall_settlement::service::rates::{self, NewRate, RateKind, ReferenceRate};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::parse_day;
use crate::web::i18n::Tr;
use crate::web::page::{Layout, OrFail, Page, PageResult, WebForm, parse_int, respond};
use crate::web::shop::{CategoryNode, category_tree};

pub const RATE_KINDS: [&str; 2] = ["lpr_1y", "pboc_lending_1y"];

/// The operator maintains reference data; the regulator may look at it.
fn may_view(user: &Identity) -> bool {
    user.has_role(Role::Operator)
        || user.has_role(Role::Regulator)
        || matches!(user.org_kind, OrgKind::Operator | OrgKind::Regulator)
}

fn not_for_you(page: &Page) -> crate::web::page::PageError {
    page.fail(ApiError::forbidden(
        "reference data is maintained by the operator",
    ))
}

// ---------------------------------------------------------------------------------------------
// Reference rates

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct RateForm {
    csrf: String,
    pub kind: String,
    pub effective_from: String,
    pub percent: String,
    pub announced_by: String,
}

impl RateForm {
    fn parse(&self, tr: Tr) -> Result<NewRate, ApiError> {
        let kind = match self.kind.trim() {
            "lpr_1y" => RateKind::Lpr1y,
            "pboc_lending_1y" => RateKind::PbocLending1y,
            _ => return Err(ApiError::validation(tr.t("rates.choose_kind"))),
        };
        let percent = parse_percent(tr, "field.percent", &self.percent)?;
        Ok(NewRate {
            kind,
            effective_from: parse_day(tr, "field.effective_from", &self.effective_from)?,
            percent,
            announced_by: self.announced_by.clone(),
        })
    }
}

/// A percent as typed, with or without a percent sign: from 0 to 100, at most four decimals.
fn parse_percent(tr: Tr, field: &str, raw: &str) -> Result<Decimal, ApiError> {
    gpmall_platform::percent::parse(raw.trim().trim_end_matches(['%', '％']).trim())
        .map_err(|_| ApiError::validation(tr.f("form.not_a_percent", tr.t(field))))
}

/// A category's default terms for mall orders as typed: one payment after acceptance.
#[derive(Deserialize, Clone)]
#[serde(default)]
pub struct TermsForm {
    csrf: String,
    pub category: String,
    pub days_after: String,
    pub acceptance_period_days: String,
    pub extended: String,
    pub annual_percent: String,
    /// Performance deposit clause; no clause when the share is empty.
    pub deposit_share_percent: String,
    pub deposit_refund_days: String,
    pub deposit_late_percent: String,
    pub deposit_forfeiture_cases: String,
    pub deposit_form_bank_transfer: String,
    pub deposit_form_cheque: String,
    pub deposit_form_draft: String,
    pub deposit_form_promissory_note: String,
    pub deposit_form_guarantee_letter: String,
}

impl Default for TermsForm {
    fn default() -> Self {
        let terms = PaymentTerms::mall_default();
        TermsForm {
            csrf: String::new(),
            category: String::new(),
            days_after: terms
                .instalments
                .first()
                .map_or(30, |i| i.days_after)
                .to_string(),
            acceptance_period_days: terms.acceptance_period_days.to_string(),
            extended: String::new(),
            annual_percent: String::new(),
            deposit_share_percent: String::new(),
            deposit_refund_days: "10".to_owned(),
            deposit_late_percent: String::new(),
            deposit_forfeiture_cases: String::new(),
            // Unticked checkboxes are absent from a submitted form, so none is ticked here;
            // the blank form offers its suggestions through `TermsForm::blank`.
            deposit_form_bank_transfer: String::new(),
            deposit_form_cheque: String::new(),
            deposit_form_draft: String::new(),
            deposit_form_promissory_note: String::new(),
            deposit_form_guarantee_letter: String::new(),
        }
    }
}

impl TermsForm {
    /// The form as first shown: bank transfer and guarantee letters suggested.
    fn blank() -> Self {
        TermsForm {
            deposit_form_bank_transfer: "1".to_owned(),
            deposit_form_guarantee_letter: "1".to_owned(),
            ..TermsForm::default()
        }
    }

    fn is_extended(&self) -> bool {
        !self.extended.trim().is_empty()
    }

    /// Each deposit form with whether it is ticked.
    pub fn deposit_forms(&self) -> [(DepositForm, bool); 5] {
        let ticked = |field: &String| !field.trim().is_empty();
        [
            (
                DepositForm::BankTransfer,
                ticked(&self.deposit_form_bank_transfer),
            ),
            (DepositForm::Cheque, ticked(&self.deposit_form_cheque)),
            (DepositForm::Draft, ticked(&self.deposit_form_draft)),
            (
                DepositForm::PromissoryNote,
                ticked(&self.deposit_form_promissory_note),
            ),
            (
                DepositForm::GuaranteeLetter,
                ticked(&self.deposit_form_guarantee_letter),
            ),
        ]
    }

    fn performance_deposit(&self, tr: Tr) -> Result<Option<PerformanceDepositTerms>, ApiError> {
        let share = self.deposit_share_percent.trim();
        if share.is_empty() {
            return Ok(None);
        }
        let refund_days = u32::try_from(parse_int(
            tr,
            "terms.deposit.refund_days",
            &self.deposit_refund_days,
        )?)
        .map_err(|_| {
            ApiError::validation(tr.f("form.not_a_whole_number", tr.t("terms.deposit.refund_days")))
        })?;
        Ok(Some(PerformanceDepositTerms {
            share_percent: parse_percent(tr, "terms.deposit.share_percent", share)?,
            forms: self
                .deposit_forms()
                .into_iter()
                .filter(|(_, ticked)| *ticked)
                .map(|(form, _)| form)
                .collect(),
            refund_days_after_acceptance: refund_days,
            forfeiture_cases: self
                .deposit_forfeiture_cases
                .lines()
                .map(str::trim)
                .filter(|line| !line.is_empty())
                .map(str::to_owned)
                .collect(),
            late_refund_interest: match self.deposit_late_percent.trim() {
                "" => LateInterest::Statutory,
                raw => LateInterest::AgreedAnnual {
                    annual_percent: parse_percent(tr, "terms.deposit.late_percent", raw)?,
                },
            },
        }))
    }

    fn parse(&self, tr: Tr) -> Result<PaymentTerms, ApiError> {
        let days = |field: &str, raw: &str| -> Result<u32, ApiError> {
            u32::try_from(parse_int(tr, field, raw)?)
                .map_err(|_| ApiError::validation(tr.f("form.not_a_whole_number", tr.t(field))))
        };
        let late_interest = match self.annual_percent.trim() {
            "" => LateInterest::Statutory,
            raw => LateInterest::AgreedAnnual {
                annual_percent: parse_percent(tr, "field.annual_percent", raw)?,
            },
        };
        Ok(PaymentTerms {
            method: PaymentMethod::OnePayment,
            instalments: vec![InstalmentTerm {
                share_percent: Decimal::ONE_HUNDRED,
                trigger: Trigger::Acceptance,
                days_after: days("field.days_after_acceptance", &self.days_after)?,
                milestone: None,
            }],
            late_interest,
            acceptance_period_days: days(
                "field.acceptance_period_days",
                &self.acceptance_period_days,
            )?,
            extended_term_agreed: self.is_extended(),
            performance_deposit: self.performance_deposit(tr)?,
        })
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "rates.html")]
struct RatesPage {
    tr: Tr,
    layout: Layout,
    rates: Vec<ReferenceRate>,
    kinds: [&'static str; 2],
    form: RateForm,
    terms_form: TermsForm,
    leaf_categories: Vec<CategoryNode>,
    may_record: bool,
}

impl RatesPage {
    fn terms_extended(&self) -> bool {
        self.terms_form.is_extended()
    }

    fn deposit_forms(&self) -> Vec<(&'static str, bool)> {
        self.terms_form
            .deposit_forms()
            .into_iter()
            .map(|(form, ticked)| (form.as_str(), ticked))
            .collect()
    }
}

/// What the reference-data page re-renders with after a refused form.
#[derive(Default)]
struct RatesRendering {
    form: Option<RateForm>,
    terms_form: Option<TermsForm>,
    error: Option<ApiError>,
}

async fn render_rates(ctx: &Ctx, page: &Page, rendering: RatesRendering) -> PageResult {
    let user = page.user()?;
    if !may_view(user) {
        return Err(not_for_you(page));
    }
    let mut rates = rates::list(ctx).await.or_fail(page)?;
    // Newest first within each kind.
    rates.sort_by(|a, b| {
        (a.kind.as_str(), b.effective_from).cmp(&(b.kind.as_str(), a.effective_from))
    });
    let may_record = user.has_role(Role::Operator);
    let leaf_categories = if may_record {
        let categories = catalog::list_categories(ctx).await.or_fail(page)?;
        category_tree(page.tr, &categories)
            .into_iter()
            .filter(|c| c.leaf)
            .collect()
    } else {
        Vec::new()
    };
    let error = rendering.error;
    let template = RatesPage {
        tr: page.tr,
        layout: page.layout_with(error.as_ref()),
        rates,
        kinds: RATE_KINDS,
        form: rendering.form.unwrap_or_else(|| RateForm {
            kind: "lpr_1y".to_owned(),
            effective_from: ctx.clock.today().to_string(),
            ..RateForm::default()
        }),
        terms_form: rendering.terms_form.unwrap_or_else(TermsForm::blank),
        leaf_categories,
        may_record,
    };
    Ok(respond(template, error.as_ref()))
}

/// `GET /operator/rates`: the dated reference rates and the form to record one.
pub async fn rates(State(ctx): State<Ctx>, page: Page) -> PageResult {
    render_rates(&ctx, &page, RatesRendering::default()).await
}

/// `POST /operator/rates`: records a rate from a date (replacing one for the same date).
pub async fn record_rate(
    State(ctx): State<Ctx>,
    page: Page,
    WebForm(form): WebForm<RateForm>,
) -> PageResult {
    let user = page.submitter(&form.csrf)?;
    let outcome = match form.parse(page.tr) {
        Ok(input) => rates::record(&ctx, user, input).await,
        Err(error) => Err(error),
    };
    match outcome {
        Ok(_) => Ok(Redirect::to("/operator/rates?done=rate_recorded").into_response()),
        Err(error) if error.status.is_client_error() && error.code != "FORBIDDEN" => {
            let rendering = RatesRendering {
                form: Some(form),
                error: Some(error),
                ..RatesRendering::default()
            };
            render_rates(&ctx, &page, rendering).await
        }
        Err(error) => Err(page.fail(error)),
    }
}

/// `POST /operator/default-terms`: sets a category's default terms for mall orders; they must
/// meet the SME limits (the service names the clause a term breaks).
pub async fn set_default_terms(
    State(ctx): State<Ctx>,
    page: Page,
    WebForm(form): WebForm<TermsForm>,
) -> PageResult {
    let user = page.submitter(&form.csrf)?;
    let outcome = match form.parse(page.tr) {
        Ok(terms) => contracts::set_default_terms(&ctx, user, form.category.trim(), terms).await,
        Err(error) => Err(error),
    };
    match outcome {
        Ok(_) => Ok(Redirect::to("/operator/rates?done=default_terms_saved").into_response()),
        Err(error) if error.status.is_client_error() && error.code != "FORBIDDEN" => {
            let rendering = RatesRendering {
                terms_form: Some(form),
                error: Some(error),
                ..RatesRendering::default()
            };
            render_rates(&ctx, &page, rendering).await
        }
        Err(error) => Err(page.fail(error)),
    }
}

// ---------------------------------------------------------------------------------------------
// Calendar years

/// A loaded year as the page lists it.
pub struct YearRow {
    pub year: i32,
    pub origin: &'static str,
    pub uploaded_at: Option<chrono::DateTime<chrono::Utc>>,
    pub source: String,
    pub holidays: usize,
    pub workdays: usize,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct YearForm {
    csrf: String,
    pub year: String,
    pub holidays: String,
    pub workdays: String,
    pub source: String,
}

/// Dates typed one per line or separated by commas (either width), semicolons or spaces.
pub fn split_dates(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || matches!(c, ',' | '，' | ';' | '；' | '、'))
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(str::to_owned)
        .collect()
}

impl YearForm {
    fn parse(&self, tr: Tr) -> Result<YearFile, ApiError> {
        let year = parse_int(tr, "field.year", &self.year)?;
        let year = i32::try_from(year).map_err(|_| {
            ApiError::validation(tr.f("form.not_a_whole_number", tr.t("field.year")))
        })?;
        Ok(YearFile {
            year,
            holidays: split_dates(&self.holidays),
            workdays: split_dates(&self.workdays),
            source: self.source.trim().to_owned(),
        })
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "calendar_years.html")]
struct CalendarPage {
    tr: Tr,
    layout: Layout,
    years: Vec<YearRow>,
    form: YearForm,
    may_upload: bool,
    this_year: i32,
}

async fn render_calendar(
    ctx: &Ctx,
    page: &Page,
    form: Option<YearForm>,
    error: Option<ApiError>,
) -> PageResult {
    let user = page.user()?;
    if !may_view(user) {
        return Err(not_for_you(page));
    }
    let loaded = calendar::current(ctx).await.or_fail(page)?;
    let years: Vec<YearRow> = loaded
        .years()
        .map(|y| YearRow {
            year: y.schedule.year(),
            origin: y.origin.as_str(),
            uploaded_at: match &y.origin {
                Origin::Uploaded { at, .. } => Some(*at),
                _ => None,
            },
            source: y.schedule.source().to_owned(),
            holidays: y.schedule.holidays().len(),
            workdays: y.schedule.workdays().len(),
        })
        .collect();
    let this_year = ctx.clock.today().year();
    let next = years.iter().map(|y| y.year + 1).max().unwrap_or(this_year);
    let template = CalendarPage {
        tr: page.tr,
        layout: page.layout_with(error.as_ref()),
        years,
        form: form.unwrap_or_else(|| YearForm {
            year: next.to_string(),
            ..YearForm::default()
        }),
        may_upload: user.has_role(Role::Operator),
        this_year,
    };
    Ok(respond(template, error.as_ref()))
}

/// `GET /operator/calendar`: the years loaded, where each came from, and the upload form.
pub async fn calendar(State(ctx): State<Ctx>, page: Page) -> PageResult {
    render_calendar(&ctx, &page, None, None).await
}

/// `POST /operator/calendar`: loads (or replaces) a year's holidays and adjusted working days.
pub async fn upload_year(
    State(ctx): State<Ctx>,
    page: Page,
    WebForm(form): WebForm<YearForm>,
) -> PageResult {
    let user = page.submitter(&form.csrf)?;
    let outcome = match form.parse(page.tr) {
        Ok(file) => calendar::upload_year(&ctx, user, file).await,
        Err(error) => Err(error),
    };
    match outcome {
        Ok(_) => Ok(Redirect::to("/operator/calendar?done=calendar_uploaded").into_response()),
        Err(error) if error.status.is_client_error() && error.code != "FORBIDDEN" => {
            render_calendar(&ctx, &page, Some(form), Some(error)).await
        }
        Err(error) => Err(page.fail(error)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_split_on_lines_and_commas() {
        assert_eq!(
            split_dates("2027-01-01\n2027-01-02, 2027-01-03，2027-01-04\r\n\n"),
            vec!["2027-01-01", "2027-01-02", "2027-01-03", "2027-01-04"]
        );
        assert!(split_dates("  \n ").is_empty());
    }
}
