-- Whom the guide routed each decision to, beside whoever holds it now
-- (`decider`, which escalation and overrides change): how often routing
-- held is one column compare, not a parse of every record.
ALTER TABLE decisions ADD COLUMN routed_decider TEXT NOT NULL DEFAULT '';
UPDATE decisions SET routed_decider = record::jsonb -> 'resolution' ->> 'decider';
