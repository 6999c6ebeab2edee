-- Keep the chain head and the decision counter in step with their tables,
-- so a write does not spend statements on bookkeeping: every write reads
-- the head once (holding the write lock) and inserts.
ALTER TABLE chain_head ADD COLUMN decisions BIGINT NOT NULL DEFAULT 0;
UPDATE chain_head SET decisions = (SELECT COALESCE(MAX(id), 0) FROM decisions) WHERE id = 1;

CREATE TRIGGER events_advance_head AFTER INSERT ON events
BEGIN
    UPDATE chain_head SET seq = NEW.seq, hash = NEW.hash WHERE id = 1;
END;

CREATE TRIGGER decisions_count AFTER INSERT ON decisions
BEGIN
    UPDATE chain_head SET decisions = MAX(decisions, NEW.id) WHERE id = 1;
END;
