//! What a user may do with a contract and its disputes right now, by the same rules the use
//! cases enforce: the pages show exactly these forms and buttons, and API clients read them
//! from the contract instead of guessing.

use gpmall_platform::identity::{Identity, OrgKind, Role};
use serde::{Deserialize, Serialize};

use super::*;
use crate::domain::disputes::{DisputeParty, DisputeStatus, dispute_transition};

/// The contract's actions open to the viewer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ContractActions {
    /// Record a payment: the purchasing unit's buyer or finance officer, while the contract is
    /// in performance and something is payable.
    pub record_payment: bool,
    /// Dispute part of an instalment: the same people, while something is payable.
    pub open_dispute: bool,
    /// Record that a milestone was reached: the purchasing unit's buyer, while a milestone
    /// instalment waits for it.
    pub record_milestone: bool,
    /// Record the contract's publication: the purchasing unit's buyer, once, unless the
    /// contract was terminated.
    pub publish: bool,
}

/// A dispute's actions open to the viewer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DisputeActions {
    pub withdraw: bool,
    pub accept: bool,
    pub decide: bool,
}

fn own_purchaser(actor: &Identity, view: &ContractView) -> bool {
    actor.org_kind == OrgKind::Purchaser && actor.org_id == view.purchaser_org_id
}

impl ContractActions {
    pub fn for_viewer(actor: &Identity, view: &ContractView) -> Self {
        let purchaser = own_purchaser(actor, view);
        let pays = purchaser && (actor.has_role(Role::Buyer) || actor.has_role(Role::Finance));
        let buys = purchaser && actor.has_role(Role::Buyer);
        let active = view.status.is_active();
        let payable = view.instalments.iter().any(|i| i.payable.is_positive());
        ContractActions {
            record_payment: pays && active && payable,
            open_dispute: pays && active && payable,
            record_milestone: buys
                && active
                && view
                    .instalments
                    .iter()
                    .any(|i| i.trigger == Trigger::Milestone && i.milestone_reached_on.is_none()),
            publish: buys
                && view.published_on.is_none()
                && view.status != ContractStatus::Terminated,
        }
    }
}

/// Who the viewer is in a dispute on `view`, with the role that acts for that party.
fn dispute_party(actor: &Identity, view: &ContractView) -> Option<DisputeParty> {
    match actor.org_kind {
        OrgKind::Purchaser
            if own_purchaser(actor, view)
                && (actor.has_role(Role::Buyer) || actor.has_role(Role::Finance)) =>
        {
            Some(DisputeParty::Purchaser)
        }
        OrgKind::Supplier if actor.org_id == view.supplier_id && actor.has_role(Role::Seller) => {
            Some(DisputeParty::Supplier)
        }
        OrgKind::Operator if actor.has_role(Role::Operator) => Some(DisputeParty::Operator),
        _ => None,
    }
}

impl DisputeActions {
    pub fn for_viewer(actor: &Identity, view: &ContractView, status: DisputeStatus) -> Self {
        use crate::domain::disputes::DisputeAction as A;
        let Some(party) = dispute_party(actor, view) else {
            return DisputeActions::default();
        };
        let allowed = |action| dispute_transition(status, action, party).is_ok();
        DisputeActions {
            withdraw: allowed(A::Withdraw),
            accept: allowed(A::Accept),
            decide: allowed(A::Decide),
        }
    }
}

/// Fills in the viewer's actions on a contract and its disputes.
pub(crate) fn with_actions(actor: &Identity, mut view: ContractView) -> ContractView {
    view.actions = ContractActions::for_viewer(actor, &view);
    for i in 0..view.disputes.len() {
        let status = view.disputes[i].status;
        view.disputes[i].actions = DisputeActions::for_viewer(actor, &view, status);
    }
    view
}
