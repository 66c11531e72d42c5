//! The mall: the centralized procurement catalogue and its limits, product listing and review,
//! Chinese full-text search, budget lines, the cart, and orders from placement to acceptance.

pub mod domain;
pub mod entity;
pub mod error;
pub mod http;
pub mod repo;
pub mod service;
