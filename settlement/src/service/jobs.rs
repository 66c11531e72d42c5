//! The time-driven jobs, in the order they depend on each other: interest accrual, then the
//! payment warnings that quote the stored interest, contract publication and signing deadlines,
//! deposit refund deadlines, guarantee letter expiry. The service runs them every ten minutes;
//! moving a sandbox clock runs them at once, so the effect shows straight away. Every job is
//! idempotent, so instances running them at the same time only repeat work.

use gpmall_platform::{ApiError, Ctx};
use serde::Serialize;

use super::accrual::{self, AccrualSummary};
use super::guarantees::{self, GuaranteeScan};
use super::{contracts, deposits};

/// What one run of the jobs found.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct JobsReport {
    pub accrual: AccrualSummary,
    /// Open payment warnings (due within 5 days, or overdue).
    pub open_payment_warnings: usize,
    /// Contracts past their publication deadline.
    pub overdue_publications: usize,
    /// Awarded procedures whose contract is past its signing deadline.
    pub overdue_signings: usize,
    /// Open deposit warnings (refunds due or late).
    pub deposit_warnings: usize,
    pub guarantees: GuaranteeScan,
}

/// Runs every job against the context's clock.
pub async fn run_all(ctx: &Ctx) -> Result<JobsReport, ApiError> {
    gpmall_platform::sandbox::refresh(ctx).await?;
    Ok(JobsReport {
        accrual: accrual::accrue(&ctx.db, ctx.clock.today()).await?,
        open_payment_warnings: contracts::scan_payment_warnings(ctx).await?,
        overdue_publications: contracts::scan_publication_warnings(ctx).await?,
        overdue_signings: contracts::scan_signing_warnings(ctx).await?,
        deposit_warnings: deposits::scan_deposit_warnings(ctx).await?,
        guarantees: guarantees::scan_guarantee_warnings(ctx).await?,
    })
}
