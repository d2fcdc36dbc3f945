-- Scale of the weekly lägesbild and the årshjul (issue 5): with millions of incidents
-- stored, reading one district's week incident by incident (≈ 20 000 rows, each
-- projected to SWEREF 99 TM and spread over the hours of the week) cost more than the
-- 100 ms the meeting can wait. The store now keeps, in the same transaction as every
-- write that changes a count (as `incident_week_counts`, migration 0006):
--
-- * `incident_week_cells`: counted incidents with a position by area × ISO week × 200 m
--   SWEREF 99 TM cell (`cell_e` = floor(E / 200), `cell_n` = floor(N / 200), computed
--   from the position on write). The hot-spot grid of any area (origin a multiple of its
--   cell size, 200 m · 2^k) is a sum of these cells.
-- * `incident_week_hours`: the aoristic hour-of-week weights (hour = weekday · 24 +
--   local hour, Monday = 0) of the week's incidents, in units of 10⁻⁹ incident so that
--   adding and removing an incident is exact.
-- * `incident_month_counts`: counts by area × local calendar month (year · 100 + month)
--   × category, for the tertial and year views; `area_id` 0 holds every counted
--   incident whatever its areas (the municipality-wide view).
--
-- Organisation and sharing level are kept so each caller's sharing rules apply as on
-- the incidents. Derived data: no foreign keys. A database migrated with incidents is
-- filled by the store when it connects (the projection and the Stockholm time zone are
-- not available in SQL); `trygg lagesbild rebuild` recomputes every rollup.
CREATE TABLE incident_week_cells (
    area_id          BIGINT  NOT NULL,
    week             BIGINT  NOT NULL,
    cell_e           BIGINT  NOT NULL,
    cell_n           BIGINT  NOT NULL,
    organisation_id  BIGINT  NOT NULL,
    sharing          TEXT    NOT NULL,
    n                BIGINT  NOT NULL,
    PRIMARY KEY (area_id, week, cell_e, cell_n, organisation_id, sharing)
);

CREATE TABLE incident_week_hours (
    area_id          BIGINT  NOT NULL,
    week             BIGINT  NOT NULL,
    hour             BIGINT  NOT NULL,
    organisation_id  BIGINT  NOT NULL,
    sharing          TEXT    NOT NULL,
    w                BIGINT  NOT NULL,
    PRIMARY KEY (area_id, week, hour, organisation_id, sharing)
);

CREATE TABLE incident_month_counts (
    area_id          BIGINT  NOT NULL,
    month            BIGINT  NOT NULL,
    category_id      BIGINT  NOT NULL,
    organisation_id  BIGINT  NOT NULL,
    sharing          TEXT    NOT NULL,
    n                BIGINT  NOT NULL,
    PRIMARY KEY (area_id, month, category_id, organisation_id, sharing)
);

-- The week's notable incidents of severity 3 are found among the municipality's
-- severity-3 incidents of the week (few), not by reading every incident of the area.
CREATE INDEX incidents_severe ON incidents (occurred_from) WHERE severity = 3;
