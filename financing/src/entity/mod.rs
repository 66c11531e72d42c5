//! sea-orm entities of financing's tables: money as BIGINT fen, percents as parts per million,
//! statuses as their stable text (parsed once, in `repo`). Only `repo` uses them.

pub mod bank_key;
pub mod bank_partner;
pub mod loan_application;
pub mod loan_application_event;
pub mod loan_product;
