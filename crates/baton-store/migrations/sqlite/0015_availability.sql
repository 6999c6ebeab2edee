-- Breaks and hand-offs (SPEC §7): records beside the files that change
-- who may decide, laid over the directory and the guides the store
-- compiles. `overlay.version` counts their changes: it is part of the
-- directory's version key, so every cache and check that compares
-- directory versions sees a break or a hand-off at once.
CREATE TABLE breaks (
    id          BIGINT  PRIMARY KEY,
    person      TEXT    NOT NULL,
    starts_at   TEXT     NOT NULL,
    ends_at     TEXT    NOT NULL,
    reason      TEXT    NOT NULL,
    created_by  TEXT    NOT NULL,
    created_at  TEXT     NOT NULL,
    ended_at    TEXT
);
CREATE INDEX breaks_person ON breaks (person);
CREATE TABLE handoffs (
    id           BIGINT  PRIMARY KEY,
    team         TEXT    NOT NULL,
    rotation     TEXT    NOT NULL,
    from_person  TEXT    NOT NULL,
    to_person    TEXT    NOT NULL,
    starts_at    TEXT    NOT NULL,
    ends_at      TEXT    NOT NULL,
    note         TEXT    NOT NULL,
    status       TEXT    NOT NULL,
    created_at   TEXT     NOT NULL,
    answered_at  TEXT
);
CREATE INDEX handoffs_team ON handoffs (team, status);
CREATE TABLE overlay (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    version  BIGINT  NOT NULL
);
INSERT INTO overlay (id, version) VALUES (1, 0);
