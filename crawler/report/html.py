"""The report as one self-contained HTML page with plotly charts.

The plotly.js library is inlined in the page (no CDN, no request of any kind), so the
file opens offline, from a mail attachment or a laptop on a plane. With a short history
(up to FEW_WEEKS weeks) a weekly trend is drawn as bars labelled by week, so the first
crawl already shows marks; a longer one as lines with a point per week.
"""

from __future__ import annotations

from html import escape

import plotly.graph_objects as go
from plotly.colors import qualitative
from plotly.offline import get_plotlyjs

from crawler.db.report import ROLE_GROUPS, Trend
from crawler.report.data import (
    ACCURACY_NOTE,
    Report,
    ai_role_growth,
    growth_sentence,
    headline_rows,
    pay_by_seniority_rows,
    seniority_mix_rows,
    signed_percent,
    software_ask_share,
)
from crawler.report.text import AI_ROLE_NOTE, ASKS_NOTE, PAY_NOTE, SOFTWARE_NOTE, TREND_TITLES

FEW_WEEKS = 12  # up to this many weeks, trends are bars labelled by week
# One colour per role group in every chart, and a legend even for one group: a pay
# chart holding only non-software roles must not borrow the colour that the next chart
# gives AI/ML roles (plotly colours traces by their order and hides a lone legend).
GROUP_COLORS = dict(zip(ROLE_GROUPS, ("#636efa", "#ef553b", "#00cc96"), strict=True))

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
        *_article_parts(report),
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
        "open postings",
    ))  # fmt: skip
    parts.append(_bar_chart(
        "role-family", "Open postings by role family",
        [r["role_family"] for r in report.role_families],
        [r["postings"] for r in report.role_families], "open postings",
    ))  # fmt: skip
    for currency in sorted({row["currency"] for row in report.pay}):
        rows = [row for row in report.pay if row["currency"] == currency]
        parts.append(_bar_chart(
            f"pay-{currency}", f"Median annual pay by role family ({currency})",
            [r["role_family"] for r in rows], [round(r["median_annual"]) for r in rows],
            f"median annual pay ({currency})", [f"n={r['postings']}" for r in rows],
            "Labels: postings stating pay that each median rests on.",
        ))  # fmt: skip
    if report.ai_skills:
        parts.append(_bar_chart(
            "ai-skills", "Top AI skills (open postings naming each)",
            [r["skill"] for r in report.ai_skills], [r["postings"] for r in report.ai_skills],
            "open postings",
        ))  # fmt: skip
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<title>careers-crawler report</title>"
        f"<style>{STYLE}</style>"
        f"<script>{get_plotlyjs()}</script></head><body>\n"
        + "\n".join(parts)
        + "\n</body></html>\n"
    )


def _article_parts(report: Report) -> list[str]:
    """The four numbers an article quotes, each with what it counts, and their charts."""
    mix = seniority_mix_rows(report)
    parts = [
        "<h2>The article's numbers (open postings)</h2><ol>",
        f"<li><b>{escape(software_ask_share(report))}</b>"
        f"<p class='note'>{escape(ASKS_NOTE)}; {escape(SOFTWARE_NOTE)}.</p></li>",
        f"<li><b>{escape(growth_sentence(ai_role_growth(report)))}</b>"
        f"<p class='note'>{escape(AI_ROLE_NOTE)}.</p></li>",
        "<li><b>Seniority of AI/ML roles beside all other software roles</b>",
        _table(["seniority", "AI/ML roles", "share", "other software", "share"], mix)
        if mix
        else "<p class='note'>no software postings yet</p>",
        "</li><li><b>Median annual pay by seniority</b> (n: postings stating pay that it rests on)",
        _table(["currency", "seniority", *ROLE_GROUPS], pay_by_seniority_rows(report)),
        f"<p class='note'>{escape(PAY_NOTE)}.</p></li></ol>",
        f"<p class='note'>{escape(ACCURACY_NOTE)}</p>",
    ]
    if mix:
        groups = ROLE_GROUPS[:2]
        totals = [sum(int(row[1 + 2 * i]) for row in mix) for i in range(len(groups))]
        figure = go.Figure([
            go.Bar(name=group, x=[row[0] for row in mix],
                   y=[100 * int(row[1 + 2 * i]) / totals[i] if totals[i] else 0 for row in mix],
                   text=[f"{row[1 + 2 * i]}" for row in mix], textposition="outside",
                   marker_color=GROUP_COLORS[group])
            for i, group in enumerate(groups) if totals[i]
        ])  # fmt: skip
        figure.update_layout(
            barmode="group", yaxis_title="% of the group's open postings", showlegend=True
        )
        parts.append(_figure_html(
            figure, "seniority-mix", "Seniority of AI/ML roles beside other software roles",
            "Share of each group's open postings at each level; labels: postings.",
        ))  # fmt: skip
    for currency in sorted({row["currency"] for row in report.pay_by_seniority}):
        rows = [row for row in report.pay_by_seniority if row["currency"] == currency]
        levels = list(dict.fromkeys(row["seniority"] for row in rows))
        traces = []
        for group in ROLE_GROUPS:
            by_level = {row["seniority"]: row for row in rows if row["role_group"] == group}
            if by_level:
                traces.append(go.Bar(
                    name=group, x=[lv for lv in levels if lv in by_level],
                    y=[round(by_level[lv]["median_annual"]) for lv in levels if lv in by_level],
                    text=[f"n={by_level[lv]['postings']}" for lv in levels if lv in by_level],
                    textposition="outside", marker_color=GROUP_COLORS[group],
                ))  # fmt: skip
        figure = go.Figure(traces)
        figure.update_layout(
            barmode="group",
            showlegend=True,
            yaxis_title=f"median annual pay ({currency})",
            xaxis={"categoryorder": "array", "categoryarray": levels},
        )
        parts.append(_figure_html(
            figure, f"pay-seniority-{currency}", f"Median annual pay by seniority ({currency})",
            "Labels: postings stating pay that each median rests on.",
        ))  # fmt: skip
    return parts


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
    few = len(trend.weeks) <= FEW_WEEKS
    # few weeks: categories labelled by week (a date axis of one week is empty)
    weeks = [f"{week:%Y-%m-%d}" for week in trend.weeks] if few else trend.weeks
    for name, counts in trend.series.items():
        label = f"{name} ({signed_percent(yoy[name])} a year)" if yoy else name
        if few:
            figure.add_trace(go.Bar(x=weeks, y=counts, name=label))
        else:
            figure.add_trace(go.Scatter(x=weeks, y=counts, mode="lines+markers", name=label,
                                        marker={"size": 4}))  # fmt: skip
    figure.update_layout(yaxis_title="open postings", xaxis_title="week (Monday, UTC)")
    if len(trend.series) > len(qualitative.Plotly):  # the default ten colours would repeat
        figure.update_layout(colorway=qualitative.Alphabet)
    if few:
        figure.update_layout(barmode="group", xaxis_type="category")
    note = "Open in a week: first seen by its end and not closed before it." + (
        " Legend: latest week against 52 weeks before." if yoy else ""
    )
    title = f"Open postings per week: {TREND_TITLES.get(trend.dimension, trend.dimension)}"
    return _figure_html(figure, f"trend-{trend.dimension}", title, note)


def _bar_chart(
    div_id: str,
    title: str,
    labels: list[str],
    values: list[int],
    y_title: str,
    bar_text: list[str] | None = None,
    note: str = "",
) -> str:
    figure = go.Figure(go.Bar(x=labels, y=values, text=bar_text, textposition="outside"))
    figure.update_layout(yaxis_title=y_title)
    return _figure_html(figure, div_id, title, note)
