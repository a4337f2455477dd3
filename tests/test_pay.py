"""Pay: structured fields and text, what counts as a salary and what does not."""

from __future__ import annotations

import pytest
from scrapy import Spider
from scrapy.utils.test import get_crawler

from crawler.enrich.pay import Pay, normalize_period, parse_pay_text, pay_from_structured
from crawler.items import JobPosting
from crawler.pipelines.pay import PayPipeline

GREENHOUSE_BLOCK = "Annual Salary:\n$300,000\n\u2014\n$405,000 USD"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (GREENHOUSE_BLOCK, Pay(300000, 405000, "USD", "year")),
        ("$180,000 - $250,000 USD", Pay(180000, 250000, "USD", "year")),
        ("The range is $180K\u2013$250K.", Pay(180000, 250000, "USD", "year")),
        ("Salary: $180k-$250k + bonus + equity", Pay(180000, 250000, "USD", "year")),
        ("\u20ac60.000 \u2013 \u20ac80.000 per year", Pay(60000, 80000, "EUR", "year")),
        ("Salary: \u00a345k", Pay(45000, 45000, "GBP", "year")),
        ("We pay $45/hour for this role.", Pay(45, 45, "USD", "hour")),
        ("$75.50 per hour", Pay(75.5, 75.5, "USD", "hour")),
        ("Hourly rate: $25 - $35", Pay(25, 35, "USD", "hour")),
        ("The annual salary range for this role in Dublin is \u20ac95,000 - \u20ac140,000.",
         Pay(95000, 140000, "EUR", "year")),
        ("Pay: $120k-150k", Pay(120000, 150000, "USD", "year")),
        ("USD 90,000 \u2013 110,000 annually", Pay(90000, 110000, "USD", "year")),
        ("CHF 120 000 - 140 000", Pay(120000, 140000, "CHF", "year")),
        ("Gehalt: 50.000 \u20ac brutto pro Jahr", Pay(50000, 50000, "EUR", "year")),
        ("Base salary: C$130,000 to C$160,000", Pay(130000, 160000, "CAD", "year")),
        ("Compensation: \u00a54,000,000 - \u00a56,000,000", Pay(4000000, 6000000, "JPY", "year")),
        ("$6,000 - $8,000 per month", Pay(6000, 8000, "USD", "month")),
        ("between $150,000 and $180,000 per year, plus benefits",
         Pay(150000, 180000, "USD", "year")),
    ],
)  # fmt: skip
def test_pay_in_text(text, expected):
    assert parse_pay_text(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "We raised a $10M Series B led by great investors.",
        "Every employee gets a $1,000 learning stipend.",
        "401(k) with a 4% match, equity, and unlimited PTO.",
        "A $5,000 annual bonus and a $500 home office budget.",
        "We passed $50M ARR last year.",
        "5-7 years of experience with Python 3.",
        "Our API serves 100,000 requests per second.",
        "Over 2,000 customers in 40 countries.",
        "",
    ],
)
def test_amounts_that_are_not_pay(text):
    assert parse_pay_text(text) is None


def test_first_plausible_pay_wins_over_stipends_before_it():
    text = "Perks: $1,000 learning stipend, $500 budget.\n\n" + GREENHOUSE_BLOCK
    assert parse_pay_text(text) == Pay(300000, 405000, "USD", "year")


def test_a_long_description_without_pay_is_none():
    assert parse_pay_text("We build reliable systems with Go and AWS. " * 150) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("per-year-salary", "year"), ("per-hour-wage", "hour"), ("per-month-salary", "month"),
        ("1 YEAR", "year"), ("1 HOUR", "hour"), ("YEAR", "year"), ("HOUR", "hour"),
        ("WEEK", "week"), ("DAY", "day"), ("annual", "year"), ("one-time", None), (None, None),
    ],
)  # fmt: skip
def test_normalize_period(raw, expected):
    assert normalize_period(raw) == expected


def test_structured_pay():
    lever = {"min": 150000, "max": 200000, "currency": "USD", "interval": "per-year-salary"}
    assert pay_from_structured(lever) == Pay(150000, 200000, "USD", "year")
    ashby = {"min": "60", "max": "80.5", "currency": "usd", "period": "1 HOUR"}
    assert pay_from_structured(ashby) == Pay(60, 80.5, "USD", "hour")
    jsonld = {"minValue": 90000, "maxValue": None, "currency": "EUR", "unitText": "YEAR"}
    assert pay_from_structured(jsonld) == Pay(90000, None, "EUR", "year")
    assert pay_from_structured({"min": 120000, "max": 100000}) == Pay(100000, 120000, None, "year")
    assert pay_from_structured({"min": None, "max": None, "currency": "USD"}) is None
    assert pay_from_structured("lots") is None


def run_stage(**fields):
    crawler = get_crawler(Spider)
    crawler.stats.open_spider()
    stage = PayPipeline.from_crawler(crawler)
    item = JobPosting(platform="p", board="b", external_id="1", company="c", **fields)
    stage.process_item(item)
    return item, crawler.stats


def test_stage_prefers_structured_pay_and_counts_sources():
    item, stats = run_stage(
        description_text="Salary: $100,000 - $120,000",
        extra={"salary": {"min": 130000, "max": 150000, "currency": "USD", "period": "YEAR"}},
    )
    assert (item.salary_min, item.salary_max, item.salary_currency, item.salary_period) == (
        130000, 150000, "USD", "year")  # fmt: skip
    assert stats.get_value("jobs/field/salary/structured") == 1


def test_stage_reads_pay_text_then_description():
    item, stats = run_stage(extra={"salary_text": "$120k - $150k"})
    assert (item.salary_min, item.salary_max, item.salary_currency) == (120000, 150000, "USD")
    assert stats.get_value("jobs/field/salary/text") == 1
    item, stats = run_stage(description_text="Base pay: \u00a360,000 - \u00a370,000 per year")
    assert (item.salary_min, item.salary_currency, item.salary_period) == (60000, "GBP", "year")
    assert stats.get_value("jobs/field/salary/description") == 1


def test_stage_counts_unreadable_platform_pay_and_leaves_nulls():
    item, stats = run_stage(extra={"salary_text": "Competitive"}, description_text="Great team.")
    assert item.salary_min is None and item.salary_currency is None
    assert stats.get_value("jobs/field/salary/unparsed") == 1


def test_stage_fills_a_missing_structured_currency_from_text():
    item, _ = run_stage(
        extra={"salary": {"min": 90000, "max": 110000, "currency": None, "period": None}},
        description_text="The range is \u20ac90,000 - \u20ac110,000.",
    )
    assert (item.salary_currency, item.salary_period) == ("EUR", "year")
