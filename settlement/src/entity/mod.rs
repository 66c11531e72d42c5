//! sea-orm entities of settlement's tables: statuses as `DeriveActiveEnum`, dates as `DATE`,
//! money as BIGINT fen, ids typed. Only `repo` uses them; services speak in domain types.

pub mod deposit;
pub mod guarantee_letter;
pub mod procedure;
