-- The identity of every imported row (its `id` column, or a digest of what
-- it is) and a digest of its content: importing the same file twice is
-- one decision each, and the same identity with other content is refused.
CREATE TABLE imports (
    key         TEXT    PRIMARY KEY,
    content     TEXT    NOT NULL,
    decision_id BIGINT  NOT NULL
) WITHOUT ROWID;
