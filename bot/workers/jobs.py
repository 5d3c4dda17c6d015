"""What runs inside the worker process: the same service functions the CLI calls, given picklable arguments
(database URL, file bytes, paths). Imports of the heavy modules happen here, in the child, on first use."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

from bot.db.storage import Database

_queue = None  # progress to the parent: (job, stage, done, total)


WORKER_NICE = 10  # the worker yields the CPU to the bot's own process, which answers people
# The worker's address space: a 100,000-row import peaks at ~270 MB (measured, notes/bounded-input.md), the 20 MB
# file limit allows about twice that. A file that needs more (a bomb the size checks missed) fails its own job with
# MemoryError, or ends the worker, which is started afresh; the bot's own process is never touched.
WORKER_MEMORY_LIMIT = 1536 * 1024 * 1024


def init_worker(queue) -> None:
    global _queue
    _queue = queue
    lower_priority()
    limit_memory()


def limit_memory(pid: int = 0, limit: int = WORKER_MEMORY_LIMIT) -> int | None:
    """RLIMIT_AS of process `pid` (0: this one) lowered to `limit` (never raised); the bot calls it with the pid of
    the worker it has just started, the worker again for itself. Returns the limit now in force (None: not on
    this platform)."""
    try:
        import resource

        soft, hard = resource.prlimit(pid, resource.RLIMIT_AS) if pid else resource.getrlimit(resource.RLIMIT_AS)
        wanted = min(x for x in (limit, soft, hard) if x != resource.RLIM_INFINITY) if limit else soft
        if wanted != soft:
            if pid:
                resource.prlimit(pid, resource.RLIMIT_AS, (wanted, hard))
            else:
                resource.setrlimit(resource.RLIMIT_AS, (wanted, hard))
        return wanted
    except (ImportError, AttributeError, OSError, ValueError):  # not Linux, or the process is gone
        return None


def lower_priority(pid: int = 0) -> str:
    """nice 10 below the bot, and on Linux the batch scheduling class: the worker never preempts the bot when it
    wakes, and its share stays that of nice 10. Not SCHED_IDLE or nice 19: on a host busy with other work they
    starved the worker (at load average ~9 a 5-row import did not finish in 20 s; at nice 10 it did), and a
    starved import also holds SQLite's write lock for longer. `pid` 0 is this process (the worker, whose parent
    is the bot); the bot calls it with the pid of the worker it has just started, so that the worker's own
    start-up (its imports, ~0.4 s of CPU) already runs lowered. Calling it twice changes nothing. Returns what
    it got."""
    import os

    got = []
    try:
        os.sched_setscheduler(pid, os.SCHED_BATCH, os.sched_param(0))
        got.append("batch")
    except (AttributeError, OSError):  # not Linux, or the process is gone
        pass
    try:
        bot = os.getppid() if pid == 0 else os.getpid()
        nice = max(os.getpriority(os.PRIO_PROCESS, pid), os.getpriority(os.PRIO_PROCESS, bot) + WORKER_NICE)
        os.setpriority(os.PRIO_PROCESS, pid, nice)
        got.append(f"nice {nice}")
    except (AttributeError, OSError):  # not on this platform, or the process is gone
        pass
    return ", ".join(got) or "normal"


def _progress(job: int) -> Callable[[str, int, int], None] | None:
    if _queue is None:
        return None
    return lambda stage, done, total: _queue.put((job, stage, done, total))


def _with_database(url: str, fn: Callable[[Database], object]) -> object:
    db = Database(url)
    try:
        return fn(db)
    finally:
        db.dispose()


def import_with(db_call: Callable, data: bytes, filename: str, actor: str, skip_invalid: bool, progress,
                region: str = "", target=None):
    from bot.registry.importer import import_file

    return import_file(db_call, data, filename, actor, skip_invalid, progress, region, target)


def report_with(db_call: Callable, path: Path, today: dt.date | None = None, region: str = "",
                office_id: int | None = None) -> str:
    from bot.reporting.report import write_report

    settings = SimpleNamespace(bot_region=region)  # all the report reads of the settings
    return db_call(lambda session: write_report(session, path, today, settings, office_id)).summary()


def import_registry(job: int, url: str, data: bytes, filename: str, actor: str, skip_invalid: bool, region: str = "",
                    target=None):
    try:
        return _with_database(url, lambda db: import_with(db.call, data, filename, actor, skip_invalid, _progress(job),
                                                          region, target))
    finally:
        if _queue is not None:
            _queue.put((job, None, 0, 0))  # after every progress message of this job: the parent waits for it


def write_report(job: int, url: str, path: str, today: dt.date | None = None, region: str = "",
                 office_id: int | None = None) -> str:
    return _with_database(url, lambda db: report_with(db.call, Path(path), today, region, office_id))


def registry_changed() -> None:
    from bot.registry.audit import Generation

    Generation.bump()

