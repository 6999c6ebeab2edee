-- The resolver reads the org state on every open: open-decision load per
-- decider and outcomes per decider. Covering indexes keep both reads off
-- the wide `record` column, however long the log grows.
CREATE INDEX decisions_status_decider ON decisions (status, decider);
CREATE INDEX decisions_outcomes ON decisions (decided_by, outcome, domains) WHERE outcome IS NOT NULL;
