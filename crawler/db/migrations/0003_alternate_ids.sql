-- The same job listed twice by a company is stored once; the other listings' ids
-- ("board:external_id") are kept on it.

ALTER TABLE postings ADD COLUMN alternate_ids text[] NOT NULL DEFAULT '{}';

-- A view's "SELECT *" was expanded when it was made: re-make it to show the column.
CREATE OR REPLACE VIEW open_postings AS
    SELECT * FROM postings WHERE closed_at IS NULL;
