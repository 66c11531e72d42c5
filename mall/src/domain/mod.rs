//! Pure mall rules: no database, no web framework.

pub mod acceptance;
pub mod limits;
pub mod order;
pub mod product;
pub mod search;
