-- Agreements and plans (issue 6 item 4): the samverkansöverenskommelse with its parties
-- and priority areas; activity plans (the agreement's own, and one per local BF group)
-- whose activities are measures; the statutory åtgärdsplan of lag (2023:196) as frozen,
-- hashed versions, each with its decision.

CREATE TABLE plan_agreements (
    id            INTEGER PRIMARY KEY,
    title         TEXT    NOT NULL,
    -- Swedish local dates, 'YYYY-MM-DD' (sort as text).
    period_start  TEXT    NOT NULL,
    period_end    TEXT    NOT NULL,
    problems      TEXT    NOT NULL,
    causes        TEXT    NOT NULL,
    goals         TEXT    NOT NULL,
    follow_up     TEXT    NOT NULL,
    -- One signatory per line ("name, function").
    signatories   TEXT    NOT NULL DEFAULT '',
    -- Bumped by every change: an edit based on an older version is refused.
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    INTEGER NOT NULL,
    created_by    INTEGER REFERENCES users (id),
    updated_at    INTEGER NOT NULL,
    CHECK (period_end >= period_start)
);

CREATE TABLE plan_agreement_parties (
    agreement_id     INTEGER NOT NULL REFERENCES plan_agreements (id),
    organisation_id  INTEGER NOT NULL REFERENCES organisations (id),
    PRIMARY KEY (agreement_id, organisation_id)
);

CREATE TABLE plan_priority_areas (
    id            INTEGER PRIMARY KEY,
    agreement_id  INTEGER NOT NULL REFERENCES plan_agreements (id),
    position      INTEGER NOT NULL,
    name          TEXT    NOT NULL,
    description   TEXT,
    CONSTRAINT plan_priority_areas_name_key UNIQUE (agreement_id, name)
);

-- A local crime-prevention group, usually for one district.
CREATE TABLE plan_bf_groups (
    id           INTEGER PRIMARY KEY,
    name         TEXT    NOT NULL,
    area_id      INTEGER REFERENCES areas (id),
    description  TEXT,
    created_at   INTEGER NOT NULL,
    CONSTRAINT plan_bf_groups_name_key UNIQUE (name)
);

CREATE TABLE plan_bf_group_members (
    group_id         INTEGER NOT NULL REFERENCES plan_bf_groups (id),
    organisation_id  INTEGER NOT NULL REFERENCES organisations (id),
    PRIMARY KEY (group_id, organisation_id)
);

-- The agreement's own plan has no group (one per agreement); a BF group has one plan
-- per agreement it works under.
CREATE TABLE plan_activity_plans (
    id            INTEGER PRIMARY KEY,
    agreement_id  INTEGER NOT NULL REFERENCES plan_agreements (id),
    bf_group_id   INTEGER REFERENCES plan_bf_groups (id),
    title         TEXT    NOT NULL,
    created_at    INTEGER NOT NULL
);
CREATE UNIQUE INDEX plan_activity_plans_agreement_key ON plan_activity_plans (agreement_id)
    WHERE bf_group_id IS NULL;
CREATE UNIQUE INDEX plan_activity_plans_group_key ON plan_activity_plans (agreement_id, bf_group_id)
    WHERE bf_group_id IS NOT NULL;

-- An activity is a measure under a priority area (a link: measures live in their own
-- tables and are never copied).
CREATE TABLE plan_activities (
    id                INTEGER PRIMARY KEY,
    plan_id           INTEGER NOT NULL REFERENCES plan_activity_plans (id),
    priority_area_id  INTEGER NOT NULL REFERENCES plan_priority_areas (id),
    measure_id        INTEGER NOT NULL REFERENCES measures (id),
    note              TEXT,
    created_at        INTEGER NOT NULL,
    created_by        INTEGER REFERENCES users (id),
    CONSTRAINT plan_activities_measure_key UNIQUE (plan_id, measure_id)
);
CREATE INDEX plan_activities_measure ON plan_activities (measure_id);

-- The åtgärdsplan: `content` is the canonical JSON exactly as hashed, `sha256` its hex
-- digest. Content and hash are never changed (triggers); the decision is written once.
CREATE TABLE plan_action_plan_versions (
    id                   INTEGER PRIMARY KEY,
    agreement_id         INTEGER NOT NULL REFERENCES plan_agreements (id),
    version              INTEGER NOT NULL CHECK (version >= 1),
    content              TEXT    NOT NULL,
    sha256               TEXT    NOT NULL,
    created_at           INTEGER NOT NULL,
    created_by           INTEGER NOT NULL REFERENCES users (id),
    decided_on           TEXT,
    decided_by_body      TEXT,
    diary_number         TEXT,
    decision_recorded_at INTEGER,
    decision_recorded_by INTEGER REFERENCES users (id),
    CONSTRAINT plan_action_plan_versions_version_key UNIQUE (agreement_id, version),
    CHECK ((decided_on IS NULL) = (decided_by_body IS NULL)
       AND (decided_on IS NULL) = (diary_number IS NULL))
);
CREATE TRIGGER plan_action_plan_versions_frozen BEFORE UPDATE OF content, sha256, agreement_id, version
ON plan_action_plan_versions
BEGIN SELECT RAISE(ABORT, 'an åtgärdsplan version is frozen'); END;
CREATE TRIGGER plan_action_plan_versions_no_delete BEFORE DELETE ON plan_action_plan_versions
BEGIN SELECT RAISE(ABORT, 'an åtgärdsplan version is frozen'); END;
