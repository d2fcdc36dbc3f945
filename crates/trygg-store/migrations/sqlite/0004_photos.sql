-- Photos of incidents. Only re-encoded photos without metadata are stored (see
-- trygg_domain::incident::photo); they live in the database, not in files, so every
-- instance behind a load balancer sees them and one backup holds everything.
CREATE TABLE incident_photos (
    id            INTEGER PRIMARY KEY,
    incident_id   INTEGER NOT NULL REFERENCES incidents (id),
    content_type  TEXT    NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png')),
    width         INTEGER NOT NULL CHECK (width > 0),
    height        INTEGER NOT NULL CHECK (height > 0),
    byte_size     INTEGER NOT NULL CHECK (byte_size > 0),
    -- SHA-256 of data, hex: integrity checks and spotting the same photo twice.
    sha256        TEXT    NOT NULL,
    uploaded_by   INTEGER REFERENCES users (id),
    created_at    INTEGER NOT NULL,
    -- The large values last, so listing a row's other columns does not read them.
    thumb         BLOB    NOT NULL,
    data          BLOB    NOT NULL
);
CREATE INDEX incident_photos_incident ON incident_photos (incident_id, id);
