-- Safety walks (trygghetsvandringar): the plan and route, who signed up, what was
-- observed (with photos), the proposals routed to owners and their answers, and the
-- links external owners answer through.

CREATE TABLE walks (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title             TEXT    NOT NULL,
    area_id           BIGINT  REFERENCES areas (id),
    starts_at         BIGINT  NOT NULL,
    ends_at           BIGINT  NOT NULL,
    after_dark        BOOLEAN NOT NULL,
    meeting_point     TEXT    NOT NULL,
    description       TEXT,
    capacity          BIGINT  NOT NULL CHECK (capacity BETWEEN 1 AND 200),
    signup_open       BOOLEAN NOT NULL,
    status            TEXT    NOT NULL CHECK (status IN ('planned', 'walked', 'published')),
    published_at      BIGINT,
    -- A re-walk names the walk whose open items it checks.
    previous_walk_id  BIGINT  REFERENCES walks (id),
    created_by        BIGINT  REFERENCES users (id),
    created_at        BIGINT  NOT NULL,
    CHECK (ends_at > starts_at)
);
CREATE INDEX walks_status ON walks (status, starts_at);

-- The route, in order. A stop is a named place, a point, or both.
CREATE TABLE walk_stops (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    walk_id      BIGINT  NOT NULL REFERENCES walks (id),
    seq          BIGINT  NOT NULL,
    name         TEXT    NOT NULL,
    lat          DOUBLE PRECISION,
    lon          DOUBLE PRECISION,
    place_id     BIGINT  REFERENCES places (id),
    note         TEXT,
    CHECK ((lat IS NULL) = (lon IS NULL)),
    CONSTRAINT walk_stops_seq_key UNIQUE (walk_id, seq)
);

CREATE TABLE walk_organisers (
    walk_id  BIGINT  NOT NULL REFERENCES walks (id),
    user_id  BIGINT  NOT NULL REFERENCES users (id),
    PRIMARY KEY (walk_id, user_id)
);

-- Organisations (and optionally one unit) invited to take part.
CREATE TABLE walk_invitations (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    walk_id          BIGINT  NOT NULL REFERENCES walks (id),
    organisation_id  BIGINT  NOT NULL REFERENCES organisations (id),
    unit_id          BIGINT  REFERENCES units (id)
);
CREATE UNIQUE INDEX walk_invitations_key ON walk_invitations (walk_id, organisation_id, COALESCE(unit_id, 0));

-- People who signed up without an account. Personal data: only the organisers see it,
-- it is never published, and it is not needed once the walk is over.
CREATE TABLE walk_participants (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    walk_id     BIGINT  NOT NULL REFERENCES walks (id),
    name        TEXT    NOT NULL,
    email       TEXT    NOT NULL,
    grp         TEXT,
    created_at  BIGINT  NOT NULL,
    CONSTRAINT walk_participants_email_key UNIQUE (walk_id, email)
);

CREATE TABLE walk_observations (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    walk_id          BIGINT  NOT NULL REFERENCES walks (id),
    stop_id          BIGINT  REFERENCES walk_stops (id),
    lat              DOUBLE PRECISION,
    lon              DOUBLE PRECISION,
    place_text       TEXT,
    problem          TEXT    NOT NULL,
    -- Personal data masked before storing.
    description      TEXT    NOT NULL,
    pii_found        TEXT    NOT NULL DEFAULT '{}',
    recorded_by      BIGINT  REFERENCES users (id),
    recorded_at      BIGINT  NOT NULL,
    -- A phone on a poor connection may send the same form twice.
    idempotency_key  TEXT,
    CHECK ((lat IS NULL) = (lon IS NULL)),
    CONSTRAINT walk_observations_key UNIQUE (walk_id, idempotency_key)
);
CREATE INDEX walk_observations_walk ON walk_observations (walk_id, stop_id);

-- Photos, re-encoded without metadata (the incident photo rules).
CREATE TABLE walk_photos (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    observation_id  BIGINT  NOT NULL REFERENCES walk_observations (id),
    content_type    TEXT    NOT NULL,
    width           BIGINT  NOT NULL,
    height          BIGINT  NOT NULL,
    sha256          TEXT    NOT NULL,
    bytes           BYTEA   NOT NULL,
    thumb           BYTEA   NOT NULL,
    created_at      BIGINT  NOT NULL
);
CREATE INDEX walk_photos_observation ON walk_photos (observation_id);

-- Owners outside Trygg who answer through a link. Only a hash of the link's token is
-- kept; the token opens only this owner's proposals of this walk, until it expires.
CREATE TABLE walk_external_owners (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    walk_id           BIGINT  NOT NULL REFERENCES walks (id),
    name              TEXT    NOT NULL,
    email             TEXT    NOT NULL,
    token_hash        TEXT,
    token_expires_at  BIGINT,
    CONSTRAINT walk_external_owners_key UNIQUE (walk_id, email)
);
CREATE UNIQUE INDEX walk_external_owners_token ON walk_external_owners (token_hash)
    WHERE token_hash IS NOT NULL;

CREATE TABLE walk_proposals (
    id                 BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    walk_id            BIGINT  NOT NULL REFERENCES walks (id),
    observation_id     BIGINT  NOT NULL REFERENCES walk_observations (id),
    text               TEXT    NOT NULL,
    owner_unit_id      BIGINT  REFERENCES units (id),
    owner_external_id  BIGINT  REFERENCES walk_external_owners (id),
    answer             TEXT CHECK (answer IN ('will_do', 'will_not_do', 'already_done')),
    -- YYYY-MM-DD, for will_do.
    due                TEXT,
    reason             TEXT,
    answered_at        BIGINT,
    answered_by        BIGINT  REFERENCES users (id),
    -- 'ui' or 'link'.
    answered_via       TEXT,
    done_at            BIGINT,
    -- The measure it became (when measures exist), kept as a plain number so this
    -- table does not depend on the measures' schema.
    measure_id         BIGINT,
    reminded_at        BIGINT,
    created_at         BIGINT  NOT NULL,
    CHECK (owner_unit_id IS NULL OR owner_external_id IS NULL)
);
CREATE INDEX walk_proposals_walk ON walk_proposals (walk_id);
CREATE INDEX walk_proposals_unit ON walk_proposals (owner_unit_id);
