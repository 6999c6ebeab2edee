-- The decision log. Every table is append-only except `decisions` (the
-- current record of each decision, guarded by `version`) and `chain_head`.

CREATE TABLE org_versions (
    id          INTEGER PRIMARY KEY,
    digest      TEXT    NOT NULL,
    body        TEXT    NOT NULL,
    applied_at  TEXT    NOT NULL
);

CREATE TABLE guide_versions (
    id          INTEGER PRIMARY KEY,
    team        TEXT    NOT NULL,
    digest      TEXT    NOT NULL,
    body        TEXT    NOT NULL,
    org_version INTEGER NOT NULL REFERENCES org_versions (id),
    applied_at  TEXT    NOT NULL
);
CREATE INDEX guide_versions_team ON guide_versions (team, id);

CREATE TABLE decisions (
    id            INTEGER PRIMARY KEY,
    team          TEXT    NOT NULL,
    type          TEXT    NOT NULL,
    title         TEXT    NOT NULL,
    requester     TEXT    NOT NULL,
    decider       TEXT    NOT NULL,
    decided_by    TEXT,
    status        TEXT    NOT NULL,
    framework     TEXT    NOT NULL,
    rule          TEXT    NOT NULL,
    guide_version TEXT    NOT NULL,
    domains       TEXT    NOT NULL,
    opened_at     TEXT    NOT NULL,
    decided_at    TEXT,
    escalated     BOOLEAN NOT NULL,
    overridden    BOOLEAN NOT NULL,
    outcome       TEXT,
    review_on     TEXT,
    version       BIGINT  NOT NULL,
    record        TEXT    NOT NULL
);
CREATE INDEX decisions_team_status ON decisions (team, status);
CREATE INDEX decisions_decider_status ON decisions (decider, status);
CREATE INDEX decisions_decided_at ON decisions (team, decided_at);

CREATE TABLE events (
    seq         BIGINT  PRIMARY KEY,
    decision_id BIGINT,
    kind        TEXT    NOT NULL,
    actor       TEXT    NOT NULL,
    at          TEXT    NOT NULL,
    body        TEXT    NOT NULL,
    prev_hash   TEXT    NOT NULL,
    hash        TEXT    NOT NULL
);
CREATE INDEX events_decision ON events (decision_id, seq);

CREATE TABLE chain_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  BIGINT  NOT NULL,
    hash TEXT    NOT NULL
);
INSERT INTO chain_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
