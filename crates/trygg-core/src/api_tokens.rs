//! API tokens for integrations: created for one organisation with scopes, shown once,
//! stored as a hash, revocable; and the check of a presented token.
//!
//! A token acts for its organisation as [`Caller::Integration`]: its scopes say what
//! it asks for, the policy's integration ceiling what it can ever get, and
//! [`Caller::require`] stays the one place that decides. Managing tokens is
//! `ManageApiTokens` (the admin's: a token is an account for a machine).

use serde_json::json;
use trygg_domain::Invalid;
use trygg_domain::api_token::{self, ApiScopes, ApiTokenId};
use trygg_domain::id::OrganisationId;
use trygg_domain::incident::when::{Written, parse_time, stockholm};
use trygg_domain::policy::{Action, Grant};
use trygg_domain::time::Instant;
use trygg_store::Store;
use trygg_store::api_token::{ApiTokenRow, ApiTokenStore, NewApiToken};

use crate::actor::{Integration, draft};
use crate::secret::{random_token, token_hash};
use crate::{Caller, Error, RequestMeta, Result, Trygg};

/// A new token as typed in the form or at the command line.
#[derive(Debug, Clone, Default)]
pub struct TokenInput {
    /// The organisation's id.
    pub organisation: String,
    pub name: String,
    /// Scope codes separated by spaces or commas.
    pub scopes: String,
    /// The last day the token works (`YYYY-MM-DD`, Stockholm); empty for no end.
    pub expires: String,
}

/// A token just created: the only time the token itself is known.
#[derive(Debug, Clone)]
pub struct CreatedToken {
    pub token: String,
    pub row: ApiTokenRow,
}

/// The end of a last valid day: the start of the next one in Stockholm.
fn expiry(text: &str, now: Instant) -> Result<Option<Instant>> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    let bad = || Error::Invalid(Invalid::new("expires", "invalid_date"));
    let Ok(Written::Date(day)) = parse_time(text) else {
        return Err(bad());
    };
    let tz = stockholm().ok_or_else(bad)?;
    let end = day
        .tomorrow()
        .ok()
        .and_then(|d| d.to_zoned(tz.clone()).ok())
        .map(|z| Instant::from_timestamp(z.timestamp()))
        .ok_or_else(bad)?;
    if end <= now {
        return Err(Invalid::new("expires", "expiry_in_past").into());
    }
    Ok(Some(end))
}

impl Trygg {
    /// Creates a token for an organisation. The answer holds the token in clear: show it
    /// once; only its SHA-256 and first characters are kept.
    pub async fn create_api_token(
        &self,
        caller: &Caller,
        meta: &RequestMeta,
        input: TokenInput,
    ) -> Result<CreatedToken> {
        let grant = caller.require(Action::ManageApiTokens)?;
        let now = self.clock.now();
        let organisation = input
            .organisation
            .trim()
            .parse::<i64>()
            .map(OrganisationId)
            .map_err(|_| Invalid::new("organisation", "required"))?;
        let org = self
            .db
            .organisation(organisation)
            .await?
            .ok_or(Invalid::new("organisation", "unknown_organisation"))?;
        if grant < Grant::Any && caller.organisation_id() != Some(org.id) {
            return Err(Error::Forbidden);
        }
        let name = api_token::parse_name(&input.name)?;
        let scopes = ApiScopes::parse(&input.scopes)?;
        let expires_at = expiry(&input.expires, now)?;
        let token = format!("{}{}", api_token::TOKEN_PREFIX, random_token());
        let prefix: String = token.chars().take(api_token::SHOWN_CHARS).collect();
        let new = NewApiToken {
            organisation_id: org.id,
            name: name.clone(),
            scopes: scopes.codes(),
            token_hash: token_hash(&token),
            prefix: prefix.clone(),
            created_by: caller.user_id(),
            created_at: now,
            expires_at,
        };
        let audit = draft(
            caller,
            meta,
            now,
            "api_token_created",
            "api_token",
            None,
            json!({ "organisation": org.id.0, "name": name, "scopes": scopes.codes(), "prefix": prefix,
                    "expires_at": expires_at.map(|t| t.rfc3339()) }),
        );
        let id = self.db.create_api_token(&new, audit).await?;
        let row = self.db.api_token(id).await?.ok_or(Error::NotFound)?;
        Ok(CreatedToken { token, row })
    }

    /// The tokens the caller may manage, newest first.
    pub async fn api_tokens(&self, caller: &Caller) -> Result<Vec<ApiTokenRow>> {
        let grant = caller.require(Action::ManageApiTokens)?;
        let all = self.db.api_tokens().await?;
        Ok(if grant == Grant::Any {
            all
        } else {
            all.into_iter()
                .filter(|t| Some(t.organisation_id) == caller.organisation_id())
                .collect()
        })
    }

    /// Revokes a token at once: its next request is refused.
    pub async fn revoke_api_token(
        &self,
        caller: &Caller,
        meta: &RequestMeta,
        id: ApiTokenId,
    ) -> Result<()> {
        let grant = caller.require(Action::ManageApiTokens)?;
        let row = self.db.api_token(id).await?.ok_or(Error::NotFound)?;
        if grant < Grant::Any && caller.organisation_id() != Some(row.organisation_id) {
            return Err(Error::NotFound);
        }
        let now = self.clock.now();
        let audit = draft(
            caller,
            meta,
            now,
            "api_token_revoked",
            "api_token",
            Some(id.0.to_string()),
            json!({ "organisation": row.organisation_id.0, "name": row.name, "prefix": row.prefix }),
        );
        // Revoking twice is not an error: the token is revoked either way.
        self.db
            .revoke_api_token(id, caller.user_id(), now, audit)
            .await?;
        Ok(())
    }

    /// The integration a presented token stands for. Unknown, revoked and expired
    /// tokens are all `Unauthenticated`, alike, so a caller learns nothing from which.
    pub async fn authenticate_api_token(&self, token: &str) -> Result<Integration> {
        if !api_token::well_formed(token) {
            return Err(Error::Unauthenticated);
        }
        let now = self.clock.now();
        let row = self
            .db
            .api_token_by_hash(&token_hash(token))
            .await?
            .filter(|t| t.active(now))
            .ok_or(Error::Unauthenticated)?;
        // Stored scopes were checked when the token was made; a code this version no
        // longer knows makes the token unusable rather than wider.
        let scopes = ApiScopes::parse(&row.scopes).map_err(|_| Error::Unauthenticated)?;
        let organisation = self
            .db
            .organisation(row.organisation_id)
            .await?
            .ok_or(Error::Unauthenticated)?;
        self.db.touch_api_token(row.id, now).await?;
        Ok(Integration {
            token: row,
            scopes,
            organisation,
        })
    }
}
