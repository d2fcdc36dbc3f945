-- Accepted walk proposals become measures: the proposal's measure_id (0010) points at
-- the measure and measure_links.walk_proposal_id (0008) back at the proposal. This index
-- finds the proposal of a measure, so the protocol follows the measure's progress.
CREATE INDEX walk_proposals_measure ON walk_proposals (measure_id) WHERE measure_id IS NOT NULL;
