//! The Linköping demo: the municipality, its partners and one user per role, and its
//! geography (see [`crate::geography::demo`]).

use trygg_domain::account::Role;
use trygg_domain::organisation::OrganisationKind;
use trygg_store::Store;

use crate::accounts::UserInput;
use crate::{Caller, RequestMeta, Result, Trygg, secret};

/// A demo login, printed once by `trygg demo`.
#[derive(Debug, Clone)]
pub struct DemoLogin {
    pub role: Role,
    pub email: String,
    pub password: String,
    pub name: String,
    pub organisation: String,
}

const HOME: &str = "Linköpings kommun";

const PARTNERS: &[(&str, OrganisationKind, &[&str])] = &[
    (
        HOME,
        OrganisationKind::Kommun,
        &[
            "Kommunledningsförvaltningen, Säkerhetsenheten",
            "Miljö- och samhällsbyggnadsförvaltningen",
            "Social- och omsorgsförvaltningen",
            "Utbildningsförvaltningen",
            "Kultur- och fritidsförvaltningen",
            "Leanlink Råd & Stöd, Fältverksamheten",
        ],
    ),
    (
        "Polisen, lokalpolisområde Linköping",
        OrganisationKind::Polis,
        &["Kommunpolisen"],
    ),
    (
        "AB Stångåstaden",
        OrganisationKind::Fastighetsagare,
        &["Område Skäggetorp", "Område Ryd", "Område Berga"],
    ),
    (
        "Östgöta Bevakning AB",
        OrganisationKind::Bevakningsforetag,
        &["Ordningsvakter", "Väktare"],
    ),
    (
        "Linköpings Park & Gata Drift AB",
        OrganisationKind::Entreprenor,
        &["Klottersanering", "Renhållning"],
    ),
    (
        "Räddningstjänsten Östra Götaland",
        OrganisationKind::Raddningstjanst,
        &["Förebyggande"],
    ),
];

/// (role, e-mail, name, organisation, unit)
const PEOPLE: &[(Role, &str, &str, &str, Option<&str>)] = &[
    (
        Role::Admin,
        "admin@linkoping.example",
        "Alva Admin",
        HOME,
        None,
    ),
    (
        Role::Samordnare,
        "samordnare@linkoping.example",
        "Sara Samordnare",
        HOME,
        Some("Kommunledningsförvaltningen, Säkerhetsenheten"),
    ),
    (
        Role::Analytiker,
        "analytiker@polisen.example",
        "Anders Analytiker",
        "Polisen, lokalpolisområde Linköping",
        Some("Kommunpolisen"),
    ),
    (
        Role::Rapportor,
        "rapportor@stangastaden.example",
        "Rut Rapportör",
        "AB Stångåstaden",
        Some("Område Skäggetorp"),
    ),
    (
        Role::Handlaggare,
        "handlaggare@linkoping.example",
        "Hassan Handläggare",
        HOME,
        Some("Miljö- och samhällsbyggnadsförvaltningen"),
    ),
    (
        Role::Lasare,
        "lasare@linkoping.example",
        "Lena Läsare",
        HOME,
        None,
    ),
];

impl Trygg {
    /// Fills an empty or freshly initialised database with the demo. Parts that exist
    /// already (by name or e-mail) are kept, so running it twice adds nothing twice;
    /// only newly created users get (and print) a password.
    pub async fn load_demo(&self) -> Result<Vec<DemoLogin>> {
        let caller = Caller::System;
        let meta = RequestMeta::cli();
        self.ensure_default_categories().await?;
        for (name, kind, units) in PARTNERS {
            let org = match self.db.organisation_by_name(name).await? {
                Some(o) => o.id,
                None => {
                    // The demo's municipality becomes the home organisation unless
                    // `trygg init` already named another one.
                    let home = *name == HOME && self.db.home_organisation().await?.is_none();
                    self.create_organisation(&caller, &meta, name, *kind, home)
                        .await?
                }
            };
            let existing = self.db.units(org).await?;
            for unit in *units {
                if !existing.iter().any(|u| u.name == *unit) {
                    self.create_unit(&caller, &meta, org, unit).await?;
                }
            }
        }
        let mut logins = Vec::new();
        for (role, email, name, org_name, unit_name) in PEOPLE {
            if self.db.user_by_email(email).await?.is_some() {
                continue;
            }
            let org = self
                .db
                .organisation_by_name(org_name)
                .await?
                .ok_or(crate::Error::NotFound)?;
            let unit = match unit_name {
                Some(u) => self
                    .db
                    .units(org.id)
                    .await?
                    .into_iter()
                    .find(|x| x.name == *u)
                    .map(|x| x.id),
                None => None,
            };
            let password = secret::random_password();
            self.create_user(
                &caller,
                &meta,
                UserInput {
                    email: (*email).into(),
                    name: (*name).into(),
                    organisation_id: org.id,
                    unit_id: unit,
                    roles: vec![*role],
                    password: password.clone(),
                },
            )
            .await?;
            logins.push(DemoLogin {
                role: *role,
                email: (*email).into(),
                password,
                name: (*name).into(),
                organisation: org.name,
            });
        }
        let geography = self.load_demo_geography().await?;
        for (kind, counts) in &geography.areas {
            tracing::info!(
                kind = kind.code(),
                created = counts.created,
                updated = counts.updated,
                unchanged = counts.unchanged,
                "demo areas"
            );
        }
        tracing::info!(
            created = geography.places.created,
            updated = geography.places.updated,
            unchanged = geography.places.unchanged,
            "demo places"
        );
        Ok(logins)
    }

    /// The demo's 18 months of EST reports and the police events sample, once (after
    /// [`Trygg::load_demo`]). Separate because tests want the organisations, people and
    /// places without thousands of incidents.
    pub async fn load_demo_reports(&self) -> Result<u64> {
        let incidents = self
            .load_demo_incidents(PARTNERS.iter().map(|(name, kind, _)| (*name, *kind)))
            .await?;
        tracing::info!(incidents, "demo incidents");
        let measures = self.load_demo_measures().await?;
        tracing::info!(measures, "demo measures");
        let plans = self.load_demo_plans().await?;
        tracing::info!(activities = plans, "demo agreement and plans");
        self.load_demo_walks().await?;
        let promise_reports = self.load_demo_promises().await?;
        tracing::info!(promise_reports, "demo promise reports");
        Ok(incidents)
    }
}
