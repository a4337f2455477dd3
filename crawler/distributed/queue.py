"""The Redis side of distributed runs: work items, per-platform queues, company leases.

Settings read: ``REDIS_URL``, ``WORKER_REDIS_PREFIX`` (every key starts with it, so
several deployments, or tests, can share one Redis).

Keys:
- ``<prefix>:queue:<platform>``: a list of JSON work items (the scrapy-redis start
  queue of that platform's spider);
- ``<prefix>:lease:<company slug>``: who crawls the company now (``<run id> <worker>``),
  with a time to live. It is both the lease (a worker renews it while it works; when
  it expires the company goes back to the queue) and the lock that keeps two runs from
  crawling one company at the same time.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

import redis

from crawler.registry import Company

# Renew or release a lease only if we still hold it (a lease that expired may already
# be someone else's).
_RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then " \
         "return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end"  # fmt: skip
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then " \
           "return redis.call('del', KEYS[1]) else return 0 end"  # fmt: skip


class BadWorkItem(ValueError):
    """A queued value that is not a work item (the message says what is wrong)."""


@dataclass(frozen=True)
class WorkItem:
    """One company of one run, as queued: everything a worker needs to crawl it, so a
    worker does not depend on having the same registry file as `scrapy enqueue`."""

    run_id: str
    company: Company

    def to_json(self) -> str:
        return json.dumps({"run_id": self.run_id, "company": asdict(self.company)},
                          sort_keys=True)  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        return json.loads(self.to_json())

    @classmethod
    def from_json(cls, data: bytes | str) -> WorkItem:
        try:
            return cls.from_dict(json.loads(data))
        except (ValueError, KeyError, TypeError) as exc:
            raise BadWorkItem(f"not a work item ({exc}): {str(data)[:200]!r}") from None

    @classmethod
    def from_dict(cls, value: dict[str, Any]) -> WorkItem:
        return cls(run_id=str(value["run_id"]), company=Company(**value["company"]))


class WorkQueue:
    """Per-platform queues and per-company leases on one Redis."""

    def __init__(self, server: redis.Redis, prefix: str) -> None:
        self.server = server
        self.prefix = prefix

    @classmethod
    def from_url(cls, url: str, prefix: str) -> WorkQueue:
        return cls(redis.Redis.from_url(url), prefix)

    def queue_key(self, platform: str) -> str:
        return f"{self.prefix}:queue:{platform}"

    def lease_key(self, slug: str) -> str:
        return f"{self.prefix}:lease:{slug}"

    def push(self, items: list[WorkItem]) -> None:
        with self.server.pipeline() as pipe:
            for item in items:
                pipe.rpush(self.queue_key(item.company.platform), item.to_json())
            pipe.execute()

    def queued(self, platform: str) -> list[WorkItem]:
        """What waits in a platform's queue (for a reaper's check; not popped)."""
        items = []
        for data in self.server.lrange(self.queue_key(platform), 0, -1):
            try:
                items.append(WorkItem.from_json(data))
            except BadWorkItem:
                continue
        return items

    def acquire(self, slug: str, holder: str, lease_seconds: float) -> bool:
        """Take a company's lease, unless someone holds it."""
        px = int(lease_seconds * 1000)
        return bool(self.server.set(self.lease_key(slug), holder, nx=True, px=px))

    def renew(self, slug: str, holder: str, lease_seconds: float) -> bool:
        """Extend our lease; False when it is no longer ours (it expired)."""
        px = int(lease_seconds * 1000)
        return bool(self.server.eval(_RENEW, 1, self.lease_key(slug), holder, px))

    def release(self, slug: str, holder: str) -> None:
        self.server.eval(_RELEASE, 1, self.lease_key(slug), holder)

    def holder(self, slug: str) -> str | None:
        value = self.server.get(self.lease_key(slug))
        return value.decode() if isinstance(value, bytes) else value


def lease_holder(run_id: str, worker: str) -> str:
    """The value a lease holds: which run's company, on which worker."""
    return f"{run_id} {worker}"
