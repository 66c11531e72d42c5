//! gpmall wiring: configuration, shared state, the router, telemetry, web pages and the command
//! line. Business rules live in the module crates (`gpmall-mall`) and the kernel
//! (`gpmall-platform`).

pub mod app;
pub mod cli;
pub mod config;
pub mod demo_data;
pub mod guarantee_cli;
pub mod ops;
pub mod sandbox;
pub mod seed;
pub mod telemetry;
pub mod web;
