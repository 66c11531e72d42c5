//! Pure mall rules: no database, no web framework.

pub mod acceptance;
pub mod limits;
pub mod order;
pub mod product;
pub mod search;

/// A value read back from the database that no variant stores. The row is corrupt or was
/// written by newer code: it is an error to report, never a default to carry on with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown stored {what} {value:?}")]
pub struct UnknownStored {
    /// What the value should have been (`order status`, `product status`).
    pub what: &'static str,
    pub value: String,
}

impl From<UnknownStored> for gpmall_platform::ApiError {
    fn from(error: UnknownStored) -> Self {
        gpmall_platform::ApiError::internal(error)
    }
}
