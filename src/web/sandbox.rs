//! The sandbox clock's page (sandbox mode only): the simulated and the real time, and the
//! operator's forms to move the clock forward by days or to a date.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect};
use gpmall_platform::identity::Role;
use gpmall_platform::sandbox::{self, MoveClock, SandboxClockView};
use gpmall_platform::{ApiError, Ctx};
use serde::{Deserialize, Serialize};

use super::i18n::Tr;
use super::page::{Layout, Page, PageResult, WebForm, parse_int};
use super::settlement::parse_day;

/// The move as typed: a number of days, or a date.
#[derive(Deserialize, Serialize, Default, Clone)]
#[serde(default)]
pub struct MoveForm {
    csrf: String,
    pub advance_days: String,
    pub to: String,
}

impl MoveForm {
    fn parse(&self, tr: Tr) -> Result<MoveClock, ApiError> {
        if !self.to.trim().is_empty() {
            return Ok(MoveClock {
                advance_days: None,
                to: Some(parse_day(tr, "sandbox.to", &self.to)?),
            });
        }
        Ok(MoveClock {
            advance_days: Some(parse_int(tr, "sandbox.advance_days", &self.advance_days)?),
            to: None,
        })
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "sandbox.html")]
struct SandboxPage {
    tr: Tr,
    layout: Layout,
    clock: SandboxClockView,
    may_move: bool,
    form: MoveForm,
}

fn render(ctx: &Ctx, page: &Page, form: MoveForm) -> PageResult {
    let clock = sandbox::view(ctx).ok_or_else(|| page.fail(ApiError::not_found("route")))?;
    let may_move = page
        .user
        .as_ref()
        .is_some_and(|u| u.has_role(Role::Operator));
    let template = SandboxPage {
        tr: page.tr,
        layout: page.layout(),
        clock,
        may_move,
        form,
    };
    Ok((page.status(), template).into_response())
}

/// `GET /operator/sandbox`: the clock, and for the operator the forms to move it.
pub async fn page(State(ctx): State<Ctx>, page: Page) -> PageResult {
    page.user()?;
    let form = page.retained("move").unwrap_or_else(|| MoveForm {
        advance_days: "40".to_owned(),
        ..MoveForm::default()
    });
    render(&ctx, &page, form)
}

/// `POST /operator/sandbox`: moves the clock and runs the time-driven jobs against it.
pub async fn move_clock(
    State(ctx): State<Ctx>,
    page: Page,
    WebForm(form): WebForm<MoveForm>,
) -> PageResult {
    let user = page.submitter(&form.csrf)?;
    let outcome = match form.parse(page.tr) {
        Ok(input) => crate::sandbox::move_and_run(&ctx, user, input, None).await,
        Err(error) => Err(error),
    };
    match outcome {
        Ok(_) => Ok(Redirect::to("/operator/sandbox?done=sandbox_moved").into_response()),
        Err(error) if error.code == "FORBIDDEN" => Err(page.fail(error)),
        // Shown again on the clock's page, which reads the clock as it is now (another
        // instance may have moved it).
        Err(error) => {
            page.refused("/operator/sandbox", "move", &form, error)
                .await
        }
    }
}
