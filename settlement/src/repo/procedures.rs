//! Procedures as the contract scans read them.

use chrono::NaiveDate;
use gpmall_platform::ApiError;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::domain::deposits::ProcedureStatus;
use crate::entity::procedure;

/// A procedure whose award notice went out.
#[derive(Debug, Clone)]
pub struct AwardedProcedure {
    pub id: i64,
    pub procedure_no: String,
    pub purchaser_org_id: i64,
    pub winner_supplier_id: Option<i64>,
    pub award_notice_on: NaiveDate,
    pub status: ProcedureStatus,
}

/// Every procedure with an award notice, by id, whatever became of it since.
pub async fn with_award_notice<C: ConnectionTrait>(
    conn: &C,
) -> Result<Vec<AwardedProcedure>, ApiError> {
    procedure::Entity::find()
        .filter(procedure::Column::AwardNoticeOn.is_not_null())
        .order_by_asc(procedure::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(|p| {
            let status = ProcedureStatus::parse(&p.status).ok_or_else(|| {
                ApiError::internal(format!("unknown procedure status {:?}", p.status))
            })?;
            let award = p
                .award_notice_on
                .as_deref()
                .ok_or_else(|| ApiError::internal("an awarded procedure has no award date"))?;
            Ok(AwardedProcedure {
                id: p.id,
                purchaser_org_id: p.purchaser_org_id,
                winner_supplier_id: p.winner_supplier_id,
                award_notice_on: award.parse().map_err(ApiError::internal)?,
                status,
                procedure_no: p.procedure_no,
            })
        })
        .collect()
}
