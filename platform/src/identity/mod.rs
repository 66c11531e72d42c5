//! Identity and access: organizations, roles, sessions, and the `Identity` of a request.

pub mod admin;
pub mod credit_code;
pub mod guard;
pub mod http;
pub mod password;
pub mod session;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use serde::{Deserialize, Serialize};

use crate::context::Ctx;
use crate::error::ApiError;
use crate::i18n::Text;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    Purchaser,
    Supplier,
    Operator,
    Regulator,
    Bank,
}

impl OrgKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::Purchaser => "purchaser",
            OrgKind::Supplier => "supplier",
            OrgKind::Operator => "operator",
            OrgKind::Regulator => "regulator",
            OrgKind::Bank => "bank",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "purchaser" => OrgKind::Purchaser,
            "supplier" => OrgKind::Supplier,
            "operator" => OrgKind::Operator,
            "regulator" => OrgKind::Regulator,
            "bank" => OrgKind::Bank,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EnterpriseSize {
    Large,
    Medium,
    Small,
    Micro,
}

impl EnterpriseSize {
    pub fn as_str(self) -> &'static str {
        match self {
            EnterpriseSize::Large => "large",
            EnterpriseSize::Medium => "medium",
            EnterpriseSize::Small => "small",
            EnterpriseSize::Micro => "micro",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "large" => EnterpriseSize::Large,
            "medium" => EnterpriseSize::Medium,
            "small" => EnterpriseSize::Small,
            "micro" => EnterpriseSize::Micro,
            _ => return None,
        })
    }

    /// Small, medium and micro enterprises (SMEs) get the policy protections.
    pub fn is_sme(self) -> bool {
        !matches!(self, EnterpriseSize::Large)
    }
}

/// Roles within an organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A purchasing unit's buyer: cart, orders, acceptance.
    Buyer,
    /// A purchasing unit's finance officer: budget lines.
    Finance,
    /// A supplier's staff: products, incoming orders.
    Seller,
    /// The central purchasing agency: catalogue review, budgets.
    Operator,
    /// The finance bureau's supervisor.
    Regulator,
    /// A partner bank's integration user.
    Banker,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Buyer => "buyer",
            Role::Finance => "finance",
            Role::Seller => "seller",
            Role::Operator => "operator",
            Role::Regulator => "regulator",
            Role::Banker => "banker",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "buyer" => Role::Buyer,
            "finance" => Role::Finance,
            "seller" => Role::Seller,
            "operator" => Role::Operator,
            "regulator" => Role::Regulator,
            "banker" => Role::Banker,
            _ => return None,
        })
    }

    /// The locale key of the role's name (`role.buyer`).
    pub fn label_key(self) -> String {
        format!("role.{}", self.as_str())
    }

    pub fn parse_list(s: &str) -> Vec<Role> {
        s.split(',').filter_map(|r| Role::parse(r.trim())).collect()
    }
}

/// Who is making a request: the user, the organization, its kind and the user's roles.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Identity {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub org_id: i64,
    pub org_name: String,
    pub org_kind: OrgKind,
    pub roles: Vec<Role>,
    pub session_id: i64,
    pub csrf_token: String,
}

impl Identity {
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    pub fn require_role(&self, role: Role) -> Result<(), ApiError> {
        if self.has_role(role) {
            Ok(())
        } else {
            Err(ApiError::refused(
                Text::new("msg.role_needed").key_arg("role", role.label_key()),
            ))
        }
    }

    pub fn require_any(&self, roles: &[Role]) -> Result<(), ApiError> {
        if roles.iter().any(|r| self.has_role(*r)) {
            Ok(())
        } else {
            let mut text = Text::new(if roles.len() == 2 {
                "msg.roles_needed_two"
            } else {
                "msg.role_needed"
            });
            for (name, role) in ["role", "other"].into_iter().zip(roles) {
                text = text.key_arg(name, role.label_key());
            }
            Err(ApiError::refused(text))
        }
    }
}

/// The token of an `Authorization: Bearer <token>` header. The scheme name is case-insensitive
/// (RFC 9110 §11.1), so `bearer` and `BEARER` work as well.
pub fn bearer_token(headers: &axum::http::HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?.trim_start();
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// API authentication: `Authorization: Bearer <token>` from `POST /api/v1/auth/login`.
impl<S> FromRequestParts<S> for Identity
where
    Ctx: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        if let Some(identity) = parts.extensions.get::<Identity>() {
            return Ok(identity.clone());
        }
        let ctx = Ctx::from_ref(state);
        let token = bearer_token(&parts.headers).ok_or_else(ApiError::unauthenticated)?;
        let identity = session::authenticate(&ctx, token, session::SessionKind::Api)
            .await?
            .ok_or_else(ApiError::unauthenticated)?;
        parts.extensions.insert(identity.clone());
        Ok(identity)
    }
}
