//! Geography: positions, area polygons and place names, pure and without I/O.
//!
//! * [`crs`]: [`Wgs84`] and [`Sweref99Tm`] positions and the exact conversion between
//!   them; [`Crs`] names the coordinate system of an import file.
//! * [`import`]: reads GeoJSON area files (Polygon/MultiPolygon) and place files (Point)
//!   into checked [`AreaFeature`]s and [`PlaceFeature`]s, refusing anything doubtful.
//! * [`index`]: [`AreaIndex`] answers "which areas contain this point?" fast.
//! * [`area`]: size in km², bounding box, neighbours and union of area polygons.
//! * [`geojson`]: single GeoJSON geometries, as stored and served.
//! * [`names`]: Swedish folding, collation and matching of place names for search.
//!
//! All polygons here are `geo::MultiPolygon<f64>` in WGS84 with x = longitude and
//! y = latitude (the GeoJSON order); edges are straight lines in that plane, as in
//! GeoJSON, Leaflet and the `geo` crate.

pub mod area;
pub mod crs;
mod error;
pub mod geojson;
pub mod import;
pub mod index;
pub mod names;

pub use area::{area_km2, bounding_box, neighbours, union};
pub use crs::{Crs, Sweref99Tm, Wgs84};
pub use error::{CoordinateHint, CrsSource, GeoError};
pub use import::{
    AreaFeature, AreaImportOptions, PlaceFeature, PlaceImportOptions, parse_areas, parse_places,
};
pub use index::{AreaIndex, AreaKey};
pub use names::{MatchScore, fold, matches, swedish_cmp};
