//! Settlement's queries: every statement settlement runs lives here, behind functions that take
//! and return domain and entity types (no SQL strings or column names in services).

pub mod contracts;
pub mod procedures;
