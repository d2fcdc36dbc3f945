-- Measures (åtgärder): the problem they answer, the owner unit, the workflow status,
-- every change as history, a comment thread, co-owners, and the e-mail outbox the
-- notifications go through.

CREATE TABLE measures (
    id                     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title                  TEXT    NOT NULL,
    description            TEXT    NOT NULL,
    kind                   TEXT    NOT NULL,
    cause                  TEXT,
    status                 TEXT    NOT NULL,
    -- 'partners' (seen by every EST partner) or 'own' (the owner organisation and the
    -- coordinators), as for incidents.
    sharing                TEXT    NOT NULL,
    owner_organisation_id  BIGINT REFERENCES organisations (id),
    owner_unit_id          BIGINT REFERENCES units (id),
    responsible_user_id    BIGINT REFERENCES users (id),
    proposed_by            BIGINT REFERENCES users (id),
    -- Swedish local dates, 'YYYY-MM-DD' (sorts as text).
    due_date               TEXT,
    planned_date           TEXT,
    cost_sek               BIGINT CHECK (cost_sek IS NULL OR cost_sek >= 0),
    -- The reason of a refusal, a not-feasible verdict, a send-back or a reopening.
    status_reason          TEXT,
    evidence               TEXT,
    completed_at           BIGINT,
    confirmed_at           BIGINT,
    -- The comparison area of the effect follow-up, chosen by the coordinator.
    control_area_id        BIGINT REFERENCES areas (id),
    -- Bumped by every change: a change based on an older version is refused.
    version                BIGINT NOT NULL DEFAULT 1,
    created_at             BIGINT NOT NULL,
    updated_at             BIGINT NOT NULL
);
CREATE INDEX measures_unit_status ON measures (owner_unit_id, status);
CREATE INDEX measures_status_due ON measures (status, due_date);

-- The problem a measure answers: exactly one target per row. The lägesbild priority and
-- the safety-walk proposal have no foreign key yet: their tables come with their issues.
CREATE TABLE measure_links (
    id                     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    measure_id             BIGINT NOT NULL REFERENCES measures (id),
    incident_id            BIGINT REFERENCES incidents (id),
    place_id               BIGINT REFERENCES places (id),
    area_id                BIGINT REFERENCES areas (id),
    lagesbild_priority_id  BIGINT,
    walk_proposal_id       BIGINT,
    CHECK (num_nonnulls(incident_id, place_id, area_id, lagesbild_priority_id, walk_proposal_id) = 1)
);
CREATE INDEX measure_links_measure ON measure_links (measure_id);
CREATE INDEX measure_links_area ON measure_links (area_id) WHERE area_id IS NOT NULL;

CREATE TABLE measure_co_owners (
    measure_id  BIGINT NOT NULL REFERENCES measures (id),
    unit_id     BIGINT NOT NULL REFERENCES units (id),
    PRIMARY KEY (measure_id, unit_id)
);

-- Every change, never updated or deleted: who, when, the status before and after, the
-- fields that changed (JSON {field: [before, after]}) and the note given.
CREATE TABLE measure_history (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    measure_id     BIGINT NOT NULL REFERENCES measures (id),
    at             BIGINT NOT NULL,
    actor_user_id  BIGINT REFERENCES users (id),
    action         TEXT    NOT NULL,
    from_status    TEXT,
    to_status      TEXT    NOT NULL,
    changes        TEXT    NOT NULL DEFAULT '{}',
    note           TEXT
);
CREATE INDEX measure_history_measure ON measure_history (measure_id, id);
CREATE FUNCTION measure_history_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'measure history is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER measure_history_no_change BEFORE UPDATE OR DELETE ON measure_history
    FOR EACH ROW EXECUTE FUNCTION measure_history_append_only();

CREATE TABLE measure_comments (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    measure_id      BIGINT NOT NULL REFERENCES measures (id),
    author_user_id  BIGINT REFERENCES users (id),
    at              BIGINT NOT NULL,
    body            TEXT    NOT NULL
);
CREATE INDEX measure_comments_measure ON measure_comments (measure_id, id);

-- E-mails to send, written in the same transaction as the change they tell about. A
-- sender claims a row (claimed_by, claimed_until) before sending, so two instances never
-- send the same row; a claim that expires (a crashed sender) is taken up again.
CREATE TABLE email_outbox (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- Makes scheduled notifications (due soon, overdue) idempotent.
    dedupe_key       TEXT,
    kind             TEXT    NOT NULL,
    measure_id       BIGINT REFERENCES measures (id),
    -- Recipients, one address per line.
    recipients       TEXT    NOT NULL,
    subject          TEXT    NOT NULL,
    body             TEXT    NOT NULL,
    created_at       BIGINT NOT NULL,
    attempts         BIGINT NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT NOT NULL,
    claimed_by       TEXT,
    claimed_until    BIGINT,
    sent_at          BIGINT,
    -- Set when the sender gave up after too many failures.
    failed_at        BIGINT,
    last_error       TEXT,
    CONSTRAINT email_outbox_dedupe_key UNIQUE (dedupe_key)
);
CREATE INDEX email_outbox_due ON email_outbox (next_attempt_at)
    WHERE sent_at IS NULL AND failed_at IS NULL;
