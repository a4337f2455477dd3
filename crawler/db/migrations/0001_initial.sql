-- The read contract of the site (see ../shared/DESIGN.md): companies, postings,
-- crawl_runs and the open_postings view.

CREATE TABLE companies (
    slug        text PRIMARY KEY,
    name        text NOT NULL,
    platform    text NOT NULL,
    board       text,
    careers_url text,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE postings (
    id                bigserial PRIMARY KEY,
    platform          text NOT NULL,
    board             text NOT NULL,
    external_id       text NOT NULL,
    company           text NOT NULL,
    title             text NOT NULL,
    url               text NOT NULL,
    apply_url         text,
    department        text,
    team              text,
    locations         text[] NOT NULL DEFAULT '{}',
    countries         text[] NOT NULL DEFAULT '{}',
    workplace         text CHECK (workplace IN ('remote', 'hybrid', 'onsite')),
    employment_type   text CHECK (employment_type IN
                        ('full_time', 'part_time', 'contract', 'internship', 'temporary')),
    seniority         text CHECK (seniority IN ('intern', 'entry', 'mid', 'senior', 'staff',
                        'principal', 'manager', 'director', 'executive')),
    role_family       text,
    is_ai_role        boolean NOT NULL DEFAULT false,
    mentions_ai       boolean NOT NULL DEFAULT false,
    asks_for_ai       boolean NOT NULL DEFAULT false,
    ai_skills         text[] NOT NULL DEFAULT '{}',
    ai_evidence       jsonb NOT NULL DEFAULT '[]',
    salary_min        numeric,
    salary_max        numeric,
    salary_currency   char(3),
    salary_period     text CHECK (salary_period IN ('hour', 'day', 'week', 'month', 'year')),
    description_html  text,
    description_text  text,
    posted_at         timestamptz,
    source_updated_at timestamptz,
    first_seen_at     timestamptz NOT NULL DEFAULT now(),
    last_seen_at      timestamptz NOT NULL DEFAULT now(),
    -- when the stored content last changed (first_seen_at for a posting never changed)
    updated_at        timestamptz NOT NULL DEFAULT now(),
    closed_at         timestamptz,
    content_hash      text NOT NULL,
    UNIQUE (platform, board, external_id)
);

CREATE INDEX postings_company_open ON postings (company) WHERE closed_at IS NULL;
CREATE INDEX postings_board_open ON postings (platform, board) WHERE closed_at IS NULL;
CREATE INDEX postings_first_seen ON postings (first_seen_at);

CREATE VIEW open_postings AS
    SELECT * FROM postings WHERE closed_at IS NULL;

CREATE TABLE crawl_runs (
    id          bigserial PRIMARY KEY,
    spider      text NOT NULL,
    company     text NOT NULL,
    platform    text NOT NULL,
    board       text NOT NULL,
    started_at  timestamptz NOT NULL,
    finished_at timestamptz NOT NULL DEFAULT now(),
    status      text NOT NULL CHECK (status IN ('ok', 'partial', 'failed')),
    reason      text,
    seen        integer NOT NULL DEFAULT 0,
    new         integer NOT NULL DEFAULT 0,
    updated     integer NOT NULL DEFAULT 0,
    unchanged   integer NOT NULL DEFAULT 0,
    closed      integer NOT NULL DEFAULT 0,
    dropped     integer NOT NULL DEFAULT 0,
    errors      integer NOT NULL DEFAULT 0
);

CREATE INDEX crawl_runs_company ON crawl_runs (company, started_at DESC);
