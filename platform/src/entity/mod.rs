//! sea-orm entities for the tables the kernel owns.

pub mod audit_log;
pub mod idempotency_key;
pub mod organization;
pub mod session;
pub mod user;
