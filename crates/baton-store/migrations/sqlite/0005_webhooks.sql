-- Outgoing webhooks: subscriptions, and one row per (subscription, event)
-- delivery. Deliveries are queued from the audit log by a cursor, so no
-- decision write pays for them and none is missed.
CREATE TABLE webhooks (
    id          BIGINT  PRIMARY KEY,
    url         TEXT    NOT NULL,
    secret      TEXT    NOT NULL,
    events      TEXT    NOT NULL,
    created_by  TEXT    NOT NULL,
    created_at  TEXT    NOT NULL,
    deleted_at  TEXT,
    cursor      BIGINT  NOT NULL
);

CREATE TABLE webhook_deliveries (
    id              INTEGER PRIMARY KEY,
    webhook_id      BIGINT  NOT NULL REFERENCES webhooks (id),
    event_seq       BIGINT  NOT NULL,
    event           TEXT    NOT NULL,
    body            TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    attempts        BIGINT  NOT NULL,
    next_attempt_us BIGINT  NOT NULL,
    last_status     BIGINT,
    last_error      TEXT,
    delivered_at    TEXT,
    UNIQUE (webhook_id, event_seq)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_us);
