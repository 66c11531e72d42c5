//! Pure settlement rules: payment terms and their legal limits, due dates, late interest.

pub mod contract;
pub mod deposits;
pub mod disputes;
pub mod guarantee;
pub mod interest;
pub mod terms;
