-- What the analytics projection reads beside the columns it already had:
-- the delegate (delegation failures, deference profiles), when the outcome
-- was recorded and when the decision escalated (a pilot's baseline is
-- censored at the follow-up the pilot has had), and the override reason an
-- alert quotes. Records written before kept no escalation instant, so
-- `escalated_at` is not backfilled: it must equal the record's. With them, the
-- projection of ten million decisions is built from columns alone, never
-- from a parse of every record.
ALTER TABLE decisions ADD COLUMN delegate TEXT;
ALTER TABLE decisions ADD COLUMN override_reason TEXT;
ALTER TABLE decisions ADD COLUMN outcome_at TIMESTAMPTZ;
ALTER TABLE decisions ADD COLUMN escalated_at TIMESTAMPTZ;
UPDATE decisions SET
    delegate = record::jsonb ->> 'delegate',
    override_reason = record::jsonb ->> 'override_reason',
    outcome_at = (record::jsonb -> 'outcome' ->> 'at')::timestamptz
WHERE record::jsonb ->> 'delegate' IS NOT NULL
   OR record::jsonb ->> 'override_reason' IS NOT NULL
   OR record::jsonb -> 'outcome' IS NOT NULL AND record::jsonb -> 'outcome' <> 'null'::jsonb;
