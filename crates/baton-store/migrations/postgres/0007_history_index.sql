-- Every open reads the recent history of the types a `spread` rule counts.
-- Indexed by team and type, that read finds just those rows instead of
-- every decision the team decided in the window; the (team, decided_at)
-- index served only that read, and a planner without statistics (a young
-- table) kept choosing it over this one.
DROP INDEX decisions_decided_at;
CREATE INDEX decisions_history ON decisions (team, type, decided_at, decided_by);
