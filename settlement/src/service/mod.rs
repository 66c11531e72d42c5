//! Settlement use cases.

pub mod contracts;
pub mod rates;
pub mod warnings;
