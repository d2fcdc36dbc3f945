-- Safety walks (trygghetsvandringar): the plan and route, who signed up, what was
-- observed (with photos), the proposals routed to owners and their answers, and the
-- links external owners answer through.

CREATE TABLE walks (
    id                INTEGER PRIMARY KEY,
    title             TEXT    NOT NULL,
    area_id           INTEGER REFERENCES areas (id),
    starts_at         INTEGER NOT NULL,
    ends_at           INTEGER NOT NULL,
    after_dark        INTEGER NOT NULL CHECK (after_dark IN (0, 1)),
    meeting_point     TEXT    NOT NULL,
    description       TEXT,
    capacity          INTEGER NOT NULL CHECK (capacity BETWEEN 1 AND 200),
    signup_open       INTEGER NOT NULL CHECK (signup_open IN (0, 1)),
    status            TEXT    NOT NULL CHECK (status IN ('planned', 'walked', 'published')),
    published_at      INTEGER,
    -- A re-walk names the walk whose open items it checks.
    previous_walk_id  INTEGER REFERENCES walks (id),
    created_by        INTEGER REFERENCES users (id),
    created_at        INTEGER NOT NULL,
    CHECK (ends_at > starts_at)
);
CREATE INDEX walks_status ON walks (status, starts_at);

-- The route, in order. A stop is a named place, a point, or both.
CREATE TABLE walk_stops (
    id           INTEGER PRIMARY KEY,
    walk_id      INTEGER NOT NULL REFERENCES walks (id),
    seq          INTEGER NOT NULL,
    name         TEXT    NOT NULL,
    lat          REAL,
    lon          REAL,
    place_id     INTEGER REFERENCES places (id),
    note         TEXT,
    CHECK ((lat IS NULL) = (lon IS NULL)),
    CONSTRAINT walk_stops_seq_key UNIQUE (walk_id, seq)
);

CREATE TABLE walk_organisers (
    walk_id  INTEGER NOT NULL REFERENCES walks (id),
    user_id  INTEGER NOT NULL REFERENCES users (id),
    PRIMARY KEY (walk_id, user_id)
);

-- Organisations (and optionally one unit) invited to take part.
CREATE TABLE walk_invitations (
    id               INTEGER PRIMARY KEY,
    walk_id          INTEGER NOT NULL REFERENCES walks (id),
    organisation_id  INTEGER NOT NULL REFERENCES organisations (id),
    unit_id          INTEGER REFERENCES units (id)
);
CREATE UNIQUE INDEX walk_invitations_key ON walk_invitations (walk_id, organisation_id, COALESCE(unit_id, 0));

-- People who signed up without an account. Personal data: only the organisers see it,
-- it is never published, and it is not needed once the walk is over.
CREATE TABLE walk_participants (
    id          INTEGER PRIMARY KEY,
    walk_id     INTEGER NOT NULL REFERENCES walks (id),
    name        TEXT    NOT NULL,
    email       TEXT    NOT NULL,
    grp         TEXT,
    created_at  INTEGER NOT NULL,
    CONSTRAINT walk_participants_email_key UNIQUE (walk_id, email)
);

CREATE TABLE walk_observations (
    id               INTEGER PRIMARY KEY,
    walk_id          INTEGER NOT NULL REFERENCES walks (id),
    stop_id          INTEGER REFERENCES walk_stops (id),
    lat              REAL,
    lon              REAL,
    place_text       TEXT,
    problem          TEXT    NOT NULL,
    -- Personal data masked before storing.
    description      TEXT    NOT NULL,
    pii_found        TEXT    NOT NULL DEFAULT '{}',
    recorded_by      INTEGER REFERENCES users (id),
    recorded_at      INTEGER NOT NULL,
    -- A phone on a poor connection may send the same form twice.
    idempotency_key  TEXT,
    CHECK ((lat IS NULL) = (lon IS NULL)),
    CONSTRAINT walk_observations_key UNIQUE (walk_id, idempotency_key)
);
CREATE INDEX walk_observations_walk ON walk_observations (walk_id, stop_id);

-- Photos, re-encoded without metadata (the incident photo rules).
CREATE TABLE walk_photos (
    id              INTEGER PRIMARY KEY,
    observation_id  INTEGER NOT NULL REFERENCES walk_observations (id),
    content_type    TEXT    NOT NULL,
    width           INTEGER NOT NULL,
    height          INTEGER NOT NULL,
    sha256          TEXT    NOT NULL,
    bytes           BLOB    NOT NULL,
    thumb           BLOB    NOT NULL,
    created_at      INTEGER NOT NULL
);
CREATE INDEX walk_photos_observation ON walk_photos (observation_id);

-- Owners outside Trygg who answer through a link. Only a hash of the link's token is
-- kept; the token opens only this owner's proposals of this walk, until it expires.
CREATE TABLE walk_external_owners (
    id                INTEGER PRIMARY KEY,
    walk_id           INTEGER NOT NULL REFERENCES walks (id),
    name              TEXT    NOT NULL,
    email             TEXT    NOT NULL,
    token_hash        TEXT,
    token_expires_at  INTEGER,
    CONSTRAINT walk_external_owners_key UNIQUE (walk_id, email)
);
CREATE UNIQUE INDEX walk_external_owners_token ON walk_external_owners (token_hash)
    WHERE token_hash IS NOT NULL;

CREATE TABLE walk_proposals (
    id                 INTEGER PRIMARY KEY,
    walk_id            INTEGER NOT NULL REFERENCES walks (id),
    observation_id     INTEGER NOT NULL REFERENCES walk_observations (id),
    text               TEXT    NOT NULL,
    owner_unit_id      INTEGER REFERENCES units (id),
    owner_external_id  INTEGER REFERENCES walk_external_owners (id),
    answer             TEXT CHECK (answer IN ('will_do', 'will_not_do', 'already_done')),
    -- YYYY-MM-DD, for will_do.
    due                TEXT,
    reason             TEXT,
    answered_at        INTEGER,
    answered_by        INTEGER REFERENCES users (id),
    -- 'ui' or 'link'.
    answered_via       TEXT,
    done_at            INTEGER,
    -- The measure it became (when measures exist), kept as a plain number so this
    -- table does not depend on the measures' schema.
    measure_id         INTEGER,
    reminded_at        INTEGER,
    created_at         INTEGER NOT NULL,
    CHECK (owner_unit_id IS NULL OR owner_external_id IS NULL)
);
CREATE INDEX walk_proposals_walk ON walk_proposals (walk_id);
CREATE INDEX walk_proposals_unit ON walk_proposals (owner_unit_id);
