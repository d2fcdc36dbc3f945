//! The admin pages: organisations with their units, and user accounts.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use trygg_core::accounts::UserInput;
use trygg_core::{Error, Trygg};
use trygg_domain::account::Role;
use trygg_domain::id::{OrganisationId, UnitId, UserId};
use trygg_domain::organisation::OrganisationKind;
use trygg_domain::policy::Action;
use trygg_store::{Organisation, Unit, User};

use super::FieldError;
use super::{FormData, PageResult, Shell, render, see_other};
use crate::AppState;
use crate::context::Ctx;

fn field_error(ctx: &Ctx, e: Error) -> Result<FieldError, Error> {
    match e {
        Error::Invalid(i) => Ok(FieldError {
            field: i.field,
            message: ctx.lang.error(i.code),
        }),
        Error::Conflict(code) => Ok(FieldError {
            field: match code {
                "email_taken" => "email",
                _ => "name",
            },
            message: ctx.lang.error(code),
        }),
        Error::Refused(code) => Ok(FieldError {
            field: "form",
            message: ctx.lang.error(code),
        }),
        other => Err(other),
    }
}

#[derive(serde::Deserialize, Default)]
pub struct Flash {
    saved: Option<String>,
}

// ---------------------------------------------------------------- organisations

pub struct OrgRow {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub is_home: bool,
}

#[derive(Template)]
#[template(path = "admin/organisations.html")]
struct OrganisationsPage {
    shell: Shell,
    organisations: Vec<OrgRow>,
    can_manage: bool,
    kinds: Vec<(&'static str, String)>,
    form_name: String,
    form_kind: String,
    error: Option<FieldError>,
}

async fn organisations_page(
    state: &AppState,
    ctx: &Ctx,
    form: (String, String),
    error: Option<FieldError>,
) -> PageResult {
    let orgs = state.trygg.organisations(&ctx.caller()).await?;
    let shell = Shell::new(ctx, ctx.lang.t("organisations-title"));
    let organisations = orgs
        .iter()
        .map(|o| OrgRow {
            id: o.id.0,
            name: o.name.clone(),
            kind: shell.kind(&o.kind),
            is_home: o.is_home,
        })
        .collect();
    let kinds = OrganisationKind::ALL
        .iter()
        .map(|k| (k.code(), shell.kind(k)))
        .collect();
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = OrganisationsPage {
        can_manage: ctx
            .actor
            .as_ref()
            .is_some_and(|a| a.allows(Action::ManageOrganisations)),
        shell,
        organisations,
        kinds,
        form_name: form.0,
        form_kind: form.1,
        error,
    };
    Ok((status, render(&page)).into_response())
}

pub async fn organisations(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    organisations_page(&state, &ctx, (String::new(), String::new()), None).await
}

pub async fn create_organisation(
    State(state): State<AppState>,
    ctx: Ctx,
    form: FormData,
) -> PageResult {
    let name = form.get("name").to_owned();
    let kind_code = form.get("kind").to_owned();
    let result = match OrganisationKind::parse(&kind_code) {
        Ok(kind) => {
            state
                .trygg
                .create_organisation(&ctx.caller(), &ctx.meta(), &name, kind, false)
                .await
        }
        Err(i) => Err(i.into()),
    };
    match result {
        Ok(id) => Ok(see_other(&format!("/admin/organisations/{id}?saved=1"))),
        Err(e) => {
            let fe = field_error(&ctx, e)?;
            organisations_page(&state, &ctx, (name, kind_code), Some(fe)).await
        }
    }
}

#[derive(Template)]
#[template(path = "admin/organisation.html")]
struct OrganisationPage {
    shell: Shell,
    organisation: Organisation,
    kind: String,
    units: Vec<Unit>,
    users: Vec<UserRow>,
    can_manage: bool,
    saved: bool,
    form_unit: String,
    error: Option<FieldError>,
}

async fn organisation_page(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    saved: bool,
    form_unit: String,
    error: Option<FieldError>,
) -> PageResult {
    let detail = state
        .trygg
        .organisation_detail(&ctx.caller(), OrganisationId(id))
        .await?;
    let shell = Shell::new(ctx, detail.organisation.name.clone());
    let units = detail.units.clone();
    let users = user_rows(
        &shell,
        &detail.users,
        std::slice::from_ref(&detail.organisation),
        &units,
    );
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = OrganisationPage {
        kind: shell.kind(&detail.organisation.kind),
        can_manage: ctx
            .actor
            .as_ref()
            .is_some_and(|a| a.allows(Action::ManageOrganisations)),
        shell,
        organisation: detail.organisation,
        units,
        users,
        saved,
        form_unit,
        error,
    };
    Ok((status, render(&page)).into_response())
}

pub async fn organisation(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(flash): Query<Flash>,
) -> PageResult {
    organisation_page(&state, &ctx, id, flash.saved.is_some(), String::new(), None).await
}

pub async fn create_unit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    form: FormData,
) -> PageResult {
    let name = form.get("name").to_owned();
    match state
        .trygg
        .create_unit(&ctx.caller(), &ctx.meta(), OrganisationId(id), &name)
        .await
    {
        Ok(_) => Ok(see_other(&format!("/admin/organisations/{id}?saved=1"))),
        Err(e) => {
            let fe = field_error(&ctx, e)?;
            organisation_page(&state, &ctx, id, false, name, Some(fe)).await
        }
    }
}

// ---------------------------------------------------------------- users

pub struct UserRow {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub organisation: String,
    pub unit: String,
    pub roles: String,
    pub disabled: bool,
}

fn user_rows(shell: &Shell, users: &[User], orgs: &[Organisation], units: &[Unit]) -> Vec<UserRow> {
    users
        .iter()
        .map(|u| UserRow {
            id: u.id.0,
            name: u.name.clone(),
            email: u.email.clone(),
            organisation: orgs
                .iter()
                .find(|o| o.id == u.organisation_id)
                .map(|o| o.name.clone())
                .unwrap_or_default(),
            unit: u
                .unit_id
                .and_then(|id| units.iter().find(|x| x.id == id))
                .map(|x| x.name.clone())
                .unwrap_or_default(),
            roles: u
                .roles
                .iter()
                .map(|r| shell.role(r))
                .collect::<Vec<_>>()
                .join(", "),
            disabled: u.disabled,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "admin/users.html")]
struct UsersPage {
    shell: Shell,
    users: Vec<UserRow>,
    can_manage: bool,
}

pub async fn users(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    let caller = ctx.caller();
    let users = state.trygg.users(&caller).await?;
    let orgs = state.trygg.organisations(&caller).await?;
    let units = state.trygg.all_units(&caller).await?;
    let shell = Shell::new(&ctx, ctx.lang.t("users-title"));
    let rows = user_rows(&shell, &users, &orgs, &units);
    Ok(render(&UsersPage {
        can_manage: ctx
            .actor
            .as_ref()
            .is_some_and(|a| a.allows(Action::ManageUsers)),
        shell,
        users: rows,
    }))
}

/// A choice in a select or checkbox group.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

pub struct UnitGroup {
    pub organisation: String,
    pub units: Vec<Choice>,
}

#[derive(Default)]
struct UserForm {
    name: String,
    email: String,
    organisation: String,
    unit: String,
    roles: Vec<String>,
}

#[derive(Template)]
#[template(path = "admin/new_user.html")]
struct NewUserPage {
    shell: Shell,
    name: String,
    email: String,
    organisations: Vec<Choice>,
    unit_groups: Vec<UnitGroup>,
    roles: Vec<Choice>,
    error: Option<FieldError>,
}

fn role_choices(shell: &Shell, selected: &[String]) -> Vec<Choice> {
    Role::ALL
        .iter()
        .map(|r| Choice {
            value: r.code().into(),
            label: shell.role(r),
            selected: selected.iter().any(|s| s == r.code()),
        })
        .collect()
}

async fn unit_groups(
    trygg: &Trygg,
    ctx: &Ctx,
    selected: &str,
) -> Result<(Vec<Organisation>, Vec<UnitGroup>), Error> {
    let caller = ctx.caller();
    let orgs = trygg.organisations(&caller).await?;
    let units = trygg.all_units(&caller).await?;
    let groups = orgs
        .iter()
        .map(|o| UnitGroup {
            organisation: o.name.clone(),
            units: units
                .iter()
                .filter(|u| u.organisation_id == o.id)
                .map(|u| Choice {
                    value: u.id.0.to_string(),
                    label: u.name.clone(),
                    selected: u.id.0.to_string() == selected,
                })
                .collect(),
        })
        .filter(|g| !g.units.is_empty())
        .collect();
    Ok((orgs, groups))
}

async fn new_user_page(
    state: &AppState,
    ctx: &Ctx,
    form: UserForm,
    error: Option<FieldError>,
) -> PageResult {
    let (orgs, unit_groups) = unit_groups(&state.trygg, ctx, &form.unit).await?;
    let shell = Shell::new(ctx, ctx.lang.t("new-user-title"));
    let organisations = orgs
        .iter()
        .map(|o| Choice {
            value: o.id.0.to_string(),
            label: o.name.clone(),
            selected: o.id.0.to_string() == form.organisation,
        })
        .collect();
    let roles = role_choices(&shell, &form.roles);
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = NewUserPage {
        shell,
        name: form.name,
        email: form.email,
        organisations,
        unit_groups,
        roles,
        error,
    };
    Ok((status, render(&page)).into_response())
}

pub async fn new_user(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    new_user_page(&state, &ctx, UserForm::default(), None).await
}

fn parse_roles(values: &[&str]) -> Result<Vec<Role>, Error> {
    values
        .iter()
        .map(|v| Role::parse(v).map_err(Error::from))
        .collect()
}

fn parse_id(field: &'static str, v: &str) -> Result<Option<i64>, Error> {
    if v.trim().is_empty() {
        return Ok(None);
    }
    v.trim()
        .parse()
        .map(Some)
        .map_err(|_| trygg_domain::Invalid::new(field, "invalid_choice").into())
}

pub async fn create_user(State(state): State<AppState>, ctx: Ctx, form: FormData) -> PageResult {
    let values = UserForm {
        name: form.get("name").into(),
        email: form.get("email").into(),
        organisation: form.get("organisation").into(),
        unit: form.get("unit").into(),
        roles: form.all("roles").into_iter().map(String::from).collect(),
    };
    let result = async {
        let organisation = parse_id("organisation", &values.organisation)?
            .ok_or(trygg_domain::Invalid::new("organisation", "required"))?;
        let unit = parse_id("unit", &values.unit)?;
        let roles = parse_roles(&form.all("roles"))?;
        let input = UserInput {
            email: values.email.clone(),
            name: values.name.clone(),
            organisation_id: OrganisationId(organisation),
            unit_id: unit.map(UnitId),
            roles,
            password: form.get("password").into(),
        };
        state
            .trygg
            .create_user(&ctx.caller(), &ctx.meta(), input)
            .await
    }
    .await;
    match result {
        Ok(id) => Ok(see_other(&format!("/admin/users/{id}?saved=1"))),
        Err(e) => {
            let fe = field_error(&ctx, e)?;
            new_user_page(&state, &ctx, values, Some(fe)).await
        }
    }
}

#[derive(Template)]
#[template(path = "admin/user.html")]
struct UserPage {
    shell: Shell,
    user: User,
    organisation: String,
    unit_groups: Vec<UnitGroup>,
    roles: Vec<Choice>,
    can_manage: bool,
    is_self: bool,
    saved: bool,
    new_password: Option<String>,
    error: Option<FieldError>,
}

async fn user_page(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    saved: bool,
    new_password: Option<String>,
    error: Option<FieldError>,
) -> PageResult {
    let user = state.trygg.user(&ctx.caller(), UserId(id)).await?;
    let selected_unit = user.unit_id.map(|u| u.0.to_string()).unwrap_or_default();
    let (orgs, mut unit_groups) = unit_groups(&state.trygg, ctx, &selected_unit).await?;
    let organisation = orgs
        .iter()
        .find(|o| o.id == user.organisation_id)
        .map(|o| o.name.clone())
        .unwrap_or_default();
    // A user's unit must be one of their own organisation's.
    unit_groups.retain(|g| g.organisation == organisation);
    let shell = Shell::new(ctx, user.name.clone());
    let codes: Vec<String> = user.roles.iter().map(|r| r.code().to_owned()).collect();
    let roles = role_choices(&shell, &codes);
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = UserPage {
        can_manage: ctx
            .actor
            .as_ref()
            .is_some_and(|a| a.allows(Action::ManageUsers)),
        is_self: ctx.actor.as_ref().is_some_and(|a| a.user.id.0 == id),
        shell,
        organisation,
        unit_groups,
        roles,
        user,
        saved,
        new_password,
        error,
    };
    Ok((status, render(&page)).into_response())
}

pub async fn user(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(flash): Query<Flash>,
) -> PageResult {
    user_page(&state, &ctx, id, flash.saved.is_some(), None, None).await
}

async fn after_change(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    result: Result<(), Error>,
) -> PageResult {
    match result {
        Ok(()) => Ok(see_other(&format!("/admin/users/{id}?saved=1"))),
        Err(e) => {
            let fe = field_error(ctx, e)?;
            user_page(state, ctx, id, false, None, Some(fe)).await
        }
    }
}

pub async fn set_roles(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    form: FormData,
) -> PageResult {
    let result = match parse_roles(&form.all("roles")) {
        Ok(roles) => {
            state
                .trygg
                .set_user_roles(&ctx.caller(), &ctx.meta(), UserId(id), roles)
                .await
        }
        Err(e) => Err(e),
    };
    after_change(&state, &ctx, id, result).await
}

pub async fn set_details(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    form: FormData,
) -> PageResult {
    let result = match parse_id("unit", form.get("unit")) {
        Ok(unit) => {
            state
                .trygg
                .set_user_details(
                    &ctx.caller(),
                    &ctx.meta(),
                    UserId(id),
                    form.get("name"),
                    unit.map(UnitId),
                )
                .await
        }
        Err(e) => Err(e),
    };
    after_change(&state, &ctx, id, result).await
}

pub async fn disable(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> PageResult {
    let result = state
        .trygg
        .set_user_disabled(&ctx.caller(), &ctx.meta(), UserId(id), true)
        .await;
    after_change(&state, &ctx, id, result).await
}

pub async fn enable(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> PageResult {
    let result = state
        .trygg
        .set_user_disabled(&ctx.caller(), &ctx.meta(), UserId(id), false)
        .await;
    after_change(&state, &ctx, id, result).await
}

/// Shows the new password once, on this response only; it is not stored anywhere.
pub async fn reset_password(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> PageResult {
    let password = state
        .trygg
        .reset_password(&ctx.caller(), &ctx.meta(), UserId(id))
        .await?;
    user_page(&state, &ctx, id, false, Some(password), None).await
}
