-- Keep the chain head and the decision counter in step with their tables,
-- so a write does not spend statements on bookkeeping: every write reads
-- the head once (holding the write lock) and inserts.
ALTER TABLE chain_head ADD COLUMN decisions BIGINT NOT NULL DEFAULT 0;
UPDATE chain_head SET decisions = (SELECT COALESCE(MAX(id), 0) FROM decisions) WHERE id = 1;

CREATE FUNCTION baton_advance_head() RETURNS trigger AS $$
BEGIN
    UPDATE chain_head SET seq = NEW.seq, hash = NEW.hash WHERE id = 1;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER events_advance_head AFTER INSERT ON events
    FOR EACH ROW EXECUTE FUNCTION baton_advance_head();

CREATE FUNCTION baton_count_decision() RETURNS trigger AS $$
BEGIN
    UPDATE chain_head SET decisions = GREATEST(decisions, NEW.id) WHERE id = 1;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER decisions_count AFTER INSERT ON decisions
    FOR EACH ROW EXECUTE FUNCTION baton_count_decision();
