"""`scrapy report`: the site's headline numbers, as terminal tables or one HTML page.

``data.collect`` gathers them through the named queries of crawler/db/report.py;
``text.render_text`` and ``html.render_html`` present the same collection.
"""
