//! Catalogue use cases: categories and their limits, search, product pages, supplier listings
//! with the price cap and price monitoring, and the operator's review.

mod limits;
mod listing;
mod price_change;
mod review;
mod search;
mod views;

pub use limits::{limits_in_force, list_categories, set_category_limit};
pub use listing::{
    NewProduct, ProductChange, change_product, create_product, get_listing, price_history,
    require_trading_supplier, supplier_listings,
};
pub use price_change::{price_review_queue, review_price_change};
pub use review::{review_product, review_queue};
pub use search::{SearchParams, get_listed_product, search_products};
pub use views::{
    CategoryView, ChangedListing, ListingView, PriceChange, PriceOutcome, ProductView,
    SearchResults,
};
