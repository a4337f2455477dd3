-- A re-crawl skips cleaning and enrichment for a posting whose source (what the spider
-- read, under the same enrichment code) is unchanged: the hash of that source, and the
-- same-job key the same-job stage needs without the cleaned text.

ALTER TABLE postings ADD COLUMN source_hash text;
ALTER TABLE postings ADD COLUMN same_job_key text;

CREATE OR REPLACE VIEW open_postings AS
    SELECT * FROM postings WHERE closed_at IS NULL;
