-- A board that moved is noticed: when a company's board answered 404/410 or listed
-- nothing, the crawl read the company's careers page (as `scrapy detect` does) and
-- its crawl_runs row says what that page names.
--
--   board_search_url   the page looked at (null: no search this run)
--   board_search_note  what was seen there ("names ashby board 'acme'", "HTTP 404", ...)
--   proposed_platform, proposed_board, proposed_careers_url
--                      the board found there instead of the one crawled (null: none)
--
-- company_health gains the latest run's search and proposal (a run that lands
-- postings again searches nothing, so an old proposal disappears with it).

ALTER TABLE crawl_runs
    ADD COLUMN board_search_url text,
    ADD COLUMN board_search_note text,
    ADD COLUMN proposed_platform text,
    ADD COLUMN proposed_board text,
    ADD COLUMN proposed_careers_url text;

DROP VIEW company_health;

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
       (SELECT count(*) FROM open_postings p WHERE p.company = s.company) AS open_postings,
       last.board_search_url,
       last.board_search_note,
       last.proposed_platform,
       last.proposed_board,
       last.proposed_careers_url
FROM streaks s
JOIN crawl_runs last ON last.id = s.last_run_id
LEFT JOIN companies c ON c.slug = s.company;
