//! The mall's direct-purchase limit per catalogue category: above it, the purchase must go
//! through another procurement method.

use gpmall_platform::Money;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitExceeded {
    pub category_code: String,
    pub limit: Money,
    pub total: Money,
    /// What the purchaser should use instead.
    pub method: MethodAboveLimit,
}

/// The procurement route for a purchase above the mall's direct-purchase limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MethodAboveLimit {
    /// 集中采购机构代理采购: entrust the central purchasing agency.
    CentralAgency,
    /// 网上询价 or 电子协议供货: online inquiry or a framework-agreement call-off.
    InquiryOrFramework,
}

impl MethodAboveLimit {
    /// Stable name; the locale key `method.<name>` says it in words.
    pub fn as_str(self) -> &'static str {
        match self {
            MethodAboveLimit::CentralAgency => "central_agency",
            MethodAboveLimit::InquiryOrFramework => "inquiry_or_framework",
        }
    }
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
fn method_above_limit(limit: Money) -> MethodAboveLimit {
    if limit >= Money::from_yuan(500_000) {
        MethodAboveLimit::CentralAgency
    } else {
        MethodAboveLimit::InquiryOrFramework
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
        assert_eq!(err.method, MethodAboveLimit::CentralAgency);
    }

    #[test]
    fn the_strictest_category_in_the_order_applies() {
        let l = limits(&[("A02010104", 500_000), ("C1204", 100_000)]);
        let err = check_direct_purchase(Money::from_yuan(150_000), &l).unwrap_err();
        assert_eq!(err.category_code, "C1204");
        assert_eq!(err.method, MethodAboveLimit::InquiryOrFramework);
    }
}
