//! The one error type of the geography module.
//!
//! Every variant has a stable snake_case [`code`](GeoError::code) that the web layer and
//! the CLI translate; the `Display` text is a plain English explanation for logs and for
//! operators running an import by hand. Errors about one feature of an imported file carry
//! its 0-based index in the file (see [`GeoError::feature_index`]).

use std::fmt;

use super::crs::Crs;

/// Something in the geography module refused its input.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum GeoError {
    /// A coordinate given to a constructor was NaN or infinite.
    #[error("{what} is not a finite number")]
    NotFinite {
        /// Which number: `latitude`, `longitude`, `northing` or `easting`.
        what: &'static str,
    },

    /// A latitude outside −90…90 degrees.
    #[error("latitude {lat} is outside -90..=90 degrees")]
    LatitudeOutOfRange {
        /// The latitude given.
        lat: f64,
    },

    /// A longitude outside −180…180 degrees.
    #[error("longitude {lon} is outside -180..=180 degrees")]
    LongitudeOutOfRange {
        /// The longitude given.
        lon: f64,
    },

    /// A "lat,lon" text could not be read as two numbers.
    #[error("{text:?} is not a position written as \"lat,lon\" in decimal degrees")]
    InvalidPositionText {
        /// The text given.
        text: String,
    },

    /// A point could not be converted between WGS84 and SWEREF 99 TM because it lies
    /// where the Transverse Mercator projection is undefined (beyond the poles, or 90°
    /// of longitude away from the central meridian 15° E).
    #[error("position ({first}, {second}) cannot be converted: {reason}")]
    OutsideProjectionDomain {
        /// Latitude or northing.
        first: f64,
        /// Longitude or easting.
        second: f64,
        /// Why the projection does not apply there.
        reason: &'static str,
    },

    /// A coordinate reference system name that is not one of those Trygg supports.
    #[error(
        "unknown coordinate reference system {given:?}; supported are EPSG:4326 (WGS84) and \
         EPSG:3006 (SWEREF 99 TM)"
    )]
    UnknownCrs {
        /// The name given.
        given: String,
    },

    /// The text is not valid JSON (or not JSON that Trygg can read).
    #[error("not valid JSON at line {line}, column {column}: {reason}")]
    InvalidJson {
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column of the problem.
        column: usize,
        /// What the JSON parser said, with a hint where we know a common cause.
        reason: String,
    },

    /// The JSON is valid but not a GeoJSON FeatureCollection or Feature.
    #[error("not a GeoJSON FeatureCollection or Feature: {reason}")]
    NotFeatureCollection {
        /// What was found instead.
        reason: String,
    },

    /// The file's legacy `crs` member cannot be read.
    #[error("the file's \"crs\" member cannot be read: {reason}")]
    InvalidCrsMember {
        /// What is wrong with it.
        reason: String,
    },

    /// The CRS requested by the caller differs from the one the file declares.
    #[error(
        "the file declares {in_file} in its \"crs\" member but {requested} was requested; \
         remove one of them or make them agree"
    )]
    ConflictingCrs {
        /// The CRS named by the file's `crs` member.
        in_file: Crs,
        /// The CRS the caller asked for.
        requested: Crs,
    },

    /// The file contains no features at all.
    #[error("the file contains no features")]
    NoFeatures,

    /// A feature is not a JSON object with `"type": "Feature"`.
    #[error("feature {feature}: {reason}")]
    MalformedFeature {
        /// 0-based index of the feature in the file.
        feature: usize,
        /// What is wrong with it.
        reason: String,
    },

    /// A feature has no geometry (`null` or missing).
    #[error("feature {feature}: has no geometry")]
    MissingGeometry {
        /// 0-based index of the feature in the file.
        feature: usize,
    },

    /// A feature's geometry is of a type this import does not accept.
    #[error("feature {feature}: geometry type {found} is not accepted here; expected {expected}")]
    UnsupportedGeometry {
        /// 0-based index of the feature in the file.
        feature: usize,
        /// The geometry type found, e.g. `Point`.
        found: String,
        /// What the import accepts, e.g. `Polygon or MultiPolygon`.
        expected: &'static str,
    },

    /// The `coordinates` of a geometry do not have the nesting its type requires, or a
    /// position is not an array of at least two numbers.
    #[error("feature {feature}: malformed coordinates: {reason}")]
    MalformedCoordinates {
        /// 0-based index of the feature in the file.
        feature: usize,
        /// Where and what.
        reason: String,
    },

    /// A Polygon without rings or a MultiPolygon without polygons.
    #[error("feature {feature}: the geometry is empty")]
    EmptyGeometry {
        /// 0-based index of the feature in the file.
        feature: usize,
    },

    /// A coordinate in a feature is NaN or infinite.
    #[error("feature {feature}: coordinate {value} is not a finite number")]
    NonFiniteCoordinate {
        /// 0-based index of the feature in the file.
        feature: usize,
        /// The offending number.
        value: f64,
    },

    /// A position cannot lie in Sweden in the stated CRS. `hint` says what the numbers
    /// look like instead, when we can tell.
    #[error("feature {feature}: position [{x}, {y}] cannot be in Sweden as {crs}{}", hint_text(.hint))]
    OutsideSweden {
        /// 0-based index of the feature in the file.
        feature: usize,
        /// The CRS the position was read in.
        crs: Crs,
        /// First number of the position (longitude or easting).
        x: f64,
        /// Second number of the position (latitude or northing).
        y: f64,
        /// What the numbers would fit instead.
        hint: Option<CoordinateHint>,
    },

    /// A ring whose first and last positions differ.
    #[error(
        "feature {feature}: ring {ring} of polygon {polygon} is not closed (its first position \
         must equal its last)"
    )]
    UnclosedRing {
        /// 0-based index of the feature in the file.
        feature: usize,
        /// 0-based polygon within the feature (always 0 for a Polygon).
        polygon: usize,
        /// 0-based ring within the polygon (0 = exterior).
        ring: usize,
    },

    /// A ring with fewer than four positions (a closed triangle needs four).
    #[error(
        "feature {feature}: ring {ring} of polygon {polygon} has {positions} positions; a ring \
         needs at least 4 (a closed triangle)"
    )]
    RingTooShort {
        /// 0-based index of the feature in the file.
        feature: usize,
        /// 0-based polygon within the feature (always 0 for a Polygon).
        polygon: usize,
        /// 0-based ring within the polygon (0 = exterior).
        ring: usize,
        /// How many positions it has.
        positions: usize,
    },

    /// A required property is missing, `null` or empty.
    #[error("feature {feature}: property {property:?} is missing or empty")]
    MissingProperty {
        /// 0-based index of the feature in the file.
        feature: usize,
        /// The property name.
        property: String,
    },

    /// A property has a JSON type that cannot be used as text (object, array, boolean).
    #[error("feature {feature}: property {property:?} must be a string or a number")]
    InvalidProperty {
        /// 0-based index of the feature in the file.
        feature: usize,
        /// The property name.
        property: String,
    },

    /// Two features of one area file have the same code.
    #[error("feature {feature}: code {code:?} is already used by feature {first_feature}")]
    DuplicateCode {
        /// 0-based index of the later feature.
        feature: usize,
        /// 0-based index of the feature that used the code first.
        first_feature: usize,
        /// The code.
        code: String,
    },

    /// Two areas given to an [`AreaIndex`](super::AreaIndex) have the same key.
    #[error("area key {key} is given twice")]
    DuplicateAreaKey {
        /// The key.
        key: i64,
    },

    /// An area given to an [`AreaIndex`](super::AreaIndex) has no polygon, or a polygon
    /// whose exterior ring has fewer than four positions.
    #[error("area {key} has an empty or degenerate geometry")]
    EmptyArea {
        /// The key.
        key: i64,
    },

    /// An area given to an [`AreaIndex`](super::AreaIndex) has a NaN or infinite
    /// coordinate.
    #[error("area {key} has a coordinate that is not a finite number")]
    NonFiniteArea {
        /// The key.
        key: i64,
    },

    /// An area key that is not among the areas given.
    #[error("area key {key} is unknown")]
    UnknownArea {
        /// The key.
        key: i64,
    },
}

impl GeoError {
    /// The stable snake_case code of this error, for translation and for API clients.
    /// Codes never change meaning; new ones may be added.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFinite { .. } => "not_finite",
            Self::LatitudeOutOfRange { .. } => "latitude_out_of_range",
            Self::LongitudeOutOfRange { .. } => "longitude_out_of_range",
            Self::InvalidPositionText { .. } => "invalid_position_text",
            Self::OutsideProjectionDomain { .. } => "outside_projection_domain",
            Self::UnknownCrs { .. } => "unknown_crs",
            Self::InvalidJson { .. } => "invalid_json",
            Self::NotFeatureCollection { .. } => "not_feature_collection",
            Self::InvalidCrsMember { .. } => "invalid_crs_member",
            Self::ConflictingCrs { .. } => "conflicting_crs",
            Self::NoFeatures => "no_features",
            Self::MalformedFeature { .. } => "malformed_feature",
            Self::MissingGeometry { .. } => "missing_geometry",
            Self::UnsupportedGeometry { .. } => "unsupported_geometry",
            Self::MalformedCoordinates { .. } => "malformed_coordinates",
            Self::EmptyGeometry { .. } => "empty_geometry",
            Self::NonFiniteCoordinate { .. } => "non_finite_coordinate",
            Self::OutsideSweden { .. } => "outside_sweden",
            Self::UnclosedRing { .. } => "unclosed_ring",
            Self::RingTooShort { .. } => "ring_too_short",
            Self::MissingProperty { .. } => "missing_property",
            Self::InvalidProperty { .. } => "invalid_property",
            Self::DuplicateCode { .. } => "duplicate_code",
            Self::DuplicateAreaKey { .. } => "duplicate_area_key",
            Self::EmptyArea { .. } => "empty_area",
            Self::NonFiniteArea { .. } => "non_finite_area",
            Self::UnknownArea { .. } => "unknown_area",
        }
    }

    /// The 0-based index of the offending feature, for errors about one feature of an
    /// imported file.
    pub fn feature_index(&self) -> Option<usize> {
        match self {
            Self::MalformedFeature { feature, .. }
            | Self::MissingGeometry { feature }
            | Self::UnsupportedGeometry { feature, .. }
            | Self::MalformedCoordinates { feature, .. }
            | Self::EmptyGeometry { feature }
            | Self::NonFiniteCoordinate { feature, .. }
            | Self::OutsideSweden { feature, .. }
            | Self::UnclosedRing { feature, .. }
            | Self::RingTooShort { feature, .. }
            | Self::MissingProperty { feature, .. }
            | Self::InvalidProperty { feature, .. }
            | Self::DuplicateCode { feature, .. } => Some(*feature),
            _ => None,
        }
    }
}

/// Where the CRS of an import came from; decides what advice an
/// [`OutsideSweden`](GeoError::OutsideSweden) error gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrsSource {
    /// The file's legacy `crs` member.
    FileMember,
    /// The caller's override (e.g. the CLI's `--crs`).
    Requested,
    /// Neither was given: RFC 7946 says WGS84.
    Default,
}

/// What coordinates that cannot be in Sweden in their stated CRS look like instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CoordinateHint {
    /// They would lie in Sweden in this other CRS.
    OtherCrs {
        /// The CRS they fit.
        crs: Crs,
        /// Where the wrong CRS came from.
        source: CrsSource,
    },
    /// They would lie in Sweden with the two numbers swapped (GeoJSON wants x first:
    /// longitude or easting).
    SwappedAxes,
}

/// Formats the hint part of an `OutsideSweden` message.
struct HintText(Option<CoordinateHint>);

fn hint_text(hint: &Option<CoordinateHint>) -> HintText {
    HintText(*hint)
}

impl fmt::Display for HintText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            None => Ok(()),
            Some(CoordinateHint::OtherCrs { crs, source }) => {
                write!(f, "; looks like {}", crs.description())?;
                match source {
                    CrsSource::FileMember => write!(
                        f,
                        ": the file's \"crs\" member is wrong, change it to {}",
                        crs.urn()
                    ),
                    CrsSource::Requested | CrsSource::Default => {
                        write!(f, "; pass --crs {}", crs.epsg_code())
                    }
                }
            }
            Some(CoordinateHint::SwappedAxes) => f.write_str(
                "; the numbers look swapped: GeoJSON positions are [longitude, latitude] \
                 (or [easting, northing])",
            ),
        }
    }
}
