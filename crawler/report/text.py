"""The report as aligned plain-text tables for a terminal."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from crawler.db.report import ROLE_GROUPS, Trend
from crawler.report.data import (
    ACCURACY_NOTE,
    Report,
    ai_role_growth,
    growth_sentence,
    headline_rows,
    pay_by_seniority_rows,
    seniority_mix_rows,
    share,
    signed_percent,
    software_ask_share,
)

SOFTWARE_NOTE = (
    "software: role families backend, frontend, fullstack, mobile, infrastructure, sre,"
    " security, qa, data, ai_ml, engineering_management"
)
ASKS_NOTE = (
    "asks for AI: the role's own duties or requirements name an AI skill; company"
    " blurbs, perks, legal and hiring text do not count"
)
AI_ROLE_NOTE = (
    "AI/ML role: the job's main work is building, training, serving or researching"
    " AI/ML systems; open in a week: first seen by its end and not closed before it"
)
PAY_NOTE = (
    "annual pay: midpoint of the stated range; month x12, hour x2080; other periods"
    " and postings without pay are left out; currencies never mixed"
)

TREND_TITLES = {
    "total": "all open postings",
    "ai_role": "AI/ML roles",
    "asks_for_ai": "postings asking for AI skills",
    "role_family": "role family",
    "seniority": "seniority",
}


def table(headers: Sequence[str], rows: Sequence[Sequence[object]], indent: int = 2) -> str:
    """Columns padded to their widest cell; numbers (and n/a, %) right-aligned."""
    cells = [[str(c) for c in headers]] + [[_cell(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    right = [
        all(_is_numeric(row[i]) for row in cells[1:]) and len(cells) > 1
        for i in range(len(headers))
    ]
    lines = []
    for number, row in enumerate(cells):
        padded = [
            cell.rjust(width) if align_right else cell.ljust(width)
            for cell, width, align_right in zip(row, widths, right, strict=True)
        ]
        lines.append(" " * indent + "  ".join(padded).rstrip())
        if number == 0:
            lines.append(" " * indent + "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _cell(value: object) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.0f}"
    return "" if value is None else str(value)


def _is_numeric(text: str) -> bool:
    stripped = text.replace(",", "").replace("%", "").replace("+", "").replace("-", "", 1)
    return stripped in ("", "n/a") or stripped.replace(".", "", 1).isdigit()


def render_text(report: Report, trend_weeks: int = 8) -> str:
    h = report.headline
    sections = [
        f"careers-crawler report, {report.generated_at:%Y-%m-%d %H:%M} UTC",
        "",
        _article_section(report),
        "",
        "Headline (open postings)",
        table(["", "postings", "share"], headline_rows(report)),
        _wrap(
            f"(workplace known for {h['workplace_known']:,} postings; {SOFTWARE_NOTE})", "  ", "   "
        ),
        "",
        _change_section(report),
        "",
        "Seniority",
        table(
            ["seniority", "postings", "share"],
            [
                [row["seniority"], row["postings"], share(row["postings"], h["open_postings"])]
                for row in report.seniority
            ],
        ),
        "",
        "Role family",
        table(
            ["role family", "postings", "asks for AI", "mentions AI", "AI/ML roles"],
            [
                [
                    row["role_family"],
                    row["postings"],
                    share(row["asks_for_ai"], row["postings"]),
                    share(row["mentions_ai"], row["postings"]),
                    row["ai_roles"],
                ]
                for row in report.role_families
            ],
        ),
        "",
        _pay_section(report),
        "",
        _skills_section(report),
    ]
    for trend in report.trends.values():
        sections += ["", _trend_section(trend, trend_weeks)]
    return "\n".join(sections) + "\n"


def _article_section(report: Report) -> str:
    """The four numbers an article quotes, each saying what it counts."""
    mix = seniority_mix_rows(report)
    pay = pay_by_seniority_rows(report)
    lines = [
        "The article's numbers (open postings)",
        f"  1. {software_ask_share(report)}",
        _note(f"{ASKS_NOTE}; {SOFTWARE_NOTE}"),
        _wrap(f"2. {growth_sentence(ai_role_growth(report))}", "  ", "     "),
        _note(AI_ROLE_NOTE),
        "  3. Seniority of AI/ML roles beside all other software roles",
        table(["seniority", "AI/ML roles", "share", "other software", "share"], mix, indent=5)
        if mix
        else "     no software postings yet",
        "  4. Median annual pay by seniority (n: postings stating pay that it rests on)",
        table(["currency", "seniority", *ROLE_GROUPS], pay, indent=5)
        if pay
        else "     no posting states pay in a convertible period yet",
        _note(PAY_NOTE),
        _wrap(ACCURACY_NOTE, "  ", "  "),
    ]
    return "\n".join(lines)


def _wrap(text: str, first: str, rest: str) -> str:
    return textwrap.fill(text, width=92, initial_indent=first, subsequent_indent=rest)


def _note(text: str) -> str:
    return _wrap(f"({text})", "     ", "      ")


def _change_section(report: Report) -> str:
    change = report.change
    runs = ", ".join(f"{status} {count}" for status, count in report.latest_runs.items())
    lines = ["Change since the previous crawl"]
    if not change["companies_recrawled"]:
        lines.append("  no company has been crawled twice yet")
    else:
        lines.append(
            table(
                ["", "postings"],
                [
                    ["new", change["new"]],
                    ["closed", change["closed"]],
                    ["net", change["new"] - change["closed"]],
                ],
            )
        )
        lines.append(
            f"  ({change['companies_recrawled']:,} companies, each since its latest crawl started)"
        )
    if change["companies_first_crawl"]:
        lines.append(
            f"  {change['companies_first_crawl']:,} companies crawled for the first time:"
            f" {change['first_crawl_postings']:,} postings"
        )
    if change["latest_run_started_at"]:
        lines.append(
            f"  latest crawl started {change['latest_run_started_at']:%Y-%m-%d %H:%M} UTC;"
            f" latest run per company: {runs}"
        )
    return "\n".join(lines)


def _pay_section(report: Report) -> str:
    title = "Median annual pay by role family (salary period year, month x12, hour x2080)"
    if not report.pay:
        return f"{title}\n  no postings with a salary in a convertible period yet"
    rows = [
        [row["currency"], row["role_family"], row["postings"], round(row["median_annual"])]
        for row in report.pay
    ]
    return f"{title}\n" + table(["currency", "role family", "postings", "median"], rows)


def _skills_section(report: Report) -> str:
    if not report.ai_skills:
        return "Top AI skills\n  no posting names an AI skill yet"
    open_postings = report.headline["open_postings"]
    rows = [
        [row["skill"], row["postings"], share(row["postings"], open_postings)]
        for row in report.ai_skills
    ]
    return "Top AI skills\n" + table(["skill", "postings", "share"], rows)


def _trend_section(trend: Trend, weeks: int) -> str:
    shown = trend.weeks[-weeks:]
    yoy = trend.year_over_year()
    title = f"Open postings per week: {TREND_TITLES.get(trend.dimension, trend.dimension)}"
    headers = [trend.dimension, *(f"{week:%m-%d}" for week in shown)]
    if yoy:
        headers.append("year on year")
    rows = []
    for name, counts in trend.series.items():
        row: list[object] = [name, *counts[-len(shown) :]]
        if yoy:
            row.append(signed_percent(yoy[name]))
        rows.append(row)
    note = (
        "  (week starting Monday, UTC; year on year: latest week against 52 weeks before)"
        if yoy
        else f"  (week starting Monday, UTC; {_weeks(len(trend.weeks))} of history:"
        " year-on-year change needs more than 52)"
    )
    return f"{title}\n{table(headers, rows)}\n{note}"


def _weeks(count: int) -> str:
    return f"{count} week" if count == 1 else f"{count} weeks"
