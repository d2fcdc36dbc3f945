//! The Linköping demo's geography: the municipality, its 32 RegSO areas, districts and
//! ordningsvakt permit areas built from them, and named places.
//!
//! The data files (with their attribution in `data/linkoping/README.md`) are compiled
//! into the binary, so `trygg demo` needs no files at run time. Loading is idempotent:
//! a second run finds every area and place unchanged and writes nothing.

use std::collections::HashMap;

use serde_json::json;
use trygg_domain::area::AreaKind;
use trygg_domain::geo::{
    AreaFeature, AreaImportOptions, PlaceImportOptions, fold, parse_areas, union,
};
use trygg_store::{AreaRef, ImportCounts};

use super::prepare_areas;
use crate::{Caller, Error, RequestMeta, Result, Trygg};

const KOMMUN: &str =
    include_str!("../../../../data/linkoping/linkoping_kommun_from_regso_wgs84.geojson");
const REGSO: &str = include_str!("../../../../data/linkoping/linkoping_regso_2025_wgs84.geojson");
const PLACES: &str =
    include_str!("../../../../data/linkoping/linkoping_named_places_wgs84.geojson");
const ALIASES: &str = include_str!("../../../../data/linkoping/linkoping_area_aliases.csv");

/// The districts (stadsdelar) the demo builds from RegSO areas, by their name in the
/// aliases file.
const DISTRICTS: &[&str] = &[
    "Skäggetorp",
    "Ryd",
    "Berga",
    "Lambohov",
    "Ekholmen",
    "Johannelund",
    "Innerstaden",
];

/// Ordningsvakt permit areas: (code, name, the everyday names whose RegSO areas
/// approximate it). Real permit areas are decided by the police and are smaller; the
/// names say that these are approximations.
const PERMIT_AREAS: &[(&str, &str, &[&str])] = &[
    (
        "ov-centrum",
        "Linköpings centrum (ungefärlig)",
        &["Innerstaden"],
    ),
    (
        "ov-skaggetorp",
        "Skäggetorp centrum (ungefärlig)",
        &["Skäggetorp"],
    ),
    ("ov-ryd", "Ryd centrum (ungefärlig)", &["Ryd"]),
    ("ov-berga", "Berga centrum (ungefärlig)", &["Berga"]),
];

/// What the demo's geography step did, per kind of thing.
#[derive(Debug, Clone, Default)]
pub struct DemoGeography {
    pub areas: Vec<(AreaKind, ImportCounts)>,
    pub places: ImportCounts,
}

/// One row of `linkoping_area_aliases.csv`: everyday name, RegSO code, RegSO name.
struct Alias<'a> {
    common_name: &'a str,
    regso_code: &'a str,
    regso_name: &'a str,
}

fn aliases() -> Vec<Alias<'static>> {
    ALIASES
        .lines()
        .skip(1)
        .filter_map(|line| {
            let mut fields = line.splitn(5, ',');
            Some(Alias {
                common_name: fields.next()?.trim(),
                regso_code: fields.next()?.trim(),
                regso_name: fields.next()?.trim(),
            })
        })
        .filter(|a| !a.common_name.is_empty())
        .collect()
}

fn data_error(what: &str, e: impl std::fmt::Display) -> Error {
    Error::Internal(format!("demo data {what}: {e}"))
}

/// An area made of the RegSO areas that the given everyday names stand for.
fn union_of(
    code: &str,
    name: &str,
    common_names: &[&str],
    aliases: &[Alias<'_>],
    regso: &HashMap<&str, &AreaFeature>,
) -> Result<DemoArea> {
    let mut codes: Vec<&str> = aliases
        .iter()
        .filter(|a| common_names.contains(&a.common_name))
        .map(|a| a.regso_code)
        .collect();
    codes.sort_unstable();
    codes.dedup();
    if codes.is_empty() {
        return Err(data_error("aliases", format!("no RegSO area for {name}")));
    }
    let parts = codes
        .iter()
        .map(|c| {
            regso
                .get(c)
                .map(|f| &f.geometry)
                .ok_or_else(|| data_error("aliases", format!("unknown RegSO code {c}")))
        })
        .collect::<Result<Vec<_>>>()?;
    let feature = AreaFeature {
        code: code.to_owned(),
        name: name.to_owned(),
        geometry: union(parts),
    };
    let members = codes
        .iter()
        .map(|c| AreaRef {
            kind: AreaKind::Regso,
            code: (*c).to_owned(),
        })
        .collect();
    Ok((feature, members))
}

/// An area of the demo and the areas (by kind and code) it is the union of.
pub type DemoArea = (AreaFeature, Vec<AreaRef>);

/// The demo's areas, by kind, each with the areas it is the union of: the municipality,
/// the 32 RegSO areas, 7 districts and 4 ordningsvakt permit areas. Pure (no database),
/// so the locate benchmark can use exactly these areas.
pub fn demo_areas() -> Result<Vec<(AreaKind, Vec<DemoArea>)>> {
    let mut kommun = parse_areas(KOMMUN, &AreaImportOptions::new("kommunkod", "kommunnamn"))
        .map_err(|e| data_error("kommun", e))?;
    for k in &mut kommun {
        k.name = format!("{}s kommun", k.name);
    }
    let regso = parse_areas(REGSO, &AreaImportOptions::new("regsokod", "regsonamn"))
        .map_err(|e| data_error("regso", e))?;
    let by_code: HashMap<&str, &AreaFeature> = regso.iter().map(|f| (f.code.as_str(), f)).collect();
    let aliases = aliases();

    let mut districts = Vec::new();
    for name in DISTRICTS {
        districts.push(union_of(&fold(name), name, &[name], &aliases, &by_code)?);
    }
    let mut permit_areas = Vec::new();
    for (code, name, parts) in PERMIT_AREAS {
        permit_areas.push(union_of(code, name, parts, &aliases, &by_code)?);
    }
    let plain = |features: Vec<AreaFeature>| -> Vec<DemoArea> {
        features.into_iter().map(|f| (f, Vec::new())).collect()
    };
    Ok(vec![
        (AreaKind::Kommun, plain(kommun)),
        (AreaKind::Regso, plain(regso.clone())),
        (AreaKind::District, districts),
        (AreaKind::PermitArea, permit_areas),
    ])
}

impl Trygg {
    /// Loads (or confirms) the demo's areas and places.
    pub async fn load_demo_geography(&self) -> Result<DemoGeography> {
        let caller = Caller::System;
        let meta = RequestMeta::cli();
        let mut result = DemoGeography::default();
        for (kind, features) in demo_areas()? {
            let members: HashMap<String, Vec<AreaRef>> = features
                .iter()
                .map(|(f, m)| (f.code.clone(), m.clone()))
                .collect();
            let features: Vec<AreaFeature> = features.into_iter().map(|(f, _)| f).collect();
            let areas = prepare_areas(
                &features,
                |f| members.get(&f.code).cloned().unwrap_or_default(),
                |_, _| {},
            )?;
            let detail = json!({ "kind": kind.code(), "features": areas.len(), "source": "demo" });
            let counts = self
                .write_areas(&caller, &meta, kind, areas, detail)
                .await?;
            result.areas.push((kind, counts));
        }

        let aliases = aliases();
        // Everyday names of a RegSO area become aliases of its named point, so that a
        // search for "Tornby" finds "Skäggetorp-Tornby".
        let extra = |name: &str| -> Vec<String> {
            aliases
                .iter()
                .filter(|a| a.regso_name == name && a.common_name != name)
                .map(|a| a.common_name.to_owned())
                .collect()
        };
        result.places = self
            .import_places(
                &caller,
                &meta,
                PLACES,
                &PlaceImportOptions::new("name", "kind"),
                extra,
            )
            .await?;
        Ok(result)
    }
}
