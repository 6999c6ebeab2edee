-- API tokens: 256 random bits each, stored only as their SHA-256.
CREATE TABLE tokens (
    id          BIGINT  PRIMARY KEY,
    person      TEXT    NOT NULL,
    role        TEXT    NOT NULL,
    token_hash  TEXT    NOT NULL UNIQUE,
    created_at  TIMESTAMPTZ NOT NULL,
    revoked_at  TIMESTAMPTZ
);
