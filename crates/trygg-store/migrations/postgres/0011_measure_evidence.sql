-- Evidence photos of measures: "before" and "after" pictures the owner unit (or the
-- coordinator) attaches, so a confirmation rests on something one can look at. Only
-- re-encoded photos without metadata are stored (the incident photo rules of
-- trygg_domain::incident::photo), in the database like incident photos, so every
-- instance and one backup see them. Reads are audited by the store.
CREATE TABLE measure_evidence (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    measure_id    BIGINT  NOT NULL REFERENCES measures (id),
    phase         TEXT    NOT NULL CHECK (phase IN ('before', 'after')),
    content_type  TEXT    NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png')),
    width         BIGINT  NOT NULL CHECK (width > 0),
    height        BIGINT  NOT NULL CHECK (height > 0),
    byte_size     BIGINT  NOT NULL CHECK (byte_size > 0),
    sha256        TEXT    NOT NULL,
    uploaded_by   BIGINT  REFERENCES users (id),
    created_at    BIGINT  NOT NULL,
    thumb         BYTEA   NOT NULL,
    data          BYTEA   NOT NULL
);
CREATE INDEX measure_evidence_measure ON measure_evidence (measure_id, id);
