-- Surveys (SPEC §7) are anonymous: a response carries no person and no
-- time finer than the day, and who has answered is kept in a table of its
-- own. Both tables are clustered by their keys (WITHOUT ROWID), the
-- responses by a random token, so not even the order rows were written in
-- links an answer to a person.
CREATE TABLE surveys (
    id          BIGINT  PRIMARY KEY,
    team        TEXT    NOT NULL,
    title       TEXT    NOT NULL,
    questions   TEXT    NOT NULL,
    created_by  TEXT    NOT NULL,
    created_at  TEXT    NOT NULL,
    closes_at   TEXT
);

CREATE TABLE survey_participants (
    survey_id   BIGINT  NOT NULL REFERENCES surveys (id),
    person      TEXT    NOT NULL,
    PRIMARY KEY (survey_id, person)
) WITHOUT ROWID;

CREATE TABLE survey_responses (
    survey_id   BIGINT  NOT NULL REFERENCES surveys (id),
    token       TEXT    NOT NULL,
    day         TEXT    NOT NULL,
    answers     TEXT    NOT NULL,
    PRIMARY KEY (survey_id, token)
) WITHOUT ROWID;

-- Confidence polls are not anonymous: results show each voter's level.
CREATE TABLE polls (
    id          BIGINT  PRIMARY KEY,
    team        TEXT    NOT NULL,
    question    TEXT    NOT NULL,
    domain      TEXT,
    decision_id BIGINT,
    created_by  TEXT    NOT NULL,
    created_at  TEXT    NOT NULL
);

CREATE TABLE poll_votes (
    poll_id     BIGINT  NOT NULL REFERENCES polls (id),
    person      TEXT    NOT NULL,
    confidence  BIGINT  NOT NULL,
    at          TEXT    NOT NULL,
    PRIMARY KEY (poll_id, person)
) WITHOUT ROWID;
