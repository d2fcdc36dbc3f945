//! `trygg token create|list|revoke`: organisations' API tokens at the command line,
//! for setting up an integration from a deployment script. The command line runs as
//! `System` (whoever runs it holds the database); every change is audited like the
//! admin page's.

use std::process::ExitCode;

use anyhow::{Result, bail};
use clap::Subcommand;
use trygg_core::api_tokens::TokenInput;
use trygg_core::{Caller, RequestMeta, Trygg};
use trygg_domain::api_token::ApiTokenId;
use trygg_store::Store;

use crate::describe;

#[derive(Subcommand)]
pub enum TokenCommand {
    /// Create a token; prints it once (only its hash is stored).
    Create {
        /// The organisation's name, exactly as stored.
        #[arg(long)]
        organisation: String,
        /// What the token is for, e.g. "Fastighetssystemet".
        #[arg(long)]
        name: String,
        /// Scopes, comma separated: incidents:read, incidents:write, incidents:export.
        #[arg(long)]
        scopes: String,
        /// The last day the token works (YYYY-MM-DD, Stockholm).
        #[arg(long)]
        expires: Option<String>,
    },
    /// List the tokens: id, organisation, name, prefix, scopes, last use, state.
    List,
    /// Revoke a token by its id (refused at once).
    Revoke {
        #[arg(long)]
        id: i64,
    },
}

pub async fn token(trygg: &Trygg, command: TokenCommand) -> Result<ExitCode> {
    let meta = RequestMeta::cli();
    match command {
        TokenCommand::Create {
            organisation,
            name,
            scopes,
            expires,
        } => {
            let Some(org) = trygg.db.organisation_by_name(&organisation).await? else {
                bail!("no organisation is called {organisation:?}");
            };
            let input = TokenInput {
                organisation: org.id.0.to_string(),
                name,
                scopes,
                expires: expires.unwrap_or_default(),
            };
            let created = trygg
                .create_api_token(&Caller::System, &meta, input)
                .await
                .map_err(|e| anyhow::anyhow!(describe(&e)))?;
            eprintln!(
                "token {} for {} ({}); shown this once, store it safely:",
                created.row.id, created.row.organisation_name, created.row.scopes
            );
            println!("{}", created.token);
        }
        TokenCommand::List => {
            let now = trygg.clock.now();
            for t in trygg
                .api_tokens(&Caller::System)
                .await
                .map_err(|e| anyhow::anyhow!(describe(&e)))?
            {
                let state = if t.revoked_at.is_some() {
                    "revoked"
                } else if t.active(now) {
                    "active"
                } else {
                    "expired"
                };
                println!(
                    "{}\t{}\t{}\t{}…\t{}\tlast used {}\t{state}",
                    t.id,
                    t.organisation_name,
                    t.name,
                    t.prefix,
                    t.scopes,
                    t.last_used_at.map_or("never".into(), |u| u.rfc3339()),
                );
            }
        }
        TokenCommand::Revoke { id } => {
            trygg
                .revoke_api_token(&Caller::System, &meta, ApiTokenId(id))
                .await
                .map_err(|e| anyhow::anyhow!(describe(&e)))?;
            println!("revoked token {id}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
