-- Photos of incidents. Only re-encoded photos without metadata are stored (see
-- trygg_domain::incident::photo); they live in the database, not in files, so every
-- instance behind a load balancer sees them and one backup holds everything.
CREATE TABLE incident_photos (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    incident_id   BIGINT  NOT NULL REFERENCES incidents (id),
    content_type  TEXT    NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png')),
    width         BIGINT  NOT NULL CHECK (width > 0),
    height        BIGINT  NOT NULL CHECK (height > 0),
    byte_size     BIGINT  NOT NULL CHECK (byte_size > 0),
    -- SHA-256 of data, hex: integrity checks and spotting the same photo twice.
    sha256        TEXT    NOT NULL,
    uploaded_by   BIGINT  REFERENCES users (id),
    created_at    BIGINT  NOT NULL,
    thumb         BYTEA   NOT NULL,
    data          BYTEA   NOT NULL
);
CREATE INDEX incident_photos_incident ON incident_photos (incident_id, id);
