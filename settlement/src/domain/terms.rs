//! Payment terms and the rules they must meet (Regulations on Ensuring Payment to SMEs, art 9
//! and 17; see RULES.md): an SME is paid within 30 days of delivery or acceptance, at most 60
//! when agreed; an agreed late-payment rate may not be below the 1-year LPR at signing; without
//! one the rate is 0.05% per day.

use chrono::{Days, NaiveDate};
use gpmall_platform::Money;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::deposits::{DepositForm, DepositRules};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    /// One payment of the whole amount.
    OnePayment,
    /// A prepayment, then the balance.
    PrepaymentAndBalance,
    /// Instalments on named milestones.
    Milestones,
    /// Progress payments.
    Progress,
}

/// What starts an instalment's payment clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    Signing,
    Delivery,
    Acceptance,
    Milestone,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InstalmentTerm {
    /// Share of the contract amount in percent, e.g. "30" (the shares add up to 100; at most
    /// four decimals).
    #[serde(deserialize_with = "gpmall_platform::percent::deserialize")]
    #[schema(value_type = String, pattern = r"^(100(\.0{1,4})?|[1-9]?[0-9](\.[0-9]{1,4})?)$")]
    pub share_percent: Decimal,
    pub trigger: Trigger,
    /// Calendar days after the trigger.
    pub days_after: u32,
    /// The milestone's name, for `milestone` triggers.
    #[serde(default)]
    pub milestone: Option<String>,
}

/// Late-payment interest as agreed in the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum LateInterest {
    /// An agreed annual rate in percent (e.g. "3.5", at most four decimals), day count 365.
    AgreedAnnual {
        #[serde(deserialize_with = "gpmall_platform::percent::deserialize")]
        #[schema(value_type = String, pattern = r"^(100(\.0{1,4})?|[1-9]?[0-9](\.[0-9]{1,4})?)$")]
        annual_percent: Decimal,
    },
    /// No rate agreed: 0.05% per day by law.
    Statutory,
}

impl LateInterest {
    /// The statutory daily rate where none is agreed: 0.05%.
    pub const STATUTORY_DAILY: Decimal = Decimal::from_parts(5, 0, 0, false, 4);

    /// The daily rate as an exact fraction `(numerator, denominator)`, for set-based accrual in
    /// SQL with integer arithmetic: 0.05% is 5/10000; an annual p% is p/(100 × 365).
    pub fn daily_rate_fraction(self) -> (i64, i64) {
        match self {
            LateInterest::Statutory => (5, 10_000),
            LateInterest::AgreedAnnual { annual_percent } => {
                let normalized = annual_percent.normalize();
                let numerator = i64::try_from(normalized.mantissa()).unwrap_or(0);
                let denominator = 10i64.pow(normalized.scale().min(10)) * 100 * 365;
                (numerator, denominator)
            }
        }
    }

    /// Interest per day as a fraction of the overdue principal.
    pub fn daily_rate(self) -> Decimal {
        match self {
            LateInterest::Statutory => Self::STATUTORY_DAILY,
            LateInterest::AgreedAnnual { annual_percent } => {
                annual_percent / Decimal::ONE_HUNDRED / Decimal::from(365)
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentTerms {
    pub method: PaymentMethod,
    pub instalments: Vec<InstalmentTerm>,
    pub late_interest: LateInterest,
    /// Days the purchaser has to accept after delivery; the payment clock of an
    /// acceptance-triggered instalment starts at the end of this period if acceptance is late.
    pub acceptance_period_days: u32,
    /// Whether the parties agreed a term longer than 30 days (at most 60) for an SME.
    #[serde(default)]
    pub extended_term_agreed: bool,
    /// The performance deposit the supplier lodges, if the contract requires one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub performance_deposit: Option<PerformanceDepositTerms>,
}

/// Performance deposit clause (履约保证金条款): how much, in which forms, when it comes back, when
/// it does not, and what a late refund costs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PerformanceDepositTerms {
    /// Share of the contract amount in percent, above 0 and at most 10 (at most four decimals).
    #[serde(deserialize_with = "gpmall_platform::percent::deserialize")]
    #[schema(value_type = String, pattern = r"^(100(\.0{1,4})?|[1-9]?[0-9](\.[0-9]{1,4})?)$")]
    pub share_percent: Decimal,
    /// Forms the purchaser accepts (non-cash only; at least one).
    pub forms: Vec<DepositForm>,
    /// Calendar days after the contract's acceptance by which the deposit is refunded.
    pub refund_days_after_acceptance: u32,
    /// The agreed cases in which the deposit is not refunded (at least one, each named).
    pub forfeiture_cases: Vec<String>,
    /// Liability for a late refund, accrued from the day after the refund deadline.
    pub late_refund_interest: LateInterest,
}

impl PerformanceDepositTerms {
    /// The deposit for a contract of `amount`: the share, rounded half-up to the fen.
    pub fn amount_for(&self, amount: Money) -> Money {
        let exact = amount.as_decimal() * self.share_percent / Decimal::ONE_HUNDRED;
        Money::from_decimal(
            exact.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero),
        )
        .unwrap_or(Money::ZERO)
    }
}

impl PaymentTerms {
    /// The mall's default: one payment 30 days after acceptance, statutory late interest,
    /// 7 days to accept.
    pub fn mall_default() -> Self {
        PaymentTerms {
            method: PaymentMethod::OnePayment,
            instalments: vec![InstalmentTerm {
                share_percent: Decimal::ONE_HUNDRED,
                trigger: Trigger::Acceptance,
                days_after: 30,
                milestone: None,
            }],
            late_interest: LateInterest::Statutory,
            acceptance_period_days: 7,
            extended_term_agreed: false,
            performance_deposit: None,
        }
    }
}

/// A clause the terms break, named so the user can fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{clause}: {message}")]
pub struct TermsError {
    pub clause: &'static str,
    pub message: String,
}

fn refuse(clause: &'static str, message: impl Into<String>) -> TermsError {
    TermsError {
        clause,
        message: message.into(),
    }
}

/// Checks terms for a contract with a supplier that is (or is not) an SME, given the 1-year LPR
/// in force at signing (percent).
pub fn validate(
    terms: &PaymentTerms,
    supplier_is_sme: bool,
    lpr_percent: Decimal,
) -> Result<(), TermsError> {
    if terms.instalments.is_empty() {
        return Err(refuse(
            "instalments",
            "payment terms need at least one instalment",
        ));
    }
    let expected_count = match terms.method {
        PaymentMethod::OnePayment => Some(1),
        PaymentMethod::PrepaymentAndBalance => Some(2),
        PaymentMethod::Milestones | PaymentMethod::Progress => None,
    };
    if let Some(count) = expected_count
        && terms.instalments.len() != count
    {
        return Err(refuse(
            "method",
            format!(
                "{:?} takes exactly {count} instalment(s), not {}",
                terms.method,
                terms.instalments.len()
            ),
        ));
    }
    let mut total = Decimal::ZERO;
    for (i, instalment) in terms.instalments.iter().enumerate() {
        if instalment.share_percent <= Decimal::ZERO
            || instalment.share_percent > Decimal::ONE_HUNDRED
        {
            return Err(refuse(
                "instalments.share_percent",
                format!(
                    "instalment {} has share {}%; each share is above 0 and at most 100",
                    i + 1,
                    instalment.share_percent
                ),
            ));
        }
        total += instalment.share_percent;
        if instalment.trigger == Trigger::Milestone
            && instalment
                .milestone
                .as_deref()
                .unwrap_or("")
                .trim()
                .is_empty()
        {
            return Err(refuse(
                "instalments.milestone",
                format!("instalment {} is triggered by a milestone; name it", i + 1),
            ));
        }
        if supplier_is_sme && matches!(instalment.trigger, Trigger::Delivery | Trigger::Acceptance)
        {
            let limit = if terms.extended_term_agreed { 60 } else { 30 };
            if instalment.days_after > limit {
                return Err(refuse(
                    "instalments.days_after",
                    format!(
                        "instalment {} is due {} days after {}; a small or medium enterprise must be paid within {limit} days{}",
                        i + 1,
                        instalment.days_after,
                        if instalment.trigger == Trigger::Delivery {
                            "delivery"
                        } else {
                            "acceptance"
                        },
                        if terms.extended_term_agreed {
                            " even when a longer term is agreed"
                        } else {
                            " unless a longer term (at most 60) is agreed"
                        }
                    ),
                ));
            }
        }
        if instalment.days_after > 365 {
            return Err(refuse(
                "instalments.days_after",
                format!(
                    "instalment {} is due more than a year after its trigger",
                    i + 1
                ),
            ));
        }
    }
    if total != Decimal::ONE_HUNDRED {
        return Err(refuse(
            "instalments.share_percent",
            format!("the shares add up to {total}%, not 100%"),
        ));
    }
    if terms.acceptance_period_days > 90 {
        return Err(refuse(
            "acceptance_period_days",
            "the acceptance period is at most 90 days",
        ));
    }
    if let LateInterest::AgreedAnnual { annual_percent } = terms.late_interest
        && annual_percent < lpr_percent
    {
        return Err(refuse(
            "late_interest.annual_percent",
            format!(
                "the agreed late-payment rate {annual_percent}% a year is below the 1-year LPR of {lpr_percent}% at signing"
            ),
        ));
    }
    if let Some(deposit) = &terms.performance_deposit {
        validate_performance_deposit(deposit)?;
    }
    Ok(())
}

fn validate_performance_deposit(deposit: &PerformanceDepositTerms) -> Result<(), TermsError> {
    let cap = Decimal::from(DepositRules::STATUTORY.performance_cap_percent);
    if deposit.share_percent <= Decimal::ZERO || deposit.share_percent > cap {
        return Err(refuse(
            "performance_deposit.share_percent",
            format!(
                "the performance deposit is {}% of the contract; it is above 0 and at most {cap}% (Implementing Regulations art 48)",
                deposit.share_percent
            ),
        ));
    }
    if deposit.forms.is_empty() {
        return Err(refuse(
            "performance_deposit.forms",
            "name at least one accepted form of the performance deposit",
        ));
    }
    if deposit.refund_days_after_acceptance > 365 {
        return Err(refuse(
            "performance_deposit.refund_days_after_acceptance",
            "the performance deposit is refunded at most 365 days after acceptance",
        ));
    }
    if deposit.forfeiture_cases.is_empty()
        || deposit.forfeiture_cases.len() > 10
        || deposit
            .forfeiture_cases
            .iter()
            .any(|c| c.trim().is_empty() || c.chars().count() > 200)
    {
        return Err(refuse(
            "performance_deposit.forfeiture_cases",
            "name the cases in which the deposit is not refunded: 1 to 10 cases of at most 200 characters each",
        ));
    }
    if let LateInterest::AgreedAnnual { annual_percent } = deposit.late_refund_interest
        && (annual_percent <= Decimal::ZERO || annual_percent >= Decimal::ONE_HUNDRED)
    {
        return Err(refuse(
            "performance_deposit.late_refund_interest.annual_percent",
            "the agreed late-refund rate is above 0 and below 100% a year",
        ));
    }
    Ok(())
}

/// Splits the contract amount into instalment principals by share; the last instalment takes
/// the rounding remainder so the parts add up to the fen.
pub fn split_amount(amount: Money, terms: &PaymentTerms) -> Vec<Money> {
    let mut parts = Vec::with_capacity(terms.instalments.len());
    let mut allocated = 0i64;
    let count = terms.instalments.len();
    for (i, instalment) in terms.instalments.iter().enumerate() {
        let fen = if i + 1 == count {
            amount.fen() - allocated
        } else {
            let exact =
                Decimal::from(amount.fen()) * instalment.share_percent / Decimal::ONE_HUNDRED;
            exact.round().try_into().unwrap_or(0i64)
        };
        allocated += fen;
        parts.push(Money::from_fen(fen));
    }
    parts
}

/// When an instalment's payment clock starts (or will start). An acceptance-triggered clock
/// starts on the acceptance date, or at the end of the agreed acceptance period after delivery
/// if the purchaser has not accepted by then; it depends only on recorded events, so due dates
/// can be stored when an event is recorded.
pub fn clock_start(
    trigger: Trigger,
    signed_on: NaiveDate,
    delivered_on: Option<NaiveDate>,
    accepted_on: Option<NaiveDate>,
    acceptance_period_days: u32,
) -> Option<NaiveDate> {
    match trigger {
        Trigger::Signing => Some(signed_on),
        Trigger::Delivery => delivered_on,
        Trigger::Milestone => None,
        Trigger::Acceptance => {
            let deadline = delivered_on
                .and_then(|d| d.checked_add_days(Days::new(u64::from(acceptance_period_days))));
            match (accepted_on, deadline) {
                (Some(accepted), Some(deadline)) => Some(accepted.min(deadline)),
                (Some(accepted), None) => Some(accepted),
                (None, Some(deadline)) => Some(deadline),
                (None, None) => None,
            }
        }
    }
}

/// The due date: `days_after` calendar days after the clock starts.
pub fn due_date(start: NaiveDate, days_after: u32) -> Option<NaiveDate> {
    start.checked_add_days(Days::new(u64::from(days_after)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn one_payment(days: u32) -> PaymentTerms {
        PaymentTerms {
            instalments: vec![InstalmentTerm {
                share_percent: dec!(100),
                trigger: Trigger::Acceptance,
                days_after: days,
                milestone: None,
            }],
            ..PaymentTerms::mall_default()
        }
    }

    #[test]
    fn sme_no_term_agreed_is_due_thirty_days_after_acceptance() {
        // RULES.md: acceptance 2025-07-01, no term agreed: due 2025-07-31.
        let terms = PaymentTerms::mall_default();
        assert!(validate(&terms, true, dec!(3.0)).is_ok());
        let start = clock_start(
            Trigger::Acceptance,
            date("2025-06-20"),
            Some(date("2025-06-28")),
            Some(date("2025-07-01")),
            7,
        );
        assert_eq!(start, Some(date("2025-07-01")));
        assert_eq!(due_date(start.unwrap(), 30), Some(date("2025-07-31")));
    }

    #[test]
    fn sme_45_days_needs_agreement_and_90_is_refused() {
        // RULES.md: a 45-day term is accepted (when agreed), a 90-day term rejected.
        let mut terms = one_payment(45);
        let err = validate(&terms, true, dec!(3.0)).unwrap_err();
        assert_eq!(err.clause, "instalments.days_after");
        terms.extended_term_agreed = true;
        assert!(validate(&terms, true, dec!(3.0)).is_ok());
        let terms = PaymentTerms {
            extended_term_agreed: true,
            ..one_payment(90)
        };
        let err = validate(&terms, true, dec!(3.0)).unwrap_err();
        assert!(err.message.contains("60"), "{err}");
        // A large enterprise may agree 90 days.
        assert!(validate(&one_payment(90), false, dec!(3.0)).is_ok());
    }

    #[test]
    fn agreed_rate_below_lpr_is_refused() {
        // RULES.md: agreed 2.5%/yr when the 1-year LPR at signing is 3.0%: rejected.
        let mut terms = PaymentTerms::mall_default();
        terms.late_interest = LateInterest::AgreedAnnual {
            annual_percent: dec!(2.5),
        };
        let err = validate(&terms, true, dec!(3.0)).unwrap_err();
        assert_eq!(err.clause, "late_interest.annual_percent");
        assert!(err.message.contains("3.0%"));
        terms.late_interest = LateInterest::AgreedAnnual {
            annual_percent: dec!(3.0),
        };
        assert!(validate(&terms, true, dec!(3.0)).is_ok());
    }

    #[test]
    fn daily_rate_fractions_are_exact() {
        assert_eq!(LateInterest::Statutory.daily_rate_fraction(), (5, 10_000));
        let agreed = LateInterest::AgreedAnnual {
            annual_percent: dec!(3.50),
        };
        assert_eq!(agreed.daily_rate_fraction(), (35, 365_000));
        let (n, d) = agreed.daily_rate_fraction();
        assert_eq!(Decimal::from(n) / Decimal::from(d), agreed.daily_rate());
    }

    #[test]
    fn shares_and_method_must_fit() {
        let mut terms = PaymentTerms::mall_default();
        terms.method = PaymentMethod::PrepaymentAndBalance;
        assert_eq!(
            validate(&terms, true, dec!(3)).unwrap_err().clause,
            "method"
        );
        terms.instalments = vec![
            InstalmentTerm {
                share_percent: dec!(30),
                trigger: Trigger::Signing,
                days_after: 5,
                milestone: None,
            },
            InstalmentTerm {
                share_percent: dec!(60),
                trigger: Trigger::Acceptance,
                days_after: 30,
                milestone: None,
            },
        ];
        assert!(
            validate(&terms, true, dec!(3))
                .unwrap_err()
                .message
                .contains("90%")
        );
        terms.instalments[1].share_percent = dec!(70);
        assert!(validate(&terms, true, dec!(3)).is_ok());
        terms.instalments.clear();
        assert_eq!(
            validate(&terms, true, dec!(3)).unwrap_err().clause,
            "instalments"
        );
    }

    #[test]
    fn split_adds_up_to_the_fen() {
        let mut terms = PaymentTerms::mall_default();
        terms.method = PaymentMethod::Milestones;
        terms.instalments = (0..3)
            .map(|_| InstalmentTerm {
                share_percent: dec!(33.3333333333333333333333333),
                trigger: Trigger::Acceptance,
                days_after: 10,
                milestone: None,
            })
            .collect();
        let parts = split_amount(Money::from_fen(100_000), &terms);
        assert_eq!(parts.iter().map(|m| m.fen()).sum::<i64>(), 100_000);
        assert_eq!(parts[0].fen(), 33_333);
    }

    #[test]
    fn late_acceptance_starts_the_clock_at_the_end_of_the_acceptance_period() {
        let delivered = date("2025-07-01");
        // Not accepted: the clock starts when the 7-day period ends, on 07-08.
        assert_eq!(
            clock_start(Trigger::Acceptance, delivered, Some(delivered), None, 7),
            Some(date("2025-07-08"))
        );
        // Accepted early (07-03): the clock starts then.
        assert_eq!(
            clock_start(
                Trigger::Acceptance,
                delivered,
                Some(delivered),
                Some(date("2025-07-03")),
                7
            ),
            Some(date("2025-07-03"))
        );
        // Not delivered: no clock.
        assert_eq!(
            clock_start(Trigger::Acceptance, delivered, None, None, 7),
            None
        );
        // Accepted late (07-15): the clock still started on 07-08.
        assert_eq!(
            clock_start(
                Trigger::Acceptance,
                delivered,
                Some(delivered),
                Some(date("2025-07-15")),
                7,
            ),
            Some(date("2025-07-08"))
        );
    }

    fn deposit_clause(share: Decimal) -> PerformanceDepositTerms {
        PerformanceDepositTerms {
            share_percent: share,
            forms: vec![DepositForm::BankTransfer, DepositForm::GuaranteeLetter],
            refund_days_after_acceptance: 10,
            forfeiture_cases: vec!["供应商未按合同约定履行交货义务".into()],
            late_refund_interest: LateInterest::Statutory,
        }
    }

    #[test]
    fn performance_deposit_clause_is_checked_clause_by_clause() {
        let mut terms = PaymentTerms::mall_default();
        let cases: [(PerformanceDepositTerms, Option<&str>); 8] = [
            (deposit_clause(dec!(10)), None),
            (deposit_clause(dec!(2.5)), None),
            (
                deposit_clause(dec!(10.01)),
                Some("performance_deposit.share_percent"),
            ),
            (
                deposit_clause(dec!(0)),
                Some("performance_deposit.share_percent"),
            ),
            (
                PerformanceDepositTerms {
                    forms: vec![],
                    ..deposit_clause(dec!(5))
                },
                Some("performance_deposit.forms"),
            ),
            (
                PerformanceDepositTerms {
                    forfeiture_cases: vec![],
                    ..deposit_clause(dec!(5))
                },
                Some("performance_deposit.forfeiture_cases"),
            ),
            (
                PerformanceDepositTerms {
                    forfeiture_cases: vec!["  ".into()],
                    ..deposit_clause(dec!(5))
                },
                Some("performance_deposit.forfeiture_cases"),
            ),
            (
                PerformanceDepositTerms {
                    refund_days_after_acceptance: 366,
                    ..deposit_clause(dec!(5))
                },
                Some("performance_deposit.refund_days_after_acceptance"),
            ),
        ];
        for (clause, expected) in cases {
            terms.performance_deposit = Some(clause.clone());
            let got = validate(&terms, true, dec!(3.0)).err().map(|e| e.clause);
            assert_eq!(got, expected, "{clause:?}");
        }
    }

    #[test]
    fn performance_deposit_amount_rounds_half_up_to_the_fen() {
        let clause = deposit_clause(dec!(5));
        assert_eq!(
            clause.amount_for(Money::from_fen(12_345)).to_string(),
            "6.17"
        );
        assert_eq!(
            clause.amount_for(Money::from_yuan(3999)).to_string(),
            "199.95"
        );
    }

    #[test]
    fn terms_without_a_deposit_clause_still_parse() {
        let json = r#"{"method":"one_payment","instalments":[{"share_percent":"100","trigger":"acceptance","days_after":30}],"late_interest":{"kind":"statutory"},"acceptance_period_days":7}"#;
        let terms: PaymentTerms = serde_json::from_str(json).unwrap();
        assert_eq!(terms.performance_deposit, None);
    }
}
