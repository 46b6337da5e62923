-- Set in the same unit of work as the act a POST with an Idempotency-Key carried out. A
-- record still unanswered but applied tells a retry after a crash that the act took effect
-- (its answer was lost), so the act is not run a second time.
ALTER TABLE idempotency_keys ADD COLUMN applied INTEGER NOT NULL DEFAULT 0;
