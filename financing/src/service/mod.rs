//! Financing use cases: partner banks and their keys, loan products, suppliers' applications.
//! Each checks the caller's role and object, and returns view models with names, never ids
//! alone.

pub mod applications;
pub mod banks;
pub mod demo;
pub mod products;
