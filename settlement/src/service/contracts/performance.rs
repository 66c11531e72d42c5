//! Payment performance: how punctually each purchasing unit pays.

use gpmall_platform::identity::{Identity, OrgKind};
use gpmall_platform::{ApiError, Ctx, Money};
use serde::{Deserialize, Serialize};

use super::*;
use crate::repo::contracts::{self, Visible};

/// How a purchasing unit pays its suppliers.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PaymentPerformance {
    pub purchaser_org_id: i64,
    pub purchaser_name: String,
    /// Instalments whose due date has passed (or that were paid).
    pub instalments_due: u64,
    pub paid_on_time: u64,
    /// Share of due instalments paid in full by their due date, in percent with one decimal;
    /// absent while no instalment has fallen due (there is nothing to rate yet).
    pub on_time_percent: Option<String>,
    /// Average days from the start of the payment clock to full payment, one decimal.
    pub average_days_to_pay: Option<String>,
    pub overdue: Money,
    pub interest_owed: Money,
}

/// Running totals for one purchaser.
#[derive(Default)]
pub(super) struct Tally {
    name: String,
    due: u64,
    on_time: u64,
    days_to_pay: Vec<i64>,
    overdue_fen: i64,
    interest_fen: i64,
}

pub async fn payment_performance(
    ctx: &Ctx,
    actor: &Identity,
) -> Result<Vec<PaymentPerformance>, ApiError> {
    let visible = match actor.org_kind {
        OrgKind::Purchaser => Visible::Purchaser(actor.org_id),
        OrgKind::Operator | OrgKind::Regulator => Visible::All,
        _ => {
            return Err(ApiError::refused(Text::new(
                "msg.contract.performance_readers",
            )));
        }
    };
    let rows = contracts::all_visible_by_purchaser(&ctx.db, visible).await?;
    let today = ctx.clock.today();
    let mut by_org: std::collections::BTreeMap<i64, Tally> = std::collections::BTreeMap::new();
    for row in rows {
        let view = build_view(&ctx.db, row, today).await?;
        let entry = by_org
            .entry(view.purchaser_org_id)
            .or_insert_with(|| Tally {
                name: view.purchaser_name.clone(),
                ..Tally::default()
            });
        for inst in &view.instalments {
            let Some(due) = inst.due_on else { continue };
            let last_paid = view
                .payments
                .iter()
                .filter(|p| p.instalment_seq == inst.seq)
                .map(|p| p.paid_on)
                .max();
            let fully_paid = !inst.outstanding.is_positive();
            if due >= today && !fully_paid {
                continue;
            }
            entry.due += 1;
            if fully_paid && last_paid.is_some_and(|d| d <= due) {
                entry.on_time += 1;
            }
            if let (true, Some(paid), Some(start)) = (fully_paid, last_paid, inst.clock_started_on)
            {
                entry.days_to_pay.push((paid - start).num_days());
            }
        }
        entry.overdue_fen += view.overdue.fen();
        entry.interest_fen += view.interest_owed.fen();
    }
    Ok(by_org
        .into_iter()
        .map(|(org_id, tally)| {
            let Tally {
                name,
                due,
                on_time,
                days_to_pay: days,
                overdue_fen: overdue,
                interest_fen: interest,
            } = tally;
            let percent = (due > 0).then(|| {
                rust_decimal::Decimal::from(on_time * 100) / rust_decimal::Decimal::from(due)
            });
            let average = (!days.is_empty()).then(|| {
                let mean = rust_decimal::Decimal::from(days.iter().sum::<i64>())
                    / rust_decimal::Decimal::from(days.len() as i64);
                format!("{:.1}", mean.round_dp(1))
            });
            PaymentPerformance {
                purchaser_org_id: org_id,
                purchaser_name: name,
                instalments_due: due,
                paid_on_time: on_time,
                on_time_percent: percent.map(|p| format!("{:.1}", p.round_dp(1))),
                average_days_to_pay: average,
                overdue: Money::from_fen(overdue),
                interest_owed: Money::from_fen(interest),
            }
        })
        .collect())
}
