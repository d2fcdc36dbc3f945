-- The EST meeting and the published lägesbild.
--
-- One meeting per area and ISO week: who took part, the notes, and the places to
-- prioritise next week with the organisation responsible and what it will do.
-- Publishing stores the whole computed picture (with the meeting) as JSON together with
-- its SHA-256, so a published picture never changes when incidents are edited later
-- and any change to the stored text is detectable. Republishing adds a version.

CREATE TABLE est_meetings (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    area_id      BIGINT  NOT NULL REFERENCES areas (id),
    iso_year     BIGINT  NOT NULL,
    iso_week     BIGINT  NOT NULL CHECK (iso_week BETWEEN 1 AND 53),
    notes        TEXT    NOT NULL DEFAULT '',
    created_at   BIGINT  NOT NULL,
    updated_at   BIGINT  NOT NULL,
    updated_by   BIGINT  REFERENCES users (id),
    CONSTRAINT est_meetings_area_week_key UNIQUE (area_id, iso_year, iso_week)
);

-- Who took part: an organisation, and optionally a person's name (personal data: kept
-- minimal, shown only to roles that may read the draft lägesbild).
CREATE TABLE est_meeting_participants (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    meeting_id       BIGINT  NOT NULL REFERENCES est_meetings (id) ON DELETE CASCADE,
    organisation_id  BIGINT  NOT NULL REFERENCES organisations (id),
    person_name      TEXT,
    created_at       BIGINT  NOT NULL
);
CREATE INDEX est_meeting_participants_meeting ON est_meeting_participants (meeting_id);

-- A place to prioritise next week: a known place or a described location, the
-- organisation responsible and what it will do. `measure_id` links the measure it
-- became (measures have their own migration; no foreign key across the two).
CREATE TABLE est_meeting_priorities (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    meeting_id       BIGINT  NOT NULL REFERENCES est_meetings (id) ON DELETE CASCADE,
    place_id         BIGINT  REFERENCES places (id),
    location_text    TEXT,
    organisation_id  BIGINT  NOT NULL REFERENCES organisations (id),
    action           TEXT    NOT NULL,
    measure_id       BIGINT,
    created_at       BIGINT  NOT NULL,
    CHECK (place_id IS NOT NULL OR location_text IS NOT NULL)
);
CREATE INDEX est_meeting_priorities_meeting ON est_meeting_priorities (meeting_id);

-- A published picture. `snapshot` is the canonical JSON exactly as hashed; `sha256`
-- its hex digest (also written to the audit chain when published). `public` is the
-- area owner's opt-in to an aggregated public version.
CREATE TABLE lagesbild_publications (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    area_id       BIGINT  NOT NULL REFERENCES areas (id),
    iso_year      BIGINT  NOT NULL,
    iso_week      BIGINT  NOT NULL CHECK (iso_week BETWEEN 1 AND 53),
    version       BIGINT  NOT NULL CHECK (version >= 1),
    snapshot      TEXT    NOT NULL,
    sha256        TEXT    NOT NULL,
    public        BOOLEAN NOT NULL DEFAULT FALSE,
    published_by  BIGINT  NOT NULL REFERENCES users (id),
    published_at  BIGINT  NOT NULL,
    CONSTRAINT lagesbild_publications_version_key UNIQUE (area_id, iso_year, iso_week, version)
);
CREATE INDEX lagesbild_publications_recent ON lagesbild_publications (published_at);
