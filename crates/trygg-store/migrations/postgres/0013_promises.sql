-- Medborgarlöften (citizen promises): the promise with its activities and owners, the
-- indicators that follow it up, and the monthly reports with their values. A published
-- report is what citizens were told: the triggers below refuse any change to it or its
-- values, whatever code path tries.

CREATE TABLE promises (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title         TEXT    NOT NULL,
    -- "Vi lovar att …", as the public reads it.
    statement     TEXT    NOT NULL,
    description   TEXT,
    area_id       BIGINT  REFERENCES areas (id),
    -- Calendar months, 'YYYY-MM'; no last month means until further notice.
    first_month   TEXT    NOT NULL,
    last_month    TEXT,
    created_by    BIGINT  REFERENCES users (id),
    created_at    BIGINT  NOT NULL,
    updated_at    BIGINT  NOT NULL,
    CHECK (last_month IS NULL OR last_month >= first_month)
);

-- "genom att …": what is done to keep the promise, and by whom.
CREATE TABLE promise_activities (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    promise_id  BIGINT  NOT NULL REFERENCES promises (id),
    seq         BIGINT  NOT NULL,
    text        TEXT    NOT NULL,
    owner       TEXT    NOT NULL CHECK (owner IN ('police', 'municipality', 'both')),
    CONSTRAINT promise_activities_seq_key UNIQUE (promise_id, seq)
);

-- How the promise is followed up. An indicator no longer used is retired, not deleted:
-- published reports name it.
CREATE TABLE promise_indicators (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    promise_id  BIGINT  NOT NULL REFERENCES promises (id),
    seq         BIGINT  NOT NULL,
    name        TEXT    NOT NULL,
    source      TEXT    NOT NULL CHECK (source IN ('incidents', 'measures_done', 'manual')),
    -- Comma-separated category codes for source 'incidents'.
    categories  TEXT    NOT NULL DEFAULT '',
    retired     BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX promise_indicators_promise ON promise_indicators (promise_id, seq);

CREATE TABLE promise_reports (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    promise_id    BIGINT  NOT NULL REFERENCES promises (id),
    month         TEXT    NOT NULL,
    status        TEXT    NOT NULL CHECK (status IN ('draft', 'published')),
    done_text     TEXT    NOT NULL,
    comments      TEXT,
    created_by    BIGINT  REFERENCES users (id),
    created_at    BIGINT  NOT NULL,
    updated_by    BIGINT  REFERENCES users (id),
    updated_at    BIGINT  NOT NULL,
    published_by  BIGINT  REFERENCES users (id),
    published_at  BIGINT,
    CHECK ((status = 'published') = (published_at IS NOT NULL)),
    CONSTRAINT promise_reports_month_key UNIQUE (promise_id, month)
);
CREATE INDEX promise_reports_published ON promise_reports (status, published_at);

-- The indicator's name is copied into the value, so a published figure keeps the
-- name it was published under even if the indicator is renamed later.
CREATE TABLE promise_report_values (
    report_id     BIGINT  NOT NULL REFERENCES promise_reports (id),
    indicator_id  BIGINT  NOT NULL REFERENCES promise_indicators (id),
    name          TEXT    NOT NULL,
    value         BIGINT  CHECK (value IS NULL OR value >= 0),
    -- Whether Trygg computed it (incidents, measures) rather than someone typing it.
    computed      BOOLEAN NOT NULL,
    PRIMARY KEY (report_id, indicator_id)
);

CREATE FUNCTION promise_report_final() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'promise_reports' THEN
        IF OLD.status = 'published' THEN
            RAISE EXCEPTION 'promise_report_published';
        END IF;
    ELSIF TG_OP = 'INSERT' THEN
        IF (SELECT status FROM promise_reports WHERE id = NEW.report_id) = 'published' THEN
            RAISE EXCEPTION 'promise_report_published';
        END IF;
    ELSIF (SELECT status FROM promise_reports WHERE id = OLD.report_id) = 'published' THEN
        RAISE EXCEPTION 'promise_report_published';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER promise_reports_final BEFORE UPDATE OR DELETE ON promise_reports
    FOR EACH ROW EXECUTE FUNCTION promise_report_final();
CREATE TRIGGER promise_report_values_final BEFORE INSERT OR UPDATE OR DELETE ON promise_report_values
    FOR EACH ROW EXECUTE FUNCTION promise_report_final();
