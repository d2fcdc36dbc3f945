-- The weekly lägesbild: a rollup of incident counts by area × ISO week × category ×
-- organisation × sharing level, kept current by the store in the same transaction as
-- every write that changes a count (filing, import, review, reclassification, moving,
-- merging). The weekly picture reads its comparisons and sparklines from here, so its
-- cost does not grow with the years of incidents stored.
--
-- Counted: incidents with status `submitted` or `accepted` that are not merged into
-- another; `rejected` and `merged` never. `week` is year·100 + ISO week number of the
-- start of the incident's time window in Europe/Stockholm (2026-W47 = 202647).
-- Organisation and sharing level are kept so each caller's sharing rules apply to the
-- rollup exactly as to the incidents themselves. Derived data: no foreign keys, so bulk
-- imports pay nothing for them.
CREATE TABLE incident_week_counts (
    area_id          INTEGER NOT NULL,
    week             INTEGER NOT NULL,
    category_id      INTEGER NOT NULL,
    organisation_id  INTEGER NOT NULL,
    sharing          TEXT    NOT NULL,
    n                INTEGER NOT NULL,
    n_insecure       INTEGER NOT NULL,
    PRIMARY KEY (area_id, week, category_id, organisation_id, sharing)
) WITHOUT ROWID;

-- A database migrated with incidents already stored is filled once by the store when it
-- connects (the week needs the Stockholm time-zone rules, which SQL does not have);
-- `trygg lagesbild rebuild` recomputes the whole table.
