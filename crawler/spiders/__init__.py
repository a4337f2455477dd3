"""One spider per careers platform, each on crawler.spiders.base.PlatformSpider.

A platform's facts live on its spider class (its name, base-URL settings and their
defaults, board shape, how to read a board from a URL); ``platform_spiders()`` finds
the classes, and the lists elsewhere (the registry's platforms, the settings' base
URLs, the registry test's board shapes) are derived from them.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crawler.spiders.base import PlatformSpider


@cache
def platform_spiders() -> dict[str, type[PlatformSpider]]:
    """Every platform spider class of this package, by platform name."""
    from scrapy.utils.misc import walk_modules_iter
    from scrapy.utils.spider import iter_spider_classes

    from crawler.spiders.base import PlatformSpider

    found: dict[str, type[PlatformSpider]] = {}
    for module in walk_modules_iter(__name__):
        for spider_class in iter_spider_classes(module):
            if issubclass(spider_class, PlatformSpider):
                found[spider_class.name] = spider_class
    return dict(sorted(found.items()))
