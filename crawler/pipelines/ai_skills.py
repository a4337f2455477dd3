"""AI-skills stage: mentions_ai, asks_for_ai, ai_skills, is_ai_role and ai_evidence.

Reads no settings. The taxonomy's automaton is built once when the stage is made; each
posting's title and text are scanned once, and only when the text mentions AI are its
sections found, from the headings of its sanitized HTML (parsed here) or from the
text's own heading lines. Stats: ``jobs/ai/mentions``,
``jobs/ai/asks``, ``jobs/ai/ai_role``, ``jobs/ai/tag/<tag>``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from itemadapter import ItemAdapter

from crawler.enrich.ai_skills import assess_posting
from crawler.enrich.ai_taxonomy import load_taxonomy
from crawler.enrich.sections import sections_of

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


class AiSkillsPipeline:
    runs_in_pool = True  # a function of the posting (crawler/pipelines/stage_pool.py)

    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats
        self.taxonomy = load_taxonomy()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        text = adapter.get("description_text") or ""
        html = adapter.get("description_html")
        verdict = assess_posting(
            adapter.get("title"), text, lambda: sections_of(text, html), self.taxonomy
        )
        adapter["mentions_ai"] = verdict.mentions_ai
        adapter["asks_for_ai"] = verdict.asks_for_ai
        adapter["ai_skills"] = verdict.ai_skills
        adapter["is_ai_role"] = verdict.is_ai_role
        adapter["ai_evidence"] = verdict.evidence
        if verdict.mentions_ai:
            self.stats.inc_value("jobs/ai/mentions")
        if verdict.asks_for_ai:
            self.stats.inc_value("jobs/ai/asks")
        if verdict.is_ai_role:
            self.stats.inc_value("jobs/ai/ai_role")
        for tag in verdict.ai_skills:
            self.stats.inc_value(f"jobs/ai/tag/{tag}")
        return item
