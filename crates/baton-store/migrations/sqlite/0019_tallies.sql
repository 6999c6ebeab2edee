-- Every open routes by its deciders' load and track records. Counted from
-- `decisions`, they cost a scan of every open decision and of every
-- outcome, so opening slowed as either piled up; kept as tallies, one row
-- per person (and domains and outcome), they cost a few rows. Triggers
-- keep them in step with every write; `verify` recounts them.
CREATE TABLE decider_load (
    person TEXT   PRIMARY KEY,
    open   BIGINT NOT NULL
) WITHOUT ROWID;

CREATE TABLE outcome_tally (
    person  TEXT   NOT NULL,
    domains TEXT   NOT NULL,
    outcome TEXT   NOT NULL,
    n       BIGINT NOT NULL,
    PRIMARY KEY (person, domains, outcome)
) WITHOUT ROWID;

INSERT INTO decider_load (person, open)
SELECT decider, COUNT(*) FROM decisions
 WHERE status IN ('routed', 'checking', 'deliberating') GROUP BY decider;

INSERT INTO outcome_tally (person, domains, outcome, n)
SELECT decided_by, domains, outcome, COUNT(*) FROM decisions
 WHERE outcome IS NOT NULL AND decided_by IS NOT NULL GROUP BY decided_by, domains, outcome;

CREATE TRIGGER decisions_tally_insert AFTER INSERT ON decisions BEGIN
    INSERT INTO decider_load (person, open) SELECT NEW.decider, 1
     WHERE NEW.status IN ('routed', 'checking', 'deliberating')
        ON CONFLICT (person) DO UPDATE SET open = open + 1;
    INSERT INTO outcome_tally (person, domains, outcome, n)
    SELECT NEW.decided_by, NEW.domains, NEW.outcome, 1
     WHERE NEW.outcome IS NOT NULL AND NEW.decided_by IS NOT NULL
        ON CONFLICT (person, domains, outcome) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER decisions_tally_update AFTER UPDATE OF status, decider, decided_by, domains, outcome ON decisions
WHEN OLD.status IS NOT NEW.status OR OLD.decider IS NOT NEW.decider
  OR OLD.decided_by IS NOT NEW.decided_by OR OLD.domains IS NOT NEW.domains
  OR OLD.outcome IS NOT NEW.outcome
BEGIN
    UPDATE decider_load SET open = open - 1
     WHERE person = OLD.decider AND OLD.status IN ('routed', 'checking', 'deliberating');
    INSERT INTO decider_load (person, open) SELECT NEW.decider, 1
     WHERE NEW.status IN ('routed', 'checking', 'deliberating')
        ON CONFLICT (person) DO UPDATE SET open = open + 1;
    UPDATE outcome_tally SET n = n - 1
     WHERE person = OLD.decided_by AND domains = OLD.domains AND outcome = OLD.outcome;
    INSERT INTO outcome_tally (person, domains, outcome, n)
    SELECT NEW.decided_by, NEW.domains, NEW.outcome, 1
     WHERE NEW.outcome IS NOT NULL AND NEW.decided_by IS NOT NULL
        ON CONFLICT (person, domains, outcome) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER decisions_tally_delete AFTER DELETE ON decisions BEGIN
    UPDATE decider_load SET open = open - 1
     WHERE person = OLD.decider AND OLD.status IN ('routed', 'checking', 'deliberating');
    UPDATE outcome_tally SET n = n - 1
     WHERE person = OLD.decided_by AND domains = OLD.domains AND outcome = OLD.outcome;
END;
