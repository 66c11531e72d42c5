//! Typed ids: an organization's id cannot be passed where an order's is meant. Each is a
//! 64-bit integer in JSON and in the database, usable directly as a sea-orm entity field
//! (primary key included) and as a query value.

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Debug,
            Clone,
            Copy,
            PartialEq,
            Eq,
            PartialOrd,
            Ord,
            Hash,
            serde::Serialize,
            serde::Deserialize,
            sea_orm::DeriveValueType,
        )]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl $name {
            pub fn get(self) -> i64 {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl From<i64> for $name {
            fn from(id: i64) -> Self {
                $name(id)
            }
        }

        impl From<$name> for i64 {
            fn from(id: $name) -> Self {
                id.0
            }
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::Integer)
                    .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                        utoipa::openapi::KnownFormat::Int64,
                    )))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {}
    };
}

typed_id!(
    /// A purchasing unit, supplier, bank, the operator or the regulator.
    OrgId
);
typed_id!(
    /// A person's account.
    UserId
);
typed_id!(
    /// A mall order.
    OrderId
);
typed_id!(
    /// A procurement contract.
    ContractId
);
typed_id!(
    /// A bid or performance deposit.
    DepositId
);

typed_id!(
    /// A partner bank registered for financing.
    BankId
);
typed_id!(
    /// A bank's loan product.
    LoanProductId
);
typed_id!(
    /// A supplier's loan application.
    LoanApplicationId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_plain_integers_in_json() {
        assert_eq!(serde_json::to_string(&OrderId(7)).unwrap(), "7");
        let id: ContractId = serde_json::from_str("12").unwrap();
        assert_eq!(id, ContractId(12));
        assert_eq!(OrgId::from(3).to_string(), "3");
        let value: sea_orm::Value = DepositId(5).into();
        assert_eq!(value, sea_orm::Value::BigInt(Some(5)));
    }
}
