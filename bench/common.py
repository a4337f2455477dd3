"""What the benchmarks share: generated Greenhouse boards, a registry, bench databases.

The postings are generated deterministically (a seeded ``random.Random``) from the
shapes of tests/fixtures/greenhouse/*.json: every template job keeps its quirks (null
location, null absolute_url, odd whitespace in a title), and gets a new id, a title
from a realistic list and a ~5 KB description, HTML-escaped as Greenhouse sends it.
About 40% of descriptions name AI (one or two paragraphs), as real ones do: a
description packed with AI terms would measure the AI-skills stage at its worst.
"""

from __future__ import annotations

import copy
import html
import json
import os
import random
import sys
import uuid
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

import psycopg  # noqa: E402
from psycopg import sql  # noqa: E402
from psycopg.conninfo import make_conninfo  # noqa: E402

from crawler.replay import ReplayServer  # noqa: E402

FIXTURES = PROJECT_ROOT / "tests" / "fixtures" / "greenhouse"
SEED = 20261126
# Politeness off in both runs alike: with DOWNLOAD_DELAY and AutoThrottle on, a local
# server is fetched at the pace of the delays and both runs measure the same sleep.
FETCH_SETTINGS = {
    "CONCURRENT_REQUESTS": 16,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "RETRY_TIMES": 0,
    "LOG_LEVEL": "INFO",
}

TITLES = [
    "Senior Backend Engineer, Payments", "Staff Machine Learning Engineer",
    "Frontend Engineer (React)", "Full Stack Developer", "Site Reliability Engineer II",
    "Junior Data Analyst", "Principal Security Engineer", "iOS Engineer",
    "Engineering Manager, Platform", "Research Scientist, LLM Alignment",
    "Account Executive, Enterprise", "Product Designer", "QA Automation Engineer",
    "Data Engineer", "Applied AI Engineer", "Software Engineer Intern",
    "Director of Engineering", "DevOps Engineer", "Senior Product Manager, AI",
    "Technical Recruiter",
]  # fmt: skip
LOCATIONS = [
    "San Francisco, CA", "New York City, NY", "London, UK", "Remote - US", "Berlin, Germany",
    "Dublin, Ireland", "Toronto, Canada", "Remote", "Paris, France", "Bengaluru, India",
]  # fmt: skip
PARAGRAPHS = [
    "You will design, build and operate services used by millions of customers, working "
    "closely with product, design and infrastructure teams.",
    "Experience with Python, Go or Java, and with distributed systems, Postgres and Kafka.",
    "We value clear writing, ownership and kindness. We review code carefully and ship "
    "small changes often.",
    "You have 5+ years of experience building web applications with TypeScript and React.",
    "Our benefits include health insurance, a learning budget, parental leave and a "
    "flexible remote-first schedule.",
    "The salary range for this role is $150,000 - $210,000 USD per year plus equity.",
    "Partner with customers to understand their needs, and mentor other engineers.",
    "On-call for the systems you build, with a humane rotation and good runbooks.",
]
AI_PARAGRAPHS = [
    "Familiarity with large language models, prompt engineering, retrieval-augmented "
    "generation (RAG) and tools such as PyTorch, LangChain or the OpenAI API is a plus.",
    "Build evaluation pipelines for machine learning models and fine-tune transformers on "
    "GPU clusters with CUDA.",
    "We are an AI-first company: our product uses generative AI to help teams work faster.",
]
# Share of postings whose description names AI at all (the brief's 42% of software
# descriptions), each with one or two AI paragraphs among the generic ones.
AI_SHARE = 0.4
DESCRIPTION_BYTES = 5000


def template_jobs() -> list[dict]:
    jobs = []
    for path in sorted(FIXTURES.glob("*_jobs.json")):
        jobs += json.loads(path.read_text(encoding="utf-8"))["jobs"]
    return jobs


def description(rng: random.Random) -> str:
    """~5 KB of job description HTML (unescaped), with headings and lists."""
    parts = ["<div class='content-intro'><p><strong>About us</strong></p></div>"]
    if rng.random() < AI_SHARE:
        ai = " ".join(rng.sample(AI_PARAGRAPHS, rng.choice([1, 2])))
        parts.append(f"<h2>What you bring</h2><p>{ai}</p>")
    while sum(map(len, parts)) < DESCRIPTION_BYTES:
        heading = rng.choice(["About the role", "What you will do", "You may be a fit if"])
        items = "".join(f"<li>{rng.choice(PARAGRAPHS)}</li>" for _ in range(3))
        parts.append(f"<h2>{heading}</h2><p>{rng.choice(PARAGRAPHS)}</p><ul>{items}</ul>")
    return "".join(parts)


def board_name(index: int) -> str:
    return f"bench{index:03d}"


def generate_boards(postings: int, boards: int) -> dict[str, dict]:
    """{board token: Greenhouse jobs response} with ``postings`` jobs spread over boards."""
    rng = random.Random(SEED)
    templates = template_jobs()
    responses: dict[str, dict] = {board_name(b): {"jobs": [], "meta": {}} for b in range(boards)}
    for number in range(postings):
        board = board_name(number % boards)
        job = copy.deepcopy(templates[number % len(templates)])
        job_id = 9_000_000 + number
        job["id"] = job_id
        if job.get("absolute_url"):
            job["absolute_url"] = f"https://job-boards.greenhouse.io/{board}/jobs/{job_id}"
        if number % len(templates) != 2:  # keep one template's odd title as it is
            job["title"] = rng.choice(TITLES)
        if job.get("location"):
            job["location"] = {"name": rng.choice(LOCATIONS)}
        job["content"] = html.escape(description(rng))
        job["company_name"] = board
        responses[board]["jobs"].append(job)
    for response in responses.values():
        response["meta"]["total"] = len(response["jobs"])
    return responses


def serve_boards(server: ReplayServer, responses: dict[str, dict]) -> None:
    for board, body in responses.items():
        server.add(f"/v1/boards/{board}/jobs", body, query={"content": "true"})


def write_registry(path: Path, boards: list[str]) -> Path:
    lines = []
    for board in boards:
        lines += ["[[company]]", f'slug = "{board}"', f'name = "{board.title()}"',
                  'platform = "greenhouse"', f'board = "{board}"', ""]  # fmt: skip
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def server_url() -> str:
    """The Postgres server bench databases are created on (BENCH_DATABASE_URL,
    TEST_DATABASE_URL, or the embedded server the tests use)."""
    for name in ("BENCH_DATABASE_URL", "TEST_DATABASE_URL"):
        if os.environ.get(name):
            return os.environ[name]
    from crawler.db.embedded import default_data_dir, embedded_database_url

    return embedded_database_url(default_data_dir() / "test-postgres")


class BenchDatabases:
    """Fresh databases cloned from one migrated template; all dropped at the end."""

    def __init__(self, server: str) -> None:
        from crawler.db.migrate import apply_migrations

        self.server = server
        self.names: list[str] = []
        self.template = self._create(f"bench_template_{uuid.uuid4().hex[:8]}")
        apply_migrations(make_conninfo(server, dbname=self.template))

    def _create(self, name: str, template: str | None = None) -> str:
        with psycopg.connect(self.server, autocommit=True) as conn:
            statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
            if template:
                statement += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
            conn.execute(statement)
        self.names.append(name)
        return name

    def fresh(self) -> str:
        name = self._create(f"bench_{uuid.uuid4().hex[:10]}", self.template)
        return make_conninfo(self.server, dbname=name)

    def drop_all(self) -> None:
        with psycopg.connect(self.server, autocommit=True) as conn:
            for name in reversed(self.names):
                conn.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )
