"""The company registry: the packaged file is valid, and bad files get clear errors."""

from __future__ import annotations

import re
from datetime import date

import pytest
from scrapy.spiderloader import SpiderLoader
from scrapy.utils.project import get_project_settings

from crawler.registry import (
    DEFAULT_COMPANIES_FILE,
    PLATFORMS,
    Company,
    RegistryError,
    company_toml,
    load_registry,
    select_companies,
)
from crawler.spiders import platform_spiders

# fireworks-ai, named on Greenhouse by the brief, moved to Ashby (issue 10's evidence).
BRIEF_GREENHOUSE = {"anthropic", "databricks", "stripe", "cloudflare", "datadog", "twilio",
                    "elastic", "vercel", "deepmind"}  # fmt: skip
# The companies the brief names, by slug.
BRIEF_COMPANIES = BRIEF_GREENHOUSE | {
    "openai", "mistral", "cohere", "snowflake", "modal", "baseten", "cursor", "linear",
    "supabase", "posthog", "notion", "plaid",
}  # fmt: skip
# The shape of a board token on each platform: declared on its spider class.
BOARD_SHAPES = {name: spider.board_shape for name, spider in platform_spiders().items()
                if spider.board_shape}  # fmt: skip
WORKDAY_URL = re.compile(
    r"https://(?P<tenant>[a-z0-9-]+)\.wd\d+\.myworkdayjobs\.com/(?P<site>[^/?#]+)"
)


ENTRY = '[[company]]\nslug = "a"\nname = "A"\nplatform = "greenhouse"\nboard = "a"\n'


def spider_names() -> set[str]:
    return set(SpiderLoader.from_settings(get_project_settings()).list())


def spider_classes() -> dict[str, type]:
    loader = SpiderLoader.from_settings(get_project_settings())
    return {name: loader.load(name) for name in loader.list()}


def test_packaged_registry_is_valid():
    companies = load_registry()
    slugs = [c.slug for c in companies]
    assert len(slugs) == len(set(slugs))
    assert len(companies) == 118
    for company in companies:
        assert company.platform in PLATFORMS, f"{company.slug}: unknown platform"
        assert company.board or company.careers_url
        if company.careers_url:
            assert company.careers_url.startswith("https://"), company.slug
        if company.careers_page:  # the company's own site, where a moved board is looked for
            assert company.careers_page.startswith("https://"), company.slug
            assert company.careers_page != company.careers_url, company.slug
        if company.platform == "jsonld":
            assert company.board is None and company.careers_url, company.slug
            continue
        assert company.board, f"{company.slug}: {company.platform} needs a board token"
        shape = BOARD_SHAPES[company.platform]
        assert re.fullmatch(shape, company.board), f"{company.slug}: board {company.board!r}"
        if company.platform == "workday":
            match = WORKDAY_URL.fullmatch(company.careers_url or "")
            assert match, f"{company.slug}: workday needs its myworkdayjobs careers_url"
            assert company.board == f"{match['tenant']}/{match['site']}", company.slug


def test_every_packaged_entry_carries_its_evidence():
    for company in load_registry():
        assert company.evidence and len(company.evidence) >= 10, company.slug
        assert company.checked is not None and company.checked <= date.today(), company.slug
        assert company.verified is False, f"{company.slug}: verified needs a live crawl"


# Issue 10's contradicted rows with high or medium evidence: where each board is now.
CORRECTED = {
    "temporal": ("ashby", "temporal"), "fireworks-ai": ("ashby", "fireworks"),
    "cerebras": ("ashby", "cerebras"), "runway": ("ashby", "runway-ml"),
    "mistral": ("ashby", "mistral.ai"), "plaid": ("ashby", "plaid"),
    "netlify": ("greenhouse", "netlify"), "causaly": ("ashby", "causaly"),
    "aleph-alpha": ("ashby", "alephalpha"), "konux": ("greenhouse", "konux"),
    "staffbase": ("greenhouse", "staffbase"),
}  # fmt: skip
# Low confidence, split sources, no evidence, or a move no spider can follow: kept, doubtful.
DOUBTFUL = {
    "groq", "retool", "weights-and-biases", "vinted", "mews", "kognity", "vultr", "percona",
    "scale-computing", "microsoft", "amazon", "apple", "google", "meta", "ibm", "oracle",
}  # fmt: skip


def test_contradicted_entries_are_corrected_or_marked_doubtful():
    companies = {c.slug: c for c in load_registry()}
    assert {s: (companies[s].platform, companies[s].board) for s in CORRECTED} == CORRECTED
    assert {s for s, c in companies.items() if c.doubtful} >= DOUBTFUL
    for slug in DOUBTFUL:  # kept as they were: the evidence is too weak to move them
        assert companies[slug].doubtful.strip(), slug
    assert companies["retool"].platform == "ashby" and companies["vinted"].platform == "workable"


def test_registry_spreads_across_every_platform():
    platforms = {c.platform for c in load_registry()}
    assert platforms == set(PLATFORMS)


def test_registry_has_the_companies_of_the_brief():
    companies = {c.slug: c for c in load_registry()}
    assert set(companies) >= BRIEF_COMPANIES
    assert {s for s, c in companies.items() if c.platform == "greenhouse"} >= BRIEF_GREENHOUSE


def test_every_contract_platform_is_a_spider():
    # Fails until every platform's spider module has landed in crawler/spiders/.
    assert set(PLATFORMS) <= spider_names()


@pytest.mark.parametrize("platform", [p for p in PLATFORMS if p != "jsonld"])
def test_careers_urls_name_the_same_board(platform):
    """Each careers URL, read by its platform's spider, gives the entry's board token."""
    spiders = spider_classes()
    if platform not in spiders:
        pytest.skip(f"no {platform} spider yet")
    board_from_url = spiders[platform].board_from_url
    for company in load_registry():
        if company.platform == platform and company.careers_url:
            assert board_from_url(company.careers_url) == company.board, company.slug


def test_select_companies_filters_and_names_unknown_slugs():
    companies = load_registry()
    chosen = select_companies(companies, platforms=["greenhouse"], slugs=["stripe", "openai"])
    assert [c.slug for c in chosen] == ["stripe"]
    assert {c.platform for c in select_companies(companies, platforms=["lever"])} == {"lever"}
    with pytest.raises(RegistryError, match="not in the registry: 'nope'"):
        select_companies(companies, slugs=["stripe", "nope"])
    with pytest.raises(RegistryError, match="no registry company matches platform lever"):
        select_companies(companies, platforms=["lever"], slugs=["stripe"])


def test_company_toml_round_trips(tmp_path):
    company = Company(slug="acme", name='Acme "Robotics"', platform="greenhouse", board="acme",
                      careers_url="https://job-boards.greenhouse.io/acme")  # fmt: skip
    path = tmp_path / "companies.toml"
    path.write_text(company_toml(company))
    assert load_registry(path) == [company]
    documented = Company(
        slug="acme", name="Acme", platform="ashby", board="acme.ai",
        careers_url="https://jobs.ashbyhq.com/acme.ai", careers_page="https://acme.example/jobs",
        evidence="job dump in a public repo, 2026-08", checked=date(2026, 9, 1),
        doubtful='sources split: "greenhouse acme"',
    )  # fmt: skip
    path.write_text(company_toml(documented))
    assert "checked = 2026-09-01\n" in path.read_text()  # a TOML date, not a string
    assert load_registry(path) == [documented]


def test_two_entries_on_one_board_are_an_error(tmp_path):
    path = tmp_path / "companies.toml"
    path.write_text(
        '[[company]]\nslug = "a"\nname = "A"\nplatform = "greenhouse"\nboard = "x"\n'
        '[[company]]\nslug = "b"\nname = "B"\nplatform = "greenhouse"\nboard = "x"\n'
    )
    with pytest.raises(RegistryError, match="'b' and 'a' both name greenhouse board 'x'"):
        load_registry(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not toml [", "is not valid TOML"),
        ("[other]\nx = 1\n", "has no [[company]] entries"),
        ('[[company]]\nslug = "a"\nplatform = "greenhouse"\nboard = "a"\n', "'name' is required"),
        (
            '[[company]]\nslug = "Bad Slug"\nname = "A"\nplatform = "greenhouse"\nboard = "a"\n',
            "slug must be lowercase",
        ),
        (
            '[[company]]\nslug = "a"\nname = "A"\nplatform = "greenhouse"\n',
            "needs a board token or a careers_url",
        ),
        (
            '[[company]]\nslug = "a"\nname = "A"\nplatform = "greenhouse"\nboard = "a b"\n',
            "is not a well-formed token",
        ),
        (
            '[[company]]\nslug = "a"\nname = "A"\nplatform = "x"\ncareers_url = "ftp://x"\n',
            "is not an http(s) URL",
        ),
        (
            '[[company]]\nslug = "a"\nname = "A"\nplatform = "x"\nboard = "a"\ntoken = "b"\n',
            "unknown keys ['token']",
        ),
        (
            '[[company]]\nslug = "a"\nname = "A"\nplatform = "x"\nboard = "a"\n'
            '[[company]]\nslug = "a"\nname = "B"\nplatform = "x"\nboard = "b"\n',
            "appears twice",
        ),
        (ENTRY + 'evidence = "job dump"\nchecked = "2026-12-01"\n', "is not a date"),
        (ENTRY + 'evidence = "job dump"\nchecked = 2026-12-01T10:00:00Z\n', "is not a date"),
        (ENTRY + 'evidence = "job dump"\nchecked = 2026-02-30\n', "is not valid TOML"),
        (ENTRY + 'evidence = "job dump"\nchecked = 2999-01-01\n', "is in the future"),
        (ENTRY + 'evidence = "job dump"\n', "checked (the date) is missing"),
        (ENTRY + "checked = 2026-12-01\n", "evidence (what was checked) is missing"),
        (ENTRY + 'evidence = " "\nchecked = 2026-12-01\n', "evidence must say what"),
        (ENTRY + 'doubtful = ""\n', "doubtful must say why"),
        (ENTRY + 'careers_page = "acme.example/jobs"\n', "careers_page 'acme.example/jobs'"),
    ],
)
def test_bad_registry_entries_are_named(tmp_path, text, message):
    path = tmp_path / "companies.toml"
    path.write_text(text)
    with pytest.raises(RegistryError) as error:
        load_registry(path)
    assert message in str(error.value)


def test_missing_file_is_named(tmp_path):
    with pytest.raises(RegistryError, match="companies file not found"):
        load_registry(tmp_path / "nope.toml")


def test_default_file_is_in_the_package():
    assert DEFAULT_COMPANIES_FILE.parent.name == "crawler"
