//! Reference rates (the 1-year LPR, the PBoC benchmark lending rate): a dated table the operator
//! maintains, never constants.

use chrono::NaiveDate;
use gpmall_platform::dates::{self, Field};
use gpmall_platform::db::{execute, query_all, query_one, stmt};
use gpmall_platform::i18n::Text;
use gpmall_platform::identity::{Identity, Role};
use gpmall_platform::{ApiError, Ctx};
use rust_decimal::Decimal;
use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RateKind {
    /// 1-year loan prime rate: the floor for an agreed late-payment rate.
    Lpr1y,
    /// PBoC benchmark lending rate up to one year: × 1.2 for late deposit refunds.
    PbocLending1y,
}

impl RateKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RateKind::Lpr1y => "lpr_1y",
            RateKind::PbocLending1y => "pboc_lending_1y",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReferenceRate {
    pub kind: RateKind,
    pub effective_from: NaiveDate,
    /// Percent per year, e.g. "3.00".
    pub percent: Decimal,
    pub announced_by: String,
}

/// The rate of `kind` in force on `on`.
pub async fn rate_on<C: ConnectionTrait>(
    conn: &C,
    kind: RateKind,
    on: NaiveDate,
) -> Result<Decimal, ApiError> {
    let row = query_one(
        conn,
        stmt(
            conn.get_database_backend(),
            "SELECT percent FROM reference_rates WHERE kind = ? AND effective_from <= ? \
             ORDER BY effective_from DESC LIMIT 1",
            [kind.as_str().into(), on.to_string().into()],
        ),
    )
    .await?
    .ok_or_else(|| {
        ApiError::conflicting(
            "REFERENCE_RATE_MISSING",
            Text::new("msg.rate.missing")
                .key_arg("kind", format!("rates.kind.{}", kind.as_str()))
                .arg("on", on),
        )
    })?;
    let text: String = row.try_get("", "percent")?;
    text.parse().map_err(ApiError::internal)
}

pub async fn list(ctx: &Ctx) -> Result<Vec<ReferenceRate>, ApiError> {
    let rows = query_all(
        &ctx.db,
        stmt(
            ctx.db.get_database_backend(),
            "SELECT kind, effective_from, percent, announced_by FROM reference_rates ORDER BY kind, effective_from",
            [],
        ),
    )
    .await?;
    rows.iter()
        .map(|r| {
            let kind: String = r.try_get("", "kind")?;
            let from: String = r.try_get("", "effective_from")?;
            let percent: String = r.try_get("", "percent")?;
            Ok(ReferenceRate {
                kind: if kind == "lpr_1y" {
                    RateKind::Lpr1y
                } else {
                    RateKind::PbocLending1y
                },
                effective_from: from.parse().map_err(ApiError::internal)?,
                percent: percent.parse().map_err(ApiError::internal)?,
                announced_by: r.try_get("", "announced_by")?,
            })
        })
        .collect()
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRate {
    pub kind: RateKind,
    pub effective_from: NaiveDate,
    /// Percent per year, e.g. "3.00" (at most four decimals).
    #[serde(deserialize_with = "gpmall_platform::percent::deserialize")]
    #[schema(value_type = String, pattern = r"^(100(\.0{1,4})?|[1-9]?[0-9](\.[0-9]{1,4})?)$")]
    pub percent: Decimal,
    pub announced_by: String,
}

/// Records a rate from a date (operator); a second entry for the same date replaces the first.
pub async fn record(
    ctx: &Ctx,
    actor: &Identity,
    input: NewRate,
) -> Result<ReferenceRate, ApiError> {
    actor.require_role(Role::Operator)?;
    if input.percent <= Decimal::ZERO || input.percent >= Decimal::ONE_HUNDRED {
        return Err(ApiError::invalid(Text::new("msg.rate.percent_range")));
    }
    if input.announced_by.trim().is_empty() {
        return Err(ApiError::invalid(Text::new("msg.rate.announced_by")));
    }
    // A rate is recorded when announced, in force from that day or shortly after.
    let field = Field::new("effective_from", "field.effective_from");
    dates::not_too_early(field, input.effective_from)?;
    let latest = ctx
        .clock
        .today()
        .checked_add_days(chrono::Days::new(31))
        .unwrap_or(NaiveDate::MAX);
    dates::not_after(field, input.effective_from, latest)?;
    let backend = ctx.db.get_database_backend();
    execute(
        &ctx.db,
        stmt(
            backend,
            "DELETE FROM reference_rates WHERE kind = ? AND effective_from = ?",
            [
                input.kind.as_str().into(),
                input.effective_from.to_string().into(),
            ],
        ),
    )
    .await?;
    execute(
        &ctx.db,
        stmt(
            backend,
            "INSERT INTO reference_rates (kind, effective_from, percent, announced_by) VALUES (?, ?, ?, ?)",
            [
                input.kind.as_str().into(),
                input.effective_from.to_string().into(),
                input.percent.normalize().to_string().into(),
                input.announced_by.trim().to_owned().into(),
            ],
        ),
    )
    .await?;
    gpmall_platform::audit::record(
        &ctx.db,
        gpmall_platform::audit::AuditEntry {
            actor: Some(actor),
            action: "reference_rate.recorded",
            subject_type: "reference_rate",
            subject_id: format!("{}:{}", input.kind.as_str(), input.effective_from),
            before: None,
            after: Some(serde_json::json!({"percent": input.percent.to_string()})),
        },
        ctx.clock.now(),
    )
    .await?;
    Ok(ReferenceRate {
        kind: input.kind,
        effective_from: input.effective_from,
        percent: input.percent,
        announced_by: input.announced_by,
    })
}
