-- Nothing read a response's day, and a day with a single response tells
-- who gave it: a response keeps only its random key and its answers.
ALTER TABLE survey_responses DROP COLUMN day;
