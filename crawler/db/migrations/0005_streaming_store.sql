-- Streaming store: each company's crawl_runs row may belong to a distributed run
-- (scrapy enqueue), and records why a crawl stopped early or lost rows.
ALTER TABLE crawl_runs ADD COLUMN run_id text;
CREATE INDEX crawl_runs_run ON crawl_runs (run_id) WHERE run_id IS NOT NULL;
