"""The bare floor: plain Scrapy reading the bench fleet, nothing of the project.

    .venv/bin/python bench/floor.py --fleet ROOT --url SERVER_URL

A minimal spider outside the project (no project settings, middlewares, pipelines
or database) that fetches every board of the fleet's registry from the bench server
(Greenhouse: one response per board; Workday: the listing paged 20 at a time, then
each posting's detail), parses the JSON, and strips the tags from each description
(Greenhouse's arrive HTML-escaped, so they are unescaped first): what any crawler of
these boards must do. Same fetch settings as the full crawl (bench.common.
FETCH_SETTINGS). Prints one JSON line: items, description characters.
"""

from __future__ import annotations

import argparse
import html
import json
import sys
import tomllib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import scrapy
from scrapy.crawler import CrawlerProcess
from w3lib.html import remove_tags

from bench.common import FETCH_SETTINGS

PAGE = 20


class FloorSpider(scrapy.Spider):
    name = "floor"

    def __init__(self, registry: str, url: str, **kwargs):
        super().__init__(**kwargs)
        self.companies = tomllib.loads(Path(registry).read_text())["company"]
        self.url = url
        self.characters = 0

    async def start(self):
        for company in self.companies:
            if company["platform"] == "greenhouse":
                url = f"{self.url}/v1/boards/{company['board']}/jobs?content=true"
                yield scrapy.Request(url, callback=self.parse_greenhouse)
            else:
                yield self.workday_page(company["board"], 0)

    def parse_greenhouse(self, response):
        for job in json.loads(response.body)["jobs"]:
            yield self.posting(job["id"], job["title"], html.unescape(job["content"] or ""))

    def workday_page(self, board: str, offset: int) -> scrapy.Request:
        body = {"appliedFacets": {}, "limit": PAGE, "offset": offset, "searchText": ""}
        return scrapy.Request(
            f"{self.url}/wday/cxs/{board}/jobs", method="POST", body=json.dumps(body),
            headers={"Content-Type": "application/json"}, callback=self.parse_workday_list,
            cb_kwargs={"board": board, "offset": offset},
        )  # fmt: skip

    def parse_workday_list(self, response, board: str, offset: int):
        rows = json.loads(response.body)["jobPostings"]
        for row in rows:
            yield scrapy.Request(f"{self.url}/wday/cxs/{board}{row['externalPath']}",
                                 callback=self.parse_workday_detail)  # fmt: skip
        if len(rows) == PAGE:
            yield self.workday_page(board, offset + PAGE)

    def parse_workday_detail(self, response):
        info = json.loads(response.body)["jobPostingInfo"]
        yield self.posting(info["jobReqId"], info["title"], info["jobDescription"])

    def posting(self, job_id, title: str, description_html: str) -> dict:
        text = remove_tags(description_html)
        self.characters += len(text)
        return {"id": job_id, "title": title, "description": text}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--registry", required=True)
    parser.add_argument("--url", required=True)
    args = parser.parse_args()
    settings = {"TELNETCONSOLE_ENABLED": False, "ROBOTSTXT_OBEY": False,
                "REMOTE_CONTROL_ENABLED": False, **FETCH_SETTINGS}  # fmt: skip
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(FloorSpider)
    process.crawl(crawler, registry=args.registry, url=args.url)
    process.start()
    stats = crawler.stats.get_stats()
    print(json.dumps({"items": stats.get("item_scraped_count", 0),
                      "responses": stats.get("response_received_count", 0),
                      "characters": crawler.spider.characters}))  # fmt: skip


if __name__ == "__main__":
    main()
