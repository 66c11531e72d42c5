//! Bid/response deposits (投标/响应保证金) and performance deposits (履约保证金), as pure rules:
//! the non-cash forms, the caps (2% of the budget, 10% of the contract), the two state machines
//! (procedure and deposit, each one exhaustive function), the refund deadline in working days,
//! and the late-refund interest (MOF Order 87 art 38; see RULES.md).
//!
//! Late-refund interest uses the same exact accrual as late payments
//! ([`exact_interest`](super::interest::exact_interest)): from the day after the deadline through
//! the refund date, rounded half-up to the fen once in
//! [`round_to_fen`](super::interest::round_to_fen). For bid deposits the annual rate is the PBoC
//! benchmark lending rate × 1.2 on a 365-day year; none is owed when the supplier caused the
//! delay.

use chrono::{Days, NaiveDate};
use gpmall_platform::Money;
use gpmall_platform::calendar::{CalendarError, Deadline, WorkingCalendar};
use gpmall_platform::i18n::Text;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::interest::{AppliedPayment, exact_interest, round_to_fen};

/// The statutory numbers, in one place. They are law today (Implementing Regulations arts 33
/// and 48, MOF Order 87 art 38) and change only with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DepositRules {
    /// A bid/response deposit is at most this percent of the procurement budget.
    pub bid_cap_percent: i64,
    /// A performance deposit is at most this percent of the contract amount.
    pub performance_cap_percent: i64,
    /// Bid deposits are refunded within this many working days of the trigger.
    pub refund_working_days: u32,
    /// Late bid-deposit refunds bear the benchmark lending rate times this.
    pub late_refund_multiplier: Decimal,
    /// Day-count basis of annual rates.
    pub day_count: i64,
}

impl DepositRules {
    pub const STATUTORY: DepositRules = DepositRules {
        bid_cap_percent: 2,
        performance_cap_percent: 10,
        refund_working_days: 5,
        late_refund_multiplier: Decimal::from_parts(12, 0, 0, false, 1),
        day_count: 365,
    };
}

impl Default for DepositRules {
    fn default() -> Self {
        DepositRules::STATUTORY
    }
}

// ---------------------------------------------------------------------------------------------
// Forms

/// How a deposit was paid. Cash is not among them: deposits are paid in non-cash forms only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DepositForm {
    /// Bank transfer from the supplier's own basic account.
    BankTransfer,
    /// Cheque (支票).
    Cheque,
    /// Bank draft (汇票).
    Draft,
    /// Promissory note (本票).
    PromissoryNote,
    /// Guarantee letter (保函) from a bank, insurer or guarantee company.
    GuaranteeLetter,
}

impl DepositForm {
    pub const ALL: [DepositForm; 5] = [
        DepositForm::BankTransfer,
        DepositForm::Cheque,
        DepositForm::Draft,
        DepositForm::PromissoryNote,
        DepositForm::GuaranteeLetter,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DepositForm::BankTransfer => "bank_transfer",
            DepositForm::Cheque => "cheque",
            DepositForm::Draft => "draft",
            DepositForm::PromissoryNote => "promissory_note",
            DepositForm::GuaranteeLetter => "guarantee_letter",
        }
    }

    /// Parses a form name; cash and anything else are refused with a message naming the forms
    /// allowed.
    pub fn parse(name: &str) -> Result<DepositForm, FormRefused> {
        let name = name.trim();
        DepositForm::ALL
            .into_iter()
            .find(|f| f.as_str() == name)
            .ok_or_else(|| FormRefused {
                given: name.to_owned(),
            })
    }

    fn allowed_list() -> String {
        DepositForm::ALL.map(DepositForm::as_str).join(", ")
    }
}

/// A deposit form that is not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct FormRefused {
    pub given: String,
}

impl std::fmt::Display for FormRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.given.eq_ignore_ascii_case("cash") {
            write!(
                f,
                "cash is not accepted: deposits are paid in non-cash forms only (Implementing Regulations art 33); use one of {}",
                DepositForm::allowed_list()
            )
        } else {
            write!(
                f,
                "form {:?} is not a deposit form; use one of {}",
                self.given,
                DepositForm::allowed_list()
            )
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Caps

/// An amount above its legal cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the deposit {amount} is above the cap of {cap} ({percent}% of {base})")]
pub struct AboveCap {
    pub amount: Money,
    pub cap: Money,
    pub percent: i64,
    pub base: Money,
}

/// `percent`% of `base`, rounded down to the fen (a cap is never exceeded by rounding).
pub fn cap(base: Money, percent: i64) -> Money {
    let fen = i128::from(base.fen()) * i128::from(percent) / 100;
    Money::from_fen(i64::try_from(fen).unwrap_or(i64::MAX))
}

fn check_cap(amount: Money, base: Money, percent: i64) -> Result<(), AboveCap> {
    // Exact in integers: amount ≤ base × percent / 100.
    if i128::from(amount.fen()) * 100 <= i128::from(base.fen()) * i128::from(percent) {
        Ok(())
    } else {
        Err(AboveCap {
            amount,
            cap: cap(base, percent),
            percent,
            base,
        })
    }
}

impl DepositRules {
    /// A bid/response deposit against the procurement budget.
    pub fn check_bid_deposit(&self, amount: Money, budget: Money) -> Result<(), AboveCap> {
        check_cap(amount, budget, self.bid_cap_percent)
    }

    /// A performance deposit against the contract amount.
    pub fn check_performance_deposit(
        &self,
        amount: Money,
        contract_amount: Money,
    ) -> Result<(), AboveCap> {
        check_cap(amount, contract_amount, self.performance_cap_percent)
    }

    /// The refund deadline of a bid deposit: the trigger date plus the refund period in working
    /// days. Provisional when a day counted lies in a year the calendar does not have.
    pub fn bid_refund_deadline(
        &self,
        calendar: &WorkingCalendar,
        trigger_on: NaiveDate,
    ) -> Result<Deadline, CalendarError> {
        calendar.add_working_days(trigger_on, self.refund_working_days)
    }

    /// The daily late-refund rate of a bid deposit given the benchmark lending rate in percent a
    /// year: benchmark × 1.2 / 100 / 365.
    pub fn bid_late_daily_rate(&self, benchmark_percent: Decimal) -> Decimal {
        benchmark_percent * self.late_refund_multiplier
            / Decimal::ONE_HUNDRED
            / Decimal::from(self.day_count)
    }

    /// The annual late-refund rate in percent (4.35 → 5.22).
    pub fn bid_late_annual_percent(&self, benchmark_percent: Decimal) -> Decimal {
        (benchmark_percent * self.late_refund_multiplier).normalize()
    }
}

/// A performance deposit's refund deadline: `days` calendar days after the contract's
/// acceptance, as agreed in the contract.
pub fn performance_refund_deadline(accepted_on: NaiveDate, days: u32) -> Option<NaiveDate> {
    accepted_on.checked_add_days(Days::new(u64::from(days)))
}

// ---------------------------------------------------------------------------------------------
// Late refunds

/// Lateness of a refund and the interest it bears.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LateRefund {
    /// Days after the deadline until the refund (or until `as_of` while unrefunded).
    pub days_late: i64,
    /// Interest owed, rounded half-up to the fen; zero when the supplier caused the delay.
    pub interest: Money,
}

/// The interest on `principal` due back on `due`, refunded on `refunded_on` (or not yet), as of
/// `as_of`: each day from `due + 1` through the refund date (or `as_of`) accrues
/// `principal × daily_rate`.
pub fn late_refund(
    principal: Money,
    due: NaiveDate,
    refunded_on: Option<NaiveDate>,
    as_of: NaiveDate,
    daily_rate: Decimal,
    supplier_caused_delay: bool,
) -> LateRefund {
    let last_day = refunded_on.map_or(as_of, |r| r.min(as_of));
    let days_late = (last_day - due).num_days().max(0);
    if supplier_caused_delay {
        return LateRefund {
            days_late,
            interest: Money::ZERO,
        };
    }
    let refund: Vec<AppliedPayment> = refunded_on
        .map(|paid_on| AppliedPayment {
            paid_on,
            amount: principal,
        })
        .into_iter()
        .collect();
    LateRefund {
        days_late,
        interest: round_to_fen(exact_interest(principal, due, daily_rate, &refund, as_of)),
    }
}

// ---------------------------------------------------------------------------------------------
// State machines

/// A refusal phrased as free text (payment disputes use it; deposits and procedures refuse with
/// [`DepositRefusal`] and [`ProcedureRefusal`], which name a locale message).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TransitionError(pub String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DepositKind {
    /// Bid or response deposit, held for a procurement procedure.
    Bid,
    /// Performance deposit, held for a contract.
    Performance,
}

impl DepositKind {
    pub const ALL: [DepositKind; 2] = [DepositKind::Bid, DepositKind::Performance];

    pub fn as_str(self) -> &'static str {
        match self {
            DepositKind::Bid => "bid",
            DepositKind::Performance => "performance",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "bid" => Some(DepositKind::Bid),
            "performance" => Some(DepositKind::Performance),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DepositStatus {
    /// Received and held; no refund trigger yet.
    Held,
    /// A trigger occurred: to be refunded by `refund_due_on`.
    RefundDue,
    /// Refunded (with any late interest).
    Refunded,
    /// The winner's bid deposit, converted into its performance deposit.
    Converted,
    /// Kept by the purchaser for one of the cases agreed in the contract.
    Forfeited,
}

impl DepositStatus {
    pub const ALL: [DepositStatus; 5] = [
        DepositStatus::Held,
        DepositStatus::RefundDue,
        DepositStatus::Refunded,
        DepositStatus::Converted,
        DepositStatus::Forfeited,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DepositStatus::Held => "held",
            DepositStatus::RefundDue => "refund_due",
            DepositStatus::Refunded => "refunded",
            DepositStatus::Converted => "converted",
            DepositStatus::Forfeited => "forfeited",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "held" => Some(DepositStatus::Held),
            "refund_due" => Some(DepositStatus::RefundDue),
            "refunded" => Some(DepositStatus::Refunded),
            "converted" => Some(DepositStatus::Converted),
            "forfeited" => Some(DepositStatus::Forfeited),
            _ => None,
        }
    }
}

/// What starts a deposit's refund clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RefundTrigger {
    /// The supplier withdrew its bid in writing.
    Withdrawal,
    /// The award notice went out and the supplier did not win.
    AwardNotice,
    /// The winner signed the contract.
    ContractSigned,
    /// The procurement was terminated.
    Terminated,
    /// The contract was accepted (performance deposits).
    ContractAccepted,
}

impl RefundTrigger {
    pub const ALL: [RefundTrigger; 5] = [
        RefundTrigger::Withdrawal,
        RefundTrigger::AwardNotice,
        RefundTrigger::ContractSigned,
        RefundTrigger::Terminated,
        RefundTrigger::ContractAccepted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RefundTrigger::Withdrawal => "withdrawal",
            RefundTrigger::AwardNotice => "award_notice",
            RefundTrigger::ContractSigned => "contract_signed",
            RefundTrigger::Terminated => "terminated",
            RefundTrigger::ContractAccepted => "contract_accepted",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "withdrawal" => Some(RefundTrigger::Withdrawal),
            "award_notice" => Some(RefundTrigger::AwardNotice),
            "contract_signed" => Some(RefundTrigger::ContractSigned),
            "terminated" => Some(RefundTrigger::Terminated),
            "contract_accepted" => Some(RefundTrigger::ContractAccepted),
            _ => None,
        }
    }
}

/// What happens to a deposit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DepositEvent {
    Triggered(RefundTrigger),
    /// The winner chose to convert its bid deposit into the performance deposit.
    ConvertedToPerformance,
    Refunded,
    /// One of the contract's agreed cases for not refunding occurred.
    Forfeited,
}

impl DepositEvent {
    /// Every event: each trigger, then conversion, refund and forfeiture.
    pub const ALL: [DepositEvent; 8] = [
        DepositEvent::Triggered(RefundTrigger::Withdrawal),
        DepositEvent::Triggered(RefundTrigger::AwardNotice),
        DepositEvent::Triggered(RefundTrigger::ContractSigned),
        DepositEvent::Triggered(RefundTrigger::Terminated),
        DepositEvent::Triggered(RefundTrigger::ContractAccepted),
        DepositEvent::ConvertedToPerformance,
        DepositEvent::Refunded,
        DepositEvent::Forfeited,
    ];
}

/// Why a deposit's status does not allow an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DepositRefusal {
    #[error(
        "a bid deposit is not forfeited here; only a performance deposit, for a case agreed in its contract"
    )]
    BidNotForfeited,
    #[error(
        "the contract was accepted, so the performance deposit is due back; it can no longer be forfeited"
    )]
    AcceptedNotForfeited,
    #[error(
        "the deposit has no refund trigger yet; record the withdrawal, award notice, contract signing or termination first"
    )]
    NoTriggerYet,
    #[error("a {} deposit is not refunded on {}", kind.as_str(), trigger.as_str())]
    NotReleasedBy {
        kind: DepositKind,
        trigger: RefundTrigger,
    },
    #[error("only a bid deposit converts into a performance deposit")]
    OnlyBidConverts,
    #[error("the deposit is already {}", status.as_str())]
    Already { status: DepositStatus },
}

impl DepositRefusal {
    /// The message in the reader's language.
    pub fn text(self) -> Text {
        match self {
            DepositRefusal::BidNotForfeited => Text::new("msg.deposit.bid_not_forfeited"),
            DepositRefusal::AcceptedNotForfeited => Text::new("msg.deposit.accepted_not_forfeited"),
            DepositRefusal::NoTriggerYet => Text::new("msg.deposit.no_trigger"),
            DepositRefusal::NotReleasedBy { kind, trigger } => {
                Text::new("msg.deposit.not_released_by")
                    .key_arg("kind", format!("deposits.kind.{}", kind.as_str()))
                    .key_arg("trigger", format!("deposits.trigger.{}", trigger.as_str()))
            }
            DepositRefusal::OnlyBidConverts => Text::new("msg.deposit.only_bid_converts"),
            DepositRefusal::Already { status } => Text::new("msg.deposit.already")
                .key_arg("status", format!("deposits.status.{}", status.as_str())),
        }
    }
}

/// The one transition function of a deposit.
pub fn deposit_transition(
    kind: DepositKind,
    status: DepositStatus,
    event: DepositEvent,
) -> Result<DepositStatus, DepositRefusal> {
    use DepositEvent as E;
    use DepositRefusal as R;
    use DepositStatus as S;
    use RefundTrigger as T;
    match (kind, status, event) {
        (
            DepositKind::Bid,
            S::Held,
            E::Triggered(T::Withdrawal | T::AwardNotice | T::ContractSigned | T::Terminated),
        ) => Ok(S::RefundDue),
        (DepositKind::Performance, S::Held, E::Triggered(T::ContractAccepted)) => Ok(S::RefundDue),
        (DepositKind::Bid, S::Held, E::ConvertedToPerformance) => Ok(S::Converted),
        (_, S::RefundDue, E::Refunded) => Ok(S::Refunded),
        (DepositKind::Performance, S::Held, E::Forfeited) => Ok(S::Forfeited),
        (DepositKind::Bid, _, E::Forfeited) => Err(R::BidNotForfeited),
        (DepositKind::Performance, S::RefundDue, E::Forfeited) => Err(R::AcceptedNotForfeited),
        (_, S::Held, E::Refunded) => Err(R::NoTriggerYet),
        (kind, S::Held, E::Triggered(trigger)) => Err(R::NotReleasedBy { kind, trigger }),
        (DepositKind::Performance, _, E::ConvertedToPerformance) => Err(R::OnlyBidConverts),
        (_, status @ (S::RefundDue | S::Refunded | S::Converted | S::Forfeited), _) => {
            Err(R::Already { status })
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProcedureStatus {
    /// Registered; bids (and deposits) are being taken.
    Registered,
    /// The award notice went out.
    Awarded,
    /// The winner signed the contract.
    ContractSigned,
    /// The procurement was terminated.
    Terminated,
}

impl ProcedureStatus {
    pub const ALL: [ProcedureStatus; 4] = [
        ProcedureStatus::Registered,
        ProcedureStatus::Awarded,
        ProcedureStatus::ContractSigned,
        ProcedureStatus::Terminated,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ProcedureStatus::Registered => "registered",
            ProcedureStatus::Awarded => "awarded",
            ProcedureStatus::ContractSigned => "contract_signed",
            ProcedureStatus::Terminated => "terminated",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "registered" => Some(ProcedureStatus::Registered),
            "awarded" => Some(ProcedureStatus::Awarded),
            "contract_signed" => Some(ProcedureStatus::ContractSigned),
            "terminated" => Some(ProcedureStatus::Terminated),
            _ => None,
        }
    }
}

/// An event of a procurement procedure, with the facts that decide which deposits it releases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcedureEvent {
    Withdrawal {
        supplier_id: i64,
    },
    AwardNotice {
        winner_supplier_id: i64,
    },
    ContractSigned {
        winner_supplier_id: i64,
        convert: bool,
    },
    Terminated,
}

impl ProcedureEvent {
    pub fn name(self) -> &'static str {
        match self {
            ProcedureEvent::Withdrawal { .. } => "withdrawal",
            ProcedureEvent::AwardNotice { .. } => "award_notice",
            ProcedureEvent::ContractSigned { .. } => "contract_signed",
            ProcedureEvent::Terminated => "terminated",
        }
    }

    /// What the event does to a held bid deposit of `supplier_id`; `None` leaves it held.
    pub fn effect_on(self, supplier_id: i64) -> Option<DepositEvent> {
        match self {
            ProcedureEvent::Withdrawal { supplier_id: who } => {
                (who == supplier_id).then_some(DepositEvent::Triggered(RefundTrigger::Withdrawal))
            }
            ProcedureEvent::AwardNotice { winner_supplier_id } => (winner_supplier_id
                != supplier_id)
                .then_some(DepositEvent::Triggered(RefundTrigger::AwardNotice)),
            ProcedureEvent::ContractSigned {
                winner_supplier_id,
                convert,
            } => (winner_supplier_id == supplier_id).then_some(if convert {
                DepositEvent::ConvertedToPerformance
            } else {
                DepositEvent::Triggered(RefundTrigger::ContractSigned)
            }),
            ProcedureEvent::Terminated => Some(DepositEvent::Triggered(RefundTrigger::Terminated)),
        }
    }
}

/// Why a procedure's status does not allow an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ProcedureRefusal {
    #[error("the contract is signed after the award notice; record the award notice first")]
    AwardFirst,
    #[error("the procedure is {}; a supplier withdraws before the award", status.as_str())]
    WithdrawalAfterAward { status: ProcedureStatus },
    #[error("the procedure is already {}", status.as_str())]
    Already { status: ProcedureStatus },
}

impl ProcedureRefusal {
    /// The message in the reader's language.
    pub fn text(self) -> Text {
        match self {
            ProcedureRefusal::AwardFirst => Text::new("msg.procedure.award_first"),
            ProcedureRefusal::WithdrawalAfterAward { status } => {
                Text::new("msg.procedure.withdrawal_after_award")
                    .key_arg("status", format!("procedures.status.{}", status.as_str()))
            }
            ProcedureRefusal::Already { status } => Text::new("msg.procedure.already")
                .key_arg("status", format!("procedures.status.{}", status.as_str())),
        }
    }
}

/// The one transition function of a procedure.
pub fn procedure_transition(
    status: ProcedureStatus,
    event: ProcedureEvent,
) -> Result<ProcedureStatus, ProcedureRefusal> {
    use ProcedureEvent as E;
    use ProcedureRefusal as R;
    use ProcedureStatus as S;
    match (status, event) {
        (S::Registered, E::Withdrawal { .. }) => Ok(S::Registered),
        (S::Registered, E::AwardNotice { .. }) => Ok(S::Awarded),
        (S::Awarded, E::ContractSigned { .. }) => Ok(S::ContractSigned),
        (S::Registered | S::Awarded, E::Terminated) => Ok(S::Terminated),
        (S::Registered, E::ContractSigned { .. }) => Err(R::AwardFirst),
        (S::Awarded | S::ContractSigned | S::Terminated, E::Withdrawal { .. }) => {
            Err(R::WithdrawalAfterAward { status })
        }
        (S::Awarded | S::ContractSigned | S::Terminated, E::AwardNotice { .. })
        | (S::ContractSigned | S::Terminated, E::ContractSigned { .. } | E::Terminated) => {
            Err(R::Already { status })
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use gpmall_platform::i18n::{Lang, Tr};
    use rust_decimal_macros::dec;

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn yuan(s: &str) -> Money {
        s.parse().unwrap()
    }

    #[test]
    fn caps_follow_the_worked_examples() {
        let rules = DepositRules::STATUTORY;
        // RULES.md: budget ¥1,000,000 → ¥20,000 accepted, ¥20,001 rejected.
        // Contract ¥800,000 → ¥80,000 accepted, ¥80,001 rejected.
        for (kind, base, amount, ok) in [
            ("bid", "1000000.00", "20000.00", true),
            ("bid", "1000000.00", "20000.01", false),
            ("bid", "1000000.00", "20001.00", false),
            ("bid", "1000000.00", "0.01", true),
            ("bid", "333.33", "6.66", true),
            ("bid", "333.33", "6.67", false),
            ("performance", "800000.00", "80000.00", true),
            ("performance", "800000.00", "80001.00", false),
            ("performance", "800000.00", "80000.01", false),
            ("performance", "0.05", "0.00", true),
        ] {
            let result = match kind {
                "bid" => rules.check_bid_deposit(yuan(amount), yuan(base)),
                _ => rules.check_performance_deposit(yuan(amount), yuan(base)),
            };
            assert_eq!(result.is_ok(), ok, "{kind} {amount} of {base}");
        }
        let err = rules
            .check_bid_deposit(yuan("20001.00"), yuan("1000000.00"))
            .unwrap_err();
        assert_eq!(err.cap, yuan("20000.00"));
        assert!(err.to_string().contains("20000.00"), "{err}");
        assert!(err.to_string().contains("2%"), "{err}");
        // The cap of an odd budget rounds down: 2% of ¥333.33 is ¥6.6666.
        assert_eq!(cap(yuan("333.33"), 2), yuan("6.66"));
        assert_eq!(
            cap(Money::from_fen(i64::MAX / 100), 10).fen(),
            i64::MAX / 1000
        );
    }

    #[test]
    fn forms_are_non_cash_only() {
        for form in DepositForm::ALL {
            assert_eq!(DepositForm::parse(form.as_str()), Ok(form));
            let json = serde_json::to_string(&form).unwrap();
            assert_eq!(json, format!("\"{}\"", form.as_str()));
        }
        for refused in ["cash", "CASH", "", "wechat_pay", "Cheque"] {
            let err = DepositForm::parse(refused).unwrap_err().to_string();
            for allowed in DepositForm::ALL {
                assert!(err.contains(allowed.as_str()), "{err}");
            }
        }
        assert!(
            DepositForm::parse("cash")
                .unwrap_err()
                .to_string()
                .starts_with("cash is not accepted")
        );
        assert!(serde_json::from_str::<DepositForm>("\"cash\"").is_err());
    }

    /// Every key a refusal names, and every key it passes as an argument, exists in both
    /// languages, and every placeholder is filled.
    pub(crate) fn assert_phrased(text: &Text) {
        use gpmall_platform::i18n::{Arg, Lang, Tr};
        for lang in [Lang::En, Lang::ZhCn] {
            let tr = Tr::new(lang);
            assert!(tr.find(&text.key).is_some(), "{lang:?} lacks {}", text.key);
            for (_, arg) in &text.args {
                if let Arg::Key(key) = arg {
                    assert!(tr.find(key).is_some(), "{lang:?} lacks {key}");
                }
            }
            let rendered = tr.render(text);
            assert!(!rendered.contains('{'), "{rendered}");
        }
    }

    #[test]
    fn deposit_transitions_as_a_table() {
        use DepositKind::{Bid, Performance};
        use DepositRefusal as R;
        use DepositStatus::*;
        use RefundTrigger as T;
        let already = |status| Err(R::Already { status });
        let not_by = |kind, trigger| Err(R::NotReleasedBy { kind, trigger });
        // Every kind and status, with the outcome of each event in the order of
        // `DepositEvent::ALL`: withdrawal, award notice, contract signed, terminated, contract
        // accepted, converted to performance, refunded, forfeited.
        type Row = (DepositKind, DepositStatus, [Result<DepositStatus, R>; 8]);
        let table: [Row; 10] = [
            (
                Bid,
                Held,
                [
                    Ok(RefundDue),
                    Ok(RefundDue),
                    Ok(RefundDue),
                    Ok(RefundDue),
                    not_by(Bid, T::ContractAccepted),
                    Ok(Converted),
                    Err(R::NoTriggerYet),
                    Err(R::BidNotForfeited),
                ],
            ),
            (
                Bid,
                RefundDue,
                [
                    already(RefundDue),
                    already(RefundDue),
                    already(RefundDue),
                    already(RefundDue),
                    already(RefundDue),
                    already(RefundDue),
                    Ok(Refunded),
                    Err(R::BidNotForfeited),
                ],
            ),
            (
                Bid,
                Refunded,
                [
                    already(Refunded),
                    already(Refunded),
                    already(Refunded),
                    already(Refunded),
                    already(Refunded),
                    already(Refunded),
                    already(Refunded),
                    Err(R::BidNotForfeited),
                ],
            ),
            (
                Bid,
                Converted,
                [
                    already(Converted),
                    already(Converted),
                    already(Converted),
                    already(Converted),
                    already(Converted),
                    already(Converted),
                    already(Converted),
                    Err(R::BidNotForfeited),
                ],
            ),
            (
                Bid,
                Forfeited,
                [
                    already(Forfeited),
                    already(Forfeited),
                    already(Forfeited),
                    already(Forfeited),
                    already(Forfeited),
                    already(Forfeited),
                    already(Forfeited),
                    Err(R::BidNotForfeited),
                ],
            ),
            (
                Performance,
                Held,
                [
                    not_by(Performance, T::Withdrawal),
                    not_by(Performance, T::AwardNotice),
                    not_by(Performance, T::ContractSigned),
                    not_by(Performance, T::Terminated),
                    Ok(RefundDue),
                    Err(R::OnlyBidConverts),
                    Err(R::NoTriggerYet),
                    Ok(Forfeited),
                ],
            ),
            (
                Performance,
                RefundDue,
                [
                    already(RefundDue),
                    already(RefundDue),
                    already(RefundDue),
                    already(RefundDue),
                    already(RefundDue),
                    Err(R::OnlyBidConverts),
                    Ok(Refunded),
                    Err(R::AcceptedNotForfeited),
                ],
            ),
            (
                Performance,
                Refunded,
                [
                    already(Refunded),
                    already(Refunded),
                    already(Refunded),
                    already(Refunded),
                    already(Refunded),
                    Err(R::OnlyBidConverts),
                    already(Refunded),
                    already(Refunded),
                ],
            ),
            (
                Performance,
                Converted,
                [
                    already(Converted),
                    already(Converted),
                    already(Converted),
                    already(Converted),
                    already(Converted),
                    Err(R::OnlyBidConverts),
                    already(Converted),
                    already(Converted),
                ],
            ),
            (
                Performance,
                Forfeited,
                [
                    already(Forfeited),
                    already(Forfeited),
                    already(Forfeited),
                    already(Forfeited),
                    already(Forfeited),
                    Err(R::OnlyBidConverts),
                    already(Forfeited),
                    already(Forfeited),
                ],
            ),
        ];
        // The table lists every kind and status exactly once.
        for kind in DepositKind::ALL {
            for status in DepositStatus::ALL {
                assert_eq!(
                    table
                        .iter()
                        .filter(|(k, s, _)| (*k, *s) == (kind, status))
                        .count(),
                    1,
                    "{kind:?} {status:?}"
                );
            }
        }
        for (kind, from, outcomes) in &table {
            for (event, expected) in DepositEvent::ALL.iter().zip(outcomes) {
                let got = deposit_transition(*kind, *from, *event);
                assert_eq!(got, *expected, "{kind:?} {from:?} on {event:?}");
                if let Err(refusal) = got {
                    assert_phrased(&refusal.text());
                }
            }
        }
        // The message says what to do, in both languages.
        let text = R::NoTriggerYet.text();
        assert!(Tr::new(Lang::En).render(&text).contains("award notice"));
        assert!(Tr::new(Lang::ZhCn).render(&text).contains("中标通知"));
        let text = R::Already { status: Refunded }.text();
        assert!(Tr::new(Lang::ZhCn).render(&text).contains("已退还"));
    }

    #[test]
    fn stored_names_round_trip_and_unknown_ones_are_refused() {
        for status in DepositStatus::ALL {
            assert_eq!(DepositStatus::parse(status.as_str()), Some(status));
        }
        for kind in DepositKind::ALL {
            assert_eq!(DepositKind::parse(kind.as_str()), Some(kind));
        }
        for trigger in RefundTrigger::ALL {
            assert_eq!(RefundTrigger::parse(trigger.as_str()), Some(trigger));
        }
        for status in ProcedureStatus::ALL {
            assert_eq!(ProcedureStatus::parse(status.as_str()), Some(status));
        }
        for unknown in ["", "Held", "pending", "refund due"] {
            assert_eq!(DepositStatus::parse(unknown), None);
            assert_eq!(DepositKind::parse(unknown), None);
            assert_eq!(RefundTrigger::parse(unknown), None);
            assert_eq!(ProcedureStatus::parse(unknown), None);
        }
    }

    #[test]
    fn procedure_transitions_as_a_table() {
        use ProcedureEvent as E;
        use ProcedureRefusal as R;
        use ProcedureStatus::*;
        let withdraw = E::Withdrawal { supplier_id: 1 };
        let award = E::AwardNotice {
            winner_supplier_id: 1,
        };
        let sign = E::ContractSigned {
            winner_supplier_id: 1,
            convert: false,
        };
        let after_award = |status| Err(R::WithdrawalAfterAward { status });
        let already = |status| Err(R::Already { status });
        // Every status with the outcome of withdrawal, award notice, signing and termination.
        let table: [(ProcedureStatus, [Result<ProcedureStatus, R>; 4]); 4] = [
            (
                Registered,
                [
                    Ok(Registered),
                    Ok(Awarded),
                    Err(R::AwardFirst),
                    Ok(Terminated),
                ],
            ),
            (
                Awarded,
                [
                    after_award(Awarded),
                    already(Awarded),
                    Ok(ContractSigned),
                    Ok(Terminated),
                ],
            ),
            (
                ContractSigned,
                [
                    after_award(ContractSigned),
                    already(ContractSigned),
                    already(ContractSigned),
                    already(ContractSigned),
                ],
            ),
            (
                Terminated,
                [
                    after_award(Terminated),
                    already(Terminated),
                    already(Terminated),
                    already(Terminated),
                ],
            ),
        ];
        assert_eq!(
            table.map(|(s, _)| s),
            ProcedureStatus::ALL,
            "every status, once"
        );
        for (from, outcomes) in table {
            for (event, expected) in [withdraw, award, sign, E::Terminated]
                .into_iter()
                .zip(outcomes)
            {
                let got = procedure_transition(from, event);
                assert_eq!(got, expected, "{from:?} on {event:?}");
                if let Err(refusal) = got {
                    assert_phrased(&refusal.text());
                }
            }
        }
    }

    #[test]
    fn which_deposits_an_event_releases() {
        use DepositEvent as D;
        use RefundTrigger as T;
        let (winner, other) = (7, 8);
        let table = [
            (
                ProcedureEvent::Withdrawal { supplier_id: other },
                winner,
                None,
            ),
            (
                ProcedureEvent::Withdrawal { supplier_id: other },
                other,
                Some(D::Triggered(T::Withdrawal)),
            ),
            (
                ProcedureEvent::AwardNotice {
                    winner_supplier_id: winner,
                },
                winner,
                None,
            ),
            (
                ProcedureEvent::AwardNotice {
                    winner_supplier_id: winner,
                },
                other,
                Some(D::Triggered(T::AwardNotice)),
            ),
            (
                ProcedureEvent::ContractSigned {
                    winner_supplier_id: winner,
                    convert: false,
                },
                winner,
                Some(D::Triggered(T::ContractSigned)),
            ),
            (
                ProcedureEvent::ContractSigned {
                    winner_supplier_id: winner,
                    convert: true,
                },
                winner,
                Some(D::ConvertedToPerformance),
            ),
            (
                ProcedureEvent::ContractSigned {
                    winner_supplier_id: winner,
                    convert: true,
                },
                other,
                None,
            ),
            (
                ProcedureEvent::Terminated,
                winner,
                Some(D::Triggered(T::Terminated)),
            ),
            (
                ProcedureEvent::Terminated,
                other,
                Some(D::Triggered(T::Terminated)),
            ),
        ];
        for (event, supplier, effect) in table {
            assert_eq!(event.effect_on(supplier), effect, "{event:?} on {supplier}");
        }
    }

    #[test]
    fn refund_deadlines_count_working_days() {
        let rules = DepositRules::STATUTORY;
        let calendar = WorkingCalendar::builtin();
        for (trigger, due) in [
            // RULES.md: an award notice on Mon 2024-03-04 makes refunds due by Mon 2024-03-11.
            ("2024-03-04", "2024-03-11"),
            ("2026-03-02", "2026-03-09"),
            // Friday: the weekend is skipped.
            ("2026-03-06", "2026-03-13"),
            // Labour Day 2026: 05-01..05 off, Sat 05-09 worked.
            ("2026-04-29", "2026-05-09"),
            ("2026-04-30", "2026-05-11"),
            // National Day 2024: 10-01..07 off, Sat 10-12 worked.
            ("2024-09-30", "2024-10-12"),
        ] {
            let deadline = rules.bid_refund_deadline(&calendar, date(trigger)).unwrap();
            assert_eq!(deadline.date, date(due), "from {trigger}");
            assert!(!deadline.provisional);
        }
        // A year the calendar lacks: weekends only, provisional.
        let deadline = rules
            .bid_refund_deadline(&calendar, date("2027-03-01"))
            .unwrap();
        assert_eq!(deadline.date, date("2027-03-08"));
        assert!(deadline.provisional);
        assert_eq!(deadline.missing_years, vec![2027]);
        assert_eq!(
            performance_refund_deadline(date("2026-03-03"), 30),
            Some(date("2026-04-02"))
        );
    }

    #[test]
    fn late_refund_interest_at_benchmark_times_one_point_two() {
        let rules = DepositRules::STATUTORY;
        let daily = rules.bid_late_daily_rate(dec!(4.35));
        assert_eq!(rules.bid_late_annual_percent(dec!(4.35)), dec!(5.22));
        let due = date("2026-03-09");
        for (principal, refunded, as_of, days, interest) in [
            // ¥20,000 × 5.22% / 365 × 10 days = 28.6027… → ¥28.60.
            ("20000.00", Some("2026-03-19"), "2026-03-19", 10, "28.60"),
            ("20000.00", Some("2026-03-19"), "2026-12-31", 10, "28.60"),
            // Not refunded yet: accrues through today.
            ("20000.00", None, "2026-03-19", 10, "28.60"),
            ("20000.00", None, "2026-03-10", 1, "2.86"),
            // On time, or early: nothing.
            ("20000.00", Some("2026-03-09"), "2026-04-01", 0, "0.00"),
            ("20000.00", Some("2026-03-05"), "2026-04-01", 0, "0.00"),
            ("20000.00", None, "2026-03-09", 0, "0.00"),
            // ¥1,000,000 × 5.22% / 365 × 365 days = ¥52,200.00.
            (
                "1000000.00",
                Some("2027-03-09"),
                "2027-03-09",
                365,
                "52200.00",
            ),
            // ¥1 × 5.22%/365 × 1 = 0.000143 → 0.00.
            ("1.00", Some("2026-03-10"), "2026-03-10", 1, "0.00"),
        ] {
            let got = late_refund(
                yuan(principal),
                due,
                refunded.map(date),
                date(as_of),
                daily,
                false,
            );
            assert_eq!(got.days_late, days, "{principal} {refunded:?} {as_of}");
            assert_eq!(
                got.interest.to_string(),
                interest,
                "{principal} {refunded:?} {as_of}"
            );
        }
        // The supplier caused the delay: the days are still counted, no interest is owed.
        let excused = late_refund(
            yuan("20000.00"),
            due,
            Some(date("2026-03-19")),
            date("2026-03-19"),
            daily,
            true,
        );
        assert_eq!(excused.days_late, 10);
        assert_eq!(excused.interest, Money::ZERO);
    }

    #[test]
    fn late_refund_interest_is_monotone_in_days() {
        let daily = DepositRules::STATUTORY.bid_late_daily_rate(dec!(4.35));
        let due = date("2026-01-01");
        let mut previous = Money::ZERO;
        for days in 0..400u64 {
            let refunded = due + Days::new(days);
            let got = late_refund(
                yuan("12345.67"),
                due,
                Some(refunded),
                refunded,
                daily,
                false,
            );
            assert!(got.interest >= previous);
            previous = got.interest;
        }
    }
}
