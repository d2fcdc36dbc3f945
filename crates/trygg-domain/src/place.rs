//! Places: named points (or small polygons) people refer to — a tunnel, a square, a
//! school yard, a station — with their other names, and the typed input that creates
//! them.
//!
//! Positions can be typed in either coordinate system a municipality meets: WGS84
//! latitude/longitude (phones, web maps) or SWEREF 99 TM northing/easting (the
//! municipal GIS). [`PlaceForm::parse`] reads the raw text of a form or request and
//! reports *every* problem at once, each naming its field, so a form can mark all of
//! them; numbers may use a decimal comma and spaces between digit groups, as Swedes
//! write them.

use serde::{Deserialize, Serialize};

use crate::Invalid;
use crate::geo::{Sweref99Tm, Wgs84};
use crate::organisation::Name;

/// At most this many other names per place.
pub const MAX_ALIASES: usize = 20;

/// What a place is: a short code of lower-case ASCII letters, digits and `_`, starting
/// with a letter (`station`, `school_yard`, `geonames_locality`). Not a closed list, so
/// imported files can bring their own; forms offer [`PlaceKind::SUGGESTED`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PlaceKind(String);

impl PlaceKind {
    /// The kinds offered in forms, in this order.
    pub const SUGGESTED: [&'static str; 11] = [
        "square",
        "station",
        "bus_stop",
        "tunnel",
        "park",
        "school_yard",
        "shopping_centre",
        "sports_ground",
        "parking",
        "residential_yard",
        "other",
    ];

    /// Field `kind`; codes `required` and `invalid_place_kind`.
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let s = s.trim();
        if s.is_empty() {
            return Err(Invalid::new("kind", "required"));
        }
        let ok = s.len() <= 40
            && s.starts_with(|c: char| c.is_ascii_lowercase())
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !ok {
            return Err(Invalid::new("kind", "invalid_place_kind"));
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for PlaceKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Other names of a place from a list: trimmed, empty ones dropped, duplicates (equal
/// after trimming) removed, at most [`MAX_ALIASES`] of at most 200 characters each.
/// Field `aliases`.
pub fn parse_aliases<S: AsRef<str>>(items: &[S]) -> Result<Vec<String>, Invalid> {
    let mut aliases: Vec<String> = Vec::new();
    for item in items {
        let alias = item.as_ref().trim();
        if alias.is_empty() || aliases.iter().any(|a| a == alias) {
            continue;
        }
        if alias.chars().count() > 200 {
            return Err(Invalid::new("aliases", "alias_too_long"));
        }
        if alias.chars().any(char::is_control) {
            return Err(Invalid::new("aliases", "control_characters"));
        }
        aliases.push(alias.to_owned());
    }
    if aliases.len() > MAX_ALIASES {
        return Err(Invalid::new("aliases", "too_many_aliases"));
    }
    Ok(aliases)
}

/// Other names typed into one text box: one per line, or separated by `;`.
pub fn parse_alias_text(text: &str) -> Result<Vec<String>, Invalid> {
    let items: Vec<&str> = text.split(['\n', ';']).collect();
    parse_aliases(&items)
}

/// The coordinate system a position is typed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum CoordinateSystem {
    /// Latitude and longitude in decimal degrees.
    #[default]
    Wgs84,
    /// SWEREF 99 TM northing (N) and easting (E) in metres.
    Sweref99tm,
}

impl CoordinateSystem {
    pub const fn code(self) -> &'static str {
        match self {
            Self::Wgs84 => "wgs84",
            Self::Sweref99tm => "sweref99tm",
        }
    }

    /// Field `crs`; code `unknown_coordinate_system`.
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        match s.trim() {
            "wgs84" => Ok(Self::Wgs84),
            "sweref99tm" => Ok(Self::Sweref99tm),
            _ => Err(Invalid::new("crs", "unknown_coordinate_system")),
        }
    }
}

/// Reads a number as typed: `58.41611`, `58,41611`, `6 475 208,6`, `+15.6`.
/// Field errors `required` and `not_a_number`.
pub fn parse_number(field: &'static str, text: &str) -> Result<f64, Invalid> {
    let cleaned: String = text
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}'))
        .map(|c| if c == ',' { '.' } else { c })
        .collect();
    if cleaned.is_empty() {
        return Err(Invalid::new(field, "required"));
    }
    // Only plain decimal notation: `inf`, `NaN` and `1e5` are not coordinates anyone types.
    let plain = cleaned
        .strip_prefix(['+', '-'])
        .unwrap_or(&cleaned)
        .chars()
        .all(|c| c.is_ascii_digit() || c == '.');
    match cleaned.parse::<f64>() {
        Ok(n) if plain && n.is_finite() => Ok(n),
        _ => Err(Invalid::new(field, "not_a_number")),
    }
}

/// A position typed as WGS84 latitude/longitude: each number checked (`lat`, `lon`),
/// then the pair must lie in (a generous box around) Sweden, else field `position` with
/// a code that says what the numbers look like instead.
pub fn parse_wgs84(lat: &str, lon: &str) -> Result<Wgs84, Vec<Invalid>> {
    let lat = parse_number("lat", lat).and_then(|v| {
        if (-90.0..=90.0).contains(&v) {
            Ok(v)
        } else {
            Err(Invalid::new("lat", "latitude_out_of_range"))
        }
    });
    let lon = parse_number("lon", lon).and_then(|v| {
        if (-180.0..=180.0).contains(&v) {
            Ok(v)
        } else {
            Err(Invalid::new("lon", "longitude_out_of_range"))
        }
    });
    let (lat, lon) = both(lat, lon)?;
    let point = Wgs84::new(lat, lon).map_err(|_| vec![Invalid::new("position", "not_a_number")])?;
    if point.plausible_in_sweden() {
        return Ok(point);
    }
    let code = if Sweref99Tm::new(lat, lon).is_ok_and(Sweref99Tm::plausible_in_sweden) {
        "position_looks_like_sweref"
    } else if Wgs84::new(lon, lat).is_ok_and(Wgs84::plausible_in_sweden) {
        "position_looks_swapped"
    } else {
        "position_outside_sweden"
    };
    Err(vec![Invalid::new("position", code)])
}

/// A position typed as SWEREF 99 TM northing/easting in metres (fields `n`, `e`),
/// converted to WGS84; refused like [`parse_wgs84`] when it cannot be in Sweden.
pub fn parse_sweref99tm(n: &str, e: &str) -> Result<Wgs84, Vec<Invalid>> {
    let (n, e) = both(parse_number("n", n), parse_number("e", e))?;
    let grid = Sweref99Tm::new(n, e).map_err(|_| vec![Invalid::new("position", "not_a_number")])?;
    if !grid.plausible_in_sweden() {
        let code = if Sweref99Tm::new(e, n).is_ok_and(Sweref99Tm::plausible_in_sweden) {
            "position_looks_swapped"
        } else if Wgs84::new(n, e).is_ok_and(Wgs84::plausible_in_sweden) {
            "position_looks_like_wgs84"
        } else {
            "position_outside_sweden"
        };
        return Err(vec![Invalid::new("position", code)]);
    }
    grid.to_wgs84()
        .map_err(|_| vec![Invalid::new("position", "position_outside_sweden")])
}

fn both(a: Result<f64, Invalid>, b: Result<f64, Invalid>) -> Result<(f64, f64), Vec<Invalid>> {
    match (a, b) {
        (Ok(a), Ok(b)) => Ok((a, b)),
        (a, b) => Err([a.err(), b.err()].into_iter().flatten().collect()),
    }
}

/// The raw text of a place form (or an API request turned into text).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlaceForm {
    pub name: String,
    pub kind: String,
    /// One alias per line, or separated by `;`.
    pub aliases: String,
    /// `wgs84` or `sweref99tm`: which pair of fields holds the position.
    pub crs: String,
    pub lat: String,
    pub lon: String,
    pub n: String,
    pub e: String,
}

/// A place as checked input: what the store needs, minus the areas it lies in.
#[derive(Debug, Clone, PartialEq)]
pub struct PlaceSpec {
    pub name: String,
    pub kind: PlaceKind,
    pub aliases: Vec<String>,
    pub point: Wgs84,
}

impl PlaceForm {
    /// Checks every field and returns all problems, in form order.
    pub fn parse(&self) -> Result<PlaceSpec, Vec<Invalid>> {
        let mut errors = Vec::new();
        let name = Name::parse("name", &self.name)
            .map_err(|e| errors.push(e))
            .ok();
        let kind = PlaceKind::parse(&self.kind)
            .map_err(|e| errors.push(e))
            .ok();
        let aliases = parse_alias_text(&self.aliases)
            .map_err(|e| errors.push(e))
            .ok();
        let point = match CoordinateSystem::parse(&self.crs) {
            Ok(CoordinateSystem::Wgs84) => parse_wgs84(&self.lat, &self.lon),
            Ok(CoordinateSystem::Sweref99tm) => parse_sweref99tm(&self.n, &self.e),
            Err(e) => Err(vec![e]),
        }
        .map_err(|e| errors.extend(e))
        .ok();
        match (name, kind, aliases, point) {
            (Some(name), Some(kind), Some(aliases), Some(point)) if errors.is_empty() => {
                Ok(PlaceSpec {
                    name: name.as_str().to_owned(),
                    kind,
                    aliases,
                    point,
                })
            }
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn form() -> PlaceForm {
        PlaceForm {
            name: " Resecentrum ".into(),
            kind: "station".into(),
            aliases: "Linköpings C; Centralstationen\nResecentrum".into(),
            crs: "wgs84".into(),
            lat: "58,41611".into(),
            lon: "15.62583".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_good_form_parses_with_swedish_decimal_commas() {
        let spec = form().parse().unwrap();
        assert_eq!(spec.name, "Resecentrum");
        assert_eq!(spec.kind.as_str(), "station");
        assert_eq!(
            spec.aliases,
            ["Linköpings C", "Centralstationen", "Resecentrum"]
        );
        assert_eq!(spec.point, Wgs84::new(58.41611, 15.62583).unwrap());
    }

    #[test]
    fn sweref_input_is_converted() {
        let grid = Wgs84::new(58.41611, 15.62583)
            .unwrap()
            .to_sweref99tm()
            .unwrap();
        let spec = PlaceForm {
            crs: "sweref99tm".into(),
            n: format!("{:.3}", grid.n()).replace('.', ","),
            e: format!("{:.3}", grid.e()),
            lat: String::new(),
            lon: String::new(),
            ..form()
        }
        .parse()
        .unwrap();
        assert!((spec.point.lat() - 58.41611).abs() < 1e-7);
        assert!((spec.point.lon() - 15.62583).abs() < 1e-7);
        // Spaces between digit groups, as in "6 475 208".
        assert!(parse_sweref99tm("6 475 208", "536 561").is_ok());
    }

    #[test]
    fn every_problem_is_reported_with_its_field() {
        let errors = PlaceForm {
            name: " ".into(),
            kind: "Station!".into(),
            crs: "wgs84".into(),
            lat: "abc".into(),
            lon: String::new(),
            ..Default::default()
        }
        .parse()
        .unwrap_err();
        assert_eq!(
            errors,
            [
                Invalid::new("name", "required"),
                Invalid::new("kind", "invalid_place_kind"),
                Invalid::new("lat", "not_a_number"),
                Invalid::new("lon", "required"),
            ]
        );
    }

    #[test]
    fn positions_outside_sweden_say_what_they_look_like() {
        let code = |r: Result<Wgs84, Vec<Invalid>>| r.unwrap_err()[0].code;
        assert_eq!(
            code(parse_wgs84("15.62583", "58.41611")),
            "position_looks_swapped"
        );
        assert_eq!(
            code(parse_wgs84("6475208", "536561")),
            "latitude_out_of_range"
        );
        assert_eq!(
            code(parse_wgs84("48.85", "2.35")),
            "position_outside_sweden"
        );
        assert_eq!(
            code(parse_sweref99tm("536561", "6475208")),
            "position_looks_swapped"
        );
        assert_eq!(
            code(parse_sweref99tm("58.41611", "15.62583")),
            "position_looks_like_wgs84"
        );
        assert_eq!(code(parse_wgs84("inf", "15")), "not_a_number");
        assert_eq!(code(parse_wgs84("1e1", "15")), "not_a_number");
    }

    #[test]
    fn kinds_and_aliases_are_bounded() {
        assert!(PlaceKind::parse("geonames_locality").is_ok());
        for bad in ["", "1abc", "Torg", "torg-yta", &"a".repeat(41)] {
            assert!(PlaceKind::parse(bad).is_err(), "{bad}");
        }
        for k in PlaceKind::SUGGESTED {
            assert!(PlaceKind::parse(k).is_ok());
        }
        let many: Vec<String> = (0..21).map(|i| format!("namn {i}")).collect();
        assert_eq!(
            parse_aliases(&many),
            Err(Invalid::new("aliases", "too_many_aliases"))
        );
        assert_eq!(parse_alias_text(" ; a;a ;\n").unwrap(), ["a"]);
    }
}
