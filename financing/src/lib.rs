//! Financing: suppliers' credit loans against their procurement contracts, decided, signed,
//! disbursed and repaid by partner banks through a signed bank API.

pub mod domain;
pub mod entity;
pub mod error;
pub mod http;
pub mod repo;
pub mod service;
