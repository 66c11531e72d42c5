//! Role guards: extractors that authenticate the request and check the caller's role before
//! anything else of the request is looked at, so a caller without the role gets 403 whatever
//! its path or body holds. Each route names the guard of the roles that may call it; the
//! services still check the object (whose order, whose contract).
//!
//! A role fits one kind of organization only (`admin::create_user` refuses any other pairing),
//! so a guard on roles is a guard on the kind of organization too.

use axum::extract::{FromRef, FromRequestParts};
use axum::http::StatusCode;
use axum::http::request::Parts;

use super::{Identity, Role};
use crate::context::Ctx;
use crate::error::ApiError;
use crate::i18n::Text;

macro_rules! role_guard {
    ($(#[$doc:meta])* $name:ident: [$($role:ident),+], $message:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $name(pub Identity);

        impl $name {
            /// The roles that pass this guard.
            pub const ROLES: &'static [Role] = &[$(Role::$role),+];
        }

        impl<S> FromRequestParts<S> for $name
        where
            Ctx: FromRef<S>,
            S: Send + Sync,
        {
            type Rejection = ApiError;

            async fn from_request_parts(
                parts: &mut Parts,
                state: &S,
            ) -> Result<Self, Self::Rejection> {
                let identity = Identity::from_request_parts(parts, state).await?;
                if Self::ROLES.iter().any(|role| identity.has_role(*role)) {
                    Ok($name(identity))
                } else {
                    Err(refused($message, Self::ROLES))
                }
            }
        }
    };
}

fn refused(message: &'static str, roles: &[Role]) -> ApiError {
    let roles: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
    ApiError::say(StatusCode::FORBIDDEN, "FORBIDDEN", Text::new(message))
        .with_details(serde_json::json!({ "roles": roles }))
}

role_guard!(
    /// The central purchasing agency's operator.
    Operator: [Operator], "msg.forbidden.operator"
);
role_guard!(
    /// Supervision: the operator or the finance bureau's regulator.
    Overseer: [Operator, Regulator], "msg.forbidden.overseer"
);
role_guard!(
    /// A supplier's staff.
    Seller: [Seller], "msg.forbidden.seller"
);
role_guard!(
    /// A purchasing unit's buyer: cart, orders, acceptance, publication.
    Buyer: [Buyer], "msg.forbidden.buyer"
);
role_guard!(
    /// A purchasing unit's staff, buyer or finance officer: payments, disputes, deposits.
    PurchaserStaff: [Buyer, Finance], "msg.forbidden.purchaser_staff"
);
role_guard!(
    /// Who keeps budget lines: the unit's finance officer or the operator.
    BudgetKeeper: [Finance, Operator], "msg.forbidden.budget_keeper"
);
role_guard!(
    /// Who reads budget lines: a purchasing unit's staff (its own) and supervision (every unit's).
    BudgetReader: [Buyer, Finance, Operator, Regulator], "msg.forbidden.budget_reader"
);
role_guard!(
    /// Either side of an order: the purchasing unit's buyer or the supplier's staff.
    OrderParticipant: [Buyer, Seller], "msg.forbidden.order_participant"
);
role_guard!(
    /// Who acts on a payment dispute: the purchasing unit, the supplier, or the operator.
    DisputeParticipant: [Buyer, Finance, Seller, Operator], "msg.forbidden.dispute_participant"
);
role_guard!(
    /// Who reads payment performance: purchasing units (their own) and supervision (all).
    PerformanceReader: [Buyer, Finance, Operator, Regulator], "msg.forbidden.performance_reader"
);
role_guard!(
    /// Who registers procedures and records their events: the unit's buyer or the operator.
    ProcedureKeeper: [Buyer, Operator], "msg.forbidden.procedure_keeper"
);
role_guard!(
    /// Who keeps the books of deposits: the unit's staff or the operator.
    DepositKeeper: [Buyer, Finance, Operator], "msg.forbidden.deposit_keeper"
);

role_guard!(
    /// Who reads loan applications: the supplier its own, a bank those sent to it, supervision
    /// all.
    LoanReader: [Seller, Operator, Regulator, Banker], "msg.forbidden.loan_reader"
);

role_guard!(
    /// Who compares loan products: suppliers, and the operator and regulator.
    ProductReader: [Seller, Operator, Regulator], "msg.forbidden.product_reader"
);
