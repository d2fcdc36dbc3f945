//! Areas and places: importing boundaries, finding the areas a point lies in, and the
//! named places people refer to.
//!
//! Reading needs `ReadGeography` (every role), importing areas `ManageAreas`, creating
//! and changing places `ManagePlaces` (admin and samordnare).
//!
//! Point-in-area lookups run against an in-memory [`AreaIndex`] of the current areas,
//! built from the database and kept in [`GeoCache`]. Several instances may share one
//! PostgreSQL database, so the cache is keyed by the store's area revision, a counter
//! every area change bumps: each lookup costs one tiny query to learn whether another
//! instance (or this one) changed the areas since the index was built.

pub mod demo;

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};

use serde_json::{Value, json};
use trygg_domain::Invalid;
use trygg_domain::area::{AreaCode, AreaKind};
use trygg_domain::geo::geojson::{multipolygon_geometry, parse_area_geometry};
use trygg_domain::geo::{
    AreaFeature, AreaImportOptions, AreaIndex, MatchScore, PlaceImportOptions, Wgs84, area_km2,
    bounding_box, matches, neighbours, parse_areas, parse_places, swedish_cmp,
};
use trygg_domain::id::{AreaId, PlaceId};
use trygg_domain::place::{PlaceKind, PlaceSpec, parse_aliases};
use trygg_domain::policy::Action;
use trygg_store::{
    Area, AreaImport, AreaInfo, AreaRef, Bbox, ImportCounts, NewArea, NewPlace, Place, PlaceImport,
    Store,
};

use crate::actor::draft;
use crate::{Caller, Error, RequestMeta, Result, Trygg};

/// The largest polygon a place may have (km²); anything bigger is an area.
pub const MAX_PLACE_POLYGON_KM2: f64 = 5.0;

/// The current areas, indexed for point lookups, as of one area revision.
#[derive(Debug)]
pub struct AreaSet {
    revision: i64,
    all: AreaIndex,
    by_kind: HashMap<AreaKind, AreaIndex>,
    info: HashMap<AreaId, AreaInfo>,
}

impl AreaSet {
    fn build(revision: i64, areas: Vec<Area>) -> Result<Self> {
        let mut geometries = Vec::with_capacity(areas.len());
        let mut info = HashMap::with_capacity(areas.len());
        for area in areas {
            let value: Value = serde_json::from_str(&area.geometry).map_err(|e| {
                Error::Internal(format!("stored geometry of area {}: {e}", area.info.id))
            })?;
            let geometry = parse_area_geometry(&value).map_err(|e| {
                Error::Internal(format!("stored geometry of area {}: {e}", area.info.id))
            })?;
            geometries.push((area.info.id, area.info.kind, geometry));
            info.insert(area.info.id, area.info);
        }
        let mut by_kind: HashMap<AreaKind, Vec<(i64, geo::MultiPolygon<f64>)>> = HashMap::new();
        for (id, kind, geometry) in &geometries {
            by_kind
                .entry(*kind)
                .or_default()
                .push((id.0, geometry.clone()));
        }
        let index =
            |areas| AreaIndex::new(areas).map_err(|e| Error::Internal(format!("area index: {e}")));
        Ok(Self {
            revision,
            all: index(geometries.into_iter().map(|(id, _, g)| (id.0, g)).collect())?,
            by_kind: by_kind
                .into_iter()
                .map(|(kind, areas)| Ok((kind, index(areas)?)))
                .collect::<Result<_>>()?,
            info,
        })
    }

    /// The current areas containing the point (closed sets: a point on a shared
    /// boundary is in both areas; see `trygg_domain::geo::index`), ordered by kind and
    /// code.
    pub fn locate(&self, point: Wgs84) -> Vec<&AreaInfo> {
        let mut found: Vec<&AreaInfo> = self
            .all
            .locate(point)
            .into_iter()
            .filter_map(|id| self.info.get(&AreaId(id)))
            .collect();
        sort_areas(&mut found);
        found
    }

    /// The ids of the current areas containing the point, ascending.
    pub fn locate_ids(&self, point: Wgs84) -> Vec<AreaId> {
        self.all.locate(point).into_iter().map(AreaId).collect()
    }

    pub fn info(&self, id: AreaId) -> Option<&AreaInfo> {
        self.info.get(&id)
    }

    /// The number of current areas.
    pub fn len(&self) -> usize {
        self.info.len()
    }

    pub fn is_empty(&self) -> bool {
        self.info.is_empty()
    }

    /// Current areas of the same kind sharing a boundary point with area `id`.
    fn neighbours(&self, id: AreaId, kind: AreaKind) -> Vec<AreaInfo> {
        let Some(index) = self.by_kind.get(&kind) else {
            return Vec::new();
        };
        let mut found: Vec<&AreaInfo> = neighbours(index, id.0)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|k| self.info.get(&AreaId(k)))
            .collect();
        found.sort_by(|a, b| swedish_cmp(&a.name, &b.name));
        found.into_iter().cloned().collect()
    }
}

/// Orders areas as lists show them: by kind ([`AreaKind::ALL`]), then by code.
fn sort_areas(areas: &mut [&AreaInfo]) {
    areas.sort_by(|a, b| (a.kind.rank(), &a.code).cmp(&(b.kind.rank(), &b.code)));
}

/// The shared, lazily rebuilt [`AreaSet`].
#[derive(Clone, Default)]
pub struct GeoCache(Arc<RwLock<Option<Arc<AreaSet>>>>);

impl std::fmt::Debug for GeoCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("GeoCache")
    }
}

/// An area with everything its page shows.
#[derive(Debug, Clone)]
pub struct AreaDetail {
    pub area: Area,
    /// The geometry as a GeoJSON object (WGS84).
    pub geometry: Value,
    /// Current areas of the same kind that touch it (only for a current area).
    pub neighbours: Vec<AreaInfo>,
    /// Places whose point lies in it.
    pub places: Vec<Place>,
    /// Every version of this kind and code, oldest first.
    pub versions: Vec<AreaInfo>,
    /// The areas it is the union of, with the current version of each where one exists.
    pub members: Vec<(AreaRef, Option<AreaInfo>)>,
}

/// A place with the current areas it lies in.
#[derive(Debug, Clone)]
pub struct PlaceView {
    pub place: Place,
    pub areas: Vec<AreaInfo>,
    /// How well it matched the search, when there was one.
    pub score: Option<MatchScore>,
}

/// What to do with a place's polygon when changing it.
#[derive(Debug, Clone)]
pub enum PolygonUpdate {
    Keep,
    Clear,
    Set(geo::MultiPolygon<f64>),
}

fn geo_error(e: trygg_domain::geo::GeoError) -> Error {
    Error::Geo(e)
}

/// Turns checked area features into rows for the store, calling `progress(done, total)`
/// after each one.
pub fn prepare_areas(
    features: &[AreaFeature],
    members: impl Fn(&AreaFeature) -> Vec<AreaRef>,
    mut progress: impl FnMut(usize, usize),
) -> Result<Vec<NewArea>> {
    let total = features.len();
    features
        .iter()
        .enumerate()
        .map(|(i, feature)| {
            let bbox = bounding_box(&feature.geometry)
                .ok_or(Error::Invalid(Invalid::new("geometry", "empty_geometry")))?;
            let area = NewArea {
                code: AreaCode::parse(&feature.code)?,
                name: trygg_domain::organisation::Name::parse("name", &feature.name)?
                    .as_str()
                    .to_owned(),
                geometry: multipolygon_geometry(&feature.geometry).to_string(),
                bbox: Bbox {
                    min_lon: bbox.min().x,
                    min_lat: bbox.min().y,
                    max_lon: bbox.max().x,
                    max_lat: bbox.max().y,
                },
                area_km2: area_km2(&feature.geometry).map_err(geo_error)?,
                members: members(feature),
            };
            progress(i + 1, total);
            Ok(area)
        })
        .collect()
}

impl Trygg {
    /// The current areas, indexed; rebuilt when the store's area revision moved.
    pub async fn area_set(&self) -> Result<Arc<AreaSet>> {
        let revision = self.db.area_revision().await?;
        {
            let cached = self.geo.0.read().unwrap_or_else(PoisonError::into_inner);
            if let Some(set) = cached.as_ref().filter(|s| s.revision == revision) {
                return Ok(Arc::clone(set));
            }
        }
        // Read after the revision: should areas change in between, the set is newer than
        // its number says and the next call merely rebuilds once more.
        let areas = self.db.current_areas_with_geometry(None).await?;
        let set = Arc::new(AreaSet::build(revision, areas)?);
        let mut cached = self.geo.0.write().unwrap_or_else(PoisonError::into_inner);
        if cached.as_ref().is_none_or(|s| s.revision <= revision) {
            *cached = Some(Arc::clone(&set));
        }
        Ok(set)
    }

    /// `trygg import areas`: reads a GeoJSON file and writes its areas as `kind`, all or
    /// nothing. Nothing is written if any feature is refused (the error names it).
    pub async fn import_areas(
        &self,
        caller: &Caller,
        meta: &RequestMeta,
        kind: AreaKind,
        text: &str,
        options: &AreaImportOptions<'_>,
        progress: impl FnMut(usize, usize),
    ) -> Result<ImportCounts> {
        caller.require(Action::ManageAreas)?;
        let features = parse_areas(text, options).map_err(geo_error)?;
        let areas = prepare_areas(&features, |_| Vec::new(), progress)?;
        let detail = json!({
            "kind": kind.code(),
            "features": features.len(),
            "code_property": options.code_property,
            "name_property": options.name_property,
            "crs": options.crs.map(|c| c.epsg_code()),
        });
        self.write_areas(caller, meta, kind, areas, detail).await
    }

    /// Writes prepared areas of one kind (see [`prepare_areas`]) and, if anything changed,
    /// puts every place into its new areas.
    pub async fn write_areas(
        &self,
        caller: &Caller,
        meta: &RequestMeta,
        kind: AreaKind,
        areas: Vec<NewArea>,
        detail: Value,
    ) -> Result<ImportCounts> {
        caller.require(Action::ManageAreas)?;
        let now = self.clock.now();
        let audit = draft(caller, meta, now, "areas_imported", "area", None, detail);
        let counts = self
            .db
            .import_areas(
                &AreaImport {
                    kind,
                    at: now,
                    areas,
                },
                audit,
            )
            .await?;
        if counts.changed() {
            self.relocate_places().await?;
        }
        Ok(counts)
    }

    /// Recomputes the areas of every place whose set of areas changed.
    async fn relocate_places(&self) -> Result<()> {
        let set = self.area_set().await?;
        let mut moved = Vec::new();
        for place in self.db.places().await? {
            let point = Wgs84::new(place.lat, place.lon).map_err(geo_error)?;
            let ids = set.locate_ids(point);
            if ids != place.area_ids {
                moved.push((place.id, ids));
            }
        }
        if !moved.is_empty() {
            self.db.set_place_areas(&moved).await?;
        }
        Ok(())
    }

    /// The current areas, of one kind or all, ordered by kind and code.
    pub async fn areas(&self, caller: &Caller, kind: Option<AreaKind>) -> Result<Vec<AreaInfo>> {
        caller.require(Action::ReadGeography)?;
        let mut areas = self.db.current_areas(kind).await?;
        areas.sort_by(|a, b| (a.kind.rank(), &a.code).cmp(&(b.kind.rank(), &b.code)));
        Ok(areas)
    }

    /// The current areas containing a point, ordered by kind and code. A point on the
    /// boundary between two areas is in both (areas are closed sets).
    pub async fn locate(&self, caller: &Caller, point: Wgs84) -> Result<Vec<AreaInfo>> {
        caller.require(Action::ReadGeography)?;
        let set = self.area_set().await?;
        Ok(set.locate(point).into_iter().cloned().collect())
    }

    /// One area (any version) with its neighbours, places, versions and members.
    pub async fn area(&self, caller: &Caller, id: AreaId) -> Result<AreaDetail> {
        caller.require(Action::ReadGeography)?;
        let area = self.db.area(id).await?.ok_or(Error::NotFound)?;
        let geometry: Value = serde_json::from_str(&area.geometry)
            .map_err(|e| Error::Internal(format!("stored geometry of area {id}: {e}")))?;
        let set = self.area_set().await?;
        let neighbours = if area.info.is_current() {
            set.neighbours(id, area.info.kind)
        } else {
            Vec::new()
        };
        let current: HashMap<(AreaKind, &str), &AreaInfo> = set
            .info
            .values()
            .map(|a| ((a.kind, a.code.as_str()), a))
            .collect();
        let mut members: Vec<(AreaRef, Option<AreaInfo>)> = area
            .members
            .iter()
            .map(|m| {
                (
                    m.clone(),
                    current
                        .get(&(m.kind, m.code.as_str()))
                        .map(|a| (*a).clone()),
                )
            })
            .collect();
        members.sort_by(|a, b| swedish_cmp(&member_name(a), &member_name(b)));
        let mut places = self.db.places_in_area(id).await?;
        places.sort_by(|a, b| swedish_cmp(&a.name, &b.name));
        let versions = self
            .db
            .area_versions(area.info.kind, &area.info.code)
            .await?;
        Ok(AreaDetail {
            area,
            geometry,
            neighbours,
            places,
            versions,
            members,
        })
    }

    /// The current areas as an RFC 7946 FeatureCollection (WGS84, longitude first), each
    /// feature with `id`, `kind`, `code`, `name` and `area_km2` properties.
    pub async fn areas_geojson(&self, caller: &Caller, kind: Option<AreaKind>) -> Result<Value> {
        caller.require(Action::ReadGeography)?;
        let mut areas = self.db.current_areas_with_geometry(kind).await?;
        areas.sort_by(|a, b| {
            (a.info.kind.rank(), &a.info.code).cmp(&(b.info.kind.rank(), &b.info.code))
        });
        let features = areas
            .into_iter()
            .map(|a| {
                let geometry: Value = serde_json::from_str(&a.geometry).map_err(|e| {
                    Error::Internal(format!("stored geometry of area {}: {e}", a.info.id))
                })?;
                Ok(json!({
                    "type": "Feature",
                    "id": a.info.id.0,
                    "bbox": [a.info.bbox.min_lon, a.info.bbox.min_lat, a.info.bbox.max_lon, a.info.bbox.max_lat],
                    "geometry": geometry,
                    "properties": {
                        "id": a.info.id.0,
                        "kind": a.info.kind.code(),
                        "code": a.info.code,
                        "name": a.info.name,
                        "area_km2": a.info.area_km2,
                    }
                }))
            })
            .collect::<Result<Vec<Value>>>()?;
        Ok(json!({ "type": "FeatureCollection", "features": features }))
    }

    /// Places, optionally only those matching a search (Swedish folding: "Skaggetorp"
    /// finds "Skäggetorp"; aliases count) and only those in an area. Without a search
    /// in Swedish alphabetical order (å, ä, ö after z); with one, best match first.
    pub async fn places(
        &self,
        caller: &Caller,
        query: Option<&str>,
        area: Option<AreaId>,
    ) -> Result<Vec<PlaceView>> {
        caller.require(Action::ReadGeography)?;
        let places = match area {
            Some(a) => self.db.places_in_area(a).await?,
            None => self.db.places().await?,
        };
        let set = self.area_set().await?;
        let query = query.map(str::trim).filter(|q| !q.is_empty());
        let mut views: Vec<PlaceView> = places
            .into_iter()
            .filter_map(|place| {
                let score = match query {
                    Some(q) => Some(matches(q, &place.name, &place.aliases)?),
                    None => None,
                };
                Some(view(&set, place, score))
            })
            .collect();
        views.sort_by(|a, b| {
            b.score
                .cmp(&a.score)
                .then_with(|| swedish_cmp(&a.place.name, &b.place.name))
                .then(a.place.id.cmp(&b.place.id))
        });
        Ok(views)
    }

    pub async fn place(&self, caller: &Caller, id: PlaceId) -> Result<PlaceView> {
        caller.require(Action::ReadGeography)?;
        let place = self.db.place(id).await?.ok_or(Error::NotFound)?;
        let set = self.area_set().await?;
        Ok(view(&set, place, None))
    }

    /// Creates a place; the areas it lies in are found and stored with it.
    pub async fn create_place(
        &self,
        caller: &Caller,
        meta: &RequestMeta,
        spec: PlaceSpec,
        polygon: Option<geo::MultiPolygon<f64>>,
    ) -> Result<PlaceId> {
        caller.require(Action::ManagePlaces)?;
        let polygon = polygon
            .map(|p| check_place_polygon(&p, spec.point))
            .transpose()?;
        let set = self.area_set().await?;
        let now = self.clock.now();
        let new = new_place(&set, &spec, polygon, now);
        let audit = draft(
            caller,
            meta,
            now,
            "place_created",
            "place",
            None,
            place_detail(&new),
        );
        Ok(self.db.create_place(&new, audit).await?)
    }

    /// Replaces a place's name, kind, aliases and position (and polygon as asked).
    pub async fn update_place(
        &self,
        caller: &Caller,
        meta: &RequestMeta,
        id: PlaceId,
        spec: PlaceSpec,
        polygon: PolygonUpdate,
    ) -> Result<()> {
        caller.require(Action::ManagePlaces)?;
        let old = self.db.place(id).await?.ok_or(Error::NotFound)?;
        let polygon = match polygon {
            PolygonUpdate::Keep => old.polygon.clone(),
            PolygonUpdate::Clear => None,
            PolygonUpdate::Set(p) => Some(check_place_polygon(&p, spec.point)?),
        };
        let set = self.area_set().await?;
        let now = self.clock.now();
        let new = new_place(&set, &spec, polygon, now);
        let audit = draft(
            caller,
            meta,
            now,
            "place_changed",
            "place",
            Some(id.0.to_string()),
            place_detail(&new),
        );
        Ok(self.db.update_place(id, &new, audit).await?)
    }

    /// Imports named points from a GeoJSON file, all or nothing; places are matched to
    /// existing ones by kind and name (see [`PlaceImport`]).
    pub async fn import_places(
        &self,
        caller: &Caller,
        meta: &RequestMeta,
        text: &str,
        options: &PlaceImportOptions<'_>,
        extra_aliases: impl Fn(&str) -> Vec<String>,
    ) -> Result<ImportCounts> {
        caller.require(Action::ManagePlaces)?;
        let features = parse_places(text, options).map_err(geo_error)?;
        let set = self.area_set().await?;
        let now = self.clock.now();
        let mut places = Vec::with_capacity(features.len());
        for feature in &features {
            let mut aliases = feature.aliases.clone();
            aliases.extend(extra_aliases(&feature.name));
            let spec = PlaceSpec {
                name: trygg_domain::organisation::Name::parse("name", &feature.name)?
                    .as_str()
                    .to_owned(),
                kind: PlaceKind::parse(&feature.kind)?,
                aliases: parse_aliases(&aliases)?,
                point: feature.point,
            };
            places.push(new_place(&set, &spec, None, now));
        }
        let audit = draft(
            caller,
            meta,
            now,
            "places_imported",
            "place",
            None,
            json!({ "features": features.len() }),
        );
        Ok(self
            .db
            .import_places(&PlaceImport { places }, audit)
            .await?)
    }
}

fn member_name(member: &(AreaRef, Option<AreaInfo>)) -> String {
    member
        .1
        .as_ref()
        .map_or_else(|| member.0.code.clone(), |a| a.name.clone())
}

fn view(set: &AreaSet, place: Place, score: Option<MatchScore>) -> PlaceView {
    let mut areas: Vec<&AreaInfo> = place
        .area_ids
        .iter()
        .filter_map(|id| set.info(*id))
        .collect();
    sort_areas(&mut areas);
    PlaceView {
        areas: areas.into_iter().cloned().collect(),
        place,
        score,
    }
}

fn new_place(
    set: &AreaSet,
    spec: &PlaceSpec,
    polygon: Option<String>,
    at: trygg_domain::time::Instant,
) -> NewPlace {
    NewPlace {
        name: spec.name.clone(),
        kind: spec.kind.clone(),
        lat: spec.point.lat(),
        lon: spec.point.lon(),
        polygon,
        aliases: spec.aliases.clone(),
        area_ids: set.locate_ids(spec.point),
        at,
    }
}

fn place_detail(new: &NewPlace) -> Value {
    json!({
        "name": new.name,
        "kind": new.kind.as_str(),
        "lat": new.lat,
        "lon": new.lon,
        "aliases": new.aliases,
        "polygon": new.polygon.is_some(),
    })
}

/// A place's polygon must be small and contain the place's point; returns its stored
/// text.
fn check_place_polygon(polygon: &geo::MultiPolygon<f64>, point: Wgs84) -> Result<String> {
    let km2 = area_km2(polygon).map_err(geo_error)?;
    if km2 > MAX_PLACE_POLYGON_KM2 {
        return Err(Invalid::new("polygon", "polygon_too_large").into());
    }
    let index = AreaIndex::new(vec![(0, polygon.clone())]).map_err(geo_error)?;
    if index.contains(0, point) != Some(true) {
        return Err(Invalid::new("polygon", "point_outside_polygon").into());
    }
    Ok(multipolygon_geometry(polygon).to_string())
}

/// A point inside the polygon, for places given only as a polygon.
pub fn point_inside(polygon: &geo::MultiPolygon<f64>) -> Option<Wgs84> {
    use geo::InteriorPoint;
    let p = polygon.interior_point()?;
    Wgs84::new(p.y(), p.x()).ok()
}
