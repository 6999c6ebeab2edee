-- Decisions whose outcome review may be due, by the person who owes it
-- (the decider, or whoever decided instead): "waiting for me" reads only
-- that person's, never every decided decision without an outcome.
CREATE INDEX decisions_reviews_due_decider ON decisions (decider, review_on)
    WHERE status = 'decided' AND outcome IS NULL AND review_on IS NOT NULL;
CREATE INDEX decisions_reviews_due_decided_by ON decisions (decided_by, review_on)
    WHERE status = 'decided' AND outcome IS NULL AND review_on IS NOT NULL;
