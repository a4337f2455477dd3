"""The validate stage's URL check: its fast path agrees with the registry's is_http_url."""

from __future__ import annotations

import pytest

from crawler.pipelines.validate import has_http_url
from crawler.registry import is_http_url

URLS = [
    "https://job-boards.greenhouse.io/acme/jobs/1", "http://x", "HTTP://x.com", "https://",
    "http:///path", "https://?q", "https://#f", "https://\n", "https://\t/x", "ftp://x",
    " https://x", "https://[::1]/", "https://user@host:80/p", "https:/x", "http://x y",
    "https://a/b?c#d", "mailto:jobs@acme.com", "", None, 5,
]  # fmt: skip


@pytest.mark.parametrize("url", URLS)
def test_the_fast_url_check_agrees_with_is_http_url(url):
    assert has_http_url(url) == is_http_url(url)
