-- Broken boards are noticed: one row per crawled company, from its crawl_runs.
--
-- A run is "failed" when its status is failed or partial (errors, a listing that did
-- not finish, a suspicious shrink) and "empty" when it completed but listed nothing.
-- Either is "bad". The streaks count the latest runs in a row of that kind, so a
-- board that moved to another platform (empty every time) or whose token is wrong
-- (HTTP 404, failed every time) shows as `broken` after two runs in a row; one bad
-- run among good ones is a blip and resets at the next good run.

CREATE INDEX crawl_runs_company_id ON crawl_runs (company, id DESC);

CREATE VIEW company_health AS
WITH runs AS (
    SELECT r.*,
           r.status <> 'ok' AS failed,
           r.status = 'ok' AND r.seen = 0 AS empty
    FROM crawl_runs r
),
marks AS (
    SELECT company,
           count(*) AS runs,
           max(id) AS last_run_id,
           max(id) FILTER (WHERE NOT failed) AS last_not_failed_id,
           max(id) FILTER (WHERE NOT empty) AS last_not_empty_id,
           max(id) FILTER (WHERE NOT failed AND NOT empty) AS last_good_id,
           max(finished_at) FILTER (WHERE status = 'ok') AS last_ok_at,
           max(finished_at) FILTER (WHERE status = 'ok' AND seen > 0) AS last_good_at
    FROM runs
    GROUP BY company
),
streaks AS (
    SELECT m.*,
           (SELECT count(*) FROM runs r
             WHERE r.company = m.company AND r.id > coalesce(m.last_not_failed_id, 0))
               AS consecutive_failed,
           (SELECT count(*) FROM runs r
             WHERE r.company = m.company AND r.id > coalesce(m.last_not_empty_id, 0))
               AS consecutive_empty,
           (SELECT count(*) FROM runs r
             WHERE r.company = m.company AND r.id > coalesce(m.last_good_id, 0))
               AS consecutive_bad
    FROM marks m
)
SELECT s.company,
       c.name,
       last.platform,
       last.board,
       s.runs,
       last.finished_at AS last_run_at,
       last.status AS last_status,
       last.reason AS last_reason,
       last.seen AS last_seen,
       s.last_ok_at,
       s.last_good_at,
       s.consecutive_failed,
       s.consecutive_empty,
       s.consecutive_bad,
       s.consecutive_bad >= 2 AS broken,
       (SELECT count(*) FROM open_postings p WHERE p.company = s.company) AS open_postings
FROM streaks s
JOIN crawl_runs last ON last.id = s.last_run_id
LEFT JOIN companies c ON c.slug = s.company;
