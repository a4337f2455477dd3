"""`scrapy detect`: platform and board from a careers URL, or from the page it serves."""

from __future__ import annotations

import tomllib
from datetime import date

import pytest
from scrapy.spiderloader import get_spider_loader
from scrapy.utils.project import get_project_settings

from crawler.detect import Detection, detect, urls_in_page
from crawler.registry import load_registry
from tests.support import FIXTURES, run_scrapy


def project_spiders() -> dict[str, type]:
    loader = get_spider_loader(get_project_settings())
    return {name: loader.load(name) for name in loader.list()}


def page(name: str) -> bytes:
    return (FIXTURES / "detect" / name).read_bytes()


def fetching(body: bytes, final_url: str = "https://acme.example/careers"):
    """A fetch that serves ``body`` and remembers what it was asked for."""
    asked: list[str] = []

    def fetch(url: str):
        asked.append(url)
        return final_url, body, "utf-8"

    fetch.asked = asked
    return fetch


def entry_printed(log: str) -> dict:
    """The [[company]] table the command printed, parsed as the registry would."""
    toml = log[log.index("[[company]]") :]
    return tomllib.loads(toml.split("\n\n")[0])["company"][0]


# --- detection logic ------------------------------------------------------------------


def test_a_platform_url_is_recognised_without_fetching():
    fetch = fetching(b"")
    report = detect("https://job-boards.greenhouse.io/anthropic/jobs/4020305008",
                    project_spiders(), fetch)  # fmt: skip
    assert [(d.platform, d.board) for d in report.detections] == [("greenhouse", "anthropic")]
    assert fetch.asked == [] and not report.fetched


def test_embedded_greenhouse_board_is_found_in_the_page():
    report = detect("https://acme.example/careers", project_spiders(),
                    fetching(page("greenhouse_embed.html")))  # fmt: skip
    best = report.detections[0]
    assert (best.platform, best.board) == ("greenhouse", "acmerobotics")
    assert best.evidence == "https://boards.greenhouse.io/embed/job_board/js?for=acmerobotics"
    assert len(report.detections) == 1  # analytics, social and newsletter URLs name nothing


def test_an_embed_written_inside_an_inline_script_is_found():
    html = b"""<html><body><div id="grnhse_app"></div><script>
      Grnhse.Settings.boardURI = 'https://boards.greenhouse.io/embed/job_board?for=quill&b=x';
    </script></body></html>"""
    report = detect("https://quill.example/jobs", project_spiders(), fetching(html))
    assert [(d.platform, d.board) for d in report.detections] == [("greenhouse", "quill")]


def test_the_board_most_urls_name_wins():
    report = detect("https://helix.ai/careers", project_spiders(),
                    fetching(page("lever_links.html")))  # fmt: skip
    found = [(d.platform, d.board, d.hits) for d in report.detections]
    assert found[0] == ("lever", "helix-ai", 4)
    assert ("greenhouse", "orbital", 1) in found[1:]  # a partner's board, ranked after


@pytest.mark.parametrize("fixture", ["jsonld_page.html", "microdata_page.html"])
def test_job_posting_markup_means_jsonld(fixture):
    url = "https://northwind.example/careers/senior-data-engineer"
    report = detect(url, project_spiders(), fetching(page(fixture), final_url=url))
    assert report.detections == [Detection("jsonld", None, url)]
    company = report.detections[0].company()
    assert (company.slug, company.careers_url, company.board) == ("northwind", url, None)


def test_a_page_with_nothing_known_detects_nothing():
    report = detect("https://pebble.example/careers", project_spiders(),
                    fetching(page("nothing.html")))  # fmt: skip
    assert report.detections == [] and report.fetched
    assert report.urls_checked >= 5  # it did look at the page's URLs


def test_urls_in_page_are_absolute_and_unique():
    html = """<a href="/jobs">x</a><a href="/jobs">again</a><iframe src="//embed.example/x">
              </iframe><form action="apply?id=1&amp;src=web"></form>"""
    assert urls_in_page(html, "https://acme.example/careers/") == [
        "https://acme.example/jobs", "https://embed.example/x",
        "https://acme.example/careers/apply?id=1&src=web",
    ]  # fmt: skip


# --- the command, against pages served by the replay server ------------------------------


def serve_page(replay, name: str, path: str = "/careers") -> str:
    replay.add(path, page(name), content_type="text/html; charset=utf-8")
    return replay.url + path


def test_command_prints_the_entry_of_an_embedded_greenhouse_board(replay, tmp_path):
    url = serve_page(replay, "greenhouse_embed.html")
    result = run_scrapy("detect", url, "--name", "Acme Robotics")
    assert result.returncode == 0, result.log
    assert ("GET", "/careers") in replay.requests
    assert "greenhouse: board 'acmerobotics' (from 1 URL(s) in the page" in result.log
    entry = entry_printed(result.log)
    assert entry == {
        "slug": "acme-robotics", "name": "Acme Robotics", "platform": "greenhouse",
        "board": "acmerobotics",
        "careers_url": "https://boards.greenhouse.io/embed/job_board/js?for=acmerobotics",
        "evidence": f"scrapy detect: {url} names it ({date.today():%Y-%m})",
        "checked": date.today(), "verified": False,
    }  # fmt: skip
    # what it prints is a registry entry that loads as it is
    registry = tmp_path / "companies.toml"
    registry.write_text(result.log[result.log.index("[[company]]") :])
    [company] = load_registry(registry)
    assert company.board == "acmerobotics"


def test_command_names_the_lever_board_a_page_links_to(replay):
    url = serve_page(replay, "lever_links.html")
    result = run_scrapy("detect", url)
    assert result.returncode == 0, result.log
    assert result.log.splitlines()[0].startswith("lever: board 'helix-ai' (from 4 URL(s)")
    entry = entry_printed(result.log)
    assert (entry["platform"], entry["board"], entry["slug"]) == ("lever", "helix-ai", "helix-ai")


def test_command_calls_a_job_posting_page_jsonld(replay):
    url = serve_page(replay, "jsonld_page.html", path="/careers/senior-data-engineer")
    result = run_scrapy("detect", url)
    assert result.returncode == 0, result.log
    entry = entry_printed(result.log)
    assert entry["platform"] == "jsonld" and entry["careers_url"] == url
    assert "board" not in entry


def test_command_says_when_nothing_is_found(replay):
    url = serve_page(replay, "nothing.html")
    result = run_scrapy("detect", url)
    assert result.returncode == 1
    assert f"no known platform in {url}" in result.log
    assert "[[company]]" not in result.log and "Traceback" not in result.log


def test_command_reports_a_page_it_cannot_fetch(replay):
    result = run_scrapy("detect", replay.url + "/gone")  # the replay server answers 404
    assert result.returncode == 2
    assert "could not fetch" in result.log and "404" in result.log
