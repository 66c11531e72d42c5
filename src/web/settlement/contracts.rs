//! Contracts: the list (each party its own), one contract with its terms in words and its
//! instalments (clock start, due date, paid, outstanding, overdue days, interest owed), the
//! purchaser's payment and publication forms, and the payments due within 30 days or overdue.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Redirect};
use chrono::NaiveDate;
use gpmall_mall::domain::order::{OrderAction, Party, transition};
use gpmall_platform::identity::session::random_token;
use gpmall_platform::identity::{Identity, OrgKind, Role};
use gpmall_platform::pagination::PageRequest;
use gpmall_platform::{ApiError, Ctx, Money};
use gpmall_settlement::domain::disputes::DisputeAction;
use gpmall_settlement::domain::terms::{LateInterest, PaymentMethod, PaymentTerms, Trigger};
use gpmall_settlement::service::contracts::{
    self, AmountOwed, AmountsOwed, DisputeView, PaymentInput,
};
use gpmall_settlement::service::disputes::{self, DisputeResolution, NewDispute};
use gpmall_settlement::service::milestones::{self, MilestoneInput};
use serde::{Deserialize, Serialize};

use super::{ContractRow, day, fill, page_number, parse_day, sum};
use crate::web::i18n::Tr;
use crate::web::page::{
    Layout, OrFail, Page, PageResult, WebForm, form_key, parse_id, parse_int, parse_money,
};

const PER_PAGE: u64 = 20;

#[cfg(test)]
pub const TRIGGERS: [Trigger; 4] = [
    Trigger::Signing,
    Trigger::Delivery,
    Trigger::Acceptance,
    Trigger::Milestone,
];
#[cfg(test)]
pub const METHODS: [PaymentMethod; 4] = [
    PaymentMethod::OnePayment,
    PaymentMethod::PrepaymentAndBalance,
    PaymentMethod::Milestones,
    PaymentMethod::Progress,
];

pub fn trigger_name(trigger: Trigger) -> &'static str {
    match trigger {
        Trigger::Signing => "signing",
        Trigger::Delivery => "delivery",
        Trigger::Acceptance => "acceptance",
        Trigger::Milestone => "milestone",
    }
}

pub fn method_name(method: PaymentMethod) -> &'static str {
    match method {
        PaymentMethod::OnePayment => "one_payment",
        PaymentMethod::PrepaymentAndBalance => "prepayment_and_balance",
        PaymentMethod::Milestones => "milestones",
        PaymentMethod::Progress => "progress",
    }
}

/// Which side the viewer is on (what it may do comes from the service, with each contract).
pub struct Viewer {
    pub purchaser: bool,
    pub supplier: bool,
}

impl Viewer {
    fn of(user: &Identity) -> Self {
        Viewer {
            purchaser: user.org_kind == OrgKind::Purchaser,
            supplier: user.org_kind == OrgKind::Supplier,
        }
    }
}

/// The trigger of an instalment in words (a milestone by its name).
fn trigger_text(tr: Tr, trigger: Trigger, milestone: Option<&str>) -> String {
    match (trigger, milestone.map(str::trim).filter(|m| !m.is_empty())) {
        (Trigger::Milestone, Some(name)) => {
            fill(tr, "contract.trigger.milestone_named", &[("name", &name)])
        }
        _ => tr
            .t(&format!("contract.trigger.{}", trigger_name(trigger)))
            .to_owned(),
    }
}

/// The payment terms as sentences.
pub fn terms_in_words(tr: Tr, terms: &PaymentTerms) -> Vec<String> {
    let mut lines = vec![fill(
        tr,
        "contract.term.method",
        &[(
            "method",
            &tr.t(&format!("contract.method.{}", method_name(terms.method))),
        )],
    )];
    for (i, term) in terms.instalments.iter().enumerate() {
        let trigger = trigger_text(tr, term.trigger, term.milestone.as_deref());
        let instalment = fill(
            tr,
            "contract.term.instalment",
            &[
                ("share", &term.share_percent.normalize()),
                ("days", &term.days_after),
                ("trigger", &trigger),
            ],
        );
        lines.push(if terms.instalments.len() > 1 {
            format!(
                "{} {instalment}",
                fill(tr, "contract.term.nth", &[("n", &(i + 1))])
            )
        } else {
            instalment
        });
    }
    lines.push(match terms.late_interest {
        LateInterest::Statutory => tr.t("contract.term.statutory").to_owned(),
        LateInterest::AgreedAnnual { annual_percent } => fill(
            tr,
            "contract.term.agreed",
            &[("percent", &annual_percent.normalize())],
        ),
    });
    lines.push(fill(
        tr,
        "contract.term.acceptance_period",
        &[("days", &terms.acceptance_period_days)],
    ));
    if terms.extended_term_agreed {
        lines.push(tr.t("contract.term.extended").to_owned());
    }
    if let Some(deposit) = &terms.performance_deposit {
        let forms = deposit
            .forms
            .iter()
            .map(|f| tr.t(&format!("deposits.form.{}", f.as_str())).to_owned())
            .collect::<Vec<_>>()
            .join(tr.t("list.separator"));
        let late = match deposit.late_refund_interest {
            LateInterest::Statutory => tr.t("contract.term.deposit_late_statutory").to_owned(),
            LateInterest::AgreedAnnual { annual_percent } => fill(
                tr,
                "contract.term.deposit_late_agreed",
                &[("percent", &annual_percent.normalize())],
            ),
        };
        lines.push(fill(
            tr,
            "contract.term.deposit",
            &[
                ("share", &deposit.share_percent.normalize()),
                ("forms", &forms),
                ("days", &deposit.refund_days_after_acceptance),
                ("late", &late),
            ],
        ));
        lines.push(fill(
            tr,
            "contract.term.deposit_cases",
            &[(
                "cases",
                &deposit.forfeiture_cases.join(tr.t("list.separator")),
            )],
        ));
    }
    lines
}

// ---------------------------------------------------------------------------------------------
// The list

#[derive(Template, WebTemplate)]
#[template(path = "contracts.html")]
struct ContractsPage {
    tr: Tr,
    layout: Layout,
    heading: &'static str,
    viewer: Viewer,
    rows: Vec<ContractRow>,
    page: u64,
    pages: u64,
}

fn heading(user: &Identity) -> &'static str {
    match user.org_kind {
        OrgKind::Purchaser => "contracts.title_purchaser",
        OrgKind::Supplier => "contracts.title_supplier",
        _ => "contracts.title_all",
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ListQuery {
    page: String,
}

async fn render_list(ctx: &Ctx, page: &Page, page_no: Option<u64>) -> PageResult {
    let user = page.user()?;
    let request = PageRequest::parse(page_no, Some(PER_PAGE)).or_fail(page)?;
    let found = contracts::list(ctx, user, request).await.or_fail(page)?;
    let rows = found.items.into_iter().map(ContractRow::new).collect();
    let template = ContractsPage {
        tr: page.tr,
        layout: page.layout(),
        heading: heading(user),
        viewer: Viewer::of(user),
        rows,
        page: found.page,
        pages: found.total.div_ceil(PER_PAGE),
    };
    Ok((page.status(), template).into_response())
}

/// `GET /contracts`: the viewer's contracts, newest first.
pub async fn list(State(ctx): State<Ctx>, page: Page, uri: Uri) -> PageResult {
    page.user()?;
    let query = Query::<ListQuery>::try_from_uri(&uri)
        .map(|q| q.0)
        .unwrap_or_default();
    render_list(&ctx, &page, page_number(&query.page)).await
}

// ---------------------------------------------------------------------------------------------
// One contract

/// One instalment as the page shows it.
pub struct InstalmentLine {
    pub seq: i32,
    pub principal: Money,
    /// "30 days after acceptance".
    pub basis: String,
    pub clock_started_on: String,
    pub due_on: String,
    pub paid: Money,
    pub outstanding: Money,
    pub disputed: Money,
    pub overdue_days: i64,
    pub interest_owed: Money,
    pub overdue: bool,
    /// The SME payment limit set the due date.
    pub at_sme_limit: bool,
    /// A milestone instalment whose milestone the viewer may record as reached.
    pub awaits_milestone: bool,
}

/// A dispute as the page shows it, with what the viewer may do about it.
pub struct DisputeLine {
    pub d: DisputeView,
    pub may_withdraw: bool,
    pub may_accept: bool,
    pub may_decide: bool,
}

/// The dispute form as typed.
#[derive(Serialize, Deserialize, Default, Clone)]
#[serde(default)]
pub struct DisputeForm {
    csrf: String,
    pub key: String,
    pub instalment_seq: String,
    pub amount: String,
    pub reason: String,
}

impl DisputeForm {
    fn parse(&self, tr: Tr) -> Result<NewDispute, ApiError> {
        let instalment_seq =
            i32::try_from(parse_int(tr, "field.instalment", &self.instalment_seq)?).map_err(
                |_| ApiError::validation(tr.f("form.not_a_whole_number", tr.t("field.instalment"))),
            )?;
        Ok(NewDispute {
            instalment_seq,
            amount: parse_money(tr, "field.disputed_amount", &self.amount)?,
            reason: self.reason.clone(),
        })
    }
}

/// Ending a dispute from the page: withdraw, accept, or decide with the deducted part.
#[derive(Serialize, Deserialize, Default, Clone)]
#[serde(default)]
pub struct ResolveForm {
    csrf: String,
    pub deducted: String,
    pub note: String,
}

/// An unpaid instalment to choose in the payment form.
pub struct UnpaidChoice {
    pub seq: String,
    pub outstanding: Money,
}

/// The payment form as typed, with the idempotency key minted when it was first shown.
#[derive(Serialize, Deserialize, Default, Clone)]
#[serde(default)]
pub struct PaymentForm {
    csrf: String,
    pub key: String,
    pub amount: String,
    pub paid_on: String,
    pub voucher_no: String,
    pub account: String,
    pub instalment_seq: String,
}

impl PaymentForm {
    fn parse(&self, tr: Tr) -> Result<PaymentInput, ApiError> {
        let instalment_seq = match self.instalment_seq.trim() {
            "" => None,
            raw => Some(
                i32::try_from(parse_int(tr, "field.instalment", raw)?).map_err(|_| {
                    ApiError::validation(tr.f("form.not_a_whole_number", tr.t("field.instalment")))
                })?,
            ),
        };
        Ok(PaymentInput {
            amount: parse_money(tr, "field.payment_amount", &self.amount)?,
            paid_on: parse_day(tr, "field.paid_on", &self.paid_on)?,
            voucher_no: self.voucher_no.trim().to_owned(),
            account: self.account.trim().to_owned(),
            instalment_seq,
        })
    }

    fn usable_key(&self) -> Option<&str> {
        form_key(&self.key)
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "contract.html")]
struct ContractPage {
    tr: Tr,
    layout: Layout,
    viewer: Viewer,
    row: ContractRow,
    terms: Vec<String>,
    lines: Vec<InstalmentLine>,
    unpaid: Vec<UnpaidChoice>,
    form: PaymentForm,
    disputes: Vec<DisputeLine>,
    dispute_form: DisputeForm,
    milestone_form: MilestoneForm,
    /// The order behind the contract is delivered and the viewer may accept it.
    may_accept: bool,
    today: String,
}

impl ContractPage {
    fn shows_payment_form(&self) -> bool {
        self.row.c.actions.record_payment
    }

    fn shows_dispute_form(&self) -> bool {
        self.row.c.actions.open_dispute
    }

    fn shows_milestone_form(&self) -> bool {
        self.lines.iter().any(|l| l.awaits_milestone)
    }

    fn shows_publish(&self) -> bool {
        self.row.c.actions.publish
    }
}

/// The contract page; a refused form on it (payment, dispute, milestone) comes back through
/// the page's `retry` address with what was typed.
async fn render_detail(ctx: &Ctx, page: &Page, id: i64) -> PageResult {
    let form = page.retained::<PaymentForm>("payment");
    let user = page.user()?;
    let contract = contracts::get(ctx, user, id).await.or_fail(page)?;
    let row = ContractRow::with_order(ctx, user, contract)
        .await
        .or_fail(page)?;
    let tr = page.tr;
    let today = ctx.clock.today();
    let lines = row
        .c
        .instalments
        .iter()
        .map(|i| {
            let milestone = row
                .c
                .terms
                .instalments
                .get(usize::try_from(i.seq - 1).unwrap_or(usize::MAX))
                .and_then(|t| t.milestone.as_deref());
            InstalmentLine {
                seq: i.seq,
                principal: i.principal,
                basis: fill(
                    tr,
                    "contract.instalment.basis",
                    &[
                        ("days", &i.days_after),
                        ("trigger", &trigger_text(tr, i.trigger, milestone)),
                    ],
                ),
                clock_started_on: i.clock_started_on.map_or_else(
                    || {
                        tr.t(if i.trigger == Trigger::Milestone {
                            "contract.milestone_pending"
                        } else {
                            "contract.not_started"
                        })
                        .to_owned()
                    },
                    |d| d.to_string(),
                ),
                due_on: day(i.due_on),
                paid: i.paid,
                outstanding: i.outstanding,
                disputed: i.disputed,
                overdue_days: i.overdue_days,
                interest_owed: i.interest_owed,
                overdue: i.payable.is_positive() && i.due_on.is_some_and(|d| d < today),
                at_sme_limit: i.due_at_sme_limit,
                awaits_milestone: i.trigger == Trigger::Milestone
                    && i.milestone_reached_on.is_none()
                    && row.c.actions.record_milestone,
            }
        })
        .collect();
    let unpaid: Vec<UnpaidChoice> = row
        .c
        .instalments
        .iter()
        .filter(|i| i.payable.is_positive())
        .map(|i| UnpaidChoice {
            seq: i.seq.to_string(),
            outstanding: i.payable,
        })
        .collect();
    let viewer = Viewer::of(user);
    let disputes = row
        .c
        .disputes
        .iter()
        .map(|d| DisputeLine {
            may_withdraw: d.actions.withdraw,
            may_accept: d.actions.accept,
            may_decide: d.actions.decide,
            d: d.clone(),
        })
        .collect();
    let mut dispute_form = page.retained::<DisputeForm>("dispute").unwrap_or_default();
    if form_key(&dispute_form.key).is_none() {
        dispute_form.key = random_token();
    }
    let payable = sum(row.c.instalments.iter().map(|i| i.payable));
    let mut form = form.unwrap_or_else(|| PaymentForm {
        amount: payable.to_string(),
        paid_on: today.to_string(),
        account: row.c.collection_account.clone(),
        ..PaymentForm::default()
    });
    if form.usable_key().is_none() {
        form.key = random_token();
    }
    let may_accept = match &row.order {
        Some(order) => {
            user.org_kind == OrgKind::Purchaser
                && order.purchaser_org_id == user.org_id
                && user.has_role(Role::Buyer)
                && transition(order.status, OrderAction::Accept, Party::Purchaser).is_ok()
        }
        None => false,
    };
    let template = ContractPage {
        tr,
        layout: page.layout(),
        viewer,
        terms: terms_in_words(tr, &row.c.terms),
        row,
        lines,
        unpaid,
        form,
        disputes,
        dispute_form,
        milestone_form: page.retained("milestone").unwrap_or_else(|| MilestoneForm {
            reached_on: today.to_string(),
            ..MilestoneForm::default()
        }),
        may_accept,
        today: today.to_string(),
    };
    Ok((page.status(), template).into_response())
}

/// `GET /contracts/{id}`: a party's contract (another tenant's is not found).
pub async fn detail(State(ctx): State<Ctx>, page: Page, Path(id): Path<String>) -> PageResult {
    page.user()?;
    let id = parse_id(&id).ok_or_else(|| page.fail(ApiError::not_found("contract")))?;
    render_detail(&ctx, &page, id).await
}

/// `POST /contracts/{id}/payments`: the purchaser records a payment; refused ones come back
/// with the service's explanation and the form as typed.
pub async fn record_payment(
    State(ctx): State<Ctx>,
    page: Page,
    Path(id): Path<String>,
    WebForm(mut form): WebForm<PaymentForm>,
) -> PageResult {
    let user = page.submitter(&form.csrf)?;
    let id = parse_id(&id).ok_or_else(|| page.fail(ApiError::not_found("contract")))?;
    let outcome = match form.parse(page.tr) {
        Ok(input) => {
            let key = form.usable_key().map(str::to_owned);
            contracts::record_payment(&ctx, user, id, input, key.as_deref()).await
        }
        Err(error) => Err(error),
    };
    match outcome {
        Ok(_) => {
            Ok(Redirect::to(&format!("/contracts/{id}?done=payment_recorded")).into_response())
        }
        Err(error) => {
            if error.code == "IDEMPOTENCY_KEY_REUSED" {
                // This form already recorded a payment and was then changed: a new one needs a
                // new key.
                form.key = random_token();
            }
            page.refused(&format!("/contracts/{id}"), "payment", &form, error)
                .await
        }
    }
}

/// `POST /contracts/{id}/disputes`: the purchaser disputes part of an instalment.
pub async fn open_dispute(
    State(ctx): State<Ctx>,
    page: Page,
    Path(id): Path<String>,
    WebForm(mut form): WebForm<DisputeForm>,
) -> PageResult {
    let user = page.submitter(&form.csrf)?;
    let id = parse_id(&id).ok_or_else(|| page.fail(ApiError::not_found("contract")))?;
    let key = form_key(&form.key).map(str::to_owned);
    let outcome = match form.parse(page.tr) {
        Ok(input) => disputes::open(&ctx, user, id, input, key.as_deref()).await,
        Err(error) => Err(error),
    };
    match outcome {
        Ok(_) => Ok(Redirect::to(&format!("/contracts/{id}?done=dispute_opened")).into_response()),
        Err(error) => {
            if error.code == "IDEMPOTENCY_KEY_REUSED" {
                form.key = random_token();
            }
            page.refused(&format!("/contracts/{id}"), "dispute", &form, error)
                .await
        }
    }
}

/// `POST /contracts/{id}/disputes/{dispute_id}/{action}`: withdraw, accept or decide.
pub async fn resolve_dispute(
    State(ctx): State<Ctx>,
    page: Page,
    Path((id, dispute_id, verb)): Path<(String, String, String)>,
    WebForm(form): WebForm<ResolveForm>,
) -> PageResult {
    let user = page.submitter(&form.csrf)?;
    let id = parse_id(&id).ok_or_else(|| page.fail(ApiError::not_found("contract")))?;
    let dispute_id =
        parse_id(&dispute_id).ok_or_else(|| page.fail(ApiError::not_found("dispute")))?;
    let action = match verb.as_str() {
        "withdraw" => DisputeAction::Withdraw,
        "accept" => DisputeAction::Accept,
        "decide" => DisputeAction::Decide,
        _ => return Err(page.fail(ApiError::not_found("dispute action"))),
    };
    let deducted = match (action, form.deducted.trim()) {
        (DisputeAction::Decide, raw) => match parse_money(page.tr, "field.deducted", raw) {
            Ok(amount) => Some(amount),
            Err(error) => {
                return page
                    .refused(&format!("/contracts/{id}"), "resolve", &form, error)
                    .await;
            }
        },
        _ => None,
    };
    let input = DisputeResolution {
        deducted,
        note: Some(form.note.clone()),
    };
    match disputes::resolve(&ctx, user, id, dispute_id, action, input, None).await {
        Ok(_) => {
            Ok(Redirect::to(&format!("/contracts/{id}?done=dispute_resolved")).into_response())
        }
        Err(error) => {
            page.refused(&format!("/contracts/{id}"), "resolve", &form, error)
                .await
        }
    }
}

/// The milestone form as typed.
#[derive(Serialize, Deserialize, Default, Clone)]
#[serde(default)]
pub struct MilestoneForm {
    csrf: String,
    pub instalment_seq: String,
    pub reached_on: String,
}

impl MilestoneForm {
    fn parse(&self, tr: Tr) -> Result<MilestoneInput, ApiError> {
        let instalment_seq =
            i32::try_from(parse_int(tr, "field.instalment", &self.instalment_seq)?).map_err(
                |_| ApiError::validation(tr.f("form.not_a_whole_number", tr.t("field.instalment"))),
            )?;
        Ok(MilestoneInput {
            instalment_seq,
            reached_on: parse_day(tr, "field.milestone_reached_on", &self.reached_on)?,
        })
    }
}

/// `POST /contracts/{id}/milestones`: the purchaser records an instalment's milestone as
/// reached, which starts that instalment's payment clock.
pub async fn record_milestone(
    State(ctx): State<Ctx>,
    page: Page,
    Path(id): Path<String>,
    WebForm(form): WebForm<MilestoneForm>,
) -> PageResult {
    let user = page.submitter(&form.csrf)?;
    let id = parse_id(&id).ok_or_else(|| page.fail(ApiError::not_found("contract")))?;
    let outcome = match form.parse(page.tr) {
        Ok(input) => milestones::record(&ctx, user, id, input).await,
        Err(error) => Err(error),
    };
    match outcome {
        Ok(_) => {
            Ok(Redirect::to(&format!("/contracts/{id}?done=milestone_recorded")).into_response())
        }
        Err(error) => {
            page.refused(&format!("/contracts/{id}"), "milestone", &form, error)
                .await
        }
    }
}

#[derive(Serialize, Deserialize, Default)]
#[serde(default)]
pub struct PublishForm {
    csrf: String,
    from: String,
}

/// `POST /contracts/{id}/publish`: the purchaser records the contract's publication today.
pub async fn publish(
    State(ctx): State<Ctx>,
    page: Page,
    Path(id): Path<String>,
    WebForm(form): WebForm<PublishForm>,
) -> PageResult {
    let user = page.submitter(&form.csrf)?;
    let id = parse_id(&id).ok_or_else(|| page.fail(ApiError::not_found("contract")))?;
    let from_list = form.from == "list";
    match contracts::publish(&ctx, user, id).await {
        Ok(_) => {
            let back = if from_list {
                "/contracts".to_owned()
            } else {
                format!("/contracts/{id}")
            };
            Ok(Redirect::to(&format!("{back}?done=contract_published")).into_response())
        }
        Err(error) => {
            let back = if from_list {
                "/contracts".to_owned()
            } else {
                format!("/contracts/{id}")
            };
            page.refused(&back, "publish", &form, error).await
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Payments due

/// One amount owed, as the page shows it.
pub struct DueLine {
    pub contract_id: i64,
    pub contract_no: String,
    pub counterparty: String,
    pub seq: i32,
    /// The due date, or what the instalment waits for ("waits for acceptance").
    pub due: String,
    /// "in 3 days", "today", "12 days overdue"; empty while the clock has not started.
    pub when: String,
    pub at_sme_limit: bool,
    pub payable: Money,
    pub disputed: Money,
    pub overdue_days: i64,
    pub interest_owed: Money,
    pub overdue: bool,
}

impl DueLine {
    fn of(tr: Tr, viewer: OrgKind, owed: &AmountOwed, today: NaiveDate) -> Self {
        let counterparty = match viewer {
            OrgKind::Purchaser => owed.supplier_name.clone(),
            OrgKind::Supplier => owed.purchaser_name.clone(),
            _ => format!("{} → {}", owed.purchaser_name, owed.supplier_name),
        };
        let (due, when) = match owed.due_on {
            Some(due_on) => (
                due_on.to_string(),
                match (due_on - today).num_days() {
                    0 => tr.t("payments_due.today").to_owned(),
                    d if d > 0 => tr.f("payments_due.in_days", d),
                    d => tr.f("payments_due.overdue_by", -d),
                },
            ),
            None => (
                tr.f(
                    "payments_due.awaiting",
                    trigger_text(tr, owed.trigger, owed.milestone.as_deref()),
                ),
                String::new(),
            ),
        };
        DueLine {
            contract_id: owed.contract_id,
            contract_no: owed.contract_no.clone(),
            counterparty,
            seq: owed.instalment_seq,
            due,
            when,
            at_sme_limit: owed.due_at_sme_limit,
            payable: owed.payable,
            disputed: owed.disputed,
            overdue_days: owed.overdue_days,
            interest_owed: owed.interest_owed,
            overdue: owed.due_on.is_some_and(|d| d < today),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "payments_due.html")]
struct PaymentsDuePage {
    tr: Tr,
    layout: Layout,
    heading: &'static str,
    intro: &'static str,
    viewer: Viewer,
    lines: Vec<DueLine>,
    owed: AmountsOwed,
}

/// `GET /payments-due`: every unpaid instalment, overdue first, then by due date, then those
/// whose payment clock has not started — what the purchaser owes, or what is owed to the
/// supplier — with the totals.
pub async fn payments_due(State(ctx): State<Ctx>, page: Page) -> PageResult {
    let user = page.user()?;
    let tr = page.tr;
    let owed = contracts::amounts_owed(&ctx, user).await.or_fail(&page)?;
    let lines = owed
        .items
        .iter()
        .map(|o| DueLine::of(tr, user.org_kind, o, owed.as_of))
        .collect();
    let (heading, intro) = match user.org_kind {
        OrgKind::Purchaser => (
            "payments_due.title_purchaser",
            "payments_due.intro_purchaser",
        ),
        OrgKind::Supplier => ("payments_due.title_supplier", "payments_due.intro_supplier"),
        _ => ("payments_due.title_all", "payments_due.intro_all"),
    };
    let template = PaymentsDuePage {
        tr,
        layout: page.layout(),
        heading,
        intro,
        viewer: Viewer::of(user),
        lines,
        owed,
    };
    Ok(template.into_response())
}
