-- Every open routes by its deciders' load and track records. Counted from
-- `decisions`, they cost a scan of every open decision and of every
-- outcome, so opening slowed as either piled up; kept as tallies, one row
-- per person (and domains and outcome), they cost a few rows. Statement
-- triggers keep them in step with every write, a batch's rows counted
-- together; `verify` recounts them.
CREATE TABLE decider_load (
    person TEXT   PRIMARY KEY,
    open   BIGINT NOT NULL
);

CREATE TABLE outcome_tally (
    person  TEXT   NOT NULL,
    domains TEXT   NOT NULL,
    outcome TEXT   NOT NULL,
    n       BIGINT NOT NULL,
    PRIMARY KEY (person, domains, outcome)
);

INSERT INTO decider_load (person, open)
SELECT decider, COUNT(*) FROM decisions
 WHERE status IN ('routed', 'checking', 'deliberating') GROUP BY decider;

INSERT INTO outcome_tally (person, domains, outcome, n)
SELECT decided_by, domains, outcome, COUNT(*) FROM decisions
 WHERE outcome IS NOT NULL AND decided_by IS NOT NULL GROUP BY decided_by, domains, outcome;

-- The rows a statement removed count down (`old_rows`, for updates and
-- deletes), the rows it left count up (`new_rows`, for inserts and
-- updates).
CREATE FUNCTION baton_tally() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO decider_load AS t (person, open)
        SELECT decider, -COUNT(*) FROM old_rows
         WHERE status IN ('routed', 'checking', 'deliberating') GROUP BY decider
            ON CONFLICT (person) DO UPDATE SET open = t.open + EXCLUDED.open;
        INSERT INTO outcome_tally AS t (person, domains, outcome, n)
        SELECT decided_by, domains, outcome, -COUNT(*) FROM old_rows
         WHERE outcome IS NOT NULL AND decided_by IS NOT NULL GROUP BY decided_by, domains, outcome
            ON CONFLICT (person, domains, outcome) DO UPDATE SET n = t.n + EXCLUDED.n;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO decider_load AS t (person, open)
        SELECT decider, COUNT(*) FROM new_rows
         WHERE status IN ('routed', 'checking', 'deliberating') GROUP BY decider
            ON CONFLICT (person) DO UPDATE SET open = t.open + EXCLUDED.open;
        INSERT INTO outcome_tally AS t (person, domains, outcome, n)
        SELECT decided_by, domains, outcome, COUNT(*) FROM new_rows
         WHERE outcome IS NOT NULL AND decided_by IS NOT NULL GROUP BY decided_by, domains, outcome
            ON CONFLICT (person, domains, outcome) DO UPDATE SET n = t.n + EXCLUDED.n;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER decisions_tally_insert AFTER INSERT ON decisions
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION baton_tally();
CREATE TRIGGER decisions_tally_update AFTER UPDATE ON decisions
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION baton_tally();
CREATE TRIGGER decisions_tally_delete AFTER DELETE ON decisions
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION baton_tally();
