-- Decisions whose outcome review may be due: few beside the log, so the
-- "waiting for me" read never walks every decided decision.
CREATE INDEX decisions_reviews_due ON decisions (review_on, id)
    WHERE status = 'decided' AND outcome IS NULL AND review_on IS NOT NULL;
