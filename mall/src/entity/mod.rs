//! sea-orm entities for the mall's tables.

pub mod acceptance;
pub mod budget_adjustment;
pub mod budget_line;
pub mod cart_item;
pub mod category;
pub mod category_limit;
pub mod order;
pub mod order_line;
pub mod price_history;
pub mod product;
