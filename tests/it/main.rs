//! The integration suite: one binary, one `TestApp` per test, each with its own database
//! (a temporary SQLite file by default; a fresh PostgreSQL schema and Redis key prefix when
//! `GPMALL_TEST_DATABASE_URL` and `GPMALL_TEST_REDIS_URL` are set).

mod support;

mod admin;
mod auth;
mod authz;
mod browser;
mod calendar;
mod catalog;
mod compose;
mod concurrency;
mod contract;
mod deposits;
mod disputes;
mod errors;
mod financing;
mod guarantees;
mod instances;
mod law;
mod ops;
mod orders;
mod pages;
mod route_roles;
mod sandbox;
mod search;
mod settlement;
mod web;
mod web_budgets;
mod web_settlement;
