-- Foundation: organisations, units, users, roles, sessions, login attempts, audit log.
-- Instants are BIGINT microseconds since the Unix epoch, UTC (the same on SQLite), so both
-- backends compare and sort them identically.

CREATE TABLE organisations (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    is_home     BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  BIGINT  NOT NULL,
    CONSTRAINT organisations_name_key UNIQUE (name)
);
-- Exactly one organisation is the municipality that runs this installation.
CREATE UNIQUE INDEX organisations_one_home ON organisations (is_home) WHERE is_home;

CREATE TABLE units (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organisation_id  BIGINT NOT NULL REFERENCES organisations (id),
    name             TEXT   NOT NULL,
    created_at       BIGINT NOT NULL,
    CONSTRAINT units_org_name_key UNIQUE (organisation_id, name)
);

CREATE TABLE users (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organisation_id  BIGINT  NOT NULL REFERENCES organisations (id),
    unit_id          BIGINT  REFERENCES units (id),
    email            TEXT    NOT NULL,
    name             TEXT    NOT NULL,
    password_hash    TEXT    NOT NULL,
    disabled         BOOLEAN NOT NULL DEFAULT FALSE,
    created_at       BIGINT  NOT NULL,
    CONSTRAINT users_email_key UNIQUE (email)
);

CREATE TABLE user_roles (
    user_id  BIGINT NOT NULL REFERENCES users (id),
    role     TEXT   NOT NULL,
    PRIMARY KEY (user_id, role)
);

CREATE TABLE sessions (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id       BIGINT NOT NULL REFERENCES users (id),
    token_hash    TEXT   NOT NULL UNIQUE,
    csrf_token    TEXT   NOT NULL,
    created_at    BIGINT NOT NULL,
    last_seen_at  BIGINT NOT NULL,
    ip            TEXT
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Every login attempt, kept for brute-force protection (growing delay, lock, per-IP limit).
CREATE TABLE login_attempts (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email      TEXT    NOT NULL,
    ip         TEXT    NOT NULL,
    at         BIGINT  NOT NULL,
    succeeded  BOOLEAN NOT NULL
);
CREATE INDEX login_attempts_email_at ON login_attempts (email, at);
CREATE INDEX login_attempts_ip_at ON login_attempts (ip, at);

-- The head of the audit chain: one row, locked by every append so entries are numbered
-- without gaps and each links to the one before, however many instances write.
CREATE TABLE audit_head (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    seq   BIGINT  NOT NULL,
    hash  TEXT    NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE audit_log (
    seq            BIGINT PRIMARY KEY,
    at             BIGINT NOT NULL,
    actor_user_id  BIGINT,
    actor_org_id   BIGINT,
    action         TEXT   NOT NULL,
    object_type    TEXT   NOT NULL,
    object_id      TEXT,
    request_id     TEXT,
    detail         TEXT   NOT NULL,
    prev_hash      TEXT   NOT NULL,
    hash           TEXT   NOT NULL
);

-- Append-only, enforced by the database itself: a trigger for every role (superusers
-- included) and, for the owning role the application connects as, no rights to change.
CREATE FUNCTION audit_log_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END
$$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM PUBLIC;
REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM CURRENT_USER;
