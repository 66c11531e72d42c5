//! Suppliers' loan applications: applying against one of its own signed contracts with an
//! unpaid amount, with explicit consent to share it with the bank; the list and the timeline;
//! withdrawing before the bank decides.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use gpmall_platform::audit::AuditEntry;
use gpmall_platform::entity::user;
use gpmall_platform::identity::{Identity, OrgKind, Role};
use gpmall_platform::ids::{BankId, ContractId, LoanApplicationId, LoanProductId, OrgId, UserId};
use gpmall_platform::pagination::{ListResponse, PageRequest};
use gpmall_platform::{ApiError, Ctx, Money, idempotency};
use gpmall_settlement::domain::contract::ContractStatus;
use gpmall_settlement::service::contracts;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, TransactionTrait};
use serde::{Deserialize, Serialize};

use crate::domain::application::{Action, ApplicationStatus, Event, Outcome, transition};
use crate::entity::{loan_application, loan_application_event};
use crate::error::{FinancingError, FinancingResult};
use crate::repo::applications::{self as repo, NewApplicationRow, NewEvent, Scope};
use crate::repo::{banks, org_names};
use crate::service::products::{self, supplier_size};

/// The timeline's entry for an application as submitted.
pub const SUBMITTED: &str = "submitted";

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewApplication {
    /// One of the supplier's own signed contracts with an unpaid amount.
    pub contract_id: ContractId,
    pub product_id: LoanProductId,
    /// At most the product's maximum and its share of what is unpaid on the contract.
    pub amount: Money,
    /// Within the product's term range.
    #[schema(minimum = 1, maximum = 120)]
    pub term_months: u32,
    /// The supplier agrees that the bank sees the contract, its payment progress and the
    /// supplier's credit record. Required.
    pub consent: bool,
}

/// What the viewer may do with the application now.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ApplicationActions {
    /// The supplier may withdraw it (the bank has not decided).
    pub withdraw: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ApplicationView {
    pub id: LoanApplicationId,
    /// The platform's application number, which the bank also uses.
    pub application_no: String,
    pub contract_id: ContractId,
    pub contract_no: String,
    pub purchaser_name: String,
    pub supplier_name: String,
    pub bank_id: BankId,
    pub bank_name: String,
    pub product_id: LoanProductId,
    pub product_name: String,
    pub amount: Money,
    pub term_months: u32,
    /// What was unpaid on the contract when the supplier applied.
    pub unpaid_at_application: Money,
    pub status: ApplicationStatus,
    /// Who consented to sharing the contract with the bank, and when.
    pub consented_by: String,
    pub consented_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub actions: ApplicationActions,
}

/// One entry of an application's timeline.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TimelineEntry {
    /// `submitted`, `withdraw`, or the bank's event (`approved`, `disbursed`, …).
    pub kind: String,
    pub status_after: ApplicationStatus,
    pub at: DateTime<Utc>,
    /// The person or bank that made the change.
    pub by: Option<String>,
    pub note: Option<String>,
}

/// An application with everything that happened to it, oldest first.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ApplicationDetail {
    pub application: ApplicationView,
    pub timeline: Vec<TimelineEntry>,
}

/// The applications a caller sees: a supplier its own, a bank those sent to it, the operator
/// and the regulator all. Purchasing units are not shown applications (the supplier's credit
/// business), only the account changes that follow a signed agreement.
async fn scope_of(ctx: &Ctx, actor: &Identity) -> FinancingResult<Scope> {
    match actor.org_kind {
        OrgKind::Supplier => Ok(Scope::Supplier(OrgId(actor.org_id))),
        OrgKind::Operator | OrgKind::Regulator => Ok(Scope::All),
        OrgKind::Bank => match banks::of_org(&ctx.db, OrgId(actor.org_id)).await? {
            Some(bank) => Ok(Scope::Bank(bank.id)),
            None => Err(FinancingError::BankNotFound),
        },
        OrgKind::Purchaser => Err(ApiError::refused(gpmall_platform::i18n::Text::new(
            "msg.financing.applications_not_for_you",
        ))
        .into()),
    }
}

fn in_scope(scope: Scope, app: &loan_application::Model) -> bool {
    match scope {
        Scope::Supplier(org) => app.supplier_org_id == org,
        Scope::Bank(bank) => app.bank_id == bank,
        Scope::All => true,
    }
}

fn stored_status(app: &loan_application::Model) -> FinancingResult<ApplicationStatus> {
    ApplicationStatus::stored(&app.status).map_err(|e| ApiError::internal(e).into())
}

async fn user_names<C: ConnectionTrait>(
    conn: &C,
    ids: impl IntoIterator<Item = UserId>,
) -> FinancingResult<HashMap<UserId, String>> {
    let ids: Vec<i64> = ids.into_iter().map(UserId::get).collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|u| (UserId(u.id), u.display_name))
        .collect())
}

/// The views of these applications, with every name they show, in two queries per kind.
async fn views<C: ConnectionTrait>(
    conn: &C,
    actor: &Identity,
    apps: Vec<loan_application::Model>,
) -> FinancingResult<Vec<ApplicationView>> {
    let banks = banks::all(conn).await?;
    let products = banks::products(conn).await?;
    let orgs = org_names(
        conn,
        apps.iter()
            .flat_map(|a| [a.supplier_org_id, a.purchaser_org_id]),
    )
    .await?;
    let users = user_names(conn, apps.iter().map(|a| a.consented_by)).await?;
    apps.into_iter()
        .map(|app| {
            let status = stored_status(&app)?;
            let own =
                actor.org_kind == OrgKind::Supplier && app.supplier_org_id.get() == actor.org_id;
            Ok(ApplicationView {
                id: app.id,
                bank_name: banks
                    .iter()
                    .find(|b| b.bank.id == app.bank_id)
                    .map(|b| b.name.clone())
                    .unwrap_or_default(),
                product_name: products
                    .iter()
                    .find(|p| p.id == app.product_id)
                    .map(|p| p.name.clone())
                    .unwrap_or_default(),
                purchaser_name: orgs.get(&app.purchaser_org_id).cloned().unwrap_or_default(),
                supplier_name: orgs.get(&app.supplier_org_id).cloned().unwrap_or_default(),
                consented_by: users.get(&app.consented_by).cloned().unwrap_or_default(),
                application_no: app.application_no,
                contract_id: app.contract_id,
                contract_no: app.contract_no,
                bank_id: app.bank_id,
                product_id: app.product_id,
                amount: Money::from_fen(app.amount_fen),
                term_months: u32::try_from(app.term_months).map_err(ApiError::internal)?,
                unpaid_at_application: Money::from_fen(app.unpaid_at_application_fen),
                status,
                consented_at: app.consented_at,
                created_at: app.created_at,
                updated_at: app.updated_at,
                actions: ApplicationActions {
                    withdraw: own
                        && actor.has_role(Role::Seller)
                        && matches!(
                            transition(status, Event::Platform(Action::Withdraw)),
                            Outcome::To(_)
                        ),
                },
            })
        })
        .collect()
}

async fn timeline<C: ConnectionTrait>(
    conn: &C,
    events: Vec<loan_application_event::Model>,
) -> FinancingResult<Vec<TimelineEntry>> {
    let users = user_names(conn, events.iter().filter_map(|e| e.actor_user_id)).await?;
    let banks = banks::all(conn).await?;
    events
        .into_iter()
        .map(|e| {
            let by = match (e.actor_user_id, e.bank_id) {
                (Some(user), _) => users.get(&user).cloned(),
                (None, Some(bank)) => banks
                    .iter()
                    .find(|b| b.bank.id == bank)
                    .map(|b| b.name.clone()),
                (None, None) => None,
            };
            Ok(TimelineEntry {
                status_after: ApplicationStatus::stored(&e.status_after)
                    .map_err(ApiError::internal)?,
                kind: e.kind,
                at: e.at,
                by,
                note: e.note,
            })
        })
        .collect()
}

async fn detail<C: ConnectionTrait>(
    conn: &C,
    actor: &Identity,
    app: loan_application::Model,
) -> FinancingResult<ApplicationDetail> {
    let events = repo::timeline(conn, app.id).await?;
    let application = views(conn, actor, vec![app])
        .await?
        .pop()
        .ok_or_else(|| ApiError::internal("an application's view is missing"))?;
    Ok(ApplicationDetail {
        application,
        timeline: timeline(conn, events).await?,
    })
}

/// A new application number: `FA`, the business date, a random six-digit suffix.
fn application_no(ctx: &Ctx) -> String {
    let suffix: u32 = rand::random_range(0..1_000_000);
    format!("FA{}-{suffix:06}", ctx.clock.today().format("%Y%m%d"))
}

/// A supplier applies to a bank's product against one of its own contracts.
#[tracing::instrument(skip_all)]
pub async fn apply(
    ctx: &Ctx,
    actor: &Identity,
    input: NewApplication,
    idempotency_key: Option<&str>,
) -> FinancingResult<ApplicationDetail> {
    actor.require_role(Role::Seller)?;
    if !input.consent {
        return Err(FinancingError::ConsentRequired);
    }
    // The contract and the supplier are read through the pool before the transaction takes
    // SQLite's write lock; what must not race (the running application) is checked inside it.
    let contract = contracts::get(ctx, actor, input.contract_id.get()).await?;
    if contract.supplier_id != actor.org_id {
        return Err(ApiError::not_found("contract").into());
    }
    match contract.status {
        ContractStatus::Completed => {
            return Err(FinancingError::ContractCompleted {
                contract_no: contract.contract_no,
            });
        }
        ContractStatus::Terminated => {
            return Err(FinancingError::ContractTerminated {
                contract_no: contract.contract_no,
            });
        }
        ContractStatus::Active => {}
    }
    let unpaid = contract
        .amount
        .checked_sub(contract.paid)
        .and_then(|m| m.checked_sub(contract.deducted))
        .unwrap_or(Money::ZERO);
    if !unpaid.is_positive() {
        return Err(FinancingError::NothingUnpaid {
            contract_no: contract.contract_no,
        });
    }
    let (supplier, size) = supplier_size(ctx, OrgId(actor.org_id)).await?;
    if supplier.credit_status != "good" {
        return Err(FinancingError::SupplierPenalized {
            supplier: supplier.name,
        });
    }
    let now = ctx.clock.now();
    let txn = ctx.db.begin().await?;
    if let Some(done) =
        idempotency::replay(&txn, actor.user_id, idempotency_key, &input, now).await?
    {
        return Ok(done);
    }
    let product = banks::product(&txn, input.product_id)
        .await?
        .ok_or(FinancingError::ProductNotFound)?;
    let bank = banks::get(&txn, product.bank_id)
        .await?
        .ok_or(FinancingError::BankNotFound)?;
    products::stored_limits(&product)?.admit(input.amount, input.term_months, unpaid, size)?;
    let exists = || FinancingError::ApplicationExists {
        contract_no: contract.contract_no.clone(),
        bank: bank.name.clone(),
    };
    if repo::running_for(&txn, input.contract_id, bank.bank.id)
        .await?
        .is_some()
    {
        return Err(exists());
    }
    let app = repo::insert(
        &txn,
        NewApplicationRow {
            application_no: &application_no(ctx),
            supplier_org_id: OrgId(actor.org_id),
            contract_id: input.contract_id,
            contract_no: &contract.contract_no,
            purchaser_org_id: OrgId(contract.purchaser_org_id),
            bank_id: bank.bank.id,
            product_id: product.id,
            amount_fen: input.amount.fen(),
            term_months: i32::try_from(input.term_months).map_err(ApiError::internal)?,
            unpaid_fen: unpaid.fen(),
            consented_by: UserId(actor.user_id),
        },
        now,
    )
    .await
    .map_err(|e| match e.sql_err() {
        // Two applications racing past the check: the partial unique index keeps one.
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => exists(),
        _ => e.into(),
    })?;
    repo::record_event(
        &txn,
        NewEvent {
            application_id: app.id,
            kind: SUBMITTED,
            status_after: ApplicationStatus::Submitted,
            bank_id: None,
            bank_event_id: None,
            actor_user_id: Some(UserId(actor.user_id)),
            note: None,
        },
        now,
    )
    .await?;
    gpmall_platform::audit::record(
        &txn,
        AuditEntry {
            actor: Some(actor),
            action: "financing.application_submitted",
            subject_type: "loan_application",
            subject_id: app.id.to_string(),
            before: None,
            after: Some(serde_json::json!({
                "application_no": app.application_no, "contract_no": app.contract_no,
                "bank": bank.name, "product": product.code, "amount": input.amount,
                "term_months": input.term_months, "consent": true,
            })),
        },
        now,
    )
    .await?;
    let view = detail(&txn, actor, app).await?;
    idempotency::store(&txn, actor.user_id, idempotency_key, 201, &view).await?;
    txn.commit().await?;
    Ok(view)
}

/// One page of the applications the caller sees, newest first.
pub async fn list(
    ctx: &Ctx,
    actor: &Identity,
    status: Option<ApplicationStatus>,
    page: PageRequest,
) -> FinancingResult<ListResponse<ApplicationView>> {
    let scope = scope_of(ctx, actor).await?;
    let found = repo::page(&ctx.db, scope, status, page).await?;
    let items = views(&ctx.db, actor, found.items).await?;
    Ok(ListResponse {
        items,
        total: found.total,
        page: found.page,
        per_page: found.per_page,
    })
}

async fn visible(
    ctx: &Ctx,
    actor: &Identity,
    id: LoanApplicationId,
) -> FinancingResult<loan_application::Model> {
    let scope = scope_of(ctx, actor).await?;
    repo::get(&ctx.db, id)
        .await?
        .filter(|app| in_scope(scope, app))
        .ok_or(FinancingError::ApplicationNotFound)
}

/// One application with its timeline.
pub async fn get(
    ctx: &Ctx,
    actor: &Identity,
    id: LoanApplicationId,
) -> FinancingResult<ApplicationDetail> {
    let app = visible(ctx, actor, id).await?;
    detail(&ctx.db, actor, app).await
}

/// The supplier withdraws its application before the bank decides.
#[tracing::instrument(skip_all, fields(application = %id))]
pub async fn withdraw(
    ctx: &Ctx,
    actor: &Identity,
    id: LoanApplicationId,
    idempotency_key: Option<&str>,
) -> FinancingResult<ApplicationDetail> {
    actor.require_role(Role::Seller)?;
    // Read through the pool before the transaction takes SQLite's write lock.
    let app = visible(ctx, actor, id).await?;
    let now = ctx.clock.now();
    let txn = ctx.db.begin().await?;
    if let Some(done) =
        idempotency::replay(&txn, actor.user_id, idempotency_key, &("withdraw", id), now).await?
    {
        return Ok(done);
    }
    let from = stored_status(&app)?;
    let to = match transition(from, Event::Platform(Action::Withdraw)) {
        Outcome::To(to) => to,
        Outcome::Refuse(refusal) => return Err(refusal.into()),
        Outcome::Wait | Outcome::Absorb => return Err(FinancingError::ChangedMeanwhile),
    };
    let app = repo::change_status(
        &txn,
        id,
        from,
        to,
        || FinancingError::ChangedMeanwhile.into(),
        AuditEntry {
            actor: Some(actor),
            action: "financing.application_withdrawn",
            subject_type: "loan_application",
            subject_id: id.to_string(),
            before: Some(serde_json::json!({ "status": from.as_str() })),
            after: Some(serde_json::json!({ "status": to.as_str() })),
        },
        now,
    )
    .await?;
    repo::record_event(
        &txn,
        NewEvent {
            application_id: id,
            kind: Action::Withdraw.as_str(),
            status_after: to,
            bank_id: None,
            bank_event_id: None,
            actor_user_id: Some(UserId(actor.user_id)),
            note: None,
        },
        now,
    )
    .await?;
    let view = detail(&txn, actor, app).await?;
    idempotency::store(&txn, actor.user_id, idempotency_key, 200, &view).await?;
    txn.commit().await?;
    Ok(view)
}
