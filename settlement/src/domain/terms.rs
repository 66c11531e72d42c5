//! Payment terms and the rules they must meet (Regulations on Ensuring Payment to SMEs, art 9
//! and 17; see RULES.md): an SME is paid within 30 days of delivery or acceptance, at most 60
//! when agreed; an agreed late-payment rate may not be below the 1-year LPR at signing; without
//! one the rate is 0.05% per day.

use chrono::{Days, NaiveDate};
use gpmall_platform::Money;
use gpmall_platform::i18n::{Lang, Text, Tr};
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

/// What starts an instalment's payment clock; stored as its name in
/// `contract_instalments.trigger_event`.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
    sea_orm::EnumIter,
    sea_orm::DeriveActiveEnum,
)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "Text")]
pub enum Trigger {
    #[sea_orm(string_value = "signing")]
    Signing,
    #[sea_orm(string_value = "delivery")]
    Delivery,
    #[sea_orm(string_value = "acceptance")]
    Acceptance,
    #[sea_orm(string_value = "milestone")]
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

/// A clause the terms break: `clause` is its machine path (`instalments[1].days_after`), kept in
/// the error's details; `text` says in the reader's language which clause it is, in words
/// ("第2期款（验收后90日）"), and what to change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TermsError {
    pub clause: String,
    pub text: Text,
}

impl std::fmt::Display for TermsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&Tr::new(Lang::En).render(&self.text))
    }
}

impl std::error::Error for TermsError {}

fn refuse(clause: impl Into<String>, text: Text) -> TermsError {
    TermsError {
        clause: clause.into(),
        text,
    }
}

/// The locale key naming a trigger in words (a milestone with its name, given as `name`).
fn trigger_key(trigger: Trigger) -> &'static str {
    match trigger {
        Trigger::Signing => "contract.trigger.signing",
        Trigger::Delivery => "contract.trigger.delivery",
        Trigger::Acceptance => "contract.trigger.acceptance",
        Trigger::Milestone => "contract.trigger.milestone_named",
    }
}

/// A message about instalment `index` (0-based) that names it in words: its number, days and
/// trigger fill `{n}`, `{days}` and `{trigger}`. The milestone's name goes last, because the
/// trigger's own text carries the `{name}` placeholder it fills.
fn about_instalment(key: &'static str, index: usize, term: &InstalmentTerm) -> Text {
    Text::new(key)
        .arg("n", index + 1)
        .arg("days", term.days_after)
        .key_arg("trigger", trigger_key(term.trigger))
}

fn with_milestone_name(text: Text, term: &InstalmentTerm) -> Text {
    text.arg("name", term.milestone.as_deref().unwrap_or("").trim())
}

impl PaymentTerms {
    /// The SME payment limit in days (Regulations on Ensuring Payment to SMEs art 9): 30, or 60
    /// where the parties agreed a longer term.
    pub fn sme_limit_days(&self) -> u32 {
        if self.extended_term_agreed { 60 } else { 30 }
    }

    /// Acceptance is a payment condition when an instalment waits for it; the SME limit then
    /// counts from acceptance (or from the end of the acceptance period if the purchaser delays
    /// it), otherwise from delivery.
    pub fn acceptance_is_payment_condition(&self) -> bool {
        self.instalments
            .iter()
            .any(|i| i.trigger == Trigger::Acceptance)
    }
}

/// Checks terms for a contract with a supplier that is (or is not) an SME, given the 1-year LPR
/// in force at signing (percent).
///
/// For an SME every instalment, whatever starts its clock, is due within the limit (30 days, 60
/// when agreed) counted from delivery, or from acceptance where acceptance is the payment
/// condition. Signing comes before delivery, and a milestone may come on the day of delivery or
/// acceptance (or never be recorded), so the only terms that can never break the limit are those
/// whose every instalment is due at most `limit` days after its trigger; the due-date
/// computation caps each instalment at the limit as well ([`instalment_due`]).
pub fn validate(
    terms: &PaymentTerms,
    supplier_is_sme: bool,
    lpr_percent: Decimal,
) -> Result<(), TermsError> {
    if terms.instalments.is_empty() {
        return Err(refuse("instalments", Text::new("msg.terms.no_instalments")));
    }
    let expected_count = match terms.method {
        PaymentMethod::OnePayment => Some(1),
        PaymentMethod::PrepaymentAndBalance => Some(2),
        PaymentMethod::Milestones | PaymentMethod::Progress => None,
    };
    if let Some(count) = expected_count
        && terms.instalments.len() != count
    {
        let method = match terms.method {
            PaymentMethod::OnePayment => "contract.method.one_payment",
            _ => "contract.method.prepayment_and_balance",
        };
        return Err(refuse(
            "method",
            Text::new("msg.terms.method_count")
                .key_arg("method", method)
                .arg("count", count)
                .arg("given", terms.instalments.len()),
        ));
    }
    if terms.instalments.len() > MAX_INSTALMENTS {
        return Err(refuse(
            "instalments",
            Text::new("msg.terms.too_many_instalments").arg("max", MAX_INSTALMENTS),
        ));
    }
    let mut total = Decimal::ZERO;
    for (i, instalment) in terms.instalments.iter().enumerate() {
        if instalment.trigger == Trigger::Milestone {
            let name = instalment.milestone.as_deref().unwrap_or("").trim();
            if name.is_empty() || name.chars().count() > 100 {
                return Err(refuse(
                    format!("instalments[{i}].milestone"),
                    Text::new("msg.terms.milestone_unnamed")
                        .arg("n", i + 1)
                        .arg("days", instalment.days_after),
                ));
            }
        }
        let named = |key| with_milestone_name(about_instalment(key, i, instalment), instalment);
        if instalment.share_percent <= Decimal::ZERO
            || instalment.share_percent > Decimal::ONE_HUNDRED
        {
            return Err(refuse(
                format!("instalments[{i}].share_percent"),
                named("msg.terms.share_out_of_range").arg("share", instalment.share_percent),
            ));
        }
        total += instalment.share_percent;
        if supplier_is_sme && instalment.days_after > terms.sme_limit_days() {
            let (base, hint) = (
                if terms.acceptance_is_payment_condition() {
                    "msg.terms.base.acceptance"
                } else {
                    "msg.terms.base.delivery"
                },
                if terms.extended_term_agreed {
                    "msg.terms.hint.at_most_60"
                } else {
                    "msg.terms.hint.agree_or_shorten"
                },
            );
            return Err(refuse(
                format!("instalments[{i}].days_after"),
                with_milestone_name(
                    about_instalment("msg.terms.sme_limit", i, instalment)
                        .arg("limit", terms.sme_limit_days())
                        .key_arg("base", base)
                        .key_arg("hint", hint),
                    instalment,
                ),
            ));
        }
        if instalment.days_after > 365 {
            return Err(refuse(
                format!("instalments[{i}].days_after"),
                named("msg.terms.over_a_year"),
            ));
        }
    }
    if total != Decimal::ONE_HUNDRED {
        return Err(refuse(
            "instalments.share_percent",
            Text::new("msg.terms.shares_total").arg("total", total.normalize()),
        ));
    }
    if terms.acceptance_period_days > 90 {
        return Err(refuse(
            "acceptance_period_days",
            Text::new("msg.terms.acceptance_period").arg("days", terms.acceptance_period_days),
        ));
    }
    if let LateInterest::AgreedAnnual { annual_percent } = terms.late_interest
        && annual_percent < lpr_percent
    {
        return Err(refuse(
            "late_interest.annual_percent",
            Text::new("msg.terms.rate_below_lpr")
                .arg("rate", annual_percent)
                .arg("lpr", lpr_percent),
        ));
    }
    if let Some(deposit) = &terms.performance_deposit {
        validate_performance_deposit(deposit)?;
    }
    Ok(())
}

/// At most this many instalments in one set of terms.
pub const MAX_INSTALMENTS: usize = 24;

fn validate_performance_deposit(deposit: &PerformanceDepositTerms) -> Result<(), TermsError> {
    let cap = Decimal::from(DepositRules::STATUTORY.performance_cap_percent);
    if deposit.share_percent <= Decimal::ZERO || deposit.share_percent > cap {
        return Err(refuse(
            "performance_deposit.share_percent",
            Text::new("msg.terms.deposit_share")
                .arg("share", deposit.share_percent)
                .arg("cap", cap),
        ));
    }
    if deposit.forms.is_empty() {
        return Err(refuse(
            "performance_deposit.forms",
            Text::new("msg.terms.deposit_forms"),
        ));
    }
    if deposit.refund_days_after_acceptance > 365 {
        return Err(refuse(
            "performance_deposit.refund_days_after_acceptance",
            Text::new("msg.terms.deposit_refund_days"),
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
            Text::new("msg.terms.deposit_cases"),
        ));
    }
    if let LateInterest::AgreedAnnual { annual_percent } = deposit.late_refund_interest
        && (annual_percent <= Decimal::ZERO || annual_percent >= Decimal::ONE_HUNDRED)
    {
        return Err(refuse(
            "performance_deposit.late_refund_interest.annual_percent",
            Text::new("msg.terms.deposit_late_rate"),
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
/// if the purchaser has not accepted by then; a milestone's clock starts on the day the
/// purchaser recorded the milestone as reached. It depends only on recorded events, so due
/// dates can be stored when an event is recorded.
pub fn clock_start(
    trigger: Trigger,
    events: &Events,
    acceptance_period_days: u32,
) -> Option<NaiveDate> {
    match trigger {
        Trigger::Signing => Some(events.signed_on),
        Trigger::Delivery => events.delivered_on,
        Trigger::Milestone => events.milestone_on,
        Trigger::Acceptance => {
            let deadline = events
                .delivered_on
                .and_then(|d| d.checked_add_days(Days::new(u64::from(acceptance_period_days))));
            match (events.accepted_on, deadline) {
                (Some(accepted), Some(deadline)) => Some(accepted.min(deadline)),
                (Some(accepted), None) => Some(accepted),
                (None, Some(deadline)) => Some(deadline),
                (None, None) => None,
            }
        }
    }
}

/// The events of a contract an instalment's clock can start from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Events {
    pub signed_on: NaiveDate,
    pub delivered_on: Option<NaiveDate>,
    pub accepted_on: Option<NaiveDate>,
    /// The instalment's own milestone, when the purchaser recorded it as reached.
    pub milestone_on: Option<NaiveDate>,
}

/// When the SME payment limit starts to run: delivery, or, where acceptance is the payment
/// condition, acceptance (the end of the acceptance period if the purchaser accepts late).
pub fn limit_start(terms: &PaymentTerms, events: &Events) -> Option<NaiveDate> {
    if terms.acceptance_is_payment_condition() {
        clock_start(Trigger::Acceptance, events, terms.acceptance_period_days)
    } else {
        events.delivered_on
    }
}

/// An instalment's payment clock and due date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Due {
    pub clock_started_on: Option<NaiveDate>,
    pub due_on: Option<NaiveDate>,
    /// The SME limit set the due date: the terms would have made it later, or the milestone
    /// was not recorded in time.
    pub at_sme_limit: bool,
}

/// An instalment's due date: `days_after` calendar days after its clock starts, and for an SME
/// never later than the limit counted from delivery (or acceptance, see [`limit_start`]). A
/// milestone not recorded by then does not hold the payment back: the instalment falls due at
/// the limit.
pub fn instalment_due(
    terms: &PaymentTerms,
    trigger: Trigger,
    days_after: u32,
    supplier_is_sme: bool,
    events: &Events,
) -> Due {
    let clock_started_on = clock_start(trigger, events, terms.acceptance_period_days);
    let agreed = clock_started_on.and_then(|start| due_date(start, days_after));
    let limit = if supplier_is_sme {
        limit_start(terms, events).and_then(|start| due_date(start, terms.sme_limit_days()))
    } else {
        None
    };
    let due_on = match (agreed, limit) {
        (Some(agreed), Some(limit)) => Some(agreed.min(limit)),
        (None, Some(limit)) => Some(limit),
        (agreed, None) => agreed,
    };
    Due {
        clock_started_on,
        due_on,
        at_sme_limit: limit.is_some() && due_on == limit && agreed != limit,
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
            &events("2025-06-20", Some("2025-06-28"), Some("2025-07-01")),
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
        assert_eq!(err.clause, "instalments[0].days_after");
        assert_eq!(
            Tr::new(Lang::ZhCn).render(&err.text),
            "第1期款（验收后45日）可能晚于中小企业付款期限：自验收（或验收期届满）起30日内须付款，无论以合同签订、交付、验收还是里程碑起算。可约定更长期限（不超过60日），或缩短本期天数。"
        );
        terms.extended_term_agreed = true;
        assert!(validate(&terms, true, dec!(3.0)).is_ok());
        let terms = PaymentTerms {
            extended_term_agreed: true,
            ..one_payment(90)
        };
        let err = validate(&terms, true, dec!(3.0)).unwrap_err();
        assert!(err.to_string().contains("within 60 days"), "{err}");
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
        assert!(err.to_string().contains("3.0%"), "{err}");
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
                .to_string()
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
        let d = "2025-07-01";
        // Not accepted: the clock starts when the 7-day period ends, on 07-08.
        assert_eq!(
            clock_start(Trigger::Acceptance, &events(d, Some(d), None), 7),
            Some(date("2025-07-08"))
        );
        // Accepted early (07-03): the clock starts then.
        assert_eq!(
            clock_start(
                Trigger::Acceptance,
                &events(d, Some(d), Some("2025-07-03")),
                7
            ),
            Some(date("2025-07-03"))
        );
        // Not delivered: no clock.
        assert_eq!(
            clock_start(Trigger::Acceptance, &events(d, None, None), 7),
            None
        );
        // Accepted late (07-15): the clock still started on 07-08.
        assert_eq!(
            clock_start(
                Trigger::Acceptance,
                &events(d, Some(d), Some("2025-07-15")),
                7
            ),
            Some(date("2025-07-08"))
        );
    }

    fn events(signed: &str, delivered: Option<&str>, accepted: Option<&str>) -> Events {
        Events {
            signed_on: date(signed),
            delivered_on: delivered.map(date),
            accepted_on: accepted.map(date),
            milestone_on: None,
        }
    }

    fn instalments(list: &[(Trigger, u32)]) -> PaymentTerms {
        let share = Decimal::ONE_HUNDRED / Decimal::from(list.len());
        PaymentTerms {
            method: PaymentMethod::Milestones,
            instalments: list
                .iter()
                .map(|(trigger, days)| InstalmentTerm {
                    share_percent: share,
                    trigger: *trigger,
                    days_after: *days,
                    milestone: (*trigger == Trigger::Milestone).then(|| "安装调试完成".to_owned()),
                })
                .collect(),
            ..PaymentTerms::mall_default()
        }
    }

    #[test]
    fn the_sme_limit_binds_every_trigger() {
        // Issue 10: "90 days after signing" and "90 days after a milestone" were accepted.
        for trigger in [
            Trigger::Signing,
            Trigger::Delivery,
            Trigger::Acceptance,
            Trigger::Milestone,
        ] {
            let terms = instalments(&[(Trigger::Delivery, 10), (trigger, 90)]);
            let err = validate(&terms, true, dec!(3)).unwrap_err();
            assert_eq!(err.clause, "instalments[1].days_after", "{trigger:?}");
            // A large enterprise may agree 90 days.
            assert!(validate(&terms, false, dec!(3)).is_ok(), "{trigger:?}");
            let within = instalments(&[(Trigger::Delivery, 10), (trigger, 30)]);
            assert!(validate(&within, true, dec!(3)).is_ok(), "{trigger:?}");
        }
        // The clause is named in words, never by its field path.
        let terms = instalments(&[(Trigger::Signing, 90), (Trigger::Acceptance, 90)]);
        let err = validate(&terms, true, dec!(3)).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("Instalment 1 (90 days after signing)"),
            "{err}"
        );
        let terms = instalments(&[(Trigger::Acceptance, 10), (Trigger::Milestone, 90)]);
        let zh = Tr::new(Lang::ZhCn).render(&validate(&terms, true, dec!(3)).unwrap_err().text);
        assert!(
            zh.starts_with("第2期款（里程碑“安装调试完成”后90日）"),
            "{zh}"
        );
        assert!(!zh.contains("days_after") && !zh.contains('{'), "{zh}");
    }

    #[test]
    fn every_refusal_has_text_in_both_languages() {
        let mut cases = vec![
            PaymentTerms {
                instalments: vec![],
                ..PaymentTerms::mall_default()
            },
            PaymentTerms {
                method: PaymentMethod::PrepaymentAndBalance,
                ..PaymentTerms::mall_default()
            },
            instalments(&[(Trigger::Milestone, 10)]),
            one_payment(400),
            PaymentTerms {
                acceptance_period_days: 91,
                ..PaymentTerms::mall_default()
            },
        ];
        cases[2].instalments[0].milestone = None;
        let mut shares = instalments(&[(Trigger::Delivery, 10), (Trigger::Acceptance, 10)]);
        shares.instalments[0].share_percent = dec!(0);
        cases.push(shares);
        for terms in cases {
            let err = validate(&terms, false, dec!(3)).unwrap_err();
            for lang in [Lang::ZhCn, Lang::En] {
                let tr = Tr::new(lang);
                let text = tr.render(&err.text);
                assert!(tr.find(&err.text.key).is_some(), "{}", err.text.key);
                assert!(!text.contains('{') && !text.contains("_"), "{text}");
            }
        }
    }

    #[test]
    fn an_sme_instalment_never_falls_due_after_the_limit() {
        // The issue's case: accepted 2026-12-04, "180 days after signing" came out 2027-06-02.
        let terms = instalments(&[(Trigger::Signing, 180)]);
        let e = events("2026-12-01", Some("2026-12-02"), Some("2026-12-04"));
        let due = instalment_due(&terms, Trigger::Signing, 180, true, &e);
        // No instalment waits for acceptance: the limit counts from delivery.
        assert_eq!(due.due_on, Some(date("2027-01-01")));
        assert!(due.at_sme_limit);
        assert_eq!(
            instalment_due(&terms, Trigger::Signing, 180, false, &e).due_on,
            Some(date("2027-05-30"))
        );
        // Where acceptance is the payment condition the limit counts from acceptance.
        let terms = instalments(&[(Trigger::Acceptance, 20), (Trigger::Signing, 180)]);
        assert_eq!(
            instalment_due(&terms, Trigger::Signing, 180, true, &e).due_on,
            Some(date("2027-01-03"))
        );
        let due = instalment_due(&terms, Trigger::Acceptance, 20, true, &e);
        assert_eq!(due.due_on, Some(date("2026-12-24")));
        assert!(!due.at_sme_limit);
        // Before delivery there is no limit yet, only the agreed date.
        let early = events("2026-12-01", None, None);
        assert_eq!(
            instalment_due(&terms, Trigger::Signing, 10, true, &early).due_on,
            Some(date("2026-12-11"))
        );
    }

    #[test]
    fn a_milestone_not_recorded_falls_due_at_the_sme_limit() {
        let terms = instalments(&[(Trigger::Acceptance, 10), (Trigger::Milestone, 20)]);
        let mut e = events("2026-03-02", None, None);
        // Not delivered, no milestone: not due.
        let due = instalment_due(&terms, Trigger::Milestone, 20, true, &e);
        assert_eq!((due.clock_started_on, due.due_on), (None, None));
        // Delivered 03-05, not accepted: the acceptance period (7 days) ends 03-12; the limit
        // (30 days) runs from there to 04-11.
        e.delivered_on = Some(date("2026-03-05"));
        let due = instalment_due(&terms, Trigger::Milestone, 20, true, &e);
        assert_eq!(due.due_on, Some(date("2026-04-11")));
        assert!(due.at_sme_limit);
        // A large enterprise waits for the milestone.
        assert_eq!(
            instalment_due(&terms, Trigger::Milestone, 20, false, &e).due_on,
            None
        );
        // Recorded on 03-10: 20 days later, within the limit.
        e.milestone_on = Some(date("2026-03-10"));
        let due = instalment_due(&terms, Trigger::Milestone, 20, true, &e);
        assert_eq!(due.clock_started_on, Some(date("2026-03-10")));
        assert_eq!(due.due_on, Some(date("2026-03-30")));
        assert!(!due.at_sme_limit);
        // Recorded late (04-01): the limit still binds.
        e.milestone_on = Some(date("2026-04-01"));
        assert_eq!(
            instalment_due(&terms, Trigger::Milestone, 20, true, &e).due_on,
            Some(date("2026-04-11"))
        );
        assert_eq!(
            instalment_due(&terms, Trigger::Milestone, 20, false, &e).due_on,
            Some(date("2026-04-21"))
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
            assert_eq!(got.as_deref(), expected, "{clause:?}");
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
