//! The operator registers organizations (suppliers with a checked unified social credit code)
//! and their users.

use super::guard::Operator;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set, TransactionTrait};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::credit_code::CreditCode;
use super::{EnterpriseSize, OrgKind, Role, password};
use crate::audit::{self, AuditEntry};
use crate::entity::{organization, user};
use crate::error::{ApiResult, ErrorBody};
use crate::extract::ApiJson;
use crate::i18n::Text;
use crate::text::{clean_name, clean_optional_name};
use crate::{ApiError, Ctx};

pub fn router() -> OpenApiRouter<Ctx> {
    OpenApiRouter::new()
        .routes(routes!(create_organization))
        .routes(routes!(create_user))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrganization {
    pub kind: OrgKind,
    pub name: String,
    /// Required for suppliers and banks: 18 characters, checked per GB 32100-2015.
    pub credit_code: Option<String>,
    /// Required for suppliers.
    pub enterprise_size: Option<EnterpriseSize>,
    #[serde(default)]
    pub region: String,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OrganizationView {
    pub id: i64,
    pub kind: OrgKind,
    pub name: String,
    pub credit_code: Option<String>,
    pub enterprise_size: Option<String>,
    pub credit_status: String,
    pub region: String,
}

impl From<organization::Model> for OrganizationView {
    fn from(o: organization::Model) -> Self {
        OrganizationView {
            id: o.id,
            kind: OrgKind::parse(&o.kind).unwrap_or(OrgKind::Purchaser),
            name: o.name,
            credit_code: o.credit_code,
            enterprise_size: o.enterprise_size,
            credit_status: o.credit_status,
            region: o.region,
        }
    }
}

#[utoipa::path(post, path = "/api/v1/admin/organizations", tag = "operator", request_body = NewOrganization,
    responses((status = 201, body = OrganizationView),
              (status = 400, body = ErrorBody, description = "CREDIT_CODE_INVALID, VALIDATION_FAILED"),
              (status = 409, body = ErrorBody, description = "ORGANIZATION_EXISTS")))]
pub async fn create_organization(
    State(ctx): State<Ctx>,
    Operator(actor): Operator,
    ApiJson(input): ApiJson<NewOrganization>,
) -> ApiResult<(StatusCode, Json<OrganizationView>)> {
    let name = clean_name("field.org_name", &input.name, 200)?;
    let name = name.as_str();
    let region = clean_optional_name("field.region", Some(&input.region), 100)?.unwrap_or_default();
    let needs_code = matches!(input.kind, OrgKind::Supplier | OrgKind::Bank);
    let credit_code = match (&input.credit_code, needs_code) {
        (Some(code), _) => Some(CreditCode::parse(code).map_err(|e| e.refusal(code))?),
        (None, true) => {
            return Err(ApiError::say(
                StatusCode::BAD_REQUEST,
                "CREDIT_CODE_INVALID",
                Text::new("msg.admin.credit_code_required"),
            ));
        }
        (None, false) => None,
    };
    if input.kind == OrgKind::Supplier && input.enterprise_size.is_none() {
        return Err(ApiError::invalid(Text::new("msg.admin.size_required")));
    }
    let now = ctx.clock.now();
    let txn = ctx.db.begin().await?;
    if let Some(code) = &credit_code
        && organization::Entity::find()
            .filter(organization::Column::CreditCode.eq(code.as_str()))
            .one(&txn)
            .await?
            .is_some()
    {
        return Err(ApiError::conflicting(
            "ORGANIZATION_EXISTS",
            Text::new("msg.admin.org_exists").arg("code", code.as_str()),
        ));
    }
    let saved = organization::ActiveModel {
        kind: Set(input.kind.as_str().to_owned()),
        name: Set(name.to_owned()),
        credit_code: Set(credit_code.map(|c| c.as_str().to_owned())),
        enterprise_size: Set(input.enterprise_size.map(|s| s.as_str().to_owned())),
        credit_status: Set("good".to_owned()),
        region: Set(region),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let view = OrganizationView::from(saved);
    audit::record(
        &txn,
        AuditEntry {
            actor: Some(&actor),
            action: "organization.created",
            subject_type: "organization",
            subject_id: view.id.to_string(),
            before: None,
            after: serde_json::to_value(&view).ok(),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok((StatusCode::CREATED, Json(view)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    pub org_id: i64,
    pub username: String,
    pub display_name: String,
    /// At least 8 characters.
    pub password: String,
    pub roles: Vec<Role>,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UserView {
    pub id: i64,
    pub org_id: i64,
    pub username: String,
    pub display_name: String,
    pub roles: Vec<Role>,
}

/// Which roles fit which kind of organization.
fn role_fits(kind: OrgKind, role: Role) -> bool {
    matches!(
        (kind, role),
        (OrgKind::Purchaser, Role::Buyer | Role::Finance)
            | (OrgKind::Supplier, Role::Seller)
            | (OrgKind::Operator, Role::Operator)
            | (OrgKind::Regulator, Role::Regulator)
            | (OrgKind::Bank, Role::Banker)
    )
}

#[utoipa::path(post, path = "/api/v1/admin/users", tag = "operator", request_body = NewUser,
    responses((status = 201, body = UserView), (status = 400, body = ErrorBody),
              (status = 409, body = ErrorBody, description = "USERNAME_TAKEN")))]
pub async fn create_user(
    State(ctx): State<Ctx>,
    Operator(actor): Operator,
    ApiJson(input): ApiJson<NewUser>,
) -> ApiResult<(StatusCode, Json<UserView>)> {
    let username = input.username.trim().to_owned();
    if username.len() < 3
        || username.len() > 64
        || !username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    {
        return Err(ApiError::invalid(Text::new("msg.admin.username")));
    }
    let display_name = clean_name("field.display_name", &input.display_name, 100)?;
    if input.password.chars().count() < 8 {
        return Err(ApiError::invalid(Text::new("msg.admin.password")));
    }
    if input.roles.is_empty() {
        return Err(ApiError::invalid(Text::new("msg.admin.roles")));
    }
    let org = organization::Entity::find_by_id(input.org_id)
        .one(&ctx.db)
        .await?
        .ok_or_else(|| ApiError::invalid(Text::new("msg.admin.no_org")))?;
    let kind = OrgKind::parse(&org.kind).ok_or_else(|| ApiError::internal("unknown org kind"))?;
    if let Some(role) = input.roles.iter().find(|r| !role_fits(kind, **r)) {
        return Err(ApiError::invalid(
            Text::new("msg.admin.role_misfit")
                .key_arg("role", role.label_key())
                .key_arg("kind", format!("org_kind.{}", kind.as_str()))
                .arg("org", &org.name),
        ));
    }
    let password = input.password.clone();
    let hash = tokio::task::spawn_blocking(move || password::hash_password(&password))
        .await
        .map_err(ApiError::internal)?;
    let now = ctx.clock.now();
    let txn = ctx.db.begin().await?;
    if user::Entity::find()
        .filter(user::Column::Username.eq(username.clone()))
        .one(&txn)
        .await?
        .is_some()
    {
        return Err(ApiError::conflicting(
            "USERNAME_TAKEN",
            Text::new("msg.admin.username_taken").arg("username", &username),
        ));
    }
    let roles: Vec<&str> = input.roles.iter().map(|r| r.as_str()).collect();
    let saved = user::ActiveModel {
        org_id: Set(org.id),
        username: Set(username),
        display_name: Set(display_name),
        password_hash: Set(hash),
        roles: Set(roles.join(",")),
        disabled: Set(false),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let view = UserView {
        id: saved.id,
        org_id: saved.org_id,
        username: saved.username,
        display_name: saved.display_name,
        roles: input.roles,
    };
    audit::record(
        &txn,
        AuditEntry {
            actor: Some(&actor),
            action: "user.created",
            subject_type: "user",
            subject_id: view.id.to_string(),
            before: None,
            after: serde_json::to_value(&view).ok(),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok((StatusCode::CREATED, Json(view)))
}
