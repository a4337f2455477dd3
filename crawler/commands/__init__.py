"""Project commands for `scrapy <command>`: migrate, demo, and more."""
