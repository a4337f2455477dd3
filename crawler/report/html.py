"""The report as one self-contained HTML page with plotly charts.

The plotly.js library is inlined in the page (no CDN, no request of any kind), so the
file opens offline, from a mail attachment or a laptop on a plane.
"""

from __future__ import annotations

from html import escape

import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from crawler.db.report import Trend
from crawler.report.data import Report, headline_rows, signed_percent
from crawler.report.text import TREND_TITLES

PLOT_CONFIG = {"displaylogo": False, "responsive": True}
STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1100px;
       color: #222; padding: 0 1rem; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.2rem; margin-top: 2.2rem; }
table { border-collapse: collapse; margin: .5rem 0; }
td, th { padding: .25rem .8rem; border-bottom: 1px solid #ddd; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
td.sub { padding-left: 1.8rem; }
.note { color: #666; font-size: .9rem; }
"""


def render_html(report: Report) -> str:
    parts = [
        f"<h1>careers-crawler report</h1><p class='note'>as of "
        f"{report.generated_at:%Y-%m-%d %H:%M} UTC</p>",
        "<h2>Headline (open postings)</h2>",
        _table(
            ["", "postings", "share"],
            [
                *headline_rows(report),
                ["new since the previous crawl", report.change["new"], ""],
                ["closed since the previous crawl", report.change["closed"], ""],
            ],
        ),
    ]
    for dimension in ("total", "ai_role", "role_family", "seniority", "asks_for_ai"):
        trend = report.trends.get(dimension)
        if trend and trend.weeks:
            parts.append(_trend_chart(trend))
    parts.append(_bar_chart(
        "seniority", "Open postings by seniority",
        [r["seniority"] for r in report.seniority], [r["postings"] for r in report.seniority],
    ))  # fmt: skip
    parts.append(_bar_chart(
        "role-family", "Open postings by role family",
        [r["role_family"] for r in report.role_families],
        [r["postings"] for r in report.role_families],
    ))  # fmt: skip
    for currency in sorted({row["currency"] for row in report.pay}):
        rows = [row for row in report.pay if row["currency"] == currency]
        parts.append(_bar_chart(
            f"pay-{currency}", f"Median annual pay by role family ({currency})",
            [r["role_family"] for r in rows], [round(r["median_annual"]) for r in rows],
        ))  # fmt: skip
    if report.ai_skills:
        parts.append(_bar_chart(
            "ai-skills", "Top AI skills (open postings naming each)",
            [r["skill"] for r in report.ai_skills], [r["postings"] for r in report.ai_skills],
        ))  # fmt: skip
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<title>careers-crawler report</title>"
        f"<style>{STYLE}</style>"
        f"<script>{get_plotlyjs()}</script></head><body>\n"
        + "\n".join(parts)
        + "\n</body></html>\n"
    )


def _table(headers: list[str], rows: list[list[object]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(_td(cell) for cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _td(cell: object) -> str:
    if isinstance(cell, int):
        return f"<td class='n'>{cell:,}</td>"
    text = str(cell)
    if text.startswith(" "):  # an indented label (a part of the row above)
        return f"<td class='sub'>{escape(text.strip())}</td>"
    return f"<td>{escape(text)}</td>"


def _figure_html(figure: go.Figure, div_id: str, title: str, note: str = "") -> str:
    figure.update_layout(margin={"l": 50, "r": 20, "t": 30, "b": 50}, height=420)
    div = figure.to_html(full_html=False, include_plotlyjs=False, div_id=div_id, config=PLOT_CONFIG)
    note_html = f"<p class='note'>{escape(note)}</p>" if note else ""
    return f"<section><h2>{escape(title)}</h2>{note_html}{div}</section>"


def _trend_chart(trend: Trend) -> str:
    figure = go.Figure()
    yoy = trend.year_over_year()
    for name, counts in trend.series.items():
        label = f"{name} ({signed_percent(yoy[name])} a year)" if yoy else name
        figure.add_trace(go.Scatter(x=trend.weeks, y=counts, mode="lines", name=label))
    figure.update_layout(yaxis_title="open postings", xaxis_title="week (Monday, UTC)")
    note = "Open in a week: first seen by its end and not closed before it." + (
        " Legend: latest week against 52 weeks before." if yoy else ""
    )
    title = f"Open postings per week: {TREND_TITLES.get(trend.dimension, trend.dimension)}"
    return _figure_html(figure, f"trend-{trend.dimension}", title, note)


def _bar_chart(div_id: str, title: str, labels: list[str], values: list[int]) -> str:
    figure = go.Figure(go.Bar(x=labels, y=values))
    return _figure_html(figure, div_id, title)
