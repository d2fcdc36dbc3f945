-- Geography: areas with validity periods, districts as unions of other areas, named
-- places and the areas they lie in. Geometries are GeoJSON text in WGS84
-- ([longitude, latitude]); point-in-area tests run in the application (no PostGIS
-- needed), the bounding-box columns let SQL pre-filter.

-- Bumped by every change to areas, so that each instance can tell cheaply whether its
-- in-memory area index is stale; its row is also the lock that serialises imports
-- across instances.
CREATE TABLE area_revision (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    revision  BIGINT  NOT NULL
);
INSERT INTO area_revision (id, revision) VALUES (1, 0);

-- One row per version of an area. A changed boundary closes the current row
-- (valid_to = the instant of the change) and inserts a new one, so ids that incidents
-- keep always mean the boundary of their time.
CREATE TABLE areas (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind        TEXT             NOT NULL,
    code        TEXT             NOT NULL,
    name        TEXT             NOT NULL,
    geometry    TEXT             NOT NULL,
    min_lon     DOUBLE PRECISION NOT NULL,
    min_lat     DOUBLE PRECISION NOT NULL,
    max_lon     DOUBLE PRECISION NOT NULL,
    max_lat     DOUBLE PRECISION NOT NULL,
    area_km2    DOUBLE PRECISION NOT NULL,
    valid_from  BIGINT           NOT NULL,
    valid_to    BIGINT,
    CHECK (valid_to IS NULL OR valid_to >= valid_from)
);
-- A code is unique among the current areas of its kind.
CREATE UNIQUE INDEX areas_current_kind_code ON areas (kind, code) WHERE valid_to IS NULL;
CREATE INDEX areas_kind_code ON areas (kind, code, valid_from);

-- The areas (by kind and code) an area is the union of, e.g. Innerstaden = three RegSO.
CREATE TABLE area_members (
    area_id      BIGINT NOT NULL REFERENCES areas (id),
    member_kind  TEXT   NOT NULL,
    member_code  TEXT   NOT NULL,
    PRIMARY KEY (area_id, member_kind, member_code)
);

CREATE TABLE places (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        TEXT             NOT NULL,
    kind        TEXT             NOT NULL,
    lat         DOUBLE PRECISION NOT NULL,
    lon         DOUBLE PRECISION NOT NULL,
    -- A small polygon (GeoJSON MultiPolygon, WGS84) for a square or a yard; the point
    -- then lies in it.
    polygon     TEXT,
    -- JSON array of strings.
    aliases     TEXT             NOT NULL DEFAULT '[]',
    created_at  BIGINT           NOT NULL,
    updated_at  BIGINT           NOT NULL
);
CREATE INDEX places_kind_name ON places (kind, name);

-- The current areas a place's point lies in; recomputed when areas change.
CREATE TABLE place_areas (
    place_id  BIGINT NOT NULL REFERENCES places (id),
    area_id   BIGINT NOT NULL REFERENCES areas (id),
    PRIMARY KEY (place_id, area_id)
);
CREATE INDEX place_areas_area ON place_areas (area_id);
