-- Surveys (SPEC §7) are anonymous: a response carries no person and no
-- time finer than the day, and who has answered is kept in a table of its
-- own. SQLite clusters both by key, responses by a random token; a
-- PostgreSQL heap keeps insertion order, which only a database superuser
-- could read; see ARCHITECTURE.md.
CREATE TABLE surveys (
    id          BIGINT  PRIMARY KEY,
    team        TEXT    NOT NULL,
    title       TEXT    NOT NULL,
    questions   TEXT    NOT NULL,
    created_by  TEXT    NOT NULL,
    created_at  TIMESTAMPTZ    NOT NULL,
    closes_at   TIMESTAMPTZ
);

CREATE TABLE survey_participants (
    survey_id   BIGINT  NOT NULL REFERENCES surveys (id),
    person      TEXT    NOT NULL,
    PRIMARY KEY (survey_id, person)
);

CREATE TABLE survey_responses (
    survey_id   BIGINT  NOT NULL REFERENCES surveys (id),
    token       TEXT    NOT NULL,
    day         TEXT    NOT NULL,
    answers     TEXT    NOT NULL,
    PRIMARY KEY (survey_id, token)
);

-- Confidence polls are not anonymous: results show each voter's level.
CREATE TABLE polls (
    id          BIGINT  PRIMARY KEY,
    team        TEXT    NOT NULL,
    question    TEXT    NOT NULL,
    domain      TEXT,
    decision_id BIGINT,
    created_by  TEXT    NOT NULL,
    created_at  TIMESTAMPTZ    NOT NULL
);

CREATE TABLE poll_votes (
    poll_id     BIGINT  NOT NULL REFERENCES polls (id),
    person      TEXT    NOT NULL,
    confidence  BIGINT  NOT NULL,
    at          TIMESTAMPTZ    NOT NULL,
    PRIMARY KEY (poll_id, person)
);
