//! The start page: who I am, my organisation, and what is waiting for me.

use askama::Template;

use super::{PageResult, Shell, render};
use crate::context::Ctx;

#[derive(Template)]
#[template(path = "start.html")]
struct StartPage {
    shell: Shell,
    name: String,
    email: String,
    organisation: String,
    unit: Option<String>,
    roles: Vec<String>,
    /// What waits for me among the measures (`None` without the right to read them).
    work: Option<super::measures::WorkSummary>,
}

pub async fn page(
    axum::extract::State(state): axum::extract::State<crate::AppState>,
    ctx: Ctx,
) -> PageResult {
    let actor = ctx.actor()?;
    let unit = state.trygg.own_unit(actor).await?.map(|u| u.name);
    let work = super::measures::work_summary(&state, &ctx).await?;
    let shell = Shell::new(&ctx, ctx.lang.t("start-title"));
    let roles = actor.user.roles.iter().map(|r| shell.role(r)).collect();
    Ok(render(&StartPage {
        name: actor.user.name.clone(),
        email: actor.user.email.clone(),
        organisation: actor.organisation.name.clone(),
        unit,
        roles,
        work,
        shell,
    }))
}
