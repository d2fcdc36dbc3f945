-- EST reporting: the versioned category list, reports and their incidents, the areas
-- each incident lies in, and the police's public events (context only).

-- One row per version of a category. Renaming or changing a category adds a version;
-- incidents keep the version they were reported with.
CREATE TABLE categories (
    id                INTEGER PRIMARY KEY,
    code              TEXT    NOT NULL,
    version           INTEGER NOT NULL,
    name_sv           TEXT    NOT NULL,
    name_en           TEXT    NOT NULL,
    grp               TEXT    NOT NULL,
    default_severity  INTEGER NOT NULL CHECK (default_severity BETWEEN 1 AND 3),
    pii_policy        TEXT    NOT NULL,
    retired           INTEGER NOT NULL DEFAULT 0 CHECK (retired IN (0, 1)),
    -- For a retired category: the code the lägesbild counts its incidents under.
    replaced_by       TEXT,
    created_at        INTEGER NOT NULL,
    CONSTRAINT categories_code_version_key UNIQUE (code, version)
);

-- One submission by one reporter; holds one or more incidents.
CREATE TABLE reports (
    id                INTEGER PRIMARY KEY,
    organisation_id   INTEGER NOT NULL REFERENCES organisations (id),
    reporter_user_id  INTEGER REFERENCES users (id),
    submitted_at      INTEGER NOT NULL,
    -- A phone on a bad connection may send the same report twice; the key makes the
    -- second a no-op.
    idempotency_key   TEXT,
    CONSTRAINT reports_idempotency_key UNIQUE (reporter_user_id, idempotency_key)
);

CREATE TABLE incidents (
    id                  INTEGER PRIMARY KEY,
    report_id           INTEGER REFERENCES reports (id),
    category_id         INTEGER NOT NULL REFERENCES categories (id),
    organisation_id     INTEGER NOT NULL REFERENCES organisations (id),
    reporter_user_id    INTEGER REFERENCES users (id),
    -- Stored as shown: personal data already masked where the category says so.
    description         TEXT    NOT NULL,
    -- JSON object: how many of each kind of personal data were found.
    pii_found           TEXT    NOT NULL DEFAULT '{}',
    occurred_from       INTEGER NOT NULL,
    -- NULL for an instant; the end of the window when only a from–to is known.
    occurred_to         INTEGER,
    lat                 REAL,
    lon                 REAL,
    place_id            INTEGER REFERENCES places (id),
    location_text       TEXT,
    severity            INTEGER NOT NULL CHECK (severity BETWEEN 1 AND 3),
    creates_insecurity  INTEGER NOT NULL CHECK (creates_insecurity IN (0, 1)),
    sharing             TEXT    NOT NULL,
    status              TEXT    NOT NULL,
    review_note         TEXT,
    reviewed_by         INTEGER REFERENCES users (id),
    reviewed_at         INTEGER,
    merged_into         INTEGER REFERENCES incidents (id),
    source              TEXT    NOT NULL,
    external_id         TEXT,
    created_at          INTEGER NOT NULL,
    CHECK (occurred_to IS NULL OR occurred_to > occurred_from),
    CHECK ((lat IS NULL) = (lon IS NULL))
);
CREATE INDEX incidents_occurred ON incidents (occurred_from);
CREATE INDEX incidents_org_occurred ON incidents (organisation_id, occurred_from);
CREATE INDEX incidents_status ON incidents (status, occurred_from);
CREATE INDEX incidents_reporter ON incidents (reporter_user_id, created_at);
-- Re-importing a file with external ids never duplicates.
CREATE UNIQUE INDEX incidents_external ON incidents (organisation_id, source, external_id)
    WHERE external_id IS NOT NULL;

-- The areas (every kind, the versions current at reporting) an incident lies in. The
-- time is repeated here so "one district, one month" is one index range.
CREATE TABLE incident_areas (
    area_id        INTEGER NOT NULL REFERENCES areas (id),
    occurred_from  INTEGER NOT NULL,
    incident_id    INTEGER NOT NULL REFERENCES incidents (id),
    PRIMARY KEY (area_id, occurred_from, incident_id)
);
CREATE INDEX incident_areas_incident ON incident_areas (incident_id);

-- The police's public events feed. Positions are municipality or county centroids:
-- context for the lägesbild, never hot-spot data.
CREATE TABLE police_events (
    id                INTEGER PRIMARY KEY,
    occurred_at       INTEGER NOT NULL,
    event_type        TEXT    NOT NULL,
    name              TEXT    NOT NULL,
    summary           TEXT    NOT NULL,
    url               TEXT    NOT NULL,
    location_name     TEXT    NOT NULL,
    municipality      TEXT    NOT NULL,
    centroid_lat      REAL,
    centroid_lon      REAL,
    district_area_id  INTEGER REFERENCES areas (id),
    imported_at       INTEGER NOT NULL
);
CREATE INDEX police_events_occurred ON police_events (municipality, occurred_at);
