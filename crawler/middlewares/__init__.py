"""Spider and downloader middlewares."""
