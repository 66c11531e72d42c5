//! Settlement use cases.

pub mod accrual;
pub mod contracts;
pub mod deposits;
pub mod disputes;
pub mod guarantees;
pub mod rates;
pub mod warnings;
