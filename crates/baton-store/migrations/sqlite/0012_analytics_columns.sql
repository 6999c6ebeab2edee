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
ALTER TABLE decisions ADD COLUMN outcome_at TEXT;
ALTER TABLE decisions ADD COLUMN escalated_at TEXT;
UPDATE decisions SET
    delegate = json_extract(record, '$.delegate'),
    override_reason = json_extract(record, '$.override_reason'),
    outcome_at = json_extract(record, '$.outcome.at')
WHERE json_extract(record, '$.delegate') IS NOT NULL
   OR json_extract(record, '$.override_reason') IS NOT NULL
   OR json_extract(record, '$.outcome') IS NOT NULL;
