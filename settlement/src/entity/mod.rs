//! sea-orm entities of settlement's tables: statuses as `DeriveActiveEnum`, dates as
//! `YYYY-MM-DD` text (parsed once, in `repo`), money as BIGINT fen, ids typed. Only `repo` uses
//! them; services speak in domain types.

pub mod contract;
pub mod contract_dispute;
pub mod contract_instalment;
pub mod contract_payment;
pub mod default_payment_terms;
pub mod deposit;
pub mod guarantee_letter;
pub mod procedure;
pub mod supplier_collection_account;
