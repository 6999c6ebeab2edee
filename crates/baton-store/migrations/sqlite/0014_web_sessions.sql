-- The dashboard's sign-ins: a session cookie's SHA-256 with the person and
-- role it acts as (and the API token it was opened with, so revoking the
-- token ends it), and one-time sign-in links. Neither is part of the
-- audit chain: signing in changes nothing anyone decided.
CREATE TABLE web_sessions (
    id_hash     TEXT    PRIMARY KEY,
    person      TEXT    NOT NULL,
    role        TEXT    NOT NULL,
    token_id    BIGINT,
    csrf        TEXT    NOT NULL,
    created_at  TEXT    NOT NULL,
    expires_at  TEXT    NOT NULL
);
CREATE TABLE login_links (
    code_hash   TEXT    PRIMARY KEY,
    person      TEXT    NOT NULL,
    role        TEXT    NOT NULL,
    created_at  TEXT    NOT NULL,
    expires_at  TEXT    NOT NULL,
    used_at     TEXT
);
