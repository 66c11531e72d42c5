//! Orders: placement (one order per supplier, budget and stock taken by conditional SQL in one
//! transaction, idempotent by key), the lifecycle transitions with acceptance, and queries.

mod contract;
mod place;
mod pricing;
mod transition;
mod views;

use gpmall_platform::identity::{Identity, OrgKind};

pub use place::{
    MAX_LINES, OrderLineInput, PlaceOrder, PlacedOrder, PlacedOrders, PlacementResponse, place,
};
pub use transition::{TransitionInput, act};
pub use views::{AcceptanceView, OrderFilter, OrderLineView, OrderView, get, list};

use crate::domain::order::Party;
use crate::entity::order;

/// Which side of `order` the actor is on, or not found (other tenants never learn it exists).
fn party_of(actor: &Identity, order: &order::Model) -> Option<Party> {
    match actor.org_kind {
        OrgKind::Purchaser if order.purchaser_org_id == actor.org_id => Some(Party::Purchaser),
        OrgKind::Supplier if order.supplier_id == actor.org_id => Some(Party::Supplier),
        _ => None,
    }
}

fn may_view(actor: &Identity, order: &order::Model) -> bool {
    party_of(actor, order).is_some()
        || matches!(actor.org_kind, OrgKind::Operator | OrgKind::Regulator)
}
