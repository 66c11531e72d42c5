//! The financing application lifecycle as one transition function, and the [`Ledger`] that
//! applies a bank's events in order even when they arrive duplicated or out of order.
//!
//! submitted → delivered (the bank acknowledged the application) → approved | rejected →
//! agreement_signed (the supplier signs on the platform, or the bank reports it signed) →
//! disbursed → repaid → closed. Withdrawn by the supplier, or expired, before a decision.
//!
//! A bank event that comes before its predecessor (disbursed before approved) waits and is
//! applied when the predecessor arrives; one for a stage already reached is absorbed; one that
//! can never be valid (repaid on a rejected application) is refused.

use std::fmt;

/// Where an application is.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    serde::Serialize,
    serde::Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ApplicationStatus {
    Submitted,
    Delivered,
    Approved,
    Rejected,
    AgreementSigned,
    Disbursed,
    Repaid,
    Closed,
    Withdrawn,
    Expired,
}

/// What a partner bank reports in `POST /bank/v1/events`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventKind {
    Approved,
    Rejected,
    AgreementSigned,
    Disbursed,
    Repaid,
    Closed,
}

/// What the platform or the supplier does to an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// The bank answered the delivery of the application with success.
    DeliverAck,
    /// The supplier withdraws the application.
    Withdraw,
    /// No decision came within the allowed time.
    Expire,
    /// The supplier signs the loan agreement the bank offered, on the platform.
    SupplierSign,
}

/// Anything that can move an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Event {
    Bank(EventKind),
    Platform(Action),
}

/// Why an event or action cannot apply to an application, ever.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefusalReason {
    /// The application was rejected, withdrawn or expired: nothing changes it any more.
    Ended,
    /// The bank has approved the application: it cannot be rejected, withdrawn or expire.
    AlreadyApproved,
    /// The bank has not approved the application, so there is no agreement to sign.
    NoOffer,
    /// The loan agreement is signed already.
    AlreadySigned,
}

/// A refused event, saying what the application was and what was tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{event} cannot apply to an application that is {status}: {}", reason.describe())]
pub struct Refusal {
    pub status: ApplicationStatus,
    pub event: Event,
    pub reason: RefusalReason,
}

/// What an event does to an application in a given status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The application moves to this status.
    To(ApplicationStatus),
    /// A bank event ahead of its predecessor: keep it, apply it when the predecessor arrives.
    Wait,
    /// A stage already reached (a repeat, or an acknowledgement that came late): no change.
    Absorb,
    /// The event can never apply.
    Refuse(Refusal),
}

/// A stored status or event kind this build does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown stored {what}: {value:?}")]
pub struct UnknownStored {
    pub what: &'static str,
    pub value: String,
}

impl ApplicationStatus {
    pub const ALL: [ApplicationStatus; 10] = [
        ApplicationStatus::Submitted,
        ApplicationStatus::Delivered,
        ApplicationStatus::Approved,
        ApplicationStatus::Rejected,
        ApplicationStatus::AgreementSigned,
        ApplicationStatus::Disbursed,
        ApplicationStatus::Repaid,
        ApplicationStatus::Closed,
        ApplicationStatus::Withdrawn,
        ApplicationStatus::Expired,
    ];

    /// The stable stored value.
    pub fn as_str(self) -> &'static str {
        match self {
            ApplicationStatus::Submitted => "submitted",
            ApplicationStatus::Delivered => "delivered",
            ApplicationStatus::Approved => "approved",
            ApplicationStatus::Rejected => "rejected",
            ApplicationStatus::AgreementSigned => "agreement_signed",
            ApplicationStatus::Disbursed => "disbursed",
            ApplicationStatus::Repaid => "repaid",
            ApplicationStatus::Closed => "closed",
            ApplicationStatus::Withdrawn => "withdrawn",
            ApplicationStatus::Expired => "expired",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// The status a row stores; an unknown value is an error naming it, never a default.
    pub fn stored(s: &str) -> Result<Self, UnknownStored> {
        Self::parse(s).ok_or_else(|| UnknownStored {
            what: "financing application status",
            value: s.to_owned(),
        })
    }

    /// Whether the bank has not decided yet: the supplier may still withdraw.
    pub fn is_undecided(self) -> bool {
        matches!(
            self,
            ApplicationStatus::Submitted | ApplicationStatus::Delivered
        )
    }

    /// Rejected, withdrawn, expired or closed: no event moves it any more.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            ApplicationStatus::Rejected
                | ApplicationStatus::Withdrawn
                | ApplicationStatus::Expired
                | ApplicationStatus::Closed
        )
    }

    /// Position on the approved path (submitted 0 … closed 6); `None` for the statuses off it.
    fn approved_path_stage(self) -> Option<u8> {
        use ApplicationStatus as S;
        match self {
            S::Submitted => Some(0),
            S::Delivered => Some(1),
            S::Approved => Some(2),
            S::AgreementSigned => Some(3),
            S::Disbursed => Some(4),
            S::Repaid => Some(5),
            S::Closed => Some(6),
            S::Rejected | S::Withdrawn | S::Expired => None,
        }
    }
}

impl fmt::Display for ApplicationStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl EventKind {
    pub const ALL: [EventKind; 6] = [
        EventKind::Approved,
        EventKind::Rejected,
        EventKind::AgreementSigned,
        EventKind::Disbursed,
        EventKind::Repaid,
        EventKind::Closed,
    ];

    /// The stable value in the bank protocol and in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Approved => "approved",
            EventKind::Rejected => "rejected",
            EventKind::AgreementSigned => "agreement_signed",
            EventKind::Disbursed => "disbursed",
            EventKind::Repaid => "repaid",
            EventKind::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn stored(s: &str) -> Result<Self, UnknownStored> {
        Self::parse(s).ok_or_else(|| UnknownStored {
            what: "bank event kind",
            value: s.to_owned(),
        })
    }

    /// The status this event leads to when it applies.
    pub fn target(self) -> ApplicationStatus {
        match self {
            EventKind::Approved => ApplicationStatus::Approved,
            EventKind::Rejected => ApplicationStatus::Rejected,
            EventKind::AgreementSigned => ApplicationStatus::AgreementSigned,
            EventKind::Disbursed => ApplicationStatus::Disbursed,
            EventKind::Repaid => ApplicationStatus::Repaid,
            EventKind::Closed => ApplicationStatus::Closed,
        }
    }
}

impl Action {
    pub const ALL: [Action; 4] = [
        Action::DeliverAck,
        Action::Withdraw,
        Action::Expire,
        Action::SupplierSign,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::DeliverAck => "deliver_ack",
            Action::Withdraw => "withdraw",
            Action::Expire => "expire",
            Action::SupplierSign => "supplier_sign",
        }
    }
}

impl Event {
    /// Every bank event and platform action, for tables.
    pub const ALL: [Event; 10] = [
        Event::Platform(Action::DeliverAck),
        Event::Bank(EventKind::Approved),
        Event::Bank(EventKind::Rejected),
        Event::Bank(EventKind::AgreementSigned),
        Event::Bank(EventKind::Disbursed),
        Event::Bank(EventKind::Repaid),
        Event::Bank(EventKind::Closed),
        Event::Platform(Action::SupplierSign),
        Event::Platform(Action::Withdraw),
        Event::Platform(Action::Expire),
    ];
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::Bank(kind) => write!(f, "the bank event {}", kind.as_str()),
            Event::Platform(action) => write!(f, "the action {}", action.as_str()),
        }
    }
}

impl RefusalReason {
    /// The stable machine code.
    pub fn code(self) -> &'static str {
        match self {
            RefusalReason::Ended => "FINANCING_APPLICATION_ENDED",
            RefusalReason::AlreadyApproved => "FINANCING_APPLICATION_ALREADY_APPROVED",
            RefusalReason::NoOffer => "FINANCING_APPLICATION_NO_OFFER",
            RefusalReason::AlreadySigned => "FINANCING_AGREEMENT_ALREADY_SIGNED",
        }
    }

    fn describe(self) -> &'static str {
        match self {
            RefusalReason::Ended => {
                "it was rejected, withdrawn or expired, and nothing changes it any more"
            }
            RefusalReason::AlreadyApproved => "the bank has approved it already",
            RefusalReason::NoOffer => {
                "the bank has not approved it, so there is no loan agreement to sign"
            }
            RefusalReason::AlreadySigned => "the loan agreement is signed already",
        }
    }
}

/// The one transition function of the application lifecycle.
pub fn transition(status: ApplicationStatus, event: Event) -> Outcome {
    use ApplicationStatus as S;
    let refuse = |reason| {
        Outcome::Refuse(Refusal {
            status,
            event,
            reason,
        })
    };
    match event {
        // An acknowledgement can come after the bank's first event: it then changes nothing.
        Event::Platform(Action::DeliverAck) => match status {
            S::Submitted => Outcome::To(S::Delivered),
            _ => Outcome::Absorb,
        },
        Event::Platform(Action::Withdraw) => match status {
            S::Submitted | S::Delivered => Outcome::To(S::Withdrawn),
            S::Rejected | S::Withdrawn | S::Expired => refuse(RefusalReason::Ended),
            S::Approved | S::AgreementSigned | S::Disbursed | S::Repaid | S::Closed => {
                refuse(RefusalReason::AlreadyApproved)
            }
        },
        Event::Platform(Action::Expire) => match status {
            S::Submitted | S::Delivered => Outcome::To(S::Expired),
            S::Rejected | S::Withdrawn | S::Expired => refuse(RefusalReason::Ended),
            S::Approved | S::AgreementSigned | S::Disbursed | S::Repaid | S::Closed => {
                refuse(RefusalReason::AlreadyApproved)
            }
        },
        Event::Platform(Action::SupplierSign) => match status {
            S::Approved => Outcome::To(S::AgreementSigned),
            S::Submitted | S::Delivered => refuse(RefusalReason::NoOffer),
            S::Rejected | S::Withdrawn | S::Expired => refuse(RefusalReason::Ended),
            S::AgreementSigned | S::Disbursed | S::Repaid | S::Closed => {
                refuse(RefusalReason::AlreadySigned)
            }
        },
        Event::Bank(EventKind::Rejected) => match status {
            S::Submitted | S::Delivered => Outcome::To(S::Rejected),
            S::Rejected => Outcome::Absorb,
            S::Withdrawn | S::Expired => refuse(RefusalReason::Ended),
            S::Approved | S::AgreementSigned | S::Disbursed | S::Repaid | S::Closed => {
                refuse(RefusalReason::AlreadyApproved)
            }
        },
        Event::Bank(kind) => {
            let (Some(stage), Some(target_stage)) = (
                status.approved_path_stage(),
                kind.target().approved_path_stage(),
            ) else {
                return refuse(RefusalReason::Ended);
            };
            if stage >= target_stage {
                Outcome::Absorb
            } else if stage + 1 == target_stage || kind == EventKind::Approved {
                // Approval needs no acknowledgement of delivery first: the decision proves it.
                Outcome::To(kind.target())
            } else {
                Outcome::Wait
            }
        }
    }
}

/// What happened to one delivered bank event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recorded {
    /// Moved the application to the status.
    Applied(ApplicationStatus),
    /// A stage already reached: acknowledged, no change.
    Absorbed,
    /// Kept until its predecessor arrives.
    Waiting,
    /// An event id seen before: acknowledged without effect.
    Duplicate,
    Refused(Refusal),
}

/// One application's status with the bank events that wait for their predecessor, and the
/// event ids seen. Each event id is recorded once, whatever the number of deliveries.
#[derive(Debug, Clone)]
pub struct Ledger<Id> {
    status: ApplicationStatus,
    pending: Vec<(Id, EventKind)>,
    seen: std::collections::BTreeSet<Id>,
}

impl<Id: Ord + Clone> Ledger<Id> {
    pub fn new(status: ApplicationStatus) -> Self {
        Ledger {
            status,
            pending: Vec::new(),
            seen: Default::default(),
        }
    }

    pub fn status(&self) -> ApplicationStatus {
        self.status
    }

    /// Bank events waiting for their predecessor, in arrival order.
    pub fn pending(&self) -> &[(Id, EventKind)] {
        &self.pending
    }

    /// A bank event delivered (perhaps again). Returns what happened to it and then to every
    /// waiting event it released, in the order they applied.
    pub fn deliver(&mut self, id: Id, kind: EventKind) -> Vec<(Id, Recorded)> {
        if !self.seen.insert(id.clone()) {
            return vec![(id, Recorded::Duplicate)];
        }
        let first = self.evaluate(Event::Bank(kind));
        let mut out = Vec::new();
        match first {
            Recorded::Waiting => {
                self.pending.push((id.clone(), kind));
                out.push((id, Recorded::Waiting));
                return out;
            }
            recorded => out.push((id, recorded)),
        }
        self.release(&mut out);
        out
    }

    /// A platform or supplier action; waiting bank events it makes valid are applied after it.
    pub fn act(&mut self, action: Action) -> (Result<Outcome, Refusal>, Vec<(Id, Recorded)>) {
        let outcome = transition(self.status, Event::Platform(action));
        match outcome {
            Outcome::Refuse(refusal) => return (Err(refusal), Vec::new()),
            Outcome::To(to) => self.status = to,
            Outcome::Absorb | Outcome::Wait => {}
        }
        let mut released = Vec::new();
        self.release(&mut released);
        (Ok(outcome), released)
    }

    fn evaluate(&mut self, event: Event) -> Recorded {
        match transition(self.status, event) {
            Outcome::To(to) => {
                self.status = to;
                Recorded::Applied(to)
            }
            Outcome::Absorb => Recorded::Absorbed,
            Outcome::Wait => Recorded::Waiting,
            Outcome::Refuse(refusal) => Recorded::Refused(refusal),
        }
    }

    /// Applies waiting events until none can move: each pass takes the first that no longer
    /// waits, so a chain (closed waiting on repaid waiting on disbursed) unwinds in order.
    fn release(&mut self, out: &mut Vec<(Id, Recorded)>) {
        loop {
            let ready = self
                .pending
                .iter()
                .position(|(_, kind)| transition(self.status, Event::Bank(*kind)) != Outcome::Wait);
            let Some(index) = ready else { return };
            let (id, kind) = self.pending.remove(index);
            let recorded = self.evaluate(Event::Bank(kind));
            out.push((id, recorded));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ApplicationStatus as S;
    use proptest::prelude::*;

    /// What the table expects, without the refusal's details (checked by [`REFUSALS`]).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum X {
        To(S),
        W,
        A,
        R,
    }
    use X::{A, R, W};

    fn expect_of(outcome: Outcome) -> X {
        match outcome {
            Outcome::To(to) => X::To(to),
            Outcome::Wait => W,
            Outcome::Absorb => A,
            Outcome::Refuse(_) => R,
        }
    }

    const DELIVERED: X = X::To(S::Delivered);
    const APPROVED: X = X::To(S::Approved);
    const REJECTED: X = X::To(S::Rejected);
    const SIGNED: X = X::To(S::AgreementSigned);
    const DISBURSED: X = X::To(S::Disbursed);
    const REPAID: X = X::To(S::Repaid);
    const CLOSED: X = X::To(S::Closed);
    const WITHDRAWN: X = X::To(S::Withdrawn);
    const EXPIRED: X = X::To(S::Expired);

    /// Every (status, event) pair: To(status), W(ait), A(bsorb) or R(efuse). Columns in the
    /// order of [`Event::ALL`].
    #[rustfmt::skip] // a matrix reads as one
    const TABLE: [(S, [X; 10]); 10] = [
        //                   ack        approved  rejected  agr_signed disbursed  repaid  closed  sup_sign  withdraw   expire
        (S::Submitted,       [DELIVERED, APPROVED, REJECTED, W,         W,         W,      W,      R,        WITHDRAWN, EXPIRED]),
        (S::Delivered,       [A,         APPROVED, REJECTED, W,         W,         W,      W,      R,        WITHDRAWN, EXPIRED]),
        (S::Approved,        [A,         A,        R,        SIGNED,    W,         W,      W,      SIGNED,   R,         R]),
        (S::Rejected,        [A,         R,        A,        R,         R,         R,      R,      R,        R,         R]),
        (S::AgreementSigned, [A,         A,        R,        A,         DISBURSED, W,      W,      R,        R,         R]),
        (S::Disbursed,       [A,         A,        R,        A,         A,         REPAID, W,      R,        R,         R]),
        (S::Repaid,          [A,         A,        R,        A,         A,         A,      CLOSED, R,        R,         R]),
        (S::Closed,          [A,         A,        R,        A,         A,         A,      A,      R,        R,         R]),
        (S::Withdrawn,       [A,         R,        R,        R,         R,         R,      R,      R,        R,         R]),
        (S::Expired,         [A,         R,        R,        R,         R,         R,      R,      R,        R,         R]),
    ];

    #[test]
    fn transition_table_covers_every_pair_exactly() {
        assert_eq!(TABLE.map(|(s, _)| s), S::ALL);
        for (status, row) in TABLE {
            for (event, expected) in Event::ALL.into_iter().zip(row) {
                assert_eq!(
                    expect_of(transition(status, event)),
                    expected,
                    "{status} + {event}"
                );
            }
        }
    }

    #[test]
    fn refusals_name_the_reason() {
        use RefusalReason as Why;
        let reason = |status, event| match transition(status, event) {
            Outcome::Refuse(refusal) => {
                assert_eq!((refusal.status, refusal.event), (status, event));
                refusal.reason
            }
            other => panic!("{status} + {event} gave {other:?}"),
        };
        let bank = Event::Bank;
        let act = Event::Platform;
        assert_eq!(reason(S::Rejected, bank(EventKind::Repaid)), Why::Ended);
        assert_eq!(reason(S::Withdrawn, bank(EventKind::Approved)), Why::Ended);
        assert_eq!(reason(S::Expired, act(Action::SupplierSign)), Why::Ended);
        assert_eq!(
            reason(S::Disbursed, bank(EventKind::Rejected)),
            Why::AlreadyApproved
        );
        assert_eq!(
            reason(S::Approved, act(Action::Withdraw)),
            Why::AlreadyApproved
        );
        assert_eq!(reason(S::Closed, act(Action::Expire)), Why::AlreadyApproved);
        assert_eq!(
            reason(S::Delivered, act(Action::SupplierSign)),
            Why::NoOffer
        );
        assert_eq!(
            reason(S::AgreementSigned, act(Action::SupplierSign)),
            Why::AlreadySigned
        );
        let refusal = match transition(S::Rejected, bank(EventKind::Repaid)) {
            Outcome::Refuse(refusal) => refusal,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            refusal.to_string(),
            "the bank event repaid cannot apply to an application that is rejected: it was \
             rejected, withdrawn or expired, and nothing changes it any more"
        );
        assert_eq!(refusal.reason.code(), "FINANCING_APPLICATION_ENDED");
    }

    #[test]
    fn stored_values_round_trip_and_unknown_ones_are_errors() {
        for status in S::ALL {
            assert_eq!(S::stored(status.as_str()), Ok(status));
        }
        for kind in EventKind::ALL {
            assert_eq!(EventKind::stored(kind.as_str()), Ok(kind));
        }
        assert_eq!(
            S::stored("paid").unwrap_err().to_string(),
            r#"unknown stored financing application status: "paid""#
        );
        assert!(EventKind::stored("Approved").is_err());
    }

    #[test]
    fn final_statuses_absorb_or_refuse_everything() {
        for status in S::ALL.into_iter().filter(|s| s.is_final()) {
            for event in Event::ALL {
                assert!(
                    matches!(
                        transition(status, event),
                        Outcome::Absorb | Outcome::Refuse(_)
                    ),
                    "{status} + {event}"
                );
            }
        }
        let undecided: Vec<_> = S::ALL.into_iter().filter(|s| s.is_undecided()).collect();
        assert_eq!(undecided, [S::Submitted, S::Delivered]);
    }

    #[test]
    fn an_early_disbursement_waits_and_applies_after_approval_and_signing() {
        let mut ledger = Ledger::new(S::Delivered);
        assert_eq!(
            ledger.deliver("e3", EventKind::Disbursed),
            [("e3", Recorded::Waiting)]
        );
        assert_eq!(ledger.status(), S::Delivered);
        assert_eq!(
            ledger.deliver("e1", EventKind::Approved),
            [("e1", Recorded::Applied(S::Approved))]
        );
        assert_eq!(ledger.pending(), [("e3", EventKind::Disbursed)]);
        let (outcome, released) = ledger.act(Action::SupplierSign);
        assert_eq!(outcome, Ok(Outcome::To(S::AgreementSigned)));
        assert_eq!(released, [("e3", Recorded::Applied(S::Disbursed))]);
        assert_eq!(ledger.status(), S::Disbursed);
        assert!(ledger.pending().is_empty());
        // The bank's own agreement_signed comes last: the stage is passed, nothing changes.
        assert_eq!(
            ledger.deliver("e2", EventKind::AgreementSigned),
            [("e2", Recorded::Absorbed)]
        );
        assert_eq!(
            ledger.deliver("e3", EventKind::Disbursed),
            [("e3", Recorded::Duplicate)]
        );
    }

    #[test]
    fn a_chain_of_waiting_events_unwinds_in_order() {
        let mut ledger = Ledger::new(S::Submitted);
        for (id, kind) in [
            (5, EventKind::Closed),
            (4, EventKind::Repaid),
            (3, EventKind::Disbursed),
            (2, EventKind::AgreementSigned),
        ] {
            assert_eq!(ledger.deliver(id, kind), [(id, Recorded::Waiting)]);
        }
        assert_eq!(
            ledger.deliver(1, EventKind::Approved),
            [
                (1, Recorded::Applied(S::Approved)),
                (2, Recorded::Applied(S::AgreementSigned)),
                (3, Recorded::Applied(S::Disbursed)),
                (4, Recorded::Applied(S::Repaid)),
                (5, Recorded::Applied(S::Closed)),
            ]
        );
    }

    #[test]
    fn waiting_events_are_refused_when_the_bank_rejects_instead() {
        let mut ledger = Ledger::new(S::Delivered);
        assert_eq!(
            ledger.deliver(2, EventKind::Disbursed),
            [(2, Recorded::Waiting)]
        );
        let out = ledger.deliver(1, EventKind::Rejected);
        assert_eq!(out[0], (1, Recorded::Applied(S::Rejected)));
        assert!(matches!(
            out[1],
            (
                2,
                Recorded::Refused(Refusal {
                    reason: RefusalReason::Ended,
                    ..
                })
            )
        ));
        assert!(ledger.pending().is_empty());
        assert!(matches!(
            ledger.deliver(3, EventKind::Repaid)[..],
            [(3, Recorded::Refused(_))]
        ));
        assert_eq!(ledger.status(), S::Rejected);
    }

    #[test]
    fn a_refused_action_changes_nothing() {
        let mut ledger = Ledger::<u32>::new(S::Approved);
        let (outcome, released) = ledger.act(Action::Withdraw);
        assert_eq!(outcome.unwrap_err().reason, RefusalReason::AlreadyApproved);
        assert!(released.is_empty());
        assert_eq!(ledger.status(), S::Approved);
    }

    /// A valid bank story in order: the approved path up to some stage, or a rejection.
    fn story() -> impl Strategy<Value = Vec<EventKind>> {
        use EventKind as K;
        let path = [
            K::Approved,
            K::AgreementSigned,
            K::Disbursed,
            K::Repaid,
            K::Closed,
        ];
        prop_oneof![
            (1..=path.len()).prop_map(move |n| path[..n].to_vec()),
            Just(vec![K::Rejected]),
        ]
    }

    /// The story's events, each delivered one to three times, in an arbitrary order; whether
    /// the supplier signs on the platform as soon as the bank approves; whether the delivery
    /// acknowledgement comes first or after everything.
    fn deliveries() -> impl Strategy<Value = (Vec<EventKind>, Vec<(usize, EventKind)>, bool, bool)>
    {
        story().prop_flat_map(|story| {
            let copies = proptest::collection::vec(1..=3usize, story.len());
            (Just(story), copies, any::<bool>(), any::<bool>()).prop_flat_map(
                |(story, copies, signs, ack_first)| {
                    let mut all = Vec::new();
                    for (id, (kind, n)) in story.iter().zip(&copies).enumerate() {
                        all.extend(std::iter::repeat_n((id, *kind), *n));
                    }
                    (
                        Just(story),
                        Just(all).prop_shuffle(),
                        Just(signs),
                        Just(ack_first),
                    )
                },
            )
        })
    }

    /// Runs deliveries through a ledger the way the service will: the supplier signs when the
    /// application reaches approved (if `signs`). Returns the final status, the statuses in the
    /// order they were reached, and how many times each event id applied or was absorbed.
    fn run(
        deliveries: &[(usize, EventKind)],
        signs: bool,
        ack_first: bool,
    ) -> (S, Vec<S>, std::collections::BTreeMap<usize, usize>) {
        let mut ledger = Ledger::new(S::Submitted);
        let mut reached = Vec::new();
        let mut recorded = std::collections::BTreeMap::new();
        let mut note = |out: Vec<(usize, Recorded)>, reached: &mut Vec<S>| {
            for (id, r) in out {
                match r {
                    Recorded::Applied(to) => {
                        reached.push(to);
                        *recorded.entry(id).or_insert(0) += 1;
                    }
                    Recorded::Absorbed => *recorded.entry(id).or_insert(0) += 1,
                    Recorded::Waiting | Recorded::Duplicate => {}
                    Recorded::Refused(refusal) => panic!("a valid story was refused: {refusal}"),
                }
            }
        };
        if ack_first {
            ledger.act(Action::DeliverAck).0.unwrap();
            reached.push(ledger.status());
        }
        for (id, kind) in deliveries {
            let out = ledger.deliver(*id, *kind);
            note(out, &mut reached);
            // Nothing is left waiting that could apply now.
            for (_, waiting) in ledger.pending() {
                let outcome = transition(ledger.status(), Event::Bank(*waiting));
                assert_eq!(outcome, Outcome::Wait, "{waiting:?} at {}", ledger.status());
            }
            if signs && ledger.status() == S::Approved {
                let (outcome, out) = ledger.act(Action::SupplierSign);
                assert_eq!(outcome, Ok(Outcome::To(S::AgreementSigned)));
                reached.push(S::AgreementSigned);
                note(out, &mut reached);
            }
        }
        let (outcome, out) = ledger.act(Action::DeliverAck);
        assert!(outcome.is_ok());
        note(out, &mut reached);
        assert!(
            ledger.pending().is_empty(),
            "left waiting: {:?}",
            ledger.pending()
        );
        (ledger.status(), reached, recorded)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]

        #[test]
        fn any_delivery_order_ends_where_in_order_delivery_ends(
            (story, shuffled, signs, ack_first) in deliveries()
        ) {
            let in_order: Vec<_> = story.iter().copied().enumerate().collect();
            let (expected, expected_path, _) = run(&in_order, signs, ack_first);
            let (status, path, recorded) = run(&shuffled, signs, ack_first);
            prop_assert_eq!(status, expected);
            let last = story.last().unwrap().target();
            let signed_on_platform = signs && last == S::Approved;
            prop_assert_eq!(status, if signed_on_platform { S::AgreementSigned } else { last });
            // Never out of order: the statuses were reached in the same sequence.
            prop_assert_eq!(path, expected_path);
            // Each event recorded once, however many times it was delivered.
            prop_assert_eq!(recorded.len(), story.len());
            prop_assert!(recorded.values().all(|n| *n == 1), "{:?}", recorded);
        }
    }
}
