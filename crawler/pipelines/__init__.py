"""Item pipelines, one stage per module, in the order of ITEM_PIPELINES.

They know the JobPosting item and never a platform: a platform's quirks end in its
spider.
"""
