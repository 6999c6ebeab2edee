-- Pilots (SPEC §6): a team runs a guide version for a period, to be
-- compared with a baseline. The spec is the pilot's JSON, as its
-- `pilot_created` audit event records it.
CREATE TABLE pilots (
    id          BIGINT  PRIMARY KEY,
    spec        TEXT    NOT NULL,
    created_at  TEXT    NOT NULL,
    created_by  TEXT    NOT NULL
);
