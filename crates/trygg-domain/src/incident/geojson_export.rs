//! GeoJSON (RFC 7946) for GIS: point features, and a writer that streams a
//! FeatureCollection.
//!
//! RFC 7946 fixes the coordinate system to WGS84 with positions as `[longitude,
//! latitude]` (the reverse of how people write them) and forbids the old `crs` member.
//! Coordinates are rounded to 6 decimals (about 0.1 m), as the RFC recommends: more
//! digits only add size and false precision.

use std::io::{self, Write};

use serde_json::{Map, Value, json};

use crate::geo::Wgs84;

/// A coordinate rounded to 6 decimals.
fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// `{"type": "Point", "coordinates": [lon, lat]}`, 6 decimals.
pub fn point_geometry(p: Wgs84) -> Value {
    json!({
        "type": "Point",
        "coordinates": [round6(p.lon()), round6(p.lat())],
    })
}

/// A point Feature with an `id` and `properties`.
pub fn geojson_feature(id: i64, point: Wgs84, properties: Map<String, Value>) -> Value {
    json!({
        "type": "Feature",
        "id": id,
        "geometry": point_geometry(point),
        "properties": properties,
    })
}

/// Streams a FeatureCollection: the opening on the first feature (or at
/// [`GeoJsonExport::finish`]), each feature as it comes, the closing at the end.
/// Wrap a socket or file in a [`std::io::BufWriter`].
pub struct GeoJsonExport<W: Write> {
    out: W,
    features: usize,
}

impl<W: Write> GeoJsonExport<W> {
    const OPENING: &'static [u8] = b"{\"type\":\"FeatureCollection\",\"features\":[";

    pub fn new(out: W) -> Self {
        Self { out, features: 0 }
    }

    /// Writes one feature (a value from [`geojson_feature`]).
    pub fn feature(&mut self, feature: &Value) -> io::Result<()> {
        self.out.write_all(if self.features == 0 {
            Self::OPENING
        } else {
            b",\n"
        })?;
        serde_json::to_writer(&mut self.out, feature).map_err(io::Error::other)?;
        self.features += 1;
        Ok(())
    }

    /// The writer, e.g. to take what a page of rows wrote into a `Vec<u8>` and send it
    /// on as one chunk of a streamed response.
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.out
    }

    /// Closes the collection, flushes, and returns the writer.
    pub fn finish(mut self) -> io::Result<W> {
        if self.features == 0 {
            self.out.write_all(Self::OPENING)?;
        }
        self.out.write_all(b"]}\n")?;
        self.out.flush()?;
        Ok(self.out)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn points_are_lon_lat_with_six_decimals() {
        let p = Wgs84::new(58.416_110_4, 15.625_834_9).unwrap();
        assert_eq!(
            point_geometry(p).to_string(),
            r#"{"coordinates":[15.625835,58.41611],"type":"Point"}"#
        );
        let mut props = Map::new();
        props.insert("category".into(), "klotter".into());
        let f = geojson_feature(7, p, props);
        assert_eq!(f["type"], "Feature");
        assert_eq!(f["id"], 7);
        assert_eq!(f["properties"]["category"], "klotter");
        assert_eq!(f["geometry"]["coordinates"][0], 15.625835);
    }

    #[test]
    fn streams_a_valid_feature_collection() {
        let p = Wgs84::new(58.42611, 15.58).unwrap();
        let mut out = GeoJsonExport::new(Vec::new());
        out.feature(&geojson_feature(1, p, Map::new())).unwrap();
        out.feature(&geojson_feature(2, p, Map::new())).unwrap();
        let text = String::from_utf8(out.finish().unwrap()).unwrap();
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["type"], "FeatureCollection");
        assert_eq!(v["features"].as_array().unwrap().len(), 2);
        assert!(v.get("crs").is_none());
        let empty = String::from_utf8(GeoJsonExport::new(Vec::new()).finish().unwrap()).unwrap();
        let v: Value = serde_json::from_str(&empty).unwrap();
        assert_eq!(v["features"].as_array().unwrap().len(), 0);
    }

    #[test]
    fn rounding_never_adds_digits() {
        for (lat, lon) in [(58.1, 15.7), (55.123_456_5, 24.0), (69.0, 10.999_999_9)] {
            let g = point_geometry(Wgs84::new(lat, lon).unwrap()).to_string();
            for n in g
                .split(['[', ']', ','])
                .filter_map(|s| s.parse::<f64>().ok())
            {
                let decimals = n.to_string().split('.').nth(1).map_or(0, str::len);
                assert!(decimals <= 6, "{g}");
            }
        }
    }
}
