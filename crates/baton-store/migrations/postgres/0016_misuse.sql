-- The safe channel for reports of misuse (SPEC §7). An anonymous report
-- keeps no person and no time finer than the day, under a random key (so
-- its key says nothing of the order reports came in); a signed one keeps
-- who signed it and when.
CREATE TABLE misuse_reports (
    id           BIGINT  PRIMARY KEY,
    decision_id  BIGINT,
    team         TEXT,
    body         TEXT    NOT NULL,
    day          TEXT    NOT NULL,
    signed_by    TEXT,
    signed_at    TIMESTAMPTZ
);
