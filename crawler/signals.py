"""Signals of this project, sent through the crawler's signal manager.

``company_finished``: a company's crawl is over. Sent by the store stage once the
company's own last request has settled and its last item has been stored or dropped,
after its last rows, its closing and its ``crawl_runs`` row committed (or failed to).
Keyword arguments: ``company`` (crawler.registry.Company), ``platform``, ``board``,
``status`` ("ok", "partial" or "failed"), ``reason`` and ``run_id`` (the distributed
run the company was taken from, or None). A worker uses it to release the company's
lease; per-company state anywhere in the process is dropped on it.
"""

company_finished = object()
