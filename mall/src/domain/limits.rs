//! The mall's direct-purchase limit per catalogue category: above it, the purchase must go
//! through another procurement method.

use gpmall_platform::Money;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitExceeded {
    pub category_code: String,
    pub limit: Money,
    pub total: Money,
    /// What the purchaser should use instead.
    pub method: &'static str,
}

/// Checks an order's total against the strictest limit among the categories it contains.
pub fn check_direct_purchase(
    total: Money,
    category_limits: &[(String, Money)],
) -> Result<(), LimitExceeded> {
    let strictest = category_limits.iter().min_by_key(|(_, limit)| *limit);
    match strictest {
        Some((code, limit)) if total > *limit => Err(LimitExceeded {
            category_code: code.clone(),
            limit: *limit,
            total,
            method: method_above_limit(*limit),
        }),
        _ => Ok(()),
    }
}

/// The procurement route for an amount above the mall's limit.
fn method_above_limit(limit: Money) -> &'static str {
    if limit >= Money::from_yuan(500_000) {
        "entrust the central purchasing agency (集中采购机构代理采购)"
    } else {
        "online inquiry (网上询价) or a framework-agreement call-off (电子协议供货)"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(pairs: &[(&str, i64)]) -> Vec<(String, Money)> {
        pairs
            .iter()
            .map(|(c, y)| ((*c).to_owned(), Money::from_yuan(*y)))
            .collect()
    }

    #[test]
    fn at_the_limit_is_allowed_one_fen_over_is_not() {
        let l = limits(&[("A02010104", 500_000)]);
        assert!(check_direct_purchase(Money::from_yuan(500_000), &l).is_ok());
        let err = check_direct_purchase(Money::from_fen(50_000_001), &l).unwrap_err();
        assert_eq!(err.limit, Money::from_yuan(500_000));
        assert_eq!(err.category_code, "A02010104");
        assert!(err.method.contains("集中采购机构"));
    }

    #[test]
    fn the_strictest_category_in_the_order_applies() {
        let l = limits(&[("A02010104", 500_000), ("C1204", 100_000)]);
        let err = check_direct_purchase(Money::from_yuan(150_000), &l).unwrap_err();
        assert_eq!(err.category_code, "C1204");
        assert!(err.method.contains("网上询价"));
    }
}
