//! Pagination parameters and the list envelope `{"items","total","page","per_page"}`.

use serde::{Deserialize, Serialize};

use crate::error::ApiError;

pub const MAX_PER_PAGE: u64 = 100;

#[derive(Debug, Clone, Copy)]
pub struct PageRequest {
    pub page: u64,
    pub per_page: u64,
}

impl PageRequest {
    pub fn parse(page: Option<u64>, per_page: Option<u64>) -> Result<Self, ApiError> {
        let page = page.unwrap_or(1);
        let per_page = per_page.unwrap_or(20);
        if page == 0 {
            return Err(ApiError::validation("page starts at 1"));
        }
        if per_page == 0 || per_page > MAX_PER_PAGE {
            return Err(ApiError::validation(format!(
                "per_page must be between 1 and {MAX_PER_PAGE}"
            )));
        }
        if page > 100_000 {
            return Err(ApiError::validation("page is too large"));
        }
        Ok(PageRequest { page, per_page })
    }

    pub fn offset(self) -> u64 {
        (self.page - 1) * self.per_page
    }
}

#[derive(Debug, Serialize, Deserialize, Clone, utoipa::ToSchema)]
pub struct ListResponse<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}

impl<T> ListResponse<T> {
    pub fn new(items: Vec<T>, total: u64, page: PageRequest) -> Self {
        ListResponse {
            items,
            total,
            page: page.page,
            per_page: page.per_page,
        }
    }
}
