-- Distributed runs (scrapy enqueue): one row per run, one row per company of it.
-- Redis holds the queue and the leases; these tables are the record an operator reads
-- (scrapy runs) and what a worker checks to know whether a run has work left.
CREATE TABLE runs (
    id text PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    platforms text[] NOT NULL DEFAULT '{}',  -- the filters it was enqueued with
    companies text[] NOT NULL DEFAULT '{}',
    max_attempts integer NOT NULL
);

CREATE TABLE run_companies (
    run_id text NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    company text NOT NULL,
    platform text NOT NULL,
    work_item jsonb NOT NULL,  -- what was pushed onto Redis (pushed again on a retry)
    state text NOT NULL DEFAULT 'queued'
        CHECK (state IN ('queued', 'in_progress', 'ok', 'partial', 'failed')),
    worker text,  -- host:pid of the worker holding (or that last held) it
    attempts integer NOT NULL DEFAULT 0,
    reason text,
    queued_at timestamptz NOT NULL DEFAULT now(),
    started_at timestamptz,
    finished_at timestamptz,
    PRIMARY KEY (run_id, company)
);
CREATE INDEX run_companies_open ON run_companies (platform, state)
    WHERE state IN ('queued', 'in_progress');
