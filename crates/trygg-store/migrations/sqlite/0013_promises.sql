-- Medborgarlöften (citizen promises): the promise with its activities and owners, the
-- indicators that follow it up, and the monthly reports with their values. A published
-- report is what citizens were told: the triggers below refuse any change to it or its
-- values, whatever code path tries.

CREATE TABLE promises (
    id            INTEGER PRIMARY KEY,
    title         TEXT    NOT NULL,
    -- "Vi lovar att …", as the public reads it.
    statement     TEXT    NOT NULL,
    description   TEXT,
    area_id       INTEGER REFERENCES areas (id),
    -- Calendar months, 'YYYY-MM'; no last month means until further notice.
    first_month   TEXT    NOT NULL,
    last_month    TEXT,
    created_by    INTEGER REFERENCES users (id),
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    CHECK (last_month IS NULL OR last_month >= first_month)
);

-- "genom att …": what is done to keep the promise, and by whom.
CREATE TABLE promise_activities (
    id          INTEGER PRIMARY KEY,
    promise_id  INTEGER NOT NULL REFERENCES promises (id),
    seq         INTEGER NOT NULL,
    text        TEXT    NOT NULL,
    owner       TEXT    NOT NULL CHECK (owner IN ('police', 'municipality', 'both')),
    CONSTRAINT promise_activities_seq_key UNIQUE (promise_id, seq)
);

-- How the promise is followed up. An indicator no longer used is retired, not deleted:
-- published reports name it.
CREATE TABLE promise_indicators (
    id          INTEGER PRIMARY KEY,
    promise_id  INTEGER NOT NULL REFERENCES promises (id),
    seq         INTEGER NOT NULL,
    name        TEXT    NOT NULL,
    source      TEXT    NOT NULL CHECK (source IN ('incidents', 'measures_done', 'manual')),
    -- Comma-separated category codes for source 'incidents'.
    categories  TEXT    NOT NULL DEFAULT '',
    retired     INTEGER NOT NULL DEFAULT 0 CHECK (retired IN (0, 1))
);
CREATE INDEX promise_indicators_promise ON promise_indicators (promise_id, seq);

CREATE TABLE promise_reports (
    id            INTEGER PRIMARY KEY,
    promise_id    INTEGER NOT NULL REFERENCES promises (id),
    month         TEXT    NOT NULL,
    status        TEXT    NOT NULL CHECK (status IN ('draft', 'published')),
    done_text     TEXT    NOT NULL,
    comments      TEXT,
    created_by    INTEGER REFERENCES users (id),
    created_at    INTEGER NOT NULL,
    updated_by    INTEGER REFERENCES users (id),
    updated_at    INTEGER NOT NULL,
    published_by  INTEGER REFERENCES users (id),
    published_at  INTEGER,
    CHECK ((status = 'published') = (published_at IS NOT NULL)),
    CONSTRAINT promise_reports_month_key UNIQUE (promise_id, month)
);
CREATE INDEX promise_reports_published ON promise_reports (status, published_at);

-- The indicator's name is copied into the value, so a published figure keeps the
-- name it was published under even if the indicator is renamed later.
CREATE TABLE promise_report_values (
    report_id     INTEGER NOT NULL REFERENCES promise_reports (id),
    indicator_id  INTEGER NOT NULL REFERENCES promise_indicators (id),
    name          TEXT    NOT NULL,
    value         INTEGER CHECK (value IS NULL OR value >= 0),
    -- Whether Trygg computed it (incidents, measures) rather than someone typing it.
    computed      INTEGER NOT NULL CHECK (computed IN (0, 1)),
    PRIMARY KEY (report_id, indicator_id)
);

CREATE TRIGGER promise_reports_published_final_update
BEFORE UPDATE ON promise_reports WHEN OLD.status = 'published'
BEGIN SELECT RAISE(ABORT, 'promise_report_published'); END;

CREATE TRIGGER promise_reports_published_final_delete
BEFORE DELETE ON promise_reports WHEN OLD.status = 'published'
BEGIN SELECT RAISE(ABORT, 'promise_report_published'); END;

CREATE TRIGGER promise_report_values_final_insert
BEFORE INSERT ON promise_report_values
WHEN (SELECT status FROM promise_reports WHERE id = NEW.report_id) = 'published'
BEGIN SELECT RAISE(ABORT, 'promise_report_published'); END;

CREATE TRIGGER promise_report_values_final_update
BEFORE UPDATE ON promise_report_values
WHEN (SELECT status FROM promise_reports WHERE id = OLD.report_id) = 'published'
BEGIN SELECT RAISE(ABORT, 'promise_report_published'); END;

CREATE TRIGGER promise_report_values_final_delete
BEFORE DELETE ON promise_report_values
WHEN (SELECT status FROM promise_reports WHERE id = OLD.report_id) = 'published'
BEGIN SELECT RAISE(ABORT, 'promise_report_published'); END;
