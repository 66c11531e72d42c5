//! Settlement pages: contracts with their instalments, due dates and late interest, recording
//! payments and publication, payments due, payment performance, warnings, the supplier's
//! collection account, the operator's reference rates and working-day calendar, deposits and
//! guarantee letters. Every page calls the settlement services, never the database.

mod contracts;
mod deposits;
mod operator;
mod overview;

use axum::routing::{get, post};
use chrono::NaiveDate;
use gpmall_mall::service::orders::{self, OrderView};
use gpmall_platform::identity::Identity;
use gpmall_platform::{ApiError, Ctx, Money};
use gpmall_settlement::domain::contract::ContractStatus;
use gpmall_settlement::service::contracts::ContractView;

use super::i18n::Tr;

pub fn router() -> axum::Router<Ctx> {
    axum::Router::new()
        .route("/contracts", get(contracts::list))
        .route("/contracts/{id}", get(contracts::detail))
        .route("/contracts/{id}/payments", post(contracts::record_payment))
        .route("/contracts/{id}/publish", post(contracts::publish))
        .route(
            "/contracts/{id}/milestones",
            post(contracts::record_milestone),
        )
        .route("/contracts/{id}/disputes", post(contracts::open_dispute))
        .route(
            "/contracts/{id}/disputes/{dispute_id}/{action}",
            post(contracts::resolve_dispute),
        )
        .route("/payments-due", get(contracts::payments_due))
        .route("/performance", get(overview::performance))
        .route("/warnings", get(overview::warnings))
        .route(
            "/supplier/account",
            get(overview::account_page).post(overview::save_account),
        )
        .route(
            "/operator/rates",
            get(operator::rates).post(operator::record_rate),
        )
        .route("/operator/default-terms", post(operator::set_default_terms))
        .route(
            "/operator/calendar",
            get(operator::calendar).post(operator::upload_year),
        )
        .route("/deposits", get(deposits::deposits))
        .route("/deposits/{id}/forfeit", post(deposits::forfeit))
        .route(
            "/contracts/{id}/performance-deposit",
            get(deposits::performance_deposit).post(deposits::record_performance_deposit),
        )
        .route(
            "/guarantees",
            get(deposits::guarantees).post(deposits::register_letter),
        )
}

/// Fills `{name}` placeholders of a localized text (the languages order words differently).
pub fn fill(tr: Tr, key: &str, values: &[(&str, &dyn std::fmt::Display)]) -> String {
    let mut text = tr.t(key).to_owned();
    for (name, value) in values {
        text = text.replace(&format!("{{{name}}}"), &value.to_string());
    }
    text
}

/// A date or a dash.
pub fn day(date: Option<NaiveDate>) -> String {
    date.map_or_else(|| "—".to_owned(), |d| d.to_string())
}

/// A date typed into a form field (`YYYY-MM-DD`), with a message naming the field.
pub fn parse_day(tr: Tr, field: &str, raw: &str) -> Result<NaiveDate, ApiError> {
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
        .map_err(|_| ApiError::validation(tr.f("form.date_format", tr.t(field))))
}

pub fn sum(amounts: impl IntoIterator<Item = Money>) -> Money {
    Money::from_fen(amounts.into_iter().map(Money::fen).sum())
}

/// A contract with the names of its parties and, on its own page, the order it was made from.
pub struct ContractRow {
    pub c: ContractView,
    pub purchaser: String,
    pub supplier: String,
    /// Principal not yet paid, over all instalments.
    pub outstanding: Money,
    /// The earliest due date of an unpaid instalment.
    pub next_due: Option<NaiveDate>,
    pub order: Option<OrderView>,
}

impl ContractRow {
    pub fn new(c: ContractView) -> Self {
        let outstanding = sum(c.instalments.iter().map(|i| i.outstanding));
        let next_due = c
            .instalments
            .iter()
            .filter(|i| i.outstanding.is_positive())
            .filter_map(|i| i.due_on)
            .min();
        ContractRow {
            purchaser: c.purchaser_name.clone(),
            supplier: c.supplier_name.clone(),
            c,
            outstanding,
            next_due,
            order: None,
        }
    }

    /// With the order the contract was made from, for the contract's own page.
    pub async fn with_order(ctx: &Ctx, user: &Identity, c: ContractView) -> Result<Self, ApiError> {
        let order = match c.order_id {
            Some(order_id) => match orders::get(ctx, user, order_id).await {
                Ok(order) => Some(order),
                Err(error) if error.code == "NOT_FOUND" || error.code == "FORBIDDEN" => None,
                Err(error) => return Err(error),
            },
            None => None,
        };
        Ok(ContractRow {
            order,
            ..Self::new(c)
        })
    }

    /// Unpublished, past its deadline, and not terminated.
    pub fn publication_late(&self) -> bool {
        self.c.published_on.is_none()
            && self.c.status != ContractStatus::Terminated
            && self.c.publish_by < self.c.as_of
    }

    pub fn next_due_text(&self) -> String {
        day(self.next_due)
    }
}

/// A page number from the query string; `None` unless a positive integer.
pub fn page_number(raw: &str) -> Option<u64> {
    raw.trim().parse::<u64>().ok().filter(|p| *p > 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::i18n::Lang;

    #[test]
    fn placeholders_are_filled_by_name() {
        let tr = Tr::new(Lang::En);
        let text = fill(
            tr,
            "contract.term.instalment",
            &[
                ("share", &"100"),
                ("days", &30),
                ("trigger", &tr.t("contract.trigger.acceptance")),
            ],
        );
        assert_eq!(text, "100% within 30 days after acceptance.");
        let zh = Tr::new(Lang::ZhCn);
        let text = fill(
            zh,
            "contract.term.instalment",
            &[
                ("share", &"100"),
                ("days", &30),
                ("trigger", &zh.t("contract.trigger.acceptance")),
            ],
        );
        assert!(!text.contains('{'), "{text}");
        assert_eq!(day(None), "—");
        assert!(parse_day(tr, "field.paid_on", "2026-13-01").is_err());
        assert_eq!(
            parse_day(tr, "field.paid_on", " 2026-03-02 ").unwrap(),
            NaiveDate::from_ymd_opt(2026, 3, 2).unwrap()
        );
    }

    /// Labels looked up from stored values (`tr.of`) exist in both languages.
    #[test]
    fn every_settlement_value_has_a_label() {
        use gpmall_settlement::domain::deposits::{
            DepositForm, DepositKind, DepositStatus, RefundTrigger,
        };
        use gpmall_settlement::domain::guarantee::{LetterKind, LetterStatus};
        for lang in [Lang::ZhCn, Lang::En] {
            let tr = Tr::new(lang);
            let mut keys: Vec<String> = Vec::new();
            for status in ContractStatus::ALL {
                keys.push(format!("contract.status.{}", status.as_str()));
            }
            for trigger in contracts::TRIGGERS {
                keys.push(format!(
                    "contract.trigger.{}",
                    contracts::trigger_name(trigger)
                ));
            }
            for method in contracts::METHODS {
                keys.push(format!(
                    "contract.method.{}",
                    contracts::method_name(method)
                ));
            }
            for rule in overview::RULES {
                keys.push(format!("warnings.rule.{rule}"));
            }
            for state in ["open", "resolved"] {
                keys.push(format!("warnings.state.{state}"));
            }
            for kind in operator::RATE_KINDS {
                keys.push(format!("rates.kind.{kind}"));
            }
            for origin in ["built_in", "directory", "uploaded"] {
                keys.push(format!("calendar.origin.{origin}"));
            }
            for status in deposits::DEPOSIT_STATUSES {
                keys.push(format!("deposits.status.{}", status.as_str()));
            }
            for kind in [DepositKind::Bid, DepositKind::Performance] {
                keys.push(format!("deposits.kind.{}", kind.as_str()));
            }
            for form in DepositForm::ALL {
                keys.push(format!("deposits.form.{}", form.as_str()));
            }
            for trigger in [
                RefundTrigger::Withdrawal,
                RefundTrigger::AwardNotice,
                RefundTrigger::ContractSigned,
                RefundTrigger::Terminated,
                RefundTrigger::ContractAccepted,
            ] {
                keys.push(format!("deposits.trigger.{}", trigger.as_str()));
            }
            for status in deposits::LETTER_STATUSES {
                keys.push(format!("guarantees.status.{}", status.as_str()));
            }
            for kind in [
                LetterKind::Bid,
                LetterKind::Performance,
                LetterKind::Prepayment,
            ] {
                keys.push(format!("guarantees.kind.{}", kind.as_str()));
            }
            let _: [DepositStatus; 5] = deposits::DEPOSIT_STATUSES;
            for status in ["open", "withdrawn", "accepted", "decided"] {
                keys.push(format!("dispute.status.{status}"));
            }
            let _: [LetterStatus; 6] = deposits::LETTER_STATUSES;
            for key in keys {
                assert!(tr.find(&key).is_some(), "{}: {key} missing", lang.code());
            }
        }
    }
}
