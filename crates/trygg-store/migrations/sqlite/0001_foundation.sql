-- Foundation: organisations, units, users, roles, sessions, login attempts, audit log.
-- Instants are INTEGER microseconds since the Unix epoch, UTC (the same on PostgreSQL).

CREATE TABLE organisations (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    is_home     INTEGER NOT NULL DEFAULT 0 CHECK (is_home IN (0, 1)),
    created_at  INTEGER NOT NULL,
    CONSTRAINT organisations_name_key UNIQUE (name)
);
-- Exactly one organisation is the municipality that runs this installation.
CREATE UNIQUE INDEX organisations_one_home ON organisations (is_home) WHERE is_home = 1;

CREATE TABLE units (
    id               INTEGER PRIMARY KEY,
    organisation_id  INTEGER NOT NULL REFERENCES organisations (id),
    name             TEXT    NOT NULL,
    created_at       INTEGER NOT NULL,
    CONSTRAINT units_org_name_key UNIQUE (organisation_id, name)
);

CREATE TABLE users (
    id               INTEGER PRIMARY KEY,
    organisation_id  INTEGER NOT NULL REFERENCES organisations (id),
    unit_id          INTEGER REFERENCES units (id),
    email            TEXT    NOT NULL,
    name             TEXT    NOT NULL,
    password_hash    TEXT    NOT NULL,
    disabled         INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at       INTEGER NOT NULL,
    CONSTRAINT users_email_key UNIQUE (email)
);

CREATE TABLE user_roles (
    user_id  INTEGER NOT NULL REFERENCES users (id),
    role     TEXT    NOT NULL,
    PRIMARY KEY (user_id, role)
);

CREATE TABLE sessions (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (id),
    token_hash    TEXT    NOT NULL UNIQUE,
    csrf_token    TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    last_seen_at  INTEGER NOT NULL,
    ip            TEXT
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Every login attempt, kept for brute-force protection (growing delay, lock, per-IP limit).
CREATE TABLE login_attempts (
    id         INTEGER PRIMARY KEY,
    email      TEXT    NOT NULL,
    ip         TEXT    NOT NULL,
    at         INTEGER NOT NULL,
    succeeded  INTEGER NOT NULL CHECK (succeeded IN (0, 1))
);
CREATE INDEX login_attempts_email_at ON login_attempts (email, at);
CREATE INDEX login_attempts_ip_at ON login_attempts (ip, at);

-- The head of the audit chain: one row, locked by every append so entries are numbered
-- without gaps and each links to the one before, however many writers there are.
CREATE TABLE audit_head (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    seq   INTEGER NOT NULL,
    hash  TEXT    NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE audit_log (
    seq            INTEGER PRIMARY KEY,
    at             INTEGER NOT NULL,
    actor_user_id  INTEGER,
    actor_org_id   INTEGER,
    action         TEXT    NOT NULL,
    object_type    TEXT    NOT NULL,
    object_id      TEXT,
    request_id     TEXT,
    detail         TEXT    NOT NULL,
    prev_hash      TEXT    NOT NULL,
    hash           TEXT    NOT NULL
);

-- Append-only, enforced by the database itself.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
