-- Agreements and plans (issue 6 item 4): the samverkansöverenskommelse with its parties
-- and priority areas; activity plans (the agreement's own, and one per local BF group)
-- whose activities are measures; the statutory åtgärdsplan of lag (2023:196) as frozen,
-- hashed versions, each with its decision.

CREATE TABLE plan_agreements (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
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
    version       BIGINT NOT NULL DEFAULT 1,
    created_at    BIGINT NOT NULL,
    created_by    BIGINT REFERENCES users (id),
    updated_at    BIGINT NOT NULL,
    CHECK (period_end >= period_start)
);

CREATE TABLE plan_agreement_parties (
    agreement_id     BIGINT NOT NULL REFERENCES plan_agreements (id),
    organisation_id  BIGINT NOT NULL REFERENCES organisations (id),
    PRIMARY KEY (agreement_id, organisation_id)
);

CREATE TABLE plan_priority_areas (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    agreement_id  BIGINT NOT NULL REFERENCES plan_agreements (id),
    position      BIGINT NOT NULL,
    name          TEXT    NOT NULL,
    description   TEXT,
    CONSTRAINT plan_priority_areas_name_key UNIQUE (agreement_id, name)
);

-- A local crime-prevention group, usually for one district.
CREATE TABLE plan_bf_groups (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         TEXT    NOT NULL,
    area_id      BIGINT REFERENCES areas (id),
    description  TEXT,
    created_at   BIGINT NOT NULL,
    CONSTRAINT plan_bf_groups_name_key UNIQUE (name)
);

CREATE TABLE plan_bf_group_members (
    group_id         BIGINT NOT NULL REFERENCES plan_bf_groups (id),
    organisation_id  BIGINT NOT NULL REFERENCES organisations (id),
    PRIMARY KEY (group_id, organisation_id)
);

-- The agreement's own plan has no group (one per agreement); a BF group has one plan
-- per agreement it works under.
CREATE TABLE plan_activity_plans (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    agreement_id  BIGINT NOT NULL REFERENCES plan_agreements (id),
    bf_group_id   BIGINT REFERENCES plan_bf_groups (id),
    title         TEXT    NOT NULL,
    created_at    BIGINT NOT NULL
);
CREATE UNIQUE INDEX plan_activity_plans_agreement_key ON plan_activity_plans (agreement_id)
    WHERE bf_group_id IS NULL;
CREATE UNIQUE INDEX plan_activity_plans_group_key ON plan_activity_plans (agreement_id, bf_group_id)
    WHERE bf_group_id IS NOT NULL;

-- An activity is a measure under a priority area (a link: measures live in their own
-- tables and are never copied).
CREATE TABLE plan_activities (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    plan_id           BIGINT NOT NULL REFERENCES plan_activity_plans (id),
    priority_area_id  BIGINT NOT NULL REFERENCES plan_priority_areas (id),
    measure_id        BIGINT NOT NULL REFERENCES measures (id),
    note              TEXT,
    created_at        BIGINT NOT NULL,
    created_by        BIGINT REFERENCES users (id),
    CONSTRAINT plan_activities_measure_key UNIQUE (plan_id, measure_id)
);
CREATE INDEX plan_activities_measure ON plan_activities (measure_id);

-- The åtgärdsplan: `content` is the canonical JSON exactly as hashed, `sha256` its hex
-- digest. Content and hash are never changed (triggers); the decision is written once.
CREATE TABLE plan_action_plan_versions (
    id                   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    agreement_id         BIGINT NOT NULL REFERENCES plan_agreements (id),
    version              BIGINT NOT NULL CHECK (version >= 1),
    content              TEXT    NOT NULL,
    sha256               TEXT    NOT NULL,
    created_at           BIGINT NOT NULL,
    created_by           BIGINT NOT NULL REFERENCES users (id),
    decided_on           TEXT,
    decided_by_body      TEXT,
    diary_number         TEXT,
    decision_recorded_at BIGINT,
    decision_recorded_by BIGINT REFERENCES users (id),
    CONSTRAINT plan_action_plan_versions_version_key UNIQUE (agreement_id, version),
    CHECK ((decided_on IS NULL) = (decided_by_body IS NULL)
       AND (decided_on IS NULL) = (diary_number IS NULL))
);
CREATE FUNCTION plan_action_plan_versions_frozen() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' OR NEW.content <> OLD.content OR NEW.sha256 <> OLD.sha256
       OR NEW.agreement_id <> OLD.agreement_id OR NEW.version <> OLD.version THEN
        RAISE EXCEPTION 'an åtgärdsplan version is frozen';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER plan_action_plan_versions_frozen BEFORE UPDATE OR DELETE ON plan_action_plan_versions
    FOR EACH ROW EXECUTE FUNCTION plan_action_plan_versions_frozen();
