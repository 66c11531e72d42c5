//! Settlement: contracts with complete payment terms, acceptance, due dates computed for every
//! instalment, payments to the collection account, and late-payment interest.

pub mod domain;
pub mod entity;
pub mod error;
pub mod http;
pub mod repo;
pub mod service;
