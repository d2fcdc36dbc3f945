//! Organisations, units and user accounts: the directory the admin pages and the
//! `trygg init` / `trygg user` commands manage.

use serde_json::json;
use trygg_domain::account::{Email, NewPassword, Role};
use trygg_domain::id::{OrganisationId, UnitId, UserId};
use trygg_domain::organisation::{Name, OrganisationKind};
use trygg_domain::policy::Action;
use trygg_store::{NewOrganisation, NewUnit, NewUser, Organisation, Store, Unit, User, UserChange};

use crate::actor::draft;
use crate::{Caller, Error, RequestMeta, Result, Trygg, secret};

/// What an admin (or `trygg user add`) gives for a new account.
#[derive(Debug, Clone)]
pub struct UserInput {
    pub email: String,
    pub name: String,
    pub organisation_id: OrganisationId,
    pub unit_id: Option<UnitId>,
    pub roles: Vec<Role>,
    pub password: String,
}

/// An organisation with its units and people, for its page.
#[derive(Debug, Clone)]
pub struct OrganisationDetail {
    pub organisation: Organisation,
    pub units: Vec<Unit>,
    pub users: Vec<User>,
}

impl Trygg {
    /// `trygg init`: the home municipality and its first admin, once.
    pub async fn initialise(
        &self,
        org_name: &str,
        admin_email: &str,
        password: &str,
    ) -> Result<(OrganisationId, UserId)> {
        if self.db.home_organisation().await?.is_some() {
            return Err(Error::AlreadyInitialised);
        }
        let org = self
            .create_organisation(
                &Caller::System,
                &RequestMeta::cli(),
                org_name,
                OrganisationKind::Kommun,
                true,
            )
            .await?;
        let user = self
            .create_user(
                &Caller::System,
                &RequestMeta::cli(),
                UserInput {
                    email: admin_email.into(),
                    name: "Administratör".into(),
                    organisation_id: org,
                    unit_id: None,
                    roles: vec![Role::Admin],
                    password: password.into(),
                },
            )
            .await?;
        self.ensure_default_categories().await?;
        Ok((org, user))
    }

    pub async fn create_organisation(
        &self,
        caller: &Caller,
        meta: &RequestMeta,
        name: &str,
        kind: OrganisationKind,
        is_home: bool,
    ) -> Result<OrganisationId> {
        caller.require(Action::ManageOrganisations)?;
        let name = Name::parse("name", name)?;
        let now = self.clock.now();
        let audit = draft(
            caller,
            meta,
            now,
            "organisation_created",
            "organisation",
            None,
            json!({ "name": name.as_str(), "kind": kind.code(), "is_home": is_home }),
        );
        Ok(self
            .db
            .create_organisation(
                &NewOrganisation {
                    name: name.as_str().into(),
                    kind,
                    is_home,
                    at: now,
                },
                audit,
            )
            .await?)
    }

    pub async fn create_unit(
        &self,
        caller: &Caller,
        meta: &RequestMeta,
        organisation: OrganisationId,
        name: &str,
    ) -> Result<UnitId> {
        caller.require(Action::ManageOrganisations)?;
        let name = Name::parse("name", name)?;
        self.db
            .organisation(organisation)
            .await?
            .ok_or(Error::NotFound)?;
        let now = self.clock.now();
        let audit = draft(
            caller,
            meta,
            now,
            "unit_created",
            "unit",
            None,
            json!({ "organisation_id": organisation.0, "name": name.as_str() }),
        );
        Ok(self
            .db
            .create_unit(
                &NewUnit {
                    organisation_id: organisation,
                    name: name.as_str().into(),
                    at: now,
                },
                audit,
            )
            .await?)
    }

    pub async fn organisations(&self, caller: &Caller) -> Result<Vec<Organisation>> {
        caller.require(Action::ReadDirectory)?;
        Ok(self.db.organisations().await?)
    }

    pub async fn organisation_detail(
        &self,
        caller: &Caller,
        id: OrganisationId,
    ) -> Result<OrganisationDetail> {
        caller.require(Action::ReadDirectory)?;
        let organisation = self.db.organisation(id).await?.ok_or(Error::NotFound)?;
        let units = self.db.units(id).await?;
        let users = self
            .db
            .users()
            .await?
            .into_iter()
            .filter(|u| u.organisation_id == id)
            .collect();
        Ok(OrganisationDetail {
            organisation,
            units,
            users,
        })
    }

    pub async fn users(&self, caller: &Caller) -> Result<Vec<User>> {
        caller.require(Action::ReadDirectory)?;
        Ok(self.db.users().await?)
    }

    pub async fn user(&self, caller: &Caller, id: UserId) -> Result<User> {
        caller.require(Action::ReadDirectory)?;
        self.db.user(id).await?.ok_or(Error::NotFound)
    }

    /// The unit the signed-in user belongs to, for their own start page.
    pub async fn own_unit(&self, actor: &crate::Actor) -> Result<Option<Unit>> {
        match actor.user.unit_id {
            Some(u) => Ok(self.db.unit(u).await?),
            None => Ok(None),
        }
    }

    /// All units of all organisations, for choosing a user's unit.
    pub async fn all_units(&self, caller: &Caller) -> Result<Vec<Unit>> {
        caller.require(Action::ReadDirectory)?;
        let mut all = Vec::new();
        for org in self.db.organisations().await? {
            all.extend(self.db.units(org.id).await?);
        }
        Ok(all)
    }

    pub async fn create_user(
        &self,
        caller: &Caller,
        meta: &RequestMeta,
        input: UserInput,
    ) -> Result<UserId> {
        caller.require(Action::ManageUsers)?;
        let email = Email::parse(&input.email)?;
        let name = Name::parse("name", &input.name)?;
        if input.roles.is_empty() {
            return Err(trygg_domain::Invalid::new("roles", "required").into());
        }
        let password = NewPassword::parse(&input.password)?;
        self.db
            .organisation(input.organisation_id)
            .await?
            .ok_or(trygg_domain::Invalid::new(
                "organisation",
                "unknown_organisation",
            ))?;
        self.check_unit(input.unit_id, input.organisation_id)
            .await?;
        let hash = secret::hash_password(password.expose().to_owned()).await?;
        let now = self.clock.now();
        let mut roles = input.roles.clone();
        roles.sort();
        roles.dedup();
        let roles_codes: Vec<&str> = roles.iter().map(|r| r.code()).collect();
        let audit = draft(
            caller,
            meta,
            now,
            "user_created",
            "user",
            None,
            json!({ "email": email.as_str(), "organisation_id": input.organisation_id.0, "roles": roles_codes }),
        );
        let new = NewUser {
            organisation_id: input.organisation_id,
            unit_id: input.unit_id,
            email: email.as_str().into(),
            name: name.as_str().into(),
            password_hash: hash,
            roles,
            at: now,
        };
        Ok(self.db.create_user(&new, audit).await?)
    }

    async fn check_unit(&self, unit: Option<UnitId>, org: OrganisationId) -> Result<()> {
        if let Some(u) = unit {
            let unit = self
                .db
                .unit(u)
                .await?
                .ok_or(trygg_domain::Invalid::new("unit", "unknown_unit"))?;
            if unit.organisation_id != org {
                return Err(
                    trygg_domain::Invalid::new("unit", "unit_of_other_organisation").into(),
                );
            }
        }
        Ok(())
    }

    /// Disables or re-enables an account; disabling ends its sessions at once.
    pub async fn set_user_disabled(
        &self,
        caller: &Caller,
        meta: &RequestMeta,
        id: UserId,
        disabled: bool,
    ) -> Result<()> {
        caller.require(Action::ManageUsers)?;
        if disabled && caller.actor().is_some_and(|a| a.user.id == id) {
            return Err(Error::Refused("cannot_disable_self"));
        }
        let action = if disabled {
            "user_disabled"
        } else {
            "user_enabled"
        };
        let audit = draft(
            caller,
            meta,
            self.clock.now(),
            action,
            "user",
            Some(id.0.to_string()),
            json!({}),
        );
        let change = if disabled {
            UserChange::Disable
        } else {
            UserChange::Enable
        };
        Ok(self.db.change_user(id, &change, audit).await?)
    }

    /// `trygg user disable --email`.
    pub async fn disable_user_by_email(
        &self,
        caller: &Caller,
        meta: &RequestMeta,
        email: &str,
    ) -> Result<()> {
        let email = Email::parse(email)?;
        let user = self
            .db
            .user_by_email(email.as_str())
            .await?
            .ok_or(Error::NotFound)?;
        self.set_user_disabled(caller, meta, user.id, true).await
    }

    pub async fn set_user_roles(
        &self,
        caller: &Caller,
        meta: &RequestMeta,
        id: UserId,
        mut roles: Vec<Role>,
    ) -> Result<()> {
        caller.require(Action::ManageUsers)?;
        if roles.is_empty() {
            return Err(trygg_domain::Invalid::new("roles", "required").into());
        }
        // An admin removing their own admin role could leave nobody able to fix it.
        if caller.actor().is_some_and(|a| a.user.id == id) && !roles.contains(&Role::Admin) {
            return Err(Error::Refused("cannot_remove_own_admin"));
        }
        roles.sort();
        roles.dedup();
        let codes: Vec<&str> = roles.iter().map(|r| r.code()).collect();
        let audit = draft(
            caller,
            meta,
            self.clock.now(),
            "user_roles_changed",
            "user",
            Some(id.0.to_string()),
            json!({ "roles": codes }),
        );
        Ok(self
            .db
            .change_user(id, &UserChange::Roles(roles), audit)
            .await?)
    }

    pub async fn set_user_details(
        &self,
        caller: &Caller,
        meta: &RequestMeta,
        id: UserId,
        name: &str,
        unit: Option<UnitId>,
    ) -> Result<()> {
        caller.require(Action::ManageUsers)?;
        let name = Name::parse("name", name)?;
        let user = self.db.user(id).await?.ok_or(Error::NotFound)?;
        self.check_unit(unit, user.organisation_id).await?;
        let audit = draft(
            caller,
            meta,
            self.clock.now(),
            "user_changed",
            "user",
            Some(id.0.to_string()),
            json!({ "unit_id": unit.map(|u| u.0) }),
        );
        Ok(self
            .db
            .change_user(
                id,
                &UserChange::Details {
                    name: name.as_str().into(),
                    unit_id: unit,
                },
                audit,
            )
            .await?)
    }

    /// Sets a new random password, ends the user's sessions and returns the password so
    /// the admin can hand it over once; it is not stored or logged anywhere else.
    pub async fn reset_password(
        &self,
        caller: &Caller,
        meta: &RequestMeta,
        id: UserId,
    ) -> Result<String> {
        caller.require(Action::ManageUsers)?;
        let password = secret::random_password();
        let hash = secret::hash_password(password.clone()).await?;
        let audit = draft(
            caller,
            meta,
            self.clock.now(),
            "password_reset",
            "user",
            Some(id.0.to_string()),
            json!({}),
        );
        self.db
            .change_user(id, &UserChange::PasswordHash(hash), audit)
            .await?;
        Ok(password)
    }
}
