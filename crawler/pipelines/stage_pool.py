"""The CPU-heavy stages in a pool of processes, for a crawl that should use every core.

Reads ``JOBS_STAGE_PROCESSES``: 0 (the default) runs every stage in the crawl process,
as always; N > 0 runs the stages that declare ``runs_in_pool = True`` (clean, location,
pay, classify, ai_skills) in N child processes, shared by every crawler of the process.

Why this shape:
- A stage may run in the pool when it is a pure function of the posting: it reads its
  settings once, writes only stats, and needs no database, ledger or signal. The
  stages that keep state across postings (unchanged, validate's ledger, dedupe,
  same_job, store) stay in the crawl process, in their order.
- One call per posting (batched): the item processor (crawler/pipelines/manager.py)
  sends the posting, once the stages before the first pool stage have run, to a child
  that runs all the pool stages on it in order. Postings that arrive in the same turn
  of the event loop (a page's) go in one call, at most 64: a round trip per posting
  cost more than the stages it spared. The child returns the processed posting,
  each pool stage's stats calls and log records, and the stage that dropped the
  posting or raised, if one did.
- Exactly today's semantics. The crawl process then walks the stages in order: at a
  pool stage's place it applies that stage's stats and log records and, if the child
  stopped there, raises its DropItem or error (same type and message, the child's
  traceback as the cause); the other stages run as before. A duplicate dropped by
  dedupe so never counts the enrichment stages' stats, and the completion accounting
  sees the same drops and errors. The stages between two runs of pool stages (validate,
  dedupe, same_job) see the posting as it was at their place: the child returns, for
  each such boundary, the fields the later pool stages changed (the location stage
  splits ``locations``, which the same-job key reads), and the crawl process puts them
  back for those stages, then restores the later values. A field is "changed" when it
  was replaced or a list of it was changed in place; ``extra`` (the stages' scratch
  space) is not tracked. A pool stage must not read what a crawl-process stage before
  it writes (``same_job_key``): the child never sees it.
- A posting whose source is unchanged skips the pool stages (they do not run on it)
  and is never sent.
- 'spawn' children: forking a process that runs Twisted and asyncio is unsafe. Each
  builds its stages once, from the crawl's settings, with a stand-in crawler whose
  stats collector records calls; each loads the taxonomy and gazetteer itself (the
  crawl process still builds every stage: an unchanged posting, or 0 processes, runs
  them here). A child's clean stage reads relative dates ("3 days ago") against its
  own start, seconds after the crawl's.
  Children ignore SIGINT: the crawl process decides how a crawl stops. Their log
  records (at the crawl's ``LOG_LEVEL``) are re-emitted in the crawl's log.
- A child that dies (OOM-killed) breaks the pool: every posting in flight then fails
  with ``BrokenProcessPool`` at the first pool stage's place (an item error: its
  company is partial, nothing closed), and a new pool takes the next postings.
- The pool closes with its last crawler; its processes are reaped then, so their CPU
  time counts in the crawl process's children. Its close logs each process's peak
  RSS (``Stage pool closed: peak RSS per process ... MB``).
"""

from __future__ import annotations

import asyncio
import copy
import logging
import logging.handlers
import multiprocessing
import os
import pickle
import signal
import time
import traceback
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from itertools import pairwise
from typing import TYPE_CHECKING, Any, NamedTuple

from itemadapter import ItemAdapter
from scrapy.settings import Settings
from scrapy.utils.misc import build_from_crawler, load_object

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

PROCESSES_SETTING = "JOBS_STAGE_PROCESSES"
# How often a child reads its own peak RSS (VmHWM) into a result.
PEAK_READ_SECONDS = 0.5
# The most postings sent to a child in one call.
BATCH_MAX = 64


class StageFailure(NamedTuple):
    """The pool stage that dropped the posting or raised, and what it raised."""

    index: int  # among the pool stages
    error: BaseException | None  # None when it did not survive pickling
    type_name: str
    message: str
    traceback: str | None  # None for a DropItem (never logged with a traceback)


class PoolOutcome(NamedTuple):
    """What a child returns for one posting."""

    item: Any  # as the last pool stage that ran left it
    boundaries: list[dict[str, Any]]  # per boundary: field -> value there (see above)
    effects: list[list[tuple[str, Any]]]  # per pool stage that ran: stats calls, logs
    failure: StageFailure | None
    pid: int
    peak_kb: int | None  # the child's VmHWM, when it read it this time


class ChildTraceback(Exception):
    """The traceback of an error raised in a pool process (the cause of its re-raise)."""

    def __str__(self) -> str:
        return "\n" + str(self.args[0]).rstrip()


def rebuilt_error(failure: StageFailure) -> BaseException:
    """The exception a pool stage raised, to raise again in the crawl process."""
    error = failure.error
    if error is None:
        error = RuntimeError(f"{failure.type_name}: {failure.message}")
    if failure.traceback:
        error.__cause__ = ChildTraceback(failure.traceback)
    return error


# --- in a child ---------------------------------------------------------------------


class RecordingStats:
    """A pool stage's stats collector: records each call for the crawl's collector."""

    def __init__(self) -> None:
        self.effects: list[tuple[str, Any]] = []

    def get_value(self, key: str, default: Any = None, spider: Any = None) -> Any:
        return default  # the totals live in the crawl process

    def get_stats(self, spider: Any = None) -> dict[str, Any]:
        return {}

    def inc_value(self, key: str, count: int = 1, start: int = 0, spider: Any = None) -> None:
        self.effects.append(("inc_value", (key, count, start)))

    def set_value(self, key: str, value: Any, spider: Any = None) -> None:
        self.effects.append(("set_value", (key, value)))

    def max_value(self, key: str, value: Any, spider: Any = None) -> None:
        self.effects.append(("max_value", (key, value)))

    def min_value(self, key: str, value: Any, spider: Any = None) -> None:
        self.effects.append(("min_value", (key, value)))


class _RecordingLogHandler(logging.handlers.QueueHandler):
    """Keeps each log record (formatted, picklable) with the running stage's effects."""

    def __init__(self, stats: RecordingStats) -> None:
        super().__init__(None)  # type: ignore[arg-type]
        self.stats = stats

    def enqueue(self, record: logging.LogRecord) -> None:
        self.stats.effects.append(("log", record))


@dataclass
class StandInCrawler:
    """What a pool stage may use of its crawler: the settings and the stats."""

    settings: Settings
    stats: RecordingStats = field(default_factory=RecordingStats)


class _Child:
    """A pool process's stages, built on its first posting."""

    def __init__(self, stage_paths: list[str], boundaries: frozenset[int], settings: dict) -> None:
        self.stage_paths = stage_paths
        self.boundaries = boundaries  # pool stages after which the crawl process runs some
        self.crawler = StandInCrawler(Settings(settings))
        self.stages: list[Any] | None = None
        self.last_peak_read = 0.0

    def build(self) -> list[Any]:
        if self.stages is None:
            handler = _RecordingLogHandler(self.crawler.stats)
            root = logging.getLogger()
            root.handlers[:] = [handler]
            root.setLevel(self.crawler.settings.get("LOG_LEVEL") or "DEBUG")
            stages = [build_from_crawler(load_object(p), self.crawler) for p in self.stage_paths]
            for stage in stages:
                if hasattr(stage, "open_spider"):
                    stage.open_spider()
            self.stages = [stage.process_item for stage in stages]
        return self.stages

    def run(self, item: Any, read_peak: bool = False) -> PoolOutcome:
        stats = self.crawler.stats
        stats.effects = []
        effects, snapshots, failure = [], [], None
        try:
            stages = self.build()
        except Exception as exc:  # every posting fails alike, each counted
            return PoolOutcome(item, [], [stats.effects], _failure(0, exc), os.getpid(), None)
        for index, process_item in enumerate(stages):
            stats.effects = []
            try:
                item = process_item(item)
            except Exception as exc:
                failure = _failure(index, exc)
            effects.append(stats.effects)
            if failure is not None:
                _drop_unpicklable_extra(item)  # a scratch object a later stage would have removed
                break
            if index in self.boundaries:
                snapshots.append(_snapshot(item))
        peak = self.peak_kb() if read_peak else None
        return PoolOutcome(
            item, _boundary_values(snapshots, item), effects, failure, os.getpid(), peak
        )

    def peak_kb(self) -> int | None:
        now = time.monotonic()
        if now - self.last_peak_read < PEAK_READ_SECONDS:
            return None
        self.last_peak_read = now
        with open("/proc/self/status", encoding="ascii") as status:
            return int(status.read().split("VmHWM:")[1].split()[0])


def _failure(index: int, exc: BaseException) -> StageFailure:
    from scrapy.exceptions import DropItem

    try:
        error: BaseException | None = exc
        pickle.loads(pickle.dumps(exc))
    except Exception:
        error = None
    trace = None if isinstance(exc, DropItem) else traceback.format_exc()
    return StageFailure(index, error, type(exc).__name__, str(exc), trace)


def _drop_unpicklable_extra(item: Any) -> None:
    extra = ItemAdapter(item).get("extra")
    if isinstance(extra, dict):
        for name, value in list(extra.items()):
            try:
                pickle.dumps(value)
            except Exception:
                del extra[name]


def _snapshot(item: Any) -> dict[str, tuple[Any, tuple | None]]:
    """Each field's value, with a copy of the lists (to see changes made in place)."""
    adapter = ItemAdapter(item)
    return {
        name: (value, tuple(value) if isinstance(value, list) else None)
        for name in adapter.field_names()
        if name != "extra"
        for value in (adapter.get(name),)
    }


def _boundary_values(snapshots: list[dict], item: Any) -> list[dict[str, Any]]:
    """Per boundary, the fields whose value there differs from the next boundary's
    (the last: from the item's final state), with their value at the boundary."""
    states = [*snapshots, _snapshot(item)]
    result = []
    for here, after in pairwise(states):
        changed = {}
        for name, (value, items) in here.items():
            later, later_items = after[name]
            if (value is not later and value != later) or items != later_items:
                changed[name] = list(items) if items is not None else value
        result.append(changed)
    return result


_child: _Child | None = None


def _start_child(stage_paths: list[str], boundaries: frozenset[int], settings: dict) -> None:
    global _child
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _child = _Child(stage_paths, boundaries, settings)


def _run_in_child(items: list[Any]) -> list[PoolOutcome]:
    assert _child is not None
    last = len(items) - 1
    return [_child.run(item, read_peak=number == last) for number, item in enumerate(items)]


def _warm_up() -> int:
    assert _child is not None
    _child.build()
    return os.getpid()


# --- in the crawl process -----------------------------------------------------------


def rewind(item: Any, boundaries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Put the item as it was at the first boundary; per boundary, the values to put
    back (``forward``) when the pool stages after it resume."""
    adapter = ItemAdapter(item)
    forward: list[dict[str, Any]] = [{}] * len(boundaries)
    for number in range(len(boundaries) - 1, -1, -1):
        values = boundaries[number]
        forward[number] = {name: (adapter.get(name), there) for name, there in values.items()}
        for name, there in values.items():
            adapter[name] = there
    return forward


def resume(item: Any, forward: dict[str, Any]) -> None:
    """Put back what the pool stages after a boundary made of the posting."""
    adapter = ItemAdapter(item)
    for name, (later, there) in forward.items():
        if adapter.get(name) is not there:
            raise RuntimeError(
                f"the field {name!r} is changed both by a stage of the crawl process and"
                " by a later pool stage: that stage cannot run in the pool"
            )
        adapter[name] = later


def apply_effects(effects: list[tuple[str, Any]], stats: Any) -> None:
    """A pool stage's stats calls and log records, in the crawl process."""
    for kind, value in effects:
        if kind == "log":
            record_logger = logging.getLogger(value.name)
            if record_logger.isEnabledFor(value.levelno):
                record_logger.handle(value)
        else:
            getattr(stats, kind)(*value)


def picklable_settings(settings: BaseSettings) -> dict[str, Any]:
    """The crawl's settings a child can receive (the rest are objects a pool stage
    would not read)."""
    values = {}
    for name, value in settings.copy_to_dict().items():
        try:
            pickle.dumps(value)
        except Exception:
            continue
        values[name] = value
    return values


class StagePool:
    """The process pool of one configuration (stages and settings), shared by every
    crawler of the process that has it; opened per crawler, closed with the last."""

    _shared: dict[bytes, StagePool] = {}

    def __init__(self, key: bytes, processes: int, stage_paths: list[str],
                 boundaries: frozenset[int], settings: dict[str, Any]) -> None:  # fmt: skip
        self.key = key
        self.processes = processes
        self.init_args = (stage_paths, boundaries, settings)
        self.executor: ProcessPoolExecutor | None = None
        self.users = 0
        self.peaks_kb: dict[int, int] = {}
        self.waiting: list[tuple[Any, asyncio.Future[PoolOutcome]]] = []

    @classmethod
    def for_stages(cls, settings: BaseSettings, stage_paths: list[str],
                   boundaries: frozenset[int]) -> StagePool:  # fmt: skip
        processes = settings.getint(PROCESSES_SETTING)
        values = picklable_settings(settings)
        key = pickle.dumps((processes, stage_paths, sorted(boundaries), sorted(values.items())))
        pool = cls._shared.get(key)
        if pool is None:
            pool = cls._shared[key] = cls(key, processes, stage_paths, boundaries, values)
        return pool

    def open(self) -> None:
        self.users += 1
        if self.executor is None:
            self.executor = self._start()
            logger.info(
                "Stage pool: %d process(es) run %s", self.processes,
                ", ".join(path.rsplit(".", 1)[-1] for path in self.init_args[0]),
            )  # fmt: skip

    def _start(self) -> ProcessPoolExecutor:
        executor = ProcessPoolExecutor(
            self.processes, mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_child, initargs=self.init_args,
        )  # fmt: skip
        for _ in range(self.processes):  # start and build them while the first pages load
            executor.submit(_warm_up)
        return executor

    async def run(self, item: Any) -> PoolOutcome:
        """The pool stages' outcome for this posting. Postings that arrive in the same
        turn of the event loop (a page's postings) go to the children together: one
        round trip per posting cost more than the stages spared."""
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[PoolOutcome] = loop.create_future()
        if not self.waiting:
            loop.call_soon(self._send_waiting, loop)
        self.waiting.append((item, waiter))
        return await waiter

    def _send_waiting(self, loop: asyncio.AbstractEventLoop) -> None:
        waiting, self.waiting = self.waiting, []
        executor = self.executor
        assert executor is not None, "the stage pool is closed"
        size = min(BATCH_MAX, -(-len(waiting) // self.processes))  # spread over the children
        for start in range(0, len(waiting), size):
            batch = waiting[start : start + size]
            try:
                future = executor.submit(_run_in_child, [item for item, _ in batch])
            except BrokenProcessPool as exc:
                self._deliver(executor, batch, exc)
                continue
            future.add_done_callback(
                lambda done, batch=batch: loop.call_soon_threadsafe(
                    self._deliver, executor, batch, done
                )
            )

    def _deliver(self, executor: ProcessPoolExecutor, batch: list,
                 done: Future[list[PoolOutcome]] | BaseException) -> None:  # fmt: skip
        try:
            if isinstance(done, BaseException):
                raise done
            outcomes = done.result()
        except Exception as exc:  # a child died, or a posting could not be sent
            if isinstance(exc, BrokenProcessPool):
                self._replace(executor)
            for _, waiter in batch:
                if not waiter.done():
                    waiter.set_exception(copy.copy(exc))
            return
        for (_, waiter), outcome in zip(batch, outcomes, strict=True):
            if outcome.peak_kb is not None:
                self.peaks_kb[outcome.pid] = outcome.peak_kb
            if not waiter.done():
                waiter.set_result(outcome)

    def _replace(self, broken: ProcessPoolExecutor) -> None:
        """After a child died: a new pool for the next postings (once per break)."""
        if self.executor is not broken:
            return
        logger.error(
            "A stage pool process died: the postings it had in flight failed;"
            " starting a new pool"
        )
        broken.shutdown(wait=False, cancel_futures=True)
        self.executor = self._start()

    async def close(self) -> None:
        self.users -= 1
        if self.users > 0 or self.executor is None:
            return
        executor, self.executor = self.executor, None
        self._shared.pop(self.key, None)
        await asyncio.to_thread(executor.shutdown, True)  # reaped: their CPU is counted
        peaks = ", ".join(f"{kb / 1024:.0f}" for kb in sorted(self.peaks_kb.values()))
        logger.info("Stage pool closed: peak RSS per process %s MB", peaks or "unknown")
