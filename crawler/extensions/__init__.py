"""Scrapy extensions of this project (progress display of `scrapy crawlall`)."""
