//! Queries that are more than an entity lookup.

pub mod budgets;
pub mod cart;
pub mod placement;
pub mod search;
