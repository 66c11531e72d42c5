//! Pure financing rules: the bank protocol's request signatures and the application lifecycle.

pub mod application;
pub mod signing;
