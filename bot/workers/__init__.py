"""CPU-heavy work (a registry import, the clean-up report) in a separate process, so the bot's event loop and
its database threads keep answering people while it runs (a thread of the bot would share its GIL).

One worker process (spawn, so it inherits no sockets or threads), started on first use and stopped when no job
is left: a 100k-row import peaks at a few hundred MB, and that memory goes back to the system with the process.
A second job waits for the first (max_workers=1 bounds the memory). The child opens its own Database from the
URL (SQLite WAL and PostgreSQL both allow a second process); progress comes back through a queue the pool was
started with. An in-memory SQLite database cannot be shared, so there the work runs in a thread as before."""
from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import logging
import multiprocessing
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from bot.db.storage import Database
from bot.workers import jobs

log = logging.getLogger(__name__)
Progress = Callable[[str, int, int], None]
PROGRESS_WAIT = 5.0  # seconds the last progress messages may lag the result


TOO_HEAVY = "文件处理时超出了内存上限或处理进程意外结束，没有导入任何内容。请只保留登记数据、取消合并单元格，拆分后再导入"


class WorkerFailed(RuntimeError):
    """The worker process died (killed, out of memory): nothing was committed."""


class _Pool:
    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self.queue = context.Queue()
        self.executor = ProcessPoolExecutor(max_workers=1, mp_context=context, initializer=jobs.init_worker,
                                            initargs=(self.queue,))
        self.callbacks: dict[int, tuple[Progress, threading.Event]] = {}
        self.lowered: set[int] = set()
        self.running = 0
        self.listener = threading.Thread(target=self._listen, name="worker-progress", daemon=True)
        self.listener.start()

    def _listen(self) -> None:
        while True:
            try:
                message = self.queue.get()
            except (EOFError, OSError):
                return
            if message is None:  # close(): nothing more will come
                self.queue.close()
                return
            job, stage, done, total = message
            callback, finished = self.callbacks.get(job, (None, None))
            if finished is not None and stage is None:
                finished.set()  # the job's last message
            elif callback is not None:
                try:
                    callback(stage, done, total)
                except Exception:  # a progress message that cannot be shown must not stop the others
                    log.exception("progress callback failed")

    def lower_started(self) -> None:
        """The worker process the executor has just started gets its lower priority from here, before its own
        imports rather than after them (`jobs.init_worker` does it again, to no effect)."""
        for pid in list(getattr(self.executor, "_processes", None) or {}):
            if pid not in self.lowered:
                self.lowered.add(pid)
                jobs.lower_priority(pid)
                jobs.limit_memory(pid)

    def close(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)
        self.queue.put(None)  # the listener ends and closes the queue


_pool: _Pool | None = None
_lock = threading.Lock()
_job_ids = itertools.count(1)


def shareable(db: Database) -> bool:
    """A second process sees the same data: not for an in-memory SQLite database."""
    url = db.engine.url
    return not (url.get_backend_name() == "sqlite" and (not url.database or url.database == ":memory:"))


async def _pool_for_job(progress: Progress | None) -> tuple[_Pool, int, threading.Event]:
    """The running pool with one more job counted, started if none runs. A new pool (its threads, queues and
    executor) is made in a thread: on the event loop it held up the replies around an upload by ~10-20 ms."""
    global _pool
    while True:
        with _lock:
            if _pool is not None:
                pool = _pool
                pool.running += 1
                job = next(_job_ids)
                finished = threading.Event()
                if progress is not None:
                    pool.callbacks[job] = (progress, finished)
                return pool, job, finished
        fresh: _Pool | None = await asyncio.to_thread(_Pool)
        with _lock:
            if _pool is None:
                _pool, fresh = fresh, None
        if fresh is not None:  # another job started one meanwhile
            fresh.close()


def _start(pool: _Pool, fn: Callable, job: int, args: tuple) -> Future:
    submitted = pool.executor.submit(fn, job, *args)  # spawns the worker process if none runs
    pool.lower_started()
    return submitted


async def _submit(fn: Callable, *args: object, progress: Progress | None = None) -> object:
    global _pool
    pool, job, finished = await _pool_for_job(progress)
    try:
        submitted = await asyncio.to_thread(_start, pool, fn, job, args)
        result = await asyncio.wrap_future(submitted)
        if progress is not None:  # every progress message is shown before the caller hears the result
            await asyncio.to_thread(finished.wait, PROGRESS_WAIT)
        return result
    except (BrokenProcessPool, MemoryError) as exc:
        # died (killed, or the Rust reader aborted at the memory limit), or the job ran into the limit: either
        # way the next job gets a fresh process
        log.error("worker process died or ran out of memory: %s", exc.__class__.__name__)
        with _lock:
            if _pool is pool:
                _pool = None
                pool.running = 0  # nothing else can finish on a broken pool
                pool.close()
        raise WorkerFailed(exc.__class__.__name__) from None
    finally:
        with _lock:
            pool.callbacks.pop(job, None)
            pool.running = max(0, pool.running - 1)
            if pool.running == 0 and _pool is pool:  # idle: give the memory back
                _pool = None
                pool.close()


def shutdown() -> None:
    """Stop the worker process (with the application); a job still running is abandoned, uncommitted."""
    global _pool
    with _lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.close()


async def import_registry(db: Database, data: bytes, filename: str, actor: str, skip_invalid: bool = False,
                          progress: Progress | None = None, region: str = "", target=None):
    """bot.registry.importer.import_file in the worker process; the same ImportReport, errors, exceptions.
    `target`: the office the sheet is for (an office admin's upload), an ImportTarget."""
    if not shareable(db):
        report = await asyncio.to_thread(jobs.import_with, db.call, data, filename, actor, skip_invalid, progress,
                                         region, target)
    else:
        try:
            report = await _submit(jobs.import_registry, db.url, data, filename, actor, skip_invalid, region, target,
                                   progress=progress)
        except WorkerFailed:
            from bot.registry.sheets import SpreadsheetError

            raise SpreadsheetError(TOO_HEAVY) from None
        jobs.registry_changed()  # this process's read caches drop what the import replaced
    await refresh_caches(db)
    return report


async def refresh_caches(db: Database) -> None:
    """The bot's unit-name index and the office's region brought up to date off the hot path (after the warm-up,
    and after an import before the admin hears it is done) rather than by the next person's lookup, with
    everyone waiting on it."""
    from bot.registry.lookup import NAME_INDEX
    from bot.registry.region import home_region

    try:
        await db.run(lambda s: (NAME_INDEX.refresh(s), home_region(s)), timeout=None)
    except Exception:  # the next lookup refreshes it instead
        log.exception("unit name index refresh failed")


async def write_report(db: Database, path: Path, today: dt.date | None = None, region: str = "",
                       office_id: int | None = None) -> str:
    """bot.reporting.report.write_report in the worker process (`office_id`: that office's report; None: the
    home office's); returns the report's summary text."""
    if not shareable(db):
        return await asyncio.to_thread(jobs.report_with, db.call, path, today, region, office_id)
    return await _submit(jobs.write_report, db.url, str(path), today, region, office_id)
