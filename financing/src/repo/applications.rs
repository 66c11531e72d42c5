//! Loan applications and their timelines.

use chrono::{DateTime, Utc};
use gpmall_platform::audit::AuditEntry;
use gpmall_platform::ids::{BankId, ContractId, LoanApplicationId, OrgId, UserId};
use gpmall_platform::pagination::{ListResponse, PageRequest};
use gpmall_platform::{ApiError, repo};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};

use crate::domain::application::ApplicationStatus;
use crate::entity::{loan_application, loan_application_event};

/// Whose applications a listing covers.
#[derive(Debug, Clone, Copy)]
pub enum Scope {
    Supplier(OrgId),
    Bank(BankId),
    All,
}

pub struct NewApplicationRow<'a> {
    pub application_no: &'a str,
    pub supplier_org_id: OrgId,
    pub contract_id: ContractId,
    pub contract_no: &'a str,
    pub purchaser_org_id: OrgId,
    pub bank_id: BankId,
    pub product_id: gpmall_platform::ids::LoanProductId,
    pub amount_fen: i64,
    pub term_months: i32,
    pub unpaid_fen: i64,
    pub consented_by: UserId,
}

/// Inserts a submitted application.
pub async fn insert<C: ConnectionTrait>(
    conn: &C,
    new: NewApplicationRow<'_>,
    now: DateTime<Utc>,
) -> Result<loan_application::Model, DbErr> {
    loan_application::ActiveModel {
        application_no: Set(new.application_no.to_owned()),
        supplier_org_id: Set(new.supplier_org_id),
        contract_id: Set(new.contract_id),
        contract_no: Set(new.contract_no.to_owned()),
        purchaser_org_id: Set(new.purchaser_org_id),
        bank_id: Set(new.bank_id),
        product_id: Set(new.product_id),
        amount_fen: Set(new.amount_fen),
        term_months: Set(new.term_months),
        unpaid_at_application_fen: Set(new.unpaid_fen),
        status: Set(ApplicationStatus::Submitted.as_str().to_owned()),
        consented_by: Set(new.consented_by),
        consented_at: Set(now),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await
}

/// The statuses in which an application still runs (the partial unique index's complement).
fn running() -> Vec<&'static str> {
    ApplicationStatus::ALL
        .into_iter()
        .filter(|s| !s.is_final())
        .map(ApplicationStatus::as_str)
        .collect()
}

/// The application for this contract still running with this bank, if any.
pub async fn running_for<C: ConnectionTrait>(
    conn: &C,
    contract_id: ContractId,
    bank_id: BankId,
) -> Result<Option<loan_application::Model>, DbErr> {
    loan_application::Entity::find()
        .filter(loan_application::Column::ContractId.eq(contract_id))
        .filter(loan_application::Column::BankId.eq(bank_id))
        .filter(loan_application::Column::Status.is_in(running()))
        .one(conn)
        .await
}

pub async fn get<C: ConnectionTrait>(
    conn: &C,
    id: LoanApplicationId,
) -> Result<Option<loan_application::Model>, DbErr> {
    loan_application::Entity::find_by_id(id).one(conn).await
}

/// One page of the applications in `scope`, newest first.
pub async fn page<C: ConnectionTrait>(
    conn: &C,
    scope: Scope,
    status: Option<ApplicationStatus>,
    page: PageRequest,
) -> Result<ListResponse<loan_application::Model>, DbErr> {
    let mut select = loan_application::Entity::find();
    select = match scope {
        Scope::Supplier(org) => select.filter(loan_application::Column::SupplierOrgId.eq(org)),
        Scope::Bank(bank) => select.filter(loan_application::Column::BankId.eq(bank)),
        Scope::All => select,
    };
    if let Some(status) = status {
        select = select.filter(loan_application::Column::Status.eq(status.as_str()));
    }
    repo::paged(
        conn,
        select.order_by_desc(loan_application::Column::Id),
        page,
    )
    .await
}

/// Moves the application from `from` to `to` if it is still in `from`, with its audit entry;
/// `conflict` when it was not.
pub async fn change_status<C: ConnectionTrait>(
    conn: &C,
    id: LoanApplicationId,
    from: ApplicationStatus,
    to: ApplicationStatus,
    conflict: impl FnOnce() -> ApiError,
    audit: AuditEntry<'_>,
    now: DateTime<Utc>,
) -> Result<loan_application::Model, ApiError> {
    let update = loan_application::Entity::update_many()
        .col_expr(loan_application::Column::Status, Expr::value(to.as_str()))
        .col_expr(loan_application::Column::UpdatedAt, Expr::value(now))
        .filter(loan_application::Column::Id.eq(id))
        .filter(loan_application::Column::Status.eq(from.as_str()));
    repo::change_one(conn, update, id, conflict, audit, now).await
}

pub struct NewEvent<'a> {
    pub application_id: LoanApplicationId,
    pub kind: &'a str,
    pub status_after: ApplicationStatus,
    pub bank_id: Option<BankId>,
    pub bank_event_id: Option<&'a str>,
    pub actor_user_id: Option<UserId>,
    pub note: Option<&'a str>,
}

/// Adds an entry to the application's timeline.
pub async fn record_event<C: ConnectionTrait>(
    conn: &C,
    event: NewEvent<'_>,
    at: DateTime<Utc>,
) -> Result<loan_application_event::Model, DbErr> {
    loan_application_event::ActiveModel {
        application_id: Set(event.application_id),
        kind: Set(event.kind.to_owned()),
        status_after: Set(event.status_after.as_str().to_owned()),
        bank_id: Set(event.bank_id),
        bank_event_id: Set(event.bank_event_id.map(str::to_owned)),
        actor_user_id: Set(event.actor_user_id),
        note: Set(event.note.map(str::to_owned)),
        at: Set(at),
        ..Default::default()
    }
    .insert(conn)
    .await
}

/// The application's timeline, oldest first.
pub async fn timeline<C: ConnectionTrait>(
    conn: &C,
    id: LoanApplicationId,
) -> Result<Vec<loan_application_event::Model>, DbErr> {
    loan_application_event::Entity::find()
        .filter(loan_application_event::Column::ApplicationId.eq(id))
        .order_by_asc(loan_application_event::Column::Id)
        .all(conn)
        .await
}
