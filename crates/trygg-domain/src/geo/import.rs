//! Reading area and place files (GeoJSON) into checked domain values.
//!
//! Municipalities receive boundary files from SCB, Lantmäteriet and their own GIS
//! department, in WGS84 or SWEREF 99 TM, with or without the legacy `crs` member, now and
//! then with the axes swapped or the wrong CRS assumed. A wrong file imported silently
//! puts every incident in the wrong area for years, so the import refuses anything
//! doubtful, saying which feature and why, and is all-or-nothing: either every feature is
//! returned or the first problem is.
//!
//! The CRS of a file is taken from its legacy `crs` member if present, else from the
//! caller's override (the CLI's `--crs`), else WGS84 as RFC 7946 prescribes; a member and
//! an override that disagree are refused rather than guessed between. Whatever the input
//! CRS, the result is in WGS84 with x = longitude, y = latitude.
//!
//! The JSON is walked by hand (as `serde_json::Value`) rather than deserialised into
//! `geojson` types, so that every refusal can name the feature and the ring it is about.

use std::collections::HashMap;

use ::geo::{Coord, LineString, MultiPolygon, Polygon};
use serde_json::{Map, Value};

use super::{CoordinateHint, Crs, CrsSource, GeoError, Wgs84};

/// How to read an area file: which properties hold the code and the name, and
/// optionally the CRS when the file does not say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AreaImportOptions<'a> {
    /// The property holding each area's code, e.g. `regsokod`. Codes must be unique in
    /// the file.
    pub code_property: &'a str,
    /// The property holding each area's name, e.g. `regsonamn`.
    pub name_property: &'a str,
    /// The CRS of the coordinates when the file has no `crs` member; if it has one, it
    /// must agree.
    pub crs: Option<Crs>,
}

impl<'a> AreaImportOptions<'a> {
    /// Options reading code and name from the given properties, CRS from the file or
    /// WGS84.
    pub fn new(code_property: &'a str, name_property: &'a str) -> Self {
        Self {
            code_property,
            name_property,
            crs: None,
        }
    }

    /// The same options with a CRS override.
    pub fn with_crs(self, crs: Crs) -> Self {
        Self {
            crs: Some(crs),
            ..self
        }
    }
}

/// One area read from a file.
#[derive(Debug, Clone, PartialEq)]
pub struct AreaFeature {
    /// The area's code, trimmed and non-empty (numbers in the file become their decimal
    /// text).
    pub code: String,
    /// The area's name, trimmed and non-empty.
    pub name: String,
    /// The area in WGS84, x = longitude, y = latitude. Rings are closed and have at
    /// least four positions; their orientation is kept as in the file.
    pub geometry: MultiPolygon<f64>,
}

/// How to read a place file (points): which properties hold the name, the kind and
/// optionally aliases, and optionally the CRS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlaceImportOptions<'a> {
    /// The property holding each place's name.
    pub name_property: &'a str,
    /// The property holding each place's kind, e.g. `poi_station`.
    pub kind_property: &'a str,
    /// The property holding other names of the place: a JSON array of strings, or one
    /// string with the aliases separated by `;`. Features without it have no aliases.
    pub aliases_property: Option<&'a str>,
    /// The CRS of the coordinates when the file has no `crs` member; if it has one, it
    /// must agree.
    pub crs: Option<Crs>,
}

impl<'a> PlaceImportOptions<'a> {
    /// Options reading name and kind from the given properties, no aliases, CRS from the
    /// file or WGS84.
    pub fn new(name_property: &'a str, kind_property: &'a str) -> Self {
        Self {
            name_property,
            kind_property,
            aliases_property: None,
            crs: None,
        }
    }

    /// The same options reading aliases from the given property.
    pub fn with_aliases(self, aliases_property: &'a str) -> Self {
        Self {
            aliases_property: Some(aliases_property),
            ..self
        }
    }

    /// The same options with a CRS override.
    pub fn with_crs(self, crs: Crs) -> Self {
        Self {
            crs: Some(crs),
            ..self
        }
    }
}

/// One named point read from a place file.
#[derive(Debug, Clone, PartialEq)]
pub struct PlaceFeature {
    /// The place's name, trimmed and non-empty.
    pub name: String,
    /// The place's kind, trimmed and non-empty.
    pub kind: String,
    /// Other names, trimmed, without empty ones and duplicates, in file order.
    pub aliases: Vec<String>,
    /// Where it is.
    pub point: Wgs84,
}

/// Reads a GeoJSON FeatureCollection (or a single Feature) of Polygon and MultiPolygon
/// features into areas.
///
/// Refuses, with the 0-based feature index: positions that cannot be in Sweden in the
/// file's CRS (suggesting the other CRS or swapped axes when the numbers fit those),
/// unclosed rings, rings with fewer than 4 positions, non-finite numbers, other geometry
/// types, missing or empty code or name, and a code used twice. Also refuses invalid
/// JSON, an empty collection and a `crs` member that disagrees with `options.crs`.
pub fn parse_areas(
    text: &str,
    options: &AreaImportOptions<'_>,
) -> Result<Vec<AreaFeature>, GeoError> {
    let root = parse_json(text)?;
    let (features, crs) = read_root(&root, options.crs)?;
    let mut areas = Vec::with_capacity(features.len());
    let mut first_use: HashMap<String, usize> = HashMap::with_capacity(features.len());
    for (index, feature) in features.iter().enumerate() {
        let feature = feature_object(index, feature)?;
        let code = text_property(index, feature, options.code_property)?;
        let name = text_property(index, feature, options.name_property)?;
        let geometry = area_geometry(index, feature, crs)?;
        if let Some(&first_feature) = first_use.get(&code) {
            return Err(GeoError::DuplicateCode {
                feature: index,
                first_feature,
                code,
            });
        }
        first_use.insert(code.clone(), index);
        areas.push(AreaFeature {
            code,
            name,
            geometry,
        });
    }
    Ok(areas)
}

/// Reads a GeoJSON FeatureCollection (or a single Feature) of Point features into named
/// places.
///
/// Refuses like [`parse_areas`]: positions that cannot be in Sweden, non-finite
/// numbers, geometry types other than Point, missing or empty name or kind, aliases that
/// are not text. Unlike area codes, names may repeat (two villages called Berg).
pub fn parse_places(
    text: &str,
    options: &PlaceImportOptions<'_>,
) -> Result<Vec<PlaceFeature>, GeoError> {
    let root = parse_json(text)?;
    let (features, crs) = read_root(&root, options.crs)?;
    let mut places = Vec::with_capacity(features.len());
    for (index, feature) in features.iter().enumerate() {
        let feature = feature_object(index, feature)?;
        let name = text_property(index, feature, options.name_property)?;
        let kind = text_property(index, feature, options.kind_property)?;
        let aliases = match options.aliases_property {
            Some(property) => aliases(index, feature, property)?,
            None => Vec::new(),
        };
        let point = place_point(index, feature, crs)?;
        places.push(PlaceFeature {
            name,
            kind,
            aliases,
            point,
        });
    }
    Ok(places)
}

/// The CRS an import reads its coordinates in, and why.
#[derive(Debug, Clone, Copy)]
struct ResolvedCrs {
    crs: Crs,
    source: CrsSource,
}

fn parse_json(text: &str) -> Result<Value, GeoError> {
    // Windows tools (and Excel-adjacent workflows) often start UTF-8 files with a byte
    // order mark, which JSON does not allow but which carries no meaning.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    serde_json::from_str(text).map_err(|err| {
        let (line, column) = (err.line(), err.column());
        let message = err.to_string();
        // serde_json appends the position; we report it in fields of our own.
        let message = match message.rfind(" at line ") {
            Some(at) => message[..at].to_owned(),
            None => message,
        };
        let reason = if looks_like_non_finite(text, line, column) {
            format!(
                "{message}: NaN and Infinity are not JSON numbers (Python's json.dump writes \
                 them for missing values); fix the coordinates at the source"
            )
        } else if message.contains("number out of range") {
            format!("{message}: coordinates must be ordinary finite numbers")
        } else {
            message
        };
        GeoError::InvalidJson {
            line,
            column,
            reason,
        }
    })
}

/// Whether the JSON error at (line, column) sits on a NaN or Infinity literal.
fn looks_like_non_finite(text: &str, line: usize, column: usize) -> bool {
    let Some(line_text) = text.lines().nth(line.saturating_sub(1)) else {
        return false;
    };
    // serde_json's column points at or just after the offending character; look at a
    // few bytes around it (`get` keeps us on character boundaries).
    (column.saturating_sub(3)..=column).any(|start| {
        line_text.get(start..).is_some_and(|rest| {
            ["NaN", "Infinity", "-Infinity", "nan", "inf"]
                .iter()
                .any(|literal| rest.starts_with(literal))
        })
    })
}

/// The features of a FeatureCollection (or the one Feature) and the CRS to read them in.
fn read_root(root: &Value, requested: Option<Crs>) -> Result<(Vec<&Value>, ResolvedCrs), GeoError> {
    let not_collection = |reason: String| GeoError::NotFeatureCollection { reason };
    let object = root
        .as_object()
        .ok_or_else(|| not_collection(format!("the top level is {}", json_kind(root))))?;
    let features: Vec<&Value> = match object.get("type").and_then(Value::as_str) {
        Some("FeatureCollection") => object
            .get("features")
            .and_then(Value::as_array)
            .ok_or_else(|| not_collection("its \"features\" member is not an array".to_owned()))?
            .iter()
            .collect(),
        Some("Feature") => vec![root],
        Some(other) => {
            return Err(not_collection(format!(
                "the top-level type is {other:?}; wrap geometries in Features that carry the \
                 properties"
            )));
        }
        None => return Err(not_collection("the top level has no \"type\"".to_owned())),
    };
    let in_file = crs_member(object)?;
    let crs = match (in_file, requested) {
        (Some(in_file), Some(requested)) if in_file != requested => {
            return Err(GeoError::ConflictingCrs { in_file, requested });
        }
        (Some(crs), _) => ResolvedCrs {
            crs,
            source: CrsSource::FileMember,
        },
        (None, Some(crs)) => ResolvedCrs {
            crs,
            source: CrsSource::Requested,
        },
        (None, None) => ResolvedCrs {
            crs: Crs::Wgs84,
            source: CrsSource::Default,
        },
    };
    if features.is_empty() {
        return Err(GeoError::NoFeatures);
    }
    Ok((features, crs))
}

/// Reads the legacy `crs` member: the GeoJSON 2008 form
/// `{"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3006"}}`, or the
/// older `{"type": "EPSG", "properties": {"code": 3006}}` some tools still write.
fn crs_member(object: &Map<String, Value>) -> Result<Option<Crs>, GeoError> {
    let invalid = |reason: &str| GeoError::InvalidCrsMember {
        reason: reason.to_owned(),
    };
    let member = match object.get("crs") {
        None | Some(Value::Null) => return Ok(None),
        Some(member) => member,
    };
    let property = |name| member.get("properties").and_then(|p| p.get(name));
    match member.get("type").and_then(Value::as_str) {
        Some("name") => {
            let name = property("name")
                .and_then(Value::as_str)
                .ok_or_else(|| invalid("it has no properties.name"))?;
            Crs::parse(name).map(Some)
        }
        Some("EPSG") => {
            let code = property("code")
                .and_then(property_text)
                .flatten()
                .ok_or_else(|| invalid("it has no properties.code"))?;
            Crs::parse(&format!("EPSG:{code}")).map(Some)
        }
        _ => Err(invalid(
            "only the form {\"type\": \"name\", \"properties\": {\"name\": …}} is supported",
        )),
    }
}

fn feature_object(index: usize, feature: &Value) -> Result<&Map<String, Value>, GeoError> {
    let malformed = |reason: String| GeoError::MalformedFeature {
        feature: index,
        reason,
    };
    let object = feature
        .as_object()
        .ok_or_else(|| malformed(format!("is {}, not a Feature object", json_kind(feature))))?;
    match object.get("type").and_then(Value::as_str) {
        Some("Feature") => Ok(object),
        Some(other) => Err(malformed(format!("has type {other:?}, not \"Feature\""))),
        None => Err(malformed("has no \"type\"".to_owned())),
    }
}

/// A required text property: strings are trimmed, numbers become their decimal text.
fn text_property(
    index: usize,
    feature: &Map<String, Value>,
    property: &str,
) -> Result<String, GeoError> {
    let missing = || GeoError::MissingProperty {
        feature: index,
        property: property.to_owned(),
    };
    let value = feature
        .get("properties")
        .and_then(|properties| properties.get(property))
        .ok_or_else(missing)?;
    let text = property_text(value).ok_or_else(|| GeoError::InvalidProperty {
        feature: index,
        property: property.to_owned(),
    })?;
    match text {
        Some(text) if !text.is_empty() => Ok(text),
        _ => Err(missing()),
    }
}

/// `Some(Some(text))` for strings and numbers, `Some(None)` for null, `None` for other
/// JSON types.
fn property_text(value: &Value) -> Option<Option<String>> {
    match value {
        Value::Null => Some(None),
        Value::String(text) => Some(Some(text.trim().to_owned())),
        Value::Number(number) => Some(Some(number.to_string())),
        Value::Bool(_) | Value::Array(_) | Value::Object(_) => None,
    }
}

fn aliases(
    index: usize,
    feature: &Map<String, Value>,
    property: &str,
) -> Result<Vec<String>, GeoError> {
    let invalid = || GeoError::InvalidProperty {
        feature: index,
        property: property.to_owned(),
    };
    let raw: Vec<String> = match feature
        .get("properties")
        .and_then(|properties| properties.get(property))
    {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(text)) => text.split(';').map(str::to_owned).collect(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| property_text(item).flatten().ok_or_else(invalid))
            .collect::<Result<_, _>>()?,
        Some(Value::Number(number)) => vec![number.to_string()],
        Some(_) => return Err(invalid()),
    };
    let mut aliases: Vec<String> = Vec::with_capacity(raw.len());
    for alias in raw {
        let alias = alias.trim();
        if !alias.is_empty() && !aliases.iter().any(|seen| seen == alias) {
            aliases.push(alias.to_owned());
        }
    }
    Ok(aliases)
}

/// The geometry object of a feature and its type name.
fn geometry(index: usize, feature: &Map<String, Value>) -> Result<(&str, &Value), GeoError> {
    let geometry = match feature.get("geometry") {
        None | Some(Value::Null) => return Err(GeoError::MissingGeometry { feature: index }),
        Some(geometry) => geometry,
    };
    let kind = geometry
        .get("type")
        .and_then(Value::as_str)
        .ok_or_else(|| GeoError::MalformedFeature {
            feature: index,
            reason: "its geometry has no \"type\"".to_owned(),
        })?;
    Ok((kind, geometry))
}

/// The `coordinates` member of a geometry whose type has been accepted.
fn coordinates<'v>(index: usize, kind: &str, geometry: &'v Value) -> Result<&'v Value, GeoError> {
    geometry
        .get("coordinates")
        .ok_or_else(|| GeoError::MalformedCoordinates {
            feature: index,
            reason: format!("the {kind} has no \"coordinates\""),
        })
}

/// Raw `[x, y]` positions of one polygon: rings, exterior first.
type RawPolygon = Vec<Vec<[f64; 2]>>;

fn area_geometry(
    index: usize,
    feature: &Map<String, Value>,
    crs: ResolvedCrs,
) -> Result<MultiPolygon<f64>, GeoError> {
    let (kind, geometry) = geometry(index, feature)?;
    polygons_of(index, kind, geometry, crs)
}

/// Reads one GeoJSON Polygon or MultiPolygon geometry object in WGS84 (as stored in the
/// database or sent to the API) with the same checks as [`parse_areas`]; errors name
/// feature 0.
pub fn parse_area_geometry(geometry: &Value) -> Result<MultiPolygon<f64>, GeoError> {
    let kind = geometry
        .get("type")
        .and_then(Value::as_str)
        .ok_or_else(|| GeoError::MalformedFeature {
            feature: 0,
            reason: "the geometry has no \"type\"".to_owned(),
        })?;
    let crs = ResolvedCrs {
        crs: Crs::Wgs84,
        source: CrsSource::Default,
    };
    polygons_of(0, kind, geometry, crs)
}

fn polygons_of(
    index: usize,
    kind: &str,
    geometry: &Value,
    crs: ResolvedCrs,
) -> Result<MultiPolygon<f64>, GeoError> {
    const EXPECTED: &str = "Polygon or MultiPolygon";
    let raw: Vec<RawPolygon> = match kind {
        "Polygon" => vec![raw_polygon(index, 0, coordinates(index, kind, geometry)?)?],
        "MultiPolygon" => array(
            index,
            coordinates(index, kind, geometry)?,
            "the MultiPolygon's coordinates",
        )?
        .iter()
        .enumerate()
        .map(|(p, polygon)| raw_polygon(index, p, polygon))
        .collect::<Result<_, _>>()?,
        other => {
            return Err(GeoError::UnsupportedGeometry {
                feature: index,
                found: other.to_owned(),
                expected: EXPECTED,
            });
        }
    };
    if raw.is_empty() || raw.iter().any(Vec::is_empty) {
        return Err(GeoError::EmptyGeometry { feature: index });
    }
    for (p, polygon) in raw.iter().enumerate() {
        for (r, ring) in polygon.iter().enumerate() {
            if ring.len() < 4 {
                return Err(GeoError::RingTooShort {
                    feature: index,
                    polygon: p,
                    ring: r,
                    positions: ring.len(),
                });
            }
            if ring.first() != ring.last() {
                return Err(GeoError::UnclosedRing {
                    feature: index,
                    polygon: p,
                    ring: r,
                });
            }
        }
    }
    let all_positions = || raw.iter().flatten().flatten().copied();
    let mut polygons = Vec::with_capacity(raw.len());
    for polygon in &raw {
        let mut rings = Vec::with_capacity(polygon.len());
        for ring in polygon {
            let coords = ring
                .iter()
                .map(|&position| to_wgs84(index, position, crs, all_positions).map(Wgs84::to_coord))
                .collect::<Result<Vec<Coord<f64>>, _>>()?;
            rings.push(LineString::new(coords));
        }
        let mut rings = rings.into_iter();
        let exterior = rings.next().unwrap_or_else(|| LineString::new(Vec::new()));
        polygons.push(Polygon::new(exterior, rings.collect()));
    }
    Ok(MultiPolygon::new(polygons))
}

fn place_point(
    index: usize,
    feature: &Map<String, Value>,
    crs: ResolvedCrs,
) -> Result<Wgs84, GeoError> {
    let (kind, geometry) = geometry(index, feature)?;
    if kind != "Point" {
        return Err(GeoError::UnsupportedGeometry {
            feature: index,
            found: kind.to_owned(),
            expected: "Point",
        });
    }
    let position = raw_position(
        index,
        coordinates(index, kind, geometry)?,
        "the Point's coordinates",
    )?;
    to_wgs84(index, position, crs, || std::iter::once(position))
}

fn raw_polygon(index: usize, polygon: usize, value: &Value) -> Result<RawPolygon, GeoError> {
    array(index, value, &format!("polygon {polygon}"))?
        .iter()
        .enumerate()
        .map(|(r, ring)| {
            let at = format!("ring {r} of polygon {polygon}");
            array(index, ring, &at)?
                .iter()
                .enumerate()
                .map(|(i, position)| {
                    raw_position(index, position, &format!("position {i} of {at}"))
                })
                .collect()
        })
        .collect()
}

fn array<'v>(index: usize, value: &'v Value, what: &str) -> Result<&'v Vec<Value>, GeoError> {
    value
        .as_array()
        .ok_or_else(|| GeoError::MalformedCoordinates {
            feature: index,
            reason: format!("{what} is {}, not an array", json_kind(value)),
        })
}

/// `[x, y]` of a position; a third number (altitude) is allowed and ignored.
fn raw_position(index: usize, value: &Value, what: &str) -> Result<[f64; 2], GeoError> {
    let malformed = || GeoError::MalformedCoordinates {
        feature: index,
        reason: format!("{what} is not an array of two or three numbers"),
    };
    let numbers = value.as_array().ok_or_else(malformed)?;
    if !(2..=3).contains(&numbers.len()) {
        return Err(malformed());
    }
    let mut xy = [0.0; 2];
    for (slot, number) in xy.iter_mut().zip(numbers) {
        *slot = number.as_f64().ok_or_else(malformed)?;
    }
    for value in xy {
        // serde_json cannot produce these from text, but it can with its
        // `arbitrary_precision` feature, which another crate may switch on.
        if !value.is_finite() {
            return Err(GeoError::NonFiniteCoordinate {
                feature: index,
                value,
            });
        }
    }
    Ok(xy)
}

/// Converts `[x, y]` in the file's CRS to WGS84, refusing positions that cannot be in
/// Sweden. `feature_positions` gives all positions of the feature, to tell whether the
/// whole feature would fit another CRS or swapped axes.
fn to_wgs84<I>(
    index: usize,
    [x, y]: [f64; 2],
    crs: ResolvedCrs,
    feature_positions: impl Fn() -> I,
) -> Result<Wgs84, GeoError>
where
    I: Iterator<Item = [f64; 2]>,
{
    check_position(index, [x, y], crs, feature_positions)?;
    crs.crs.to_wgs84(x, y).map_err(|_| GeoError::OutsideSweden {
        feature: index,
        crs: crs.crs,
        x,
        y,
        hint: None,
    })
}

fn check_position<I>(
    index: usize,
    [x, y]: [f64; 2],
    crs: ResolvedCrs,
    feature_positions: impl Fn() -> I,
) -> Result<(), GeoError>
where
    I: Iterator<Item = [f64; 2]>,
{
    for value in [x, y] {
        if !value.is_finite() {
            return Err(GeoError::NonFiniteCoordinate {
                feature: index,
                value,
            });
        }
    }
    if crs.crs.plausible_in_sweden(x, y) {
        return Ok(());
    }
    let other = match crs.crs {
        Crs::Wgs84 => Crs::Sweref99Tm,
        Crs::Sweref99Tm => Crs::Wgs84,
    };
    let hint = if feature_positions().all(|[x, y]| other.plausible_in_sweden(x, y)) {
        Some(CoordinateHint::OtherCrs {
            crs: other,
            source: crs.source,
        })
    } else if feature_positions().all(|[x, y]| crs.crs.plausible_in_sweden(y, x)) {
        Some(CoordinateHint::SwappedAxes)
    } else {
        None
    };
    Err(GeoError::OutsideSweden {
        feature: index,
        crs: crs.crs,
        x,
        y,
        hint,
    })
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use proptest::prelude::*;

    const WGS: ResolvedCrs = ResolvedCrs {
        crs: Crs::Wgs84,
        source: CrsSource::Default,
    };

    #[test]
    fn non_finite_positions_are_refused_with_the_feature_index() {
        // Text cannot carry NaN (see the integration tests); this is the guard behind it.
        let err = check_position(7, [f64::NAN, 58.0], WGS, std::iter::empty).unwrap_err();
        assert_eq!(err.code(), "non_finite_coordinate");
        assert_eq!(err.feature_index(), Some(7));
        let err = check_position(0, [15.0, f64::INFINITY], WGS, std::iter::empty).unwrap_err();
        assert_eq!(err.code(), "non_finite_coordinate");
    }

    #[test]
    fn swapped_axes_are_recognised() {
        let err =
            check_position(2, [58.4, 15.6], WGS, || std::iter::once([58.4, 15.6])).unwrap_err();
        assert!(matches!(
            err,
            GeoError::OutsideSweden {
                hint: Some(CoordinateHint::SwappedAxes),
                ..
            }
        ));
        assert!(err.to_string().contains("swapped"), "{err}");
    }

    #[test]
    fn nan_literals_get_a_hint() {
        assert!(looks_like_non_finite("[1, NaN]", 1, 5));
        assert!(looks_like_non_finite("[1, -Infinity]", 1, 6));
        assert!(!looks_like_non_finite("[1, x]", 1, 5));
        assert!(!looks_like_non_finite("", 3, 5));
    }

    #[test]
    fn aliases_accept_arrays_and_semicolon_lists() {
        let feature: Value = serde_json::json!({
            "type": "Feature",
            "properties": {"a": ["Resecentrum", " Linköping C ", "", "Resecentrum", 7], "b": "x; y ;;x", "c": true}
        });
        let feature = feature.as_object().unwrap();
        assert_eq!(
            aliases(0, feature, "a").unwrap(),
            ["Resecentrum", "Linköping C", "7"]
        );
        assert_eq!(aliases(0, feature, "b").unwrap(), ["x", "y"]);
        assert_eq!(
            aliases(0, feature, "missing").unwrap(),
            Vec::<String>::new()
        );
        assert_eq!(
            aliases(0, feature, "c").unwrap_err().code(),
            "invalid_property"
        );
    }

    proptest! {
        /// Damaged files are refused, never a panic: one character of a valid file
        /// replaced by another.
        #[test]
        fn damaged_files_never_panic(at in 0usize..400, replacement in "[\\[\\]{},:\"0-9.eE+-]|NaN|null|true") {
            let text = r#"{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"EPSG:4326"}},"features":[{"type":"Feature","properties":{"code":"A","name":"A"},"geometry":{"type":"MultiPolygon","coordinates":[[[[15.6,58.4],[15.7,58.4],[15.7,58.5],[15.6,58.4]],[[15.65,58.42],[15.66,58.42],[15.66,58.43],[15.65,58.42]]]]}}]}"#;
            let at = at % text.len();
            let damaged = format!("{}{}{}", &text[..at], replacement, &text[at + 1..]);
            let options = AreaImportOptions::new("code", "name");
            let _ = parse_areas(&damaged, &options);
            let _ = parse_places(&damaged, &PlaceImportOptions::new("code", "name"));
        }

        #[test]
        fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
            let _ = parse_areas(&text, &AreaImportOptions::new("code", "name"));
        }
    }
}
