"""One spider per careers platform, each on crawler.spiders.base.PlatformSpider."""
