-- A write batch inserts many decisions and events in one statement; row
-- triggers moved the chain head once per row, each an update of the same
-- row. Statement triggers move it once per statement, to the last event
-- inserted and the highest decision id.
DROP TRIGGER events_advance_head ON events;
DROP TRIGGER decisions_count ON decisions;

CREATE OR REPLACE FUNCTION baton_advance_head() RETURNS trigger AS $$
BEGIN
    UPDATE chain_head SET seq = last.seq, hash = last.hash
      FROM (SELECT seq, hash FROM added ORDER BY seq DESC LIMIT 1) AS last
     WHERE chain_head.id = 1;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER events_advance_head AFTER INSERT ON events
    REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION baton_advance_head();

CREATE OR REPLACE FUNCTION baton_count_decision() RETURNS trigger AS $$
BEGIN
    UPDATE chain_head SET decisions = GREATEST(decisions, (SELECT MAX(id) FROM added))
     WHERE id = 1 AND EXISTS (SELECT 1 FROM added);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER decisions_count AFTER INSERT ON decisions
    REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION baton_count_decision();
