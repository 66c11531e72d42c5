//! Pure financing rules: the bank protocol's request signatures, the application lifecycle and
//! the limits of a loan product.

pub mod application;
pub mod product;
pub mod signing;
